/* benefit.c -- the host's benefit shares of an issuance; see benefit.h. */
#include "benefit.h"

#include <assert.h>

l6_err benefit_split(l6_qty n, const int *bp, size_t k, l6_rounding r, l6_qty *out, l6_qty *rest, l6_error *err) {
  *rest = 0;
  if (n < 0) return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must not be negative, got %lld", (long long)n);
  if (n > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "quantity %lld exceeds the limit of %lld", (long long)n,
                   (long long)L6_MAX_QUANTITY);
  if (k > L6_MAX_BENEFIT_SHARES) return l6_fail(err, L6_E_INVALID_VALUE, "at most %d benefit shares", L6_MAX_BENEFIT_SHARES);
  if (r <= L6_ROUND__NONE || r >= L6_ROUND__COUNT) return l6_fail(err, L6_E_INVALID_VALUE, "no rounding rule");
  int sum = 0;
  for (size_t i = 0; i < k; i++) {
    if (bp[i] < 1 || bp[i] > L6_BP_ONE)
      return l6_fail(err, L6_E_INVALID_VALUE, "benefit share %zu is %d bp; shares must be 1-10000 bp", i, bp[i]);
    sum += bp[i];
  }
  if (sum > L6_BP_ONE) return l6_fail(err, L6_E_INVALID_VALUE, "benefit shares sum to %d bp, over 10000 (100 %%)", sum);
  l6_qty left = n;
  for (size_t i = 0; i < k; i++) {
    out[i] = levy_share(n, bp[i], r);
    if (out[i] > left) out[i] = left;
    left -= out[i];
  }
  *rest = left;
#ifndef NDEBUG
  l6_qty total = left;
  for (size_t i = 0; i < k; i++) total += out[i];
  assert(total == n);
#endif
  return L6_E_OK;
}
