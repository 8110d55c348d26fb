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
 *        (run from the repository root; with a postgres:// URI the run
 *        creates its own database there and drops it afterwards)
 * Environment: L6_BIN (default $BUILD/ledger6, BUILD default "build"),
 * TMPDIR (where the temporary store goes, default /tmp).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define BENCH_CLIENTS 32
#define BENCH_TOTAL 20000
#define BENCH_SEQ 2000
#define BENCH_DEADLINE_S 60.0
#define BENCH_ERRORS_SHOWN 3

static char bin[4096];          /* the ledger6 binary */
static char dir[4096];          /* temporary folder */
static char db[4200];           /* the store: a file, or a PostgreSQL database's spec */
static const char *pg_base;    /* --store postgres://...; NULL: SQLite */
static char pgdb[64];          /* the database made there */
static char base_url[64];       /* http://127.0.0.1:PORT */
static char auth_header[128];   /* Authorization: Bearer ... */
static char keys[4300];         /* the signing key file, in the temporary folder */
static char sell_header[128], buy_header[128]; /* the members' tokens */
static long long sell_acc, buy_acc;
static pid_t server_pid = -1;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints a message, stops the server (if running) and exits with status 1. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench_exchange: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (server_pid > 0) {
    kill(server_pid, SIGKILL);
    waitpid(server_pid, NULL, 0);
  }
  exit(1);
}

/* Runs argv to completion with stdout and stderr appended to log; returns
 * the exit status (-1 if it did not exit normally). */
static int run_wait(char *const argv[], const char *log) {
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    if (freopen(log, "a", stdout) == NULL || dup2(fileno(stdout), 2) < 0) _exit(127);
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts `ledger6 serve` and reads its token and port from its stdout. */
static void server_start(void) {
  int fds[2];
  if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
  char log[4300];
  snprintf(log, sizeof log, "%s/serve.log", dir);
  server_pid = fork();
  if (server_pid < 0) die("fork: %s", strerror(errno));
  if (server_pid == 0) {
    close(fds[0]);
    dup2(fds[1], 1);
    if (freopen(log, "a", stderr) == NULL) _exit(127);
    execl(bin, bin, "serve", "--store", db, "--config", "config", "--keys", keys, "--port", "0", "--admin-token", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *out = fdopen(fds[0], "r");
  char line[512];
  int port = 0;
  while (port == 0 && out && fgets(line, sizeof line, out)) {
    char tok[100];
    if (sscanf(line, "admin token: %99s", tok) == 1) snprintf(auth_header, sizeof auth_header, "Authorization: Bearer %s", tok);
    sscanf(line, "listening on http://127.0.0.1:%d/", &port);
  }
  if (port == 0 || auth_header[0] == '\0') die("the server did not start; see %s", log);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
  /* The pipe stays open (and unread) so the server never gets SIGPIPE. */
}

/* Sends SIGTERM and waits up to 10 s for a clean exit; returns its status. */
static int server_stop(void) {
  kill(server_pid, SIGTERM);
  for (int i = 0; i < 1000; i++) {
    int st;
    pid_t r = waitpid(server_pid, &st, WNOHANG);
    if (r == server_pid) {
      server_pid = -1;
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    usleep(10000);
  }
  kill(server_pid, SIGKILL);
  waitpid(server_pid, NULL, 0);
  server_pid = -1;
  return -1;
}

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct {
  char buf[4096];
  size_t len;
} reply_buf;

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  reply_buf *r = ctx;
  size_t len = size * n, room = sizeof r->buf - 1 - r->len;
  memcpy(r->buf + r->len, data, len < room ? len : room);
  r->len += len < room ? len : room;
  r->buf[r->len] = '\0';
  return len;
}

typedef struct {
  CURL *curl;
  struct curl_slist *headers;
  reply_buf reply;
} client;

static void client_init(client *c, const char *auth) {
  memset(c, 0, sizeof *c);
  c->curl = curl_easy_init();
  if (c->curl == NULL) die("curl_easy_init failed");
  c->headers = curl_slist_append(NULL, "Content-Type: application/json");
  c->headers = curl_slist_append(c->headers, auth);
  curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->reply);
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
}

static void client_free(client *c) {
  curl_slist_free_all(c->headers);
  curl_easy_cleanup(c->curl);
}

/* POSTs body to path; returns the HTTP status (0 on a transport error) with
 * the reply in c->reply. */
static long client_post(client *c, const char *path, const char *body) {
  char url[256];
  snprintf(url, sizeof url, "%s%s", base_url, path);
  c->reply.len = 0;
  c->reply.buf[0] = '\0';
  curl_easy_setopt(c->curl, CURLOPT_URL, url);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
  if (curl_easy_perform(c->curl) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* POSTs a fixture and returns the integer field `field` of the reply. */
static long long fixture(client *c, const char *path, const char *body, const char *field) {
  long st = client_post(c, path, body);
  if (st != 201) die("fixture failed: %s", c->reply.buf);
  json_t *v = json_loads(c->reply.buf, 0, NULL);
  long long id = field ? (long long)json_integer_value(json_object_get(v, field)) : 0;
  json_decref(v);
  return id;
}

static void token(client *c, long long org, char *header, size_t cap) {
  char body[160];
  snprintf(body, sizeof body, "{\"role\":\"holder\",\"organisation\":%lld,\"label\":\"bench\"}", org);
  if (client_post(c, "/v1/tokens", body) != 201) die("token: %s", c->reply.buf);
  json_t *v = json_loads(c->reply.buf, 0, NULL);
  snprintf(header, cap, "Authorization: Bearer %s", json_string_value(json_object_get(v, "token")));
  json_decref(v);
}

static void fixtures(void) {
  client c;
  client_init(&c, auth_header);
  long long seller = fixture(&c, "/v1/organisations", "{\"registry\":\"GHA01\",\"name\":\"Bench seller\"}", "id");
  long long buyer = fixture(&c, "/v1/organisations", "{\"registry\":\"GHA01\",\"name\":\"Bench buyer\"}", "id");
  char body[320];
  snprintf(body, sizeof body, "{\"registry\":\"GHA01\",\"organisation\":%lld,\"type\":\"trading\",\"name\":\"bench\"}", seller);
  sell_acc = fixture(&c, "/v1/accounts", body, "id");
  snprintf(body, sizeof body, "{\"registry\":\"GHA01\",\"organisation\":%lld,\"type\":\"trading\",\"name\":\"bench\"}", buyer);
  buy_acc = fixture(&c, "/v1/accounts", body, "id");
  snprintf(body, sizeof body,
           "{\"registry\":\"GHA01\",\"project\":\"GHA.ARR.01\",\"unit_type\":\"VCU\",\"vintage\":2024,"
           "\"quantity\":2000000,\"forward_to\":%lld}", sell_acc);
  fixture(&c, "/v1/issuances", body, NULL);
  fixture(&c, "/v1/exchange/instruments",
          "{\"code\":\"BENCH.VCU\",\"name\":\"bench\",\"kind\":\"contract\",\"unit_type\":\"VCU\","
          "\"project\":\"GHA.ARR.01\",\"vintage_from\":2024,\"vintage_to\":2024,\"registry\":\"GHA01\","
          "\"currency\":\"EUR\",\"minor_units\":2,\"tick\":1,\"lot\":1,\"maker_bps\":10,\"taker_bps\":20}",
          NULL);
  snprintf(body, sizeof body, "{\"org\":%lld,\"currency\":\"EUR\",\"amount\":100000000000}", buyer);
  fixture(&c, "/v1/exchange/deposits", body, NULL);
  token(&c, seller, sell_header, sizeof sell_header);
  token(&c, buyer, buy_header, sizeof buy_header);
  client_free(&c);
}

/* ---- load ------------------------------------------------------------------ */

typedef struct {
  int index;
  long count;            /* requests to send */
  double deadline;       /* monotonic seconds */
  double *lat_us;        /* one per request sent */
  long sent, not_201;
  char errors[BENCH_ERRORS_SHOWN][200];
  int nerrors;
} worker;

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static void *work(void *arg) {
  worker *w = arg;
  uint64_t rng = 0x9E3779B97F4A7C15ULL + (uint64_t)w->index * 0x632BE59BD9B4E019ULL;
  bool sell = w->index % 2 == 0;
  client c;
  client_init(&c, sell ? sell_header : buy_header);
  for (long i = 0; i < w->count && now_s() < w->deadline; i++) {
    bool s = w->index < 0 ? (i % 2 == 0) : sell; /* the single client alternates */
    if (w->index < 0) {
      curl_slist_free_all(c.headers);
      c.headers = curl_slist_append(NULL, "Content-Type: application/json");
      c.headers = curl_slist_append(c.headers, s ? sell_header : buy_header);
      curl_easy_setopt(c.curl, CURLOPT_HTTPHEADER, c.headers);
    }
    int price = (s ? 5000 : 4995) + (int)(rng_next(&rng) % 10), qty = 1 + (int)(rng_next(&rng) % 10);
    char body[200];
    snprintf(body, sizeof body,
             "{\"instrument\":\"BENCH.VCU\",\"account\":%lld,\"side\":\"%s\",\"price\":%d,\"qty\":%d}",
             s ? sell_acc : buy_acc, s ? "sell" : "buy", price, qty);
    double t0 = now_s();
    long st = client_post(&c, "/v1/exchange/orders", body);
    w->lat_us[w->sent++] = (now_s() - t0) * 1e6;
    if (st != 201) {
      w->not_201++;
      if (w->nerrors < BENCH_ERRORS_SHOWN)
        snprintf(w->errors[w->nerrors++], sizeof w->errors[0], "%ld %.180s", st, c.reply.buf);
    }
  }
  client_free(&c);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  long sent, not_201;
  double seconds, per_s, p50_ms, p99_ms, max_ms;
} load_result;

/* Runs `clients` threads sending `total` transfers between them. */
static load_result load(int clients, long total) {
  worker *w = calloc((size_t)clients, sizeof *w);
  pthread_t *th = calloc((size_t)clients, sizeof *th);
  if (w == NULL || th == NULL) die("out of memory");
  double t0 = now_s();
  for (int i = 0; i < clients; i++) {
    w[i].index = clients == 1 ? -1 : i;
    w[i].count = total / clients + (i < total % clients);
    w[i].deadline = t0 + BENCH_DEADLINE_S;
    w[i].lat_us = calloc((size_t)w[i].count + 1, sizeof(double));
    if (w[i].lat_us == NULL) die("out of memory");
    if (pthread_create(&th[i], NULL, work, &w[i]) != 0) die("pthread_create failed");
  }
  for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
  load_result r = {.seconds = now_s() - t0};
  for (int i = 0; i < clients; i++) r.sent += w[i].sent, r.not_201 += w[i].not_201;
  double *all = calloc((size_t)r.sent + 1, sizeof(double));
  if (all == NULL) die("out of memory");
  long k = 0;
  for (int i = 0; i < clients; i++) {
    memcpy(all + k, w[i].lat_us, (size_t)w[i].sent * sizeof(double));
    k += w[i].sent;
    for (int e = 0; e < w[i].nerrors; e++) fprintf(stderr, "bench_exchange: not 201: %s\n", w[i].errors[e]);
    free(w[i].lat_us);
  }
  qsort(all, (size_t)k, sizeof(double), cmp_double);
  if (k > 0) {
    r.p50_ms = all[(k - 1) * 50 / 100] / 1000;
    r.p99_ms = all[(k - 1) * 99 / 100] / 1000;
    r.max_ms = all[k - 1] / 1000;
  }
  r.per_s = (double)r.sent / r.seconds;
  free(all);
  free(w);
  free(th);
  return r;
}

static void show(const char *what, load_result r) {
  printf("  %-22s %6ld requests %6.2f s %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  non-201 %ld\n", what,
         r.sent, r.seconds, r.per_s, r.p50_ms, r.p99_ms, r.max_ms, r.not_201);
}

static void cleanup(void) {
  static const char *const names[] = {"l.db", "l.db-wal", "l.db-shm", "l.db-journal", "l.db.keys", "l.keys", "serve.log", "cli.log"};
  char p[4300];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
  if (pgdb[0]) {
    l6_error err = {0};
    if (store_pg_drop_db(pg_base, pgdb, &err) != L6_E_OK) fprintf(stderr, "bench_exchange: %s\n", err.message);
  }
}

int main(int argc, char **argv) {
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
      const char *spec = argv[++i];
      pg_base = store_spec_is_pg(spec) ? spec : NULL;
      if (pg_base == NULL && strcmp(spec, "sqlite") != 0) die("--store takes \"sqlite\" or a postgres:// URI");
    } else {
      die("usage: bench_exchange [--quick] [--store sqlite|postgres://...]");
    }
  }
  long total = quick ? 2000 : BENCH_TOTAL, seq = quick ? 200 : BENCH_SEQ;
  const char *env_bin = getenv("L6_BIN"), *build = getenv("BUILD");
  if (env_bin && *env_bin) snprintf(bin, sizeof bin, "%s", env_bin);
  else snprintf(bin, sizeof bin, "%s/ledger6", build && *build ? build : "build");
  if (access(bin, X_OK) != 0) die("cannot run %s (build it first: make bench)", bin);
  signal(SIGPIPE, SIG_IGN);
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/ledger6-bench-ex-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) die("mkdtemp: %s", strerror(errno));
  if (pg_base) {
    l6_error err = {0};
    snprintf(pgdb, sizeof pgdb, "l6b_ex_%ld", (long)getpid());
    if (store_pg_create_db(pg_base, pgdb, db, sizeof db, &err) != L6_E_OK) die("create database: %s", err.message);
  } else {
    snprintf(db, sizeof db, "%s/l.db", dir);
  }
  char log[4300];
  snprintf(log, sizeof log, "%s/cli.log", dir);
  snprintf(keys, sizeof keys, "%s/l.keys", dir);
  char *demo[] = {bin, "demo", "--store", db, "--config", "config", "--keys", keys, NULL};
  if (run_wait(demo, log) != 0) die("ledger6 demo failed; see %s", log);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  server_start();
  fixtures();
  load_result one = load(1, seq);
  load_result many = load(BENCH_CLIENTS, total);
  int serve_status = server_stop();
  char *check[] = {bin, "check", "--store", db, "--config", "config", "--keys", keys, NULL};
  int check_status = run_wait(check, log);
  curl_global_cleanup();

  printf("HTTP POST /v1/exchange/orders, GTC limit orders 1-10 t around 50.00 EUR, about a third trading\n");
  show("1 client:", one);
  char what[64];
  snprintf(what, sizeof what, "%d clients:", BENCH_CLIENTS);
  show(what, many);
  printf("  server stopped with status %d; ledger6 check: %s\n", serve_status, check_status == 0 ? "ok" : "FAILED");
  printf("RESULT ex_http1_count %ld\n", one.sent);
  printf("RESULT ex_http1_per_s %.0f\n", one.per_s);
  printf("RESULT ex_http1_p50_ms %.2f\n", one.p50_ms);
  printf("RESULT ex_http1_p99_ms %.2f\n", one.p99_ms);
  printf("RESULT ex_http1_not201 %ld\n", one.not_201);
  printf("RESULT ex_http_clients %d\n", BENCH_CLIENTS);
  printf("RESULT ex_http_count %ld\n", many.sent);
  printf("RESULT ex_http_seconds %.2f\n", many.seconds);
  printf("RESULT ex_http_per_s %.0f\n", many.per_s);
  printf("RESULT ex_http_p50_ms %.2f\n", many.p50_ms);
  printf("RESULT ex_http_p99_ms %.2f\n", many.p99_ms);
  printf("RESULT ex_http_max_ms %.2f\n", many.max_ms);
  printf("RESULT ex_http_not201 %ld\n", many.not_201);
  printf("RESULT ex_http_check %s\n", check_status == 0 ? "ok" : "FAILED");
  if (check_status != 0) {
    fprintf(stderr, "bench_exchange: ledger6 check failed; store kept in %s\n", dir);
    return 1;
  }
  cleanup();
  return many.not_201 == 0 && one.not_201 == 0 ? 0 : 1;
}
