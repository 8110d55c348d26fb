/*
 * ets.c -- emissions trading compliance use cases; see ets.h and
 * docs/ETS.md. The rule evaluation is the core's (src/core/ets.c); this
 * file gathers the figures and the offered blocks' attributes from the
 * store, and moves the units of an accepted surrender, inside one store
 * transaction per call.
 *
 * Records live in the store's ets_records table as JSON objects:
 *   scheme   key CODE                      l6_ets_scheme fields
 *   entity   key SCHEME|ID                 l6_ets_entity fields
 *   project  key PROJECT                   l6_ets_project fields
 *   record   key SCHEME|ENTITY|YEAR        verified, status, allocated,
 *            surrendered_allowances, surrendered_offsets, tx, compliance
 *
 * Changes that must be traceable are appended to ets_history (never
 * updated): kind "project" (key PROJECT) for every change of a project's
 * attributes, kind "emissions" (key SCHEME|ENTITY|YEAR) for every entry,
 * confirmation and correction of verified emissions; each with the actor,
 * its role and organisation, the time, the old and the new value.
 *
 * Verifiers are accredited per scheme in the project cycle's
 * accreditations table: mechanism "ets", scope the scheme's code (see
 * docs/ETS.md, "Roles").
 */
#include "ets.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ets_rules.h"
#include "service_int.h"
#include "tlog.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* ---- records ------------------------------------------------------------- */

typedef struct {
  const char *key;
  json_t *found;
} rec_find;

static int rec_find_row(void *ctx, const void *row) {
  rec_find *f = ctx;
  const l6_ets_rec *r = row;
  if (strcmp(r->key, f->key) != 0) return 0;
  f->found = json_loads(r->body, 0, NULL);
  return 1;
}

/* The record (kind, key) as a new JSON object; *out NULL when absent. */
static l6_err rec_get(l6_svc *s, const char *kind, const char *key, json_t **out, l6_error *err) {
  rec_find f = {key, NULL};
  l6_err e = OPS->ets_rec_list(ST, kind, key, rec_find_row, &f, err);
  *out = f.found;
  return e;
}

static l6_err rec_put(l6_svc *s, const char *kind, const char *key, json_t *body, l6_error *err) {
  l6_ets_rec *r = calloc(1, sizeof *r);
  char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  l6_err e = L6_E_OK;
  if (!r || !text) e = l6_fail(err, L6_E_NOMEM, NULL);
  else if (strlen(text) > L6_ETS_BODY_MAX || strlen(key) > L6_ETS_KEY_MAX)
    e = l6_fail(err, L6_E_INVALID_VALUE, "the %s record is too long", kind);
  if (e == L6_E_OK) {
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->body, sizeof r->body, "%s", text);
    e = OPS->ets_rec_put(ST, r, err);
  }
  free(text);
  free(r);
  return e;
}

static const char *jstr(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}
static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* ---- history -------------------------------------------------------------- */

/* Appends (kind, key) to ets_history: body (borrowed) plus the actor's
 * role and organisation; the actor's name and now as who and when. */
static l6_err hist_add(l6_svc *s, const l6_actor *a, const char *kind, const char *key, json_t *body, l6_error *err) {
  l6_ets_hist *h = calloc(1, sizeof *h);
  json_object_set_new(body, "role", json_string(l6_role_str(a->role)));
  json_object_set_new(body, "organisation", json_integer(a->org));
  char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  l6_err e = L6_E_OK;
  if (!h || !text) e = l6_fail(err, L6_E_NOMEM, NULL);
  else if (strlen(text) > L6_ETS_BODY_MAX || strlen(key) > L6_ETS_KEY_MAX)
    e = l6_fail(err, L6_E_INVALID_VALUE, "the %s history entry is too long", kind);
  if (e == L6_E_OK) {
    snprintf(h->kind, sizeof h->kind, "%s", kind);
    snprintf(h->key, sizeof h->key, "%s", key);
    snprintf(h->actor, sizeof h->actor, "%s", a->name);
    svc__timestamp(s, h->ts);
    snprintf(h->body, sizeof h->body, "%s", text);
    e = OPS->ets_hist_add(ST, h, err);
  }
  free(text);
  free(h);
  return e;
}

static int hist_row(void *ctx, const void *row) {
  const l6_ets_hist *h = row;
  json_t *j = json_loads(h->body, 0, NULL);
  if (!j) return 0;
  json_object_set_new(j, "id", json_integer(h->id));
  json_object_set_new(j, "actor", json_string(h->actor));
  json_object_set_new(j, "ts", json_string(h->ts));
  json_array_append_new(ctx, j);
  return 0;
}

/* The history of (kind, key), oldest first, as a new JSON array. */
static l6_err hist_json(l6_svc *s, const char *kind, const char *key, json_t **out, l6_error *err) {
  *out = json_array();
  if (!*out) return l6_fail(err, L6_E_NOMEM, NULL);
  return OPS->ets_hist_list(ST, kind, key, hist_row, *out, err);
}

/* ---- roles ------------------------------------------------------------------ */

/* Admin, or an authority whose organisation is in the scheme's registry. */
static l6_err need_regulator(l6_svc *s, const l6_actor *a, const char *registry, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN) return L6_E_OK;
  if (a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not regulate an emissions trading scheme", l6_role_str(a->role));
  l6_org o;
  l6_err e = OPS->org_get(ST, a->org, &o, err);
  if (e == L6_E_OK && strcmp(o.registry, registry) != 0)
    e = l6_fail(err, L6_E_FORBIDDEN, "the authority of registry %s may not regulate a scheme of registry %s", o.registry,
                registry);
  return e;
}

/* ---- loading ----------------------------------------------------------------- */

/* Every unit type a file names must be defined (config/programmes). */
static l6_err check_units(l6_svc *s, const ets_set *set, l6_error *err) {
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < set->n && e == L6_E_OK; i++) {
    const ets_ruleset *rs = &set->r[i];
    for (size_t k = 0; k < rs->nallow + rs->noffset && e == L6_E_OK; k++) {
      const ets_unit *u = k < rs->nallow ? &rs->allow[k] : &rs->offset[k - rs->nallow];
      l6_unit_type ut;
      l6_error ignore;
      e = OPS->unit_type_get(ST, u->unit, &ut, &ignore);
      if (e == L6_E_UNKNOWN_UNIT_TYPE)
        e = l6_fail(err, L6_E_INVALID_CONFIG, "jurisdiction %s: key %s: unit type %s is not defined (config/programmes)",
                    rs->code, k < rs->nallow ? "allowances" : "offsets", u->unit);
      else if (e != L6_E_OK)
        l6_fail(err, e, "%s", ignore.message);
    }
  }
  return e;
}

l6_err svc_ets_load(l6_svc *s, const char *dir, l6_error *err) {
  ets_set *set = NULL;
  l6_err e = ets_rules_load_dir(dir, &set, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) == L6_E_OK) e = svc__finish(s, check_units(s, set, err), err);
  if (e != L6_E_OK) {
    ets_set_free(set);
    return e;
  }
  svc__set_ets(s, set);
  return L6_E_OK;
}

static json_t *values_json(const ets_values *v) {
  json_t *a = json_array();
  for (size_t i = 0; i < v->n; i++) json_array_append_new(a, json_string(v->v[i]));
  return a;
}

static json_t *units_json(const ets_unit *u, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_pack("{s:s,s:i,s:i}", "unit", u[i].unit, "num", u[i].num, "den", u[i].den));
  return a;
}

static json_t *ruleset_json(const ets_ruleset *rs, const char *hash) {
  json_t *rules = json_array();
  for (size_t i = 0; i < rs->nrules; i++) {
    const ets_rule *r = &rs->rules[i];
    json_t *j = json_pack("{s:s,s:s,s:s}", "id", r->id, "kind", ets_rule_kind_str(r->kind), "text", r->text);
    if (r->units.n) json_object_set_new(j, "units", values_json(&r->units));
    if (r->where_attr)
      json_object_set_new(j, "where", json_pack("{s:s,s:o}", "attr", ets_attr_str(r->where_attr), r->where_not ? "not_in" : "in",
                                                values_json(&r->where)));
    if (r->first_year || r->last_year) json_object_set_new(j, "years", json_pack("[i,i]", r->first_year, r->last_year));
    if (r->kind == ETS_RULE_LIMIT) {
      json_object_set_new(j, "base", json_string(ets_base_str(r->base)));
      json_object_set_new(j, "rounding", json_string(r->ceil ? "ceil" : "floor"));
    }
    if (r->kind == ETS_RULE_LIMIT || r->kind == ETS_RULE_SHARE) json_object_set_new(j, "percent", json_integer(r->percent));
    if (r->attr) json_object_set_new(j, "attr", json_string(ets_attr_str(r->attr)));
    if (r->kind == ETS_RULE_SHARE || r->kind == ETS_RULE_REQUIRE || r->kind == ETS_RULE_EXCLUDE)
      json_object_set_new(j, "in", values_json(&r->values));
    if (*r->from) json_object_set_new(j, "from", json_string(r->from));
    if (*r->to) json_object_set_new(j, "to", json_string(r->to));
    if (*r->source_doc) json_object_set_new(j, "source", json_pack("{s:s,s:s}", "doc", r->source_doc, "quote", r->source_quote));
    json_array_append_new(rules, j);
  }
  return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "code", rs->code, "name", rs->name, "sha256", hash, "allowances",
                   units_json(rs->allow, rs->nallow), "offsets", units_json(rs->offset, rs->noffset), "rules", rules);
}

l6_err svc_ets_jurisdictions(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  const ets_set *set = svc__ets(s);
  json_t *items = json_array();
  for (size_t i = 0; set && i < set->n; i++) json_array_append_new(items, ruleset_json(&set->r[i], set->hash[i]));
  *out = json_pack("{s:o}", "items", items);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- schemes and entities ----------------------------------------------------- */

static json_t *scheme_json(const l6_ets_scheme *x) {
  return json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:I,s:s,s:I,s:I}", "code", x->code, "name", x->name, "jurisdiction",
                   x->jurisdiction, "registry", x->registry, "first_year", x->first_year, "last_year", x->last_year,
                   "deadline", x->deadline, "penalty", (json_int_t)x->penalty, "currency", x->currency,
                   "allocation_account", (json_int_t)x->allocation_account, "auction_account",
                   (json_int_t)x->auction_account);
}

/* An account allowances are allocated from: open, not terminal, in the registry. */
static l6_err source_account(l6_svc *s, l6_id id, const char *what, const char *registry, l6_error *err) {
  if (id == 0) return L6_E_OK;
  l6_account acc;
  l6_err e = svc__open_account(s, id, what, &acc, err);
  if (e == L6_E_OK && (l6_account_type_terminal(acc.type) || acc.type == L6_ACCT_PENDING || strcmp(acc.registry, registry) != 0))
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s %lld must be a holding or trading account of registry %s", what, (long long)id,
                registry);
  return e;
}

static l6_err scheme_get(l6_svc *s, const char *code, json_t **out, l6_error *err) {
  l6_err e = rec_get(s, "scheme", code, out, err);
  if (e == L6_E_OK && !*out) e = l6_fail(err, L6_E_UNKNOWN_SCHEME, "no scheme %.40s", code);
  return e;
}

static bool valid_mmdd(const char *d) {
  char full[11];
  if (strlen(d) != 5) return false;
  snprintf(full, sizeof full, "2024-%s", d); /* a leap year: 02-29 is a deadline some year */
  return l6_valid_date(full);
}

l6_err svc_ets_scheme_put(l6_svc *s, const l6_actor *a, const l6_ets_scheme *in, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (!ets_valid_code(in->code)) return l6_fail(err, L6_E_INVALID_VALUE, "code must be [A-Z0-9.-]{1,32}");
  if (!l6_valid_text(in->name, L6_NAME_MAX)) return l6_fail(err, L6_E_MISSING_FIELD, "name is required");
  if (!ets_set_find(svc__ets(s), in->jurisdiction))
    return l6_fail(err, L6_E_UNKNOWN_JURISDICTION, "no jurisdiction %.40s in config/jurisdictions", in->jurisdiction);
  if (in->first_year < L6_VINTAGE_MIN || in->last_year > L6_VINTAGE_MAX || in->first_year > in->last_year)
    return l6_fail(err, L6_E_INVALID_VALUE, "first_year and last_year must be years from %d to %d, first <= last",
                   L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  if (!valid_mmdd(in->deadline)) return l6_fail(err, L6_E_INVALID_VALUE, "deadline must be MM-DD");
  if (in->penalty < 0 || in->penalty > L6_MAX_QUANTITY) return l6_fail(err, L6_E_INVALID_VALUE, "penalty must be 0 or more minor units");
  if (strlen(in->currency) != 3 || strspn(in->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
    return l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  /* Who may write is decided by the STORED scheme: its regulator (admin,
   * or an authority of its registry) changes it, and only admin moves it
   * to another registry. A new scheme is created by the regulator of the
   * registry it names. */
  json_t *old = NULL;
  e = rec_get(s, "scheme", in->code, &old, err);
  const char *cur = old ? jstr(old, "registry") : in->registry;
  if (e == L6_E_OK) e = need_regulator(s, a, cur, err);
  if (e == L6_E_OK && strcmp(cur, in->registry) != 0 && a->role != L6_ROLE_ADMIN)
    e = l6_fail(err, L6_E_SCHEME_REGISTRY_FIXED, "scheme %s is in registry %s; only an administrator moves it to %s", in->code,
                cur, in->registry);
  json_decref(old);
  l6_registry reg;
  if (e == L6_E_OK) e = OPS->registry_get(ST, in->registry, &reg, err);
  if (e == L6_E_OK) e = source_account(s, in->allocation_account, "allocation_account", in->registry, err);
  if (e == L6_E_OK) e = source_account(s, in->auction_account, "auction_account", in->registry, err);
  /* the registry's surrender account: units there never move again */
  l6_account sur;
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(ST, in->registry, L6_ACCT_SURRENDER, &sur, err);
    if (e == L6_E_UNKNOWN_ACCOUNT) {
      memset(&sur, 0, sizeof sur);
      snprintf(sur.registry, sizeof sur.registry, "%s", in->registry);
      sur.type = L6_ACCT_SURRENDER;
      sur.status = L6_STATUS_OPEN;
      snprintf(sur.name, sizeof sur.name, "%s ETS surrender", in->registry);
      e = OPS->account_put(ST, &sur, err);
    }
  }
  json_t *j = e == L6_E_OK ? scheme_json(in) : NULL;
  if (e == L6_E_OK) {
    json_object_set_new(j, "surrender_account", json_integer(sur.id));
    e = rec_put(s, "scheme", in->code, j, err);
  }
  if (e == L6_E_OK) *out = json_incref(j);
  json_decref(j);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  json_t *items;
} collect;

static int collect_row(void *ctx, const void *row) {
  collect *c = ctx;
  const l6_ets_rec *r = row;
  json_t *j = json_loads(r->body, 0, NULL);
  if (j) json_array_append_new(c->items, j);
  return 0;
}

l6_err svc_ets_scheme_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  collect c = {json_array()};
  l6_err e = svc__begin(s, err);
  if (e == L6_E_OK) e = OPS->ets_rec_list(ST, "scheme", "", collect_row, &c, err);
  *out = json_pack("{s:o}", "items", c.items);
  return svc__finish_out(s, e, out, err);
}

/* A code rules compare: [A-Za-z0-9._-], at most L6_ETS_VALUE_MAX; a set
 * (gases) also takes ',' between elements. */
static bool valid_value_of(const char *v, bool required, bool set) {
  if (!*v) return !required;
  const char *ok = set ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-,"
                       : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
  if (strlen(v) > L6_ETS_VALUE_MAX || strspn(v, ok) != strlen(v)) return false;
  return !set || (v[0] != ',' && v[strlen(v) - 1] != ',' && !strstr(v, ",,"));
}
static bool valid_value(const char *v, bool required) { return valid_value_of(v, required, false); }

l6_err svc_ets_entity_put(l6_svc *s, const l6_actor *a, const l6_ets_entity *in, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (!l6_valid_project_id(in->id)) return l6_fail(err, L6_E_INVALID_VALUE, "id must be [A-Za-z0-9._]{1,32}");
  if (!l6_valid_text(in->name, L6_NAME_MAX)) return l6_fail(err, L6_E_MISSING_FIELD, "name is required");
  if (!valid_value(in->province, true) || !valid_value(in->city, false) || !valid_value(in->sector, false))
    return l6_fail(err, L6_E_INVALID_VALUE, "province (required), city and sector must be codes of [A-Za-z0-9._-], at most 32 characters");
  if (in->installations[0] && !l6_valid_text(in->installations, L6_TEXT_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "installations must be text");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *sch = NULL;
  l6_account acc;
  e = scheme_get(s, in->scheme, &sch, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(sch, "registry"), err);
  if (e == L6_E_OK) e = svc__open_account(s, in->account, "account", &acc, err);
  if (e == L6_E_OK && (acc.type != L6_ACCT_HOLDING || acc.org != in->org || strcmp(acc.registry, jstr(sch, "registry")) != 0))
    e = l6_fail(err, L6_E_INVALID_VALUE, "account %lld must be a holding account of organisation %lld in registry %s",
                (long long)acc.id, (long long)in->org, jstr(sch, "registry"));
  char key[L6_ETS_KEY_MAX + 1];
  snprintf(key, sizeof key, "%s|%s", in->scheme, in->id);
  json_t *j = NULL;
  if (e == L6_E_OK) {
    j = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s}", "scheme", in->scheme, "id", in->id, "name", in->name, "org",
                  (json_int_t)in->org, "account", (json_int_t)in->account, "province", in->province, "city", in->city,
                  "sector", in->sector, "installations", in->installations);
    e = rec_put(s, "entity", key, j, err);
  }
  if (e == L6_E_OK) *out = json_incref(j);
  json_decref(j);
  json_decref(sch);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ets_entity_list(l6_svc *s, const l6_actor *a, const char *scheme, json_t **out, l6_error *err) {
  collect c = {json_array()};
  char prefix[L6_ETS_KEY_MAX + 1];
  snprintf(prefix, sizeof prefix, "%s|", scheme);
  json_t *sch = NULL;
  l6_err e = svc__begin(s, err);
  if (e == L6_E_OK) e = scheme_get(s, scheme, &sch, err);
  if (e == L6_E_OK) e = OPS->ets_rec_list(ST, "entity", prefix, collect_row, &c, err);
  json_decref(sch);
  *out = json_pack("{s:o}", "items", c.items);
  return svc__finish_out(s, e, out, err);
}

/* The unit types a project carries: those of its programme and those of
 * the batches issued for it so far (up to L6_ETS_MAX_PROJECT_UNITS). */
typedef struct {
  const char *programme;
  char (*units)[L6_CODE_MAX + 1];
  size_t n;
} unit_set;

static void unit_set_add(unit_set *u, const char *code) {
  for (size_t i = 0; i < u->n; i++)
    if (strcmp(u->units[i], code) == 0) return;
  if (u->n < L6_ETS_MAX_PROJECT_UNITS) snprintf(u->units[u->n++], sizeof u->units[0], "%s", code);
}

static int unit_type_row(void *ctx, const void *row) {
  unit_set *u = ctx;
  const l6_unit_type *t = row;
  if (strcmp(t->programme, u->programme) == 0) unit_set_add(u, t->code);
  return 0;
}

typedef struct {
  unit_set *u;
  l6_id last;
  int n;
} batch_page;

static int batch_unit_row(void *ctx, const void *row) {
  batch_page *b = ctx;
  const l6_batch *x = row;
  unit_set_add(b->u, x->unit_type);
  b->last = x->id;
  b->n++;
  return 0;
}

static l6_err project_units(l6_svc *s, const l6_project *p, unit_set *u, l6_error *err) {
  u->programme = p->programme;
  l6_err e = OPS->unit_type_list(ST, unit_type_row, u, err);
  batch_page b = {u, 0, 0};
  do {
    b.n = 0;
    if (e == L6_E_OK) e = OPS->batch_list(ST, p->id, b.last, 500, batch_unit_row, &b, err);
  } while (e == L6_E_OK && b.n == 500);
  return e;
}

typedef struct {
  const char *registry;          /* the authority's registry */
  const ets_set *set;
  const unit_set *u;
  char scheme[L6_CODE_MAX + 1];  /* the first scheme found that accepts the units */
} accept_find;

static int accept_row(void *ctx, const void *row) {
  accept_find *f = ctx;
  json_t *j = json_loads(((const l6_ets_rec *)row)->body, 0, NULL);
  const ets_ruleset *rs = j && strcmp(jstr(j, "registry"), f->registry) == 0 ? ets_set_find(f->set, jstr(j, "jurisdiction")) : NULL;
  for (size_t k = 0; rs && k < rs->nallow + rs->noffset && !f->scheme[0]; k++) {
    const char *unit = k < rs->nallow ? rs->allow[k].unit : rs->offset[k - rs->nallow].unit;
    for (size_t i = 0; i < f->u->n && !f->scheme[0]; i++)
      if (strcmp(unit, f->u->units[i]) == 0) snprintf(f->scheme, sizeof f->scheme, "%s", jstr(j, "code"));
  }
  json_decref(j);
  return f->scheme[0] != 0;
}

/*
 * May actor a set the ETS attributes of project p? The admin; the
 * authority of the project's host Party (its organisation's registry
 * belongs to p->host); or the regulator of a scheme that may accept the
 * project's units: an authority whose registry holds a scheme whose
 * jurisdiction file lists, as an allowance or an offset, a unit type the
 * project carries (of its programme, or of a batch issued for it). Else
 * FORBIDDEN, naming both tests.
 */
static l6_err may_set_project(l6_svc *s, const l6_actor *a, const l6_project *p, l6_error *err) {
  if (a->role == L6_ROLE_ADMIN) return L6_E_OK;
  l6_org o;
  l6_registry r;
  l6_err e = OPS->org_get(ST, a->org, &o, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, o.registry, &r, err);
  if (e != L6_E_OK || strcmp(r.party, p->host) == 0) return e;
  char units[L6_ETS_MAX_PROJECT_UNITS][L6_CODE_MAX + 1];
  unit_set u = {.units = units};
  accept_find f = {.registry = o.registry, .set = svc__ets(s), .u = &u};
  e = project_units(s, p, &u, err);
  if (e == L6_E_OK) e = OPS->ets_rec_list(ST, "scheme", "", accept_row, &f, err);
  if (e == L6_E_OK && !f.scheme[0])
    e = l6_fail(err, L6_E_FORBIDDEN,
                "the authority of registry %s is neither the host Party's (%s) nor the regulator of a scheme that accepts units "
                "of project %s",
                o.registry, p->host, p->id);
  return e;
}

l6_err svc_ets_project_put(l6_svc *s, const l6_actor *a, const l6_ets_project *in, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not set project attributes", l6_role_str(a->role));
  if (!valid_value(in->project_type, true) || !valid_value(in->province, true) || !valid_value(in->city, false) ||
      !valid_value(in->reg_province, false) || !valid_value_of(in->gases, false, true))
    return l6_fail(err, L6_E_INVALID_VALUE, "project_type and province (required), city, reg_province and gases must be codes of [A-Za-z0-9._-] (gases comma-separated), at most 32 characters");
  if ((in->registered[0] && !l6_valid_date(in->registered)) || (in->produced[0] && !l6_valid_date(in->produced)))
    return l6_fail(err, L6_E_INVALID_VALUE, "registered and produced must be dates YYYY-MM-DD");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_project p;
  e = OPS->project_get(ST, in->project, &p, err);
  if (e == L6_E_OK) e = may_set_project(s, a, &p, err);
  json_t *j = NULL, *old = NULL;
  if (e == L6_E_OK) e = rec_get(s, "project", in->project, &old, err);
  if (e == L6_E_OK) {
    j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "project", in->project, "project_type", in->project_type,
                  "province", in->province, "city", in->city, "reg_province", in->reg_province[0] ? in->reg_province : in->province,
                  "gases", in->gases[0] ? in->gases : "CO2", "covered_entity", in->covered_entity, "registered", in->registered,
                  "produced", in->produced);
    e = rec_put(s, "project", in->project, j, err);
  }
  if (e == L6_E_OK) { /* every change, with who and when */
    json_t *h = json_pack("{s:s,s:O,s:O}", "action", old ? "changed" : "set", "old", old ? old : json_null(), "new", j);
    e = h ? hist_add(s, a, "project", in->project, h, err) : l6_fail(err, L6_E_NOMEM, NULL);
    json_decref(h);
  }
  if (e == L6_E_OK) *out = json_incref(j);
  json_decref(j);
  json_decref(old);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ets_project_get(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_project p;
  json_t *hist = NULL;
  e = OPS->project_get(ST, project, &p, err);
  if (e == L6_E_OK) e = rec_get(s, "project", project, out, err);
  if (e == L6_E_OK && !*out) e = l6_fail(err, L6_E_NOT_FOUND, "project %s has no ETS attributes", project);
  if (e == L6_E_OK) e = hist_json(s, "project", project, &hist, err);
  if (e == L6_E_OK) json_object_set_new(*out, "history", hist);
  else json_decref(hist);
  return svc__finish_out(s, e, out, err);
}

/* ---- emissions, confirmation, allocation ------------------------------------- */

/* Loads scheme, entity and the year's record (a fresh one when absent). */
typedef struct {
  json_t *scheme, *entity, *rec;
  char key[L6_ETS_KEY_MAX + 1];
} ctx3;

static void ctx3_free(ctx3 *c) {
  json_decref(c->scheme);
  json_decref(c->entity);
  json_decref(c->rec);
}

static l6_err load3(l6_svc *s, const char *scheme, const char *entity, int year, ctx3 *c, l6_error *err) {
  memset(c, 0, sizeof *c);
  char ek[L6_ETS_KEY_MAX + 1];
  l6_err e = scheme_get(s, scheme, &c->scheme, err);
  if (e == L6_E_OK && (year < jint(c->scheme, "first_year") || year > jint(c->scheme, "last_year")))
    e = l6_fail(err, L6_E_YEAR_OUTSIDE_SCHEME, "%d is outside the compliance years %d-%d of %s", year,
                (int)jint(c->scheme, "first_year"), (int)jint(c->scheme, "last_year"), scheme);
  snprintf(ek, sizeof ek, "%s|%.40s", scheme, entity);
  if (e == L6_E_OK) e = rec_get(s, "entity", ek, &c->entity, err);
  if (e == L6_E_OK && !c->entity) e = l6_fail(err, L6_E_UNKNOWN_ENTITY, "no entity %.40s in scheme %s", entity, scheme);
  snprintf(c->key, sizeof c->key, "%s|%.40s|%d", scheme, entity, year);
  if (e == L6_E_OK) e = rec_get(s, "record", c->key, &c->rec, err);
  if (e == L6_E_OK && !c->rec)
    c->rec = json_pack("{s:s,s:s,s:i,s:I,s:s,s:I,s:I,s:I,s:I,s:s}", "scheme", scheme, "entity", entity, "year", year,
                       "verified", (json_int_t)0, "status", "none", "allocated", (json_int_t)0, "surrendered_allowances",
                       (json_int_t)0, "surrendered_offsets", (json_int_t)0, "tx", (json_int_t)0, "compliance", "pending");
  return e;
}

static l6_err not_surrendered(const ctx3 *c, l6_error *err) {
  if (jint(c->rec, "tx") > 0)
    return l6_fail(err, L6_E_ALREADY_SURRENDERED, "%s already surrendered for %d (transaction %lld)", jstr(c->rec, "entity"),
                   (int)jint(c->rec, "year"), (long long)jint(c->rec, "tx"));
  return L6_E_OK;
}

static l6_err finish3(l6_svc *s, l6_err e, ctx3 *c, json_t **out, l6_error *err) {
  if (e == L6_E_OK) e = rec_put(s, "record", c->key, c->rec, err);
  if (e == L6_E_OK) *out = json_incref(c->rec);
  ctx3_free(c);
  return svc__finish_out(s, e, out, err);
}

/* Appends an emissions history entry of the record: action, the figure
 * before (null when none was entered) and after, the reason if any. */
static l6_err hist_emissions(l6_svc *s, const l6_actor *a, const ctx3 *c, const char *action, l6_qty verified,
                             const char *reason, l6_error *err) {
  bool had = strcmp(jstr(c->rec, "status"), "none") != 0;
  json_t *h = json_pack("{s:s,s:o,s:I,s:s}", "action", action, "old", had ? json_integer(jint(c->rec, "verified")) : json_null(),
                        "new", (json_int_t)verified, "status_before", jstr(c->rec, "status"));
  if (h && reason) json_object_set_new(h, "reason", json_string(reason));
  l6_err e = h ? hist_add(s, a, "emissions", c->key, h, err) : l6_fail(err, L6_E_NOMEM, NULL);
  json_decref(h);
  return e;
}

/*
 * May validator a enter the verified emissions of the record's entity? Its
 * organisation must be accredited for the scheme (accreditations row
 * (org, "ets", scheme), granted by the scheme's regulator:
 * svc_ets_verifier_put) -- NOT_ACCREDITED otherwise -- and may not be the
 * entity's own organisation (FORBIDDEN), as a validator never verifies its
 * own activity in the project cycle.
 */
static l6_err need_verifier(l6_svc *s, const l6_actor *a, const char *scheme, const ctx3 *c, l6_error *err) {
  bool ok = false;
  l6_err e = OPS->accreditation_has(ST, a->org, L6_ETS_ACCREDITATION, scheme, &ok, err);
  if (e == L6_E_OK && !ok)
    e = l6_fail(err, L6_E_NOT_ACCREDITED, "organisation %lld is not an accredited verifier of scheme %s", (long long)a->org,
                scheme);
  if (e == L6_E_OK && a->org == jint(c->entity, "org"))
    e = l6_fail(err, L6_E_FORBIDDEN, "a verifier may not verify its own organisation's emissions");
  return e;
}

l6_err svc_ets_emissions(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year,
                         l6_qty verified, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_VALIDATOR)
    return l6_fail(err, L6_E_FORBIDDEN, "only an accredited verifier (validator) enters verified emissions");
  if (verified < 0 || verified > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "verified must be from 0 to %lld tonnes", (long long)L6_MAX_QUANTITY);
  ctx3 c;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK && a->role == L6_ROLE_VALIDATOR) e = need_verifier(s, a, scheme, &c, err);
  if (e == L6_E_OK) e = not_surrendered(&c, err);
  if (e == L6_E_OK && strcmp(jstr(c.rec, "status"), "confirmed") == 0)
    e = l6_fail(err, L6_E_EMISSIONS_CONFIRMED,
                "the emissions of %s for %d are confirmed (%lld t); the regulator corrects them through "
                "POST /v1/ets/emissions/corrections",
                entity, year, (long long)jint(c.rec, "verified"));
  if (e == L6_E_OK) e = hist_emissions(s, a, &c, "entered", verified, NULL, err);
  if (e == L6_E_OK) {
    json_object_set_new(c.rec, "verified", json_integer(verified));
    json_object_set_new(c.rec, "status", json_string("entered"));
    json_object_set_new(c.rec, "verifier", json_string(a->name));
  }
  return finish3(s, e, &c, out, err);
}

/* ---- four eyes (issue 15): the regulator's confirmation and correction -------- */

/*
 * When the approval policy of the scheme's registry has "ets_emissions":
 * true (src/service/proposal.c), the regulator's confirmation or
 * correction of verified emissions is not applied at once: after every
 * check it is kept as a pending proposal (kind "ets-confirmation" or
 * "ets-correction", the request with the figure the proposer saw), and
 * another person with the proposer's role in the proposer's organisation,
 * or an administrator, approves it; the request then runs again as the
 * proposer in the approval's transaction with every check. The figure
 * the proposer saw must still be the record's: a verifier's new entry in
 * between ends the proposal "failed" (WRONG_STATE), so a second person
 * never confirms a figure the first one did not see. The EU Union
 * Registry is the model: the competent authority's approval of verified
 * emissions is a four-eyes step there.
 */
static l6_err ets_gate(l6_svc *s, const l6_actor *a, const ctx3 *c, json_t *req, json_t **out, int *status, bool *proposed,
                       l6_error *err) {
  *proposed = false;
  const char *registry = jstr(c->scheme, "registry");
  bool covered = false;
  l6_err e = req ? svc__policy_covers_ets(s, registry, &covered, err) : l6_fail(err, L6_E_NOMEM, NULL);
  char *text = e == L6_E_OK && covered ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  if (e == L6_E_OK && covered && text == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && covered) {
    e = svc__proposal_plain(s, a, jstr(req, "kind"), registry, "ets-emissions", text, out, err);
    *proposed = e == L6_E_OK;
    if (*proposed && status) *status = 202;
  }
  free(text);
  return e;
}

/* The figure the proposer saw (expect >= 0: a re-run) is still the record's. */
static l6_err same_figure(const ctx3 *c, l6_qty expect, l6_error *err) {
  if (expect >= 0 && jint(c->rec, "verified") != expect)
    return l6_fail(err, L6_E_WRONG_STATE, "the verified emissions of %s for %d changed from %lld to %lld t since the proposal",
                   jstr(c->rec, "entity"), (int)jint(c->rec, "year"), (long long)expect, (long long)jint(c->rec, "verified"));
  return L6_E_OK;
}

/* The correction inside an open transaction (expect: the figure the
 * proposer saw, -1 on a direct request; gate as in confirm_tx). */
static l6_err correct_tx(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty expect,
                         l6_qty verified, const char *reason, bool gate, json_t **out, int *status, l6_error *err) {
  ctx3 c;
  l6_err e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(c.scheme, "registry"), err);
  if (e == L6_E_OK && strcmp(jstr(c.rec, "status"), "confirmed") != 0)
    e = l6_fail(err, L6_E_EMISSIONS_NOT_CONFIRMED,
                "the emissions of %s for %d are not confirmed; a verifier enters them (PUT /v1/ets/emissions)", entity, year);
  if (e == L6_E_OK) e = same_figure(&c, expect, err);
  if (e == L6_E_OK && jint(c.rec, "verified") == verified)
    e = l6_fail(err, L6_E_INVALID_VALUE, "the emissions of %s for %d are already %lld t", entity, year, (long long)verified);
  bool proposed = false;
  if (e == L6_E_OK && gate) {
    json_t *req = json_pack("{s:s,s:s,s:s,s:i,s:I,s:I,s:s}", "kind", "ets-correction", "scheme", scheme, "entity", entity,
                            "year", year, "from", (json_int_t)jint(c.rec, "verified"), "verified", (json_int_t)verified,
                            "reason", reason);
    e = ets_gate(s, a, &c, req, out, status, &proposed, err);
    json_decref(req);
  }
  if (e == L6_E_OK && !proposed) {
    e = hist_emissions(s, a, &c, "corrected", verified, reason, err);
    if (e == L6_E_OK) {
      json_object_set_new(c.rec, "verified", json_integer(verified));
      json_object_set_new(c.rec, "corrected", json_integer(jint(c.rec, "corrected") + 1));
      /* after a surrender, the compliance is recomputed against the new obligation */
      if (jint(c.rec, "tx") > 0) {
        l6_qty total = jint(c.rec, "surrendered_allowances") + jint(c.rec, "surrendered_offsets");
        json_object_set_new(c.rec, "compliance", json_string(total >= verified ? "compliant" : "shortfall"));
      }
      e = rec_put(s, "record", c.key, c.rec, err);
    }
    if (e == L6_E_OK) *out = json_incref(c.rec);
  }
  ctx3_free(&c);
  return e;
}

l6_err svc_ets_correct_st(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty verified,
                          const char *reason, json_t **out, int *status, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (verified < 0 || verified > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "verified must be from 0 to %lld tonnes", (long long)L6_MAX_QUANTITY);
  if (!l6_valid_text(reason, L6_TEXT_MAX)) return l6_fail(err, L6_E_MISSING_FIELD, "reason (why the figure changes) is required");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  if (status) *status = 201; /* 202 when it became a proposal */
  e = correct_tx(s, a, scheme, entity, year, -1, verified, reason, true, out, status, err);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ets_correct(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty verified,
                       const char *reason, json_t **out, l6_error *err) {
  return svc_ets_correct_st(s, a, scheme, entity, year, verified, reason, out, NULL, err);
}

l6_err svc_ets_record_get(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                          l6_error *err) {
  *out = NULL;
  ctx3 c;
  json_t *hist = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK) e = hist_json(s, "emissions", c.key, &hist, err);
  if (e == L6_E_OK) {
    *out = json_incref(c.rec);
    json_object_set_new(*out, "history", hist);
  } else {
    json_decref(hist);
  }
  ctx3_free(&c);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ets_verifier_put(l6_svc *s, const l6_actor *a, const char *scheme, l6_id org, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  json_t *sch = NULL;
  l6_org o;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = scheme_get(s, scheme, &sch, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(sch, "registry"), err);
  if (e == L6_E_OK) e = OPS->org_get(ST, org, &o, err);
  if (e == L6_E_OK) e = OPS->accreditation_put(ST, org, L6_ETS_ACCREDITATION, scheme, err);
  if (e == L6_E_OK)
    *out = json_pack("{s:s,s:I,s:s,s:s}", "scheme", scheme, "organisation", (json_int_t)org, "mechanism", L6_ETS_ACCREDITATION,
                     "scope", scheme);
  json_decref(sch);
  return svc__finish_out(s, e, out, err);
}

/* The confirmation inside an open transaction; gate: the policy may turn
 * it into a proposal (*out the proposal then, *status 202). */
static l6_err confirm_tx(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty expect,
                         bool gate, json_t **out, int *status, l6_error *err) {
  ctx3 c;
  l6_err e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(c.scheme, "registry"), err);
  if (e == L6_E_OK) e = not_surrendered(&c, err);
  if (e == L6_E_OK && strcmp(jstr(c.rec, "status"), "entered") != 0)
    e = l6_fail(err, L6_E_WRONG_STATE, "the emissions of %s for %d are %s; a verifier enters them first", entity, year,
                strcmp(jstr(c.rec, "status"), "none") == 0 ? "not entered" : "already confirmed");
  if (e == L6_E_OK) e = same_figure(&c, expect, err);
  bool proposed = false;
  if (e == L6_E_OK && gate) {
    json_t *req = json_pack("{s:s,s:s,s:s,s:i,s:I}", "kind", "ets-confirmation", "scheme", scheme, "entity", entity, "year",
                            year, "verified", (json_int_t)jint(c.rec, "verified"));
    e = ets_gate(s, a, &c, req, out, status, &proposed, err);
    json_decref(req);
  }
  if (e == L6_E_OK && !proposed) {
    e = hist_emissions(s, a, &c, "confirmed", jint(c.rec, "verified"), NULL, err);
    if (e == L6_E_OK) json_object_set_new(c.rec, "status", json_string("confirmed"));
    if (e == L6_E_OK) e = rec_put(s, "record", c.key, c.rec, err);
    if (e == L6_E_OK) *out = json_incref(c.rec);
  }
  ctx3_free(&c);
  return e;
}

l6_err svc_ets_confirm_st(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                          int *status, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  if (status) *status = 201; /* 202 when it became a proposal */
  e = confirm_tx(s, a, scheme, entity, year, -1, true, out, status, err);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ets_confirm(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                       l6_error *err) {
  return svc_ets_confirm_st(s, a, scheme, entity, year, out, NULL, err);
}

/* Re-runs an approved "ets-confirmation" or "ets-correction" proposal as
 * its proposer inside the approval's transaction (svc__plain_rerun). */
l6_err svc__ets_rerun(l6_svc *s, const l6_actor *a, const char *kind, const char *request, l6_error *err) {
  json_error_t je;
  json_t *o = json_loads(request, 0, &je);
  if (o == NULL) return l6_fail(err, L6_E_INTERNAL, "a stored proposal request is not JSON");
  json_t *out = NULL;
  const char *scheme = jstr(o, "scheme"), *entity = jstr(o, "entity");
  int year = (int)jint(o, "year");
  l6_err e;
  if (strcmp(kind, "ets-confirmation") == 0)
    e = confirm_tx(s, a, scheme, entity, year, jint(o, "verified"), false, &out, NULL, err);
  else if (strcmp(kind, "ets-correction") == 0)
    e = correct_tx(s, a, scheme, entity, year, jint(o, "from"), jint(o, "verified"), jstr(o, "reason"), false, &out, NULL, err);
  else
    e = l6_fail(err, L6_E_INTERNAL, "proposal kind %s cannot run", kind);
  json_decref(o);
  json_decref(out);
  return e;
}

l6_err svc_ets_allocation(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year,
                          l6_qty allocated, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (allocated < 0 || allocated > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "allocated must be from 0 to %lld tonnes", (long long)L6_MAX_QUANTITY);
  ctx3 c;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(c.scheme, "registry"), err);
  if (e == L6_E_OK) e = not_surrendered(&c, err);
  if (e == L6_E_OK) json_object_set_new(c.rec, "allocated", json_integer(allocated));
  return finish3(s, e, &c, out, err);
}

/* ---- allocation ----------------------------------------------------------------- */

typedef struct {
  l6_block *blocks;
  size_t n, cap;
  l6_qty have, need;
} held_buf;

static int held_row(void *ctx, const void *row) {
  held_buf *b = ctx;
  if (b->n == b->cap) return 1;
  const l6_block *blk = row;
  b->blocks[b->n++] = *blk;
  b->have += l6_range_qty(blk->first, blk->last);
  return b->have >= b->need;
}

l6_err svc_ets_allocate(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty qty,
                        bool auction, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (qty <= 0 || qty > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be from 1 to %lld", (long long)L6_MAX_QUANTITY);
  size_t cap = L6_MAX_BLOCKS_PER_TX + 1;
  held_buf held = {.blocks = malloc(cap * sizeof(l6_block)), .cap = cap, .need = qty};
  l6_take *takes = malloc(L6_MAX_BLOCKS_PER_TX * sizeof *takes);
  if (!held.blocks || !takes) {
    free(held.blocks);
    free(takes);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  ctx3 c;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(held.blocks);
    free(takes);
    return e;
  }
  e = load3(s, scheme, entity, year, &c, err);
  if (e == L6_E_OK) e = need_regulator(s, a, jstr(c.scheme, "registry"), err);
  if (e == L6_E_OK) e = not_surrendered(&c, err);
  const ets_ruleset *rs = e == L6_E_OK ? ets_set_find(svc__ets(s), jstr(c.scheme, "jurisdiction")) : NULL;
  if (e == L6_E_OK && !rs)
    e = l6_fail(err, L6_E_UNKNOWN_JURISDICTION, "jurisdiction %s of scheme %s is no longer in config/jurisdictions",
                jstr(c.scheme, "jurisdiction"), scheme);
  l6_id src = e == L6_E_OK ? jint(c.scheme, auction ? "auction_account" : "allocation_account") : 0;
  if (e == L6_E_OK && src == 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "scheme %s has no %s account", scheme, auction ? "auction" : "allocation");
  l6_account from, to;
  if (e == L6_E_OK) e = svc__open_account(s, src, auction ? "auction_account" : "allocation_account", &from, err);
  if (e == L6_E_OK) e = svc__open_account(s, jint(c.entity, "account"), "account", &to, err);
  size_t ntakes = 0;
  if (e == L6_E_OK) {
    l6_pick_filter f = {.account = from.id};
    snprintf(f.unit_type, sizeof f.unit_type, "%s", rs->allow[0].unit);
    e = OPS->block_pick(ST, &f, (int)cap, held_row, &held, err);
    if (e == L6_E_OK) e = ledger_pick(held.blocks, held.n, qty, takes, L6_MAX_BLOCKS_PER_TX, &ntakes, err);
  }
  l6_tx tx = {.kind = L6_TX_TRANSFER, .from_account = from.id, .to_account = to.id, .quantity = qty, .reporting_year = year};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", a->name);
  snprintf(tx.purpose, sizeof tx.purpose, "ETS %s allocation", auction ? "auction" : "free");
  snprintf(tx.claim, sizeof tx.claim, "%s %s %d", scheme, entity, year);
  if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
  svc_move_ctx m = {.route = SVC_MOVE_ETS_ALLOCATION, .tx = &tx, .takes = takes, .n = ntakes, .actor = a};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  for (size_t i = 0; i < ntakes && e == L6_E_OK && svc__check_level(s) >= 2; i++) e = svc__check_batch(s, takes[i].batch, err);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
  if (e == L6_E_OK) {
    const char *k = auction ? "auctioned" : "allocated";
    json_object_set_new(c.rec, k, json_integer(jint(c.rec, k) + qty));
    json_object_set_new(c.rec, "last_allocation_tx", json_integer(tx.id));
  }
  free(held.blocks);
  free(takes);
  return finish3(s, e, &c, out, err);
}

/* ---- surrender ------------------------------------------------------------------ */

static void set_attr(ets_offer *o, ets_attr a, const char *v) { snprintf(o->a[a], sizeof o->a[0], "%s", v ? v : ""); }

/* The ledger transaction of a surrender (not yet written). */
static l6_tx surrender_tx(l6_svc *s, const l6_actor *a, const l6_ets_surrender_req *r, l6_id from, l6_id to) {
  l6_tx tx = {.kind = L6_TX_CANCELLATION, .from_account = from, .to_account = to, .reporting_year = r->year};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", a->name);
  snprintf(tx.purpose, sizeof tx.purpose, "ETS surrender");
  snprintf(tx.claim, sizeof tx.claim, "%s %s %d", r->scheme, r->entity, r->year);
  return tx;
}

/* The offer of one item: its batch's unit type, project and vintage, the
 * project's crediting period and ETS attributes (unknown: ""). The item
 * first passes the policy step's checks (move.h; a dry run too): no
 * non-offsetting units (CABs, FCCs), no ITMOs (an Article 6 use). */
static l6_err offer_of(l6_svc *s, const l6_actor *a, const l6_ets_surrender_req *r, l6_id account, const l6_range *g,
                       ets_offer *o, l6_error *err) {
  memset(o, 0, sizeof *o);
  if (g->first < 1 || g->last < g->first) return l6_fail(err, L6_E_INVALID_RANGE, "serials must satisfy 1 <= first <= last");
  l6_batch b;
  l6_block blk;
  l6_err e = OPS->batch_get(ST, g->batch, &b, err);
  l6_tx probe = surrender_tx(s, a, r, account, 0);
  l6_take take = {.batch = g->batch, .first = g->first, .last = g->last};
  probe.quantity = l6_range_qty(g->first, g->last);
  svc_move_ctx m = {.route = SVC_MOVE_ETS_SURRENDER, .tx = &probe, .takes = &take, .n = 1, .actor = a};
  if (e == L6_E_OK) e = svc__move_check(s, &m, err);
  if (e != L6_E_OK) return e;
  e = OPS->block_find(ST, account, g->batch, g->first, &blk, err);
  if (e == L6_E_UNKNOWN_SERIAL || (e == L6_E_OK && blk.last < g->last))
    return l6_fail(err, L6_E_SERIALS_NOT_HELD, "serials %lld-%lld of batch %lld are not all held by account %lld",
                   (long long)g->first, (long long)g->last, (long long)g->batch, (long long)account);
  if (e != L6_E_OK) return e;
  o->qty = l6_range_qty(g->first, g->last);
  l6_project p;
  if ((e = OPS->project_get(ST, b.project, &p, err)) != L6_E_OK) return e;
  set_attr(o, ETS_ATTR_UNIT_TYPE, b.unit_type);
  set_attr(o, ETS_ATTR_PROJECT, b.project);
  set_attr(o, ETS_ATTR_CREDIT_START, p.crediting_start);
  set_attr(o, ETS_ATTR_CREDIT_END, p.crediting_end);
  snprintf(o->a[ETS_ATTR_VINTAGE], sizeof o->a[0], "%04d", b.vintage);
  /* When the reductions were produced: the batch's production (monitoring)
   * period; a batch issued without one stands for its vintage year. */
  if (b.production_start[0]) {
    set_attr(o, ETS_ATTR_PRODUCTION_START, b.production_start);
    set_attr(o, ETS_ATTR_PRODUCTION_END, b.production_end);
  } else {
    snprintf(o->a[ETS_ATTR_PRODUCTION_START], sizeof o->a[0], "%04d-01-01", b.vintage);
    snprintf(o->a[ETS_ATTR_PRODUCTION_END], sizeof o->a[0], "%04d-12-31", b.vintage);
  }
  json_t *pa = NULL;
  if ((e = rec_get(s, "project", b.project, &pa, err)) != L6_E_OK) return e;
  if (pa) {
    set_attr(o, ETS_ATTR_PROJECT_TYPE, jstr(pa, "project_type"));
    set_attr(o, ETS_ATTR_PROVINCE, jstr(pa, "province"));
    set_attr(o, ETS_ATTR_CITY, jstr(pa, "city"));
    set_attr(o, ETS_ATTR_REG_PROVINCE, jstr(pa, "reg_province"));
    set_attr(o, ETS_ATTR_GASES, jstr(pa, "gases"));
    set_attr(o, ETS_ATTR_COVERED_ENTITY, json_is_true(json_object_get(pa, "covered_entity")) ? "true" : "false");
    set_attr(o, ETS_ATTR_REGISTERED, jstr(pa, "registered"));
    set_attr(o, ETS_ATTR_PROJECT_START, jstr(pa, "produced")); /* the project's first day of reductions */
    json_decref(pa);
  }
  return L6_E_OK;
}

static const ets_rule *rule_of(const ets_ruleset *rs, const char *id) {
  for (size_t i = 0; i < rs->nrules; i++)
    if (strcmp(rs->rules[i].id, id) == 0) return &rs->rules[i];
  return NULL;
}

static json_t *evaluation_json(const ets_ruleset *rs, const ets_figures *f, const ets_result *res) {
  json_t *breaks = json_array();
  for (size_t i = 0; i < res->nbreaks; i++) {
    const ets_break *b = &res->breaks[i];
    const ets_rule *r = rule_of(rs, b->id);
    const char *text = r ? r->text
                     : strcmp(b->id, "eligible_unit") == 0 ? "the scheme takes this unit type neither as allowance nor as offset"
                                                           : "more than the obligation offered";
    json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:I}", "rule", b->id, "kind", r ? ets_rule_kind_str(b->kind) : "builtin", "text",
                          text, "figure", (json_int_t)b->figure, "limit", (json_int_t)b->limit);
    if (!r || r->kind == ETS_RULE_REQUIRE || r->kind == ETS_RULE_EXCLUDE || r->kind == ETS_RULE_WINDOW)
      if (strcmp(b->id, "over_obligation") != 0) json_object_set_new(j, "item", json_integer((json_int_t)b->offer));
    json_array_append_new(breaks, j);
  }
  l6_qty total = res->allowances + res->offsets;
  return json_pack("{s:b,s:s,s:{s:i,s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:I,s:I,s:o}", "accepted", res->nbreaks == 0,
                   "jurisdiction", rs->code, "figures", "year", f->year, "emissions", (json_int_t)f->emissions, "obligation",
                   (json_int_t)f->obligation, "allocated", (json_int_t)f->allocated, "shortfall_base",
                   (json_int_t)res->shortfall_base, "allowances", (json_int_t)res->allowances, "offsets",
                   (json_int_t)res->offsets, "shortfall", (json_int_t)(f->obligation > total ? f->obligation - total : 0),
                   "max_offsets", (json_int_t)res->max_offsets, "eligible_offered", (json_int_t)res->eligible_offered,
                   "breaks", breaks);
}

l6_err svc_ets_surrender(l6_svc *s, const l6_actor *a, const l6_ets_surrender_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY && a->role != L6_ROLE_HOLDER)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not surrender", l6_role_str(a->role));
  if (r->n > L6_ETS_MAX_OFFERS) return l6_fail(err, L6_E_TOO_MANY_RANGES, "at most %d items", L6_ETS_MAX_OFFERS);
  ets_offer *offers = calloc(r->n ? r->n : 1, sizeof *offers);
  ets_result *res = calloc(1, sizeof *res);
  if (!offers || !res) {
    free(offers);
    free(res);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  ctx3 c;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(offers);
    free(res);
    return e;
  }
  e = load3(s, r->scheme, r->entity, r->year, &c, err);
  const char *registry = e == L6_E_OK ? jstr(c.scheme, "registry") : "";
  if (e == L6_E_OK && a->role == L6_ROLE_HOLDER && a->org != jint(c.entity, "org"))
    e = l6_fail(err, L6_E_FORBIDDEN, "entity %s belongs to another organisation", r->entity);
  if (e == L6_E_OK && a->role == L6_ROLE_AUTHORITY) e = need_regulator(s, a, registry, err);
  const ets_ruleset *rs = e == L6_E_OK ? ets_set_find(svc__ets(s), jstr(c.scheme, "jurisdiction")) : NULL;
  if (e == L6_E_OK && !rs)
    e = l6_fail(err, L6_E_UNKNOWN_JURISDICTION, "jurisdiction %s of scheme %s is no longer in config/jurisdictions",
                jstr(c.scheme, "jurisdiction"), r->scheme);
  if (e == L6_E_OK) e = not_surrendered(&c, err);
  if (e == L6_E_OK && strcmp(jstr(c.rec, "status"), "confirmed") != 0)
    e = l6_fail(err, L6_E_EMISSIONS_NOT_CONFIRMED, "the verified emissions of %s for %d are not confirmed", r->entity, r->year);
  if (e == L6_E_OK && r->n == 0 && !r->dry_run) e = l6_fail(err, L6_E_MISSING_FIELD, "items (serial ranges to surrender) are required");
  l6_account from, sur;
  l6_id acc = e == L6_E_OK ? jint(c.entity, "account") : 0;
  if (e == L6_E_OK) e = svc__open_account(s, acc, "account", &from, err);
  for (size_t i = 0; i < r->n && e == L6_E_OK; i++) e = offer_of(s, a, r, acc, &r->items[i], &offers[i], err);
  /* the same serial twice would count twice */
  for (size_t i = 0; i < r->n && e == L6_E_OK; i++)
    for (size_t j = 0; j < i && e == L6_E_OK; j++)
      if (r->items[i].batch == r->items[j].batch && r->items[i].first <= r->items[j].last && r->items[j].first <= r->items[i].last)
        e = l6_fail(err, L6_E_INVALID_RANGE, "items %zu and %zu overlap", j, i);
  ets_figures f = {.year = r->year};
  if (e == L6_E_OK) {
    f.emissions = jint(c.rec, "verified");
    f.obligation = f.emissions;
    f.allocated = jint(c.rec, "allocated");
    ets_evaluate(rs, &f, offers, r->n, res);
    *out = evaluation_json(rs, &f, res);
  }
  if (e == L6_E_OK && !r->dry_run && res->nbreaks) {
    char msg[200] = "";
    for (size_t i = 0; i < res->nbreaks && strlen(msg) < 150; i++)
      snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s (%lld / %lld)", i ? ", " : "", res->breaks[i].id,
               (long long)res->breaks[i].figure, (long long)res->breaks[i].limit);
    e = l6_fail(err, L6_E_OFFSET_RULES_BROKEN, "the surrender breaks %zu rule%s of %s: %s", res->nbreaks,
                res->nbreaks == 1 ? "" : "s", rs->code, msg);
  }
  if (e == L6_E_OK && !r->dry_run) {
    e = OPS->account_of_registry(ST, registry, L6_ACCT_SURRENDER, &sur, err);
    l6_tx tx = surrender_tx(s, a, r, from.id, e == L6_E_OK ? sur.id : 0);
    for (size_t i = 0; i < r->n; i++) tx.quantity += offers[i].qty;
    if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
    l6_take *takes = calloc(r->n ? r->n : 1, sizeof *takes);
    if (e == L6_E_OK && takes == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    for (size_t i = 0; i < r->n && takes; i++)
      takes[i] = (l6_take){.batch = r->items[i].batch, .first = r->items[i].first, .last = r->items[i].last};
    svc_move_ctx m = {.route = SVC_MOVE_ETS_SURRENDER, .tx = &tx, .takes = takes, .n = r->n, .actor = a};
    if (e == L6_E_OK) e = svc__move_units(s, &m, err);
    free(takes);
    for (size_t i = 0; i < r->n && e == L6_E_OK && svc__check_level(s) >= 2; i++) e = svc__check_batch(s, r->items[i].batch, err);
    if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
    if (e == L6_E_OK) {
      l6_qty total = res->allowances + res->offsets;
      json_object_set_new(c.rec, "surrendered_allowances", json_integer(res->allowances));
      json_object_set_new(c.rec, "surrendered_offsets", json_integer(res->offsets));
      json_object_set_new(c.rec, "tx", json_integer(tx.id));
      json_object_set_new(c.rec, "compliance", json_string(total >= f.obligation ? "compliant" : "shortfall"));
      json_object_set_new(c.rec, "surrendered", json_string(tx.ts));
      e = rec_put(s, "record", c.key, c.rec, err);
    }
    if (e == L6_E_OK) {
      json_object_set_new(*out, "tx", json_integer(tx.id));
      json_object_set_new(*out, "record", json_incref(c.rec));
    }
  }
  ctx3_free(&c);
  free(offers);
  free(res);
  if (e != L6_E_OK) {
    json_decref(*out);
    *out = NULL;
  }
  /* a dry run writes nothing: it commits an empty transaction */
  return svc__finish_out(s, e, out, err);
}

/* ---- report ------------------------------------------------------------------------ */

typedef struct {
  int year;
  json_t *recs; /* object: entity id -> record */
} rep_ctx;

static int rep_row(void *ctx, const void *row) {
  rep_ctx *c = ctx;
  const l6_ets_rec *r = row;
  json_t *j = json_loads(r->body, 0, NULL);
  if (!j) return 0;
  if (jint(j, "year") == c->year) json_object_set(c->recs, jstr(j, "entity"), j);
  json_decref(j);
  return 0;
}

l6_err svc_ets_report(l6_svc *s, const l6_actor *a, const char *scheme, int year, json_t **out, l6_error *err) {
  *out = NULL;
  json_t *sch = NULL;
  collect ents = {json_array()};
  rep_ctx rc = {year, json_object()};
  char prefix[L6_ETS_KEY_MAX + 1];
  snprintf(prefix, sizeof prefix, "%s|", scheme);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    json_decref(ents.items);
    json_decref(rc.recs);
    return e;
  }
  e = scheme_get(s, scheme, &sch, err);
  if (e == L6_E_OK && (year < jint(sch, "first_year") || year > jint(sch, "last_year")))
    e = l6_fail(err, L6_E_YEAR_OUTSIDE_SCHEME, "%d is outside the compliance years of %s", year, scheme);
  if (e == L6_E_OK) e = OPS->ets_rec_list(ST, "entity", prefix, collect_row, &ents, err);
  if (e == L6_E_OK) e = OPS->ets_rec_list(ST, "record", prefix, rep_row, &rc, err);
  json_t *items = json_array();
  l6_qty tot_ob = 0, tot_al = 0, tot_of = 0, tot_sf = 0;
  int64_t tot_pen = 0;
  size_t i;
  json_t *ent;
  json_array_foreach(ents.items, i, ent) {
    if (e != L6_E_OK) break;
    json_t *rec = json_object_get(rc.recs, jstr(ent, "id"));
    l6_qty ob = rec && strcmp(jstr(rec, "status"), "confirmed") == 0 ? jint(rec, "verified") : 0;
    l6_qty al = rec ? jint(rec, "surrendered_allowances") : 0, of = rec ? jint(rec, "surrendered_offsets") : 0;
    l6_qty sf = ob > al + of ? ob - (al + of) : 0;
    int64_t rate = jint(sch, "penalty");
    int64_t pen = (sf > 0 && rate > INT64_MAX / sf) ? INT64_MAX : sf * rate; /* saturates, never overflows */
    (void)l6_qty_add(tot_ob, ob, &tot_ob);
    (void)l6_qty_add(tot_al, al, &tot_al);
    (void)l6_qty_add(tot_of, of, &tot_of);
    (void)l6_qty_add(tot_sf, sf, &tot_sf);
    tot_pen = (pen > INT64_MAX - tot_pen) ? INT64_MAX : tot_pen + pen;
    json_array_append_new(
        items, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I}", "entity", jstr(ent, "id"), "name", jstr(ent, "name"),
                         "emissions_status", rec ? jstr(rec, "status") : "none", "obligation", (json_int_t)ob, "allocated",
                         (json_int_t)(rec ? jint(rec, "allocated") : 0), "surrendered_allowances", (json_int_t)al,
                         "surrendered_offsets", (json_int_t)of, "shortfall", (json_int_t)sf, "penalty", (json_int_t)pen,
                         "compliance", rec ? jstr(rec, "compliance") : "pending", "tx", (json_int_t)(rec ? jint(rec, "tx") : 0)));
  }
  if (e == L6_E_OK) {
    char deadline[16];
    snprintf(deadline, sizeof deadline, "%04d-%s", year + 1, jstr(sch, "deadline"));
    *out = json_pack("{s:s,s:s,s:i,s:s,s:I,s:s,s:o,s:{s:I,s:I,s:I,s:I,s:I}}", "scheme", scheme, "jurisdiction",
                     jstr(sch, "jurisdiction"), "year", year, "deadline", deadline, "penalty_per_tonne",
                     (json_int_t)jint(sch, "penalty"), "currency", jstr(sch, "currency"), "items", items, "totals",
                     "obligation", (json_int_t)tot_ob, "surrendered_allowances", (json_int_t)tot_al, "surrendered_offsets",
                     (json_int_t)tot_of, "shortfall", (json_int_t)tot_sf, "penalty", (json_int_t)tot_pen);
  } else {
    json_decref(items);
  }
  json_decref(sch);
  json_decref(ents.items);
  json_decref(rc.recs);
  return svc__finish_out(s, e, out, err);
}

static void csv_field(char **buf, size_t *len, size_t *cap, const char *v, bool last) {
  size_t need = *len + 2 * strlen(v) + 4;
  if (need > *cap) {
    size_t nc = need * 2;
    char *nb = realloc(*buf, nc);
    if (!nb) return;
    *buf = nb;
    *cap = nc;
  }
  bool quote = strpbrk(v, ",\"\r\n") != NULL;
  if (quote) (*buf)[(*len)++] = '"';
  for (const char *p = v; *p; p++) {
    if (*p == '"') (*buf)[(*len)++] = '"';
    (*buf)[(*len)++] = *p;
  }
  if (quote) (*buf)[(*len)++] = '"';
  (*buf)[(*len)++] = last ? '\n' : ',';
  (*buf)[*len] = 0;
}

char *svc_ets_report_csv(const json_t *report) {
  static const char *const cols[] = {"entity", "name", "emissions_status", "obligation", "allocated", "surrendered_allowances",
                                     "surrendered_offsets", "shortfall", "penalty", "compliance", "tx"};
  size_t nc = sizeof cols / sizeof cols[0], len = 0, cap = 256;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  buf[0] = 0;
  for (size_t k = 0; k < nc; k++) csv_field(&buf, &len, &cap, cols[k], k + 1 == nc);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(report, "items"), i, it) {
    for (size_t k = 0; k < nc; k++) {
      json_t *v = json_object_get(it, cols[k]);
      char num[32];
      const char *t = json_is_string(v) ? json_string_value(v) : num;
      if (!json_is_string(v)) snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      csv_field(&buf, &len, &cap, t, k + 1 == nc);
    }
  }
  return buf;
}
