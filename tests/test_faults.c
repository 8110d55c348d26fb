/*
 * test_faults.c -- injected store failures, restarts and process kills
 * (after SQLite's I/O-error and crash tests).
 *
 * Fault sweeps: for one operation (a transfer that splits and merges
 * blocks, a transfer by quantity, an issuance forwarded in the same
 * commit, a retirement, an idempotent transfer), make the 1st, 2nd, 3rd,
 * ... write statement fail (ops->fail_after) until the operation
 * gets through. Every failed attempt must answer store_error and leave the
 * whole store exactly as it was: a text dump of every account, block,
 * batch, transaction, transaction line and the idempotency record is
 * compared byte for byte. The final, unfaulted attempt must produce the
 * expected holdings. The dump includes the transparency log (every leaf
 * and the root), so a failed attempt must not leave a leaf behind either,
 * and after every success the log has exactly one leaf per transaction.
 *
 * Durability: transfers on a file database, the service closed without
 * ceremony, reopened: the same dump, every transaction, svc_check.
 *
 * Crash: a child process runs transfers on the file database and reports
 * each acknowledged transaction id through a pipe; the parent kills it with
 * SIGKILL after about 200, reopens the store and checks that every
 * acknowledged transaction is there, that the partition holds, that units
 * are conserved and that no transaction is half written (its lines add up
 * to its quantity). Three rounds, each continuing from the last crash.
 *
 * Every test runs on the store tests/testlib.h chooses: SQLite (in memory
 * for the sweeps, a file for durability and crashes), or a fresh
 * PostgreSQL database per test when L6_STORE names a server; there the
 * kill -9 ends the child's session in the middle of its transactions.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib_svc.h"
#include <sodium.h>

#include "service/service.h"
#include "store/store.h"
#include "testlib.h"

static const l6_actor ADMIN = {.role = L6_ROLE_ADMIN, .name = "test"};

/* A small registry: one Party, registry CHE01, programme P1 with unit type
 * UA, project PRJ.A, holding accounts h[0..2]. */
typedef struct {
  l6_svc *s;
  l6_store *st;
  l6_id h[3];
  l6_id pending, retirement;
  tl_store where; /* the store's spec (tests/testlib.h): SQLite or PostgreSQL */
} fx;

/* Opens the service on f->where (made by fx_make). */
static void fx_open(fx *f) {
  f->s = tl_svc_open_direct(f->where.spec, 2, &f->st); /* this test reads the store directly between service calls */
}

/* Creates the reference data and accounts in a fresh store. */
static void fx_populate(fx *f) {
  l6_error err = {0};
  json_t *out = NULL;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  tl_ok_json(svc_party_create(f->s, &ADMIN, &p, &out, &err), &out, &err, "party");
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Test registry"};
  tl_ok_json(svc_registry_create(f->s, &ADMIN, &r, &out, &err), &out, &err, "registry");
  l6_programme pr = {.code = "P1", .name = "Programme one", .kind = "voluntary"};
  tl_ok_json(svc_programme_create(f->s, &ADMIN, &pr, &out, &err), &out, &err, "programme");
  l6_unit_type u = {.code = "UA", .programme = "P1", .name = "Unit A"};
  tl_ok_json(svc_unit_type_create(f->s, &ADMIN, &u, &out, &err), &out, &err, "unit type");
  l6_project pj = {.id = "PRJ.A",
                   .programme = "P1",
                   .host = "CHE",
                   .title = "Project A",
                   .methodology = "M1",
                   .sector = "energy",
                   .kind = "avoidance",
                   .crediting_start = "2015-01-01",
                   .crediting_end = "2030-12-31",
                   .status = "registered"};
  tl_ok_json(svc_project_create(f->s, &ADMIN, &pj, &out, &err), &out, &err, "project");
  l6_org o = {.registry = "CHE01", .name = "Org"};
  tl_ok_json(svc_org_create(f->s, &ADMIN, &o, &out, &err), &out, &err, "org");
  for (int i = 0; i < 3; i++) {
    l6_account a = {.registry = "CHE01", .org = o.id, .type = L6_ACCT_HOLDING};
    snprintf(a.name, sizeof a.name, "Holding %d", i);
    tl_ok_json(svc_account_create(f->s, &ADMIN, &a, &out, &err), &out, &err, "account");
    f->h[i] = a.id;
  }
}

/* Looks up the registry's own accounts (after a reopen too). */
static void fx_lookup(fx *f) {
  l6_error err = {0};
  l6_account a;
  tl_ok(f->st->ops->account_of_registry(f->st, "CHE01", L6_ACCT_PENDING, &a, &err), &err, "pending account");
  f->pending = a.id;
  tl_ok(f->st->ops->account_of_registry(f->st, "CHE01", L6_ACCT_RETIREMENT, &a, &err), &err, "retirement account");
  f->retirement = a.id;
}

/* Makes a fresh store for f: in memory when memory_ok (SQLite only). */
static void fx_make(fx *f, const char *tag, int memory_ok) {
  if (tl_store_make(&f->where, tag, memory_ok) != 0) fail_msg("cannot make a store for %s", tag);
}

/* Closes the service and removes the store. */
static void fx_done(fx *f) {
  svc_close(f->s);
  assert_int_equal(tl_store_free(&f->where), 0);
}

static void fx_memory(fx *f) {
  fx_make(f, "faults", 1);
  fx_open(f);
  fx_populate(f);
  fx_lookup(f);
}

static l6_id issue(fx *f, l6_qty qty, l6_id forward_to) {
  l6_issue_req r = {.registry = "CHE01",
                    .project = "PRJ.A",
                    .unit_type = "UA",
                    .vintage = 2020,
                    .quantity = qty,
                    .forward_to = forward_to};
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_issue(f->s, &ADMIN, &r, &rep, &err), &err, "issue");
  l6_id tx = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return tx;
}

static l6_move_req *move_req(l6_tx_kind kind, l6_id from, l6_id to) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = kind;
  r->from_account = from;
  r->to_account = to;
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  return r;
}

static l6_id move(fx *f, const l6_move_req *r) {
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_move(f->s, &ADMIN, r, &rep, &err), &err, "move");
  l6_id tx = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return tx;
}

/* ---- the store as text ------------------------------------------------- */

typedef struct {
  FILE *out;
  l6_store *st;
} dump_ctx;

static int dump_block(void *ctx, const void *row) {
  const l6_block *b = row;
  fprintf(((dump_ctx *)ctx)->out, "  block %lld batch %lld acct %lld [%lld,%lld]\n", (long long)b->id,
          (long long)b->batch, (long long)b->account, (long long)b->first, (long long)b->last);
  return 0;
}

static int dump_account(void *ctx, const void *row) {
  dump_ctx *d = ctx;
  const l6_account *a = row;
  fprintf(d->out, "account %lld %s %s org %lld\n", (long long)a->id, l6_account_type_str(a->type),
          l6_account_status_str(a->status), (long long)a->org);
  l6_error err = {0};
  l6_err e = d->st->ops->blocks_of_account(d->st, a->id, 0, 1 << 30, dump_block, d, &err);
  if (e != L6_E_OK) fprintf(d->out, "  ERROR %s\n", err.message);
  return 0;
}

static int dump_batch(void *ctx, const void *row) {
  const l6_batch *b = row;
  fprintf(((dump_ctx *)ctx)->out, "batch %lld %s %s %s v%d [%lld +%lld] tx %lld\n", (long long)b->id, b->project,
          b->unit_type, b->registry, b->vintage, (long long)b->serial_start, (long long)b->quantity, (long long)b->tx);
  return 0;
}

static int dump_line(void *ctx, const void *row) {
  const l6_tx_line *l = row;
  fprintf(((dump_ctx *)ctx)->out, "  line batch %lld [%lld,%lld] %lld -> %lld\n", (long long)l->batch,
          (long long)l->first, (long long)l->last, (long long)l->from_account, (long long)l->to_account);
  return 0;
}

static int dump_tx(void *ctx, const void *row) {
  dump_ctx *d = ctx;
  const l6_tx *t = row;
  fprintf(d->out, "tx %lld %s %s %s %lld -> %lld qty %lld '%s' '%s' '%s' %d\n", (long long)t->id,
          l6_tx_kind_str(t->kind), t->ts, t->actor, (long long)t->from_account, (long long)t->to_account,
          (long long)t->quantity, t->beneficiary, t->purpose, t->claim, t->reporting_year);
  l6_error err = {0};
  if (d->st->ops->tx_lines(d->st, t->id, dump_line, d, &err) != L6_E_OK) fprintf(d->out, "  ERROR %s\n", err.message);
  return 0;
}

static int dump_leaf(void *ctx, const void *row) {
  const l6_log_leaf *l = row;
  fprintf(((dump_ctx *)ctx)->out, "leaf %lld tx %lld\n", (long long)l->index, (long long)l->tx);
  return 0;
}

/* The whole ledger state as text (malloc'd): accounts with their blocks,
 * batches, transactions with their lines, the transaction count, the log's
 * leaves and root, and the idempotency record of `key` (when not NULL). */
static char *dump(l6_store *st, const char *key) {
  char *buf = NULL;
  size_t len = 0;
  dump_ctx d = {.out = open_memstream(&buf, &len), .st = st};
  assert_non_null(d.out);
  l6_error err = {0};
  assert_int_equal(st->ops->account_list(st, 0, 0, 1 << 30, dump_account, &d, &err), L6_E_OK);
  assert_int_equal(st->ops->batch_list(st, "", 0, 1 << 30, dump_batch, &d, &err), L6_E_OK);
  l6_tx_filter tf = {.limit = 1 << 30};
  assert_int_equal(st->ops->tx_list(st, &tf, dump_tx, &d, &err), L6_E_OK);
  int64_t size = 0;
  uint8_t root[32];
  char hex[65];
  assert_int_equal(st->ops->log_size(st, &size, &err), L6_E_OK);
  assert_int_equal(st->ops->log_leaf_list(st, 0, 1 << 30, dump_leaf, &d, &err), L6_E_OK);
  assert_int_equal(tlog_root(st, size, root, &err), L6_E_OK);
  sodium_bin2hex(hex, sizeof hex, root, sizeof root);
  fprintf(d.out, "log size %lld root %s\n", (long long)size, hex);
  if (key) {
    char hash[65] = "";
    int status = 0;
    char *body = NULL;
    l6_err e = st->ops->idem_get(st, key, hash, &status, &body, &err);
    fprintf(d.out, "idem %s: %s %s %d %s\n", key, l6_err_code(e), hash, status, body ? body : "");
    free(body);
  }
  fclose(d.out);
  return buf;
}

/* Counts the store's transactions. */
static int count_tx_row(void *ctx, const void *row) {
  (void)row;
  (*(long *)ctx)++;
  return 0;
}

static long tx_count(l6_store *st) {
  long n = 0;
  l6_error err = {0};
  l6_tx_filter tf = {.limit = 1 << 30};
  assert_int_equal(st->ops->tx_list(st, &tf, count_tx_row, &n, &err), L6_E_OK);
  return n;
}

/* The blocks of an account as "batch:first-last ..." in (batch, first) order. */
typedef struct {
  l6_block v[256];
  size_t n;
} small_blocks;

static int collect_small(void *ctx, const void *row) {
  small_blocks *b = ctx;
  if (b->n == 256) return 1;
  b->v[b->n++] = *(const l6_block *)row;
  return 0;
}

static int cmp_block(const void *pa, const void *pb) {
  const l6_block *a = pa, *b = pb;
  if (a->batch != b->batch) return a->batch < b->batch ? -1 : 1;
  return a->first < b->first ? -1 : a->first > b->first;
}

static void expect_holdings(fx *f, l6_id account, const char *want) {
  small_blocks b = {.n = 0};
  l6_error err = {0};
  assert_int_equal(f->st->ops->blocks_of_account(f->st, account, 0, 1 << 30, collect_small, &b, &err), L6_E_OK);
  qsort(b.v, b.n, sizeof b.v[0], cmp_block);
  char got[4096] = "";
  size_t len = 0;
  for (size_t i = 0; i < b.n; i++)
    len += (size_t)snprintf(got + len, sizeof got - len, "%s%lld:%lld-%lld", i ? " " : "", (long long)b.v[i].batch,
                            (long long)b.v[i].first, (long long)b.v[i].last);
  if (strcmp(got, want) != 0) fail_msg("account %lld holds \"%s\", expected \"%s\"", (long long)account, got, want);
}

static void check_ledger(fx *f) {
  l6_error err = {0};
  tl_ok(svc_check(f->s, 0, &err), &err, "svc_check");
}

/* ---- fault sweeps ------------------------------------------------------ */

/* One operation under test; returns the service's result. */
typedef l6_err (*op_fn)(fx *f, const void *arg, l6_reply *rep, l6_error *err);

static l6_err op_move(fx *f, const void *arg, l6_reply *rep, l6_error *err) {
  return svc_move(f->s, &ADMIN, arg, rep, err);
}

static l6_err op_issue(fx *f, const void *arg, l6_reply *rep, l6_error *err) {
  return svc_issue(f->s, &ADMIN, arg, rep, err);
}

static l6_err op_registry(fx *f, const void *arg, l6_reply *rep, l6_error *err) {
  memset(rep, 0, sizeof *rep);
  return svc_registry_create(f->s, &ADMIN, arg, &rep->body, err);
}

/*
 * Runs op with the n-th write failing, n = 1, 2, ..., until it succeeds.
 * Each failure must be store_error with the store unchanged (dump, which
 * includes the idempotency record of key). Returns the successful reply
 * (caller json_decrefs rep->body) and the number of writes the operation
 * made (the number of failed attempts).
 */
static int fault_sweep(fx *f, op_fn op, const void *arg, const char *key, const char *name, l6_reply *ok_rep) {
  char *before = dump(f->st, key);
  long txs = tx_count(f->st);
  for (int n = 1; n <= 10000; n++) {
    f->st->ops->fail_after(f->st, n);
    l6_reply rep;
    l6_error err = {0};
    l6_err e = op(f, arg, &rep, &err);
    f->st->ops->fail_after(f->st, 0);
    if (e == L6_E_OK) {
      *ok_rep = rep;
      free(before);
      if (n == 1) fail_msg("%s: succeeded although its first write was made to fail", name);
      int64_t leaves = 0;
      assert_int_equal(f->st->ops->log_size(f->st, &leaves, &err), L6_E_OK);
      assert_int_equal(leaves, tx_count(f->st)); /* a leaf for every transaction, none more */
      return n - 1;
    }
    if (e != L6_E_STORE)
      fail_msg("%s, write %d failing: expected store_error, got %s (%s)", name, n, l6_err_code(e), err.message);
    assert_null(rep.body);
    char *after = dump(f->st, key);
    if (strcmp(before, after) != 0)
      fail_msg("%s, write %d failing: the store changed.\n--- before\n%s--- after\n%s", name, n, before, after);
    free(after);
    assert_int_equal(tx_count(f->st), txs);
    check_ledger(f);
  }
  fail_msg("%s: still failing after 10000 writes", name);
  return 0;
}

/* A transfer by explicit ranges that merges on both sides and splits a
 * block in three, in one transaction. */
static void test_fault_transfer_split(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  issue(&f, 1000, f.h[0]);
  l6_move_req *r = move_req(L6_TX_TRANSFER, f.h[0], f.h[1]);
  r->nranges = 2;
  r->ranges[0] = (l6_range){1, 1, 100};
  r->ranges[1] = (l6_range){1, 201, 300};
  move(&f, r);
  expect_holdings(&f, f.h[0], "1:101-200 1:301-1000");
  /* [101,200] closes the gap in h1 (merge left and right); [500,599]
   * splits h0's block in three. */
  r->ranges[0] = (l6_range){1, 101, 200};
  r->ranges[1] = (l6_range){1, 500, 599};
  l6_reply rep;
  int writes = fault_sweep(&f, op_move, r, NULL, "transfer [101,200]+[500,599]", &rep);
  assert_int_equal(json_integer_value(json_object_get(rep.body, "quantity")), 200);
  json_decref(rep.body);
  print_message("transfer with split and merge: %d writes, each failure left the store unchanged\n", writes);
  expect_holdings(&f, f.h[0], "1:301-499 1:600-1000");
  expect_holdings(&f, f.h[1], "1:1-300 1:500-599");
  check_ledger(&f);
  free(r);
  fx_done(&f);
}

/* A transfer by quantity across two batches: the second block is split. */
static void test_fault_transfer_quantity(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  issue(&f, 100, f.h[0]);
  issue(&f, 100, f.h[0]);
  l6_move_req *r = move_req(L6_TX_TRANSFER, f.h[0], f.h[2]);
  r->quantity = 130;
  l6_reply rep;
  int writes = fault_sweep(&f, op_move, r, NULL, "transfer 130 by quantity", &rep);
  json_decref(rep.body);
  print_message("transfer by quantity: %d writes\n", writes);
  expect_holdings(&f, f.h[0], "2:31-100");
  expect_holdings(&f, f.h[2], "1:1-100 2:1-30");
  check_ledger(&f);
  free(r);
  fx_done(&f);
}

/* An issuance forwarded to a holding account in the same commit. */
static void test_fault_issue_forward(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  issue(&f, 50, 0); /* batch 1 stays in pending */
  l6_issue_req r = {.registry = "CHE01",
                    .project = "PRJ.A",
                    .unit_type = "UA",
                    .vintage = 2021,
                    .quantity = 500,
                    .serial_start = 1001,
                    .forward_to = f.h[1]};
  l6_reply rep;
  int writes = fault_sweep(&f, op_issue, &r, NULL, "issue 500 forwarded", &rep);
  assert_non_null(json_object_get(rep.body, "forward"));
  json_decref(rep.body);
  print_message("issuance with forward_to: %d writes\n", writes);
  expect_holdings(&f, f.pending, "1:1-50");
  expect_holdings(&f, f.h[1], "2:1001-1500");
  assert_int_equal(tx_count(f.st), 3);
  check_ledger(&f);
  fx_done(&f);
}

/* A retirement of part of a block into the registry's retirement account. */
static void test_fault_retirement(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  issue(&f, 1000, f.h[0]);
  l6_move_req *r = move_req(L6_TX_RETIREMENT, f.h[0], 0);
  r->quantity = 250;
  snprintf(r->beneficiary, sizeof r->beneficiary, "Beneficiary AG");
  snprintf(r->purpose, sizeof r->purpose, "voluntary");
  snprintf(r->claim, sizeof r->claim, "Offsets 2024 travel");
  r->reporting_year = 2024;
  l6_reply rep;
  int writes = fault_sweep(&f, op_move, r, NULL, "retire 250", &rep);
  assert_string_equal(json_string_value(json_object_get(rep.body, "beneficiary")), "Beneficiary AG");
  json_decref(rep.body);
  print_message("retirement: %d writes\n", writes);
  expect_holdings(&f, f.h[0], "1:251-1000");
  expect_holdings(&f, f.retirement, "1:1-250");
  check_ledger(&f);
  free(r);
  fx_done(&f);
}

/* An idempotent transfer: failed attempts must not record the key; after
 * success a replay (even with faults armed, as it writes nothing) returns
 * the first reply and changes nothing, and another request under the same
 * key is refused. */
static void test_fault_idempotent(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  issue(&f, 1000, f.h[0]);
  l6_move_req *r = move_req(L6_TX_TRANSFER, f.h[0], f.h[1]);
  r->quantity = 10;
  snprintf(r->idem.key, sizeof r->idem.key, "order-42");
  snprintf(r->idem.hash, sizeof r->idem.hash, "%064d", 1);
  l6_reply first;
  int writes = fault_sweep(&f, op_move, r, "order-42", "idempotent transfer", &first);
  print_message("idempotent transfer: %d writes\n", writes);
  expect_holdings(&f, f.h[0], "1:11-1000");
  expect_holdings(&f, f.h[1], "1:1-10");
  char *before = dump(f.st, "order-42");
  assert_non_null(strstr(before, "idem order-42: ok"));
  for (int n = 1; n <= 3; n++) {
    f.st->ops->fail_after(f.st, n);
    l6_reply rep;
    l6_error err = {0};
    l6_err e = svc_move(f.s, &ADMIN, r, &rep, &err);
    f.st->ops->fail_after(f.st, 0);
    tl_ok(e, &err, "replay");
    assert_true(rep.replayed);
    assert_true(json_equal(rep.body, first.body));
    json_decref(rep.body);
    char *after = dump(f.st, "order-42");
    assert_string_equal(before, after);
    free(after);
  }
  snprintf(r->idem.hash, sizeof r->idem.hash, "%064d", 2);
  l6_reply rep;
  l6_error err = {0};
  assert_int_equal(svc_move(f.s, &ADMIN, r, &rep, &err), L6_E_IDEMPOTENCY_CONFLICT);
  char *after = dump(f.st, "order-42");
  assert_string_equal(before, after);
  free(after);
  free(before);
  json_decref(first.body);
  check_ledger(&f);
  free(r);
  fx_done(&f);
}

/* Reference data written in several statements: a registry and its
 * three accounts. */
static void test_fault_registry(void **state) {
  (void)state;
  fx f;
  fx_memory(&f);
  json_t *out = NULL;
  l6_error err = {0};
  l6_party p = {.code = "DEU", .name = "Germany"};
  tl_ok_json(svc_party_create(f.s, &ADMIN, &p, &out, &err), &out, &err, "party");
  l6_registry r = {.id = "DEU01", .party = "DEU", .name = "German registry"};
  l6_reply rep;
  int writes = fault_sweep(&f, op_registry, &r, NULL, "registry DEU01", &rep);
  assert_int_equal(json_array_size(json_object_get(rep.body, "accounts")), 3);
  json_decref(rep.body);
  print_message("registry with its accounts: %d writes\n", writes);
  l6_account a;
  tl_ok(f.st->ops->account_of_registry(f.st, "DEU01", L6_ACCT_CANCELLATION, &a, &err), &err, "cancellation account");
  fx_done(&f);
}

/* ---- durability -------------------------------------------------------- */

/* Transfers on a file store; close without ceremony; reopen; all there. */
static void test_durability_reopen(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0x647572);
  fx f;
  fx_make(&f, "durable", 0);
  fx_open(&f);
  fx_populate(&f);
  fx_lookup(&f);
  l6_id ids[128];
  size_t nids = 0;
  ids[nids++] = issue(&f, 5000, f.h[0]);
  ids[nids] = ids[nids - 1] + 1; /* its forward */
  nids++;
  ids[nids++] = issue(&f, 3000, 0);
  l6_move_req *r = move_req(L6_TX_TRANSFER, 0, 0);
  for (int i = 0; i < 60; i++) {
    int a = (int)tl_rng_below(&rng, 3), b = (a + 1 + (int)tl_rng_below(&rng, 2)) % 3;
    memset(r, 0, sizeof *r);
    r->kind = i % 10 == 9 ? L6_TX_RETIREMENT : L6_TX_TRANSFER;
    r->from_account = i % 7 == 0 ? f.pending : f.h[a];
    r->to_account = r->kind == L6_TX_TRANSFER ? f.h[b] : 0;
    snprintf(r->unit_type, sizeof r->unit_type, "UA");
    snprintf(r->beneficiary, sizeof r->beneficiary, "B");
    snprintf(r->purpose, sizeof r->purpose, "P");
    r->quantity = tl_rng_range(&rng, 1, 40);
    l6_reply rep;
    l6_error err = {0};
    l6_err e = svc_move(f.s, &ADMIN, r, &rep, &err);
    if (e == L6_E_INSUFFICIENT_HOLDINGS) continue;
    tl_ok(e, &err, "transfer");
    ids[nids++] = json_integer_value(json_object_get(rep.body, "id"));
    json_decref(rep.body);
  }
  /* One idempotency record must survive too. */
  memset(r, 0, sizeof *r);
  *r = (l6_move_req){.kind = L6_TX_TRANSFER,
                     .from_account = f.pending,
                     .to_account = f.h[1],
                     .unit_type = "UA",
                     .quantity = 1,
                     .idem = {.key = "durable-key", .hash = "durable-hash"}};
  ids[nids++] = move(&f, r);
  free(r);
  char *before = dump(f.st, "durable-key");
  assert_non_null(strstr(before, "idem durable-key: ok"));
  svc_close(f.s);

  fx_open(&f);
  char *after = dump(f.st, "durable-key");
  assert_string_equal(before, after);
  for (size_t i = 0; i < nids; i++) {
    json_t *out = NULL;
    l6_error err = {0};
    tl_ok_json(svc_tx_get(f.s, &ADMIN, ids[i], &out, &err), &out, &err, "tx_get after reopen");
  }
  check_ledger(&f);
  print_message("durability: %zu transactions survived a close and reopen\n", nids);
  free(before);
  free(after);
  fx_done(&f);
}

/* ---- crash ------------------------------------------------------------- */

#define CRASH_ISSUED 100000 /* units issued to h[0] before the first crash */

/* The child: transfers forever (bounded), one acknowledged id per line. */
static void crash_child(const char *spec, int fd, uint64_t seed, const l6_id h[3]) {
  /* Die with the parent, should a failed assertion end it early. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  l6_error err = {0};
  l6_store *st = store_open(spec, &err);
  if (st == NULL) _exit(3);
  l6_svc *s = svc_open(st, 1, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  if (s == NULL) _exit(3);
  tl_rng rng = {.state = seed};
  l6_move_req r = {.kind = L6_TX_TRANSFER, .unit_type = "UA"};
  for (long i = 0; i < 200000; i++) {
    int a = (int)tl_rng_below(&rng, 3), b = (a + 1 + (int)tl_rng_below(&rng, 2)) % 3;
    r.from_account = h[a];
    r.to_account = h[b];
    r.nranges = 0;
    r.quantity = tl_rng_range(&rng, 1, 5);
    l6_reply rep;
    l6_err e = svc_move(s, &ADMIN, &r, &rep, &err);
    if (e == L6_E_INSUFFICIENT_HOLDINGS) continue;
    if (e != L6_E_OK) {
      dprintf(fd, "E %s %s\n", l6_err_code(e), err.message);
      _exit(2);
    }
    long long id = json_integer_value(json_object_get(rep.body, "id"));
    json_decref(rep.body);
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", id);
    if (write(fd, line, (size_t)n) != n) _exit(4);
  }
  _exit(0);
}

typedef struct {
  l6_id *v;
  size_t n, cap;
} id_list;

static int sum_line(void *ctx, const void *row) {
  const l6_tx_line *l = row;
  *(l6_qty *)ctx += l->last - l->first + 1;
  return 0;
}

typedef struct {
  l6_store *st;
  long bad;
  long n;
} whole_ctx;

/* Every transaction's lines add up to its quantity: none is half written. */
static int check_whole_tx(void *ctx, const void *row) {
  whole_ctx *c = ctx;
  const l6_tx *t = row;
  l6_qty q = 0;
  l6_error err = {0};
  if (c->st->ops->tx_lines(c->st, t->id, sum_line, &q, &err) != L6_E_OK || q != t->quantity) c->bad++;
  c->n++;
  return 0;
}

static void test_crash_kill9(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0x6b696c6c);
  fx f;
  fx_make(&f, "crash", 0);
  fx_open(&f);
  fx_populate(&f);
  fx_lookup(&f);
  issue(&f, CRASH_ISSUED, f.h[0]);
  svc_close(f.s); /* no store connection (SQLite or libpq) may cross fork() */

  id_list acked = {0};
  for (int round = 0; round < 3; round++) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      crash_child(f.where.spec, fds[1], tl_rng_next(&rng), f.h);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    assert_non_null(in);
    size_t kill_at = acked.n + 200 + (size_t)tl_rng_below(&rng, 50);
    bool killed = false;
    char line[512];
    while (fgets(line, sizeof line, in)) {
      if (line[0] == 'E') {
        kill(pid, SIGKILL);
        fail_msg("round %d: the child failed: %s", round, line);
      }
      if (acked.n == acked.cap) {
        acked.cap = acked.cap ? acked.cap * 2 : 1024;
        acked.v = realloc(acked.v, acked.cap * sizeof *acked.v);
        assert_non_null(acked.v);
      }
      acked.v[acked.n++] = strtoll(line, NULL, 10);
      if (!killed && acked.n >= kill_at) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        killed = true; /* keep reading: ids already in the pipe were acknowledged too */
      }
    }
    fclose(in);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!killed || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
      fail_msg("round %d: the child ended by itself (status %d) after %zu acknowledgements", round, status, acked.n);

    /* Reopen after the crash: everything acknowledged is there. */
    fx_open(&f);
    for (size_t i = 0; i < acked.n; i++) {
      json_t *out = NULL;
      l6_error err = {0};
      l6_err e = svc_tx_get(f.s, &ADMIN, acked.v[i], &out, &err);
      if (e != L6_E_OK)
        fail_msg("round %d: acknowledged transaction %lld is lost: %s", round, (long long)acked.v[i], err.message);
      json_decref(out);
    }
    check_ledger(&f);
    l6_qty total = 0;
    for (int i = 0; i < 3; i++) {
      json_t *out = NULL;
      l6_error err = {0};
      tl_ok(svc_holdings(f.s, &ADMIN, f.h[i], &out, &err), &err, "holdings");
      total += json_integer_value(json_object_get(out, "total"));
      json_decref(out);
    }
    assert_int_equal(total, CRASH_ISSUED);
    whole_ctx wc = {.st = f.st};
    l6_error err = {0};
    l6_tx_filter tf = {.limit = 1 << 30};
    assert_int_equal(f.st->ops->tx_list(f.st, &tf, check_whole_tx, &wc, &err), L6_E_OK);
    assert_int_equal(wc.bad, 0);
    /* ... and the transparency log still matches every transaction. */
    tlog_report rep;
    tl_ok(svc_verify_store(f.s, NULL, 0, &rep, &err), &err, "verify store");
    if (!rep.ok) fail_msg("round %d: after the crash the log does not match: %s", round, rep.problem);
    assert_int_equal(rep.leaves, wc.n);
    print_message("crash round %d: %zu acknowledged, %ld transactions in the store, all whole and logged\n", round,
                  acked.n, wc.n);
    if (round < 2) svc_close(f.s);
  }
  free(acked.v);
  fx_done(&f);
}

int main(void) {
  tl_seed();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_transfer_split), cmocka_unit_test(test_fault_transfer_quantity),
      cmocka_unit_test(test_fault_issue_forward),  cmocka_unit_test(test_fault_retirement),
      cmocka_unit_test(test_fault_idempotent),     cmocka_unit_test(test_fault_registry),
      cmocka_unit_test(test_durability_reopen),    cmocka_unit_test(test_crash_kill9),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
