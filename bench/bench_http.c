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
 * the number of answers that were not 201. Then the write rate with and
 * without readers: BENCH_RW_WRITERS clients send BENCH_RW_TOTAL transfers
 * alone, then again while BENCH_READERS clients GET /v1/accounts/{id},
 * each BENCH_READ_RATE times a second (reads run on reader connections, off the writer lock: the write
 * rate should hold). Then it stops the server (SIGTERM)
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
#define BENCH_RW_WRITERS 8
#define BENCH_RW_TOTAL 4000
#define BENCH_READERS 8
#define BENCH_READ_RATE 250.0 /* reads per second per reader: 2,000/s in all */

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

/* A reader's GET: one bench account (authentication and a small read, so
 * that the readers compete for the writer's lock more than for the CPU). */
static const char *account_path(long i) {
  static _Thread_local char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld", accounts[i % BENCH_ACCOUNTS]);
  return path;
}

int main(int argc, char **argv) {
  bool quick = bench_start("bench_http", argc, argv);
  long total = quick ? 2000 : BENCH_TOTAL, seq = quick ? 200 : BENCH_SEQ;
  fixtures();
  bench_result one = bench_load(1, seq, "/v1/transfers", transfer);
  bench_result many = bench_load(BENCH_CLIENTS, total, "/v1/transfers", transfer);
  long rw_total = quick ? 800 : BENCH_RW_TOTAL, not_200 = 0;
  bench_result alone = bench_load(BENCH_RW_WRITERS, rw_total, "/v1/transfers", transfer);
  bench_readers_start(BENCH_READERS, BENCH_READ_RATE, account_path);
  bench_result with = bench_load(BENCH_RW_WRITERS, rw_total, "/v1/transfers", transfer);
  long reads = bench_readers_stop(&not_200);
  int serve_status, check_status;
  bench_stop(&serve_status, &check_status);

  printf("HTTP POST /v1/transfers, one transfer per request, %d accounts, odd quantities 1-99\n", BENCH_ACCOUNTS);
  bench_show("1 client:", one);
  char what[64];
  snprintf(what, sizeof what, "%d clients:", BENCH_CLIENTS);
  bench_show(what, many);
  snprintf(what, sizeof what, "%d clients alone:", BENCH_RW_WRITERS);
  bench_show(what, alone);
  snprintf(what, sizeof what, "%d clients, %d readers:", BENCH_RW_WRITERS, BENCH_READERS);
  bench_show(what, with);
  printf("  readers: %ld GET /v1/accounts/{id} in %.2f s (%.0f/s), non-200 %ld; write rate with/without readers %.2f\n", reads,
         with.seconds, (double)reads / with.seconds, not_200, with.per_s / alone.per_s);
  printf("  server stopped with status %d; ledger6 check: %s\n", serve_status, check_status == 0 ? "ok" : "FAILED");
  bench_results("http", BENCH_CLIENTS, one, many, check_status);
  printf("RESULT http_rw_alone_per_s %.0f\n", alone.per_s);
  printf("RESULT http_rw_readers_per_s %.0f\n", with.per_s);
  printf("RESULT http_rw_reads_per_s %.0f\n", (double)reads / with.seconds);
  printf("RESULT http_rw_not200 %ld\n", not_200);
  if (check_status != 0) return 1;
  bench_cleanup();
  return many.not_201 == 0 && one.not_201 == 0 && alone.not_201 == 0 && with.not_201 == 0 && not_200 == 0 ? 0 : 1;
}
