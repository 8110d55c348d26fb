/*
 * people.c -- user accounts, passwords, TOTP and web sessions; see people.h.
 *
 * Password hashing (Argon2id) is slow on purpose and runs outside the
 * service mutex, so a login never stalls other requests; it runs one at a
 * time in the process (pw_mu), which bounds its memory (one hash's
 * memlimit) whatever the number of concurrent logins.
 */
#include "people.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)

static pthread_mutex_t pw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static void oath_start(void) { oath_init(); }

void svc_people_config(l6_svc *s, int idle_s, int absolute_s, l6_pwhash_cost cost) {
  s->session_idle_ms = idle_s > 0 ? (int64_t)idle_s * 1000 : 0;
  s->session_max_ms = absolute_s > 0 ? (int64_t)absolute_s * 1000 : 0;
  s->pwhash_cost = (int)cost;
}

static int64_t idle_ms(const l6_svc *s) { return s->session_idle_ms ? s->session_idle_ms : L6_SESSION_IDLE_S * 1000LL; }
static int64_t max_ms(const l6_svc *s) { return s->session_max_ms ? s->session_max_ms : L6_SESSION_MAX_S * 1000LL; }
int svc_session_max_s(const l6_svc *s) { return (int)(max_ms(s) / 1000); }

static void sha256_hex(const char *text, char hex[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* ---- passwords ------------------------------------------------------- */

static void pw_limits(const l6_svc *s, unsigned long long *ops, size_t *mem) {
  if (s->pwhash_cost == L6_PWHASH_INTERACTIVE) {
    *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  } else {
    *ops = crypto_pwhash_OPSLIMIT_MODERATE;
    *mem = crypto_pwhash_MEMLIMIT_MODERATE;
  }
}

static l6_err pw_hash(const l6_svc *s, const char *password, char out[L6_PWHASH_STR_MAX], l6_error *err) {
  unsigned long long ops;
  size_t mem;
  pw_limits(s, &ops, &mem);
  pthread_mutex_lock(&pw_mu);
  int rc = crypto_pwhash_str(out, password, strlen(password), ops, mem);
  pthread_mutex_unlock(&pw_mu);
  return rc == 0 ? L6_E_OK : l6_fail(err, L6_E_NOMEM, "cannot hash the password (out of memory)");
}

/* Checks password against hash; with hash NULL (no such user), against a
 * hash of nothing, so an unknown email costs as long as a wrong password
 * and the time of a reply does not tell which emails exist. */
static bool pw_verify(const l6_svc *s, const char *hash, const char *password) {
  static char dummy[crypto_pwhash_STRBYTES];
  pthread_mutex_lock(&pw_mu);
  if (hash == NULL && dummy[0] == '\0') {
    unsigned long long ops;
    size_t mem;
    pw_limits(s, &ops, &mem);
    if (crypto_pwhash_str(dummy, "-", 1, ops, mem) != 0) dummy[0] = '\0';
  }
  bool ok = crypto_pwhash_str_verify(hash ? hash : dummy, password, strlen(password)) == 0 && hash != NULL;
  pthread_mutex_unlock(&pw_mu);
  return ok;
}

/* ---- TOTP (RFC 6238, liboath) ----------------------------------------- */

/* The time step whose code `code` is, within L6_TOTP_WINDOW steps of
 * now_s; false when none. */
static bool totp_check(const char *secret_hex, int64_t now_s, const char *code, int64_t *step) {
  unsigned char raw[L6_TOTP_SECRET_BYTES];
  size_t len = 0;
  if (sodium_hex2bin(raw, sizeof raw, secret_hex, strlen(secret_hex), NULL, &len, NULL) != 0 || len != sizeof raw)
    return false;
  if (strlen(code) != 6) return false;
  for (const char *p = code; *p; p++)
    if (*p < '0' || *p > '9') return false;
  pthread_once(&oath_once, oath_start);
  int pos = 0;
  uint64_t counter = 0;
  int rc = oath_totp_validate3((const char *)raw, sizeof raw, (time_t)now_s, L6_TOTP_STEP_S, 0, L6_TOTP_WINDOW, &pos,
                               &counter, code);
  sodium_memzero(raw, sizeof raw);
  if (rc < 0) return false;
  *step = (int64_t)counter;
  return true;
}

/* ---- users ----------------------------------------------------------- */

static json_t *user_view(const l6_user *u) {
  return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)u->id, "email", u->email, "name", u->name,
                   "role", l6_role_str(u->role), "organisation", u->org ? json_integer(u->org) : json_null(), "status",
                   u->disabled ? "disabled" : "active", "created", u->created);
}

/* An email of lower-case letters, digits and ._+- around one @, with a
 * dot in the domain: what a login form and an otpauth:// label carry
 * without escaping (a '+' is escaped there). */
static bool valid_email(const char *e) {
  size_t n = strlen(e);
  if (n < 3 || n > L6_EMAIL_MAX) return false;
  const char *at = strchr(e, '@');
  if (at == NULL || at == e || strchr(at + 1, '@') || at[1] == '\0' || !strchr(at + 1, '.')) return false;
  for (const char *p = e; *p; p++) {
    bool local = p < at;
    if (*p == '@') continue;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || (local && (*p == '_' || *p == '+'))))
      return false;
  }
  return true;
}

static void lower(char *dst, size_t cap, const char *src) {
  size_t i = 0;
  for (; src[i] && i + 1 < cap; i++) dst[i] = (char)tolower((unsigned char)src[i]);
  dst[i] = '\0';
}

static l6_err need_admin(const l6_actor *a, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN) return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
  return L6_E_OK;
}

/* otpauth://totp/ledger6:EMAIL?secret=B32&issuer=ledger6&... (the Key Uri
 * Format that authenticator apps read from a QR code). */
static void otpauth_uri(const char *email, const char *b32, char *out, size_t cap) {
  char label[3 * L6_EMAIL_MAX + 1];
  size_t k = 0;
  for (const char *p = email; *p && k + 4 < sizeof label; p++) {
    if (*p == '+') k += (size_t)snprintf(label + k, sizeof label - k, "%%2B");
    else label[k++] = *p;
  }
  label[k] = '\0';
  snprintf(out, cap, "otpauth://totp/ledger6:%s?secret=%s&issuer=ledger6&algorithm=SHA1&digits=6&period=%d", label, b32,
           L6_TOTP_STEP_S);
}

l6_err svc_user_create(l6_svc *s, const l6_actor *a, const l6_user_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_admin(a, err);
  if (e != L6_E_OK) return e;
  l6_user *u = calloc(1, sizeof *u);
  if (u == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  lower(u->email, sizeof u->email, r->email);
  u->role = l6_role_from_str(r->role);
  u->org = r->organisation;
  size_t plen = strlen(r->password);
  if (!valid_email(u->email))
    e = l6_fail(err, L6_E_INVALID_VALUE, "email must be name@domain of letters, digits and ._+- (at most %d)", L6_EMAIL_MAX);
  else if (!l6_valid_text(r->name, L6_NAME_MAX))
    e = l6_fail(err, L6_E_INVALID_VALUE, "name must be 1-%d printable characters", L6_NAME_MAX);
  else if (u->role == L6_ROLE__NONE)
    e = l6_fail(err, L6_E_INVALID_VALUE, "role must be " L6_ROLE_NAMES);
  else if (l6_role_has_org(u->role) && u->org <= 0)
    e = l6_fail(err, L6_E_MISSING_FIELD, "%s %s needs an organisation", l6_article(l6_role_str(u->role)),
                l6_role_str(u->role));
  else if (!l6_role_has_org(u->role) && u->org != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "only holders, validators and authorities belong to an organisation");
  else if (plen < L6_PASSWORD_MIN || plen > L6_PASSWORD_MAX)
    e = l6_fail(err, L6_E_INVALID_VALUE, "password must be %d-%d bytes", L6_PASSWORD_MIN, L6_PASSWORD_MAX);
  snprintf(u->name, sizeof u->name, "%s", r->name);
  if (e == L6_E_OK) e = pw_hash(s, r->password, u->pwhash, err); /* slow: before the lock */
  unsigned char secret[L6_TOTP_SECRET_BYTES];
  randombytes_buf(secret, sizeof secret);
  sodium_bin2hex(u->totp_secret, sizeof u->totp_secret, secret, sizeof secret);
  char *b32 = NULL;
  size_t b32len = 0;
  pthread_once(&oath_once, oath_start);
  if (e == L6_E_OK && oath_base32_encode((const char *)secret, sizeof secret, &b32, &b32len) != OATH_OK)
    e = l6_fail(err, L6_E_NOMEM, NULL);
  sodium_memzero(secret, sizeof secret);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(b32);
    free(u);
    return e;
  }
  svc__timestamp(s, u->created);
  l6_org o;
  if (u->org) e = OPS->org_get(s->st, u->org, &o, err);
  if (e == L6_E_OK) {
    e = OPS->user_put(s->st, u, err);
    if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "a user with email %s already exists", u->email);
  }
  if (e == L6_E_OK) {
    char uri[1024];
    otpauth_uri(u->email, b32, uri, sizeof uri);
    *out = user_view(u);
    json_object_set_new(*out, "totp", json_pack("{s:s, s:s}", "secret", b32, "uri", uri));
  }
  sodium_memzero(b32, b32len);
  free(b32);
  sodium_memzero(u, sizeof *u);
  free(u);
  return svc__finish_out(s, e, out, err);
}

static int collect_user(void *ctx, const void *row) {
  json_t *v = user_view(row);
  return v ? json_array_append_new(ctx, v) : -1;
}

l6_err svc_user_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_admin(a, err);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *items = json_array();
  e = items ? OPS->user_list(s->st, collect_user, items, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) *out = json_pack("{s:O}", "items", items);
  json_decref(items);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_user_set_status(l6_svc *s, const l6_actor *a, l6_id id, const char *status, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_admin(a, err);
  if (e != L6_E_OK) return e;
  bool disable = strcmp(status, "disabled") == 0;
  if (!disable && strcmp(status, "active") != 0) return l6_fail(err, L6_E_INVALID_VALUE, "status must be active or disabled");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_user u;
  e = OPS->user_get(s->st, id, &u, err);
  if (e == L6_E_OK) e = OPS->user_set_disabled(s->st, id, disable, err);
  if (e == L6_E_OK && disable) e = OPS->session_delete_user(s->st, id, err); /* cut off at once */
  if (e == L6_E_OK) {
    u.disabled = disable;
    *out = user_view(&u);
  }
  sodium_memzero(&u, sizeof u);
  return svc__finish_out(s, e, out, err);
}

/* ---- sessions -------------------------------------------------------- */

static void random_hex(char out[65]) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out, 65, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
}

static json_t *session_view(const l6_svc *s, const l6_user *u, int64_t created_ms, int64_t last_ms) {
  char idle[32], abs[32];
  view_iso_time(last_ms + idle_ms(s), idle);
  view_iso_time(created_ms + max_ms(s), abs);
  return json_pack("{s:s, s:o, s:s, s:o, s:o, s:s, s:s}", "via", "session", "user", user_view(u), "role",
                   l6_role_str(u->role), "organisation", u->org ? json_integer(u->org) : json_null(), "token", json_null(),
                   "idle_expires", idle, "expires", abs);
}

l6_err svc_login(l6_svc *s, const char *email_in, const char *password, const char *code, char sid[65], char csrf[65],
                 json_t **out, l6_error *err) {
  *out = NULL;
  l6_user *u = calloc(1, sizeof *u);
  if (u == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  char email[L6_EMAIL_MAX + 1];
  lower(email, sizeof email, email_in);
  bool known = false;
  l6_err e = L6_E_OK;
  if (strlen(email_in) <= L6_EMAIL_MAX && strlen(password) <= L6_PASSWORD_MAX) {
    if ((e = svc__begin(s, err)) != L6_E_OK) {
      free(u);
      return e;
    }
    e = OPS->user_by_email(s->st, email, u, err);
    known = e == L6_E_OK;
    if (e == L6_E_UNKNOWN_USER) e = L6_E_OK;
    e = svc__finish(s, e, err);
  }
  /* The slow check outside the lock, as long for an unknown email. */
  if (e == L6_E_OK && !pw_verify(s, known ? u->pwhash : NULL, password)) e = l6_fail(err, L6_E_BAD_CREDENTIALS, NULL);
  int64_t now = svc__now_ms(s), step = 0;
  if (e == L6_E_OK && !totp_check(u->totp_secret, now / 1000, code, &step)) e = l6_fail(err, L6_E_BAD_TOTP, NULL);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) {
    sodium_memzero(u, sizeof *u);
    free(u);
    return e;
  }
  l6_id id = u->id;
  e = OPS->user_get(s->st, id, u, err); /* as it is now: disabled meanwhile? */
  if (e == L6_E_OK && u->disabled) e = l6_fail(err, L6_E_USER_DISABLED, NULL);
  bool taken = false;
  if (e == L6_E_OK) e = OPS->user_take_step(s->st, id, step, &taken, err);
  if (e == L6_E_OK && !taken) e = l6_fail(err, L6_E_TOTP_REUSED, NULL);
  if (e == L6_E_OK) {
    random_hex(sid);
    random_hex(csrf);
    l6_session x = {.user = id, .created_ms = now, .last_ms = now};
    char h[65];
    sha256_hex(sid, h);
    sha256_hex(csrf, x.csrf_hash);
    e = OPS->session_put(s->st, h, &x, err);
  }
  if (e == L6_E_OK) *out = session_view(s, u, now, now);
  sodium_memzero(u, sizeof *u);
  free(u);
  e = svc__finish_out(s, e, out, err);
  if (e != L6_E_OK) {
    sodium_memzero(sid, 65);
    sodium_memzero(csrf, 65);
  }
  return e;
}

static bool valid_sid(const char *sid) {
  if (sid == NULL || strlen(sid) != 64) return false;
  for (const char *p = sid; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
  return true;
}

/* Inside a transaction: the live session sid and its user, or
 * SESSION_EXPIRED (deleting a timed-out one) / USER_DISABLED. */
static l6_err session_load(l6_svc *s, const char *sid, l6_session *x, l6_user *u, int64_t now, l6_error *err) {
  if (!valid_sid(sid)) return l6_fail(err, L6_E_SESSION_EXPIRED, NULL);
  char h[65];
  sha256_hex(sid, h);
  l6_err e = OPS->session_get(s->st, h, x, err);
  if (e != L6_E_OK) return e;
  if (now - x->last_ms > idle_ms(s) || now - x->created_ms > max_ms(s)) {
    e = OPS->session_delete(s->st, h, err);
    return e != L6_E_OK ? e : L6_E_SESSION_EXPIRED;
  }
  e = OPS->user_get(s->st, x->user, u, err);
  if (e == L6_E_UNKNOWN_USER) return l6_fail(err, L6_E_SESSION_EXPIRED, NULL);
  if (e == L6_E_OK && u->disabled) return l6_fail(err, L6_E_USER_DISABLED, NULL);
  if (e == L6_E_OK && now - x->last_ms >= L6_SESSION_TOUCH_MS) {
    e = OPS->session_touch(s->st, h, now, err);
    x->last_ms = now;
  }
  return e;
}

l6_err svc_session_auth(l6_svc *s, const char *sid, l6_actor *out, char csrf_hash[65], l6_error *err) {
  memset(out, 0, sizeof *out);
  csrf_hash[0] = '\0';
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_session x;
  l6_user u;
  int64_t now = svc__now_ms(s);
  e = session_load(s, sid, &x, &u, now, err);
  /* A timed-out session's deletion is kept: commit it, then refuse. */
  if (e == L6_E_SESSION_EXPIRED) {
    l6_error ignore;
    svc__finish(s, L6_E_OK, &ignore);
    return l6_fail(err, L6_E_SESSION_EXPIRED, NULL);
  }
  if (e == L6_E_OK) {
    out->role = u.role;
    out->org = u.org;
    out->user = u.id;
    snprintf(out->name, sizeof out->name, "user:%lld", (long long)u.id);
    snprintf(csrf_hash, 65, "%s", x.csrf_hash);
  }
  sodium_memzero(&u, sizeof u);
  return svc__finish(s, e, err);
}

bool svc_csrf_matches(const char csrf_hash[65], const char *token) {
  if (token == NULL || csrf_hash == NULL || strlen(csrf_hash) != 64 || strlen(token) != 64) return false;
  char h[65];
  sha256_hex(token, h);
  return sodium_memcmp(h, csrf_hash, 64) == 0;
}

l6_err svc_logout(l6_svc *s, const char *sid, json_t **out, l6_error *err) {
  *out = NULL;
  if (!valid_sid(sid)) return l6_fail(err, L6_E_SESSION_EXPIRED, NULL);
  char h[65];
  sha256_hex(sid, h);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_session x;
  e = OPS->session_get(s->st, h, &x, err);
  if (e == L6_E_OK) e = OPS->session_delete(s->st, h, err);
  if (e == L6_E_OK) *out = json_pack("{s:s}", "status", "logged_out");
  return svc__finish_out(s, e, out, err);
}

l6_err svc_whoami(l6_svc *s, const l6_actor *a, const char *sid, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, "log in (POST /v1/session) or send a token");
  if (a->user == 0) {
    *out = json_pack("{s:s, s:n, s:s, s:o, s:o, s:n, s:n}", "via", "token", "user", "role", l6_role_str(a->role),
                     "organisation", a->org ? json_integer(a->org) : json_null(), "token",
                     a->token ? json_integer(a->token) : json_null(), "idle_expires", "expires");
    return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (!valid_sid(sid)) return l6_fail(err, L6_E_SESSION_EXPIRED, NULL);
  char h[65];
  sha256_hex(sid, h);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_user u;
  l6_session x;
  e = OPS->session_get(s->st, h, &x, err);
  if (e == L6_E_OK) e = OPS->user_get(s->st, x.user, &u, err);
  if (e == L6_E_OK) *out = session_view(s, &u, x.created_ms, x.last_ms);
  sodium_memzero(&u, sizeof u);
  return svc__finish_out(s, e, out, err);
}

/* ---- tokens' owners --------------------------------------------------- */

/* Inside svc_token_create's transaction: a token made in a user's session
 * belongs to that user; any other (the CLI, a token) is a system
 * integration's, named by its label. reply gains "owner". */
l6_err svc__token_owner(l6_svc *s, const l6_actor *a, l6_id token, json_t *reply, l6_error *err) {
  l6_err e = a->user > 0 ? OPS->token_set_owner(s->st, token, a->user, err) : L6_E_OK;
  if (e == L6_E_OK && reply) json_object_set_new(reply, "owner", a->user > 0 ? json_integer(a->user) : json_null());
  return e;
}
