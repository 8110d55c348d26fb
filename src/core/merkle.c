/* merkle.c -- RFC 6962 Merkle tree hashing and proofs; see merkle.h. Pure. */
#include "merkle.h"

#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "../limits.h"

#define HB MERKLE_HASH_BYTES

void merkle_leaf_hash(const void *data, size_t len, uint8_t out[HB]) {
  static const uint8_t prefix = 0x00;
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  if (len) crypto_hash_sha256_update(&st, data, len);
  crypto_hash_sha256_final(&st, out);
}

void merkle_node_hash(const uint8_t left[HB], const uint8_t right[HB], uint8_t out[HB]) {
  uint8_t buf[1 + 2 * HB];
  buf[0] = 0x01;
  memcpy(buf + 1, left, HB);
  memcpy(buf + 1 + HB, right, HB);
  crypto_hash_sha256(out, buf, sizeof buf);
}

void merkle_empty_root(uint8_t out[HB]) { crypto_hash_sha256(out, NULL, 0); }

static bool size_ok(int64_t size) { return size >= 0 && size < L6_LOG_MAX_LEAVES; }

/* Largest power of two strictly below n (n >= 2). */
static int64_t split_point(int64_t n) {
  int64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

/* Level of n when n is a power of two, else -1. */
static int pow2_level(int64_t n) {
  if (n <= 0 || (n & (n - 1)) != 0) return -1;
  int l = 0;
  while ((INT64_C(1) << l) < n) l++;
  return l;
}

int merkle_append(int64_t size, const uint8_t leaf[HB], merkle_subtree_fn get, void *ctx, merkle_node out[MERKLE_MAX_PROOF],
                  size_t *nout) {
  *nout = 0;
  if (!size_ok(size) || size + 1 >= L6_LOG_MAX_LEAVES) return -1;
  size_t n = 0;
  out[n] = (merkle_node){.level = 0, .index = size};
  memcpy(out[n].hash, leaf, HB);
  n++;
  /* Each trailing 1 bit of size is a complete left sibling at that level
   * waiting for this leaf's subtree to complete their parent. */
  for (int l = 0; (size >> l) & 1; l++) {
    uint8_t sibling[HB];
    int rc = get(ctx, l, (size >> l) - 1, sibling);
    if (rc != 0) return rc;
    assert(n < MERKLE_MAX_PROOF);
    out[n] = (merkle_node){.level = l + 1, .index = size >> (l + 1)};
    merkle_node_hash(sibling, out[n - 1].hash, out[n].hash);
    n++;
  }
  *nout = n;
  return 0;
}

int merkle_root(int64_t size, merkle_subtree_fn get, void *ctx, uint8_t out[HB]) {
  if (!size_ok(size)) return -1;
  if (size == 0) {
    merkle_empty_root(out);
    return 0;
  }
  return merkle_range_hash(0, size, get, ctx, out);
}

int merkle_range_hash(int64_t first, int64_t end, merkle_subtree_fn get, void *ctx, uint8_t out[HB]) {
  if (first < 0 || end <= first || !size_ok(end)) return -1;
  int64_t n = end - first;
  assert(n >= 1);
  int level = pow2_level(n);
  if (level >= 0 && first % n == 0) return get(ctx, level, first >> level, out);
  int64_t k = split_point(n); /* n >= 2 here: a single leaf is a power of two */
  uint8_t left[HB], right[HB];
  int rc = merkle_range_hash(first, first + k, get, ctx, left);
  if (rc == 0) rc = merkle_range_hash(first + k, end, get, ctx, right);
  if (rc != 0) return rc;
  merkle_node_hash(left, right, out);
  return 0;
}

/* PATH(index, D[first:end]) appended to proof, deepest first. */
static int path(int64_t index, int64_t first, int64_t end, merkle_subtree_fn get, void *ctx, uint8_t (*proof)[HB],
                size_t *len) {
  int64_t n = end - first;
  if (n == 1) return 0;
  int64_t k = split_point(n);
  int rc;
  if (index < first + k) {
    if ((rc = path(index, first, first + k, get, ctx, proof, len)) != 0) return rc;
    rc = merkle_range_hash(first + k, end, get, ctx, proof[*len]);
  } else {
    if ((rc = path(index, first + k, end, get, ctx, proof, len)) != 0) return rc;
    rc = merkle_range_hash(first, first + k, get, ctx, proof[*len]);
  }
  if (rc != 0) return rc;
  assert(*len < MERKLE_MAX_PROOF);
  (*len)++;
  return 0;
}

int merkle_inclusion_proof(int64_t index, int64_t size, merkle_subtree_fn get, void *ctx, uint8_t proof[MERKLE_MAX_PROOF][HB],
                           size_t *len) {
  *len = 0;
  if (!size_ok(size) || index < 0 || index >= size) return -1;
  return path(index, 0, size, get, ctx, proof, len);
}

/* SUBPROOF(m, D[first:end], complete) of RFC 6962 2.1.2, m counted from first. */
static int subproof(int64_t m, int64_t first, int64_t end, bool complete, merkle_subtree_fn get, void *ctx,
                    uint8_t (*proof)[HB], size_t *len) {
  int64_t n = end - first;
  int rc;
  if (m == n) {
    if (complete) return 0;
    rc = merkle_range_hash(first, end, get, ctx, proof[*len]);
  } else {
    int64_t k = split_point(n);
    if (m <= k) {
      if ((rc = subproof(m, first, first + k, complete, get, ctx, proof, len)) != 0) return rc;
      rc = merkle_range_hash(first + k, end, get, ctx, proof[*len]);
    } else {
      if ((rc = subproof(m - k, first + k, end, false, get, ctx, proof, len)) != 0) return rc;
      rc = merkle_range_hash(first, first + k, get, ctx, proof[*len]);
    }
  }
  if (rc != 0) return rc;
  assert(*len < MERKLE_MAX_PROOF);
  (*len)++;
  return 0;
}

int merkle_consistency_proof(int64_t first, int64_t second, merkle_subtree_fn get, void *ctx,
                             uint8_t proof[MERKLE_MAX_PROOF][HB], size_t *len) {
  *len = 0;
  if (!size_ok(second) || first < 1 || first > second) return -1;
  return subproof(first, 0, second, true, get, ctx, proof, len);
}

bool merkle_root_from_inclusion(int64_t index, int64_t size, const uint8_t leaf[HB], const uint8_t (*proof)[HB], size_t len,
                                uint8_t out[HB]) {
  if (!size_ok(size) || index < 0 || index >= size || len > MERKLE_MAX_PROOF) return false;
  int64_t fn = index, sn = size - 1;
  uint8_t r[HB];
  memcpy(r, leaf, HB);
  for (size_t i = 0; i < len; i++) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(proof[i], r, r);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      merkle_node_hash(r, proof[i], r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return false;
  memcpy(out, r, HB);
  return true;
}

bool merkle_verify_inclusion(int64_t index, int64_t size, const uint8_t leaf[HB], const uint8_t (*proof)[HB], size_t len,
                             const uint8_t root[HB]) {
  uint8_t r[HB];
  return merkle_root_from_inclusion(index, size, leaf, proof, len, r) && sodium_memcmp(r, root, HB) == 0;
}

bool merkle_verify_consistency(int64_t first, int64_t second, const uint8_t root1[HB], const uint8_t root2[HB],
                               const uint8_t (*proof)[HB], size_t len) {
  if (!size_ok(second) || first < 1 || first > second || len > MERKLE_MAX_PROOF) return false;
  if (first == second) return len == 0 && sodium_memcmp(root1, root2, HB) == 0;
  if (len == 0) return false;
  /* When first is a power of two its root is itself the first node of
   * the path: start from it instead of from proof[0]. */
  size_t i = 0;
  uint8_t fr[HB], sr[HB];
  if (pow2_level(first) >= 0) {
    memcpy(fr, root1, HB);
  } else {
    memcpy(fr, proof[0], HB);
    i = 1;
  }
  memcpy(sr, fr, HB);
  int64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; i < len; i++) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      merkle_node_hash(proof[i], fr, fr);
      merkle_node_hash(proof[i], sr, sr);
      if (!(fn & 1))
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      merkle_node_hash(sr, proof[i], sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(fr, root1, HB) == 0 && sodium_memcmp(sr, root2, HB) == 0;
}

void merkle_frontier_init(merkle_frontier *f) { memset(f, 0, sizeof *f); }

size_t merkle_frontier_push(merkle_frontier *f, const uint8_t leaf[HB], merkle_node out[MERKLE_MAX_PROOF]) {
  assert(size_ok(f->size) && f->size + 1 < L6_LOG_MAX_LEAVES);
  size_t n = 0;
  out[n] = (merkle_node){.level = 0, .index = f->size};
  memcpy(out[n].hash, leaf, HB);
  n++;
  int l = 0;
  for (; (f->size >> l) & 1; l++) {
    out[n] = (merkle_node){.level = l + 1, .index = f->size >> (l + 1)};
    merkle_node_hash(f->peak[l], out[n - 1].hash, out[n].hash);
    n++;
  }
  memcpy(f->peak[l], out[n - 1].hash, HB);
  f->size++;
  return n;
}

void merkle_frontier_root(const merkle_frontier *f, uint8_t out[HB]) {
  if (f->size == 0) {
    merkle_empty_root(out);
    return;
  }
  /* Fold the peaks from the smallest (rightmost) up: MTH splits off the
   * largest power of two on the left at every step. */
  bool have = false;
  uint8_t acc[HB];
  for (int l = 0; l < 63; l++) {
    if (!((f->size >> l) & 1)) continue;
    if (!have) {
      memcpy(acc, f->peak[l], HB);
      have = true;
    } else {
      merkle_node_hash(f->peak[l], acc, acc);
    }
  }
  memcpy(out, acc, HB);
}
