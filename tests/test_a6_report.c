/*
 * test_a6_report.c -- black-box tests of the Article 6.2 reports other
 * than the AEF (api_a6_report.c, src/service/a6_report.c; issue 18 item
 * 2), on the demo registry (`ledger6 demo` on the server's store, SQLite
 * or PostgreSQL), driven over HTTP:
 *
 *   initial_report   the demo's THA-CHE approach (CA0001): its initial
 *                    report is complete, as JSON and as a printable page
 *                    (no script allowed); CHE's report of it too
 *   missing          a record without an element: the report is not
 *                    complete and names the element; put back: complete
 *   approach_refusals every refusal of PUT /v1/a6/approaches/{code} and the
 *                    report routes: status, stable code, nothing changed
 *   annual           the annual information for a year: its due date (15
 *                    April of the next year), past due, and the AEF tables
 *                    equal to GET /v1/a6/aef's for that year
 *   regular          the regular information: per year, the sums over the
 *                    approaches equal the balances; the emissions balance
 *                    is the balances'; the page renders; readers only
 *   letter_pdf       the letter of authorization as a PDF: poppler opens it
 *                    (pdfinfo, pdftotext), and the JSON it carries
 *                    (pdfdetach) is GET .../letter's, with its SHA-256
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

#include <cmocka.h>

#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_tha, org_che, org_jpn, org_holder;
  char *tok_tha, *tok_che, *tok_jpn, *tok_holder, *tok_aud;
} W;
#define S (&W.srv)

#define MUST(m, p, t, b, st) TL_MUST(S, (m), (p), (t), (b), (st))

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_srv_start(S, "a6-report") != 0) return -1;
  /* The demo registry on the server's store. */
  if (tl_srv_stop(S) != 0) return -1;
  if (tl_run_cli(S, NULL, 0, "demo", (char *)NULL) != 0) {
    fprintf(stderr, "ledger6 demo failed\n");
    return -1;
  }
  if (tl_srv_restart(S) != 0) return -1;
  W.org_tha = tl_mk_org(S, "THA01", "THA designated authority (tests)");
  W.org_che = tl_mk_org(S, "CHE01", "CHE designated authority (tests)");
  W.org_jpn = tl_mk_org(S, "JPN01", "JPN designated authority (tests)");
  W.org_holder = tl_mk_org(S, "THA01", "a Thai holder (tests)");
  W.tok_tha = tl_mk_token(S, "authority", W.org_tha);
  W.tok_che = tl_mk_token(S, "authority", W.org_che);
  W.tok_jpn = tl_mk_token(S, "authority", W.org_jpn);
  W.tok_holder = tl_mk_token(S, "holder", W.org_holder);
  W.tok_aud = tl_mk_token(S, "auditor", 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  free(W.tok_tha);
  free(W.tok_che);
  free(W.tok_jpn);
  free(W.tok_holder);
  free(W.tok_aud);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

static const json_t *element(const json_t *rep, const char *id) {
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(rep, "elements"), i, e) if (strcmp(tl_jstr(e, "id"), id) == 0) return e;
  fail_msg("no element %s", id);
  return NULL;
}

static bool lists(const json_t *arr, const char *s) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) if (strcmp(json_string_value(x), s) == 0) return true;
  return false;
}

/* The demo's CA0001: complete for THA (who registered it) and for CHE;
 * the page says so, escapes the record's texts and allows no script. */
static void test_initial_report(void **state) {
  (void)state;
  json_t *b = MUST("GET", "/v1/a6/approaches/CA0001/initial-report", NULL, NULL, 200);
  assert_string_equal(tl_jstr(b, "cooperative_approach"), "CA0001");
  assert_string_equal(tl_jstr(b, "party"), "THA");
  assert_true(json_is_true(json_object_get(b, "complete")));
  assert_int_equal(json_array_size(json_object_get(b, "missing")), 0);
  /* From the books: THA's NDC method and quantification; its authorization of CA0001 with its letter hash. */
  const json_t *m = json_object_get(element(b, "corresponding_adjustment_method"), "value");
  assert_string_equal(tl_jstr(m, "method"), "averaging");
  assert_int_equal(tl_jint(json_object_get(element(b, "ndc_quantification"), "value"), "target"), 333000000);
  const json_t *auths = json_object_get(json_object_get(element(b, "approach_authorization"), "value"), "authorizations_in_books");
  assert_int_equal(json_array_size(auths), 1);
  assert_int_equal(strlen(tl_jstr(json_array_get(auths, 0), "letter_sha256")), 64);
  assert_true(json_is_true(json_object_get(element(b, "environmental_integrity"), "present")));
  json_decref(b);
  b = MUST("GET", "/v1/a6/approaches/CA0001/initial-report?party=CHE", NULL, NULL, 200);
  assert_string_equal(tl_jstr(b, "party"), "CHE");
  assert_true(json_is_true(json_object_get(b, "complete")));
  assert_string_equal(tl_jstr(json_object_get(element(b, "corresponding_adjustment_method"), "value"), "method"), "per-year");
  json_decref(b);
  /* The page. */
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/approaches/CA0001/initial-report?format=html", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  char h[256];
  assert_int_equal(tl_resp_header(&r, "Content-Type", h, sizeof h), 1);
  assert_non_null(strstr(h, "text/html"));
  assert_int_equal(tl_resp_header(&r, "Content-Security-Policy", h, sizeof h), 1);
  assert_non_null(strstr(h, "default-src 'none'"));
  assert_non_null(strstr(r.raw, "Initial report: cooperative approach CA0001"));
  assert_non_null(strstr(r.raw, "the report is complete"));
  assert_non_null(strstr(r.raw, "Bangkok e-bus programme"));
  tl_resp_free(&r);
  /* The record, and the list. */
  b = MUST("GET", "/v1/a6/approaches", NULL, NULL, 200);
  assert_int_equal(json_array_size(json_object_get(b, "approaches")), 1);
  assert_string_equal(tl_jstr(json_array_get(json_object_get(b, "approaches"), 0), "registered_by"), "THA");
  json_decref(b);
}

static json_t *record(void) {
  json_t *b = MUST("GET", "/v1/a6/approaches/CA0001", NULL, NULL, 200);
  json_object_del(b, "code");
  json_object_del(b, "registered_by");
  json_object_del(b, "updated");
  return b;
}

/* A record without safeguards nor expected mitigation: the report is not
 * complete and names them; the page says what is missing; the texts put
 * back (by CHE's authority, a participant): complete again. */
static void test_missing(void **state) {
  (void)state;
  json_t *full = record(), *cut = json_deep_copy(full);
  json_object_del(json_object_get(cut, "texts"), "safeguards");
  json_object_del(cut, "expected_mitigation");
  json_t *b = MUST("PUT", "/v1/a6/approaches/CA0001", W.tok_tha, cut, 200);
  json_decref(b);
  b = MUST("GET", "/v1/a6/approaches/CA0001/initial-report", NULL, NULL, 200);
  assert_false(json_is_true(json_object_get(b, "complete")));
  const json_t *missing = json_object_get(b, "missing");
  assert_true(lists(missing, "safeguards"));
  assert_true(lists(missing, "approach_description"));
  assert_true(lists(missing, "approach_description.expected_mitigation"));
  assert_int_equal(json_array_size(missing), 3);
  assert_false(json_is_true(json_object_get(element(b, "safeguards"), "present")));
  json_decref(b);
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/approaches/CA0001/initial-report?format=html", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_non_null(strstr(r.raw, "Incomplete: missing"));
  assert_non_null(strstr(r.raw, "approach_description.expected_mitigation, safeguards."));
  tl_resp_free(&r);
  /* An empty text is no text. */
  json_t *blank = json_deep_copy(full);
  json_object_set_new(json_object_get(blank, "texts"), "participation", json_string(""));
  json_decref(MUST("PUT", "/v1/a6/approaches/CA0001", W.tok_tha, blank, 200));
  b = MUST("GET", "/v1/a6/approaches/CA0001/initial-report", NULL, NULL, 200);
  assert_true(lists(json_object_get(b, "missing"), "participation"));
  json_decref(b);
  /* Put back by the other participating Party. */
  json_decref(MUST("PUT", "/v1/a6/approaches/CA0001", W.tok_che, full, 200));
  b = MUST("GET", "/v1/a6/approaches/CA0001/initial-report", NULL, NULL, 200);
  assert_true(json_is_true(json_object_get(b, "complete")));
  assert_string_equal(tl_jstr(b, "party"), "THA"); /* still registered by THA */
  json_decref(b);
}

static void refused_at(long status, const char *code, const char *method, const char *path, const char *tok, json_t *body,
                       const char *file, int line) {
  tl_resp before = tl_http_req(S, "GET", "/v1/a6/approaches", NULL, NULL, NULL);
  tl_resp r = tl_http_reqj(S, method, path, tok, body, NULL);
  int ok = tl_error_is(&r, status, code, file, line);
  tl_resp_free(&r);
  tl_resp after = tl_http_req(S, "GET", "/v1/a6/approaches", NULL, NULL, NULL);
  int same = strcmp(before.raw, after.raw) == 0;
  if (!same) print_error("%s:%d: %s %s changed the approaches\n", file, line, method, path);
  tl_resp_free(&before);
  tl_resp_free(&after);
  if (!ok || !same) fail_msg("refusal at %s:%d", file, line);
}
#define REFUSED(st, code, m, p, tok, body) refused_at((st), (code), (m), (p), (tok), (body), __FILE__, __LINE__)

static json_t *with(json_t *o, const char *key, json_t *v) {
  json_object_set_new(o, key, v);
  return o;
}

static void test_approach_refusals(void **state) {
  (void)state;
  json_t *full = record();
#define BODY(k, v) with(json_deep_copy(full), (k), (v))
  const char *p = "/v1/a6/approaches/CA0001";
  REFUSED(401, "unauthorized", "PUT", p, NULL, json_deep_copy(full));
  REFUSED(403, "forbidden", "PUT", p, W.tok_holder, json_deep_copy(full));
  REFUSED(403, "forbidden", "PUT", p, W.tok_aud, json_deep_copy(full));
  /* JPN is not a Party of CA0001: neither may it replace it, nor list itself in. */
  REFUSED(403, "not_approach_party", "PUT", p, W.tok_jpn, json_deep_copy(full));
  REFUSED(403, "not_approach_party", "PUT", p, W.tok_jpn, BODY("parties", json_pack("[s,s,s]", "THA", "CHE", "JPN")));
  REFUSED(403, "not_approach_party", "PUT", "/v1/a6/approaches/CA0002", W.tok_jpn, json_deep_copy(full));
  REFUSED(404, "unknown_approach", "PUT", "/v1/a6/approaches/CA0000", W.tok_tha, json_deep_copy(full));
  REFUSED(404, "unknown_approach", "PUT", "/v1/a6/approaches/CA1", W.tok_tha, json_deep_copy(full));
  REFUSED(404, "unknown_party", "PUT", p, W.tok_tha, BODY("parties", json_pack("[s,s]", "THA", "XXX")));
  REFUSED(400, "unknown_field", "PUT", p, W.tok_tha, BODY("colour", json_string("green")));
  REFUSED(400, "missing_field", "PUT", p, W.tok_tha, json_pack("{s:[s,s]}", "parties", "THA", "CHE"));
  REFUSED(400, "missing_field", "PUT", p, W.tok_tha, json_pack("{s:s}", "title", "x"));
  REFUSED(400, "wrong_type", "PUT", p, W.tok_tha, BODY("title", json_integer(5)));
  REFUSED(400, "wrong_type", "PUT", p, W.tok_tha, BODY("texts", json_pack("{s:i}", "safeguards", 1)));
  REFUSED(400, "unknown_field", "PUT", p, W.tok_tha, BODY("texts", json_pack("{s:s}", "poetry", "x")));
  REFUSED(400, "wrong_type", "PUT", p, W.tok_tha, BODY("expected_mitigation", json_pack("[{s:i}]", "year", 2025)));
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha, BODY("parties", json_pack("[s]", "THA")));
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha, BODY("parties", json_pack("[s,s]", "THA", "THA")));
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha, BODY("parties", json_pack("[s,s]", "THA", "ch")));
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha, BODY("end_year", json_integer(2020))); /* before start_year 2022 */
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha,
          BODY("expected_mitigation", json_pack("[{s:i,s:i}]", "year", 2040, "tco2e", 5))); /* outside 2022-2030 */
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha,
          BODY("expected_mitigation", json_pack("[{s:i,s:i},{s:i,s:i}]", "year", 2025, "tco2e", 5, "year", 2025, "tco2e", 6)));
  REFUSED(422, "invalid_value", "PUT", p, W.tok_tha, BODY("title", json_string("")));
#undef BODY
  /* The report routes. */
  REFUSED(404, "unknown_approach", "GET", "/v1/a6/approaches/CA0002/initial-report", NULL, NULL);
  REFUSED(404, "unknown_approach", "GET", "/v1/a6/approaches/XY0001/initial-report", NULL, NULL);
  REFUSED(404, "unknown_approach", "GET", "/v1/a6/approaches/CA0002", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/approaches/CA0001/initial-report?party=JPN", NULL, NULL); /* not a participant */
  REFUSED(400, "bad_param", "GET", "/v1/a6/approaches/CA0001/initial-report?party=CH", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/approaches/CA0001/initial-report?format=pdf", NULL, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/annual-information/THA/24", NULL, NULL);
  REFUSED(404, "unknown_ndc", "GET", "/v1/a6/annual-information/THAI/2024", NULL, NULL);
  REFUSED(404, "unknown_ndc", "GET", "/v1/a6/annual-information/MWI/2024", NULL, NULL); /* no NDC */
  REFUSED(401, "unauthorized", "GET", "/v1/a6/regular-information/THA", NULL, NULL);
  REFUSED(403, "forbidden", "GET", "/v1/a6/regular-information/THA", W.tok_holder, NULL);
  REFUSED(404, "unknown_ndc", "GET", "/v1/a6/regular-information/MWI", W.tok_aud, NULL);
  REFUSED(400, "bad_param", "GET", "/v1/a6/regular-information/THA?format=xml", W.tok_aud, NULL);
  json_decref(full);
}

/* The annual information for 2025 (CHE used 1,200 ITMOs toward 2025;
 * the demo's first transfer is in the server's year): due 15 April 2026;
 * its AEF tables are GET /v1/a6/aef's for the year. */
static void test_annual(void **state) {
  (void)state;
  const char *parties[] = {"THA", "CHE"};
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  char today[11];
  strftime(today, sizeof today, "%Y-%m-%d", &tm);
  for (int i = 0; i < 2; i++) {
    for (int year = 2024; year <= tm.tm_year + 1900; year++) {
      char path[96];
      snprintf(path, sizeof path, "/v1/a6/annual-information/%s/%d", parties[i], year);
      json_t *ai = MUST("GET", path, NULL, NULL, 200);
      char due[16];
      snprintf(due, sizeof due, "%d-04-15", (year + 1) % 10000);
      assert_string_equal(tl_jstr(ai, "due_date"), due);
      assert_int_equal(json_is_true(json_object_get(ai, "past_due")), strcmp(today, due) > 0);
      snprintf(path, sizeof path, "/v1/a6/aef/%s?year=%d", parties[i], year);
      json_t *aef = MUST("GET", path, NULL, NULL, 200);
      const char *tables[] = {"authorizations", "actions", "holdings", "authorized_entities"};
      for (int k = 0; k < 4; k++)
        if (!json_equal(json_object_get(json_object_get(ai, "aef"), tables[k]), json_object_get(aef, tables[k])))
          fail_msg("%s %d: the annual information's %s differ from the AEF's", parties[i], year, tables[k]);
      json_decref(aef);
      json_decref(ai);
    }
  }
  /* CHE's 2025: its use of 1,200 is in the year's actions. */
  json_t *ai = MUST("GET", "/v1/a6/annual-information/CHE/2025", NULL, NULL, 200);
  int64_t used = 0;
  size_t i;
  const json_t *a;
  json_array_foreach(json_object_get(json_object_get(ai, "aef"), "actions"), i, a)
    if (strcmp(tl_jstr(a, "action"), "Use") == 0) used += tl_jint(a, "quantity");
  assert_int_equal(used, 1200);
  assert_true(json_is_true(json_object_get(ai, "past_due"))); /* 15 April 2026 has passed (the tests run later) */
  json_decref(ai);
}

/* The regular information: per year, the approaches' sums equal the
 * balances (first transferred, used); the emissions balance is theirs. */
static void test_regular(void **state) {
  (void)state;
  const char *parties[] = {"THA", "CHE"};
  for (int i = 0; i < 2; i++) {
    char path[96];
    snprintf(path, sizeof path, "/v1/a6/regular-information/%s", parties[i]);
    json_t *ri = MUST("GET", path, W.tok_aud, NULL, 200);
    snprintf(path, sizeof path, "/v1/a6/balances/%s", parties[i]);
    json_t *bal = MUST("GET", path, W.tok_aud, NULL, 200);
    assert_true(json_equal(json_object_get(ri, "emissions_balance"), json_object_get(bal, "years")));
    int64_t nonzero = 0;
    size_t k;
    const json_t *y;
    json_array_foreach(json_object_get(bal, "years"), k, y) {
      int64_t ft = 0, used = 0;
      size_t j, m;
      const json_t *ap, *ay;
      json_array_foreach(json_object_get(ri, "approaches"), j, ap) json_array_foreach(json_object_get(ap, "years"), m, ay) {
        if (tl_jint(ay, "year") != tl_jint(y, "year")) continue;
        ft += tl_jint(ay, "first_transferred");
        used += tl_jint(ay, "used");
      }
      assert_int_equal(ft, tl_jint(y, "first_transferred"));
      assert_int_equal(used, tl_jint(y, "used"));
      nonzero += ft + used;
    }
    assert_int_equal(nonzero, 2000 * (i == 0) + 1200 * (i == 1)); /* THA first transferred 2,000; CHE used 1,200 */
    /* CA0001's record is named, with its texts. */
    const json_t *ap = json_array_get(json_object_get(ri, "approaches"), 0);
    assert_string_equal(tl_jstr(ap, "cooperative_approach"), "CA0001");
    assert_true(json_is_true(json_object_get(ap, "recorded")));
    assert_true(json_is_string(json_object_get(ap, "environmental_integrity")));
    json_decref(bal);
    json_decref(ri);
  }
  json_t *ri = MUST("GET", "/v1/a6/regular-information/CHE", W.tok_aud, NULL, 200);
  const json_t *ap = json_array_get(json_object_get(ri, "approaches"), 0);
  int64_t cancelled = 0, acquired = 0;
  size_t m;
  const json_t *ay;
  json_array_foreach(json_object_get(ap, "years"), m, ay) {
    cancelled += tl_jint(ay, "cancelled_itmos");
    acquired += tl_jint(ay, "acquired_itmos");
  }
  assert_int_equal(cancelled, 300);
  assert_int_equal(acquired, 2000);
  json_decref(ri);
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/regular-information/CHE?format=html", W.tok_che, NULL, NULL);
  tl_assert_status(&r, 200);
  char h[256];
  assert_int_equal(tl_resp_header(&r, "Content-Security-Policy", h, sizeof h), 1);
  assert_non_null(strstr(r.raw, "Regular information (Article 6, paragraph 2): CHE"));
  assert_non_null(strstr(r.raw, "Cooperative approach CA0001"));
  tl_resp_free(&r);
}

/* Runs a shell command in the server's directory; its exit status. */
static int sh(const char *cmd) {
  char full[1024];
  snprintf(full, sizeof full, "cd '%s' && %s >/dev/null 2>&1", W.srv.dir, cmd);
  int rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", W.srv.dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = calloc(1, 1 << 20);
  size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  (void)n;
  fclose(f);
  return buf;
}

static void test_letter_pdf(void **state) {
  (void)state;
  json_t *l = MUST("GET", "/v1/a6/authorizations/1/letter", NULL, NULL, 200);
  const char *hash = tl_jstr(l, "sha256");
  assert_int_equal(strlen(hash), 64);
  tl_resp r = tl_http_req(S, "GET", "/v1/a6/authorizations/1/letter.pdf", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  char ct[96];
  assert_int_equal(tl_resp_header(&r, "Content-Type", ct, sizeof ct), 1);
  assert_string_equal(ct, "application/pdf");
  assert_true(r.len > 1000 && memcmp(r.raw, "%PDF-", 5) == 0);
  char path[700];
  snprintf(path, sizeof path, "%s/letter.pdf", W.srv.dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(r.raw, 1, r.len, f), r.len);
  assert_int_equal(fclose(f), 0);
  tl_resp_free(&r);
  /* poppler opens it, finds the title and the canonical text */
  assert_int_equal(sh("pdfinfo letter.pdf"), 0);
  assert_int_equal(sh("pdftotext -layout letter.pdf letter.txt"), 0);
  char *text = slurp("letter.txt");
  assert_non_null(text);
  assert_non_null(strstr(text, "Letter of authorization 1"));
  assert_non_null(strstr(text, "ledger6 letter of authorization v1"));
  assert_non_null(strstr(text, "approach CA0001"));
  free(text);
  /* the JSON it carries is the letter's, with its hash */
  assert_int_equal(sh("mkdir -p detached && pdfdetach -saveall -o detached letter.pdf"), 0);
  snprintf(path, sizeof path, "%s/detached/certificate.json", W.srv.dir);
  json_error_t je;
  json_t *att = json_load_file(path, 0, &je);
  assert_non_null(att);
  assert_string_equal(tl_jstr(att, "sha256"), hash);
  assert_true(json_equal(att, l));
  json_decref(att);
  json_decref(l);
  /* an unknown authorization */
  r = tl_http_req(S, "GET", "/v1/a6/authorizations/999/letter.pdf", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_authorization");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/a6/authorizations/x/letter.pdf", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_authorization");
  tl_resp_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_initial_report), cmocka_unit_test(test_missing), cmocka_unit_test(test_approach_refusals),
      cmocka_unit_test(test_annual),         cmocka_unit_test(test_regular),         cmocka_unit_test(test_letter_pdf),
  };
  return cmocka_run_group_tests_name("a6_report", tests, setup, teardown);
}
