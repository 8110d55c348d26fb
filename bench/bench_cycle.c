/*
 * bench_cycle.c -- the cost of the project cycle's steps, in process,
 * through svc_cycle_step on a file SQLite store (WAL, synchronous=FULL:
 * every step is one durable commit) in a fresh temporary folder, with the
 * shipped config/ (PACM).
 *
 * Workload: one registered PACM removal activity; N monitoring periods of
 * one day each, every one reported (afforestation calculator), verified,
 * requested (forwarded 70/30 to two accounts) and issued. An issue step
 * writes one batch and five ledger transactions (SOP, OMGE, buffer and two
 * forwards). Reported: the mean and the slowest issue step, the mean of
 * the other three steps, and the mean issue step of the last tenth of the
 * run against the first tenth (flat as the trail grows).
 *
 * usage: bench_cycle [--quick]      (N = 500, the most periods an activity has; --quick: 100)
 * Environment: TMPDIR chooses where the store goes (default /tmp);
 * L6_SRCDIR the repository root whose config/ is loaded (default ".").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cycle.h"
#include "service/cycle.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static l6_actor as(l6_role role, l6_id org, const char *name) {
  l6_actor a = {.role = role, .org = org};
  snprintf(a.name, sizeof a.name, "bench:%s", name);
  return a;
}

static void must(l6_err e, const l6_error *err, json_t *out, const char *what) {
  json_decref(out);
  if (e != L6_E_OK) {
    fprintf(stderr, "bench_cycle: %s: %s: %s\n", what, l6_err_code(e), err->message);
    exit(1);
  }
}

static l6_doc_ref doc(l6_svc *s, const l6_actor *a, const char *type) {
  l6_doc_ref r = {0};
  json_t *out = NULL;
  l6_error err = {0};
  char text[64];
  snprintf(text, sizeof text, "%s (bench)", type);
  must(svc_document_put(s, a, type, "text/plain", text, strlen(text), NULL, 0, &out, &err), &err, NULL, "document");
  snprintf(r.type, sizeof r.type, "%s", type);
  snprintf(r.sha256, sizeof r.sha256, "%s", json_string_value(json_object_get(out, "sha256")));
  json_decref(out);
  return r;
}

static l6_id mk(l6_svc *s, const l6_actor *admin, const char *reg, l6_id org, l6_account_type t) {
  l6_account a = {.org = org, .type = t};
  snprintf(a.registry, sizeof a.registry, "%s", reg);
  snprintf(a.name, sizeof a.name, "bench %s", l6_account_type_str(t));
  json_t *out = NULL;
  l6_error err = {0};
  must(svc_account_create(s, admin, &a, &out, &err), &err, out, "account");
  return a.id;
}

int main(int argc, char **argv) {
  int n = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 100 : L6_MAX_PERIODS;
  char dir[512], db[600], cfg[600];
  snprintf(dir, sizeof dir, "%s/ledger6-bench-cycle-XXXXXX", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(dir) == NULL) return perror("mkdtemp"), 1;
  snprintf(db, sizeof db, "%s/l.db", dir);
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  l6_error err = {0};
  json_t *out = NULL;
  l6_store *st = store_sqlite_open(db, &err);
  l6_svc *s = st ? svc_open(st, 1, &err) : NULL;
  if (s == NULL || svc_load_config(s, cfg, &err) != L6_E_OK) return fprintf(stderr, "bench_cycle: %s\n", err.message), 1;
  l6_actor admin = as(L6_ROLE_ADMIN, 0, "admin"), ma = as(L6_ROLE_MECHANISM_ADMIN, 0, "mechanism admin");
  l6_party p = {.code = "GHA", .name = "Ghana"};
  must(svc_party_create(s, &admin, &p, &out, &err), &err, out, "party");
  l6_registry r = {.id = "GHA01", .party = "GHA", .name = "Ghana registry"};
  must(svc_registry_create(s, &admin, &r, &out, &err), &err, out, "registry");
  l6_id orgs[3];
  const char *names[] = {"developer", "DOE", "EPA"};
  for (int i = 0; i < 3; i++) {
    l6_org o = {.registry = "GHA01"};
    snprintf(o.name, sizeof o.name, "%s", names[i]);
    must(svc_org_create(s, &admin, &o, &out, &err), &err, out, "org");
    orgs[i] = o.id;
  }
  l6_actor dev = as(L6_ROLE_HOLDER, orgs[0], "developer"), doe = as(L6_ROLE_VALIDATOR, orgs[1], "DOE"),
           epa = as(L6_ROLE_AUTHORITY, orgs[2], "EPA");
  l6_id acc1 = mk(s, &admin, "GHA01", orgs[0], L6_ACCT_HOLDING), acc2 = mk(s, &admin, "GHA01", orgs[0], L6_ACCT_HOLDING);
  mk(s, &admin, "GHA01", 0, L6_ACCT_ADAPTATION_FUND);
  mk(s, &admin, "GHA01", 0, L6_ACCT_OMGE_CANCELLATION);
  mk(s, &admin, "GHA01", 0, L6_ACCT_BUFFER);
  const char scope[][L6_CODE_MAX + 1] = {"14"};
  must(svc_accredit(s, &ma, orgs[1], "PACM", scope, 1, &out, &err), &err, out, "accredit");
  l6_submit_req sub = {.ets_covered = 0};
  snprintf(sub.project.id, sizeof sub.project.id, "BENCH.ARR");
  snprintf(sub.project.host, sizeof sub.project.host, "GHA");
  snprintf(sub.project.title, sizeof sub.project.title, "bench");
  snprintf(sub.project.methodology, sizeof sub.project.methodology, "AR-ACM0003");
  snprintf(sub.project.sector, sizeof sub.project.sector, "forestry");
  snprintf(sub.project.kind, sizeof sub.project.kind, "removal");
  snprintf(sub.project.crediting_start, sizeof sub.project.crediting_start, "2021-01-01");
  snprintf(sub.project.crediting_end, sizeof sub.project.crediting_end, "2025-12-31");
  snprintf(sub.mechanism, sizeof sub.mechanism, "PACM");
  snprintf(sub.registry, sizeof sub.registry, "GHA01");
  snprintf(sub.scope, sizeof sub.scope, "14");
  sub.docs[0] = doc(s, &dev, "design-document");
  sub.ndocs = 1;
  must(svc_activity_submit(s, &dev, &sub, &out, &err), &err, out, "submit");
  l6_step_req q;
  const struct {
    l6_step step;
    const l6_actor *a;
    const char *doc;
  } chain[] = {{L6_STEP_VALIDATE, &doe, "validation-report"}, {L6_STEP_APPROVE, &epa, "letter-of-approval"},
               {L6_STEP_REGISTER, &ma, NULL}};
  for (int i = 0; i < 3; i++) {
    memset(&q, 0, sizeof q);
    snprintf(q.project, sizeof q.project, "BENCH.ARR");
    q.step = chain[i].step;
    q.decision = L6_DECIDE_ACCEPT;
    if (chain[i].doc) q.docs[q.ndocs++] = doc(s, chain[i].a, chain[i].doc);
    must(svc_cycle_step(s, chain[i].a, &q, &out, &err), &err, out, "chain");
  }
  l6_doc_ref mr = doc(s, &dev, "monitoring-report"), vr = doc(s, &doe, "verification-report");
  double t_issue = 0, t_other = 0, t_max = 0, t_first = 0, t_last = 0;
  int64_t day0;
  date_to_days("2021-01-01", &day0);
  for (int i = 0; i < n; i++) {
    double t0 = now_s();
    memset(&q, 0, sizeof q);
    snprintf(q.project, sizeof q.project, "BENCH.ARR");
    q.step = L6_STEP_MONITOR;
    date_from_days(day0 + i, q.start);
    date_from_days(day0 + i, q.end);
    snprintf(q.calculator, sizeof q.calculator, "afforestation");
    const char *in[] = {"stock_start_kg", "stock_end_kg", "baseline_kg", "leakage_bp"};
    const int64_t v[] = {0, 1000000 + i, 0, 0};
    for (int k = 0; k < 4; k++) {
      snprintf(q.inputs[k].name, sizeof q.inputs[k].name, "%s", in[k]);
      q.inputs[k].value = v[k];
    }
    q.ninputs = 4;
    q.docs[q.ndocs++] = mr;
    must(svc_cycle_step(s, &dev, &q, &out, &err), &err, out, "monitor");
    memset(&q, 0, sizeof q);
    snprintf(q.project, sizeof q.project, "BENCH.ARR");
    q.period = i + 1;
    q.step = L6_STEP_VERIFY;
    q.decision = L6_DECIDE_ACCEPT;
    q.certified = 1000;
    q.docs[q.ndocs++] = vr;
    must(svc_cycle_step(s, &doe, &q, &out, &err), &err, out, "verify");
    memset(&q, 0, sizeof q);
    snprintf(q.project, sizeof q.project, "BENCH.ARR");
    q.period = i + 1;
    q.step = L6_STEP_REQUEST;
    q.forward[0] = (l6_forward){acc1, 7000};
    q.forward[1] = (l6_forward){acc2, 3000};
    q.nforward = 2;
    must(svc_cycle_step(s, &dev, &q, &out, &err), &err, out, "request");
    double t1 = now_s();
    memset(&q, 0, sizeof q);
    snprintf(q.project, sizeof q.project, "BENCH.ARR");
    q.period = i + 1;
    q.step = L6_STEP_ISSUE;
    q.decision = L6_DECIDE_ACCEPT;
    must(svc_cycle_step(s, &ma, &q, &out, &err), &err, out, "issue");
    double t2 = now_s();
    t_other += t1 - t0;
    t_issue += t2 - t1;
    if (t2 - t1 > t_max) t_max = t2 - t1;
    if (i < n / 10) t_first += t2 - t1;
    if (i >= n - n / 10) t_last += t2 - t1;
  }
  printf("cycle: %d monitoring periods of a PACM removal activity, each reported, verified, requested and issued\n", n);
  printf("  issue step (1 batch, 5 transactions, 1 durable commit): mean %.2f ms, slowest %.2f ms\n", t_issue / n * 1e3,
         t_max * 1e3);
  printf("  monitor + verify + request (3 durable commits): mean %.2f ms per period\n", t_other / n * 1e3);
  printf("  issue step, last tenth / first tenth of the run: %.2f\n", t_last / (t_first > 0 ? t_first : 1));
  printf("RESULT cycle_periods %d\nRESULT cycle_issue_ms %.2f\nRESULT cycle_issue_max_ms %.2f\n", n, t_issue / n * 1e3,
         t_max * 1e3);
  printf("RESULT cycle_other_ms %.2f\nRESULT cycle_issue_late_over_early %.2f\n", t_other / n * 1e3,
         t_last / (t_first > 0 ? t_first : 1));
  l6_error e2;
  int rc = svc_check(s, 0, &e2) == L6_E_OK ? 0 : 1;
  svc_close(s);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
