/*
 * voice.h -- a voice for the public and for those a decision affects
 * (issue 20; docs/API.md "Public comment, grievances and appeals").
 *
 * Public comment: a step of a mechanism's cycle whose definition has
 * "comment_days" opens a window of that many days from the day the step
 * was recorded (for a period step: that period's record). During it
 * anyone, with or without a token, may comment on the activity; outside
 * it a comment is refused with 409 comment_window_closed. A mechanism
 * administrator moderates: hiding a comment with a reason withholds its
 * text from the public reply, never from the store; the activity's
 * participant (or a mechanism administrator) responds. Comments,
 * responses and moderation stay in the record (the trail): nothing is
 * deleted.
 *
 * Grievances and appeals, after the Article 6.4 mechanism's appeal and
 * grievance procedure, under a mechanism whose file has "recourse":
 * anyone may lodge a grievance about the mechanism or one of its
 * activities (POST /v1/grievances); the participant of an activity may
 * appeal a decision the mechanism administrator recorded on it, within
 * recourse.appeal_days of it (POST /v1/appeals). Each is tracked by a
 * mechanism administrator through received -> under-review -> decided,
 * the decision with its outcome (upheld, partly-upheld, dismissed) and
 * reasons; every move is kept in the case's history.
 *
 * Seed 001: "累计公示的 CCER 审定项目共有 2871 个" -- CCER validations are
 * published for public notice (公示) before registration; seed 004 asks
 * that participants communicate "与合作国家的政府官员、私营部门和利益相关方"
 * (with officials, the private sector and stakeholders).
 */
#ifndef L6_SERVICE_VOICE_H
#define L6_SERVICE_VOICE_H

#include <jansson.h>

#include "service.h"

/* POST /v1/activities/{id}/comments: {step, period?, author, text}. */
l6_err svc_comment_post(l6_svc *s, const l6_actor *a, const char *project, const json_t *body, json_t **out,
                        l6_error *err);
/* GET /v1/activities/{id}/comments: every comment, hidden ones without
 * their text unless a mechanism administrator asks. */
l6_err svc_comment_list(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err);
/* POST /v1/comments/{id}/hide (mechanism-admin): {reason}. */
l6_err svc_comment_hide(l6_svc *s, const l6_actor *a, l6_id id, const json_t *body, json_t **out, l6_error *err);
/* POST /v1/comments/{id}/responses (the activity's participant or a
 * mechanism administrator): {text}. */
l6_err svc_comment_respond(l6_svc *s, const l6_actor *a, l6_id id, const json_t *body, json_t **out, l6_error *err);

/* kind: "grievance" or "appeal". */
/* POST /v1/grievances: {mechanism, activity?, complainant, contact?,
 * subject, text}; POST /v1/appeals: {activity, step, grounds} (step: the
 * id of the appealed step record). */
l6_err svc_case_create(l6_svc *s, const l6_actor *a, const char *kind, const json_t *body, json_t **out, l6_error *err);
/* GET /v1/grievances/{id}, /v1/appeals/{id}: the contact is shown to a
 * mechanism administrator only. */
l6_err svc_case_get(l6_svc *s, const l6_actor *a, const char *kind, l6_id id, json_t **out, l6_error *err);
/* POST .../{id}/steps (mechanism-admin): {step: review} or {step: decide,
 * outcome, reasons}. */
l6_err svc_case_step(l6_svc *s, const l6_actor *a, const char *kind, l6_id id, const json_t *body, json_t **out,
                     l6_error *err);

#endif
