/*
 * api_voice.c -- HTTP handlers of programmes of activities, public
 * comment, grievances and appeals (issue 20; routes in api_int.h,
 * API_VOICE_ROUTES; use cases in src/service/poa.h and voice.h; reference
 * in docs/API.md). The service reads the JSON bodies strictly (unknown
 * fields refused) and checks the roles. POST /v1/poas/{code}/steps
 * is in api_cycle.c, whose step decoders it shares. Every POST that
 * succeeds answers 201: each records a step, a comment or a move.
 */
#include <stdio.h>
#include <string.h>

#include "../service/poa.h"
#include "../service/voice.h"
#include "api_int.h"

static l6_err need_body(req *r, l6_error *err) {
  return json_is_object(r->body) ? L6_E_OK : l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
}

/* ---- programmes of activities ------------------------------------------- */

l6_err h_poa_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_poa_register(r->svc, &r->actor, r->body, out, err);
}

l6_err h_poa_get(req *r, json_t **out, l6_error *err) { return svc_poa_get(r->svc, &r->actor, r->param[0], out, err); }

l6_err h_poa_component_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_poa_component_propose(r->svc, &r->actor, r->param[0], r->body, out, err);
}

l6_err h_poa_inclusion(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_poa_inclusion(r->svc, &r->actor, r->param[0], r->param[1], r->body, out, err);
}

/* ---- public comment ------------------------------------------------------ */

l6_err h_comment_post(req *r, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_comment_post(r->svc, &r->actor, r->param[0], r->body, out, err);
}

l6_err h_comment_list(req *r, json_t **out, l6_error *err) {
  return svc_comment_list(r->svc, &r->actor, r->param[0], out, err);
}

l6_err h_comment_hide(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_comment_hide(r->svc, &r->actor, id, r->body, out, err);
}

l6_err h_comment_respond(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_comment_respond(r->svc, &r->actor, id, r->body, out, err);
}

/* ---- grievances and appeals --------------------------------------------- */

static l6_err case_post(req *r, const char *kind, json_t **out, l6_error *err) {
  l6_err e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_case_create(r->svc, &r->actor, kind, r->body, out, err);
}

static l6_err case_get(req *r, const char *kind, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_case_get(r->svc, &r->actor, kind, id, out, err);
}

static l6_err case_step(req *r, const char *kind, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = need_body(r, err);
  r->status = 201;
  return e ? e : svc_case_step(r->svc, &r->actor, kind, id, r->body, out, err);
}

l6_err h_grievance_post(req *r, json_t **out, l6_error *err) { return case_post(r, "grievance", out, err); }
l6_err h_grievance_get(req *r, json_t **out, l6_error *err) { return case_get(r, "grievance", out, err); }
l6_err h_grievance_step(req *r, json_t **out, l6_error *err) { return case_step(r, "grievance", out, err); }
l6_err h_appeal_post(req *r, json_t **out, l6_error *err) { return case_post(r, "appeal", out, err); }
l6_err h_appeal_get(req *r, json_t **out, l6_error *err) { return case_get(r, "appeal", out, err); }
l6_err h_appeal_step(req *r, json_t **out, l6_error *err) { return case_step(r, "appeal", out, err); }
