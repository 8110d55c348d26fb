/*
 * a6.c -- Article 6.2 accounting use cases and the ledger hooks; see a6.h
 * and docs/DESIGN.md ("Article 6.2 accounting"). The arithmetic is the
 * core's (src/core/a6.c); this file reads and writes the store inside one
 * transaction per call, like service.c.
 */
#include "a6.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/a6.h"
#include "../core/a6_letter.h"
#include "../core/aef_check.h"
#include "service_int.h"
#include "tlog.h"
#include "views.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* ---- small helpers ---------------------------------------------------- */

static int year_now(l6_svc *s) {
  char ts[32];
  svc__timestamp(s, ts);
  return atoi(ts);
}

static l6_err registry_party(l6_svc *s, const char *registry, char party[4], l6_error *err) {
  l6_registry r;
  l6_err e = OPS->registry_get(ST, registry, &r, err);
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  return e;
}

/* The Party of an authority's or a reviewer's organisation ("" for other roles). */
static l6_err actor_party(l6_svc *s, const l6_actor *a, char party[4], l6_error *err) {
  party[0] = '\0';
  if (a->role != L6_ROLE_AUTHORITY && a->role != L6_ROLE_REVIEWER) return L6_E_OK;
  l6_org o;
  l6_err e = OPS->org_get(ST, a->org, &o, err);
  if (e == L6_E_OK) e = registry_party(s, o.registry, party, err);
  return e;
}

/* Admin, or the authority of `party`. */
static l6_err need_admin_or_authority(l6_svc *s, const l6_actor *a, const char *party, l6_err other, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN) return L6_E_OK;
  if (a->role != L6_ROLE_AUTHORITY) return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
  char p[4];
  l6_err e = actor_party(s, a, p, err);
  if (e != L6_E_OK) return e;
  if (strcmp(p, party) != 0)
    return l6_fail(err, other, "the authority of %s may not act for %s", p, party);
  return L6_E_OK;
}

/* Readers of the books: admin, auditor, authority (any Party: the AEF is
 * public once submitted), and a reviewer, of its own Party's books only
 * (need_party_books_reader, and the ITMO list filtered to its Party). */
static l6_err need_books_reader(const l6_actor *a, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR || a->role == L6_ROLE_AUTHORITY ||
      a->role == L6_ROLE_REVIEWER)
    return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not read the Article 6 books", l6_role_str(a->role));
}

/* need_books_reader for party's books: a reviewer reads those of the Party
 * it reviews (its organisation's registry's), no other. */
static l6_err need_party_books_reader(l6_svc *s, const l6_actor *a, const char *party, l6_error *err) {
  l6_err e = need_books_reader(a, err);
  if (e != L6_E_OK || a->role != L6_ROLE_REVIEWER) return e;
  char p[4];
  if ((e = actor_party(s, a, p, err)) != L6_E_OK) return e;
  if (strcmp(p, party) != 0) return l6_fail(err, L6_E_FORBIDDEN, "a reviewer of %s may not read the books of %s", p, party);
  return L6_E_OK;
}

static bool list_has(const char *list, const char *item, char sep) {
  size_t n = strlen(item);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, sep);
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, item, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}

static void itmo_id_of(const l6_a6_itmo *r, int64_t serial, char out[64]) {
  a6_itmo_id id = {.approach = r->approach, .serial = serial, .vintage = r->vintage};
  snprintf(id.registry, sizeof id.registry, "%s", r->registry);
  snprintf(id.host, sizeof id.host, "%s", r->host);
  if (a6_itmo_format(&id, out, 64) < 0) snprintf(out, 64, "?");
}

static int64_t itmo_last(const l6_a6_itmo *r) { return r->itmo_first + (r->last - r->first); }

/* Appends an AEF action for ITMO range r. */
static l6_err put_action(l6_svc *s, l6_id tx, const char *type, const char *party, const l6_a6_itmo *r,
                         const char *from, const char *to, const char *purpose, const char *user, int year, int64_t ca,
                         l6_error *err) {
  l6_a6_action x = {.tx = tx, .auth = r->auth, .approach = r->approach, .itmo_first = r->itmo_first,
                    .itmo_last = itmo_last(r), .quantity = r->last - r->first + 1, .vintage = r->vintage,
                    .year = year, .ca = ca};
  snprintf(x.type, sizeof x.type, "%s", type);
  snprintf(x.party, sizeof x.party, "%s", party);
  snprintf(x.registry, sizeof x.registry, "%s", r->registry);
  itmo_id_of(r, r->itmo_first, x.first_id);
  itmo_id_of(r, itmo_last(r), x.last_id);
  snprintf(x.from_party, sizeof x.from_party, "%s", from ? from : "");
  snprintf(x.to_party, sizeof x.to_party, "%s", to ? to : "");
  snprintf(x.purpose, sizeof x.purpose, "%s", purpose ? purpose : "");
  snprintf(x.user, sizeof x.user, "%s", user ? user : "");
  svc__timestamp(s, x.ts);
  return OPS->a6_action_put(ST, &x, err);
}

/* ITMO rows collected from a list op. */
typedef struct {
  l6_a6_itmo *r;
  size_t n, cap;
  bool overflow;
} itmo_buf;

static int itmo_row(void *ctx, const void *row) {
  itmo_buf *b = ctx;
  l6_a6_itmo *nr = b->n == b->cap && (b->cap ? b->cap * 2 : 16) > L6_A6_MAX_PIECES
                       ? NULL
                       : svc__grow(b->r, b->n, &b->cap, sizeof *nr, 16);
  if (nr == NULL) {
    b->overflow = true;
    return 1;
  }
  b->r = nr;
  b->r[b->n++] = *(const l6_a6_itmo *)row;
  return 0;
}

/* Cuts row r down to batch serials [lo, hi] (which it overlaps); the parts
 * outside become rows of their own, in the same state. */
static l6_err isolate(l6_svc *s, l6_a6_itmo *r, int64_t lo, int64_t hi, l6_error *err) {
  l6_a6_itmo left = *r, right = *r;
  bool cut_left = r->first < lo, cut_right = r->last > hi;
  if (!cut_left && !cut_right) return L6_E_OK;
  if (cut_left) {
    r->itmo_first += lo - r->first;
    r->first = lo;
  }
  if (cut_right) r->last = hi;
  l6_err e = OPS->a6_itmo_put(ST, r, err); /* the kept row first: the pieces reuse its old keys */
  if (e == L6_E_OK && cut_left) {
    left.id = 0;
    left.last = lo - 1;
    e = OPS->a6_itmo_put(ST, &left, err);
  }
  if (e == L6_E_OK && cut_right) {
    right.id = 0;
    right.itmo_first = right.itmo_first + (hi + 1 - right.first);
    right.first = hi + 1;
    e = OPS->a6_itmo_put(ST, &right, err);
  }
  return e;
}

/* ---- CORSIA phases (config/corsia.json) --------------------------------- */

static pthread_mutex_t corsia_mu = PTHREAD_MUTEX_INITIALIZER;
static a6_corsia_phase corsia[L6_A6_MAX_CORSIA_PHASES];
static size_t ncorsia;

static l6_err bad_corsia(l6_error *err, const char *path, const char *key, const char *why) {
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: key %s: %s", path, key, why);
}

l6_err svc_a6_load_corsia(const char *dir, l6_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/corsia.json", dir);
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return L6_E_OK; /* no file: no CORSIA phases */
    fclose(f);
    return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d: %s", path, je.line, je.text);
  }
  a6_corsia_phase ph[L6_A6_MAX_CORSIA_PHASES];
  size_t n = 0;
  l6_err e = L6_E_OK;
  json_t *arr = json_object_get(root, "phases");
  if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > L6_A6_MAX_CORSIA_PHASES)
    e = bad_corsia(err, path, "phases", "must be an array of 1 to 8 phases");
  size_t i;
  json_t *p;
  json_array_foreach(arr, i, p) {
    if (e != L6_E_OK) break;
    a6_corsia_phase x = {0};
    const char *name = json_string_value(json_object_get(p, "name"));
    json_t *progs = json_object_get(p, "programmes");
    const char *cs = json_string_value(json_object_get(p, "crediting_start_from"));
    json_t *vf = json_object_get(p, "vintage_from"), *vt = json_object_get(p, "vintage_to");
    json_t *ro = json_object_get(p, "require_oimp_authorization"), *rc = json_object_get(p, "require_ca");
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v) {
      static const char *const known[] = {"name", "from_year", "to_year", "programmes", "crediting_start_from",
                                          "vintage_from", "vintage_to", "require_oimp_authorization",
                                          "require_ca", "note", NULL};
      bool ok = false;
      for (int j = 0; known[j]; j++) ok |= strcmp(known[j], k) == 0;
      if (!ok && e == L6_E_OK) e = bad_corsia(err, path, k, "unknown key");
    }
    if (e != L6_E_OK) break;
    if (name == NULL || strlen(name) == 0 || strlen(name) >= sizeof x.name) {
      e = bad_corsia(err, path, "phases.name", "must be a short string");
      break;
    }
    snprintf(x.name, sizeof x.name, "%s", name);
    x.from_year = (int)json_integer_value(json_object_get(p, "from_year"));
    x.to_year = (int)json_integer_value(json_object_get(p, "to_year"));
    if (x.from_year < L6_VINTAGE_MIN || x.to_year < x.from_year || x.to_year > L6_VINTAGE_MAX) {
      e = bad_corsia(err, path, "phases.from_year", "from_year and to_year must be years, from <= to");
      break;
    }
    if (!json_is_array(progs) || json_array_size(progs) > L6_A6_MAX_CORSIA_PROGRAMMES) {
      e = bad_corsia(err, path, "phases.programmes", "must be an array of programme codes");
      break;
    }
    size_t j;
    json_t *c;
    json_array_foreach(progs, j, c) {
      const char *code = json_string_value(c);
      if (code == NULL || !l6_valid_code(code)) {
        e = bad_corsia(err, path, "phases.programmes", "must be programme codes");
        break;
      }
      snprintf(x.programmes[x.nprogrammes++], L6_CODE_MAX + 1, "%s", code);
    }
    if (e != L6_E_OK) break;
    if (cs) {
      if (!l6_valid_date(cs)) {
        e = bad_corsia(err, path, "phases.crediting_start_from", "must be a date YYYY-MM-DD");
        break;
      }
      snprintf(x.crediting_start_from, sizeof x.crediting_start_from, "%s", cs);
    }
    x.vintage_from = vf ? (int)json_integer_value(vf) : 0;
    x.vintage_to = vt ? (int)json_integer_value(vt) : 0;
    x.require_oimp = json_is_true(ro);
    x.require_ca = json_is_true(rc);
    ph[n++] = x;
  }
  json_decref(root);
  if (e != L6_E_OK) return e;
  pthread_mutex_lock(&corsia_mu);
  memcpy(corsia, ph, n * sizeof ph[0]);
  ncorsia = n;
  pthread_mutex_unlock(&corsia_mu);
  return L6_E_OK;
}

static bool corsia_phase(const char *name, a6_corsia_phase *out) {
  bool found = false;
  pthread_mutex_lock(&corsia_mu);
  for (size_t i = 0; i < ncorsia && !found; i++)
    if (strcmp(corsia[i].name, name) == 0) {
      *out = corsia[i];
      found = true;
    }
  pthread_mutex_unlock(&corsia_mu);
  return found;
}

l6_err svc_a6_corsia(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  json_t *items = json_array();
  pthread_mutex_lock(&corsia_mu);
  for (size_t i = 0; i < ncorsia; i++) {
    const a6_corsia_phase *p = &corsia[i];
    json_t *progs = json_array();
    for (size_t j = 0; j < p->nprogrammes; j++) json_array_append_new(progs, json_string(p->programmes[j]));
    json_array_append_new(items, json_pack("{s:s, s:i, s:i, s:o, s:s, s:i, s:i, s:b, s:b}", "name", p->name,
                                           "from_year", p->from_year, "to_year", p->to_year, "programmes", progs,
                                           "crediting_start_from", p->crediting_start_from, "vintage_from",
                                           p->vintage_from, "vintage_to", p->vintage_to,
                                           "require_oimp_authorization", p->require_oimp, "require_ca", p->require_ca));
  }
  pthread_mutex_unlock(&corsia_mu);
  *out = json_pack("{s:o}", "items", items);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- NDCs ------------------------------------------------------------- */

static int year_row(void *ctx, const void *row) {
  json_t *arr = ctx;
  const l6_a6_year *y = row;
  json_t *o = json_pack("{s:i}", "year", y->year);
  json_object_set_new(o, "emissions", y->reported ? json_integer(y->emissions) : json_null());
  json_object_set_new(o, "trajectory", y->has_trajectory ? json_integer(y->trajectory) : json_null());
  json_array_append_new(arr, o);
  return 0;
}

static json_t *view_ndc(const l6_a6_ndc *n) {
  return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:I, s:s, s:I, s:s}", "party", n->party, "first_year",
                   n->first_year, "last_year", n->last_year, "kind", n->kind, "method", n->method, "target_year",
                   n->target_year, "target", (json_int_t)n->target, "metric", n->metric, "factor_micro",
                   (json_int_t)n->factor_micro, "updated", n->updated);
}

static a6_ndc core_ndc(const l6_a6_ndc *n) {
  return (a6_ndc){.first_year = n->first_year, .last_year = n->last_year, .kind = a6_ndc_kind_from_str(n->kind),
                  .method = a6_ca_method_from_str(n->method), .target_year = n->target_year, .target = n->target,
                  .factor_micro = n->factor_micro};
}

l6_err svc_a6_ndc_put(l6_svc *s, const l6_actor *a, const l6_a6_ndc *ndc, const l6_a6_year *years, size_t ny,
                      json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  a6_ndc c = core_ndc(ndc);
  if (c.kind == A6_NDC__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "kind must be multi-year or single-year");
  if (c.method == A6_CA__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "method must be per-year, averaging or trajectory");
  l6_err e = a6_ndc_check(&c, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_text(ndc->metric, sizeof ndc->metric - 1))
    return l6_fail(err, L6_E_INVALID_VALUE, "metric must be a short text such as \"t CO2e\"");
  for (size_t i = 0; i < ny; i++) {
    if (years[i].year < ndc->first_year || years[i].year > ndc->last_year)
      return l6_fail(err, L6_E_YEAR_OUTSIDE_NDC, "year %d is outside the NDC period %d-%d", years[i].year,
                     ndc->first_year, ndc->last_year);
    if (years[i].emissions < 0 || years[i].emissions > L6_MAX_QUANTITY * 1000 || years[i].trajectory < 0 ||
        years[i].trajectory > L6_MAX_QUANTITY * 1000)
      return l6_fail(err, L6_E_INVALID_VALUE, "year %d: figures must be from 0 to %lld", years[i].year,
                     (long long)(L6_MAX_QUANTITY * 1000));
  }
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_party p;
  e = OPS->party_get(ST, ndc->party, &p, err);
  if (e == L6_E_OK) e = need_admin_or_authority(s, a, ndc->party, L6_E_FORBIDDEN, err);
  l6_a6_ndc row = *ndc;
  svc__timestamp(s, row.updated);
  if (e == L6_E_OK) e = OPS->a6_ndc_put(ST, &row, err);
  for (size_t i = 0; i < ny && e == L6_E_OK; i++) {
    l6_a6_year y = years[i];
    snprintf(y.party, sizeof y.party, "%s", ndc->party);
    e = OPS->a6_year_put(ST, &y, err);
  }
  if (e == L6_E_OK) {
    json_t *ys = json_array();
    e = OPS->a6_year_list(ST, ndc->party, year_row, ys, err);
    *out = view_ndc(&row);
    if (*out) json_object_set_new(*out, "years", ys);
    else json_decref(ys);
  }
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_a6_year_put(l6_svc *s, const l6_actor *a, const l6_a6_year *y, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (y->emissions < 0 || y->emissions > L6_MAX_QUANTITY * 1000 || y->trajectory < 0 ||
      y->trajectory > L6_MAX_QUANTITY * 1000)
    return l6_fail(err, L6_E_INVALID_VALUE, "year %d: figures must be from 0 to %lld", y->year,
                   (long long)(L6_MAX_QUANTITY * 1000));
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_ndc n;
  e = OPS->a6_ndc_get(ST, y->party, &n, err);
  if (e == L6_E_UNKNOWN_NDC) l6_fail(err, e, "%s has no NDC recorded", y->party);
  if (e == L6_E_OK) e = need_admin_or_authority(s, a, y->party, L6_E_FORBIDDEN, err);
  if (e == L6_E_OK && (y->year < n.first_year || y->year > n.last_year))
    e = l6_fail(err, L6_E_YEAR_OUTSIDE_NDC, "year %d is outside the NDC period %d-%d", y->year, n.first_year, n.last_year);
  if (e == L6_E_OK) e = OPS->a6_year_put(ST, y, err);
  if (e == L6_E_OK) {
    json_t *ys = json_array();
    e = OPS->a6_year_list(ST, y->party, year_row, ys, err);
    *out = view_ndc(&n);
    if (*out) json_object_set_new(*out, "years", ys);
    else json_decref(ys);
  }
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_a6_ndc_get(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_ndc n;
  e = OPS->a6_ndc_get(ST, party, &n, err);
  if (e == L6_E_UNKNOWN_NDC) l6_fail(err, e, "%s has no NDC recorded", party);
  if (e == L6_E_OK) {
    json_t *ys = json_array();
    e = OPS->a6_year_list(ST, party, year_row, ys, err);
    *out = view_ndc(&n);
    if (*out) json_object_set_new(*out, "years", ys);
    else json_decref(ys);
  }
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* ---- authorizations ----------------------------------------------------- */

/* The letter's canonical text of authorization x (core/a6_letter.h) into
 * out; its length, or -1 when it does not fit. */
static int letter_text(const l6_a6_auth *x, char *out, size_t cap) {
  a6_letter l = {.id = x->id, .version = x->version, .party = x->party, .approach = x->approach, .project = x->project,
                 .vintage_from = x->vintage_from, .vintage_to = x->vintage_to, .quantity = x->quantity,
                 .purposes = x->purposes, .ft_event = x->ft_event, .parties = x->parties, .entities = x->entities,
                 .year_from = x->year_from, .year_to = x->year_to, .in_scope = x->in_scope, .revoked = x->revoked};
  return a6_letter_text(&l, out, cap);
}

#define LETTER_MAX (2 * L6_A6_LIST_MAX + 1024)

/* The SHA-256 of x's letter as its terms are now. */
static void letter_hash(const l6_a6_auth *x, char hex[65]) {
  char *t = malloc(LETTER_MAX);
  int n = t ? letter_text(x, t, LETTER_MAX) : -1;
  if (n < 0) snprintf(hex, 65, "%s", "");
  else a6_letter_sha256(t, (size_t)n, hex);
  free(t);
}

/* Records the hash of x's letter in x (before each store write that
 * changes its terms: made, amended, revoked). The item 4 rule: the
 * printable letter's content is fixed by its hash at each change, so that
 * a later change of the stored terms behind the registry's back shows. */
static void letter_seal(l6_a6_auth *x) { letter_hash(x, x->letter_sha256); }

static json_t *view_auth(const l6_a6_auth *x) {
  char cap[8];
  snprintf(cap, sizeof cap, "CA%04d", x->approach);
  json_t *parties = json_array(), *entities = json_array();
  char buf[L6_A6_LIST_MAX + 1];
  snprintf(buf, sizeof buf, "%s", x->parties);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) json_array_append_new(parties, json_string(t));
  snprintf(buf, sizeof buf, "%s", x->entities);
  for (char *t = strtok(buf, "|"); t; t = strtok(NULL, "|")) json_array_append_new(entities, json_string(t));
  json_t *purposes = json_array();
  snprintf(buf, sizeof buf, "%s", x->purposes);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) json_array_append_new(purposes, json_string(t));
  return json_pack("{s:I, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:o, s:s, s:o, s:o, s:i, s:i, s:b, s:i, s:b, s:s, s:o}", "id",
                   (json_int_t)x->id, "party", x->party, "approach", cap, "project", x->project, "vintage_from",
                   x->vintage_from, "vintage_to", x->vintage_to, "quantity", (json_int_t)x->quantity, "assigned",
                   (json_int_t)x->assigned, "purposes", purposes, "first_transfer_event", x->ft_event,
                   "authorized_parties", parties, "authorized_entities", entities, "year_from", x->year_from,
                   "year_to", x->year_to, "in_ndc_scope", x->in_scope, "version", x->version, "revoked", x->revoked,
                   "ts", x->ts, "letter_sha256", x->letter_sha256[0] ? json_string(x->letter_sha256) : json_null());
}

static json_t *view_itmo(const l6_a6_itmo *r) {
  char f[64], l[64];
  itmo_id_of(r, r->itmo_first, f);
  itmo_id_of(r, itmo_last(r), l);
  json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:s}", "authorization", (json_int_t)r->auth,
                        "first_id", f, "last_id", l, "quantity", (json_int_t)(r->last - r->first + 1), "batch",
                        (json_int_t)r->batch, "first", (json_int_t)r->first, "last", (json_int_t)r->last, "vintage",
                        r->vintage, "state", r->fate[0] ? r->fate : "held");
  json_object_set_new(o, "first_transfer_year", r->ft_year ? json_integer(r->ft_year) : json_null());
  json_object_set_new(o, "used_by", r->user[0] ? json_string(r->user) : json_null());
  json_object_set_new(o, "use_year", r->use_year ? json_integer(r->use_year) : json_null());
  return o;
}

/* Records a first transfer of range r by the host in `year` (CA +q). */
static l6_err first_transfer(l6_svc *s, l6_id tx, l6_a6_itmo *r, int year, const char *to, l6_error *err) {
  r->ft_year = year;
  l6_err e = OPS->a6_itmo_put(ST, r, err);
  if (e == L6_E_OK)
    e = put_action(s, tx, "First transfer", r->host, r, r->host, to, NULL, NULL, year, r->last - r->first + 1, err);
  return e;
}

/* Makes serials [first,last] of batch b ITMOs of authorization x (at most
 * its remaining quantity); *took gets how many. */
static l6_err assign(l6_svc *s, l6_id tx, l6_a6_auth *x, const l6_batch *b, int64_t first, int64_t last, l6_qty *took,
                     l6_error *err) {
  *took = 0;
  l6_qty left = x->quantity - x->assigned;
  if (left <= 0) return L6_E_OK;
  if (last - first + 1 > left) last = first + left - 1;
  l6_a6_itmo r = {.auth = x->id, .approach = x->approach, .batch = b->id, .first = first, .last = last,
                  .vintage = b->vintage};
  snprintf(r.registry, sizeof r.registry, "%s", b->registry);
  snprintf(r.host, sizeof r.host, "%s", x->party);
  l6_err e = OPS->a6_itmo_next_serial(ST, x->approach, b->registry, &r.itmo_first, err);
  if (e == L6_E_OK) e = OPS->a6_itmo_put(ST, &r, err);
  if (e == L6_E_OK) e = put_action(s, tx, "Issuance", x->party, &r, NULL, NULL, x->purposes, NULL, year_now(s), 0, err);
  unsigned purposes = 0;
  a6_purposes_parse(x->purposes, &purposes);
  a6_ft_event ev = a6_ft_event_from_str(x->ft_event);
  if (e == L6_E_OK && (purposes & A6_P_OIMP) && (ev == A6_FT_AUTHORIZATION || ev == A6_FT_ISSUANCE))
    e = first_transfer(s, tx, &r, year_now(s), NULL, err);
  x->assigned += last - first + 1;
  *took = last - first + 1;
  return e;
}

typedef struct {
  l6_block *b;
  size_t n, cap;
} blk_buf;

static int blk_row(void *ctx, const void *row) {
  blk_buf *bb = ctx;
  l6_block *nb = svc__grow(bb->b, bb->n, &bb->cap, sizeof *nb, 16);
  if (nb == NULL) return 1;
  bb->b = nb;
  bb->b[bb->n++] = *(const l6_block *)row;
  return 0;
}

typedef struct {
  l6_batch *b;
  size_t n, cap;
} batch_buf;

static int batch_row(void *ctx, const void *row) {
  batch_buf *bb = ctx;
  l6_batch *nb = svc__grow(bb->b, bb->n, &bb->cap, sizeof *nb, 16);
  if (nb == NULL) return 1;
  bb->b = nb;
  bb->b[bb->n++] = *(const l6_batch *)row;
  return 0;
}

/* Assigns the free units of batch b (not yet ITMOs, not retired or
 * cancelled) to authorization x, lowest serials first. */
static l6_err assign_batch(l6_svc *s, l6_id tx, l6_a6_auth *x, const l6_batch *b, l6_error *err) {
  blk_buf bb = {0};
  itmo_buf ib = {0};
  l6_err e = OPS->blocks_of_batch(ST, b->id, blk_row, &bb, err);
  if (e == L6_E_OK) e = OPS->a6_itmo_in_batch(ST, b->id, b->serial_start, b->serial_start + b->quantity - 1, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "batch %lld is too fragmented", (long long)b->id);
  for (size_t i = 0; i < bb.n && e == L6_E_OK && x->assigned < x->quantity; i++) {
    l6_account acc;
    if ((e = OPS->account_get(ST, bb.b[i].account, &acc, err)) != L6_E_OK) break;
    if (l6_account_type_terminal(acc.type)) continue;
    int64_t cur = bb.b[i].first;
    size_t k = 0;
    while (cur <= bb.b[i].last && e == L6_E_OK && x->assigned < x->quantity) {
      while (k < ib.n && ib.r[k].last < cur) k++;
      int64_t end = bb.b[i].last;
      if (k < ib.n && ib.r[k].first <= cur) { /* inside an ITMO range: skip it */
        cur = ib.r[k].last + 1;
        continue;
      }
      if (k < ib.n && ib.r[k].first - 1 < end) end = ib.r[k].first - 1;
      l6_qty took;
      e = assign(s, tx, x, b, cur, end, &took, err);
      cur = end + 1;
    }
  }
  free(bb.b);
  free(ib.r);
  return e;
}

/* ---- four eyes for authorizations (issue 15; proposal.c) -------------- */

typedef struct {
  const char *party;
  char registry[6];
  bool covered;
  l6_svc *s;
  l6_err e;
  l6_error *err;
} pol_ctx;

static int party_pol_row(void *ctx, const void *row) {
  pol_ctx *c = ctx;
  const l6_registry *r = row;
  if (strcmp(r->party, c->party) != 0) return 0;
  c->e = svc__policy_covers_a6(c->s, r->id, &c->covered, c->err);
  if (c->e == L6_E_OK && c->covered) snprintf(c->registry, sizeof c->registry, "%s", r->id);
  return c->e != L6_E_OK || c->covered;
}

/* The rule: an authorization or revocation of Party P needs a second
 * person when the approval policy of a registry of P (the first, by id,
 * whose policy says so) has "a6_authorizations": true. */
static l6_err a6_policy(l6_svc *s, const char *party, char registry[6], bool *covered, l6_error *err) {
  pol_ctx c = {.party = party, .s = s, .err = err};
  l6_err e = OPS->registry_list(ST, party_pol_row, &c, err);
  if (e == L6_E_OK) e = c.e;
  *covered = e == L6_E_OK && c.covered;
  snprintf(registry, 6, "%s", c.registry);
  return e;
}

/* The canonical request of an authorization (the terms as given). */
static char *auth_req_dump(const l6_a6_auth *x) {
  json_t *o = json_pack("{ss si ss si si sI ss ss ss ss ss si si sb}", "kind", "a6-authorization", "approach", x->approach,
                        "party", x->party, "vintage_from", x->vintage_from, "vintage_to", x->vintage_to, "quantity",
                        (json_int_t)x->quantity, "project", x->project, "purposes", x->purposes, "first_transfer_event",
                        x->ft_event, "authorized_parties", x->parties, "authorized_entities", x->entities, "year_from",
                        x->year_from, "year_to", x->year_to, "in_ndc_scope", x->in_scope);
  char *t = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  return t;
}

static void str_of(char *dst, size_t cap, const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  snprintf(dst, cap, "%s", v ? v : "");
}

static void auth_req_load(const json_t *o, l6_a6_auth *x) {
  memset(x, 0, sizeof *x);
  x->approach = (int)json_integer_value(json_object_get(o, "approach"));
  str_of(x->party, sizeof x->party, o, "party");
  str_of(x->project, sizeof x->project, o, "project");
  x->vintage_from = (int)json_integer_value(json_object_get(o, "vintage_from"));
  x->vintage_to = (int)json_integer_value(json_object_get(o, "vintage_to"));
  x->quantity = json_integer_value(json_object_get(o, "quantity"));
  str_of(x->purposes, sizeof x->purposes, o, "purposes");
  str_of(x->ft_event, sizeof x->ft_event, o, "first_transfer_event");
  str_of(x->parties, sizeof x->parties, o, "authorized_parties");
  str_of(x->entities, sizeof x->entities, o, "authorized_entities");
  x->year_from = (int)json_integer_value(json_object_get(o, "year_from"));
  x->year_to = (int)json_integer_value(json_object_get(o, "year_to"));
  x->in_scope = json_is_true(json_object_get(o, "in_ndc_scope"));
}

/* Records the request as a proposal when the Party's policy covers it:
 * *proposed then, with out the proposal. */
static l6_err a6_gate(l6_svc *s, const l6_actor *a, const char *party, const char *kind, char *req, json_t **out,
                      bool *proposed, l6_error *err) {
  *proposed = false;
  char registry[6] = "";
  bool covered = false;
  l6_err e = req ? a6_policy(s, party, registry, &covered, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && covered) {
    e = svc__proposal_plain(s, a, kind, registry, "a6-authorizations", req, out, err);
    *proposed = e == L6_E_OK;
  }
  free(req);
  return e;
}

/* Checks that need no store. */
static l6_err auth_validate(const l6_actor *a, l6_a6_auth *in, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not authorize units", l6_role_str(a->role));
  return svc__a6_terms_validate(in, err);
}

l6_err svc__a6_terms_validate(l6_a6_auth *in, l6_error *err) {
  unsigned purposes;
  if (!a6_purposes_parse(in->purposes, &purposes))
    return l6_fail(err, L6_E_INVALID_VALUE, "purposes must be one or more of NDC, OIMP, IMP, OP");
  char canon[24];
  snprintf(in->purposes, sizeof in->purposes, "%s", a6_purposes_str(purposes, canon, sizeof canon));
  if (in->ft_event[0] == '\0') snprintf(in->ft_event, sizeof in->ft_event, "%s", "use");
  if (a6_ft_event_from_str(in->ft_event) == A6_FT__NONE)
    return l6_fail(err, L6_E_INVALID_VALUE, "first_transfer_event must be authorization, issuance or use");
  if (in->approach < 1 || in->approach > L6_A6_MAX_APPROACH)
    return l6_fail(err, L6_E_INVALID_VALUE, "approach must be CA0001 to CA9999");
  if (in->quantity <= 0 || in->quantity > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be from 1 to %lld", (long long)L6_MAX_QUANTITY);
  if (in->vintage_from < L6_VINTAGE_MIN || in->vintage_to > L6_VINTAGE_MAX || in->vintage_from > in->vintage_to)
    return l6_fail(err, L6_E_INVALID_VALUE, "vintage_from and vintage_to must be years, from <= to");
  if (in->year_from < L6_VINTAGE_MIN || in->year_to > L6_VINTAGE_MAX || in->year_from > in->year_to)
    return l6_fail(err, L6_E_INVALID_VALUE, "year_from and year_to (the timeframe) must be years, from <= to");
  return L6_E_OK;
}

/* The authorization inside the open transaction; gate: whether the
 * approval policy may make it a proposal (*status 202) instead of
 * applying it (*status 201). */
static l6_err authorize_in_tx(l6_svc *s, const l6_actor *a, l6_a6_auth *in, bool gate, json_t **out, int *status,
                              l6_error *err) {
  l6_err e = auth_validate(a, in, err);
  if (e != L6_E_OK) return e;
  l6_project p;
  e = OPS->project_get(ST, in->project, &p, err);
  if (e == L6_E_OK && strcmp(p.host, in->party) != 0)
    e = l6_fail(err, L6_E_NOT_HOST_AUTHORITY, "project %s is hosted by %s, not %s", p.id, p.host, in->party);
  if (e == L6_E_OK) e = need_admin_or_authority(s, a, in->party, L6_E_NOT_HOST_AUTHORITY, err);
  /* CABs and conservation certificates never carry a corresponding adjustment. */
  if (e == L6_E_OK) e = svc__project_non_offsetting(s, in->project, "an Article 6 authorization", err);
  if (e == L6_E_OK) {
    char buf[L6_A6_LIST_MAX + 1];
    snprintf(buf, sizeof buf, "%s", in->parties);
    for (char *t = strtok(buf, ","); t && e == L6_E_OK; t = strtok(NULL, ",")) {
      l6_party q;
      e = OPS->party_get(ST, t, &q, err);
      if (e == L6_E_UNKNOWN_PARTY) l6_fail(err, e, "authorized Party %s is not known", t);
    }
  }
  bool proposed = false;
  if (e == L6_E_OK && gate) e = a6_gate(s, a, in->party, "a6-authorization", auth_req_dump(in), out, &proposed, err);
  if (e != L6_E_OK || proposed) {
    *status = 202;
    return e;
  }
  *status = 201;
  in->id = 0;
  in->assigned = 0;
  in->version = 1;
  in->revoked = false;
  svc__timestamp(s, in->ts);
  e = OPS->a6_auth_put(ST, in, err);
  batch_buf bb = {0};
  if (e == L6_E_OK) e = OPS->batch_list(ST, in->project, 0, 100000, batch_row, &bb, err);
  for (size_t i = 0; i < bb.n && e == L6_E_OK && in->assigned < in->quantity; i++)
    if (bb.b[i].vintage >= in->vintage_from && bb.b[i].vintage <= in->vintage_to) e = assign_batch(s, 0, in, &bb.b[i], err);
  free(bb.b);
  letter_seal(in); /* its id is known now */
  if (e == L6_E_OK) e = OPS->a6_auth_put(ST, in, err);
  /* Its letter's hash in the transparency log (a letter leaf, tlog.h). */
  if (e == L6_E_OK) e = tlog_append_letter(ST, in->id, in->version, in->letter_sha256, in->ts, NULL, err);
  if (e == L6_E_OK) {
    *out = view_auth(in);
    itmo_buf ib = {0};
    e = OPS->a6_itmo_list(ST, in->id, itmo_row, &ib, err);
    json_t *items = json_array();
    for (size_t i = 0; i < ib.n; i++) json_array_append_new(items, view_itmo(&ib.r[i]));
    free(ib.r);
    if (*out) json_object_set_new(*out, "itmos", items);
    else json_decref(items);
  }
  return e;
}

l6_err svc_a6_authorize_st(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, int *status, l6_error *err) {
  *out = NULL;
  int st = 201;
  l6_err e = auth_validate(a, in, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  e = authorize_in_tx(s, a, in, true, out, &st, err);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  if (status) *status = st;
  return svc__finish_out(s, e, out, err);
}

l6_err svc__a6_authorize_in_tx(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, int *status, l6_error *err) {
  return authorize_in_tx(s, a, in, true, out, status, err);
}

l6_err svc_a6_authorize(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, l6_error *err) {
  return svc_a6_authorize_st(s, a, in, out, NULL, err);
}

/* The revocation inside the open transaction (as authorize_in_tx). */
static l6_err revoke_in_tx(l6_svc *s, const l6_actor *a, l6_id id, bool gate, json_t **out, int *status, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_a6_auth x;
  l6_err e = OPS->a6_auth_get(ST, id, &x, err);
  if (e == L6_E_UNKNOWN_AUTHORIZATION) l6_fail(err, e, "authorization %lld does not exist", (long long)id);
  if (e == L6_E_OK) e = need_admin_or_authority(s, a, x.party, L6_E_NOT_HOST_AUTHORITY, err);
  if (e == L6_E_OK && x.revoked) e = l6_fail(err, L6_E_AUTHORIZATION_REVOKED, "authorization %lld is already revoked", (long long)id);
  bool proposed = false;
  if (e == L6_E_OK && gate) {
    json_t *o = json_pack("{ss sI}", "kind", "a6-revocation", "authorization", (json_int_t)id);
    char *req = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    e = a6_gate(s, a, x.party, "a6-revocation", req, out, &proposed, err);
  }
  if (e != L6_E_OK || proposed) {
    *status = 202;
    return e;
  }
  *status = 201;
  x.revoked = true;
  x.version++;
  svc__timestamp(s, x.ts);
  letter_seal(&x);
  e = OPS->a6_auth_put(ST, &x, err);
  if (e == L6_E_OK) e = tlog_append_letter(ST, x.id, x.version, x.letter_sha256, x.ts, NULL, err);
  if (e == L6_E_OK) *out = view_auth(&x);
  return e;
}

l6_err svc_a6_revoke_st(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, int *status, l6_error *err) {
  *out = NULL;
  int st = 201;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = revoke_in_tx(s, a, id, true, out, &st, err);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  if (status) *status = st;
  return svc__finish_out(s, e, out, err);
}

l6_err svc_a6_revoke(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  return svc_a6_revoke_st(s, a, id, out, NULL, err);
}

l6_err svc__plain_rerun(l6_svc *s, const l6_actor *a, const char *kind, const char *request, l6_error *err) {
  if (strncmp(kind, "ets-", 4) == 0) return svc__ets_rerun(s, a, kind, request, err);
  json_error_t je;
  json_t *o = json_loads(request, 0, &je);
  if (o == NULL) return l6_fail(err, L6_E_INTERNAL, "a stored proposal request is not JSON");
  json_t *out = NULL;
  int st;
  l6_err e;
  if (strcmp(kind, "a6-authorization") == 0) {
    l6_a6_auth x;
    auth_req_load(o, &x);
    e = authorize_in_tx(s, a, &x, false, &out, &st, err);
  } else if (strcmp(kind, "a6-revocation") == 0) {
    e = revoke_in_tx(s, a, json_integer_value(json_object_get(o, "authorization")), false, &out, &st, err);
  } else {
    e = l6_fail(err, L6_E_INTERNAL, "proposal kind %s cannot run", kind);
  }
  json_decref(o);
  json_decref(out);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return e;
}

typedef struct {
  json_t *items;
} auth_ctx;

static int auth_row(void *ctx, const void *row) {
  json_array_append_new(((auth_ctx *)ctx)->items, view_auth(row));
  return 0;
}

l6_err svc_a6_auth_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  auth_ctx c = {json_array()};
  e = OPS->a6_auth_list(ST, party ? party : "", auth_row, &c, err);
  *out = json_pack("{s:o}", "items", c.items);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_a6_auth_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_auth x;
  e = OPS->a6_auth_get(ST, id, &x, err);
  if (e == L6_E_UNKNOWN_AUTHORIZATION) l6_fail(err, e, "authorization %lld does not exist", (long long)id);
  itmo_buf ib = {0};
  if (e == L6_E_OK) e = OPS->a6_itmo_list(ST, id, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "more than %d ITMO ranges", L6_A6_MAX_PIECES);
  if (e == L6_E_OK) {
    json_t *items = json_array();
    for (size_t i = 0; i < ib.n; i++) json_array_append_new(items, view_itmo(&ib.r[i]));
    *out = view_auth(&x);
    if (*out) json_object_set_new(*out, "itmos", items);
    else json_decref(items);
  }
  free(ib.r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_a6_auth_letter(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_auth x;
  e = OPS->a6_auth_get(ST, id, &x, err);
  if (e == L6_E_UNKNOWN_AUTHORIZATION) l6_fail(err, e, "authorization %lld does not exist", (long long)id);
  char *t = e == L6_E_OK ? malloc(LETTER_MAX) : NULL;
  if (e == L6_E_OK && t == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  int n = e == L6_E_OK ? letter_text(&x, t, LETTER_MAX) : -1;
  if (e == L6_E_OK && n < 0) e = l6_fail(err, L6_E_INTERNAL, "the letter of authorization %lld does not fit", (long long)id);
  if (e == L6_E_OK) {
    char hex[65];
    a6_letter_sha256(t, (size_t)n, hex);
    *out = json_pack("{s:I, s:i, s:s, s:s, s:o, s:o}", "authorization", (json_int_t)id, "version", x.version, "text", t,
                     "sha256", hex, "recorded_sha256", x.letter_sha256[0] ? json_string(x.letter_sha256) : json_null(),
                     "matches", x.letter_sha256[0] ? json_boolean(strcmp(hex, x.letter_sha256) == 0) : json_null());
  }
  /* The letter leaves (schema 28): the current version's, with its entry
   * and hash (its inclusion proof: GET /v1/log/proof/inclusion?index=),
   * and every version's that has one. null / absent before schema 28. */
  json_t *leaves = json_array(), *cur = json_null();
  for (int v = 1; e == L6_E_OK && v <= x.version; v++) {
    l6_log_leaf l;
    l6_err le = OPS->log_letter_get(ST, id, v, &l, err);
    if (le == L6_E_NOT_FOUND) continue;
    if ((e = le) != L6_E_OK) break;
    json_array_append_new(leaves, json_pack("{s:i, s:I, s:s}", "version", v, "index", (json_int_t)l.index,
                                            "letter_sha256", l.sha256));
    if (v == x.version) {
      char text[TLOG_LETTER_ENTRY_MAX];
      uint8_t h[32];
      size_t len = tlog_letter_entry(&l, text, h);
      json_decref(cur);
      cur = json_pack("{s:I, s:s#, s:o}", "index", (json_int_t)l.index, "entry", text, (int)len, "hash", view_hex(h, 32));
    }
  }
  if (*out) {
    json_object_set_new(*out, "leaf", cur);
    json_object_set_new(*out, "leaves", leaves);
  } else {
    json_decref(cur);
    json_decref(leaves);
  }
  free(t);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  int64_t checked;
  char *problem;
  size_t cap;
} letters_ctx;

static int letter_row(void *ctx, const void *row) {
  letters_ctx *c = ctx;
  const l6_a6_auth *x = row;
  if (x->letter_sha256[0] == '\0') return 0; /* made before schema 22: no hash recorded */
  char hex[65];
  letter_hash(x, hex);
  c->checked++;
  if (strcmp(hex, x->letter_sha256) == 0) return 0;
  snprintf(c->problem, c->cap,
           "authorization %lld: its stored terms no longer match the hash of its letter recorded at version %d "
           "(recorded %.16s..., the terms give %.16s...)",
           (long long)x->id, x->version, x->letter_sha256, hex);
  return 1;
}

typedef struct {
  l6_a6_auth *a;
  size_t n, cap;
  bool nomem;
} auth_all;

static int auth_all_row(void *ctx, const void *row) {
  auth_all *b = ctx;
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 16;
    l6_a6_auth *na = realloc(b->a, nc * sizeof *na);
    if (na == NULL) {
      b->nomem = true;
      return 1;
    }
    b->a = na;
    b->cap = nc;
  }
  b->a[b->n++] = *(const l6_a6_auth *)row;
  return 0;
}

typedef struct {
  int version;
  char sha256[65];
} rec_hash;

/* The letter hash an amendment record kept for the version it replaced. */
static int rec_hash_row(void *ctx, const void *row) {
  rec_hash *r = ctx;
  const l6_a6_auth_version *v = row;
  if (v->version != r->version) return 0;
  json_t *body = json_loads(v->body, 0, NULL);
  const char *h = json_string_value(json_object_get(json_object_get(body, "terms"), "letter_sha256"));
  snprintf(r->sha256, sizeof r->sha256, "%s", h ? h : "");
  json_decref(body);
  return 1;
}

/* Every letter leaf of x against the hash the store keeps for its version:
 * the current version's recorded hash; an amended version's, in the
 * amendment's record (terms.letter_sha256); the version a revocation
 * replaced without an amendment, recomputed from the terms (which the
 * revocation left as they were, but for version and revoked). */
static l6_err letter_leaves_check(l6_store *st, const l6_a6_auth *x, char *problem, size_t cap, l6_error *err) {
  l6_err e = L6_E_OK;
  for (int v = 1; v <= x->version && e == L6_E_OK && problem[0] == '\0'; v++) {
    l6_log_leaf l;
    l6_err le = st->ops->log_letter_get(st, x->id, v, &l, err);
    if (le == L6_E_NOT_FOUND) continue; /* made before schema 28: no leaf */
    if ((e = le) != L6_E_OK) break;
    rec_hash r = {.version = v};
    const char *what = "the hash recorded with the authorization";
    if (v == x->version) {
      snprintf(r.sha256, sizeof r.sha256, "%s", x->letter_sha256);
    } else {
      e = st->ops->a6_auth_version_list(st, x->id, rec_hash_row, &r, err);
      what = "the hash its amendment record kept";
      if (e == L6_E_OK && r.sha256[0] == '\0' && x->revoked && v == x->version - 1) {
        l6_a6_auth y = *x;
        y.version = v;
        y.revoked = false;
        letter_hash(&y, r.sha256);
        what = "the hash of the terms the revocation replaced";
      }
    }
    if (e != L6_E_OK) break;
    if (strcmp(r.sha256, l.sha256) != 0)
      snprintf(problem, cap,
               "authorization %lld, version %d: its letter leaf (leaf %lld) commits to letter hash %.16s..., but the "
               "store has %.16s... (%s): the authorization or its record was changed after the leaf was logged",
               (long long)x->id, v, (long long)l.index, l.sha256, r.sha256[0] ? r.sha256 : "none", what);
  }
  return e;
}

l6_err svc__a6_letters_check(l6_store *st, int64_t *checked, char *problem, size_t cap, l6_error *err) {
  letters_ctx c = {.problem = problem, .cap = cap};
  problem[0] = '\0';
  l6_err e = st->ops->a6_auth_list(st, "", letter_row, &c, err);
  *checked = c.checked;
  /* Then every version's letter leaf (schema 28). */
  auth_all b = {0};
  if (e == L6_E_OK && problem[0] == '\0') e = st->ops->a6_auth_list(st, "", auth_all_row, &b, err);
  if (e == L6_E_OK && b.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; i < b.n && e == L6_E_OK && problem[0] == '\0'; i++)
    e = letter_leaves_check(st, &b.a[i], problem, cap, err);
  free(b.a);
  return e;
}

l6_err svc_a6_itmo_list(l6_svc *s, const l6_actor *a, l6_id auth, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_books_reader(a, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  itmo_buf ib = {0};
  char reviewed[4] = ""; /* a reviewer sees the ITMOs its Party hosts */
  e = actor_party(s, a, reviewed, err);
  if (e == L6_E_OK) e = OPS->a6_itmo_list(ST, auth, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "more than %d ITMO ranges", L6_A6_MAX_PIECES);
  json_t *items = json_array();
  for (size_t i = 0; i < ib.n; i++)
    if (a->role != L6_ROLE_REVIEWER || strcmp(ib.r[i].host, reviewed) == 0)
      json_array_append_new(items, view_itmo(&ib.r[i]));
  free(ib.r);
  *out = json_pack("{s:o}", "items", items);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* ---- hooks -------------------------------------------------------------- */

typedef struct {
  l6_a6_auth *a;
  size_t n, cap;
  const char *project;
} auth_buf;

static int auth_collect(void *ctx, const void *row) {
  auth_buf *b = ctx;
  const l6_a6_auth *x = row;
  if (b->project && strcmp(x->project, b->project) != 0) return 0;
  l6_a6_auth *na = svc__grow(b->a, b->n, &b->cap, sizeof *na, 8);
  if (na == NULL) return 1;
  b->a = na;
  b->a[b->n++] = *x;
  return 0;
}

l6_err a6_on_issue(l6_svc *s, const l6_tx *tx, const l6_batch *b, l6_error *err) {
  l6_project p;
  l6_err e = OPS->project_get(ST, b->project, &p, err);
  return e == L6_E_OK ? a6_on_issue_host(s, tx, b, p.host, err) : e;
}

l6_err a6_on_issue_host(l6_svc *s, const l6_tx *tx, const l6_batch *b, const char *host, l6_error *err) {
  auth_buf ab = {.project = b->project};
  l6_err e = OPS->a6_auth_list(ST, host, auth_collect, &ab, err);
  for (size_t i = 0; i < ab.n && e == L6_E_OK; i++) {
    l6_a6_auth *x = &ab.a[i];
    if (x->revoked || x->assigned >= x->quantity || b->vintage < x->vintage_from || b->vintage > x->vintage_to) continue;
    e = assign_batch(s, tx->id, x, b, err);
    if (e == L6_E_OK) e = OPS->a6_auth_put(ST, x, err);
  }
  free(ab.a);
  return e;
}

/* Reads authorization id into *x (a small cache: actions touch few). */
static l6_err auth_of(l6_svc *s, l6_id id, l6_a6_auth *x, l6_error *err) {
  if (x->id == id) return L6_E_OK;
  return OPS->a6_auth_get(ST, id, x, err);
}

/* ---- amendments ------------------------------------------------------------ */

/* The replaced terms of an amendment record's body (view_auth's shape)
 * written over x: purposes, Parties, entities, vintages, quantity and
 * timeframe; the rest (id, revocation, scope, first transfer event) stays. */
static void apply_terms(l6_a6_auth *x, const json_t *t) {
  char buf[L6_A6_LIST_MAX + 1];
  size_t i, n = 0;
  json_t *v;
  buf[0] = '\0';
  json_array_foreach(json_object_get(t, "purposes"), i, v)
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", i ? "," : "", json_string_value(v));
  snprintf(x->purposes, sizeof x->purposes, "%s", buf);
  n = 0;
  buf[0] = '\0';
  json_array_foreach(json_object_get(t, "authorized_parties"), i, v)
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", i ? "," : "", json_string_value(v));
  snprintf(x->parties, sizeof x->parties, "%s", buf);
  n = 0;
  buf[0] = '\0';
  json_array_foreach(json_object_get(t, "authorized_entities"), i, v)
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", i ? "|" : "", json_string_value(v));
  snprintf(x->entities, sizeof x->entities, "%s", buf);
  x->vintage_from = (int)json_integer_value(json_object_get(t, "vintage_from"));
  x->vintage_to = (int)json_integer_value(json_object_get(t, "vintage_to"));
  x->quantity = json_integer_value(json_object_get(t, "quantity"));
  x->year_from = (int)json_integer_value(json_object_get(t, "year_from"));
  x->year_to = (int)json_integer_value(json_object_get(t, "year_to"));
}

typedef struct {
  const l6_a6_itmo *it;
  l6_a6_auth *x;
  bool found;
} terms_ctx;

/* An amendment's record: when it pinned the range (it was first transferred
 * before the amendment), the range keeps the terms the amendment replaced.
 * The earliest such amendment wins: later ones left the range alone. */
static int terms_row(void *ctx, const void *row) {
  terms_ctx *c = ctx;
  const l6_a6_auth_version *v = row;
  if (c->found) return 0;
  json_t *body = json_loads(v->body, 0, NULL);
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(body, "kept"), i, p) {
    const char *reg = json_string_value(json_array_get(p, 0));
    int64_t lo = json_integer_value(json_array_get(p, 1)), hi = json_integer_value(json_array_get(p, 2));
    if (reg && strcmp(reg, c->it->registry) == 0 && c->it->itmo_first >= lo && itmo_last(c->it) <= hi) {
      apply_terms(c->x, json_object_get(body, "terms"));
      c->found = true;
      break;
    }
  }
  json_decref(body);
  return 0;
}

/* The authorization of ITMO range it with the terms that govern it: those
 * in force at its first transfer (an amendment does not touch ITMOs already
 * first transferred), else the current ones. */
static l6_err terms_of(l6_svc *s, const l6_a6_itmo *it, l6_a6_auth *x, l6_error *err) {
  l6_err e = OPS->a6_auth_get(ST, it->auth, x, err);
  if (e != L6_E_OK || x->version <= 1 || it->ft_year == 0) return e;
  terms_ctx c = {it, x, false};
  return OPS->a6_auth_version_list(ST, it->auth, terms_row, &c, err);
}

/* A list of strings from a JSON array into a sep-separated field. */
static l6_err list_field(const json_t *v, const char *name, char sep, char *dst, size_t cap, l6_error *err) {
  if (!json_is_array(v)) return l6_fail(err, L6_E_WRONG_TYPE, "changes.%s must be an array of strings", name);
  size_t i, n = 0;
  json_t *x;
  dst[0] = '\0';
  json_array_foreach(v, i, x) {
    if (!json_is_string(x) || json_string_length(x) == 0 || strchr(json_string_value(x), sep))
      return l6_fail(err, L6_E_WRONG_TYPE, "changes.%s must be an array of strings", name);
    int k = snprintf(dst + n, cap - n, "%s%s", i ? (sep == ',' ? "," : "|") : "", json_string_value(x));
    if (k < 0 || (size_t)k >= cap - n) return l6_fail(err, L6_E_INVALID_VALUE, "changes.%s is too long", name);
    n += (size_t)k;
  }
  return L6_E_OK;
}

static l6_err int_field(const json_t *v, const char *name, int64_t lo, int64_t hi, int64_t *out, l6_error *err) {
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "changes.%s must be an integer", name);
  if (json_integer_value(v) < lo || json_integer_value(v) > hi)
    return l6_fail(err, L6_E_INVALID_VALUE, "changes.%s must be from %lld to %lld", name, (long long)lo, (long long)hi);
  *out = json_integer_value(v);
  return L6_E_OK;
}

l6_err svc_a6_amend(l6_svc *s, const l6_actor *a, l6_id id, const json_t *changes, const char *effective_from,
                    const char *reason, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not amend authorizations", l6_role_str(a->role));
  if (!json_is_object(changes) || json_object_size(changes) == 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "changes must name at least one term to change");
  if (effective_from == NULL || !l6_valid_date(effective_from))
    return l6_fail(err, L6_E_INVALID_VALUE, "effective_from must be a date YYYY-MM-DD");
  if (reason == NULL) reason = "";
  if (strlen(reason) > L6_NAME_MAX) return l6_fail(err, L6_E_INVALID_VALUE, "reason is at most %d bytes", L6_NAME_MAX);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_auth x, y;
  e = OPS->a6_auth_get(ST, id, &x, err);
  if (e == L6_E_UNKNOWN_AUTHORIZATION) l6_fail(err, e, "authorization %lld does not exist", (long long)id);
  if (e == L6_E_OK) e = need_admin_or_authority(s, a, x.party, L6_E_NOT_HOST_AUTHORITY, err);
  if (e == L6_E_OK && x.revoked) e = l6_fail(err, L6_E_AUTHORIZATION_REVOKED, "authorization %lld is revoked", (long long)id);
  y = x;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)changes, k, v) {
    if (e != L6_E_OK) break;
    int64_t n = 0;
    if (strcmp(k, "quantity") == 0) {
      if ((e = int_field(v, k, 1, L6_MAX_QUANTITY, &n, err)) == L6_E_OK) y.quantity = n;
    } else if (strcmp(k, "vintage_from") == 0 || strcmp(k, "vintage_to") == 0 || strcmp(k, "year_from") == 0 ||
               strcmp(k, "year_to") == 0) {
      if ((e = int_field(v, k, L6_VINTAGE_MIN, L6_VINTAGE_MAX, &n, err)) == L6_E_OK)
        *(k[0] == 'v' ? (k[8] == 'f' ? &y.vintage_from : &y.vintage_to) : (k[5] == 'f' ? &y.year_from : &y.year_to)) = (int)n;
    } else if (strcmp(k, "purposes") == 0) {
      char buf[L6_A6_LIST_MAX + 1];
      unsigned set = 0;
      e = list_field(v, k, ',', buf, sizeof buf, err);
      if (e == L6_E_OK && (strlen(buf) >= sizeof y.purposes || !a6_purposes_parse(buf, &set)))
        e = l6_fail(err, L6_E_INVALID_VALUE, "purposes must be one or more of NDC, OIMP, IMP, OP");
      char canon[24];
      if (e == L6_E_OK) snprintf(y.purposes, sizeof y.purposes, "%s", a6_purposes_str(set, canon, sizeof canon));
    } else if (strcmp(k, "authorized_parties") == 0) {
      e = list_field(v, k, ',', y.parties, sizeof y.parties, err);
      char buf[L6_A6_LIST_MAX + 1];
      snprintf(buf, sizeof buf, "%s", y.parties);
      for (char *t = strtok(buf, ","); t && e == L6_E_OK; t = strtok(NULL, ",")) {
        l6_party q;
        e = OPS->party_get(ST, t, &q, err);
        if (e == L6_E_UNKNOWN_PARTY) l6_fail(err, e, "authorized Party %s is not known", t);
      }
    } else if (strcmp(k, "authorized_entities") == 0) {
      e = list_field(v, k, '|', y.entities, sizeof y.entities, err);
    } else {
      e = l6_fail(err, L6_E_INVALID_VALUE,
                  "changes.%s cannot be amended (quantity, vintage_from, vintage_to, purposes, authorized_parties, "
                  "authorized_entities, year_from, year_to can)",
                  k);
    }
  }
  if (e == L6_E_OK && (y.vintage_from > y.vintage_to || y.year_from > y.year_to))
    e = l6_fail(err, L6_E_INVALID_VALUE, "the amended vintages and timeframe must run from <= to");
  if (e == L6_E_OK && y.quantity < x.assigned)
    e = l6_fail(err, L6_E_INVALID_QUANTITY, "quantity %lld is below the %lld ITMOs already made under authorization %lld",
                (long long)y.quantity, (long long)x.assigned, (long long)id);
  /* The ITMO ranges: those first transferred keep the terms replaced here. */
  itmo_buf ib = {0};
  if (e == L6_E_OK) e = OPS->a6_itmo_list(ST, id, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "more than %d ITMO ranges", L6_A6_MAX_PIECES);
  json_t *kept = json_array();
  l6_qty n_kept = 0, n_touched = 0;
  for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) {
    const l6_a6_itmo *r = &ib.r[i];
    if (r->ft_year) {
      json_array_append_new(kept, json_pack("[s, I, I]", r->registry, (json_int_t)r->itmo_first, (json_int_t)itmo_last(r)));
      n_kept += r->last - r->first + 1;
    } else {
      n_touched += r->last - r->first + 1;
    }
  }
  free(ib.r);
  l6_a6_auth_version *rec = e == L6_E_OK ? calloc(1, sizeof *rec) : NULL;
  if (e == L6_E_OK && rec == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    json_t *body = json_pack("{s:o, s:O, s:s, s:O, s:I, s:I}", "terms", view_auth(&x), "changes", changes, "reason", reason,
                             "kept", kept, "itmos_kept", (json_int_t)n_kept, "itmos_touched", (json_int_t)n_touched);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    else if (strlen(text) > L6_A6_VERSION_BODY_MAX)
      e = l6_fail(err, L6_E_TOO_MANY_RANGES, "authorization %lld has too many ITMO ranges to record an amendment",
                  (long long)id);
    if (e == L6_E_OK) {
      rec->auth = id;
      rec->version = x.version;
      snprintf(rec->effective_from, sizeof rec->effective_from, "%s", effective_from);
      snprintf(rec->body, sizeof rec->body, "%s", text);
      svc__timestamp(s, rec->ts);
      e = OPS->a6_auth_version_put(ST, rec, err);
    }
    free(text);
  }
  if (e == L6_E_OK) {
    y.version = x.version + 1;
    svc__timestamp(s, y.ts);
    letter_seal(&y);
    e = OPS->a6_auth_put(ST, &y, err);
    if (e == L6_E_OK) e = tlog_append_letter(ST, y.id, y.version, y.letter_sha256, y.ts, NULL, err);
  }
  if (e == L6_E_OK) {
    *out = view_auth(&y);
    json_object_set_new(*out, "amendment",
                        json_pack("{s:i, s:i, s:s, s:O, s:s, s:I, s:I}", "version", y.version, "replaced_version",
                                  x.version, "effective_from", effective_from, "changes", changes, "reason", reason,
                                  "itmos_kept", (json_int_t)n_kept, "itmos_touched", (json_int_t)n_touched));
  }
  json_decref(kept);
  free(rec);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  json_t *items;
} ver_ctx;

static int ver_row(void *ctx, const void *row) {
  const l6_a6_auth_version *v = row;
  json_t *body = json_loads(v->body, 0, NULL);
  if (body == NULL) return 0;
  json_t *o = json_pack("{s:i, s:i, s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "replaced_version", v->version, "version",
                        v->version + 1, "effective_from", v->effective_from, "ts", v->ts, "terms",
                        json_object_get(body, "terms"), "changes", json_object_get(body, "changes"), "reason",
                        json_object_get(body, "reason"), "kept", json_object_get(body, "kept"), "itmos_kept",
                        json_object_get(body, "itmos_kept"), "itmos_touched", json_object_get(body, "itmos_touched"));
  json_decref(body);
  if (o) json_array_append_new(((ver_ctx *)ctx)->items, o);
  return 0;
}

/* Table 2's rows of authorization x (the AEF template has one row per
 * version of an authorization): one per amendment, with the terms it
 * replaced (that version's) and what made the next version, and one for
 * the current version. Each: authorization, version, date (the version's
 * last change), effective_from and changes and reason of the amendment
 * that made it (null for the first version), revoked, terms (view_auth).
 * A revocation makes a version without an amendment record: the current
 * row then says "changes": {"revoked": true}. */
typedef struct {
  json_t *rows;
  json_t *prev; /* the amendment record before, borrowed from rows' last item */
  char last_ts[32]; /* the time of the last amendment record */
} vrow_ctx;

static json_t *version_row(l6_id auth, json_t *terms, const json_t *made_by) {
  const char *ts = json_string_value(json_object_get(terms, "ts"));
  json_t *o = json_pack("{s:I, s:O, s:o, s:O, s:O, s:O, s:o}", "authorization", (json_int_t)auth, "version",
                        json_object_get(terms, "version"), "date", ts && strlen(ts) >= 10 ? json_stringn(ts, 10) : json_null(),
                        "effective_from", made_by ? json_object_get(made_by, "effective_from") : json_null(), "changes",
                        made_by ? json_object_get(made_by, "changes") : json_null(), "reason",
                        made_by ? json_object_get(made_by, "reason") : json_null(), "terms", terms);
  return o;
}

static int vrow_row(void *ctx, const void *row) {
  vrow_ctx *c = ctx;
  const l6_a6_auth_version *v = row;
  json_t *body = json_loads(v->body, 0, NULL);
  if (body == NULL) return 0;
  json_t *made_by = c->prev;
  json_t *r = version_row(v->auth, json_incref(json_object_get(body, "terms")), made_by);
  json_t *rec = json_pack("{s:s, s:O, s:O}", "effective_from", v->effective_from, "changes", json_object_get(body, "changes"),
                          "reason", json_object_get(body, "reason"));
  json_decref(body);
  if (r) json_array_append_new(c->rows, r);
  json_decref(c->prev);
  c->prev = rec;
  snprintf(c->last_ts, sizeof c->last_ts, "%s", v->ts);
  return 0;
}

static l6_err auth_version_rows(l6_svc *s, const l6_a6_auth *x, json_t *rows, l6_error *err) {
  vrow_ctx c = {rows, NULL, ""};
  l6_err e = OPS->a6_auth_version_list(ST, x->id, vrow_row, &c, err);
  json_t *made_by = c.prev;
  if (x->revoked && e == L6_E_OK && x->version > 1) {
    /* The version the revocation replaced has no amendment record: its
     * terms are the current ones but for version and revoked; made by the
     * amendment before (made_by), or the first version. Its time: its
     * letter leaf's (schema 28), else the amendment that made it, else
     * unknown (null: version 1 on a store from before schema 28). */
    l6_a6_auth y = *x;
    y.version = x->version - 1;
    y.revoked = false;
    if (x->letter_sha256[0]) letter_hash(&y, y.letter_sha256);
    l6_log_leaf l;
    l6_err le = OPS->log_letter_get(ST, x->id, y.version, &l, err);
    if (le == L6_E_OK) snprintf(y.ts, sizeof y.ts, "%s", l.ts);
    else if (le != L6_E_NOT_FOUND) e = le;
    else snprintf(y.ts, sizeof y.ts, "%s", made_by ? c.last_ts : "");
    json_t *terms = view_auth(&y);
    if (terms && y.ts[0] == '\0') json_object_set_new(terms, "ts", json_null());
    if (e == L6_E_OK) json_array_append_new(rows, version_row(x->id, terms, made_by));
    else json_decref(terms);
  }
  if (x->revoked) { /* the revocation made the current version, not an amendment */
    json_decref(made_by);
    made_by = json_pack("{s:s#, s:{s:b}, s:n}", "effective_from", x->ts, (int)(strlen(x->ts) >= 10 ? 10 : strlen(x->ts)),
                        "changes", "revoked", true, "reason");
  }
  if (e == L6_E_OK) json_array_append_new(rows, version_row(x->id, view_auth(x), made_by));
  json_decref(made_by);
  return e;
}

l6_err svc_a6_auth_versions(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_a6_auth x;
  e = OPS->a6_auth_get(ST, id, &x, err);
  if (e == L6_E_UNKNOWN_AUTHORIZATION) l6_fail(err, e, "authorization %lld does not exist", (long long)id);
  ver_ctx c = {json_array()};
  if (e == L6_E_OK) e = OPS->a6_auth_version_list(ST, id, ver_row, &c, err);
  *out = json_pack("{s:I, s:i, s:o}", "authorization", (json_int_t)id, "version", e == L6_E_OK ? x.version : 0, "amendments",
                   c.items);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

bool a6_corsia_known(const char *name) {
  a6_corsia_phase ph;
  return corsia_phase(name, &ph);
}

l6_err a6_eligible_ranges(l6_svc *s, const l6_batch *b, int64_t first, int64_t last, bool oimp,
                          const char *corsia_phase_name, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx,
                          l6_error *err) {
  assert(first <= last);
  a6_corsia_phase ph;
  if (corsia_phase_name && !corsia_phase(corsia_phase_name, &ph))
    return l6_fail(err, L6_E_UNKNOWN_CORSIA_PHASE, "no CORSIA phase '%s' in config/corsia.json", corsia_phase_name);
  l6_project p;
  memset(&p, 0, sizeof p);
  l6_err e = corsia_phase_name ? OPS->project_get(ST, b->project, &p, err) : L6_E_OK;
  itmo_buf ib = {0};
  if (e == L6_E_OK) e = OPS->a6_itmo_in_batch(ST, b->id, first, last, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "batch %lld is too fragmented", (long long)b->id);
  l6_a6_auth x = {0};
  int64_t cur = first;
  /* Segments in serial order: units that are not ITMOs between ITMO ranges. */
  for (size_t i = 0; e == L6_E_OK && i <= ib.n && cur <= last; i++) {
    const l6_a6_itmo *it = i < ib.n ? &ib.r[i] : NULL;
    int64_t lo = it ? (it->first > first ? it->first : first) : last + 1;
    int64_t hi = it ? (it->last < last ? it->last : last) : last;
    if (lo > cur) { /* not ITMOs: never OIMP-authorized */
      a6_corsia_unit u = {.programme = p.programme, .crediting_start = p.crediting_start, .vintage = b->vintage};
      if (!oimp && (!corsia_phase_name || a6_corsia_check(&ph, &u) == 0)) fn(ctx, cur, lo - 1);
    }
    if (it == NULL) break;
    if ((e = terms_of(s, it, &x, err)) != L6_E_OK) break;
    unsigned purposes = 0;
    a6_purposes_parse(x.purposes, &purposes);
    bool held = it->fate[0] == '\0' && !(x.revoked && it->ft_year == 0);
    bool for_oimp = held && (purposes & A6_P_OIMP) != 0;
    a6_corsia_unit u = {.programme = p.programme, .crediting_start = p.crediting_start, .vintage = b->vintage,
                        .oimp_authorized = for_oimp, .ca_applied = for_oimp};
    if (held && (!oimp || for_oimp) && (!corsia_phase_name || a6_corsia_check(&ph, &u) == 0)) fn(ctx, lo, hi);
    cur = hi + 1;
  }
  free(ib.r);
  return e;
}

/* ---- the Article 6 rules of the policy step (move.h) ------------------------ */

/* Whether an ITMO row is still an Article 6 unit: held (not used or
 * cancelled) and its authorization not revoked before its first transfer
 * (a6.h, svc_a6_revoke). */
static bool itmo_active(const l6_a6_itmo *r, const l6_a6_auth *x) { return r->fate[0] == '\0' && !(x->revoked && r->ft_year == 0); }

/* Whether `text` contains `phrase` as whole words, ignoring case. */
static bool has_words(const char *text, const char *phrase) {
  size_t n = strlen(phrase);
  for (const char *p = text; *p; p++) {
    if (p != text && isalnum((unsigned char)p[-1])) continue;
    if (strncasecmp(p, phrase, n) == 0 && !isalnum((unsigned char)p[n])) return true;
  }
  return false;
}

/* The emissions purposes: a retirement or cancellation stating one claims
 * what only Article 6 accounting can make true (a use toward an NDC, an
 * OIMP or CORSIA cancellation with its corresponding adjustment, a
 * mitigation contribution without one), so it is refused on a route that
 * does not do that accounting, with the route that does (docs/API.md,
 * "Article 6 claims"). Matched as words, ignoring case, anywhere in the
 * purpose: "CORSIA", "corsia phase 1" and "for CORSIA" all match. */
static const struct {
  const char *words;
  const char *route;
} a6_purposes[] = {
    {"CORSIA", "cancel units for CORSIA through POST /v1/a6/cancellations (kind oimp, purpose CORSIA, with the phase)"},
    {"OIMP", "cancel units for other international mitigation purposes through POST /v1/a6/cancellations (kind oimp)"},
    {"international mitigation purposes", "cancel units for other international mitigation purposes through POST "
                                          "/v1/a6/cancellations (kind oimp)"},
    {"NDC", "use ITMOs toward an NDC through POST /v1/a6/uses"},
    {"NDCs", "use ITMOs toward an NDC through POST /v1/a6/uses"},
    {"nationally determined contribution", "use ITMOs toward an NDC through POST /v1/a6/uses"},
    {"mitigation contribution", "cancel unauthorized units as a mitigation contribution through POST "
                                "/v1/a6/cancellations (kind mitigation-contribution)"},
    {"corresponding adjustment", "claims with a corresponding adjustment go through POST /v1/a6/uses or "
                                 "/v1/a6/cancellations"},
};

static const char *a6_purpose_route(const char *purpose) {
  for (size_t i = 0; i < sizeof a6_purposes / sizeof a6_purposes[0]; i++)
    if (has_words(purpose, a6_purposes[i].words)) return a6_purposes[i].route;
  return NULL;
}

/* Routes that end units for someone's claim (the ledger's retirements and
 * cancellations, ETS surrender, the marketplace's retirement), as opposed
 * to transfers, the exchange and the mechanisms' own levies. */
static bool claim_route(svc_move_route r) {
  return r == SVC_MOVE_RETIREMENT || r == SVC_MOVE_CANCELLATION || r == SVC_MOVE_ETS_SURRENDER || r == SVC_MOVE_MARKETPLACE;
}

/* Whether ending ITMO r (active, of authorization x) on claim route `route`
 * needs an Article 6 route: an ETS surrender of an ITMO is a use toward a
 * Party's NDC (POST /v1/a6/uses), and any retirement or cancellation of an
 * ITMO authorized for OIMP is an OIMP cancellation, which must name its
 * using entity and purpose and carries the host's corresponding adjustment
 * (its first transfer, when the event is use or cancellation): POST
 * /v1/a6/cancellations. An ITMO authorized only for NDC use may still be
 * retired or cancelled voluntarily (no emissions purpose): the effect
 * records it in the AEF as a Cancellation without adjustment -- the host's
 * adjustment, if it was first transferred, stays, and nobody uses it. */
static bool needs_a6_route(svc_move_route route, const l6_a6_auth *x) {
  if (route == SVC_MOVE_ETS_SURRENDER) return true;
  unsigned purposes = 0;
  a6_purposes_parse(x->purposes, &purposes);
  return (purposes & A6_P_OIMP) != 0;
}

/* The check: on any route but the Article 6 actions,
 *  - a retirement, cancellation or surrender that states an emissions
 *    purpose is refused (ARTICLE_SIX_ROUTE_REQUIRED names the route that does the
 *    accounting), whatever the units;
 *  - a claim route ends ITMOs (units of an authorization, held, not
 *    revoked before their first transfer) only where needs_a6_route says
 *    no Article 6 accounting is skipped.
 * The project cycle's own cancellations (OMGE, reversal, conversion) claim
 * nothing and are recorded by the effect below. */
static l6_err a6_move_check(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)arg;
  if (m->a6_accounted || m->tx->kind == L6_TX_TRANSFER) return L6_E_OK;
  /* An imported retirement or cancellation whose stated reason is an Article
   * 6 claim (ART's "CORSIA Compliance", "Contribution Towards Host Country
   * NDC") records what the origin registry did: the claim, and any
   * corresponding adjustment, were made there and are reported by the host
   * Party, so no route here is skipped; ITMOs of this registry are still
   * refused below. */
  const char *route = m->origin_claim ? NULL : a6_purpose_route(m->tx->purpose);
  if (route)
    return l6_fail(err, L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "purpose '%s' is an Article 6 claim that a %s cannot make: %s", m->tx->purpose,
                   svc_move_route_str(m->route), route);
  if (!claim_route(m->route)) return L6_E_OK;
  l6_a6_auth x = {0};
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < m->n && e == L6_E_OK; i++) {
    itmo_buf ib = {0};
    e = OPS->a6_itmo_in_batch(ST, m->takes[i].batch, m->takes[i].first, m->takes[i].last, itmo_row, &ib, err);
    if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "the transaction touches too many ITMO ranges");
    for (size_t k = 0; k < ib.n && e == L6_E_OK; k++) {
      const l6_a6_itmo *r = &ib.r[k];
      if ((e = auth_of(s, r->auth, &x, err)) != L6_E_OK) break;
      if (!itmo_active(r, &x) || !needs_a6_route(m->route, &x)) continue;
      int64_t lo = r->first > m->takes[i].first ? r->first : m->takes[i].first;
      int64_t hi = r->last < m->takes[i].last ? r->last : m->takes[i].last;
      e = l6_fail(err, L6_E_ARTICLE_SIX_ROUTE_REQUIRED,
                  "serials %lld-%lld of batch %lld are ITMOs of authorization %lld (%s): %s", (long long)lo, (long long)hi,
                  (long long)r->batch, (long long)x.id, x.purposes,
                  m->route == SVC_MOVE_ETS_SURRENDER
                      ? "surrendering them is a use toward an NDC; use them through POST /v1/a6/uses, surrender other units"
                      : "ending them is an OIMP cancellation with its corresponding adjustment; cancel them through POST "
                        "/v1/a6/cancellations (kind oimp)");
    }
    free(ib.r);
  }
  return e;
}

/* Whether moving ITMO range r (of authorization x) out of Party
 * from_party's holdings to another Party's is its first transfer: for NDC
 * use the first international transfer is the first transfer (domain.md
 * section 4), so a range not yet first transferred, authorized for NDC
 * use and not revoked, leaving its host. */
bool a6__first_transfer_due(const l6_a6_itmo *r, const l6_a6_auth *x, const char *from_party) {
  unsigned purposes = 0;
  a6_purposes_parse(x->purposes, &purposes);
  return r->ft_year == 0 && !x->revoked && (purposes & A6_P_NDC) && strcmp(from_party, r->host) == 0;
}

/* The effect, for every move whose route does not do the accounting
 * itself: transfers of ITMOs between Parties are recorded (Transfer and
 * Acquisition), and a first transfer (NDC purpose: the first
 * international transfer) is detected and adjusted; may refuse it
 * (OUTSIDE_TIMEFRAME, PARTY_NOT_AUTHORIZED): the caller rolls back. A
 * retirement or cancellation reaching here ends ITMOs authorized only for
 * NDC use (a voluntary cancellation), former ITMOs (authorization revoked
 * before their first transfer) or the project cycle's units: they are
 * recorded cancelled in the AEF with no adjustment, so the Party's
 * holdings stay reconciled. */
static l6_err a6_move_effect(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)arg;
  /* A proposal's hold (proposal.c) keeps the units in their registry and
   * changes nobody's holdings for Article 6: the request itself, run when
   * approved, is the transfer or claim the AEF records. */
  if (m->a6_accounted || m->route == SVC_MOVE_HOLD) return L6_E_OK;
  const l6_tx *tx = m->tx;
  char fp[4] = "", tp[4] = "";
  bool parties = false; /* fp and tp read: only once a take holds an ITMO (most moves hold none; issue 17) */
  l6_err e = L6_E_OK;
  l6_a6_auth x = {0};
  int year = year_now(s);
  for (size_t i = 0; i < m->n && e == L6_E_OK; i++) {
    const l6_take *t = &m->takes[i];
    itmo_buf ib = {0};
    e = OPS->a6_itmo_in_batch(ST, t->batch, t->first, t->last, itmo_row, &ib, err);
    if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "the transaction touches too many ITMO ranges");
    if (e == L6_E_OK && ib.n > 0 && !parties) {
      e = registry_party(s, m->from.registry, fp, err);
      if (e == L6_E_OK) e = registry_party(s, m->to.registry, tp, err);
      parties = true;
    }
    for (size_t k = 0; k < ib.n && e == L6_E_OK; k++) {
      l6_a6_itmo *r = &ib.r[k];
      e = isolate(s, r, t->first, t->last, err);
      if (e == L6_E_OK) e = auth_of(s, r->auth, &x, err);
      if (e != L6_E_OK) break;
      if (tx->kind == L6_TX_TRANSFER) {
        if (strcmp(fp, tp) == 0) continue; /* a domestic transfer is no AEF action */
        if (a6__first_transfer_due(r, &x, fp)) {
          if (year < x.year_from || year > x.year_to)
            e = l6_fail(err, L6_E_OUTSIDE_TIMEFRAME, "first transfer in %d is outside authorization %lld's timeframe %d-%d",
                        year, (long long)x.id, x.year_from, x.year_to);
          else if (x.parties[0] && !list_has(x.parties, tp, ','))
            e = l6_fail(err, L6_E_PARTY_NOT_AUTHORIZED, "authorization %lld does not name %s", (long long)x.id, tp);
          else
            e = first_transfer(s, tx->id, r, year, tp, err);
        }
        if (e == L6_E_OK) e = put_action(s, tx->id, "Transfer", fp, r, fp, tp, NULL, NULL, year, 0, err);
        if (e == L6_E_OK) e = put_action(s, tx->id, "Acquisition", tp, r, fp, tp, NULL, NULL, year, 0, err);
      } else {
        /* the check let no ITMO through that needs an Article 6 route */
        assert(!claim_route(m->route) || !itmo_active(r, &x) || !needs_a6_route(m->route, &x));
        snprintf(r->fate, sizeof r->fate, "cancelled");
        r->use_year = year;
        e = OPS->a6_itmo_put(ST, r, err);
        if (e == L6_E_OK)
          e = put_action(s, tx->id, "Cancellation", fp, r, NULL, NULL, tx->purpose[0] ? tx->purpose : l6_tx_kind_str(tx->kind),
                         tx->beneficiary, year, 0, err);
      }
    }
    free(ib.r);
  }
  return e;
}

const svc_move_hook a6_move_hook = {.name = "Article 6", .check = a6_move_check, .effect = a6_move_effect};

/* CORSIA eligibility of an OIMP cancellation for CORSIA (m->corsia_phase):
 * every unit must satisfy the phase as config/corsia.json defines it
 * (a6_corsia_check). An ITMO authorized for OIMP counts as authorized with
 * its adjustment applied (the cancellation first-transfers it if need be);
 * any other unit as neither. Plain routes never get here with CORSIA:
 * a6_move_check sends them to /v1/a6/cancellations. */
static l6_err corsia_move_check(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)arg;
  if (m->corsia_phase == NULL) return L6_E_OK;
  a6_corsia_phase phase;
  if (!corsia_phase(m->corsia_phase, &phase))
    return l6_fail(err, L6_E_UNKNOWN_CORSIA_PHASE, "no CORSIA phase '%s' in config/corsia.json", m->corsia_phase);
  l6_a6_auth x = {0};
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < m->n && e == L6_E_OK; i++) {
    const l6_take *t = &m->takes[i];
    l6_batch b;
    l6_project p;
    itmo_buf ib = {0};
    e = OPS->batch_get(ST, t->batch, &b, err);
    if (e == L6_E_OK) e = OPS->project_get(ST, b.project, &p, err);
    if (e == L6_E_OK) e = OPS->a6_itmo_in_batch(ST, t->batch, t->first, t->last, itmo_row, &ib, err);
    if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "the transaction touches too many ITMO ranges");
    int64_t cur = t->first;
    for (size_t k = 0; e == L6_E_OK && k <= ib.n && cur <= t->last; k++) {
      const l6_a6_itmo *r = k < ib.n ? &ib.r[k] : NULL;
      int64_t lo = r ? (r->first > t->first ? r->first : t->first) : t->last + 1;
      a6_corsia_unit u = {.programme = p.programme, .crediting_start = p.crediting_start, .vintage = b.vintage};
      unsigned failed = lo > cur ? a6_corsia_check(&phase, &u) : 0; /* serials that are no ITMOs */
      char why[200], fid[64], lid[64];
      if (failed) {
        e = l6_fail(err, L6_E_CORSIA_NOT_ELIGIBLE, "serials %lld-%lld of batch %lld, phase %s: %s", (long long)cur,
                    (long long)(lo - 1), (long long)t->batch, phase.name, a6_corsia_explain(&phase, &u, failed, why, sizeof why));
        break;
      }
      if (r == NULL) break;
      if ((e = auth_of(s, r->auth, &x, err)) != L6_E_OK) break;
      unsigned purposes = 0;
      a6_purposes_parse(x.purposes, &purposes);
      u.oimp_authorized = u.ca_applied = (purposes & A6_P_OIMP) != 0;
      u.vintage = r->vintage;
      if ((failed = a6_corsia_check(&phase, &u)) != 0) {
        itmo_id_of(r, r->itmo_first, fid);
        itmo_id_of(r, itmo_last(r), lid);
        e = l6_fail(err, L6_E_CORSIA_NOT_ELIGIBLE, "ITMOs %s to %s, phase %s: %s", fid, lid, phase.name,
                    a6_corsia_explain(&phase, &u, failed, why, sizeof why));
      }
      cur = (r->last < t->last ? r->last : t->last) + 1;
    }
    free(ib.r);
  }
  return e;
}

const svc_move_hook a6_corsia_move_hook = {.name = "CORSIA eligibility", .check = corsia_move_check};

/* ---- actions: first transfer, use, cancellation --------------------------- */

/* Resolves [first_id, last_id] into ITMO rows cut exactly to it, in ITMO
 * serial order. UNKNOWN_ITMO when a serial in between is no ITMO. */
static l6_err resolve(l6_svc *s, const char *first_id, const char *last_id, itmo_buf *ib, l6_error *err) {
  a6_itmo_id f, l;
  if (!a6_itmo_parse(first_id, &f))
    return l6_fail(err, L6_E_INVALID_VALUE, "first_id '%s' is not an ITMO identifier CA####-XXX##-XXX-serial-vintage", first_id);
  if (!a6_itmo_parse(last_id, &l))
    return l6_fail(err, L6_E_INVALID_VALUE, "last_id '%s' is not an ITMO identifier CA####-XXX##-XXX-serial-vintage", last_id);
  if (f.approach != l.approach || strcmp(f.registry, l.registry) != 0 || strcmp(f.host, l.host) != 0 ||
      f.vintage != l.vintage || f.serial > l.serial)
    return l6_fail(err, L6_E_INVALID_RANGE, "first_id and last_id must share approach, registry, Party and vintage, first <= last");
  l6_err e = OPS->a6_itmo_by_serial(ST, f.approach, f.registry, f.serial, l.serial, itmo_row, ib, err);
  if (e == L6_E_OK && ib->overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "the range touches more than %d ITMO ranges", L6_A6_MAX_PIECES);
  int64_t next = f.serial;
  for (size_t i = 0; i < ib->n && e == L6_E_OK; i++) {
    l6_a6_itmo *r = &ib->r[i];
    if (r->itmo_first > next || r->vintage != f.vintage || strcmp(r->host, f.host) != 0) break;
    int64_t lo = r->itmo_first < f.serial ? f.serial : r->itmo_first;
    int64_t hi = itmo_last(r) > l.serial ? l.serial : itmo_last(r);
    e = isolate(s, r, r->first + (lo - r->itmo_first), r->first + (hi - r->itmo_first), err);
    next = hi + 1;
  }
  if (e == L6_E_OK && next != l.serial + 1)
    e = l6_fail(err, L6_E_UNKNOWN_ITMO, "no ITMO has identifier serial %lld of CA%04d-%s (vintage %d)", (long long)next,
                f.approach, f.registry, f.vintage);
  return e;
}

static const char *const oimp_purposes[] = {"CORSIA", "voluntary", "other", NULL};

l6_err svc_a6_act(l6_svc *s, const l6_actor *a, const l6_a6_act_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_HOLDER && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not act on ITMOs", l6_role_str(a->role));
  if (r->kind == A6_ACT_OIMP) {
    bool ok = false;
    for (int i = 0; oimp_purposes[i]; i++) ok |= strcmp(r->purpose, oimp_purposes[i]) == 0;
    if (!ok) return l6_fail(err, L6_E_INVALID_VALUE, "purpose must be CORSIA, voluntary or other");
    if (!l6_valid_text(r->entity, L6_NAME_MAX)) return l6_fail(err, L6_E_MISSING_FIELD, "entity (the using entity) is required");
  }
  if (r->kind == A6_ACT_USE && !l6_valid_alpha3(r->party)) return l6_fail(err, L6_E_INVALID_VALUE, "party must be an ISO alpha-3 code");
  if (r->kind == A6_ACT_USE && (r->year < L6_VINTAGE_MIN || r->year > L6_VINTAGE_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "year (of use) must be a year from %d to %d", L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  /* Loading past years (issue 18 item 5): a first transfer or an OIMP
   * cancellation may carry the year it happened; only the authority (or
   * admin) says so, the books count it in that year, and the commit time
   * stays now (the log entry and the actions' timestamps). The adjustment
   * belongs to the year of the transfer: "观点二认为应在转让后进行调整 ( 不管购买方
   * 是否已使用 )" and "一种观点认为应采用相同年份的 ITMOs进行调整" (seeds/004: adjust
   * after the transfer, whether or not the buyer used them; adjust with the
   * same year's ITMOs); domain.md: "the first-transferring Party adds the
   * ITMOs to its reported emissions ... multi-year NDC: sum per year". */
  if (r->effective_year && r->kind != A6_ACT_FIRST_TRANSFER && r->kind != A6_ACT_OIMP)
    return l6_fail(err, L6_E_INVALID_VALUE, "effective_year goes with first transfers and OIMP cancellations (a use has its year)");
  if (r->effective_year && a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "only the Party's authority records the year a past action happened");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  int now = year_now(s);
  int when = now; /* the year the first transfer or cancellation counts in */
  l6_account from = {0}, cancel = {0};
  char hp[4] = "";
  e = svc__open_account(s, r->account, "account", &from, err);
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER && from.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)from.id);
  if (e == L6_E_OK) e = registry_party(s, from.registry, hp, err);
  if (e == L6_E_OK && a->role == L6_ROLE_AUTHORITY) {
    char ap[4];
    e = actor_party(s, a, ap, err);
    if (e == L6_E_OK && strcmp(ap, hp) != 0)
      e = l6_fail(err, L6_E_FORBIDDEN, "the authority of %s may not act on accounts of %s", ap, hp);
  }
  if (e == L6_E_OK && l6_account_type_terminal(from.type))
    e = l6_fail(err, L6_E_TERMINAL_ACCOUNT, "units in %s account %lld can never move", l6_account_type_str(from.type), (long long)from.id);
  if (e == L6_E_OK && r->effective_year) {
    l6_a6_ndc hn;
    e = OPS->a6_ndc_get(ST, hp, &hn, err);
    if (e == L6_E_UNKNOWN_NDC) l6_fail(err, e, "%s has no NDC recorded: no past year to count in", hp);
    if (e == L6_E_OK && (r->effective_year < hn.first_year || r->effective_year > hn.last_year || r->effective_year > now))
      e = l6_fail(err, L6_E_EFFECTIVE_YEAR_REFUSED,
                  "effective_year %d must be within %s's NDC period %d-%d and not after %d", r->effective_year, hp,
                  hn.first_year, hn.last_year, now);
    when = r->effective_year;
  }
  if (e == L6_E_OK && r->kind != A6_ACT_FIRST_TRANSFER) {
    e = OPS->account_of_registry(ST, from.registry, L6_ACCT_CANCELLATION, &cancel, err);
    if (e == L6_E_UNKNOWN_ACCOUNT) e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no cancellation account", from.registry);
  }
  l6_tx tx = {.kind = L6_TX_CANCELLATION, .from_account = from.id, .to_account = cancel.id,
              .reporting_year = r->kind == A6_ACT_USE ? r->year : r->effective_year};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", a->name);
  itmo_buf ib = {0};
  json_t *items = json_array();

  if (e == L6_E_OK && r->kind == A6_ACT_VOLUNTARY) {
    /* Mitigation contribution: unauthorized units, no corresponding adjustment. */
    const l6_range *g = &r->range;
    if (g->first < 1 || g->last < g->first) e = l6_fail(err, L6_E_INVALID_RANGE, "serials must satisfy 1 <= first <= last");
    /* The policy step: non-offsetting units are no mitigation contribution. */
    snprintf(tx.purpose, sizeof tx.purpose, "mitigation contribution");
    l6_take take = {.batch = g->batch, .first = g->first, .last = g->last};
    svc_move_ctx m = {.route = SVC_MOVE_A6_ACTION, .tx = &tx, .takes = &take, .n = 1, .actor = a, .a6_accounted = true};
    if (e == L6_E_OK) e = svc__move_check(s, &m, err);
    if (e == L6_E_OK) e = OPS->a6_itmo_in_batch(ST, g->batch, g->first, g->last, itmo_row, &ib, err);
    if (e == L6_E_OK && ib.n > 0)
      e = l6_fail(err, L6_E_UNIT_AUTHORIZED, "serials %lld-%lld of batch %lld include authorized units (ITMOs)",
                  (long long)g->first, (long long)g->last, (long long)g->batch);
    snprintf(tx.claim, sizeof tx.claim, "voluntary cancellation, no corresponding adjustment");
    tx.quantity = g->last - g->first + 1;
    if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
    if (e == L6_E_OK) e = svc__move_units(s, &m, err);
    goto done;
  }
  if (e == L6_E_OK) e = resolve(s, r->first_id, r->last_id, &ib, err);
  l6_a6_auth x = {0};
  l6_a6_ndc ndc;
  a6_corsia_phase phase;
  if (e == L6_E_OK && r->kind == A6_ACT_USE) {
    e = OPS->a6_ndc_get(ST, r->party, &ndc, err);
    if (e == L6_E_UNKNOWN_NDC) l6_fail(err, e, "%s has no NDC recorded to use ITMOs toward", r->party);
  }
  bool for_corsia = r->kind == A6_ACT_OIMP && strcmp(r->purpose, "CORSIA") == 0;
  if (e == L6_E_OK && for_corsia && !corsia_phase(r->phase, &phase))
    e = l6_fail(err, L6_E_UNKNOWN_CORSIA_PHASE, "no CORSIA phase '%s' in config/corsia.json", r->phase);
  /* The ITMOs as the takes of the move (the first transfer moves nothing,
   * but its units pass the same checks). Non-offsetting units never become
   * ITMOs (svc_a6_authorize refuses them); the policy step checks again,
   * so that no first transfer, use or OIMP cancellation can ever take one,
   * and checks the CORSIA phase of a CORSIA cancellation. */
  l6_take *takes = calloc(ib.n ? ib.n : 1, sizeof *takes);
  if (takes == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; i < ib.n && takes; i++) takes[i] = (l6_take){.batch = ib.r[i].batch, .first = ib.r[i].first, .last = ib.r[i].last};
  svc_move_ctx m = {.route = SVC_MOVE_A6_ACTION, .tx = &tx, .takes = takes, .n = ib.n, .actor = a, .a6_accounted = true,
                    .corsia_phase = for_corsia ? r->phase : NULL};
  /* Checked first, as always (the CORSIA phase after the checks below). */
  svc_move_ctx pre = m;
  pre.corsia_phase = NULL;
  if (e == L6_E_OK && ib.n > 0) e = svc__move_check(s, &pre, err);
  /* Checks, in a fixed order per range (docs/API.md). */
  for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) {
    l6_a6_itmo *it = &ib.r[i];
    char fid[64], lid[64];
    itmo_id_of(it, it->itmo_first, fid);
    itmo_id_of(it, itmo_last(it), lid);
    if ((e = terms_of(s, it, &x, err)) != L6_E_OK) break; /* the terms its first transfer was under */
    unsigned purposes = 0;
    a6_purposes_parse(x.purposes, &purposes);
    int year = r->kind == A6_ACT_USE ? r->year : when;
    if (strcmp(it->fate, "cancelled") == 0)
      e = l6_fail(err, L6_E_UNIT_CANCELLED, "ITMOs %s to %s were cancelled in %d", fid, lid, it->use_year);
    else if (strcmp(it->fate, "used") == 0)
      e = l6_fail(err, L6_E_ALREADY_USED, "ITMOs %s to %s were used by %s in %d", fid, lid, it->user, it->use_year);
    else if (r->kind == A6_ACT_FIRST_TRANSFER && it->ft_year)
      e = l6_fail(err, L6_E_ALREADY_FIRST_TRANSFERRED, "ITMOs %s to %s were first transferred in %d", fid, lid, it->ft_year);
    else if (x.revoked && it->ft_year == 0)
      e = l6_fail(err, L6_E_AUTHORIZATION_REVOKED, "authorization %lld of ITMOs %s to %s was revoked before their first transfer",
                  (long long)x.id, fid, lid);
    else if (r->kind == A6_ACT_USE && !(purposes & A6_P_NDC))
      e = l6_fail(err, L6_E_PURPOSE_NOT_AUTHORIZED, "authorization %lld covers %s, not use toward an NDC", (long long)x.id, x.purposes);
    else if (r->kind == A6_ACT_OIMP && !(purposes & A6_P_OIMP))
      e = l6_fail(err, L6_E_PURPOSE_NOT_AUTHORIZED, "authorization %lld covers %s, not OIMP", (long long)x.id, x.purposes);
    else if (r->kind == A6_ACT_FIRST_TRANSFER && strcmp(hp, it->host) != 0)
      e = l6_fail(err, L6_E_NOT_HOST_AUTHORITY, "only %s, the host, records the first transfer of %s", it->host, fid);
    else if (r->kind == A6_ACT_USE && (strcmp(r->party, hp) != 0 || strcmp(r->party, it->host) == 0))
      e = l6_fail(err, L6_E_NOT_ACQUIRER, "ITMOs %s to %s are held in %s (host %s); %s did not acquire them", fid, lid, hp,
                  it->host, r->party);
    else if (r->kind == A6_ACT_USE && x.parties[0] && !list_has(x.parties, r->party, ','))
      e = l6_fail(err, L6_E_PARTY_NOT_AUTHORIZED, "authorization %lld does not name %s", (long long)x.id, r->party);
    else if (r->kind == A6_ACT_OIMP && x.entities[0] && !list_has(x.entities, r->entity, '|'))
      e = l6_fail(err, L6_E_PARTY_NOT_AUTHORIZED, "authorization %lld does not name entity %s", (long long)x.id, r->entity);
    else if (year < x.year_from || year > x.year_to)
      e = l6_fail(err, L6_E_OUTSIDE_TIMEFRAME, "%d is outside authorization %lld's timeframe %d-%d", year, (long long)x.id,
                  x.year_from, x.year_to);
    else if (r->kind == A6_ACT_USE && (year < ndc.first_year || year > ndc.last_year))
      e = l6_fail(err, L6_E_YEAR_OUTSIDE_NDC, "year %d is outside %s's NDC period %d-%d", year, r->party, ndc.first_year,
                  ndc.last_year);
    if (e == L6_E_OK) tx.quantity += it->last - it->first + 1;
  }
  if (r->kind == A6_ACT_FIRST_TRANSFER) {
    for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) e = first_transfer(s, 0, &ib.r[i], when, NULL, err);
    free(takes);
    goto done;
  }
  if (r->kind == A6_ACT_USE) {
    snprintf(tx.purpose, sizeof tx.purpose, "use toward the NDC of %s", r->party);
    snprintf(tx.beneficiary, sizeof tx.beneficiary, "%s", r->party);
  } else {
    snprintf(tx.purpose, sizeof tx.purpose, "OIMP: %s", r->purpose);
    snprintf(tx.beneficiary, sizeof tx.beneficiary, "%s", r->entity);
    if (strcmp(r->purpose, "CORSIA") == 0) snprintf(tx.claim, sizeof tx.claim, "CORSIA %s phase", r->phase);
  }
  if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
  /* The policy step moves them (the rules of every module, then this
   * route's own accounting below). */
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  for (size_t i = 0; e == L6_E_SERIALS_NOT_HELD && i < ib.n; i++) {
    l6_block blk;
    l6_error ignore;
    bool held = false; /* by the account, or moved from it to the cancellation account by this transaction */
    for (int k = 0; k < 2 && !held; k++)
      held = OPS->block_find(ST, k ? cancel.id : from.id, ib.r[i].batch, ib.r[i].first, &blk, &ignore) == L6_E_OK &&
             blk.last >= ib.r[i].last;
    if (held) continue;
    char fid[64];
    itmo_id_of(&ib.r[i], ib.r[i].itmo_first, fid);
    l6_fail(err, e, "account %lld does not hold ITMOs from %s", (long long)from.id, fid);
    break;
  }
  free(takes);
  for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) {
    l6_a6_itmo *it = &ib.r[i];
    if (e == L6_E_OK) e = auth_of(s, it->auth, &x, err);
    if (e != L6_E_OK) break;
    l6_qty q = it->last - it->first + 1;
    if (r->kind == A6_ACT_USE) {
      snprintf(it->fate, sizeof it->fate, "used");
      snprintf(it->user, sizeof it->user, "%s", r->party);
      it->use_year = r->year;
      e = OPS->a6_itmo_put(ST, it, err);
      if (e == L6_E_OK) e = put_action(s, tx.id, "Use", r->party, it, NULL, NULL, "NDC", r->party, r->year, -q, err);
    } else {
      if (it->ft_year == 0) e = first_transfer(s, tx.id, it, when, NULL, err);
      snprintf(it->fate, sizeof it->fate, "cancelled");
      snprintf(it->user, sizeof it->user, "%s", hp);
      it->use_year = when;
      if (e == L6_E_OK) e = OPS->a6_itmo_put(ST, it, err);
      char purpose[24];
      snprintf(purpose, sizeof purpose, "OIMP %s", r->purpose);
      if (e == L6_E_OK) e = put_action(s, tx.id, "Cancellation", hp, it, NULL, NULL, purpose, r->entity, when, 0, err);
    }
  }
  if (e == L6_E_OK && svc__check_level(s) >= 2)
    for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) e = svc__check_batch(s, ib.r[i].batch, err);
done:
  if (e == L6_E_OK) {
    for (size_t i = 0; i < ib.n; i++) json_array_append_new(items, view_itmo(&ib.r[i]));
    *out = json_pack("{s:s, s:o}", "action",
                     r->kind == A6_ACT_FIRST_TRANSFER ? "first-transfer"
                     : r->kind == A6_ACT_USE          ? "use"
                     : r->kind == A6_ACT_OIMP         ? "oimp-cancellation"
                                                      : "voluntary-cancellation",
                     "itmos", items);
    if (*out && tx.id) json_object_set_new(*out, "transaction", json_integer(tx.id));
    if (*out) json_object_set_new(*out, "quantity", json_integer(tx.quantity));
  } else {
    json_decref(items);
  }
  free(ib.r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* ---- books: balances, what-if, AEF ---------------------------------------- */

typedef struct {
  l6_a6_action *a;
  size_t n, cap;
} act_buf;

static int act_row(void *ctx, const void *row) {
  act_buf *b = ctx;
  l6_a6_action *na = svc__grow(b->a, b->n, &b->cap, sizeof *na, 32);
  if (na == NULL) return 1;
  b->a = na;
  b->a[b->n++] = *(const l6_a6_action *)row;
  return 0;
}

typedef struct {
  l6_a6_year y[L6_A6_MAX_NDC_YEARS];
  const l6_a6_ndc *ndc;
} years_ctx;

static int year_fill(void *ctx, const void *row) {
  years_ctx *c = ctx;
  const l6_a6_year *y = row;
  if (y->year >= c->ndc->first_year && y->year <= c->ndc->last_year) c->y[y->year - c->ndc->first_year] = *y;
  return 0;
}

/* The NDC, its years and the Party's actions (caller frees acts->a). */
static l6_err load_books(l6_svc *s, const char *party, l6_a6_ndc *ndc, years_ctx *yc, act_buf *acts, l6_error *err) {
  l6_err e = OPS->a6_ndc_get(ST, party, ndc, err);
  if (e == L6_E_UNKNOWN_NDC) return l6_fail(err, e, "%s has no NDC recorded", party);
  memset(yc, 0, sizeof *yc);
  yc->ndc = ndc;
  if (e == L6_E_OK) e = OPS->a6_year_list(ST, party, year_fill, yc, err);
  if (e == L6_E_OK) e = OPS->a6_action_list(ST, party, act_row, acts, err);
  return e;
}

/* Fills years[] for a6_balance from the NDC years and the actions. */
static size_t balance_years(const l6_a6_ndc *ndc, const years_ctx *yc, const act_buf *acts, a6_year *years) {
  size_t n = (size_t)(ndc->last_year - ndc->first_year + 1);
  for (size_t i = 0; i < n; i++) {
    const l6_a6_year *y = &yc->y[i];
    years[i] = (a6_year){.year = ndc->first_year + (int)i, .reported = y->reported, .emissions = y->emissions,
                         .has_trajectory = y->has_trajectory, .trajectory = y->trajectory};
  }
  for (size_t i = 0; i < acts->n; i++) {
    const l6_a6_action *x = &acts->a[i];
    if (x->year < ndc->first_year || x->year > ndc->last_year) continue;
    a6_year *y = &years[x->year - ndc->first_year];
    if (strcmp(x->type, "First transfer") == 0) y->first_transferred += x->ca;
    else if (strcmp(x->type, "Use") == 0) y->used -= x->ca;
  }
  return n;
}

static json_t *balance_json(const l6_a6_ndc *ndc, const a6_year *years, size_t n, int64_t target_figure) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    const a6_year *y = &years[i];
    json_t *o = json_pack("{s:i, s:I, s:I, s:I, s:I}", "year", y->year, "first_transferred",
                          (json_int_t)y->first_transferred, "used", (json_int_t)y->used, "corresponding_adjustment",
                          (json_int_t)y->ca, "adjusted_emissions", (json_int_t)y->adjusted);
    json_object_set_new(o, "emissions", y->reported ? json_integer(y->emissions) : json_null());
    json_object_set_new(o, "reported", json_boolean(y->reported));
    if (!y->reported) json_object_set_new(o, "adjusted_emissions", json_null()); /* nothing to adjust yet */
    if (y->has_trajectory) {
      json_object_set_new(o, "trajectory", json_integer(y->trajectory));
      json_object_set_new(o, "headroom", json_integer(y->trajectory - y->adjusted));
    }
    json_array_append_new(arr, o);
  }
  json_t *o = json_pack("{s:o, s:o, s:I}", "ndc", view_ndc(ndc), "years", arr, "target_year_adjusted_emissions",
                        (json_int_t)target_figure);
  json_object_set_new(o, "target_met", json_boolean(target_figure <= ndc->target));
  return o;
}

l6_err svc_a6_balances(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_books_reader(a, err); /* the role alone; the Party's check reads the store */
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  if ((e = need_party_books_reader(s, a, party, err)) != L6_E_OK) return svc__finish(s, e, err);
  e = svc__a6_balances_in_tx(s, party, out, err);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc__a6_balances_in_tx(l6_svc *s, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = L6_E_OK;
  l6_a6_ndc ndc;
  years_ctx *yc = malloc(sizeof *yc);
  act_buf acts = {0};
  if (yc == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_books(s, party, &ndc, yc, &acts, err);
  a6_year years[L6_A6_MAX_NDC_YEARS];
  int64_t target = 0;
  size_t n = 0;
  if (e == L6_E_OK) n = balance_years(&ndc, yc, &acts, years);
  if (e == L6_E_OK) {
    a6_ndc c = core_ndc(&ndc);
    e = a6_balance(&c, years, n, &target, err);
  }
  if (e == L6_E_OK) *out = balance_json(&ndc, years, n, target);
  if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  free(yc);
  free(acts.a);
  return e;
}

l6_err svc__a6_actor_party(l6_svc *s, const l6_actor *a, char party[4], l6_error *err) {
  return actor_party(s, a, party, err);
}

l6_err svc__a6_need_books_reader(l6_svc *s, const l6_actor *a, const char *party, l6_error *err) {
  return party ? need_party_books_reader(s, a, party, err) : need_books_reader(a, err);
}

l6_err svc_a6_whatif(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_books_reader(a, err); /* the role alone; the Party's check reads the store */
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  if ((e = need_party_books_reader(s, a, party, err)) != L6_E_OK) return svc__finish(s, e, err);
  l6_a6_ndc ndc;
  years_ctx *yc = malloc(sizeof *yc);
  act_buf acts = {0};
  itmo_buf ib = {0};
  if (yc == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_books(s, party, &ndc, yc, &acts, err);
  if (e == L6_E_OK) e = OPS->a6_itmo_list(ST, 0, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "more than %d ITMO ranges", L6_A6_MAX_PIECES);
  a6_whatif_year wy[L6_A6_MAX_NDC_YEARS] = {{0}};
  size_t n = e == L6_E_OK ? (size_t)(ndc.last_year - ndc.first_year + 1) : 0;
  for (size_t i = 0; i < n; i++) {
    wy[i].year = ndc.first_year + (int)i;
    wy[i].emissions = yc->y[i].emissions;
  }
  l6_a6_auth x = {0};
  for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) {
    const l6_a6_itmo *r = &ib.r[i];
    if (strcmp(r->host, party) != 0 || r->ft_year == 0) continue;
    if ((e = auth_of(s, r->auth, &x, err)) != L6_E_OK) break;
    l6_qty q = r->last - r->first + 1;
    if (r->ft_year >= ndc.first_year && r->ft_year <= ndc.last_year) {
      a6_whatif_year *y = &wy[r->ft_year - ndc.first_year];
      if (x.in_scope) y->ft_at_transfer += q;
      else y->oos_at_transfer += q;
    }
    if (r->fate[0] && r->use_year >= ndc.first_year && r->use_year <= ndc.last_year) {
      a6_whatif_year *y = &wy[r->use_year - ndc.first_year];
      if (x.in_scope) y->ft_at_use += q;
      else y->oos_at_use += q;
    }
  }
  for (size_t i = 0; i < acts.n && e == L6_E_OK; i++)
    if (strcmp(acts.a[i].type, "Use") == 0 && acts.a[i].year >= ndc.first_year && acts.a[i].year <= ndc.last_year)
      wy[acts.a[i].year - ndc.first_year].used -= acts.a[i].ca;
  if (e == L6_E_OK) {
    a6_ndc c = core_ndc(&ndc);
    a6_whatif_row rows[A6_WHATIF_MAX];
    size_t nr = a6_whatif(&c, wy, n, rows);
    json_t *arr = json_array(), *inputs = json_array();
    for (size_t i = 0; i < nr; i++)
      json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "adjust", a6_adjust_str(rows[i].adjust),
                                           "timing", a6_timing_str(rows[i].timing), "aggregation",
                                           a6_aggregation_str(rows[i].aggregation), "ca_outside_scope",
                                           rows[i].ca_outside_scope, "net", (json_int_t)rows[i].net, "emissions",
                                           (json_int_t)rows[i].emissions, "target", (json_int_t)rows[i].target, "gap",
                                           (json_int_t)rows[i].gap));
    for (size_t i = 0; i < n; i++)
      json_array_append_new(inputs, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "year", wy[i].year, "emissions",
                                              (json_int_t)wy[i].emissions, "ft_at_transfer", (json_int_t)wy[i].ft_at_transfer,
                                              "ft_at_use", (json_int_t)wy[i].ft_at_use, "outside_scope_at_transfer",
                                              (json_int_t)wy[i].oos_at_transfer, "outside_scope_at_use",
                                              (json_int_t)wy[i].oos_at_use, "used", (json_int_t)wy[i].used));
    *out = json_pack("{s:s, s:o, s:o, s:o}", "party", party, "ndc", view_ndc(&ndc), "inputs", inputs, "options", arr);
  }
  free(yc);
  free(acts.a);
  free(ib.r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* Holdings per (Party, vintage) from the ledger's blocks. */
typedef struct {
  char party[4];
  int vintage;
  l6_qty q;
} holding;

typedef struct {
  holding h[256];
  size_t n;
} holdings;

static void hold_add(holdings *hs, const char *party, int vintage, l6_qty q) {
  for (size_t i = 0; i < hs->n; i++)
    if (strcmp(hs->h[i].party, party) == 0 && hs->h[i].vintage == vintage) {
      hs->h[i].q += q;
      return;
    }
  if (hs->n < sizeof hs->h / sizeof hs->h[0]) {
    holding *h = &hs->h[hs->n++];
    snprintf(h->party, sizeof h->party, "%s", party);
    h->vintage = vintage;
    h->q = q;
  }
}

static l6_qty hold_get(const holdings *hs, const char *party, int vintage) {
  for (size_t i = 0; i < hs->n; i++)
    if (strcmp(hs->h[i].party, party) == 0 && hs->h[i].vintage == vintage) return hs->h[i].q;
  return 0;
}

static l6_err ledger_holdings(l6_svc *s, const itmo_buf *ib, holdings *hs, l6_error *err) {
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < ib->n && e == L6_E_OK; i++) {
    const l6_a6_itmo *r = &ib->r[i];
    blk_buf bb = {0};
    e = OPS->blocks_of_batch(ST, r->batch, blk_row, &bb, err);
    for (size_t k = 0; k < bb.n && e == L6_E_OK; k++) {
      int64_t lo = bb.b[k].first > r->first ? bb.b[k].first : r->first;
      int64_t hi = bb.b[k].last < r->last ? bb.b[k].last : r->last;
      if (lo > hi) continue;
      l6_account acc;
      char p[4];
      e = OPS->account_get(ST, bb.b[k].account, &acc, err);
      if (e == L6_E_OK && l6_account_type_terminal(acc.type)) continue;
      if (e == L6_E_OK) e = registry_party(s, acc.registry, p, err);
      /* A6.4ERs of the registry that issued them, the mechanism registry
       * (no Party's: a registry id names its seat Party), held there, are
       * the host's, which they are forwarded for (docs/LINKS.md, "The
       * mechanism registry"). Forwarded to the host's own registry they
       * leave the host's books here ("Forwarded out") and enter them there
       * ("Forwarded in"): counted where they are, like any units. */
      l6_batch mb;
      bool mech = e == L6_E_OK && strcmp(acc.registry, r->registry) == 0 && strcmp(p, r->host) != 0 &&
                  (e = OPS->batch_get(ST, r->batch, &mb, err)) == L6_E_OK && strcmp(mb.unit_type, "A6.4ER") == 0;
      if (mech) snprintf(p, sizeof p, "%s", r->host);
      /* units in link-external are held in another registry (docs/LINKS.md) */
      if (e == L6_E_OK && acc.type == L6_ACCT_LINK_EXTERNAL) continue;
      if (e == L6_E_OK) hold_add(hs, p, r->vintage, hi - lo + 1);
    }
    free(bb.b);
  }
  return e;
}

static json_t *view_action(const l6_a6_action *x) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:s, s:I, s:i, s:I}", "id", (json_int_t)x->id,
                        "action", x->type, "first_id", x->first_id, "last_id", x->last_id, "quantity",
                        (json_int_t)x->quantity, "vintage", x->vintage, "transferring_party", x->from_party,
                        "acquiring_party", x->to_party, "purpose", x->purpose, "authorization", (json_int_t)x->auth,
                        "year", x->year, "corresponding_adjustment", (json_int_t)x->ca);
  json_object_set_new(o, "using_party_or_entity", json_string(x->user));
  json_object_set_new(o, "transaction", x->tx ? json_integer(x->tx) : json_null());
  /* The AEF workbook's columns (aef_export.c): the date of the action, the
   * cooperative approach, the ITMO registry and the first transferring
   * (host) Party, the third part of the identifier. */
  char cap[8], host[4] = "";
  snprintf(cap, sizeof cap, "CA%04d", x->approach);
  const char *p = strchr(x->first_id, '-');
  p = p ? strchr(p + 1, '-') : NULL;
  if (p && strlen(p + 1) > 3 && p[4] == '-') snprintf(host, sizeof host, "%.3s", p + 1);
  json_object_set_new(o, "date", json_stringn(x->ts, strlen(x->ts) < 10 ? strlen(x->ts) : 10));
  json_object_set_new(o, "cooperative_approach", json_string(cap));
  json_object_set_new(o, "registry", json_string(x->registry));
  json_object_set_new(o, "first_transferring_party", json_string(host));
  return o;
}

static void inconsistency(json_t *list, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void inconsistency(json_t *list, const char *code, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_array_append_new(list, json_pack("{s:s, s:s}", "code", code, "message", msg));
}

/* The date of the holdings table: as_of when given (a calendar date, not
 * after today), else 31 December of the reporting year, or today while
 * that is still ahead. Dates are UTC, like the actions' timestamps. */
static l6_err holdings_date(l6_svc *s, int year, const char *as_of, char out[11], l6_error *err) {
  char ts[32];
  svc__timestamp(s, ts);
  char today[11];
  snprintf(today, sizeof today, "%.10s", ts);
  if (as_of != NULL && as_of[0] != '\0') {
    if (!l6_valid_date(as_of)) return l6_fail(err, L6_E_BAD_PARAM, "as_of must be a date YYYY-MM-DD");
    if (strcmp(as_of, today) > 0)
      return l6_fail(err, L6_E_BAD_PARAM, "as_of %s is after today (%s): holdings at that date are not known", as_of,
                     today);
    snprintf(out, 11, "%s", as_of);
    return L6_E_OK;
  }
  snprintf(out, 11, "%04d-12-31", year);
  if (strcmp(out, today) > 0) snprintf(out, 11, "%s", today);
  return L6_E_OK;
}

/* The sign of an action on its Party's holdings: +1 in, -1 out, 0 neither. */
static int holding_sign(const l6_a6_action *x) {
  if (strcmp(x->type, "Issuance") == 0 || strcmp(x->type, "Acquisition") == 0 || strcmp(x->type, "Forwarded in") == 0)
    return 1;
  if (strcmp(x->type, "Transfer") == 0 || strcmp(x->type, "Use") == 0 || strcmp(x->type, "Cancellation") == 0 ||
      strcmp(x->type, "Forwarded out") == 0)
    return -1;
  return 0;
}

static int holding_by_vintage(const void *x, const void *y) {
  const holding *a = x, *b = y;
  return (a->vintage > b->vintage) - (a->vintage < b->vintage);
}

/* The secretariat's consistency checks (src/core/aef_check.c) over all the
 * Party's actions, with the authorizations they name (its own and those
 * of the ITMOs it acquired); each finding appended to incons. */
static l6_err core_checks(l6_svc *s, const l6_a6_ndc *ndc, const act_buf *acts, json_t *incons, l6_error *err) {
  aef_check_action *ca = calloc(acts->n ? acts->n : 1, sizeof *ca);
  aef_check_auth *cx = calloc(acts->n ? acts->n : 1, sizeof *cx);
  aef_check_auth *kept = calloc(acts->n ? acts->n : 1, sizeof *kept); /* per action: terms kept by an amendment */
  l6_a6_auth *ax = calloc(acts->n ? acts->n : 1, sizeof *ax);
  enum { CAP = 64 };
  aef_finding *f = calloc(CAP, sizeof *f);
  l6_a6_auth *tmp = malloc(sizeof *tmp);
  l6_err e = ca && cx && ax && f && kept && tmp ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  size_t nx = 0;
  for (size_t i = 0; i < acts->n && e == L6_E_OK; i++) {
    const l6_a6_action *x = &acts->a[i];
    ca[i] = (aef_check_action){.id = x->id, .type = x->type, .party = x->party, .auth = x->auth, .approach = x->approach,
                               .registry = x->registry, .first_id = x->first_id, .last_id = x->last_id,
                               .quantity = x->quantity, .vintage = x->vintage, .year = x->year};
    bool seen = x->auth == 0;
    for (size_t k = 0; k < nx && !seen; k++) seen = ax[k].id == x->auth;
    if (seen) continue;
    l6_error ignore;
    if (OPS->a6_auth_get(ST, x->auth, &ax[nx], &ignore) != L6_E_OK) continue; /* unknown: the checks say so */
    unsigned purposes = 0;
    (void)a6_purposes_parse(ax[nx].purposes, &purposes);
    cx[nx] = (aef_check_auth){.id = ax[nx].id, .party = ax[nx].party, .vintage_from = ax[nx].vintage_from,
                              .vintage_to = ax[nx].vintage_to, .quantity = ax[nx].quantity, .purposes = purposes,
                              .year_from = ax[nx].year_from, .year_to = ax[nx].year_to};
    nx++;
  }
  /* Actions on ITMOs an amendment left under the terms in force at their
   * first transfer are checked against those terms (svc_a6_amend). */
  for (size_t i = 0; i < acts->n && e == L6_E_OK; i++) {
    const l6_a6_action *x = &acts->a[i];
    const l6_a6_auth *base = NULL;
    for (size_t k = 0; k < nx && !base; k++)
      if (ax[k].id == x->auth) base = &ax[k];
    if (base == NULL || base->version <= 1) continue;
    l6_a6_itmo it = {.auth = x->auth, .first = 1, .last = 1 + (x->itmo_last - x->itmo_first), .itmo_first = x->itmo_first,
                     .ft_year = 1};
    snprintf(it.registry, sizeof it.registry, "%s", x->registry);
    if ((e = terms_of(s, &it, tmp, err)) != L6_E_OK) break;
    unsigned purposes = 0;
    (void)a6_purposes_parse(tmp->purposes, &purposes);
    kept[i] = (aef_check_auth){.id = x->auth, .party = base->party, .vintage_from = tmp->vintage_from,
                               .vintage_to = tmp->vintage_to, .quantity = tmp->quantity, .purposes = purposes,
                               .year_from = tmp->year_from, .year_to = tmp->year_to};
    ca[i].terms = &kept[i];
  }
  if (e == L6_E_OK) {
    aef_check_ndc period = {ndc->first_year, ndc->last_year};
    size_t n = aef_check_all(ca, acts->n, cx, nx, &period, f, CAP);
    for (size_t i = 0; i < n && i < CAP; i++) inconsistency(incons, AEF_CHECKS[f[i].check].code, "%s", f[i].message);
    if (n > CAP) inconsistency(incons, "too_many_findings", "%zu more findings not listed", n - CAP);
  }
  free(ca);
  free(cx);
  free(ax);
  free(f);
  free(kept);
  free(tmp);
  return e;
}

l6_err svc_a6_aef(l6_svc *s, const l6_actor *a, const char *party, int year, const char *as_of, json_t **out,
                  l6_error *err) {
  *out = NULL;
  l6_err e = L6_E_OK; /* public: AEF submissions are published (a6.h) */
  if (year < L6_VINTAGE_MIN || year > L6_VINTAGE_MAX)
    return l6_fail(err, L6_E_BAD_PARAM, "year must be from %d to %d", L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  char at_date[11];
  if ((e = holdings_date(s, year, as_of, at_date, err)) != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_a6_ndc ndc;
  years_ctx *yc = malloc(sizeof *yc);
  holdings *hs = calloc(1, sizeof *hs);
  act_buf acts = {0};
  itmo_buf ib = {0};
  auth_buf ab = {0};
  if (yc == NULL || hs == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_books(s, party, &ndc, yc, &acts, err);
  if (e == L6_E_OK) e = OPS->a6_auth_list(ST, party, auth_collect, &ab, err);
  if (e == L6_E_OK) e = OPS->a6_itmo_list(ST, 0, itmo_row, &ib, err);
  if (e == L6_E_OK && ib.overflow) e = l6_fail(err, L6_E_TOO_MANY_RANGES, "more than %d ITMO ranges", L6_A6_MAX_PIECES);
  if (e == L6_E_OK) e = ledger_holdings(s, &ib, hs, err);
  a6_year years[L6_A6_MAX_NDC_YEARS];
  int64_t target = 0;
  size_t n = 0;
  if (e == L6_E_OK) {
    n = balance_years(&ndc, yc, &acts, years);
    a6_ndc c = core_ndc(&ndc);
    e = a6_balance(&c, years, n, &target, err);
  }
  if (e != L6_E_OK) goto done;
  json_t *incons = json_array();
  /* Table 3, and what the actions say the Party holds per vintage. */
  json_t *actions = json_array();
  holdings *expect = calloc(1, sizeof *expect);
  /* at: the holdings at the date, from the actions dated up to it (in the
   * order they were recorded); negative: the vintages whose running
   * balance went below zero on the way (reported once each). */
  holdings *at = calloc(1, sizeof *at), *negative = calloc(1, sizeof *negative);
  if (at == NULL || negative == NULL) {
    free(expect);
    expect = NULL;
  }
  l6_qty ft_actions = 0, ft_rows = 0;
  for (size_t i = 0; expect && i < acts.n; i++) {
    const l6_a6_action *x = &acts.a[i];
    if (x->year <= year) json_array_append_new(actions, view_action(x));
    int sign = holding_sign(x);
    if (sign) hold_add(expect, party, x->vintage, sign * x->quantity);
    if (sign && strncmp(x->ts, at_date, 10) <= 0) {
      hold_add(at, party, x->vintage, sign * x->quantity);
      l6_qty run = hold_get(at, party, x->vintage);
      if (run < 0 && hold_get(negative, party, x->vintage) == 0) {
        hold_add(negative, party, x->vintage, 1);
        inconsistency(incons, "holdings_negative",
                      "%s's actions up to %s leave it holding %lld ITMOs of vintage %d after action %lld (%s of %s)",
                      party, at_date, (long long)run, x->vintage, (long long)x->id, x->type, x->first_id);
      }
    }
    if (strcmp(x->type, "First transfer") == 0) ft_actions += x->quantity; /* the authorization: aef_check.c */
    /* An OIMP cancellation is the first transfer of ITMOs not yet first
     * transferred (6.2 guidance: the host adjusts for OIMP at the first
     * transfer, which its authorization defines as authorization, issuance
     * or use/cancellation): a cancelled ITMO of an OIMP authorization (not
     * revoked) that was never first transferred is a cancellation without
     * its corresponding adjustment -- a double claim. */
    if (strcmp(x->type, "Cancellation") == 0) {
      l6_a6_auth au;
      l6_error ignore;
      unsigned purposes = 0;
      if (OPS->a6_auth_get(ST, x->auth, &au, &ignore) == L6_E_OK && !au.revoked && a6_purposes_parse(au.purposes, &purposes) &&
          (purposes & A6_P_OIMP)) {
        l6_qty missing = 0;
        for (size_t k = 0; k < ib.n; k++) {
          const l6_a6_itmo *r = &ib.r[k];
          if (r->auth != x->auth || r->approach != x->approach || strcmp(r->registry, x->registry) != 0 || r->ft_year ||
              r->itmo_first > x->itmo_last || itmo_last(r) < x->itmo_first)
            continue;
          int64_t lo = r->itmo_first > x->itmo_first ? r->itmo_first : x->itmo_first;
          int64_t hi = itmo_last(r) < x->itmo_last ? itmo_last(r) : x->itmo_last;
          missing += hi - lo + 1;
        }
        if (missing)
          inconsistency(incons, "oimp_cancellation_without_ca",
                        "cancellation %lld of %s to %s (%s, authorization %lld for OIMP) has %lld ITMOs never first "
                        "transferred: no corresponding adjustment",
                        (long long)x->id, x->first_id, x->last_id, x->purpose, (long long)x->auth, (long long)missing);
      }
    }
  }
  if (expect == NULL) {
    free(at);
    free(negative);
    json_decref(incons);
    json_decref(actions);
    e = l6_fail(err, L6_E_NOMEM, NULL);
    goto done;
  }
  /* Table 4: holdings at the date per vintage, from the actions up to it. */
  json_t *hold = json_array();
  qsort(at->h, at->n, sizeof at->h[0], holding_by_vintage);
  for (size_t i = 0; i < at->n; i++)
    if (at->h[i].q > 0)
      json_array_append_new(hold, json_pack("{s:i, s:I}", "vintage", at->h[i].vintage, "quantity", (json_int_t)at->h[i].q));
  free(at);
  free(negative);
  /* The current holdings (blocks) reconciled with all the actions, vintage by vintage. */
  for (size_t i = 0; i < hs->n; i++) hold_add(expect, hs->h[i].party, hs->h[i].vintage, 0); /* every vintage seen */
  for (size_t i = 0; i < expect->n; i++) {
    if (strcmp(expect->h[i].party, party) != 0) continue;
    l6_qty have = hold_get(hs, party, expect->h[i].vintage);
    if (have != expect->h[i].q)
      inconsistency(incons, "holdings_mismatch", "%s holds %lld ITMOs of vintage %d; its actions add up to %lld", party,
                    (long long)have, expect->h[i].vintage, (long long)expect->h[i].q);
  }
  if (e == L6_E_OK) e = core_checks(s, &ndc, &acts, incons, err);
  for (size_t i = 0; i < ib.n && e == L6_E_OK; i++) {
    if (strcmp(ib.r[i].host, party) != 0 || ib.r[i].ft_year == 0) continue;
    /* ITMOs acquired over a link (docs/LINKS.md, "Article 6 across
     * links") sit in a mirror batch of this registry: their first transfer
     * is the host registry's action, not this one's */
    l6_batch b;
    if ((e = OPS->batch_get(ST, ib.r[i].batch, &b, err)) != L6_E_OK) break;
    /* ... except A6.4ERs the mechanism registry forwarded to the host's
     * registry (a mirror of the host's Party, ITMOs of a registry of
     * another Party: the mechanism's): the host's registry first
     * transfers them when it sends them on (link_a6.c, "Forwarded in") */
    char bp[4] = "", ip[4] = "";
    bool forwarded = strcmp(b.registry, ib.r[i].registry) != 0 && strcmp(b.unit_type, "A6.4ER") == 0 &&
                     (e = registry_party(s, b.registry, bp, err)) == L6_E_OK &&
                     (e = registry_party(s, ib.r[i].registry, ip, err)) == L6_E_OK && strcmp(bp, party) == 0 &&
                     strcmp(ip, party) != 0;
    if (e != L6_E_OK) break;
    if (strcmp(b.registry, ib.r[i].registry) == 0 || forwarded) ft_rows += ib.r[i].last - ib.r[i].first + 1;
  }
  if (ft_rows != ft_actions)
    inconsistency(incons, "first_transfers_mismatch", "%lld ITMOs of %s are first transferred; first-transfer actions add up to %lld",
                  (long long)ft_rows, party, (long long)ft_actions);
  free(expect);
  /* Tables 2 and 5. */
  json_t *auths = json_array(), *entities = json_array(), *versions = json_array();
  for (size_t i = 0; i < ab.n; i++) {
    json_array_append_new(auths, view_auth(&ab.a[i]));
    if (e == L6_E_OK) e = auth_version_rows(s, &ab.a[i], versions, err);
    char buf[L6_A6_LIST_MAX + 1];
    snprintf(buf, sizeof buf, "%s", ab.a[i].entities);
    for (char *t = strtok(buf, "|"); t; t = strtok(NULL, "|"))
      json_array_append_new(entities, json_pack("{s:I, s:s}", "authorization", (json_int_t)ab.a[i].id, "entity", t));
  }
  json_t *sub = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:I}", "party", party, "year", year, "ndc_kind", ndc.kind,
                          "ca_method", ndc.method, "metric", ndc.metric, "ndc_first_year", ndc.first_year,
                          "ndc_last_year", ndc.last_year, "target", (json_int_t)ndc.target);
  if (year >= ndc.first_year && year <= ndc.last_year) {
    const a6_year *y = &years[year - ndc.first_year];
    json_object_set_new(sub, "emissions", y->reported ? json_integer(y->emissions) : json_null());
    json_object_set_new(sub, "first_transferred", json_integer(y->first_transferred));
    json_object_set_new(sub, "used", json_integer(y->used));
    json_object_set_new(sub, "corresponding_adjustment", json_integer(y->ca));
    json_object_set_new(sub, "adjusted_emissions", y->reported ? json_integer(y->adjusted) : json_null());
  }
  char ts[32];
  svc__timestamp(s, ts);
  json_object_set_new(sub, "generated", json_string(ts));
  json_object_set_new(sub, "holdings_as_of", json_string(at_date));
  *out = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:{s:b, s:o}}", "submission", sub, "authorizations", auths,
                   "authorization_versions", versions, "actions", actions, "holdings", hold, "authorized_entities",
                   entities, "consistency", "consistent", json_array_size(incons) == 0, "inconsistencies", incons);
  if (e != L6_E_OK) {
    json_decref(*out);
    *out = NULL;
  }
done:
  free(yc);
  free(hs);
  free(acts.a);
  free(ib.r);
  free(ab.a);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* The registry's own checks, which need the ledger as well as the report:
 * the actions against the ITMO ranges and the accounts' blocks. */
static const aef_check_info LEDGER_CHECKS[] = {
    {"holdings_negative", "the actions up to the holdings date, in the order recorded, take no vintage below zero"},
    {"holdings_mismatch", "the Party's ITMOs in its accounts today are what all its actions add up to, vintage by vintage"},
    {"first_transfers_mismatch", "the ITMOs marked first transferred are what the first-transfer actions add up to"},
    {"oimp_cancellation_without_ca",
     "no ITMO of an OIMP authorization is cancelled without having been first transferred (no corresponding adjustment)"},
};

l6_err svc_a6_aef_checks(l6_svc *s, const l6_actor *a, const char *party, int year, const char *as_of, json_t **out,
                         l6_error *err) {
  json_t *aef = NULL;
  l6_err e = svc_a6_aef(s, a, party, year, as_of, &aef, err);
  if (e != L6_E_OK) return e;
  const json_t *c = json_object_get(aef, "consistency");
  const json_t *found = json_object_get(c, "inconsistencies");
  json_t *checks = json_array();
  size_t nl = sizeof LEDGER_CHECKS / sizeof LEDGER_CHECKS[0];
  for (size_t k = 0; k < AEF_C__COUNT + nl; k++) {
    const aef_check_info *info = k < AEF_C__COUNT ? &AEF_CHECKS[k] : &LEDGER_CHECKS[k - AEF_C__COUNT];
    json_t *msgs = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(found, i, x) if (strcmp(json_string_value(json_object_get(x, "code")), info->code) == 0)
        json_array_append(msgs, json_object_get(x, "message"));
    json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:b, s:o}", "code", info->code, "kind",
                                            k < AEF_C__COUNT ? "secretariat" : "registry", "description", info->description,
                                            "passed", json_array_size(msgs) == 0, "findings", msgs));
  }
  *out = json_pack("{s:s, s:i, s:O, s:O, s:o}", "party", party, "year", year, "holdings_as_of",
                   json_object_get(json_object_get(aef, "submission"), "holdings_as_of"), "consistent",
                   json_object_get(c, "consistent"), "checks", checks);
  json_decref(aef);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- for links (link_a6.c, issue 19) ------------------------------------- */

l6_err a6__put_action(l6_svc *s, l6_id tx, const char *type, const char *party, const l6_a6_itmo *r, const char *from,
                      const char *to, int year, int64_t ca, l6_error *err) {
  return put_action(s, tx, type, party, r, from, to, NULL, NULL, year, ca, err);
}

l6_err a6__first_transfer(l6_svc *s, l6_id tx, l6_a6_itmo *r, int year, const char *to, l6_error *err) {
  return first_transfer(s, tx, r, year, to, err);
}

l6_err a6__isolate(l6_svc *s, l6_a6_itmo *r, int64_t lo, int64_t hi, l6_error *err) { return isolate(s, r, lo, hi, err); }

void a6__itmo_id(const l6_a6_itmo *r, int64_t serial, char out[64]) { itmo_id_of(r, serial, out); }
