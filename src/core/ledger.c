/* ledger.c -- serial block planning and checks. Pure; see ledger.h. */
#include "ledger.h"

#include <assert.h>
#include <stdlib.h>

static int pick_cmp(const void *pa, const void *pb) {
  const l6_block *a = pa, *b = pb;
  if (a->vintage != b->vintage) return a->vintage < b->vintage ? -1 : 1;
  if (a->batch != b->batch) return a->batch < b->batch ? -1 : 1;
  if (a->first != b->first) return a->first < b->first ? -1 : 1;
  return 0;
}

void ledger_sort_for_pick(l6_block *blocks, size_t n) {
  if (n > 1) qsort(blocks, n, sizeof *blocks, pick_cmp);
}

l6_err ledger_pick(const l6_block *held, size_t n, l6_qty qty, l6_take *out, size_t max,
                   size_t *nout, l6_error *err) {
  *nout = 0;
  if (qty <= 0) return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be positive, got %lld", (long long)qty);
  if (qty > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "quantity %lld exceeds the limit of %lld",
                   (long long)qty, (long long)L6_MAX_QUANTITY);
  l6_qty left = qty;
  size_t k = 0;
  for (size_t i = 0; i < n && left > 0; i++) {
    assert(held[i].last >= held[i].first);
    if (i > 0) assert(pick_cmp(&held[i - 1], &held[i]) <= 0);
    if (k == max)
      return l6_fail(err, L6_E_TOO_MANY_RANGES,
                     "quantity %lld would split holdings into more than %zu blocks",
                     (long long)qty, max);
    l6_qty have = l6_range_qty(held[i].first, held[i].last);
    l6_qty take = have < left ? have : left;
    out[k].block = i;
    out[k].batch = held[i].batch;
    out[k].first = held[i].first;
    out[k].last = held[i].first + take - 1;
    k++;
    left -= take;
  }
  if (left > 0)
    return l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account holds %lld eligible units, %lld requested",
                   (long long)(qty - left), (long long)qty);
  *nout = k;
  return L6_E_OK;
}

l6_err ledger_match_ranges(const l6_block *held, size_t n, const l6_range *req, size_t m,
                           l6_take *out, size_t max, l6_error *err) {
  if (m == 0) return l6_fail(err, L6_E_INVALID_RANGE, "at least one serial range is required");
  if (m > max) return l6_fail(err, L6_E_TOO_MANY_RANGES, "%zu ranges named, the limit is %zu", m, max);
  for (size_t i = 0; i < m; i++) {
    if (req[i].first < 1 || req[i].last < req[i].first || req[i].last > L6_MAX_SERIAL)
      return l6_fail(err, L6_E_INVALID_RANGE, "range %zu: [%lld, %lld] is not a valid serial range", i,
                     (long long)req[i].first, (long long)req[i].last);
    /* Pairwise overlap check: m is bounded by max (L6_MAX_RANGES). */
    for (size_t j = 0; j < i; j++)
      if (req[j].batch == req[i].batch && req[j].first <= req[i].last && req[i].first <= req[j].last)
        return l6_fail(err, L6_E_INVALID_RANGE, "ranges %zu and %zu overlap", j, i);
    size_t b = n;
    for (size_t k = 0; k < n; k++)
      if (held[k].batch == req[i].batch && held[k].first <= req[i].first && req[i].last <= held[k].last) {
        b = k;
        break;
      }
    if (b == n)
      return l6_fail(err, L6_E_SERIALS_NOT_HELD,
                     "serials %lld-%lld of batch %lld are not held by the source account",
                     (long long)req[i].first, (long long)req[i].last, (long long)req[i].batch);
    out[i].block = b;
    out[i].batch = req[i].batch;
    out[i].first = req[i].first;
    out[i].last = req[i].last;
  }
  return L6_E_OK;
}

int ledger_split(const l6_block *b, int64_t first, int64_t last, l6_range rem[2]) {
  assert(b->first <= first && first <= last && last <= b->last);
  int k = 0;
  if (b->first < first) rem[k++] = (l6_range){b->batch, b->first, first - 1};
  if (last < b->last) rem[k++] = (l6_range){b->batch, last + 1, b->last};
  return k;
}

bool ledger_partition_ok(const l6_range *ranges, size_t n, int64_t start, l6_qty qty) {
  if (qty <= 0) return false;
  int64_t next = start;
  for (size_t i = 0; i < n; i++) {
    if (ranges[i].first != next || ranges[i].last < ranges[i].first) return false;
    next = ranges[i].last + 1;
  }
  return next == start + qty;
}
