/*
 * test_exchange_api.c -- the exchange over HTTP against a real server
 * process: strict decoding and error codes of the routes, a trade and its
 * public market data, and a kill -9 in the middle of a stream of orders:
 * after the restart every acknowledged order and trade is there, nothing
 * but the one order in doubt is added, and the books equal a replay of the
 * open orders (and `ledger6 check` agrees).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "testlib.h"
#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_a, org_b, acc_a, acc_b;
  char *tok_a, *tok_b;
} W;

#define S (&W.srv)

static json_t *post_ok(const char *path, const char *tok, json_t *body) {
  tl_resp r = tl_http_reqj(S, "POST", path, tok, body, NULL);
  tl_assert_status(&r, 201);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

static json_t *get_ok(const char *tok, const char *path) {
  tl_resp r = tl_http_req(S, "GET", path, tok, NULL, NULL);
  tl_assert_status(&r, 200);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_srv_start(&W.srv, "exchange-api") != 0) return -1;
  tl_mk_party(S, "CHN", "China");
  tl_mk_registry(S, "CHN01", "CHN", NULL);
  tl_mk_project(S, "CHN.WIND.01", "CCER", "CHN");
  W.org_a = tl_mk_org(S, "CHN01", "Seller");
  W.org_b = tl_mk_org(S, "CHN01", "Buyer");
  W.tok_a = tl_mk_token(S, "holder", W.org_a);
  W.tok_b = tl_mk_token(S, "holder", W.org_b);
  W.acc_a = tl_mk_account(S, "CHN01", W.org_a, "trading", "A trading");
  W.acc_b = tl_mk_account(S, "CHN01", W.org_b, "trading", "B trading");
  json_decref(tl_mk_issue(S, "CHN01", "CHN.WIND.01", "CCER", 2024, 1000000, W.acc_a));
  json_decref(post_ok("/v1/exchange/instruments", S->admin,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "code", "CCER.X",
                                "name", "CCER", "kind", "contract", "unit_type", "CCER", "registry", "CHN01", "currency",
                                "CNY", "minor_units", 2, "tick", 1, "lot", 1, "band_pct", 10, "prev_close", 5000,
                                "maker_bps", 10, "taker_bps", 20)));
  json_decref(post_ok("/v1/exchange/deposits", S->admin,
                      json_pack("{s:I, s:s, s:I}", "org", (json_int_t)W.org_b, "currency", "CNY", "amount",
                                (json_int_t)100000000000LL)));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(&W.srv) : 0;
  tl_srv_free(&W.srv);
  free(W.tok_a);
  free(W.tok_b);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

static json_t *order(const char *side, int64_t acc, int64_t price, int64_t qty) {
  return json_pack("{s:s, s:I, s:s, s:I, s:I}", "instrument", "CCER.X", "account", (json_int_t)acc, "side", side, "price",
                   (json_int_t)price, "qty", (json_int_t)qty);
}

static void expect(const char *tok, const char *path, const char *body, long status, const char *code) {
  tl_resp r = tl_http_req(S, "POST", path, tok, body, NULL);
  tl_assert_error_at(&r, status, code, __FILE__, __LINE__);
  tl_resp_free(&r);
}

static void test_http_routes(void **state) {
  (void)state;
  char body[512];
  expect(W.tok_a, "/v1/exchange/orders", "{\"instrument\":\"CCER.X\",\"account\":1,\"side\":\"sell\",\"qty\":1,\"bogus\":1}",
         400, "unknown_field");
  snprintf(body, sizeof body, "{\"instrument\":\"CCER.X\",\"account\":%lld,\"side\":\"sell\",\"qty\":10}", (long long)W.acc_a);
  expect(W.tok_a, "/v1/exchange/orders", body, 400, "missing_field");
  snprintf(body, sizeof body, "{\"instrument\":\"CCER.X\",\"account\":%lld,\"side\":\"sell\",\"price\":6000,\"qty\":10}",
           (long long)W.acc_a);
  expect(W.tok_a, "/v1/exchange/orders", body, 422, "price_limit");
  snprintf(body, sizeof body, "{\"instrument\":\"CCER.X\",\"account\":%lld,\"side\":\"buy\",\"price\":5000,\"qty\":10}",
           (long long)W.acc_a);
  expect(W.tok_a, "/v1/exchange/orders", body, 409, "insufficient_cash");
  expect(W.tok_a, "/v1/exchange/orders/999999/cancel", "{}", 404, "unknown_order");
  json_t *s = post_ok("/v1/exchange/orders", W.tok_a, order("sell", W.acc_a, 5000, 100));
  json_t *b = post_ok("/v1/exchange/orders", W.tok_b, order("buy", W.acc_b, 5010, 60));
  assert_int_equal(json_array_size(json_object_get(b, "trades")), 1);
  json_t *d = get_ok(NULL, "/v1/exchange/instruments/CCER.X/depth?levels=5");
  assert_int_equal(tl_jint(json_array_get(json_object_get(d, "asks"), 0), "qty"), 40);
  json_decref(d);
  json_t *t = get_ok(NULL, "/v1/exchange/instruments/CCER.X/trades");
  json_t *t0 = json_array_get(json_object_get(t, "items"), 0);
  assert_int_equal(tl_jint(t0, "price"), 5000);
  assert_null(json_object_get(t0, "buyer_fee")); /* public view */
  json_decref(t);
  json_t *c = get_ok(NULL, "/v1/exchange/instruments/CCER.X/close");
  assert_int_equal(tl_jint(c, "close"), 5000);
  json_decref(c);
  json_decref(get_ok(NULL, "/v1/exchange/instruments/CCER.X/bars"));
  tl_resp r = tl_http_req(S, "GET", "/v1/exchange/instruments/NOPE/depth", NULL, NULL, NULL);
  tl_assert_error_at(&r, 404, "unknown_instrument", __FILE__, __LINE__);
  tl_resp_free(&r);
  char path[128];
  snprintf(path, sizeof path, "/v1/exchange/orders/%lld/cancel", (long long)tl_jint(s, "id"));
  expect(W.tok_b, path, "{}", 403, "forbidden");
  json_decref(post_ok(path, W.tok_a, json_object()));
  expect(W.tok_a, path, "{}", 409, "order_closed");
  json_decref(s);
  json_decref(b);
}

/* Issue 14: the day's settlement ("closing") price is the VWAP rounded to
 * the tick; a bar's close is the last trade. 100 t at 50.00 then 20 t at
 * 50.40: VWAP 5006.67 -> settlement 5007, unrounded vwap 5006, last trade
 * 5040; the old names close/previous_close stay as deprecated aliases. */
static void test_settlement_vs_last_trade(void **state) {
  (void)state;
  json_decref(post_ok("/v1/exchange/instruments", S->admin,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "code", "CCER.SP", "name",
                                "CCER settlement", "kind", "contract", "unit_type", "CCER", "registry", "CHN01",
                                "currency", "CNY", "minor_units", 2, "tick", 1, "lot", 1, "band_pct", 10, "prev_close",
                                5000)));
  const int64_t fills[][2] = {{5000, 100}, {5040, 20}};
  for (size_t i = 0; i < 2; i++) {
    json_t *o = order("sell", W.acc_a, fills[i][0], fills[i][1]);
    json_object_set_new(o, "instrument", json_string("CCER.SP"));
    json_decref(post_ok("/v1/exchange/orders", W.tok_a, o));
    o = order("buy", W.acc_b, fills[i][0], fills[i][1]);
    json_object_set_new(o, "instrument", json_string("CCER.SP"));
    json_t *b = post_ok("/v1/exchange/orders", W.tok_b, o);
    assert_int_equal(json_array_size(json_object_get(b, "trades")), 1);
    json_decref(b);
  }
  json_t *c = get_ok(NULL, "/v1/exchange/instruments/CCER.SP/close");
  assert_int_equal(tl_jint(c, "settlement_price"), 5007);
  assert_int_equal(tl_jint(c, "previous_settlement_price"), 5000);
  assert_int_equal(tl_jint(c, "last_trade_price"), 5040);
  assert_int_equal(tl_jint(c, "volume"), 120);
  assert_string_equal(tl_jstr(c, "basis"), "vwap");
  assert_int_equal(tl_jint(c, "close"), 5007); /* deprecated alias of settlement_price */
  assert_int_equal(tl_jint(c, "previous_close"), 5000);
  json_decref(c);
  json_t *bars = get_ok(NULL, "/v1/exchange/instruments/CCER.SP/bars");
  json_t *bar = json_array_get(json_object_get(bars, "items"), 0);
  assert_int_equal(json_array_size(json_object_get(bars, "items")), 1);
  assert_int_equal(tl_jint(bar, "close"), 5040); /* the last trade */
  assert_int_equal(tl_jint(bar, "settlement_price"), 5007);
  assert_int_equal(tl_jint(bar, "vwap"), 5006);
  assert_int_equal(tl_jint(bar, "open"), 5000);
  json_decref(bars);
}

/* Aggregates open orders into "side price qty count" lines. */
static char *levels_of_orders(json_t *orders) {
  tl_sbuf sb = {0};
  /* Orders come by seq; aggregate with a small quadratic pass. */
  size_t n = json_array_size(orders);
  char *done = calloc(n + 1, 1);
  for (int side = 0; side < 2; side++) {
    const char *sname = side == 0 ? "buy" : "sell";
    for (;;) {
      int64_t best = -1;
      for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(orders, i);
        if (done[i] || strcmp(tl_jstr(o, "side"), sname) != 0) continue;
        int64_t p = tl_jint(o, "price");
        if (best < 0 || (side == 0 ? p > best : p < best)) best = p;
      }
      if (best < 0) break;
      int64_t qty = 0;
      int cnt = 0;
      for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(orders, i);
        if (done[i] || strcmp(tl_jstr(o, "side"), sname) != 0 || tl_jint(o, "price") != best) continue;
        qty += tl_jint(o, "remaining");
        cnt++;
        done[i] = 1;
      }
      tl_sb_add(&sb, "%s %lld %lld %d\n", sname, (long long)best, (long long)qty, cnt);
    }
  }
  free(done);
  return sb.buf ? sb.buf : calloc(1, 1);
}

static char *levels_of_depth(json_t *d) {
  tl_sbuf sb = {0};
  const char *keys[] = {"bids", "asks"};
  for (int k = 0; k < 2; k++) {
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, keys[k]), i, l)
      tl_sb_add(&sb, "%s %lld %lld %lld\n", k == 0 ? "buy" : "sell", (long long)tl_jint(l, "price"),
                (long long)tl_jint(l, "qty"), (long long)tl_jint(l, "orders"));
  }
  return sb.buf ? sb.buf : calloc(1, 1);
}

static void test_kill9_during_orders(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0x6E);
  json_t *acked = json_array(), *acked_trades = json_array();
  pid_t pid = S->pid, killer = 0;
  useconds_t delay = (useconds_t)tl_rng_range(&rng, 20000, 80000);
  int sent = 0;
  json_t *pending = NULL;
  char key[64] = "";
  bool pending_sell = false;
  for (;; sent++) {
    bool sell = tl_rng_below(&rng, 2) == 0;
    json_t *body = order(sell ? "sell" : "buy", sell ? W.acc_a : W.acc_b, 4980 + 5 * tl_rng_range(&rng, 0, 8),
                         tl_rng_range(&rng, 1, 50));
    snprintf(key, sizeof key, "Idempotency-Key: order-%d", sent);
    json_decref(pending);
    pending = json_incref(body);
    pending_sell = sell;
    if (sent == 20) {
      killer = fork();
      assert_true(killer >= 0);
      if (killer == 0) {
        usleep(delay);
        kill(pid, SIGKILL);
        _exit(0);
      }
    }
    tl_resp r = tl_http_reqj(S, "POST", "/v1/exchange/orders", sell ? W.tok_a : W.tok_b, body, key);
    if (r.status == 0) {
      tl_resp_free(&r);
      break; /* cut off: that order is in doubt */
    }
    if (r.status == 201) {
      json_array_append(acked, r.body);
      size_t i;
      json_t *t;
      json_array_foreach(json_object_get(r.body, "trades"), i, t) json_array_append(acked_trades, t);
    } else {
      assert_true(r.status == 409); /* self-trade and the like: refused, nothing changed */
    }
    tl_resp_free(&r);
    assert_true(sent < 100000);
  }
  waitpid(killer, NULL, 0);
  tl_srv_kill(S);
  assert_int_equal(tl_srv_restart(S), 0);

  /* Every acknowledged order is there; at most one more (the one in doubt). */
  json_t *all = get_ok(S->admin, "/v1/exchange/orders");
  json_t *items = json_object_get(all, "items");
  size_t i;
  json_t *o;
  json_array_foreach(acked, i, o) {
    bool found = false;
    size_t k;
    json_t *x;
    json_array_foreach(items, k, x) found |= tl_jint(x, "id") == tl_jint(o, "id") && tl_jint(x, "seq") == tl_jint(o, "seq");
    if (!found) fail_msg("acknowledged order %lld is missing after the restart", (long long)tl_jint(o, "id"));
  }
  size_t before_http = 0; /* test_http_routes' orders, in the same store when run first */
  json_array_foreach(items, i, o) before_http += tl_jint(o, "id") < tl_jint(json_array_get(acked, 0), "id");
  assert_true(json_array_size(items) - before_http <= json_array_size(acked) + 1);
  /* Every acknowledged trade is there. */
  json_t *tr = get_ok(NULL, "/v1/exchange/instruments/CCER.X/trades?limit=500");
  json_array_foreach(acked_trades, i, o) {
    bool found = false;
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(tr, "items"), k, x) found |= tl_jint(x, "id") == tl_jint(o, "id") &&
                                                                   tl_jint(x, "qty") == tl_jint(o, "qty");
    if (json_array_size(acked_trades) - i <= 400 && !found)
      fail_msg("acknowledged trade %lld is missing after the restart", (long long)tl_jint(o, "id"));
  }
  json_decref(tr);
  /* The rebuilt book equals a replay of the open orders. */
  json_t *open = get_ok(S->admin, "/v1/exchange/orders?open=true");
  json_t *d = get_ok(NULL, "/v1/exchange/instruments/CCER.X/depth?levels=50");
  char *want = levels_of_orders(json_object_get(open, "items")), *got = levels_of_depth(d);
  assert_string_equal(got, want);
  free(want);
  free(got);
  json_decref(open);
  json_decref(d);
  /* The order in doubt, again under its key: done exactly once. */
  size_t before_retry = json_array_size(items);
  tl_resp rr = tl_http_reqj(S, "POST", "/v1/exchange/orders", pending_sell ? W.tok_a : W.tok_b, pending, key);
  assert_true(rr.status == 201 || rr.status == 409);
  json_t *all2 = get_ok(S->admin, "/v1/exchange/orders");
  size_t after_retry = json_array_size(json_object_get(all2, "items"));
  bool committed = json_array_size(items) - before_http == json_array_size(acked) + 1;
  if (rr.status == 201) {
    char hdr[16] = "";
    bool replay = tl_resp_header(&rr, "Idempotent-Replayed", hdr, sizeof hdr) == 1 && strcmp(hdr, "true") == 0;
    assert_true(replay == committed);
    assert_int_equal(after_retry, committed ? before_retry : before_retry + 1);
  }
  tl_resp_free(&rr);
  json_decref(all2);
  json_decref(all); /* pending went with the retry: tl_http_reqj takes its body */
  char out[4096];
  int rc = tl_run_cli(S, out, sizeof out, "check", (char *)NULL);
  if (rc != 0) fail_msg("ledger6 check after the restart: %s", out);
  print_message("kill -9 after %d streamed orders (%zu acknowledged, %zu trades)\n", sent - 20, json_array_size(acked),
                json_array_size(acked_trades));
  json_decref(acked);
  json_decref(acked_trades);
}

/* Reads from fd until text holds `want` occurrences of needle or the
 * deadline (ms) passes; returns how many were seen. */
static int read_events(int fd, char *text, size_t cap, const char *needle, int want, int ms) {
  size_t len = strlen(text);
  for (int waited = 0; waited < ms;) {
    int seen = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) seen++;
    if (seen >= want) return seen;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int rc = poll(&pf, 1, 100);
    waited += 100;
    if (rc > 0) {
      ssize_t n = recv(fd, text + len, cap - 1 - len, 0);
      if (n <= 0) break;
      len += (size_t)n;
      text[len] = '\0';
    }
  }
  int seen = 0;
  for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) seen++;
  return seen;
}

/* The Server-Sent Events stream: a snapshot, then the trade and book
 * events of an order, read with a timeout; then the client closes. */
static void test_stream(void **state) {
  (void)state;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S->port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  const char *get = "GET /v1/exchange/stream?instrument=CCER.X HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  assert_true(send(fd, get, strlen(get), 0) == (ssize_t)strlen(get));
  static char text[65536];
  text[0] = '\0';
  assert_int_equal(read_events(fd, text, sizeof text, "event: book", 1, 5000), 1); /* the snapshot */
  assert_non_null(strstr(text, "text/event-stream"));
  json_decref(post_ok("/v1/exchange/orders", W.tok_a, order("sell", W.acc_a, 5000, 7)));
  json_decref(post_ok("/v1/exchange/orders", W.tok_b, order("buy", W.acc_b, 5000, 7)));
  assert_true(read_events(fd, text, sizeof text, "event: book", 3, 5000) >= 3);
  assert_true(read_events(fd, text, sizeof text, "event: trade", 1, 5000) >= 1);
  assert_non_null(strstr(text, "\"qty\":7"));
  close(fd);
  /* A stream with a limit ends by itself; other instruments are 404. */
  tl_resp r = tl_http_req(S, "GET", "/v1/exchange/stream?instrument=CCER.X&limit=1", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/exchange/stream?instrument=NOPE", NULL, NULL, NULL);
  tl_assert_error_at(&r, 404, "unknown_instrument", __FILE__, __LINE__);
  tl_resp_free(&r);
}

/* Instrument criteria and batch labels over HTTP (crit): the list fields,
 * the labels routes' strict decoding and codes, labels in GET /v1/issuances. */
static void test_criteria_http(void **state) {
  (void)state;
  const char *base = "\"name\": \"n\", \"kind\": \"contract\", \"registry\": \"CHN01\", \"currency\": \"CNY\","
                     " \"minor_units\": 2, \"tick\": 1, \"lot\": 1";
  char body[1024];
  snprintf(body, sizeof body, "{\"code\": \"CCP.X\", \"unit_types\": \"CCER\", %s}", base);
  expect(S->admin, "/v1/exchange/instruments", body, 400, "wrong_type");
  snprintf(body, sizeof body, "{\"code\": \"CCP.X\", \"unit_types\": [], %s}", base);
  expect(S->admin, "/v1/exchange/instruments", body, 422, "invalid_value");
  snprintf(body, sizeof body, "{\"code\": \"CCP.X\", \"unit_types\": [\"CCER\"], \"labels\": [\"gold\"], %s}", base);
  expect(S->admin, "/v1/exchange/instruments", body, 404, "unknown_label");
  snprintf(body, sizeof body, "{\"code\": \"CCP.X\", \"unit_types\": [\"CCER\"], \"labels\": [\"corsia\"], %s}", base);
  expect(S->admin, "/v1/exchange/instruments", body, 404, "unknown_corsia_phase");
  snprintf(body, sizeof body, "{\"code\": \"CCP.X\", \"unit_types\": [\"CCER\"], \"labels\": [\"ccp\"], %s}", base);
  tl_resp r = tl_http_req(S, "POST", "/v1/exchange/instruments", S->admin, body, NULL);
  tl_assert_status(&r, 201);
  assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "labels"), 0)), "ccp");
  assert_string_equal(tl_jstr(r.body, "unit_type"), "CCER");
  tl_resp_free(&r);
  /* No labelled units yet: the seller is refused. */
  json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:I}", "instrument", "CCP.X", "account", (json_int_t)W.acc_a, "side", "sell",
                        "price", (json_int_t)5000, "qty", (json_int_t)10);
  char *ot = json_dumps(o, 0);
  expect(W.tok_a, "/v1/exchange/orders", ot, 409, "insufficient_holdings");
  /* The labels routes. */
  json_t *iss = get_ok(NULL, "/v1/issuances");
  int64_t batch = json_integer_value(json_object_get(json_array_get(json_object_get(iss, "items"), 0), "batch"));
  json_decref(iss);
  char path[128];
  snprintf(path, sizeof path, "/v1/issuances/%lld/labels", (long long)batch);
  expect(W.tok_a, path, "{\"label\": \"ccp\"}", 403, "forbidden");
  expect(NULL, path, "{\"label\": \"ccp\"}", 401, "unauthorized");
  expect(S->admin, path, "{\"label\": \"ccp\", \"colour\": 1}", 400, "unknown_field");
  expect(S->admin, path, "{}", 400, "missing_field");
  expect(S->admin, path, "{\"label\": \"gold\"}", 404, "unknown_label");
  expect(S->admin, "/v1/issuances/999999/labels", "{\"label\": \"ccp\"}", 404, "unknown_batch");
  expect(S->admin, "/v1/issuances/abc/labels", "{\"label\": \"ccp\"}", 404, "unknown_batch");
  r = tl_http_req(S, "POST", path, S->admin, "{\"label\": \"ccp\", \"reference\": \"ICVCM 2026/7\"}", NULL);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  expect(S->admin, path, "{\"label\": \"ccp\"}", 409, "already_exists");
  json_t *l = get_ok(NULL, path);
  assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
  json_decref(l);
  iss = get_ok(NULL, "/v1/issuances");
  json_t *lab = json_array_get(json_object_get(json_array_get(json_object_get(iss, "items"), 0), "labels"), 0);
  assert_string_equal(tl_jstr(lab, "label"), "ccp");
  assert_string_equal(tl_jstr(lab, "reference"), "ICVCM 2026/7");
  json_decref(iss);
  l = get_ok(NULL, "/v1/labels");
  assert_int_equal(json_array_size(json_object_get(l, "items")), 29); /* ccp, arb, ccb, sdg-1..sdg-17, removal, socialcarbon, article6-oimp/-ndc/-other, corsia-pilot/-first, corsia, oimp (config/labels.json) */
  json_decref(l);
  /* Now the seller's units qualify; the order is cancelled again (the
   * kill -9 test replays every open order against CCER.X's book). */
  json_t *placed = post_ok("/v1/exchange/orders", W.tok_a, o);
  assert_string_equal(tl_jstr(placed, "status"), "open");
  snprintf(path, sizeof path, "/v1/exchange/orders/%lld/cancel", (long long)tl_jint(placed, "id"));
  json_decref(placed);
  json_decref(post_ok(path, W.tok_a, json_object()));
  free(ot);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_routes),
      cmocka_unit_test(test_settlement_vs_last_trade),
      cmocka_unit_test(test_stream),
      cmocka_unit_test(test_criteria_http),
      cmocka_unit_test(test_kill9_during_orders),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
