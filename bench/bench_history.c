/*
 * bench_history.c -- is a serial lookup O(log n) in the batch's history?
 * (issue 16, target 3). One batch of 10^7 serials gets 10^6 history lines
 * (one transaction each), overlapping as a registry's do: a line's length
 * class k (2^k to 2^(k+1) - 1 serials) has probability 2^-(k+1) up to
 * 2^20, its start is uniform, and the issuance line covers the whole
 * batch; on average a serial lies in about 3 lines. Then it times the
 * store's serial_history (what GET /v1/serials/... runs) for random serials
 * and prints p50, p99 and the maximum, and checks the lines of a sample of
 * them against a brute-force scan of the lines it wrote (a lookup that
 * loses or invents a line fails the run, exit status 1).
 *
 * usage: bench_history [--quick] [--lines N] [--lookups N] [--store SPEC]
 *   --quick      10^5 lines, 2,000 lookups
 *   --lines N    history lines (default 1,000,000)
 *   --lookups N  timed lookups (default 10,000)
 *   --store SPEC an empty store to fill (a PostgreSQL URI, e.g. the
 *                L6_STORE of tests/pg.sh); default a file SQLite store in a
 *                fresh folder under TMPDIR, removed afterwards
 * Output: a line of figures and "RESULT <key> <value>" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const l6_error *err) {
  fprintf(stderr, "bench_history: %s: %s: %s\n", what, l6_err_code(err->code), err->message);
  exit(1);
}
#define OK(call, what)                         \
  do {                                         \
    if ((call) != L6_E_OK) die((what), &err);  \
  } while (0)

static uint64_t rng_next(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

typedef struct {
  long n;
  int64_t sum; /* sum of the lines' firsts: a cheap fingerprint */
} got;

static int take(void *ctx, const void *row) {
  got *g = ctx;
  g->n++;
  g->sum += ((const l6_tx_line *)row)->first;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long lines = 1000000, lookups = 10000;
  const char *spec = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      lines = 100000;
      lookups = 2000;
    } else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc) {
      lines = atol(argv[++i]);
    } else if (strcmp(argv[i], "--lookups") == 0 && i + 1 < argc) {
      lookups = atol(argv[++i]);
    } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
      spec = argv[++i];
    } else {
      fprintf(stderr, "usage: bench_history [--quick] [--lines N] [--lookups N] [--store SPEC]\n");
      return 2;
    }
  }
  if (lines < 1 || lookups < 1) return 2;
  const int64_t Q = 10000000; /* serials in the batch */
  char dir[4096] = "", path[4200];
  if (spec == NULL || strcmp(spec, "sqlite") == 0) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ledger6-bench-history-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
      perror("bench_history: mkdtemp");
      return 1;
    }
    snprintf(path, sizeof path, "%s/store.db", dir);
    spec = path;
  }
  l6_error err = {0};
  l6_store *st = store_open(spec, &err);
  if (st == NULL) die("store_open", &err);

  /* The registry: one account, one project, one batch. */
  double t0 = now_s();
  OK(st->ops->begin(st, &err), "begin");
  l6_party pa = {.code = "CHN", .name = "China"};
  OK(st->ops->party_put(st, &pa, &err), "party");
  l6_registry r = {.id = "CHN01", .party = "CHN", .name = "r"};
  OK(st->ops->registry_put(st, &r, &err), "registry");
  l6_account a = {.registry = "CHN01", .type = L6_ACCT_HOLDING, .status = L6_STATUS_OPEN, .name = "a"};
  OK(st->ops->account_put(st, &a, &err), "account");
  l6_programme pr = {.code = "CCER", .name = "CCER", .kind = "voluntary"};
  OK(st->ops->programme_put(st, &pr, &err), "programme");
  l6_unit_type u = {.code = "CCER", .programme = "CCER", .name = "CCER"};
  OK(st->ops->unit_type_put(st, &u, &err), "unit type");
  l6_project p = {.id = "P1", .programme = "CCER", .host = "CHN", .title = "t", .methodology = "m", .sector = "s",
                  .kind = "avoidance", .crediting_start = "2014-01-01", .crediting_end = "2030-12-31",
                  .status = "registered"};
  OK(st->ops->project_put(st, &p, &err), "project");
  l6_tx t = {.kind = L6_TX_ISSUANCE, .ts = "2024-01-01T00:00:00.000Z", .actor = "bench", .to_account = a.id,
             .quantity = Q};
  OK(st->ops->tx_put(st, &t, &err), "issuance");
  l6_batch b = {.project = "P1", .unit_type = "CCER", .registry = "CHN01", .vintage = 2015, .serial_start = 1,
                .quantity = Q, .tx = t.id};
  OK(st->ops->batch_put(st, &b, &err), "batch");
  int64_t *first = malloc((size_t)lines * sizeof *first), *last = malloc((size_t)lines * sizeof *last);
  if (!first || !last) return 1;
  first[0] = 1;
  last[0] = Q;
  l6_tx_line l = {.tx = t.id, .batch = b.id, .first = 1, .last = Q, .to_account = a.id};
  OK(st->ops->tx_line_put(st, &l, &err), "issuance line");
  uint64_t rng = 0x2545f4914f6cdd1du;
  for (long i = 1; i < lines; i++) {
    uint64_t x = rng_next(&rng);
    int cls = __builtin_ctzll(x | (1ull << 20)); /* P(k) = 2^-(k+1), k <= 20 */
    int64_t len = ((int64_t)1 << cls) + (int64_t)(rng_next(&rng) % (1ull << cls));
    first[i] = 1 + (int64_t)(rng_next(&rng) % (uint64_t)(Q - len + 1));
    last[i] = first[i] + len - 1;
    l6_tx tx = {.kind = L6_TX_TRANSFER, .ts = "2024-01-02T00:00:00.000Z", .actor = "bench", .from_account = a.id,
                .to_account = a.id, .quantity = len};
    OK(st->ops->tx_put(st, &tx, &err), "transfer");
    l = (l6_tx_line){.tx = tx.id, .batch = b.id, .first = first[i], .last = last[i], .from_account = a.id,
                     .to_account = a.id};
    OK(st->ops->tx_line_put(st, &l, &err), "line");
    if (i % 100000 == 0) {
      OK(st->ops->commit(st, &err), "commit");
      OK(st->ops->begin(st, &err), "begin");
    }
  }
  OK(st->ops->commit(st, &err), "commit");
  double fill = now_s() - t0;

  /* Lookups of random serials; every 10th is checked by brute force. */
  double *lat = malloc((size_t)lookups * sizeof *lat), *cpu = malloc((size_t)lookups * sizeof *cpu);
  if (!lat || !cpu) return 1;
  long returned = 0, checked = 0, bad = 0;
  t0 = now_s();
  for (long i = 0; i < lookups; i++) {
    int64_t s = 1 + (int64_t)(rng_next(&rng) % (uint64_t)Q);
    got g = {0};
    double a0 = now_s(), c0 = cpu_s();
    OK(st->ops->serial_history(st, b.id, s, take, &g, &err), "serial_history");
    lat[i] = now_s() - a0;
    cpu[i] = cpu_s() - c0;
    returned += g.n;
    if (i % 10 == 0) {
      got w = {0};
      for (long j = 0; j < lines; j++)
        if (first[j] <= s && s <= last[j]) {
          w.n++;
          w.sum += first[j];
        }
      checked++;
      if (w.n != g.n || w.sum != g.sum) {
        bad++;
        fprintf(stderr, "bench_history: serial %lld: %ld lines, want %ld\n", (long long)s, g.n, w.n);
      }
    }
  }
  double total = now_s() - t0;
  (void)total;
  qsort(lat, (size_t)lookups, sizeof *lat, cmp_double);
  qsort(cpu, (size_t)lookups, sizeof *cpu, cmp_double);
  double c50 = cpu[lookups / 2] * 1e3, c99 = cpu[(long)(lookups * 0.99)] * 1e3;
  double p50 = lat[lookups / 2] * 1e3, p99 = lat[(long)(lookups * 0.99)] * 1e3, mx = lat[lookups - 1] * 1e3;
  printf("serial history, one batch of %lld serials with %ld history lines (filled in %.1f s):\n", (long long)Q,
         lines, fill);
  printf("  %ld lookups of random serials: p50 %.3f ms, p99 %.3f ms, max %.3f ms (CPU time alone: p50 %.3f ms,"
         " p99 %.3f ms); %.2f lines per lookup; %ld checked by brute force, %ld wrong\n",
         lookups, p50, p99, mx, c50, c99, (double)returned / (double)lookups, checked, bad);
  printf("RESULT history_lines %ld\nRESULT history_p50_ms %.4f\nRESULT history_p99_ms %.4f\n"
         "RESULT history_max_ms %.4f\nRESULT history_cpu_p99_ms %.4f\nRESULT history_wrong %ld\n",
         lines, p50, p99, mx, c99, bad);
  st->ops->close(st);
  if (dir[0] && !getenv("L6_BENCH_KEEP")) {
    char rm[4400];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0) fprintf(stderr, "bench_history: could not remove %s\n", dir);
  } else if (dir[0]) {
    printf("store kept: %s\n", path);
  }
  free(first);
  free(last);
  free(lat);
  free(cpu);
  return bad ? 1 : 0;
}
