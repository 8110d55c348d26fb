/*
 * api_a6.c -- HTTP handlers of Article 6.2 accounting (routes in
 * api_int.h, API_A6_ROUTES; use cases in src/service/a6.h; reference in
 * docs/API.md, "Article 6.2"). Like api.c: decode strictly (unknown
 * fields, wrong types, missing fields refused, each with its code), call
 * one service function, reply. Roles are the service's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/a6.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

/* ---- decoding pieces -------------------------------------------------- */

/* Path parameter 0 as a Party code; a longer text names no Party (404 with
 * the route's own code). */
static l6_err path_party(req *r, char party[4], l6_err unknown, l6_error *err) {
  if (strlen(r->param[0]) > 3) return l6_fail(err, unknown, "'%.40s' is not a Party code", r->param[0]);
  snprintf(party, 4, "%s", r->param[0]);
  return L6_E_OK;
}

/* An optional array of strings, joined with sep into dst (cap bytes).
 * Items must be non-empty and free of sep. *given says whether it was there. */
static l6_err decode_list(const json_t *body, const char *key, char sep, char *dst, size_t cap, bool *given,
                          l6_error *err) {
  json_t *arr = json_object_get(body, key);
  dst[0] = '\0';
  *given = arr != NULL && !json_is_null(arr);
  if (!*given) return L6_E_OK;
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array of strings", key);
  size_t i, len = 0;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_string(it)) return l6_fail(err, L6_E_WRONG_TYPE, "%s[%zu] must be a string", key, i);
    const char *v = json_string_value(it);
    size_t n = json_string_length(it);
    if (n == 0 || strchr(v, sep) || memchr(v, '\0', n))
      return l6_fail(err, L6_E_INVALID_VALUE, "%s[%zu] must be a non-empty text without '%c'", key, i, sep);
    if (len + n + 2 > cap) return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' is longer than %zu bytes", key, cap - 1);
    if (len) dst[len++] = sep;
    memcpy(dst + len, v, n + 1);
    len += n;
  }
  return L6_E_OK;
}

static l6_err decode_bool(const json_t *body, const char *key, bool *out, l6_error *err) {
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v)) return L6_E_OK;
  if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be true or false", key);
  *out = json_is_true(v);
  return L6_E_OK;
}

/* One year's figures: "emissions" and "trajectory", each optional; an
 * absent (or null) figure is not reported. */
typedef struct {
  int year;
  int64_t emissions, trajectory;
} year_in;

static void year_presence(const json_t *o, l6_a6_year *y) {
  json_t *e = json_object_get(o, "emissions"), *t = json_object_get(o, "trajectory");
  y->reported = e != NULL && !json_is_null(e);
  y->has_trajectory = t != NULL && !json_is_null(t);
}

/* "years": [{"year", "emissions", "trajectory"}], optional. */
static l6_err decode_years(const json_t *body, const char *party, l6_a6_year *ys, size_t *n, l6_error *err) {
  json_t *arr = json_object_get(body, "years");
  *n = 0;
  if (arr == NULL || json_is_null(arr)) return L6_E_OK;
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'years' must be an array");
  if (json_array_size(arr) > L6_A6_MAX_NDC_YEARS)
    return l6_fail(err, L6_E_INVALID_VALUE, "at most %d years", L6_A6_MAX_NDC_YEARS);
  static const jfield f[] = {F(year_in, year, JF_INT32, true), F(year_in, emissions, JF_INT, false),
                             F(year_in, trajectory, JF_INT, false)};
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_object(it)) return l6_fail(err, L6_E_WRONG_TYPE, "years[%zu] must be an object {year, emissions, trajectory}", i);
    year_in in = {0};
    l6_err e = json_decode(it, f, NF(f), NULL, &in, err);
    if (e != L6_E_OK) return e;
    l6_a6_year *y = &ys[*n];
    memset(y, 0, sizeof *y);
    snprintf(y->party, sizeof y->party, "%s", party);
    y->year = in.year;
    y->emissions = in.emissions;
    y->trajectory = in.trajectory;
    year_presence(it, y);
    (*n)++;
  }
  return L6_E_OK;
}

/* A required query parameter "year" (a four-digit year). */
static l6_err query_year(req *r, int *year, l6_error *err) {
  const char *v = api_query(r, "year");
  *year = 0;
  if (v == NULL) return l6_fail(err, L6_E_BAD_PARAM, "query parameter 'year' (the reporting year) is required");
  if (strlen(v) != 4 || strspn(v, "0123456789") != 4)
    return l6_fail(err, L6_E_BAD_PARAM, "query parameter 'year' must be a four-digit year");
  *year = atoi(v);
  return L6_E_OK;
}

/* ---- NDCs ------------------------------------------------------------- */

l6_err h_a6_ndc_get(req *r, json_t **out, l6_error *err) {
  char party[4];
  l6_err e = path_party(r, party, L6_E_UNKNOWN_NDC, err);
  return e ? e : svc_a6_ndc_get(r->svc, &r->actor, party, out, err);
}

typedef struct {
  int first_year, last_year, target_year;
  char kind[16], method[16], metric[32];
  int64_t target, factor_micro;
} ndc_in;

/* PUT /v1/a6/ndcs/{party}: records or replaces the Party's NDC; the years
 * given are recorded too (others kept). */
l6_err h_a6_ndc_put(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(ndc_in, first_year, JF_INT32, true), F(ndc_in, last_year, JF_INT32, true),
                             F(ndc_in, kind, JF_STR, true),         F(ndc_in, method, JF_STR, true),
                             F(ndc_in, target_year, JF_INT32, true), F(ndc_in, target, JF_INT, true),
                             F(ndc_in, metric, JF_STR, false),      F(ndc_in, factor_micro, JF_INT, false)};
  static const char *const extra[] = {"years", NULL};
  ndc_in in = {0};
  l6_a6_ndc n = {0};
  l6_a6_year *ys = calloc(L6_A6_MAX_NDC_YEARS, sizeof *ys);
  size_t ny = 0;
  if (ys == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = path_party(r, n.party, L6_E_UNKNOWN_PARTY, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_years(r->body, n.party, ys, &ny, err);
  if (e == L6_E_OK) {
    n.first_year = in.first_year;
    n.last_year = in.last_year;
    n.target_year = in.target_year;
    n.target = in.target;
    snprintf(n.kind, sizeof n.kind, "%s", in.kind);
    snprintf(n.method, sizeof n.method, "%s", in.method);
    snprintf(n.metric, sizeof n.metric, "%s", in.metric[0] ? in.metric : "t CO2e");
    n.factor_micro = json_object_get(r->body, "factor_micro") ? in.factor_micro : 1000000;
    e = svc_a6_ndc_put(r->svc, &r->actor, &n, ys, ny, out, err);
  }
  free(ys);
  return e;
}

/* PUT /v1/a6/ndcs/{party}/years/{year}: one year's reported emissions
 * and/or trajectory level. */
l6_err h_a6_year_put(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(year_in, emissions, JF_INT, false), F(year_in, trajectory, JF_INT, false)};
  year_in in = {0};
  l6_a6_year y = {0};
  l6_id year = 0;
  l6_err e = path_party(r, y.party, L6_E_UNKNOWN_NDC, err);
  if (e == L6_E_OK && (api_path_id(r, 1, &year, err) != L6_E_OK || year > 9999))
    e = l6_fail(err, L6_E_NOT_FOUND, "'%.20s' is not a year", r->param[1]);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  y.year = (int)year;
  y.emissions = in.emissions;
  y.trajectory = in.trajectory;
  year_presence(r->body, &y);
  if (!y.reported && !y.has_trajectory)
    return l6_fail(err, L6_E_MISSING_FIELD, "give 'emissions' (reported) or 'trajectory' (level), or both");
  return svc_a6_year_put(r->svc, &r->actor, &y, out, err);
}

/* ---- authorizations --------------------------------------------------- */

l6_err h_a6_auth_list(req *r, json_t **out, l6_error *err) {
  char party[8];
  l6_err e = api_query_str(r, "party", party, sizeof party, err);
  if (e == L6_E_OK && party[0] && strlen(party) != 3)
    e = l6_fail(err, L6_E_BAD_PARAM, "party must be an ISO alpha-3 code");
  return e ? e : svc_a6_auth_list(r->svc, &r->actor, party, out, err);
}

typedef struct {
  char party[4];
  char approach[8];
  char project[L6_CODE_MAX + 1];
  int vintage_from, vintage_to;
  int64_t quantity;
  char first_transfer_event[16];
  int year_from, year_to;
} auth_in;

/* "CA0001" -> 1; 0 when malformed. */
static int approach_of(const char *s) {
  if (strncmp(s, "CA", 2) != 0 || strlen(s) != 6 || strspn(s + 2, "0123456789") != 4) return 0;
  return atoi(s + 2);
}

/* POST /v1/a6/authorizations: a letter of authorization. */
l6_err h_a6_auth_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(auth_in, party, JF_STR, true),        F(auth_in, approach, JF_STR, true),
                             F(auth_in, project, JF_STR, true),      F(auth_in, vintage_from, JF_INT32, true),
                             F(auth_in, vintage_to, JF_INT32, true), F(auth_in, quantity, JF_INT, true),
                             F(auth_in, first_transfer_event, JF_STR, false), F(auth_in, year_from, JF_INT32, true),
                             F(auth_in, year_to, JF_INT32, true)};
  static const char *const extra[] = {"purposes", "authorized_parties", "authorized_entities", "in_ndc_scope", NULL};
  auth_in in = {0};
  l6_a6_auth x = {.in_scope = true};
  bool given;
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_list(r->body, "purposes", ',', x.purposes, sizeof x.purposes, &given, err);
  if (e == L6_E_OK && !given) e = l6_fail(err, L6_E_MISSING_FIELD, "field 'purposes' is required");
  if (e == L6_E_OK) e = decode_list(r->body, "authorized_parties", ',', x.parties, sizeof x.parties, &given, err);
  if (e == L6_E_OK) e = decode_list(r->body, "authorized_entities", '|', x.entities, sizeof x.entities, &given, err);
  if (e == L6_E_OK) e = decode_bool(r->body, "in_ndc_scope", &x.in_scope, err);
  if (e != L6_E_OK) return e;
  x.approach = approach_of(in.approach);
  if (x.approach == 0) return l6_fail(err, L6_E_INVALID_VALUE, "approach must be CA0001 to CA9999");
  snprintf(x.party, sizeof x.party, "%s", in.party);
  snprintf(x.project, sizeof x.project, "%s", in.project);
  snprintf(x.ft_event, sizeof x.ft_event, "%s", in.first_transfer_event);
  x.vintage_from = in.vintage_from;
  x.vintage_to = in.vintage_to;
  x.quantity = in.quantity;
  x.year_from = in.year_from;
  x.year_to = in.year_to;
  return svc_a6_authorize_st(r->svc, &r->actor, &x, out, &r->status, err);
}

static l6_err path_auth(req *r, l6_id *id, l6_error *err) {
  if (api_path_id(r, 0, id, err) != L6_E_OK)
    return l6_fail(err, L6_E_UNKNOWN_AUTHORIZATION, "'%.40s' is not an authorization id", r->param[0]);
  return L6_E_OK;
}

l6_err h_a6_auth_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_auth(r, &id, err);
  return e ? e : svc_a6_auth_get(r->svc, &r->actor, id, out, err);
}

/* POST /v1/a6/authorizations/{id}/revoke: body {} (no fields). */
l6_err h_a6_auth_revoke(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_auth(r, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, NULL, 0, NULL, NULL, err);
  return e ? e : svc_a6_revoke_st(r->svc, &r->actor, id, out, &r->status, err);
}

/* POST /v1/a6/authorizations/{id}/amendments: body {"changes": {...},
 * "effective_from": "YYYY-MM-DD", "reason": "..."} (svc_a6_amend). */
typedef struct {
  char effective_from[16];
  char reason[L6_NAME_MAX + 1];
} amend_in;

l6_err h_a6_auth_amend(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(amend_in, effective_from, JF_STR, true), F(amend_in, reason, JF_STR, false)};
  static const char *const extra[] = {"changes", NULL};
  l6_id id;
  amend_in in = {0};
  l6_err e = path_auth(r, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  const json_t *changes = json_object_get(r->body, "changes");
  if (e == L6_E_OK && changes == NULL) e = l6_fail(err, L6_E_MISSING_FIELD, "field 'changes' is required");
  if (e == L6_E_OK && !json_is_object(changes)) e = l6_fail(err, L6_E_WRONG_TYPE, "field 'changes' must be an object");
  r->status = 201;
  return e ? e : svc_a6_amend(r->svc, &r->actor, id, changes, in.effective_from, in.reason, out, err);
}

/* GET /v1/a6/authorizations/{id}/letter: the letter's canonical text, its
 * hash recomputed from the stored terms, the hash recorded, and whether
 * they match. */
l6_err h_a6_auth_letter(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_auth(r, &id, err);
  return e ? e : svc_a6_auth_letter(r->svc, &r->actor, id, out, err);
}

/* GET /v1/a6/authorizations/{id}/versions: the amendments, oldest first. */
l6_err h_a6_auth_versions(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_auth(r, &id, err);
  return e ? e : svc_a6_auth_versions(r->svc, &r->actor, id, out, err);
}

l6_err h_a6_itmo_list(req *r, json_t **out, l6_error *err) {
  const char *v = api_query(r, "authorization");
  l6_id auth = 0;
  if (v) {
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (*v < '1' || *v > '9' || *end != '\0' || x <= 0 || strlen(v) > 18)
      return l6_fail(err, L6_E_BAD_PARAM, "query parameter 'authorization' must be a positive integer");
    auth = x;
  }
  return svc_a6_itmo_list(r->svc, &r->actor, auth, out, err);
}

/* ---- actions ---------------------------------------------------------- */

typedef struct {
  int64_t account;
  char first_id[64], last_id[64];
  char party[4];
  int year;
  char kind[32];
  char purpose[16];
  char phase[16];
  char entity[L6_NAME_MAX + 1];
  int64_t batch, first, last;
  int effective_year;
} act_in;

/* Fills the ITMO range of an action; last_id defaults to first_id. */
static l6_err act_common(req *r, const act_in *in, l6_a6_act_req *x, l6_error *err) {
  if (in->account <= 0) return l6_fail(err, L6_E_UNKNOWN_ACCOUNT, "account ids are positive");
  x->account = in->account;
  snprintf(x->first_id, sizeof x->first_id, "%s", in->first_id);
  snprintf(x->last_id, sizeof x->last_id, "%s", in->last_id[0] ? in->last_id : in->first_id);
  r->status = 201;
  return L6_E_OK;
}

/* POST /v1/a6/first-transfers: the host records the first transfer of
 * ITMOs it holds (e.g. before they leave this registry). */
l6_err h_a6_first_transfer(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(act_in, account, JF_INT, true), F(act_in, first_id, JF_STR, true),
                             F(act_in, last_id, JF_STR, false), F(act_in, effective_year, JF_INT32, false)};
  act_in in = {0};
  l6_a6_act_req x = {.kind = A6_ACT_FIRST_TRANSFER};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e == L6_E_OK) e = act_common(r, &in, &x, err);
  x.effective_year = in.effective_year;
  return e ? e : svc_a6_act(r->svc, &r->actor, &x, out, err);
}

/* POST /v1/a6/uses: use toward the acquiring Party's NDC in a year. */
l6_err h_a6_use(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(act_in, account, JF_INT, true), F(act_in, first_id, JF_STR, true),
                             F(act_in, last_id, JF_STR, false), F(act_in, party, JF_STR, true),
                             F(act_in, year, JF_INT32, true)};
  act_in in = {0};
  l6_a6_act_req x = {.kind = A6_ACT_USE};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e == L6_E_OK) e = act_common(r, &in, &x, err);
  if (e != L6_E_OK) return e;
  snprintf(x.party, sizeof x.party, "%s", in.party);
  x.year = in.year;
  return svc_a6_act(r->svc, &r->actor, &x, out, err);
}

/* POST /v1/a6/cancellations: "kind" "oimp" (ITMOs for other international
 * mitigation purposes: CORSIA, voluntary claim, other) or
 * "mitigation-contribution" (unauthorized units, serials of a batch, no
 * corresponding adjustment). Each kind has its own fields. */
l6_err h_a6_cancel(req *r, json_t **out, l6_error *err) {
  static const jfield oimp[] = {F(act_in, kind, JF_STR, true),     F(act_in, account, JF_INT, true),
                                F(act_in, first_id, JF_STR, true), F(act_in, last_id, JF_STR, false),
                                F(act_in, purpose, JF_STR, true),  F(act_in, entity, JF_STR, true),
                                F(act_in, phase, JF_STR, false),   F(act_in, effective_year, JF_INT32, false)};
  static const jfield mc[] = {F(act_in, kind, JF_STR, true), F(act_in, account, JF_INT, true),
                              F(act_in, batch, JF_INT, true), F(act_in, first, JF_INT, true),
                              F(act_in, last, JF_INT, true)};
  json_t *k = json_object_get(r->body, "kind");
  if (k == NULL || json_is_null(k)) return l6_fail(err, L6_E_MISSING_FIELD, "field 'kind' is required");
  if (!json_is_string(k)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'kind' must be a string");
  bool is_oimp = strcmp(json_string_value(k), "oimp") == 0;
  if (!is_oimp && strcmp(json_string_value(k), "mitigation-contribution") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "kind must be oimp or mitigation-contribution");
  act_in in = {0};
  l6_a6_act_req x = {.kind = is_oimp ? A6_ACT_OIMP : A6_ACT_VOLUNTARY};
  l6_err e = is_oimp ? json_decode(r->body, oimp, NF(oimp), NULL, &in, err) : json_decode(r->body, mc, NF(mc), NULL, &in, err);
  if (e != L6_E_OK) return e;
  if (is_oimp) {
    e = act_common(r, &in, &x, err);
    if (e == L6_E_OK && strcmp(in.purpose, "CORSIA") == 0 && in.phase[0] == '\0')
      e = l6_fail(err, L6_E_MISSING_FIELD, "field 'phase' (the CORSIA compliance phase) is required for CORSIA");
    if (e == L6_E_OK && strcmp(in.purpose, "CORSIA") != 0 && in.phase[0])
      e = l6_fail(err, L6_E_INVALID_VALUE, "field 'phase' is for CORSIA cancellations only");
    if (e != L6_E_OK) return e;
    snprintf(x.purpose, sizeof x.purpose, "%s", in.purpose);
    snprintf(x.phase, sizeof x.phase, "%s", in.phase);
    snprintf(x.entity, sizeof x.entity, "%s", in.entity);
    x.effective_year = in.effective_year;
  } else {
    if (in.account <= 0) return l6_fail(err, L6_E_UNKNOWN_ACCOUNT, "account ids are positive");
    if (in.batch <= 0) return l6_fail(err, L6_E_UNKNOWN_BATCH, "batch ids are positive");
    x.account = in.account;
    x.range = (l6_range){.batch = in.batch, .first = in.first, .last = in.last};
    r->status = 201;
  }
  return svc_a6_act(r->svc, &r->actor, &x, out, err);
}

/* ---- books ------------------------------------------------------------ */

l6_err h_a6_balances(req *r, json_t **out, l6_error *err) {
  char party[4];
  l6_err e = path_party(r, party, L6_E_UNKNOWN_NDC, err);
  return e ? e : svc_a6_balances(r->svc, &r->actor, party, out, err);
}

l6_err h_a6_whatif(req *r, json_t **out, l6_error *err) {
  char party[4];
  l6_err e = path_party(r, party, L6_E_UNKNOWN_NDC, err);
  return e ? e : svc_a6_whatif(r->svc, &r->actor, party, out, err);
}

/* GET /v1/a6/aef/{party}?year=YYYY[&format=json|csv|xlsx][&table=NAME]: the
 * report after its consistency check. When the check fails the report is
 * withheld: 409 aef_inconsistent with the list of inconsistencies (the CLI
 * exits 1). format=xlsx: the UN's workbook (aef_export.c); format=csv: one
 * table, named by table= (required). */
l6_err h_a6_aef(req *r, json_t **out, l6_error *err) {
  char party[4], format[8], as_of[11], table[24];
  int year;
  l6_err e = path_party(r, party, L6_E_UNKNOWN_NDC, err);
  if (e == L6_E_OK) e = query_year(r, &year, err);
  if (e == L6_E_OK) e = api_query_str(r, "format", format, sizeof format, err);
  if (e == L6_E_OK && format[0] && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)
    e = l6_fail(err, L6_E_BAD_PARAM, "format must be json, csv or xlsx");
  if (e == L6_E_OK) e = api_query_str(r, "table", table, sizeof table, err);
  if (e == L6_E_OK && strcmp(format, "csv") == 0 && !svc_a6_aef_table_known(table))
    e = l6_fail(err, L6_E_BAD_PARAM,
                "format=csv writes one table: table must be submission, authorizations, actions, holdings or "
                "authorized_entities");
  if (e == L6_E_OK && strcmp(format, "csv") != 0 && api_query(r, "table") != NULL)
    e = l6_fail(err, L6_E_BAD_PARAM, "table goes with format=csv only");
  if (e == L6_E_OK) e = api_query_str(r, "as_of", as_of, sizeof as_of, err); /* the service checks the date */
  if (e == L6_E_OK && as_of[0] == '\0' && api_query(r, "as_of") != NULL)
    e = l6_fail(err, L6_E_BAD_PARAM, "as_of must be a date YYYY-MM-DD");
  if (e == L6_E_OK) e = svc_a6_aef(r->svc, &r->actor, party, year, as_of, out, err);
  if (e != L6_E_OK) return e;
  json_t *c = json_object_get(*out, "consistency");
  if (!json_is_true(json_object_get(c, "consistent"))) {
    json_t *list = json_incref(json_object_get(c, "inconsistencies"));
    json_decref(*out);
    char msg[160];
    snprintf(msg, sizeof msg, "the books of %s fail the AEF consistency check (%zu inconsistencies); the report is withheld",
             party, json_array_size(list));
    *out = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", l6_err_code(L6_E_AEF_INCONSISTENT), "message", msg,
                     "inconsistencies", list);
    r->status = l6_err_status(L6_E_AEF_INCONSISTENT);
    return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (strcmp(format, "csv") == 0) {
    r->page = svc_a6_aef_csv_table(*out, table);
    r->page_type = "text/csv; charset=utf-8";
    json_decref(*out);
    *out = NULL;
    if (r->page == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  } else if (strcmp(format, "xlsx") == 0) {
    e = svc_a6_aef_xlsx(*out, &r->page, &r->page_len, err);
    r->page_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    json_decref(*out);
    *out = NULL;
    return e;
  }
  return L6_E_OK;
}

/* GET /v1/a6/aef/{party}/checks?year=YYYY[&as_of=YYYY-MM-DD]: every
 * consistency check run before an AEF export, passed or failed, with its
 * findings (200 either way: this is where to see why an export is refused). */
l6_err h_a6_aef_checks(req *r, json_t **out, l6_error *err) {
  char party[4], as_of[11];
  int year;
  l6_err e = path_party(r, party, L6_E_UNKNOWN_NDC, err);
  if (e == L6_E_OK) e = query_year(r, &year, err);
  if (e == L6_E_OK) e = api_query_str(r, "as_of", as_of, sizeof as_of, err);
  if (e == L6_E_OK && as_of[0] == '\0' && api_query(r, "as_of") != NULL)
    e = l6_fail(err, L6_E_BAD_PARAM, "as_of must be a date YYYY-MM-DD");
  return e ? e : svc_a6_aef_checks(r->svc, &r->actor, party, year, as_of, out, err);
}

l6_err h_a6_corsia(req *r, json_t **out, l6_error *err) { return svc_a6_corsia(r->svc, &r->actor, out, err); }

/* ---- authorization requests (a6_request.c) ---------------------------- */

/* POST /v1/a6/authorization-requests: a project participant asks the host's
 * authority for an authorization: the terms of POST /v1/a6/authorizations
 * without party (the project's host), and an optional note. */
typedef struct {
  char approach[8];
  char project[L6_CODE_MAX + 1];
  int32_t vintage_from, vintage_to, year_from, year_to;
  int64_t quantity;
  char first_transfer_event[16];
  char note[L6_TEXT_MAX + 1];
} req_in;

l6_err h_a6_request_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(req_in, approach, JF_STR, true),      F(req_in, project, JF_STR, true),
                             F(req_in, vintage_from, JF_INT32, true), F(req_in, vintage_to, JF_INT32, true),
                             F(req_in, quantity, JF_INT, true),       F(req_in, first_transfer_event, JF_STR, false),
                             F(req_in, year_from, JF_INT32, true),    F(req_in, year_to, JF_INT32, true),
                             F(req_in, note, JF_STR, false)};
  static const char *const extra[] = {"purposes", "authorized_parties", "authorized_entities", "in_ndc_scope", NULL};
  req_in *in = calloc(1, sizeof *in);
  if (in == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_a6_auth x = {.in_scope = true};
  bool given;
  l6_err e = json_decode(r->body, f, NF(f), extra, in, err);
  if (e == L6_E_OK) e = decode_list(r->body, "purposes", ',', x.purposes, sizeof x.purposes, &given, err);
  if (e == L6_E_OK && !given) e = l6_fail(err, L6_E_MISSING_FIELD, "field 'purposes' is required");
  if (e == L6_E_OK) e = decode_list(r->body, "authorized_parties", ',', x.parties, sizeof x.parties, &given, err);
  if (e == L6_E_OK) e = decode_list(r->body, "authorized_entities", '|', x.entities, sizeof x.entities, &given, err);
  if (e == L6_E_OK) e = decode_bool(r->body, "in_ndc_scope", &x.in_scope, err);
  if (e == L6_E_OK && (x.approach = approach_of(in->approach)) == 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "approach must be CA0001 to CA9999");
  if (e == L6_E_OK) {
    snprintf(x.project, sizeof x.project, "%s", in->project);
    snprintf(x.ft_event, sizeof x.ft_event, "%s", in->first_transfer_event);
    x.vintage_from = in->vintage_from;
    x.vintage_to = in->vintage_to;
    x.quantity = in->quantity;
    x.year_from = in->year_from;
    x.year_to = in->year_to;
    r->status = 201;
    e = svc_a6_request_post(r->svc, &r->actor, &x, in->note, out, err);
  }
  free(in);
  return e;
}

/* GET /v1/a6/authorization-requests[?party=XXX]. */
l6_err h_a6_request_list(req *r, json_t **out, l6_error *err) {
  char party[8];
  l6_err e = api_query_str(r, "party", party, sizeof party, err);
  if (e == L6_E_OK && party[0] && strlen(party) != 3) e = l6_fail(err, L6_E_BAD_PARAM, "party must be a Party code");
  return e ? e : svc_a6_request_list(r->svc, &r->actor, party, out, err);
}

static l6_err path_request(req *r, l6_id *id, l6_error *err) {
  if (api_path_id(r, 0, id, err) != L6_E_OK)
    return l6_fail(err, L6_E_UNKNOWN_AUTHORIZATION_REQUEST, "'%.40s' is not an authorization request id", r->param[0]);
  return L6_E_OK;
}

l6_err h_a6_request_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_request(r, &id, err);
  return e ? e : svc_a6_request_get(r->svc, &r->actor, id, out, err);
}

/* POST /v1/a6/authorization-requests/{id}/approve: body {} (no fields). */
l6_err h_a6_request_approve(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_request(r, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, NULL, 0, NULL, NULL, err);
  return e ? e : svc_a6_request_decide(r->svc, &r->actor, id, true, NULL, out, &r->status, err);
}

/* POST /v1/a6/authorization-requests/{id}/reject: body {"reasons": "..."}. */
typedef struct {
  char reasons[L6_TEXT_MAX + 1];
} reject_in;

l6_err h_a6_request_reject(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(reject_in, reasons, JF_STR, true)};
  l6_id id;
  reject_in *in = calloc(1, sizeof *in);
  if (in == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = path_request(r, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, in, err);
  if (e == L6_E_OK) e = svc_a6_request_decide(r->svc, &r->actor, id, false, in->reasons, out, &r->status, err);
  free(in);
  return e;
}
