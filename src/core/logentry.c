/* logentry.c -- canonical transparency log entries; see logentry.h. Pure. */
#include "logentry.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

/* A growing text in a caller buffer: counts every byte, stores what fits. */
typedef struct {
  char *buf;
  size_t cap, len;
} out_t;

static void put_bytes(out_t *o, const char *s, size_t n) {
  if (o->len < o->cap) {
    size_t room = o->cap - o->len;
    memcpy(o->buf + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

static void putf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out_t *o, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put_bytes(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* "<name> <len>:<bytes>\n" */
static void put_text(out_t *o, const char *name, const char *v) {
  if (v == NULL) v = "";
  size_t n = strlen(v);
  putf(o, "%s %zu:", name, n);
  put_bytes(o, v, n);
  put_bytes(o, "\n", 1);
}

size_t logentry_encode(const logentry *e, char *buf, size_t cap) {
  out_t o = {.buf = buf, .cap = cap, .len = 0};
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, e->commitment, sizeof e->commitment);
  putf(&o, "ledger6 log entry v1\n");
  putf(&o, "transaction %lld\n", (long long)e->tx);
  putf(&o, "kind ");
  put_bytes(&o, e->kind ? e->kind : "", e->kind ? strlen(e->kind) : 0);
  put_bytes(&o, "\n", 1);
  put_text(&o, "timestamp", e->timestamp);
  putf(&o, "quantity %lld\n", (long long)e->quantity);
  putf(&o, "reporting_year %d\n", e->reporting_year);
  put_text(&o, "beneficiary", e->beneficiary);
  put_text(&o, "purpose", e->purpose);
  put_text(&o, "claim", e->claim);
  putf(&o, "private %s\n", hex);
  for (size_t i = 0; i < e->nblocks; i++) {
    const logentry_block *b = &e->blocks[i];
    putf(&o, "block %lld %lld %lld ", (long long)b->batch, (long long)b->first, (long long)b->last);
    put_bytes(&o, b->serial ? b->serial : "", b->serial ? strlen(b->serial) : 0);
    put_bytes(&o, "\n", 1);
  }
  if (cap > 0) buf[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len;
}

static void hash_str(crypto_hash_sha256_state *st, const char *s) {
  crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
}

void logentry_commit(const logentry_private *p, const logentry_block *blocks, size_t nblocks, uint8_t out[32]) {
  crypto_hash_sha256_state st;
  char line[160], salt[2 * LOGENTRY_SALT_BYTES + 1];
  const char *actor = p->actor ? p->actor : "";
  sodium_bin2hex(salt, sizeof salt, p->salt, sizeof p->salt);
  crypto_hash_sha256_init(&st);
  hash_str(&st, "ledger6 private v1\n");
  snprintf(line, sizeof line, "salt %s\nactor %zu:", salt, strlen(actor));
  hash_str(&st, line);
  hash_str(&st, actor);
  snprintf(line, sizeof line, "\nfrom_account %lld\nto_account %lld\n", (long long)p->from_account,
           (long long)p->to_account);
  hash_str(&st, line);
  for (size_t i = 0; i < nblocks; i++) {
    snprintf(line, sizeof line, "block %lld %lld\n", (long long)blocks[i].from_account,
             (long long)blocks[i].to_account);
    hash_str(&st, line);
  }
  crypto_hash_sha256_final(&st, out);
}

size_t logentry_letter_encode(l6_id auth, int version, const char *sha256, const char *timestamp, char *buf,
                              size_t cap) {
  out_t o = {.buf = buf, .cap = cap, .len = 0};
  putf(&o, "ledger6 letter leaf v1\n");
  putf(&o, "authorization %lld\n", (long long)auth);
  putf(&o, "version %d\n", version);
  put_text(&o, "letter_sha256", sha256);
  put_text(&o, "timestamp", timestamp);
  if (cap > 0) buf[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len;
}
