/*
 * demo.c -- a realistic demo registry, built through the service layer
 * exactly as an administrator would through the API: six Parties and their
 * registries, the Bangkok e-bus ITMO programme, a Malawi cookstove project,
 * an offshore wind CCER project and a Ghana forestry VCS project, with
 * issuances, transfers and retirements.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  l6_svc *s;
  l6_error *err;
  l6_err e;
} demo;

static void put(demo *d, l6_err e, json_t *out) {
  json_decref(out);
  if (d->e == L6_E_OK) d->e = e;
}

static void party(demo *d, const char *code, const char *name, const char *reg_name) {
  if (d->e) return;
  json_t *out = NULL;
  l6_party p = {0};
  snprintf(p.code, sizeof p.code, "%s", code);
  snprintf(p.name, sizeof p.name, "%s", name);
  l6_err e = svc_party_create(d->s, &cli_admin, &p, &out, d->err);
  put(d, e, out);
  if (d->e) return;
  l6_registry r = {0};
  snprintf(r.id, sizeof r.id, "%s01", code);
  snprintf(r.party, sizeof r.party, "%s", code);
  snprintf(r.name, sizeof r.name, "%s", reg_name);
  e = svc_registry_create(d->s, &cli_admin, &r, &out, d->err);
  put(d, e, out);
}

static l6_id org(demo *d, const char *registry, const char *name) {
  if (d->e) return 0;
  json_t *out = NULL;
  l6_org o = {0};
  snprintf(o.registry, sizeof o.registry, "%s", registry);
  snprintf(o.name, sizeof o.name, "%s", name);
  l6_err e = svc_org_create(d->s, &cli_admin, &o, &out, d->err);
  put(d, e, out);
  return o.id;
}

static l6_id account(demo *d, const char *registry, l6_id org_id, l6_account_type t, const char *name) {
  if (d->e) return 0;
  json_t *out = NULL;
  l6_account a = {.org = org_id, .type = t};
  snprintf(a.registry, sizeof a.registry, "%s", registry);
  snprintf(a.name, sizeof a.name, "%s", name);
  l6_err e = svc_account_create(d->s, &cli_admin, &a, &out, d->err);
  put(d, e, out);
  return a.id;
}

static void project(demo *d, const char *id, const char *programme, const char *host, const char *title,
                    const char *methodology, const char *sector, const char *kind, const char *start, const char *end) {
  if (d->e) return;
  json_t *out = NULL;
  l6_project p = {0};
  snprintf(p.id, sizeof p.id, "%s", id);
  snprintf(p.programme, sizeof p.programme, "%s", programme);
  snprintf(p.host, sizeof p.host, "%s", host);
  snprintf(p.title, sizeof p.title, "%s", title);
  snprintf(p.methodology, sizeof p.methodology, "%s", methodology);
  snprintf(p.sector, sizeof p.sector, "%s", sector);
  snprintf(p.kind, sizeof p.kind, "%s", kind);
  snprintf(p.crediting_start, sizeof p.crediting_start, "%s", start);
  snprintf(p.crediting_end, sizeof p.crediting_end, "%s", end);
  snprintf(p.status, sizeof p.status, "registered");
  l6_err e = svc_project_create(d->s, &cli_admin, &p, &out, d->err);
  put(d, e, out);
}

static void issue(demo *d, const char *registry, const char *project_id, const char *ut, int vintage, l6_qty qty,
                  l6_id forward_to) {
  if (d->e) return;
  l6_issue_req r = {.vintage = vintage, .quantity = qty, .forward_to = forward_to};
  snprintf(r.registry, sizeof r.registry, "%s", registry);
  snprintf(r.project, sizeof r.project, "%s", project_id);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  l6_reply rep;
  l6_err e = svc_issue(d->s, &cli_admin, &r, &rep, d->err);
  put(d, e, rep.body);
}

static void move(demo *d, l6_tx_kind kind, l6_id from, l6_id to, const char *ut, l6_qty qty, const char *beneficiary,
                 const char *purpose, const char *claim, int year) {
  if (d->e) return;
  static l6_move_req r;
  memset(&r, 0, sizeof r);
  r.kind = kind;
  r.from_account = from;
  r.to_account = to;
  r.quantity = qty;
  r.reporting_year = year;
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  snprintf(r.beneficiary, sizeof r.beneficiary, "%s", beneficiary ? beneficiary : "");
  snprintf(r.purpose, sizeof r.purpose, "%s", purpose ? purpose : "");
  snprintf(r.claim, sizeof r.claim, "%s", claim ? claim : "");
  l6_reply rep;
  l6_err e = svc_move(d->s, &cli_admin, &r, &rep, d->err);
  put(d, e, rep.body);
}

l6_err demo_populate(l6_svc *s, l6_error *err) {
  demo d = {.s = s, .err = err};
  l6_store *st = svc_store(s);
  json_t *parties = NULL;
  l6_err e = svc_party_list(s, &cli_admin, &parties, err);
  size_t existing = parties ? json_array_size(json_object_get(parties, "items")) : 0;
  json_decref(parties);
  if (e != L6_E_OK) return e;
  if (existing > 0) return l6_fail(err, L6_E_ALREADY_EXISTS, "the store already has data; demo needs an empty store");
  /* One outer transaction: the demo lands whole or not at all (the
   * service's own transactions nest inside as savepoints). */
  if ((e = st->ops->begin(st, err)) != L6_E_OK) return e;

  party(&d, "CHE", "Switzerland", "Swiss emissions trading registry");
  party(&d, "THA", "Thailand", "Thailand greenhouse gas registry (TGO)");
  party(&d, "MWI", "Malawi", "Malawi national carbon registry");
  party(&d, "CHN", "China", "China national carbon registry");
  party(&d, "JPN", "Japan", "Japan JCM registry");
  party(&d, "GHA", "Ghana", "Ghana carbon registry");

  project(&d, "THA.BKK.EBUS.01", "A6.2", "THA", "Bangkok e-bus programme", "Electrification of public bus fleet",
          "transport", "avoidance", "2022-01-01", "2030-12-31");
  project(&d, "MWI.COOK.01", "GS", "MWI", "Malawi efficient cookstoves", "Technologies and practices to displace decentralized thermal energy",
          "household energy", "avoidance", "2019-01-01", "2028-12-31");
  project(&d, "CHN.OFFWIND.01", "CCER", "CHN", "Offshore wind farm, Jiangsu", "Grid-connected offshore wind power",
          "energy", "avoidance", "2021-01-01", "2030-12-31");
  project(&d, "GHA.ARR.01", "VCS", "GHA", "Ghana degraded land restoration", "VM0047 afforestation, reforestation and revegetation",
          "forestry", "removal", "2020-06-01", "2050-05-31");

  l6_id ebus = org(&d, "THA01", "Bangkok E-Bus Operator Co.");
  l6_id klik = org(&d, "CHE01", "Swiss Offsetting Foundation");
  l6_id cook = org(&d, "MWI01", "Malawi Cookstove Cooperative");
  l6_id wind = org(&d, "CHN01", "Jiangsu Offshore Wind Co.");
  l6_id forest = org(&d, "GHA01", "Ghana Forest Restoration Ltd");
  l6_id buyer = org(&d, "JPN01", "Nippon Airways (buyer)");

  l6_id a_ebus = account(&d, "THA01", ebus, L6_ACCT_HOLDING, "E-Bus operator holding");
  l6_id a_klik = account(&d, "CHE01", klik, L6_ACCT_HOLDING, "Foundation ITMO holding");
  l6_id a_cook = account(&d, "MWI01", cook, L6_ACCT_HOLDING, "Cooperative holding");
  l6_id a_wind = account(&d, "CHN01", wind, L6_ACCT_HOLDING, "Wind farm holding");
  l6_id a_forest = account(&d, "GHA01", forest, L6_ACCT_HOLDING, "Developer holding");
  l6_id a_buyer = account(&d, "JPN01", buyer, L6_ACCT_TRADING, "Airline trading");
  account(&d, "GHA01", 0, L6_ACCT_BUFFER, "Ghana registry buffer pool");

  /* The first ITMOs transferred under Article 6.2: 1,916 t from Bangkok's e-buses. */
  issue(&d, "THA01", "THA.BKK.EBUS.01", "ITMO", 2023, 1916, a_ebus);
  move(&d, L6_TX_TRANSFER, a_ebus, a_klik, "ITMO", 1916, NULL, NULL, NULL, 0);
  move(&d, L6_TX_RETIREMENT, a_klik, 0, "ITMO", 500, "Swiss Confederation", "NDC", "Used towards Switzerland's 2030 NDC", 2024);
  issue(&d, "MWI01", "MWI.COOK.01", "VER", 2022, 50000, a_cook);
  issue(&d, "MWI01", "MWI.COOK.01", "VER", 2023, 42000, a_cook);
  move(&d, L6_TX_TRANSFER, a_cook, a_buyer, "VER", 60000, NULL, NULL, NULL, 0);
  move(&d, L6_TX_RETIREMENT, a_buyer, 0, "VER", 12500, "Nippon Airways", "voluntary offsetting",
       "Offsets 12,500 t of 2023 ground operations emissions", 2023);
  issue(&d, "CHN01", "CHN.OFFWIND.01", "CCER", 2024, 250000, a_wind);
  move(&d, L6_TX_TRANSFER, a_wind, a_buyer, "CCER", 30000, NULL, NULL, NULL, 0);
  issue(&d, "GHA01", "GHA.ARR.01", "VCU", 2023, 120000, a_forest);
  move(&d, L6_TX_TRANSFER, a_forest, a_buyer, "VCU", 25000, NULL, NULL, NULL, 0);
  move(&d, L6_TX_RETIREMENT, a_buyer, 0, "VCU", 8000, "Nippon Airways", "CORSIA", "Cancelled for CORSIA first phase", 2025);
  if (d.e == L6_E_OK) e = svc_check(s, 0, err);
  else e = d.e;
  if (e == L6_E_OK) e = st->ops->commit(st, err);
  if (e != L6_E_OK) st->ops->rollback(st);
  if (e == L6_E_OK)
    printf("demo registry: 6 Parties, 4 projects, 6 issuances, 6 organisations, transfers and retirements\n");
  return e;
}
