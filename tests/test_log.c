/*
 * test_log.c -- the transparency log end to end (docs/TRANSPARENCY.md).
 *
 * Groups:
 *   log_store   a store built in process (issuances with and without
 *               forward, transfers by ranges and by quantity, retirements,
 *               a cancellation, tree heads signed along the way); then, each
 *               on its own copy of the file, one edit behind the registry's
 *               back with the sqlite3 API -- a byte of each column of a
 *               transaction and of its lines, a deleted row of each table, two
 *               rows swapped, a forged tree head, a replaced key, an attacker
 *               who recomputes the whole tree -- and `ledger6 verify --store`
 *               must exit 1 naming the entry (leaf index, transaction id).
 *   log_api     the real server: signed tree heads, inclusion and
 *               consistency proofs checked with the core verifier, bounded
 *               entry pages that show only what the public may see,
 *               certificates checked by `ledger6 verify` in a folder with
 *               nothing but the certificate and the public key, edited
 *               certificates refused, the HTML page escaped, periodic heads,
 *               key rotation with old certificates still valid, the key
 *               file's guards, concurrent appends, and an old store given
 *               its leaves on upgrade.
 *
 * Randomised parts draw from tl_rng (L6_SEED replays them).
 */
#include <pthread.h>
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

#include "testlib_svc.h"
#include <sodium.h>
#include <sqlite3.h>

#include "api/http.h"
#include "core/merkle.h"
#include "core/sth.h"
#include "service/certificate.h"
#include "service/service.h"
#include "testlib.h"
#include "testlib_http.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

static const char *bin(void) {
  static char path[4096];
  if (path[0] == '\0') {
    const char *b = getenv("L6_BIN");
    if (b == NULL || b[0] == '\0') b = "build/ledger6";
    if (realpath(b, path) == NULL) snprintf(path, sizeof path, "%s", b);
  }
  return path;
}

/* Runs `cd CWD && ledger6 ARGS 2>&1`; returns the exit status, output in out. */
static int run_in(const char *cwd, char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int run_in(const char *cwd, char *out, size_t cap, const char *fmt, ...) {
  char args[4096], cmd[12288];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd %s && %s %s 2>&1", cwd, bin(), args);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  assert_non_null(in);
  assert_non_null(out);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
  fclose(in);
  assert_int_equal(fclose(out), 0);
}

/* Runs SQL on a store file with a plain sqlite3 connection (foreign keys
 * off, as anyone editing the file by hand would have them). */
static void sql_exec(const char *db, const char *sql) {
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql %s: %s", sql, msg);
  sqlite3_close(h);
}

/* One integer from a query, -1 when there is no row. */
static int64_t sql_int(const char *db, const char *sql) {
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("sql %s: %s", sql, sqlite3_errmsg(h));
  int64_t v = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

static void hex_of(const uint8_t *b, size_t n, char *out) { sodium_bin2hex(out, 2 * n + 1, b, n); }

static void unhex(const char *hex, uint8_t *out, size_t n) {
  size_t len = 0;
  assert_non_null(hex);
  assert_int_equal(strlen(hex), 2 * n);
  assert_int_equal(sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL), 0);
}

/* ====================================================================== */
/* log_store                                                               */
/* ====================================================================== */

static const l6_actor ADMIN = {.role = L6_ROLE_ADMIN, .name = "test admin"};
/* An actor whose name fills its field (63 bytes): one more byte in the
 * row must not be cut away on reading. */
static const l6_actor LONG_ACTOR = {.role = L6_ROLE_ADMIN,
                                    .name = "an operator whose name fills the whole actor field: 63 bytes..."};

static struct {
  char *dir;
  char db[512], keys[520];
  l6_id issue_tx, fwd_tx, multi_tx, retire_tx, long_actor_tx, last_tx;
  int64_t ntx, heads;
  int seq; /* numbers the copies */
} T;

static void move_as(const l6_actor *who, l6_svc *s, l6_tx_kind kind, l6_id from, l6_id to, l6_qty qty,
                    const l6_range *ranges, size_t nr, l6_id *id) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  *r = (l6_move_req){.kind = kind, .from_account = from, .to_account = to, .quantity = qty, .nranges = nr};
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  for (size_t i = 0; i < nr; i++) r->ranges[i] = ranges[i];
  if (kind == L6_TX_RETIREMENT) {
    snprintf(r->beneficiary, sizeof r->beneficiary, "Beneficiary %lld AG", (long long)qty);
    snprintf(r->purpose, sizeof r->purpose, "voluntary offsetting");
    snprintf(r->claim, sizeof r->claim, "Offsets the 2024 business travel of the Zurich office");
    r->reporting_year = 2024;
  }
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_move(s, who, r, &rep, &err), &err, "move");
  if (id) *id = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  free(r);
}

static void move(l6_svc *s, l6_tx_kind kind, l6_id from, l6_id to, l6_qty qty, const l6_range *ranges, size_t nr,
                 l6_id *id) {
  move_as(&ADMIN, s, kind, from, to, qty, ranges, nr, id);
}

static l6_id issue(l6_svc *s, l6_qty qty, l6_id forward_to, int vintage) {
  l6_issue_req r = {.registry = "CHE01", .project = "PRJ.A", .unit_type = "UA", .vintage = vintage, .quantity = qty,
                    .forward_to = forward_to};
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_issue(s, &ADMIN, &r, &rep, &err), &err, "issue");
  l6_id id = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return id;
}

static void sign(l6_svc *s) {
  bool fresh;
  int64_t size;
  l6_error err = {0};
  tl_ok(svc_log_sign(s, &fresh, &size, &err), &err, "sign");
  assert_true(fresh);
  T.heads++;
}

static int store_setup(void **state) {
  (void)state;
  memset(&T, 0, sizeof T);
  T.dir = tl_tmpdir_make("log-store");
  if (T.dir == NULL) return -1;
  snprintf(T.db, sizeof T.db, "%s/pristine.db", T.dir);
  snprintf(T.keys, sizeof T.keys, "%s.keys", T.db);
  l6_error err = {0};
  l6_store *st = store_sqlite_open(T.db, &err);
  if (st == NULL) return -1;
  l6_svc *s = svc_open(st, 2, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  bool created = false;
  tl_ok(svc_keys_open(s, T.keys, true, &created, &err), &err, "keys");
  assert_true(created);
  json_t *out = NULL;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  tl_ok(svc_party_create(s, &ADMIN, &p, &out, &err), &err, "party");
  json_decref(out);
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Swiss registry"};
  tl_ok(svc_registry_create(s, &ADMIN, &r, &out, &err), &err, "registry");
  json_decref(out);
  l6_programme pr = {.code = "P1", .name = "Programme one", .kind = "voluntary"};
  tl_ok(svc_programme_create(s, &ADMIN, &pr, &out, &err), &err, "programme");
  json_decref(out);
  l6_unit_type u = {.code = "UA", .programme = "P1", .name = "Unit A"};
  tl_ok(svc_unit_type_create(s, &ADMIN, &u, &out, &err), &err, "unit type");
  json_decref(out);
  l6_project pj = {.id = "PRJ.A", .programme = "P1", .host = "CHE", .title = "Project A", .methodology = "M1",
                   .sector = "energy", .kind = "avoidance", .crediting_start = "2015-01-01",
                   .crediting_end = "2030-12-31", .status = "registered"};
  tl_ok(svc_project_create(s, &ADMIN, &pj, &out, &err), &err, "project");
  json_decref(out);
  l6_org o = {.registry = "CHE01", .name = "Org"};
  tl_ok(svc_org_create(s, &ADMIN, &o, &out, &err), &err, "org");
  json_decref(out);
  l6_id h[3];
  for (int i = 0; i < 3; i++) {
    l6_account a = {.registry = "CHE01", .org = o.id, .type = L6_ACCT_HOLDING};
    snprintf(a.name, sizeof a.name, "Holding %d", i);
    tl_ok(svc_account_create(s, &ADMIN, &a, &out, &err), &err, "account");
    json_decref(out);
    h[i] = a.id;
  }
  T.issue_tx = issue(s, 1000, h[0], 2020);
  T.fwd_tx = T.issue_tx + 1;
  sign(s);
  issue(s, 500, 0, 2021);
  l6_range rr[2] = {{1, 1, 100}, {1, 201, 300}};
  move(s, L6_TX_TRANSFER, h[0], h[1], 0, rr, 2, &T.multi_tx);
  move(s, L6_TX_TRANSFER, h[1], h[2], 50, NULL, 0, NULL);
  sign(s);
  move(s, L6_TX_RETIREMENT, h[0], 0, 120, NULL, 0, &T.retire_tx);
  move(s, L6_TX_CANCELLATION, h[2], 0, 5, NULL, 0, NULL);
  assert_int_equal(strlen(LONG_ACTOR.name), sizeof LONG_ACTOR.name - 1);
  move_as(&LONG_ACTOR, s, L6_TX_TRANSFER, h[0], h[1], 2, NULL, 0, &T.long_actor_tx);
  for (int i = 0; i < 10; i++) move(s, L6_TX_TRANSFER, h[i % 2], h[(i + 1) % 2], 3 + i, NULL, 0, NULL);
  move(s, L6_TX_RETIREMENT, h[1], 0, 7, NULL, 0, &T.last_tx);
  sign(s);
  svc_close(s);
  T.ntx = sql_int(T.db, "SELECT count(*) FROM transactions");
  return 0;
}

static int store_teardown(void **state) {
  (void)state;
  return tl_tmpdir_remove(T.dir);
}

static int64_t leaf_of(l6_id tx) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT idx FROM log_leaves WHERE tx = %lld", (long long)tx);
  return sql_int(T.db, sql);
}

/* A fresh copy of the pristine store and its key file; returns its path. */
static const char *fresh_copy(void) {
  static char path[600];
  char keys[620];
  snprintf(path, sizeof path, "%s/copy%d.db", T.dir, ++T.seq);
  snprintf(keys, sizeof keys, "%s.keys", path);
  copy_file(T.db, path);
  copy_file(T.keys, keys);
  chmod(keys, 0600);
  return path;
}

static char out[65536];

/* verify --store on a copy edited by sql; returns the exit status. */
static int verify_after(const char *sql) {
  const char *db = fresh_copy();
  if (sql) sql_exec(db, sql);
  return run_in(T.dir, out, sizeof out, "verify --store --db %s", db);
}

/* Expects verify to fail naming leaf and transaction (tx 0: any). */
#define expect_caught(sql, leaf, tx, words) expect_caught_at((sql), (leaf), (tx), (words), __FILE__, __LINE__)
static void expect_caught_at(const char *sql, int64_t leaf, l6_id tx, const char *words, const char *file, int line) {
  int rc = verify_after(sql);
  char want[128] = "";
  if (tx) snprintf(want, sizeof want, "first mismatch: leaf %lld, transaction %lld", (long long)leaf, (long long)tx);
  if (rc != 1 || strncmp(out, "invalid: ", 9) != 0 || (tx && strstr(out, want) == NULL) ||
      (words && strstr(out, words) == NULL)) {
    print_error("%s:%d: after `%s` verify --store exited %d, wanted 1 with '%s' and '%s'; it said:\n%s", file, line,
                sql, rc, want, words ? words : "", out);
    fail();
  }
}

static void test_one_leaf_per_transaction(void **state) {
  (void)state;
  /* The issuance and its forward are two transactions and two leaves; the
   * leaves are in transaction order. */
  assert_int_equal(sql_int(T.db, "SELECT count(*) FROM log_leaves"), T.ntx);
  assert_int_equal(leaf_of(T.issue_tx), 0);
  assert_int_equal(leaf_of(T.fwd_tx), 1);
  assert_int_equal(sql_int(T.db, "SELECT count(*) FROM log_leaves l WHERE NOT EXISTS (SELECT 1 FROM log_leaves m"
                                 " WHERE m.idx = l.idx - 1 AND m.tx < l.tx) AND l.idx > 0"),
                   0);
  /* Every complete subtree is stored once: 2n - popcount(n) nodes. */
  int64_t n = T.ntx, pop = 0;
  for (int64_t v = n; v; v >>= 1) pop += v & 1;
  assert_int_equal(sql_int(T.db, "SELECT count(*) FROM log_nodes"), 2 * n - pop);
  assert_int_equal(sql_int(T.db, "SELECT count(*) FROM log_heads"), T.heads);
  assert_int_equal(sql_int(T.db, "SELECT max(tree_size) FROM log_heads"), n);
  /* A refused request leaves no leaf. */
  const char *db = fresh_copy();
  l6_error err = {0};
  l6_store *st = store_sqlite_open(db, &err);
  l6_svc *s = svc_open(st, 2, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  l6_move_req *r = calloc(1, sizeof *r);
  *r = (l6_move_req){.kind = L6_TX_TRANSFER, .from_account = 4, .to_account = 5, .quantity = 1000000};
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  l6_reply rep;
  assert_int_equal(svc_move(s, &ADMIN, r, &rep, &err), L6_E_INSUFFICIENT_HOLDINGS);
  free(r);
  int64_t size = 0;
  tl_ok(st->ops->log_size(st, &size, &err), &err, "log size");
  assert_int_equal(size, T.ntx);
  /* Backfill never gives leaves to a store that had a log. */
  int64_t added = -1;
  tl_ok(svc_log_backfill(s, &added, &err), &err, "backfill");
  assert_int_equal(added, 0);
  svc_close(s);
}

static void test_verify_clean_store(void **state) {
  (void)state;
  int rc = verify_after(NULL);
  if (rc != 0) print_error("%s", out);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "valid: "));
  assert_non_null(strstr(out, "pinned by the key file"));
}

/* SQL that flips bit 0 of the character at position k (from 1) of a text
 * column: x XOR 1 written as (x | 1) - (x & 1). */
static void flip_sql(char *buf, size_t cap, const char *table, const char *col, const char *where, int k) {
  snprintf(buf, cap,
           "UPDATE %s SET %s = substr(%s, 1, %d) || char((unicode(substr(%s, %d, 1)) | 1) - (unicode(substr(%s, %d, "
           "1)) & 1)) || substr(%s, %d) WHERE %s",
           table, col, col, k - 1, col, k, col, k, col, k + 1, where);
}

/* A byte of every column of a retirement: each caught, naming it. */
static void test_tamper_each_transaction_column(void **state) {
  (void)state;
  static const char *const text_cols[] = {"kind", "ts", "actor", "beneficiary", "purpose", "claim"};
  static const char *const int_cols[] = {"from_account", "to_account", "quantity", "reporting_year"};
  int64_t leaf = leaf_of(T.retire_tx);
  char where[64], sql[1024];
  snprintf(where, sizeof where, "id = %lld", (long long)T.retire_tx);
  for (size_t i = 0; i < COUNT(text_cols); i++) {
    flip_sql(sql, sizeof sql, "transactions", text_cols[i], where, 3);
    expect_caught(sql, leaf, T.retire_tx, "no longer matches its log entry");
  }
  for (size_t i = 0; i < COUNT(int_cols); i++) {
    snprintf(sql, sizeof sql, "UPDATE transactions SET %s = %s + 1 WHERE %s", int_cols[i], int_cols[i], where);
    expect_caught(sql, leaf, T.retire_tx, "no longer matches its log entry");
  }
  /* One byte more than the field holds must not be cut away on reading,
   * which would give back the original. */
  snprintf(sql, sizeof sql, "UPDATE transactions SET actor = actor || 'X' WHERE id = %lld", (long long)T.long_actor_tx);
  expect_caught(sql, leaf_of(T.long_actor_tx), T.long_actor_tx, "no longer matches its log entry");
}

/* Every column of a transaction's lines, and the batch and project its
 * serial strings come from. */
static void test_tamper_lines_and_batches(void **state) {
  (void)state;
  static const char *const cols[] = {"batch", "first", "last", "from_account", "to_account"};
  int64_t leaf = leaf_of(T.multi_tx);
  char sql[512];
  for (size_t i = 0; i < COUNT(cols); i++) {
    snprintf(sql, sizeof sql,
             "UPDATE tx_lines SET %s = %s + 1 WHERE rowid = (SELECT max(rowid) FROM tx_lines WHERE tx = %lld)", cols[i],
             cols[i], (long long)T.multi_tx);
    expect_caught(sql, leaf, T.multi_tx, NULL);
  }
  /* The first leaf whose serial strings use batch 1 is the issuance. */
  expect_caught("UPDATE batches SET vintage = vintage + 1 WHERE id = 1", 0, T.issue_tx, NULL);
  expect_caught("UPDATE projects SET host = 'DEU'", 0, T.issue_tx, NULL);
}

/* Random transactions, random columns, random byte positions. */
static void test_tamper_random_bytes(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0x746c6f67);
  static const char *const cols[] = {"kind", "ts", "actor", "beneficiary", "purpose", "claim"};
  for (int round = 0; round < 12; round++) {
    l6_id tx = (l6_id)tl_rng_range(&rng, 1, T.ntx);
    const char *col = cols[tl_rng_below(&rng, COUNT(cols))];
    char sql[1024], where[64], probe[128];
    snprintf(probe, sizeof probe, "SELECT length(%s) FROM transactions WHERE id = %lld", col, (long long)tx);
    int64_t len = sql_int(T.db, probe);
    if (len <= 0) {
      col = "ts";
      snprintf(probe, sizeof probe, "SELECT length(ts) FROM transactions WHERE id = %lld", (long long)tx);
      len = sql_int(T.db, probe);
    }
    snprintf(where, sizeof where, "id = %lld", (long long)tx);
    flip_sql(sql, sizeof sql, "transactions", col, where, (int)tl_rng_range(&rng, 1, len));
    expect_caught(sql, leaf_of(tx), tx, "no longer matches its log entry");
  }
}

static void test_tamper_delete_rows(void **state) {
  (void)state;
  char sql[512];
  /* A transaction row: its leaf records what is no longer there. */
  snprintf(sql, sizeof sql, "DELETE FROM transactions WHERE id = %lld", (long long)T.retire_tx);
  expect_caught(sql, leaf_of(T.retire_tx), T.retire_tx, "missing from the store");
  /* One line of a transaction. */
  snprintf(sql, sizeof sql, "DELETE FROM tx_lines WHERE rowid = (SELECT max(rowid) FROM tx_lines WHERE tx = %lld)",
           (long long)T.multi_tx);
  expect_caught(sql, leaf_of(T.multi_tx), T.multi_tx, "no longer matches");
  /* A leaf: its transaction has none in its place. */
  snprintf(sql, sizeof sql, "DELETE FROM log_leaves WHERE tx = %lld", (long long)T.multi_tx);
  expect_caught(sql, leaf_of(T.multi_tx), T.multi_tx + 1, "is missing");
  /* A subtree node. */
  expect_caught("DELETE FROM log_nodes WHERE level = 2 AND idx = 1", 4, 0, "log node (level 2, index 1)");
  /* The newest transaction with its leaf and its leaf hash: the last
   * signed head is larger than the log now. */
  snprintf(sql, sizeof sql,
           "DELETE FROM tx_lines WHERE tx = %lld; DELETE FROM transactions WHERE id = %lld;"
           "DELETE FROM log_leaves WHERE tx = %lld; DELETE FROM log_nodes WHERE level = 0 AND idx = %lld",
           (long long)T.last_tx, (long long)T.last_tx, (long long)T.last_tx, (long long)(T.ntx - 1));
  expect_caught(sql, -1, 0, "is larger than the log");
}

static void test_tamper_reorder(void **state) {
  (void)state;
  char sql[1024];
  l6_id a = T.multi_tx, b = T.multi_tx + 1;
  /* Two transactions (with their lines) trade places in history. */
  snprintf(sql, sizeof sql,
           "UPDATE transactions SET id = -1 WHERE id = %lld; UPDATE transactions SET id = %lld WHERE id = %lld;"
           "UPDATE transactions SET id = %lld WHERE id = -1;"
           "UPDATE tx_lines SET tx = -1 WHERE tx = %lld; UPDATE tx_lines SET tx = %lld WHERE tx = %lld;"
           "UPDATE tx_lines SET tx = %lld WHERE tx = -1",
           (long long)a, (long long)a, (long long)b, (long long)b, (long long)a, (long long)a, (long long)b, (long long)b);
  expect_caught(sql, leaf_of(a), a, "no longer matches");
  /* Two leaves trade places. */
  int64_t i = leaf_of(a), j = leaf_of(b);
  snprintf(sql, sizeof sql,
           "UPDATE log_leaves SET idx = -1 WHERE idx = %lld; UPDATE log_leaves SET idx = %lld WHERE idx = %lld;"
           "UPDATE log_leaves SET idx = %lld WHERE idx = -1",
           (long long)i, (long long)i, (long long)j, (long long)j);
  expect_caught(sql, i, a, "out of order");
  /* The two lines of one transaction trade places. */
  char q[128];
  snprintf(q, sizeof q, "SELECT min(rowid) FROM tx_lines WHERE tx = %lld", (long long)a);
  int64_t r1 = sql_int(T.db, q);
  snprintf(q, sizeof q, "SELECT max(rowid) FROM tx_lines WHERE tx = %lld", (long long)a);
  int64_t r2 = sql_int(T.db, q);
  assert_true(r2 > r1);
  snprintf(sql, sizeof sql,
           "UPDATE tx_lines SET rowid = -1 WHERE rowid = %lld; UPDATE tx_lines SET rowid = %lld WHERE rowid = %lld;"
           "UPDATE tx_lines SET rowid = %lld WHERE rowid = -1",
           (long long)r1, (long long)r1, (long long)r2, (long long)r2);
  expect_caught(sql, i, a, "no longer matches");
  /* Two leaf hashes trade places. */
  snprintf(sql, sizeof sql,
           "UPDATE log_nodes SET idx = -1 WHERE level = 0 AND idx = %lld;"
           "UPDATE log_nodes SET idx = %lld WHERE level = 0 AND idx = %lld;"
           "UPDATE log_nodes SET idx = %lld WHERE level = 0 AND idx = -1",
           (long long)i, (long long)i, (long long)j, (long long)j);
  expect_caught(sql, i, a, "no longer matches");
}

static void test_tamper_heads_and_keys(void **state) {
  (void)state;
  /* A head's root, signature, time; a key that is not what its id says. */
  expect_caught("UPDATE log_heads SET root_hash = replace(root_hash, substr(root_hash, 1, 1),"
                " CASE substr(root_hash, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END)"
                " WHERE tree_size = (SELECT max(tree_size) FROM log_heads)",
                -1, 0, "was changed after it was signed");
  expect_caught("UPDATE log_heads SET signature = CASE substr(signature, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END"
                " || substr(signature, 2) WHERE tree_size = (SELECT min(tree_size) FROM log_heads)",
                -1, 0, "valid signature");
  expect_caught("UPDATE log_heads SET ts = ts + 1", -1, 0, "valid signature");
  expect_caught("UPDATE log_keys SET public_key = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'",
                -1, 0, "does not match its public key");
}

typedef struct {
  int64_t level, index;
  char hex[65];
} node_fix;

/* The attacker who knows the format: edits a retirement, recomputes its
 * leaf and every node above it, and even re-signs every head with a key
 * of their own, put in the store in place of the registry's. */
static void test_tamper_recomputed_tree(void **state) {
  (void)state;
  char sql[1024];
  const char *db = fresh_copy();
  snprintf(sql, sizeof sql, "UPDATE transactions SET beneficiary = 'Somebody Else AG' WHERE id = %lld",
           (long long)T.retire_tx);
  sql_exec(db, sql);
  l6_error err = {0};
  l6_store *st = store_sqlite_open(db, &err);
  assert_non_null(st);
  node_fix *fix = calloc(4 * (size_t)T.ntx, sizeof *fix);
  size_t nfix = 0;
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (int64_t i = 0; i < T.ntx; i++) {
    l6_log_leaf leaf;
    tl_ok(st->ops->log_leaf_get(st, i, 0, &leaf, &err), &err, "leaf");
    tlog_entry en;
    tl_ok(tlog_entry_build(st, leaf.tx, leaf.salt, &en, &err), &err, "entry");
    merkle_node nodes[MERKLE_MAX_PROOF];
    size_t n = merkle_frontier_push(&f, en.leaf_hash, nodes);
    for (size_t k = 0; k < n; k++) {
      fix[nfix] = (node_fix){nodes[k].level, nodes[k].index, ""};
      hex_of(nodes[k].hash, 32, fix[nfix++].hex);
    }
    tlog_entry_free(&en);
  }
  st->ops->close(st);
  char *script = malloc(nfix * 160 + 1);
  size_t len = 0;
  for (size_t k = 0; k < nfix; k++)
    len += (size_t)sprintf(script + len, "UPDATE log_nodes SET hash = '%s' WHERE level = %lld AND idx = %lld;", fix[k].hex,
                           (long long)fix[k].level, (long long)fix[k].index);
  sql_exec(db, script);
  free(script);
  free(fix);
  /* The rows and the tree agree again; only the signed heads remember. */
  int rc = run_in(T.dir, out, sizeof out, "verify --store --db %s", db);
  if (rc != 1 || strstr(out, "was changed after it was signed") == NULL) fail_msg("recomputed tree: %d %s", rc, out);

  /* Re-signed heads under the attacker's key: refused by the key file's
   * keys, and by --key; the store alone cannot tell. */
  uint8_t pk[32], sk[64], root[32], sig[64];
  crypto_sign_ed25519_keypair(pk, sk);
  char id[17], pkhex[65], sighex[129];
  sth_key_id(pk, id);
  hex_of(pk, 32, pkhex);
  char registry_hex[65];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM log_heads");
  int64_t nheads = sql_int(db, sql);
  assert_true(nheads > 0 && nheads < 16);
  int64_t sizes[16], stamps[16];
  {
    sqlite3 *h;
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT public_key FROM log_keys", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(registry_hex, sizeof registry_hex, "%s", sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT tree_size, ts FROM log_heads ORDER BY tree_size", -1, &stmt, NULL),
                     SQLITE_OK);
    for (int64_t k = 0; k < nheads; k++) {
      assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
      sizes[k] = sqlite3_column_int64(stmt, 0);
      stamps[k] = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(h);
  }
  /* The attacker signs the roots the edited tree really has. */
  char updates[8192];
  size_t ulen = (size_t)snprintf(updates, sizeof updates,
                                 "DELETE FROM log_keys; INSERT INTO log_keys VALUES('%s', '%s', 0, 1);", id, pkhex);
  st = store_sqlite_open(db, &err);
  assert_non_null(st);
  for (int64_t k = 0; k < nheads; k++) {
    tl_ok(tlog_root(st, sizes[k], root, &err), &err, "root");
    sth_sign(sk, sizes[k], stamps[k], root, sig);
    char rhex[65];
    hex_of(sig, 64, sighex);
    hex_of(root, 32, rhex);
    ulen += (size_t)snprintf(updates + ulen, sizeof updates - ulen,
                             "UPDATE log_heads SET root_hash = '%s', key_id = '%s', signature = '%s' WHERE tree_size = "
                             "%lld;",
                             rhex, id, sighex, (long long)sizes[k]);
  }
  st->ops->close(st);
  sql_exec(db, updates);
  rc = run_in(T.dir, out, sizeof out, "verify --store --db %s", db);
  if (rc != 1 || strstr(out, "not one of the trusted keys") == NULL) fail_msg("re-signed, key file: %d %s", rc, out);
  char keyfile[700];
  snprintf(keyfile, sizeof keyfile, "%s.keys", db);
  unlink(keyfile);
  rc = run_in(T.dir, out, sizeof out, "verify --store --db %s --key %s", db, registry_hex);
  if (rc != 1 || strstr(out, "not one of the trusted keys") == NULL) fail_msg("re-signed, --key: %d %s", rc, out);
  rc = run_in(T.dir, out, sizeof out, "verify --store --db %s", db);
  if (rc != 0 || strstr(out, "not pinned") == NULL) fail_msg("re-signed, nothing pinned: %d %s", rc, out);
}

/* A certificate made outside ledger6 -- entry and tree with Python's
 * hashlib, head signed by `openssl pkeyutl` with the key of RFC 8032 test
 * 1 (fuzz/corpus/cert/valid) -- verifies; every edited copy beside it
 * does not. The format is what docs/TRANSPARENCY.md says, not just what
 * this code does. */
static void test_certificate_made_elsewhere(void **state) {
  (void)state;
  static const char *const files[] = {"valid",      "quantity",       "beneficiary", "range",
                                      "proof_long", "huge_size",      "negative_index", "no_blocks",
                                      "year_string", "huge_serial",   "extra_field"};
  uint8_t seed[32], pk[32], sk[64];
  unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
  crypto_sign_ed25519_seed_keypair(pk, sk, seed);
  const char *src = getenv("L6_SRCDIR");
  for (size_t i = 0; i < COUNT(files); i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz/corpus/cert/%s", src && src[0] ? src : ".", files[i]);
    json_error_t je;
    json_t *cert = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (cert == NULL) fail_msg("%s: %s", path, je.text);
    cert_result res;
    cert_verify(cert, pk, &res);
    json_decref(cert);
    if (res.valid != (i == 0)) fail_msg("%s: %s (%s)", files[i], res.valid ? "valid" : "invalid", res.problems[0]);
  }
}

/* ====================================================================== */
/* log_api                                                                 */
/* ====================================================================== */

#define PROJECT "VCS.2250"
#define HOST "MWI"
#define EVIL "<script>alert(\"x\")</script> & 'Co'"

static struct {
  tl_srv srv;
  tl_registry_accounts che;
  int64_t org, a1, a2;
  int64_t retire1;        /* a retirement with EVIL as beneficiary */
  char pk_hex[65], pk_b64[64], key_id[17];
  char *aud;              /* an auditor token */
  char *dir;              /* a folder with nothing in it but what a buyer has */
} A;

#define S (&A.srv)

static json_t *get_ok(const char *token, const char *path) {
  tl_resp r = tl_http_req(S, "GET", path, token, NULL, NULL);
  tl_assert_status(&r, 200);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

static int64_t retire(int64_t from, int64_t qty, const char *beneficiary) {
  tl_resp r = tl_http_reqj(S, "POST", "/v1/retirements", S->admin,
                           json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:i}", "from_account", (json_int_t)from, "unit_type",
                                     "VCU", "quantity", (json_int_t)qty, "beneficiary", beneficiary, "purpose",
                                     "voluntary <offsetting>", "claim", "Net zero \"2030\" & beyond", "reporting_year",
                                     2025),
                           NULL);
  tl_assert_status(&r, 201);
  int64_t id = tl_jint(r.body, "id");
  tl_resp_free(&r);
  return id;
}

static void transfer(int64_t from, int64_t to, int64_t qty) {
  tl_resp r = tl_http_reqj(S, "POST", "/v1/transfers", S->admin,
                           json_pack("{s:I, s:I, s:s, s:I}", "from_account", (json_int_t)from, "to_account",
                                     (json_int_t)to, "unit_type", "VCU", "quantity", (json_int_t)qty),
                           NULL);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
}

static void load_key(void) {
  json_t *k = get_ok(NULL, "/v1/keys");
  json_t *cur = NULL;
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(k, "items"), i, it) if (json_is_true(json_object_get(it, "current"))) cur = it;
  assert_non_null(cur);
  snprintf(A.pk_hex, sizeof A.pk_hex, "%s", tl_jstr(cur, "public_key"));
  snprintf(A.pk_b64, sizeof A.pk_b64, "%s", tl_jstr(cur, "public_key_base64"));
  snprintf(A.key_id, sizeof A.key_id, "%s", tl_jstr(cur, "key_id"));
  assert_string_equal(tl_jstr(cur, "algorithm"), "Ed25519");
  json_decref(k);
}

static int api_setup(void **state) {
  (void)state;
  memset(&A, 0, sizeof A);
  if (tl_srv_start(&A.srv, "log-api") != 0) return -1;
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_party(S, HOST, "Malawi");
  tl_mk_registry(S, "CHE01", "CHE", &A.che);
  tl_mk_project(S, PROJECT, "VCS", HOST);
  A.org = tl_mk_org(S, "CHE01", "Alpine Carbon AG");
  A.a1 = tl_mk_account(S, "CHE01", A.org, "holding", "A main");
  A.a2 = tl_mk_account(S, "CHE01", A.org, "holding", "A second");
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 1000, A.a1));
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2023, 1000, A.a1));
  transfer(A.a1, A.a2, 300);
  A.retire1 = retire(A.a1, 950, EVIL); /* both batches: two blocks */
  A.aud = tl_mk_token(S, "auditor", 0);
  A.dir = tl_tmpdir_make("log-buyer");
  load_key();
  return A.dir ? 0 : -1;
}

static int api_teardown(void **state) {
  (void)state;
  int rc = A.srv.pid ? tl_srv_stop(&A.srv) : 0;
  tl_srv_free(&A.srv);
  free(A.aud);
  tl_tmpdir_remove(A.dir);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

/* The latest head, its signature checked against the published key. */
static void get_head(int64_t *size, uint8_t root[32]) {
  json_t *h = get_ok(NULL, "/v1/log/sth");
  uint8_t pk[32], sig[64];
  unhex(A.pk_hex, pk, 32);
  unhex(tl_jstr(h, "root_hash"), root, 32);
  unhex(tl_jstr(h, "signature"), sig, 64);
  *size = tl_jint(h, "tree_size");
  assert_string_equal(tl_jstr(h, "key_id"), A.key_id);
  assert_true(sth_verify(pk, *size, tl_jint(h, "timestamp"), root, sig));
  json_decref(h);
}

static size_t hashes_of(const json_t *reply, uint8_t (*dst)[32]) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(reply, "hashes"), i, it) unhex(json_string_value(it), dst[i], 32);
  return json_array_size(json_object_get(reply, "hashes"));
}

static void test_sth_and_inclusion(void **state) {
  (void)state;
  int64_t size;
  uint8_t root[32];
  get_head(&size, root);
  json_t *txs = get_ok(S->admin, "/v1/transactions?limit=500");
  assert_int_equal((int64_t)json_array_size(json_object_get(txs, "items")), size); /* one leaf per transaction */
  json_decref(txs);
  char path[256];
  for (int64_t i = 0; i < size; i++) {
    snprintf(path, sizeof path, "/v1/log/proof/inclusion?index=%lld&tree_size=%lld", (long long)i, (long long)size);
    json_t *p = get_ok(NULL, path);
    uint8_t leaf[32], proof[MERKLE_MAX_PROOF][32];
    unhex(tl_jstr(p, "leaf_hash"), leaf, 32);
    size_t n = hashes_of(p, proof);
    assert_true(merkle_verify_inclusion(i, size, leaf, (const uint8_t(*)[32])proof, n, root));
    assert_int_equal(tl_jint(p, "transaction"), i + 1);
    json_decref(p);
  }
  /* By transaction id, at the latest head (which the reply carries). */
  snprintf(path, sizeof path, "/v1/log/proof/inclusion?transaction=%lld", (long long)A.retire1);
  json_t *p = get_ok(NULL, path);
  assert_int_equal(tl_jint(json_object_get(p, "tree_head"), "tree_size"), size);
  assert_int_equal(tl_jint(p, "leaf_index"), A.retire1 - 1);
  json_decref(p);
  /* Refused: both or neither parameter, a leaf outside the tree, a tree
   * larger than the log, an unknown transaction. */
  static const struct {
    const char *path;
    long status;
    const char *code;
  } bad[] = {
      {"/v1/log/proof/inclusion", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=0&transaction=1", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=-1", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=999", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=3&tree_size=3", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=0&tree_size=0", 400, "bad_param"},
      {"/v1/log/proof/inclusion?index=0&tree_size=999", 400, "bad_param"},
      {"/v1/log/proof/inclusion?transaction=999", 404, "unknown_transaction"},
      {"/v1/log/proof/consistency", 400, "bad_param"},
      {"/v1/log/proof/consistency?first=0", 400, "bad_param"},
      {"/v1/log/proof/consistency?first=5&second=4", 400, "bad_param"},
      {"/v1/log/proof/consistency?first=1&second=999", 400, "bad_param"},
      {"/v1/log/entries?start=5&end=4", 400, "bad_param"},
      {"/v1/log/entries?start=x", 400, "bad_param"},
  };
  for (size_t i = 0; i < COUNT(bad); i++) {
    tl_resp r = tl_http_req(S, "GET", bad[i].path, NULL, NULL, NULL);
    if (!tl_error_is(&r, bad[i].status, bad[i].code, __FILE__, __LINE__)) {
      tl_resp_free(&r);
      fail_msg("%s", bad[i].path);
    }
    tl_resp_free(&r);
  }
}

/* Today's log extends yesterday's: every earlier size against the new head. */
static void test_consistency(void **state) {
  (void)state;
  int64_t old_size;
  uint8_t old_root[32];
  get_head(&old_size, old_root);
  /* The same head again when nothing happened. */
  int64_t again;
  uint8_t again_root[32];
  get_head(&again, again_root);
  assert_int_equal(again, old_size);
  assert_memory_equal(again_root, old_root, 32);
  transfer(A.a2, A.a1, 7);
  transfer(A.a2, A.a1, 8);
  int64_t size;
  uint8_t root[32];
  get_head(&size, root);
  assert_int_equal(size, old_size + 2);
  char path[128];
  snprintf(path, sizeof path, "/v1/log/proof/consistency?first=%lld", (long long)old_size);
  json_t *p = get_ok(NULL, path);
  uint8_t proof[MERKLE_MAX_PROOF][32];
  size_t n = hashes_of(p, proof);
  assert_int_equal(tl_jint(p, "second"), size);
  assert_true(merkle_verify_consistency(old_size, size, old_root, root, (const uint8_t(*)[32])proof, n));
  old_root[0] ^= 1;
  assert_false(merkle_verify_consistency(old_size, size, old_root, root, (const uint8_t(*)[32])proof, n));
  json_decref(p);
  /* And between any two sizes, checked against roots from inclusion-free
   * recomputation: the leaf hashes of every entry. */
  json_t *e = get_ok(A.aud, "/v1/log/entries?start=0");
  uint8_t leaves[64][32];
  size_t i;
  json_t *it;
  assert_true(json_array_size(json_object_get(e, "items")) == (size_t)size);
  json_array_foreach(json_object_get(e, "items"), i, it) unhex(tl_jstr(it, "leaf_hash"), leaves[i], 32);
  json_decref(e);
  for (int64_t m = 1; m < size; m++) {
    merkle_frontier f1, f2;
    merkle_frontier_init(&f1);
    merkle_frontier_init(&f2);
    merkle_node tmp[MERKLE_MAX_PROOF];
    for (int64_t k = 0; k < size; k++) {
      if (k < m) merkle_frontier_push(&f1, leaves[k], tmp);
      merkle_frontier_push(&f2, leaves[k], tmp);
    }
    uint8_t r1[32], r2[32];
    merkle_frontier_root(&f1, r1);
    merkle_frontier_root(&f2, r2);
    assert_memory_equal(r2, root, 32);
    snprintf(path, sizeof path, "/v1/log/proof/consistency?first=%lld&second=%lld", (long long)m, (long long)size);
    p = get_ok(NULL, path);
    n = hashes_of(p, proof);
    assert_true(merkle_verify_consistency(m, size, r1, r2, (const uint8_t(*)[32])proof, n));
    json_decref(p);
  }
}

/* Entry pages are bounded, and the public sees entries of retirements
 * only; each entry hashes to its leaf hash. */
static void test_entries(void **state) {
  (void)state;
  json_t *pub = get_ok(NULL, "/v1/log/entries?start=0&end=100000");
  json_t *aud = get_ok(A.aud, "/v1/log/entries?start=0&end=100000");
  json_t *items = json_object_get(pub, "items");
  int64_t size = tl_jint(pub, "tree_size");
  assert_true(json_array_size(items) <= L6_LOG_MAX_ENTRIES);
  assert_int_equal((int64_t)json_array_size(items), size < L6_LOG_MAX_ENTRIES ? size : L6_LOG_MAX_ENTRIES);
  size_t i;
  json_t *it;
  int retirements = 0;
  json_array_foreach(items, i, it) {
    json_t *full = json_array_get(json_object_get(aud, "items"), i);
    assert_int_equal(tl_jint(it, "index"), (int64_t)i);
    assert_string_equal(tl_jstr(it, "leaf_hash"), tl_jstr(full, "leaf_hash"));
    const char *entry = tl_jstr(full, "entry");
    assert_non_null(entry); /* auditors see every entry */
    uint8_t h[32];
    char hex[65];
    merkle_leaf_hash(entry, strlen(entry), h);
    hex_of(h, 32, hex);
    assert_string_equal(hex, tl_jstr(it, "leaf_hash"));
    bool is_ret = strcmp(tl_jstr(full, "kind"), "retirement") == 0;
    retirements += is_ret;
    if (is_ret) assert_string_equal(tl_jstr(it, "entry"), entry);
    else assert_null(json_object_get(it, "entry")); /* the public sees transfers as hashes only */
    if (!is_ret) assert_null(json_object_get(it, "transaction"));
    /* No account id or actor in any entry: only their commitment. */
    assert_null(strstr(entry, "account"));
    assert_null(strstr(entry, "actor"));
  }
  assert_true(retirements >= 1);
  json_decref(pub);
  json_decref(aud);
  json_t *page = get_ok(NULL, "/v1/log/entries?start=1&end=2");
  assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
  assert_int_equal(tl_jint(page, "next"), 3);
  json_decref(page);
  page = get_ok(NULL, "/v1/log/entries?start=100000");
  assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
  assert_true(json_is_null(json_object_get(page, "next")));
  json_decref(page);
}

static json_t *get_certificate(int64_t tx) {
  char path[128];
  snprintf(path, sizeof path, "/v1/retirements/%lld/certificate", (long long)tx);
  return get_ok(NULL, path);
}

static void save(const json_t *cert, const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", A.dir, name);
  assert_int_equal(json_dump_file(cert, path, JSON_INDENT(2)), 0);
}

/* `ledger6 verify NAME --key KEY` in the buyer's folder. */
static int verify_cert(const char *name, const char *key) {
  return run_in(A.dir, out, sizeof out, "verify %s --key %s", name, key);
}

/* The buyer's machine: a folder holding the certificate and the public
 * key, nothing else -- no store, no configuration, no network. */
static void test_certificate_verifies_offline(void **state) {
  (void)state;
  json_t *c = get_certificate(A.retire1);
  save(c, "certificate.json");
  assert_int_equal(json_array_size(json_object_get(json_object_get(c, "retirement"), "blocks")), 2);
  assert_string_equal(tl_jstr(json_object_get(c, "retirement"), "beneficiary"), EVIL);
  json_decref(c);
  char keyfile[L6_STORE_SPEC_MAX + 16];
  snprintf(keyfile, sizeof keyfile, "%s/registry.pub", A.dir);
  FILE *f = fopen(keyfile, "w");
  assert_non_null(f);
  fprintf(f, "%s\n", A.pk_b64);
  fclose(f);
  static const char *const forms[3] = {"hex", "base64", "file"};
  for (int i = 0; i < 3; i++) {
    int rc = verify_cert("certificate.json", i == 0 ? A.pk_hex : i == 1 ? A.pk_b64 : "registry.pub");
    if (rc != 0 || strncmp(out, "valid: ", 7) != 0) fail_msg("key as %s: exit %d: %s", forms[i], rc, out);
  }
  assert_non_null(strstr(out, "950 units"));
  /* Nothing but the two files is there afterwards: no store was made. */
  char probe[700];
  snprintf(probe, sizeof probe, "%s/data", A.dir);
  struct stat sb;
  assert_int_not_equal(stat(probe, &sb), 0);
}

/* Edits one certificate with f, saves it, and expects verify to refuse. */
typedef void (*edit_fn)(json_t *cert);

static json_t *ret_of(json_t *c) { return json_object_get(c, "retirement"); }
static json_t *block0(json_t *c) { return json_array_get(json_object_get(ret_of(c), "blocks"), 0); }

static void e_quantity(json_t *c) { json_object_set_new(ret_of(c), "quantity", json_integer(951)); }
static void e_quantity_everywhere(json_t *c) {
  /* More units, consistently: quantity, the block's range, its serial. */
  json_t *b = block0(c);
  int64_t last = tl_jint(b, "last") + 1;
  char serial[200];
  snprintf(serial, sizeof serial, "%s-%s-%s-%04lld-%06lld-%09lld-%09lld", tl_jstr(b, "unit_type"), tl_jstr(b, "host"),
           tl_jstr(b, "project"), (long long)tl_jint(b, "vintage"), (long long)tl_jint(b, "batch"),
           (long long)tl_jint(b, "first"), (long long)last);
  json_object_set_new(b, "last", json_integer(last));
  json_object_set_new(b, "quantity", json_integer(tl_jint(b, "quantity") + 1));
  json_object_set_new(b, "serial", json_string(serial));
  json_object_set_new(ret_of(c), "quantity", json_integer(tl_jint(ret_of(c), "quantity") + 1));
}
static void e_beneficiary(json_t *c) { json_object_set_new(ret_of(c), "beneficiary", json_string("Somebody Else AG")); }
static void e_serial_range(json_t *c) {
  /* The same number of units, other serials. */
  json_t *b = block0(c);
  int64_t first = tl_jint(b, "first") + 10, last = tl_jint(b, "last") + 10;
  char serial[200];
  snprintf(serial, sizeof serial, "%s-%s-%s-%04lld-%06lld-%09lld-%09lld", tl_jstr(b, "unit_type"), tl_jstr(b, "host"),
           tl_jstr(b, "project"), (long long)tl_jint(b, "vintage"), (long long)tl_jint(b, "batch"), (long long)first,
           (long long)last);
  json_object_set_new(b, "first", json_integer(first));
  json_object_set_new(b, "last", json_integer(last));
  json_object_set_new(b, "serial", json_string(serial));
}
static void e_serial_string(json_t *c) {
  json_t *b = block0(c);
  char serial[200];
  snprintf(serial, sizeof serial, "%s", tl_jstr(b, "serial"));
  serial[strlen(serial) - 1] = serial[strlen(serial) - 1] == '1' ? '2' : '1';
  json_object_set_new(b, "serial", json_string(serial));
}
static void e_vintage(json_t *c) { json_object_set_new(block0(c), "vintage", json_integer(tl_jint(block0(c), "vintage") + 1)); }
static void e_signature(json_t *c) {
  json_t *h = json_object_get(c, "tree_head");
  char sig[129];
  snprintf(sig, sizeof sig, "%s", tl_jstr(h, "signature"));
  sig[10] = sig[10] == 'a' ? 'b' : 'a';
  json_object_set_new(h, "signature", json_string(sig));
}
static void e_tree_size(json_t *c) {
  json_t *h = json_object_get(c, "tree_head");
  json_object_set_new(h, "tree_size", json_integer(tl_jint(h, "tree_size") + 1));
}
static void e_proof(json_t *c) {
  json_t *p = json_object_get(c, "inclusion_proof");
  char h[65];
  snprintf(h, sizeof h, "%s", json_string_value(json_array_get(p, 0)));
  h[0] = h[0] == '0' ? '1' : '0';
  json_array_set_new(p, 0, json_string(h));
}
static void e_extra_field(json_t *c) { json_object_set_new(ret_of(c), "note", json_string("also 10,000 more")); }
/* The attacker who rewrites the leaf too: entry and hash made to match the
 * edited beneficiary. Only the proof and the signature stand in the way. */
static void e_beneficiary_and_leaf(json_t *c) {
  e_beneficiary(c);
  json_t *leaf = json_object_get(c, "leaf");
  const char *entry = tl_jstr(leaf, "entry");
  const char *at = strstr(entry, "beneficiary ");
  const char *nl = strchr(at, '\n');
  char fixed[8192];
  snprintf(fixed, sizeof fixed, "%.*sbeneficiary 16:Somebody Else AG%s", (int)(at - entry), entry, nl);
  uint8_t h[32];
  char hex[65];
  merkle_leaf_hash(fixed, strlen(fixed), h);
  hex_of(h, 32, hex);
  json_object_set_new(leaf, "entry", json_string(fixed));
  json_object_set_new(leaf, "hash", json_string(hex));
}

static void test_edited_certificates_fail(void **state) {
  (void)state;
  static const struct {
    const char *name;
    edit_fn edit;
    const char *says;
  } edits[] = {
      {"quantity", e_quantity, "quantity"},
      {"quantity with its range and serial", e_quantity_everywhere, "do not give the logged entry"},
      {"beneficiary", e_beneficiary, "do not give the logged entry"},
      {"serial range", e_serial_range, "do not give the logged entry"},
      {"serial string", e_serial_string, "does not match its unit type"},
      {"vintage", e_vintage, "does not match its unit type"},
      {"signature", e_signature, "signature does not verify"},
      {"tree size", e_tree_size, "inclusion proof does not lead"},
      {"inclusion proof", e_proof, "inclusion proof does not lead"},
      {"an extra field", e_extra_field, "retirement:"},
      {"beneficiary and a matching leaf", e_beneficiary_and_leaf, "inclusion proof does not lead"},
  };
  for (size_t i = 0; i < COUNT(edits); i++) {
    json_t *c = get_certificate(A.retire1);
    edits[i].edit(c);
    save(c, "edited.json");
    json_decref(c);
    int rc = verify_cert("edited.json", A.pk_hex);
    if (rc != 1 || strncmp(out, "invalid: ", 9) != 0 || strstr(out, edits[i].says) == NULL)
      fail_msg("edited %s: exit %d, wanted 1 saying '%s':\n%s", edits[i].name, rc, edits[i].says, out);
  }
  /* The right certificate under another key; not JSON; no key. */
  uint8_t pk[32], sk[64];
  char other[65];
  crypto_sign_ed25519_keypair(pk, sk);
  hex_of(pk, 32, other);
  assert_int_equal(verify_cert("certificate.json", other), 1);
  assert_non_null(strstr(out, "is signed by key"));
  char path[600];
  snprintf(path, sizeof path, "%s/garbage.json", A.dir);
  FILE *f = fopen(path, "w");
  fputs("{\"format\": ", f);
  fclose(f);
  assert_int_equal(verify_cert("garbage.json", A.pk_hex), 1);
  assert_int_equal(run_in(A.dir, out, sizeof out, "verify certificate.json"), 2);
  assert_int_equal(verify_cert("certificate.json", "not-a-key"), 2);
}

static void test_certificate_html_is_escaped(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "/v1/retirements/%lld/certificate.html", (long long)A.retire1);
  tl_resp r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  char h[256];
  assert_true(tl_resp_header(&r, "Content-Type", h, sizeof h));
  assert_string_equal(h, "text/html; charset=utf-8");
  assert_true(tl_resp_header(&r, "Content-Security-Policy", h, sizeof h));
  assert_non_null(strstr(h, "default-src 'none'"));
  assert_non_null(strstr(r.raw, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;"));
  assert_non_null(strstr(r.raw, "voluntary &lt;offsetting&gt;"));
  assert_non_null(strstr(r.raw, "Net zero &quot;2030&quot; &amp; beyond"));
  assert_null(strstr(r.raw, "<script"));
  assert_null(strstr(r.raw, "\"x\""));
  assert_non_null(strstr(r.raw, A.key_id));
  assert_non_null(strstr(r.raw, "ledger6 verify certificate.json --key"));
  tl_resp_free(&r);
  /* Only retirements have certificates. */
  r = tl_http_req(S, "GET", "/v1/retirements/1/certificate", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_transaction");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/retirements/999/certificate.html", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_transaction");
  tl_resp_free(&r);
}

/* serve signs a head by itself every --sth-interval when the log grew. */
static void test_periodic_heads(void **state) {
  (void)state;
  if (tl_store_is_pg()) { /* it reads and edits the server's store as an SQLite file */
    print_message("PostgreSQL: skipped (SQLite file access)\n");
    skip();
  }
  assert_int_equal(tl_srv_stop(S), 0);
  A.srv.extra[0] = "--sth-interval";
  A.srv.extra[1] = "1";
  assert_int_equal(tl_srv_restart(S), 0);
  int64_t before = sql_int(S->spec, "SELECT max(tree_size) FROM log_heads");
  transfer(A.a1, A.a2, 1);
  int64_t size = sql_int(S->spec, "SELECT count(*) FROM log_leaves");
  assert_int_equal(size, before + 1);
  int64_t got = before;
  for (int i = 0; i < 100 && got < size; i++) { /* up to 5 s for a 1 s interval */
    usleep(50000);
    got = sql_int(S->spec, "SELECT max(tree_size) FROM log_heads");
  }
  assert_int_equal(got, size);
  /* Nothing new: no new head. */
  int64_t heads = sql_int(S->spec, "SELECT count(*) FROM log_heads");
  usleep(1500000);
  assert_int_equal(sql_int(S->spec, "SELECT count(*) FROM log_heads"), heads);
}

/* Rotation: new heads under the new key; old certificates stay valid
 * under the old key; the store checks out under both. */
static void test_key_rotation(void **state) {
  (void)state;
  char old_hex[65], old_id[17];
  snprintf(old_hex, sizeof old_hex, "%s", A.pk_hex);
  snprintf(old_id, sizeof old_id, "%s", A.key_id);
  assert_int_equal(tl_srv_stop(S), 0);
  char buf[4096];
  int rc = tl_run_cli(S, buf, sizeof buf, "key", "rotate", (char *)NULL);
  if (rc != 0) fail_msg("key rotate: %d %s", rc, buf);
  rc = tl_run_cli(S, buf, sizeof buf, "key", "list", (char *)NULL);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(buf, old_id));
  assert_non_null(strstr(buf, "retired"));
  assert_non_null(strstr(buf, "current"));
  /* The key file keeps the old key's id, not its secret. */
  char keyfile[L6_STORE_SPEC_MAX + 16], *text;
  snprintf(keyfile, sizeof keyfile, "%s/l.db.keys", S->dir); /* the server's key file on either store */
  FILE *f = fopen(keyfile, "r");
  assert_non_null(f);
  text = calloc(1, 8192);
  assert_true(fread(text, 1, 8191, f) > 0);
  fclose(f);
  char want[128];
  snprintf(want, sizeof want, "key %s ", old_id);
  const char *line = strstr(text, want);
  assert_non_null(line);
  assert_true(strstr(line, " retired ") < strchr(line, '\n'));
  assert_true(strstr(line, " -\n") != NULL);
  free(text);
  struct stat sb;
  assert_int_equal(stat(keyfile, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);

  assert_int_equal(tl_srv_restart(S), 0);
  load_key();
  assert_string_not_equal(A.key_id, old_id);
  json_t *keys = get_ok(NULL, "/v1/keys");
  assert_int_equal(json_array_size(json_object_get(keys, "items")), 2);
  json_decref(keys);
  int64_t r2 = retire(A.a2, 11, "Second Buyer Ltd");
  json_t *c = get_certificate(r2);
  assert_string_equal(tl_jstr(json_object_get(c, "tree_head"), "key_id"), A.key_id);
  save(c, "new.json");
  json_decref(c);
  assert_int_equal(verify_cert("new.json", A.pk_hex), 0);
  assert_int_equal(verify_cert("new.json", old_hex), 1);
  /* The certificate issued before the rotation, under the old key. */
  assert_int_equal(verify_cert("certificate.json", old_hex), 0);
  assert_int_equal(verify_cert("certificate.json", A.pk_hex), 1);
  /* The whole store: heads under both keys, pinned by the key file. */
  assert_int_equal(tl_srv_stop(S), 0);
  rc = tl_run_cli(S, buf, sizeof buf, "verify", "--store", (char *)NULL);
  if (rc != 0) fail_msg("verify --store after rotation: %s", buf);
  assert_non_null(strstr(buf, "2 keys"));
  assert_int_equal(tl_srv_restart(S), 0);
}

/* `ledger6 ARGS --db <server's store> --config ...` with stderr in out. */
static int cli(char *buf, size_t cap, const char *args) {
  const char *src = getenv("L6_SRCDIR");
  char config[4096];
  if (realpath(src && src[0] ? src : ".", config) == NULL) snprintf(config, sizeof config, ".");
  return run_in(A.dir, buf, cap, "%s --store %s --keys %s/l.db.keys --config %s/config", args, S->spec, S->dir, config);
}

/* The key file must stay private, and must agree with the store. */
static void test_key_file_guards(void **state) {
  (void)state;
  assert_int_equal(tl_srv_stop(S), 0);
  char keyfile[L6_STORE_SPEC_MAX + 16], moved[L6_STORE_SPEC_MAX + 32], buf[4096];
  snprintf(keyfile, sizeof keyfile, "%s/l.db.keys", S->dir); /* the server's key file on either store */
  snprintf(moved, sizeof moved, "%s.away", keyfile);
  assert_int_equal(chmod(keyfile, 0644), 0);
  int rc = cli(buf, sizeof buf, "key list");
  assert_int_equal(chmod(keyfile, 0600), 0);
  if (rc != 1 || strstr(buf, "chmod 600") == NULL) fail_msg("key list, key file 0644: %d %s", rc, buf);
  assert_int_equal(rename(keyfile, moved), 0);
  rc = cli(buf, sizeof buf, "init");
  int rc2 = cli(buf + 2048, sizeof buf - 2048, "key generate");
  assert_int_equal(rename(moved, keyfile), 0);
  if (rc != 1 || strstr(buf, "is missing") == NULL) fail_msg("init without the key file: %d %s", rc, buf);
  if (rc2 != 1 || strstr(buf + 2048, "already_exists") == NULL)
    fail_msg("key generate, store has keys: %d %s", rc2, buf + 2048);
  rc = cli(buf, sizeof buf, "key generate");
  if (rc != 1 || strstr(buf, "already_exists") == NULL) fail_msg("key generate, file exists: %d %s", rc, buf);
  assert_int_equal(tl_srv_restart(S), 0);
}

/* 8 clients transfer at once: the log still has one leaf per transaction,
 * in order, and the store checks out. */
typedef struct {
  int64_t from, to;
  int ok;
} worker_arg;

static void *worker(void *p) {
  worker_arg *w = p;
  for (int i = 0; i < 12; i++) {
    tl_resp r = tl_http_reqj(S, "POST", "/v1/transfers", S->admin,
                             json_pack("{s:I, s:I, s:s, s:i}", "from_account", (json_int_t)w->from, "to_account",
                                       (json_int_t)w->to, "unit_type", "VCU", "quantity", 1),
                             NULL);
    w->ok += r.status == 201;
    tl_resp_free(&r);
    /* Everyone asks for heads too, so signing races with appending. */
    r = tl_http_req(S, "GET", "/v1/log/sth", NULL, NULL, NULL);
    tl_resp_free(&r);
  }
  tl_http_thread_done();
  return NULL;
}

static void test_concurrent_appends(void **state) {
  (void)state;
  pthread_t t[8];
  worker_arg w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (worker_arg){.from = i % 2 ? A.a1 : A.a2, .to = i % 2 ? A.a2 : A.a1};
    assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
  }
  int total = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    total += w[i].ok;
  }
  assert_int_equal(total, 8 * 12);
  assert_int_equal(tl_srv_stop(S), 0);
  char buf[4096];
  int rc = tl_run_cli(S, buf, sizeof buf, "verify", "--store", (char *)NULL);
  if (rc != 0) fail_msg("verify --store: %s", buf);
  if (!tl_store_is_pg()) /* verify --store above checked the same on PostgreSQL */
    assert_int_equal(sql_int(S->spec, "SELECT count(*) FROM log_leaves"),
                     sql_int(S->spec, "SELECT count(*) FROM transactions"));
  assert_int_equal(tl_srv_restart(S), 0);
}

/* A store from before the log (schema version 2): the next start gives
 * its transactions their leaves, once, in order; certificates work. */
static void test_upgrade_backfills(void **state) {
  (void)state;
  if (tl_store_is_pg()) { /* it reads and edits the server's store as an SQLite file */
    print_message("PostgreSQL: skipped (SQLite file access)\n");
    skip();
  }
  assert_int_equal(tl_srv_stop(S), 0);
  int64_t ntx = sql_int(S->spec, "SELECT count(*) FROM transactions");
  /* Version 2: before the log (2 -> 3) and everything after it (3 -> 4,
   * Article 6.2; 4 -> 5, non-market approaches; 5 -> 6, emissions trading,
   * whose table is created IF NOT EXISTS; 6 -> 7, the exchange; 7 -> 8,
   * instrument criteria and batch labels; 8 -> 9, the ETS history; 9 -> 10,
   * batches' production period; 11 -> 12, users, sessions and token owners;
   * 12 -> 13, the token lifecycle; 13 -> 14, four eyes; 14 -> 15, standard
   * registries and origin serials; 15 -> 16, authorization amendments; 16 -> 17,
   * history length classes; 17 -> 18, programmes of activities, comments and grievances;
   * 18 -> 19, activity records; 19 -> 20, links between registries; 20 -> 21,
   * the terms of off-exchange transfers; 21 -> 22, the letter's hash, a column
   * of a6_authorizations, dropped with it; 22 -> 23, buffer pools of imported
   * issuances, a column of origin_unplaced, dropped with it; 23 -> 24,
   * cooperative approaches; 24 -> 25, email notices: the queue, and a
   * column of users, dropped with it; 25 -> 26, retirements without serials
   * and kg figures, columns of origin_unplaced, dropped with it, and
   * origin_projects; 26 -> 27, the project counts' index; 27 -> 28, letter
   * leaves; 28 -> 29, dropped batch labels, columns of crit_batch_labels,
   * dropped with it, and origin_periods; 29 -> 30, the project list's
   * filter indexes). */
  sql_exec(S->spec, "DROP TABLE log_heads; DROP TABLE log_nodes; DROP TABLE log_letters; DROP TABLE log_leaves; DROP TABLE log_keys;"
                  "DROP TABLE a6_auth_versions; DROP TABLE mech_records; DROP TABLE activity_records;"
                  "DROP TABLE a6_actions; DROP TABLE a6_itmos; DROP TABLE a6_authorizations;"
                  "DROP TABLE a6_ndc_years; DROP TABLE a6_ndcs;"
                  "DROP TABLE nma_records; ALTER TABLE unit_types DROP COLUMN non_offsetting;"
                  "DROP TABLE ets_history;"
                  "DROP TABLE crit_batch_labels; DROP TABLE crit_instruments;"
                  "DROP TABLE ex_trades; DROP TABLE ex_orders; DROP TABLE ex_journal; DROP TABLE ex_cash;"
                  "DROP TABLE ex_instruments;"
                  "ALTER TABLE batches DROP COLUMN production_start; ALTER TABLE batches DROP COLUMN production_end;"
                  "DROP TABLE notices; DROP TABLE sessions; DROP TABLE users; ALTER TABLE tokens DROP COLUMN owner;"
                  "ALTER TABLE tokens DROP COLUMN created; ALTER TABLE tokens DROP COLUMN expires;"
                  "ALTER TABLE tokens DROP COLUMN revoked; ALTER TABLE tokens DROP COLUMN last_used;"
                  "DROP TABLE origin_projects; DROP TABLE origin_periods;"
                  "DROP TABLE origin_unplaced; DROP TABLE tx_origin; DROP TABLE origin_blocks;"
                  "ALTER TABLE batches DROP COLUMN vintage_start; ALTER TABLE batches DROP COLUMN vintage_end;"
                  "ALTER TABLE registries DROP COLUMN kind;"
                  "DROP TABLE trusted_accounts; DROP TABLE proposals; DROP TABLE approval_policies;"
                  "DROP TABLE link_records; DROP TABLE tx_terms; DROP TABLE a6_approaches;"
                  "DROP INDEX tx_lines_hist; ALTER TABLE tx_lines DROP COLUMN lvl; DROP INDEX projects_counts;"
                  "DROP INDEX projects_host; DROP INDEX projects_status; DROP INDEX projects_programme;"
                  "CREATE INDEX tx_lines_batch ON tx_lines(batch, first);"
                  "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  char keyfile[L6_STORE_SPEC_MAX + 16];
  snprintf(keyfile, sizeof keyfile, "%s/l.db.keys", S->dir); /* the server's key file on either store */
  assert_int_equal(unlink(keyfile), 0);
  assert_int_equal(tl_srv_restart(S), 0);
  assert_int_equal(sql_int(S->spec, "SELECT count(*) FROM log_leaves"), ntx);
  assert_int_equal(sql_int(S->spec, "SELECT tx FROM log_leaves WHERE idx = 0"), 1);
  load_key();
  json_t *c = get_certificate(A.retire1);
  save(c, "after-upgrade.json");
  json_decref(c);
  assert_int_equal(verify_cert("after-upgrade.json", A.pk_hex), 0);
  /* A log wiped later is not refilled: the store had keys. */
  assert_int_equal(tl_srv_stop(S), 0);
  sql_exec(S->spec, "DELETE FROM log_leaves; DELETE FROM log_nodes");
  char buf[4096];
  assert_int_equal(tl_run_cli(S, buf, sizeof buf, "init", (char *)NULL), 0);
  assert_int_equal(sql_int(S->spec, "SELECT count(*) FROM log_leaves"), 0);
  assert_int_equal(tl_run_cli(S, buf, sizeof buf, "verify", "--store", (char *)NULL), 1);
  assert_non_null(strstr(buf, "transaction 1 has no log leaf"));
}

/* Every route is in the OpenAPI document, with its method. */
static void test_openapi_lists_every_route(void **state) {
  (void)state;
  json_error_t je;
  json_t *doc = json_loads(l6_openapi_json, 0, &je);
  assert_non_null(doc);
  const l6_route_info *routes;
  size_t n = http_routes(&routes);
  int missing = 0;
  for (size_t i = 0; i < n; i++) {
    char method[16];
    size_t k = 0;
    for (; routes[i].method[k] && k < sizeof method - 1; k++) method[k] = (char)(routes[i].method[k] | 0x20);
    method[k] = '\0';
    json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), routes[i].pattern), method);
    if (op == NULL) {
      print_error("openapi.json lacks %s %s\n", routes[i].method, routes[i].pattern);
      missing++;
    }
  }
  json_decref(doc);
  assert_int_equal(missing, 0);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  const struct CMUnitTest store[] = {
      cmocka_unit_test(test_one_leaf_per_transaction),
      cmocka_unit_test(test_verify_clean_store),
      cmocka_unit_test(test_tamper_each_transaction_column),
      cmocka_unit_test(test_tamper_lines_and_batches),
      cmocka_unit_test(test_tamper_random_bytes),
      cmocka_unit_test(test_tamper_delete_rows),
      cmocka_unit_test(test_tamper_reorder),
      cmocka_unit_test(test_tamper_heads_and_keys),
      cmocka_unit_test(test_tamper_recomputed_tree),
      cmocka_unit_test(test_certificate_made_elsewhere),
  };
  const struct CMUnitTest api[] = {
      cmocka_unit_test(test_sth_and_inclusion),
      cmocka_unit_test(test_consistency),
      cmocka_unit_test(test_entries),
      cmocka_unit_test(test_certificate_verifies_offline),
      cmocka_unit_test(test_edited_certificates_fail),
      cmocka_unit_test(test_certificate_html_is_escaped),
      cmocka_unit_test(test_periodic_heads),
      cmocka_unit_test(test_key_rotation),
      cmocka_unit_test(test_key_file_guards),
      cmocka_unit_test(test_concurrent_appends),
      cmocka_unit_test(test_upgrade_backfills),
      cmocka_unit_test(test_openapi_lists_every_route),
  };
  int failed = cmocka_run_group_tests_name("log_store", store, store_setup, store_teardown);
  failed += cmocka_run_group_tests_name("log_api", api, api_setup, api_teardown);
  return failed;
}
