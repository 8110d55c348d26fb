/*
 * bench_link.c -- transfers per second across a link between two ledger6
 * servers (issue 19, docs/LINKS.md), directly and through the hub.
 *
 * Starts three `ledger6 serve` processes on 127.0.0.1, each on its own
 * fresh SQLite store in a temporary folder: two registries (THA01, CHE01)
 * and the independent transaction log (HUB01, --role hub). Over HTTP it
 * makes, on each registry, the Parties, the registry, an organisation with
 * holding accounts, a project and issuances, and declares the peers
 * (PUT /v1/link/settings, /v1/link/peers/{code}: each server's tree-head
 * key from GET /v1/keys). Then, in one run, case by case:
 *
 *   local   POST /v1/transfers on THA01 between two of its accounts (one
 *           transfer of LINK_UNITS units a request): the plain local
 *           transfer, measured by the same harness for a like-for-like ratio;
 *   direct  POST /v1/link/transfers THA01 -> CHE01, no hub (one range of
 *           LINK_UNITS serials a request, every request distinct serials);
 *   hub     the same after both registries name HUB01 as their hub: every
 *           proposal passes the hub and every acceptance is countersigned.
 *
 * each with 1 client and with LINK_CLIENTS clients (threads, each with its
 * own libcurl handle and keep-alive connection). A link case's time runs
 * from the first POST /v1/link/transfers to the moment the last transfer is
 * complete: no transfer pending on the sender (every one "accepted": the
 * run fails on a rejected one) and the receiver's account credited with all
 * the units sent (GET /v1/accounts/{id}/holdings "total"); it is polled
 * every 10 ms (the receiver's total first, the pending list only once the
 * total is reached, so that the polling itself costs the servers little).
 * A local case's time runs from the first POST to the last 201.
 * Afterwards the servers are stopped and `ledger6 check` runs on all
 * three stores.
 *
 * usage: bench_link [--quick] [--store sqlite]   (run from the repository root)
 * Environment: L6_BIN (default $BUILD/ledger6, BUILD default "build"),
 * TMPDIR (where the stores go). Output: human lines and "RESULT" lines.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define LINK_CLIENTS 16
#define LINK_UNITS 10          /* serials per transfer */
#define LINK_N1 100            /* transfers with 1 client (--quick: LINK_N1_QUICK) */
#define LINK_NN 256            /* transfers with LINK_CLIENTS clients */
#define LINK_N1_QUICK 20
#define LINK_NN_QUICK 64
#define LINK_WAIT_S 60.0       /* a case fails if not complete after this */
#define LINK_POLL_US 10000     /* completion polled every 10 ms */

enum { RA, RB, RH, NSRV };
static const char *const REG[NSRV] = {"THA01", "CHE01", "HUB01"};

typedef struct {
  pid_t pid;
  int port;
  int out_fd;
  char auth[160];
  char pk[65];
  char db[4200], keys[4200], log[4200];
} server;

static server S[NSRV];
static char bin[4096], dir[4096];

static void kill_all(void) {
  for (int i = 0; i < NSRV; i++)
    if (S[i].pid > 0) {
      kill(S[i].pid, SIGKILL);
      waitpid(S[i].pid, NULL, 0);
      S[i].pid = 0;
    }
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench_link: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (stores and logs kept in %s)\n", dir);
  va_end(ap);
  kill_all();
  exit(1);
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    die("cannot find a free port: %s", strerror(errno));
  close(fd);
  return ntohs(a.sin_port);
}

static void start(int who, bool hub) {
  server *s = &S[who];
  int fds[2];
  if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
  char port[16];
  snprintf(port, sizeof port, "%d", s->port);
  s->pid = fork();
  if (s->pid < 0) die("fork: %s", strerror(errno));
  if (s->pid == 0) {
    close(fds[0]);
    dup2(fds[1], 1);
    if (freopen(s->log, "a", stderr) == NULL) _exit(127);
    char *argv[] = {bin, "serve", "--store", s->db, "--config", "config", "--keys", s->keys, "--port", port, "--admin-token",
                    /* a load test: no write rate limits (docs/OPERATIONS.md, "Limits") */
                    "--token-write-rate", "off", "--ip-write-rate", "off", hub ? "--role" : NULL, "hub", NULL};
    execv(bin, argv);
    _exit(127);
  }
  close(fds[1]);
  s->out_fd = fds[0];
  FILE *out = fdopen(dup(fds[0]), "r");
  char line[512];
  int got = 0; /* a restarted server mints no new admin token: the first one stays */
  while (got == 0 && out && fgets(line, sizeof line, out)) {
    char tok[100];
    if (sscanf(line, "admin token: %99s", tok) == 1) snprintf(s->auth, sizeof s->auth, "Authorization: Bearer %s", tok);
    sscanf(line, "listening on http://127.0.0.1:%d/", &got);
  }
  if (out) fclose(out);
  if (got != s->port || s->auth[0] == '\0') die("%s did not start; see %s", REG[who], s->log);
  /* s->out_fd stays open (and unread) so the server never gets SIGPIPE. */
}

static int stop(int who) {
  server *s = &S[who];
  int code = -1;
  kill(s->pid, SIGTERM);
  for (int i = 0; i < 1000; i++) {
    int st;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
      code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      s->pid = 0;
      break;
    }
    usleep(10000);
  }
  if (s->pid > 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
  }
  close(s->out_fd);
  return code;
}

static int check(int who) {
  pid_t pid = fork();
  if (pid < 0) die("fork: %s", strerror(errno));
  if (pid == 0) {
    if (freopen(S[who].log, "a", stdout) == NULL || dup2(fileno(stdout), 2) < 0) _exit(127);
    execl(bin, bin, "check", "--store", S[who].db, "--config", "config", "--keys", S[who].keys, (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct {
  CURL *curl;
  struct curl_slist *headers;
  int who;
  char *reply;
  size_t len, cap;
} client;

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
  client *c = ctx;
  size_t len = size * n;
  if (c->len + len + 1 > c->cap) {
    size_t cap = (c->len + len + 1) * 2;
    char *p = realloc(c->reply, cap);
    if (p == NULL) return 0;
    c->reply = p;
    c->cap = cap;
  }
  memcpy(c->reply + c->len, data, len);
  c->len += len;
  c->reply[c->len] = '\0';
  return len;
}

static void client_init(client *c, int who) {
  memset(c, 0, sizeof *c);
  c->who = who;
  c->curl = curl_easy_init();
  if (c->curl == NULL) die("curl_easy_init failed");
  c->headers = curl_slist_append(NULL, "Content-Type: application/json");
  c->headers = curl_slist_append(c->headers, S[who].auth);
  curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
}

static void client_free(client *c) {
  curl_slist_free_all(c->headers);
  curl_easy_cleanup(c->curl);
  free(c->reply);
}

/* method on path of the client's server with body (NULL: none); the status
 * (0 on a transport error), the reply in c->reply. */
static long call(client *c, const char *method, const char *path, const char *body) {
  char url[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", S[c->who].port, path);
  c->len = 0;
  if (c->reply) c->reply[0] = '\0';
  curl_easy_setopt(c->curl, CURLOPT_URL, url);
  curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
  if (body) {
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
  } else {
    curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
  }
  if (curl_easy_perform(c->curl) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

/* A call that must answer `want`; its JSON reply (to json_decref). */
static json_t *must(int who, const char *method, const char *path, json_t *body, long want) {
  client c;
  client_init(&c, who);
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  long st = call(&c, method, path, text);
  free(text);
  if (st != want) die("%s %s on %s: %ld, not %ld: %.300s", method, path, REG[who], st, want, c.reply ? c.reply : "");
  json_t *v = json_loads(c.reply ? c.reply : "null", JSON_DECODE_ANY, NULL);
  client_free(&c);
  return v;
}

static long long id_of(json_t *v) {
  long long id = (long long)json_integer_value(json_object_get(v, "id"));
  json_decref(v);
  return id;
}

/* ---- fixtures ------------------------------------------------------------ */

static long long acc[2];   /* each registry's holding account (THA01's sends, CHE01's receives) */
static long long acc_local; /* THA01's second account: local transfers go from it to acc[RA] */
static long long batch_direct, batch_hub, batch_local; /* THA01's batches */

static long long issue(int who, const char *project, long long qty, long long to) {
  json_t *b = must(who, "POST", "/v1/issuances",
                   json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "registry", REG[who], "project", project, "unit_type", "VCU",
                             "vintage", 2022, "quantity", (json_int_t)qty, "forward_to", (json_int_t)to),
                   201);
  long long batch = (long long)json_integer_value(json_object_get(json_array_get(json_object_get(b, "blocks"), 0), "batch"));
  json_decref(b);
  if (batch <= 0) die("issuance on %s: no batch", REG[who]);
  return batch;
}

static void world(long long units) {
  for (int i = 0; i < 2; i++) {
    json_decref(must(i, "POST", "/v1/parties", json_pack("{s:s, s:s}", "code", "THA", "name", "Thailand"), 201));
    json_decref(must(i, "POST", "/v1/parties", json_pack("{s:s, s:s}", "code", "CHE", "name", "Switzerland"), 201));
    json_decref(must(i, "POST", "/v1/parties", json_pack("{s:s, s:s}", "code", "MWI", "name", "Malawi"), 201));
    json_decref(must(i, "POST", "/v1/registries",
                     json_pack("{s:s, s:s, s:s}", "id", REG[i], "party", i == RA ? "THA" : "CHE", "name", "bench registry"),
                     201));
    long long org = id_of(must(i, "POST", "/v1/organisations", json_pack("{s:s, s:s}", "registry", REG[i], "name", "Holder"), 201));
    acc[i] = id_of(must(i, "POST", "/v1/accounts",
                        json_pack("{s:s, s:s, s:s, s:I}", "registry", REG[i], "type", "holding", "name", "holding",
                                  "organisation", (json_int_t)org),
                        201));
    if (i == RA)
      acc_local = id_of(must(i, "POST", "/v1/accounts",
                             json_pack("{s:s, s:s, s:s, s:I}", "registry", REG[i], "type", "holding", "name", "local",
                                       "organisation", (json_int_t)org),
                             201));
  }
  json_decref(must(RA, "POST", "/v1/projects",
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "VCS.LA1", "programme", "VCS", "host",
                             "MWI", "title", "Efficient cookstoves", "methodology", "VM0050", "sector", "energy demand", "kind",
                             "avoidance", "crediting_start", "2020-01-01", "crediting_end", "2030-12-31"),
                   201));
  batch_direct = issue(RA, "VCS.LA1", units, acc[RA]);
  batch_hub = issue(RA, "VCS.LA1", units, acc[RA]);
  batch_local = issue(RA, "VCS.LA1", units, acc_local);
  for (int i = 0; i < NSRV; i++) {
    json_t *k = must(i, "GET", "/v1/keys", NULL, 200);
    const char *pk = json_string_value(json_object_get(json_array_get(json_object_get(k, "items"), 0), "public_key"));
    if (pk == NULL || strlen(pk) != 64) die("no public key on %s", REG[i]);
    snprintf(S[i].pk, sizeof S[i].pk, "%s", pk);
    json_decref(k);
  }
  for (int i = 0; i < NSRV; i++)
    for (int k = 0; k < NSRV; k++) {
      if (k == i) continue;
      char path[64], url[64];
      snprintf(path, sizeof path, "/v1/link/peers/%s", REG[k]);
      snprintf(url, sizeof url, "http://127.0.0.1:%d", S[k].port);
      json_decref(must(i, "PUT", path, json_pack("{s:s, s:s}", "url", url, "public_key", S[k].pk), 200));
    }
  json_decref(must(RH, "PUT", "/v1/link/settings", json_pack("{s:s}", "registry", REG[RH]), 200));
  /* The hub's identity is stored now: it serves as the hub from here on. */
  if (stop(RH) != 0) die("%s did not stop cleanly; see %s", REG[RH], S[RH].log);
  start(RH, true);
}

static void settings(bool hub) {
  for (int i = 0; i < 2; i++)
    json_decref(must(i, "PUT", "/v1/link/settings",
                     hub ? json_pack("{s:s, s:s, s:i}", "registry", REG[i], "hub", REG[RH], "deadline_seconds", 600)
                         : json_pack("{s:s, s:i}", "registry", REG[i], "deadline_seconds", 600),
                     200));
}

/* ---- load ---------------------------------------------------------------- */

typedef enum { LOCAL, LINK } kind;

typedef struct {
  kind k;
  long long batch;
  atomic_long *next; /* the next transfer's index (its serials) */
  long total;
  long sent, failed;
  char error[300];
} worker;

static void *work(void *arg) {
  worker *w = arg;
  client c;
  client_init(&c, RA);
  for (;;) {
    long i = atomic_fetch_add(w->next, 1);
    if (i >= w->total) break;
    char body[320];
    if (w->k == LOCAL)
      snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":%d}",
               acc_local, acc[RA], LINK_UNITS);
    else
      snprintf(body, sizeof body,
               "{\"from_account\":%lld,\"to_registry\":\"CHE01\",\"to_account\":%lld,"
               "\"ranges\":[{\"batch\":%lld,\"first\":%ld,\"last\":%ld}],\"purpose\":\"bench\"}",
               acc[RA], acc[RB], w->batch, i * LINK_UNITS + 1, (i + 1) * LINK_UNITS);
    long st = call(&c, "POST", w->k == LOCAL ? "/v1/transfers" : "/v1/link/transfers", body);
    w->sent++;
    if (st != (w->k == LOCAL ? 201 : 202)) {
      if (w->failed++ == 0) snprintf(w->error, sizeof w->error, "%ld %.250s", st, c.reply ? c.reply : "");
    }
  }
  client_free(&c);
  return NULL;
}

static long long holdings_total(client *c, long long account) {
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld/holdings", account);
  if (call(c, "GET", path, NULL) != 200) die("GET %s: %.300s", path, c->reply);
  json_t *v = json_loads(c->reply, 0, NULL);
  long long t = (long long)json_integer_value(json_object_get(v, "total"));
  json_decref(v);
  return t;
}

static size_t count_state(client *c, const char *state) {
  char path[64];
  snprintf(path, sizeof path, "/v1/link/transfers?state=%s", state);
  if (call(c, "GET", path, NULL) != 200) die("GET %s: %.300s", path, c->reply);
  json_t *v = json_loads(c->reply, 0, NULL);
  size_t n = json_array_size(json_object_get(v, "items"));
  json_decref(v);
  return n;
}

typedef struct {
  double post_s, total_s, per_s;
} result;

/* One case: `clients` threads send `total` transfers from offset `*offset`
 * of the batch; for a link, waits until all are complete. */
static result run_case(kind k, long long batch, int clients, long total, atomic_long *next) {
  client sa, sb;
  client_init(&sa, RA);
  client_init(&sb, RB);
  long long before = holdings_total(&sb, acc[RB]);
  long start_index = atomic_load(next);
  worker *w = calloc((size_t)clients, sizeof *w);
  pthread_t *th = calloc((size_t)clients, sizeof *th);
  if (w == NULL || th == NULL) die("out of memory");
  double t0 = bench_now_s();
  for (int i = 0; i < clients; i++) {
    w[i] = (worker){.k = k, .batch = batch, .next = next, .total = start_index + total};
    if (pthread_create(&th[i], NULL, work, &w[i]) != 0) die("pthread_create failed");
  }
  for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
  atomic_store(next, start_index + total); /* each worker took one index past the end */
  result r = {.post_s = bench_now_s() - t0};
  for (int i = 0; i < clients; i++)
    if (w[i].failed) die("%ld requests refused, e.g. %s", w[i].failed, w[i].error);
  if (k == LINK) {
    long long want = before + (long long)total * LINK_UNITS;
    for (;;) {
      /* the receiver's total first: one small read; the sender's pending
       * list (large while many are pending) only once the units are there */
      if (holdings_total(&sb, acc[RB]) == want && count_state(&sa, "pending") == 0) break;
      if (bench_now_s() - t0 > LINK_WAIT_S) die("transfers not complete after %.0f s", LINK_WAIT_S);
      usleep(LINK_POLL_US);
    }
    if (count_state(&sa, "rejected") != 0) die("a transfer was rejected");
  }
  r.total_s = bench_now_s() - t0;
  r.per_s = (double)total / r.total_s;
  free(w);
  free(th);
  client_free(&sa);
  client_free(&sb);
  return r;
}

static void show(const char *what, int clients, long n, result r) {
  printf("  %-7s %2d client%s %4ld transfers: %7.3f s (POSTs done at %.3f s), %6.1f transfers/s\n", what, clients,
         clients == 1 ? " " : "s", n, r.total_s, r.post_s, r.per_s);
}

int main(int argc, char **argv) {
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) quick = true;
    else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc && strcmp(argv[i + 1], "sqlite") == 0) i++;
    else {
      fprintf(stderr, "usage: bench_link [--quick] [--store sqlite]\n");
      return 2;
    }
  }
  long n1 = quick ? LINK_N1_QUICK : LINK_N1, nn = quick ? LINK_NN_QUICK : LINK_NN;
  const char *env_bin = getenv("L6_BIN"), *build = getenv("BUILD"), *tmp = getenv("TMPDIR");
  if (env_bin && *env_bin) snprintf(bin, sizeof bin, "%s", env_bin);
  else snprintf(bin, sizeof bin, "%s/ledger6", build && *build ? build : "build");
  if (access(bin, X_OK) != 0) {
    fprintf(stderr, "bench_link: cannot run %s (build it first: make bench)\n", bin);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  snprintf(dir, sizeof dir, "%s/ledger6-bench_link-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (int i = 0; i < NSRV; i++) {
    snprintf(S[i].db, sizeof S[i].db, "%s/%s.db", dir, REG[i]);
    snprintf(S[i].keys, sizeof S[i].keys, "%s/%s.keys", dir, REG[i]);
    snprintf(S[i].log, sizeof S[i].log, "%s/%s.log", dir, REG[i]);
    S[i].port = free_port();
    start(i, false);
  }
  world((n1 + nn) * LINK_UNITS);

  atomic_long next_local = 0, next_direct = 0, next_hub = 0;
  result local1 = run_case(LOCAL, batch_local, 1, n1, &next_local);
  result localn = run_case(LOCAL, batch_local, LINK_CLIENTS, nn, &next_local);
  settings(false);
  result direct1 = run_case(LINK, batch_direct, 1, n1, &next_direct);
  result directn = run_case(LINK, batch_direct, LINK_CLIENTS, nn, &next_direct);
  settings(true);
  result hub1 = run_case(LINK, batch_hub, 1, n1, &next_hub);
  result hubn = run_case(LINK, batch_hub, LINK_CLIENTS, nn, &next_hub);

  int serve[NSRV], chk[NSRV], bad = 0;
  for (int i = 0; i < NSRV; i++) serve[i] = stop(i);
  for (int i = 0; i < NSRV; i++) {
    chk[i] = check(i);
    bad |= serve[i] != 0 || chk[i] != 0;
  }
  curl_global_cleanup();

  printf("transfers of %d units, THA01 -> CHE01 (link) or between two THA01 accounts (local), SQLite stores\n", LINK_UNITS);
  show("local", 1, n1, local1);
  show("local", LINK_CLIENTS, nn, localn);
  show("direct", 1, n1, direct1);
  show("direct", LINK_CLIENTS, nn, directn);
  show("hub", 1, n1, hub1);
  show("hub", LINK_CLIENTS, nn, hubn);
  printf("  ratios: %d/1 clients: local %.2f, direct %.2f, hub %.2f; local/direct: 1 client %.1f, %d clients %.1f;"
         " direct/hub: 1 client %.2f, %d clients %.2f\n",
         LINK_CLIENTS, localn.per_s / local1.per_s, directn.per_s / direct1.per_s, hubn.per_s / hub1.per_s,
         local1.per_s / direct1.per_s, LINK_CLIENTS, localn.per_s / directn.per_s, direct1.per_s / hub1.per_s, LINK_CLIENTS,
         directn.per_s / hubn.per_s);
  for (int i = 0; i < NSRV; i++)
    printf("  %s: server stopped with status %d; ledger6 check: %s\n", REG[i], serve[i], chk[i] == 0 ? "ok" : "FAILED");
  printf("RESULT link_units %d\nRESULT link_clients %d\nRESULT link_n1 %ld\nRESULT link_nn %ld\n", LINK_UNITS, LINK_CLIENTS, n1,
         nn);
  printf("RESULT link_local1_per_s %.1f\nRESULT link_localn_per_s %.1f\n", local1.per_s, localn.per_s);
  printf("RESULT link_direct1_per_s %.1f\nRESULT link_directn_per_s %.1f\n", direct1.per_s, directn.per_s);
  printf("RESULT link_hub1_per_s %.1f\nRESULT link_hubn_per_s %.1f\n", hub1.per_s, hubn.per_s);
  printf("RESULT link_check %s\n", bad ? "FAILED" : "ok");
  if (bad) {
    fprintf(stderr, "bench_link: stores and logs kept in %s\n", dir);
    return 1;
  }
  for (int i = 0; i < NSRV; i++) {
    static const char *const ext[] = {".db", ".db-wal", ".db-shm", ".db-journal", ".db.keys", ".keys", ".log"};
    for (size_t e = 0; e < sizeof ext / sizeof ext[0]; e++) {
      char p[4300];
      snprintf(p, sizeof p, "%s/%s%s", dir, REG[i], ext[e]);
      unlink(p);
    }
  }
  rmdir(dir);
  return 0;
}
