/*
 * metrics.c -- the process's operational counters and their Prometheus
 * text rendering; see metrics.h.
 *
 * Requests are counted per (method, route template): a fixed array of
 * route entries, each published once (under add_mu, the only lock) and
 * then updated with relaxed atomic adds. Each entry holds its latency
 * histogram and up to METRICS_STATUS_SLOTS distinct statuses, each slot
 * claimed by compare-and-swap; a route that somehow answers more distinct
 * statuses counts the rest as status "other". Templates beyond
 * METRICS_MAX_ROUTES count under route "(other)". Memory is fixed (no
 * allocation on the request path) and cardinality is bounded by the route
 * table, never by what clients send.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define METRICS_MAX_ROUTES L6_METRICS_MAX_ROUTES
#define METRICS_STATUS_SLOTS L6_METRICS_STATUS_SLOTS

/* Histogram bucket upper bounds: in nanoseconds for the comparisons, and
 * as the text of the "le" label. The usual Prometheus HTTP buckets from
 * 1 ms to 10 s. */
static const int64_t bucket_ns[] = {1000000,   2500000,   5000000,   10000000,   25000000,   50000000, 100000000,
                                    250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000};
static const char *const bucket_le[] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                                        "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};
#define NBUCKETS (sizeof bucket_ns / sizeof bucket_ns[0])

typedef struct {
  atomic_uint_fast64_t n[NBUCKETS + 1]; /* per bucket, not cumulative; the last one is above the largest bound */
  atomic_uint_fast64_t sum_ns;
} histo;

static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};
#define NMETHODS (sizeof method_names / sizeof method_names[0])

typedef struct {
  const char *route;                         /* set before the entry is published */
  int method;                                /* index in method_names */
  histo latency;
  atomic_int status[METRICS_STATUS_SLOTS];   /* 0: free slot */
  atomic_uint_fast64_t count[METRICS_STATUS_SLOTS];
  atomic_uint_fast64_t other;                /* statuses beyond the slots */
} route_stat;

static route_stat routes[METRICS_MAX_ROUTES];
static atomic_size_t nroutes;                /* published entries */
static route_stat overflow = {.route = "(other)", .method = NMETHODS - 1};
static pthread_mutex_t add_mu = PTHREAD_MUTEX_INITIALIZER;

static histo commit_latency;
static atomic_uint_fast64_t commits, rollbacks;
static atomic_uint_fast64_t groups, group_members; /* group commits (src/service/txgroup.c) */
static atomic_uint_fast64_t store_errors, store_busy;

static void histo_add(histo *h, int64_t ns) {
  if (ns < 0) ns = 0;
  size_t i = 0;
  while (i < NBUCKETS && ns > bucket_ns[i]) i++;
  atomic_fetch_add_explicit(&h->n[i], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->sum_ns, (uint_fast64_t)ns, memory_order_relaxed);
}

static int method_index(const char *m) {
  for (size_t i = 0; i + 1 < NMETHODS; i++)
    if (m && strcmp(m, method_names[i]) == 0) return (int)i;
  return NMETHODS - 1;
}

static route_stat *find_route(int method, const char *route, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (routes[i].method == method && (routes[i].route == route || strcmp(routes[i].route, route) == 0))
      return &routes[i];
  return NULL;
}

/* The entry of (method, route), added on first sight. */
static route_stat *route_entry(int method, const char *route) {
  size_t n = atomic_load_explicit(&nroutes, memory_order_acquire);
  route_stat *r = find_route(method, route, 0, n);
  if (r) return r;
  pthread_mutex_lock(&add_mu);
  size_t now = atomic_load_explicit(&nroutes, memory_order_acquire);
  r = find_route(method, route, n, now);
  if (r == NULL && now < METRICS_MAX_ROUTES) {
    r = &routes[now];
    r->route = route;
    r->method = method;
    atomic_store_explicit(&nroutes, now + 1, memory_order_release);
  }
  pthread_mutex_unlock(&add_mu);
  return r ? r : &overflow;
}

void metrics_http_request(const char *method, const char *route, int status, int64_t duration_ns) {
  route_stat *r = route_entry(method_index(method), route ? route : "(none)");
  histo_add(&r->latency, duration_ns);
  for (size_t i = 0; i < METRICS_STATUS_SLOTS; i++) {
    int s = atomic_load_explicit(&r->status[i], memory_order_acquire);
    if (s == 0) {
      int expect = 0;
      if (atomic_compare_exchange_strong(&r->status[i], &expect, status)) s = status;
      else s = expect; /* another thread claimed it; for this status? */
    }
    if (s == status) {
      atomic_fetch_add_explicit(&r->count[i], 1, memory_order_relaxed);
      return;
    }
  }
  atomic_fetch_add_explicit(&r->other, 1, memory_order_relaxed);
}

void metrics_store_transaction(int committed, int64_t duration_ns) {
  if (committed) {
    atomic_fetch_add_explicit(&commits, 1, memory_order_relaxed);
    histo_add(&commit_latency, duration_ns);
  } else {
    atomic_fetch_add_explicit(&rollbacks, 1, memory_order_relaxed);
  }
}

void metrics_store_group(size_t members) {
  atomic_fetch_add_explicit(&groups, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&group_members, members, memory_order_relaxed);
}

void metrics_store_error(const char *code) {
  atomic_fetch_add_explicit(code && strcmp(code, "busy") == 0 ? &store_busy : &store_errors, 1, memory_order_relaxed);
}

/* ---- rendering --------------------------------------------------------- */

/* A label value with the escapes of the text format: \\, \" and \n. */
/* Periodic link reconciliations, per peer (few: a lock is fine). */
#define METRICS_MAX_PEERS 32
static struct {
  char peer[16];
  int64_t differences;
  uint64_t ok, failed;
} peers[METRICS_MAX_PEERS];
static size_t npeers;
static pthread_mutex_t peer_mu = PTHREAD_MUTEX_INITIALIZER;

void metrics_link_reconcile(const char *peer, int64_t differences) {
  pthread_mutex_lock(&peer_mu);
  size_t i = 0;
  while (i < npeers && strcmp(peers[i].peer, peer) != 0) i++;
  if (i == npeers && npeers < METRICS_MAX_PEERS) snprintf(peers[npeers++].peer, sizeof peers[0].peer, "%s", peer);
  if (i < npeers) {
    if (differences < 0) {
      peers[i].failed++;
    } else {
      peers[i].ok++;
      peers[i].differences = differences;
    }
  }
  pthread_mutex_unlock(&peer_mu);
}

/* GET /v1/stats summed from the first transaction (issue 21, item 5). */
static atomic_uint_fast64_t stats_full_sums;

void metrics_stats_full_sum(void) { atomic_fetch_add_explicit(&stats_full_sums, 1, memory_order_relaxed); }

/* Email notices (issue 22). */
static atomic_uint_fast64_t notices_queued, notices_sent, notices_retried, notices_failed;
static atomic_bool notices_on;

void metrics_notices(int64_t queued, int64_t sent, int64_t retried, int64_t failed) {
  atomic_fetch_add_explicit(&notices_queued, (uint_fast64_t)queued, memory_order_relaxed);
  atomic_fetch_add_explicit(&notices_sent, (uint_fast64_t)sent, memory_order_relaxed);
  atomic_fetch_add_explicit(&notices_retried, (uint_fast64_t)retried, memory_order_relaxed);
  atomic_fetch_add_explicit(&notices_failed, (uint_fast64_t)failed, memory_order_relaxed);
  atomic_store_explicit(&notices_on, true, memory_order_relaxed);
}

static void put_label(FILE *f, const char *v) {
  for (; *v; v++) {
    if (*v == '\\') fputs("\\\\", f);
    else if (*v == '"') fputs("\\\"", f);
    else if (*v == '\n') fputs("\\n", f);
    else fputc(*v, f);
  }
}

static void put_route_labels(FILE *f, const route_stat *r) {
  fprintf(f, "method=\"%s\",route=\"", method_names[r->method]);
  put_label(f, r->route);
  fputc('"', f);
}

static uint64_t load(atomic_uint_fast64_t *a) { return atomic_load_explicit(a, memory_order_relaxed); }

/* A histogram's bucket, sum and count lines; labels ("" or `a="b"`) go
 * before le. The count is the sum of the buckets read, so the +Inf
 * bucket always equals _count even while requests land. */
static void put_histo(FILE *f, const char *name, const char *labels, histo *h) {
  uint64_t cum = 0;
  for (size_t i = 0; i <= NBUCKETS; i++) {
    cum += load(&h->n[i]);
    fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, labels[0] ? "," : "", i < NBUCKETS ? bucket_le[i] : "+Inf",
            (unsigned long long)cum);
  }
  uint64_t ns = load(&h->sum_ns);
  const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
  fprintf(f, "%s_sum%s%s%s %llu.%09llu\n", name, open, labels, close, (unsigned long long)(ns / 1000000000u),
          (unsigned long long)(ns % 1000000000u));
  fprintf(f, "%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)cum);
}

char *metrics_render(const metrics_gauges *g) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL) return NULL;
  fputs("# HELP ledger6_build_info The ledger6 version this process runs (value 1).\n"
        "# TYPE ledger6_build_info gauge\n",
        f);
  fputs("ledger6_build_info{version=\"", f);
  put_label(f, l6_version);
  fputs("\"} 1\n", f);

  size_t n = atomic_load_explicit(&nroutes, memory_order_acquire);
  route_stat *all[METRICS_MAX_ROUTES + 1];
  size_t na = 0;
  for (size_t i = 0; i < n; i++) all[na++] = &routes[i];
  /* Every request of an entry claims a status slot or counts as other. */
  if (atomic_load(&overflow.status[0]) || load(&overflow.other)) all[na++] = &overflow;

  fputs("# HELP ledger6_http_requests_total HTTP requests answered, by method, route template and status.\n"
        "# TYPE ledger6_http_requests_total counter\n",
        f);
  for (size_t k = 0; k < na; k++) {
    route_stat *r = all[k];
    for (size_t i = 0; i < METRICS_STATUS_SLOTS; i++) {
      int s = atomic_load_explicit(&r->status[i], memory_order_acquire);
      if (s == 0) break;
      fputs("ledger6_http_requests_total{", f);
      put_route_labels(f, r);
      fprintf(f, ",status=\"%d\"} %llu\n", s, (unsigned long long)load(&r->count[i]));
    }
    uint64_t other = load(&r->other);
    if (other) {
      fputs("ledger6_http_requests_total{", f);
      put_route_labels(f, r);
      fprintf(f, ",status=\"other\"} %llu\n", (unsigned long long)other);
    }
  }

  fputs("# HELP ledger6_http_request_duration_seconds Time from the request's arrival to the end of its answer.\n"
        "# TYPE ledger6_http_request_duration_seconds histogram\n",
        f);
  for (size_t k = 0; k < na; k++) {
    char *labels = NULL;
    size_t llen = 0;
    FILE *lf = open_memstream(&labels, &llen);
    if (lf == NULL) break;
    put_route_labels(lf, all[k]);
    fclose(lf);
    put_histo(f, "ledger6_http_request_duration_seconds", labels, &all[k]->latency);
    free(labels);
  }

  fprintf(f,
          "# HELP ledger6_store_transactions_total Store transactions ended, by outcome (every service call is one; "
          "reads commit too).\n"
          "# TYPE ledger6_store_transactions_total counter\n"
          "ledger6_store_transactions_total{outcome=\"commit\"} %llu\n"
          "ledger6_store_transactions_total{outcome=\"rollback\"} %llu\n",
          (unsigned long long)load(&commits), (unsigned long long)load(&rollbacks));
  fprintf(f,
          "# HELP ledger6_store_commit_groups_total Durable commits of the writer, each for a group of requests.\n"
          "# TYPE ledger6_store_commit_groups_total counter\n"
          "ledger6_store_commit_groups_total %llu\n"
          "# HELP ledger6_store_group_members_total Requests committed (or rolled back) in those groups.\n"
          "# TYPE ledger6_store_group_members_total counter\n"
          "ledger6_store_group_members_total %llu\n",
          (unsigned long long)load(&groups), (unsigned long long)load(&group_members));
  fputs("# HELP ledger6_store_commit_duration_seconds Committed store transactions, from begin to the end of COMMIT.\n"
        "# TYPE ledger6_store_commit_duration_seconds histogram\n",
        f);
  put_histo(f, "ledger6_store_commit_duration_seconds", "", &commit_latency);
  fprintf(f,
          "# HELP ledger6_store_errors_total Store failures, by error code (store_error: 500; busy: 503).\n"
          "# TYPE ledger6_store_errors_total counter\n"
          "ledger6_store_errors_total{code=\"store_error\"} %llu\n"
          "ledger6_store_errors_total{code=\"busy\"} %llu\n",
          (unsigned long long)load(&store_errors), (unsigned long long)load(&store_busy));
  fprintf(f,
          "# HELP ledger6_event_streams_open Server-Sent Events streams open now (GET /v1/exchange/stream).\n"
          "# TYPE ledger6_event_streams_open gauge\n"
          "ledger6_event_streams_open %lld\n",
          (long long)g->open_streams);
  fputs("# HELP ledger6_log_size Leaves of the transparency log (committed ledger transactions).\n"
        "# TYPE ledger6_log_size gauge\n",
        f);
  if (g->log_size >= 0) fprintf(f, "ledger6_log_size %lld\n", (long long)g->log_size);
  pthread_mutex_lock(&peer_mu);
  if (npeers) {
    fputs("# HELP ledger6_link_reconcile_runs_total Periodic reconciliations against a link peer (serve --link-reconcile), by "
          "result (failed: no comparison, e.g. the peer unreachable).\n"
          "# TYPE ledger6_link_reconcile_runs_total counter\n",
          f);
    for (size_t i = 0; i < npeers; i++) {
      fputs("ledger6_link_reconcile_runs_total{peer=\"", f);
      put_label(f, peers[i].peer);
      fprintf(f, "\",result=\"ok\"} %llu\n", (unsigned long long)peers[i].ok);
      fputs("ledger6_link_reconcile_runs_total{peer=\"", f);
      put_label(f, peers[i].peer);
      fprintf(f, "\",result=\"failed\"} %llu\n", (unsigned long long)peers[i].failed);
    }
    fputs("# HELP ledger6_link_reconcile_differences Differences the last completed reconciliation against the peer listed "
          "(docs/LINKS.md, codes D01-D07).\n"
          "# TYPE ledger6_link_reconcile_differences gauge\n",
          f);
    for (size_t i = 0; i < npeers; i++) {
      fputs("ledger6_link_reconcile_differences{peer=\"", f);
      put_label(f, peers[i].peer);
      fprintf(f, "\"} %lld\n", (long long)peers[i].differences);
    }
  }
  pthread_mutex_unlock(&peer_mu);
  fprintf(f,
          "# HELP ledger6_stats_full_sums_total GET /v1/stats figures summed from every batch and retirement line "
          "(the first call after start; any later call and filter adds the newer transactions to a cached grid).\n"
          "# TYPE ledger6_stats_full_sums_total counter\n"
          "ledger6_stats_full_sums_total %llu\n",
          (unsigned long long)load(&stats_full_sums));
  if (atomic_load_explicit(&notices_on, memory_order_relaxed))
    fprintf(f,
            "# HELP ledger6_notices_total Email notices (serve --smtp-url) by what happened: queued, sent, retried (an "
            "attempt failed; another is due), failed (given up).\n"
            "# TYPE ledger6_notices_total counter\n"
            "ledger6_notices_total{result=\"queued\"} %llu\n"
            "ledger6_notices_total{result=\"sent\"} %llu\n"
            "ledger6_notices_total{result=\"retried\"} %llu\n"
            "ledger6_notices_total{result=\"failed\"} %llu\n",
            (unsigned long long)load(&notices_queued), (unsigned long long)load(&notices_sent),
            (unsigned long long)load(&notices_retried), (unsigned long long)load(&notices_failed));
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
