/*
 * link.c -- links between separate ledger6 servers; see link.h and
 * docs/LINKS.md (messages, states, check codes, failure handling).
 */
#include "link.h"
#include "link_a6.h"

#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "../core/merkle.h"
#include "service_int.h"
#include "tlog.h"

#define OPS (svc_store(s)->ops)
#define ST (svc_store(s))
#define SIG_PREFIX "ledger6-link-v1\n"
#define STATE_PREFIX "ledger6-link-state-v1\n"
#define LOG_PREFIX "ledger6-link-log-v1\n"
#define DEFAULT_DEADLINE_S 3600
/* One outbox tick sends at most TICK_BATCH due messages, one after
 * another, and starts no new send after TICK_BUDGET_MS (the rest stay
 * due for the next tick, 100 ms later): docs/PERFORMANCE.md, "Transfers
 * across a link" (8 per tick held a link below 80 transfers/s). */
#define TICK_BATCH 64
#define TICK_BUDGET_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 3000

/* ---- records ------------------------------------------------------------ */

typedef struct {
  char registry[6];
  char hub[6];
  int64_t deadline_s;
  bool is_hub;
} link_conf;

typedef struct {
  char registry[6];
  char url[512];
  uint8_t pk[STH_PUBLIC_KEY_BYTES];
} link_peer;

static l6_err rec_get(l6_svc *s, const char *kind, const char *key, l6_link_rec *r, bool *found, l6_error *err) {
  l6_error e2 = {0};
  l6_err e = OPS->link_get(ST, kind, key, r, &e2);
  *found = e == L6_E_OK;
  if (e == L6_E_NOT_FOUND) return L6_E_OK;
  if (e != L6_E_OK) *err = e2;
  return e;
}

static json_t *rec_json(const l6_link_rec *r) {
  json_error_t je;
  return json_loads(r->body, 0, &je);
}

static l6_err rec_put(l6_svc *s, const char *kind, const char *key, const char *state, int64_t due, const json_t *body,
                      l6_error *err) {
  l6_link_rec *r = calloc(1, sizeof *r);
  char *txt = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  l6_err e = L6_E_OK;
  if (r == NULL || txt == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  else if (strlen(txt) > L6_LINK_BODY_MAX || strlen(key) > L6_LINK_KEY_MAX)
    e = l6_fail(err, L6_E_TOO_MANY_RANGES, "link record %s %s would exceed %d bytes", kind, key, L6_LINK_BODY_MAX);
  if (e == L6_E_OK) {
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->state, sizeof r->state, "%s", state);
    r->due_ms = due;
    snprintf(r->body, sizeof r->body, "%s", txt);
    e = OPS->link_put(ST, r, err);
  }
  free(txt);
  free(r);
  return e;
}

static const char *jstr(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}
static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static l6_err conf_get(l6_svc *s, link_conf *c, l6_error *err) {
  memset(c, 0, sizeof *c);
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool found;
  l6_err e = rec_get(s, "conf", "self", r, &found, err);
  if (e == L6_E_OK && !found) e = l6_fail(err, L6_E_LINK_NOT_CONFIGURED, NULL);
  json_t *o = e == L6_E_OK ? rec_json(r) : NULL;
  if (e == L6_E_OK && o == NULL) e = l6_fail(err, L6_E_INTERNAL, "stored link settings are not JSON");
  if (e == L6_E_OK) {
    snprintf(c->registry, sizeof c->registry, "%s", jstr(o, "registry"));
    snprintf(c->hub, sizeof c->hub, "%s", jstr(o, "hub"));
    c->deadline_s = jint(o, "deadline_seconds");
    c->is_hub = strcmp(jstr(o, "role"), "hub") == 0;
  }
  json_decref(o);
  free(r);
  return e;
}

static json_t *conf_json(const link_conf *c) {
  return json_pack("{s:s, s:o, s:I, s:s}", "registry", c->registry, "hub", c->hub[0] ? json_string(c->hub) : json_null(),
                   "deadline_seconds", (json_int_t)c->deadline_s, "role", c->is_hub ? "hub" : "registry");
}

static l6_err conf_put(l6_svc *s, const link_conf *c, l6_error *err) {
  json_t *o = conf_json(c);
  l6_err e = o ? rec_put(s, "conf", "self", "", 0, o, err) : l6_fail(err, L6_E_NOMEM, NULL);
  json_decref(o);
  return e;
}

static l6_err peer_get(l6_svc *s, const char *code, link_peer *p, l6_error *err) {
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool found;
  l6_err e = rec_get(s, "peer", code, r, &found, err);
  if (e == L6_E_OK && !found) e = l6_fail(err, L6_E_UNKNOWN_PEER, "no peer registry '%s'", code);
  json_t *o = e == L6_E_OK ? rec_json(r) : NULL;
  if (e == L6_E_OK && (o == NULL || !keys_parse_public(jstr(o, "public_key"), p->pk)))
    e = l6_fail(err, L6_E_INTERNAL, "stored peer %s is malformed", code);
  if (e == L6_E_OK) {
    snprintf(p->registry, sizeof p->registry, "%s", code);
    snprintf(p->url, sizeof p->url, "%s", jstr(o, "url"));
  }
  json_decref(o);
  free(r);
  return e;
}

/* ---- who may ----------------------------------------------------------- */

static l6_err need(const l6_actor *a, bool write, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN || (!write && a->role == L6_ROLE_AUDITOR)) return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
}

/* ---- signatures -------------------------------------------------------- */

static char *canon(const json_t *msg) { return json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS); }

static bool sign_text(l6_svc *s, const char *prefix, const char *txt, char hex[2 * crypto_sign_BYTES + 1]) {
  if (!s->has_signer) return false;
  size_t n = strlen(prefix) + strlen(txt);
  unsigned char *m = malloc(n + 1);
  if (m == NULL) return false;
  memcpy(m, prefix, strlen(prefix));
  memcpy(m + strlen(prefix), txt, strlen(txt));
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_ed25519_detached(sig, NULL, m, n, s->signer.sk);
  free(m);
  sodium_bin2hex(hex, 2 * crypto_sign_BYTES + 1, sig, sizeof sig);
  return true;
}

static bool verify_text(const uint8_t pk[STH_PUBLIC_KEY_BYTES], const char *prefix, const char *txt, const char *hex) {
  unsigned char sig[crypto_sign_BYTES];
  size_t len = 0;
  if (hex == NULL || strlen(hex) != 2 * crypto_sign_BYTES ||
      sodium_hex2bin(sig, sizeof sig, hex, strlen(hex), NULL, &len, NULL) != 0 || len != sizeof sig)
    return false;
  size_t n = strlen(prefix) + strlen(txt);
  unsigned char *m = malloc(n + 1);
  if (m == NULL) return false;
  memcpy(m, prefix, strlen(prefix));
  memcpy(m + strlen(prefix), txt, strlen(txt));
  bool ok = crypto_sign_ed25519_verify_detached(sig, m, n, pk) == 0;
  free(m);
  return ok;
}

/* {"message": msg, "signature": ...}; takes msg. NULL without a key. */
static json_t *envelope(l6_svc *s, json_t *msg) {
  char *txt = canon(msg);
  char hex[2 * crypto_sign_BYTES + 1];
  json_t *env = NULL;
  if (txt && sign_text(s, SIG_PREFIX, txt, hex)) env = json_pack("{s:o, s:s}", "message", msg, "signature", hex);
  else json_decref(msg);
  free(txt);
  return env;
}

static bool env_verify(const json_t *env, const char *field, const uint8_t pk[STH_PUBLIC_KEY_BYTES]) {
  char *txt = canon(json_object_get(env, "message"));
  bool ok = txt && verify_text(pk, SIG_PREFIX, txt, jstr(env, field));
  free(txt);
  return ok;
}

/* Adds "hub_signature" (the hub's countersignature) to env. */
static bool countersign(l6_svc *s, json_t *env) {
  char *txt = canon(json_object_get(env, "message"));
  char hex[2 * crypto_sign_BYTES + 1];
  bool ok = txt && sign_text(s, SIG_PREFIX, txt, hex);
  if (ok) json_object_set_new(env, "hub_signature", json_string(hex));
  free(txt);
  return ok;
}

/* The Party of this link's registry ("" when the store has no such registry). */
static l6_err my_party(l6_svc *s, const link_conf *c, char party[4], l6_error *err) {
  l6_registry r;
  l6_error e2 = {0};
  l6_err e = OPS->registry_get(ST, c->registry, &r, &e2);
  party[0] = '\0';
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  else if (e != L6_E_UNKNOWN_REGISTRY) *err = e2;
  return e == L6_E_UNKNOWN_REGISTRY ? L6_E_OK : e;
}

static int year_now(l6_svc *s) {
  char ts[32];
  svc__timestamp(s, ts);
  return atoi(ts);
}

/* ---- the move rule: link accounts are moved only by links ---------------- */

static bool link_type(l6_account_type t) { return t == L6_ACCT_LINK_ESCROW || t == L6_ACCT_LINK_EXTERNAL; }

static l6_err link_move_check(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)s;
  (void)arg;
  if (m->route == SVC_MOVE_LINK) return L6_E_OK;
  if (link_type(m->from.type) || link_type(m->to.type))
    return l6_fail(err, L6_E_LINK_ACCOUNT, "account %lld is a link account",
                   (long long)(link_type(m->from.type) ? m->from.id : m->to.id));
  return L6_E_OK;
}

const svc_move_hook link_move_hook = {.name = "links", .check = link_move_check};

/* ---- settings and peers -------------------------------------------------- */

static l6_err peer_store(l6_svc *s, const char *code, const char *url, const char *pk_text, json_t **out,
                         l6_error *err) {
  uint8_t pk[STH_PUBLIC_KEY_BYTES];
  if (!l6_valid_registry_id(code)) return l6_fail(err, L6_E_INVALID_VALUE, "peer registry '%s' is not like CHE01", code);
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "peer %s: url must start with http:// or https://", code);
  if (strlen(url) > 400) return l6_fail(err, L6_E_INVALID_VALUE, "peer %s: url is too long", code);
  if (!keys_parse_public(pk_text, pk))
    return l6_fail(err, L6_E_INVALID_VALUE, "peer %s: public_key must be 64 hex digits or 44 base64 characters", code);
  char hex[2 * STH_PUBLIC_KEY_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
  size_t ul = strlen(url);
  while (ul > 0 && url[ul - 1] == '/') ul--;
  json_t *o = json_pack("{s:s, s:s#, s:s}", "registry", code, "url", url, (int)ul, "public_key", hex);
  l6_err e = rec_put(s, "peer", code, "", 0, o, err);
  if (e == L6_E_OK && out) *out = json_incref(o);
  json_decref(o);
  return e;
}

static l6_err settings_check(const char *reg, const char *hub, int64_t deadline, l6_error *err) {
  if (!l6_valid_registry_id(reg)) return l6_fail(err, L6_E_INVALID_VALUE, "registry must be like CHE01");
  if (hub[0] && !l6_valid_registry_id(hub)) return l6_fail(err, L6_E_INVALID_VALUE, "hub must be like HUB01");
  if (deadline < 1 || deadline > 30 * 86400) return l6_fail(err, L6_E_INVALID_VALUE, "deadline_seconds must be 1-2592000");
  return L6_E_OK;
}

l6_err svc_link_load(l6_svc *s, const char *path, bool hub, l6_error *err) {
  json_error_t je;
  json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (o == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s (line %d)", path, je.text, je.line);
  l6_err e = L6_E_OK;
  const char *key;
  json_t *v;
  if (!json_is_object(o)) e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: must be a JSON object", path);
  json_object_foreach(e == L6_E_OK ? o : NULL, key, v) {
    if (strcmp(key, "registry") && strcmp(key, "hub") && strcmp(key, "deadline_seconds") && strcmp(key, "peers")) {
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: unknown key '%s'", path, key);
      break;
    }
  }
  link_conf c = {.deadline_s = DEFAULT_DEADLINE_S, .is_hub = hub};
  json_t *peers = json_object_get(o, "peers");
  if (e == L6_E_OK && (!json_is_string(json_object_get(o, "registry")) || !json_is_array(peers) ||
                       (json_object_get(o, "hub") && !json_is_string(json_object_get(o, "hub"))) ||
                       (json_object_get(o, "deadline_seconds") && !json_is_integer(json_object_get(o, "deadline_seconds")))))
    e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: needs registry (text), peers (array), optional hub (text) and deadline_seconds (integer)", path);
  if (e == L6_E_OK) {
    snprintf(c.registry, sizeof c.registry, "%s", jstr(o, "registry"));
    snprintf(c.hub, sizeof c.hub, "%s", jstr(o, "hub"));
    if (json_object_get(o, "deadline_seconds")) c.deadline_s = jint(o, "deadline_seconds");
    l6_error e2 = {0};
    if (settings_check(c.registry, c.hub, c.deadline_s, &e2) != L6_E_OK)
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s", path, e2.message);
  }
  size_t i;
  json_t *p;
  json_array_foreach(e == L6_E_OK ? peers : NULL, i, p) {
    json_object_foreach(p, key, v) {
      if (strcmp(key, "registry") && strcmp(key, "url") && strcmp(key, "public_key")) {
        e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: peers[%zu]: unknown key '%s'", path, i, key);
        break;
      }
    }
    if (e == L6_E_OK && (!json_is_string(json_object_get(p, "registry")) || !json_is_string(json_object_get(p, "url")) ||
                         !json_is_string(json_object_get(p, "public_key"))))
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: peers[%zu] needs registry, url and public_key (text)", path, i);
    if (e != L6_E_OK) break;
  }
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e == L6_E_OK) {
    e = conf_put(s, &c, err);
    json_array_foreach(e == L6_E_OK ? peers : NULL, i, p) {
      l6_error e2 = {0};
      if (peer_store(s, jstr(p, "registry"), jstr(p, "url"), jstr(p, "public_key"), NULL, &e2) != L6_E_OK) {
        e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: peers[%zu]: %s", path, i, e2.message);
        break;
      }
    }
    e = svc__finish(s, e, err);
  }
  json_decref(o);
  return e;
}

l6_err svc_link_set_hub(l6_svc *s, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  e = conf_get(s, &c, err);
  c.is_hub = true;
  if (e == L6_E_OK) e = conf_put(s, &c, err);
  return svc__finish(s, e, err);
}

l6_err svc_link_settings_get(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, err);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  e = conf_get(s, &c, err);
  if (e == L6_E_OK) *out = conf_json(&c);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_link_settings_put(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, err);
  if (e != L6_E_OK) return e;
  const char *key;
  json_t *v;
  if (!json_is_object(body)) return l6_fail(err, L6_E_WRONG_TYPE, "the body must be a JSON object");
  json_object_foreach((json_t *)body, key, v) {
    if (strcmp(key, "registry") && strcmp(key, "hub") && strcmp(key, "deadline_seconds"))
      return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s'", key);
  }
  if (!json_is_string(json_object_get(body, "registry"))) return l6_fail(err, L6_E_MISSING_FIELD, "registry (text) is required");
  json_t *hub = json_object_get(body, "hub"), *dl = json_object_get(body, "deadline_seconds");
  if (hub && !json_is_string(hub) && !json_is_null(hub)) return l6_fail(err, L6_E_WRONG_TYPE, "hub must be text or null");
  if (dl && !json_is_integer(dl)) return l6_fail(err, L6_E_WRONG_TYPE, "deadline_seconds must be an integer");
  link_conf c = {.deadline_s = dl ? json_integer_value(dl) : DEFAULT_DEADLINE_S};
  snprintf(c.registry, sizeof c.registry, "%s", jstr(body, "registry"));
  if (strlen(jstr(body, "registry")) != 5) return l6_fail(err, L6_E_INVALID_VALUE, "registry must be like CHE01");
  snprintf(c.hub, sizeof c.hub, "%s", json_is_string(hub) ? json_string_value(hub) : "");
  if ((e = settings_check(c.registry, c.hub, c.deadline_s, err)) != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  link_conf old;
  l6_error e2 = {0};
  if (conf_get(s, &old, &e2) == L6_E_OK) c.is_hub = old.is_hub;
  e = conf_put(s, &c, err);
  if (e == L6_E_OK) *out = conf_json(&c);
  return svc__finish_out(s, e, out, err);
}

static int collect_row(void *ctx, const void *row) {
  json_t *arr = ctx;
  const l6_link_rec *r = row;
  json_t *o = rec_json(r);
  if (o) {
    json_object_set_new(o, "_state", json_string(r->state));
    json_object_set_new(o, "_due", json_integer(r->due_ms));
    json_array_append_new(arr, o);
  }
  return 0;
}

static l6_err list_kind(l6_svc *s, const char *kind, const char *state, int64_t due, int limit, json_t **arr,
                        l6_error *err) {
  *arr = json_array();
  if (*arr == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  return OPS->link_list(ST, kind, state, due, limit, collect_row, *arr, err);
}

l6_err svc_link_peer_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, err);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *arr = NULL;
  e = list_kind(s, "peer", "", -1, 0, &arr, err);
  size_t i;
  json_t *p;
  json_array_foreach(arr, i, p) {
    json_object_del(p, "_state");
    json_object_del(p, "_due");
  }
  if (e == L6_E_OK) *out = json_pack("{s:O}", "items", arr);
  json_decref(arr);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_link_peer_put(l6_svc *s, const l6_actor *a, const char *code, const json_t *body, json_t **out,
                         l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, err);
  if (e != L6_E_OK) return e;
  if (!json_is_object(body)) return l6_fail(err, L6_E_WRONG_TYPE, "the body must be a JSON object");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)body, key, v) {
    if (strcmp(key, "url") && strcmp(key, "public_key")) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s'", key);
  }
  if (!json_is_string(json_object_get(body, "url")) || !json_is_string(json_object_get(body, "public_key")))
    return l6_fail(err, L6_E_MISSING_FIELD, "url and public_key (text) are required");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  e = peer_store(s, code, jstr(body, "url"), jstr(body, "public_key"), out, err);
  return svc__finish_out(s, e, out, err);
}

/* ---- the registry's link accounts ---------------------------------------- */

static l6_err link_account(l6_svc *s, const char *registry, l6_account_type t, l6_account *acc, l6_error *err) {
  l6_error e2 = {0};
  l6_err e = OPS->account_of_registry(ST, registry, t, acc, &e2);
  if (e == L6_E_OK) return e;
  if (e != L6_E_UNKNOWN_ACCOUNT) {
    *err = e2;
    return e;
  }
  *acc = (l6_account){.org = 0, .type = t, .status = L6_STATUS_OPEN};
  snprintf(acc->registry, sizeof acc->registry, "%s", registry);
  snprintf(acc->name, sizeof acc->name, "%s %s", registry, t == L6_ACCT_LINK_ESCROW ? "link escrow" : "held in other registries");
  return OPS->account_put(ST, acc, err);
}

/* Moves ranges (batch, first, last) from -> to as one transaction of the
 * log, on the link route. */
typedef struct {
  l6_id batch;
  int64_t first, last;
} lrange;

static l6_err link_move(l6_svc *s, const lrange *rg, size_t n, l6_id from, l6_id to, const char *purpose, l6_id *tx_id,
                        l6_error *err) {
  l6_take takes[64];
  if (n > 64) return l6_fail(err, L6_E_TOO_MANY_RANGES, "too many pieces");
  l6_tx tx = {.kind = L6_TX_TRANSFER, .from_account = from, .to_account = to};
  for (size_t i = 0; i < n; i++) {
    takes[i] = (l6_take){.block = i, .batch = rg[i].batch, .first = rg[i].first, .last = rg[i].last};
    tx.quantity += l6_range_qty(rg[i].first, rg[i].last);
  }
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "link");
  snprintf(tx.purpose, sizeof tx.purpose, "%s", purpose);
  l6_err e = OPS->tx_put(ST, &tx, err);
  svc_move_ctx m = {.route = SVC_MOVE_LINK, .tx = &tx, .takes = takes, .n = n};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
  for (size_t i = 0; e == L6_E_OK && svc__check_level(s) >= 2 && i < n; i++) e = svc__check_batch(s, rg[i].batch, err);
  if (e == L6_E_OK && tx_id) *tx_id = tx.id;
  return e;
}

/* The pieces of [first, last] of batch as account's blocks hold them
 * (a range may span touching blocks); *held false when any serial is
 * missing. Appends to out (room for LINK_MAX_PIECES). */
#define LINK_MAX_PIECES 64
static l6_err pieces(l6_svc *s, l6_id account, const lrange *r, lrange *out, size_t *n, bool *held, l6_error *err) {
  *held = true;
  for (int64_t cur = r->first; cur <= r->last;) {
    l6_block b;
    l6_error e2 = {0};
    l6_err e = OPS->block_find(ST, account, r->batch, cur, &b, &e2);
    if (e == L6_E_UNKNOWN_SERIAL) {
      *held = false;
      return L6_E_OK;
    }
    if (e != L6_E_OK) return *err = e2, e;
    if (*n >= LINK_MAX_PIECES) return l6_fail(err, L6_E_TOO_MANY_RANGES, "the ranges span more than %d blocks", LINK_MAX_PIECES);
    int64_t hi = b.last < r->last ? b.last : r->last;
    out[(*n)++] = (lrange){r->batch, cur, hi};
    cur = hi + 1;
  }
  return L6_E_OK;
}

static void batch_key(char out[64], l6_id batch) { snprintf(out, 64, "%020lld", (long long)batch); }
static void origin_key(char out[64], const char *origin, int64_t obatch) {
  snprintf(out, 64, "%s|%020lld", origin, (long long)obatch);
}

/* The origin of a local batch: its mirror's origin, else itself when the
 * batch is the link registry's own. */
static l6_err origin_of(l6_svc *s, const link_conf *c, const l6_batch *b, char origin[6], int64_t *obatch, l6_error *err) {
  char key[64];
  batch_key(key, b->id);
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool found;
  l6_err e = rec_get(s, "rmap", key, r, &found, err);
  json_t *o = e == L6_E_OK && found ? rec_json(r) : NULL;
  if (o) {
    snprintf(origin, 6, "%s", jstr(o, "origin"));
    *obatch = jint(o, "origin_batch");
  } else if (e == L6_E_OK && strcmp(b->registry, c->registry) == 0) {
    snprintf(origin, 6, "%s", c->registry);
    *obatch = b->id;
  } else if (e == L6_E_OK) {
    e = l6_fail(err, L6_E_INVALID_VALUE, "batch %lld is registry %s's, not this link's registry %s", (long long)b->id,
                b->registry, c->registry);
  }
  json_decref(o);
  free(r);
  return e;
}

/* ---- transfers out --------------------------------------------------------- */

static json_t *project_json(const l6_project *p) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "programme", p->programme, "host", p->host, "title",
                   p->title, "methodology", p->methodology, "sector", p->sector, "kind", p->kind, "crediting_start",
                   p->crediting_start, "crediting_end", p->crediting_end, "status", p->status);
}

static json_t *transfer_view(const json_t *rec, const char *state, int64_t now, int64_t deadline_ms) {
  json_t *o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:b}", "id", json_object_get(rec, "id"),
                        "to_registry", json_object_get(rec, "to"), "from_account", json_object_get(rec, "from_account"),
                        "to_account", json_object_get(rec, "to_account"), "ranges", json_object_get(rec, "ranges"), "state",
                        state, "code", json_object_get(rec, "code") ? json_object_get(rec, "code") : json_null(),
                        "created_ms", json_object_get(rec, "created_ms"), "tries", json_object_get(rec, "tries"),
                        "last_error", json_object_get(rec, "last_error") ? json_object_get(rec, "last_error") : json_null(),
                        "answered_ms", json_object_get(rec, "answered_ms") ? json_object_get(rec, "answered_ms") : json_null(),
                        "stuck", strcmp(state, "pending") == 0 && now - jint(rec, "created_ms") > deadline_ms);
  return o;
}

typedef struct {
  int64_t from_account, to_account;
  char to_registry[8];
  char purpose[L6_NAME_MAX + 1];
} xfer_in;

l6_err svc_link_transfer_create(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_HOLDER)
    return l6_fail(err, a->role == L6_ROLE__NONE ? L6_E_UNAUTHORIZED : L6_E_FORBIDDEN, "an admin or a holder of the account sends units over a link");
  if (!json_is_object(body)) return l6_fail(err, L6_E_WRONG_TYPE, "the body must be a JSON object");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)body, key, v) {
    if (strcmp(key, "from_account") && strcmp(key, "to_registry") && strcmp(key, "to_account") && strcmp(key, "ranges") &&
        strcmp(key, "purpose"))
      return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s'", key);
  }
  json_t *ranges = json_object_get(body, "ranges");
  if (!json_is_integer(json_object_get(body, "from_account")) || !json_is_integer(json_object_get(body, "to_account")) ||
      !json_is_string(json_object_get(body, "to_registry")) || !json_is_array(ranges))
    return l6_fail(err, L6_E_MISSING_FIELD, "from_account, to_account (integers), to_registry (text) and ranges (array) are required");
  if (json_object_get(body, "purpose") && !json_is_string(json_object_get(body, "purpose")))
    return l6_fail(err, L6_E_WRONG_TYPE, "purpose must be text");
  size_t n = json_array_size(ranges);
  if (n == 0) return l6_fail(err, L6_E_INVALID_RANGE, "ranges is empty");
  if (n > L6_LINK_MAX_RANGES) return l6_fail(err, L6_E_TOO_MANY_RANGES, "at most %d ranges per link transfer", L6_LINK_MAX_RANGES);
  lrange rg[L6_LINK_MAX_RANGES];
  size_t i;
  json_t *r;
  json_array_foreach(ranges, i, r) {
    if (!json_is_object(r) || json_object_size(r) != 3 || !json_is_integer(json_object_get(r, "batch")) ||
        !json_is_integer(json_object_get(r, "first")) || !json_is_integer(json_object_get(r, "last")))
      return l6_fail(err, L6_E_WRONG_TYPE, "ranges[%zu] must be {\"batch\", \"first\", \"last\"} (integers)", i);
    rg[i] = (lrange){jint(r, "batch"), jint(r, "first"), jint(r, "last")};
    if (rg[i].batch < 1 || rg[i].first < 1 || rg[i].last < rg[i].first)
      return l6_fail(err, L6_E_INVALID_RANGE, "ranges[%zu] is not a range", i);
    for (size_t k = 0; k < i; k++)
      if (rg[k].batch == rg[i].batch && rg[k].first <= rg[i].last && rg[i].first <= rg[k].last)
        return l6_fail(err, L6_E_INVALID_RANGE, "ranges[%zu] overlaps ranges[%zu]", i, k);
  }
  const char *to = jstr(body, "to_registry");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  link_peer peer;
  l6_account from, escrow;
  e = conf_get(s, &c, err);
  if (e == L6_E_OK && c.is_hub) e = l6_fail(err, L6_E_LINK_NOT_CONFIGURED, "the hub holds no units");
  if (e == L6_E_OK && !s->has_signer) e = l6_fail(err, L6_E_LINK_NOT_CONFIGURED, "this server has no signing key");
  if (e == L6_E_OK) e = peer_get(s, to, &peer, err);
  if (e == L6_E_OK && strcmp(to, c.registry) == 0) e = l6_fail(err, L6_E_INVALID_VALUE, "to_registry is this registry");
  if (e == L6_E_OK) e = svc__open_account(s, jint(body, "from_account"), "from_account", &from, err);
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER && from.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld is not your organisation's", (long long)from.id);
  if (e == L6_E_OK && strcmp(from.registry, c.registry) != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "account %lld is not of this link's registry %s", (long long)from.id, c.registry);
  if (e == L6_E_OK && (l6_account_type_terminal(from.type) || link_type(from.type)))
    e = l6_fail(err, L6_E_INVALID_VALUE, "account %lld sends no units", (long long)from.id);
  if (e == L6_E_OK) e = link_account(s, c.registry, L6_ACCT_LINK_ESCROW, &escrow, err);
  unsigned char rnd[16];
  char id[33];
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
  json_t *msg_ranges = json_array(), *projects = json_object(), *local = json_array();
  json_t *itmos = json_array(), *auths = json_object(); /* Article 6 (link_a6.c) */
  char party[4] = "";
  if (e == L6_E_OK) e = my_party(s, &c, party, err);
  lrange pc[LINK_MAX_PIECES];
  size_t npc = 0;
  for (i = 0; e == L6_E_OK && i < n; i++) {
    bool held;
    l6_batch b;
    l6_project p;
    char origin[6];
    int64_t obatch;
    e = pieces(s, from.id, &rg[i], pc, &npc, &held, err);
    if (e == L6_E_OK && !held)
      e = l6_fail(err, L6_E_SERIALS_NOT_HELD, "account %lld does not hold serials %lld-%lld of batch %lld", (long long)from.id,
                  (long long)rg[i].first, (long long)rg[i].last, (long long)rg[i].batch);
    if (e == L6_E_OK) e = OPS->batch_get(ST, rg[i].batch, &b, err);
    if (e == L6_E_OK) e = OPS->project_get(ST, b.project, &p, err);
    if (e == L6_E_OK) e = origin_of(s, &c, &b, origin, &obatch, err);
    /* the batch has crossed: the state lists it even when every unit came home */
    char bkey[64];
    batch_key(bkey, b.id);
    json_t *mark = json_object();
    if (e == L6_E_OK) e = rec_put(s, "sent", bkey, "", 0, mark, err);
    json_decref(mark);
    if (e != L6_E_OK) break;
    json_array_append_new(msg_ranges, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:i}", "origin", origin,
                                                "origin_batch", (json_int_t)obatch, "batch_start", (json_int_t)b.serial_start,
                                                "batch_quantity", (json_int_t)b.quantity, "first", (json_int_t)rg[i].first,
                                                "last", (json_int_t)rg[i].last, "project", b.project, "unit_type",
                                                b.unit_type, "vintage", b.vintage));
    json_object_set_new(projects, b.project, project_json(&p));
    json_array_append_new(local, json_pack("{s:I, s:I, s:I}", "batch", (json_int_t)rg[i].batch, "first",
                                           (json_int_t)rg[i].first, "last", (json_int_t)rg[i].last));
    e = link_a6_export(s, c.registry, i, rg[i].batch, rg[i].first, rg[i].last, itmos, auths, err);
  }
  char purpose[L6_NAME_MAX + 1];
  snprintf(purpose, sizeof purpose, "link transfer %.12s to %s: into escrow", id, to);
  if (e == L6_E_OK) e = link_move(s, pc, npc, from.id, escrow.id, purpose, NULL, err);
  int64_t now = svc__now_ms(s);
  json_t *msg = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:O, s:O, s:s, s:O, s:O}", "type", "proposal", "id", id,
                          "from", c.registry, "to", to, "sent_ms", (json_int_t)now, "to_account",
                          (json_int_t)jint(body, "to_account"), "purpose", jstr(body, "purpose"), "ranges", msg_ranges,
                          "projects", projects, "party", party, "itmos", itmos, "authorizations", auths);
  json_t *env = e == L6_E_OK ? envelope(s, msg) : (json_decref(msg), NULL);
  if (e == L6_E_OK && env == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_t *rec = NULL;
  if (e == L6_E_OK) {
    rec = json_pack("{s:s, s:s, s:I, s:I, s:O, s:I, s:i, s:O}", "id", id, "to", to, "from_account", (json_int_t)from.id,
                    "to_account", (json_int_t)jint(body, "to_account"), "ranges", local, "created_ms", (json_int_t)now,
                    "tries", 0, "envelope", env);
    e = rec_put(s, "out", id, "pending", now, rec, err);
  }
  if (e == L6_E_OK) *out = transfer_view(rec, "pending", now, c.deadline_s * 1000);
  json_decref(rec);
  json_decref(env);
  json_decref(msg_ranges);
  json_decref(projects);
  json_decref(local);
  json_decref(itmos);
  json_decref(auths);
  return svc__finish_out(s, e, out, err);
}

static int list_view_row(void *ctx, const void *row) {
  json_t **c = ctx;
  const l6_link_rec *r = row;
  json_t *o = rec_json(r);
  if (o == NULL) return 0;
  int64_t now = json_integer_value(json_object_get(c[1], "now")), dl = json_integer_value(json_object_get(c[1], "dl"));
  const char *want = json_string_value(json_object_get(c[1], "state"));
  json_t *v = transfer_view(o, r->state, now, dl);
  bool keep = want[0] == '\0' || strcmp(want, r->state) == 0 ||
              (strcmp(want, "stuck") == 0 && json_is_true(json_object_get(v, "stuck")));
  if (keep) json_array_append(c[0], v);
  json_decref(v);
  json_decref(o);
  return 0;
}

l6_err svc_link_transfer_list(l6_svc *s, const l6_actor *a, const char *state, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, err);
  if (e != L6_E_OK) return e;
  if (state[0] && strcmp(state, "pending") && strcmp(state, "accepted") && strcmp(state, "rejected") && strcmp(state, "stuck"))
    return l6_fail(err, L6_E_BAD_PARAM, "state must be pending, accepted, rejected or stuck");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  link_conf c;
  e = conf_get(s, &c, err);
  json_t *items = json_array();
  json_t *ctx[2] = {items, json_pack("{s:I, s:I, s:s}", "now", (json_int_t)svc__now_ms(s), "dl",
                                     (json_int_t)(c.deadline_s * 1000), "state", state)};
  if (e == L6_E_OK) e = OPS->link_list(ST, "out", "", -1, 0, list_view_row, ctx, err);
  if (e == L6_E_OK) *out = json_pack("{s:O}", "items", items);
  json_decref(items);
  json_decref(ctx[1]);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_link_transfer_get(l6_svc *s, const l6_actor *a, const char *id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, err);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  l6_link_rec *r = malloc(sizeof *r);
  bool found = false;
  e = r ? conf_get(s, &c, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = rec_get(s, "out", id, r, &found, err);
  if (e == L6_E_OK && !found) e = l6_fail(err, L6_E_UNKNOWN_LINK_TRANSFER, "no link transfer '%s'", id);
  json_t *o = e == L6_E_OK ? rec_json(r) : NULL;
  if (o) *out = transfer_view(o, r->state, svc__now_ms(s), c.deadline_s * 1000);
  json_decref(o);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* ---- the receiver ---------------------------------------------------------- */

/* A check code of docs/LINKS.md. */
typedef struct {
  const char *code;
  char detail[200];
  char party[4]; /* an acceptance: the receiver's Party and the year it credited (Article 6, link_a6.c) */
  int year;
  const char *ok; /* an accepted authorization update: "A01" (detail says what) */
} verdict;

static bool refuse(verdict *v, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool refuse(verdict *v, const char *code, const char *fmt, ...) {
  v->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->detail, sizeof v->detail, fmt, ap);
  va_end(ap);
  return false;
}

/* The local mirror batch of an origin batch (0 when none yet). */
static l6_err mirror_of(l6_svc *s, const char *origin, int64_t obatch, l6_id *local, l6_error *err) {
  char key[64];
  origin_key(key, origin, obatch);
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool found;
  l6_err e = rec_get(s, "map", key, r, &found, err);
  json_t *o = e == L6_E_OK && found ? rec_json(r) : NULL;
  *local = o ? jint(o, "batch") : 0;
  json_decref(o);
  free(r);
  return e;
}

/* The local batch of a message range: the batch itself when this registry
 * is its origin, else its mirror (made, with all its units in
 * link-external, when make is true). */
static l6_err local_batch(l6_svc *s, const link_conf *c, const json_t *rg, const json_t *projects, bool make,
                          l6_id *local, verdict *v, l6_error *err) {
  const char *origin = jstr(rg, "origin");
  int64_t obatch = jint(rg, "origin_batch");
  *local = 0;
  if (strcmp(origin, c->registry) == 0) {
    l6_batch b;
    l6_error e2 = {0};
    l6_err e = OPS->batch_get(ST, obatch, &b, &e2);
    if (e != L6_E_OK || b.serial_start != jint(rg, "batch_start") || b.quantity != jint(rg, "batch_quantity")) {
      refuse(v, "L08", "batch %lld of this registry does not match the proposal", (long long)obatch);
      return e == L6_E_OK || e == L6_E_UNKNOWN_BATCH ? L6_E_OK : (*err = e2, e);
    }
    *local = b.id;
    return L6_E_OK;
  }
  l6_err e = mirror_of(s, origin, obatch, local, err);
  if (e != L6_E_OK) return e;
  if (*local) {
    l6_batch b;
    if ((e = OPS->batch_get(ST, *local, &b, err)) != L6_E_OK) return e;
    if (b.serial_start != jint(rg, "batch_start") || b.quantity != jint(rg, "batch_quantity") ||
        strcmp(b.unit_type, jstr(rg, "unit_type")) || b.vintage != jint(rg, "vintage") || strcmp(b.project, jstr(rg, "project"))) {
      refuse(v, "L08", "origin batch %s/%lld does not match its mirror here", origin, (long long)obatch);
      *local = 0;
    }
    return L6_E_OK;
  }
  l6_unit_type ut;
  l6_error e2 = {0};
  if (OPS->unit_type_get(ST, jstr(rg, "unit_type"), &ut, &e2) != L6_E_OK) {
    refuse(v, "L05", "unit type %s is not accepted here", jstr(rg, "unit_type"));
    return L6_E_OK;
  }
  l6_project p;
  const char *pid = jstr(rg, "project");
  if (OPS->project_get(ST, pid, &p, &e2) != L6_E_OK) {
    const json_t *pj = json_object_get(projects, pid);
    l6_programme pg;
    l6_party party;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", pid);
    snprintf(p.programme, sizeof p.programme, "%s", jstr(pj, "programme"));
    snprintf(p.host, sizeof p.host, "%s", jstr(pj, "host"));
    snprintf(p.title, sizeof p.title, "%s", jstr(pj, "title"));
    snprintf(p.methodology, sizeof p.methodology, "%s", jstr(pj, "methodology"));
    snprintf(p.sector, sizeof p.sector, "%s", jstr(pj, "sector"));
    snprintf(p.kind, sizeof p.kind, "%s", jstr(pj, "kind"));
    snprintf(p.crediting_start, sizeof p.crediting_start, "%s", jstr(pj, "crediting_start"));
    snprintf(p.crediting_end, sizeof p.crediting_end, "%s", jstr(pj, "crediting_end"));
    snprintf(p.status, sizeof p.status, "%s", jstr(pj, "status"));
    if (!l6_valid_project_id(pid) || OPS->programme_get(ST, p.programme, &pg, &e2) != L6_E_OK ||
        OPS->party_get(ST, p.host, &party, &e2) != L6_E_OK || !l6_valid_date(p.crediting_start) ||
        !l6_valid_date(p.crediting_end) || p.title[0] == '\0') {
      refuse(v, "L06", "project %s cannot be recorded here (programme or host Party unknown)", pid);
      return L6_E_OK;
    }
    if (!make) return L6_E_OK;
    if ((e = OPS->project_put(ST, &p, err)) != L6_E_OK) return e;
  }
  if (!make) return L6_E_OK;
  l6_account ext;
  if ((e = link_account(s, c->registry, L6_ACCT_LINK_EXTERNAL, &ext, err)) != L6_E_OK) return e;
  l6_tx tx = {.kind = L6_TX_ISSUANCE, .from_account = 0, .to_account = ext.id, .quantity = jint(rg, "batch_quantity")};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "link");
  snprintf(tx.purpose, sizeof tx.purpose, "link: mirror of %s batch %lld (held in other registries)", origin, (long long)obatch);
  l6_batch b = {.vintage = (int)jint(rg, "vintage"), .serial_start = jint(rg, "batch_start"), .quantity = tx.quantity};
  snprintf(b.project, sizeof b.project, "%s", pid);
  snprintf(b.unit_type, sizeof b.unit_type, "%s", jstr(rg, "unit_type"));
  snprintf(b.registry, sizeof b.registry, "%s", c->registry);
  int64_t last = b.serial_start + b.quantity - 1;
  e = OPS->tx_put(ST, &tx, err);
  b.tx = tx.id;
  if (e == L6_E_OK) e = OPS->batch_put(ST, &b, err);
  l6_tx_line line = {.tx = tx.id, .batch = b.id, .first = b.serial_start, .last = last, .to_account = ext.id};
  if (e == L6_E_OK) e = OPS->block_add(ST, ext.id, b.id, b.serial_start, last, err);
  if (e == L6_E_OK) e = OPS->tx_line_put(ST, &line, err);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
  char key[64];
  origin_key(key, origin, obatch);
  json_t *m = json_pack("{s:I}", "batch", (json_int_t)b.id);
  if (e == L6_E_OK) e = rec_put(s, "map", key, "", 0, m, err);
  json_decref(m);
  batch_key(key, b.id);
  m = json_pack("{s:s, s:I}", "origin", origin, "origin_batch", (json_int_t)obatch);
  if (e == L6_E_OK) e = rec_put(s, "rmap", key, "", 0, m, err);
  json_decref(m);
  if (e == L6_E_OK) *local = b.id;
  return e;
}

/* Checks a proposal (and, when apply, credits it): v->code NULL = accept. */
static l6_err receive(l6_svc *s, const link_conf *c, const json_t *msg, bool apply, verdict *v, l6_error *err) {
  const json_t *ranges = json_object_get(msg, "ranges"), *projects = json_object_get(msg, "projects");
  size_t n = json_array_size(ranges);
  if (strcmp(jstr(msg, "to"), c->registry) != 0) return refuse(v, "L01", "not addressed to %s", c->registry), L6_E_OK;
  if (n == 0 || n > L6_LINK_MAX_RANGES) return refuse(v, "L09", "a proposal carries 1-%d ranges", L6_LINK_MAX_RANGES), L6_E_OK;
  l6_account to;
  l6_error e2 = {0};
  l6_err e = OPS->account_get(ST, jint(msg, "to_account"), &to, &e2);
  if (e == L6_E_UNKNOWN_ACCOUNT) return refuse(v, "L02", "no account %lld here", (long long)jint(msg, "to_account")), L6_E_OK;
  if (e != L6_E_OK) return *err = e2, e;
  if (to.status != L6_STATUS_OPEN) return refuse(v, "L03", "account %lld is %s", (long long)to.id, l6_account_status_str(to.status)), L6_E_OK;
  if (strcmp(to.registry, c->registry) != 0 || !l6_account_type_accepts_transfer(to.type))
    return refuse(v, "L04", "account %lld receives no transfers from other registries", (long long)to.id), L6_E_OK;
  lrange rg[L6_LINK_MAX_RANGES], pc[LINK_MAX_PIECES];
  size_t npc = 0;
  l6_account ext;
  if ((e = link_account(s, c->registry, L6_ACCT_LINK_EXTERNAL, &ext, err)) != L6_E_OK) return e;
  if ((e = my_party(s, c, v->party, err)) != L6_E_OK) return e;
  v->year = year_now(s);
  size_t i;
  json_t *r;
  json_array_foreach(ranges, i, r) {
    int64_t first = jint(r, "first"), last = jint(r, "last"), start = jint(r, "batch_start"), qty = jint(r, "batch_quantity");
    if (!json_is_object(r) || start < 1 || qty < 1 || first < start || last < first || last > start + qty - 1 ||
        !l6_valid_registry_id(jstr(r, "origin")) || jint(r, "origin_batch") < 1 || !l6_valid_code(jstr(r, "unit_type")))
      return refuse(v, "L08", "ranges[%zu] is malformed", i), L6_E_OK;
    l6_id local;
    if ((e = local_batch(s, c, r, projects, apply, &local, v, err)) != L6_E_OK || v->code) return e;
    rg[i] = (lrange){local, first, last};
    bool held = false;
    if (local && (e = pieces(s, ext.id, &rg[i], pc, &npc, &held, err)) != L6_E_OK) return e;
    if (local && !held) {
      /* Units in this registry's own escrow are on their way to the
       * proposal's sender, which already holds them (it accepted them; the
       * answer has not reached this registry's outbox yet): no verdict yet,
       * the sender tries again. Each serial is in link-external or escrow. */
      l6_account esc;
      bool in_flight = false, elsewhere = false;
      if ((e = link_account(s, c->registry, L6_ACCT_LINK_ESCROW, &esc, err)) != L6_E_OK) return e;
      for (int64_t cur = first; cur <= last && !elsewhere;) {
        l6_block b;
        l6_error e3 = {0};
        l6_err f = OPS->block_find(ST, ext.id, local, cur, &b, &e3);
        if (f == L6_E_UNKNOWN_SERIAL) {
          f = OPS->block_find(ST, esc.id, local, cur, &b, &e3);
          in_flight = in_flight || f == L6_E_OK;
          elsewhere = f == L6_E_UNKNOWN_SERIAL;
        }
        if (f != L6_E_OK && f != L6_E_UNKNOWN_SERIAL) return *err = e3, f;
        cur = f == L6_E_OK ? b.last + 1 : cur;
      }
      if (in_flight && !elsewhere)
        return l6_fail(err, L6_E_LINK_IN_FLIGHT, "serials %lld-%lld of %s batch %lld are still in this registry's escrow",
                       (long long)first, (long long)last, jstr(r, "origin"), (long long)jint(r, "origin_batch"));
    }
    if (local && !held)
      return refuse(v, "L07", "serials %lld-%lld of %s batch %lld are already held here", (long long)first, (long long)last,
                    jstr(r, "origin"), (long long)jint(r, "origin_batch")),
             L6_E_OK;
  }
  if (!apply) {
    /* Article 6: the authorization covers this Party, in its timeframe (L10, L11), before anything is booked */
    const char *code = NULL;
    char detail[200];
    e = link_a6_check(s, c->registry, msg, v->party, v->year, &code, detail, sizeof detail, err);
    if (e == L6_E_OK && code) refuse(v, code, "%s", detail);
    return e;
  }
  char purpose[L6_NAME_MAX + 1];
  snprintf(purpose, sizeof purpose, "link transfer %.12s from %s: received", jstr(msg, "id"), jstr(msg, "from"));
  l6_id tx = 0, local[L6_LINK_MAX_RANGES];
  for (i = 0; i < n; i++) local[i] = rg[i].batch;
  e = link_move(s, pc, npc, ext.id, to.id, purpose, &tx, err);
  if (e == L6_E_OK) e = link_a6_acquire(s, c->registry, msg, local, n, tx, v->party, v->year, err);
  return e;
}

static json_t *answer_msg(const link_conf *c, const json_t *msg, const verdict *v) {
  json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "answer", "id", "", "in_reply_to", jstr(msg, "id"),
                   "from", c->registry, "to", jstr(msg, "from"), "decision", v->code ? "reject" : "accept", "code",
                   v->code ? v->code : v->ok ? v->ok : "A00", "detail", v->code || v->ok ? v->detail : "credited");
  if (a && v->code == NULL && v->party[0]) { /* for the sender's Article 6 books (link_a6.c) */
    json_object_set_new(a, "party", json_string(v->party));
    json_object_set_new(a, "year", json_integer(v->year));
  }
  return a;
}

/* The inbox's record kind of a message: "in" for proposals, "uin" for
 * authorization updates (which are no transfers: not in the link log). */
static const char *in_kind(const json_t *msg) { return strcmp(jstr(msg, "type"), "authorization") == 0 ? "uin" : "in"; }

static l6_err stored_answer(l6_svc *s, const char *kind, const char *id, json_t **out, bool *found, l6_error *err) {
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = rec_get(s, kind, id, r, found, err);
  json_t *o = e == L6_E_OK && *found ? rec_json(r) : NULL;
  if (o) *out = json_incref(json_object_get(o, "answer"));
  if (e == L6_E_OK && *found && *out == NULL) e = l6_fail(err, L6_E_INTERNAL, "stored answer %s is malformed", id);
  json_decref(o);
  free(r);
  return e;
}

static l6_err store_answer(l6_svc *s, const char *kind, const char *id, const char *peer, json_t *ans, l6_error *err) {
  json_t *o = json_pack("{s:s, s:O}", "peer", peer, "answer", ans);
  const char *dec = jstr(json_object_get(ans, "message"), "decision");
  l6_err e = rec_put(s, kind, id, dec, svc__now_ms(s), o, err);
  json_decref(o);
  return e;
}

/* Answer ids: "a" + the proposal's id (unique, as that one is). */
static json_t *signed_answer(l6_svc *s, const link_conf *c, const json_t *msg, const verdict *v) {
  json_t *m = answer_msg(c, msg, v);
  char aid[48];
  snprintf(aid, sizeof aid, "a%s", jstr(msg, "id"));
  json_object_set_new(m, "id", json_string(aid));
  return envelope(s, m);
}

static l6_err hub_inbox(l6_svc *s, const link_conf *c, const json_t *env, json_t **out, l6_error *err);

l6_err svc_link_inbox(l6_svc *s, const json_t *env, json_t **out, l6_error *err) {
  *out = NULL;
  const json_t *msg = json_object_get(env, "message");
  bool update = strcmp(jstr(msg, "type"), "authorization") == 0;
  if (!json_is_object(env) || !json_is_object(msg) || (strcmp(jstr(msg, "type"), "proposal") != 0 && !update) ||
      strlen(jstr(msg, "id")) != 32 || (!update && !json_is_array(json_object_get(msg, "ranges"))) ||
      (update && !json_is_object(json_object_get(msg, "terms"))))
    return l6_fail(err, L6_E_LINK_BAD_SIGNATURE, "not a link proposal or authorization update envelope");
  link_conf c;
  link_peer from, hub;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = conf_get(s, &c, err);
  if (e == L6_E_OK) e = peer_get(s, jstr(msg, "from"), &from, err);
  if (e == L6_E_OK && !env_verify(env, "signature", from.pk))
    e = l6_fail(err, L6_E_LINK_BAD_SIGNATURE, "the signature of %s does not verify", from.registry);
  if (e == L6_E_OK && !c.is_hub && c.hub[0]) {
    e = peer_get(s, c.hub, &hub, err);
    if (e == L6_E_OK && !env_verify(env, "hub_signature", hub.pk))
      e = l6_fail(err, L6_E_LINK_BAD_SIGNATURE, "proposals reach %s only through the hub %s, countersigned", c.registry, c.hub);
  }
  if (e == L6_E_OK && !s->has_signer) e = l6_fail(err, L6_E_LINK_NOT_CONFIGURED, "this server has no signing key");
  if (e == L6_E_OK && c.is_hub) {
    e = svc__finish(s, e, err);
    return e == L6_E_OK ? hub_inbox(s, &c, env, out, err) : e;
  }
  bool found = false;
  if (e == L6_E_OK) e = stored_answer(s, in_kind(msg), jstr(msg, "id"), out, &found, err);
  if (e == L6_E_OK && !found) {
    verdict v = {0};
    if (update) {
      /* an authorization amended or revoked after its ITMOs crossed
       * (link_a6.c): recorded once, with the answer */
      if (strcmp(jstr(msg, "to"), c.registry) != 0) refuse(&v, "L01", "not addressed to %s", c.registry);
      else e = link_a6_update_apply(s, c.registry, msg, &v.code, v.detail, sizeof v.detail, err);
      if (e == L6_E_OK && v.code == NULL) v.ok = "A01";
    } else {
      e = receive(s, &c, msg, false, &v, err);
      if (e == L6_E_OK && v.code == NULL) e = receive(s, &c, msg, true, &v, err);
    }
    if (e == L6_E_OK) *out = signed_answer(s, &c, msg, &v);
    if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (e == L6_E_OK) e = store_answer(s, in_kind(msg), jstr(msg, "id"), jstr(msg, "from"), *out, err);
  }
  return svc__finish_out(s, e, out, err);
}

/* ---- the hub ------------------------------------------------------------------ */

/* The hub's record of an origin batch: {"origin", "origin_batch", "start",
 * "quantity", "holds": [[first, last, "REG"]...], "pending": [[first,
 * last, "msg id", "to"]...]}, segments sorted and disjoint. */
static l6_err hub_rec(l6_svc *s, const char *origin, int64_t obatch, json_t **o, l6_error *err) {
  char key[64];
  origin_key(key, origin, obatch);
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  bool found;
  l6_err e = rec_get(s, "hub", key, r, &found, err);
  *o = e == L6_E_OK && found ? rec_json(r) : NULL;
  free(r);
  return e;
}

static l6_err hub_save(l6_svc *s, json_t *o, l6_error *err) {
  char key[64];
  origin_key(key, jstr(o, "origin"), jint(o, "origin_batch"));
  return rec_put(s, "hub", key, "", 0, o, err);
}

/* Sets holder of [first, last] in holds (splitting segments), merging
 * neighbours of one holder. */
static void holds_set(json_t *holds, int64_t first, int64_t last, const char *holder) {
  json_t *nh = json_array();
  size_t i;
  json_t *h;
  bool placed = false;
  json_array_foreach(holds, i, h) {
    int64_t a = json_integer_value(json_array_get(h, 0)), b = json_integer_value(json_array_get(h, 1));
    const char *who = json_string_value(json_array_get(h, 2));
    if (!placed && a >= first) {
      json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)first, (json_int_t)last, holder));
      placed = true;
    }
    if (b < first || a > last) {
      json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)a, (json_int_t)b, who));
      continue;
    }
    if (a < first) json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)a, (json_int_t)(first - 1), who));
    if (!placed) {
      json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)first, (json_int_t)last, holder));
      placed = true;
    }
    if (b > last) json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)(last + 1), (json_int_t)b, who));
  }
  if (!placed) json_array_append_new(nh, json_pack("[I, I, s]", (json_int_t)first, (json_int_t)last, holder));
  json_array_clear(holds);
  json_array_foreach(nh, i, h) {
    json_t *prev = json_array_get(holds, json_array_size(holds) - 1);
    if (prev && json_integer_value(json_array_get(prev, 1)) + 1 == json_integer_value(json_array_get(h, 0)) &&
        strcmp(json_string_value(json_array_get(prev, 2)), json_string_value(json_array_get(h, 2))) == 0)
      json_array_set_new(prev, 1, json_integer(json_integer_value(json_array_get(h, 1))));
    else
      json_array_append(holds, h);
  }
  json_decref(nh);
}

static bool holds_cover(const json_t *holds, int64_t first, int64_t last, const char *holder) {
  size_t i;
  json_t *h;
  json_array_foreach(holds, i, h) {
    int64_t a = json_integer_value(json_array_get(h, 0)), b = json_integer_value(json_array_get(h, 1));
    if (a <= first && last <= b) return strcmp(json_string_value(json_array_get(h, 2)), holder) == 0;
  }
  return false;
}

/* tx1: check the proposal against the record and reserve its units
 * (reservations of the same message id are its own). v->code set: refused. */
static l6_err hub_reserve(l6_svc *s, const link_conf *c, const json_t *msg, verdict *v, l6_error *err) {
  const char *from = jstr(msg, "from"), *to = jstr(msg, "to"), *id = jstr(msg, "id");
  link_peer tp;
  l6_error e2 = {0};
  if (peer_get(s, to, &tp, &e2) != L6_E_OK) return refuse(v, "H03", "%s is not a registry of this hub", to), L6_E_OK;
  const json_t *ranges = json_object_get(msg, "ranges");
  size_t n = json_array_size(ranges), i;
  if (n == 0 || n > L6_LINK_MAX_RANGES) return refuse(v, "H05", "a proposal carries 1-%d ranges", L6_LINK_MAX_RANGES), L6_E_OK;
  json_t *recs[L6_LINK_MAX_RANGES] = {0};
  l6_err e = L6_E_OK;
  json_t *r;
  json_array_foreach(ranges, i, r) {
    const char *origin = jstr(r, "origin");
    int64_t first = jint(r, "first"), last = jint(r, "last"), start = jint(r, "batch_start"), qty = jint(r, "batch_quantity");
    if (start < 1 || qty < 1 || first < start || last < first || last > start + qty - 1 || !l6_valid_registry_id(origin)) {
      refuse(v, "H05", "ranges[%zu] is malformed", i);
      break;
    }
    json_t *o = NULL;
    for (size_t k = 0; k < i && o == NULL; k++)
      if (recs[k] && strcmp(jstr(recs[k], "origin"), origin) == 0 && jint(recs[k], "origin_batch") == jint(r, "origin_batch"))
        o = json_incref(recs[k]);
    if (o == NULL && (e = hub_rec(s, origin, jint(r, "origin_batch"), &o, err)) != L6_E_OK) break;
    if (o == NULL) {
      if (strcmp(origin, from) != 0) {
        refuse(v, "H04", "batch %s/%lld is unknown to the hub; its first crossing must come from %s", origin,
               (long long)jint(r, "origin_batch"), origin);
        break;
      }
      o = json_pack("{s:s, s:I, s:I, s:I, s:[[I, I, s]], s:[]}", "origin", origin, "origin_batch",
                    (json_int_t)jint(r, "origin_batch"), "start", (json_int_t)start, "quantity", (json_int_t)qty, "holds",
                    (json_int_t)start, (json_int_t)(start + qty - 1), origin, "pending");
    }
    recs[i] = o;
    if (jint(o, "start") != start || jint(o, "quantity") != qty) {
      refuse(v, "H05", "batch %s/%lld: the proposal's serial range differs from the hub's record", origin, (long long)jint(r, "origin_batch"));
      break;
    }
    if (!holds_cover(json_object_get(o, "holds"), first, last, from)) {
      /* units on their way to the sender (a transfer the hub has not seen
       * answered yet): in flight, not missing */
      size_t k;
      json_t *p;
      json_array_foreach(json_object_get(o, "pending"), k, p) {
        if (json_integer_value(json_array_get(p, 0)) <= last && first <= json_integer_value(json_array_get(p, 1)) &&
            strcmp(json_string_value(json_array_get(p, 3)), from) == 0) {
          refuse(v, "H02", "serials of batch %s/%lld are still in flight to %s", origin, (long long)jint(r, "origin_batch"), from);
          break;
        }
      }
      if (v->code) break;
      refuse(v, "H01", "by the hub's record %s does not hold serials %lld-%lld of batch %s/%lld", from, (long long)first,
             (long long)last, origin, (long long)jint(r, "origin_batch"));
      break;
    }
    size_t k;
    json_t *p;
    bool mine = false;
    json_array_foreach(json_object_get(o, "pending"), k, p) {
      int64_t a = json_integer_value(json_array_get(p, 0)), b = json_integer_value(json_array_get(p, 1));
      if (a <= last && first <= b) {
        if (strcmp(json_string_value(json_array_get(p, 2)), id) == 0) mine = true;
        else refuse(v, "H02", "serials %lld-%lld of batch %s/%lld are in flight in another transfer", (long long)a, (long long)b,
                    origin, (long long)jint(r, "origin_batch"));
      }
    }
    if (v->code) break;
    if (!mine)
      json_array_append_new(json_object_get(o, "pending"), json_pack("[I, I, s, s]", (json_int_t)first, (json_int_t)last, id, to));
  }
  for (i = 0; i < n && e == L6_E_OK && v->code == NULL; i++) {
    bool dup = false;
    for (size_t k = 0; k < i; k++) dup = dup || recs[k] == recs[i];
    if (!dup) e = hub_save(s, recs[i], err);
  }
  for (i = 0; i < n; i++) json_decref(recs[i]);
  return e;
}

/* tx2: the answer: on accept the units change holder; either way the
 * reservations of the message go. */
static l6_err hub_settle(l6_svc *s, const json_t *msg, bool accept, l6_error *err) {
  const json_t *ranges = json_object_get(msg, "ranges");
  const char *id = jstr(msg, "id"), *to = jstr(msg, "to");
  size_t i;
  json_t *r;
  l6_err e = L6_E_OK;
  json_array_foreach(ranges, i, r) {
    json_t *o = NULL;
    if ((e = hub_rec(s, jstr(r, "origin"), jint(r, "origin_batch"), &o, err)) != L6_E_OK) break;
    if (o == NULL) continue;
    json_t *pend = json_object_get(o, "pending"), *keep = json_array();
    size_t k;
    json_t *p;
    json_array_foreach(pend, k, p) {
      if (strcmp(json_string_value(json_array_get(p, 2)), id) != 0) json_array_append(keep, p);
    }
    json_object_set_new(o, "pending", keep);
    if (accept) holds_set(json_object_get(o, "holds"), jint(r, "first"), jint(r, "last"), to);
    e = hub_save(s, o, err);
    json_decref(o);
    if (e != L6_E_OK) break;
  }
  return e;
}

static l6_err hub_inbox(l6_svc *s, const link_conf *c, const json_t *env, json_t **out, l6_error *err) {
  const json_t *msg = json_object_get(env, "message");
  const char *id = jstr(msg, "id");
  verdict v = {0};
  bool found = false;
  link_peer tp;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  const char *kind = in_kind(msg);
  bool update = strcmp(kind, "uin") == 0; /* an authorization update: no units, the hub only passes it on */
  e = stored_answer(s, kind, id, out, &found, err);
  if (e == L6_E_OK && !found && !update) e = hub_reserve(s, c, msg, &v, err);
  l6_error e2 = {0};
  if (e == L6_E_OK && !found && update && peer_get(s, jstr(msg, "to"), &tp, &e2) != L6_E_OK)
    refuse(&v, "H03", "%s is not a registry of this hub", jstr(msg, "to"));
  if (e == L6_E_OK && !found && v.code) {
    *out = signed_answer(s, c, msg, &v); /* a refusal of the hub, signed by it */
    if (*out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (e == L6_E_OK) e = store_answer(s, kind, id, jstr(msg, "from"), *out, err);
  }
  if (e == L6_E_OK && !found && !v.code) e = peer_get(s, jstr(msg, "to"), &tp, err);
  e = svc__finish(s, e, err);
  if (e != L6_E_OK || found || v.code) {
    if (e != L6_E_OK) {
      json_decref(*out);
      *out = NULL;
    }
    return e;
  }
  /* Forward, countersigned, outside any transaction. */
  json_t *fwd = json_deep_copy(env);
  char *body = NULL, *reply = NULL, url[600];
  long status = 0;
  if (fwd == NULL || !countersign(s, fwd) || (body = json_dumps(fwd, JSON_COMPACT)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  snprintf(url, sizeof url, "%s/v1/link/inbox", tp.url);
  if (e == L6_E_OK) e = link_http("POST", url, body, NULL, &status, &reply, err);
  json_decref(fwd);
  free(body);
  json_error_t je;
  json_t *ans = e == L6_E_OK ? json_loads(reply, 0, &je) : NULL;
  free(reply);
  const json_t *am = json_object_get(ans, "message");
  if (e == L6_E_OK && (status != 200 || ans == NULL || strcmp(jstr(am, "in_reply_to"), id) != 0 ||
                       strcmp(jstr(am, "from"), tp.registry) != 0 || !env_verify(ans, "signature", tp.pk)))
    e = l6_fail(err, L6_E_LINK_PEER_UNREACHABLE, "%s gave no valid answer (HTTP %ld)", tp.registry, status);
  if (e != L6_E_OK) {
    json_decref(ans);
    return e;
  }
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    json_decref(ans);
    return e;
  }
  json_t *prev = NULL;
  e = stored_answer(s, kind, id, &prev, &found, err);
  if (e == L6_E_OK && found) {
    *out = prev;
  } else if (e == L6_E_OK) {
    bool accept = strcmp(jstr(am, "decision"), "accept") == 0;
    if (!update) e = hub_settle(s, msg, accept, err);
    if (e == L6_E_OK && !countersign(s, ans)) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (e == L6_E_OK) e = store_answer(s, kind, id, jstr(msg, "from"), ans, err);
    if (e == L6_E_OK) *out = json_incref(ans);
  }
  json_decref(ans);
  return svc__finish_out(s, e, out, err);
}

/* ---- the outbox ------------------------------------------------------------------ */

static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  int drop, repeat, lose, delay;
  unsigned seed;
} faults;

l6_err svc_link_faults(const char *spec, l6_error *err) {
  int d = 0, r = 0, l = 0, dl = 0;
  unsigned seed = 1;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int v;
    unsigned u;
    if (sscanf(t, "drop=%d", &v) == 1 && v >= 0 && v <= 100) d = v;
    else if (sscanf(t, "repeat=%d", &v) == 1 && v >= 0 && v <= 100) r = v;
    else if (sscanf(t, "lose=%d", &v) == 1 && v >= 0 && v <= 100) l = v;
    else if (sscanf(t, "delay=%d", &v) == 1 && v >= 0 && v <= 100) dl = v;
    else if (sscanf(t, "seed=%u", &u) == 1) seed = u;
    else return l6_fail(err, L6_E_INVALID_VALUE, "--link-faults: '%s' is not drop=P, repeat=P, lose=P, delay=P or seed=N", t);
  }
  pthread_mutex_lock(&fault_mu);
  faults.drop = d, faults.repeat = r, faults.lose = l, faults.delay = dl, faults.seed = seed;
  pthread_mutex_unlock(&fault_mu);
  return L6_E_OK;
}

static bool fault(int which) {
  pthread_mutex_lock(&fault_mu);
  int p = which == 0 ? faults.drop : which == 1 ? faults.repeat : which == 2 ? faults.lose : faults.delay;
  bool hit = p > 0 && (int)(rand_r(&faults.seed) % 100) < p;
  pthread_mutex_unlock(&fault_mu);
  return hit;
}

/* Delayed messages (fault delay=P): kept here and sent, their answers
 * thrown away, by a later send_one of the same process after 50-1,550 ms.
 * The outbox meanwhile has no answer and sends the message again, so the
 * receiver gets it late, out of order with its retries and with later
 * messages, or (if the process ends first, or the queue is full) never:
 * every message must still take effect exactly once. */
#define DELAYED_MAX 32
static struct {
  char url[600];
  char *body;
  int64_t due_ms;
} delayed[DELAYED_MAX];

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Queues body for later; false when the queue is full (then it is sent now). */
static bool send_later(const char *url, const char *body) {
  char *copy = strdup(body);
  if (copy == NULL) return false;
  pthread_mutex_lock(&fault_mu);
  int slot = -1;
  for (int i = 0; i < DELAYED_MAX && slot < 0; i++)
    if (delayed[i].body == NULL) slot = i;
  if (slot >= 0) {
    snprintf(delayed[slot].url, sizeof delayed[slot].url, "%s", url);
    delayed[slot].body = copy;
    delayed[slot].due_ms = mono_ms() + 50 + (int64_t)(rand_r(&faults.seed) % 1500);
  }
  pthread_mutex_unlock(&fault_mu);
  if (slot < 0) free(copy);
  return slot >= 0;
}

/* Sends the delayed messages that are due. */
static void send_delayed(void) {
  for (;;) {
    char url[600], *body = NULL;
    pthread_mutex_lock(&fault_mu);
    int64_t now = mono_ms();
    for (int i = 0; i < DELAYED_MAX && body == NULL; i++)
      if (delayed[i].body && delayed[i].due_ms <= now) {
        body = delayed[i].body;
        memcpy(url, delayed[i].url, sizeof url);
        delayed[i].body = NULL;
      }
    pthread_mutex_unlock(&fault_mu);
    if (body == NULL) return;
    long status = 0;
    char *reply = NULL;
    l6_error err = {0};
    (void)link_http("POST", url, body, NULL, &status, &reply, &err);
    free(reply);
    free(body);
  }
}

/* Sends one proposal; *ans the verified answer envelope, or NULL (why in
 * *why) when none came. */
static void send_one(const link_peer *dst, const link_peer *to, const link_peer *hub, const json_t *env, json_t **ans,
                     char why[200]) {
  *ans = NULL;
  send_delayed();
  const json_t *msg = json_object_get(env, "message");
  char url[600], *body = json_dumps(env, JSON_COMPACT), *reply = NULL;
  snprintf(url, sizeof url, "%s/v1/link/inbox", dst->url);
  long status = 0;
  l6_error err = {0};
  if (body == NULL) {
    snprintf(why, 200, "out of memory");
    return;
  }
  if (fault(0)) {
    snprintf(why, 200, "test fault: request dropped");
    free(body);
    return;
  }
  if (fault(3) && send_later(url, body)) {
    snprintf(why, 200, "test fault: request delayed");
    free(body);
    return;
  }
  int times = fault(1) ? 2 : 1;
  for (int t = 0; t < times; t++) {
    free(reply);
    reply = NULL;
    if (link_http("POST", url, body, NULL, &status, &reply, &err) != L6_E_OK) {
      snprintf(why, 200, "%.190s", err.message);
      free(body);
      return;
    }
  }
  free(body);
  if (fault(2)) {
    snprintf(why, 200, "test fault: answer lost");
    free(reply);
    return;
  }
  json_error_t je;
  json_t *a = status == 200 ? json_loads(reply, 0, &je) : NULL;
  if (a == NULL) snprintf(why, 200, "HTTP %ld: %.150s", status, reply ? reply : "");
  free(reply);
  if (a == NULL) return;
  const json_t *am = json_object_get(a, "message");
  const char *from = jstr(am, "from");
  bool accept = strcmp(jstr(am, "decision"), "accept") == 0;
  bool ok = strcmp(jstr(am, "type"), "answer") == 0 && strcmp(jstr(am, "in_reply_to"), jstr(msg, "id")) == 0 &&
            (strcmp(jstr(am, "decision"), "reject") == 0 || accept);
  if (ok && accept) /* an acceptance is the receiver's, countersigned by the hub when there is one */
    ok = strcmp(from, to->registry) == 0 && env_verify(a, "signature", to->pk) && (hub == NULL || env_verify(a, "hub_signature", hub->pk));
  else if (ok) /* a refusal is the receiver's or the hub's */
    ok = (strcmp(from, to->registry) == 0 && env_verify(a, "signature", to->pk)) ||
         (hub && strcmp(from, hub->registry) == 0 && env_verify(a, "signature", hub->pk));
  if (!ok) {
    snprintf(why, 200, "the answer does not verify");
    json_decref(a);
    return;
  }
  *ans = a;
}

/* A message the peer did not answer stays pending: one more try, its error,
 * and the next try after a back-off doubling from BACKOFF_MIN_MS up to
 * BACKOFF_MAX_MS. */
static l6_err retry_later(l6_svc *s, const char *kind, const char *id, json_t *o, const char *why, int64_t now,
                          l6_error *err) {
  int64_t tries = jint(o, "tries") + 1;
  int64_t back = BACKOFF_MIN_MS << (tries < 6 ? tries : 6);
  if (back > BACKOFF_MAX_MS) back = BACKOFF_MAX_MS;
  json_object_set_new(o, "tries", json_integer(tries));
  json_object_set_new(o, "last_error", json_string(why));
  return rec_put(s, kind, id, "pending", now + back, o, err);
}

static l6_err finalise(l6_svc *s, const char *id, const json_t *ans, const char *why, bool *done, l6_error *err) {
  *done = false;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_link_rec *r = malloc(sizeof *r);
  bool found = false;
  link_conf c;
  e = r ? conf_get(s, &c, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = rec_get(s, "out", id, r, &found, err);
  json_t *o = e == L6_E_OK && found && strcmp(r->state, "pending") == 0 ? rec_json(r) : NULL;
  int64_t now = svc__now_ms(s);
  if (o && ans == NULL) {
    e = retry_later(s, "out", id, o, why, now, err);
  } else if (o) {
    const json_t *am = json_object_get(ans, "message");
    bool accept = strcmp(jstr(am, "decision"), "accept") == 0;
    lrange rg[L6_LINK_MAX_RANGES];
    size_t n = 0, i;
    json_t *x;
    json_array_foreach(json_object_get(o, "ranges"), i, x) {
      if (n < L6_LINK_MAX_RANGES) rg[n++] = (lrange){jint(x, "batch"), jint(x, "first"), jint(x, "last")};
    }
    l6_account escrow, dst;
    e = link_account(s, c.registry, L6_ACCT_LINK_ESCROW, &escrow, err);
    if (e == L6_E_OK && accept) e = link_account(s, c.registry, L6_ACCT_LINK_EXTERNAL, &dst, err);
    char purpose[L6_NAME_MAX + 1];
    if (accept) snprintf(purpose, sizeof purpose, "link transfer %.12s to %s: transferred out", id, jstr(o, "to"));
    else snprintf(purpose, sizeof purpose, "link transfer %.12s to %s: rejected (%s), returned", id, jstr(o, "to"), jstr(am, "code"));
    lrange pc[LINK_MAX_PIECES];
    size_t npc = 0;
    for (size_t k = 0; e == L6_E_OK && k < n; k++) {
      bool held = false;
      e = pieces(s, escrow.id, &rg[k], pc, &npc, &held, err);
      if (e == L6_E_OK && !held) e = l6_fail(err, L6_E_INTERNAL, "link transfer %s: its units left the escrow", id);
    }
    l6_id tx = 0;
    if (e == L6_E_OK) e = link_move(s, pc, npc, escrow.id, accept ? dst.id : jint(o, "from_account"), purpose, &tx, err);
    /* Article 6: an accepted transfer to another Party's registry is the
     * first transfer of the ITMOs due (link_a6.c), booked here, with the
     * finalisation; a rejected one books nothing */
    char party[4] = "";
    l6_id local[L6_LINK_MAX_RANGES];
    for (size_t k = 0; k < n; k++) local[k] = rg[k].batch;
    if (e == L6_E_OK && accept) e = my_party(s, &c, party, err);
    if (e == L6_E_OK && accept)
      e = link_a6_transferred(s, json_object_get(json_object_get(o, "envelope"), "message"), local, n, tx, party,
                              jstr(am, "party"), json_is_integer(json_object_get(am, "year")) ? (int)jint(am, "year") : year_now(s),
                              err);
    /* the receiver now holds a copy of each authorization carried: its
     * later amendments and revocation follow it (link_a6_copies_sent) */
    if (e == L6_E_OK && accept)
      e = link_a6_copies_sent(s, c.registry, json_object_get(json_object_get(o, "envelope"), "message"), jstr(o, "to"), err);
    json_object_set_new(o, "code", json_string(jstr(am, "code")));
    json_object_set_new(o, "detail", json_string(jstr(am, "detail")));
    json_object_set_new(o, "answered_ms", json_integer(now));
    json_object_set(o, "answer", (json_t *)ans);
    if (e == L6_E_OK) e = rec_put(s, "out", id, accept ? "accepted" : "rejected", now, o, err);
    *done = e == L6_E_OK;
  }
  json_decref(o);
  free(r);
  return svc__finish(s, e, err);
}

/* ---- authorization updates (docs/LINKS.md, "Authorization updates") ---- */

/* One transaction: an outbox record (kind "upd") with a signed
 * "authorization" message for every copy held by a peer behind its
 * authorization here (amended or revoked since; link_a6_updates_due). */
/* The outbox record of one update message carrying kept versions
 * [from, to) of u; partial: a part that only adds kept versions; all: on
 * the last part of a split update, every kept version's number. */
static json_t *upd_record(l6_svc *s, const link_conf *c, const json_t *u, size_t from, size_t to, bool partial,
                          const json_t *all, int64_t now) {
  unsigned char rnd[16];
  char id[33];
  randombytes_buf(rnd, sizeof rnd);
  sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
  json_t *vs = json_array();
  for (size_t k = from; vs && k < to; k++) json_array_append(vs, json_array_get(json_object_get(u, "versions"), k));
  json_t *msg = vs ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O, s:o}", "type", "authorization", "id", id, "from",
                               c->registry, "to", jstr(u, "peer"), "sent_ms", (json_int_t)now, "ref", jstr(u, "ref"), "terms",
                               json_object_get(u, "terms"), "versions", vs)
                   : NULL;
  if (msg && partial) json_object_set_new(msg, "partial", json_true());
  if (msg && all) json_object_set(msg, "all_versions", (json_t *)all);
  json_t *env = msg ? envelope(s, msg) : NULL;
  json_t *rec = env ? json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:o}", "id", id, "to", jstr(u, "peer"), "ref", jstr(u, "ref"),
                                "version", (json_int_t)jint(u, "version"), "created_ms", (json_int_t)now, "tries", 0,
                                "envelope", env)
                    : NULL;
  return rec;
}

static bool rec_fits(const json_t *rec) {
  char *txt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
  bool ok = txt && strlen(txt) <= L6_LINK_BODY_MAX;
  free(txt);
  return ok;
}

/* The parts of an update too big for one message (a link record): kept
 * versions packed greedily, in order, into as few messages as fit; every
 * part but the last "partial" (kept versions only), the last carries the
 * terms to take and the numbers of all the kept versions, which the
 * receiver must hold before it takes them (docs/LINKS.md, "Authorization
 * updates"). At most one message per kept version. */
static l6_err queue_update_parts(l6_svc *s, const link_conf *c, const json_t *u, int64_t now, l6_error *err) {
  json_t *vs = json_object_get(u, "versions");
  size_t nv = json_array_size(vs);
  json_t *all = json_array();
  for (size_t k = 0; all && k < nv; k++) json_array_append_new(all, json_integer(jint(json_array_get(vs, k), "version")));
  if (all == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = L6_E_OK;
  size_t from = 0;
  for (size_t guard = 0; e == L6_E_OK && from < nv && guard <= nv; guard++) {
    json_t *best = NULL;
    size_t to = from;
    for (size_t t = from + 1; t <= nv; t++) { /* the most versions that fit, from `from` */
      bool last = t == nv;
      json_t *rec = upd_record(s, c, u, from, t, !last, last ? all : NULL, now);
      if (rec == NULL) {
        e = l6_fail(err, L6_E_NOMEM, NULL);
        break;
      }
      if (!rec_fits(rec)) {
        json_decref(rec);
        break;
      }
      json_decref(best);
      best = rec;
      to = t;
    }
    if (e == L6_E_OK && best == NULL)
      e = l6_fail(err, L6_E_TOO_MANY_RANGES, "a kept version (%lld) of %s does not fit in a link message of %d bytes",
                  (long long)jint(json_array_get(vs, from), "version"), jstr(u, "ref"), L6_LINK_BODY_MAX);
    if (e == L6_E_OK) e = rec_put(s, "upd", jstr(best, "id"), "pending", now, best, err);
    json_decref(best);
    from = to;
  }
  json_decref(all);
  return e;
}

static l6_err queue_updates(l6_svc *s, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  l6_error e2 = {0};
  if (conf_get(s, &c, &e2) != L6_E_OK || c.is_hub || !s->has_signer) return svc__finish(s, L6_E_OK, err);
  json_t *due = NULL;
  e = link_a6_updates_due(s, &due, err);
  size_t i;
  json_t *u;
  int64_t now = svc__now_ms(s);
  json_array_foreach(e == L6_E_OK ? due : NULL, i, u) {
    size_t nv = json_array_size(json_object_get(u, "versions"));
    json_t *rec = upd_record(s, &c, u, 0, nv, false, NULL, now);
    if (rec == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    else if (rec_fits(rec) || nv < 2) e = rec_put(s, "upd", jstr(rec, "id"), "pending", now, rec, err);
    else e = queue_update_parts(s, &c, u, now, err); /* too big for one message: in parts */
    if (e == L6_E_OK) e = link_a6_update_sent(s, jstr(u, "peer"), jstr(u, "ref"), (int)jint(u, "version"), err);
    json_decref(rec);
    if (e != L6_E_OK) break;
  }
  json_decref(due);
  return svc__finish(s, e, err);
}

/* The answer of an update (or none: try again later). */
static l6_err finalise_update(l6_svc *s, const char *id, const json_t *ans, const char *why, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_link_rec *r = malloc(sizeof *r);
  bool found = false;
  e = r ? rec_get(s, "upd", id, r, &found, err) : l6_fail(err, L6_E_NOMEM, NULL);
  json_t *o = e == L6_E_OK && found && strcmp(r->state, "pending") == 0 ? rec_json(r) : NULL;
  int64_t now = svc__now_ms(s);
  if (o && ans == NULL) {
    e = retry_later(s, "upd", id, o, why, now, err);
  } else if (o) {
    const json_t *am = json_object_get(ans, "message");
    json_object_set_new(o, "code", json_string(jstr(am, "code")));
    json_object_set_new(o, "detail", json_string(jstr(am, "detail")));
    json_object_set_new(o, "answered_ms", json_integer(now));
    json_object_set(o, "answer", (json_t *)ans);
    e = rec_put(s, "upd", id, strcmp(jstr(am, "decision"), "accept") == 0 ? "accepted" : "rejected", now, o, err);
  }
  json_decref(o);
  free(r);
  return svc__finish(s, e, err);
}

l6_err svc_link_tick(l6_svc *s, int *done, l6_error *err) {
  *done = 0;
  l6_error eq = {0};
  l6_err qe = queue_updates(s, &eq); /* a failure never blocks the transfers: reported below, tried again next tick */
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  json_t *due = NULL, *upd = NULL;
  l6_error e2 = {0};
  if (conf_get(s, &c, &e2) != L6_E_OK || c.is_hub) return svc__finish(s, L6_E_OK, err); /* no link, or the hub: nothing to send */
  e = list_kind(s, "out", "pending", svc__now_ms(s), TICK_BATCH, &due, err);
  if (e == L6_E_OK) e = list_kind(s, "upd", "pending", svc__now_ms(s), TICK_BATCH, &upd, err);
  /* updates travel as transfers do (hub, faults, retries); marked "_upd" */
  size_t ui;
  json_t *uo;
  json_array_foreach(e == L6_E_OK ? upd : NULL, ui, uo) {
    json_object_set_new(uo, "_upd", json_true());
    json_array_append(due, uo);
  }
  json_decref(upd);
  size_t n = json_array_size(due);
  link_peer *peers = calloc(n + 1, sizeof *peers), hub;
  bool *known = calloc(n + 1, sizeof *known);
  bool has_hub = false;
  if (e == L6_E_OK && (peers == NULL || known == NULL)) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && c.hub[0]) has_hub = peer_get(s, c.hub, &hub, &e2) == L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && i < n; i++)
    known[i] = peer_get(s, jstr(json_array_get(due, i), "to"), &peers[i], &e2) == L6_E_OK;
  e = svc__finish(s, e, err);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; e == L6_E_OK && i < n; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 > TICK_BUDGET_MS) break; /* the rest: next tick */
    const json_t *o = json_array_get(due, i);
    json_t *ans = NULL;
    char why[200] = "";
    if (!known[i]) snprintf(why, sizeof why, "peer %s is unknown", jstr(o, "to"));
    else if (c.hub[0] && !has_hub) snprintf(why, sizeof why, "hub %s is not a known peer", c.hub);
    else send_one(c.hub[0] ? &hub : &peers[i], &peers[i], c.hub[0] ? &hub : NULL, json_object_get(o, "envelope"), &ans, why);
    bool fin = false;
    l6_error e3 = {0};
    if (json_is_true(json_object_get(o, "_upd"))) finalise_update(s, jstr(o, "id"), ans, why, &e3);
    else if (finalise(s, jstr(o, "id"), ans, why, &fin, &e3) == L6_E_OK && fin) (*done)++;
    json_decref(ans);
  }
  free(peers);
  free(known);
  json_decref(due);
  if (e == L6_E_OK && qe != L6_E_OK) {
    *err = eq;
    e = qe;
  }
  return e;
}

/* ---- state and reconciliation ------------------------------------------------------------ */

typedef struct {
  l6_id esc, ext;
  json_t *batches; /* object: local batch id -> true */
} scan_ctx;

static int mark_batch(void *ctx, const void *row) {
  scan_ctx *k = ctx;
  const l6_block *b = row;
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)b->batch);
  json_object_set_new(k->batches, key, json_true());
  return 0;
}
static int mark_rmap(void *ctx, const void *row) {
  scan_ctx *k = ctx;
  const l6_link_rec *r = row;
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)strtoll(r->key, NULL, 10));
  json_object_set_new(k->batches, key, json_true());
  return 0;
}

typedef struct {
  l6_block *b;
  size_t n, cap;
} blocks_buf;
static int collect_block(void *ctx, const void *row) {
  blocks_buf *k = ctx;
  l6_block *nb = svc__grow(k->b, k->n, &k->cap, sizeof *k->b, 16);
  if (nb == NULL) return 1;
  k->b = nb;
  k->b[k->n++] = *(const l6_block *)row;
  return 0;
}
static int cmp_block(const void *a, const void *b) {
  const l6_block *x = a, *y = b;
  return x->first < y->first ? -1 : x->first > y->first;
}

static int collect_in_row(void *ctx, const void *row) {
  json_t *arr = ctx;
  const l6_link_rec *r = row;
  json_t *o = rec_json(r);
  if (o) json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", r->key, "peer", jstr(o, "peer"), "direction", "in", "state",
                                              strcmp(r->state, "accept") == 0 ? "accepted" : "rejected"));
  json_decref(o);
  return 0;
}
static int collect_out_row(void *ctx, const void *row) {
  json_t *arr = ctx;
  const l6_link_rec *r = row;
  json_t *o = rec_json(r);
  if (o) json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", r->key, "peer", jstr(o, "to"), "direction", "out",
                                              "state", r->state, "code",
                                              json_is_string(json_object_get(o, "code")) ? json_incref(json_object_get(o, "code")) : json_null()));
  json_decref(o);
  return 0;
}
static int collect_hub_row(void *ctx, const void *row) {
  json_t *arr = ctx;
  json_t *o = rec_json(row);
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(o, "holds"), i, h) {
    json_array_append_new(arr, json_pack("{s:s, s:I, s:O, s:O, s:O}", "origin", jstr(o, "origin"), "origin_batch",
                                         (json_int_t)jint(o, "origin_batch"), "first", json_array_get(h, 0), "last",
                                         json_array_get(h, 1), "holder", json_array_get(h, 2)));
  }
  json_decref(o);
  return 0;
}

/* ---- link logs (docs/LINKS.md, "Link log roots") ------------------------
 * The link log of this registry for a peer: the signed answers of every
 * finalised transfer between the two (the peer's answers to my proposals,
 * my answers to its proposals), ordered by transfer id; leaf i is the
 * canonical JSON (compact, sorted keys) of answer i's "message". Both
 * sides hold the same signed answers, so equal logs give equal RFC 6962
 * roots (src/core/merkle.c). */
static void log_leaf(json_t *logs, const char *peer, const json_t *am) {
  char *txt = canon(am);
  json_t *arr = json_object_get(logs, peer);
  if (arr == NULL) {
    arr = json_array();
    json_object_set_new(logs, peer, arr);
  }
  if (txt) json_array_append_new(arr, json_pack("{s:s, s:s}", "id", jstr(am, "in_reply_to"), "leaf", txt));
  free(txt);
}
static int log_out_row(void *ctx, const void *row) {
  const l6_link_rec *r = row;
  if (strcmp(r->state, "accepted") != 0 && strcmp(r->state, "rejected") != 0) return 0;
  json_t *o = rec_json(r);
  const json_t *am = json_object_get(json_object_get(o, "answer"), "message");
  /* a hub's refusal never reached the peer: not in the log of the pair */
  if (am && strcmp(jstr(am, "from"), jstr(o, "to")) == 0) log_leaf(ctx, jstr(o, "to"), am);
  json_decref(o);
  return 0;
}
static int log_in_row(void *ctx, const void *row) {
  json_t *o = rec_json(row);
  const json_t *am = json_object_get(json_object_get(o, "answer"), "message");
  if (am) log_leaf(ctx, jstr(o, "peer"), am);
  json_decref(o);
  return 0;
}
static int cmp_leaf(const void *a, const void *b) {
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  return strcmp(jstr(x, "id"), jstr(y, "id"));
}

/* [{"peer", "size", "root" (hex)}] by peer, from the per-peer leaves. */
static json_t *log_roots(const json_t *logs) {
  json_t *out = json_array();
  const char **peers = calloc(json_object_size(logs) + 1, sizeof *peers);
  size_t n = 0;
  const char *peer;
  json_t *arr;
  if (peers == NULL) return out;
  json_object_foreach((json_t *)logs, peer, arr) peers[n++] = peer;
  for (size_t i = 1; i < n; i++) /* few peers: insertion sort */
    for (size_t j = i; j > 0 && strcmp(peers[j - 1], peers[j]) > 0; j--) {
      const char *t = peers[j];
      peers[j] = peers[j - 1];
      peers[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) {
    arr = json_object_get(logs, peers[i]);
    size_t m = json_array_size(arr);
    json_t **v = calloc(m + 1, sizeof *v);
    for (size_t k = 0; k < m; k++) v[k] = json_array_get(arr, k);
    qsort(v, m, sizeof *v, cmp_leaf);
    merkle_frontier *f = malloc(sizeof *f);
    merkle_node done[MERKLE_MAX_PROOF];
    uint8_t leaf[MERKLE_HASH_BYTES], root[MERKLE_HASH_BYTES];
    char hex[2 * MERKLE_HASH_BYTES + 1];
    if (f) {
      merkle_frontier_init(f);
      for (size_t k = 0; k < m; k++) {
        const char *txt = jstr(v[k], "leaf");
        merkle_leaf_hash(txt, strlen(txt), leaf);
        merkle_frontier_push(f, leaf, done);
      }
      merkle_frontier_root(f, root);
      sodium_bin2hex(hex, sizeof hex, root, sizeof root);
      json_array_append_new(out, json_pack("{s:s, s:I, s:s}", "peer", peers[i], "size", (json_int_t)m, "root", hex));
    }
    free(f);
    free(v);
  }
  free(peers);
  return out;
}

/* The text the state document's log_signature signs: the registry, then
 * one line "PEER SIZE ROOT" per log. */
static char *log_text(const char *registry, const json_t *roots) {
  size_t cap = 16 + json_array_size(roots) * 96, i;
  char *t = malloc(cap);
  json_t *x;
  if (t == NULL) return NULL;
  size_t len = (size_t)snprintf(t, cap, "%s\n", registry);
  json_array_foreach(roots, i, x) {
    len += (size_t)snprintf(t + len, cap - len, "%.5s %lld %.64s\n", jstr(x, "peer"), (long long)jint(x, "size"), jstr(x, "root"));
  }
  return t;
}

/* Inside a transaction: the state document of docs/LINKS.md. */
static l6_err state_doc(l6_svc *s, json_t **out, l6_error *err) {
  link_conf c;
  l6_err e = conf_get(s, &c, err);
  if (e != L6_E_OK) return e;
  json_t *holdings = json_array(), *transfers = json_array();
  if (c.is_hub) {
    e = OPS->link_list(ST, "hub", "", -1, 0, collect_hub_row, holdings, err);
    if (e == L6_E_OK) e = OPS->link_list(ST, "in", "", -1, 0, collect_in_row, transfers, err);
  } else {
    l6_account esc, ext;
    scan_ctx k = {.batches = json_object()};
    e = link_account(s, c.registry, L6_ACCT_LINK_ESCROW, &esc, err);
    if (e == L6_E_OK) e = link_account(s, c.registry, L6_ACCT_LINK_EXTERNAL, &ext, err);
    if (e == L6_E_OK) e = OPS->blocks_of_account(ST, esc.id, 0, INT32_MAX, mark_batch, &k, err);
    if (e == L6_E_OK) e = OPS->blocks_of_account(ST, ext.id, 0, INT32_MAX, mark_batch, &k, err);
    if (e == L6_E_OK) e = OPS->link_list(ST, "rmap", "", -1, 0, mark_rmap, &k, err);
    if (e == L6_E_OK) e = OPS->link_list(ST, "sent", "", -1, 0, mark_rmap, &k, err);
    const char *key;
    json_t *v;
    json_object_foreach(e == L6_E_OK ? k.batches : NULL, key, v) {
      l6_batch b;
      char origin[6];
      int64_t obatch;
      blocks_buf bb = {0};
      e = OPS->batch_get(ST, strtoll(key, NULL, 10), &b, err);
      if (e == L6_E_OK) e = origin_of(s, &c, &b, origin, &obatch, err);
      if (e == L6_E_OK) e = OPS->blocks_of_batch(ST, b.id, collect_block, &bb, err);
      if (e == L6_E_OK) qsort(bb.b, bb.n, sizeof *bb.b, cmp_block);
      json_t *prev = NULL;
      for (size_t i = 0; e == L6_E_OK && i < bb.n; i++) {
        if (bb.b[i].account == ext.id) {
          prev = NULL;
          continue;
        }
        const char *where = bb.b[i].account == esc.id ? "escrow" : "here";
        if (prev && jint(prev, "last") + 1 == bb.b[i].first && strcmp(jstr(prev, "where"), where) == 0) {
          json_object_set_new(prev, "last", json_integer(bb.b[i].last));
          continue;
        }
        prev = json_pack("{s:s, s:I, s:I, s:I, s:s}", "origin", origin, "origin_batch", (json_int_t)obatch, "first",
                         (json_int_t)bb.b[i].first, "last", (json_int_t)bb.b[i].last, "where", where);
        json_array_append_new(holdings, prev);
      }
      free(bb.b);
      if (e != L6_E_OK) break;
    }
    json_decref(k.batches);
    if (e == L6_E_OK) e = OPS->link_list(ST, "out", "", -1, 0, collect_out_row, transfers, err);
    if (e == L6_E_OK) e = OPS->link_list(ST, "in", "", -1, 0, collect_in_row, transfers, err);
  }
  json_t *logs = json_object();
  if (e == L6_E_OK && !c.is_hub) e = OPS->link_list(ST, "out", "", -1, 0, log_out_row, logs, err);
  if (e == L6_E_OK && !c.is_hub) e = OPS->link_list(ST, "in", "", -1, 0, log_in_row, logs, err);
  json_t *roots = e == L6_E_OK ? log_roots(logs) : NULL;
  json_decref(logs);
  /* the version of every authorization that crossed (D07) */
  json_t *amap = json_object(), *auths = json_array();
  if (e == L6_E_OK && !c.is_hub) e = link_a6_auth_state(s, c.registry, amap, err);
  const char *aref;
  json_t *av;
  json_object_foreach(amap, aref, av) {
    json_array_append_new(auths, json_pack("{s:s, s:O, s:O}", "ref", aref, "version", json_object_get(av, "version"), "revoked",
                                           json_object_get(av, "revoked")));
  }
  json_decref(amap);
  if (e == L6_E_OK) {
    *out = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "registry", c.registry, "role", c.is_hub ? "hub" : "registry", "holdings",
                     holdings, "transfers", transfers, "link_logs", roots, "authorizations", auths);
    char *txt = log_text(c.registry, roots), hex[2 * crypto_sign_BYTES + 1];
    if (txt && sign_text(s, LOG_PREFIX, txt, hex)) json_object_set_new(*out, "log_signature", json_string(hex));
    free(txt);
  } else {
    json_decref(holdings);
    json_decref(transfers);
    json_decref(roots);
    json_decref(auths);
  }
  return e;
}

l6_err svc_link_state(l6_svc *s, const l6_actor *a, const char *from, const char *ms, const char *sig, json_t **out,
                      l6_error *err) {
  *out = NULL;
  l6_err e = L6_E_OK;
  bool signed_req = from && from[0];
  if (!signed_req) e = need(a, false, err);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  if (signed_req) {
    link_peer p;
    char txt[64];
    snprintf(txt, sizeof txt, "%s\n%s", from, ms ? ms : "");
    int64_t t = ms ? strtoll(ms, NULL, 10) : 0, now = svc__now_ms(s);
    e = peer_get(s, from, &p, err);
    if (e == L6_E_OK && (!verify_text(p.pk, STATE_PREFIX, txt, sig) || t < now - 300000 || t > now + 300000))
      e = l6_fail(err, L6_E_LINK_BAD_SIGNATURE, "the state request of %s is not signed now by its key", from);
  }
  if (e == L6_E_OK) e = state_doc(s, out, err);
  return svc__finish_out(s, e, out, err);
}

/* Ranges of holdings (origin, origin_batch) of one side, "where" any. */
static bool overlap(const json_t *x, const json_t *y) {
  return strcmp(jstr(x, "origin"), jstr(y, "origin")) == 0 && jint(x, "origin_batch") == jint(y, "origin_batch") &&
         jint(x, "first") <= jint(y, "last") && jint(y, "first") <= jint(x, "last");
}

static void diff(json_t *arr, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void diff(json_t *arr, const char *code, const char *fmt, ...) {
  char d[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d, sizeof d, fmt, ap);
  va_end(ap);
  json_array_append_new(arr, json_pack("{s:s, s:s}", "code", code, "detail", d));
}

static const json_t *find_transfer(const json_t *list, const char *id, const char *dir) {
  size_t i;
  json_t *t;
  json_array_foreach(list, i, t) {
    if (strcmp(jstr(t, "id"), id) == 0 && strcmp(jstr(t, "direction"), dir) == 0) return t;
  }
  return NULL;
}

/* Compares this side (mine) with a registry peer's (theirs). */
static const json_t *find_log(const json_t *doc, const char *peer) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(doc, "link_logs"), i, x) {
    if (strcmp(jstr(x, "peer"), peer) == 0) return x;
  }
  return NULL;
}

static void compare_registries(const json_t *mine, const json_t *theirs, json_t *d) {
  const char *me = jstr(mine, "registry"), *peer = jstr(theirs, "registry");
  size_t i, k, before = json_array_size(d);
  json_t *x, *y;
  json_array_foreach(json_object_get(mine, "holdings"), i, x) {
    json_array_foreach(json_object_get(theirs, "holdings"), k, y) {
      if (overlap(x, y))
        diff(d, "D01", "serials of batch %s/%lld (%lld-%lld here, %lld-%lld at %s) are held on both sides", jstr(x, "origin"),
             (long long)jint(x, "origin_batch"), (long long)jint(x, "first"), (long long)jint(x, "last"),
             (long long)jint(y, "first"), (long long)jint(y, "last"), peer);
    }
  }
  /* my transfers to the peer against its inbox, and its transfers to me against mine */
  for (int side = 0; side < 2; side++) {
    const json_t *snd = side ? theirs : mine, *rcv = side ? mine : theirs;
    const char *sname = side ? peer : me, *rname = side ? me : peer;
    json_array_foreach(json_object_get(snd, "transfers"), i, x) {
      if (strcmp(jstr(x, "direction"), "out") != 0 || strcmp(jstr(x, "peer"), rname) != 0) continue;
      const json_t *in = find_transfer(json_object_get(rcv, "transfers"), jstr(x, "id"), "in");
      const char *ss = jstr(x, "state"), *rs = in ? jstr(in, "state") : "none";
      if (strcmp(ss, "pending") == 0) {
        diff(d, "D02", "transfer %s from %s to %s is still pending at %s (%s at %s)", jstr(x, "id"), sname, rname, sname, rs, rname);
      } else if (strcmp(ss, "rejected") == 0 && in == NULL && jstr(x, "code")[0] == 'H') {
        continue; /* refused by the hub: the receiver never saw it */
      } else if (strcmp(ss, rs) != 0) {
        diff(d, strcmp(ss, "accepted") == 0 ? "D03" : "D04", "transfer %s from %s to %s is %s at %s but %s at %s", jstr(x, "id"),
             sname, rname, ss, sname, rs, rname);
      }
    }
  }
  /* the link logs of the pair: when ranges and states agree, both sides
   * hold the same signed answers, hence the same root (D06 otherwise) */
  if (json_array_size(d) == before) {
    const json_t *a = find_log(mine, peer), *b = find_log(theirs, me);
    int64_t na = a ? jint(a, "size") : 0, nb = b ? jint(b, "size") : 0;
    const char *ra = a ? jstr(a, "root") : "", *rb = b ? jstr(b, "root") : "";
    if (na != nb || (na > 0 && strcmp(ra, rb) != 0))
      diff(d, "D06", "the link logs differ: %lld answers with root %.16s... here, %lld with root %.16s... at %s", (long long)na,
           na ? ra : "(empty)", (long long)nb, nb ? rb : "(empty)", peer);
  }
  /* an authorization both sides know (the original and a copy, or two
   * copies) at different versions: an amendment or revocation not yet
   * delivered, or lost (D07) */
  json_array_foreach(json_object_get(mine, "authorizations"), i, x) {
    json_array_foreach(json_object_get(theirs, "authorizations"), k, y) {
      if (strcmp(jstr(x, "ref"), jstr(y, "ref")) == 0 && jint(x, "version") != jint(y, "version"))
        diff(d, "D07", "authorization %s is at version %lld here, %lld at %s", jstr(x, "ref"), (long long)jint(x, "version"),
             (long long)jint(y, "version"), peer);
    }
  }
}

/* Compares this registry's holdings with the hub's record of it. */
static void compare_hub(const json_t *mine, const json_t *hub, json_t *d) {
  const char *me = jstr(mine, "registry");
  size_t i, k;
  json_t *x, *y;
  /* every unit the hub says I hold, I hold (here or in escrow), and back */
  for (int side = 0; side < 2; side++) {
    const json_t *a = side ? json_object_get(hub, "holdings") : json_object_get(mine, "holdings");
    const json_t *b = side ? json_object_get(mine, "holdings") : json_object_get(hub, "holdings");
    json_array_foreach(a, i, x) {
      if (side && strcmp(jstr(x, "holder"), me) != 0) continue;
      int64_t covered = 0;
      bool known = false;
      json_array_foreach(b, k, y) {
        if (strcmp(jstr(x, "origin"), jstr(y, "origin")) || jint(x, "origin_batch") != jint(y, "origin_batch")) continue;
        known = true;
        if (!side && strcmp(jstr(y, "holder"), me) != 0) continue;
        if (!overlap(x, y)) continue;
        int64_t lo = jint(x, "first") > jint(y, "first") ? jint(x, "first") : jint(y, "first");
        int64_t hi = jint(x, "last") < jint(y, "last") ? jint(x, "last") : jint(y, "last");
        covered += hi - lo + 1;
      }
      if (!side && !known) continue; /* a batch that never passed through the hub */
      if (covered != jint(x, "last") - jint(x, "first") + 1)
        diff(d, "D05", "serials %lld-%lld of batch %s/%lld: %s", (long long)jint(x, "first"), (long long)jint(x, "last"),
             jstr(x, "origin"), (long long)jint(x, "origin_batch"),
             side ? "the hub's record says this registry holds them; it does not" : "held here but not by the hub's record");
    }
  }
}

l6_err svc_link_reconcile(l6_svc *s, const char *peer, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *mine = NULL;
  link_conf c;
  link_peer p;
  e = conf_get(s, &c, err);
  if (e == L6_E_OK) e = peer_get(s, peer, &p, err);
  if (e == L6_E_OK && !s->has_signer) e = l6_fail(err, L6_E_LINK_NOT_CONFIGURED, "reconciliation signs its request: load the key file");
  if (e == L6_E_OK) e = state_doc(s, &mine, err);
  char txt[64], sig[2 * crypto_sign_BYTES + 1] = "", ms[24];
  snprintf(ms, sizeof ms, "%lld", (long long)svc__now_ms(s));
  snprintf(txt, sizeof txt, "%s\n%s", c.registry, ms);
  if (e == L6_E_OK) sign_text(s, STATE_PREFIX, txt, sig);
  e = svc__finish(s, e, err);
  if (e != L6_E_OK) {
    json_decref(mine);
    return e;
  }
  char h1[64], h2[64], h3[200], url[600], *reply = NULL;
  snprintf(h1, sizeof h1, "X-L6-Link-From: %s", c.registry);
  snprintf(h2, sizeof h2, "X-L6-Link-Time: %s", ms);
  snprintf(h3, sizeof h3, "X-L6-Link-Signature: %s", sig);
  const char *hdr[] = {h1, h2, h3, NULL};
  snprintf(url, sizeof url, "%s/v1/link/state", p.url);
  long status = 0;
  e = link_http("GET", url, NULL, hdr, &status, &reply, err);
  json_error_t je;
  json_t *theirs = e == L6_E_OK && status == 200 ? json_loads(reply, 0, &je) : NULL;
  if (e == L6_E_OK && theirs == NULL) e = l6_fail(err, L6_E_LINK_PEER_UNREACHABLE, "%s answered HTTP %ld: %.200s", peer, status, reply);
  free(reply);
  if (e == L6_E_OK) { /* the peer's log roots are signed by its key */
    char *lt = log_text(jstr(theirs, "registry"), json_object_get(theirs, "link_logs"));
    if (strcmp(jstr(theirs, "registry"), peer) != 0 || lt == NULL ||
        !verify_text(p.pk, LOG_PREFIX, lt, json_string_value(json_object_get(theirs, "log_signature"))))
      e = l6_fail(err, L6_E_LINK_BAD_SIGNATURE, "the state document of %s is not signed by its key", peer);
    free(lt);
  }
  if (e == L6_E_OK) {
    json_t *d = json_array();
    if (strcmp(jstr(theirs, "role"), "hub") == 0) compare_hub(mine, theirs, d);
    else compare_registries(mine, theirs, d);
    *out = json_pack("{s:s, s:s, s:o}", "registry", c.registry, "peer", peer, "differences", d);
  }
  json_decref(theirs);
  json_decref(mine);
  return e;
}

/* The periodic job (serve --link-reconcile SECONDS): every peer of this
 * registry (other registries and its hub), one after another; each
 * comparison is svc_link_reconcile's. A peer that cannot be compared
 * (unreachable, ...) gets "error" instead of "differences". The hub
 * reconciles with nobody: the registries reconcile with it. */
l6_err svc_link_reconcile_all(l6_svc *s, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  link_conf c;
  json_t *peers = NULL;
  l6_error e2 = {0};
  bool linked = conf_get(s, &c, &e2) == L6_E_OK && !c.is_hub;
  if (linked) e = list_kind(s, "peer", "", -1, 0, &peers, err);
  e = svc__finish(s, e, err);
  if (e != L6_E_OK) {
    json_decref(peers);
    return e;
  }
  json_t *items = json_array();
  size_t i;
  json_t *p;
  json_array_foreach(peers, i, p) {
    json_t *r = NULL;
    l6_error e3 = {0};
    if (svc_link_reconcile(s, jstr(p, "registry"), &r, &e3) == L6_E_OK)
      json_array_append_new(items, json_pack("{s:s, s:O}", "peer", jstr(p, "registry"), "differences",
                                             json_object_get(r, "differences")));
    else
      json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "peer", jstr(p, "registry"), "error", l6_err_code(e3.code),
                                             "message", e3.message));
    json_decref(r);
  }
  json_decref(peers);
  *out = json_pack("{s:o}", "items", items);
  return L6_E_OK;
}
