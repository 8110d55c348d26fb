/*
 * test_nma.c -- black-box tests of the Article 6.8 platform (api_nma.c,
 * src/service/nma.c) and of the non-offsetting rule, on the real server:
 * Japan's focal point leads an adaptation technology matching NMA with
 * Uganda; a Japanese agency and a Swiss fund offer support; Malaysia's
 * focal point is the other Party's; CABs (Uganda) and forest conservation
 * certificates (Malaysia) are the non-offsetting units.
 *
 *   nma_flow         register (consent refused, recorded), submit,
 *                    publish, offers, ranking by hand, match proposed ->
 *                    accepted by both -> delivered -> closed, totals (JSON, CSV)
 *   nma_refusals     wrong role, wrong Party, out of order, bad input:
 *                    each its code, and the records unchanged
 *   non_offsetting   every emissions-purpose route refuses CABs and FCCs
 *                    with non_offsetting_unit and the holdings unchanged;
 *                    an adaptation retirement and a transfer stay allowed
 *   cab_marketplace  a Ugandan adaptation project through the adaptation
 *                    benefits mechanism (config/mechanisms/abm.json) on the
 *                    cycle engine: letter of approval, validation, monitored
 *                    indicators, verification, CAB issuance; listed on the
 *                    marketplace, bought (payment recorded) and retired in
 *                    the funder's name with a certificate; refusals unchanged
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib_cycle.h"
#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_jp, org_my, org_ug, org_jica, org_fund, org_buyer;
  char *tok_jp, *tok_my, *tok_ug, *tok_jica, *tok_fund, *tok_buyer, *tok_ma, *tok_aud;
  int64_t a_fund, a_buyer;
} W;
#define S (&W.srv)

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

#define MUST(m, p, t, b, st) TL_MUST(S, (m), (p), (t), (b), (st))

/* The request fails with status and code. */
static void refused_at(const char *method, const char *path, const char *tok, json_t *body, long status,
                       const char *code, const char *file, int line) {
  tl_resp r = tl_http_reqj(S, method, path, tok, body, NULL);
  tl_assert_error_at(&r, status, code, file, line);
  tl_resp_free(&r);
}
#define REFUSED(m, p, t, b, st, c) refused_at((m), (p), (t), (b), (st), (c), __FILE__, __LINE__)

/* The record at path as the admin sees it, as compact text. */
static char *snapshot(const char *path) {
  json_t *b = MUST("GET", path, S->admin, NULL, 200);
  char *t = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(b);
  return t;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_srv_start(S, "nma") != 0) return -1;
  tl_mk_party(S, "JPN", "Japan");
  tl_mk_party(S, "MYS", "Malaysia");
  tl_mk_party(S, "UGA", "Uganda");
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_registry(S, "JPN01", "JPN", NULL);
  tl_mk_registry(S, "MYS01", "MYS", NULL);
  tl_mk_registry(S, "UGA01", "UGA", NULL);
  tl_mk_registry(S, "CHE01", "CHE", NULL);
  W.org_jp = tl_mk_org(S, "JPN01", "Japan focal point");
  W.org_my = tl_mk_org(S, "MYS01", "Malaysia focal point");
  W.org_ug = tl_mk_org(S, "UGA01", "Uganda focal point");
  W.org_jica = tl_mk_org(S, "JPN01", "Japanese cooperation agency");
  W.org_fund = tl_mk_org(S, "UGA01", "Swiss adaptation fund (Kampala office)");
  W.org_buyer = tl_mk_org(S, "MYS01", "Kuala Lumpur company");
  W.tok_jp = tl_mk_token(S, "authority", W.org_jp);
  W.tok_my = tl_mk_token(S, "authority", W.org_my);
  W.tok_ug = tl_mk_token(S, "authority", W.org_ug);
  W.tok_jica = tl_mk_token(S, "holder", W.org_jica);
  W.tok_fund = tl_mk_token(S, "holder", W.org_fund);
  W.tok_buyer = tl_mk_token(S, "holder", W.org_buyer);
  W.tok_ma = tl_mk_token(S, "mechanism-admin", 0);
  W.tok_aud = tl_mk_token(S, "auditor", 0);
  W.a_fund = tl_mk_account(S, "UGA01", W.org_fund, "holding", "CABs bought");
  W.a_buyer = tl_mk_account(S, "MYS01", W.org_buyer, "holding", "FCCs");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  char *toks[] = {W.tok_jp, W.tok_my, W.tok_ug, W.tok_jica, W.tok_fund, W.tok_buyer, W.tok_ma, W.tok_aud};
  for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++) free(toks[i]);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

/* Japan's NMA: adaptation technology for Uganda; need 0 technology
 * (agriculture, 300,000.00 USD), need 1 finance (water, 1,000,000.00 USD). */
static json_t *jp_nma(void) {
  return json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s, s], s:[{s:s, s:s, s:s, s:I, s:s}, {s:s, s:s, s:s, s:I, s:s}],"
                   " s:[s], s:[{s:s, s:s}], s:[s], s:[{s:s, s:s}]}",
                   "party", "JPN", "title", "Adaptation technology matching", "kind", "multi-party", "parties", "UGA",
                   "region", "africa", "focus_areas", "adaptation", "technology-transfer", "needs", "type", "technology",
                   "focus_area", "technology-transfer", "sector", "agriculture", "amount", (json_int_t)30000000,
                   "currency", "USD", "type", "finance", "focus_area", "adaptation", "sector", "water", "amount",
                   (json_int_t)100000000, "currency", "USD", "safeguards", "no involuntary resettlement",
                   "stakeholders", "name", "Kasese farmers", "kind", "local-community", "ndc_priorities",
                   "climate-resilient agriculture", "documents", "type", "concept note", "sha256", HASH_A);
}

static int64_t create(const char *tok, json_t *body) {
  json_t *r = MUST("POST", "/v1/nmas", tok, body, 201);
  int64_t id = tl_jint(r, "id");
  assert_string_equal(tl_jstr(r, "status"), "draft");
  json_decref(r);
  return id;
}

static void step(const char *what, int64_t id, const char *tok, const char *name, const char *want_status) {
  char path[96];
  snprintf(path, sizeof path, "/v1/%s/%lld/steps", what, (long long)id);
  json_t *r = MUST("POST", path, tok, json_pack("{s:s}", "step", name), 201);
  assert_string_equal(tl_jstr(r, "status"), want_status);
  json_decref(r);
}

static int64_t mk_offer(const char *tok, json_t *body) {
  json_t *r = MUST("POST", "/v1/support-offers", tok, body, 201);
  int64_t id = tl_jint(r, "id");
  json_decref(r);
  return id;
}

/* A published NMA of Japan's, with consent recorded. */
static int64_t published_nma(void) {
  int64_t id = create(W.tok_jp, jp_nma());
  char path[64];
  snprintf(path, sizeof path, "/v1/nmas/%lld/consents", (long long)id);
  json_decref(MUST("POST", path, W.tok_jp,
                   json_pack("{s:s, s:s, s:s}", "stakeholder", "Kasese farmers", "date", "2026-03-01", "sha256", HASH_B),
                   201));
  step("nmas", id, W.tok_jp, "submit", "submitted");
  step("nmas", id, W.tok_ma, "publish", "published");
  return id;
}

static json_t *row_of(json_t *totals, const char *party, const char *area) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(totals, "items"), i, it) {
    if (strcmp(tl_jstr(it, "party"), party) == 0 && strcmp(tl_jstr(it, "focus_area"), area) == 0) return it;
  }
  return NULL;
}

static void test_flow(void **state) {
  (void)state;
  int64_t id = create(W.tok_jp, jp_nma());
  char path[96];
  snprintf(path, sizeof path, "/v1/nmas/%lld", (long long)id);
  /* A draft is the focal point's: the public does not see it. */
  REFUSED("GET", path, NULL, NULL, 404, "unknown_nma");
  json_decref(MUST("GET", path, W.tok_jp, NULL, 200));
  /* Submission needs the farmers' free, prior and informed consent. */
  char *before = snapshot(path);
  snprintf(path, sizeof path, "/v1/nmas/%lld/steps", (long long)id);
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s}", "step", "submit"), 422, "consent_missing");
  snprintf(path, sizeof path, "/v1/nmas/%lld", (long long)id);
  char *after = snapshot(path);
  assert_string_equal(before, after);
  free(before);
  free(after);
  snprintf(path, sizeof path, "/v1/nmas/%lld/consents", (long long)id);
  json_t *r = MUST("POST", path, W.tok_jp,
                   json_pack("{s:s, s:s, s:s}", "stakeholder", "Kasese farmers", "date", "2026-03-01", "sha256", HASH_B),
                   201);
  assert_string_equal(tl_jstr(json_object_get(json_array_get(json_object_get(r, "stakeholders"), 0), "consent"), "sha256"),
                      HASH_B);
  json_decref(r);
  step("nmas", id, W.tok_jp, "submit", "submitted");
  step("nmas", id, W.tok_ma, "publish", "published");
  snprintf(path, sizeof path, "/v1/nmas/%lld", (long long)id);
  r = MUST("GET", path, NULL, NULL, 200); /* public once published */
  assert_int_equal(json_array_size(json_object_get(r, "history")), 4); /* create, consent, submit, publish */
  json_decref(r);

  /* Offers. */
  int64_t o_tech = mk_offer(W.tok_jica, json_pack("{s:s, s:s, s:[s], s:[s]}", "title", "Drip irrigation know-how", "type",
                                                  "technology", "sectors", "agriculture", "regions", "any"));
  int64_t o_grant = mk_offer(W.tok_fund, json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Water grant",
                                                   "type", "finance", "instrument", "grant", "amount",
                                                   (json_int_t)60000000, "currency", "USD", "sectors", "water",
                                                   "regions", "africa"));
  int64_t o_loan = mk_offer(W.tok_fund, json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Energy loan",
                                                  "type", "finance", "instrument", "loan", "amount",
                                                  (json_int_t)100000000, "currency", "EUR", "sectors", "energy",
                                                  "regions", "asia-pacific"));
  mk_offer(W.tok_fund, json_pack("{s:s, s:s, s:[s], s:[s]}", "title", "Training", "type", "capacity-building", "sectors",
                                 "water", "regions", "africa"));
  /* Ranked by hand: grant 10+40+30+12 (600k of 1M) = 92; technology
   * 10+40+30+0 (no amount) = 80; loan 10 (energy, asia, EUR); the training
   * offer matches no need's type. */
  snprintf(path, sizeof path, "/v1/nmas/%lld/ranking", (long long)id);
  r = MUST("GET", path, NULL, NULL, 200);
  json_t *items = json_object_get(r, "items");
  assert_int_equal(json_array_size(items), 3);
  int64_t want_offer[3] = {o_grant, o_tech, o_loan}, want_score[3] = {92, 80, 10}, want_need[3] = {1, 0, 1};
  for (size_t i = 0; i < 3; i++) {
    json_t *it = json_array_get(items, i);
    assert_int_equal(tl_jint(it, "offer"), want_offer[i]);
    assert_int_equal(tl_jint(it, "score"), want_score[i]);
    assert_int_equal(tl_jint(it, "need"), want_need[i]);
    assert_true(json_array_size(json_object_get(it, "reasons")) >= 4);
  }
  assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(items, 0), "reasons"), 3)),
                      "covers part of the need");
  json_decref(r);

  /* The match workflow. */
  r = MUST("POST", "/v1/support-matches", W.tok_jp,
           json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)id, "offer", (json_int_t)o_grant, "need", 1, "amount",
                     (json_int_t)60000000),
           201);
  int64_t m = tl_jint(r, "id");
  assert_string_equal(tl_jstr(r, "status"), "proposed");
  json_decref(r);
  step("support-matches", m, W.tok_fund, "accept", "proposed"); /* one side */
  step("support-matches", m, W.tok_jp, "accept", "accepted");   /* both */
  snprintf(path, sizeof path, "/v1/support-matches/%lld/steps", (long long)m);
  r = MUST("POST", path, W.tok_fund, json_pack("{s:s, s:I, s:s}", "step", "deliver", "amount", (json_int_t)50000000,
                                                "evidence", HASH_A),
           201);
  assert_string_equal(tl_jstr(r, "status"), "delivered");
  json_decref(r);
  step("support-matches", m, W.tok_jp, "close", "closed");

  /* Totals: requested 1,000,000.00 (adaptation), pledged 600,000.00,
   * delivered 500,000.00, gap 400,000.00; technology transfer requested
   * 300,000.00, nothing pledged. */
  r = MUST("GET", "/v1/nma-totals", NULL, NULL, 200);
  json_t *ad = row_of(r, "JPN", "adaptation"), *tt = row_of(r, "JPN", "technology-transfer");
  assert_non_null(ad);
  assert_non_null(tt);
  assert_int_equal(tl_jint(ad, "requested"), 100000000);
  assert_int_equal(tl_jint(ad, "pledged"), 60000000);
  assert_int_equal(tl_jint(ad, "delivered"), 50000000);
  assert_int_equal(tl_jint(ad, "gap"), 40000000);
  assert_int_equal(tl_jint(ad, "pledged_pct"), 60);
  assert_int_equal(tl_jint(tt, "requested"), 30000000);
  assert_int_equal(tl_jint(tt, "pledged"), 0);
  assert_int_equal(tl_jint(tt, "gap"), 30000000);
  json_decref(r);
  tl_resp c = tl_http_req(S, "GET", "/v1/nma-totals?format=csv", NULL, NULL, NULL);
  tl_assert_status(&c, 200);
  assert_non_null(strstr(c.raw, "party,focus_area,currency,requested,pledged,delivered,gap,pledged_pct\n"));
  assert_non_null(strstr(c.raw, "JPN,adaptation,USD,100000000,60000000,50000000,40000000,60\n"));
  tl_resp_free(&c);
  /* The same on the command line. */
  char out[8192];
  assert_int_equal(tl_run_cli(S, out, sizeof out, "nma", "totals", "--format", "csv", (char *)NULL), 0);
  assert_non_null(strstr(out, "JPN,adaptation,USD,100000000,60000000,50000000,40000000,60\n"));
  assert_int_equal(tl_run_cli(S, NULL, 0, "nma", "ranking", (char *)NULL), 2); /* --nma is required */
  /* Withdrawal by the focal point; the totals drop it. */
  step("nmas", id, W.tok_jp, "withdraw", "withdrawn");
  r = MUST("GET", "/v1/nma-totals", NULL, NULL, 200);
  assert_null(row_of(r, "JPN", "technology-transfer"));
  json_decref(r);
}

/* Issue 21: a need of a multi-party NMA counts, with what is pledged to
 * it, under the Party whose need it is (its "party"), not under the Party
 * that leads the NMA; a need of a Party outside the NMA is refused. */
static void test_needs_under_their_party(void **state) {
  (void)state;
  json_t *b = jp_nma();
  json_t *needs = json_object_get(b, "needs");
  json_object_set_new(json_array_get(needs, 1), "party", json_string("CHE"));
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 422, "invalid_value");
  b = jp_nma();
  json_object_set_new(json_array_get(json_object_get(b, "needs"), 1), "party", json_string("UGA"));
  json_object_set_new(json_array_get(json_object_get(b, "needs"), 0), "party", json_string("JPN"));
  int64_t id = create(W.tok_jp, b);
  char path[64];
  snprintf(path, sizeof path, "/v1/nmas/%lld/consents", (long long)id);
  json_decref(MUST("POST", path, W.tok_jp,
                   json_pack("{s:s, s:s, s:s}", "stakeholder", "Kasese farmers", "date", "2026-03-01", "sha256", HASH_B),
                   201));
  step("nmas", id, W.tok_jp, "submit", "submitted");
  step("nmas", id, W.tok_ma, "publish", "published");
  snprintf(path, sizeof path, "/v1/nmas/%lld", (long long)id);
  json_t *r = MUST("GET", path, NULL, NULL, 200);
  assert_string_equal(tl_jstr(json_array_get(json_object_get(r, "needs"), 1), "party"), "UGA");
  json_decref(r);
  json_t *before = MUST("GET", "/v1/nma-totals", NULL, NULL, 200);
  json_t *ug = row_of(before, "UGA", "adaptation");
  assert_non_null(ug); /* the water grant need is Uganda's */
  int64_t req0 = tl_jint(ug, "requested"), pl0 = tl_jint(ug, "pledged");
  assert_true(req0 >= 100000000);
  int64_t o = mk_offer(W.tok_fund, json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Kampala water grant",
                                             "type", "finance", "instrument", "grant", "amount", (json_int_t)25000000,
                                             "currency", "USD", "sectors", "water", "regions", "africa"));
  r = MUST("POST", "/v1/support-matches", W.tok_jp,
           json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)id, "offer", (json_int_t)o, "need", 1, "amount",
                     (json_int_t)25000000),
           201);
  int64_t m = tl_jint(r, "id");
  json_decref(r);
  step("support-matches", m, W.tok_fund, "accept", "proposed");
  step("support-matches", m, W.tok_jp, "accept", "accepted");
  json_t *after = MUST("GET", "/v1/nma-totals", NULL, NULL, 200);
  ug = row_of(after, "UGA", "adaptation");
  assert_int_equal(tl_jint(ug, "requested"), req0);
  assert_int_equal(tl_jint(ug, "pledged"), pl0 + 25000000); /* the pledge follows its need to Uganda */
  json_decref(before);
  json_decref(after);
  step("nmas", id, W.tok_jp, "withdraw", "withdrawn");
}

static void test_refusals(void **state) {
  (void)state;
  /* Creating: only the Party's focal point, with valid fields. */
  json_t *l = MUST("GET", "/v1/nmas", S->admin, NULL, 200);
  size_t n0 = json_array_size(json_object_get(l, "items"));
  json_decref(l);
  REFUSED("POST", "/v1/nmas", S->admin, jp_nma(), 403, "forbidden");
  REFUSED("POST", "/v1/nmas", W.tok_jica, jp_nma(), 403, "forbidden");
  REFUSED("POST", "/v1/nmas", W.tok_my, jp_nma(), 403, "not_focal_point");
  REFUSED("POST", "/v1/nmas", NULL, jp_nma(), 401, "unauthorized");
  json_t *b = jp_nma();
  json_object_set_new(b, "colour", json_string("green"));
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 400, "unknown_field");
  b = jp_nma();
  json_array_set_new(json_object_get(b, "focus_areas"), 0, json_string("space"));
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 422, "invalid_value");
  b = jp_nma();
  json_object_set_new(b, "kind", json_string("single-party"));
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 422, "invalid_value"); /* lists another Party */
  b = jp_nma();
  json_object_set_new(json_array_get(json_object_get(b, "needs"), 0), "amount", json_integer(0));
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 422, "invalid_quantity");
  b = jp_nma();
  json_object_del(b, "needs");
  REFUSED("POST", "/v1/nmas", W.tok_jp, b, 400, "missing_field");
  l = MUST("GET", "/v1/nmas", S->admin, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(l, "items")), n0); /* nothing created */
  json_decref(l);

  /* Steps: who and in which order. */
  int64_t id = create(W.tok_jp, jp_nma());
  char path[96], rec[96];
  snprintf(path, sizeof path, "/v1/nmas/%lld/steps", (long long)id);
  snprintf(rec, sizeof rec, "/v1/nmas/%lld", (long long)id);
  char *before = snapshot(rec);
  REFUSED("POST", path, S->admin, json_pack("{s:s}", "step", "submit"), 403, "forbidden");
  REFUSED("POST", path, W.tok_my, json_pack("{s:s}", "step", "submit"), 403, "not_focal_point");
  REFUSED("POST", path, W.tok_ma, json_pack("{s:s}", "step", "publish"), 409, "wrong_state"); /* not submitted */
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s}", "step", "publish"), 403, "forbidden");
  REFUSED("POST", path, W.tok_ma, json_pack("{s:s}", "step", "withdraw"), 403, "forbidden");
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s}", "step", "fly"), 422, "invalid_value");
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s, s:i}", "step", "submit", "x", 1), 400, "unknown_field");
  snprintf(path, sizeof path, "/v1/nmas/%lld/consents", (long long)id);
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s, s:s, s:s}", "stakeholder", "Nobody", "date", "2026-03-01", "sha256", HASH_B),
          422, "invalid_value");
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s, s:s, s:s}", "stakeholder", "Kasese farmers", "date", "2026-02-30",
                                            "sha256", HASH_B),
          422, "invalid_value");
  char *after = snapshot(rec);
  assert_string_equal(before, after);
  free(before);
  free(after);
  REFUSED("GET", "/v1/nmas/999999", S->admin, NULL, 404, "unknown_nma");

  /* Offers. */
  REFUSED("POST", "/v1/support-offers", W.tok_jp,
          json_pack("{s:s, s:s, s:[s], s:[s]}", "title", "t", "type", "technology", "sectors", "water", "regions", "any"),
          403, "forbidden");
  REFUSED("POST", "/v1/support-offers", W.tok_fund,
          json_pack("{s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "t", "type", "finance", "amount", (json_int_t)5,
                    "currency", "USD", "sectors", "water", "regions", "any"),
          400, "missing_field"); /* no instrument */
  REFUSED("POST", "/v1/support-offers", W.tok_fund,
          json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "t", "type", "finance", "instrument", "gift",
                    "amount", (json_int_t)5, "currency", "USD", "sectors", "water", "regions", "any"),
          422, "invalid_value");
  REFUSED("POST", "/v1/support-offers", W.tok_fund,
          json_pack("{s:s, s:s, s:I, s:[s], s:[s]}", "title", "t", "type", "technology", "org", (json_int_t)W.org_jica,
                    "sectors", "water", "regions", "any"),
          403, "forbidden"); /* another organisation's offer */
  REFUSED("GET", "/v1/support-offers/999999", NULL, NULL, 404, "unknown_offer");

  /* Matches. */
  int64_t o_tech = mk_offer(W.tok_jica, json_pack("{s:s, s:s, s:[s], s:[s]}", "title", "Seeds", "type", "technology",
                                                  "sectors", "agriculture", "regions", "africa"));
  json_t *mb = json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)id, "offer", (json_int_t)o_tech, "need", 0,
                         "amount", (json_int_t)1000);
  REFUSED("POST", "/v1/support-matches", W.tok_jp, json_deep_copy(mb), 409, "wrong_state"); /* a draft */
  int64_t pub = published_nma();
  json_object_set_new(mb, "nma", json_integer(pub));
  REFUSED("POST", "/v1/support-matches", W.tok_fund, json_deep_copy(mb), 403, "forbidden"); /* not its offer */
  REFUSED("POST", "/v1/support-matches", S->admin, json_deep_copy(mb), 403, "forbidden");
  json_object_set_new(mb, "need", json_integer(1));
  REFUSED("POST", "/v1/support-matches", W.tok_jp, json_deep_copy(mb), 422, "support_mismatch"); /* need 1 is finance */
  json_object_set_new(mb, "need", json_integer(7));
  REFUSED("POST", "/v1/support-matches", W.tok_jp, json_deep_copy(mb), 422, "invalid_value");
  json_object_set_new(mb, "need", json_integer(0));
  l = MUST("GET", "/v1/support-matches", NULL, NULL, 200);
  size_t m0 = json_array_size(json_object_get(l, "items"));
  json_decref(l);
  json_t *r = MUST("POST", "/v1/support-matches", W.tok_jica, mb, 201); /* the provider proposes */
  int64_t m = tl_jint(r, "id");
  json_decref(r);
  l = MUST("GET", "/v1/support-matches", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(l, "items")), m0 + 1);
  json_decref(l);
  snprintf(path, sizeof path, "/v1/support-matches/%lld/steps", (long long)m);
  snprintf(rec, sizeof rec, "/v1/support-matches/%lld", (long long)m);
  before = snapshot(rec);
  json_t *dl = json_pack("{s:s, s:I, s:s}", "step", "deliver", "amount", (json_int_t)1000, "evidence", HASH_A);
  REFUSED("POST", path, W.tok_jica, json_deep_copy(dl), 409, "wrong_state"); /* not accepted */
  REFUSED("POST", path, W.tok_jp, json_pack("{s:s}", "step", "close"), 409, "wrong_state");
  REFUSED("POST", path, W.tok_fund, json_pack("{s:s}", "step", "accept"), 403, "forbidden");
  REFUSED("POST", path, W.tok_my, json_pack("{s:s}", "step", "accept"), 403, "forbidden");
  after = snapshot(rec);
  assert_string_equal(before, after);
  free(before);
  free(after);
  step("support-matches", m, W.tok_jica, "accept", "proposed");
  REFUSED("POST", path, W.tok_jica, json_pack("{s:s}", "step", "accept"), 409, "wrong_state"); /* twice */
  step("support-matches", m, W.tok_jp, "accept", "accepted");
  before = snapshot(rec);
  REFUSED("POST", path, W.tok_jp, json_deep_copy(dl), 403, "forbidden"); /* the provider delivers */
  json_object_set_new(dl, "amount", json_integer(1001));
  REFUSED("POST", path, W.tok_jica, json_deep_copy(dl), 422, "invalid_quantity"); /* more than pledged */
  json_object_set_new(dl, "amount", json_integer(1000));
  json_object_set_new(dl, "evidence", json_string("not-a-hash"));
  REFUSED("POST", path, W.tok_jica, json_deep_copy(dl), 422, "invalid_value");
  REFUSED("POST", path, W.tok_jica, json_pack("{s:s}", "step", "close"), 403, "forbidden");
  REFUSED("POST", path, W.tok_my, json_pack("{s:s}", "step", "close"), 403, "not_focal_point");
  after = snapshot(rec);
  assert_string_equal(before, after);
  free(before);
  free(after);
  json_decref(dl);
  REFUSED("GET", "/v1/support-matches/999999", NULL, NULL, 404, "unknown_match");
  REFUSED("GET", "/v1/nma-totals?format=xml", NULL, NULL, 400, "bad_param");
}

/* ---- pledges within the offer and the need (issue 14) ------------------- */

static int64_t propose(const char *tok, int64_t nma, int64_t offer, int need, int64_t amount) {
  json_t *r = MUST("POST", "/v1/support-matches", tok,
                   json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)nma, "offer", (json_int_t)offer, "need", need,
                             "amount", (json_int_t)amount),
                   201);
  int64_t id = tl_jint(r, "id");
  json_decref(r);
  return id;
}

/* The request is refused with status and code, and its message says msg. */
static void refused_saying(const char *method, const char *path, const char *tok, json_t *body, long status,
                           const char *code, const char *msg) {
  tl_resp r = tl_http_reqj(S, method, path, tok, body, NULL);
  tl_assert_error_at(&r, status, code, __FILE__, __LINE__);
  if (strstr(r.raw, msg) == NULL) fail_msg("want '%s' in %s", msg, r.raw);
  tl_resp_free(&r);
}

static int64_t pledged_of(const char *party, const char *area) {
  json_t *r = MUST("GET", "/v1/nma-totals", NULL, NULL, 200);
  json_t *row = row_of(r, party, area);
  int64_t v = row ? tl_jint(row, "pledged") : 0;
  json_decref(r);
  return v;
}

/* Offer A is 80,000,000 and 75,000,000 of it is pledged: a second match of
 * 60,000,000 on it is refused at proposal (offer_overpledged, naming the
 * 5,000,000 left), and the published pledges never exceed the offer. Two
 * proposals that each fit the need (1,000,000.00 USD) but not together:
 * the acceptance that would make the second one pledged is refused
 * (need_overpledged) and leaves it as it was. */
static void test_overpledge(void **state) {
  (void)state;
  int64_t id = published_nma();
  int64_t p0 = pledged_of("JPN", "adaptation");
  json_t *grant = json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Offer A", "type", "finance", "instrument",
                            "grant", "amount", (json_int_t)80000000, "currency", "USD", "sectors", "water", "regions",
                            "africa");
  int64_t oa = mk_offer(W.tok_fund, json_deep_copy(grant));
  int64_t m1 = propose(W.tok_jp, id, oa, 1, 75000000);
  step("support-matches", m1, W.tok_fund, "accept", "proposed");
  step("support-matches", m1, W.tok_jp, "accept", "accepted");
  json_t *l = MUST("GET", "/v1/support-matches", NULL, NULL, 200);
  size_t m0 = json_array_size(json_object_get(l, "items"));
  json_decref(l);
  refused_saying("POST", "/v1/support-matches", W.tok_jp,
                 json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)id, "offer", (json_int_t)oa, "need", 1, "amount",
                           (json_int_t)60000000),
                 409, "offer_overpledged", "5000000 remains");
  l = MUST("GET", "/v1/support-matches", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(l, "items")), m0); /* nothing created */
  json_decref(l);
  assert_int_equal(pledged_of("JPN", "adaptation"), p0 + 75000000);
  /* What is left of the offer can still be pledged: 5,000,000 (need 1 then has 20,000,000 left). */
  int64_t m2 = propose(W.tok_fund, id, oa, 1, 5000000);
  step("support-matches", m2, W.tok_fund, "accept", "proposed");
  step("support-matches", m2, W.tok_jp, "accept", "accepted");
  /* Offer B: two proposals of 15,000,000 each fit the need's 20,000,000 alone. */
  json_object_set_new(grant, "title", json_string("Offer B"));
  int64_t ob = mk_offer(W.tok_fund, grant);
  int64_t m3 = propose(W.tok_jp, id, ob, 1, 15000000), m4 = propose(W.tok_jp, id, ob, 1, 15000000);
  refused_saying("POST", "/v1/support-matches", W.tok_jp,
                 json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)id, "offer", (json_int_t)ob, "need", 1, "amount",
                           (json_int_t)20000001),
                 409, "need_overpledged", "20000000 remains");
  step("support-matches", m3, W.tok_jp, "accept", "proposed");
  step("support-matches", m3, W.tok_fund, "accept", "accepted");
  step("support-matches", m4, W.tok_jp, "accept", "proposed");
  char path[96], rec[96];
  snprintf(path, sizeof path, "/v1/support-matches/%lld/steps", (long long)m4);
  snprintf(rec, sizeof rec, "/v1/support-matches/%lld", (long long)m4);
  char *before = snapshot(rec);
  refused_saying("POST", path, W.tok_fund, json_pack("{s:s}", "step", "accept"), 409, "need_overpledged",
                 "5000000 remains");
  char *after = snapshot(rec);
  assert_string_equal(before, after);
  free(before);
  free(after);
  /* Published: 95,000,000 pledged of the 100,000,000 requested, never more than an offer. */
  assert_int_equal(pledged_of("JPN", "adaptation"), p0 + 95000000);
}

/* ---- non-offsetting units ---------------------------------------------- */

static void test_non_offsetting(void **state) {
  (void)state;
  tl_mk_project(S, "UGA.CAB.1", "CAB", "UGA");
  tl_mk_project(S, "MYS.FCC.1", "MYFCC", "MYS");
  json_t *r = tl_mk_issue(S, "UGA01", "UGA.CAB.1", "CAB", 2025, 100, W.a_fund);
  int64_t cab = tl_batch_of(r);
  json_decref(r);
  r = tl_mk_issue(S, "MYS01", "MYS.FCC.1", "FCC", 2025, 100, W.a_buyer);
  int64_t fcc = tl_batch_of(r);
  json_decref(r);
  r = MUST("GET", "/v1/unit-types", NULL, NULL, 200);
  size_t i;
  json_t *it;
  int flagged = 0;
  json_array_foreach(json_object_get(r, "items"), i, it) {
    if (strcmp(tl_jstr(it, "code"), "CAB") == 0 || strcmp(tl_jstr(it, "code"), "FCC") == 0)
      flagged += json_is_true(json_object_get(it, "non_offsetting"));
  }
  assert_int_equal(flagged, 2);
  json_decref(r);
  char *h_fund = tl_holdings(S, W.a_fund), *h_buyer = tl_holdings(S, W.a_buyer);
  json_t *auths = MUST("GET", "/v1/a6/authorizations", S->admin, NULL, 200);
  const struct {
    const char *unit;
    int64_t acc;
    const char *tok;
  } u[2] = {{"CAB", W.a_fund, W.tok_fund}, {"FCC", W.a_buyer, W.tok_buyer}};
  for (int k = 0; k < 2; k++) {
    /* Retirement with an offsetting claim. */
    REFUSED("POST", "/v1/retirements", u[k].tok,
            json_pack("{s:I, s:s, s:i, s:s, s:s, s:s}", "from_account", (json_int_t)u[k].acc, "unit_type", u[k].unit,
                      "quantity", 10, "beneficiary", "Airline", "purpose", "voluntary offset", "claim",
                      "carbon neutral flights"),
            422, "non_offsetting_unit");
    REFUSED("POST", "/v1/retirements", u[k].tok,
            json_pack("{s:I, s:[{s:I, s:i, s:i}], s:s, s:s}", "from_account", (json_int_t)u[k].acc, "ranges", "batch",
                      (json_int_t)(k ? fcc : cab), "first", 1, "last", 5, "beneficiary", "Company", "purpose", "CORSIA"),
            422, "non_offsetting_unit");
    /* Cancellation (an emissions claim without a non-offsetting purpose). */
    REFUSED("POST", "/v1/cancellations", u[k].tok,
            json_pack("{s:I, s:s, s:i}", "from_account", (json_int_t)u[k].acc, "unit_type", u[k].unit, "quantity", 1),
            422, "non_offsetting_unit");
    /* Article 6: a mitigation contribution cancellation. */
    REFUSED("POST", "/v1/a6/cancellations", u[k].tok,
            json_pack("{s:s, s:I, s:I, s:i, s:i}", "kind", "mitigation-contribution", "account", (json_int_t)u[k].acc,
                      "batch", (json_int_t)(k ? fcc : cab), "first", 1, "last", 5),
            422, "non_offsetting_unit");
  }
  /* Article 6 authorization (corresponding adjustment) by the host. */
  REFUSED("POST", "/v1/a6/authorizations", W.tok_ug,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s, s], s:i, s:i}", "party", "UGA", "approach", "CA0100", "project",
                    "UGA.CAB.1", "vintage_from", 2025, "vintage_to", 2025, "quantity", 100, "purposes", "NDC", "OIMP",
                    "year_from", 2021, "year_to", 2035),
          422, "non_offsetting_unit");
  REFUSED("POST", "/v1/a6/authorizations", W.tok_my,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", "MYS", "approach", "CA0101", "project",
                    "MYS.FCC.1", "vintage_from", 2025, "vintage_to", 2025, "quantity", 100, "purposes", "OIMP",
                    "year_from", 2021, "year_to", 2035),
          422, "non_offsetting_unit");
  /* Since they can never be authorized, no first transfer, use or OIMP
   * (CORSIA) cancellation can name them: the would-be ITMOs do not exist. */
  REFUSED("POST", "/v1/a6/first-transfers", W.tok_ug,
          json_pack("{s:I, s:s}", "account", (json_int_t)W.a_fund, "first_id", "CA0100-UGA01-UGA-000000001-2025"), 404,
          "unknown_itmo");
  REFUSED("POST", "/v1/a6/cancellations", W.tok_fund,
          json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "kind", "oimp", "account", (json_int_t)W.a_fund, "first_id",
                    "CA0100-UGA01-UGA-000000001-2025", "purpose", "CORSIA", "phase", "first", "entity", "Airline"),
          404, "unknown_itmo");
  /* Nothing changed. */
  char *h2_fund = tl_holdings(S, W.a_fund), *h2_buyer = tl_holdings(S, W.a_buyer);
  assert_string_equal(h_fund, h2_fund);
  assert_string_equal(h_buyer, h2_buyer);
  json_t *auths2 = MUST("GET", "/v1/a6/authorizations", S->admin, NULL, 200);
  assert_true(json_equal(auths, auths2));
  json_decref(auths);
  json_decref(auths2);
  free(h2_fund);
  free(h2_buyer);
  /* Allowed: a transfer, and a retirement in the funder's name for adaptation. */
  int64_t a_fund2 = tl_mk_account(S, "UGA01", W.org_fund, "holding", "CABs 2");
  json_decref(MUST("POST", "/v1/transfers", W.tok_fund,
                   json_pack("{s:I, s:I, s:s, s:i}", "from_account", (json_int_t)W.a_fund, "to_account",
                             (json_int_t)a_fund2, "unit_type", "CAB", "quantity", 10),
                   201));
  r = MUST("POST", "/v1/retirements", W.tok_fund,
           json_pack("{s:I, s:s, s:i, s:s, s:s, s:s}", "from_account", (json_int_t)W.a_fund, "unit_type", "CAB",
                     "quantity", 20, "beneficiary", "Swiss adaptation fund", "purpose", "adaptation", "claim",
                     "adaptation benefits in Kasese, not an offset"),
           201);
  json_decref(r);
  json_decref(MUST("POST", "/v1/retirements", W.tok_buyer,
                   json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)W.a_buyer, "unit_type", "FCC",
                             "quantity", 5, "beneficiary", "Kuala Lumpur company", "purpose", "conservation"),
                   201));
  assert_int_equal(tl_holdings_total(S, W.a_fund), 70);
  assert_int_equal(tl_holdings_total(S, W.a_buyer), 95);
  free(h_fund);
  free(h_buyer);
}

/* ---- the adaptation benefits mechanism and the marketplace -------------- */

static void test_cab_marketplace(void **state) {
  (void)state;
  int64_t org_doe = tl_mk_org(S, "UGA01", "Kampala validator");
  int64_t org_dev = tl_mk_org(S, "UGA01", "Kasese resilience cooperative");
  char *tok_doe = tl_mk_token(S, "validator", org_doe), *tok_dev = tl_mk_token(S, "holder", org_dev);
  int64_t a_dev = tl_mk_account(S, "UGA01", org_dev, "holding", "CAB marketplace");
  json_decref(MUST("POST", "/v1/accreditations", W.tok_ma,
                   json_pack("{s:I, s:s, s:[s]}", "organisation", (json_int_t)org_doe, "mechanism", "ABM", "scopes", "ADAPT"),
                   201));
  const char *id = "UGA.CAB.KASESE";
  tl_submit(S, tok_dev, "ABM", id, "UGA01", "UGA", "adaptation");
  json_decref(tl_step(S, tok_doe, "ABM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_ug, "ABM", id, "approve", "accept", NULL)); /* the host's letter of approval */
  json_decref(tl_step(S, W.tok_ma, "ABM", id, "register", "accept", NULL));
  /* Monitoring: 1,200 people with improved resilience (the CABs), 300 ha,
   * 50,000 m3 of water saved, 40 jobs, 25 ha of habitat. */
  json_t *b = MUST("POST", "/v1/activities/UGA.CAB.KASESE/periods", tok_dev,
                   json_pack("{s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i}, s:o, s:{s:i, s:i, s:i}}", "start",
                             "2025-01-01", "end", "2025-12-31", "calculator", "adaptation-benefits", "inputs",
                             "people_resilient", 1200, "hectares", 300, "water_saved_m3", 50000, "jobs", 40,
                             "biodiversity_ha", 25, "documents", tl_step_docs(S, tok_dev, "ABM", "monitor"),
                             "sd_indicators", "sdg1-households", 310, "sdg5-women", 640, "sdg8-local-jobs", 40),
                   201);
  int p = (int)tl_jint(json_object_get(b, "period"), "period");
  assert_int_equal(tl_jint(json_object_get(b, "period"), "reported"), 1200);
  json_decref(b);
  json_decref(tl_period_step(S, tok_doe, "ABM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 1000)));
  json_decref(tl_period_step(S, tok_dev, "ABM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)a_dev, "bp", 10000)));
  /* Benefit sharing (abm.json): 5 % and 2 % of the 1,000 to the host's accounts, 930 forwarded. */
  int64_t org_comm = tl_mk_org(S, "UGA01", "Kasese community trust");
  int64_t a_comm = tl_mk_account(S, "UGA01", org_comm, "holding", "community share");
  int64_t a_gov = tl_mk_account(S, "UGA01", org_comm, "holding", "government share");
  json_decref(tl_period_step(S, W.tok_ma, "ABM", id, p, "issue", "accept",
                             json_pack("{s:{s:I, s:I}}", "benefit_accounts", "host-community", (json_int_t)a_comm,
                                       "host-government", (json_int_t)a_gov)));
  assert_int_equal(tl_holdings_total(S, a_comm), 50);
  assert_int_equal(tl_holdings_total(S, a_gov), 20);
  assert_int_equal(tl_holdings_total(S, a_dev), 930); /* no levies */
  /* CABs from the cycle are non-offsetting too. */
  REFUSED("POST", "/v1/retirements", tok_dev,
          json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)a_dev, "unit_type", "CAB", "quantity", 1,
                    "beneficiary", "x", "purpose", "offsetting"),
          422, "non_offsetting_unit");

  /* Listing: 25.00 USD per CAB. */
  json_t *lbody = json_pack("{s:s, s:I, s:i, s:s}", "project", id, "account", (json_int_t)a_dev, "price", 2500,
                            "currency", "USD");
  REFUSED("POST", "/v1/adaptation-marketplace/listings", W.tok_fund, json_deep_copy(lbody), 403, "forbidden");
  b = MUST("POST", "/v1/adaptation-marketplace/listings", tok_dev, lbody, 201);
  int64_t listing = tl_jint(b, "id");
  json_decref(b);
  tl_mk_project(S, "UGA.VCS.1", "VCS", "UGA");
  REFUSED("POST", "/v1/adaptation-marketplace/listings", tok_dev,
          json_pack("{s:s, s:I, s:i, s:s}", "project", "UGA.VCS.1", "account", (json_int_t)a_dev, "price", 1, "currency",
                    "USD"),
          422, "invalid_value"); /* not a non-offsetting certificate */

  /* Refused purchases change nothing. */
  char *h_dev = tl_holdings(S, a_dev), *h_fund = tl_holdings(S, W.a_fund);
  json_t *buy = json_pack("{s:I, s:i, s:I, s:s, s:{s:i, s:s, s:s, s:s}}", "listing", (json_int_t)listing, "quantity", 40,
                          "funder_account", (json_int_t)W.a_fund, "beneficiary", "Swiss adaptation fund", "payment",
                          "amount", 100000, "currency", "USD", "payer", "Swiss adaptation fund", "reference",
                          "SWIFT-2026-0042");
  json_t *x = json_deep_copy(buy);
  json_object_set_new(json_object_get(x, "payment"), "amount", json_integer(99999));
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, x, 422, "invalid_value");
  x = json_deep_copy(buy);
  json_object_set_new(json_object_get(x, "payment"), "currency", json_string("EUR"));
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, x, 422, "invalid_value");
  x = json_deep_copy(buy);
  json_object_set_new(x, "quantity", json_integer(1001));
  json_object_set_new(json_object_get(x, "payment"), "amount", json_integer(1001 * 2500));
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, x, 409, "insufficient_holdings");
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_buyer, json_deep_copy(buy), 403, "forbidden");
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", NULL, json_deep_copy(buy), 401, "unauthorized");
  x = json_deep_copy(buy);
  json_object_set_new(x, "colour", json_string("blue"));
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, x, 400, "unknown_field");
  char *h2_dev = tl_holdings(S, a_dev), *h2_fund = tl_holdings(S, W.a_fund);
  assert_string_equal(h_dev, h2_dev);
  assert_string_equal(h_fund, h2_fund);
  free(h2_dev);
  free(h2_fund);

  /* The purchase: 40 CABs for 1,000.00 USD, retired in the fund's name. */
  b = MUST("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, buy, 201);
  assert_int_equal(tl_jint(json_object_get(b, "payment"), "amount"), 100000);
  assert_string_equal(tl_jstr(json_object_get(b, "payment"), "reference"), "SWIFT-2026-0042");
  int64_t ret = tl_jint(b, "retirement_tx");
  char cert[96];
  snprintf(cert, sizeof cert, "%s", tl_jstr(b, "certificate"));
  json_decref(b);
  assert_int_equal(tl_holdings_total(S, a_dev), 890);
  char *h3_fund = tl_holdings(S, W.a_fund);
  assert_string_equal(h_fund, h3_fund); /* bought and retired in one go */
  free(h3_fund);
  json_t *c = MUST("GET", cert, NULL, NULL, 200);
  json_decref(c);
  snprintf(cert, sizeof cert, "/v1/transactions/%lld", (long long)ret);
  json_t *t = MUST("GET", cert, S->admin, NULL, 200);
  assert_string_equal(tl_jstr(t, "kind"), "retirement");
  assert_string_equal(tl_jstr(t, "beneficiary"), "Swiss adaptation fund");
  assert_string_equal(tl_jstr(t, "purpose"), "adaptation");
  json_decref(t);
  /* The marketplace shows what is left; purchases are the funder's. */
  json_t *m = MUST("GET", "/v1/adaptation-marketplace", NULL, NULL, 200);
  size_t i;
  json_t *it;
  bool seen = false;
  json_array_foreach(json_object_get(m, "items"), i, it) if (tl_jint(it, "id") == listing) {
    assert_int_equal(tl_jint(it, "available"), 890);
    seen = true;
  }
  assert_true(seen);
  json_decref(m);
  m = MUST("GET", "/v1/adaptation-marketplace/purchases", W.tok_fund, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(m, "items")), 1);
  json_decref(m);
  m = MUST("GET", "/v1/adaptation-marketplace/purchases", W.tok_buyer, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(m, "items")), 0);
  json_decref(m);
  REFUSED("GET", "/v1/adaptation-marketplace/purchases", NULL, NULL, 401, "unauthorized");
  /* Settled through the exchange's cash accounts: the fund's organisation
   * pays the cooperative's in the purchase's own transaction. */
  json_t *xb = json_pack("{s:I, s:i, s:I, s:s, s:{s:i, s:s, s:s, s:s, s:s}}", "listing", (json_int_t)listing, "quantity",
                         20, "funder_account", (json_int_t)W.a_fund, "beneficiary", "Swiss adaptation fund", "payment",
                         "amount", 50000, "currency", "USD", "payer", "Swiss adaptation fund", "reference", "EX-1",
                         "settle", "exchange");
  x = json_deep_copy(xb);
  json_object_set_new(json_object_get(x, "payment"), "settle", json_string("barter"));
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, x, 422, "invalid_value");
  REFUSED("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, json_deep_copy(xb), 409, "insufficient_cash");
  assert_int_equal(tl_holdings_total(S, a_dev), 890); /* nothing moved */
  char dep[128];
  snprintf(dep, sizeof dep, "{\"org\":%lld,\"currency\":\"USD\",\"amount\":500000}", (long long)W.org_fund);
  json_decref(MUST("POST", "/v1/exchange/deposits", S->admin, json_loads(dep, 0, NULL), 201));
  b = MUST("POST", "/v1/adaptation-marketplace/purchases", W.tok_fund, xb, 201);
  assert_string_equal(tl_jstr(json_object_get(b, "payment"), "settle"), "exchange");
  json_decref(b);
  assert_int_equal(tl_holdings_total(S, a_dev), 870);
  json_t *cash = MUST("GET", "/v1/exchange/cash", S->admin, NULL, 200);
  int64_t fund_bal = -1, dev_bal = -1;
  json_array_foreach(json_object_get(cash, "items"), i, it) if (strcmp(tl_jstr(it, "currency"), "USD") == 0) {
    if (tl_jint(it, "org") == W.org_fund) fund_bal = tl_jint(it, "balance");
    if (tl_jint(it, "org") == org_dev) dev_bal = tl_jint(it, "balance");
  }
  json_decref(cash);
  assert_int_equal(fund_bal, 450000);
  assert_int_equal(dev_bal, 50000);
  /* The books still balance (ledger6 check includes the exchange's cash). */
  char out[4096];
  assert_int_equal(tl_run_cli(S, out, sizeof out, "check", (char *)NULL), 0);
  free(h_dev);
  free(h_fund);
  free(tok_doe);
  free(tok_dev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flow),
      cmocka_unit_test(test_needs_under_their_party),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_overpledge),
      cmocka_unit_test(test_non_offsetting),
      cmocka_unit_test(test_cab_marketplace),
  };
  return cmocka_run_group_tests_name("nma", tests, setup, teardown);
}
