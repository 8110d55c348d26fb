/*
 * test_ets_api.c -- black-box tests of the emissions trading routes
 * (api_ets.c): the real server on a fresh store, driven over HTTP by the
 * regulator (an authority of CHN01), a verifier, and a Shanghai entity.
 *
 *   ets_http  scheme, entity, project attributes, emissions entered and
 *             confirmed; a dry run (200) and a refused surrender (422
 *             offset_rules_broken with error.evaluation naming every rule,
 *             holdings unchanged); strict bodies; the accepted surrender
 *             (201) and the report in JSON and CSV; the CLI's dry run;
 *             issuances with a production period (kept, listed, malformed
 *             ones refused) and the rules' sources as loaded.
 *   ets_authz (issue 14) the three holes, each refused with nothing
 *             changed: Thailand's authority moving GD-ETS to THA01, another
 *             Party's authority rewriting a project's attributes, a
 *             validator not accredited for the scheme entering emissions
 *             and a verifier re-entering over a confirmed record; the
 *             regulator's recorded correction and both histories.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_reg, org_ver, org_sh, acc_sh, b_shea, b_hydro, b_wind;
  char *tok_reg, *tok_ver, *tok_sh, *tok_tha, *tok_v2;
} W;
#define S (&W.srv)

#define MUST(m, p, t, b, st) TL_MUST(S, (m), (p), (t), (b), (st))

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_srv_start(S, "ets-api") != 0) return -1;
  tl_mk_party(S, "CHN", "China");
  tl_mk_registry(S, "CHN01", "CHN", NULL);
  W.org_reg = tl_mk_org(S, "CHN01", "Shanghai ecology and environment bureau");
  W.org_ver = tl_mk_org(S, "CHN01", "Verifier");
  W.org_sh = tl_mk_org(S, "CHN01", "Shanghai steel");
  W.tok_reg = tl_mk_token(S, "authority", W.org_reg);
  W.tok_ver = tl_mk_token(S, "validator", W.org_ver);
  W.tok_sh = tl_mk_token(S, "holder", W.org_sh);
  W.acc_sh = tl_mk_account(S, "CHN01", W.org_sh, "holding", "steel");
  tl_mk_party(S, "THA", "Thailand");
  tl_mk_registry(S, "THA01", "THA", NULL);
  W.tok_tha = tl_mk_token(S, "authority", tl_mk_org(S, "THA01", "Thailand Greenhouse Gas Management Organization"));
  W.tok_v2 = tl_mk_token(S, "validator", tl_mk_org(S, "CHN01", "Verifier accredited for nothing"));
  tl_mk_project(S, "SH.ALLOC", "CNPILOTS", "CHN");
  tl_mk_project(S, "CN.HYDRO", "CCER", "CHN");
  tl_mk_project(S, "CN.WIND", "CCER", "CHN");
  json_t *r = tl_mk_issue(S, "CHN01", "SH.ALLOC", "SHEA", 2023, 1000, W.acc_sh);
  W.b_shea = tl_batch_of(r);
  json_decref(r);
  r = tl_mk_issue(S, "CHN01", "CN.HYDRO", "CCER", 2023, 100, W.acc_sh);
  W.b_hydro = tl_batch_of(r);
  json_decref(r);
  r = tl_mk_issue(S, "CHN01", "CN.WIND", "CCER", 2023, 100, W.acc_sh);
  W.b_wind = tl_batch_of(r);
  json_decref(r);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  free(W.tok_reg);
  free(W.tok_ver);
  free(W.tok_sh);
  free(W.tok_tha);
  free(W.tok_v2);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

static int64_t held(void) {
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld/holdings", (long long)W.acc_sh);
  json_t *h = MUST("GET", path, S->admin, NULL, 200);
  int64_t total = tl_jint(h, "total");
  json_decref(h);
  return total;
}

static json_t *surrender_body(int64_t shea, int64_t hydro, int64_t wind) {
  json_t *items = json_array();
  if (shea) json_array_append_new(items, json_pack("{s:I, s:i, s:I}", "batch", (json_int_t)W.b_shea, "first", 1, "last", (json_int_t)shea));
  if (hydro) json_array_append_new(items, json_pack("{s:I, s:i, s:I}", "batch", (json_int_t)W.b_hydro, "first", 1, "last", (json_int_t)hydro));
  if (wind) json_array_append_new(items, json_pack("{s:I, s:i, s:I}", "batch", (json_int_t)W.b_wind, "first", 1, "last", (json_int_t)wind));
  return json_pack("{s:s, s:s, s:i, s:o}", "scheme", "SH-ETS", "entity", "STEEL", "year", 2023, "items", items);
}

static void test_http_flow(void **state) {
  (void)state;
  json_decref(MUST("PUT", "/v1/ets/schemes/SH-ETS", W.tok_reg,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s}", "name", "Shanghai pilot", "jurisdiction", "CN-SH",
                             "registry", "CHN01", "first_year", 2021, "last_year", 2030, "deadline", "06-30", "penalty",
                             5000, "currency", "CNY"),
                   200));
  json_decref(MUST("PUT", "/v1/ets/schemes/SH-ETS/entities/STEEL", W.tok_reg,
                   json_pack("{s:s, s:I, s:I, s:s, s:s, s:[s, s]}", "name", "Shanghai steel", "organisation",
                             (json_int_t)W.org_sh, "account", (json_int_t)W.acc_sh, "province", "CN-SH", "sector", "steel",
                             "installations", "Blast furnace 1", "Rolling mill"),
                   200));
  json_decref(MUST("PUT", "/v1/ets/projects/CN.HYDRO", W.tok_reg,
                   json_pack("{s:s, s:s, s:[s], s:s}", "project_type", "hydro", "province", "CN-SC", "gases", "CO2",
                             "produced", "2016-01-01"),
                   200));
  json_decref(MUST("PUT", "/v1/ets/projects/CN.WIND", W.tok_reg,
                   json_pack("{s:s, s:s, s:s}", "project_type", "wind", "province", "CN-GS", "produced", "2016-01-01"), 200));
  /* the regulator accredits the verifier for its scheme */
  json_decref(MUST("POST", "/v1/ets/schemes/SH-ETS/verifiers", W.tok_reg, json_pack("{s:I}", "organisation", (json_int_t)W.org_ver),
                   201));
  /* strict bodies */
  tl_resp x = tl_http_reqj(S, "PUT", "/v1/ets/emissions", W.tok_ver,
                           json_pack("{s:s, s:s, s:i, s:i, s:i}", "scheme", "SH-ETS", "entity", "STEEL", "year", 2023,
                                     "verified", 1000, "extra", 1),
                           NULL);
  tl_assert_error_at(&x, 400, "unknown_field", __FILE__, __LINE__);
  tl_resp_free(&x);
  json_t *e = MUST("PUT", "/v1/ets/emissions", W.tok_ver,
                   json_pack("{s:s, s:s, s:i, s:i}", "scheme", "SH-ETS", "entity", "STEEL", "year", 2023, "verified", 1000), 200);
  assert_string_equal(tl_jstr(e, "status"), "entered");
  json_decref(e);
  json_decref(MUST("POST", "/v1/ets/emissions/confirm", W.tok_reg,
                   json_pack("{s:s, s:s, s:i}", "scheme", "SH-ETS", "entity", "STEEL", "year", 2023), 201));
  /* dry run: hydro CCER and 51 t over 5% (1000 -> 50) */
  json_t *ev = MUST("POST", "/v1/ets/surrenders/dry-run", W.tok_sh, surrender_body(900, 50, 50), 200);
  assert_false(json_is_true(json_object_get(ev, "accepted")));
  assert_int_equal(tl_jint(ev, "max_offsets"), 50);
  assert_int_equal(json_array_size(json_object_get(ev, "breaks")), 2);
  json_decref(ev);
  /* the same for real: 422 with the evaluation, nothing moved */
  int64_t before = held();
  x = tl_http_reqj(S, "POST", "/v1/ets/surrenders", W.tok_sh, surrender_body(900, 50, 50), NULL);
  tl_assert_error_at(&x, 422, "offset_rules_broken", __FILE__, __LINE__);
  json_t *breaks = json_object_get(json_object_get(json_object_get(x.body, "error"), "evaluation"), "breaks");
  assert_int_equal(json_array_size(breaks), 2);
  assert_string_equal(tl_jstr(json_array_get(breaks, 0), "rule"), "SH.1");
  assert_int_equal(tl_jint(json_array_get(breaks, 0), "figure"), 100);
  assert_int_equal(tl_jint(json_array_get(breaks, 0), "limit"), 50);
  assert_string_equal(tl_jstr(json_array_get(breaks, 1), "rule"), "SH.2");
  assert_int_equal(tl_jint(json_array_get(breaks, 1), "item"), 1);
  tl_resp_free(&x);
  assert_int_equal(held(), before);
  /* items must be {batch, first, last} */
  x = tl_http_req(S, "POST", "/v1/ets/surrenders", W.tok_sh,
                  "{\"scheme\":\"SH-ETS\",\"entity\":\"STEEL\",\"year\":2023,\"items\":[{\"batch\":1}]}", NULL);
  tl_assert_error_at(&x, 400, "missing_field", __FILE__, __LINE__);
  tl_resp_free(&x);
  /* the CLI's dry run, on the same store, says the same (exit 1) */
  if (!tl_store_is_pg()) {
    assert_int_equal(tl_srv_stop(S), 0);
    char out[8192], item1[64], item2[64];
    snprintf(item1, sizeof item1, "%lld:1-950", (long long)W.b_shea);
    snprintf(item2, sizeof item2, "%lld:1-50", (long long)W.b_hydro);
    int rc = tl_run_cli(S, out, sizeof out, "ets", "dry-run", "--scheme", "SH-ETS", "--entity", "STEEL", "--year", "2023",
                        "--item", item1, "--item", item2, (char *)NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "\"SH.2\""));
    assert_int_equal(tl_srv_restart(S), 0);
  }
  /* accepted: 950 SHEA + 50 wind CCER */
  json_t *ok = MUST("POST", "/v1/ets/surrenders", W.tok_sh, surrender_body(950, 0, 50), 201);
  assert_true(json_is_true(json_object_get(ok, "accepted")));
  assert_true(tl_jint(ok, "tx") > 0);
  json_decref(ok);
  assert_int_equal(held(), before - 1000);
  x = tl_http_reqj(S, "POST", "/v1/ets/surrenders", W.tok_sh, surrender_body(1, 0, 0), NULL);
  tl_assert_error_at(&x, 409, "already_surrendered", __FILE__, __LINE__);
  tl_resp_free(&x);
  /* the report */
  json_t *rep = MUST("GET", "/v1/ets/schemes/SH-ETS/report?year=2023", NULL, NULL, 200);
  json_t *row = json_array_get(json_object_get(rep, "items"), 0);
  assert_string_equal(tl_jstr(row, "compliance"), "compliant");
  assert_int_equal(tl_jint(row, "surrendered_offsets"), 50);
  json_decref(rep);
  x = tl_http_req(S, "GET", "/v1/ets/schemes/SH-ETS/report?year=2023&format=csv", NULL, NULL, NULL);
  tl_assert_status_at(&x, 200, __FILE__, __LINE__);
  char ct[128];
  assert_true(tl_resp_header(&x, "Content-Type", ct, sizeof ct));
  assert_non_null(strstr(ct, "text/csv"));
  assert_non_null(strstr(x.raw, "STEEL,Shanghai steel,confirmed,1000,0,950,50,0,0,compliant,"));
  tl_resp_free(&x);
  x = tl_http_req(S, "GET", "/v1/ets/schemes/SH-ETS/report", NULL, NULL, NULL);
  tl_assert_error_at(&x, 400, "bad_param", __FILE__, __LINE__);
  tl_resp_free(&x);
  x = tl_http_req(S, "GET", "/v1/ets/schemes/NOPE/report?year=2023", NULL, NULL, NULL);
  tl_assert_error_at(&x, 404, "unknown_scheme", __FILE__, __LINE__);
  tl_resp_free(&x);
  json_t *j = MUST("GET", "/v1/ets/jurisdictions", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(j, "items")), 14);
  json_decref(j);
}

#define REFUSE(m, p, t, b, st, code)                                            \
  do {                                                                           \
    tl_resp x_ = tl_http_reqj(S, (m), (p), (t), (b), NULL);                      \
    tl_assert_error_at(&x_, (st), (code), __FILE__, __LINE__);                   \
    tl_resp_free(&x_);                                                           \
  } while (0)

static json_t *gd_scheme(const char *registry) {
  return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s}", "name", "Guangdong pilot", "jurisdiction", "CN-GD", "registry",
                   registry, "first_year", 2021, "last_year", 2030, "deadline", "06-30", "penalty", 5000, "currency", "CNY");
}

static json_t *fig(const char *key, int64_t v) {
  return json_pack("{s:s, s:s, s:i, s:I}", "scheme", "GD-ETS", "entity", "GZ", "year", 2024, key, (json_int_t)v);
}

/* The scheme of a code, as GET /v1/ets/schemes lists it. */
static json_t *scheme_listed(const char *code) {
  json_t *all = MUST("GET", "/v1/ets/schemes", NULL, NULL, 200);
  size_t i;
  json_t *it, *found = NULL;
  json_array_foreach(json_object_get(all, "items"), i, it) if (strcmp(tl_jstr(it, "code"), code) == 0) found = json_incref(it);
  json_decref(all);
  assert_non_null(found);
  return found;
}

static void test_http_authz(void **state) {
  (void)state;
  json_decref(MUST("PUT", "/v1/ets/schemes/GD-ETS", W.tok_reg, gd_scheme("CHN01"), 200));
  json_decref(MUST("PUT", "/v1/ets/schemes/GD-ETS/entities/GZ", W.tok_reg,
                   json_pack("{s:s, s:I, s:I, s:s}", "name", "Guangzhou power", "organisation", (json_int_t)W.org_sh, "account",
                             (json_int_t)W.acc_sh, "province", "CN-GD"),
                   200));
  /* 1. Thailand's authority moves GD-ETS to its own registry: refused;
   * the regulator itself cannot move it either; it still regulates */
  REFUSE("PUT", "/v1/ets/schemes/GD-ETS", W.tok_tha, gd_scheme("THA01"), 403, "forbidden");
  REFUSE("PUT", "/v1/ets/schemes/GD-ETS", W.tok_tha, gd_scheme("CHN01"), 403, "forbidden");
  REFUSE("PUT", "/v1/ets/schemes/GD-ETS", W.tok_reg, gd_scheme("THA01"), 403, "scheme_registry_fixed");
  json_t *sch = scheme_listed("GD-ETS");
  assert_string_equal(tl_jstr(sch, "registry"), "CHN01");
  json_decref(sch);
  REFUSE("PUT", "/v1/ets/allocations", W.tok_tha, fig("allocated", 10), 403, "forbidden");
  json_decref(MUST("PUT", "/v1/ets/allocations", W.tok_reg, fig("allocated", 900), 200));
  /* 2. another Party's authority turns the hydro project into wind:
   * refused; the host Party's authority (CHN's) may, and the history keeps
   * both changes with who and when */
  json_decref(MUST("PUT", "/v1/ets/projects/CN.HYDRO", W.tok_reg,
                   json_pack("{s:s, s:s, s:[s]}", "project_type", "hydro", "province", "CN-SC", "gases", "CO2"), 200));
  json_t *before = MUST("GET", "/v1/ets/projects/CN.HYDRO", NULL, NULL, 200);
  REFUSE("PUT", "/v1/ets/projects/CN.HYDRO", W.tok_tha, json_pack("{s:s, s:s}", "project_type", "wind", "province", "CN-SC"), 403,
         "forbidden");
  REFUSE("PUT", "/v1/ets/projects/CN.HYDRO", W.tok_ver, json_pack("{s:s, s:s}", "project_type", "wind", "province", "CN-SC"), 403,
         "forbidden");
  json_t *after = MUST("GET", "/v1/ets/projects/CN.HYDRO", NULL, NULL, 200);
  assert_true(json_equal(before, after));
  assert_string_equal(tl_jstr(after, "project_type"), "hydro");
  json_t *h = json_object_get(after, "history");
  size_t n = json_array_size(h);
  assert_true(n >= 1);
  json_t *last = json_array_get(h, n - 1);
  assert_string_equal(tl_jstr(json_object_get(last, "new"), "project_type"), "hydro");
  assert_string_equal(tl_jstr(last, "role"), "authority");
  assert_int_equal(tl_jint(last, "organisation"), W.org_reg);
  assert_true(strncmp(tl_jstr(last, "actor"), "token:", 6) == 0);
  assert_true(strlen(tl_jstr(last, "ts")) >= 19);
  json_decref(before);
  json_decref(after);
  /* 3. a validator accredited for nothing, and one accredited for another
   * scheme only (SH-ETS), enter nothing */
  REFUSE("PUT", "/v1/ets/emissions", W.tok_v2, fig("verified", 1000), 403, "not_accredited");
  REFUSE("PUT", "/v1/ets/emissions", W.tok_ver, fig("verified", 1000), 403, "not_accredited");
  REFUSE("POST", "/v1/ets/schemes/GD-ETS/verifiers", W.tok_tha, json_pack("{s:I}", "organisation", (json_int_t)W.org_ver), 403,
         "forbidden");
  REFUSE("POST", "/v1/ets/schemes/GD-ETS/verifiers", W.tok_ver, json_pack("{s:I}", "organisation", (json_int_t)W.org_ver), 403,
         "forbidden");
  json_t *rec = MUST("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ&year=2024", NULL, NULL, 200);
  assert_string_equal(tl_jstr(rec, "status"), "none");
  assert_int_equal(json_array_size(json_object_get(rec, "history")), 0);
  json_decref(rec);
  json_t *acc = MUST("POST", "/v1/ets/schemes/GD-ETS/verifiers", W.tok_reg,
                     json_pack("{s:I}", "organisation", (json_int_t)W.org_ver), 201);
  assert_string_equal(tl_jstr(acc, "scope"), "GD-ETS");
  json_decref(acc);
  json_decref(MUST("PUT", "/v1/ets/emissions", W.tok_ver, fig("verified", 1000), 200));
  json_decref(MUST("POST", "/v1/ets/emissions/confirm", W.tok_reg,
                   json_pack("{s:s, s:s, s:i}", "scheme", "GD-ETS", "entity", "GZ", "year", 2024), 201));
  /* entering again over the confirmed record: 409, still confirmed */
  REFUSE("PUT", "/v1/ets/emissions", W.tok_ver, fig("verified", 10), 409, "emissions_confirmed");
  REFUSE("PUT", "/v1/ets/emissions", S->admin, fig("verified", 10), 409, "emissions_confirmed");
  rec = MUST("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ&year=2024", NULL, NULL, 200);
  assert_string_equal(tl_jstr(rec, "status"), "confirmed");
  assert_int_equal(tl_jint(rec, "verified"), 1000);
  assert_int_equal(json_array_size(json_object_get(rec, "history")), 2);
  json_decref(rec);
  /* the correction: the regulator's, with a reason; kept as history */
  json_t *cb = json_pack("{s:s, s:s, s:i, s:i, s:s}", "scheme", "GD-ETS", "entity", "GZ", "year", 2024, "verified", 1040,
                         "reason", "verification report v2: boiler 3 fuel");
  REFUSE("POST", "/v1/ets/emissions/corrections", W.tok_tha, json_incref(cb), 403, "forbidden");
  REFUSE("POST", "/v1/ets/emissions/corrections", W.tok_ver, json_incref(cb), 403, "forbidden");
  REFUSE("POST", "/v1/ets/emissions/corrections", W.tok_reg,
         json_pack("{s:s, s:s, s:i, s:i}", "scheme", "GD-ETS", "entity", "GZ", "year", 2024, "verified", 1040), 400,
         "missing_field");
  REFUSE("POST", "/v1/ets/emissions/corrections", W.tok_reg,
         json_pack("{s:s, s:s, s:i, s:i, s:s}", "scheme", "GD-ETS", "entity", "GZ", "year", 2025, "verified", 1, "reason", "r"), 409,
         "emissions_not_confirmed");
  rec = MUST("POST", "/v1/ets/emissions/corrections", W.tok_reg, cb, 201);
  assert_int_equal(tl_jint(rec, "verified"), 1040);
  assert_string_equal(tl_jstr(rec, "status"), "confirmed");
  json_decref(rec);
  rec = MUST("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ&year=2024", NULL, NULL, 200);
  h = json_object_get(rec, "history");
  assert_int_equal(json_array_size(h), 3);
  last = json_array_get(h, 2);
  assert_string_equal(tl_jstr(last, "action"), "corrected");
  assert_int_equal(tl_jint(last, "old"), 1000);
  assert_int_equal(tl_jint(last, "new"), 1040);
  assert_string_equal(tl_jstr(last, "reason"), "verification report v2: boiler 3 fuel");
  assert_int_equal(tl_jint(last, "organisation"), W.org_reg);
  json_decref(rec);
  json_t *rep = MUST("GET", "/v1/ets/schemes/GD-ETS/report?year=2024", NULL, NULL, 200);
  assert_int_equal(tl_jint(json_array_get(json_object_get(rep, "items"), 0), "obligation"), 1040);
  json_decref(rep);
  REFUSE("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ", NULL, NULL, 400, "bad_param");
  REFUSE("GET", "/v1/ets/projects/CN.NOPE", NULL, NULL, 404, "unknown_project");
}

/* An issuance names its production (monitoring) period: kept with the batch
 * and listed; a malformed one is refused with nothing issued. The rules as
 * loaded show their source (seed 001 table 4). */
static void test_http_production(void **state) {
  (void)state;
  json_t *r = MUST("POST", "/v1/issuances", S->admin,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s}", "registry", "CHN01", "project", "CN.WIND", "unit_type",
                             "CCER", "vintage", 2021, "quantity", 10, "production_start", "2021-01-01", "production_end",
                             "2021-06-30"),
                   201);
  int64_t batch = tl_batch_of(r);
  json_decref(r);
  json_t *l = MUST("GET", "/v1/issuances?project=CN.WIND", NULL, NULL, 200);
  size_t i;
  json_t *it, *found = NULL;
  json_array_foreach(json_object_get(l, "items"), i, it) if (tl_jint(it, "batch") == batch) found = it;
  assert_non_null(found);
  assert_string_equal(tl_jstr(found, "production_start"), "2021-01-01");
  assert_string_equal(tl_jstr(found, "production_end"), "2021-06-30");
  json_decref(l);
  static const char *const bad[] = {
      "\"production_start\":\"2021-01-01\"",
      "\"production_start\":\"2021-07-01\",\"production_end\":\"2021-06-30\"",
      "\"production_start\":\"2021-02-30\",\"production_end\":\"2021-06-30\"",
      "\"production_start\":\"2019-01-01\",\"production_end\":\"2021-06-30\"", /* before the crediting period */
      "\"production_start\":\"2022-01-01\",\"production_end\":\"2022-06-30\"", /* vintage 2021 */
  };
  int64_t before = held();
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char body[512];
    snprintf(body, sizeof body,
             "{\"registry\":\"CHN01\",\"project\":\"CN.WIND\",\"unit_type\":\"CCER\",\"vintage\":2021,\"quantity\":5,"
             "\"forward_to\":%lld,%s}",
             (long long)W.acc_sh, bad[k]);
    tl_resp x = tl_http_req(S, "POST", "/v1/issuances", S->admin, body, NULL);
    tl_assert_error_at(&x, 422, "invalid_value", __FILE__, __LINE__);
    tl_resp_free(&x);
  }
  assert_int_equal(held(), before);
  json_t *j = MUST("GET", "/v1/ets/jurisdictions", NULL, NULL, 200);
  json_t *sh3 = NULL;
  json_array_foreach(json_object_get(j, "items"), i, it) {
    if (strcmp(tl_jstr(it, "code"), "CN-SH") != 0) continue;
    size_t k;
    json_t *rule;
    json_array_foreach(json_object_get(it, "rules"), k, rule) if (strcmp(tl_jstr(rule, "id"), "SH.3") == 0) sh3 = rule;
  }
  assert_non_null(sh3);
  assert_string_equal(tl_jstr(sh3, "attr"), "production");
  assert_string_equal(tl_jstr(json_object_get(sh3, "source"), "quote"), "且均应产生于2013年1月1日后");
  json_decref(j);
}

/* Four eyes over HTTP (issue 15): with "ets_emissions" in the approval
 * policy of the scheme's registry the confirmation answers 202 with a
 * proposal, the proposer may not approve it, a second regulator does. */
static void test_http_four_eyes(void **state) {
  (void)state;
  char *reg2 = tl_mk_token(S, "authority", W.org_reg);
  json_decref(MUST("PUT", "/v1/registries/CHN01/approval-policy", S->admin, json_pack("{s:b}", "ets_emissions", 1), 200));
  json_t *b = json_pack("{s:s, s:s, s:i, s:I}", "scheme", "GD-ETS", "entity", "GZ", "year", 2026, "verified", (json_int_t)500);
  json_decref(MUST("PUT", "/v1/ets/emissions", W.tok_ver, b, 200));
  json_t *p = MUST("POST", "/v1/ets/emissions/confirm", W.tok_reg,
                   json_pack("{s:s, s:s, s:i}", "scheme", "GD-ETS", "entity", "GZ", "year", 2026), 202);
  assert_string_equal(tl_jstr(p, "kind"), "ets-confirmation");
  assert_string_equal(tl_jstr(p, "state"), "pending");
  char path[96];
  snprintf(path, sizeof path, "/v1/proposals/%lld/approve", (long long)tl_jint(p, "id"));
  json_decref(p);
  json_t *rec = MUST("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ&year=2026", NULL, NULL, 200);
  assert_string_equal(tl_jstr(rec, "status"), "entered");
  json_decref(rec);
  REFUSE("POST", path, W.tok_reg, json_object(), 403, "self_approval");
  REFUSE("POST", path, W.tok_tha, json_object(), 403, "forbidden");
  p = MUST("POST", path, reg2, json_object(), 201);
  assert_string_equal(tl_jstr(p, "state"), "executed");
  json_decref(p);
  rec = MUST("GET", "/v1/ets/emissions?scheme=GD-ETS&entity=GZ&year=2026", NULL, NULL, 200);
  assert_string_equal(tl_jstr(rec, "status"), "confirmed");
  json_decref(rec);
  p = MUST("POST", "/v1/ets/emissions/corrections", W.tok_reg,
           json_pack("{s:s, s:s, s:i, s:i, s:s}", "scheme", "GD-ETS", "entity", "GZ", "year", 2026, "verified", 510, "reason",
                     "meter recalibrated"),
           202);
  assert_string_equal(tl_jstr(p, "kind"), "ets-correction");
  json_decref(p);
  json_decref(MUST("PUT", "/v1/registries/CHN01/approval-policy", S->admin, json_pack("{s:b}", "ets_emissions", 0), 200));
  free(reg2);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_http_flow), cmocka_unit_test(test_http_authz),
                                     cmocka_unit_test(test_http_production), cmocka_unit_test(test_http_four_eyes)};
  return cmocka_run_group_tests_name("ets_http", tests, setup, teardown);
}
