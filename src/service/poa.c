/*
 * poa.c -- programmes of activities; see poa.h for the contract and
 * docs/API.md ("Programmes of activities") for the routes.
 *
 * Records (store mech_records): kind "programme" (ref: its code, state
 * "registered") and kind "component" (ref: the programme's code, state
 * "proposed" | "included" | "excluded"), each a JSON body. An included
 * component is also an activity of the project cycle (cycle.c), registered
 * by its inclusion, so every later step, batch and serial is the cycle's
 * own: components are issued separately, each its own batch.
 *
 * Seed 004: "CDM虽然包含规划类减排活动，但其仍是以项目为主的市场机制" -- the CDM had
 * programme-type activities but stayed project-based; here the programme
 * is registered once and its components join it by inclusion, with no
 * registration cycle of their own.
 */
#include "poa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model.h"
#include "cycle_int.h"
#include "mechanism.h"
#include "service_int.h"
#include "tlog.h"
#include "voice_json.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

#define REGION_MAX 64
#define MAX_REGIONS 64

static bool v_code(const char *x) { return l6_valid_code(x); }
static bool v_pid(const char *x) { return l6_valid_project_id(x) && strchr(x, '-') == NULL; }
static bool v_date(const char *x) { return l6_valid_date(x); }
static bool v_registry(const char *x) { return l6_valid_registry_id(x); }
static bool v_party(const char *x) {
  return strlen(x) == 3 && x[0] >= 'A' && x[0] <= 'Z' && x[1] >= 'A' && x[1] <= 'Z' && x[2] >= 'A' && x[2] <= 'Z';
}

/* A list of distinct strings (1..max, each 1..cap-1 printable bytes). */
static l6_err str_list(const json_t *obj, const char *key, size_t max, size_t cap, l6_error *err) {
  json_t *arr = json_object_get(obj, key);
  if (arr == NULL || json_is_null(arr)) return l6_fail(err, L6_E_MISSING_FIELD, "field 'criteria.%s' is required", key);
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'criteria.%s' must be an array of strings", key);
  if (json_array_size(arr) == 0 || json_array_size(arr) > max)
    return l6_fail(err, L6_E_INVALID_VALUE, "field 'criteria.%s' must have 1 to %zu entries", key, max);
  size_t i, j;
  json_t *v, *w;
  json_array_foreach(arr, i, v) {
    if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "criteria.%s[%zu] must be a string", key, i);
    if (!l6_valid_text(json_string_value(v), cap - 1) || strlen(json_string_value(v)) != json_string_length(v))
      return l6_fail(err, L6_E_INVALID_VALUE, "criteria.%s[%zu] must be 1-%zu printable bytes", key, i, cap - 1);
    json_array_foreach(arr, j, w) if (j < i && json_equal(v, w))
        return l6_fail(err, L6_E_INVALID_VALUE, "criteria.%s[%zu] repeats an entry", key, i);
  }
  return L6_E_OK;
}

static bool in_list(const json_t *arr, const char *x) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (json_is_string(v) && strcmp(json_string_value(v), x) == 0) return true;
  return false;
}

static l6_err need_role(const l6_actor *a, l6_role r, const char *what, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != r) return l6_fail(err, L6_E_FORBIDDEN, "%s", what);
  return L6_E_OK;
}

/* The programme of code (a record of kind "programme" with ref code). */
typedef struct {
  l6_mech_rec rec;
  bool found;
} find_ctx;

static int find_row(void *ctx, const void *row) {
  find_ctx *c = ctx;
  c->rec = *(const l6_mech_rec *)row;
  c->found = true;
  return 1;
}

static l6_err load_poa(l6_svc *s, const char *code, l6_mech_rec *out, json_t **body, const l6_mech **m,
                       l6_error *err) {
  *body = NULL;
  if (!l6_valid_code(code)) return l6_fail(err, L6_E_UNKNOWN_POA, "no programme of activities '%.40s'", code);
  find_ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = OPS->mech_rec_list(ST, "programme", code, find_row, c, err);
  if (e == L6_E_OK && !c->found) e = l6_fail(err, L6_E_UNKNOWN_POA, "no programme of activities '%.40s'", code);
  if (e == L6_E_OK) {
    *out = c->rec;
    *body = vj_load(out->body);
    const char *mc = json_string_value(json_object_get(*body, "mechanism"));
    *m = mech_find(svc__mechs(s), mc ? mc : "");
    if (*m == NULL) e = l6_fail(err, L6_E_UNKNOWN_MECHANISM, "mechanism %s of programme %s is not loaded", mc, code);
  }
  free(c);
  return e;
}

/* ---- views ----------------------------------------------------------------- */

static json_t *view_rec(const l6_mech_rec *r) {
  json_t *o = vj_load(r->body);
  json_object_set_new(o, "state", json_string(r->state));
  return o;
}

typedef struct {
  const char *id;   /* a component's id to find, or NULL */
  json_t *items;    /* views of every component, or NULL */
  size_t count;     /* components not excluded */
  l6_mech_rec *hit; /* the component id */
  bool found;
} comp_ctx;

static int comp_row(void *ctx, const void *row) {
  comp_ctx *c = ctx;
  const l6_mech_rec *r = row;
  if (strcmp(r->state, "excluded") != 0) c->count++;
  if (c->items) json_array_append_new(c->items, view_rec(r));
  if (c->id && !c->found) {
    json_t *b = vj_load(r->body);
    const char *id = json_string_value(json_object_get(b, "id"));
    if (id && strcmp(id, c->id) == 0) {
      *c->hit = *r;
      c->found = true;
    }
    json_decref(b);
  }
  return 0;
}

/* ---- register ----------------------------------------------------------- */

static l6_err check_criteria(const l6_mech *m, const json_t *cr, l6_error *err) {
  static const char *const keys[] = {"scope",   "kind",    "methodology",    "sector",       "calculators",
                                     "regions", "max_annual", "crediting_from", "crediting_to", NULL};
  char scope[L6_CODE_MAX + 1], kind[16], text[L6_NAME_MAX + 1], from[11], to[11];
  int64_t max = 0;
  if (!json_is_object(cr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'criteria' must be an object");
  l6_err e = vj_keys(cr, keys, err);
  if (e == L6_E_OK) e = vj_str(cr, "scope", true, scope, sizeof scope, v_code, "a sectoral scope code", err);
  if (e == L6_E_OK) e = vj_str(cr, "kind", true, kind, sizeof kind, NULL, "avoidance, removal or adaptation", err);
  if (e == L6_E_OK) e = vj_str(cr, "methodology", true, text, sizeof text, NULL, "printable text", err);
  if (e == L6_E_OK) e = vj_str(cr, "sector", true, text, sizeof text, NULL, "printable text", err);
  if (e == L6_E_OK) e = str_list(cr, "calculators", L6_MAX_SCOPES, 32, err);
  if (e == L6_E_OK) e = str_list(cr, "regions", MAX_REGIONS, REGION_MAX + 1, err);
  if (e == L6_E_OK) e = vj_int(cr, "max_annual", true, 1, L6_MAX_QUANTITY, &max, err);
  if (e == L6_E_OK) e = vj_str(cr, "crediting_from", false, from, sizeof from, v_date, "a date YYYY-MM-DD", err);
  if (e == L6_E_OK) e = vj_str(cr, "crediting_to", false, to, sizeof to, v_date, "a date YYYY-MM-DD", err);
  if (e != L6_E_OK) return e;
  if (from[0] && to[0] && strcmp(from, to) > 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "criteria.crediting_to is before criteria.crediting_from");
  if (!mech_accepts_kind(m, kind)) return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not accept %s activities", m->code, kind);
  if (!mech_has_scope(m, scope)) return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not cover sectoral scope %s", m->code, scope);
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(cr, "calculators"), i, v) if (mech_calc(m, json_string_value(v)) == NULL)
      return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s allows no calculator '%.32s'", m->code, json_string_value(v));
  if (m->crediting_start_from[0] && from[0] && strcmp(from, m->crediting_start_from) < 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s accepts crediting periods starting %s or later", m->code,
                   m->crediting_start_from);
  return L6_E_OK;
}

l6_err svc_poa_register(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_role(a, L6_ROLE_MECHANISM_ADMIN, "programmes of activities are registered by a mechanism administrator", err);
  if (e != L6_E_OK) return e;
  static const char *const keys[] = {"code", "mechanism", "title", "coordinator", "host", "registry", "criteria", NULL};
  char code[L6_CODE_MAX + 1], mech[L6_CODE_MAX + 1], title[L6_NAME_MAX + 1], host[4], registry[6];
  int64_t coord = 0;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "code", true, code, sizeof code, v_code, "a code ([A-Z0-9.], 1-32)", err)) != L6_E_OK ||
      (e = vj_str(body, "mechanism", true, mech, sizeof mech, v_code, "a mechanism code", err)) != L6_E_OK ||
      (e = vj_str(body, "title", true, title, sizeof title, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_int(body, "coordinator", true, 1, INT64_MAX, &coord, err)) != L6_E_OK ||
      (e = vj_str(body, "host", true, host, sizeof host, v_party, "a Party code (alpha-3)", err)) != L6_E_OK ||
      (e = vj_str(body, "registry", true, registry, sizeof registry, v_registry, "a registry id", err)) != L6_E_OK)
    return e;
  if (json_object_get(body, "criteria") == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'criteria' is required");
  const l6_mech *m = mech_find(svc__mechs(s), mech);
  if (m == NULL) return l6_fail(err, L6_E_UNKNOWN_MECHANISM, "no mechanism '%.40s' is loaded (config/mechanisms)", mech);
  if (!m->poa) return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s registers no programmes of activities (its file has no \"programmes\")", m->code);
  if ((e = check_criteria(m, json_object_get(body, "criteria"), err)) != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *rec = calloc(1, sizeof *rec);
  json_t *b = NULL;
  const l6_mech *m2;
  l6_mech_rec *old = calloc(1, sizeof *old);
  l6_party party;
  l6_registry reg;
  l6_org org;
  if (rec == NULL || old == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    e = load_poa(s, code, old, &b, &m2, err);
    json_decref(b);
    b = NULL;
    if (e == L6_E_OK) e = l6_fail(err, L6_E_ALREADY_EXISTS, "programme %s is already registered", code);
    else if (e == L6_E_UNKNOWN_POA) e = L6_E_OK;
  }
  if (e == L6_E_OK) e = OPS->party_get(ST, host, &party, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, registry, &reg, err);
  if (e == L6_E_OK) e = OPS->org_get(ST, coord, &org, err);
  if (e == L6_E_OK) {
    b = json_deep_copy(body);
    char ts[32];
    svc__timestamp(s, ts);
    json_object_set_new(b, "registered_by", json_string(a->name));
    json_object_set_new(b, "registered", json_string(ts));
    json_object_set_new(b, "mechanism_hash", json_string(m->hash));
    snprintf(rec->kind, sizeof rec->kind, "programme");
    snprintf(rec->ref, sizeof rec->ref, "%s", code);
    snprintf(rec->state, sizeof rec->state, "registered");
    e = vj_dump(b, rec->body, sizeof rec->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, rec, err);
  if (e == L6_E_OK) {
    *out = view_rec(rec);
    json_object_set_new(*out, "components", json_array());
  }
  json_decref(b);
  free(rec);
  free(old);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_poa_get(l6_svc *s, const l6_actor *a, const char *code, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_mech_rec *rec = malloc(sizeof *rec);
  json_t *b = NULL;
  const l6_mech *m;
  e = rec ? load_poa(s, code, rec, &b, &m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  comp_ctx c = {.items = json_array()};
  if (e == L6_E_OK) e = OPS->mech_rec_list(ST, "component", code, comp_row, &c, err);
  if (e == L6_E_OK) {
    *out = view_rec(rec);
    json_object_set(*out, "components", c.items);
  }
  json_decref(c.items);
  json_decref(b);
  free(rec);
  return svc__finish_out(s, e, out, err);
}

/* ---- components ------------------------------------------------------- */

l6_err svc_poa_component_propose(l6_svc *s, const l6_actor *a, const char *code, const json_t *body, json_t **out,
                                 l6_error *err) {
  *out = NULL;
  l6_err e = need_role(a, L6_ROLE_HOLDER, "components are proposed by the programme's coordinating entity", err);
  if (e != L6_E_OK) return e;
  static const char *const keys[] = {"id", "title", "region", "calculator", "expected_annual", "crediting_start",
                                     "crediting_end", NULL};
  char id[L6_CODE_MAX + 1], title[L6_NAME_MAX + 1], region[REGION_MAX + 1], calc[32], cs[11], ce[11];
  int64_t expected = 0;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "id", true, id, sizeof id, v_pid, "a project id ([A-Za-z0-9._], 1-32)", err)) != L6_E_OK ||
      (e = vj_str(body, "title", true, title, sizeof title, NULL, "printable text of 1-200 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "region", true, region, sizeof region, NULL, "printable text of 1-64 bytes", err)) != L6_E_OK ||
      (e = vj_str(body, "calculator", true, calc, sizeof calc, NULL, "a calculator name", err)) != L6_E_OK ||
      (e = vj_int(body, "expected_annual", true, 1, L6_MAX_QUANTITY, &expected, err)) != L6_E_OK ||
      (e = vj_str(body, "crediting_start", true, cs, sizeof cs, v_date, "a date YYYY-MM-DD", err)) != L6_E_OK ||
      (e = vj_str(body, "crediting_end", true, ce, sizeof ce, v_date, "a date YYYY-MM-DD", err)) != L6_E_OK)
    return e;
  if (strcmp(cs, ce) > 0) return l6_fail(err, L6_E_INVALID_VALUE, "crediting period ends before it starts");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *prog = calloc(1, sizeof *prog), *rec = calloc(1, sizeof *rec), *hit = calloc(1, sizeof *hit);
  json_t *pb = NULL, *b = NULL;
  const l6_mech *m = NULL;
  l6_project p;
  l6_error sub;
  e = prog && rec && hit ? load_poa(s, code, prog, &pb, &m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && a->org != json_integer_value(json_object_get(pb, "coordinator")))
    e = l6_fail(err, L6_E_FORBIDDEN, "programme %s is coordinated by organisation %lld", code,
                (long long)json_integer_value(json_object_get(pb, "coordinator")));
  comp_ctx c = {.id = id, .hit = hit};
  if (e == L6_E_OK) e = OPS->mech_rec_list(ST, "component", code, comp_row, &c, err);
  if (e == L6_E_OK && c.found) e = l6_fail(err, L6_E_ALREADY_EXISTS, "programme %s already has a component %s", code, id);
  if (e == L6_E_OK && c.count >= (size_t)m->poa_max_components)
    e = l6_fail(err, L6_E_NOT_ELIGIBLE, "a programme of %s has at most %d components", m->code, m->poa_max_components);
  if (e == L6_E_OK) {
    l6_err pe = OPS->project_get(ST, id, &p, &sub);
    if (pe == L6_E_OK) e = l6_fail(err, L6_E_ALREADY_EXISTS, "project %s already exists", id);
    else if (pe != L6_E_UNKNOWN_PROJECT) e = l6_fail(err, pe, "%s", sub.message);
  }
  if (e == L6_E_OK) {
    b = json_deep_copy(body);
    char ts[32];
    svc__timestamp(s, ts);
    json_object_set_new(b, "programme", json_string(code));
    json_object_set_new(b, "proposed_by", json_string(a->name));
    json_object_set_new(b, "proposed", json_string(ts));
    json_object_set_new(b, "inclusion", json_null());
    snprintf(rec->kind, sizeof rec->kind, "component");
    snprintf(rec->ref, sizeof rec->ref, "%s", code);
    snprintf(rec->state, sizeof rec->state, "proposed");
    e = vj_dump(b, rec->body, sizeof rec->body, err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, rec, err);
  if (e == L6_E_OK) *out = view_rec(rec);
  json_decref(pb);
  json_decref(b);
  free(prog);
  free(rec);
  free(hit);
  return svc__finish_out(s, e, out, err);
}

/* The inclusion check: every criterion of the programme against the
 * component; checks gets one {criterion, ok, detail} per criterion and
 * *failed the first failed criterion ("" when all pass). */
static void inclusion_check(const json_t *cr, const json_t *comp, json_t *checks, char failed[160]) {
  failed[0] = '\0';
  char d[160];
  const char *region = json_string_value(json_object_get(comp, "region"));
  const char *calc = json_string_value(json_object_get(comp, "calculator"));
  const char *cs = json_string_value(json_object_get(comp, "crediting_start"));
  const char *ce = json_string_value(json_object_get(comp, "crediting_end"));
  json_int_t exp = json_integer_value(json_object_get(comp, "expected_annual"));
  json_int_t max = json_integer_value(json_object_get(cr, "max_annual"));
  const char *from = json_string_value(json_object_get(cr, "crediting_from"));
  const char *to = json_string_value(json_object_get(cr, "crediting_to"));
  struct {
    const char *name;
    bool ok;
  } c[5];
  c[0].name = "regions";
  c[0].ok = in_list(json_object_get(cr, "regions"), region ? region : "");
  c[1].name = "calculators";
  c[1].ok = in_list(json_object_get(cr, "calculators"), calc ? calc : "");
  c[2].name = "max_annual";
  c[2].ok = exp <= max;
  c[3].name = "crediting_from";
  c[3].ok = from == NULL || (cs && strcmp(cs, from) >= 0);
  c[4].name = "crediting_to";
  c[4].ok = to == NULL || (ce && strcmp(ce, to) <= 0);
  for (int i = 0; i < 5; i++) {
    switch (i) {
    case 0: snprintf(d, sizeof d, "region '%.64s'", region ? region : ""); break;
    case 1: snprintf(d, sizeof d, "calculator '%.32s'", calc ? calc : ""); break;
    case 2: snprintf(d, sizeof d, "expected %lld t a year; at most %lld", (long long)exp, (long long)max); break;
    case 3: snprintf(d, sizeof d, "crediting starts %s; not before %s", cs ? cs : "", from ? from : "-"); break;
    default: snprintf(d, sizeof d, "crediting ends %s; not after %s", ce ? ce : "", to ? to : "-"); break;
    }
    json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "criterion", c[i].name, "ok", c[i].ok, "detail", d));
    if (!c[i].ok && failed[0] == '\0') snprintf(failed, 160, "criterion %s fails: %.120s", c[i].name, d);
  }
}

l6_err svc_poa_inclusion(l6_svc *s, const l6_actor *a, const char *code, const char *component, const json_t *body,
                         json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  static const char *const keys[] = {"decision", "reasons", NULL};
  char decision[8], reasons[L6_MAX_COMMENT_TEXT + 1];
  l6_err e;
  if ((e = vj_keys(body, keys, err)) != L6_E_OK ||
      (e = vj_str(body, "decision", true, decision, sizeof decision, NULL, "accept or reject", err)) != L6_E_OK ||
      (e = vj_str(body, "reasons", false, reasons, sizeof reasons, NULL, "printable text of 1-4000 bytes", err)) != L6_E_OK)
    return e;
  l6_decision dec = l6_decision_from_str(decision);
  if (dec == L6_DECIDE_NONE) return l6_fail(err, L6_E_INVALID_VALUE, "field 'decision' must be accept or reject");
  if (dec == L6_DECIDE_REJECT && reasons[0] == '\0')
    return l6_fail(err, L6_E_MISSING_FIELD, "field 'reasons' is required to reject a component");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_mech_rec *prog = calloc(1, sizeof *prog), *hit = calloc(1, sizeof *hit);
  json_t *pb = NULL, *cb = NULL, *checks = json_array(), *detail = NULL;
  const l6_mech *m = NULL;
  e = prog && hit ? load_poa(s, code, prog, &pb, &m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  comp_ctx c = {.id = component, .hit = hit};
  if (e == L6_E_OK) e = OPS->mech_rec_list(ST, "component", code, comp_row, &c, err);
  if (e == L6_E_OK && !c.found) e = l6_fail(err, L6_E_NOT_FOUND, "programme %s has no component '%.40s'", code, component);
  json_t *cr = json_object_get(pb, "criteria");
  l6_id coord = (l6_id)json_integer_value(json_object_get(pb, "coordinator"));
  const char *host = json_string_value(json_object_get(pb, "host"));
  const char *scope = json_string_value(json_object_get(cr, "scope"));
  /* The validator: accredited for the mechanism and the programme's scope,
   * not of the coordinating entity (cycle.c's rules for validation). */
  if (e == L6_E_OK && !m->steps[L6_STEP_VALIDATE].defined)
    e = l6_fail(err, L6_E_INVALID_VALUE, "%s has no validation step", m->code);
  if (e == L6_E_OK) e = svc__cycle_may(s, m, L6_STEP_VALIDATE, a, coord, host ? host : "", scope ? scope : "", err);
  if (e == L6_E_OK && strcmp(hit->state, "proposed") != 0) {
    e = l6_fail(err, L6_E_WRONG_STATE, "component %s is '%s'; an inclusion check needs it 'proposed'", component, hit->state);
    snprintf(err->expected, sizeof err->expected, "proposed");
  }
  char failed[160] = "";
  if (e == L6_E_OK) {
    cb = vj_load(hit->body);
    inclusion_check(cr, cb, checks, failed);
    if (dec == L6_DECIDE_ACCEPT && failed[0])
      e = l6_fail(err, L6_E_INCLUSION_REFUSED, "component %s cannot be included: %s", component, failed);
  }
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    detail = json_pack("{s:s, s:s, s:s, s:O, s:s}", "programme", code, "validator", a->name, "decision", decision,
                       "checks", checks, "at", ts);
    json_object_set_new(detail, "reasons", reasons[0] ? json_string(reasons) : json_null());
    json_object_set(cb, "inclusion", detail);
    snprintf(hit->state, sizeof hit->state, "%s", dec == L6_DECIDE_ACCEPT ? "included" : "excluded");
    e = vj_dump(cb, hit->body, sizeof hit->body, err);
  }
  if (e == L6_E_OK && dec == L6_DECIDE_ACCEPT) {
    l6_project p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", component);
    snprintf(p.host, sizeof p.host, "%s", host);
    snprintf(p.title, sizeof p.title, "%s", json_string_value(json_object_get(cb, "title")));
    snprintf(p.methodology, sizeof p.methodology, "%s", json_string_value(json_object_get(cr, "methodology")));
    snprintf(p.sector, sizeof p.sector, "%s", json_string_value(json_object_get(cr, "sector")));
    snprintf(p.kind, sizeof p.kind, "%s", json_string_value(json_object_get(cr, "kind")));
    snprintf(p.crediting_start, sizeof p.crediting_start, "%s", json_string_value(json_object_get(cb, "crediting_start")));
    snprintf(p.crediting_end, sizeof p.crediting_end, "%s", json_string_value(json_object_get(cb, "crediting_end")));
    e = svc__component_register(s, a, m, &p, coord, json_string_value(json_object_get(pb, "registry")), scope, detail,
                                err);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, hit, err);
  if (e == L6_E_OK) *out = view_rec(hit);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  json_decref(pb);
  json_decref(cb);
  json_decref(checks);
  json_decref(detail);
  free(prog);
  free(hit);
  return svc__finish_out(s, e, out, err);
}

/* ---- many components in one request ------------------------------------ */

l6_err svc_poa_steps(l6_svc *s, const l6_actor *a, const char *code, const l6_step_req *reqs, size_t n, json_t **out,
                     l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (n == 0 || n > L6_MAX_POA_BATCH)
    return l6_fail(err, L6_E_INVALID_VALUE, "field 'steps' must have 1 to %d entries", L6_MAX_POA_BATCH);
  for (size_t i = 0; i < n; i++)
    if (!cycle_step_on_period(reqs[i].step))
      return l6_fail(err, L6_E_INVALID_VALUE, "steps[%zu]: '%s' is not a step of a monitoring period", i,
                     l6_step_str(reqs[i].step));
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_mech_rec *prog = calloc(1, sizeof *prog), *hit = calloc(1, sizeof *hit);
  json_t *pb = NULL, *items = json_array();
  const l6_mech *m;
  e = prog && hit ? load_poa(s, code, prog, &pb, &m, err) : l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    comp_ctx c = {.id = reqs[i].project, .hit = hit};
    e = OPS->mech_rec_list(ST, "component", code, comp_row, &c, err);
    if (e == L6_E_OK && (!c.found || strcmp(hit->state, "included") != 0))
      e = l6_fail(err, L6_E_NOT_FOUND, "steps[%zu]: '%.40s' is not an included component of programme %s", i,
                  reqs[i].project, code);
    json_t *one = NULL;
    if (e == L6_E_OK) e = svc__cycle_step_tx(s, a, &reqs[i], &one, err);
    if (e == L6_E_OK) json_array_append_new(items, one);
    else if (err && strncmp(err->message, "steps[", 6) != 0) {
      char msg[sizeof err->message];
      snprintf(msg, sizeof msg, "steps[%zu] (%.32s): %.200s", i, reqs[i].project, err->message);
      snprintf(err->message, sizeof err->message, "%s", msg);
    }
  }
  if (e == L6_E_OK) *out = json_pack("{s:s, s:O}", "programme", code, "items", items);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  json_decref(pb);
  json_decref(items);
  free(prog);
  free(hit);
  return svc__finish_out(s, e, out, err);
}
