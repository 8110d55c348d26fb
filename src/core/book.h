/*
 * book.h -- the order book of one instrument: price-time priority matching
 * in memory. Pure C, no I/O; every order and price level comes from pools
 * sized at l6_book_new, so nothing is allocated while matching.
 *
 * The book knows nothing of cash, units, sessions or price bands: the
 * service checks those before it calls in, persists what the book reports
 * (fills, resting orders) in the same store transaction, and rebuilds a
 * book from the store (l6_book_restore, in seq order) after a restart or a
 * failed transaction. tests/testlib_refbook.c is a naive reference with the same
 * semantics; seeded random streams must give identical fills and books.
 *
 * Prices are integers in ticks of minor currency units (the caller checks
 * tick and lot sizes), quantities are whole tonnes.
 */
#ifndef L6_BOOK_H
#define L6_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"

/* Bounds checked by submit/replace/restore (BAD_ORDER above them):
 * L6_BOOK_MAX_QTY and L6_BOOK_MAX_PRICE in src/limits.h. */

typedef enum { L6_BUY = 0, L6_SELL = 1 } l6_side;

typedef enum {
  L6_TIF_GTC = 0, /* rests until filled or cancelled */
  L6_TIF_IOC = 1, /* fill what crosses now, cancel the rest */
  L6_TIF_FOK = 2  /* fill the whole quantity now or do nothing */
} l6_tif;

enum {
  L6_ORD_POST_ONLY = 1u << 0, /* refused (nothing changes) if it would cross on entry */
  L6_ORD_MARKET = 1u << 1     /* no price limit; must be IOC or FOK */
};

typedef struct {
  uint64_t id;    /* unique in the book, assigned by the caller, > 0 */
  uint64_t seq;   /* time priority: lower goes first; strictly increasing
                     across submits and priority-losing replaces */
  uint64_t owner; /* member; two orders of one owner never trade (STP) */
  l6_side side;
  l6_tif tif;
  unsigned flags; /* L6_ORD_* */
  int64_t price;  /* limit, > 0 (ignored with L6_ORD_MARKET) */
  int64_t qty;    /* remaining quantity, > 0 */
} l6_order;

/* One trade: always at the resting (maker) order's price. */
typedef struct {
  uint64_t maker_id, maker_owner;
  uint64_t taker_id, taker_owner;
  l6_side taker_side;
  int64_t price;
  int64_t qty;
  int64_t maker_left; /* maker's remaining quantity after this fill (0: gone from the book) */
} l6_fill;

/* Called once per fill, in execution order, while the book is being
 * changed: it must not call back into the book. */
typedef void (*l6_fill_fn)(void *ctx, const l6_fill *fill);

typedef enum {
  L6_BOOK_OK = 0,          /* accepted; see l6_submit_result */
  L6_BOOK_FULL = 1,        /* order pool exhausted: nothing changed */
  L6_BOOK_DUP_ID = 2,      /* id already in the book: nothing changed */
  L6_BOOK_BAD_ORDER = 3,   /* qty/price/tif/flags invalid, or seq not above the last: nothing changed */
  L6_BOOK_WOULD_CROSS = 4, /* post-only order would have traded: nothing changed */
  L6_BOOK_FOK_KILLED = 5,  /* fill-or-kill could not fill completely: nothing changed */
  L6_BOOK_NOT_FOUND = 6    /* no resting order with that id */
} l6_book_rc;

typedef struct {
  int64_t filled;    /* quantity traded by the incoming order */
  int64_t resting;   /* quantity left resting in the book (GTC only) */
  int64_t cancelled; /* quantity dropped: IOC/market remainder, or self-trade prevention */
  bool stp;          /* matching stopped at an order of the same owner: the incoming
                        (newest) order's remainder was cancelled, the resting one stays */
} l6_submit_result;

typedef struct l6_book l6_book;

/* A book holding at most max_orders resting orders and max_levels price
 * levels per side (each 1..L6_BOOK_MAX_ORDERS; NULL otherwise). Every page
 * is allocated and written here. NULL when out of memory. */
l6_book *l6_book_new(size_t max_orders, size_t max_levels);
void l6_book_free(l6_book *b);

/* Details fixed by the implementation (tests/testlib_refbook.c has the same):
 *   - BAD_ORDER: id 0, qty outside 1..L6_BOOK_MAX_QTY, price outside
 *     1..L6_BOOK_MAX_PRICE (unless market), unknown side/tif/flags, market
 *     with GTC, post-only with IOC/FOK, seq not above l6_book_last_seq.
 *     Checks run in this order: BAD_ORDER, DUP_ID, WOULD_CROSS, FOK_KILLED, FULL.
 *   - WOULD_CROSS: the limit crosses the best opposite price (even if that
 *     order belongs to the same owner).
 *   - FULL: only when a GTC remainder would actually rest and there is no
 *     room for it: the pool is still full after the makers this order
 *     consumes are freed, or its price needs a new level on a side that
 *     already has max_levels. A refused order changes nothing.
 *   - Refused calls do not advance last_seq; accepted ones (including an IOC
 *     that trades nothing) do.
 *   - FOK: the dry run stops where STP would, so a FOK that would meet its
 *     own owner's order before filling completely is killed (never stp). */
/* Matches o against the book (best price first, then lowest seq), calls
 * fill for each trade, rests the GTC remainder. FOK and post-only are
 * decided before anything changes. Self-trade prevention: when the next
 * order to trade with belongs to o->owner, matching stops and o's remainder
 * is cancelled (fills already done stand). */
l6_book_rc l6_book_submit(l6_book *b, const l6_order *o, l6_fill_fn fill, void *ctx,
                          l6_submit_result *res);

/* Removes a resting order; *left gets its remaining quantity. */
l6_book_rc l6_book_cancel(l6_book *b, uint64_t id, int64_t *left);

/* Cancel/replace. Same price and a quantity not above the remaining one:
 * the order keeps its priority (new_seq ignored). Otherwise it loses it:
 * it is removed and submitted again as GTC with new_seq, trading if it now
 * crosses (fills reported as for submit). new_qty > 0.
 * Order of checks: NOT_FOUND, BAD_ORDER (price/qty bounds, then new_seq not
 * above the last when priority is lost), FULL (as for submit, counting the
 * room the order itself frees). A priority-losing replace drops the
 * post-only flag (the order is a plain GTC limit, it may trade) and STP
 * applies as for submit (the replaced order is the newest). */
l6_book_rc l6_book_replace(l6_book *b, uint64_t id, int64_t new_price, int64_t new_qty,
                           uint64_t new_seq, l6_fill_fn fill, void *ctx, l6_submit_result *res);

/* Puts a resting order back exactly as stored (no matching): for rebuilding
 * a book from the store in seq order. BAD_ORDER if it would cross the book. */
l6_book_rc l6_book_restore(l6_book *b, const l6_order *o);

/* The resting order with that id, or false. */
bool l6_book_get(const l6_book *b, uint64_t id, l6_order *out);

typedef struct {
  int64_t price;
  int64_t qty;   /* total resting quantity at this price */
  uint32_t count; /* orders at this price */
} l6_level;

/* Up to max levels of one side, best first; returns how many were written. */
size_t l6_book_depth(const l6_book *b, l6_side side, l6_level *out, size_t max);

/* Best price of a side; false when that side is empty. */
bool l6_book_best(const l6_book *b, l6_side side, int64_t *price);

/* Every resting order, side by side (bids then asks), best price first,
 * then seq; stops early when fn returns false. */
void l6_book_each(const l6_book *b, bool (*fn)(void *ctx, const l6_order *o), void *ctx);

size_t l6_book_count(const l6_book *b);

/* The highest seq accepted so far (submit, priority-losing replace, restore);
 * 0 for a new book. */
uint64_t l6_book_last_seq(const l6_book *b);

/* Checks every internal invariant (levels sorted, totals and counts agree,
 * no crossed book, seq order within levels); false with *why set if broken. */
bool l6_book_check(const l6_book *b, const char **why);

#endif
