/* fees.c -- tiered issuance fees. Pure; see fees.h. */
#include "fees.h"

const char *fee_tiers_check(const l6_fee_tier *t, size_t n) {
  if (n < 1 || n > L6_MAX_FEE_TIERS) return "must have 1 to 8 tiers";
  for (size_t i = 0; i < n; i++) {
    if (t[i].per_unit < 0 || t[i].per_unit > L6_MAX_FEE_PER_UNIT) return "per_unit must be 0 to 1000000 minor units";
    if (i + 1 == n) {
      if (t[i].up_to != 0) return "the last tier has no up_to (it takes every further unit)";
    } else if (t[i].up_to < 1 || t[i].up_to > L6_MAX_QUANTITY || (i > 0 && t[i].up_to <= t[i - 1].up_to)) {
      return "up_to must be positive and strictly increasing";
    }
  }
  return NULL;
}

l6_err fee_tiers_amount(const l6_fee_tier *t, size_t n, l6_qty q, int64_t *amount, l6_qty *units, int64_t *part,
                        l6_error *err) {
  *amount = 0;
  const char *why = fee_tiers_check(t, n);
  if (why) return l6_fail(err, L6_E_INVALID_VALUE, "fee tiers: %s", why);
  if (q < 0 || q > L6_MAX_QUANTITY) return l6_fail(err, L6_E_QUANTITY_OVERFLOW, NULL);
  l6_qty below = 0; /* units charged by earlier tiers */
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    l6_qty cap = t[i].up_to ? t[i].up_to : L6_MAX_QUANTITY;
    l6_qty u = q > below ? (q < cap ? q : cap) - below : 0;
    if (u < 0) u = 0;
    int64_t p = u * t[i].per_unit; /* <= 10^12 * 10^6 */
    if (units) units[i] = u;
    if (part) part[i] = p;
    total += p;
    below = cap;
  }
  *amount = total;
  return L6_E_OK;
}
