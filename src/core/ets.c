/*
 * ets.c -- evaluation of a jurisdiction's offset rules (ets.h).
 */
#include "ets.h"

#include <assert.h>
#include <string.h>

static const char *const attr_names[] = {
    "",
#define ETS_XX(e, s, d) s,
    ETS_ATTR_MAP(ETS_XX)
#undef ETS_XX
};
static const bool attr_dates[] = {
    false,
#define ETS_XX(e, s, d) d,
    ETS_ATTR_MAP(ETS_XX)
#undef ETS_XX
};

const char *ets_attr_str(ets_attr a) { return (a > 0 && a < ETS_ATTR__COUNT) ? attr_names[a] : ""; }
ets_attr ets_attr_from_str(const char *s) {
  for (int i = 1; i < ETS_ATTR__COUNT; i++)
    if (s && strcmp(s, attr_names[i]) == 0) return (ets_attr)i;
  return ETS_ATTR__NONE;
}
bool ets_attr_is_date(ets_attr a) { return a > 0 && a < ETS_ATTR__COUNT && attr_dates[a]; }

static const char *const base_names[] = {"", "emissions", "obligation", "allocated", "shortfall"};
const char *ets_base_str(ets_base b) { return (b > 0 && b <= ETS_BASE_SHORTFALL) ? base_names[b] : ""; }
ets_base ets_base_from_str(const char *s) {
  for (int i = 1; i <= ETS_BASE_SHORTFALL; i++)
    if (s && strcmp(s, base_names[i]) == 0) return (ets_base)i;
  return ETS_BASE__NONE;
}

static const char *const kind_names[] = {"", "limit", "share", "require", "exclude", "window"};
const char *ets_rule_kind_str(ets_rule_kind k) { return (k > 0 && k <= ETS_RULE_WINDOW) ? kind_names[k] : ""; }
ets_rule_kind ets_rule_kind_from_str(const char *s) {
  for (int i = 1; i <= ETS_RULE_WINDOW; i++)
    if (s && strcmp(s, kind_names[i]) == 0) return (ets_rule_kind)i;
  return ETS_RULE__NONE;
}

static const ets_unit *find_unit(const ets_unit *u, size_t n, const char *unit) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(u[i].unit, unit) == 0) return &u[i];
  return NULL;
}
const ets_unit *ets_allowance(const ets_ruleset *rs, const char *unit) { return find_unit(rs->allow, rs->nallow, unit); }
const ets_unit *ets_offset_unit(const ets_ruleset *rs, const char *unit) {
  return find_unit(rs->offset, rs->noffset, unit);
}

#define QTY_CAP (L6_MAX_QUANTITY * 1000)

l6_qty ets_convert(const ets_unit *u, l6_qty q) {
  assert(u->num > 0 && u->den > 0 && q >= 0);
  if (q > QTY_CAP) q = QTY_CAP;
  l6_qty v = q / u->den * u->num + (q % u->den) * u->num / u->den; /* no overflow: q <= 1e15, num <= 1000 */
  return v > QTY_CAP ? QTY_CAP : v;
}

int64_t ets_percent_of(int64_t base, int percent, bool ceil) {
  assert(base >= 0 && percent >= 0 && percent <= 100);
  if (base > QTY_CAP) base = QTY_CAP;
  int64_t p = base * percent; /* <= 1e17 */
  return ceil ? (p + 99) / 100 : p / 100;
}

static bool in_values(const ets_values *v, const char *s) {
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->v[i], s) == 0) return true;
  return false;
}

/* For a set attribute ("CO2,CH4"): all (every element in v) or any. */
static bool set_test(const ets_values *v, const char *s, bool all) {
  if (!*s) return false;
  char el[L6_ETS_VALUE_MAX + 1];
  const char *p = s;
  while (true) {
    const char *c = strchr(p, ',');
    size_t n = c ? (size_t)(c - p) : strlen(p);
    if (n > L6_ETS_VALUE_MAX) n = L6_ETS_VALUE_MAX;
    memcpy(el, p, n);
    el[n] = 0;
    bool hit = in_values(v, el);
    if (all && !hit) return false;
    if (!all && hit) return true;
    if (!c) break;
    p = c + 1;
  }
  return all;
}

static bool attr_in(ets_attr a, const ets_values *v, const char *s, bool all) {
  if (a == ETS_ATTR_GASES) return set_test(v, s, all);
  return in_values(v, s);
}

/* Does the rule apply to this offer (an offset of one of its units,
 * passing its filter)? */
static bool applies(const ets_rule *r, const ets_offer *o) {
  if (r->units.n && !in_values(&r->units, o->a[ETS_ATTR_UNIT_TYPE])) return false;
  if (r->where_attr) {
    bool in = attr_in(r->where_attr, &r->where, o->a[r->where_attr], false);
    if (in == r->where_not) return false;
  }
  return true;
}

/* Does the offer pass a per-unit rule? */
static bool passes(const ets_rule *r, const ets_offer *o) {
  const char *v = o->a[r->attr];
  switch (r->kind) {
  case ETS_RULE_REQUIRE: return attr_in(r->attr, &r->values, v, true);
  case ETS_RULE_EXCLUDE: return !attr_in(r->attr, &r->values, v, false);
  case ETS_RULE_WINDOW:
    if (r->attr == ETS_ATTR_PRODUCTION) { /* the whole period inside the window */
      const char *s = o->a[ETS_ATTR_PRODUCTION_START], *e = o->a[ETS_ATTR_PRODUCTION_END];
      if (!*s || !*e) return false;
      if (*r->from && strcmp(s, r->from) < 0) return false;
      if (*r->to && strcmp(e, r->to) > 0) return false;
      return true;
    }
    if (!*v) return false; /* unknown: cannot be shown inside */
    if (*r->from && strcmp(v, r->from) < 0) return false;
    if (*r->to && strcmp(v, r->to) > 0) return false;
    return true;
  default: return true;
  }
}

static void add_break(ets_result *res, const char *id, ets_rule_kind k, int64_t figure, int64_t limit, size_t offer) {
  assert(res->nbreaks < sizeof res->breaks / sizeof res->breaks[0]);
  ets_break *b = &res->breaks[res->nbreaks++];
  memset(b, 0, sizeof *b);
  strncpy(b->id, id, sizeof b->id - 1);
  b->kind = k;
  b->figure = figure;
  b->limit = limit;
  b->offer = offer;
}

static int64_t base_of(const ets_rule *r, const ets_figures *f, l6_qty shortfall) {
  switch (r->base) {
  case ETS_BASE_EMISSIONS: return f->emissions;
  case ETS_BASE_OBLIGATION: return f->obligation;
  case ETS_BASE_ALLOCATED: return f->allocated;
  case ETS_BASE_SHORTFALL: return shortfall;
  default: return 0;
  }
}

static bool rule_in_year(const ets_rule *r, int year) {
  if (r->first_year && year < r->first_year) return false;
  if (r->last_year && year > r->last_year) return false;
  return true;
}

/* Does a limit rule bound every offset the scheme takes? */
static bool covers_all(const ets_ruleset *rs, const ets_rule *r) {
  if (r->where_attr) return false;
  if (!r->units.n) return true;
  for (size_t i = 0; i < rs->noffset; i++)
    if (!in_values(&r->units, rs->offset[i].unit)) return false;
  return true;
}

bool ets_evaluate(const ets_ruleset *rs, const ets_figures *f, const ets_offer *offers, size_t n, ets_result *res) {
  assert(rs && f && res && n <= L6_ETS_MAX_OFFERS);
  assert(f->emissions >= 0 && f->obligation >= 0 && f->allocated >= 0);
  memset(res, 0, sizeof *res);
  res->shortfall_base = f->obligation > f->allocated ? f->obligation - f->allocated : 0;

  /* Tonnes each offer counts for; offsets are the offers of offset types. */
  l6_qty tonnes[L6_ETS_MAX_OFFERS];
  bool is_offset[L6_ETS_MAX_OFFERS];
  bool refused[L6_ETS_MAX_OFFERS];
  for (size_t i = 0; i < n; i++) {
    const char *u = offers[i].a[ETS_ATTR_UNIT_TYPE];
    const ets_unit *a = ets_allowance(rs, u), *o = ets_offset_unit(rs, u);
    tonnes[i] = 0;
    is_offset[i] = false;
    refused[i] = false;
    if (a) {
      tonnes[i] = ets_convert(a, offers[i].qty);
      (void)l6_qty_add(res->allowances, tonnes[i], &res->allowances);
    } else if (o) {
      tonnes[i] = ets_convert(o, offers[i].qty);
      is_offset[i] = true;
      (void)l6_qty_add(res->offsets, tonnes[i], &res->offsets);
    } else {
      refused[i] = true;
      add_break(res, "eligible_unit", ETS_RULE__NONE, offers[i].qty, 0, i);
    }
  }
  l6_qty total = 0;
  (void)l6_qty_add(res->allowances, res->offsets, &total);
  if (total > f->obligation) add_break(res, "over_obligation", ETS_RULE__NONE, total, f->obligation, 0);

  res->max_offsets = rs->noffset ? f->obligation : 0;
  for (size_t k = 0; k < rs->nrules; k++) {
    const ets_rule *r = &rs->rules[k];
    if (!rule_in_year(r, f->year)) continue;
    if (r->kind == ETS_RULE_LIMIT) {
      int64_t limit = ets_percent_of(base_of(r, f, res->shortfall_base), r->percent, r->ceil);
      if (covers_all(rs, r) && limit < res->max_offsets) res->max_offsets = limit;
      l6_qty sum = 0;
      for (size_t i = 0; i < n; i++)
        if (is_offset[i] && applies(r, &offers[i])) (void)l6_qty_add(sum, tonnes[i], &sum);
      if (sum > limit) add_break(res, r->id, r->kind, sum, limit, 0);
    } else if (r->kind == ETS_RULE_SHARE) {
      l6_qty sum = 0, in = 0;
      for (size_t i = 0; i < n; i++) {
        if (!is_offset[i] || !applies(r, &offers[i])) continue;
        (void)l6_qty_add(sum, tonnes[i], &sum);
        if (attr_in(r->attr, &r->values, offers[i].a[r->attr], true)) (void)l6_qty_add(in, tonnes[i], &in);
      }
      int64_t need = ets_percent_of(sum, r->percent, true);
      if (in < need) add_break(res, r->id, r->kind, in, need, 0);
    } else {
      l6_qty bad = 0;
      size_t first = 0;
      for (size_t i = 0; i < n; i++) {
        if (!is_offset[i] || !applies(r, &offers[i]) || passes(r, &offers[i])) continue;
        if (!bad) first = i;
        (void)l6_qty_add(bad, tonnes[i], &bad);
        refused[i] = true;
      }
      if (bad) add_break(res, r->id, r->kind, bad, 0, first);
    }
  }
  for (size_t i = 0; i < n; i++)
    if (is_offset[i] && !refused[i]) (void)l6_qty_add(res->eligible_offered, tonnes[i], &res->eligible_offered);
  return res->nbreaks == 0;
}
