/*
 * test_exchange_crit.c -- instrument eligibility criteria and integrity
 * labels (src/service/crit.h) on the store L6_STORE names: a contract of
 * two unit types delivers oldest vintage first across them; a programme
 * filter; each label ("ccp" on batches, "oimp" and "corsia" evaluated on
 * the serials) admits the units that carry it, splitting a partly eligible
 * block, and refuses a seller without them (nothing changed); a label
 * added after order entry changes nothing in escrow; non-offsetting units
 * never pass a label; the batch labels use case's refusals; criteria
 * validation; config/labels.json loaded strictly. svc_ex_check and svc_check run after every test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/a6.h"
#include "service/crit.h"
#include "service/exchange.h"
#include "service/service.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

static int64_t now_ms;
static int64_t test_clock(void) { return now_ms; }

static struct {
  tl_store where;
  l6_svc *s;
  l6_actor admin, auditor, anon, a, b, c, dna;
  l6_id org_a, org_b, org_c;
  l6_id acc_a, acc_b, acc_c;
  l6_id ccer21, ccer22, vcu21, vcu22, ccer23c, cab;
} W;

static l6_id mk_org(const char *name) { return tl_svc_org(W.s, &W.admin, "CHN01", name); }

static l6_id mk_account(l6_id org) { return tl_svc_account(W.s, &W.admin, "CHN01", org, L6_ACCT_HOLDING, "holding"); }

static void mk_project(const char *id, const char *programme) {
  l6_project pr = {.host = "CHN", .title = "Project", .methodology = "ACM0002", .sector = "energy", .kind = "avoidance",
                   .crediting_start = "2020-01-01", .crediting_end = "2030-12-31", .status = "registered"};
  snprintf(pr.id, sizeof pr.id, "%s", id);
  snprintf(pr.programme, sizeof pr.programme, "%s", programme);
  TL_OK(svc_project_create(W.s, &W.admin, &pr, &out_, &err_), "project");
}

/* Issues qty units and returns the new batch's id. */
static l6_id issue(const char *project, const char *unit_type, int vintage, l6_qty qty, l6_id to) {
  l6_issue_req r = {.vintage = vintage, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "CHN01");
  snprintf(r.project, sizeof r.project, "%s", project);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", unit_type);
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_issue(W.s, &W.admin, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("issue: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
  /* The newest batch. */
  json_t *j = NULL;
  l6_page pg = {.limit = 100};
  assert_int_equal(svc_issuance_list(W.s, &W.admin, "", &pg, &j, &err), L6_E_OK);
  json_t *items = json_object_get(j, "items");
  l6_id id = json_integer_value(json_object_get(json_array_get(items, json_array_size(items) - 1), "batch"));
  json_decref(j);
  return id;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  now_ms = (int64_t)20605 * 86400000 + 2 * 3600000; /* 2026-06-01 10:00 in Beijing */
  if (tl_store_make(&W.where, "excrit", 0) != 0) return -1;
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
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "operator");
  W.auditor = tl_actor(L6_ROLE_AUDITOR, 0, "auditor");
  W.anon = tl_actor(L6_ROLE__NONE, 0, "");
  l6_party p = {.code = "CHN", .name = "China"};
  TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
  l6_registry r = {.id = "CHN01", .party = "CHN", .name = "China registry"};
  TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  mk_project("CHN.WIND.01", "CCER");
  mk_project("CHN.SOLAR.01", "VCS");
  mk_project("CHN.ADAPT.01", "CAB");
  W.org_a = mk_org("Seller A");
  W.org_b = mk_org("Buyer B");
  W.org_c = mk_org("Trader C");
  W.a = tl_actor(L6_ROLE_HOLDER, W.org_a, "A");
  W.b = tl_actor(L6_ROLE_HOLDER, W.org_b, "B");
  W.c = tl_actor(L6_ROLE_HOLDER, W.org_c, "C");
  W.dna = tl_actor(L6_ROLE_AUTHORITY, mk_org("NDRC (designated authority)"), "authority CHN");
  W.acc_a = mk_account(W.org_a);
  W.acc_b = mk_account(W.org_b);
  W.acc_c = mk_account(W.org_c);
  /* A: CCER 2021 and 2022, VCU 2021 and 2022; C: CCER 2023 and CABs. */
  W.ccer22 = issue("CHN.WIND.01", "CCER", 2022, 500, W.acc_a);
  W.ccer21 = issue("CHN.WIND.01", "CCER", 2021, 300, W.acc_a);
  W.vcu22 = issue("CHN.SOLAR.01", "VCU", 2022, 200, W.acc_a);
  W.vcu21 = issue("CHN.SOLAR.01", "VCU", 2021, 100, W.acc_a);
  W.ccer23c = issue("CHN.WIND.01", "CCER", 2023, 400, W.acc_c);
  W.cab = issue("CHN.ADAPT.01", "CAB", 2023, 400, W.acc_c);
  TL_OK(svc_ex_cash(W.s, &W.admin, W.org_b, "CNY", 100000000, true, &out_, &err_), "deposit");
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

static l6_ex_instrument instrument(const char *code, const char *unit_type) {
  l6_ex_instrument x = {.minor_units = 2, .tick = 1, .lot = 1};
  snprintf(x.code, sizeof x.code, "%s", code);
  snprintf(x.name, sizeof x.name, "contract %s", code);
  snprintf(x.kind, sizeof x.kind, "contract");
  snprintf(x.unit_type, sizeof x.unit_type, "%s", unit_type);
  snprintf(x.registry, sizeof x.registry, "CHN01");
  snprintf(x.currency, sizeof x.currency, "CNY");
  snprintf(x.mode, sizeof x.mode, "continuous");
  return x;
}

static l6_crit crit(const char *unit_types, const char *programmes, const char *labels, const char *phase) {
  l6_crit c;
  memset(&c, 0, sizeof c);
  snprintf(c.unit_types, sizeof c.unit_types, "%s", unit_types);
  snprintf(c.programmes, sizeof c.programmes, "%s", programmes);
  snprintf(c.labels, sizeof c.labels, "%s", labels);
  snprintf(c.corsia_phase, sizeof c.corsia_phase, "%s", phase);
  return c;
}

/* Lists an instrument; returns its escrow account. */
static l6_id list(const char *code, const l6_crit *c) {
  l6_ex_instrument x = instrument(code, "");
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_ex_instrument_create_crit(W.s, &W.admin, &x, c, &out, &err);
  if (e != L6_E_OK) fail_msg("list %s: %s: %s", code, l6_err_code(e), err.message);
  l6_id esc = json_integer_value(json_object_get(out, "escrow_account"));
  json_decref(out);
  return esc;
}

static l6_ex_order_req req(const char *code, l6_id acc, const char *side, int64_t price, int64_t qty) {
  l6_ex_order_req r = {.account = acc, .price = price, .qty = qty};
  snprintf(r.instrument, sizeof r.instrument, "%s", code);
  snprintf(r.side, sizeof r.side, "%s", side);
  snprintf(r.type, sizeof r.type, "limit");
  return r;
}

static l6_err order(const l6_actor *a, const char *code, l6_id acc, const char *side, int64_t qty) {
  l6_ex_order_req r = req(code, acc, side, 1000, qty);
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_ex_order(W.s, a, &r, &out, &err);
  json_decref(out);
  return e;
}

static void label(l6_id batch, const char *name) {
  TL_OK(svc_batch_label(W.s, &W.admin, batch, name, "ICVCM decision 2026/1", &out_, &err_), "label");
}

/* An account's blocks as "batch:first-last" text, in picking order. */
typedef struct {
  tl_sbuf b;
} blk_txt;

static int blk_row(void *ctx, const void *row) {
  const l6_block *k = row;
  tl_sb_add(&((blk_txt *)ctx)->b, "%lld:%lld-%lld ", (long long)k->batch, (long long)k->first, (long long)k->last);
  return 0;
}

static char *blocks(l6_id acc) {
  blk_txt t = {{0}};
  tl_sb_add(&t.b, "%s", "");
  l6_store *st = svc_store(W.s);
  l6_error err;
  l6_pick_filter f = {.account = acc};
  assert_int_equal(st->ops->block_pick(st, &f, 1000, blk_row, &t, &err), L6_E_OK);
  return t.b.buf;
}

/* Units of acc in batch. */
static int64_t held(l6_id acc, l6_id batch) {
  l6_store *st = svc_store(W.s);
  l6_batch b;
  l6_error err;
  assert_int_equal(st->ops->batch_get(st, batch, &b, &err), L6_E_OK);
  l6_pick_filter f = {.account = acc, .vintage = b.vintage};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", b.unit_type);
  snprintf(f.project, sizeof f.project, "%s", b.project);
  l6_qty q = 0;
  assert_int_equal(st->ops->account_total(st, &f, &q, &err), L6_E_OK);
  return q;
}

/* Everything orders and labels touch, as text. */
static char *dump(void) {
  tl_sbuf b = {0};
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ex_order_list(W.s, &W.admin, false, &j, &err), L6_E_OK);
  char *t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "orders %s\n", t);
  free(t);
  json_decref(j);
  assert_int_equal(svc_ex_instrument_list(W.s, &W.admin, &j, &err), L6_E_OK);
  t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "instruments %s\n", t);
  free(t);
  json_decref(j);
  l6_page pg = {.limit = 100};
  assert_int_equal(svc_issuance_list(W.s, &W.admin, "", &pg, &j, &err), L6_E_OK);
  t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "issuances %s\n", t);
  free(t);
  json_decref(j);
  assert_int_equal(svc_ex_cash_list(W.s, &W.admin, &j, &err), L6_E_OK);
  t = json_dumps(j, JSON_SORT_KEYS);
  tl_sb_add(&b, "cash %s\n", t);
  free(t);
  json_decref(j);
  l6_id accs[] = {W.acc_a, W.acc_b, W.acc_c};
  for (size_t i = 0; i < 3; i++) {
    char *k = blocks(accs[i]);
    tl_sb_add(&b, "blocks %s\n", k);
    free(k);
  }
  l6_tx_filter f = {.limit = 1000};
  assert_int_equal(svc_tx_list(W.s, &W.admin, &f, &j, &err), L6_E_OK);
  tl_sb_add(&b, "txs %zu\n", json_array_size(json_object_get(j, "items")));
  json_decref(j);
  return b.buf;
}

/* The call returns want and changes nothing. */
#define REFUSED(call, want)                                                                                      \
  do {                                                                                                           \
    char *before_ = dump();                                                                                      \
    l6_err e_ = (call);                                                                                          \
    if (e_ != (want)) fail_msg("%s:%d: want %s, got %s", __FILE__, __LINE__, l6_err_code(want), l6_err_code(e_)); \
    char *after_ = dump();                                                                                       \
    assert_string_equal(before_, after_);                                                                        \
    free(before_);                                                                                               \
    free(after_);                                                                                                \
  } while (0)

static l6_err try_label(const l6_actor *a, l6_id batch, const char *name) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_batch_label(W.s, a, batch, name, "ref", &out, &err);
  if (e != L6_E_OK) assert_null(out);
  json_decref(out);
  return e;
}

static l6_err try_list(const char *code, const l6_crit *c, const char *unit_type) {
  l6_ex_instrument x = instrument(code, unit_type);
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_ex_instrument_create_crit(W.s, &W.admin, &x, c, &out, &err);
  json_decref(out);
  return e;
}

/* ---- tests ------------------------------------------------------------------ */

/* Two unit types: the seller's oldest vintages first across both (VCU
 * 2021 before CCER 2021 by batch id, then CCER 2022 / VCU 2022), and the
 * buyer receives exactly them. */
static void test_two_unit_types(void **state) {
  (void)state;
  l6_crit c = crit("CCER,VCU", "", "", "");
  l6_id esc = list("MIX", &c);
  assert_int_equal(order(&W.a, "MIX", W.acc_a, "sell", 450), L6_E_OK);
  assert_int_equal(held(esc, W.ccer21), 300);
  assert_int_equal(held(esc, W.vcu21), 100);
  assert_int_equal(held(esc, W.ccer22) + held(esc, W.vcu22), 50);
  assert_int_equal(order(&W.b, "MIX", W.acc_b, "buy", 450), L6_E_OK);
  assert_int_equal(held(W.acc_b, W.ccer21) + held(W.acc_b, W.vcu21), 400);
  assert_int_equal(held(esc, W.ccer21) + held(esc, W.vcu21) + held(esc, W.ccer22) + held(esc, W.vcu22), 0);
  /* The view lists the criteria; the single unit_type stays the first. */
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ex_instrument_list(W.s, &W.anon, &j, &err), L6_E_OK);
  json_t *x = json_array_get(json_object_get(j, "items"), 0);
  assert_string_equal(json_string_value(json_object_get(x, "unit_type")), "CCER");
  assert_int_equal(json_array_size(json_object_get(x, "unit_types")), 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(x, "unit_types"), 1)), "VCU");
  json_decref(j);
  /* A plain contract keeps working and shows its one unit type. */
  c = crit("", "", "", "");
  assert_int_equal(try_list("PLAIN", &c, "CCER"), L6_E_OK);
}

/* Programmes: only VCS units; a seller of CCERs only is refused. */
static void test_programme_filter(void **state) {
  (void)state;
  l6_crit c = crit("CCER,VCU", "VCS", "", "");
  l6_id esc = list("VCSONLY", &c);
  REFUSED(order(&W.c, "VCSONLY", W.acc_c, "sell", 1), L6_E_INSUFFICIENT_HOLDINGS);
  REFUSED(order(&W.a, "VCSONLY", W.acc_a, "sell", 301), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(order(&W.a, "VCSONLY", W.acc_a, "sell", 300), L6_E_OK);
  assert_int_equal(held(esc, W.vcu21), 100);
  assert_int_equal(held(esc, W.vcu22), 200);
  assert_int_equal(held(W.acc_a, W.ccer21), 300);
}

/* ccp: only labelled batches (the newer one here, though older units
 * exist); a label added after order entry changes nothing in escrow;
 * delivery gives the buyer the escrowed units. */
static void test_label_ccp(void **state) {
  (void)state;
  l6_crit c = crit("CCER", "", "ccp", "");
  l6_id esc = list("CCER.CCP", &c);
  REFUSED(order(&W.a, "CCER.CCP", W.acc_a, "sell", 1), L6_E_INSUFFICIENT_HOLDINGS);
  label(W.ccer22, "ccp");
  REFUSED(order(&W.a, "CCER.CCP", W.acc_a, "sell", 501), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(order(&W.a, "CCER.CCP", W.acc_a, "sell", 100), L6_E_OK);
  assert_int_equal(held(esc, W.ccer22), 100);
  assert_int_equal(held(esc, W.ccer21), 0);
  char *before = blocks(esc);
  label(W.ccer21, "ccp");
  char *after = blocks(esc);
  assert_string_equal(before, after);
  free(before);
  free(after);
  assert_int_equal(order(&W.b, "CCER.CCP", W.acc_b, "buy", 100), L6_E_OK);
  assert_int_equal(held(W.acc_b, W.ccer22), 100);
  assert_int_equal(held(W.acc_b, W.ccer21), 0);
  /* Now the older labelled batch goes first. */
  assert_int_equal(order(&W.a, "CCER.CCP", W.acc_a, "sell", 10), L6_E_OK);
  assert_int_equal(held(esc, W.ccer21), 10);
  /* The labels show on the batch, with who, when and reference. */
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_batch_labels(W.s, W.ccer22, &j, &err), L6_E_OK);
  json_t *l = json_array_get(json_object_get(j, "items"), 0);
  assert_string_equal(json_string_value(json_object_get(l, "label")), "ccp");
  assert_string_equal(json_string_value(json_object_get(l, "actor")), "operator");
  assert_string_equal(json_string_value(json_object_get(l, "reference")), "ICVCM decision 2026/1");
  assert_non_null(json_string_value(json_object_get(l, "ts")));
  json_decref(j);
}

/* Non-offsetting units (CABs, FCCs; issue 14): never listed in one contract
 * with offsetting units, nor in a labelled contract (every label is an
 * emissions label, even on a batch carrying it); a seller whose CABs
 * would make up an offset contract's order is told so
 * (non_offsetting_unit, not insufficient_holdings), nothing changed; the
 * escrow of an offset contract never takes a CAB; a contract of
 * non-offsetting units alone trades them. */
static void test_non_offsetting(void **state) {
  (void)state;
  label(W.cab, "ccp");
  l6_crit c = crit("VCU,CAB", "", "", "");
  REFUSED(try_list("VCU.CAB", &c, ""), L6_E_MIXED_OFFSETTING);
  c = crit("CAB,CCER", "", "", "");
  REFUSED(try_list("CAB.CCER", &c, ""), L6_E_MIXED_OFFSETTING);
  c = crit("CCER,FCC", "", "", "");
  REFUSED(try_list("CCER.FCC", &c, ""), L6_E_MIXED_OFFSETTING);
  c = crit("CAB", "", "ccp", "");
  REFUSED(try_list("CAB.CCP", &c, ""), L6_E_NON_OFFSETTING_UNIT);
  /* Offset contracts: C holds 400 CCERs of 2023 and 400 CABs. */
  c = crit("VCU", "", "", "");
  list("VCU", &c);
  REFUSED(order(&W.c, "VCU", W.acc_c, "sell", 1), L6_E_NON_OFFSETTING_UNIT);
  c = crit("CCER", "", "", "");
  l6_id esc = list("CCER.ANY", &c);
  REFUSED(order(&W.c, "CCER.ANY", W.acc_c, "sell", 401), L6_E_NON_OFFSETTING_UNIT);
  assert_int_equal(order(&W.c, "CCER.ANY", W.acc_c, "sell", 400), L6_E_OK);
  assert_int_equal(held(esc, W.ccer23c), 400);
  assert_int_equal(held(esc, W.cab), 0);
  /* A seller without non-offsetting units: insufficient_holdings as before. */
  REFUSED(order(&W.a, "VCU", W.acc_a, "sell", 301), L6_E_INSUFFICIENT_HOLDINGS);
  /* Non-offsetting units alone (CABs with FCCs too) trade, without a label. */
  c = crit("CAB,FCC", "", "", "");
  esc = list("CAB", &c);
  assert_int_equal(order(&W.c, "CAB", W.acc_c, "sell", 1), L6_E_OK);
  assert_int_equal(held(esc, W.cab), 1);
}

static l6_id authorize(const char *project, int v_from, int v_to, l6_qty q, const char *purposes) {
  l6_a6_auth x = {.approach = 1, .vintage_from = v_from, .vintage_to = v_to, .quantity = q, .year_from = 2021,
                  .year_to = 2030, .in_scope = true};
  snprintf(x.party, sizeof x.party, "CHN");
  snprintf(x.project, sizeof x.project, "%s", project);
  snprintf(x.purposes, sizeof x.purposes, "%s", purposes);
  snprintf(x.ft_event, sizeof x.ft_event, "authorization");
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_a6_authorize(W.s, &W.dna, &x, &out, &err);
  if (e != L6_E_OK) fail_msg("authorize: %s: %s", l6_err_code(e), err.message);
  json_decref(out);
  return x.id;
}

/* oimp: only ITMOs authorized for OIMP; a block partly made of them is
 * split and only they move; NDC-only ITMOs do not count. */
static void test_label_oimp(void **state) {
  (void)state;
  authorize("CHN.WIND.01", 2021, 2021, 120, "OIMP");
  authorize("CHN.WIND.01", 2023, 2023, 400, "NDC");
  l6_crit c = crit("CCER", "", "oimp", "");
  l6_id esc = list("CCER.OIMP", &c);
  /* C: CCERs of NDC-only ITMOs, and CABs, which never pass a label (issue 14: said so). */
  REFUSED(order(&W.c, "CCER.OIMP", W.acc_c, "sell", 1), L6_E_NON_OFFSETTING_UNIT);
  REFUSED(order(&W.a, "CCER.OIMP", W.acc_a, "sell", 121), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(order(&W.a, "CCER.OIMP", W.acc_a, "sell", 120), L6_E_OK);
  assert_int_equal(held(esc, W.ccer21), 120);
  assert_int_equal(held(W.acc_a, W.ccer21), 180); /* the rest of the block stayed */
  assert_int_equal(held(esc, W.ccer22), 0);
  assert_int_equal(order(&W.b, "CCER.OIMP", W.acc_b, "buy", 120), L6_E_OK);
  assert_int_equal(held(W.acc_b, W.ccer21), 120);
}

/* corsia: phase "first" needs an eligible programme (VCS, not CCER),
 * vintage 2021-2026 and an OIMP authorization; only those VCUs move. */
static void test_label_corsia(void **state) {
  (void)state;
  authorize("CHN.SOLAR.01", 2022, 2022, 50, "OIMP");
  authorize("CHN.WIND.01", 2022, 2022, 500, "OIMP"); /* CCER: not a CORSIA programme */
  l6_crit c = crit("CCER,VCU", "", "corsia", "first");
  l6_id esc = list("CORSIA1", &c);
  REFUSED(order(&W.a, "CORSIA1", W.acc_a, "sell", 51), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(order(&W.a, "CORSIA1", W.acc_a, "sell", 50), L6_E_OK);
  assert_int_equal(held(esc, W.vcu22), 50);
  assert_int_equal(held(esc, W.ccer22) + held(esc, W.vcu21), 0);
  /* Pilot phase: no authorization needed, vintages 2016-2020 (A's CCERs
   * are 2021-2022: refused; C's 2019 CCERs, never ITMOs, qualify). */
  c = crit("CCER", "", "corsia", "pilot");
  l6_id esc_p = list("CORSIA.PILOT", &c);
  REFUSED(order(&W.a, "CORSIA.PILOT", W.acc_a, "sell", 1), L6_E_INSUFFICIENT_HOLDINGS);
  l6_id old = issue("CHN.WIND.01", "CCER", 2019, 30, W.acc_c);
  assert_int_equal(order(&W.c, "CORSIA.PILOT", W.acc_c, "sell", 30), L6_E_OK);
  assert_int_equal(held(esc_p, old), 30);
  /* Both rules at once: oimp and corsia. */
  c = crit("VCU", "", "corsia,oimp", "first");
  list("CORSIA1.OIMP", &c);
  REFUSED(order(&W.a, "CORSIA1.OIMP", W.acc_a, "sell", 1), L6_E_INSUFFICIENT_HOLDINGS);
}

/* POST /v1/issuances/{id}/labels: refusals, each changing nothing. */
static void test_label_refusals(void **state) {
  (void)state;
  REFUSED(try_label(&W.a, W.ccer21, "ccp"), L6_E_FORBIDDEN);
  REFUSED(try_label(&W.auditor, W.ccer21, "ccp"), L6_E_FORBIDDEN);
  REFUSED(try_label(&W.anon, W.ccer21, "ccp"), L6_E_UNAUTHORIZED);
  REFUSED(try_label(&W.admin, 9999, "ccp"), L6_E_UNKNOWN_BATCH);
  REFUSED(try_label(&W.admin, W.ccer21, "gold"), L6_E_UNKNOWN_LABEL);
  REFUSED(try_label(&W.admin, W.ccer21, "oimp"), L6_E_UNKNOWN_LABEL); /* a rule, not a batch label */
  {
    json_t *out = NULL;
    l6_error err = {0};
    REFUSED(svc_batch_label(W.s, &W.admin, W.ccer21, "ccp", "bad\x01reference", &out, &err), L6_E_INVALID_VALUE);
    assert_null(out);
  }
  assert_int_equal(try_label(&W.admin, W.ccer21, "ccp"), L6_E_OK);
  REFUSED(try_label(&W.admin, W.ccer21, "ccp"), L6_E_ALREADY_EXISTS);
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_batch_labels(W.s, 9999, &j, &err), L6_E_UNKNOWN_BATCH);
  assert_null(j);
  assert_int_equal(svc_crit_labels(W.s, &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "items")), 29); /* ccp, arb, ccb, sdg-1..sdg-17, seven imported certifications, corsia, oimp */
  json_decref(j);
}

/* Criteria validation: each refusal lists nothing. */
static void test_criteria_refusals(void **state) {
  (void)state;
  l6_crit c = crit("CCER,NOPE", "", "", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_UNKNOWN_UNIT_TYPE);
  c = crit("CCER,CCER", "", "", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_INVALID_VALUE);
  c = crit("CCER", "NOPE", "", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_UNKNOWN_PROGRAMME);
  c = crit("CCER", "", "gold", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_UNKNOWN_LABEL);
  c = crit("CCER", "", "corsia", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_UNKNOWN_CORSIA_PHASE);
  c = crit("CCER", "", "corsia", "tenth");
  REFUSED(try_list("BAD", &c, ""), L6_E_UNKNOWN_CORSIA_PHASE);
  c = crit("CCER", "", "ccp", "first");
  REFUSED(try_list("BAD", &c, ""), L6_E_INVALID_VALUE);
  c = crit("VCU,CCER", "", "", "");
  REFUSED(try_list("BAD", &c, "CCER"), L6_E_INVALID_VALUE); /* unit_type is not the first of unit_types */
  c = crit("CCER,VCU", "", "", "");
  assert_int_equal(try_list("BOTH", &c, "CCER"), L6_E_OK); /* it is: fine */
  c = crit("", "", "", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_MISSING_FIELD);
  c = crit("A,B,C,D,E,F,G,H,I", "", "", "");
  REFUSED(try_list("BAD", &c, ""), L6_E_INVALID_VALUE);
  c = crit("", "", "ccp", "");
  l6_ex_instrument x = instrument("BATCHX", "");
  snprintf(x.kind, sizeof x.kind, "batch");
  x.batch = W.ccer21;
  json_t *out = NULL;
  l6_error err;
  REFUSED(svc_ex_instrument_create_crit(W.s, &W.admin, &x, &c, &out, &err), L6_E_INVALID_VALUE);
  assert_null(out);
}

/* config/labels.json is loaded strictly: each bad file is refused naming
 * the key; the labels loaded before stay. */
static void test_labels_config(void **state) {
  (void)state;
  static const struct {
    const char *text, *key;
  } bad[] = {
      {"{\"labels\": [], \"colour\": 1}", "colour"},
      {"{\"labels\": {}}", "labels"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"batch\", \"title\": \"X\", \"rule\": \"r\", \"extra\": \"\"}]}", "extra"},
      {"{\"labels\": [{\"name\": \"Bad Name\", \"kind\": \"batch\", \"title\": \"X\", \"rule\": \"r\"}]}", "labels.name"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"other\", \"title\": \"X\", \"rule\": \"r\"}]}", "labels.kind"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"rule\", \"title\": \"X\", \"rule\": \"r\"}]}", "labels.kind"},
      {"{\"labels\": [{\"name\": \"oimp\", \"kind\": \"batch\", \"title\": \"X\", \"rule\": \"r\"}]}", "labels.kind"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"batch\", \"rule\": \"r\"}]}", "labels.title"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"batch\", \"title\": \"X\"}]}", "labels.rule"},
      {"{\"labels\": [{\"name\": \"x\", \"kind\": \"batch\", \"title\": \"X\", \"rule\": \"r\"},"
       " {\"name\": \"x\", \"kind\": \"batch\", \"title\": \"X\", \"rule\": \"r\"}]}", "labels.name"},
      {"{\"labels\": [", "line"},
  };
  char *dir = tl_tmpdir_make("labels");
  assert_non_null(dir);
  char path[1024];
  snprintf(path, sizeof path, "%s/labels.json", dir);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(bad[i].text, f);
    fclose(f);
    l6_error err = {0};
    assert_int_equal(svc_crit_load(dir, &err), L6_E_INVALID_CONFIG);
    if (strstr(err.message, "labels.json") == NULL || strstr(err.message, bad[i].key) == NULL)
      fail_msg("file %zu: the message should name the file and %s: %s", i, bad[i].key, err.message);
  }
  tl_tmpdir_remove(dir);
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_crit_labels(W.s, &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "items")), 29); /* unchanged */
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_two_unit_types, setup, teardown),
      cmocka_unit_test_setup_teardown(test_programme_filter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_label_ccp, setup, teardown),
      cmocka_unit_test_setup_teardown(test_non_offsetting, setup, teardown),
      cmocka_unit_test_setup_teardown(test_label_oimp, setup, teardown),
      cmocka_unit_test_setup_teardown(test_label_corsia, setup, teardown),
      cmocka_unit_test_setup_teardown(test_label_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_criteria_refusals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_labels_config, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
