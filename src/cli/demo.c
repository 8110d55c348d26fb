/*
 * demo.c -- a realistic demo registry, built through the service layer
 * exactly as an administrator would through the API: six Parties and their
 * registries, the Bangkok e-bus ITMO programme, a Malawi cookstove project,
 * an offshore wind CCER project and a Ghana forestry VCS project, with
 * issuances, transfers and retirements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/a6.h"
#include "../service/cycle.h"
#include "../service/exchange.h"
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

/* ---- the project cycle ------------------------------------------------ */

static l6_actor as(l6_role role, l6_id org, const char *name) {
  l6_actor a = {.role = role, .org = org};
  snprintf(a.name, sizeof a.name, "demo:%s", name);
  return a;
}

/* Registers a small document and returns a reference of this type to it. */
static l6_doc_ref doc(demo *d, const l6_actor *a, const char *type, const char *what) {
  l6_doc_ref r = {0};
  if (d->e) return r;
  char text[256];
  snprintf(text, sizeof text, "%s: %s (demo document)", type, what);
  json_t *out = NULL;
  l6_err e = svc_document_put(d->s, a, type, "text/plain", text, strlen(text), NULL, 0, &out, d->err);
  if (e == L6_E_OK) {
    snprintf(r.type, sizeof r.type, "%s", type);
    snprintf(r.sha256, sizeof r.sha256, "%s", json_string_value(json_object_get(out, "sha256")));
  }
  put(d, e, out);
  return r;
}

static void accredit(demo *d, l6_id org, const char *mechanism) {
  if (d->e) return;
  static const char scopes[][L6_CODE_MAX + 1] = {"1", "3", "13"};
  l6_actor ma = as(L6_ROLE_MECHANISM_ADMIN, 0, "mechanism administrator");
  json_t *out = NULL;
  l6_err e = svc_accredit(d->s, &ma, org, mechanism, scopes, 3, &out, d->err);
  put(d, e, out);
}

static void submit(demo *d, const l6_actor *a, const char *mechanism, const char *id, const char *host,
                   const char *registry, const char *title, const char *methodology, const char *scope) {
  if (d->e) return;
  l6_submit_req r = {.ets_covered = 0};
  l6_project *p = &r.project;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->host, sizeof p->host, "%s", host);
  snprintf(p->title, sizeof p->title, "%s", title);
  snprintf(p->methodology, sizeof p->methodology, "%s", methodology);
  snprintf(p->sector, sizeof p->sector, "energy");
  snprintf(p->kind, sizeof p->kind, "avoidance");
  snprintf(p->crediting_start, sizeof p->crediting_start, "2022-01-01");
  snprintf(p->crediting_end, sizeof p->crediting_end, "2031-12-31");
  snprintf(r.mechanism, sizeof r.mechanism, "%s", mechanism);
  snprintf(r.registry, sizeof r.registry, "%s", registry);
  snprintf(r.scope, sizeof r.scope, "%s", scope);
  r.docs[0] = doc(d, a, "design-document", title);
  r.ndocs = 1;
  json_t *out = NULL;
  l6_err e = d->e ? d->e : svc_activity_submit(d->s, a, &r, &out, d->err);
  put(d, e, out);
}

/* One step; doc_type (or NULL) names the document it carries. */
static void step(demo *d, const l6_actor *a, l6_step_req *r, const char *doc_type, const char *what) {
  if (d->e) return;
  if (doc_type) {
    r->docs[r->ndocs++] = doc(d, a, doc_type, what);
    if (d->e) return;
  }
  json_t *out = NULL;
  l6_err e = svc_cycle_step(d->s, a, r, &out, d->err);
  put(d, e, out);
}

static l6_step_req *req_of(const char *project, int period, l6_step st, l6_decision dec) {
  static l6_step_req r;
  memset(&r, 0, sizeof r);
  snprintf(r.project, sizeof r.project, "%s", project);
  r.period = period;
  r.step = st;
  r.decision = dec;
  return &r;
}

/* A grid-connected renewable report: mwh at ef_e6 (t/MWh x 10^6). */
static l6_step_req *grid_report(const char *project, const char *start, const char *end, int64_t mwh, int64_t ef_e6) {
  l6_step_req *r = req_of(project, 0, L6_STEP_MONITOR, L6_DECIDE_NONE);
  snprintf(r->start, sizeof r->start, "%s", start);
  snprintf(r->end, sizeof r->end, "%s", end);
  snprintf(r->calculator, sizeof r->calculator, "grid-renewable");
  r->ninputs = 2;
  snprintf(r->inputs[0].name, sizeof r->inputs[0].name, "net_kwh");
  r->inputs[0].value = mwh * 1000;
  snprintf(r->inputs[1].name, sizeof r->inputs[1].name, "ef_cm_t_mwh_e6");
  r->inputs[1].value = ef_e6;
  return r;
}

/* Runs the demo's activities through their mechanisms' cycles:
 *  - PACM: Ghana solar mini-grids, validated, approved by Ghana's EPA,
 *    registered, one monitoring period (24,960 t reported, 24,500
 *    certified), issued with 5 % SOP and 2 % OMGE, the rest forwarded;
 *  - JCM (bilateral): Thai rooftop solar, approved by Thailand's TGO,
 *    registered by the joint committee, 4,000 t issued: 2 % OMGE, the rest
 *    split between Japan's registry and Thailand's;
 *  - CDM transition: a Ghana landfill-gas CDM activity moves to PACM and
 *    converts 200 of its 2015 CERs to A6.4ERs. */
static void demo_cycle(demo *d, l6_id a_buyer) {
  l6_id doe = org(d, "CHE01", "Carbon Check (accredited DOE)");
  l6_id epa = org(d, "GHA01", "Ghana Environmental Protection Agency (DNA)");
  l6_id tgo = org(d, "THA01", "Thailand Greenhouse Gas Management Organization (DNA)");
  l6_id volta = org(d, "GHA01", "Volta Solar Ltd");
  l6_id siam = org(d, "THA01", "Siam Rooftop Solar Co.");
  l6_id a_volta = account(d, "GHA01", volta, L6_ACCT_HOLDING, "Volta Solar holding");
  l6_id a_siam = account(d, "THA01", siam, L6_ACCT_HOLDING, "Siam Rooftop holding");
  account(d, "GHA01", 0, L6_ACCT_ADAPTATION_FUND, "Adaptation Fund (share of proceeds)");
  account(d, "GHA01", 0, L6_ACCT_OMGE_CANCELLATION, "OMGE cancellation");
  account(d, "THA01", 0, L6_ACCT_OMGE_CANCELLATION, "OMGE cancellation");
  accredit(d, doe, "PACM");
  accredit(d, doe, "JCM");
  l6_actor dev = as(L6_ROLE_HOLDER, volta, "Volta Solar"), thai = as(L6_ROLE_HOLDER, siam, "Siam Rooftop");
  l6_actor v = as(L6_ROLE_VALIDATOR, doe, "Carbon Check"), gh = as(L6_ROLE_AUTHORITY, epa, "Ghana EPA");
  l6_actor th = as(L6_ROLE_AUTHORITY, tgo, "TGO"), ma = as(L6_ROLE_MECHANISM_ADMIN, 0, "Supervisory Body");
  l6_actor jc = as(L6_ROLE_MECHANISM_ADMIN, 0, "JCM joint committee");

  /* PACM, the whole cycle. */
  const char *pacm = "GHA.SOLAR.01";
  submit(d, &dev, "PACM", pacm, "GHA", "GHA01", "Ghana solar mini-grids", "AMS-I.F renewable electricity", "1");
  step(d, &v, req_of(pacm, 0, L6_STEP_VALIDATE, L6_DECIDE_ACCEPT), "validation-report", "positive validation opinion");
  step(d, &gh, req_of(pacm, 0, L6_STEP_APPROVE, L6_DECIDE_ACCEPT), "letter-of-approval", "authorization of A6.4ERs");
  step(d, &ma, req_of(pacm, 0, L6_STEP_REGISTER, L6_DECIDE_ACCEPT), NULL, NULL);
  step(d, &dev, grid_report(pacm, "2023-01-01", "2023-12-31", 52000, 480000), "monitoring-report", "2023 monitoring report");
  l6_step_req *r = req_of(pacm, 1, L6_STEP_VERIFY, L6_DECIDE_ACCEPT);
  r->certified = 24500;
  step(d, &v, r, "verification-report", "verification and certification report");
  r = req_of(pacm, 1, L6_STEP_REQUEST, L6_DECIDE_NONE);
  r->forward[0] = (l6_forward){a_volta, 10000};
  r->nforward = 1;
  step(d, &dev, r, NULL, NULL);
  step(d, &ma, req_of(pacm, 1, L6_STEP_ISSUE, L6_DECIDE_ACCEPT), NULL, NULL);

  /* JCM, bilateral: half to Japan's registry (the buyer), half to Thailand's. */
  const char *jcm = "THA.JCM.ROOF.01";
  submit(d, &thai, "JCM", jcm, "THA", "THA01", "Rooftop solar on Bangkok factories", "JCM_TH_AM003 solar PV", "1");
  step(d, &v, req_of(jcm, 0, L6_STEP_VALIDATE, L6_DECIDE_ACCEPT), "validation-report", "validation report");
  step(d, &th, req_of(jcm, 0, L6_STEP_APPROVE, L6_DECIDE_ACCEPT), "letter-of-approval", "Thailand's approval");
  step(d, &jc, req_of(jcm, 0, L6_STEP_REGISTER, L6_DECIDE_ACCEPT), "joint-committee-decision", "registration decision");
  step(d, &thai, grid_report(jcm, "2023-01-01", "2023-12-31", 8000, 500000), "monitoring-report", "2023 monitoring report");
  r = req_of(jcm, 1, L6_STEP_VERIFY, L6_DECIDE_ACCEPT);
  r->certified = 4000;
  step(d, &v, r, "verification-report", "verification report");
  r = req_of(jcm, 1, L6_STEP_REQUEST, L6_DECIDE_NONE);
  r->forward[0] = (l6_forward){a_buyer, 10000};
  r->forward[1] = (l6_forward){a_siam, 10000};
  r->nforward = 2;
  step(d, &thai, r, NULL, NULL);
  step(d, &jc, req_of(jcm, 1, L6_STEP_ISSUE, L6_DECIDE_ACCEPT), "joint-committee-decision", "issuance decision");

  /* CDM transition and conversion. */
  const char *cdm = "GHA.CDM.LFG.01";
  project(d, cdm, "CDM", "GHA", "Accra landfill gas flaring", "ACM0001 flaring of landfill gas", "waste", "avoidance",
          "2014-06-01", "2028-05-31");
  issue(d, "GHA01", cdm, "CER", 2015, 500, a_volta);
  r = req_of(cdm, 0, L6_STEP_TRANSITION, L6_DECIDE_NONE);
  snprintf(r->mechanism, sizeof r->mechanism, "PACM");
  snprintf(r->registry, sizeof r->registry, "GHA01");
  snprintf(r->scope, sizeof r->scope, "13");
  snprintf(r->requested_on, sizeof r->requested_on, "2023-10-15");
  step(d, &dev, r, "transition-request", "request to transition to the Article 6.4 mechanism");
  r = req_of(cdm, 0, L6_STEP_APPROVE_TRANSITION, L6_DECIDE_ACCEPT);
  snprintf(r->approved_on, sizeof r->approved_on, "2026-03-02");
  step(d, &gh, r, "transition-approval", "Ghana's approval of the transition");
  r = req_of(cdm, 0, L6_STEP_CONVERSION, L6_DECIDE_NONE);
  r->from_account = a_volta;
  r->vintage = 2015;
  r->quantity = 200;
  step(d, &dev, r, NULL, NULL);
}

/* Article 6.2: Thailand authorizes its e-bus ITMOs (vintage 2024) for
 * Switzerland's NDC and for CORSIA; 2,000 go to the Swiss foundation (the
 * first international transfer: Thailand's corresponding adjustment);
 * 1,200 are used toward Switzerland's NDC for 2025 (its adjustment); 300
 * go to an airline, which cancels them for CORSIA's first phase. */
static void demo_a6(demo *d, l6_id a_ebus, l6_id a_klik) {
  if (d->e) return;
  json_t *out = NULL;
  l6_id tgo = org(d, "THA01", "Thailand Greenhouse Gas Management Organization (designated authority)");
  l6_id swiss = org(d, "CHE01", "Swiss International Air Lines (aeroplane operator)");
  l6_id a_swiss = account(d, "CHE01", swiss, L6_ACCT_HOLDING, "Airline CORSIA holding");
  l6_actor dna = as(L6_ROLE_AUTHORITY, tgo, "TGO");
  if (d->e) return;
  l6_a6_ndc tha = {.party = "THA", .first_year = 2021, .last_year = 2030, .kind = "single-year", .method = "averaging",
                   .target_year = 2030, .target = 333000000, .metric = "t CO2e", .factor_micro = 1000000};
  l6_a6_year ty[] = {{.year = 2021, .reported = true, .emissions = 372000000},
                     {.year = 2022, .reported = true, .emissions = 368000000}};
  { l6_err e_ = svc_a6_ndc_put(d->s, &cli_admin, &tha, ty, 2, &out, d->err); put(d, e_, out); } /* out is filled by the call: read it after */
  l6_a6_ndc che = {.party = "CHE", .first_year = 2021, .last_year = 2030, .kind = "multi-year", .method = "per-year",
                   .target_year = 2030, .target = 27000000, .metric = "t CO2e", .factor_micro = 1000000};
  l6_a6_year cy[] = {{.year = 2021, .reported = true, .emissions = 45200000},
                     {.year = 2022, .reported = true, .emissions = 41600000}};
  if (d->e) return;
  { l6_err e_ = svc_a6_ndc_put(d->s, &cli_admin, &che, cy, 2, &out, d->err); put(d, e_, out); } /* out is filled by the call: read it after */
  issue(d, "THA01", "THA.BKK.EBUS.01", "ITMO", 2024, 2000, a_ebus);
  l6_a6_auth x = {.party = "THA", .approach = 1, .project = "THA.BKK.EBUS.01", .vintage_from = 2024, .vintage_to = 2030,
                  .quantity = 5000, .purposes = "NDC,OIMP", .ft_event = "use", .parties = "CHE",
                  .entities = "Swiss International Air Lines", .year_from = 2021, .year_to = 2030, .in_scope = true};
  if (d->e) return;
  { l6_err e_ = svc_a6_authorize(d->s, &dna, &x, &out, d->err); put(d, e_, out); } /* out is filled by the call: read it after */
  if (d->e) return;
  l6_move_req *r = calloc(1, sizeof *r);
  if (r == NULL) return;
  *r = (l6_move_req){.kind = L6_TX_TRANSFER, .from_account = a_ebus, .to_account = a_klik, .quantity = 2000,
                     .vintage = 2024, .unit_type = "ITMO"};
  l6_reply rep;
  d->e = svc_move(d->s, &cli_admin, r, &rep, d->err);
  json_decref(rep.body);
  l6_a6_act_req use = {.kind = A6_ACT_USE, .account = a_klik, .first_id = "CA0001-THA01-THA-000000001-2024",
                       .last_id = "CA0001-THA01-THA-000001200-2024", .party = "CHE", .year = 2025};
  if (d->e == L6_E_OK) { l6_err e_ = svc_a6_act(d->s, &cli_admin, &use, &out, d->err); put(d, e_, out); } /* out is filled by the call: read it after */
  *r = (l6_move_req){.kind = L6_TX_TRANSFER, .from_account = a_klik, .to_account = a_swiss, .quantity = 300,
                     .vintage = 2024, .unit_type = "ITMO"};
  if (d->e == L6_E_OK) {
    d->e = svc_move(d->s, &cli_admin, r, &rep, d->err);
    json_decref(rep.body);
  }
  free(r);
  l6_a6_act_req corsia = {.kind = A6_ACT_OIMP, .account = a_swiss, .first_id = "CA0001-THA01-THA-000001201-2024",
                          .last_id = "CA0001-THA01-THA-000001500-2024", .purpose = "CORSIA", .phase = "first",
                          .entity = "Swiss International Air Lines"};
  if (d->e == L6_E_OK) { l6_err e_ = svc_a6_act(d->s, &cli_admin, &corsia, &out, d->err); put(d, e_, out); } /* out is filled by the call: read it after */
}

/* The exchange: two instruments with resting orders and some trades. A
 * CCER standard contract in CNY with the China ETS listed-agreement rules
 * (+-10% of the previous close, < 100,000 t per order, no same-day
 * resale), and a VCU contract of the Ghana forestry project in EUR. The
 * wind farm and the forest developer sell, the airline buys. */
static void ex_order(demo *d, const l6_actor *a, const char *code, l6_id acc, const char *side, int64_t price, int64_t qty) {
  if (d->e) return;
  json_t *out = NULL;
  l6_ex_order_req r = {.account = acc, .price = price, .qty = qty};
  snprintf(r.instrument, sizeof r.instrument, "%s", code);
  snprintf(r.side, sizeof r.side, "%s", side);
  snprintf(r.type, sizeof r.type, "limit");
  put(d, svc_ex_order(d->s, a, &r, &out, d->err), out);
}

static void demo_exchange(demo *d, l6_id wind, l6_id a_wind, l6_id forest, l6_id a_forest, l6_id buyer, l6_id a_buyer) {
  if (d->e) return;
  json_t *out = NULL;
  l6_ex_instrument cc = {.code = "CCER.STD", .name = "CCER standard contract (listed agreement transfer)",
                         .kind = "contract", .unit_type = "CCER", .registry = "CHN01", .currency = "CNY",
                         .minor_units = 2, .tick = 1, .lot = 1, .max_qty = 99999, .band_pct = 10, .mode = "continuous",
                         .prev_close = 8500, .maker_bps = 5, .taker_bps = 10, .no_same_day_resale = true};
  put(d, svc_ex_instrument_create(d->s, &cli_admin, &cc, &out, d->err), out);
  if (d->e) return;
  l6_ex_instrument vc = {.code = "VCU.GHA.ARR", .name = "Ghana forestry VCUs, vintage 2023", .kind = "contract",
                         .unit_type = "VCU", .project = "GHA.ARR.01", .vintage_from = 2023, .vintage_to = 2023,
                         .registry = "GHA01", .currency = "EUR", .minor_units = 2, .tick = 5, .lot = 100,
                         .mode = "continuous", .prev_close = 1250, .maker_bps = 10, .taker_bps = 20};
  put(d, svc_ex_instrument_create(d->s, &cli_admin, &vc, &out, d->err), out);
  if (d->e) return;
  put(d, svc_ex_cash(d->s, &cli_admin, buyer, "CNY", 300000000, true, &out, d->err), out);
  if (d->e) return;
  put(d, svc_ex_cash(d->s, &cli_admin, buyer, "EUR", 20000000, true, &out, d->err), out);
  l6_actor w = as(L6_ROLE_HOLDER, wind, "wind farm"), f = as(L6_ROLE_HOLDER, forest, "forest developer"),
           b = as(L6_ROLE_HOLDER, buyer, "airline");
  ex_order(d, &w, "CCER.STD", a_wind, "sell", 8600, 5000);
  ex_order(d, &w, "CCER.STD", a_wind, "sell", 8650, 8000);
  ex_order(d, &b, "CCER.STD", a_buyer, "buy", 8650, 7000); /* trades 5,000 at 86.00 and 2,000 at 86.50 */
  ex_order(d, &b, "CCER.STD", a_buyer, "buy", 8480, 3000);
  ex_order(d, &f, "VCU.GHA.ARR", a_forest, "sell", 1250, 10000);
  ex_order(d, &f, "VCU.GHA.ARR", a_forest, "sell", 1300, 5000);
  ex_order(d, &b, "VCU.GHA.ARR", a_buyer, "buy", 1250, 4000); /* trades 4,000 at 12.50 */
  ex_order(d, &b, "VCU.GHA.ARR", a_buyer, "buy", 1200, 2000);
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
  demo_cycle(&d, a_buyer);
  demo_a6(&d, a_ebus, a_klik);
  demo_exchange(&d, wind, a_wind, forest, a_forest, buyer, a_buyer);
  if (d.e == L6_E_OK) e = svc_check(s, 0, err);
  if (e == L6_E_OK && d.e == L6_E_OK) e = svc_ex_check(s, err);
  else e = d.e;
  if (e == L6_E_OK) e = st->ops->commit(st, err);
  if (e != L6_E_OK) st->ops->rollback(st);
  if (e == L6_E_OK)
    printf("demo registry: 6 Parties, 7 projects, 6 issuances, transfers and retirements; project cycle: "
           "GHA.SOLAR.01 through PACM (24,500 t issued: 1,225 SOP, 490 OMGE), THA.JCM.ROOF.01 through JCM "
           "(4,000 t: 80 OMGE, 1,960 to Japan, 1,960 to Thailand), GHA.CDM.LFG.01 transitioned from CDM "
           "(200 CERs converted); Article 6.2: 2,000 ITMOs CA0001-THA01-THA-000000001-2024.. first transferred "
           "Thailand -> Switzerland, 1,200 used toward Switzerland's NDC (2025), 300 cancelled for CORSIA; exchange: "
           "CCER.STD (CNY) and VCU.GHA.ARR (EUR) with resting orders and 3 trades\n");
  return e;
}
