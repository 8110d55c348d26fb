/*
 * bench_log.c -- does appending to the transparency log stay O(log n)?
 * Appends per second, and the node reads and writes each append makes, at
 * 10^3, 10^5 and 10^7 leaves, on a file SQLite store (WAL,
 * synchronous=FULL) in a fresh temporary folder.
 *
 * The log's leaves must point at transactions, so the store first gets as
 * many placeholder transaction rows as the run appends (one INSERT ...
 * SELECT over a recursive CTE: the fixture, not the thing measured). The
 * tree is then built up with tlog_append_leaf in large batched commits
 * (100,000 appends each), and at each size three things are timed:
 *
 *   tree append   tlog_append_leaf: read the log size, read the left
 *                 siblings, write the leaf row and the completed nodes
 *                 (1,000 appends per commit, 20,000 in all);
 *   entry+append  tlog_append_tx: the same plus reading the transaction and
 *                 its lines and building its canonical entry -- what every
 *                 registry transaction pays (5,000 appends);
 *   proofs        1,000 inclusion proofs of random leaves and 1,000
 *                 consistency proofs from random earlier sizes, against
 *                 the whole tree.
 *
 * Node reads are counted by wrapping the store's log_node_get. Output: a
 * table and "RESULT <key> <value>" lines (bench/run.sh collects them).
 *
 * usage: bench_log [--quick] [--max N]
 *   --quick  sizes 10^3, 10^4, 10^5 and smaller windows (a smoke test)
 *   --max N  leave out sizes above N (the machine's disk or patience)
 * Environment: TMPDIR chooses where the store goes (it should be a real
 * disk); L6_BENCH_KEEP=1 keeps it. The 10^7 store takes about 3.5 GB.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "service/tlog.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const l6_error *err) {
  fprintf(stderr, "bench_log: %s: %s: %s\n", what, l6_err_code(err->code), err->message);
  exit(1);
}

/* ---- counting the store's node reads and writes ----------------------- */

static const l6_store_ops *real_ops;
static l6_store_ops counting_ops;
static long node_reads, node_writes;

static l6_err counting_get(l6_store *s, int level, int64_t index, uint8_t out[32], l6_error *err) {
  node_reads++;
  return real_ops->log_node_get(s, level, index, out, err);
}

static l6_err counting_append(l6_store *s, const l6_log_leaf *leaf, const merkle_node *nodes, size_t n,
                              l6_error *err) {
  node_writes += (long)n;
  return real_ops->log_append(s, leaf, nodes, n, err);
}

/* ---- the run ----------------------------------------------------------- */

typedef struct {
  char dir[4096];
  char path[4200];
  l6_store *st;
  int64_t size; /* leaves so far; leaf i records transaction i + 1 */
} bench;

static void leaf_of(int64_t i, uint8_t out[32]) { merkle_leaf_hash(&i, sizeof i, out); }

/* Appends n leaves, `per` per commit, with tlog_append_leaf (tx_too:
 * tlog_append_tx, which builds the entry from the transaction row). */
static double append(bench *b, int64_t n, int64_t per, int tx_too) {
  static const uint8_t salt[LOGENTRY_SALT_BYTES] = {0};
  l6_error err = {0};
  double t0 = now_s();
  for (int64_t done = 0; done < n;) {
    int64_t k = n - done < per ? n - done : per;
    if (b->st->ops->begin(b->st, &err) != L6_E_OK) die("begin", &err);
    for (int64_t i = 0; i < k; i++, b->size++) {
      uint8_t leaf[32];
      leaf_of(b->size, leaf);
      l6_err e = tx_too ? tlog_append_tx(b->st, b->size + 1, NULL, &err)
                        : tlog_append_leaf(b->st, b->size + 1, salt, leaf, NULL, &err);
      if (e != L6_E_OK) die("append", &err);
    }
    if (b->st->ops->commit(b->st, &err) != L6_E_OK) die("commit", &err);
    done += k;
  }
  return now_s() - t0;
}

/* Places the fixture: a Party, a registry, an account, and transactions
 * 1..n for the leaves to record. */
static void fixture(const char *path, int64_t n) {
  sqlite3 *db = NULL;
  char sql[1024];
  if (sqlite3_open(path, &db) != SQLITE_OK) {
    fprintf(stderr, "bench_log: cannot open %s\n", path);
    exit(1);
  }
  snprintf(sql, sizeof sql,
           "PRAGMA synchronous=OFF; BEGIN;"
           "INSERT INTO parties VALUES('CHE', 'Switzerland');"
           "INSERT INTO registries VALUES('CHE01', 'CHE', 'Bench registry');"
           "INSERT INTO accounts(id, registry, org, type, status, name) VALUES(1, 'CHE01', NULL, 'holding', 'open', 'b');"
           "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %lld)"
           " INSERT INTO transactions(id, kind, ts, actor, from_account, to_account, quantity, beneficiary, purpose,"
           " claim, reporting_year) SELECT x, 'transfer', '2026-01-01T00:00:00.000Z', 'bench', 1, 1, 1, '', '', '', 0"
           " FROM c; COMMIT;",
           (long long)n);
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "bench_log: fixture: %s\n", msg);
    exit(1);
  }
  sqlite3_close(db);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv) {
  int quick = 0;
  int64_t max = INT64_MAX;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) max = strtoll(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: bench_log [--quick] [--max N]\n");
      return 2;
    }
  }
  if (sodium_init() < 0) return 1;
  int64_t sizes[3] = {1000, 100000, 10000000};
  if (quick) sizes[1] = 10000, sizes[2] = 100000;
  int nsizes = 0;
  while (nsizes < 3 && sizes[nsizes] <= max) nsizes++;
  if (nsizes == 0) {
    fprintf(stderr, "bench_log: --max leaves no size to measure\n");
    return 2;
  }
  const int64_t window = quick ? 2000 : 20000, window_tx = quick ? 500 : 5000, proofs = quick ? 200 : 1000;
  const int64_t total = sizes[nsizes - 1] + (int64_t)nsizes * (window + window_tx) + 10;

  bench b = {0};
  const char *tmp = getenv("TMPDIR");
  snprintf(b.dir, sizeof b.dir, "%s/ledger6-bench-log-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(b.dir) == NULL) {
    perror("bench_log: mkdtemp");
    return 1;
  }
  snprintf(b.path, sizeof b.path, "%s/log.db", b.dir);
  l6_error err = {0};
  l6_store *st = store_sqlite_open(b.path, &err); /* creates the schema */
  if (st == NULL) die("store_sqlite_open", &err);
  st->ops->close(st);
  double t0 = now_s();
  fixture(b.path, total);
  sync(); /* the fixture's writes must not be flushed during the measured commits */
  printf("fixture: %lld placeholder transactions in %.1f s\n", (long long)total, now_s() - t0);
  b.st = store_sqlite_open(b.path, &err);
  if (b.st == NULL) die("store_sqlite_open", &err);
  real_ops = b.st->ops;
  counting_ops = *real_ops;
  counting_ops.log_node_get = counting_get;
  counting_ops.log_append = counting_append;
  b.st->ops = &counting_ops;

  printf("transparency log appends, SQLite WAL synchronous=FULL, store in %s\n", b.dir);
  printf("  %12s  %12s  %12s  %11s  %11s  %12s  %12s  %12s\n", "leaves", "build /s", "append /s", "reads each",
         "writes each", "entry+app /s", "inclusion us", "consist. us");
  double build_s = 0;
  int64_t built = 0;
  for (int k = 0; k < nsizes; k++) {
    /* Build up to the size in large commits. */
    int64_t need = sizes[k] - b.size;
    double bs = append(&b, need, 100000, 0);
    build_s += bs;
    built += need;
    /* Tree appends at this size. */
    node_reads = node_writes = 0;
    double as = append(&b, window, 1000, 0);
    double reads_each = (double)node_reads / (double)window, writes_each = (double)node_writes / (double)window;
    /* Entry + append: what a transaction pays. */
    double ts = append(&b, window_tx, 1000, 1);
    /* Proofs against the whole tree. */
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t len;
    node_reads = 0;
    double p0 = now_s();
    for (int64_t i = 0; i < proofs; i++)
      if (tlog_inclusion(b.st, (int64_t)(rnd() % (uint64_t)b.size), b.size, proof, &len, &err) != L6_E_OK)
        die("inclusion", &err);
    double inc_us = (now_s() - p0) / (double)proofs * 1e6;
    double inc_reads = (double)node_reads / (double)proofs;
    node_reads = 0;
    p0 = now_s();
    for (int64_t i = 0; i < proofs; i++)
      if (tlog_consistency(b.st, 1 + (int64_t)(rnd() % (uint64_t)b.size), b.size, proof, &len, &err) != L6_E_OK)
        die("consistency", &err);
    double con_us = (now_s() - p0) / (double)proofs * 1e6;
    double con_reads = (double)node_reads / (double)proofs;
    printf("  %12lld  %12.0f  %12.0f  %11.2f  %11.2f  %12.0f  %12.1f  %12.1f\n", (long long)sizes[k],
           need > 0 ? (double)need / bs : 0.0, (double)window / as, reads_each, writes_each, (double)window_tx / ts,
           inc_us, con_us);
    printf("RESULT log_size_%d %lld\n", k, (long long)sizes[k]);
    printf("RESULT log_append_per_s_%d %.0f\n", k, (double)window / as);
    printf("RESULT log_reads_each_%d %.2f\n", k, reads_each);
    printf("RESULT log_writes_each_%d %.2f\n", k, writes_each);
    printf("RESULT log_tx_append_per_s_%d %.0f\n", k, (double)window_tx / ts);
    printf("RESULT log_inclusion_us_%d %.1f\n", k, inc_us);
    printf("RESULT log_inclusion_reads_%d %.1f\n", k, inc_reads);
    printf("RESULT log_consistency_us_%d %.1f\n", k, con_us);
    printf("RESULT log_consistency_reads_%d %.1f\n", k, con_reads);
    fflush(stdout);
  }
  printf("build: %lld appends in %.1f s (%.0f /s, 100,000 per commit)\n", (long long)built, build_s,
         (double)built / build_s);
  printf("RESULT log_sizes %d\n", nsizes);
  /* The tree is right: the root from the store equals the root of a
   * frontier fed the same leaf hashes (only the tree appends are
   * recomputed; the entry appends hash their own entries, so compare the
   * prefix built before the first entry append). */
  uint8_t want[32], got[32];
  merkle_frontier *f = malloc(sizeof *f);
  merkle_frontier_init(f);
  merkle_node done[MERKLE_MAX_PROOF];
  int64_t check = sizes[0] + window;
  for (int64_t i = 0; i < check; i++) {
    uint8_t leaf[32];
    leaf_of(i, leaf);
    merkle_frontier_push(f, leaf, done);
  }
  merkle_frontier_root(f, want);
  free(f);
  if (tlog_root(b.st, check, got, &err) != L6_E_OK) die("root", &err);
  if (memcmp(want, got, 32) != 0) {
    fprintf(stderr, "bench_log: the stored tree does not hash to the expected root\n");
    return 1;
  }
  b.st->ops = real_ops;
  b.st->ops->close(b.st);
  if (getenv("L6_BENCH_KEEP")) {
    printf("kept store %s\n", b.path);
    return 0;
  }
  char p[4300];
  static const char *const suffix[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s%s", b.path, suffix[i]);
    unlink(p);
  }
  rmdir(b.dir);
  return 0;
}
