/*
 * merkle.h -- Merkle tree hashing and proofs of RFC 6962 section 2.1
 * (also RFC 9162 section 2.1), the tree of Certificate Transparency.
 * Pure: no I/O, no allocation; SHA-256 from libsodium.
 *
 *   leaf hash   SHA-256(0x00 || entry)
 *   node hash   SHA-256(0x01 || left || right)
 *   empty tree  SHA-256("")
 *
 * Leaves are numbered from 0. The subtree (level l, index i) is the
 * complete subtree of the 2^l leaves [i * 2^l, (i + 1) * 2^l); its hash is
 * the MTH of those leaves. A store keeps the hash of every complete
 * subtree (merkle_append says which ones a new leaf completes); the root
 * of any tree size and every proof are then assembled from O(log n) of
 * them, read through a merkle_subtree_fn callback.
 *
 * Sizes and indexes are int64_t; a tree holds fewer than L6_LOG_MAX_LEAVES
 * (2^62) leaves, so a proof has at most MERKLE_MAX_PROOF hashes.
 */
#ifndef L6_MERKLE_H
#define L6_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_BYTES 32
/* Most hashes in an inclusion or consistency proof (and most subtree
 * nodes one append completes) for trees below 2^62 leaves. */
#define MERKLE_MAX_PROOF 64

/* One complete subtree and its hash. */
typedef struct {
  int level;                       /* the subtree holds 2^level leaves */
  int64_t index;                   /* its leaves are [index << level, (index + 1) << level) */
  uint8_t hash[MERKLE_HASH_BYTES]; /* MTH of those leaves */
} merkle_node;

/* Reads the hash of the complete subtree (level, index) into out. Returns
 * 0, or a non-zero value that the calling function stops and returns (the
 * caller keeps its own error details in ctx). */
typedef int (*merkle_subtree_fn)(void *ctx, int level, int64_t index, uint8_t out[MERKLE_HASH_BYTES]);

/* Leaf hash of len bytes of data: SHA-256(0x00 || data). */
void merkle_leaf_hash(const void *data, size_t len, uint8_t out[MERKLE_HASH_BYTES]);
/* Interior node hash: SHA-256(0x01 || left || right). */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_BYTES], const uint8_t right[MERKLE_HASH_BYTES],
                      uint8_t out[MERKLE_HASH_BYTES]);
/* Root of the empty tree: SHA-256 of no bytes. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_BYTES]);

/*
 * The subtrees completed by appending leaf number `size` (the tree had
 * `size` leaves) with hash leaf: out[0] is (0, size, leaf), then one
 * parent per trailing 1 bit of size, each read sibling combined with the
 * node below. Reads the left siblings through get (one per trailing 1 bit
 * of size: at most log2(size)) and writes at most log2(size + 1) + 1
 * nodes to out (room for MERKLE_MAX_PROOF). Returns 0, -1 for a size
 * outside [0, L6_LOG_MAX_LEAVES - 1), or get's non-zero value.
 */
int merkle_append(int64_t size, const uint8_t leaf[MERKLE_HASH_BYTES], merkle_subtree_fn get, void *ctx,
                  merkle_node out[MERKLE_MAX_PROOF], size_t *nout);

/* Root (MTH) of the first size leaves; size 0 gives the empty root.
 * Reads one subtree per 1 bit of size. Returns 0, -1, or get's value. */
int merkle_root(int64_t size, merkle_subtree_fn get, void *ctx, uint8_t out[MERKLE_HASH_BYTES]);

/* MTH of the leaves [first, end) (first < end), from the complete
 * subtrees that tile the range: O(log) reads for the ranges the proofs
 * below use. Returns 0, -1, or get's value. */
int merkle_range_hash(int64_t first, int64_t end, merkle_subtree_fn get, void *ctx, uint8_t out[MERKLE_HASH_BYTES]);

/* Inclusion proof PATH(index, D[size]) of RFC 6962 2.1.1, deepest sibling
 * first; 0 <= index < size. Writes *len hashes to proof. O(log size)
 * reads. Returns 0, -1 (bad arguments), or get's value. */
int merkle_inclusion_proof(int64_t index, int64_t size, merkle_subtree_fn get, void *ctx,
                           uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_BYTES], size_t *len);

/* Consistency proof PROOF(first, D[second]) of RFC 6962 2.1.2;
 * 1 <= first <= second (first == second gives an empty proof). O(log)
 * reads. Returns 0, -1 (bad arguments), or get's value. */
int merkle_consistency_proof(int64_t first, int64_t second, merkle_subtree_fn get, void *ctx,
                             uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_BYTES], size_t *len);

/* The root an inclusion proof leads to from leaf (RFC 9162 2.1.3.2);
 * false when the proof has the wrong length for index and size. */
bool merkle_root_from_inclusion(int64_t index, int64_t size, const uint8_t leaf[MERKLE_HASH_BYTES],
                                const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t len,
                                uint8_t out[MERKLE_HASH_BYTES]);

/* True when proof shows leaf is number index of the tree of size leaves
 * whose root is root (RFC 9162 2.1.3.2). */
bool merkle_verify_inclusion(int64_t index, int64_t size, const uint8_t leaf[MERKLE_HASH_BYTES],
                             const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t len,
                             const uint8_t root[MERKLE_HASH_BYTES]);

/* True when proof shows the tree of `second` leaves with root root2
 * extends the tree of `first` leaves with root root1 (RFC 9162 2.1.4.2).
 * first == second holds with an empty proof and equal roots; first < 1
 * or first > second never holds. */
bool merkle_verify_consistency(int64_t first, int64_t second, const uint8_t root1[MERKLE_HASH_BYTES],
                               const uint8_t root2[MERKLE_HASH_BYTES],
                               const uint8_t (*proof)[MERKLE_HASH_BYTES], size_t len);

/*
 * A tree kept in memory as its compact range: the hashes of the complete
 * subtrees ("peaks") that tile leaves [0, size), one per 1 bit of size.
 * For streaming work over a whole log (verification, bulk building):
 * O(log n) memory, each push O(1) amortised.
 */
typedef struct {
  int64_t size;                        /* leaves pushed so far */
  uint8_t peak[64][MERKLE_HASH_BYTES]; /* peak[l] is valid when bit l of size is set */
} merkle_frontier;

void merkle_frontier_init(merkle_frontier *f);
/* Pushes the next leaf; writes the subtrees it completes to out (as
 * merkle_append would) and returns their number (at least 1). */
size_t merkle_frontier_push(merkle_frontier *f, const uint8_t leaf[MERKLE_HASH_BYTES],
                            merkle_node out[MERKLE_MAX_PROOF]);
/* Root of the leaves pushed so far. */
void merkle_frontier_root(const merkle_frontier *f, uint8_t out[MERKLE_HASH_BYTES]);

#endif
