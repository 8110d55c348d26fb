/*
 * benchlib.h -- the harness the HTTP benchmarks share (bench_http.c,
 * bench_exchange.c): a fresh store with the demo registry, a real
 * `ledger6 serve` process on a free loopback port, libcurl clients with
 * keep-alive connections, threads sending requests, latency percentiles,
 * `ledger6 check` afterwards, and the "RESULT <key> <value>" lines
 * bench/run.sh collects.
 *
 * Usage of a benchmark built on it:
 *   bench_NAME [--quick] [--store sqlite|postgres://.../postgres]
 * (run from the repository root; with a postgres:// URI the run creates
 * its own database there and drops it afterwards). Environment: L6_BIN
 * (default $BUILD/ledger6, BUILD default "build"), TMPDIR (where the
 * temporary store goes, default /tmp).
 */
#ifndef L6_BENCHLIB_H
#define L6_BENCHLIB_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_DEADLINE_S 60.0 /* a load stops early after this many seconds */
#define BENCH_ERRORS_SHOWN 3  /* non-201 answers printed per thread */

/* The admin's "Authorization: Bearer ..." header, once bench_start ran. */
extern char bench_admin_header[128];

double bench_now_s(void);

/* Prints "NAME: message", kills the server if it runs, exits with 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parses the command line, makes the temporary folder and the store,
 * fills it with `ledger6 demo` and starts the server. True with --quick. */
bool bench_start(const char *name, int argc, char **argv);

/* Stops the server (SIGTERM, then SIGKILL after 10 s) and runs `ledger6
 * check` on the store: their exit statuses. */
void bench_stop(int *serve_status, int *check_status);

/* Removes the temporary folder (and the PostgreSQL database). */
void bench_cleanup(void);

typedef struct {
  CURL *curl;
  struct curl_slist *headers;
  char auth[128]; /* the Authorization header in use */
  char reply[4096];
  size_t reply_len;
} bench_client;

/* A client sending JSON with the given Authorization header. */
void bench_client_init(bench_client *c, const char *auth);
/* Switches the client's Authorization header (no-op when unchanged). */
void bench_client_auth(bench_client *c, const char *auth);
void bench_client_free(bench_client *c);

/* POSTs body to path; the HTTP status (0 on a transport error), the reply
 * (truncated to 4 KiB) in c->reply. */
long bench_post(bench_client *c, const char *path, const char *body);

/* POSTs a fixture, which must answer 201; the integer field `field` of the
 * reply (0 when field is NULL). */
long long bench_fixture(bench_client *c, const char *path, const char *body, const char *field);

/* A holder token for org, as an Authorization header. */
void bench_holder_header(bench_client *c, long long org, char *header, size_t cap);

uint64_t bench_rng_next(uint64_t *s);

/* Request i of thread index (-1: the only client of a one-client load):
 * writes its JSON body, returns the Authorization header to send it with. */
typedef const char *(*bench_request_fn)(int index, long i, uint64_t *rng, char *body, size_t cap);

typedef struct {
  long sent, not_201;
  double seconds, per_s, p50_ms, p99_ms, max_ms;
  double group_avg; /* requests per durable commit during the load (the server's
                       ledger6_store_group_members_total / ..._commit_groups_total) */
  double server_cpu_us; /* the server process's CPU time (user + system) per request */
} bench_result;

/* Runs `clients` threads sending `total` POSTs to path between them. */
bench_result bench_load(int clients, long total, const char *path, bench_request_fn request);

/* Readers in the background (issue 16): n threads, each with its own
 * client, GET path(i) as the admin, each at most per_s times a second (a
 * fixed read load, not one that takes whatever CPU the writers leave),
 * until bench_readers_stop, which returns the reads done (and counts
 * answers other than 200 in *not_200). */
typedef const char *(*bench_path_fn)(long i);
void bench_readers_start(int n, double per_s, bench_path_fn path);
long bench_readers_stop(long *not_200);

/* The human line of a load, and the RESULT lines of the one-client and the
 * many-client loads and the check, keys prefixed with prefix ("http" ->
 * http1_per_s, http_per_s, ...). */
void bench_show(const char *what, bench_result r);
void bench_results(const char *prefix, int clients, bench_result one, bench_result many, int check_status);

#endif
