/*
 * test_store.c -- the store interface itself, on the engine tests/testlib.h
 * chooses (SQLite, or PostgreSQL when L6_STORE names a server): the
 * behaviour both engines must share, below the service.
 *
 *   store_schema_twins      schema.h and schema_pg.h have the same number
 *                           of migrations
 *   store_migrate_batches   a SQLite store of the previous version opens
 *                           migrated: old batches with no production
 *                           period, new ones keep theirs; an old token
 *                           never expires
 *   store_token_lifecycle   expiry, revocation, last-used throttle,
 *                           config/tokens.json (service clock)
 *   store_file_modes        a new SQLite store, -wal, -shm, key file: 0600
 *   store_spec              store_open's dispatch and password redaction
 *   store_nesting           begin nests: inner rollbacks undo only their
 *                           part, an outer rollback undoes everything
 *   store_errors            UNKNOWN_*, ALREADY_EXISTS, STORE (foreign key),
 *                           and recovery by rolling back a savepoint
 *   store_dense_ids         ids are max + 1, so a rolled-back insert leaves
 *                           no gap (SQLite's rowid rule, on both engines)
 *   store_fault_hook        ops->fail_after fails the n-th write
 *   store_writer_exclusion  a second connection's transaction waits until
 *                           the first commits (the cross-process lock)
 *   store_leases            one holder per name among connections; released
 *                           on release and on close; not transactional
 *   store_lease_takeover    a holder killed with SIGKILL loses its lease to
 *                           the next lease_try of another process
 *   store_lease_service     svc_lease_try/svc_lease_release, as a job of a
 *                           server would call them
 *   store_project_filters   GET /v1/projects's filters: every combination,
 *                           paged, as a reference; the indexes they read
 *   store_pg_reconnect      PostgreSQL only: a terminated session fails the
 *                           open transaction with BUSY, the next begin
 *                           reconnects, a lease held on it is taken again
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib_svc.h"
#include <libpq-fe.h>
#include <sqlite3.h>

#include "service/service.h"
#include "store/schema.h"
#include "store/schema_pg.h"
#include "store/store.h"
#include "testlib.h"

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fails unless e is OK, with the store's message. */
/* A fresh file (or PostgreSQL) store, opened; more connections to it come
 * from tl_store_open(&f->t). */
typedef struct {
  tl_store t;
  l6_store *st;
} fixture;

static void open_fixture(fixture *f, const char *tag) {
  assert_int_equal(tl_store_make(&f->t, tag, 0), 0);
  f->st = tl_store_open(&f->t);
  assert_non_null(f->st);
}

static void close_fixture(fixture *f) {
  if (f->st) f->st->ops->close(f->st);
  f->st = NULL;
  assert_int_equal(tl_store_free(&f->t), 0);
}

static l6_err put_party(l6_store *st, const char *code, l6_error *err) {
  l6_party p = {.name = "Party"};
  snprintf(p.code, sizeof p.code, "%s", code);
  return st->ops->party_put(st, &p, err);
}

static int append_code(void *ctx, const void *row) {
  char *buf = ctx;
  size_t len = strlen(buf);
  snprintf(buf + len, 256 - len, "%s%s", len ? "," : "", ((const l6_party *)row)->code);
  return 0;
}

/* The party codes in the store, in order: "ABC,DEF" (buf: 256 bytes). */
static const char *parties(l6_store *st, char buf[256]) {
  buf[0] = '\0';
  l6_error err = {0};
  tl_ok(st->ops->party_list(st, append_code, buf, &err), &err, "party_list");
  return buf;
}

/* ---- schema and specs ---------------------------------------------------- */

static void test_store_schema_twins(void **state) {
  (void)state;
  assert_int_equal(L6_PG_SCHEMA_VERSION, L6_SCHEMA_VERSION);
  for (int i = 0; i < L6_SCHEMA_VERSION; i++) {
    assert_true(strlen(l6_migrations[i]) > 0);
    assert_true(strlen(l6_pg_migrations[i]) > 0);
  }
}

typedef struct {
  l6_tx_line got[4096];
  int n;
} hist_got;

static int hist_take(void *ctx, const void *row) {
  hist_got *g = ctx;
  if (g->n < (int)(sizeof g->got / sizeof g->got[0])) g->got[g->n] = *(const l6_tx_line *)row;
  g->n++;
  return 0;
}

/* A SQLite store of the previous schema version (its batches without a
 * production period) opens migrated: the old batch reads with an empty
 * period and keeps its fields; new batches keep theirs. */
static void test_store_migrate_batches(void **state) {
  (void)state;
  char *dir = tl_tmpdir_make("migrate");
  assert_non_null(dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/old.db", dir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)", NULL, NULL, &msg), SQLITE_OK);
  /* Version 16: before the history lines' length class (16 -> 17), which
   * the rows below lack; later migrations run on opening like the rest. */
  enum { OLD_VERSION = 16 };
  for (int v = 0; v < OLD_VERSION; v++)
    if (sqlite3_exec(db, l6_migrations[v], NULL, NULL, &msg) != SQLITE_OK) fail_msg("migration %d: %s", v, msg);
  char sql[2048];
  snprintf(sql, sizeof sql,
           "INSERT INTO meta VALUES('schema_version', '%d');"
           "INSERT INTO parties(code, name) VALUES('CHN', 'China');"
           "INSERT INTO registries(id, party, name) VALUES('CHN01', 'CHN', 'r');"
           "INSERT INTO accounts(id, registry, org, type, status, name) VALUES(1, 'CHN01', NULL, 'pending', 'open', 'p');"
           "INSERT INTO programmes(code, name, kind) VALUES('CCER', 'CCER', 'voluntary');"
           "INSERT INTO unit_types(code, programme, name) VALUES('CCER', 'CCER', 'CCER');"
           "INSERT INTO projects VALUES('P1', 'CCER', 'CHN', 't', 'm', 's', 'avoidance', '2014-01-01', '2030-12-31', 'registered');"
           "INSERT INTO transactions(id, kind, ts, actor, from_account, to_account, quantity, beneficiary, purpose, claim,"
           " reporting_year) VALUES(1, 'issuance', '2024-01-01T00:00:00Z', 'a', NULL, 1, 10, '', '', '', 0);"
           "INSERT INTO batches(id, project, unit_type, registry, vintage, serial_start, quantity, tx)"
           " VALUES(1, 'P1', 'CCER', 'CHN01', 2015, 1, 10, 1);"
           "INSERT INTO tokens(id, hash, role, org, label) VALUES(1, 'h', 'admin', NULL, 'old');"
           "INSERT INTO tx_lines(tx, batch, first, last, from_account, to_account)"
           " VALUES(1, 1, 1, 10, NULL, 1), (1, 1, 3, 4, NULL, 1);",
           OLD_VERSION);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("old rows: %s", msg);
  sqlite3_close(db);
  l6_error err = {0};
  l6_store *st = store_sqlite_open(path, &err);
  if (!st) fail_msg("open: %s", err.message);
  l6_batch b;
  tl_ok(st->ops->batch_get(st, 1, &b, &err), &err, "old batch");
  assert_string_equal(b.project, "P1");
  assert_int_equal(b.vintage, 2015);
  assert_int_equal(b.quantity, 10);
  assert_string_equal(b.production_start, "");
  assert_string_equal(b.production_end, "");
  /* A token from before lifetimes: no creation time, never expires. */
  l6_token t;
  tl_ok(st->ops->token_get(st, 1, &t, &err), &err, "old token");
  assert_string_equal(t.label, "old");
  assert_true(t.created == 0 && t.expires == 0 && t.revoked == 0 && t.last_used == 0);
  /* History lines from before their length class (13 -> 14) are found. */
  static hist_got g;
  tl_ok(st->ops->serial_history(st, 1, 7, hist_take, &g, &err), &err, "old history");
  assert_int_equal(g.n, 1);
  assert_true(g.got[0].first == 1 && g.got[0].last == 10);
  g.n = 0;
  tl_ok(st->ops->serial_history(st, 1, 4, hist_take, &g, &err), &err, "old history");
  assert_int_equal(g.n, 2);
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  l6_batch n = {.vintage = 2016, .serial_start = 1, .quantity = 5, .tx = 1};
  snprintf(n.project, sizeof n.project, "P1");
  snprintf(n.unit_type, sizeof n.unit_type, "CCER");
  snprintf(n.registry, sizeof n.registry, "CHN01");
  snprintf(n.production_start, sizeof n.production_start, "2016-01-01");
  snprintf(n.production_end, sizeof n.production_end, "2016-12-31");
  tl_ok(st->ops->batch_put(st, &n, &err), &err, "new batch");
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  tl_ok(st->ops->batch_get(st, n.id, &b, &err), &err, "new batch");
  assert_string_equal(b.production_start, "2016-01-01");
  assert_string_equal(b.production_end, "2016-12-31");
  st->ops->close(st);
  assert_int_equal(tl_tmpdir_remove(dir), 0);
}

/* ---- serial history (issue 16: an interval index) ------------------------ */

/* One registry with one account, one project and one batch of `quantity`
 * serials from 1, issued by transaction 1; the batch's id. */
static l6_id hist_registry(l6_store *st, l6_qty quantity) {
  l6_error err = {0};
  tl_ok(put_party(st, "CHN", &err), &err, "party");
  l6_registry r = {.id = "CHN01", .party = "CHN", .name = "r"};
  tl_ok(st->ops->registry_put(st, &r, &err), &err, "registry");
  l6_account a = {.registry = "CHN01", .type = L6_ACCT_HOLDING, .status = L6_STATUS_OPEN, .name = "a"};
  tl_ok(st->ops->account_put(st, &a, &err), &err, "account");
  l6_programme pr = {.code = "CCER", .name = "CCER", .kind = "voluntary"};
  tl_ok(st->ops->programme_put(st, &pr, &err), &err, "programme");
  l6_unit_type u = {.code = "CCER", .programme = "CCER", .name = "CCER"};
  tl_ok(st->ops->unit_type_put(st, &u, &err), &err, "unit type");
  l6_project p = {.id = "P1", .programme = "CCER", .host = "CHN", .title = "t", .methodology = "m", .sector = "s",
                  .kind = "avoidance", .crediting_start = "2014-01-01", .crediting_end = "2030-12-31",
                  .status = "registered"};
  tl_ok(st->ops->project_put(st, &p, &err), &err, "project");
  l6_tx t = {.kind = L6_TX_ISSUANCE, .ts = "2024-01-01T00:00:00.000Z", .actor = "a", .to_account = a.id,
             .quantity = quantity};
  tl_ok(st->ops->tx_put(st, &t, &err), &err, "issuance");
  l6_batch b = {.project = "P1", .unit_type = "CCER", .registry = "CHN01", .vintage = 2015, .serial_start = 1,
                .quantity = quantity, .tx = t.id};
  tl_ok(st->ops->batch_put(st, &b, &err), &err, "batch");
  l6_tx_line l = {.tx = t.id, .batch = b.id, .first = 1, .last = quantity, .to_account = a.id};
  tl_ok(st->ops->tx_line_put(st, &l, &err), &err, "issuance line");
  return b.id;
}

static uint64_t hist_rng(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* serial_history agrees with a brute-force scan of every line, at both
 * edges of every line and one serial outside them, over a seeded random
 * history of overlapping lines of every length class (1 serial up to the
 * whole batch), on whichever engine the tests run. */
static void test_store_serial_history_ref(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "history");
  l6_store *st = f.st;
  l6_error err = {0};
  enum { Q = 70000, LINES = 1500 };
  static l6_tx_line ref[LINES + 1];
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  l6_id batch = hist_registry(st, Q);
  int n = 0;
  ref[n++] = (l6_tx_line){.tx = 1, .batch = batch, .first = 1, .last = Q, .to_account = 1};
  uint64_t rng = 0x9e3779b97f4a7c15u;
  for (int i = 0; i < LINES; i++) {
    int cls = (int)(hist_rng(&rng) % 17); /* lengths 2^0 .. 2^17 - 1, capped at Q */
    int64_t len = ((int64_t)1 << cls) + (int64_t)(hist_rng(&rng) % ((uint64_t)1 << cls));
    if (len > Q) len = Q;
    int64_t first = 1 + (int64_t)(hist_rng(&rng) % (uint64_t)(Q - len + 1));
    l6_tx t = {.kind = L6_TX_TRANSFER, .ts = "2024-01-02T00:00:00.000Z", .actor = "a", .from_account = 1,
               .to_account = 1, .quantity = len};
    tl_ok(st->ops->tx_put(st, &t, &err), &err, "transfer");
    ref[n] = (l6_tx_line){.tx = t.id, .batch = batch, .first = first, .last = first + len - 1, .from_account = 1,
                          .to_account = 1};
    tl_ok(st->ops->tx_line_put(st, &ref[n], &err), &err, "line");
    n++;
  }
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  static hist_got g;
  long checked = 0, found = 0;
  for (int i = 0; i < n; i++) {
    const int64_t probes[] = {ref[i].first - 1, ref[i].first, ref[i].last, ref[i].last + 1,
                              ref[i].first + (ref[i].last - ref[i].first) / 2};
    for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
      int64_t s = probes[p];
      if (s < 1 || s > Q) continue;
      g.n = 0;
      tl_ok(st->ops->serial_history(st, batch, s, hist_take, &g, &err), &err, "history");
      int want = 0;
      for (int j = 0; j < n; j++) { /* ref is in tx order, one line per transaction */
        if (ref[j].first > s || ref[j].last < s) continue;
        if (want >= g.n || g.got[want].tx != ref[j].tx || g.got[want].first != ref[j].first ||
            g.got[want].last != ref[j].last || g.got[want].batch != batch)
          fail_msg("serial %lld: line %d of its history is not transaction %lld [%lld, %lld]", (long long)s,
                   want, (long long)ref[j].tx, (long long)ref[j].first, (long long)ref[j].last);
        want++;
      }
      if (g.n != want) fail_msg("serial %lld: %d lines, want %d", (long long)s, g.n, want);
      checked++;
      found += want;
    }
  }
  assert_true(checked > 4 * LINES);
  assert_true(found > checked); /* the issuance line, plus overlaps */
  /* Another batch's serials are not this one's. */
  g.n = 0;
  tl_ok(st->ops->serial_history(st, batch + 1, 1, hist_take, &g, &err), &err, "other batch");
  assert_int_equal(g.n, 0);
  close_fixture(&f);
}

static void test_store_spec(void **state) {
  (void)state;
  assert_true(store_spec_is_pg("postgres://h/db"));
  assert_true(store_spec_is_pg("postgresql://h/db"));
  assert_false(store_spec_is_pg("data/ledger6.db"));
  assert_false(store_spec_is_pg("postgres.db"));
  char buf[256];
  static const char *const cases[][2] = {
      {"data/l.db", "data/l.db"},
      {"postgres://h:5432/db", "postgres://h:5432/db"},
      {"postgres://u@h/db", "postgres://u@h/db"},
      {"postgres://u:pw@h:1,h2:2/db?x=1", "postgres://u:***@h:1,h2:2/db?x=1"},
      {"postgresql://u:p%40w@h/db?password=zz&sslmode=require", "postgresql://u:***@h/db?password=***&sslmode=require"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(store_spec_redact(cases[i][0], buf, sizeof buf), cases[i][1]);
  l6_error err = {0};
  assert_null(store_open("", &err));
  assert_int_equal(err.code, L6_E_INVALID_VALUE);
}

/* ---- transactions -------------------------------------------------------- */

static void test_store_nesting(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "nest");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(put_party(st, "AAA", &err), &err, "AAA");
  tl_ok(st->ops->begin(st, &err), &err, "inner begin");
  tl_ok(put_party(st, "BBB", &err), &err, "BBB");
  st->ops->rollback(st); /* undoes BBB only */
  tl_ok(st->ops->begin(st, &err), &err, "inner begin");
  tl_ok(put_party(st, "CCC", &err), &err, "CCC");
  tl_ok(st->ops->begin(st, &err), &err, "innermost begin");
  tl_ok(put_party(st, "DDD", &err), &err, "DDD");
  tl_ok(st->ops->commit(st, &err), &err, "innermost commit");
  tl_ok(st->ops->commit(st, &err), &err, "inner commit");
  assert_string_equal(parties(st, buf), "AAA,CCC,DDD");
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  assert_string_equal(parties(st, buf), "AAA,CCC,DDD");
  /* An outer rollback takes committed inner transactions with it. */
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(st->ops->begin(st, &err), &err, "inner begin");
  tl_ok(put_party(st, "EEE", &err), &err, "EEE");
  tl_ok(st->ops->commit(st, &err), &err, "inner commit");
  st->ops->rollback(st);
  assert_string_equal(parties(st, buf), "AAA,CCC,DDD");
  close_fixture(&f);
}

/* The writer guard (store.h tx_only): once a service owns the store, a
 * statement outside a transaction aborts under L6_TX_GUARD=abort (a call
 * that skipped the writer lock could interleave with another thread on
 * the connection); inside one it runs. Checked in a child process, which
 * must die of SIGABRT. Without the variable, PostgreSQL refuses the
 * statement and SQLite runs it, both reporting it on stderr. */
static void test_store_tx_only_guard(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "guard");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  assert_string_equal(parties(st, buf), ""); /* not guarded yet: runs */
  st->tx_only = true;
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(put_party(st, "AAA", &err), &err, "AAA in a transaction");
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setenv("L6_TX_GUARD", "abort", 1);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 2); /* the guard's message and backtrace */
    l6_party p;
    l6_error e2 = {0};
    st->ops->party_get(st, "AAA", &p, &e2); /* outside a transaction */
    _exit(0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
  /* Without L6_TX_GUARD=abort: reported, PostgreSQL refuses, SQLite runs. */
  char *saved = getenv("L6_TX_GUARD") ? strdup(getenv("L6_TX_GUARD")) : NULL;
  unsetenv("L6_TX_GUARD");
  int stderr_fd = dup(2), devnull = open("/dev/null", O_WRONLY);
  assert_true(stderr_fd >= 0 && devnull >= 0);
  dup2(devnull, 2);
  l6_party p;
  l6_err e = st->ops->party_get(st, "AAA", &p, &err);
  dup2(stderr_fd, 2);
  close(stderr_fd);
  close(devnull);
  if (saved) setenv("L6_TX_GUARD", saved, 1);
  free(saved);
  if (tl_store_is_pg()) assert_int_equal(e, L6_E_INTERNAL);
  else assert_int_equal(e, L6_E_OK);
  st->tx_only = false;
  assert_string_equal(parties(st, buf), "AAA");
  close_fixture(&f);
}

static void test_store_errors(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "errors");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  l6_party p;
  assert_int_equal(st->ops->party_get(st, "ZZZ", &p, &err), L6_E_UNKNOWN_PARTY);
  l6_account a;
  assert_int_equal(st->ops->account_get(st, 42, &a, &err), L6_E_UNKNOWN_ACCOUNT);
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  assert_int_equal(st->ops->account_set_status(st, 42, L6_STATUS_BLOCKED, &err), L6_E_UNKNOWN_ACCOUNT);
  tl_ok(put_party(st, "AAA", &err), &err, "AAA");
  /* A failed statement inside a savepoint: rolling the savepoint back
   * leaves the outer transaction usable, on both engines. */
  tl_ok(st->ops->begin(st, &err), &err, "inner begin");
  assert_int_equal(put_party(st, "AAA", &err), L6_E_ALREADY_EXISTS);
  assert_true(err.message[0] != '\0');
  st->ops->rollback(st);
  tl_ok(st->ops->begin(st, &err), &err, "inner begin");
  l6_registry r = {.id = "XYZ01", .party = "XYZ", .name = "no such party"};
  assert_int_equal(st->ops->registry_put(st, &r, &err), L6_E_STORE); /* foreign key */
  assert_non_null(strstr(err.message, "store: "));
  st->ops->rollback(st);
  tl_ok(put_party(st, "BBB", &err), &err, "BBB after the failed savepoints");
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  assert_string_equal(parties(st, buf), "AAA,BBB");
  /* A failure at the top level: rolling back is the way out. */
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  assert_int_equal(put_party(st, "BBB", &err), L6_E_ALREADY_EXISTS);
  st->ops->rollback(st);
  assert_string_equal(parties(st, buf), "AAA,BBB");
  close_fixture(&f);
}

static l6_id new_org(l6_store *st, l6_error *err) {
  l6_org o = {.registry = "CHE01", .name = "Org"};
  tl_ok(st->ops->org_put(st, &o, err), err, "org_put");
  return o.id;
}

static void test_store_dense_ids(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "ids");
  l6_store *st = f.st;
  l6_error err = {0};
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(put_party(st, "CHE", &err), &err, "CHE");
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Registry"};
  tl_ok(st->ops->registry_put(st, &r, &err), &err, "registry");
  assert_int_equal(new_org(st, &err), 1);
  assert_int_equal(new_org(st, &err), 2);
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  assert_int_equal(new_org(st, &err), 3);
  st->ops->rollback(st);
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  assert_int_equal(new_org(st, &err), 3); /* no gap after the rollback */
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  close_fixture(&f);
}

static void test_store_fault_hook(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "fault");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  st->ops->fail_after(st, 2);
  tl_ok(put_party(st, "AAA", &err), &err, "first write");
  assert_int_equal(put_party(st, "BBB", &err), L6_E_STORE);
  assert_string_equal(err.message, "store: injected fault");
  st->ops->rollback(st);
  st->ops->fail_after(st, 0);
  assert_string_equal(parties(st, buf), "");
  close_fixture(&f);
}

/* ---- writer exclusion ---------------------------------------------------- */

typedef struct {
  l6_store *st; /* a second connection to the store (closed by the thread) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int starting; /* set just before the thread's begin */
  int64_t waited_ms;
  l6_err begin_e, put_e, commit_e;
  char message[256];
} second_writer;

static void *second_writer_main(void *arg) {
  second_writer *w = arg;
  l6_store *st = w->st;
  l6_error err = {0};
  pthread_mutex_lock(&w->mu);
  w->starting = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  int64_t t0 = now_ms();
  w->begin_e = st->ops->begin(st, &err);
  w->waited_ms = now_ms() - t0;
  if (w->begin_e == L6_E_OK) {
    w->put_e = put_party(st, "BBB", &err);
    if (w->put_e == L6_E_OK) w->commit_e = st->ops->commit(st, &err);
    else st->ops->rollback(st);
  }
  snprintf(w->message, sizeof w->message, "%s", err.message);
  st->ops->close(st);
  return NULL;
}

/* While one connection's top-level transaction is open, another
 * connection's begin waits: the lock that serialises writers of one store
 * across processes (BEGIN IMMEDIATE; pg_advisory_xact_lock). */
static void test_store_writer_exclusion(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "excl");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  second_writer w = {.st = tl_store_open(&f.t), .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  assert_non_null(w.st);
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(put_party(st, "AAA", &err), &err, "AAA");
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, second_writer_main, &w), 0);
  pthread_mutex_lock(&w.mu);
  while (!w.starting) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  usleep(300 * 1000); /* the second writer is in (or about to enter) begin */
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  pthread_join(th, NULL);
  if (w.begin_e != L6_E_OK || w.put_e != L6_E_OK || w.commit_e != L6_E_OK)
    fail_msg("second writer: %s %s %s: %s", l6_err_code(w.begin_e), l6_err_code(w.put_e), l6_err_code(w.commit_e),
             w.message);
  print_message("the second writer waited %lld ms for the first to commit\n", (long long)w.waited_ms);
  assert_true(w.waited_ms >= 200);
  assert_string_equal(parties(st, buf), "AAA,BBB");
  close_fixture(&f);
}

/* ---- leases -------------------------------------------------------------- */

static void test_store_leases(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "lease");
  l6_store *a = f.st, *b = tl_store_open(&f.t);
  assert_non_null(b);
  l6_error err = {0};
  assert_int_equal(a->ops->lease_try(a, "bad name", &err), L6_E_INVALID_VALUE);
  assert_int_equal(a->ops->lease_try(a, "", &err), L6_E_INVALID_VALUE);
  tl_ok(a->ops->lease_try(a, "tlog.signer", &err), &err, "a takes the lease");
  assert_int_equal(b->ops->lease_try(b, "tlog.signer", &err), L6_E_BUSY);
  assert_non_null(strstr(err.message, "tlog.signer"));
  tl_ok(b->ops->lease_try(b, "tlog.appender", &err), &err, "b takes another lease");
  tl_ok(a->ops->lease_try(a, "tlog.signer", &err), &err, "a confirms its lease");
  /* Not transactional: a rollback does not drop it. */
  tl_ok(a->ops->begin(a, &err), &err, "begin");
  tl_ok(a->ops->lease_try(a, "tlog.signer", &err), &err, "a confirms inside a transaction");
  a->ops->rollback(a);
  assert_int_equal(b->ops->lease_try(b, "tlog.signer", &err), L6_E_BUSY);
  a->ops->lease_release(a, "tlog.signer");
  a->ops->lease_release(a, "tlog.signer"); /* not held: a no-op */
  tl_ok(b->ops->lease_try(b, "tlog.signer", &err), &err, "b takes the released lease");
  assert_int_equal(a->ops->lease_try(a, "tlog.signer", &err), L6_E_BUSY);
  b->ops->close(b); /* closing drops every lease */
  tl_ok(a->ops->lease_try(a, "tlog.signer", &err), &err, "a takes it after b closed");
  tl_ok(a->ops->lease_try(a, "tlog.appender", &err), &err, "a takes b's other lease");
  close_fixture(&f);
}

/* A child process takes the lease and is killed with SIGKILL: the lease
 * must pass to this process's next lease_try (the kernel drops the flock;
 * PostgreSQL ends the session when its socket closes). */
static void test_store_lease_takeover(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "takeover");
  f.st->ops->close(f.st); /* no connection may cross fork() */
  f.st = NULL;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(fds[0]);
    l6_store *st = tl_store_open(&f.t);
    l6_error err = {0};
    char c = (st && st->ops->lease_try(st, "tlog.signer", &err) == L6_E_OK) ? 'y' : 'n';
    if (write(fds[1], &c, 1) != 1) _exit(2);
    for (;;) pause();
  }
  close(fds[1]);
  char c = 0;
  assert_int_equal(read(fds[0], &c, 1), 1);
  close(fds[0]);
  assert_int_equal(c, 'y');
  f.st = tl_store_open(&f.t);
  assert_non_null(f.st);
  l6_error err = {0};
  assert_int_equal(f.st->ops->lease_try(f.st, "tlog.signer", &err), L6_E_BUSY);
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_int_equal(waitpid(pid, NULL, 0), pid);
  int64_t t0 = now_ms();
  l6_err e;
  while ((e = f.st->ops->lease_try(f.st, "tlog.signer", &err)) == L6_E_BUSY && now_ms() - t0 < 10000) usleep(10000);
  tl_ok(e, &err, "take the lease of a killed holder");
  print_message("lease taken over %lld ms after the holder was killed\n", (long long)(now_ms() - t0));
  close_fixture(&f);
}

/* Two services on one store, as two server processes would be. */
static void test_store_lease_service(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "svclease");
  l6_error err = {0};
  l6_svc *s1 = svc_open(f.st, 1, &err);
  if (s1) svc_store(s1)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(s1);
  f.st = NULL; /* s1 owns it now */
  l6_store *st2 = tl_store_open(&f.t);
  assert_non_null(st2);
  l6_svc *s2 = svc_open(st2, 1, &err);
  if (s2) svc_store(s2)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(s2);
  tl_ok(svc_lease_try(s1, "tlog.appender", &err), &err, "s1 takes the lease");
  assert_int_equal(svc_lease_try(s2, "tlog.appender", &err), L6_E_BUSY);
  svc_lease_release(s1, "tlog.appender");
  tl_ok(svc_lease_try(s2, "tlog.appender", &err), &err, "s2 takes it over");
  svc_close(s2);
  tl_ok(svc_lease_try(s1, "tlog.appender", &err), &err, "s1 takes it after s2 closed");
  svc_close(s1);
  close_fixture(&f);
}

/* ---- tokens (issue 15) ------------------------------------------------------ */

static int64_t tok_clock_ms;
static int64_t tok_clock(void) { return tok_clock_ms; }

static l6_token token_row(l6_store *st, l6_id id) {
  l6_token t;
  l6_error err = {0};
  tl_ok(st->ops->token_get(st, id, &t, &err), &err, "token_get");
  return t;
}

/* Expiry and revocation refuse the next authentication at once; the
 * last-used time is written at most once a minute. On both engines,
 * with the service's clock. */
static int count_row(void *ctx, const void *row) {
  (void)row;
  (*(int *)ctx)++;
  return 0;
}
static int st_token_count(l6_store *st) {
  int n = 0;
  l6_error err = {0};
  tl_ok(st->ops->token_list(st, 0, 0, 1000, count_row, &n, &err), &err, "token_list");
  return n;
}

static void test_store_token_lifecycle(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "tokens");
  l6_error err = {0};
  l6_svc *s = svc_open(f.st, 1, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(s);
  svc_set_clock(s, tok_clock);
  const int64_t t0 = 1798761600000; /* 2027-01-01 */
  const int64_t day = 86400000;
  tok_clock_ms = t0;
  const l6_actor admin = {.role = L6_ROLE_ADMIN, .name = "test"};
  char tok[80];
  json_t *out = NULL;
  tl_ok(svc_token_create(s, &admin, L6_ROLE_ADMIN, 0, "ops", 0, tok, &out, &err), &err, "create admin");
  l6_id id = json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  l6_token t = token_row(f.st, id);
  assert_true(t.created == t0 && t.expires == t0 + 30 * day && t.last_used == 0 && t.revoked == 0);
  l6_actor a;
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "authenticate");
  assert_int_equal(a.role, L6_ROLE_ADMIN);
  assert_int_equal(token_row(f.st, id).last_used, t0);
  tok_clock_ms = t0 + 59999; /* within the minute: not written */
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "authenticate");
  assert_int_equal(token_row(f.st, id).last_used, t0);
  tok_clock_ms = t0 + 60000;
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "authenticate");
  assert_int_equal(token_row(f.st, id).last_used, t0 + 60000);
  tok_clock_ms = t0 + 30 * day - 1; /* the last millisecond */
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "authenticate");
  tok_clock_ms = t0 + 30 * day;
  assert_int_equal(svc_authenticate(s, tok, &a, &err), L6_E_TOKEN_EXPIRED);
  assert_int_equal(a.role, L6_ROLE__NONE);
  assert_int_equal(token_row(f.st, id).last_used, t0 + 30 * day - 1); /* an expired token is not touched */

  /* Revocation: refused from the next call; revoking again keeps the time. */
  tok_clock_ms = t0;
  tl_ok(svc_token_create(s, &admin, L6_ROLE_AUDITOR, 0, "audit", 2, tok, &out, &err), &err, "create auditor");
  id = json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  assert_int_equal(token_row(f.st, id).expires, t0 + 2 * day);
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "authenticate");
  tok_clock_ms = t0 + 5;
  tl_ok(svc_token_revoke(s, &admin, id, &out, &err), &err, "revoke");
  json_decref(out);
  assert_int_equal(svc_authenticate(s, tok, &a, &err), L6_E_TOKEN_REVOKED);
  tok_clock_ms = t0 + 10;
  tl_ok(svc_token_revoke(s, &admin, id, &out, &err), &err, "revoke again");
  json_decref(out);
  assert_int_equal(token_row(f.st, id).revoked, t0 + 5);
  assert_int_equal(svc_token_revoke(s, &admin, 424242, &out, &err), L6_E_UNKNOWN_TOKEN);
  /* A lifetime over the role's is refused and makes nothing. */
  assert_int_equal(svc_token_create(s, &admin, L6_ROLE_ADMIN, 0, "long", 31, tok, &out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(st_token_count(f.st), 2);

  /* config/tokens.json: lifetimes by role; 0 never expires; bad files refused. */
  char *dir = tl_tmpdir_make("tokcfg");
  char path[600];
  snprintf(path, sizeof path, "%s/tokens.json", dir);
  FILE *fp = fopen(path, "w");
  fputs("{\"note\": \"test\", \"lifetime_days\": {\"admin\": 7, \"auditor\": 0}}", fp);
  fclose(fp);
  tl_ok(svc_tokens_load(s, dir, &err), &err, "tokens.json");
  tl_ok(svc_token_create(s, &admin, L6_ROLE_ADMIN, 0, "week", 0, tok, &out, &err), &err, "create");
  assert_int_equal(token_row(f.st, json_integer_value(json_object_get(out, "id"))).expires, t0 + 10 + 7 * day);
  json_decref(out);
  tl_ok(svc_token_create(s, &admin, L6_ROLE_AUDITOR, 0, "forever", 0, tok, &out, &err), &err, "create");
  assert_int_equal(token_row(f.st, json_integer_value(json_object_get(out, "id"))).expires, 0);
  json_decref(out);
  tok_clock_ms = t0 + 3650 * day;
  tl_ok(svc_authenticate(s, tok, &a, &err), &err, "a token that never expires");
  fp = fopen(path, "w");
  fputs("{\"lifetime_days\": {\"regulator\": 7}}", fp);
  fclose(fp);
  assert_int_equal(svc_tokens_load(s, dir, &err), L6_E_INVALID_CONFIG);
  fp = fopen(path, "w");
  fputs("{\"lifetime_days\": {\"admin\": -1}}", fp);
  fclose(fp);
  assert_int_equal(svc_tokens_load(s, dir, &err), L6_E_INVALID_CONFIG);
  assert_int_equal(tl_tmpdir_remove(dir), 0);
  svc_close(s); /* closes f.st */
  f.st = NULL;
  close_fixture(&f);
}

/* A new SQLite store, its -wal and -shm and the signing key file are
 * made mode 0600 whatever the umask (the store holds token hashes and
 * every holding). */
static void test_store_file_modes(void **state) {
  (void)state;
  if (tl_store_is_pg()) {
    print_message("PostgreSQL: no store file; skipped\n");
    return;
  }
  mode_t old = umask(022);
  char *dir = tl_tmpdir_make("modes");
  char db[600], keys[600], side[620];
  snprintf(db, sizeof db, "%s/m.db", dir);
  snprintf(keys, sizeof keys, "%s/m.db.keys", dir);
  l6_error err = {0};
  l6_store *st = store_open(db, &err);
  assert_non_null(st);
  l6_svc *s = svc_open(st, 1, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(s);
  bool created = false;
  tl_ok(svc_keys_open(s, keys, true, &created, &err), &err, "keys");
  assert_true(created);
  const char *suffix[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(side, sizeof side, "%s%s", db, suffix[i]);
    struct stat sb;
    assert_int_equal(stat(side, &sb), 0);
    if ((sb.st_mode & 0777) != 0600) fail_msg("%s has mode %o, not 600", side, (unsigned)(sb.st_mode & 0777));
  }
  struct stat sb;
  assert_int_equal(stat(keys, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  svc_close(s);
  umask(old);
  assert_int_equal(tl_tmpdir_remove(dir), 0);
}

/* ---- PostgreSQL: lost sessions ------------------------------------------- */

/* Terminates every session of the store's database but the caller's own,
 * through a plain libpq connection. Returns how many. */
static int terminate_sessions(const char *spec) {
  PGconn *c = PQconnectdb(spec);
  assert_int_equal(PQstatus(c), CONNECTION_OK);
  PGresult *r = PQexec(c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
  int n = atoi(PQgetvalue(r, 0, 0));
  PQclear(r);
  PQfinish(c);
  return n;
}

static void test_store_pg_reconnect(void **state) {
  (void)state;
  if (!tl_store_is_pg()) {
    print_message("SQLite: nothing to reconnect; skipped\n");
    return;
  }
  fixture f;
  open_fixture(&f, "reconnect");
  l6_store *st = f.st;
  l6_error err = {0};
  char buf[256];
  tl_ok(st->ops->lease_try(st, "tlog.signer", &err), &err, "lease");
  /* Lost while idle: the next begin reconnects without the caller noticing. */
  assert_int_equal(terminate_sessions(f.t.spec), 1);
  tl_ok(st->ops->begin(st, &err), &err, "begin after the session was terminated");
  tl_ok(put_party(st, "AAA", &err), &err, "AAA");
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  /* Lost inside a transaction: BUSY (nothing applied), then carry on. */
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  tl_ok(put_party(st, "BBB", &err), &err, "BBB");
  assert_int_equal(terminate_sessions(f.t.spec), 1);
  assert_int_equal(put_party(st, "CCC", &err), L6_E_BUSY);
  assert_non_null(strstr(err.message, "connection to PostgreSQL was lost"));
  st->ops->rollback(st);
  assert_string_equal(parties(st, buf), "AAA");
  /* The lease went with the first session; nobody else holds it, so the
   * next lease_try takes it again, and a second store cannot. */
  tl_ok(st->ops->lease_try(st, "tlog.signer", &err), &err, "lease after reconnecting");
  l6_store *b = tl_store_open(&f.t);
  assert_non_null(b);
  assert_int_equal(b->ops->lease_try(b, "tlog.signer", &err), L6_E_BUSY);
  b->ops->close(b);
  close_fixture(&f);
}

/* GET /v1/projects's filters (issue 21, schema 28): each combination of
 * programme, host and status, paged by id, lists exactly the projects of
 * a reference filter in order, whichever statement the store picks
 * (store_common.h store__proj_list_q); on SQLite the filters by host and
 * by status read their indexes (EXPLAIN QUERY PLAN), not every project. */
typedef struct {
  char ids[400][L6_CODE_MAX + 1];
  size_t n;
} id_list;

static int collect_id(void *ctx, const void *row) {
  id_list *l = ctx;
  const char *id = ((const l6_project *)row)->id;
  size_t len = strnlen(id, L6_CODE_MAX);
  if (l->n < 400) {
    memcpy(l->ids[l->n], id, len);
    l->ids[l->n++][len] = '\0';
  }
  return 0;
}

static void plan_uses(const char *path, const char *where, const char *index) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  char sql[512], plan[1024] = "";
  snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN SELECT id, title FROM projects WHERE %s AND id > '' ORDER BY id LIMIT 50", where);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  sqlite3_bind_text(q, 1, "BBB", -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, "suspended", -1, SQLITE_STATIC);
  while (sqlite3_step(q) == SQLITE_ROW) {
    size_t len = strlen(plan);
    snprintf(plan + len, sizeof plan - len, "%s; ", (const char *)sqlite3_column_text(q, 3));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (strstr(plan, index) == NULL || strstr(plan, "SCAN") != NULL) fail_msg("%s: plan %s, not %s", where, plan, index);
}

static void test_store_project_filters(void **state) {
  (void)state;
  fixture f;
  open_fixture(&f, "projfilt");
  l6_store *st = f.st;
  l6_error err = {0};
  static const char *const hosts[] = {"AAA", "BBB", "CCC", "DDD"};
  static const char *const progs[] = {"VCS", "GS"};
  static const char *const statuses[] = {"listed", "registered", "suspended", "withdrawn"};
  tl_rng rng;
  tl_rng_init(&rng, 28);
  l6_project all[240];
  tl_ok(st->ops->begin(st, &err), &err, "begin");
  for (size_t i = 0; i < 4; i++) tl_ok(put_party(st, hosts[i], &err), &err, "party");
  for (size_t i = 0; i < 2; i++) {
    l6_programme pr = {.kind = "voluntary"};
    snprintf(pr.code, sizeof pr.code, "%s", progs[i]);
    snprintf(pr.name, sizeof pr.name, "%s", progs[i]);
    tl_ok(st->ops->programme_put(st, &pr, &err), &err, "programme");
  }
  for (size_t i = 0; i < 240; i++) {
    l6_project p = {.title = "t", .methodology = "m", .sector = "s", .kind = "avoidance", .crediting_start = "2020-01-01",
                    .crediting_end = "2030-12-31"};
    snprintf(p.id, sizeof p.id, "P%04zu", (i * 7919) % 240); /* ids not in insertion order */
    snprintf(p.programme, sizeof p.programme, "%s", progs[tl_rng_below(&rng, 2)]);
    snprintf(p.host, sizeof p.host, "%s", hosts[tl_rng_below(&rng, 4)]);
    snprintf(p.status, sizeof p.status, "%s", statuses[tl_rng_below(&rng, 4)]);
    tl_ok(st->ops->project_put(st, &p, &err), &err, "project");
    all[(i * 7919) % 240] = p;
  }
  tl_ok(st->ops->commit(st, &err), &err, "commit");
  static id_list got, want;
  for (size_t pi = 0; pi <= 2; pi++)
    for (size_t hi = 0; hi <= 4; hi++)
      for (size_t si = 0; si <= 4; si++) {
        const char *prog = pi < 2 ? progs[pi] : "", *host = hi < 4 ? hosts[hi] : "", *status = si < 4 ? statuses[si] : "";
        want.n = got.n = 0;
        for (size_t i = 0; i < 240; i++) /* all[] is in id order */
          if ((!prog[0] || strcmp(all[i].programme, prog) == 0) && (!host[0] || strcmp(all[i].host, host) == 0) &&
              (!status[0] || strcmp(all[i].status, status) == 0))
            collect_id(&want, &all[i]);
        char after[L6_CODE_MAX + 1] = "";
        tl_ok(st->ops->begin(st, &err), &err, "begin");
        for (;;) { /* pages of 7 */
          size_t n0 = got.n;
          tl_ok(st->ops->project_list(st, prog, host, status, after, 7, collect_id, &got, &err), &err, "project_list");
          if (got.n == n0) break;
          snprintf(after, sizeof after, "%s", got.ids[got.n - 1]);
        }
        st->ops->rollback(st);
        assert_int_equal(got.n, want.n);
        for (size_t i = 0; i < got.n; i++) assert_string_equal(got.ids[i], want.ids[i]);
      }
  if (!tl_store_is_pg()) {
    char path[L6_STORE_SPEC_MAX + 8];
    snprintf(path, sizeof path, "%s", f.t.spec);
    plan_uses(path, "host = ?1 AND ('' = '' OR status = '')", "projects_host");
    plan_uses(path, "host = ?1 AND status = ?2", "projects_host");
    plan_uses(path, "status = ?2 AND ('' = '' OR host = '')", "projects_status");
  }
  close_fixture(&f);
}

int main(void) {
  tl_seed();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_schema_twins),     cmocka_unit_test(test_store_migrate_batches),
      cmocka_unit_test(test_store_spec),             cmocka_unit_test(test_store_serial_history_ref),
      cmocka_unit_test(test_store_nesting),          cmocka_unit_test(test_store_errors),
      cmocka_unit_test(test_store_dense_ids),        cmocka_unit_test(test_store_fault_hook),
      cmocka_unit_test(test_store_writer_exclusion), cmocka_unit_test(test_store_leases),
      cmocka_unit_test(test_store_lease_takeover),   cmocka_unit_test(test_store_lease_service),
      cmocka_unit_test(test_store_pg_reconnect),
      cmocka_unit_test(test_store_token_lifecycle),  cmocka_unit_test(test_store_file_modes),
      cmocka_unit_test(test_store_tx_only_guard),
      cmocka_unit_test(test_store_project_filters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
