/*
 * people.h -- the people who run a registry (issue 15): user accounts made
 * by an administrator, each with a password (Argon2id, libsodium's
 * crypto_pwhash_str) and a TOTP second factor (RFC 6238, liboath), and the
 * web sessions they log in to. A session authenticates like a token of
 * the user's role and organisation. docs/DESIGN.md, "People and sessions",
 * says why each choice was made.
 *
 * Results are jansson values like service.h's; *out is a new reference.
 */
#ifndef L6_PEOPLE_H
#define L6_PEOPLE_H

#include "service.h"

/* The cost of a password hash: MODERATE (production: 3 passes over 256 MiB,
 * about 0.7 s) or INTERACTIVE (tests and small machines: 2 passes over
 * 64 MiB). A stored hash keeps the parameters it was made with. */
typedef enum { L6_PWHASH_MODERATE = 0, L6_PWHASH_INTERACTIVE = 1 } l6_pwhash_cost;

/* Session timeouts (seconds; 0 keeps the default: L6_SESSION_IDLE_S and
 * L6_SESSION_MAX_S) and the password hash cost. Call before serving. */
void svc_people_config(l6_svc *s, int idle_s, int absolute_s, l6_pwhash_cost cost);
/* The absolute timeout in seconds (the cookies' Max-Age). */
int svc_session_max_s(const l6_svc *s);

typedef struct {
  char email[L6_EMAIL_MAX + 1];
  char name[L6_NAME_MAX + 1];
  char role[32];
  int64_t organisation;           /* 0: none */
  char password[L6_PASSWORD_MAX + 2]; /* one more byte so that an overlong one is seen */
} l6_user_req;

/* POST /v1/users (admin): the user, and its TOTP secret (base32) and
 * otpauth:// URI, shown this once. ALREADY_EXISTS for a taken email. */
l6_err svc_user_create(l6_svc *s, const l6_actor *a, const l6_user_req *r, json_t **out, l6_error *err);
/* GET /v1/users (admin): {"items": [user...]}, by id. */
l6_err svc_user_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* PATCH /v1/users/{id} (admin): status "active" or "disabled"; disabling
 * ends the user's sessions at once. */
l6_err svc_user_set_status(l6_svc *s, const l6_actor *a, l6_id id, const char *status, json_t **out, l6_error *err);

/* POST /v1/session: checks email, password and the current TOTP code
 * (RFC 6238: 30 s steps, 6 digits, one step either side accepted; a step
 * whose code was taken is refused) and opens a session. sid and csrf get
 * the new session id and CSRF token (64 hex digits each; only their
 * hashes are stored). BAD_CREDENTIALS (unknown email or wrong password,
 * alike), BAD_TOTP, TOTP_REUSED, USER_DISABLED. */
l6_err svc_login(l6_svc *s, const char *email, const char *password, const char *code, char sid[65], char csrf[65],
                 json_t **out, l6_error *err);
/* Authenticates a session id (the cookie): *out acts as the user's role
 * and organisation; csrf_hash gets the hash of the session's CSRF token.
 * SESSION_EXPIRED (unknown, idle or past its absolute timeout: an expired
 * session is deleted), USER_DISABLED. */
l6_err svc_session_auth(l6_svc *s, const char *sid, l6_actor *out, char csrf_hash[65], l6_error *err);
/* Whether token is the CSRF token whose hash is csrf_hash (constant time). */
bool svc_csrf_matches(const char csrf_hash[65], const char *token);
/* DELETE /v1/session: ends the session. */
l6_err svc_logout(l6_svc *s, const char *sid, json_t **out, l6_error *err);
/* GET /v1/session: who the caller is: the user and timeouts of session
 * sid (a's, authenticated by svc_session_auth), or a token. */
l6_err svc_whoami(l6_svc *s, const l6_actor *a, const char *sid, json_t **out, l6_error *err);

#endif
