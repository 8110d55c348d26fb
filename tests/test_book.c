/*
 * test_book.c -- the matching engine (src/core/book.c) against its
 * contract (src/core/book.h) and against the naive reference book
 * (tests/testlib_refbook.c).
 *
 * Part 1: one hand-made test per rule (price-time priority, partial fills,
 * maker price, IOC, FOK, market, post-only, self-trade prevention, replace,
 * restore, depth/best/each, FULL/DUP_ID/BAD_ORDER/NOT_FOUND); every refusal
 * asserts its code AND that the book is unchanged (snapshot compare).
 * Part 2: seeded random streams, 1,200,000 commands over 12 books of
 * different shapes (owners, price spread, pool and level limits), every
 * result and fill compared with the reference, l6_book_check and a full
 * book compare every 500 commands. Seed: L6_SEED (printed on stderr).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/book.h"
#include "testlib.h"
#include "testlib_refbook.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------- */

#define MAXF 4096
typedef struct {
  l6_fill f[MAXF];
  size_t n;
} fills;

static void on_fill(void *ctx, const l6_fill *f) {
  fills *fs = ctx;
  assert_true(fs->n < MAXF);
  fs->f[fs->n++] = *f;
}

typedef struct {
  l6_order o[1024];
  size_t n;
} snap;

static bool snap_one(void *ctx, const l6_order *o) {
  snap *s = ctx;
  assert_true(s->n < COUNT(s->o));
  s->o[s->n++] = *o;
  return true;
}

static void take(const l6_book *b, snap *s) {
  s->n = 0;
  l6_book_each(b, snap_one, s);
}

/* Field by field: the structs have padding. */
static void eq_orders(const l6_order *a, const l6_order *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(a[i].id, b[i].id);
    assert_int_equal(a[i].seq, b[i].seq);
    assert_int_equal(a[i].owner, b[i].owner);
    assert_int_equal(a[i].side, b[i].side);
    assert_int_equal(a[i].tif, b[i].tif);
    assert_int_equal(a[i].flags, b[i].flags);
    assert_int_equal(a[i].price, b[i].price);
    assert_int_equal(a[i].qty, b[i].qty);
  }
}

static void eq_fills(const l6_fill *a, const l6_fill *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(a[i].maker_id, b[i].maker_id);
    assert_int_equal(a[i].maker_owner, b[i].maker_owner);
    assert_int_equal(a[i].taker_id, b[i].taker_id);
    assert_int_equal(a[i].taker_owner, b[i].taker_owner);
    assert_int_equal(a[i].taker_side, b[i].taker_side);
    assert_int_equal(a[i].price, b[i].price);
    assert_int_equal(a[i].qty, b[i].qty);
    assert_int_equal(a[i].maker_left, b[i].maker_left);
  }
}

static void assert_same(const snap *a, const snap *b) {
  assert_int_equal(a->n, b->n);
  eq_orders(a->o, b->o, a->n);
}

static uint64_t g_seq;

static l6_order mk(uint64_t id, uint64_t owner, l6_side side, l6_tif tif, unsigned flags,
                   int64_t price, int64_t qty) {
  l6_order o = {id, ++g_seq, owner, side, tif, flags, price, qty};
  return o;
}

static l6_book_rc put(l6_book *b, uint64_t id, uint64_t owner, l6_side side, int64_t price,
                      int64_t qty) {
  l6_order o = mk(id, owner, side, L6_TIF_GTC, 0, price, qty);
  l6_submit_result r;
  return l6_book_submit(b, &o, NULL, NULL, &r);
}

static l6_book *fresh(void) {
  g_seq = 0;
  l6_book *b = l6_book_new(64, 16);
  assert_non_null(b);
  return b;
}

static void checked(const l6_book *b) {
  const char *why = NULL;
  if (!l6_book_check(b, &why)) fail_msg("l6_book_check: %s", why);
}

/* ---- part 1: the rules by hand -------------------------------------------- */

static void test_price_time_priority(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_SELL, 101, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 2, L6_SELL, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 3, 3, L6_SELL, 100, 10), L6_BOOK_OK);
  fills fs = {.n = 0};
  l6_order o = mk(4, 9, L6_BUY, L6_TIF_GTC, 0, 101, 25);
  l6_submit_result r;
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(fs.n, 3);
  /* best price first (100), then seq (2 before 3), then 101 */
  assert_int_equal(fs.f[0].maker_id, 2);
  assert_int_equal(fs.f[1].maker_id, 3);
  assert_int_equal(fs.f[2].maker_id, 1);
  assert_int_equal(fs.f[2].qty, 5);
  assert_int_equal(fs.f[2].maker_left, 5);
  assert_int_equal(fs.f[0].maker_left, 0);
  assert_int_equal(fs.f[0].taker_id, 4);
  assert_int_equal(fs.f[0].taker_owner, 9);
  assert_int_equal(fs.f[0].maker_owner, 2);
  assert_int_equal(fs.f[0].taker_side, L6_BUY);
  assert_int_equal(r.filled, 25);
  assert_int_equal(r.resting, 0);
  assert_int_equal(r.cancelled, 0);
  assert_false(r.stp);
  assert_int_equal(l6_book_count(b), 1);
  checked(b);
  l6_book_free(b);
}

static void test_partial_fill_rests_and_maker_price(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_BUY, 95, 10), L6_BOOK_OK);
  fills fs = {.n = 0};
  /* a sell at 90 trades at the maker's 95, the rest rests at 90 */
  l6_order o = mk(2, 2, L6_SELL, L6_TIF_GTC, 0, 90, 15);
  l6_submit_result r;
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(fs.n, 1);
  assert_int_equal(fs.f[0].price, 95);
  assert_int_equal(fs.f[0].qty, 10);
  assert_int_equal(r.filled, 10);
  assert_int_equal(r.resting, 5);
  l6_order g;
  assert_true(l6_book_get(b, 2, &g));
  assert_int_equal(g.qty, 5);
  assert_int_equal(g.price, 90);
  assert_int_equal(g.side, L6_SELL);
  assert_false(l6_book_get(b, 1, &g));
  int64_t p;
  assert_false(l6_book_best(b, L6_BUY, &p));
  assert_true(l6_book_best(b, L6_SELL, &p));
  assert_int_equal(p, 90);
  checked(b);
  l6_book_free(b);
}

static void test_ioc_and_market(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_SELL, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 1, L6_SELL, 120, 10), L6_BOOK_OK);
  l6_submit_result r;
  fills fs = {.n = 0};
  l6_order o = mk(3, 2, L6_BUY, L6_TIF_IOC, 0, 110, 15);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(r.filled, 10);
  assert_int_equal(r.cancelled, 5);
  assert_int_equal(r.resting, 0);
  assert_false(l6_book_get(b, 3, NULL));
  /* an IOC that crosses nothing is accepted with nothing done */
  o = mk(4, 2, L6_BUY, L6_TIF_IOC, 0, 50, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(r.cancelled, 5);
  /* a market order takes any price */
  fs.n = 0;
  o = mk(5, 2, L6_BUY, L6_TIF_IOC, L6_ORD_MARKET, 0, 25);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(fs.n, 1);
  assert_int_equal(fs.f[0].price, 120);
  assert_int_equal(r.filled, 10);
  assert_int_equal(r.cancelled, 15);
  assert_int_equal(l6_book_count(b), 0);
  /* market GTC is a bad order */
  o = mk(6, 2, L6_BUY, L6_TIF_GTC, L6_ORD_MARKET, 0, 25);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_BAD_ORDER);
  checked(b);
  l6_book_free(b);
}

static void test_fok(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_SELL, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 2, L6_SELL, 101, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 3, 3, L6_SELL, 102, 10), L6_BOOK_OK);
  snap before, after;
  take(b, &before);
  uint64_t last = l6_book_last_seq(b);
  fills fs = {.n = 0};
  l6_submit_result r;
  l6_order o = mk(4, 9, L6_BUY, L6_TIF_FOK, 0, 101, 21); /* only 20 up to 101 */
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_FOK_KILLED);
  assert_int_equal(fs.n, 0);
  assert_int_equal(r.filled, 0);
  take(b, &after);
  assert_same(&before, &after);
  assert_int_equal(l6_book_last_seq(b), last);
  /* FOK stopped by STP before completing: killed */
  o = mk(5, 2, L6_BUY, L6_TIF_FOK, 0, 102, 15);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_FOK_KILLED);
  take(b, &after);
  assert_same(&before, &after);
  /* market FOK for all 30: fills */
  o = mk(6, 9, L6_BUY, L6_TIF_FOK, L6_ORD_MARKET, 0, 30);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(r.filled, 30);
  assert_int_equal(fs.n, 3);
  assert_int_equal(l6_book_count(b), 0);
  l6_book_free(b);
}

static void test_post_only(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_SELL, 100, 10), L6_BOOK_OK);
  snap before, after;
  take(b, &before);
  l6_submit_result r;
  l6_order o = mk(2, 2, L6_BUY, L6_TIF_GTC, L6_ORD_POST_ONLY, 100, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_WOULD_CROSS);
  /* even against the same owner's order */
  o = mk(3, 1, L6_BUY, L6_TIF_GTC, L6_ORD_POST_ONLY, 105, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_WOULD_CROSS);
  take(b, &after);
  assert_same(&before, &after);
  o = mk(4, 2, L6_BUY, L6_TIF_GTC, L6_ORD_POST_ONLY, 99, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(r.resting, 5);
  l6_order g;
  assert_true(l6_book_get(b, 4, &g));
  assert_int_equal(g.flags, L6_ORD_POST_ONLY);
  /* post-only must be GTC */
  o = mk(5, 2, L6_BUY, L6_TIF_IOC, L6_ORD_POST_ONLY, 90, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_BAD_ORDER);
  checked(b);
  l6_book_free(b);
}

static void test_self_trade_prevention(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 2, L6_SELL, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 7, L6_SELL, 100, 10), L6_BOOK_OK); /* the taker's own */
  assert_int_equal(put(b, 3, 3, L6_SELL, 100, 10), L6_BOOK_OK);
  fills fs = {.n = 0};
  l6_submit_result r;
  l6_order o = mk(4, 7, L6_BUY, L6_TIF_GTC, 0, 100, 25);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  /* traded with order 1, stopped at its own order 2: the newest (the
   * taker) loses its remainder, the resting order stays, order 3 untouched */
  assert_true(r.stp);
  assert_int_equal(r.filled, 10);
  assert_int_equal(r.cancelled, 15);
  assert_int_equal(r.resting, 0);
  assert_int_equal(fs.n, 1);
  assert_true(l6_book_get(b, 2, NULL));
  assert_true(l6_book_get(b, 3, NULL));
  assert_false(l6_book_get(b, 4, NULL));
  checked(b);
  l6_book_free(b);
}

static void test_replace(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_BUY, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 2, L6_BUY, 100, 10), L6_BOOK_OK);
  l6_submit_result r;
  /* reducing keeps priority: 1 is still first */
  assert_int_equal(l6_book_replace(b, 1, 100, 4, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(r.resting, 4);
  snap s;
  take(b, &s);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.o[0].id, 1);
  assert_int_equal(s.o[0].qty, 4);
  l6_level lv[4];
  assert_int_equal(l6_book_depth(b, L6_BUY, lv, 4), 1);
  assert_int_equal(lv[0].qty, 14);
  assert_int_equal(lv[0].count, 2);
  /* raising the quantity loses priority */
  assert_int_equal(l6_book_replace(b, 1, 100, 6, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  take(b, &s);
  assert_int_equal(s.o[0].id, 2);
  assert_int_equal(s.o[1].id, 1);
  assert_int_equal(s.o[1].seq, g_seq);
  /* moving the price loses priority and may trade at the maker's price */
  assert_int_equal(put(b, 3, 3, L6_SELL, 105, 3), L6_BOOK_OK);
  fills fs = {.n = 0};
  assert_int_equal(l6_book_replace(b, 2, 106, 10, ++g_seq, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(fs.n, 1);
  assert_int_equal(fs.f[0].price, 105);
  assert_int_equal(fs.f[0].taker_id, 2);
  assert_int_equal(r.filled, 3);
  assert_int_equal(r.resting, 7);
  int64_t p;
  assert_true(l6_book_best(b, L6_BUY, &p));
  assert_int_equal(p, 106);
  /* refusals change nothing */
  snap before, after;
  take(b, &before);
  assert_int_equal(l6_book_replace(b, 99, 100, 1, ++g_seq, NULL, NULL, &r), L6_BOOK_NOT_FOUND);
  assert_int_equal(l6_book_replace(b, 1, 100, 0, ++g_seq, NULL, NULL, &r), L6_BOOK_BAD_ORDER);
  assert_int_equal(l6_book_replace(b, 1, 0, 5, ++g_seq, NULL, NULL, &r), L6_BOOK_BAD_ORDER);
  assert_int_equal(l6_book_replace(b, 1, 101, 5, 1, NULL, NULL, &r), L6_BOOK_BAD_ORDER); /* stale seq */
  take(b, &after);
  assert_same(&before, &after);
  /* a post-only order replaced to a new price becomes a plain GTC */
  l6_order o = mk(4, 4, L6_SELL, L6_TIF_GTC, L6_ORD_POST_ONLY, 120, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(l6_book_replace(b, 4, 121, 5, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  l6_order g;
  assert_true(l6_book_get(b, 4, &g));
  assert_int_equal(g.flags, 0);
  checked(b);
  l6_book_free(b);
}

static void test_cancel(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_BUY, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 1, L6_BUY, 99, 7), L6_BOOK_OK);
  int64_t left = -1;
  assert_int_equal(l6_book_cancel(b, 2, &left), L6_BOOK_OK);
  assert_int_equal(left, 7);
  assert_int_equal(l6_book_cancel(b, 2, &left), L6_BOOK_NOT_FOUND);
  assert_int_equal(left, 0);
  assert_int_equal(l6_book_cancel(b, 0, &left), L6_BOOK_NOT_FOUND);
  l6_level lv[4];
  assert_int_equal(l6_book_depth(b, L6_BUY, lv, 4), 1);
  checked(b);
  l6_book_free(b);
}

static void test_restore(void **state) {
  l6_book *b = fresh();
  l6_book *c = l6_book_new(64, 16);
  assert_non_null(c);
  assert_int_equal(put(b, 1, 1, L6_BUY, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 2, L6_BUY, 100, 5), L6_BOOK_OK);
  assert_int_equal(put(b, 3, 3, L6_SELL, 103, 5), L6_BOOK_OK);
  l6_submit_result r;
  assert_int_equal(l6_book_replace(b, 1, 100, 3, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  /* rebuild c from b's orders in seq order */
  snap s;
  take(b, &s);
  for (size_t i = 0; i < s.n; i++)
    for (size_t j = i + 1; j < s.n; j++)
      if (s.o[j].seq < s.o[i].seq) {
        l6_order t = s.o[i];
        s.o[i] = s.o[j];
        s.o[j] = t;
      }
  for (size_t i = 0; i < s.n; i++) assert_int_equal(l6_book_restore(c, &s.o[i]), L6_BOOK_OK);
  snap x, y;
  take(b, &x);
  take(c, &y);
  assert_same(&x, &y);
  checked(c);
  /* refusals: crossing, duplicate, stale seq, not GTC */
  snap before, after;
  take(c, &before);
  l6_order o = {9, 100, 9, L6_SELL, L6_TIF_GTC, 0, 100, 1};
  assert_int_equal(l6_book_restore(c, &o), L6_BOOK_BAD_ORDER); /* crosses the bid at 100 */
  o = (l6_order){2, 101, 9, L6_SELL, L6_TIF_GTC, 0, 110, 1};
  assert_int_equal(l6_book_restore(c, &o), L6_BOOK_DUP_ID);
  o = (l6_order){9, 1, 9, L6_SELL, L6_TIF_GTC, 0, 110, 1};
  assert_int_equal(l6_book_restore(c, &o), L6_BOOK_BAD_ORDER);
  o = (l6_order){9, 102, 9, L6_SELL, L6_TIF_IOC, 0, 110, 1};
  assert_int_equal(l6_book_restore(c, &o), L6_BOOK_BAD_ORDER);
  take(c, &after);
  assert_same(&before, &after);
  l6_book_free(b);
  l6_book_free(c);
}

static bool stop_after_two(void *ctx, const l6_order *o) {
  int *n = ctx;
  return ++*n < 2;
}

static void test_depth_best_each(void **state) {
  l6_book *b = fresh();
  assert_int_equal(put(b, 1, 1, L6_BUY, 98, 1), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 1, L6_BUY, 99, 2), L6_BOOK_OK);
  assert_int_equal(put(b, 3, 1, L6_BUY, 99, 3), L6_BOOK_OK);
  assert_int_equal(put(b, 4, 1, L6_SELL, 103, 4), L6_BOOK_OK);
  assert_int_equal(put(b, 5, 1, L6_SELL, 101, 5), L6_BOOK_OK);
  l6_level lv[8];
  assert_int_equal(l6_book_depth(b, L6_BUY, lv, 8), 2);
  assert_int_equal(lv[0].price, 99);
  assert_int_equal(lv[0].qty, 5);
  assert_int_equal(lv[0].count, 2);
  assert_int_equal(lv[1].price, 98);
  assert_int_equal(l6_book_depth(b, L6_SELL, lv, 1), 1);
  assert_int_equal(lv[0].price, 101);
  int64_t p;
  assert_true(l6_book_best(b, L6_SELL, &p));
  assert_int_equal(p, 101);
  assert_true(l6_book_best(b, L6_BUY, &p));
  assert_int_equal(p, 99);
  snap s;
  take(b, &s);
  uint64_t want[] = {2, 3, 1, 5, 4};
  assert_int_equal(s.n, 5);
  for (size_t i = 0; i < 5; i++) assert_int_equal(s.o[i].id, want[i]);
  int n = 0;
  l6_book_each(b, stop_after_two, &n);
  assert_int_equal(n, 2);
  assert_int_equal(l6_book_count(b), 5);
  l6_book_free(b);
}

static void test_full_dup_bad(void **state) {
  g_seq = 0;
  l6_book *b = l6_book_new(3, 2);
  assert_non_null(b);
  assert_int_equal(put(b, 1, 1, L6_BUY, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 1, L6_BUY, 99, 10), L6_BOOK_OK);
  snap before, after;
  take(b, &before);
  uint64_t last = l6_book_last_seq(b);
  /* a third bid level: the side has max_levels = 2 */
  assert_int_equal(put(b, 3, 1, L6_BUY, 98, 10), L6_BOOK_FULL);
  /* duplicate id */
  assert_int_equal(put(b, 1, 1, L6_SELL, 150, 10), L6_BOOK_DUP_ID);
  /* bad orders */
  l6_submit_result r;
  l6_order bad[] = {
      {0, 100, 1, L6_SELL, L6_TIF_GTC, 0, 150, 1},             /* id 0 */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 0, 150, 0},             /* qty 0 */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 0, 150, -5},            /* qty < 0 */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 0, 0, 1},               /* price 0 */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 0, L6_BOOK_MAX_PRICE + 1, 1},
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 0, 150, L6_BOOK_MAX_QTY + 1},
      {7, 100, 1, (l6_side)2, L6_TIF_GTC, 0, 150, 1},          /* side */
      {7, 100, 1, L6_SELL, (l6_tif)3, 0, 150, 1},              /* tif */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, 1u << 5, 150, 1},       /* flags */
      {7, 1, 1, L6_SELL, L6_TIF_GTC, 0, 150, 1},               /* stale seq */
      {7, 100, 1, L6_SELL, L6_TIF_GTC, L6_ORD_MARKET, 0, 1},   /* market GTC */
      {7, 100, 1, L6_SELL, L6_TIF_FOK, L6_ORD_POST_ONLY, 150, 1},
  };
  for (size_t i = 0; i < COUNT(bad); i++)
    assert_int_equal(l6_book_submit(b, &bad[i], NULL, NULL, &r), L6_BOOK_BAD_ORDER);
  take(b, &after);
  assert_same(&before, &after);
  assert_int_equal(l6_book_last_seq(b), last);
  /* the pool: a third order fits, a fourth does not */
  assert_int_equal(put(b, 3, 2, L6_SELL, 150, 10), L6_BOOK_OK);
  take(b, &before);
  assert_int_equal(put(b, 4, 2, L6_SELL, 150, 10), L6_BOOK_FULL);
  /* ... unless it would not rest (IOC), or it frees a slot by filling a maker */
  l6_order o = mk(5, 2, L6_SELL, L6_TIF_IOC, 0, 150, 10);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  take(b, &after);
  assert_same(&before, &after);
  o = mk(6, 2, L6_SELL, L6_TIF_GTC, 0, 100, 15); /* fills bid 1 (10), rests 5 at 100 */
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(r.resting, 5);
  /* a fully filled GTC needs no room */
  o = mk(7, 3, L6_BUY, L6_TIF_GTC, 0, 100, 5);
  assert_int_equal(l6_book_submit(b, &o, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(r.filled, 5);
  assert_int_equal(l6_book_count(b), 2);
  checked(b);
  l6_book_free(b);

  /* replace: moving to a third bid level while two stay is FULL, nothing changes */
  g_seq = 0;
  b = l6_book_new(8, 2);
  assert_non_null(b);
  assert_int_equal(put(b, 1, 1, L6_BUY, 100, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 2, 1, L6_BUY, 99, 10), L6_BOOK_OK);
  assert_int_equal(put(b, 3, 1, L6_BUY, 99, 10), L6_BOOK_OK);
  take(b, &before);
  last = l6_book_last_seq(b);
  assert_int_equal(l6_book_replace(b, 2, 98, 10, ++g_seq, NULL, NULL, &r), L6_BOOK_FULL);
  take(b, &after);
  assert_same(&before, &after);
  assert_int_equal(l6_book_last_seq(b), last);
  /* ... but the order alone at its level may move: its level goes */
  assert_int_equal(l6_book_replace(b, 1, 98, 10, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  /* restore into a full side or pool is FULL, nothing changes */
  l6_order ro = {50, ++g_seq, 5, L6_BUY, L6_TIF_GTC, 0, 97, 1};
  take(b, &before);
  assert_int_equal(l6_book_restore(b, &ro), L6_BOOK_FULL);
  take(b, &after);
  assert_same(&before, &after);
  checked(b);
  l6_book_free(b);
  g_seq = 0;
  b = l6_book_new(1, 4);
  assert_non_null(b);
  assert_int_equal(put(b, 1, 1, L6_SELL, 100, 10), L6_BOOK_OK);
  l6_order ro2 = {2, ++g_seq, 5, L6_SELL, L6_TIF_GTC, 0, 101, 1};
  assert_int_equal(l6_book_restore(b, &ro2), L6_BOOK_FULL);
  assert_int_equal(l6_book_count(b), 1);
  l6_book_free(b);
  assert_null(l6_book_new(0, 1));
  assert_null(l6_book_new(L6_BOOK_MAX_ORDERS + 1, 1));
  assert_null(l6_book_new(1, 0));
}

/* ---- part 1b: the price window (book.c) --------------------------------------- */

static void depth_is(const l6_book *b, l6_side side, const int64_t *want, size_t n) {
  l6_level lv[64];
  size_t k = l6_book_depth(b, side, lv, COUNT(lv));
  assert_int_equal(k, n);
  for (size_t i = 0; i < n; i++) assert_int_equal(lv[i].price, want[i]);
  int64_t best;
  assert_true(n == 0 ? !l6_book_best(b, side, &best) : l6_book_best(b, side, &best) && best == want[0]);
  checked(b);
}

typedef struct {
  int64_t last_price;
  uint64_t last_maker;
  size_t n;
  int64_t qty;
  l6_side taker;
} sweep;

/* Fills of one sweep come best price first and, at one price, in id order
 * (these tests give ids in time order). */
static void on_sweep(void *ctx, const l6_fill *f) {
  sweep *w = ctx;
  if (w->n > 0) {
    bool worse = w->taker == L6_SELL ? f->price <= w->last_price : f->price >= w->last_price;
    if (!worse) fail_msg("fill %zu at %lld after %lld", w->n, (long long)f->price, (long long)w->last_price);
    if (f->price == w->last_price && f->maker_id <= w->last_maker) fail_msg("fill %zu out of time order", w->n);
  }
  assert_int_equal(f->maker_left, 0);
  w->last_price = f->price;
  w->last_maker = f->maker_id;
  w->n++;
  w->qty += f->qty;
}

/* Sells everything bid (or buys everything offered) with one market IOC. */
static sweep sweep_side(l6_book *b, l6_side taker, uint64_t id) {
  sweep w = {0, 0, 0, 0, taker};
  l6_order o = mk(id, 999999, taker, L6_TIF_IOC, L6_ORD_MARKET, 0, L6_BOOK_MAX_QTY);
  l6_submit_result r;
  assert_int_equal(l6_book_submit(b, &o, on_sweep, &w, &r), L6_BOOK_OK);
  assert_int_equal(r.filled, w.qty);
  return w;
}

/* Pools of 16 levels: a window of 4096 ticks, centred on a side's first
 * price (bids: keys = prices 7952..12047 around 10000; asks: keys = -price,
 * prices 17953..22048 around 20000). */
static void test_price_window_edges(void **state) {
  (void)state;
  l6_book *b = fresh();
  uint64_t id = 1;
  assert_int_equal(put(b, id++, 1, L6_BUY, 10000, 1), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 1, L6_BUY, 7952, 1), L6_BOOK_OK);  /* first slot */
  assert_int_equal(put(b, id++, 1, L6_BUY, 12047, 1), L6_BOOK_OK); /* last slot */
  assert_int_equal(put(b, id++, 1, L6_BUY, 7951, 1), L6_BOOK_OK);  /* just below: fallback */
  assert_int_equal(put(b, id++, 1, L6_BUY, 12048, 1), L6_BOOK_OK); /* just above: fallback, best */
  assert_int_equal(put(b, id++, 1, L6_BUY, 1, 1), L6_BOOK_OK);     /* far below */
  assert_int_equal(put(b, id++, 1, L6_BUY, 15000, 2), L6_BOOK_OK); /* far above */
  assert_int_equal(put(b, id++, 1, L6_BUY, 12048, 3), L6_BOOK_OK); /* joins a fallback level */
  depth_is(b, L6_BUY, (const int64_t[]){15000, 12048, 12047, 10000, 7952, 7951, 1}, 7);
  assert_int_equal(put(b, id++, 2, L6_SELL, 20000, 1), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 2, L6_SELL, 17953, 1), L6_BOOK_OK); /* last slot (best key) */
  assert_int_equal(put(b, id++, 2, L6_SELL, 22048, 1), L6_BOOK_OK); /* first slot */
  assert_int_equal(put(b, id++, 2, L6_SELL, 22049, 1), L6_BOOK_OK); /* fallback */
  assert_int_equal(put(b, id++, 2, L6_SELL, 17952, 1), L6_BOOK_OK); /* fallback, best */
  assert_int_equal(put(b, id++, 2, L6_SELL, L6_BOOK_MAX_PRICE, 1), L6_BOOK_OK);
  depth_is(b, L6_SELL, (const int64_t[]){17952, 17953, 20000, 22048, 22049, L6_BOOK_MAX_PRICE}, 6);

  /* levels emptied and refilled, in and out of the window */
  int64_t left;
  assert_int_equal(l6_book_cancel(b, 7, &left), L6_BOOK_OK); /* 15000 */
  assert_int_equal(left, 2);
  depth_is(b, L6_BUY, (const int64_t[]){12048, 12047, 10000, 7952, 7951, 1}, 6);
  assert_int_equal(l6_book_cancel(b, 5, NULL), L6_BOOK_OK); /* 12048 keeps order 8 */
  depth_is(b, L6_BUY, (const int64_t[]){12048, 12047, 10000, 7952, 7951, 1}, 6);
  assert_int_equal(l6_book_cancel(b, 8, NULL), L6_BOOK_OK);
  depth_is(b, L6_BUY, (const int64_t[]){12047, 10000, 7952, 7951, 1}, 5);
  assert_int_equal(l6_book_cancel(b, 3, NULL), L6_BOOK_OK); /* the window's last slot */
  assert_int_equal(l6_book_cancel(b, 2, NULL), L6_BOOK_OK); /* and its first */
  depth_is(b, L6_BUY, (const int64_t[]){10000, 7951, 1}, 3);
  assert_int_equal(put(b, id++, 1, L6_BUY, 7952, 4), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 1, L6_BUY, 12047, 5), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 1, L6_BUY, 12048, 6), L6_BOOK_OK);
  depth_is(b, L6_BUY, (const int64_t[]){12048, 12047, 10000, 7952, 7951, 1}, 6);
  /* moves across the window's edge keep the book whole */
  l6_submit_result r;
  assert_int_equal(l6_book_replace(b, 1, 7951, 1, ++g_seq, NULL, NULL, &r), L6_BOOK_OK);
  assert_int_equal(l6_book_replace(b, 4, 2, 1, ++g_seq, NULL, NULL, &r), L6_BOOK_OK); /* 7951 */
  depth_is(b, L6_BUY, (const int64_t[]){12048, 12047, 7952, 7951, 2, 1}, 6);

  /* a buy that crosses into both the window and the fallback of the asks */
  fills fs = {.n = 0};
  l6_order o = mk(id++, 3, L6_BUY, L6_TIF_IOC, 0, 20000, 10);
  assert_int_equal(l6_book_submit(b, &o, on_fill, &fs, &r), L6_BOOK_OK);
  assert_int_equal(fs.n, 3);
  assert_int_equal(fs.f[0].price, 17952);
  assert_int_equal(fs.f[1].price, 17953);
  assert_int_equal(fs.f[2].price, 20000);
  depth_is(b, L6_SELL, (const int64_t[]){22048, 22049, L6_BOOK_MAX_PRICE}, 3);

  /* sweeps empty both sides best first; an empty side places its window anew */
  sweep w = sweep_side(b, L6_SELL, id++);
  assert_int_equal(w.n, 6);
  depth_is(b, L6_BUY, NULL, 0);
  w = sweep_side(b, L6_BUY, id++);
  assert_int_equal(w.n, 3);
  depth_is(b, L6_SELL, NULL, 0);
  assert_int_equal(l6_book_count(b), 0);
  assert_int_equal(put(b, id++, 1, L6_BUY, 500000, 1), L6_BOOK_OK); /* new window */
  assert_int_equal(put(b, id++, 1, L6_BUY, 10000, 1), L6_BOOK_OK);  /* the old one: fallback now */
  assert_int_equal(put(b, id++, 1, L6_BUY, 497952, 1), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 1, L6_BUY, 502047, 1), L6_BOOK_OK);
  assert_int_equal(put(b, id++, 2, L6_SELL, 502048, 1), L6_BOOK_OK);
  depth_is(b, L6_BUY, (const int64_t[]){502047, 500000, 497952, 10000}, 4);
  depth_is(b, L6_SELL, (const int64_t[]){502048}, 1);
  l6_book_free(b);
}

/* A million resting orders over 40,000 prices spread over 400,000 ticks
 * (the largest window, 2^18 ticks, holds about two thirds of them; the rest
 * live in the fallback), then one market order takes them all. */
static void test_million_orders(void **state) {
  (void)state;
  enum { N = 1000000, NPRICE = 40000 };
  g_seq = 0;
  l6_book *b = l6_book_new(N, NPRICE);
  assert_non_null(b);
  int64_t total = 0;
  for (uint64_t i = 0; i < N; i++) {
    /* the first at 200,000 (the window's centre), then every price in turn */
    int64_t price = 100 + (int64_t)(((i + NPRICE / 2) * 7919) % NPRICE) * 10;
    int64_t qty = 1 + (int64_t)(i % 3);
    l6_order o = mk(i + 1, 1 + i % 50, L6_BUY, L6_TIF_GTC, 0, price, qty);
    l6_submit_result r;
    if (l6_book_submit(b, &o, NULL, NULL, &r) != L6_BOOK_OK) fail_msg("order %llu refused", (unsigned long long)i);
    total += qty;
  }
  assert_int_equal(l6_book_count(b), N);
  checked(b);
  l6_level lv[3];
  assert_int_equal(l6_book_depth(b, L6_BUY, lv, 3), 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(lv[i].price, 100 + (NPRICE - 1 - i) * 10);
    assert_int_equal(lv[i].count, N / NPRICE);
  }
  l6_order got;
  assert_true(l6_book_get(b, 123457, &got));
  assert_int_equal(got.price, 100 + (int64_t)(((123456 + NPRICE / 2) * 7919) % NPRICE) * 10);
  sweep w = sweep_side(b, L6_SELL, N + 1);
  assert_int_equal(w.n, N);
  assert_int_equal(w.qty, total);
  assert_int_equal(w.last_price, 100);
  assert_int_equal(l6_book_count(b), 0);
  checked(b);
  l6_book_free(b);
}

/* ---- part 2: seeded random streams against the reference ------------------ */

typedef struct {
  size_t max_orders, max_levels;
  uint64_t owners;   /* owners 1..owners: few means much STP */
  int64_t spread;    /* prices in mid +- spread */
  int64_t maxqty;
  unsigned commands;
  /* How new orders get ids: 0 increasing (as the exchange hands them out);
   * 1 from 512 ids in 64 groups of 8 spaced 2^16 apart, so that many share
   * a home slot of the id hash (long probe runs, backward-shift deletions,
   * reused ids, duplicates); 2 decreasing (never above the largest id seen,
   * so every duplicate check probes). */
  int ids;
  /* Prices: mid and offsets times tick (0 = 1), so with a tick of 150 the
   * levels straddle the edges of the book's price window (4096 ticks for
   * these pools) and many live in its fallback array; far: 1 in far new
   * orders and moves priced anywhere in 1..L6_BOOK_MAX_PRICE (both ends
   * included), far outside the window (0 = never). */
  int64_t tick;
  unsigned far;
} shape;

/* A price for the random streams: mid +- off in ticks, or far away. */
static int64_t stream_price(tl_rng *g, const shape *sh, l6_side side, int64_t mid, int64_t off) {
  int64_t t = sh->tick > 0 ? sh->tick : 1;
  int64_t p = side == L6_BUY ? (mid - off) * t : (mid + off) * t;
  if (sh->far > 0 && tl_rng_below(g, sh->far) == 0) {
    unsigned how = (unsigned)tl_rng_below(g, 4);
    p = how == 0 ? 1 : how == 1 ? L6_BOOK_MAX_PRICE : tl_rng_range(g, 1, L6_BOOK_MAX_PRICE);
  }
  return p <= 0 ? 1 : p;
}

static fills g_fa, g_fb;

static void cmp_books(const l6_book *b, const rb_book *r) {
  static l6_order want[4096];
  static snap got;
  checked(b);
  assert_int_equal(l6_book_count(b), r->n);
  assert_int_equal(l6_book_last_seq(b), r->last_seq);
  size_t n = rb_sorted(r, want);
  got.n = 0;
  l6_book_each(b, snap_one, &got);
  assert_int_equal(got.n, n);
  eq_orders(got.o, want, n);
  /* depth from the reference's sorted orders */
  for (int side = 0; side < 2; side++) {
    l6_level lv[1024];
    size_t k = l6_book_depth(b, (l6_side)side, lv, COUNT(lv)), j = 0;
    for (size_t i = 0; i < n; i++) {
      if (want[i].side != (l6_side)side) continue;
      if (j == 0 || lv[j - 1].price != want[i].price) {
        assert_true(j < k);
        assert_int_equal(lv[j].price, want[i].price);
        j++;
      }
    }
    assert_int_equal(j, k);
  }
}

static void run_stream(const shape *sh, uint64_t stream) {
  tl_rng g;
  tl_rng_init(&g, stream);
  l6_book *b = l6_book_new(sh->max_orders, sh->max_levels);
  assert_non_null(b);
  rb_book r;
  rb_init(&r, sh->max_orders, sh->max_levels);
  uint64_t seq = 0, next_id = 1;
  int64_t mid = 1000;
  unsigned long nfills = 0, rcs[8] = {0}, peak = 0, nstp = 0;
  for (unsigned i = 0; i < sh->commands; i++) {
    unsigned k = (unsigned)tl_rng_below(&g, 100);
    l6_submit_result ra, rb;
    l6_book_rc ca, cb;
    g_fa.n = g_fb.n = 0;
    if (tl_rng_below(&g, 1000) == 0) mid += tl_rng_range(&g, -3, 3);
    if (k < 10 && r.n > 0) { /* cancel a resting order (or an unknown id) */
      uint64_t id = tl_rng_below(&g, 8) == 0 ? next_id + 5 : r.o[tl_rng_below(&g, r.n)].id;
      int64_t la, lb;
      ca = l6_book_cancel(b, id, &la);
      cb = rb_cancel(&r, id, &lb);
      assert_int_equal(ca, cb);
      assert_int_equal(la, lb);
      continue;
    }
    if (k < 30 && r.n > 0) { /* replace: keep priority or move */
      l6_order *o = &r.o[tl_rng_below(&g, r.n)];
      uint64_t id = o->id;
      int64_t price = o->price, qty = o->qty;
      unsigned how = (unsigned)tl_rng_below(&g, 4);
      if (how == 0) qty = tl_rng_range(&g, 1, qty); /* keeps priority */
      else if (how == 1) qty = qty + tl_rng_range(&g, 1, 5);
      else {
        int64_t off = tl_rng_range(&g, -sh->spread / 3, sh->spread);
        price = stream_price(&g, sh, o->side, mid, off);
        qty = tl_rng_range(&g, 1, sh->maxqty);
      }
      if (price <= 0) price = 1;
      uint64_t s = tl_rng_below(&g, 200) == 0 ? seq : seq + 1; /* sometimes stale */
      ca = l6_book_replace(b, id, price, qty, s, on_fill, &g_fa, &ra);
      cb = rb_replace(&r, id, price, qty, s, on_fill, &g_fb, &rb);
      if (ca == L6_BOOK_OK && s > seq) seq = s;
    } else { /* a new order */
      l6_order o;
      o.id = tl_rng_below(&g, 300) == 0 && r.n > 0 ? r.o[0].id : next_id++;
      if (sh->ids == 1) o.id = 1 + (tl_rng_below(&g, 64) << 16) + tl_rng_below(&g, 8);
      else if (sh->ids == 2 && o.id == next_id - 1) o.id = 1000000000 - o.id;
      o.seq = tl_rng_below(&g, 300) == 0 ? seq : seq + 1;
      o.owner = 1 + tl_rng_below(&g, sh->owners);
      o.side = (l6_side)tl_rng_below(&g, 2);
      o.flags = 0;
      /* mostly passive (below mid for bids, above for asks), so books fill up */
      int64_t off = tl_rng_range(&g, -sh->spread / 3, sh->spread);
      o.price = stream_price(&g, sh, o.side, mid, off);
      o.qty = tl_rng_range(&g, 1, sh->maxqty);
      unsigned t = (unsigned)tl_rng_below(&g, 100);
      if (t < 60) o.tif = L6_TIF_GTC;
      else if (t < 72) o.tif = L6_TIF_GTC, o.flags = L6_ORD_POST_ONLY;
      else if (t < 84) o.tif = L6_TIF_IOC;
      else if (t < 93) o.tif = L6_TIF_FOK;
      else if (t < 97) o.tif = L6_TIF_IOC, o.flags = L6_ORD_MARKET;
      else if (t < 99) o.tif = L6_TIF_FOK, o.flags = L6_ORD_MARKET;
      else o.tif = L6_TIF_GTC, o.flags = L6_ORD_MARKET; /* bad */
      if (o.flags & L6_ORD_MARKET && tl_rng_below(&g, 2)) o.price = 0;
      ca = l6_book_submit(b, &o, on_fill, &g_fa, &ra);
      cb = rb_submit(&r, &o, on_fill, &g_fb, &rb);
      if (ca == L6_BOOK_OK) seq = o.seq;
    }
    if (ca != cb) fail_msg("command %u: engine rc %d, reference rc %d", i, ca, cb);
    assert_int_equal(ra.filled, rb.filled);
    assert_int_equal(ra.resting, rb.resting);
    assert_int_equal(ra.cancelled, rb.cancelled);
    assert_int_equal(ra.stp, rb.stp);
    assert_int_equal(g_fa.n, g_fb.n);
    eq_fills(g_fa.f, g_fb.f, g_fa.n);
    nfills += g_fa.n;
    rcs[ca]++;
    nstp += ra.stp;
    if (r.n > peak) peak = r.n;
    if (i % 500 == 0) cmp_books(b, &r);
  }
  fprintf(stderr,
          "  stream %llx: %u commands, %lu fills, %lu stp, peak %lu orders; ok %lu full %lu dup %lu "
          "bad %lu cross %lu fok %lu notfound %lu\n",
          (unsigned long long)stream, sh->commands, nfills, nstp, peak, rcs[0], rcs[1], rcs[2],
          rcs[3], rcs[4], rcs[5], rcs[6]);
  cmp_books(b, &r);
  /* a restart: the resting orders restored in seq order give the same book */
  static l6_order all[4096];
  size_t n = rb_sorted(&r, all);
  for (size_t x = 1; x < n; x++) /* insertion sort by seq */
    for (size_t y = x; y > 0 && all[y - 1].seq > all[y].seq; y--) {
      l6_order t = all[y];
      all[y] = all[y - 1];
      all[y - 1] = t;
    }
  l6_book *c = l6_book_new(sh->max_orders, sh->max_levels);
  assert_non_null(c);
  for (size_t x = 0; x < n; x++) assert_int_equal(l6_book_restore(c, &all[x]), L6_BOOK_OK);
  rb_book rr;
  rb_init(&rr, sh->max_orders, sh->max_levels);
  for (size_t x = 0; x < n; x++) assert_int_equal(rb_restore(&rr, &all[x]), L6_BOOK_OK);
  cmp_books(c, &rr);
  static snap s1, s2;
  take(b, &s1);
  take(c, &s2);
  assert_same(&s1, &s2);
  fprintf(stderr, "    restart: %zu resting orders restored in seq order, same book\n", n);
  l6_book_free(c);
  rb_free(&rr);
  l6_book_free(b);
  rb_free(&r);
}

static void test_random_streams(void **state) {
  static const shape shapes[] = {
      {200, 64, 20, 10, 20, 100000, 0, 1, 0},  /* many owners, narrow */
      {200, 64, 3, 10, 20, 100000, 0, 1, 0},   /* few owners: much STP */
      {64, 8, 10, 20, 30, 100000, 0, 1, 0},    /* small pools: FULL of both kinds */
      {32, 32, 5, 3, 5, 100000, 0, 1, 0},      /* tiny spread, deep levels */
      {300, 128, 50, 40, 10, 100000, 0, 1, 0}, /* wide */
      {100, 16, 2, 6, 100, 100000, 0, 1, 0},   /* two owners, big quantities */
      {16, 4, 4, 5, 10, 100000, 0, 1, 0},      /* almost always full */
      {250, 250, 30, 60, 50, 100000, 0, 1, 0},
      {120, 40, 8, 15, 25, 100000, 0, 1, 0},
      {80, 10, 15, 25, 8, 100000, 0, 1, 0},
      {200, 100, 1000, 12, 12, 100000, 0, 1, 0}, /* owners rarely collide */
      {150, 30, 6, 9, 40, 100000, 0, 1, 0},
      {300, 64, 20, 10, 20, 100000, 1, 1, 0}, /* ids that collide in the id hash */
      {16, 8, 5, 10, 20, 100000, 1, 1, 0},
      {200, 64, 20, 10, 20, 100000, 2, 1, 0}, /* decreasing ids */
      /* prices across the edges of the price window and far outside it */
      {200, 64, 20, 10, 20, 60000, 0, 150, 0},
      {300, 128, 50, 40, 10, 60000, 0, 120, 40},
      {16, 4, 4, 5, 10, 60000, 0, 300, 10}, /* sides empty often: the window moves */
      {120, 40, 8, 15, 25, 60000, 0, 1, 20},
  };
  unsigned long total = 0;
  for (size_t i = 0; i < COUNT(shapes); i++) {
    run_stream(&shapes[i], 0xb00c0000 + i);
    total += shapes[i].commands;
  }
  assert_true(total >= 1000000);
}

int main(void) {
  fprintf(stderr, "test_book: seed %llu\n", (unsigned long long)tl_seed());
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_price_time_priority),
      cmocka_unit_test(test_partial_fill_rests_and_maker_price),
      cmocka_unit_test(test_ioc_and_market),
      cmocka_unit_test(test_fok),
      cmocka_unit_test(test_post_only),
      cmocka_unit_test(test_self_trade_prevention),
      cmocka_unit_test(test_replace),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_restore),
      cmocka_unit_test(test_depth_best_each),
      cmocka_unit_test(test_full_dup_bad),
      cmocka_unit_test(test_price_window_edges),
      cmocka_unit_test(test_million_orders),
      cmocka_unit_test(test_random_streams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
