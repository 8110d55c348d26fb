/*
 * import_cli.c -- `ledger6 import`: loads registries' public CSV exports
 * (docs/IMPORT.md) into the store, in-process, with batched commits.
 *
 *   ledger6 import --source verra|gold-standard|acr|car|art-trees|isometric|cercarbono FILE...
 *                  [--dry-run] [--strict] [--json] [--store SPEC] [--config DIR]
 *
 * Each file's layout is told by its header row. Project lists come first,
 * then files of issued units, then files of retirements that need their
 * issued block (Gold Standard's), in the order given otherwise. A refused row is reported as FILE:LINE: code:
 * reason on stderr and the other rows go on (--strict: the first refused
 * row rolls the whole import back). Exit status: 0 every row applied or
 * unchanged, 1 some rows refused (the others kept; nothing kept with
 * --strict or --dry-run), 2 usage, 3 the import failed (nothing kept since
 * the last commit).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/csvread.h"
#include "../core/exports.h"
#include "../service/origin.h"
#include "cli.h"

static const char *usage =
    "usage: ledger6 import --source verra|gold-standard|acr|car|art-trees|isometric|cercarbono FILE...\n"
    "                      [--dry-run] [--strict] [--json]\n"
    "                      [--store SPEC] [--config DIR]\n"
    "Loads a registry's public CSV exports (docs/IMPORT.md): its projects, issued blocks with\n"
    "their origin serials, retirements and cancellations, dated as the export dates them.\n"
    "Importing the same export again changes nothing; a newer export applies what changed\n"
    "(blocks retired since) and reports it. A refused row is printed as FILE:LINE: code:\n"
    "reason and the other rows go on. --dry-run does it all and keeps nothing; --strict keeps\n"
    "nothing when any row is refused; --json prints the summary as JSON.\n";

bool cli_import_has(const char *cmd) { return strcmp(cmd, "import") == 0; }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
  svc_import *im;
  const char *source;
  const char *file;
  export_map map;
  bool have_header;
  bool header_only;       /* the pre-pass: read the header, then stop */
  bool strict;
  long rows, refused, file_rows;
  l6_err fatal;           /* STORE/BUSY/NOMEM: the import stops */
  l6_error fatal_err;
  bool progress;
  double started, last_shown;
  long long bytes, size;  /* of the current file */
} run_ctx;

static void show_progress(run_ctx *c, bool final) {
  double t = now_s();
  if (!c->progress || (!final && t - c->last_shown < 0.25)) return;
  c->last_shown = t;
  double el = t - c->started;
  double rate = el > 0 ? (double)c->rows / el : 0;
  double frac = c->size > 0 ? (double)c->bytes / (double)c->size : 1;
  double eta = frac > 0 && frac < 1 ? el / frac * (1 - frac) : 0;
  fprintf(stderr, "\r%s: %ld rows, %.0f rows/s, ETA %.0f s   %s", c->file, c->rows, rate, eta, final ? "\n" : "");
  fflush(stderr);
}

static int on_record(void *ctx, long line, char **fields, size_t n, const char *problem) {
  run_ctx *c = ctx;
  char msg[256];
  if (!c->have_header) {
    if (problem || !export_map_header(c->source, fields, n, &c->map, msg, sizeof msg)) {
      fprintf(stderr, "%s:%ld: invalid_value: %s\n", c->file, line, problem ? problem : msg);
      c->fatal = L6_E_INVALID_VALUE;
      l6_fail(&c->fatal_err, L6_E_INVALID_VALUE, "%s: not a %s export", c->file, c->source);
      return 1;
    }
    c->have_header = true;
    return c->header_only;
  }
  if (n == 1 && fields[0][0] == '\0') return 0; /* a blank line */
  c->rows++;
  c->file_rows++;
  export_row r;
  l6_error err = {0};
  l6_err e;
  svc_import_outcome out;
  if (problem) e = l6_fail(&err, L6_E_INVALID_VALUE, "%s", problem);
  else if (!export_map_row(&c->map, fields, n, &r, msg, sizeof msg)) e = l6_fail(&err, L6_E_INVALID_VALUE, "%s", msg);
  else e = svc_import_row(c->im, &r, &out, &err);
  if (e == L6_E_STORE || e == L6_E_BUSY || e == L6_E_NOMEM || e == L6_E_INTERNAL) {
    c->fatal = e;
    c->fatal_err = err;
    return 1;
  }
  if (e != L6_E_OK) {
    c->refused++;
    if (c->progress) fputc('\n', stderr);
    fprintf(stderr, "%s:%ld: %s: %s\n", c->file, line, l6_err_code(e), err.message);
    if (c->strict) return 1;
  }
  show_progress(c, false);
  return 0;
}

/* Streams one file through the reader. Returns 0, or 1 when it stopped. */
static int read_file(run_ctx *c, const char *path) {
  FILE *f = fopen(path, "rb"); /* a file, not stdin: the pre-pass reads every header first */
  if (f == NULL) {
    fprintf(stderr, "ledger6: cannot open %s: %s\n", path, strerror(errno));
    c->fatal = L6_E_INVALID_VALUE;
    l6_fail(&c->fatal_err, L6_E_INVALID_VALUE, "cannot open %s", path);
    return 1;
  }
  struct stat sb;
  c->size = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0;
  c->bytes = 0;
  c->file = path;
  c->have_header = false;
  c->file_rows = 0;
  csvread *r = csvread_new(on_record, c);
  if (r == NULL) {
    fclose(f);
    c->fatal = l6_fail(&c->fatal_err, L6_E_NOMEM, NULL);
    return 1;
  }
  static char buf[1 << 16];
  size_t got;
  int rc = 0;
  while (rc == 0 && (got = fread(buf, 1, sizeof buf, f)) > 0) {
    c->bytes += (long long)got;
    rc = csvread_feed(r, buf, got);
  }
  if (rc == 0) rc = csvread_finish(r);
  if (rc < 0) {
    c->refused++;
    fprintf(stderr, "%s:%ld: invalid_value: %s; the rest of the file is not read\n", path, csvread_line(r), csvread_error(r));
  }
  if (rc == 0 && !c->have_header) fprintf(stderr, "%s: empty file\n", path);
  csvread_free(r);
  fclose(f);
  show_progress(c, true);
  return rc != 0 && !(rc < 0 && !c->strict) ? 1 : 0;
}

static void print_summary(const json_t *j, long rows, long refused, size_t nfiles, double secs) {
  printf("import %s: %zu file(s), %ld rows in %.2f s: %lld added, %lld retired or cancelled now, %lld unchanged, %ld refused%s\n",
         json_string_value(json_object_get(j, "origin")), nfiles, rows, secs,
         (long long)json_integer_value(json_object_get(j, "added")),
         (long long)json_integer_value(json_object_get(j, "retired")),
         (long long)json_integer_value(json_object_get(j, "unchanged")), refused,
         json_is_true(json_object_get(j, "committed")) ? "" : " (nothing kept)");
  printf("new projects %lld, rows updated %lld, new batches %lld, records without serials %lld, vintage totals new or"
         " changed %lld, labels set or dropped on recorded batches %lld\n",
         (long long)json_integer_value(json_object_get(j, "projects")),
         (long long)json_integer_value(json_object_get(j, "updated")),
         (long long)json_integer_value(json_object_get(j, "batches")),
         (long long)json_integer_value(json_object_get(j, "noted")),
         (long long)json_integer_value(json_object_get(j, "totals_changed")),
         (long long)json_integer_value(json_object_get(j, "labels_changed")));
  json_t *by = json_object_get(j, "by_vintage");
  if (json_array_size(by))
    printf("%-8s %14s %14s %14s %14s %14s\n", "vintage", "issued", "retired", "unplaced", "of it buffer", "of it retired");
  size_t i;
  json_t *v;
  json_array_foreach(by, i, v)
    printf("%-8lld %14lld %14lld %14lld %14lld %14lld\n", (long long)json_integer_value(json_object_get(v, "vintage")),
           (long long)json_integer_value(json_object_get(v, "issued")),
           (long long)json_integer_value(json_object_get(v, "retired")),
           (long long)json_integer_value(json_object_get(v, "unplaced")),
           (long long)json_integer_value(json_object_get(v, "buffer")),
           (long long)json_integer_value(json_object_get(v, "retired_unplaced")));
}

int cli_import_main(int argc, char **argv) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},   {"store", required_argument, NULL, 'd'},
      {"keys", required_argument, NULL, 'K'}, {"config", required_argument, NULL, 'c'},
      {"source", required_argument, NULL, 's'}, {"dry-run", no_argument, NULL, 'n'},
      {"strict", no_argument, NULL, 'S'},     {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *source = NULL;
  svc_import_opts opts = {0};
  bool json = false;
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': db = optarg; break;
    case 'c': config = optarg; break;
    case 'K': break;
    case 's': source = optarg; break;
    case 'n': opts.dry_run = true; break;
    case 'S': opts.strict = true; break;
    case 'j': json = true; break;
    case 'h': fputs(usage, stdout); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  size_t nfiles = (size_t)(argc - optind);
  if (source == NULL || nfiles == 0) {
    fputs(usage, stderr);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = cli_open(db, config, &err);
  if (s == NULL) {
    fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(err.code), err.message);
    return 3;
  }
  run_ctx c = {.source = source, .strict = opts.strict, .progress = isatty(STDERR_FILENO) != 0};
  /* Pre-pass: every file's layout; retirements files go last. */
  char **order = calloc(nfiles, sizeof *order);
  size_t no = 0;
  int status = order ? 0 : 3;
  for (int pass = 0; pass < 3 && status == 0; pass++)
    for (size_t i = 0; i < nfiles && status == 0; i++) {
      run_ctx h = {.source = source, .header_only = true};
      bool prog = c.progress;
      c.progress = false;
      if (read_file(&h, argv[optind + (int)i]) != 0 && !h.have_header) status = 3;
      c.progress = prog;
      if (status) break;
      if (export_layout_rank(h.map.layout) == pass) order[no++] = argv[optind + (int)i];
    }
  svc_import *im = NULL;
  if (status == 0 && svc_import_begin(s, &cli_admin, source, &opts, &im, &err) != L6_E_OK) {
    fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(err.code), err.message);
    status = 3;
  }
  c.im = im;
  c.started = now_s();
  for (size_t i = 0; status == 0 && i < no; i++)
    if (read_file(&c, order[i]) != 0) break;
  if (im) {
    bool ok = c.fatal == L6_E_OK && !(opts.strict && c.refused > 0);
    json_t *sum = NULL;
    l6_err e = svc_import_end(im, ok, &sum, &err);
    if (c.fatal != L6_E_OK) {
      fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(c.fatal_err.code), c.fatal_err.message);
      status = 3;
    } else if (e != L6_E_OK) {
      fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(err.code), err.message);
      status = 3;
    } else {
      json_object_set_new(sum, "rows", json_integer(c.rows));
      json_object_set_new(sum, "refused", json_integer(c.refused));
      if (json) {
        char *t = json_dumps(sum, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (t) printf("%s\n", t);
        free(t);
      } else {
        print_summary(sum, c.rows, c.refused, nfiles, now_s() - c.started);
      }
      status = c.refused > 0 ? 1 : 0;
    }
    json_decref(sum);
  }
  free(order);
  svc_close(s);
  return status;
}
