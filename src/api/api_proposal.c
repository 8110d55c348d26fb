/*
 * api_proposal.c -- HTTP handlers of four eyes, trusted accounts and
 * transfer delays (src/service/proposal.h; docs/API.md, "Four eyes,
 * trusted accounts and transfer delays"). A covered POST /v1/transfers,
 * /v1/retirements or /v1/cancellations answers 202 with the proposal
 * (api.c, h_move: the service says which status).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/proposal.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

l6_err h_policy_get(req *r, json_t **out, l6_error *err) { return svc_policy_get(r->svc, &r->actor, r->param[0], out, err); }

l6_err h_policy_put(req *r, json_t **out, l6_error *err) {
  return svc_policy_put(r->svc, &r->actor, r->param[0], r->body, out, err);
}

/* An optional positive id query parameter (0 when absent). */
static l6_err q_pos(req *r, const char *name, l6_id *out, l6_error *err) {
  const char *v = api_query(r, name);
  *out = 0;
  if (v == NULL) return L6_E_OK;
  char *end = NULL;
  long long n = strtoll(v, &end, 10);
  if (v[0] < '1' || v[0] > '9' || *end != '\0' || n <= 0)
    return l6_fail(err, L6_E_BAD_PARAM, "query parameter '%s' must be a positive integer", name);
  *out = n;
  return L6_E_OK;
}

l6_err h_proposal_list(req *r, json_t **out, l6_error *err) {
  char state[16];
  l6_id org, account, after;
  l6_page pg;
  l6_err e = api_query_str(r, "state", state, sizeof state, err);
  if (e == L6_E_OK) e = q_pos(r, "organisation", &org, err);
  if (e == L6_E_OK) e = q_pos(r, "account", &account, err);
  if (e == L6_E_OK) e = api_page(r, &pg, err);
  if (e == L6_E_OK) e = q_pos(r, "after", &after, err);
  return e ? e : svc_proposal_list(r->svc, &r->actor, state, org, account, &pg, out, err);
}

l6_err h_proposal_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_proposal_get(r->svc, &r->actor, id, out, err);
}

/* POST .../approve, /reject, /cancel: body {} (201, as the other
 * state-changing actions such as a token's revoke). */
static l6_err decision(req *r, l6_err (*fn)(l6_svc *, const l6_actor *, l6_id, json_t **, l6_error *), json_t **out,
                       l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, NULL, 0, NULL, NULL, err);
  r->status = 201;
  return e ? e : fn(r->svc, &r->actor, id, out, err);
}
l6_err h_proposal_approve(req *r, json_t **out, l6_error *err) { return decision(r, svc_proposal_approve, out, err); }
l6_err h_proposal_reject(req *r, json_t **out, l6_error *err) { return decision(r, svc_proposal_reject, out, err); }
l6_err h_proposal_cancel(req *r, json_t **out, l6_error *err) { return decision(r, svc_proposal_cancel, out, err); }

l6_err h_trusted_list(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  return e ? e : svc_trusted_list(r->svc, &r->actor, id, out, err);
}

l6_err h_trusted_post(req *r, json_t **out, l6_error *err) {
  typedef struct {
    int64_t account;
  } trusted_in;
  static const jfield f[] = {F(trusted_in, account, JF_INT, true)};
  trusted_in in = {0};
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e == L6_E_OK && in.account <= 0) e = l6_fail(err, L6_E_UNKNOWN_ACCOUNT, "account ids are positive integers");
  r->status = 201;
  return e ? e : svc_trusted_add(r->svc, &r->actor, id, in.account, out, err);
}

l6_err h_trusted_delete(req *r, json_t **out, l6_error *err) {
  l6_id id, trusted;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = api_path_id(r, 1, &trusted, err);
  return e ? e : svc_trusted_remove(r->svc, &r->actor, id, trusted, out, err);
}
