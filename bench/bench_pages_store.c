/*
 * bench_pages_store.c -- fills a store at a real registry's size for the
 * public pages' timing run (issue 21, item 5; `sh bench/run.sh --pages`,
 * docs/PERFORMANCE.md "Public pages at a registry's size"). Not a test:
 * the store is generated under TMPDIR and never committed.
 *
 * It writes through the store directly, in batched transactions (one
 * commit per 2,000 batches), into a store `ledger6 init` made (schema,
 * programmes and unit types of config/): Parties (the first --hosts codes
 * of config/iso3166-1.tsv), one registry, 100 organisations with a holding
 * account each, the registry's retirement account, then --projects
 * projects (programmes VCS, GS, CDM, CCER in turn; statuses registered,
 * listed, suspended, withdrawn as 85/10/3/2 %), two batches of 5,000 units
 * each (vintages 2016-2024), and in each batch an issuance, a transfer of
 * 1,000 units to another organisation's account and a retirement of 1,000
 * units (reporting years 2021-2025): five blocks a batch (the holder's
 * three ranges are not adjacent, so they stay apart), so 100,000 projects
 * make 10^6 blocks. Every transaction has its transparency-log leaf
 * (tlog_append_new in the same commit), so certificates verify and
 * `ledger6 check` passes on it.
 *
 * usage: bench_pages_store --db PATH --config DIR [--projects N] [--hosts N]
 * Prints one line per 10,000 projects and the totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/tlog.h"
#include "store/store.h"

static void die(const char *what, const l6_error *err) {
  fprintf(stderr, "bench_pages_store: %s: %s: %s\n", what, l6_err_code(err->code), err->message);
  exit(1);
}
#define OK(call, what)                        \
  do {                                        \
    if ((call) != L6_E_OK) die((what), &err); \
  } while (0)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MAX_HOSTS 200
#define ORGS 100

int main(int argc, char **argv) {
  const char *db = NULL, *config = NULL;
  long projects = 100000;
  int nhosts = 60;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) db = argv[++i];
    else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    else if (strcmp(argv[i], "--projects") == 0 && i + 1 < argc) projects = atol(argv[++i]);
    else if (strcmp(argv[i], "--hosts") == 0 && i + 1 < argc) nhosts = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_pages_store --db PATH --config DIR [--projects N] [--hosts N]\n");
      return 2;
    }
  }
  if (db == NULL || config == NULL || projects < 1 || nhosts < 1 || nhosts > MAX_HOSTS) {
    fprintf(stderr, "usage: bench_pages_store --db PATH --config DIR [--projects N] [--hosts N]\n");
    return 2;
  }
  /* Host Parties: the first nhosts rows of the ISO table. */
  static char codes[MAX_HOSTS][4], names[MAX_HOSTS][128];
  char path[4200], line[512];
  snprintf(path, sizeof path, "%s/iso3166-1.tsv", config);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  int n = 0;
  while (n < nhosts && fgets(line, sizeof line, f)) {
    if (line[0] == '#' || strlen(line) < 5 || line[3] != '\t') continue;
    line[strcspn(line, "\r\n")] = '\0';
    memcpy(codes[n], line, 3);
    codes[n][3] = '\0';
    snprintf(names[n], sizeof names[n], "%.120s", line + 4);
    n++;
  }
  fclose(f);
  nhosts = n;

  l6_error err = {0};
  l6_store *st = store_open(db, &err);
  if (st == NULL) die("store_open", &err);
  const l6_store_ops *o = st->ops;
  double t0 = now_s();
  OK(o->begin(st, &err), "begin");
  for (int h = 0; h < nhosts; h++) {
    l6_party pa = {0};
    snprintf(pa.code, sizeof pa.code, "%.3s", codes[h]);
    snprintf(pa.name, sizeof pa.name, "%.120s", names[h]);
    l6_party old;
    if (o->party_get(st, pa.code, &old, &err) != L6_E_OK) OK(o->party_put(st, &pa, &err), "party");
  }
  l6_registry r = {.id = "GEN01", .name = "Generated registry (bench)"};
  snprintf(r.party, sizeof r.party, "%s", codes[0]);
  OK(o->registry_put(st, &r, &err), "registry");
  l6_id holding[ORGS];
  for (int i = 0; i < ORGS; i++) {
    l6_org org = {.registry = "GEN01"};
    snprintf(org.name, sizeof org.name, "Holder %02d", i);
    OK(o->org_put(st, &org, &err), "organisation");
    l6_account a = {.registry = "GEN01", .org = org.id, .type = L6_ACCT_HOLDING, .status = L6_STATUS_OPEN};
    snprintf(a.name, sizeof a.name, "Holder %02d holding", i);
    OK(o->account_put(st, &a, &err), "account");
    holding[i] = a.id;
  }
  l6_account ret = {.registry = "GEN01", .type = L6_ACCT_RETIREMENT, .status = L6_STATUS_OPEN, .name = "GEN01 retirement account"};
  OK(o->account_put(st, &ret, &err), "retirement account");
  l6_account canc = {.registry = "GEN01", .type = L6_ACCT_CANCELLATION, .status = L6_STATUS_OPEN, .name = "GEN01 cancellation account"};
  OK(o->account_put(st, &canc, &err), "cancellation account");
  l6_account pend = {.registry = "GEN01", .type = L6_ACCT_PENDING, .status = L6_STATUS_OPEN, .name = "GEN01 pending account"};
  OK(o->account_put(st, &pend, &err), "pending account");

  static const char *const progs[][3] = {{"VCS", "VCU", "energy"}, {"GS", "VER", "cookstoves"}, {"CDM", "CER", "waste"},
                                         {"CCER", "CCER", "forestry"}};
  const int64_t Q = 5000, MOVE = 1000;
  long batches = 0, txs = 0, blocks = 0;
  for (long p = 0; p < projects; p++) {
    const char *const *pg = progs[p % 4];
    l6_project pr = {0};
    snprintf(pr.id, sizeof pr.id, "GEN.%s.%06ld", pg[0], p + 1);
    snprintf(pr.programme, sizeof pr.programme, "%s", pg[0]);
    snprintf(pr.host, sizeof pr.host, "%s", codes[(p * 7) % nhosts]);
    snprintf(pr.title, sizeof pr.title, "Generated %s project %ld in %s", pg[2], p + 1, names[(p * 7) % nhosts]);
    snprintf(pr.methodology, sizeof pr.methodology, "GEN-M%02ld", p % 17);
    snprintf(pr.sector, sizeof pr.sector, "%s", pg[2]);
    snprintf(pr.kind, sizeof pr.kind, "%s", p % 5 == 4 ? "removal" : "avoidance");
    snprintf(pr.crediting_start, sizeof pr.crediting_start, "2016-01-01");
    snprintf(pr.crediting_end, sizeof pr.crediting_end, "2030-12-31");
    int s100 = (int)(p % 100);
    snprintf(pr.status, sizeof pr.status, "%s",
             s100 < 85 ? "registered" : s100 < 95 ? "listed" : s100 < 98 ? "suspended" : "withdrawn");
    OK(o->project_put(st, &pr, &err), "project");
    for (int k = 0; k < 2; k++) {
      l6_id holder = holding[(p + k) % ORGS], other = holding[(p + k + 1) % ORGS];
      int vintage = 2016 + (int)((p + k) % 9);
      char ts[32];
      snprintf(ts, sizeof ts, "%04d-%02d-%02dT12:00:00.000Z", 2021 + (int)(p % 5), 1 + (int)(p % 12), 1 + (int)(p % 28));
      l6_tx iss = {.kind = L6_TX_ISSUANCE, .actor = "bench", .to_account = holder, .quantity = Q};
      snprintf(iss.ts, sizeof iss.ts, "%s", ts);
      OK(o->tx_put(st, &iss, &err), "issuance");
      l6_batch b = {.registry = "GEN01", .vintage = vintage, .serial_start = 1, .quantity = Q, .tx = iss.id};
      snprintf(b.project, sizeof b.project, "%s", pr.id);
      snprintf(b.unit_type, sizeof b.unit_type, "%s", pg[1]);
      OK(o->batch_put(st, &b, &err), "batch");
      l6_tx_line li = {.tx = iss.id, .batch = b.id, .first = 1, .last = Q, .to_account = holder};
      OK(o->tx_line_put(st, &li, &err), "issuance line");
      l6_tx tr = {.kind = L6_TX_TRANSFER, .actor = "bench", .from_account = holder, .to_account = other, .quantity = MOVE};
      snprintf(tr.ts, sizeof tr.ts, "%s", ts);
      OK(o->tx_put(st, &tr, &err), "transfer");
      li = (l6_tx_line){.tx = tr.id, .batch = b.id, .first = MOVE + 1, .last = 2 * MOVE, .from_account = holder, .to_account = other};
      OK(o->tx_line_put(st, &li, &err), "transfer line");
      l6_tx re = {.kind = L6_TX_RETIREMENT, .actor = "bench", .from_account = holder, .to_account = ret.id, .quantity = MOVE,
                  .reporting_year = 2021 + (int)((p + k) % 5)};
      snprintf(re.ts, sizeof re.ts, "%s", ts);
      snprintf(re.beneficiary, sizeof re.beneficiary, "Beneficiary %ld", (p * 2 + k) % 997);
      snprintf(re.purpose, sizeof re.purpose, "voluntary offsetting");
      OK(o->tx_put(st, &re, &err), "retirement");
      li = (l6_tx_line){.tx = re.id, .batch = b.id, .first = 3 * MOVE + 1, .last = 4 * MOVE, .from_account = holder, .to_account = ret.id};
      OK(o->tx_line_put(st, &li, &err), "retirement line");
      /* the batch's five blocks: holder, other, holder, retired, holder */
      OK(o->block_add(st, holder, b.id, 1, MOVE, &err), "block");
      OK(o->block_add(st, other, b.id, MOVE + 1, 2 * MOVE, &err), "block");
      OK(o->block_add(st, holder, b.id, 2 * MOVE + 1, 3 * MOVE, &err), "block");
      OK(o->block_add(st, ret.id, b.id, 3 * MOVE + 1, 4 * MOVE, &err), "block");
      OK(o->block_add(st, holder, b.id, 4 * MOVE + 1, Q, &err), "block");
      batches++;
      txs += 3;
      blocks += 5;
    }
    if ((p + 1) % 1000 == 0 || p + 1 == projects) {
      OK(tlog_append_new(st, &err), "log leaves");
      OK(o->commit(st, &err), "commit");
      if ((p + 1) % 10000 == 0) fprintf(stderr, "  %ld projects, %.0f s\n", p + 1, now_s() - t0);
      if (p + 1 < projects) OK(o->begin(st, &err), "begin");
    }
  }
  printf("generated: %ld projects, %d host Parties, %ld batches, %ld transactions, %ld blocks in %.1f s (%s)\n", projects,
         nhosts, batches, txs, blocks, now_s() - t0, db);
  o->close(st);
  return 0;
}
