/*
 * test_a6.c -- Article 6.2 accounting, in process, on an in-memory store
 * with a settable clock and the partition re-checked after every
 * transaction (check level 2).
 *
 * Groups:
 *   a6_core      the pure rules (src/core/a6.c): ITMO identifier round trip
 *                and refusals, purposes, metric conversion, the three CA
 *                methods and the what-if options with hand-computed figures,
 *                CORSIA conditions.
 *   a6_flows     a Thailand -> Switzerland / Japan flow: authorization,
 *                first transfer at the first international transfer, use
 *                toward a multi-year NDC (CHE), a single-year NDC with a
 *                trajectory (JPN), averaging for the host (THA); OIMP first
 *                transfer at issuance vs at use (CORSIA cancellation); the
 *                AEF reconciles actions with holdings.
 *   a6_refusals  every refusal: status, code, and a full dump of the store
 *                (blocks, transactions, ITMO ranges, actions,
 *                authorizations) byte-identical before and after.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/a6.h"
#include "service/a6.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ====================================================================== */
/* a6_core                                                                 */
/* ====================================================================== */

static void test_core_itmo_id(void **state) {
  (void)state;
  a6_itmo_id id = {.approach = 1, .registry = "THA01", .host = "THA", .serial = 42, .vintage = 2030};
  char buf[A6_ITMO_ID_MAX];
  assert_int_equal(a6_itmo_format(&id, buf, sizeof buf), 31);
  assert_string_equal(buf, "CA0001-THA01-THA-000000042-2030");
  a6_itmo_id back;
  assert_true(a6_itmo_parse(buf, &back));
  assert_int_equal(back.approach, 1);
  assert_string_equal(back.registry, "THA01");
  assert_int_equal(back.serial, 42);
  assert_int_equal(back.vintage, 2030);
  /* Wide serials are written in full and parse back. */
  id.serial = 1234567890123LL;
  assert_true(a6_itmo_format(&id, buf, sizeof buf) > 0);
  assert_string_equal(buf, "CA0001-THA01-THA-1234567890123-2030");
  assert_true(a6_itmo_parse(buf, &back) && back.serial == 1234567890123LL);
  static const char *const bad[] = {
      "", "CA1-THA01-THA-000000042-2030", "CA0000-THA01-THA-000000042-2030", "CA0001-THA1-THA-000000042-2030",
      "CA0001-tha01-THA-000000042-2030", "CA0001-THA01-TH-000000042-2030", "CA0001-THA01-THA-42-2030",
      "CA0001-THA01-THA-0000000042-2030" /* not canonical: extra zero */, "CA0001-THA01-THA-000000000-2030",
      "CA0001-THA01-THA-000000042-1989", "CA0001-THA01-THA-000000042-20300", "CA0001-THA01-THA-000000042-2030 ",
      "XA0001-THA01-THA-000000042-2030", "CA0001-THA01-THA-99999999999999999999-2030"};
  for (size_t i = 0; i < COUNT(bad); i++)
    if (a6_itmo_parse(bad[i], &back)) fail_msg("accepted '%s'", bad[i]);
  /* Round trip over a seeded sample. */
  tl_rng r;
  tl_rng_init(&r, 6);
  for (int i = 0; i < 2000; i++) {
    a6_itmo_id x = {.approach = (int)tl_rng_range(&r, 1, 9999), .registry = "CHE07", .host = "GHA",
                    .serial = tl_rng_range(&r, 1, L6_MAX_SERIAL), .vintage = (int)tl_rng_range(&r, 1990, 2100)};
    assert_true(a6_itmo_format(&x, buf, sizeof buf) > 0);
    assert_true(a6_itmo_parse(buf, &back));
    char again[A6_ITMO_ID_MAX];
    assert_true(a6_itmo_format(&back, again, sizeof again) > 0);
    assert_string_equal(buf, again);
  }
}

static void test_core_purposes_metric(void **state) {
  (void)state;
  unsigned p;
  char buf[32];
  assert_true(a6_purposes_parse("OIMP,NDC", &p));
  assert_int_equal(p, A6_P_NDC | A6_P_OIMP);
  assert_string_equal(a6_purposes_str(p, buf, sizeof buf), "NDC,OIMP");
  assert_false(a6_purposes_parse("NDC,NDC", &p));
  assert_false(a6_purposes_parse("NDC,", &p));
  assert_false(a6_purposes_parse("ndc", &p));
  assert_false(a6_purposes_parse("", &p));
  /* 1 t CO2e = 2.5 MWh (factor 2,500,000 millionths): 3 t -> 7.5 -> 8 (half up). */
  assert_int_equal(a6_to_metric(3, 2500000), 8);
  assert_int_equal(a6_to_metric(-3, 2500000), -8);
  assert_int_equal(a6_to_metric(1000000000000000LL, 1000000000LL), 1000000000000000000LL);
  assert_int_equal(a6_div_round(503, 5), 101);  /* 100.6 */
  assert_int_equal(a6_div_round(-503, 5), -101);
  assert_int_equal(a6_div_round(5, 2), 3);      /* halves away from zero */
}

static void test_core_methods(void **state) {
  (void)state;
  l6_error err;
  int64_t t;
  /* Multi-year 2026-2028, per year: adjusted = E + ft - used.
   *   2026: 500 + 0   - 100 = 400
   *   2027: 500 + 30  - 0   = 530
   *   2028: 480 + 0   - 200 = 280 (target year) */
  a6_ndc m = {.first_year = 2026, .last_year = 2028, .kind = A6_NDC_MULTI_YEAR, .method = A6_CA_PER_YEAR,
              .target_year = 2028, .target = 450, .factor_micro = A6_FACTOR_ONE};
  assert_int_equal(a6_ndc_check(&m, &err), L6_E_OK);
  a6_year y[3] = {{.year = 2026, .emissions = 500, .used = 100},
                  {.year = 2027, .emissions = 500, .first_transferred = 30},
                  {.year = 2028, .emissions = 480, .used = 200}};
  assert_int_equal(a6_balance(&m, y, 3, &t, &err), L6_E_OK);
  assert_int_equal(y[0].adjusted, 400);
  assert_int_equal(y[1].adjusted, 530);
  assert_int_equal(y[2].adjusted, 280);
  assert_int_equal(t, 280);
  /* Single-year 2030, averaging over 2026-2030 (5 years):
   *   net = (300 + 203) first transferred - 0 used = 503; 503 / 5 = 100.6 -> 101 each year
   *   2030: 900 + 101 = 1001 */
  a6_ndc s = {.first_year = 2026, .last_year = 2030, .kind = A6_NDC_SINGLE_YEAR, .method = A6_CA_AVERAGING,
              .target_year = 2030, .target = 1000, .factor_micro = A6_FACTOR_ONE};
  a6_year ys[5] = {{.year = 2026, .emissions = 1000, .first_transferred = 300},
                   {.year = 2027, .emissions = 1000, .first_transferred = 203},
                   {.year = 2028, .emissions = 1000},
                   {.year = 2029, .emissions = 950},
                   {.year = 2030, .emissions = 900}};
  assert_int_equal(a6_balance(&s, ys, 5, &t, &err), L6_E_OK);
  for (int i = 0; i < 5; i++) assert_int_equal(ys[i].ca, 101);
  assert_int_equal(ys[1].adjusted, 1101);
  assert_int_equal(t, 1001);
  /* Single-year with a trajectory: per year against the trajectory.
   *   2028: 770 - 150 used = 620; trajectory 760: headroom 140 */
  a6_ndc tr = s;
  tr.method = A6_CA_TRAJECTORY;
  a6_year yt[5] = {{.year = 2026, .emissions = 790, .has_trajectory = true, .trajectory = 800},
                   {.year = 2027, .emissions = 785, .has_trajectory = true, .trajectory = 780},
                   {.year = 2028, .emissions = 770, .used = 150, .has_trajectory = true, .trajectory = 760},
                   {.year = 2029, .emissions = 730, .has_trajectory = true, .trajectory = 740},
                   {.year = 2030, .emissions = 700, .has_trajectory = true, .trajectory = 720}};
  assert_int_equal(a6_balance(&tr, yt, 5, &t, &err), L6_E_OK);
  assert_int_equal(yt[2].adjusted, 620);
  assert_int_equal(yt[2].trajectory - yt[2].adjusted, 140);
  assert_int_equal(t, 700);
  yt[3].has_trajectory = false;
  assert_int_equal(a6_balance(&tr, yt, 5, &t, &err), L6_E_INVALID_VALUE);
  /* Refused definitions. */
  a6_ndc bad = m;
  bad.method = A6_CA_AVERAGING;
  assert_int_equal(a6_ndc_check(&bad, &err), L6_E_INVALID_VALUE);
  bad = s;
  bad.target_year = 2031;
  assert_int_equal(a6_ndc_check(&bad, &err), L6_E_INVALID_VALUE);
  bad = s;
  bad.factor_micro = 0;
  assert_int_equal(a6_ndc_check(&bad, &err), L6_E_INVALID_VALUE);
  assert_int_equal(a6_balance(&s, ys, 4, &t, &err), L6_E_INVALID_VALUE);
}

static void test_core_whatif(void **state) {
  (void)state;
  /* Single-year 2028 NDC over 2026-2028, target 1000. Host first transfers
   * 300 in 2026 (in scope) and 60 in 2027 from outside its NDC's scope;
   * the 300 are used abroad in 2028. It acquires and uses 30 in 2028.
   *   at transfer, in scope only:  nets 300, 0, -30  -> same-year -30, average 270/3 = 90, cumulative 270
   *   at transfer, with outside:   nets 300, 60, -30 -> same-year -30, average 330/3 = 110, cumulative 330
   *   at use, in scope only:       nets 0, 0, 270    -> same-year 270, average 90, cumulative 270
   * Inventory: emissions 950 + net vs 1000; target: 950 vs 1000 - net. */
  a6_ndc n = {.first_year = 2026, .last_year = 2028, .kind = A6_NDC_SINGLE_YEAR, .method = A6_CA_AVERAGING,
              .target_year = 2028, .target = 1000, .factor_micro = A6_FACTOR_ONE};
  a6_whatif_year y[3] = {{.year = 2026, .emissions = 1100, .ft_at_transfer = 300},
                         {.year = 2027, .emissions = 1000, .oos_at_transfer = 60},
                         {.year = 2028, .emissions = 950, .ft_at_use = 300, .used = 30}};
  a6_whatif_row r[A6_WHATIF_MAX];
  size_t k = a6_whatif(&n, y, 3, r);
  assert_int_equal(k, 24);
  struct {
    a6_adjust adj;
    a6_timing t;
    a6_aggregation g;
    bool oos;
    int64_t net, em, target;
  } want[] = {
      {A6_ADJ_INVENTORY, A6_AT_TRANSFER, A6_AGG_SAME_YEAR, false, -30, 920, 1000},
      {A6_ADJ_INVENTORY, A6_AT_TRANSFER, A6_AGG_AVERAGE, false, 90, 1040, 1000},
      {A6_ADJ_INVENTORY, A6_AT_TRANSFER, A6_AGG_CUMULATIVE, false, 270, 1220, 1000},
      {A6_ADJ_INVENTORY, A6_AT_TRANSFER, A6_AGG_AVERAGE, true, 110, 1060, 1000},
      {A6_ADJ_INVENTORY, A6_AT_USE, A6_AGG_SAME_YEAR, false, 270, 1220, 1000},
      {A6_ADJ_TARGET, A6_AT_TRANSFER, A6_AGG_CUMULATIVE, true, 330, 950, 670},
  };
  for (size_t i = 0; i < COUNT(want); i++) {
    bool found = false;
    for (size_t j = 0; j < k; j++) {
      if (r[j].adjust != want[i].adj || r[j].timing != want[i].t || r[j].aggregation != want[i].g ||
          r[j].ca_outside_scope != want[i].oos)
        continue;
      found = true;
      assert_int_equal(r[j].net, want[i].net);
      assert_int_equal(r[j].emissions, want[i].em);
      assert_int_equal(r[j].target, want[i].target);
      assert_int_equal(r[j].gap, want[i].em - want[i].target);
    }
    assert_true(found);
  }
  /* Inventory and target adjustment always give the same gap. */
  for (size_t j = 0; j < 12; j++) assert_int_equal(r[j].gap, r[j + 12].gap);
  /* Multi-year: one aggregation (period), 8 rows; period emissions 3050 vs 3 x 1000. */
  n.kind = A6_NDC_MULTI_YEAR;
  n.method = A6_CA_PER_YEAR;
  k = a6_whatif(&n, y, 3, r);
  assert_int_equal(k, 8);
  assert_int_equal(r[0].aggregation, A6_AGG_PERIOD);
  assert_int_equal(r[0].net, 270);
  assert_int_equal(r[0].emissions, 3050 + 270);
  assert_int_equal(r[0].target, 3000);
}

static void test_core_corsia(void **state) {
  (void)state;
  a6_corsia_phase p = {.name = "first", .from_year = 2024, .to_year = 2026, .programmes = {"VCS", "A6.2"},
                       .nprogrammes = 2, .crediting_start_from = "2016-01-01", .vintage_from = 2021,
                       .vintage_to = 2026, .require_oimp = true, .require_ca = true};
  a6_corsia_unit ok = {.programme = "A6.2", .crediting_start = "2020-03-01", .vintage = 2025, .oimp_authorized = true,
                       .ca_applied = true};
  assert_int_equal(a6_corsia_check(&p, &ok), 0u);
  a6_corsia_unit bad = {.programme = "CDM", .crediting_start = "2012-06-01", .vintage = 2019};
  unsigned f = a6_corsia_check(&p, &bad);
  assert_int_equal(f, A6_CORSIA_PROGRAMME | A6_CORSIA_CREDITING_START | A6_CORSIA_VINTAGE | A6_CORSIA_AUTHORIZATION |
                          A6_CORSIA_CA);
  char buf[400];
  a6_corsia_explain(&p, &bad, f, buf, sizeof buf);
  assert_string_equal(buf, "programme CDM is not eligible in phase first; first crediting period started 2012-06-01, "
                           "before 2016-01-01; vintage 2019 is outside 2021-2026; no letter of authorization for OIMP; "
                           "no corresponding adjustment");
}

/* ====================================================================== */
/* the world                                                               */
/* ====================================================================== */

static int64_t now_ms;
static int64_t test_clock(void) { return now_ms; }
/* 1 June of year y, noon UTC. */
static void set_year(int y) {
  int64_t days = 0;
  for (int k = 1970; k < y; k++) days += (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
  days += 151 + ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 1 : 0);
  now_ms = days * 86400000 + 12 * 3600000;
}

static struct {
  l6_svc *s;
  l6_store *st;
  l6_actor admin, auditor, anon, dna_tha, dna_che, h_tha, h_che, h_jpn, airline;
  l6_id org_tha, org_che, org_jpn, org_air, org_dna_tha, org_dna_che;
  l6_id acc_tha, acc_che, acc_jpn, acc_usa, acc_air;
  l6_id auth; /* the THA -> CHE/JPN authorization of a6_flows */
} W;

static l6_id mk_org(const char *registry, const char *name) {
  l6_org o = {0};
  snprintf(o.registry, sizeof o.registry, "%s", registry);
  snprintf(o.name, sizeof o.name, "%s", name);
  TL_OK(svc_org_create(W.s, &W.admin, &o, &out_, &err_), "org");
  return o.id;
}

static l6_id mk_account(const char *registry, l6_id org) {
  l6_account a = {.org = org, .type = L6_ACCT_HOLDING};
  snprintf(a.registry, sizeof a.registry, "%s", registry);
  snprintf(a.name, sizeof a.name, "%s holding", registry);
  TL_OK(svc_account_create(W.s, &W.admin, &a, &out_, &err_), "account");
  return a.id;
}

static void mk_project(const char *id, const char *host, const char *programme, const char *start) {
  l6_project p = {0};
  snprintf(p.id, sizeof p.id, "%s", id);
  snprintf(p.programme, sizeof p.programme, "%s", programme);
  snprintf(p.host, sizeof p.host, "%s", host);
  snprintf(p.title, sizeof p.title, "Project %s", id);
  snprintf(p.methodology, sizeof p.methodology, "AMS-I.E.");
  snprintf(p.sector, sizeof p.sector, "energy");
  snprintf(p.kind, sizeof p.kind, "avoidance");
  snprintf(p.crediting_start, sizeof p.crediting_start, "%s", start);
  snprintf(p.crediting_end, sizeof p.crediting_end, "2035-12-31");
  snprintf(p.status, sizeof p.status, "registered");
  TL_OK(svc_project_create(W.s, &W.admin, &p, &out_, &err_), "project");
}

/* Issues qty units of project (unit type ut) in registry, vintage, and forwards them to account. */
static void issue(const char *registry, const char *project, const char *ut, int vintage, l6_qty qty, l6_id to) {
  l6_issue_req r = {.vintage = vintage, .quantity = qty, .forward_to = to};
  snprintf(r.registry, sizeof r.registry, "%s", registry);
  snprintf(r.project, sizeof r.project, "%s", project);
  snprintf(r.unit_type, sizeof r.unit_type, "%s", ut);
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_issue(W.s, &W.admin, &r, &rep, &err);
  if (e != L6_E_OK) fail_msg("issue: %s: %s", l6_err_code(e), err.message);
  json_decref(rep.body);
}

static l6_err move(const l6_actor *a, l6_tx_kind kind, l6_id from, l6_id to, const char *ut, l6_qty qty, l6_error *err) {
  l6_move_req *r = calloc(1, sizeof *r);
  r->kind = kind;
  r->from_account = from;
  r->to_account = to;
  r->quantity = qty;
  snprintf(r->unit_type, sizeof r->unit_type, "%s", ut);
  snprintf(r->beneficiary, sizeof r->beneficiary, "x");
  snprintf(r->purpose, sizeof r->purpose, "x");
  l6_reply rep;
  l6_err e = svc_move(W.s, a, r, &rep, err);
  json_decref(rep.body);
  free(r);
  return e;
}

static void world_open(void) {
  l6_error err = {0};
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  W.st = store_sqlite_open(":memory:", &err);
  assert_non_null(W.st);
  W.s = svc_open(W.st, 2, &err);
  if (W.s) svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(W.s);
  svc_set_clock(W.s, test_clock);
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) fail_msg("config: %s", err.message);
}

static int world_setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  set_year(2026);
  world_open();
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  W.auditor = tl_actor(L6_ROLE_AUDITOR, 0, "auditor");
  W.anon = tl_actor(L6_ROLE__NONE, 0, "");
  const char *parties[] = {"THA", "CHE", "JPN", "USA"};
  for (size_t i = 0; i < COUNT(parties); i++) {
    l6_party p = {0};
    snprintf(p.code, sizeof p.code, "%s", parties[i]);
    snprintf(p.name, sizeof p.name, "Party %s", parties[i]);
    TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
    l6_registry r = {0};
    snprintf(r.id, sizeof r.id, "%s01", parties[i]);
    snprintf(r.party, sizeof r.party, "%s", parties[i]);
    snprintf(r.name, sizeof r.name, "Registry of %s", parties[i]);
    TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  }
  W.org_tha = mk_org("THA01", "Bangkok cookstoves");
  W.org_che = mk_org("CHE01", "KliK Foundation");
  W.org_jpn = mk_org("JPN01", "Japanese buyer");
  W.org_air = mk_org("CHE01", "Alpine Air (aeroplane operator)");
  W.org_dna_tha = mk_org("THA01", "TGO (designated authority)");
  W.org_dna_che = mk_org("CHE01", "FOEN (designated authority)");
  W.dna_tha = tl_actor(L6_ROLE_AUTHORITY, W.org_dna_tha, "authority THA");
  W.dna_che = tl_actor(L6_ROLE_AUTHORITY, W.org_dna_che, "authority CHE");
  W.h_tha = tl_actor(L6_ROLE_HOLDER, W.org_tha, "holder THA");
  W.h_che = tl_actor(L6_ROLE_HOLDER, W.org_che, "holder CHE");
  W.h_jpn = tl_actor(L6_ROLE_HOLDER, W.org_jpn, "holder JPN");
  W.airline = tl_actor(L6_ROLE_HOLDER, W.org_air, "Alpine Air");
  W.acc_tha = mk_account("THA01", W.org_tha);
  W.acc_che = mk_account("CHE01", W.org_che);
  W.acc_jpn = mk_account("JPN01", W.org_jpn);
  W.acc_usa = mk_account("USA01", mk_org("USA01", "US buyer"));
  W.acc_air = mk_account("CHE01", W.org_air);
  mk_project("THA.COOK.01", "THA", "A6.2", "2021-01-01");
  mk_project("THA.OLD.01", "THA", "A6.2", "2012-06-01");
  return 0;
}

static int world_teardown(void **state) {
  (void)state;
  svc_close(W.s);
  memset(&W, 0, sizeof W);
  return 0;
}

/* ---- a full dump, for "nothing changed" ------------------------------- */

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
static int d_itmo(void *c, const void *row) {
  const l6_a6_itmo *r = row;
  tl_sb_add(c, " i%lld:%lld:%lld-%lld:%lld:%d:%s:%s:%d", (long long)r->id, (long long)r->batch, (long long)r->first,
         (long long)r->last, (long long)r->itmo_first, r->ft_year, r->fate, r->user, r->use_year);
  return 0;
}
static int d_action(void *c, const void *row) {
  const l6_a6_action *a = row;
  tl_sb_add(c, " a%lld:%s:%s:%lld:%lld:%d", (long long)a->id, a->type, a->party, (long long)a->quantity, (long long)a->ca,
         a->year);
  return 0;
}
static int d_auth(void *c, const void *row) {
  const l6_a6_auth *a = row;
  tl_sb_add(c, " z%lld:%lld:%d:%d", (long long)a->id, (long long)a->assigned, a->version, a->revoked);
  return 0;
}
static int d_year(void *c, const void *row) {
  const l6_a6_year *y = row;
  tl_sb_add(c, " y%s:%d:%lld", y->party, y->year, (long long)y->emissions);
  return 0;
}

static char *dump(void) {
  tl_sbuf b = {0};
  l6_error err;
  tl_sb_add(&b, "|");
  for (l6_id acc = 1; acc <= 40; acc++) W.st->ops->blocks_of_account(W.st, acc, 0, 100000, d_block, &b, &err);
  l6_tx_filter f = {.limit = 100000};
  assert_int_equal(W.st->ops->tx_list(W.st, &f, d_tx, &b, &err), L6_E_OK);
  assert_int_equal(W.st->ops->a6_itmo_list(W.st, 0, d_itmo, &b, &err), L6_E_OK);
  assert_int_equal(W.st->ops->a6_action_list(W.st, "", d_action, &b, &err), L6_E_OK);
  assert_int_equal(W.st->ops->a6_auth_list(W.st, "", d_auth, &b, &err), L6_E_OK);
  const char *parties[] = {"THA", "CHE", "JPN"};
  for (int i = 0; i < 3; i++) W.st->ops->a6_year_list(W.st, parties[i], d_year, &b, &err);
  return b.buf;
}

/* A refused call: its code and status, and the store unchanged. */
#define REFUSED(call, code, status)                                                                                  \
  do {                                                                                                               \
    char *before_ = dump();                                                                                          \
    l6_error err_ = {0};                                                                                             \
    json_t *out_ = NULL;                                                                                             \
    l6_err e_ = (call);                                                                                              \
    if (e_ != (code)) fail_msg("%s:%d: want %s, got %s: %s", __FILE__, __LINE__, l6_err_code(code), l6_err_code(e_), err_.message); \
    assert_int_equal(l6_err_status(e_), (status));                                                                   \
    assert_null(out_);                                                                                               \
    char *after_ = dump();                                                                                           \
    assert_string_equal(before_, after_);                                                                            \
    free(before_);                                                                                                   \
    free(after_);                                                                                                    \
  } while (0)

/* ---- building blocks --------------------------------------------------- */

static l6_id authorize(const l6_actor *a, const char *project, int approach, int v_from, int v_to, l6_qty q,
                       const char *purposes, const char *event, const char *parties, l6_err want) {
  l6_a6_auth x = {.approach = approach, .vintage_from = v_from, .vintage_to = v_to, .quantity = q, .year_from = 2021,
                  .year_to = 2030, .in_scope = true};
  snprintf(x.party, sizeof x.party, "THA");
  snprintf(x.project, sizeof x.project, "%s", project);
  snprintf(x.purposes, sizeof x.purposes, "%s", purposes);
  snprintf(x.ft_event, sizeof x.ft_event, "%s", event);
  snprintf(x.parties, sizeof x.parties, "%s", parties);
  snprintf(x.entities, sizeof x.entities, "Alpine Air");
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_a6_authorize(W.s, a, &x, &out, &err);
  if (e != want) fail_msg("authorize: want %s, got %s: %s", l6_err_code(want), l6_err_code(e), err.message);
  json_decref(out);
  return x.id;
}

static void ndc(const char *party, const char *kind, const char *method, int target_year, int64_t target,
                const int64_t em[5], const int64_t *traj) {
  l6_a6_ndc n = {.first_year = 2026, .last_year = 2030, .target_year = target_year, .target = target,
                 .factor_micro = A6_FACTOR_ONE};
  snprintf(n.party, sizeof n.party, "%s", party);
  snprintf(n.kind, sizeof n.kind, "%s", kind);
  snprintf(n.method, sizeof n.method, "%s", method);
  snprintf(n.metric, sizeof n.metric, "t CO2e");
  l6_a6_year y[5];
  for (int i = 0; i < 5; i++)
    y[i] = (l6_a6_year){.year = 2026 + i, .reported = true, .emissions = em[i], .has_trajectory = traj != NULL,
                        .trajectory = traj ? traj[i] : 0};
  TL_OK(svc_a6_ndc_put(W.s, &W.admin, &n, y, 5, &out_, &err_), "ndc");
}

static l6_a6_act_req act(a6_act_kind kind, l6_id account, const char *first, const char *last, const char *party,
                         int year) {
  l6_a6_act_req r = {.kind = kind, .account = account, .year = year};
  snprintf(r.first_id, sizeof r.first_id, "%s", first);
  snprintf(r.last_id, sizeof r.last_id, "%s", last);
  snprintf(r.party, sizeof r.party, "%s", party);
  return r;
}

static l6_err do_act(const l6_actor *a, const l6_a6_act_req *r, l6_error *err) {
  json_t *out = NULL;
  l6_err e = svc_a6_act(W.s, a, r, &out, err);
  json_decref(out);
  return e;
}

static json_t *get_json(l6_err (*fn)(l6_svc *, const l6_actor *, const char *, json_t **, l6_error *), const char *party) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = fn(W.s, &W.admin, party, &out, &err);
  if (e != L6_E_OK) fail_msg("%s: %s", l6_err_code(e), err.message);
  return out;
}

static int64_t year_field(json_t *bal, int year, const char *field) {
  json_t *ys = json_object_get(bal, "years");
  size_t i;
  json_t *y;
  json_array_foreach(ys, i, y) if (json_integer_value(json_object_get(y, "year")) == year) return json_integer_value(json_object_get(y, field));
  fail_msg("no year %d", year);
  return 0;
}

/* The a6_flows world: THA issues 1,000 ITMOs (vintage 2026) of its
 * cookstove project, authorizes them for NDC use by CHE and JPN; in 2026
 * 300 go to CHE, in 2027 203 go to JPN; CHE uses 100 toward 2027 and 200
 * toward 2028; JPN uses 150 toward 2028. */
static void main_flow(void) {
  issue("THA01", "THA.COOK.01", "ITMO", 2026, 1000, W.acc_tha);
  W.auth = authorize(&W.dna_tha, "THA.COOK.01", 1, 2026, 2030, 1000, "NDC", "use", "CHE,JPN", L6_E_OK);
  static const int64_t e_tha[5] = {1000, 1000, 1000, 950, 900}, e_che[5] = {500, 500, 500, 500, 500},
                       e_jpn[5] = {790, 785, 770, 730, 700}, t_jpn[5] = {800, 780, 760, 740, 720};
  ndc("THA", "single-year", "averaging", 2030, 1000, e_tha, NULL);
  ndc("CHE", "multi-year", "per-year", 2030, 450, e_che, NULL);
  ndc("JPN", "single-year", "trajectory", 2030, 720, e_jpn, t_jpn);
  set_year(2026);
  l6_error err = {0};
  assert_int_equal(move(&W.h_tha, L6_TX_TRANSFER, W.acc_tha, W.acc_che, "ITMO", 300, &err), L6_E_OK);
  set_year(2027);
  assert_int_equal(move(&W.h_tha, L6_TX_TRANSFER, W.acc_tha, W.acc_jpn, "ITMO", 203, &err), L6_E_OK);
  l6_a6_act_req u = act(A6_ACT_USE, W.acc_che, "CA0001-THA01-THA-000000001-2026", "CA0001-THA01-THA-000000100-2026", "CHE", 2027);
  assert_int_equal(do_act(&W.h_che, &u, &err), L6_E_OK);
  set_year(2028);
  u = act(A6_ACT_USE, W.acc_che, "CA0001-THA01-THA-000000101-2026", "CA0001-THA01-THA-000000300-2026", "CHE", 2028);
  assert_int_equal(do_act(&W.dna_che, &u, &err), L6_E_OK);
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000301-2026", "CA0001-THA01-THA-000000450-2026", "JPN", 2028);
  assert_int_equal(do_act(&W.h_jpn, &u, &err), L6_E_OK);
}

/* ====================================================================== */
/* a6_flows                                                                */
/* ====================================================================== */

static void test_flow_balances(void **state) {
  (void)state;
  main_flow();
  /* THA, single-year 2030 by averaging over 2026-2030:
   *   first transferred 300 (2026) + 203 (2027) = 503; 503 / 5 = 100.6 -> 101 per year
   *   2030: 900 + 101 = 1001 > target 1000: not met. */
  json_t *b = get_json(svc_a6_balances, "THA");
  assert_int_equal(year_field(b, 2026, "first_transferred"), 300);
  assert_int_equal(year_field(b, 2027, "first_transferred"), 203);
  for (int y = 2026; y <= 2030; y++) assert_int_equal(year_field(b, y, "corresponding_adjustment"), 101);
  assert_int_equal(year_field(b, 2029, "adjusted_emissions"), 950 + 101);
  assert_int_equal(json_integer_value(json_object_get(b, "target_year_adjusted_emissions")), 1001);
  assert_false(json_is_true(json_object_get(b, "target_met")));
  json_decref(b);
  /* CHE, multi-year per year: 2027: 500 - 100 = 400; 2028: 500 - 200 = 300; others 500. */
  b = get_json(svc_a6_balances, "CHE");
  assert_int_equal(year_field(b, 2026, "adjusted_emissions"), 500);
  assert_int_equal(year_field(b, 2027, "adjusted_emissions"), 400);
  assert_int_equal(year_field(b, 2028, "adjusted_emissions"), 300);
  assert_int_equal(year_field(b, 2028, "used"), 200);
  json_decref(b);
  /* JPN, trajectory: 2028: 770 - 150 = 620 against 760: headroom 140; 2027: 785 vs 780: -5. */
  b = get_json(svc_a6_balances, "JPN");
  assert_int_equal(year_field(b, 2028, "adjusted_emissions"), 620);
  assert_int_equal(year_field(b, 2028, "headroom"), 140);
  assert_int_equal(year_field(b, 2027, "headroom"), -5);
  json_decref(b);
}

static int64_t count_actions(json_t *aef, const char *type) {
  int64_t q = 0;
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(aef, "actions"), i, a)
    if (strcmp(json_string_value(json_object_get(a, "action")), type) == 0) q += json_integer_value(json_object_get(a, "quantity"));
  return q;
}

static void test_flow_aef_reconciles(void **state) {
  (void)state;
  main_flow();
  json_t *out = NULL;
  l6_error err = {0};
  /* THA: issued 1000, transferred 300 + 203 = 503: holds 497. */
  assert_int_equal(svc_a6_aef(W.s, &W.auditor, "THA", 2030, NULL, &out, &err), L6_E_OK);
  if (!json_is_true(json_object_get(json_object_get(out, "consistency"), "consistent")))
    fail_msg("THA inconsistent: %s", json_dumps(json_object_get(out, "consistency"), 0));
  assert_int_equal(count_actions(out, "Issuance"), 1000);
  assert_int_equal(count_actions(out, "First transfer"), 503);
  assert_int_equal(count_actions(out, "Transfer"), 503);
  json_t *h = json_array_get(json_object_get(out, "holdings"), 0);
  assert_int_equal(json_integer_value(json_object_get(h, "quantity")), 497);
  json_t *sub = json_object_get(out, "submission");
  assert_int_equal(json_integer_value(json_object_get(sub, "adjusted_emissions")), 1001);
  json_decref(out);
  /* CHE: acquired 300, used 300: holds nothing, and the report says so. */
  assert_int_equal(svc_a6_aef(W.s, &W.admin, "CHE", 2028, NULL, &out, &err), L6_E_OK);
  assert_true(json_is_true(json_object_get(json_object_get(out, "consistency"), "consistent")));
  assert_int_equal(count_actions(out, "Acquisition"), 300);
  assert_int_equal(count_actions(out, "Use"), 300);
  assert_int_equal(json_array_size(json_object_get(out, "holdings")), 0);
  json_decref(out);
  /* JPN: acquired 203, used 150: holds 53. */
  assert_int_equal(svc_a6_aef(W.s, &W.admin, "JPN", 2028, NULL, &out, &err), L6_E_OK);
  assert_true(json_is_true(json_object_get(json_object_get(out, "consistency"), "consistent")));
  h = json_array_get(json_object_get(out, "holdings"), 0);
  assert_int_equal(json_integer_value(json_object_get(h, "quantity")), 53);
  json_decref(out);
  /* An inconsistency is found and named: forge a use action nobody acquired for. */
  l6_a6_action forged = {.type = "Use", .party = "JPN", .auth = W.auth, .approach = 1, .registry = "THA01",
                         .itmo_first = 900, .itmo_last = 999, .first_id = "CA0001-THA01-THA-000000900-2026",
                         .last_id = "CA0001-THA01-THA-000000999-2026", .quantity = 100, .vintage = 2026, .year = 2028,
                         .ca = -100};
  assert_int_equal(W.st->ops->a6_action_put(W.st, &forged, &err), L6_E_OK);
  assert_int_equal(svc_a6_aef(W.s, &W.admin, "JPN", 2028, NULL, &out, &err), L6_E_OK);
  json_t *c = json_object_get(out, "consistency");
  assert_false(json_is_true(json_object_get(c, "consistent")));
  char *text = json_dumps(c, 0);
  assert_non_null(strstr(text, "holdings_mismatch"));
  assert_non_null(strstr(text, "used_not_acquired"));
  free(text);
  json_decref(out);
  /* The what-if reads the same books without changing them. */
  char *before = dump();
  json_t *w = get_json(svc_a6_whatif, "THA");
  assert_int_equal(json_array_size(json_object_get(w, "options")), 24);
  json_decref(w);
  char *after = dump();
  assert_string_equal(before, after);
  free(before);
  free(after);
}

static void test_flow_oimp_issuance_vs_use(void **state) {
  (void)state;
  static const int64_t e_tha[5] = {1000, 1000, 1000, 1000, 1000};
  ndc("THA", "multi-year", "per-year", 2030, 1000, e_tha, NULL);
  set_year(2026);
  /* CA0002: OIMP, first transfer at issuance. Authorized before issuance:
   * the 2026 issuance of 100 is first transferred when issued (THA +100 in 2026). */
  authorize(&W.dna_tha, "THA.COOK.01", 2, 2026, 2026, 100, "OIMP", "issuance", "", L6_E_OK);
  issue("THA01", "THA.COOK.01", "ITMO", 2026, 100, W.acc_tha);
  /* CA0003: OIMP, first transfer at use: 2027 vintage, 50 units, nothing yet. */
  authorize(&W.dna_tha, "THA.COOK.01", 3, 2027, 2027, 50, "OIMP", "use", "", L6_E_OK);
  issue("THA01", "THA.COOK.01", "ITMO", 2027, 50, W.acc_tha);
  json_t *b = get_json(svc_a6_balances, "THA");
  assert_int_equal(year_field(b, 2026, "first_transferred"), 100);
  assert_int_equal(year_field(b, 2026, "adjusted_emissions"), 1100);
  json_decref(b);
  /* 2028: the airline acquires the 50 and cancels them for CORSIA's second
   * phase (vintage 2027 is outside the first phase's 2021-2026): the
   * cancellation is their first transfer (THA +50 in 2028). */
  set_year(2028);
  l6_error err = {0};
  if (move(&W.h_tha, L6_TX_TRANSFER, W.acc_tha, W.acc_air, "ITMO", 150, &err) != L6_E_OK) fail_msg("move: %s", err.message);
  b = get_json(svc_a6_balances, "THA");
  assert_int_equal(year_field(b, 2028, "first_transferred"), 0); /* OIMP units: a transfer is no first transfer */
  json_decref(b);
  l6_a6_act_req c = act(A6_ACT_OIMP, W.acc_air, "CA0003-THA01-THA-000000001-2027", "CA0003-THA01-THA-000000050-2027", "", 0);
  snprintf(c.purpose, sizeof c.purpose, "CORSIA");
  snprintf(c.phase, sizeof c.phase, "second");
  snprintf(c.entity, sizeof c.entity, "Alpine Air");
  if (do_act(&W.airline, &c, &err) != L6_E_OK) fail_msg("corsia: %s: %s", l6_err_code(err.code), err.message);
  b = get_json(svc_a6_balances, "THA");
  /* 2028: 1000 + 50 = 1050; 2026 unchanged at 1100. */
  assert_int_equal(year_field(b, 2028, "first_transferred"), 50);
  assert_int_equal(year_field(b, 2028, "adjusted_emissions"), 1050);
  assert_int_equal(year_field(b, 2026, "adjusted_emissions"), 1100);
  json_decref(b);
  json_t *out = NULL;
  assert_int_equal(svc_a6_aef(W.s, &W.admin, "THA", 2028, NULL, &out, &err), L6_E_OK);
  assert_true(json_is_true(json_object_get(json_object_get(out, "consistency"), "consistent")));
  json_decref(out);
}

/* Noon UTC of y-m-d on the test clock. */
static void set_date(int y, int m, int d) {
  static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int64_t days = 0;
  for (int k = 1970; k < y; k++) days += (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
  days += before[m - 1] + (m > 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) + (d - 1);
  now_ms = days * 86400000 + 12 * 3600000;
}

static l6_err move_v(const l6_actor *a, l6_id from, l6_id to, int vintage, l6_qty qty, l6_error *err) {
  l6_move_req *r = calloc(1, sizeof *r);
  r->kind = L6_TX_TRANSFER;
  r->from_account = from;
  r->to_account = to;
  r->quantity = qty;
  r->vintage = vintage;
  snprintf(r->unit_type, sizeof r->unit_type, "ITMO");
  l6_reply rep;
  l6_err e = svc_move(W.s, a, r, &rep, err);
  json_decref(rep.body);
  free(r);
  return e;
}

/* The AEF of party for year with holdings at as_of (NULL: the default);
 * fails unless consistent == want_consistent. */
static json_t *aef_at(const char *party, int year, const char *as_of, bool want_consistent) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_a6_aef(W.s, &W.admin, party, year, as_of, &out, &err);
  if (e != L6_E_OK) fail_msg("aef %s %d %s: %s: %s", party, year, as_of ? as_of : "-", l6_err_code(e), err.message);
  json_t *c = json_object_get(out, "consistency");
  if (json_is_true(json_object_get(c, "consistent")) != want_consistent) {
    char *t = json_dumps(c, 0);
    fail_msg("aef %s %d %s: consistency %s", party, year, as_of ? as_of : "-", t);
  }
  return out;
}

/* The holdings table as "vintage:quantity ..." ("" when empty). */
static const char *holdings_str(json_t *aef, char *buf, size_t cap) {
  size_t i, len = 0;
  json_t *h;
  buf[0] = '\0';
  json_array_foreach(json_object_get(aef, "holdings"), i, h)
    len += (size_t)snprintf(buf + len, cap - len, "%s%lld:%lld", i ? " " : "",
                            (long long)json_integer_value(json_object_get(h, "vintage")),
                            (long long)json_integer_value(json_object_get(h, "quantity")));
  return buf;
}

#define HOLDINGS_AT(party, year, as_of, want_asof, want)                                                             \
  do {                                                                                                               \
    json_t *aef_ = aef_at((party), (year), (as_of), true);                                                           \
    char hb_[256];                                                                                                   \
    assert_string_equal(holdings_str(aef_, hb_, sizeof hb_), (want));                                                \
    assert_string_equal(json_string_value(json_object_get(json_object_get(aef_, "submission"), "holdings_as_of")),   \
                        (want_asof));                                                                                \
    json_decref(aef_);                                                                                               \
  } while (0)

/* Holdings at a date, from the actions dated up to its end (UTC):
 *   2026-03-10  THA issues 1,000 (vintage 2026) and authorizes them: Issuance THA +1,000 v2026
 *   2026-09-15  THA -> CHE 300 v2026: Transfer THA -300, Acquisition CHE +300 (first transfer)
 *   2027-02-01  THA issues 400 (vintage 2027), assigned to the letter: Issuance THA +400 v2027
 *   2027-05-20  CHE uses 100 toward 2027: Use CHE -100 v2026
 *   2027-08-01  THA -> JPN 150 v2027: Transfer THA -150, Acquisition JPN +150
 * so, at the end of
 *   2026-01-31 (before anything)  THA none;                     CHE none
 *   2026-09-14                    THA 1,000 v2026;               CHE none
 *   2026-09-15 (the transfer day) THA 1,000 - 300 = 700 v2026;   CHE 300 v2026
 *   2026-12-31 (between)          THA 700 v2026;                 CHE 300 v2026
 *   2027-09-01 (after, today)     THA 700 v2026, 400 - 150 = 250 v2027; CHE 300 - 100 = 200 v2026; JPN 150 v2027 */
static void test_flow_holdings_at_date(void **state) {
  (void)state;
  static const int64_t em[5] = {1000, 1000, 1000, 1000, 1000};
  ndc("THA", "multi-year", "per-year", 2030, 1000, em, NULL);
  ndc("CHE", "multi-year", "per-year", 2030, 1000, em, NULL);
  ndc("JPN", "multi-year", "per-year", 2030, 1000, em, NULL);
  l6_error err = {0};
  set_date(2026, 3, 10);
  issue("THA01", "THA.COOK.01", "ITMO", 2026, 1000, W.acc_tha);
  W.auth = authorize(&W.dna_tha, "THA.COOK.01", 1, 2026, 2030, 2000, "NDC", "use", "CHE,JPN", L6_E_OK);
  set_date(2026, 9, 15);
  if (move_v(&W.h_tha, W.acc_tha, W.acc_che, 2026, 300, &err) != L6_E_OK) fail_msg("move: %s", err.message);
  set_date(2027, 2, 1);
  issue("THA01", "THA.COOK.01", "ITMO", 2027, 400, W.acc_tha);
  set_date(2027, 5, 20);
  l6_a6_act_req u = act(A6_ACT_USE, W.acc_che, "CA0001-THA01-THA-000000001-2026", "CA0001-THA01-THA-000000100-2026", "CHE", 2027);
  if (do_act(&W.h_che, &u, &err) != L6_E_OK) fail_msg("use: %s", err.message);
  set_date(2027, 8, 1);
  if (move_v(&W.h_tha, W.acc_tha, W.acc_jpn, 2027, 150, &err) != L6_E_OK) fail_msg("move: %s", err.message);
  set_date(2027, 9, 1);

  /* Before, on the eve of and on the day of the first transfer, between, after. */
  HOLDINGS_AT("THA", 2026, "2026-01-31", "2026-01-31", "");
  HOLDINGS_AT("CHE", 2026, "2026-01-31", "2026-01-31", "");
  HOLDINGS_AT("THA", 2026, "2026-09-14", "2026-09-14", "2026:1000");
  HOLDINGS_AT("CHE", 2026, "2026-09-14", "2026-09-14", "");
  HOLDINGS_AT("THA", 2026, "2026-09-15", "2026-09-15", "2026:700");
  HOLDINGS_AT("CHE", 2026, "2026-09-15", "2026-09-15", "2026:300");
  HOLDINGS_AT("THA", 2026, "2026-12-31", "2026-12-31", "2026:700");
  HOLDINGS_AT("CHE", 2026, "2026-12-31", "2026-12-31", "2026:300");
  HOLDINGS_AT("JPN", 2026, "2026-12-31", "2026-12-31", "");
  HOLDINGS_AT("THA", 2027, "2027-09-01", "2027-09-01", "2026:700 2027:250");
  HOLDINGS_AT("CHE", 2027, "2027-09-01", "2027-09-01", "2026:200");
  HOLDINGS_AT("JPN", 2027, "2027-09-01", "2027-09-01", "2027:150");
  /* The default: 31 December of the year, or today while that is ahead. */
  HOLDINGS_AT("THA", 2026, NULL, "2026-12-31", "2026:700");
  HOLDINGS_AT("CHE", 2026, NULL, "2026-12-31", "2026:300");
  HOLDINGS_AT("THA", 2027, NULL, "2027-09-01", "2026:700 2027:250");
  HOLDINGS_AT("THA", 2030, NULL, "2027-09-01", "2026:700 2027:250");
  HOLDINGS_AT("THA", 2025, NULL, "2025-12-31", "");
  /* The table is the same as JSON and CSV. */
  json_t *aef = aef_at("THA", 2027, "2026-12-31", true);
  char *csv = svc_a6_aef_csv_table(aef, "holdings");
  assert_non_null(strstr(csv, "\r\n,,,,,,,,,GHG,,,700,,,2026\r\n"));
  free(csv);
  json_decref(aef);

  /* Refused: no calendar date, or a date after today; nothing written. */
  REFUSED(svc_a6_aef(W.s, &W.admin, "THA", 2026, "2026-02-30", &out_, &err_), L6_E_BAD_PARAM, 400);
  REFUSED(svc_a6_aef(W.s, &W.admin, "THA", 2026, "2026-1-31", &out_, &err_), L6_E_BAD_PARAM, 400);
  REFUSED(svc_a6_aef(W.s, &W.admin, "THA", 2026, "31/01/2026", &out_, &err_), L6_E_BAD_PARAM, 400);
  REFUSED(svc_a6_aef(W.s, &W.admin, "THA", 2027, "2027-09-02", &out_, &err_), L6_E_BAD_PARAM, 400);

  /* Out of order in time: a forged use by CHE on 2026-08-01 and the
   * acquisition that would cover it on 2026-08-02. All actions still add
   * up to the current holdings (+50 - 50), and at the end of 2026 CHE holds
   * 300 - 50 + 50 = 300; but at the end of 2026-08-31 its actions leave it
   * at -50 after the use: holdings_negative, and no holdings row. */
  l6_a6_action fu = {.type = "Use", .party = "CHE", .auth = W.auth, .approach = 1, .registry = "THA01",
                     .itmo_first = 901, .itmo_last = 950, .first_id = "CA0001-THA01-THA-000000901-2026",
                     .last_id = "CA0001-THA01-THA-000000950-2026", .quantity = 50, .vintage = 2026, .year = 2026,
                     .ts = "2026-08-01T12:00:00.000Z"};
  l6_a6_action fa = fu;
  snprintf(fa.type, sizeof fa.type, "Acquisition");
  fa.ca = 0;
  snprintf(fa.ts, sizeof fa.ts, "2026-08-02T12:00:00.000Z");
  assert_int_equal(W.st->ops->a6_action_put(W.st, &fu, &err), L6_E_OK);
  assert_int_equal(W.st->ops->a6_action_put(W.st, &fa, &err), L6_E_OK);
  HOLDINGS_AT("CHE", 2026, "2026-12-31", "2026-12-31", "2026:300");
  HOLDINGS_AT("CHE", 2027, NULL, "2027-09-01", "2026:200");
  aef = aef_at("CHE", 2026, "2026-08-31", false);
  char hb[64];
  assert_string_equal(holdings_str(aef, hb, sizeof hb), "");
  char *text = json_dumps(json_object_get(aef, "consistency"), 0);
  assert_non_null(strstr(text, "holdings_negative"));
  assert_non_null(strstr(text, "-50 ITMOs of vintage 2026"));
  assert_null(strstr(text, "holdings_mismatch"));
  free(text);
  json_decref(aef);
}

/* ====================================================================== */
/* a6_refusals                                                             */
/* ====================================================================== */

static void test_refusals(void **state) {
  (void)state;
  main_flow();
  l6_error err = {0};
  /* Only the host's authority authorizes: CHE's may not authorize THA units. */
  {
    l6_a6_auth x = {.approach = 9, .vintage_from = 2026, .vintage_to = 2026, .quantity = 1, .year_from = 2026,
                    .year_to = 2030, .party = "THA", .project = "THA.COOK.01", .purposes = "NDC", .ft_event = "use"};
    REFUSED(svc_a6_authorize(W.s, &W.dna_che, &x, &out_, &err_), L6_E_NOT_HOST_AUTHORITY, 403);
    REFUSED(svc_a6_authorize(W.s, &W.h_tha, &x, &out_, &err_), L6_E_FORBIDDEN, 403);
    REFUSED(svc_a6_authorize(W.s, &W.anon, &x, &out_, &err_), L6_E_UNAUTHORIZED, 401);
    snprintf(x.party, sizeof x.party, "CHE"); /* CHE does not host the project */
    REFUSED(svc_a6_authorize(W.s, &W.dna_che, &x, &out_, &err_), L6_E_NOT_HOST_AUTHORITY, 403);
    snprintf(x.party, sizeof x.party, "THA");
    snprintf(x.purposes, sizeof x.purposes, "NDC,XYZ");
    REFUSED(svc_a6_authorize(W.s, &W.dna_tha, &x, &out_, &err_), L6_E_INVALID_VALUE, 422);
  }
  /* A unit used twice. */
  l6_a6_act_req u = act(A6_ACT_USE, W.acc_che, "CA0001-THA01-THA-000000001-2026", "CA0001-THA01-THA-000000010-2026", "CHE", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_che, &u, &out_, &err_), L6_E_ALREADY_USED, 409);
  /* A unit first-transferred twice: the first 300 went to CHE in 2026. */
  l6_a6_act_req ft = act(A6_ACT_FIRST_TRANSFER, W.acc_jpn, "CA0001-THA01-THA-000000451-2026", "CA0001-THA01-THA-000000460-2026", "", 0);
  REFUSED(svc_a6_act(W.s, &W.dna_tha, &ft, &out_, &err_), L6_E_FORBIDDEN, 403); /* THA's authority, JPN's account */
  REFUSED(svc_a6_act(W.s, &W.admin, &ft, &out_, &err_), L6_E_ALREADY_FIRST_TRANSFERRED, 409);
  /* A unit used after cancellation: JPN cancels 10 (a plain cancellation), then tries to use them. */
  assert_int_equal(move(&W.h_jpn, L6_TX_CANCELLATION, W.acc_jpn, 0, "ITMO", 10, &err), L6_E_OK);
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000451-2026", "CA0001-THA01-THA-000000460-2026", "JPN", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_UNIT_CANCELLED, 409);
  /* Use by a Party other than the acquirer: JPN names units held in JPN but claims them for CHE. */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "CHE", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_NOT_ACQUIRER, 422);
  /* ... and the host using its own ITMOs toward its NDC. */
  u = act(A6_ACT_USE, W.acc_tha, "CA0001-THA01-THA-000000600-2026", "CA0001-THA01-THA-000000610-2026", "THA", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_tha, &u, &out_, &err_), L6_E_NOT_ACQUIRER, 422);
  /* Outside the authorization's timeframe (2021-2030). */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "JPN", 2031);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_OUTSIDE_TIMEFRAME, 422);
  /* Outside the NDC period (2026-2030) but inside the timeframe. */
  u.year = 2025;
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_YEAR_OUTSIDE_NDC, 422);
  /* Not held: JPN's account does not hold THA's remaining units. */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000600-2026", "JPN", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_SERIALS_NOT_HELD, 409);
  /* Unknown identifiers and a malformed one. */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000999-2026", "CA0001-THA01-THA-000001001-2026", "JPN", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_UNKNOWN_ITMO, 404);
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-461-2026", "CA0001-THA01-THA-000000470-2026", "JPN", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_INVALID_VALUE, 422);
  /* Another holder's account. */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "JPN", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_che, &u, &out_, &err_), L6_E_FORBIDDEN, 403);
  /* A first transfer to a Party the authorization does not name (USA). */
  REFUSED(move(&W.admin, L6_TX_TRANSFER, W.acc_tha, W.acc_usa, "ITMO", 5, &err_), L6_E_PARTY_NOT_AUTHORIZED, 422);
  /* A first transfer outside the timeframe (2031). */
  set_year(2031);
  REFUSED(move(&W.h_tha, L6_TX_TRANSFER, W.acc_tha, W.acc_che, "ITMO", 5, &err_), L6_E_OUTSIDE_TIMEFRAME, 422);
  set_year(2028);
  /* Purpose: NDC-only units cancelled for OIMP (CORSIA). */
  l6_a6_act_req c = act(A6_ACT_OIMP, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "", 0);
  snprintf(c.purpose, sizeof c.purpose, "CORSIA");
  snprintf(c.phase, sizeof c.phase, "first");
  snprintf(c.entity, sizeof c.entity, "Alpine Air");
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &c, &out_, &err_), L6_E_PURPOSE_NOT_AUTHORIZED, 422);
  snprintf(c.phase, sizeof c.phase, "third");
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &c, &out_, &err_), L6_E_UNKNOWN_CORSIA_PHASE, 404);
  snprintf(c.purpose, sizeof c.purpose, "fun");
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &c, &out_, &err_), L6_E_INVALID_VALUE, 422);
  /* Voluntary cancellation (mitigation contribution) of authorized units. */
  l6_a6_act_req v = {.kind = A6_ACT_VOLUNTARY, .account = W.acc_tha, .range = {.batch = 1, .first = 900, .last = 910}};
  REFUSED(svc_a6_act(W.s, &W.h_tha, &v, &out_, &err_), L6_E_UNIT_AUTHORIZED, 422);
  /* Use toward an NDC that is not recorded (USA). */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "USA", 2028);
  REFUSED(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), L6_E_UNKNOWN_NDC, 404);
  /* Revocation: units not yet first transferred stop being usable. */
  TL_OK(svc_a6_revoke(W.s, &W.dna_tha, W.auth, &out_, &err_), "revoke");
  REFUSED(svc_a6_revoke(W.s, &W.dna_tha, W.auth, &out_, &err_), L6_E_AUTHORIZATION_REVOKED, 409);
  REFUSED(svc_a6_revoke(W.s, &W.dna_che, W.auth, &out_, &err_), L6_E_NOT_HOST_AUTHORITY, 403);
  REFUSED(svc_a6_revoke(W.s, &W.admin, 999, &out_, &err_), L6_E_UNKNOWN_AUTHORIZATION, 404);
  ft = act(A6_ACT_FIRST_TRANSFER, W.acc_tha, "CA0001-THA01-THA-000000700-2026", "CA0001-THA01-THA-000000710-2026", "", 0);
  REFUSED(svc_a6_act(W.s, &W.dna_tha, &ft, &out_, &err_), L6_E_AUTHORIZATION_REVOKED, 409);
  /* ... while first-transferred ones stay usable (JPN uses 10 more). */
  u = act(A6_ACT_USE, W.acc_jpn, "CA0001-THA01-THA-000000461-2026", "CA0001-THA01-THA-000000470-2026", "JPN", 2028);
  TL_OK(svc_a6_act(W.s, &W.h_jpn, &u, &out_, &err_), "use after revocation");
  /* NDC definitions. */
  l6_a6_ndc n = {.party = "CHE", .first_year = 2026, .last_year = 2030, .kind = "multi-year", .method = "averaging",
                 .target_year = 2030, .target = 1, .metric = "t CO2e", .factor_micro = A6_FACTOR_ONE};
  REFUSED(svc_a6_ndc_put(W.s, &W.admin, &n, NULL, 0, &out_, &err_), L6_E_INVALID_VALUE, 422);
  snprintf(n.method, sizeof n.method, "per-year");
  REFUSED(svc_a6_ndc_put(W.s, &W.dna_tha, &n, NULL, 0, &out_, &err_), L6_E_FORBIDDEN, 403);
  l6_a6_year y = {.year = 2035, .reported = true, .emissions = 1};
  REFUSED(svc_a6_ndc_put(W.s, &W.dna_che, &n, &y, 1, &out_, &err_), L6_E_YEAR_OUTSIDE_NDC, 422);
  /* Balances need a reader role; the AEF is public (docs/API.md); both a recorded NDC. */
  REFUSED(svc_a6_balances(W.s, &W.h_che, "CHE", &out_, &err_), L6_E_FORBIDDEN, 403);
  REFUSED(svc_a6_balances(W.s, &W.anon, "CHE", &out_, &err_), L6_E_UNAUTHORIZED, 401);
  {
    json_t *pub = NULL;
    l6_error perr = {0};
    assert_int_equal(svc_a6_aef(W.s, &W.anon, "CHE", 2028, NULL, &pub, &perr), L6_E_OK);
    json_decref(pub);
  }
  REFUSED(svc_a6_aef(W.s, &W.admin, "USA", 2028, NULL, &out_, &err_), L6_E_UNKNOWN_NDC, 404);
}

static void test_corsia_refusals(void **state) {
  (void)state;
  /* OIMP units of a project whose crediting started in 2012, vintage 2020:
   * the first phase refuses them and names both failed conditions. */
  issue("THA01", "THA.OLD.01", "ITMO", 2020, 20, W.acc_tha);
  authorize(&W.admin, "THA.OLD.01", 4, 2020, 2020, 20, "OIMP", "use", "", L6_E_OK);
  l6_error err = {0};
  assert_int_equal(move(&W.h_tha, L6_TX_TRANSFER, W.acc_tha, W.acc_air, "ITMO", 20, &err), L6_E_OK);
  l6_a6_act_req c = act(A6_ACT_OIMP, W.acc_air, "CA0004-THA01-THA-000000001-2020", "CA0004-THA01-THA-000000020-2020", "", 0);
  snprintf(c.purpose, sizeof c.purpose, "CORSIA");
  snprintf(c.phase, sizeof c.phase, "first");
  snprintf(c.entity, sizeof c.entity, "Alpine Air");
  char *before = dump();
  json_t *out = NULL;
  assert_int_equal(svc_a6_act(W.s, &W.airline, &c, &out, &err), L6_E_CORSIA_NOT_ELIGIBLE);
  assert_int_equal(l6_err_status(L6_E_CORSIA_NOT_ELIGIBLE), 422);
  assert_non_null(strstr(err.message, "first crediting period started 2012-06-01, before 2016-01-01"));
  assert_non_null(strstr(err.message, "vintage 2020 is outside 2021-2026"));
  char *after = dump();
  assert_string_equal(before, after);
  free(before);
  free(after);
  /* The entity must be the authorized one. */
  snprintf(c.entity, sizeof c.entity, "Other Air");
  snprintf(c.purpose, sizeof c.purpose, "voluntary");
  REFUSED(svc_a6_act(W.s, &W.airline, &c, &out_, &err_), L6_E_PARTY_NOT_AUTHORIZED, 422);
  /* A voluntary claim by the named entity is not CORSIA: no phase check. */
  snprintf(c.entity, sizeof c.entity, "Alpine Air");
  TL_OK(svc_a6_act(W.s, &W.airline, &c, &out_, &err_), "voluntary OIMP cancellation");
  /* Authorized quantity: at most what is left (0 here): nothing is assigned. */
  issue("THA01", "THA.OLD.01", "ITMO", 2020, 5, W.acc_tha);
  json_t *items = NULL;
  assert_int_equal(svc_a6_itmo_list(W.s, &W.admin, 0, &items, &err), L6_E_OK);
  l6_qty total = 0;
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(items, "items"), i, it) total += json_integer_value(json_object_get(it, "quantity"));
  assert_int_equal(total, 20);
  json_decref(items);
  /* Mitigation contribution: unauthorized units cancel without a CA. */
  l6_a6_act_req v = {.kind = A6_ACT_VOLUNTARY, .account = W.acc_tha, .range = {.batch = 2, .first = 1, .last = 5}};
  TL_OK(svc_a6_act(W.s, &W.h_tha, &v, &out_, &err_), "voluntary cancellation");
}

/* The demo registry's Thailand-Switzerland flow: `ledger6 report aef`
 * exits 0 (consistent: the actions table reconciles exactly with the
 * holdings) for both Parties, and its figures are the demo's. */
static void test_demo_aef(void **state) {
  (void)state;
  const char *bin = getenv("L6_BIN");
  if (bin == NULL) skip();
  static char *dir; /* static: a failed assertion leaves it for the next run's cleanup, not as a leak */
  dir = tl_tmpdir_make("a6demo");
  assert_non_null(dir);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cd %s/.. 2>/dev/null; '%s' demo --db '%s/d.db' --config '%s/config' >/dev/null", dir, bin, dir,
           getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  assert_int_equal(system(cmd), 0);
  const char *parties[] = {"THA", "CHE"};
  for (int i = 0; i < 2; i++) {
    snprintf(cmd, sizeof cmd, "'%s' report aef --party %s --year 2030 --db '%s/d.db' --config '%s/config' > '%s/%s.json'",
             bin, parties[i], dir, getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".", dir, parties[i]);
    assert_int_equal(system(cmd), 0); /* exit 0: consistent */
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.json", dir, parties[i]);
    json_error_t je;
    json_t *aef = json_load_file(path, 0, &je);
    assert_non_null(aef);
    assert_true(json_is_true(json_object_get(json_object_get(aef, "consistency"), "consistent")));
    /* THA: issued 2,000, first transferred and transferred 2,000: holds none of them.
     * CHE: acquired 2,000, used 1,200, cancelled 300 (CORSIA): holds 500. */
    if (i == 0) {
      assert_int_equal(count_actions(aef, "First transfer"), 2000);
      assert_int_equal(json_array_size(json_object_get(aef, "holdings")), 0);
    } else {
      assert_int_equal(count_actions(aef, "Acquisition"), 2000);
      assert_int_equal(count_actions(aef, "Use"), 1200);
      assert_int_equal(count_actions(aef, "Cancellation"), 300);
      json_t *h = json_array_get(json_object_get(aef, "holdings"), 0);
      assert_int_equal(json_integer_value(json_object_get(h, "quantity")), 500);
    }
    json_decref(aef);
  }
  tl_tmpdir_remove(dir);
}

int main(void) {
  const struct CMUnitTest core[] = {cmocka_unit_test(test_core_itmo_id), cmocka_unit_test(test_core_purposes_metric),
                                    cmocka_unit_test(test_core_methods), cmocka_unit_test(test_core_whatif),
                                    cmocka_unit_test(test_core_corsia)};
  const struct CMUnitTest flows[] = {
      cmocka_unit_test_setup_teardown(test_flow_balances, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_flow_aef_reconciles, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_flow_oimp_issuance_vs_use, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_flow_holdings_at_date, world_setup, world_teardown),
      cmocka_unit_test(test_demo_aef)};
  const struct CMUnitTest refusals[] = {
      cmocka_unit_test_setup_teardown(test_refusals, world_setup, world_teardown),
      cmocka_unit_test_setup_teardown(test_corsia_refusals, world_setup, world_teardown)};
  int failed = cmocka_run_group_tests_name("a6_core", core, NULL, NULL);
  failed += cmocka_run_group_tests_name("a6_flows", flows, NULL, NULL);
  failed += cmocka_run_group_tests_name("a6_refusals", refusals, NULL, NULL);
  return failed;
}
