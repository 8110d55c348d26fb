/*
 * testlib.h -- small helpers shared by every test binary (tests/test_*.c).
 *
 * Sections:
 *   1. Seeded randomness: one process seed (env L6_SEED, else the clock),
 *      printed once so any failure can be replayed with L6_SEED=<seed>.
 *   2. Temporary directories: made under $TMPDIR (or /tmp), removed
 *      recursively.
 *   3. Stores: a fresh, empty store per test, on the engine chosen by the
 *      environment (L6_STORE: unset, empty or not a postgres:// URI means
 *      SQLite; postgres://.../postgres means a fresh database on that
 *      PostgreSQL server for every store, as tests/pg.sh sets it).
 *   4. Text buffers: a growable string for store dumps that tests compare.
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

/* ---- 3. Stores ----------------------------------------------------------- */

#include "store/store.h"

/* A store made for one test. */
typedef struct {
  char spec[L6_STORE_SPEC_MAX + 1]; /* what store_open and `ledger6 --store` take */
  char *dir;                        /* SQLite file: its private folder (owned), else NULL */
  char db[64];                      /* PostgreSQL: the database made for it, else "" */
} tl_store;

/* True when the tests run on PostgreSQL (L6_STORE is a postgres:// URI). */
int tl_store_is_pg(void);

/* Makes a fresh, empty store named after tag. SQLite: ":memory:" when
 * memory_ok, else DIR/l.db in a fresh tl_tmpdir_make(tag) folder.
 * PostgreSQL: a new database l6t_<tag>_<pid>_<n> on L6_STORE's server
 * (memory_ok is ignored: every PostgreSQL store outlives its connection).
 * Returns 0, or -1 after printing why to stderr. */
int tl_store_make(tl_store *t, const char *tag, int memory_ok);

/* store_open(t->spec); prints why and returns NULL on failure. */
l6_store *tl_store_open(const tl_store *t);

/* Runs sql (statements that return no rows) on the store spec directly,
 * behind any server's back (tamper tests): PostgreSQL when the tests run
 * on it, else the SQLite file (5 s busy timeout). Returns 0, or -1 after
 * printing why to stderr. */
int tl_store_exec(const char *spec, const char *sql);

/* Removes the store: its folder, or its database (sessions still
 * connected to it are disconnected). Leaves t zeroed. Returns 0 or -1. */
int tl_store_free(tl_store *t);

/* ---- 4. Text buffers ------------------------------------------------------ */

/* A growable string, for dumps that tests compare ("nothing changed").
 * Start with {0}; buf is malloc'd (NULL until the first add), the caller
 * frees it. */
typedef struct {
  char *buf;
  size_t len, cap;
} tl_sbuf;

/* Appends printf-style text; aborts when out of memory. */
void tl_sb_add(tl_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
