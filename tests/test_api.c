/*
 * test_api.c -- black-box tests of the HTTP API: each group starts the real
 * server binary (L6_BIN) on a fresh database and talks to it over HTTP
 * (tests/testlib_http.h), as an operator, account holders, an auditor and
 * the public would.
 *
 * Every group runs on the store tests/testlib.h chooses (SQLite, or a fresh
 * PostgreSQL database per group when L6_STORE names a server).
 *
 * Groups:
 *   api_happy        every use case once, checking the replies and the
 *                    holdings they leave (serial order, splits, history,
 *                    filters, pagination, idempotency, account states).
 *   api_errors       every error path: status, error code, and that the
 *                    holdings of every involved account did not change.
 *   api_roles        every route of http_routes() x every role, against a
 *                    table written from the rules; a route missing from the
 *                    table fails the test.
 *   api_concurrency  32 clients drain one account of 1,000 units at once;
 *                    exactly 1,000 move, the rest is refused, the ledger
 *                    check passes.
 *   api_two_servers  the same with two server processes on one store
 *                    (16 clients each): still exactly 1,000, and both
 *                    servers report the same holdings. This is the
 *                    several-servers deployment on PostgreSQL (and works on
 *                    one SQLite file too).
 *   api_restart      acknowledged transfers survive kill -9; holdings equal
 *                    a per-serial reference model fed the same replies.
 *
 * Randomised parts draw from tl_rng (L6_SEED replays them).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <liboath/oath.h>
#include <sodium.h>

#include <sodium.h>

#include "api/http.h"
#include "service/cycle_data.h"
#include "testlib.h"
#include "testlib_cycle.h"
#include "testlib_http.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ====================================================================== */
/* Shared world                                                            */
/* ====================================================================== */

#define PROJECT "VCS.2250" /* a VCS project hosted by Malawi */
#define HOST "MWI"

/* What every group starts from: Parties CHE and MWI, registry CHE01, the
 * project, and two organisations of CHE01 with a holder token each. */
static struct {
  tl_srv srv;
  tl_registry_accounts che; /* CHE01's pending, retirement, cancellation */
  int64_t org_a, org_b;
  char *tok_a, *tok_b, *tok_aud; /* holder of A, holder of B, auditor */
} W;

#define S (&W.srv)

static int world_setup(const char *tag) {
  memset(&W, 0, sizeof W);
  if (tl_srv_start(&W.srv, tag) != 0) return -1;
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_party(S, HOST, "Malawi");
  tl_mk_registry(S, "CHE01", "CHE", &W.che);
  tl_mk_project(S, PROJECT, "VCS", HOST);
  W.org_a = tl_mk_org(S, "CHE01", "Alpine Carbon AG");
  W.org_b = tl_mk_org(S, "CHE01", "Basel Offsets GmbH");
  W.tok_a = tl_mk_token(S, "holder", W.org_a);
  W.tok_b = tl_mk_token(S, "holder", W.org_b);
  W.tok_aud = tl_mk_token(S, "auditor", 0);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(&W.srv) : 0;
  tl_srv_free(&W.srv);
  free(W.tok_a);
  free(W.tok_b);
  free(W.tok_aud);
  tl_http_thread_done();
  memset(&W, 0, sizeof W);
  return rc == 0 ? 0 : -1; /* a server that did not stop cleanly (ASan report, crash) fails the group */
}

/* GET of a printf-formatted path. */
static tl_resp get(const char *token, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tl_resp get(const char *token, const char *fmt, ...) {
  char path[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  return tl_http_req(S, "GET", path, token, NULL, NULL);
}

static tl_resp post(const char *path, const char *token, json_t *body) {
  return tl_http_reqj(S, "POST", path, token, body, NULL);
}

/* POST that must succeed with 201; returns the reply body (new reference). */
static json_t *post_ok_at(const char *path, const char *token, json_t *body, const char *file, int line) {
  tl_resp r = post(path, token, body);
  tl_assert_status_at(&r, 201, file, line);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}
#define post_ok(path, token, body) post_ok_at((path), (token), (body), __FILE__, __LINE__)

/* GET that must succeed with 200; returns the reply body (new reference). */
#define get_ok(token, ...) get_ok_at(__FILE__, __LINE__, (token), __VA_ARGS__)
static json_t *get_ok_at(const char *file, int line, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static json_t *get_ok_at(const char *file, int line, const char *token, const char *fmt, ...) {
  char path[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(path, sizeof path, fmt, ap);
  va_end(ap);
  tl_resp r = tl_http_req(S, "GET", path, token, NULL, NULL);
  tl_assert_status_at(&r, 200, file, line);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

/* A transfer by quantity of unit type VCU. */
static json_t *xfer_body(int64_t from, int64_t to, int64_t qty) {
  return json_pack("{s:I, s:I, s:s, s:I}", "from_account", (json_int_t)from, "to_account", (json_int_t)to, "unit_type",
                   "VCU", "quantity", (json_int_t)qty);
}

/* One {"batch","first","last"} range. */
static json_t *range(int64_t batch, int64_t first, int64_t last) {
  return json_pack("{s:I, s:I, s:I}", "batch", (json_int_t)batch, "first", (json_int_t)first, "last", (json_int_t)last);
}

/* The canonical serial of one unit or of a block (docs: serial.h). */
static void serial_of(char *buf, size_t cap, int vintage, int64_t batch, int64_t first, int64_t last) {
  if (last == 0)
    snprintf(buf, cap, "VCU-%s-%s-%04d-%06lld-%09lld", HOST, PROJECT, vintage, (long long)batch, (long long)first);
  else
    snprintf(buf, cap, "VCU-%s-%s-%04d-%06lld-%09lld-%09lld", HOST, PROJECT, vintage, (long long)batch,
             (long long)first, (long long)last);
}

/* Asserts the blocks of a ledger reply, given as "batch:first-last" joined
 * by ",", in order, and that their quantities add up to the reply's. */
static void assert_blocks_at(const json_t *reply, const char *want, const char *file, int line) {
  char got[2048] = "";
  size_t len = 0;
  int64_t sum = 0;
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(reply, "blocks"), i, b) {
    len +=
        (size_t)snprintf(got + len, sizeof got - len, "%s%lld:%lld-%lld", i ? "," : "", (long long)tl_jint(b, "batch"),
                         (long long)tl_jint(b, "first"), (long long)tl_jint(b, "last"));
    _assert_int_equal((uint64_t)tl_jint(b, "quantity"), (uint64_t)(tl_jint(b, "last") - tl_jint(b, "first") + 1), file,
                      line);
    sum += tl_jint(b, "quantity");
  }
  _assert_string_equal(got, want, file, line);
  _assert_int_equal((uint64_t)sum, (uint64_t)tl_jint(reply, "quantity"), file, line);
}
#define assert_blocks(reply, want) assert_blocks_at((reply), (want), __FILE__, __LINE__)

/* Asserts the merged unit set of an account ("status=open total=N blocks=..."). */
static void assert_units_at(int64_t account, const char *want, const char *file, int line) {
  char *got = tl_holdings_units(S, account);
  _assert_string_equal(got, want, file, line);
  free(got);
}
#define assert_units(account, want) assert_units_at((account), (want), __FILE__, __LINE__)

/* True when a list reply's "items" hold an object whose key equals id. */
static bool list_has(const json_t *list, const char *key, int64_t id) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(list, "items"), i, it) if (tl_jint(it, key) == id) return true;
  return false;
}

static bool list_has_str(const json_t *list, const char *key, const char *v) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(list, "items"), i, it) {
    const char *s = tl_jstr(it, key);
    if (s && strcmp(s, v) == 0) return true;
  }
  return false;
}

/* Every item of a list route, following "next" page by page (500 a page).
 * query is "" or "a=b&c=d". Returns a new array. */
static json_t *all_pages(const char *token, const char *route, const char *query) {
  json_t *all = json_array();
  char cursor[64] = "";
  for (int pages = 0;; pages++) {
    assert_true(pages < 1000);
    json_t *b =
        get_ok(token, "%s?%s%slimit=500%s%s", route, query, query[0] ? "&" : "", cursor[0] ? "&after=" : "", cursor);
    json_array_extend(all, json_object_get(b, "items"));
    json_t *next = json_object_get(b, "next");
    if (!json_is_string(next)) {
      json_decref(b);
      return all;
    }
    snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
    json_decref(b);
  }
}

/* ====================================================================== */
/* api_happy                                                               */
/* ====================================================================== */

static struct {
  int64_t a1, a2, b1; /* holding accounts: A1, A2 of org A; B1 of org B */
  int64_t b_pend;     /* batch issued into pending (vintage 2022, 500 units) */
  int64_t b22, b21;   /* batches forwarded to A1: 2022 x 400 (older batch), 2021 x 300 */
  int64_t txs[64];    /* every transaction id this group made, in order */
  size_t ntx;
  int64_t tx_ret; /* the retirement */
} H;

static void record_tx(const json_t *reply) {
  assert_true(H.ntx + 2 <= COUNT(H.txs));
  H.txs[H.ntx++] = tl_jint(reply, "id");
  json_t *fwd = json_object_get(reply, "forward");
  if (fwd) H.txs[H.ntx++] = tl_jint(fwd, "id");
}

static int happy_setup(void **state) {
  (void)state;
  memset(&H, 0, sizeof H);
  if (world_setup("api-happy") != 0) return -1;
  H.a1 = tl_mk_account(S, "CHE01", W.org_a, "holding", "A main");
  H.a2 = tl_mk_account(S, "CHE01", W.org_a, "trading", "A trading");
  H.b1 = tl_mk_account(S, "CHE01", W.org_b, "holding", "B main");
  return 0;
}

static void test_reference_reads(void **state) {
  (void)state;
  json_t *b = get_ok(NULL, "/v1/health");
  assert_string_equal(tl_jstr(b, "status"), "ok");
  json_decref(b);
  b = get_ok(NULL, "/v1/openapi.json");
  assert_true(json_is_object(b));
  json_decref(b);
  b = get_ok(NULL, "/v1/parties");
  assert_true(list_has_str(b, "code", "CHE") && list_has_str(b, "code", HOST));
  json_decref(b);
  b = get_ok(NULL, "/v1/registries");
  assert_true(list_has_str(b, "id", "CHE01"));
  json_decref(b);
  b = get_ok(NULL, "/v1/programmes");
  assert_true(list_has_str(b, "code", "VCS") && list_has_str(b, "code", "A6.2"));
  json_decref(b);
  b = get_ok(NULL, "/v1/unit-types");
  assert_true(list_has_str(b, "code", "VCU") && list_has_str(b, "code", "ITMO"));
  json_decref(b);
  b = get_ok(NULL, "/v1/projects/%s", PROJECT);
  assert_string_equal(tl_jstr(b, "host"), HOST);
  assert_string_equal(tl_jstr(b, "status"), "registered");
  json_decref(b);
}

/* A new registry comes with exactly one open pending, retirement and
 * cancellation account, owned by no organisation, listed for the admin. */
static void test_registry_accounts(void **state) {
  (void)state;
  tl_mk_party(S, "GHA", "Ghana");
  tl_registry_accounts acc;
  tl_mk_registry(S, "GHA01", "GHA", &acc); /* checks the three accounts */
  json_t *b = get_ok(S->admin, "/v1/accounts?limit=500");
  assert_true(list_has(b, "id", acc.pending) && list_has(b, "id", acc.retirement) &&
              list_has(b, "id", acc.cancellation));
  json_decref(b);
  b = get_ok(S->admin, "/v1/accounts/%lld", (long long)acc.pending);
  assert_string_equal(tl_jstr(b, "type"), "pending");
  assert_string_equal(tl_jstr(b, "registry"), "GHA01");
  json_decref(b);
  char *h = tl_holdings(S, acc.retirement);
  assert_string_equal(h, "status=open total=0 blocks=");
  free(h);
}

static void test_issue_into_pending(void **state) {
  (void)state;
  json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 500, 0);
  record_tx(r);
  H.b_pend = tl_batch_of(r);
  assert_string_equal(tl_jstr(r, "kind"), "issuance");
  assert_true(json_is_null(json_object_get(r, "from_account")));
  assert_int_equal(tl_jint(r, "to_account"), W.che.pending);
  assert_null(json_object_get(r, "forward"));
  char want[64], serial[160];
  snprintf(want, sizeof want, "%lld:1-500", (long long)H.b_pend);
  assert_blocks(r, want);
  serial_of(serial, sizeof serial, 2022, H.b_pend, 1, 500);
  assert_string_equal(tl_jstr(json_array_get(json_object_get(r, "blocks"), 0), "serial"), serial);
  json_decref(r);
  char units[96];
  snprintf(units, sizeof units, "status=open total=500 blocks=%lld:1-500", (long long)H.b_pend);
  assert_units(W.che.pending, units);
  /* The batch is listed publicly, with the project and its issuances. */
  json_t *b = get_ok(NULL, "/v1/issuances?project=%s", PROJECT);
  assert_true(list_has(b, "batch", H.b_pend));
  json_decref(b);
  b = get_ok(NULL, "/v1/projects/%s", PROJECT);
  json_t *iss = json_object_get(b, "issuances");
  assert_int_equal(json_array_size(iss), 1);
  assert_int_equal(tl_jint(json_array_get(iss, 0), "quantity"), 500);
  json_decref(b);
}

/* forward_to moves the whole batch on in the same commit: pending is left
 * as it was. The 2021 batch is issued after the 2022 one, so it has the
 * higher batch number but the older vintage. */
static void test_issue_forward(void **state) {
  (void)state;
  char *pend_before = tl_holdings(S, W.che.pending);
  json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 400, H.a1);
  record_tx(r);
  H.b22 = tl_batch_of(r);
  json_t *fwd = json_object_get(r, "forward");
  assert_non_null(fwd);
  assert_string_equal(tl_jstr(fwd, "kind"), "transfer");
  assert_int_equal(tl_jint(fwd, "from_account"), W.che.pending);
  assert_int_equal(tl_jint(fwd, "to_account"), H.a1);
  assert_int_equal(tl_jint(fwd, "quantity"), 400);
  json_decref(r);
  r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2021, 300, H.a1);
  record_tx(r);
  H.b21 = tl_batch_of(r);
  assert_true(H.b21 > H.b22);
  json_decref(r);
  char *pend_after = tl_holdings(S, W.che.pending);
  assert_string_equal(pend_before, pend_after);
  free(pend_before);
  free(pend_after);
  char want[128];
  snprintf(want, sizeof want, "status=open total=700 blocks=%lld:1-400,%lld:1-300", (long long)H.b22, (long long)H.b21);
  assert_units(H.a1, want);
}

/* By quantity: oldest vintage first (2021 although its batch is newer),
 * then the lowest serials, the last block split. */
static void test_transfer_quantity_split(void **state) {
  (void)state;
  json_t *r = post_ok("/v1/transfers", S->admin, xfer_body(H.a1, H.b1, 350));
  record_tx(r);
  assert_string_equal(tl_jstr(r, "kind"), "transfer");
  assert_int_equal(tl_jint(r, "from_account"), H.a1);
  assert_int_equal(tl_jint(r, "to_account"), H.b1);
  assert_int_equal(tl_jint(r, "quantity"), 350);
  char want[160];
  snprintf(want, sizeof want, "%lld:1-300,%lld:1-50", (long long)H.b21, (long long)H.b22);
  assert_blocks(r, want);
  json_decref(r);
  /* The holder of A may move A's units, and again the lowest serials go. */
  r = post_ok("/v1/transfers", W.tok_a, xfer_body(H.a1, H.b1, 10));
  record_tx(r);
  snprintf(want, sizeof want, "%lld:51-60", (long long)H.b22);
  assert_blocks(r, want);
  json_decref(r);
  snprintf(want, sizeof want, "status=open total=340 blocks=%lld:61-400", (long long)H.b22);
  assert_units(H.a1, want);
  snprintf(want, sizeof want, "status=open total=360 blocks=%lld:1-60,%lld:1-300", (long long)H.b22, (long long)H.b21);
  assert_units(H.b1, want);
}

/* Explicit ranges: by batch/first/last, by a unit serial and by a block
 * serial, all in one request (the reply keeps the request's order). */
static void test_transfer_ranges(void **state) {
  (void)state;
  json_t *r = post_ok("/v1/transfers", S->admin,
                      json_pack("{s:I, s:I, s:[o]}", "from_account", (json_int_t)H.a1, "to_account", (json_int_t)H.a2,
                                "ranges", range(H.b22, 100, 109)));
  record_tx(r);
  char want[200], unit[160], block[160];
  snprintf(want, sizeof want, "%lld:100-109", (long long)H.b22);
  assert_blocks(r, want);
  json_decref(r);
  serial_of(unit, sizeof unit, 2022, H.b22, 200, 0);
  serial_of(block, sizeof block, 2022, H.b22, 201, 210);
  r = post_ok("/v1/transfers", W.tok_a,
              json_pack("{s:I, s:I, s:s, s:[{s:s}, {s:s}]}", "from_account", (json_int_t)H.a1, "to_account",
                        (json_int_t)H.a2, "unit_type", "VCU", "ranges", "serial", block, "serial", unit));
  record_tx(r);
  snprintf(want, sizeof want, "%lld:201-210,%lld:200-200", (long long)H.b22, (long long)H.b22);
  assert_blocks(r, want);
  assert_int_equal(tl_jint(r, "quantity"), 11);
  json_decref(r);
  snprintf(want, sizeof want, "status=open total=319 blocks=%lld:61-99,%lld:110-199,%lld:211-400", (long long)H.b22,
           (long long)H.b22, (long long)H.b22);
  assert_units(H.a1, want);
  snprintf(want, sizeof want, "status=open total=21 blocks=%lld:100-109,%lld:200-210", (long long)H.b22,
           (long long)H.b22);
  assert_units(H.a2, want);
}

static void test_retirement(void **state) {
  (void)state;
  char *acc_before = tl_holdings(S, W.che.retirement);
  json_t *r =
      post_ok("/v1/retirements", W.tok_a,
              json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:i}", "from_account", (json_int_t)H.a2, "unit_type", "VCU",
                        "quantity", (json_int_t)5, "beneficiary", "Zurich Tram AG", "purpose", "voluntary offsetting",
                        "claim", "Scope 3 business travel 2024", "reporting_year", 2024));
  record_tx(r);
  H.tx_ret = tl_jint(r, "id");
  assert_string_equal(tl_jstr(r, "kind"), "retirement");
  assert_int_equal(tl_jint(r, "to_account"), W.che.retirement);
  assert_string_equal(tl_jstr(r, "beneficiary"), "Zurich Tram AG");
  assert_string_equal(tl_jstr(r, "purpose"), "voluntary offsetting");
  assert_string_equal(tl_jstr(r, "claim"), "Scope 3 business travel 2024");
  assert_int_equal(tl_jint(r, "reporting_year"), 2024);
  char want[160];
  snprintf(want, sizeof want, "%lld:100-104", (long long)H.b22);
  assert_blocks(r, want);
  json_decref(r);
  assert_string_equal(acc_before, "status=open total=0 blocks=");
  free(acc_before);
  snprintf(want, sizeof want, "status=open total=5 blocks=%lld:100-104", (long long)H.b22);
  assert_units(W.che.retirement, want);
  /* The stored transaction carries the same details. */
  json_t *t = get_ok(S->admin, "/v1/transactions/%lld", (long long)H.tx_ret);
  assert_string_equal(tl_jstr(t, "beneficiary"), "Zurich Tram AG");
  assert_int_equal(tl_jint(t, "reporting_year"), 2024);
  assert_int_equal(tl_jint(t, "quantity"), 5);
  json_decref(t);
}

static void test_cancellation(void **state) {
  (void)state;
  json_t *r = post_ok(
      "/v1/cancellations", S->admin,
      json_pack("{s:I, s:s, s:I}", "from_account", (json_int_t)H.a2, "unit_type", "VCU", "quantity", (json_int_t)2));
  record_tx(r);
  assert_string_equal(tl_jstr(r, "kind"), "cancellation");
  assert_int_equal(tl_jint(r, "to_account"), W.che.cancellation);
  char want[160];
  snprintf(want, sizeof want, "%lld:105-106", (long long)H.b22);
  assert_blocks(r, want);
  json_decref(r);
  snprintf(want, sizeof want, "status=open total=2 blocks=%lld:105-106", (long long)H.b22);
  assert_units(W.che.cancellation, want);
  snprintf(want, sizeof want, "status=open total=14 blocks=%lld:107-109,%lld:200-210", (long long)H.b22,
           (long long)H.b22);
  assert_units(H.a2, want);
}

/* Serial 100 of the 2022 batch went: issuance -> pending, forward to A1,
 * A1 -> A2 (range), A2 -> retirement. The admin sees every account; A's
 * holder sees A's accounts and only the type of anyone else's. */
static void test_serial_history(void **state) {
  (void)state;
  char serial[160];
  serial_of(serial, sizeof serial, 2022, H.b22, 100, 0);
  struct {
    const char *kind;
    int64_t from, to;
    const char *from_type, *to_type; /* what A's holder sees instead of another org's id */
  } want[] = {{"issuance", 0, W.che.pending, NULL, "pending"},
              {"transfer", W.che.pending, H.a1, "pending", NULL},
              {"transfer", H.a1, H.a2, NULL, NULL},
              {"retirement", H.a2, W.che.retirement, NULL, "retirement"}};
  for (int as_holder = 0; as_holder < 2; as_holder++) {
    json_t *b = get_ok(as_holder ? W.tok_a : S->admin, "/v1/serials/%s", serial);
    assert_string_equal(tl_jstr(b, "serial"), serial);
    json_t *held = json_object_get(b, "held_by");
    assert_int_equal(json_array_size(held), 1);
    json_t *h0 = json_array_get(held, 0);
    json_t *acc = json_object_get(h0, "account");
    assert_string_equal(tl_jstr(acc, "type"), "retirement");
    if (as_holder)
      assert_null(json_object_get(acc, "id")); /* the registry's account, not A's */
    else
      assert_int_equal(tl_jint(acc, "id"), W.che.retirement);
    assert_true(json_is_true(json_object_get(h0, "retired")));
    assert_true(tl_jint(h0, "first") <= 100 && tl_jint(h0, "last") >= 100);
    json_t *hist = json_object_get(b, "history");
    assert_int_equal(json_array_size(hist), COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
      json_t *e = json_array_get(hist, i);
      assert_string_equal(tl_jstr(e, "kind"), want[i].kind);
      bool hide_from = as_holder && want[i].from_type, hide_to = as_holder && want[i].to_type;
      assert_int_equal(tl_jint(e, "from_account"), hide_from ? 0 : want[i].from);
      assert_int_equal(tl_jint(e, "to_account"), hide_to ? 0 : want[i].to);
      if (hide_from) assert_string_equal(tl_jstr(e, "from_account_type"), want[i].from_type);
      if (hide_to) assert_string_equal(tl_jstr(e, "to_account_type"), want[i].to_type);
      assert_true(tl_jint(e, "first") <= 100 && tl_jint(e, "last") >= 100);
      if (i) assert_true(tl_jint(e, "transaction") > tl_jint(json_array_get(hist, i - 1), "transaction"));
    }
    json_decref(b);
  }
  /* The block form names every current holder of 100-109. */
  serial_of(serial, sizeof serial, 2022, H.b22, 100, 109);
  json_t *b = get_ok(S->admin, "/v1/serials/%s", serial);
  json_t *held = json_object_get(b, "held_by");
  int64_t expect_acc[] = {W.che.retirement, W.che.cancellation, H.a2};
  int64_t expect_first[] = {100, 105, 107}, next = 100;
  assert_int_equal(json_array_size(held), 3);
  for (size_t i = 0; i < 3; i++) {
    json_t *h = json_array_get(held, i);
    assert_int_equal(tl_jint(json_object_get(h, "account"), "id"), expect_acc[i]);
    assert_int_equal(tl_jint(h, "first"), expect_first[i]);
    assert_int_equal(tl_jint(h, "first"), next);
    next = tl_jint(h, "last") + 1;
  }
  assert_int_equal(next, 110);
  json_decref(b);
}

/* Every transaction of the group, as the admin lists them (one page). */
static json_t *all_txs(void) {
  json_t *b = get_ok(S->admin, "/v1/transactions?limit=500");
  assert_true(json_is_null(json_object_get(b, "next")));
  json_t *items = json_incref(json_object_get(b, "items"));
  json_decref(b);
  assert_int_equal(json_array_size(items), H.ntx);
  for (size_t i = 0; i < H.ntx; i++) assert_int_equal(tl_jint(json_array_get(items, i), "id"), H.txs[i]);
  return items;
}

static bool tx_touches_batch(const json_t *t, int64_t batch) {
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(t, "blocks"), i, b) if (tl_jint(b, "batch") == batch) return true;
  return false;
}

/* Follows "next" from query (which has no limit) with limit=2; returns the
 * ids in order, asserting every page but the last is full. */
static size_t paged_ids(const char *token, const char *query, int64_t *ids, size_t cap) {
  size_t n = 0;
  char cursor[64] = "";
  for (int pages = 0;; pages++) {
    assert_true(pages < 100);
    json_t *b = cursor[0] ? get_ok(token, "/v1/transactions?%s%slimit=2&after=%s", query, query[0] ? "&" : "", cursor)
                          : get_ok(token, "/v1/transactions?%s%slimit=2", query, query[0] ? "&" : "");
    json_t *items = json_object_get(b, "items");
    assert_true(json_array_size(items) <= 2);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      assert_true(n < cap);
      ids[n++] = tl_jint(it, "id");
    }
    json_t *next = json_object_get(b, "next");
    if (json_is_null(next)) {
      json_decref(b);
      break;
    }
    assert_true(json_is_string(next));
    assert_int_equal(json_array_size(items), 2);
    snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
    json_decref(b);
  }
  return n;
}

/* Each filter returns exactly the transactions of the full list that match
 * it, in id order, whether read in one page or followed two at a time. */
static void test_tx_filters_and_pages(void **state) {
  (void)state;
  json_t *all = all_txs();
  struct {
    char query[96];
    int kind; /* 0 account, 1 kind, 2 batch, 3 project, 4 account+kind */
    int64_t id;
    const char *s;
  } f[] = {{"", 0, H.a1, NULL},           {"", 1, 0, "transfer"}, {"", 1, 0, "retirement"},
           {"", 2, H.b21, NULL},          {"", 3, 0, PROJECT},    {"", 0, W.che.pending, NULL},
           {"", 4, H.a2, "cancellation"}, {"", 1, 0, "issuance"}, {"", 3, 0, "NO.SUCH"}};
  for (size_t k = 0; k < COUNT(f); k++) {
    switch (f[k].kind) {
      case 0:
        snprintf(f[k].query, sizeof f[k].query, "account=%lld", (long long)f[k].id);
        break;
      case 1:
        snprintf(f[k].query, sizeof f[k].query, "kind=%s", f[k].s);
        break;
      case 2:
        snprintf(f[k].query, sizeof f[k].query, "batch=%lld", (long long)f[k].id);
        break;
      case 3:
        snprintf(f[k].query, sizeof f[k].query, "project=%s", f[k].s);
        break;
      case 4:
        snprintf(f[k].query, sizeof f[k].query, "account=%lld&kind=%s", (long long)f[k].id, f[k].s);
        break;
    }
    int64_t want[64];
    size_t nwant = 0;
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t) {
      bool acc = tl_jint(t, "from_account") == f[k].id || tl_jint(t, "to_account") == f[k].id;
      bool kind = f[k].s && strcmp(tl_jstr(t, "kind"), f[k].s) == 0;
      bool ok = f[k].kind == 0   ? acc
                : f[k].kind == 1 ? kind
                : f[k].kind == 2 ? tx_touches_batch(t, f[k].id)
                : f[k].kind == 3 ? strcmp(f[k].s, PROJECT) == 0
                                 : acc && kind;
      if (ok) want[nwant++] = tl_jint(t, "id");
    }
    json_t *b = get_ok(S->admin, "/v1/transactions?%s", f[k].query);
    json_t *items = json_object_get(b, "items");
    if (json_array_size(items) != nwant)
      print_error("filter %s: %zu items, want %zu\n", f[k].query, json_array_size(items), nwant);
    assert_int_equal(json_array_size(items), nwant);
    for (i = 0; i < nwant; i++) assert_int_equal(tl_jint(json_array_get(items, i), "id"), want[i]);
    json_decref(b);
    int64_t paged[64];
    size_t np = paged_ids(S->admin, f[k].query, paged, COUNT(paged));
    assert_int_equal(np, nwant);
    for (i = 0; i < np; i++) assert_int_equal(paged[i], want[i]);
  }
  /* No filter, two at a time: everything once, strictly ascending. */
  int64_t ids[64];
  size_t n = paged_ids(S->admin, "", ids, COUNT(ids));
  assert_int_equal(n, H.ntx);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(ids[i], H.txs[i]);
    if (i) assert_true(ids[i] > ids[i - 1]);
  }
  json_decref(all);
}

/* Retirements are public: who retired what for whom, without account ids. */
static void test_retirements_public(void **state) {
  (void)state;
  json_t *b = get_ok(NULL, "/v1/retirements");
  json_t *items = json_object_get(b, "items");
  assert_int_equal(json_array_size(items), 1);
  json_t *t = json_array_get(items, 0);
  assert_int_equal(tl_jint(t, "id"), H.tx_ret);
  assert_string_equal(tl_jstr(t, "kind"), "retirement");
  assert_string_equal(tl_jstr(t, "beneficiary"), "Zurich Tram AG");
  assert_int_equal(tl_jint(t, "quantity"), 5);
  assert_null(json_object_get(t, "from_account"));
  assert_null(json_object_get(t, "to_account"));
  assert_null(json_object_get(t, "actor"));
  assert_int_equal(json_array_size(json_object_get(t, "blocks")), 1);
  json_decref(b);
  /* The rest of the ledger is not public. */
  tl_resp r = get(NULL, "/v1/transactions");
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
  r = get(NULL, "/v1/transactions?kind=transfer");
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
}

/* The same key and body from the same token answer the first reply again,
 * byte for byte and marked Idempotent-Replayed, and move nothing; the same
 * key with another body, or on another route, is refused. Keys belong to
 * their token: another token's identical request is a request of its own. */
static void test_idempotency(void **state) {
  (void)state;
  const char *key = "Idempotency-Key: happy-idem-1";
  char *a1_before = tl_holdings(S, H.a1);
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":3}",
           (long long)H.a1, (long long)H.b1);
  tl_resp r1 = tl_http_req(S, "POST", "/v1/transfers", W.tok_a, body, key);
  tl_assert_status(&r1, 201);
  record_tx(r1.body);
  char hv[32];
  assert_false(tl_resp_header(&r1, "Idempotent-Replayed", hv, sizeof hv));
  char *a1_mid = tl_holdings(S, H.a1), *b1_mid = tl_holdings(S, H.b1);
  assert_int_equal(tl_holdings_total(S, H.a1), 319 - 3);
  assert_string_not_equal(a1_before, a1_mid);
  free(a1_before);
  for (int i = 0; i < 2; i++) {
    tl_resp r2 = tl_http_req(S, "POST", "/v1/transfers", W.tok_a, body, key);
    tl_assert_status(&r2, 201);
    assert_string_equal(r2.raw, r1.raw);
    assert_true(tl_resp_header(&r2, "Idempotent-Replayed", hv, sizeof hv));
    assert_string_equal(hv, "true");
    tl_resp_free(&r2);
  }
  /* Refused reuses of the key, each moving nothing. */
  char body2[200];
  snprintf(body2, sizeof body2, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":4}",
           (long long)H.a1, (long long)H.b1);
  tl_resp r3 = tl_http_req(S, "POST", "/v1/transfers", W.tok_a, body2, key);
  assert_error(&r3, 409, "idempotency_conflict");
  assert_non_null(strstr(tl_jstr(json_object_get(r3.body, "error"), "message"), "'happy-idem-1'"));
  tl_resp_free(&r3);
  r3 = tl_http_req(S, "POST", "/v1/cancellations", W.tok_a, body, key);
  assert_error(&r3, 409, "idempotency_conflict");
  tl_resp_free(&r3);
  char *a1_after = tl_holdings(S, H.a1), *b1_after = tl_holdings(S, H.b1);
  assert_string_equal(a1_mid, a1_after);
  assert_string_equal(b1_mid, b1_after);
  free(a1_after);
  free(b1_after);
  /* The replayed transaction exists once. */
  json_t *t = get_ok(S->admin, "/v1/transactions/%lld", (long long)tl_jint(r1.body, "id"));
  assert_int_equal(tl_jint(t, "quantity"), 3);
  json_decref(t);
  json_decref(all_txs()); /* exactly one more transaction than before */
  /* The admin's request under the same key is the admin's own: it moves
   * three more units, once, and replays to the admin only. */
  tl_resp ra = tl_http_req(S, "POST", "/v1/transfers", S->admin, body, key);
  tl_assert_status(&ra, 201);
  record_tx(ra.body);
  assert_int_not_equal(tl_jint(ra.body, "id"), tl_jint(r1.body, "id"));
  tl_resp ra2 = tl_http_req(S, "POST", "/v1/transfers", S->admin, body, key);
  tl_assert_status(&ra2, 201);
  assert_string_equal(ra2.raw, ra.raw);
  tl_resp_free(&ra2);
  tl_resp r4 = tl_http_req(S, "POST", "/v1/transfers", W.tok_a, body, key);
  assert_string_equal(r4.raw, r1.raw); /* A's reply is still A's */
  tl_resp_free(&r4);
  assert_int_equal(tl_holdings_total(S, H.a1), 319 - 6);
  json_decref(all_txs());
  tl_resp_free(&ra);
  tl_resp_free(&r1);
  free(a1_mid);
  free(b1_mid);
}

static tl_resp patch_status(int64_t account, const char *status) {
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)account);
  return tl_http_reqj(S, "PATCH", path, S->admin, json_pack("{s:s}", "status", status), NULL);
}

/* open -> blocked -> open -> (closing a non-empty account is refused) ->
 * closed; a closed account never reopens. */
static void test_account_patch(void **state) {
  (void)state;
  int64_t a3 = tl_mk_account(S, "CHE01", W.org_a, "holding", "A spare");
  tl_resp r = patch_status(a3, "blocked");
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "status"), "blocked");
  tl_resp_free(&r);
  char *a1 = tl_holdings(S, H.a1), *a3h = tl_holdings(S, a3);
  assert_string_equal(a3h, "status=blocked total=0 blocks=");
  r = post("/v1/transfers", S->admin, xfer_body(H.a1, a3, 1));
  assert_error(&r, 409, "account_blocked");
  tl_resp_free(&r);
  char *a1_after = tl_holdings(S, H.a1);
  assert_string_equal(a1, a1_after);
  free(a1_after);
  free(a1);
  free(a3h);
  r = patch_status(a3, "open");
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "status"), "open");
  tl_resp_free(&r);
  json_t *t = post_ok("/v1/transfers", S->admin, xfer_body(H.a1, a3, 1));
  record_tx(t);
  json_decref(t);
  r = patch_status(a3, "closed");
  assert_error(&r, 409, "account_not_empty");
  tl_resp_free(&r);
  a3h = tl_holdings(S, a3);
  assert_true(strncmp(a3h, "status=open total=1 ", 20) == 0);
  free(a3h);
  t = post_ok("/v1/transfers", W.tok_a, xfer_body(a3, H.a1, 1));
  record_tx(t);
  json_decref(t);
  r = patch_status(a3, "closed");
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "status"), "closed");
  tl_resp_free(&r);
  r = patch_status(a3, "open");
  assert_error(&r, 409, "account_closed");
  tl_resp_free(&r);
  r = patch_status(a3, "frozen");
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  a3h = tl_holdings(S, a3);
  assert_string_equal(a3h, "status=closed total=0 blocks=");
  free(a3h);
  /* Only the admin changes account states. */
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)H.a1);
  r = tl_http_req(S, "PATCH", path, W.tok_a, "{\"status\":\"blocked\"}", NULL);
  assert_error(&r, 403, "forbidden");
  tl_resp_free(&r);
}

/* A token made by `ledger6 token create` on the live database works at
 * once and sees only its organisation. */
static void test_cli_token_while_serving(void **state) {
  (void)state;
  char *tok = tl_cli_token(S, "holder", W.org_b);
  json_t *b = get_ok(tok, "/v1/accounts");
  assert_true(list_has(b, "id", H.b1));
  assert_false(list_has(b, "id", H.a1));
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(b, "items"), i, it) assert_int_equal(tl_jint(it, "organisation"), W.org_b);
  json_decref(b);
  b = get_ok(tok, "/v1/organisations");
  assert_int_equal(json_array_size(json_object_get(b, "items")), 1);
  assert_true(list_has(b, "id", W.org_b));
  json_decref(b);
  free(tok);
}

/* ====================================================================== */
/* api_errors                                                              */
/* ====================================================================== */

static struct {
  int64_t src, dst;        /* A's account with 95 units; B's account with 10 */
  int64_t blocked_src;     /* A's account holding 10 units, then blocked */
  int64_t blocked, closed; /* empty accounts of A, blocked / closed */
  int64_t batch;           /* the 2022 batch all of them hold parts of */
  int64_t batch_itmo;      /* an ITMO batch (A6.2 project), in pending */
  int64_t s256, d256;      /* accounts for the 256-range boundary */
  int64_t watch[8];        /* accounts whose holdings every error case checks */
  char *snap[8];
} E;

static int errors_setup(void **state) {
  (void)state;
  memset(&E, 0, sizeof E);
  if (world_setup("api-errors") != 0) return -1;
  E.src = tl_mk_account(S, "CHE01", W.org_a, "holding", "A source");
  E.dst = tl_mk_account(S, "CHE01", W.org_b, "holding", "B destination");
  E.blocked_src = tl_mk_account(S, "CHE01", W.org_a, "holding", "A frozen holdings");
  E.blocked = tl_mk_account(S, "CHE01", W.org_a, "holding", "A blocked");
  E.closed = tl_mk_account(S, "CHE01", W.org_a, "holding", "A closed");
  json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 100, E.src);
  E.batch = tl_batch_of(r);
  json_decref(r);
  /* src: 1-100 -> dst gets 1-10 (by quantity), blocked_src 11-20, retirement 21-25. */
  json_decref(post_ok("/v1/transfers", S->admin, xfer_body(E.src, E.dst, 10)));
  json_decref(post_ok("/v1/transfers", S->admin, xfer_body(E.src, E.blocked_src, 10)));
  json_decref(post_ok("/v1/retirements", S->admin,
                      json_pack("{s:I, s:s, s:I, s:s, s:s}", "from_account", (json_int_t)E.src, "unit_type", "VCU",
                                "quantity", (json_int_t)5, "beneficiary", "Someone", "purpose", "offsetting")));
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)E.blocked_src);
  tl_resp p = tl_http_req(S, "PATCH", path, S->admin, "{\"status\":\"blocked\"}", NULL);
  tl_assert_status(&p, 200);
  tl_resp_free(&p);
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)E.blocked);
  p = tl_http_req(S, "PATCH", path, S->admin, "{\"status\":\"blocked\"}", NULL);
  tl_assert_status(&p, 200);
  tl_resp_free(&p);
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)E.closed);
  p = tl_http_req(S, "PATCH", path, S->admin, "{\"status\":\"closed\"}", NULL);
  tl_assert_status(&p, 200);
  tl_resp_free(&p);
  tl_mk_party(S, "THA", "Thailand");
  tl_mk_project(S, "BKK.EBUS", "A6.2", "THA");
  r = tl_mk_issue(S, "CHE01", "BKK.EBUS", "ITMO", 2023, 50, 0);
  E.batch_itmo = tl_batch_of(r);
  json_decref(r);
  int64_t w[] = {E.src, E.dst, E.blocked_src, E.blocked, E.closed, W.che.pending, W.che.retirement, W.che.cancellation};
  memcpy(E.watch, w, sizeof w);
  return 0;
}

static void snap_take(void) {
  for (size_t i = 0; i < COUNT(E.watch); i++) {
    free(E.snap[i]);
    E.snap[i] = tl_holdings(S, E.watch[i]);
  }
}

static void snap_same_at(const char *file, int line) {
  for (size_t i = 0; i < COUNT(E.watch); i++) {
    char *now = tl_holdings(S, E.watch[i]);
    if (strcmp(now, E.snap[i]) != 0)
      print_error("%s:%d: holdings of account %lld changed\n  before: %s\n  after:  %s\n", file, line,
                  (long long)E.watch[i], E.snap[i], now);
    _assert_string_equal(now, E.snap[i], file, line);
    free(now);
  }
}

/* Runs one request that must fail with status/code and change nothing. */
static void err_case_at(tl_resp r, long status, const char *code, const char *file, int line) {
  int ok = tl_error_is(&r, status, code, file, line);
  tl_resp_free(&r); /* before failing, so a failure leaks nothing */
  if (!ok) _fail(file, line);
  snap_same_at(file, line);
}
#define ERR(status, code, call)                                \
  do {                                                         \
    snap_take();                                               \
    err_case_at((call), (status), (code), __FILE__, __LINE__); \
  } while (0)

static tl_resp xfer_text(const char *body) { return tl_http_req(S, "POST", "/v1/transfers", S->admin, body, NULL); }
static tl_resp xfer_j(json_t *body) { return post("/v1/transfers", S->admin, body); }

/* A valid transfer body with one member replaced by raw JSON text. */
static tl_resp xfer_with(const char *member, const char *raw) {
  char body[512];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"%s\":%s}",
           (long long)E.src, (long long)E.dst, member, raw);
  return xfer_text(body);
}

static void test_err_bad_json(void **state) {
  (void)state;
  char body[256];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,", (long long)E.src, (long long)E.dst);
  ERR(400, "bad_json", xfer_text(body));
  ERR(400, "bad_json", xfer_text(""));
  ERR(400, "bad_json", xfer_text("{\"quantity\":1}}"));
  ERR(400, "bad_json", xfer_text("{'quantity':1}"));
  ERR(400, "bad_json", xfer_text("{\"quantity\":\"unterminated}"));
  ERR(400, "bad_json", xfer_text("{\"quantity\":1,\"quantity\":2}")); /* duplicate keys are refused */
  ERR(400, "bad_json", xfer_text("{\"unit_type\":\"\xff\xfe\"}"));    /* not UTF-8 */
  ERR(400, "bad_json", xfer_text("\"just a string\""));
  ERR(400, "bad_json", tl_http_req(S, "POST", "/v1/parties", S->admin, "nul", NULL));
}

/* Depth 17 is refused before parsing; depth 16 passes (and then fails on
 * the unknown field); brackets inside strings do not count. */
static void test_err_json_depth(void **state) {
  (void)state;
  char body[256];
  for (int depth = 15; depth <= 17; depth++) {
    int n = snprintf(body, sizeof body, "{\"x\":");
    for (int i = 1; i < depth; i++) body[n++] = '[';
    for (int i = 1; i < depth; i++) body[n++] = ']';
    snprintf(body + n, sizeof body - (size_t)n, "}");
    if (depth <= 16)
      ERR(400, "unknown_field", xfer_text(body));
    else
      ERR(400, "json_too_deep", xfer_text(body));
  }
  ERR(400, "json_too_deep",
      xfer_text("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["));
  ERR(400, "unknown_field", xfer_with("beneficiary", "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[[[[[[[\""));
}

/* A body padded with whitespace to n bytes. */
static char *padded(const char *json, size_t n) {
  char *b = malloc(n + 1);
  assert_non_null(b);
  size_t len = strlen(json);
  assert_true(len <= n);
  memcpy(b, json, len);
  memset(b + len, ' ', n - len);
  b[n] = '\0';
  return b;
}

static void test_err_body_too_large(void **state) {
  (void)state;
  char small[256];
  snprintf(small, sizeof small, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  char *big = padded(small, 64 * 1024 + 1);
  ERR(413, "body_too_large", xfer_text(big));
  /* The same without Content-Length (chunked): counted while it arrives. */
  tl_req rq = {.method = "POST", .path = "/v1/transfers", .token = S->admin, .body = big, .chunked = 1};
  ERR(413, "body_too_large", tl_http_send(S, &rq));
  free(big);
  /* A client announcing 1 MiB is refused before it sends the body. */
  big = padded(small, 1024 * 1024);
  tl_req rq_big = {.method = "POST", .path = "/v1/transfers", .token = S->admin, .body = big, .expect_continue = 1};
  ERR(413, "body_too_large", tl_http_send(S, &rq_big));
  free(big);
  /* Exactly 64 KiB is accepted: this one fails later, on its quantity. */
  snprintf(small, sizeof small, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":0}",
           (long long)E.src, (long long)E.dst);
  big = padded(small, 64 * 1024);
  ERR(422, "invalid_quantity", xfer_text(big));
  rq.body = big;
  ERR(422, "invalid_quantity", tl_http_send(S, &rq));
  free(big);
  /* The server still answers normally afterwards. */
  json_t *b = get_ok(NULL, "/v1/health");
  json_decref(b);
}

static void test_err_unknown_field(void **state) {
  (void)state;
  ERR(400, "unknown_field", xfer_with("colour", "\"green\""));
  /* Retirement details are not transfer fields. */
  ERR(400, "unknown_field", xfer_with("beneficiary", "\"Someone\""));
  ERR(400, "unknown_field", xfer_with("ranges", "[{\"batch\":1,\"first\":1,\"last\":1,\"extra\":1}]"));
  ERR(400, "unknown_field",
      tl_http_req(S, "POST", "/v1/parties", S->admin, "{\"code\":\"FRA\",\"name\":\"France\",\"flag\":\"tricolore\"}",
                  NULL));
}

static void test_err_wrong_type(void **state) {
  (void)state;
  ERR(400, "wrong_type", xfer_with("quantity", "\"5\""));
  ERR(400, "wrong_type", xfer_with("quantity", "1.5"));
  ERR(400, "wrong_type", xfer_with("quantity", "1e3"));
  ERR(400, "wrong_type", xfer_with("quantity", "true"));
  ERR(400, "wrong_type", xfer_with("quantity", "[5]"));
  ERR(400, "wrong_type", xfer_with("vintage", "\"2022\""));
  ERR(400, "wrong_type", xfer_with("ranges", "{}"));
  ERR(400, "wrong_type", xfer_with("ranges", "[7]"));
  ERR(400, "wrong_type", xfer_with("ranges", "[{\"batch\":\"1\",\"first\":1,\"last\":1}]"));
  char body[128];
  snprintf(body, sizeof body, "{\"from_account\":\"%lld\",\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  ERR(400, "wrong_type", xfer_text(body));
  ERR(400, "wrong_type", xfer_text("[1,2,3]"));
  ERR(400, "wrong_type",
      tl_http_req(S, "POST", "/v1/parties", S->admin, "{\"code\":756,\"name\":\"Switzerland\"}", NULL));
}

static void test_err_missing_field(void **state) {
  (void)state;
  char body[256];
  snprintf(body, sizeof body, "{\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}", (long long)E.dst);
  ERR(400, "missing_field", xfer_text(body));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}", (long long)E.src);
  ERR(400, "missing_field", xfer_text(body));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\"}", (long long)E.src,
           (long long)E.dst);
  ERR(400, "missing_field", xfer_text(body));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"quantity\":1}", (long long)E.src,
           (long long)E.dst);
  ERR(400, "missing_field", xfer_text(body));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"ranges\":[{\"batch\":%lld,\"first\":30}]}",
           (long long)E.src, (long long)E.dst, (long long)E.batch);
  ERR(400, "missing_field", xfer_text(body));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":null,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src);
  ERR(400, "missing_field", xfer_text(body));
  ERR(400, "missing_field", xfer_text("{}"));
  /* A retirement needs a beneficiary and a purpose. */
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1,\"purpose\":\"x\"}",
           (long long)E.src);
  ERR(400, "missing_field", tl_http_req(S, "POST", "/v1/retirements", S->admin, body, NULL));
  ERR(400, "missing_field", tl_http_req(S, "POST", "/v1/parties", S->admin, "{\"code\":\"FRA\"}", NULL));
}

static void test_err_quantity_invalid(void **state) {
  (void)state;
  ERR(422, "invalid_quantity", xfer_with("quantity", "0"));
  ERR(422, "invalid_quantity", xfer_with("quantity", "-5"));
  ERR(422, "invalid_quantity", xfer_with("quantity", "-9223372036854775808"));
  ERR(422, "invalid_quantity",
      post("/v1/issuances", S->admin,
           json_pack("{s:s, s:s, s:s, s:i, s:i}", "registry", "CHE01", "project", PROJECT, "unit_type", "VCU",
                     "vintage", 2022, "quantity", 0)));
}

static void test_err_quantity_overflow(void **state) {
  (void)state;
  ERR(422, "quantity_overflow", xfer_with("quantity", "10000000000000"));
  ERR(422, "quantity_overflow", xfer_with("quantity", "1000000000001"));
  ERR(422, "quantity_overflow", xfer_with("quantity", "9223372036854775807"));
  ERR(422, "quantity_overflow", xfer_with("quantity", "99999999999999999999"));
  ERR(422, "quantity_overflow", xfer_with("quantity", "-99999999999999999999"));
  /* 10^12 is a valid quantity that nobody holds. */
  ERR(409, "insufficient_holdings", xfer_with("quantity", "1000000000000"));
  ERR(422, "quantity_overflow",
      post("/v1/issuances", S->admin,
           json_pack("{s:s, s:s, s:s, s:i, s:I}", "registry", "CHE01", "project", PROJECT, "unit_type", "VCU",
                     "vintage", 2022, "quantity", (json_int_t)10000000000000LL)));
  ERR(422, "quantity_overflow",
      tl_http_req(S, "POST", "/v1/issuances", S->admin,
                  "{\"registry\":\"CHE01\",\"project\":\"" PROJECT
                  "\",\"unit_type\":\"VCU\",\"vintage\":2022,\"quantity\":99999999999999999999}",
                  NULL));
}

static void test_err_unknown_account(void **state) {
  (void)state;
  ERR(404, "unknown_account", xfer_j(xfer_body(999999, E.dst, 1)));
  ERR(404, "unknown_account", xfer_j(xfer_body(E.src, 999999, 1)));
  ERR(404, "unknown_account", xfer_j(xfer_body(0, E.dst, 1)));
  ERR(404, "unknown_account", xfer_j(xfer_body(-3, E.dst, 1)));
  ERR(404, "unknown_account", get(S->admin, "/v1/accounts/999999"));
  ERR(404, "unknown_account", get(S->admin, "/v1/accounts/999999/holdings"));
  ERR(404, "unknown_account",
      tl_http_req(S, "PATCH", "/v1/accounts/999999", S->admin, "{\"status\":\"blocked\"}", NULL));
}

static void test_err_closed_account(void **state) {
  (void)state;
  ERR(409, "account_closed", xfer_j(xfer_body(E.src, E.closed, 1)));
  ERR(409, "account_closed", xfer_j(xfer_body(E.closed, E.dst, 1)));
  ERR(409, "account_closed",
      tl_http_reqj(S, "POST", "/v1/issuances", S->admin,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:I}", "registry", "CHE01", "project", PROJECT, "unit_type",
                             "VCU", "vintage", 2022, "quantity", 5, "forward_to", (json_int_t)E.closed),
                   NULL));
}

static void test_err_blocked_account(void **state) {
  (void)state;
  ERR(409, "account_blocked", xfer_j(xfer_body(E.src, E.blocked, 1)));
  ERR(409, "account_blocked", xfer_j(xfer_body(E.blocked_src, E.dst, 1)));
  ERR(409, "account_blocked",
      post("/v1/retirements", S->admin,
           json_pack("{s:I, s:s, s:I, s:s, s:s}", "from_account", (json_int_t)E.blocked_src, "unit_type", "VCU",
                     "quantity", (json_int_t)1, "beneficiary", "x", "purpose", "y")));
  /* A blocked account's holder cannot move its units either. */
  ERR(409, "account_blocked",
      tl_http_reqj(S, "POST", "/v1/transfers", W.tok_a, xfer_body(E.blocked_src, E.src, 1), NULL));
}

static void test_err_insufficient(void **state) {
  (void)state;
  ERR(409, "insufficient_holdings", xfer_j(xfer_body(E.src, E.dst, 86))); /* holds 85 */
  ERR(409, "insufficient_holdings", xfer_j(xfer_body(E.src, E.dst, 1000)));
  ERR(409, "insufficient_holdings", xfer_j(xfer_body(E.dst, E.src, 11))); /* holds 10 */
  /* Filters narrow what can be picked. */
  json_t *b = xfer_body(E.src, E.dst, 1);
  json_object_set_new(b, "vintage", json_integer(2019));
  ERR(409, "insufficient_holdings", xfer_j(b));
  b = xfer_body(E.src, E.dst, 1);
  json_object_set_new(b, "project", json_string("BKK.EBUS"));
  ERR(409, "insufficient_holdings", xfer_j(b));
  b = xfer_body(E.src, E.dst, 1);
  json_object_set_new(b, "unit_type", json_string("ITMO"));
  ERR(409, "insufficient_holdings", xfer_j(b));
  ERR(409, "insufficient_holdings",
      post("/v1/cancellations", S->admin,
           json_pack("{s:I, s:s, s:I}", "from_account", (json_int_t)E.src, "unit_type", "VCU", "quantity",
                     (json_int_t)86)));
}

static json_t *ranges_body(int64_t from, int64_t to, const char *unit_type, json_t *ranges) {
  json_t *b =
      json_pack("{s:I, s:I, s:o}", "from_account", (json_int_t)from, "to_account", (json_int_t)to, "ranges", ranges);
  if (unit_type) json_object_set_new(b, "unit_type", json_string(unit_type));
  return b;
}

static void test_err_wrong_unit_type(void **state) {
  (void)state;
  ERR(422, "wrong_unit_type", xfer_j(ranges_body(E.src, E.dst, "ITMO", json_pack("[o]", range(E.batch, 30, 31)))));
  ERR(422, "wrong_unit_type",
      xfer_j(ranges_body(E.src, E.dst, "VCU", json_pack("[o, o]", range(E.batch, 30, 31), range(E.batch_itmo, 1, 2)))));
}

static void test_err_serials_not_held(void **state) {
  (void)state;
  /* src holds 26-100 of the batch; dst 1-10; blocked_src 11-20; retirement 21-25. */
  ERR(409, "serials_not_held", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch, 1, 1)))));
  ERR(409, "serials_not_held", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch, 20, 30)))));
  ERR(409, "serials_not_held", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch, 99, 101)))));
  ERR(409, "serials_not_held", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch, 500, 600)))));
  ERR(409, "serials_not_held", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch_itmo, 1, 1)))));
  /* One good range and one bad: nothing moves. */
  ERR(409, "serials_not_held",
      xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o, o]", range(E.batch, 40, 45), range(E.batch, 5, 5)))));
  /* Malformed and overlapping ranges are invalid, not "not held". */
  ERR(422, "invalid_range", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(E.batch, 40, 39)))));
  ERR(422, "invalid_range",
      xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o, o]", range(E.batch, 40, 45), range(E.batch, 45, 50)))));
  ERR(422, "invalid_range", xfer_j(ranges_body(E.src, E.dst, NULL, json_array())));
  ERR(404, "unknown_batch", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", range(999999, 1, 1)))));
  /* Ranges must agree with a project or vintage the request names. */
  json_t *b = ranges_body(E.src, E.dst, "VCU", json_pack("[o]", range(E.batch, 40, 41)));
  json_object_set_new(b, "vintage", json_integer(2019));
  ERR(422, "invalid_range", xfer_j(b));
  b = ranges_body(E.src, E.dst, "VCU", json_pack("[o]", range(E.batch, 40, 41)));
  json_object_set_new(b, "project", json_string("BKK.EBUS"));
  ERR(422, "invalid_range", xfer_j(b));
}

static void test_err_terminal(void **state) {
  (void)state;
  ERR(422, "terminal_account", xfer_j(xfer_body(W.che.retirement, E.dst, 1)));
  ERR(422, "terminal_account",
      xfer_j(ranges_body(W.che.retirement, E.src, NULL, json_pack("[o]", range(E.batch, 21, 21)))));
  ERR(422, "terminal_account", xfer_j(xfer_body(W.che.cancellation, E.dst, 1)));
}

static void test_err_invalid_destination(void **state) {
  (void)state;
  ERR(422, "invalid_destination", xfer_j(xfer_body(E.src, W.che.pending, 1)));
  ERR(422, "invalid_destination", xfer_j(xfer_body(E.src, W.che.retirement, 1)));
  ERR(422, "invalid_destination", xfer_j(xfer_body(E.src, W.che.cancellation, 1)));
  /* A retirement goes to a retirement account, a cancellation to a
   * cancellation account, issuances forward to ordinary accounts only. */
  ERR(422, "invalid_destination",
      post("/v1/retirements", S->admin,
           json_pack("{s:I, s:I, s:s, s:I, s:s, s:s}", "from_account", (json_int_t)E.src, "to_account",
                     (json_int_t)E.dst, "unit_type", "VCU", "quantity", (json_int_t)1, "beneficiary", "x", "purpose",
                     "y")));
  ERR(422, "invalid_destination",
      post("/v1/cancellations", S->admin,
           json_pack("{s:I, s:I, s:s, s:I}", "from_account", (json_int_t)E.src, "to_account",
                     (json_int_t)W.che.retirement, "unit_type", "VCU", "quantity", (json_int_t)1)));
  ERR(422, "invalid_destination",
      post("/v1/issuances", S->admin,
           json_pack("{s:s, s:s, s:s, s:i, s:i, s:I}", "registry", "CHE01", "project", PROJECT, "unit_type", "VCU",
                     "vintage", 2022, "quantity", 5, "forward_to", (json_int_t)W.che.retirement)));
}

static void test_err_same_account(void **state) {
  (void)state;
  ERR(422, "same_account", xfer_j(xfer_body(E.src, E.src, 1)));
  ERR(422, "same_account", xfer_j(ranges_body(E.src, E.src, NULL, json_pack("[o]", range(E.batch, 30, 30)))));
}

/* 257 ranges are refused; 256 (the limit) are taken, each one unit. */
static void test_err_too_many_ranges(void **state) {
  (void)state;
  json_t *rs = json_array();
  for (int i = 0; i < 257; i++) json_array_append_new(rs, range(E.batch, 26 + i % 70, 26 + i % 70));
  ERR(422, "too_many_ranges", xfer_j(ranges_body(E.src, E.dst, NULL, rs)));
  /* The boundary, on accounts of their own so the watched ones stay put. */
  E.s256 = tl_mk_account(S, "CHE01", W.org_a, "holding", "A many ranges");
  E.d256 = tl_mk_account(S, "CHE01", W.org_b, "holding", "B many ranges");
  json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2023, 600, E.s256);
  int64_t batch = tl_batch_of(r);
  json_decref(r);
  rs = json_array();
  for (int i = 0; i < 256; i++) json_array_append_new(rs, range(batch, 1 + 2 * i, 1 + 2 * i));
  snap_take();
  r = post_ok("/v1/transfers", S->admin, ranges_body(E.s256, E.d256, "VCU", rs));
  assert_int_equal(tl_jint(r, "quantity"), 256);
  assert_int_equal(json_array_size(json_object_get(r, "blocks")), 256);
  json_decref(r);
  snap_same_at(__FILE__, __LINE__);
  assert_int_equal(tl_holdings_total(S, E.s256), 600 - 256);
  assert_int_equal(tl_holdings_total(S, E.d256), 256);
  /* Picking by quantity across 256 fragments works too (the picker's
   * block limit is 1024): take every odd-numbered unit back. */
  r = post_ok("/v1/transfers", S->admin, xfer_body(E.d256, E.s256, 256));
  assert_int_equal(tl_jint(r, "quantity"), 256);
  json_decref(r);
  assert_int_equal(tl_holdings_total(S, E.s256), 600);
}

static void test_err_invalid_serial(void **state) {
  (void)state;
  ERR(422, "invalid_serial", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[{s:s}]", "serial", "not-a-serial"))));
  char serial[160];
  serial_of(serial, sizeof serial, 2022, E.batch, 30, 0);
  char bad[200];
  snprintf(bad, sizeof bad, "%s ", serial); /* trailing space: not canonical */
  ERR(422, "invalid_serial", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[{s:s}]", "serial", bad))));
  snprintf(bad, sizeof bad, "VCU-%s-%s-2022-%05lld-000000030", HOST, PROJECT, (long long)E.batch); /* 5-digit batch */
  ERR(422, "invalid_serial", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[{s:s}]", "serial", bad))));
  ERR(422, "invalid_serial", get(S->admin, "/v1/serials/garbage"));
  ERR(422, "invalid_serial", get(S->admin, "/v1/serials/%s", bad));
  snprintf(bad, sizeof bad, "VCU-%s-%s-2022-%06lld-000000031-000000030", HOST, PROJECT, (long long)E.batch);
  ERR(422, "invalid_serial", get(S->admin, "/v1/serials/%s", bad)); /* last before first */
  /* Both a serial and a batch in one range. */
  json_t *rg = range(E.batch, 30, 30);
  json_object_set_new(rg, "serial", json_string(serial));
  ERR(422, "invalid_range", xfer_j(ranges_body(E.src, E.dst, NULL, json_pack("[o]", rg))));
}

static void test_err_unknown_serial(void **state) {
  (void)state;
  char serial[160];
  serial_of(serial, sizeof serial, 2022, 999999, 1, 0);
  ERR(404, "unknown_serial", get(S->admin, "/v1/serials/%s", serial));
  serial_of(serial, sizeof serial, 2022, E.batch, 101, 0); /* past the batch's end */
  ERR(404, "unknown_serial", get(S->admin, "/v1/serials/%s", serial));
  serial_of(serial, sizeof serial, 2021, E.batch, 30, 0); /* wrong vintage */
  ERR(404, "unknown_serial", get(S->admin, "/v1/serials/%s", serial));
  char other[160];
  snprintf(other, sizeof other, "VCU-CHE-%s-2022-%06lld-000000030", PROJECT, (long long)E.batch); /* wrong host */
  ERR(404, "unknown_serial", get(S->admin, "/v1/serials/%s", other));
  snprintf(other, sizeof other, "ITMO-%s-%s-2022-%06lld-000000030", HOST, PROJECT, (long long)E.batch);
  ERR(404, "unknown_serial", get(S->admin, "/v1/serials/%s", other));
}

static void test_err_bad_token(void **state) {
  (void)state;
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  ERR(401, "unauthorized", tl_http_req(S, "POST", "/v1/transfers", "nonsense", body, NULL));
  ERR(401, "unauthorized",
      tl_http_req(S, "POST", "/v1/transfers", "l6_000000000000000000000000000000000000000000000000", body, NULL));
  char forged[80];
  snprintf(forged, sizeof forged, "%s", S->admin);
  forged[10] = forged[10] == 'a' ? 'b' : 'a';
  ERR(401, "unauthorized", tl_http_req(S, "POST", "/v1/transfers", forged, body, NULL));
  ERR(401, "unauthorized",
      tl_http_req(S, "POST", "/v1/transfers", NULL, body, "Authorization: Basic YWRtaW46YWRtaW4="));
  ERR(401, "unauthorized", tl_http_req(S, "POST", "/v1/transfers", NULL, body, "Authorization: Bearer"));
  ERR(401, "unauthorized", tl_http_req(S, "POST", "/v1/transfers", NULL, body, NULL)); /* anonymous */
  ERR(401, "unauthorized", get(forged, "/v1/health"));
}

static void test_err_routes(void **state) {
  (void)state;
  ERR(404, "not_found", get(S->admin, "/v1/nothing"));
  ERR(404, "not_found", get(S->admin, "/nope")); /* "/" is the web pages' index (test_web.c) */
  ERR(404, "not_found", get(S->admin, "/v2/health"));
  ERR(404, "not_found", get(S->admin, "/v1/accounts/%lld/holdings/extra", (long long)E.src));
  ERR(404, "not_found", get(S->admin, "/v1/accounts/abc"));
  ERR(404, "not_found", get(S->admin, "/v1/transactions/-1"));
  ERR(404, "not_found", get(NULL, "/v1/health/"));
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)E.src);
  ERR(405, "method_not_allowed", tl_http_req(S, "DELETE", path, S->admin, NULL, NULL));
  ERR(405, "method_not_allowed", tl_http_req(S, "PUT", "/v1/transfers", S->admin, "{}", NULL));
  ERR(405, "method_not_allowed", get(S->admin, "/v1/transfers"));
  ERR(405, "method_not_allowed", tl_http_req(S, "DELETE", "/v1/parties", S->admin, NULL, NULL));
  ERR(405, "method_not_allowed", tl_http_req(S, "POST", "/v1/health", S->admin, "{}", NULL));
  ERR(404, "unknown_transaction", get(S->admin, "/v1/transactions/999999"));
  ERR(404, "unknown_project", get(NULL, "/v1/projects/NO.SUCH"));
}

static void test_err_party(void **state) {
  (void)state;
  ERR(422, "invalid_value", post("/v1/parties", S->admin, json_pack("{s:s, s:s}", "code", "ZZZ", "name", "Nowhere")));
  ERR(422, "invalid_value", post("/v1/parties", S->admin, json_pack("{s:s, s:s}", "code", "che", "name", "Swiss")));
  ERR(422, "invalid_value", post("/v1/parties", S->admin, json_pack("{s:s, s:s}", "code", "CH", "name", "Swiss")));
  ERR(422, "invalid_value", post("/v1/parties", S->admin, json_pack("{s:s, s:s}", "code", "CHEE", "name", "Swiss")));
  ERR(409, "already_exists", post("/v1/parties", S->admin, json_pack("{s:s, s:s}", "code", "CHE", "name", "Again")));
  ERR(409, "already_exists",
      post("/v1/registries", S->admin, json_pack("{s:s, s:s, s:s}", "id", "CHE01", "party", "CHE", "name", "Again")));
  ERR(422, "invalid_value",
      post("/v1/registries", S->admin, json_pack("{s:s, s:s, s:s}", "id", "MWI02", "party", "CHE", "name", "Mixed")));
  ERR(404, "unknown_party",
      post("/v1/registries", S->admin, json_pack("{s:s, s:s, s:s}", "id", "FRA01", "party", "FRA", "name", "France")));
  json_t *b = get_ok(NULL, "/v1/parties");
  assert_false(list_has_str(b, "code", "ZZZ"));
  assert_int_equal(json_array_size(json_object_get(b, "items")), 3); /* CHE, MWI, THA */
  json_decref(b);
}

static void test_err_page_limit(void **state) {
  (void)state;
  ERR(400, "bad_param", get(S->admin, "/v1/accounts?limit=0"));
  ERR(400, "bad_param", get(S->admin, "/v1/accounts?limit=501"));
  ERR(400, "bad_param", get(S->admin, "/v1/accounts?limit=-1"));
  ERR(400, "bad_param", get(S->admin, "/v1/accounts?limit=ten"));
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?limit=0"));
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?limit=501"));
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?after=x"));
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?kind=gift"));
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?account=abc"));
  ERR(400, "bad_param", get(NULL, "/v1/retirements?limit=501"));
  ERR(400, "bad_param", get(NULL, "/v1/projects?limit=0"));
  ERR(400, "bad_param", get(NULL, "/v1/issuances?limit=501"));
  json_t *b = get_ok(S->admin, "/v1/transactions?limit=500");
  json_decref(b);
  b = get_ok(S->admin, "/v1/accounts?limit=1");
  assert_int_equal(json_array_size(json_object_get(b, "items")), 1);
  assert_true(json_is_string(json_object_get(b, "next")));
  json_decref(b);
}

static void test_err_forbidden(void **state) {
  (void)state;
  ERR(403, "forbidden", tl_http_reqj(S, "POST", "/v1/transfers", W.tok_b, xfer_body(E.src, E.dst, 1), NULL));
  ERR(403, "forbidden", tl_http_reqj(S, "POST", "/v1/transfers", W.tok_aud, xfer_body(E.src, E.dst, 1), NULL));
  ERR(403, "forbidden",
      tl_http_reqj(S, "POST", "/v1/issuances", W.tok_a,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:I}", "registry", "CHE01", "project", PROJECT, "unit_type",
                             "VCU", "vintage", 2022, "quantity", 5, "forward_to", (json_int_t)E.src),
                   NULL));
  /* A holder may not empty the registry's own accounts. */
  ERR(403, "forbidden", tl_http_reqj(S, "POST", "/v1/transfers", W.tok_a, xfer_body(W.che.pending, E.src, 1), NULL));
}

static void test_err_move_details(void **state) {
  (void)state;
  char body[300];
  snprintf(body, sizeof body,
           "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1,"
           "\"ranges\":[{\"batch\":%lld,\"first\":30,\"last\":30}]}",
           (long long)E.src, (long long)E.dst, (long long)E.batch);
  ERR(422, "invalid_value", xfer_text(body));
  json_t *b = json_pack("{s:I, s:s, s:i, s:s, s:s, s:i}", "from_account", (json_int_t)E.src, "unit_type", "VCU",
                        "quantity", 1, "beneficiary", "b", "purpose", "p", "reporting_year", 1800);
  ERR(422, "invalid_value", post("/v1/retirements", S->admin, b));
  char *claim = malloc(2002);
  assert_non_null(claim);
  memset(claim, 'c', 2001);
  claim[2001] = '\0';
  b = json_pack("{s:I, s:s, s:i, s:s, s:s, s:s}", "from_account", (json_int_t)E.src, "unit_type", "VCU", "quantity", 1,
                "beneficiary", "b", "purpose", "p", "claim", claim);
  free(claim);
  ERR(422, "invalid_value", post("/v1/retirements", S->admin, b));
  b = json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)E.src, "unit_type", "VCU", "quantity", 1,
                "beneficiary", "tab\there", "purpose", "p");
  ERR(422, "invalid_value", post("/v1/retirements", S->admin, b));
  ERR(404, "unknown_unit_type",
      xfer_j(json_pack("{s:I, s:I, s:s, s:i}", "from_account", (json_int_t)E.src, "to_account", (json_int_t)E.dst,
                       "unit_type", "NOPE", "quantity", 1)));
}

/* A malformed page cursor is refused on every id-ordered list, instead of
 * silently restarting from the first page (fixed in 5e43660; this is its
 * regression test). */
static void test_err_bad_cursor(void **state) {
  (void)state;
  ERR(400, "bad_param", get(S->admin, "/v1/transactions?after=abc"));
  ERR(400, "bad_param", get(S->admin, "/v1/accounts?after=abc"));
  ERR(400, "bad_param", get(NULL, "/v1/issuances?after=abc"));
}

/* Issue 14: a %00 in a path ended the C string early, so
 * "/v1/accounts/23%00/holdings" answered for account 23 and
 * "/index.html%00.txt" served the index. Any decoded control character in
 * the path or the query is refused (400 bad_url), before routing. */
static void test_err_url_control(void **state) {
  (void)state;
  ERR(400, "bad_url", get(S->admin, "/v1/accounts/%lld%%00/holdings", (long long)E.src));
  ERR(400, "bad_url", get(S->admin, "/v1/accounts/%lld%%00", (long long)E.src));
  ERR(400, "bad_url", get(NULL, "/index.html%%00.txt"));
  ERR(400, "bad_url", get(NULL, "/v1/health%%0a"));
  ERR(400, "bad_url", get(NULL, "/v1/health%%7F"));
  ERR(400, "bad_url", get(S->admin, "/v1/accounts?limit=2%%00"));
  ERR(400, "bad_url", get(S->admin, "/v1/transactions?kind=retirement%%1f"));
  ERR(400, "bad_url", get(S->admin, "/v1/transactions?kind%%00x=retirement"));
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  ERR(400, "bad_url", tl_http_req(S, "POST", "/v1/transfers%00", S->admin, body, NULL));
  /* Other escapes still decode: "%2E" is a dot, "%20" a space. */
  ERR(404, "unknown_project", get(NULL, "/v1/projects/NO%%2ESUCH"));
  tl_resp r = get(S->admin, "/v1/accounts/%lld", (long long)E.src);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
}

/* Issue 14: a beneficiary with U+202E RIGHT-TO-LEFT OVERRIDE reordered the
 * printed certificate. Invisible format characters are refused in every
 * text field, sent raw or as JSON escapes: 422 invalid_value, nothing
 * retired, no retirement listed. */
static void test_err_invisible_text(void **state) {
  (void)state;
  json_t *before = get_ok(S->admin, "/v1/retirements");
  static const char *const evil[] = {"Acme \xe2\x80\xaetxt.exe", /* U+202E */
                                     "Acme\xe2\x80\x8b Corp",      /* U+200B zero width space */
                                     "Acme\xef\xbb\xbf",           /* U+FEFF */
                                     "Acme\xf3\xa0\x81\x81",      /* U+E0041 tag latin capital A */
                                     "Acme\xe2\x81\xa6x"};         /* U+2066 left-to-right isolate */
  for (size_t i = 0; i < COUNT(evil); i++) {
    ERR(422, "invalid_value",
        post("/v1/retirements", S->admin,
             json_pack("{s:I, s:s, s:I, s:s, s:s}", "from_account", (json_int_t)E.src, "unit_type", "VCU", "quantity",
                       (json_int_t)1, "beneficiary", evil[i], "purpose", "voluntary offsetting")));
    ERR(422, "invalid_value",
        post("/v1/retirements", S->admin,
             json_pack("{s:I, s:s, s:I, s:s, s:s}", "from_account", (json_int_t)E.src, "unit_type", "VCU", "quantity",
                       (json_int_t)1, "beneficiary", "Acme", "purpose", evil[i])));
    ERR(422, "invalid_value", post("/v1/organisations", S->admin, json_pack("{s:s, s:s}", "registry", "CHE01", "name", evil[i])));
  }
  char body[300];
  snprintf(body, sizeof body,
           "{\"from_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1,\"beneficiary\":\"Acme \\u202etxt.exe\","
           "\"purpose\":\"offsetting\"}",
           (long long)E.src);
  ERR(422, "invalid_value", tl_http_req(S, "POST", "/v1/retirements", S->admin, body, NULL));
  json_t *after = get_ok(S->admin, "/v1/retirements");
  assert_true(json_equal(json_object_get(before, "items"), json_object_get(after, "items")));
  json_decref(before);
  json_decref(after);
  json_t *orgs = get_ok(S->admin, "/v1/organisations");
  assert_false(list_has_str(orgs, "name", "Acme\xe2\x80\x8b Corp"));
  json_decref(orgs);
}

/* Issue 14: a JSON route took any Content-Type (a text/plain transfer
 * answered 201). A body must be sent as application/json, with optional
 * parameters, a charset only utf-8; anything else, or none, is 415. */
static void test_err_media_type(void **state) {
  (void)state;
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  static const char *const refused[] = {"Content-Type: text/plain",
                                        "Content-Type: application/x-www-form-urlencoded",
                                        "Content-Type:",
                                        "Content-Type: application/jsonx",
                                        "Content-Type: application/json-patch+json",
                                        "Content-Type: application/json; charset=iso-8859-1",
                                        "Content-Type: text/json"};
  for (size_t i = 0; i < COUNT(refused); i++)
    ERR(415, "unsupported_media_type", tl_http_req(S, "POST", "/v1/transfers", S->admin, body, refused[i]));
  ERR(415, "unsupported_media_type",
      tl_http_req(S, "PATCH", "/v1/accounts/1", S->admin, "{\"status\":\"blocked\"}", "Content-Type: text/plain"));
  /* The media type is checked after the token, before the body. */
  ERR(401, "unauthorized", tl_http_req(S, "POST", "/v1/transfers", "nonsense", body, "Content-Type: text/plain"));
  ERR(415, "unsupported_media_type", tl_http_req(S, "POST", "/v1/transfers", S->admin, "{", "Content-Type: text/plain"));
  /* No body: nothing to type; it is not JSON. */
  ERR(400, "bad_json", tl_http_req(S, "POST", "/v1/transfers", S->admin, NULL, NULL));
  /* Case and parameters as RFC 9110 allows (on accounts of their own:
   * the watched ones stay put). */
  static const char *const taken[] = {"Content-Type: application/json; charset=utf-8",
                                      "Content-Type: Application/JSON;charset=\"UTF-8\"",
                                      "Content-Type: application/json ; v=1"};
  int64_t from = tl_mk_account(S, "CHE01", W.org_a, "holding", "A media type");
  int64_t to = tl_mk_account(S, "CHE01", W.org_b, "holding", "B media type");
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2023, 10, from));
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)from, (long long)to);
  for (size_t i = 0; i < COUNT(taken); i++) {
    tl_resp r = tl_http_req(S, "POST", "/v1/transfers", S->admin, body, taken[i]);
    tl_assert_status(&r, 201);
    tl_resp_free(&r);
  }
  assert_int_equal(tl_holdings_total(S, to), (int64_t)COUNT(taken));
}

/* Issue 14: a 405 names the path's methods (Allow, RFC 9110 15.5.6); a 401
 * carries the bearer challenge (WWW-Authenticate, RFC 6750 section 3). */
static void test_err_allow_and_challenge(void **state) {
  (void)state;
  char path[64], h[128];
  snprintf(path, sizeof path, "/v1/accounts/%lld", (long long)E.src);
  static const struct {
    const char *method, *path, *allow;
  } cases[] = {{"DELETE", NULL, "GET, PATCH"},
               {"DELETE", "/v1/parties", "GET, POST"},
               {"GET", "/v1/transfers", "POST"},
               {"POST", "/v1/health", "GET"},
               {"PUT", "/v1/retirements", "GET, POST"}};
  for (size_t i = 0; i < COUNT(cases); i++) {
    tl_resp r = tl_http_req(S, cases[i].method, cases[i].path ? cases[i].path : path, S->admin,
                            strcmp(cases[i].method, "DELETE") ? "{}" : NULL, NULL);
    assert_error(&r, 405, "method_not_allowed");
    assert_true(tl_resp_header(&r, "Allow", h, sizeof h));
    assert_string_equal(h, cases[i].allow);
    tl_resp_free(&r);
  }
  tl_resp r = get(NULL, "/v1/accounts");
  assert_error(&r, 401, "unauthorized");
  assert_true(tl_resp_header(&r, "WWW-Authenticate", h, sizeof h));
  assert_string_equal(h, "Bearer realm=\"ledger6\"");
  tl_resp_free(&r);
  r = get("l6_000000000000000000000000000000000000000000000000", "/v1/health");
  assert_error(&r, 401, "unauthorized");
  assert_true(tl_resp_header(&r, "WWW-Authenticate", h, sizeof h));
  assert_string_equal(h, "Bearer realm=\"ledger6\", error=\"invalid_token\"");
  tl_resp_free(&r);
  /* Other errors carry neither. */
  r = get(S->admin, "/v1/nothing");
  assert_error(&r, 404, "not_found");
  assert_false(tl_resp_header(&r, "Allow", h, sizeof h));
  assert_false(tl_resp_header(&r, "WWW-Authenticate", h, sizeof h));
  tl_resp_free(&r);
}

/* Issue 14: the docs listed three token roles where the route takes six,
 * and the messages said "a authority". Every role is created, and the
 * OpenAPI document lists exactly the seven (issue 18 added reviewer). */
static void test_err_token_roles(void **state) {
  (void)state;
  tl_resp r = tl_http_reqj(S, "POST", "/v1/tokens", S->admin, json_pack("{s:s, s:s}", "role", "authority", "label", "x"), NULL);
  assert_error(&r, 400, "missing_field");
  assert_string_equal(tl_jstr(json_object_get(r.body, "error"), "message"), "an authority token needs an organisation");
  tl_resp_free(&r);
  r = tl_http_reqj(S, "POST", "/v1/tokens", S->admin, json_pack("{s:s, s:s}", "role", "regulator", "label", "x"), NULL);
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  static const char *const roles[] = {"admin",     "holder",          "auditor", "validator",
                                      "authority", "mechanism-admin", "reviewer"}; /* reviewer: issue 18 */
  json_t *doc = get_ok(NULL, "/v1/openapi.json");
  json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
  const char *names[] = {"TokenCreate", "Token"};
  for (size_t k = 0; k < COUNT(names); k++) {
    json_t *en = json_object_get(json_object_get(json_object_get(json_object_get(schemas, names[k]), "properties"), "role"), "enum");
    assert_int_equal(json_array_size(en), COUNT(roles));
    for (size_t i = 0; i < COUNT(roles); i++) assert_string_equal(json_string_value(json_array_get(en, i)), roles[i]);
  }
  json_decref(doc);
  for (size_t i = 0; i < COUNT(roles); i++) {
    bool org = strcmp(roles[i], "holder") == 0 || strcmp(roles[i], "validator") == 0 || strcmp(roles[i], "authority") == 0 ||
               strcmp(roles[i], "reviewer") == 0;
    json_t *b = json_pack("{s:s, s:s}", "role", roles[i], "label", "every role");
    if (org) json_object_set_new(b, "organisation", json_integer(W.org_a));
    json_t *t = post_ok("/v1/tokens", S->admin, b);
    assert_string_equal(tl_jstr(t, "role"), roles[i]);
    json_decref(t);
  }
}

static void test_err_idempotency_key(void **state) {
  (void)state;
  char hdr[300] = "Idempotency-Key: ";
  memset(hdr + strlen(hdr), 'k', 129);
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1}",
           (long long)E.src, (long long)E.dst);
  ERR(422, "invalid_value", tl_http_req(S, "POST", "/v1/transfers", S->admin, body, hdr));
  /* A refused request does not burn its key: the same key works after. */
  const char *key = "Idempotency-Key: errors-burn-1";
  char bad[200];
  snprintf(bad, sizeof bad, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":1000}",
           (long long)E.src, (long long)E.dst);
  ERR(409, "insufficient_holdings", tl_http_req(S, "POST", "/v1/transfers", S->admin, bad, key));
  ERR(409, "insufficient_holdings", tl_http_req(S, "POST", "/v1/transfers", S->admin, bad, key));
}

/* ====================================================================== */
/* api_roles                                                               */
/* ====================================================================== */

/* The roles, each acting on its own registry, scheme, Party or
 * organisation or on another's -- the matrix's data are organisation A's
 * accounts in CHE01 (Switzerland's registry, also the registry of scheme
 * RT-ETS) and projects hosted by HOST (Malawi):
 *   OWNER / OTHER         the holder owning the accounts (A) / another holder (B)
 *   VALIDATOR / VAL_NA    the validator accredited for PACM scope 1 and for
 *                         scheme RT-ETS / a validator accredited for nothing
 *   AUTHORITY / REGULATOR the authority of HOST (the projects' host Party,
 *                         another Party than the accounts' and the scheme's) /
 *                         the authority of CHE (CHE01's Party: the accounts'
 *                         Party and the scheme's regulator, another Party
 *                         than the projects' host) */
enum { ANON, ADMIN, AUDITOR, OWNER, OTHER, BADTOK, VALIDATOR, AUTHORITY, MECHADMIN, REGULATOR, VAL_NA, REVIEWER, NROLES };
static const char *const role_names[NROLES] = {"anonymous",      "admin",          "auditor",        "owning holder",
                                               "other holder",   "bad token",      "validator",      "host authority",
                                               "mechanism admin", "CHE authority", "unaccredited validator",
                                               "HOST reviewer"};

/* Expected outcome: OK (200 for GET/PATCH, 201 for POST), 401, 403, or
 * HIDDEN: 200, but the owning organisation's item is not in the list. */
enum { OK = 1, E401, E403, HIDDEN };

static struct {
  int64_t acc, acc2, acc_patch, acc_b; /* A's account with units, A's second, A's for PATCH; B's */
  int64_t tx;                          /* a transfer acc -> acc2 */
  int64_t ret;                         /* a retirement from acc (for its certificate) */
  char serial[160];                    /* a unit only A ever held */
  char *tok[NROLES];
  int seq; /* makes admin-only creations unique */
  tl_cycle_fx cyc; /* the project cycle's activities, tokens, documents */
  int64_t a6_auth; /* an Article 6 authorization of HOST */
  int64_t a6_req;  /* A's request for an authorization of PROJECT (HOST's) */
  int a6_ft, a6_use, a6_cancel; /* next ITMO serial for each action's body */
  int64_t nma, offer, match;    /* Article 6.8: HOST's published NMA, A's offer, a proposed match */
  int64_t cab_sell, cab_fund, listing, purchase; /* the adaptation marketplace: A's accounts, listing, purchase */
  int64_t ets_acc, ets_batch;   /* A's account in scheme RT-ETS, its GDEA batch */
  int64_t ets_alloc;            /* the scheme's allocation account (GDEA) */
  int ets_year, ets_confirm_year, ets_serial; /* fresh years and allowance serials per surrender */
  int ets_correct_year;         /* fresh confirmed years for corrections */
  int64_t ex_order;             /* an open exchange order of A (instrument EX.ROLE) */
  char *tok_a2;                 /* a second person of A: proposes what A's owner token approves */
  int64_t proposal;             /* a pending proposal of A */
  /* Issue 20: programme POA.ROLE coordinated by A, with a proposed and an
   * included component; a comment on R.cyc.reg, a grievance and an appeal
   * (of R.cyc.reg's registration), all received; that decision's record. */
  int64_t comment, grievance, appeal, register_step;
  /* Issue 20: A's monitoring device "meter-1" of R.cyc.reg (its secret
   * key, its next sequence number, the period the next reading goes to),
   * and an ABM activity of B's that A's funds buy ex ante. */
  unsigned char dev_sk[64];
  int dev_seq, data_period;
  char abm[32];
  /* Links between registries (issue 19): CHE01 speaks on links; GHA02 is a
   * peer (unreachable) whose key the table holds, to sign proposals with. */
  unsigned char link_pk[32], link_sk[64];
  char link_pk_hex[65];
  int64_t link_batch, link_next; /* A's units the transfers send, one a request */
  int link_seq;                  /* fresh message ids */
  char link_xfer[40];            /* a pending transfer to GHA02 */
} R;

/* Issue 20 (poa.h, voice.h). */
static json_t *b_poa(void) {
  char code[32];
  snprintf(code, sizeof code, "POA.R%d", ++R.seq);
  return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:[s], s:[s], s:i}}", "code", code,
                   "mechanism", "PACM", "title", "Role programme", "coordinator", (json_int_t)W.org_a, "host", HOST,
                   "registry", "CHE01", "criteria", "scope", "1", "kind", "avoidance", "methodology", "AMS-I.A", "sector",
                   "energy", "calculators", "grid-renewable", "regions", "North", "max_annual", 1000);
}
static json_t *b_poa_component(void) {
  char id[32];
  snprintf(id, sizeof id, "ROLE.C%d", ++R.seq);
  return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "id", id, "title", "A component", "region", "North",
                   "calculator", "grid-renewable", "expected_annual", 100, "crediting_start", "2021-01-01",
                   "crediting_end", "2030-12-31");
}
static json_t *b_poa_inclusion(void) { return json_pack("{s:s}", "decision", "accept"); }
/* The SD indicators of a PACM monitoring report (config/mechanisms/pacm.json). */
static json_t *pacm_sd(void) {
  return json_pack("{s:i, s:i, s:i, s:i}", "sdg7-energy-access", 10, "technology-transfer", 0, "capacity-building", 1,
                   "foreign-investment", 0);
}
static json_t *b_poa_steps(void) {
  char start[11];
  snprintf(start, sizeof start, "%04d-01-01", 2000 + (++R.seq % 20)); /* a fresh period per success */
  char end[11];
  snprintf(end, sizeof end, "%.4s-12-31", start);
  return json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:{s:i, s:i}, s:o, s:o}]}", "steps", "component", "ROLE.INC", "step",
                   "monitor", "start", start, "end", end, "calculator", "grid-renewable", "inputs", "net_kwh", 1000,
                   "ef_cm_t_mwh_e6", 1000000, "documents", tl_step_docs(S, W.tok_a, "PACM", "monitor"), "sd_indicators",
                   pacm_sd());
}
static json_t *b_comment(void) {
  return json_pack("{s:s, s:s, s:s}", "step", "submit", "author", "A neighbour", "text", "Who maintains the panels?");
}
static json_t *b_comment_hide(void) { return json_pack("{s:s}", "reason", "off topic"); }
static json_t *b_comment_response(void) { return json_pack("{s:s}", "text", "The coordinator does."); }
static json_t *b_grievance(void) {
  return json_pack("{s:s, s:s, s:s, s:s}", "mechanism", "PACM", "complainant", "A village", "subject", "Noise", "text",
                   "The site is loud at night.");
}
static json_t *b_case_review(void) { return json_pack("{s:s}", "step", "review"); }
static json_t *b_appeal(void) {
  return json_pack("{s:s, s:I, s:s}", "activity", R.cyc.reg, "step", (json_int_t)R.register_step, "grounds",
                   "The registration's terms are wrong.");
}
/* A fresh case of kind in state received (for a review per request). */
static int64_t mk_case(const char *kind) {
  json_t *r = strcmp(kind, "grievance") == 0 ? post_ok("/v1/grievances", NULL, b_grievance())
                                              : post_ok("/v1/appeals", W.tok_a, b_appeal());
  int64_t id = tl_jint(r, "id");
  json_decref(r);
  return id;
}
static void mk_voice(void) {
  json_decref(post_ok("/v1/poas", R.cyc.tok_ma,
                      json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:[s], s:[s], s:i}}", "code",
                                "POA.ROLE", "mechanism", "PACM", "title", "Role programme", "coordinator",
                                (json_int_t)W.org_a, "host", HOST, "registry", "CHE01", "criteria", "scope", "1", "kind",
                                "avoidance", "methodology", "AMS-I.A", "sector", "energy", "calculators",
                                "grid-renewable", "regions", "North", "max_annual", 1000)));
  const char *ids[] = {"ROLE.PROP", "ROLE.INC"};
  for (int i = 0; i < 2; i++)
    json_decref(post_ok("/v1/poas/POA.ROLE/components", W.tok_a,
                        json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "id", ids[i], "title", "A component", "region",
                                  "North", "calculator", "grid-renewable", "expected_annual", 100, "crediting_start",
                                  "2000-01-01", "crediting_end", "2030-12-31")));
  tl_resp x = tl_http_reqj(S, "POST", "/v1/poas/POA.ROLE/components/ROLE.INC/inclusion", R.cyc.tok_v,
                           b_poa_inclusion(), NULL);
  tl_assert_status(&x, 201);
  tl_resp_free(&x);
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/comments", R.cyc.reg);
  json_t *r = post_ok(path, NULL, b_comment());
  R.comment = tl_jint(r, "id");
  json_decref(r);
  json_t *act = get_ok(NULL, "/v1/activities/%s", R.cyc.reg);
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(act, "steps"), i, st) if (strcmp(tl_jstr(st, "step"), "register") == 0)
      R.register_step = tl_jint(st, "id");
  json_decref(act);
  assert_true(R.register_step > 0);
  R.grievance = mk_case("grievance");
  R.appeal = mk_case("appeal");
}

/* Issue 20: a device, a signed reading, an ex-ante commitment. */
static json_t *b_device(void) {
  unsigned char pk[32], sk[64];
  char hex[65], name[32];
  crypto_sign_keypair(pk, sk);
  sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
  snprintf(name, sizeof name, "meter-R%d", ++R.seq);
  return json_pack("{s:s, s:s}", "name", name, "public_key", hex);
}
static json_t *b_reading(void) {
  char msg[L6_READING_MSG_MAX], sig[129], today[11];
  time_t now = time(NULL);
  strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
  int seq = ++R.dev_seq;
  int n = svc_reading_message(msg, sizeof msg, R.cyc.reg, R.data_period, "meter-1", seq, "net_kwh", 1000, today);
  unsigned char sg[64];
  crypto_sign_detached(sg, NULL, (const unsigned char *)msg, (unsigned long long)n, R.dev_sk);
  sodium_bin2hex(sig, sizeof sig, sg, sizeof sg);
  return json_pack("{s:s, s:i, s:s, s:i, s:s, s:s}", "device", "meter-1", "seq", seq, "input", "net_kwh", "value", 1000,
                   "taken_on", today, "signature", sig);
}
static json_t *b_commitment(void) {
  return json_pack("{s:i, s:i, s:s, s:I, s:s}", "quantity", 1, "price", 1500, "currency", "USD", "funder_account",
                   (json_int_t)R.acc, "beneficiary", "Role test funder");
}
/* The period a reading of R.cyc.reg goes to: the next one to be reported. */
static int next_period_of(const char *activity) {
  char path[96];
  snprintf(path, sizeof path, "/v1/activities/%s", activity);
  tl_resp x = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&x, 200);
  int n = (int)json_array_size(json_object_get(x.body, "periods"));
  tl_resp_free(&x);
  return n + 1;
}
/* Setup: A's device on R.cyc.reg; B's registered ABM activity. */
static void cycle_data_fixture(void) {
  unsigned char pk[32];
  char hex[65];
  crypto_sign_keypair(pk, R.dev_sk);
  sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
  char path[96];
  snprintf(path, sizeof path, "/v1/activities/%s/devices", R.cyc.reg);
  json_decref(post_ok(path, W.tok_a, json_pack("{s:s, s:s}", "name", "meter-1", "public_key", hex)));
  json_decref(post_ok("/v1/accreditations", R.cyc.tok_ma,
                      json_pack("{s:I, s:s, s:[s]}", "organisation", (json_int_t)R.cyc.org_v, "mechanism", "ABM", "scopes", "ADAPT")));
  snprintf(R.abm, sizeof R.abm, "RM.ABM");
  tl_submit(S, W.tok_b, "ABM", R.abm, "CHE01", HOST, "adaptation");
  json_decref(tl_step(S, R.cyc.tok_v, "ABM", R.abm, "validate", "accept", NULL));
  json_decref(tl_step(S, R.cyc.tok_dna, "ABM", R.abm, "approve", "accept", NULL));
  json_decref(tl_step(S, R.cyc.tok_ma, "ABM", R.abm, "register", "accept", NULL));
}

static json_t *b_link_settings(void) { return json_pack("{s:s}", "registry", "CHE01"); }
static json_t *b_link_peer(void) { return json_pack("{s:s, s:s}", "url", "http://127.0.0.1:9", "public_key", R.link_pk_hex); }
static json_t *b_link_transfer(void) {
  int64_t n = R.link_next++;
  return json_pack("{s:I, s:s, s:i, s:[{s:I, s:I, s:I}]}", "from_account", (json_int_t)R.acc, "to_registry", "GHA02",
                   "to_account", 1, "ranges", "batch", (json_int_t)R.link_batch, "first", (json_int_t)n, "last", (json_int_t)n);
}
/* A proposal of GHA02, signed with its key, for an account CHE01 does not
 * have: answered (200) with a rejection, L02. */
static json_t *b_link_inbox(void) {
  char id[33];
  snprintf(id, sizeof id, "%032d", ++R.link_seq);
  json_t *msg = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:[{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:i}], s:{}}",
                          "type", "proposal", "id", id, "from", "GHA02", "to", "CHE01", "sent_ms", 1, "to_account", 999999,
                          "purpose", "role table", "ranges", "origin", "GHA02", "origin_batch", 1, "batch_start", 1,
                          "batch_quantity", 10, "first", 1, "last", 1, "project", PROJECT, "unit_type", "VCU", "vintage", 2022,
                          "projects");
  char *txt = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
  size_t n = 16 + strlen(txt);
  unsigned char *m = malloc(n), sig[64];
  memcpy(m, "ledger6-link-v1\n", 16);
  memcpy(m + 16, txt, strlen(txt));
  crypto_sign_ed25519_detached(sig, NULL, m, n, R.link_sk);
  char hex[129];
  sodium_bin2hex(hex, sizeof hex, sig, sizeof sig);
  free(m);
  free(txt);
  return json_pack("{s:o, s:s}", "message", msg, "signature", hex);
}

/* Four eyes (proposal.h): a fresh pending proposal of A, proposed by A's
 * second token (so the owner column is another person): the policy of
 * CHE01 asks approval above 1 unit for the one transfer, then covers
 * nothing again, so the table's other rows move units at once. */
static int64_t mk_proposal(void) {
  tl_resp x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin, "{\"transfer_above\":1}", NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  x = tl_http_reqj(S, "POST", "/v1/transfers", R.tok_a2, xfer_body(R.acc, R.acc2, 2), NULL);
  tl_assert_status(&x, 202);
  int64_t id = tl_jint(x.body, "id");
  tl_resp_free(&x);
  x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin, "{}", NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  return id;
}
static json_t *b_policy(void) { return json_object(); }
static json_t *b_trusted(void) { return json_pack("{s:I}", "account", (json_int_t)R.acc_b); }

/* Article 6.8 (src/service/nma.h): HOST's focal point is R.cyc.tok_dna;
 * organisation A (the owning holder) is the support provider. */
static json_t *b_nma(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:s, s:s, s:i, s:s}], s:[{s:s, s:s}]}", "party", HOST, "title",
                   "Role test NMA", "kind", "single-party", "region", "africa", "focus_areas", "adaptation", "needs",
                   "type", "technology", "focus_area", "adaptation", "sector", "water", "amount", 1000, "currency", "USD",
                   "stakeholders", "name", "Village", "kind", "civil-society");
}
static json_t *b_nma_step(void) { return json_pack("{s:s}", "step", "submit"); }
static json_t *b_nma_consent(void) {
  return json_pack("{s:s, s:s, s:s}", "stakeholder", "Village", "date", "2026-01-01", "sha256",
                   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
}
static json_t *b_offer(void) {
  return json_pack("{s:I, s:s, s:s, s:[s], s:[s]}", "org", (json_int_t)W.org_a, "title", "Role test offer", "type",
                   "technology", "sectors", "any", "regions", "any");
}
static json_t *b_match(void) {
  return json_pack("{s:I, s:I, s:i, s:i}", "nma", (json_int_t)R.nma, "offer", (json_int_t)R.offer, "need", 0, "amount",
                   100);
}
static json_t *b_match_step(void) { return json_pack("{s:s}", "step", "accept"); }
static json_t *b_listing(void) {
  return json_pack("{s:s, s:I, s:i, s:s}", "project", "ROLE.CAB", "account", (json_int_t)R.cab_sell, "price", 100,
                   "currency", "USD");
}
static json_t *b_purchase(void) {
  return json_pack("{s:I, s:i, s:I, s:s, s:{s:i, s:s, s:s, s:s}}", "listing", (json_int_t)R.listing, "quantity", 1,
                   "funder_account", (json_int_t)R.cab_fund, "beneficiary", "A", "payment", "amount", 100, "currency",
                   "USD", "payer", "A", "reference", "role test");
}
static int64_t nma_draft(void) {
  json_t *r = post_ok("/v1/nmas", R.cyc.tok_dna, b_nma());
  int64_t id = tl_jint(r, "id");
  json_decref(r);
  return id;
}
static int64_t nma_match(void) {
  json_t *r = post_ok("/v1/support-matches", R.cyc.tok_dna, b_match());
  int64_t id = tl_jint(r, "id");
  json_decref(r);
  return id;
}

static json_t *b_ets_scheme(void);
static json_t *b_ets_entity(void);
static json_t *b_ets_verifier(void);
static json_t *b_ets_project(void);
static int ets_fresh_year(int *next, bool confirm);

static json_t *b_ex_order(void);

static json_t *b_a6_request(void);
static json_t *b_a6_approach(void);

static int roles_setup(void **state) {
  (void)state;
  memset(&R, 0, sizeof R);
  if (world_setup("api-roles") != 0) return -1;
  /* Cheap password hashes for the users the role table makes (people.c);
   * the write rate limits (tested in test_transport) high enough for the
   * table's thousands of writes from one address in a few seconds. */
  static const char *const cheap[] = {"--pwhash-cost", "interactive", "--ip-write-rate", "100000/s,100000",
                                      "--token-write-rate", "100000/s,100000", NULL};
  if (tl_srv_stop(S) != 0) return -1;
  memcpy(W.srv.extra, cheap, sizeof cheap);
  if (tl_srv_restart(S) != 0) return -1;
  oath_init();
  R.acc = tl_mk_account(S, "CHE01", W.org_a, "holding", "A roles");
  R.acc2 = tl_mk_account(S, "CHE01", W.org_a, "holding", "A roles 2");
  R.acc_patch = tl_mk_account(S, "CHE01", W.org_a, "holding", "A to block");
  R.acc_b = tl_mk_account(S, "CHE01", W.org_b, "holding", "B roles");
  json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 1000, R.acc);
  serial_of(R.serial, sizeof R.serial, 2022, tl_batch_of(r), 999, 0);
  json_decref(r);
  r = post_ok("/v1/transfers", S->admin, xfer_body(R.acc, R.acc2, 10));
  R.tx = tl_jint(r, "id");
  json_decref(r);
  r = post_ok("/v1/retirements", S->admin,
              json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)R.acc, "unit_type", "VCU", "quantity",
                        5, "beneficiary", "Role test", "purpose", "voluntary"));
  R.ret = tl_jint(r, "id");
  json_decref(r);
  tl_mk_party(S, "SWE", "Sweden");
  R.tok[ANON] = NULL;
  R.tok[ADMIN] = S->admin;
  R.tok[AUDITOR] = W.tok_aud;
  R.tok[OWNER] = W.tok_a;
  R.tok[OTHER] = W.tok_b;
  R.tok[BADTOK] = "l6_ffffffffffffffffffffffffffffffffffffffffffffffff";
  tl_cycle_fixture(S, "CHE01", HOST, W.org_a, W.tok_a, R.acc, &R.cyc);
  R.tok[VALIDATOR] = R.cyc.tok_v;
  R.tok[AUTHORITY] = R.cyc.tok_dna;
  R.tok[MECHADMIN] = R.cyc.tok_ma;
  cycle_data_fixture();
  R.tok[REGULATOR] = tl_mk_token(S, "authority", tl_mk_org(S, "CHE01", "Swiss Federal Office for the Environment"));
  R.tok[VAL_NA] = tl_mk_token(S, "validator", tl_mk_org(S, "CHE01", "Unaccredited verifier"));
  R.tok_a2 = tl_mk_token(S, "holder", W.org_a);
  R.proposal = mk_proposal();
  /* Links: CHE01's link identity, the peer GHA02 (its key made here),
   * units of A for the transfers and one pending transfer. */
  crypto_sign_ed25519_keypair(R.link_pk, R.link_sk);
  sodium_bin2hex(R.link_pk_hex, sizeof R.link_pk_hex, R.link_pk, sizeof R.link_pk);
  tl_resp lx = tl_http_reqj(S, "PUT", "/v1/link/settings", S->admin, b_link_settings(), NULL);
  tl_assert_status(&lx, 200);
  tl_resp_free(&lx);
  lx = tl_http_reqj(S, "PUT", "/v1/link/peers/GHA02", S->admin, b_link_peer(), NULL);
  tl_assert_status(&lx, 200);
  tl_resp_free(&lx);
  r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 100, R.acc);
  R.link_batch = tl_batch_of(r);
  R.link_next = tl_jint(json_array_get(json_object_get(r, "blocks"), 0), "first");
  json_decref(r);
  lx = tl_http_reqj(S, "POST", "/v1/link/transfers", S->admin, b_link_transfer(), NULL);
  tl_assert_status(&lx, 202);
  snprintf(R.link_xfer, sizeof R.link_xfer, "%s", tl_jstr(lx.body, "id"));
  tl_resp_free(&lx);
  R.tok[REVIEWER] = tl_mk_token(S, "reviewer", tl_mk_org(S, HOST "01", "Article 6 technical expert review team"));
  mk_voice();
  /* Article 6.2: NDCs of HOST and CHE; 200 ITMOs of a Swiss project in
   * A's account (CA0042, not first transferred: first transfers and OIMP
   * cancellations); 100 Malawian ITMOs transferred to A's account (CA0043:
   * first transferred to CHE, used toward CHE's NDC). */
  static const char *const ndc =
      "{\"first_year\":2021,\"last_year\":2030,\"kind\":\"multi-year\",\"method\":\"per-year\","
      "\"target_year\":2030,\"target\":1000000,\"years\":[{\"year\":2021,\"emissions\":1200000}]}";
  tl_resp x = tl_http_req(S, "PUT", "/v1/a6/ndcs/" HOST, S->admin, ndc, NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  x = tl_http_req(S, "PUT", "/v1/a6/ndcs/CHE", S->admin, ndc, NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  tl_mk_project(S, "CHE.A6.1", "A6.2", "CHE");
  json_decref(tl_mk_issue(S, "CHE01", "CHE.A6.1", "ITMO", 2024, 200, R.acc));
  r = post_ok("/v1/a6/authorizations", S->admin,
              json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s, s], s:i, s:i}", "party", "CHE", "approach", "CA0042",
                        "project", "CHE.A6.1", "vintage_from", 2024, "vintage_to", 2024, "quantity", 200, "purposes",
                        "NDC", "OIMP", "year_from", 2021, "year_to", 2035));
  json_decref(r);
  int64_t org_mw = tl_mk_org(S, HOST "01", "Malawi developer");
  int64_t acc_mw = tl_mk_account(S, HOST "01", org_mw, "holding", "Malawi ITMOs");
  tl_mk_project(S, "MWI.A6.1", "A6.2", HOST);
  json_decref(tl_mk_issue(S, HOST "01", "MWI.A6.1", "ITMO", 2024, 100, acc_mw));
  r = post_ok("/v1/a6/authorizations", R.cyc.tok_dna,
              json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", HOST, "approach", "CA0043",
                        "project", "MWI.A6.1", "vintage_from", 2024, "vintage_to", 2024, "quantity", 100, "purposes",
                        "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2035));
  R.a6_auth = tl_jint(r, "id");
  json_decref(r);
  x = tl_http_reqj(S, "PUT", "/v1/a6/approaches/CA0043", R.cyc.tok_dna, b_a6_approach(), NULL); /* issue 18 item 2 */
  tl_assert_status(&x, 201);
  tl_resp_free(&x);
  r = post_ok("/v1/a6/authorization-requests", W.tok_a, b_a6_request());
  R.a6_req = tl_jint(r, "id");
  json_decref(r);
  json_decref(post_ok("/v1/transfers", S->admin,
                      json_pack("{s:I, s:I, s:s, s:i, s:i}", "from_account", (json_int_t)acc_mw, "to_account",
                                (json_int_t)R.acc, "unit_type", "ITMO", "vintage", 2024, "quantity", 100)));
  R.a6_ft = 1;
  R.a6_cancel = 101;
  R.a6_use = 1;
  /* Article 6.8: HOST's published NMA, organisation A's offer, a match. */
  R.nma = nma_draft();
  char path[64];
  snprintf(path, sizeof path, "/v1/nmas/%lld/steps", (long long)R.nma);
  json_decref(post_ok(path, R.cyc.tok_dna, json_pack("{s:s}", "step", "submit")));
  json_decref(post_ok(path, R.cyc.tok_ma, json_pack("{s:s}", "step", "publish")));
  r = post_ok("/v1/support-offers", W.tok_a, b_offer());
  R.offer = tl_jint(r, "id");
  json_decref(r);
  R.match = nma_match();
  /* The adaptation marketplace: 100 CABs in A's account, listed by A; A
   * also funds (its second account), and has bought once. */
  tl_mk_project(S, "ROLE.CAB", "CAB", HOST);
  R.cab_sell = tl_mk_account(S, "CHE01", W.org_a, "holding", "A CAB seller");
  R.cab_fund = tl_mk_account(S, "CHE01", W.org_a, "holding", "A CAB funder");
  json_decref(tl_mk_issue(S, "CHE01", "ROLE.CAB", "CAB", 2025, 100, R.cab_sell));
  r = post_ok("/v1/adaptation-marketplace/listings", W.tok_a, b_listing());
  R.listing = tl_jint(r, "id");
  json_decref(r);
  r = post_ok("/v1/adaptation-marketplace/purchases", W.tok_a, b_purchase());
  R.purchase = tl_jint(r, "id");
  json_decref(r);
  /* Emissions trading: scheme RT-ETS (Guangdong rules) in CHE01, so the
   * matrix's authority (of MWI01) is not its regulator; entity A with
   * 100 GDEA in its own account. */
  R.ets_acc = tl_mk_account(S, "CHE01", W.org_a, "holding", "A ETS");
  tl_mk_project(S, "RT.GDEA", "CNPILOTS", HOST);
  r = tl_mk_issue(S, "CHE01", "RT.GDEA", "GDEA", 2023, 100, R.ets_acc);
  R.ets_batch = tl_batch_of(r);
  json_decref(r);
  R.ets_alloc = tl_mk_account(S, "CHE01", W.org_b, "holding", "ETS allocation");
  json_decref(tl_mk_issue(S, "CHE01", "RT.GDEA", "GDEA", 2023, 100, R.ets_alloc));
  x = tl_http_reqj(S, "PUT", "/v1/ets/schemes/RT-ETS", S->admin, b_ets_scheme(), NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  x = tl_http_reqj(S, "PUT", "/v1/ets/schemes/RT-ETS/entities/A", S->admin, b_ets_entity(), NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  json_decref(post_ok("/v1/ets/schemes/RT-ETS/verifiers", S->admin, b_ets_verifier())); /* the matrix's validator */
  x = tl_http_reqj(S, "PUT", "/v1/ets/projects/" PROJECT, S->admin, b_ets_project(), NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  int dry_year = 2098; /* the dry run's year: confirmed, never surrendered */
  ets_fresh_year(&dry_year, true);
  R.ets_year = 2021;
  R.ets_confirm_year = 2060;
  R.ets_correct_year = 2080;
  R.ets_serial = 1;
  /* The exchange: a VCU contract in EUR; A has cash for many small bids and
   * one open order (the list routes' owned item). */
  json_decref(post_ok("/v1/exchange/instruments", S->admin,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "code", "EX.ROLE", "name", "Role test",
                                "kind", "contract", "unit_type", "VCU", "registry", "CHE01", "currency", "EUR",
                                "minor_units", 2, "tick", 1, "lot", 1)));
  json_decref(post_ok("/v1/exchange/deposits", S->admin,
                      json_pack("{s:I, s:s, s:i}", "org", (json_int_t)W.org_a, "currency", "EUR", "amount", 10000000)));
  json_decref(post_ok("/v1/exchange/instruments", S->admin,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "code", "EX.AUC", "name", "Auction",
                                "kind", "contract", "unit_type", "VCU", "registry", "CHE01", "currency", "EUR",
                                "minor_units", 2, "tick", 1, "lot", 1, "mode", "primary")));
  json_decref(post_ok("/v1/exchange/instruments", S->admin,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s}", "code", "EX.BLK", "name", "Block",
                                "kind", "contract", "unit_type", "VCU", "registry", "CHE01", "currency", "EUR",
                                "minor_units", 2, "tick", 1, "lot", 1, "mode", "block")));
  json_decref(post_ok("/v1/exchange/deposits", S->admin,
                      json_pack("{s:I, s:s, s:i}", "org", (json_int_t)W.org_b, "currency", "EUR", "amount", 10000000)));
  r = post_ok("/v1/exchange/orders", W.tok_a, b_ex_order());
  R.ex_order = tl_jint(r, "id");
  json_decref(r);
  return 0;
}

static int roles_teardown(void **state) {
  tl_cycle_fixture_free(&R.cyc);
  free(R.tok[REGULATOR]);
  free(R.tok[VAL_NA]);
  free(R.tok_a2);
  free(R.tok[REVIEWER]);
  return group_teardown(state);
}

static json_t *b_batch_label(void) { return json_pack("{s:s, s:s}", "label", "ccp", "reference", "role test"); }
static json_t *b_party(void) { return json_pack("{s:s, s:s}", "code", "NOR", "name", "Norway"); }
static json_t *b_registry(void) {
  return json_pack("{s:s, s:s, s:s}", "id", "SWE01", "party", "SWE", "name", "Sweden");
}
static json_t *b_org(void) { return json_pack("{s:s, s:s}", "registry", "CHE01", "name", "Role test org"); }
static json_t *b_account(void) {
  return json_pack("{s:s, s:I, s:s, s:s}", "registry", "CHE01", "organisation", (json_int_t)W.org_a, "type", "holding",
                   "name", "role test");
}
static json_t *b_patch(void) { return json_pack("{s:s}", "status", "blocked"); }
static json_t *b_programme(void) {
  return json_pack("{s:s, s:s, s:s}", "code", "ROLEPROG", "name", "x", "kind", "voluntary");
}
static json_t *b_unit_type(void) {
  return json_pack("{s:s, s:s, s:s}", "code", "ROLEUT", "programme", "VCS", "name", "x");
}
static json_t *b_project(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "ROLE.1", "programme", "VCS", "host", HOST,
                   "title", "t", "methodology", "m", "sector", "s", "kind", "removal", "crediting_start", "2021-01-01",
                   "crediting_end", "2025-12-31");
}
static json_t *b_issue(void) {
  return json_pack("{s:s, s:s, s:s, s:i, s:i}", "registry", "CHE01", "project", PROJECT, "unit_type", "VCU", "vintage",
                   2023, "quantity", 10);
}
static json_t *b_transfer(void) { return xfer_body(R.acc, R.acc2, 1); }
static json_t *b_retire(void) {
  return json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)R.acc, "unit_type", "VCU", "quantity", 1,
                   "beneficiary", "b", "purpose", "p");
}
static json_t *b_cancel(void) {
  return json_pack("{s:I, s:s, s:i}", "from_account", (json_int_t)R.acc, "unit_type", "VCU", "quantity", 1);
}
static json_t *b_token(void) { return json_pack("{s:s, s:s}", "role", "auditor", "label", "role test"); }
/* People (people.c): a fresh user per request (emails are unique); a
 * login as a fresh auditor with its current TOTP code (a code is taken
 * once, so every request needs its own user). */
#define ROLE_PASSWORD "role table password"
static json_t *b_user(void) {
  static int n;
  char email[64];
  snprintf(email, sizeof email, "role%d@registry.example", ++n);
  return json_pack("{s:s, s:s, s:s, s:s}", "email", email, "name", "Role test", "role", "auditor", "password",
                   ROLE_PASSWORD);
}
static json_t *b_user_status(void) { return json_pack("{s:s}", "status", "active"); }
static json_t *b_login(void) {
  json_t *u = post_ok("/v1/users", S->admin, b_user());
  const char *b32 = tl_jstr(json_object_get(u, "totp"), "secret");
  char *raw = NULL, code[8] = "";
  size_t len = 0;
  assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &len), OATH_OK);
  assert_int_equal(oath_totp_generate(raw, len, time(NULL), 30, 0, 6, code), OATH_OK);
  free(raw);
  json_t *b = json_pack("{s:s, s:s, s:s}", "email", tl_jstr(u, "email"), "password", ROLE_PASSWORD, "code", code);
  json_decref(u);
  return b;
}
static json_t *b_logout(void) { return json_object(); }
static json_t *b_notice_pref(void) { return json_pack("{s:b}", "email", 0); }
/* The project cycle (tests/testlib_cycle.h). */
static json_t *b_document(void) {
  return json_pack("{s:s, s:s, s:s}", "name", "role test", "media_type", "text/plain", "content_base64", "cm9sZSB0ZXN0");
}
static json_t *b_accreditation(void) {
  return json_pack("{s:I, s:s, s:[s]}", "organisation", (json_int_t)R.cyc.org_v, "mechanism", "PACM", "scopes", "1");
}
static json_t *b_activity(void) {
  char id[32];
  snprintf(id, sizeof id, "ROLE.ACT.%d", ++R.seq);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", id, "mechanism", "PACM",
                   "registry", "CHE01", "host", HOST, "title", "t", "methodology", "m", "sector", "s", "scope", "1",
                   "kind", "avoidance", "crediting_start", "2021-01-01", "crediting_end", "2030-12-31", "documents",
                   tl_step_docs(S, W.tok_a, "PACM", "submit"));
}
static json_t *b_activity_step(void) {
  return json_pack("{s:s, s:s, s:o}", "step", "validate", "decision", "accept", "documents",
                   tl_step_docs(S, W.tok_a, "PACM", "validate"));
}
static json_t *b_period(void) {
  return json_pack("{s:s, s:s, s:s, s:{s:i, s:i}, s:o, s:o}", "start", "2023-01-01", "end", "2023-12-31", "calculator",
                   "grid-renewable", "inputs", "net_kwh", 100000, "ef_cm_t_mwh_e6", 1000000, "documents",
                   tl_step_docs(S, W.tok_a, "PACM", "monitor"), "sd_indicators", pacm_sd());
}
static json_t *b_period_step(void) {
  return json_pack("{s:s, s:s, s:i, s:o}", "step", "verify", "decision", "accept", "certified", 100, "documents",
                   tl_step_docs(S, W.tok_a, "PACM", "verify"));
}
static json_t *b_transition(void) { /* a fresh CDM project for each attempt */
  char id[32];
  snprintf(id, sizeof id, "CDM.ROLE.%d", ++R.seq);
  tl_mk_project(S, id, "CDM", HOST);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "project", id, "mechanism", "PACM", "registry", "CHE01", "scope",
                   "1", "requested_on", "2023-06-01", "documents", tl_step_docs(S, W.tok_a, "PACM", "transition"));
}

/* Article 6.2 (src/service/a6.h). */
static json_t *b_a6_ndc(void) {
  return json_pack("{s:i, s:i, s:s, s:s, s:i, s:i}", "first_year", 2021, "last_year", 2030, "kind", "multi-year", "method",
                   "per-year", "target_year", 2030, "target", 1000000);
}
static json_t *b_a6_year(void) { return json_pack("{s:i}", "emissions", 1100000); }
static json_t *b_a6_auth(void) { /* vintage 2030 of HOST's project: none issued, nothing becomes an ITMO */
  return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", HOST, "approach", "CA0044", "project",
                   PROJECT, "vintage_from", 2030, "vintage_to", 2030, "quantity", 10, "purposes", "NDC", "year_from", 2021,
                   "year_to", 2030);
}
static json_t *b_a6_revoke(void) { return json_object(); }
static json_t *b_a6_approach(void) { /* HOST's record of CA0043 with SWE (not CHE: its authority is refused) */
  return json_pack("{s:s, s:[s, s], s:i, s:i}", "title", "Malawi-Sweden cooperation", "parties", HOST, "SWE",
                   "start_year", 2021, "end_year", 2030);
}
/* A's request (A received PROJECT's units: a participant) for vintage 2030 of PROJECT. */
static json_t *b_a6_request(void) {
  return json_pack("{s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "approach", "CA0045", "project", PROJECT,
                   "vintage_from", 2030, "vintage_to", 2030, "quantity", 10, "purposes", "NDC", "authorized_parties",
                   "CHE", "year_from", 2021, "year_to", 2030);
}
static json_t *b_a6_reject(void) { return json_pack("{s:s}", "reasons", "the project is outside the approach"); }
/* An amendment that keeps R.a6_auth's timeframe (2021-2035) as it is. */
static json_t *b_a6_amend(void) {
  return json_pack("{s:{s:i}, s:s}", "changes", "year_to", 2035, "effective_from", "2026-01-01");
}
static json_t *b_a6_ft(void) {
  char id[64];
  snprintf(id, sizeof id, "CA0042-CHE01-CHE-%09d-2024", R.a6_ft++);
  return json_pack("{s:I, s:s}", "account", (json_int_t)R.acc, "first_id", id);
}
static json_t *b_a6_use(void) {
  char id[64];
  snprintf(id, sizeof id, "CA0043-" HOST "01-" HOST "-%09d-2024", R.a6_use++);
  return json_pack("{s:I, s:s, s:s, s:i}", "account", (json_int_t)R.acc, "first_id", id, "party", "CHE", "year", 2025);
}
static json_t *b_a6_cancel(void) {
  char id[64];
  snprintf(id, sizeof id, "CA0042-CHE01-CHE-%09d-2024", R.a6_cancel++);
  return json_pack("{s:s, s:I, s:s, s:s, s:s}", "kind", "oimp", "account", (json_int_t)R.acc, "first_id", id, "purpose",
                   "other", "entity", "Role test");
}

/* Emissions trading (src/service/ets.h). */
static json_t *b_ets_scheme(void) {
  return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s, s:I}", "name", "Role test ETS", "jurisdiction", "CN-GD", "registry",
                   "CHE01", "first_year", 2021, "last_year", 2099, "deadline", "06-30", "penalty", 100, "currency", "CNY",
                   "allocation_account", (json_int_t)R.ets_alloc);
}
static json_t *b_ets_entity(void) {
  return json_pack("{s:s, s:I, s:I, s:s, s:[s]}", "name", "A", "organisation", (json_int_t)W.org_a, "account",
                   (json_int_t)R.ets_acc, "province", "CN-GD", "installations", "Plant 1");
}
static json_t *b_ets_project(void) {
  return json_pack("{s:s, s:s, s:[s]}", "project_type", "wind", "province", "CN-GD", "gases", "CO2");
}
static json_t *b_ets_emissions(void) {
  return json_pack("{s:s, s:s, s:i, s:i}", "scheme", "RT-ETS", "entity", "A", "year", 2099, "verified", 10);
}
static json_t *b_ets_verifier(void) { return json_pack("{s:I}", "organisation", (json_int_t)R.cyc.org_v); }
/* A correction of a fresh year's confirmed 1 t to 2 t. */
static json_t *b_ets_correction(void) {
  return json_pack("{s:s, s:s, s:i, s:i, s:s}", "scheme", "RT-ETS", "entity", "A", "year",
                   ets_fresh_year(&R.ets_correct_year, true), "verified", 2, "reason", "role test");
}
static json_t *b_ets_allocate(void) {
  return json_pack("{s:s, s:s, s:i, s:i}", "scheme", "RT-ETS", "entity", "A", "year", 2099, "quantity", 1);
}
static json_t *b_ets_allocation(void) {
  return json_pack("{s:s, s:s, s:i, s:i}", "scheme", "RT-ETS", "entity", "A", "year", 2099, "allocated", 5);
}
/* Verified emissions of a fresh year, entered by admin (and confirmed). */
static int ets_fresh_year(int *next, bool confirm) {
  int y = (*next)++;
  json_t *b = json_pack("{s:s, s:s, s:i, s:i}", "scheme", "RT-ETS", "entity", "A", "year", y, "verified", 1);
  tl_resp x = tl_http_reqj(S, "PUT", "/v1/ets/emissions", S->admin, b, NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  if (confirm) {
    x = tl_http_reqj(S, "POST", "/v1/ets/emissions/confirm", S->admin,
                     json_pack("{s:s, s:s, s:i}", "scheme", "RT-ETS", "entity", "A", "year", y), NULL);
    tl_assert_status(&x, 201);
    tl_resp_free(&x);
  }
  return y;
}
static json_t *b_ets_confirm(void) {
  return json_pack("{s:s, s:s, s:i}", "scheme", "RT-ETS", "entity", "A", "year", ets_fresh_year(&R.ets_confirm_year, false));
}
static json_t *b_ets_surrender(void) { /* one GDEA for a fresh year's 1 t */
  int y = ets_fresh_year(&R.ets_year, true);
  int serial = R.ets_serial++;
  return json_pack("{s:s, s:s, s:i, s:[{s:I, s:i, s:i}]}", "scheme", "RT-ETS", "entity", "A", "year", y, "items", "batch",
                   (json_int_t)R.ets_batch, "first", serial, "last", serial);
}
static json_t *b_ets_dry_run(void) {
  return json_pack("{s:s, s:s, s:i, s:[{s:I, s:i, s:i}]}", "scheme", "RT-ETS", "entity", "A", "year", 2098, "items", "batch",
                   (json_int_t)R.ets_batch, "first", 100, "last", 100);
}

/* The exchange (src/service/exchange.h). */
static json_t *b_ex_instrument(void) {
  char code[32];
  snprintf(code, sizeof code, "EX.R%d", ++R.seq);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "code", code, "name", "Role test", "kind", "contract",
                   "unit_type", "VCU", "registry", "CHE01", "currency", "EUR", "minor_units", 2, "tick", 1, "lot", 1);
}
static json_t *b_ex_status(void) { return json_pack("{s:s}", "status", "open"); }
static json_t *b_ex_cash(void) {
  return json_pack("{s:I, s:s, s:i}", "org", (json_int_t)W.org_a, "currency", "EUR", "amount", 1);
}
static json_t *b_ex_order(void) {
  return json_pack("{s:s, s:I, s:s, s:i, s:i}", "instrument", "EX.ROLE", "account", (json_int_t)R.acc, "side", "buy",
                   "price", 100, "qty", 1);
}
static json_t *b_ex_empty(void) { return json_object(); }
static json_t *b_ex_quote(void) {
  return json_pack("{s:s, s:I, s:s, s:i, s:i, s:I}", "instrument", "EX.BLK", "account", (json_int_t)R.acc, "side", "buy",
                   "price", 100, "qty", 1, "counterparty", (json_int_t)W.org_b);
}
static json_t *b_ex_accept(void) { return json_pack("{s:I}", "account", (json_int_t)R.acc); }
/* An auction of EX.AUC with no bids: clears nothing, changes nothing. */
static json_t *b_ex_auction(void) {
  return json_pack("{s:i, s:i, s:I, s:i}", "supply", 1, "reserve", 100, "from_account", (json_int_t)R.acc2,
                   "proceeds_org", 0);
}
static json_t *b_ex_replace(void) { return json_pack("{s:i, s:i}", "price", 99, "qty", 1); }

/* Columns: anonymous, admin, auditor, owner, other holder, bad token,
 * validator, host authority, mechanism admin, CHE authority, unaccredited
 * validator, HOST's reviewer (the enum above). The reviewer (issue 18: the
 * Article 6 technical expert review of HOST's books) reads what is public
 * and HOST's Article 6 books (BOOKS), nothing of the ledger, and writes
 * nothing: 403 on every write route. Every want-set names all NROLES columns:
 * test_role_matrix fails on a row with a column left out. */
#define PUBLIC \
  { OK, OK, OK, OK, OK, E401, OK, OK, OK, OK, OK, OK }
#define ADMIN_ONLY \
  { E401, OK, E403, E403, E403, E401, E403, E403, E403, E403, E403, E403 }
/* Holders move units of their own accounts only (A's here); an authority
 * moves none, whether of its own Party's registry (CHE) or not. */
#define MOVER \
  { E401, OK, E403, OK, E403, E401, E403, E403, E403, E403, E403, E403 }
#define READER_LIST \
  { E401, OK, OK, OK, HIDDEN, E401, E403, E403, E403, E403, E403, E403 }
#define TOKEN_LIST \
  { E401, OK, HIDDEN, OK, HIDDEN, E401, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN }
#define READER_ONE \
  { E401, OK, OK, OK, E403, E401, E403, E403, E403, E403, E403, E403 }
/* The project cycle: any token registers documents; the mechanism
 * administrator accredits; any holder submits (its organisation becomes the
 * participant) or asks a CDM project's transition; the matrix's step bodies
 * are a validation (the accredited validator's; an unaccredited one gets
 * 403 not_accredited) and a monitoring report (the participant's: the
 * owner's activity). */
#define ANY_TOKEN \
  { E401, OK, OK, OK, OK, E401, OK, OK, OK, OK, OK, OK }
#define MECHADMIN_ONLY \
  { E401, E403, E403, E403, E403, E401, E403, E403, OK, E403, E403, E403 }
#define HOLDERS \
  { E401, E403, E403, OK, OK, E401, E403, E403, E403, E403, E403, E403 }
#define VALIDATOR_ONLY \
  { E401, E403, E403, E403, E403, E401, OK, E403, E403, E403, E403, E403 }
#define PARTICIPANT \
  { E401, E403, E403, OK, E403, E401, E403, E403, E403, E403, E403, E403 }
/* Issue 20: a device's signed reading is authorised by its signature, so
 * any caller may deliver it (no token needed), but a reviewer writes
 * nothing; a bad token is refused as everywhere. The participant (A)
 * registers devices of its activity; a funder (A, with its account)
 * commits to buy B's ABM activity's units ex ante (PARTICIPANT's columns:
 * B, the activity's participant, may not). */
#define SIGNED_READING \
  { OK, OK, OK, OK, OK, E401, OK, OK, OK, OK, OK, E403 }
/* Article 6.2: the Party's authority (HOST's here; CHE's is another
 * Party's) or admin manage its NDC and authorizations; the books (ITMO
 * ranges, balances, what-if) are read by admin, auditor and authorities;
 * ITMO actions are A6_MOVER: holders on their own accounts, an authority
 * only on its own Party's accounts (the matrix's account is Swiss: CHE's
 * authority yes, HOST's no). NDCs, authorizations, the AEF and the CORSIA
 * phases are public. */
#define PARTY_AUTHORITY \
  { E401, OK, E403, E403, E403, E401, E403, OK, E403, E403, E403, E403 }
#define BOOKS \
  { E401, OK, OK, E403, E403, E401, E403, OK, E403, OK, E403, OK }
/* Authorization requests: listed (filtered) for admin, auditor, holders,
 * authorities and reviewers; one request read by admin, auditor, the
 * requesting organisation (A), and its Party's authority and reviewer. */
#define REQUEST_LIST \
  { E401, OK, OK, OK, OK, E401, E403, OK, E403, OK, E403, OK }
#define REQUEST_READER \
  { E401, OK, OK, OK, E403, E401, E403, OK, E403, E403, E403, OK }
#define A6_MOVER \
  { E401, OK, E403, OK, E403, E401, E403, E403, E403, OK, E403, E403 }
/* Article 6.8: a Party's focal point (its authority: HOST's here; CHE's is
 * another Party's) registers, submits, withdraws its NMAs and records
 * consents; support providers (holders, for their own organisation: A's
 * offer) or admin offer support; a match is proposed and accepted by the
 * NMA's focal point and the offer's provider (A). Everything else is
 * public. */
#define FOCAL_POINT \
  { E401, E403, E403, E403, E403, E401, E403, OK, E403, E403, E403, E403 }
#define MATCH_SIDES \
  { E401, E403, E403, OK, E403, E401, E403, OK, E403, E403, E403, E403 }
/* Emissions trading: the matrix's scheme RT-ETS is in CHE01, so its
 * regulator is admin or CHE's authority (SCHEME_REGULATOR), never HOST's;
 * project attributes (of PROJECT, VCUs hosted by HOST) are set by admin or
 * HOST's authority (PARTY_AUTHORITY), not by CHE's, whose scheme (Guangdong
 * rules) takes no VCU; the verifier accredited for RT-ETS or admin enters
 * emissions, not a validator accredited for nothing (ETS_VERIFIER); the
 * entity's holder (A), the regulator or admin surrenders (ETS_MOVER). */
#define SCHEME_REGULATOR \
  { E401, OK, E403, E403, E403, E401, E403, E403, E403, OK, E403, E403 }
#define ETS_VERIFIER \
  { E401, OK, E403, E403, E403, E401, OK, E403, E403, E403, E403, E403 }
/* Logging out ends a web session (cookie); a token has none to end, so
 * every token, good or bad, gets 401 (test_people logs out for real). */
#define NO_SESSION \
  { E401, E401, E401, E401, E401, E401, E401, E401, E401, E401, E401, E401 }
/* A person's own choice of email notices (issue 22): the matrix's tokens
 * are system integrations' (made by the CLI, no owner), so every one gets
 * 403; test_notice sets it for a person. */
#define PERSON_ONLY \
  { E401, E403, E403, E403, E403, E401, E403, E403, E403, E403, E403, E403 }
#define ETS_MOVER \
  { E401, OK, E403, OK, E403, E401, E403, E403, E403, OK, E403, E403 }
/* Operations: GET /metrics is for admin and auditor tokens (serve's default
 * --metrics token; docs/OPERATIONS.md, "Metrics"). */
/* Issue 20: the activity's participant (A, the owner) or a mechanism
 * administrator answers a public comment. */
#define COMMENT_RESPONDER \
  { E401, E403, E403, OK, E403, E401, E403, E403, OK, E403, E403, E403 }
#define METRICS_READER \
  { E401, OK, OK, E403, E403, E401, E403, E403, E403, E403, E403, E403 }

/* Four eyes (issue 15): any holder reads a registry's approval policy,
 * like admin and auditor; only admin sets it. A proposal is read like an
 * account (READER_ONE, lists hidden from other holders) and decided or
 * cancelled by a person of its organisation (the owner column: another
 * token than the proposer's) or admin (MOVER); a trusted list is read and
 * changed like the account it belongs to. */
#define POLICY_READER \
  { E401, OK, OK, OK, OK, E401, E403, OK, E403, OK, E403, E403 }
/* Authorities read policies (they propose under them) and list their own
 * organisation's (Article 6) proposals, never A's (HIDDEN). */
#define PROPOSAL_LIST \
  { E401, OK, OK, OK, HIDDEN, E401, E403, HIDDEN, E403, HIDDEN, E403, E403 }

typedef struct {
  const char *method, *pattern;
  int want[NROLES];
  json_t *(*body)(void);  /* POST/PATCH: a valid body */
  const char *hidden_key; /* HIDDEN: the items' key to look for */
} role_rule;

/* The rules, written from the product's roles -- not from the code. */
static const role_rule rules[] = {
    {"GET", "/v1/health", PUBLIC, NULL, NULL},
    {"GET", "/v1/openapi.json", PUBLIC, NULL, NULL},
    {"GET", "/v1/parties", PUBLIC, NULL, NULL},
    {"POST", "/v1/parties", ADMIN_ONLY, b_party, NULL},
    {"GET", "/v1/registries", PUBLIC, NULL, NULL},
    {"POST", "/v1/registries", ADMIN_ONLY, b_registry, NULL},
    {"GET", "/v1/organisations", READER_LIST, NULL, "id"},
    {"POST", "/v1/organisations", ADMIN_ONLY, b_org, NULL},
    {"GET", "/v1/accounts", READER_LIST, NULL, "id"},
    {"POST", "/v1/accounts", ADMIN_ONLY, b_account, NULL},
    {"GET", "/v1/accounts/{id}", READER_ONE, NULL, NULL},
    {"PATCH", "/v1/accounts/{id}", ADMIN_ONLY, b_patch, NULL},
    {"GET", "/v1/accounts/{id}/holdings", READER_ONE, NULL, NULL},
    {"GET", "/v1/programmes", PUBLIC, NULL, NULL},
    {"POST", "/v1/programmes", ADMIN_ONLY, b_programme, NULL},
    {"GET", "/v1/unit-types", PUBLIC, NULL, NULL},
    {"POST", "/v1/unit-types", ADMIN_ONLY, b_unit_type, NULL},
    {"GET", "/v1/projects", PUBLIC, NULL, NULL},
    {"POST", "/v1/projects", ADMIN_ONLY, b_project, NULL},
    {"GET", "/v1/projects/{id}", PUBLIC, NULL, NULL},
    {"GET", "/v1/issuances", PUBLIC, NULL, NULL},
    {"POST", "/v1/issuances", ADMIN_ONLY, b_issue, NULL},
    {"POST", "/v1/transfers", MOVER, b_transfer, NULL},
    {"GET", "/v1/retirements", PUBLIC, NULL, NULL},
    {"POST", "/v1/retirements", MOVER, b_retire, NULL},
    {"POST", "/v1/cancellations", MOVER, b_cancel, NULL},
    {"GET", "/v1/transactions", READER_LIST, NULL, "id"},
    {"GET", "/v1/transactions/{id}", READER_ONE, NULL, NULL},
    {"GET", "/v1/serials/{serial}", READER_ONE, NULL, NULL},
    {"GET", "/v1/serials/{serial}/public", PUBLIC, NULL, NULL}, /* redacted: account types and registries */
    {"POST", "/v1/tokens", ADMIN_ONLY, b_token, NULL},
    {"GET", "/v1/users", ADMIN_ONLY, NULL, NULL},
    {"POST", "/v1/users", ADMIN_ONLY, b_user, NULL},
    {"PATCH", "/v1/users/{id}", ADMIN_ONLY, b_user_status, NULL},
    {"GET", "/v1/session", ANY_TOKEN, NULL, NULL},    /* who am I: a token says so too */
    {"POST", "/v1/session", PUBLIC, b_login, NULL},   /* logs in whoever knows password and code */
    {"DELETE", "/v1/session", NO_SESSION, b_logout, NULL},
    {"GET", "/v1/session/notices", PERSON_ONLY, NULL, NULL},
    {"PUT", "/v1/session/notices", PERSON_ONLY, b_notice_pref, NULL},
    /* Tokens (issue 15): admin lists every token, any other token sees
     * only itself (A's token is in the list for admin and A only); the
     * revocation of a fresh admin-made token is the admin's alone (a token
     * revoking itself: test_token_revoke_self). */
    {"GET", "/v1/tokens", TOKEN_LIST, NULL, "id"},
    {"POST", "/v1/tokens/{id}/revoke", ADMIN_ONLY, b_ex_empty, NULL},
    {"GET", "/v1/registries/{code}/approval-policy", POLICY_READER, NULL, NULL},
    {"PUT", "/v1/registries/{code}/approval-policy", ADMIN_ONLY, b_policy, NULL},
    {"GET", "/v1/proposals", PROPOSAL_LIST, NULL, "id"},
    {"GET", "/v1/proposals/{id}", READER_ONE, NULL, NULL},
    /* Links between registries (issue 19): settings and peers are the
     * administrator's, read by the auditor too; a transfer out is a move
     * (202: queued in the outbox); the inbox takes a peer's signed message
     * from anyone who carries it (the signature authenticates it, not a
     * token); the state is read by admin and auditor (or a signing peer). */
    {"GET", "/v1/link/settings", METRICS_READER, NULL, NULL},
    {"PUT", "/v1/link/settings", ADMIN_ONLY, b_link_settings, NULL},
    {"GET", "/v1/link/peers", METRICS_READER, NULL, NULL},
    {"PUT", "/v1/link/peers/{code}", ADMIN_ONLY, b_link_peer, NULL},
    {"GET", "/v1/link/transfers", METRICS_READER, NULL, NULL},
    {"POST", "/v1/link/transfers", MOVER, b_link_transfer, NULL},
    {"GET", "/v1/link/transfers/{id}", METRICS_READER, NULL, NULL},
    {"POST", "/v1/link/inbox", PUBLIC, b_link_inbox, NULL},
    {"GET", "/v1/link/state", METRICS_READER, NULL, NULL},
    {"POST", "/v1/proposals/{id}/approve", MOVER, b_ex_empty, NULL},
    {"POST", "/v1/proposals/{id}/reject", MOVER, b_ex_empty, NULL},
    {"POST", "/v1/proposals/{id}/cancel", MOVER, b_ex_empty, NULL},
    {"GET", "/v1/accounts/{id}/trusted", READER_ONE, NULL, NULL},
    {"POST", "/v1/accounts/{id}/trusted", MOVER, b_trusted, NULL},
    {"DELETE", "/v1/accounts/{id}/trusted/{trusted}", MOVER, b_ex_empty, NULL},
    {"GET", "/v1/mechanisms", PUBLIC, NULL, NULL},
    {"GET", "/v1/mechanisms/{code}", PUBLIC, NULL, NULL},
    {"GET", "/v1/fees/{party}", PUBLIC, NULL, NULL}, /* issue 20: the fees billed to a host's activities */
    {"GET", "/v1/benefit-sharing/{party}", PUBLIC, NULL, NULL}, /* issue 20 item 5: the host's benefit shares */
    {"POST", "/v1/documents", ANY_TOKEN, b_document, NULL},
    {"GET", "/v1/documents/{sha256}", PUBLIC, NULL, NULL},
    {"POST", "/v1/accreditations", MECHADMIN_ONLY, b_accreditation, NULL},
    {"GET", "/v1/activities", PUBLIC, NULL, NULL},
    {"POST", "/v1/activities", HOLDERS, b_activity, NULL},
    {"GET", "/v1/activities/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/activities/{id}/steps", VALIDATOR_ONLY, b_activity_step, NULL},
    {"POST", "/v1/activities/{id}/periods", PARTICIPANT, b_period, NULL},
    {"POST", "/v1/activities/{id}/periods/{period}/steps", VALIDATOR_ONLY, b_period_step, NULL},
    {"POST", "/v1/activities/{id}/devices", PARTICIPANT, b_device, NULL},
    {"POST", "/v1/activities/{id}/periods/{period}/data", SIGNED_READING, b_reading, NULL},
    {"GET", "/v1/activities/{id}/periods/{period}/data", PUBLIC, NULL, NULL},
    {"POST", "/v1/activities/{id}/commitments", PARTICIPANT, b_commitment, NULL},
    {"GET", "/v1/activities/{id}/commitments", PUBLIC, NULL, NULL},
    {"POST", "/v1/transitions", HOLDERS, b_transition, NULL},
    /* The transparency log and retirement certificates are public. */
    {"GET", "/v1/retirements/{id}/certificate", PUBLIC, NULL, NULL},
    {"GET", "/v1/retirements/{id}/certificate.html", PUBLIC, NULL, NULL},
    {"GET", "/v1/retirements/{id}/certificate.pdf", PUBLIC, NULL, NULL},
    {"GET", "/v1/log/sth", PUBLIC, NULL, NULL},
    {"GET", "/v1/log/proof/inclusion", PUBLIC, NULL, NULL},
    {"GET", "/v1/log/proof/consistency", PUBLIC, NULL, NULL},
    {"GET", "/v1/log/entries", PUBLIC, NULL, NULL},
    {"GET", "/v1/keys", PUBLIC, NULL, NULL},
    {"GET", "/v1/ready", PUBLIC, NULL, NULL},
    {"GET", "/metrics", METRICS_READER, NULL, NULL},
    {"GET", "/v1/a6/ndcs/{party}", PUBLIC, NULL, NULL},
    {"PUT", "/v1/a6/ndcs/{party}", PARTY_AUTHORITY, b_a6_ndc, NULL},
    {"PUT", "/v1/a6/ndcs/{party}/years/{year}", PARTY_AUTHORITY, b_a6_year, NULL},
    {"GET", "/v1/a6/authorizations", PUBLIC, NULL, NULL},
    {"POST", "/v1/a6/authorizations", PARTY_AUTHORITY, b_a6_auth, NULL},
    {"GET", "/v1/a6/authorizations/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/a6/authorizations/{id}/revoke", PARTY_AUTHORITY, b_a6_revoke, NULL},
    {"POST", "/v1/a6/authorizations/{id}/amendments", PARTY_AUTHORITY, b_a6_amend, NULL},
    {"GET", "/v1/a6/authorizations/{id}/versions", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/authorizations/{id}/letter", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/authorizations/{id}/letter.pdf", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/itmos", BOOKS, NULL, NULL},
    {"POST", "/v1/a6/first-transfers", A6_MOVER, b_a6_ft, NULL},
    {"POST", "/v1/a6/uses", A6_MOVER, b_a6_use, NULL},
    {"POST", "/v1/a6/cancellations", A6_MOVER, b_a6_cancel, NULL},
    {"GET", "/v1/a6/balances/{party}", BOOKS, NULL, NULL},
    {"GET", "/v1/a6/aef/{party}", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/aef/{party}/checks", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/whatif/{party}", BOOKS, NULL, NULL},
    {"GET", "/v1/a6/corsia", PUBLIC, NULL, NULL},
    /* Issue 18 item 2: cooperative approaches (recorded by a participating
     * Party's authority) and the reports; the regular information is read
     * like the balances. */
    {"GET", "/v1/a6/approaches", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/approaches/{code}", PUBLIC, NULL, NULL},
    {"PUT", "/v1/a6/approaches/{code}", PARTY_AUTHORITY, b_a6_approach, NULL},
    {"GET", "/v1/a6/approaches/{code}/initial-report", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/annual-information/{party}/{year}", PUBLIC, NULL, NULL},
    {"GET", "/v1/a6/regular-information/{party}", BOOKS, NULL, NULL},
    /* Authorization requests (issue 18): a project participant (A, to whom
     * PROJECT's units were issued) asks; HOST's authority or admin decides
     * (a fresh request per decision); the list is filtered (a holder sees
     * its organisation's, an authority or reviewer its Party's). */
    {"POST", "/v1/a6/authorization-requests", PARTICIPANT, b_a6_request, NULL},
    {"GET", "/v1/a6/authorization-requests", REQUEST_LIST, NULL, NULL},
    {"GET", "/v1/a6/authorization-requests/{id}", REQUEST_READER, NULL, NULL},
    {"POST", "/v1/a6/authorization-requests/{id}/approve", PARTY_AUTHORITY, b_a6_revoke, NULL},
    {"POST", "/v1/a6/authorization-requests/{id}/reject", PARTY_AUTHORITY, b_a6_reject, NULL},
    {"GET", "/v1/nmas", PUBLIC, NULL, NULL},
    {"POST", "/v1/nmas", FOCAL_POINT, b_nma, NULL},
    {"GET", "/v1/nmas/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/nmas/{id}/steps", FOCAL_POINT, b_nma_step, NULL},
    /* Issue 20: programmes of activities, public comment, grievances and
     * appeals. Anyone comments (during the window) and lodges grievances. */
    {"POST", "/v1/poas", MECHADMIN_ONLY, b_poa, NULL},
    {"GET", "/v1/poas/{code}", PUBLIC, NULL, NULL},
    {"POST", "/v1/poas/{code}/components", PARTICIPANT, b_poa_component, NULL},
    {"POST", "/v1/poas/{code}/components/{id}/inclusion", VALIDATOR_ONLY, b_poa_inclusion, NULL},
    {"POST", "/v1/poas/{code}/steps", PARTICIPANT, b_poa_steps, NULL},
    {"GET", "/v1/activities/{id}/comments", PUBLIC, NULL, NULL},
    {"POST", "/v1/activities/{id}/comments", PUBLIC, b_comment, NULL},
    {"POST", "/v1/comments/{id}/hide", MECHADMIN_ONLY, b_comment_hide, NULL},
    {"POST", "/v1/comments/{id}/responses", COMMENT_RESPONDER, b_comment_response, NULL},
    {"POST", "/v1/grievances", PUBLIC, b_grievance, NULL},
    {"GET", "/v1/grievances/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/grievances/{id}/steps", MECHADMIN_ONLY, b_case_review, NULL},
    {"POST", "/v1/appeals", PARTICIPANT, b_appeal, NULL},
    {"GET", "/v1/appeals/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/appeals/{id}/steps", MECHADMIN_ONLY, b_case_review, NULL},
    {"POST", "/v1/nmas/{id}/consents", FOCAL_POINT, b_nma_consent, NULL},
    {"GET", "/v1/nmas/{id}/ranking", PUBLIC, NULL, NULL},
    {"GET", "/v1/support-offers", PUBLIC, NULL, NULL},
    {"POST", "/v1/support-offers", MOVER, b_offer, NULL},
    {"GET", "/v1/support-offers/{id}", PUBLIC, NULL, NULL},
    {"GET", "/v1/support-matches", PUBLIC, NULL, NULL},
    {"POST", "/v1/support-matches", MATCH_SIDES, b_match, NULL},
    {"GET", "/v1/support-matches/{id}", PUBLIC, NULL, NULL},
    {"POST", "/v1/support-matches/{id}/steps", MATCH_SIDES, b_match_step, NULL},
    {"GET", "/v1/nma-totals", PUBLIC, NULL, NULL},
    /* The adaptation marketplace: sellers and funders are holders on their
     * own accounts (A's here) or admin; purchases, with their payments, are
     * read like transactions. */
    {"GET", "/v1/adaptation-marketplace", PUBLIC, NULL, NULL},
    {"POST", "/v1/adaptation-marketplace/listings", MOVER, b_listing, NULL},
    {"GET", "/v1/adaptation-marketplace/purchases", READER_LIST, NULL, "id"},
    {"POST", "/v1/adaptation-marketplace/purchases", MOVER, b_purchase, NULL},
    {"GET", "/v1/ets/jurisdictions", PUBLIC, NULL, NULL},
    {"GET", "/v1/ets/schemes", PUBLIC, NULL, NULL},
    {"PUT", "/v1/ets/schemes/{code}", SCHEME_REGULATOR, b_ets_scheme, NULL},
    {"GET", "/v1/ets/schemes/{code}/entities", PUBLIC, NULL, NULL},
    {"PUT", "/v1/ets/schemes/{code}/entities/{id}", SCHEME_REGULATOR, b_ets_entity, NULL},
    {"GET", "/v1/ets/schemes/{code}/report", PUBLIC, NULL, NULL},
    {"POST", "/v1/ets/schemes/{code}/verifiers", SCHEME_REGULATOR, b_ets_verifier, NULL},
    {"GET", "/v1/ets/projects/{id}", PUBLIC, NULL, NULL},
    {"PUT", "/v1/ets/projects/{id}", PARTY_AUTHORITY, b_ets_project, NULL},
    {"GET", "/v1/ets/emissions", PUBLIC, NULL, NULL},
    {"PUT", "/v1/ets/emissions", ETS_VERIFIER, b_ets_emissions, NULL},
    {"POST", "/v1/ets/emissions/confirm", SCHEME_REGULATOR, b_ets_confirm, NULL},
    {"POST", "/v1/ets/emissions/corrections", SCHEME_REGULATOR, b_ets_correction, NULL},
    {"PUT", "/v1/ets/allocations", SCHEME_REGULATOR, b_ets_allocation, NULL},
    {"POST", "/v1/ets/allocations", SCHEME_REGULATOR, b_ets_allocate, NULL},
    {"POST", "/v1/ets/surrenders", ETS_MOVER, b_ets_surrender, NULL},
    {"POST", "/v1/ets/surrenders/dry-run", ETS_MOVER, b_ets_dry_run, NULL},
    /* The exchange: the operator (admin) lists instruments and moves cash;
     * members (holders) trade from their own accounts (PARTICIPANT: the
     * body's account is A's); an order is cancelled by its owner or admin;
     * cash and orders are read like accounts; market data is public. */
    {"GET", "/v1/exchange/instruments", PUBLIC, NULL, NULL},
    {"POST", "/v1/exchange/instruments", ADMIN_ONLY, b_ex_instrument, NULL},
    {"POST", "/v1/exchange/instruments/{code}/status", ADMIN_ONLY, b_ex_status, NULL},
    {"POST", "/v1/exchange/instruments/{code}/auction", ADMIN_ONLY, b_ex_auction, NULL},
    {"GET", "/v1/exchange/instruments/{code}/depth", PUBLIC, NULL, NULL},
    {"GET", "/v1/exchange/instruments/{code}/trades", PUBLIC, NULL, NULL},
    {"GET", "/v1/exchange/instruments/{code}/bars", PUBLIC, NULL, NULL},
    {"GET", "/v1/exchange/instruments/{code}/close", PUBLIC, NULL, NULL},
    {"GET", "/v1/exchange/benefit-sharing", PUBLIC, NULL, NULL},
    {"POST", "/v1/exchange/deposits", ADMIN_ONLY, b_ex_cash, NULL},
    {"POST", "/v1/exchange/withdrawals", ADMIN_ONLY, b_ex_cash, NULL},
    {"GET", "/v1/exchange/cash", READER_LIST, NULL, "org"},
    {"GET", "/v1/exchange/orders", READER_LIST, NULL, "id"},
    {"GET", "/v1/exchange/stream", PUBLIC, NULL, NULL},
    {"POST", "/v1/exchange/orders", PARTICIPANT, b_ex_order, NULL},
    {"POST", "/v1/exchange/orders/{id}/cancel", MOVER, b_ex_empty, NULL},
    {"POST", "/v1/exchange/orders/{id}/replace", PARTICIPANT, b_ex_replace, NULL},
    /* Block quotes: A quotes to B; only B (the counterparty) accepts (the
     * path's quote is B's, to A, and A -- the owner column -- accepts). */
    {"POST", "/v1/exchange/quotes", PARTICIPANT, b_ex_quote, NULL},
    {"POST", "/v1/exchange/quotes/{id}/accept", PARTICIPANT, b_ex_accept, NULL},
    /* Integrity labels (crit): the definitions and a batch's labels are
     * public like issuances; only the operator (admin) labels a batch. */
    {"GET", "/v1/labels", PUBLIC, NULL, NULL},
    {"GET", "/v1/issuances/{id}/labels", PUBLIC, NULL, NULL},
    {"POST", "/v1/issuances/{id}/labels", ADMIN_ONLY, b_batch_label, NULL},
    /* Open data (issue 17): the public CSV files and the totals, for anyone. */
    {"GET", "/v1/public/projects.csv", PUBLIC, NULL, NULL},
    {"GET", "/v1/public/issuances.csv", PUBLIC, NULL, NULL},
    {"GET", "/v1/public/retirements.csv", PUBLIC, NULL, NULL},
    {"GET", "/v1/public/trades.csv", PUBLIC, NULL, NULL},
    {"GET", "/v1/public/sd-indicators.csv", PUBLIC, NULL, NULL}, /* issue 20 */
    {"GET", "/v1/public/safeguards.csv", PUBLIC, NULL, NULL},    /* issue 20 */
    {"GET", "/v1/stats", PUBLIC, NULL, NULL},
    {"GET", "/v1/cadt/projects", PUBLIC, NULL, NULL},
    {"GET", "/v1/cadt/units", PUBLIC, NULL, NULL},
};

static const role_rule *rule_for(const char *method, const char *pattern) {
  for (size_t i = 0; i < COUNT(rules); i++)
    if (strcmp(rules[i].method, method) == 0 && strcmp(rules[i].pattern, pattern) == 0) return &rules[i];
  return NULL;
}

/* The Article 6 routes' paths: HOST's books, year 2025, R.a6_auth; a
 * revocation gets a fresh authorization each time (one revokes once). */
static void fill_a6(const char *pattern, char *out, size_t cap) {
  char buf[256] = "";
  size_t n = 0;
  for (const char *p = pattern; *p && n < sizeof buf - 32;) {
    if (strncmp(p, "{party}", 7) == 0) {
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", HOST);
      p += 7;
    } else if (strncmp(p, "{code}", 6) == 0) {
      n += (size_t)snprintf(buf + n, sizeof buf - n, "CA0043");
      p += 6;
    } else if (strncmp(p, "{year}", 6) == 0) {
      n += (size_t)snprintf(buf + n, sizeof buf - n, "2025");
      p += 6;
    } else if (strncmp(p, "{id}", 4) == 0) {
      int64_t id = R.a6_auth;
      if (strstr(pattern, "/authorization-requests/")) {
        id = R.a6_req;
        if (strstr(pattern, "/approve") || strstr(pattern, "/reject")) { /* a fresh pending request */
          json_t *r = post_ok("/v1/a6/authorization-requests", W.tok_a, b_a6_request());
          id = tl_jint(r, "id");
          json_decref(r);
        }
      } else if (strstr(pattern, "/revoke")) {
        json_t *r = post_ok("/v1/a6/authorizations", S->admin, b_a6_auth());
        id = tl_jint(r, "id");
        json_decref(r);
      }
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%lld", (long long)id);
      p += 4;
    } else {
      buf[n++] = *p++;
    }
  }
  buf[n] = '\0';
  snprintf(out, cap, "%s%s", buf, strncmp(pattern, "/v1/a6/aef/", 11) == 0 ? "?year=2025" : "");
}

/* Fills a route pattern's parameter with a real id of organisation A. */
static void fill_path(const char *method, const char *pattern, char *out, size_t cap) {
  char val[200] = "";
  if (strncmp(pattern, "/v1/a6/", 7) == 0) {
    fill_a6(pattern, out, cap);
    return;
  }
  if (strncmp(pattern, "/v1/ets/", 8) == 0) { /* scheme RT-ETS, entity A, project PROJECT, year 2025 */
    const char *p = strcmp(pattern, "/v1/ets/projects/{id}") == 0                  ? "/v1/ets/projects/" PROJECT
                    : strcmp(pattern, "/v1/ets/schemes/{code}") == 0               ? "/v1/ets/schemes/RT-ETS"
                    : strcmp(pattern, "/v1/ets/schemes/{code}/entities") == 0      ? "/v1/ets/schemes/RT-ETS/entities"
                    : strcmp(pattern, "/v1/ets/schemes/{code}/entities/{id}") == 0 ? "/v1/ets/schemes/RT-ETS/entities/A"
                    : strcmp(pattern, "/v1/ets/schemes/{code}/report") == 0 ? "/v1/ets/schemes/RT-ETS/report?year=2025"
                    : strcmp(pattern, "/v1/ets/schemes/{code}/verifiers") == 0 ? "/v1/ets/schemes/RT-ETS/verifiers"
                    : strcmp(pattern, "/v1/ets/emissions") == 0 && strcmp(method, "GET") == 0
                        ? "/v1/ets/emissions?scheme=RT-ETS&entity=A&year=2098"
                        : pattern;
    snprintf(out, cap, "%s", p);
    return;
  }
  if (strncmp(pattern, "/v1/exchange/instruments/{code}", 31) == 0) {
    snprintf(out, cap, "/v1/exchange/instruments/%s%s", strstr(pattern, "/auction") ? "EX.AUC" : "EX.ROLE", pattern + 31);
    return;
  }
  if (strcmp(pattern, "/v1/exchange/quotes/{id}/accept") == 0) {
    /* A fresh quote of B to A for each request: B buys 1 t, A sells. */
    json_t *r = post_ok("/v1/exchange/quotes", W.tok_b,
                        json_pack("{s:s, s:I, s:s, s:i, s:i, s:I}", "instrument", "EX.BLK", "account", (json_int_t)R.acc_b,
                                  "side", "buy", "price", 100, "qty", 1, "counterparty", (json_int_t)W.org_a));
    snprintf(out, cap, "/v1/exchange/quotes/%lld/accept", (long long)tl_jint(r, "id"));
    json_decref(r);
    return;
  }
  if (strncmp(pattern, "/v1/exchange/orders/{id}", 24) == 0) {
    /* A fresh open order of A for each request: a cancel closes it. */
    json_t *r = post_ok("/v1/exchange/orders", W.tok_a, b_ex_order());
    snprintf(out, cap, "/v1/exchange/orders/%lld%s", (long long)tl_jint(r, "id"), pattern + 24);
    json_decref(r);
    return;
  }
  if (strcmp(pattern, "/v1/link/peers/{code}") == 0) {
    snprintf(out, cap, "/v1/link/peers/GHA02");
    return;
  }
  if (strcmp(pattern, "/v1/link/transfers/{id}") == 0) {
    snprintf(out, cap, "/v1/link/transfers/%s", R.link_xfer);
    return;
  }
  if (strcmp(pattern, "/v1/registries/{code}/approval-policy") == 0) {
    snprintf(out, cap, "/v1/registries/CHE01/approval-policy");
    return;
  }
  if (strncmp(pattern, "/v1/proposals/{id}/", 19) == 0) { /* a fresh pending proposal per decision */
    snprintf(out, cap, "/v1/proposals/%lld/%s", (long long)mk_proposal(), pattern + 19);
    return;
  }
  if (strcmp(pattern, "/v1/poas/{code}/components/{id}/inclusion") == 0) { /* a fresh proposed component */
    json_t *c = b_poa_component();
    snprintf(out, cap, "/v1/poas/POA.ROLE/components/%s/inclusion", tl_jstr(c, "id"));
    json_decref(post_ok("/v1/poas/POA.ROLE/components", W.tok_a, c));
    return;
  }
  if (strncmp(pattern, "/v1/poas/{code}", 15) == 0) {
    snprintf(out, cap, "/v1/poas/POA.ROLE%s", pattern + 15);
    return;
  }
  if (strncmp(pattern, "/v1/comments/{id}", 17) == 0) {
    snprintf(out, cap, "/v1/comments/%lld%s", (long long)R.comment, pattern + 17);
    return;
  }
  if (strncmp(pattern, "/v1/grievances/{id}", 19) == 0 || strncmp(pattern, "/v1/appeals/{id}", 16) == 0) {
    bool g = pattern[4] == 'g';
    const char *rest = pattern + (g ? 19 : 16);
    int64_t id = rest[0] ? mk_case(g ? "grievance" : "appeal") : g ? R.grievance : R.appeal; /* a fresh one per review */
    snprintf(out, cap, "/v1/%s/%lld%s", g ? "grievances" : "appeals", (long long)id, rest);
    return;
  }
  if (strcmp(pattern, "/v1/proposals/{id}") == 0) {
    snprintf(out, cap, "/v1/proposals/%lld", (long long)R.proposal);
    return;
  }
  if (strncmp(pattern, "/v1/accounts/{id}/trusted", 25) == 0) {
    /* Adding finds B's account off A's list, removing finds it on. */
    char list[128], one[160];
    snprintf(list, sizeof list, "/v1/accounts/%lld/trusted", (long long)R.acc);
    snprintf(one, sizeof one, "%s/%lld", list, (long long)R.acc_b);
    if (strcmp(method, "POST") == 0) {
      tl_resp x = tl_http_req(S, "DELETE", one, S->admin, "{}", NULL);
      tl_resp_free(&x);
    } else if (strcmp(method, "DELETE") == 0) {
      tl_resp x = tl_http_reqj(S, "POST", list, S->admin, b_trusted(), NULL);
      tl_resp_free(&x);
    }
    snprintf(out, cap, "%s", strcmp(method, "DELETE") == 0 ? one : list);
    return;
  }
  const char *open = strchr(pattern, '{');
  if (open == NULL) {
    /* Routes whose required query parameters name a leaf or tree size. */
    const char *query = strcmp(pattern, "/v1/log/proof/inclusion") == 0     ? "?index=0"
                        : strcmp(pattern, "/v1/log/proof/consistency") == 0 ? "?first=1"
                        : strcmp(pattern, "/v1/log/entries") == 0           ? "?start=0&end=3"
                        : strcmp(pattern, "/v1/exchange/stream") == 0       ? "?instrument=EX.ROLE&limit=1"
                                                                             : "";
    snprintf(out, cap, "%s%s", pattern, query);
    return;
  }
  if (strcmp(pattern, "/v1/tokens/{id}/revoke") == 0) { /* a fresh holder token of A per request */
    json_t *r = post_ok("/v1/tokens", S->admin, json_pack("{s:s, s:I, s:s}", "role", "holder", "organisation",
                                                          (json_int_t)W.org_a, "label", "to revoke"));
    snprintf(val, sizeof val, "%lld", (long long)tl_jint(r, "id"));
    json_decref(r);
  } else if (strcmp(pattern, "/v1/issuances/{id}/labels") == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.ets_batch);
  else if (strncmp(pattern, "/v1/retirements/", 16) == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.ret);
  else if (strncmp(pattern, "/v1/users/", 10) == 0) {
    static int64_t user; /* one user, set active again and again */
    if (user == 0) {
      json_t *u = post_ok("/v1/users", S->admin, b_user());
      user = tl_jint(u, "id");
      json_decref(u);
    }
    snprintf(val, sizeof val, "%lld", (long long)user);
  } else if (strncmp(pattern, "/v1/accounts/", 13) == 0)
    snprintf(val, sizeof val, "%lld", (long long)(strcmp(method, "PATCH") == 0 ? R.acc_patch : R.acc));
  else if (strncmp(pattern, "/v1/transactions/", 17) == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.tx);
  else if (strncmp(pattern, "/v1/projects/", 13) == 0)
    snprintf(val, sizeof val, "%s", PROJECT);
  else if (strncmp(pattern, "/v1/serials/", 12) == 0)
    snprintf(val, sizeof val, "%s", R.serial);
  else if (strncmp(pattern, "/v1/mechanisms/", 15) == 0)
    snprintf(val, sizeof val, "PACM");
  else if (strcmp(pattern, "/v1/fees/{party}") == 0 || strcmp(pattern, "/v1/benefit-sharing/{party}") == 0)
    snprintf(val, sizeof val, "%s", HOST);
  else if (strncmp(pattern, "/v1/documents/", 14) == 0)
    snprintf(val, sizeof val, "%s", R.cyc.doc);
  else if (strcmp(pattern, "/v1/activities/{id}/commitments") == 0)
    snprintf(val, sizeof val, "%s", R.abm); /* B's registered ABM activity */
  else if (strcmp(pattern, "/v1/activities/{id}") == 0 || strcmp(pattern, "/v1/activities/{id}/steps") == 0)
    snprintf(val, sizeof val, "%s", R.cyc.sub); /* submitted: the validator validates it */
  else if (strncmp(pattern, "/v1/activities/", 15) == 0)
    snprintf(val, sizeof val, "%s", R.cyc.reg); /* registered, period R.cyc.period reported */
  else if (strcmp(pattern, "/v1/nmas/{id}/steps") == 0 || strcmp(pattern, "/v1/nmas/{id}/consents") == 0)
    snprintf(val, sizeof val, "%lld", (long long)nma_draft()); /* a fresh draft per request */
  else if (strncmp(pattern, "/v1/nmas/", 9) == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.nma);
  else if (strncmp(pattern, "/v1/support-offers/", 19) == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.offer);
  else if (strcmp(pattern, "/v1/support-matches/{id}/steps") == 0)
    snprintf(val, sizeof val, "%lld", (long long)nma_match()); /* a fresh match per request */
  else if (strncmp(pattern, "/v1/support-matches/", 20) == 0)
    snprintf(val, sizeof val, "%lld", (long long)R.match);
  else
    fail_msg("no value for the parameter of %s %s: extend fill_path", method, pattern);
  const char *close = strchr(open, '}');
  char rest[256];
  snprintf(rest, sizeof rest, "%s", close + 1);
  char *second = strstr(rest, "{period}"); /* the one route with two parameters */
  if (second) {
    char tail[256];
    snprintf(tail, sizeof tail, "%s", second + 8);
    bool data = strstr(pattern, "/data") != NULL; /* readings go to the next period to be reported */
    if (data) R.data_period = next_period_of(R.cyc.reg);
    snprintf(second, sizeof rest - (size_t)(second - rest), "%d%s", data ? R.data_period : R.cyc.period, tail);
  }
  char full[1024];
  int len = snprintf(full, sizeof full, "%.*s%s%s", (int)(open - pattern), pattern, val, rest);
  if (len < 0 || (size_t)len >= cap) fail_msg("path of %s %s is too long", method, pattern);
  memcpy(out, full, (size_t)len + 1);
}

/* The id organisation A's item has in a list route's reply. */
static int64_t owned_item(const char *pattern) {
  if (strcmp(pattern, "/v1/organisations") == 0) return W.org_a;
  if (strcmp(pattern, "/v1/accounts") == 0) return R.acc;
  if (strcmp(pattern, "/v1/transactions") == 0) return R.tx;
  if (strcmp(pattern, "/v1/adaptation-marketplace/purchases") == 0) return R.purchase;
  if (strcmp(pattern, "/v1/exchange/cash") == 0) return W.org_a;
  if (strcmp(pattern, "/v1/exchange/orders") == 0) return R.ex_order;
  if (strcmp(pattern, "/v1/proposals") == 0) return R.proposal;
  if (strcmp(pattern, "/v1/tokens") == 0) { /* A's token: the one it lists as its own */
    json_t *l = get_ok(W.tok_a, "/v1/tokens");
    int64_t id = json_array_size(json_object_get(l, "items")) == 1 ? tl_jint(json_array_get(json_object_get(l, "items"), 0), "id") : 0;
    json_decref(l);
    return id;
  }
  fail_msg("no owned item for %s", pattern);
  return 0;
}

/* Every route x every role. Roles that must fail go first, so the request
 * that succeeds (admin last) is the only one that changes anything. */
static void test_role_matrix(void **state) {
  (void)state;
  const l6_route_info *routes;
  size_t n = http_routes(&routes);
  assert_true(n > 0);
  /* Every route has a rule, and every rule a route. */
  int missing = 0;
  for (size_t i = 0; i < n; i++)
    if (rule_for(routes[i].method, routes[i].pattern) == NULL) {
      print_error("route %s %s is not in the role table\n", routes[i].method, routes[i].pattern);
      missing++;
    }
  for (size_t k = 0; k < COUNT(rules); k++) {
    bool found = false;
    for (size_t i = 0; i < n; i++)
      found |= strcmp(routes[i].method, rules[k].method) == 0 && strcmp(routes[i].pattern, rules[k].pattern) == 0;
    if (!found) {
      print_error("role table names %s %s, which the server does not route\n", rules[k].method, rules[k].pattern);
      missing++;
    }
  }
  assert_int_equal(missing, 0);

  /* Every row names every column (a want-set with a column left out would
   * zero-fill it): own and another's registry, scheme, Party and
   * organisation are checked for every route. */
  for (size_t k = 0; k < COUNT(rules); k++)
    for (size_t c = 0; c < NROLES; c++)
      if (rules[k].want[c] < OK || rules[k].want[c] > HIDDEN) {
        print_error("role table: %s %s has no expectation for the %s column\n", rules[k].method, rules[k].pattern,
                    role_names[c]);
        missing++;
      }
  assert_int_equal(missing, 0);

  static const int base_order[NROLES] = {BADTOK,    ANON,      REVIEWER,  AUDITOR, OTHER, VAL_NA,
                                         VALIDATOR, AUTHORITY, REGULATOR, MECHADMIN, OWNER, ADMIN};
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    const role_rule *rule = rule_for(routes[i].method, routes[i].pattern);
    /* Refusals first, successes last, whichever roles succeed. */
    int order[NROLES], no = 0;
    for (int pass = 0; pass < 2; pass++)
      for (size_t k = 0; k < NROLES; k++)
        if ((rule->want[base_order[k]] == OK) == (pass == 1)) order[no++] = base_order[k];
    char path[256];
    bool is_get = strcmp(rule->method, "GET") == 0;
    if (!is_get && rule->body == NULL) fail_msg("%s %s needs a body in the role table", rule->method, rule->pattern);
    for (size_t k = 0; k < NROLES; k++) {
      int role = order[k], want = rule->want[role];
      fill_path(rule->method, rule->pattern, path, sizeof path); /* per request: a revocation needs a fresh letter */
      tl_resp r = tl_http_reqj(S, rule->method, path, R.tok[role], rule->body ? rule->body() : NULL, NULL);
      bool creates = strcmp(rule->method, "POST") == 0 && !strstr(rule->pattern, "/dry-run") && /* a dry run creates nothing */
                     strcmp(rule->pattern, "/v1/link/inbox") != 0; /* a peer's message is answered, 200 */
      bool queued = strcmp(rule->pattern, "/v1/link/transfers") == 0 && strcmp(rule->method, "POST") == 0; /* 202 */
      long want_status = want == OK       ? (queued ? 202 : creates ? 201 : 200)
                         : want == HIDDEN ? 200
                         : want == E401   ? 401
                                          : 403;
      const char *want_code = want == E401 ? "unauthorized" : want == E403 ? "forbidden" : NULL;
      const char *got_code = tl_jstr(json_object_get(r.body, "error"), "code");
      bool ok = r.status == want_status && (want_code == NULL || (got_code && strcmp(got_code, want_code) == 0));
      /* 403 has narrower codes that say which authorization is missing */
      if (!ok && want == E403 && r.status == 403 && got_code)
        ok = strcmp(got_code, "not_accredited") == 0 || strcmp(got_code, "not_focal_point") == 0 ||
             strcmp(got_code, "not_host_authority") == 0 || strcmp(got_code, "not_project_participant") == 0 ||
             strcmp(got_code, "not_approach_party") == 0;
      if (ok && rule->hidden_key && (want == OK || want == HIDDEN)) {
        /* Lists: the owner, admin and auditor see A's item; the other
         * holder gets a list without it. */
        bool has = list_has(r.body, rule->hidden_key, owned_item(rule->pattern));
        if (has != (want == OK)) {
          print_error("%s %s as %s: A's item %s the list\n", rule->method, path, role_names[role],
                      has ? "is in" : "is missing from");
          ok = false;
        }
      }
      if (!ok) {
        print_error("%s %s as %s: want %ld %s, got %ld %.300s\n", rule->method, path, role_names[role], want_status,
                    want_code ? want_code : "", r.status, r.raw);
        bad++;
      }
      tl_resp_free(&r);
    }
  }
  assert_int_equal(bad, 0);
}

/* Links (issue 19): the table's transfer to GHA02 (unreachable) stays
 * pending, retried; past the deadline it is reported stuck, never dropped.
 * The link accounts move units only through links. */
static void test_link_stuck(void **state) {
  (void)state;
  tl_resp r = tl_http_req(S, "PUT", "/v1/link/settings", S->admin, "{\"registry\":\"CHE01\",\"deadline_seconds\":1}", NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  bool stuck = false;
  for (int i = 0; i < 60 && !stuck; i++) {
    struct timespec t = {0, 100 * 1000000L};
    nanosleep(&t, NULL);
    json_t *b = get_ok(S->admin, "/v1/link/transfers?state=stuck");
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(b, "items"), k, x) {
      if (strcmp(tl_jstr(x, "id"), R.link_xfer) == 0 && tl_jint(x, "tries") > 0) {
        stuck = true;
        assert_true(json_is_true(json_object_get(x, "stuck")));
        assert_string_equal(tl_jstr(x, "state"), "pending");
        assert_non_null(tl_jstr(x, "last_error"));
      }
    }
    json_decref(b);
  }
  assert_true(stuck);
  /* Still there, still pending: nothing dropped it. */
  char path[96];
  snprintf(path, sizeof path, "/v1/link/transfers/%s", R.link_xfer);
  json_t *one = get_ok(S->admin, "%s", path);
  assert_string_equal(tl_jstr(one, "state"), "pending");
  json_decref(one);
  r = tl_http_req(S, "GET", "/v1/link/transfers?state=lost", S->admin, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  /* A plain transfer out of the escrow (which holds the table's units) is refused. */
  json_t *accs = get_ok(S->admin, "/v1/accounts?limit=500");
  int64_t escrow = 0;
  size_t k;
  json_t *a;
  json_array_foreach(json_object_get(accs, "items"), k, a) {
    if (strcmp(tl_jstr(a, "type"), "link-escrow") == 0) escrow = tl_jint(a, "id");
  }
  json_decref(accs);
  assert_true(escrow > 0);
  r = tl_http_reqj(S, "POST", "/v1/transfers", S->admin, xfer_body(escrow, R.acc2, 1), NULL);
  assert_error(&r, 422, "link_account");
  tl_resp_free(&r);
}

/* Holders see every transaction that touches their organisation in lists,
 * and nothing else; the other holder's filtered list is empty of A's. */
static void test_role_lists_filtered(void **state) {
  (void)state;
  json_t *b = get_ok(W.tok_b, "/v1/transactions?limit=500");
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(b, "items"), i, t) {
    assert_int_not_equal(tl_jint(t, "from_account"), R.acc);
    assert_int_not_equal(tl_jint(t, "to_account"), R.acc);
  }
  json_decref(b);
  b = get_ok(W.tok_a, "/v1/transactions?limit=500");
  assert_true(list_has(b, "id", R.tx));
  json_decref(b);
  /* Filtering explicitly by another organisation's account is refused. */
  tl_resp r = get(W.tok_b, "/v1/transactions?account=%lld", (long long)R.acc);
  assert_error(&r, 403, "forbidden");
  tl_resp_free(&r);
  b = get_ok(W.tok_b, "/v1/accounts");
  assert_true(list_has(b, "id", R.acc_b));
  assert_false(list_has(b, "id", R.acc));
  json_decref(b);
}

/* Retirements are public: whoever asks, with whatever role, sees at least
 * what the anonymous public sees.
 * SRC BUG: svc_tx_list applies the holder's organisation filter to
 * GET /v1/retirements too, so holder B sees fewer retirements than the
 * anonymous public (none of A's). */
static void test_role_retirements_public(void **state) {
  (void)state;
  json_t *pub = get_ok(NULL, "/v1/retirements?limit=500");
  size_t npub = json_array_size(json_object_get(pub, "items"));
  assert_true(npub > 0); /* the role matrix retired units of A */
  const int roles[] = {ADMIN, AUDITOR, OWNER, OTHER};
  int hidden = 0;
  for (size_t k = 0; k < COUNT(roles); k++) {
    json_t *b = get_ok(R.tok[roles[k]], "/v1/retirements?limit=500");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(pub, "items"), i, t) {
      if (list_has(b, "id", tl_jint(t, "id"))) continue;
      print_error("GET /v1/retirements as %s hides public retirement %lld\n", role_names[roles[k]],
                  (long long)tl_jint(t, "id"));
      hidden++;
    }
    json_decref(b);
  }
  json_decref(pub);
  assert_int_equal(hidden, 0);
}

/* ====================================================================== */
/* api_concurrency                                                         */
/* ====================================================================== */

#define NTHREADS 32
#define SOURCE_UNITS 1000
#define MAX_REQ_PER_THREAD 400 /* bound: 32 x 400, never reached (see below) */

static struct {
  int64_t src;
  int64_t dst[NTHREADS];
  int64_t batch[4], qty[4];
  int vintage[4], nbatch;
  int64_t last_tx; /* highest transfer out of src already counted */
  pthread_barrier_t start;
} C;

typedef struct {
  int idx;
  const tl_srv *srv; /* the server this client talks to */
  const char *token; /* an admin token of that store */
  int64_t qty;   /* asked per request */
  int64_t moved; /* sum of the 201 replies' quantities */
  int requests, oks;
  int bad; /* replies other than 201 and 409 insufficient_holdings */
  char bad_text[1024];
} worker;

/* Quantities per round, eight threads each. Round 0 is the brief's mix
 * (1,000, 100, 7) plus 1s; round 1 leaves out the 1,000 so many small
 * transfers contend. The 1s guarantee the source drains to exactly 0, and
 * bound the requests: at most 1,000 successes plus one 409 per thread. */
static const int64_t round_qty[2][4] = {{1000, 100, 7, 1}, {100, 13, 7, 1}};
static int round_no;

static int64_t worker_qty(int i) { return round_qty[round_no][i % 4]; }

static void *worker_main(void *arg) {
  worker *w = arg;
  char body[200];
  snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":%lld}",
           (long long)C.src, (long long)C.dst[w->idx], (long long)w->qty);
  pthread_barrier_wait(&C.start);
  while (w->requests < MAX_REQ_PER_THREAD) {
    tl_resp r = tl_http_req(w->srv, "POST", "/v1/transfers", w->token, body, NULL);
    w->requests++;
    const char *code = tl_jstr(json_object_get(r.body, "error"), "code");
    if (r.status == 201 && tl_jint(r.body, "quantity") == w->qty) {
      w->moved += w->qty;
      w->oks++;
      tl_resp_free(&r);
      continue;
    }
    if (!(r.status == 409 && code && strcmp(code, "insufficient_holdings") == 0)) {
      w->bad++;
      snprintf(w->bad_text, sizeof w->bad_text, "%ld %s %.300s", r.status, r.err, r.raw);
    }
    tl_resp_free(&r);
    break;
  }
  tl_http_thread_done();
  return NULL;
}

static int conc_setup(void **state) {
  (void)state;
  memset(&C, 0, sizeof C);
  if (world_setup("api-conc") != 0) return -1;
  C.src = tl_mk_account(S, "CHE01", W.org_a, "holding", "A pool");
  for (int i = 0; i < NTHREADS; i++) {
    char name[32];
    snprintf(name, sizeof name, "B sink %d", i);
    C.dst[i] = tl_mk_account(S, "CHE01", W.org_b, "holding", name);
  }
  return 0;
}

/* The blocks holding a batch, read through GET /v1/serials in block form,
 * partition it exactly; returns units held per account in counts[]. */
static void assert_batch_partition(int64_t batch, int vintage, int64_t qty) {
  char serial[160];
  serial_of(serial, sizeof serial, vintage, batch, 1, qty);
  json_t *b = get_ok(S->admin, "/v1/serials/%s", serial);
  int64_t next = 1;
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(b, "held_by"), i, h) {
    assert_int_equal(tl_jint(h, "first"), next);
    assert_true(tl_jint(h, "last") >= tl_jint(h, "first"));
    next = tl_jint(h, "last") + 1;
  }
  assert_int_equal(next, qty + 1);
  json_decref(b);
}

/* One round: 32 clients drain the source; with `second`, the odd-numbered
 * clients send their requests to that other server process. */
static void drain_round(const tl_srv *second) {
  assert_int_equal(tl_holdings_total(S, C.src), SOURCE_UNITS);
  int64_t before[NTHREADS];
  for (int i = 0; i < NTHREADS; i++) before[i] = tl_holdings_total(S, C.dst[i]);
  worker w[NTHREADS];
  pthread_t th[NTHREADS];
  pthread_barrier_init(&C.start, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++) {
    const tl_srv *to = second && i % 2 ? second : S;
    w[i] = (worker){.idx = i, .srv = to, .token = to->admin, .qty = worker_qty(i)};
    assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
  }
  for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&C.start);
  int64_t moved = 0;
  int requests = 0, bad = 0;
  for (int i = 0; i < NTHREADS; i++) {
    moved += w[i].moved;
    requests += w[i].requests;
    if (w[i].bad) print_error("thread %d (qty %lld): unexpected reply %s\n", i, (long long)w[i].qty, w[i].bad_text);
    bad += w[i].bad;
    assert_true(w[i].requests < MAX_REQ_PER_THREAD); /* every thread ended on a refusal */
  }
  print_message("concurrency round %d (%s): %d requests, %lld units moved\n", round_no,
                second ? "two servers" : "one server", requests, (long long)moved);
  assert_int_equal(bad, 0);
  assert_int_equal(moved, SOURCE_UNITS);
  assert_true(requests <= SOURCE_UNITS + NTHREADS);
  assert_int_equal(tl_holdings_total(S, C.src), 0);
  int64_t sum = 0;
  for (int i = 0; i < NTHREADS; i++) {
    int64_t t = tl_holdings_total(S, C.dst[i]) - before[i];
    assert_int_equal(t, w[i].moved);
    sum += t;
  }
  assert_int_equal(sum, SOURCE_UNITS);
  /* The ledger lists one transfer per success out of the source (the
   * issuances' forwards into it are transfers too, but to it). */
  char query[64];
  snprintf(query, sizeof query, "account=%lld&kind=transfer", (long long)C.src);
  json_t *list = all_pages(S->admin, "/v1/transactions", query);
  int oks = 0;
  for (int i = 0; i < NTHREADS; i++) oks += w[i].oks;
  int64_t listed = 0, nout = 0;
  size_t i;
  json_t *t;
  json_array_foreach(list, i, t) {
    if (tl_jint(t, "from_account") != C.src || tl_jint(t, "id") <= C.last_tx) continue;
    listed += tl_jint(t, "quantity");
    nout++;
    C.last_tx = tl_jint(t, "id");
  }
  assert_int_equal(listed, SOURCE_UNITS);
  assert_int_equal(nout, oks);
  json_decref(list);
  for (int b = 0; b < C.nbatch; b++) assert_batch_partition(C.batch[b], C.vintage[b], C.qty[b]);
}

/* Fills the source with 1,000 units in two batches (so picks cross a
 * batch boundary). */
static void fill_source(int vintage_a, int64_t qty_a, int vintage_b) {
  int v[2] = {vintage_a, vintage_b};
  int64_t q[2] = {qty_a, SOURCE_UNITS - qty_a};
  for (int k = 0; k < 2; k++) {
    json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", v[k], q[k], C.src);
    assert_true(C.nbatch < (int)COUNT(C.batch));
    C.batch[C.nbatch] = tl_batch_of(r);
    C.vintage[C.nbatch] = v[k];
    C.qty[C.nbatch] = q[k];
    C.nbatch++;
    json_decref(r);
  }
}

static void test_concurrent_drain(void **state) {
  (void)state;
  round_no = 0;
  fill_source(2021, 600, 2022);
  drain_round(NULL);
  round_no = 1;
  fill_source(2024, 250, 2019);
  drain_round(NULL);
  /* Offline invariant check on the stopped server's database. */
  assert_int_equal(tl_srv_stop(S), 0);
  char out[512];
  int rc = tl_run_cli(S, out, sizeof out, "check", (char *)NULL);
  if (rc != 0) print_error("ledger6 check: exit %d: %s\n", rc, out);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "ok"));
}

/* ====================================================================== */
/* api_two_servers                                                         */
/* ====================================================================== */

static tl_srv P; /* the second server process, on S's store */

static int two_setup(void **state) {
  if (conc_setup(state) != 0) return -1;
  memset(&P, 0, sizeof P);
  return tl_srv_start_peer(&P, S, "api-two");
}

static int two_teardown(void **state) {
  int rc = P.pid ? tl_srv_stop(&P) : 0;
  tl_srv_free(&P);
  return group_teardown(state) == 0 && rc == 0 ? 0 : -1;
}

/* The drain of api_concurrency, half of the clients on each of two
 * server processes sharing one store: their transactions exclude each
 * other through the store (PostgreSQL: the advisory lock), so exactly
 * 1,000 units move and every other request is refused. Then both servers
 * must show the same holdings, and the offline check must pass. */
static void test_concurrent_drain_two_servers(void **state) {
  (void)state;
  round_no = 0;
  fill_source(2021, 600, 2022);
  drain_round(&P);
  round_no = 1;
  fill_source(2024, 250, 2019);
  drain_round(&P);
  char *h1 = tl_holdings(S, C.src), *h2 = tl_holdings(&P, C.src);
  assert_string_equal(h1, h2);
  free(h1);
  free(h2);
  for (int i = 0; i < NTHREADS; i++) {
    h1 = tl_holdings(S, C.dst[i]);
    h2 = tl_holdings(&P, C.dst[i]);
    assert_string_equal(h1, h2);
    free(h1);
    free(h2);
  }
  assert_int_equal(tl_srv_stop(&P), 0);
  assert_int_equal(tl_srv_stop(S), 0);
  char out[512];
  int rc = tl_run_cli(S, out, sizeof out, "check", (char *)NULL);
  if (rc != 0) print_error("ledger6 check: exit %d: %s\n", rc, out);
  assert_int_equal(rc, 0);
}

/* ====================================================================== */
/* api_tokens (issue 15): list, label, last used, revoke, admin once      */
/* ====================================================================== */

static int tokens_setup(void **state) {
  (void)state;
  return world_setup("api-tokens");
}

/* A printf-formatted path (static storage, valid until the next call). */
static const char *tmp_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *tmp_path(const char *fmt, ...) {
  static char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

/* An ISO 8601 UTC time with milliseconds, in ms since the epoch. */
static int64_t iso_ms(const char *t) {
  struct tm tm = {0};
  int ms = 0;
  assert_non_null(t);
  assert_int_equal(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                          &tm.tm_min, &tm.tm_sec, &ms),
                   7);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (int64_t)timegm(&tm) * 1000 + ms;
}

/* The id of the administrator token `serve --admin-token` made and
 * printed (tok): the active admin token labelled so. */
static int64_t token_id_of_admin(const char *tok) {
  json_t *l = get_ok(tok, "/v1/tokens?limit=500");
  size_t i;
  json_t *t;
  int64_t id = 0;
  json_array_foreach(json_object_get(l, "items"), i, t) {
    if (id == 0 && strcmp(tl_jstr(t, "role"), "admin") == 0 && strcmp(tl_jstr(t, "label"), "serve --admin-token") == 0 &&
        strcmp(tl_jstr(t, "state"), "active") == 0)
      id = tl_jint(t, "id");
  }
  json_decref(l);
  assert_true(id > 0);
  return id;
}

/* The token id of a bearer token: the one item its own list holds. */
static int64_t token_id_of(const char *tok) {
  json_t *l = get_ok(tok, "/v1/tokens");
  json_t *items = json_object_get(l, "items");
  assert_int_equal(json_array_size(items), 1);
  int64_t id = tl_jint(json_array_get(items, 0), "id");
  json_decref(l);
  return id;
}

/* The list item of token id as the administrator sees it (new reference). */
static json_t *token_item(int64_t id) {
  json_t *l = get_ok(S->admin, "/v1/tokens?limit=500");
  size_t i;
  json_t *t, *found = NULL;
  json_array_foreach(json_object_get(l, "items"), i, t) if (tl_jint(t, "id") == id) found = json_incref(t);
  json_decref(l);
  if (found == NULL) fail_msg("token %lld is not in the administrator's list", (long long)id);
  return found;
}

/* A 401 with the token code and RFC 6750's invalid_token challenge. */
static void assert_refused(const char *tok, const char *code) {
  tl_resp r = get(tok, "/v1/accounts");
  assert_error(&r, 401, code);
  char h[200];
  assert_true(tl_resp_header(&r, "WWW-Authenticate", h, sizeof h));
  assert_non_null(strstr(h, "error=\"invalid_token\""));
  tl_resp_free(&r);
}

static void test_token_list_label_last_used(void **state) {
  (void)state;
  json_t *t = post_ok("/v1/tokens", S->admin,
                      json_pack("{s:s, s:I, s:s}", "role", "holder", "organisation", (json_int_t)W.org_a, "label",
                                "trading desk integration"));
  char *tok = strdup(tl_jstr(t, "token"));
  int64_t id = tl_jint(t, "id");
  assert_string_equal(tl_jstr(t, "state"), "active");
  /* holder tokens live 365 days by default (docs/OPERATIONS.md) */
  assert_int_equal(iso_ms(tl_jstr(t, "expires")) - iso_ms(tl_jstr(t, "created")), 365LL * 86400000);
  assert_true(json_is_null(json_object_get(t, "last_used")));
  assert_true(json_is_null(json_object_get(t, "revoked")));
  json_decref(t);

  /* The administrator lists it with its label, never its secret. */
  json_t *it = token_item(id);
  assert_string_equal(tl_jstr(it, "label"), "trading desk integration");
  assert_string_equal(tl_jstr(it, "role"), "holder");
  assert_int_equal(tl_jint(it, "organisation"), W.org_a);
  assert_null(json_object_get(it, "token"));
  assert_null(json_object_get(it, "hash"));
  assert_true(json_is_null(json_object_get(it, "last_used")));
  json_decref(it);
  json_t *l = get_ok(S->admin, "/v1/tokens?limit=500");
  char *raw = json_dumps(l, 0);
  assert_null(strstr(raw, tok)); /* nowhere in the list */
  free(raw);
  json_decref(l);

  /* Used once: its last-used time is set; used again at once, it is not
   * written again (at most once a minute per token). */
  assert_int_equal(token_id_of(tok), id); /* a holder sees only itself */
  it = token_item(id);
  assert_true(json_is_string(json_object_get(it, "last_used")));
  char first[40];
  snprintf(first, sizeof first, "%s", tl_jstr(it, "last_used"));
  json_decref(it);
  usleep(20 * 1000);
  json_decref(get_ok(tok, "/v1/accounts"));
  it = token_item(id);
  assert_string_equal(tl_jstr(it, "last_used"), first);
  json_decref(it);

  /* Another holder's list holds only its own token. */
  l = get_ok(W.tok_b, "/v1/tokens");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  assert_int_not_equal(tl_jint(json_array_get(json_object_get(l, "items"), 0), "id"), id);
  json_decref(l);

  /* A lifetime longer than the role's is refused; a shorter one is kept. */
  tl_resp r = tl_http_reqj(S, "POST", "/v1/tokens", S->admin,
                           json_pack("{s:s, s:s, s:i}", "role", "admin", "label", "x", "lifetime_days", 31), NULL);
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  t = post_ok("/v1/tokens", S->admin, json_pack("{s:s, s:s, s:i}", "role", "auditor", "label", "one day", "lifetime_days", 1));
  assert_int_equal(iso_ms(tl_jstr(t, "expires")) - iso_ms(tl_jstr(t, "created")), 86400000LL);
  json_decref(t);
  free(tok);
}

/* Revoked by the administrator: the very next request is 401
 * token_revoked; revoking again keeps the first time; an unknown id is
 * 404 unknown_token. */
static void test_token_revoke_next_request(void **state) {
  (void)state;
  char *tok = tl_mk_token(S, "holder", W.org_a);
  int64_t id = token_id_of(tok);
  json_decref(get_ok(tok, "/v1/accounts"));
  json_t *r1 = post_ok(tmp_path("/v1/tokens/%lld/revoke", (long long)id), S->admin, json_object());
  assert_string_equal(tl_jstr(r1, "state"), "revoked");
  assert_true(json_is_string(json_object_get(r1, "revoked")));
  assert_refused(tok, "token_revoked");
  json_t *r2 = post_ok(tmp_path("/v1/tokens/%lld/revoke", (long long)id), S->admin, json_object());
  assert_string_equal(tl_jstr(r2, "revoked"), tl_jstr(r1, "revoked"));
  json_decref(r1);
  json_decref(r2);
  json_t *it = token_item(id);
  assert_string_equal(tl_jstr(it, "state"), "revoked");
  json_decref(it);
  tl_resp r = tl_http_reqj(S, "POST", "/v1/tokens/999999/revoke", S->admin, json_object(), NULL);
  assert_error(&r, 404, "unknown_token");
  tl_resp_free(&r);
  free(tok);
}

/* A token revokes itself (a holder who leaked it); it may not revoke
 * another token. */
static void test_token_revoke_self(void **state) {
  (void)state;
  char *tok = tl_mk_token(S, "holder", W.org_a);
  int64_t id = token_id_of(tok), other = token_id_of(W.tok_b);
  tl_resp r = tl_http_reqj(S, "POST", tmp_path("/v1/tokens/%lld/revoke", (long long)other), tok, json_object(), NULL);
  assert_error(&r, 403, "forbidden");
  tl_resp_free(&r);
  json_decref(get_ok(W.tok_b, "/v1/accounts")); /* B's token still works */
  json_decref(post_ok(tmp_path("/v1/tokens/%lld/revoke", (long long)id), tok, json_object()));
  assert_refused(tok, "token_revoked");
  free(tok);
}

/* `ledger6 token revoke ID` on the store of a running server: its next
 * request is refused (nothing caches tokens). `token list` shows it. */
static void test_token_cli_revoke(void **state) {
  (void)state;
  char *tok = tl_mk_token(S, "auditor", 0);
  int64_t id = token_id_of(tok);
  char ids[24], out[8192];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  assert_int_equal(tl_run_cli(S, out, sizeof out, "token", "revoke", ids, (char *)NULL), 0);
  assert_non_null(strstr(out, "revoked at"));
  assert_refused(tok, "token_revoked");
  assert_int_equal(tl_run_cli(S, out, sizeof out, "token", "list", (char *)NULL), 0);
  char line[64];
  snprintf(line, sizeof line, "\n%-6s auditor         -      revoked ", ids);
  assert_non_null(strstr(out, line));
  assert_int_not_equal(tl_run_cli(S, out, sizeof out, "token", "revoke", "999999", (char *)NULL), 0);
  free(tok);
}

/* serve --admin-token makes the administrator token once per store: a
 * restart mints none (the old one still works); once it is revoked, the
 * next start mints a new one. */
static void test_token_admin_once(void **state) {
  (void)state;
  char first[80];
  snprintf(first, sizeof first, "%s", S->admin);
  json_t *l = get_ok(S->admin, "/v1/tokens?limit=500");
  size_t before = json_array_size(json_object_get(l, "items"));
  json_decref(l);
  assert_int_equal(tl_srv_stop(S), 0);
  assert_int_equal(tl_srv_restart(S), 0);
  assert_string_equal(S->admin, first);
  l = get_ok(S->admin, "/v1/tokens?limit=500");
  assert_int_equal(json_array_size(json_object_get(l, "items")), before); /* nothing minted */
  json_decref(l);
  int64_t id = token_id_of_admin(first);
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  assert_int_equal(tl_srv_stop(S), 0);
  assert_int_equal(tl_run_cli(S, NULL, 0, "token", "revoke", ids, (char *)NULL), 0);
  assert_int_equal(tl_srv_restart(S), 0);
  assert_string_not_equal(S->admin, first);
  assert_refused(first, "token_revoked");
  json_decref(get_ok(S->admin, "/v1/accounts"));
}

/* ====================================================================== */
/* api_restart                                                             */
/* ====================================================================== */

#define NACC 4
#define NBATCH 2
#define BATCH_UNITS 500
#define NTRANSFERS 200

/* Reference model: the owner of every serial of every batch. */
static struct {
  int64_t acc[NACC];
  int64_t batch[NBATCH];
  int vintage[NBATCH];
  int64_t owner[NBATCH][BATCH_UNITS + 1]; /* [b][serial] -> account id */
  json_t *acked;                          /* every acknowledged reply, in order */
  char *tok;                              /* a stored admin token: outlives restarts */
} D;

static int batch_index(int64_t batch) {
  for (int i = 0; i < NBATCH; i++)
    if (D.batch[i] == batch) return i;
  fail_msg("reply names unknown batch %lld", (long long)batch);
  return -1;
}

static int64_t model_total(int64_t acc) {
  int64_t n = 0;
  for (int b = 0; b < NBATCH; b++)
    for (int s = 1; s <= BATCH_UNITS; s++) n += D.owner[b][s] == acc;
  return n;
}

/* What the model says a by-quantity pick takes: oldest vintage, then batch,
 * then lowest serial; written as merged "batch:first-last" pieces. */
static void model_pick(int64_t from, int64_t qty, char *out, size_t cap) {
  int idx[NBATCH];
  for (int i = 0; i < NBATCH; i++) idx[i] = i;
  if (D.vintage[1] < D.vintage[0] || (D.vintage[1] == D.vintage[0] && D.batch[1] < D.batch[0])) {
    idx[0] = 1;
    idx[1] = 0;
  }
  size_t len = 0;
  out[0] = '\0';
  for (int k = 0; k < NBATCH && qty > 0; k++) {
    int b = idx[k];
    for (int s = 1; s <= BATCH_UNITS && qty > 0; s++) {
      if (D.owner[b][s] != from) continue;
      int e = s;
      while (e + 1 <= BATCH_UNITS && D.owner[b][e + 1] == from && e - s + 1 < qty) e++;
      len += (size_t)snprintf(out + len, cap - len, "%s%lld:%d-%d", len ? "," : "", (long long)D.batch[b], s, e);
      qty -= e - s + 1;
      s = e;
    }
  }
}

/* The reply's blocks, with touching pieces of one batch merged. */
static void reply_pieces(const json_t *reply, char *out, size_t cap) {
  size_t len = 0;
  int64_t cb = 0, cf = 0, cl = -1;
  out[0] = '\0';
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(reply, "blocks"), i, b) {
    int64_t bb = tl_jint(b, "batch"), f = tl_jint(b, "first"), l = tl_jint(b, "last");
    if (bb == cb && f == cl + 1) {
      cl = l;
      continue;
    }
    if (cl >= 0)
      len += (size_t)snprintf(out + len, cap - len, "%s%lld:%lld-%lld", len ? "," : "", (long long)cb, (long long)cf,
                              (long long)cl);
    cb = bb, cf = f, cl = l;
  }
  if (cl >= 0)
    snprintf(out + len, cap - len, "%s%lld:%lld-%lld", len ? "," : "", (long long)cb, (long long)cf, (long long)cl);
}

/* Applies an acknowledged reply to the model, checking the serials it
 * moved were the sender's. */
static void model_apply(const json_t *reply) {
  int64_t from = tl_jint(reply, "from_account"), to = tl_jint(reply, "to_account");
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(reply, "blocks"), i, b) {
    int bi = batch_index(tl_jint(b, "batch"));
    for (int64_t s = tl_jint(b, "first"); s <= tl_jint(b, "last"); s++) {
      assert_true(s >= 1 && s <= BATCH_UNITS);
      assert_int_equal(D.owner[bi][s], from);
      D.owner[bi][s] = to;
    }
  }
}

/* Compares every account's holdings on the server with the model. */
static void assert_model(void) {
  static int64_t seen[NBATCH][BATCH_UNITS + 1];
  memset(seen, 0, sizeof seen);
  for (int a = 0; a < NACC; a++) {
    char path[64];
    snprintf(path, sizeof path, "/v1/accounts/%lld/holdings", (long long)D.acc[a]);
    json_t *h = get_ok(S->admin, "%s", path);
    assert_int_equal(tl_jint(h, "total"), model_total(D.acc[a]));
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(h, "blocks"), i, b) {
      int bi = batch_index(tl_jint(b, "batch"));
      for (int64_t s = tl_jint(b, "first"); s <= tl_jint(b, "last"); s++) {
        assert_int_equal(seen[bi][s], 0);
        seen[bi][s] = D.acc[a];
      }
    }
    json_decref(h);
  }
  for (int bi = 0; bi < NBATCH; bi++)
    for (int s = 1; s <= BATCH_UNITS; s++)
      if (seen[bi][s] != D.owner[bi][s])
        fail_msg("batch %lld serial %d: server says account %lld, model %lld", (long long)D.batch[bi], s,
                 (long long)seen[bi][s], (long long)D.owner[bi][s]);
}

/* A random transfer the model says can succeed: by quantity (3 in 4) or
 * one explicit range of a run the source holds. */
static json_t *random_transfer(tl_rng *rng, char *expect, size_t cap) {
  for (;;) {
    int64_t from = D.acc[tl_rng_below(rng, NACC)], to = D.acc[tl_rng_below(rng, NACC)];
    int64_t held = model_total(from);
    if (from == to || held == 0) continue;
    if (tl_rng_below(rng, 4) != 0) {
      int64_t qty = tl_rng_range(rng, 1, held < 60 ? held : 60);
      model_pick(from, qty, expect, cap);
      return xfer_body(from, to, qty);
    }
    int bi = (int)tl_rng_below(rng, NBATCH);
    int s = (int)tl_rng_range(rng, 1, BATCH_UNITS);
    if (D.owner[bi][s] != from) continue;
    int e = s;
    while (e < BATCH_UNITS && D.owner[bi][e + 1] == from && tl_rng_below(rng, 8) != 0) e++;
    snprintf(expect, cap, "%lld:%d-%d", (long long)D.batch[bi], s, e);
    return ranges_body(from, to, NULL, json_pack("[o]", range(D.batch[bi], s, e)));
  }
}

static int restart_setup(void **state) {
  (void)state;
  memset(&D, 0, sizeof D);
  if (world_setup("api-restart") != 0) return -1;
  for (int a = 0; a < NACC; a++) {
    char name[32];
    snprintf(name, sizeof name, "durable %d", a);
    D.acc[a] = tl_mk_account(S, "CHE01", a % 2 ? W.org_b : W.org_a, "holding", name);
  }
  int vintages[NBATCH] = {2023, 2020};
  for (int b = 0; b < NBATCH; b++) {
    json_t *r = tl_mk_issue(S, "CHE01", PROJECT, "VCU", vintages[b], BATCH_UNITS, D.acc[b]);
    D.batch[b] = tl_batch_of(r);
    D.vintage[b] = vintages[b];
    json_decref(r);
    for (int s = 1; s <= BATCH_UNITS; s++) D.owner[b][s] = D.acc[b];
  }
  D.acked = json_array();
  /* Idempotency keys are bound to the token that used them, and serve
   * --admin-token mints a new token at every start; a client retrying
   * across a restart keeps its own long-lived token, as this one. */
  D.tok = tl_mk_token(S, "admin", 0);
  return 0;
}

static int restart_teardown(void **state) {
  json_decref(D.acked);
  D.acked = NULL;
  free(D.tok);
  D.tok = NULL;
  return group_teardown(state);
}

/* 200 acknowledged transfers, each checked against the model's pick; then
 * one more stream cut by kill -9 at a random moment; after a restart every
 * acknowledged transaction is there and the holdings are the model's. The
 * request in flight at the kill is re-sent with its Idempotency-Key: it is
 * applied exactly once whether or not it had committed. */
static void test_restart_durability(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0xD0AB1E);
  char expect[4096], got[4096];
  for (int i = 0; i < NTRANSFERS; i++) {
    char key[64];
    snprintf(key, sizeof key, "Idempotency-Key: durable-%d", i);
    json_t *body = random_transfer(&rng, expect, sizeof expect);
    /* A's holder sends some of A's transfers; the admin sends the rest. */
    int64_t from = tl_jint(body, "from_account");
    bool by_a = (from == D.acc[0] || from == D.acc[2]) && tl_rng_below(&rng, 2) == 0;
    tl_resp r = tl_http_reqj(S, "POST", "/v1/transfers", by_a ? W.tok_a : D.tok, body, key);
    tl_assert_status(&r, 201);
    reply_pieces(r.body, got, sizeof got);
    if (strcmp(got, expect) != 0) print_error("transfer %d: reply %s, model %s\n", i, got, expect);
    assert_string_equal(got, expect);
    model_apply(r.body);
    json_array_append(D.acked, r.body);
    tl_resp_free(&r);
  }
  assert_int_equal(json_array_size(D.acked), NTRANSFERS);
  assert_model();

  /* Crash mid-stream: requests keep coming until the kill cuts one off. */
  useconds_t delay = (useconds_t)tl_rng_range(&rng, 0, 30000);
  pid_t pid = S->pid;
  int i = NTRANSFERS;
  json_t *pending = NULL;
  char pending_key[64] = "";
  pid_t killer = 0;
  for (;; i++) {
    snprintf(pending_key, sizeof pending_key, "Idempotency-Key: durable-%d", i);
    pending = random_transfer(&rng, expect, sizeof expect);
    char *text = json_dumps(pending, JSON_COMPACT);
    if (i == NTRANSFERS) {
      /* Kill from a child after delay, while this thread is sending. */
      killer = fork();
      assert_true(killer >= 0);
      if (killer == 0) {
        usleep(delay);
        kill(pid, SIGKILL);
        _exit(0);
      }
    }
    tl_resp r = tl_http_req(S, "POST", "/v1/transfers", D.tok, text, pending_key);
    free(text);
    if (r.status == 0) {
      tl_resp_free(&r);
      break; /* cut off: pending is in doubt */
    }
    tl_assert_status(&r, 201);
    model_apply(r.body);
    json_array_append(D.acked, r.body);
    json_decref(pending);
    pending = NULL;
    tl_resp_free(&r);
    assert_true(i < NTRANSFERS + 5000);
  }
  waitpid(killer, NULL, 0);
  tl_srv_kill(S); /* reaps the server (already dead) */
  assert_int_equal(tl_srv_restart(S), 0);

  /* Every acknowledged transaction is there, unchanged. */
  size_t k;
  json_t *ack;
  json_array_foreach(D.acked, k, ack) {
    json_t *t = get_ok(S->admin, "/v1/transactions/%lld", (long long)tl_jint(ack, "id"));
    assert_int_equal(tl_jint(t, "quantity"), tl_jint(ack, "quantity"));
    assert_int_equal(tl_jint(t, "from_account"), tl_jint(ack, "from_account"));
    assert_int_equal(tl_jint(t, "to_account"), tl_jint(ack, "to_account"));
    assert_true(json_equal(json_object_get(t, "blocks"), json_object_get(ack, "blocks")));
    json_decref(t);
  }
  /* The ledger holds the acknowledged transfers and at most the one in
   * doubt, whole: nothing else, nothing half-done. */
  json_t *list = all_pages(S->admin, "/v1/transactions", "kind=transfer");
  size_t listed = 0;
  int64_t last_id = 0;
  json_array_foreach(list, k, ack) {
    if (tl_jint(ack, "from_account") == W.che.pending) continue; /* the setup's forwards */
    listed++;
    last_id = tl_jint(ack, "id");
  }
  json_decref(list);
  size_t nacked = json_array_size(D.acked);
  bool committed = listed == nacked + 1;
  assert_true(listed == nacked || committed);
  print_message("restart: killed after %d streamed transfers; the one in flight had %scommitted\n", i - NTRANSFERS,
                committed ? "" : "not ");
  /* The request in doubt, again under its key: applied exactly once. */
  tl_resp r = tl_http_reqj(S, "POST", "/v1/transfers", D.tok, pending, pending_key);
  tl_assert_status(&r, 201);
  if (committed)
    assert_int_equal(tl_jint(r.body, "id"), last_id); /* a replay of the committed one */
  else
    assert_true(tl_jint(r.body, "id") > last_id);
  reply_pieces(r.body, got, sizeof got);
  assert_string_equal(got, expect);
  model_apply(r.body);
  json_array_append(D.acked, r.body);
  tl_resp_free(&r);
  assert_model();
  /* A clean stop now, and the offline check agrees. */
  assert_int_equal(tl_srv_stop(S), 0);
  char out[512];
  assert_int_equal(tl_run_cli(S, out, sizeof out, "check", (char *)NULL), 0);
}

/* ====================================================================== */

/* ---- four eyes, trusted accounts and transfer delays (issue 15) ---------- */

static int proposals_setup(void **state) {
  (void)state;
  memset(&H, 0, sizeof H);
  if (world_setup("api-proposals") != 0) return -1;
  H.a1 = tl_mk_account(S, "CHE01", W.org_a, "holding", "A main");
  H.a2 = tl_mk_account(S, "CHE01", W.org_a, "trading", "A trading");
  H.b1 = tl_mk_account(S, "CHE01", W.org_b, "holding", "B main");
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 100, H.a1));
  return 0;
}

static int64_t units_in(int64_t account) {
  json_t *h = get_ok(S->admin, "/v1/accounts/%lld/holdings", (long long)account);
  int64_t n = tl_jint(h, "total");
  json_decref(h);
  return n;
}

/* A decision on proposal id by token: its status, the reply's state or
 * error code in out. */
static long decide_http(int64_t id, const char *what, const char *token, char out[32]) {
  char path[96];
  snprintf(path, sizeof path, "/v1/proposals/%lld/%s", (long long)id, what);
  tl_resp r = post(path, token, json_object());
  const char *v = r.status == 201 ? tl_jstr(r.body, "state") : tl_jstr(json_object_get(r.body, "error"), "code");
  snprintf(out, 32, "%s", v ? v : "?");
  long st = r.status;
  tl_resp_free(&r);
  return st;
}

/* Issue 15 items 3 and 4 over HTTP: a transfer above the threshold is a
 * proposal (202) with its units held; the proposer cannot approve
 * (self_approval), another organisation may not; a second person of A
 * approves and the transfer is applied. A transfer to another holder's
 * account waits (delayed) and is cancelled by the holder inside its
 * window; once B's account is on A's trusted list (no activation delay
 * here) the transfer is immediate. */
static void test_proposals_http(void **state) {
  (void)state;
  char *tok_a2 = tl_mk_token(S, "holder", W.org_a);
  tl_resp x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", W.tok_a,
                          "{\"transfer_above\": 10, \"untrusted_transfer_delay_hours\": 26}", NULL);
  tl_assert_status(&x, 403);
  tl_resp_free(&x);
  x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin, "{\"transfer_above\": \"ten\"}", NULL);
  tl_assert_status(&x, 400);
  tl_resp_free(&x);
  x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin,
                  "{\"transfer_above\": 10, \"untrusted_transfer_delay_hours\": 26}", NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  json_t *pol = get_ok(W.tok_b, "/v1/registries/CHE01/approval-policy");
  assert_int_equal(tl_jint(pol, "untrusted_transfer_delay_hours"), 26);
  int64_t hold = tl_jint(pol, "hold_account");
  json_decref(pol);

  tl_resp r = post("/v1/transfers", W.tok_a, xfer_body(H.a1, H.a2, 20));
  tl_assert_status(&r, 202);
  int64_t id = tl_jint(r.body, "id");
  assert_string_equal(tl_jstr(r.body, "state"), "pending");
  assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "reasons"), 0)), "above-threshold");
  tl_resp_free(&r);
  assert_int_equal(units_in(H.a1), 80);
  assert_int_equal(units_in(hold), 20);
  char got[32];
  assert_int_equal(decide_http(id, "approve", W.tok_a, got), 403);
  assert_string_equal(got, "self_approval");
  assert_int_equal(decide_http(id, "approve", W.tok_b, got), 403);
  assert_string_equal(got, "forbidden");
  json_t *one = get_ok(tok_a2, "/v1/proposals/%lld", (long long)id);
  assert_string_equal(tl_jstr(one, "state"), "pending");
  json_decref(one);
  assert_int_equal(decide_http(id, "approve", tok_a2, got), 201);
  assert_string_equal(got, "executed");
  assert_int_equal(decide_http(id, "reject", tok_a2, got), 409);
  assert_string_equal(got, "proposal_closed");
  assert_int_equal(units_in(H.a2), 20);
  assert_int_equal(units_in(hold), 0);
  json_t *l = get_ok(W.tok_a, "/v1/proposals?state=executed");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  json_decref(l);
  l = get_ok(W.tok_b, "/v1/proposals");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
  json_decref(l);
  r = get(W.tok_a, "/v1/proposals?state=bogus");
  tl_assert_status(&r, 400);
  tl_resp_free(&r);

  /* A transfer to B's account (not trusted): delayed 26 hours, cancelled. */
  r = post("/v1/transfers", W.tok_a, xfer_body(H.a1, H.b1, 5));
  tl_assert_status(&r, 202);
  id = tl_jint(r.body, "id");
  assert_string_equal(tl_jstr(r.body, "state"), "delayed");
  assert_non_null(tl_jstr(r.body, "executes_at"));
  tl_resp_free(&r);
  l = get_ok(W.tok_a, "/v1/proposals?state=delayed&account=%lld", (long long)H.b1);
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  json_decref(l);
  assert_int_equal(decide_http(id, "cancel", W.tok_b, got), 403);
  assert_int_equal(decide_http(id, "cancel", tok_a2, got), 201);
  assert_string_equal(got, "cancelled");
  assert_int_equal(units_in(H.a1), 80);
  assert_int_equal(units_in(H.b1), 0);

  /* B's account on A's trusted list: immediate. */
  char path[96];
  snprintf(path, sizeof path, "/v1/accounts/%lld/trusted", (long long)H.a1);
  json_t *t = post_ok(path, W.tok_a, json_pack("{s:I}", "account", (json_int_t)H.b1));
  assert_string_equal(tl_jstr(t, "state"), "active");
  json_decref(t);
  r = post(path, W.tok_a, json_pack("{s:I}", "account", (json_int_t)H.b1));
  tl_assert_status(&r, 409);
  tl_resp_free(&r);
  r = post("/v1/transfers", W.tok_a, xfer_body(H.a1, H.b1, 5));
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  assert_int_equal(units_in(H.b1), 5);
  l = get_ok(W.tok_a, "%s", path);
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  json_decref(l);
  snprintf(path, sizeof path, "/v1/accounts/%lld/trusted/%lld", (long long)H.a1, (long long)H.b1);
  x = tl_http_req(S, "DELETE", path, W.tok_a, "{}", NULL);
  tl_assert_status(&x, 200);
  tl_resp_free(&x);
  x = tl_http_req(S, "DELETE", path, W.tok_a, "{}", NULL);
  tl_assert_status(&x, 404);
  assert_string_equal(tl_jstr(json_object_get(x.body, "error"), "code"), "not_trusted");
  tl_resp_free(&x);
  free(tok_a2);
}

/* Issue 15 item 3 for Article 6 over HTTP: with "a6_authorizations" in
 * CHE01's policy, an authorization by CHE's authority answers 202 with a
 * pending proposal and nothing is authorized; its proposer (any of its
 * tokens) cannot approve, CHE's authority of another organisation may
 * not; a second person of the authority approves and the authorization
 * exists. A rejected proposal authorizes nothing; a revocation is a
 * proposal too, and a second one, approved after the first, ends failed. */
static void test_a6_proposals_http(void **state) {
  (void)state;
  tl_mk_project(S, "CHE.P.1", "VCS", "CHE");
  int64_t foen = tl_mk_org(S, "CHE01", "Federal Office for the Environment");
  int64_t other = tl_mk_org(S, "CHE01", "Another office");
  char *ann = tl_mk_token(S, "authority", foen), *ben = tl_mk_token(S, "authority", foen);
  char *cid = tl_mk_token(S, "authority", other);
  json_t *body = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", "CHE", "approach", "CA0077",
                           "project", "CHE.P.1", "vintage_from", 2030, "vintage_to", 2030, "quantity", 10, "purposes",
                           "NDC", "year_from", 2021, "year_to", 2030);
  tl_resp x = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin, "{\"a6_authorizations\": true}", NULL);
  tl_assert_status(&x, 200);
  assert_true(json_is_true(json_object_get(x.body, "a6_authorizations")));
  tl_resp_free(&x);

  tl_resp r = post("/v1/a6/authorizations", ann, json_incref(body));
  tl_assert_status(&r, 202);
  int64_t id = tl_jint(r.body, "id");
  assert_string_equal(tl_jstr(r.body, "kind"), "a6-authorization");
  assert_string_equal(tl_jstr(r.body, "state"), "pending");
  tl_resp_free(&r);
  json_t *l = get_ok(S->admin, "/v1/a6/authorizations?party=CHE");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
  json_decref(l);
  char got[32];
  assert_int_equal(decide_http(id, "approve", ann, got), 403);
  assert_string_equal(got, "self_approval");
  assert_int_equal(decide_http(id, "approve", cid, got), 403);
  assert_string_equal(got, "forbidden");
  assert_int_equal(decide_http(id, "approve", W.tok_a, got), 403);
  json_t *one = get_ok(ben, "/v1/proposals/%lld", (long long)id);
  assert_string_equal(tl_jstr(one, "proposer"), tl_jstr(one, "proposer")); /* readable by the office */
  json_decref(one);
  assert_int_equal(decide_http(id, "approve", ben, got), 201);
  assert_string_equal(got, "executed");
  l = get_ok(S->admin, "/v1/a6/authorizations?party=CHE");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  int64_t auth = tl_jint(json_array_get(json_object_get(l, "items"), 0), "id");
  assert_int_equal(tl_jint(json_array_get(json_object_get(l, "items"), 0), "quantity"), 10);
  json_decref(l);

  /* Rejected: nothing more authorized. */
  r = post("/v1/a6/authorizations", ben, json_incref(body));
  tl_assert_status(&r, 202);
  id = tl_jint(r.body, "id");
  tl_resp_free(&r);
  assert_int_equal(decide_http(id, "reject", ann, got), 201);
  assert_string_equal(got, "rejected");
  l = get_ok(S->admin, "/v1/a6/authorizations?party=CHE");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  json_decref(l);

  /* Revocation: two proposals; the second fails once the first ran. */
  char path[96];
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)auth);
  r = post(path, ann, json_object());
  tl_assert_status(&r, 202);
  assert_string_equal(tl_jstr(r.body, "kind"), "a6-revocation");
  int64_t r1 = tl_jint(r.body, "id");
  tl_resp_free(&r);
  r = post(path, ben, json_object());
  tl_assert_status(&r, 202);
  int64_t r2 = tl_jint(r.body, "id");
  tl_resp_free(&r);
  assert_int_equal(decide_http(r1, "approve", ben, got), 201);
  assert_string_equal(got, "executed");
  json_t *a = get_ok(S->admin, "/v1/a6/authorizations/%lld", (long long)auth);
  assert_true(json_is_true(json_object_get(a, "revoked")));
  json_decref(a);
  assert_int_equal(decide_http(r2, "approve", ann, got), 201);
  assert_string_equal(got, "failed");
  one = get_ok(S->admin, "/v1/proposals/%lld", (long long)r2);
  assert_non_null(strstr(tl_jstr(one, "failure"), "authorization_revoked"));
  json_decref(one);
  r = post(path, ann, json_object());
  tl_assert_status(&r, 409);
  tl_resp_free(&r);
  json_decref(body);
  free(ann);
  free(ben);
  free(cid);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* cmocka's stdout and our stderr stay in order in run.sh's log */
  tl_seed();                        /* print the seed before anything can fail */
  const struct CMUnitTest happy[] = {
      cmocka_unit_test(test_reference_reads),
      cmocka_unit_test(test_registry_accounts),
      cmocka_unit_test(test_issue_into_pending),
      cmocka_unit_test(test_issue_forward),
      cmocka_unit_test(test_transfer_quantity_split),
      cmocka_unit_test(test_transfer_ranges),
      cmocka_unit_test(test_retirement),
      cmocka_unit_test(test_cancellation),
      cmocka_unit_test(test_serial_history),
      cmocka_unit_test(test_tx_filters_and_pages),
      cmocka_unit_test(test_retirements_public),
      cmocka_unit_test(test_idempotency),
      cmocka_unit_test(test_account_patch),
      cmocka_unit_test(test_cli_token_while_serving),
  };
  const struct CMUnitTest errors[] = {
      cmocka_unit_test(test_err_bad_json),
      cmocka_unit_test(test_err_json_depth),
      cmocka_unit_test(test_err_body_too_large),
      cmocka_unit_test(test_err_unknown_field),
      cmocka_unit_test(test_err_wrong_type),
      cmocka_unit_test(test_err_missing_field),
      cmocka_unit_test(test_err_quantity_invalid),
      cmocka_unit_test(test_err_quantity_overflow),
      cmocka_unit_test(test_err_unknown_account),
      cmocka_unit_test(test_err_closed_account),
      cmocka_unit_test(test_err_blocked_account),
      cmocka_unit_test(test_err_insufficient),
      cmocka_unit_test(test_err_wrong_unit_type),
      cmocka_unit_test(test_err_serials_not_held),
      cmocka_unit_test(test_err_terminal),
      cmocka_unit_test(test_err_invalid_destination),
      cmocka_unit_test(test_err_same_account),
      cmocka_unit_test(test_err_too_many_ranges),
      cmocka_unit_test(test_err_invalid_serial),
      cmocka_unit_test(test_err_unknown_serial),
      cmocka_unit_test(test_err_bad_token),
      cmocka_unit_test(test_err_routes),
      cmocka_unit_test(test_err_party),
      cmocka_unit_test(test_err_page_limit),
      cmocka_unit_test(test_err_forbidden),
      cmocka_unit_test(test_err_move_details),
      cmocka_unit_test(test_err_idempotency_key),
      cmocka_unit_test(test_err_bad_cursor),
      cmocka_unit_test(test_err_url_control),
      cmocka_unit_test(test_err_invisible_text),
      cmocka_unit_test(test_err_allow_and_challenge),
      cmocka_unit_test(test_err_token_roles),
      cmocka_unit_test(test_err_media_type), /* last: it moves units between accounts of its own */
  };
  const struct CMUnitTest roles[] = {
      cmocka_unit_test(test_role_matrix), cmocka_unit_test(test_role_lists_filtered), cmocka_unit_test(test_link_stuck),
      cmocka_unit_test(test_role_retirements_public), /* shows a src bug, see its comment */
  };
  const struct CMUnitTest proposals[] = {cmocka_unit_test(test_proposals_http), cmocka_unit_test(test_a6_proposals_http)};
  const struct CMUnitTest conc[] = {cmocka_unit_test(test_concurrent_drain)};
  const struct CMUnitTest two[] = {cmocka_unit_test(test_concurrent_drain_two_servers)};
  const struct CMUnitTest restart[] = {cmocka_unit_test(test_restart_durability)};
  const struct CMUnitTest tokens[] = {
      cmocka_unit_test(test_token_list_label_last_used), cmocka_unit_test(test_token_revoke_next_request),
      cmocka_unit_test(test_token_revoke_self),          cmocka_unit_test(test_token_cli_revoke),
      cmocka_unit_test(test_token_admin_once), /* last: it restarts the server */
  };
  int failed = 0;
  failed += cmocka_run_group_tests_name("api_happy", happy, happy_setup, group_teardown);
  failed += cmocka_run_group_tests_name("api_errors", errors, errors_setup, group_teardown);
  failed += cmocka_run_group_tests_name("api_roles", roles, roles_setup, roles_teardown);
  failed += cmocka_run_group_tests_name("api_proposals", proposals, proposals_setup, group_teardown);
  failed += cmocka_run_group_tests_name("api_concurrency", conc, conc_setup, group_teardown);
  failed += cmocka_run_group_tests_name("api_two_servers", two, two_setup, two_teardown);
  failed += cmocka_run_group_tests_name("api_restart", restart, restart_setup, restart_teardown);
  failed += cmocka_run_group_tests_name("api_tokens", tokens, tokens_setup, group_teardown);
  return failed;
}
