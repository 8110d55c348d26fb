/*
 * fees.h -- the arithmetic of a mechanism's fees (issue 20 item 4): an
 * issuance fee per unit in tiers, charged like tax brackets (the first
 * up_to units of an issuance at the first tier's rate, the next ones at
 * the next tier's, the rest at the last tier's). Money is an integer
 * count of the currency's minor units (cents); nothing is rounded.
 * Pure: no I/O, no allocation.
 */
#ifndef L6_FEES_H
#define L6_FEES_H

#include <stddef.h>
#include <stdint.h>

#include "../errors.h"
#include "model.h"

#define L6_MAX_FEE_TIERS 8
#define L6_MAX_FEE_PER_UNIT 1000000       /* minor units per unit (10,000.00 in a 2-decimal currency) */
#define L6_MAX_FEE_AMOUNT 1000000000000LL /* a flat fee's ceiling in minor units */

/* One tier: units up to (and including) up_to of an issuance pay
 * per_unit each; up_to 0 on the last tier means "every further unit". */
typedef struct {
  l6_qty up_to;
  int64_t per_unit;
} l6_fee_tier;

/* Checks a tier list: 1..L6_MAX_FEE_TIERS tiers, up_to strictly
 * increasing and positive on every tier but the last, whose up_to is 0;
 * per_unit 0..L6_MAX_FEE_PER_UNIT. Returns NULL when valid, else a reason
 * (static text). */
const char *fee_tiers_check(const l6_fee_tier *t, size_t n);

/* The fee on an issuance of q units (0 <= q <= L6_MAX_QUANTITY) under
 * valid tiers t[0..n): *amount the total, units[i] and part[i] (when not
 * NULL) the units charged and the money of tier i. sum(part) == *amount
 * and sum(units) == q. Errors: INVALID_VALUE (tiers invalid),
 * QUANTITY_OVERFLOW (q out of range). The total stays below 10^18. */
l6_err fee_tiers_amount(const l6_fee_tier *t, size_t n, l6_qty q, int64_t *amount, l6_qty *units, int64_t *part,
                        l6_error *err);

#endif
