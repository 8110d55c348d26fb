/* keys.c -- the signing key file; see keys.h. */
#include "keys.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static bool hex_exact(const char *hex, uint8_t *out, size_t n) {
  size_t len = 0;
  return strlen(hex) == 2 * n && sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL) == 0 && len == n;
}

bool keys_parse_public(const char *text, uint8_t out[STH_PUBLIC_KEY_BYTES]) {
  char buf[128];
  while (*text && isspace((unsigned char)*text)) text++;
  size_t n = strlen(text);
  while (n && isspace((unsigned char)text[n - 1])) n--;
  if (n == 0 || n >= sizeof buf) return false;
  memcpy(buf, text, n);
  buf[n] = '\0';
  if (hex_exact(buf, out, STH_PUBLIC_KEY_BYTES)) return true;
  size_t len = 0;
  return n == 44 &&
         sodium_base642bin(out, STH_PUBLIC_KEY_BYTES, buf, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
         len == STH_PUBLIC_KEY_BYTES;
}

void keys_new(l6_key *k, int64_t now_ms) {
  memset(k, 0, sizeof *k);
  crypto_sign_ed25519_keypair(k->pk, k->sk);
  sth_key_id(k->pk, k->id);
  k->created_ms = now_ms;
  k->current = true;
}

const l6_key *keys_current(const l6_keyring *r) {
  for (size_t i = 0; i < r->n; i++)
    if (r->k[i].current) return &r->k[i];
  return NULL;
}

void keys_wipe(l6_keyring *r) { sodium_memzero(r, sizeof *r); }

static l6_err bad(l6_error *err, const char *path, int line, const char *what) {
  return l6_fail(err, L6_E_INVALID_VALUE, "%s:%d: %s", path, line, what);
}

l6_err keys_load(const char *path, l6_keyring *r, l6_error *err) {
  memset(r, 0, sizeof *r);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    if (errno == ENOENT) return l6_fail(err, L6_E_NOT_FOUND, "no key file %s", path);
    return l6_fail(err, L6_E_INVALID_VALUE, "cannot read key file %s: %s", path, strerror(errno));
  }
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077) != 0) {
    fclose(f);
    return l6_fail(err, L6_E_INVALID_VALUE, "key file %s may be read by others (mode %03o); chmod 600 it", path,
                   (unsigned)(sb.st_mode & 0777));
  }
  char line[512];
  int lineno = 0, ncurrent = 0;
  l6_err e = L6_E_OK;
  while (e == L6_E_OK && fgets(line, sizeof line, f)) {
    lineno++;
    if (strchr(line, '\n') == NULL && !feof(f)) {
      e = bad(err, path, lineno, "line too long");
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '\0' || *p == '#') continue;
    char id[32], state[16], pkhex[80], seedhex[80];
    long long created;
    char extra;
    if (sscanf(p, "key %31s %lld %15s %79s %79s %c", id, &created, state, pkhex, seedhex, &extra) != 5) {
      e = bad(err, path, lineno, "expected: key ID CREATED current|retired PUBLIC SECRET|-");
      break;
    }
    if (r->n == L6_MAX_KEYS) {
      e = bad(err, path, lineno, "too many keys");
      break;
    }
    l6_key *k = &r->k[r->n];
    memset(k, 0, sizeof *k);
    k->created_ms = created;
    k->current = strcmp(state, "current") == 0;
    if (!k->current && strcmp(state, "retired") != 0) {
      e = bad(err, path, lineno, "state must be current or retired");
      break;
    }
    if (!hex_exact(pkhex, k->pk, sizeof k->pk)) {
      e = bad(err, path, lineno, "public key must be 64 hex digits");
      break;
    }
    sth_key_id(k->pk, k->id);
    if (strcmp(k->id, id) != 0) {
      e = bad(err, path, lineno, "key id does not match the public key");
      break;
    }
    if (k->current) {
      uint8_t seed[32], pk[32];
      bool ok = hex_exact(seedhex, seed, sizeof seed);
      if (ok) {
        crypto_sign_ed25519_seed_keypair(pk, k->sk, seed);
        ok = sodium_memcmp(pk, k->pk, sizeof pk) == 0;
      }
      sodium_memzero(seed, sizeof seed);
      sodium_memzero(seedhex, sizeof seedhex);
      if (!ok) {
        e = bad(err, path, lineno, "the secret key does not belong to the public key");
        break;
      }
      ncurrent++;
    } else if (strcmp(seedhex, "-") != 0) {
      e = bad(err, path, lineno, "a retired key keeps no secret (write -)");
      break;
    }
    r->n++;
  }
  sodium_memzero(line, sizeof line);
  fclose(f);
  if (e == L6_E_OK && ncurrent != 1)
    e = l6_fail(err, L6_E_INVALID_VALUE, "key file %s must hold exactly one current key, it holds %d", path, ncurrent);
  if (e != L6_E_OK) keys_wipe(r);
  return e;
}

static void tmp_path(const char *path, char *out, size_t cap) { snprintf(out, cap, "%s.tmp", path); }

l6_err keys_write_tmp(const char *path, const l6_keyring *r, l6_error *err) {
  char tmp[4200];
  tmp_path(path, tmp, sizeof tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return l6_fail(err, L6_E_STORE, "cannot write %s: %s", tmp, strerror(errno));
  if (fchmod(fd, 0600) != 0) {
    close(fd);
    return l6_fail(err, L6_E_STORE, "cannot chmod %s: %s", tmp, strerror(errno));
  }
  FILE *f = fdopen(fd, "w");
  if (f == NULL) {
    close(fd);
    return l6_fail(err, L6_E_STORE, "cannot write %s: %s", tmp, strerror(errno));
  }
  fprintf(f, "# ledger6 signing keys (docs/TRANSPARENCY.md). SECRET: keep this file private (mode 0600).\n"
             "# key ID CREATED_MS current|retired PUBLIC_KEY SECRET_SEED|-\n");
  for (size_t i = 0; i < r->n; i++) {
    const l6_key *k = &r->k[i];
    char pk[2 * STH_PUBLIC_KEY_BYTES + 1], seed[65] = "-";
    sodium_bin2hex(pk, sizeof pk, k->pk, sizeof k->pk);
    if (k->current) sodium_bin2hex(seed, sizeof seed, k->sk, 32); /* the seed is the first half */
    fprintf(f, "key %s %lld %s %s %s\n", k->id, (long long)k->created_ms, k->current ? "current" : "retired", pk, seed);
    sodium_memzero(seed, sizeof seed);
  }
  bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok) {
    unlink(tmp);
    return l6_fail(err, L6_E_STORE, "cannot write %s", tmp);
  }
  return L6_E_OK;
}

l6_err keys_install(const char *path, l6_error *err) {
  char tmp[4200], dir[4200];
  tmp_path(path, tmp, sizeof tmp);
  if (rename(tmp, path) != 0)
    return l6_fail(err, L6_E_STORE, "cannot rename %s to %s: %s (the store already lists the new key: rename it by hand)",
                   tmp, path, strerror(errno));
  snprintf(dir, sizeof dir, "%s", path);
  int fd = open(dirname(dir), O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return L6_E_OK;
}

void keys_discard_tmp(const char *path) {
  char tmp[4200];
  tmp_path(path, tmp, sizeof tmp);
  unlink(tmp);
}
