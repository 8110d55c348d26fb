/* levy.c -- levies and splits at issuance. Pure; see levy.h. */
#include "levy.h"

#include <assert.h>
#include <string.h>

static const char *const rounding_names[L6_ROUND__COUNT] = {
    [L6_ROUND__NONE] = "",
#define L6_XX(e, s) [L6_ROUND_##e] = s,
    L6_ROUNDING_MAP(L6_XX)
#undef L6_XX
};

const char *l6_rounding_str(l6_rounding r) { return (r > 0 && r < L6_ROUND__COUNT) ? rounding_names[r] : ""; }

l6_rounding l6_rounding_from_str(const char *s) {
  if (s == NULL) return L6_ROUND__NONE;
  for (int i = 1; i < L6_ROUND__COUNT; i++)
    if (strcmp(rounding_names[i], s) == 0) return (l6_rounding)i;
  return L6_ROUND__NONE;
}

l6_qty levy_share(l6_qty n, int bp, l6_rounding r) {
  assert(n >= 0 && n <= L6_MAX_QUANTITY);
  assert(bp >= 0 && bp <= L6_BP_ONE);
  assert(r > L6_ROUND__NONE && r < L6_ROUND__COUNT);
  int64_t p = n * (int64_t)bp; /* <= 10^16 */
  int64_t q = p / L6_BP_ONE, rem = p % L6_BP_ONE;
  switch (r) {
  case L6_ROUND_DOWN: break;
  case L6_ROUND_UP: q += rem > 0; break;
  case L6_ROUND_NEAREST: q += 2 * rem >= L6_BP_ONE; break;
  case L6_ROUND_HALF_EVEN: q += 2 * rem > L6_BP_ONE || (2 * rem == L6_BP_ONE && (q & 1)); break;
  default: break;
  }
  assert(q >= 0 && q <= n);
  return q;
}

static l6_err check_n(l6_qty n, bool zero_ok, l6_error *err) {
  if (n < (zero_ok ? 0 : 1)) return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be positive, got %lld", (long long)n);
  if (n > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "quantity %lld exceeds the limit of %lld", (long long)n,
                   (long long)L6_MAX_QUANTITY);
  return L6_E_OK;
}

static bool bp_ok(int bp) { return bp >= 0 && bp <= L6_BP_ONE; }

l6_err levy_apply(l6_qty n, const l6_levy_rule *rule, l6_levy_parts *out, l6_error *err) {
  memset(out, 0, sizeof *out);
  l6_err e = check_n(n, false, err);
  if (e != L6_E_OK) return e;
  if (!bp_ok(rule->sop_bp) || !bp_ok(rule->omge_bp) || !bp_ok(rule->buffer_bp) ||
      rule->sop_bp + rule->omge_bp + rule->buffer_bp > L6_BP_ONE)
    return l6_fail(err, L6_E_INVALID_VALUE, "levy rates must be 0-10000 bp and sum to at most 10000 bp");
  if (rule->rounding <= L6_ROUND__NONE || rule->rounding >= L6_ROUND__COUNT)
    return l6_fail(err, L6_E_INVALID_VALUE, "no rounding rule");
  l6_qty left = n;
  out->sop = levy_share(n, rule->sop_bp, rule->rounding);
  if (out->sop > left) out->sop = left;
  left -= out->sop;
  out->omge = levy_share(n, rule->omge_bp, rule->rounding);
  if (out->omge > left) out->omge = left;
  left -= out->omge;
  out->buffer = levy_share(n, rule->buffer_bp, rule->rounding);
  if (out->buffer > left) out->buffer = left;
  left -= out->buffer;
  out->rest = left;
  assert(out->sop + out->omge + out->buffer + out->rest == n);
  return L6_E_OK;
}

l6_err levy_split(l6_qty n, const int *bp, size_t k, l6_rounding r, l6_qty *out, l6_error *err) {
  l6_err e = check_n(n, true, err);
  if (e != L6_E_OK) return e;
  if (k < 1 || k > L6_MAX_SHARES) return l6_fail(err, L6_E_INVALID_VALUE, "a split needs 1-%d shares", L6_MAX_SHARES);
  if (r <= L6_ROUND__NONE || r >= L6_ROUND__COUNT) return l6_fail(err, L6_E_INVALID_VALUE, "no rounding rule");
  int sum = 0;
  for (size_t i = 0; i < k; i++) {
    if (bp[i] < 1 || bp[i] > L6_BP_ONE)
      return l6_fail(err, L6_E_INVALID_VALUE, "share %zu is %d bp; shares must be 1-10000 bp", i, bp[i]);
    sum += bp[i];
  }
  if (sum != L6_BP_ONE) return l6_fail(err, L6_E_INVALID_VALUE, "shares sum to %d bp, not 10000", sum);
  l6_qty left = n;
  for (size_t i = 0; i + 1 < k; i++) {
    out[i] = levy_share(n, bp[i], r);
    if (out[i] > left) out[i] = left;
    left -= out[i];
  }
  out[k - 1] = left;
#ifndef NDEBUG
  l6_qty total = 0;
  for (size_t i = 0; i < k; i++) total += out[i];
  assert(total == n);
#endif
  return L6_E_OK;
}
