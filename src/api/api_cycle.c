/*
 * api_cycle.c -- HTTP handlers of crediting mechanisms and the project
 * cycle (routes in api_int.h, API_CYCLE_ROUTES; reference in docs/API.md).
 * Like api.c: decode strictly (unknown fields, wrong types, missing
 * fields refused, each with its code), call one service function, reply.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../service/cycle.h"
#include "../service/poa.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

/* ---- decoding pieces -------------------------------------------------- */

/* "documents": [{"type", "sha256"}], optional. */
static l6_err decode_docs(const json_t *body, l6_doc_ref *docs, size_t *n, l6_error *err) {
  json_t *arr = json_object_get(body, "documents");
  *n = 0;
  if (arr == NULL || json_is_null(arr)) return L6_E_OK;
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'documents' must be an array");
  if (json_array_size(arr) > L6_MAX_STEP_DOCS)
    return l6_fail(err, L6_E_INVALID_VALUE, "at most %d documents per step", L6_MAX_STEP_DOCS);
  static const jfield f[] = {F(l6_doc_ref, type, JF_STR, true), F(l6_doc_ref, sha256, JF_STR, true)};
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_object(it)) return l6_fail(err, L6_E_WRONG_TYPE, "documents[%zu] must be an object {type, sha256}", i);
    memset(&docs[i], 0, sizeof docs[i]);
    l6_err e = json_decode(it, f, NF(f), NULL, &docs[i], err);
    if (e != L6_E_OK) return e;
    (*n)++;
  }
  return L6_E_OK;
}

/* A boolean member; *given says whether it was there. */
static l6_err decode_bool(const json_t *body, const char *key, bool *out, bool *given, l6_error *err) {
  json_t *v = json_object_get(body, key);
  *given = v != NULL && !json_is_null(v);
  if (!*given) return L6_E_OK;
  if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be true or false", key);
  *out = json_is_true(v);
  return L6_E_OK;
}

/* "forward": [{"account", "bp"}], optional. */
static l6_err decode_forward(const json_t *body, l6_forward *fw, size_t *n, l6_error *err) {
  json_t *arr = json_object_get(body, "forward");
  *n = 0;
  if (arr == NULL || json_is_null(arr)) return L6_E_OK;
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'forward' must be an array");
  if (json_array_size(arr) > L6_MAX_FORWARD)
    return l6_fail(err, L6_E_INVALID_VALUE, "at most %d forwarding instructions", L6_MAX_FORWARD);
  typedef struct {
    int64_t account;
    int bp;
  } fw_in;
  static const jfield f[] = {F(fw_in, account, JF_INT, true), F(fw_in, bp, JF_INT32, true)};
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_object(it)) return l6_fail(err, L6_E_WRONG_TYPE, "forward[%zu] must be an object {account, bp}", i);
    fw_in in = {0};
    l6_err e = json_decode(it, f, NF(f), NULL, &in, err);
    if (e != L6_E_OK) return e;
    if (in.account <= 0) return l6_fail(err, L6_E_UNKNOWN_ACCOUNT, "forward[%zu]: account ids are positive", i);
    fw[i] = (l6_forward){in.account, in.bp};
    (*n)++;
  }
  return L6_E_OK;
}

/* "inputs": {"name": integer, ...} of a calculator. */
static l6_err decode_inputs(const json_t *body, bool required, l6_calc_arg *in, size_t *n, l6_error *err) {
  json_t *obj = json_object_get(body, "inputs");
  *n = 0;
  if (obj == NULL || json_is_null(obj))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field 'inputs' is required") : L6_E_OK;
  if (!json_is_object(obj)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'inputs' must be an object of integers");
  if (json_object_size(obj) > L6_CALC_MAX_INPUTS)
    return l6_fail(err, L6_E_INVALID_VALUE, "a calculator takes at most %d inputs", L6_CALC_MAX_INPUTS);
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "input '%.32s' must be an integer", key);
    if (strlen(key) >= sizeof in[0].name) return l6_fail(err, L6_E_INVALID_VALUE, "input name '%.32s...' is too long", key);
    snprintf(in[*n].name, sizeof in[0].name, "%s", key);
    in[*n].value = json_integer_value(v);
    (*n)++;
  }
  return L6_E_OK;
}

static l6_err step_of(const char *name, l6_step *out, l6_error *err) {
  *out = l6_step_from_str(name);
  if (*out == L6_STEP__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "unknown step '%.32s'", name);
  return L6_E_OK;
}

static l6_err decision_of(const char *name, l6_decision *out, l6_error *err) {
  *out = L6_DECIDE_NONE;
  if (name[0] == '\0') return L6_E_OK;
  *out = l6_decision_from_str(name);
  if (*out == L6_DECIDE_NONE) return l6_fail(err, L6_E_INVALID_VALUE, "decision must be accept or reject");
  return L6_E_OK;
}

/* Path parameter 0 as an activity id (a project id). */
static l6_err path_activity(req *r, char *dst, size_t cap, l6_error *err) {
  if (strlen(r->param[0]) >= cap) return l6_fail(err, L6_E_UNKNOWN_ACTIVITY, "no activity '%.40s...'", r->param[0]);
  snprintf(dst, cap, "%s", r->param[0]);
  return L6_E_OK;
}

/* ---- mechanisms ------------------------------------------------------- */

l6_err h_mechanism_list(req *r, json_t **out, l6_error *err) { return svc_mechanism_list(r->svc, &r->actor, out, err); }

l6_err h_mechanism_get(req *r, json_t **out, l6_error *err) {
  return svc_mechanism_get(r->svc, &r->actor, r->param[0], out, err);
}

/* ---- documents -------------------------------------------------------- */

typedef struct {
  char name[L6_NAME_MAX + 1];
  char media_type[L6_MEDIA_TYPE_MAX + 1];
  char sha256[65];
  int64_t size;
} doc_in;

l6_err h_document_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(doc_in, name, JF_STR, true), F(doc_in, media_type, JF_STR, true),
                             F(doc_in, sha256, JF_STR, false), F(doc_in, size, JF_INT, false)};
  static const char *const extra[] = {"content_base64", NULL};
  doc_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e != L6_E_OK) return e;
  json_t *c = json_object_get(r->body, "content_base64");
  unsigned char *bytes = NULL;
  size_t len = 0;
  if (c && !json_is_null(c)) {
    if (!json_is_string(c)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'content_base64' must be a string");
    if (json_object_get(r->body, "size"))
      return l6_fail(err, L6_E_INVALID_VALUE, "give content_base64, or sha256 and size; not both");
    size_t cap = json_string_length(c) / 4 * 3 + 3;
    if (cap > L6_MAX_DOC_BYTES + 3)
      return l6_fail(err, L6_E_INVALID_VALUE, "a stored document has at most %d bytes", L6_MAX_DOC_BYTES);
    if ((bytes = malloc(cap)) == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
    if (sodium_base642bin(bytes, cap, json_string_value(c), json_string_length(c), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
      free(bytes);
      return l6_fail(err, L6_E_INVALID_VALUE, "content_base64 is not base64 (RFC 4648, with padding)");
    }
    if (len == 0) {
      free(bytes);
      return l6_fail(err, L6_E_INVALID_VALUE, "content_base64 is empty");
    }
  }
  r->status = 201;
  e = svc_document_put(r->svc, &r->actor, in.name, in.media_type, bytes, len, in.sha256, in.size, out, err);
  free(bytes);
  return e;
}

l6_err h_document_get(req *r, json_t **out, l6_error *err) {
  const char *content = api_query(r, "content");
  if (content && strcmp(content, "true") != 0 && strcmp(content, "false") != 0)
    return l6_fail(err, L6_E_BAD_PARAM, "content must be true or false");
  return svc_document_get(r->svc, &r->actor, r->param[0], content && strcmp(content, "true") == 0, out, err);
}

/* ---- accreditations --------------------------------------------------- */

l6_err h_accreditation_post(req *r, json_t **out, l6_error *err) {
  typedef struct {
    int64_t organisation;
    char mechanism[L6_CODE_MAX + 1];
  } acc_in;
  static const jfield f[] = {F(acc_in, organisation, JF_INT, true), F(acc_in, mechanism, JF_STR, true)};
  static const char *const extra[] = {"scopes", NULL};
  acc_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e != L6_E_OK) return e;
  json_t *arr = json_object_get(r->body, "scopes");
  if (arr == NULL || json_is_null(arr)) return l6_fail(err, L6_E_MISSING_FIELD, "field 'scopes' is required");
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'scopes' must be an array of strings");
  if (json_array_size(arr) > L6_MAX_SCOPES) return l6_fail(err, L6_E_INVALID_VALUE, "at most %d scopes", L6_MAX_SCOPES);
  char scopes[L6_MAX_SCOPES][L6_CODE_MAX + 1];
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_string(it)) return l6_fail(err, L6_E_WRONG_TYPE, "scopes[%zu] must be a string", i);
    if (json_string_length(it) > L6_CODE_MAX) return l6_fail(err, L6_E_INVALID_VALUE, "scopes[%zu] is too long", i);
    snprintf(scopes[i], sizeof scopes[i], "%s", json_string_value(it));
  }
  if (in.organisation <= 0) return l6_fail(err, L6_E_UNKNOWN_ORGANISATION, "organisation ids are positive");
  r->status = 201;
  return svc_accredit(r->svc, &r->actor, in.organisation, in.mechanism, (const char(*)[L6_CODE_MAX + 1])scopes,
                      json_array_size(arr), out, err);
}

/* ---- activities ------------------------------------------------------- */

typedef struct {
  char id[L6_CODE_MAX + 1];
  char mechanism[L6_CODE_MAX + 1];
  char registry[6];
  char host[4];
  char title[L6_NAME_MAX + 1];
  char methodology[L6_NAME_MAX + 1];
  char sector[L6_NAME_MAX + 1];
  char scope[L6_CODE_MAX + 1];
  char kind[16];
  char crediting_start[11];
  char crediting_end[11];
  char comment[L6_NAME_MAX + 1];
  char third_party_choice[L6_CODE_MAX + 1];
} activity_in;

l6_err h_activity_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {
      F(activity_in, id, JF_STR, true),          F(activity_in, mechanism, JF_STR, true),
      F(activity_in, registry, JF_STR, true),    F(activity_in, host, JF_STR, true),
      F(activity_in, title, JF_STR, true),       F(activity_in, methodology, JF_STR, true),
      F(activity_in, sector, JF_STR, true),      F(activity_in, scope, JF_STR, true),
      F(activity_in, kind, JF_STR, true),        F(activity_in, crediting_start, JF_STR, true),
      F(activity_in, crediting_end, JF_STR, true), F(activity_in, comment, JF_STR, false),
      F(activity_in, third_party_choice, JF_STR, false)};
  static const char *const extra[] = {"documents", "ets_covered", NULL};
  activity_in in = {0};
  l6_submit_req x = {.ets_covered = -1};
  bool ets = false, given = false;
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_docs(r->body, x.docs, &x.ndocs, err);
  if (e == L6_E_OK) e = decode_bool(r->body, "ets_covered", &ets, &given, err);
  if (e != L6_E_OK) return e;
  if (given) x.ets_covered = ets;
  l6_project *p = &x.project;
  snprintf(p->id, sizeof p->id, "%s", in.id);
  snprintf(p->host, sizeof p->host, "%s", in.host);
  snprintf(p->title, sizeof p->title, "%s", in.title);
  snprintf(p->methodology, sizeof p->methodology, "%s", in.methodology);
  snprintf(p->sector, sizeof p->sector, "%s", in.sector);
  snprintf(p->kind, sizeof p->kind, "%s", in.kind);
  snprintf(p->crediting_start, sizeof p->crediting_start, "%s", in.crediting_start);
  snprintf(p->crediting_end, sizeof p->crediting_end, "%s", in.crediting_end);
  snprintf(x.mechanism, sizeof x.mechanism, "%s", in.mechanism);
  snprintf(x.registry, sizeof x.registry, "%s", in.registry);
  snprintf(x.scope, sizeof x.scope, "%s", in.scope);
  snprintf(x.comment, sizeof x.comment, "%s", in.comment);
  if (strlen(in.third_party_choice) >= sizeof x.third_party_choice)
    return l6_fail(err, L6_E_REGISTRY_CHOICE_REFUSED, "third_party_choice must be \"host\" or a share's Party");
  snprintf(x.third_party_choice, sizeof x.third_party_choice, "%s", in.third_party_choice);
  r->status = 201;
  return svc_activity_submit(r->svc, &r->actor, &x, out, err);
}

l6_err h_activity_list(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  char mechanism[L6_CODE_MAX + 1], state[24];
  l6_err e = api_page(r, &pg, err);
  if (e == L6_E_OK) e = api_query_str(r, "mechanism", mechanism, sizeof mechanism, err);
  if (e == L6_E_OK) e = api_query_str(r, "state", state, sizeof state, err);
  if (e == L6_E_OK && state[0] && l6_cstate_from_str(state) == L6_CS__NONE)
    e = l6_fail(err, L6_E_BAD_PARAM, "state must be a state of the cycle (submitted, validated, ..., withdrawn)");
  return e ? e : svc_activity_list(r->svc, &r->actor, mechanism, state, &pg, out, err);
}

l6_err h_activity_get(req *r, json_t **out, l6_error *err) {
  char id[L6_CODE_MAX + 1];
  l6_err e = path_activity(r, id, sizeof id, err);
  return e ? e : svc_activity_get(r->svc, &r->actor, id, out, err);
}

typedef struct {
  char step[24];
  char decision[8];
  char comment[L6_NAME_MAX + 1];
  char approved_on[11];
  char observed_on[11];
  int64_t quantity;
  int64_t from_account;
  int64_t to_account;
  int vintage;
  int64_t certified;
  char calculator[32];
} step_in;

/* Fills the common part of a step request. */
static l6_err to_step(const step_in *in, l6_step_req *x, l6_error *err) {
  l6_err e = step_of(in->step, &x->step, err);
  if (e == L6_E_OK) e = decision_of(in->decision, &x->decision, err);
  if (e != L6_E_OK) return e;
  if (in->quantity < 0 || in->from_account < 0 || in->to_account < 0 || in->certified < 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "quantities and account ids are positive");
  snprintf(x->comment, sizeof x->comment, "%s", in->comment);
  snprintf(x->approved_on, sizeof x->approved_on, "%s", in->approved_on);
  snprintf(x->observed_on, sizeof x->observed_on, "%s", in->observed_on);
  snprintf(x->calculator, sizeof x->calculator, "%s", in->calculator);
  x->quantity = in->quantity;
  x->from_account = in->from_account;
  x->to_account = in->to_account;
  x->vintage = in->vintage;
  x->certified = in->certified;
  return L6_E_OK;
}

/* POST /v1/activities/{id}/steps: validate, approve, register, resubmit,
 * withdraw, approve-transition, reversal, replacement, conversion. */
l6_err h_activity_step(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(step_in, step, JF_STR, true),         F(step_in, decision, JF_STR, false),
                             F(step_in, comment, JF_STR, false),     F(step_in, approved_on, JF_STR, false),
                             F(step_in, observed_on, JF_STR, false), F(step_in, quantity, JF_INT, false),
                             F(step_in, from_account, JF_INT, false), F(step_in, to_account, JF_INT, false),
                             F(step_in, vintage, JF_INT32, false)};
  static const char *const extra[] = {"documents", "avoidable", "safeguards", NULL};
  step_in in = {0};
  l6_step_req *x = calloc(1, sizeof *x);
  if (x == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool given = false;
  l6_err e = path_activity(r, x->project, sizeof x->project, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_docs(r->body, x->docs, &x->ndocs, err);
  if (e == L6_E_OK) e = decode_bool(r->body, "avoidable", &x->avoidable, &given, err);
  if (e == L6_E_OK) e = to_step(&in, x, err);
  x->safeguards = json_object_get(r->body, "safeguards"); /* checked by the service (mech_ldc.c) */
  if (e == L6_E_OK && x->step == L6_STEP_REVERSAL && !given)
    e = l6_fail(err, L6_E_MISSING_FIELD, "field 'avoidable' is required for a reversal");
  if (e == L6_E_OK && (cycle_step_on_period(x->step) || x->step == L6_STEP_SUBMIT || x->step == L6_STEP_TRANSITION))
    e = l6_fail(err, L6_E_INVALID_VALUE, "step '%s' is not an activity step here (see docs/API.md)", in.step);
  r->status = 201;
  if (e == L6_E_OK) e = svc_cycle_step(r->svc, &r->actor, x, out, err);
  free(x);
  return e;
}

typedef struct {
  char start[11];
  char end[11];
  char calculator[32];
  char comment[L6_NAME_MAX + 1];
} period_in;

/* POST /v1/activities/{id}/periods: the monitoring report of a new period. */
l6_err h_period_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(period_in, start, JF_STR, true), F(period_in, end, JF_STR, true),
                             F(period_in, calculator, JF_STR, true), F(period_in, comment, JF_STR, false)};
  static const char *const extra[] = {"documents", "inputs", "sd_indicators", NULL};
  period_in in = {0};
  l6_step_req *x = calloc(1, sizeof *x);
  if (x == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  x->step = L6_STEP_MONITOR;
  l6_err e = path_activity(r, x->project, sizeof x->project, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_docs(r->body, x->docs, &x->ndocs, err);
  if (e == L6_E_OK) e = decode_inputs(r->body, true, x->inputs, &x->ninputs, err);
  snprintf(x->start, sizeof x->start, "%s", in.start);
  snprintf(x->end, sizeof x->end, "%s", in.end);
  snprintf(x->calculator, sizeof x->calculator, "%s", in.calculator);
  snprintf(x->comment, sizeof x->comment, "%s", in.comment);
  x->sd_indicators = json_object_get(r->body, "sd_indicators"); /* checked by the service (mech_ldc.c) */
  r->status = 201;
  if (e == L6_E_OK) e = svc_cycle_step(r->svc, &r->actor, x, out, err);
  free(x);
  return e;
}

/* POST /v1/activities/{id}/periods/{period}/steps: verify, request, issue,
 * or monitor again after a rejection. */
l6_err h_period_step(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(step_in, step, JF_STR, true), F(step_in, decision, JF_STR, false),
                             F(step_in, comment, JF_STR, false), F(step_in, certified, JF_INT, false),
                             F(step_in, calculator, JF_STR, false)};
  static const char *const extra[] = {"documents", "forward", "inputs", "sd_indicators", "benefit_accounts", NULL};
  step_in in = {0};
  l6_id period = 0;
  l6_step_req *x = calloc(1, sizeof *x);
  if (x == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = path_activity(r, x->project, sizeof x->project, err);
  if (e == L6_E_OK && (api_path_id(r, 1, &period, err) != L6_E_OK || period > L6_MAX_PERIODS))
    e = l6_fail(err, L6_E_UNKNOWN_PERIOD, "'%.20s' is not a monitoring period", r->param[1]);
  x->period = (int)period;
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_docs(r->body, x->docs, &x->ndocs, err);
  if (e == L6_E_OK) e = decode_forward(r->body, x->forward, &x->nforward, err);
  if (e == L6_E_OK) e = decode_inputs(r->body, false, x->inputs, &x->ninputs, err);
  if (e == L6_E_OK) e = to_step(&in, x, err);
  x->sd_indicators = json_object_get(r->body, "sd_indicators"); /* monitor again: checked by the service */
  x->benefit_accounts = json_object_get(r->body, "benefit_accounts"); /* issue: checked by the service (cycle.c) */
  if (e == L6_E_OK && !cycle_step_on_period(x->step))
    e = l6_fail(err, L6_E_INVALID_VALUE, "step '%s' is not a step of a monitoring period", in.step);
  r->status = 201;
  if (e == L6_E_OK) e = svc_cycle_step(r->svc, &r->actor, x, out, err);
  free(x);
  return e;
}

typedef struct {
  char project[L6_CODE_MAX + 1];
  char mechanism[L6_CODE_MAX + 1];
  char registry[6];
  char scope[L6_CODE_MAX + 1];
  char requested_on[11];
  char comment[L6_NAME_MAX + 1];
} transition_in;

/* POST /v1/transitions: an existing (CDM) project asks to continue under
 * a mechanism. */
l6_err h_transition_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(transition_in, project, JF_STR, true),      F(transition_in, mechanism, JF_STR, true),
                             F(transition_in, registry, JF_STR, true),     F(transition_in, scope, JF_STR, true),
                             F(transition_in, requested_on, JF_STR, true), F(transition_in, comment, JF_STR, false)};
  static const char *const extra[] = {"documents", NULL};
  transition_in in = {0};
  l6_step_req *x = calloc(1, sizeof *x);
  if (x == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  x->step = L6_STEP_TRANSITION;
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = decode_docs(r->body, x->docs, &x->ndocs, err);
  snprintf(x->project, sizeof x->project, "%s", in.project);
  snprintf(x->mechanism, sizeof x->mechanism, "%s", in.mechanism);
  snprintf(x->registry, sizeof x->registry, "%s", in.registry);
  snprintf(x->scope, sizeof x->scope, "%s", in.scope);
  snprintf(x->requested_on, sizeof x->requested_on, "%s", in.requested_on);
  snprintf(x->comment, sizeof x->comment, "%s", in.comment);
  r->status = 201;
  if (e == L6_E_OK) e = svc_cycle_step(r->svc, &r->actor, x, out, err);
  free(x);
  return e;
}

/* POST /v1/poas/{code}/steps: {"steps": [{component, period?, step,
 * decision?, comment?, certified?, calculator?, inputs?, start?, end?,
 * documents?, forward?, sd_indicators?}, ...]}: period steps of many components of a
 * programme of activities in one transaction (svc_poa_steps). An item
 * without period is the monitoring report of a new period (step monitor,
 * with start, end, calculator and inputs). */
l6_err h_poa_steps(req *r, json_t **out, l6_error *err) {
  typedef struct {
    char component[L6_CODE_MAX + 1];
    int period;
    char step[24];
    char decision[8];
    char comment[L6_NAME_MAX + 1];
    int64_t certified;
    char calculator[32];
    char start[11];
    char end[11];
  } item_in;
  static const jfield f[] = {F(item_in, component, JF_STR, true), F(item_in, period, JF_INT32, false),
                             F(item_in, step, JF_STR, true),      F(item_in, decision, JF_STR, false),
                             F(item_in, comment, JF_STR, false),  F(item_in, certified, JF_INT, false),
                             F(item_in, calculator, JF_STR, false), F(item_in, start, JF_STR, false),
                             F(item_in, end, JF_STR, false)};
  static const char *const extra[] = {"documents", "forward", "inputs", "sd_indicators", NULL};
  if (!json_is_object(r->body)) return l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
  const char *key;
  json_t *v;
  json_object_foreach(r->body, key, v) if (strcmp(key, "steps") != 0)
      return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.40s'", key);
  json_t *arr = json_object_get(r->body, "steps");
  if (arr == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'steps' is required");
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'steps' must be an array of objects");
  size_t n = json_array_size(arr);
  if (n == 0 || n > L6_MAX_POA_BATCH)
    return l6_fail(err, L6_E_INVALID_VALUE, "field 'steps' must have 1 to %d entries", L6_MAX_POA_BATCH);
  l6_step_req *x = calloc(n, sizeof *x);
  if (x == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    json_t *it = json_array_get(arr, i);
    item_in in = {0};
    if (!json_is_object(it)) e = l6_fail(err, L6_E_WRONG_TYPE, "steps[%zu] must be an object", i);
    if (e == L6_E_OK) e = json_decode(it, f, NF(f), extra, &in, err);
    if (e == L6_E_OK) e = decode_docs(it, x[i].docs, &x[i].ndocs, err);
    if (e == L6_E_OK) e = decode_forward(it, x[i].forward, &x[i].nforward, err);
    if (e == L6_E_OK) e = decode_inputs(it, false, x[i].inputs, &x[i].ninputs, err);
    if (e == L6_E_OK) e = step_of(in.step, &x[i].step, err);
    if (e == L6_E_OK) e = decision_of(in.decision, &x[i].decision, err);
    if (e == L6_E_OK && (in.period < 0 || in.period > L6_MAX_PERIODS))
      e = l6_fail(err, L6_E_UNKNOWN_PERIOD, "steps[%zu]: no monitoring period %d", i, in.period);
    snprintf(x[i].project, sizeof x[i].project, "%s", in.component);
    x[i].period = in.period;
    snprintf(x[i].comment, sizeof x[i].comment, "%s", in.comment);
    x[i].certified = in.certified;
    snprintf(x[i].calculator, sizeof x[i].calculator, "%s", in.calculator);
    snprintf(x[i].start, sizeof x[i].start, "%s", in.start);
    snprintf(x[i].end, sizeof x[i].end, "%s", in.end);
    x[i].sd_indicators = json_object_get(it, "sd_indicators"); /* a monitoring report's: checked by the service */
    if (e != L6_E_OK && strncmp(err->message, "steps[", 6) != 0) {
      char msg[sizeof err->message];
      snprintf(msg, sizeof msg, "steps[%zu]: %.230s", i, err->message);
      snprintf(err->message, sizeof err->message, "%s", msg);
    }
  }
  r->status = 201;
  if (e == L6_E_OK) e = svc_poa_steps(r->svc, &r->actor, r->param[0], x, n, out, err);
  free(x);
  return e;
}
