/*
 * api_cycle_data.c -- HTTP handlers of monitoring devices, signed readings
 * and ex-ante commitments of an activity (issue 20; service/cycle_data.h;
 * routes in api_int.h, API_CYCLE_ROUTES; reference in docs/API.md). The
 * service decodes the bodies strictly (unknown fields, wrong types and
 * missing fields refused, each with its code).
 */
#include <stdio.h>
#include <string.h>

#include "../service/cycle_data.h"
#include "api_int.h"

static l6_err path_act(req *r, char *dst, size_t cap, l6_error *err) {
  if (strlen(r->param[0]) >= cap) return l6_fail(err, L6_E_UNKNOWN_ACTIVITY, "no activity '%.40s...'", r->param[0]);
  snprintf(dst, cap, "%s", r->param[0]);
  return L6_E_OK;
}

static l6_err path_period(req *r, int *period, l6_error *err) {
  l6_id p = 0;
  if (api_path_id(r, 1, &p, err) != L6_E_OK || p < 1 || p > L6_MAX_PERIODS)
    return l6_fail(err, L6_E_UNKNOWN_PERIOD, "'%.20s' is not a monitoring period", r->param[1]);
  *period = (int)p;
  return L6_E_OK;
}

/* POST /v1/activities/{id}/devices */
l6_err h_device_post(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  l6_err e = path_act(r, id, sizeof id, err);
  r->status = 201;
  return e ? e : svc_device_register(r->svc, &r->actor, id, r->body, out, err);
}

/* POST /v1/activities/{id}/periods/{period}/data */
l6_err h_reading_post(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  int period = 0;
  l6_err e = path_act(r, id, sizeof id, err);
  if (e == L6_E_OK) e = path_period(r, &period, err);
  r->status = 201;
  return e ? e : svc_reading_submit(r->svc, &r->actor, id, period, r->body, out, err);
}

/* GET /v1/activities/{id}/periods/{period}/data */
l6_err h_reading_list(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  int period = 0;
  l6_err e = path_act(r, id, sizeof id, err);
  if (e == L6_E_OK) e = path_period(r, &period, err);
  return e ? e : svc_reading_list(r->svc, &r->actor, id, period, out, err);
}

/* POST /v1/activities/{id}/commitments */
l6_err h_commitment_post(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  l6_err e = path_act(r, id, sizeof id, err);
  r->status = 201;
  return e ? e : svc_commitment_post(r->svc, &r->actor, id, r->body, out, err);
}

/* GET /v1/activities/{id}/commitments */
l6_err h_commitment_list(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  l6_err e = path_act(r, id, sizeof id, err);
  return e ? e : svc_commitment_list(r->svc, &r->actor, id, out, err);
}
