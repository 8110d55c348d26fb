/* tlog.c -- the transparency log over a store; see tlog.h. */
#include "tlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/serial.h"

/* ---- reading subtrees through the store -------------------------------- */

/* merkle_subtree_fn over log_node_get; keeps the store error. */
typedef struct {
  l6_store *st;
  l6_error *err;
  l6_err e;
} node_reader;

static int read_node(void *ctx, int level, int64_t index, uint8_t out[32]) {
  node_reader *r = ctx;
  r->e = r->st->ops->log_node_get(r->st, level, index, out, r->err);
  if (r->e == L6_E_NOT_FOUND)
    r->e = l6_fail(r->err, L6_E_INTERNAL,
                   "log node (level %d, index %lld) is missing; run ledger6 verify --store", level, (long long)index);
  return r->e != L6_E_OK;
}

/* The outcome of a merkle_* call made with a node_reader. */
static l6_err merkle_result(int rc, const node_reader *r, l6_error *err, const char *what) {
  if (rc == 0) return L6_E_OK;
  if (r->e != L6_E_OK) return r->e;
  return l6_fail(err, L6_E_INTERNAL, "%s: invalid tree arguments", what);
}

static l6_err check_size(l6_store *st, int64_t size, l6_error *err) {
  int64_t n;
  l6_err e = st->ops->log_size(st, &n, err);
  if (e == L6_E_OK && (size < 0 || size > n))
    e = l6_fail(err, L6_E_BAD_PARAM, "tree size %lld is outside the log (0 to %lld)", (long long)size, (long long)n);
  return e;
}

l6_err tlog_root(l6_store *st, int64_t size, uint8_t out[32], l6_error *err) {
  l6_err e = check_size(st, size, err);
  if (e != L6_E_OK) return e;
  node_reader r = {st, err, L6_E_OK};
  return merkle_result(merkle_root(size, read_node, &r, out), &r, err, "root");
}

l6_err tlog_inclusion(l6_store *st, int64_t index, int64_t size, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *len,
                      l6_error *err) {
  l6_err e = check_size(st, size, err);
  if (e != L6_E_OK) return e;
  if (index < 0 || index >= size)
    return l6_fail(err, L6_E_BAD_PARAM, "leaf %lld is not in a tree of %lld leaves", (long long)index, (long long)size);
  node_reader r = {st, err, L6_E_OK};
  return merkle_result(merkle_inclusion_proof(index, size, read_node, &r, proof, len), &r, err, "inclusion proof");
}

l6_err tlog_consistency(l6_store *st, int64_t first, int64_t second, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *len,
                        l6_error *err) {
  l6_err e = check_size(st, second, err);
  if (e != L6_E_OK) return e;
  if (first < 1 || first > second)
    return l6_fail(err, L6_E_BAD_PARAM, "first must be from 1 to second (%lld), got %lld", (long long)second,
                   (long long)first);
  node_reader r = {st, err, L6_E_OK};
  return merkle_result(merkle_consistency_proof(first, second, read_node, &r, proof, len), &r, err,
                       "consistency proof");
}

/* ---- entries ----------------------------------------------------------- */

typedef struct {
  tlog_entry *e;
  size_t cap;
  bool nomem;
} line_acc;

static int take_line(void *ctx, const void *row) {
  line_acc *a = ctx;
  const l6_tx_line *l = row;
  if (a->e->nblocks == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 4;
    tlog_block *nb = realloc(a->e->blocks, nc * sizeof *nb);
    if (nb == NULL) {
      a->nomem = true;
      return 1;
    }
    a->e->blocks = nb;
    a->cap = nc;
  }
  tlog_block *b = &a->e->blocks[a->e->nblocks++];
  memset(b, 0, sizeof *b);
  b->batch = l->batch;
  b->first = l->first;
  b->last = l->last;
  b->from_account = l->from_account;
  b->to_account = l->to_account;
  return 0;
}

void tlog_entry_free(tlog_entry *e) {
  free(e->blocks);
  free(e->text);
  e->blocks = NULL;
  e->text = NULL;
  e->nblocks = e->len = 0;
}

/* Formats each block's serial string from the pieces already in it, then
 * encodes the entry of out->tx and out->blocks with salt and hashes it. */
static l6_err entry_encode(tlog_entry *out, const uint8_t salt[LOGENTRY_SALT_BYTES], l6_error *err) {
  for (size_t i = 0; i < out->nblocks; i++) {
    tlog_block *k = &out->blocks[i];
    l6_serial sn = {.vintage = k->vintage, .batch = k->batch, .first = k->first, .last = k->last, .is_block = true};
    snprintf(sn.unit_type, sizeof sn.unit_type, "%s", k->unit_type);
    snprintf(sn.host, sizeof sn.host, "%s", k->host);
    snprintf(sn.project, sizeof sn.project, "%s", k->project);
    if (serial_format(&sn, k->serial, sizeof k->serial) < 0)
      return l6_fail(err, L6_E_INTERNAL, "transaction %lld: batch %lld, serials %lld-%lld have no valid serial string",
                     (long long)out->tx.id, (long long)k->batch, (long long)k->first, (long long)k->last);
  }
  logentry_block *lb = calloc(out->nblocks ? out->nblocks : 1, sizeof *lb);
  if (lb == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; i < out->nblocks; i++) {
    const tlog_block *k = &out->blocks[i];
    lb[i] = (logentry_block){k->batch, k->first, k->last, k->serial, k->from_account, k->to_account};
  }
  logentry_private priv = {.actor = out->tx.actor, .from_account = out->tx.from_account, .to_account = out->tx.to_account};
  memcpy(priv.salt, salt, sizeof priv.salt);
  logentry le = {.tx = out->tx.id,
                 .kind = l6_tx_kind_str(out->tx.kind),
                 .timestamp = out->tx.ts,
                 .quantity = out->tx.quantity,
                 .reporting_year = out->tx.reporting_year,
                 .beneficiary = out->tx.beneficiary,
                 .purpose = out->tx.purpose,
                 .claim = out->tx.claim,
                 .blocks = lb,
                 .nblocks = out->nblocks};
  logentry_commit(&priv, lb, out->nblocks, le.commitment);
  sodium_memzero(&priv, sizeof priv);
  memcpy(out->commitment, le.commitment, sizeof out->commitment);
  out->len = logentry_encode(&le, NULL, 0);
  out->text = malloc(out->len + 1);
  if (out->text == NULL) {
    free(lb);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  logentry_encode(&le, out->text, out->len + 1);
  free(lb);
  merkle_leaf_hash(out->text, out->len, out->leaf_hash);
  return L6_E_OK;
}

l6_err tlog_entry_build(l6_store *st, l6_id tx, const uint8_t salt[LOGENTRY_SALT_BYTES], tlog_entry *out,
                        l6_error *err) {
  memset(out, 0, sizeof *out);
  l6_err e = st->ops->tx_get(st, tx, &out->tx, err);
  if (e != L6_E_OK) return e;
  line_acc acc = {.e = out};
  e = st->ops->tx_lines(st, tx, take_line, &acc, err);
  if (e == L6_E_OK && acc.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  /* Serial strings from each line's batch and its project's host. */
  l6_batch b = {0};
  l6_project p = {0};
  for (size_t i = 0; i < out->nblocks && e == L6_E_OK; i++) {
    tlog_block *k = &out->blocks[i];
    if (b.id != k->batch) {
      e = st->ops->batch_get(st, k->batch, &b, err);
      if (e == L6_E_OK) e = st->ops->project_get(st, b.project, &p, err);
      if (e != L6_E_OK) {
        b.id = 0;
        break;
      }
    }
    snprintf(k->unit_type, sizeof k->unit_type, "%s", b.unit_type);
    snprintf(k->host, sizeof k->host, "%s", p.host);
    snprintf(k->project, sizeof k->project, "%s", b.project);
    k->vintage = b.vintage;
  }
  if (e != L6_E_OK) return e;
  return entry_encode(out, salt, err);
}

l6_err tlog_entry_known(const l6_tx *tx, const l6_tx_line *lines, size_t n, const l6_batch *b, const char *host,
                        const uint8_t salt[LOGENTRY_SALT_BYTES], tlog_entry *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  out->tx = *tx;
  out->blocks = calloc(n ? n : 1, sizeof *out->blocks);
  if (out->blocks == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  out->nblocks = n;
  for (size_t i = 0; i < n; i++) {
    tlog_block *k = &out->blocks[i];
    if (lines[i].batch != b->id)
      return l6_fail(err, L6_E_INTERNAL, "transaction %lld: a line of batch %lld given with batch %lld", (long long)tx->id,
                     (long long)lines[i].batch, (long long)b->id);
    k->batch = lines[i].batch;
    k->first = lines[i].first;
    k->last = lines[i].last;
    k->from_account = lines[i].from_account;
    k->to_account = lines[i].to_account;
    snprintf(k->unit_type, sizeof k->unit_type, "%s", b->unit_type);
    snprintf(k->host, sizeof k->host, "%s", host);
    snprintf(k->project, sizeof k->project, "%s", b->project);
    k->vintage = b->vintage;
  }
  return entry_encode(out, salt, err);
}

/* ---- appending --------------------------------------------------------- */

/* Appends leaf row l (its index set here) whose hash is leaf. */
static l6_err append_row(l6_store *st, l6_log_leaf *l, const uint8_t leaf[32], int64_t *index, l6_error *err) {
  int64_t size;
  l6_err e = st->ops->log_size(st, &size, err);
  if (e != L6_E_OK) return e;
  if (size >= L6_LOG_MAX_LEAVES - 1) return l6_fail(err, L6_E_INTERNAL, "the transparency log is full");
  merkle_node nodes[MERKLE_MAX_PROOF];
  size_t n = 0;
  node_reader r = {st, err, L6_E_OK};
  if ((e = merkle_result(merkle_append(size, leaf, read_node, &r, nodes, &n), &r, err, "append")) != L6_E_OK) return e;
  l->index = size;
  e = st->ops->log_append(st, l, nodes, n, err);
  if (e == L6_E_OK && index) *index = size;
  return e;
}

l6_err tlog_append_leaf(l6_store *st, l6_id tx, const uint8_t salt[LOGENTRY_SALT_BYTES], const uint8_t leaf[32],
                        int64_t *index, l6_error *err) {
  l6_log_leaf l = {.tx = tx};
  memcpy(l.salt, salt, sizeof l.salt);
  return append_row(st, &l, leaf, index, err);
}

size_t tlog_letter_entry(const l6_log_leaf *l, char buf[TLOG_LETTER_ENTRY_MAX], uint8_t hash[32]) {
  size_t n = logentry_letter_encode(l->auth, l->version, l->sha256, l->ts, buf, TLOG_LETTER_ENTRY_MAX);
  if (n >= TLOG_LETTER_ENTRY_MAX) n = TLOG_LETTER_ENTRY_MAX - 1; /* cannot happen: the fields are bounded */
  merkle_leaf_hash(buf, n, hash);
  return n;
}

l6_err tlog_append_letter(l6_store *st, l6_id auth, int version, const char *sha256, const char *ts, int64_t *index,
                          l6_error *err) {
  l6_log_leaf l = {.auth = auth, .version = version};
  snprintf(l.sha256, sizeof l.sha256, "%s", sha256);
  snprintf(l.ts, sizeof l.ts, "%s", ts);
  char text[TLOG_LETTER_ENTRY_MAX];
  uint8_t hash[32];
  tlog_letter_entry(&l, text, hash);
  return append_row(st, &l, hash, index, err);
}

l6_err tlog_last_tx(l6_store *st, int64_t size, l6_id *tx, l6_error *err) {
  *tx = 0;
  l6_err e = L6_E_OK;
  for (int64_t i = size - 1; i >= 0 && e == L6_E_OK && *tx == 0; i--) {
    l6_log_leaf l;
    if ((e = st->ops->log_leaf_get(st, i, 0, &l, err)) == L6_E_OK) *tx = l.tx;
  }
  return e;
}

l6_err tlog_append_tx(l6_store *st, l6_id tx, int64_t *index, l6_error *err) {
  uint8_t salt[LOGENTRY_SALT_BYTES];
  randombytes_buf(salt, sizeof salt);
  tlog_entry en;
  l6_err e = tlog_entry_build(st, tx, salt, &en, err);
  if (e == L6_E_OK && en.len > L6_LOG_ENTRY_MAX)
    e = l6_fail(err, L6_E_INTERNAL, "the log entry of transaction %lld has %zu bytes, more than %d", (long long)tx,
                en.len, L6_LOG_ENTRY_MAX);
  if (e == L6_E_OK) e = tlog_append_leaf(st, tx, salt, en.leaf_hash, index, err);
  tlog_entry_free(&en);
  return e;
}

l6_err tlog_append_known(l6_store *st, const l6_tx *tx, const l6_tx_line *lines, size_t n, const l6_batch *b,
                         const char *host, bool recheck, l6_error *err) {
  uint8_t salt[LOGENTRY_SALT_BYTES];
  randombytes_buf(salt, sizeof salt);
  tlog_entry en;
  l6_err e = tlog_entry_known(tx, lines, n, b, host, salt, &en, err);
  if (e == L6_E_OK && en.len > L6_LOG_ENTRY_MAX)
    e = l6_fail(err, L6_E_INTERNAL, "the log entry of transaction %lld has %zu bytes, more than %d", (long long)tx->id,
                en.len, L6_LOG_ENTRY_MAX);
  if (e == L6_E_OK && recheck) { /* the entry as the rows say, as tlog_verify_store will rebuild it */
    tlog_entry from_store;
    e = tlog_entry_build(st, tx->id, salt, &from_store, err);
    if (e == L6_E_OK && (from_store.len != en.len || memcmp(from_store.text, en.text, en.len) != 0))
      e = l6_fail(err, L6_E_INTERNAL, "transaction %lld: its log entry from memory differs from its stored rows",
                  (long long)tx->id);
    tlog_entry_free(&from_store);
  }
  if (e == L6_E_OK) e = tlog_append_leaf(st, tx->id, salt, en.leaf_hash, NULL, err);
  tlog_entry_free(&en);
  return e;
}

/* ---- tree heads -------------------------------------------------------- */

l6_err tlog_head(l6_store *st, const tlog_signer *signer, int64_t now_ms, l6_log_head *out, bool *fresh,
                 l6_error *err) {
  *fresh = false;
  int64_t size;
  l6_log_head last;
  l6_err e = st->ops->log_size(st, &size, err);
  if (e != L6_E_OK) return e;
  e = st->ops->log_head_get(st, -1, &last, err);
  bool have = e == L6_E_OK;
  if (e != L6_E_OK && e != L6_E_NOT_FOUND) return e;
  if (have && last.tree_size > size)
    return l6_fail(err, L6_E_INTERNAL,
                   "the latest tree head covers %lld leaves but the log has %lld; run ledger6 verify --store",
                   (long long)last.tree_size, (long long)size);
  if (have && last.tree_size == size) {
    *out = last;
    return L6_E_OK;
  }
  if (signer == NULL)
    return l6_fail(err, L6_E_INTERNAL, "no signing key is loaded, so no tree head can be signed (ledger6 key generate)");
  memset(out, 0, sizeof *out);
  out->tree_size = size;
  out->timestamp_ms = have && last.timestamp_ms > now_ms ? last.timestamp_ms : now_ms;
  snprintf(out->key_id, sizeof out->key_id, "%s", signer->id);
  if ((e = tlog_root(st, size, out->root, err)) != L6_E_OK) return e;
  sth_sign(signer->sk, out->tree_size, out->timestamp_ms, out->root, out->signature);
  if ((e = st->ops->log_head_put(st, out, err)) != L6_E_OK) return e;
  *fresh = true;
  return L6_E_OK;
}

/* ---- backfill ---------------------------------------------------------- */

typedef struct {
  l6_id ids[512];
  size_t n;
} id_page;

static int take_tx_id(void *ctx, const void *row) {
  id_page *p = ctx;
  p->ids[p->n++] = ((const l6_tx *)row)->id;
  return 0;
}

static int any_row(void *ctx, const void *row) {
  (void)row;
  *(bool *)ctx = true;
  return 1;
}

l6_err tlog_backfill(l6_store *st, int64_t *added, l6_error *err) {
  if (added) *added = 0;
  int64_t size;
  l6_log_head h;
  bool keys = false;
  l6_err e = st->ops->log_size(st, &size, err);
  if (e != L6_E_OK || size > 0) return e;
  /* Only a store that never had a log: no key and no head either. */
  if ((e = st->ops->log_key_list(st, any_row, &keys, err)) != L6_E_OK || keys) return e;
  e = st->ops->log_head_get(st, -1, &h, err);
  if (e != L6_E_NOT_FOUND) return e;
  id_page p;
  l6_tx_filter f = {.limit = 512};
  do {
    p.n = 0;
    e = st->ops->tx_list(st, &f, take_tx_id, &p, err);
    for (size_t i = 0; i < p.n && e == L6_E_OK; i++) {
      e = tlog_append_tx(st, p.ids[i], NULL, err);
      if (e == L6_E_OK && added) (*added)++;
    }
    if (p.n) f.after = p.ids[p.n - 1];
  } while (e == L6_E_OK && p.n == 512);
  return e;
}

l6_err tlog_append_new(l6_store *st, l6_error *err) {
  int64_t size;
  l6_err e = st->ops->log_size(st, &size, err);
  if (e != L6_E_OK) return e;
  l6_tx_filter f = {.limit = 512};
  if (size > 0 && (e = tlog_last_tx(st, size, &f.after, err)) != L6_E_OK) return e;
  id_page p;
  do {
    p.n = 0;
    e = st->ops->tx_list(st, &f, take_tx_id, &p, err);
    for (size_t i = 0; i < p.n && e == L6_E_OK; i++) e = tlog_append_tx(st, p.ids[i], NULL, err);
    if (p.n) f.after = p.ids[p.n - 1];
  } while (e == L6_E_OK && p.n == 512);
  return e;
}

/* ---- verifying a store ------------------------------------------------- */

#define PAGE 512

typedef struct {
  l6_log_leaf v[PAGE];
  size_t n, i;
  int64_t from;
  bool end;
} leaf_pager;

static int take_leaf(void *ctx, const void *row) {
  leaf_pager *p = ctx;
  p->v[p->n++] = *(const l6_log_leaf *)row;
  return 0;
}

/* The next leaf in index order, or NULL at the end. */
static l6_err next_leaf(l6_store *st, leaf_pager *p, const l6_log_leaf **out, l6_error *err) {
  *out = NULL;
  if (p->i == p->n && !p->end) {
    p->n = p->i = 0;
    l6_err e = st->ops->log_leaf_list(st, p->from, PAGE, take_leaf, p, err);
    if (e != L6_E_OK) return e;
    if (p->n < PAGE) p->end = true;
    if (p->n) p->from = p->v[p->n - 1].index + 1;
  }
  if (p->i < p->n) *out = &p->v[p->i++];
  return L6_E_OK;
}

typedef struct {
  id_page page;
  size_t i;
  l6_id after;
  bool end;
} tx_pager;

static l6_err next_tx(l6_store *st, tx_pager *p, l6_id *out, l6_error *err) {
  *out = 0;
  if (p->i == p->page.n && !p->end) {
    p->page.n = p->i = 0;
    l6_tx_filter f = {.after = p->after, .limit = PAGE};
    l6_err e = st->ops->tx_list(st, &f, take_tx_id, &p->page, err);
    if (e != L6_E_OK) return e;
    if (p->page.n < PAGE) p->end = true;
    if (p->page.n) p->after = p->page.ids[p->page.n - 1];
  }
  if (p->i < p->page.n) *out = p->page.ids[p->i++];
  return L6_E_OK;
}

typedef struct {
  l6_log_head v[64];
  size_t n, i;
  int64_t from;
  bool end;
} head_pager;

static int take_head(void *ctx, const void *row) {
  head_pager *p = ctx;
  p->v[p->n++] = *(const l6_log_head *)row;
  return 0;
}

static l6_err peek_head(l6_store *st, head_pager *p, const l6_log_head **out, l6_error *err) {
  *out = NULL;
  if (p->i == p->n && !p->end) {
    p->n = p->i = 0;
    l6_err e = st->ops->log_head_list(st, p->from, 64, take_head, p, err);
    if (e != L6_E_OK) return e;
    if (p->n < 64) p->end = true;
    if (p->n) p->from = p->v[p->n - 1].tree_size + 1;
  }
  if (p->i < p->n) *out = &p->v[p->i];
  return L6_E_OK;
}

typedef struct {
  l6_log_key v[256];
  size_t n;
  bool overflow;
} key_set;

static int take_key(void *ctx, const void *row) {
  key_set *k = ctx;
  if (k->n == 256) {
    k->overflow = true;
    return 1;
  }
  k->v[k->n++] = *(const l6_log_key *)row;
  return 0;
}

static void problem(tlog_report *rep, int64_t leaf, l6_id tx, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(tlog_report *rep, int64_t leaf, l6_id tx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
  va_end(ap);
  rep->ok = false;
  rep->leaf = leaf;
  rep->tx = tx;
}

static void hex8(const uint8_t *h, char out[17]) { sodium_bin2hex(out, 17, h, 8); }

/* Checks one stored head against the recomputed root of its size. */
static void check_head(const l6_log_head *h, const uint8_t root[32], const key_set *keys,
                       const uint8_t (*pins)[STH_PUBLIC_KEY_BYTES], size_t npins, tlog_report *rep) {
  if (sodium_memcmp(root, h->root, 32) != 0) {
    char got[17], want[17];
    hex8(h->root, want);
    hex8(root, got);
    problem(rep, -1, 0,
            "the tree head of size %lld (signed by key %s) has root %s..., but the log's first %lld leaves hash to "
            "%s...: an entry below %lld was changed after it was signed",
            (long long)h->tree_size, h->key_id, want, (long long)h->tree_size, got, (long long)h->tree_size);
    return;
  }
  const l6_log_key *k = NULL;
  for (size_t i = 0; i < keys->n && k == NULL; i++)
    if (strcmp(keys->v[i].id, h->key_id) == 0) k = &keys->v[i];
  if (k == NULL) {
    problem(rep, -1, 0, "the tree head of size %lld is signed by key %s, which the store does not list",
            (long long)h->tree_size, h->key_id);
    return;
  }
  if (npins) {
    bool pinned = false;
    for (size_t i = 0; i < npins; i++) pinned |= sodium_memcmp(pins[i], k->public_key, STH_PUBLIC_KEY_BYTES) == 0;
    if (!pinned) {
      problem(rep, -1, 0, "the tree head of size %lld is signed by key %s, which is not one of the trusted keys",
              (long long)h->tree_size, h->key_id);
      return;
    }
  }
  if (!sth_verify(k->public_key, h->tree_size, h->timestamp_ms, h->root, h->signature))
    problem(rep, -1, 0, "the tree head of size %lld does not carry a valid signature of key %s", (long long)h->tree_size,
            h->key_id);
}

l6_err tlog_verify_store(l6_store *st, const uint8_t (*pins)[STH_PUBLIC_KEY_BYTES], size_t npins, tlog_report *rep,
                         l6_error *err) {
  memset(rep, 0, sizeof *rep);
  rep->ok = true;
  rep->leaf = -1;
  rep->latest_head = -1;
  rep->pinned = npins > 0;
  key_set *keys = calloc(1, sizeof *keys);
  leaf_pager *lp = calloc(1, sizeof *lp);
  tx_pager *tp = calloc(1, sizeof *tp);
  head_pager *hp = calloc(1, sizeof *hp);
  merkle_frontier *fr = malloc(sizeof *fr);
  if (keys == NULL || lp == NULL || tp == NULL || hp == NULL || fr == NULL) {
    free(keys);
    free(lp);
    free(tp);
    free(hp);
    free(fr);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  l6_err e = st->ops->log_key_list(st, take_key, keys, err);
  if (e == L6_E_OK && keys->overflow) e = l6_fail(err, L6_E_INTERNAL, "the store lists more than 256 keys");
  for (size_t i = 0; e == L6_E_OK && rep->ok && i < keys->n; i++) {
    char id[STH_KEY_ID_LEN + 1];
    sth_key_id(keys->v[i].public_key, id);
    if (strcmp(id, keys->v[i].id) != 0)
      problem(rep, -1, 0, "key %s: its id does not match its public key (which has id %s)", keys->v[i].id, id);
  }
  rep->keys = (int64_t)keys->n;
  merkle_frontier_init(fr);
  /* Heads of the empty tree. */
  const l6_log_head *h = NULL;
  uint8_t root[32];
  if (e == L6_E_OK && rep->ok && (e = peek_head(st, hp, &h, err)) == L6_E_OK && h && h->tree_size == 0) {
    merkle_empty_root(root);
    check_head(h, root, keys, pins, npins, rep);
    rep->heads++;
    rep->latest_head = 0;
    hp->i++;
  }
  int64_t i = 0;
  while (e == L6_E_OK && rep->ok) {
    const l6_log_leaf *leaf;
    l6_id tx;
    if ((e = next_leaf(st, lp, &leaf, err)) != L6_E_OK || (e = next_tx(st, tp, &tx, err)) != L6_E_OK) break;
    if (leaf == NULL && tx == 0) break;
    uint8_t hash[32], stored[32];
    l6_err ne;
    if (leaf && leaf->tx == 0 && leaf->index == i) {
      /* A letter leaf (schema 28): no transaction of its own, so the
       * transaction just read waits for the next leaf. Its entry, rebuilt
       * from the log_letters row, against the hash stored at append; the
       * row against the authorization's own record is svc_verify_store's
       * (a6.h svc__a6_letters_check). */
      if (tx) tp->i--;
      rep->leaves++;
      rep->letter_leaves++;
      char text[TLOG_LETTER_ENTRY_MAX];
      tlog_letter_entry(leaf, text, hash);
      ne = st->ops->log_node_get(st, 0, i, stored, err);
      if (ne == L6_E_NOT_FOUND)
        problem(rep, i, 0, "leaf %lld (letter of authorization %lld, version %d): its hash is missing from log_nodes",
                (long long)i, (long long)leaf->auth, leaf->version);
      else if (ne != L6_E_OK)
        e = ne;
      else if (sodium_memcmp(stored, hash, 32) != 0)
        problem(rep, i, 0,
                "leaf %lld (letter of authorization %lld, version %d): the stored letter leaf no longer matches its "
                "log entry (its row in log_letters was changed)",
                (long long)i, (long long)leaf->auth, leaf->version);
    } else {
      if (tx) rep->transactions++;
      if (leaf == NULL) {
        problem(rep, i, tx, "transaction %lld has no log leaf (the log ends after %lld leaves)", (long long)tx,
                (long long)i);
        break;
      }
      rep->leaves++;
      if (leaf->index != i) {
        problem(rep, i, leaf->tx, "leaf %lld is missing (the next stored leaf is %lld, of transaction %lld)", (long long)i,
                (long long)leaf->index, (long long)leaf->tx);
        break;
      }
      if (tx == 0 || tx > leaf->tx) {
        problem(rep, i, leaf->tx, "leaf %lld records transaction %lld, which is missing from the store", (long long)i,
                (long long)leaf->tx);
        break;
      }
      if (tx < leaf->tx) {
        problem(rep, i, tx,
                "transaction %lld has no leaf in its place: leaf %lld records transaction %lld (leaves missing or out of "
                "order)",
                (long long)tx, (long long)i, (long long)leaf->tx);
        break;
      }
      /* The entry as the rows say now, against the hash stored at append. */
      tlog_entry en;
      l6_error sub = {0};
      l6_err be = tlog_entry_build(st, tx, leaf->salt, &en, &sub);
      if (be == L6_E_NOMEM) e = l6_fail(err, be, NULL);
      if (be != L6_E_OK) {
        if (be != L6_E_NOMEM)
          problem(rep, i, tx, "leaf %lld (transaction %lld): its entry cannot be rebuilt from the store: %s", (long long)i,
                  (long long)tx, sub.message);
        tlog_entry_free(&en);
        break;
      }
      ne = st->ops->log_node_get(st, 0, i, stored, err);
      if (ne == L6_E_NOT_FOUND) {
        problem(rep, i, tx, "leaf %lld (transaction %lld): its hash is missing from log_nodes", (long long)i, (long long)tx);
      } else if (ne != L6_E_OK) {
        e = ne;
      } else if (sodium_memcmp(stored, en.leaf_hash, 32) != 0) {
        problem(rep, i, tx,
                "leaf %lld (transaction %lld): the stored transaction no longer matches its log entry (a field of "
                "transaction %lld, its blocks, or their batches was changed)",
                (long long)i, (long long)tx, (long long)tx);
      }
      memcpy(hash, en.leaf_hash, 32);
      tlog_entry_free(&en);
    }
    merkle_node done[MERKLE_MAX_PROOF];
    size_t nd = merkle_frontier_push(fr, hash, done);
    rep->nodes++;
    /* Every subtree this leaf completes, against its stored hash. */
    for (size_t k = 1; k < nd && e == L6_E_OK && rep->ok; k++) {
      ne = st->ops->log_node_get(st, done[k].level, done[k].index, stored, err);
      int64_t lo = done[k].index << done[k].level, hi = ((done[k].index + 1) << done[k].level) - 1;
      if (ne == L6_E_NOT_FOUND)
        problem(rep, lo, 0, "log node (level %d, index %lld) over leaves %lld-%lld is missing", done[k].level,
                (long long)done[k].index, (long long)lo, (long long)hi);
      else if (ne != L6_E_OK)
        e = ne;
      else if (sodium_memcmp(stored, done[k].hash, 32) != 0)
        problem(rep, lo, 0, "log node (level %d, index %lld) does not match leaves %lld-%lld", done[k].level,
                (long long)done[k].index, (long long)lo, (long long)hi);
      rep->nodes++;
    }
    i++;
    /* Every head of this size. */
    while (e == L6_E_OK && rep->ok && (e = peek_head(st, hp, &h, err)) == L6_E_OK && h && h->tree_size <= i) {
      merkle_frontier_root(fr, root);
      check_head(h, root, keys, pins, npins, rep);
      rep->heads++;
      rep->latest_head = h->tree_size;
      hp->i++;
    }
  }
  if (e == L6_E_OK && rep->ok && (e = peek_head(st, hp, &h, err)) == L6_E_OK && h)
    problem(rep, -1, 0, "the tree head of size %lld is larger than the log (%lld leaves): leaves were removed",
            (long long)h->tree_size, (long long)i);
  free(keys);
  free(lp);
  free(tp);
  free(hp);
  free(fr);
  return e;
}
