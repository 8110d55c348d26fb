/*
 * testlib.h -- small helpers shared by every test binary (tests/test_*.c).
 *
 * Sections:
 *   1. Seeded randomness: one process seed (env L6_SEED, else the clock),
 *      printed once so any failure can be replayed with L6_SEED=<seed>.
 *   2. Temporary directories: made under $TMPDIR (or /tmp), removed
 *      recursively.
 *
 * Names start with tl_. Add new helpers as a new numbered section here and
 * in testlib.c, in the same order.
 */
#ifndef L6_TESTLIB_H
#define L6_TESTLIB_H

#include <stdint.h>

/* ---- 1. Seeded randomness ------------------------------------------------ */

/* A small, fast, reproducible generator (splitmix64). Not for secrets. */
typedef struct {
  uint64_t state; /* advanced by a fixed odd constant on every draw */
} tl_rng;

/* The process seed: L6_SEED from the environment (decimal or 0x-hex) when
 * set, else derived from the clock and pid. The first call prints
 * "testlib: L6_SEED=<seed>" to stderr; later calls return the same value.
 * An unparsable L6_SEED aborts the process, so a typo cannot silently
 * replay a different run. */
uint64_t tl_seed(void);

/* Seeds r from tl_seed() mixed with stream, so each test draws its own
 * sequence whatever order the tests run in. Pass a constant per test. */
void tl_rng_init(tl_rng *r, uint64_t stream);

/* Next 64 random bits. */
uint64_t tl_rng_next(tl_rng *r);

/* Uniform integer in [0, n); n must be > 0. No modulo bias. */
uint64_t tl_rng_below(tl_rng *r, uint64_t n);

/* Uniform integer in [lo, hi]; requires lo <= hi. */
int64_t tl_rng_range(tl_rng *r, int64_t lo, int64_t hi);

/* ---- 2. Temporary directories -------------------------------------------- */

/* Makes a fresh, private directory $TMPDIR/ledger6-<tag>-XXXXXX (or under
 * /tmp when TMPDIR is unset or empty). Returns its path, which the caller
 * frees with tl_tmpdir_remove (or free). Returns NULL on failure, with
 * errno set. */
char *tl_tmpdir_make(const char *tag);

/* Removes the directory made by tl_tmpdir_make and everything below it
 * (symbolic links are removed, never followed). Refuses (returns -1,
 * removes nothing) a path whose last component does not start with
 * "ledger6-". Frees path in every case. Returns 0 on success, -1 if the
 * directory is still there. NULL is a no-op returning 0. */
int tl_tmpdir_remove(char *path);

#endif
