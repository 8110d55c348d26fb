/*
 * api_a6_report.c -- HTTP handlers of the Article 6.2 reports other than
 * the AEF (routes in api_int.h, API_A6_REPORT_ROUTES; use cases in
 * src/service/a6_report.c; reference in docs/API.md, "Article 6.2
 * reports"): cooperative approaches' records, the initial report, the
 * annual information and the regular information, as JSON or as a
 * printable page (?format=html, html_a6.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/a6.h"
#include "api_int.h"
#include "html.h"
#include "pdf.h"

/* Path parameter i as an approach code CA0001..CA9999 (404 otherwise). */
static l6_err path_approach(req *r, int i, int *code, l6_error *err) {
  const char *v = r->param[i];
  if (strlen(v) != 6 || strncmp(v, "CA", 2) != 0 || strspn(v + 2, "0123456789") != 4 || atoi(v + 2) == 0)
    return l6_fail(err, L6_E_UNKNOWN_APPROACH, "'%.40s' is not a cooperative approach code (CA0001 to CA9999)", v);
  *code = atoi(v + 2);
  return L6_E_OK;
}

static l6_err path_party3(req *r, int i, char party[4], l6_error *err) {
  if (strlen(r->param[i]) != 3) return l6_fail(err, L6_E_UNKNOWN_NDC, "'%.40s' is not a Party code", r->param[i]);
  snprintf(party, 4, "%s", r->param[i]);
  return L6_E_OK;
}

/* ?format=json (default) or html; *html says which. */
static l6_err format_html(req *r, bool *html, l6_error *err) {
  char f[8];
  l6_err e = api_query_str(r, "format", f, sizeof f, err);
  if (e == L6_E_OK && f[0] && strcmp(f, "json") != 0 && strcmp(f, "html") != 0)
    e = l6_fail(err, L6_E_BAD_PARAM, "format must be json or html");
  *html = e == L6_E_OK && strcmp(f, "html") == 0;
  return e;
}

/* Replaces the JSON reply by its page. */
static l6_err as_page(req *r, json_t **out, char *(*render)(const json_t *), l6_error *err) {
  r->page = render(*out);
  json_decref(*out);
  *out = NULL;
  return r->page ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

l6_err h_a6_approach_list(req *r, json_t **out, l6_error *err) {
  return svc_a6_approach_list(r->svc, &r->actor, out, err);
}

l6_err h_a6_approach_get(req *r, json_t **out, l6_error *err) {
  int code;
  l6_err e = path_approach(r, 0, &code, err);
  return e ? e : svc_a6_approach_get(r->svc, &r->actor, code, out, err);
}

/* PUT /v1/a6/approaches/{code}: the whole record (201 made, 200 replaced);
 * the service checks every field. */
l6_err h_a6_approach_put(req *r, json_t **out, l6_error *err) {
  int code;
  l6_err e = path_approach(r, 0, &code, err);
  return e ? e : svc_a6_approach_put(r->svc, &r->actor, code, r->body, out, &r->status, err);
}

/* GET /v1/a6/approaches/{code}/initial-report[?party=XXX][&format=html]. */
l6_err h_a6_initial_report(req *r, json_t **out, l6_error *err) {
  int code;
  bool html;
  char party[8];
  l6_err e = path_approach(r, 0, &code, err);
  if (e == L6_E_OK) e = format_html(r, &html, err);
  if (e == L6_E_OK) e = api_query_str(r, "party", party, sizeof party, err);
  if (e == L6_E_OK && api_query(r, "party") != NULL && strlen(party) != 3)
    e = l6_fail(err, L6_E_BAD_PARAM, "party must be a Party code");
  if (e == L6_E_OK) e = svc_a6_initial_report(r->svc, &r->actor, code, party, out, err);
  return e != L6_E_OK || !html ? e : as_page(r, out, html_a6_initial_report, err);
}

/* GET /v1/a6/annual-information/{party}/{year}. */
l6_err h_a6_annual_information(req *r, json_t **out, l6_error *err) {
  char party[4];
  l6_err e = path_party3(r, 0, party, err);
  const char *y = r->param[1];
  if (e == L6_E_OK && (strlen(y) != 4 || strspn(y, "0123456789") != 4))
    e = l6_fail(err, L6_E_BAD_PARAM, "the year must be a four-digit year");
  return e ? e : svc_a6_annual_information(r->svc, &r->actor, party, atoi(y), out, err);
}

/* GET /v1/a6/regular-information/{party}[?format=html]. */
l6_err h_a6_regular_information(req *r, json_t **out, l6_error *err) {
  char party[4];
  bool html;
  l6_err e = path_party3(r, 0, party, err);
  if (e == L6_E_OK) e = format_html(r, &html, err);
  if (e == L6_E_OK) e = svc_a6_regular_information(r->svc, &r->actor, party, out, err);
  return e != L6_E_OK || !html ? e : as_page(r, out, html_a6_regular_information, err);
}

/* GET /v1/a6/authorizations/{id}/letter.pdf: the letter (GET .../letter)
 * as a PDF carrying its JSON, dated by the authorization's last change. */
l6_err h_a6_letter_pdf(req *r, json_t **out, l6_error *err) {
  l6_id id;
  if (api_path_id(r, 0, &id, err) != L6_E_OK)
    return l6_fail(err, L6_E_UNKNOWN_AUTHORIZATION, "'%.40s' is not an authorization id", r->param[0]);
  json_t *auth = NULL, *letter = NULL;
  l6_err e = svc_a6_auth_get(r->svc, &r->actor, id, &auth, err);
  if (e == L6_E_OK) e = svc_a6_auth_letter(r->svc, &r->actor, id, &letter, err);
  if (e == L6_E_OK) {
    char date[32] = "1970-01-01T00:00:00Z";
    const char *ts = json_string_value(json_object_get(auth, "ts"));
    if (ts && strlen(ts) >= 19) snprintf(date, sizeof date, "%.19sZ", ts);
    const char *why = NULL;
    r->page = pdf_letter(letter, date, &r->page_len, &why);
    if (r->page == NULL) e = l6_fail(err, L6_E_INTERNAL, "the PDF could not be made: %s", why ? why : "unknown");
    r->page_type = "application/pdf";
  }
  json_decref(auth);
  json_decref(letter);
  *out = NULL;
  return e;
}
