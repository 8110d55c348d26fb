/*
 * auction.c -- call-auction uncross and allocation, sealed-bid primary
 * auction, one-way bidding and the closing price (see auction.h).
 *
 * No allocation: orderings use the caller's scratch index array and an
 * in-place heapsort with a total order (ties end on seq, which is unique),
 * so the results never depend on the sort's stability.
 */
#include "auction.h"

#include <assert.h>
#include <string.h>

__extension__ typedef __int128 i128;

/* ---- sorting indices -------------------------------------------------------- */

typedef int (*idx_cmp)(const void *ctx, size_t a, size_t b); /* < 0: a first */

static void sift(size_t *ix, size_t start, size_t end, idx_cmp cmp, const void *ctx) {
  size_t root = start;
  while (2 * root + 1 < end) {
    size_t child = 2 * root + 1, sw = root;
    if (cmp(ctx, ix[sw], ix[child]) < 0) sw = child;
    if (child + 1 < end && cmp(ctx, ix[sw], ix[child + 1]) < 0) sw = child + 1;
    if (sw == root) return;
    size_t t = ix[root];
    ix[root] = ix[sw];
    ix[sw] = t;
    root = sw;
  }
}

static void sort_idx(size_t *ix, size_t n, idx_cmp cmp, const void *ctx) {
  if (n < 2) return;
  for (size_t s = n / 2; s-- > 0;) sift(ix, s, n, cmp, ctx);
  for (size_t end = n - 1; end > 0; end--) {
    size_t t = ix[0];
    ix[0] = ix[end];
    ix[end] = t;
    sift(ix, 0, end, cmp, ctx);
  }
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

/* ---- validation ------------------------------------------------------------- */

static bool price_ok(int64_t p, int64_t tick) {
  return p > 0 && p <= L6_AUC_MAX_PRICE && p % tick == 0;
}

static bool qty_ok(int64_t q) { return q > 0 && q <= L6_AUC_MAX_QTY; }

static int ord_by_id(const void *c, size_t a, size_t b) {
  const l6_auc_order *o = c;
  return cmp_u64(o[a].id, o[b].id);
}
static int ord_by_seq(const void *c, size_t a, size_t b) {
  const l6_auc_order *o = c;
  return cmp_u64(o[a].seq, o[b].seq);
}
static int bid_by_id(const void *c, size_t a, size_t b) {
  const l6_bid *o = c;
  return cmp_u64(o[a].id, o[b].id);
}
static int bid_by_seq(const void *c, size_t a, size_t b) {
  const l6_bid *o = c;
  return cmp_u64(o[a].seq, o[b].seq);
}

/* Any two entries equal under cmp (after sorting scratch by it)? */
static bool has_dup(size_t *ix, size_t n, idx_cmp cmp, const void *ctx) {
  for (size_t i = 0; i < n; i++) ix[i] = i;
  sort_idx(ix, n, cmp, ctx);
  for (size_t i = 1; i < n; i++)
    if (cmp(ctx, ix[i - 1], ix[i]) == 0) return true;
  return false;
}

static bool orders_ok(const l6_auc_order *o, size_t n, int64_t tick, size_t *scratch) {
  if (tick <= 0 || n > L6_AUC_MAX_ORDERS || (n > 0 && o == NULL)) return false;
  for (size_t i = 0; i < n; i++) {
    if (!qty_ok(o[i].qty) || (o[i].side != L6_BUY && o[i].side != L6_SELL)) return false;
    if (!o[i].market && !price_ok(o[i].price, tick)) return false;
  }
  if (scratch == NULL) { /* quadratic check when the caller gave no scratch */
    for (size_t i = 0; i < n; i++)
      for (size_t j = i + 1; j < n; j++)
        if (o[i].id == o[j].id || o[i].seq == o[j].seq) return false;
    return true;
  }
  return !has_dup(scratch, n, ord_by_id, o) && !has_dup(scratch, n, ord_by_seq, o);
}

static bool bids_ok(const l6_bid *b, size_t n, int64_t tick, int64_t lot, size_t *scratch) {
  if (tick <= 0 || lot <= 0 || n > L6_AUC_MAX_ORDERS || (n > 0 && (b == NULL || scratch == NULL)))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!qty_ok(b[i].qty) || b[i].qty % lot != 0 || !price_ok(b[i].price, tick)) return false;
  return !has_dup(scratch, n, bid_by_id, b) && !has_dup(scratch, n, bid_by_seq, b);
}

/* ---- (a) uncross ------------------------------------------------------------- */

/* Executable quantities at price p: O(n). */
static void exec_at(const l6_auc_order *o, size_t n, int64_t p, int64_t *buy, int64_t *sell) {
  *buy = *sell = 0;
  for (size_t i = 0; i < n; i++) {
    if (o[i].side == L6_BUY && (o[i].market || o[i].price >= p)) *buy += o[i].qty;
    if (o[i].side == L6_SELL && (o[i].market || o[i].price <= p)) *sell += o[i].qty;
  }
}

static int64_t absdiff(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

/* Is candidate a strictly better than b (see the rules in auction.h)? */
static bool better(const l6_uncross *a, const l6_uncross *b, int64_t ref) {
  if (a->volume != b->volume) return a->volume > b->volume;
  if (a->imbalance != b->imbalance) return a->imbalance < b->imbalance;
  if (ref > 0) {
    int64_t da = absdiff(a->price, ref), db = absdiff(b->price, ref);
    if (da != db) return da < db;
  }
  return a->price < b->price;
}

static void score(l6_uncross *u, int64_t p, int64_t buy, int64_t sell) {
  u->price = p;
  u->buy_qty = buy;
  u->sell_qty = sell;
  u->volume = buy < sell ? buy : sell;
  u->imbalance = absdiff(buy, sell);
}

/* Scores price p into *best when it is better (or the first). */
static void consider(const l6_auc_order *o, size_t n, int64_t p, int64_t ref, bool *have,
                     l6_uncross *best) {
  int64_t buy, sell;
  l6_uncross c;
  exec_at(o, n, p, &buy, &sell);
  score(&c, p, buy, sell);
  if (!*have || better(&c, best, ref)) *best = c;
  *have = true;
}

/* The grid point of [lo, hi] closest to ref (ref on the grid), or lo. */
static int64_t clamp(int64_t ref, int64_t lo, int64_t hi) {
  if (ref <= 0 || ref < lo) return lo;
  return ref > hi ? hi : ref;
}

l6_auc_rc l6_auction_uncross(const l6_auc_order *orders, size_t n, int64_t ref_price, int64_t tick,
                             l6_uncross *out) {
  static const l6_uncross none = {0, 0, 0, 0, 0};
  *out = none;
  if (!orders_ok(orders, n, tick, NULL) || ref_price < 0 || ref_price > L6_AUC_MAX_PRICE)
    return L6_AUC_BAD;
  int64_t ref = 0;
  if (ref_price > 0) {
    ref = (ref_price + tick / 2) / tick * tick; /* nearest tick, halves up */
    if (ref == 0) ref = tick;
  }
  bool have = false;
  l6_uncross best = none;
  /* Walk the distinct limit prices upwards; between two of them (and below
   * the first, above the last) volume and imbalance are constant, so each
   * open gap contributes one candidate: its grid point closest to ref, or
   * its lowest grid point without ref. */
  int64_t prev = 0;
  for (;;) {
    int64_t next = 0;
    for (size_t i = 0; i < n; i++)
      if (!orders[i].market && orders[i].price > prev && (next == 0 || orders[i].price < next))
        next = orders[i].price;
    if (next == 0) break;
    if (prev + tick <= next - tick) consider(orders, n, clamp(ref, prev + tick, next - tick), ref, &have, &best);
    consider(orders, n, next, ref, &have, &best);
    prev = next;
  }
  if (!have) { /* only market orders: the reference price, if any */
    if (ref == 0) return L6_AUC_NO_TRADE;
    consider(orders, n, ref, ref, &have, &best);
  } else if (prev + tick <= L6_AUC_MAX_PRICE) {
    consider(orders, n, clamp(ref, prev + tick, L6_AUC_MAX_PRICE / tick * tick), ref, &have, &best);
  }
  if (best.volume == 0) return L6_AUC_NO_TRADE;
  *out = best;
  return L6_AUC_OK;
}

/* ---- (b) allocation at the uniform price ------------------------------------ */

/* Priority within one side: market first, better price, lower seq. */
static int ord_priority(const void *c, size_t a, size_t b) {
  const l6_auc_order *o = c;
  if (o[a].market != o[b].market) return o[a].market ? -1 : 1;
  if (!o[a].market && o[a].price != o[b].price) {
    int r = cmp_i64(o[a].price, o[b].price);
    return o[a].side == L6_BUY ? -r : r;
  }
  return cmp_u64(o[a].seq, o[b].seq);
}

l6_auc_rc l6_auction_allocate(const l6_auc_order *orders, size_t n, const l6_uncross *u,
                              int64_t *filled, size_t *scratch) {
  if (n > 0 && (filled == NULL || scratch == NULL)) return L6_AUC_BAD;
  for (size_t i = 0; i < n; i++) filled[i] = 0;
  if (u == NULL || u->volume < 0 || u->price <= 0) return L6_AUC_BAD;
  if (!orders_ok(orders, n, 1, scratch)) return L6_AUC_BAD;
  if (u->volume == 0) return L6_AUC_NO_TRADE;
  for (int side = 0; side < 2; side++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const l6_auc_order *o = &orders[i];
      if ((int)o->side != side) continue;
      bool ok = o->market || (side == L6_BUY ? o->price >= u->price : o->price <= u->price);
      if (ok) scratch[m++] = i;
    }
    sort_idx(scratch, m, ord_priority, orders);
    int64_t left = u->volume;
    for (size_t k = 0; k < m && left > 0; k++) {
      int64_t q = orders[scratch[k]].qty < left ? orders[scratch[k]].qty : left;
      filled[scratch[k]] = q;
      left -= q;
    }
    if (left > 0) { /* u does not belong to these orders */
      for (size_t i = 0; i < n; i++) filled[i] = 0;
      return L6_AUC_BAD;
    }
  }
  return L6_AUC_OK;
}

/* ---- (c) primary auction ------------------------------------------------------ */

static int bid_by_price_time(const void *c, size_t a, size_t b) {
  const l6_bid *o = c;
  if (o[a].price != o[b].price) return o[a].price > o[b].price ? -1 : 1;
  return cmp_u64(o[a].seq, o[b].seq);
}

typedef struct {
  const l6_bid *bids;
  int64_t lot, r_lots, q_lots; /* remaining lots to share, margin lots */
} margin_ctx;

/* Largest remainder first, then the earlier bid. */
static int margin_order(const void *c, size_t a, size_t b) {
  const margin_ctx *m = c;
  i128 ra = (i128)m->r_lots * (m->bids[a].qty / m->lot) % m->q_lots;
  i128 rb = (i128)m->r_lots * (m->bids[b].qty / m->lot) % m->q_lots;
  if (ra != rb) return ra > rb ? -1 : 1;
  return cmp_u64(m->bids[a].seq, m->bids[b].seq);
}

static void zero_result(l6_auc_result *out, int64_t supply) {
  out->price = 0;
  out->sold = 0;
  out->unsold = supply;
  out->proceeds = 0;
}

l6_auc_rc l6_auction_primary(const l6_bid *bids, size_t n, int64_t supply, int64_t reserve,
                             int64_t lot, int64_t tick, int64_t *alloc, size_t *scratch,
                             l6_auc_result *out) {
  zero_result(out, 0);
  if (n > 0 && alloc == NULL) return L6_AUC_BAD;
  for (size_t i = 0; i < n; i++) alloc[i] = 0;
  if (!bids_ok(bids, n, tick, lot, scratch) || !qty_ok(supply) || supply % lot != 0 ||
      !price_ok(reserve, tick))
    return L6_AUC_BAD;
  zero_result(out, supply);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (bids[i].price >= reserve) scratch[m++] = i;
  if (m == 0) return L6_AUC_NO_TRADE;
  sort_idx(scratch, m, bid_by_price_time, bids);
  int64_t above = 0; /* demand at prices above the current group */
  size_t g = 0;
  while (g < m) {
    size_t h = g;
    int64_t group = 0, price = bids[scratch[g]].price;
    while (h < m && bids[scratch[h]].price == price) group += bids[scratch[h++]].qty;
    out->price = price;
    if (above + group <= supply) { /* the whole group is filled */
      for (size_t k = g; k < h; k++) alloc[scratch[k]] = bids[scratch[k]].qty;
      above += group;
      if (above == supply) break;
      g = h;
      continue;
    }
    /* the margin: share supply - above pro rata in lots */
    margin_ctx mc = {bids, lot, (supply - above) / lot, group / lot};
    int64_t given = 0;
    for (size_t k = g; k < h; k++) {
      int64_t lots = (int64_t)((i128)mc.r_lots * (bids[scratch[k]].qty / lot) / mc.q_lots);
      alloc[scratch[k]] = lots * lot;
      given += lots;
    }
    sort_idx(scratch + g, h - g, margin_order, &mc);
    for (size_t k = g; given < mc.r_lots; k++) {
      assert(k < h);
      alloc[scratch[k]] += lot;
      given++;
    }
    above = supply;
    break;
  }
  out->sold = above;
  out->unsold = supply - above;
  out->proceeds = above * out->price;
  return L6_AUC_OK;
}

/* ---- (d) one-way bidding ---------------------------------------------------------- */

l6_auc_rc l6_auction_oneway(const l6_bid *bids, size_t n, int64_t lot_qty, int64_t floor_price,
                            int64_t tick, int64_t *alloc, size_t *scratch, l6_auc_result *out) {
  zero_result(out, 0);
  if (n > 0 && alloc == NULL) return L6_AUC_BAD;
  for (size_t i = 0; i < n; i++) alloc[i] = 0;
  if (!bids_ok(bids, n, tick, 1, scratch) || !qty_ok(lot_qty) || !price_ok(floor_price, tick))
    return L6_AUC_BAD;
  zero_result(out, lot_qty);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (bids[i].price >= floor_price) scratch[m++] = i;
  if (m == 0) return L6_AUC_NO_TRADE;
  sort_idx(scratch, m, bid_by_price_time, bids);
  int64_t left = lot_qty;
  for (size_t k = 0; k < m && left > 0; k++) {
    const l6_bid *b = &bids[scratch[k]];
    int64_t q = b->qty < left ? b->qty : left;
    alloc[scratch[k]] = q;
    left -= q;
    out->proceeds += q * b->price;
    out->price = b->price;
  }
  out->sold = lot_qty - left;
  out->unsold = left;
  return L6_AUC_OK;
}

/* ---- (e) closing price ---------------------------------------------------------- */

l6_auc_rc l6_auction_close(const l6_px_qty *trades, size_t n, int64_t prev_close, int64_t tick,
                           int64_t *close) {
  *close = 0;
  if (tick <= 0 || prev_close < 0 || n > L6_AUC_MAX_ORDERS || (n > 0 && trades == NULL))
    return L6_AUC_BAD;
  i128 num = 0, vol = 0;
  for (size_t i = 0; i < n; i++) {
    if (!price_ok(trades[i].price, tick) || !qty_ok(trades[i].qty)) return L6_AUC_BAD;
    num += (i128)trades[i].price * trades[i].qty;
    vol += trades[i].qty;
  }
  if (n == 0) {
    *close = prev_close;
    return L6_AUC_OK;
  }
  i128 den = vol * tick;
  i128 ticks = (2 * num + den) / (2 * den); /* nearest tick, halves up */
  *close = (int64_t)ticks * tick;
  return L6_AUC_OK;
}
