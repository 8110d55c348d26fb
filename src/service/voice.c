/*
 * voice.c -- public comment, grievances and appeals; see voice.h for the
 * contract and docs/API.md for the routes.
 *
 * Records (store mech_records): kind "comment" (ref: the activity, state
 * "visible" | "hidden"), "grievance" and "appeal" (ref: the mechanism,
 * state "received" | "under-review" | "decided"), each a JSON body with
 * its history. Rows are updated in place for their state, and every
 * change is appended to the body's history: the trail keeps all of it.
 */
#include "voice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cycle.h"
#include "../core/model.h"
#include "mechanism.h"
#include "service_int.h"
#include "voice_json.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

static bool v_code(const char *x) { return l6_valid_code(x); }
static bool v_pid(const char *x) { return l6_valid_project_id(x); }

static int64_t today_days(l6_svc *s) { return svc__now_ms(s) / 86400000; }

/* The day number of a timestamp "YYYY-MM-DDT..." (false when malformed). */
static bool ts_days(const char *ts, int64_t *d) {
  char ymd[11];
  if (strlen(ts) < 10) return false;
  memcpy(ymd, ts, 10);
  ymd[10] = '\0';
  return date_to_days(ymd, d);
}

/* ---- the activity and its step records ---------------------------------- */

typedef struct {
  const char *step; /* find the last record of this step (and period) */
  int period;
  l6_id id;         /* or the record of this id */
  l6_step_rec *hit;
  bool found;
} rec_find;

static int rec_row(void *ctx, const void *row) {
  rec_find *f = ctx;
  const l6_step_rec *r = row;
  if ((f->id && r->id == f->id) || (!f->id && strcmp(r->step, f->step) == 0 && r->period == f->period)) {
    *f->hit = *r;
    f->found = true;
    if (f->id) return 1;
  }
  return 0;
}

static l6_err find_step(l6_svc *s, const char *project, rec_find *f, l6_error *err) {
  return OPS->step_list(ST, project, 0, INT32_MAX, rec_row, f, err);
}

static l6_err load_activity(l6_svc *s, const char *project, l6_activity *act, const l6_mech **m, l6_error *err) {
  if (!l6_valid_project_id(project)) return l6_fail(err, L6_E_UNKNOWN_ACTIVITY, "no activity '%.40s'", project);
  l6_err e = OPS->activity_get(ST, project, act, err);
  if (e == L6_E_UNKNOWN_ACTIVITY) return l6_fail(err, e, "no activity '%.40s' is in a project cycle", project);
  if (e != L6_E_OK) return e;
  *m = mech_find(svc__mechs(s), act->mechanism);
  if (*m == NULL) return l6_fail(err, L6_E_UNKNOWN_MECHANISM, "mechanism %s is not loaded", act->mechanism);
  return L6_E_OK;
}

static void history_add(json_t *body, const char *action, const l6_actor *a, const char *ts, json_t *extra) {
  json_t *h = json_object_get(body, "history");
  if (!json_is_array(h)) {
    h = json_array();
    json_object_set_new(body, "history", h);
  }
  json_t *e = json_pack("{s:s, s:s, s:s}", "action", action, "by", a->role == L6_ROLE__NONE ? "public" : a->name, "at", ts);
  if (extra) json_object_update(e, extra);
  json_decref(extra);
  json_array_append_new(h, e);
}

/* ---- comments ----------------------------------------------------------- */

static json_t *view_comment(const l6_mech_rec *r, const l6_actor *a) {
  json_t *o = vj_load(r->body);
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "state", json_string(r->state));
  json_object_set_new(o, "hidden", json_boolean(strcmp(r->state, "hidden") == 0));
  if (strcmp(r->state, "hidden") == 0 && a->role != L6_ROLE_MECHANISM_ADMIN) json_object_set_new(o, "text", json_null());
  return o;
}

l6_err svc_comment_post(l6_svc *s, const l6_actor *a, const char *project, const json_t *body, json_t **out,
                        l6_error *err) {
  *out = NULL;
  static const char *const keys[] = {"step", "period", "author", "text", NULL};
  char step[24], author[L6_NAME_MAX + 1], text[L6_MAX_COMMENT_TEXT + 1];
  int64_t period = 0;
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "step", true, step, sizeof step, NULL, "a step name", err)) != L6_E_OK ||
      (e = vj_int(body, "period", false, 1, L6_MAX_PERIODS, &period, err)) != L6_E_OK ||
      (e = vj_str(body, "author", true, author, sizeof author, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "text", true, text, sizeof text, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  l6_step st = l6_step_from_str(step);
  if (st == L6_STEP__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "unknown step '%.24s'", step);
  if (cycle_step_on_period(st) != (period > 0))
    return l6_fail(err, L6_E_INVALID_VALUE, "step '%s' is a step of %s", step,
                   cycle_step_on_period(st) ? "a monitoring period: field 'period' is required" : "the activity: no period");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m = NULL;
  l6_step_rec *hit = calloc(1, sizeof *hit);
  l6_mech_rec *rec = calloc(1, sizeof *rec);
  json_t *b = NULL;
  e = hit && rec ? load_activity(s, project, &act, &m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  int days = e == L6_E_OK ? m->steps[st].comment_days : 0;
  if (e == L6_E_OK && days == 0)
    e = l6_fail(err, L6_E_COMMENT_WINDOW_CLOSED, "step '%s' of %s has no public comment window", step, m->code);
  rec_find f = {.step = step, .period = (int)period, .hit = hit};
  if (e == L6_E_OK) e = find_step(s, project, &f, err);
  int64_t opened = 0, now = today_days(s);
  char opened_on[11] = "", closes_on[11] = "";
  if (e == L6_E_OK && (!f.found || !ts_days(hit->ts, &opened)))
    e = l6_fail(err, L6_E_COMMENT_WINDOW_CLOSED, "the comment window of step '%s' opens when the step is recorded", step);
  if (e == L6_E_OK) {
    date_from_days(opened, opened_on);
    date_from_days(opened + days - 1, closes_on);
    /* "comment_days": N days, the day of the step the first of them. */
    if (now >= opened + days)
      e = l6_fail(err, L6_E_COMMENT_WINDOW_CLOSED, "the public comment window of step '%s' ran from %s to %s", step,
                  opened_on, closes_on);
  }
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    b = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:[], s:[]}", "activity", project, "step", step, "period",
                  period ? json_integer(period) : json_null(), "author", author, "text", text, "submitted", ts,
                  "window_opened", opened_on, "window_closes", closes_on, "responses", "history");
    json_object_set_new(b, "token", a->role == L6_ROLE__NONE ? json_null() : json_string(a->name));
    snprintf(rec->kind, sizeof rec->kind, "comment");
    snprintf(rec->ref, sizeof rec->ref, "%s", project);
    snprintf(rec->state, sizeof rec->state, "visible");
    e = vj_dump(b, rec->body, sizeof rec->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, rec, err);
  if (e == L6_E_OK) *out = view_comment(rec, a);
  json_decref(b);
  free(hit);
  free(rec);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  const l6_actor *a;
  json_t *items;
} clist;

static int comment_row(void *ctx, const void *row) {
  clist *c = ctx;
  json_array_append_new(c->items, view_comment(row, c->a));
  return 0;
}

l6_err svc_comment_list(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  clist c = {a, json_array()};
  e = load_activity(s, project, &act, &m, err);
  if (e == L6_E_OK) e = OPS->mech_rec_list(ST, "comment", project, comment_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:s, s:O}", "activity", project, "items", c.items);
  json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}

static l6_err load_comment(l6_svc *s, l6_id id, l6_mech_rec *r, l6_error *err) {
  l6_err e = OPS->mech_rec_get(ST, "comment", id, r, err);
  if (e == L6_E_NOT_FOUND) return l6_fail(err, L6_E_UNKNOWN_COMMENT, "no comment has id %lld", (long long)id);
  return e;
}

l6_err svc_comment_hide(l6_svc *s, const l6_actor *a, l6_id id, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_MECHANISM_ADMIN)
    return l6_fail(err, L6_E_FORBIDDEN, "comments are moderated by a mechanism administrator");
  static const char *const keys[] = {"reason", NULL};
  char reason[L6_MAX_COMMENT_TEXT + 1];
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "reason", true, reason, sizeof reason, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  json_t *b = NULL;
  e = r ? load_comment(s, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && strcmp(r->state, "hidden") == 0) {
    e = l6_fail(err, L6_E_WRONG_STATE, "comment %lld is already hidden", (long long)id);
    snprintf(err->expected, sizeof err->expected, "visible");
  }
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    b = vj_load(r->body);
    json_object_set_new(b, "hidden_reason", json_string(reason));
    history_add(b, "hide", a, ts, json_pack("{s:s}", "reason", reason));
    snprintf(r->state, sizeof r->state, "hidden");
    e = vj_dump(b, r->body, sizeof r->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, r, err);
  if (e == L6_E_OK) *out = view_comment(r, a);
  json_decref(b);
  free(r);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_comment_respond(l6_svc *s, const l6_actor *a, l6_id id, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_HOLDER && a->role != L6_ROLE_MECHANISM_ADMIN)
    return l6_fail(err, L6_E_FORBIDDEN, "comments are answered by the activity's participant or a mechanism administrator");
  static const char *const keys[] = {"text", NULL};
  char text[L6_MAX_COMMENT_TEXT + 1];
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "text", true, text, sizeof text, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  json_t *b = NULL;
  l6_activity act;
  const l6_mech *m;
  e = r ? load_comment(s, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_activity(s, r->ref, &act, &m, err);
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER && a->org != act.org)
    e = l6_fail(err, L6_E_FORBIDDEN, "activity %s belongs to organisation %lld", act.project, (long long)act.org);
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    b = vj_load(r->body);
    json_t *resp = json_object_get(b, "responses");
    if (!json_is_array(resp)) json_object_set_new(b, "responses", resp = json_array());
    json_array_append_new(resp, json_pack("{s:s, s:s, s:s, s:s}", "by", a->name, "role", l6_role_str(a->role), "text",
                                          text, "at", ts));
    e = vj_dump(b, r->body, sizeof r->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, r, err);
  if (e == L6_E_OK) *out = view_comment(r, a);
  json_decref(b);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* ---- grievances and appeals ---------------------------------------------- */

static json_t *view_case(const l6_mech_rec *r, const l6_actor *a) {
  json_t *o = vj_load(r->body);
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "kind", json_string(r->kind));
  json_object_set_new(o, "state", json_string(r->state));
  if (json_object_get(o, "contact") && a->role != L6_ROLE_MECHANISM_ADMIN) json_object_set_new(o, "contact", json_null());
  return o;
}

static l6_err case_kind(const char *kind, l6_error *err) {
  if (strcmp(kind, "grievance") != 0 && strcmp(kind, "appeal") != 0)
    return l6_fail(err, L6_E_INTERNAL, "unknown case kind");
  return L6_E_OK;
}

static l6_err recourse_of(const l6_mech *m, l6_error *err) {
  if (!m->recourse)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s takes no grievances or appeals (its file has no \"recourse\")", m->code);
  return L6_E_OK;
}

static l6_err grievance_body(l6_svc *s, const l6_actor *a, const json_t *body, l6_mech_rec *rec, json_t **b,
                             l6_error *err) {
  static const char *const keys[] = {"mechanism", "activity", "complainant", "contact", "subject", "text", NULL};
  char mech[L6_CODE_MAX + 1], project[L6_CODE_MAX + 1], who[L6_NAME_MAX + 1], contact[L6_NAME_MAX + 1],
      subject[L6_NAME_MAX + 1], text[L6_MAX_COMMENT_TEXT + 1];
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "mechanism", true, mech, sizeof mech, v_code, "a mechanism code", err)) != L6_E_OK ||
      (e = vj_str(body, "activity", false, project, sizeof project, v_pid, "an activity id", err)) != L6_E_OK ||
      (e = vj_str(body, "complainant", true, who, sizeof who, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "contact", false, contact, sizeof contact, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "subject", true, subject, sizeof subject, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "text", true, text, sizeof text, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  const l6_mech *m = mech_find(svc__mechs(s), mech);
  if (m == NULL) return l6_fail(err, L6_E_UNKNOWN_MECHANISM, "no mechanism '%.40s' is loaded (config/mechanisms)", mech);
  if ((e = recourse_of(m, err)) != L6_E_OK) return e;
  if (project[0]) {
    l6_activity act;
    const l6_mech *am;
    if ((e = load_activity(s, project, &act, &am, err)) != L6_E_OK) return e;
    if (am != m) return l6_fail(err, L6_E_INVALID_VALUE, "activity %s is under %s, not %s", project, am->code, m->code);
  }
  *b = json_pack("{s:s, s:o, s:s, s:o, s:s, s:s}", "mechanism", mech, "activity", project[0] ? json_string(project) : json_null(),
                 "complainant", who, "contact", contact[0] ? json_string(contact) : json_null(), "subject", subject, "text", text);
  snprintf(rec->ref, sizeof rec->ref, "%s", mech);
  return L6_E_OK;
}

static l6_err appeal_body(l6_svc *s, const l6_actor *a, const json_t *body, l6_mech_rec *rec, json_t **b,
                          l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_HOLDER)
    return l6_fail(err, L6_E_FORBIDDEN, "a decision is appealed by the participant of the activity it concerns");
  static const char *const keys[] = {"activity", "step", "grounds", NULL};
  char project[L6_CODE_MAX + 1], grounds[L6_MAX_COMMENT_TEXT + 1];
  int64_t step = 0;
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "activity", true, project, sizeof project, v_pid, "an activity id", err)) != L6_E_OK ||
      (e = vj_int(body, "step", true, 1, INT64_MAX, &step, err)) != L6_E_OK ||
      (e = vj_str(body, "grounds", true, grounds, sizeof grounds, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  l6_activity act;
  const l6_mech *m;
  if ((e = load_activity(s, project, &act, &m, err)) != L6_E_OK) return e;
  if (a->org != act.org)
    return l6_fail(err, L6_E_FORBIDDEN, "activity %s belongs to organisation %lld", project, (long long)act.org);
  if ((e = recourse_of(m, err)) != L6_E_OK) return e;
  l6_step_rec *hit = calloc(1, sizeof *hit);
  if (hit == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  rec_find f = {.id = step, .hit = hit};
  e = find_step(s, project, &f, err);
  int64_t on = 0;
  if (e == L6_E_OK && !f.found) e = l6_fail(err, L6_E_NOT_FOUND, "activity %s has no step record %lld", project, (long long)step);
  /* Article 6.4: appeals lie against decisions of the Supervisory Body,
   * here the steps its administrator decided. */
  if (e == L6_E_OK && (strcmp(hit->role, l6_mrole_str(L6_MROLE_MECHANISM_ADMIN)) != 0 || hit->decision[0] == '\0'))
    e = l6_fail(err, L6_E_INVALID_VALUE, "step record %lld is not a decision of the mechanism administrator", (long long)step);
  if (e == L6_E_OK && ts_days(hit->ts, &on) && today_days(s) > on + m->appeal_days) {
    char last[11];
    date_from_days(on + m->appeal_days, last);
    e = l6_fail(err, L6_E_DEADLINE_PASSED, "decisions of %s are appealed within %d days: this one by %s", m->code,
                m->appeal_days, last);
  }
  if (e == L6_E_OK) {
    *b = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "mechanism", m->code, "activity", project, "step",
                   (json_int_t)step, "appealed_step", hit->step, "appealed_decision", hit->decision, "grounds", grounds,
                   "appellant", a->name);
    snprintf(rec->ref, sizeof rec->ref, "%s", m->code);
  }
  free(hit);
  return e;
}

l6_err svc_case_create(l6_svc *s, const l6_actor *a, const char *kind, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = case_kind(kind, err);
  if (e == L6_E_OK && strcmp(kind, "appeal") == 0 && a->role == L6_ROLE__NONE) e = l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (e == L6_E_OK && !json_is_object(body)) e = l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *rec = calloc(1, sizeof *rec);
  json_t *b = NULL;
  if (rec == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  else e = strcmp(kind, "grievance") == 0 ? grievance_body(s, a, body, rec, &b, err) : appeal_body(s, a, body, rec, &b, err);
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    json_object_set_new(b, "received", json_string(ts));
    json_object_set_new(b, "decision", json_null());
    history_add(b, "received", a, ts, json_pack("{s:s}", "state", "received"));
    snprintf(rec->kind, sizeof rec->kind, "%s", kind);
    snprintf(rec->state, sizeof rec->state, "received");
    e = vj_dump(b, rec->body, sizeof rec->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, rec, err);
  if (e == L6_E_OK) *out = view_case(rec, a);
  json_decref(b);
  free(rec);
  return svc__finish_out(s, e, out, err);
}

static l6_err load_case(l6_svc *s, const char *kind, l6_id id, l6_mech_rec *r, l6_error *err) {
  l6_err e = OPS->mech_rec_get(ST, kind, id, r, err);
  if (e == L6_E_NOT_FOUND) return l6_fail(err, L6_E_UNKNOWN_CASE, "no %s has id %lld", kind, (long long)id);
  return e;
}

l6_err svc_case_get(l6_svc *s, const l6_actor *a, const char *kind, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = case_kind(kind, err);
  if (e != L6_E_OK || (e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  e = r ? load_case(s, kind, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) *out = view_case(r, a);
  free(r);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_case_step(l6_svc *s, const l6_actor *a, const char *kind, l6_id id, const json_t *body, json_t **out,
                     l6_error *err) {
  *out = NULL;
  l6_err e = case_kind(kind, err);
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_MECHANISM_ADMIN)
    return l6_fail(err, L6_E_FORBIDDEN, "grievances and appeals are handled by a mechanism administrator");
  static const char *const keys[] = {"step", "outcome", "reasons", NULL};
  char step[16], outcome[16], reasons[L6_MAX_COMMENT_TEXT + 1];
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "step", true, step, sizeof step, NULL, "review or decide", err)) != L6_E_OK ||
      (e = vj_str(body, "outcome", false, outcome, sizeof outcome, NULL, "upheld, partly-upheld or dismissed", err)) != L6_E_OK ||
      (e = vj_str(body, "reasons", false, reasons, sizeof reasons, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  bool review = strcmp(step, "review") == 0, decide = strcmp(step, "decide") == 0;
  if (!review && !decide) return l6_fail(err, L6_E_INVALID_VALUE, "field 'step' must be review or decide");
  if (review && (outcome[0] || reasons[0]))
    return l6_fail(err, L6_E_INVALID_VALUE, "a review takes no outcome or reasons; the decision does");
  if (decide && outcome[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "field 'outcome' is required to decide");
  if (decide && strcmp(outcome, "upheld") != 0 && strcmp(outcome, "partly-upheld") != 0 && strcmp(outcome, "dismissed") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "field 'outcome' must be upheld, partly-upheld or dismissed");
  if (decide && reasons[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "field 'reasons' is required to decide");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  json_t *b = NULL;
  e = r ? load_case(s, kind, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  const char *need = review ? "received" : "under-review", *next = review ? "under-review" : "decided";
  if (e == L6_E_OK && strcmp(r->state, need) != 0) {
    e = l6_fail(err, L6_E_WRONG_STATE, "step '%s' needs state '%s'; the %s is '%s'", step, need, kind, r->state);
    snprintf(err->expected, sizeof err->expected, "%s", need);
  }
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    b = vj_load(r->body);
    if (decide)
      json_object_set_new(b, "decision", json_pack("{s:s, s:s, s:s, s:s}", "outcome", outcome, "reasons", reasons, "by",
                                                   a->name, "at", ts));
    history_add(b, step, a, ts,
                decide ? json_pack("{s:s, s:s, s:s}", "state", next, "outcome", outcome, "reasons", reasons)
                       : json_pack("{s:s}", "state", next));
    snprintf(r->state, sizeof r->state, "%s", next);
    e = vj_dump(b, r->body, sizeof r->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, r, err);
  if (e == L6_E_OK) *out = view_case(r, a);
  json_decref(b);
  free(r);
  return svc__finish_out(s, e, out, err);
}
