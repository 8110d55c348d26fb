/*
 * test_people.c -- users, password + TOTP login and web sessions (issue
 * 15, src/service/people.c, src/api/api_people.c), black-box over HTTP: a
 * server started with cheap password hashes and short session timeouts
 * (--session-idle 2 --session-max 6) so expiry is seen in seconds. The
 * TOTP codes are computed here from the secret the server gave once, as
 * an authenticator app would (RFC 6238 through liboath).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <liboath/oath.h>

#include "testlib.h"
#include "testlib_http.h"

static tl_srv srv;
static tl_srv *const S = &srv;
static int64_t org_a;
static int seq;

#define PASSWORD "correct horse battery staple"

static int setup(void **state) {
  (void)state;
  oath_init();
  if (tl_srv_start(S, "people") != 0 || tl_srv_stop(S) != 0) return -1;
  static const char *const extra[] = {"--pwhash-cost", "interactive", "--session-idle", "2", "--session-max", "6", NULL};
  memcpy(S->extra, extra, sizeof extra);
  if (tl_srv_restart(S) != 0) return -1;
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_registry(S, "CHE01", "CHE", NULL);
  org_a = tl_mk_org(S, "CHE01", "Org A");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tl_srv_free(S);
  oath_done();
  return 0;
}

/* A user made by the admin; secret gets its base32 TOTP secret. */
typedef struct {
  int64_t id;
  char email[64];
  char secret[64];
} user;

static user mk_user(const char *role, int64_t org) {
  user u = {0};
  snprintf(u.email, sizeof u.email, "person%d@registry.example", ++seq);
  json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "email", u.email, "name", "A Person", "role", role, "password", PASSWORD);
  if (org) json_object_set_new(b, "organisation", json_integer(org));
  tl_resp r = tl_http_reqj(S, "POST", "/v1/users", S->admin, b, NULL);
  tl_assert_status(&r, 201);
  u.id = tl_jint(r.body, "id");
  json_t *totp = json_object_get(r.body, "totp");
  snprintf(u.secret, sizeof u.secret, "%s", tl_jstr(totp, "secret"));
  tl_resp_free(&r);
  return u;
}

/* The 6-digit code of the time step `steps` away from now. */
static void code_at(const user *u, int steps, char out[8]) {
  char *raw = NULL;
  size_t len = 0;
  assert_int_equal(oath_base32_decode(u->secret, strlen(u->secret), &raw, &len), OATH_OK);
  assert_int_equal(oath_totp_generate(raw, len, time(NULL) + steps * 30, 30, 0, 6, out), OATH_OK);
  free(raw);
}

static tl_resp login(const user *u, const char *password, const char *code) {
  json_t *b = json_pack("{s:s, s:s, s:s}", "email", u->email, "password", password, "code", code);
  return tl_http_reqj(S, "POST", "/v1/session", NULL, b, NULL);
}

/* A session: the two cookies' values. */
typedef struct {
  char sid[80], csrf[80];
  char cookie[200]; /* "Cookie: l6_session=...; l6_csrf=..." */
  char csrf_header[120];
} session;

/* The value of cookie name in r's Set-Cookie lines, and the whole line. */
static int set_cookie(const tl_resp *r, const char *name, char *value, size_t vcap, char *line, size_t lcap) {
  size_t n = strlen(name);
  for (const char *p = r->headers; p && *p;) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0 && strncmp(p + 12, name, n) == 0 && p[12 + n] == '=') {
      const char *v = p + 13 + n, *semi = strchr(v, ';');
      snprintf(value, vcap, "%.*s", (int)(semi ? semi - v : 0), v);
      snprintf(line, lcap, "%.*s", (int)len, p);
      char *cr = strchr(line, '\r');
      if (cr) *cr = '\0';
      return 1;
    }
    p = end ? end + 1 : p + len;
  }
  return 0;
}

static session login_ok(const user *u, int steps) {
  char code[8];
  code_at(u, steps, code);
  tl_resp r = login(u, PASSWORD, code);
  tl_assert_status(&r, 201);
  session x = {0};
  char line[400];
  assert_true(set_cookie(&r, "l6_session", x.sid, sizeof x.sid, line, sizeof line));
  assert_true(set_cookie(&r, "l6_csrf", x.csrf, sizeof x.csrf, line, sizeof line));
  assert_string_equal(tl_jstr(r.body, "csrf_token"), x.csrf);
  snprintf(x.cookie, sizeof x.cookie, "Cookie: l6_session=%s; l6_csrf=%s", x.sid, x.csrf);
  snprintf(x.csrf_header, sizeof x.csrf_header, "X-CSRF-Token: %s", x.csrf);
  tl_resp_free(&r);
  return x;
}

/* A request in session x (no bearer token), with the CSRF header when csrf. */
static tl_resp in_session(const session *x, const char *method, const char *path, json_t *body, bool csrf) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  tl_req q = {.method = method, .path = path, .body = text, .headers = {x->cookie, csrf ? x->csrf_header : NULL, NULL}};
  tl_resp r = tl_http_send(S, &q);
  free(text);
  return r;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}

/* ---- users ------------------------------------------------------------ */

static void test_user_create_and_list(void **state) {
  (void)state;
  user u = mk_user("holder", org_a);
  assert_true(u.id > 0);
  assert_int_equal(strlen(u.secret), 32); /* 20 bytes in base32 */
  /* The otpauth:// URI was in the reply; the list never shows a secret. */
  tl_resp r = tl_http_req(S, "GET", "/v1/users", S->admin, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_null(strstr(r.raw, u.secret));
  assert_null(strstr(r.raw, "argon2"));
  assert_non_null(strstr(r.raw, u.email));
  tl_resp_free(&r);
  /* Bad input is refused and changes nothing. */
  json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "email", u.email, "name", "Again", "role", "holder", "password",
                        PASSWORD, "organisation", (json_int_t)org_a);
  r = tl_http_reqj(S, "POST", "/v1/users", S->admin, b, NULL);
  assert_error(&r, 409, "already_exists");
  tl_resp_free(&r);
  b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "email", "short@registry.example", "name", "Short", "role", "holder",
                "password", "too short", "organisation", (json_int_t)org_a);
  r = tl_http_reqj(S, "POST", "/v1/users", S->admin, b, NULL);
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  b = json_pack("{s:s, s:s, s:s, s:s}", "email", "noorg@registry.example", "name", "No org", "role", "holder", "password",
                PASSWORD);
  r = tl_http_reqj(S, "POST", "/v1/users", S->admin, b, NULL);
  assert_error(&r, 400, "missing_field");
  tl_resp_free(&r);
  b = json_pack("{s:s, s:s, s:s, s:s}", "email", "not an email", "name", "X", "role", "admin", "password", PASSWORD);
  r = tl_http_reqj(S, "POST", "/v1/users", S->admin, b, NULL);
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/users", S->admin, NULL, NULL);
  assert_null(strstr(r.raw, "short@registry.example"));
  assert_null(strstr(r.raw, "noorg@registry.example"));
  tl_resp_free(&r);
}

/* ---- login ------------------------------------------------------------ */

static void test_login_ok_and_cookie_flags(void **state) {
  (void)state;
  user u = mk_user("holder", org_a);
  char code[8];
  code_at(&u, 0, code);
  tl_resp r = login(&u, PASSWORD, code);
  tl_assert_status(&r, 201);
  char sid[80], csrf[80], line[400];
  assert_true(set_cookie(&r, "l6_session", sid, sizeof sid, line, sizeof line));
  assert_int_equal(strlen(sid), 64);
  assert_non_null(strstr(line, "; HttpOnly"));
  assert_non_null(strstr(line, "; SameSite=Strict"));
  assert_non_null(strstr(line, "; Path=/"));
  assert_non_null(strstr(line, "; Max-Age=6")); /* the absolute timeout */
  assert_null(strstr(line, "Secure"));          /* plain HTTP: no --cookie-secure */
  assert_true(set_cookie(&r, "l6_csrf", csrf, sizeof csrf, line, sizeof line));
  assert_null(strstr(line, "HttpOnly")); /* the page reads it for the double submit */
  assert_non_null(strstr(line, "; SameSite=Strict"));
  assert_string_equal(tl_jstr(json_object_get(r.body, "user"), "email"), u.email);
  assert_string_equal(tl_jstr(r.body, "role"), "holder");
  tl_resp_free(&r);
  /* The session acts as a holder of org A. */
  session x = {0};
  snprintf(x.cookie, sizeof x.cookie, "Cookie: l6_session=%s; l6_csrf=%s", sid, csrf);
  snprintf(x.csrf_header, sizeof x.csrf_header, "X-CSRF-Token: %s", csrf);
  r = in_session(&x, "GET", "/v1/session", NULL, false);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "via"), "session");
  assert_int_equal(tl_jint(r.body, "organisation"), org_a);
  tl_resp_free(&r);
  r = in_session(&x, "GET", "/v1/organisations", NULL, false);
  tl_assert_status(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.body, "items")), 1); /* its own only */
  tl_resp_free(&r);
  r = in_session(&x, "POST", "/v1/parties", json_pack("{s:s, s:s}", "code", "FRA", "name", "France"), true);
  assert_error(&r, 403, "forbidden"); /* a holder's session may not do an admin's work */
  tl_resp_free(&r);
  /* A Secure server marks both cookies Secure. */
  tl_srv sec;
  assert_int_equal(tl_srv_start(&sec, "people-secure"), 0);
  assert_int_equal(tl_srv_stop(&sec), 0);
  static const char *const extra[] = {"--pwhash-cost", "interactive", "--cookie-secure", NULL};
  memcpy(sec.extra, extra, sizeof extra);
  assert_int_equal(tl_srv_restart(&sec), 0);
  json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "email", "secure@registry.example", "name", "S", "role", "auditor",
                        "password", PASSWORD);
  r = tl_http_reqj(&sec, "POST", "/v1/users", sec.admin, b, NULL);
  tl_assert_status(&r, 201);
  user su = {.id = tl_jint(r.body, "id"), .email = "secure@registry.example"};
  snprintf(su.secret, sizeof su.secret, "%s", tl_jstr(json_object_get(r.body, "totp"), "secret"));
  tl_resp_free(&r);
  code_at(&su, 0, code);
  r = tl_http_reqj(&sec, "POST", "/v1/session", NULL,
                   json_pack("{s:s, s:s, s:s}", "email", su.email, "password", PASSWORD, "code", code), NULL);
  tl_assert_status(&r, 201);
  assert_true(set_cookie(&r, "l6_session", sid, sizeof sid, line, sizeof line));
  assert_non_null(strstr(line, "; Secure"));
  assert_true(set_cookie(&r, "l6_csrf", csrf, sizeof csrf, line, sizeof line));
  assert_non_null(strstr(line, "; Secure"));
  tl_resp_free(&r);
  tl_srv_free(&sec);
}

static void test_login_refusals(void **state) {
  (void)state;
  user u = mk_user("auditor", 0);
  char code[8], next[8];
  code_at(&u, 0, code);
  code_at(&u, 1, next);
  tl_resp r = login(&u, "wrong password, long enough", code);
  assert_error(&r, 401, "bad_credentials");
  char hdr[200];
  assert_true(tl_resp_header(&r, "WWW-Authenticate", hdr, sizeof hdr));
  tl_resp_free(&r);
  user nobody = u;
  snprintf(nobody.email, sizeof nobody.email, "nobody@registry.example");
  r = login(&nobody, PASSWORD, code);
  assert_error(&r, 401, "bad_credentials"); /* the same answer as a wrong password */
  tl_resp_free(&r);
  /* A wrong code: a code of 10 minutes ago, and a malformed one. */
  char old[8];
  code_at(&u, -20, old);
  r = login(&u, PASSWORD, strcmp(old, code) && strcmp(old, next) ? old : "000000");
  assert_error(&r, 401, "bad_totp");
  tl_resp_free(&r);
  r = login(&u, PASSWORD, "12ab56");
  assert_error(&r, 401, "bad_totp");
  tl_resp_free(&r);
  /* The code works once; the same code again is refused, and so is an
   * earlier step's once a later one was taken. */
  r = login(&u, PASSWORD, next);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  r = login(&u, PASSWORD, next);
  assert_error(&r, 401, "totp_reused");
  tl_resp_free(&r);
  r = login(&u, PASSWORD, code);
  assert_error(&r, 401, "totp_reused");
  tl_resp_free(&r);
}

static void test_disabled_user(void **state) {
  (void)state;
  user u = mk_user("auditor", 0);
  session x = login_ok(&u, 0);
  char path[64];
  snprintf(path, sizeof path, "/v1/users/%lld", (long long)u.id);
  tl_resp r = tl_http_reqj(S, "PATCH", path, S->admin, json_pack("{s:s}", "status", "disabled"), NULL);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "status"), "disabled");
  tl_resp_free(&r);
  /* Its session ended at once; it cannot log in (even with a right code). */
  r = in_session(&x, "GET", "/v1/session", NULL, false);
  assert_error(&r, 401, "session_expired");
  tl_resp_free(&r);
  r = in_session(&x, "GET", "/v1/accounts", NULL, false);
  assert_error(&r, 401, "unauthorized"); /* the cookie no longer authenticates */
  tl_resp_free(&r);
  char code[8];
  code_at(&u, 1, code);
  r = login(&u, PASSWORD, code);
  assert_error(&r, 401, "user_disabled");
  tl_resp_free(&r);
  r = tl_http_reqj(S, "PATCH", path, S->admin, json_pack("{s:s}", "status", "paused"), NULL);
  assert_error(&r, 422, "invalid_value");
  tl_resp_free(&r);
  r = tl_http_reqj(S, "PATCH", "/v1/users/999999", S->admin, json_pack("{s:s}", "status", "active"), NULL);
  assert_error(&r, 404, "unknown_user");
  tl_resp_free(&r);
  r = tl_http_reqj(S, "PATCH", path, S->admin, json_pack("{s:s}", "status", "active"), NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  r = login(&u, PASSWORD, code); /* the refused code was not taken */
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
}

/* ---- CSRF and token owners ------------------------------------------- */

static void test_csrf_and_token_owner(void **state) {
  (void)state;
  user u = mk_user("admin", 0);
  session x = login_ok(&u, 0);
  json_t *b = json_pack("{s:s, s:s}", "role", "auditor", "label", "made in a session");
  tl_resp r = in_session(&x, "POST", "/v1/tokens", json_incref(b), false);
  assert_error(&r, 403, "csrf_failed");
  tl_resp_free(&r);
  session wrong = x;
  snprintf(wrong.csrf_header, sizeof wrong.csrf_header, "X-CSRF-Token: %064d", 0);
  r = in_session(&wrong, "POST", "/v1/tokens", json_incref(b), true);
  assert_error(&r, 403, "csrf_failed");
  tl_resp_free(&r);
  r = in_session(&x, "POST", "/v1/tokens", json_incref(b), true);
  tl_assert_status(&r, 201);
  assert_int_equal(tl_jint(r.body, "owner"), u.id); /* the token belongs to the user */
  tl_resp_free(&r);
  /* A bearer token's write needs no CSRF header, and its token is a system one. */
  r = tl_http_reqj(S, "POST", "/v1/tokens", S->admin, b, NULL);
  tl_assert_status(&r, 201);
  assert_true(json_is_null(json_object_get(r.body, "owner")));
  tl_resp_free(&r);
  /* GET /v1/session with a token says so. */
  r = tl_http_req(S, "GET", "/v1/session", S->admin, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "via"), "token");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/session", NULL, NULL, NULL);
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
}

/* ---- one person, two credentials (issue 15 item 3, proposal.c) -------- */

/* A proposal's state or error code after POST /v1/proposals/{id}/approve
 * in session x (token NULL) or with token. */
static long approve(int64_t id, const session *x, const char *token, char out[32]) {
  char path[96];
  snprintf(path, sizeof path, "/v1/proposals/%lld/approve", (long long)id);
  tl_resp r = x ? in_session(x, "POST", path, json_object(), true) : tl_http_reqj(S, "POST", path, token, json_object(), NULL);
  const char *v = r.status == 201 ? tl_jstr(r.body, "state") : tl_jstr(json_object_get(r.body, "error"), "code");
  snprintf(out, 32, "%s", v ? v : "?");
  long st = r.status;
  tl_resp_free(&r);
  return st;
}

/* A transfer of n VCU from `from` to `to` that the policy turns into a
 * proposal, in session x or with token; its id. */
static int64_t propose(const session *x, const char *token, int64_t from, int64_t to, int n) {
  json_t *b = json_pack("{s:I, s:I, s:s, s:i}", "from_account", (json_int_t)from, "to_account", (json_int_t)to, "unit_type",
                        "VCU", "quantity", n);
  tl_resp r = x ? in_session(x, "POST", "/v1/transfers", b, true) : tl_http_reqj(S, "POST", "/v1/transfers", token, b, NULL);
  tl_assert_status(&r, 202);
  int64_t id = tl_jint(r.body, "id");
  tl_resp_free(&r);
  return id;
}

/* A token made in a user's session belongs to that user and counts as
 * that person for four eyes: proposed in the session, the user's token
 * cannot approve; proposed with the token, the session cannot either
 * (self_approval both ways). Another person (the store's admin token,
 * a system one) approves. */
static void test_token_owner_is_the_person(void **state) {
  (void)state;
  tl_mk_project(S, "PRJ.OWNER", "VCS", "CHE");
  int64_t from = tl_mk_account(S, "CHE01", org_a, "holding", "A main");
  int64_t to = tl_mk_account(S, "CHE01", org_a, "trading", "A trading");
  json_decref(tl_mk_issue(S, "CHE01", "PRJ.OWNER", "VCU", 2022, 100, from));
  tl_resp r = tl_http_req(S, "PUT", "/v1/registries/CHE01/approval-policy", S->admin, "{\"transfer_above\": 1}", NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  user u = mk_user("admin", 0);
  session x = login_ok(&u, 0);
  r = in_session(&x, "POST", "/v1/tokens", json_pack("{s:s, s:s}", "role", "admin", "label", "my own"), true);
  tl_assert_status(&r, 201);
  assert_int_equal(tl_jint(r.body, "owner"), u.id);
  char *mine = strdup(tl_jstr(r.body, "token"));
  tl_resp_free(&r);
  char got[32];

  int64_t p1 = propose(&x, NULL, from, to, 5); /* in the session ... */
  assert_int_equal(approve(p1, NULL, mine, got), 403); /* ... not with the user's token */
  assert_string_equal(got, "self_approval");
  int64_t p2 = propose(NULL, mine, from, to, 6); /* with the token ... */
  assert_int_equal(approve(p2, &x, NULL, got), 403); /* ... not in the session */
  assert_string_equal(got, "self_approval");
  assert_int_equal(approve(p1, NULL, S->admin, got), 201);
  assert_string_equal(got, "executed");
  assert_int_equal(approve(p2, NULL, S->admin, got), 201);
  assert_string_equal(got, "executed");
  free(mine);
}

/* ---- timeouts and logout ---------------------------------------------- */

/* The timeout tests run on the real clock (--session-idle 2, --session-max 6)
 * while the machine may be busy (CI runs two suites side by side, and one
 * under sanitizers). So each step is timed: a use that must find the session
 * alive is judged only if its reply came soon enough after the start of the
 * login and the send of the last use to make that certain; one that must find
 * it ended is sent only once the bound has passed, and proves the timeout
 * under test only if the other one cannot have struck. A run the machine made
 * too slow to decide is run again (at most 5 times). */
#define IDLE_S 2.0
#define MAX_S 6.0

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
  session x;
  double login_start, login_end; /* the server's session starts between them */
  double last_send, last_back;   /* the last use reached the server between them */
} timed;

static void timed_login(timed *t) {
  user u = mk_user("auditor", 0);
  t->login_start = now_s();
  t->x = login_ok(&u, 0);
  t->login_end = t->last_send = t->last_back = now_s();
}

/* A use that must find the session alive: false when its timing cannot
 * prove it should (then the reply is not judged). */
static bool timed_alive(timed *t) {
  double sent = now_s();
  tl_resp r = in_session(&t->x, "GET", "/v1/session", NULL, false);
  double back = now_s();
  bool decisive = back - t->login_start < MAX_S - 0.1 && back - t->last_send < IDLE_S - 0.1;
  if (decisive) tl_assert_status(&r, 200);
  tl_resp_free(&r);
  t->last_send = sent;
  t->last_back = back;
  return decisive;
}

/* Waits until more than `after` s have passed since ref, then a use that must
 * find the session ended; returns when its reply came. */
static double timed_ended(timed *t, double ref, double after) {
  while (now_s() - ref <= after) sleep_ms(50);
  tl_resp r = in_session(&t->x, "GET", "/v1/session", NULL, false);
  double back = now_s();
  assert_error(&r, 401, "session_expired");
  tl_resp_free(&r);
  return back;
}

static void test_idle_expiry(void **state) {
  (void)state;
  for (int run = 0; run < 5; run++) {
    timed t;
    timed_login(&t);
    sleep_ms(1200);
    if (!timed_alive(&t)) continue; /* a use at 1.2 s keeps it alive ... */
    sleep_ms(1200);
    if (!timed_alive(&t)) continue; /* ... past 2 s after the login */
    double back = timed_ended(&t, t.last_back, IDLE_S + 0.1); /* idle over 2 s: ended */
    if (back - t.login_start >= MAX_S - 0.1) continue; /* the absolute timeout may have ended it */
    return;
  }
  fail_msg("five runs, each too slow to decide (the machine is overloaded)");
}

static void test_absolute_expiry(void **state) {
  (void)state;
  for (int run = 0; run < 5; run++) {
    timed t;
    timed_login(&t);
    bool decisive = true;
    for (int i = 0; i < 4 && decisive; i++) { /* used every 1.2 s: never idle */
      sleep_ms(1200);
      decisive = timed_alive(&t);
    }
    if (!decisive) continue;
    double back = timed_ended(&t, t.login_end, MAX_S + 0.1); /* over 6 s since the login: ended ... */
    if (back - t.last_send >= IDLE_S - 0.1) continue; /* ... though not idle for 2 s */
    return;
  }
  fail_msg("five runs, each too slow to decide (the machine is overloaded)");
}

static void test_logout(void **state) {
  (void)state;
  user u = mk_user("auditor", 0);
  session x = login_ok(&u, 0);
  tl_resp r = in_session(&x, "DELETE", "/v1/session", NULL, false);
  assert_error(&r, 403, "csrf_failed"); /* a cross-site page cannot log you out either */
  tl_resp_free(&r);
  r = in_session(&x, "DELETE", "/v1/session", NULL, true);
  tl_assert_status(&r, 200);
  char v[80], line[400];
  assert_true(set_cookie(&r, "l6_session", v, sizeof v, line, sizeof line));
  assert_string_equal(v, "");
  assert_non_null(strstr(line, "Max-Age=0"));
  tl_resp_free(&r);
  r = in_session(&x, "GET", "/v1/session", NULL, false);
  assert_error(&r, 401, "session_expired");
  tl_resp_free(&r);
  r = in_session(&x, "DELETE", "/v1/session", NULL, true);
  assert_error(&r, 401, "session_expired");
  tl_resp_free(&r);
  /* A stale cookie leaves public reads public. */
  r = in_session(&x, "GET", "/v1/parties", NULL, false);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  /* Logging out needs a session; a token has none. */
  r = tl_http_req(S, "DELETE", "/v1/session", S->admin, NULL, NULL);
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
}

/* Issue 22: a person's choice of email notices (GET and PUT
 * /v1/session/notices): on by default, at the login's address; a write
 * needs the CSRF header; a closed body; a system token has no choice. */
static void test_notice_preference(void **state) {
  (void)state;
  user u = mk_user("holder", org_a);
  session x = login_ok(&u, 0);
  tl_resp r = in_session(&x, "GET", "/v1/session/notices", NULL, false);
  tl_assert_status(&r, 200);
  assert_true(json_is_true(json_object_get(r.body, "email")));
  assert_string_equal(tl_jstr(r.body, "address"), u.email);
  tl_resp_free(&r);
  r = in_session(&x, "PUT", "/v1/session/notices", json_pack("{s:b}", "email", 0), false);
  assert_error(&r, 403, "csrf_failed");
  tl_resp_free(&r);
  r = in_session(&x, "PUT", "/v1/session/notices", json_pack("{s:s}", "email", "no"), true);
  assert_error(&r, 400, "wrong_type");
  tl_resp_free(&r);
  r = in_session(&x, "PUT", "/v1/session/notices", json_pack("{s:b, s:i}", "email", 0, "sms", 1), true);
  assert_error(&r, 400, "unknown_field");
  tl_resp_free(&r);
  r = in_session(&x, "PUT", "/v1/session/notices", json_object(), true);
  assert_error(&r, 400, "missing_field");
  tl_resp_free(&r);
  r = in_session(&x, "PUT", "/v1/session/notices", json_pack("{s:b}", "email", 0), true);
  tl_assert_status(&r, 200);
  assert_true(json_is_false(json_object_get(r.body, "email")));
  tl_resp_free(&r);
  r = in_session(&x, "GET", "/v1/session/notices", NULL, false);
  assert_true(json_is_false(json_object_get(r.body, "email")));
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/session/notices", S->admin, NULL, NULL);
  assert_error(&r, 403, "forbidden");
  tl_resp_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_user_create_and_list), cmocka_unit_test(test_login_ok_and_cookie_flags),
      cmocka_unit_test(test_login_refusals),       cmocka_unit_test(test_disabled_user),
      cmocka_unit_test(test_csrf_and_token_owner), cmocka_unit_test(test_idle_expiry),
      cmocka_unit_test(test_absolute_expiry),      cmocka_unit_test(test_logout),
      cmocka_unit_test(test_token_owner_is_the_person), cmocka_unit_test(test_notice_preference),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
