/*
 * levy.h -- the arithmetic of issuance: levies (share of proceeds, OMGE,
 * buffer contribution) and the split of an issuance between the Parties
 * of a bilateral approach. Pure: no I/O, no allocation, integers only.
 *
 * Percentages are basis points (1 bp = 0.01 %, 10,000 bp = 100 %), so a
 * mechanism's 5 % is 500 and no rate needs a fraction. A share of n units
 * at b bp is n * b / 10,000, rounded to whole units by the mechanism's
 * rounding rule. n <= L6_MAX_QUANTITY (10^12) and b <= 10,000 keep the
 * product below 10^16, far inside int64.
 *
 * Every function here keeps one invariant, which the tests check for
 * every n in 1..10,000 under every rule: the parts add up to n exactly,
 * and none is negative.
 */
#ifndef L6_LEVY_H
#define L6_LEVY_H

#include <stddef.h>

#include "../errors.h"
#include "model.h"

#define L6_BP_ONE 10000 /* 100 % in basis points */

/* How a fractional share becomes whole units. */
#define L6_ROUNDING_MAP(XX)                                                  \
  XX(DOWN, "down")           /* floor: the levy never exceeds its rate */   \
  XX(UP, "up")               /* ceiling: the levy is never below its rate */ \
  XX(NEAREST, "nearest")     /* nearest unit, halves up */                  \
  XX(HALF_EVEN, "half-even") /* nearest unit, halves to the even unit */

typedef enum {
  L6_ROUND__NONE = 0,
#define L6_XX(e, s) L6_ROUND_##e,
  L6_ROUNDING_MAP(L6_XX)
#undef L6_XX
  L6_ROUND__COUNT
} l6_rounding;

const char *l6_rounding_str(l6_rounding r);    /* "" when out of range */
l6_rounding l6_rounding_from_str(const char *s); /* __NONE when unknown */

/* n * bp / 10,000 rounded by r. Requires 0 <= n <= L6_MAX_QUANTITY,
 * 0 <= bp <= L6_BP_ONE and a valid r (asserted). The result lies in
 * [0, n]. */
l6_qty levy_share(l6_qty n, int bp, l6_rounding r);

/* A mechanism's levies at issuance. sop_bp + omge_bp + buffer_bp must not
 * exceed L6_BP_ONE. */
typedef struct {
  int sop_bp;           /* share of proceeds (Adaptation Fund) */
  int omge_bp;          /* overall mitigation in global emissions: cancelled */
  int buffer_bp;        /* non-permanence buffer; 0 for activities without reversal risk */
  l6_rounding rounding; /* applied to each levy */
} l6_levy_rule;

typedef struct {
  l6_qty sop;    /* to the share-of-proceeds account */
  l6_qty omge;   /* cancelled for OMGE */
  l6_qty buffer; /* to the buffer account */
  l6_qty rest;   /* forwarded per the participants' instructions (or split) */
} l6_levy_parts;

/*
 * Splits an issuance of n units. Each levy is its share of the gross n,
 * taken in the order SOP, OMGE, buffer and capped at what is still left
 * (so "up" on a tiny issuance cannot take more than n); rest is what
 * remains. sop + omge + buffer + rest == n always.
 * Errors: INVALID_QUANTITY (n < 1), QUANTITY_OVERFLOW (n above
 * L6_MAX_QUANTITY), INVALID_VALUE (a rate outside 0..10,000 bp, rates
 * summing above 10,000 bp, or no rounding rule).
 */
l6_err levy_apply(l6_qty n, const l6_levy_rule *rule, l6_levy_parts *out, l6_error *err);

/*
 * Splits n units among k shares of bp[i] basis points (each 1..10,000,
 * summing to exactly 10,000): share i < k-1 gets levy_share(n, bp[i], r)
 * capped at what is left, the last share takes the remainder. The parts
 * (written to out[0..k)) add up to n. n may be 0 (all parts 0).
 * Errors: INVALID_VALUE (k outside 1..L6_MAX_SHARES, a bp outside
 * 1..10,000, bp not summing to 10,000, no rounding rule), QUANTITY_OVERFLOW.
 */
l6_err levy_split(l6_qty n, const int *bp, size_t k, l6_rounding r, l6_qty *out, l6_error *err);

#endif
