/*
 * exchange.c -- the exchange's use cases (exchange.h; docs/DESIGN.md,
 * "The exchange"). Matching is the core's order book (src/core/book.h);
 * this file validates, reserves, settles and persists around it.
 *
 * Books live in memory, one per instrument, built lazily from the store's
 * open orders (l6_book_restore in seq order) and rebuilt whenever a store
 * transaction that changed one fails, so memory never disagrees with the
 * store. Book prices are in ticks (price / tick), quantities in tonnes.
 */
#include "exchange.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/auction.h"
#include "../core/book.h"
#include "a6.h"
#include "crit.h"
#include "service_int.h"
#include "tlog.h"
#include "views.h"

/* Sums of price x quantity over many trades (GCC/Clang extension). */
__extension__ typedef __int128 i128;

#define ST (s->st)
#define OPS (s->st->ops)

typedef struct {
  char code[L6_CODE_MAX + 1];
  l6_book *book;        /* NULL until first used */
  int64_t tick;         /* the instrument's tick (book prices are in ticks) */
  int calls;            /* open orders of the opening call (tif "call", not in the book) */
  char ref_day[11];     /* the trading day ref_price is for */
  int64_t ref_price;    /* previous close for ref_day (0: none) */
} ex_book;

struct ex_state {
  ex_book books[L6_EX_MAX_INSTRUMENTS];
  size_t n;
  bool counters;        /* next_id/next_seq loaded */
  int64_t next_id, next_seq;
  l6_ex_listener listener; /* market data events (svc_ex_set_listener), or NULL */
  void *listener_ctx;
};

void svc_ex_set_listener(l6_svc *s, l6_ex_listener fn, void *ctx) {
  svc__lock(s);
  if (s->ex == NULL) s->ex = calloc(1, sizeof *s->ex);
  if (s->ex) {
    s->ex->listener = fn;
    s->ex->listener_ctx = ctx;
  }
  svc__unlock(s);
}

void svc__ex_free(l6_svc *s) {
  if (s->ex == NULL) return;
  for (size_t i = 0; i < s->ex->n; i++) l6_book_free(s->ex->books[i].book);
  free(s->ex);
  s->ex = NULL;
}

/* ---- small helpers ---------------------------------------------------- */

static l6_err need(const l6_actor *a, bool admin, bool auditor, bool holder, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((a->role == L6_ROLE_ADMIN && admin) || (a->role == L6_ROLE_AUDITOR && auditor) ||
      (a->role == L6_ROLE_HOLDER && holder))
    return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
}

/* Fee in basis points, rounded down (so the fees of the parts of a fill
 * never exceed the fee reserved for the whole). */
static int64_t fee(int64_t notional, int bps) {
  assert(notional >= 0 && bps >= 0 && bps <= 10000);
  return (notional / 10000) * bps + (notional % 10000) * bps / 10000;
}

static int max_bps(const l6_ex_instrument *x) { return x->maker_bps > x->taker_bps ? x->maker_bps : x->taker_bps; }

/* Cash a limit buy of qty at price needs reserved. */
static int64_t buy_need(const l6_ex_instrument *x, int64_t price, int64_t qty) {
  return price * qty + fee(price * qty, max_bps(x));
}

/* Trading day (YYYY-MM-DD) and minute of the day in the instrument's zone. */
static void local_time(l6_svc *s, const l6_ex_instrument *x, char day[11], int *minute) {
  int64_t ms = svc__now_ms(s) + (int64_t)x->tz_offset * 60000;
  char ts[32];
  view_iso_time(ms, ts);
  snprintf(day, 11, "%.10s", ts);
  int64_t m = (ms / 60000) % 1440;
  if (m < 0) m += 1440;
  if (minute) *minute = (int)m;
}

/* Parses "HH:MM-HH:MM[,...]" into minute pairs; false when malformed. */
static bool parse_sessions(const char *txt, int (*out)[2], int *n) {
  *n = 0;
  const char *p = txt;
  while (*p) {
    int h1, m1, h2, m2, used = 0;
    if (*n == L6_EX_MAX_SESSIONS) return false;
    if (sscanf(p, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 || used != 11) return false;
    if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return false;
    int a = h1 * 60 + m1, b = h2 * 60 + m2;
    if (b <= a || (*n > 0 && a < out[*n - 1][1])) return false;
    out[*n][0] = a;
    out[*n][1] = b;
    (*n)++;
    p += used;
    if (*p == ',') p++;
    else if (*p) return false;
  }
  return true;
}

static bool in_session(const l6_ex_instrument *x, int minute) {
  int ses[L6_EX_MAX_SESSIONS][2], n;
  if (x->sessions[0] == '\0') return true;
  if (!parse_sessions(x->sessions, ses, &n)) return false;
  for (int i = 0; i < n; i++)
    if (minute >= ses[i][0] && minute < ses[i][1]) return true;
  return false;
}

/* Sealed-bid instruments (primary allowance auction, one-way bidding):
 * their orders are bids kept in the store, never in a book. */
static bool sealed(const l6_ex_instrument *x) { return strcmp(x->mode, "primary") == 0 || strcmp(x->mode, "one-way") == 0; }
/* Block agreement transfer: quotes to one counterparty, accepted whole. */
static bool block(const l6_ex_instrument *x) { return strcmp(x->mode, "block") == 0; }
/* Instruments whose open orders are never in a book. */
static bool offbook(const l6_ex_instrument *x) { return sealed(x) || block(x); }

/* ---- views -------------------------------------------------------------- */

static json_t *v_instrument(const l6_ex_instrument *x) {
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:s, s:I, s:s, s:i, s:I, s:I, s:I, s:I, s:i,"
                        " s:s, s:i, s:s, s:s, s:I, s:i, s:i, s:b, s:s}",
                        "code", x->code, "name", x->name, "kind", x->kind, "unit_type", x->unit_type, "project",
                        x->project, "vintage_from", x->vintage_from, "vintage_to", x->vintage_to, "batch",
                        (json_int_t)x->batch, "registry", x->registry, "escrow_account", (json_int_t)x->escrow,
                        "currency", x->currency, "minor_units", x->minor_units, "tick", (json_int_t)x->tick, "lot",
                        (json_int_t)x->lot, "min_qty", (json_int_t)x->min_qty, "max_qty", (json_int_t)x->max_qty,
                        "band_pct", x->band_pct, "sessions", x->sessions, "tz_offset_minutes", x->tz_offset, "status",
                        x->status, "mode", x->mode, "prev_close", (json_int_t)x->prev_close, "maker_bps", x->maker_bps,
                        "taker_bps", x->taker_bps, "no_same_day_resale", x->no_same_day_resale, "created", x->created);
  if (o) json_object_set_new(o, "call_minutes", json_integer(x->call_minutes));
  return o;
}

static json_t *v_order(const l6_ex_order *o) {
  return json_pack("{s:I, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "id",
                   (json_int_t)o->id, "instrument", o->instrument, "seq", (json_int_t)o->seq, "org", (json_int_t)o->org,
                   "account", (json_int_t)o->account, "side", o->side, "type", o->type, "tif", o->tif, "post_only",
                   o->post_only, "price", (json_int_t)o->price, "qty", (json_int_t)o->qty, "remaining",
                   (json_int_t)o->remaining, "reserved_cash", (json_int_t)o->reserved, "status", o->status, "day",
                   o->day, "ts", o->ts);
}

static json_t *v_trade(const l6_ex_trade *t, bool private_view) {
  json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)t->id, "instrument", t->instrument,
                        "price", (json_int_t)t->price, "qty", (json_int_t)t->qty, "taker_side", t->taker_side, "day",
                        t->day, "ts", t->ts);
  if (o && private_view) {
    json_object_set_new(o, "buy_order", json_integer(t->buy_order));
    json_object_set_new(o, "sell_order", json_integer(t->sell_order));
    json_object_set_new(o, "buyer_fee", json_integer(t->buyer_fee));
    json_object_set_new(o, "seller_fee", json_integer(t->seller_fee));
  }
  return o;
}

static json_t *v_cash(const l6_ex_cash *c) {
  return json_pack("{s:I, s:s, s:I, s:I}", "org", (json_int_t)c->org, "currency", c->currency, "balance",
                   (json_int_t)c->balance, "reserved", (json_int_t)c->reserved);
}

/* ---- books in memory -------------------------------------------------- */

static l6_err state(l6_svc *s, l6_error *err) {
  if (s->ex == NULL && (s->ex = calloc(1, sizeof *s->ex)) == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  if (!s->ex->counters) {
    int64_t id, seq;
    l6_err e = OPS->ex_order_max(ST, &id, &seq, err);
    if (e != L6_E_OK) return e;
    s->ex->next_id = id + 1;
    s->ex->next_seq = seq + 1;
    s->ex->counters = true;
  }
  return L6_E_OK;
}

typedef struct {
  l6_book *b;
  const l6_ex_instrument *x;
  l6_err e;
  l6_error *err;
  int calls;
} restore_ctx;

static int restore_row(void *ctx, const void *row) {
  restore_ctx *c = ctx;
  const l6_ex_order *o = row;
  if (strcmp(o->tif, "call") == 0) { /* waits for the opening auction, outside the book */
    c->calls++;
    return 0;
  }
  l6_order bo = {.id = (uint64_t)o->id, .seq = (uint64_t)o->seq, .owner = (uint64_t)o->org,
                 .side = strcmp(o->side, "buy") == 0 ? L6_BUY : L6_SELL, .tif = L6_TIF_GTC,
                 .flags = o->post_only ? L6_ORD_POST_ONLY : 0, .price = o->price / c->x->tick, .qty = o->remaining};
  l6_book_rc rc = l6_book_restore(c->b, &bo);
  if (rc != L6_BOOK_OK) {
    c->e = l6_fail(c->err, L6_E_INTERNAL, "order %lld of %s cannot be put back in its book (%d)", (long long)o->id,
                   o->instrument, (int)rc);
    return 1;
  }
  return 0;
}

/* Builds the book of x from the store's open orders (replacing any). */
static l6_err book_load(l6_svc *s, ex_book *eb, const l6_ex_instrument *x, l6_error *err) {
  l6_book_free(eb->book);
  eb->book = l6_book_new(L6_EX_MAX_ORDERS, L6_EX_MAX_LEVELS);
  if (eb->book == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  eb->ref_day[0] = '\0';
  restore_ctx c = {eb->book, x, L6_E_OK, err, 0};
  l6_err e = offbook(x) ? L6_E_OK : OPS->ex_order_list(ST, x->code, 0, true, restore_row, &c, err);
  eb->calls = c.calls;
  if (e == L6_E_OK) e = c.e;
  if (e != L6_E_OK) {
    l6_book_free(eb->book);
    eb->book = NULL;
  }
  return e;
}

/* The book of instrument x, loaded when first asked for. */
static l6_err book_of(l6_svc *s, const l6_ex_instrument *x, ex_book **out, l6_error *err) {
  l6_err e = state(s, err);
  if (e != L6_E_OK) return e;
  ex_book *eb = NULL;
  for (size_t i = 0; i < s->ex->n && eb == NULL; i++)
    if (strcmp(s->ex->books[i].code, x->code) == 0) eb = &s->ex->books[i];
  if (eb == NULL) {
    if (s->ex->n == L6_EX_MAX_INSTRUMENTS)
      return l6_fail(err, L6_E_BOOK_FULL, "at most %d instruments are traded", L6_EX_MAX_INSTRUMENTS);
    eb = &s->ex->books[s->ex->n++];
    memset(eb, 0, sizeof *eb);
    snprintf(eb->code, sizeof eb->code, "%s", x->code);
  }
  eb->tick = x->tick;
  if (eb->book == NULL && (e = book_load(s, eb, x, err)) != L6_E_OK) return e;
  *out = eb;
  return L6_E_OK;
}

/* After a failed transaction that touched eb's book: put it back as the
 * store has it (the rollback already happened). */
static void book_reset(l6_svc *s, ex_book *eb) {
  if (eb == NULL) return;
  l6_book_free(eb->book);
  eb->book = NULL; /* rebuilt from the store at next use */
  eb->ref_day[0] = '\0';
  s->ex->counters = false;
}

/* The trades of one day, for the closing price (l6_auction_close: the
 * VWAP rounded to the nearest tick, halves up). */
typedef struct {
  l6_px_qty *v;
  size_t n, cap;
  bool nomem;
} day_trades;

static void day_add(day_trades *d, const l6_ex_trade *t) {
  l6_px_qty *nv = svc__grow(d->v, d->n, &d->cap, sizeof *nv, 64);
  if (nv == NULL) {
    d->nomem = true;
    return;
  }
  d->v = nv;
  d->v[d->n++] = (l6_px_qty){t->price, t->qty};
}

/* Closing price of a day's trades, else prev. */
static int64_t day_close(const day_trades *d, int64_t prev, int64_t tick) {
  int64_t close = prev;
  if (d->n > 0 && l6_auction_close(d->v, d->n, prev > 0 ? prev : tick, tick, &close) != L6_AUC_OK) close = prev;
  return close;
}

/* Previous close for today: the closing price of the last earlier day
 * with trades, else the listing's prev_close. Cached per trading day. */
typedef struct {
  const char *today;
  char day[11];
  day_trades d;
  int64_t tick, last_close;
} ref_ctx;

static int ref_row(void *ctx, const void *row) {
  ref_ctx *c = ctx;
  const l6_ex_trade *t = row;
  if (strcmp(t->day, c->today) >= 0) return 1;
  if (strcmp(t->day, c->day) != 0) {
    if (c->d.n > 0) c->last_close = day_close(&c->d, c->last_close, c->tick);
    snprintf(c->day, sizeof c->day, "%s", t->day);
    c->d.n = 0;
  }
  day_add(&c->d, t);
  return 0;
}

static l6_err ref_price(l6_svc *s, ex_book *eb, const l6_ex_instrument *x, const char *today, int64_t *out,
                        l6_error *err) {
  if (strcmp(eb->ref_day, today) != 0) {
    ref_ctx c = {.today = today, .tick = x->tick, .last_close = x->prev_close};
    l6_err e = OPS->ex_trade_list(ST, x->code, "", false, 0, ref_row, &c, err);
    if (e == L6_E_OK && c.d.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (c.d.n > 0) c.last_close = day_close(&c.d, c.last_close, c.tick);
    free(c.d.v);
    if (e != L6_E_OK) return e;
    eb->ref_price = c.last_close;
    snprintf(eb->ref_day, sizeof eb->ref_day, "%s", today);
  }
  *out = eb->ref_price;
  return L6_E_OK;
}

/* ---- units: eligible blocks, moved with a ledger transaction ---------- */

typedef struct {
  const l6_ex_instrument *x;
  l6_block *blocks;
  size_t n, cap;
  int64_t need, have;
} pick_ctx;

static bool eligible(const l6_ex_instrument *x, const l6_block *b) {
  if (x->batch > 0) return b->batch == x->batch;
  if (x->vintage_from && b->vintage < x->vintage_from) return false;
  if (x->vintage_to && b->vintage > x->vintage_to) return false;
  return true;
}

static int pick_row(void *ctx, const void *row) {
  pick_ctx *c = ctx;
  const l6_block *b = row;
  if (!eligible(c->x, b)) return 0;
  if (c->need > 0 && c->have >= c->need) return 1;
  l6_block *nb = svc__grow(c->blocks, c->n, &c->cap, sizeof *nb, 16);
  if (nb == NULL) return 1;
  c->blocks = nb;
  c->blocks[c->n++] = *b;
  c->have += l6_range_qty(b->first, b->last);
  return 0;
}

/* Eligible sub-ranges of a block (crit__eligible), appended to c; under
 * the same-day resale rule (since != NULL) less the serials that trades
 * delivered since the start of the trading day. */
typedef struct {
  l6_svc *s;
  pick_ctx *c;
  const l6_block *b;
  const char *since;   /* start of the trading day (UTC), or NULL: no rule */
  int64_t fresh;       /* units left out as bought today */
  bool nomem;
  l6_err e;            /* a failed store read, else OK */
  l6_error *err;
} sub_ctx;

static void add_range(sub_ctx *u, int64_t lo, int64_t hi) {
  pick_ctx *c = u->c;
  if (u->nomem || (c->need > 0 && c->have >= c->need)) return;
  l6_block *nb = svc__grow(c->blocks, c->n, &c->cap, sizeof *nb, 16);
  if (nb == NULL) {
    u->nomem = true;
    return;
  }
  c->blocks = nb;
  l6_block part = *u->b;
  assert(lo >= part.first && hi <= part.last && lo <= hi);
  part.first = lo;
  part.last = hi;
  c->blocks[c->n++] = part;
  c->have += l6_range_qty(lo, hi);
}

typedef struct {
  int64_t (*r)[2];
  size_t n, cap;
  bool nomem;
} ranges_t;

static int delivered_row(void *ctx, const void *row) {
  ranges_t *d = ctx;
  const l6_tx_line *l = row;
  int64_t (*nr)[2] = svc__grow(d->r, d->n, &d->cap, sizeof *nr, 8);
  if (nr == NULL) {
    d->nomem = true;
    return 1;
  }
  d->r = nr;
  d->r[d->n][0] = l->first;
  d->r[d->n][1] = l->last;
  d->n++;
  return 0;
}

static void sub_range(void *ctx, int64_t lo, int64_t hi) {
  sub_ctx *u = ctx;
  pick_ctx *c = u->c;
  if (u->nomem || u->e != L6_E_OK || (c->need > 0 && c->have >= c->need)) return;
  if (u->since == NULL) {
    add_range(u, lo, hi);
    return;
  }
  /* The gaps between the delivered ranges (by first; they may overlap). */
  ranges_t d = {0};
  u->e = svc_store(u->s)->ops->ex_delivered(svc_store(u->s), u->since, u->b->batch, lo, hi, delivered_row, &d, u->err);
  if (u->e == L6_E_OK && d.nomem) u->nomem = true;
  int64_t cur = lo;
  for (size_t i = 0; u->e == L6_E_OK && !u->nomem && i < d.n && cur <= hi; i++) {
    if (d.r[i][1] < cur) continue;
    int64_t a = d.r[i][0] > cur ? d.r[i][0] : cur, b = d.r[i][1] < hi ? d.r[i][1] : hi;
    if (a > hi) break;
    if (a > cur) add_range(u, cur, a - 1);
    u->fresh += b - a + 1;
    cur = b + 1;
  }
  if (u->e == L6_E_OK && !u->nomem && cur <= hi) add_range(u, cur, hi);
  free(d.r);
}

/* The UTC timestamp at which x's current trading day began. */
static void day_start(l6_svc *s, const l6_ex_instrument *x, char out[32]) {
  int64_t off = (int64_t)x->tz_offset * 60000, ms = svc__now_ms(s) + off, day = 86400000;
  int64_t d = ms / day - (ms % day < 0);
  view_iso_time(d * day - off, out);
}

/* The account's eligible units in picking order (vintage, batch, first),
 * until need_qty (0: all). A standard contract's further criteria (unit
 * types, programmes, labels: crit.h) are evaluated on every account but
 * the instrument's escrow, which holds only units that met them when
 * their order was entered: a label added or a rule changed later never
 * changes what was reserved. So is the same-day resale rule when `rule`
 * (issue 14): on an instrument with no_same_day_resale, serials that an
 * exchange trade (of any instrument, the order book, an auction or a
 * block trade) delivered since the start of the instrument's trading
 * day are not eligible, whoever holds them now; *fresh (when not NULL)
 * counts the units so left out (all of them when need_qty is 0). */
static l6_err pick_rule(l6_svc *s, const l6_ex_instrument *x, l6_id account, int64_t need_qty, bool rule, pick_ctx *c,
                        int64_t *fresh, l6_error *err) {
  *c = (pick_ctx){.x = x, .need = need_qty};
  if (fresh) *fresh = 0;
  l6_pick_filter f = {.account = account};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", x->unit_type);
  snprintf(f.project, sizeof f.project, "%s", x->project);
  l6_crit cr;
  memset(&cr, 0, sizeof cr);
  l6_err e = strcmp(x->kind, "contract") == 0 ? OPS->crit_get(ST, x->code, &cr, err) : L6_E_OK;
  if (e != L6_E_OK) return e;
  /* Any unit type when the contract has several. */
  if (strchr(cr.unit_types, ',')) f.unit_type[0] = '\0';
  bool crit = crit__any(&cr) && account != x->escrow;
  char since[32] = "";
  if (rule && x->no_same_day_resale && account != x->escrow) day_start(s, x, since);
  if (!crit && since[0] == '\0') return OPS->block_pick(ST, &f, 1 << 30, pick_row, c, err);
  /* All candidate blocks first, then their eligible parts. */
  pick_ctx all = {.x = x};
  e = OPS->block_pick(ST, &f, 1 << 30, pick_row, &all, err);
  for (size_t i = 0; e == L6_E_OK && i < all.n && !(need_qty > 0 && c->have >= need_qty); i++) {
    sub_ctx u = {.s = s, .c = c, .b = &all.blocks[i], .since = since[0] ? since : NULL, .e = L6_E_OK, .err = err};
    if (crit) e = crit__eligible(s, &cr, &all.blocks[i], sub_range, &u, err);
    else sub_range(&u, all.blocks[i].first, all.blocks[i].last);
    if (e == L6_E_OK) e = u.e;
    if (e == L6_E_OK && u.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (fresh) *fresh += u.fresh;
  }
  free(all.blocks);
  return e;
}

static l6_err pick(l6_svc *s, const l6_ex_instrument *x, l6_id account, int64_t need_qty, pick_ctx *c,
                   l6_error *err) {
  return pick_rule(s, x, account, need_qty, true, c, NULL, err);
}

/* Eligible units held by account. */
static l6_err units_held(l6_svc *s, const l6_ex_instrument *x, l6_id account, int64_t *out, l6_error *err) {
  pick_ctx c;
  l6_err e = pick(s, x, account, 0, &c, err);
  free(c.blocks);
  *out = c.have;
  return e;
}

/* Moves qty eligible units (oldest vintage first) from -> to in one
 * transfer, logged to the transparency log. */
static l6_err move_units_tx(l6_svc *s, const l6_ex_instrument *x, l6_id from, l6_id to, int64_t qty, const char *actor,
                            l6_id *tx_id, l6_error *err) {
  assert(qty > 0);
  pick_ctx c;
  l6_err e = pick(s, x, from, qty, &c, err);
  if (e == L6_E_OK && c.have < qty)
    e = l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account %lld holds %lld units eligible for %s, %lld needed",
                (long long)from, (long long)c.have, x->code, (long long)qty);
  l6_tx tx = {.kind = L6_TX_TRANSFER, .from_account = from, .to_account = to, .quantity = qty};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", actor);
  snprintf(tx.purpose, sizeof tx.purpose, "exchange %s", x->code);
  if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
  if (e == L6_E_OK && tx_id) *tx_id = tx.id; /* a trade's delivery: the same-day resale rule finds its serials */
  int64_t left = qty;
  l6_take *takes = calloc(c.n ? c.n : 1, sizeof *takes);
  size_t nt = 0;
  if (e == L6_E_OK && takes == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; e == L6_E_OK && i < c.n && left > 0; i++) {
    int64_t n = l6_range_qty(c.blocks[i].first, c.blocks[i].last);
    if (n > left) n = left;
    takes[nt++] = (l6_take){.block = i, .batch = c.blocks[i].batch, .first = c.blocks[i].first,
                            .last = c.blocks[i].first + n - 1};
    left -= n;
  }
  if (e == L6_E_OK) assert(left == 0);
  /* The policy step, as for any move (move.h): Article 6 first transfers
   * and corresponding adjustments of ITMOs among its rules. */
  svc_move_ctx m = {.route = SVC_MOVE_EXCHANGE, .tx = &tx, .takes = takes, .n = nt};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  free(takes);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
  for (size_t i = 0; e == L6_E_OK && svc__check_level(s) >= 2 && i < c.n; i++) e = svc__check_batch(s, c.blocks[i].batch, err);
  free(c.blocks);
  return e;
}

static l6_err move_units(l6_svc *s, const l6_ex_instrument *x, l6_id from, l6_id to, int64_t qty, const char *actor,
                         l6_error *err) {
  return move_units_tx(s, x, from, to, qty, actor, NULL, err);
}

/* ---- cash ------------------------------------------------------------------ */

/* Changes org's balance and reserved by the deltas (neither may go
 * negative) and journals kind with amount. */
static l6_err cash_change(l6_svc *s, l6_id org, const char *cur, int64_t d_balance, int64_t d_reserved, const char *kind,
                          int64_t amount, int64_t ref, l6_error *err) {
  l6_ex_cash c;
  l6_err e = OPS->ex_cash_get(ST, org, cur, &c, err);
  if (e != L6_E_OK) return e;
  if (c.balance + d_balance < 0)
    return l6_fail(err, L6_E_INSUFFICIENT_CASH, "organisation %lld has %lld %s available, %lld needed", (long long)org,
                   (long long)c.balance, cur, (long long)-d_balance);
  assert(c.reserved + d_reserved >= 0);
  c.balance += d_balance;
  c.reserved += d_reserved;
  e = OPS->ex_cash_put(ST, &c, err);
  l6_ex_journal j = {.org = org, .amount = amount, .ref = ref};
  snprintf(j.currency, sizeof j.currency, "%s", cur);
  snprintf(j.kind, sizeof j.kind, "%s", kind);
  svc__timestamp(s, j.ts);
  if (e == L6_E_OK) e = OPS->ex_journal_put(ST, &j, err);
  return e;
}

l6_err svc__ex_cash_pay(l6_svc *s, l6_id from, l6_id to, const char *cur, int64_t amount, int64_t ref, l6_error *err) {
  assert(amount > 0 && from != to);
  l6_err e = cash_change(s, from, cur, -amount, 0, "payment", -amount, ref, err);
  if (e == L6_E_OK) e = cash_change(s, to, cur, amount, 0, "payment", amount, ref, err);
  return e;
}

/* ---- instruments -------------------------------------------------------------- */

static l6_err check_instrument(l6_svc *s, const l6_ex_instrument *x, l6_error *err) {
  int ses[L6_EX_MAX_SESSIONS][2], n;
  if (!l6_valid_code(x->code)) return l6_fail(err, L6_E_INVALID_VALUE, "code must be [A-Z0-9.], at most %d characters", L6_CODE_MAX);
  if (!l6_valid_text(x->name, L6_NAME_MAX) || x->name[0] == '\0')
    return l6_fail(err, L6_E_INVALID_VALUE, "name must be printable text of 1 to %d bytes", L6_NAME_MAX);
  if (strcmp(x->kind, "contract") != 0 && strcmp(x->kind, "batch") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "kind must be contract or batch");
  if (!l6_valid_alpha3(x->currency)) return l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code (EUR)");
  if (x->minor_units < 0 || x->minor_units > 4) return l6_fail(err, L6_E_INVALID_VALUE, "minor_units must be 0 to 4");
  if (x->tick <= 0 || x->tick > L6_EX_MAX_PRICE) return l6_fail(err, L6_E_INVALID_VALUE, "tick must be positive");
  if (x->lot <= 0 || x->lot > L6_EX_MAX_QTY) return l6_fail(err, L6_E_INVALID_VALUE, "lot must be positive");
  if (x->min_qty < 0 || x->max_qty < 0 || (x->max_qty && x->max_qty < x->min_qty))
    return l6_fail(err, L6_E_INVALID_VALUE, "min_qty and max_qty must be 0 (none) or 0 < min_qty <= max_qty");
  if (x->band_pct < 0 || x->band_pct > 100) return l6_fail(err, L6_E_INVALID_VALUE, "band_pct must be 0 to 100");
  if (!parse_sessions(x->sessions, ses, &n))
    return l6_fail(err, L6_E_INVALID_VALUE, "sessions must be like 09:30-11:30,13:00-15:00 (at most %d, in order)",
                   L6_EX_MAX_SESSIONS);
  if (x->tz_offset < -14 * 60 || x->tz_offset > 14 * 60)
    return l6_fail(err, L6_E_INVALID_VALUE, "tz_offset_minutes must be within +-840");
  if (strcmp(x->mode, "continuous") != 0 && strcmp(x->mode, "block") != 0 && !sealed(x))
    return l6_fail(err, L6_E_INVALID_VALUE, "mode must be continuous, block, primary or one-way");
  if (x->call_minutes < 0 || x->call_minutes > 120 || (x->call_minutes && (strcmp(x->mode, "continuous") != 0 || x->sessions[0] == '\0')))
    return l6_fail(err, L6_E_INVALID_VALUE, "call_minutes (0-120) is for continuous instruments with sessions");
  if (sealed(x) && (x->maker_bps || x->taker_bps))
    return l6_fail(err, L6_E_INVALID_VALUE, "auction instruments (primary, one-way) charge no fees");
  if (x->prev_close < 0 || x->prev_close > L6_EX_MAX_PRICE || x->prev_close % x->tick)
    return l6_fail(err, L6_E_INVALID_VALUE, "prev_close must be 0 or a positive multiple of the tick");
  if (x->maker_bps < 0 || x->maker_bps > 1000 || x->taker_bps < 0 || x->taker_bps > 1000)
    return l6_fail(err, L6_E_INVALID_VALUE, "maker_bps and taker_bps must be 0 to 1000");
  return L6_E_OK;
}

l6_err svc_ex_instrument_create(l6_svc *s, const l6_actor *a, const l6_ex_instrument *req, json_t **out,
                                l6_error *err) {
  return svc_ex_instrument_create_crit(s, a, req, NULL, out, err);
}

l6_err svc_ex_instrument_create_crit(l6_svc *s, const l6_actor *a, const l6_ex_instrument *req, const l6_crit *crit,
                                     json_t **out, l6_error *err) {
  *out = NULL;
  l6_crit cr;
  memset(&cr, 0, sizeof cr);
  if (crit) cr = *crit;
  l6_err e = need(a, true, false, false, err);
  if (e == L6_E_OK) e = check_instrument(s, req, err);
  if (e == L6_E_OK && strcmp(req->kind, "batch") == 0 &&
      (cr.unit_types[0] || cr.programmes[0] || cr.labels[0] || cr.corsia_phase[0]))
    e = l6_fail(err, L6_E_INVALID_VALUE, "unit_types, programmes, labels and corsia_phase are for kind contract");
  if (e != L6_E_OK) return e;
  l6_ex_instrument x = *req;
  snprintf(x.status, sizeof x.status, "open");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_ex_instrument old;
  l6_error ignore;
  if (OPS->ex_instrument_get(ST, x.code, &old, &ignore) == L6_E_OK)
    e = l6_fail(err, L6_E_ALREADY_EXISTS, "instrument %s exists", x.code);
  l6_registry reg;
  if (e == L6_E_OK) e = OPS->registry_get(ST, x.registry, &reg, err);
  if (e == L6_E_OK && strcmp(x.kind, "batch") == 0) {
    l6_batch b;
    e = x.batch > 0 ? OPS->batch_get(ST, x.batch, &b, err) : l6_fail(err, L6_E_MISSING_FIELD, "batch is required for kind batch");
    if (e == L6_E_OK) {
      snprintf(x.unit_type, sizeof x.unit_type, "%s", b.unit_type);
      snprintf(x.project, sizeof x.project, "%s", b.project);
    }
  } else if (e == L6_E_OK) {
    l6_unit_type ut;
    if (x.batch != 0) e = l6_fail(err, L6_E_INVALID_VALUE, "batch is for kind batch only");
    if (e == L6_E_OK) e = crit__check(s, &x, &cr, err);
    if (e == L6_E_OK) e = OPS->unit_type_get(ST, x.unit_type, &ut, err);
    l6_project p;
    if (e == L6_E_OK && x.project[0]) e = OPS->project_get(ST, x.project, &p, err);
  }
  l6_account esc = {.org = 0, .type = L6_ACCT_TRADING, .status = L6_STATUS_OPEN};
  snprintf(esc.registry, sizeof esc.registry, "%s", x.registry);
  snprintf(esc.name, sizeof esc.name, "exchange escrow %s", x.code);
  if (e == L6_E_OK) e = OPS->account_put(ST, &esc, err);
  x.escrow = esc.id;
  svc__timestamp(s, x.created);
  snprintf(cr.code, sizeof cr.code, "%s", x.code);
  if (e == L6_E_OK) e = OPS->ex_instrument_put(ST, &x, err);
  if (e == L6_E_OK && strcmp(x.kind, "contract") == 0) e = OPS->crit_put(ST, &cr, err);
  if (e == L6_E_OK && (*out = v_instrument(&x)) != NULL) crit__view(*out, &x, &cr);
  return svc__finish_out(s, e, out, err);
}

/* An instrument's view with its criteria. */
static l6_err v_instrument_crit(l6_svc *s, const l6_ex_instrument *x, json_t **out, l6_error *err) {
  l6_crit cr;
  l6_err e = OPS->crit_get(ST, x->code, &cr, err);
  *out = e == L6_E_OK ? v_instrument(x) : NULL;
  crit__view(*out, x, &cr);
  return e;
}

typedef struct {
  json_t *arr;
  l6_svc *s;
  l6_err e;
  l6_error *err;
} list_ctx;

static int instr_row(void *ctx, const void *row) {
  list_ctx *c = ctx;
  json_t *v = NULL;
  if ((c->e = v_instrument_crit(c->s, row, &v, c->err)) != L6_E_OK) return 1;
  json_array_append_new(c->arr, v);
  return 0;
}

l6_err svc_ex_instrument_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  (void)a;
  list_ctx c = {json_array(), s, L6_E_OK, err};
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    json_decref(c.arr);
    return e;
  }
  e = OPS->ex_instrument_list(ST, instr_row, &c, err);
  if (e == L6_E_OK) e = c.e;
  *out = json_pack("{s:o}", "items", c.arr);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_ex_instrument_status(l6_svc *s, const l6_actor *a, const char *code, const char *status, json_t **out,
                                l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, false, false, err);
  if (e != L6_E_OK) return e;
  if (strcmp(status, "open") != 0 && strcmp(status, "halted") != 0 && strcmp(status, "closed") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "status must be open, halted or closed");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_ex_instrument x;
  e = OPS->ex_instrument_get(ST, code, &x, err);
  snprintf(x.status, sizeof x.status, "%s", status);
  if (e == L6_E_OK) e = OPS->ex_instrument_put(ST, &x, err);
  if (e == L6_E_OK) e = v_instrument_crit(s, &x, out, err);
  return svc__finish_out(s, e, out, err);
}

/* ---- cash ------------------------------------------------------------------- */

l6_err svc_ex_cash(l6_svc *s, const l6_actor *a, l6_id org, const char *currency, int64_t amount, bool deposit,
                   json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, false, false, err);
  if (e != L6_E_OK) return e;
  if (!l6_valid_alpha3(currency)) return l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code (EUR)");
  if (amount <= 0 || amount > L6_EX_MAX_CASH)
    return l6_fail(err, L6_E_INVALID_VALUE, "amount must be 1 to %lld minor units", (long long)L6_EX_MAX_CASH);
  if (org < 0) return l6_fail(err, L6_E_UNKNOWN_ORGANISATION, "organisation ids are positive (0: the operator)");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_org o;
  if (org > 0) e = OPS->org_get(ST, org, &o, err);
  l6_ex_cash c;
  if (e == L6_E_OK) e = OPS->ex_cash_get(ST, org, currency, &c, err);
  if (e == L6_E_OK && deposit && c.balance > INT64_MAX - amount)
    e = l6_fail(err, L6_E_QUANTITY_OVERFLOW, "balance would overflow");
  if (e == L6_E_OK)
    e = cash_change(s, org, currency, deposit ? amount : -amount, 0, deposit ? "deposit" : "withdraw",
                    deposit ? amount : -amount, 0, err);
  if (e == L6_E_OK) e = OPS->ex_cash_get(ST, org, currency, &c, err);
  if (e == L6_E_OK) *out = v_cash(&c);
  return svc__finish_out(s, e, out, err);
}

static int cash_row(void *ctx, const void *row) {
  json_array_append_new(((list_ctx *)ctx)->arr, v_cash(row));
  return 0;
}

l6_err svc_ex_cash_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, true, true, err);
  if (e != L6_E_OK) return e;
  list_ctx c = {.arr = json_array()};
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    json_decref(c.arr);
    return e;
  }
  e = OPS->ex_cash_list(ST, a->role == L6_ROLE_HOLDER ? a->org : -1, cash_row, &c, err);
  *out = json_pack("{s:o}", "items", c.arr);
  return svc__finish_out(s, e, out, err);
}

/* ---- orders ----------------------------------------------------------------- */

typedef struct {
  l6_fill f[L6_EX_MAX_FILLS];
  size_t n;
  bool overflow;
} fills_t;

static void on_fill(void *ctx, const l6_fill *f) {
  fills_t *fs = ctx;
  if (fs->n == L6_EX_MAX_FILLS) {
    fs->overflow = true;
    return;
  }
  fs->f[fs->n++] = *f;
}

/* Settles one fill: units escrow -> buyer's account, cash buyer's
 * reservation -> seller, fees -> operator; updates both orders' rows
 * (taker's in *taker, persisted by the caller) and records the trade. */
static l6_err settle(l6_svc *s, const l6_ex_instrument *x, const l6_fill *f, l6_ex_order *taker, const char *day,
                     const l6_actor *a, json_t *trades, l6_error *err) {
  l6_ex_order maker;
  l6_err e = OPS->ex_order_get(ST, (l6_id)f->maker_id, &maker, err);
  if (e != L6_E_OK) return e;
  l6_ex_order *buy = f->taker_side == L6_BUY ? taker : &maker;
  l6_ex_order *sell = f->taker_side == L6_BUY ? &maker : taker;
  int64_t price = f->price * x->tick, qty = f->qty, notional = price * qty;
  int buy_bps = buy == taker ? x->taker_bps : x->maker_bps, sell_bps = sell == taker ? x->taker_bps : x->maker_bps;
  l6_ex_trade t = {.price = price, .qty = qty, .buy_order = buy->id, .sell_order = sell->id, .buyer = buy->org,
                   .seller = sell->org, .buyer_fee = fee(notional, buy_bps), .seller_fee = fee(notional, sell_bps)};
  snprintf(t.instrument, sizeof t.instrument, "%s", x->code);
  snprintf(t.taker_side, sizeof t.taker_side, "%s", f->taker_side == L6_BUY ? "buy" : "sell");
  snprintf(t.day, sizeof t.day, "%s", day);
  svc__timestamp(s, t.ts);
  /* Delivery: units from escrow to the buyer's account. */
  e = move_units_tx(s, x, x->escrow, buy->account, qty, a->name, &t.tx, err);
  /* Payment: the buyer's reservation pays price x qty + its fee. */
  int64_t paid = notional + t.buyer_fee;
  assert(buy->reserved >= paid);
  buy->reserved -= paid;
  buy->remaining -= qty;
  sell->remaining -= qty;
  assert(buy->remaining >= 0 && sell->remaining >= 0);
  int64_t release = 0;
  if (strcmp(buy->type, "limit") == 0) {
    int64_t keep = buy_need(x, buy->price, buy->remaining);
    assert(buy->reserved >= keep);
    release = buy->reserved - keep;
    buy->reserved = keep;
  }
  if (e == L6_E_OK) e = OPS->ex_trade_put(ST, &t, err);
  if (e == L6_E_OK) e = cash_change(s, buy->org, x->currency, release, -(paid + release), "trade", -notional, t.id, err);
  if (e == L6_E_OK && t.buyer_fee)
    e = cash_change(s, buy->org, x->currency, 0, 0, "fee", -t.buyer_fee, t.id, err);
  if (e == L6_E_OK) e = cash_change(s, sell->org, x->currency, notional - t.seller_fee, 0, "trade", notional, t.id, err);
  if (e == L6_E_OK && t.seller_fee) e = cash_change(s, sell->org, x->currency, 0, 0, "fee", -t.seller_fee, t.id, err);
  if (e == L6_E_OK && t.buyer_fee + t.seller_fee)
    e = cash_change(s, 0, x->currency, t.buyer_fee + t.seller_fee, 0, "fee", t.buyer_fee + t.seller_fee, t.id, err);
  if (maker.remaining == 0) snprintf(maker.status, sizeof maker.status, "filled");
  assert(maker.remaining == f->maker_left);
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &maker, err);
  if (e == L6_E_OK) json_array_append_new(trades, v_trade(&t, true));
  return e;
}

/* Gives back what a closed order (or the closed part of one) still holds:
 * a sell order's units in escrow, a buy order's reserved cash. */
static l6_err release_rest(l6_svc *s, const l6_ex_instrument *x, l6_ex_order *o, int64_t qty, const l6_actor *a,
                           l6_error *err) {
  l6_err e = L6_E_OK;
  if (strcmp(o->side, "sell") == 0) {
    if (qty > 0) e = move_units(s, x, x->escrow, o->account, qty, a->name, err);
  } else {
    int64_t keep = strcmp(o->type, "limit") == 0 && strcmp(o->status, "open") == 0 ? buy_need(x, o->price, o->remaining) : 0;
    int64_t back = o->reserved - keep;
    assert(back >= 0);
    if (back > 0) e = cash_change(s, o->org, x->currency, back, -back, "release", back, o->id, err);
    o->reserved = keep;
  }
  return e;
}

static json_t *levels(const l6_book *b, l6_side side, int64_t tick, int n);

/* Tells the listener, after a commit, of the trades in reply["trades"]
 * and of the book's new top levels. Under the service mutex, so the book
 * cannot change meanwhile. */
static void publish(l6_svc *s, const ex_book *eb, json_t *reply) {
  if (s->ex == NULL || s->ex->listener == NULL || eb == NULL || eb->book == NULL) return;
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(reply, "trades"), i, t) {
    json_t *pub = json_pack("{s:O, s:s, s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(t, "id"), "instrument", eb->code,
                            "price", json_object_get(t, "price"), "qty", json_object_get(t, "qty"), "taker_side",
                            json_object_get(t, "taker_side"), "day", json_object_get(t, "day"), "ts",
                            json_object_get(t, "ts"));
    if (pub) s->ex->listener(s->ex->listener_ctx, "trade", eb->code, pub);
    json_decref(pub);
  }
  json_t *book = json_pack("{s:s, s:o, s:o}", "instrument", eb->code, "bids", levels(eb->book, L6_BUY, eb->tick, 10),
                           "asks", levels(eb->book, L6_SELL, eb->tick, 10));
  if (book) s->ex->listener(s->ex->listener_ctx, "book", eb->code, book);
  json_decref(book);
}

/* What ex_finish hands to the group commit (txgroup.c): the book to
 * publish once the order is durable, or to rebuild if it is not. */
typedef struct {
  ex_book *eb, *pub;
  json_t **out;
} ex_outcome;

static void ex_committed(l6_svc *s, void *ctx) {
  ex_outcome *o = ctx;
  publish(s, o->pub, o->out ? *o->out : NULL);
}

static void ex_aborted(l6_svc *s, void *ctx) {
  ex_outcome *o = ctx;
  book_reset(s, o->eb);
}

/* Commits (or rolls back) and unlocks; after a failure (of this request or
 * of its commit group) the book is rebuilt from the store at next use;
 * after a success pub's changes are published, in commit order, before
 * the reply. */
static l6_err ex_finish(l6_svc *s, l6_err e, ex_book *eb, ex_book *pub, json_t **out, l6_error *err) {
  if (e == L6_E_OK && out && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  ex_outcome o = {.eb = eb, .pub = pub, .out = out};
  svc__on_outcome(s, ex_committed, ex_aborted, &o);
  e = svc__finish(s, e, err);
  if (e != L6_E_OK && out && *out) {
    json_decref(*out);
    *out = NULL;
  }
  return e;
}

/* After a commit group failed: every book and the counters are rebuilt
 * from the store at next use (txgroup.c). Under the writer lock. */
void svc__ex_reset(l6_svc *s) {
  if (s->ex == NULL) return;
  for (size_t i = 0; i < s->ex->n; i++) book_reset(s, &s->ex->books[i]);
  s->ex->counters = false;
}

static l6_err book_err(l6_book_rc rc, l6_error *err) {
  switch (rc) {
  case L6_BOOK_OK: return L6_E_OK;
  case L6_BOOK_FULL: return l6_fail(err, L6_E_BOOK_FULL, "the order book of this instrument is full");
  case L6_BOOK_WOULD_CROSS: return l6_fail(err, L6_E_WOULD_CROSS, "the post-only order would trade on entry");
  case L6_BOOK_FOK_KILLED: return l6_fail(err, L6_E_FOK_KILLED, "the fill-or-kill order cannot be filled completely now");
  case L6_BOOK_NOT_FOUND: return l6_fail(err, L6_E_ORDER_CLOSED, "the order is not in the book");
  default: return l6_fail(err, L6_E_INVALID_VALUE, "the order is invalid for the book (%d)", (int)rc);
  }
}

/* Non-offsetting units (CABs, FCCs) that account holds of x's project,
 * vintages and programmes, when x is an offset contract (its unit types
 * are all offsetting: crit.c refuses a mix at listing); else none. They
 * fail only for being non-offsetting (labels are emissions labels too),
 * which explains a shortfall better than insufficient_holdings (issue 14). */
typedef struct {
  l6_block *blocks;
  size_t n, cap;
  int64_t qty;
  char type[L6_CODE_MAX + 1]; /* the first such unit type */
  bool nomem;
} non_off_ctx;

static int non_off_row(void *ctx, const void *row) {
  non_off_ctx *c = ctx;
  l6_block *nb = svc__grow(c->blocks, c->n, &c->cap, sizeof *nb, 16);
  if (nb == NULL) {
    c->nomem = true;
    return 1;
  }
  c->blocks = nb;
  c->blocks[c->n++] = *(const l6_block *)row;
  return 0;
}

static l6_err non_offsetting_held(l6_svc *s, const l6_ex_instrument *x, l6_id account, non_off_ctx *c, l6_error *err) {
  l6_unit_type ut;
  if (strcmp(x->kind, "contract") != 0) return L6_E_OK;
  l6_err e = OPS->unit_type_get(ST, x->unit_type, &ut, err);
  if (e != L6_E_OK || ut.non_offsetting) return e;
  l6_crit cr;
  memset(&cr, 0, sizeof cr);
  e = OPS->crit_get(ST, x->code, &cr, err);
  char progs[L6_CRIT_LIST_MAX + 3];
  snprintf(progs, sizeof progs, ",%s,", cr.programmes);
  l6_pick_filter f = {.account = account};
  snprintf(f.project, sizeof f.project, "%s", x->project);
  if (e == L6_E_OK) e = OPS->block_pick(ST, &f, 1 << 30, non_off_row, c, err);
  if (e == L6_E_OK && c->nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; e == L6_E_OK && i < c->n; i++) {
    const l6_block *b = &c->blocks[i];
    l6_batch bt;
    if (!eligible(x, b)) continue; /* vintages */
    e = OPS->batch_get(ST, b->batch, &bt, err);
    if (e == L6_E_OK) e = OPS->unit_type_get(ST, bt.unit_type, &ut, err);
    if (e == L6_E_OK && ut.non_offsetting && cr.programmes[0]) { /* of a programme the contract takes? */
      l6_project p;
      char item[L6_CODE_MAX + 3];
      e = OPS->project_get(ST, bt.project, &p, err);
      snprintf(item, sizeof item, ",%s,", p.programme);
      if (e == L6_E_OK && strstr(progs, item) == NULL) continue;
    }
    if (e == L6_E_OK && ut.non_offsetting) {
      c->qty += l6_range_qty(b->first, b->last);
      if (c->type[0] == '\0') snprintf(c->type, sizeof c->type, "%s", bt.unit_type);
    }
  }
  free(c->blocks);
  c->blocks = NULL;
  return e;
}

/* Whether account may offer qty units on x (a sell order, a sell quote,
 * its acceptance, a replace that grows a sell): INSUFFICIENT_HOLDINGS
 * when it holds fewer eligible units; SAME_DAY_RESALE when it does, but
 * not enough of them were bought before today (pick_rule: the rule is on
 * serials, so units of another account, or bought on another day, are
 * not concerned). The reservation that follows (move_units) then takes
 * only serials not bought today. */
static l6_err check_offer(l6_svc *s, const l6_ex_instrument *x, l6_id account, int64_t qty, l6_error *err) {
  pick_ctx c;
  int64_t fresh = 0;
  l6_err e = pick_rule(s, x, account, 0, x->no_same_day_resale, &c, &fresh, err);
  free(c.blocks);
  if (e != L6_E_OK) return e;
  int64_t held = c.have + fresh;
  if (held < qty) {
    non_off_ctx n = {.qty = 0};
    e = non_offsetting_held(s, x, account, &n, err);
    if (e == L6_E_OK && n.qty > 0)
      e = l6_fail(err, L6_E_NON_OFFSETTING_UNIT,
                  "%s is an offset contract: the %lld %s units of account %lld are non-offsetting and never deliver into "
                  "it (%lld eligible units held, %lld offered)",
                  x->code, (long long)n.qty, n.type, (long long)account, (long long)held, (long long)qty);
    if (e != L6_E_OK) return e;
    return l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account %lld holds %lld units eligible for %s, %lld offered",
                   (long long)account, (long long)held, x->code, (long long)qty);
  }
  if (c.have < qty)
    return l6_fail(err, L6_E_SAME_DAY_RESALE,
                   "%lld of the %lld units account %lld holds for %s were bought today and cannot be sold before tomorrow; "
                   "%lld offered",
                   (long long)fresh, (long long)held, (long long)account, x->code, (long long)qty);
  return L6_E_OK;
}

/* The checks every price and quantity of an order passes. */
static l6_err check_price_qty(l6_svc *s, ex_book *eb, const l6_ex_instrument *x, bool market, int64_t price, int64_t qty,
                              const char *day, l6_error *err) {
  if (qty <= 0 || qty > L6_EX_MAX_QTY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "qty must be 1 to %lld tonnes", (long long)L6_EX_MAX_QTY);
  if (qty % x->lot) return l6_fail(err, L6_E_LOT_SIZE, "qty %lld is not a multiple of the lot of %lld t", (long long)qty, (long long)x->lot);
  if (x->min_qty && qty < x->min_qty)
    return l6_fail(err, L6_E_ORDER_SIZE, "orders of %s are at least %lld t", x->code, (long long)x->min_qty);
  if (x->max_qty && qty > x->max_qty)
    return l6_fail(err, L6_E_ORDER_SIZE, "orders of %s are at most %lld t", x->code, (long long)x->max_qty);
  if (market) return L6_E_OK;
  if (price <= 0 || price / x->tick > L6_BOOK_MAX_PRICE || price > L6_EX_MAX_PRICE)
    return l6_fail(err, L6_E_INVALID_VALUE, "price must be 1 to %lld ticks", (long long)L6_BOOK_MAX_PRICE);
  if (price % x->tick) return l6_fail(err, L6_E_TICK_SIZE, "price %lld is not a multiple of the tick %lld", (long long)price, (long long)x->tick);
  if (price > INT64_MAX / qty / 2) return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "price x qty is too large");
  int64_t ref;
  l6_err e = ref_price(s, eb, x, day, &ref, err);
  if (e != L6_E_OK) return e;
  if (x->band_pct > 0 && ref > 0) {
    i128 lo = (i128)ref * (100 - x->band_pct), hi = (i128)ref * (100 + x->band_pct), p = (i128)price * 100;
    if (p < lo || p > hi)
      return l6_fail(err, L6_E_PRICE_LIMIT, "price %lld is outside +-%d%% of the previous close %lld", (long long)price,
                     x->band_pct, (long long)ref);
  }
  return L6_E_OK;
}

/* The trading checks of the instrument's state now. */
/* In the opening call of a session: the call_minutes before its start. */
static bool in_call(const l6_ex_instrument *x, int minute) {
  int ses[L6_EX_MAX_SESSIONS][2], n;
  if (x->call_minutes <= 0 || !parse_sessions(x->sessions, ses, &n)) return false;
  for (int i = 0; i < n; i++)
    if (minute >= ses[i][0] - x->call_minutes && minute < ses[i][0]) return true;
  return false;
}

/* The trading checks of the instrument's state now. *call (may be NULL:
 * the call phase is then closed) says the opening call is on. */
static l6_err check_phase(l6_svc *s, const l6_ex_instrument *x, char day[11], bool *call, l6_error *err) {
  int minute;
  local_time(s, x, day, &minute);
  if (call) *call = false;
  if (strcmp(x->status, "open") != 0) return l6_fail(err, L6_E_INSTRUMENT_HALTED, "%s is %s", x->code, x->status);
  if (call && !in_session(x, minute) && in_call(x, minute)) {
    *call = true;
    return L6_E_OK;
  }
  if (!in_session(x, minute))
    return l6_fail(err, L6_E_SESSION_CLOSED, "%s trades %s (UTC%+d min); it is %02d:%02d there", x->code, x->sessions,
                   x->tz_offset, minute / 60, minute % 60);
  return L6_E_OK;
}

static l6_err check_trading(l6_svc *s, const l6_ex_instrument *x, char day[11], l6_error *err) {
  return check_phase(s, x, day, NULL, err);
}

/* ---- the opening call auction ---------------------------------------------
 * In the call_minutes before a session, GTC limit orders are taken (and
 * reserved) without matching (tif "call"). The first order of the session
 * runs the auction over every open order of the instrument (call orders and
 * the resting book): l6_auction_uncross finds the price (maximum volume,
 * minimum imbalance, closest to the previous close), l6_auction_allocate the
 * quantities; buys and sells are paired in allocation order and each pair
 * settles at the uniform price like a fill (buyers pay the taker rate,
 * sellers the maker rate). Then the call orders join the book. */

typedef struct {
  l6_ex_order *o;
  size_t n, cap;
  bool nomem;
} rows_t;

static int rows_add(void *ctx, const void *row) {
  rows_t *r = ctx;
  l6_ex_order *no = svc__grow(r->o, r->n, &r->cap, sizeof *no, 64);
  if (no == NULL) {
    r->nomem = true;
    return 1;
  }
  r->o = no;
  r->o[r->n++] = *(const l6_ex_order *)row;
  return 0;
}

static l6_err run_opening(l6_svc *s, const l6_ex_instrument *x, ex_book *eb, const char *day, l6_error *err) {
  l6_actor auc = {.role = L6_ROLE_ADMIN};
  const l6_actor *a = &auc; /* the ledger transactions' actor */
  snprintf(auc.name, sizeof auc.name, "exchange opening auction");
  rows_t rows = {0};
  l6_err e = OPS->ex_order_list(ST, x->code, 0, true, rows_add, &rows, err);
  if (e == L6_E_OK && rows.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  size_t n = rows.n;
  l6_auc_order *ao = calloc(n + 1, sizeof *ao);
  int64_t *filled = calloc(n + 1, sizeof *filled), *left = calloc(n + 1, sizeof *left);
  size_t *scratch = calloc(n + 1, sizeof *scratch);
  if (e == L6_E_OK && (ao == NULL || filled == NULL || left == NULL || scratch == NULL)) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; e == L6_E_OK && i < n; i++) {
    ao[i] = (l6_auc_order){.id = (uint64_t)rows.o[i].id, .seq = (uint64_t)rows.o[i].seq,
                           .side = strcmp(rows.o[i].side, "buy") == 0 ? L6_BUY : L6_SELL, .market = false,
                           .price = rows.o[i].price, .qty = rows.o[i].remaining};
    left[i] = rows.o[i].remaining;
  }
  int64_t ref = 0;
  if (e == L6_E_OK) e = ref_price(s, eb, x, day, &ref, err);
  l6_uncross u = {0};
  l6_auc_rc rc = L6_AUC_NO_TRADE;
  if (e == L6_E_OK && n > 0) {
    rc = l6_auction_uncross(ao, n, ref, x->tick, &u);
    if (rc == L6_AUC_OK) rc = l6_auction_allocate(ao, n, &u, filled, scratch);
    if (rc == L6_AUC_BAD) e = l6_fail(err, L6_E_INTERNAL, "the opening auction of %s refused its orders", x->code);
  }
  json_t *trades = json_array();
  if (e == L6_E_OK && rc == L6_AUC_OK) {
    size_t b = 0, k = 0;
    for (;;) {
      while (b < n && (ao[b].side != L6_BUY || filled[b] == 0)) b++;
      while (k < n && (ao[k].side != L6_SELL || filled[k] == 0)) k++;
      if (b == n || k == n || e != L6_E_OK) break;
      int64_t q = filled[b] < filled[k] ? filled[b] : filled[k];
      left[k] -= q;
      l6_fill f = {.maker_id = ao[k].id, .maker_owner = (uint64_t)rows.o[k].org, .taker_id = ao[b].id,
                   .taker_owner = (uint64_t)rows.o[b].org, .taker_side = L6_BUY, .price = u.price / x->tick, .qty = q,
                   .maker_left = left[k]};
      e = settle(s, x, &f, &rows.o[b], day, a, trades, err);
      filled[b] -= q;
      filled[k] -= q;
      if (e == L6_E_OK && filled[b] == 0) { /* this buy is done: save it */
        if (rows.o[b].remaining == 0) snprintf(rows.o[b].status, sizeof rows.o[b].status, "filled");
        e = OPS->ex_order_put(ST, &rows.o[b], err);
      }
    }
  }
  /* The call orders join the book. */
  for (size_t i = 0; e == L6_E_OK && i < n; i++) {
    if (strcmp(rows.o[i].tif, "call") != 0) continue;
    l6_ex_order o;
    e = OPS->ex_order_get(ST, rows.o[i].id, &o, err);
    snprintf(o.tif, sizeof o.tif, "gtc");
    if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  }
  json_decref(trades);
  free(rows.o);
  free(ao);
  free(filled);
  free(left);
  free(scratch);
  if (e == L6_E_OK) book_reset(s, eb); /* rebuilt from the store, call orders included */
  return e;
}

l6_err svc_ex_order(l6_svc *s, const l6_actor *a, const l6_ex_order_req *r, json_t **out, l6_error *err) {
  bool replayed;
  return svc_ex_order_idem(s, a, r, out, &replayed, err);
}

l6_err svc_ex_order_idem(l6_svc *s, const l6_actor *a, const l6_ex_order_req *r, json_t **out, bool *replayed,
                         l6_error *err) {
  *out = NULL;
  *replayed = false;
  l6_err e = need(a, false, false, true, err);
  if (e != L6_E_OK) return e;
  bool buy = strcmp(r->side, "buy") == 0, market = strcmp(r->type, "market") == 0;
  if (!buy && strcmp(r->side, "sell") != 0) return l6_fail(err, L6_E_INVALID_VALUE, "side must be buy or sell");
  if (!market && strcmp(r->type, "limit") != 0) return l6_fail(err, L6_E_INVALID_VALUE, "type must be limit or market");
  const char *tif = r->tif[0] ? r->tif : market ? "ioc" : "gtc";
  l6_tif btif = strcmp(tif, "gtc") == 0 ? L6_TIF_GTC : strcmp(tif, "ioc") == 0 ? L6_TIF_IOC : L6_TIF_FOK;
  if (strcmp(tif, "gtc") != 0 && strcmp(tif, "ioc") != 0 && strcmp(tif, "fok") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "tif must be gtc, ioc or fok");
  if (market && btif == L6_TIF_GTC) return l6_fail(err, L6_E_INVALID_VALUE, "a market order is ioc or fok");
  if (market && r->price != 0) return l6_fail(err, L6_E_INVALID_VALUE, "a market order has no price");
  if (r->post_only && (market || btif != L6_TIF_GTC))
    return l6_fail(err, L6_E_INVALID_VALUE, "post_only is for gtc limit orders");

  fills_t *fs = malloc(sizeof *fs);
  if (fs == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  fs->n = 0;
  fs->overflow = false;
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    free(fs);
    return e;
  }
  ex_book *eb = NULL;
  bool touched = false;
  l6_ex_instrument x;
  char day[11] = "";
  l6_reply prior = {0};
  bool hit = false;
  e = svc__idem_check(s, &r->idem, &prior, &hit, err);
  if (e != L6_E_OK || hit) { /* a replay (or a conflicting reuse of the key): nothing done again */
    free(fs);
    *out = prior.body;
    *replayed = hit && e == L6_E_OK;
    return ex_finish(s, e, NULL, NULL, out, err);
  }
  e = OPS->ex_instrument_get(ST, r->instrument, &x, err);
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK && block(&x))
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s is a block agreement instrument: it trades by quote and acceptance", x.code);
  if (e == L6_E_OK && sealed(&x) && (!buy || market || btif != L6_TIF_GTC || r->post_only))
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s is %s %s auction: orders are gtc limit buy bids", x.code, l6_article(x.mode),
                  x.mode);
  bool call = false;
  if (e == L6_E_OK) e = check_phase(s, &x, day, &call, err);
  if (e == L6_E_OK && call && (market || btif != L6_TIF_GTC || r->post_only))
    e = l6_fail(err, L6_E_INVALID_VALUE, "during the opening call of %s only gtc limit orders are taken", x.code);
  if (e == L6_E_OK && !call && eb->calls > 0) { /* the session opens: its call auction first */
    touched = true;
    e = run_opening(s, &x, eb, day, err);
    if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  }
  if (e == L6_E_OK) e = check_price_qty(s, eb, &x, market, r->price, r->qty, day, err);
  l6_account acc;
  if (e == L6_E_OK) e = svc__open_account(s, r->account, "account", &acc, err);
  if (e == L6_E_OK && acc.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)acc.id);
  if (e == L6_E_OK && acc.type != L6_ACCT_HOLDING && acc.type != L6_ACCT_TRADING)
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "orders trade from holding or trading accounts, not %s",
                l6_account_type_str(acc.type));
  l6_ex_order o = {.id = 0, .org = a->org, .account = r->account, .post_only = r->post_only, .price = market ? 0 : r->price,
                   .qty = r->qty, .remaining = r->qty};
  snprintf(o.instrument, sizeof o.instrument, "%s", x.code);
  snprintf(o.side, sizeof o.side, "%s", buy ? "buy" : "sell");
  snprintf(o.type, sizeof o.type, "%s", market ? "market" : "limit");
  snprintf(o.tif, sizeof o.tif, "%s", tif);
  snprintf(o.status, sizeof o.status, "open");
  snprintf(o.day, sizeof o.day, "%s", day);
  svc__timestamp(s, o.ts);
  if (e == L6_E_OK) {
    o.id = s->ex->next_id;
    o.seq = s->ex->next_seq;
  }
  /* Reservation. */
  if (e == L6_E_OK && !buy) {
    e = check_offer(s, &x, acc.id, r->qty, err);
    if (e == L6_E_OK) e = move_units(s, &x, acc.id, x.escrow, r->qty, a->name, err);
  } else if (e == L6_E_OK) {
    if (market) {
      l6_level lv[L6_EX_MAX_DEPTH];
      size_t n = l6_book_depth(eb->book, L6_SELL, lv, L6_EX_MAX_DEPTH);
      int64_t left = r->qty, cost = 0;
      for (size_t i = 0; i < n && left > 0; i++) {
        int64_t q = lv[i].qty < left ? lv[i].qty : left;
        cost += lv[i].price * x.tick * q;
        left -= q;
      }
      if (n == 0) e = l6_fail(err, L6_E_NO_LIQUIDITY, "no sell orders rest in %s", x.code);
      o.reserved = cost + fee(cost, max_bps(&x));
      /* A market buy reserves what the best L6_EX_MAX_DEPTH levels cost;
       * when the book is deeper than that, the order is cut to what
       * those levels hold, so the reservation always covers it. */
      if (e == L6_E_OK && left > 0 && n == L6_EX_MAX_DEPTH) {
        o.qty -= left;
        o.remaining = o.qty;
      }
    } else {
      o.reserved = buy_need(&x, r->price, r->qty);
    }
    if (e == L6_E_OK) e = cash_change(s, a->org, x.currency, -o.reserved, o.reserved, "reserve", o.reserved, o.id, err);
  }
  /* Matching. */
  l6_submit_result res = {0};
  if (e == L6_E_OK && (sealed(&x) || call)) {
    res.resting = o.qty; /* a sealed bid or a call order waits for its auction, outside the book */
    if (call) {
      snprintf(o.tif, sizeof o.tif, "call");
      touched = true; /* after a failure the count of call orders is read again */
      eb->calls++;
    }
  } else if (e == L6_E_OK) {
    l6_order bo = {.id = (uint64_t)o.id, .seq = (uint64_t)o.seq, .owner = (uint64_t)a->org, .side = buy ? L6_BUY : L6_SELL,
                   .tif = btif, .flags = (r->post_only ? L6_ORD_POST_ONLY : 0u) | (market ? L6_ORD_MARKET : 0u),
                   .price = market ? 0 : r->price / x.tick, .qty = o.qty};
    touched = true;
    e = book_err(l6_book_submit(eb->book, &bo, on_fill, fs, &res), err);
    if (e == L6_E_OK && fs->overflow)
      e = l6_fail(err, L6_E_INVALID_QUANTITY, "the order would make more than %d trades; split it", L6_EX_MAX_FILLS);
    if (e == L6_E_OK && res.stp && res.filled == 0)
      e = l6_fail(err, L6_E_SELF_TRADE, "the order would trade with an order of the same member first");
    if (e == L6_E_OK && market && res.filled == 0) e = l6_fail(err, L6_E_NO_LIQUIDITY, "nothing to trade with in %s", x.code);
  }
  if (e == L6_E_OK) {
    s->ex->next_id++;
    s->ex->next_seq++;
    e = OPS->ex_order_put(ST, &o, err); /* the row the fills' settlement reads back for a maker */
  }
  json_t *trades = json_array();
  for (size_t i = 0; e == L6_E_OK && i < fs->n; i++) e = settle(s, &x, &fs->f[i], &o, day, a, trades, err);
  if (e == L6_E_OK) {
    assert(o.remaining == res.resting + res.cancelled);
    int64_t dropped = res.cancelled;
    o.remaining = res.resting;
    if (o.remaining == 0) snprintf(o.status, sizeof o.status, "%s", dropped ? "cancelled" : "filled");
    e = release_rest(s, &x, &o, dropped, a, err);
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  if (e == L6_E_OK) {
    *out = v_order(&o);
    if (*out) {
      json_object_set_new(*out, "filled", json_integer(res.filled));
      json_object_set_new(*out, "cancelled_qty", json_integer(res.cancelled));
      json_object_set_new(*out, "stp", json_boolean(res.stp));
      json_object_set(*out, "trades", trades);
    }
    l6_reply rep = {.status = 201, .body = *out};
    if (*out) e = svc__idem_store(s, &r->idem, &rep, err);
  }
  json_decref(trades);
  free(fs);
  return ex_finish(s, e, touched ? eb : NULL, eb, out, err);
}

/* Loads order id for a change by a (its owner, or admin when admin_ok). */
static l6_err order_for_change(l6_svc *s, const l6_actor *a, l6_id id, bool admin_ok, l6_ex_order *o,
                               l6_ex_instrument *x, l6_error *err) {
  l6_err e = OPS->ex_order_get(ST, id, o, err);
  if (e == L6_E_UNKNOWN_ORDER) return l6_fail(err, e, "order %lld does not exist", (long long)id);
  if (e == L6_E_OK && !(a->role == L6_ROLE_HOLDER && a->org == o->org) && !(admin_ok && a->role == L6_ROLE_ADMIN))
    e = l6_fail(err, L6_E_FORBIDDEN, "order %lld belongs to another organisation", (long long)id);
  if (e == L6_E_OK && strcmp(o->status, "open") != 0)
    e = l6_fail(err, L6_E_ORDER_CLOSED, "order %lld is %s", (long long)id, o->status);
  if (e == L6_E_OK) e = OPS->ex_instrument_get(ST, o->instrument, x, err);
  return e;
}

l6_err svc_ex_cancel(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, false, true, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_ex_order o;
  l6_ex_instrument x;
  ex_book *eb = NULL;
  bool touched = false;
  e = order_for_change(s, a, id, true, &o, &x, err);
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  int64_t left = 0;
  if (e == L6_E_OK && (offbook(&x) || strcmp(o.tif, "call") == 0)) {
    left = o.remaining;
    if (strcmp(o.tif, "call") == 0) touched = true; /* the count of call orders is read again */
  } else if (e == L6_E_OK) {
    touched = true;
    e = book_err(l6_book_cancel(eb->book, (uint64_t)o.id, &left), err);
  }
  if (e == L6_E_OK && left != o.remaining)
    e = l6_fail(err, L6_E_INTERNAL, "order %lld: book has %lld left, store %lld", (long long)o.id, (long long)left,
                (long long)o.remaining);
  if (e == L6_E_OK) {
    snprintf(o.status, sizeof o.status, "cancelled");
    e = release_rest(s, &x, &o, o.remaining, a, err);
    o.remaining = 0;
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  if (e == L6_E_OK) *out = v_order(&o);
  if (e == L6_E_OK && strcmp(o.tif, "call") == 0 && eb->calls > 0) eb->calls--;
  return ex_finish(s, e, touched ? eb : NULL, eb, out, err);
}

l6_err svc_ex_replace(l6_svc *s, const l6_actor *a, l6_id id, int64_t price, int64_t qty, json_t **out,
                      l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, false, true, err);
  if (e != L6_E_OK) return e;
  fills_t *fs = malloc(sizeof *fs);
  if (fs == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  fs->n = 0;
  fs->overflow = false;
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    free(fs);
    return e;
  }
  l6_ex_order o;
  l6_ex_instrument x;
  ex_book *eb = NULL;
  bool touched = false;
  char day[11] = "";
  e = order_for_change(s, a, id, false, &o, &x, err);
  if (e == L6_E_OK && (offbook(&x) || strcmp(o.tif, "call") == 0))
    e = l6_fail(err, L6_E_INVALID_VALUE, "a sealed bid, block quote or call order is cancelled, not replaced");
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK) e = check_trading(s, &x, day, err);
  int64_t filled = o.qty - o.remaining, new_rem = qty - filled;
  if (e == L6_E_OK) e = check_price_qty(s, eb, &x, false, price, qty, day, err);
  if (e == L6_E_OK && new_rem <= 0)
    e = l6_fail(err, L6_E_INVALID_QUANTITY, "qty must exceed the %lld t already filled", (long long)filled);
  /* Adjust the reservation to the new remaining quantity first. */
  if (e == L6_E_OK && strcmp(o.side, "sell") == 0) {
    if (new_rem > o.remaining) {
      e = check_offer(s, &x, o.account, new_rem - o.remaining, err);
      if (e == L6_E_OK) e = move_units(s, &x, o.account, x.escrow, new_rem - o.remaining, a->name, err);
    } else if (new_rem < o.remaining) {
      e = move_units(s, &x, x.escrow, o.account, o.remaining - new_rem, a->name, err);
    }
  } else if (e == L6_E_OK) {
    int64_t want = buy_need(&x, price, new_rem), d = want - o.reserved;
    if (d != 0) e = cash_change(s, o.org, x.currency, -d, d, d > 0 ? "reserve" : "release", d, o.id, err);
    o.reserved = want;
  }
  l6_submit_result res = {0};
  bool keeps = price == o.price && new_rem <= o.remaining;
  int64_t seq = keeps ? o.seq : s->ex->next_seq;
  if (e == L6_E_OK) {
    touched = true;
    e = book_err(l6_book_replace(eb->book, (uint64_t)o.id, price / x.tick, new_rem, (uint64_t)seq, on_fill, fs, &res), err);
    if (e == L6_E_OK && fs->overflow)
      e = l6_fail(err, L6_E_INVALID_QUANTITY, "the order would make more than %d trades", L6_EX_MAX_FILLS);
  }
  if (e == L6_E_OK) {
    if (!keeps) {
      s->ex->next_seq++;
      o.post_only = false;
    }
    o.seq = seq;
    o.price = price;
    o.qty = qty;
    o.remaining = new_rem;
    e = OPS->ex_order_put(ST, &o, err);
  }
  json_t *trades = json_array();
  for (size_t i = 0; e == L6_E_OK && i < fs->n; i++) e = settle(s, &x, &fs->f[i], &o, day, a, trades, err);
  if (e == L6_E_OK && !keeps) {
    int64_t dropped = res.cancelled;
    o.remaining = res.resting;
    if (o.remaining == 0) snprintf(o.status, sizeof o.status, "%s", dropped ? "cancelled" : "filled");
    e = release_rest(s, &x, &o, dropped, a, err);
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  if (e == L6_E_OK) {
    *out = v_order(&o);
    if (*out) json_object_set(*out, "trades", trades);
  }
  json_decref(trades);
  free(fs);
  return ex_finish(s, e, touched ? eb : NULL, eb, out, err);
}

static int order_row(void *ctx, const void *row) {
  json_array_append_new(((list_ctx *)ctx)->arr, v_order(row));
  return 0;
}

l6_err svc_ex_order_list(l6_svc *s, const l6_actor *a, bool open_only, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, true, true, err);
  if (e != L6_E_OK) return e;
  list_ctx c = {.arr = json_array()};
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    json_decref(c.arr);
    return e;
  }
  e = OPS->ex_order_list(ST, "", a->role == L6_ROLE_HOLDER ? a->org : 0, open_only, order_row, &c, err);
  *out = json_pack("{s:o}", "items", c.arr);
  return svc__finish_out(s, e, out, err);
}

/* ---- market data ------------------------------------------------------------ */

static json_t *levels(const l6_book *b, l6_side side, int64_t tick, int n) {
  l6_level lv[L6_EX_MAX_DEPTH];
  size_t k = l6_book_depth(b, side, lv, (size_t)n);
  json_t *arr = json_array();
  for (size_t i = 0; i < k; i++)
    json_array_append_new(arr, json_pack("{s:I, s:I, s:i}", "price", (json_int_t)(lv[i].price * tick), "qty",
                                         (json_int_t)lv[i].qty, "orders", (int)lv[i].count));
  return arr;
}

l6_err svc_ex_depth(l6_svc *s, const char *code, int n, json_t **out, l6_error *err) {
  *out = NULL;
  if (n <= 0 || n > L6_EX_MAX_DEPTH) n = n <= 0 ? 10 : L6_EX_MAX_DEPTH;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_ex_instrument x;
  ex_book *eb = NULL;
  e = OPS->ex_instrument_get(ST, code, &x, err);
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK)
    *out = json_pack("{s:s, s:s, s:o, s:o}", "instrument", x.code, "status", x.status, "bids",
                     levels(eb->book, L6_BUY, x.tick, n), "asks", levels(eb->book, L6_SELL, x.tick, n));
  return svc__finish_out(s, e, out, err);
}

static int trade_row(void *ctx, const void *row) {
  json_array_append_new(((list_ctx *)ctx)->arr, v_trade(row, false));
  return 0;
}

l6_err svc_ex_trades(l6_svc *s, const char *code, int limit, json_t **out, l6_error *err) {
  *out = NULL;
  if (limit <= 0 || limit > L6_EX_MAX_TRADES) limit = limit <= 0 ? 50 : L6_EX_MAX_TRADES;
  list_ctx c = {.arr = json_array()};
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    json_decref(c.arr);
    return e;
  }
  l6_ex_instrument x;
  e = OPS->ex_instrument_get(ST, code, &x, err);
  if (e == L6_E_OK) e = OPS->ex_trade_list(ST, code, "", true, limit, trade_row, &c, err);
  *out = json_pack("{s:s, s:o}", "instrument", code, "items", c.arr);
  return svc__finish_out(s, e, out, err);
}

/* Daily bars. Two prices of a day go by different names (issue 14): a
 * bar's `close` is the day's last trade, as in any OHLC series; its
 * `settlement_price` is the day's closing price in the exchange's sense
 * (l6_auction_close: the VWAP rounded to the nearest tick, halves up),
 * which is what GET .../close reports and what the next day's price limit
 * is set around. `vwap` is the unrounded average (rounded down). */
typedef struct {
  json_t *arr;
  char day[11];
  int64_t open, high, low, close, volume; /* close: the day's last trade */
  i128 notional;
  int64_t tick;  /* the instrument's tick, for settlement_price */
  day_trades d;  /* the day's trades, for settlement_price */
} bars_ctx;

static void bar_flush(bars_ctx *c) {
  if (c->volume == 0) return;
  int64_t settle = day_close(&c->d, 0, c->tick);
  json_array_append_new(c->arr, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "day", c->day, "open",
                                          (json_int_t)c->open, "high", (json_int_t)c->high, "low", (json_int_t)c->low,
                                          "close", (json_int_t)c->close, "volume", (json_int_t)c->volume, "vwap",
                                          (json_int_t)(c->notional / c->volume), "settlement_price",
                                          (json_int_t)settle));
}

static int bar_row(void *ctx, const void *row) {
  bars_ctx *c = ctx;
  const l6_ex_trade *t = row;
  if (strcmp(t->day, c->day) != 0) {
    bar_flush(c);
    snprintf(c->day, sizeof c->day, "%s", t->day);
    c->open = c->high = c->low = t->price;
    c->volume = 0;
    c->notional = 0;
    c->d.n = 0;
  }
  if (t->price > c->high) c->high = t->price;
  if (t->price < c->low) c->low = t->price;
  c->close = t->price;
  c->volume += t->qty;
  c->notional += (i128)t->price * t->qty;
  day_add(&c->d, t);
  return 0;
}

l6_err svc_ex_bars(l6_svc *s, const char *code, json_t **out, l6_error *err) {
  *out = NULL;
  bars_ctx c = {.arr = json_array()};
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    json_decref(c.arr);
    return e;
  }
  l6_ex_instrument x;
  e = OPS->ex_instrument_get(ST, code, &x, err);
  c.tick = e == L6_E_OK ? x.tick : 1;
  if (e == L6_E_OK) e = OPS->ex_trade_list(ST, code, "", false, 0, bar_row, &c, err);
  if (e == L6_E_OK && c.d.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) bar_flush(&c);
  free(c.d.v);
  *out = json_pack("{s:s, s:o}", "instrument", code, "items", c.arr);
  return svc__finish_out(s, e, out, err);
}

/* The day's settlement ("closing") price. settlement_price and
 * previous_settlement_price are the names since issue 14; close and
 * previous_close carry the same values under the old names, deprecated
 * (docs/API.md), because a bar's close is the last trade instead.
 * last_trade_price is today's last trade (null before the first). */
l6_err svc_ex_close(l6_svc *s, const char *code, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_ex_instrument x;
  ex_book *eb = NULL;
  char day[11];
  int64_t prev = 0;
  e = OPS->ex_instrument_get(ST, code, &x, err);
  bars_ctx c = {.arr = json_array(), .tick = e == L6_E_OK ? x.tick : 1};
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK) local_time(s, &x, day, NULL);
  if (e == L6_E_OK) e = ref_price(s, eb, &x, day, &prev, err);
  if (e == L6_E_OK) e = OPS->ex_trade_list(ST, code, day, false, 0, bar_row, &c, err);
  if (e == L6_E_OK && c.d.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_decref(c.arr);
  int64_t settle = day_close(&c.d, prev, c.tick);
  free(c.d.v);
  if (e == L6_E_OK)
    *out = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:s, s:I, s:I}", "instrument", code, "day", day,
                     "settlement_price", (json_int_t)settle, "previous_settlement_price", (json_int_t)prev,
                     "last_trade_price", c.volume > 0 ? json_integer(c.close) : json_null(), "volume",
                     (json_int_t)c.volume, "basis", c.volume > 0 ? "vwap" : "previous_close", "close",
                     (json_int_t)settle, "previous_close", (json_int_t)prev);
  return svc__finish_out(s, e, out, err);
}

/* ---- block agreement transfer: quote and acceptance --------------------- */

/* An open quote's or a new order's account: the actor's own, open, a
 * holding or trading account. */
static l6_err own_account(l6_svc *s, const l6_actor *a, l6_id id, l6_account *acc, l6_error *err) {
  l6_err e = svc__open_account(s, id, "account", acc, err);
  if (e == L6_E_OK && acc->org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)acc->id);
  if (e == L6_E_OK && acc->type != L6_ACCT_HOLDING && acc->type != L6_ACCT_TRADING)
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "orders trade from holding or trading accounts, not %s",
                l6_account_type_str(acc->type));
  return e;
}

/* Reserves what an order of o->side needs (units to escrow, or cash). */
static l6_err reserve(l6_svc *s, const l6_ex_instrument *x, l6_ex_order *o, const l6_actor *a, const char *day,
                      l6_error *err) {
  if (strcmp(o->side, "buy") == 0) {
    o->reserved = buy_need(x, o->price, o->qty);
    return cash_change(s, o->org, x->currency, -o->reserved, o->reserved, "reserve", o->reserved, o->id, err);
  }
  l6_err e = check_offer(s, x, o->account, o->qty, err);
  if (e == L6_E_OK) e = move_units(s, x, o->account, x->escrow, o->qty, a->name, err);
  return e;
}

l6_err svc_ex_quote(l6_svc *s, const l6_actor *a, const l6_ex_quote_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, false, true, err);
  if (e != L6_E_OK) return e;
  bool buy = strcmp(r->side, "buy") == 0;
  if (!buy && strcmp(r->side, "sell") != 0) return l6_fail(err, L6_E_INVALID_VALUE, "side must be buy or sell");
  if (r->counterparty <= 0) return l6_fail(err, L6_E_UNKNOWN_ORGANISATION, "counterparty is an organisation id");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_ex_instrument x;
  ex_book *eb = NULL;
  char day[11] = "";
  l6_account acc;
  l6_org cp;
  e = OPS->ex_instrument_get(ST, r->instrument, &x, err);
  if (e == L6_E_OK && !block(&x)) e = l6_fail(err, L6_E_INVALID_VALUE, "%s is not a block agreement instrument", x.code);
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK) e = check_trading(s, &x, day, err);
  if (e == L6_E_OK) e = check_price_qty(s, eb, &x, false, r->price, r->qty, day, err);
  if (e == L6_E_OK) e = own_account(s, a, r->account, &acc, err);
  if (e == L6_E_OK && r->counterparty == a->org) e = l6_fail(err, L6_E_SELF_TRADE, "a quote names another organisation");
  if (e == L6_E_OK) e = OPS->org_get(ST, r->counterparty, &cp, err);
  l6_ex_order o = {.org = a->org, .account = r->account, .price = r->price, .qty = r->qty, .remaining = r->qty,
                   .counterparty = r->counterparty};
  snprintf(o.instrument, sizeof o.instrument, "%s", x.code);
  snprintf(o.side, sizeof o.side, "%s", buy ? "buy" : "sell");
  snprintf(o.type, sizeof o.type, "limit");
  snprintf(o.tif, sizeof o.tif, "quote");
  snprintf(o.status, sizeof o.status, "open");
  snprintf(o.day, sizeof o.day, "%s", day);
  svc__timestamp(s, o.ts);
  if (e == L6_E_OK) {
    o.id = s->ex->next_id++;
    o.seq = s->ex->next_seq++;
    e = reserve(s, &x, &o, a, day, err);
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  if (e == L6_E_OK && (*out = v_order(&o)) != NULL) json_object_set_new(*out, "counterparty", json_integer(o.counterparty));
  return ex_finish(s, e, NULL, NULL, out, err);
}

l6_err svc_ex_accept(l6_svc *s, const l6_actor *a, l6_id quote, l6_id account, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, false, false, true, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_ex_order q;
  l6_ex_instrument x = {0}; /* read only when the quote is the caller's: zero, not garbage, otherwise */
  ex_book *eb = NULL;
  char day[11] = "";
  l6_account acc;
  e = OPS->ex_order_get(ST, quote, &q, err);
  if (e == L6_E_UNKNOWN_ORDER) l6_fail(err, e, "quote %lld does not exist", (long long)quote);
  if (e == L6_E_OK && (strcmp(q.tif, "quote") != 0 || q.counterparty != a->org))
    e = l6_fail(err, L6_E_FORBIDDEN, "order %lld is not a quote to your organisation", (long long)quote);
  if (e == L6_E_OK && strcmp(q.status, "open") != 0)
    e = l6_fail(err, L6_E_ORDER_CLOSED, "quote %lld is %s", (long long)quote, q.status);
  if (e == L6_E_OK) e = OPS->ex_instrument_get(ST, q.instrument, &x, err);
  if (e == L6_E_OK) e = book_of(s, &x, &eb, err);
  if (e == L6_E_OK) e = check_trading(s, &x, day, err);
  if (e == L6_E_OK) e = check_price_qty(s, eb, &x, false, q.price, q.remaining, day, err);
  if (e == L6_E_OK) e = own_account(s, a, account, &acc, err);
  bool buy = strcmp(q.side, "sell") == 0; /* the acceptor takes the other side */
  l6_ex_order o = {.org = a->org, .account = account, .price = q.price, .qty = q.remaining, .remaining = q.remaining,
                   .counterparty = q.org};
  snprintf(o.instrument, sizeof o.instrument, "%s", x.code);
  snprintf(o.side, sizeof o.side, "%s", buy ? "buy" : "sell");
  snprintf(o.type, sizeof o.type, "limit");
  snprintf(o.tif, sizeof o.tif, "accept");
  snprintf(o.status, sizeof o.status, "open");
  snprintf(o.day, sizeof o.day, "%s", day);
  svc__timestamp(s, o.ts);
  if (e == L6_E_OK) {
    o.id = s->ex->next_id++;
    o.seq = s->ex->next_seq++;
    e = reserve(s, &x, &o, a, day, err);
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  l6_fill f = {.maker_id = (uint64_t)q.id, .maker_owner = (uint64_t)q.org, .taker_id = (uint64_t)o.id,
               .taker_owner = (uint64_t)o.org, .taker_side = buy ? L6_BUY : L6_SELL,
               .price = x.tick > 0 ? q.price / x.tick : 0, /* a refused accept never read x: no division by 0 */
               .qty = q.remaining, .maker_left = 0};
  json_t *trades = json_array();
  if (e == L6_E_OK) e = settle(s, &x, &f, &o, day, a, trades, err);
  if (e == L6_E_OK) {
    assert(o.remaining == 0);
    snprintf(o.status, sizeof o.status, "filled");
    e = release_rest(s, &x, &o, 0, a, err);
  }
  if (e == L6_E_OK) e = OPS->ex_order_put(ST, &o, err);
  if (e == L6_E_OK && (*out = v_order(&o)) != NULL) json_object_set(*out, "trades", trades);
  json_decref(trades);
  return ex_finish(s, e, NULL, NULL, out, err);
}

/* ---- auctions on sealed bids -------------------------------------------- */

typedef struct {
  l6_ex_order *o;
  size_t n, cap;
  bool overflow;
} bids_ctx;

static int bid_row(void *ctx, const void *row) {
  bids_ctx *c = ctx;
  if (c->n == c->cap) {
    c->overflow = true;
    return 1;
  }
  c->o[c->n++] = *(const l6_ex_order *)row;
  return 0;
}

l6_err svc_ex_auction(l6_svc *s, const l6_actor *a, const char *code, int64_t supply, int64_t reserve,
                      l6_id from_account, l6_id proceeds_org, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need(a, true, false, false, err);
  if (e != L6_E_OK) return e;
  bids_ctx bc = {.cap = L6_EX_MAX_BIDS};
  bc.o = malloc(bc.cap * sizeof *bc.o);
  l6_bid *bids = malloc(bc.cap * sizeof *bids);
  int64_t *alloc = malloc(bc.cap * sizeof *alloc);
  size_t *scratch = malloc(bc.cap * sizeof *scratch);
  if (bc.o == NULL || bids == NULL || alloc == NULL || scratch == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(bc.o);
    free(bids);
    free(alloc);
    free(scratch);
    return e;
  }
  l6_ex_instrument x;
  char day[11] = "";
  e = OPS->ex_instrument_get(ST, code, &x, err);
  if (e == L6_E_OK && !sealed(&x))
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s trades continuously; auctions are for primary and one-way instruments", code);
  if (e == L6_E_OK && strcmp(x.status, "open") != 0) e = l6_fail(err, L6_E_INSTRUMENT_HALTED, "%s is %s", code, x.status);
  if (e == L6_E_OK && (supply <= 0 || supply > L6_EX_MAX_QTY || supply % x.lot))
    e = l6_fail(err, L6_E_LOT_SIZE, "supply must be a positive multiple of the lot of %lld t", (long long)x.lot);
  if (e == L6_E_OK && (reserve <= 0 || reserve > L6_EX_MAX_PRICE || reserve % x.tick))
    e = l6_fail(err, L6_E_TICK_SIZE, "the reserve (floor) price must be a positive multiple of the tick %lld", (long long)x.tick);
  l6_account from;
  if (e == L6_E_OK) e = svc__open_account(s, from_account, "from_account", &from, err);
  l6_org po;
  if (e == L6_E_OK && proceeds_org > 0) e = OPS->org_get(ST, proceeds_org, &po, err);
  if (e == L6_E_OK && proceeds_org < 0) e = l6_fail(err, L6_E_UNKNOWN_ORGANISATION, "proceeds_org is an organisation id (0: the operator)");
  int64_t held = 0;
  if (e == L6_E_OK) e = units_held(s, &x, from.id, &held, err);
  if (e == L6_E_OK && held < supply)
    e = l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account %lld holds %lld units eligible for %s, %lld auctioned",
                (long long)from.id, (long long)held, code, (long long)supply);
  if (e == L6_E_OK) e = OPS->ex_order_list(ST, code, 0, true, bid_row, &bc, err);
  if (e == L6_E_OK && bc.overflow) e = l6_fail(err, L6_E_INVALID_QUANTITY, "more than %d bids", L6_EX_MAX_BIDS);
  if (e == L6_E_OK) local_time(s, &x, day, NULL);
  bool primary = strcmp(x.mode, "primary") == 0;
  l6_auc_result res = {0};
  l6_auc_rc rc = L6_AUC_NO_TRADE;
  for (size_t i = 0; e == L6_E_OK && i < bc.n; i++)
    bids[i] = (l6_bid){.id = (uint64_t)bc.o[i].id, .seq = (uint64_t)bc.o[i].seq, .price = bc.o[i].price, .qty = bc.o[i].qty};
  if (e == L6_E_OK && bc.n > 0) {
    rc = primary ? l6_auction_primary(bids, bc.n, supply, reserve, x.lot, x.tick, alloc, scratch, &res)
                 : l6_auction_oneway(bids, bc.n, supply, reserve, x.tick, alloc, scratch, &res);
    if (rc == L6_AUC_BAD) e = l6_fail(err, L6_E_INVALID_VALUE, "the bids cannot be auctioned (a bound or the lot is broken)");
  }
  if (rc != L6_AUC_OK) {
    memset(&res, 0, sizeof res);
    res.unsold = supply;
    for (size_t i = 0; i < bc.n; i++) alloc[i] = 0;
  }
  json_t *allocs = json_array();
  int64_t paid_total = 0, sold = 0;
  for (size_t i = 0; e == L6_E_OK && i < bc.n; i++) {
    l6_ex_order *o = &bc.o[i];
    int64_t q = alloc[i], price = primary ? res.price : o->price;
    assert(q >= 0 && q <= o->qty);
    if (q > 0) {
      int64_t pay = price * q;
      assert(pay <= o->reserved);
      l6_ex_trade t = {.price = price, .qty = q, .buy_order = o->id, .sell_order = 0, .buyer = o->org,
                       .seller = proceeds_org};
      e = move_units_tx(s, &x, from.id, o->account, q, a->name, &t.tx, err);
      snprintf(t.instrument, sizeof t.instrument, "%s", code);
      snprintf(t.taker_side, sizeof t.taker_side, "buy");
      snprintf(t.day, sizeof t.day, "%s", day);
      svc__timestamp(s, t.ts);
      if (e == L6_E_OK) e = OPS->ex_trade_put(ST, &t, err);
      if (e == L6_E_OK) e = cash_change(s, o->org, x.currency, 0, -pay, "trade", -pay, t.id, err);
      if (e == L6_E_OK) e = cash_change(s, proceeds_org, x.currency, pay, 0, "trade", pay, t.id, err);
      o->reserved -= pay;
      paid_total += pay;
      sold += q;
      if (e == L6_E_OK)
        json_array_append_new(allocs, json_pack("{s:I, s:I, s:I, s:I}", "order", (json_int_t)o->id, "org",
                                                (json_int_t)o->org, "qty", (json_int_t)q, "price", (json_int_t)price));
    }
    o->remaining = 0;
    snprintf(o->status, sizeof o->status, "%s", q == o->qty ? "filled" : "cancelled");
    if (e == L6_E_OK) e = release_rest(s, &x, o, 0, a, err);
    if (e == L6_E_OK) e = OPS->ex_order_put(ST, o, err);
  }
  if (e == L6_E_OK) assert(sold == res.sold && paid_total == res.proceeds);
  if (e == L6_E_OK)
    *out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "instrument", code, "mode", x.mode, "price",
                     (json_int_t)res.price, "sold", (json_int_t)res.sold, "unsold", (json_int_t)(supply - res.sold),
                     "proceeds", (json_int_t)res.proceeds, "bids", (json_int_t)bc.n, "allocations", allocs);
  else
    json_decref(allocs);
  free(bc.o);
  free(bids);
  free(alloc);
  free(scratch);
  return svc__finish_out(s, e, out, err);
}

/* ---- check -------------------------------------------------------------------- */

typedef struct {
  char cur[16][4];
  int64_t held[16], flow[16];
  int n;
  bool overflow;
} sums_t;

static int64_t *sum_slot(sums_t *m, const char *cur, bool held) {
  for (int i = 0; i < m->n; i++)
    if (strcmp(m->cur[i], cur) == 0) return held ? &m->held[i] : &m->flow[i];
  if (m->n == 16) {
    m->overflow = true;
    return NULL;
  }
  snprintf(m->cur[m->n], 4, "%s", cur);
  m->held[m->n] = m->flow[m->n] = 0;
  m->n++;
  return held ? &m->held[m->n - 1] : &m->flow[m->n - 1];
}

static int sum_cash(void *ctx, const void *row) {
  const l6_ex_cash *c = row;
  int64_t *p = sum_slot(ctx, c->currency, true);
  if (p) *p += c->balance + c->reserved;
  return 0;
}

static int sum_journal(void *ctx, const void *row) {
  const l6_ex_journal *j = row;
  if (strcmp(j->kind, "deposit") != 0 && strcmp(j->kind, "withdraw") != 0) return 0;
  int64_t *p = sum_slot(ctx, j->currency, false);
  if (p) *p += j->amount;
  return 0;
}

typedef struct {
  l6_svc *s;
  l6_ex_instrument x;
  int64_t sell_open, reserved_need, reserved;
  l6_book *replay;
  bool bad;
} open_ctx;

static int check_open_row(void *ctx, const void *row) {
  open_ctx *c = ctx;
  const l6_ex_order *o = row;
  if (strcmp(o->side, "sell") == 0) c->sell_open += o->remaining;
  else {
    c->reserved_need += buy_need(&c->x, o->price, o->remaining);
    c->reserved += o->reserved;
  }
  l6_order bo = {.id = (uint64_t)o->id, .seq = (uint64_t)o->seq, .owner = (uint64_t)o->org,
                 .side = strcmp(o->side, "buy") == 0 ? L6_BUY : L6_SELL, .tif = L6_TIF_GTC,
                 .flags = o->post_only ? L6_ORD_POST_ONLY : 0, .price = o->price / c->x.tick, .qty = o->remaining};
  if (c->replay && !offbook(&c->x) && strcmp(o->tif, "call") != 0 && l6_book_restore(c->replay, &bo) != L6_BOOK_OK) c->bad = true;
  return 0;
}

typedef struct {
  const l6_book *other;
  bool same;
} cmp_ctx;

static bool cmp_order(void *ctx, const l6_order *o) {
  cmp_ctx *c = ctx;
  l6_order p;
  if (!l6_book_get(c->other, o->id, &p) || p.seq != o->seq || p.price != o->price || p.qty != o->qty || p.side != o->side)
    c->same = false;
  return c->same;
}

typedef struct {
  l6_svc *s;
  l6_err e;
  l6_error *err;
} instr_check_ctx;

static int check_instr_row(void *ctx, const void *row) {
  instr_check_ctx *ic = ctx;
  l6_svc *s = ic->s;
  open_ctx c = {.s = s, .x = *(const l6_ex_instrument *)row};
  c.replay = l6_book_new(L6_EX_MAX_ORDERS, L6_EX_MAX_LEVELS);
  if (c.replay == NULL) {
    ic->e = l6_fail(ic->err, L6_E_NOMEM, NULL);
    return 1;
  }
  ic->e = OPS->ex_order_list(ST, c.x.code, 0, true, check_open_row, &c, ic->err);
  int64_t escrow = 0;
  if (ic->e == L6_E_OK) ic->e = units_held(s, &c.x, c.x.escrow, &escrow, ic->err);
  if (ic->e == L6_E_OK && (c.bad || escrow != c.sell_open || c.reserved != c.reserved_need))
    ic->e = l6_fail(ic->err, L6_E_INTERNAL,
                    "exchange %s: escrow holds %lld, open sells %lld; buy reservations %lld, needed %lld%s", c.x.code,
                    (long long)escrow, (long long)c.sell_open, (long long)c.reserved, (long long)c.reserved_need,
                    c.bad ? "; open orders do not make a book" : "");
  ex_book *eb = NULL;
  if (ic->e == L6_E_OK) ic->e = book_of(s, &c.x, &eb, ic->err);
  if (ic->e == L6_E_OK) {
    cmp_ctx a = {c.replay, true}, b = {eb->book, true};
    l6_book_each(eb->book, cmp_order, &a);
    l6_book_each(c.replay, cmp_order, &b);
    if (!a.same || !b.same || l6_book_count(eb->book) != l6_book_count(c.replay))
      ic->e = l6_fail(ic->err, L6_E_INTERNAL, "exchange %s: the book in memory differs from a replay of the store", c.x.code);
  }
  l6_book_free(c.replay);
  return ic->e != L6_E_OK;
}

l6_err svc_ex_check(l6_svc *s, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  sums_t m = {.n = 0};
  e = OPS->ex_cash_list(ST, -1, sum_cash, &m, err);
  if (e == L6_E_OK) e = OPS->ex_journal_list(ST, -1, sum_journal, &m, err);
  for (int i = 0; e == L6_E_OK && i < m.n; i++)
    if (m.held[i] != m.flow[i])
      e = l6_fail(err, L6_E_INTERNAL, "exchange cash in %s: held + reserved %lld, deposited - withdrawn %lld", m.cur[i],
                  (long long)m.held[i], (long long)m.flow[i]);
  instr_check_ctx ic = {s, L6_E_OK, err};
  if (e == L6_E_OK) e = OPS->ex_instrument_list(ST, check_instr_row, &ic, err);
  if (e == L6_E_OK) e = ic.e;
  return svc__finish(s, e, err);
}

l6_err svc_ex_snapshot(l6_svc *s, const char *code, json_t **out, l6_error *err) {
  return svc_ex_depth(s, code, 10, out, err);
}
