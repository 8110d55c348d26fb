/*
 * book.c -- the order book of one instrument (see book.h for the contract).
 *
 * Data structures (all allocated once in l6_book_new, never while matching):
 *   - an order pool: nodes linked in a free list, and, while resting, in a
 *     doubly linked FIFO per price level (head = oldest = lowest seq);
 *   - a level pool (2 * max_levels) and, per side, a sorted array of level
 *     indices by key ascending, key = price for bids and -price for asks, so
 *     the best level of either side is the LAST element: a new best level or
 *     removing the best level moves nothing; a parallel array holds the keys,
 *     so the binary search reads one contiguous array;
 *   - an open-addressing hash (linear probing, backward-shift deletion) from
 *     order id to node index, so cancel and replace by id are O(1).
 * Finding the level of a price is a binary search in the side's array.
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


struct l6_book {
  size_t max_orders, max_levels;
  node *nodes;
  uint32_t free_node;
  size_t count;
  level *levels;
  uint32_t *level_free; /* stack of free level indices */
  size_t nlevel_free;
  uint32_t *lv[2]; /* per side: level indices sorted by key ascending, best last */
  int64_t *lk[2];  /* per side: the keys of lv, in step (binary search without indirection) */
  size_t nlv[2];
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

/* Position of the first element of side's array whose key is >= key. */
static size_t lv_lower(const l6_book *b, int side, int64_t key) {
  size_t lo = 0, hi = b->nlv[side];
  const int64_t *k = b->lk[side];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (k[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The level of price on side, or NIL; *pos gets its (insertion) position. */
static uint32_t lv_find(const l6_book *b, int side, int64_t price, size_t *pos) {
  int64_t k = key_of(side, price);
  size_t n = b->nlv[side];
  /* fast path: at or better than the best level */
  if (n > 0) {
    int64_t kb = b->lk[side][n - 1];
    if (k == kb) {
      *pos = n - 1;
      return b->lv[side][n - 1];
    }
    if (k > kb) {
      *pos = n;
      return NIL;
    }
  }
  size_t p = lv_lower(b, side, k);
  *pos = p;
  if (p < n && b->lk[side][p] == k) return b->lv[side][p];
  return NIL;
}

static uint32_t lv_insert(l6_book *b, int side, int64_t price, size_t pos) {
  assert(b->nlevel_free > 0 && b->nlv[side] < b->max_levels);
  uint32_t li = b->level_free[--b->nlevel_free];
  level *L = &b->levels[li];
  L->price = price;
  L->qty = 0;
  L->count = 0;
  L->head = L->tail = NIL;
  uint32_t *a = b->lv[side];
  memmove(a + pos + 1, a + pos, (b->nlv[side] - pos) * sizeof *a);
  a[pos] = li;
  int64_t *k = b->lk[side];
  memmove(k + pos + 1, k + pos, (b->nlv[side] - pos) * sizeof *k);
  k[pos] = key_of(side, price);
  b->nlv[side]++;
  return li;
}

static void lv_remove(l6_book *b, int side, uint32_t li) {
  size_t n = b->nlv[side];
  uint32_t *a = b->lv[side];
  size_t pos;
  if (n > 0 && a[n - 1] == li) {
    pos = n - 1;
  } else {
    pos = lv_lower(b, side, key_of(side, b->levels[li].price));
    assert(pos < n && a[pos] == li);
  }
  memmove(a + pos, a + pos + 1, (n - pos - 1) * sizeof *a);
  memmove(b->lk[side] + pos, b->lk[side] + pos + 1, (n - pos - 1) * sizeof *b->lk[side]);
  b->nlv[side]--;
  b->level_free[b->nlevel_free++] = li;
}

/* ---- orders -------------------------------------------------------------- */

/* Appends a new resting order (the caller checked pool, level room, id). */
static void rest(l6_book *b, const l6_order *o, int64_t qty, unsigned flags) {
  assert(b->free_node != NIL);
  size_t pos;
  int side = (int)o->side;
  uint32_t li = lv_find(b, side, o->price, &pos);
  if (li == NIL) li = lv_insert(b, side, o->price, pos);
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
  for (size_t i = b->nlv[opp]; i > 0 && d.matchable < qty; i--) {
    const level *L = &b->levels[b->lv[opp][i - 1]];
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
  while (*rem > 0 && b->nlv[opp] > 0) {
    uint32_t li = b->lv[opp][b->nlv[opp] - 1];
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
  b->lv[0] = malloc(max_levels * sizeof *b->lv[0]);
  b->lv[1] = malloc(max_levels * sizeof *b->lv[1]);
  b->lk[0] = malloc(max_levels * sizeof *b->lk[0]);
  b->lk[1] = malloc(max_levels * sizeof *b->lk[1]);
  b->hkey = malloc(hcap * sizeof *b->hkey);
  b->hval = malloc(hcap * sizeof *b->hval);
  if (!b->nodes || !b->levels || !b->level_free || !b->lv[0] || !b->lv[1] || !b->lk[0] || !b->lk[1] || !b->hkey || !b->hval) {
    l6_book_free(b);
    return NULL;
  }
  memset(b->nodes, 0, max_orders * sizeof *b->nodes);
  memset(b->levels, 0, 2 * max_levels * sizeof *b->levels);
  memset(b->lv[0], 0, max_levels * sizeof *b->lv[0]);
  memset(b->lv[1], 0, max_levels * sizeof *b->lv[1]);
  memset(b->lk[0], 0, max_levels * sizeof *b->lk[0]);
  memset(b->lk[1], 0, max_levels * sizeof *b->lk[1]);
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
  free(b->lv[0]);
  free(b->lv[1]);
  free(b->lk[0]);
  free(b->lk[1]);
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
  if (o->tif == L6_TIF_GTC) __builtin_prefetch(&b->hkey[hslot(b, o->id)], 1);
  int side = (int)o->side, opp = !side;
  bool market = (o->flags & L6_ORD_MARKET) != 0;
  if (o->flags & L6_ORD_POST_ONLY) {
    if (b->nlv[opp] > 0 &&
        crosses(side, false, o->price, b->levels[b->lv[opp][b->nlv[opp] - 1]].price))
      return L6_BOOK_WOULD_CROSS;
  }
  if (o->tif == L6_TIF_FOK) {
    dry d = dry_run(b, side, market, o->price, o->owner, o->qty);
    if (d.matchable < o->qty) return L6_BOOK_FOK_KILLED;
  }
  if (o->tif == L6_TIF_GTC) {
    size_t pos;
    bool exists = lv_find(b, side, o->price, &pos) != NIL;
    if (!room_for(b, side, o->price, o->owner, o->qty, b->count, b->nlv[side], exists))
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
  size_t levels_after = b->nlv[side] - (alone ? 1 : 0);
  size_t pos;
  uint32_t at = lv_find(b, side, new_price, &pos);
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
  if (b->nlv[opp] > 0 &&
      crosses(side, false, o->price, b->levels[b->lv[opp][b->nlv[opp] - 1]].price))
    return L6_BOOK_BAD_ORDER;
  size_t pos;
  bool exists = lv_find(b, side, o->price, &pos) != NIL;
  if (b->count >= b->max_orders || (!exists && b->nlv[side] >= b->max_levels)) return L6_BOOK_FULL;
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
  size_t n = b->nlv[side], k = 0;
  for (size_t i = n; i > 0 && k < max; i--, k++) {
    const level *L = &b->levels[b->lv[side][i - 1]];
    out[k].price = L->price;
    out[k].qty = L->qty;
    out[k].count = L->count;
  }
  return k;
}

bool l6_book_best(const l6_book *b, l6_side side, int64_t *price) {
  if ((side != L6_BUY && side != L6_SELL) || b->nlv[side] == 0) return false;
  if (price != NULL) *price = b->levels[b->lv[side][b->nlv[side] - 1]].price;
  return true;
}

void l6_book_each(const l6_book *b, bool (*fn)(void *ctx, const l6_order *o), void *ctx) {
  for (int side = 0; side < 2; side++) {
    for (size_t i = b->nlv[side]; i > 0; i--) {
      const level *L = &b->levels[b->lv[side][i - 1]];
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
  CHECK(b->nlevel_free + b->nlv[0] + b->nlv[1] == 2 * b->max_levels, "level pool leaks");
  for (int side = 0; side < 2; side++) {
    CHECK(b->nlv[side] <= b->max_levels, "too many levels");
    for (size_t i = 0; i < b->nlv[side]; i++) {
      uint32_t li = b->lv[side][i];
      CHECK(li < 2 * b->max_levels, "level index out of range");
      const level *L = &b->levels[li];
      CHECK(L->price > 0, "level price not positive");
      CHECK(b->lk[side][i] == key_of(side, L->price), "level key out of step");
      if (i > 0) CHECK(b->lk[side][i - 1] < b->lk[side][i], "levels not sorted");
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
