/*
 * test_poa.c -- issue 20, items 1 and 2, in process on a fresh store
 * (SQLite in memory; PostgreSQL under tests/pg.sh) with a fixed clock and the shipped config/mechanisms (PACM):
 *
 *   poa_file         the mechanism file's new keys (programmes, recourse,
 *                    steps.*.comment_days) are parsed strictly: unknown
 *                    keys, wrong types and ranges refused with file, key and
 *                    reason; the shipped PACM file has them.
 *   poa_fifty        a programme with 50 components, each included by a
 *                    validator's check, then monitored, verified, requested
 *                    and issued for one period in four requests of 50
 *                    items: 50 batches, one per component, serials distinct.
 *   poa_atomic       a many-component request with one bad item changes
 *                    nothing (no batch, periods as they were).
 *   poa_inclusion    a component failing a criterion cannot be included
 *                    (422 inclusion_refused, nothing written); the
 *                    validator may exclude it with reasons; roles.
 *   voice_comment    a comment during the window (anonymous), refused the
 *                    day after it closes (409 comment_window_closed) and on a
 *                    step without a window; moderation hides the text from
 *                    the public but keeps it; responses.
 *   voice_grievance  a grievance through received, under-review, decided.
 *   voice_appeal     an appeal of a rejected registration through every
 *                    state; late appeals and other organisations refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cycle.h"
#include "core/serial.h"
#include "service/cycle.h"
#include "service/mechanism.h"
#include "service/poa.h"
#include "service/service_int.h"
#include "service/voice.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NCOMP 50

static int64_t now_ms;
static int64_t test_clock(void) { return now_ms; }
static void set_today(const char *ymd) {
  int64_t d;
  assert_true(date_to_days(ymd, &d));
  now_ms = d * 86400000 + 12 * 3600000;
}

static struct {
  l6_svc *s;
  l6_store *st;
  tl_store ts; /* SQLite in memory, or a PostgreSQL database under tests/pg.sh */
  l6_id org_p, org_q, org_v, org_v2, org_dna;
  l6_actor anon, admin, p, q, v, v2, dna, ma;
  tl_docs docs; /* document hashes by type */
} W;


static size_t docs_for(l6_step st, l6_doc_ref *refs) {
  return tl_svc_docs_for(W.s, &W.p, &W.docs, tl_svc_mech(W.s, "PACM"), st, refs);
}

static l6_id mk_org(const char *registry, const char *name) { return tl_svc_org(W.s, &W.admin, registry, name); }

static void mk_party(const char *code) { tl_svc_party(W.s, &W.admin, code); }

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  set_today("2026-11-21");
  l6_error err = {0};
  if (tl_store_make(&W.ts, "poa", 1) != 0 || (W.st = tl_store_open(&W.ts)) == NULL) fail_msg("store");
  W.s = svc_open(W.st, 2, &err);
  if (W.s) svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(W.s);
  svc_set_clock(W.s, test_clock);
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) fail_msg("config: %s", err.message);
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  W.ma = tl_actor(L6_ROLE_MECHANISM_ADMIN, 0, "mechanism admin");
  W.anon = tl_actor(L6_ROLE__NONE, 0, "");
  mk_party("MWI");
  mk_party("CHE");
  W.org_p = mk_org("MWI01", "Cookstove programme coordinator (Malawi)");
  W.org_q = mk_org("MWI01", "Another developer");
  W.org_v = mk_org("CHE01", "Accredited DOE");
  W.org_v2 = mk_org("CHE01", "Unaccredited DOE");
  W.org_dna = mk_org("MWI01", "Malawi EAD (designated authority)");
  W.p = tl_actor(L6_ROLE_HOLDER, W.org_p, "coordinator");
  W.q = tl_actor(L6_ROLE_HOLDER, W.org_q, "other holder");
  W.v = tl_actor(L6_ROLE_VALIDATOR, W.org_v, "validator");
  W.v2 = tl_actor(L6_ROLE_VALIDATOR, W.org_v2, "unaccredited validator");
  W.dna = tl_actor(L6_ROLE_AUTHORITY, W.org_dna, "authority MWI");
  const l6_mech *m = mech_find(svc__mechs(W.s), "PACM");
  assert_non_null(m);
  TL_OK(svc_accredit(W.s, &W.ma, W.org_v, "PACM", (const char(*)[L6_CODE_MAX + 1])m->scopes, m->nscopes, &out_, &err_),
        "accredit");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  svc_close(W.s); /* closes the store too */
  tl_store_free(&W.ts);
  memset(&W, 0, sizeof W);
  return 0;
}

static json_t *J(const char *text) {
  json_error_t je;
  json_t *v = json_loads(text, 0, &je);
  if (v == NULL) fail_msg("bad test JSON: %s: %s", je.text, text);
  return v;
}

/* Runs call, which must fail with code; returns nothing. */
#define EXPECT(code, call)                                                                     \
  do {                                                                                         \
    l6_error err_ = {0};                                                                       \
    json_t *out_ = NULL;                                                                       \
    l6_err e_ = (call);                                                                        \
    if (e_ != (code))                                                                          \
      fail_msg("%s:%d: want %s, got %s: %s", __FILE__, __LINE__, l6_err_code(code), l6_err_code(e_), err_.message); \
    assert_null(out_);                                                                         \
  } while (0)

/* ---- the mechanism file ---------------------------------------------------- */

#define BASE \
    "{\"code\":\"T\",\"name\":\"t\",\"programme\":\"PACM\",\"unit_type\":\"A6.4ER\",\"rounding\":\"down\"," \
    "\"eligibility\":{\"kinds\":[\"avoidance\"],\"scopes\":[\"1\"],\"calculators\":[\"grid-renewable\"]}," \
    "\"steps\":{\"submit\":{\"role\":\"participant\"%s},\"validate\":{\"role\":\"validator\"}," \
    "\"register\":{\"role\":\"mechanism-admin\"},\"monitor\":{\"role\":\"participant\"}," \
    "\"verify\":{\"role\":\"validator\"},\"request\":{\"role\":\"participant\"},\"issue\":{\"role\":\"mechanism-admin\"}}%s}"

static l6_err parse_with(const char *step_extra, const char *root_extra, l6_mech *m, l6_error *err) {
  char text[2048];
  snprintf(text, sizeof text, BASE, step_extra, root_extra);
  return mech_parse("t.json", text, strlen(text), m, err);
}

static void refused(const char *step_extra, const char *root_extra, const char *want) {
  l6_mech m;
  l6_error err = {0};
  l6_err e = parse_with(step_extra, root_extra, &m, &err);
  if (e != L6_E_INVALID_CONFIG) fail_msg("accepted: %s %s", step_extra, root_extra);
  if (strstr(err.message, want) == NULL) fail_msg("message '%s' lacks '%s'", err.message, want);
}

static void poa_file(void **state) {
  (void)state;
  l6_mech m;
  l6_error err = {0};
  assert_int_equal(parse_with(",\"comment_days\":30", ",\"programmes\":{\"max_components\":5},\"recourse\":{\"appeal_days\":9}",
                              &m, &err), L6_E_OK);
  assert_int_equal(m.steps[L6_STEP_SUBMIT].comment_days, 30);
  assert_true(m.poa && m.poa_max_components == 5 && m.recourse && m.appeal_days == 9);
  mech_free(&m);
  assert_int_equal(parse_with("", "", &m, &err), L6_E_OK);
  assert_false(m.poa || m.recourse || m.steps[L6_STEP_SUBMIT].comment_days);
  mech_free(&m);
  refused(",\"comment_days\":0", "", "t.json: key steps.submit.comment_days: must be an integer from 1 to 365");
  refused(",\"comment_days\":\"30\"", "", "steps.submit.comment_days");
  refused(",\"comment_days\":366", "", "steps.submit.comment_days");
  refused(",\"comment_window\":3", "", "key steps.submit.comment_window: unknown key");
  refused("", ",\"programmes\":{}", "key programmes.max_components: is required");
  refused("", ",\"programmes\":{\"max_components\":5,\"fees\":1}", "key programmes.fees: unknown key");
  refused("", ",\"programmes\":{\"max_components\":0}", "programmes.max_components");
  refused("", ",\"programmes\":[]", "key programmes: must be an object");
  refused("", ",\"recourse\":{\"appeal_days\":true}", "recourse.appeal_days");
  refused("", ",\"recourse\":{\"appeal_days\":30,\"x\":1}", "key recourse.x: unknown key");
  refused("", ",\"grievances\":{}", "key grievances: unknown key");
  const l6_mech *pacm = mech_find(svc__mechs(W.s), "PACM");
  assert_true(pacm->poa && pacm->recourse);
  assert_int_equal(pacm->steps[L6_STEP_SUBMIT].comment_days, 28);
}

/* ---- programmes of activities ----------------------------------------------- */

#define PROGRAMME \
    "{\"code\":\"%s\",\"mechanism\":\"PACM\",\"title\":\"Malawi household renewables\",\"coordinator\":%lld," \
    "\"host\":\"MWI\",\"registry\":\"MWI01\",\"criteria\":{\"scope\":\"1\",\"kind\":\"avoidance\"," \
    "\"methodology\":\"AMS-I.A\",\"sector\":\"energy\",\"calculators\":[\"grid-renewable\"]," \
    "\"regions\":[\"Southern\",\"Central\"],\"max_annual\":5000,\"crediting_from\":\"2022-01-01\"," \
    "\"crediting_to\":\"2031-12-31\"}}"

static void register_poa(const char *code) {
  char text[1024];
  snprintf(text, sizeof text, PROGRAMME, code, (long long)W.org_p);
  json_t *b = J(text);
  TL_OK(svc_poa_register(W.s, &W.ma, b, &out_, &err_), "programme");
  json_decref(b);
}

static l6_err propose(const char *code, const char *id, const char *region, int64_t annual, const l6_actor *a) {
  char text[512];
  snprintf(text, sizeof text,
           "{\"id\":\"%s\",\"title\":\"Solar home systems %s\",\"region\":\"%s\",\"calculator\":\"grid-renewable\","
           "\"expected_annual\":%lld,\"crediting_start\":\"2022-01-01\",\"crediting_end\":\"2031-12-31\"}",
           id, id, region, (long long)annual);
  json_t *b = J(text), *out = NULL;
  l6_error err = {0};
  l6_err e = svc_poa_component_propose(W.s, a, code, b, &out, &err);
  json_decref(b);
  json_decref(out);
  return e;
}

static l6_err include(const char *code, const char *id, const char *decision, const l6_actor *a, l6_error *err) {
  char text[256];
  snprintf(text, sizeof text, "{\"decision\":\"%s\"%s}", decision,
           strcmp(decision, "reject") == 0 ? ",\"reasons\":\"outside the programme's boundary\"" : "");
  json_t *b = J(text), *out = NULL;
  l6_err e = svc_poa_inclusion(W.s, a, code, id, b, &out, err);
  json_decref(b);
  json_decref(out);
  return e;
}

static const char *comp_state(const char *code, const char *id) {
  static char st[16];
  json_t *o = NULL;
  TL_OK(svc_poa_get(W.s, &W.anon, code, &o, &err_), "get");
  st[0] = '\0';
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(o, "components"), i, c) if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
      snprintf(st, sizeof st, "%s", json_string_value(json_object_get(c, "state")));
  json_decref(o);
  return st;
}

/* One period step for each of the components comp[0..n). */
static void fill(l6_step_req *r, size_t n, char ids[][16], l6_step st) {
  static json_t *extras; /* the mechanism's SD indicators, shared by every item's report */
  assert_true(strlen(ids[0]) < 16);
  for (size_t i = 0; i < n; i++) {
    memset(&r[i], 0, sizeof r[i]);
    snprintf(r[i].project, sizeof r[i].project, "%.15s", ids[i]);
    r[i].step = st;
    r[i].ndocs = docs_for(st, r[i].docs);
    if (st == L6_STEP_MONITOR) {
      snprintf(r[i].start, sizeof r[i].start, "2025-01-01");
      snprintf(r[i].end, sizeof r[i].end, "2025-12-31");
      snprintf(r[i].calculator, sizeof r[i].calculator, "grid-renewable");
      r[i].ninputs = 2;
      snprintf(r[i].inputs[0].name, sizeof r[i].inputs[0].name, "net_kwh");
      r[i].inputs[0].value = (int64_t)(100 + i) * 1000; /* 100 + i tonnes */
      snprintf(r[i].inputs[1].name, sizeof r[i].inputs[1].name, "ef_cm_t_mwh_e6");
      r[i].inputs[1].value = 1000000;
      if (i == 0) tl_svc_step_extras(tl_svc_mech(W.s, "PACM"), &r[0], &extras, NULL);
      r[i].sd_indicators = r[0].sd_indicators;
    } else {
      r[i].period = 1;
    }
    if (st == L6_STEP_VERIFY) {
      r[i].decision = L6_DECIDE_ACCEPT;
      r[i].certified = 100 + (int64_t)i;
    }
    if (st == L6_STEP_ISSUE) r[i].decision = L6_DECIDE_ACCEPT;
  }
}

typedef struct {
  int n;
  l6_batch b;
} batch_ctx;

static int batch_row(void *ctx, const void *row) {
  batch_ctx *c = ctx;
  if (c->n++ == 0) c->b = *(const l6_batch *)row;
  return 0;
}

static void poa_fifty(void **state) {
  (void)state;
  register_poa("POA.MW1");
  static char ids[NCOMP][16];
  for (int i = 0; i < NCOMP; i++) {
    snprintf(ids[i], sizeof ids[i], "MW1.C%03d", i + 1);
    assert_int_equal(propose("POA.MW1", ids[i], i % 2 ? "Southern" : "Central", 4000, &W.p), L6_E_OK);
    TL_OK(include("POA.MW1", ids[i], "accept", &W.v, &err_), "include");
    assert_string_equal(comp_state("POA.MW1", ids[i]), "included");
  }
  l6_step_req *r = calloc(NCOMP, sizeof *r);
  assert_non_null(r);
  const l6_step steps[] = {L6_STEP_MONITOR, L6_STEP_VERIFY, L6_STEP_REQUEST, L6_STEP_ISSUE};
  const l6_actor *who[] = {&W.p, &W.v, &W.p, &W.ma};
  for (size_t k = 0; k < COUNT(steps); k++) {
    fill(r, NCOMP, ids, steps[k]);
    json_t *out = NULL;
    l6_error err = {0};
    l6_err e = svc_poa_steps(W.s, who[k], "POA.MW1", r, NCOMP, &out, &err);
    if (e != L6_E_OK) fail_msg("%s: %s: %s", l6_step_str(steps[k]), l6_err_code(e), err.message);
    assert_int_equal(json_array_size(json_object_get(out, "items")), NCOMP);
    json_decref(out);
  }
  free(r);
  /* Each component: its own batch, of its own project, for its own
   * certified figure; the serials of all 50 are pairwise distinct. */
  static char first[NCOMP][96];
  for (int i = 0; i < NCOMP; i++) {
    batch_ctx c = {0};
    l6_error err;
    assert_int_equal(W.st->ops->batch_list(W.st, ids[i], 0, 10, batch_row, &c, &err), L6_E_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.b.project, ids[i]);
    assert_int_equal(c.b.quantity, 100 + i);
    l6_activity act;
    assert_int_equal(W.st->ops->activity_get(W.st, ids[i], &act, &err), L6_E_OK);
    assert_int_equal(act.issued, 100 + i);
    l6_serial sr = {.vintage = c.b.vintage, .batch = c.b.id, .first = c.b.serial_start, .last = c.b.serial_start};
    snprintf(sr.unit_type, sizeof sr.unit_type, "%s", c.b.unit_type);
    snprintf(sr.host, sizeof sr.host, "MWI");
    snprintf(sr.project, sizeof sr.project, "%s", c.b.project);
    assert_true(serial_format(&sr, first[i], sizeof first[i]) > 0);
    for (int j = 0; j < i; j++) assert_string_not_equal(first[i], first[j]);
  }
  /* The 51st component of a full programme is refused only by the file's
   * limit (1000 here): a 51st goes in. */
  assert_int_equal(propose("POA.MW1", "MW1.C051", "Central", 4000, &W.p), L6_E_OK);
}

static void poa_atomic(void **state) {
  (void)state;
  register_poa("POA.MW2");
  static char ids[3][16] = {"MW2.C1", "MW2.C2", "MW2.C3"};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(propose("POA.MW2", ids[i], "Central", 100, &W.p), L6_E_OK);
    TL_OK(include("POA.MW2", ids[i], "accept", &W.v, &err_), "include");
  }
  l6_step_req r[3];
  /* PACM's SD indicators (config/mechanisms/pacm.json) on every component's
   * report: one without them refuses all three, and no period is opened. */
  fill(r, 3, ids, L6_STEP_MONITOR);
  r[1].sd_indicators = NULL;
  l6_error err = {0};
  json_t *out = NULL;
  assert_int_equal(svc_poa_steps(W.s, &W.p, "POA.MW2", r, 3, &out, &err), L6_E_SD_INDICATORS_INCOMPLETE);
  assert_non_null(strstr(err.message, "steps[1] (MW2.C2)"));
  for (int i = 0; i < 3; i++) {
    l6_period p;
    assert_int_equal(W.st->ops->period_get(W.st, ids[i], 1, &p, &err), L6_E_UNKNOWN_PERIOD);
  }
  fill(r, 3, ids, L6_STEP_MONITOR);
  TL_OK(svc_poa_steps(W.s, &W.p, "POA.MW2", r, 3, &out_, &err_), "monitor");
  fill(r, 3, ids, L6_STEP_VERIFY);
  TL_OK(svc_poa_steps(W.s, &W.v, "POA.MW2", r, 3, &out_, &err_), "verify");
  fill(r, 3, ids, L6_STEP_REQUEST);
  TL_OK(svc_poa_steps(W.s, &W.p, "POA.MW2", r, 3, &out_, &err_), "request");
  fill(r, 3, ids, L6_STEP_ISSUE);
  r[2].period = 2; /* no such period: the whole request fails */
  assert_int_equal(svc_poa_steps(W.s, &W.ma, "POA.MW2", r, 3, &out, &err), L6_E_UNKNOWN_PERIOD);
  assert_non_null(strstr(err.message, "steps[2] (MW2.C3)"));
  for (int i = 0; i < 3; i++) {
    batch_ctx c = {0};
    assert_int_equal(W.st->ops->batch_list(W.st, ids[i], 0, 10, batch_row, &c, &err), L6_E_OK);
    assert_int_equal(c.n, 0);
    l6_period p;
    assert_int_equal(W.st->ops->period_get(W.st, ids[i], 1, &p, &err), L6_E_OK);
    assert_string_equal(p.state, "requested");
  }
  /* Not a component of this programme, or the wrong role: refused too. */
  fill(r, 3, ids, L6_STEP_ISSUE);
  snprintf(r[1].project, sizeof r[1].project, "MW1.C001");
  EXPECT(L6_E_NOT_FOUND, svc_poa_steps(W.s, &W.ma, "POA.MW2", r, 3, &out_, &err_));
  fill(r, 3, ids, L6_STEP_ISSUE);
  EXPECT(L6_E_FORBIDDEN, svc_poa_steps(W.s, &W.p, "POA.MW2", r, 3, &out_, &err_));
  EXPECT(L6_E_UNAUTHORIZED, svc_poa_steps(W.s, &W.anon, "POA.MW2", r, 3, &out_, &err_));
  EXPECT(L6_E_UNKNOWN_POA, svc_poa_steps(W.s, &W.ma, "POA.NONE", r, 3, &out_, &err_));
  TL_OK(svc_poa_steps(W.s, &W.ma, "POA.MW2", r, 3, &out_, &err_), "issue");
}

static void poa_inclusion(void **state) {
  (void)state;
  register_poa("POA.MW3");
  char text[1024];
  snprintf(text, sizeof text, PROGRAMME, "POA.MW3", (long long)W.org_p);
  json_t *b = J(text);
  EXPECT(L6_E_ALREADY_EXISTS, svc_poa_register(W.s, &W.ma, b, &out_, &err_));
  EXPECT(L6_E_FORBIDDEN, svc_poa_register(W.s, &W.p, b, &out_, &err_));
  EXPECT(L6_E_UNAUTHORIZED, svc_poa_register(W.s, &W.anon, b, &out_, &err_));
  json_object_set_new(json_object_get(b, "criteria"), "colour", json_string("green"));
  json_object_set_new(b, "code", json_string("POA.MW4"));
  EXPECT(L6_E_UNKNOWN_FIELD, svc_poa_register(W.s, &W.ma, b, &out_, &err_));
  json_object_del(json_object_get(b, "criteria"), "colour");
  json_object_set_new(json_object_get(b, "criteria"), "scope", json_string("99"));
  EXPECT(L6_E_NOT_ELIGIBLE, svc_poa_register(W.s, &W.ma, b, &out_, &err_));
  json_decref(b);
  /* Proposals: the coordinating entity only; ids unique. */
  assert_int_equal(propose("POA.MW3", "MW3.NORTH", "Northern", 4000, &W.p), L6_E_OK);
  assert_int_equal(propose("POA.MW3", "MW3.BIG", "Central", 6000, &W.p), L6_E_OK);
  assert_int_equal(propose("POA.MW3", "MW3.OK", "Central", 4000, &W.p), L6_E_OK);
  assert_int_equal(propose("POA.MW3", "MW3.OK", "Central", 4000, &W.p), L6_E_ALREADY_EXISTS);
  assert_int_equal(propose("POA.MW3", "MW3.X", "Central", 4000, &W.q), L6_E_FORBIDDEN);
  assert_int_equal(propose("POA.MW3", "MW3.X", "Central", 4000, &W.v), L6_E_FORBIDDEN);
  /* The inclusion check refuses what fails a criterion. */
  l6_error err = {0};
  assert_int_equal(include("POA.MW3", "MW3.NORTH", "accept", &W.v, &err), L6_E_INCLUSION_REFUSED);
  assert_non_null(strstr(err.message, "criterion regions fails"));
  assert_int_equal(include("POA.MW3", "MW3.BIG", "accept", &W.v, &err), L6_E_INCLUSION_REFUSED);
  assert_non_null(strstr(err.message, "criterion max_annual fails"));
  assert_string_equal(comp_state("POA.MW3", "MW3.NORTH"), "proposed");
  l6_activity act;
  assert_int_equal(W.st->ops->activity_get(W.st, "MW3.NORTH", &act, &err), L6_E_UNKNOWN_ACTIVITY);
  /* Who checks: an accredited validator not of the coordinating entity. */
  assert_int_equal(include("POA.MW3", "MW3.OK", "accept", &W.v2, &err), L6_E_NOT_ACCREDITED);
  assert_int_equal(include("POA.MW3", "MW3.OK", "accept", &W.p, &err), L6_E_FORBIDDEN);
  assert_int_equal(include("POA.MW3", "MW3.OK", "accept", &W.anon, &err), L6_E_UNAUTHORIZED);
  assert_int_equal(include("POA.MW3", "MW3.NONE", "accept", &W.v, &err), L6_E_NOT_FOUND);
  /* Rejection needs reasons, and excludes. */
  json_t *rb = J("{\"decision\":\"reject\"}");
  EXPECT(L6_E_MISSING_FIELD, svc_poa_inclusion(W.s, &W.v, "POA.MW3", "MW3.NORTH", rb, &out_, &err_));
  json_decref(rb);
  TL_OK(include("POA.MW3", "MW3.NORTH", "reject", &W.v, &err_), "exclude");
  assert_string_equal(comp_state("POA.MW3", "MW3.NORTH"), "excluded");
  assert_int_equal(include("POA.MW3", "MW3.NORTH", "accept", &W.v, &err), L6_E_WRONG_STATE);
  TL_OK(include("POA.MW3", "MW3.OK", "accept", &W.v, &err_), "include");
  assert_int_equal(W.st->ops->activity_get(W.st, "MW3.OK", &act, &err), L6_E_OK);
  assert_string_equal(act.state, "registered");
  assert_int_equal(act.org, W.org_p);
  /* The public read shows the check, criterion by criterion. */
  json_t *o = NULL;
  TL_OK(svc_poa_get(W.s, &W.anon, "POA.MW3", &o, &err_), "get");
  json_t *comps = json_object_get(o, "components");
  assert_int_equal(json_array_size(comps), 3);
  json_t *inc = json_object_get(json_array_get(comps, 2), "inclusion");
  assert_int_equal(json_array_size(json_object_get(inc, "checks")), 5);
  json_decref(o);
  EXPECT(L6_E_UNKNOWN_POA, svc_poa_get(W.s, &W.anon, "POA.NONE", &out_, &err_));
}

/* ---- public comment --------------------------------------------------------- */

static void submit_activity(const char *id) {
  l6_submit_req r = {.ets_covered = 0};
  l6_project *p = &r.project;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->host, sizeof p->host, "MWI");
  snprintf(p->title, sizeof p->title, "Activity %s", id);
  snprintf(p->methodology, sizeof p->methodology, "grid-renewable methodology");
  snprintf(p->sector, sizeof p->sector, "energy");
  snprintf(p->kind, sizeof p->kind, "avoidance");
  snprintf(p->crediting_start, sizeof p->crediting_start, "2021-01-01");
  snprintf(p->crediting_end, sizeof p->crediting_end, "2030-12-31");
  snprintf(r.mechanism, sizeof r.mechanism, "PACM");
  snprintf(r.registry, sizeof r.registry, "MWI01");
  snprintf(r.scope, sizeof r.scope, "1");
  r.ndocs = docs_for(L6_STEP_SUBMIT, r.docs);
  TL_OK(svc_activity_submit(W.s, &W.p, &r, &out_, &err_), "submit");
}

static l6_err comment(const char *id, const char *step, const l6_actor *a, l6_id *cid) {
  char text[256];
  snprintf(text, sizeof text, "{\"step\":\"%s\",\"author\":\"Village committee\",\"text\":\"The stoves are not used.\"}",
           step);
  json_t *b = J(text), *out = NULL;
  l6_error err = {0};
  l6_err e = svc_comment_post(W.s, a, id, b, &out, &err);
  if (cid) *cid = e == L6_E_OK ? (l6_id)json_integer_value(json_object_get(out, "id")) : 0;
  json_decref(b);
  json_decref(out);
  return e;
}

static void voice_comment(void **state) {
  (void)state;
  set_today("2026-11-21");
  submit_activity("MW.COMMENT");
  l6_id c1, c2;
  assert_int_equal(comment("MW.COMMENT", "submit", &W.anon, &c1), L6_E_OK);
  set_today("2026-12-18"); /* the 28th day, counting the submission's */
  assert_int_equal(comment("MW.COMMENT", "submit", &W.q, &c2), L6_E_OK);
  set_today("2026-12-19"); /* the window has closed */
  assert_int_equal(comment("MW.COMMENT", "submit", &W.anon, NULL), L6_E_COMMENT_WINDOW_CLOSED);
  assert_int_equal(comment("MW.COMMENT", "validate", &W.anon, NULL), L6_E_COMMENT_WINDOW_CLOSED);
  assert_int_equal(comment("MW.NONE", "submit", &W.anon, NULL), L6_E_UNKNOWN_ACTIVITY);
  json_t *bad = J("{\"step\":\"submit\",\"author\":\"x\",\"text\":\"y\",\"email\":\"z\"}");
  EXPECT(L6_E_UNKNOWN_FIELD, svc_comment_post(W.s, &W.anon, "MW.COMMENT", bad, &out_, &err_));
  json_decref(bad);
  /* Moderation: a mechanism administrator hides, with a reason. */
  json_t *hb = J("{\"reason\":\"names a private person\"}");
  EXPECT(L6_E_FORBIDDEN, svc_comment_hide(W.s, &W.p, c2, hb, &out_, &err_));
  EXPECT(L6_E_UNAUTHORIZED, svc_comment_hide(W.s, &W.anon, c2, hb, &out_, &err_));
  EXPECT(L6_E_UNKNOWN_COMMENT, svc_comment_hide(W.s, &W.ma, 999999, hb, &out_, &err_));
  TL_OK(svc_comment_hide(W.s, &W.ma, c2, hb, &out_, &err_), "hide");
  EXPECT(L6_E_WRONG_STATE, svc_comment_hide(W.s, &W.ma, c2, hb, &out_, &err_));
  json_decref(hb);
  /* Responses: the participant (not another organisation). */
  json_t *rb = J("{\"text\":\"Usage surveys are in the monitoring plan.\"}");
  EXPECT(L6_E_FORBIDDEN, svc_comment_respond(W.s, &W.q, c1, rb, &out_, &err_));
  EXPECT(L6_E_UNAUTHORIZED, svc_comment_respond(W.s, &W.anon, c1, rb, &out_, &err_));
  TL_OK(svc_comment_respond(W.s, &W.p, c1, rb, &out_, &err_), "respond");
  json_decref(rb);
  /* The public sees both, the hidden one without its text; the
   * mechanism administrator sees the text: nothing is lost. */
  json_t *o = NULL;
  TL_OK(svc_comment_list(W.s, &W.anon, "MW.COMMENT", &o, &err_), "list");
  json_t *items = json_object_get(o, "items");
  assert_int_equal(json_array_size(items), 2);
  assert_int_equal(json_array_size(json_object_get(json_array_get(items, 0), "responses")), 1);
  assert_true(json_is_true(json_object_get(json_array_get(items, 1), "hidden")));
  assert_true(json_is_null(json_object_get(json_array_get(items, 1), "text")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "hidden_reason")), "names a private person");
  json_decref(o);
  TL_OK(svc_comment_list(W.s, &W.ma, "MW.COMMENT", &o, &err_), "list");
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "items"), 1), "text")),
                      "The stoves are not used.");
  json_decref(o);
  set_today("2026-11-21");
}

/* ---- grievances and appeals ------------------------------------------------ */

static l6_id case_step(const char *kind, l6_id id, const char *body, l6_err want, const char *state) {
  json_t *b = J(body), *out = NULL;
  l6_error err = {0};
  l6_err e = svc_case_step(W.s, &W.ma, kind, id, b, &out, &err);
  if (e != want) fail_msg("%s %s: want %s, got %s: %s", kind, body, l6_err_code(want), l6_err_code(e), err.message);
  if (e == L6_E_OK) assert_string_equal(json_string_value(json_object_get(out, "state")), state);
  json_decref(b);
  json_decref(out);
  return id;
}

static void through_states(const char *kind, l6_id id) {
  case_step(kind, id, "{\"step\":\"decide\",\"outcome\":\"upheld\",\"reasons\":\"r\"}", L6_E_WRONG_STATE, NULL);
  case_step(kind, id, "{\"step\":\"review\",\"reasons\":\"r\"}", L6_E_INVALID_VALUE, NULL);
  case_step(kind, id, "{\"step\":\"review\"}", L6_E_OK, "under-review");
  case_step(kind, id, "{\"step\":\"review\"}", L6_E_WRONG_STATE, NULL);
  case_step(kind, id, "{\"step\":\"decide\",\"outcome\":\"upheld\"}", L6_E_MISSING_FIELD, NULL);
  case_step(kind, id, "{\"step\":\"decide\",\"outcome\":\"granted\",\"reasons\":\"r\"}", L6_E_INVALID_VALUE, NULL);
  case_step(kind, id, "{\"step\":\"close\"}", L6_E_INVALID_VALUE, NULL);
  case_step(kind, id,
            "{\"step\":\"decide\",\"outcome\":\"partly-upheld\",\"reasons\":\"The consultation missed two villages; "
            "the participant is to hold it again.\"}",
            L6_E_OK, "decided");
  case_step(kind, id, "{\"step\":\"decide\",\"outcome\":\"upheld\",\"reasons\":\"r\"}", L6_E_WRONG_STATE, NULL);
  json_t *b = J("{\"step\":\"review\"}");
  EXPECT(L6_E_FORBIDDEN, svc_case_step(W.s, &W.p, kind, id, b, &out_, &err_));
  EXPECT(L6_E_UNAUTHORIZED, svc_case_step(W.s, &W.anon, kind, id, b, &out_, &err_));
  EXPECT(L6_E_UNKNOWN_CASE, svc_case_step(W.s, &W.ma, kind, 999999, b, &out_, &err_));
  json_decref(b);
  json_t *o = NULL;
  TL_OK(svc_case_get(W.s, &W.anon, kind, id, &o, &err_), "get");
  assert_string_equal(json_string_value(json_object_get(o, "state")), "decided");
  json_t *d = json_object_get(o, "decision");
  assert_string_equal(json_string_value(json_object_get(d, "outcome")), "partly-upheld");
  assert_non_null(strstr(json_string_value(json_object_get(d, "reasons")), "two villages"));
  json_t *h = json_object_get(o, "history");
  assert_int_equal(json_array_size(h), 3);
  const char *want[] = {"received", "review", "decide"};
  for (size_t i = 0; i < 3; i++)
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, i), "action")), want[i]);
  json_decref(o);
}

static void voice_grievance(void **state) {
  (void)state;
  submit_activity("MW.GRIEVE");
  json_t *b = J("{\"mechanism\":\"PACM\",\"activity\":\"MW.GRIEVE\",\"complainant\":\"Chikwawa farmers' group\","
                "\"contact\":\"+265 1 234 567\",\"subject\":\"Land use\",\"text\":\"We were not consulted.\"}");
  json_t *out = NULL;
  l6_error err = {0};
  assert_int_equal(svc_case_create(W.s, &W.anon, "grievance", b, &out, &err), L6_E_OK);
  assert_string_equal(json_string_value(json_object_get(out, "state")), "received");
  assert_true(json_is_null(json_object_get(out, "contact"))); /* never shown to the public */
  l6_id id = (l6_id)json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  json_t *o = NULL;
  TL_OK(svc_case_get(W.s, &W.ma, "grievance", id, &o, &err_), "get");
  assert_string_equal(json_string_value(json_object_get(o, "contact")), "+265 1 234 567");
  json_decref(o);
  EXPECT(L6_E_UNKNOWN_CASE, svc_case_get(W.s, &W.anon, "appeal", id, &out_, &err_));
  json_object_set_new(b, "mechanism", json_string("VCS"));
  EXPECT(L6_E_NOT_ELIGIBLE, svc_case_create(W.s, &W.anon, "grievance", b, &out_, &err_)); /* no "recourse" in vcs.json */
  json_object_set_new(b, "mechanism", json_string("PACM"));
  json_object_set_new(b, "priority", json_string("high"));
  EXPECT(L6_E_UNKNOWN_FIELD, svc_case_create(W.s, &W.anon, "grievance", b, &out_, &err_));
  json_decref(b);
  through_states("grievance", id);
}

static void voice_appeal(void **state) {
  (void)state;
  set_today("2026-11-21");
  submit_activity("MW.APPEAL");
  l6_step_req r = {0};
  snprintf(r.project, sizeof r.project, "MW.APPEAL");
  r.step = L6_STEP_VALIDATE;
  r.decision = L6_DECIDE_ACCEPT;
  r.ndocs = docs_for(L6_STEP_VALIDATE, r.docs);
  TL_OK(svc_cycle_step(W.s, &W.v, &r, &out_, &err_), "validate");
  r.step = L6_STEP_APPROVE;
  r.ndocs = docs_for(L6_STEP_APPROVE, r.docs);
  TL_OK(svc_cycle_step(W.s, &W.dna, &r, &out_, &err_), "approve");
  r.step = L6_STEP_REGISTER;
  r.decision = L6_DECIDE_REJECT;
  r.ndocs = docs_for(L6_STEP_REGISTER, r.docs);
  json_t *out = NULL;
  l6_error err = {0};
  assert_int_equal(svc_cycle_step(W.s, &W.ma, &r, &out, &err), L6_E_OK);
  l6_id rejected = (l6_id)json_integer_value(json_object_get(json_object_get(out, "step"), "id"));
  l6_id validated = rejected - 2;
  json_decref(out);
  char text[256];
  snprintf(text, sizeof text, "{\"activity\":\"MW.APPEAL\",\"step\":%lld,\"grounds\":\"The additionality test was misapplied.\"}",
           (long long)rejected);
  json_t *b = J(text);
  EXPECT(L6_E_UNAUTHORIZED, svc_case_create(W.s, &W.anon, "appeal", b, &out_, &err_));
  EXPECT(L6_E_FORBIDDEN, svc_case_create(W.s, &W.q, "appeal", b, &out_, &err_));
  EXPECT(L6_E_FORBIDDEN, svc_case_create(W.s, &W.v, "appeal", b, &out_, &err_));
  set_today("2027-01-21"); /* 61 days after the decision */
  EXPECT(L6_E_DEADLINE_PASSED, svc_case_create(W.s, &W.p, "appeal", b, &out_, &err_));
  set_today("2027-01-20"); /* the 60th */
  assert_int_equal(svc_case_create(W.s, &W.p, "appeal", b, &out, &err), L6_E_OK);
  assert_string_equal(json_string_value(json_object_get(out, "state")), "received");
  assert_string_equal(json_string_value(json_object_get(out, "appealed_decision")), "reject");
  l6_id id = (l6_id)json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  json_decref(b);
  /* Only the administrator's decisions are appealable. */
  snprintf(text, sizeof text, "{\"activity\":\"MW.APPEAL\",\"step\":%lld,\"grounds\":\"g\"}", (long long)validated);
  b = J(text);
  EXPECT(L6_E_INVALID_VALUE, svc_case_create(W.s, &W.p, "appeal", b, &out_, &err_));
  json_decref(b);
  through_states("appeal", id);
  set_today("2026-11-21");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(poa_file),        cmocka_unit_test(poa_fifty),      cmocka_unit_test(poa_atomic),
      cmocka_unit_test(poa_inclusion),   cmocka_unit_test(voice_comment),  cmocka_unit_test(voice_grievance),
      cmocka_unit_test(voice_appeal),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
