/*
 * bench_import.c -- rows imported per second by `ledger6 import`'s path
 * (core/csvread.h -> core/exports.h -> svc_import_row), and whether memory
 * stays flat as the file grows, on a file SQLite store (WAL,
 * synchronous=FULL) in a fresh temporary folder.
 *
 * For each size (10^3, 10^4 and 10^5 rows; --quick: 10^3 and 10^4) a
 * child process writes a made-up Verra transactions export of that many
 * rows (100 projects, five vintage periods each, blocks of 1 to 5,000
 * units, every other block retired with a beneficiary, every fifth with
 * none), imports it once (timed: every row a new block, half of them
 * retired through the policy step, each an issuance and maybe a
 * retirement in the transparency log), then again (timed: every row
 * unchanged), and reports rows/s of both and its peak resident memory
 * (getrusage). The import commits every L6_IMPORT_COMMIT_ROWS rows, as
 * the CLI does. Output: a table and "RESULT <key> <value>" lines.
 *
 * usage: bench_import [--quick] [--rows N] [--store SPEC]
 * (--rows N: one size, in this process: for callgrind.)
 * (--store is accepted for bench/run.sh and ignored: the store is always
 * a fresh SQLite file.) Environment: TMPDIR chooses where the store goes;
 * L6_SRCDIR the repository (for config/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/csvread.h"
#include "core/exports.h"
#include "service/origin.h"
#include "service/service.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process: the machine is shared,
 * so wall time says more about the neighbours than about the import. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "bench_import: %s\n", what);
  exit(1);
}

/* Writes the made-up export of n rows. */
static void write_export(const char *path, long n) {
  FILE *f = fopen(path, "w");
  if (!f) die("cannot write the export");
  fputs("Issuance Date,Sustainable Development Goals,Vintage Start,Vintage End,ID,Name,Country/Area,Project Type,"
        "Methodology,Total Vintage Quantity,Quantity Issued,Serial Number,Additional Certifications,"
        "Retirement/Cancellation Date,Retirement Beneficiary,Retirement Reason,Retirement Details\n",
        f);
  static const char *const countries[] = {"Kenya", "Viet Nam", "Brazil", "India", "Peru"};
  long long serial = 100000001;
  uint64_t rng = 42;
  for (long i = 0; i < n; i++) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    int project = 5000 + (int)(i % 100), year = 2012 + (int)((i / 100) % 5);
    long long q = 1 + (long long)((rng >> 33) % 5000);
    char ser[160];
    snprintf(ser, sizeof ser, "%ld-%lld-%lld-VCS-VCU-1-VER-KE-3-%d-0101%d-3112%d-0", 20000 + i / 10, serial, serial + q - 1,
             project, year, year);
    serial += q;
    bool retired = i % 2 == 1;
    fprintf(f, "%d-06-01,,%d-01-01,%d-12-31,%d,Bench Project %d,%s,Energy demand,VMR0006,\"9,999,999,999\",%lld,%s,,%s,%s,%s,%s\n",
            year + 1, year, year, project, project, countries[project % 5], q, ser, retired ? "2024-03-04" : "",
            retired && i % 5 ? "Example Buyer Ltd" : "", retired ? "Environmental Benefit" : "",
            retired ? "\"Retired on behalf of Example Buyer Ltd, for its 2023 emissions\"" : "");
  }
  fclose(f);
}

typedef struct {
  svc_import *im;
  export_map map;
  bool header;
  long rows, refused;
} ctx;

static int on_rec(void *p, long line, char **fields, size_t n, const char *problem) {
  ctx *c = p;
  char msg[256];
  if (!c->header) {
    if (!export_map_header("verra", fields, n, &c->map, msg, sizeof msg)) die(msg);
    c->header = true;
    return 0;
  }
  export_row r;
  l6_error err;
  svc_import_outcome out;
  c->rows++;
  if (problem || !export_map_row(&c->map, fields, n, &r, msg, sizeof msg) || svc_import_row(c->im, &r, &out, &err) != L6_E_OK) {
    if (c->refused++ < 3) fprintf(stderr, "line %ld refused: %s\n", line, problem ? problem : msg[0] ? msg : err.message);
  }
  return 0;
}

/* One import of path; returns the wall seconds it took, *cpu its CPU seconds. */
static double import_once(l6_svc *s, const char *path, long *rows, double *cpu) {
  l6_actor admin = {.role = L6_ROLE_ADMIN, .name = "bench"};
  svc_import_opts o = {0};
  l6_error err;
  ctx c = {0};
  double t0 = now_s(), c0 = cpu_s();
  if (svc_import_begin(s, &admin, "verra", &o, &c.im, &err) != L6_E_OK) die(err.message);
  csvread *r = csvread_new(on_rec, &c);
  FILE *f = fopen(path, "rb");
  static char buf[1 << 16];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0)
    if (csvread_feed(r, buf, got) != 0) die("csv");
  if (csvread_finish(r) != 0) die("csv");
  fclose(f);
  csvread_free(r);
  json_t *sum = NULL;
  if (svc_import_end(c.im, true, &sum, &err) != L6_E_OK) die(err.message);
  json_decref(sum);
  if (c.refused) die("rows were refused");
  *rows = c.rows;
  *cpu = cpu_s() - c0;
  return now_s() - t0;
}

static void run_size(long n) {
  char dir[512], path[600], db[600], cfg[600];
  snprintf(dir, sizeof dir, "%s/ledger6-bench-import-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) die("mkdtemp");
  snprintf(path, sizeof path, "%s/transactions.csv", dir);
  snprintf(db, sizeof db, "%s/l.db", dir);
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  write_export(path, n);
  l6_error err;
  l6_store *st = store_open(db, &err);
  if (!st) die(err.message);
  l6_svc *s = svc_open(st, 1, &err);
  if (!s || svc_load_config(s, cfg, &err) != L6_E_OK) die(err.message);
  long rows = 0;
  double c1, c2;
  double first = import_once(s, path, &rows, &c1);
  double again = import_once(s, path, &rows, &c2);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("| %9ld | %10.0f | %10.0f | %10.0f | %10.0f | %10.1f |\n", n, (double)rows / first, (double)rows / c1,
         (double)rows / again, (double)rows / c2, (double)ru.ru_maxrss / 1024.0);
  printf("RESULT import_%ld_rows_per_s %.0f\nRESULT import_%ld_rows_per_cpu_s %.0f\nRESULT import_%ld_again_rows_per_s %.0f\n"
         "RESULT import_%ld_again_rows_per_cpu_s %.0f\nRESULT import_%ld_maxrss_mib %.1f\n",
         n, (double)rows / first, n, (double)rows / c1, n, (double)rows / again, n, (double)rows / c2, n,
         (double)ru.ru_maxrss / 1024.0);
  fflush(stdout);
  svc_close(s);
  char cmd[700];
  if (!getenv("L6_BENCH_KEEP")) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_import: could not remove %s\n", dir);
  }
}

int main(int argc, char **argv) {
  bool quick = false;
  long only = 0; /* --rows N: that size alone, in this process (for callgrind) */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = true;
    if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) only = atol(argv[++i]);
  }
  if (only > 0) {
    run_size(only);
    return 0;
  }
  static const long sizes[] = {1000, 10000, 100000}, quick_sizes[] = {1000, 10000};
  const long *sz = quick ? quick_sizes : sizes;
  size_t nsz = quick ? 2 : 3;
  printf("import of a made-up Verra export (half the rows retired), SQLite file store, commits every %d rows\n",
         L6_IMPORT_COMMIT_ROWS);
  printf("| %9s | %10s | %10s | %10s | %10s | %10s |\n", "rows", "rows/s", "rows/CPU-s", "again /s", "again /CPU-s",
         "maxrss MiB");
  fflush(stdout);
  int status = 0;
  for (size_t i = 0; i < nsz; i++) {
    pid_t pid = fork(); /* a fresh process per size: its peak memory is its own */
    if (pid == 0) {
      run_size(sz[i]);
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) status = 1;
  }
  return status;
}
