/*
 * test_auction.c -- the auction arithmetic of src/core/auction.c.
 *
 * Hand-computed cases for each function (uncross with each tie-break,
 * allocation, primary auction with pro-rata and largest remainder, one-way
 * bidding, closing price and its rounding), the refusals, and seeded random
 * properties: the uncross equals a brute force over every tick in range;
 * allocations sum to the volume per side, never exceed a bid, and nobody
 * outside the price gets anything; primary and one-way allocations obey
 * their priority rules. Seed: L6_SEED (printed on stderr).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/auction.h"
#include "testlib.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

__extension__ typedef __int128 i128;

static l6_auc_order B(uint64_t id, int64_t price, int64_t qty) {
  l6_auc_order o = {id, id, L6_BUY, price == 0, price, qty};
  return o;
}
static l6_auc_order S(uint64_t id, int64_t price, int64_t qty) {
  l6_auc_order o = {id, id, L6_SELL, price == 0, price, qty};
  return o;
}

/* ---- uncross and allocation by hand ----------------------------------------- */

static void test_uncross_by_hand(void **state) {
  l6_uncross u;
  /* volume: 8 -> 80, 9 -> 140, 10 -> 100 */
  l6_auc_order a[] = {B(1, 10, 100), B(2, 9, 50), S(3, 8, 80), S(4, 9, 60)};
  assert_int_equal(l6_auction_uncross(a, COUNT(a), 9, 1, &u), L6_AUC_OK);
  assert_int_equal(u.price, 9);
  assert_int_equal(u.volume, 140);
  assert_int_equal(u.buy_qty, 150);
  assert_int_equal(u.sell_qty, 140);
  assert_int_equal(u.imbalance, 10);
  int64_t filled[4];
  size_t scratch[4];
  assert_int_equal(l6_auction_allocate(a, COUNT(a), &u, filled, scratch), L6_AUC_OK);
  assert_int_equal(filled[0], 100); /* the better bid first */
  assert_int_equal(filled[1], 40);
  assert_int_equal(filled[2], 80);
  assert_int_equal(filled[3], 60);

  /* same volume and imbalance over 10..12: closest to the reference */
  l6_auc_order b[] = {B(1, 12, 10), S(2, 10, 10)};
  assert_int_equal(l6_auction_uncross(b, 2, 11, 1, &u), L6_AUC_OK);
  assert_int_equal(u.price, 11);
  assert_int_equal(l6_auction_uncross(b, 2, 15, 1, &u), L6_AUC_OK);
  assert_int_equal(u.price, 12);
  assert_int_equal(l6_auction_uncross(b, 2, 0, 1, &u), L6_AUC_OK); /* no reference: lower */
  assert_int_equal(u.price, 10);

  /* minimum imbalance picks a price strictly between the limit prices */
  l6_auc_order c[] = {B(1, 12, 10), S(2, 10, 10), B(3, 10, 5), S(4, 12, 5)};
  assert_int_equal(l6_auction_uncross(c, 4, 0, 1, &u), L6_AUC_OK);
  assert_int_equal(u.price, 11);
  assert_int_equal(u.volume, 10);
  assert_int_equal(u.imbalance, 0);

  /* market orders count at every price */
  l6_auc_order d[] = {B(1, 0, 30), S(2, 5, 20), S(3, 7, 20)};
  assert_int_equal(l6_auction_uncross(d, 3, 6, 1, &u), L6_AUC_OK);
  assert_int_equal(u.price, 7);
  assert_int_equal(u.volume, 30);
  int64_t f3[3];
  size_t s3[3];
  assert_int_equal(l6_auction_allocate(d, 3, &u, f3, s3), L6_AUC_OK);
  assert_int_equal(f3[0], 30);
  assert_int_equal(f3[1], 20); /* the better (lower) ask first */
  assert_int_equal(f3[2], 10);

  /* only market orders: the reference price */
  l6_auc_order e[] = {B(1, 0, 30), S(2, 0, 20)};
  assert_int_equal(l6_auction_uncross(e, 2, 50, 10, &u), L6_AUC_OK);
  assert_int_equal(u.price, 50);
  assert_int_equal(u.volume, 20);
  assert_int_equal(l6_auction_uncross(e, 2, 0, 10, &u), L6_AUC_NO_TRADE);

  /* the reference rounded to the tick, halves up: 12 -> 10, 13 -> 15 */
  l6_auc_order f[] = {B(1, 20, 10), S(2, 5, 10)};
  assert_int_equal(l6_auction_uncross(f, 2, 12, 5, &u), L6_AUC_OK);
  assert_int_equal(u.price, 10);
  assert_int_equal(l6_auction_uncross(f, 2, 13, 5, &u), L6_AUC_OK);
  assert_int_equal(u.price, 15);

  /* nothing crosses */
  l6_auc_order g[] = {B(1, 5, 10), S(2, 6, 10)};
  assert_int_equal(l6_auction_uncross(g, 2, 5, 1, &u), L6_AUC_NO_TRADE);
  assert_int_equal(u.volume, 0);
  assert_int_equal(l6_auction_uncross(NULL, 0, 5, 1, &u), L6_AUC_NO_TRADE);
}

static void test_uncross_refusals(void **state) {
  l6_uncross u;
  l6_auc_order bad_tick[] = {B(1, 11, 10), S(2, 10, 10)};
  assert_int_equal(l6_auction_uncross(bad_tick, 2, 10, 2, &u), L6_AUC_BAD); /* 11 off the grid */
  l6_auc_order zero[] = {B(1, 10, 0)};
  assert_int_equal(l6_auction_uncross(zero, 1, 10, 1, &u), L6_AUC_BAD);
  l6_auc_order dup[] = {B(1, 10, 5), S(1, 10, 5)};
  dup[1].seq = 7;
  assert_int_equal(l6_auction_uncross(dup, 2, 10, 1, &u), L6_AUC_BAD);
  l6_auc_order dupseq[] = {B(1, 10, 5), S(2, 10, 5)};
  dupseq[1].seq = 1;
  assert_int_equal(l6_auction_uncross(dupseq, 2, 10, 1, &u), L6_AUC_BAD);
  l6_auc_order ok[] = {B(1, 10, 5), S(2, 10, 5)};
  assert_int_equal(l6_auction_uncross(ok, 2, 10, 0, &u), L6_AUC_BAD); /* tick 0 */
  assert_int_equal(l6_auction_uncross(ok, 2, -1, 1, &u), L6_AUC_BAD);
  l6_auc_order big[] = {B(1, L6_AUC_MAX_PRICE + 1, 5)};
  assert_int_equal(l6_auction_uncross(big, 1, 10, 1, &u), L6_AUC_BAD);
  assert_int_equal(u.volume, 0);
  /* an allocation that does not belong to the orders */
  l6_uncross wrong = {10, 50, 50, 50, 0};
  int64_t f[2] = {7, 7};
  size_t s[2];
  assert_int_equal(l6_auction_allocate(ok, 2, &wrong, f, s), L6_AUC_BAD);
  assert_int_equal(f[0], 0);
  assert_int_equal(f[1], 0);
}

/* ---- primary auction and one-way bidding by hand ------------------------------- */

static l6_bid bid(uint64_t id, uint64_t seq, int64_t price, int64_t qty) {
  l6_bid b = {id, seq, price, qty};
  return b;
}

static void test_primary_by_hand(void **state) {
  l6_auc_result r;
  int64_t al[8];
  size_t sc[8];
  l6_bid a[] = {bid(1, 1, 15, 50), bid(2, 2, 14, 40), bid(3, 3, 12, 30), bid(4, 4, 12, 20),
                bid(5, 5, 9, 100)};
  assert_int_equal(l6_auction_primary(a, 5, 100, 10, 1, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(r.price, 12);
  assert_int_equal(r.sold, 100);
  assert_int_equal(r.unsold, 0);
  assert_int_equal(r.proceeds, 1200);
  int64_t want[] = {50, 40, 6, 4, 0};
  for (size_t i = 0; i < 5; i++) assert_int_equal(al[i], want[i]);

  /* largest remainder, ties to the earlier bid: 5 among 3+3+3 -> 2,2,1 */
  l6_bid b[] = {bid(1, 3, 10, 3), bid(2, 1, 10, 3), bid(3, 2, 10, 3)};
  assert_int_equal(l6_auction_primary(b, 3, 5, 10, 1, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(al[0], 1); /* seq 3: the latest loses the tie */
  assert_int_equal(al[1], 2);
  assert_int_equal(al[2], 2);
  assert_int_equal(r.sold, 5);

  /* whole lots of 10: 5 lots among 3 and 7 lots -> 1.5 and 3.5 -> 1 + 4 (seq 1 wins the tie) */
  l6_bid c[] = {bid(1, 3, 20, 30), bid(2, 1, 20, 70)};
  assert_int_equal(l6_auction_primary(c, 2, 50, 20, 10, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(al[0], 10);
  assert_int_equal(al[1], 40);
  assert_int_equal(r.proceeds, 1000);

  /* undersubscribed: everyone valid is filled at the lowest valid price */
  l6_bid d[] = {bid(1, 1, 15, 30), bid(2, 2, 11, 20), bid(3, 3, 9, 40)};
  assert_int_equal(l6_auction_primary(d, 3, 100, 10, 1, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(r.price, 11);
  assert_int_equal(r.sold, 50);
  assert_int_equal(r.unsold, 50);
  assert_int_equal(al[2], 0);

  /* nothing reaches the reserve */
  assert_int_equal(l6_auction_primary(d, 3, 100, 20, 1, 1, al, sc, &r), L6_AUC_NO_TRADE);
  assert_int_equal(r.sold, 0);
  assert_int_equal(r.unsold, 100);

  /* refusals: quantity off the lot, supply off the lot, duplicate id, price off the tick */
  l6_bid e[] = {bid(1, 1, 15, 25)};
  assert_int_equal(l6_auction_primary(e, 1, 100, 10, 10, 1, al, sc, &r), L6_AUC_BAD);
  assert_int_equal(al[0], 0);
  assert_int_equal(l6_auction_primary(c, 2, 55, 20, 10, 1, al, sc, &r), L6_AUC_BAD);
  l6_bid f[] = {bid(1, 1, 15, 10), bid(1, 2, 15, 10)};
  assert_int_equal(l6_auction_primary(f, 2, 100, 10, 10, 1, al, sc, &r), L6_AUC_BAD);
  assert_int_equal(l6_auction_primary(c, 2, 50, 20, 10, 3, al, sc, &r), L6_AUC_BAD);
  assert_int_equal(l6_auction_primary(c, 2, 50, 0, 10, 1, al, sc, &r), L6_AUC_BAD);
  assert_int_equal(r.sold, 0);
}

static void test_oneway_by_hand(void **state) {
  l6_auc_result r;
  int64_t al[4];
  size_t sc[4];
  l6_bid a[] = {bid(1, 1, 55, 60), bid(2, 2, 60, 50), bid(3, 3, 55, 30), bid(4, 4, 49, 10)};
  assert_int_equal(l6_auction_oneway(a, 4, 100, 50, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(al[1], 50); /* best price */
  assert_int_equal(al[0], 50); /* then the earlier of the two at 55, partly */
  assert_int_equal(al[2], 0);
  assert_int_equal(al[3], 0); /* below the floor */
  assert_int_equal(r.sold, 100);
  assert_int_equal(r.unsold, 0);
  assert_int_equal(r.price, 55);
  assert_int_equal(r.proceeds, 50 * 60 + 50 * 55); /* each at its own price */
  /* a lot bigger than demand */
  assert_int_equal(l6_auction_oneway(a, 4, 1000, 50, 1, al, sc, &r), L6_AUC_OK);
  assert_int_equal(r.sold, 140);
  assert_int_equal(r.unsold, 860);
  assert_int_equal(l6_auction_oneway(a, 4, 100, 61, 1, al, sc, &r), L6_AUC_NO_TRADE);
  assert_int_equal(l6_auction_oneway(a, 4, 0, 50, 1, al, sc, &r), L6_AUC_BAD);
  assert_int_equal(l6_auction_oneway(a, 4, 100, 50, 2, al, sc, &r), L6_AUC_BAD); /* 55 off tick 2 */
}

static void test_close_by_hand(void **state) {
  int64_t c;
  l6_px_qty t[] = {{100, 10}, {104, 30}};
  assert_int_equal(l6_auction_close(t, 2, 90, 1, &c), L6_AUC_OK);
  assert_int_equal(c, 103); /* 4120 / 40 */
  l6_px_qty h[] = {{100, 10}, {105, 10}};
  assert_int_equal(l6_auction_close(h, 2, 90, 5, &c), L6_AUC_OK);
  assert_int_equal(c, 105); /* 102.5: halfway, up */
  l6_px_qty d[] = {{100, 11}, {105, 10}};
  assert_int_equal(l6_auction_close(d, 2, 90, 5, &c), L6_AUC_OK);
  assert_int_equal(c, 100); /* 102.38 -> 100 */
  l6_px_qty e[] = {{101, 1}, {102, 2}};
  assert_int_equal(l6_auction_close(e, 2, 90, 1, &c), L6_AUC_OK);
  assert_int_equal(c, 102); /* 101.67 -> 102 */
  assert_int_equal(l6_auction_close(NULL, 0, 90, 1, &c), L6_AUC_OK);
  assert_int_equal(c, 90); /* no trade: previous close */
  assert_int_equal(l6_auction_close(h, 2, 90, 3, &c), L6_AUC_BAD); /* 100 off tick 3 */
  assert_int_equal(c, 0);
  l6_px_qty z[] = {{100, 0}};
  assert_int_equal(l6_auction_close(z, 1, 90, 1, &c), L6_AUC_BAD);
  l6_px_qty big[] = {{L6_AUC_MAX_PRICE, L6_AUC_MAX_QTY}, {L6_AUC_MAX_PRICE, L6_AUC_MAX_QTY}};
  assert_int_equal(l6_auction_close(big, 2, 90, 1, &c), L6_AUC_OK);
  assert_int_equal(c, L6_AUC_MAX_PRICE);
}

/* ---- random properties ------------------------------------------------------------ */

static int64_t dist(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

/* Brute force: every grid price from tick up to past the highest price. */
static void brute(const l6_auc_order *o, size_t n, int64_t ref, int64_t tick, l6_uncross *best,
                  bool *any) {
  int64_t top = ref;
  for (size_t i = 0; i < n; i++)
    if (!o[i].market && o[i].price > top) top = o[i].price;
  int64_t refr = ref > 0 ? (ref * 2 + tick) / (2 * tick) * tick : 0;
  if (ref > 0 && refr == 0) refr = tick;
  *any = false;
  bool limits = false;
  for (size_t i = 0; i < n; i++) limits |= !o[i].market;
  for (int64_t p = tick; p <= top + 3 * tick; p += tick) {
    int64_t buy = 0, sell = 0;
    for (size_t i = 0; i < n; i++) {
      if (o[i].side == L6_BUY && (o[i].market || o[i].price >= p)) buy += o[i].qty;
      if (o[i].side == L6_SELL && (o[i].market || o[i].price <= p)) sell += o[i].qty;
    }
    int64_t vol = buy < sell ? buy : sell, imb = dist(buy, sell);
    bool take = !*any;
    if (!take) {
      if (vol != best->volume) take = vol > best->volume;
      else if (imb != best->imbalance) take = imb < best->imbalance;
      else if (refr > 0 && dist(p, refr) != dist(best->price, refr))
        take = dist(p, refr) < dist(best->price, refr);
    }
    if (take) {
      best->price = p;
      best->volume = vol;
      best->imbalance = imb;
      best->buy_qty = buy;
      best->sell_qty = sell;
      *any = true;
    }
  }
  if (!limits && refr == 0) *any = false;
}

static void test_uncross_random(void **state) {
  tl_rng g;
  tl_rng_init(&g, 0xa0c7);
  l6_auc_order o[40];
  int64_t filled[40];
  size_t scratch[40];
  unsigned trades = 0;
  for (unsigned round = 0; round < 4000; round++) {
    size_t n = (size_t)tl_rng_range(&g, 0, 40);
    int64_t tick = tl_rng_range(&g, 1, 3) == 1 ? 1 : tl_rng_range(&g, 2, 10);
    int64_t spread = tl_rng_range(&g, 1, 20);
    for (size_t i = 0; i < n; i++) {
      o[i].id = i + 1;
      o[i].seq = 1000 - i * 3; /* unique, not in id order */
      o[i].side = (l6_side)tl_rng_below(&g, 2);
      o[i].market = tl_rng_below(&g, 10) == 0;
      o[i].price = o[i].market ? 0 : tl_rng_range(&g, 1, spread) * tick;
      o[i].qty = tl_rng_range(&g, 1, 50);
    }
    int64_t ref = tl_rng_below(&g, 4) == 0 ? 0 : tl_rng_range(&g, 1, (spread + 2) * tick);
    l6_uncross u, want;
    bool any;
    l6_auc_rc rc = l6_auction_uncross(o, n, ref, tick, &u);
    brute(o, n, ref, tick, &want, &any);
    if (!any || want.volume == 0) {
      assert_int_equal(rc, L6_AUC_NO_TRADE);
      continue;
    }
    assert_int_equal(rc, L6_AUC_OK);
    if (u.price != want.price)
      fail_msg("round %u: uncross %lld, brute force %lld", round, (long long)u.price,
               (long long)want.price);
    assert_int_equal(u.volume, want.volume);
    assert_int_equal(u.imbalance, want.imbalance);
    assert_int_equal(u.buy_qty, want.buy_qty);
    assert_int_equal(u.sell_qty, want.sell_qty);
    trades++;
    /* allocation properties */
    assert_int_equal(l6_auction_allocate(o, n, &u, filled, scratch), L6_AUC_OK);
    int64_t sum[2] = {0, 0};
    int partial[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
      assert_true(filled[i] >= 0 && filled[i] <= o[i].qty);
      bool ok = o[i].market || (o[i].side == L6_BUY ? o[i].price >= u.price : o[i].price <= u.price);
      if (!ok) assert_int_equal(filled[i], 0);
      sum[o[i].side] += filled[i];
      if (filled[i] > 0 && filled[i] < o[i].qty) partial[o[i].side]++;
      /* priority: an eligible order left short means every better one is full */
      if (ok && filled[i] < o[i].qty)
        for (size_t j = 0; j < n; j++) {
          if (j == i || o[j].side != o[i].side || filled[j] == 0) continue;
          bool better = (o[j].market && !o[i].market) ||
                        (o[j].market == o[i].market &&
                         (o[j].price != o[i].price
                              ? (o[i].side == L6_BUY ? o[j].price > o[i].price : o[j].price < o[i].price)
                              : o[j].seq < o[i].seq));
          if (!better) fail_msg("round %u: order %zu served before a better one %zu", round, j, i);
        }
    }
    assert_int_equal(sum[0], u.volume);
    assert_int_equal(sum[1], u.volume);
    assert_true(partial[0] <= 1 && partial[1] <= 1);
  }
  assert_true(trades > 1000);
}

static void test_primary_random(void **state) {
  tl_rng g;
  tl_rng_init(&g, 0x9a1);
  l6_bid b[30];
  int64_t al[30];
  size_t sc[30];
  for (unsigned round = 0; round < 5000; round++) {
    size_t n = (size_t)tl_rng_range(&g, 1, 30);
    int64_t lot = tl_rng_range(&g, 1, 3) == 1 ? 1 : tl_rng_range(&g, 2, 1000);
    int64_t tick = tl_rng_range(&g, 1, 5);
    for (size_t i = 0; i < n; i++)
      b[i] = bid(i + 1, 5000 - i * 7, tl_rng_range(&g, 1, 12) * tick, tl_rng_range(&g, 1, 40) * lot);
    int64_t supply = tl_rng_range(&g, 1, 300) * lot;
    int64_t reserve = tl_rng_range(&g, 1, 10) * tick;
    l6_auc_result r;
    l6_auc_rc rc = l6_auction_primary(b, n, supply, reserve, lot, tick, al, sc, &r);
    int64_t valid = 0;
    for (size_t i = 0; i < n; i++) valid += b[i].price >= reserve ? b[i].qty : 0;
    if (valid == 0) {
      assert_int_equal(rc, L6_AUC_NO_TRADE);
      continue;
    }
    assert_int_equal(rc, L6_AUC_OK);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
      assert_true(al[i] >= 0 && al[i] <= b[i].qty);
      assert_int_equal(al[i] % lot, 0);
      if (b[i].price < r.price) assert_int_equal(al[i], 0); /* below the clearing price: nothing */
      if (b[i].price > r.price) assert_int_equal(al[i], b[i].qty); /* above: everything */
      sum += al[i];
    }
    assert_int_equal(sum, r.sold);
    assert_int_equal(r.sold + r.unsold, supply);
    assert_int_equal(r.sold, valid < supply ? valid : supply);
    assert_true(r.price >= reserve);
    assert_int_equal(r.proceeds, r.sold * r.price);
    /* pro rata at the margin: each marginal bid within one lot of its exact share */
    int64_t above = 0, margin = 0;
    for (size_t i = 0; i < n; i++) {
      if (b[i].price > r.price) above += b[i].qty;
      if (b[i].price == r.price) margin += b[i].qty;
    }
    int64_t rest = r.sold - above;
    for (size_t i = 0; i < n; i++) {
      if (b[i].price != r.price) continue;
      /* exact share rest * q / margin, in lots: al is floor or floor + 1 lot */
      i128 exact = (i128)(rest / lot) * (b[i].qty / lot);
      int64_t fl = (int64_t)(exact / (margin / lot)) * lot;
      assert_true(al[i] == fl || al[i] == fl + lot);
    }
  }
}

static void test_oneway_random(void **state) {
  tl_rng g;
  tl_rng_init(&g, 0x1ee);
  l6_bid b[30];
  int64_t al[30];
  size_t sc[30];
  for (unsigned round = 0; round < 5000; round++) {
    size_t n = (size_t)tl_rng_range(&g, 1, 30);
    for (size_t i = 0; i < n; i++)
      b[i] = bid(i + 1, 100 + i * 13 % 31 + i * 40, tl_rng_range(&g, 1, 15), tl_rng_range(&g, 1, 60));
    int64_t lot = tl_rng_range(&g, 1, 500), floor_price = tl_rng_range(&g, 1, 10);
    l6_auc_result r;
    l6_auc_rc rc = l6_auction_oneway(b, n, lot, floor_price, 1, al, sc, &r);
    int64_t valid = 0;
    for (size_t i = 0; i < n; i++) valid += b[i].price >= floor_price ? b[i].qty : 0;
    if (valid == 0) {
      assert_int_equal(rc, L6_AUC_NO_TRADE);
      continue;
    }
    assert_int_equal(rc, L6_AUC_OK);
    int64_t sum = 0, proceeds = 0;
    int partial = 0;
    for (size_t i = 0; i < n; i++) {
      assert_true(al[i] >= 0 && al[i] <= b[i].qty);
      if (b[i].price < floor_price) assert_int_equal(al[i], 0);
      if (al[i] > 0 && al[i] < b[i].qty) partial++;
      if (al[i] > 0) assert_true(b[i].price >= r.price);
      sum += al[i];
      proceeds += al[i] * b[i].price;
      /* a valid bid left short means every better bid (price, then time) is full */
      if (b[i].price >= floor_price && al[i] < b[i].qty)
        for (size_t j = 0; j < n; j++)
          if (j != i && al[j] > 0)
            assert_true(b[j].price > b[i].price || (b[j].price == b[i].price && b[j].seq < b[i].seq));
    }
    assert_true(partial <= 1);
    assert_int_equal(sum, r.sold);
    assert_int_equal(r.sold, valid < lot ? valid : lot);
    assert_int_equal(r.sold + r.unsold, lot);
    assert_int_equal(proceeds, r.proceeds);
  }
}

static void test_close_random(void **state) {
  tl_rng g;
  tl_rng_init(&g, 0xc105e);
  l6_px_qty t[20];
  for (unsigned round = 0; round < 20000; round++) {
    size_t n = (size_t)tl_rng_range(&g, 1, 20);
    int64_t tick = tl_rng_range(&g, 1, 25), lo = INT64_MAX, hi = 0;
    i128 num = 0, vol = 0;
    for (size_t i = 0; i < n; i++) {
      t[i].price = tl_rng_range(&g, 1, 1000) * tick;
      t[i].qty = tl_rng_range(&g, 1, 100000);
      num += (i128)t[i].price * t[i].qty;
      vol += t[i].qty;
      if (t[i].price < lo) lo = t[i].price;
      if (t[i].price > hi) hi = t[i].price;
    }
    int64_t c;
    assert_int_equal(l6_auction_close(t, n, 1, tick, &c), L6_AUC_OK);
    assert_int_equal(c % tick, 0);
    assert_true(c >= lo && c <= hi);
    /* |c - vwap| <= tick / 2, and exactly half only when c is above: 2|c*vol - num| <= tick*vol */
    i128 d = (i128)c * vol - num;
    i128 ad = d < 0 ? -d : d;
    assert_true(2 * ad <= (i128)tick * vol);
    if (2 * ad == (i128)tick * vol) assert_true(d > 0);
  }
}

int main(void) {
  fprintf(stderr, "test_auction: seed %llu\n", (unsigned long long)tl_seed());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_uncross_by_hand), cmocka_unit_test(test_uncross_refusals),
      cmocka_unit_test(test_primary_by_hand), cmocka_unit_test(test_oneway_by_hand),
      cmocka_unit_test(test_close_by_hand),   cmocka_unit_test(test_uncross_random),
      cmocka_unit_test(test_primary_random),  cmocka_unit_test(test_oneway_random),
      cmocka_unit_test(test_close_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
