/*
 * api_notice.c -- a user's choice of email notices (issue 22,
 * service/notice.h): GET and PUT /v1/session/notices.
 */
#include <string.h>

#include "../service/notice.h"
#include "api_int.h"

l6_err h_notice_pref_get(req *r, json_t **out, l6_error *err) {
  if (r->session_err != L6_E_OK) return l6_fail(err, r->session_err, NULL);
  return svc_notice_pref_get(r->svc, &r->actor, out, err);
}

/* {"email": true|false}, nothing else. */
l6_err h_notice_pref_put(req *r, json_t **out, l6_error *err) {
  if (r->session_err != L6_E_OK) return l6_fail(err, r->session_err, NULL);
  if (!json_is_object(r->body)) return l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
  const char *key;
  json_t *v;
  json_object_foreach(r->body, key, v) {
    if (strcmp(key, "email") != 0) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.40s'", key);
  }
  v = json_object_get(r->body, "email");
  if (v == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'email' is required");
  if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'email' must be true or false");
  return svc_notice_pref_set(r->svc, &r->actor, json_is_true(v), out, err);
}
