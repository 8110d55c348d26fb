/*
 * test_import.c -- registries outside the Parties (issue 17): the pure
 * parts (vintage rule, export figures, origin serial patterns, the CSV
 * reader), then `ledger6 import` end to end on made-up fixtures in the
 * exports' exact layouts (tests/data/import/), checked against the store
 * through the service, and the origin serial lookup over HTTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <regex.h>
#include <sodium.h>

#include "core/csvread.h"
#include "core/exports.h"
#include "core/origin.h"
#include "core/serialmatch.h"
#include "service/a6.h"
#include "service/certificate.h"
#include "service/crit.h"
#include "service/origin.h"
#include "service/service.h"
#include "testlib.h"
#include "testlib_http.h"
#include "testlib_svc.h"

/* ---- pure parts ---------------------------------------------------------- */

static void test_vintage_rule(void **state) {
  assert_int_equal(origin_vintage_year("2020-01-01", "2020-12-31"), 2020);
  assert_int_equal(origin_vintage_year("2022-01-01", "2022-10-31"), 2022);
  /* The issue's example: two years and a day short; 2010 holds all 365 days. */
  assert_int_equal(origin_vintage_year("2009-03-13", "2011-03-12"), 2010);
  /* Most days: 2023-09-20..2025-01-31 has 103 days in 2023, 366 in 2024. */
  assert_int_equal(origin_vintage_year("2023-09-20", "2025-01-31"), 2024);
  /* A tie (183 days each side, 2020 a leap year) goes to the later year. */
  assert_int_equal(origin_vintage_year("2019-07-02", "2020-07-01"), 2020);
  assert_int_equal(origin_vintage_year("2019-07-01", "2020-06-30"), 2019); /* 184 against 182 */
  assert_int_equal(origin_vintage_year("2021-01-02", "2021-01-01"), 0);     /* reversed */
  assert_int_equal(origin_vintage_year("2021-02-30", "2021-03-01"), 0);     /* no such day */
}

static void test_export_figures(void **state) {
  int64_t q;
  assert_true(origin_parse_qty("1,454,054", &q));
  assert_int_equal(q, 1454054);
  assert_true(origin_parse_qty("425", &q));
  assert_int_equal(q, 425);
  static const char *const bad[] = {"", "0", "-1", "1,45", ",100", "1000,000", "1,000,", "12a", "0100", "1.5",
                                    "10000000000000"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(origin_parse_qty(bad[i], &q));
  char d[11];
  assert_true(origin_parse_date("2026-04-13T12:35:58.842275", d));
  assert_string_equal(d, "2026-04-13");
  assert_true(origin_parse_date("13032009", d));
  assert_string_equal(d, "2009-03-13");
  assert_true(origin_parse_date("31/12/2018", d));
  assert_string_equal(d, "2018-12-31");
  assert_false(origin_parse_date("2020-02-30", d));
  assert_false(origin_parse_date("2020-1-01", d));
  assert_false(origin_parse_date("", d));
}

static void test_origin_patterns(void **state) {
  origin_pattern v, g;
  char msg[160];
  assert_true(origin_pattern_compile(&v, "^([0-9]+)-([0-9]+)-([0-9]+)-VCS-VCU-[0-9A-Za-z.-]+-[0-9]{8}-[0-9]{8}-[0-9]$",
                                     0, 2, 3, msg, sizeof msg));
  assert_true(origin_pattern_compile(&g, "^(GS[0-9]+-[0-9]+-[A-Z]{2}-GS[0-9]+-[0-9]+-[0-9]{4}-[0-9]+)-([0-9]+)-([0-9]+)$",
                                     1, 2, 3, msg, sizeof msg));
  origin_serial s;
  assert_true(origin_serial_parse(&v, "9344-82392847-82394847-VCS-VCU-263-VER-BR-14-1115-01012018-31122018-0", &s));
  assert_string_equal(s.prefix, "");
  assert_int_equal(s.first, 82392847);
  assert_int_equal(s.last, 82394847);
  assert_true(origin_serial_parse(&g, "GS1-1-KE-GS11603-16-2025-30256-110-5463", &s));
  assert_string_equal(s.prefix, "GS1-1-KE-GS11603-16-2025-30256");
  assert_int_equal(s.first, 110);
  assert_int_equal(s.last, 5463);
  assert_false(origin_serial_parse(&g, "GS1-1-KE-GS11603-16-2025-30256-5463-110", &s)); /* reversed */
  assert_false(origin_serial_parse(&g, "xGS1-1-KE-GS11603-16-2025-30256-1-2", &s));     /* not the whole text */
  assert_false(origin_serial_parse(&v, "1-99999999999999999999-1-VCS-VCU-1-VER-KE-1-1-01012020-31122020-0", &s));
  /* Configuration mistakes are refused at load. */
  origin_pattern x;
  assert_false(origin_pattern_compile(&x, "^([0-9]+)-([0-9]+)$", 0, 2, 3, msg, sizeof msg)); /* no group 3 */
  assert_false(origin_pattern_compile(&x, "^(([0-9]+)$", 0, 1, 2, msg, sizeof msg));          /* does not compile */
  assert_false(origin_pattern_compile(&x, "^([0-9]+)-([0-9]+)$", 0, 1, 1, msg, sizeof msg));  /* same group */
  origin_pattern_free(&v);
  origin_pattern_free(&g);
}

typedef struct {
  long lines[8];
  char first[8][64];
  size_t nfields[8];
  const char *problem[8];
  int n;
} rec_log;

static int log_rec(void *ctx, long line, char **fields, size_t n, const char *problem) {
  rec_log *l = ctx;
  if (l->n == 8) return 1;
  l->lines[l->n] = line;
  snprintf(l->first[l->n], sizeof l->first[0], "%s", n ? fields[n - 1] : "");
  l->nfields[l->n] = n;
  l->problem[l->n] = problem;
  l->n++;
  return 0;
}

static void test_csv_reader(void **state) {
  /* A BOM, CRLF, a quoted comma, a quoted line break, a last record
   * without a line break; fed one byte at a time. */
  const char *text = "\xEF\xBB\xBF" "a,b\r\n1,\"x, y\"\r\n2,\"two\nlines\"\n3,z";
  rec_log l = {0};
  csvread *r = csvread_new(log_rec, &l);
  assert_non_null(r);
  for (size_t i = 0; text[i]; i++) assert_int_equal(csvread_feed(r, text + i, 1), 0);
  assert_int_equal(csvread_finish(r), 0);
  csvread_free(r);
  assert_int_equal(l.n, 4);
  assert_int_equal(l.lines[0], 1);
  assert_int_equal(l.lines[1], 2);
  assert_string_equal(l.first[1], "x, y");
  assert_int_equal(l.lines[2], 3); /* starts on line 3, ends on line 4 */
  assert_string_equal(l.first[2], "two\nlines");
  assert_int_equal(l.lines[3], 5);
  assert_string_equal(l.first[3], "z");
  /* A quote never closed is a syntax error with its line. */
  rec_log m = {0};
  r = csvread_new(log_rec, &m);
  const char *bad = "a,b\n1,\"open\n";
  assert_int_equal(csvread_feed(r, bad, strlen(bad)), 0);
  assert_int_equal(csvread_finish(r), -1);
  assert_non_null(strstr(csvread_error(r), "never closed"));
  csvread_free(r);
  /* Too many fields: the record comes with its problem. */
  char wide[400] = "";
  for (int i = 0; i < L6_CSV_MAX_FIELDS + 2; i++) strcat(wide, "x,");
  strcat(wide, "\n");
  rec_log w = {0};
  r = csvread_new(log_rec, &w);
  assert_int_equal(csvread_feed(r, wide, strlen(wide)), 0);
  csvread_free(r);
  assert_int_equal(w.n, 1);
  assert_non_null(w.problem[0]);
}

/* ---- ledger6 import, end to end ------------------------------------------ */

static tl_store store;
static char out[32768];

static const char *srcdir(void) { return getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : "."; }

/* Runs `ledger6 import ARGS` on the test's store, stderr folded in. */
static int run_import(const char *fmt, ...) {
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char keys[200] = "";
  if (store.db[0]) snprintf(keys, sizeof keys, "--keys %s/%s.keys", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", store.db);
  snprintf(cmd, sizeof cmd, "cd %s/tests/data/import && %s import %s --store '%s' %s --config %s/config 2>&1", srcdir(),
           bin, args, store.spec, keys, srcdir());
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The --json summary at the end of out (after any refusal lines). */
static json_t *summary(void) {
  const char *brace = strstr(out, "{\n");
  assert_non_null(brace);
  json_error_t je;
  json_t *j = json_loads(brace, 0, &je);
  if (j == NULL) fail_msg("summary is not JSON: %s\n%s", je.text, out);
  return j;
}

static void expect_counts(long added, long retired, long unchanged, long refused) {
  json_t *j = summary();
  if (tl_jint(j, "added") != added || tl_jint(j, "retired") != retired || tl_jint(j, "unchanged") != unchanged ||
      tl_jint(j, "refused") != refused)
    fail_msg("expected added %ld retired %ld unchanged %ld refused %ld, got:\n%s", added, retired, unchanged, refused, out);
  json_decref(j);
}

static int setup(void **state) { return tl_store_make(&store, "import", 0); }

static int teardown(void **state) {
  if (store.db[0]) {
    char keys[200];
    snprintf(keys, sizeof keys, "%s/%s.keys", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", store.db);
    unlink(keys);
  }
  return tl_store_free(&store);
}

static l6_svc *open_svc(void) { return tl_svc_open_config(tl_store_open(&store), 2); }

static int64_t log_size(l6_svc *s) {
  l6_error err;
  int64_t n = -1;
  assert_int_equal(svc_log_size(s, &n, &err), L6_E_OK);
  return n;
}

/* Every row of a fixture, mapped as the importer maps it. */
typedef struct {
  export_map map;
  bool header;
  export_row rows[16];
  int n;
} fixture;

static int fixture_rec(void *ctx, long line, char **fields, size_t n, const char *problem) {
  fixture *f = ctx;
  char msg[256];
  assert_null(problem);
  if (!f->header) {
    assert_true(export_map_header(export_layout_source(EXPORT_VERRA_TRANSACTIONS), fields, n, &f->map, msg, sizeof msg) ||
                export_map_header("gold-standard", fields, n, &f->map, msg, sizeof msg) ||
                export_map_header("isometric", fields, n, &f->map, msg, sizeof msg) ||
                export_map_header("cercarbono", fields, n, &f->map, msg, sizeof msg));
    f->header = true;
    return 0;
  }
  assert_true(f->n < 16);
  if (!export_map_row(&f->map, fields, n, &f->rows[f->n], msg, sizeof msg)) fail_msg("fixture line %ld: %s", line, msg);
  f->n++;
  return 0;
}

static void read_fixture(const char *rel, fixture *f) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/data/import/%s", srcdir(), rel);
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  memset(f, 0, sizeof *f);
  csvread *r = csvread_new(fixture_rec, f);
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, fp)) > 0) assert_int_equal(csvread_feed(r, buf, got), 0);
  assert_int_equal(csvread_finish(r), 0);
  csvread_free(r);
  fclose(fp);
}

typedef struct {
  l6_qty sum;
  int vintage;
  const char *vs;
} batch_sum;

static int sum_batch(void *ctx, const void *row) {
  batch_sum *b = ctx;
  const l6_batch *x = row;
  b->sum += x->quantity;
  b->vintage = x->vintage;
  return 0;
}

/* The public lookup of an origin serial: its block, and whether every
 * unit of it is retired (or cancelled), or none is. */
static json_t *lookup(l6_svc *s, const char *text) {
  l6_error err = {0};
  json_t *o = NULL;
  l6_err e = svc_serial_public(s, text, &o, &err);
  if (e != L6_E_OK) fail_msg("lookup %s: %s: %s", text, l6_err_code(e), err.message);
  return o;
}

static l6_qty held_qty(const json_t *o, int *terminal) {
  l6_qty q = 0;
  size_t i;
  json_t *b;
  *terminal = 0;
  json_array_foreach(json_object_get(o, "held_by"), i, b) {
    q += tl_jint(b, "quantity");
    *terminal += json_is_true(json_object_get(b, "retired"));
  }
  return q;
}

static void test_verra_import(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  expect_counts(5, 0, 0, 0);
  fixture f;
  read_fixture("verra/transactions.csv", &f);
  assert_int_equal(f.n, 5);
  l6_svc *s = open_svc();
  l6_store *st = svc_store(s);
  l6_error err;
  /* Totals per project and vintage equal the file's: the blocks it
   * places, as batches, plus the units it reports issued unplaced. */
  for (int i = 0; i < f.n; i++) {
    const export_row *r = &f.rows[i];
    char project[64];
    snprintf(project, sizeof project, "VCS.%s", r->project_ref);
    l6_qty placed_file = 0;
    for (int k = 0; k < f.n; k++)
      if (strcmp(f.rows[k].project_ref, r->project_ref) == 0 && strcmp(f.rows[k].vintage_start, r->vintage_start) == 0)
        placed_file += f.rows[k].quantity;
    assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
    batch_sum b = {0};
    assert_int_equal(st->ops->batch_list(st, project, 0, 100, sum_batch, &b, &err), L6_E_OK);
    l6_origin_unplaced u;
    assert_int_equal(st->ops->origin_unplaced_get(st, "verra", project, r->vintage_start, r->vintage_end, &u, &err), L6_E_OK);
    st->ops->rollback(st);
    assert_int_equal(b.sum, placed_file);
    assert_int_equal(b.sum + u.unplaced, r->vintage_total);
    assert_int_equal(u.total, r->vintage_total);
    /* The multi-year period's year by the documented rule. */
    assert_int_equal(b.vintage, strcmp(r->project_ref, "9002") == 0 ? 2010 : 2020);
  }
  /* Every origin serial of the file resolves to its block, in the state
   * the file gives it. */
  for (int i = 0; i < f.n; i++) {
    json_t *o = lookup(s, f.rows[i].serial);
    int terminal;
    assert_int_equal(held_qty(o, &terminal), f.rows[i].quantity);
    assert_int_equal(terminal != 0, f.rows[i].status != EXPORT_ACTIVE);
    json_t *org = json_object_get(o, "origin");
    assert_string_equal(tl_jstr(org, "registry"), "verra");
    assert_string_equal(tl_jstr(org, "block"), f.rows[i].serial);
    /* Issuance and retirement dated as the export dates them. */
    json_t *hist = json_object_get(o, "history");
    assert_string_equal(tl_jstr(json_array_get(hist, 0), "effective_date"), f.rows[i].issued_on);
    if (f.rows[i].status != EXPORT_ACTIVE) {
      json_t *last = json_array_get(hist, json_array_size(hist) - 1);
      assert_string_equal(tl_jstr(last, "effective_date"), f.rows[i].retired_on);
      assert_int_equal(json_is_true(json_object_get(last, "beneficiary_not_stated")), f.rows[i].beneficiary_unstated);
    }
    json_decref(o);
  }
  /* A serial inside a block resolves to the units it names, held in
   * the block that holds them (500 units, still active). */
  json_t *o = lookup(s, "100-200000101-200000200-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0");
  int terminal;
  assert_int_equal(held_qty(o, &terminal), 500);
  assert_int_equal(terminal, 0);
  assert_int_equal(tl_jint(json_object_get(o, "origin"), "first"), 200000101);
  assert_int_equal(tl_jint(json_object_get(o, "origin"), "last"), 200000200);
  assert_string_equal(tl_jstr(json_object_get(o, "origin"), "block"),
                      "100-200000001-200000500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0");
  json_decref(o);
  /* One the store never saw: unknown_serial; not an origin's: invalid_serial. */
  json_t *none = NULL;
  assert_int_equal(svc_serial_public(s, "100-900000001-900000002-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0", &none, &err),
                   L6_E_UNKNOWN_SERIAL);
  assert_int_equal(svc_serial_public(s, "no-such-serial", &none, &err), L6_E_INVALID_SERIAL);
  TL_OK(svc_check(s, 0, &err_), "partition of every batch");
  svc_close(s);
}

static void test_second_import_is_noop(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  l6_svc *s = open_svc();
  int64_t before = log_size(s);
  svc_close(s);
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  expect_counts(0, 0, 5, 0);
  s = open_svc();
  assert_int_equal(log_size(s), before); /* not one transaction more */
  svc_close(s);
}

static void test_mirror_newer_export(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  l6_svc *s = open_svc();
  int64_t before = log_size(s);
  svc_close(s);
  /* The newer export: 200 units of the first block retired since, and a
   * new block of vintage 2021. */
  assert_int_equal(run_import("--source verra verra/transactions-newer.csv --json"), 0);
  expect_counts(1, 1, 5, 0);
  s = open_svc();
  assert_int_equal(log_size(s), before + 2); /* the retirement and the new issuance */
  int terminal;
  json_t *o = lookup(s, "100-200000301-200000500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0");
  assert_int_equal(held_qty(o, &terminal), 200);
  assert_int_equal(terminal, 1);
  json_decref(o);
  o = lookup(s, "100-200000001-200000300-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0");
  assert_int_equal(held_qty(o, &terminal), 300);
  assert_int_equal(terminal, 0);
  json_decref(o);
  svc_close(s);
  /* And once more: nothing changes. */
  assert_int_equal(run_import("--source verra verra/transactions-newer.csv --json"), 0);
  expect_counts(0, 0, 7, 0);
  /* The older export now contradicts the store for the retired 200. */
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 1);
  assert_non_null(strstr(out, "verra/transactions.csv:2: export_conflict: "));
}

static void test_overlap_refused(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  l6_svc *s = open_svc();
  int64_t before = log_size(s);
  svc_close(s);
  assert_int_equal(run_import("--source verra verra/overlap.csv --json"), 1);
  assert_non_null(strstr(out, "verra/overlap.csv:2: double_issuance: serials 200000400-200000600"));
  expect_counts(0, 0, 0, 1);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
}

static void test_malformed_rows(void **state) {
  /* Refused rows name file, line and reason; the valid rows are kept. */
  assert_int_equal(run_import("--source verra verra/malformed.csv --json"), 1);
  assert_non_null(strstr(out, "verra/malformed.csv:3: invalid_value: quantity 'abc' is not a positive whole number"));
  assert_non_null(strstr(out, "verra/malformed.csv:4: unknown_party: country 'Atlantis'"));
  assert_non_null(strstr(out, "verra/malformed.csv:5: invalid_value: serial '130-400000701-400000850"));
  assert_non_null(strstr(out, "verra/malformed.csv:6: invalid_value: sustainable development goal 'SDG 18' names no goal 1 to 17"));
  expect_counts(1, 0, 0, 4);
  /* A file of another registry's layout is refused as a whole. */
  assert_int_equal(run_import("--source verra gold-standard/issuances.csv"), 3);
  assert_non_null(strstr(out, "gold-standard/issuances.csv:1: invalid_value: the header is no verra export layout known"));
}

static void test_strict_and_dry_run(void **state) {
  assert_int_equal(run_import("--source verra verra/malformed.csv --strict --json"), 1);
  assert_non_null(strstr(out, "verra/malformed.csv:3: invalid_value"));
  assert_null(strstr(out, "malformed.csv:4:")); /* strict stops at the first */
  l6_svc *s = open_svc();
  assert_int_equal(log_size(s), 0);
  svc_close(s);
  assert_int_equal(run_import("--source verra verra/transactions.csv --dry-run"), 0);
  assert_non_null(strstr(out, "5 added"));
  assert_non_null(strstr(out, "(nothing kept)"));
  s = open_svc();
  assert_int_equal(log_size(s), 0);
  svc_close(s);
}

static void test_gold_standard(void **state) {
  /* Retirements given first: the issuances are applied before them. */
  assert_int_equal(run_import("--source gold-standard gold-standard/retirements.csv gold-standard/issuances.csv --json"), 1);
  assert_non_null(strstr(out, "gold-standard/retirements.csv:5: unknown_serial: no issued block of gold-standard holds"));
  expect_counts(3, 2, 0, 1);
  l6_svc *s = open_svc();
  int terminal;
  json_t *o = lookup(s, "GS1-1-IN-GS9102-2-2024-40002-1001-5000");
  assert_int_equal(held_qty(o, &terminal), 4000);
  assert_int_equal(terminal, 1);
  json_t *hist = json_object_get(o, "history");
  json_t *ret = json_array_get(hist, json_array_size(hist) - 1);
  assert_string_equal(tl_jstr(ret, "kind"), "retirement");
  assert_string_equal(tl_jstr(ret, "effective_date"), "2025-03-01");
  assert_true(json_is_true(json_object_get(ret, "beneficiary_not_stated"))); /* "Not Disclosed" */
  json_decref(o);
  o = lookup(s, "GS1-1-KE-GS9101-16-2023-40001-251-1000");
  assert_int_equal(held_qty(o, &terminal), 750);
  assert_int_equal(terminal, 0);
  json_decref(o);
  svc_close(s);
  assert_int_equal(run_import("--source gold-standard gold-standard/issuances.csv gold-standard/retirements.csv --json"), 1);
  expect_counts(0, 0, 5, 1);
}

/* ---- ACR, CAR, ART TREES ------------------------------------------------- */

/* The vintage total the store records for origin, project and period. */
static void expect_total(l6_svc *s, const char *origin, const char *project, const char *vs, const char *ve, l6_qty total,
                         l6_qty unplaced, l6_qty buffer) {
  l6_store *st = svc_store(s);
  l6_error err;
  l6_origin_unplaced u;
  assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
  l6_err e = st->ops->origin_unplaced_get(st, origin, project, vs, ve, &u, &err);
  st->ops->rollback(st);
  if (e != L6_E_OK) fail_msg("no vintage total of %s %s %s..%s", origin, project, vs, ve);
  if (u.total != total || u.unplaced != unplaced || u.buffer != buffer)
    fail_msg("%s %s..%s: total %lld unplaced %lld buffer %lld, expected %lld, %lld and %lld", project, vs, ve,
             (long long)u.total, (long long)u.unplaced, (long long)u.buffer, (long long)total, (long long)unplaced,
             (long long)buffer);
}

/* The summary's figures of one vintage. */
static void expect_vintage(int vintage, l6_qty issued, l6_qty retired, l6_qty unplaced, l6_qty buffer) {
  json_t *j = summary();
  size_t i;
  json_t *v;
  bool seen = false;
  json_array_foreach(json_object_get(j, "by_vintage"), i, v) {
    if (tl_jint(v, "vintage") != vintage) continue;
    seen = true;
    if (tl_jint(v, "issued") != issued || tl_jint(v, "retired") != retired || tl_jint(v, "unplaced") != unplaced ||
        tl_jint(v, "buffer") != buffer)
      fail_msg("vintage %d: expected issued %lld retired %lld unplaced %lld buffer %lld, got:\n%s", vintage,
               (long long)issued, (long long)retired, (long long)unplaced, (long long)buffer, out);
  }
  if (!seen) fail_msg("no vintage %d in the summary:\n%s", vintage, out);
  json_decref(j);
}

static void expect_noted(long noted, long totals_changed) {
  json_t *j = summary();
  if (tl_jint(j, "noted") != noted || tl_jint(j, "totals_changed") != totals_changed)
    fail_msg("expected noted %ld totals_changed %ld, got:\n%s", noted, totals_changed, out);
  json_decref(j);
}

/* The labels on the batch carrying origin's block that holds first. */
static void expect_labels(l6_svc *s, const char *origin, const char *prefix, int64_t first, bool ccp, bool arb) {
  l6_store *st = svc_store(s);
  l6_error err;
  l6_origin_block ob;
  assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
  assert_int_equal(st->ops->origin_block_at(st, origin, prefix, first, first, &ob, &err), L6_E_OK);
  st->ops->rollback(st);
  json_t *labels = NULL;
  TL_OK(svc_batch_labels(s, ob.batch, &labels, &err_), "labels");
  bool has_ccp = false, has_arb = false;
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(labels, "items"), i, l) {
    has_ccp |= strcmp(tl_jstr(l, "label"), "ccp") == 0;
    has_arb |= strcmp(tl_jstr(l, "label"), "arb") == 0;
  }
  json_decref(labels);
  assert_int_equal(has_ccp, ccp);
  assert_int_equal(has_arb, arb);
}

/* A retired (or cancelled) block's origin serial, or a part of it, finds
 * its block: the quantity held, terminal, the dates of the export. */
static void expect_retired(l6_svc *s, const char *origin, const char *serial, const char *block, l6_qty qty,
                           const char *issued, const char *retired, const char *kind) {
  json_t *o = lookup(s, serial);
  int terminal;
  assert_int_equal(held_qty(o, &terminal), qty);
  assert_true(terminal > 0);
  json_t *org = json_object_get(o, "origin");
  assert_string_equal(tl_jstr(org, "registry"), origin);
  assert_string_equal(tl_jstr(org, "block"), block);
  json_t *hist = json_object_get(o, "history");
  json_t *first = json_array_get(hist, 0), *last = json_array_get(hist, json_array_size(hist) - 1);
  if (issued) assert_string_equal(tl_jstr(first, "effective_date"), issued);
  else assert_null(json_object_get(first, "effective_date")); /* the export does not date the issuance */
  assert_string_equal(tl_jstr(last, "kind"), kind);
  assert_string_equal(tl_jstr(last, "effective_date"), retired);
  json_decref(o);
}

static void expect_host(l6_svc *s, const char *project, const char *host, const char *registry) {
  l6_store *st = svc_store(s);
  l6_error err;
  l6_project p;
  char kind[16];
  assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
  assert_int_equal(st->ops->project_get(st, project, &p, &err), L6_E_OK);
  assert_int_equal(st->ops->registry_kind_get(st, registry, kind, &err), L6_E_OK);
  st->ops->rollback(st);
  assert_string_equal(p.host, host);
  assert_string_equal(kind, "standard");
}

#define ACR_FILES "acr/projects.csv acr/retirements.csv acr/cancellations.csv acr/issuances.csv"

static void test_acr(void **state) {
  /* Projects, issued totals (no serials), retired and cancelled blocks. */
  assert_int_equal(run_import("--source acr " ACR_FILES " --json"), 0);
  expect_counts(6, 0, 0, 0); /* 2 projects, 3 retired blocks, 1 cancelled block */
  expect_noted(4, 3);
  /* Per vintage: issued (the blocks the exports place), retired,
   * unplaced (issuances' totals less the blocks), of it buffer. */
  expect_vintage(2022, 250, 250, 2250, 0);
  expect_vintage(2023, 3000, 3000, 7000, 1000);
  expect_vintage(2024, 1500, 1500, 3500, 400);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  /* Two issuances of the same period add up (4,000 + 1,000); ACR9002's
   * reporting period 2021-12-09..2022-06-03 of vintage 2022 is the part
   * in 2022. */
  expect_total(s, "acr", "ACR.9001", "2023-01-01", "2023-12-31", 10000, 7000, 1000);
  expect_total(s, "acr", "ACR.9001", "2024-01-01", "2024-12-31", 5000, 3500, 400);
  expect_total(s, "acr", "ACR.9002", "2022-01-01", "2022-06-03", 2500, 2250, 0);
  expect_host(s, "ACR.9002", "BRA", "USA92"); /* "BR": an alpha-2 code */
  /* A part of a block finds the block (held as one block of 3,000). */
  expect_retired(s, "acr", "ACR-US-9001-2023-501-1001 to 2000", "ACR-US-9001-2023-501-1 to 3000", 3000, "2024-02-15",
                 "2024-03-01", "retirement");
  expect_retired(s, "acr", "ACR-US-9001-2024-502-601 to 1600", "ACR-US-9001-2024-502-601 to 1600", 1000, "2025-03-01",
                 "2026-01-22", "cancellation");
  expect_labels(s, "acr", "ACR-US-9001-2023-501", 1, true, true);
  expect_labels(s, "acr", "ACR-BR-9002-2022-503", 1, false, false);
  json_t *none = NULL;
  l6_error err;
  assert_int_equal(svc_serial_public(s, "ACR-US-9001-2023-501-3001 to 3002", &none, &err), L6_E_UNKNOWN_SERIAL);
  TL_OK(svc_check(s, 0, &err_), "partition of every batch");
  int64_t before = log_size(s);
  svc_close(s);
  /* Again, files in another order: nothing changes. */
  assert_int_equal(run_import("--source acr acr/issuances.csv acr/cancellations.csv acr/retirements.csv acr/projects.csv --json"), 0);
  expect_counts(0, 0, 6, 0);
  expect_noted(4, 0);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
  /* Malformed rows: file, line, reason; the good row is kept. */
  assert_int_equal(run_import("--source acr acr/retirements-bad.csv --json"), 1);
  assert_non_null(strstr(out, "acr/retirements-bad.csv:2: invalid_value: retirement date '13/45/2024 10:00:00 AM' is not a date"));
  assert_non_null(strstr(out, "acr/retirements-bad.csv:3: invalid_value: serial 'ACR-US-9001-2023-501-3101 to 3200' holds 100 units, the row says 150"));
  expect_counts(1, 0, 0, 2);
  /* Another registry's file is no ACR layout. */
  assert_int_equal(run_import("--source acr car/retirements.csv"), 3);
  assert_non_null(strstr(out, "car/retirements.csv:1: invalid_value: the header is no acr export layout known"));
}

static void test_car(void **state) {
  assert_int_equal(run_import("--source car car/cancellations.csv car/retirements.csv car/issuances.csv car/projects.csv --json"), 0);
  expect_counts(5, 0, 0, 0);
  expect_noted(3, 2);
  /* A vintage is a year; reserve and compliance buffer pool credits. */
  expect_vintage(2022, 3700, 3700, 6300, 1200);
  expect_vintage(2024, 0, 0, 5000, 750);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_total(s, "car", "CAR.9101", "2022-01-01", "2022-12-31", 10000, 6300, 1200);
  expect_total(s, "car", "CAR.9101", "2024-01-01", "2024-12-31", 5000, 5000, 750);
  expect_host(s, "CAR.9102", "USA", "USA93");
  /* CAR's retirements export does not date the issuance. */
  expect_retired(s, "car", "CAR-1-US-9101-21-400-CA-2022-8001-1 to 2500", "CAR-1-US-9101-21-400-CA-2022-8001-1 to 2500",
                 2500, NULL, "2023-05-06", "retirement");
  expect_retired(s, "car", "CAR-ROC-US-9101-21-400-CA-2022-8001-2501 to 3000",
                 "CAR-ROC-US-9101-21-400-CA-2022-8001-2501 to 3000", 500, NULL, "2024-09-09", "cancellation");
  expect_labels(s, "car", "CAR-1-US-9101-21-400-CA-2022-8002", 1, true, false);
  int64_t before = log_size(s);
  svc_close(s);
  assert_int_equal(run_import("--source car car/projects.csv car/issuances.csv car/retirements.csv car/cancellations.csv --json"), 0);
  expect_counts(0, 0, 5, 0);
  expect_noted(3, 0);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
}

/* The transaction that ended serial's block (the last of its history)
 * states purpose: the origin registry's reason, kept as the file gives it. */
static void expect_purpose(l6_svc *s, const char *serial, const char *purpose) {
  json_t *o = lookup(s, serial);
  json_t *hist = json_object_get(o, "history");
  l6_id tx = tl_jint(json_array_get(hist, json_array_size(hist) - 1), "transaction");
  json_decref(o);
  l6_actor admin = tl_actor(L6_ROLE_ADMIN, 0, "test");
  l6_error err = {0};
  json_t *t = NULL;
  tl_ok(svc_tx_get(s, &admin, tx, &t, &err), &err, "transaction");
  const char *got = tl_jstr(t, "purpose");
  if (got == NULL || strcmp(got, purpose) != 0) fail_msg("%s: purpose '%s', expected '%s'", serial, got ? got : "(none)", purpose);
  json_decref(t);
}

static void test_art_trees(void **state) {
  assert_int_equal(run_import("--source art-trees art-trees/projects.csv art-trees/issuances.csv art-trees/retirements.csv "
                              "art-trees/cancellations.csv --json"), 0);
  /* A retirement toward a host country's NDC and a cancellation for CORSIA
   * are claims made in ART's registry: imported as its record of them
   * (purpose kept), not refused as a claim made here would be
   * (article_six_route_required: docs/IMPORT.md, "Article 6 claims made in
   * the origin registry"). */
  assert_null(strstr(out, "article_six_route_required"));
  expect_counts(5, 0, 0, 0);
  expect_noted(1, 1);
  expect_vintage(2021, 21000, 21000, 79000, 10000);
  expect_vintage(2022, 5000, 5000, 0, 0);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_total(s, "art-trees", "ART.9201", "2021-01-01", "2021-12-31", 100000, 79000, 10000);
  expect_host(s, "ART.9201", "GUY", "USA94");  /* "GUYANA" */
  expect_host(s, "ART.9202", "CIV", "USA94");  /* "COTE D'IVOIRE", an alias */
  expect_retired(s, "art-trees", "ART-GY-9201-2021-5-1 to 20000", "ART-GY-9201-2021-5-1 to 20000", 20000, "2023-03-10",
                 "2024-04-01", "retirement");
  expect_retired(s, "art-trees", "FCPF-CI-9202-2022-3-1 to 5000", "FCPF-CI-9202-2022-3-1 to 5000", 5000, NULL, "2025-05-05",
                 "retirement");
  expect_purpose(s, "FCPF-CI-9202-2022-3-1 to 5000", "Contribution Towards Host Country NDC");
  expect_retired(s, "art-trees", "ART-GY-9201-2021-5-20001 to 21000", "ART-GY-9201-2021-5-20001 to 21000", 1000,
                 "2023-03-10", "2025-02-28", "cancellation");
  expect_purpose(s, "ART-GY-9201-2021-5-20001 to 21000", "CORSIA Compliance");
  expect_labels(s, "art-trees", "ART-GY-9201-2021-5", 1, true, false);
  int64_t before = log_size(s);
  svc_close(s);
  assert_int_equal(run_import("--source art-trees art-trees/projects.csv art-trees/issuances.csv art-trees/retirements.csv "
                              "art-trees/cancellations.csv --json"), 0);
  expect_counts(0, 0, 5, 0);
  expect_noted(1, 0);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
}

/* Isometric: no serials at all. Every issuance and retirement is counted
 * for its project and vintage (the year of the issuance, of the
 * sequestration), in kg exact and in whole tonnes; no batch, no serial. */
static void expect_iso_file(l6_svc *s, const char *rel, bool retired) {
  fixture f;
  read_fixture(rel, &f);
  l6_store *st = svc_store(s);
  l6_error err;
  for (int i = 0; i < f.n; i++) {
    const export_row *r = &f.rows[i];
    int64_t kg = 0;
    for (int k = 0; k < f.n; k++)
      if (strcmp(f.rows[k].project_ref, r->project_ref) == 0 && strcmp(f.rows[k].vintage_start, r->vintage_start) == 0)
        kg += f.rows[k].kg;
    char project[64];
    snprintf(project, sizeof project, "ISO.%s", r->project_ref);
    l6_origin_unplaced u;
    assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
    l6_err e = st->ops->origin_unplaced_get(st, "isometric", project, r->vintage_start, r->vintage_end, &u, &err);
    st->ops->rollback(st);
    if (e != L6_E_OK) fail_msg("%s line %d: no figures for %s %s", rel, i + 2, project, r->vintage_start);
    if ((retired ? u.retired_kg : u.total_kg) != kg || (retired ? u.retired : u.total) != kg / 1000)
      fail_msg("%s %s: %s %lld kg (%lld t), the file says %lld kg", project, r->vintage_start, retired ? "retired" : "issued",
               (long long)(retired ? u.retired_kg : u.total_kg), (long long)(retired ? u.retired : u.total), (long long)kg);
    if (!retired) assert_int_equal(u.unplaced, u.total); /* no serials: all of it unplaced */
  }
}

static void test_isometric(void **state) {
  assert_int_equal(run_import("--source isometric isometric/retirements.csv isometric/issuances.csv isometric/projects.csv --json"), 0);
  expect_counts(3, 0, 0, 0);
  expect_noted(8, 3);
  /* 2025: 250.25 + 100.5 credits = 350,750 kg: 350 whole tonnes; buffer
   * 7,015 kg: 7; retired 100.5 credits: 100. */
  expect_vintage(2025, 0, 0, 350, 7);
  json_t *j = summary();
  size_t i;
  json_t *v;
  l6_qty retired_unplaced = 0;
  json_array_foreach(json_object_get(j, "by_vintage"), i, v) retired_unplaced += tl_jint(v, "retired_unplaced");
  assert_int_equal(retired_unplaced, 100 + 10 + 300);
  json_decref(j);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_iso_file(s, "isometric/issuances.csv", false);
  expect_iso_file(s, "isometric/retirements.csv", true);
  expect_total(s, "isometric", "ISO.9TESTAAAA1S0AAAA", "2025-01-01", "2025-12-31", 350, 350, 7);
  expect_host(s, "ISO.9TESTAAAA1S0AAAA", "KEN", "GBR91"); /* country_code "KEN" */
  expect_host(s, "ISO.9TESTCCCC1S0CCCC", "NZL", "GBR91");
  /* No batch, no transaction, no serial: the log holds nothing of it. */
  int64_t before = log_size(s);
  l6_error err;
  batch_sum b = {0};
  assert_int_equal(svc_store(s)->ops->begin(svc_store(s), &err), L6_E_OK);
  assert_int_equal(svc_store(s)->ops->batch_list(svc_store(s), "ISO.9TESTAAAA1S0AAAA", 0, 100, sum_batch, &b, &err), L6_E_OK);
  assert_int_equal(svc_store(s)->ops->batch_list(svc_store(s), "ISO.9TESTBBBB1S0BBBB", 0, 100, sum_batch, &b, &err), L6_E_OK);
  svc_store(s)->ops->rollback(svc_store(s));
  assert_int_equal(b.sum, 0);
  svc_close(s);
  /* Again: nothing changes. The retirements alone: the issued figures stay. */
  assert_int_equal(run_import("--source isometric isometric/projects.csv isometric/issuances.csv isometric/retirements.csv --json"), 0);
  expect_counts(0, 0, 3, 0);
  expect_noted(8, 0);
  assert_int_equal(run_import("--source isometric isometric/retirements.csv --json"), 0);
  expect_noted(4, 0);
  /* Malformed rows: FILE:LINE: code: reason, nothing recorded of them. */
  assert_int_equal(run_import("--source isometric isometric/issuances-bad.csv --json"), 1);
  assert_non_null(strstr(out, "isometric/issuances-bad.csv:2: invalid_value: credits '1.0' and credit_kgs '1001' disagree"));
  assert_non_null(strstr(out, "isometric/issuances-bad.csv:3: invalid_value: credits '1.2345' are not"));
  assert_non_null(strstr(out, "isometric/issuances-bad.csv:4: invalid_value: issued_at"));
  assert_non_null(strstr(out, "isometric/issuances-bad.csv:5: unknown_project: "));
  assert_non_null(strstr(out, "isometric/issuances-bad.csv:6: invalid_value: 2000 kg to the buffer pool"));
  expect_counts(0, 0, 0, 5);
  expect_noted(0, 0);
  s = open_svc();
  svc_store(s)->tx_only = false;
  assert_int_equal(log_size(s), before);
  expect_iso_file(s, "isometric/issuances.csv", false);
  expect_iso_file(s, "isometric/retirements.csv", true);
  svc_close(s);
}

/* Cercarbono: issuances name a serial prefix without a range (counted as
 * issued without known serials), retirements the prefix, vintage, from and
 * to: an origin block each, found by its text. */
static void test_cercarbono(void **state) {
  assert_int_equal(run_import("--source cercarbono cercarbono/retirements.csv cercarbono/issuances.csv cercarbono/projects.csv --json"), 0);
  expect_counts(7, 0, 0, 0); /* 2 projects, 5 retired blocks */
  expect_noted(5, 4);
  expect_vintage(2018, 3000, 3000, 2800, 800);
  expect_vintage(2020, 4000, 4000, 6000, 0);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_host(s, "CDC.9001", "COL", "COL91");
  expect_host(s, "CDC.9002", "PER", "COL91");
  /* Totals per project and vintage equal the files': issued as the
   * issuances say, placed as the retirements say. */
  fixture iss, ret;
  read_fixture("cercarbono/issuances.csv", &iss);
  read_fixture("cercarbono/retirements.csv", &ret);
  for (int i = 0; i < iss.n; i++) {
    const export_row *r = &iss.rows[i];
    l6_qty total = 0, buffer = 0, placed = 0;
    for (int k = 0; k < iss.n; k++)
      if (strcmp(iss.rows[k].project_ref, r->project_ref) == 0 && strcmp(iss.rows[k].vintage_start, r->vintage_start) == 0)
        total += iss.rows[k].quantity, buffer += iss.rows[k].buffer;
    for (int k = 0; k < ret.n; k++)
      if (strcmp(ret.rows[k].project_ref, r->project_ref) == 0 && strcmp(ret.rows[k].vintage_start, r->vintage_start) == 0)
        placed += ret.rows[k].quantity;
    char project[64];
    snprintf(project, sizeof project, "CDC.%s", r->project_ref);
    expect_total(s, "cercarbono", project, r->vintage_start, r->vintage_end, total, total - placed, buffer);
  }
  /* Every retired range of the file resolves to its block, retired, dated. */
  for (int k = 0; k < ret.n; k++) {
    const export_row *r = &ret.rows[k];
    expect_retired(s, "cercarbono", r->serial, r->serial, r->quantity, NULL, r->retired_on, "retirement");
  }
  /* A part of a block, by its text. */
  json_t *o = lookup(s, "CDC_9002_3_1_323_14_CO_1_2_2020-2020-2600-2700");
  assert_string_equal(tl_jstr(json_object_get(o, "origin"), "block"), "CDC_9002_3_1_323_14_CO_1_2_2020-2020-2501-4000");
  json_decref(o);
  int64_t before = log_size(s);
  svc_close(s);
  /* Again: nothing changes. */
  assert_int_equal(run_import("--source cercarbono cercarbono/projects.csv cercarbono/issuances.csv cercarbono/retirements.csv --json"), 0);
  expect_counts(0, 0, 7, 0);
  expect_noted(5, 0);
  /* Malformed and contradicting rows: FILE:LINE: code: reason. */
  assert_int_equal(run_import("--source cercarbono cercarbono/retirements-bad.csv --json"), 1);
  assert_non_null(strstr(out, "cercarbono/retirements-bad.csv:2: double_issuance: serials 2000-2600 of "));
  assert_non_null(strstr(out, "cercarbono/retirements-bad.csv:3: invalid_value: project_id '9001' is not the project of serial"));
  assert_non_null(strstr(out, "cercarbono/retirements-bad.csv:4: invalid_value: serial 'CDC_9002_3_1_323_14_CO_1_2_2020-2020-5001-5010' holds 10 units, the row says 11"));
  assert_non_null(strstr(out, "cercarbono/retirements-bad.csv:5: invalid_serial: "));
  assert_non_null(strstr(out, "cercarbono/retirements-bad.csv:6: invalid_value: retirement date"));
  expect_counts(0, 0, 0, 5);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
}

/* Project lists of Verra and Gold Standard: host, status, methodology,
 * crediting period, registration date; mirror mode; refused rows. */
/* Cercarbono's vintage_of_credits (docs/IMPORT.md "Cercarbono's vintage
 * periods"): the vintage period is the part of Cercarbono's year the
 * period covers, its year by the rule of Verra's periods (which gives
 * back Cercarbono's year); a retirement, naming the prefix and year only,
 * takes its issuance's period; malformed periods and retirements of a
 * prefix no issuance recorded are refused, FILE:LINE. */
static void test_cercarbono_periods(void **state) {
  /* Retirements named first: they run after the issuances. */
  assert_int_equal(run_import("--source cercarbono cercarbono/retirements-periods.csv cercarbono/issuances-periods.csv"
                              " cercarbono/projects.csv --json"),
                   1);
  expect_counts(4, 0, 0, 4); /* 2 projects, 2 retired blocks */
  assert_non_null(strstr(out, "cercarbono/issuances-periods.csv:4: invalid_value: vintage 2020 is outside the monitoring period ending 2019-06-30"));
  assert_non_null(strstr(out, "cercarbono/issuances-periods.csv:5: invalid_value: vintage_of_credits '2019-12-31 / 2019-01-01' is not a period"));
  assert_non_null(strstr(out, "cercarbono/issuances-periods.csv:6: invalid_value: vintage_of_credits '2017-01-01' is not a period"));
  assert_non_null(strstr(out, "cercarbono/retirements-periods.csv:4: unknown_serial: no issuance of cercarbono gave serial"
                              " CDC_9001_5_9_999_14_1 a vintage period for 2019"));
  /* 2010-01-01 / 2018-09-30, Cercarbono's year 2015: the whole period's
   * rule would give 2016; the vintage is 2015, its period that year. */
  assert_int_equal(origin_vintage_year("2010-01-01", "2018-09-30"), 2016);
  expect_vintage(2015, 1500, 1500, 2500, 0);
  expect_vintage(2018, 400, 400, 600, 0);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_total(s, "cercarbono", "CDC.9001", "2015-01-01", "2015-12-31", 4000, 2500, 0);
  expect_total(s, "cercarbono", "CDC.9001", "2018-11-16", "2018-12-31", 1000, 600, 0);
  json_t *o = lookup(s, "CDC_9001_5_1_321_14_R1_XX_CO_1_2_2018-2018-101-200");
  json_t *og = json_object_get(o, "origin");
  assert_string_equal(tl_jstr(og, "block"), "CDC_9001_5_1_321_14_R1_XX_CO_1_2_2018-2018-1-400");
  assert_string_equal(tl_jstr(og, "vintage_start"), "2018-11-16");
  assert_string_equal(tl_jstr(og, "vintage_end"), "2018-12-31");
  json_decref(o);
  o = lookup(s, "CDC_9001_5_1_321_14_1-2015-1-1500");
  og = json_object_get(o, "origin");
  assert_string_equal(tl_jstr(og, "vintage_start"), "2015-01-01");
  assert_string_equal(tl_jstr(og, "vintage_end"), "2015-12-31");
  json_decref(o);
  /* The origin's whole period is kept beside it. */
  l6_store *st = svc_store(s);
  l6_origin_period p;
  l6_error perr = {0};
  assert_int_equal(st->ops->begin(st, &perr), L6_E_OK);
  assert_int_equal(st->ops->origin_period_get(st, "cercarbono", "CDC_9001_5_1_321_14_1", 2015, &p, &perr), L6_E_OK);
  st->ops->rollback(st);
  assert_string_equal(p.vintage_start, "2010-01-01");
  assert_string_equal(p.vintage_end, "2018-09-30");
  int64_t before = log_size(s);
  svc_close(s);
  /* Again, and the retirements alone: nothing changes. */
  assert_int_equal(run_import("--source cercarbono cercarbono/projects.csv cercarbono/issuances-periods.csv"
                              " cercarbono/retirements-periods.csv --json"),
                   1);
  expect_counts(0, 0, 4, 4);
  assert_int_equal(run_import("--source cercarbono cercarbono/retirements-periods.csv --json"), 1);
  expect_counts(0, 0, 2, 1);
  s = open_svc();
  assert_int_equal(log_size(s), before);
  svc_close(s);
}

static void expect_project_facts(l6_svc *s, const char *origin, const char *prefix, const char *rel) {
  fixture f;
  read_fixture(rel, &f);
  l6_store *st = svc_store(s);
  l6_error err;
  for (int i = 0; i < f.n; i++) {
    const export_row *r = &f.rows[i];
    char id[64];
    snprintf(id, sizeof id, "%s.%s", prefix, r->project_ref);
    l6_project p;
    l6_origin_project op;
    assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
    assert_int_equal(st->ops->project_get(st, id, &p, &err), L6_E_OK);
    assert_int_equal(st->ops->origin_project_get(st, origin, id, &op, &err), L6_E_OK);
    st->ops->rollback(st);
    assert_string_equal(p.status, origin_project_status(r->origin_status));
    assert_string_equal(p.crediting_start, r->crediting_start);
    assert_string_equal(p.crediting_end, r->crediting_end);
    if (r->methodology[0]) assert_string_equal(p.methodology, r->methodology);
    assert_string_equal(op.status, r->origin_status);
    assert_string_equal(op.registered, r->registered);
  }
}

static long summary_int(const char *key) {
  json_t *j = summary();
  long v = (long)tl_jint(j, key);
  json_decref(j);
  return v;
}

static void test_project_lists(void **state) {
  assert_string_equal(origin_project_status("Registered"), "registered");
  assert_string_equal(origin_project_status("GOLD_STANDARD_CERTIFIED_PROJECT"), "registered");
  assert_string_equal(origin_project_status("on hold"), "suspended");
  assert_string_equal(origin_project_status("Under validation"), "listed");
  assert_string_equal(origin_project_status("Something New"), "listed");
  /* The transactions first: their projects have no crediting period. */
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  assert_int_equal(run_import("--source verra verra/projects.csv --json"), 0);
  expect_counts(2, 0, 0, 0);
  assert_int_equal(summary_int("updated"), 2);
  l6_svc *s = open_svc();
  svc_store(s)->tx_only = false;
  expect_project_facts(s, "verra", "VCS", "verra/projects.csv");
  expect_host(s, "VCS.9003", "BRA", "USA91");
  int64_t before = log_size(s);
  svc_close(s);
  assert_int_equal(run_import("--source verra verra/projects.csv --json"), 0);
  expect_counts(0, 0, 4, 0);
  assert_int_equal(summary_int("updated"), 0);
  /* A newer list: project 9003 registered since. */
  assert_int_equal(run_import("--source verra verra/projects-newer.csv --json"), 0);
  expect_counts(0, 0, 3, 0);
  assert_int_equal(summary_int("updated"), 1);
  /* Refused rows name FILE:LINE; nothing of them is kept. */
  assert_int_equal(run_import("--source verra verra/projects-bad.csv --json"), 1);
  assert_non_null(strstr(out, "verra/projects-bad.csv:2: unknown_party: country 'Atlantis'"));
  assert_non_null(strstr(out, "verra/projects-bad.csv:3: invalid_value: the crediting period 2030-01-01..2020-12-31 is reversed"));
  assert_non_null(strstr(out, "verra/projects-bad.csv:4: invalid_value: registration date '2020-02-30' is not a date"));
  assert_non_null(strstr(out, "verra/projects-bad.csv:5: export_conflict: project VCS.9001 is hosted in KEN"));
  expect_counts(0, 0, 0, 4);
  s = open_svc();
  svc_store(s)->tx_only = false;
  expect_project_facts(s, "verra", "VCS", "verra/projects-newer.csv");
  expect_host(s, "VCS.9001", "KEN", "USA91");
  assert_int_equal(log_size(s), before); /* project facts are no ledger transactions */
  svc_close(s);
  /* Gold Standard: a country that is none ("International") is refused. */
  assert_int_equal(run_import("--source gold-standard gold-standard/issuances.csv gold-standard/projects.csv --json"), 1);
  assert_non_null(strstr(out, "gold-standard/projects.csv:5: unknown_party: country 'International'"));
  s = open_svc();
  svc_store(s)->tx_only = false;
  expect_host(s, "GS.9103", "TZA", "CHE91"); /* an alias */
  fixture f;
  read_fixture("gold-standard/projects.csv", &f);
  assert_int_equal(f.n, 4);
  f.n = 3; /* the fourth was refused */
  l6_error err;
  l6_store *st = svc_store(s);
  for (int i = 0; i < f.n; i++) {
    char id[64];
    l6_project p;
    snprintf(id, sizeof id, "GS.%s", f.rows[i].project_ref);
    assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
    assert_int_equal(st->ops->project_get(st, id, &p, &err), L6_E_OK);
    st->ops->rollback(st);
    assert_string_equal(p.status, origin_project_status(f.rows[i].origin_status));
  }
  svc_close(s);
}

static void test_us_dates(void **state) {
  char d[11];
  assert_true(origin_parse_us_date("3/24/2026 9:08:01 PM", d));
  assert_string_equal(d, "2026-03-24");
  assert_true(origin_parse_us_date("03/09/2026", d));
  assert_string_equal(d, "2026-03-09");
  assert_true(origin_parse_us_date("2/29/2024", d));
  assert_false(origin_parse_us_date("2/29/2023", d));
  assert_false(origin_parse_us_date("13/45/2024", d));
  assert_false(origin_parse_us_date("3/24/26", d));
  assert_false(origin_parse_us_date("3-24-2026", d));
  assert_false(origin_parse_us_date("/1/2026", d));
  assert_false(origin_parse_us_date("1/1/2026 ", d));
  assert_false(origin_parse_us_date("123/1/2026", d));
  assert_false(origin_parse_us_date("", d));
}

/* config/origins.json is read strictly. */
/* ---- the serial matcher against regexec (issue 17) ---------------------- */

/* A text the pattern's atoms spell (always in its language), counts drawn
 * from min .. min+6, characters from each atom's set. */
static size_t spell(const serial_matcher *m, tl_rng *r, char *buf, size_t cap) {
  size_t n = 0;
  for (int i = 0; i < m->n; i++) {
    const serial_atom *a = &m->atom[i];
    unsigned hi = a->max == SERIAL_MATCH_UNBOUNDED || a->max > a->min + 6u ? a->min + 6u : a->max;
    unsigned k = (unsigned)tl_rng_range(r, a->min, hi);
    unsigned char members[256];
    int nm = 0;
    for (int c = 0; c < 256; c++)
      if ((a->set[c >> 3] >> (c & 7)) & 1) members[nm++] = (unsigned char)c;
    for (unsigned j = 0; j < k && n + 1 < cap; j++) buf[n++] = (char)members[tl_rng_below(r, (uint64_t)nm)];
  }
  buf[n] = '\0';
  return n;
}

/* One to three edits: a character replaced, inserted or deleted, or a
 * stretch doubled; characters from the alphabets serials use, and now and
 * then a control character no pattern takes. */
static void mutate(tl_rng *r, char *t, size_t cap) {
  static const char abc[] = "0123456789-_. toAZGSVCUCDCRafz";
  int edits = (int)tl_rng_range(r, 1, 3);
  for (int e = 0; e < edits; e++) {
    size_t n = strlen(t), at = n ? (size_t)tl_rng_below(r, n) : 0;
    char c = tl_rng_below(r, 20) == 0 ? '\x01' : abc[tl_rng_below(r, sizeof abc - 1)];
    switch (tl_rng_below(r, 4)) {
    case 0: if (n) t[at] = c; break;
    case 1: if (n + 2 < cap) { memmove(t + at + 1, t + at, n - at + 1); t[at] = c; } break;
    case 2: if (n) memmove(t + at, t + at + 1, n - at); break;
    default: {
      size_t k = (size_t)tl_rng_range(r, 1, 8);
      if (at + k <= n && n + k + 1 < cap) { memmove(t + at + k, t + at, n - at + 1); }
    }
    }
  }
}

/* The matcher and regexec agree on t: the same accept or reject, the same
 * offsets of every group; origin_serial_parse the same by either path. */
static bool agree(const origin_pattern *fast, const char *t) {
  origin_pattern slow = *fast;
  slow.fast = false;
  regmatch_t rm[10];
  size_t len = strlen(t), so[10], eo[10];
  bool want = regexec(&fast->re, t, 10, rm, 0) == 0 && rm[0].rm_so == 0 && (size_t)rm[0].rm_eo == len;
  bool got = serial_matcher_run(&fast->m, t, len, so, eo);
  if (want != got) {
    fprintf(stderr, "serial matcher %s, regexec %s: '%s'\n", got ? "accepts" : "refuses", want ? "accepts" : "refuses", t);
    return false;
  }
  for (int g = 0; want && g <= (int)fast->re.re_nsub; g++)
    if ((size_t)rm[g].rm_so != so[g] || (size_t)rm[g].rm_eo != eo[g]) {
      fprintf(stderr, "group %d of '%s': matcher %zu..%zu, regexec %d..%d\n", g, t, so[g], eo[g], (int)rm[g].rm_so,
              (int)rm[g].rm_eo);
      return false;
    }
  origin_serial a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  bool pa = origin_serial_parse(fast, t, &a), pb = origin_serial_parse(&slow, t, &b);
  return pa == pb && (!pa || (a.first == b.first && a.last == b.last && strcmp(a.prefix, b.prefix) == 0));
}

static void check_pattern(const char *pattern, int prefix, int first, int last, const char *example, uint64_t stream,
                          long *accepted, long *refused) {
  origin_pattern p;
  char msg[160];
  assert_true(origin_pattern_compile(&p, pattern, prefix, first, last, msg, sizeof msg));
  if (!p.fast) fprintf(stderr, "pattern not taken by the serial matcher: %s\n", pattern);
  assert_true(p.fast);
  tl_rng r;
  tl_rng_init(&r, stream);
  char t[L6_ORIGIN_SERIAL_MAX * 2];
  if (example) assert_true(agree(&p, example));
  for (int i = 0; i < 3000; i++) {
    size_t n = spell(&p.m, &r, t, sizeof t);
    regmatch_t rm[1];
    /* Spelled by the atoms: regexec takes it, so must the matcher. */
    assert_int_equal(regexec(&p.re, t, 1, rm, 0), 0);
    assert_true(n == 0 || agree(&p, t));
    (*accepted)++;
    mutate(&r, t, sizeof t);
    assert_true(agree(&p, t));
    /* A control character at the end: no pattern takes it, both refuse. */
    size_t k = strlen(t);
    t[k] = '\x02', t[k + 1] = '\0';
    assert_true(agree(&p, t));
    (*refused)++;
    /* Fuzz: a random string over the serials' alphabets. */
    static const char abc[] = "0123456789-_. toAZGSVCUCDCRafz";
    size_t len = (size_t)tl_rng_below(&r, 60);
    for (size_t j = 0; j < len; j++) t[j] = abc[tl_rng_below(&r, sizeof abc - 1)];
    t[len] = '\0';
    assert_true(agree(&p, t));
  }
  origin_pattern_free(&p);
}

static void test_serial_matcher(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/config/origins.json", srcdir());
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  const char *code;
  json_t *o;
  long accepted = 0, refused = 0;
  int patterns = 0;
  uint64_t stream = 1700;
  /* Every pattern config/origins.json configures. */
  json_object_foreach(json_object_get(root, "origins"), code, o) {
    json_t *sr = json_object_get(o, "serial");
    if (sr == NULL) continue;
    check_pattern(json_string_value(json_object_get(sr, "pattern")), (int)json_integer_value(json_object_get(sr, "prefix")),
                  (int)json_integer_value(json_object_get(sr, "first")), (int)json_integer_value(json_object_get(sr, "last")),
                  json_string_value(json_object_get(o, "example")), stream++, &accepted, &refused);
    patterns++;
  }
  json_decref(root);
  assert_true(patterns >= 6);
  /* More shapes of the subset: bounds, optional atoms, escapes, a loose
   * atom after the groups. */
  check_pattern("^([A-Z]{2,4})\\.([0-9]+)_([0-9]+)-[a-z-]*-?[0-9]{1,3}$", 1, 2, 3, NULL, stream++, &accepted, &refused);
  check_pattern("^X?([0-9]{1,5}) to ([0-9]+)$", 0, 1, 2, NULL, stream++, &accepted, &refused);
  check_pattern("^([A-Z]+_[0-9]*)-([0-9]+)-([0-9]+)[.]?$", 1, 2, 3, NULL, stream++, &accepted, &refused);
  check_pattern("^([A-Z]+[0-9]*)-([0-9]+)-([0-9]+)$", 1, 2, 3, NULL, stream++, &accepted, &refused);
  assert_true(accepted > 0 && refused > 0);
  /* Shapes it leaves to regexec, which still parses them. */
  static const struct {
    const char *pattern;
    int prefix, first, last;
  } slow[] = {{"^([0-9]+)([0-9]+)-x$", 0, 1, 2},             /* groups not forced */
              {"^(a|b)-([0-9]+)-([0-9]+)$", 1, 2, 3},        /* alternation */
              {"^(x)-([0-9]+)-([0-9]+).$", 1, 2, 3},         /* any character */
              {"^(x)-([0-9]+)-([0-9]+)-\\w$", 1, 2, 3},    /* a GNU escape */
              {"([0-9]+)-([0-9]+)-([0-9]+)", 1, 2, 3},       /* not anchored */
              {"^([0-9]+)-(([0-9]+))$", 0, 1, 3},            /* nested groups */
              {"^([^-]+)-([0-9]+)-([0-9]+)$", 1, 2, 3},      /* a negated set */
              {"^([[:alpha:]]+)-([0-9]+)-([0-9]+)$", 1, 2, 3}, /* a named class */
              {"^([0-9]+[0-9A-Z]*)-([0-9]+)-([0-9]+)$", 1, 2, 3}, /* a loose atom inside a group */
              {"^(x)-([0-9]+)-([0-9]+)(-[0-9])+$", 1, 2, 3}}; /* a repeated group */
  for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++) {
    origin_pattern p;
    char msg[160];
    assert_true(origin_pattern_compile(&p, slow[i].pattern, slow[i].prefix, slow[i].first, slow[i].last, msg, sizeof msg));
    if (p.fast) fprintf(stderr, "the serial matcher took %s\n", slow[i].pattern);
    assert_false(p.fast);
    origin_pattern_free(&p);
  }
  origin_pattern p;
  char msg[160];
  origin_serial s;
  assert_true(origin_pattern_compile(&p, "^([0-9]+)([0-9]+)-x$", 0, 1, 2, msg, sizeof msg));
  assert_false(p.fast);
  assert_true(origin_serial_parse(&p, "0034-x", &s)); /* POSIX: group 1 the longest, "003" */
  assert_int_equal(s.first, 3);
  assert_int_equal(s.last, 4);
  origin_pattern_free(&p);
}

static void test_origins_config(void **state) {
  char *d = tl_tmpdir_make("import-config");
  assert_non_null(d);
  char cmd[4096];
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  snprintf(cmd, sizeof cmd,
           "cp -r %s/config %s/config && sed -i 's/\"seat\": \"USA\",/\"seat\": \"USA\", \"colour\": \"red\",/' %s/config/origins.json"
           " && %s import --source verra %s/tests/data/import/verra/transactions.csv --store %s/l.db --config %s/config 2>&1",
           srcdir(), d, d, bin, srcdir(), d, d);
  FILE *p = popen(cmd, "r");
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  assert_int_equal(WEXITSTATUS(st), 3);
  assert_non_null(strstr(out, "invalid_config"));
  assert_non_null(strstr(out, "origins.verra: unknown key 'colour'"));
  /* An example the pattern does not match is refused at load. */
  snprintf(cmd, sizeof cmd,
           "cp %s/config/origins.json %s/config/origins.json && sed -i 's/\"example\": \"100-/\"example\": \"X100-/' %s/config/origins.json"
           " && %s import --source verra %s/tests/data/import/verra/transactions.csv --store %s/l.db --config %s/config 2>&1",
           srcdir(), d, d, bin, srcdir(), d, d);
  p = popen(cmd, "r");
  n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  st = pclose(p);
  assert_int_equal(WEXITSTATUS(st), 3);
  assert_non_null(strstr(out, "the example does not match the serial pattern"));
  tl_tmpdir_remove(d);
}

/* GET /v1/serials/{origin serial} and its public form, over HTTP. */
static void test_serial_route(void **state) {
  tl_srv srv = {0};
  assert_int_equal(tl_srv_start(&srv, "import-http"), 0);
  char path[1024], buf[8192];
  snprintf(path, sizeof path, "%s/tests/data/import/verra/transactions.csv", srcdir());
  assert_int_equal(tl_run_cli(&srv, buf, sizeof buf, "import", "--source", "verra", path, NULL), 0);
  const char *text = "100-200000501-200001500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0";
  snprintf(path, sizeof path, "/v1/serials/%s/public", text);
  tl_resp r = tl_http_req(&srv, "GET", path, NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_string_equal(tl_jstr(json_object_get(r.body, "origin"), "block"), text);
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/serials/%s", text);
  r = tl_http_req(&srv, "GET", path, srv.admin, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_int_equal(tl_jint(json_object_get(r.body, "origin"), "first"), 200000501);
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/serials/100-900000001-900000001-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0/public", NULL, NULL, NULL);
  tl_assert_error_at(&r, 404, "unknown_serial", __FILE__, __LINE__);
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/serials/not-a-serial/public", NULL, NULL, NULL);
  tl_assert_error_at(&r, 422, "invalid_serial", __FILE__, __LINE__);
  tl_resp_free(&r);
  /* Verra's registry is a standard's, beside the Parties' (kind). */
  r = tl_http_req(&srv, "GET", "/v1/registries", srv.admin, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  size_t i;
  json_t *g;
  int standard = 0;
  json_array_foreach(json_object_get(r.body, "items"), i, g) {
    if (strcmp(tl_jstr(g, "id"), "USA91") == 0) {
      assert_string_equal(tl_jstr(g, "kind"), "standard");
      assert_string_equal(tl_jstr(g, "party"), "USA");
      standard++;
    } else {
      assert_string_equal(tl_jstr(g, "kind"), "party");
    }
  }
  assert_int_equal(standard, 1);
  tl_resp_free(&r);
  /* The transaction lists date imported transactions as the export does. */
  r = tl_http_req(&srv, "GET", "/v1/transactions?kind=retirement", srv.admin, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  json_t *items = json_object_get(r.body, "items");
  assert_int_equal(json_array_size(items), 2); /* the two retirements of the file (its cancellation is not one) */
  int unstated = 0;
  json_array_foreach(items, i, g) {
    const char *eff = tl_jstr(g, "effective_date");
    assert_true(strcmp(eff, "2021-03-04") == 0 || strcmp(eff, "2021-06-30") == 0);
    unstated += json_is_true(json_object_get(g, "beneficiary_not_stated"));
  }
  assert_int_equal(unstated, 1);
  tl_resp_free(&r);
  /* An ACR serial, spaces and all ("%20" in the path), finds its block. */
  snprintf(path, sizeof path, "%s/tests/data/import/acr/retirements.csv", srcdir());
  assert_int_equal(tl_run_cli(&srv, buf, sizeof buf, "import", "--source", "acr", path, NULL), 0);
  r = tl_http_req(&srv, "GET", "/v1/serials/ACR-US-9001-2023-501-1%20to%203000/public", NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_string_equal(tl_jstr(json_object_get(r.body, "origin"), "registry"), "acr");
  assert_string_equal(tl_jstr(json_object_get(r.body, "origin"), "block"), "ACR-US-9001-2023-501-1 to 3000");
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/serials/ACR-US-9001-2023-501-5001%20to%205002/public", NULL, NULL, NULL);
  tl_assert_error_at(&r, 404, "unknown_serial", __FILE__, __LINE__);
  tl_resp_free(&r);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* The labels of the batch holding an origin serial, as "name=reference;..." in label order. */
static void labels_of(l6_svc *s, const char *serial, char *buf, size_t cap) {
  json_t *o = lookup(s, serial);
  l6_id batch = tl_jint(json_object_get(o, "batch"), "batch");
  json_decref(o);
  json_t *ls = NULL;
  l6_error err = {0};
  if (svc_batch_labels(s, batch, &ls, &err) != L6_E_OK) fail_msg("labels: %s", err.message);
  buf[0] = '\0';
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(ls, "items"), i, l) {
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s=%s", n ? ";" : "", tl_jstr(l, "label"), tl_jstr(l, "reference"));
  }
  json_decref(ls);
}

/* Certifications and SDGs of the exports become batch labels (config/labels.json). */
static void test_import_labels(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv"), 0);
  assert_int_equal(run_import("--source gold-standard gold-standard/issuances.csv"), 0);
  l6_svc *s = open_svc();
  char got[1024];
  labels_of(s, "100-200000001-200000500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0", got, sizeof got);
  assert_string_equal(got, "sdg-7=verra export;sdg-13=verra export");
  labels_of(s, "100-200000501-200001500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0", got, sizeof got);
  assert_string_equal(got, "");
  labels_of(s, "102-300000001-300001000-VCS-VCU-202-VER-VN-14-9002-13032009-12032011-1", got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold;sdg-13=verra export;sdg-15=verra export");
  labels_of(s, "102-300001001-300001200-VCS-VCU-202-VER-VN-14-9002-13032009-12032011-1", got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold");
  /* Gold Standard's "ICVCM CCP" label; "Emission Reduction" is no certification. */
  labels_of(s, "GS1-1-IN-GS9102-2-2024-40002-1-5000", got, sizeof got);
  assert_string_equal(got, "ccp=gold-standard export");
  labels_of(s, "GS1-1-KE-GS9101-16-2023-40001-1-1000", got, sizeof got);
  assert_string_equal(got, "");
  svc_close(s);
  /* A second import adds no label row. */
  assert_int_equal(run_import("--source verra verra/transactions.csv"), 0);
  s = open_svc();
  labels_of(s, "102-300000001-300001000-VCS-VCU-202-VER-VN-14-9002-13032009-12032011-1", got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold;sdg-13=verra export;sdg-15=verra export");
  svc_close(s);
}

/* The dropped labels of the batch holding an origin serial, as "name=dropped_reference;...". */
static void dropped_of(l6_svc *s, const char *serial, char *buf, size_t cap) {
  json_t *o = lookup(s, serial);
  l6_id batch = tl_jint(json_object_get(o, "batch"), "batch");
  json_decref(o);
  json_t *ls = NULL;
  l6_error err = {0};
  if (svc_batch_labels(s, batch, &ls, &err) != L6_E_OK) fail_msg("labels: %s", err.message);
  buf[0] = '\0';
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(ls, "dropped"), i, l) {
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s=%s", n ? ";" : "", tl_jstr(l, "label"), tl_jstr(l, "dropped_reference"));
    assert_true(strlen(tl_jstr(l, "dropped_ts")) > 0);
  }
  json_decref(ls);
}

#define V1 "100-200000001-200000500-VCS-VCU-101-VER-KE-3-9001-01012020-31122020-0"
#define V2 "102-300000001-300001000-VCS-VCU-202-VER-VN-14-9002-13032009-12032011-1"
#define V3 "102-300001001-300001200-VCS-VCU-202-VER-VN-14-9002-13032009-12032011-1"
#define V4 "110-200005001-200005750-VCS-VCU-101-VER-KE-3-9001-01012021-31122021-0"

/* Mirror mode on labels (docs/IMPORT.md "Labels in mirror mode"): a newer
 * export that adds or drops a certification or goal on a batch already
 * imported brings the batch's imported labels to it and says so
 * (labels_changed); a label the admin set stays; a third import changes
 * nothing; an export giving a dropped label again sets it again. */
static void test_labels_mirror(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  assert_int_equal(run_import("--source verra verra/transactions-newer.csv --json"), 0);
  assert_int_equal(summary_int("labels_changed"), 0);
  l6_svc *s = open_svc();
  /* The admin's own label on the cancelled block of 9002: never dropped by an import. */
  json_t *o = lookup(s, V3);
  l6_id b3 = tl_jint(json_object_get(o, "batch"), "batch");
  json_decref(o);
  l6_actor admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  json_t *set = NULL;
  TL_OK(svc_batch_label(s, &admin, b3, "ccp", "ICVCM decision 2025-01", &set, &err_), "admin label");
  json_decref(set);
  int64_t log_before = log_size(s);
  svc_close(s);
  /* The labels export: goal 5 added to block 1 (two rows, one batch),
   * goal 15 dropped from 9002's first block, CCB dropped from its
   * cancelled block, CCB added to the 2021 block. */
  assert_int_equal(run_import("--source verra verra/transactions-labels.csv --json"), 0);
  assert_int_equal(summary_int("labels_changed"), 4);
  assert_int_equal(summary_int("updated"), 4);
  expect_counts(0, 0, 3, 0);
  s = open_svc();
  assert_int_equal(log_size(s), log_before); /* labels are no ledger transactions */
  char got[1024];
  labels_of(s, V1, got, sizeof got);
  assert_string_equal(got, "sdg-7=verra export;sdg-13=verra export;sdg-5=verra export");
  labels_of(s, V2, got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold;sdg-13=verra export");
  dropped_of(s, V2, got, sizeof got);
  assert_string_equal(got, "sdg-15=verra export: a newer export no longer gives it");
  labels_of(s, V3, got, sizeof got);
  assert_string_equal(got, "ccp=ICVCM decision 2025-01");
  dropped_of(s, V3, got, sizeof got);
  assert_string_equal(got, "ccb=verra export: a newer export no longer gives it");
  labels_of(s, V4, got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold");
  svc_close(s);
  /* A third import of the same export: nothing changes. */
  assert_int_equal(run_import("--source verra verra/transactions-labels.csv --json"), 0);
  assert_int_equal(summary_int("labels_changed"), 0);
  expect_counts(0, 0, 7, 0);
  /* A dry run of an export giving the old labels again changes nothing ... */
  assert_int_equal(run_import("--source verra verra/transactions-newer.csv --json --dry-run"), 0);
  assert_int_equal(summary_int("labels_changed"), 4);
  s = open_svc();
  labels_of(s, V3, got, sizeof got);
  assert_string_equal(got, "ccp=ICVCM decision 2025-01");
  svc_close(s);
  /* ... and the import sets the dropped labels again (their rows restored). */
  assert_int_equal(run_import("--source verra verra/transactions-newer.csv --json"), 0);
  assert_int_equal(summary_int("labels_changed"), 4);
  s = open_svc();
  labels_of(s, V2, got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold;sdg-13=verra export;sdg-15=verra export");
  dropped_of(s, V2, got, sizeof got);
  assert_string_equal(got, "");
  labels_of(s, V3, got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-Gold;ccp=ICVCM decision 2025-01");
  labels_of(s, V1, got, sizeof got);
  assert_string_equal(got, "sdg-7=verra export;sdg-13=verra export");
  /* The admin may set a dropped label again too. */
  json_t *again = NULL;
  TL_OK(svc_batch_label(s, &admin, tl_jint(json_object_get(o = lookup(s, V1), "batch"), "batch"), "sdg-5", "", &again, &err_),
        "admin sets a dropped label");
  json_decref(o);
  json_decref(again);
  labels_of(s, V1, got, sizeof got);
  assert_string_equal(got, "sdg-7=verra export;sdg-13=verra export;sdg-5=");
  svc_close(s);
}

/* Verra's Article 6, CORSIA, removal and other certifications become batch
 * labels (docs/IMPORT.md "Certifications and SDG labels"), en dashes and
 * hyphens alike; an item outside the mapping refuses its row, FILE:LINE. */
static void test_verra_certifications(void **state) {
  assert_int_equal(run_import("--source verra verra/certifications.csv --json"), 1);
  expect_counts(3, 0, 0, 3);
  assert_non_null(strstr(out, "verra/certifications.csv:5: invalid_value: additional certification 'CORSIA - Second Phase, 2027-2029 Scope'"));
  assert_non_null(strstr(out, "verra/certifications.csv:6: invalid_value: additional certification 'Made-up Seal of Approval'"));
  assert_non_null(strstr(out, "verra/certifications.csv:7: invalid_value: additional certification 'Article 6 Authorized \xe2\x80\x93 Made-up use'"));
  l6_svc *s = open_svc();
  char got[2048];
  labels_of(s, "120-400000001-400000100-VCS-VCU-101-VER-KE-3-9001-01012024-31122024-0", got, sizeof got);
  assert_string_equal(got, "article6-oimp=verra export: Article 6 Authorized \xe2\x80\x93 Intl mitigation purposes;"
                           "article6-ndc=verra export: Article 6 Authorized \xe2\x80\x93 NDC Use;"
                           "article6-other=verra export: Article 6 Authorized \xe2\x80\x93 Other purposes;"
                           "corsia-first=verra export: CORSIA - First Phase, 2024-2026 Scope");
  labels_of(s, "121-400000101-400000200-VCS-VCU-101-VER-KE-3-9001-01012022-31122022-0", got, sizeof got);
  assert_string_equal(got, "ccp=verra export;corsia-pilot=verra export: CORSIA \xe2\x80\x93 Pilot Phase, 2021-2023 Eligible");
  labels_of(s, "122-400000201-400000300-VCS-VCU-101-VER-KE-3-9001-01012023-31122023-0", got, sizeof got);
  assert_string_equal(got, "ccb=verra export: CCB-No Distinction;removal=verra export: Carbon Dioxide Removals;"
                           "socialcarbon=verra export: Social Carbon");
  /* Every label the import sets is one config/labels.json defines. */
  json_t *defs = NULL;
  TL_OK(svc_crit_labels(s, &defs, &err_), "labels");
  const char *want[] = {"removal", "socialcarbon", "article6-oimp", "article6-ndc", "article6-other", "corsia-pilot", "corsia-first"};
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    bool found = false;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(defs, "items"), i, d) found = found || (strcmp(tl_jstr(d, "name"), want[k]) == 0 &&
                                                                              strcmp(tl_jstr(d, "kind"), "batch") == 0);
    if (!found) fail_msg("label %s is not a batch label of config/labels.json", want[k]);
    assert_string_equal(export_cert_label((int)k), want[k]);
  }
  json_decref(defs);
  svc_close(s);
  /* Idempotent. */
  assert_int_equal(run_import("--source verra verra/certifications.csv --json"), 1);
  expect_counts(0, 0, 3, 3);
  assert_int_equal(summary_int("labels_changed"), 0);
}

/* Issue 17 item 3: an imported retirement's certificate (JSON, HTML, PDF)
 * shows the day it happened at its origin registry beside the commit
 * time, and still verifies (the date is outside the log entry). */
static void test_certificate_effective_date(void **state) {
  tl_srv srv = {0};
  assert_int_equal(tl_srv_start(&srv, "import-cert"), 0);
  char path[1024], buf[8192];
  snprintf(path, sizeof path, "%s/tests/data/import/verra/transactions.csv", srcdir());
  assert_int_equal(tl_run_cli(&srv, buf, sizeof buf, "import", "--source", "verra", path, NULL), 0);
  tl_resp r = tl_http_req(&srv, "GET", "/v1/keys", NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  uint8_t pk[32];
  size_t i, pklen = 0;
  json_t *it;
  json_array_foreach(json_object_get(r.body, "items"), i, it) if (json_is_true(json_object_get(it, "current")))
    assert_int_equal(sodium_hex2bin(pk, sizeof pk, tl_jstr(it, "public_key"), 64, NULL, &pklen, NULL), 0);
  assert_int_equal(pklen, 32);
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/transactions?kind=retirement", srv.admin, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  json_t *items = json_incref(json_object_get(r.body, "items"));
  tl_resp_free(&r);
  assert_int_equal(json_array_size(items), 2);
  json_array_foreach(items, i, it) {
    const char *eff = tl_jstr(it, "effective_date");
    snprintf(path, sizeof path, "/v1/retirements/%lld/certificate", (long long)tl_jint(it, "id"));
    r = tl_http_req(&srv, "GET", path, NULL, NULL, NULL);
    tl_assert_status_at(&r, 200, __FILE__, __LINE__);
    assert_string_equal(tl_jstr(r.body, "effective_date"), eff);
    cert_result res;
    cert_verify(r.body, pk, &res);
    if (!res.valid) fail_msg("certificate %s: %s", path, res.problems[0]);
    /* The date is not signed: changed, the certificate still verifies. */
    json_object_set_new(r.body, "effective_date", json_string("1999-01-01"));
    cert_verify(r.body, pk, &res);
    assert_true(res.valid);
    json_object_set_new(r.body, "effective_date", json_integer(1));
    cert_verify(r.body, pk, &res);
    assert_false(res.valid);
    tl_resp_free(&r);
    snprintf(path, sizeof path, "/v1/retirements/%lld/certificate.html", (long long)tl_jint(it, "id"));
    r = tl_http_req(&srv, "GET", path, NULL, NULL, NULL);
    tl_assert_status_at(&r, 200, __FILE__, __LINE__);
    char want[128];
    snprintf(want, sizeof want, "were retired on %s at their origin registry (recorded in ledger6 on ", eff);
    if (strstr(r.raw, want) == NULL) fail_msg("%s does not say '%s'", path, want);
    assert_non_null(strstr(r.raw, "Effective date (at the origin registry; not in the log entry)"));
    tl_resp_free(&r);
  }
  json_decref(items);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* ---- CADT (issue 17 item 4, docs/IMPORT.md "CADT") ------------------------ */

static l6_id cadt_account(l6_svc *s, const l6_actor *admin, const char *registry, l6_id org) {
  l6_account a = {.org = org, .type = L6_ACCT_HOLDING};
  snprintf(a.registry, sizeof a.registry, "%s", registry);
  snprintf(a.name, sizeof a.name, "%s holding", registry);
  TL_OK(svc_account_create(s, admin, &a, &out_, &err_), "account");
  return a.id;
}

static void cadt_project(l6_svc *s, const l6_actor *admin, const char *id, const char *programme) {
  l6_project p = {0};
  snprintf(p.id, sizeof p.id, "%s", id);
  snprintf(p.programme, sizeof p.programme, "%s", programme);
  snprintf(p.host, sizeof p.host, "THA");
  snprintf(p.title, sizeof p.title, "Project %s", id);
  snprintf(p.methodology, sizeof p.methodology, "AMS-I.E.");
  snprintf(p.sector, sizeof p.sector, "energy");
  snprintf(p.kind, sizeof p.kind, "avoidance");
  snprintf(p.crediting_start, sizeof p.crediting_start, "2021-01-01");
  snprintf(p.crediting_end, sizeof p.crediting_end, "2035-12-31");
  snprintf(p.status, sizeof p.status, "registered");
  TL_OK(svc_project_create(s, admin, &p, &out_, &err_), "project");
}

static void cadt_issue(l6_svc *s, const l6_actor *admin, const char *project, const char *ut, l6_qty qty, l6_id to) {
  l6_issue_req r = {.vintage = 2026, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "THA01");
  snprintf(r.project, sizeof r.project, "%s", project);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  l6_reply rep = {0};
  l6_error err = {0};
  l6_err e = svc_issue(s, admin, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("issue: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
}

static void cadt_move(l6_svc *s, const l6_actor *a, l6_tx_kind kind, l6_id from, l6_id to, const char *ut, l6_qty qty,
                      const char *purpose) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = kind;
  r->from_account = from;
  r->to_account = to;
  r->quantity = qty;
  snprintf(r->unit_type, sizeof r->unit_type, "%s", ut);
  snprintf(r->beneficiary, sizeof r->beneficiary, "Example Buyer");
  snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
  l6_reply rep = {0};
  l6_error err = {0};
  l6_err e = svc_move(s, a, r, &rep, &err);
  free(r);
  if (e != L6_E_OK) fail_msg("move: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
}

/* Every CADT unit, paged by limit (each page checked to hold at most limit). */
static json_t *cadt_all_units(l6_svc *s, int limit) {
  json_t *all = json_array();
  l6_page pg = {.limit = limit};
  for (int guard = 0; guard < 1000; guard++) {
    json_t *o = NULL;
    l6_error err = {0};
    l6_err e = svc_cadt_units(s, &pg, &o, &err);
    if (e != L6_E_OK) fail_msg("cadt units: %s: %s", l6_err_code(e), err.message);
    json_t *items = json_object_get(o, "items");
    assert_true((int)json_array_size(items) <= limit);
    json_array_extend(all, items);
    const char *next = json_string_value(json_object_get(o, "next"));
    if (next) snprintf(pg.after, sizeof pg.after, "%s", next);
    json_decref(o);
    if (next == NULL) return all;
  }
  fail_msg("cadt units: no last page");
  return all;
}

/* The units of one batch, and the sums per unitStatus / CA status. */
typedef struct {
  l6_qty count, held, retired, cancelled, ca_completed, ca_not_started, ca_not_required;
  int n;
} cadt_sum;

static cadt_sum cadt_batch(json_t *units, l6_id batch, l6_qty quantity, int64_t serial_start) {
  cadt_sum r = {0};
  int64_t next = serial_start;
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u) {
    json_t *x = json_object_get(u, "ledger6");
    if (tl_jint(x, "batch") != batch) continue;
    /* In serial order, no gap, no overlap: the units partition the batch. */
    assert_int_equal(tl_jint(x, "first"), next);
    l6_qty n = tl_jint(u, "unitCount");
    assert_int_equal(tl_jint(x, "last") - tl_jint(x, "first") + 1, n);
    next += n;
    char id[48];
    snprintf(id, sizeof id, "%lld.%lld", (long long)batch, (long long)tl_jint(x, "first"));
    assert_string_equal(tl_jstr(u, "warehouseUnitId"), id);
    assert_int_equal(atoll(tl_jstr(u, "issuanceId")), batch);
    const char *st = tl_jstr(u, "unitStatus");
    r.count += n;
    r.n++;
    if (strcmp(st, "Held") == 0) r.held += n;
    else if (strcmp(st, "Retired") == 0) r.retired += n;
    else if (strcmp(st, "Cancelled") == 0) r.cancelled += n;
    else fail_msg("unit %s: status %s", id, st);
    /* A retired or cancelled unit has its reason and date, a held one neither. */
    assert_int_equal(json_is_string(json_object_get(x, "statusDate")), strcmp(st, "Held") != 0);
    const char *decl = tl_jstr(u, "correspondingAdjustmentDeclaration");
    json_t *cas = json_object_get(u, "correspondingAdjustmentStatus");
    if (strcmp(decl, "Not Required") == 0) {
      assert_true(json_is_null(cas));
      assert_true(json_is_null(json_object_get(x, "itmo")));
      r.ca_not_required += n;
    } else {
      assert_string_equal(decl, "Committed");
      assert_true(json_is_object(json_object_get(x, "itmo")));
      if (strcmp(json_string_value(cas), "Completed") == 0) r.ca_completed += n;
      else if (strcmp(json_string_value(cas), "Not Started") == 0) r.ca_not_started += n;
      else fail_msg("unit %s: CA status %s", id, json_string_value(cas));
    }
  }
  assert_int_equal(next, serial_start + quantity);
  return r;
}

static int batch_rows(void *ctx, const void *row) {
  l6_batch *bs = ctx;
  for (int i = 0; i < 8; i++)
    if (bs[i].id == 0) {
      bs[i] = *(const l6_batch *)row;
      return 0;
    }
  return 1;
}

static void test_cadt(void **state) {
  assert_int_equal(run_import("--source verra verra/transactions.csv --json"), 0);
  fixture f;
  read_fixture("verra/transactions.csv", &f);
  l6_svc *s = open_svc();
  l6_actor admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  const char *parties[] = {"THA", "CHE"};
  for (int i = 0; i < 2; i++) {
    l6_party p = {0};
    snprintf(p.code, sizeof p.code, "%s", parties[i]);
    snprintf(p.name, sizeof p.name, "Party %s", parties[i]);
    TL_OK(svc_party_create(s, &admin, &p, &out_, &err_), "party");
    l6_registry r = {0};
    snprintf(r.id, sizeof r.id, "%s01", parties[i]);
    snprintf(r.party, sizeof r.party, "%s", parties[i]);
    snprintf(r.name, sizeof r.name, "Registry of %s", parties[i]);
    TL_OK(svc_registry_create(s, &admin, &r, &out_, &err_), "registry");
  }
  l6_id org_tha = tl_svc_org(s, &admin, "THA01", "Bangkok cookstoves");
  l6_id org_dna = tl_svc_org(s, &admin, "THA01", "TGO (designated authority)");
  l6_id org_che = tl_svc_org(s, &admin, "CHE01", "KliK Foundation");
  l6_actor h_tha = tl_actor(L6_ROLE_HOLDER, org_tha, "holder THA"), dna = tl_actor(L6_ROLE_AUTHORITY, org_dna, "authority THA");
  l6_id acc_tha = cadt_account(s, &admin, "THA01", org_tha), acc_che = cadt_account(s, &admin, "CHE01", org_che);
  cadt_project(s, &admin, "THA.COOK.01", "A6.2");
  cadt_project(s, &admin, "THA.SOLAR.01", "VCS");
  /* ITMOs: 1,000 issued, authorized for CHE's NDC, 300 first transferred. */
  cadt_issue(s, &admin, "THA.COOK.01", "ITMO", 1000, acc_tha);
  l6_a6_auth x = {.approach = 1, .vintage_from = 2026, .vintage_to = 2030, .quantity = 1000, .year_from = 2021,
                  .year_to = 2030, .in_scope = true};
  snprintf(x.party, sizeof x.party, "THA");
  snprintf(x.project, sizeof x.project, "THA.COOK.01");
  snprintf(x.purposes, sizeof x.purposes, "NDC");
  snprintf(x.ft_event, sizeof x.ft_event, "use");
  snprintf(x.parties, sizeof x.parties, "CHE");
  TL_OK(svc_a6_authorize(s, &dna, &x, &out_, &err_), "authorize");
  cadt_move(s, &h_tha, L6_TX_TRANSFER, acc_tha, acc_che, "ITMO", 300, "x");
  /* Voluntary units: 500 issued, two retirements (their blocks merge in the
   * retirement account, their units stay apart) and one cancellation. */
  cadt_issue(s, &admin, "THA.SOLAR.01", "VCU", 500, acc_tha);
  cadt_move(s, &h_tha, L6_TX_RETIREMENT, acc_tha, 0, "VCU", 50, "first claim");
  cadt_move(s, &h_tha, L6_TX_RETIREMENT, acc_tha, 0, "VCU", 70, "second claim");
  cadt_move(s, &h_tha, L6_TX_CANCELLATION, acc_tha, 0, "VCU", 30, "voluntary cancellation");

  json_t *units = cadt_all_units(s, 2);
  json_t *again = cadt_all_units(s, 500);
  assert_true(json_equal(units, again)); /* paging neither drops nor repeats a unit */
  json_decref(again);
  l6_store *st = svc_store(s);
  l6_error err;
  l6_batch bs[8];
  memset(bs, 0, sizeof bs);
  st->tx_only = false;
  assert_int_equal(st->ops->begin(st, &err), L6_E_OK);
  assert_int_equal(st->ops->batch_list(st, "", 0, 8, batch_rows, bs, &err), L6_E_OK);
  st->ops->rollback(st);
  int nb = 0;
  while (nb < 8 && bs[nb].id) nb++;
  assert_int_equal(nb, f.n + 2);
  size_t total_units = 0;
  for (int i = 0; i < nb; i++) {
    cadt_sum c = cadt_batch(units, bs[i].id, bs[i].quantity, bs[i].serial_start);
    total_units += (size_t)c.n;
    if (strcmp(bs[i].project, "THA.COOK.01") == 0) {
      assert_int_equal(c.held, 1000);
      assert_int_equal(c.ca_completed, 300);
      assert_int_equal(c.ca_not_started, 700);
    } else if (strcmp(bs[i].project, "THA.SOLAR.01") == 0) {
      assert_int_equal(c.retired, 120);
      assert_int_equal(c.cancelled, 30);
      assert_int_equal(c.held, 350);
      assert_int_equal(c.ca_not_required, 500);
      assert_int_equal(c.n, 4); /* two retirements, one cancellation, the rest held */
    } else {
      assert_int_equal(c.ca_not_required, bs[i].quantity);
    }
  }
  assert_int_equal(total_units, json_array_size(units));
  /* The imported blocks: one unit each, in the state and dated as the file says. */
  for (int i = 0; i < f.n; i++) {
    json_t *o = lookup(s, f.rows[i].serial);
    l6_id batch = tl_jint(json_object_get(o, "batch"), "batch");
    json_decref(o);
    size_t k;
    json_t *u;
    int seen = 0;
    json_array_foreach(units, k, u) {
      if (tl_jint(json_object_get(u, "ledger6"), "batch") != batch) continue;
      seen++;
      assert_int_equal(tl_jint(u, "unitCount"), f.rows[i].quantity);
      assert_true(json_is_null(json_object_get(u, "countryJurisdictionOfOwner"))); /* held at Verra: holder unknown */
      const char *want = f.rows[i].status == EXPORT_ACTIVE ? "Held" : f.rows[i].status == EXPORT_RETIRED ? "Retired" : "Cancelled";
      assert_string_equal(tl_jstr(u, "unitStatus"), want);
      if (f.rows[i].status != EXPORT_ACTIVE)
        assert_string_equal(tl_jstr(json_object_get(u, "ledger6"), "statusDate"), f.rows[i].retired_on);
    }
    assert_int_equal(seen, 1);
  }
  /* The retirements keep their own reasons. */
  size_t k;
  json_t *u;
  int reasons = 0;
  json_array_foreach(units, k, u) {
    const char *r = json_string_value(json_object_get(u, "unitStatusReason"));
    if (r && (strcmp(r, "first claim") == 0 || strcmp(r, "second claim") == 0)) {
      reasons++;
      assert_int_equal(tl_jint(u, "unitCount"), strcmp(r, "first claim") == 0 ? 50 : 70);
      assert_string_equal(tl_jstr(u, "unitOwner"), "Example Buyer");
      assert_string_equal(tl_jstr(u, "countryJurisdictionOfOwner"), "Party THA");
    }
  }
  assert_int_equal(reasons, 2);
  json_decref(units);
  /* Projects: the imported ones name their origin. */
  l6_page pg = {.limit = 500};
  json_t *ps = NULL;
  TL_OK(svc_cadt_projects(s, &pg, &ps, &err_), "cadt projects");
  int imported = 0, native = 0;
  json_array_foreach(json_object_get(ps, "items"), k, u) {
    if (strncmp(tl_jstr(u, "projectId"), "VCS.", 4) == 0) {
      assert_string_equal(tl_jstr(u, "registryOfOrigin"), "Verra Registry (VCS)");
      assert_string_equal(tl_jstr(u, "originProjectId"), tl_jstr(u, "projectId") + 4);
      imported++;
    } else {
      assert_string_equal(tl_jstr(u, "originProjectId"), tl_jstr(u, "projectId"));
      native++;
    }
    assert_string_equal(tl_jstr(u, "projectStatus"), "Registered");
  }
  assert_int_equal(native, 2);
  assert_true(imported >= 2);
  json_decref(ps);
  /* A cursor that is no previous page's. */
  snprintf(pg.after, sizeof pg.after, "x.1");
  json_t *none = NULL;
  assert_int_equal(svc_cadt_units(s, &pg, &none, &err), L6_E_BAD_PARAM);
  snprintf(pg.after, sizeof pg.after, "not a project");
  assert_int_equal(svc_cadt_projects(s, &pg, &none, &err), L6_E_BAD_PARAM);
  svc_close(s);
}

static void test_cadt_route(void **state) {
  tl_srv srv = {0};
  assert_int_equal(tl_srv_start(&srv, "import-cadt"), 0);
  char path[1024], buf[8192];
  snprintf(path, sizeof path, "%s/tests/data/import/verra/transactions.csv", srcdir());
  assert_int_equal(tl_run_cli(&srv, buf, sizeof buf, "import", "--source", "verra", path, NULL), 0);
  tl_resp r = tl_http_req(&srv, "GET", "/v1/cadt/units?limit=2", NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_int_equal(json_array_size(json_object_get(r.body, "items")), 2);
  char next[64];
  snprintf(next, sizeof next, "%s", tl_jstr(r.body, "next"));
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/cadt/units?limit=500&after=%s", next);
  r = tl_http_req(&srv, "GET", path, NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_int_equal(json_array_size(json_object_get(r.body, "items")), 3); /* the fixture's 5 blocks */
  assert_true(json_is_null(json_object_get(r.body, "next")) || json_object_get(r.body, "next") == NULL);
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/cadt/projects", NULL, NULL, NULL);
  tl_assert_status_at(&r, 200, __FILE__, __LINE__);
  assert_int_equal(json_array_size(json_object_get(r.body, "items")), 2);
  tl_resp_free(&r);
  static const char *const bad[] = {"/v1/cadt/units?limit=0", "/v1/cadt/units?limit=501", "/v1/cadt/units?after=1",
                                    "/v1/cadt/units?after=1.0", "/v1/cadt/projects?after=a%20b",
                                    "/v1/cadt/projects?limit=x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = tl_http_req(&srv, "GET", bad[i], NULL, NULL, NULL);
    tl_assert_error_at(&r, 400, "bad_param", __FILE__, __LINE__);
    tl_resp_free(&r);
  }
  /* ledger6 export cadt writes the same records. */
  char dir[256];
  snprintf(dir, sizeof dir, "%s/cadt-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
  mkdir(dir, 0700);
  assert_int_equal(tl_run_cli(&srv, buf, sizeof buf, "export", "cadt", "--out", dir, NULL), 0);
  snprintf(path, sizeof path, "%s/units.json", dir);
  json_error_t je;
  json_t *units = json_load_file(path, 0, &je);
  assert_non_null(units);
  assert_int_equal(json_array_size(units), 5);
  json_decref(units);
  unlink(path);
  snprintf(path, sizeof path, "%s/projects.json", dir);
  json_t *projects = json_load_file(path, 0, &je);
  assert_non_null(projects);
  assert_int_equal(json_array_size(projects), 2);
  json_decref(projects);
  unlink(path);
  rmdir(dir);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vintage_rule),
      cmocka_unit_test(test_export_figures),
      cmocka_unit_test(test_origin_patterns),
      cmocka_unit_test(test_csv_reader),
      cmocka_unit_test_setup_teardown(test_verra_import, setup, teardown),
      cmocka_unit_test_setup_teardown(test_second_import_is_noop, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mirror_newer_export, setup, teardown),
      cmocka_unit_test_setup_teardown(test_overlap_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_malformed_rows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_strict_and_dry_run, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gold_standard, setup, teardown),
      cmocka_unit_test(test_origins_config),
      cmocka_unit_test(test_serial_matcher),
      cmocka_unit_test(test_us_dates),
      cmocka_unit_test_setup_teardown(test_acr, setup, teardown),
      cmocka_unit_test_setup_teardown(test_car, setup, teardown),
      cmocka_unit_test_setup_teardown(test_art_trees, setup, teardown),
      cmocka_unit_test_setup_teardown(test_isometric, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cercarbono, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cercarbono_periods, setup, teardown),
      cmocka_unit_test_setup_teardown(test_project_lists, setup, teardown),
      cmocka_unit_test(test_serial_route),
      cmocka_unit_test_setup_teardown(test_import_labels, setup, teardown),
      cmocka_unit_test_setup_teardown(test_labels_mirror, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verra_certifications, setup, teardown),
      cmocka_unit_test(test_certificate_effective_date),
      cmocka_unit_test_setup_teardown(test_cadt, setup, teardown),
      cmocka_unit_test(test_cadt_route),
  };
  if (getenv("L6_TEST_FILTER")) cmocka_set_test_filter(getenv("L6_TEST_FILTER")); /* one test: L6_TEST_FILTER=test_serial_matcher */
  return cmocka_run_group_tests(tests, NULL, NULL);
}
