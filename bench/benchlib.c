/*
 * benchlib.c -- the harness of the HTTP benchmarks (benchlib.h).
 */
#include "benchlib.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

char bench_admin_header[128];

static const char *name = "bench";
static char bin[4096];        /* the ledger6 binary */
static char dir[4096];        /* temporary folder */
static char db[4200];         /* the store: a file, or a PostgreSQL database's spec */
static char keys[4300];       /* the signing key file, in the temporary folder */
static char logfile[4300];    /* the CLI's output */
static const char *pg_base;   /* --store postgres://...; NULL: SQLite */
static char pgdb[64];         /* the database made there */
static char base_url[64];     /* http://127.0.0.1:PORT */
static pid_t server_pid = -1;

double bench_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (server_pid > 0) {
    kill(server_pid, SIGKILL);
    waitpid(server_pid, NULL, 0);
  }
  exit(1);
}

/* Runs argv to completion with stdout and stderr appended to the log; its
 * exit status (-1 if it did not exit normally). */
static int run_wait(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) bench_die("fork: %s", strerror(errno));
  if (pid == 0) {
    if (freopen(logfile, "a", stdout) == NULL || dup2(fileno(stdout), 2) < 0) _exit(127);
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts `ledger6 serve` and reads its admin token and port from its stdout. */
static void server_start(void) {
  int fds[2];
  if (pipe(fds) != 0) bench_die("pipe: %s", strerror(errno));
  char log[4300];
  snprintf(log, sizeof log, "%s/serve.log", dir);
  server_pid = fork();
  if (server_pid < 0) bench_die("fork: %s", strerror(errno));
  if (server_pid == 0) {
    close(fds[0]);
    dup2(fds[1], 1);
    if (freopen(log, "a", stderr) == NULL) _exit(127);
    execl(bin, bin, "serve", "--store", db, "--config", "config", "--keys", keys, "--port", "0", "--admin-token",
          /* a load test: no write rate limits (docs/OPERATIONS.md, "Limits") */
          "--token-write-rate", "off", "--ip-write-rate", "off", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *out = fdopen(fds[0], "r");
  char line[512];
  int port = 0;
  while (port == 0 && out && fgets(line, sizeof line, out)) {
    char tok[100];
    if (sscanf(line, "admin token: %99s", tok) == 1)
      snprintf(bench_admin_header, sizeof bench_admin_header, "Authorization: Bearer %s", tok);
    sscanf(line, "listening on http://127.0.0.1:%d/", &port);
  }
  if (port == 0 || bench_admin_header[0] == '\0') bench_die("the server did not start; see %s", log);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
  /* The pipe stays open (and unread) so the server never gets SIGPIPE. */
}

bool bench_start(const char *bench_name, int argc, char **argv) {
  name = bench_name;
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
      const char *spec = argv[++i];
      pg_base = store_spec_is_pg(spec) ? spec : NULL;
      if (pg_base == NULL && strcmp(spec, "sqlite") != 0) bench_die("--store takes \"sqlite\" or a postgres:// URI");
    } else {
      bench_die("usage: %s [--quick] [--store sqlite|postgres://...]", name);
    }
  }
  const char *env_bin = getenv("L6_BIN"), *build = getenv("BUILD");
  if (env_bin && *env_bin) snprintf(bin, sizeof bin, "%s", env_bin);
  else snprintf(bin, sizeof bin, "%s/ledger6", build && *build ? build : "build");
  if (access(bin, X_OK) != 0) bench_die("cannot run %s (build it first: make bench)", bin);
  signal(SIGPIPE, SIG_IGN);
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/ledger6-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
  if (mkdtemp(dir) == NULL) bench_die("mkdtemp: %s", strerror(errno));
  if (pg_base) {
    l6_error err = {0};
    snprintf(pgdb, sizeof pgdb, "l6b_%ld", (long)getpid());
    if (store_pg_create_db(pg_base, pgdb, db, sizeof db, &err) != L6_E_OK) bench_die("create database: %s", err.message);
  } else {
    snprintf(db, sizeof db, "%s/l.db", dir);
  }
  snprintf(logfile, sizeof logfile, "%s/cli.log", dir);
  snprintf(keys, sizeof keys, "%s/l.keys", dir);
  char *demo[] = {bin, "demo", "--store", db, "--config", "config", "--keys", keys, NULL};
  if (run_wait(demo) != 0) bench_die("ledger6 demo failed; see %s", logfile);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  server_start();
  return quick;
}

void bench_stop(int *serve_status, int *check_status) {
  *serve_status = -1;
  kill(server_pid, SIGTERM);
  for (int i = 0; i < 1000 && server_pid > 0; i++) {
    int st;
    if (waitpid(server_pid, &st, WNOHANG) == server_pid) {
      server_pid = -1;
      *serve_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    } else {
      usleep(10000);
    }
  }
  if (server_pid > 0) {
    kill(server_pid, SIGKILL);
    waitpid(server_pid, NULL, 0);
    server_pid = -1;
  }
  char *check[] = {bin, "check", "--store", db, "--config", "config", "--keys", keys, NULL};
  *check_status = run_wait(check);
  curl_global_cleanup();
  if (*check_status != 0) fprintf(stderr, "%s: ledger6 check failed; store kept in %s\n", name, dir);
}

void bench_cleanup(void) {
  static const char *const names[] = {"l.db", "l.db-wal", "l.db-shm", "l.db-journal", "l.db.keys", "l.keys",
                                      "serve.log", "cli.log"};
  char p[4300];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
  if (pgdb[0]) {
    l6_error err = {0};
    if (store_pg_drop_db(pg_base, pgdb, &err) != L6_E_OK) fprintf(stderr, "%s: %s\n", name, err.message);
  }
}

/* ---- clients ------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  bench_client *c = ctx;
  size_t len = size * n, room = sizeof c->reply - 1 - c->reply_len;
  memcpy(c->reply + c->reply_len, data, len < room ? len : room);
  c->reply_len += len < room ? len : room;
  c->reply[c->reply_len] = '\0';
  return len;
}

void bench_client_auth(bench_client *c, const char *auth) {
  if (c->headers && strcmp(c->auth, auth) == 0) return;
  snprintf(c->auth, sizeof c->auth, "%s", auth);
  curl_slist_free_all(c->headers);
  c->headers = curl_slist_append(NULL, "Content-Type: application/json");
  c->headers = curl_slist_append(c->headers, c->auth);
  curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
}

void bench_client_init(bench_client *c, const char *auth) {
  memset(c, 0, sizeof *c);
  c->curl = curl_easy_init();
  if (c->curl == NULL) bench_die("curl_easy_init failed");
  bench_client_auth(c, auth);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
}

void bench_client_free(bench_client *c) {
  curl_slist_free_all(c->headers);
  curl_easy_cleanup(c->curl);
}

long bench_post(bench_client *c, const char *path, const char *body) {
  char url[256];
  snprintf(url, sizeof url, "%s%s", base_url, path);
  c->reply_len = 0;
  c->reply[0] = '\0';
  curl_easy_setopt(c->curl, CURLOPT_URL, url);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
  if (curl_easy_perform(c->curl) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

long long bench_fixture(bench_client *c, const char *path, const char *body, const char *field) {
  if (bench_post(c, path, body) != 201) bench_die("fixture %s failed: %s", path, c->reply);
  json_t *v = json_loads(c->reply, 0, NULL);
  long long id = field ? (long long)json_integer_value(json_object_get(v, field)) : 0;
  json_decref(v);
  return id;
}

void bench_holder_header(bench_client *c, long long org, char *header, size_t cap) {
  char body[160];
  snprintf(body, sizeof body, "{\"role\":\"holder\",\"organisation\":%lld,\"label\":\"bench\"}", org);
  if (bench_post(c, "/v1/tokens", body) != 201) bench_die("token: %s", c->reply);
  json_t *v = json_loads(c->reply, 0, NULL);
  snprintf(header, cap, "Authorization: Bearer %s", json_string_value(json_object_get(v, "token")));
  json_decref(v);
}

uint64_t bench_rng_next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

/* ---- load ---------------------------------------------------------------- */

typedef struct {
  int index;             /* -1: the only client */
  long count;            /* requests to send */
  double deadline;       /* monotonic seconds */
  const char *path;
  bench_request_fn request;
  double *lat_us;        /* one per request sent */
  long sent, not_201;
  char errors[BENCH_ERRORS_SHOWN][200];
  int nerrors;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  uint64_t rng = 0x9E3779B97F4A7C15ULL + (uint64_t)(w->index + 1) * 0x632BE59BD9B4E019ULL;
  bench_client c;
  bench_client_init(&c, bench_admin_header);
  for (long i = 0; i < w->count && bench_now_s() < w->deadline; i++) {
    char body[256];
    bench_client_auth(&c, w->request(w->index, i, &rng, body, sizeof body));
    double t0 = bench_now_s();
    long st = bench_post(&c, w->path, body);
    w->lat_us[w->sent++] = (bench_now_s() - t0) * 1e6;
    if (st != 201) {
      w->not_201++;
      if (w->nerrors < BENCH_ERRORS_SHOWN)
        snprintf(w->errors[w->nerrors++], sizeof w->errors[0], "%ld %.180s", st, c.reply);
    }
  }
  bench_client_free(&c);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  char *data;
  size_t len;
} grow_buf;

static size_t on_grow(char *data, size_t size, size_t n, void *ctx) {
  grow_buf *b = ctx;
  size_t len = size * n;
  char *p = realloc(b->data, b->len + len + 1);
  if (p == NULL) return 0;
  memcpy(p + b->len, data, len);
  b->data = p;
  b->len += len;
  b->data[b->len] = '\0';
  return len;
}

/* The server's group-commit counters (GET /metrics as the admin): durable
 * commits and the requests they held; false when they cannot be read. */
static bool group_counters(unsigned long long *groups, unsigned long long *members) {
  CURL *curl = curl_easy_init();
  if (curl == NULL) return false;
  struct curl_slist *h = curl_slist_append(NULL, bench_admin_header);
  grow_buf b = {0};
  char url[256];
  snprintf(url, sizeof url, "%s/metrics", base_url);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_grow);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  const char *g = b.data ? strstr(b.data, "\nledger6_store_commit_groups_total ") : NULL;
  const char *m = b.data ? strstr(b.data, "\nledger6_store_group_members_total ") : NULL;
  bool ok = status == 200 && g && m && sscanf(g, " ledger6_store_commit_groups_total %llu", groups) == 1 &&
            sscanf(m, " ledger6_store_group_members_total %llu", members) == 1;
  free(b.data);
  curl_slist_free_all(h);
  curl_easy_cleanup(curl);
  return ok;
}

/* The server process's CPU time so far (user + system, in seconds, from
 * /proc/PID/stat), or -1. */
static double server_cpu_s(void) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)server_pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  unsigned long long ut, st;
  if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

bench_result bench_load(int clients, long total, const char *path, bench_request_fn request) {
  unsigned long long g0 = 0, m0 = 0, g1 = 0, m1 = 0;
  bool counted = group_counters(&g0, &m0);
  double cpu0 = server_cpu_s();
  worker *w = calloc((size_t)clients, sizeof *w);
  pthread_t *th = calloc((size_t)clients, sizeof *th);
  if (w == NULL || th == NULL) bench_die("out of memory");
  double t0 = bench_now_s();
  for (int i = 0; i < clients; i++) {
    w[i] = (worker){.index = clients == 1 ? -1 : i, .count = total / clients + (i < total % clients),
                    .deadline = t0 + BENCH_DEADLINE_S, .path = path, .request = request};
    w[i].lat_us = calloc((size_t)w[i].count + 1, sizeof(double));
    if (w[i].lat_us == NULL) bench_die("out of memory");
    if (pthread_create(&th[i], NULL, work, &w[i]) != 0) bench_die("pthread_create failed");
  }
  for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
  bench_result r = {.seconds = bench_now_s() - t0};
  for (int i = 0; i < clients; i++) r.sent += w[i].sent, r.not_201 += w[i].not_201;
  double *all = calloc((size_t)r.sent + 1, sizeof(double));
  if (all == NULL) bench_die("out of memory");
  long k = 0;
  for (int i = 0; i < clients; i++) {
    memcpy(all + k, w[i].lat_us, (size_t)w[i].sent * sizeof(double));
    k += w[i].sent;
    for (int e = 0; e < w[i].nerrors; e++) fprintf(stderr, "%s: not 201: %s\n", name, w[i].errors[e]);
    free(w[i].lat_us);
  }
  qsort(all, (size_t)k, sizeof(double), cmp_double);
  if (k > 0) {
    r.p50_ms = all[(k - 1) * 50 / 100] / 1000;
    r.p99_ms = all[(k - 1) * 99 / 100] / 1000;
    r.max_ms = all[k - 1] / 1000;
  }
  r.per_s = (double)r.sent / r.seconds;
  if (counted && group_counters(&g1, &m1) && g1 > g0) r.group_avg = (double)(m1 - m0) / (double)(g1 - g0);
  double cpu1 = server_cpu_s();
  if (cpu0 >= 0 && cpu1 >= cpu0 && r.sent > 0) r.server_cpu_us = (cpu1 - cpu0) * 1e6 / (double)r.sent;
  free(all);
  free(w);
  free(th);
  return r;
}

/* ---- background readers ----------------------------------------------- */

typedef struct {
  pthread_t th;
  double per_s;
  bench_path_fn path;
  long reads, not_200;
} reader;

static reader *readers;
static int nreaders;
static atomic_int readers_stop;

static void *read_work(void *arg) {
  reader *r = arg;
  bench_client c;
  bench_client_init(&c, bench_admin_header);
  double t0 = bench_now_s();
  for (long i = 0; !atomic_load(&readers_stop); i++) {
    double wait = t0 + (double)i / r->per_s - bench_now_s();
    if (wait > 0) nanosleep(&(struct timespec){(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)}, NULL);
    char url[256];
    snprintf(url, sizeof url, "%s%s", base_url, r->path(i));
    c.reply_len = 0;
    curl_easy_setopt(c.curl, CURLOPT_URL, url);
    curl_easy_setopt(c.curl, CURLOPT_HTTPGET, 1L);
    long status = 0;
    if (curl_easy_perform(c.curl) == CURLE_OK) curl_easy_getinfo(c.curl, CURLINFO_RESPONSE_CODE, &status);
    r->reads++;
    if (status != 200) r->not_200++;
  }
  bench_client_free(&c);
  return NULL;
}

void bench_readers_start(int n, double per_s, bench_path_fn path) {
  readers = calloc((size_t)n, sizeof *readers);
  if (readers == NULL) bench_die("out of memory");
  nreaders = n;
  atomic_store(&readers_stop, 0);
  for (int i = 0; i < n; i++) {
    readers[i].path = path;
    readers[i].per_s = per_s;
    if (pthread_create(&readers[i].th, NULL, read_work, &readers[i]) != 0) bench_die("pthread_create failed");
  }
}

long bench_readers_stop(long *not_200) {
  atomic_store(&readers_stop, 1);
  long reads = 0;
  *not_200 = 0;
  for (int i = 0; i < nreaders; i++) {
    pthread_join(readers[i].th, NULL);
    reads += readers[i].reads;
    *not_200 += readers[i].not_200;
  }
  free(readers);
  readers = NULL;
  nreaders = 0;
  return reads;
}

void bench_show(const char *what, bench_result r) {
  printf("  %-22s %6ld requests %6.2f s %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  non-201 %ld"
         "  requests per commit %.1f  server CPU %.0f us/request\n",
         what, r.sent, r.seconds, r.per_s, r.p50_ms, r.p99_ms, r.max_ms, r.not_201, r.group_avg, r.server_cpu_us);
}

void bench_results(const char *prefix, int clients, bench_result one, bench_result many, int check_status) {
  printf("RESULT %s1_count %ld\n", prefix, one.sent);
  printf("RESULT %s1_per_s %.0f\n", prefix, one.per_s);
  printf("RESULT %s1_p50_ms %.2f\n", prefix, one.p50_ms);
  printf("RESULT %s1_p99_ms %.2f\n", prefix, one.p99_ms);
  printf("RESULT %s1_not201 %ld\n", prefix, one.not_201);
  printf("RESULT %s_clients %d\n", prefix, clients);
  printf("RESULT %s_count %ld\n", prefix, many.sent);
  printf("RESULT %s_seconds %.2f\n", prefix, many.seconds);
  printf("RESULT %s_per_s %.0f\n", prefix, many.per_s);
  printf("RESULT %s_p50_ms %.2f\n", prefix, many.p50_ms);
  printf("RESULT %s_p99_ms %.2f\n", prefix, many.p99_ms);
  printf("RESULT %s_max_ms %.2f\n", prefix, many.max_ms);
  printf("RESULT %s_not201 %ld\n", prefix, many.not_201);
  printf("RESULT %s_per_commit %.1f\n", prefix, many.group_avg);
  printf("RESULT %s1_server_cpu_us %.0f\n", prefix, one.server_cpu_us);
  printf("RESULT %s_server_cpu_us %.0f\n", prefix, many.server_cpu_us);
  printf("RESULT %s_check %s\n", prefix, check_status == 0 ? "ok" : "FAILED");
}
