/*
 * api_ets.c -- HTTP handlers of emissions trading compliance (routes in
 * api_int.h, API_ETS_ROUTES; use cases in src/service/ets.h; reference in
 * docs/API.md, "Emissions trading", and docs/ETS.md). Like api.c: decode
 * strictly, call one service function, reply. Roles are the service's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/ets.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

/* Path parameter i as a code: a longer text names nothing (404 `unknown`). */
static l6_err path_code(req *r, int i, char *dst, size_t cap, l6_err unknown, l6_error *err) {
  if (strlen(r->param[i]) >= cap) return l6_fail(err, unknown, "'%.40s' is too long to be a code", r->param[i]);
  snprintf(dst, cap, "%s", r->param[i]);
  return L6_E_OK;
}

static l6_err decode_bool(const json_t *body, const char *key, bool *out, l6_error *err) {
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v)) return L6_E_OK;
  if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be true or false", key);
  *out = json_is_true(v);
  return L6_E_OK;
}

l6_err h_ets_jurisdictions(req *r, json_t **out, l6_error *err) { return svc_ets_jurisdictions(r->svc, &r->actor, out, err); }
l6_err h_ets_scheme_list(req *r, json_t **out, l6_error *err) { return svc_ets_scheme_list(r->svc, &r->actor, out, err); }

typedef struct {
  char name[L6_NAME_MAX + 1], jurisdiction[L6_CODE_MAX + 1], registry[6], deadline[6], currency[4];
  int first_year, last_year;
  int64_t penalty, allocation_account, auction_account;
} scheme_in;

/* PUT /v1/ets/schemes/{code} */
l6_err h_ets_scheme_put(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(scheme_in, name, JF_STR, true),         F(scheme_in, jurisdiction, JF_STR, true),
                             F(scheme_in, registry, JF_STR, true),     F(scheme_in, first_year, JF_INT32, true),
                             F(scheme_in, last_year, JF_INT32, true),  F(scheme_in, deadline, JF_STR, true),
                             F(scheme_in, penalty, JF_INT, true),      F(scheme_in, currency, JF_STR, true),
                             F(scheme_in, allocation_account, JF_INT, false), F(scheme_in, auction_account, JF_INT, false)};
  scheme_in in = {0};
  l6_ets_scheme x = {0};
  l6_err e = path_code(r, 0, x.code, sizeof x.code, L6_E_UNKNOWN_SCHEME, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  snprintf(x.name, sizeof x.name, "%s", in.name);
  snprintf(x.jurisdiction, sizeof x.jurisdiction, "%s", in.jurisdiction);
  snprintf(x.registry, sizeof x.registry, "%s", in.registry);
  snprintf(x.deadline, sizeof x.deadline, "%s", in.deadline);
  snprintf(x.currency, sizeof x.currency, "%s", in.currency);
  x.first_year = in.first_year;
  x.last_year = in.last_year;
  x.penalty = in.penalty;
  x.allocation_account = in.allocation_account;
  x.auction_account = in.auction_account;
  return svc_ets_scheme_put(r->svc, &r->actor, &x, out, err);
}

l6_err h_ets_entity_list(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, 0, code, sizeof code, L6_E_UNKNOWN_SCHEME, err);
  return e ? e : svc_ets_entity_list(r->svc, &r->actor, code, out, err);
}

typedef struct {
  char name[L6_NAME_MAX + 1], province[L6_ETS_VALUE_MAX + 1], city[L6_ETS_VALUE_MAX + 1], sector[L6_ETS_VALUE_MAX + 1];
  char installations[L6_TEXT_MAX + 1];
  int64_t organisation, account;
} entity_in;

/* PUT /v1/ets/schemes/{code}/entities/{id}; installations: array of names. */
l6_err h_ets_entity_put(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(entity_in, name, JF_STR, true),          F(entity_in, organisation, JF_INT, true),
                             F(entity_in, account, JF_INT, true),       F(entity_in, province, JF_STR, true),
                             F(entity_in, city, JF_STR, false),         F(entity_in, sector, JF_STR, false)};
  static const char *const extra[] = {"installations", NULL};
  entity_in in = {0};
  l6_ets_entity x = {0};
  l6_err e = path_code(r, 0, x.scheme, sizeof x.scheme, L6_E_UNKNOWN_SCHEME, err);
  if (e == L6_E_OK) e = path_code(r, 1, x.id, sizeof x.id, L6_E_INVALID_VALUE, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  json_t *inst = e == L6_E_OK ? json_object_get(r->body, "installations") : NULL;
  if (inst && !json_is_null(inst)) {
    if (!json_is_array(inst)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'installations' must be an array of names");
    size_t i, len = 0;
    json_t *it;
    json_array_foreach(inst, i, it) {
      const char *v = json_string_value(it);
      if (!v || !*v || strchr(v, '|') || !l6_valid_text(v, L6_NAME_MAX))
        return l6_fail(err, json_is_string(it) ? L6_E_INVALID_VALUE : L6_E_WRONG_TYPE,
                       "installations[%zu] must be a name without '|'", i);
      if (len + strlen(v) + 2 > sizeof x.installations) return l6_fail(err, L6_E_INVALID_VALUE, "installations are too long");
      len += (size_t)snprintf(x.installations + len, sizeof x.installations - len, "%s%s", len ? "|" : "", v);
    }
  }
  if (e != L6_E_OK) return e;
  snprintf(x.name, sizeof x.name, "%s", in.name);
  snprintf(x.province, sizeof x.province, "%s", in.province);
  snprintf(x.city, sizeof x.city, "%s", in.city);
  snprintf(x.sector, sizeof x.sector, "%s", in.sector);
  x.org = in.organisation;
  x.account = in.account;
  return svc_ets_entity_put(r->svc, &r->actor, &x, out, err);
}

/* GET /v1/ets/projects/{id}: the attributes with their history (public). */
l6_err h_ets_project_get(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  l6_err e = path_code(r, 0, id, sizeof id, L6_E_UNKNOWN_PROJECT, err);
  return e ? e : svc_ets_project_get(r->svc, &r->actor, id, out, err);
}

typedef struct {
  char project_type[L6_ETS_VALUE_MAX + 1], province[L6_ETS_VALUE_MAX + 1], city[L6_ETS_VALUE_MAX + 1];
  char reg_province[L6_ETS_VALUE_MAX + 1], registered[11], produced[11];
} project_in;

/* PUT /v1/ets/projects/{id}: the attributes offset rules test. gases: array. */
l6_err h_ets_project_put(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(project_in, project_type, JF_STR, true), F(project_in, province, JF_STR, true),
                             F(project_in, city, JF_STR, false),         F(project_in, reg_province, JF_STR, false),
                             F(project_in, registered, JF_STR, false),   F(project_in, produced, JF_STR, false)};
  static const char *const extra[] = {"gases", "covered_entity", NULL};
  project_in in = {0};
  l6_ets_project x = {0};
  l6_err e = path_code(r, 0, x.project, sizeof x.project, L6_E_UNKNOWN_PROJECT, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_bool(r->body, "covered_entity", &x.covered_entity, err);
  json_t *g = e == L6_E_OK ? json_object_get(r->body, "gases") : NULL;
  if (g && !json_is_null(g)) {
    if (!json_is_array(g)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'gases' must be an array of gas names");
    size_t i, len = 0;
    json_t *it;
    json_array_foreach(g, i, it) {
      const char *v = json_string_value(it);
      if (!v) return l6_fail(err, L6_E_WRONG_TYPE, "gases[%zu] must be a string", i);
      if (!*v || strchr(v, ',') || len + strlen(v) + 2 > sizeof x.gases)
        return l6_fail(err, L6_E_INVALID_VALUE, "gases must be short names (%d characters in all)", L6_ETS_VALUE_MAX);
      len += (size_t)snprintf(x.gases + len, sizeof x.gases - len, "%s%s", len ? "," : "", v);
    }
  }
  if (e != L6_E_OK) return e;
  snprintf(x.project_type, sizeof x.project_type, "%s", in.project_type);
  snprintf(x.province, sizeof x.province, "%s", in.province);
  snprintf(x.city, sizeof x.city, "%s", in.city);
  snprintf(x.reg_province, sizeof x.reg_province, "%s", in.reg_province);
  snprintf(x.registered, sizeof x.registered, "%s", in.registered);
  snprintf(x.produced, sizeof x.produced, "%s", in.produced);
  return svc_ets_project_put(r->svc, &r->actor, &x, out, err);
}

typedef struct {
  char scheme[L6_CODE_MAX + 1], entity[L6_CODE_MAX + 1], method[16];
  int year;
  int64_t verified, allocated, quantity;
} fig_in;

/* PUT /v1/ets/emissions {scheme, entity, year, verified} (verifier). */
l6_err h_ets_emissions(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(fig_in, scheme, JF_STR, true), F(fig_in, entity, JF_STR, true), F(fig_in, year, JF_INT32, true),
                             F(fig_in, verified, JF_INT, true)};
  fig_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  return e ? e : svc_ets_emissions(r->svc, &r->actor, in.scheme, in.entity, in.year, in.verified, out, err);
}

/* GET /v1/ets/emissions?scheme=&entity=&year=: the record and its history
 * (public, like the report). */
l6_err h_ets_record_get(req *r, json_t **out, l6_error *err) {
  fig_in in = {0};
  const char *y = api_query(r, "year");
  l6_err e = api_query_str(r, "scheme", in.scheme, sizeof in.scheme, err);
  if (e == L6_E_OK) e = api_query_str(r, "entity", in.entity, sizeof in.entity, err);
  if (e == L6_E_OK && (!in.scheme[0] || !in.entity[0]))
    e = l6_fail(err, L6_E_BAD_PARAM, "query parameters 'scheme' and 'entity' are required");
  if (e == L6_E_OK && (!y || strlen(y) != 4 || strspn(y, "0123456789") != 4))
    e = l6_fail(err, L6_E_BAD_PARAM, "query parameter 'year' (a four-digit compliance year) is required");
  return e ? e : svc_ets_record_get(r->svc, &r->actor, in.scheme, in.entity, atoi(y), out, err);
}

typedef struct {
  char scheme[L6_CODE_MAX + 1], entity[L6_CODE_MAX + 1], reason[L6_TEXT_MAX + 1];
  int year;
  int64_t verified;
} corr_in;

/* POST /v1/ets/emissions/corrections {scheme, entity, year, verified,
 * reason} (regulator): 201 with the corrected record, or 202 with a
 * proposal under the registry's "ets_emissions" policy. */
l6_err h_ets_correct(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(corr_in, scheme, JF_STR, true), F(corr_in, entity, JF_STR, true),
                             F(corr_in, year, JF_INT32, true), F(corr_in, verified, JF_INT, true),
                             F(corr_in, reason, JF_STR, true)};
  corr_in *in = calloc(1, sizeof *in);
  if (!in) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = json_decode(r->body, f, NF(f), NULL, in, err);
  r->status = 201;
  if (e == L6_E_OK)
    e = svc_ets_correct_st(r->svc, &r->actor, in->scheme, in->entity, in->year, in->verified, in->reason, out, &r->status, err);
  free(in);
  return e;
}

typedef struct {
  int64_t organisation;
} verifier_in;

/* POST /v1/ets/schemes/{code}/verifiers {organisation} (regulator): 201. */
l6_err h_ets_verifier(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(verifier_in, organisation, JF_INT, true)};
  verifier_in in = {0};
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, 0, code, sizeof code, L6_E_UNKNOWN_SCHEME, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e == L6_E_OK) e = svc_ets_verifier_put(r->svc, &r->actor, code, in.organisation, out, err);
  if (e == L6_E_OK) r->status = 201;
  return e;
}

/* POST /v1/ets/emissions/confirm {scheme, entity, year} (regulator): 201,
 * or 202 with a proposal under the registry's "ets_emissions" policy. */
l6_err h_ets_confirm(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(fig_in, scheme, JF_STR, true), F(fig_in, entity, JF_STR, true), F(fig_in, year, JF_INT32, true)};
  fig_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  r->status = 201;
  if (e == L6_E_OK) e = svc_ets_confirm_st(r->svc, &r->actor, in.scheme, in.entity, in.year, out, &r->status, err);
  return e;
}

/* PUT /v1/ets/allocations {scheme, entity, year, allocated} (regulator). */
l6_err h_ets_allocation(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(fig_in, scheme, JF_STR, true), F(fig_in, entity, JF_STR, true), F(fig_in, year, JF_INT32, true),
                             F(fig_in, allocated, JF_INT, true)};
  fig_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  return e ? e : svc_ets_allocation(r->svc, &r->actor, in.scheme, in.entity, in.year, in.allocated, out, err);
}

/* POST /v1/ets/allocations {scheme, entity, year, quantity, method: free|auction}:
 * moves allowances from the scheme's allocation (or auction) account. */
l6_err h_ets_allocate(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(fig_in, scheme, JF_STR, true),   F(fig_in, entity, JF_STR, true),
                             F(fig_in, year, JF_INT32, true),   F(fig_in, quantity, JF_INT, true),
                             F(fig_in, method, JF_STR, false)};
  fig_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e == L6_E_OK && in.method[0] && strcmp(in.method, "free") != 0 && strcmp(in.method, "auction") != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "method must be free or auction");
  if (e == L6_E_OK)
    e = svc_ets_allocate(r->svc, &r->actor, in.scheme, in.entity, in.year, in.quantity, strcmp(in.method, "auction") == 0, out,
                         err);
  if (e == L6_E_OK) r->status = 201;
  return e;
}

typedef struct {
  int64_t batch, first, last;
} item_in;

static l6_err decode_surrender(req *r, l6_ets_surrender_req *x, l6_error *err) {
  static const jfield f[] = {F(fig_in, scheme, JF_STR, true), F(fig_in, entity, JF_STR, true), F(fig_in, year, JF_INT32, true)};
  static const jfield fi[] = {F(item_in, batch, JF_INT, true), F(item_in, first, JF_INT, true), F(item_in, last, JF_INT, true)};
  static const char *const extra[] = {"items", NULL};
  fig_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e != L6_E_OK) return e;
  snprintf(x->scheme, sizeof x->scheme, "%s", in.scheme);
  snprintf(x->entity, sizeof x->entity, "%s", in.entity);
  x->year = in.year;
  json_t *arr = json_object_get(r->body, "items");
  if (arr == NULL || json_is_null(arr)) return L6_E_OK; /* the service says what is missing */
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'items' must be an array of {batch, first, last}");
  if (json_array_size(arr) > L6_ETS_MAX_OFFERS) return l6_fail(err, L6_E_TOO_MANY_RANGES, "at most %d items", L6_ETS_MAX_OFFERS);
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_object(it)) return l6_fail(err, L6_E_WRONG_TYPE, "items[%zu] must be an object {batch, first, last}", i);
    item_in g = {0};
    if ((e = json_decode(it, fi, NF(fi), NULL, &g, err)) != L6_E_OK) return e;
    x->items[x->n++] = (l6_range){.batch = g.batch, .first = g.first, .last = g.last};
  }
  return L6_E_OK;
}

/* POST /v1/ets/surrenders: the surrender. Refused, 422 offset_rules_broken
 * with error.evaluation (the dry run's answer: every broken rule). */
l6_err h_ets_surrender(req *r, json_t **out, l6_error *err) {
  l6_ets_surrender_req *x = calloc(1, sizeof *x);
  if (!x) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = decode_surrender(r, x, err);
  if (e == L6_E_OK) e = svc_ets_surrender(r->svc, &r->actor, x, out, err);
  if (e == L6_E_OK) r->status = 201;
  if (e == L6_E_OFFSET_RULES_BROKEN) { /* the reasons, from the same evaluation as a dry run */
    json_t *ev = NULL;
    l6_error ignore;
    x->dry_run = true;
    if (svc_ets_surrender(r->svc, &r->actor, x, &ev, &ignore) == L6_E_OK) {
      *out = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", l6_err_code(e), "message", err->message, "evaluation", ev);
      r->status = l6_err_status(e);
      e = *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
    }
  }
  free(x);
  return e;
}

/* POST /v1/ets/surrenders/dry-run: the evaluation only; nothing moves (200). */
l6_err h_ets_dry_run(req *r, json_t **out, l6_error *err) {
  l6_ets_surrender_req *x = calloc(1, sizeof *x);
  if (!x) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = decode_surrender(r, x, err);
  x->dry_run = true;
  if (e == L6_E_OK) e = svc_ets_surrender(r->svc, &r->actor, x, out, err);
  free(x);
  return e;
}

/* GET /v1/ets/schemes/{code}/report?year=YYYY[&format=json|csv] (public). */
l6_err h_ets_report(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1], format[8];
  const char *y = api_query(r, "year");
  l6_err e = path_code(r, 0, code, sizeof code, L6_E_UNKNOWN_SCHEME, err);
  if (e == L6_E_OK && (!y || strlen(y) != 4 || strspn(y, "0123456789") != 4))
    e = l6_fail(err, L6_E_BAD_PARAM, "query parameter 'year' (a four-digit compliance year) is required");
  if (e == L6_E_OK) e = api_query_str(r, "format", format, sizeof format, err);
  if (e == L6_E_OK && format[0] && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
    e = l6_fail(err, L6_E_BAD_PARAM, "format must be json or csv");
  if (e == L6_E_OK) e = svc_ets_report(r->svc, &r->actor, code, atoi(y), out, err);
  if (e == L6_E_OK && strcmp(format, "csv") == 0) {
    r->page = svc_ets_report_csv(*out);
    r->page_type = "text/csv; charset=utf-8";
    json_decref(*out);
    *out = NULL;
    if (r->page == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  }
  return e;
}
