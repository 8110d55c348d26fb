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
#include "../service/nma.h"
#include "../service/ets.h"
#include "../service/crit.h"
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

static void submit_kind(demo *d, const l6_actor *a, const char *mechanism, const char *id, const char *host,
                        const char *registry, const char *title, const char *methodology, const char *scope,
                        const char *kind) {
  if (d->e) return;
  l6_submit_req r = {.ets_covered = 0};
  l6_project *p = &r.project;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->host, sizeof p->host, "%s", host);
  snprintf(p->title, sizeof p->title, "%s", title);
  snprintf(p->methodology, sizeof p->methodology, "%s", methodology);
  snprintf(p->sector, sizeof p->sector, "energy");
  snprintf(p->kind, sizeof p->kind, "%s", kind);
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

static void submit(demo *d, const l6_actor *a, const char *mechanism, const char *id, const char *host,
                   const char *registry, const char *title, const char *methodology, const char *scope) {
  submit_kind(d, a, mechanism, id, host, registry, title, methodology, scope, "avoidance");
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
  /* The levies' accounts (Adaptation Fund, OMGE, buffer) came with each
   * registry (svc_registry_create). */
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
  /* PACM's safeguards checklist and SD indicators (config/mechanisms/pacm.json); Ghana is not
   * an LDC, so the registration and issuance fees are invoiced. */
  json_t *answers = json_pack("{s:b, s:b, s:b, s:b, s:b}", "human-rights", 1, "fpic", 1, "communities-ecosystems", 1,
                              "national-priorities", 1, "grievance-channel", 1);
  l6_step_req *r = req_of(pacm, 0, L6_STEP_REGISTER, L6_DECIDE_ACCEPT);
  r->safeguards = answers;
  step(d, &ma, r, NULL, NULL);
  json_decref(answers);
  answers = json_pack("{s:i, s:i, s:i, s:i}", "sdg7-energy-access", 18400, "technology-transfer", 2, "capacity-building",
                      35, "foreign-investment", 6200000);
  r = grid_report(pacm, "2023-01-01", "2023-12-31", 52000, 480000);
  r->sd_indicators = answers;
  step(d, &dev, r, "monitoring-report", "2023 monitoring report");
  json_decref(answers);
  r = req_of(pacm, 1, L6_STEP_VERIFY, L6_DECIDE_ACCEPT);
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
/* The THA-CHE cooperative approach's record (CA0001), with every text its
 * initial report needs (decision 2/CMA.3, annex, paragraph 18; docs/API.md
 * "Article 6.2 reports"), registered by Thailand's authority. */
static void demo_a6_approach(demo *d, const l6_actor *dna) {
  json_t *body = json_pack(
      "{s:s, s:s, s:[s,s], s:i, s:i, s:[s], s:[{s:i,s:i},{s:i,s:i},{s:i,s:i}], s:[s], s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}",
      "title", "Thailand-Switzerland bilateral cooperation: Bangkok e-bus programme", "description",
      "Under the bilateral agreement between Switzerland and Thailand (Article 6.2), diesel buses of Bangkok's public "
      "fleet are replaced by electric buses; the mitigation outcomes are transferred to Switzerland as ITMOs.",
      "parties", "THA", "CHE", "start_year", 2022, "end_year", 2030, "metrics", "t CO2 eq", "expected_mitigation",
      "year", 2024, "tco2e", 2000, "year", 2025, "tco2e", 1500, "year", 2026, "tco2e", 1500, "authorized_entities",
      "Swiss International Air Lines", "texts", "participation",
      "Thailand is a Party to the Paris Agreement, has communicated and maintains its NDC, submitted its latest "
      "national inventory report, authorizes ITMOs through its designated authority (TGO) and tracks them in this "
      "registry; the cooperation contributes to its NDC and long-term low emission development strategy.",
      "ndc_information",
      "Economy-wide NDC: energy, IPPU, agriculture and waste; CO2, CH4, N2O and HFCs; implementation period 2021-2030; "
      "reference: business-as-usual projection for 2030.",
      "authorization", "Letter of authorization of the cooperative approach CA0001 by Thailand's designated authority.",
      "environmental_integrity",
      "Conservative baselines below business as usual; corresponding adjustments applied on first transfer, so there is "
      "no net increase in global emissions; no reversal risk (avoided fuel combustion).",
      "sustainable_development",
      "Cleaner air and less noise in Bangkok, jobs in bus maintenance; no negative environmental or social impact found.",
      "safeguards", "The programme follows Thailand's environmental and social safeguards and respects human rights.",
      "adaptation", "A share of proceeds goes to adaptation in Thailand.");
  json_t *out = NULL;
  int status = 0;
  if (body == NULL) {
    d->e = l6_fail(d->err, L6_E_NOMEM, NULL);
    return;
  }
  l6_err e = svc_a6_approach_put(d->s, dna, 1, body, &out, &status, d->err);
  json_decref(body);
  put(d, e, out);
}

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
  demo_a6_approach(d, &dna);
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

/* A JSON use case of the NMA platform; returns the new record's id. */
static l6_id nma_call(demo *d, l6_err (*fn)(l6_svc *, const l6_actor *, const json_t *, json_t **, l6_error *),
                      const l6_actor *a, json_t *in) {
  json_t *out = NULL;
  l6_id id = 0;
  if (in == NULL && d->e == L6_E_OK) d->e = l6_fail(d->err, L6_E_NOMEM, NULL);
  if (d->e == L6_E_OK) {
    l6_err e = fn(d->s, a, in, &out, d->err);
    if (e == L6_E_OK) id = json_integer_value(json_object_get(out, "id"));
    put(d, e, out);
  }
  json_decref(in);
  return id;
}

static void nma_step(demo *d, l6_err (*fn)(l6_svc *, const l6_actor *, l6_id, const char *, json_t **, l6_error *),
                     const l6_actor *a, l6_id id, const char *st) {
  if (d->e) return;
  json_t *out = NULL;
  l6_err e = fn(d->s, a, id, st, &out, d->err);
  put(d, e, out);
}

static void match_step(demo *d, const l6_actor *a, l6_id id, const char *st, json_t *in) {
  if (d->e == L6_E_OK) {
    json_t *out = NULL;
    l6_err e = svc_match_step(d->s, a, id, st, in, &out, d->err);
    put(d, e, out);
  }
  json_decref(in);
}

#define HASH(c) c c c c c c c c c c c c c c c c /* 64 hex digits from 4 */

/* Article 6.8 (src/service/nma.h):
 *  - Malaysia's forest conservation certificates, a domestic single-Party
 *    NMA with the Orang Asli communities' consent: published; 10,000 FCCs
 *    issued, 800 retired by a company for conservation (never an offset);
 *  - a Japan-led adaptation technology matching NMA with Uganda: published,
 *    ranked offers from JICA and a Nordic fund, a grant matched, accepted,
 *    delivered and closed (the totals show the gap);
 *  - a Ugandan adaptation project through the adaptation benefits
 *    mechanism (ABM): approved, validated, 1,200 people with improved
 *    resilience verified, 1,200 CABs issued, listed at 25.00 USD, two
 *    purchases retired in the funders' names. */
static void demo_nma(demo *d) {
  party(d, "MYS", "Malaysia", "Malaysia forest conservation certificate registry");
  party(d, "UGA", "Uganda", "Uganda national climate change registry");
  l6_id fp_my = org(d, "MYS01", "Ministry of Natural Resources (Article 6.8 focal point)");
  l6_id fp_jp = org(d, "JPN01", "Ministry of the Environment (Article 6.8 focal point)");
  l6_id fp_ug = org(d, "UGA01", "Ministry of Water and Environment (Article 6.8 focal point)");
  l6_id jica = org(d, "JPN01", "Japan International Cooperation Agency");
  l6_id nordic = org(d, "UGA01", "Nordic Adaptation Fund (Kampala)");
  l6_id forestry = org(d, "MYS01", "Sabah Forestry Department");
  l6_id petro = org(d, "MYS01", "Kuala Lumpur Utilities Bhd");
  l6_id coop = org(d, "UGA01", "Kasese Climate Resilience Cooperative");
  l6_id vvb = org(d, "UGA01", "East Africa Validation Services");
  l6_id a_forestry = account(d, "MYS01", forestry, L6_ACCT_HOLDING, "FCC issuance");
  l6_id a_petro = account(d, "MYS01", petro, L6_ACCT_HOLDING, "FCC contributions");
  l6_id a_coop = account(d, "UGA01", coop, L6_ACCT_HOLDING, "CAB marketplace");
  l6_id a_nordic = account(d, "UGA01", nordic, L6_ACCT_HOLDING, "CAB purchases");
  l6_actor my = as(L6_ROLE_AUTHORITY, fp_my, "Malaysia focal point"), jp = as(L6_ROLE_AUTHORITY, fp_jp, "Japan focal point");
  l6_actor ug = as(L6_ROLE_AUTHORITY, fp_ug, "Uganda focal point"), sec = as(L6_ROLE_MECHANISM_ADMIN, 0, "NMA platform");
  l6_actor ja = as(L6_ROLE_HOLDER, jica, "JICA"), nf = as(L6_ROLE_HOLDER, nordic, "Nordic Adaptation Fund");
  l6_actor co = as(L6_ROLE_HOLDER, coop, "Kasese cooperative"), v = as(L6_ROLE_VALIDATOR, vvb, "EA Validation");

  /* Malaysia: forest conservation certificates, a domestic NMA. */
  l6_id my_nma = nma_call(
      d, svc_nma_create, &my,
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s, s], s:[{s:s, s:s, s:s, s:I, s:s}], s:[s, s],"
                " s:[{s:s, s:s, s:{s:s, s:s}}, {s:s, s:s}], s:[s], s:[{s:s, s:s}]}",
                "party", "MYS", "title", "Forest conservation certificates (Sabah)", "description",
                "Companies fund the conservation of Sabah's forest reserves through certificates per hectare "
                "conserved; a contribution, never an offset.",
                "kind", "single-party", "region", "asia-pacific", "focus_areas", "forest-conservation", "biodiversity",
                "needs", "type", "finance", "focus_area", "forest-conservation", "sector", "forestry", "amount",
                (json_int_t)2000000000, "currency", "MYR", "safeguards", "free, prior and informed consent",
                "benefit sharing with forest communities", "stakeholders", "name", "Orang Asli communities of Sabah",
                "kind", "indigenous-peoples", "consent", "date", "2025-06-30", "sha256", HASH("a1b2"), "name",
                "Sabah Forestry Department", "kind", "government", "ndc_priorities", "sustainable forest management",
                "documents", "type", "scheme rules", "sha256", HASH("c3d4")));
  nma_step(d, svc_nma_step, &my, my_nma, "submit");
  nma_step(d, svc_nma_step, &sec, my_nma, "publish");
  project(d, "MYS.FCC.SABAH.01", "MYFCC", "MYS", "Sabah forest reserves conservation", "Hectares of forest conserved",
          "forestry", "avoidance", "2025-01-01", "2034-12-31");
  issue(d, "MYS01", "MYS.FCC.SABAH.01", "FCC", 2025, 10000, a_forestry);
  move(d, L6_TX_TRANSFER, a_forestry, a_petro, "FCC", 1000, NULL, NULL, NULL, 0);
  move(d, L6_TX_RETIREMENT, a_petro, 0, "FCC", 800, "Kuala Lumpur Utilities Bhd", "conservation",
       "Funded the conservation of 800 ha of Sabah forest in 2025 (not an offset)", 2025);

  /* Japan-led adaptation technology matching, with Uganda. */
  l6_id jp_nma = nma_call(
      d, svc_nma_create, &jp,
      json_pack("{s:s, s:s, s:s, s:[s], s:s, s:[s, s], s:[{s:s, s:s, s:s, s:I, s:s, s:s}, {s:s, s:s, s:s, s:I, s:s, s:s},"
                " {s:s, s:s, s:s, s:I, s:s, s:s}], s:[s], s:[{s:s, s:s, s:{s:s, s:s}}], s:[s]}",
                "party", "JPN", "title", "Adaptation technology matching for East Africa", "kind", "multi-party",
                "parties", "UGA", "region", "africa", "focus_areas", "adaptation", "technology-transfer", "needs",
                "type", "technology", "focus_area", "technology-transfer", "sector", "agriculture", "amount",
                (json_int_t)45000000, "currency", "USD", "party", "UGA", "type", "finance", "focus_area", "adaptation",
                "sector", "water", "amount", (json_int_t)250000000, "currency", "USD", "party", "UGA", "type",
                "capacity-building", "focus_area", "adaptation", "sector", "disaster-risk", "amount", (json_int_t)30000000,
                "currency", "USD", "party", "UGA",
                "safeguards", "no involuntary resettlement", "stakeholders", "name", "Kasese farming communities",
                "kind", "local-community", "consent", "date", "2026-02-15", "sha256", HASH("e5f6"), "ndc_priorities",
                "climate-resilient agriculture and water"));
  nma_step(d, svc_nma_step, &jp, jp_nma, "submit");
  nma_step(d, svc_nma_step, &sec, jp_nma, "publish");
  nma_call(d, svc_offer_create, &ja,
           json_pack("{s:s, s:s, s:[s, s], s:[s, s]}", "title", "Drip irrigation and drought-tolerant seed know-how",
                     "type", "technology", "sectors", "agriculture", "water", "regions", "africa", "asia-pacific"));
  l6_id grant = nma_call(d, svc_offer_create, &nf,
                         json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Water resilience grants", "type",
                                   "finance", "instrument", "grant", "amount", (json_int_t)120000000, "currency", "USD",
                                   "sectors", "water", "regions", "africa"));
  nma_call(d, svc_offer_create, &ja,
           json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:[s]}", "title", "Concessional loans for irrigation", "type",
                     "finance", "instrument", "loan", "amount", (json_int_t)300000000, "currency", "JPY", "sectors",
                     "agriculture", "regions", "asia-pacific"));
  l6_id m = nma_call(d, svc_match_propose, &jp,
                     json_pack("{s:I, s:I, s:i, s:I}", "nma", (json_int_t)jp_nma, "offer", (json_int_t)grant, "need", 1,
                               "amount", (json_int_t)120000000));
  match_step(d, &nf, m, "accept", json_object());
  match_step(d, &jp, m, "accept", json_object());
  match_step(d, &nf, m, "deliver", json_pack("{s:I, s:s}", "amount", (json_int_t)80000000, "evidence", HASH("9a9b")));

  /* Uganda: adaptation benefits through the ABM cycle, sold on the marketplace. */
  if (d->e == L6_E_OK) {
    static const char scopes[][L6_CODE_MAX + 1] = {"ADAPT"};
    json_t *out = NULL;
    l6_err e = svc_accredit(d->s, &sec, vvb, "ABM", scopes, 1, &out, d->err);
    put(d, e, out);
  }
  const char *cab = "UGA.CAB.KASESE.01";
  submit_kind(d, &co, "ABM", cab, "UGA", "UGA01", "Kasese climate-resilient irrigation", "ABM adaptation benefits",
              "ADAPT", "adaptation");
  step(d, &v, req_of(cab, 0, L6_STEP_VALIDATE, L6_DECIDE_ACCEPT), "validation-report", "validation of adaptation design");
  step(d, &ug, req_of(cab, 0, L6_STEP_APPROVE, L6_DECIDE_ACCEPT), "letter-of-approval", "Uganda's letter of approval");
  /* The ABM's safeguards checklist (config/mechanisms/abm.json), answered
   * at registration; Uganda is an LDC, so its registration fee is waived. */
  json_t *safeguards = json_pack("{s:b, s:b, s:b, s:b, s:b}", "fpic", 1, "human-rights", 1,
                                 "no-involuntary-resettlement", 1, "grievance-channel", 1, "gender-assessment", 1);
  l6_step_req *r = req_of(cab, 0, L6_STEP_REGISTER, L6_DECIDE_ACCEPT);
  r->safeguards = safeguards;
  step(d, &sec, r, NULL, NULL);
  json_decref(safeguards);
  json_t *sd = json_pack("{s:i, s:i, s:i}", "sdg1-households", 310, "sdg5-women", 640, "sdg8-local-jobs", 45);
  r = req_of(cab, 0, L6_STEP_MONITOR, L6_DECIDE_NONE);
  r->sd_indicators = sd;
  snprintf(r->start, sizeof r->start, "2025-01-01");
  snprintf(r->end, sizeof r->end, "2025-12-31");
  snprintf(r->calculator, sizeof r->calculator, "adaptation-benefits");
  static const char *const names[] = {"people_resilient", "hectares", "water_saved_m3", "jobs", "biodiversity_ha"};
  static const int64_t vals[] = {1200, 340, 86000, 45, 20};
  r->ninputs = 5;
  for (size_t i = 0; i < 5; i++) {
    snprintf(r->inputs[i].name, sizeof r->inputs[i].name, "%s", names[i]);
    r->inputs[i].value = vals[i];
  }
  step(d, &co, r, "monitoring-report", "2025 adaptation indicators");
  json_decref(sd);
  r = req_of(cab, 1, L6_STEP_VERIFY, L6_DECIDE_ACCEPT);
  r->certified = 1200;
  step(d, &v, r, "verification-report", "verification of adaptation indicators");
  r = req_of(cab, 1, L6_STEP_REQUEST, L6_DECIDE_NONE);
  r->forward[0] = (l6_forward){a_coop, 10000};
  r->nforward = 1;
  step(d, &co, r, NULL, NULL);
  /* Benefit sharing (abm.json): 5 % to the Kasese community (held by its cooperative), 2 % to
   * Uganda's government (held by the ministry); no new organisation, so the demo's ids stay. */
  l6_id a_comm = account(d, "UGA01", coop, L6_ACCT_HOLDING, "Kasese community benefit share");
  l6_id a_gov = account(d, "UGA01", fp_ug, L6_ACCT_HOLDING, "Uganda government benefit share");
  json_t *bacc = json_pack("{s:I, s:I}", "host-community", (json_int_t)a_comm, "host-government", (json_int_t)a_gov);
  r = req_of(cab, 1, L6_STEP_ISSUE, L6_DECIDE_ACCEPT);
  r->benefit_accounts = bacc;
  step(d, &sec, r, NULL, NULL);
  json_decref(bacc);
  l6_id listing = nma_call(d, svc_listing_create, &co,
                           json_pack("{s:s, s:I, s:i, s:s, s:s}", "project", cab, "account", (json_int_t)a_coop, "price",
                                     2500, "currency", "USD", "description",
                                     "1 CAB = one person in Kasese with improved resilience to drought"));
  nma_call(d, svc_purchase, &nf,
           json_pack("{s:I, s:i, s:I, s:s, s:{s:i, s:s, s:s, s:s}}", "listing", (json_int_t)listing, "quantity", 300,
                     "funder_account", (json_int_t)a_nordic, "beneficiary", "Nordic Adaptation Fund", "payment",
                     "amount", 750000, "currency", "USD", "payer", "Nordic Adaptation Fund", "reference",
                     "NAF-2026-017"));
  nma_call(d, svc_purchase, &nf,
           json_pack("{s:I, s:i, s:I, s:s, s:{s:i, s:s, s:s, s:s}}", "listing", (json_int_t)listing, "quantity", 100,
                     "funder_account", (json_int_t)a_nordic, "beneficiary", "Nordic Adaptation Fund on behalf of "
                     "Oslo municipality", "payment", "amount", 250000, "currency", "USD", "payer",
                     "Oslo municipality", "reference", "OSLO-2026-3"));
}

/* ---- emissions trading ------------------------------------------------ */

static int demo_last_batch(void *ctx, const void *row) {
  *(l6_id *)ctx = ((const l6_batch *)row)->id;
  return 0;
}

/* Issues qty units of project (serials 1..qty) to account; its batch id. */
static l6_id ets_issue(demo *d, const char *project_id, const char *ut, l6_qty qty, l6_id to) {
  issue(d, "CHN01", project_id, ut, 2023, qty, to);
  l6_id b = 0;
  if (d->e == L6_E_OK) d->e = svc_store(d->s)->ops->batch_list(svc_store(d->s), project_id, 0, 100, demo_last_batch, &b, d->err);
  return b;
}

static void ets_attrs(demo *d, const l6_actor *reg, const char *project_id, const char *type, const char *province,
                      const char *gases) {
  if (d->e) return;
  l6_ets_project p = {0};
  snprintf(p.project, sizeof p.project, "%s", project_id);
  snprintf(p.project_type, sizeof p.project_type, "%s", type);
  snprintf(p.province, sizeof p.province, "%s", province);
  snprintf(p.gases, sizeof p.gases, "%s", gases);
  snprintf(p.produced, sizeof p.produced, "2016-01-01");
  json_t *out = NULL;
  {
    l6_err e_ = svc_ets_project_put(d->s, reg, &p, &out, d->err);
    put(d, e_, out);
  }
}

static void ets_scheme_entity(demo *d, const l6_actor *reg, const char *code, const char *jur, const char *name,
                              const char *ent, const char *ent_name, l6_id org_id, l6_id acc, const char *province) {
  if (d->e) return;
  l6_ets_scheme x = {.first_year = 2021, .last_year = 2030, .penalty = 10000}; /* CNY 100.00 per missing tonne */
  snprintf(x.code, sizeof x.code, "%s", code);
  snprintf(x.name, sizeof x.name, "%s", name);
  snprintf(x.jurisdiction, sizeof x.jurisdiction, "%s", jur);
  snprintf(x.registry, sizeof x.registry, "CHN01");
  snprintf(x.deadline, sizeof x.deadline, "06-30");
  snprintf(x.currency, sizeof x.currency, "CNY");
  json_t *out = NULL;
  {
    l6_err e_ = svc_ets_scheme_put(d->s, reg, &x, &out, d->err);
    put(d, e_, out);
  }
  if (d->e) return;
  l6_ets_entity en = {.org = org_id, .account = acc};
  snprintf(en.scheme, sizeof en.scheme, "%s", code);
  snprintf(en.id, sizeof en.id, "%s", ent);
  snprintf(en.name, sizeof en.name, "%s", ent_name);
  snprintf(en.province, sizeof en.province, "%s", province);
  snprintf(en.sector, sizeof en.sector, "power");
  snprintf(en.installations, sizeof en.installations, "Unit 1|Unit 2");
  {
    l6_err e_ = svc_ets_entity_put(d->s, reg, &en, &out, d->err);
    put(d, e_, out);
  }
}

static void ets_year(demo *d, const l6_actor *reg, const l6_actor *verifier, const char *scheme, const char *ent,
                     l6_qty verified, l6_qty allocated) {
  json_t *out = NULL;
  if (d->e == L6_E_OK) { /* the regulator accredits the verifier for its scheme */
    l6_err e_ = svc_ets_verifier_put(d->s, reg, scheme, verifier->org, &out, d->err);
    put(d, e_, out);
  }
  if (d->e == L6_E_OK) {
    l6_err e_ = svc_ets_emissions(d->s, verifier, scheme, ent, 2023, verified, &out, d->err);
    put(d, e_, out);
  }
  if (d->e == L6_E_OK) {
    l6_err e_ = svc_ets_confirm(d->s, reg, scheme, ent, 2023, &out, d->err);
    put(d, e_, out);
  }
  if (d->e == L6_E_OK) {
    l6_err e_ = svc_ets_allocation(d->s, reg, scheme, ent, 2023, allocated, &out, d->err);
    put(d, e_, out);
  }
}

/* A Guangdong power company and a Fujian cement maker, each surrendering
 * a mix of allowances and offsets for 2023 under its pilot's rules. */
static void demo_ets(demo *d) {
  l6_id reg_org = org(d, "CHN01", "Provincial ecology and environment department");
  l6_id ver_org = org(d, "CHN01", "China Quality Certification Centre (verifier)");
  l6_id gd = org(d, "CHN01", "Guangzhou Pearl River Power Co.");
  l6_id fj = org(d, "CHN01", "Fuzhou Minjiang Cement Co.");
  l6_actor reg = as(L6_ROLE_AUTHORITY, reg_org, "CHN ETS regulator"), ver = as(L6_ROLE_VALIDATOR, ver_org, "CQC verifier");
  l6_id a_gd = account(d, "CHN01", gd, L6_ACCT_HOLDING, "Pearl River Power compliance holding");
  l6_id a_fj = account(d, "CHN01", fj, L6_ACCT_HOLDING, "Minjiang Cement compliance holding");
  project(d, "CN.GD.ALLOC.2023", "CNPILOTS", "CHN", "Guangdong 2023 free allocation", "allocation", "power", "avoidance",
          "2023-01-01", "2023-12-31");
  project(d, "CN.FJ.ALLOC.2023", "CNPILOTS", "CHN", "Fujian 2023 free allocation", "allocation", "industry", "avoidance",
          "2023-01-01", "2023-12-31");
  project(d, "CN.GD.WIND.02", "CCER", "CHN", "Yangjiang onshore wind", "CMS-002-V01", "energy", "avoidance", "2016-01-01",
          "2025-12-31");
  project(d, "CN.SC.HYDRO.01", "CCER", "CHN", "Sichuan run-of-river hydro", "CM-001-V02", "energy", "avoidance", "2016-01-01",
          "2025-12-31");
  project(d, "CN.FJ.FOREST.01", "CNPILOTOFF", "CHN", "Sanming forest carbon sink", "FFCER forestry", "forestry", "removal",
          "2014-01-01", "2033-12-31");
  project(d, "CN.FJ.BIOGAS.01", "CCER", "CHN", "Nanping rural biogas", "CMS-026-V01", "waste", "avoidance", "2016-01-01",
          "2025-12-31");
  ets_attrs(d, &reg, "CN.GD.WIND.02", "wind", "CN-GD", "CO2");
  ets_attrs(d, &reg, "CN.SC.HYDRO.01", "hydro", "CN-SC", "CO2");
  ets_attrs(d, &reg, "CN.FJ.FOREST.01", "forestry", "CN-FJ", "CO2");
  ets_attrs(d, &reg, "CN.FJ.BIOGAS.01", "biogas", "CN-FJ", "CO2,CH4");
  l6_id b_gdea = ets_issue(d, "CN.GD.ALLOC.2023", "GDEA", 90000, a_gd);
  l6_id b_gdw = ets_issue(d, "CN.GD.WIND.02", "CCER", 8000, a_gd);
  l6_id b_sch = ets_issue(d, "CN.SC.HYDRO.01", "CCER", 3000, a_gd);
  l6_id b_fjea = ets_issue(d, "CN.FJ.ALLOC.2023", "FJEA", 45000, a_fj);
  l6_id b_ff = ets_issue(d, "CN.FJ.FOREST.01", "FFCER", 4000, a_fj);
  l6_id b_bio = ets_issue(d, "CN.FJ.BIOGAS.01", "CCER", 3000, a_fj);
  ets_scheme_entity(d, &reg, "GD-ETS", "CN-GD", "Guangdong pilot ETS", "GZ.PEARL", "Guangzhou Pearl River Power Co.", gd,
                    a_gd, "CN-GD");
  ets_scheme_entity(d, &reg, "FJ-ETS", "CN-FJ", "Fujian pilot ETS", "FZ.MINJIANG", "Fuzhou Minjiang Cement Co.", fj, a_fj,
                    "CN-FJ");
  ets_year(d, &reg, &ver, "GD-ETS", "GZ.PEARL", 100000, 90000);
  ets_year(d, &reg, &ver, "FJ-ETS", "FZ.MINJIANG", 50000, 45000);
  if (d->e) return;
  /* Guangdong: 90,000 GDEA + 7,000 Guangdong wind CCER + 3,000 Sichuan CCER
   * (10,000 <= 10% of 100,000; 70% from the province). */
  l6_ets_surrender_req *r = calloc(1, sizeof *r);
  if (!r) {
    d->e = l6_fail(d->err, L6_E_NOMEM, NULL);
    return;
  }
  snprintf(r->scheme, sizeof r->scheme, "GD-ETS");
  snprintf(r->entity, sizeof r->entity, "GZ.PEARL");
  r->year = 2023;
  r->items[r->n++] = (l6_range){.batch = b_gdea, .first = 1, .last = 90000};
  r->items[r->n++] = (l6_range){.batch = b_gdw, .first = 1, .last = 7000};
  r->items[r->n++] = (l6_range){.batch = b_sch, .first = 1, .last = 3000};
  json_t *out = NULL;
  {
    l6_err e_ = svc_ets_surrender(d->s, &cli_admin, r, &out, d->err);
    put(d, e_, out);
  }
  /* Fujian: 45,000 FJEA + 2,500 FFCER + 2,000 biogas CCER: 500 t short. */
  memset(r, 0, sizeof *r);
  snprintf(r->scheme, sizeof r->scheme, "FJ-ETS");
  snprintf(r->entity, sizeof r->entity, "FZ.MINJIANG");
  r->year = 2023;
  r->items[r->n++] = (l6_range){.batch = b_fjea, .first = 1, .last = 45000};
  r->items[r->n++] = (l6_range){.batch = b_ff, .first = 1, .last = 2500};
  r->items[r->n++] = (l6_range){.batch = b_bio, .first = 1, .last = 2000};
  if (d->e == L6_E_OK) {
    l6_err e_ = svc_ets_surrender(d->s, &cli_admin, r, &out, d->err);
    put(d, e_, out);
  }
  free(r);
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
  { l6_err e_ = svc_ex_order(d->s, a, &r, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
}

static void demo_exchange(demo *d, l6_id wind, l6_id a_wind, l6_id forest, l6_id a_forest, l6_id buyer, l6_id a_buyer) {
  if (d->e) return;
  json_t *out = NULL;
  l6_ex_instrument cc = {.code = "CCER.STD", .name = "CCER standard contract (listed agreement transfer)",
                         .kind = "contract", .unit_type = "CCER", .registry = "CHN01", .currency = "CNY",
                         .minor_units = 2, .tick = 1, .lot = 1, .max_qty = 99999, .band_pct = 10, .mode = "continuous",
                         .prev_close = 8500, .maker_bps = 5, .taker_bps = 10, .no_same_day_resale = true};
  { l6_err e_ = svc_ex_instrument_create(d->s, &cli_admin, &cc, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  if (d->e) return;
  l6_ex_instrument vc = {.code = "VCU.GHA.ARR", .name = "Ghana forestry VCUs, vintage 2023", .kind = "contract",
                         .unit_type = "VCU", .project = "GHA.ARR.01", .vintage_from = 2023, .vintage_to = 2023,
                         .registry = "GHA01", .currency = "EUR", .minor_units = 2, .tick = 5, .lot = 100,
                         .mode = "continuous", .prev_close = 1250, .maker_bps = 10, .taker_bps = 20};
  { l6_err e_ = svc_ex_instrument_create(d->s, &cli_admin, &vc, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  if (d->e) return;
  { l6_err e_ = svc_ex_cash(d->s, &cli_admin, buyer, "CNY", 300000000, true, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  if (d->e) return;
  { l6_err e_ = svc_ex_cash(d->s, &cli_admin, buyer, "EUR", 20000000, true, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
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
  /* An intermediary: a Geneva trader takes the forest's other 6,000 t at
   * 12.50 and resells 1,500 t to the airline at 12.80 (benefit sharing:
   * GET /v1/exchange/benefit-sharing). */
  l6_id trader = org(d, "CHE01", "Lake Geneva Carbon Traders");
  l6_id a_trader = account(d, "CHE01", trader, L6_ACCT_TRADING, "Trader's book");
  if (d->e) return;
  { l6_err e_ = svc_ex_cash(d->s, &cli_admin, trader, "EUR", 10000000, true, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  l6_actor t = as(L6_ROLE_HOLDER, trader, "trader");
  ex_order(d, &t, "VCU.GHA.ARR", a_trader, "buy", 1250, 6000); /* trades 6,000 at 12.50 */
  ex_order(d, &t, "VCU.GHA.ARR", a_trader, "sell", 1280, 1500);
  ex_order(d, &b, "VCU.GHA.ARR", a_buyer, "buy", 1280, 1500); /* trades 1,500 at 12.80 */
  /* A labelled contract: VCUs carrying the ICVCM CCP label (set by the
   * operator on the Ghana batch), any vintage; the forest offers 2,000 t. */
  l6_id gha = 0;
  if (d->e == L6_E_OK) d->e = svc_store(d->s)->ops->batch_list(svc_store(d->s), "GHA.ARR.01", 0, 100, demo_last_batch, &gha, d->err);
  if (d->e) return;
  { l6_err e_ = svc_batch_label(d->s, &cli_admin, gha, "ccp", "ICVCM CCP approval of VM0047 (demo)", &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  if (d->e) return;
  l6_ex_instrument cp = {.code = "VCU.CCP", .name = "CCP-labelled VCU contract", .kind = "contract",
                         .registry = "GHA01", .currency = "EUR", .minor_units = 2, .tick = 5, .lot = 100,
                         .mode = "continuous", .prev_close = 1400, .maker_bps = 10, .taker_bps = 20};
  l6_crit cpc = {.unit_types = "VCU", .labels = "ccp"};
  { l6_err e_ = svc_ex_instrument_create_crit(d->s, &cli_admin, &cp, &cpc, &out, d->err); put(d, e_, out); } /* the call fills out: read it after */
  ex_order(d, &f, "VCU.CCP", a_forest, "sell", 1400, 2000);
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

  /* The first ITMOs transferred under Article 6.2: 1,916 t from Bangkok's e-buses. */
  issue(&d, "THA01", "THA.BKK.EBUS.01", "ITMO", 2023, 1916, a_ebus);
  move(&d, L6_TX_TRANSFER, a_ebus, a_klik, "ITMO", 1916, NULL, NULL, NULL, 0);
  /* Not authorized (the authorization below covers vintages 2024-2030), so no
   * Article 6 claim: a use toward an NDC goes through /v1/a6/uses. */
  move(&d, L6_TX_RETIREMENT, a_klik, 0, "ITMO", 500, "Swiss Confederation", "results-based climate finance",
       "Swiss results-based finance for Bangkok's e-buses; no corresponding adjustment", 2024);
  issue(&d, "MWI01", "MWI.COOK.01", "VER", 2022, 50000, a_cook);
  issue(&d, "MWI01", "MWI.COOK.01", "VER", 2023, 42000, a_cook);
  move(&d, L6_TX_TRANSFER, a_cook, a_buyer, "VER", 60000, NULL, NULL, NULL, 0);
  move(&d, L6_TX_RETIREMENT, a_buyer, 0, "VER", 12500, "Nippon Airways", "voluntary offsetting",
       "Offsets 12,500 t of 2023 ground operations emissions", 2023);
  issue(&d, "CHN01", "CHN.OFFWIND.01", "CCER", 2024, 250000, a_wind);
  move(&d, L6_TX_TRANSFER, a_wind, a_buyer, "CCER", 30000, NULL, NULL, NULL, 0);
  issue(&d, "GHA01", "GHA.ARR.01", "VCU", 2023, 120000, a_forest);
  move(&d, L6_TX_TRANSFER, a_forest, a_buyer, "VCU", 25000, NULL, NULL, NULL, 0);
  /* Voluntary: a CORSIA cancellation goes through /v1/a6/cancellations. */
  move(&d, L6_TX_RETIREMENT, a_buyer, 0, "VCU", 8000, "Nippon Airways", "voluntary offsetting",
       "Offsets 8,000 t of 2025 ground operations emissions", 2025);
  demo_cycle(&d, a_buyer);
  demo_a6(&d, a_ebus, a_klik);
  demo_nma(&d);
  demo_ets(&d);
  demo_exchange(&d, wind, a_wind, forest, a_forest, buyer, a_buyer);
  if (d.e == L6_E_OK) e = svc_check(s, 0, err);
  else e = d.e;
  if (e == L6_E_OK) e = svc_ex_check(s, err);
  if (e == L6_E_OK) e = st->ops->commit(st, err);
  if (e != L6_E_OK) st->ops->rollback(st);
  if (e == L6_E_OK)
    printf("demo registry: 8 Parties, 15 projects, issuances, transfers and retirements; project cycle: "
           "GHA.SOLAR.01 through PACM (24,500 t issued: 1,225 SOP, 490 OMGE), THA.JCM.ROOF.01 through JCM "
           "(4,000 t: 80 OMGE, 1,960 to Japan, 1,960 to Thailand), GHA.CDM.LFG.01 transitioned from CDM "
           "(200 CERs converted); Article 6.2: 2,000 ITMOs CA0001-THA01-THA-000000001-2024.. first transferred "
           "Thailand -> Switzerland, 1,200 used toward Switzerland's NDC (2025), 300 cancelled for CORSIA; "
           "Article 6.8: Malaysia's forest conservation certificates (10,000 FCCs, 800 retired for conservation), "
           "a Japan-led adaptation technology matching NMA with Uganda (a 1.2M USD grant matched, 0.8M delivered), "
           "Uganda's Kasese project through the ABM (1,200 CABs, 400 bought and retired in funders' names); "
           "emissions trading: GD-ETS (Guangdong rules) and FJ-ETS (Fujian rules), 2023 surrenders of Guangzhou Pearl "
           "River Power (compliant: 90,000 GDEA + 10,000 CCER) and Fuzhou Minjiang Cement (500 t short); exchange: "
           "CCER.STD (CNY) and VCU.GHA.ARR (EUR) with resting orders and 5 trades, a trader reselling VCUs, VCU.CCP (CCP-labelled Ghana batch) with an offer\n");
  return e;
}
