/*
 * test_ets.c -- emissions trading compliance.
 *
 * Groups:
 *   ets_core   the pure engine (src/core/ets.c) on the shipped jurisdiction
 *              files (config/jurisdictions): for each of the nine Chinese
 *              jurisdictions a surrender just inside every limit is
 *              accepted, one tonne over is refused naming the rule, and
 *              each eligibility condition has a refusing case; EU phases
 *              3 and 4, Korea's KCU conversion; rounding of percentages;
 *              the largest eligible offset quantity.
 *   ets_load   strict loading: every malformed rule refused with file, key
 *              and reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ets.h"
#include "service/ets_rules.h"
#include "testlib.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static ets_set *g_set;

static int load_shipped(void **state) {
  (void)state;
  const char *src = getenv("L6_SRCDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/config", src ? src : ".");
  l6_error err;
  if (ets_rules_load_dir(dir, &g_set, &err) != L6_E_OK) {
    fprintf(stderr, "load: %s\n", err.message);
    return -1;
  }
  return g_set->n == 14 ? 0 : -1;
}
static int free_shipped(void **state) {
  (void)state;
  ets_set_free(g_set);
  g_set = NULL;
  return 0;
}

static const ets_ruleset *rs(const char *code) {
  const ets_ruleset *r = ets_set_find(g_set, code);
  if (!r) fail_msg("no jurisdiction %s", code);
  return r;
}

/* An offer with every attribute set to an eligible-looking default;
 * "key=value,key=value" overrides (gases use '+' for ','). */
static ets_offer mk(const char *unit, l6_qty q, const char *over) {
  ets_offer o;
  memset(&o, 0, sizeof o);
  o.qty = q;
  snprintf(o.a[ETS_ATTR_UNIT_TYPE], sizeof o.a[0], "%s", unit);
  snprintf(o.a[ETS_ATTR_PROJECT], sizeof o.a[0], "P1");
  snprintf(o.a[ETS_ATTR_PROJECT_TYPE], sizeof o.a[0], "wind");
  snprintf(o.a[ETS_ATTR_GASES], sizeof o.a[0], "CO2");
  snprintf(o.a[ETS_ATTR_COVERED_ENTITY], sizeof o.a[0], "false");
  snprintf(o.a[ETS_ATTR_REGISTERED], sizeof o.a[0], "2018-01-01");
  snprintf(o.a[ETS_ATTR_CREDIT_START], sizeof o.a[0], "2014-01-01");
  snprintf(o.a[ETS_ATTR_CREDIT_END], sizeof o.a[0], "2023-12-31");
  snprintf(o.a[ETS_ATTR_PROJECT_START], sizeof o.a[0], "2014-06-01");
  snprintf(o.a[ETS_ATTR_PRODUCTION_START], sizeof o.a[0], "2014-06-01");
  snprintf(o.a[ETS_ATTR_PRODUCTION_END], sizeof o.a[0], "2014-12-31");
  snprintf(o.a[ETS_ATTR_VINTAGE], sizeof o.a[0], "2014");
  char buf[256];
  snprintf(buf, sizeof buf, "%s", over ? over : "");
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    char *eq = strchr(tok, '=');
    assert_non_null(eq);
    *eq = 0;
    ets_attr a = ets_attr_from_str(tok);
    assert_int_not_equal(a, ETS_ATTR__NONE);
    snprintf(o.a[a], sizeof o.a[0], "%s", eq + 1);
    for (char *p = o.a[a]; *p; p++)
      if (*p == '+') *p = ',';
  }
  return o;
}

static ets_figures fig(int year, l6_qty em, l6_qty obl, l6_qty alloc) {
  ets_figures f = {.year = year, .emissions = em, .obligation = obl, .allocated = alloc};
  return f;
}

/* Evaluates and checks that exactly the rules named in `broken`
 * ("A,B", "" for none) are broken, in that order. */
static ets_result *run(const char *code, ets_figures f, const ets_offer *o, size_t n, const char *broken) {
  static ets_result r;
  bool ok = ets_evaluate(rs(code), &f, o, n, &r);
  char got[512] = "";
  for (size_t i = 0; i < r.nbreaks; i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", r.breaks[i].id);
  if (strcmp(got, broken) != 0) fail_msg("%s: broken [%s], expected [%s]", code, got, broken);
  assert_int_equal(ok, *broken == 0);
  return &r;
}

static const ets_break *brk(const ets_result *r, const char *id) {
  for (size_t i = 0; i < r->nbreaks; i++)
    if (strcmp(r->breaks[i].id, id) == 0) return &r->breaks[i];
  fail_msg("rule %s not broken", id);
  return NULL;
}

/* ---- arithmetic --------------------------------------------------------- */

static void test_percent_rounding(void **state) {
  (void)state;
  assert_int_equal(ets_percent_of(1001, 5, false), 50); /* floor(50.05) */
  assert_int_equal(ets_percent_of(1001, 5, true), 51);
  assert_int_equal(ets_percent_of(1000, 5, false), 50);
  assert_int_equal(ets_percent_of(1000, 5, true), 50);
  assert_int_equal(ets_percent_of(0, 100, false), 0);
  assert_int_equal(ets_percent_of(L6_MAX_QUANTITY * 1000, 100, false), L6_MAX_QUANTITY * 1000);
  ets_unit u = {"KOC", 3, 2};
  assert_int_equal(ets_convert(&u, 5), 7); /* floor(7.5) */
  ets_unit one = {"KOC", 1, 1};
  assert_int_equal(ets_convert(&one, 123456789), 123456789);
  tl_rng g;
  tl_rng_init(&g, 51);
  for (int i = 0; i < 5000; i++) {
    int64_t b = tl_rng_range(&g, 0, 1000000000000LL);
    int p = (int)tl_rng_range(&g, 0, 100);
    int64_t fl = ets_percent_of(b, p, false), ce = ets_percent_of(b, p, true);
    assert_true(fl * 100 <= b * p && (fl + 1) * 100 > b * p);
    assert_true(ce * 100 >= b * p && (ce - 1) * 100 < b * p);
  }
}

/* ---- the nine Chinese jurisdictions ------------------------------------ */

static void test_cn_national(void **state) {
  (void)state;
  /* obligation 1,001 t: 5% = floor(50.05) = 50 */
  ets_figures f = fig(2024, 1001, 1001, 900);
  ets_offer o[2] = {mk("CEA", 951, NULL), mk("CCER", 50, NULL)};
  ets_result *r = run("CN", f, o, 2, "");
  assert_int_equal(r->max_offsets, 50);
  assert_int_equal(r->allowances, 951);
  assert_int_equal(r->offsets, 50);
  o[0].qty = 950;
  o[1].qty = 51;
  r = run("CN", f, o, 2, "CN.1");
  assert_int_equal(brk(r, "CN.1")->figure, 51);
  assert_int_equal(brk(r, "CN.1")->limit, 50);
  /* a covered entity's project */
  o[1] = mk("CCER", 50, "covered_entity=true");
  r = run("CN", f, o, 2, "CN.2");
  assert_int_equal(brk(r, "CN.2")->figure, 50);
  assert_int_equal(brk(r, "CN.2")->offer, 1);
  assert_int_equal(r->eligible_offered, 0);
  /* pre-14 Mar 2017 CCER: fine for 2024, refused from 2025 */
  o[1] = mk("CCER", 50, "registered=2017-03-13");
  run("CN", f, o, 2, "");
  f.year = 2025;
  run("CN", f, o, 2, "CN.3");
  o[1] = mk("CCER", 50, "registered=2017-03-14");
  run("CN", f, o, 2, "");
  /* not a unit the scheme takes; more than the obligation */
  o[1] = mk("PHCER", 50, NULL);
  r = run("CN", f, o, 2, "eligible_unit");
  assert_int_equal(brk(r, "eligible_unit")->offer, 1);
  o[1] = mk("CCER", 50, NULL);
  o[0].qty = 952;
  r = run("CN", f, o, 2, "over_obligation");
  assert_int_equal(brk(r, "over_obligation")->figure, 1002);
  assert_int_equal(brk(r, "over_obligation")->limit, 1001);
}

static void test_cn_guangdong(void **state) {
  (void)state;
  ets_figures f = fig(2023, 2000, 2000, 1500); /* 10% of emissions: 200 */
  /* 140 of 200 CCER from Guangdong: exactly 70% */
  ets_offer o[4] = {mk("GDEA", 1800, NULL), mk("CCER", 140, "province=CN-GD"), mk("CCER", 60, "province=CN-SC"),
                    mk("PHCER", 0, NULL)};
  ets_result *r = run("CN-GD", f, o, 3, "");
  assert_int_equal(r->max_offsets, 200);
  /* CCER + PHCER one tonne over */
  o[3].qty = 1;
  o[0].qty = 1799;
  r = run("CN-GD", f, o, 4, "GD.1");
  assert_int_equal(brk(r, "GD.1")->figure, 201);
  assert_int_equal(brk(r, "GD.1")->limit, 200);
  /* 139 of 200 from Guangdong: under 70% */
  o[1].qty = 139;
  o[2].qty = 61;
  r = run("CN-GD", f, o, 3, "GD.2");
  assert_int_equal(brk(r, "GD.2")->figure, 139);
  assert_int_equal(brk(r, "GD.2")->limit, 140);
  /* PHCER do not count toward the CCER share */
  ets_offer p[3] = {mk("GDEA", 1800, NULL), mk("CCER", 7, "province=CN-GD"), mk("PHCER", 193, "province=CN-SC")};
  run("CN-GD", f, p, 3, "");
}

static void test_cn_shenzhen(void **state) {
  (void)state;
  /* shortfall 1000 - 800 = 200; 20% = 40 */
  ets_figures f = fig(2023, 1000, 1000, 800);
  ets_offer o[3] = {mk("SZEA", 960, NULL), mk("CCER", 30, NULL), mk("SZPHCER", 10, NULL)};
  ets_result *r = run("CN-SZ", f, o, 3, "");
  assert_int_equal(r->shortfall_base, 200);
  assert_int_equal(r->max_offsets, 40);
  o[0].qty = 959;
  o[2].qty = 11;
  r = run("CN-SZ", f, o, 3, "SZ.1");
  assert_int_equal(brk(r, "SZ.1")->limit, 40);
  /* no shortfall: no offsets */
  f = fig(2023, 1000, 1000, 1200);
  ets_offer q[2] = {mk("SZEA", 999, NULL), mk("CCER", 1, NULL)};
  r = run("CN-SZ", f, q, 2, "SZ.1");
  assert_int_equal(r->max_offsets, 0);
  /* other certified reductions the Shenzhen authority approved (SZOCER) count
   * within the same 20% */
  f = fig(2023, 1000, 1000, 800);
  ets_offer a[4] = {mk("SZEA", 960, NULL), mk("CCER", 20, NULL), mk("SZPHCER", 10, NULL), mk("SZOCER", 10, NULL)};
  run("CN-SZ", f, a, 4, "");
  a[3].qty = 11;
  a[0].qty = 959;
  run("CN-SZ", f, a, 4, "SZ.1");
  /* credits Shenzhen has not approved (Guangdong's PHCER) */
  f = fig(2023, 1000, 1000, 800);
  ets_offer g[2] = {mk("SZEA", 990, NULL), mk("PHCER", 10, NULL)};
  r = run("CN-SZ", f, g, 2, "eligible_unit");
  assert_int_equal(brk(r, "eligible_unit")->figure, 10);
}

static void test_cn_beijing(void **state) {
  (void)state;
  ets_figures f = fig(2023, 5000, 5000, 4019); /* 5% of 4019 = floor(200.95) = 200 */
  ets_offer o[3] = {mk("BEA", 4800, NULL), mk("CCER", 150, NULL), mk("BJPHCER", 50, NULL)};
  ets_result *r = run("CN-BJ", f, o, 3, "");
  assert_int_equal(r->max_offsets, 200);
  o[2].qty = 51;
  o[0].qty = 4799;
  r = run("CN-BJ", f, o, 3, "BJ.1");
  assert_int_equal(brk(r, "BJ.1")->figure, 201);
  o[2] = mk("SHEA", 51, NULL);
  run("CN-BJ", f, o, 3, "eligible_unit");
}

static void test_cn_shanghai(void **state) {
  (void)state;
  ets_figures f = fig(2023, 3000, 3000, 2800); /* 5% = 150 */
  ets_offer o[2] = {mk("SHEA", 2850, NULL), mk("CCER", 150, "production_start=2013-01-01,production_end=2013-12-31")};
  run("CN-SH", f, o, 2, "");
  o[0].qty = 2849;
  o[1].qty = 151;
  run("CN-SH", f, o, 2, "SH.1");
  /* hydro CCER */
  o[0].qty = 2850;
  o[1] = mk("CCER", 150, "project_type=hydro");
  ets_result *r = run("CN-SH", f, o, 2, "SH.2");
  assert_int_equal(brk(r, "SH.2")->figure, 150);
  assert_int_equal(brk(r, "SH.2")->limit, 0);
  /* reductions of 2012 */
  o[1] = mk("CCER", 150, "production_start=2012-01-01,production_end=2012-12-31");
  run("CN-SH", f, o, 2, "SH.3");
  /* a batch produced partly before 2013 is not "produced from 2013" */
  o[1] = mk("CCER", 150, "production_start=2012-07-01,production_end=2013-06-30");
  run("CN-SH", f, o, 2, "SH.3");
  /* "CCERs 均应产生于2013年1月1日后" is about the reductions: 2014 reductions
   * of a project running since 2012 are eligible (the old file tested the
   * project's start and refused them) */
  o[1] = mk("CCER", 150, "project_start=2012-03-01,production_start=2014-01-01,production_end=2014-12-31");
  run("CN-SH", f, o, 2, "");
  /* both, and one tonne over: every broken rule listed */
  o[1] = mk("CCER", 151, "project_type=hydro,production_start=2012-01-01,production_end=2012-12-31");
  o[0].qty = 2849;
  run("CN-SH", f, o, 2, "SH.1,SH.2,SH.3");
  /* Shanghai inclusive reductions (上海市碳普惠减排量) count within the same
   * 5%; the hydro and 2013 conditions are the CCERs' only */
  ets_offer p[3] = {mk("SHEA", 2850, NULL), mk("CCER", 100, NULL),
                    mk("SHPHCER", 50, "project_type=hydro,production_start=2012-01-01,production_end=2012-12-31")};
  r = run("CN-SH", f, p, 3, "");
  assert_int_equal(r->max_offsets, 150);
  p[0].qty = 2849;
  p[2].qty = 51;
  r = run("CN-SH", f, p, 3, "SH.1");
  assert_int_equal(brk(r, "SH.1")->figure, 151);
}

static void test_cn_tianjin(void **state) {
  (void)state;
  ets_figures f = fig(2023, 1000, 1000, 900); /* 10% = 100 */
  ets_offer o[4] = {mk("TJEA", 900, NULL), mk("CCER", 20, "province=CN-BJ"), mk("CCER", 30, "province=CN-HE"),
                    mk("CCER", 50, "province=CN-GD")};
  run("CN-TJ", f, o, 4, "");
  /* one tonne over, from Beijing: 51 of 101 from the region still >= ceil(50.5) */
  o[1].qty = 21;
  o[0].qty = 899;
  run("CN-TJ", f, o, 4, "TJ.1");
  /* the same tonne from Guangdong breaks the share too */
  o[1].qty = 20;
  o[3].qty = 51;
  run("CN-TJ", f, o, 4, "TJ.1,TJ.2");
  o[3].qty = 50;
  o[2].qty = 29;
  o[0].qty = 901;
  ets_result *r = run("CN-TJ", f, o, 4, "TJ.2");
  assert_int_equal(brk(r, "TJ.2")->figure, 49);
  assert_int_equal(brk(r, "TJ.2")->limit, 50); /* ceil(99 * 50%) */
}

static void test_cn_hubei(void **state) {
  (void)state;
  ets_figures f = fig(2023, 1500, 1500, 1200); /* 10% of allocated = 120 */
  const char *ok = "province=CN-HB,reg_province=CN-HB,project_type=rural_biogas,production_start=2015-01-01,"
                   "production_end=2015-12-31";
  ets_offer o[3] = {mk("HBEA", 1300, NULL), mk("CCER", 100, ok),
                    mk("CCER", 20, "province=CN-HB,reg_province=CN-HB,project_type=forestry,production_start=2013-01-01,"
                                   "production_end=2013-12-31")};
  ets_result *r = run("CN-HB", f, o, 3, "");
  assert_int_equal(r->max_offsets, 120);
  o[2].qty = 21;
  o[0].qty = 1299;
  run("CN-HB", f, o, 3, "HB.1");
  o[2].qty = 20;
  o[0].qty = 1300;
  /* CCER from another province */
  o[1] = mk("CCER", 100, "province=CN-GD,reg_province=CN-HB,project_type=rural_biogas");
  r = run("CN-HB", f, o, 3, "HB.2");
  assert_int_equal(brk(r, "HB.2")->figure, 100);
  assert_int_equal(r->eligible_offered, 20);
  /* registered elsewhere */
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-BJ,project_type=rural_biogas");
  run("CN-HB", f, o, 3, "HB.3");
  /* a wind project; biogas that is not rural biogas ("农村沼气") */
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=wind");
  run("CN-HB", f, o, 3, "HB.4");
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=biogas");
  run("CN-HB", f, o, 3, "HB.4");
  /* reductions outside 2013-2015 on both sides, whatever the project's start:
   * 2016 reductions of a project started in 2013 are refused */
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=rural_biogas,project_start=2013-01-01,"
                         "production_start=2016-01-01,production_end=2016-12-31");
  run("CN-HB", f, o, 3, "HB.5");
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=rural_biogas,production_start=2012-01-01,"
                         "production_end=2012-12-31");
  run("CN-HB", f, o, 3, "HB.5");
  /* a batch straddling the end of 2015 */
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=rural_biogas,production_start=2015-07-01,"
                         "production_end=2016-06-30");
  run("CN-HB", f, o, 3, "HB.5");
  /* unknown production period: cannot be shown inside */
  o[1] = mk("CCER", 100, "province=CN-HB,reg_province=CN-HB,project_type=rural_biogas");
  o[1].a[ETS_ATTR_PRODUCTION_START][0] = o[1].a[ETS_ATTR_PRODUCTION_END][0] = 0;
  run("CN-HB", f, o, 3, "HB.5");
}

static void test_cn_chongqing(void **state) {
  (void)state;
  ets_figures f = fig(2023, 1250, 1250, 1000); /* 8% of 1250 = 100 */
  /* 80 from Chongqing (80%), 10 from Chengdu (circle 90%), 10 elsewhere */
  ets_offer o[4] = {mk("CQEA", 1150, NULL), mk("CCER", 80, "province=CN-CQ,city=CN-CQ-YUZHONG"),
                    mk("CCER", 10, "province=CN-SC,city=CN-SC-CHENGDU"), mk("CCER", 10, "province=CN-GD,city=CN-GD-SZ")};
  ets_result *r = run("CN-CQ", f, o, 4, "");
  assert_int_equal(r->max_offsets, 100);
  /* one tonne over, from the city (81 of 101 >= ceil(80.8), 91 >= ceil(90.9)) */
  o[1].qty = 81;
  o[0].qty = 1149;
  run("CN-CQ", f, o, 4, "CQ.1");
  /* the same tonne from elsewhere also breaks both shares */
  o[1].qty = 80;
  o[3].qty = 11;
  run("CN-CQ", f, o, 4, "CQ.1,CQ.2,CQ.3");
  /* 85% from the circle (80 + 5 of 100) */
  o[0].qty = 1150;
  o[2].qty = 5;
  o[3].qty = 15;
  r = run("CN-CQ", f, o, 4, "CQ.2");
  assert_int_equal(brk(r, "CQ.2")->figure, 85);
  assert_int_equal(brk(r, "CQ.2")->limit, 90);
  /* 79% from the city, 90% from the circle */
  o[1].qty = 79;
  o[2].qty = 11;
  o[3].qty = 10;
  o[0].qty = 1150;
  run("CN-CQ", f, o, 4, "CQ.3");
  /* "成渝地区双城经济圈" is a list of places, not all of Sichuan: Panzhihua
   * is outside (the old file took the whole province); Jiangyou (Mianyang)
   * is inside, Beichuan (Mianyang) is not, and a project known only as
   * "in Mianyang" cannot be shown inside; Wushan is in Chongqing (80%) but
   * outside the circle */
  static const struct {
    const char *over, *broken;
  } place[] = {{"province=CN-SC,city=CN-SC-PANZHIHUA", "CQ.2"},    {"province=CN-SC,city=CN-SC-MIANYANG-JIANGYOU", ""},
               {"province=CN-SC,city=CN-SC-MIANYANG-BEICHUAN", "CQ.2"}, {"province=CN-SC,city=CN-SC-MIANYANG", "CQ.2"},
               {"province=CN-SC,city=CN-SC-YAAN-YUCHENG", ""},       {"province=CN-SC,city=CN-SC-DAZHOU-WANYUAN", "CQ.2"},
               {"province=CN-CQ,city=CN-CQ-WUSHAN", "CQ.2"},          {"province=CN-CQ,city=CN-CQ-WANZHOU", ""}};
  for (size_t i = 0; i < COUNT(place); i++) {
    ets_offer c[4] = {mk("CQEA", 1150, NULL), mk("CCER", 80, "province=CN-CQ,city=CN-CQ-JIANGBEI"),
                      mk("CCER", 11, place[i].over), mk("CCER", 9, "province=CN-GD,city=CN-GD-SZ")};
    run("CN-CQ", f, c, 4, place[i].broken);
  }
  /* CQCER and other qualifying reductions are accepted besides CCER, under the
   * same limit, shares and hydro exclusion */
  ets_offer q[4] = {mk("CQEA", 1150, NULL), mk("CQCER", 60, "province=CN-CQ,city=CN-CQ-YUBEI"),
                    mk("CQOCER", 30, "province=CN-CQ,city=CN-CQ-FULING"), mk("CCER", 10, "province=CN-SC,city=CN-SC-CHENGDU")};
  r = run("CN-CQ", f, q, 4, "");
  assert_int_equal(r->offsets, 100);
  q[1].qty = 61;
  q[0].qty = 1149;
  run("CN-CQ", f, q, 4, "CQ.1");
  /* hydro, of any of them */
  ets_offer h[3] = {mk("CQEA", 1150, NULL), mk("CCER", 50, "province=CN-CQ,city=CN-CQ-YUZHONG,project_type=hydro"),
                    mk("CQCER", 50, "province=CN-CQ,city=CN-CQ-YUZHONG,project_type=hydro")};
  r = run("CN-CQ", f, h, 3, "CQ.4");
  assert_int_equal(brk(r, "CQ.4")->figure, 100);
}

static void test_cn_fujian(void **state) {
  (void)state;
  ets_figures f = fig(2023, 2000, 2000, 1800); /* 10% = 200; sub-limits 10% = 200 forestry, 5% = 100 other */
  const char *ccer = "province=CN-FJ,gases=CO2+CH4";
  const char *ffcer = "province=CN-FJ,project_type=forestry";
  ets_offer o[3] = {mk("FJEA", 1800, NULL), mk("FFCER", 100, ffcer), mk("CCER", 100, ccer)};
  ets_result *r = run("CN-FJ", f, o, 3, "");
  assert_int_equal(r->max_offsets, 200);
  /* other types one tonne over 5% */
  o[2].qty = 101;
  o[0].qty = 1799;
  run("CN-FJ", f, o, 3, "FJ.1,FJ.3");
  /* forestry credit over 10% (with the other types under 5%) */
  ets_offer g[3] = {mk("FJEA", 1790, NULL), mk("FFCER", 201, ffcer), mk("CCER", 9, ccer)};
  r = run("CN-FJ", f, g, 3, "FJ.1,FJ.2");
  assert_int_equal(brk(r, "FJ.2")->figure, 201);
  assert_int_equal(brk(r, "FJ.2")->limit, 200);
  g[1].qty = 200;
  g[2].qty = 0;
  g[0].qty = 1800;
  run("CN-FJ", f, g, 3, "");
  /* an FFCER is forestry carbon sink (林业碳汇) whatever its project_type says:
   * never counted among the 5% of other types */
  ets_offer t[2] = {mk("FJEA", 1850, NULL), mk("FFCER", 150, "province=CN-FJ")};
  run("CN-FJ", f, t, 2, "");
  /* CCER from another province, a covered entity's, hydro, N2O */
  static const struct {
    const char *over, *rule;
  } refuse[] = {{"province=CN-GD,gases=CO2", "FJ.4"},
                {"province=CN-FJ,gases=CO2,covered_entity=true", "FJ.5"},
                {"province=CN-FJ,gases=CO2,project_type=hydro", "FJ.6"},
                {"province=CN-FJ,gases=CO2+N2O", "FJ.7"}};
  for (size_t i = 0; i < COUNT(refuse); i++) {
    ets_offer c[2] = {mk("FJEA", 1950, NULL), mk("CCER", 50, refuse[i].over)};
    run("CN-FJ", f, c, 2, refuse[i].rule);
  }
  /* FFCER produced in Fujian only ("FFCER必须为福建省内产生") */
  ets_offer out[2] = {mk("FJEA", 1950, NULL), mk("FFCER", 50, "province=CN-JX,project_type=forestry")};
  r = run("CN-FJ", f, out, 2, "FJ.9");
  assert_int_equal(brk(r, "FJ.9")->figure, 50);
  /* FFCER produced from 16 Feb 2005 ("产生于2005年2月16日后"): the batch's
   * production period, not the project's start */
  ets_offer old[2] = {mk("FJEA", 1950, NULL),
                      mk("FFCER", 50, "province=CN-FJ,project_type=forestry,production_start=2005-02-15,production_end=2005-12-31")};
  run("CN-FJ", f, old, 2, "FJ.8");
  old[1] = mk("FFCER", 50, "province=CN-FJ,project_type=forestry,production_start=2005-02-16,production_end=2005-12-31");
  run("CN-FJ", f, old, 2, "");
  old[1] = mk("FFCER", 50, "province=CN-FJ,project_type=forestry,project_start=2004-01-01");
  run("CN-FJ", f, old, 2, "");
}

/* ---- EU and Korea ------------------------------------------------------- */

static void test_eu_korea(void **state) {
  (void)state;
  ets_figures f = fig(2015, 1000, 1000, 1000); /* 11% = 110 */
  ets_offer o[3] = {mk("EUA", 890, NULL), mk("CER", 60, NULL), mk("ERU", 50, NULL)};
  run("EU.P3", f, o, 3, "");
  o[2].qty = 51;
  o[0].qty = 889;
  run("EU.P3", f, o, 3, "EU3.1");
  o[0].qty = 890;
  o[2] = mk("ERU", 50, "project_type=large-hydro");
  run("EU.P3", f, o, 3, "EU3.2");
  /* phase 4 takes no credits at all */
  f.year = 2022;
  ets_offer p[2] = {mk("EUA", 999, NULL), mk("CER", 1, NULL)};
  ets_result *r = run("EU.P4", f, p, 2, "eligible_unit");
  assert_int_equal(r->max_offsets, 0);
  /* Korea: KOC counts as KCU after conversion; 10% of the obligation */
  f = fig(2023, 1000, 1000, 900);
  ets_offer k[3] = {mk("KAU", 900, NULL), mk("KCU", 60, NULL), mk("KOC", 40, NULL)};
  r = run("KR", f, k, 3, "");
  assert_int_equal(r->offsets, 100);
  k[2].qty = 41;
  k[0].qty = 899;
  run("KR", f, k, 3, "KR.1");
  /* the limit is for phase 3 (2021-2025) only */
  f.year = 2026;
  run("KR", f, k, 3, "");
}

/* ---- linking: another scheme's allowances, at a ratio set in data ---------- */

static void test_linked_allowances(void **state) {
  (void)state;
  static const char *const text =
      "{\"code\":\"US-CA\",\"name\":\"California, linked with Quebec\","
      "\"allowances\":[{\"unit\":\"CCA\"},{\"unit\":\"QCA\",\"num\":1,\"den\":1},{\"unit\":\"XA\",\"num\":1,\"den\":2}],"
      "\"offsets\":[{\"unit\":\"ARBOC\"}],"
      "\"rules\":[{\"id\":\"CA.1\",\"kind\":\"limit\",\"text\":\"offsets at most 4% of the obligation\","
      "\"percent\":4,\"base\":\"obligation\"}]}";
  ets_ruleset r;
  l6_error err;
  if (ets_rules_parse("us-ca.json", text, strlen(text), &r, &err) != L6_E_OK) fail_msg("%s", err.message);
  ets_figures f = fig(2023, 1000, 1000, 800);
  /* 600 CCA + 300 QCA (1:1) + 120 XA (2 for 1 t: 60 t) + 40 ARBOC = 1,000 t */
  ets_offer o[4] = {mk("CCA", 600, NULL), mk("QCA", 300, NULL), mk("XA", 120, NULL), mk("ARBOC", 40, NULL)};
  ets_result res;
  assert_true(ets_evaluate(&r, &f, o, 4, &res));
  assert_int_equal(res.allowances, 960);
  assert_int_equal(res.offsets, 40);
  /* one more XA is half a tonne: floor keeps 1,000; two more are one tonne over */
  o[2].qty = 121;
  assert_true(ets_evaluate(&r, &f, o, 4, &res));
  o[2].qty = 122;
  assert_false(ets_evaluate(&r, &f, o, 4, &res));
  assert_string_equal(res.breaks[0].id, "over_obligation");
  /* a unit of neither scheme */
  o[2] = mk("EUA", 60, NULL);
  assert_false(ets_evaluate(&r, &f, o, 4, &res));
  assert_string_equal(res.breaks[0].id, "eligible_unit");
  /* the shipped pair: California takes Quebec's allowances and Quebec California's */
  ets_offer ca[3] = {mk("CCA", 500, NULL), mk("QCA", 460, NULL), mk("ARBOC", 40, NULL)};
  run("US-CA", f, ca, 3, "");
  ca[2].qty = 41;
  ca[1].qty = 459;
  run("US-CA", f, ca, 3, "CA.1");
  f.year = 2026; /* 6% from 2026 */
  run("US-CA", f, ca, 3, "");
  ets_offer qc[3] = {mk("QCA", 500, NULL), mk("CCA", 420, NULL), mk("QCOC", 80, NULL)};
  run("CA-QC", f, qc, 3, "");
  qc[2] = mk("ARBOC", 80, NULL);
  run("CA-QC", f, qc, 3, "eligible_unit");
}

/* ---- loading -------------------------------------------------------------- */

static void test_load_refusals(void **state) {
  (void)state;
  static const struct {
    const char *text, *needle;
  } cases[] = {
      {"[]", "(top)"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"extra\":1}", "key extra: unknown key"},
      {"{\"code\":\"X\",\"name\":\"x\"}", "key allowances: is required"},
      {"{\"code\":\"x y\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}]}", "key code"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\",\"num\":0}]}", "allowances[0].num"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"XA\"}]}",
       "also an allowance"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"rules\":[{\"id\":\"R\",\"kind\":\"limit\","
       "\"text\":\"t\",\"percent\":5,\"base\":\"emissions\"}]}",
       "takes no offsets"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":101,\"base\":\"emissions\"}]}",
       "rules[0].percent: must be an integer from 0 to 100"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"sales\"}]}",
       "rules[0].base"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"cap\",\"text\":\"t\"}]}",
       "rules[0].kind"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"exclude\",\"text\":\"t\",\"attr\":\"colour\",\"in\":[\"red\"]}]}",
       "unknown attribute colour"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"exclude\",\"text\":\"t\",\"attr\":\"province\",\"in\":[\"CN-GD\"],\"percent\":5}]}",
       "rules[0].percent: does not apply to an exclude rule"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"window\",\"text\":\"t\",\"attr\":\"province\",\"from\":\"2013-01-01\"}]}",
       "a window needs a date attribute"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"window\",\"text\":\"t\",\"attr\":\"production\",\"from\":\"2013-02-30\"}]}",
       "rules[0].from: must be a date"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"units\":[\"D\"]}]}",
       "D is not among the scheme's offsets"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\"},{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\"}]}",
       "id R is used twice"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"where\":{\"attr\":"
       "\"province\",\"in\":[\"A\"],\"not_in\":[\"B\"]}}]}",
       "exactly one of in and not_in"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"years\":[2030,2020]}]}",
       "rules[0].years"},
      /* the old name of the project's start: refused, so no file keeps testing it for the production date */
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"window\",\"text\":\"t\",\"attr\":\"produced\",\"from\":\"2013-01-01\"}]}",
       "unknown attribute produced"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"exclude\",\"text\":\"t\",\"attr\":\"production\",\"in\":[\"2013\"]}]}",
       "rules[0].attr: production is for windows only"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"source\":\"seed\"}]}",
       "rules[0].source: must be an object"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"source\":{\"doc\":\"d\"}}]}",
       "rules[0].source.quote: is required"},
      {"{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
       "\"id\":\"R\",\"kind\":\"limit\",\"text\":\"t\",\"percent\":5,\"base\":\"emissions\",\"source\":{\"doc\":\"d\","
       "\"quote\":\"q\",\"page\":3}}]}",
       "rules[0].source.page: unknown key"},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    ets_ruleset r;
    l6_error err;
    l6_err e = ets_rules_parse("f.json", cases[i].text, strlen(cases[i].text), &r, &err);
    if (e != L6_E_INVALID_CONFIG || !strstr(err.message, cases[i].needle) || !strstr(err.message, "f.json"))
      fail_msg("case %zu: %s (wanted '%s')", i, e == L6_E_OK ? "accepted" : err.message, cases[i].needle);
  }
}

/* A rule's source is kept as given; every rule of the files from seed 001
 * table 4 names its source. */
static void test_load_sources(void **state) {
  (void)state;
  static const char text[] =
      "{\"code\":\"X\",\"name\":\"x\",\"allowances\":[{\"unit\":\"XA\"}],\"offsets\":[{\"unit\":\"C\"}],\"rules\":[{"
      "\"id\":\"R\",\"kind\":\"window\",\"text\":\"t\",\"attr\":\"production\",\"from\":\"2013-01-01\","
      "\"source\":{\"doc\":\"表4\",\"quote\":\"且均应产生于2013年1月1日后\"}}]}";
  static ets_ruleset r;
  l6_error err;
  assert_int_equal(ets_rules_parse("f.json", text, strlen(text), &r, &err), L6_E_OK);
  assert_string_equal(r.rules[0].source_doc, "表4");
  assert_string_equal(r.rules[0].source_quote, "且均应产生于2013年1月1日后");
  assert_int_equal(r.rules[0].attr, ETS_ATTR_PRODUCTION);
  ets_set *set = NULL;
  const char *src = getenv("L6_SRCDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/config", src ? src : ".");
  assert_int_equal(ets_rules_load_dir(dir, &set, &err), L6_E_OK);
  size_t cn = 0;
  for (size_t i = 0; i < set->n; i++) {
    if (strncmp(set->r[i].code, "CN", 2) != 0) continue;
    cn++;
    for (size_t k = 0; k < set->r[i].nrules; k++)
      if (!set->r[i].rules[k].source_doc[0] || !set->r[i].rules[k].source_quote[0])
        fail_msg("%s rule %s names no source", set->r[i].code, set->r[i].rules[k].id);
  }
  assert_int_equal(cn, 9);
  ets_set_free(set);
}

int main(void) {
  const struct CMUnitTest core[] = {
      cmocka_unit_test(test_percent_rounding), cmocka_unit_test(test_cn_national), cmocka_unit_test(test_cn_guangdong),
      cmocka_unit_test(test_cn_shenzhen),      cmocka_unit_test(test_cn_beijing),  cmocka_unit_test(test_cn_shanghai),
      cmocka_unit_test(test_cn_tianjin),       cmocka_unit_test(test_cn_hubei),    cmocka_unit_test(test_cn_chongqing),
      cmocka_unit_test(test_cn_fujian),        cmocka_unit_test(test_eu_korea),        cmocka_unit_test(test_linked_allowances),
  };
  const struct CMUnitTest load[] = {cmocka_unit_test(test_load_refusals), cmocka_unit_test(test_load_sources)};
  int rc = cmocka_run_group_tests_name("ets_core", core, load_shipped, free_shipped);
  rc += cmocka_run_group_tests_name("ets_load", load, NULL, NULL);
  return rc;
}
