/*
 * test_exchange.c -- the exchange's use cases (src/service/exchange.h) on
 * the store L6_STORE names: a trade settled delivery-versus-payment, every
 * refusal with its code and nothing changed, cancel and replace, a restart
 * (books rebuilt from the store), a store fault in the middle of an order,
 * and a seeded random stream compared with a simple model. svc_ex_check
 * (conservation of cash and units, books equal to a replay) runs after
 * every test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/exchange.h"
#include "service/ldc.h"
#include "service/service.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int64_t now_ms;
static int64_t test_clock(void) { return now_ms; }
/* 2026-06-01 plus day days, at hh:mm UTC. */
static void set_time(int day, int hh, int mm) {
  now_ms = (int64_t)(20605 + day) * 86400000 + (int64_t)hh * 3600000 + (int64_t)mm * 60000;
}

static struct {
  tl_store where;
  l6_svc *s;
  l6_actor admin, auditor, a, b, c;
  l6_id org_a, org_b, org_c;
  l6_id acc_a, acc_b, acc_c;
} W;

static void svc_up(void) {
  l6_error err = {0};
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  l6_store *st = tl_store_open(&W.where);
  assert_non_null(st);
  W.s = svc_open(st, 2, &err);
  if (W.s) svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(W.s);
  svc_set_clock(W.s, test_clock);
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) fail_msg("config: %s", err.message);
}

static l6_id mk_org(const char *name) { return tl_svc_org(W.s, &W.admin, "CHN01", name); }

static l6_id mk_account(l6_id org) { return tl_svc_account(W.s, &W.admin, "CHN01", org, L6_ACCT_HOLDING, "holding"); }

static void issue(int vintage, l6_qty qty, l6_id to) {
  l6_issue_req r = {.vintage = vintage, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "CHN01");
  snprintf(r.project, sizeof r.project, "CHN.WIND.01");
  snprintf(r.unit_type, sizeof r.unit_type, "CCER");
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_issue(W.s, &W.admin, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("issue: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
}

/* An instrument: CCER standard contract in CNY, tick 1 fen, lot 1 t, fees
 * maker 10 bps, taker 20 bps; sessions and other rules set by the caller. */
static l6_ex_instrument instrument(const char *code) {
  l6_ex_instrument x = {.minor_units = 2, .tick = 1, .lot = 1, .maker_bps = 10, .taker_bps = 20, .prev_close = 0};
  snprintf(x.code, sizeof x.code, "%s", code);
  snprintf(x.name, sizeof x.name, "CCER contract %s", code);
  snprintf(x.kind, sizeof x.kind, "contract");
  snprintf(x.unit_type, sizeof x.unit_type, "CCER");
  snprintf(x.registry, sizeof x.registry, "CHN01");
  snprintf(x.currency, sizeof x.currency, "CNY");
  snprintf(x.mode, sizeof x.mode, "continuous");
  return x;
}

static void list(const l6_ex_instrument *x) { TL_OK(svc_ex_instrument_create(W.s, &W.admin, x, &out_, &err_), "list"); }

static void deposit(l6_id org, int64_t amount) {
  TL_OK(svc_ex_cash(W.s, &W.admin, org, "CNY", amount, true, &out_, &err_), "deposit");
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  set_time(0, 2, 0); /* 10:00 in Beijing */
  if (tl_store_make(&W.where, "exchange", 0) != 0) return -1;
  svc_up();
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "operator");
  W.auditor = tl_actor(L6_ROLE_AUDITOR, 0, "auditor");
  l6_party p = {.code = "CHN", .name = "China"};
  TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
  l6_registry r = {.id = "CHN01", .party = "CHN", .name = "China registry"};
  TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  l6_project pr = {.id = "CHN.WIND.01", .programme = "CCER", .host = "CHN", .title = "Wind farm",
                   .methodology = "ACM0002", .sector = "energy", .kind = "avoidance", .crediting_start = "2020-01-01",
                   .crediting_end = "2030-12-31", .status = "registered"};
  TL_OK(svc_project_create(W.s, &W.admin, &pr, &out_, &err_), "project");
  W.org_a = mk_org("Seller A");
  W.org_b = mk_org("Buyer B");
  W.org_c = mk_org("Trader C");
  W.a = tl_actor(L6_ROLE_HOLDER, W.org_a, "A");
  W.b = tl_actor(L6_ROLE_HOLDER, W.org_b, "B");
  W.c = tl_actor(L6_ROLE_HOLDER, W.org_c, "C");
  W.acc_a = mk_account(W.org_a);
  W.acc_b = mk_account(W.org_b);
  W.acc_c = mk_account(W.org_c);
  issue(2021, 5000, W.acc_a);
  issue(2022, 5000, W.acc_a);
  issue(2023, 3000, W.acc_c);
  deposit(W.org_b, 100000000);
  deposit(W.org_c, 100000000);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  l6_error err = {0};
  l6_err e = svc_ex_check(W.s, &err);
  if (e != L6_E_OK) fail_msg("exchange check after the test: %s", err.message);
  e = svc_check(W.s, 0, &err);
  if (e != L6_E_OK) fail_msg("ledger check after the test: %s", err.message);
  svc_close(W.s);
  tl_store_free(&W.where);
  return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static l6_ex_order_req req(const char *code, l6_id acc, const char *side, int64_t price, int64_t qty) {
  l6_ex_order_req r = {.account = acc, .price = price, .qty = qty};
  snprintf(r.instrument, sizeof r.instrument, "%s", code);
  snprintf(r.side, sizeof r.side, "%s", side);
  snprintf(r.type, sizeof r.type, "limit");
  return r;
}

static json_t *order_ok(const l6_actor *a, const l6_ex_order_req *r) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_ex_order(W.s, a, r, &out, &err);
  if (e != L6_E_OK) fail_msg("order: %s: %s", l6_err_code(e), err.message);
  return out;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static int64_t units(l6_id acc) {
  l6_pick_filter f = {.account = acc};
  l6_qty q = 0;
  l6_error err;
  l6_store *st = svc_store(W.s);
  assert_int_equal(st->ops->account_total(st, &f, &q, &err), L6_E_OK);
  return q;
}

static void cash(l6_id org, int64_t *bal, int64_t *res) {
  l6_ex_cash c;
  l6_error err;
  l6_store *st = svc_store(W.s);
  assert_int_equal(st->ops->ex_cash_get(st, org, "CNY", &c, &err), L6_E_OK);
  *bal = c.balance;
  *res = c.reserved;
}

/* Everything the exchange and the ledger hold, as text. */
static char *dump(const char *code) {
  tl_sbuf b = {0};
  json_t *j = NULL;
  l6_error err;
  const l6_actor *as[] = {&W.admin};
  assert_int_equal(svc_ex_cash_list(W.s, as[0], &j, &err), L6_E_OK);
  char *t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "cash %s\n", t);
  free(t);
  json_decref(j);
  assert_int_equal(svc_ex_order_list(W.s, &W.admin, false, &j, &err), L6_E_OK);
  t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "orders %s\n", t);
  free(t);
  json_decref(j);
  if (code) {
    assert_int_equal(svc_ex_depth(W.s, code, 20, &j, &err), L6_E_OK);
    t = json_dumps(j, JSON_SORT_KEYS);
    tl_sb_add(&b, "depth %s\n", t);
    free(t);
    json_decref(j);
    assert_int_equal(svc_ex_trades(W.s, code, 100, &j, &err), L6_E_OK);
    t = json_dumps(j, JSON_SORT_KEYS);
    tl_sb_add(&b, "trades %s\n", t);
    free(t);
    json_decref(j);
  }
  tl_sb_add(&b, "units %lld %lld %lld\n", (long long)units(W.acc_a), (long long)units(W.acc_b), (long long)units(W.acc_c));
  l6_tx_filter f = {.limit = 1000};
  assert_int_equal(svc_tx_list(W.s, &W.admin, &f, &j, &err), L6_E_OK);
  tl_sb_add(&b, "txs %zu\n", json_array_size(json_object_get(j, "items")));
  json_decref(j);
  return b.buf;
}

/* The call fails with want and changes nothing. */
static void refused(const char *code, l6_err want, l6_err (*call)(void *), void *arg) {
  char *before = dump(code);
  l6_err e = call(arg);
  char *after = dump(code);
  if (e != want) fail_msg("want %s, got %s", l6_err_code(want), l6_err_code(e));
  if (strcmp(before, after) != 0) fail_msg("a refused %s changed something:\n%s\n---\n%s", l6_err_code(want), before, after);
  free(before);
  free(after);
  l6_error err;
  assert_int_equal(svc_ex_check(W.s, &err), L6_E_OK);
}

typedef struct {
  const l6_actor *a;
  l6_ex_order_req r;
} order_arg;

static l6_err call_order(void *p) {
  order_arg *o = p;
  json_t *out = NULL;
  l6_error err;
  l6_err e = svc_ex_order(W.s, o->a, &o->r, &out, &err);
  json_decref(out);
  return e;
}

static void order_refused(const char *code, l6_err want, const l6_actor *a, l6_ex_order_req r) {
  order_arg o = {a, r};
  refused(code, want, call_order, &o);
}

/* ---- tests ---------------------------------------------------------------- */

/* A sell rests, a buy crosses: units and cash change hands at the maker's
 * price, fees go to the operator, and market data shows the trade. */
static void test_trade_settles(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.C");
  list(&x);
  l6_ex_order_req s1 = req("CCER.C", W.acc_a, "sell", 5000, 1000);
  json_t *o = order_ok(&W.a, &s1);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "open");
  json_decref(o);
  assert_int_equal(units(W.acc_a), 9000); /* 1000 in escrow */
  l6_ex_order_req b1 = req("CCER.C", W.acc_b, "buy", 5100, 400);
  o = order_ok(&W.b, &b1);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "filled");
  assert_int_equal(json_array_size(json_object_get(o, "trades")), 1);
  json_t *t = json_array_get(json_object_get(o, "trades"), 0);
  assert_int_equal(jint(t, "price"), 5000);
  assert_int_equal(jint(t, "qty"), 400);
  json_decref(o);
  assert_int_equal(units(W.acc_b), 400);
  int64_t bal, res;
  cash(W.org_b, &bal, &res);
  /* 400 t x 50.00 = 2,000,000 fen, taker fee 20 bps = 4,000 */
  assert_int_equal(bal, 100000000 - 2000000 - 4000);
  assert_int_equal(res, 0);
  cash(W.org_a, &bal, &res);
  assert_int_equal(bal, 2000000 - 2000); /* maker fee 10 bps */
  cash(0, &bal, &res);
  assert_int_equal(bal, 6000);
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ex_depth(W.s, "CCER.C", 5, &j, &err), L6_E_OK);
  json_t *ask = json_array_get(json_object_get(j, "asks"), 0);
  assert_int_equal(jint(ask, "price"), 5000);
  assert_int_equal(jint(ask, "qty"), 600);
  json_decref(j);
  assert_int_equal(svc_ex_close(W.s, "CCER.C", &j, &err), L6_E_OK);
  assert_int_equal(jint(j, "settlement_price"), 5000);
  assert_int_equal(jint(j, "close"), 5000); /* the deprecated alias */
  json_decref(j);
  assert_int_equal(svc_ex_bars(W.s, "CCER.C", &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
  json_decref(j);
  /* The next day the close is the previous close. */
  set_time(1, 2, 0);
  assert_int_equal(svc_ex_close(W.s, "CCER.C", &j, &err), L6_E_OK);
  assert_int_equal(jint(j, "previous_settlement_price"), 5000);
  assert_int_equal(jint(j, "previous_close"), 5000);
  assert_string_equal(json_string_value(json_object_get(j, "basis")), "previous_close");
  json_decref(j);
  /* A market buy takes the rest; IOC and FOK. */
  l6_ex_order_req m = req("CCER.C", W.acc_c, "buy", 0, 700);
  snprintf(m.type, sizeof m.type, "market");
  o = order_ok(&W.c, &m);
  assert_int_equal(jint(o, "filled"), 600);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "cancelled");
  json_decref(o);
  cash(W.org_c, &bal, &res);
  assert_int_equal(res, 0);
}

/* Every refusal: its code, and nothing changed. */
static void test_refusals(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.L");
  x.prev_close = 5000;
  x.band_pct = 10;
  x.tick = 10;
  x.lot = 10;
  x.max_qty = 99990;
  x.no_same_day_resale = true;
  snprintf(x.sessions, sizeof x.sessions, "09:30-11:30,13:00-15:00");
  x.tz_offset = 480;
  list(&x);
  order_refused("CEA.L", L6_E_PRICE_LIMIT, &W.a, req("CEA.L", W.acc_a, "sell", 5510, 100));
  order_refused("CEA.L", L6_E_PRICE_LIMIT, &W.b, req("CEA.L", W.acc_b, "buy", 4490, 100));
  order_refused("CEA.L", L6_E_TICK_SIZE, &W.a, req("CEA.L", W.acc_a, "sell", 5005, 100));
  order_refused("CEA.L", L6_E_LOT_SIZE, &W.a, req("CEA.L", W.acc_a, "sell", 5000, 105));
  order_refused("CEA.L", L6_E_ORDER_SIZE, &W.a, req("CEA.L", W.acc_a, "sell", 5000, 100000));
  order_refused("CEA.L", L6_E_INSUFFICIENT_HOLDINGS, &W.a, req("CEA.L", W.acc_a, "sell", 5000, 10010));
  order_refused("CEA.L", L6_E_INSUFFICIENT_CASH, &W.b, req("CEA.L", W.acc_b, "buy", 5000, 99990));
  order_refused("CEA.L", L6_E_FORBIDDEN, &W.b, req("CEA.L", W.acc_a, "sell", 5000, 10));
  order_refused("CEA.L", L6_E_UNKNOWN_INSTRUMENT, &W.a, req("NOPE", W.acc_a, "sell", 5000, 10));
  order_refused("CEA.L", L6_E_FORBIDDEN, &W.admin, req("CEA.L", W.acc_a, "sell", 5000, 10));
  /* Outside the sessions (12:00 Beijing) and before the open. */
  set_time(0, 4, 0);
  order_refused("CEA.L", L6_E_SESSION_CLOSED, &W.a, req("CEA.L", W.acc_a, "sell", 5000, 100));
  set_time(0, 1, 29);
  order_refused("CEA.L", L6_E_SESSION_CLOSED, &W.a, req("CEA.L", W.acc_a, "sell", 5000, 100));
  set_time(0, 5, 30); /* 13:30 Beijing: open again */
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CEA.L", .side = "sell",
                                                 .type = "limit", .price = 5500, .qty = 100}));
}

static void test_refusals_book(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.B");
  x.prev_close = 5000;
  x.band_pct = 10;
  x.no_same_day_resale = true;
  list(&x);
  l6_ex_order_req m = req("CEA.B", W.acc_b, "buy", 0, 10);
  snprintf(m.type, sizeof m.type, "market");
  order_refused("CEA.B", L6_E_NO_LIQUIDITY, &W.b, m);
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CEA.B", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 100}));
  l6_ex_order_req po = req("CEA.B", W.acc_b, "buy", 5000, 10);
  po.post_only = true;
  order_refused("CEA.B", L6_E_WOULD_CROSS, &W.b, po);
  l6_ex_order_req fok = req("CEA.B", W.acc_b, "buy", 5000, 200);
  snprintf(fok.tif, sizeof fok.tif, "fok");
  order_refused("CEA.B", L6_E_FOK_KILLED, &W.b, fok);
  /* A's own buy would meet A's own sell first. */
  deposit(W.org_a, 10000000);
  order_refused("CEA.B", L6_E_SELF_TRADE, &W.a, req("CEA.B", W.acc_a, "buy", 5000, 10));
  /* C buys 50 today and cannot sell them today; 3000 of its own it can. */
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.B", .side = "buy",
                                                 .type = "limit", .price = 5000, .qty = 50}));
  order_refused("CEA.B", L6_E_SAME_DAY_RESALE, &W.c, req("CEA.B", W.acc_c, "sell", 5100, 3050));
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.B", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 3000}));
  /* Halted: nothing trades. */
  TL_OK(svc_ex_instrument_status(W.s, &W.admin, "CEA.B", "halted", &out_, &err_), "halt");
  order_refused("CEA.B", L6_E_INSTRUMENT_HALTED, &W.b, req("CEA.B", W.acc_b, "buy", 5000, 10));
  TL_OK(svc_ex_instrument_status(W.s, &W.admin, "CEA.B", "open", &out_, &err_), "reopen");
  /* Withdrawing more than the available balance. */
  char *before = dump("CEA.B");
  json_t *out = NULL;
  l6_error err;
  assert_int_equal(svc_ex_cash(W.s, &W.admin, W.org_b, "CNY", 100000001, false, &out, &err), L6_E_INSUFFICIENT_CASH);
  assert_int_equal(svc_ex_cash(W.s, &W.b, W.org_b, "CNY", 1, true, &out, &err), L6_E_FORBIDDEN);
  char *after = dump("CEA.B");
  assert_string_equal(before, after);
  free(before);
  free(after);
  /* The next day C may sell what it bought. */
  set_time(1, 2, 0);
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.B", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 50}));
}

/* Cancel gives back the reservation; replace keeps or loses priority. */
static void test_cancel_replace(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.R");
  list(&x);
  json_t *o1 = order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CCER.R", .side = "buy", .type = "limit",
                                                 .price = 4000, .qty = 100});
  json_t *o2 = order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CCER.R", .side = "buy", .type = "limit",
                                                 .price = 4000, .qty = 100});
  int64_t bal, res;
  cash(W.org_b, &bal, &res);
  assert_int_equal(res, 400000 + 800); /* price x qty + fee at the higher rate */
  json_t *out = NULL;
  l6_error err;
  /* B lowers its quantity: keeps priority; a sell of 50 trades with B. */
  assert_int_equal(svc_ex_replace(W.s, &W.b, jint(o1, "id"), 4000, 60, &out, &err), L6_E_OK);
  assert_int_equal(jint(out, "seq"), jint(o1, "seq"));
  json_decref(out);
  json_t *s = order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.R", .side = "sell", .type = "limit",
                                                .price = 4000, .qty = 50});
  assert_int_equal(jint(json_array_get(json_object_get(s, "trades"), 0), "qty"), 50);
  json_decref(s);
  assert_int_equal(units(W.acc_b), 50);
  /* B raises its quantity: loses priority to C. */
  assert_int_equal(svc_ex_replace(W.s, &W.b, jint(o1, "id"), 4000, 200, &out, &err), L6_E_OK);
  assert_true(jint(out, "seq") > jint(o2, "seq"));
  json_decref(out);
  s = order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.R", .side = "sell", .type = "limit",
                                        .price = 4000, .qty = 10});
  assert_int_equal(units(W.acc_c), 3010);
  json_decref(s);
  /* Cancels: B's and C's cash is free again; others may not cancel. */
  assert_int_equal(svc_ex_cancel(W.s, &W.c, jint(o1, "id"), &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_ex_cancel(W.s, &W.b, jint(o1, "id"), &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(svc_ex_cancel(W.s, &W.admin, jint(o2, "id"), &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(svc_ex_cancel(W.s, &W.b, jint(o1, "id"), &out, &err), L6_E_ORDER_CLOSED);
  cash(W.org_b, &bal, &res);
  assert_int_equal(res, 0);
  cash(W.org_c, &bal, &res);
  assert_int_equal(res, 0);
  /* A sell cancelled: its units come back from escrow. */
  s = order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.R", .side = "sell", .type = "limit",
                                        .price = 6000, .qty = 500});
  int64_t before = units(W.acc_a);
  assert_int_equal(svc_ex_cancel(W.s, &W.a, jint(s, "id"), &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(units(W.acc_a), before + 500);
  json_decref(s);
  json_decref(o1);
  json_decref(o2);
}

/* The books after a restart are the books before it (same orders, same
 * priority), and a store fault in the middle of an order changes nothing,
 * in the store or in memory. */
static void test_restart_and_fault(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.K");
  list(&x);
  for (int i = 0; i < 6; i++) {
    json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.K", .side = "sell",
                                                   .type = "limit", .price = 5000 + 10 * (i % 3), .qty = 10 + i}));
    json_decref(order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CCER.K", .side = "buy",
                                                   .type = "limit", .price = 4900 - 10 * (i % 3), .qty = 20 + i}));
  }
  char *before = dump("CCER.K");
  svc_close(W.s);
  svc_up();
  char *after = dump("CCER.K");
  assert_string_equal(before, after);
  free(after);
  /* A crossing buy whose settlement hits a store fault part-way. */
  l6_store *st = svc_store(W.s);
  bool done = false;
  for (int n = 1; n < 1000 && !done; n++) {
    st->ops->fail_after(st, n);
    json_t *out = NULL;
    l6_error err;
    l6_ex_order_req r = req("CCER.K", W.acc_c, "buy", 5020, 40);
    l6_err e = svc_ex_order(W.s, &W.c, &r, &out, &err);
    st->ops->fail_after(st, 0);
    if (e == L6_E_OK) {
      json_decref(out);
      done = true;
      break;
    }
    assert_int_equal(e, L6_E_STORE);
    after = dump("CCER.K");
    assert_string_equal(before, after);
    free(after);
    assert_int_equal(svc_ex_check(W.s, &err), L6_E_OK);
  }
  free(before);
  assert_true(done);
  assert_int_equal(units(W.acc_c), 3040);
}

/* A seeded random stream of orders and cancels from three members:
 * after it, every member's cash and units equal a simple model's. */
static void test_random_model(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.M");
  x.maker_bps = 5;
  x.taker_bps = 25;
  list(&x);
  deposit(W.org_a, 100000000);
  issue(2024, 3000, W.acc_b);
  const l6_actor *who[] = {&W.a, &W.b, &W.c};
  l6_id orgs[] = {W.org_a, W.org_b, W.org_c}, accs[] = {W.acc_a, W.acc_b, W.acc_c};
  int64_t m_cash[3], m_units[3], m_fees = 0;
  for (int i = 0; i < 3; i++) {
    int64_t b, r;
    cash(orgs[i], &b, &r);
    m_cash[i] = b + r;
    m_units[i] = units(accs[i]);
  }
  int64_t b0, r0;
  cash(0, &b0, &r0);
  tl_rng rng;
  tl_rng_init(&rng, 0xE6);
  l6_id open_ids[256];
  int nopen = 0;
  for (int step = 0; step < 300; step++) {
    int k = (int)tl_rng_below(&rng, 3);
    if (nopen > 0 && tl_rng_below(&rng, 5) == 0) {
      int i = (int)tl_rng_below(&rng, (uint64_t)nopen);
      json_t *out = NULL;
      l6_error err;
      l6_err e = svc_ex_cancel(W.s, &W.admin, open_ids[i], &out, &err);
      assert_true(e == L6_E_OK || e == L6_E_ORDER_CLOSED);
      json_decref(out);
      open_ids[i] = open_ids[--nopen];
      continue;
    }
    l6_ex_order_req r = req("CCER.M", accs[k], tl_rng_below(&rng, 2) ? "buy" : "sell", 4950 + 10 * tl_rng_range(&rng, 0, 10),
                            tl_rng_range(&rng, 1, 60));
    unsigned kind = (unsigned)tl_rng_below(&rng, 8);
    if (kind == 0) snprintf(r.tif, sizeof r.tif, "ioc");
    if (kind == 1) snprintf(r.tif, sizeof r.tif, "fok");
    if (kind == 2) r.post_only = true;
    if (kind == 3) {
      snprintf(r.type, sizeof r.type, "market");
      r.price = 0;
    }
    json_t *out = NULL;
    l6_error err;
    l6_err e = svc_ex_order(W.s, who[k], &r, &out, &err);
    if (e != L6_E_OK) {
      assert_true(e == L6_E_WOULD_CROSS || e == L6_E_FOK_KILLED || e == L6_E_SELF_TRADE || e == L6_E_NO_LIQUIDITY ||
                  e == L6_E_INSUFFICIENT_HOLDINGS || e == L6_E_INSUFFICIENT_CASH);
      continue;
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(out, "trades"), i, t) {
      int64_t notional = jint(t, "price") * jint(t, "qty");
      int buyer = -1, seller = -1;
      for (int q = 0; q < 3; q++) {
        l6_ex_order bo, so;
        l6_error e2;
        l6_store *st = svc_store(W.s);
        assert_int_equal(st->ops->ex_order_get(st, jint(t, "buy_order"), &bo, &e2), L6_E_OK);
        assert_int_equal(st->ops->ex_order_get(st, jint(t, "sell_order"), &so, &e2), L6_E_OK);
        if (bo.org == orgs[q]) buyer = q;
        if (so.org == orgs[q]) seller = q;
      }
      assert_true(buyer >= 0 && seller >= 0 && buyer != seller);
      bool buyer_taker = strcmp(json_string_value(json_object_get(t, "taker_side")), "buy") == 0;
      int64_t bf = notional * (buyer_taker ? 25 : 5) / 10000, sf = notional * (buyer_taker ? 5 : 25) / 10000;
      assert_int_equal(jint(t, "buyer_fee"), bf);
      assert_int_equal(jint(t, "seller_fee"), sf);
      m_cash[buyer] -= notional + bf;
      m_cash[seller] += notional - sf;
      m_fees += bf + sf;
      m_units[buyer] += jint(t, "qty");
      m_units[seller] -= jint(t, "qty");
    }
    if (strcmp(json_string_value(json_object_get(out, "status")), "open") == 0 && nopen < 256)
      open_ids[nopen++] = jint(out, "id");
    json_decref(out);
    if (step % 50 == 0) {
      l6_error e3;
      l6_err ce = svc_ex_check(W.s, &e3);
      if (ce != L6_E_OK) fail_msg("step %d: %s", step, e3.message);
    }
  }
  /* Close every order: then held units and cash are the model's. */
  for (int i = 0; i < nopen; i++) {
    json_t *out = NULL;
    l6_error err;
    svc_ex_cancel(W.s, &W.admin, open_ids[i], &out, &err);
    json_decref(out);
  }
  for (int i = 0; i < 3; i++) {
    int64_t b, r;
    cash(orgs[i], &b, &r);
    assert_int_equal(r, 0);
    assert_int_equal(b, m_cash[i]);
    assert_int_equal(units(accs[i]), m_units[i]);
  }
  int64_t b1, r1;
  cash(0, &b1, &r1);
  assert_int_equal(b1 - b0, m_fees);
}

static void test_instrument_validation(void **state) {
  (void)state;
  json_t *out = NULL;
  l6_error err;
  l6_ex_instrument x = instrument("BAD");
  snprintf(x.sessions, sizeof x.sessions, "11:30-09:30");
  assert_int_equal(svc_ex_instrument_create(W.s, &W.admin, &x, &out, &err), L6_E_INVALID_VALUE);
  x = instrument("BAD");
  x.tick = 0;
  assert_int_equal(svc_ex_instrument_create(W.s, &W.admin, &x, &out, &err), L6_E_INVALID_VALUE);
  x = instrument("BAD");
  snprintf(x.unit_type, sizeof x.unit_type, "NOPE");
  assert_int_equal(svc_ex_instrument_create(W.s, &W.admin, &x, &out, &err), L6_E_UNKNOWN_UNIT_TYPE);
  x = instrument("OK1");
  assert_int_equal(svc_ex_instrument_create(W.s, &W.b, &x, &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_ex_instrument_create(W.s, &W.admin, &x, &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(svc_ex_instrument_create(W.s, &W.admin, &x, &out, &err), L6_E_ALREADY_EXISTS);
}

/* Primary allowance auction: sealed bids reserve cash, the auction clears
 * at a uniform price (pro rata at the margin), allowances come from the
 * scheme's auction account (A's here) and the proceeds go to the
 * regulator (C); what bids did not use is released. */
static void test_primary_auction(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.PA");
  x.maker_bps = x.taker_bps = 0;
  x.lot = 10;
  snprintf(x.mode, sizeof x.mode, "primary");
  list(&x);
  deposit(W.org_a, 50000000);
  json_t *b1 = order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CEA.PA", .side = "buy",
                                                 .type = "limit", .price = 6000, .qty = 600});
  json_t *b2 = order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.PA", .side = "buy",
                                                 .type = "limit", .price = 5500, .qty = 600});
  json_t *b3 = order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CEA.PA", .side = "buy",
                                                 .type = "limit", .price = 5500, .qty = 200});
  json_t *b4 = order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CEA.PA", .side = "buy",
                                                 .type = "limit", .price = 4000, .qty = 100}); /* below the reserve */
  /* Sealed: nothing in the depth. */
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ex_depth(W.s, "CEA.PA", 5, &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "bids")), 0);
  json_decref(j);
  /* Bids are buys only. */
  order_refused("CEA.PA", L6_E_INVALID_VALUE, &W.a, req("CEA.PA", W.acc_a, "sell", 5000, 10));
  int64_t bal_c0, res;
  cash(W.org_c, &bal_c0, &res);
  int64_t a_units = units(W.acc_a), b_units = units(W.acc_b), c_units = units(W.acc_c);
  /* 1,000 t: 600 at 60.00 in full; 400 shared 3:1 at the margin 55.00. */
  assert_int_equal(svc_ex_auction(W.s, &W.b, "CEA.PA", 1000, 5000, W.acc_a, W.org_c, &j, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_ex_auction(W.s, &W.admin, "CEA.PA", 1000, 5000, W.acc_a, W.org_c, &j, &err), L6_E_OK);
  assert_int_equal(jint(j, "price"), 5500);
  assert_int_equal(jint(j, "sold"), 1000);
  assert_int_equal(jint(j, "proceeds"), 1000 * 5500);
  json_decref(j);
  assert_int_equal(units(W.acc_b), b_units + 600);
  assert_int_equal(units(W.acc_c), c_units + 300);
  assert_int_equal(units(W.acc_a), a_units - 1000 + 100);
  int64_t bal;
  cash(W.org_c, &bal, &res);
  assert_int_equal(res, 0);
  assert_int_equal(bal, bal_c0 + 300 * 5500 /* released */ + 1000 * 5500 /* proceeds */ - 0);
  cash(W.org_b, &bal, &res);
  assert_int_equal(res, 0);
  assert_int_equal(bal, 100000000 - 600 * 5500);
  /* Every bid is closed. */
  json_t *orders = NULL;
  assert_int_equal(svc_ex_order_list(W.s, &W.admin, true, &orders, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(orders, "items")), 0);
  json_decref(orders);
  json_decref(b1);
  json_decref(b2);
  json_decref(b3);
  json_decref(b4);
}

/* One-way bidding: one seller's lot, bids from the floor up by price then
 * time, each winner paying its own bid; a bid may be cancelled before. */
static void test_oneway_auction(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.OW");
  x.maker_bps = x.taker_bps = 0;
  snprintf(x.mode, sizeof x.mode, "one-way");
  list(&x);
  json_t *b1 = order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CEA.OW", .side = "buy",
                                                 .type = "limit", .price = 5200, .qty = 300});
  json_t *b2 = order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.OW", .side = "buy",
                                                 .type = "limit", .price = 5100, .qty = 400});
  json_t *b3 = order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.OW", .side = "buy",
                                                 .type = "limit", .price = 5300, .qty = 50});
  json_t *out = NULL;
  l6_error err;
  assert_int_equal(svc_ex_cancel(W.s, &W.c, jint(b3, "id"), &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(svc_ex_replace(W.s, &W.c, jint(b2, "id"), 5150, 400, &out, &err), L6_E_INVALID_VALUE);
  /* Too little held by the seller: refused, nothing changed. */
  char *before = dump("CEA.OW");
  assert_int_equal(svc_ex_auction(W.s, &W.admin, "CEA.OW", 20000, 5000, W.acc_a, W.org_a, &out, &err),
                   L6_E_INSUFFICIENT_HOLDINGS);
  char *after = dump("CEA.OW");
  assert_string_equal(before, after);
  free(before);
  free(after);
  int64_t bal_a0, res;
  cash(W.org_a, &bal_a0, &res);
  assert_int_equal(svc_ex_auction(W.s, &W.admin, "CEA.OW", 500, 5000, W.acc_a, W.org_a, &out, &err), L6_E_OK);
  assert_int_equal(jint(out, "sold"), 500);
  assert_int_equal(jint(out, "proceeds"), 300 * 5200 + 200 * 5100);
  json_decref(out);
  int64_t bal;
  cash(W.org_a, &bal, &res);
  assert_int_equal(bal, bal_a0 + 300 * 5200 + 200 * 5100);
  cash(W.org_c, &bal, &res);
  assert_int_equal(res, 0);
  assert_int_equal(bal, 100000000 - 200 * 5100);
  json_decref(b1);
  json_decref(b2);
  json_decref(b3);
}

/* An order under an idempotency key is done once: the same request again
 * gets the first reply and changes nothing; another request under the key
 * is refused. */
static void test_idempotent_order(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.I");
  list(&x);
  l6_ex_order_req r = req("CCER.I", W.acc_b, "buy", 5000, 10);
  snprintf(r.idem.key, sizeof r.idem.key, "7:order-1");
  snprintf(r.idem.hash, sizeof r.idem.hash, "%064d", 1);
  json_t *first = NULL, *again = NULL;
  bool replayed = true;
  l6_error err;
  assert_int_equal(svc_ex_order_idem(W.s, &W.b, &r, &first, &replayed, &err), L6_E_OK);
  assert_false(replayed);
  char *before = dump("CCER.I");
  assert_int_equal(svc_ex_order_idem(W.s, &W.b, &r, &again, &replayed, &err), L6_E_OK);
  assert_true(replayed);
  assert_int_equal(jint(again, "id"), jint(first, "id"));
  char *after = dump("CCER.I");
  assert_string_equal(before, after);
  free(after);
  snprintf(r.idem.hash, sizeof r.idem.hash, "%064d", 2);
  r.qty = 11;
  json_decref(again);
  assert_int_equal(svc_ex_order_idem(W.s, &W.b, &r, &again, &replayed, &err), L6_E_IDEMPOTENCY_CONFLICT);
  assert_null(again);
  after = dump("CCER.I");
  assert_string_equal(before, after);
  free(after);
  free(before);
  json_decref(first);
}

typedef struct {
  const l6_actor *a;
  l6_ex_quote_req q;
} quote_arg;

static l6_err call_quote(void *p) {
  quote_arg *q = p;
  json_t *out = NULL;
  l6_error err;
  l6_err e = svc_ex_quote(W.s, q->a, &q->q, &out, &err);
  json_decref(out);
  return e;
}

static l6_ex_quote_req quote(const char *code, l6_id acc, const char *side, int64_t price, int64_t qty, l6_id cp) {
  l6_ex_quote_req q = {.account = acc, .price = price, .qty = qty, .counterparty = cp};
  snprintf(q.instrument, sizeof q.instrument, "%s", code);
  snprintf(q.side, sizeof q.side, "%s", side);
  return q;
}

/* Block agreement transfer: >= 100,000 t, +-30%, afternoon only, a quote
 * to one counterparty accepted whole; refusals change nothing. */
static void test_block_trade(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.BLK");
  x.prev_close = 5000;
  x.band_pct = 30;
  x.min_qty = 100000;
  snprintf(x.mode, sizeof x.mode, "block");
  snprintf(x.sessions, sizeof x.sessions, "13:00-15:00");
  x.tz_offset = 480;
  list(&x);
  issue(2024, 200000, W.acc_a);
  deposit(W.org_b, 1000000000);
  quote_arg q = {&W.a, quote("CEA.BLK", W.acc_a, "sell", 6000, 100000, W.org_b)};
  refused("CEA.BLK", L6_E_SESSION_CLOSED, call_quote, &q); /* 10:00 in Beijing */
  set_time(0, 5, 30);
  q.q.qty = 99999;
  refused("CEA.BLK", L6_E_ORDER_SIZE, call_quote, &q);
  q.q.qty = 100000;
  q.q.price = 6510;
  refused("CEA.BLK", L6_E_PRICE_LIMIT, call_quote, &q);
  q.q.price = 6000;
  q.q.counterparty = W.org_a;
  refused("CEA.BLK", L6_E_SELF_TRADE, call_quote, &q);
  q.q.counterparty = W.org_b;
  order_refused("CEA.BLK", L6_E_INVALID_VALUE, &W.a, req("CEA.BLK", W.acc_a, "sell", 6000, 100000));
  json_t *qo = NULL;
  l6_error err;
  assert_int_equal(svc_ex_quote(W.s, &W.a, &q.q, &qo, &err), L6_E_OK);
  l6_id qid = jint(qo, "id");
  json_decref(qo);
  /* Only the counterparty accepts. */
  json_t *out = NULL;
  char *before = dump("CEA.BLK");
  assert_int_equal(svc_ex_accept(W.s, &W.c, qid, W.acc_c, &out, &err), L6_E_FORBIDDEN);
  char *after = dump("CEA.BLK");
  assert_string_equal(before, after);
  free(before);
  free(after);
  int64_t b_units = units(W.acc_b), bal, res;
  assert_int_equal(svc_ex_accept(W.s, &W.b, qid, W.acc_b, &out, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(out, "trades")), 1);
  json_decref(out);
  assert_int_equal(units(W.acc_b), b_units + 100000);
  cash(W.org_b, &bal, &res);
  assert_int_equal(res, 0);
  assert_int_equal(bal, 1100000000 - 100000LL * 6000 - 100000LL * 6000 * 20 / 10000);
  assert_int_equal(svc_ex_accept(W.s, &W.b, qid, W.acc_b, &out, &err), L6_E_ORDER_CLOSED);
  /* A buy quote, cancelled by its owner: the cash is free again. */
  l6_ex_quote_req bq = quote("CEA.BLK", W.acc_b, "buy", 4000, 100000, W.org_c);
  assert_int_equal(svc_ex_quote(W.s, &W.b, &bq, &qo, &err), L6_E_OK);
  assert_int_equal(svc_ex_cancel(W.s, &W.b, jint(qo, "id"), &out, &err), L6_E_OK);
  json_decref(out);
  json_decref(qo);
  cash(W.org_b, &bal, &res);
  assert_int_equal(res, 0);
}

/* The opening call auction: orders of the call phase wait outside the
 * book; the session's first order runs the auction at one price
 * (maximum volume, then minimum imbalance) and the rest joins the book. */
/* Benefit sharing (ex_benefit.c): the host side sells at 50.00 (maker fee
 * 10 bps), a Swiss trader resells at 80.00; hand-computed figures. */
static json_t *benefit(void) {
  json_t *j = NULL;
  l6_error err = {0};
  if (svc_ex_benefit(W.s, &j, &err) != L6_E_OK) fail_msg("benefit: %s", err.message);
  return j;
}

static void test_benefit_sharing(void **state) {
  (void)state;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Swiss registry"};
  TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  l6_org o = {.registry = "CHE01", .name = "Trader D (Zurich)"};
  TL_OK(svc_org_create(W.s, &W.admin, &o, &out_, &err_), "org");
  l6_account acc = {.org = o.id, .type = L6_ACCT_HOLDING, .registry = "CHE01", .name = "D holding"};
  TL_OK(svc_account_create(W.s, &W.admin, &acc, &out_, &err_), "account");
  l6_actor d = tl_actor(L6_ROLE_HOLDER, o.id, "D");
  deposit(o.id, 100000000);
  json_t *j = benefit();
  assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
  assert_int_equal(jint(j, "unattributed_qty"), 0);
  json_decref(j);
  /* one project's contract: its host is CHN */
  l6_ex_instrument w = instrument("CCER.W");
  snprintf(w.project, sizeof w.project, "CHN.WIND.01");
  list(&w);
  l6_ex_instrument any = instrument("CCER.ANY");
  list(&any);
  l6_ex_order_req q = req("CCER.W", W.acc_a, "sell", 5000, 1000);
  json_decref(order_ok(&W.a, &q));
  q = req("CCER.W", acc.id, "buy", 5000, 1000);
  json_decref(order_ok(&d, &q));
  q = req("CCER.ANY", W.acc_a, "sell", 5000, 100);
  json_decref(order_ok(&W.a, &q));
  q = req("CCER.ANY", W.acc_b, "buy", 5000, 100);
  json_decref(order_ok(&W.b, &q));
  /* only host sales: buyers paid the host side's price; 49.95 of 50.00 reached it */
  j = benefit();
  assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
  json_t *it = json_array_get(json_object_get(j, "items"), 0);
  assert_string_equal(json_string_value(json_object_get(it, "host")), "CHN");
  assert_string_equal(json_string_value(json_object_get(it, "currency")), "CNY");
  json_t *hs = json_object_get(it, "host_sales");
  assert_int_equal(jint(hs, "qty"), 1000);
  assert_int_equal(jint(hs, "vwap"), 5000);
  assert_int_equal(jint(hs, "fees"), 5000);  /* 10 bps of 5,000,000 */
  assert_int_equal(jint(hs, "received"), 4995);
  assert_true(json_is_null(json_object_get(json_object_get(it, "resales"), "vwap")));
  assert_int_equal(jint(it, "buyers_price"), 5000);
  assert_int_equal(jint(it, "share_bps"), 9990);
  assert_int_equal(jint(j, "unattributed_qty"), 100); /* CCER.ANY: units of any project */
  json_decref(j);
  /* the trader resells 600 t at 80.00: buyers now pay 80.00, the host got 49.95 */
  q = req("CCER.W", acc.id, "sell", 8000, 600);
  json_decref(order_ok(&d, &q));
  q = req("CCER.W", W.acc_b, "buy", 8000, 600);
  json_decref(order_ok(&W.b, &q));
  j = benefit();
  it = json_array_get(json_object_get(j, "items"), 0);
  assert_int_equal(jint(json_object_get(it, "host_sales"), "qty"), 1000);
  assert_int_equal(jint(json_object_get(it, "resales"), "qty"), 600);
  assert_int_equal(jint(json_object_get(it, "resales"), "vwap"), 8000);
  assert_int_equal(jint(it, "buyers_price"), 8000);
  assert_int_equal(jint(it, "share_bps"), 6243); /* floor(4995 x 10000 / 8000) */
  json_decref(j);
  /* The host's benefit-sharing report (issue 20 item 5) sums the same
   * trades' considerations: 1,000 t x 50.00 sold by the host side (fees
   * 50.00), 600 t x 80.00 resold; no issuance shares (no cycle here). */
  j = NULL;
  TL_OK(svc_benefit_report(W.s, &W.admin, "CHN", &j, &err_), "benefit report");
  assert_int_equal(json_array_size(json_object_get(j, "issuances")), 0);
  assert_int_equal(jint(json_object_get(j, "shares"), "host-community"), 0);
  json_t *sales = json_object_get(j, "sales");
  assert_int_equal(json_array_size(sales), 1);
  it = json_array_get(sales, 0);
  assert_string_equal(json_string_value(json_object_get(it, "currency")), "CNY");
  assert_int_equal(jint(json_object_get(it, "host_sales"), "qty"), 1000);
  assert_int_equal(jint(json_object_get(it, "host_sales"), "value"), 5000000);
  assert_int_equal(jint(json_object_get(it, "host_sales"), "fees"), 5000);
  assert_int_equal(jint(json_object_get(it, "resales"), "qty"), 600);
  assert_int_equal(jint(json_object_get(it, "resales"), "value"), 4800000);
  json_decref(j);
  TL_OK(svc_benefit_report(W.s, &W.admin, "CHE", &j, &err_), "benefit report");
  assert_int_equal(json_array_size(json_object_get(j, "sales")), 0); /* not the host */
  json_decref(j);
}

static void test_opening_auction(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CEA.OPEN");
  snprintf(x.sessions, sizeof x.sessions, "09:30-11:30");
  x.tz_offset = 480;
  x.call_minutes = 10;
  list(&x);
  set_time(0, 1, 15); /* 09:15 Beijing: before the call */
  order_refused("CEA.OPEN", L6_E_SESSION_CLOSED, &W.a, req("CEA.OPEN", W.acc_a, "sell", 5000, 100));
  set_time(0, 1, 25); /* 09:25: the call */
  l6_ex_order_req m = req("CEA.OPEN", W.acc_b, "buy", 0, 10);
  snprintf(m.type, sizeof m.type, "market");
  order_refused("CEA.OPEN", L6_E_INVALID_VALUE, &W.b, m);
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CEA.OPEN", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 100}));
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CEA.OPEN", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 50}));
  json_t *o = order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CEA.OPEN", .side = "buy",
                                                .type = "limit", .price = 5100, .qty = 80});
  assert_int_equal(json_array_size(json_object_get(o, "trades")), 0); /* crossing, but not matched in the call */
  assert_string_equal(json_string_value(json_object_get(o, "tif")), "call");
  json_decref(o);
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CEA.OPEN", .side = "buy",
                                                 .type = "limit", .price = 4950, .qty = 40}));
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ex_depth(W.s, "CEA.OPEN", 5, &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "asks")), 0);
  json_decref(j);
  /* A restart during the call keeps the call orders out of the book. */
  svc_close(W.s);
  svc_up();
  int64_t b_units = units(W.acc_b);
  set_time(0, 1, 30); /* 09:30: the session opens with the next order */
  json_decref(order_ok(&W.b, &(l6_ex_order_req){.account = W.acc_b, .instrument = "CEA.OPEN", .side = "buy",
                                                 .type = "limit", .price = 4900, .qty = 10}));
  assert_int_equal(units(W.acc_b), b_units + 80);
  assert_int_equal(svc_ex_trades(W.s, "CEA.OPEN", 10, &j, &err), L6_E_OK);
  json_t *items = json_object_get(j, "items");
  assert_int_equal(json_array_size(items), 1);
  assert_int_equal(jint(json_array_get(items, 0), "price"), 5000);
  assert_int_equal(jint(json_array_get(items, 0), "qty"), 80);
  json_decref(j);
  assert_int_equal(svc_ex_depth(W.s, "CEA.OPEN", 5, &j, &err), L6_E_OK);
  json_t *ask = json_array_get(json_object_get(j, "asks"), 0), *bid = json_array_get(json_object_get(j, "bids"), 0);
  assert_int_equal(jint(ask, "price"), 5000);
  assert_int_equal(jint(ask, "qty"), 20);
  assert_int_equal(jint(bid, "price"), 4950);
  json_decref(j);
}

/* ---- same-day resale is a rule on serials (issue 14) ------------------- */

/* Lists x; returns its escrow account. */
static l6_id list_escrow(const l6_ex_instrument *x) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_ex_instrument_create(W.s, &W.admin, x, &out, &err);
  if (e != L6_E_OK) fail_msg("list %s: %s: %s", x->code, l6_err_code(e), err.message);
  l6_id esc = json_integer_value(json_object_get(out, "escrow_account"));
  json_decref(out);
  return esc;
}

/* Units of acc of one vintage (2021, 2022: A's issuances; 2023: C's). */
static int64_t units_v(l6_id acc, int vintage) {
  l6_pick_filter f = {.account = acc, .vintage = vintage};
  l6_qty q = 0;
  l6_error err;
  l6_store *st = svc_store(W.s);
  assert_int_equal(st->ops->account_total(st, &f, &q, &err), L6_E_OK);
  return q;
}

/* A holder's transfer of qty units of a vintage between its accounts. */
static void transfer(const l6_actor *a, l6_id from, l6_id to, int vintage, l6_qty qty) {
  l6_move_req r = {.kind = L6_TX_TRANSFER, .from_account = from, .to_account = to, .vintage = vintage, .quantity = qty};
  snprintf(r.unit_type, sizeof r.unit_type, "CCER");
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_move(W.s, a, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("transfer: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
}

/* Units bought today on one instrument (the book, or a block trade) are
 * not offered today on another instrument of the same units that has the
 * rule, in whichever account they now are; the member's older units are,
 * and the sell's escrow takes those, never the ones bought today. On an
 * instrument without the rule, and the next day, they sell. */
static void test_same_day_resale_across_instruments(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.X"); /* no rule */
  list(&x);
  l6_ex_instrument y = instrument("CCER.Y");
  y.no_same_day_resale = true;
  l6_id esc_y = list_escrow(&y);
  l6_ex_instrument k = instrument("CCER.K"); /* block agreement transfer */
  snprintf(k.mode, sizeof k.mode, "block");
  list(&k);
  l6_id acc_c2 = mk_account(W.org_c);
  /* C buys 50 on X: vintage 2021, A's oldest. */
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.X", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 50}));
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CCER.X", .side = "buy",
                                                 .type = "limit", .price = 5000, .qty = 50}));
  assert_int_equal(units_v(W.acc_c, 2021), 50);
  /* On Y they cannot be offered; C's 3000 of 2023 can, and only those go to escrow. */
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", W.acc_c, "sell", 5100, 3001));
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 3000}));
  assert_int_equal(units_v(esc_y, 2023), 3000);
  assert_int_equal(units_v(esc_y, 2021), 0);
  assert_int_equal(units_v(W.acc_c, 2021), 50);
  /* Moved to C's other account they are still units bought today. */
  transfer(&W.c, W.acc_c, acc_c2, 2021, 50);
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", acc_c2, "sell", 5100, 1));
  /* A block trade: A sells 100 more to C by quote, C accepts into its other account. */
  json_t *qo = NULL;
  l6_error err;
  l6_ex_quote_req q = {.account = W.acc_a, .price = 5000, .qty = 100, .counterparty = W.org_c};
  snprintf(q.instrument, sizeof q.instrument, "CCER.K");
  snprintf(q.side, sizeof q.side, "sell");
  assert_int_equal(svc_ex_quote(W.s, &W.a, &q, &qo, &err), L6_E_OK);
  json_t *acc = NULL;
  assert_int_equal(svc_ex_accept(W.s, &W.c, jint(qo, "id"), acc_c2, &acc, &err), L6_E_OK);
  json_decref(qo);
  json_decref(acc);
  assert_int_equal(units_v(acc_c2, 2021), 150);
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", acc_c2, "sell", 5100, 100));
  /* Without the rule (X) they are offered today. */
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.X", .side = "sell",
                                                 .type = "limit", .price = 5200, .qty = 10}));
  assert_int_equal(units(acc_c2), 140);
  /* The next day, on Y too. */
  set_time(1, 2, 0);
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 140}));
  assert_int_equal(units_v(esc_y, 2021), 140);
}

/* "Today" is the selling instrument's trading day, in its own time zone
 * (Beijing here), whatever the zone of the instrument the units were
 * bought on: a purchase at 23:30 Beijing is yesterday's at 00:30. */
static void test_same_day_resale_day_boundary(void **state) {
  (void)state;
  l6_ex_instrument x = instrument("CCER.X"); /* UTC, no rule */
  list(&x);
  l6_ex_instrument y = instrument("CCER.Y");
  y.no_same_day_resale = true;
  y.tz_offset = 480;
  list(&y);
  l6_id acc_c2 = mk_account(W.org_c);
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.X", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 60}));
  set_time(0, 15, 30); /* 23:30 in Beijing */
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.X", .side = "buy",
                                                 .type = "limit", .price = 5000, .qty = 50}));
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", acc_c2, "sell", 5000, 50));
  set_time(0, 16, 30); /* 00:30 the next day in Beijing, the same UTC day */
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 50}));
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.X", .side = "buy",
                                                 .type = "limit", .price = 5000, .qty = 10}));
  set_time(1, 15, 59); /* 23:59 in Beijing */
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", acc_c2, "sell", 5000, 10));
  set_time(1, 16, 0); /* midnight */
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 10}));
}

/* A member that bought 500 today into one account sells 500 older units
 * from another account: none of those was bought today. And a sell from
 * the buying account takes its older units into escrow, never the 500. */
static void test_same_day_resale_other_account(void **state) {
  (void)state;
  l6_ex_instrument y = instrument("CCER.Y");
  y.no_same_day_resale = true;
  l6_id esc_y = list_escrow(&y);
  l6_id acc_c2 = mk_account(W.org_c);
  transfer(&W.c, W.acc_c, acc_c2, 2023, 500); /* moved today, but not bought */
  json_decref(order_ok(&W.a, &(l6_ex_order_req){.account = W.acc_a, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5000, .qty = 500}));
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CCER.Y", .side = "buy",
                                                 .type = "limit", .price = 5000, .qty = 500}));
  assert_int_equal(units_v(W.acc_c, 2021), 500);
  json_decref(order_ok(&W.c, &(l6_ex_order_req){.account = acc_c2, .instrument = "CCER.Y", .side = "sell",
                                                 .type = "limit", .price = 5100, .qty = 500}));
  assert_int_equal(units(acc_c2), 0);
  /* From the buying account: its 2500 older units, not the 500 bought. */
  order_refused("CCER.Y", L6_E_SAME_DAY_RESALE, &W.c, req("CCER.Y", W.acc_c, "sell", 5100, 2501));
  json_t *o = order_ok(&W.c, &(l6_ex_order_req){.account = W.acc_c, .instrument = "CCER.Y", .side = "sell",
                                                .type = "limit", .price = 5100, .qty = 2000});
  l6_id id = jint(o, "id");
  json_decref(o);
  assert_int_equal(units_v(esc_y, 2021), 0);
  assert_int_equal(units_v(esc_y, 2023), 2500);
  /* Growing that order by replace: the same rule. */
  json_t *out = NULL;
  l6_error err;
  char *before = dump("CCER.Y");
  assert_int_equal(svc_ex_replace(W.s, &W.c, id, 5100, 2501, &out, &err), L6_E_SAME_DAY_RESALE);
  char *after = dump("CCER.Y");
  assert_string_equal(before, after);
  free(before);
  free(after);
  assert_int_equal(svc_ex_replace(W.s, &W.c, id, 5100, 2500, &out, &err), L6_E_OK);
  json_decref(out);
  assert_int_equal(units_v(esc_y, 2023), 3000);
  assert_int_equal(units_v(W.acc_c, 2021), 500);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_trade_settles, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refusals_book, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cancel_replace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restart_and_fault, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
      cmocka_unit_test_setup_teardown(test_instrument_validation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_primary_auction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oneway_auction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_idempotent_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_block_trade, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opening_auction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_benefit_sharing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_day_resale_across_instruments, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_day_resale_other_account, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_day_resale_day_boundary, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
