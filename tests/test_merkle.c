/*
 * test_merkle.c -- the pure core of the transparency log: RFC 6962 hashing,
 * roots and proofs (core/merkle.c), signed tree heads (core/sth.c) and the
 * canonical log entry (core/logentry.c).
 *
 * Known answers come from outside this code base:
 *  - the roots, inclusion and consistency proofs of Certificate
 *    Transparency's reference test tree (8 leaves; published with the C++
 *    log server's merkle_tree_test and reused by every CT implementation);
 *  - an STH signature made by OpenSSL (`openssl pkeyutl -sign -rawin`)
 *    with the key of RFC 8032 test 1 over the message sth.h describes;
 *  - an entry and its commitment computed with Python's hashlib from the
 *    format in logentry.h.
 * The rest compares the core, on every tree of 1 to 64 leaves, with a
 * reference written here straight from RFC 6962 section 2.1: recursive
 * MTH, PATH and PROOF over the leaves themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/logentry.h"
#include "core/merkle.h"
#include "core/sth.h"
#include "limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define HB MERKLE_HASH_BYTES

static void unhex(const char *hex, uint8_t *out, size_t n) {
  size_t len = 0;
  assert_int_equal(strlen(hex), 2 * n);
  assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &len, NULL), 0);
  assert_int_equal(len, n);
}

static void assert_hash_hex(const uint8_t h[HB], const char *want) {
  char hex[2 * HB + 1];
  sodium_bin2hex(hex, sizeof hex, h, HB);
  assert_string_equal(hex, want);
}

/* ====================================================================== */
/* Reference: RFC 6962 section 2.1, recursively, over the leaf data        */
/* ====================================================================== */

typedef struct {
  const uint8_t *data;
  size_t len;
} blob;

static void ref_leaf(const blob *d, uint8_t out[HB]) {
  uint8_t buf[1 + 64];
  assert_true(d->len <= 64);
  buf[0] = 0x00;
  memcpy(buf + 1, d->data, d->len);
  crypto_hash_sha256(out, buf, 1 + d->len);
}

static void ref_node(const uint8_t l[HB], const uint8_t r[HB], uint8_t out[HB]) {
  uint8_t buf[1 + 2 * HB];
  buf[0] = 0x01;
  memcpy(buf + 1, l, HB);
  memcpy(buf + 1 + HB, r, HB);
  crypto_hash_sha256(out, buf, sizeof buf);
}

/* "k is the largest power of two smaller than n" */
static size_t ref_k(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/* MTH(D[n]) */
static void ref_mth(const blob *d, size_t n, uint8_t out[HB]) {
  if (n == 0) {
    crypto_hash_sha256(out, (const uint8_t *)"", 0);
  } else if (n == 1) {
    ref_leaf(d, out);
  } else {
    size_t k = ref_k(n);
    uint8_t l[HB], r[HB];
    ref_mth(d, k, l);
    ref_mth(d + k, n - k, r);
    ref_node(l, r, out);
  }
}

typedef struct {
  uint8_t h[MERKLE_MAX_PROOF][HB];
  size_t n;
} ref_list;

/* PATH(m, D[n]) appended to p */
static void ref_path(size_t m, const blob *d, size_t n, ref_list *p) {
  if (n <= 1) return;
  size_t k = ref_k(n);
  if (m < k) {
    ref_path(m, d, k, p);
    ref_mth(d + k, n - k, p->h[p->n++]);
  } else {
    ref_path(m - k, d + k, n - k, p);
    ref_mth(d, k, p->h[p->n++]);
  }
}

/* SUBPROOF(m, D[n], b) appended to p */
static void ref_subproof(size_t m, const blob *d, size_t n, int b, ref_list *p) {
  if (m == n) {
    if (!b) ref_mth(d, n, p->h[p->n++]);
    return;
  }
  size_t k = ref_k(n);
  if (m <= k) {
    ref_subproof(m, d, k, b, p);
    ref_mth(d + k, n - k, p->h[p->n++]);
  } else {
    ref_subproof(m - k, d + k, n - k, 0, p);
    ref_mth(d, k, p->h[p->n++]);
  }
}

/* ====================================================================== */
/* A node store in memory, filled by merkle_append, counting reads          */
/* ====================================================================== */

#define MAXL 64 /* leaves in the largest tree tested against the reference */

typedef struct {
  uint8_t h[14][MAXL * 64][HB]; /* [level][index]: room for 4,096 leaves (test_append_bound) */
  bool set[14][MAXL * 64];
  int reads;
  int64_t size;
} node_store;

static int store_get(void *ctx, int level, int64_t index, uint8_t out[HB]) {
  node_store *s = ctx;
  if (level < 0 || level >= 14 || index < 0 || index >= MAXL * 64 || !s->set[level][index]) return 7;
  memcpy(out, s->h[level][index], HB);
  s->reads++;
  return 0;
}

/* Appends one leaf hash, storing the nodes merkle_append returns. Returns
 * how many it wrote. */
static size_t store_append(node_store *s, const uint8_t leaf[HB]) {
  merkle_node nodes[MERKLE_MAX_PROOF];
  size_t n = 0;
  assert_int_equal(merkle_append(s->size, leaf, store_get, s, nodes, &n), 0);
  for (size_t i = 0; i < n; i++) {
    assert_false(s->set[nodes[i].level][nodes[i].index]); /* written once, never overwritten */
    memcpy(s->h[nodes[i].level][nodes[i].index], nodes[i].hash, HB);
    s->set[nodes[i].level][nodes[i].index] = true;
  }
  s->size++;
  return n;
}

/* ====================================================================== */
/* Known answers                                                           */
/* ====================================================================== */

/* The CT reference tree: 8 leaves of 0 to 16 bytes. */
static const char *const ct_leaf_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static uint8_t ct_data[8][16];
static blob ct_blobs[8];

static void ct_setup(void) {
  for (int i = 0; i < 8; i++) {
    size_t n = strlen(ct_leaf_hex[i]) / 2;
    if (n) unhex(ct_leaf_hex[i], ct_data[i], n);
    ct_blobs[i] = (blob){ct_data[i], n};
  }
}

static void test_kat_roots(void **state) {
  (void)state;
  ct_setup();
  node_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  uint8_t h[HB];
  merkle_empty_root(h);
  assert_hash_hex(h, ct_roots[0]);
  merkle_frontier_root(&f, h);
  assert_hash_hex(h, ct_roots[0]);
  assert_int_equal(merkle_root(0, store_get, s, h), 0);
  assert_hash_hex(h, ct_roots[0]);
  for (int n = 1; n <= 8; n++) {
    uint8_t leaf[HB];
    merkle_leaf_hash(ct_blobs[n - 1].data, ct_blobs[n - 1].len, leaf);
    store_append(s, leaf);
    merkle_node tmp[MERKLE_MAX_PROOF];
    merkle_frontier_push(&f, leaf, tmp);
    merkle_frontier_root(&f, h);
    assert_hash_hex(h, ct_roots[n]);
    for (int m = 1; m <= n; m++) { /* every earlier size, from the grown store */
      assert_int_equal(merkle_root(m, store_get, s, h), 0);
      assert_hash_hex(h, ct_roots[m]);
    }
    ref_mth(ct_blobs, (size_t)n, h);
    assert_hash_hex(h, ct_roots[n]);
  }
  free(s);
}

static void test_kat_proofs(void **state) {
  (void)state;
  ct_setup();
  node_store *s = calloc(1, sizeof *s);
  uint8_t leaves[8][HB];
  for (int i = 0; i < 8; i++) {
    merkle_leaf_hash(ct_blobs[i].data, ct_blobs[i].len, leaves[i]);
    store_append(s, leaves[i]);
  }
  /* Inclusion (leaf index from 0, tree size, proof). */
  static const struct {
    int64_t index, size;
    const char *proof[3];
    size_t n;
  } inc[] = {
      {0, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
       3},
      {5, 8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
       3},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}, 1},
      {1, 5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
       3},
  };
  for (size_t t = 0; t < COUNT(inc); t++) {
    uint8_t proof[MERKLE_MAX_PROOF][HB], root[HB];
    size_t len = 0;
    assert_int_equal(merkle_inclusion_proof(inc[t].index, inc[t].size, store_get, s, proof, &len), 0);
    assert_int_equal(len, inc[t].n);
    for (size_t i = 0; i < len; i++) assert_hash_hex(proof[i], inc[t].proof[i]);
    unhex(ct_roots[inc[t].size], root, HB);
    assert_true(merkle_verify_inclusion(inc[t].index, inc[t].size, leaves[inc[t].index], (const uint8_t(*)[HB])proof, len, root));
  }
  /* Consistency (first, second, proof). */
  static const struct {
    int64_t first, second;
    const char *proof[3];
    size_t n;
  } con[] = {
      {1, 1, {NULL}, 0},
      {1, 8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
       3},
      {6, 8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"},
       3},
      {2, 5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"},
       2},
  };
  for (size_t t = 0; t < COUNT(con); t++) {
    uint8_t proof[MERKLE_MAX_PROOF][HB], r1[HB], r2[HB];
    size_t len = 0;
    assert_int_equal(merkle_consistency_proof(con[t].first, con[t].second, store_get, s, proof, &len), 0);
    assert_int_equal(len, con[t].n);
    for (size_t i = 0; i < len; i++) assert_hash_hex(proof[i], con[t].proof[i]);
    unhex(ct_roots[con[t].first], r1, HB);
    unhex(ct_roots[con[t].second], r2, HB);
    assert_true(merkle_verify_consistency(con[t].first, con[t].second, r1, r2, (const uint8_t(*)[HB])proof, len));
  }
  free(s);
}

/* ====================================================================== */
/* Against the reference, every tree of 1 to 64 leaves                      */
/* ====================================================================== */

static uint8_t ref_data[MAXL][8];
static blob ref_blobs[MAXL];

/* Leaf i: i % 9 bytes (the first leaf is empty), each (i * 31 + j) & 0xff. */
static void ref_setup(void) {
  for (size_t i = 0; i < MAXL; i++) {
    size_t n = i % 9;
    for (size_t j = 0; j < n && j < 8; j++) ref_data[i][j] = (uint8_t)((i * 31 + j) & 0xff);
    ref_blobs[i] = (blob){ref_data[i], n < 8 ? n : 8};
  }
}

static int ceil_log2(int64_t n) {
  int l = 0;
  while ((INT64_C(1) << l) < n) l++;
  return l;
}

/* Every stored node is the MTH of its leaves; every root, inclusion proof
 * and consistency proof of every size up to 64 equals the reference, and
 * verifies; reads stay within O(log n). */
static void test_reference_sizes_1_to_64(void **state) {
  (void)state;
  ref_setup();
  node_store *s = calloc(1, sizeof *s);
  merkle_frontier f;
  merkle_frontier_init(&f);
  uint8_t leaves[MAXL][HB];
  for (size_t n = 1; n <= MAXL; n++) {
    ref_leaf(&ref_blobs[n - 1], leaves[n - 1]);
    uint8_t mine[HB];
    merkle_leaf_hash(ref_blobs[n - 1].data, ref_blobs[n - 1].len, mine);
    assert_memory_equal(mine, leaves[n - 1], HB);
    s->reads = 0;
    size_t wrote = store_append(s, leaves[n - 1]);
    /* One read per trailing 1 bit of the old size; at most log2(n)+1 writes. */
    int trailing = 0;
    while (((n - 1) >> trailing) & 1) trailing++;
    assert_int_equal(s->reads, trailing);
    assert_int_equal(wrote, (size_t)trailing + 1);
    assert_true((int)wrote <= ceil_log2((int64_t)n) + 1);
    /* The frontier completes the same nodes. */
    merkle_node fn[MERKLE_MAX_PROOF];
    size_t fnn = merkle_frontier_push(&f, leaves[n - 1], fn);
    assert_int_equal(fnn, wrote);
    for (size_t i = 0; i < fnn; i++) assert_memory_equal(fn[i].hash, s->h[fn[i].level][fn[i].index], HB);
  }
  /* Stored nodes against the reference MTH of their leaves. */
  for (int l = 0; l < 7; l++)
    for (size_t i = 0; ((i + 1) << l) <= MAXL; i++) {
      uint8_t want[HB];
      assert_true(s->set[l][i]);
      ref_mth(ref_blobs + (i << l), (size_t)1 << l, want);
      assert_memory_equal(s->h[l][i], want, HB);
    }
  for (int64_t n = 1; n <= MAXL; n++) {
    uint8_t root[HB], want[HB];
    s->reads = 0;
    assert_int_equal(merkle_root(n, store_get, s, root), 0);
    assert_true(s->reads <= ceil_log2(n) + 1);
    ref_mth(ref_blobs, (size_t)n, want);
    assert_memory_equal(root, want, HB);
    for (int64_t m = 0; m < n; m++) {
      uint8_t proof[MERKLE_MAX_PROOF][HB];
      size_t len = 0;
      s->reads = 0;
      assert_int_equal(merkle_inclusion_proof(m, n, store_get, s, proof, &len), 0);
      assert_true(s->reads <= 2 * ceil_log2(n) + 1);
      ref_list r = {.n = 0};
      ref_path((size_t)m, ref_blobs, (size_t)n, &r);
      assert_int_equal(len, r.n);
      assert_memory_equal(proof, r.h, len * HB);
      assert_true(merkle_verify_inclusion(m, n, leaves[m], (const uint8_t(*)[HB])proof, len, root));
    }
    for (int64_t m = 1; m <= n; m++) {
      uint8_t proof[MERKLE_MAX_PROOF][HB], r1[HB];
      size_t len = 0;
      s->reads = 0;
      assert_int_equal(merkle_consistency_proof(m, n, store_get, s, proof, &len), 0);
      assert_true(s->reads <= 2 * ceil_log2(n) + 2);
      ref_list r = {.n = 0};
      ref_subproof((size_t)m, ref_blobs, (size_t)n, 1, &r);
      assert_int_equal(len, r.n);
      assert_memory_equal(proof, r.h, len * HB);
      ref_mth(ref_blobs, (size_t)m, r1);
      assert_true(merkle_verify_consistency(m, n, r1, root, (const uint8_t(*)[HB])proof, len));
    }
  }
  free(s);
}

/* A proof must fail when anything about it is changed: any bit of any
 * hash, the index, either size, the leaf, a root, one hash more or less. */
static void test_verify_rejects_changes(void **state) {
  (void)state;
  ref_setup();
  node_store *s = calloc(1, sizeof *s);
  uint8_t leaves[MAXL][HB], roots[MAXL + 1][HB];
  for (size_t n = 1; n <= 24; n++) {
    ref_leaf(&ref_blobs[n - 1], leaves[n - 1]);
    store_append(s, leaves[n - 1]);
    ref_mth(ref_blobs, n, roots[n]);
  }
  for (int64_t n = 1; n <= 24; n++)
    for (int64_t m = 0; m < n; m++) {
      uint8_t proof[MERKLE_MAX_PROOF + 1][HB];
      size_t len = 0;
      assert_int_equal(merkle_inclusion_proof(m, n, store_get, s, proof, &len), 0);
      const uint8_t(*p)[HB] = (const uint8_t(*)[HB])proof;
      assert_true(merkle_verify_inclusion(m, n, leaves[m], p, len, roots[n]));
      for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8 * HB; bit += 37) {
          proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
          assert_false(merkle_verify_inclusion(m, n, leaves[m], p, len, roots[n]));
          proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
      if (m + 1 < n) assert_false(merkle_verify_inclusion(m + 1, n, leaves[m], p, len, roots[n]));
      if (m > 0) assert_false(merkle_verify_inclusion(m - 1, n, leaves[m], p, len, roots[n]));
      if (n < 24) assert_false(merkle_verify_inclusion(m, n + 1, leaves[m], p, len, roots[n + 1]));
      if (m < n - 1) assert_false(merkle_verify_inclusion(m, n - 1, leaves[m], p, len, roots[n - 1]));
      assert_false(merkle_verify_inclusion(m, n, leaves[(m + 1) % 24], p, len, roots[n]));
      if (len > 0) assert_false(merkle_verify_inclusion(m, n, leaves[m], p, len - 1, roots[n]));
      memcpy(proof[len], roots[1], HB);
      assert_false(merkle_verify_inclusion(m, n, leaves[m], p, len + 1, roots[n]));
      assert_false(merkle_verify_inclusion(m, n, leaves[m], p, len, roots[n == 1 ? 2 : n - 1]));
      assert_false(merkle_verify_inclusion(n, n, leaves[m], p, len, roots[n]));
      assert_false(merkle_verify_inclusion(-1, n, leaves[m], p, len, roots[n]));
    }
  for (int64_t n = 2; n <= 24; n++)
    for (int64_t m = 1; m < n; m++) {
      uint8_t proof[MERKLE_MAX_PROOF + 1][HB];
      size_t len = 0;
      assert_int_equal(merkle_consistency_proof(m, n, store_get, s, proof, &len), 0);
      const uint8_t(*p)[HB] = (const uint8_t(*)[HB])proof;
      assert_true(merkle_verify_consistency(m, n, roots[m], roots[n], p, len));
      for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8 * HB; bit += 53) {
          proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
          assert_false(merkle_verify_consistency(m, n, roots[m], roots[n], p, len));
          proof[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
      assert_false(merkle_verify_consistency(m, n, roots[n], roots[m], p, len));
      assert_false(merkle_verify_consistency(m, n, roots[m], roots[m], p, len));
      if (m + 1 < n) assert_false(merkle_verify_consistency(m + 1, n, roots[m + 1], roots[n], p, len));
      if (m > 1) assert_false(merkle_verify_consistency(m - 1, n, roots[m - 1], roots[n], p, len));
      if (n < 24) assert_false(merkle_verify_consistency(m, n + 1, roots[m], roots[n + 1], p, len));
      assert_false(merkle_verify_consistency(m, n, roots[m], roots[n], p, len - 1));
      memcpy(proof[len], roots[1], HB);
      assert_false(merkle_verify_consistency(m, n, roots[m], roots[n], p, len + 1));
    }
  /* Sizes and order that never hold. */
  uint8_t none[1][HB];
  assert_false(merkle_verify_consistency(0, 5, roots[1], roots[5], (const uint8_t(*)[HB])none, 0));
  assert_false(merkle_verify_consistency(5, 4, roots[5], roots[4], (const uint8_t(*)[HB])none, 0));
  assert_true(merkle_verify_consistency(5, 5, roots[5], roots[5], (const uint8_t(*)[HB])none, 0));
  assert_false(merkle_verify_consistency(5, 5, roots[5], roots[4], (const uint8_t(*)[HB])none, 0));
  free(s);
}

static void test_bad_arguments(void **state) {
  (void)state;
  node_store *s = calloc(1, sizeof *s);
  uint8_t leaf[HB] = {1}, proof[MERKLE_MAX_PROOF][HB], h[HB];
  size_t len;
  for (int i = 0; i < 5; i++) store_append(s, leaf);
  assert_int_equal(merkle_inclusion_proof(5, 5, store_get, s, proof, &len), -1);
  assert_int_equal(merkle_inclusion_proof(-1, 5, store_get, s, proof, &len), -1);
  assert_int_equal(merkle_consistency_proof(0, 5, store_get, s, proof, &len), -1);
  assert_int_equal(merkle_consistency_proof(6, 5, store_get, s, proof, &len), -1);
  assert_int_equal(merkle_root(-1, store_get, s, h), -1);
  assert_int_equal(merkle_root(L6_LOG_MAX_LEAVES, store_get, s, h), -1);
  /* A callback's failure comes back unchanged. */
  assert_int_equal(merkle_root(6, store_get, s, h), 7);
  assert_int_equal(merkle_inclusion_proof(0, 9, store_get, s, proof, &len), 7);
  merkle_node out[MERKLE_MAX_PROOF];
  size_t n;
  assert_int_equal(merkle_append(7, leaf, store_get, s, out, &n), 7); /* needs leaf 6, never stored */
  assert_int_equal(merkle_append(-1, leaf, store_get, s, out, &n), -1);
  free(s);
}

/* An append writes 1 + (trailing 1 bits of the old size) nodes: at most
 * log2(n) + 1 for a tree growing to n, and n - 1 + n nodes in all (every
 * complete subtree once), over 4,096 appends. */
static void test_append_bound(void **state) {
  (void)state;
  node_store *s = calloc(1, sizeof *s);
  size_t total = 0;
  for (int64_t n = 1; n <= 4096; n++) {
    uint8_t leaf[HB] = {0};
    memcpy(leaf, &n, sizeof n);
    s->reads = 0;
    size_t w = store_append(s, leaf);
    total += w;
    assert_true((int)w <= ceil_log2(n) + 1);
    assert_int_equal((size_t)s->reads, w - 1);
  }
  assert_int_equal(total, 2 * 4096 - 1);
  uint8_t root[HB];
  s->reads = 0;
  assert_int_equal(merkle_root(4096, store_get, s, root), 0);
  assert_int_equal(s->reads, 1); /* a power of two is one stored node */
  free(s);
}

/* ====================================================================== */
/* Signed tree heads                                                       */
/* ====================================================================== */

static void test_sth_known_answer(void **state) {
  (void)state;
  uint8_t seed[32], pk[32], sk[64], root[32], msg[STH_MESSAGE_BYTES], sig[64], want_sig[64], want_msg[STH_MESSAGE_BYTES];
  unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
  crypto_sign_ed25519_seed_keypair(pk, sk, seed);
  assert_hash_hex(pk, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  char id[STH_KEY_ID_LEN + 1];
  sth_key_id(pk, id);
  assert_string_equal(id, "21fe31dfa154a261");
  unhex(ct_roots[8], root, 32);
  sth_message(8, INT64_C(1700000000123), root, msg);
  unhex("6c656467657236207472656520686561642076310a00000000000000080000018bcfe5687b"
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        want_msg, sizeof want_msg);
  assert_memory_equal(msg, want_msg, sizeof msg);
  sth_sign(sk, 8, INT64_C(1700000000123), root, sig);
  unhex("7d9b34a1fbe009fa76ab73ccfa8e222c379dd497340ebf2f558600d362eb2c33"
        "916c5c457b81deca95b46f65160584e201f273dbe20855940e8870b9499db404",
        want_sig, sizeof want_sig);
  assert_memory_equal(sig, want_sig, 64); /* Ed25519 is deterministic: OpenSSL signed the same bytes */
  assert_true(sth_verify(pk, 8, INT64_C(1700000000123), root, sig));
  /* Every field is signed. */
  assert_false(sth_verify(pk, 7, INT64_C(1700000000123), root, sig));
  assert_false(sth_verify(pk, 8, INT64_C(1700000000124), root, sig));
  root[31] ^= 1;
  assert_false(sth_verify(pk, 8, INT64_C(1700000000123), root, sig));
  root[31] ^= 1;
  sig[0] ^= 1;
  assert_false(sth_verify(pk, 8, INT64_C(1700000000123), root, sig));
  sig[0] ^= 1;
  uint8_t pk2[32], sk2[64];
  crypto_sign_ed25519_keypair(pk2, sk2);
  assert_false(sth_verify(pk2, 8, INT64_C(1700000000123), root, sig));
  assert_false(sth_verify(pk, -1, INT64_C(1700000000123), root, sig));
}

/* ====================================================================== */
/* Canonical entries                                                       */
/* ====================================================================== */

static const logentry_block kat_blocks[2] = {
    {4, 1, 100, "VCU-MWI-VCS.2250-2022-000004-000000001-000000100", 12, 2},
    {5, 7, 56, "VCU-MWI-VCS.2250-2023-000005-000000007-000000056", 12, 2},
};

static const char kat_entry[] = "ledger6 log entry v1\n"
                                "transaction 42\n"
                                "kind retirement\n"
                                "timestamp 24:2026-11-21T01:51:55.231Z\n"
                                "quantity 150\n"
                                "reporting_year 2026\n"
                                "beneficiary 9:Acme GmbH\n"
                                "purpose 9:voluntary\n"
                                "claim 25:Offsets 2026 travel: \xc3\x84\xc3\x96\n"
                                "private d04149683ec4fc93bf42e369268574df5f35abfdf313b82018c607e8ae9d567b\n"
                                "block 4 1 100 VCU-MWI-VCS.2250-2022-000004-000000001-000000100\n"
                                "block 5 7 56 VCU-MWI-VCS.2250-2023-000005-000000007-000000056\n";

static void kat_build(logentry *e, logentry_private *p) {
  *p = (logentry_private){.actor = "token 3", .from_account = 12, .to_account = 2};
  for (int i = 0; i < 16; i++) p->salt[i] = (uint8_t)i;
  *e = (logentry){.tx = 42,
                  .kind = "retirement",
                  .timestamp = "2026-11-21T01:51:55.231Z",
                  .quantity = 150,
                  .reporting_year = 2026,
                  .beneficiary = "Acme GmbH",
                  .purpose = "voluntary",
                  .claim = "Offsets 2026 travel: \xc3\x84\xc3\x96",
                  .blocks = kat_blocks,
                  .nblocks = 2};
  logentry_commit(p, kat_blocks, 2, e->commitment);
}

static void test_entry_known_answer(void **state) {
  (void)state;
  logentry e;
  logentry_private p;
  kat_build(&e, &p);
  assert_hash_hex(e.commitment, "d04149683ec4fc93bf42e369268574df5f35abfdf313b82018c607e8ae9d567b");
  char buf[1024];
  size_t n = logentry_encode(&e, buf, sizeof buf);
  assert_int_equal(n, sizeof kat_entry - 1);
  assert_string_equal(buf, kat_entry);
  uint8_t leaf[HB];
  merkle_leaf_hash(buf, n, leaf);
  assert_hash_hex(leaf, "2228d31c7d2bd6929ac242bc9d8dcd559b808d8415b820bd73473ba3855ffed2");
  /* snprintf-style: too small a buffer gets a prefix and the full length. */
  char small[40];
  assert_int_equal(logentry_encode(&e, small, sizeof small), n);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, kat_entry, sizeof small - 1);
  assert_int_equal(logentry_encode(&e, NULL, 0), n);
}

/* Every public and private field changes the entry. */
static void test_entry_every_field_counts(void **state) {
  (void)state;
  logentry e0, e;
  logentry_private p0, p;
  kat_build(&e0, &p0);
  char base[1024], other[1024];
  logentry_encode(&e0, base, sizeof base);
  logentry_block blocks[2];
  for (int field = 0; field < 17; field++) {
    e = e0;
    p = p0;
    memcpy(blocks, kat_blocks, sizeof blocks);
    e.blocks = blocks;
    switch (field) {
    case 0: e.tx = 43; break;
    case 1: e.kind = "transfer"; break;
    case 2: e.timestamp = "2026-11-21T01:51:55.232Z"; break;
    case 3: e.quantity = 151; break;
    case 4: e.reporting_year = 0; break;
    case 5: e.beneficiary = "Acme GmbH "; break;
    case 6: e.purpose = "Voluntary"; break;
    case 7: e.claim = ""; break;
    case 8: blocks[1].first = 8; break;
    case 9: blocks[0].last = 99; break;
    case 10: blocks[1].batch = 6; break;
    case 11: blocks[0].serial = "VCU-MWI-VCS.2250-2021-000004-000000001-000000100"; break;
    case 12: e.nblocks = 1; break;
    case 13: p.actor = "token 4"; break;
    case 14: p.from_account = 13; break;
    case 15: blocks[1].to_account = 3; break;
    case 16: p.salt[15] ^= 1; break;
    }
    logentry_commit(&p, blocks, e.nblocks, e.commitment);
    logentry_encode(&e, other, sizeof other);
    if (strcmp(base, other) == 0) fail_msg("changing field %d does not change the entry", field);
  }
  /* Moving bytes between two texts changes the entry too. */
  e = e0;
  e.beneficiary = "Acme";
  e.purpose = " GmbHvoluntary";
  logentry_encode(&e, other, sizeof other);
  assert_string_not_equal(base, other);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kat_roots),
      cmocka_unit_test(test_kat_proofs),
      cmocka_unit_test(test_reference_sizes_1_to_64),
      cmocka_unit_test(test_verify_rejects_changes),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_append_bound),
      cmocka_unit_test(test_sth_known_answer),
      cmocka_unit_test(test_entry_known_answer),
      cmocka_unit_test(test_entry_every_field_counts),
  };
  return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
