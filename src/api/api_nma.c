/*
 * api_nma.c -- HTTP handlers of the Article 6.8 non-market approaches
 * platform (routes in api_int.h, API_NMA_ROUTES; use cases in
 * src/service/nma.h; reference in docs/API.md, "Non-market approaches").
 * The service checks the JSON bodies strictly (unknown fields refused);
 * roles are the service's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/nma.h"
#include "api_int.h"

/* {"step": name, ...}: the step's name, and the rest of the body. */
static l6_err step_of(req *r, char step[16], json_t **rest, l6_error *err) {
  *rest = NULL;
  json_t *v = json_object_get(r->body, "step");
  if (v == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'step' is required");
  if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'step' must be a string");
  if (json_string_length(v) >= 16) return l6_fail(err, L6_E_INVALID_VALUE, "unknown step");
  snprintf(step, 16, "%s", json_string_value(v));
  *rest = json_deep_copy(r->body);
  if (*rest == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  json_object_del(*rest, "step");
  return L6_E_OK;
}

static l6_err need_body(req *r, l6_error *err) {
  return json_is_object(r->body) ? L6_E_OK : l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
}

l6_err h_nma_list(req *r, json_t **out, l6_error *err) {
  char party[4];
  l6_err e = api_query_str(r, "party", party, sizeof party, err);
  return e ? e : svc_nma_list(r->svc, &r->actor, party, out, err);
}

l6_err h_nma_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_nma_create(r->svc, &r->actor, r->body, out, err);
}

l6_err h_nma_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_nma_get(r->svc, &r->actor, id, out, err);
}

l6_err h_nma_step(req *r, json_t **out, l6_error *err) {
  l6_id id;
  char step[16];
  json_t *rest = NULL;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  if (e == L6_E_OK) e = step_of(r, step, &rest, err);
  if (e == L6_E_OK && json_object_size(rest) > 0)
    e = l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s'", json_object_iter_key(json_object_iter(rest)));
  json_decref(rest);
  r->status = 201;
  return e ? e : svc_nma_step(r->svc, &r->actor, id, step, out, err);
}

l6_err h_nma_consent(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_nma_consent(r->svc, &r->actor, id, r->body, out, err);
}

l6_err h_nma_ranking(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_nma_ranking(r->svc, &r->actor, id, out, err);
}

l6_err h_offer_list(req *r, json_t **out, l6_error *err) { return svc_offer_list(r->svc, &r->actor, out, err); }

l6_err h_offer_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_offer_create(r->svc, &r->actor, r->body, out, err);
}

l6_err h_offer_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_offer_get(r->svc, &r->actor, id, out, err);
}

l6_err h_match_list(req *r, json_t **out, l6_error *err) {
  const char *q = api_query(r, "nma");
  l6_id nma = 0;
  if (q) {
    char *end;
    long long v = strtoll(q, &end, 10);
    if (*q == '\0' || *end != '\0' || v <= 0) return l6_fail(err, L6_E_BAD_PARAM, "nma must be an NMA id");
    nma = v;
  }
  return svc_match_list(r->svc, &r->actor, nma, out, err);
}

l6_err h_match_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_match_propose(r->svc, &r->actor, r->body, out, err);
}

l6_err h_match_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_match_get(r->svc, &r->actor, id, out, err);
}

l6_err h_match_step(req *r, json_t **out, l6_error *err) {
  l6_id id;
  char step[16];
  json_t *rest = NULL;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  if (e == L6_E_OK) e = step_of(r, step, &rest, err);
  r->status = 201;
  if (e == L6_E_OK) e = svc_match_step(r->svc, &r->actor, id, step, rest, out, err);
  json_decref(rest);
  return e;
}

/* GET /v1/nma-totals[?format=json|csv] */
l6_err h_nma_totals(req *r, json_t **out, l6_error *err) {
  char format[8];
  l6_err e = api_query_str(r, "format", format, sizeof format, err);
  if (e == L6_E_OK && format[0] && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
    e = l6_fail(err, L6_E_BAD_PARAM, "format must be json or csv");
  if (e == L6_E_OK) e = svc_nma_totals(r->svc, &r->actor, out, err);
  if (e == L6_E_OK && strcmp(format, "csv") == 0) {
    r->page = svc_nma_totals_csv(*out);
    r->page_type = "text/csv; charset=utf-8";
    json_decref(*out);
    *out = NULL;
    if (r->page == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  }
  return e;
}

/* ---- the adaptation marketplace ---------------------------------------- */

l6_err h_marketplace(req *r, json_t **out, l6_error *err) { return svc_marketplace(r->svc, &r->actor, out, err); }

l6_err h_listing_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_listing_create(r->svc, &r->actor, r->body, out, err);
}

l6_err h_purchase_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_purchase(r->svc, &r->actor, r->body, out, err);
}

l6_err h_purchase_list(req *r, json_t **out, l6_error *err) { return svc_purchase_list(r->svc, &r->actor, out, err); }
