/*
 * test_cycle_data.c -- issue 20, items 6 and 7, in process on the store of
 * the run (SQLite, or PostgreSQL under tests/pg.sh), fixed clock
 * 2026-11-21, check level 2 (the partition re-checked after every
 * transaction):
 *
 *   params     config/methodologies/parameters.json: the shipped file
 *              loads; the calculators give from the file's parameters what
 *              they give from the same figures typed in (the hand-computed
 *              cases of test_calc.c); every strictness rule refuses with
 *              the key; seeded mutations of the file load or are refused,
 *              never crash, never load an out-of-range value.
 *   readings   devices with Ed25519 keys; a signed reading accepted, a bad
 *              signature, a replay, an unknown device, a reported period,
 *              a reviewer each refused with its code and nothing changed;
 *              the report sums the readings, fills the rest from the
 *              parameters, records the readings' hashes and digest.
 *   ex-ante    commitments on ABM: refusals (mechanism, state, own
 *              activity); a seeded random run of commitments and
 *              issuances against a model: each commitment delivered and
 *              retired exactly as the model says, never more than its
 *              quantity, never more than issued, in the issuance's
 *              transaction.
 *   bri        a third-party developer chooses China's or the host's
 *              registry; anything else, a Party of the cooperation
 *              choosing, or a mechanism without the choice refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/cycle.h"
#include "core/benefit.h"
#include "service/calc_params.h"
#include "service/cycle.h"
#include "service/cycle_data.h"
#include "service/mechanism.h"
#include "service/service_int.h"
#include "store/store.h"
#include "testlib.h"
#include "testlib_svc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ====================================================================== */
/* The world                                                               */
/* ====================================================================== */

static int64_t now_ms;
static int64_t test_clock(void) { return now_ms; }

static struct {
  tl_store ts;
  l6_svc *s;
  l6_store *st;
  l6_id org_p, org_f, org_f2, org_v, org_dna, org_c, org_t;
  l6_id acc_p, acc_f, acc_f2, acc_c, acc_t;
  l6_id acc_bs[L6_MAX_BENEFIT_SHARES]; /* GHA01: the host's benefit-sharing accounts (mech_ldc.c) */
  l6_actor anon, admin, p, f, f2, v, dna, ma, c, t, reviewer;
  tl_docs docs; /* document hashes by type */
  int seq;
} W;

static l6_id mk_org(const char *registry, const char *name) { return tl_svc_org(W.s, &W.admin, registry, name); }

static l6_id mk_account(const char *registry, l6_id org) {
  char name[64];
  snprintf(name, sizeof name, "%s holding %lld", registry, (long long)org);
  return tl_svc_account(W.s, &W.admin, registry, org, L6_ACCT_HOLDING, name);
}

static void mk_party(const char *code) { tl_svc_party(W.s, &W.admin, code); }


static const l6_mech *mech(const char *code) { return tl_svc_mech(W.s, code); }

static size_t docs_for(const l6_mech *m, l6_step st, l6_doc_ref *refs) {
  return tl_svc_docs_for(W.s, &W.p, &W.docs, m, st, refs);
}

/* The actor of step st of m; the participant is `part`. */
static const l6_actor *actor_for(const l6_mech *m, l6_step st, const l6_actor *part) {
  switch (m->steps[st].role) {
  case L6_MROLE_PARTICIPANT: return part;
  case L6_MROLE_VALIDATOR: return &W.v;
  case L6_MROLE_AUTHORITY: return &W.dna;
  default: return &W.ma;
  }
}

static const char *repo_config(void) {
  static char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  return cfg;
}

static int world_setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  int64_t d;
  assert_true(date_to_days("2026-11-21", &d));
  now_ms = d * 86400000 + 12 * 3600000;
  l6_error err = {0};
  if (tl_store_make(&W.ts, "cdata", 1) != 0) return -1;
  W.st = tl_store_open(&W.ts);
  if (W.st == NULL) return -1;
  W.s = svc_open(W.st, 2, &err);
  if (W.s) svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  if (W.s == NULL) return -1;
  svc_set_clock(W.s, test_clock);
  if (svc_load_config(W.s, repo_config(), &err) != L6_E_OK) fail_msg("config: %s", err.message);
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  W.ma = tl_actor(L6_ROLE_MECHANISM_ADMIN, 0, "mechanism admin");
  W.anon = tl_actor(L6_ROLE__NONE, 0, "");
  const char *parties[] = {"GHA", "CHN", "USA", "CHE"};
  for (size_t i = 0; i < COUNT(parties); i++) mk_party(parties[i]);
  W.org_p = mk_org("GHA01", "Participant (Ghana)");
  W.org_f = mk_org("CHE01", "Funder one (Switzerland)");
  W.org_f2 = mk_org("GHA01", "Funder two (Ghana)");
  W.org_v = mk_org("CHE01", "Accredited DOE");
  W.org_dna = mk_org("GHA01", "Ghana EPA");
  W.org_c = mk_org("CHN01", "Chinese developer");
  W.org_t = mk_org("USA01", "Third-party developer (USA)");
  W.p = tl_actor(L6_ROLE_HOLDER, W.org_p, "participant");
  W.f = tl_actor(L6_ROLE_HOLDER, W.org_f, "funder one");
  W.f2 = tl_actor(L6_ROLE_HOLDER, W.org_f2, "funder two");
  W.v = tl_actor(L6_ROLE_VALIDATOR, W.org_v, "validator");
  W.dna = tl_actor(L6_ROLE_AUTHORITY, W.org_dna, "authority GHA");
  W.c = tl_actor(L6_ROLE_HOLDER, W.org_c, "Chinese developer");
  W.t = tl_actor(L6_ROLE_HOLDER, W.org_t, "third-party developer");
  W.reviewer = tl_actor(L6_ROLE_REVIEWER, W.org_dna, "reviewer");
  W.acc_p = mk_account("GHA01", W.org_p);
  W.acc_f = mk_account("CHE01", W.org_f);
  W.acc_f2 = mk_account("GHA01", W.org_f2);
  W.acc_c = mk_account("CHN01", W.org_c);
  W.acc_t = mk_account("USA01", W.org_t);
  for (size_t i = 0; i < L6_MAX_BENEFIT_SHARES; i++) W.acc_bs[i] = mk_account("GHA01", W.org_dna);
  const l6_mech_set *set = svc__mechs(W.s);
  for (size_t i = 0; i < set->n; i++)
    TL_OK(svc_accredit(W.s, &W.ma, W.org_v, set->m[i].code, (const char(*)[L6_CODE_MAX + 1])set->m[i].scopes,
                       set->m[i].nscopes, &out_, &err_),
          "accredit");
  return 0;
}

static int world_teardown(void **state) {
  (void)state;
  svc_close(W.s);
  tl_store_free(&W.ts);
  memset(&W, 0, sizeof W);
  return 0;
}

/* ---- dumps: "nothing changed" ------------------------------------------ */

static int dump_tx(void *ctx, const void *row) {
  const l6_tx *t = row;
  tl_sb_add(ctx, "tx %lld %s %lld->%lld %lld\n", (long long)t->id, l6_tx_kind_str(t->kind), (long long)t->from_account,
            (long long)t->to_account, (long long)t->quantity);
  return 0;
}
static int dump_act(void *ctx, const void *row) {
  const l6_activity *a = row;
  tl_sb_add(ctx, "act %s %s %s\n", a->project, a->state, a->updated);
  return 0;
}
static int dump_arec(void *ctx, const void *row) {
  const l6_arec *r = row;
  tl_sb_add(ctx, "  rec %s %lld %d %s %s\n", r->kind, (long long)r->id, r->period, r->ref, r->body);
  return 0;
}
typedef struct {
  char ids[64][L6_CODE_MAX + 1];
  size_t n;
} id_list;
static int collect_act(void *ctx, const void *row) {
  id_list *l = ctx;
  if (l->n < COUNT(l->ids)) snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", ((const l6_activity *)row)->project);
  return 0;
}
static int dump_period(void *ctx, const void *row) {
  const l6_period *p = row;
  tl_sb_add(ctx, "  period %d %s %lld %s\n", p->seq, p->state, (long long)p->reported, p->inputs);
  return 0;
}

static char *dump(void) {
  tl_sbuf b = {0};
  l6_error err;
  l6_tx_filter f = {.limit = 1000000};
  assert_int_equal(W.st->ops->tx_list(W.st, &f, dump_tx, &b, &err), L6_E_OK);
  id_list *ids = calloc(1, sizeof *ids);
  assert_int_equal(W.st->ops->activity_list(W.st, "", "", "", 64, collect_act, ids, &err), L6_E_OK);
  assert_int_equal(W.st->ops->activity_list(W.st, "", "", "", 64, dump_act, &b, &err), L6_E_OK);
  static const char *const kinds[] = {"device", "reading", "commitment", "registry-choice"};
  for (size_t i = 0; i < ids->n; i++) {
    assert_int_equal(W.st->ops->period_list(W.st, ids->ids[i], 1000, dump_period, &b, &err), L6_E_OK);
    for (size_t k = 0; k < COUNT(kinds); k++)
      assert_int_equal(W.st->ops->arec_list(W.st, ids->ids[i], kinds[k], -1, dump_arec, &b, &err), L6_E_OK);
  }
  free(ids);
  tl_sb_add(&b, "%s", ""); /* never NULL */
  return b.buf;
}

static void refused_at(l6_err got, l6_err want, json_t *out, const l6_error *err, const char *before, const char *file,
                       int line) {
  if (got != want)
    fail_msg("%s:%d: want %s, got %s (%s)", file, line, l6_err_code(want), l6_err_code(got), err ? err->message : "");
  if (out != NULL) fail_msg("%s:%d: a refused call returned a body", file, line);
  char *after = dump();
  if (strcmp(before, after) != 0) fail_msg("%s:%d: refused with %s but the store changed", file, line, l6_err_code(got));
  free(after);
}
#define REFUSED(want, call)                                                                                          \
  do {                                                                                                               \
    char *before_ = dump();                                                                                          \
    json_t *out_ = NULL;                                                                                             \
    l6_error err_ = {0};                                                                                             \
    l6_err e_ = (call);                                                                                              \
    refused_at(e_, (want), out_, &err_, before_, __FILE__, __LINE__);                                                \
    free(before_);                                                                                                   \
  } while (0)

static json_t *ok_at(l6_err e, json_t *out, const l6_error *err, const char *file, int line) {
  if (e != L6_E_OK) fail_msg("%s:%d: %s: %s", file, line, l6_err_code(e), err->message);
  return out;
}
/* var = the reply of call, which must succeed (call may name out_, err_). */
#define OK_INTO(var, call)                                                                                           \
  do {                                                                                                               \
    json_t *out_ = NULL;                                                                                             \
    l6_error err_ = {0};                                                                                             \
    l6_err e_ = (call);                                                                                              \
    (var) = ok_at(e_, out_, &err_, __FILE__, __LINE__);                                                              \
  } while (0)
#define OK_DROP(call)                                                                                                \
  do {                                                                                                               \
    json_t *got_;                                                                                                    \
    OK_INTO(got_, call);                                                                                             \
    json_decref(got_);                                                                                               \
  } while (0)

static l6_step_req *sreq(const l6_mech *m, const char *project, int period, l6_step st, l6_decision d) {
  static l6_step_req ring[8];
  static unsigned next;
  l6_step_req *r = &ring[next++ % 8];
  memset(r, 0, sizeof *r);
  snprintf(r->project, sizeof r->project, "%s", project);
  r->period = period;
  r->step = st;
  r->decision = d;
  r->ndocs = docs_for(m, st, r->docs);
  static json_t *extra[8]; /* what the mechanism asks besides documents */
  tl_svc_step_extras(m, r, &extra[(next - 1) % 8], W.acc_bs);
  return r;
}

static json_t *step(const l6_actor *a, const l6_step_req *r) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_cycle_step(W.s, a, r, &out, &err);
  if (e != L6_E_OK) fail_msg("step %s of %s: %s: %s", l6_step_str(r->step), r->project, l6_err_code(e), err.message);
  return out;
}

static const char *next_id(const char *prefix) {
  static char buf[L6_CODE_MAX + 1];
  snprintf(buf, sizeof buf, "%.16s.%d", prefix, ++W.seq % 1000000);
  return buf;
}

/* Submits activity id of m as part, hosted by host, issuing in registry,
 * with a registry choice (NULL: none); returns the call's code. */
static l6_err submit(const l6_mech *m, const char *id, const l6_actor *part, const char *host, const char *registry,
                     const char *choice, json_t **out, l6_error *err) {
  l6_submit_req r = {.ets_covered = 0};
  l6_project *p = &r.project;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->host, sizeof p->host, "%s", host);
  snprintf(p->title, sizeof p->title, "Activity %s", id);
  snprintf(p->methodology, sizeof p->methodology, "%s", m->calcs[0]->name);
  snprintf(p->sector, sizeof p->sector, "energy");
  snprintf(p->kind, sizeof p->kind, "%s", m->kind_avoidance ? "avoidance" : "adaptation");
  snprintf(p->crediting_start, sizeof p->crediting_start, "2021-01-01");
  snprintf(p->crediting_end, sizeof p->crediting_end, "2030-12-31");
  snprintf(r.mechanism, sizeof r.mechanism, "%s", m->code);
  snprintf(r.registry, sizeof r.registry, "%s", registry);
  snprintf(r.scope, sizeof r.scope, "%s", m->scopes[0]);
  snprintf(r.third_party_choice, sizeof r.third_party_choice, "%s", choice ? choice : "");
  r.ndocs = docs_for(m, L6_STEP_SUBMIT, r.docs);
  return svc_activity_submit(W.s, part, &r, out, err);
}

/* A registered activity of m (participant part, host GHA, registry GHA01). */
static const char *registered(const l6_mech *m, const l6_actor *part, const char *choice) {
  static char id[L6_CODE_MAX + 1];
  snprintf(id, sizeof id, "%s", next_id(m->code));
  OK_DROP(submit(m, id, part, "GHA", "GHA01", choice, &out_, &err_));
  const l6_step chain[] = {L6_STEP_VALIDATE, L6_STEP_APPROVE, L6_STEP_REGISTER};
  for (size_t i = 0; i < COUNT(chain); i++)
    if (m->steps[chain[i]].defined) json_decref(step(actor_for(m, chain[i], part), sreq(m, id, 0, chain[i], L6_DECIDE_ACCEPT)));
  return id;
}

/* Reports a period (year 2021 + k) of m's calculator calc with inputs;
 * returns the reply (the caller frees it) or fails the test. */
static l6_step_req *report_req(const l6_mech *m, const char *id, int k, const char *calc, const l6_calc_arg *in, size_t n) {
  l6_step_req *r = sreq(m, id, 0, L6_STEP_MONITOR, L6_DECIDE_NONE);
  snprintf(r->start, sizeof r->start, "%04d-01-01", 2021 + k);
  snprintf(r->end, sizeof r->end, "%04d-12-31", 2021 + k);
  snprintf(r->calculator, sizeof r->calculator, "%s", calc);
  for (size_t i = 0; i < n; i++) r->inputs[i] = in[i];
  r->ninputs = n;
  return r;
}

/* verify (certified = reported), request, issue; returns the issue reply. */
static json_t *certify_issue(const l6_mech *m, const char *id, int seq, l6_qty certified, const l6_actor *part) {
  l6_step_req *r = sreq(m, id, seq, L6_STEP_VERIFY, L6_DECIDE_ACCEPT);
  r->certified = certified;
  json_decref(step(&W.v, r));
  json_decref(step(part, sreq(m, id, seq, L6_STEP_REQUEST, L6_DECIDE_NONE)));
  return step(&W.ma, sreq(m, id, seq, L6_STEP_ISSUE, L6_DECIDE_ACCEPT));
}

static int64_t jint(const json_t *o, const char *path) {
  char key[64];
  const json_t *v = o;
  const char *p = path;
  while (v && *p) {
    size_t n = strcspn(p, ".");
    snprintf(key, sizeof key, "%.*s", (int)n, p);
    v = json_object_get(v, key);
    p += n + (p[n] == '.');
  }
  if (!json_is_integer(v)) fail_msg("no integer at %s", path);
  return json_integer_value(v);
}

static l6_qty total_of(l6_id account) {
  l6_pick_filter f = {.account = account};
  l6_qty q = 0;
  l6_error err;
  assert_int_equal(W.st->ops->account_total(W.st, &f, &q, &err), L6_E_OK);
  return q;
}

static l6_id reg_account(const char *registry, l6_account_type t) {
  l6_account a;
  l6_error err;
  assert_int_equal(W.st->ops->account_of_registry(W.st, registry, t, &a, &err), L6_E_OK);
  return a.id;
}

/* ====================================================================== */
/* params                                                                  */
/* ====================================================================== */

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) fail_msg("cannot read %s", path);
  char *buf = malloc(L6_MAX_CALC_PARAMS_BYTES + 1);
  *len = fread(buf, 1, L6_MAX_CALC_PARAMS_BYTES, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static const char *params_path(void) {
  static char p[1100];
  snprintf(p, sizeof p, "%s/methodologies/parameters.json", repo_config());
  return p;
}

/* The shipped file loads, and the service has it. */
static void test_params_shipped(void **state) {
  (void)state;
  size_t len;
  char *text = read_all(params_path(), &len);
  l6_calc_params *p = NULL;
  l6_error err = {0};
  if (calc_params_parse("parameters.json", text, len, &p, &err) != L6_E_OK) fail_msg("%s", err.message);
  assert_true(p->n >= 4);
  const l6_calc *cook = calc_find("cookstoves"), *grid = calc_find("grid-renewable");
  const l6_calc_param *x = calc_params_find(p, cook, 1, "GHA");
  assert_non_null(x);
  assert_int_equal(x->value, 1747000);
  assert_string_equal(x->party, "");
  x = calc_params_find(p, grid, 1, "CHN");
  assert_non_null(x);
  assert_int_equal(x->value, 570300);
  assert_null(calc_params_find(p, grid, 1, "GHA")); /* no default grid factor: a report must give it */
  assert_null(calc_params_find(p, grid, 0, "CHN"));  /* metered quantities are never parameters */
  assert_non_null(svc__mechs(W.s)->params);
  assert_string_equal(svc__mechs(W.s)->params->hash, p->hash);
  calc_params_free(p);
  free(text);
}

/* The hand-computed cases of test_calc.c, their fixed figures (GWP, EF,
 * fNRB, grid factor) left out of the report and taken from the file, give
 * what the same figures typed in gave. */
static void test_params_regression(void **state) {
  (void)state;
  const l6_mech *ccer = mech("CCER"), *pacm = mech("PACM");
  struct {
    const l6_mech *m;
    const char *calc;
    const l6_actor *part;
    l6_calc_arg typed[3], left[3];
    size_t ntyped, nleft;
    l6_qty want;
    const char *param; /* the input the file gave, and from where */
    const char *from;
  } cases[] = {
      /* 1,000 t CH4 x GWP 28 - 150 t = 27,850 t. */
      {pacm, "methane-destruction", &W.p, {{"ch4_kg", 1000000}, {"gwp_e1", 280}, {"pe_kg", 150000}},
       {{"ch4_kg", 1000000}, {"pe_kg", 150000}}, 3, 2, 27850, "gwp_e1", "default"},
      /* 12,345 kg x 28 - 660 kg = 345 t. */
      {pacm, "methane-destruction", &W.p, {{"ch4_kg", 12345}, {"gwp_e1", 280}, {"pe_kg", 660}},
       {{"ch4_kg", 12345}, {"pe_kg", 660}}, 3, 2, 345, "gwp_e1", "default"},
      /* 6,000 t wood x 1.747 x 30 % = 3,144.6 -> 3,144 t. */
      {pacm, "cookstoves", &W.p, {{"fuel_saved_kg", 6000000}, {"ef_t_t_e6", 1747000}, {"fnrb_bp", 3000}},
       {{"fuel_saved_kg", 6000000}}, 3, 1, 3144, "fnrb_bp", "default"},
      /* 120,000 MWh x 0.5703 t/MWh (China's factor) = 68,436 t. */
      {ccer, "grid-renewable", &W.c, {{"net_kwh", 120000000}, {"ef_cm_t_mwh_e6", 570300}},
       {{"net_kwh", 120000000}}, 2, 1, 68436, "ef_cm_t_mwh_e6", "CHN"},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    l6_qty direct = -1;
    l6_error err = {0};
    assert_int_equal(svc_calc(cases[i].calc, cases[i].typed, cases[i].ntyped, &direct, &err), L6_E_OK);
    assert_int_equal(direct, cases[i].want);
    for (int pass = 0; pass < 2; pass++) { /* typed in, then from the file */
      const char *host = cases[i].m == ccer ? "CHN" : "GHA";
      char id[L6_CODE_MAX + 1];
      snprintf(id, sizeof id, "%s", next_id("PAR"));
      OK_DROP(submit(cases[i].m, id, cases[i].part, host, host[0] == 'C' ? "CHN01" : "GHA01", NULL, &out_, &err_));
      const l6_step chain[] = {L6_STEP_VALIDATE, L6_STEP_APPROVE, L6_STEP_REGISTER};
      for (size_t k = 0; k < COUNT(chain); k++) {
        if (!cases[i].m->steps[chain[k]].defined) continue;
        const l6_actor *a = actor_for(cases[i].m, chain[k], cases[i].part);
        if (a == &W.dna && strcmp(host, "CHN") == 0) fail_msg("CCER takes no host approval");
        json_decref(step(a, sreq(cases[i].m, id, 0, chain[k], L6_DECIDE_ACCEPT)));
      }
      l6_step_req *r = pass ? report_req(cases[i].m, id, 2, cases[i].calc, cases[i].left, cases[i].nleft)
                            : report_req(cases[i].m, id, 2, cases[i].calc, cases[i].typed, cases[i].ntyped);
      json_t *out = step(cases[i].part, r);
      assert_int_equal(jint(out, "period.reported"), cases[i].want);
      json_t *src = json_object_get(json_object_get(json_object_get(out, "step"), "detail"), "sources");
      json_t *s = json_object_get(src, cases[i].param);
      if (pass) {
        assert_string_equal(json_string_value(json_object_get(s, "parameter")), cases[i].from);
        assert_non_null(json_object_get(json_object_get(json_object_get(out, "step"), "detail"), "parameters_hash"));
      } else {
        assert_string_equal(json_string_value(s), "reported");
      }
      json_decref(out);
    }
  }
}

static l6_err parse_text(const char *text, l6_error *err) {
  l6_calc_params *p = NULL;
  l6_err e = calc_params_parse("t.json", text, strlen(text), &p, err);
  if (e == L6_E_OK) assert_non_null(p);
  else assert_null(p);
  calc_params_free(p);
  return e;
}

/* Strict loading: each malformed file refused, naming the key. */
static void test_params_strict(void **state) {
  (void)state;
  static const struct {
    const char *text, *key;
  } bad[] = {
      {"[]", "must be a JSON object"},
      {"{}", "key calculators"},
      {"{\"calculators\": {}, \"extra\": 1}", "key extra"},
      {"{\"calculators\": {\"solar\": {}}}", "calculators.solar"},
      {"{\"calculators\": {\"cookstoves\": {}}}", "calculators.cookstoves"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb\": {\"default\": {\"value\": 1, \"source\": \"s\"}}}}}",
       "calculators.cookstoves.fnrb"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 10001, \"source\": \"s\"}}}}}",
       "calculators.cookstoves.fnrb_bp.default"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": -1, \"source\": \"s\"}}}}}",
       "0 to 10000"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1.5, \"source\": \"s\"}}}}}",
       "must be an integer"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1}}}}}", "source"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1, \"source\": \"\"}}}}}", "source"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1, \"source\": \"s\", \"x\": 1}}}}}",
       "unknown key x"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"parties\": {\"mwi\": {\"value\": 1, \"source\": \"s\"}}}}}}",
       "parties.mwi"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"parties\": {}}}}}", "parties"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {}}}}", "needs a default or parties"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": 3000}}}}", "must be an object"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1, \"source\": \"s\"}, "
       "\"default\": {\"value\": 2, \"source\": \"s\"}}}}}",
       "duplicate"},
      {"{\"description\": 7, \"calculators\": {}}", "description"},
      {"{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"default\": {\"value\": 1, \"source\": \"s\"}}}}", "line"},
  };
  for (size_t i = 0; i < COUNT(bad); i++) {
    l6_error err = {0};
    l6_err e = parse_text(bad[i].text, &err);
    if (e != L6_E_INVALID_CONFIG) fail_msg("case %zu: want invalid_config, got %s", i, l6_err_code(e));
    if (strstr(err.message, bad[i].key) == NULL) fail_msg("case %zu: '%s' does not name '%s'", i, err.message, bad[i].key);
  }
  l6_error err = {0};
  assert_int_equal(parse_text("{\"calculators\": {\"cookstoves\": {\"fnrb_bp\": {\"parties\": {\"MWI\": "
                              "{\"value\": 8800, \"source\": \"s\"}}}}}}",
                              &err),
                   L6_E_OK);
  /* The loader refuses the folder with a bad file: the service does not start. */
  char *dir = tl_tmpdir_make("cdata-params");
  assert_non_null(dir);
  char cmd[4400];
  snprintf(cmd, sizeof cmd, "cp -r '%s/.' '%s/' && printf '{\"calculators\": {\"solar\": {}}}' > '%s/methodologies/parameters.json'",
           repo_config(), dir, dir);
  assert_int_equal(system(cmd), 0);
  tl_store ts;
  assert_int_equal(tl_store_make(&ts, "cdatap", 1), 0);
  l6_store *st = tl_store_open(&ts);
  l6_svc *s = svc_open(st, 0, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(s);
  assert_int_equal(svc_load_config(s, dir, &err), L6_E_INVALID_CONFIG);
  assert_non_null(strstr(err.message, "calculators.solar"));
  svc_close(s);
  tl_store_free(&ts);
  tl_tmpdir_remove(dir);
}

/* Seeded mutations of the shipped file: each loads or is refused
 * (INVALID_CONFIG), never crashes; a file that loads holds only values in
 * their calculator input's range, each with a source. */
static void test_params_fuzz(void **state) {
  (void)state;
  size_t len;
  char *orig = read_all(params_path(), &len);
  tl_rng r;
  tl_rng_init(&r, 2001);
  static const char pieces[][12] = {"{", "}", "[", "]", "\"", ":", ",", "0", "-1", "1e3", "null", "true",
                                    "\"x\"", "9999999999", "\\u0000", "\"MWI\"", "{}"};
  char *buf = malloc(L6_MAX_CALC_PARAMS_BYTES + 64);
  int loaded = 0;
  for (int it = 0; it < 3000; it++) {
    memcpy(buf, orig, len);
    size_t n = len;
    int edits = 1 + (int)tl_rng_below(&r, 4);
    for (int k = 0; k < edits && n > 0; k++) {
      size_t at = tl_rng_below(&r, n);
      switch (tl_rng_below(&r, 4)) {
      case 0: buf[at] = (char)tl_rng_below(&r, 256); break;           /* flip a byte */
      case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break; /* drop one */
      case 2: {                                                         /* insert a JSON piece */
        const char *p = pieces[tl_rng_below(&r, COUNT(pieces))];
        size_t pl = strlen(p);
        if (n + pl > L6_MAX_CALC_PARAMS_BYTES) break;
        memmove(buf + at + pl, buf + at, n - at);
        memcpy(buf + at, p, pl);
        n += pl;
        break;
      }
      default: { /* change a digit: values move in and out of range */
        for (size_t j = at; j < n; j++)
          if (buf[j] >= '0' && buf[j] <= '9') {
            buf[j] = (char)('0' + tl_rng_below(&r, 10));
            break;
          }
      }
      }
    }
    l6_calc_params *p = NULL;
    l6_error err = {0};
    l6_err e = calc_params_parse("fuzz.json", buf, n, &p, &err);
    if (e != L6_E_OK) {
      if (e != L6_E_INVALID_CONFIG) fail_msg("iteration %d: %s", it, l6_err_code(e));
      assert_null(p);
      continue;
    }
    loaded++;
    for (size_t i = 0; i < p->n; i++) {
      const l6_calc_input *in = &p->p[i].calc->inputs[p->p[i].input];
      assert_in_range(p->p[i].value, in->min, in->max);
      assert_true(p->p[i].source[0] != '\0');
    }
    calc_params_free(p);
  }
  assert_true(loaded > 0); /* digit changes inside the ranges keep loading */
  free(buf);
  free(orig);
}

/* ====================================================================== */
/* readings                                                                */
/* ====================================================================== */

typedef struct {
  unsigned char pk[32], sk[64];
  char pk_hex[65];
  const char *name;
} device;

static void mk_device(device *d, const char *name) {
  crypto_sign_keypair(d->pk, d->sk);
  sodium_bin2hex(d->pk_hex, sizeof d->pk_hex, d->pk, sizeof d->pk);
  d->name = name;
}

static json_t *device_body(const device *d) { return json_pack("{s:s, s:s}", "name", d->name, "public_key", d->pk_hex); }

/* A reading signed by d (tamper: flip a bit of the signature). */
static json_t *reading(const device *d, const char *act, int period, int64_t seq, const char *input, int64_t value,
                       const char *on, bool tamper) {
  char msg[L6_READING_MSG_MAX], sig[129];
  int n = svc_reading_message(msg, sizeof msg, act, period, d->name, seq, input, value, on);
  assert_true(n > 0);
  unsigned char sg[64];
  crypto_sign_detached(sg, NULL, (const unsigned char *)msg, (unsigned long long)n, d->sk);
  if (tamper) sg[7] ^= 0x10;
  sodium_bin2hex(sig, sizeof sig, sg, sizeof sg);
  return json_pack("{s:s, s:I, s:s, s:I, s:s, s:s}", "device", d->name, "seq", (json_int_t)seq, "input", input, "value",
                   (json_int_t)value, "taken_on", on, "signature", sig);
}

static json_t *post_reading(const l6_actor *a, const char *act, int period, json_t *body, l6_err want) {
  json_t *out = NULL;
  l6_error err = {0};
  char *before = dump();
  l6_err e = svc_reading_submit(W.s, a, act, period, body, &out, &err);
  if (want != L6_E_OK) refused_at(e, want, out, &err, before, __FILE__, __LINE__);
  else if (e != L6_E_OK) fail_msg("reading: %s: %s", l6_err_code(e), err.message);
  free(before);
  json_decref(body);
  return out;
}

static void test_readings(void **state) {
  (void)state;
  const l6_mech *m = mech("PACM");
  const char *id0 = registered(m, &W.p, NULL);
  char id[L6_CODE_MAX + 1];
  snprintf(id, sizeof id, "%s", id0);
  device d1, d2, ghost;
  mk_device(&d1, "meter-1");
  mk_device(&d2, "meter-2");
  mk_device(&ghost, "meter-9");
  /* Registration: the participant only, a well-formed key, a fresh name. */
  json_t *b = device_body(&d1);
  REFUSED(L6_E_UNAUTHORIZED, svc_device_register(W.s, &W.anon, id, b, &out_, &err_));
  REFUSED(L6_E_FORBIDDEN, svc_device_register(W.s, &W.f, id, b, &out_, &err_));
  REFUSED(L6_E_FORBIDDEN, svc_device_register(W.s, &W.v, id, b, &out_, &err_));
  json_decref(b);
  b = json_pack("{s:s, s:s}", "name", "meter-1", "public_key", "abc");
  REFUSED(L6_E_INVALID_VALUE, svc_device_register(W.s, &W.p, id, b, &out_, &err_));
  json_decref(b);
  b = json_pack("{s:s, s:s, s:i}", "name", "meter-1", "public_key", d1.pk_hex, "x", 1);
  REFUSED(L6_E_UNKNOWN_FIELD, svc_device_register(W.s, &W.p, id, b, &out_, &err_));
  json_decref(b);
  b = device_body(&d1);
  json_t *dev;
  OK_INTO(dev, svc_device_register(W.s, &W.p, id, b, &out_, &err_));
  assert_string_equal(json_string_value(json_object_get(dev, "public_key")), d1.pk_hex);
  json_decref(dev);
  REFUSED(L6_E_ALREADY_EXISTS, svc_device_register(W.s, &W.p, id, b, &out_, &err_));
  json_decref(b);
  b = device_body(&d2);
  OK_DROP(svc_device_register(W.s, &W.p, id, b, &out_, &err_));
  json_decref(b);
  /* Readings of period 1 (not yet reported): 3 of net_kwh. */
  json_t *r1 = post_reading(&W.anon, id, 1, reading(&d1, id, 1, 1, "net_kwh", 40000, "2023-03-31", false), L6_E_OK);
  json_t *r2 = post_reading(&W.f, id, 1, reading(&d1, id, 1, 5, "net_kwh", 50000, "2023-06-30", false), L6_E_OK);
  json_t *r3 = post_reading(&W.anon, id, 1, reading(&d2, id, 1, 1, "net_kwh", 10500, "2023-12-31", false), L6_E_OK);
  /* The refusals, each changing nothing. */
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 6, "net_kwh", 50000, "2023-07-01", true), L6_E_BAD_SIGNATURE));
  /* Signed for another period, activity or value than posted. */
  json_t *x = reading(&d1, id, 2, 6, "net_kwh", 50000, "2023-07-01", false);
  json_decref(post_reading(&W.anon, id, 1, x, L6_E_BAD_SIGNATURE));
  x = reading(&d1, id, 1, 6, "net_kwh", 50000, "2023-07-01", false);
  json_object_set_new(x, "value", json_integer(50001));
  json_decref(post_reading(&W.anon, id, 1, x, L6_E_BAD_SIGNATURE));
  /* Signed by another device's key. */
  x = reading(&ghost, id, 1, 6, "net_kwh", 1, "2023-07-01", false);
  json_object_set_new(x, "device", json_string("meter-1"));
  json_decref(post_reading(&W.anon, id, 1, x, L6_E_BAD_SIGNATURE));
  json_decref(post_reading(&W.anon, id, 1, reading(&ghost, id, 1, 1, "net_kwh", 1, "2023-07-01", false), L6_E_UNKNOWN_DEVICE));
  /* Replays: the same reading again, and an older sequence number. */
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 5, "net_kwh", 50000, "2023-06-30", false), L6_E_READING_REPLAYED));
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 3, "net_kwh", 7, "2023-06-30", false), L6_E_READING_REPLAYED));
  json_decref(post_reading(&W.reviewer, id, 1, reading(&d1, id, 1, 9, "net_kwh", 7, "2023-06-30", false), L6_E_FORBIDDEN));
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 9, "wind_speed", 7, "2023-06-30", false), L6_E_INVALID_VALUE));
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 9, "net_kwh", -1, "2023-06-30", false), L6_E_INVALID_VALUE));
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 9, "net_kwh", 7, "2026-11-22", false), L6_E_INVALID_VALUE));
  json_decref(post_reading(&W.anon, id, 3, reading(&d1, id, 3, 9, "net_kwh", 7, "2023-06-30", false), L6_E_UNKNOWN_PERIOD));
  /* The report of period 1: net_kwh from the readings (100,500 kWh), the
   * grid factor typed (GHA has none in the file): 100.5 MWh x 0.8 t = 80. */
  l6_calc_arg ef[] = {{"ef_cm_t_mwh_e6", 800000}};
  l6_calc_arg both[] = {{"net_kwh", 1}, {"ef_cm_t_mwh_e6", 800000}};
  REFUSED(L6_E_INVALID_VALUE, svc_cycle_step(W.s, &W.p, report_req(m, id, 2, "grid-renewable", both, 2), &out_, &err_));
  l6_step_req *rq = report_req(m, id, 2, "grid-renewable", ef, 1);
  snprintf(rq->start, sizeof rq->start, "2023-04-01"); /* the first reading lies before */
  REFUSED(L6_E_INVALID_VALUE, svc_cycle_step(W.s, &W.p, rq, &out_, &err_));
  json_t *out = step(&W.p, report_req(m, id, 2, "grid-renewable", ef, 1));
  assert_int_equal(jint(out, "period.reported"), 80);
  assert_int_equal(jint(out, "period.inputs.net_kwh"), 100500);
  json_t *det = json_object_get(json_object_get(out, "step"), "detail");
  assert_string_equal(json_string_value(json_object_get(json_object_get(det, "sources"), "net_kwh")), "readings");
  assert_string_equal(json_string_value(json_object_get(json_object_get(det, "sources"), "ef_cm_t_mwh_e6")), "reported");
  json_t *rd = json_object_get(det, "readings");
  assert_int_equal(jint(rd, "count"), 3);
  /* The trail holds the readings' hashes, and their digest. */
  json_t *list;
  OK_INTO(list, svc_reading_list(W.s, &W.anon, id, 1, &out_, &err_));
  json_t *items = json_object_get(list, "items");
  assert_int_equal(json_array_size(items), 3);
  crypto_hash_sha256_state hs;
  crypto_hash_sha256_init(&hs);
  for (size_t i = 0; i < 3; i++) {
    const char *h = json_string_value(json_object_get(json_array_get(items, i), "hash"));
    assert_string_equal(h, json_string_value(json_array_get(json_object_get(rd, "hashes"), i)));
    crypto_hash_sha256_update(&hs, (const unsigned char *)h, strlen(h));
  }
  unsigned char dg[32];
  char dh[65];
  crypto_hash_sha256_final(&hs, dg);
  sodium_bin2hex(dh, sizeof dh, dg, sizeof dg);
  assert_string_equal(json_string_value(json_object_get(rd, "digest")), dh);
  /* A reading's hash is the SHA-256 of the text its device signed. */
  char msg[L6_READING_MSG_MAX];
  int n = svc_reading_message(msg, sizeof msg, id, 1, "meter-1", 1, "net_kwh", 40000, "2023-03-31");
  unsigned char h1[32];
  char h1x[65];
  crypto_hash_sha256(h1, (const unsigned char *)msg, (unsigned long long)n);
  sodium_bin2hex(h1x, sizeof h1x, h1, sizeof h1);
  assert_string_equal(json_string_value(json_object_get(r1, "hash")), h1x);
  /* The step record as stored holds the same. */
  json_t *act;
  OK_INTO(act, svc_activity_get(W.s, &W.anon, id, &out_, &err_));
  json_t *steps = json_object_get(act, "steps"), *last = json_array_get(steps, json_array_size(steps) - 1);
  assert_string_equal(json_string_value(json_object_get(last, "step")), "monitor");
  assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(last, "detail"), "readings"), "digest")), dh);
  json_decref(act);
  json_decref(list);
  json_decref(out);
  /* Period 1 is reported: its readings are closed. */
  json_decref(post_reading(&W.anon, id, 1, reading(&d1, id, 1, 10, "net_kwh", 7, "2023-06-30", false), L6_E_WRONG_STATE));
  json_decref(r1);
  json_decref(r2);
  json_decref(r3);
}

/* ====================================================================== */
/* ex-ante purchases                                                       */
/* ====================================================================== */

static json_t *commit_body(l6_qty q, int64_t price, l6_id acc, const char *benef) {
  return json_pack("{s:I, s:I, s:s, s:I, s:s}", "quantity", (json_int_t)q, "price", (json_int_t)price, "currency", "USD",
                   "funder_account", (json_int_t)acc, "beneficiary", benef);
}

static void test_exante_refusals(void **state) {
  (void)state;
  const l6_mech *abm = mech("ABM"), *pacm = mech("PACM");
  /* Before registration: submitted only. */
  char id[L6_CODE_MAX + 1];
  snprintf(id, sizeof id, "%s", next_id("ABM"));
  OK_DROP(submit(abm, id, &W.p, "GHA", "GHA01", NULL, &out_, &err_));
  json_t *b = commit_body(10, 100, W.acc_f, "Funder one");
  REFUSED(L6_E_WRONG_STATE, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_));
  const char *reg = registered(pacm, &W.p, NULL);
  REFUSED(L6_E_COMMITMENT_NOT_OFFERED, svc_commitment_post(W.s, &W.f, reg, b, &out_, &err_));
  const char *ab = registered(abm, &W.p, NULL);
  snprintf(id, sizeof id, "%s", ab);
  REFUSED(L6_E_UNAUTHORIZED, svc_commitment_post(W.s, &W.anon, id, b, &out_, &err_));
  REFUSED(L6_E_FORBIDDEN, svc_commitment_post(W.s, &W.v, id, b, &out_, &err_));
  REFUSED(L6_E_FORBIDDEN, svc_commitment_post(W.s, &W.f2, id, b, &out_, &err_)); /* not f2's account */
  json_decref(b);
  b = commit_body(10, 100, W.acc_p, "Participant");
  REFUSED(L6_E_FORBIDDEN, svc_commitment_post(W.s, &W.p, id, b, &out_, &err_)); /* its own activity */
  json_decref(b);
  b = commit_body(0, 100, W.acc_f, "Funder one");
  REFUSED(L6_E_INVALID_QUANTITY, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_));
  json_decref(b);
  b = commit_body(10, INT64_MAX / 2, W.acc_f, "Funder one");
  REFUSED(L6_E_INVALID_VALUE, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_)); /* price x quantity overflows */
  json_decref(b);
  b = json_pack("{s:i, s:i, s:s, s:I, s:s}", "quantity", 1, "price", 1, "currency", "usd", "funder_account",
                (json_int_t)W.acc_f, "beneficiary", "x");
  REFUSED(L6_E_INVALID_VALUE, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_));
  json_decref(b);
  b = json_pack("{s:i, s:i, s:s, s:I, s:s, s:b}", "quantity", 1, "price", 1, "currency", "USD", "funder_account",
                (json_int_t)W.acc_f, "beneficiary", "x", "retire", 1);
  REFUSED(L6_E_UNKNOWN_FIELD, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_));
  json_decref(b);
  b = commit_body(7, 1500, W.acc_f, "Funder one");
  json_t *c;
  OK_INTO(c, svc_commitment_post(W.s, &W.f, id, b, &out_, &err_));
  assert_int_equal(jint(c, "amount"), 10500);
  assert_int_equal(jint(c, "delivered"), 0);
  assert_string_equal(json_string_value(json_object_get(c, "state")), "open");
  json_decref(c);
  json_decref(b);
}

/* One commitment of the model. */
typedef struct {
  l6_qty quantity, delivered;
  int funder; /* 0: f (CHE01), 1: f2 (GHA01) */
} mcommit;

/* Seeded random commitments and issuances against a model: FIFO by
 * commitment, each delivery min(what it still wants, what the issuance
 * has left); every figure checked after every issuance. */
static void test_exante_model(void **state) {
  (void)state;
  const l6_mech *abm = mech("ABM");
  tl_rng r;
  tl_rng_init(&r, 2006);
  const char *id0 = registered(abm, &W.p, NULL);
  char id[L6_CODE_MAX + 1];
  snprintf(id, sizeof id, "%s", id0);
  mcommit mc[L6_MAX_COMMITMENTS];
  size_t nc = 0;
  l6_id ret_che = reg_account("CHE01", L6_ACCT_RETIREMENT), ret_gha = reg_account("GHA01", L6_ACCT_RETIREMENT);
  l6_id pend = reg_account("GHA01", L6_ACCT_PENDING);
  l6_qty ret0[2] = {total_of(ret_che), total_of(ret_gha)};
  l6_qty pend0 = total_of(pend), issued = 0, retired_model[2] = {0, 0}, shared = 0;
  /* Rounds: commitments first, then an issuance; the last rounds issue
   * enough to fulfil everything, so "delivered" state is reached for sure. */
  const int rounds = 8;
  for (int k = 0; k < rounds; k++) {
    int adds = (int)tl_rng_below(&r, 3) + (k == 0);
    for (int i = 0; i < adds && nc < L6_MAX_COMMITMENTS; i++) {
      mcommit *c = &mc[nc];
      c->quantity = tl_rng_range(&r, 1, 60);
      c->delivered = 0;
      c->funder = (int)tl_rng_below(&r, 2);
      json_t *b = commit_body(c->quantity, tl_rng_range(&r, 0, 5000), c->funder ? W.acc_f2 : W.acc_f,
                              c->funder ? "Funder two" : "Funder one");
      json_t *o;
  OK_INTO(o, svc_commitment_post(W.s, c->funder ? &W.f2 : &W.f, id, b, &out_, &err_));
      assert_int_equal(jint(o, "id"), (int64_t)nc + 1);
      json_decref(o);
      json_decref(b);
      nc++;
    }
    l6_qty want_all = 0;
    for (size_t i = 0; i < nc; i++) want_all += mc[i].quantity - mc[i].delivered;
    /* The host's benefit shares (mech_ldc.c) come off first: the last
     * round issues enough that what is left still fulfils everything. */
    l6_qty n = k >= rounds - 1 ? want_all + want_all / 8 + tl_rng_range(&r, 1, 20) : tl_rng_range(&r, 1, 80);
    l6_qty left = n, deliv = 0;
    if (abm->nbenefit) {
      int bp[L6_MAX_BENEFIT_SHARES];
      l6_qty bq[L6_MAX_BENEFIT_SHARES];
      for (size_t i = 0; i < abm->nbenefit; i++) bp[i] = abm->benefit[i].bp;
      l6_error berr;
      assert_int_equal(benefit_split(n, bp, abm->nbenefit, abm->rounding, bq, &left, &berr), L6_E_OK);
      shared += n - left;
    }
    /* The model. */
    for (size_t i = 0; i < nc && left > 0; i++) {
      l6_qty q = mc[i].quantity - mc[i].delivered;
      if (q > left) q = left;
      mc[i].delivered += q;
      left -= q;
      deliv += q;
      retired_model[mc[i].funder] += q;
    }
    /* The registry. */
    l6_calc_arg in[] = {{"people_resilient", n}, {"hectares", 0}, {"water_saved_m3", 0}, {"jobs", 0}, {"biodiversity_ha", 0}};
    l6_step_req *rq = report_req(abm, id, 0, "adaptation-benefits", in, COUNT(in));
    static const char *const q_start[] = {"01-01", "04-01", "07-01", "10-01"}, *const q_end[] = {"03-31", "06-30", "09-30", "12-31"};
    snprintf(rq->start, sizeof rq->start, "%04d-%s", 2021 + k / 4, q_start[k % 4]); /* quarters from 2021 */
    snprintf(rq->end, sizeof rq->end, "%04d-%s", 2021 + k / 4, q_end[k % 4]);
    json_t *o = step(&W.p, rq);
    int seq = (int)jint(o, "period.period");
    json_decref(o);
    o = certify_issue(abm, id, seq, n, &W.p);
    issued += n;
    json_t *d = json_object_get(json_object_get(o, "step"), "detail");
    assert_int_equal(jint(d, "delivered_ex_ante"), deliv);
    assert_true(jint(d, "delivered_ex_ante") <= n);
    /* Each delivery: a transfer to the funder and its retirement, both
     * transactions of this issuance (recorded in its step). */
    size_t i;
    json_t *dv;
    l6_qty sum = 0;
    json_array_foreach(json_object_get(d, "commitments"), i, dv) {
      l6_tx t1, t2;
      l6_error err;
      assert_int_equal(W.st->ops->tx_get(W.st, jint(dv, "transfer"), &t1, &err), L6_E_OK);
      assert_int_equal(W.st->ops->tx_get(W.st, jint(dv, "retirement"), &t2, &err), L6_E_OK);
      assert_int_equal(t1.kind, L6_TX_TRANSFER);
      assert_int_equal(t2.kind, L6_TX_RETIREMENT);
      assert_int_equal(t1.quantity, jint(dv, "quantity"));
      assert_int_equal(t2.quantity, jint(dv, "quantity"));
      assert_int_equal(t1.to_account, t2.from_account);
      assert_string_equal(t2.purpose, "adaptation");
      assert_true(t1.id > jint(json_array_get(json_object_get(d, "registries"), 0), "issuance"));
      sum += jint(dv, "quantity");
    }
    assert_int_equal(sum, deliv);
    json_decref(o);
    /* Against the model: every commitment, every account. */
    json_t *list;
  OK_INTO(list, svc_commitment_list(W.s, &W.anon, id, &out_, &err_));
    assert_int_equal(json_array_size(json_object_get(list, "items")), nc);
    for (size_t j = 0; j < nc; j++) {
      json_t *c = json_array_get(json_object_get(list, "items"), j);
      assert_int_equal(jint(c, "delivered"), mc[j].delivered);
      assert_true(jint(c, "delivered") <= jint(c, "quantity"));
      assert_string_equal(json_string_value(json_object_get(c, "state")),
                          mc[j].delivered == mc[j].quantity ? "delivered" : "open");
    }
    json_decref(list);
    assert_int_equal(total_of(ret_che) - ret0[0], retired_model[0]);
    assert_int_equal(total_of(ret_gha) - ret0[1], retired_model[1]);
    assert_int_equal(total_of(pend) - pend0, issued - shared - retired_model[0] - retired_model[1]);
    assert_int_equal(total_of(W.acc_f), 0); /* delivered units pass through to retirement */
    assert_int_equal(total_of(W.acc_f2), 0);
  }
  for (size_t j = 0; j < nc; j++) assert_int_equal(mc[j].delivered, mc[j].quantity); /* the last round fulfilled all */
  l6_error err;
  assert_int_equal(svc_check(W.s, 0, &err), L6_E_OK);
}

/* ====================================================================== */
/* Belt and Road registry choice                                           */
/* ====================================================================== */

static void test_bri_choice(void **state) {
  (void)state;
  const l6_mech *bri = mech("BRI"), *pacm = mech("PACM");
  l6_id chn = reg_account("CHN01", L6_ACCT_PENDING), gha = reg_account("GHA01", L6_ACCT_PENDING);
  /* Refused: a registry outside the choice, by name or registry id, a
   * Party of the cooperation choosing, a mechanism with no choice. */
  static const char *const outside[] = {"USA", "CHE", "GHA01", "chn", "HOST", "", "CHN "};
  for (size_t i = 0; i < COUNT(outside); i++) {
    if (!outside[i][0]) continue;
    REFUSED(L6_E_REGISTRY_CHOICE_REFUSED, submit(bri, next_id("BRIX"), &W.t, "GHA", "GHA01", outside[i], &out_, &err_));
  }
  REFUSED(L6_E_REGISTRY_CHOICE_REFUSED, submit(bri, next_id("BRIX"), &W.c, "GHA", "GHA01", "CHN", &out_, &err_));
  REFUSED(L6_E_REGISTRY_CHOICE_REFUSED, submit(bri, next_id("BRIX"), &W.p, "GHA", "GHA01", "host", &out_, &err_));
  REFUSED(L6_E_REGISTRY_CHOICE_REFUSED, submit(pacm, next_id("BRIX"), &W.t, "GHA", "GHA01", "host", &out_, &err_));
  /* The third-party developer's choices, and no choice (the file's default, host). */
  struct {
    const char *choice;
    l6_qty chn, gha;
  } cases[] = {{"CHN", 1001, 0}, {"host", 0, 1001}, {NULL, 0, 1001}};
  for (size_t i = 0; i < COUNT(cases); i++) {
    const char *id0 = registered(bri, &W.t, cases[i].choice);
    char id[L6_CODE_MAX + 1];
    snprintf(id, sizeof id, "%s", id0);
    l6_calc_arg in[] = {{"net_kwh", 1001000}, {"ef_cm_t_mwh_e6", 1000000}};
    json_t *o = step(&W.t, report_req(bri, id, 2, "grid-renewable", in, 2));
    int seq = (int)jint(o, "period.period");
    json_decref(o);
    l6_qty c0 = total_of(chn), g0 = total_of(gha);
    o = certify_issue(bri, id, seq, 1001, &W.t);
    assert_int_equal(total_of(chn) - c0, cases[i].chn);
    assert_int_equal(total_of(gha) - g0, cases[i].gha);
    json_t *d = json_object_get(json_object_get(o, "step"), "detail");
    assert_true(json_is_true(json_object_get(d, "third_party_developer")));
    assert_int_equal(json_array_size(json_object_get(d, "shares")), 1);
    json_decref(o);
  }
  /* A Chinese developer's units are still split 50/50 (no choice recorded). */
  const char *id0 = registered(bri, &W.c, NULL);
  char id[L6_CODE_MAX + 1];
  snprintf(id, sizeof id, "%s", id0);
  l6_calc_arg in[] = {{"net_kwh", 1001000}, {"ef_cm_t_mwh_e6", 1000000}};
  json_t *o = step(&W.c, report_req(bri, id, 2, "grid-renewable", in, 2));
  int seq = (int)jint(o, "period.period");
  json_decref(o);
  l6_qty c0 = total_of(chn), g0 = total_of(gha);
  json_decref(certify_issue(bri, id, seq, 1001, &W.c));
  assert_int_equal(total_of(chn) - c0, 500);
  assert_int_equal(total_of(gha) - g0, 501);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params_shipped),  cmocka_unit_test(test_params_regression),
      cmocka_unit_test(test_params_strict),   cmocka_unit_test(test_params_fuzz),
      cmocka_unit_test(test_readings),        cmocka_unit_test(test_exante_refusals),
      cmocka_unit_test(test_exante_model),    cmocka_unit_test(test_bri_choice),
  };
  if (sodium_init() < 0) return 1;
  return cmocka_run_group_tests_name("cycle_data", tests, world_setup, world_teardown);
}
