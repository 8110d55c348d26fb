/*
 * bench_book.c -- the matching engine (src/core/book.c) alone, in memory.
 * Not a test: `make bench` runs it through bench/run.sh; figures and the
 * machine are in docs/PERFORMANCE.md, section "Order book".
 *
 * 1. insert-only, as liquibook's published benchmark: alternating buy and
 *    sell GTC limit orders, price = rand() % 10 + (buy ? 1880 : 1884),
 *    quantity = (rand() % 10 + 1) * 100, for 3 seconds; prints orders
 *    inserted per second and orders matched (filled completely, makers and
 *    takers). The order stream (2^20 orders, srand(1)) is made in advance;
 *    the 40 % of orders that never cross pile up, so the book is replaced
 *    by a fresh one every 2^20 orders (outside the timed sections).
 * 2. exchange-core's order mix on one book: about 1,000 resting orders over
 *    about 750 price levels, then 3,000,000 commands: 9 % new GTC limit
 *    orders, 3 % IOC (1 in 32 of them FOK), 6 % cancels, 82 % moves (a
 *    replace to a new price: loses priority; 1 in 64 moves to the opposite
 *    best and trades). New GTC orders are passive while the book holds at
 *    most 1,000 orders and go to the opposite best above that, which keeps
 *    the book near its starting shape. Prints operations
 *    per second (closed loop, back to back, CPU time), then latency p50/p99/p99.9 of
 *    an open-loop run at 1,000,000 operations/s: command i is due at
 *    start + i us; latency = completion - due time, so a stall delays (and
 *    is charged to) every command queued behind it. It also prints the
 *    service time alone (start to completion of each command), which
 *    separates the engine's cost from the scheduler's on a shared machine.
 *    The command generator
 *    (xorshift, live-order bookkeeping) is inside the timed loop.
 *
 *    Time is the process's CPU time (CLOCK_PROCESS_CPUTIME_ID, what
 *    liquibook's clock() reads), so a descheduled process is not charged.
 *    Then the same stream into one book that is never replaced (liquibook's
 *    own policy) for a fixed 2^22 orders. bench/compare/liquibook.sh runs
 *    liquibook in the same harness (docs/PERFORMANCE.md).
 *
 * usage: bench_book [--quick] [--insert-only] [--mix-only]
 *   --quick        0.3 s, 2^20 kept orders and 300,000 commands
 *   --insert-only  the insert-only tests alone
 *   --mix-only     exchange-core's mix alone (for profiling it apart)
 * Output: a report and "RESULT book_<key> <value>" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/book.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- 1. insert-only ----------------------------------------------------- */

typedef struct {
  int64_t price, qty;
} pq;

enum { INS_N = 1 << 20 }; /* the insert-only stream, and the replacement period */

static unsigned long g_matched;

static void count_fill(void *ctx, const l6_fill *f) {
  const l6_order *taker = ctx;
  if (f->maker_left == 0) g_matched++;
  (void)taker;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static pq *insert_stream(void) {
  pq *st = malloc(INS_N * sizeof *st);
  if (st == NULL) exit(1);
  srand(1);
  for (size_t i = 0; i < INS_N; i++) {
    bool buy = (i % 2) == 0;
    st[i].price = rand() % 10 + (buy ? 1880 : 1884);
    st[i].qty = (rand() % 10 + 1) * 100;
  }
  return st;
}

static void insert_one(l6_book *b, const pq *p, uint64_t seq, size_t i, unsigned long *fully) {
  /* every order its own owner: no self-trade prevention */
  l6_order o = {seq, seq, seq, (i % 2) ? L6_SELL : L6_BUY, L6_TIF_GTC, 0, p->price, p->qty};
  l6_submit_result r;
  if (l6_book_submit(b, &o, count_fill, &o, &r) != L6_BOOK_OK) {
    fprintf(stderr, "bench_book: submit refused\n");
    exit(1);
  }
  *fully += r.filled == o.qty;
}

/* Policy "replaced": a fresh book every 2^20 orders, for `seconds` of CPU. */
static void insert_only(double seconds) {
  pq *st = insert_stream();
  l6_book *b = l6_book_new(INS_N, 64);
  if (b == NULL) exit(1);
  unsigned long inserted = 0, fully = 0;
  double spent = 0;
  uint64_t seq = 0;
  g_matched = 0;
  while (spent < seconds) {
    double t0 = cpu_s();
    for (size_t i = 0; i < INS_N; i++) {
      insert_one(b, &st[i], ++seq, i, &fully);
      inserted++;
      if ((i & 4095) == 0 && spent + (cpu_s() - t0) >= seconds) break;
    }
    spent += cpu_s() - t0;
    l6_book_free(b); /* a fresh book: the never-crossing orders pile up */
    b = l6_book_new(INS_N, 64);
    if (b == NULL) exit(1);
  }
  l6_book_free(b);
  free(st);
  double rate = (double)inserted / spent;
  printf("insert-only (liquibook's workload), book replaced every 2^20 orders: %lu orders in %.2f s CPU: "
         "%.0f orders inserted/s; %lu orders matched completely (%lu makers, %lu takers)\n",
         inserted, spent, rate, g_matched + fully, g_matched, fully);
  printf("RESULT book_insert_per_s %.0f\n", rate);
  printf("RESULT book_insert_matched %lu\n", g_matched + fully);
}

/* Policy "kept" (liquibook's own): one book for `count` orders (the stream
 * repeated), never replaced. */
static void insert_kept(size_t count) {
  pq *st = insert_stream();
  l6_book *b = l6_book_new(count, 64);
  if (b == NULL) exit(1);
  unsigned long fully = 0;
  g_matched = 0;
  double t0 = cpu_s();
  for (size_t i = 0; i < count; i++) insert_one(b, &st[i % INS_N], i + 1, i, &fully);
  double spent = cpu_s() - t0;
  printf("insert-only, one book kept for %zu orders: %.2f s CPU: %.0f orders inserted/s; %lu matched\n", count,
         spent, (double)count / spent, g_matched + fully);
  printf("RESULT book_insert_kept_per_s %.0f\n", (double)count / spent);
  l6_book_free(b);
  free(st);
}

/* ---- 2. exchange-core's mix ----------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t xr(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

/* The live orders: an array of ids with a position per id (ids are dense). */
typedef struct {
  uint64_t *ids;
  uint32_t *pos; /* by id; UINT32_MAX: not live */
  size_t n, cap_ids;
} live_set;

static void live_add(live_set *l, uint64_t id) {
  l->pos[id] = (uint32_t)l->n;
  l->ids[l->n++] = id;
}

static void live_del(live_set *l, uint64_t id) {
  uint32_t p = l->pos[id];
  if (p == UINT32_MAX) return;
  uint64_t last = l->ids[--l->n];
  l->ids[p] = last;
  l->pos[last] = p;
  l->pos[id] = UINT32_MAX;
}

static void on_mix_fill(void *ctx, const l6_fill *f) {
  if (f->maker_left == 0) live_del(ctx, f->maker_id);
}

enum { MID = 100000, HALF = 900, TARGET = 1000 };

typedef struct {
  l6_book *b;
  live_set live;
  uint64_t next_id, seq;
  unsigned long fills_orders;
} mix;

static int64_t passive_price(l6_side side) {
  int64_t off = 1 + (int64_t)(xr() % HALF);
  return side == L6_BUY ? MID - off : MID + off;
}

static void mix_init(mix *m, size_t commands) {
  size_t ids = commands + 4096;
  m->b = l6_book_new(1 << 16, 4096);
  m->live.ids = malloc(ids * sizeof *m->live.ids);
  m->live.pos = malloc((ids + 1) * sizeof *m->live.pos);
  if (m->b == NULL || m->live.ids == NULL || m->live.pos == NULL) exit(1);
  memset(m->live.pos, 0xff, (ids + 1) * sizeof *m->live.pos);
  m->live.n = 0;
  m->next_id = 1;
  m->seq = 0;
  for (int i = 0; i < 1000; i++) {
    l6_side side = (l6_side)(i & 1);
    l6_order o = {m->next_id++, ++m->seq, 0, side, L6_TIF_GTC, 0, 0, 0};
    o.owner = xr() % 1000 + 1;
    o.price = passive_price(side);
    o.qty = (int64_t)(xr() % 10 + 1) * 10;
    l6_submit_result r;
    if (l6_book_submit(m->b, &o, on_mix_fill, &m->live, &r) == L6_BOOK_OK && r.resting > 0)
      live_add(&m->live, o.id);
  }
}

static void mix_free(mix *m) {
  l6_book_free(m->b);
  free(m->live.ids);
  free(m->live.pos);
}

/* One command of the mix. */
static void mix_step(mix *m) {
  unsigned k = (unsigned)(xr() % 100);
  l6_submit_result r;
  if (k >= 18 && m->live.n > 0) { /* 82 %: move */
    uint64_t id = m->live.ids[xr() % m->live.n];
    l6_order o;
    l6_book_get(m->b, id, &o);
    /* mostly a passive move; 1 in 64 crosses to the other side's best */
    int64_t price = passive_price(o.side);
    if ((xr() & 63) == 0) {
      int64_t best;
      if (l6_book_best(m->b, o.side == L6_BUY ? L6_SELL : L6_BUY, &best)) price = best;
    }
    l6_book_rc rc = l6_book_replace(m->b, id, price, o.qty, ++m->seq, on_mix_fill, &m->live, &r);
    if (rc == L6_BOOK_OK && r.resting == 0) live_del(&m->live, id);
    return;
  }
  if (k >= 12 && m->live.n > 0) { /* 6 %: cancel */
    uint64_t id = m->live.ids[xr() % m->live.n];
    int64_t left;
    l6_book_cancel(m->b, id, &left);
    live_del(&m->live, id);
    return;
  }
  l6_side side = (l6_side)(xr() & 1);
  l6_order o = {m->next_id++, ++m->seq, 0, side, L6_TIF_GTC, 0, 0, 0};
  o.owner = xr() % 1000 + 1;
  o.qty = (int64_t)(xr() % 10 + 1) * 10;
  if (k >= 3) { /* 9 %: GTC: passive, or at the opposite best while the book is above its size */
    o.price = passive_price(side);
    int64_t best;
    if (m->live.n > TARGET && l6_book_best(m->b, side == L6_BUY ? L6_SELL : L6_BUY, &best))
      o.price = best, o.qty *= 2;
  } else { /* 3 %: IOC (1 in 32 FOK) at the opposite best, small */
    o.qty = (int64_t)(xr() % 5 + 1);
    o.tif = (xr() & 31) == 0 ? L6_TIF_FOK : L6_TIF_IOC;
    int64_t best;
    if (!l6_book_best(m->b, side == L6_BUY ? L6_SELL : L6_BUY, &best)) best = MID;
    o.price = best;
  }
  if (l6_book_submit(m->b, &o, on_mix_fill, &m->live, &r) == L6_BOOK_OK && r.resting > 0)
    live_add(&m->live, o.id);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void exchange_mix(size_t commands) {
  mix m;
  rng_state = 0x9E3779B97F4A7C15u;
  mix_init(&m, commands);
  l6_level *lv = malloc(8192 * sizeof *lv);
  if (lv == NULL) exit(1);
  size_t levels0 = l6_book_depth(m.b, L6_BUY, lv, 4096) + l6_book_depth(m.b, L6_SELL, lv, 4096);
  size_t orders0 = l6_book_count(m.b);
  double t0 = cpu_s(); /* CPU time, as the insert-only tests */
  for (size_t i = 0; i < commands; i++) mix_step(&m);
  double dt = cpu_s() - t0;
  size_t levels1 = l6_book_depth(m.b, L6_BUY, lv, 4096) + l6_book_depth(m.b, L6_SELL, lv, 4096);
  printf("exchange-core mix, one book: %zu orders over %zu levels at the start, %zu over %zu at "
         "the end; %zu commands in %.2f s CPU: %.0f ops/s (closed loop)\n",
         orders0, levels0, l6_book_count(m.b), levels1, commands, dt, (double)commands / dt);
  printf("RESULT book_mix_ops_per_s %.0f\n", (double)commands / dt);
  const char *why;
  if (!l6_book_check(m.b, &why)) {
    fprintf(stderr, "bench_book: book broken: %s\n", why);
    exit(1);
  }
  mix_free(&m);

  /* open loop at 1M ops/s */
  rng_state = 0x2545F4914F6CDD1Du;
  mix_init(&m, commands);
  uint32_t *lat = malloc(commands * sizeof *lat), *svc = malloc(commands * sizeof *svc);
  if (lat == NULL || svc == NULL) exit(1);
  size_t late = 0; /* commands that started more than 1 us after their due time */
  uint64_t start = now_ns() + 1000000; /* 1 ms to settle */
  while (now_ns() < start) {
  }
  for (size_t i = 0; i < commands; i++) {
    uint64_t due = start + (uint64_t)i * 1000u;
    uint64_t begin;
    if (now_ns() > due + 1000) late++;
    while ((begin = now_ns()) < due) {
    }
    mix_step(&m);
    uint64_t done = now_ns(), d = done - due, e = done - begin;
    lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    svc[i] = e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
  }
  qsort(lat, commands, sizeof *lat, cmp_u32);
  double p50 = lat[commands / 2] / 1000.0, p99 = lat[commands * 99 / 100] / 1000.0,
         p999 = lat[commands * 999 / 1000] / 1000.0, pmax = lat[commands - 1] / 1000.0;
  printf("open loop at 1,000,000 ops/s, %zu commands: latency p50 %.2f us, p99 %.2f us, "
         "p99.9 %.2f us, max %.1f us\n",
         commands, p50, p99, p999, pmax);
  printf("RESULT book_lat_p50_us %.2f\nRESULT book_lat_p99_us %.2f\nRESULT book_lat_p999_us %.2f\n",
         p50, p99, p999);
  /* the engine's own time per command (start to completion), which a
   * preempted process does not inflate for the commands queued behind */
  qsort(svc, commands, sizeof *svc, cmp_u32);
  printf("  service time alone (start to completion of each command): p50 %.2f us, p99 %.2f us, "
         "p99.9 %.2f us; %zu of %zu commands started late\n",
         svc[commands / 2] / 1000.0, svc[commands * 99 / 100] / 1000.0,
         svc[commands * 999 / 1000] / 1000.0, late, commands);
  free(svc);
  free(lat);
  free(lv);
  mix_free(&m);
}

int main(int argc, char **argv) {
  bool quick = false, insert = false, mix_only = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = true;
    else if (strcmp(argv[i], "--insert-only") == 0) insert = true;
    else if (strcmp(argv[i], "--mix-only") == 0) mix_only = true;
    else {
      fprintf(stderr, "usage: bench_book [--quick] [--insert-only] [--mix-only]\n");
      return 2;
    }
  }
  if (!mix_only) {
    insert_only(quick ? 0.3 : 3.0);
    insert_kept(quick ? (size_t)1 << 20 : (size_t)1 << 22);
  }
  if (!insert) exchange_mix(quick ? 300000 : 3000000);
  return 0;
}
