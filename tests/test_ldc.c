/*
 * test_ldc.c -- issue 20 items 3 and 4 (src/service/mech_ldc.c,
 * src/core/fees.c) on the real server, with the shipped ABM definition
 * (config/mechanisms/abm.json: a safeguards checklist, three SD
 * indicators, a 5,000.00 USD registration fee, 0.10 / 0.20 USD per CAB in
 * two tiers, fees waived for LDC hosts and the registration fee deferred
 * for SIDS hosts):
 *
 *   fees_relief       Uganda (LDC) registers with the fee waived, Kenya
 *                     (neither) is invoiced, Fiji (SIDS) is deferred and
 *                     billed at its first issuance only; GET /v1/fees/{party}
 *                     and `ledger6 report fees` agree
 *   tiers_exact       an issuance of 20,000 CABs pays 15,000 x 10 +
 *                     5,000 x 20 cents; Uganda's the same amount, waived
 *   tiers_random      fee_tiers_amount against a unit-by-unit sum, seeded
 *   safeguards_sd     a missing or failed safeguard, a missing SD
 *                     indicator: 422 with their stable codes and nothing
 *                     changed; answers shown on the activity and the
 *                     indicators in /v1/public/sd-indicators.csv
 *   benefit_transfers an off-exchange transfer's consideration (issue 20
 *                     item 5): kept with the transaction, summed per
 *                     currency in the host's report, an unpriced one
 *                     counted apart; every bad consideration refused with
 *                     its stable code and nothing changed
 *   defs_strict_fuzz  the new sections refuse unknown keys and bad values
 *                     (INVALID_CONFIG naming the key); seeded mutations of
 *                     abm.json parse or fail cleanly, never crash
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../src/core/benefit.h"
#include "../src/core/fees.h"
#include "../src/limits.h"
#include "../src/service/mechanism.h"
#include "testlib.h"
#include "testlib_cycle.h"
#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_doe, dev[3], acc[3], comm[3], gov[3]; /* comm, gov: the hosts' benefit-sharing accounts */
  char *tok_doe, *tok_dev[3], *tok_dna[3], *tok_ma;
} W;
#define S (&W.srv)

/* The hosts: an LDC, neither LDC nor SIDS, a SIDS. */
static const char *const hosts[3] = {"UGA", "KEN", "FJI"};
enum { UGA, KEN, FJI };

#define MUST(m, p, t, b, st) TL_MUST(S, (m), (p), (t), (b), (st))

static void refused_at(const char *method, const char *path, const char *tok, json_t *body, long status,
                       const char *code, const char *file, int line) {
  tl_resp r = tl_http_reqj(S, method, path, tok, body, NULL);
  tl_assert_error_at(&r, status, code, file, line);
  tl_resp_free(&r);
}
#define REFUSED(m, p, t, b, st, c) refused_at((m), (p), (t), (b), (st), (c), __FILE__, __LINE__)

static char *snapshot(const char *path) {
  json_t *b = MUST("GET", path, S->admin, NULL, 200);
  char *t = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(b);
  return t;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_srv_start(S, "ldc") != 0) return -1;
  tl_mk_party(S, "UGA", "Uganda");
  tl_mk_party(S, "KEN", "Kenya");
  tl_mk_party(S, "FJI", "Fiji");
  for (int h = 0; h < 3; h++) {
    char reg[6];
    snprintf(reg, sizeof reg, "%s01", hosts[h]);
    tl_mk_registry(S, reg, hosts[h], NULL);
    W.dev[h] = tl_mk_org(S, reg, "Community adaptation cooperative");
    W.tok_dev[h] = tl_mk_token(S, "holder", W.dev[h]);
    W.tok_dna[h] = tl_mk_token(S, "authority", tl_mk_org(S, reg, "Designated national authority"));
    W.acc[h] = tl_mk_account(S, reg, W.dev[h], "holding", "CABs");
    W.comm[h] = tl_mk_account(S, reg, tl_mk_org(S, reg, "Host community trust"), "holding", "community share");
    W.gov[h] = tl_mk_account(S, reg, tl_mk_org(S, reg, "Ministry of finance"), "holding", "government share");
  }
  W.org_doe = tl_mk_org(S, "KEN01", "Nairobi validator");
  W.tok_doe = tl_mk_token(S, "validator", W.org_doe);
  W.tok_ma = tl_mk_token(S, "mechanism-admin", 0);
  json_decref(MUST("POST", "/v1/accreditations", W.tok_ma,
                   json_pack("{s:I, s:s, s:[s]}", "organisation", (json_int_t)W.org_doe, "mechanism", "ABM", "scopes",
                             "ADAPT"),
                   201));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  for (int h = 0; h < 3; h++) {
    free(W.tok_dev[h]);
    free(W.tok_dna[h]);
  }
  free(W.tok_doe);
  free(W.tok_ma);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

/* Submits, validates and approves an ABM activity hosted by hosts[h]. */
static void to_approved(int h, const char *id) {
  char reg[6];
  snprintf(reg, sizeof reg, "%s01", hosts[h]);
  tl_submit(S, W.tok_dev[h], "ABM", id, reg, hosts[h], "adaptation");
  json_decref(tl_step(S, W.tok_doe, "ABM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna[h], "ABM", id, "approve", "accept", NULL));
}

/* Registers (the helper answers every safeguard true); the invoices. */
static json_t *registered(int h, const char *id) {
  to_approved(h, id);
  json_t *b = tl_step(S, W.tok_ma, "ABM", id, "register", "accept", NULL);
  json_t *inv = json_incref(json_object_get(json_object_get(json_object_get(b, "step"), "detail"), "invoices"));
  json_decref(b);
  return inv;
}

/* The monitoring report body of `people` CABs for year y. */
static json_t *report_body(int h, int y, int64_t people, json_t *sd) {
  char start[11], end[11];
  snprintf(start, sizeof start, "%04d-01-01", y);
  snprintf(end, sizeof end, "%04d-12-31", y);
  json_t *b = json_pack("{s:s, s:s, s:s, s:{s:I, s:i, s:i, s:i, s:i}, s:o}", "start", start, "end", end, "calculator",
                        "adaptation-benefits", "inputs", "people_resilient", (json_int_t)people, "hectares", 10,
                        "water_saved_m3", 0, "jobs", 3, "biodiversity_ha", 0, "documents",
                        tl_step_docs(S, W.tok_dev[h], "ABM", "monitor"));
  if (sd) json_object_set_new(b, "sd_indicators", sd);
  return b;
}

static json_t *benefit_accounts(int h) {
  return json_pack("{s:{s:I, s:I}}", "benefit_accounts", "host-community", (json_int_t)W.comm[h], "host-government",
                   (json_int_t)W.gov[h]);
}

/* Reports, verifies and requests `people` CABs: the period. */
static int requested(int h, const char *id, int y, int64_t people) {
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/periods", id);
  json_t *b = MUST("POST", path, W.tok_dev[h],
                   report_body(h, y, people, json_pack("{s:i, s:i, s:i}", "sdg1-households", 12, "sdg5-women", 30,
                                                       "sdg8-local-jobs", 3)),
                   201);
  int p = (int)tl_jint(json_object_get(b, "period"), "period");
  json_decref(b);
  json_decref(tl_period_step(S, W.tok_doe, "ABM", id, p, "verify", "accept", json_pack("{s:I}", "certified", (json_int_t)people)));
  json_decref(tl_period_step(S, W.tok_dev[h], "ABM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)W.acc[h], "bp", 10000)));
  return p;
}

/* Reports, verifies, requests and issues `people` CABs: the issue step's invoices. */
static json_t *issued(int h, const char *id, int y, int64_t people) {
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/periods", id);
  json_t *b = MUST("POST", path, W.tok_dev[h],
                   report_body(h, y, people, json_pack("{s:i, s:i, s:i}", "sdg1-households", 12, "sdg5-women", 30,
                                                       "sdg8-local-jobs", 3)),
                   201);
  int p = (int)tl_jint(json_object_get(b, "period"), "period");
  json_decref(b);
  json_decref(tl_period_step(S, W.tok_doe, "ABM", id, p, "verify", "accept", json_pack("{s:I}", "certified", (json_int_t)people)));
  json_decref(tl_period_step(S, W.tok_dev[h], "ABM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)W.acc[h], "bp", 10000)));
  b = tl_period_step(S, W.tok_ma, "ABM", id, p, "issue", "accept", benefit_accounts(h));
  json_t *inv = json_incref(json_object_get(json_object_get(json_object_get(b, "step"), "detail"), "invoices"));
  json_decref(b);
  return inv;
}

static void check_invoice(const json_t *inv, const char *fee, int64_t amount, const char *relief, const char *group,
                          int64_t due) {
  assert_non_null(inv);
  assert_string_equal(tl_jstr(inv, "fee"), fee);
  assert_string_equal(tl_jstr(inv, "currency"), "USD");
  assert_int_equal(tl_jint(inv, "amount"), amount);
  assert_string_equal(tl_jstr(inv, "relief"), relief);
  if (group) assert_string_equal(tl_jstr(inv, "group"), group);
  else assert_null(json_object_get(inv, "group"));
  assert_int_equal(tl_jint(inv, "due"), due);
}

/* ---- fees ------------------------------------------------------------------ */

static void test_fees_relief(void **state) {
  (void)state;
  /* "项目登记费用高……给这些国家的参与设置了额外的障碍" (seed 000): Uganda, an LDC, pays nothing. */
  json_t *inv = registered(UGA, "UGA.ABM.FEES");
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "registration", 500000, "waived", "LDC", 0);
  json_decref(inv);
  inv = registered(KEN, "KEN.ABM.FEES");
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "registration", 500000, "none", NULL, 500000);
  json_decref(inv);
  inv = registered(FJI, "FJI.ABM.FEES");
  check_invoice(json_array_get(inv, 0), "registration", 500000, "deferred", "SIDS", 0);
  json_decref(inv);

  json_t *r = MUST("GET", "/v1/fees/FJI", NULL, NULL, 200); /* public */
  json_t *t = json_object_get(json_object_get(r, "totals"), "USD");
  assert_int_equal(tl_jint(t, "deferred"), 500000);
  assert_int_equal(tl_jint(t, "deferred_outstanding"), 500000);
  assert_int_equal(tl_jint(t, "due"), 0);
  json_decref(r);

  /* Fiji's first issuance: its issuance fee (no SIDS relief for it) and the deferred registration fee. */
  inv = issued(FJI, "FJI.ABM.FEES", 2023, 100);
  assert_int_equal(json_array_size(inv), 2);
  check_invoice(json_array_get(inv, 0), "issuance", 1000, "none", NULL, 1000);
  check_invoice(json_array_get(inv, 1), "registration", 500000, "none", "SIDS", 500000);
  assert_true(json_is_true(json_object_get(json_array_get(inv, 1), "deferred")));
  json_decref(inv);
  inv = issued(FJI, "FJI.ABM.FEES", 2024, 100); /* the second: the issuance fee only */
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "issuance", 1000, "none", NULL, 1000);
  json_decref(inv);

  r = MUST("GET", "/v1/fees/FJI", S->admin, NULL, 200);
  t = json_object_get(json_object_get(r, "totals"), "USD");
  assert_int_equal(tl_jint(t, "deferred_outstanding"), 0);
  assert_int_equal(tl_jint(t, "due"), 502000);
  assert_int_equal(json_array_size(json_object_get(r, "invoices")), 4);
  json_decref(r);
  r = MUST("GET", "/v1/fees/UGA", NULL, NULL, 200);
  t = json_object_get(json_object_get(r, "totals"), "USD");
  assert_int_equal(tl_jint(t, "waived"), 500000);
  assert_int_equal(tl_jint(t, "due"), 0);
  json_t *first = json_array_get(json_object_get(r, "invoices"), 0);
  assert_string_equal(tl_jstr(first, "project"), "UGA.ABM.FEES");
  assert_string_equal(tl_jstr(first, "step"), "register");
  char *api = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(r);
  r = MUST("GET", "/v1/fees/KEN", NULL, NULL, 200);
  assert_int_equal(tl_jint(json_object_get(json_object_get(r, "totals"), "USD"), "due"), 500000);
  json_decref(r);
  r = MUST("GET", "/v1/fees/MWI", NULL, NULL, 200); /* hosts nothing: empty */
  assert_int_equal(json_array_size(json_object_get(r, "invoices")), 0);
  assert_int_equal(json_object_size(json_object_get(r, "totals")), 0);
  json_decref(r);
  REFUSED("GET", "/v1/fees/uga", NULL, NULL, 404, "unknown_party");
  REFUSED("GET", "/v1/fees/UGAN", NULL, NULL, 404, "unknown_party");

  /* The command line prints the same report. */
  char out[16384];
  assert_int_equal(tl_run_cli(S, out, sizeof out, "report", "fees", "--party", "UGA", NULL), 0);
  json_t *cli = json_loads(out, 0, NULL);
  assert_non_null(cli);
  char *c = json_dumps(cli, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(c, api);
  free(c);
  free(api);
  json_decref(cli);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "fees", NULL), 2); /* --party is required */
}

static void test_tiers_exact(void **state) {
  (void)state;
  json_decref(registered(KEN, "KEN.ABM.TIERS"));
  json_t *inv = issued(KEN, "KEN.ABM.TIERS", 2023, 20000);
  assert_int_equal(json_array_size(inv), 1);
  const json_t *i0 = json_array_get(inv, 0);
  check_invoice(i0, "issuance", 15000 * 10 + 5000 * 20, "none", NULL, 250000);
  assert_int_equal(tl_jint(i0, "units"), 20000);
  json_t *tiers = json_object_get(i0, "tiers");
  assert_int_equal(json_array_size(tiers), 2);
  assert_int_equal(tl_jint(json_array_get(tiers, 0), "units"), 15000);
  assert_int_equal(tl_jint(json_array_get(tiers, 0), "amount"), 150000);
  assert_int_equal(tl_jint(json_array_get(tiers, 1), "units"), 5000);
  assert_int_equal(tl_jint(json_array_get(tiers, 1), "per_unit"), 20);
  assert_int_equal(tl_jint(json_array_get(tiers, 1), "amount"), 100000);
  json_decref(inv);
  inv = issued(KEN, "KEN.ABM.TIERS", 2024, 15000); /* exactly the first tier */
  check_invoice(json_array_get(inv, 0), "issuance", 150000, "none", NULL, 150000);
  json_decref(inv);
  json_decref(registered(UGA, "UGA.ABM.TIERS"));
  inv = issued(UGA, "UGA.ABM.TIERS", 2025, 20000);
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "issuance", 250000, "waived", "LDC", 0);
  json_decref(inv);
}

/* Tiered fees against a unit-by-unit sum, and their shape, for random tiers. */
static void test_tiers_random(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 20);
  l6_error err = {0};
  for (int round = 0; round < 2000; round++) {
    l6_fee_tier t[L6_MAX_FEE_TIERS];
    size_t n = (size_t)tl_rng_range(&r, 1, L6_MAX_FEE_TIERS);
    l6_qty up = 0;
    for (size_t i = 0; i < n; i++) {
      up += tl_rng_range(&r, 1, 50);
      t[i].up_to = i + 1 == n ? 0 : up;
      t[i].per_unit = tl_rng_range(&r, 0, L6_MAX_FEE_PER_UNIT);
    }
    l6_qty q = tl_rng_range(&r, 0, 500);
    int64_t amount = -1, part[L6_MAX_FEE_TIERS];
    l6_qty units[L6_MAX_FEE_TIERS];
    assert_int_equal(fee_tiers_amount(t, n, q, &amount, units, part, &err), L6_E_OK);
    int64_t brute = 0, psum = 0;
    l6_qty usum = 0;
    for (l6_qty u = 1; u <= q; u++) { /* unit u pays the rate of the first tier whose up_to reaches it */
      size_t k = 0;
      while (k + 1 < n && u > t[k].up_to) k++;
      brute += t[k].per_unit;
    }
    for (size_t i = 0; i < n; i++) {
      psum += part[i];
      usum += units[i];
      assert_int_equal(part[i], units[i] * t[i].per_unit);
    }
    assert_int_equal(amount, brute);
    assert_int_equal(psum, amount);
    assert_int_equal(usum, q);
  }
  /* The largest issuance at the highest rate stays exact. */
  l6_fee_tier big[1] = {{0, L6_MAX_FEE_PER_UNIT}};
  int64_t amount = 0;
  assert_int_equal(fee_tiers_amount(big, 1, L6_MAX_QUANTITY, &amount, NULL, NULL, &err), L6_E_OK);
  assert_int_equal(amount, (int64_t)L6_MAX_QUANTITY * L6_MAX_FEE_PER_UNIT);
  assert_int_equal(fee_tiers_amount(big, 1, L6_MAX_QUANTITY + 1, &amount, NULL, NULL, &err), L6_E_QUANTITY_OVERFLOW);
  l6_fee_tier bad[2] = {{10, 1}, {5, 1}};
  assert_int_equal(fee_tiers_amount(bad, 2, 1, &amount, NULL, NULL, &err), L6_E_INVALID_VALUE);
  bad[1].up_to = 0;
  bad[0].up_to = 0;
  assert_int_equal(fee_tiers_amount(bad, 2, 1, &amount, NULL, NULL, &err), L6_E_INVALID_VALUE);
}

/* ---- safeguards and SD indicators -------------------------------------------- */

static json_t *all_safeguards(void) {
  return json_pack("{s:b, s:b, s:b, s:b, s:b}", "fpic", 1, "human-rights", 1, "no-involuntary-resettlement", 1,
                   "grievance-channel", 1, "gender-assessment", 0);
}

static json_t *reg_body(json_t *safeguards) {
  json_t *b = json_pack("{s:s, s:s}", "step", "register", "decision", "accept");
  if (safeguards) json_object_set_new(b, "safeguards", safeguards);
  return b;
}

static void test_safeguards_sd(void **state) {
  (void)state;
  const char *id = "KEN.ABM.SAFE", *path = "/v1/activities/KEN.ABM.SAFE/steps";
  to_approved(KEN, id);
  char *before = snapshot("/v1/activities/KEN.ABM.SAFE");
  REFUSED("POST", path, W.tok_ma, reg_body(NULL), 422, "safeguards_incomplete");
  json_t *s = all_safeguards();
  json_object_del(s, "grievance-channel");
  REFUSED("POST", path, W.tok_ma, reg_body(s), 422, "safeguards_incomplete");
  s = all_safeguards();
  json_object_set_new(s, "human-rights", json_false()); /* must hold */
  REFUSED("POST", path, W.tok_ma, reg_body(s), 422, "safeguards_incomplete");
  s = all_safeguards();
  json_object_set_new(s, "dams", json_true());
  REFUSED("POST", path, W.tok_ma, reg_body(s), 422, "invalid_value");
  s = all_safeguards();
  json_object_set_new(s, "fpic", json_string("yes"));
  REFUSED("POST", path, W.tok_ma, reg_body(s), 400, "wrong_type");
  REFUSED("POST", path, W.tok_ma, reg_body(json_array()), 400, "wrong_type");
  json_t *rej = json_pack("{s:s, s:s, s:o}", "step", "register", "decision", "reject", "safeguards", all_safeguards());
  REFUSED("POST", path, W.tok_ma, rej, 422, "invalid_value"); /* answered only when registering */
  char *after = snapshot("/v1/activities/KEN.ABM.SAFE");
  assert_string_equal(before, after);
  free(before);
  free(after);
  /* A false answer to an item that need not hold registers, and is recorded. */
  json_decref(MUST("POST", path, W.tok_ma, reg_body(all_safeguards()), 201));

  /* SD indicators on the monitoring report. */
  const char *ppath = "/v1/activities/KEN.ABM.SAFE/periods";
  before = snapshot("/v1/activities/KEN.ABM.SAFE");
  REFUSED("POST", ppath, W.tok_dev[KEN], report_body(KEN, 2025, 50, NULL), 422, "sd_indicators_incomplete");
  REFUSED("POST", ppath, W.tok_dev[KEN], report_body(KEN, 2025, 50, json_pack("{s:i, s:i}", "sdg1-households", 1, "sdg5-women", 2)),
          422, "sd_indicators_incomplete");
  REFUSED("POST", ppath, W.tok_dev[KEN],
          report_body(KEN, 2025, 50, json_pack("{s:i, s:i, s:s}", "sdg1-households", 1, "sdg5-women", 2, "sdg8-local-jobs", "3")),
          400, "wrong_type");
  REFUSED("POST", ppath, W.tok_dev[KEN],
          report_body(KEN, 2025, 50, json_pack("{s:i, s:i, s:i}", "sdg1-households", 1, "sdg5-women", -2, "sdg8-local-jobs", 3)),
          422, "invalid_value");
  REFUSED("POST", ppath, W.tok_dev[KEN],
          report_body(KEN, 2025, 50,
                      json_pack("{s:i, s:i, s:i, s:i}", "sdg1-households", 1, "sdg5-women", 2, "sdg8-local-jobs", 3, "sdg13", 1)),
          422, "invalid_value");
  after = snapshot("/v1/activities/KEN.ABM.SAFE");
  assert_string_equal(before, after);
  free(before);
  free(after);
  json_decref(MUST("POST", ppath, W.tok_dev[KEN],
                   report_body(KEN, 2025, 50, json_pack("{s:i, s:i, s:i}", "sdg1-households", 11, "sdg5-women", 22,
                                                        "sdg8-local-jobs", 3)),
                   201));
  REFUSED("POST", "/v1/activities/KEN.ABM.SAFE/periods/1/steps", W.tok_doe,
          json_pack("{s:s, s:s, s:i, s:{s:i}, s:o}", "step", "verify", "decision", "accept", "certified", 50, "sd_indicators",
                    "sdg5-women", 1, "documents", tl_step_docs(S, W.tok_doe, "ABM", "verify")),
          422, "invalid_value"); /* only with a monitoring report */

  /* The activity's page shows the answers and the indicators. */
  json_t *a = MUST("GET", "/v1/activities/KEN.ABM.SAFE", NULL, NULL, 200);
  bool saw_safe = false, saw_sd = false;
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(a, "steps"), i, st) {
    json_t *d = json_object_get(st, "detail");
    if (json_object_get(d, "safeguards")) {
      saw_safe = true;
      assert_true(json_is_false(json_object_get(json_object_get(d, "safeguards"), "gender-assessment")));
      assert_true(json_is_true(json_object_get(json_object_get(d, "safeguards"), "fpic")));
    }
    if (json_object_get(d, "sd_indicators")) {
      saw_sd = true;
      assert_int_equal(tl_jint(json_object_get(d, "sd_indicators"), "sdg5-women"), 22);
    }
  }
  assert_true(saw_safe && saw_sd);
  json_decref(a);

  /* The public CSV carries the indicators, one row each, with their units. */
  tl_resp r = tl_http_req(S, "GET", "/v1/public/sd-indicators.csv", NULL, NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.raw, "project,mechanism,host,period,step,ts,indicator,unit,value\r\n"));
  assert_non_null(strstr(r.raw, ",sdg5-women,people,22\r\n"));
  assert_non_null(strstr(r.raw, ",sdg1-households,households,11\r\n"));
  assert_non_null(strstr(r.raw, "KEN.ABM.SAFE,ABM,KEN,1,"));
  tl_resp_free(&r);
}

/* ---- the Article 6.4 mechanism's (config/mechanisms/pacm.json) ------------------ */

static const char *const pacm_safeguards[] = {"human-rights", "fpic", "communities-ecosystems", "national-priorities",
                                              "grievance-channel"};

static json_t *pacm_answers(void) {
  json_t *o = json_object();
  for (size_t i = 0; i < sizeof pacm_safeguards / sizeof *pacm_safeguards; i++)
    json_object_set_new(o, pacm_safeguards[i], json_true());
  return o;
}

static json_t *pacm_sd(int64_t people) {
  return json_pack("{s:I, s:i, s:i, s:I}", "sdg7-energy-access", (json_int_t)people, "technology-transfer", 2,
                   "capacity-building", 14, "foreign-investment", (json_int_t)380000);
}

/* Submits, validates and approves a PACM activity of hosts[h]. */
static void pacm_approved(int h, const char *id) {
  char reg[6];
  snprintf(reg, sizeof reg, "%s01", hosts[h]);
  tl_submit(S, W.tok_dev[h], "PACM", id, reg, hosts[h], "avoidance");
  json_decref(tl_step(S, W.tok_doe, "PACM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna[h], "PACM", id, "approve", "accept", NULL));
}

/* The grid-renewable monitoring report of `tonnes` for year y (1 t/MWh). */
static json_t *pacm_report(int h, int y, int64_t tonnes, json_t *sd) {
  char start[11], end[11];
  snprintf(start, sizeof start, "%04d-01-01", y);
  snprintf(end, sizeof end, "%04d-12-31", y);
  json_t *b = json_pack("{s:s, s:s, s:s, s:{s:I, s:i}, s:o}", "start", start, "end", end, "calculator", "grid-renewable",
                        "inputs", "net_kwh", (json_int_t)(tonnes * 1000), "ef_cm_t_mwh_e6", 1000000, "documents",
                        tl_step_docs(S, W.tok_dev[h], "PACM", "monitor"));
  if (sd) json_object_set_new(b, "sd_indicators", sd);
  return b;
}

/* Verifies, requests and issues period p of `tonnes`: the issue step's invoices. */
static json_t *pacm_issued(int h, const char *id, int p, int64_t tonnes) {
  json_decref(tl_period_step(S, W.tok_doe, "PACM", id, p, "verify", "accept", json_pack("{s:I}", "certified", (json_int_t)tonnes)));
  json_decref(tl_period_step(S, W.tok_dev[h], "PACM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)W.acc[h], "bp", 10000)));
  json_t *b = tl_period_step(S, W.tok_ma, "PACM", id, p, "issue", "accept", NULL);
  json_t *inv = json_incref(json_object_get(json_object_get(json_object_get(b, "step"), "detail"), "invoices"));
  json_decref(b);
  return inv;
}

static json_t *step_detail(const char *id, const char *step, int period) {
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s", id);
  json_t *a = MUST("GET", path, NULL, NULL, 200), *found = NULL;
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(a, "steps"), i, st)
    if (strcmp(tl_jstr(st, "step"), step) == 0 && tl_jint(st, "period") == period) found = json_object_get(st, "detail");
  json_incref(found);
  json_decref(a);
  return found;
}

static void test_pacm(void **state) {
  (void)state;
  json_decref(MUST("POST", "/v1/accreditations", W.tok_ma,
                   json_pack("{s:I, s:s, s:[s]}", "organisation", (json_int_t)W.org_doe, "mechanism", "PACM", "scopes", "1"),
                   201));
  /* The definition as served: every safeguard must hold and quotes where it comes from. */
  json_t *m = MUST("GET", "/v1/mechanisms/PACM", NULL, NULL, 200);
  json_t *sg = json_object_get(m, "safeguards"), *sd = json_object_get(m, "sd_indicators");
  assert_int_equal(json_array_size(sg), 5);
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(tl_jstr(json_array_get(sg, i), "code"), pacm_safeguards[i]);
    assert_true(json_is_true(json_object_get(json_array_get(sg, i), "must_hold")));
    assert_non_null(json_object_get(json_array_get(sg, i), "source"));
  }
  assert_non_null(strstr(tl_jstr(json_array_get(sg, 0), "source"), "人权受到侵犯"));
  assert_int_equal(json_array_size(sd), 4);
  assert_string_equal(tl_jstr(json_array_get(sd, 0), "unit"), "people");
  json_t *fees = json_object_get(m, "fees");
  assert_null(json_object_get(json_object_get(fees, "relief"), "SIDS")); /* the sources give SIDS no relief under 6.4 */
  assert_non_null(strstr(tl_jstr(fees, "source"), "为最不发达国家设定较低的体制和资金要求"));
  assert_null(json_object_get(m, "benefit_sharing")); /* no share in the sources: domestic rules set it */
  json_decref(m);

  /* Registration needs the checklist, every item holding; a refusal changes nothing. */
  const char *id = "KEN.PACM.SAFE", *path = "/v1/activities/KEN.PACM.SAFE/steps";
  pacm_approved(KEN, id);
  char *before = snapshot("/v1/activities/KEN.PACM.SAFE");
  REFUSED("POST", path, W.tok_ma, reg_body(NULL), 422, "safeguards_incomplete");
  json_t *a = pacm_answers();
  json_object_set_new(a, "national-priorities", json_false());
  REFUSED("POST", path, W.tok_ma, reg_body(a), 422, "safeguards_incomplete");
  a = pacm_answers();
  json_object_del(a, "communities-ecosystems");
  REFUSED("POST", path, W.tok_ma, reg_body(a), 422, "safeguards_incomplete");
  a = pacm_answers();
  json_object_set_new(a, "gender-assessment", json_true()); /* the ABM's, not the PACM's */
  REFUSED("POST", path, W.tok_ma, reg_body(a), 422, "invalid_value");
  char *after = snapshot("/v1/activities/KEN.PACM.SAFE");
  assert_string_equal(before, after);
  free(before);
  free(after);
  json_t *b = MUST("POST", path, W.tok_ma, reg_body(pacm_answers()), 201);
  json_t *d = json_object_get(json_object_get(b, "step"), "detail");
  json_t *want = pacm_answers();
  assert_true(json_equal(json_object_get(d, "safeguards"), want));
  json_decref(want);
  /* Kenya is neither LDC nor SIDS: invoiced. */
  assert_int_equal(json_array_size(json_object_get(d, "invoices")), 1);
  check_invoice(json_array_get(json_object_get(d, "invoices"), 0), "registration", 500000, "none", NULL, 500000);
  json_decref(b);

  /* The monitoring report carries the four SD indicators. */
  const char *ppath = "/v1/activities/KEN.PACM.SAFE/periods";
  before = snapshot("/v1/activities/KEN.PACM.SAFE");
  REFUSED("POST", ppath, W.tok_dev[KEN], pacm_report(KEN, 2024, 1000, NULL), 422, "sd_indicators_incomplete");
  json_t *x = pacm_sd(900);
  json_object_del(x, "foreign-investment");
  REFUSED("POST", ppath, W.tok_dev[KEN], pacm_report(KEN, 2024, 1000, x), 422, "sd_indicators_incomplete");
  x = pacm_sd(900);
  json_object_set_new(x, "sdg5-women", json_integer(3)); /* the ABM's */
  REFUSED("POST", ppath, W.tok_dev[KEN], pacm_report(KEN, 2024, 1000, x), 422, "invalid_value");
  x = pacm_sd(900);
  json_object_set_new(x, "capacity-building", json_integer(-1));
  REFUSED("POST", ppath, W.tok_dev[KEN], pacm_report(KEN, 2024, 1000, x), 422, "invalid_value");
  after = snapshot("/v1/activities/KEN.PACM.SAFE");
  assert_string_equal(before, after);
  free(before);
  free(after);
  b = MUST("POST", ppath, W.tok_dev[KEN], pacm_report(KEN, 2024, 1000, pacm_sd(900)), 201);
  int p = (int)tl_jint(json_object_get(b, "period"), "period");
  json_decref(b);
  d = step_detail(id, "monitor", p);
  want = pacm_sd(900);
  assert_true(json_equal(json_object_get(d, "sd_indicators"), want));
  json_decref(want);
  json_decref(d);
  tl_resp r = tl_http_req(S, "GET", "/v1/public/sd-indicators.csv", NULL, NULL, NULL);
  assert_int_equal(r.status, 200);
  char row[96];
  snprintf(row, sizeof row, "KEN.PACM.SAFE,PACM,KEN,%d,", p);
  assert_non_null(strstr(r.raw, row));
  assert_non_null(strstr(r.raw, ",sdg7-energy-access,people,900\r\n"));
  assert_non_null(strstr(r.raw, ",foreign-investment,usd,380000\r\n"));
  tl_resp_free(&r);
  /* The public safeguards file: one row per answer of the registration, must_hold from the file. */
  r = tl_http_req(S, "GET", "/v1/public/safeguards.csv", NULL, NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.raw, "project,mechanism,host,step,ts,safeguard,must_hold,answer\r\n"));
  int nrows = 0;
  for (const char *c = r.raw; (c = strstr(c, "\r\nKEN.PACM.SAFE,PACM,KEN,")) != NULL; c += 2) nrows++;
  assert_int_equal(nrows, 5);
  for (size_t k = 0; k < 5; k++) {
    char cell[64];
    snprintf(cell, sizeof cell, ",%s,true,true\r\n", pacm_safeguards[k]);
    assert_non_null(strstr(r.raw, cell));
  }
  assert_non_null(strstr(r.raw, ",gender-assessment,false,false\r\n")); /* the ABM's item that need not hold */
  assert_non_null(strstr(r.raw, "\r\nKEN.ABM.SAFE,ABM,KEN,"));
  assert_null(strstr(r.raw, ",national-priorities,true,false")); /* the refused registration left no answer */
  tl_resp_free(&r);
  /* Kenya's issuance of 1,000 A6.4ERs: 1,000 x 0.10 USD, due. */
  json_t *inv = pacm_issued(KEN, id, p, 1000);
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "issuance", 10000, "none", NULL, 10000);
  assert_int_equal(tl_jint(json_array_get(inv, 0), "units"), 1000);
  json_decref(inv);

  /* Uganda, an LDC host: the same registration and issuance, both fees waived. */
  pacm_approved(UGA, "UGA.PACM.FEES");
  b = MUST("POST", "/v1/activities/UGA.PACM.FEES/steps", W.tok_ma, reg_body(pacm_answers()), 201);
  inv = json_object_get(json_object_get(json_object_get(b, "step"), "detail"), "invoices");
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "registration", 500000, "waived", "LDC", 0);
  json_decref(b);
  b = MUST("POST", "/v1/activities/UGA.PACM.FEES/periods", W.tok_dev[UGA], pacm_report(UGA, 2024, 1000, pacm_sd(40)), 201);
  p = (int)tl_jint(json_object_get(b, "period"), "period");
  json_decref(b);
  inv = pacm_issued(UGA, "UGA.PACM.FEES", p, 1000);
  assert_int_equal(json_array_size(inv), 1);
  check_invoice(json_array_get(inv, 0), "issuance", 10000, "waived", "LDC", 0);
  json_decref(inv);

  /* Fiji, a SIDS: no relief under this file (the sources name none), so no deferral either. */
  pacm_approved(FJI, "FJI.PACM.FEES");
  b = MUST("POST", "/v1/activities/FJI.PACM.FEES/steps", W.tok_ma, reg_body(pacm_answers()), 201);
  inv = json_object_get(json_object_get(json_object_get(b, "step"), "detail"), "invoices");
  check_invoice(json_array_get(inv, 0), "registration", 500000, "none", NULL, 500000);
  json_decref(b);

  /* The fee reports: the PACM invoices next to the ABM ones. */
  json_t *rep = MUST("GET", "/v1/fees/UGA", NULL, NULL, 200);
  int pacm_inv = 0;
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(rep, "invoices"), i, it) {
    if (strcmp(tl_jstr(it, "project"), "UGA.PACM.FEES") != 0) continue;
    pacm_inv++;
    assert_string_equal(tl_jstr(it, "relief"), "waived");
    assert_int_equal(tl_jint(it, "due"), 0);
  }
  assert_int_equal(pacm_inv, 2);
  json_decref(rep);
  rep = MUST("GET", "/v1/fees/KEN", NULL, NULL, 200);
  int64_t due = 0;
  json_array_foreach(json_object_get(rep, "invoices"), i, it)
    if (strcmp(tl_jstr(it, "project"), id) == 0) due += tl_jint(it, "due");
  assert_int_equal(due, 510000);
  json_decref(rep);

  /* `ledger6 report fees --format csv`: one row per invoice of the JSON report, same figures. */
  rep = MUST("GET", "/v1/fees/UGA", NULL, NULL, 200);
  static char csv[65536];
  assert_int_equal(tl_run_cli(S, csv, sizeof csv, "report", "fees", "--party", "UGA", "--format", "csv", NULL), 0);
  const char *head = "project,step,step_id,period,ts,fee,party,currency,amount,relief,group,due,units,deferred\r\n";
  assert_memory_equal(csv, head, strlen(head));
  size_t rows = 0;
  for (const char *c = csv; (c = strstr(c, "\r\n")) != NULL; c += 2) rows++;
  assert_int_equal(rows, json_array_size(json_object_get(rep, "invoices")) + 1);
  json_array_foreach(json_object_get(rep, "invoices"), i, it) {
    char line[512];
    json_t *units = json_object_get(it, "units");
    char ubuf[24] = "";
    if (units) snprintf(ubuf, sizeof ubuf, "%lld", (long long)json_integer_value(units));
    snprintf(line, sizeof line, "\r\n%s,%s,%lld,%lld,%s,%s,UGA,USD,%lld,%s,%s,%lld,%s,%s\r\n", tl_jstr(it, "project"),
             tl_jstr(it, "step"), (long long)tl_jint(it, "step_id"), (long long)tl_jint(it, "period"), tl_jstr(it, "ts"),
             tl_jstr(it, "fee"), (long long)tl_jint(it, "amount"), tl_jstr(it, "relief"),
             json_object_get(it, "group") ? tl_jstr(it, "group") : "", (long long)tl_jint(it, "due"), ubuf,
             json_is_true(json_object_get(it, "deferred")) ? "true" : "");
    assert_non_null(strstr(csv + strlen(head) - 2, line)); /* every invoice, as a whole row (from the header's CRLF) */
  }
  json_decref(rep);
  assert_non_null(strstr(csv, "\r\nUGA.PACM.FEES,register,"));
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "fees", "--party", "UGA", "--format", "xlsx", NULL), 2);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "fees", "--party", "UGA", "--format", "csv", "--table", "actions", NULL), 2);
}

/* ---- the definition's new sections: strict, and fuzzed ---------------------------- */

static char *read_abm(size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/config/mechanisms/abm.json", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *buf = malloc(1 << 16);
  *len = fread(buf, 1, 1 << 16, f);
  fclose(f);
  return buf;
}

/* Parses root (a modified abm.json); the error message when refused. */
static l6_err parse_json(json_t *root, char *msg, size_t cap) {
  char *text = json_dumps(root, 0);
  l6_mech m;
  l6_error err = {0};
  l6_err e = mech_parse("abm.json", text, strlen(text), &m, &err);
  free(text);
  if (e == L6_E_OK) mech_free(&m);
  snprintf(msg, cap, "%s", e == L6_E_OK ? "" : err.message);
  return e;
}

static void refuse_edit(json_t *root, const char *json_path_hint, const char *want_in_msg) {
  char msg[512];
  assert_int_equal(parse_json(root, msg, sizeof msg), L6_E_INVALID_CONFIG);
  if (strstr(msg, want_in_msg) == NULL) fail_msg("%s: message '%s' lacks '%s'", json_path_hint, msg, want_in_msg);
}

/* ---- benefit sharing (issue 20 item 5) ---------------------------------- */

/* benefit_split against a model in 128-bit arithmetic, for random
 * quantities, rates and rounding rules (L6_SEED replays a run). */
__extension__ typedef __int128 i128;

static void test_benefit_random(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 21);
  l6_error err = {0};
  for (int round = 0; round < 20000; round++) {
    size_t k = (size_t)tl_rng_range(&r, 1, L6_MAX_BENEFIT_SHARES);
    int bp[L6_MAX_BENEFIT_SHARES], budget = L6_BP_ONE;
    for (size_t i = 0; i < k; i++) {
      bp[i] = (int)tl_rng_range(&r, 1, budget - (int)(k - 1 - i));
      budget -= bp[i];
    }
    l6_qty n = round % 3 == 0 ? tl_rng_range(&r, 0, L6_MAX_QUANTITY) : tl_rng_range(&r, 0, 20000);
    l6_rounding rr = (l6_rounding)tl_rng_range(&r, 1, L6_ROUND__COUNT - 1);
    l6_qty out[L6_MAX_BENEFIT_SHARES], rest = -1;
    assert_int_equal(benefit_split(n, bp, k, rr, out, &rest, &err), L6_E_OK);
    i128 left = n, total = rest;
    for (size_t i = 0; i < k; i++) {
      i128 p = (i128)n * bp[i], q = p / L6_BP_ONE, rem = p % L6_BP_ONE;
      if (rr == L6_ROUND_UP) q += rem > 0;
      if (rr == L6_ROUND_NEAREST) q += 2 * rem >= L6_BP_ONE;
      if (rr == L6_ROUND_HALF_EVEN) q += 2 * rem > L6_BP_ONE || (2 * rem == L6_BP_ONE && (q & 1));
      if (q > left) q = left;
      left -= q;
      assert_true(out[i] == (l6_qty)q);
      assert_true(out[i] >= 0);
      total += out[i];
    }
    assert_true(rest == (l6_qty)left);
    assert_true(total == n); /* no unit created or lost by rounding */
  }
  /* Over 100 %, a zero or negative rate, a negative quantity: refused. */
  int over[2] = {6000, 4001}, zero[2] = {0, 100}, neg[1] = {-1};
  l6_qty out[2], rest;
  assert_int_equal(benefit_split(100, over, 2, L6_ROUND_DOWN, out, &rest, &err), L6_E_INVALID_VALUE);
  assert_int_equal(benefit_split(100, zero, 2, L6_ROUND_DOWN, out, &rest, &err), L6_E_INVALID_VALUE);
  assert_int_equal(benefit_split(100, neg, 1, L6_ROUND_DOWN, out, &rest, &err), L6_E_INVALID_VALUE);
  assert_int_equal(benefit_split(-1, over, 1, L6_ROUND_DOWN, out, &rest, &err), L6_E_INVALID_QUANTITY);
}

/* An issuance of 1,001 CABs in Kenya: 5 % (50, rounded down) to the host
 * community's account and 2 % (20) to the government's, in the issue
 * step's transaction; the rest (931) forwarded. Bad benefit_accounts are
 * refused with stable codes and change nothing. */
static void test_benefit_issue(void **state) {
  (void)state;
  const char *id = "KEN.ABM.SHARES";
  json_decref(registered(KEN, id));
  int p = requested(KEN, id, 2023, 1001);
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/periods/%d/steps", id, p);
  char *before = snapshot("/v1/activities/KEN.ABM.SHARES");
  int64_t acc0 = tl_holdings_total(S, W.acc[KEN]), comm0 = tl_holdings_total(S, W.comm[KEN]),
          gov0 = tl_holdings_total(S, W.gov[KEN]);
  REFUSED("POST", path, W.tok_ma, json_pack("{s:s, s:s}", "step", "issue", "decision", "accept"), 400, "missing_field");
  REFUSED("POST", path, W.tok_ma,
          json_pack("{s:s, s:s, s:{s:I}}", "step", "issue", "decision", "accept", "benefit_accounts", "host-community",
                    (json_int_t)W.comm[KEN]),
          400, "missing_field");
  REFUSED("POST", path, W.tok_ma,
          json_pack("{s:s, s:s, s:{s:I, s:I}}", "step", "issue", "decision", "accept", "benefit_accounts",
                    "host-community", (json_int_t)W.comm[UGA], "host-government", (json_int_t)W.gov[KEN]),
          422, "invalid_value"); /* not in the host's registry */
  REFUSED("POST", path, W.tok_ma,
          json_pack("{s:s, s:s, s:{s:I, s:I, s:I}}", "step", "issue", "decision", "accept", "benefit_accounts",
                    "host-community", (json_int_t)W.comm[KEN], "host-government", (json_int_t)W.gov[KEN], "broker",
                    (json_int_t)W.acc[KEN]),
          422, "invalid_value");
  REFUSED("POST", path, W.tok_ma,
          json_pack("{s:s, s:s, s:{s:s, s:I}}", "step", "issue", "decision", "accept", "benefit_accounts",
                    "host-community", "x", "host-government", (json_int_t)W.gov[KEN]),
          400, "wrong_type");
  char *after = snapshot("/v1/activities/KEN.ABM.SHARES");
  assert_string_equal(before, after);
  assert_int_equal(tl_holdings_total(S, W.comm[KEN]), comm0);
  assert_int_equal(tl_holdings_total(S, W.gov[KEN]), gov0);
  assert_int_equal(tl_holdings_total(S, W.acc[KEN]), acc0);
  free(before);
  free(after);
  json_t *b = tl_period_step(S, W.tok_ma, "ABM", id, p, "issue", "accept", benefit_accounts(KEN));
  json_t *d = json_object_get(json_object_get(b, "step"), "detail");
  json_t *bs = json_object_get(d, "benefit_sharing");
  assert_int_equal(json_array_size(bs), 2);
  assert_string_equal(tl_jstr(json_array_get(bs, 0), "to"), "host-community");
  assert_int_equal(tl_jint(json_array_get(bs, 0), "quantity"), 50);
  assert_int_equal(tl_jint(json_array_get(bs, 0), "account"), W.comm[KEN]);
  assert_string_equal(tl_jstr(json_array_get(bs, 1), "to"), "host-government");
  assert_int_equal(tl_jint(json_array_get(bs, 1), "quantity"), 20);
  assert_true(tl_jint(json_array_get(bs, 0), "transaction") > 0);
  assert_true(tl_jint(json_array_get(bs, 1), "transaction") > tl_jint(json_array_get(bs, 0), "transaction"));
  assert_int_equal(tl_jint(json_array_get(json_object_get(d, "shares"), 0), "quantity"), 931);
  json_decref(b);
  assert_int_equal(tl_holdings_total(S, W.comm[KEN]) - comm0, 50);
  assert_int_equal(tl_holdings_total(S, W.gov[KEN]) - gov0, 20);
  assert_int_equal(tl_holdings_total(S, W.acc[KEN]) - acc0, 931); /* 50 + 20 + 931 = 1,001 */
  /* The host's report: this issuance's shares, with its transactions; the
   * earlier KEN issuances' shares too (tiers_exact: 20,000 and 15,000 CABs). */
  json_t *rep = MUST("GET", "/v1/benefit-sharing/KEN", NULL, NULL, 200);
  assert_string_equal(tl_jstr(rep, "party"), "KEN");
  json_t *items = json_object_get(rep, "issuances");
  int64_t comm = 0, gov = 0, found = 0;
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    if (strcmp(tl_jstr(it, "to"), "host-community") == 0) comm += tl_jint(it, "quantity");
    else gov += tl_jint(it, "quantity");
    if (strcmp(tl_jstr(it, "project"), id) == 0) found++;
  }
  assert_int_equal(found, 2);
  assert_int_equal(tl_jint(json_object_get(rep, "shares"), "host-community"), comm);
  assert_int_equal(tl_jint(json_object_get(rep, "shares"), "host-government"), gov);
  assert_int_equal(comm, tl_holdings_total(S, W.comm[KEN])); /* every unit the community holds came this way */
  assert_int_equal(gov, tl_holdings_total(S, W.gov[KEN]));
  assert_int_equal(json_array_size(json_object_get(rep, "sales")), 0); /* no exchange trades here */
  json_decref(rep);
  REFUSED("GET", "/v1/benefit-sharing/ke", NULL, NULL, 404, "unknown_party");
}

/* A transfer of n units of the KEN.ABM.SHARES activity (test_benefit_issue)
 * from the developer's account to `to`, with `cons` (stolen, may be NULL). */
static json_t *transfer_body(int64_t to, int64_t n, json_t *cons) {
  json_t *b = json_pack("{s:I, s:I, s:s, s:I}", "from_account", (json_int_t)W.acc[KEN], "to_account", (json_int_t)to,
                        "project", "KEN.ABM.SHARES", "quantity", (json_int_t)n);
  json_object_set_new(b, "unit_type", json_string("CAB"));
  if (cons) json_object_set_new(b, "consideration", cons);
  return b;
}

static json_t *report_transfers(void) {
  json_t *rep = MUST("GET", "/v1/benefit-sharing/KEN", NULL, NULL, 200);
  json_t *t = json_incref(json_object_get(rep, "transfers"));
  json_decref(rep);
  assert_non_null(t);
  return t;
}

/* Runs after test_benefit_issue (the developer holds 931 KEN CABs). */
static void test_benefit_transfers(void **state) {
  (void)state;
  json_t *t0 = report_transfers();
  assert_int_equal(json_array_size(json_object_get(t0, "priced")), 0);
  assert_int_equal(tl_jint(json_object_get(t0, "unpriced"), "count"), 0);
  char *rep0 = snapshot("/v1/benefit-sharing/KEN");
  int64_t acc0 = tl_holdings_total(S, W.acc[KEN]), comm0 = tl_holdings_total(S, W.comm[KEN]);
  /* Bad considerations: refused, nothing moved, the report unchanged. */
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s}", "amount", (json_int_t)-1, "currency", "USD")), 422,
          "invalid_value");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN],
          transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s}", "amount", (json_int_t)(L6_MAX_CONSIDERATION + 1), "currency", "USD")),
          422, "invalid_value");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s}", "amount", (json_int_t)5, "currency", "EUO")), 422,
          "invalid_value"); /* not an ISO 4217 code */
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s}", "amount", (json_int_t)5, "currency", "usd")), 422,
          "invalid_value");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:I}", "amount", (json_int_t)5)), 400,
          "missing_field");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:s}", "currency", "USD")), 400,
          "missing_field");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_pack("{s:s, s:s}", "amount", "5", "currency", "USD")), 400,
          "wrong_type");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.comm[KEN], 10, json_string("5 USD")), 400, "wrong_type");
  REFUSED("POST", "/v1/transfers", W.tok_dev[KEN],
          transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s, s:s}", "amount", (json_int_t)5, "currency", "USD", "payer", "x")), 400,
          "unknown_field");
  json_t *ret = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:{s:I, s:s}}", "from_account", (json_int_t)W.acc[KEN], "unit_type", "CAB", "project", "KEN.ABM.SHARES",
                          "quantity", (json_int_t)1, "beneficiary", "x", "purpose", "y", "consideration", "amount", (json_int_t)5, "currency", "USD");
  REFUSED("POST", "/v1/retirements", W.tok_dev[KEN], ret, 400, "unknown_field"); /* transfers only */
  assert_int_equal(tl_holdings_total(S, W.acc[KEN]), acc0);
  assert_int_equal(tl_holdings_total(S, W.comm[KEN]), comm0);
  char *rep1 = snapshot("/v1/benefit-sharing/KEN");
  assert_string_equal(rep0, rep1);
  free(rep1);

  /* A priced sale of 10 CABs to the community trust, an unpriced one of 5,
   * and a free one (amount 0) in EUR of 2. */
  json_t *b = MUST("POST", "/v1/transfers", W.tok_dev[KEN],
                   transfer_body(W.comm[KEN], 10, json_pack("{s:I, s:s}", "amount", (json_int_t)123456, "currency", "USD")), 201);
  int64_t priced = tl_jint(b, "id");
  json_decref(b);
  b = MUST("POST", "/v1/transfers", W.tok_dev[KEN], transfer_body(W.gov[KEN], 5, NULL), 201);
  int64_t unpriced = tl_jint(b, "id");
  json_decref(b);
  json_decref(MUST("POST", "/v1/transfers", W.tok_dev[KEN],
                   transfer_body(W.gov[KEN], 2, json_pack("{s:I, s:s}", "amount", (json_int_t)0, "currency", "EUR")), 201));
  assert_int_equal(acc0 - tl_holdings_total(S, W.acc[KEN]), 17);
  char path[64];
  snprintf(path, sizeof path, "/v1/transactions/%lld", (long long)priced);
  b = MUST("GET", path, S->admin, NULL, 200);
  json_t *c = json_object_get(b, "consideration");
  assert_int_equal(tl_jint(c, "amount"), 123456);
  assert_string_equal(tl_jstr(c, "currency"), "USD");
  json_decref(b);
  snprintf(path, sizeof path, "/v1/transactions/%lld", (long long)unpriced);
  b = MUST("GET", path, S->admin, NULL, 200);
  assert_null(json_object_get(b, "consideration"));
  json_decref(b);

  json_t *t1 = report_transfers();
  json_t *pr = json_object_get(t1, "priced");
  assert_int_equal(json_array_size(pr), 2);
  json_t *usd = json_array_get(pr, 0), *eur = json_array_get(pr, 1);
  if (strcmp(tl_jstr(usd, "currency"), "USD") != 0) {
    json_t *x = usd;
    usd = eur;
    eur = x;
  }
  assert_string_equal(tl_jstr(usd, "currency"), "USD");
  assert_int_equal(tl_jint(usd, "count"), 1);
  assert_int_equal(tl_jint(usd, "qty"), 10);
  assert_int_equal(tl_jint(usd, "amount"), 123456);
  assert_string_equal(tl_jstr(eur, "currency"), "EUR");
  assert_int_equal(tl_jint(eur, "count"), 1);
  assert_int_equal(tl_jint(eur, "qty"), 2);
  assert_int_equal(tl_jint(eur, "amount"), 0);
  assert_int_equal(tl_jint(json_object_get(t1, "unpriced"), "count"), 1);
  json_decref(t1);
  /* Uganda hosts none of these units: its report counts nothing. */
  json_t *rep = MUST("GET", "/v1/benefit-sharing/UGA", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(json_object_get(rep, "transfers"), "priced")), 0);
  assert_int_equal(tl_jint(json_object_get(json_object_get(rep, "transfers"), "unpriced"), "count"), 0);
  json_decref(rep);
  json_decref(t0);
  free(rep0);
}

static void test_defs_strict_fuzz(void **state) {
  (void)state;
  size_t len;
  char *text = read_abm(&len);
  json_t *base = json_loadb(text, len, 0, NULL);
  assert_non_null(base);
  char msg[512];
  l6_mech m;
  l6_error err = {0};
  assert_int_equal(mech_parse("abm.json", text, len, &m, &err), L6_E_OK);
  assert_int_equal(m.nsafeguards, 5);
  assert_int_equal(m.nsd, 3);
  assert_true(m.fees);
  assert_int_equal(m.registration_fee, 500000);
  assert_int_equal(m.ntiers, 2);
  assert_int_equal(m.nrelief, 2);
  mech_free(&m);
  assert_int_equal(parse_json(base, msg, sizeof msg), L6_E_OK);

  struct {
    const char *path, *key; /* section (dotted, one level), key to set */
    json_t *value;
    const char *want;
  } edits[] = {
      {"fees", "currency2", json_string("USD"), "unknown key currency2"},
      {"fees", "currency", json_string("usd"), "fees.currency"},
      {"fees", "registration", json_integer(-1), "fees.registration"},
      {"fees", "registration", json_real(1.5), "fees.registration"},
      {"fees", "issuance_tiers", json_pack("[{s:i, s:i}, {s:i, s:i}]", "up_to", 100, "per_unit", 1, "up_to", 50, "per_unit", 1),
       "fees.issuance_tiers"},
      {"fees", "issuance_tiers", json_pack("[{s:i}]", "per_unit", 2000000), "fees.issuance_tiers"},
      {"fees", "issuance_tiers", json_pack("[{s:i, s:i}]", "per_unit", 1, "up_to", 5), "fees.issuance_tiers"},
      {"fees", "issuance_tiers", json_pack("[{s:i, s:i}]", "per_unit", 1, "cap", 5), "fees.issuance_tiers"},
      {"fees", "relief", json_pack("{s:{s:s}}", "LDC", "registration", "forgive"), "fees.relief.LDC"},
      {"fees", "relief", json_pack("{s:{s:s}}", "SIDS", "issuance", "defer"), "fees.relief.SIDS"},
      {"fees", "relief", json_pack("{s:{s:s}}", "SIDS", "renewal", "waive"), "fees.relief.SIDS"},
      {"fees", "relief", json_pack("{s:{s:s}}", "ldc group", "registration", "waive"), "fees.relief"},
      {"", "safeguards", json_pack("[{s:s, s:s}, {s:s, s:s}]", "code", "fpic", "text", "a", "code", "fpic", "text", "b"),
       "listed twice"},
      {"", "safeguards", json_pack("[{s:s, s:s, s:b}]", "code", "FPIC", "text", "a", "must_hold", 1), "safeguards[0]"},
      {"", "safeguards", json_pack("[{s:s, s:s, s:s}]", "code", "fpic", "text", "a", "must", "x"), "unknown key must"},
      {"", "safeguards", json_pack("[{s:s, s:s, s:s}]", "code", "fpic", "text", "a", "must_hold", "yes"), "must_hold"},
      {"", "safeguards", json_array(), "safeguards"},
      {"", "sd_indicators", json_pack("[{s:s, s:s}]", "code", "jobs", "name", "Jobs"), "unit"},
      {"", "sd_indicators", json_pack("[{s:s, s:s, s:s, s:i}]", "code", "jobs", "name", "Jobs", "unit", "jobs", "weight", 1),
       "unknown key weight"},
      {"", "sd_indicators", json_string("jobs"), "sd_indicators"},
      {"", "fees", json_array(), "fees"},
      {"benefit_sharing", "shares", json_pack("[{s:s, s:i}, {s:s, s:i}]", "to", "host-community", "bp", 6000, "to",
                                              "host-government", "bp", 4001), "over 10000"},
      {"benefit_sharing", "shares", json_pack("[{s:s, s:i}]", "to", "broker", "bp", 100), "benefit_sharing.shares[0]"},
      {"benefit_sharing", "shares", json_pack("[{s:s, s:i}]", "to", "host-community", "bp", 0), "benefit_sharing.shares[0]"},
      {"benefit_sharing", "shares", json_pack("[{s:s, s:i, s:i}]", "to", "host-community", "bp", 10, "x", 1),
       "unknown key x"},
      {"benefit_sharing", "shares", json_pack("[{s:s, s:i}, {s:s, s:i}]", "to", "host-community", "bp", 1, "to",
                                              "host-community", "bp", 1), "listed twice"},
      {"benefit_sharing", "money", json_true(), "unknown key money"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    json_t *root = json_deep_copy(base);
    json_t *sec = edits[i].path[0] ? json_object_get(root, edits[i].path) : root;
    json_object_set_new(sec, edits[i].key, edits[i].value);
    char hint[96];
    snprintf(hint, sizeof hint, "edit %zu (%s.%s)", i, edits[i].path, edits[i].key);
    refuse_edit(root, hint, edits[i].want);
    json_decref(root);
  }
  /* Safeguards need a register step. */
  json_t *root = json_deep_copy(base);
  json_object_del(json_object_get(root, "steps"), "register");
  assert_int_equal(parse_json(root, msg, sizeof msg), L6_E_INVALID_CONFIG);
  json_decref(root);

  /* Seeded mutations of the file's bytes: each parses or fails with
   * INVALID_CONFIG, and a parse that succeeds keeps its counts in bounds. */
  tl_rng r;
  tl_rng_init(&r, 2020);
  char *buf = malloc(len + 1);
  for (int round = 0; round < 3000; round++) {
    memcpy(buf, text, len);
    size_t n = len;
    int edits_n = (int)tl_rng_range(&r, 1, 4);
    for (int k = 0; k < edits_n; k++) {
      size_t at = (size_t)tl_rng_below(&r, n);
      switch (tl_rng_below(&r, 4)) {
      case 0: buf[at] = (char)tl_rng_below(&r, 256); break;                  /* any byte */
      case 1: buf[at] = "{}[]\":,0-9aeE"[tl_rng_below(&r, 13)]; break;       /* structure */
      case 2: n = at; break;                                                  /* truncation */
      default: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;      /* deletion */
      }
      if (n == 0) break;
    }
    l6_err e = mech_parse("fuzz.json", buf, n, &m, &err);
    if (e == L6_E_OK) {
      assert_in_range(m.nsafeguards, 0, L6_MAX_SAFEGUARDS);
      assert_in_range(m.nsd, 0, L6_MAX_SD_INDICATORS);
      assert_in_range(m.ntiers, 0, L6_MAX_FEE_TIERS);
      mech_free(&m);
    } else {
      assert_int_equal(e, L6_E_INVALID_CONFIG);
    }
  }
  free(buf);
  json_decref(base);
  free(text);
}

int main(void) {
  const struct CMUnitTest server[] = {cmocka_unit_test(test_fees_relief), cmocka_unit_test(test_tiers_exact),
                                      cmocka_unit_test(test_safeguards_sd), cmocka_unit_test(test_benefit_issue),
                                      cmocka_unit_test(test_benefit_transfers), cmocka_unit_test(test_pacm)};
  const struct CMUnitTest pure[] = {cmocka_unit_test(test_tiers_random), cmocka_unit_test(test_defs_strict_fuzz),
                                    cmocka_unit_test(test_benefit_random)};
  int rc = cmocka_run_group_tests_name("ldc (server)", server, setup, teardown);
  return rc + cmocka_run_group_tests_name("ldc (definitions, arithmetic)", pure, NULL, NULL);
}
