/*
 * api_people.c -- HTTP handlers of users and web sessions (people.h).
 * api.c authenticates a request by its session cookie when it has no
 * Authorization header, and refuses a cookie-authenticated write whose
 * X-CSRF-Token header is not the session's CSRF token.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "../service/people.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

l6_err h_user_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_user_req, email, JF_STR, true), F(l6_user_req, name, JF_STR, true),
                             F(l6_user_req, role, JF_STR, true), F(l6_user_req, organisation, JF_INT, false),
                             F(l6_user_req, password, JF_STR, true)};
  l6_user_req *in = calloc(1, sizeof *in);
  if (in == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = json_decode(r->body, f, NF(f), NULL, in, err);
  if (e == L6_E_OK && in->organisation < 0) e = l6_fail(err, L6_E_INVALID_VALUE, "organisation must be a positive id");
  if (e == L6_E_OK) e = svc_user_create(r->svc, &r->actor, in, out, err);
  sodium_memzero(in, sizeof *in);
  free(in);
  r->status = 201;
  return e;
}

l6_err h_user_list(req *r, json_t **out, l6_error *err) { return svc_user_list(r->svc, &r->actor, out, err); }

l6_err h_user_patch(req *r, json_t **out, l6_error *err) {
  typedef struct {
    char status[16];
  } status_in;
  static const jfield f[] = {F(status_in, status, JF_STR, true)};
  status_in in = {{0}};
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  return e ? e : svc_user_set_status(r->svc, &r->actor, id, in.status, out, err);
}

/* "name=value; Path=/; Max-Age=N; [HttpOnly; ]SameSite=Strict[; Secure]". */
static void cookie(char out[320], const char *name, const char *value, int max_age, bool http_only, bool secure) {
  snprintf(out, 320, "%s=%s; Path=/; Max-Age=%d;%s SameSite=Strict%s", name, value, max_age, http_only ? " HttpOnly;" : "",
           secure ? "; Secure" : "");
}

l6_err h_session_post(req *r, json_t **out, l6_error *err) {
  typedef struct {
    char email[L6_EMAIL_MAX + 2];
    char password[L6_PASSWORD_MAX + 2];
    char code[12];
  } login_in;
  static const jfield f[] = {F(login_in, email, JF_STR, true), F(login_in, password, JF_STR, true),
                             F(login_in, code, JF_STR, true)};
  login_in *in = calloc(1, sizeof *in);
  if (in == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = json_decode(r->body, f, NF(f), NULL, in, err);
  char sid[65], csrf[65];
  if (e == L6_E_OK) e = svc_login(r->svc, in->email, in->password, in->code, sid, csrf, out, err);
  sodium_memzero(in, sizeof *in);
  free(in);
  if (e != L6_E_OK) return e;
  int max_age = svc_session_max_s(r->svc);
  cookie(r->cookies[0], API_SESSION_COOKIE, sid, max_age, true, r->secure_cookies);
  cookie(r->cookies[1], API_CSRF_COOKIE, csrf, max_age, false, r->secure_cookies);
  /* The page may also read the CSRF token from the reply. */
  json_object_set_new(*out, "csrf_token", json_string(csrf));
  sodium_memzero(sid, sizeof sid);
  sodium_memzero(csrf, sizeof csrf);
  r->status = 201;
  return L6_E_OK;
}

l6_err h_session_get(req *r, json_t **out, l6_error *err) {
  if (r->session_err != L6_E_OK) return l6_fail(err, r->session_err, NULL);
  return svc_whoami(r->svc, &r->actor, r->session, out, err);
}

l6_err h_session_delete(req *r, json_t **out, l6_error *err) {
  if (r->session_err != L6_E_OK) return l6_fail(err, r->session_err, NULL);
  if (r->session == NULL) return l6_fail(err, L6_E_UNAUTHORIZED, "no session to end: log out ends a web session (cookie)");
  l6_err e = svc_logout(r->svc, r->session, out, err);
  if (e != L6_E_OK) return e;
  cookie(r->cookies[0], API_SESSION_COOKIE, "", 0, true, r->secure_cookies); /* the browser forgets both */
  cookie(r->cookies[1], API_CSRF_COOKIE, "", 0, false, r->secure_cookies);
  return L6_E_OK;
}
