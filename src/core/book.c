/*
 * book.c -- the order book of one instrument (see book.h for the contract).
 *
 * Data structures (all allocated once in l6_book_new, never while matching):
 *   - an order pool: nodes linked in a free list, and, while resting, in a
 *     doubly linked FIFO per price level (head = oldest = lowest seq);
 *   - a level pool (2 * max_levels) and, per side, levels by key (price for
 *     bids, -price for asks: the best level has the highest key): a table
 *     indexed by price within a window of wsize ticks (placed when the side
 *     is empty) with a three-level bitmap of the occupied prices, so finding,
 *     opening and closing a level and stepping to the next one are O(1); the
 *     levels outside the window in a sorted fallback array (binary search,
 *     memmove); the best level of each side cached;
 *   - an open-addressing hash (linear probing, backward-shift deletion) from
 *     order id to node index, so cancel and replace by id are O(1).
 * Finding the level of a price is one table read inside the window.
 *
 * Rules decided before anything changes (so refusals change nothing):
 *   - validation (BAD_ORDER), duplicate id (DUP_ID);
 *   - post-only crossing the best opposite price (WOULD_CROSS);
 *   - FOK: a dry run over the opposite side, stopping where self-trade
 *     prevention would stop, must reach the full quantity (FOK_KILLED);
 *   - FULL: only when a GTC remainder would rest (the dry run says the
 *     order is not completely filled and STP does not stop it) and either
 *     the order pool stays full after the makers it consumes are freed, or
 *     its price needs a new level on its side and that side has max_levels.
 */
#include "book.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct {
  uint64_t id, seq, owner;
  int64_t price, qty;
  uint32_t prev, next, level; /* next doubles as the free-list link */
  uint8_t side, flags;
} node;

typedef struct {
  int64_t price, qty;
  uint32_t count, head, tail;
} level;


/* One side's levels, by key (price for bids, -price for asks: the best
 * level has the highest key). Keys in [base, base + wsize) sit in a table
 * indexed by key - base, with a three-level bitmap of the occupied ones
 * (b0: one bit per key; b1: one bit per non-zero b0 word; b2: one bit per
 * non-zero b1 word), so finding, adding and removing a level and stepping to
 * the next worse one are O(1). The window is placed (centred on the first
 * price) whenever the side is empty; levels outside it go to a sorted
 * fallback array (binary search and memmove, as before the window). */
typedef struct {
  int64_t base;  /* key of window index 0 */
  uint32_t *tab; /* wsize entries: level index or NIL */
  uint64_t *b0, *b1, b2;
  uint32_t *lv;  /* fallback: level indices sorted by key ascending */
  int64_t *lk;   /* fallback: their keys, in step */
  size_t nfb;    /* fallback levels */
  size_t n;      /* levels on this side, window and fallback */
  uint32_t best; /* the best level, NIL when the side is empty */
} bside;

struct l6_book {
  size_t max_orders, max_levels;
  node *nodes;
  uint32_t free_node;
  size_t count;
  level *levels;
  uint32_t *level_free; /* stack of free level indices */
  size_t nlevel_free;
  uint64_t wsize; /* window width in ticks: a power of two in [4096, 2^18] */
  bside sd[2];
  uint64_t *hkey; /* id -> node: 0 = empty slot (ids are > 0) */
  uint32_t *hval;
  size_t hmask;
  uint64_t last_seq;
  uint64_t max_id; /* the largest id ever placed in the book: above it, no duplicate */
};

/* ---- hash ---------------------------------------------------------------- */

/* Home slot of an id. Groups of 8 consecutive ids share one 8-slot run
 * (one cache line of keys), and the groups are spread by Fibonacci hashing:
 * callers hand out increasing ids, so an order's slot is usually in a line
 * its predecessors already brought into the cache, while ids far apart still
 * land far apart. */
static size_t hslot(const l6_book *b, uint64_t id) {
  return (size_t)((((id >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 32 << 3) | (id & 7)) & b->hmask;
}

static uint32_t hfind(const l6_book *b, uint64_t id) {
  for (size_t i = hslot(b, id);; i = (i + 1) & b->hmask) {
    if (b->hkey[i] == id) return b->hval[i];
    if (b->hkey[i] == 0) return NIL;
  }
}

/* Is id in the book? Ids above every id placed so far cannot be (callers
 * hand out increasing ids, so a new order skips the probe and its miss). */
static bool hhas(const l6_book *b, uint64_t id) { return id <= b->max_id && hfind(b, id) != NIL; }

static void hput(l6_book *b, uint64_t id, uint32_t v) {
  size_t i = hslot(b, id);
  while (b->hkey[i] != 0) i = (i + 1) & b->hmask;
  b->hkey[i] = id;
  b->hval[i] = v;
  if (id > b->max_id) b->max_id = id;
}

static void hdel(l6_book *b, uint64_t id) {
  size_t i = hslot(b, id);
  while (b->hkey[i] != id) {
    assert(b->hkey[i] != 0);
    i = (i + 1) & b->hmask;
  }
  /* backward-shift deletion: move later members of the run into the hole */
  size_t j = i;
  for (;;) {
    j = (j + 1) & b->hmask;
    if (b->hkey[j] == 0) break;
    size_t home = hslot(b, b->hkey[j]);
    /* can the entry at j move to i? only if its home is not in (i, j] cyclically */
    bool in_range = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!in_range) {
      b->hkey[i] = b->hkey[j];
      b->hval[i] = b->hval[j];
      i = j;
    }
  }
  b->hkey[i] = 0;
}

/* ---- levels -------------------------------------------------------------- */

static int64_t key_of(int side, int64_t price) { return side == L6_BUY ? price : -price; }

static int clz64(uint64_t x) { return __builtin_clzll(x); }

/* Highest set index <= i (i < W) in side's window bitmap, or -1. */
static int64_t bm_prev(const bside *s, uint64_t i) {
  size_t w = (size_t)(i >> 6);
  uint64_t m = s->b0[w] & (UINT64_MAX >> (63 - (i & 63)));
  if (m) return (int64_t)((w << 6) | (size_t)(63 - clz64(m)));
  size_t w1 = w >> 6;
  m = s->b1[w1] & ((UINT64_C(1) << (w & 63)) - 1); /* words of this group below w */
  if (!m) {
    m = s->b2 & ((UINT64_C(1) << w1) - 1); /* groups below w1 (w1 < 64) */
    if (!m) return -1;
    w1 = (size_t)(63 - clz64(m));
    m = s->b1[w1];
  }
  w = (w1 << 6) | (size_t)(63 - clz64(m));
  return (int64_t)((w << 6) | (size_t)(63 - clz64(s->b0[w])));
}

/* Window index of key on side s, or W (outside) when not in the window. */
static uint64_t win_of(const l6_book *b, const bside *s, int64_t key) {
  uint64_t d = (uint64_t)key - (uint64_t)s->base;
  return d < b->wsize ? d : b->wsize;
}

/* Position of the first fallback element of s whose key is >= key. */
static size_t fb_lower(const bside *s, int64_t key) {
  size_t lo = 0, hi = s->nfb;
  const int64_t *k = s->lk;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (k[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The level of price on side, or NIL. */
static uint32_t lv_find(const l6_book *b, int side, int64_t price) {
  const bside *s = &b->sd[side];
  if (s->n == 0) return NIL;
  int64_t k = key_of(side, price);
  uint64_t d = win_of(b, s, k);
  if (d < b->wsize) return s->tab[d];
  if (s->nfb == 0) return NIL;
  size_t p = fb_lower(s, k);
  return p < s->nfb && s->lk[p] == k ? s->lv[p] : NIL;
}

/* The best level of side with key <= k, or NIL. */
static uint32_t lv_at_or_below(const l6_book *b, int side, int64_t k) {
  const bside *s = &b->sd[side];
  uint32_t li = NIL;
  int64_t lk = 0;
  if (k >= s->base) {
    uint64_t i = (uint64_t)k - (uint64_t)s->base;
    if (i >= b->wsize) i = b->wsize - 1;
    int64_t j = bm_prev(s, i);
    if (j >= 0) {
      li = s->tab[j];
      lk = s->base + j;
    }
  }
  if (s->nfb > 0) {
    size_t p = fb_lower(s, k + 1); /* p - 1: the last fallback key <= k */
    if (p > 0 && (li == NIL || s->lk[p - 1] > lk)) li = s->lv[p - 1];
  }
  return li;
}

/* The next level after li (worse price) on side, or NIL. */
static uint32_t lv_next(const l6_book *b, int side, uint32_t li) {
  return lv_at_or_below(b, side, key_of(side, b->levels[li].price) - 1);
}

static uint32_t lv_insert(l6_book *b, int side, int64_t price) {
  bside *s = &b->sd[side];
  assert(b->nlevel_free > 0 && s->n < b->max_levels);
  uint32_t li = b->level_free[--b->nlevel_free];
  level *L = &b->levels[li];
  L->price = price;
  L->qty = 0;
  L->count = 0;
  L->head = L->tail = NIL;
  int64_t k = key_of(side, price);
  /* an empty side centres its window on the first price */
  if (s->n == 0) s->base = k - (int64_t)(b->wsize / 2);
  uint64_t d = win_of(b, s, k);
  if (d < b->wsize) {
    s->tab[d] = li;
    s->b0[d >> 6] |= UINT64_C(1) << (d & 63);
    s->b1[d >> 12] |= UINT64_C(1) << ((d >> 6) & 63);
    s->b2 |= UINT64_C(1) << (d >> 12);
  } else {
    size_t pos = fb_lower(s, k);
    memmove(s->lv + pos + 1, s->lv + pos, (s->nfb - pos) * sizeof *s->lv);
    memmove(s->lk + pos + 1, s->lk + pos, (s->nfb - pos) * sizeof *s->lk);
    s->lv[pos] = li;
    s->lk[pos] = k;
    s->nfb++;
  }
  s->n++;
  if (s->best == NIL || k > key_of(side, b->levels[s->best].price)) s->best = li;
  return li;
}

static void lv_remove(l6_book *b, int side, uint32_t li) {
  bside *s = &b->sd[side];
  int64_t k = key_of(side, b->levels[li].price);
  uint64_t d = win_of(b, s, k);
  if (d < b->wsize) {
    assert(s->tab[d] == li);
    s->tab[d] = NIL;
    size_t w = (size_t)(d >> 6);
    s->b0[w] &= ~(UINT64_C(1) << (d & 63));
    if (s->b0[w] == 0) {
      s->b1[w >> 6] &= ~(UINT64_C(1) << (w & 63));
      if (s->b1[w >> 6] == 0) s->b2 &= ~(UINT64_C(1) << (w >> 6));
    }
  } else {
    size_t pos = fb_lower(s, k);
    assert(pos < s->nfb && s->lv[pos] == li);
    memmove(s->lv + pos, s->lv + pos + 1, (s->nfb - pos - 1) * sizeof *s->lv);
    memmove(s->lk + pos, s->lk + pos + 1, (s->nfb - pos - 1) * sizeof *s->lk);
    s->nfb--;
  }
  s->n--;
  if (s->best == li) s->best = s->n == 0 ? NIL : lv_at_or_below(b, side, k - 1);
  b->level_free[b->nlevel_free++] = li;
}

/* ---- orders -------------------------------------------------------------- */

/* Appends a new resting order (the caller checked pool, level room, id). */
static void rest(l6_book *b, const l6_order *o, int64_t qty, unsigned flags) {
  assert(b->free_node != NIL);
  int side = (int)o->side;
  uint32_t li = lv_find(b, side, o->price);
  if (li == NIL) li = lv_insert(b, side, o->price);
  uint32_t ni = b->free_node;
  node *n = &b->nodes[ni];
  b->free_node = n->next;
  n->id = o->id;
  n->seq = o->seq;
  n->owner = o->owner;
  n->price = o->price;
  n->qty = qty;
  n->side = (uint8_t)side;
  n->flags = (uint8_t)flags;
  n->level = li;
  level *L = &b->levels[li];
  n->prev = L->tail;
  n->next = NIL;
  if (L->tail != NIL) b->nodes[L->tail].next = ni;
  else L->head = ni;
  L->tail = ni;
  L->count++;
  L->qty += qty;
  hput(b, o->id, ni);
  b->count++;
}

/* Unlinks and frees a resting order, and its level when it empties. */
static void unrest(l6_book *b, uint32_t ni) {
  node *n = &b->nodes[ni];
  level *L = &b->levels[n->level];
  if (n->prev != NIL) b->nodes[n->prev].next = n->next;
  else L->head = n->next;
  if (n->next != NIL) b->nodes[n->next].prev = n->prev;
  else L->tail = n->prev;
  L->count--;
  L->qty -= n->qty;
  if (L->count == 0) {
    assert(L->qty == 0);
    lv_remove(b, n->side, n->level);
  }
  hdel(b, n->id);
  n->id = 0;
  n->next = b->free_node;
  b->free_node = ni;
  b->count--;
}

static bool crosses(int side, bool market, int64_t limit, int64_t maker_price) {
  if (market) return true;
  return side == L6_BUY ? limit >= maker_price : limit <= maker_price;
}

typedef struct {
  int64_t matchable; /* quantity that would trade, at most qty */
  bool stp;          /* matching would stop at an order of the owner */
  size_t consumed;   /* makers that would be completely filled */
} dry;

/* What matching would do, without changing anything. */
static dry dry_run(const l6_book *b, int side, bool market, int64_t limit, uint64_t owner,
                   int64_t qty) {
  dry d = {0, false, 0};
  int opp = !side;
  for (uint32_t li = b->sd[opp].best; li != NIL && d.matchable < qty; li = lv_next(b, opp, li)) {
    const level *L = &b->levels[li];
    if (!crosses(side, market, limit, L->price)) break;
    for (uint32_t ni = L->head; ni != NIL && d.matchable < qty; ni = b->nodes[ni].next) {
      const node *m = &b->nodes[ni];
      if (m->owner == owner) {
        d.stp = true;
        return d;
      }
      int64_t q = qty - d.matchable < m->qty ? qty - d.matchable : m->qty;
      d.matchable += q;
      if (q == m->qty) d.consumed++;
    }
  }
  return d;
}

/* Would a GTC remainder at price on side find room? in_book: orders in the
 * book not counting the one being placed; levels_now: the side's level count;
 * level_exists: a level at that price exists (and stays). */
static bool room_for(const l6_book *b, int side, int64_t price, uint64_t owner, int64_t qty,
                     size_t in_book, size_t levels_now, bool level_exists) {
  bool pool_full = in_book >= b->max_orders;
  bool lv_full = !level_exists && levels_now >= b->max_levels;
  if (!pool_full && !lv_full) return true;
  dry d = dry_run(b, side, false, price, owner, qty);
  if (d.stp || d.matchable == qty) return true; /* nothing rests */
  if (lv_full) return false;
  return in_book - d.consumed < b->max_orders;
}

/* Matching proper: trades o (remaining qty *rem) against the opposite side. */
static void match(l6_book *b, int side, bool market, int64_t limit, uint64_t id, uint64_t owner,
                  int64_t *rem, bool *stp, l6_fill_fn fill, void *ctx) {
  int opp = !side;
  while (*rem > 0 && b->sd[opp].best != NIL) {
    uint32_t li = b->sd[opp].best;
    level *L = &b->levels[li];
    if (!crosses(side, market, limit, L->price)) break;
    uint32_t ni = L->head;
    node *m = &b->nodes[ni];
    if (m->owner == owner) {
      *stp = true;
      break;
    }
    int64_t q = *rem < m->qty ? *rem : m->qty;
    m->qty -= q;
    L->qty -= q;
    *rem -= q;
    l6_fill f = {m->id, m->owner, id, owner, (l6_side)side, m->price, q, m->qty};
    if (m->qty == 0) unrest(b, ni);
    if (fill != NULL) fill(ctx, &f);
  }
}

static bool valid(const l6_book *b, const l6_order *o) {
  if (o->id == 0 || o->qty <= 0 || o->qty > L6_BOOK_MAX_QTY) return false;
  if (o->side != L6_BUY && o->side != L6_SELL) return false;
  if (o->tif != L6_TIF_GTC && o->tif != L6_TIF_IOC && o->tif != L6_TIF_FOK) return false;
  if (o->flags & ~(unsigned)(L6_ORD_POST_ONLY | L6_ORD_MARKET)) return false;
  if ((o->flags & L6_ORD_MARKET) && o->tif == L6_TIF_GTC) return false;
  if ((o->flags & L6_ORD_POST_ONLY) && o->tif != L6_TIF_GTC) return false;
  if (!(o->flags & L6_ORD_MARKET) && (o->price <= 0 || o->price > L6_BOOK_MAX_PRICE)) return false;
  if (o->seq <= b->last_seq) return false;
  return true;
}

/* ---- public -------------------------------------------------------------- */

l6_book *l6_book_new(size_t max_orders, size_t max_levels) {
  if (max_orders == 0 || max_levels == 0 || max_orders > L6_BOOK_MAX_ORDERS ||
      max_levels > L6_BOOK_MAX_ORDERS)
    return NULL;
  l6_book *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->max_orders = max_orders;
  b->max_levels = max_levels;
  size_t hcap = 16;
  while (hcap < 2 * max_orders) hcap *= 2;
  b->hmask = hcap - 1;
  /* malloc + memset rather than calloc: every page is written here, so the
   * first orders do not take page faults on the hot path */
  b->nodes = malloc(max_orders * sizeof *b->nodes);
  b->levels = malloc(2 * max_levels * sizeof *b->levels);
  b->level_free = malloc(2 * max_levels * sizeof *b->level_free);
  /* the price window: 16 ticks per level the side may hold, 4096 to 2^18 */
  b->wsize = 4096;
  while (b->wsize < 16 * (uint64_t)max_levels && b->wsize < (UINT64_C(1) << 18)) b->wsize *= 2;
  bool ok = true;
  for (int side = 0; side < 2; side++) {
    bside *s = &b->sd[side];
    s->lv = malloc(max_levels * sizeof *s->lv);
    s->lk = malloc(max_levels * sizeof *s->lk);
    s->tab = malloc(b->wsize * sizeof *s->tab);
    s->b0 = calloc(b->wsize / 64, sizeof *s->b0);
    s->b1 = calloc(b->wsize / 4096, sizeof *s->b1);
    s->best = NIL;
    if (!s->lv || !s->lk || !s->tab || !s->b0 || !s->b1) ok = false;
  }
  b->hkey = malloc(hcap * sizeof *b->hkey);
  b->hval = malloc(hcap * sizeof *b->hval);
  if (!ok || !b->nodes || !b->levels || !b->level_free || !b->hkey || !b->hval) {
    l6_book_free(b);
    return NULL;
  }
  for (int side = 0; side < 2; side++) {
    memset(b->sd[side].lv, 0, max_levels * sizeof *b->sd[side].lv);
    memset(b->sd[side].lk, 0, max_levels * sizeof *b->sd[side].lk);
    memset(b->sd[side].tab, 0xff, b->wsize * sizeof *b->sd[side].tab); /* NIL */
  }
  memset(b->nodes, 0, max_orders * sizeof *b->nodes);
  memset(b->levels, 0, 2 * max_levels * sizeof *b->levels);
  memset(b->hkey, 0, hcap * sizeof *b->hkey);
  memset(b->hval, 0, hcap * sizeof *b->hval);
  for (size_t i = 0; i < max_orders; i++) b->nodes[i].next = i + 1 < max_orders ? (uint32_t)(i + 1) : NIL;
  b->free_node = 0;
  for (size_t i = 0; i < 2 * max_levels; i++) b->level_free[i] = (uint32_t)(2 * max_levels - 1 - i);
  b->nlevel_free = 2 * max_levels;
  return b;
}

void l6_book_free(l6_book *b) {
  if (b == NULL) return;
  free(b->nodes);
  free(b->levels);
  free(b->level_free);
  for (int side = 0; side < 2; side++) {
    free(b->sd[side].lv);
    free(b->sd[side].lk);
    free(b->sd[side].tab);
    free(b->sd[side].b0);
    free(b->sd[side].b1);
  }
  free(b->hkey);
  free(b->hval);
  free(b);
}

l6_book_rc l6_book_submit(l6_book *b, const l6_order *o, l6_fill_fn fill, void *ctx,
                          l6_submit_result *res) {
  l6_submit_result r = {0, 0, 0, false};
  if (res != NULL) {
    res->filled = res->resting = res->cancelled = 0;
    res->stp = false;
  }
  if (!valid(b, o)) return L6_BOOK_BAD_ORDER;
  if (hhas(b, o->id)) return L6_BOOK_DUP_ID;
  /* A GTC order may rest: start fetching its hash slot while it matches. */
  if (o->tif == L6_TIF_GTC) {
    size_t h = hslot(b, o->id);
    __builtin_prefetch(&b->hkey[h], 1);
    __builtin_prefetch(&b->hval[h], 1);
    if (b->free_node != NIL) __builtin_prefetch(&b->nodes[b->free_node], 1);
  }
  int side = (int)o->side, opp = !side;
  bool market = (o->flags & L6_ORD_MARKET) != 0;
  if (o->flags & L6_ORD_POST_ONLY) {
    if (b->sd[opp].best != NIL && crosses(side, false, o->price, b->levels[b->sd[opp].best].price))
      return L6_BOOK_WOULD_CROSS;
  }
  if (o->tif == L6_TIF_FOK) {
    dry d = dry_run(b, side, market, o->price, o->owner, o->qty);
    if (d.matchable < o->qty) return L6_BOOK_FOK_KILLED;
  }
  if (o->tif == L6_TIF_GTC) {
    bool exists = lv_find(b, side, o->price) != NIL;
    if (!room_for(b, side, o->price, o->owner, o->qty, b->count, b->sd[side].n, exists))
      return L6_BOOK_FULL;
  }
  b->last_seq = o->seq;
  int64_t rem = o->qty;
  match(b, side, market, o->price, o->id, o->owner, &rem, &r.stp, fill, ctx);
  r.filled = o->qty - rem;
  if (rem > 0 && o->tif == L6_TIF_GTC && !r.stp) {
    rest(b, o, rem, o->flags);
    r.resting = rem;
  } else {
    r.cancelled = rem;
  }
  if (res != NULL) *res = r;
  return L6_BOOK_OK;
}

l6_book_rc l6_book_cancel(l6_book *b, uint64_t id, int64_t *left) {
  if (left != NULL) *left = 0;
  uint32_t ni = id == 0 ? NIL : hfind(b, id);
  if (ni == NIL) return L6_BOOK_NOT_FOUND;
  if (left != NULL) *left = b->nodes[ni].qty;
  unrest(b, ni);
  return L6_BOOK_OK;
}

l6_book_rc l6_book_replace(l6_book *b, uint64_t id, int64_t new_price, int64_t new_qty,
                           uint64_t new_seq, l6_fill_fn fill, void *ctx, l6_submit_result *res) {
  l6_submit_result r = {0, 0, 0, false};
  if (res != NULL) *res = r;
  uint32_t ni = id == 0 ? NIL : hfind(b, id);
  if (ni == NIL) return L6_BOOK_NOT_FOUND;
  if (new_qty <= 0 || new_qty > L6_BOOK_MAX_QTY || new_price <= 0 || new_price > L6_BOOK_MAX_PRICE)
    return L6_BOOK_BAD_ORDER;
  node *n = &b->nodes[ni];
  if (new_price == n->price && new_qty <= n->qty) {
    /* keeps its priority */
    b->levels[n->level].qty -= n->qty - new_qty;
    n->qty = new_qty;
    r.resting = new_qty;
    if (res != NULL) *res = r;
    return L6_BOOK_OK;
  }
  if (new_seq <= b->last_seq) return L6_BOOK_BAD_ORDER;
  int side = n->side;
  /* Room after removing the order: its slot is free; its level goes if it is alone. */
  const level *L = &b->levels[n->level];
  bool alone = L->count == 1;
  size_t levels_after = b->sd[side].n - (alone ? 1 : 0);
  uint32_t at = lv_find(b, side, new_price);
  bool exists = at != NIL && !(at == n->level && alone);
  if (!room_for(b, side, new_price, n->owner, new_qty, b->count - 1, levels_after, exists))
    return L6_BOOK_FULL;
  l6_order o = {id, new_seq, n->owner, (l6_side)side, L6_TIF_GTC, 0, new_price, new_qty};
  unrest(b, ni);
  b->last_seq = new_seq;
  int64_t rem = new_qty;
  match(b, side, false, new_price, id, o.owner, &rem, &r.stp, fill, ctx);
  r.filled = new_qty - rem;
  if (rem > 0 && !r.stp) {
    rest(b, &o, rem, 0);
    r.resting = rem;
  } else {
    r.cancelled = rem;
  }
  if (res != NULL) *res = r;
  return L6_BOOK_OK;
}

l6_book_rc l6_book_restore(l6_book *b, const l6_order *o) {
  if (!valid(b, o) || o->tif != L6_TIF_GTC || (o->flags & L6_ORD_MARKET)) return L6_BOOK_BAD_ORDER;
  if (hhas(b, o->id)) return L6_BOOK_DUP_ID;
  int side = (int)o->side, opp = !side;
  if (b->sd[opp].best != NIL && crosses(side, false, o->price, b->levels[b->sd[opp].best].price))
    return L6_BOOK_BAD_ORDER;
  bool exists = lv_find(b, side, o->price) != NIL;
  if (b->count >= b->max_orders || (!exists && b->sd[side].n >= b->max_levels)) return L6_BOOK_FULL;
  b->last_seq = o->seq;
  rest(b, o, o->qty, o->flags);
  return L6_BOOK_OK;
}

static void to_order(const node *n, l6_order *out) {
  out->id = n->id;
  out->seq = n->seq;
  out->owner = n->owner;
  out->side = (l6_side)n->side;
  out->tif = L6_TIF_GTC;
  out->flags = n->flags;
  out->price = n->price;
  out->qty = n->qty;
}

bool l6_book_get(const l6_book *b, uint64_t id, l6_order *out) {
  uint32_t ni = id == 0 ? NIL : hfind(b, id);
  if (ni == NIL) return false;
  if (out != NULL) to_order(&b->nodes[ni], out);
  return true;
}

size_t l6_book_depth(const l6_book *b, l6_side side, l6_level *out, size_t max) {
  if (side != L6_BUY && side != L6_SELL) return 0;
  size_t k = 0;
  for (uint32_t li = b->sd[side].best; li != NIL && k < max; li = lv_next(b, side, li), k++) {
    const level *L = &b->levels[li];
    out[k].price = L->price;
    out[k].qty = L->qty;
    out[k].count = L->count;
  }
  return k;
}

bool l6_book_best(const l6_book *b, l6_side side, int64_t *price) {
  if ((side != L6_BUY && side != L6_SELL) || b->sd[side].best == NIL) return false;
  if (price != NULL) *price = b->levels[b->sd[side].best].price;
  return true;
}

void l6_book_each(const l6_book *b, bool (*fn)(void *ctx, const l6_order *o), void *ctx) {
  for (int side = 0; side < 2; side++) {
    for (uint32_t li = b->sd[side].best; li != NIL; li = lv_next(b, side, li)) {
      const level *L = &b->levels[li];
      for (uint32_t ni = L->head; ni != NIL; ni = b->nodes[ni].next) {
        l6_order o;
        to_order(&b->nodes[ni], &o);
        if (!fn(ctx, &o)) return;
      }
    }
  }
}

size_t l6_book_count(const l6_book *b) { return b->count; }

uint64_t l6_book_last_seq(const l6_book *b) { return b->last_seq; }

#define CHECK(c, msg)      \
  do {                     \
    if (!(c)) {            \
      if (why) *why = msg; \
      return false;        \
    }                      \
  } while (0)

bool l6_book_check(const l6_book *b, const char **why) {
  size_t total = 0;
  CHECK(b->nlevel_free + b->sd[0].n + b->sd[1].n == 2 * b->max_levels, "level pool leaks");
  for (int side = 0; side < 2; side++) {
    const bside *s = &b->sd[side];
    CHECK(s->n <= b->max_levels && s->nfb <= s->n, "too many levels");
    /* the window: table, bitmaps and levels agree */
    size_t nwin = 0;
    for (uint64_t d = 0; d < b->wsize; d++) {
      bool bit = (s->b0[d >> 6] >> (d & 63)) & 1;
      CHECK(bit == (s->tab[d] != NIL), "window bitmap out of step");
      if ((d & 63) == 0) {
        bool b1 = (s->b1[d >> 12] >> ((d >> 6) & 63)) & 1;
        CHECK(b1 == (s->b0[d >> 6] != 0), "window summary bitmap out of step");
      }
      if ((d & 4095) == 0) {
        bool b2 = (s->b2 >> (d >> 12)) & 1;
        CHECK(b2 == (s->b1[d >> 12] != 0), "window top bitmap out of step");
      }
      if (s->tab[d] == NIL) continue;
      CHECK(s->tab[d] < 2 * b->max_levels, "level index out of range");
      CHECK(key_of(side, b->levels[s->tab[d]].price) == s->base + (int64_t)d, "level in the wrong window slot");
      nwin++;
    }
    CHECK(b->wsize / 4096 == 64 || (s->b2 >> (b->wsize / 4096)) == 0, "window top bitmap beyond the window");
    for (size_t i = 0; i < s->nfb; i++) {
      CHECK(s->lv[i] < 2 * b->max_levels, "level index out of range");
      CHECK(s->lk[i] == key_of(side, b->levels[s->lv[i]].price), "level key out of step");
      CHECK(win_of(b, s, s->lk[i]) == b->wsize, "fallback level inside the window");
      if (i > 0) CHECK(s->lk[i - 1] < s->lk[i], "levels not sorted");
    }
    CHECK(nwin + s->nfb == s->n, "level count wrong");
    size_t seen = 0;
    int64_t prev_key = 0;
    for (uint32_t li = s->best; li != NIL; li = lv_next(b, side, li)) {
      CHECK(li < 2 * b->max_levels && seen < s->n, "level walk out of range");
      const level *L = &b->levels[li];
      CHECK(L->price > 0, "level price not positive");
      CHECK(lv_find(b, side, L->price) == li, "level not found by its price");
      if (seen > 0) CHECK(key_of(side, L->price) < prev_key, "levels not sorted");
      prev_key = key_of(side, L->price);
      seen++;
      CHECK(L->count > 0 && L->head != NIL && L->tail != NIL, "empty level in the book");
      int64_t qty = 0;
      uint32_t count = 0, prev = NIL;
      uint64_t last_seq = 0;
      for (uint32_t ni = L->head; ni != NIL; ni = b->nodes[ni].next) {
        CHECK(ni < b->max_orders, "order index out of range");
        CHECK(count <= b->max_orders, "cycle in a level");
        const node *n = &b->nodes[ni];
        CHECK(n->prev == prev, "broken prev link");
        CHECK(n->level == li && n->side == side && n->price == L->price, "order in the wrong level");
        CHECK(n->qty > 0, "resting order without quantity");
        CHECK(n->id != 0 && hfind(b, n->id) == ni, "order not found by its id");
        CHECK(count == 0 || n->seq > last_seq, "seq order broken within a level");
        CHECK(n->seq <= b->last_seq, "seq above the last seq");
        last_seq = n->seq;
        qty += n->qty;
        count++;
        prev = ni;
      }
      CHECK(L->tail == prev, "broken tail");
      CHECK(count == L->count, "level count wrong");
      CHECK(qty == L->qty, "level quantity wrong");
      total += count;
    }
    CHECK(seen == s->n, "level walk misses levels");
  }
  CHECK(total == b->count, "order count wrong");
  size_t hn = 0;
  for (size_t i = 0; i <= b->hmask; i++) {
    hn += b->hkey[i] != 0;
    CHECK(b->hkey[i] <= b->max_id, "id above the largest id placed");
  }
  CHECK(hn == b->count, "id index size wrong");
  int64_t bid, ask;
  if (l6_book_best(b, L6_BUY, &bid) && l6_book_best(b, L6_SELL, &ask))
    CHECK(bid < ask, "crossed book");
  return true;
}
