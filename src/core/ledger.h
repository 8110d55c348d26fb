/*
 * ledger.h -- serial blocks: the pure arithmetic of holdings.
 *
 * Units are held as blocks [first, last] (inclusive) of consecutive serial
 * numbers of one issuance batch. Across all accounts the blocks of a batch
 * partition the batch's issued range exactly. This module plans which
 * serials a transaction takes and checks the partition; it does no I/O and
 * never allocates.
 */
#ifndef L6_LEDGER_H
#define L6_LEDGER_H

#include <stdbool.h>
#include <stddef.h>

#include "../errors.h"
#include "model.h"

typedef struct {
  l6_id batch;   /* issuance batch */
  int64_t first; /* first serial, >= 1 */
  int64_t last;  /* last serial, >= first */
} l6_range;

typedef struct {
  l6_id id;      /* store row id (0 when not stored) */
  l6_id batch;   /* issuance batch */
  l6_id account; /* holding account */
  int64_t first; /* first serial */
  int64_t last;  /* last serial, >= first */
  int vintage;   /* the batch's vintage, for oldest-first picking */
} l6_block;

/* One piece a transaction takes: serials [first,last] of held[block]. */
typedef struct {
  size_t block;  /* index into the held array given to the planner */
  l6_id batch;
  int64_t first;
  int64_t last;
} l6_take;

/* Quantity of a block or range; the caller guarantees last >= first. */
static inline l6_qty l6_range_qty(int64_t first, int64_t last) { return last - first + 1; }

/* Sorts blocks in picking order: vintage, then batch, then first serial. */
void ledger_sort_for_pick(l6_block *blocks, size_t n);

/*
 * Plans taking qty units from held (already in picking order): whole
 * blocks from the front, the last one split so the lowest serials go.
 * Writes at most max takes to out and their count to *nout.
 * Errors: INVALID_QUANTITY (qty <= 0), QUANTITY_OVERFLOW (qty above
 * L6_MAX_QUANTITY), INSUFFICIENT_HOLDINGS (held total < qty),
 * TOO_MANY_RANGES (needs more than max takes). *err gets the message.
 */
l6_err ledger_pick(const l6_block *held, size_t n, l6_qty qty, l6_take *out, size_t max,
                   size_t *nout, l6_error *err);

/*
 * Plans taking explicit ranges. Every range must be well formed
 * (1 <= first <= last), ranges must not overlap each other, and each must
 * lie inside one held block (held in any order). Takes are written in the
 * order of req. Errors: INVALID_RANGE, TOO_MANY_RANGES (m > max),
 * SERIALS_NOT_HELD.
 */
l6_err ledger_match_ranges(const l6_block *held, size_t n, const l6_range *req, size_t m,
                           l6_take *out, size_t max, l6_error *err);

/*
 * Removes [first,last] from block b (which must contain it) and writes the
 * remaining pieces (0, 1 or 2) to rem. Returns the number of pieces.
 */
int ledger_split(const l6_block *b, int64_t first, int64_t last, l6_range rem[2]);

/*
 * True when ranges (all of one batch, sorted by first) partition
 * [start, start + qty - 1] exactly: no gap, no overlap, nothing outside.
 */
bool ledger_partition_ok(const l6_range *ranges, size_t n, int64_t start, l6_qty qty);

#endif
