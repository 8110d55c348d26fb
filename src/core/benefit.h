/*
 * benefit.h -- issue 20 item 5: the host's benefit shares of an issuance
 * (host community, host government), in basis points of what the levies
 * leave. Pure: no I/O, integers only.
 */
#ifndef L6_BENEFIT_H
#define L6_BENEFIT_H

#include <stddef.h>

#include "../errors.h"
#include "levy.h"
#include "model.h"

#define L6_MAX_BENEFIT_SHARES 2 /* host-community, host-government */

/* Splits n units into k shares of bp[i] basis points each (1..10,000,
 * summing to at most 10,000), rounded by r in order (each share capped by
 * what is left), and *rest, what the shares leave. Exact: the shares and
 * *rest add up to n, and a share never exceeds its rate's ceiling.
 * INVALID_VALUE for bad rates or a sum over 10,000; INVALID_QUANTITY /
 * QUANTITY_OVERFLOW for n outside 0..L6_MAX_QUANTITY. */
l6_err benefit_split(l6_qty n, const int *bp, size_t k, l6_rounding r, l6_qty *out, l6_qty *rest, l6_error *err);

#endif
