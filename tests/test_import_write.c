/*
 * test_import_write.c -- the importer's write path (issue 17, the import
 * rate): what svc_import_row writes with its faster path must be what the
 * slow path wrote. A made-up Verra export of a few hundred rows, imported
 * in process on a check-level-2 service (every log entry built from memory
 * is also rebuilt from the stored rows and compared), then:
 * `ledger6 verify --store` (svc_verify_store) accepts the log, every
 * transaction has its one leaf, `ledger6 check` (svc_check) accepts every
 * batch, a refused row in the middle leaves nothing and does not confuse
 * the rows after it, and a second import adds nothing. Runs on SQLite and
 * (tests/pg.sh) PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/csvread.h"
#include "core/exports.h"
#include "service/origin.h"
#include "service/service.h"
#include "service/tlog.h"
#include "testlib.h"
#include "testlib_svc.h"

static tl_store store;

static int setup(void **state) {
  (void)state;
  return tl_store_make(&store, "impwrite", 0);
}

static int teardown(void **state) {
  (void)state;
  return tl_store_free(&store);
}

static l6_svc *open_svc(void) { return tl_svc_open_config(tl_store_open(&store), 2); }

#define ROWS 240
#define BAD_ROW 101 /* 0-based data row refused: a new project's retirement with a control character */

/* A made-up Verra transactions export: rows cycle over 7 projects (so no
 * two neighbours share a project), every other one retired, every fifth
 * retirement without beneficiary. Row BAD_ROW is a new project (7777)
 * whose beneficiary holds a control character: refused after its project
 * and batch were written; row BAD_ROW + 1 is the same project, valid. */
static char *make_export_n(int rows) {
  tl_sbuf b = {0};
  tl_sb_add(&b, "Issuance Date,Sustainable Development Goals,Vintage Start,Vintage End,ID,Name,Country/Area,Project Type,"
                "Methodology,Total Vintage Quantity,Quantity Issued,Serial Number,Additional Certifications,"
                "Retirement/Cancellation Date,Retirement Beneficiary,Retirement Reason,Retirement Details\n");
  static const char *const countries[] = {"Kenya", "Viet Nam", "Brazil", "India", "Peru"};
  long long serial = 300000001;
  for (int i = 0; i < rows; i++) {
    int project = i == BAD_ROW || i == BAD_ROW + 1 ? 7777 : 6000 + i % 7, year = 2014 + (i / 7) % 4;
    long long q = 1 + (i * 37) % 900;
    bool retired = i % 2 == 1;
    const char *who = i == BAD_ROW ? "Bad\001Name" : retired && i % 5 ? "Example Buyer Ltd" : "";
    tl_sb_add(&b,
              "%d-06-01,,%d-01-01,%d-12-31,%d,Write Project %d,%s,Energy demand,VMR0006,\"9,999,999\",%lld,"
              "%d-%lld-%lld-VCS-VCU-1-VER-KE-3-%d-0101%d-3112%d-0,,%s,%s,%s,\n",
              year + 1, year, year, project, project, countries[project % 5], q, 30000 + i, serial, serial + q - 1, project,
              year, year, retired ? "2024-03-04" : "", who, retired ? "Environmental Benefit" : "");
    serial += q;
  }
  return b.buf;
}

static char *make_export(void) { return make_export_n(ROWS); }

typedef struct {
  svc_import *im;
  export_map map;
  bool header;
  long row, refused, added;
  long refused_row;
} feed;

static int on_rec(void *p, long line, char **fields, size_t n, const char *problem) {
  (void)line;
  feed *c = p;
  char msg[256] = "";
  if (!c->header) {
    if (!export_map_header("verra", fields, n, &c->map, msg, sizeof msg)) fail_msg("header: %s", msg);
    c->header = true;
    return 0;
  }
  export_row r;
  l6_error err = {0};
  svc_import_outcome out;
  long row = c->row++;
  if (problem || !export_map_row(&c->map, fields, n, &r, msg, sizeof msg)) fail_msg("row %ld: %s", row, problem ? problem : msg);
  l6_err e = svc_import_row(c->im, &r, &out, &err);
  if (e != L6_E_OK) {
    c->refused++;
    c->refused_row = row;
    assert_int_equal(e, L6_E_INVALID_VALUE); /* the control character, nothing else */
  } else if (out == IMPORT_ADDED) {
    c->added++;
  }
  return 0;
}

static feed import_text(l6_svc *s, const char *text) {
  l6_actor admin = {.role = L6_ROLE_ADMIN, .name = "test"};
  svc_import_opts o = {0};
  l6_error err = {0};
  feed c = {0};
  c.refused_row = -1;
  if (svc_import_begin(s, &admin, "verra", &o, &c.im, &err) != L6_E_OK) fail_msg("begin: %s", err.message);
  csvread *r = csvread_new(on_rec, &c);
  assert_int_equal(csvread_feed(r, text, strlen(text)), 0);
  assert_int_equal(csvread_finish(r), 0);
  csvread_free(r);
  json_t *sum = NULL;
  if (svc_import_end(c.im, true, &sum, &err) != L6_E_OK) fail_msg("end: %s", err.message);
  json_decref(sum);
  return c;
}

static int64_t log_size(l6_svc *s) {
  l6_error err;
  int64_t n = -1;
  assert_int_equal(svc_log_size(s, &n, &err), L6_E_OK);
  return n;
}

/* The whole path, then the store's own checks. */
static void test_import_log_and_books(void **state) {
  (void)state;
  char *text = make_export();
  l6_svc *s = open_svc();
  feed c = import_text(s, text);
  assert_int_equal(c.refused, 1);
  assert_int_equal(c.refused_row, BAD_ROW);
  assert_int_equal(c.added, ROWS - 1);
  /* One issuance per added row, one retirement per retired added row. */
  long retired = 0;
  for (int i = 0; i < ROWS; i++) retired += i % 2 == 1 && i != BAD_ROW;
  int64_t want = (ROWS - 1) + retired;
  assert_int_equal(log_size(s), want);
  l6_error err = {0};
  tlog_report rep;
  if (svc_verify_store(s, NULL, 0, &rep, &err) != L6_E_OK) fail_msg("verify --store: %s", err.message);
  if (!rep.ok) fail_msg("verify --store: %s", rep.problem);
  assert_int_equal(rep.transactions, want);
  assert_int_equal(rep.leaves, want);
  if (svc_check(s, 0, &err) != L6_E_OK) fail_msg("check: %s", err.message);
  /* The row after the refused one made project 7777 afresh: its batch
   * resolves by its origin serial. */
  json_t *o = NULL;
  char ser[128];
  long long first = 300000001;
  for (int i = 0; i < BAD_ROW + 1; i++) first += 1 + (i * 37) % 900;
  long long q = 1 + ((BAD_ROW + 1) * 37) % 900;
  snprintf(ser, sizeof ser, "%d-%lld-%lld-VCS-VCU-1-VER-KE-3-7777-0101%d-3112%d-0", 30000 + BAD_ROW + 1, first, first + q - 1,
           2014 + ((BAD_ROW + 1) / 7) % 4, 2014 + ((BAD_ROW + 1) / 7) % 4);
  if (svc_serial_public(s, ser, &o, &err) != L6_E_OK) fail_msg("serial %s: %s", ser, err.message);
  json_decref(o);
  /* A second import: every row unchanged, not one leaf more. */
  feed again = import_text(s, text);
  assert_int_equal(again.added, 0);
  assert_int_equal(again.refused, 1);
  assert_int_equal(log_size(s), want);
  svc_close(s);
  free(text);
}

/* tlog_entry_known is what tlog_entry_build reads back, and a wrong piece
 * (another account) gives another entry: the level-2 recheck can fail. */
static void test_known_entry_is_the_stored_one(void **state) {
  (void)state;
  char *text = make_export();
  l6_svc *s = open_svc();
  (void)import_text(s, text);
  l6_store *st = svc_store(s);
  st->tx_only = false;
  l6_error err = {0};
  if (st->ops->begin(st, &err) != L6_E_OK) fail_msg("begin: %s", err.message);
  uint8_t salt[LOGENTRY_SALT_BYTES];
  randombytes_buf(salt, sizeof salt);
  for (l6_id tx = 1; tx <= 4; tx++) { /* an issuance, its retirement, ... */
    tlog_entry stored, known, wrong;
    assert_int_equal(tlog_entry_build(st, tx, salt, &stored, &err), L6_E_OK);
    assert_int_equal(stored.nblocks, 1);
    l6_batch b;
    l6_project p;
    assert_int_equal(st->ops->batch_get(st, stored.blocks[0].batch, &b, &err), L6_E_OK);
    assert_int_equal(st->ops->project_get(st, b.project, &p, &err), L6_E_OK);
    l6_tx_line line = {.tx = tx, .batch = b.id, .first = stored.blocks[0].first, .last = stored.blocks[0].last,
                       .from_account = stored.blocks[0].from_account, .to_account = stored.blocks[0].to_account};
    assert_int_equal(tlog_entry_known(&stored.tx, &line, 1, &b, p.host, salt, &known, &err), L6_E_OK);
    assert_int_equal(known.len, stored.len);
    assert_memory_equal(known.text, stored.text, stored.len);
    assert_memory_equal(known.leaf_hash, stored.leaf_hash, 32);
    line.to_account++; /* a wrong piece: another account */
    assert_int_equal(tlog_entry_known(&stored.tx, &line, 1, &b, p.host, salt, &wrong, &err), L6_E_OK);
    assert_true(wrong.len != stored.len || memcmp(wrong.text, stored.text, stored.len) != 0);
    tlog_entry_free(&stored);
    tlog_entry_free(&known);
    tlog_entry_free(&wrong);
  }
  st->ops->rollback(st);
  svc_close(s);
  free(text);
}

/* ---- what a row reads (issue 17, the import rate) ------------------------ */

static const l6_store_ops *real_ops;
static l6_store_ops counting_ops;
static long n_account_get, n_project_get, n_label_list, n_registry_get;

static l6_err count_registry_get(l6_store *st, const char *id, l6_registry *out, l6_error *err) {
  n_registry_get++;
  return real_ops->registry_get(st, id, out, err);
}

static l6_err count_account_get(l6_store *st, l6_id id, l6_account *out, l6_error *err) {
  n_account_get++;
  return real_ops->account_get(st, id, out, err);
}
static l6_err count_project_get(l6_store *st, const char *id, l6_project *out, l6_error *err) {
  n_project_get++;
  return real_ops->project_get(st, id, out, err);
}
static l6_err count_label_list(l6_store *st, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  n_label_list++;
  return real_ops->batch_label_list(st, batch, each, ctx, err);
}

/* The store with its account, project, label and registry reads counted,
 * under a service at check level 0 (level 2 reads every entry back on
 * purpose), the configuration loaded. */
static l6_svc *open_counting_svc(void) {
  l6_store *st = tl_store_open(&store);
  assert_non_null(st);
  real_ops = st->ops;
  counting_ops = *real_ops;
  counting_ops.account_get = count_account_get;
  counting_ops.project_get = count_project_get;
  counting_ops.batch_label_list = count_label_list;
  counting_ops.registry_get = count_registry_get;
  st->ops = &counting_ops;
  return tl_svc_open_config(st, 0);
}

/* The write path reads what it does not hold once a commit chunk, not
 * once a row: each project once (again after a refused row: its rollback
 * may have taken a project away), the importer's accounts not per
 * retirement (the policy step is given them, and its Article 6 rule
 * reads their Parties only for ITMOs), a batch the row just
 * issued has no labels to read, and an unchanged row (the second import)
 * does not read its holder's account. The books stay right
 * (test_import_log_and_books checks the same export in full). */
static void test_reads_per_row(void **state) {
  (void)state;
  char *text = make_export();
  l6_error err = {0};
  l6_svc *s = open_counting_svc();
  n_account_get = n_project_get = n_label_list = n_registry_get = 0;
  feed c = import_text(s, text);
  assert_int_equal(c.added, ROWS - 1);
  fprintf(stderr, "first import of %d rows: account_get %ld, project_get %ld, batch_label_list %ld, registry_get %ld\n", ROWS,
          n_account_get, n_project_get, n_label_list, n_registry_get);
  /* 7 projects, read again after the refused row's rollback emptied what
   * the chunk knew, and 7777 twice; 2 a row before. */
  assert_true(n_project_get <= 2 * 7 + 2);
  assert_true(n_account_get <= 3);       /* 2 a retirement before */
  assert_int_equal(n_label_list, 0);     /* 1 a row before */
  /* The Article 6 rule reads the Parties of the accounts only for units
   * that are ITMOs (none here): 2 a retirement before; 1 for the origin's
   * registry at the start. */
  assert_true(n_registry_get <= 1);
  n_account_get = n_project_get = n_label_list = 0;
  feed again = import_text(s, text);
  assert_int_equal(again.added, 0);
  fprintf(stderr, "second import: account_get %ld, project_get %ld, batch_label_list %ld\n", n_account_get, n_project_get,
          n_label_list);
  assert_true(n_account_get <= 3);       /* 1 a row before */
  assert_true(n_label_list <= ROWS);     /* mirror mode compares each recorded batch's labels */
  if (svc_check(s, 0, &err) != L6_E_OK) fail_msg("check: %s", err.message);
  svc_close(s);
  free(text);
}

/* Across a commit chunk (L6_IMPORT_COMMIT_ROWS): what the importer knew
 * is read again when the next chunk begins (its three accounts once, each
 * project once more), and the books and the log are whole. */
static void test_reads_across_chunks(void **state) {
  (void)state;
  int rows = L6_IMPORT_COMMIT_ROWS + 60;
  char *text = make_export_n(rows);
  l6_error err = {0};
  l6_svc *s = open_counting_svc();
  n_account_get = n_project_get = n_label_list = n_registry_get = 0;
  feed c = import_text(s, text);
  assert_int_equal(c.added, rows - 1);
  assert_int_equal(c.refused, 1);
  assert_int_equal(n_account_get, 3);          /* the one new chunk */
  assert_true(n_project_get <= 2 * 7 + 2 + 7); /* and its projects once more */
  long retired = 0;
  for (int i = 0; i < rows; i++) retired += i % 2 == 1 && i != BAD_ROW;
  int64_t want = (rows - 1) + retired;
  assert_int_equal(log_size(s), want);
  tlog_report rep;
  if (svc_verify_store(s, NULL, 0, &rep, &err) != L6_E_OK) fail_msg("verify --store: %s", err.message);
  if (!rep.ok) fail_msg("verify --store: %s", rep.problem);
  assert_int_equal(rep.transactions, want);
  if (svc_check(s, 0, &err) != L6_E_OK) fail_msg("check: %s", err.message);
  svc_close(s);
  free(text);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_import_log_and_books, setup, teardown),
      cmocka_unit_test_setup_teardown(test_known_entry_is_the_stored_one, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reads_per_row, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reads_across_chunks, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
