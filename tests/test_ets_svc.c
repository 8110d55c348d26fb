/*
 * test_ets_svc.c -- emissions trading compliance as use cases, on the
 * store L6_STORE names (SQLite file or PostgreSQL), check level 2.
 *
 * Groups:
 *   ets_flow      a Guangdong entity and a Fujian entity: verified emissions
 *                 entered by a verifier and confirmed by the regulator, a
 *                 dry run, a refused surrender (nothing changes), accepted
 *                 surrenders mixing allowances and offsets (units in the
 *                 surrender account, transparency log verified, ledger
 *                 check green), the compliance report in JSON and CSV.
 *   ets_refusals  every refusal path: code, status and a dump of the store
 *                 (blocks, transactions, ETS records) byte-identical.
 *   ets_rulefile  editing a jurisdiction file changes the outcome after a
 *                 restart, with no rebuild; a broken file is refused.
 *   ets_authz     issue 14: a scheme is changed by the regulator of its
 *                 STORED registry and moved only by admin; project
 *                 attributes only by the host Party's authority or the
 *                 regulator of a scheme taking the project's units; only an
 *                 accredited verifier enters emissions, never over a
 *                 confirmed record; the regulator's recorded correction.
 *                 Each refusal changes nothing; the history is kept.
 *   ets_production issuance batches keep their production period; the
 *                 rules of seed 001 table 4 (Shanghai, Hubei, Chongqing,
 *                 Fujian) test it and the places and unit types it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "service/ets.h"
#include "service/proposal.h"
#include "service/service.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

static struct {
  tl_store ts;
  l6_svc *s;
  l6_store *st;
  l6_actor admin, anon, regulator, verifier, gd, fj, other_reg;
  l6_id org_gd, org_fj, acc_gd, acc_fj, acc_alloc, acc_auction;
  l6_id b_gdea, b_ccer_gd, b_ccer_sc, b_fjea, b_ffcer, b_ccer_fj_hydro, b_ccer_fj;
} W;

static l6_id mk_org(const char *name) { return tl_svc_org(W.s, &W.admin, "CHN01", name); }

static l6_id mk_account(l6_id org) { return tl_svc_account(W.s, &W.admin, "CHN01", org, L6_ACCT_HOLDING, "holding"); }

/* A registered CHN project whose crediting period runs from `start` to 2030. */
static void mk_project_from(const char *id, const char *programme, const char *start) {
  l6_project p = {0};
  snprintf(p.id, sizeof p.id, "%s", id);
  snprintf(p.programme, sizeof p.programme, "%s", programme);
  snprintf(p.host, sizeof p.host, "CHN");
  snprintf(p.title, sizeof p.title, "Project %s", id);
  snprintf(p.methodology, sizeof p.methodology, "CM-001");
  snprintf(p.sector, sizeof p.sector, "energy");
  snprintf(p.kind, sizeof p.kind, "avoidance");
  snprintf(p.crediting_start, sizeof p.crediting_start, "%s", start);
  snprintf(p.crediting_end, sizeof p.crediting_end, "2030-12-31");
  snprintf(p.status, sizeof p.status, "registered");
  TL_OK(svc_project_create(W.s, &W.admin, &p, &out_, &err_), "project");
}

static void mk_project(const char *id, const char *programme) { mk_project_from(id, programme, "2014-01-01"); }

static void attrs(const char *project, const char *type, const char *province, const char *gases, bool covered,
                  const char *produced) {
  l6_ets_project p = {.covered_entity = covered};
  snprintf(p.project, sizeof p.project, "%s", project);
  snprintf(p.project_type, sizeof p.project_type, "%s", type);
  snprintf(p.province, sizeof p.province, "%s", province);
  snprintf(p.gases, sizeof p.gases, "%s", gases);
  snprintf(p.produced, sizeof p.produced, "%s", produced);
  TL_OK(svc_ets_project_put(W.s, &W.regulator, &p, &out_, &err_), "project attributes");
}

static int last_batch(void *ctx, const void *row) {
  *(l6_id *)ctx = ((const l6_batch *)row)->id;
  return 0;
}

/* Issues qty units (serials 1..qty) to account; returns the batch id. */
static l6_id issue(const char *project, const char *ut, l6_qty qty, l6_id to) {
  l6_issue_req r = {.vintage = 2023, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "CHN01");
  snprintf(r.project, sizeof r.project, "%s", project);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_issue(W.s, &W.admin, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("issue: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
  l6_id b = 0;
  assert_int_equal(W.st->ops->batch_list(W.st, project, 0, 100, last_batch, &b, &err), L6_E_OK);
  return b;
}

static void scheme(const char *code, const char *jur) {
  l6_ets_scheme x = {.first_year = 2021, .last_year = 2030, .penalty = 10000, .allocation_account = W.acc_alloc,
                     .auction_account = W.acc_auction};
  snprintf(x.code, sizeof x.code, "%s", code);
  snprintf(x.name, sizeof x.name, "%s scheme", jur);
  snprintf(x.jurisdiction, sizeof x.jurisdiction, "%s", jur);
  snprintf(x.registry, sizeof x.registry, "CHN01");
  snprintf(x.deadline, sizeof x.deadline, "06-30");
  snprintf(x.currency, sizeof x.currency, "CNY");
  TL_OK(svc_ets_scheme_put(W.s, &W.regulator, &x, &out_, &err_), "scheme");
}

static void entity(const char *sch, const char *id, l6_id org, l6_id acc, const char *province) {
  l6_ets_entity x = {.org = org, .account = acc};
  snprintf(x.scheme, sizeof x.scheme, "%s", sch);
  snprintf(x.id, sizeof x.id, "%s", id);
  snprintf(x.name, sizeof x.name, "Entity %s", id);
  snprintf(x.province, sizeof x.province, "%s", province);
  snprintf(x.sector, sizeof x.sector, "power");
  snprintf(x.installations, sizeof x.installations, "Unit 1|Unit 2");
  TL_OK(svc_ets_entity_put(W.s, &W.regulator, &x, &out_, &err_), "entity");
}

static void open_service(const char *cfg) {
  l6_error err = {0};
  W.st = tl_store_open(&W.ts);
  assert_non_null(W.st);
  W.s = svc_open(W.st, 2, &err);
  if (W.s) svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(W.s);
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) fail_msg("config: %s", err.message);
}

static void src_config(char *buf, size_t cap) {
  snprintf(buf, cap, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
}

static int world_setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_store_make(&W.ts, "ets", 0) != 0) return -1;
  char cfg[1024];
  src_config(cfg, sizeof cfg);
  open_service(cfg);
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  W.anon = tl_actor(L6_ROLE__NONE, 0, "");
  l6_party p = {.code = "CHN", .name = "China"};
  TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
  l6_party q = {.code = "KOR", .name = "Korea"};
  TL_OK(svc_party_create(W.s, &W.admin, &q, &out_, &err_), "party");
  l6_registry r = {.id = "CHN01", .party = "CHN", .name = "China ETS registry"};
  TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  l6_registry r2 = {.id = "KOR01", .party = "KOR", .name = "Korea registry"};
  TL_OK(svc_registry_create(W.s, &W.admin, &r2, &out_, &err_), "registry");
  l6_org ko = {.registry = "KOR01", .name = "Korean regulator"};
  TL_OK(svc_org_create(W.s, &W.admin, &ko, &out_, &err_), "org");
  W.other_reg = tl_actor(L6_ROLE_AUTHORITY, ko.id, "KOR regulator");
  W.regulator = tl_actor(L6_ROLE_AUTHORITY, mk_org("Ecology and environment department"), "regulator");
  W.verifier = tl_actor(L6_ROLE_VALIDATOR, mk_org("Verifier Co"), "verifier");
  W.org_gd = mk_org("Guangzhou Power");
  W.org_fj = mk_org("Fuzhou Cement");
  W.gd = tl_actor(L6_ROLE_HOLDER, W.org_gd, "Guangzhou Power");
  W.fj = tl_actor(L6_ROLE_HOLDER, W.org_fj, "Fuzhou Cement");
  W.acc_gd = mk_account(W.org_gd);
  W.acc_fj = mk_account(W.org_fj);
  W.acc_alloc = mk_account(W.regulator.org);   /* the regulator's: allowances for free allocation */
  W.acc_auction = mk_account(W.regulator.org); /* and for auction */
  mk_project("GD.ALLOC", "CNPILOTS");
  mk_project("FJ.ALLOC", "CNPILOTS");
  mk_project("CCER.GD.WIND", "CCER");
  mk_project("CCER.SC.WIND", "CCER");
  mk_project("CCER.FJ.HYDRO", "CCER");
  mk_project("CCER.FJ.BIOGAS", "CCER");
  mk_project("FFCER.FJ.FOREST", "CNPILOTOFF");
  attrs("CCER.GD.WIND", "wind", "CN-GD", "CO2", false, "2016-01-01");
  attrs("CCER.SC.WIND", "wind", "CN-SC", "CO2", false, "2016-01-01");
  attrs("CCER.FJ.HYDRO", "hydro", "CN-FJ", "CO2", false, "2016-01-01");
  attrs("CCER.FJ.BIOGAS", "biogas", "CN-FJ", "CO2,CH4", false, "2016-01-01");
  attrs("FFCER.FJ.FOREST", "forestry", "CN-FJ", "CO2", false, "2010-01-01");
  W.b_gdea = issue("GD.ALLOC", "GDEA", 1800, W.acc_gd);
  W.b_ccer_gd = issue("CCER.GD.WIND", "CCER", 150, W.acc_gd);
  W.b_ccer_sc = issue("CCER.SC.WIND", "CCER", 100, W.acc_gd);
  W.b_fjea = issue("FJ.ALLOC", "FJEA", 900, W.acc_fj);
  W.b_ffcer = issue("FFCER.FJ.FOREST", "FFCER", 100, W.acc_fj);
  W.b_ccer_fj_hydro = issue("CCER.FJ.HYDRO", "CCER", 50, W.acc_fj);
  W.b_ccer_fj = issue("CCER.FJ.BIOGAS", "CCER", 50, W.acc_fj);
  issue("GD.ALLOC", "GDEA", 500, W.acc_alloc);
  issue("GD.ALLOC", "GDEA", 300, W.acc_auction);
  scheme("GD-ETS", "CN-GD");
  scheme("FJ-ETS", "CN-FJ");
  entity("GD-ETS", "GZPOWER", W.org_gd, W.acc_gd, "CN-GD");
  entity("FJ-ETS", "FZCEMENT", W.org_fj, W.acc_fj, "CN-FJ");
  TL_OK(svc_ets_verifier_put(W.s, &W.regulator, "GD-ETS", W.verifier.org, &out_, &err_), "accredit verifier");
  TL_OK(svc_ets_verifier_put(W.s, &W.regulator, "FJ-ETS", W.verifier.org, &out_, &err_), "accredit verifier");
  return 0;
}

static int world_teardown(void **state) {
  (void)state;
  svc_close(W.s);
  tl_store_free(&W.ts);
  memset(&W, 0, sizeof W);
  return 0;
}

/* ---- dump ---------------------------------------------------------------- */

static int d_block(void *c, const void *row) {
  const l6_block *b = row;
  tl_sb_add(c, " b%lld:%lld:%lld-%lld", (long long)b->account, (long long)b->batch, (long long)b->first, (long long)b->last);
  return 0;
}
static int d_tx(void *c, const void *row) {
  const l6_tx *t = row;
  tl_sb_add(c, " t%lld:%d:%lld", (long long)t->id, t->kind, (long long)t->quantity);
  return 0;
}
static int d_rec(void *c, const void *row) {
  const l6_ets_rec *r = row;
  tl_sb_add(c, " r%s:%s:%s", r->kind, r->key, r->body);
  return 0;
}
static int d_hist(void *c, const void *row) {
  const l6_ets_hist *h = row;
  tl_sb_add(c, " h%lld:%s:%s:%s:%s", (long long)h->id, h->kind, h->key, h->actor, h->body);
  return 0;
}
static char *dump(void) {
  tl_sbuf b = {0};
  l6_error err;
  tl_sb_add(&b, "|");
  for (l6_id acc = 1; acc <= 30; acc++) W.st->ops->blocks_of_account(W.st, acc, 0, 100000, d_block, &b, &err);
  l6_tx_filter f = {.limit = 100000};
  assert_int_equal(W.st->ops->tx_list(W.st, &f, d_tx, &b, &err), L6_E_OK);
  const char *kinds[] = {"scheme", "entity", "project", "record"};
  for (int i = 0; i < 4; i++) assert_int_equal(W.st->ops->ets_rec_list(W.st, kinds[i], "", d_rec, &b, &err), L6_E_OK);
  /* the history of every project and of every record of the world */
  static const char *const projects[] = {"GD.ALLOC", "FJ.ALLOC", "CCER.GD.WIND", "CCER.SC.WIND", "CCER.FJ.HYDRO",
                                         "CCER.FJ.BIOGAS", "FFCER.FJ.FOREST"};
  for (size_t i = 0; i < sizeof projects / sizeof projects[0]; i++)
    assert_int_equal(W.st->ops->ets_hist_list(W.st, "project", projects[i], d_hist, &b, &err), L6_E_OK);
  for (int y = 2021; y <= 2030; y++) {
    char key[64];
    snprintf(key, sizeof key, "GD-ETS|GZPOWER|%d", y);
    assert_int_equal(W.st->ops->ets_hist_list(W.st, "emissions", key, d_hist, &b, &err), L6_E_OK);
    snprintf(key, sizeof key, "FJ-ETS|FZCEMENT|%d", y);
    assert_int_equal(W.st->ops->ets_hist_list(W.st, "emissions", key, d_hist, &b, &err), L6_E_OK);
  }
  return b.buf;
}

#define REFUSED(call, code)                                                                                       \
  do {                                                                                                            \
    char *before_ = dump();                                                                                       \
    l6_error err_ = {0};                                                                                          \
    json_t *out_ = NULL;                                                                                          \
    l6_err e_ = (call);                                                                                           \
    if (e_ != (code))                                                                                             \
      fail_msg("%s:%d: want %s, got %s: %s", __FILE__, __LINE__, l6_err_code(code), l6_err_code(e_), err_.message); \
    assert_null(out_);                                                                                            \
    char *after_ = dump();                                                                                        \
    assert_string_equal(before_, after_);                                                                         \
    free(before_);                                                                                                \
    free(after_);                                                                                                 \
  } while (0)

/* ---- helpers ----------------------------------------------------------------- */

static l6_ets_surrender_req sreq(const char *sch, const char *ent, int year, bool dry) {
  l6_ets_surrender_req r;
  memset(&r, 0, sizeof r);
  snprintf(r.scheme, sizeof r.scheme, "%s", sch);
  snprintf(r.entity, sizeof r.entity, "%s", ent);
  r.year = year;
  r.dry_run = dry;
  return r;
}
static void item(l6_ets_surrender_req *r, l6_id batch, int64_t first, int64_t last) {
  r->items[r->n++] = (l6_range){.batch = batch, .first = first, .last = last};
}

static void emissions(const char *sch, const char *ent, int year, l6_qty v, l6_qty allocated) {
  TL_OK(svc_ets_emissions(W.s, &W.verifier, sch, ent, year, v, &out_, &err_), "emissions");
  TL_OK(svc_ets_confirm(W.s, &W.regulator, sch, ent, year, &out_, &err_), "confirm");
  TL_OK(svc_ets_allocation(W.s, &W.regulator, sch, ent, year, allocated, &out_, &err_), "allocation");
}

static const char *break_ids(json_t *ev, char *buf, size_t cap) {
  buf[0] = 0;
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(ev, "breaks"), i, b)
      snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? "," : "", json_string_value(json_object_get(b, "rule")));
  return buf;
}

static json_t *report_item(json_t *rep, const char *entity) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(rep, "items"), i, it) if (strcmp(json_string_value(json_object_get(it, "entity")), entity) == 0) return it;
  fail_msg("no report row for %s", entity);
  return NULL;
}

static l6_qty held(l6_id account) {
  l6_pick_filter f = {.account = account};
  l6_qty q = 0;
  l6_error err;
  assert_int_equal(W.st->ops->account_total(W.st, &f, &q, &err), L6_E_OK);
  return q;
}

/* ---- ets_flow --------------------------------------------------------------- */

static void test_flow_guangdong(void **state) {
  (void)state;
  emissions("GD-ETS", "GZPOWER", 2023, 2000, 1500);
  l6_error err = {0};
  json_t *ev = NULL;
  char ids[256];
  /* dry run: 139 of 200 CCER from Guangdong breaks GD.2; nothing moves */
  l6_ets_surrender_req r = sreq("GD-ETS", "GZPOWER", 2023, true);
  item(&r, W.b_gdea, 1, 1800);
  item(&r, W.b_ccer_gd, 1, 139);
  item(&r, W.b_ccer_sc, 1, 61);
  char *before = dump();
  assert_int_equal(svc_ets_surrender(W.s, &W.gd, &r, &ev, &err), L6_E_OK);
  char *after = dump();
  assert_string_equal(before, after);
  free(before);
  free(after);
  assert_false(json_is_true(json_object_get(ev, "accepted")));
  assert_string_equal(break_ids(ev, ids, sizeof ids), "GD.2");
  assert_int_equal(json_integer_value(json_object_get(ev, "max_offsets")), 200);
  json_t *b0 = json_array_get(json_object_get(ev, "breaks"), 0);
  assert_int_equal(json_integer_value(json_object_get(b0, "figure")), 139);
  assert_int_equal(json_integer_value(json_object_get(b0, "limit")), 140);
  json_decref(ev);
  /* the same for real: refused, nothing changes */
  r.dry_run = false;
  REFUSED(svc_ets_surrender(W.s, &W.gd, &r, &out_, &err_), L6_E_OFFSET_RULES_BROKEN);
  /* one tonne over the 10% limit */
  r = sreq("GD-ETS", "GZPOWER", 2023, false);
  item(&r, W.b_gdea, 1, 1799);
  item(&r, W.b_ccer_gd, 1, 141);
  item(&r, W.b_ccer_sc, 1, 60);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &r, &out_, &err_), L6_E_OFFSET_RULES_BROKEN);
  /* just inside every limit: accepted */
  r = sreq("GD-ETS", "GZPOWER", 2023, false);
  item(&r, W.b_gdea, 1, 1800);
  item(&r, W.b_ccer_gd, 1, 140);
  item(&r, W.b_ccer_sc, 1, 60);
  l6_qty before_held = held(W.acc_gd);
  if (svc_ets_surrender(W.s, &W.gd, &r, &ev, &err) != L6_E_OK) fail_msg("surrender: %s", err.message);
  assert_true(json_is_true(json_object_get(ev, "accepted")));
  l6_id tx = json_integer_value(json_object_get(ev, "tx"));
  assert_true(tx > 0);
  json_decref(ev);
  assert_int_equal(held(W.acc_gd), before_held - 2000);
  /* the units are in the surrender account, terminal */
  l6_account sur;
  assert_int_equal(W.st->ops->account_of_registry(W.st, "CHN01", L6_ACCT_SURRENDER, &sur, &err), L6_E_OK);
  assert_int_equal(held(sur.id), 2000);
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
  tlog_report rep;
  assert_int_equal(svc_verify_store(W.s, NULL, 0, &rep, &err), L6_E_OK);
  if (!rep.ok) fail_msg("log: %s", rep.problem);
  /* once per entity and year */
  REFUSED(svc_ets_surrender(W.s, &W.gd, &r, &out_, &err_), L6_E_ALREADY_SURRENDERED);
  REFUSED(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2023, 5, &out_, &err_), L6_E_ALREADY_SURRENDERED);
  /* visible in the report */
  json_t *rp = NULL;
  assert_int_equal(svc_ets_report(W.s, &W.anon, "GD-ETS", 2023, &rp, &err), L6_E_OK);
  json_t *row = report_item(rp, "GZPOWER");
  assert_int_equal(json_integer_value(json_object_get(row, "obligation")), 2000);
  assert_int_equal(json_integer_value(json_object_get(row, "surrendered_allowances")), 1800);
  assert_int_equal(json_integer_value(json_object_get(row, "surrendered_offsets")), 200);
  assert_int_equal(json_integer_value(json_object_get(row, "shortfall")), 0);
  assert_int_equal(json_integer_value(json_object_get(row, "tx")), tx);
  assert_string_equal(json_string_value(json_object_get(row, "compliance")), "compliant");
  assert_string_equal(json_string_value(json_object_get(rp, "deadline")), "2024-06-30");
  json_decref(rp);
}

static void test_flow_fujian(void **state) {
  (void)state;
  emissions("FJ-ETS", "FZCEMENT", 2023, 1000, 900);
  l6_error err = {0};
  json_t *ev = NULL;
  char ids[256];
  /* hydro CCER, and 150 t of offsets over 10%: every broken rule listed */
  l6_ets_surrender_req r = sreq("FJ-ETS", "FZCEMENT", 2023, true);
  item(&r, W.b_fjea, 1, 800);
  item(&r, W.b_ffcer, 1, 100);
  item(&r, W.b_ccer_fj_hydro, 1, 50);
  assert_int_equal(svc_ets_surrender(W.s, &W.fj, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "FJ.1,FJ.6");
  json_decref(ev);
  /* 880 allowances + 70 FFCER + 30 biogas CCER: within limits, 20 t short */
  r = sreq("FJ-ETS", "FZCEMENT", 2023, false);
  item(&r, W.b_fjea, 1, 880);
  item(&r, W.b_ffcer, 1, 70);
  item(&r, W.b_ccer_fj, 1, 30);
  if (svc_ets_surrender(W.s, &W.fj, &r, &ev, &err) != L6_E_OK) fail_msg("surrender: %s", err.message);
  assert_int_equal(json_integer_value(json_object_get(ev, "shortfall")), 20);
  json_decref(ev);
  json_t *rp = NULL;
  assert_int_equal(svc_ets_report(W.s, &W.anon, "FJ-ETS", 2023, &rp, &err), L6_E_OK);
  json_t *row = report_item(rp, "FZCEMENT");
  assert_int_equal(json_integer_value(json_object_get(row, "shortfall")), 20);
  assert_int_equal(json_integer_value(json_object_get(row, "penalty")), 200000);
  assert_string_equal(json_string_value(json_object_get(row, "compliance")), "shortfall");
  char *csv = svc_ets_report_csv(rp);
  assert_non_null(csv);
  assert_non_null(strstr(csv, "entity,name,emissions_status,obligation,allocated,surrendered_allowances,surrendered_offsets,"
                              "shortfall,penalty,compliance,tx\n"));
  assert_non_null(strstr(csv, "FZCEMENT,Entity FZCEMENT,confirmed,1000,900,880,100,20,200000,shortfall,"));
  free(csv);
  json_decref(rp);
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
}

/* Free allocation from the allocation account (adds to the figure), auction
 * from the auction account (counted apart); both logged, check green. */
static void test_flow_allocation(void **state) {
  (void)state;
  l6_error err = {0};
  json_t *rec = NULL;
  l6_qty before = held(W.acc_gd);
  assert_int_equal(svc_ets_allocate(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 400, false, &rec, &err), L6_E_OK);
  assert_int_equal(json_integer_value(json_object_get(rec, "allocated")), 400);
  json_decref(rec);
  assert_int_equal(svc_ets_allocate(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 250, true, &rec, &err), L6_E_OK);
  assert_int_equal(json_integer_value(json_object_get(rec, "allocated")), 400);
  assert_int_equal(json_integer_value(json_object_get(rec, "auctioned")), 250);
  json_decref(rec);
  assert_int_equal(held(W.acc_gd), before + 650);
  assert_int_equal(held(W.acc_alloc), 100);
  assert_int_equal(held(W.acc_auction), 50);
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
  tlog_report rep;
  assert_int_equal(svc_verify_store(W.s, NULL, 0, &rep, &err), L6_E_OK);
  assert_true(rep.ok);
  /* refusals: more than the account holds, not the regulator, no such account */
  REFUSED(svc_ets_allocate(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 101, false, &out_, &err_), L6_E_INSUFFICIENT_HOLDINGS);
  REFUSED(svc_ets_allocate(W.s, &W.gd, "GD-ETS", "GZPOWER", 2026, 1, false, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_allocate(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 0, false, &out_, &err_), L6_E_INVALID_QUANTITY);
  REFUSED(svc_ets_allocate(W.s, &W.regulator, "FJ-ETS", "FZCEMENT", 2026, 1, false, &out_, &err_), L6_E_INSUFFICIENT_HOLDINGS);
}

/* ---- ets_refusals ------------------------------------------------------------ */

static void test_refusals(void **state) {
  (void)state;
  /* verified emissions entered, not confirmed */
  TL_OK(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2024, 1000, &out_, &err_), "emissions");
  l6_ets_surrender_req r = sreq("GD-ETS", "GZPOWER", 2024, false);
  item(&r, W.b_gdea, 1801, 1801);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &r, &out_, &err_), L6_E_EMISSIONS_NOT_CONFIRMED);
  /* roles */
  REFUSED(svc_ets_emissions(W.s, &W.gd, "GD-ETS", "GZPOWER", 2024, 1, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_emissions(W.s, &W.anon, "GD-ETS", "GZPOWER", 2024, 1, &out_, &err_), L6_E_UNAUTHORIZED);
  REFUSED(svc_ets_confirm(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2024, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_confirm(W.s, &W.other_reg, "GD-ETS", "GZPOWER", 2024, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_allocation(W.s, &W.gd, "GD-ETS", "GZPOWER", 2024, 5, &out_, &err_), L6_E_FORBIDDEN);
  TL_OK(svc_ets_confirm(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2024, &out_, &err_), "confirm");
  REFUSED(svc_ets_confirm(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2024, &out_, &err_), L6_E_WRONG_STATE);
  REFUSED(svc_ets_surrender(W.s, &W.fj, &r, &out_, &err_), L6_E_FORBIDDEN);
  /* serials the entity does not hold; overlapping items; none */
  l6_ets_surrender_req bad = sreq("GD-ETS", "GZPOWER", 2024, false);
  item(&bad, W.b_fjea, 1, 10);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_SERIALS_NOT_HELD);
  bad = sreq("GD-ETS", "GZPOWER", 2024, false);
  item(&bad, W.b_ccer_gd, 141, 145);
  item(&bad, W.b_ccer_gd, 145, 146);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_INVALID_RANGE);
  bad = sreq("GD-ETS", "GZPOWER", 2024, false);
  item(&bad, W.b_ccer_gd, 5, 4);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_INVALID_RANGE);
  bad = sreq("GD-ETS", "GZPOWER", 2024, false);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_MISSING_FIELD);
  /* a unit the scheme does not take (FJEA held by GD would be; use the Sichuan CCER past 100%: rule broken) */
  bad = sreq("GD-ETS", "GZPOWER", 2024, false);
  item(&bad, W.b_ccer_sc, 61, 100);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_OFFSET_RULES_BROKEN);
  /* non-offsetting units (CABs) can never serve a surrender, not even in a dry run */
  mk_project("CAB.CN.1", "CAB");
  l6_id b_cab = issue("CAB.CN.1", "CAB", 10, W.acc_gd);
  for (int dry = 0; dry < 2; dry++) {
    bad = sreq("GD-ETS", "GZPOWER", 2024, dry);
    item(&bad, W.b_gdea, 1, 100);
    item(&bad, b_cab, 1, 10);
    REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_NON_OFFSETTING_UNIT);
  }
  /* unknown scheme, entity, year outside */
  bad = sreq("XX-ETS", "GZPOWER", 2024, false);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_UNKNOWN_SCHEME);
  bad = sreq("GD-ETS", "NOBODY", 2024, false);
  REFUSED(svc_ets_surrender(W.s, &W.gd, &bad, &out_, &err_), L6_E_UNKNOWN_ENTITY);
  REFUSED(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2031, 1, &out_, &err_), L6_E_YEAR_OUTSIDE_SCHEME);
  REFUSED(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2024, -1, &out_, &err_), L6_E_INVALID_QUANTITY);
  json_t *o = NULL;
  l6_error e2;
  REFUSED(svc_ets_report(W.s, &W.anon, "GD-ETS", 2040, &out_, &err_), L6_E_YEAR_OUTSIDE_SCHEME);
  (void)o;
  (void)e2;
  /* schemes, entities, project attributes */
  l6_ets_scheme x = {.first_year = 2021, .last_year = 2030, .penalty = 1, .deadline = "06-30", .currency = "CNY",
                     .registry = "CHN01", .code = "NEW", .name = "n", .jurisdiction = "CN-XX"};
  REFUSED(svc_ets_scheme_put(W.s, &W.regulator, &x, &out_, &err_), L6_E_UNKNOWN_JURISDICTION);
  snprintf(x.jurisdiction, sizeof x.jurisdiction, "CN-SH");
  REFUSED(svc_ets_scheme_put(W.s, &W.other_reg, &x, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_scheme_put(W.s, &W.gd, &x, &out_, &err_), L6_E_FORBIDDEN);
  snprintf(x.deadline, sizeof x.deadline, "02-30");
  REFUSED(svc_ets_scheme_put(W.s, &W.regulator, &x, &out_, &err_), L6_E_INVALID_VALUE);
  l6_ets_entity en = {.org = W.org_gd, .account = W.acc_fj, .scheme = "GD-ETS", .id = "E2", .name = "e", .province = "CN-GD"};
  REFUSED(svc_ets_entity_put(W.s, &W.regulator, &en, &out_, &err_), L6_E_INVALID_VALUE);
  l6_ets_project pa = {.project = "NOPE", .project_type = "wind", .province = "CN-GD"};
  REFUSED(svc_ets_project_put(W.s, &W.regulator, &pa, &out_, &err_), L6_E_UNKNOWN_PROJECT);
  snprintf(pa.project, sizeof pa.project, "CCER.GD.WIND");
  snprintf(pa.produced, sizeof pa.produced, "2016-13-01");
  REFUSED(svc_ets_project_put(W.s, &W.regulator, &pa, &out_, &err_), L6_E_INVALID_VALUE);
  REFUSED(svc_ets_project_put(W.s, &W.verifier, &pa, &out_, &err_), L6_E_FORBIDDEN);
}

/* ---- ets_authz ------------------------------------------------------------------ */

static l6_ets_scheme scheme_of(const char *code, const char *jur, const char *registry) {
  l6_ets_scheme x = {.first_year = 2021, .last_year = 2030, .penalty = 10000};
  snprintf(x.code, sizeof x.code, "%s", code);
  snprintf(x.name, sizeof x.name, "%s scheme", jur);
  snprintf(x.jurisdiction, sizeof x.jurisdiction, "%s", jur);
  snprintf(x.registry, sizeof x.registry, "%s", registry);
  snprintf(x.deadline, sizeof x.deadline, "06-30");
  snprintf(x.currency, sizeof x.currency, "CNY");
  return x;
}

static json_t *get_scheme(const char *code) {
  json_t *all = NULL;
  l6_error err;
  assert_int_equal(svc_ets_scheme_list(W.s, &W.anon, &all, &err), L6_E_OK);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(all, "items"), i, it) if (strcmp(json_string_value(json_object_get(it, "code")), code) == 0) {
    json_t *r = json_incref(it);
    json_decref(all);
    return r;
  }
  json_decref(all);
  fail_msg("no scheme %s", code);
  return NULL;
}

/* The scheme hole: another Party's authority naming its own registry took
 * GD-ETS over (then set allocations, locking the regulator out). Now the
 * stored scheme's registry decides; its own regulator cannot move it
 * either; admin can. */
static void test_authz_scheme(void **state) {
  (void)state;
  l6_ets_scheme x = scheme_of("GD-ETS", "CN-GD", "KOR01");
  REFUSED(svc_ets_scheme_put(W.s, &W.other_reg, &x, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_scheme_put(W.s, &W.regulator, &x, &out_, &err_), L6_E_SCHEME_REGISTRY_FIXED);
  json_t *g = get_scheme("GD-ETS");
  assert_string_equal(json_string_value(json_object_get(g, "registry")), "CHN01");
  json_decref(g);
  /* the regulator still regulates: its allocations are accepted */
  TL_OK(svc_ets_allocation(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2029, 5, &out_, &err_), "allocation");
  REFUSED(svc_ets_allocation(W.s, &W.other_reg, "GD-ETS", "GZPOWER", 2029, 6, &out_, &err_), L6_E_FORBIDDEN);
  /* admin moves a scheme; then the new registry's authority regulates it,
   * the old one no longer does */
  l6_ets_scheme m = scheme_of("MV-ETS", "KR", "CHN01"); /* Korean rules: no CCER, so no say on CCER projects */
  TL_OK(svc_ets_scheme_put(W.s, &W.regulator, &m, &out_, &err_), "scheme");
  snprintf(m.registry, sizeof m.registry, "KOR01");
  TL_OK(svc_ets_scheme_put(W.s, &W.admin, &m, &out_, &err_), "admin moves the scheme");
  g = get_scheme("MV-ETS");
  assert_string_equal(json_string_value(json_object_get(g, "registry")), "KOR01");
  json_decref(g);
  TL_OK(svc_ets_scheme_put(W.s, &W.other_reg, &m, &out_, &err_), "the new registry's regulator");
  REFUSED(svc_ets_scheme_put(W.s, &W.regulator, &m, &out_, &err_), L6_E_FORBIDDEN);
}

static json_t *project_get(const char *id) {
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ets_project_get(W.s, &W.anon, id, &j, &err), L6_E_OK);
  return j;
}

/* The project hole: any authority rewrote any project's attributes (a
 * hydro project turned wind). Now: the host Party's authority, or the
 * regulator of a scheme whose jurisdiction takes the project's units. */
static void test_authz_project(void **state) {
  (void)state;
  l6_ets_project pa = {.project = "CCER.FJ.HYDRO", .project_type = "wind", .province = "CN-FJ"};
  /* KOR's authority: not the host (CHN), and regulates no scheme */
  REFUSED(svc_ets_project_put(W.s, &W.other_reg, &pa, &out_, &err_), L6_E_FORBIDDEN);
  json_t *j = project_get("CCER.FJ.HYDRO");
  assert_string_equal(json_string_value(json_object_get(j, "project_type")), "hydro");
  json_decref(j);
  /* KOR's authority regulates a Korean scheme under Korean rules (no
   * CCER): still no say on a CCER project */
  l6_ets_scheme k = scheme_of("KR-ETS", "KR", "KOR01");
  TL_OK(svc_ets_scheme_put(W.s, &W.other_reg, &k, &out_, &err_), "scheme");
  REFUSED(svc_ets_project_put(W.s, &W.other_reg, &pa, &out_, &err_), L6_E_FORBIDDEN);
  /* then a Korean-registry scheme under Shanghai's rules, which take CCER:
   * CCER projects yes */
  k = scheme_of("KX-ETS", "CN-SH", "KOR01");
  TL_OK(svc_ets_scheme_put(W.s, &W.other_reg, &k, &out_, &err_), "scheme");
  snprintf(pa.project_type, sizeof pa.project_type, "hydro");
  snprintf(pa.province, sizeof pa.province, "CN-SC");
  TL_OK(svc_ets_project_put(W.s, &W.other_reg, &pa, &out_, &err_), "a regulator of a scheme taking CCER");
  /* the history: the host authority's first setting, then KOR's change */
  j = project_get("CCER.FJ.HYDRO");
  assert_string_equal(json_string_value(json_object_get(j, "province")), "CN-SC");
  json_t *h = json_object_get(j, "history");
  assert_int_equal(json_array_size(h), 2);
  json_t *h0 = json_array_get(h, 0), *h1 = json_array_get(h, 1);
  assert_string_equal(json_string_value(json_object_get(h0, "actor")), "regulator");
  assert_string_equal(json_string_value(json_object_get(h0, "action")), "set");
  assert_true(json_is_null(json_object_get(h0, "old")));
  assert_string_equal(json_string_value(json_object_get(h1, "actor")), "KOR regulator");
  assert_string_equal(json_string_value(json_object_get(h1, "action")), "changed");
  assert_string_equal(json_string_value(json_object_get(json_object_get(h1, "old"), "province")), "CN-FJ");
  assert_string_equal(json_string_value(json_object_get(json_object_get(h1, "new"), "province")), "CN-SC");
  assert_string_equal(json_string_value(json_object_get(h1, "role")), "authority");
  assert_int_equal(json_integer_value(json_object_get(h1, "organisation")), W.other_reg.org);
  assert_true(strlen(json_string_value(json_object_get(h1, "ts"))) >= 19);
  json_decref(j);
  /* the verifier and holders never */
  REFUSED(svc_ets_project_put(W.s, &W.gd, &pa, &out_, &err_), L6_E_FORBIDDEN);
  l6_error err;
  json_t *none = NULL;
  assert_int_equal(svc_ets_project_get(W.s, &W.anon, "GD.ALLOC", &none, &err), L6_E_NOT_FOUND); /* never set */
  assert_null(none);
}

static json_t *record_get(const char *sch, const char *ent, int year) {
  json_t *j = NULL;
  l6_error err;
  assert_int_equal(svc_ets_record_get(W.s, &W.anon, sch, ent, year, &j, &err), L6_E_OK);
  return j;
}

/* The emissions hole: any validator entered any entity's emissions, and
 * entering again reset a confirmed record. */
static void test_authz_emissions(void **state) {
  (void)state;
  l6_actor v2 = tl_actor(L6_ROLE_VALIDATOR, mk_org("Verifier Two"), "verifier two");
  l6_actor own = tl_actor(L6_ROLE_VALIDATOR, W.org_gd, "GZ own verifier");
  TL_OK(svc_ets_verifier_put(W.s, &W.regulator, "FJ-ETS", v2.org, &out_, &err_), "accredit for FJ only");
  TL_OK(svc_ets_verifier_put(W.s, &W.regulator, "GD-ETS", own.org, &out_, &err_), "accredit the entity's own org");
  REFUSED(svc_ets_emissions(W.s, &v2, "GD-ETS", "GZPOWER", 2026, 10, &out_, &err_), L6_E_NOT_ACCREDITED);
  REFUSED(svc_ets_emissions(W.s, &own, "GD-ETS", "GZPOWER", 2026, 10, &out_, &err_), L6_E_FORBIDDEN);
  TL_OK(svc_ets_emissions(W.s, &v2, "FJ-ETS", "FZCEMENT", 2026, 10, &out_, &err_), "accredited for FJ-ETS");
  /* accreditation is the scheme regulator's */
  REFUSED(svc_ets_verifier_put(W.s, &W.other_reg, "GD-ETS", v2.org, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_verifier_put(W.s, &W.verifier, "GD-ETS", v2.org, &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_verifier_put(W.s, &W.regulator, "GD-ETS", 9999, &out_, &err_), L6_E_UNKNOWN_ORGANISATION);
  REFUSED(svc_ets_emissions(W.s, &v2, "GD-ETS", "GZPOWER", 2026, 10, &out_, &err_), L6_E_NOT_ACCREDITED);
  /* entered, re-entered, confirmed; then entering again is refused */
  TL_OK(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2026, 1000, &out_, &err_), "emissions");
  TL_OK(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2026, 1100, &out_, &err_), "emissions again");
  TL_OK(svc_ets_confirm(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, &out_, &err_), "confirm");
  REFUSED(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2026, 900, &out_, &err_), L6_E_EMISSIONS_CONFIRMED);
  REFUSED(svc_ets_emissions(W.s, &W.admin, "GD-ETS", "GZPOWER", 2026, 900, &out_, &err_), L6_E_EMISSIONS_CONFIRMED);
  json_t *j = record_get("GD-ETS", "GZPOWER", 2026);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "confirmed");
  assert_int_equal(json_integer_value(json_object_get(j, "verified")), 1100);
  json_decref(j);
  /* corrections: the regulator's, of a confirmed record, with a reason */
  REFUSED(svc_ets_correct(W.s, &W.other_reg, "GD-ETS", "GZPOWER", 2026, 1200, "r", &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_correct(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2026, 1200, "r", &out_, &err_), L6_E_FORBIDDEN);
  REFUSED(svc_ets_correct(W.s, &W.anon, "GD-ETS", "GZPOWER", 2026, 1200, "r", &out_, &err_), L6_E_UNAUTHORIZED);
  REFUSED(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 1200, "", &out_, &err_), L6_E_MISSING_FIELD);
  REFUSED(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 1100, "same", &out_, &err_), L6_E_INVALID_VALUE);
  REFUSED(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, -1, "r", &out_, &err_), L6_E_INVALID_QUANTITY);
  REFUSED(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2027, 5, "r", &out_, &err_), L6_E_EMISSIONS_NOT_CONFIRMED);
  REFUSED(svc_ets_correct(W.s, &W.regulator, "FJ-ETS", "FZCEMENT", 2026, 5, "r", &out_, &err_), L6_E_EMISSIONS_NOT_CONFIRMED);
  TL_OK(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2026, 1150, "verifier's report amended (page 4)", &out_, &err_),
        "correction");
  j = record_get("GD-ETS", "GZPOWER", 2026);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "confirmed");
  assert_int_equal(json_integer_value(json_object_get(j, "verified")), 1150);
  json_t *h = json_object_get(j, "history");
  assert_int_equal(json_array_size(h), 4);
  static const char *const actions[] = {"entered", "entered", "confirmed", "corrected"};
  static const char *const actors[] = {"verifier", "verifier", "regulator", "regulator"};
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, i), "action")), actions[i]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, i), "actor")), actors[i]);
  }
  assert_true(json_is_null(json_object_get(json_array_get(h, 0), "old")));
  assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 1), "old")), 1000);
  json_t *c = json_array_get(h, 3);
  assert_int_equal(json_integer_value(json_object_get(c, "old")), 1100);
  assert_int_equal(json_integer_value(json_object_get(c, "new")), 1150);
  assert_string_equal(json_string_value(json_object_get(c, "reason")), "verifier's report amended (page 4)");
  json_decref(j);
  /* the report's obligation follows the correction */
  json_t *rp = NULL;
  l6_error err;
  assert_int_equal(svc_ets_report(W.s, &W.anon, "GD-ETS", 2026, &rp, &err), L6_E_OK);
  assert_int_equal(json_integer_value(json_object_get(report_item(rp, "GZPOWER"), "obligation")), 1150);
  json_decref(rp);
}

/* A correction after the surrender recomputes the compliance: 1,000 t
 * surrendered against 1,000 t is compliant; corrected to 1,200 t it is a
 * 200 t shortfall in the record and the report. */
static void test_authz_correction_after_surrender(void **state) {
  (void)state;
  emissions("GD-ETS", "GZPOWER", 2028, 1000, 900);
  l6_ets_surrender_req r = sreq("GD-ETS", "GZPOWER", 2028, false);
  item(&r, W.b_gdea, 1, 900);
  item(&r, W.b_ccer_gd, 1, 100);
  json_t *ev = NULL;
  l6_error err = {0};
  if (svc_ets_surrender(W.s, &W.gd, &r, &ev, &err) != L6_E_OK) fail_msg("surrender: %s", err.message);
  json_decref(ev);
  json_t *j = record_get("GD-ETS", "GZPOWER", 2028);
  assert_string_equal(json_string_value(json_object_get(j, "compliance")), "compliant");
  json_decref(j);
  REFUSED(svc_ets_emissions(W.s, &W.verifier, "GD-ETS", "GZPOWER", 2028, 1200, &out_, &err_), L6_E_ALREADY_SURRENDERED);
  TL_OK(svc_ets_correct(W.s, &W.regulator, "GD-ETS", "GZPOWER", 2028, 1200, "under-reported fuel", &out_, &err_), "correction");
  j = record_get("GD-ETS", "GZPOWER", 2028);
  assert_string_equal(json_string_value(json_object_get(j, "compliance")), "shortfall");
  json_decref(j);
  json_t *rp = NULL;
  assert_int_equal(svc_ets_report(W.s, &W.anon, "GD-ETS", 2028, &rp, &err), L6_E_OK);
  assert_int_equal(json_integer_value(json_object_get(report_item(rp, "GZPOWER"), "shortfall")), 200);
  assert_string_equal(json_string_value(json_object_get(report_item(rp, "GZPOWER"), "compliance")), "shortfall");
  json_decref(rp);
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
}

/* ---- ets_rulefile -------------------------------------------------------------- */

static void copy_tree(const char *from, const char *to) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "cp -R '%s/.' '%s/'", from, to);
  assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_rule_file_edit(void **state) {
  (void)state;
  emissions("GD-ETS", "GZPOWER", 2025, 1000, 900);
  l6_ets_surrender_req r = sreq("GD-ETS", "GZPOWER", 2025, true);
  item(&r, W.b_ccer_gd, 141, 150); /* 10 t from Guangdong: inside 10% of 1,000 */
  json_t *ev = NULL;
  l6_error err = {0};
  char ids[256];
  assert_int_equal(svc_ets_surrender(W.s, &W.gd, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "");
  json_decref(ev);
  /* a copy of config/ with Guangdong's limit at 0.5%: restart on it */
  char *dir = tl_tmpdir_make("etscfg");
  assert_non_null(dir);
  char src[1024], path[4200];
  src_config(src, sizeof src);
  copy_tree(src, dir);
  snprintf(path, sizeof path, "%s/jurisdictions/cn-gd.json", dir);
  write_file(path, "{\"code\":\"CN-GD\",\"name\":\"Guangdong (edited)\",\"allowances\":[{\"unit\":\"GDEA\"}],"
                   "\"offsets\":[{\"unit\":\"CCER\"},{\"unit\":\"PHCER\"}],\"rules\":[{\"id\":\"GD.1\",\"kind\":\"limit\","
                   "\"text\":\"offsets at most 0.5%\",\"percent\":0,\"base\":\"emissions\"}]}\n");
  svc_close(W.s);
  open_service(dir);
  assert_int_equal(svc_ets_surrender(W.s, &W.gd, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "GD.1");
  assert_int_equal(json_integer_value(json_object_get(ev, "max_offsets")), 0);
  json_decref(ev);
  /* a broken file is refused at start, naming file, key and reason */
  write_file(path, "{\"code\":\"CN-GD\",\"name\":\"x\",\"allowances\":[{\"unit\":\"GDEA\"}],\"offsets\":[{\"unit\":\"CCER\"}],"
                   "\"rules\":[{\"id\":\"GD.1\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"sales\"}]}\n");
  assert_int_equal(svc_ets_load(W.s, dir, &err), L6_E_INVALID_CONFIG);
  assert_non_null(strstr(err.message, "cn-gd.json: key rules[0].base"));
  /* a unit type no programme defines */
  write_file(path, "{\"code\":\"CN-GD\",\"name\":\"x\",\"allowances\":[{\"unit\":\"GDEAX\"}]}\n");
  assert_int_equal(svc_ets_load(W.s, dir, &err), L6_E_INVALID_CONFIG);
  assert_non_null(strstr(err.message, "unit type GDEAX is not defined"));
  /* the service kept what it had */
  assert_int_equal(svc_ets_surrender(W.s, &W.gd, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "GD.1");
  json_decref(ev);
  /* back to the shipped files */
  svc_close(W.s);
  open_service(src);
  assert_int_equal(svc_ets_surrender(W.s, &W.gd, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "");
  json_decref(ev);
  assert_int_equal(tl_tmpdir_remove(dir), 0);
  json_t *j = NULL;
  assert_int_equal(svc_ets_jurisdictions(W.s, &W.anon, &j, &err), L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(j, "items")), 14);
  json_decref(j);
}

/* ---- ets_production ------------------------------------------------------------ */

/* A project whose crediting period starts on `start`, with ETS attributes
 * (its own start of reductions `project_start`, city). */
static void mk_project_at(const char *id, const char *programme, const char *start, const char *type, const char *province,
                          const char *city, const char *project_start) {
  mk_project_from(id, programme, start);
  l6_ets_project a = {0};
  snprintf(a.project, sizeof a.project, "%s", id);
  snprintf(a.project_type, sizeof a.project_type, "%s", type);
  snprintf(a.province, sizeof a.province, "%s", province);
  snprintf(a.city, sizeof a.city, "%s", city);
  snprintf(a.produced, sizeof a.produced, "%s", project_start);
  TL_OK(svc_ets_project_put(W.s, &W.regulator, &a, &out_, &err_), "project attributes");
}

/* Issues qty units of a vintage produced over [start, end] ("" "": none). */
static l6_err issue_p(const char *project, const char *ut, l6_qty qty, l6_id to, int vintage, const char *start,
                      const char *end, l6_id *batch, l6_error *err) {
  l6_issue_req r = {.vintage = vintage, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "CHN01");
  snprintf(r.project, sizeof r.project, "%s", project);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  snprintf(r.production_start, sizeof r.production_start, "%s", start);
  snprintf(r.production_end, sizeof r.production_end, "%s", end);
  l6_reply rep = {0};
  l6_err e = svc_issue(W.s, &W.admin, &r, &rep, err);
  json_decref(rep.body);
  if (e == L6_E_OK) assert_int_equal(W.st->ops->batch_list(W.st, project, 0, 100, last_batch, batch, err), L6_E_OK);
  return e;
}
static l6_id issue_ok(const char *project, const char *ut, l6_qty qty, l6_id to, int vintage, const char *start,
                      const char *end) {
  l6_id b = 0;
  l6_error err = {0};
  if (issue_p(project, ut, qty, to, vintage, start, end, &b, &err) != L6_E_OK) fail_msg("issue %s: %s", project, err.message);
  return b;
}

/* A dry run of qty serials of each batch (0-terminated); the broken rules. */
static const char *dry(const l6_actor *who, const char *sch, const char *ent, const l6_id *batches, l6_qty qty, char *ids,
                       size_t cap) {
  l6_ets_surrender_req r = sreq(sch, ent, 2023, true);
  for (size_t i = 0; batches[i]; i++) item(&r, batches[i], 1, qty);
  json_t *ev = NULL;
  l6_error err = {0};
  if (svc_ets_surrender(W.s, who, &r, &ev, &err) != L6_E_OK) fail_msg("dry run %s: %s", sch, err.message);
  break_ids(ev, ids, cap);
  assert_int_equal(json_is_true(json_object_get(ev, "accepted")), ids[0] == 0);
  json_decref(ev);
  return ids;
}

/* Issuance batches keep their production (monitoring) period through the
 * store, and the rules of seed 001 table 4 test it: Shanghai and Hubei by
 * when the reductions were produced, Chongqing by the places of the
 * Chengdu-Chongqing circle with CQCER beside CCER, Fujian's FFCER by
 * where they were produced; Shanghai's inclusive reductions are a unit. */
static void test_production_rules(void **state) {
  (void)state;
  l6_id org = mk_org("Multi-site Steel");
  l6_id acc = mk_account(org);
  l6_actor m = tl_actor(L6_ROLE_HOLDER, org, "Multi-site Steel");
  scheme("SH-ETS", "CN-SH");
  scheme("HB-ETS", "CN-HB");
  scheme("CQ-ETS", "CN-CQ");
  static const char *const schemes[] = {"SH-ETS", "HB-ETS", "CQ-ETS"};
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    TL_OK(svc_ets_verifier_put(W.s, &W.regulator, schemes[i], W.verifier.org, &out_, &err_), "accredit verifier");
  entity("SH-ETS", "SHSTEEL", org, acc, "CN-SH");
  entity("HB-ETS", "HBSTEEL", org, acc, "CN-HB");
  entity("CQ-ETS", "CQSTEEL", org, acc, "CN-CQ");
  emissions("SH-ETS", "SHSTEEL", 2023, 3000, 2800); /* 5% = 150 */
  emissions("HB-ETS", "HBSTEEL", 2023, 1500, 1200); /* 10% of allocated = 120 */
  emissions("CQ-ETS", "CQSTEEL", 2023, 1250, 1000); /* 8% = 100 */
  emissions("FJ-ETS", "FZCEMENT", 2023, 1000, 900); /* 10% = 100 */
  mk_project_at("CCER.SH.2012", "CCER", "2012-01-01", "wind", "CN-SH", "", "2012-03-01");
  mk_project_at("SHPHCER.SH", "CNPILOTOFF", "2020-01-01", "transport", "CN-SH", "", "");
  mk_project_at("CCER.HB.RURAL", "CCER", "2013-01-01", "rural_biogas", "CN-HB", "", "2013-01-01");
  mk_project_at("CCER.HB.BIOGAS", "CCER", "2013-01-01", "biogas", "CN-HB", "", "2013-01-01");
  mk_project_at("CCER.SC.CHENGDU", "CCER", "2014-01-01", "wind", "CN-SC", "CN-SC-CHENGDU", "2014-01-01");
  mk_project_at("CCER.SC.PANZHIHUA", "CCER", "2014-01-01", "wind", "CN-SC", "CN-SC-PANZHIHUA", "2014-01-01");
  mk_project_at("CQCER.CQ", "CNPILOTOFF", "2020-01-01", "transport", "CN-CQ", "CN-CQ-YUZHONG", "2020-01-01");
  mk_project_at("FFCER.JX.FOREST", "CNPILOTOFF", "2010-01-01", "forestry", "CN-JX", "", "2010-01-01");

  /* the production period round-trips through the store and the listings */
  l6_id sh14 = issue_ok("CCER.SH.2012", "CCER", 100, acc, 2014, "2014-01-01", "2014-12-31");
  l6_batch b;
  l6_error err = {0};
  assert_int_equal(W.st->ops->batch_get(W.st, sh14, &b, &err), L6_E_OK);
  assert_string_equal(b.production_start, "2014-01-01");
  assert_string_equal(b.production_end, "2014-12-31");
  json_t *pj = NULL;
  TL_OK(svc_project_get(W.s, &W.anon, "CCER.SH.2012", &pj, &err_), "project get");
  json_t *b0 = json_array_get(json_object_get(pj, "issuances"), 0);
  assert_non_null(b0);
  assert_string_equal(json_string_value(json_object_get(b0, "production_start")), "2014-01-01");
  assert_string_equal(json_string_value(json_object_get(b0, "production_end")), "2014-12-31");
  json_decref(pj);

  char ids[256];
  /* Shanghai: 2014 reductions of a project running since 2012 are eligible;
   * its 2012 reductions are not */
  l6_id sh12 = issue_ok("CCER.SH.2012", "CCER", 100, acc, 2012, "2012-03-01", "2012-12-31");
  assert_string_equal(dry(&m, "SH-ETS", "SHSTEEL", (l6_id[]){sh14, 0}, 100, ids, sizeof ids), "");
  assert_string_equal(dry(&m, "SH-ETS", "SHSTEEL", (l6_id[]){sh12, 0}, 100, ids, sizeof ids), "SH.3");
  /* Shanghai inclusive reductions, within the 5% with the CCERs, over it not */
  l6_id shph = issue_ok("SHPHCER.SH", "SHPHCER", 51, acc, 2023, "2023-01-01", "2023-06-30");
  assert_string_equal(dry(&m, "SH-ETS", "SHSTEEL", (l6_id[]){sh14, shph, 0}, 50, ids, sizeof ids), "");
  assert_string_equal(dry(&m, "SH-ETS", "SHSTEEL", (l6_id[]){sh14, shph, 0}, 51, ids, sizeof ids), "");
  l6_ets_surrender_req r = sreq("SH-ETS", "SHSTEEL", 2023, true);
  item(&r, sh14, 1, 100);
  item(&r, shph, 1, 51);
  json_t *ev = NULL;
  assert_int_equal(svc_ets_surrender(W.s, &m, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "SH.1");
  json_decref(ev);

  /* Hubei: 2015 reductions of rural biogas eligible; 2016 reductions of the
   * same project (started 2013) refused; other biogas refused */
  l6_id hb15 = issue_ok("CCER.HB.RURAL", "CCER", 50, acc, 2015, "2015-01-01", "2015-12-31");
  l6_id hb16 = issue_ok("CCER.HB.RURAL", "CCER", 50, acc, 2016, "2016-01-01", "2016-12-31");
  l6_id hbbio = issue_ok("CCER.HB.BIOGAS", "CCER", 50, acc, 2015, "2015-01-01", "2015-12-31");
  assert_string_equal(dry(&m, "HB-ETS", "HBSTEEL", (l6_id[]){hb15, 0}, 50, ids, sizeof ids), "");
  assert_string_equal(dry(&m, "HB-ETS", "HBSTEEL", (l6_id[]){hb16, 0}, 50, ids, sizeof ids), "HB.5");
  assert_string_equal(dry(&m, "HB-ETS", "HBSTEEL", (l6_id[]){hbbio, 0}, 50, ids, sizeof ids), "HB.4");
  /* a batch issued without a production period stands for its vintage year */
  l6_id hbv = issue_ok("CCER.HB.RURAL", "CCER", 10, acc, 2014, "", "");
  assert_string_equal(dry(&m, "HB-ETS", "HBSTEEL", (l6_id[]){hbv, 0}, 10, ids, sizeof ids), "");

  /* Chongqing: 90 t CQCER from Yuzhong + 10 t CCER from Chengdu: accepted;
   * from Panzhihua (Sichuan, outside the circle): CQ.2 */
  l6_id cq = issue_ok("CQCER.CQ", "CQCER", 90, acc, 2023, "2023-01-01", "2023-06-30");
  l6_id cd = issue_ok("CCER.SC.CHENGDU", "CCER", 10, acc, 2023, "2023-01-01", "2023-12-31");
  l6_id pz = issue_ok("CCER.SC.PANZHIHUA", "CCER", 10, acc, 2023, "2023-01-01", "2023-12-31");
  r = sreq("CQ-ETS", "CQSTEEL", 2023, true);
  item(&r, cq, 1, 85);
  item(&r, cd, 1, 10);
  assert_int_equal(svc_ets_surrender(W.s, &m, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "");
  json_decref(ev);
  r = sreq("CQ-ETS", "CQSTEEL", 2023, true);
  item(&r, cq, 1, 85);
  item(&r, pz, 1, 10);
  assert_int_equal(svc_ets_surrender(W.s, &m, &r, &ev, &err), L6_E_OK);
  assert_string_equal(break_ids(ev, ids, sizeof ids), "CQ.2");
  json_decref(ev);

  /* Fujian: FFCER produced outside Fujian refused */
  l6_id jx = issue_ok("FFCER.JX.FOREST", "FFCER", 20, W.acc_fj, 2023, "2023-01-01", "2023-12-31");
  assert_string_equal(dry(&W.fj, "FJ-ETS", "FZCEMENT", (l6_id[]){jx, 0}, 20, ids, sizeof ids), "FJ.9");
  assert_string_equal(dry(&W.fj, "FJ-ETS", "FZCEMENT", (l6_id[]){W.b_ffcer, 0}, 20, ids, sizeof ids), "");

  /* an issuance's production period is checked; a refused one changes nothing */
  static const struct {
    int vintage;
    const char *start, *end;
  } bad[] = {{2014, "2014-01-01", ""},          {2014, "", "2014-12-31"},          {2014, "2014-12-31", "2014-01-01"},
             {2015, "2014-01-01", "2014-12-31"}, {2014, "2014-02-30", "2014-12-31"}, {2011, "2011-01-01", "2011-12-31"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    l6_id x = 0;
    char *before = dump();
    l6_error e2 = {0};
    l6_err e = issue_p("CCER.SH.2012", "CCER", 10, acc, bad[i].vintage, bad[i].start, bad[i].end, &x, &e2);
    if (e != L6_E_INVALID_VALUE) fail_msg("case %zu: %s %s", i, l6_err_code(e), e2.message);
    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
  }
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
}

/* Issue 15, four eyes: with "ets_emissions" in the approval policy of the
 * scheme's registry, the regulator's confirmation and correction become
 * proposals that another person of the regulator's organisation (or an
 * administrator) approves; nobody approves their own, and a proposal
 * confirms only the figure its proposer saw. */
static const char *rec_status(const char *sch, const char *ent, int year, l6_qty *verified) {
  static char st[16];
  json_t *o = NULL;
  TL_OK(svc_ets_record_get(W.s, &W.anon, sch, ent, year, &o, &err_), "record");
  snprintf(st, sizeof st, "%s", json_string_value(json_object_get(o, "status")));
  if (verified) *verified = json_integer_value(json_object_get(o, "verified"));
  json_decref(o);
  return st;
}

static l6_id proposal_id(json_t *o, const char *kind) {
  assert_string_equal(json_string_value(json_object_get(o, "kind")), kind);
  assert_string_equal(json_string_value(json_object_get(o, "state")), "pending");
  l6_id id = json_integer_value(json_object_get(o, "id"));
  assert_true(id > 0);
  return id;
}

static const char *decided(l6_err (*fn)(l6_svc *, const l6_actor *, l6_id, json_t **, l6_error *), const l6_actor *a,
                           l6_id id, l6_err want) {
  static char st[16];
  json_t *o = NULL;
  l6_error err = {0};
  l6_err e = fn(W.s, a, id, &o, &err);
  if (e != want) fail_msg("decision on %lld: %s (%s), wanted %s", (long long)id, l6_err_code(e), err.message, l6_err_code(want));
  snprintf(st, sizeof st, "%s", o ? json_string_value(json_object_get(o, "state")) : "");
  json_decref(o);
  return st;
}

static void test_four_eyes_emissions(void **state) {
  (void)state;
  const char *sch = "GD-ETS", *ent = "GZPOWER";
  l6_actor reg2 = tl_actor(L6_ROLE_AUTHORITY, W.regulator.org, "second regulator");
  l6_actor regcli = tl_actor(L6_ROLE_AUTHORITY, W.regulator.org, "regulator-cli");
  W.regulator.user = regcli.user = 501; /* one person, in a session and with a token */
  reg2.user = 502;
  json_t *pol = json_pack("{sb}", "ets_emissions", 1);
  TL_OK(svc_policy_put(W.s, &W.admin, "CHN01", pol, &out_, &err_), "policy");
  json_decref(pol);
  json_t *o = NULL;
  TL_OK(svc_policy_get(W.s, &W.admin, "CHN01", &o, &err_), "policy get");
  assert_true(json_is_true(json_object_get(o, "ets_emissions")));
  json_decref(o);

  /* Confirmation: 202 and a proposal; the record stays "entered". */
  TL_OK(svc_ets_emissions(W.s, &W.verifier, sch, ent, 2025, 1000, &out_, &err_), "emissions");
  int st = 0;
  l6_error err = {0};
  o = NULL;
  /* refusals come first, as without the policy */
  assert_int_equal(svc_ets_confirm_st(W.s, &W.other_reg, sch, ent, 2025, &o, &st, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_ets_confirm_st(W.s, &W.regulator, sch, ent, 2026, &o, &st, &err), L6_E_WRONG_STATE);
  assert_int_equal(svc_ets_confirm_st(W.s, &W.regulator, sch, ent, 2025, &o, &st, &err), L6_E_OK);
  assert_int_equal(st, 202);
  l6_id p = proposal_id(o, "ets-confirmation");
  json_t *rq = json_object_get(o, "request");
  assert_int_equal(json_integer_value(json_object_get(rq, "verified")), 1000);
  json_decref(o);
  assert_string_equal(rec_status(sch, ent, 2025, NULL), "entered");
  decided(svc_proposal_approve, &W.regulator, p, L6_E_SELF_APPROVAL);
  decided(svc_proposal_approve, &regcli, p, L6_E_SELF_APPROVAL); /* the same person's token */
  decided(svc_proposal_approve, &W.other_reg, p, L6_E_FORBIDDEN);
  decided(svc_proposal_approve, &W.verifier, p, L6_E_FORBIDDEN);
  assert_string_equal(rec_status(sch, ent, 2025, NULL), "entered");
  assert_string_equal(decided(svc_proposal_approve, &reg2, p, L6_E_OK), "executed");
  l6_qty v = 0;
  assert_string_equal(rec_status(sch, ent, 2025, &v), "confirmed");
  assert_int_equal(v, 1000);
  decided(svc_proposal_approve, &W.admin, p, L6_E_PROPOSAL_CLOSED);

  /* A figure changed after the proposal: the approval fails, nothing confirmed. */
  TL_OK(svc_ets_emissions(W.s, &W.verifier, sch, ent, 2027, 700, &out_, &err_), "emissions");
  assert_int_equal(svc_ets_confirm_st(W.s, &W.regulator, sch, ent, 2027, &o, &st, &err), L6_E_OK);
  p = proposal_id(o, "ets-confirmation");
  json_decref(o);
  TL_OK(svc_ets_emissions(W.s, &W.verifier, sch, ent, 2027, 750, &out_, &err_), "the verifier enters again");
  assert_string_equal(decided(svc_proposal_approve, &reg2, p, L6_E_OK), "failed");
  assert_string_equal(rec_status(sch, ent, 2027, &v), "entered");
  assert_int_equal(v, 750);
  /* Rejected: nothing confirmed. */
  assert_int_equal(svc_ets_confirm_st(W.s, &W.regulator, sch, ent, 2027, &o, &st, &err), L6_E_OK);
  p = proposal_id(o, "ets-confirmation");
  json_decref(o);
  decided(svc_proposal_reject, &W.regulator, p, L6_E_SELF_APPROVAL);
  assert_string_equal(decided(svc_proposal_reject, &reg2, p, L6_E_OK), "rejected");
  assert_string_equal(rec_status(sch, ent, 2027, NULL), "entered");

  /* Correction: the same, with the reason kept in the history. */
  assert_int_equal(svc_ets_correct_st(W.s, &W.regulator, sch, ent, 2025, 1000, "same", &o, &st, &err), L6_E_INVALID_VALUE);
  assert_int_equal(svc_ets_correct_st(W.s, &W.regulator, sch, ent, 2025, 1040, "recalculated fuel use", &o, &st, &err),
                   L6_E_OK);
  assert_int_equal(st, 202);
  p = proposal_id(o, "ets-correction");
  json_decref(o);
  assert_string_equal(rec_status(sch, ent, 2025, &v), "confirmed");
  assert_int_equal(v, 1000);
  assert_string_equal(decided(svc_proposal_approve, &W.admin, p, L6_E_OK), "executed");
  assert_string_equal(rec_status(sch, ent, 2025, &v), "confirmed");
  assert_int_equal(v, 1040);
  TL_OK(svc_ets_record_get(W.s, &W.anon, sch, ent, 2025, &o, &err_), "record");
  json_t *h = json_object_get(o, "history");
  json_t *last = json_array_get(h, json_array_size(h) - 1);
  assert_string_equal(json_string_value(json_object_get(last, "action")), "corrected");
  assert_string_equal(json_string_value(json_object_get(last, "reason")), "recalculated fuel use");
  json_decref(o);

  /* Policy off: at once, 201. */
  pol = json_pack("{sb}", "ets_emissions", 0);
  TL_OK(svc_policy_put(W.s, &W.admin, "CHN01", pol, &out_, &err_), "policy off");
  json_decref(pol);
  assert_int_equal(svc_ets_confirm_st(W.s, &W.regulator, sch, ent, 2027, &o, &st, &err), L6_E_OK);
  assert_int_equal(st, 201);
  json_decref(o);
  assert_string_equal(rec_status(sch, ent, 2027, NULL), "confirmed");
  W.regulator.user = 0;
}

int main(void) {
  const struct CMUnitTest flow[] = {cmocka_unit_test(test_flow_guangdong), cmocka_unit_test(test_flow_fujian),
                                    cmocka_unit_test(test_flow_allocation)};
  const struct CMUnitTest refusals[] = {cmocka_unit_test(test_refusals)};
  const struct CMUnitTest rulefile[] = {cmocka_unit_test(test_rule_file_edit)};
  const struct CMUnitTest production[] = {cmocka_unit_test(test_production_rules)};
  int rc = cmocka_run_group_tests_name("ets_flow", flow, world_setup, world_teardown);
  rc += cmocka_run_group_tests_name("ets_refusals", refusals, world_setup, world_teardown);
  rc += cmocka_run_group_tests_name("ets_rulefile", rulefile, world_setup, world_teardown);
  const struct CMUnitTest authz[] = {cmocka_unit_test(test_authz_scheme), cmocka_unit_test(test_authz_project),
                                     cmocka_unit_test(test_authz_emissions),
                                     cmocka_unit_test(test_authz_correction_after_surrender)};
  rc += cmocka_run_group_tests_name("ets_authz", authz, world_setup, world_teardown);
  rc += cmocka_run_group_tests_name("ets_production", production, world_setup, world_teardown);
  const struct CMUnitTest four_eyes[] = {cmocka_unit_test(test_four_eyes_emissions)};
  rc += cmocka_run_group_tests_name("ets_four_eyes", four_eyes, world_setup, world_teardown);
  return rc;
}
