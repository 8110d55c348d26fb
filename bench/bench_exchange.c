/*
 * bench_exchange.c -- orders through the exchange's HTTP API of a real
 * server process, each accepted durably (matched, settled and committed)
 * before its 201.
 *
 * Starts `ledger6 demo` and then `ledger6 serve --port 0 --admin-token` on
 * a store in a fresh temporary folder (or a fresh database on a PostgreSQL
 * server, --store), creates its fixtures over HTTP (a selling and a buying
 * organisation with a holder token each, 2,000,000 VCUs for the seller,
 * cash for the buyer, instrument BENCH.VCU with fees), then:
 *   1 client   sends BENCH_SEQ orders one after another;
 *   N clients  (BENCH_CLIENTS threads, half selling, half buying, each with
 *              its own libcurl handle and keep-alive connection) send
 *              BENCH_TOTAL orders between them, stopping early at
 *              BENCH_DEADLINE_S seconds.
 * Every request is POST /v1/exchange/orders: a GTC limit order, sells at
 * 50.00-50.09, buys at 49.95-50.04 (so about a third cross and trade),
 * 1-10 t. Reports orders per second, p50/p99/max latency and the answers
 * that were not 201, then stops the server (SIGTERM) and runs `ledger6
 * check` (ledger partition, exchange conservation, books = replay).
 *
 * Output: human lines and "RESULT <key> <value>" lines for bench/run.sh.
 *
 * usage: bench_exchange [--quick] [--store sqlite|postgres://.../postgres]
 * (the harness, its options and environment: benchlib.h)
 */
#include <stdio.h>

#include "benchlib.h"

#define BENCH_CLIENTS 32
#define BENCH_TOTAL 20000
#define BENCH_SEQ 2000

static char sell_header[128], buy_header[128]; /* the members' tokens */
static long long sell_acc, buy_acc;

static void fixtures(void) {
  bench_client c;
  bench_client_init(&c, bench_admin_header);
  long long seller = bench_fixture(&c, "/v1/organisations", "{\"registry\":\"GHA01\",\"name\":\"Bench seller\"}", "id");
  long long buyer = bench_fixture(&c, "/v1/organisations", "{\"registry\":\"GHA01\",\"name\":\"Bench buyer\"}", "id");
  char body[320];
  snprintf(body, sizeof body, "{\"registry\":\"GHA01\",\"organisation\":%lld,\"type\":\"trading\",\"name\":\"bench\"}", seller);
  sell_acc = bench_fixture(&c, "/v1/accounts", body, "id");
  snprintf(body, sizeof body, "{\"registry\":\"GHA01\",\"organisation\":%lld,\"type\":\"trading\",\"name\":\"bench\"}", buyer);
  buy_acc = bench_fixture(&c, "/v1/accounts", body, "id");
  snprintf(body, sizeof body,
           "{\"registry\":\"GHA01\",\"project\":\"GHA.ARR.01\",\"unit_type\":\"VCU\",\"vintage\":2024,"
           "\"quantity\":2000000,\"forward_to\":%lld}", sell_acc);
  bench_fixture(&c, "/v1/issuances", body, NULL);
  bench_fixture(&c, "/v1/exchange/instruments",
                "{\"code\":\"BENCH.VCU\",\"name\":\"bench\",\"kind\":\"contract\",\"unit_type\":\"VCU\","
                "\"project\":\"GHA.ARR.01\",\"vintage_from\":2024,\"vintage_to\":2024,\"registry\":\"GHA01\","
                "\"currency\":\"EUR\",\"minor_units\":2,\"tick\":1,\"lot\":1,\"maker_bps\":10,\"taker_bps\":20}",
                NULL);
  snprintf(body, sizeof body, "{\"org\":%lld,\"currency\":\"EUR\",\"amount\":100000000000}", buyer);
  bench_fixture(&c, "/v1/exchange/deposits", body, NULL);
  bench_holder_header(&c, seller, sell_header, sizeof sell_header);
  bench_holder_header(&c, buyer, buy_header, sizeof buy_header);
  bench_client_free(&c);
}

/* One order: even threads sell, odd ones buy, the single client alternates;
 * sells at 50.00-50.09, buys at 49.95-50.04, 1-10 t. */
static const char *order(int index, long i, uint64_t *rng, char *body, size_t cap) {
  bool sell = index < 0 ? i % 2 == 0 : index % 2 == 0;
  int price = (sell ? 5000 : 4995) + (int)(bench_rng_next(rng) % 10), qty = 1 + (int)(bench_rng_next(rng) % 10);
  snprintf(body, cap, "{\"instrument\":\"BENCH.VCU\",\"account\":%lld,\"side\":\"%s\",\"price\":%d,\"qty\":%d}",
           sell ? sell_acc : buy_acc, sell ? "sell" : "buy", price, qty);
  return sell ? sell_header : buy_header;
}

int main(int argc, char **argv) {
  bool quick = bench_start("bench_exchange", argc, argv);
  long total = quick ? 2000 : BENCH_TOTAL, seq = quick ? 200 : BENCH_SEQ;
  fixtures();
  bench_result one = bench_load(1, seq, "/v1/exchange/orders", order);
  bench_result many = bench_load(BENCH_CLIENTS, total, "/v1/exchange/orders", order);
  int serve_status, check_status;
  bench_stop(&serve_status, &check_status);

  printf("HTTP POST /v1/exchange/orders, GTC limit orders 1-10 t around 50.00 EUR, about a third trading\n");
  bench_show("1 client:", one);
  char what[64];
  snprintf(what, sizeof what, "%d clients:", BENCH_CLIENTS);
  bench_show(what, many);
  printf("  server stopped with status %d; ledger6 check: %s\n", serve_status, check_status == 0 ? "ok" : "FAILED");
  bench_results("ex_http", BENCH_CLIENTS, one, many, check_status);
  if (check_status != 0) return 1;
  bench_cleanup();
  return many.not_201 == 0 && one.not_201 == 0 ? 0 : 1;
}
