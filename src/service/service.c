/*
 * service.c -- use cases over the store; see service.h.
 *
 * Every public function follows one shape: lock, check the actor's role,
 * begin a store transaction, validate and write, commit (or roll back on
 * any error), unlock. Nothing is written outside a transaction, so a
 * failed call leaves the store as it was.
 */
#include "service.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../core/serial.h"
#include "../metrics.h"
#include "a6.h"
#include "ets.h"
#include "ets_rules.h"
#include "mechanism.h"
#include "nma.h"
#include "crit.h"
#include "exchange.h"
#include "origin.h"
#include "service_int.h"
#include "proposal.h"
#include "views.h"


#define OPS (s->st->ops)

static int64_t real_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timestamp(l6_svc *s, char out[32]) { view_iso_time(s->now_ms(), out); }

/* A new token's lifetime by role, in days, unless config/tokens.json says
 * otherwise (docs/OPERATIONS.md "Tokens" gives the reasons): the roles
 * that can mint tokens, move any account or act for a Party live shortest;
 * read-only and organisation-bound integrations a year, one rotation a
 * year. */
static const int token_default_days[L6_ROLE_REVIEWER + 1] = {
    [L6_ROLE_ADMIN] = 30,      [L6_ROLE_AUTHORITY] = 90, [L6_ROLE_MECHANISM_ADMIN] = 90,
    [L6_ROLE_HOLDER] = 365,    [L6_ROLE_VALIDATOR] = 365, [L6_ROLE_AUDITOR] = 365,
    [L6_ROLE_REVIEWER] = 90, /* a review's weeks, with room: read-only, one Party */
};

l6_svc *svc_open(l6_store *st, int check_level, l6_error *err) {
  if (sodium_init() < 0) {
    l6_fail(err, L6_E_INTERNAL, "libsodium failed to initialise");
    return NULL;
  }
  l6_svc *s = calloc(1, sizeof *s);
  if (s == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  s->st = st;
  st->tx_only = true; /* from now on the store runs statements only under the writer lock */
  s->check_level = check_level;
  s->now_ms = real_now_ms;
  memcpy(s->token_days, token_default_days, sizeof s->token_days);
  svc__group_init(&s->group);
  svc__readers_init(s);
  if (svc__move_init(s, err) != L6_E_OK) { /* the policy step's rules (move.h) */
    svc__readers_free(s);
    svc__group_destroy(&s->group);
    free(s);
    return NULL;
  }
  return s;
}

void svc_close(l6_svc *s) {
  if (s == NULL) return;
  svc__readers_free(s);
  s->st->ops->close(s->st);
  svc__group_destroy(&s->group);
  free(s->iso);
  mech_set_free(s->mechs);
  ets_set_free(s->ets);
  svc__origins_free(s);
  svc__ex_free(s);
  sodium_memzero(&s->signer, sizeof s->signer);
  free(s);
}

l6_store *svc_store(l6_svc *s) { return s->st; }
void svc_set_clock(l6_svc *s, int64_t (*now_ms)(void)) { s->now_ms = now_ms ? now_ms : real_now_ms; }

/* ---- transaction and lock helpers ------------------------------------ */

/* A request's transaction: a member of a commit group (txgroup.c), or
 * on a reader's view (readers.c) a snapshot that takes no writer lock. */
static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static l6_err begin(l6_svc *s, l6_error *err) {
  if (!s->reader) return svc__tx_begin(s, err);
  s->view_start_ns = mono_ns();
  l6_err e = OPS->begin(s->st, err);
  if (e == L6_E_STORE || e == L6_E_BUSY) metrics_store_error(l6_err_code(e));
  return e;
}

/* Commits when e is OK, else rolls back; returns the outcome once it is
 * durable (the group's commit). */
static l6_err finish(l6_svc *s, l6_err e, l6_error *err) {
  if (!s->reader) return svc__tx_end(s, e, err);
  if (e == L6_E_OK) e = OPS->commit(s->st, err); /* a snapshot's end: nothing to write */
  if (e != L6_E_OK) OPS->rollback(s->st);
  if (e == L6_E_STORE || e == L6_E_BUSY) metrics_store_error(l6_err_code(e));
  metrics_store_transaction(e == L6_E_OK, mono_ns() - s->view_start_ns);
  return e;
}

/* Same, for calls that produced *out: drops it on failure. */
static l6_err finish_out(l6_svc *s, l6_err e, json_t **out, l6_error *err) {
  if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  e = finish(s, e, err);
  if (e != L6_E_OK && *out) {
    json_decref(*out);
    *out = NULL;
  }
  return e;
}


/* ---- roles ----------------------------------------------------------- */

static l6_err need_role(const l6_actor *a, bool admin, bool auditor, bool holder, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((a->role == L6_ROLE_ADMIN && admin) || (a->role == L6_ROLE_AUDITOR && auditor) ||
      (a->role == L6_ROLE_HOLDER && holder))
    return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
}
#define NEED_ADMIN(a, err) need_role(a, true, false, false, err)
#define NEED_READER(a, err) need_role(a, true, true, true, err)

/* May the actor see (or act for) accounts of org? */
static l6_err may_org(const l6_actor *a, l6_id org, l6_error *err) {
  if (a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER && org != 0 && org == a->org) return L6_E_OK;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  return l6_fail(err, L6_E_FORBIDDEN, "this account belongs to another organisation");
}

/* ---- small validators ------------------------------------------------ */

static l6_err need_text(const char *field, const char *v, size_t max, l6_error *err) {
  if (v == NULL || v[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "%s is required", field);
  if (!l6_valid_text(v, max))
    return l6_fail(err, L6_E_INVALID_VALUE, "%s must be 1-%zu printable characters", field, max);
  return L6_E_OK;
}

static bool iso_known(l6_svc *s, const char *code) {
  if (s->iso == NULL) return true;
  char key[6];
  snprintf(key, sizeof key, "\n%s\n", code);
  return strstr(s->iso, key) != NULL;
}

static int page_limit(const l6_page *pg) {
  if (pg == NULL || pg->limit <= 0) return L6_DEFAULT_PAGE;
  return pg->limit > L6_MAX_PAGE ? L6_MAX_PAGE : pg->limit;
}

/* Collects rows into a JSON array via a view function. */
typedef json_t *(*view_fn)(const void *row);
typedef struct {
  json_t *arr;
  view_fn view;
  int count;
  char last[L6_CODE_MAX + 1]; /* cursor of the last row */
  int (*cursor)(const void *row, char *buf, size_t cap);
} collect_ctx;

static int collect(void *ctx, const void *row) {
  collect_ctx *c = ctx;
  json_array_append_new(c->arr, c->view(row));
  c->count++;
  if (c->cursor) c->cursor(row, c->last, sizeof c->last);
  return 0;
}

static json_t *list_of(json_t *items) { return json_pack("{s:o}", "items", items); }

/* ---- configuration --------------------------------------------------- */

/* config/tokens.json (optional): {"lifetime_days": {"admin": 30, ...}}, a
 * role's new tokens' lifetime in days (0: they never expire); roles it
 * does not name keep token_default_days. */
l6_err svc_tokens_load(l6_svc *s, const char *dir, l6_error *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/tokens.json", dir);
  memcpy(s->token_days, token_default_days, sizeof s->token_days);
  if (access(path, F_OK) != 0) return L6_E_OK;
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d: %s", path, je.line, je.text);
  l6_err e = L6_E_OK;
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (e == L6_E_OK && strcmp(k, "lifetime_days") != 0 && strcmp(k, "note") != 0)
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: unknown key '%s'", path, k);
  }
  json_t *days = json_object_get(root, "lifetime_days");
  if (e == L6_E_OK && !json_is_object(days))
    e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: lifetime_days must be an object of role: days", path);
  int got[L6_ROLE_REVIEWER + 1];
  memcpy(got, token_default_days, sizeof got);
  json_object_foreach(days, k, v) {
    if (e != L6_E_OK) break;
    l6_role r = l6_role_from_str(k);
    if (r == L6_ROLE__NONE) e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: '%s' is no role (" L6_ROLE_NAMES ")", path, k);
    else if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > L6_TOKEN_MAX_DAYS)
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: lifetime_days.%s must be 0 (never expires) to %d days", path, k,
                  L6_TOKEN_MAX_DAYS);
    else got[r] = (int)json_integer_value(v);
  }
  json_decref(root);
  if (e == L6_E_OK) memcpy(s->token_days, got, sizeof got);
  return e;
}

static l6_err load_iso(l6_svc *s, const char *path, l6_error *err) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return l6_fail(err, L6_E_INVALID_VALUE, "cannot read %s", path);
  size_t cap = 4096, len = 1;
  char *buf = malloc(cap), line[512];
  if (buf == NULL) {
    fclose(f);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  buf[0] = '\n';
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    char code[4] = {line[0], line[1], line[2], 0};
    if (!l6_valid_alpha3(code) || line[3] != '\t') {
      free(buf);
      fclose(f);
      return l6_fail(err, L6_E_INVALID_VALUE, "%s:%d: expected CODE<TAB>NAME", path, lineno);
    }
    if (len + 5 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return l6_fail(err, L6_E_NOMEM, NULL);
      }
      buf = nb;
    }
    memcpy(buf + len, code, 3);
    buf[len + 3] = '\n';
    len += 4;
  }
  buf[len] = '\0';
  fclose(f);
  free(s->iso);
  s->iso = buf;
  return L6_E_OK;
}

#include <dirent.h>

/* Reads one programme file: {"code","name","kind","unit_types":[{"code","name",
 * "non_offsetting"?}]}; non_offsetting (default false) marks units that may
 * never serve an emissions claim (CABs, conservation certificates). */
static l6_err load_programme(l6_svc *s, const char *path, l6_error *err) {
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_VALUE, "%s:%d: %s", path, je.line, je.text);
  l6_err e = L6_E_OK;
  const char *code = NULL, *name = NULL, *kind = NULL;
  json_t *uts = NULL;
  if (json_unpack_ex(root, &je, JSON_STRICT, "{s:s, s:s, s:s, s:o, s?s}", "code", &code, "name", &name, "kind",
                     &kind, "unit_types", &uts, "description", &(const char *){NULL}) != 0 ||
      !json_is_array(uts)) {
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s: %s", path, je.text[0] ? je.text : "unit_types must be an array");
    goto done;
  }
  l6_programme p = {0};
  if (!l6_valid_code(code) || !l6_valid_text(name, L6_NAME_MAX) || !l6_valid_text(kind, sizeof p.kind - 1)) {
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s: key code/name/kind: invalid value", path);
    goto done;
  }
  snprintf(p.code, sizeof p.code, "%s", code);
  snprintf(p.name, sizeof p.name, "%s", name);
  snprintf(p.kind, sizeof p.kind, "%s", kind);
  l6_programme old;
  if ((e = begin(s, err)) != L6_E_OK) goto done;
  if (OPS->programme_get(s->st, p.code, &old, err) == L6_E_UNKNOWN_PROGRAMME) e = OPS->programme_put(s->st, &p, err);
  size_t i;
  json_t *ut;
  json_array_foreach(uts, i, ut) {
    if (e != L6_E_OK) break;
    const char *uc = NULL, *un = NULL;
    int nonoff = 0;
    if (json_unpack_ex(ut, &je, JSON_STRICT, "{s:s, s:s, s?b}", "code", &uc, "name", &un, "non_offsetting",
                       &nonoff) != 0 ||
        !l6_valid_code(uc) || !l6_valid_text(un, L6_NAME_MAX)) {
      e = l6_fail(err, L6_E_INVALID_VALUE,
                  "%s: key unit_types[%zu]: needs a valid code and name (and non_offsetting a boolean): %s", path, i,
                  je.text);
      break;
    }
    l6_unit_type u = {0}, oldu;
    snprintf(u.code, sizeof u.code, "%s", uc);
    snprintf(u.programme, sizeof u.programme, "%s", p.code);
    snprintf(u.name, sizeof u.name, "%s", un);
    u.non_offsetting = nonoff != 0;
    l6_error ignore;
    if (OPS->unit_type_get(s->st, u.code, &oldu, &ignore) == L6_E_UNKNOWN_UNIT_TYPE)
      e = OPS->unit_type_put(s->st, &u, err);
  }
  e = finish(s, e, err);
done:
  json_decref(root);
  return e;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

l6_err svc_load_config(l6_svc *s, const char *dir, l6_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/iso3166-1.tsv", dir);
  l6_err e = load_iso(s, path, err);
  if (e != L6_E_OK) return e;
  snprintf(path, sizeof path, "%s/programmes", dir);
  DIR *d = opendir(path);
  if (d == NULL) return l6_fail(err, L6_E_INVALID_VALUE, "cannot open %s", path);
  char *names[256];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL && n < 256) {
    size_t len = strlen(de->d_name);
    if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0) names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_str); /* deterministic load order */
  for (size_t i = 0; i < n; i++) {
    if (e == L6_E_OK && names[i]) {
      snprintf(path, sizeof path, "%s/programmes/%s", dir, names[i]);
      e = load_programme(s, path, err);
    }
    free(names[i]);
  }
  /* Crediting mechanisms (config/mechanisms/, optional): after the
   * programmes, whose unit types they name. */
  if (e == L6_E_OK) e = mech_load_dir(s, dir, err);
  if (e == L6_E_OK) e = svc_a6_load_corsia(dir, err); /* Article 6: CORSIA phases (optional) */
  if (e == L6_E_OK) e = svc_crit_load(dir, err);      /* exchange: integrity labels (optional) */
  if (e == L6_E_OK) e = svc_nma_load(dir, err);       /* Article 6.8: the NMA platform's lists (optional) */
  if (e == L6_E_OK) e = svc_ets_load(s, dir, err);     /* emissions trading jurisdictions (optional) */
  if (e == L6_E_OK) e = svc_tokens_load(s, dir, err);  /* token lifetimes (optional) */
  if (e == L6_E_OK) e = svc_origins_load(s, dir, err); /* registries outside the Parties (optional) */
  if (e == L6_E_OK) e = svc_groups_load(dir, err);      /* open data: country groups of /v1/stats (optional) */
  return e;
}

/* ---- tokens ---------------------------------------------------------- */

static void token_hash(const char *token, char hex[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* A token's state at `now`. */
static const char *token_state(const l6_token *t, int64_t now) {
  if (t->revoked) return "revoked";
  if (t->expires && now >= t->expires) return "expired";
  return "active";
}

static json_t *time_or_null(int64_t ms) {
  if (ms <= 0) return json_null();
  char buf[32];
  view_iso_time(ms, buf);
  return json_string(buf);
}

/* GET /v1/tokens and the revoke reply: never the secret, nor its hash. */
static json_t *view_token(const l6_token *t, int64_t now) {
  return json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id, "role",
                   l6_role_str(t->role), "organisation", t->org ? json_integer(t->org) : json_null(), "label",
                   t->label, "state", token_state(t, now), "created", time_or_null(t->created), "expires",
                   time_or_null(t->expires), "revoked", time_or_null(t->revoked), "last_used",
                   time_or_null(t->last_used));
}

/* Every request reads the token row from the store (nothing caches it),
 * so a revocation or an expiry refuses the very next request, on every
 * server of the store. The last-used time is written only when the
 * stored one is more than L6_TOKEN_TOUCH_MS old: one small UPDATE per
 * token per minute, not one per request, so reads stay reads. A failed
 * touch (a busy or read-only store) does not refuse the request. */
l6_err svc_authenticate(l6_svc *s, const char *bearer, l6_actor *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  if (bearer == NULL) return L6_E_OK; /* anonymous */
  if (strncmp(bearer, "l6_", 3) != 0 || strlen(bearer) != 3 + 48)
    return l6_fail(err, L6_E_UNAUTHORIZED, "malformed token");
  char hex[65];
  token_hash(bearer, hex);
  l6_token t;
  int64_t now = s->now_ms();
  l6_svc *v = svc__reader_get(s); /* a snapshot: never waits for the writer (readers.c) */
  l6_err e;
  if (v != NULL) {
    e = v->st->ops->token_find(v->st, hex, &t, err);
    svc__reader_put(s, v);
  } else {
    svc__lock(s);
    e = OPS->begin(s->st, err);
    if (e == L6_E_OK) {
      e = OPS->token_find(s->st, hex, &t, err);
      OPS->rollback(s->st); /* read only */
    }
    svc__unlock(s);
  }
  if (e == L6_E_OK && t.revoked == 0 && (t.expires == 0 || now < t.expires) && now - t.last_used >= L6_TOKEN_TOUCH_MS) {
    /* The last-used time, best effort: now when the writer is idle, else
     * with the next commit group (svc__touch_flush), never waiting. */
    if (svc__trylock(s)) {
      l6_error ignored = {0};
      if (OPS->begin(s->st, &ignored) == L6_E_OK) {
        if (OPS->token_touch(s->st, t.id, now, now - L6_TOKEN_TOUCH_MS + 1, &ignored) != L6_E_OK ||
            OPS->commit(s->st, &ignored) != L6_E_OK)
          OPS->rollback(s->st);
      }
      svc__unlock(s);
    } else {
      svc__touch_later(s, t.id, now);
    }
  }
  if (e == L6_E_UNAUTHORIZED) return l6_fail(err, L6_E_UNAUTHORIZED, "unknown token");
  if (e != L6_E_OK) return e;
  char when[32];
  if (t.revoked) {
    view_iso_time(t.revoked, when);
    return l6_fail(err, L6_E_TOKEN_REVOKED, "token %lld was revoked at %s", (long long)t.id, when);
  }
  if (t.expires && now >= t.expires) {
    view_iso_time(t.expires, when);
    return l6_fail(err, L6_E_TOKEN_EXPIRED, "token %lld expired at %s", (long long)t.id, when);
  }
  out->role = t.role;
  out->org = t.org;
  out->token = t.id;
  out->owner = t.owner;
  snprintf(out->name, sizeof out->name, "token:%lld", (long long)t.id);
  return L6_E_OK;
}

l6_err svc_token_create(l6_svc *s, const l6_actor *a, l6_role role, l6_id org, const char *label, int days,
                        char token_out[80], json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (role == L6_ROLE__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "role must be " L6_ROLE_NAMES);
  if (l6_role_has_org(role) && org <= 0)
    return l6_fail(err, L6_E_MISSING_FIELD, "%s %s token needs an organisation", l6_article(l6_role_str(role)),
                     l6_role_str(role));
  if (!l6_role_has_org(role) && org != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "only holder, validator, authority and reviewer tokens belong to an organisation");
  if ((e = need_text("label", label, L6_NAME_MAX, err)) != L6_E_OK) return e;
  /* A token may live shorter than its role's lifetime, never longer. */
  int max = s->token_days[role] ? s->token_days[role] : L6_TOKEN_MAX_DAYS;
  if (days < 0 || days > max)
    return l6_fail(err, L6_E_INVALID_VALUE, "lifetime_days must be 1-%d for %s %s token%s", max,
                   l6_article(l6_role_str(role)), l6_role_str(role),
                   s->token_days[role] ? " (config/tokens.json)" : "");
  if (days == 0) days = s->token_days[role];
  unsigned char raw[24];
  randombytes_buf(raw, sizeof raw);
  char hex[49];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  snprintf(token_out, 80, "l6_%s", hex);
  char h[65];
  token_hash(token_out, h);
  int64_t now = s->now_ms();
  l6_token t = {.role = role, .org = org, .created = now, .expires = days ? now + (int64_t)days * 86400000 : 0};
  snprintf(t.label, sizeof t.label, "%s", label);
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_org o;
  if (org) e = OPS->org_get(s->st, org, &o, err);
  if (e == L6_E_OK) e = OPS->token_put(s->st, &t, h, err);
  if (e == L6_E_OK) {
    *out = view_token(&t, now);
    if (*out) json_object_set_new(*out, "token", json_string(token_out));
  }
  if (e == L6_E_OK && *out) e = svc__token_owner(s, a, t.id, *out, err); /* people.c */
  return finish_out(s, e, out, err);
}

/* Whose tokens an actor sees and revokes: an administrator every token,
 * anyone else the token it authenticated with (tokens belong to nobody
 * else yet; with user accounts, the tokens of the same user). */
static l6_id token_scope(const l6_actor *a) { return a->role == L6_ROLE_ADMIN ? 0 : a->token; }

typedef struct {
  json_t *arr;
  int64_t now;
  int count;
  l6_id last;
} token_collect;

static int collect_token(void *ctx, const void *row) {
  token_collect *c = ctx;
  const l6_token *t = row;
  json_array_append_new(c->arr, view_token(t, c->now));
  c->count++;
  c->last = t->id;
  return 0;
}

l6_err svc_token_list(l6_svc *s, const l6_actor *a, const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_token_list, a, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  int limit = page_limit(pg);
  l6_id only = token_scope(a);
  if (a->role != L6_ROLE_ADMIN && only == 0) return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  token_collect c = {.arr = json_array(), .now = s->now_ms()};
  l6_id after = pg && pg->after[0] ? strtoll(pg->after, NULL, 10) : 0;
  e = OPS->token_list(s->st, only, after, limit, collect_token, &c, err);
  *out = list_of(c.arr);
  char cur[24];
  snprintf(cur, sizeof cur, "%lld", (long long)c.last);
  if (*out) view_set_next(*out, c.count == limit ? cur : NULL);
  return finish_out(s, e, out, err);
}

l6_err svc_token_revoke(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_id only = token_scope(a);
  if (a->role != L6_ROLE_ADMIN && (only == 0 || only != id))
    return l6_fail(err, L6_E_FORBIDDEN, "only an administrator revokes another token; a token may revoke itself");
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  l6_token t;
  int64_t now = s->now_ms();
  e = OPS->token_get(s->st, id, &t, err);
  if (e == L6_E_UNKNOWN_TOKEN) l6_fail(err, e, "no token %lld", (long long)id);
  /* Revoking a revoked token changes nothing: the first time stays. */
  if (e == L6_E_OK && t.revoked == 0) {
    e = OPS->token_revoke(s->st, id, now, err);
    t.revoked = now;
  }
  if (e == L6_E_OK) *out = view_token(&t, now);
  return finish_out(s, e, out, err);
}

typedef struct {
  int64_t now;
  l6_token *found;
  bool has;
} admin_find;

static int find_admin(void *ctx, const void *row) {
  admin_find *f = ctx;
  const l6_token *t = row;
  if (t->role != L6_ROLE_ADMIN || strcmp(token_state(t, f->now), "active") != 0) return 0;
  f->has = true;
  if (f->found) *f->found = *t;
  return 1; /* stop */
}

l6_err svc_token_admin_usable(l6_svc *s, l6_token *found, bool *has, l6_error *err) {
  *has = false;
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  admin_find f = {.now = s->now_ms(), .found = found};
  e = OPS->token_list(s->st, 0, 0, INT32_MAX, find_admin, &f, err);
  *has = f.has;
  return finish(s, e, err);
}

/* ---- reference data -------------------------------------------------- */

l6_err svc_party_create(l6_svc *s, const l6_actor *a, const l6_party *p, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_alpha3(p->code) || !iso_known(s, p->code))
    return l6_fail(err, L6_E_INVALID_VALUE, "code '%s' is not an ISO 3166-1 alpha-3 code", p->code);
  if ((e = need_text("name", p->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  e = OPS->party_put(s->st, p, err);
  if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "Party %s already exists", p->code);
  if (e == L6_E_OK) *out = view_party(p);
  return finish_out(s, e, out, err);
}

/* Runs a read-only list inside a transaction (a consistent snapshot). */
#define READ_LIST(s, out, err, call)                       \
  do {                                                     \
    l6_err e_ = begin(s, err);                             \
    if (e_ != L6_E_OK) return e_;                          \
    json_t *items_ = json_array();                         \
    collect_ctx c_ = {.arr = items_};                      \
    (void)c_;                                              \
    call;                                                  \
    *out = list_of(items_);                                \
    return finish_out(s, e_, out, err);                    \
  } while (0)

static json_t *v_party(const void *r) { return view_party(r); }
static json_t *v_registry(const void *r) { return view_registry(r); }
static json_t *v_org(const void *r) { return view_org(r); }
static json_t *v_account(const void *r) { return view_account(r); }
static json_t *v_programme(const void *r) { return view_programme(r); }
static json_t *v_unit_type(const void *r) { return view_unit_type(r); }
static json_t *v_project(const void *r) { return view_project(r); }

l6_err svc_party_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_party_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  READ_LIST(s, out, err, (c_.view = v_party, e_ = OPS->party_list(s->st, collect, &c_, err)));
}

static const l6_account_type registry_accounts[] = {L6_ACCT_PENDING, L6_ACCT_RETIREMENT, L6_ACCT_CANCELLATION};

/* Opens in registry r, owned by no organisation, an account of each type
 * of types[0..n) it has none of. One it has counts whatever its status: a
 * blocked or closed one was blocked or closed on purpose, and stays so (a
 * levy then answers levy_account_missing). Appends the accounts made to
 * accs when not NULL. */
static l6_err open_registry_accounts(l6_svc *s, const char *r, const l6_account_type *types, size_t n, json_t *accs,
                                     l6_error *err) {
  l6_err e = L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && i < n; i++) {
    l6_account acc;
    e = OPS->account_of_registry(s->st, r, types[i], &acc, err);
    if (e == L6_E_OK) continue; /* has one, whatever its status */
    if (e != L6_E_UNKNOWN_ACCOUNT) return e;
    acc = (l6_account){.type = types[i], .status = L6_STATUS_OPEN};
    snprintf(acc.registry, sizeof acc.registry, "%s", r);
    snprintf(acc.name, sizeof acc.name, "%s %s account", r, l6_account_type_str(acc.type));
    e = OPS->account_put(s->st, &acc, err);
    if (e == L6_E_OK && accs) json_array_append_new(accs, view_account(&acc));
  }
  return e;
}

typedef struct {
  char (*ids)[6];
  size_t n, cap;
  bool nomem;
} reg_ids;

static int collect_reg_id(void *ctx, const void *row) {
  reg_ids *b = ctx;
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 16;
    char(*ni)[6] = realloc(b->ids, nc * sizeof *ni);
    if (ni == NULL) return b->nomem = true, 1;
    b->ids = ni;
    b->cap = nc;
  }
  snprintf(b->ids[b->n++], 6, "%s", ((const l6_registry *)row)->id);
  return 0;
}

l6_err svc_levy_accounts_open(l6_svc *s, const l6_actor *a, size_t *opened, l6_error *err) {
  *opened = 0;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  l6_account_type types[L6_ACCT__COUNT];
  size_t nt = mech_levy_account_types(svc__mechs(s), types);
  if ((e = begin(s, err)) != L6_E_OK) return e;
  reg_ids regs = {0};
  e = OPS->registry_list(s->st, collect_reg_id, &regs, err);
  if (e == L6_E_OK && regs.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_t *made = json_array();
  for (size_t i = 0; e == L6_E_OK && i < regs.n; i++) e = open_registry_accounts(s, regs.ids[i], types, nt, made, err);
  *opened = e == L6_E_OK ? json_array_size(made) : 0;
  json_decref(made);
  free(regs.ids);
  return finish(s, e, err);
}

l6_err svc_registry_create(l6_svc *s, const l6_actor *a, const l6_registry *r, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_registry_id(r->id))
    return l6_fail(err, L6_E_INVALID_VALUE, "registry id '%s' must be the Party's alpha-3 code and two digits", r->id);
  if (strncmp(r->id, r->party, 3) != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "registry id '%s' must start with its Party's code '%s'", r->id, r->party);
  if ((e = need_text("name", r->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_party p;
  e = OPS->party_get(s->st, r->party, &p, err);
  if (e == L6_E_OK) {
    e = OPS->registry_put(s->st, r, err);
    if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "registry %s already exists", r->id);
  }
  /* Its own accounts, and one for each levy the loaded mechanisms take
   * (the Adaptation Fund's share of proceeds, OMGE, buffer): the levies
   * of an issuance land in the activity's registry (cycle.c). */
  json_t *accs = json_array();
  l6_account_type levies[L6_ACCT__COUNT];
  size_t nlevies = mech_levy_account_types(svc__mechs(s), levies);
  if (e == L6_E_OK)
    e = open_registry_accounts(s, r->id, registry_accounts, sizeof registry_accounts / sizeof registry_accounts[0], accs,
                               err);
  if (e == L6_E_OK) e = open_registry_accounts(s, r->id, levies, nlevies, accs, err);
  if (e == L6_E_OK) {
    *out = view_registry(r);
    if (*out) json_object_set(*out, "accounts", accs);
  }
  json_decref(accs);
  return finish_out(s, e, out, err);
}

l6_err svc_registry_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_registry_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  READ_LIST(s, out, err, (c_.view = v_registry, e_ = OPS->registry_list(s->st, collect, &c_, err)));
}

l6_err svc_org_create(l6_svc *s, const l6_actor *a, l6_org *o, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if ((e = need_text("name", o->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_registry r;
  e = OPS->registry_get(s->st, o->registry, &r, err);
  if (e == L6_E_OK) e = OPS->org_put(s->st, o, err);
  if (e == L6_E_OK) *out = view_org(o);
  return finish_out(s, e, out, err);
}

l6_err svc_org_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_org_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = NEED_READER(a, err);
  if (e != L6_E_OK) return e;
  l6_id only = a->role == L6_ROLE_HOLDER ? a->org : 0;
  READ_LIST(s, out, err, (c_.view = v_org, e_ = OPS->org_list(s->st, only, collect, &c_, err)));
}

l6_err svc_account_create(l6_svc *s, const l6_actor *a, l6_account *acc, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (acc->type == L6_ACCT__NONE)
    return l6_fail(err, L6_E_INVALID_VALUE,
                   "type must be one of pending, holding, trading, retirement, cancellation, buffer, "
                   "adaptation-fund, omge-cancellation, surrender");
  if ((acc->type == L6_ACCT_HOLDING || acc->type == L6_ACCT_TRADING) && acc->org == 0)
    return l6_fail(err, L6_E_MISSING_FIELD, "%s %s account needs an organisation",
                   l6_article(l6_account_type_str(acc->type)), l6_account_type_str(acc->type));
  if ((e = need_text("name", acc->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  acc->status = L6_STATUS_OPEN;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_registry r;
  l6_org o;
  e = OPS->registry_get(s->st, acc->registry, &r, err);
  if (e == L6_E_OK && acc->org) {
    e = OPS->org_get(s->st, acc->org, &o, err);
    if (e == L6_E_OK && strcmp(o.registry, acc->registry) != 0)
      e = l6_fail(err, L6_E_INVALID_VALUE, "organisation %lld belongs to registry %s, not %s", (long long)acc->org,
                  o.registry, acc->registry);
  }
  if (e == L6_E_OK) e = OPS->account_put(s->st, acc, err);
  if (e == L6_E_OK) *out = view_account(acc);
  return finish_out(s, e, out, err);
}

l6_err svc_account_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_account_get, a, id, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = NEED_READER(a, err);
  if (e != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_account acc;
  e = OPS->account_get(s->st, id, &acc, err);
  if (e == L6_E_OK) e = may_org(a, acc.org, err);
  if (e == L6_E_OK) *out = view_account(&acc);
  return finish_out(s, e, out, err);
}

l6_err svc_account_set_status(l6_svc *s, const l6_actor *a, l6_id id, l6_account_status stt, json_t **out,
                              l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (stt == L6_STATUS__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "status must be open, blocked or closed");
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_account acc;
  e = OPS->account_get(s->st, id, &acc, err);
  if (e == L6_E_OK && acc.status == L6_STATUS_CLOSED && stt != L6_STATUS_CLOSED)
    e = l6_fail(err, L6_E_ACCOUNT_CLOSED, "account %lld is closed; a closed account cannot be reopened", (long long)id);
  if (e == L6_E_OK && stt == L6_STATUS_CLOSED) {
    l6_pick_filter f = {.account = id};
    l6_qty total = 0;
    e = OPS->account_total(s->st, &f, &total, err);
    if (e == L6_E_OK && total > 0)
      e = l6_fail(err, L6_E_ACCOUNT_NOT_EMPTY, "account %lld still holds %lld units", (long long)id, (long long)total);
  }
  if (e == L6_E_OK) e = OPS->account_set_status(s->st, id, stt, err);
  acc.status = stt;
  if (e == L6_E_OK) *out = view_account(&acc);
  return finish_out(s, e, out, err);
}

static int acc_cursor(const void *row, char *buf, size_t cap) {
  return snprintf(buf, cap, "%lld", (long long)((const l6_account *)row)->id);
}

static l6_id parse_cursor_id(const l6_page *pg) { return pg && pg->after[0] ? strtoll(pg->after, NULL, 10) : 0; }

l6_err svc_account_list(l6_svc *s, const l6_actor *a, const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_account_list, a, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = NEED_READER(a, err);
  if (e != L6_E_OK) return e;
  int limit = page_limit(pg);
  l6_id org = a->role == L6_ROLE_HOLDER ? a->org : 0;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  collect_ctx c = {.arr = json_array(), .view = v_account, .cursor = acc_cursor};
  e = OPS->account_list(s->st, org, parse_cursor_id(pg), limit, collect, &c, err);
  *out = list_of(c.arr);
  if (*out) view_set_next(*out, c.count == limit ? c.last : NULL);
  return finish_out(s, e, out, err);
}

/* Looks up a batch and its project's host, caching the last one. */
typedef struct {
  l6_svc *s;
  l6_batch b;
  char host[4];
  l6_err e;
  l6_error *err;
} batch_cache;

static l6_err batch_info(batch_cache *c, l6_id batch) {
  if (c->b.id == batch && batch != 0) return L6_E_OK;
  l6_project p;
  l6_err e = c->s->st->ops->batch_get(c->s->st, batch, &c->b, c->err);
  if (e == L6_E_OK) e = c->s->st->ops->project_get(c->s->st, c->b.project, &p, c->err);
  if (e != L6_E_OK) {
    c->b.id = 0;
    return e;
  }
  snprintf(c->host, sizeof c->host, "%s", p.host);
  return L6_E_OK;
}

typedef struct {
  batch_cache bc;
  json_t *blocks;
  json_t *totals; /* "UT/vintage" -> quantity */
  l6_qty total;
  int count;
  l6_id last_id;
} holdings_ctx;

static int holdings_row(void *ctx, const void *row) {
  holdings_ctx *h = ctx;
  const l6_block *b = row;
  if ((h->bc.e = batch_info(&h->bc, b->batch)) != L6_E_OK) return 1;
  if (h->count < L6_MAX_PAGE) json_array_append_new(h->blocks, view_block(&h->bc.b, h->bc.host, b->first, b->last));
  char key[L6_CODE_MAX + 16];
  snprintf(key, sizeof key, "%s/%d", h->bc.b.unit_type, h->bc.b.vintage);
  json_t *t = json_object_get(h->totals, key);
  l6_qty q = l6_range_qty(b->first, b->last);
  json_object_set_new(h->totals, key, json_integer((t ? json_integer_value(t) : 0) + q));
  h->total += q;
  h->count++;
  h->last_id = b->id;
  return 0;
}

l6_err svc_holdings(l6_svc *s, const l6_actor *a, l6_id account, json_t **out, l6_error *err) {
  /* Delayed transfers and expiries due now happen first (proposal.h), on
   * the writer and only when something is due; then the read itself runs
   * on a snapshot, off the writer lock (readers.c). */
  *out = NULL;
  l6_err e = svc__proposals_tick_if_due(s, err);
  if (e != L6_E_OK) return e;
  READ_ON_VIEW(s, svc_holdings, a, account, out, err);
  e = NEED_READER(a, err);
  if (e != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_account acc;
  e = OPS->account_get(s->st, account, &acc, err);
  if (e == L6_E_OK) e = may_org(a, acc.org, err);
  holdings_ctx h = {.bc = {.s = s, .err = err}, .blocks = json_array(), .totals = json_object()};
  /* Walk every block in pages: totals must cover the whole account, the
   * block list is capped at L6_MAX_PAGE entries for the response size. */
  l6_id after = 0;
  while (e == L6_E_OK) {
    int before = h.count;
    e = OPS->blocks_of_account(s->st, account, after, L6_MAX_PAGE, holdings_row, &h, err);
    if (e == L6_E_OK && h.bc.e != L6_E_OK) e = h.bc.e;
    if (h.count - before < L6_MAX_PAGE) break;
    after = h.last_id;
  }
  if (e == L6_E_OK) {
    json_t *by = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(h.totals, key, v) {
      char ut[L6_CODE_MAX + 1];
      int vintage = 0;
      const char *slash = strrchr(key, '/');
      snprintf(ut, sizeof ut, "%.*s", (int)(slash - key), key);
      vintage = atoi(slash + 1);
      json_array_append_new(by, json_pack("{s:s, s:i, s:O}", "unit_type", ut, "vintage", vintage, "quantity", v));
    }
    *out = json_pack("{s:o, s:I, s:o, s:O, s:I, s:b}", "account", view_account(&acc), "total", (json_int_t)h.total,
                     "by_unit_type_vintage", by, "blocks", h.blocks, "block_count", (json_int_t)h.count,
                     "blocks_truncated", h.count > L6_MAX_PAGE);
  }
  json_decref(h.blocks);
  json_decref(h.totals);
  return finish_out(s, e, out, err);
}

l6_err svc_programme_create(l6_svc *s, const l6_actor *a, const l6_programme *p, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_code(p->code)) return l6_fail(err, L6_E_INVALID_VALUE, "code must be [A-Z0-9.], 1-%d characters", L6_CODE_MAX);
  if ((e = need_text("name", p->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  if ((e = need_text("kind", p->kind, sizeof p->kind - 1, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  e = OPS->programme_put(s->st, p, err);
  if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "programme %s already exists", p->code);
  if (e == L6_E_OK) *out = view_programme(p);
  return finish_out(s, e, out, err);
}

l6_err svc_programme_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_programme_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  READ_LIST(s, out, err, (c_.view = v_programme, e_ = OPS->programme_list(s->st, collect, &c_, err)));
}

l6_err svc_unit_type_create(l6_svc *s, const l6_actor *a, const l6_unit_type *u, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_code(u->code)) return l6_fail(err, L6_E_INVALID_VALUE, "code must be [A-Z0-9.], 1-%d characters", L6_CODE_MAX);
  if ((e = need_text("name", u->name, L6_NAME_MAX, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_programme p;
  e = OPS->programme_get(s->st, u->programme, &p, err);
  if (e == L6_E_OK) e = OPS->unit_type_put(s->st, u, err);
  if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "unit type %s already exists", u->code);
  if (e == L6_E_OK) *out = view_unit_type(u);
  return finish_out(s, e, out, err);
}

l6_err svc_unit_type_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_unit_type_list, a, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  READ_LIST(s, out, err, (c_.view = v_unit_type, e_ = OPS->unit_type_list(s->st, collect, &c_, err)));
}

l6_err svc_project_create(l6_svc *s, const l6_actor *a, const l6_project *p, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_project_id(p->id))
    return l6_fail(err, L6_E_INVALID_VALUE, "id must be [A-Za-z0-9._], 1-%d characters, no hyphen", L6_CODE_MAX);
  if ((e = need_text("title", p->title, L6_NAME_MAX, err)) != L6_E_OK ||
      (e = need_text("methodology", p->methodology, L6_NAME_MAX, err)) != L6_E_OK ||
      (e = need_text("sector", p->sector, L6_NAME_MAX, err)) != L6_E_OK)
    return e;
  if (strcmp(p->kind, "avoidance") != 0 && strcmp(p->kind, "removal") != 0 && strcmp(p->kind, "adaptation") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "kind must be avoidance, removal or adaptation");
  if (!l6_valid_date(p->crediting_start) || !l6_valid_date(p->crediting_end))
    return l6_fail(err, L6_E_INVALID_VALUE, "crediting_start and crediting_end must be dates YYYY-MM-DD");
  if (strcmp(p->crediting_start, p->crediting_end) > 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "crediting period ends before it starts");
  if (strcmp(p->status, "listed") != 0 && strcmp(p->status, "registered") != 0 && strcmp(p->status, "suspended") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "status must be listed, registered or suspended");
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_programme prog;
  l6_party host;
  e = OPS->programme_get(s->st, p->programme, &prog, err);
  if (e == L6_E_OK) e = OPS->party_get(s->st, p->host, &host, err);
  if (e == L6_E_OK) e = OPS->project_put(s->st, p, err);
  if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "project %s already exists", p->id);
  if (e == L6_E_OK) *out = view_project(p);
  return finish_out(s, e, out, err);
}

typedef struct {
  batch_cache bc;
  json_t *arr;
} batch_list_ctx;

/* Each listed batch's labels (crit.h), as "labels". */
static l6_err add_labels(l6_svc *s, json_t *arr, l6_error *err) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    json_t *labels = NULL;
    l6_err e = crit__batch_labels_json(s, json_integer_value(json_object_get(v, "batch")), &labels, err);
    if (e != L6_E_OK) return e;
    json_object_set_new(v, "labels", labels);
  }
  return L6_E_OK;
}

static int batch_row(void *ctx, const void *row) {
  batch_list_ctx *c = ctx;
  const l6_batch *b = row;
  if ((c->bc.e = batch_info(&c->bc, b->id)) != L6_E_OK) return 1;
  json_t *v = view_block(b, c->bc.host, b->serial_start, b->serial_start + b->quantity - 1);
  json_object_set_new(v, "registry", json_string(b->registry));
  json_object_set_new(v, "transaction", json_integer(b->tx));
  if (b->production_start[0]) {
    json_object_set_new(v, "production_start", json_string(b->production_start));
    json_object_set_new(v, "production_end", json_string(b->production_end));
  }
  json_array_append_new(c->arr, v);
  return 0;
}

l6_err svc_project_get(l6_svc *s, const l6_actor *a, const char *id, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_project_get, a, id, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  l6_project p;
  e = OPS->project_get(s->st, id, &p, err);
  batch_list_ctx c = {.bc = {.s = s, .err = err}, .arr = json_array()};
  if (e == L6_E_OK) e = OPS->batch_list(s->st, p.id, 0, L6_MAX_PAGE, batch_row, &c, err);
  if (e == L6_E_OK) e = c.bc.e;
  if (e == L6_E_OK) e = add_labels(s, c.arr, err);
  if (e == L6_E_OK && (*out = view_project(&p)) != NULL) json_object_set(*out, "issuances", c.arr);
  json_decref(c.arr);
  return finish_out(s, e, out, err);
}

static int proj_cursor(const void *row, char *buf, size_t cap) {
  return snprintf(buf, cap, "%s", ((const l6_project *)row)->id);
}

/* Counts the projects of the filters into *n (a row of L6_STAT_PROJECTS:
 * "STATUS HOST PROGRAMME"). */
typedef struct {
  const char *status;
  int64_t n;
} proj_count_ctx;
static int proj_count_row(void *ctx, const void *row) {
  proj_count_ctx *c = ctx;
  const l6_stat_row *r = row;
  size_t len = strlen(c->status);
  if (len == 0 || (strncmp(r->key, c->status, len) == 0 && r->key[len] == ' ')) c->n += r->issued;
  return 0;
}

static l6_err project_list(l6_svc *s, const char *programme, const char *host, const char *status, const l6_page *pg,
                           bool total, json_t **out, l6_error *err) {
  *out = NULL;
  int limit = page_limit(pg);
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  collect_ctx c = {.arr = json_array(), .view = v_project, .cursor = proj_cursor};
  e = OPS->project_list(s->st, programme, host, status, pg ? pg->after : "", limit, collect, &c, err);
  *out = list_of(c.arr);
  if (*out) view_set_next(*out, c.count == limit ? c.last : NULL);
  /* Issue 21: the number of projects of the filters, every page (one
   * GROUP BY over projects, as GET /v1/stats counts them). */
  proj_count_ctx pc = {.status = status ? status : ""};
  if (e == L6_E_OK && total && *out) {
    e = OPS->stats(s->st, L6_STAT_PROJECTS, host ? host : "", programme ? programme : "", 0, proj_count_row, &pc, err);
    json_object_set_new(*out, "total", json_integer(pc.n));
  }
  return finish_out(s, e, out, err);
}

l6_err svc_project_list(l6_svc *s, const l6_actor *a, const char *programme, const char *host, const char *status,
                        const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_project_list, a, programme, host, status, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  return project_list(s, programme, host, status, pg, false, out, err);
}

l6_err svc_project_page(l6_svc *s, const l6_actor *a, const char *programme, const char *host, const char *status,
                        const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_project_page, a, programme, host, status, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  return project_list(s, programme, host, status, pg, true, out, err);
}

/* ---- ledger transactions --------------------------------------------- */

/* Replays a stored idempotent reply, or refuses a reused key. *hit is set
 * when the key was seen before. */
static l6_err idem_check(l6_svc *s, const l6_idem *id, l6_reply *out, bool *hit, l6_error *err) {
  *hit = false;
  if (id->key[0] == '\0') return L6_E_OK;
  char hash[65];
  int status = 0;
  char *body = NULL;
  l6_err e = OPS->idem_get(s->st, id->key, hash, &status, &body, err);
  if (e == L6_E_UNKNOWN_TRANSACTION) return L6_E_OK;
  if (e != L6_E_OK) return e;
  *hit = true;
  if (strcmp(hash, id->hash) != 0) {
    free(body);
    const char *shown = strchr(id->key, ':'); /* the API scopes keys as "<token>:<key>" */
    return l6_fail(err, L6_E_IDEMPOTENCY_CONFLICT, "idempotency key '%s' was used for a different request",
                   shown ? shown + 1 : id->key);
  }
  json_error_t je;
  out->body = json_loads(body, 0, &je);
  free(body);
  out->status = status;
  out->replayed = true;
  return out->body ? L6_E_OK : l6_fail(err, L6_E_INTERNAL, "stored reply is not JSON");
}

static l6_err idem_store(l6_svc *s, const l6_idem *id, const l6_reply *r, l6_error *err) {
  if (id->key[0] == '\0') return L6_E_OK;
  char *body = json_dumps(r->body, JSON_COMPACT); /* objects keep their key order: replays are byte-identical */
  if (body == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = OPS->idem_put(s->st, id->key, id->hash, r->status, body, err);
  free(body);
  return e;
}

/* Full partition check of one batch against the store. */
typedef struct {
  l6_range *r;
  size_t n, cap;
  bool overflow;
} range_buf;

static int range_row(void *ctx, const void *row) {
  range_buf *b = ctx;
  const l6_block *blk = row;
  l6_range *nr = svc__grow(b->r, b->n, &b->cap, sizeof *nr, 64);
  if (nr == NULL) {
    b->overflow = true;
    return 1;
  }
  b->r = nr;
  b->r[b->n++] = (l6_range){blk->batch, blk->first, blk->last};
  return 0;
}

static l6_err check_batch(l6_svc *s, l6_id batch, l6_error *err) {
  l6_batch b;
  l6_err e = OPS->batch_get(s->st, batch, &b, err);
  if (e != L6_E_OK) return e;
  range_buf rb = {0};
  e = OPS->blocks_of_batch(s->st, batch, range_row, &rb, err);
  if (e == L6_E_OK && rb.overflow) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && !ledger_partition_ok(rb.r, rb.n, b.serial_start, b.quantity))
    e = l6_fail(err, L6_E_INTERNAL, "invariant violated: blocks of batch %lld do not partition [%lld, %lld]",
                (long long)batch, (long long)b.serial_start, (long long)(b.serial_start + b.quantity - 1));
  free(rb.r);
  return e;
}

static l6_err open_account(l6_svc *s, l6_id id, const char *role, l6_account *acc, l6_error *err) {
  if (id <= 0) return l6_fail(err, L6_E_MISSING_FIELD, "%s is required", role);
  l6_err e = OPS->account_get(s->st, id, acc, err);
  if (e == L6_E_UNKNOWN_ACCOUNT) return l6_fail(err, e, "%s %lld does not exist", role, (long long)id);
  if (e != L6_E_OK) return e;
  if (acc->status == L6_STATUS_CLOSED) return l6_fail(err, L6_E_ACCOUNT_CLOSED, "%s %lld is closed", role, (long long)id);
  if (acc->status == L6_STATUS_BLOCKED) return l6_fail(err, L6_E_ACCOUNT_BLOCKED, "%s %lld is blocked", role, (long long)id);
  return L6_E_OK;
}

/* The reply of a ledger transaction: the transaction and its blocks. */
static json_t *tx_reply(l6_svc *s, const l6_tx *t, const l6_take *takes, size_t n, l6_error *err, l6_err *e) {
  json_t *o = view_tx(t, false);
  json_t *blocks = json_array();
  batch_cache bc = {.s = s, .err = err};
  for (size_t i = 0; i < n && *e == L6_E_OK; i++) {
    *e = batch_info(&bc, takes[i].batch);
    if (*e == L6_E_OK) json_array_append_new(blocks, view_block(&bc.b, bc.host, takes[i].first, takes[i].last));
  }
  json_object_set_new(o, "blocks", blocks);
  return o;
}

/* An issuance's production period: both dates or neither, start <= end,
 * the vintage one of its years. */
static l6_err production_period_check(const char *start, const char *end, int vintage, l6_error *err) {
  if (!start[0] && !end[0]) return L6_E_OK;
  if (!l6_valid_date(start) || !l6_valid_date(end))
    return l6_fail(err, L6_E_INVALID_VALUE, "production_start and production_end must both be dates YYYY-MM-DD");
  if (strcmp(start, end) > 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "production_start %s is after production_end %s", start, end);
  if (vintage < atoi(start) || vintage > atoi(end))
    return l6_fail(err, L6_E_INVALID_VALUE, "vintage %d is not a year of the production period %s..%s", vintage, start, end);
  return L6_E_OK;
}

l6_err svc_issue(l6_svc *s, const l6_actor *a, const l6_issue_req *r, l6_reply *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  l6_err e = NEED_ADMIN(a, err);
  if (e != L6_E_OK) return e;
  if (r->quantity <= 0) return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be positive, got %lld", (long long)r->quantity);
  if (r->quantity > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "quantity %lld exceeds the limit of %lld per batch", (long long)r->quantity,
                   (long long)L6_MAX_QUANTITY);
  int64_t start = r->serial_start ? r->serial_start : 1;
  if (start < 1 || start > L6_MAX_SERIAL - r->quantity)
    return l6_fail(err, L6_E_INVALID_RANGE, "serial_start %lld is out of range", (long long)start);
  if (r->vintage < L6_VINTAGE_MIN || r->vintage > L6_VINTAGE_MAX)
    return l6_fail(err, L6_E_INVALID_VALUE, "vintage must be a year from %d to %d", L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  if ((e = production_period_check(r->production_start, r->production_end, r->vintage, err)) != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  bool hit;
  if ((e = idem_check(s, &r->idem, out, &hit, err)) != L6_E_OK || hit) return finish(s, e, err);
  l6_project p;
  l6_unit_type ut;
  l6_registry reg;
  l6_account pending, dest;
  e = OPS->project_get(s->st, r->project, &p, err);
  if (e == L6_E_OK && strcmp(p.status, "registered") != 0)
    e = l6_fail(err, L6_E_PROJECT_NOT_ACTIVE, "project %s is %s, not registered", p.id, p.status);
  if (e == L6_E_OK && r->production_start[0] &&
      (strcmp(r->production_start, p.crediting_start) < 0 || strcmp(r->production_end, p.crediting_end) > 0))
    e = l6_fail(err, L6_E_INVALID_VALUE, "the production period %s..%s is outside project %s's crediting period %s..%s",
                r->production_start, r->production_end, p.id, p.crediting_start, p.crediting_end);
  if (e == L6_E_OK) e = svc__not_in_cycle(s, p.id, err); /* its levies and splits are the cycle's to apply */
  if (e == L6_E_OK) e = OPS->unit_type_get(s->st, r->unit_type, &ut, err);
  if (e == L6_E_OK && strcmp(ut.programme, p.programme) != 0)
    e = l6_fail(err, L6_E_UNIT_TYPE_MISMATCH, "unit type %s belongs to programme %s, project %s to %s", ut.code,
                ut.programme, p.id, p.programme);
  if (e == L6_E_OK) e = OPS->registry_get(s->st, r->registry, &reg, err);
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(s->st, reg.id, L6_ACCT_PENDING, &pending, err);
    if (e == L6_E_UNKNOWN_ACCOUNT || (e == L6_E_OK && pending.status != L6_STATUS_OPEN))
      e = l6_fail(err, L6_E_NO_PENDING_ACCOUNT, "registry %s has no open pending account", reg.id);
  }
  if (e == L6_E_OK && r->forward_to) {
    e = open_account(s, r->forward_to, "forward_to", &dest, err);
    if (e == L6_E_OK && !l6_account_type_accepts_transfer(dest.type))
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "%s %s account cannot receive forwarded units",
                    l6_article(l6_account_type_str(dest.type)), l6_account_type_str(dest.type));
  }
  l6_tx tx = {.kind = L6_TX_ISSUANCE, .to_account = pending.id, .quantity = r->quantity};
  timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", a->name);
  l6_batch b = {.vintage = r->vintage, .serial_start = start, .quantity = r->quantity};
  snprintf(b.production_start, sizeof b.production_start, "%s", r->production_start);
  snprintf(b.production_end, sizeof b.production_end, "%s", r->production_end);
  snprintf(b.project, sizeof b.project, "%s", p.id);
  snprintf(b.unit_type, sizeof b.unit_type, "%s", ut.code);
  snprintf(b.registry, sizeof b.registry, "%s", reg.id);
  if (e == L6_E_OK) e = OPS->tx_put(s->st, &tx, err);
  b.tx = tx.id;
  if (e == L6_E_OK) e = OPS->batch_put(s->st, &b, err);
  int64_t last = start + r->quantity - 1;
  l6_tx_line line = {.tx = tx.id, .batch = b.id, .first = start, .last = last, .to_account = pending.id};
  if (e == L6_E_OK) e = OPS->block_add(s->st, pending.id, b.id, start, last, err);
  if (e == L6_E_OK) e = OPS->tx_line_put(s->st, &line, err);
  if (e == L6_E_OK) e = a6_on_issue(s, &tx, &b, err); /* Article 6: units of authorized projects become ITMOs */
  if (e == L6_E_OK) e = tlog_append_tx(s->st, tx.id, NULL, err); /* the issuance's leaf, in this commit */
  l6_take take = {.batch = b.id, .first = start, .last = last};
  if (e == L6_E_OK) out->body = tx_reply(s, &tx, &take, 1, err, &e);
  if (e == L6_E_OK && r->forward_to) {
    l6_tx fwd = {.kind = L6_TX_TRANSFER, .from_account = pending.id, .to_account = dest.id, .quantity = r->quantity};
    snprintf(fwd.ts, sizeof fwd.ts, "%s", tx.ts);
    snprintf(fwd.actor, sizeof fwd.actor, "%s", a->name);
    e = OPS->tx_put(s->st, &fwd, err);
    svc_move_ctx m = {.route = SVC_MOVE_ISSUE_FORWARD, .tx = &fwd, .takes = &take, .n = 1, .actor = a};
    if (e == L6_E_OK) e = svc__move_units(s, &m, err);
    if (e == L6_E_OK) e = tlog_append_tx(s->st, fwd.id, NULL, err); /* the forward is a second leaf */
    if (e == L6_E_OK) json_object_set_new(out->body, "forward", tx_reply(s, &fwd, &take, 1, err, &e));
  }
  if (e == L6_E_OK && s->check_level >= 2) e = check_batch(s, b.id, err);
  out->status = 201;
  if (e == L6_E_OK) e = idem_store(s, &r->idem, out, err);
  e = finish(s, e, err);
  if (e != L6_E_OK) {
    json_decref(out->body);
    memset(out, 0, sizeof *out);
  }
  return e;
}

typedef struct {
  l6_block *blocks;
  size_t n, cap;
  l6_qty need, have; /* stop reading once `need` units are covered (0: no stop) */
} block_buf;

static int block_row(void *ctx, const void *row) {
  block_buf *b = ctx;
  if (b->n == b->cap) return 1;
  const l6_block *blk = row;
  b->blocks[b->n++] = *blk;
  b->have += l6_range_qty(blk->first, blk->last);
  return b->need > 0 && b->have >= b->need;
}

/* Plans the takes of a move: by quantity or by explicit ranges. known
 * (room for L6_MAX_BLOCKS_PER_TX + 1) gets the block of each take as read
 * here, id 0 where two takes share a block (the first move changes it). */
static l6_err plan_move(l6_svc *s, const l6_move_req *r, l6_take *takes, size_t *ntakes, l6_block *known,
                        l6_error *err) {
  size_t cap = L6_MAX_BLOCKS_PER_TX + 1;
  block_buf held = {.blocks = malloc(cap * sizeof(l6_block)), .cap = cap, .need = r->nranges ? 0 : r->quantity};
  if (held.blocks == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = L6_E_OK;
  if (r->nranges == 0) {
    if (r->unit_type[0] == '\0')
      e = l6_fail(err, L6_E_MISSING_FIELD, "unit_type is required when units are picked by quantity");
    l6_pick_filter f = {.account = r->from_account, .vintage = r->vintage};
    snprintf(f.unit_type, sizeof f.unit_type, "%s", r->unit_type);
    snprintf(f.project, sizeof f.project, "%s", r->project);
    if (e == L6_E_OK) e = OPS->block_pick(s->st, &f, (int)cap, block_row, &held, err);
    if (e == L6_E_OK) e = ledger_pick(held.blocks, held.n, r->quantity, takes, L6_MAX_BLOCKS_PER_TX, ntakes, err);
    /* An unknown unit type is refused as such. Looked up only when the
     * pick failed: blocks it picked are of batches of that unit type, which
     * exists (a foreign key), so a good transfer saves the read (a round
     * trip on PostgreSQL, issue 16 target 5). */
    if (e != L6_E_OK && e != L6_E_MISSING_FIELD && e != L6_E_STORE && e != L6_E_BUSY && e != L6_E_NOMEM) {
      l6_unit_type ut;
      l6_error sub = {0};
      l6_err ue = OPS->unit_type_get(s->st, r->unit_type, &ut, &sub);
      if (ue != L6_E_OK) {
        e = ue;
        *err = sub;
      }
    }
    if (e == L6_E_TOO_MANY_RANGES) {
      /* Short holdings matter more than fragmentation: say so first. */
      l6_qty total = 0;
      l6_error sub;
      if (OPS->account_total(s->st, &f, &total, &sub) == L6_E_OK && total < r->quantity)
        e = l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account holds %lld eligible units, %lld requested",
                    (long long)total, (long long)r->quantity);
    }
  } else {
    if (r->quantity != 0) e = l6_fail(err, L6_E_INVALID_VALUE, "give either quantity or ranges, not both");
    for (size_t i = 0; i < r->nranges && e == L6_E_OK; i++) {
      l6_batch b;
      e = OPS->batch_get(s->st, r->ranges[i].batch, &b, err);
      if (e == L6_E_UNKNOWN_BATCH) l6_fail(err, e, "range %zu: batch %lld does not exist", i, (long long)r->ranges[i].batch);
      if (e == L6_E_OK && r->unit_type[0] && strcmp(b.unit_type, r->unit_type) != 0)
        e = l6_fail(err, L6_E_WRONG_UNIT_TYPE, "range %zu: batch %lld holds %s, not %s", i, (long long)b.id, b.unit_type,
                    r->unit_type);
      if (e == L6_E_OK && ((r->project[0] && strcmp(b.project, r->project) != 0) || (r->vintage && b.vintage != r->vintage)))
        e = l6_fail(err, L6_E_INVALID_RANGE, "range %zu: batch %lld is project %s, vintage %d, not what the request names", i,
                    (long long)b.id, b.project, b.vintage);
      l6_block blk;
      if (e == L6_E_OK) {
        l6_error ignore;
        if (OPS->block_find(s->st, r->from_account, r->ranges[i].batch, r->ranges[i].first, &blk, &ignore) == L6_E_OK) {
          bool dup = false;
          for (size_t k = 0; k < held.n; k++) dup |= held.blocks[k].id == blk.id;
          if (!dup) held.blocks[held.n++] = blk;
        }
      }
    }
    if (e == L6_E_OK)
      e = ledger_match_ranges(held.blocks, held.n, r->ranges, r->nranges, takes, L6_MAX_RANGES, err);
    *ntakes = r->nranges;
  }
  for (size_t i = 0; e == L6_E_OK && i < *ntakes; i++) {
    bool shared = takes[i].block >= held.n;
    for (size_t k = 0; k < *ntakes && !shared; k++) shared = k != i && takes[k].block == takes[i].block;
    if (shared) memset(&known[i], 0, sizeof known[i]);
    else known[i] = held.blocks[takes[i].block];
  }
  free(held.blocks);
  return e;
}

/* The checks of a move request that need no store. */
static l6_err move_validate(const l6_actor *a, const l6_move_req *r, l6_error *err) {
  l6_err e = need_role(a, true, false, true, err);
  if (e != L6_E_OK) return e;
  if (r->kind != L6_TX_TRANSFER && r->kind != L6_TX_RETIREMENT && r->kind != L6_TX_CANCELLATION)
    return l6_fail(err, L6_E_INTERNAL, "bad move kind");
  if (r->nranges > L6_MAX_RANGES) return l6_fail(err, L6_E_TOO_MANY_RANGES, "at most %d ranges", L6_MAX_RANGES);
  if (r->nranges == 0 && r->quantity <= 0)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be positive, got %lld", (long long)r->quantity);
  if (r->nranges == 0 && r->quantity > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "quantity %lld exceeds the limit of %lld", (long long)r->quantity,
                   (long long)L6_MAX_QUANTITY);
  if (r->kind == L6_TX_RETIREMENT) {
    if ((e = need_text("beneficiary", r->beneficiary, L6_NAME_MAX, err)) != L6_E_OK) return e;
    if ((e = need_text("purpose", r->purpose, L6_NAME_MAX, err)) != L6_E_OK) return e;
  }
  if (r->claim[0] && !l6_valid_text(r->claim, L6_TEXT_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "claim must be printable text of at most %d bytes", L6_TEXT_MAX);
  if (r->reporting_year && (r->reporting_year < L6_VINTAGE_MIN || r->reporting_year > L6_VINTAGE_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "reporting_year must be a year from %d to %d", L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  if (r->has_consideration) return svc__consideration_check(r, err); /* consideration.c */
  return L6_E_OK;
}

l6_err svc__move_in_tx(l6_svc *s, const l6_actor *a, const l6_move_req *r, bool gate, l6_reply *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  l6_err e = move_validate(a, r, err);
  if (e != L6_E_OK) return e;
  l6_take *takes = malloc((L6_MAX_BLOCKS_PER_TX + 1) * sizeof *takes);
  l6_block *known = malloc((L6_MAX_BLOCKS_PER_TX + 1) * sizeof *known);
  if (takes == NULL || known == NULL) {
    free(takes);
    free(known);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  l6_account from, to;
  e = open_account(s, r->from_account, "from_account", &from, err);
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER && from.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)from.id);
  if (e == L6_E_OK && l6_account_type_terminal(from.type))
    e = l6_fail(err, L6_E_TERMINAL_ACCOUNT, "units in %s account %lld can never move", l6_account_type_str(from.type),
                (long long)from.id);
  if (e == L6_E_OK) {
    l6_id to_id = r->to_account;
    if (to_id == 0 && r->kind != L6_TX_TRANSFER) {
      l6_account_type want = r->kind == L6_TX_RETIREMENT ? L6_ACCT_RETIREMENT : L6_ACCT_CANCELLATION;
      e = OPS->account_of_registry(s->st, from.registry, want, &to, err);
      if (e == L6_E_UNKNOWN_ACCOUNT)
        e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no %s account", from.registry, l6_account_type_str(want));
      to_id = to.id;
    }
    if (e == L6_E_OK) e = open_account(s, to_id, "to_account", &to, err);
  }
  if (e == L6_E_OK && from.id == to.id) e = l6_fail(err, L6_E_SAME_ACCOUNT, "from_account and to_account are both %lld", (long long)from.id);
  if (e == L6_E_OK) {
    bool ok = r->kind == L6_TX_TRANSFER       ? l6_account_type_accepts_transfer(to.type)
              : r->kind == L6_TX_RETIREMENT ? to.type == L6_ACCT_RETIREMENT
                                            : (to.type == L6_ACCT_CANCELLATION || to.type == L6_ACCT_OMGE_CANCELLATION);
    if (!ok)
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "%s %s account cannot receive %s %s",
                  l6_article(l6_account_type_str(to.type)), l6_account_type_str(to.type),
                  l6_article(l6_tx_kind_str(r->kind)), l6_tx_kind_str(r->kind));
    /* Units are retired or cancelled in the registry that holds them;
     * only transfers cross registries. */
    else if (r->kind != L6_TX_TRANSFER && strcmp(to.registry, from.registry) != 0)
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "%s %s from registry %s must go to an account of that registry, not %s",
                  l6_article(l6_tx_kind_str(r->kind)), l6_tx_kind_str(r->kind), from.registry, to.registry);
  }
  size_t ntakes = 0;
  if (e == L6_E_OK) e = plan_move(s, r, takes, &ntakes, known, err);
  l6_tx tx = {.kind = r->kind, .from_account = from.id, .to_account = to.id, .reporting_year = r->reporting_year};
  timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", a->name);
  snprintf(tx.beneficiary, sizeof tx.beneficiary, "%s", r->beneficiary);
  snprintf(tx.purpose, sizeof tx.purpose, "%s", r->purpose);
  snprintf(tx.claim, sizeof tx.claim, "%s", r->claim);
  for (size_t i = 0; e == L6_E_OK && i < ntakes; i++)
    if (!l6_qty_add(tx.quantity, l6_range_qty(takes[i].first, takes[i].last), &tx.quantity))
      e = l6_fail(err, L6_E_QUANTITY_OVERFLOW, "total quantity is too large");
  /* Conservation: what the plan takes is exactly what was asked for. */
  if (e == L6_E_OK) assert(r->nranges > 0 || tx.quantity == r->quantity);
  /* Four eyes and transfer delays (proposal.c): the registry's approval
   * policy may turn the request into a proposal with its units on hold. */
  if (e == L6_E_OK) e = svc__hold_account_check(s, &from, &to, err);
  if (e == L6_E_OK && gate) {
    bool proposed = false;
    e = svc__proposal_gate(s, a, r, &from, &to, takes, ntakes, tx.quantity, out, &proposed, err);
    /* A proposal keeps no consideration yet: refused, and the caller's
     * transaction rolls the proposal back. */
    if (e == L6_E_OK && proposed && r->has_consideration) {
      json_decref(out->body);
      memset(out, 0, sizeof *out);
      e = l6_fail(err, L6_E_INVALID_VALUE, "a transfer that needs approval cannot carry a consideration");
    }
    if (e == L6_E_OK && proposed) {
      free(takes);
      free(known);
      return e;
    }
  }
  if (e == L6_E_OK) e = OPS->tx_put(s->st, &tx, err);
  /* The policy step: non-offsetting units, Article 6 and CORSIA rules, the
   * ITMOs' first transfers and adjustments (move.h). */
  svc_move_ctx m = {.route = r->kind == L6_TX_TRANSFER     ? SVC_MOVE_TRANSFER
                             : r->kind == L6_TX_RETIREMENT ? SVC_MOVE_RETIREMENT
                                                           : SVC_MOVE_CANCELLATION,
                    .tx = &tx, .takes = takes, .n = ntakes, .actor = a,
                    .from = from, .to = to, .accounts_given = true, /* read above, in this transaction */
                    .known = known};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  if (e == L6_E_OK && r->kind == L6_TX_TRANSFER) e = svc__consideration_put(s, tx.id, r, err); /* consideration.c */
  if (e == L6_E_OK) e = tlog_append_tx(s->st, tx.id, NULL, err); /* its leaf, in this commit */
  for (size_t i = 0; e == L6_E_OK && s->check_level >= 2 && i < ntakes; i++) {
    bool seen = false;
    for (size_t k = 0; k < i; k++) seen |= takes[k].batch == takes[i].batch;
    if (!seen) e = check_batch(s, takes[i].batch, err);
  }
  if (e == L6_E_OK) {
    out->status = 201;
    out->body = tx_reply(s, &tx, takes, ntakes, err, &e);
  }
  free(takes);
  free(known);
  if (e != L6_E_OK) {
    json_decref(out->body);
    memset(out, 0, sizeof *out);
  }
  return e;
}

l6_err svc_move(l6_svc *s, const l6_actor *a, const l6_move_req *r, l6_reply *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  l6_err e = move_validate(a, r, err);
  if (e != L6_E_OK) return e;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  bool hit;
  if ((e = idem_check(s, &r->idem, out, &hit, err)) != L6_E_OK || hit) return finish(s, e, err);
  e = svc__move_in_tx(s, a, r, true, out, err);
  if (e == L6_E_OK) e = idem_store(s, &r->idem, out, err);
  e = finish(s, e, err);
  if (e != L6_E_OK) {
    json_decref(out->body);
    memset(out, 0, sizeof *out);
  }
  return e;
}

/* ---- reads ----------------------------------------------------------- */

typedef struct {
  l6_svc *s;
  json_t *arr;
  bool public_view;
  int count;
  l6_id last;
  l6_err e;
  l6_error *err;
} tx_list_ctx;

static int tx_row(void *ctx, const void *row) {
  tx_list_ctx *c = ctx;
  const l6_tx *t = row;
  json_t *v = view_tx(t, c->public_view);
  c->count++;
  c->last = t->id;
  json_array_append_new(c->arr, v);
  return 0;
}

typedef struct {
  batch_cache bc;
  json_t *arr;
} line_ctx;

static int line_row(void *ctx, const void *row) {
  line_ctx *c = ctx;
  const l6_tx_line *l = row;
  if ((c->bc.e = batch_info(&c->bc, l->batch)) != L6_E_OK) return 1;
  json_array_append_new(c->arr, view_block(&c->bc.b, c->bc.host, l->first, l->last));
  return 0;
}

/* Adds "blocks" to every transaction of a list (at most a page). */
static l6_err add_blocks(l6_svc *s, json_t *items, l6_error *err) {
  size_t i;
  json_t *t;
  json_array_foreach(items, i, t) {
    line_ctx c = {.bc = {.s = s, .err = err}, .arr = json_array()};
    l6_err e = OPS->tx_lines(s->st, json_integer_value(json_object_get(t, "id")), line_row, &c, err);
    if (e == L6_E_OK) e = c.bc.e;
    json_object_set_new(t, "blocks", c.arr);
    if (e != L6_E_OK) return e;
  }
  return L6_E_OK;
}

/* Adds "effective_date" (and "beneficiary_not_stated") to every imported
 * transaction of a list (origin.h): when it happened at its origin. */
static l6_err add_origin_dates(l6_svc *s, json_t *items, l6_error *err) {
  size_t i;
  json_t *t;
  json_array_foreach(items, i, t) {
    char eff[11];
    bool unstated = false;
    l6_err e = OPS->tx_origin_get(s->st, json_integer_value(json_object_get(t, "id")), eff, &unstated, err);
    if (e == L6_E_NOT_FOUND) continue;
    if (e != L6_E_OK) return e;
    json_object_set_new(t, "effective_date", json_string(eff));
    if (unstated) json_object_set_new(t, "beneficiary_not_stated", json_true());
  }
  return L6_E_OK;
}

l6_err svc_tx_list(l6_svc *s, const l6_actor *a, const l6_tx_filter *f0, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_tx_list, a, f0, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_tx_filter f = *f0;
  /* Retirements are public (who retired what for whom); the rest needs a
   * ledger-reading role. The project cycle's roles read as the public. */
  bool public_view = !l6_role_reads_ledger(a->role);
  l6_err e = L6_E_OK;
  if (public_view && f.kind != L6_TX_RETIREMENT)
    return l6_fail(err, a->role == L6_ROLE__NONE ? L6_E_UNAUTHORIZED : L6_E_FORBIDDEN, NULL);
  if (public_view) f.account = 0;
  if (a->role == L6_ROLE_HOLDER) f.org = a->org;
  if (f.limit <= 0) f.limit = L6_DEFAULT_PAGE;
  if (f.limit > L6_MAX_PAGE) f.limit = L6_MAX_PAGE;
  if ((e = begin(s, err)) != L6_E_OK) return e;
  if (f.account && a->role == L6_ROLE_HOLDER) {
    l6_account acc;
    e = OPS->account_get(s->st, f.account, &acc, err);
    if (e == L6_E_OK) e = may_org(a, acc.org, err);
  }
  tx_list_ctx c = {.s = s, .arr = json_array(), .public_view = public_view, .err = err};
  if (e == L6_E_OK) e = OPS->tx_list(s->st, &f, tx_row, &c, err);
  if (e == L6_E_OK) e = add_blocks(s, c.arr, err);
  if (e == L6_E_OK) e = add_origin_dates(s, c.arr, err);
  if (e == L6_E_OK) e = svc__add_considerations(s, c.arr, err); /* consideration.c */
  *out = list_of(c.arr);
  char cur[32];
  snprintf(cur, sizeof cur, "%lld", (long long)c.last);
  if (*out) view_set_next(*out, c.count == f.limit ? cur : NULL);
  return finish_out(s, e, out, err);
}

l6_err svc_tx_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_tx_get, a, id, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  l6_tx t;
  e = OPS->tx_get(s->st, id, &t, err);
  bool public_view = !l6_role_reads_ledger(a->role);
  if (e == L6_E_OK && public_view && t.kind != L6_TX_RETIREMENT)
    e = l6_fail(err, a->role == L6_ROLE__NONE ? L6_E_UNAUTHORIZED : L6_E_FORBIDDEN, NULL);
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER) {
    l6_account fa = {0}, ta = {0};
    if (t.from_account) e = OPS->account_get(s->st, t.from_account, &fa, err);
    if (e == L6_E_OK) e = OPS->account_get(s->st, t.to_account, &ta, err);
    if (e == L6_E_OK && fa.org != a->org && ta.org != a->org)
      e = l6_fail(err, L6_E_FORBIDDEN, "transaction %lld does not involve your accounts", (long long)id);
  }
  json_t *arr = json_array();
  if (e == L6_E_OK) {
    json_array_append_new(arr, view_tx(&t, public_view));
    e = add_blocks(s, arr, err);
    if (e == L6_E_OK) e = add_origin_dates(s, arr, err);
    if (e == L6_E_OK) e = svc__add_considerations(s, arr, err); /* consideration.c */
  }
  if (e == L6_E_OK) *out = json_incref(json_array_get(arr, 0));
  json_decref(arr);
  return finish_out(s, e, out, err);
}

typedef struct {
  l6_svc *s;
  json_t *arr;
  l6_id org;      /* holder's org: mark whether any line touched it */
  bool touched;
  l6_err e;
  l6_error *err;
} hist_ctx;

static int hist_row(void *ctx, const void *row) {
  hist_ctx *c = ctx;
  const l6_tx_line *l = row;
  l6_tx t;
  if ((c->e = c->s->st->ops->tx_get(c->s->st, l->tx, &t, c->err)) != L6_E_OK) return 1;
  l6_account fa = {0}, ta = {0};
  bool show_from = l->from_account != 0, show_to = true;
  if (c->org) {
    /* A holder sees its own accounts in the history, and only the type of
     * anyone else's. */
    if (l->from_account) c->s->st->ops->account_get(c->s->st, l->from_account, &fa, c->err);
    c->s->st->ops->account_get(c->s->st, l->to_account, &ta, c->err);
    c->touched |= fa.org == c->org || ta.org == c->org;
    show_from = show_from && fa.org == c->org;
    show_to = ta.org == c->org;
  }
  json_t *v = json_pack("{s:I, s:s, s:s, s:o, s:o, s:I, s:I}", "transaction", (json_int_t)t.id, "kind",
                        l6_tx_kind_str(t.kind), "timestamp", t.ts, "from_account",
                        show_from ? json_integer(l->from_account) : json_null(), "to_account",
                        show_to ? json_integer(l->to_account) : json_null(), "first", (json_int_t)l->first, "last",
                        (json_int_t)l->last);
  if (c->org) {
    if (!show_to) json_object_set_new(v, "to_account_type", json_string(l6_account_type_str(ta.type)));
    if (l->from_account && !show_from) json_object_set_new(v, "from_account_type", json_string(l6_account_type_str(fa.type)));
  }
  /* When it happened at its origin registry (imported), beside when
   * ledger6 committed it; and a retirement whose origin named no one. */
  char eff[11];
  bool unstated = false;
  l6_error ignore;
  if (c->s->st->ops->tx_origin_get(c->s->st, t.id, eff, &unstated, &ignore) == L6_E_OK) {
    json_object_set_new(v, "effective_date", json_string(eff));
    if (unstated) json_object_set_new(v, "beneficiary_not_stated", json_true());
  }
  if (c->org == -1) { /* the public view: the registries too */
    json_object_set_new(v, "to_registry", json_string(ta.registry));
    if (l->from_account) json_object_set_new(v, "from_registry", json_string(fa.registry));
  }
  json_array_append_new(c->arr, v);
  return 0;
}

/* pub: the public view (svc_serial_public): every account by its type and
 * registry only, never its id, name or organisation. */
static l6_err serial_view(l6_svc *s, const l6_actor *a, const char *serial, bool pub, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = pub ? L6_E_OK : NEED_READER(a, err);
  if (e != L6_E_OK) return e;
  l6_serial sn = {0};
  /* Not a ledger6 serial: perhaps one of an origin registry (origin.h). */
  bool foreign = !serial_parse(serial, &sn);
  if (foreign && (s->origins == NULL || strlen(serial) > L6_ORIGIN_SERIAL_MAX))
    return l6_fail(err, L6_E_INVALID_SERIAL, "'%.100s' is not a serial number (UT-HOST-PROJECT-VINTAGE-BATCH-N)", serial);
  if ((e = begin(s, err)) != L6_E_OK) return e;
  l6_origin_block ob = {0};
  if (foreign) {
    e = svc__origin_find(s, serial, &ob, err);
    sn.batch = ob.batch;
    sn.first = ob.serial_first;
    sn.last = ob.serial_first + (ob.last - ob.first);
  }
  batch_cache bc = {.s = s, .err = err};
  if (e == L6_E_OK) e = batch_info(&bc, sn.batch);
  if (!foreign && (e == L6_E_UNKNOWN_BATCH || e == L6_E_UNKNOWN_PROJECT ||
      (e == L6_E_OK && (strcmp(bc.b.unit_type, sn.unit_type) != 0 || strcmp(bc.b.project, sn.project) != 0 ||
                        strcmp(bc.host, sn.host) != 0 || bc.b.vintage != sn.vintage || sn.first < bc.b.serial_start ||
                        sn.last > bc.b.serial_start + bc.b.quantity - 1))))
    e = l6_fail(err, L6_E_UNKNOWN_SERIAL, "no unit has serial %s", serial);
  /* The blocks now holding the serial (or every serial of a block form). */
  json_t *holders = json_array();
  int64_t at = sn.first;
  bool own = false;
  while (e == L6_E_OK && at <= sn.last && json_array_size(holders) < L6_MAX_PAGE) {
    l6_block blk;
    l6_account acc;
    e = OPS->block_find(s->st, 0, sn.batch, at, &blk, err);
    if (e == L6_E_OK) e = OPS->account_get(s->st, blk.account, &acc, err);
    if (e != L6_E_OK) break;
    bool mine = !pub && a->role == L6_ROLE_HOLDER && acc.org == a->org;
    own |= mine;
    json_t *v = view_block(&bc.b, bc.host, blk.first, blk.last);
    if (pub) json_object_set_new(v, "account", json_pack("{s:s, s:s}", "type", l6_account_type_str(acc.type), "registry", acc.registry));
    else if (a->role != L6_ROLE_HOLDER || mine) json_object_set_new(v, "account", view_account(&acc));
    else json_object_set_new(v, "account", json_pack("{s:s}", "type", l6_account_type_str(acc.type)));
    json_object_set_new(v, "retired", json_boolean(l6_account_type_terminal(acc.type)));
    json_array_append_new(holders, v);
    at = blk.last + 1;
  }
  /* The public is like a holder whose organisation (-1) owns nothing. */
  hist_ctx h = {.s = s, .arr = json_array(), .org = pub ? -1 : a->role == L6_ROLE_HOLDER ? a->org : 0, .err = err};
  if (e == L6_E_OK) e = OPS->serial_history(s->st, sn.batch, sn.first, hist_row, &h, err);
  if (e == L6_E_OK) e = h.e;
  if (e == L6_E_OK && !pub && a->role == L6_ROLE_HOLDER && !own && !h.touched)
    e = l6_fail(err, L6_E_FORBIDDEN, "serial %s has never been held by your organisation", serial);
  if (e == L6_E_OK)
    *out = json_pack("{s:s, s:o, s:O, s:O}", "serial", serial, "batch",
                     view_block(&bc.b, bc.host, bc.b.serial_start, bc.b.serial_start + bc.b.quantity - 1), "held_by",
                     holders, "history", h.arr);
  if (e == L6_E_OK && foreign && *out)
    json_object_set_new(*out, "origin",
                        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "registry", ob.origin, "block", ob.text, "first",
                                  (json_int_t)ob.first, "last", (json_int_t)ob.last, "vintage_start", ob.vintage_start,
                                  "vintage_end", ob.vintage_end));
  json_decref(holders);
  json_decref(h.arr);
  return finish_out(s, e, out, err);
}

l6_err svc_serial(l6_svc *s, const l6_actor *a, const char *serial, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_serial, a, serial, out, err); /* a snapshot, off the writer lock (readers.c) */
  return serial_view(s, a, serial, false, out, err);
}

l6_err svc_serial_public(l6_svc *s, const char *serial, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_serial_public, serial, out, err); /* a snapshot, off the writer lock (readers.c) */
  return serial_view(s, NULL, serial, true, out, err);
}

l6_err svc_issuance_list(l6_svc *s, const l6_actor *a, const char *project, const l6_page *pg, json_t **out,
                         l6_error *err) {
  READ_ON_VIEW(s, svc_issuance_list, a, project, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  int limit = page_limit(pg);
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  batch_list_ctx c = {.bc = {.s = s, .err = err}, .arr = json_array()};
  e = OPS->batch_list(s->st, project ? project : "", parse_cursor_id(pg), limit, batch_row, &c, err);
  if (e == L6_E_OK) e = c.bc.e;
  if (e == L6_E_OK) e = add_labels(s, c.arr, err);
  *out = list_of(c.arr);
  size_t n = json_array_size(c.arr);
  char cur[32] = "";
  if (n) snprintf(cur, sizeof cur, "%lld", (long long)json_integer_value(json_object_get(json_array_get(c.arr, n - 1), "batch")));
  if (*out) view_set_next(*out, (int)n == limit ? cur : NULL);
  return finish_out(s, e, out, err);
}

typedef struct {
  l6_id ids[256];
  size_t n;
  l6_id last;
} id_page;

static int batch_id_row(void *ctx, const void *row) {
  id_page *p = ctx;
  p->ids[p->n++] = ((const l6_batch *)row)->id;
  p->last = ((const l6_batch *)row)->id;
  return 0;
}

l6_err svc_check(l6_svc *s, l6_id batch, l6_error *err) {
  l6_err e = begin(s, err);
  if (e != L6_E_OK) return e;
  if (batch) {
    e = check_batch(s, batch, err);
  } else {
    id_page p = {.n = 0};
    do {
      p.n = 0;
      e = OPS->batch_list(s->st, "", p.last, 256, batch_id_row, &p, err);
      for (size_t i = 0; i < p.n && e == L6_E_OK; i++) e = check_batch(s, p.ids[i], err);
    } while (e == L6_E_OK && p.n == 256);
  }
  return finish(s, e, err);
}

/* ---- leases ---------------------------------------------------------- */

l6_err svc_lease_try(l6_svc *s, const char *name, l6_error *err) {
  svc__lock(s);
  l6_err e = OPS->lease_try(s->st, name, err);
  svc__unlock(s);
  return e;
}

void svc_lease_release(l6_svc *s, const char *name) {
  svc__lock(s);
  OPS->lease_release(s->st, name);
  svc__unlock(s);
}

/* ---- internal API for the service's sibling files (service_int.h) ---- */

l6_err svc__begin(l6_svc *s, l6_error *err) { return begin(s, err); }
l6_err svc__finish(l6_svc *s, l6_err e, l6_error *err) { return finish(s, e, err); }
l6_err svc__finish_out(l6_svc *s, l6_err e, json_t **out, l6_error *err) { return finish_out(s, e, out, err); }
void svc__timestamp(l6_svc *s, char out[32]) { timestamp(s, out); }

void *svc__grow(void *v, size_t n, size_t *cap, size_t size, size_t first) {
  if (n < *cap) return v;
  size_t nc = *cap ? *cap * 2 : first;
  if (nc > SIZE_MAX / size) return NULL;
  void *nv = realloc(v, nc * size);
  if (nv != NULL) *cap = nc;
  return nv;
}
int64_t svc__now_ms(l6_svc *s) { return s->now_ms(); }
int svc__check_level(const l6_svc *s) { return s->check_level; }
l6_err svc__open_account(l6_svc *s, l6_id id, const char *role, l6_account *acc, l6_error *err) {
  return open_account(s, id, role, acc, err);
}
l6_err svc__check_batch(l6_svc *s, l6_id batch, l6_error *err) { return check_batch(s, batch, err); }
l6_err svc__idem_check(l6_svc *s, const l6_idem *id, l6_reply *out, bool *hit, l6_error *err) {
  return idem_check(s, id, out, hit, err);
}
l6_err svc__idem_store(l6_svc *s, const l6_idem *id, const l6_reply *r, l6_error *err) { return idem_store(s, id, r, err); }
const struct l6_mech_set *svc__mechs(const l6_svc *s) { return s->mechs; }
void svc__set_mechs(l6_svc *s, struct l6_mech_set *m) {
  mech_set_free(s->mechs);
  s->mechs = m;
}
const struct ets_set *svc__ets(const l6_svc *s) { return s->ets; }
void svc__set_ets(l6_svc *s, struct ets_set *set) {
  ets_set_free(s->ets);
  s->ets = set;
}
