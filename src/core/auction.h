/*
 * auction.h -- the arithmetic of the exchange's auctions and closing price.
 * Pure: no I/O, no allocation (callers pass scratch arrays), integers only.
 *
 * Prices are minor currency units and multiples of the instrument's tick;
 * quantities are whole tonnes. Inputs are bounded so that every product
 * fits: quantities <= L6_AUC_MAX_QTY, prices <= L6_AUC_MAX_PRICE, so any
 * price x quantity and any proceeds stay below 10^18; at most
 * L6_AUC_MAX_ORDERS entries, so volume sums stay below 10^17 (pro-rata
 * products and VWAP sums are computed in 128-bit integers).
 *
 * Every function refuses bad input with L6_AUC_BAD (nothing written but
 * zeroed outputs): a quantity <= 0 or above the bound, a limit price <= 0,
 * above the bound or not a multiple of the tick, tick <= 0, a duplicated id
 * or seq, too many entries.
 */
#ifndef L6_AUCTION_H
#define L6_AUCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"
#include "book.h" /* l6_side */

/* L6_AUC_MAX_QTY (10^11 t), L6_AUC_MAX_PRICE (10^7) and L6_AUC_MAX_ORDERS
 * (10^6) are in src/limits.h. */

typedef enum {
  L6_AUC_OK = 0,
  L6_AUC_BAD = 1,       /* invalid input: nothing allocated */
  L6_AUC_NO_TRADE = 2   /* valid, but nothing can trade (outputs zeroed) */
} l6_auc_rc;

/* ---- (a), (b) call auction (opening auction of a session) --------------- */

typedef struct {
  uint64_t id;   /* unique in the call */
  uint64_t seq;  /* time priority: lower first (unique) */
  l6_side side;
  bool market;   /* no limit: executable at any price, served first */
  int64_t price; /* limit (ignored when market) */
  int64_t qty;
} l6_auc_order;

typedef struct {
  int64_t price;     /* the uniform clearing price */
  int64_t volume;    /* executable volume at that price = min(buy_qty, sell_qty) */
  int64_t buy_qty;   /* buy quantity executable at price (market + limit >= price) */
  int64_t sell_qty;  /* sell quantity executable at price (market + limit <= price) */
  int64_t imbalance; /* |buy_qty - sell_qty| */
} l6_uncross;

/* The equilibrium price: of every price on the tick grid (1..L6_AUC_MAX_PRICE),
 * the one that has, in order:
 *   1. maximum executable volume;
 *   2. minimum imbalance;
 *   3. the smallest distance to the reference price rounded to the nearest
 *      tick, halves up (ref_price <= 0: no reference, rule skipped);
 *   4. the lower price (deterministic final tie-break: it favours buyers,
 *      like a seller accepting the lowest price that clears the volume).
 * Volume and imbalance are constant strictly between two neighbouring limit
 * prices, so only the limit prices and one grid point per gap (the one
 * closest to the reference, or the gap's lowest) need scoring; the tests
 * check the result by brute force over every tick in range.
 * Cost O(n * distinct prices) and the duplicate check O(n^2): meant for
 * the few thousand orders of an opening auction.
 * With only market orders the price is the rounded reference price
 * (NO_TRADE when there is none). NO_TRADE when the maximum volume is 0. */
l6_auc_rc l6_auction_uncross(const l6_auc_order *orders, size_t n, int64_t ref_price, int64_t tick,
                             l6_uncross *out);

/* Allocation at the uniform price u->price: the side with less executable
 * quantity is filled completely; the other side is served in priority
 * order (market orders first, then better limit price, then lower seq)
 * until u->volume is used up, so at most one order is partly filled.
 * Orders not executable at the price get 0. filled[i] is the quantity
 * order i trades (at u->price); scratch holds n indices.
 * Invariants (tested): per side, sum(filled) == u->volume; filled[i] <= qty. */
l6_auc_rc l6_auction_allocate(const l6_auc_order *orders, size_t n, const l6_uncross *u,
                              int64_t *filled, size_t *scratch);

/* ---- (c), (d) auctions on sealed bids ----------------------------------- */

typedef struct {
  uint64_t id;   /* unique in the auction */
  uint64_t seq;  /* submission time: lower first (unique) */
  int64_t price; /* the most the bidder pays per tonne */
  int64_t qty;   /* tonnes wanted */
} l6_bid;

typedef struct {
  int64_t price;  /* clearing price (primary) or lowest winning price (one-way); 0 if none */
  int64_t sold;   /* tonnes allocated in all */
  int64_t unsold; /* supply - sold */
  int64_t proceeds; /* sum of alloc[i] * price paid (uniform price or own bid) */
} l6_auc_result;

/* Sealed-bid primary allowance auction (uniform price). Bids below
 * reserve are rejected (get 0). The others are sorted by price, highest
 * first; the clearing price is the price of the lowest accepted bid: the
 * price at which the cumulative demand first reaches supply, or, when all
 * valid demand is below supply, the lowest valid bid price (the rest is
 * unsold). Everyone pays the clearing price. Bids above it are filled in
 * full; the bids AT it share what remains pro rata to their quantity in
 * whole lots: each gets floor(remaining_lots * bid_lots / margin_lots) lots,
 * and the lots left over go one each by largest remainder, ties to the
 * earlier bid (lower seq). supply, reserve > 0 and every bid quantity must
 * be multiples of lot (> 0). NO_TRADE when no bid reaches the reserve. */
l6_auc_rc l6_auction_primary(const l6_bid *bids, size_t n, int64_t supply, int64_t reserve,
                             int64_t lot, int64_t tick, int64_t *alloc, size_t *scratch,
                             l6_auc_result *out);

/* One-way bidding (China ETS): one seller offers lot_qty tonnes with a
 * floor price; bids below the floor are rejected. Allocation by price
 * (highest first) then time (lower seq); each winning bid gets
 * min(its qty, what is left), so only the last winner may be partly
 * filled, and each winning bid trades at ITS OWN price (pay-as-bid:
 * proceeds = sum alloc[i] * bids[i].price; out->price = the lowest winning
 * price). NO_TRADE when no bid reaches the floor. */
l6_auc_rc l6_auction_oneway(const l6_bid *bids, size_t n, int64_t lot_qty, int64_t floor_price,
                            int64_t tick, int64_t *alloc, size_t *scratch, l6_auc_result *out);

/* ---- (e) closing price --------------------------------------------------- */

typedef struct {
  int64_t price;
  int64_t qty;
} l6_px_qty;

/* Closing price: the volume-weighted average price of the day's listed
 * trades, sum(price * qty) / sum(qty), rounded to the NEAREST tick, halves
 * up (so it is always a valid price on the grid, between the day's low and
 * high); with no trade (n == 0), prev_close. *close gets the result. */
l6_auc_rc l6_auction_close(const l6_px_qty *trades, size_t n, int64_t prev_close, int64_t tick,
                           int64_t *close);

#endif
