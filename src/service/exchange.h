/*
 * exchange.h -- the exchange's use cases (issue 6): instruments, cash
 * accounts, orders matched in an in-memory book per instrument
 * (src/core/book.h) and settled delivery-versus-payment in the store
 * transaction that records them, and public market data. docs/DESIGN.md,
 * "The exchange", explains reservation, settlement and restart.
 *
 * Like service.h: each call checks the role, runs in one store
 * transaction under the service mutex, and returns a jansson value.
 * Roles: the operator is admin (instruments, deposits, withdrawals,
 * cancelling any order); members are holders trading from their own
 * organisation's accounts; auditors read cash and orders; market data is
 * public.
 */
#ifndef L6_EXCHANGE_H
#define L6_EXCHANGE_H

#include "service.h"

/* POST /v1/exchange/instruments. x->escrow, created and status are set
 * by the service (an org-less trading account of x->registry becomes the
 * escrow of sellers' reserved units). */
l6_err svc_ex_instrument_create(l6_svc *s, const l6_actor *a, const l6_ex_instrument *x, json_t **out,
                                l6_error *err);
/* The same with a standard contract's further criteria (crit.h): all its
 * unit types (x->unit_type may then be ""), programmes, labels and CORSIA
 * phase. crit NULL: none. */
l6_err svc_ex_instrument_create_crit(l6_svc *s, const l6_actor *a, const l6_ex_instrument *x, const l6_crit *crit,
                                     json_t **out, l6_error *err);
l6_err svc_ex_instrument_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* status "open", "halted" or "closed". */
l6_err svc_ex_instrument_status(l6_svc *s, const l6_actor *a, const char *code, const char *status, json_t **out,
                                l6_error *err);

/* Deposit (amount > 0) or withdrawal of a member's cash; balances never
 * go negative (INSUFFICIENT_CASH). org 0 is the operator's fee account. */
l6_err svc_ex_cash(l6_svc *s, const l6_actor *a, l6_id org, const char *currency, int64_t amount, bool deposit,
                   json_t **out, l6_error *err);
/* Holders: their organisation's cash; admin and auditor: everyone's. */
l6_err svc_ex_cash_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

typedef struct {
  char instrument[L6_CODE_MAX + 1];
  l6_id account;       /* the member's holding or trading account */
  char side[8];        /* buy | sell */
  char type[8];        /* limit | market */
  char tif[8];         /* gtc | ioc | fok ("" = gtc for limit, ioc for market) */
  bool post_only;
  int64_t price;       /* minor units per tonne (limit orders) */
  int64_t qty;         /* tonnes */
  l6_idem idem;        /* Idempotency-Key: the same order again gets the first reply */
} l6_ex_order_req;

/* Order entry: validates, reserves (seller's units into escrow, buyer's
 * cash), matches, settles every fill, and commits it all at once. */
l6_err svc_ex_order(l6_svc *s, const l6_actor *a, const l6_ex_order_req *r, json_t **out, l6_error *err);
/* The same, telling whether *out is the stored reply of an earlier
 * request under r->idem (nothing was done again). */
l6_err svc_ex_order_idem(l6_svc *s, const l6_actor *a, const l6_ex_order_req *r, json_t **out, bool *replayed,
                         l6_error *err);
/* Cancels the rest of an open order (its owner or admin) and releases its
 * reservation. */
l6_err svc_ex_cancel(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* Cancel/replace: a new price and/or quantity (the new total; at least
 * what is already filled + 1). Same price and no more quantity keeps time
 * priority; otherwise it is lost and the order may trade. */
l6_err svc_ex_replace(l6_svc *s, const l6_actor *a, l6_id id, int64_t price, int64_t qty, json_t **out,
                      l6_error *err);
/* Holders: their organisation's orders; admin/auditor: all. */
l6_err svc_ex_order_list(l6_svc *s, const l6_actor *a, bool open_only, json_t **out, l6_error *err);

/* Block agreement transfer (instrument mode "block"): a member quotes a
 * price and quantity to one counterparty organisation (its units or
 * cash reserved as for an order); only that organisation may accept it,
 * whole, from one of its accounts, which settles at once (the quote is
 * the maker, the acceptance the taker). Both pass the instrument's
 * status, session, tick, lot, size and price limit checks; a quote is
 * cancelled like an order. */
typedef struct {
  char instrument[L6_CODE_MAX + 1];
  l6_id account;
  char side[8];        /* buy | sell */
  int64_t price, qty;
  l6_id counterparty;  /* the organisation that may accept */
} l6_ex_quote_req;
l6_err svc_ex_quote(l6_svc *s, const l6_actor *a, const l6_ex_quote_req *r, json_t **out, l6_error *err);
l6_err svc_ex_accept(l6_svc *s, const l6_actor *a, l6_id quote, l6_id account, json_t **out, l6_error *err);

/* Runs the auction of a sealed-bid instrument (mode "primary": the
 * primary allowance auction, uniform clearing price, bids below the
 * reserve rejected, pro rata at the margin; mode "one-way": one seller's
 * lot, bids from the floor price up, each winner paying its own bid):
 * supply tonnes come from from_account (the scheme's auction account, or
 * the one-way seller's), every open bid is allocated (src/core/auction.h),
 * settled (units to the bidder's account, cash from its reservation to
 * proceeds_org, e.g. the regulator; no fees) and closed, releasing what it
 * did not use. Admin only. */
l6_err svc_ex_auction(l6_svc *s, const l6_actor *a, const char *code, int64_t supply, int64_t reserve,
                      l6_id from_account, l6_id proceeds_org, json_t **out, l6_error *err);

/* Public market data. */
l6_err svc_ex_depth(l6_svc *s, const char *code, int levels, json_t **out, l6_error *err);
l6_err svc_ex_trades(l6_svc *s, const char *code, int limit, json_t **out, l6_error *err);
l6_err svc_ex_bars(l6_svc *s, const char *code, json_t **out, l6_error *err);
/* The day's closing price: VWAP of the day's trades, else the previous close. */
l6_err svc_ex_close(l6_svc *s, const char *code, json_t **out, l6_error *err);

/* Public: per host Party and currency, the price the host side received
 * on the exchange (net of its fees) against the price buyers paid, and the
 * share in basis points (ex_benefit.c; docs/API.md "Benefit sharing"). */
l6_err svc_ex_benefit(l6_svc *s, json_t **out, l6_error *err);

/* Checks the exchange's books against the store and its conservation
 * laws (tests, `ledger6 check`): per currency, cash held + reserved =
 * deposited - withdrawn (fees are the operator's cash); per open order,
 * reservation = what it needs; escrow units = open sell quantity; every
 * book equals a replay of the open orders. INTERNAL with the first
 * violation. */
l6_err svc_ex_check(l6_svc *s, l6_error *err);

/* Market data events: after every committed order, cancel or replace,
 * fn is called (under the service mutex: it must not call the service,
 * and should only queue) with event "trade" for each trade (its public
 * view) and "book" with the instrument's top 10 levels per side. data is
 * borrowed. One listener per service (the HTTP server's stream); NULL
 * removes it. */
typedef void (*l6_ex_listener)(void *ctx, const char *event, const char *instrument, json_t *data);
void svc_ex_set_listener(l6_svc *s, l6_ex_listener fn, void *ctx);

/* The current top levels of an instrument's book as a "book" event's data
 * (what a new stream subscriber gets first). */
l6_err svc_ex_snapshot(l6_svc *s, const char *code, json_t **out, l6_error *err);

/* Drops the in-memory books (svc_close, and tests simulating a restart). */
void svc__ex_free(l6_svc *s);
/* Drops every book and counter (rebuilt from the store at next use): a
 * commit group that held exchange orders failed (txgroup.c). */
void svc__ex_reset(l6_svc *s);

#endif
