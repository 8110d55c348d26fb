/*
 * api_ldc.c -- issue 20 items 3-4 over HTTP: GET /v1/fees/{party}, the fee
 * report of a host Party (src/service/mech_ldc.c). The safeguards and SD
 * indicators ride on the cycle's step bodies (api_cycle.c).
 */
#include <stdio.h>
#include <string.h>

#include "../service/ldc.h"
#include "api_int.h"

/* GET /v1/fees/{party}: public, like the mechanisms' files it applies. */
l6_err h_fee_report(req *r, json_t **out, l6_error *err) {
  if (strlen(r->param[0]) != 3 || !l6_valid_alpha3(r->param[0]))
    return l6_fail(err, L6_E_UNKNOWN_PARTY, "'%.40s' is not a Party code", r->param[0]);
  return svc_fee_report(r->svc, &r->actor, r->param[0], out, err);
}

/* GET /v1/benefit-sharing/{party}: public (issue 20 item 5, benefit.c). */
l6_err h_benefit_report(req *r, json_t **out, l6_error *err) {
  if (strlen(r->param[0]) != 3 || !l6_valid_alpha3(r->param[0]))
    return l6_fail(err, L6_E_UNKNOWN_PARTY, "'%.40s' is not a Party code", r->param[0]);
  return svc_benefit_report(r->svc, &r->actor, r->param[0], out, err);
}
