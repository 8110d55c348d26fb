/*
 * aef_check.c -- the AEF consistency checks (aef_check.h). Pure.
 */
#include "aef_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "a6.h"

const aef_check_info AEF_CHECKS[AEF_C__COUNT] = {
    [AEF_C_IDENTIFIER_FORMAT] = {"identifier_format",
                                 "first and last ITMO identifiers are canonical (CA####-XXX##-XXX-serial-vintage), name the "
                                 "action's cooperative approach, registry and vintage, and the block's quantity"},
    [AEF_C_IDENTIFIER_DUPLICATE] = {"identifier_duplicate",
                                    "no ITMO is issued twice, first transferred twice, or used or cancelled twice"},
    [AEF_C_FIRST_TRANSFER_UNAUTHORIZED] = {"first_transfer_unauthorized",
                                           "every first transfer is under an authorization of the first transferring Party"},
    [AEF_C_FIRST_TRANSFER_OVER_AUTHORIZED] = {"first_transfer_over_authorized",
                                              "the ITMOs first transferred under an authorization do not exceed its "
                                              "authorized quantity"},
    [AEF_C_VINTAGE_NOT_AUTHORIZED] = {"vintage_not_authorized",
                                      "every action's vintage is among the vintages its authorization covers"},
    [AEF_C_OUTSIDE_TIMEFRAME] = {"outside_authorized_timeframe",
                                 "first transfers and uses happen in a year of their authorization's timeframe"},
    [AEF_C_USE_NOT_AUTHORIZED_FOR_NDC] = {"use_not_authorized_for_ndc",
                                          "ITMOs used towards an NDC are authorized for use towards NDCs"},
    [AEF_C_USE_OUTSIDE_NDC_PERIOD] = {"use_outside_ndc_period",
                                      "ITMOs are used towards the NDC for a year of its implementation period"},
    [AEF_C_USED_NOT_ACQUIRED] = {"used_not_acquired",
                                 "a Party uses no more ITMOs than it acquired (actions consistent across the years)"},
};

typedef struct {
  aef_finding *out;
  size_t cap, n;
} sink;

static void find(sink *s, aef_check_code c, int64_t action, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void find(sink *s, aef_check_code c, int64_t action, const char *fmt, ...) {
  if (s->n < s->cap) {
    aef_finding *f = &s->out[s->n];
    f->check = c;
    f->action = action;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
  }
  s->n++;
}

static bool is(const aef_check_action *a, const char *type) { return a->type && strcmp(a->type, type) == 0; }

static const aef_check_auth *auth_of(const aef_check_auth *auths, size_t n, int64_t id) {
  for (size_t i = 0; i < n; i++)
    if (auths[i].id == id) return &auths[i];
  return NULL;
}

/* The terms an action's ITMOs are under: its own (an amendment after
 * their first transfer) or its authorization's. */
static const aef_check_auth *terms_of(const aef_check_action *a, const aef_check_auth *auths, size_t n) {
  return a->terms ? a->terms : auth_of(auths, n, a->auth);
}

/* The serial range of an action whose identifiers parse (else false). */
static bool range_of(const aef_check_action *a, a6_itmo_id *f, a6_itmo_id *l) {
  return a->first_id && a->last_id && a6_itmo_parse(a->first_id, f) && a6_itmo_parse(a->last_id, l);
}

static void check_format(const aef_check_action *acts, size_t n, sink *s) {
  for (size_t i = 0; i < n; i++) {
    const aef_check_action *a = &acts[i];
    a6_itmo_id f, l;
    if (!range_of(a, &f, &l)) {
      find(s, AEF_C_IDENTIFIER_FORMAT, a->id, "action %lld (%s): %s to %s is not a pair of ITMO identifiers", (long long)a->id,
           a->type, a->first_id ? a->first_id : "", a->last_id ? a->last_id : "");
      continue;
    }
    if (f.approach != l.approach || strcmp(f.registry, l.registry) != 0 || strcmp(f.host, l.host) != 0 ||
        f.vintage != l.vintage)
      find(s, AEF_C_IDENTIFIER_FORMAT, a->id, "action %lld (%s): %s and %s are not of one block", (long long)a->id, a->type,
           a->first_id, a->last_id);
    else if (f.approach != a->approach || (a->registry && strcmp(f.registry, a->registry) != 0) || f.vintage != a->vintage)
      find(s, AEF_C_IDENTIFIER_FORMAT, a->id,
           "action %lld (%s): %s names approach CA%04d, registry %s, vintage %d; the action says CA%04d, %s, %d",
           (long long)a->id, a->type, a->first_id, f.approach, f.registry, f.vintage, a->approach,
           a->registry ? a->registry : "", a->vintage);
    else if (l.serial < f.serial || l.serial - f.serial + 1 != a->quantity)
      find(s, AEF_C_IDENTIFIER_FORMAT, a->id, "action %lld (%s): %s to %s is %lld ITMOs; the action says %lld",
           (long long)a->id, a->type, a->first_id, a->last_id,
           l.serial >= f.serial ? (long long)(l.serial - f.serial + 1) : 0LL, (long long)a->quantity);
  }
}

/* Which duplicate group an action type belongs to: an ITMO is issued
 * once, first transferred once, and used or cancelled once. */
static int dup_group(const aef_check_action *a) {
  if (is(a, "Issuance")) return 1;
  if (is(a, "First transfer")) return 2;
  if (is(a, "Use") || is(a, "Cancellation")) return 3;
  return 0;
}

static void check_duplicates(const aef_check_action *acts, size_t n, sink *s) {
  for (size_t j = 0; j < n; j++) {
    int g = dup_group(&acts[j]);
    a6_itmo_id fj, lj;
    if (g == 0 || !range_of(&acts[j], &fj, &lj)) continue;
    for (size_t i = 0; i < j; i++) {
      a6_itmo_id fi, li;
      if (dup_group(&acts[i]) != g || !range_of(&acts[i], &fi, &li)) continue;
      if (fi.approach != fj.approach || strcmp(fi.registry, fj.registry) != 0 || strcmp(fi.host, fj.host) != 0 ||
          fi.vintage != fj.vintage)
        continue;
      if (fi.serial > lj.serial || fj.serial > li.serial) continue;
      find(s, AEF_C_IDENTIFIER_DUPLICATE, acts[j].id, "action %lld (%s of %s to %s) repeats ITMOs of action %lld (%s)",
           (long long)acts[j].id, acts[j].type, acts[j].first_id, acts[j].last_id, (long long)acts[i].id, acts[i].type);
      break; /* one finding per action */
    }
  }
}

static void check_authorizations(const aef_check_action *acts, size_t n, const aef_check_auth *auths, size_t na,
                                  const aef_check_ndc *ndc, sink *s) {
  /* first_transfer_unauthorized */
  for (size_t i = 0; i < n; i++) {
    const aef_check_action *a = &acts[i];
    if (!is(a, "First transfer")) continue;
    const aef_check_auth *x = auth_of(auths, na, a->auth);
    if (x == NULL || (a->party && strcmp(x->party, a->party) != 0))
      find(s, AEF_C_FIRST_TRANSFER_UNAUTHORIZED, a->id, "first transfer %lld of %s to %s has no authorization of %s",
           (long long)a->id, a->first_id, a->last_id, a->party ? a->party : "");
  }
  /* first_transfer_over_authorized: per authorization, in the order of the authorizations */
  for (size_t k = 0; k < na; k++) {
    int64_t sum = 0, last = 0;
    for (size_t i = 0; i < n; i++)
      if (is(&acts[i], "First transfer") && acts[i].auth == auths[k].id) {
        sum += acts[i].quantity;
        last = acts[i].id;
      }
    if (sum > auths[k].quantity)
      find(s, AEF_C_FIRST_TRANSFER_OVER_AUTHORIZED, last,
           "%lld ITMOs are first transferred under authorization %lld, which authorizes %lld", (long long)sum,
           (long long)auths[k].id, (long long)auths[k].quantity);
  }
  /* vintage_not_authorized */
  for (size_t i = 0; i < n; i++) {
    const aef_check_auth *x = terms_of(&acts[i], auths, na);
    if (x && (acts[i].vintage < x->vintage_from || acts[i].vintage > x->vintage_to))
      find(s, AEF_C_VINTAGE_NOT_AUTHORIZED, acts[i].id, "action %lld (%s): vintage %d is outside authorization %lld's %d-%d",
           (long long)acts[i].id, acts[i].type, acts[i].vintage, (long long)x->id, x->vintage_from, x->vintage_to);
  }
  /* outside_authorized_timeframe */
  for (size_t i = 0; i < n; i++) {
    const aef_check_auth *x = terms_of(&acts[i], auths, na);
    if (x && (is(&acts[i], "First transfer") || is(&acts[i], "Use")) &&
        (acts[i].year < x->year_from || acts[i].year > x->year_to))
      find(s, AEF_C_OUTSIDE_TIMEFRAME, acts[i].id, "action %lld (%s) in %d is outside authorization %lld's timeframe %d-%d",
           (long long)acts[i].id, acts[i].type, acts[i].year, (long long)x->id, x->year_from, x->year_to);
  }
  /* use_not_authorized_for_ndc */
  for (size_t i = 0; i < n; i++) {
    const aef_check_auth *x = terms_of(&acts[i], auths, na);
    if (is(&acts[i], "Use") && (x == NULL || !(x->purposes & A6_P_NDC)))
      find(s, AEF_C_USE_NOT_AUTHORIZED_FOR_NDC, acts[i].id, "use %lld of %s to %s: authorization %lld %s", (long long)acts[i].id,
           acts[i].first_id, acts[i].last_id, (long long)acts[i].auth,
           x ? "is not for use towards NDCs" : "is not known");
  }
  /* use_outside_ndc_period */
  for (size_t i = 0; ndc && i < n; i++)
    if (is(&acts[i], "Use") && (acts[i].year < ndc->first_year || acts[i].year > ndc->last_year))
      find(s, AEF_C_USE_OUTSIDE_NDC_PERIOD, acts[i].id, "use %lld counts in %d, outside the NDC period %d-%d",
           (long long)acts[i].id, acts[i].year, ndc->first_year, ndc->last_year);
}

static void check_used_acquired(const aef_check_action *acts, size_t n, sink *s) {
  int64_t used = 0, acquired = 0, last = 0;
  const char *party = "";
  for (size_t i = 0; i < n; i++) {
    if (is(&acts[i], "Acquisition")) acquired += acts[i].quantity;
    if (is(&acts[i], "Use")) {
      used += acts[i].quantity;
      last = acts[i].id;
      if (acts[i].party) party = acts[i].party;
    }
  }
  if (used > acquired)
    find(s, AEF_C_USED_NOT_ACQUIRED, last, "%s used %lld ITMOs but acquired %lld", party, (long long)used,
         (long long)acquired);
}

size_t aef_check_all(const aef_check_action *acts, size_t n_acts, const aef_check_auth *auths, size_t n_auths,
                     const aef_check_ndc *ndc, aef_finding *out, size_t cap) {
  sink s = {out, cap, 0};
  check_format(acts, n_acts, &s);
  check_duplicates(acts, n_acts, &s);
  check_authorizations(acts, n_acts, auths, n_auths, ndc, &s);
  check_used_acquired(acts, n_acts, &s);
  return s.n;
}
