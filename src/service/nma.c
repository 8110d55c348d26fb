/*
 * nma.c -- Article 6.8 non-market approaches (nma.h; docs/API.md, "Non-
 * market approaches"). Records are JSON bodies in the store's
 * nma_records (kind nma, offer, match); the workflows and the ranking
 * are the core's (src/core/nma.h). One transaction per call, like
 * service.c; checks before any write, so a refusal changes nothing.
 */
#include "nma.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/nma.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)
#define CFG_MAX 64 /* entries of one list of config/nma.json */

/* ---- config/nma.json ---------------------------------------------------- */

typedef struct {
  size_t n;
  char v[CFG_MAX][NMA_TAG_MAX];
} cfg_list;

static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static bool cfg_loaded;
static cfg_list focus_areas, support_types, instruments, sectors, regions, stakeholder_kinds, consent_required,
    nonoff_purposes;

static bool in_list(const cfg_list *l, const char *v) {
  for (size_t i = 0; v && i < l->n; i++)
    if (strcmp(l->v[i], v) == 0) return true;
  return false;
}

static l6_err bad_cfg(l6_error *err, const char *path, const char *key, const char *why) {
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: key %s: %s", path, key, why);
}

static l6_err load_list(json_t *root, const char *path, const char *key, cfg_list *out, l6_error *err) {
  json_t *arr = json_object_get(root, key);
  memset(out, 0, sizeof *out);
  if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > CFG_MAX)
    return bad_cfg(err, path, key, "must be a non-empty array of at most 64 names");
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    const char *v = json_string_value(it);
    if (v == NULL || !l6_valid_text(v, NMA_TAG_MAX - 1)) return bad_cfg(err, path, key, "entries must be short texts");
    if (in_list(out, v)) return bad_cfg(err, path, key, "entries must be distinct");
    snprintf(out->v[out->n++], NMA_TAG_MAX, "%s", v);
  }
  return L6_E_OK;
}

l6_err svc_nma_load(const char *dir, l6_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/nma.json", dir);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return L6_E_OK; /* optional */
  fclose(f);
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s:%d: %s", path, je.line, je.text);
  static const char *const keys[] = {"description", "focus_areas", "support_types", "instruments", "sectors",
                                     "regions", "stakeholder_kinds", "consent_required", "non_offsetting_purposes"};
  l6_err e = json_is_object(root) ? L6_E_OK : bad_cfg(err, path, "(top)", "must be an object");
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    bool ok = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) ok |= strcmp(k, keys[i]) == 0;
    if (!ok && e == L6_E_OK) e = bad_cfg(err, path, k, "unknown key");
  }
  pthread_mutex_lock(&cfg_mu);
  if (e == L6_E_OK) e = load_list(root, path, "focus_areas", &focus_areas, err);
  if (e == L6_E_OK) e = load_list(root, path, "support_types", &support_types, err);
  for (size_t i = 0; e == L6_E_OK && i < support_types.n; i++)
    if (nma_support_from_str(support_types.v[i]) == NMA_SUPPORT__NONE)
      e = bad_cfg(err, path, "support_types", "entries must be finance, technology or capacity-building");
  if (e == L6_E_OK) e = load_list(root, path, "instruments", &instruments, err);
  if (e == L6_E_OK) e = load_list(root, path, "sectors", &sectors, err);
  if (e == L6_E_OK) e = load_list(root, path, "regions", &regions, err);
  if (e == L6_E_OK) e = load_list(root, path, "stakeholder_kinds", &stakeholder_kinds, err);
  if (e == L6_E_OK) e = load_list(root, path, "consent_required", &consent_required, err);
  for (size_t i = 0; e == L6_E_OK && i < consent_required.n; i++)
    if (!in_list(&stakeholder_kinds, consent_required.v[i]))
      e = bad_cfg(err, path, "consent_required", "entries must be stakeholder kinds");
  if (e == L6_E_OK) e = load_list(root, path, "non_offsetting_purposes", &nonoff_purposes, err);
  cfg_loaded = e == L6_E_OK;
  pthread_mutex_unlock(&cfg_mu);
  json_decref(root);
  return e;
}

static l6_err need_cfg(l6_error *err) {
  return cfg_loaded ? L6_E_OK : l6_fail(err, L6_E_INVALID_CONFIG, "config/nma.json is not loaded");
}

/* ---- non-offsetting purposes (the unit types' rule is nonoff.c's) ---------- */

bool svc__non_offsetting_purpose(const char *purpose) {
  pthread_mutex_lock(&cfg_mu);
  bool ok = cfg_loaded ? in_list(&nonoff_purposes, purpose) : strcmp(purpose, "adaptation") == 0;
  pthread_mutex_unlock(&cfg_mu);
  return ok;
}

/* ---- strict JSON input ----------------------------------------------- */

static l6_err only_keys(const json_t *o, const char *where, const char *const *keys, size_t n, l6_error *err) {
  if (!json_is_object(o)) return l6_fail(err, L6_E_WRONG_TYPE, "%s must be an object", where);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    bool ok = false;
    for (size_t i = 0; i < n; i++) ok |= strcmp(k, keys[i]) == 0;
    if (!ok) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s' in %s", k, where);
  }
  return L6_E_OK;
}
#define ONLY_KEYS(o, where, ...)                                                                       \
  only_keys(o, where, (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / \
                                                           sizeof(const char *), err)

/* A text field: required or not, 1..max bytes of valid text. */
static l6_err get_text(const json_t *o, const char *key, bool required, size_t max, const char **out, l6_error *err) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (v == NULL || json_is_null(v))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key) : L6_E_OK;
  if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be a string", key);
  if (!l6_valid_text(json_string_value(v), max))
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be printable text of 1 to %zu bytes", key, max);
  *out = json_string_value(v);
  return L6_E_OK;
}

static l6_err get_tag(const json_t *o, const char *key, bool required, const cfg_list *l, const char *lname,
                      const char **out, l6_error *err) {
  l6_err e = get_text(o, key, required, NMA_TAG_MAX - 1, out, err);
  if (e == L6_E_OK && *out && !in_list(l, *out))
    e = l6_fail(err, L6_E_INVALID_VALUE, "field '%s': '%s' is not in the %s of config/nma.json", key, *out, lname);
  return e;
}

static l6_err get_amount(const json_t *o, const char *key, bool required, int64_t *out, l6_error *err) {
  json_t *v = json_object_get(o, key);
  *out = 0;
  if (v == NULL || json_is_null(v))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key) : L6_E_OK;
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer (minor units)", key);
  *out = json_integer_value(v);
  if (*out <= 0 || *out > L6_MAX_QUANTITY * 1000)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "field '%s' must be from 1 to %lld (minor units)", key,
                   (long long)L6_MAX_QUANTITY * 1000);
  return L6_E_OK;
}

static bool valid_currency(const char *c) {
  return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) &&
         isupper((unsigned char)c[2]);
}

static bool valid_sha256(const char *h) {
  if (h == NULL || strlen(h) != 64) return false;
  for (const char *p = h; *p; p++)
    if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f')) return false;
  return true;
}

static bool json_array_contains_str(const json_t *arr, const char *v) {
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) if (json_is_string(it) && strcmp(json_string_value(it), v) == 0) return true;
  return false;
}

/* An optional array of at most L6_NMA_MAX_LIST items. */
static l6_err get_array(const json_t *o, const char *key, bool required, json_t **out, l6_error *err) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (v == NULL || json_is_null(v))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key) : L6_E_OK;
  if (!json_is_array(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array", key);
  if (required && json_array_size(v) == 0) return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must not be empty", key);
  if (json_array_size(v) > L6_NMA_MAX_LIST)
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' has more than %d entries", key, L6_NMA_MAX_LIST);
  *out = v;
  return L6_E_OK;
}

/* An array of distinct names from a config list, copied to a new array. */
static l6_err get_tags(const json_t *o, const char *key, bool required, const cfg_list *l, const char *lname,
                       json_t **out, l6_error *err) {
  json_t *arr;
  *out = NULL;
  l6_err e = get_array(o, key, required, &arr, err);
  if (e != L6_E_OK) return e;
  *out = json_array();
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    const char *v = json_string_value(it);
    if (v == NULL) e = l6_fail(err, L6_E_WRONG_TYPE, "%s[%zu] must be a string", key, i);
    else if (!in_list(l, v))
      e = l6_fail(err, L6_E_INVALID_VALUE, "%s[%zu]: '%.60s' is not in the %s of config/nma.json", key, i, v, lname);
    for (size_t k = 0; e == L6_E_OK && k < i; k++)
      if (json_equal(json_array_get(arr, k), it)) e = l6_fail(err, L6_E_INVALID_VALUE, "%s[%zu] is listed twice", key, i);
    if (e != L6_E_OK) break;
    json_array_append(*out, it);
  }
  if (e != L6_E_OK) {
    json_decref(*out);
    *out = NULL;
  }
  return e;
}

/* ---- roles ------------------------------------------------------------ */

static l6_err org_party(l6_svc *s, l6_id org, char party[4], l6_error *err) {
  l6_org o;
  l6_registry r;
  l6_err e = OPS->org_get(ST, org, &o, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, o.registry, &r, err);
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  return e;
}

/* The focal point of `party`: its authority. */
static l6_err need_focal_point(l6_svc *s, const l6_actor *a, const char *party, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "only the focal point (authority) of %s may do this, not role %s", party,
                   l6_role_str(a->role));
  char p[4];
  l6_err e = org_party(s, a->org, p, err);
  if (e == L6_E_OK && strcmp(p, party) != 0)
    e = l6_fail(err, L6_E_NOT_FOCAL_POINT, "the focal point of %s may not act for %s", p, party);
  return e;
}

static bool is_focal_point_of(l6_svc *s, const l6_actor *a, const char *party) {
  l6_error ignore;
  char p[4];
  return a->role == L6_ROLE_AUTHORITY && org_party(s, a->org, p, &ignore) == L6_E_OK && strcmp(p, party) == 0;
}

static bool reads_all(const l6_actor *a) {
  return a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR || a->role == L6_ROLE_MECHANISM_ADMIN;
}

/* ---- records ---------------------------------------------------------- */

static json_t *rec_view(const l6_nma_rec *r) {
  json_t *v = json_loads(r->body, 0, NULL);
  if (v == NULL) return NULL;
  json_object_set_new(v, "id", json_integer(r->id));
  json_object_set_new(v, "status", json_string(r->status));
  return v;
}

/* Writes body (without id and status) into r; INVALID_VALUE when too long. */
static l6_err rec_set_body(l6_nma_rec *r, json_t *body, l6_error *err) {
  json_object_del(body, "id");
  json_object_del(body, "status");
  char *t = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  if (t == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t n = strlen(t);
  l6_err e = L6_E_OK;
  if (n > L6_NMA_BODY_MAX) e = l6_fail(err, L6_E_INVALID_VALUE, "the record is longer than %d bytes", L6_NMA_BODY_MAX);
  else memcpy(r->body, t, n + 1);
  free(t);
  return e;
}

static l6_err rec_get(l6_svc *s, const char *kind, l6_id id, l6_nma_rec *out, l6_error *err) {
  l6_err e = OPS->nma_get(ST, kind, id, out, err);
  if (e == L6_E_NOT_FOUND) {
    l6_err code = strcmp(kind, "nma") == 0 ? L6_E_UNKNOWN_NMA : strcmp(kind, "offer") == 0 ? L6_E_UNKNOWN_OFFER
                                                                                           : L6_E_UNKNOWN_MATCH;
    e = l6_fail(err, code, "no %s has id %lld", kind, (long long)id);
  }
  return e;
}

static void add_history(json_t *body, const char *step, const l6_actor *a, l6_svc *s) {
  char ts[32];
  svc__timestamp(s, ts);
  json_t *h = json_object_get(body, "history");
  if (!json_is_array(h)) {
    h = json_array();
    json_object_set_new(body, "history", h);
  }
  json_array_append_new(h, json_pack("{s:s, s:s, s:s}", "step", step, "actor", a->name, "ts", ts));
}

/* ---- NMAs ------------------------------------------------------------- */

static l6_err check_party(l6_svc *s, const char *p, const char *key, l6_error *err) {
  l6_party x;
  if (!l6_valid_alpha3(p)) return l6_fail(err, L6_E_INVALID_VALUE, "%s must be an ISO alpha-3 code", key);
  l6_err e = OPS->party_get(ST, p, &x, err);
  if (e == L6_E_UNKNOWN_PARTY) l6_fail(err, e, "%s: no Party %s", key, p);
  return e;
}

/* Validates an NMA request into a canonical body. */
static l6_err nma_body(l6_svc *s, const json_t *in, json_t **body, l6_error *err) {
  l6_err e = ONLY_KEYS(in, "the NMA", "party", "title", "description", "kind", "parties", "region", "focus_areas",
                       "needs", "safeguards", "stakeholders", "ndc_priorities", "documents");
  const char *party = NULL, *title = NULL, *desc = NULL, *kind = NULL, *region = NULL;
  json_t *fa = NULL, *parties = NULL, *needs = NULL, *safeguards = NULL, *stakeholders = NULL, *prios = NULL,
         *docs = NULL;
  if (e == L6_E_OK) e = get_text(in, "party", true, 3, &party, err);
  if (e == L6_E_OK) e = get_text(in, "title", true, L6_NAME_MAX, &title, err);
  if (e == L6_E_OK) e = get_text(in, "description", false, L6_TEXT_MAX, &desc, err);
  if (e == L6_E_OK) e = get_text(in, "kind", true, 16, &kind, err);
  if (e == L6_E_OK && strcmp(kind, "single-party") != 0 && strcmp(kind, "multi-party") != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "kind must be single-party or multi-party");
  if (e == L6_E_OK) e = get_tag(in, "region", true, &regions, "regions", &region, err);
  if (e == L6_E_OK) e = get_tags(in, "focus_areas", true, &focus_areas, "focus areas", &fa, err);
  if (e == L6_E_OK) e = get_array(in, "parties", false, &parties, err);
  if (e == L6_E_OK) e = get_array(in, "needs", true, &needs, err);
  if (e == L6_E_OK) e = get_array(in, "safeguards", false, &safeguards, err);
  if (e == L6_E_OK) e = get_array(in, "stakeholders", false, &stakeholders, err);
  if (e == L6_E_OK) e = get_array(in, "ndc_priorities", false, &prios, err);
  if (e == L6_E_OK) e = get_array(in, "documents", false, &docs, err);
  if (e == L6_E_OK) e = check_party(s, party, "party", err);
  json_t *b = json_object();
  json_t *ps = json_array(), *ns = json_array(), *ss = json_array(), *sk = json_array(), *pr = json_array(),
         *ds = json_array();
  size_t i;
  json_t *it;
  if (e == L6_E_OK) {
    json_array_foreach(parties, i, it) {
      const char *p = json_string_value(it);
      if (p == NULL) e = l6_fail(err, L6_E_WRONG_TYPE, "parties[%zu] must be a string", i);
      else if (strcmp(p, party) == 0) e = l6_fail(err, L6_E_INVALID_VALUE, "parties[%zu] is the NMA's own Party", i);
      else e = check_party(s, p, "parties", err);
      if (e != L6_E_OK) break;
      json_array_append(ps, it);
    }
  }
  if (e == L6_E_OK && strcmp(kind, "multi-party") == 0 && json_array_size(ps) == 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "a multi-party NMA lists the other Parties in 'parties'");
  if (e == L6_E_OK && strcmp(kind, "single-party") == 0 && json_array_size(ps) > 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "a single-party NMA lists no other Parties");
  if (e == L6_E_OK) {
    json_array_foreach(needs, i, it) {
      const char *type, *area, *sector, *cur, *d;
      int64_t amount;
      char where[32];
      snprintf(where, sizeof where, "needs[%zu]", i);
      e = ONLY_KEYS(it, where, "type", "focus_area", "sector", "amount", "currency", "description", "party");
      if (e == L6_E_OK) e = get_tag(it, "type", true, &support_types, "support types", &type, err);
      if (e == L6_E_OK) e = get_tag(it, "focus_area", true, &focus_areas, "focus areas", &area, err);
      if (e == L6_E_OK && !json_array_contains_str(fa, area))
        e = l6_fail(err, L6_E_INVALID_VALUE, "%s: focus_area '%s' is not one of the NMA's focus_areas", where, area);
      if (e == L6_E_OK) e = get_tag(it, "sector", true, &sectors, "sectors", &sector, err);
      if (e == L6_E_OK) e = get_amount(it, "amount", true, &amount, err);
      if (e == L6_E_OK) e = get_text(it, "currency", true, 3, &cur, err);
      if (e == L6_E_OK && !valid_currency(cur))
        e = l6_fail(err, L6_E_INVALID_VALUE, "%s: currency must be an ISO 4217 code", where);
      if (e == L6_E_OK) e = get_text(it, "description", false, L6_NAME_MAX, &d, err);
      /* Whose need it is, in a multi-party NMA: the NMA's Party (the one
       * that leads it, the default) or one of its other Parties. The
       * support totals count the need, and the pledges to it, under that
       * Party (issue 21: a Japan-led NMA's needs of Uganda were Japan's). */
      const char *np = NULL;
      if (e == L6_E_OK) e = get_text(it, "party", false, 3, &np, err);
      if (e == L6_E_OK && np && strcmp(np, party) != 0 && !json_array_contains_str(ps, np))
        e = l6_fail(err, L6_E_INVALID_VALUE, "%s: party '%s' is neither the NMA's Party nor one of its parties", where, np);
      if (e != L6_E_OK) break;
      json_t *n = json_pack("{s:s, s:s, s:s, s:I, s:s}", "type", type, "focus_area", area, "sector", sector, "amount",
                            (json_int_t)amount, "currency", cur);
      if (d) json_object_set_new(n, "description", json_string(d));
      if (np) json_object_set_new(n, "party", json_string(np));
      json_array_append_new(ns, n);
    }
  }
  json_t *texts[2][2] = {{safeguards, ss}, {prios, pr}};
  for (int t = 0; t < 2 && e == L6_E_OK; t++) {
    json_array_foreach(texts[t][0], i, it) {
      if (!json_is_string(it) || !l6_valid_text(json_string_value(it), L6_NAME_MAX)) {
        e = l6_fail(err, L6_E_INVALID_VALUE, "%s[%zu] must be a text of 1 to %d bytes",
                    t == 0 ? "safeguards" : "ndc_priorities", i, L6_NAME_MAX);
        break;
      }
      json_array_append(texts[t][1], it);
    }
  }
  if (e == L6_E_OK) {
    json_array_foreach(stakeholders, i, it) {
      const char *name, *k;
      char where[40];
      snprintf(where, sizeof where, "stakeholders[%zu]", i);
      e = ONLY_KEYS(it, where, "name", "kind", "consent");
      if (e == L6_E_OK) e = get_text(it, "name", true, L6_NAME_MAX, &name, err);
      if (e == L6_E_OK) e = get_tag(it, "kind", true, &stakeholder_kinds, "stakeholder kinds", &k, err);
      json_t *c = json_object_get(it, "consent");
      const char *date = NULL, *hash = NULL;
      if (e == L6_E_OK && c && !json_is_null(c)) {
        e = ONLY_KEYS(c, "consent", "date", "sha256");
        if (e == L6_E_OK) e = get_text(c, "date", true, 10, &date, err);
        if (e == L6_E_OK) e = get_text(c, "sha256", true, 64, &hash, err);
        if (e == L6_E_OK && (!l6_valid_date(date) || !valid_sha256(hash)))
          e = l6_fail(err, L6_E_INVALID_VALUE, "%s: consent needs a date YYYY-MM-DD and a lower-case hex sha256", where);
      }
      if (e != L6_E_OK) break;
      json_t *x = json_pack("{s:s, s:s}", "name", name, "kind", k);
      if (date) json_object_set_new(x, "consent", json_pack("{s:s, s:s}", "date", date, "sha256", hash));
      json_array_append_new(sk, x);
    }
  }
  if (e == L6_E_OK) {
    json_array_foreach(docs, i, it) {
      const char *type, *hash;
      e = ONLY_KEYS(it, "documents[]", "type", "sha256");
      if (e == L6_E_OK) e = get_text(it, "type", true, L6_NAME_MAX, &type, err);
      if (e == L6_E_OK) e = get_text(it, "sha256", true, 64, &hash, err);
      if (e == L6_E_OK && !valid_sha256(hash))
        e = l6_fail(err, L6_E_INVALID_VALUE, "documents[%zu]: sha256 must be 64 lower-case hex digits", i);
      if (e != L6_E_OK) break;
      json_array_append_new(ds, json_pack("{s:s, s:s}", "type", type, "sha256", hash));
    }
  }
  if (e == L6_E_OK) {
    json_object_set_new(b, "party", json_string(party));
    json_object_set_new(b, "title", json_string(title));
    if (desc) json_object_set_new(b, "description", json_string(desc));
    json_object_set_new(b, "kind", json_string(kind));
    json_object_set_new(b, "region", json_string(region));
    json_object_set(b, "focus_areas", fa);
    json_object_set(b, "parties", ps);
    json_object_set(b, "needs", ns);
    json_object_set(b, "safeguards", ss);
    json_object_set(b, "stakeholders", sk);
    json_object_set(b, "ndc_priorities", pr);
    json_object_set(b, "documents", ds);
    *body = json_incref(b);
  }
  json_decref(fa);
  json_decref(ps);
  json_decref(ns);
  json_decref(ss);
  json_decref(sk);
  json_decref(pr);
  json_decref(ds);
  json_decref(b);
  return e;
}

l6_err svc_nma_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_cfg(err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  json_t *body = NULL;
  e = nma_body(s, in, &body, err);
  l6_nma_rec *r = calloc(1, sizeof *r);
  if (r == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = need_focal_point(s, a, json_string_value(json_object_get(body, "party")), err);
  if (e == L6_E_OK) {
    snprintf(r->kind, sizeof r->kind, "nma");
    snprintf(r->party, sizeof r->party, "%s", json_string_value(json_object_get(body, "party")));
    snprintf(r->status, sizeof r->status, "%s", nma_state_str(NMA_DRAFT));
    add_history(body, "create", a, s);
    e = rec_set_body(r, body, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, r, err);
  if (e == L6_E_OK) *out = rec_view(r);
  json_decref(body);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* The stakeholders whose kind needs consent and who have none: the first
 * one's name in *who (NULL when all have it). */
static const char *consent_gap(const json_t *body) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(body, "stakeholders"), i, it) {
    if (in_list(&consent_required, json_string_value(json_object_get(it, "kind"))) && !json_object_get(it, "consent"))
      return json_string_value(json_object_get(it, "name"));
  }
  return NULL;
}

l6_err svc_nma_step(l6_svc *s, const l6_actor *a, l6_id id, const char *step, json_t **out, l6_error *err) {
  *out = NULL;
  nma_step st = strcmp(step, "submit") == 0    ? NMA_STEP_SUBMIT
                : strcmp(step, "publish") == 0 ? NMA_STEP_PUBLISH
                : strcmp(step, "withdraw") == 0 ? NMA_STEP_WITHDRAW
                                                : 0;
  if (st == 0) return l6_fail(err, L6_E_INVALID_VALUE, "step must be submit, publish or withdraw");
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r);
  json_t *body = NULL;
  e = r ? rec_get(s, "nma", id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    if (st == NMA_STEP_PUBLISH) {
      if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_MECHANISM_ADMIN)
        e = l6_fail(err, L6_E_FORBIDDEN, "the platform's secretariat (mechanism-admin) publishes NMAs, not role %s",
                    l6_role_str(a->role));
    } else e = need_focal_point(s, a, r->party, err);
  }
  nma_state next = NMA_ST__NONE;
  if (e == L6_E_OK) {
    next = nma_next(nma_state_from_str(r->status), st);
    if (next == NMA_ST__NONE) {
      e = l6_fail(err, L6_E_WRONG_STATE, "NMA %lld is %s; %s is not possible", (long long)id, r->status, step);
      snprintf(err->expected, sizeof err->expected, "%s",
               st == NMA_STEP_SUBMIT ? "draft" : st == NMA_STEP_PUBLISH ? "submitted" : "draft|submitted|published");
    }
  }
  if (e == L6_E_OK && (body = json_loads(r->body, 0, NULL)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "bad NMA record");
  const char *who;
  if (e == L6_E_OK && st == NMA_STEP_SUBMIT && (who = consent_gap(body)) != NULL)
    e = l6_fail(err, L6_E_CONSENT_MISSING, "stakeholder '%s' has no record of free, prior and informed consent", who);
  if (e == L6_E_OK) {
    add_history(body, step, a, s);
    snprintf(r->status, sizeof r->status, "%s", nma_state_str(next));
    e = rec_set_body(r, body, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, r, err);
  if (e == L6_E_OK) *out = rec_view(r);
  json_decref(body);
  free(r);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_nma_consent(l6_svc *s, const l6_actor *a, l6_id id, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  const char *name, *date, *hash;
  l6_err e = ONLY_KEYS(in, "the consent", "stakeholder", "date", "sha256");
  if (e == L6_E_OK) e = get_text(in, "stakeholder", true, L6_NAME_MAX, &name, err);
  if (e == L6_E_OK) e = get_text(in, "date", true, 10, &date, err);
  if (e == L6_E_OK) e = get_text(in, "sha256", true, 64, &hash, err);
  if (e == L6_E_OK && (!l6_valid_date(date) || !valid_sha256(hash)))
    e = l6_fail(err, L6_E_INVALID_VALUE, "consent needs a date YYYY-MM-DD and a lower-case hex sha256");
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r);
  json_t *body = NULL;
  e = r ? rec_get(s, "nma", id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = need_focal_point(s, a, r->party, err);
  if (e == L6_E_OK && nma_state_from_str(r->status) != NMA_DRAFT) {
    e = l6_fail(err, L6_E_WRONG_STATE, "NMA %lld is %s; consent is recorded on a draft", (long long)id, r->status);
    snprintf(err->expected, sizeof err->expected, "draft");
  }
  if (e == L6_E_OK && (body = json_loads(r->body, 0, NULL)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "bad NMA record");
  json_t *who = NULL;
  if (e == L6_E_OK) {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(body, "stakeholders"), i, it) {
      if (strcmp(json_string_value(json_object_get(it, "name")), name) == 0) who = it;
    }
    if (who == NULL) e = l6_fail(err, L6_E_INVALID_VALUE, "the NMA has no stakeholder '%s'", name);
  }
  if (e == L6_E_OK) {
    json_object_set_new(who, "consent", json_pack("{s:s, s:s}", "date", date, "sha256", hash));
    add_history(body, "consent", a, s);
    e = rec_set_body(r, body, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, r, err);
  if (e == L6_E_OK) *out = rec_view(r);
  json_decref(body);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* May a see this NMA? Published and withdrawn ones are public. */
static bool nma_visible(l6_svc *s, const l6_actor *a, const l6_nma_rec *r) {
  nma_state st = nma_state_from_str(r->status);
  return st == NMA_PUBLISHED || st == NMA_WITHDRAWN || reads_all(a) || is_focal_point_of(s, a, r->party);
}

l6_err svc_nma_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r);
  e = r ? rec_get(s, "nma", id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && !nma_visible(s, a, r)) e = l6_fail(err, L6_E_UNKNOWN_NMA, "no nma has id %lld", (long long)id);
  if (e == L6_E_OK) *out = rec_view(r);
  free(r);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  l6_svc *s;
  const l6_actor *a;
  json_t *items;
} list_ctx;

static int nma_row(void *ctx, const void *row) {
  list_ctx *c = ctx;
  const l6_nma_rec *r = row;
  if (nma_visible(c->s, c->a, r)) json_array_append_new(c->items, rec_view(r));
  return 0;
}

l6_err svc_nma_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  list_ctx c = {s, a, json_array()};
  e = OPS->nma_list(ST, "nma", party ? party : "", nma_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "items", c.items);
  else json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}

/* ---- offers ----------------------------------------------------------- */

static l6_err offer_body(l6_svc *s, const l6_actor *a, const json_t *in, json_t **body, char party[4],
                         l6_error *err) {
  l6_err e = ONLY_KEYS(in, "the offer", "org", "title", "type", "instrument", "amount", "currency", "sectors",
                       "regions", "description");
  const char *title, *type, *instr, *cur = NULL, *desc;
  int64_t amount = 0, org = 0;
  json_t *sec = NULL, *reg = NULL;
  if (e == L6_E_OK) e = get_text(in, "title", true, L6_NAME_MAX, &title, err);
  if (e == L6_E_OK) e = get_tag(in, "type", true, &support_types, "support types", &type, err);
  if (e == L6_E_OK) e = get_tag(in, "instrument", false, &instruments, "instruments", &instr, err);
  if (e == L6_E_OK && strcmp(type, "finance") == 0 && instr == NULL)
    e = l6_fail(err, L6_E_MISSING_FIELD, "a finance offer names its instrument (grant, loan, guarantee)");
  if (e == L6_E_OK && strcmp(type, "finance") != 0 && instr != NULL)
    e = l6_fail(err, L6_E_INVALID_VALUE, "only a finance offer has an instrument");
  if (e == L6_E_OK) e = get_amount(in, "amount", strcmp(type, "finance") == 0, &amount, err);
  if (e == L6_E_OK) e = get_text(in, "currency", amount > 0, 3, &cur, err);
  if (e == L6_E_OK && amount > 0 && !valid_currency(cur))
    e = l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code");
  if (e == L6_E_OK && amount == 0 && cur) e = l6_fail(err, L6_E_INVALID_VALUE, "a currency goes with an amount");
  if (e == L6_E_OK) e = get_text(in, "description", false, L6_TEXT_MAX, &desc, err);
  if (e == L6_E_OK) e = get_tags(in, "sectors", true, &sectors, "sectors", &sec, err);
  if (e == L6_E_OK) e = get_tags(in, "regions", true, &regions, "regions", &reg, err);
  json_t *o = json_object_get(in, "org");
  if (e == L6_E_OK && o && !json_is_integer(o)) e = l6_fail(err, L6_E_WRONG_TYPE, "field 'org' must be an integer");
  if (e == L6_E_OK) org = o ? json_integer_value(o) : 0;
  /* Roles: a holder offers for its own organisation; admin names one. */
  if (e == L6_E_OK) {
    if (a->role == L6_ROLE__NONE) e = l6_fail(err, L6_E_UNAUTHORIZED, NULL);
    else if (a->role == L6_ROLE_HOLDER) {
      if (org && org != a->org) e = l6_fail(err, L6_E_FORBIDDEN, "a holder offers support of its own organisation");
      org = a->org;
    } else if (a->role == L6_ROLE_ADMIN) {
      if (org <= 0) e = l6_fail(err, L6_E_MISSING_FIELD, "field 'org' (the support provider) is required");
    } else e = l6_fail(err, L6_E_FORBIDDEN, "role %s may not offer support", l6_role_str(a->role));
  }
  if (e == L6_E_OK) e = org_party(s, org, party, err);
  if (e == L6_E_OK) {
    *body = json_pack("{s:I, s:s, s:s, s:O, s:O}", "org", (json_int_t)org, "title", title, "type", type, "sectors",
                      sec, "regions", reg);
    if (instr) json_object_set_new(*body, "instrument", json_string(instr));
    if (amount > 0) {
      json_object_set_new(*body, "amount", json_integer(amount));
      json_object_set_new(*body, "currency", json_string(cur));
    }
    if (desc) json_object_set_new(*body, "description", json_string(desc));
  }
  json_decref(sec);
  json_decref(reg);
  return e;
}

l6_err svc_offer_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_cfg(err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  json_t *body = NULL;
  l6_nma_rec *r = calloc(1, sizeof *r);
  e = r ? offer_body(s, a, in, &body, r->party, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    snprintf(r->kind, sizeof r->kind, "offer");
    snprintf(r->status, sizeof r->status, "open");
    add_history(body, "offer", a, s);
    e = rec_set_body(r, body, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, r, err);
  if (e == L6_E_OK) *out = rec_view(r);
  json_decref(body);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* One public record of kind (an offer or a match) as JSON. */
static l6_err public_get(l6_svc *s, const char *kind, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r);
  e = r ? rec_get(s, kind, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) *out = rec_view(r);
  free(r);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_offer_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  return public_get(s, "offer", id, out, err);
}

static int all_row(void *ctx, const void *row) {
  list_ctx *c = ctx;
  json_array_append_new(c->items, rec_view(row));
  return 0;
}

l6_err svc_offer_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  list_ctx c = {s, a, json_array()};
  e = OPS->nma_list(ST, "offer", "", all_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "items", c.items);
  else json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}

/* ---- ranking ------------------------------------------------------------ */

static void need_of(const json_t *n, nma_need *out) {
  memset(out, 0, sizeof *out);
  out->type = nma_support_from_str(json_string_value(json_object_get(n, "type")));
  snprintf(out->sector, sizeof out->sector, "%s", json_string_value(json_object_get(n, "sector")));
  out->amount = json_integer_value(json_object_get(n, "amount"));
  snprintf(out->currency, sizeof out->currency, "%s", json_string_value(json_object_get(n, "currency")));
}

static void offer_of(l6_id id, const json_t *o, nma_offer *out) {
  memset(out, 0, sizeof *out);
  out->id = id;
  out->type = nma_support_from_str(json_string_value(json_object_get(o, "type")));
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(o, "sectors"), i, it) if (out->nsectors < L6_NMA_MAX_LIST)
      snprintf(out->sectors[out->nsectors++], NMA_TAG_MAX, "%s", json_string_value(it));
  json_array_foreach(json_object_get(o, "regions"), i, it) if (out->nregions < L6_NMA_MAX_LIST)
      snprintf(out->regions[out->nregions++], NMA_TAG_MAX, "%s", json_string_value(it));
  out->amount = json_integer_value(json_object_get(o, "amount"));
  const char *c = json_string_value(json_object_get(o, "currency"));
  snprintf(out->currency, sizeof out->currency, "%s", c ? c : "");
}

typedef struct {
  nma_offer *offers;
  json_t *views;
  size_t n;
} offer_buf;

static int offer_row(void *ctx, const void *row) {
  offer_buf *b = ctx;
  const l6_nma_rec *r = row;
  if (strcmp(r->status, "open") != 0 || b->n >= L6_NMA_MAX_OFFERS) return 0;
  json_t *v = rec_view(r);
  if (v == NULL) return 0;
  offer_of(r->id, v, &b->offers[b->n++]);
  json_array_append_new(b->views, v);
  return 0;
}

l6_err svc_nma_ranking(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r);
  offer_buf b = {calloc(L6_NMA_MAX_OFFERS, sizeof(nma_offer)), json_array(), 0};
  nma_rank *ranks = calloc(L6_NMA_MAX_OFFERS, sizeof *ranks);
  json_t *body = NULL;
  e = r && b.offers && ranks ? rec_get(s, "nma", id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && !nma_visible(s, a, r)) e = l6_fail(err, L6_E_UNKNOWN_NMA, "no nma has id %lld", (long long)id);
  if (e == L6_E_OK && (body = json_loads(r->body, 0, NULL)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "bad NMA record");
  if (e == L6_E_OK) e = OPS->nma_list(ST, "offer", "", offer_row, &b, err);
  if (e == L6_E_OK) {
    json_t *needs = json_object_get(body, "needs");
    nma_need nd[L6_NMA_MAX_LIST];
    size_t nn = json_array_size(needs) < L6_NMA_MAX_LIST ? json_array_size(needs) : L6_NMA_MAX_LIST;
    for (size_t i = 0; i < nn; i++) need_of(json_array_get(needs, i), &nd[i]);
    const char *region = json_string_value(json_object_get(body, "region"));
    size_t n = nma_rank_offers(nd, nn, region, b.offers, b.n, ranks);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
      json_t *reasons = json_array();
      for (unsigned f = 1; f <= NMA_R__LAST; f <<= 1)
        if (ranks[i].reasons & f) json_array_append_new(reasons, json_string(nma_reason_str(f)));
      json_t *offer = NULL;
      for (size_t k = 0; k < b.n; k++)
        if (b.offers[k].id == ranks[i].offer) offer = json_array_get(b.views, k);
      json_array_append_new(items, json_pack("{s:i, s:I, s:I, s:i, s:i, s:o, s:O}", "rank", (int)i + 1, "offer",
                                             (json_int_t)ranks[i].offer, "need", (json_int_t)ranks[i].need, "score",
                                             ranks[i].score, "coverage", ranks[i].coverage, "reasons", reasons,
                                             "offer_detail", offer));
    }
    *out = json_pack("{s:I, s:s, s:o}", "nma", (json_int_t)id, "score",
                     "type 10 + sector 40 + region 30 + coverage 0..20 (same currency)", "items", items);
  }
  json_decref(body);
  json_decref(b.views);
  free(b.offers);
  free(ranks);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* ---- matches ------------------------------------------------------------ */

/* What an offer and a need already have pledged (issue 14): the amounts of
 * their matches that are accepted, delivered or closed -- the matches the
 * published totals count as pledged. A proposed match holds nothing (it
 * may never be accepted, and has no withdrawal), so the check runs both
 * when a match is proposed and when its acceptance makes it accepted;
 * both run inside the request's store transaction, which excludes every
 * other writer, so two acceptances cannot both take the last amount. */
typedef struct {
  l6_id self;            /* the match being checked (not counted), or 0 */
  json_t *offer, *nma;   /* ids */
  json_int_t need;
  int64_t on_offer, on_need;
  bool bad;
} pledged_ctx;

static int pledged_row(void *ctx, const void *row) {
  pledged_ctx *c = ctx;
  const l6_nma_rec *r = row;
  match_state st = match_state_from_str(r->status);
  if (r->id == c->self || (st != MATCH_ACCEPTED && st != MATCH_DELIVERED && st != MATCH_CLOSED)) return 0;
  json_t *b = json_loads(r->body, 0, NULL);
  if (b == NULL) {
    c->bad = true;
    return 1;
  }
  int64_t v = json_integer_value(json_object_get(b, "amount"));
  if (json_equal(json_object_get(b, "offer"), c->offer)) c->on_offer += v;
  if (json_equal(json_object_get(b, "nma"), c->nma) && json_integer_value(json_object_get(b, "need")) == c->need)
    c->on_need += v;
  json_decref(b);
  return 0;
}

/* OFFER_OVERPLEDGED or NEED_OVERPLEDGED when amount more than what offer
 * (body ob; no cap when it has no amount) or need (of NMA nma_id) has
 * left after the matches that count as pledged. */
static l6_err check_pledge(l6_svc *s, l6_id self, l6_id offer_id, const json_t *ob, l6_id nma_id, json_int_t need_idx,
                           const json_t *need, int64_t amount, l6_error *err) {
  pledged_ctx c = {.self = self, .offer = json_integer(offer_id), .nma = json_integer(nma_id), .need = need_idx};
  l6_err e = OPS->nma_list(ST, "match", "", pledged_row, &c, err);
  json_decref(c.offer);
  json_decref(c.nma);
  if (e == L6_E_OK && c.bad) e = l6_fail(err, L6_E_INTERNAL, "bad match record");
  if (e != L6_E_OK) return e;
  const char *cur = json_string_value(json_object_get(need, "currency"));
  if (json_object_get(ob, "amount")) {
    int64_t cap = json_integer_value(json_object_get(ob, "amount")), left = cap - c.on_offer;
    if (amount > left)
      return l6_fail(err, L6_E_OFFER_OVERPLEDGED, "offer %lld is %lld %s, %lld of it pledged: %lld remains, %lld asked",
                     (long long)offer_id, (long long)cap, cur ? cur : "", (long long)c.on_offer,
                     (long long)(left > 0 ? left : 0), (long long)amount);
  }
  int64_t cap = json_integer_value(json_object_get(need, "amount")), left = cap - c.on_need;
  if (amount > left)
    return l6_fail(err, L6_E_NEED_OVERPLEDGED, "need %lld of NMA %lld is %lld %s, %lld of it pledged: %lld remains, %lld asked",
                   (long long)need_idx, (long long)nma_id, (long long)cap, cur ? cur : "", (long long)c.on_need,
                   (long long)(left > 0 ? left : 0), (long long)amount);
  return L6_E_OK;
}

l6_err svc_match_propose(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = ONLY_KEYS(in, "the match", "nma", "offer", "need", "amount");
  json_t *jn = json_object_get(in, "nma"), *jo = json_object_get(in, "offer"), *jk = json_object_get(in, "need");
  int64_t amount = 0;
  if (e == L6_E_OK && (!jn || !jo || !jk)) e = l6_fail(err, L6_E_MISSING_FIELD, "nma, offer and need are required");
  if (e == L6_E_OK && (!json_is_integer(jn) || !json_is_integer(jo) || !json_is_integer(jk)))
    e = l6_fail(err, L6_E_WRONG_TYPE, "nma, offer and need must be integers");
  if (e == L6_E_OK) e = get_amount(in, "amount", true, &amount, err);
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_nma_rec *n = malloc(sizeof *n), *o = malloc(sizeof *o), *m = calloc(1, sizeof *m);
  json_t *nb = NULL, *ob = NULL, *mb = NULL;
  e = n && o && m ? rec_get(s, "nma", json_integer_value(jn), n, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = rec_get(s, "offer", json_integer_value(jo), o, err);
  if (e == L6_E_OK && (!(nb = json_loads(n->body, 0, NULL)) || !(ob = json_loads(o->body, 0, NULL))))
    e = l6_fail(err, L6_E_INTERNAL, "bad record");
  l6_id org = e == L6_E_OK ? json_integer_value(json_object_get(ob, "org")) : 0;
  if (e == L6_E_OK && !is_focal_point_of(s, a, n->party) && !(a->role == L6_ROLE_HOLDER && a->org == org))
    e = l6_fail(err, L6_E_FORBIDDEN, "the NMA's focal point or the offer's provider proposes a match");
  if (e == L6_E_OK && nma_state_from_str(n->status) != NMA_PUBLISHED) {
    e = l6_fail(err, L6_E_WRONG_STATE, "NMA %lld is %s; matches need a published NMA", (long long)n->id, n->status);
    snprintf(err->expected, sizeof err->expected, "published");
  }
  if (e == L6_E_OK && strcmp(o->status, "open") != 0) e = l6_fail(err, L6_E_WRONG_STATE, "offer %lld is not open", (long long)o->id);
  json_t *need = e == L6_E_OK ? json_array_get(json_object_get(nb, "needs"), (size_t)json_integer_value(jk)) : NULL;
  if (e == L6_E_OK && (json_integer_value(jk) < 0 || need == NULL))
    e = l6_fail(err, L6_E_INVALID_VALUE, "NMA %lld has no need %lld", (long long)n->id, (long long)json_integer_value(jk));
  if (e == L6_E_OK && !json_equal(json_object_get(need, "type"), json_object_get(ob, "type")))
    e = l6_fail(err, L6_E_SUPPORT_MISMATCH, "need %lld asks for %s; offer %lld gives %s", (long long)json_integer_value(jk),
                json_string_value(json_object_get(need, "type")), (long long)o->id,
                json_string_value(json_object_get(ob, "type")));
  if (e == L6_E_OK && json_object_get(ob, "amount") && !json_equal(json_object_get(ob, "currency"), json_object_get(need, "currency")))
    e = l6_fail(err, L6_E_INVALID_VALUE, "the offer is in %s, the need in %s",
                json_string_value(json_object_get(ob, "currency")), json_string_value(json_object_get(need, "currency")));
  if (e == L6_E_OK && json_object_get(ob, "amount") && amount > json_integer_value(json_object_get(ob, "amount")))
    e = l6_fail(err, L6_E_INVALID_QUANTITY, "amount is more than the offer's %lld",
                (long long)json_integer_value(json_object_get(ob, "amount")));
  if (e == L6_E_OK)
    e = check_pledge(s, 0, o->id, ob, n->id, json_integer_value(jk), need, amount, err);
  if (e == L6_E_OK) {
    mb = json_pack("{s:I, s:I, s:I, s:I, s:O, s:O, s:I, s:b, s:b, s:I}", "nma", (json_int_t)n->id, "offer",
                   (json_int_t)o->id, "org", (json_int_t)org, "need", (json_int_t)json_integer_value(jk), "focus_area",
                   json_object_get(need, "focus_area"), "currency", json_object_get(need, "currency"), "amount",
                   (json_int_t)amount, "nma_accepted", 0, "provider_accepted", 0, "delivered", (json_int_t)0);
    add_history(mb, "propose", a, s);
    snprintf(m->kind, sizeof m->kind, "match");
    snprintf(m->party, sizeof m->party, "%s", n->party);
    snprintf(m->status, sizeof m->status, "%s", match_state_str(MATCH_PROPOSED));
    e = rec_set_body(m, mb, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, m, err);
  if (e == L6_E_OK) *out = rec_view(m);
  json_decref(nb);
  json_decref(ob);
  json_decref(mb);
  free(n);
  free(o);
  free(m);
  return svc__finish_out(s, e, out, err);
}

/* The pledge check of a match that its acceptance makes accepted. */
static l6_err pledge_on_accept(l6_svc *s, const l6_nma_rec *m, const json_t *mb, l6_error *err) {
  l6_nma_rec *n = malloc(sizeof *n), *o = malloc(sizeof *o);
  json_t *nb = NULL, *ob = NULL;
  l6_id nid = json_integer_value(json_object_get(mb, "nma")), oid = json_integer_value(json_object_get(mb, "offer"));
  json_int_t k = json_integer_value(json_object_get(mb, "need"));
  l6_err e = n && o ? rec_get(s, "nma", nid, n, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = rec_get(s, "offer", oid, o, err);
  if (e == L6_E_OK && (!(nb = json_loads(n->body, 0, NULL)) || !(ob = json_loads(o->body, 0, NULL))))
    e = l6_fail(err, L6_E_INTERNAL, "bad record");
  json_t *need = e == L6_E_OK ? json_array_get(json_object_get(nb, "needs"), (size_t)k) : NULL;
  if (e == L6_E_OK && need == NULL) e = l6_fail(err, L6_E_INTERNAL, "match %lld names no need of NMA %lld", (long long)m->id, (long long)nid);
  if (e == L6_E_OK)
    e = check_pledge(s, m->id, oid, ob, nid, k, need, json_integer_value(json_object_get(mb, "amount")), err);
  json_decref(nb);
  json_decref(ob);
  free(n);
  free(o);
  return e;
}

l6_err svc_match_step(l6_svc *s, const l6_actor *a, l6_id id, const char *step, const json_t *in, json_t **out,
                      l6_error *err) {
  *out = NULL;
  match_step st = strcmp(step, "accept") == 0    ? MATCH_STEP_ACCEPT
                  : strcmp(step, "deliver") == 0 ? MATCH_STEP_DELIVER
                  : strcmp(step, "close") == 0   ? MATCH_STEP_CLOSE
                                                 : 0;
  if (st == 0) return l6_fail(err, L6_E_INVALID_VALUE, "step must be accept, deliver or close");
  int64_t amount = 0;
  const char *evidence = NULL;
  l6_err e = L6_E_OK;
  if (st == MATCH_STEP_DELIVER) {
    e = ONLY_KEYS(in, "the delivery", "amount", "evidence");
    if (e == L6_E_OK) e = get_amount(in, "amount", true, &amount, err);
    if (e == L6_E_OK) e = get_text(in, "evidence", true, 64, &evidence, err);
    if (e == L6_E_OK && !valid_sha256(evidence))
      e = l6_fail(err, L6_E_INVALID_VALUE, "evidence must be the sha256 of the evidence document");
  } else if (in && json_object_size(in) > 0)
    e = ONLY_KEYS(in, "the step", "");
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_nma_rec *m = malloc(sizeof *m);
  json_t *mb = NULL;
  e = m ? rec_get(s, "match", id, m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && (mb = json_loads(m->body, 0, NULL)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "bad match record");
  l6_id org = e == L6_E_OK ? json_integer_value(json_object_get(mb, "org")) : 0;
  bool focal = e == L6_E_OK && is_focal_point_of(s, a, m->party);
  bool provider = a->role == L6_ROLE_HOLDER && a->org == org;
  if (e == L6_E_OK) {
    if (st == MATCH_STEP_ACCEPT && !focal && !provider)
      e = l6_fail(err, L6_E_FORBIDDEN, "the NMA's focal point and the offer's provider accept a match");
    else if (st == MATCH_STEP_DELIVER && !provider)
      e = l6_fail(err, L6_E_FORBIDDEN, "the offer's provider records the delivery");
    else if (st == MATCH_STEP_CLOSE && !focal)
      e = l6_fail(err, a->role == L6_ROLE_AUTHORITY ? L6_E_NOT_FOCAL_POINT : L6_E_FORBIDDEN,
                  "the NMA's focal point (authority of %s) closes a match", m->party);
  }
  const char *side = focal ? "nma_accepted" : "provider_accepted";
  if (e == L6_E_OK && st == MATCH_STEP_ACCEPT && json_is_true(json_object_get(mb, side)))
    e = l6_fail(err, L6_E_WRONG_STATE, "match %lld was already accepted by this side", (long long)id);
  match_state next = MATCH__NONE;
  if (e == L6_E_OK) {
    bool both = st == MATCH_STEP_ACCEPT &&
                (focal || json_is_true(json_object_get(mb, "nma_accepted"))) &&
                (provider || json_is_true(json_object_get(mb, "provider_accepted")));
    next = match_next(match_state_from_str(m->status), st, both);
    if (next == MATCH__NONE) {
      e = l6_fail(err, L6_E_WRONG_STATE, "match %lld is %s; %s is not possible", (long long)id, m->status, step);
      snprintf(err->expected, sizeof err->expected, "%s",
               st == MATCH_STEP_ACCEPT ? "proposed" : st == MATCH_STEP_DELIVER ? "accepted" : "delivered");
    }
  }
  if (e == L6_E_OK && next == MATCH_ACCEPTED) e = pledge_on_accept(s, m, mb, err);
  if (e == L6_E_OK && st == MATCH_STEP_DELIVER && amount > json_integer_value(json_object_get(mb, "amount")))
    e = l6_fail(err, L6_E_INVALID_QUANTITY, "delivered amount is more than the %lld pledged",
                (long long)json_integer_value(json_object_get(mb, "amount")));
  if (e == L6_E_OK) {
    if (st == MATCH_STEP_ACCEPT) json_object_set_new(mb, side, json_true());
    if (st == MATCH_STEP_DELIVER) {
      json_object_set_new(mb, "delivered", json_integer(amount));
      json_object_set_new(mb, "evidence", json_string(evidence));
    }
    add_history(mb, step, a, s);
    snprintf(m->status, sizeof m->status, "%s", match_state_str(next));
    e = rec_set_body(m, mb, err);
  }
  if (e == L6_E_OK) e = OPS->nma_put(ST, m, err);
  if (e == L6_E_OK) *out = rec_view(m);
  json_decref(mb);
  free(m);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_match_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  return public_get(s, "match", id, out, err);
}

typedef struct {
  json_t *items;
  l6_id nma;
} match_ctx;

static int match_row(void *ctx, const void *row) {
  match_ctx *c = ctx;
  json_t *v = rec_view(row);
  if (v && (c->nma == 0 || json_integer_value(json_object_get(v, "nma")) == c->nma)) json_array_append(c->items, v);
  json_decref(v);
  return 0;
}

l6_err svc_match_list(l6_svc *s, const l6_actor *a, l6_id nma, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  match_ctx c = {json_array(), nma};
  e = OPS->nma_list(ST, "match", "", match_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "items", c.items);
  else json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}

/* ---- totals ------------------------------------------------------------- */

/* The row of (party, focus_area, currency) in rows, created when absent. */
static json_t *total_row(json_t *rows, const char *party, const char *area, const char *cur) {
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    if (strcmp(json_string_value(json_object_get(it, "party")), party) == 0 &&
        strcmp(json_string_value(json_object_get(it, "focus_area")), area) == 0 &&
        strcmp(json_string_value(json_object_get(it, "currency")), cur) == 0)
      return it;
  }
  it = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "party", party, "focus_area", area, "currency", cur, "requested",
                 (json_int_t)0, "pledged", (json_int_t)0, "delivered", (json_int_t)0);
  json_array_append_new(rows, it);
  return it;
}

/* Adds v (>= 0) to row[key]; a sum past INT64_MAX (over 9,000 NMAs each
 * asking the largest amount) stays at INT64_MAX rather than wrapping. */
static void add_to(json_t *row, const char *key, int64_t v) {
  int64_t sum;
  if (__builtin_add_overflow(json_integer_value(json_object_get(row, key)), v, &sum)) sum = INT64_MAX;
  json_object_set_new(row, key, json_integer(sum));
}

typedef struct {
  json_t *rows;
  json_t *published;   /* ids of published NMAs */
  json_t *need_party;  /* "NMA id:need index" -> the Party whose need it is */
} totals_ctx;

static int totals_nma(void *ctx, const void *row) {
  totals_ctx *c = ctx;
  const l6_nma_rec *r = row;
  if (nma_state_from_str(r->status) != NMA_PUBLISHED) return 0;
  json_t *b = json_loads(r->body, 0, NULL);
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(b, "needs"), i, n) {
    const char *whose = json_string_value(json_object_get(n, "party"));
    if (whose == NULL) whose = r->party;
    char key[48];
    snprintf(key, sizeof key, "%lld:%zu", (long long)r->id, i);
    json_object_set_new(c->need_party, key, json_string(whose));
    add_to(total_row(c->rows, whose, json_string_value(json_object_get(n, "focus_area")),
                     json_string_value(json_object_get(n, "currency"))),
           "requested", json_integer_value(json_object_get(n, "amount")));
  }
  json_array_append_new(c->published, json_integer(r->id));
  json_decref(b);
  return 0;
}

static int totals_match(void *ctx, const void *row) {
  totals_ctx *c = ctx;
  const l6_nma_rec *r = row;
  match_state st = match_state_from_str(r->status);
  if (st != MATCH_ACCEPTED && st != MATCH_DELIVERED && st != MATCH_CLOSED) return 0;
  json_t *b = json_loads(r->body, 0, NULL);
  bool pub = false;
  size_t i;
  json_t *it;
  json_array_foreach(c->published, i, it) pub |= json_equal(it, json_object_get(b, "nma"));
  if (pub) {
    char key[48];
    snprintf(key, sizeof key, "%lld:%lld", (long long)json_integer_value(json_object_get(b, "nma")),
             (long long)json_integer_value(json_object_get(b, "need")));
    const char *whose = json_string_value(json_object_get(c->need_party, key));
    json_t *t = total_row(c->rows, whose ? whose : r->party, json_string_value(json_object_get(b, "focus_area")),
                          json_string_value(json_object_get(b, "currency")));
    add_to(t, "pledged", json_integer_value(json_object_get(b, "amount")));
    add_to(t, "delivered", json_integer_value(json_object_get(b, "delivered")));
  }
  json_decref(b);
  return 0;
}

l6_err svc_nma_totals(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  totals_ctx c = {json_array(), json_array(), json_object()};
  e = OPS->nma_list(ST, "nma", "", totals_nma, &c, err);
  if (e == L6_E_OK) e = OPS->nma_list(ST, "match", "", totals_match, &c, err);
  if (e == L6_E_OK) {
    size_t i;
    json_t *it;
    json_array_foreach(c.rows, i, it) {
      int64_t req = json_integer_value(json_object_get(it, "requested"));
      int64_t pl = json_integer_value(json_object_get(it, "pledged"));
      json_object_set_new(it, "gap", json_integer(req - pl));
      json_object_set_new(it, "pledged_pct", json_integer(req > 0 ? (pl >= req ? 100 : pl * 100 / req) : 0));
    }
    *out = json_pack("{s:s, s:O}", "note",
                     "requested: needs of published NMAs; pledged: accepted, delivered and closed matches; gap = "
                     "requested - pledged; amounts in minor units of the currency",
                     "items", c.rows);
  }
  json_decref(c.rows);
  json_decref(c.published);
  json_decref(c.need_party);
  return svc__finish_out(s, e, out, err);
}

char *svc_nma_totals_csv(const json_t *totals) {
  size_t cap = 256, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) return NULL;
  len = (size_t)snprintf(buf, cap, "party,focus_area,currency,requested,pledged,delivered,gap,pledged_pct\n");
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(totals, "items"), i, it) {
    char line[256];
    int n = snprintf(line, sizeof line, "%s,%s,%s,%lld,%lld,%lld,%lld,%lld\n",
                     json_string_value(json_object_get(it, "party")), json_string_value(json_object_get(it, "focus_area")),
                     json_string_value(json_object_get(it, "currency")),
                     (long long)json_integer_value(json_object_get(it, "requested")),
                     (long long)json_integer_value(json_object_get(it, "pledged")),
                     (long long)json_integer_value(json_object_get(it, "delivered")),
                     (long long)json_integer_value(json_object_get(it, "gap")),
                     (long long)json_integer_value(json_object_get(it, "pledged_pct")));
    if (n < 0 || (size_t)n >= sizeof line) continue;
    if (len + (size_t)n + 1 > cap) {
      cap = (len + (size_t)n + 1) * 2;
      char *nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        return NULL;
      }
      buf = nb;
    }
    memcpy(buf + len, line, (size_t)n + 1);
    len += (size_t)n;
  }
  return buf;
}
