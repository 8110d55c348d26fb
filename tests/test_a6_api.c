/*
 * test_a6_api.c -- black-box tests of the Article 6.2 routes (api_a6.c):
 * the real server on a fresh database, driven over HTTP by the roles of a
 * Thailand-Switzerland cooperative approach (Thailand's and Switzerland's
 * authorities, the Thai project developer, a Swiss buyer, a Swiss airline,
 * a Japanese holder, the auditor).
 *
 *   a6_http_flow     NDCs, authorization, issuance, first transfer through
 *                    POST /v1/transfers, use toward CHE's NDC, CORSIA
 *                    cancellation, AEF (JSON and CSV), balances, what-if,
 *                    with the figures worked out by hand in the comments.
 *   a6_http_refusals every refusal at route level: status, code, and the
 *                    holdings and ITMO states unchanged.
 *   amendment        an authorization amended after a first transfer: the
 *                    ITMOs first transferred keep the terms, the others not
 *   requests         authorization requests by a project participant, decided
 *                    by the host's authority (approve: the authorization; reject)
 *   letter           the letter's hash: recorded, shown, recomputed (GET
 *                    .../letter, verify --store), tampering caught
 *   history          a past year's first transfer loaded now (effective_year):
 *                    counted in that year's AEF and balances; holders refused
 *   reviewer         the reviewer role: its Party's books, read only
 *   aef_workbook     the AEF workbook read back by openpyxl (tests/aef_xlsx.py)
 *                    and compared cell by cell with the JSON report; CSV one
 *                    table per file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include "testlib_http.h"
#include "core/merkle.h"
#include "core/sth.h"

static struct {
  tl_srv srv;
  int64_t org_tgo, org_foen, org_ebus, org_klik, org_air, org_jp;
  int64_t a_ebus, a_klik, a_air, a_jp;
  char *tok_tgo, *tok_foen, *tok_ebus, *tok_klik, *tok_air, *tok_jp, *tok_aud;
  int64_t auth;     /* THA's NDC+OIMP authorization of THA.EBUS.01 */
  int64_t auth_oimp; /* THA's OIMP-only authorization of THA.EBUS.02 (first transfer at issuance) */
  int now;          /* the server's year (first transfers and cancellations happen "now") */
} W;
#define S (&W.srv)

#define ID(n) "CA0001-THA01-THA-" n "-2024"

#define MUST(m, p, t, b, st) TL_MUST(S, (m), (p), (t), (b), (st))

static json_t *ndc_body(const char *kind, const char *method, int target, int y1, int64_t e1, int y2, int64_t e2) {
  return json_pack("{s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:[{s:i, s:I}, {s:i, s:I}]}", "first_year", 2021, "last_year",
                   2030, "kind", kind, "method", method, "target_year", 2030, "target", target, "metric", "t CO2e",
                   "years", "year", y1, "emissions", (json_int_t)e1, "year", y2, "emissions", (json_int_t)e2);
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  W.now = tm.tm_year + 1900;
  if (tl_srv_start(S, "a6-api") != 0) return -1;
  tl_mk_party(S, "THA", "Thailand");
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_party(S, "JPN", "Japan");
  tl_mk_registry(S, "THA01", "THA", NULL);
  tl_mk_registry(S, "CHE01", "CHE", NULL);
  tl_mk_registry(S, "JPN01", "JPN", NULL);
  W.org_tgo = tl_mk_org(S, "THA01", "TGO (designated authority)");
  W.org_foen = tl_mk_org(S, "CHE01", "FOEN (designated authority)");
  W.org_ebus = tl_mk_org(S, "THA01", "Bangkok e-bus developer");
  W.org_klik = tl_mk_org(S, "CHE01", "KliK foundation");
  W.org_air = tl_mk_org(S, "CHE01", "Swiss International Air Lines");
  W.org_jp = tl_mk_org(S, "JPN01", "Tokyo buyer");
  W.tok_tgo = tl_mk_token(S, "authority", W.org_tgo);
  W.tok_foen = tl_mk_token(S, "authority", W.org_foen);
  W.tok_ebus = tl_mk_token(S, "holder", W.org_ebus);
  W.tok_klik = tl_mk_token(S, "holder", W.org_klik);
  W.tok_air = tl_mk_token(S, "holder", W.org_air);
  W.tok_jp = tl_mk_token(S, "holder", W.org_jp);
  W.tok_aud = tl_mk_token(S, "auditor", 0);
  W.a_ebus = tl_mk_account(S, "THA01", W.org_ebus, "holding", "e-bus");
  W.a_klik = tl_mk_account(S, "CHE01", W.org_klik, "holding", "KliK");
  W.a_air = tl_mk_account(S, "CHE01", W.org_air, "holding", "CORSIA");
  W.a_jp = tl_mk_account(S, "JPN01", W.org_jp, "holding", "Tokyo");
  tl_mk_project(S, "THA.EBUS.01", "A6.2", "THA");
  tl_mk_project(S, "THA.EBUS.02", "A6.2", "THA");
  tl_mk_project(S, "THA.EBUS.03", "A6.2", "THA");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  free(W.tok_tgo);
  free(W.tok_foen);
  free(W.tok_ebus);
  free(W.tok_klik);
  free(W.tok_air);
  free(W.tok_jp);
  free(W.tok_aud);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

/* Today (UTC) as YYYY-MM-DD. */
static void today_utc(char out[11]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The year row of a balances reply. */
static json_t *year_of(json_t *bal, int year) {
  size_t i;
  json_t *y;
  json_array_foreach(json_object_get(bal, "years"), i, y) if (tl_jint(y, "year") == year) return y;
  fail_msg("no year %d", year);
  return NULL;
}

static void test_flow(void **state) {
  (void)state;
  json_t *b;
  /* NDCs by each Party's authority. THA: single-year 2030, averaging;
   * CHE: multi-year, per-year. */
  b = MUST("PUT", "/v1/a6/ndcs/THA", W.tok_tgo,
           ndc_body("single-year", "averaging", 333000000, 2021, 372000000, 2022, 368000000), 200);
  assert_string_equal(tl_jstr(b, "method"), "averaging");
  assert_int_equal(json_array_size(json_object_get(b, "years")), 2);
  json_decref(b);
  json_decref(MUST("PUT", "/v1/a6/ndcs/CHE", W.tok_foen,
                   ndc_body("multi-year", "per-year", 27000000, 2021, 45200000, 2022, 41600000), 200));
  /* CHE reports 2025: 40,000,000 t. */
  b = MUST("PUT", "/v1/a6/ndcs/CHE/years/2025", W.tok_foen, json_pack("{s:i}", "emissions", 40000000), 200);
  assert_int_equal(json_array_size(json_object_get(b, "years")), 3);
  json_decref(b);
  b = MUST("GET", "/v1/a6/ndcs/CHE", NULL, NULL, 200); /* public */
  assert_int_equal(tl_jint(b, "target"), 27000000);
  json_decref(b);

  /* 2,000 e-bus units of 2024 issued to the developer, then authorized by
   * Thailand for NDC use by CHE and OIMP (CORSIA by the airline). */
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.01", "ITMO", 2024, 2000, W.a_ebus));
  b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
           json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s, s], s:s, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach",
                     "CA0001", "project", "THA.EBUS.01", "vintage_from", 2024, "vintage_to", 2030, "quantity", 5000,
                     "purposes", "OIMP", "NDC", "first_transfer_event", "use", "authorized_parties", "CHE",
                     "authorized_entities", "Swiss International Air Lines", "year_from", 2021, "year_to", 2030),
           201);
  W.auth = tl_jint(b, "id");
  assert_int_equal(tl_jint(b, "assigned"), 2000);
  json_t *it = json_array_get(json_object_get(b, "itmos"), 0);
  assert_string_equal(tl_jstr(it, "first_id"), ID("000000001"));
  assert_string_equal(tl_jstr(it, "last_id"), ID("000002000"));
  assert_string_equal(json_string_value(json_array_get(json_object_get(b, "purposes"), 0)), "NDC"); /* canonical order */
  json_decref(b);

  /* First international transfer THA -> CHE through the ordinary transfer
   * route: THA's corresponding adjustment of +2,000 in this year. */
  json_decref(MUST("POST", "/v1/transfers", S->admin,
                   json_pack("{s:I, s:I, s:s, s:i, s:i}", "from_account", (json_int_t)W.a_ebus, "to_account",
                             (json_int_t)W.a_klik, "unit_type", "ITMO", "vintage", 2024, "quantity", 2000),
                   201));
  /* KliK uses 1,200 toward CHE's NDC for 2025. */
  b = MUST("POST", "/v1/a6/uses", W.tok_klik,
           json_pack("{s:I, s:s, s:s, s:s, s:i}", "account", (json_int_t)W.a_klik, "first_id", ID("000000001"), "last_id",
                     ID("000001200"), "party", "CHE", "year", 2025),
           201);
  assert_string_equal(tl_jstr(b, "action"), "use");
  assert_int_equal(tl_jint(b, "quantity"), 1200);
  json_decref(b);
  /* 300 go to the airline (the registry takes the lowest serials held:
   * 1201-1500), which cancels them for CORSIA's first phase. */
  json_decref(MUST("POST", "/v1/transfers", W.tok_klik,
                   json_pack("{s:I, s:I, s:s, s:i, s:i}", "from_account", (json_int_t)W.a_klik, "to_account",
                             (json_int_t)W.a_air, "unit_type", "ITMO", "vintage", 2024, "quantity", 300),
                   201));
  b = MUST("POST", "/v1/a6/cancellations", W.tok_air,
           json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "kind", "oimp", "account", (json_int_t)W.a_air, "first_id",
                     ID("000001201"), "last_id", ID("000001500"), "purpose", "CORSIA", "phase", "first", "entity",
                     "Swiss International Air Lines"),
           201);
  assert_string_equal(tl_jstr(b, "action"), "oimp-cancellation");
  assert_int_equal(tl_jint(b, "quantity"), 300);
  json_decref(b);
  assert_int_equal(tl_holdings_total(S, W.a_klik), 500); /* 2000 - 1200 used - 300 to the airline */
  assert_int_equal(tl_holdings_total(S, W.a_air), 0);

  /* CHE's AEF for 2025 (public): used 1,200 -> CA -1,200; adjusted
   * 40,000,000 - 1,200 = 39,998,800. Holdings today: 2,000 - 1,200 - 300 =
   * 500; by default the holdings are those at the end of 2025, or today
   * while that is ahead: none when the test runs after 2025 (every action
   * above happened today). */
  char today[11], path[96];
  today_utc(today);
  b = MUST("GET", "/v1/a6/aef/CHE?year=2025", NULL, NULL, 200);
  json_t *sub = json_object_get(b, "submission");
  assert_int_equal(tl_jint(sub, "used"), 1200);
  assert_int_equal(tl_jint(sub, "corresponding_adjustment"), -1200);
  assert_int_equal(tl_jint(sub, "adjusted_emissions"), 39998800);
  assert_true(json_is_true(json_object_get(json_object_get(b, "consistency"), "consistent")));
  if (W.now > 2025) {
    assert_string_equal(tl_jstr(sub, "holdings_as_of"), "2025-12-31");
    assert_int_equal(json_array_size(json_object_get(b, "holdings")), 0);
  } else {
    assert_string_equal(tl_jstr(sub, "holdings_as_of"), today);
    assert_int_equal(json_array_size(json_object_get(b, "holdings")), 1);
  }
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/aef/CHE?year=2025&as_of=%s", today);
  b = MUST("GET", path, NULL, NULL, 200);
  sub = json_object_get(b, "submission");
  assert_string_equal(tl_jstr(sub, "holdings_as_of"), today);
  assert_true(json_is_true(json_object_get(json_object_get(b, "consistency"), "consistent")));
  json_t *h = json_array_get(json_object_get(b, "holdings"), 0);
  assert_int_equal(tl_jint(h, "vintage"), 2024);
  assert_int_equal(tl_jint(h, "quantity"), 500);
  json_decref(b);
  /* Before anything happened: nothing held, and the books still reconcile. */
  b = MUST("GET", "/v1/a6/aef/CHE?year=2025&as_of=2020-01-01", NULL, NULL, 200);
  assert_string_equal(tl_jstr(json_object_get(b, "submission"), "holdings_as_of"), "2020-01-01");
  assert_int_equal(json_array_size(json_object_get(b, "holdings")), 0);
  assert_true(json_is_true(json_object_get(json_object_get(b, "consistency"), "consistent")));
  json_decref(b);
  /* THA (averaging over 2021-2030): 2,000 first transferred in `now`,
   * nothing used: every year's CA is round(2000 / 10) = +200; 2022's
   * adjusted emissions 368,000,000 + 200 = 368,000,200. */
  b = MUST("GET", "/v1/a6/aef/THA?year=2022", W.tok_aud, NULL, 200);
  sub = json_object_get(b, "submission");
  assert_int_equal(tl_jint(sub, "corresponding_adjustment"), 200);
  assert_int_equal(tl_jint(sub, "adjusted_emissions"), 368000200);
  assert_int_equal(json_array_size(json_object_get(b, "authorizations")), 1);
  json_decref(b);
  /* The same report as CSV: one table per file, the template's headings,
   * CRLF line ends (RFC 4180). */
  snprintf(path, sizeof path, "/v1/a6/aef/CHE?year=2025&format=csv&table=actions&as_of=%s", today);
  tl_resp r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  char ct[64];
  assert_true(tl_resp_header(&r, "Content-Type", ct, sizeof ct));
  assert_string_equal(ct, "text/csv; charset=utf-8");
  assert_true(strncmp(r.raw, "Action date,Action type,Action subtype,Cooperative approach ID,Authorization ID,", 80) == 0);
  assert_non_null(strstr(r.raw, ",Last unit ID,Metric,")); /* the blank separator columns left out */
  assert_non_null(strstr(r.raw, ",Calendar year for which the ITMOs are used towards the Party's NDC,"));
  assert_non_null(strstr(r.raw, ",Use,,CA0001,")); /* the use action */
  assert_non_null(strstr(r.raw, "," ID("000000001") "," ID("000001200") ",,,,GHG,,,1200,,,2024,"));
  assert_null(strstr(r.raw, "\n\n"));
  for (const char *p = strchr(r.raw, '\n'); p; p = strchr(p + 1, '\n')) assert_true(p > r.raw && p[-1] == '\r');
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/a6/aef/CHE?year=2025&format=csv&table=holdings&as_of=%s", today);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_non_null(strstr(r.raw, "\r\n,,,,,,,,,GHG,,,500,,,2024\r\n"));
  tl_resp_free(&r);

  /* Balances (books readers): CHE 2025 used 1,200, adjusted 39,998,800. */
  b = MUST("GET", "/v1/a6/balances/CHE", W.tok_foen, NULL, 200);
  json_t *y = year_of(b, 2025);
  assert_int_equal(tl_jint(y, "used"), 1200);
  assert_int_equal(tl_jint(y, "corresponding_adjustment"), -1200);
  assert_int_equal(tl_jint(y, "adjusted_emissions"), 39998800);
  json_decref(b);
  if (W.now >= 2021 && W.now <= 2030) {
    b = MUST("GET", "/v1/a6/balances/THA", S->admin, NULL, 200);
    assert_int_equal(tl_jint(year_of(b, W.now), "first_transferred"), 2000);
    json_decref(b);
  }
  /* What-if: the 24 options of a single-year NDC, books unchanged. */
  char *before = tl_holdings(S, W.a_klik);
  b = MUST("GET", "/v1/a6/whatif/THA", W.tok_aud, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "options")), 24);
  json_decref(b);
  char *after = tl_holdings(S, W.a_klik);
  assert_string_equal(before, after);
  free(before);
  free(after);
  /* ITMO ranges: used, cancelled, held. */
  snprintf(path, sizeof path, "/v1/a6/itmos?authorization=%lld", (long long)W.auth);
  b = MUST("GET", path, W.tok_aud, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "items")), 3);
  assert_string_equal(tl_jstr(json_array_get(json_object_get(b, "items"), 0), "state"), "used");
  assert_string_equal(tl_jstr(json_array_get(json_object_get(b, "items"), 1), "state"), "cancelled");
  assert_string_equal(tl_jstr(json_array_get(json_object_get(b, "items"), 2), "state"), "held");
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld", (long long)W.auth);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "itmos")), 3);
  json_decref(b);
  b = MUST("GET", "/v1/a6/authorizations?party=THA", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "items")), 1);
  json_decref(b);
  b = MUST("GET", "/v1/a6/corsia", NULL, NULL, 200);
  assert_true(json_array_size(json_object_get(b, "items")) >= 2);
  json_decref(b);
}

/* ---- refusals --------------------------------------------------------- */

/* Everything a refused action could touch: the four accounts' holdings and
 * every ITMO range with its state. */
static char *books(void) {
  char *parts[5];
  int64_t accs[4] = {W.a_ebus, W.a_klik, W.a_air, W.a_jp};
  for (int i = 0; i < 4; i++) parts[i] = tl_holdings(S, accs[i]);
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/itmos", S->admin, NULL, NULL);
  tl_assert_status(&r, 200);
  parts[4] = strdup(r.raw);
  tl_resp_free(&r);
  size_t n = 0;
  for (int i = 0; i < 5; i++) n += strlen(parts[i]) + 2;
  char *out = malloc(n);
  out[0] = '\0';
  for (int i = 0; i < 5; i++) {
    strcat(out, parts[i]);
    strcat(out, "|");
    free(parts[i]);
  }
  return out;
}

static void refused_at(long status, const char *code, const char *method, const char *path, const char *tok, json_t *body,
                       const char *file, int line) {
  char *before = books();
  tl_resp r = tl_http_reqj(S, method, path, tok, body, NULL);
  int ok = tl_error_is(&r, status, code, file, line);
  tl_resp_free(&r);
  char *after = books();
  int same = strcmp(before, after) == 0;
  if (!same) print_error("%s:%d: %s %s changed the books\n", file, line, method, path);
  free(before);
  free(after);
  if (!ok || !same) fail_msg("refusal at %s:%d", file, line);
}
#define REFUSED(st, code, m, p, tok, body) refused_at((st), (code), (m), (p), (tok), (body), __FILE__, __LINE__)

static json_t *use_body(int64_t acc, const char *first, const char *last, const char *party, int year) {
  return json_pack("{s:I, s:s, s:s, s:s, s:i}", "account", (json_int_t)acc, "first_id", first, "last_id", last, "party",
                   party, "year", year);
}

static void test_refusals(void **state) {
  (void)state;
  /* Issue 14: the plain routes do no Article 6 accounting. KliK's 500 ITMOs
   * (NDC and OIMP) retired or cancelled for CORSIA, or for a voluntary
   * purpose, would be an OIMP cancellation without its entity; an NDC use
   * stated on a retirement is not a use. */
  static const char *const purposes[] = {"CORSIA", "voluntary offsetting", "NDC"};
  for (int i = 0; i < 3; i++) {
    REFUSED(422, "article_six_route_required", "POST", "/v1/retirements", W.tok_klik,
            json_pack("{s:I, s:s, s:i, s:s, s:s}", "from_account", (json_int_t)W.a_klik, "unit_type", "ITMO", "quantity",
                      10, "beneficiary", "Swiss International Air Lines", "purpose", purposes[i]));
    REFUSED(422, "article_six_route_required", "POST", "/v1/cancellations", W.tok_klik,
            json_pack("{s:I, s:s, s:i, s:s}", "from_account", (json_int_t)W.a_klik, "unit_type", "ITMO", "quantity", 10,
                      "purpose", purposes[i]));
  }
  /* Use after cancellation (the airline's CORSIA units). */
  REFUSED(409, "unit_cancelled", "POST", "/v1/a6/uses", S->admin,
          use_body(W.a_air, ID("000001201"), ID("000001210"), "CHE", 2025));
  /* Used twice. */
  REFUSED(409, "already_used", "POST", "/v1/a6/uses", W.tok_klik,
          use_body(W.a_klik, ID("000000001"), ID("000000010"), "CHE", 2026));
  /* First-transferred twice: THA's first transfer happened on the transfer to CHE. */
  REFUSED(409, "already_first_transferred", "POST", "/v1/a6/first-transfers", S->admin,
          json_pack("{s:I, s:s, s:s}", "account", (json_int_t)W.a_klik, "first_id", ID("000001501"), "last_id",
                    ID("000001510")));
  /* Use by a Party other than the acquirer (JPN has an NDC, not the units). */
  json_decref(MUST("PUT", "/v1/a6/ndcs/JPN", S->admin,
                   ndc_body("multi-year", "per-year", 760000000, 2021, 1100000000, 2022, 1085000000), 200));
  REFUSED(422, "not_acquirer", "POST", "/v1/a6/uses", W.tok_klik,
          use_body(W.a_klik, ID("000001501"), ID("000001510"), "JPN", 2025));
  /* Outside the timeframe (2021-2030). */
  REFUSED(422, "outside_timeframe", "POST", "/v1/a6/uses", W.tok_klik,
          use_body(W.a_klik, ID("000001501"), ID("000001510"), "CHE", 2031));
  /* Outside the purposes: OIMP-only ITMOs (first transferred at issuance)
   * used toward an NDC. */
  json_t *b = MUST("POST", "/v1/a6/authorizations", S->admin,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:s, s:i, s:i}", "party", "THA", "approach", "CA0002",
                             "project", "THA.EBUS.02", "vintage_from", 2024, "vintage_to", 2024, "quantity", 100,
                             "purposes", "OIMP", "first_transfer_event", "issuance", "year_from", 2021, "year_to", 2030),
                   201);
  W.auth_oimp = tl_jint(b, "id");
  assert_int_equal(tl_jint(b, "assigned"), 0); /* nothing issued yet */
  json_decref(b);
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.02", "ITMO", 2024, 100, W.a_ebus));
  REFUSED(422, "purpose_not_authorized", "POST", "/v1/a6/uses", S->admin,
          use_body(W.a_ebus, "CA0002-THA01-THA-000000001-2024", "CA0002-THA01-THA-000000010-2024", "CHE", 2025));
  /* ... and first transferred once already, at issuance. */
  REFUSED(409, "already_first_transferred", "POST", "/v1/a6/first-transfers", W.tok_ebus,
          json_pack("{s:I, s:s}", "account", (json_int_t)W.a_ebus, "first_id", "CA0002-THA01-THA-000000001-2024"));
  /* An ITMO that does not exist. */
  REFUSED(404, "unknown_itmo", "POST", "/v1/a6/uses", W.tok_klik,
          use_body(W.a_klik, ID("000009001"), ID("000009001"), "CHE", 2025));
  /* A unit that is an ITMO cannot be cancelled as a mitigation contribution. */
  REFUSED(422, "unit_authorized", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:s, s:I, s:i, s:i, s:i}", "kind", "mitigation-contribution", "account", (json_int_t)W.a_klik,
                    "batch", 1, "first", 1501, "last", 1510));
  /* CORSIA: an unknown phase; an entity the letter does not name. */
  REFUSED(404, "unknown_corsia_phase", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "kind", "oimp", "account", (json_int_t)W.a_klik, "first_id",
                    ID("000001501"), "purpose", "CORSIA", "phase", "fourth", "entity", "Swiss International Air Lines"));
  REFUSED(422, "party_not_authorized", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:s, s:I, s:s, s:s, s:s}", "kind", "oimp", "account", (json_int_t)W.a_klik, "first_id",
                    ID("000001501"), "purpose", "other", "entity", "Another airline"));

  /* Wrong roles: anonymous, auditor, another holder's account, the other
   * Party's authority authorizing THA's units or setting THA's NDC. */
  REFUSED(401, "unauthorized", "POST", "/v1/a6/uses", NULL, use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025));
  REFUSED(403, "forbidden", "POST", "/v1/a6/uses", W.tok_aud, use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025));
  REFUSED(403, "forbidden", "POST", "/v1/a6/uses", W.tok_jp, use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025));
  REFUSED(403, "forbidden", "POST", "/v1/a6/uses", W.tok_tgo, use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025));
  REFUSED(403, "not_host_authority", "POST", "/v1/a6/authorizations", W.tok_foen,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", "THA", "approach", "CA0003", "project",
                    "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2030, "quantity", 10, "purposes", "NDC",
                    "year_from", 2021, "year_to", 2030));
  REFUSED(403, "forbidden", "PUT", "/v1/a6/ndcs/THA", W.tok_foen,
          ndc_body("single-year", "averaging", 1, 2021, 1, 2022, 1));
  REFUSED(403, "forbidden", "PUT", "/v1/a6/ndcs/THA/years/2025", W.tok_foen, json_pack("{s:i}", "emissions", 1));
  REFUSED(403, "forbidden", "GET", "/v1/a6/balances/THA", W.tok_klik, NULL);
  REFUSED(403, "forbidden", "GET", "/v1/a6/whatif/THA", W.tok_klik, NULL);
  REFUSED(403, "forbidden", "GET", "/v1/a6/itmos", W.tok_klik, NULL);
  REFUSED(401, "unauthorized", "GET", "/v1/a6/balances/THA", NULL, NULL);

  /* Bad bodies: unknown field, wrong type, missing field (uses,
   * authorizations, cancellations, NDCs). */
  json_t *u = use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025);
  json_object_set_new(u, "quantity", json_integer(1));
  REFUSED(400, "unknown_field", "POST", "/v1/a6/uses", W.tok_klik, u);
  u = use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025);
  json_object_set_new(u, "year", json_string("2025"));
  REFUSED(400, "wrong_type", "POST", "/v1/a6/uses", W.tok_klik, u);
  u = use_body(W.a_klik, ID("000001501"), ID("000001501"), "CHE", 2025);
  json_object_del(u, "party");
  REFUSED(400, "missing_field", "POST", "/v1/a6/uses", W.tok_klik, u);
  REFUSED(400, "missing_field", "POST", "/v1/a6/authorizations", W.tok_tgo,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "party", "THA", "approach", "CA0003", "project",
                    "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2030, "quantity", 10, "year_from", 2021, "year_to",
                    2030)); /* no purposes */
  REFUSED(400, "wrong_type", "POST", "/v1/a6/authorizations", W.tok_tgo,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:i}", "party", "THA", "approach", "CA0003", "project",
                    "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2030, "quantity", 10, "purposes", "NDC",
                    "year_from", 2021, "year_to", 2030)); /* purposes is a list */
  REFUSED(422, "invalid_value", "POST", "/v1/a6/authorizations", W.tok_tgo,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", "THA", "approach", "CA0003", "project",
                    "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2030, "quantity", 10, "purposes", "NDC-ish",
                    "year_from", 2021, "year_to", 2030));
  REFUSED(400, "unknown_field", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:s, s:I, s:s, s:s, s:s, s:i}", "kind", "oimp", "account", (json_int_t)W.a_klik, "first_id",
                    ID("000001501"), "purpose", "other", "entity", "Swiss International Air Lines", "batch", 1));
  REFUSED(400, "missing_field", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:I, s:s, s:s, s:s}", "account", (json_int_t)W.a_klik, "first_id", ID("000001501"), "purpose",
                    "other", "entity", "Swiss International Air Lines"));
  REFUSED(422, "invalid_value", "POST", "/v1/a6/cancellations", W.tok_klik,
          json_pack("{s:s, s:I}", "kind", "burn", "account", (json_int_t)W.a_klik));
  REFUSED(400, "wrong_type", "PUT", "/v1/a6/ndcs/CHE/years/2026", W.tok_foen, json_pack("{s:s}", "emissions", "many"));
  REFUSED(400, "missing_field", "PUT", "/v1/a6/ndcs/CHE/years/2026", W.tok_foen, json_object());
  REFUSED(422, "year_outside_ndc", "PUT", "/v1/a6/ndcs/CHE/years/2035", W.tok_foen, json_pack("{s:i}", "emissions", 1));
  REFUSED(404, "unknown_ndc", "GET", "/v1/a6/ndcs/KOR", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&format=ods", NULL, NULL);
  /* as_of: a calendar date YYYY-MM-DD, not after today. */
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=2025-02-29", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=2025-13-01", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=20250101", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=2025-01-011", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/aef/CHE?year=2025&as_of=2999-01-01&format=csv", NULL, NULL);

  /* Revocation: once; the units not yet first transferred are out. */
  b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
           json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:i, s:i}", "party", "THA", "approach", "CA0003", "project",
                     "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2030, "quantity", 50, "purposes", "NDC",
                     "year_from", 2021, "year_to", 2030),
           201);
  int64_t a3 = tl_jint(b, "id");
  json_decref(b);
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.03", "ITMO", 2024, 50, W.a_ebus));
  char path[80];
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)a3);
  REFUSED(403, "not_host_authority", "POST", path, W.tok_foen, json_object());
  REFUSED(400, "unknown_field", "POST", path, W.tok_tgo, json_pack("{s:b}", "revoked", 1));
  b = MUST("POST", path, W.tok_tgo, json_object(), 201);
  assert_true(json_is_true(json_object_get(b, "revoked")));
  assert_int_equal(tl_jint(b, "version"), 2);
  json_decref(b);
  REFUSED(409, "authorization_revoked", "POST", path, W.tok_tgo, json_object());
  REFUSED(409, "authorization_revoked", "POST", "/v1/a6/first-transfers", W.tok_ebus,
          json_pack("{s:I, s:s}", "account", (json_int_t)W.a_ebus, "first_id", "CA0003-THA01-THA-000000001-2024"));
  REFUSED(404, "unknown_authorization", "POST", "/v1/a6/authorizations/999/revoke", W.tok_tgo, json_object());
  REFUSED(404, "unknown_authorization", "GET", "/v1/a6/authorizations/abc", NULL, NULL);
}

/* A forged action makes the books inconsistent: the AEF is withheld with
 * 409 aef_inconsistent and the list (the CLI exits 1 on the same books). */
/* Writes n bytes to dir/name; returns the path (static buffer per slot). */
static const char *save(int slot, const char *name, const char *data, size_t n) {
  static char paths[4][600];
  snprintf(paths[slot], sizeof paths[slot], "%s/%s", W.srv.dir, name);
  FILE *f = fopen(paths[slot], "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  return paths[slot];
}

/* tests/aef_xlsx.py's exit status: 0 when every cell of the workbook is
 * what the JSON report says, 1 when any differs. */
static int aef_checker(const char *json_path, const char *xlsx_path) {
  const char *src = getenv("L6_SRCDIR"), *py = getenv("L6_PYTHON");
  /* Debian's python3, which has python3-openpyxl (scripts/deps.sh --test),
   * rather than whatever python3 comes first on PATH; L6_PYTHON overrides. */
  if (py == NULL || *py == '\0') py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s '%s/tests/aef_xlsx.py' '%s' '%s' >&2", py, src ? src : ".", json_path, xlsx_path);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The AEF workbook (?format=xlsx and `ledger6 report aef --format xlsx`),
 * read back by openpyxl and compared cell by cell with the JSON report;
 * CSV one table per file; the refusals of the format parameters. */
static void test_aef_workbook(void **state) {
  (void)state;
  char path[160], year[8];
  const char *parties[2] = {"CHE", "THA"};
  int years[2] = {2025, W.now};
  const char *json_of[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "/v1/a6/aef/%s?year=%d", parties[i], years[i]);
    tl_resp j = tl_http_req(S, "GET", path, NULL, NULL, NULL);
    tl_assert_status(&j, 200);
    char name[32];
    snprintf(name, sizeof name, "aef-%s.json", parties[i]);
    json_of[i] = save(i, name, j.raw, strlen(j.raw));
    assert_true(json_array_size(json_object_get(j.body, "actions")) > 0);
    tl_resp_free(&j);
    snprintf(path, sizeof path, "/v1/a6/aef/%s?year=%d&format=xlsx", parties[i], years[i]);
    tl_resp x = tl_http_req(S, "GET", path, NULL, NULL, NULL);
    tl_assert_status(&x, 200);
    char ct[96];
    assert_true(tl_resp_header(&x, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_true(x.len > 1000 && memcmp(x.raw, "PK\3\4", 4) == 0); /* a zip container */
    snprintf(name, sizeof name, "aef-%s.xlsx", parties[i]);
    const char *xlsx = save(2, name, x.raw, x.len);
    tl_resp_free(&x);
    assert_int_equal(aef_checker(json_of[i], xlsx), 0);
  }
  /* The checks run before the export, all passed, each by its stable code. */
  json_t *ck = MUST("GET", "/v1/a6/aef/CHE/checks?year=2025", NULL, NULL, 200);
  assert_true(json_is_true(json_object_get(ck, "consistent")));
  json_t *list = json_object_get(ck, "checks");
  assert_int_equal(json_array_size(list), 13);
  assert_string_equal(tl_jstr(json_array_get(list, 0), "code"), "identifier_format");
  assert_string_equal(tl_jstr(json_array_get(list, 12), "code"), "oimp_cancellation_without_ca");
  for (size_t i = 0; i < json_array_size(list); i++) {
    assert_true(json_is_true(json_object_get(json_array_get(list, i), "passed")));
    assert_int_equal(json_array_size(json_object_get(json_array_get(list, i), "findings")), 0);
  }
  json_decref(ck);
  /* The checker can fail: THA's report against CHE's workbook. */
  char che_xlsx[600];
  snprintf(che_xlsx, sizeof che_xlsx, "%s/aef-CHE.xlsx", W.srv.dir);
  assert_int_equal(aef_checker(json_of[1], che_xlsx), 1);
  /* The command line writes the same workbook. */
  char out[600];
  snprintf(out, sizeof out, "%s/cli.xlsx", W.srv.dir);
  snprintf(year, sizeof year, "%d", years[0]);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "CHE", "--year", year, "--format", "xlsx", "--out",
                              out, (char *)NULL),
                   0);
  assert_int_equal(aef_checker(json_of[0], out), 0);
  /* CSV: one table per file, each with its header; the first line of every table. */
  static const char *const first[][2] = {
      {"submission", "Party,Version,Reported year,Date of submission,"},
      {"authorizations", "Authorization ID,Date of authorization,Cooperative approach ID,Version of the authorization,"
                         "Authorized quantity,"},
      {"actions", "Action date,Action type,"},
      {"holdings", "Cooperative approach ID,Authorization ID,First transferring participating Party ID,"},
      {"authorized_entities", "Date of the authorization,Name,Country of incorporation,Identification number,"
                              "Cooperative approach ID,Conditions,Change and revocation conditions,"
                              "Additional explanatory information\r\n"},
  };
  for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) {
    snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv&table=%s", W.now, first[i][0]);
    tl_resp r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
    tl_assert_status(&r, 200);
    assert_true(strncmp(r.raw, first[i][1], strlen(first[i][1])) == 0);
    assert_null(strstr(r.raw, "# ")); /* no comment lines any more */
    tl_resp_free(&r);
  }
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv&table=submission", W.now);
  tl_resp r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  char want[200];
  snprintf(want, sizeof want,
           "\r\nTHA,1.0,%d,,{Information in this field is populated by the CARP},{Information in this field is "
           "populated by the CARP},2021,2030,{Link to be produced by the CARP}\r\n",
           W.now);
  assert_non_null(strstr(r.raw, want));
  tl_resp_free(&r);
  /* Refusals: csv without or with an unknown table, a table without csv, another format. */
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv", W.now);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv&table=ledger", W.now);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=xlsx&table=actions", W.now);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=ods", W.now);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  /* The command line: --format csv needs --table; --out goes with an export. */
  snprintf(year, sizeof year, "%d", W.now);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "THA", "--year", year, "--format", "csv", (char *)NULL), 2);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "THA", "--year", year, "--out", out, (char *)NULL), 2);
  char text[4096];
  assert_int_equal(tl_run_cli(S, text, sizeof text, "report", "aef", "--party", "THA", "--year", year, "--format", "csv",
                              "--table", "holdings", (char *)NULL),
                   0);
  assert_true(strncmp(text, "Cooperative approach ID,", 24) == 0);
}

/* The reviewer (issue 18 item 6): a technical expert reviewer of one
 * Party reads that Party's books and the public reports, nothing of
 * another Party's books, and writes nothing. */
static void test_reviewer(void **state) {
  (void)state;
  char *rev_tha = tl_mk_token(S, "reviewer", tl_mk_org(S, "THA01", "TER team (THA)"));
  char *rev_che = tl_mk_token(S, "reviewer", tl_mk_org(S, "CHE01", "TER team (CHE)"));
  /* Its Party's books. */
  json_t *b = MUST("GET", "/v1/a6/balances/THA", rev_tha, NULL, 200);
  assert_string_equal(tl_jstr(json_object_get(b, "ndc"), "party"), "THA");
  json_decref(b);
  json_decref(MUST("GET", "/v1/a6/whatif/THA", rev_tha, NULL, 200));
  /* The ITMO ranges its Party hosts: all of THA's; CHE hosts none. */
  json_t *all = MUST("GET", "/v1/a6/itmos", W.tok_aud, NULL, 200);
  json_t *mine = MUST("GET", "/v1/a6/itmos", rev_tha, NULL, 200);
  json_t *none = MUST("GET", "/v1/a6/itmos", rev_che, NULL, 200);
  assert_true(json_array_size(json_object_get(all, "items")) > 0);
  assert_int_equal(json_array_size(json_object_get(mine, "items")), json_array_size(json_object_get(all, "items")));
  assert_int_equal(json_array_size(json_object_get(none, "items")), 0);
  json_decref(none);
  json_decref(mine);
  /* Another Party's books: no. */
  REFUSED(403, "forbidden", "GET", "/v1/a6/balances/CHE", rev_tha, NULL);
  REFUSED(403, "forbidden", "GET", "/v1/a6/whatif/CHE", rev_tha, NULL);
  /* The public reports, with their checks. */
  json_decref(MUST("GET", "/v1/a6/aef/THA/checks?year=2025", rev_tha, NULL, 200));
  /* The ledger is not its to read; and it writes nothing, on its own Party's
   * books either (the role table of test_api.c covers every write route). */
  REFUSED(403, "forbidden", "GET", "/v1/accounts", rev_tha, NULL);
  REFUSED(403, "forbidden", "PUT", "/v1/a6/ndcs/THA", rev_tha,
          ndc_body("single-year", "averaging", 333000000, 2021, 1, 2022, 2));
  REFUSED(403, "forbidden", "POST", "/v1/a6/authorizations", rev_tha,
          json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:s, s:i, s:i}", "party", "THA", "approach", "CA0001",
                    "project", "THA.EBUS.03", "vintage_from", 2024, "vintage_to", 2024, "quantity", 10, "purposes", "NDC",
                    "first_transfer_event", "use", "year_from", 2024, "year_to", 2030));
  REFUSED(403, "forbidden", "POST", "/v1/a6/uses", rev_che, use_body(W.a_klik, ID("000000001"), ID("000000010"), "CHE", 2026));
  json_t *after = MUST("GET", "/v1/a6/itmos", W.tok_aud, NULL, 200);
  assert_true(json_equal(json_object_get(after, "items"), json_object_get(all, "items"))); /* nothing changed */
  json_decref(after);
  json_decref(all);
  /* A reviewer token belongs to an organisation of the reviewed Party's registry. */
  tl_resp r = tl_http_reqj(S, "POST", "/v1/tokens", S->admin, json_pack("{s:s}", "role", "reviewer"), NULL);
  assert_error(&r, 400, "missing_field");
  tl_resp_free(&r);
  free(rev_tha);
  free(rev_che);
}

/* Authorization amendments (issue 18 item 4): a change does not affect
 * ITMOs already first transferred. THA authorizes 100 ITMOs of
 * THA.EBUS.04 for use towards CHE's NDC; 50 are first transferred to CHE;
 * then THA amends the authorization to OIMP only. The 50 keep the NDC
 * purpose (CHE uses them), the other 50 take the amendment (their use
 * towards an NDC is refused once they reach CHE). */
static void test_amendment(void **state) {
  (void)state;
  char today[11], path[96];
  today_utc(today);
  tl_mk_project(S, "THA.EBUS.04", "A6.2", "THA");
  int64_t a_src = tl_mk_account(S, "THA01", W.org_ebus, "holding", "e-bus 4");
  int64_t a_dst = tl_mk_account(S, "CHE01", W.org_klik, "holding", "KliK 4");
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.04", "ITMO", 2024, 100, a_src));
  json_t *b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:s, s:[s], s:i, s:i}", "party", "THA", "approach",
                             "CA0007", "project", "THA.EBUS.04", "vintage_from", 2024, "vintage_to", 2024, "quantity", 100,
                             "purposes", "NDC", "first_transfer_event", "use", "authorized_parties", "CHE", "year_from",
                             2021, "year_to", 2030),
                   201);
  int64_t id = tl_jint(b, "id");
  assert_int_equal(tl_jint(b, "version"), 1);
  json_decref(b);
#define ID7(n) "CA0007-THA01-THA-" n "-2024"
  /* 50 first transferred to CHE (the lowest serials: 1-50). */
  json_decref(MUST("POST", "/v1/transfers", S->admin,
                   json_pack("{s:I, s:I, s:s, s:i, s:i}", "from_account", (json_int_t)a_src, "to_account", (json_int_t)a_dst,
                             "unit_type", "ITMO", "vintage", 2024, "quantity", 50),
                   201));
  /* The amendment: OIMP only, from today. */
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/amendments", (long long)id);
  b = MUST("POST", path, W.tok_tgo,
           json_pack("{s:{s:[s]}, s:s, s:s}", "changes", "purposes", "OIMP", "effective_from", today, "reason",
                     "the NDC use is withdrawn"),
           201);
  assert_int_equal(tl_jint(b, "version"), 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(b, "purposes"), 0)), "OIMP");
  json_t *am = json_object_get(b, "amendment");
  assert_int_equal(tl_jint(am, "replaced_version"), 1);
  assert_int_equal(tl_jint(am, "itmos_kept"), 50);    /* first transferred: the old terms */
  assert_int_equal(tl_jint(am, "itmos_touched"), 50); /* not yet: the new ones */
  assert_string_equal(tl_jstr(am, "effective_from"), today);
  json_decref(b);
  /* The history. */
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/versions", (long long)id);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_int_equal(tl_jint(b, "version"), 2);
  json_t *v1 = json_array_get(json_object_get(b, "amendments"), 0);
  assert_int_equal(json_array_size(json_object_get(b, "amendments")), 1);
  assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(v1, "terms"), "purposes"), 0)), "NDC");
  assert_int_equal(json_integer_value(json_array_get(json_array_get(json_object_get(v1, "kept"), 0), 1)), 1);
  assert_int_equal(json_integer_value(json_array_get(json_array_get(json_object_get(v1, "kept"), 0), 2)), 50);
  json_decref(b);
  /* The 50 first transferred before: used towards CHE's NDC, as authorized then. */
  b = MUST("POST", "/v1/a6/uses", W.tok_klik, use_body(a_dst, ID7("000000001"), ID7("000000050"), "CHE", 2026), 201);
  assert_int_equal(tl_jint(b, "quantity"), 50);
  json_decref(b);
  /* The other 50 reach CHE after the amendment: no NDC use for them. */
  json_decref(MUST("POST", "/v1/transfers", S->admin,
                   json_pack("{s:I, s:I, s:s, s:i, s:i}", "from_account", (json_int_t)a_src, "to_account", (json_int_t)a_dst,
                             "unit_type", "ITMO", "vintage", 2024, "quantity", 50),
                   201));
  REFUSED(422, "purpose_not_authorized", "POST", "/v1/a6/uses", W.tok_klik,
          use_body(a_dst, ID7("000000051"), ID7("000000060"), "CHE", 2026));
  /* Refused amendments change nothing. */
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/amendments", (long long)id);
  REFUSED(403, "not_host_authority", "POST", path, W.tok_foen,
          json_pack("{s:{s:i}, s:s}", "changes", "year_to", 2029, "effective_from", today));
  REFUSED(403, "forbidden", "POST", path, W.tok_klik, json_pack("{s:{s:i}, s:s}", "changes", "year_to", 2029, "effective_from", today));
  REFUSED(422, "invalid_quantity", "POST", path, W.tok_tgo,
          json_pack("{s:{s:i}, s:s}", "changes", "quantity", 99, "effective_from", today)); /* 100 ITMOs made */
  REFUSED(422, "invalid_value", "POST", path, W.tok_tgo,
          json_pack("{s:{s:s}, s:s}", "changes", "project", "THA.EBUS.01", "effective_from", today));
  REFUSED(422, "invalid_value", "POST", path, W.tok_tgo,
          json_pack("{s:{s:i}, s:s}", "changes", "year_to", 2029, "effective_from", "2026-02-30"));
  REFUSED(400, "missing_field", "POST", path, W.tok_tgo, json_pack("{s:s}", "effective_from", today));
  b = MUST("GET", "/v1/a6/authorizations/1", NULL, NULL, 200);
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/versions", (long long)id);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_int_equal(tl_jint(b, "version"), 2); /* unchanged */
  json_decref(b);
  /* CHE's books stay consistent: its use is checked against the terms kept. */
  b = MUST("GET", "/v1/a6/aef/CHE/checks?year=2026", NULL, NULL, 200);
  assert_true(json_is_true(json_object_get(b, "consistent")));
  json_decref(b);
  /* Table 2 has a row per version (issue 18): THA's AEF lists version 1
   * (NDC, as first authorized) and version 2 (OIMP, what changed, from
   * when), in JSON, in the workbook (read back by openpyxl, every cell
   * compared) and in the CSV table. */
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d", W.now);
  tl_resp j = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&j, 200);
  const char *json_path = save(0, "aef-amended.json", j.raw, strlen(j.raw));
  int seen = 0;
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(j.body, "authorization_versions"), i, v) {
    if (tl_jint(v, "authorization") != id) continue;
    const json_t *t = json_object_get(v, "terms");
    const char *purpose = json_string_value(json_array_get(json_object_get(t, "purposes"), 0));
    if (tl_jint(v, "version") == 1) {
      assert_string_equal(purpose, "NDC");
      assert_true(json_is_null(json_object_get(v, "changes")));
      seen |= 1;
    } else {
      assert_int_equal(tl_jint(v, "version"), 2);
      assert_string_equal(purpose, "OIMP");
      assert_string_equal(tl_jstr(v, "effective_from"), today);
      assert_non_null(json_object_get(json_object_get(v, "changes"), "purposes"));
      seen |= 2;
    }
  }
  assert_int_equal(seen, 3);
  tl_resp_free(&j);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=xlsx", W.now);
  tl_resp x = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&x, 200);
  const char *xlsx = save(2, "aef-amended.xlsx", x.raw, x.len);
  tl_resp_free(&x);
  assert_int_equal(aef_checker(json_path, xlsx), 0);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv&table=authorizations", W.now);
  tl_resp c = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&c, 200);
  char line[160];
  snprintf(line, sizeof line, "\r\n%lld,", (long long)id);
  const char *p1 = strstr(c.raw, line);
  assert_non_null(p1);
  assert_non_null(strstr(p1 + 1, line)); /* two rows of this authorization */
  snprintf(line, sizeof line, "amended from %s: purposes; the NDC use is withdrawn", today);
  assert_non_null(strstr(c.raw, line));
  tl_resp_free(&c);
#undef ID7
}

/* Issue 18 item 4: a project participant asks for an authorization; only
 * the host's authority decides; an approval makes the authorization by the
 * ordinary path (the units already issued become ITMOs), a rejection keeps
 * its reasons; a decided request stays decided; refusals change nothing. */
static json_t *req_body(const char *project, int64_t quantity) {
  return json_pack("{s:s, s:s, s:i, s:i, s:I, s:[s, s], s:[s], s:i, s:i, s:s}", "approach", "CA0009", "project", project,
                   "vintage_from", 2024, "vintage_to", 2024, "quantity", (json_int_t)quantity, "purposes", "NDC", "OIMP",
                   "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030, "note", "e-bus fleet, phase 2");
}

/* Every request as admin sees them, as one text (to prove a refusal changed nothing). */
static char *requests_text(void) {
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/authorization-requests", S->admin, NULL, NULL);
  tl_assert_status(&r, 200);
  char *t = strdup(r.raw);
  tl_resp_free(&r);
  return t;
}

static void req_refused_at(long status, const char *code, const char *method, const char *path, const char *tok,
                           json_t *body, const char *file, int line) {
  char *before = requests_text();
  refused_at(status, code, method, path, tok, body, file, line);
  char *after = requests_text();
  if (strcmp(before, after) != 0) fail_msg("%s:%d: %s %s changed the requests", file, line, method, path);
  free(before);
  free(after);
}
#define REQ_REFUSED(st, code, m, p, tok, body) req_refused_at((st), (code), (m), (p), (tok), (body), __FILE__, __LINE__)

static size_t list_size(const char *path, const char *tok) {
  json_t *b = MUST("GET", path, tok, NULL, 200);
  size_t n = json_array_size(json_object_get(b, "items"));
  json_decref(b);
  return n;
}

static void test_requests(void **state) {
  (void)state;
  char path[96];
  tl_mk_project(S, "THA.EBUS.06", "A6.2", "THA");
  int64_t a_src = tl_mk_account(S, "THA01", W.org_ebus, "holding", "e-bus 6");
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.06", "ITMO", 2024, 300, a_src));
  /* Not a participant, not a holder, or bad terms: refused. */
  REQ_REFUSED(403, "not_project_participant", "POST", "/v1/a6/authorization-requests", W.tok_klik,
              req_body("THA.EBUS.06", 200));
  REQ_REFUSED(403, "forbidden", "POST", "/v1/a6/authorization-requests", W.tok_tgo, req_body("THA.EBUS.06", 200));
  REQ_REFUSED(401, "unauthorized", "POST", "/v1/a6/authorization-requests", NULL, req_body("THA.EBUS.06", 200));
  REQ_REFUSED(422, "invalid_quantity", "POST", "/v1/a6/authorization-requests", W.tok_ebus, req_body("THA.EBUS.06", 0));
  REQ_REFUSED(404, "unknown_project", "POST", "/v1/a6/authorization-requests", W.tok_ebus, req_body("THA.NONE.01", 5));
  json_t *bad = req_body("THA.EBUS.06", 5);
  json_object_set_new(bad, "party", json_string("CHE")); /* the host is the project's: no party field */
  REQ_REFUSED(400, "unknown_field", "POST", "/v1/a6/authorization-requests", W.tok_ebus, bad);
  /* The participant asks. */
  json_t *b = MUST("POST", "/v1/a6/authorization-requests", W.tok_ebus, req_body("THA.EBUS.06", 200), 201);
  int64_t id = tl_jint(b, "id");
  assert_string_equal(tl_jstr(b, "state"), "pending");
  assert_string_equal(tl_jstr(b, "party"), "THA");
  assert_int_equal(tl_jint(json_object_get(b, "requested_by"), "organisation"), W.org_ebus);
  assert_true(json_is_null(json_object_get(b, "authorization")));
  json_decref(b);
  /* Listed for THA's authority, not for CHE's; the requester sees its own. */
  assert_int_equal(list_size("/v1/a6/authorization-requests?party=THA", W.tok_tgo), 1);
  assert_int_equal(list_size("/v1/a6/authorization-requests", W.tok_foen), 0);
  assert_int_equal(list_size("/v1/a6/authorization-requests", W.tok_ebus), 1);
  assert_int_equal(list_size("/v1/a6/authorization-requests", W.tok_klik), 0);
  REFUSED(403, "forbidden", "GET", "/v1/a6/authorization-requests?party=THA", W.tok_foen, NULL);
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld", (long long)id);
  REFUSED(403, "forbidden", "GET", path, W.tok_klik, NULL);
  REFUSED(404, "unknown_authorization_request", "GET", "/v1/a6/authorization-requests/999", W.tok_tgo, NULL);
  /* Only THA's authority decides; a rejection needs reasons. */
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/approve", (long long)id);
  REQ_REFUSED(403, "not_host_authority", "POST", path, W.tok_foen, json_object());
  REQ_REFUSED(403, "forbidden", "POST", path, W.tok_ebus, json_object());
  REQ_REFUSED(404, "unknown_authorization_request", "POST", "/v1/a6/authorization-requests/999/approve", W.tok_tgo,
              json_object());
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/reject", (long long)id);
  REQ_REFUSED(400, "missing_field", "POST", path, W.tok_tgo, json_object());
  /* Approved: the authorization is made with the terms asked, its 200 ITMOs
   * out of the 300 units issued, and linked. */
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/approve", (long long)id);
  b = MUST("POST", path, W.tok_tgo, json_object(), 201);
  assert_string_equal(tl_jstr(b, "state"), "approved");
  int64_t auth = tl_jint(b, "authorization");
  assert_true(auth > 0);
  assert_non_null(tl_jstr(b, "decided_at"));
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld", (long long)auth);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_string_equal(tl_jstr(b, "party"), "THA");
  assert_string_equal(tl_jstr(b, "project"), "THA.EBUS.06");
  assert_string_equal(tl_jstr(b, "approach"), "CA0009");
  assert_int_equal(tl_jint(b, "quantity"), 200);
  assert_int_equal(tl_jint(b, "assigned"), 200);
  assert_int_equal(json_array_size(json_object_get(b, "purposes")), 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(b, "authorized_parties"), 0)), "CHE");
  json_decref(b);
  /* Decided once: a second approval or a rejection is refused, nothing made. */
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/approve", (long long)id);
  REQ_REFUSED(409, "request_decided", "POST", path, W.tok_tgo, json_object());
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/reject", (long long)id);
  REQ_REFUSED(409, "request_decided", "POST", path, W.tok_tgo, json_pack("{s:s}", "reasons", "too late"));
  /* A second request, rejected with reasons; no authorization made. */
  b = MUST("GET", "/v1/a6/authorizations?party=THA", NULL, NULL, 200);
  size_t nauth = json_array_size(json_object_get(b, "items"));
  json_decref(b);
  b = MUST("POST", "/v1/a6/authorization-requests", W.tok_ebus, req_body("THA.EBUS.06", 100), 201);
  id = tl_jint(b, "id");
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/reject", (long long)id);
  b = MUST("POST", path, W.tok_tgo, json_pack("{s:s}", "reasons", "the approach covers 200 t of this project"), 201);
  assert_string_equal(tl_jstr(b, "state"), "rejected");
  assert_string_equal(tl_jstr(b, "reasons"), "the approach covers 200 t of this project");
  assert_true(json_is_null(json_object_get(b, "authorization")));
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorization-requests/%lld/approve", (long long)id);
  REQ_REFUSED(409, "request_decided", "POST", path, W.tok_tgo, json_object());
  b = MUST("GET", "/v1/a6/authorizations?party=THA", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "items")), nauth);
  json_decref(b);
}

/* Issue 18 item 4: the letter's hash. Recorded when an authorization is
 * made and at each amendment, shown in its GET, recomputed by GET
 * .../letter and by `ledger6 verify --store`; a change of the stored terms
 * behind the registry's back is caught by both. */
static void sql_on_store(const char *sql) { assert_int_equal(tl_store_exec(S->spec, sql), 0); }

static void test_letter(void **state) {
  (void)state;
  char path[96], lpath[96], today[11], out[2048];
  today_utc(today);
  tl_mk_project(S, "THA.EBUS.07", "A6.2", "THA");
  json_t *b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach",
                             "CA0011", "project", "THA.EBUS.07", "vintage_from", 2024, "vintage_to", 2025, "quantity", 70,
                             "purposes", "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
                   201);
  int64_t id = tl_jint(b, "id");
  char h1[65];
  snprintf(h1, sizeof h1, "%s", tl_jstr(b, "letter_sha256"));
  assert_int_equal(strlen(h1), 64);
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld", (long long)id);
  snprintf(lpath, sizeof lpath, "/v1/a6/authorizations/%lld/letter", (long long)id);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_string_equal(tl_jstr(b, "letter_sha256"), h1);
  json_decref(b);
  /* The letter: canonical text of the terms, its hash = the one recorded. */
  b = MUST("GET", lpath, NULL, NULL, 200);
  assert_string_equal(tl_jstr(b, "sha256"), h1);
  assert_string_equal(tl_jstr(b, "recorded_sha256"), h1);
  assert_true(json_is_true(json_object_get(b, "matches")));
  const char *text = tl_jstr(b, "text");
  assert_int_equal(strncmp(text, "ledger6 letter of authorization v1\n", 35), 0);
  assert_non_null(strstr(text, "\nquantity 70\n"));
  assert_non_null(strstr(text, "\nproject 11:THA.EBUS.07\n"));
  assert_non_null(strstr(text, "\nauthorized_parties 3:CHE\n"));
  /* Anyone recomputes it from the text. */
  unsigned char dig[32];
  char hex[65];
  crypto_hash_sha256(dig, (const unsigned char *)text, strlen(text));
  sodium_bin2hex(hex, sizeof hex, dig, sizeof dig);
  assert_string_equal(hex, h1);
  json_decref(b);
  /* An amendment records the hash of the new terms. */
  snprintf(out, sizeof out, "/v1/a6/authorizations/%lld/amendments", (long long)id);
  b = MUST("POST", out, W.tok_tgo, json_pack("{s:{s:i}, s:s}", "changes", "quantity", 60, "effective_from", today), 201);
  char h2[65];
  snprintf(h2, sizeof h2, "%s", tl_jstr(b, "letter_sha256"));
  assert_int_equal(strlen(h2), 64);
  assert_string_not_equal(h1, h2);
  json_decref(b);
  b = MUST("GET", lpath, NULL, NULL, 200);
  assert_true(json_is_true(json_object_get(b, "matches")));
  assert_non_null(strstr(tl_jstr(b, "text"), "\nquantity 60\n"));
  assert_non_null(strstr(tl_jstr(b, "text"), "\nversion 2\n"));
  json_decref(b);
  /* The auditor's check of the whole store passes. */
  int rc = tl_run_cli(S, out, sizeof out, "verify", "--store", NULL);
  if (rc != 0) fail_msg("verify --store exited %d: %s", rc, out);
  assert_non_null(strstr(out, "letters of authorization match"));
  /* The stored quantity changed behind the registry's back: caught. */
  snprintf(out, sizeof out, "UPDATE a6_authorizations SET quantity = 6000 WHERE id = %lld", (long long)id);
  sql_on_store(out);
  b = MUST("GET", lpath, NULL, NULL, 200);
  assert_true(json_is_false(json_object_get(b, "matches")));
  assert_string_equal(tl_jstr(b, "recorded_sha256"), h2);
  assert_string_not_equal(tl_jstr(b, "sha256"), h2);
  json_decref(b);
  rc = tl_run_cli(S, out, sizeof out, "verify", "--store", NULL);
  assert_int_equal(rc, 1);
  char want[96];
  snprintf(want, sizeof want, "authorization %lld: its stored terms no longer match", (long long)id);
  if (strstr(out, want) == NULL) fail_msg("verify said: %s", out);
  /* Put back: it matches again. */
  snprintf(out, sizeof out, "UPDATE a6_authorizations SET quantity = 60 WHERE id = %lld", (long long)id);
  sql_on_store(out);
  rc = tl_run_cli(S, out, sizeof out, "verify", "--store", NULL);
  if (rc != 0) fail_msg("verify --store exited %d: %s", rc, out);
}

/* Issue 18 item 4: the letter's hash in the transparency log. Each version
 * of an authorization (made, amended, revoked) is a letter leaf whose entry
 * commits to (authorization, version, letter SHA-256, time); GET .../letter
 * names it, GET /v1/log/proof/inclusion proves it against a signed tree head
 * of the registry's key, and verify --store checks every version's leaf
 * against the hash the store keeps for it. */
static void hex32(const char *hex, uint8_t out[32]) {
  size_t n = 0;
  assert_int_equal(sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL), 0);
  assert_int_equal(n, 32);
}

/* The letter leaf of the current version: its entry hashes to its leaf
 * hash, names the letter's hash, and its inclusion proof leads to a tree
 * head the registry's key signed. Returns the leaf index. */
static int64_t check_letter_leaf(const char *lpath, int64_t id, int version, const char *sha) {
  json_t *b = MUST("GET", lpath, NULL, NULL, 200);
  json_t *leaf = json_object_get(b, "leaf");
  assert_true(json_is_object(leaf));
  int64_t index = tl_jint(leaf, "index");
  const char *entry = tl_jstr(leaf, "entry");
  char want[512];
  snprintf(want, sizeof want, "ledger6 letter leaf v1\nauthorization %lld\nversion %d\nletter_sha256 64:%s\ntimestamp 24:",
           (long long)id, version, sha);
  if (strncmp(entry, want, strlen(want)) != 0) fail_msg("letter leaf entry: %s", entry);
  uint8_t lh[32], got[32];
  merkle_leaf_hash(entry, strlen(entry), lh);
  hex32(tl_jstr(leaf, "hash"), got);
  assert_memory_equal(lh, got, 32);
  json_t *ls = json_object_get(b, "leaves");
  assert_int_equal(json_array_size(ls), (size_t)version);
  json_t *last = json_array_get(ls, (size_t)version - 1);
  assert_int_equal(tl_jint(last, "index"), index);
  assert_string_equal(tl_jstr(last, "letter_sha256"), sha);
  json_decref(b);
  /* The proof, against the latest signed head. */
  char path[96];
  snprintf(path, sizeof path, "/v1/log/proof/inclusion?index=%lld", (long long)index);
  b = MUST("GET", path, NULL, NULL, 200);
  assert_true(json_is_null(json_object_get(b, "transaction")));
  json_t *head = json_object_get(b, "tree_head"), *hs = json_object_get(b, "hashes");
  int64_t size = tl_jint(head, "tree_size");
  uint8_t(*proof)[32] = calloc(json_array_size(hs) + 1, 32), root[32], sig[64], pk[32];
  for (size_t i = 0; i < json_array_size(hs); i++) hex32(json_string_value(json_array_get(hs, i)), proof[i]);
  hex32(tl_jstr(head, "root_hash"), root);
  assert_true(merkle_verify_inclusion(index, size, lh, (const uint8_t(*)[32])proof, json_array_size(hs), root));
  lh[0] ^= 1; /* another entry does not verify */
  assert_false(merkle_verify_inclusion(index, size, lh, (const uint8_t(*)[32])proof, json_array_size(hs), root));
  free(proof);
  size_t n = 0;
  assert_int_equal(sodium_hex2bin(sig, 64, tl_jstr(head, "signature"), 128, NULL, &n, NULL), 0);
  json_t *keys = MUST("GET", "/v1/keys", NULL, NULL, 200);
  bool signed_ok = false;
  for (size_t i = 0; i < json_array_size(json_object_get(keys, "items")); i++) {
    json_t *k = json_array_get(json_object_get(keys, "items"), i);
    if (strcmp(tl_jstr(k, "key_id"), tl_jstr(head, "key_id")) != 0) continue;
    hex32(tl_jstr(k, "public_key"), pk);
    signed_ok = sth_verify(pk, size, tl_jint(head, "timestamp"), root, sig);
  }
  assert_true(signed_ok);
  json_decref(keys);
  json_decref(b);
  /* The public entry listing shows it as a letter leaf. */
  snprintf(path, sizeof path, "/v1/log/entries?start=%lld&end=%lld", (long long)index, (long long)index);
  b = MUST("GET", path, NULL, NULL, 200);
  json_t *it = json_array_get(json_object_get(b, "items"), 0);
  assert_string_equal(tl_jstr(it, "kind"), "letter");
  assert_int_equal(tl_jint(it, "authorization"), id);
  assert_int_equal(tl_jint(it, "version"), version);
  assert_int_equal(strncmp(tl_jstr(it, "entry"), want, strlen(want)), 0);
  json_decref(b);
  return index;
}

static void verify_fails_with(const char *want) {
  char out[2048];
  int rc = tl_run_cli(S, out, sizeof out, "verify", "--store", NULL);
  assert_int_equal(rc, 1);
  if (strstr(out, want) == NULL) fail_msg("verify said: %s (wanted %s)", out, want);
}

static void verify_passes(void) {
  char out[2048];
  int rc = tl_run_cli(S, out, sizeof out, "verify", "--store", NULL);
  if (rc != 0) fail_msg("verify --store exited %d: %s", rc, out);
  assert_non_null(strstr(out, "letter leaves"));
}

static void test_letter_leaf(void **state) {
  (void)state;
  char path[96], lpath[96], today[11], sql[1024], want[160];
  today_utc(today);
  tl_mk_project(S, "THA.LEAF.01", "A6.2", "THA");
  json_t *b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach",
                             "CA0012", "project", "THA.LEAF.01", "vintage_from", 2024, "vintage_to", 2025, "quantity", 40,
                             "purposes", "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
                   201);
  int64_t id = tl_jint(b, "id");
  char h1[65], h2[65], h3[65];
  snprintf(h1, sizeof h1, "%s", tl_jstr(b, "letter_sha256"));
  json_decref(b);
  snprintf(lpath, sizeof lpath, "/v1/a6/authorizations/%lld/letter", (long long)id);
  int64_t l1 = check_letter_leaf(lpath, id, 1, h1);
  /* Amended: version 2 has its own leaf; version 1's stays. */
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/amendments", (long long)id);
  b = MUST("POST", path, W.tok_tgo, json_pack("{s:{s:i}, s:s}", "changes", "quantity", 30, "effective_from", today), 201);
  snprintf(h2, sizeof h2, "%s", tl_jstr(b, "letter_sha256"));
  json_decref(b);
  int64_t l2 = check_letter_leaf(lpath, id, 2, h2);
  assert_true(l2 > l1);
  /* Revoked: version 3. */
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)id);
  b = MUST("POST", path, W.tok_tgo, json_object(), 201);
  snprintf(h3, sizeof h3, "%s", tl_jstr(b, "letter_sha256"));
  json_decref(b);
  int64_t l3 = check_letter_leaf(lpath, id, 3, h3);
  assert_true(l3 > l2);
  b = MUST("GET", lpath, NULL, NULL, 200);
  json_t *ls = json_object_get(b, "leaves");
  assert_string_equal(tl_jstr(json_array_get(ls, 0), "letter_sha256"), h1);
  assert_string_equal(tl_jstr(json_array_get(ls, 1), "letter_sha256"), h2);
  json_decref(b);
  /* A revocation with no amendment before it: version 1's leaf is checked
   * against the terms the revocation replaced. */
  tl_mk_project(S, "THA.LEAF.02", "A6.2", "THA");
  b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
           json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach", "CA0012",
                     "project", "THA.LEAF.02", "vintage_from", 2024, "vintage_to", 2024, "quantity", 10, "purposes",
                     "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
           201);
  int64_t id2 = tl_jint(b, "id");
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)id2);
  json_decref(MUST("POST", path, W.tok_tgo, json_object(), 201));
  verify_passes();

  /* Terms and the recorded hash rewritten together, consistently: the
   * recorded hash agrees with the terms, only the leaf catches it. */
  snprintf(sql, sizeof sql, "UPDATE a6_authorizations SET quantity = 3000 WHERE id = %lld", (long long)id);
  sql_on_store(sql);
  b = MUST("GET", lpath, NULL, NULL, 200);
  char forged[65];
  snprintf(forged, sizeof forged, "%s", tl_jstr(b, "sha256"));
  json_decref(b);
  snprintf(sql, sizeof sql, "UPDATE a6_authorizations SET letter_sha256 = '%s' WHERE id = %lld", forged, (long long)id);
  sql_on_store(sql);
  b = MUST("GET", lpath, NULL, NULL, 200);
  assert_true(json_is_true(json_object_get(b, "matches"))); /* the old check alone is fooled */
  json_decref(b);
  /* (version 2, the one the revocation replaced, is checked against the
   * terms recomputed, so it is the first to disagree; version 3 too) */
  snprintf(want, sizeof want, "authorization %lld, version 2: its letter leaf (leaf %lld) commits to", (long long)id,
           (long long)l2);
  verify_fails_with(want);
  snprintf(sql, sizeof sql, "UPDATE a6_authorizations SET quantity = 30, letter_sha256 = '%s' WHERE id = %lld", h3,
           (long long)id);
  sql_on_store(sql);
  verify_passes();
  /* The hash an amendment record kept for version 1. */
  snprintf(sql, sizeof sql, "UPDATE a6_auth_versions SET body = replace(body, '%s', '%s') WHERE auth = %lld", h1, h2,
           (long long)id);
  sql_on_store(sql);
  snprintf(want, sizeof want, "authorization %lld, version 1: its letter leaf (leaf %lld) commits to", (long long)id,
           (long long)l1);
  verify_fails_with(want);
  snprintf(sql, sizeof sql, "UPDATE a6_auth_versions SET body = replace(body, '%s', '%s') WHERE auth = %lld", h2, h1,
           (long long)id);
  sql_on_store(sql);
  /* The replaced version's terms of the revoked-only authorization. */
  snprintf(sql, sizeof sql, "UPDATE a6_authorizations SET quantity = 11 WHERE id = %lld", (long long)id2);
  sql_on_store(sql);
  snprintf(want, sizeof want, "authorization %lld: its stored terms no longer match", (long long)id2);
  verify_fails_with(want);
  snprintf(sql, sizeof sql, "UPDATE a6_authorizations SET quantity = 10 WHERE id = %lld", (long long)id2);
  sql_on_store(sql);
  verify_passes();
  /* The leaf row itself: its entry no longer hashes to the logged leaf. */
  snprintf(sql, sizeof sql, "UPDATE log_letters SET sha256 = '%s' WHERE idx = %lld", h1, (long long)l2);
  sql_on_store(sql);
  snprintf(want, sizeof want, "leaf %lld (letter of authorization %lld, version 2): the stored letter leaf no longer",
           (long long)l2, (long long)id);
  verify_fails_with(want);
  snprintf(sql, sizeof sql, "UPDATE log_letters SET sha256 = '%s' WHERE idx = %lld", h2, (long long)l2);
  sql_on_store(sql);
  verify_passes();
}

/* Issue 18: a revocation with no amendment before it. Table 2 lists the
 * version the revocation replaced too: version 1 as authorized (no
 * changes, its date), then version 2 revoked (changes {"revoked": true},
 * from the revocation's day), in JSON, in the workbook (openpyxl, every
 * cell compared) and in the CSV table. An amended then revoked
 * authorization lists all three versions. */
static void test_revoked_versions(void **state) {
  (void)state;
  char today[11], path[96];
  today_utc(today);
  tl_mk_project(S, "THA.REVK.01", "A6.2", "THA");
  json_t *b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach",
                             "CA0013", "project", "THA.REVK.01", "vintage_from", 2024, "vintage_to", 2024, "quantity", 25,
                             "purposes", "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
                   201);
  int64_t id = tl_jint(b, "id");
  char h1[65];
  snprintf(h1, sizeof h1, "%s", tl_jstr(b, "letter_sha256"));
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)id);
  json_decref(MUST("POST", path, W.tok_tgo, json_object(), 201));
  /* And one amended, then revoked: versions 1, 2 and 3. */
  tl_mk_project(S, "THA.REVK.02", "A6.2", "THA");
  b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
           json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach", "CA0013",
                     "project", "THA.REVK.02", "vintage_from", 2024, "vintage_to", 2024, "quantity", 25, "purposes", "NDC",
                     "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
           201);
  int64_t id3 = tl_jint(b, "id");
  json_decref(b);
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/amendments", (long long)id3);
  json_decref(MUST("POST", path, W.tok_tgo, json_pack("{s:{s:i}, s:s}", "changes", "quantity", 20, "effective_from", today), 201));
  snprintf(path, sizeof path, "/v1/a6/authorizations/%lld/revoke", (long long)id3);
  json_decref(MUST("POST", path, W.tok_tgo, json_object(), 201));

  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d", W.now);
  tl_resp j = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&j, 200);
  const char *json_path = save(0, "aef-revoked.json", j.raw, strlen(j.raw));
  int seen = 0, seen3 = 0;
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(j.body, "authorization_versions"), i, v) {
    const json_t *t = json_object_get(v, "terms");
    if (tl_jint(v, "authorization") == id3) {
      seen3 |= 1 << tl_jint(v, "version");
      if (tl_jint(v, "version") == 2) { /* the amended version the revocation replaced */
        assert_int_equal(tl_jint(t, "quantity"), 20);
        assert_true(json_is_false(json_object_get(t, "revoked")));
        assert_non_null(json_object_get(json_object_get(v, "changes"), "quantity"));
        assert_string_equal(tl_jstr(v, "date"), today);
      }
      continue;
    }
    if (tl_jint(v, "authorization") != id) continue;
    assert_int_equal(tl_jint(t, "quantity"), 25);
    if (tl_jint(v, "version") == 1) {
      assert_int_equal(seen, 0); /* oldest first */
      assert_true(json_is_false(json_object_get(t, "revoked")));
      assert_true(json_is_null(json_object_get(v, "changes")));
      assert_true(json_is_null(json_object_get(v, "effective_from")));
      assert_string_equal(tl_jstr(v, "date"), today);
      assert_string_equal(tl_jstr(t, "letter_sha256"), h1); /* the hash recorded when it was made */
      seen |= 1;
    } else {
      assert_int_equal(tl_jint(v, "version"), 2);
      assert_true(json_is_true(json_object_get(t, "revoked")));
      assert_true(json_is_true(json_object_get(json_object_get(v, "changes"), "revoked")));
      assert_string_equal(tl_jstr(v, "effective_from"), today);
      seen |= 2;
    }
  }
  assert_int_equal(seen, 3);
  assert_int_equal(seen3, 2 | 4 | 8);
  tl_resp_free(&j);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=xlsx", W.now);
  tl_resp x = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&x, 200);
  const char *xlsx = save(2, "aef-revoked.xlsx", x.raw, x.len);
  tl_resp_free(&x);
  assert_int_equal(aef_checker(json_path, xlsx), 0);
  snprintf(path, sizeof path, "/v1/a6/aef/THA?year=%d&format=csv&table=authorizations", W.now);
  tl_resp c = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&c, 200);
  char line[64];
  snprintf(line, sizeof line, "\r\n%lld,", (long long)id);
  const char *p1 = strstr(c.raw, line);
  assert_non_null(p1);
  const char *p2 = strstr(p1 + 1, line);
  assert_non_null(p2); /* two rows of this authorization */
  assert_null(strstr(p2 + 1, line));
  char row[1024];
  const char *eol = strstr(p2 + 2, "\r\n");
  snprintf(row, sizeof row, "%.*s", eol ? (int)(eol - p2) : (int)strlen(p2), p2);
  assert_non_null(strstr(row, "revoked")); /* the second says so */
  eol = strstr(p1 + 2, "\r\n");
  snprintf(row, sizeof row, "%.*s", (int)(eol - p1), p1);
  assert_null(strstr(row, "revoked"));
  tl_resp_free(&c);
}

/* Issue 18 item 5: loading past years. THA's authority records a first
 * transfer of 2024 (loaded now): the 2024 row of THA's AEF and balances
 * count it, the ITMOs say first transferred in 2024, the action's date is
 * the commit's (today). A holder may not set the year; a year after this
 * one or outside THA's NDC period is refused; refusals change nothing. */
static json_t *ft_body(int64_t acc, const char *first, const char *last, int year) {
  json_t *b = json_pack("{s:I, s:s, s:s}", "account", (json_int_t)acc, "first_id", first, "last_id", last);
  if (year) json_object_set_new(b, "effective_year", json_integer(year));
  return b;
}

static void test_history(void **state) {
  (void)state;
  char today[11];
  today_utc(today);
  tl_mk_project(S, "THA.EBUS.08", "A6.2", "THA");
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.08", "ITMO", 2024, 100, W.a_ebus));
  json_t *b = MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:[s], s:i, s:i}", "party", "THA", "approach",
                             "CA0012", "project", "THA.EBUS.08", "vintage_from", 2024, "vintage_to", 2024, "quantity", 100,
                             "purposes", "NDC", "authorized_parties", "CHE", "year_from", 2021, "year_to", 2030),
                   201);
  json_decref(b);
#define ID12(n) "CA0012-THA01-THA-" n "-2024"
  json_t *bal = MUST("GET", "/v1/a6/balances/THA", W.tok_tgo, NULL, 200);
  int64_t ft2024 = tl_jint(year_of(bal, 2024), "first_transferred");
  int64_t ftnow = tl_jint(year_of(bal, W.now), "first_transferred");
  json_decref(bal);
  /* Refused: a holder setting the year, a future year, a year before THA's NDC period, a use with it. */
  REFUSED(403, "forbidden", "POST", "/v1/a6/first-transfers", W.tok_ebus,
          ft_body(W.a_ebus, ID12("000000001"), ID12("000000040"), 2024));
  REFUSED(422, "effective_year_refused", "POST", "/v1/a6/first-transfers", W.tok_tgo,
          ft_body(W.a_ebus, ID12("000000001"), ID12("000000040"), W.now + 1));
  REFUSED(422, "effective_year_refused", "POST", "/v1/a6/first-transfers", W.tok_tgo,
          ft_body(W.a_ebus, ID12("000000001"), ID12("000000040"), 2020));
  REFUSED(400, "wrong_type", "POST", "/v1/a6/first-transfers", W.tok_tgo,
          json_pack("{s:I, s:s, s:s}", "account", (json_int_t)W.a_ebus, "first_id", ID12("000000001"), "effective_year", "2024"));
  json_t *ub = use_body(W.a_ebus, ID12("000000001"), ID12("000000040"), "CHE", 2024);
  json_object_set_new(ub, "effective_year", json_integer(2024));
  REFUSED(400, "unknown_field", "POST", "/v1/a6/uses", W.tok_tgo, ub);
  /* The 2024 first transfer, loaded now by THA's authority. */
  b = MUST("POST", "/v1/a6/first-transfers", W.tok_tgo, ft_body(W.a_ebus, ID12("000000001"), ID12("000000040"), 2024), 201);
  assert_int_equal(tl_jint(b, "quantity"), 40);
  assert_int_equal(tl_jint(json_array_get(json_object_get(b, "itmos"), 0), "first_transfer_year"), 2024);
  json_decref(b);
  /* Counted in 2024, not in this year. */
  bal = MUST("GET", "/v1/a6/balances/THA", W.tok_tgo, NULL, 200);
  assert_int_equal(tl_jint(year_of(bal, 2024), "first_transferred"), ft2024 + 40);
  if (W.now != 2024) assert_int_equal(tl_jint(year_of(bal, W.now), "first_transferred"), ftnow);
  json_decref(bal);
  /* The 2024 AEF: its actions table has the first transfer in year 2024,
   * dated by its commit (today), and its submission row counts it. */
  b = MUST("GET", "/v1/a6/aef/THA?year=2024", NULL, NULL, 200);
  json_t *x, *found = NULL;
  size_t i;
  json_array_foreach(json_object_get(b, "actions"), i, x) if (strcmp(tl_jstr(x, "first_id"), ID12("000000001")) == 0 &&
                                                              strcmp(tl_jstr(x, "action"), "First transfer") == 0) found = x;
  assert_non_null(found);
  assert_int_equal(tl_jint(found, "year"), 2024);
  assert_int_equal(tl_jint(found, "quantity"), 40);
  assert_string_equal(tl_jstr(found, "date"), today);
  assert_int_equal(tl_jint(json_object_get(b, "submission"), "first_transferred"), ft2024 + 40);
  json_decref(b);
  /* Once first transferred, never again, whatever the year. */
  REFUSED(409, "already_first_transferred", "POST", "/v1/a6/first-transfers", W.tok_tgo,
          ft_body(W.a_ebus, ID12("000000001"), ID12("000000040"), 2023));
#undef ID12
  /* An OIMP cancellation of 2025, loaded now: its first transfer (the
   * event is the use) and the cancellation count in 2025. */
  tl_mk_project(S, "THA.EBUS.09", "A6.2", "THA");
  json_decref(tl_mk_issue(S, "THA01", "THA.EBUS.09", "ITMO", 2024, 50, W.a_ebus));
  json_decref(MUST("POST", "/v1/a6/authorizations", W.tok_tgo,
                   json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:[s], s:s, s:i, s:i}", "party", "THA", "approach", "CA0013",
                             "project", "THA.EBUS.09", "vintage_from", 2024, "vintage_to", 2024, "quantity", 50, "purposes",
                             "OIMP", "first_transfer_event", "use", "year_from", 2021, "year_to", 2030),
                   201));
  bal = MUST("GET", "/v1/a6/balances/THA", W.tok_tgo, NULL, 200);
  int64_t ft2025 = tl_jint(year_of(bal, 2025), "first_transferred");
  json_decref(bal);
  json_t *cb = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i}", "kind", "oimp", "account", (json_int_t)W.a_ebus, "first_id",
                         "CA0013-THA01-THA-000000001-2024", "last_id", "CA0013-THA01-THA-000000050-2024", "purpose", "other",
                         "entity", "Bangkok Metro", "effective_year", 2025);
  REFUSED(403, "forbidden", "POST", "/v1/a6/cancellations", W.tok_ebus, json_incref(cb));
  b = MUST("POST", "/v1/a6/cancellations", W.tok_tgo, cb, 201);
  assert_int_equal(tl_jint(json_array_get(json_object_get(b, "itmos"), 0), "first_transfer_year"), 2025);
  assert_int_equal(tl_jint(json_array_get(json_object_get(b, "itmos"), 0), "use_year"), 2025);
  json_decref(b);
  bal = MUST("GET", "/v1/a6/balances/THA", W.tok_tgo, NULL, 200);
  assert_int_equal(tl_jint(year_of(bal, 2025), "first_transferred"), ft2025 + 50);
  json_decref(bal);
  b = MUST("GET", "/v1/a6/aef/THA?year=2025", NULL, NULL, 200);
  int seen = 0;
  json_array_foreach(json_object_get(b, "actions"), i, x) {
    if (strcmp(tl_jstr(x, "first_id"), "CA0013-THA01-THA-000000001-2024") != 0) continue;
    if (strcmp(tl_jstr(x, "action"), "First transfer") == 0 || strcmp(tl_jstr(x, "action"), "Cancellation") == 0) {
      assert_int_equal(tl_jint(x, "year"), 2025);
      assert_string_equal(tl_jstr(x, "date"), today);
      seen++;
    }
  }
  assert_int_equal(seen, 2);
  json_decref(b);
}

static void test_aef_inconsistent(void **state) {
  (void)state;
  if (tl_store_is_pg()) { /* it reads and edits the server's store as an SQLite file */
    print_message("PostgreSQL: skipped (SQLite file access)\n");
    skip();
  }
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open(W.srv.spec, &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  char sql[600];
  snprintf(sql, sizeof sql,
           "INSERT INTO a6_actions(tx, type, party, auth, approach, registry, itmo_first, itmo_last, first_id, last_id,"
           " quantity, vintage, from_party, to_party, purpose, user_entity, year, ca, ts) VALUES (NULL, 'Use', 'JPN', %lld,"
           " 1, 'THA01', 9001, 9100, 'x', 'y', 100, 2024, '', '', 'NDC', 'JPN', 2025, -100, '2025-01-01T00:00:00.000Z');",
           (long long)W.auth);
  char *msg = NULL;
  if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("sql: %s", msg);
  sqlite3_close(h);
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/aef/JPN?year=2025", NULL, NULL, NULL);
  assert_error(&r, 409, "aef_inconsistent");
  json_t *list = json_object_get(json_object_get(r.body, "error"), "inconsistencies");
  assert_true(json_array_size(list) >= 2);
  char *text = json_dumps(list, 0);
  assert_non_null(strstr(text, "used_not_acquired"));
  assert_non_null(strstr(text, "holdings_mismatch"));
  if (W.now > 2025) assert_non_null(strstr(text, "holdings_negative")); /* at the end of 2025: -100 after the forged use */
  free(text);
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/a6/aef/JPN?year=2025&format=csv&table=actions", NULL, NULL, NULL);
  assert_error(&r, 409, "aef_inconsistent");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/a6/aef/JPN?year=2025&format=xlsx", NULL, NULL, NULL);
  assert_error(&r, 409, "aef_inconsistent");
  tl_resp_free(&r);
  /* The checks route says which checks failed, and why (200: it is a report). */
  json_t *ck = MUST("GET", "/v1/a6/aef/JPN/checks?year=2025", NULL, NULL, 200);
  assert_false(json_is_true(json_object_get(ck, "consistent")));
  size_t failed = 0;
  json_t *c;
  size_t ci;
  json_array_foreach(json_object_get(ck, "checks"), ci, c) {
    if (json_is_true(json_object_get(c, "passed"))) continue;
    failed++;
    const char *code = tl_jstr(c, "code");
    /* the forged action's identifiers 'x' and 'y' trip identifier_format */
    assert_true(strcmp(code, "used_not_acquired") == 0 || strcmp(code, "holdings_mismatch") == 0 ||
                strcmp(code, "holdings_negative") == 0 || strcmp(code, "identifier_format") == 0);
    if (strcmp(code, "identifier_format") == 0)
      assert_non_null(strstr(json_string_value(json_array_get(json_object_get(c, "findings"), 0)), "x to y is not a pair"));
    assert_true(json_array_size(json_object_get(c, "findings")) >= 1);
  }
  assert_true(failed >= 3);
  json_decref(ck);
  r = tl_http_req(S, "GET", "/v1/a6/aef/KOR/checks?year=2025", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_ndc");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/a6/aef/JPN/checks", NULL, NULL, NULL);
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  /* The other Parties' reports are unaffected. */
  r = tl_http_req(S, "GET", "/v1/a6/aef/CHE?year=2025", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "JPN", "--year", "2025", (char *)NULL), 1);
  /* --as-of: a date (else a usage error, exit 2). */
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "CHE", "--year", "2025", "--as-of", "2020-01-01",
                              (char *)NULL),
                   0);
  assert_int_equal(tl_run_cli(S, NULL, 0, "report", "aef", "--party", "CHE", "--year", "2025", "--as-of", "2025-02-30",
                              (char *)NULL),
                   2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flow),
      cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_aef_workbook),
      cmocka_unit_test(test_reviewer),
      cmocka_unit_test(test_amendment),
      cmocka_unit_test(test_letter_leaf),
      cmocka_unit_test(test_revoked_versions),
      cmocka_unit_test(test_aef_inconsistent),
      cmocka_unit_test(test_requests),
      cmocka_unit_test(test_letter),
      cmocka_unit_test(test_history),
  };
  return cmocka_run_group_tests_name("a6_http", tests, setup, teardown);
}
