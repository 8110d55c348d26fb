/*
 * bench_transfer.c -- in-process transfer throughput through svc_move, on
 * a file SQLite store (WAL, synchronous=FULL) in a fresh temporary folder,
 * or on a fresh database of a PostgreSQL server (--store).
 *
 * Workload: 16 holding accounts, each starting with one issuance batch of
 * 1,000,000 units. Every transfer moves an odd quantity (1-99 units, picked
 * by quantity, so the registry splits blocks) from a random account to
 * another random account; the stream is seeded, so every run does the same
 * work.
 *
 * Runs:
 *   batch 1    each svc_move is its own durable commit (one fsync each);
 *   batch 100  100 svc_move calls inside one outer store transaction (the
 *              service's own transactions nest as savepoints), one durable
 *              commit per 100 transfers. This run also measures flatness:
 *              the rate of its first 2,000 transfers against the rate of
 *              2,000 transfers after 50,000 transfers of history.
 *
 * Output: a human line per run and machine lines "RESULT <key> <value>"
 * that bench/run.sh turns into a table.
 *
 * usage: bench_transfer [--quick] [--store SPEC]
 *   --quick  smaller counts (smoke test; figures are not comparable)
 *   --store  "sqlite" (the default), or postgres://.../postgres: a server
 *            on which each run creates (and afterwards drops) its own
 *            database
 * Environment: TMPDIR chooses where the temporary store goes (default
 * /tmp); it should be on the disk being measured, not a tmpfs.
 * L6_BENCH_KEEP=1 keeps the stores (their paths are printed) for study.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/service.h"
#include "store/store.h"

#define BENCH_ACCOUNTS 16
#define BENCH_UNITS_PER_ACCOUNT 1000000LL
#define BENCH_WINDOW 2000 /* transfers in a flatness window */

static const l6_actor bench_admin = {.role = L6_ROLE_ADMIN, .name = "bench"};

/* xorshift64*: a small seeded generator, so every run moves the same units. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng_next(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const l6_error *err) {
  fprintf(stderr, "bench_transfer: %s: %s: %s\n", what, l6_err_code(err->code), err->message);
  exit(1);
}

/* Drops a reply or dies on an error. The reply is passed by address so
 * that it is read after the call that fills it: the order in which a
 * function's arguments are evaluated is unspecified, and passing the
 * value itself let GCC read it before the call (an uninitialised or
 * already freed pointer went to json_decref, and every reply leaked). */
static void must(const char *what, l6_err e, json_t **out, const l6_error *err) {
  json_decref(*out);
  *out = NULL;
  if (e != L6_E_OK) die(what, err);
}

static const char *pg_base; /* --store postgres://...: make databases there; NULL: SQLite */

typedef struct {
  char dir[4096];                   /* temporary folder, removed at the end (SQLite) */
  char path[4200];                  /* the store file, or the PostgreSQL database's spec */
  char pgdb[64];                    /* the PostgreSQL database made for the run, "" for SQLite */
  l6_svc *svc;
  l6_id accounts[BENCH_ACCOUNTS];
  l6_move_req *req;                 /* reused request (large: ranges, claim) */
} bench;

/* Creates a store in a fresh temporary folder with one Party, registry,
 * programme, unit type, project, organisation, BENCH_ACCOUNTS holding
 * accounts, and one forwarded issuance batch per account. */
static void bench_open(bench *b) {
  l6_error err = {0};
  static int runs;
  memset(b, 0, sizeof *b); /* bench_close reads pgdb: empty on SQLite, not stack garbage */
  if (pg_base) {
    b->dir[0] = '\0';
    snprintf(b->pgdb, sizeof b->pgdb, "l6b_transfer_%ld_%d", (long)getpid(), runs++);
    if (store_pg_create_db(pg_base, b->pgdb, b->path, sizeof b->path, &err) != L6_E_OK) die("create database", &err);
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof b->dir, "%s/ledger6-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(b->dir) == NULL) {
      perror("bench_transfer: mkdtemp");
      exit(1);
    }
    snprintf(b->path, sizeof b->path, "%s/bench.db", b->dir);
  }
  l6_store *st = store_open(b->path, &err);
  if (st == NULL) die("store_open", &err);
  b->svc = svc_open(st, 1, &err);
  if (b->svc == NULL) die("svc_open", &err);

  json_t *out = NULL;
  l6_party party = {.code = "CHE", .name = "Switzerland"};
  must("party", svc_party_create(b->svc, &bench_admin, &party, &out, &err), &out, &err);
  l6_registry reg = {.id = "CHE01", .party = "CHE", .name = "Bench registry"};
  must("registry", svc_registry_create(b->svc, &bench_admin, &reg, &out, &err), &out, &err);
  l6_programme prog = {.code = "BENCH", .name = "Bench programme", .kind = "voluntary"};
  must("programme", svc_programme_create(b->svc, &bench_admin, &prog, &out, &err), &out, &err);
  l6_unit_type ut = {.code = "BU", .programme = "BENCH", .name = "Bench unit"};
  must("unit type", svc_unit_type_create(b->svc, &bench_admin, &ut, &out, &err), &out, &err);
  l6_project proj = {.id = "BENCH.01", .programme = "BENCH", .host = "CHE", .title = "Bench project",
                     .methodology = "none", .sector = "energy", .kind = "avoidance",
                     .crediting_start = "2020-01-01", .crediting_end = "2030-12-31", .status = "registered"};
  must("project", svc_project_create(b->svc, &bench_admin, &proj, &out, &err), &out, &err);
  l6_org org = {.registry = "CHE01", .name = "Bench holders"};
  must("organisation", svc_org_create(b->svc, &bench_admin, &org, &out, &err), &out, &err);
  for (int i = 0; i < BENCH_ACCOUNTS; i++) {
    l6_account a = {.registry = "CHE01", .org = org.id, .type = L6_ACCT_HOLDING};
    snprintf(a.name, sizeof a.name, "bench holding %d", i);
    must("account", svc_account_create(b->svc, &bench_admin, &a, &out, &err), &out, &err);
    b->accounts[i] = a.id;
    l6_issue_req ir = {.registry = "CHE01", .project = "BENCH.01", .unit_type = "BU", .vintage = 2024,
                       .quantity = BENCH_UNITS_PER_ACCOUNT, .forward_to = a.id};
    l6_reply rep = {0};
    must("issue", svc_issue(b->svc, &bench_admin, &ir, &rep, &err), &rep.body, &err);
  }
  b->req = calloc(1, sizeof *b->req);
  if (b->req == NULL) {
    fprintf(stderr, "bench_transfer: out of memory\n");
    exit(1);
  }
}

/* Counts the blocks of every bench account (fragmentation after a run). */
typedef struct {
  long n;
  l6_id last;
} page_count;

static int page_row(void *ctx, const void *row) {
  page_count *p = ctx;
  p->n++;
  p->last = ((const l6_block *)row)->id;
  return 0;
}

/* Counts the accounts' blocks in a read-only transaction of its own (the
 * writer store refuses statements outside a transaction: store.h tx_only). */
static long bench_blocks(bench *b) {
  l6_store *st = svc_store(b->svc);
  l6_error err = {0};
  long total = 0;
  if (st->ops->begin(st, &err) != L6_E_OK) die("begin", &err);
  for (int i = 0; i < BENCH_ACCOUNTS; i++) {
    l6_id after = 0;
    for (;;) {
      page_count p = {0, 0};
      if (st->ops->blocks_of_account(st, b->accounts[i], after, 10000, page_row, &p, &err) != L6_E_OK)
        die("blocks_of_account", &err);
      total += p.n;
      if (p.n < 10000) break;
      after = p.last;
    }
  }
  st->ops->rollback(st);
  return total;
}

static void bench_close(bench *b) {
  l6_error err = {0};
  if (svc_check(b->svc, 0, &err) != L6_E_OK) die("svc_check after the run", &err);
  svc_close(b->svc);
  free(b->req);
  if (getenv("L6_BENCH_KEEP")) {
    printf("kept store %s\n", b->path);
    return;
  }
  if (b->pgdb[0]) {
    if (store_pg_drop_db(pg_base, b->pgdb, &err) != L6_E_OK) die("drop database", &err);
    return;
  }
  char p[4300];
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
    snprintf(p, sizeof p, "%s%s", b->path, suffix[i]);
    unlink(p);
  }
  rmdir(b->dir);
}

/* One transfer of the seeded stream; returns the number of blocks it
 * moved (each a take from one source block). */
static long bench_transfer_one(bench *b) {
  int from = (int)(rng_next() % BENCH_ACCOUNTS);
  int to = (from + 1 + (int)(rng_next() % (BENCH_ACCOUNTS - 1))) % BENCH_ACCOUNTS;
  l6_move_req *m = b->req;
  m->kind = L6_TX_TRANSFER;
  m->from_account = b->accounts[from];
  m->to_account = b->accounts[to];
  snprintf(m->unit_type, sizeof m->unit_type, "BU");
  m->quantity = (l6_qty)(2 * (rng_next() % 50) + 1); /* odd, 1..99: splits blocks */
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_move(b->svc, &bench_admin, m, &rep, &err);
  if (e != L6_E_OK) die("svc_move", &err);
  long moved = (long)json_array_size(json_object_get(rep.body, "blocks"));
  json_decref(rep.body);
  return moved;
}

/* A timed stretch of the stream. */
typedef struct {
  long n;        /* transfers */
  double s;      /* seconds */
  long moved;    /* blocks moved (takes) */
} span;

/* Runs n transfers with `batch` transfers per durable commit. */
static span bench_run(bench *b, long n, int batch) {
  l6_store *st = svc_store(b->svc);
  l6_error err = {0};
  span r = {.n = n};
  double t0 = now_s();
  for (long done = 0; done < n;) {
    long k = n - done < batch ? n - done : batch;
    if (batch > 1 && st->ops->begin(st, &err) != L6_E_OK) die("begin", &err);
    for (long i = 0; i < k; i++) r.moved += bench_transfer_one(b);
    if (batch > 1 && st->ops->commit(st, &err) != L6_E_OK) die("commit", &err);
    done += k;
  }
  r.s = now_s() - t0;
  return r;
}

static span add(span a, span b) { return (span){a.n + b.n, a.s + b.s, a.moved + b.moved}; }
static double rate(span a) { return (double)a.n / a.s; }

static void show(const char *what, span a) {
  printf("  %-44s %7ld transfers %7.2f s %8.0f /s %7.1f us each, %.1f blocks moved each\n", what, a.n, a.s, rate(a),
         a.s / (double)a.n * 1e6, (double)a.moved / (double)a.n);
}

#define SEED 0x9E3779B97F4A7C15ULL

int main(int argc, char **argv) {
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
      const char *spec = argv[++i];
      pg_base = store_spec_is_pg(spec) ? spec : NULL;
      if (pg_base == NULL && strcmp(spec, "sqlite") != 0) {
        fprintf(stderr, "bench_transfer: --store takes \"sqlite\" or a postgres:// URI\n");
        return 2;
      }
    } else {
      fprintf(stderr, "usage: bench_transfer [--quick] [--store sqlite|postgres://...]\n");
      return 2;
    }
  }
  long window = quick ? 500 : BENCH_WINDOW;  /* flatness windows */
  long same = quick ? 2000 : 20000;          /* transfers compared at batch 1 and 100 */
  long history = quick ? 5000 : 50000;       /* history before the late windows */

  /* Run 1, batch 1: the first `same` transfers of the stream, one durable
   * commit each. */
  bench b;
  rng_state = SEED;
  bench_open(&b);
  uint64_t trips0 = svc_store(b.svc)->round_trips; /* PostgreSQL's round trips (store.h); 0 on SQLite */
  span b1_early = bench_run(&b, window, 1);
  span b1_same = add(b1_early, bench_run(&b, same - window, 1));
  double b1_trips = (double)(svc_store(b.svc)->round_trips - trips0) / (double)b1_same.n;
  long blocks_b1 = bench_blocks(&b);
  bench_close(&b);

  /* Run 2, batch 100, on a fresh store: the same first `same` transfers,
   * then on to `history`, then a late window at batch 100 and one at
   * batch 1. */
  rng_state = SEED;
  bench_open(&b);
  trips0 = svc_store(b.svc)->round_trips;
  span early = bench_run(&b, window, 100);
  span b100_same = add(early, bench_run(&b, same - window, 100));
  double b100_trips = (double)(svc_store(b.svc)->round_trips - trips0) / (double)b100_same.n;
  span total = add(b100_same, bench_run(&b, history - same, 100));
  long blocks_hist = bench_blocks(&b);
  span late = bench_run(&b, window, 100);
  span b1_late = bench_run(&b, window, 1);
  total = add(total, add(late, b1_late));
  long blocks_end = bench_blocks(&b);
  bench_close(&b);

  printf("in-process transfers (svc_move), %d accounts, odd quantities 1-99, %s\n", BENCH_ACCOUNTS,
         pg_base ? "PostgreSQL (READ COMMITTED + advisory lock, synchronous_commit as the server says)"
                 : "SQLite WAL synchronous=FULL");
  char what[128];
  snprintf(what, sizeof what, "batch 1, first %ld (%ld blocks after):", same, blocks_b1);
  show(what, b1_same);
  snprintf(what, sizeof what, "batch 100, same first %ld:", same);
  show(what, b100_same);
  snprintf(what, sizeof what, "batch 100, whole run (%ld blocks after):", blocks_end);
  show(what, total);
  snprintf(what, sizeof what, "batch 100, first %ld:", window);
  show(what, early);
  snprintf(what, sizeof what, "batch 100, %ld after %ld (%ld blocks):", window, history, blocks_hist);
  show(what, late);
  snprintf(what, sizeof what, "batch 1, first %ld:", window);
  show(what, b1_early);
  snprintf(what, sizeof what, "batch 1, %ld after %ld:", window, history + window);
  show(what, b1_late);

  printf("round trips per transfer: batch 1 %.1f, batch 100 %.1f\n", b1_trips, b100_trips);
  printf("RESULT b1_count %ld\n", b1_same.n);
  printf("RESULT b1_trips %.1f\n", b1_trips);
  printf("RESULT b100_trips %.1f\n", b100_trips);
  printf("RESULT b1_per_s %.0f\n", rate(b1_same));
  printf("RESULT b100_count %ld\n", b100_same.n);
  printf("RESULT b100_per_s %.0f\n", rate(b100_same));
  printf("RESULT b100_over_b1 %.2f\n", rate(b100_same) / rate(b1_same));
  printf("RESULT window %ld\n", window);
  printf("RESULT history %ld\n", history);
  printf("RESULT blocks_at_history %ld\n", blocks_hist);
  printf("RESULT b100_early_per_s %.0f\n", rate(early));
  printf("RESULT b100_late_per_s %.0f\n", rate(late));
  printf("RESULT b100_late_over_early %.2f\n", rate(late) / rate(early));
  printf("RESULT b1_early_per_s %.0f\n", rate(b1_early));
  printf("RESULT b1_late_per_s %.0f\n", rate(b1_late));
  printf("RESULT b1_late_over_early %.2f\n", rate(b1_late) / rate(b1_early));
  printf("RESULT moved_early %.1f\n", (double)early.moved / (double)early.n);
  printf("RESULT moved_late %.1f\n", (double)late.moved / (double)late.n);
  return 0;
}
