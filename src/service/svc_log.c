/*
 * svc_log.c -- the transparency log's use cases: signing keys, signed tree
 * heads, proofs, entries, retirement certificates, store verification.
 * Same shape as service.c: lock, begin, work, commit or roll back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "a6.h"
#include "certificate.h"
#include "keys.h"
#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)

static const tlog_signer *signer_of(const l6_svc *s) { return s->has_signer ? &s->signer : NULL; }

static void set_signer(l6_svc *s, const l6_key *k) {
  snprintf(s->signer.id, sizeof s->signer.id, "%s", k->id);
  memcpy(s->signer.sk, k->sk, sizeof s->signer.sk);
  s->has_signer = true;
}

/* ---- keys -------------------------------------------------------------- */

typedef struct {
  l6_log_key v[L6_MAX_KEYS];
  size_t n;
  bool overflow;
} store_keys;

static int take_key(void *ctx, const void *row) {
  store_keys *k = ctx;
  if (k->n == L6_MAX_KEYS) {
    k->overflow = true;
    return 1;
  }
  k->v[k->n++] = *(const l6_log_key *)row;
  return 0;
}

static l6_err list_store_keys(l6_svc *s, store_keys *k, l6_error *err) {
  k->n = 0;
  k->overflow = false;
  l6_err e = OPS->log_key_list(s->st, take_key, k, err);
  if (e == L6_E_OK && k->overflow) e = l6_fail(err, L6_E_INTERNAL, "the store lists more than %d keys", L6_MAX_KEYS);
  return e;
}

/* The key file and the store must name the same keys with the same
 * public keys, and agree on which one is current. */
static l6_err check_ring(const store_keys *sk, const l6_keyring *ring, const char *path, l6_error *err) {
  for (size_t i = 0; i < ring->n; i++) {
    const l6_log_key *found = NULL;
    for (size_t j = 0; j < sk->n && !found; j++)
      if (strcmp(sk->v[j].id, ring->k[i].id) == 0) found = &sk->v[j];
    if (found == NULL)
      return l6_fail(err, L6_E_INVALID_VALUE, "key file %s holds key %s, which the store does not list", path,
                     ring->k[i].id);
    if (sodium_memcmp(found->public_key, ring->k[i].pk, STH_PUBLIC_KEY_BYTES) != 0)
      return l6_fail(err, L6_E_INVALID_VALUE, "key %s has another public key in %s than in the store", ring->k[i].id,
                     path);
    if (found->current != ring->k[i].current)
      return l6_fail(err, L6_E_INVALID_VALUE, "key %s is %s in %s but %s in the store", ring->k[i].id,
                     ring->k[i].current ? "current" : "retired", path, found->current ? "current" : "retired");
  }
  if (sk->n != ring->n)
    return l6_fail(err, L6_E_INVALID_VALUE, "the store lists %zu signing keys, key file %s holds %zu", sk->n, path,
                   ring->n);
  return L6_E_OK;
}

/* The end of generate and rotate, inside the transaction svc__begin opened
 * (e is its state so far): adds k, just made, to the store's key list and
 * ring (already holding k) to the key file, commits, then installs the file
 * and signs with k. The file is written before the commit and installed
 * after it, so a failure leaves neither a key the store does not know nor a
 * store key without its secret. */
static l6_err key_publish(l6_svc *s, const char *path, const l6_keyring *ring, const l6_key *k, l6_err e, json_t **out,
                          l6_error *err) {
  l6_log_key pub = {.created_ms = k->created_ms, .current = true};
  snprintf(pub.id, sizeof pub.id, "%s", k->id);
  memcpy(pub.public_key, k->pk, sizeof pub.public_key);
  bool wrote = false;
  if (e == L6_E_OK) wrote = (e = keys_write_tmp(path, ring, err)) == L6_E_OK;
  if (e == L6_E_OK) e = OPS->log_key_put(s->st, &pub, err);
  if (e == L6_E_OK) *out = view_log_key(&pub);
  e = svc__finish_out(s, e, out, err);
  if (e == L6_E_OK) e = keys_install(path, err);
  else if (wrote) keys_discard_tmp(path);
  if (e == L6_E_OK) set_signer(s, k);
  return e;
}

/* Wipes and frees what generate and rotate allocated; drops *out on error. */
static l6_err key_done(l6_keyring *ring, store_keys *sk, l6_err e, json_t **out) {
  keys_wipe(ring);
  free(ring);
  free(sk);
  if (e != L6_E_OK && *out) {
    json_decref(*out);
    *out = NULL;
  }
  return e;
}

l6_err svc_key_generate(l6_svc *s, const char *path, json_t **out, l6_error *err) {
  *out = NULL;
  l6_keyring *ring = calloc(1, sizeof *ring);
  store_keys *sk = calloc(1, sizeof *sk);
  if (ring == NULL || sk == NULL) {
    free(ring);
    free(sk);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  l6_err e = keys_load(path, ring, err);
  if (e == L6_E_OK) e = l6_fail(err, L6_E_ALREADY_EXISTS, "key file %s already exists (ledger6 key rotate makes a new key)", path);
  if (e == L6_E_NOT_FOUND) e = L6_E_OK;
  if (e == L6_E_OK && (e = svc__begin(s, err)) == L6_E_OK) {
    e = list_store_keys(s, sk, err);
    if (e == L6_E_OK && sk->n > 0)
      e = l6_fail(err, L6_E_ALREADY_EXISTS, "the store already has signing keys (their secret belongs in %s)", path);
    l6_key *k = &ring->k[0];
    keys_new(k, s->now_ms());
    ring->n = 1;
    e = key_publish(s, path, ring, k, e, out, err);
  }
  return key_done(ring, sk, e, out);
}

l6_err svc_key_rotate(l6_svc *s, const char *path, json_t **out, l6_error *err) {
  *out = NULL;
  l6_keyring *ring = calloc(1, sizeof *ring);
  store_keys *sk = calloc(1, sizeof *sk);
  if (ring == NULL || sk == NULL) {
    free(ring);
    free(sk);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  l6_err e = keys_load(path, ring, err);
  if (e == L6_E_NOT_FOUND) l6_fail(err, e, "no key file %s: ledger6 key generate makes the first key", path);
  if (e == L6_E_OK && ring->n == L6_MAX_KEYS)
    e = l6_fail(err, L6_E_INVALID_VALUE, "key file %s already holds %d keys, the most it may", path, L6_MAX_KEYS);
  if (e == L6_E_OK && (e = svc__begin(s, err)) == L6_E_OK) {
    e = list_store_keys(s, sk, err);
    if (e == L6_E_OK) e = check_ring(sk, ring, path, err);
    for (size_t i = 0; i < ring->n; i++) {
      ring->k[i].current = false; /* retired: its secret is not written again */
      sodium_memzero(ring->k[i].sk, sizeof ring->k[i].sk);
    }
    l6_key *k = &ring->k[ring->n];
    keys_new(k, s->now_ms());
    ring->n++;
    e = key_publish(s, path, ring, k, e, out, err);
  }
  return key_done(ring, sk, e, out);
}

l6_err svc_keys_open(l6_svc *s, const char *path, bool create, bool *created, l6_error *err) {
  *created = false;
  l6_keyring *ring = calloc(1, sizeof *ring);
  store_keys *sk = calloc(1, sizeof *sk);
  if (ring == NULL || sk == NULL) {
    free(ring);
    free(sk);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  l6_err le = keys_load(path, ring, err);
  l6_err e = le == L6_E_OK || le == L6_E_NOT_FOUND ? svc__begin(s, err) : le;
  if (e == L6_E_OK) {
    e = list_store_keys(s, sk, err);
    if (e == L6_E_OK && le == L6_E_NOT_FOUND && sk->n > 0)
      e = l6_fail(err, L6_E_INVALID_VALUE, "the store has signing keys but their key file %s is missing", path);
    if (e == L6_E_OK && le == L6_E_OK) e = check_ring(sk, ring, path, err);
    e = svc__finish(s, e, err);
  }
  if (e == L6_E_OK && le == L6_E_OK) set_signer(s, keys_current(ring));
  keys_wipe(ring);
  free(ring);
  free(sk);
  if (e == L6_E_OK && le == L6_E_NOT_FOUND && create) {
    json_t *k = NULL;
    e = svc_key_generate(s, path, &k, err);
    json_decref(k);
    *created = e == L6_E_OK;
  }
  return e;
}

l6_err svc_keys_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_keys_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  store_keys *sk = calloc(1, sizeof *sk);
  if (sk == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(sk);
    return e;
  }
  e = list_store_keys(s, sk, err);
  json_t *items = json_array();
  for (size_t i = 0; e == L6_E_OK && i < sk->n; i++) json_array_append_new(items, view_log_key(&sk->v[i]));
  *out = json_pack("{s:o}", "items", items);
  free(sk);
  return svc__finish_out(s, e, out, err);
}

/* ---- tree heads and proofs --------------------------------------------- */

l6_err svc_log_sign(l6_svc *s, bool *fresh, int64_t *size, l6_error *err) {
  *fresh = false;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_log_head h;
  e = tlog_head(s->st, signer_of(s), s->now_ms(), &h, fresh, err);
  if (e == L6_E_OK && size) *size = h.tree_size;
  return svc__finish(s, e, err);
}

l6_err svc_log_sth(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_log_head h;
  bool fresh;
  e = tlog_head(s->st, signer_of(s), s->now_ms(), &h, &fresh, err);
  if (e == L6_E_OK) *out = view_log_head(&h);
  return svc__finish_out(s, e, out, err);
}

static json_t *hash_array(const uint8_t (*h)[32], size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(arr, view_hex(h[i], 32));
  return arr;
}

l6_err svc_log_inclusion(l6_svc *s, const l6_actor *a, int64_t index, l6_id tx, int64_t tree_size, json_t **out,
                         l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_log_leaf leaf;
  l6_log_head h;
  bool fresh, with_head = tree_size == 0;
  uint8_t hash[32], proof[MERKLE_MAX_PROOF][32];
  size_t len = 0;
  e = OPS->log_leaf_get(s->st, index, tx, &leaf, err);
  if (e == L6_E_NOT_FOUND) {
    if (tx > 0) l6_fail(err, e = L6_E_UNKNOWN_TRANSACTION, "transaction %lld has no log leaf", (long long)tx);
    else l6_fail(err, e = L6_E_BAD_PARAM, "the log has no leaf %lld", (long long)index);
  }
  if (e == L6_E_OK && with_head) {
    e = tlog_head(s->st, signer_of(s), s->now_ms(), &h, &fresh, err);
    tree_size = h.tree_size;
  }
  if (e == L6_E_OK) e = tlog_inclusion(s->st, leaf.index, tree_size, proof, &len, err);
  if (e == L6_E_OK) e = OPS->log_node_get(s->st, 0, leaf.index, hash, err);
  if (e == L6_E_OK) {
    *out = json_pack("{s:I, s:o, s:I, s:o, s:o}", "leaf_index", (json_int_t)leaf.index, "transaction",
                     leaf.tx ? json_integer(leaf.tx) : json_null() /* a letter leaf */, "tree_size", (json_int_t)tree_size, "leaf_hash", view_hex(hash, 32), "hashes",
                     hash_array((const uint8_t(*)[32])proof, len));
    if (*out && with_head) json_object_set_new(*out, "tree_head", view_log_head(&h));
  }
  return svc__finish_out(s, e, out, err);
}

l6_err svc_log_consistency(l6_svc *s, const l6_actor *a, int64_t first, int64_t second, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_log_head h;
  bool fresh, with_head = second == 0;
  uint8_t proof[MERKLE_MAX_PROOF][32];
  size_t len = 0;
  if (with_head) {
    e = tlog_head(s->st, signer_of(s), s->now_ms(), &h, &fresh, err);
    second = h.tree_size;
  }
  if (e == L6_E_OK) e = tlog_consistency(s->st, first, second, proof, &len, err);
  if (e == L6_E_OK) {
    *out = json_pack("{s:I, s:I, s:o}", "first", (json_int_t)first, "second", (json_int_t)second, "hashes",
                     hash_array((const uint8_t(*)[32])proof, len));
    if (*out && with_head) json_object_set_new(*out, "tree_head", view_log_head(&h));
  }
  return svc__finish_out(s, e, out, err);
}

/* ---- entries ----------------------------------------------------------- */

typedef struct {
  l6_log_leaf v[L6_LOG_MAX_ENTRIES];
  size_t n;
} leaf_page;

static int take_leaf(void *ctx, const void *row) {
  leaf_page *p = ctx;
  if (p->n == L6_LOG_MAX_ENTRIES) return 1;
  p->v[p->n++] = *(const l6_log_leaf *)row;
  return 0;
}

l6_err svc_log_entries(l6_svc *s, const l6_actor *a, int64_t start, int64_t end, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_log_entries, a, start, end, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  if (start < 0) return l6_fail(err, L6_E_BAD_PARAM, "start must be a leaf index (0 or more)");
  if (end >= 0 && end < start) return l6_fail(err, L6_E_BAD_PARAM, "end must not be below start");
  if (end < 0 || end - start >= L6_LOG_MAX_ENTRIES) end = start + L6_LOG_MAX_ENTRIES - 1;
  bool full = a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR;
  leaf_page *page = calloc(1, sizeof *page);
  if (page == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(page);
    return e;
  }
  int64_t size = 0;
  e = OPS->log_size(s->st, &size, err);
  if (e == L6_E_OK && start < size) e = OPS->log_leaf_list(s->st, start, (int)(end - start + 1), take_leaf, page, err);
  json_t *items = json_array();
  size_t bytes = 0;
  int64_t next = -1;
  for (size_t i = 0; e == L6_E_OK && i < page->n; i++) {
    const l6_log_leaf *l = &page->v[i];
    if (i > 0 && bytes > L6_LOG_PAGE_BYTES) {
      next = l->index;
      break;
    }
    uint8_t hash[32];
    l6_tx t;
    e = OPS->log_node_get(s->st, 0, l->index, hash, err);
    if (e == L6_E_OK && l->tx == 0) { /* a letter leaf (schema 28): public, like the letters */
      char text[TLOG_LETTER_ENTRY_MAX];
      uint8_t h[32];
      size_t n = tlog_letter_entry(l, text, h);
      json_array_append_new(items, json_pack("{s:I, s:o, s:s, s:I, s:i, s:s#}", "index", (json_int_t)l->index,
                                             "leaf_hash", view_hex(hash, 32), "kind", "letter", "authorization",
                                             (json_int_t)l->auth, "version", l->version, "entry", text, (int)n));
      bytes += n;
      continue;
    }
    if (e == L6_E_OK) e = OPS->tx_get(s->st, l->tx, &t, err);
    if (e != L6_E_OK) break;
    json_t *it = json_pack("{s:I, s:o}", "index", (json_int_t)l->index, "leaf_hash", view_hex(hash, 32));
    if (full || t.kind == L6_TX_RETIREMENT) {
      tlog_entry en;
      e = tlog_entry_build(s->st, l->tx, l->salt, &en, err);
      if (e == L6_E_OK) {
        json_object_set_new(it, "transaction", json_integer(l->tx));
        json_object_set_new(it, "kind", json_string(l6_tx_kind_str(t.kind)));
        json_object_set_new(it, "entry", json_stringn(en.text, en.len));
        bytes += en.len;
      }
      tlog_entry_free(&en);
    }
    json_array_append_new(items, it);
  }
  if (next < 0 && page->n > 0 && page->v[page->n - 1].index + 1 < size) next = page->v[page->n - 1].index + 1;
  free(page);
  *out = json_pack("{s:I, s:o, s:o}", "tree_size", (json_int_t)size, "items", items, "next",
                   next >= 0 ? json_integer(next) : json_null());
  return svc__finish_out(s, e, out, err);
}

/* ---- certificates and verification ------------------------------------- */

l6_err svc_certificate(l6_svc *s, const l6_actor *a, l6_id tx, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_tx t;
  l6_log_leaf leaf;
  l6_log_head h;
  bool fresh;
  uint8_t stored[32], proof[MERKLE_MAX_PROOF][32];
  size_t len = 0;
  tlog_entry en = {0};
  e = OPS->tx_get(s->st, tx, &t, err);
  if (e == L6_E_OK && t.kind != L6_TX_RETIREMENT)
    e = l6_fail(err, L6_E_UNKNOWN_TRANSACTION, "transaction %lld is not a retirement", (long long)tx);
  if (e == L6_E_OK && (e = OPS->log_leaf_get(s->st, -1, tx, &leaf, err)) == L6_E_NOT_FOUND)
    e = l6_fail(err, L6_E_INTERNAL, "retirement %lld has no log leaf; run ledger6 verify --store", (long long)tx);
  if (e == L6_E_OK) e = tlog_head(s->st, signer_of(s), s->now_ms(), &h, &fresh, err);
  if (e == L6_E_OK) e = tlog_inclusion(s->st, leaf.index, h.tree_size, proof, &len, err);
  if (e == L6_E_OK) e = tlog_entry_build(s->st, tx, leaf.salt, &en, err);
  if (e == L6_E_OK) e = OPS->log_node_get(s->st, 0, leaf.index, stored, err);
  /* A certificate that cannot verify is never issued. */
  if (e == L6_E_OK && sodium_memcmp(stored, en.leaf_hash, 32) != 0)
    e = l6_fail(err, L6_E_INTERNAL, "retirement %lld no longer matches its log entry; run ledger6 verify --store",
                (long long)tx);
  /* An imported retirement's effective date (when it happened at its
   * origin registry; none for one made in ledger6). */
  char effective[11] = "";
  bool unstated = false;
  if (e == L6_E_OK) {
    l6_err oe = OPS->tx_origin_get(s->st, tx, effective, &unstated, err);
    if (oe == L6_E_NOT_FOUND) effective[0] = '\0';
    else e = oe;
  }
  if (e == L6_E_OK) *out = cert_build(&en, leaf.index, (const uint8_t(*)[32])proof, len, &h, effective);
  tlog_entry_free(&en);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_log_backfill(l6_svc *s, int64_t *added, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  return svc__finish(s, tlog_backfill(s->st, added, err), err);
}

l6_err svc_verify_store(l6_svc *s, const uint8_t (*pins)[STH_PUBLIC_KEY_BYTES], size_t npins, tlog_report *rep,
                        l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = tlog_verify_store(s->st, pins, npins, rep, err);
  /* The letters of authorization: each recorded hash against the terms
   * stored now (issue 18 item 4; a6.h svc__a6_letters_check). */
  char problem[sizeof rep->problem];
  if (e == L6_E_OK) e = svc__a6_letters_check(s->st, &rep->letters, problem, sizeof problem, err);
  if (e == L6_E_OK && problem[0] && rep->ok) {
    rep->ok = false;
    snprintf(rep->problem, sizeof rep->problem, "%s", problem);
  }
  return svc__finish(s, e, err);
}
