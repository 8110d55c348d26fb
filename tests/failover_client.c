/*
 * failover_client.c -- the HTTP client of scripts/failover-test.sh. Not a
 * test binary of its own (tests/run.sh does not run it): the script starts
 * the databases and servers, kills and promotes, and calls this for the
 * traffic and the verdict.
 *
 *   failover_client setup  PORT TOKEN STATE
 *       creates a Party, registry, organisation, FC_ACCOUNTS holding
 *       accounts with FC_UNITS units each, and writes the account ids to
 *       the file STATE, one per line.
 *   failover_client drive  STATE ACKED STOPFILE PORT TOKEN [PORT TOKEN...]
 *       FC_THREADS client threads, spread over the servers given, send
 *       POST /v1/transfers between the accounts (1-20 units, by quantity),
 *       each request with its own Idempotency-Key. A 201 is an
 *       acknowledgement: its transaction id, key, accounts and quantity go
 *       to ACKED (one line, written and flushed at once, before the next
 *       request). A 409 insufficient_holdings ends the request. Anything
 *       else (no reply, 500, 503) leaves the request in doubt: it is sent
 *       again, same key, same body, until it gets a 201 or a 409 (or
 *       FC_RETRY_S seconds pass: a failure). So every request ends
 *       acknowledged once or refused, never twice. Threads stop when the
 *       file STOPFILE appears. Prints counts; exit 0, or 1 on a failure.
 *   failover_client verify STATE ACKED PORT TOKEN
 *       every acknowledged transaction is there with the acknowledged
 *       accounts and quantity; the transfers among the accounts are
 *       exactly the acknowledged ones (none lost, none doubled); the
 *       accounts still hold FC_ACCOUNTS * FC_UNITS units. Exit 0 or 1.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "testlib.h"
#include "testlib_http.h"

#define FC_ACCOUNTS 8
#define FC_UNITS 100000
#define FC_THREADS 8
#define FC_MAX_SERVERS 4
#define FC_RETRY_S 120 /* longest a request may stay in doubt: failover must be quicker */
#define FC_MAX_ACKED 1000000

static int64_t acc[FC_ACCOUNTS];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tl_srv server(const char *port) {
  tl_srv s;
  memset(&s, 0, sizeof s);
  s.port = atoi(port);
  s.out_fd = -1;
  return s;
}

/* POST as admin; returns the reply (caller frees). */
static tl_resp post(const tl_srv *s, const char *token, const char *path, json_t *body, const char *header) {
  return tl_http_reqj(s, "POST", path, token, body, header);
}

static int must_201(tl_resp *r, const char *what) {
  if (r->status != 201) {
    fprintf(stderr, "failover_client: %s: status %ld %s %.500s\n", what, r->status, r->err, r->raw);
    return -1;
  }
  return 0;
}

static int load_state(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "failover_client: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  int n = 0;
  long long v;
  while (n < FC_ACCOUNTS && fscanf(f, "%lld", &v) == 1) acc[n++] = v;
  fclose(f);
  return n == FC_ACCOUNTS ? 0 : -1;
}

/* ---- setup --------------------------------------------------------------- */

static int cmd_setup(const char *port, const char *token, const char *state) {
  tl_srv s = server(port);
  tl_resp r = post(&s, token, "/v1/parties", json_pack("{s:s, s:s}", "code", "CHE", "name", "Switzerland"), NULL);
  int rc = must_201(&r, "party");
  tl_resp_free(&r);
  r = post(&s, token, "/v1/registries", json_pack("{s:s, s:s, s:s}", "id", "CHE01", "party", "CHE", "name", "CH"),
           NULL);
  rc |= must_201(&r, "registry");
  tl_resp_free(&r);
  r = post(&s, token, "/v1/organisations", json_pack("{s:s, s:s}", "registry", "CHE01", "name", "Failover AG"), NULL);
  rc |= must_201(&r, "organisation");
  int64_t org = tl_jint(r.body, "id");
  tl_resp_free(&r);
  r = post(&s, token, "/v1/projects",
           json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", "FO.01", "programme", "VCS", "host", "CHE",
                     "title", "Failover", "methodology", "M", "sector", "energy", "kind", "avoidance",
                     "crediting_start", "2020-01-01", "crediting_end", "2030-12-31"),
           NULL);
  rc |= must_201(&r, "project");
  tl_resp_free(&r);
  FILE *f = fopen(state, "w");
  if (f == NULL || rc != 0) return 1;
  for (int i = 0; i < FC_ACCOUNTS; i++) {
    char name[32];
    snprintf(name, sizeof name, "failover %d", i);
    r = post(&s, token, "/v1/accounts",
             json_pack("{s:s, s:I, s:s, s:s}", "registry", "CHE01", "organisation", (json_int_t)org, "type", "holding",
                       "name", name),
             NULL);
    if (must_201(&r, "account") != 0) return 1;
    acc[i] = tl_jint(r.body, "id");
    tl_resp_free(&r);
    r = post(&s, token, "/v1/issuances",
             json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "registry", "CHE01", "project", "FO.01", "unit_type", "VCU",
                       "vintage", 2024, "quantity", (json_int_t)FC_UNITS, "forward_to", (json_int_t)acc[i]),
             NULL);
    if (must_201(&r, "issuance") != 0) return 1;
    tl_resp_free(&r);
    fprintf(f, "%lld\n", (long long)acc[i]);
  }
  fclose(f);
  printf("failover_client: %d accounts of %d units each\n", FC_ACCOUNTS, FC_UNITS);
  return 0;
}

/* ---- drive --------------------------------------------------------------- */

static struct {
  tl_srv srv[FC_MAX_SERVERS];
  const char *token[FC_MAX_SERVERS];
  int nsrv;
  const char *stopfile;
  FILE *acked;
  pthread_mutex_t mu;
} D;

typedef struct {
  int idx;
  long acked, refused, retries, resent_acked, failed;
  double longest_doubt_s;
} driver;

static void *drive_main(void *arg) {
  driver *d = arg;
  const tl_srv *s = &D.srv[d->idx % D.nsrv];
  const char *token = D.token[d->idx % D.nsrv];
  uint64_t rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(d->idx + 1);
  for (long seq = 0; access(D.stopfile, F_OK) != 0; seq++) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    int from = (int)(rng % FC_ACCOUNTS), to = (from + 1 + (int)((rng >> 8) % (FC_ACCOUNTS - 1))) % FC_ACCOUNTS;
    int64_t qty = 1 + (int64_t)((rng >> 16) % 20);
    char body[200], key[80];
    snprintf(body, sizeof body, "{\"from_account\":%lld,\"to_account\":%lld,\"unit_type\":\"VCU\",\"quantity\":%lld}",
             (long long)acc[from], (long long)acc[to], (long long)qty);
    snprintf(key, sizeof key, "Idempotency-Key: fo-%d-%ld", d->idx, seq);
    double first_try = now_s();
    for (int attempt = 0;; attempt++) {
      tl_resp r = tl_http_req(s, "POST", "/v1/transfers", token, body, key);
      const char *code = tl_jstr(json_object_get(r.body, "error"), "code");
      if (r.status == 201) {
        pthread_mutex_lock(&D.mu);
        fprintf(D.acked, "%lld %s %lld %lld %lld\n", (long long)tl_jint(r.body, "id"), key + 17, (long long)acc[from],
                (long long)acc[to], (long long)qty);
        fflush(D.acked);
        pthread_mutex_unlock(&D.mu);
        d->acked++;
        if (attempt > 0) d->resent_acked++;
        double doubt = now_s() - first_try;
        if (attempt > 0 && doubt > d->longest_doubt_s) d->longest_doubt_s = doubt;
        tl_resp_free(&r);
        break;
      }
      if (r.status == 409 && code && strcmp(code, "insufficient_holdings") == 0) {
        d->refused++;
        tl_resp_free(&r);
        break;
      }
      if (now_s() - first_try > FC_RETRY_S) {
        fprintf(stderr, "failover_client: %s still in doubt after %d s: %ld %s %.300s\n", key, FC_RETRY_S, r.status,
                r.err, r.raw);
        d->failed++;
        tl_resp_free(&r);
        tl_http_thread_done();
        return NULL;
      }
      tl_resp_free(&r);
      d->retries++;
      usleep(100 * 1000);
    }
  }
  tl_http_thread_done();
  return NULL;
}

static int cmd_drive(int argc, char **argv) {
  const char *state = argv[0], *acked = argv[1];
  D.stopfile = argv[2];
  for (int i = 3; i + 1 < argc && D.nsrv < FC_MAX_SERVERS; i += 2) {
    D.srv[D.nsrv] = server(argv[i]);
    D.token[D.nsrv] = argv[i + 1];
    D.nsrv++;
  }
  if (D.nsrv == 0 || load_state(state) != 0) return 2;
  D.acked = fopen(acked, "a");
  if (D.acked == NULL) return 2;
  pthread_mutex_init(&D.mu, NULL);
  driver d[FC_THREADS];
  pthread_t th[FC_THREADS];
  double t0 = now_s();
  for (int i = 0; i < FC_THREADS; i++) {
    d[i] = (driver){.idx = i};
    pthread_create(&th[i], NULL, drive_main, &d[i]);
  }
  driver sum = {0};
  for (int i = 0; i < FC_THREADS; i++) {
    pthread_join(th[i], NULL);
    sum.acked += d[i].acked;
    sum.refused += d[i].refused;
    sum.retries += d[i].retries;
    sum.resent_acked += d[i].resent_acked;
    sum.failed += d[i].failed;
    if (d[i].longest_doubt_s > sum.longest_doubt_s) sum.longest_doubt_s = d[i].longest_doubt_s;
  }
  fclose(D.acked);
  printf("failover_client: %.1f s, %ld acknowledged (%ld of them after re-sending), %ld refused, %ld re-sends, "
         "longest in doubt %.2f s, %ld failed\n",
         now_s() - t0, sum.acked, sum.resent_acked, sum.refused, sum.retries, sum.longest_doubt_s, sum.failed);
  return sum.failed ? 1 : 0;
}

/* ---- verify -------------------------------------------------------------- */

typedef struct {
  int64_t id, from, to, qty;
  char key[64];
} ack;

static int cmp_ack(const void *a, const void *b) {
  const ack *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int is_bench_account(int64_t id) {
  for (int i = 0; i < FC_ACCOUNTS; i++)
    if (acc[i] == id) return 1;
  return 0;
}

static int cmd_verify(const char *state, const char *acked, const char *port, const char *token) {
  if (load_state(state) != 0) return 2;
  tl_srv s = server(port);
  FILE *f = fopen(acked, "r");
  if (f == NULL) return 2;
  ack *v = calloc(FC_MAX_ACKED, sizeof *v);
  size_t n = 0;
  long long id, from, to, qty;
  char key[64];
  while (n < FC_MAX_ACKED && fscanf(f, "%lld %63s %lld %lld %lld", &id, key, &from, &to, &qty) == 5) {
    v[n] = (ack){.id = id, .from = from, .to = to, .qty = qty};
    snprintf(v[n].key, sizeof v[n].key, "%s", key);
    n++;
  }
  fclose(f);
  int bad = 0;
  qsort(v, n, sizeof *v, cmp_ack);
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && v[i].id == v[i - 1].id) {
      fprintf(stderr, "verify: transaction %lld acknowledged twice (%s, %s)\n", (long long)v[i].id, v[i - 1].key,
              v[i].key);
      bad++;
    }
    char path[64];
    snprintf(path, sizeof path, "/v1/transactions/%lld", (long long)v[i].id);
    tl_resp r = tl_http_req(&s, "GET", path, token, NULL, NULL);
    if (r.status != 200 || tl_jint(r.body, "from_account") != v[i].from || tl_jint(r.body, "to_account") != v[i].to ||
        tl_jint(r.body, "quantity") != v[i].qty) {
      if (bad < 20)
        fprintf(stderr, "verify: acknowledged transaction %lld (%s) is lost or changed: %ld %.300s\n",
                (long long)v[i].id, v[i].key, r.status, r.raw);
      bad++;
    }
    tl_resp_free(&r);
  }
  /* Every transfer among the accounts, page by page: exactly the acknowledged. */
  size_t listed = 0, k = 0;
  int64_t after = 0;
  for (;;) {
    char path[128];
    if (after) snprintf(path, sizeof path, "/v1/transactions?kind=transfer&limit=500&after=%lld", (long long)after);
    else snprintf(path, sizeof path, "/v1/transactions?kind=transfer&limit=500");
    tl_resp r = tl_http_req(&s, "GET", path, token, NULL, NULL);
    json_t *items = json_object_get(r.body, "items");
    if (r.status != 200 || !json_is_array(items)) {
      fprintf(stderr, "verify: cannot list transactions: %ld %.300s\n", r.status, r.raw);
      tl_resp_free(&r);
      return 1;
    }
    size_t i;
    json_t *t;
    json_array_foreach(items, i, t) {
      after = tl_jint(t, "id");
      if (!is_bench_account(tl_jint(t, "from_account"))) continue; /* the issuances' forwards */
      listed++;
      while (k < n && v[k].id < after) k++;
      if (k >= n || v[k].id != after) {
        if (bad < 20) fprintf(stderr, "verify: transfer %lld is in the store but was never acknowledged\n", (long long)after);
        bad++;
      }
    }
    size_t got = json_array_size(items);
    tl_resp_free(&r);
    if (got < 500) break;
  }
  int64_t total = 0;
  for (int i = 0; i < FC_ACCOUNTS; i++) {
    char path[64];
    snprintf(path, sizeof path, "/v1/accounts/%lld/holdings", (long long)acc[i]);
    tl_resp r = tl_http_req(&s, "GET", path, token, NULL, NULL);
    total += tl_jint(r.body, "total");
    tl_resp_free(&r);
  }
  printf("verify: %zu acknowledged, %zu transfers in the store, %lld units held (expected %lld): %s\n", n, listed,
         (long long)total, (long long)FC_ACCOUNTS * FC_UNITS, bad == 0 && listed == n ? "ok" : "FAILED");
  free(v);
  return bad == 0 && listed == n && total == (int64_t)FC_ACCOUNTS * FC_UNITS ? 0 : 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (argc == 5 && strcmp(argv[1], "setup") == 0) return cmd_setup(argv[2], argv[3], argv[4]);
  if (argc >= 7 && argc % 2 == 1 && strcmp(argv[1], "drive") == 0) return cmd_drive(argc - 2, argv + 2);
  if (argc == 6 && strcmp(argv[1], "verify") == 0) return cmd_verify(argv[2], argv[3], argv[4], argv[5]);
  fprintf(stderr, "usage: failover_client setup PORT TOKEN STATE\n"
                  "       failover_client drive STATE ACKED STOPFILE PORT TOKEN [PORT TOKEN...]\n"
                  "       failover_client verify STATE ACKED PORT TOKEN\n");
  return 2;
}
