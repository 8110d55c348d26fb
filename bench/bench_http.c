/*
 * bench_http.c -- transfers through the HTTP API of a real server process.
 *
 * Starts `ledger6 demo` and then `ledger6 serve --port 0 --admin-token` on
 * a store in a fresh temporary folder (or a fresh database on a PostgreSQL
 * server, --store), creates its fixtures over HTTP (one
 * organisation, 16 holding accounts, one forwarded issuance of 1,000,000
 * units each), then:
 *   1 client   sends BENCH_SEQ transfers one after another;
 *   N clients  (BENCH_CLIENTS threads, each with its own libcurl handle and
 *              keep-alive connection) send BENCH_TOTAL transfers between
 *              them, stopping early at BENCH_DEADLINE_S seconds.
 * Every request is POST /v1/transfers with one transfer: an odd quantity
 * (1-99 units, picked by quantity, so blocks split) from a random bench
 * account to another. Reports requests per second, p50/p99/max latency and
 * the number of answers that were not 201, then stops the server (SIGTERM)
 * and runs `ledger6 check` on the store.
 *
 * Output: human lines and "RESULT <key> <value>" lines for bench/run.sh.
 *
 * usage: bench_http [--quick] [--store sqlite|postgres://.../postgres]
 * (the harness, its options and environment: benchlib.h)
 */
#include <stdio.h>

#include "benchlib.h"

#define BENCH_ACCOUNTS 16
#define BENCH_UNITS_PER_ACCOUNT 1000000LL
#define BENCH_CLIENTS 32
#define BENCH_TOTAL 20000
#define BENCH_SEQ 2000

static long long accounts[BENCH_ACCOUNTS];

static void fixtures(void) {
  bench_client c;
  bench_client_init(&c, bench_admin_header);
  long long org = bench_fixture(&c, "/v1/organisations", "{\"registry\":\"GHA01\",\"name\":\"Bench holders\"}", "id");
  for (int i = 0; i < BENCH_ACCOUNTS; i++) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"registry\":\"GHA01\",\"organisation\":%lld,\"type\":\"holding\",\"name\":\"bench holding %d\"}", org, i);
    accounts[i] = bench_fixture(&c, "/v1/accounts", body, "id");
    snprintf(body, sizeof body,
             "{\"registry\":\"GHA01\",\"project\":\"GHA.ARR.01\",\"unit_type\":\"VCU\",\"vintage\":2024,"
             "\"quantity\":%lld,\"forward_to\":%lld}",
             BENCH_UNITS_PER_ACCOUNT, accounts[i]);
    bench_fixture(&c, "/v1/issuances", body, NULL);
  }
  bench_client_free(&c);
}

/* One transfer: an odd quantity between two random bench accounts, as the admin. */
static const char *transfer(int index, long i, uint64_t *rng, char *body, size_t cap) {
  (void)index;
  (void)i;
  int from = (int)(bench_rng_next(rng) % BENCH_ACCOUNTS);
  int to = (from + 1 + (int)(bench_rng_next(rng) % (BENCH_ACCOUNTS - 1))) % BENCH_ACCOUNTS;
  int qty = (int)(2 * (bench_rng_next(rng) % 50) + 1);
  snprintf(body, cap, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":%d}",
           accounts[from], accounts[to], qty);
  return bench_admin_header;
}

int main(int argc, char **argv) {
  bool quick = bench_start("bench_http", argc, argv);
  long total = quick ? 2000 : BENCH_TOTAL, seq = quick ? 200 : BENCH_SEQ;
  fixtures();
  bench_result one = bench_load(1, seq, "/v1/transfers", transfer);
  bench_result many = bench_load(BENCH_CLIENTS, total, "/v1/transfers", transfer);
  int serve_status, check_status;
  bench_stop(&serve_status, &check_status);

  printf("HTTP POST /v1/transfers, one transfer per request, %d accounts, odd quantities 1-99\n", BENCH_ACCOUNTS);
  bench_show("1 client:", one);
  char what[64];
  snprintf(what, sizeof what, "%d clients:", BENCH_CLIENTS);
  bench_show(what, many);
  printf("  server stopped with status %d; ledger6 check: %s\n", serve_status, check_status == 0 ? "ok" : "FAILED");
  bench_results("http", BENCH_CLIENTS, one, many, check_status);
  if (check_status != 0) return 1;
  bench_cleanup();
  return many.not_201 == 0 && one.not_201 == 0 ? 0 : 1;
}
