/*
 * testlib_refbook.c -- the naive reference order book (see the header).
 * Every decision is a linear scan over the flat array of resting orders.
 */
#include "testlib_refbook.h"

#include <stdlib.h>
#include <string.h>

void rb_init(rb_book *b, size_t max_orders, size_t max_levels) {
  b->max_orders = max_orders;
  b->max_levels = max_levels;
  b->o = calloc(max_orders + 1, sizeof *b->o);
  b->n = 0;
  b->last_seq = 0;
  if (b->o == NULL) abort();
}

void rb_free(rb_book *b) {
  free(b->o);
  b->o = NULL;
}

static long find(const rb_book *b, uint64_t id) {
  for (size_t i = 0; i < b->n; i++)
    if (b->o[i].id == id) return (long)i;
  return -1;
}

/* Does a maker at price cross a taker of side with this limit? */
static bool crosses(l6_side side, bool market, int64_t limit, int64_t price) {
  if (market) return true;
  return side == L6_BUY ? limit >= price : limit <= price;
}

/* a goes before b on their (common) side. */
static bool before(const l6_order *a, const l6_order *b) {
  if (a->price != b->price) return a->side == L6_BUY ? a->price > b->price : a->price < b->price;
  return a->seq < b->seq;
}

/* Index of the best resting order of side, or -1. */
static long best_of(const rb_book *b, l6_side side) {
  long best = -1;
  for (size_t i = 0; i < b->n; i++)
    if (b->o[i].side == side && (best < 0 || before(&b->o[i], &b->o[best]))) best = (long)i;
  return best;
}

static int cmp_i64(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  return a < b ? -1 : a > b;
}

/* Number of distinct prices on side. */
static size_t levels(const rb_book *b, l6_side side) {
  int64_t *p = malloc((b->n + 1) * sizeof *p);
  if (p == NULL) abort();
  size_t m = 0, k = 0;
  for (size_t i = 0; i < b->n; i++)
    if (b->o[i].side == side) p[m++] = b->o[i].price;
  qsort(p, m, sizeof *p, cmp_i64);
  for (size_t i = 0; i < m; i++) k += i == 0 || p[i] != p[i - 1];
  free(p);
  return k;
}

static bool level_exists(const rb_book *b, l6_side side, int64_t price, uint64_t except_id) {
  for (size_t i = 0; i < b->n; i++)
    if (b->o[i].side == side && b->o[i].price == price && b->o[i].id != except_id) return true;
  return false;
}

static void drop(rb_book *b, size_t i) { b->o[i] = b->o[--b->n]; }

/* Simulates matching on a copy: quantity that would trade, STP stop,
 * makers consumed. */
static void simulate(const rb_book *b, l6_side side, bool market, int64_t limit, uint64_t owner,
                     int64_t qty, int64_t *matched, bool *stp, size_t *consumed) {
  rb_book c = *b;
  c.o = malloc((b->n + 1) * sizeof *c.o);
  if (c.o == NULL) abort();
  memcpy(c.o, b->o, b->n * sizeof *c.o);
  *matched = 0;
  *stp = false;
  *consumed = 0;
  int64_t rem = qty;
  while (rem > 0) {
    long m = best_of(&c, side == L6_BUY ? L6_SELL : L6_BUY);
    if (m < 0 || !crosses(side, market, limit, c.o[m].price)) break;
    if (c.o[m].owner == owner) {
      *stp = true;
      break;
    }
    int64_t q = rem < c.o[m].qty ? rem : c.o[m].qty;
    rem -= q;
    c.o[m].qty -= q;
    if (c.o[m].qty == 0) {
      drop(&c, (size_t)m);
      (*consumed)++;
    }
  }
  *matched = qty - rem;
  free(c.o);
}

static bool ok_order(const rb_book *b, const l6_order *o) {
  if (o->id == 0 || o->qty <= 0 || o->qty > L6_BOOK_MAX_QTY) return false;
  if (o->side != L6_BUY && o->side != L6_SELL) return false;
  if (o->tif != L6_TIF_GTC && o->tif != L6_TIF_IOC && o->tif != L6_TIF_FOK) return false;
  if (o->flags & ~(unsigned)(L6_ORD_POST_ONLY | L6_ORD_MARKET)) return false;
  if ((o->flags & L6_ORD_MARKET) && o->tif == L6_TIF_GTC) return false;
  if ((o->flags & L6_ORD_POST_ONLY) && o->tif != L6_TIF_GTC) return false;
  if (!(o->flags & L6_ORD_MARKET) && (o->price <= 0 || o->price > L6_BOOK_MAX_PRICE)) return false;
  return o->seq > b->last_seq;
}

/* Matches and rests; the checks have been made. */
static void execute(rb_book *b, const l6_order *o, unsigned rest_flags, l6_fill_fn fill,
                    void *ctx, l6_submit_result *r) {
  bool market = (o->flags & L6_ORD_MARKET) != 0;
  int64_t rem = o->qty;
  b->last_seq = o->seq;
  while (rem > 0) {
    long m = best_of(b, o->side == L6_BUY ? L6_SELL : L6_BUY);
    if (m < 0 || !crosses(o->side, market, o->price, b->o[m].price)) break;
    if (b->o[m].owner == o->owner) {
      r->stp = true;
      break;
    }
    int64_t q = rem < b->o[m].qty ? rem : b->o[m].qty;
    rem -= q;
    b->o[m].qty -= q;
    l6_fill f = {b->o[m].id, b->o[m].owner, o->id, o->owner, o->side, b->o[m].price, q, b->o[m].qty};
    if (b->o[m].qty == 0) drop(b, (size_t)m);
    if (fill) fill(ctx, &f);
  }
  r->filled = o->qty - rem;
  if (rem > 0 && o->tif == L6_TIF_GTC && !r->stp) {
    l6_order x = *o;
    x.qty = rem;
    x.flags = rest_flags;
    b->o[b->n++] = x;
    r->resting = rem;
  } else {
    r->cancelled = rem;
  }
}

/* Room for a GTC remainder: see book.h (FULL). b is the book without the
 * order itself. */
static bool room(const rb_book *b, const l6_order *o) {
  bool exists = level_exists(b, o->side, o->price, 0);
  bool lv_full = !exists && levels(b, o->side) >= b->max_levels;
  bool pool_full = b->n >= b->max_orders;
  if (!lv_full && !pool_full) return true;
  int64_t matched;
  bool stp;
  size_t consumed;
  simulate(b, o->side, false, o->price, o->owner, o->qty, &matched, &stp, &consumed);
  if (stp || matched == o->qty) return true; /* nothing would rest */
  if (lv_full) return false;
  return b->n - consumed < b->max_orders;
}

l6_book_rc rb_submit(rb_book *b, const l6_order *o, l6_fill_fn fill, void *ctx,
                     l6_submit_result *res) {
  l6_submit_result r = {0, 0, 0, false};
  if (res) *res = r;
  if (!ok_order(b, o)) return L6_BOOK_BAD_ORDER;
  if (find(b, o->id) >= 0) return L6_BOOK_DUP_ID;
  bool market = (o->flags & L6_ORD_MARKET) != 0;
  l6_side opp = o->side == L6_BUY ? L6_SELL : L6_BUY;
  if (o->flags & L6_ORD_POST_ONLY) {
    long m = best_of(b, opp);
    if (m >= 0 && crosses(o->side, false, o->price, b->o[m].price)) return L6_BOOK_WOULD_CROSS;
  }
  if (o->tif == L6_TIF_FOK) {
    int64_t matched;
    bool stp;
    size_t consumed;
    simulate(b, o->side, market, o->price, o->owner, o->qty, &matched, &stp, &consumed);
    if (matched < o->qty) return L6_BOOK_FOK_KILLED;
  }
  if (o->tif == L6_TIF_GTC && !room(b, o)) return L6_BOOK_FULL;
  execute(b, o, o->flags, fill, ctx, &r);
  if (res) *res = r;
  return L6_BOOK_OK;
}

l6_book_rc rb_cancel(rb_book *b, uint64_t id, int64_t *left) {
  if (left) *left = 0;
  long i = id == 0 ? -1 : find(b, id);
  if (i < 0) return L6_BOOK_NOT_FOUND;
  if (left) *left = b->o[i].qty;
  drop(b, (size_t)i);
  return L6_BOOK_OK;
}

l6_book_rc rb_replace(rb_book *b, uint64_t id, int64_t new_price, int64_t new_qty,
                      uint64_t new_seq, l6_fill_fn fill, void *ctx, l6_submit_result *res) {
  l6_submit_result r = {0, 0, 0, false};
  if (res) *res = r;
  long i = id == 0 ? -1 : find(b, id);
  if (i < 0) return L6_BOOK_NOT_FOUND;
  if (new_qty <= 0 || new_qty > L6_BOOK_MAX_QTY || new_price <= 0 || new_price > L6_BOOK_MAX_PRICE)
    return L6_BOOK_BAD_ORDER;
  if (new_price == b->o[i].price && new_qty <= b->o[i].qty) {
    b->o[i].qty = new_qty;
    r.resting = new_qty;
    if (res) *res = r;
    return L6_BOOK_OK;
  }
  if (new_seq <= b->last_seq) return L6_BOOK_BAD_ORDER;
  l6_order o = b->o[i];
  o.seq = new_seq;
  o.price = new_price;
  o.qty = new_qty;
  o.tif = L6_TIF_GTC;
  o.flags = 0;
  /* the room question on the book without the order */
  rb_book w = *b;
  w.o = malloc((b->max_orders + 1) * sizeof *w.o);
  if (w.o == NULL) abort();
  memcpy(w.o, b->o, b->n * sizeof *w.o);
  drop(&w, (size_t)i);
  if (!room(&w, &o)) {
    free(w.o);
    return L6_BOOK_FULL;
  }
  free(b->o);
  *b = w;
  execute(b, &o, 0, fill, ctx, &r);
  if (res) *res = r;
  return L6_BOOK_OK;
}

l6_book_rc rb_restore(rb_book *b, const l6_order *o) {
  if (!ok_order(b, o) || o->tif != L6_TIF_GTC || (o->flags & L6_ORD_MARKET)) return L6_BOOK_BAD_ORDER;
  if (find(b, o->id) >= 0) return L6_BOOK_DUP_ID;
  long m = best_of(b, o->side == L6_BUY ? L6_SELL : L6_BUY);
  if (m >= 0 && crosses(o->side, false, o->price, b->o[m].price)) return L6_BOOK_BAD_ORDER;
  if (b->n >= b->max_orders ||
      (!level_exists(b, o->side, o->price, 0) && levels(b, o->side) >= b->max_levels))
    return L6_BOOK_FULL;
  b->last_seq = o->seq;
  b->o[b->n++] = *o;
  return L6_BOOK_OK;
}

static int cmp_each(const void *pa, const void *pb) {
  const l6_order *a = pa, *b = pb;
  if (a->side != b->side) return a->side == L6_BUY ? -1 : 1;
  if (a->price != b->price) {
    bool better = a->side == L6_BUY ? a->price > b->price : a->price < b->price;
    return better ? -1 : 1;
  }
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t rb_sorted(const rb_book *b, l6_order *out) {
  memcpy(out, b->o, b->n * sizeof *out);
  qsort(out, b->n, sizeof *out, cmp_each);
  for (size_t i = 0; i < b->n; i++) out[i].tif = L6_TIF_GTC;
  return b->n;
}
