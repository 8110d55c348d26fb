/*
 * crit.c -- instrument eligibility criteria and integrity labels (crit.h).
 */
#include "crit.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a6.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* ---- label definitions (config/labels.json) ------------------------------ */

typedef struct {
  char name[L6_CRIT_LABEL_MAX + 1];
  char kind[8];             /* "batch" | "rule" */
  char title[L6_NAME_MAX + 1];
  char rule[400];           /* what the label means, in words */
} label_def;

static pthread_mutex_t defs_mu = PTHREAD_MUTEX_INITIALIZER;
static label_def defs[L6_CRIT_MAX_DEFS];
static size_t ndefs;

/* Labels the registry evaluates itself (kind "rule"). */
static const char *const rule_labels[] = {"corsia", "oimp", NULL};

static l6_err bad(l6_error *err, const char *path, const char *key, const char *why) {
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: key %s: %s", path, key, why);
}

static bool valid_label_name(const char *n) {
  size_t len = strlen(n);
  if (len == 0 || len > L6_CRIT_LABEL_MAX) return false;
  for (const char *p = n; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return false;
  return true;
}

l6_err svc_crit_load(const char *dir, l6_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/labels.json", dir);
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) {
    FILE *f = fopen(path, "r");
    if (f == NULL) { /* no file: no labels */
      pthread_mutex_lock(&defs_mu);
      ndefs = 0;
      pthread_mutex_unlock(&defs_mu);
      return L6_E_OK;
    }
    fclose(f);
    return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d: %s", path, je.line, je.text);
  }
  label_def d[L6_CRIT_MAX_DEFS];
  size_t n = 0;
  l6_err e = L6_E_OK;
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (strcmp(k, "labels") != 0 && strcmp(k, "note") != 0 && e == L6_E_OK) e = bad(err, path, k, "unknown key");
  }
  json_t *arr = json_object_get(root, "labels");
  if (e == L6_E_OK && (!json_is_array(arr) || json_array_size(arr) > L6_CRIT_MAX_DEFS))
    e = bad(err, path, "labels", "must be an array of at most 32 labels");
  size_t i;
  json_t *p;
  json_array_foreach(arr, i, p) {
    if (e != L6_E_OK) break;
    label_def x;
    memset(&x, 0, sizeof x);
    if (!json_is_object(p)) {
      e = bad(err, path, "labels", "must hold objects");
      break;
    }
    json_object_foreach(p, k, v) {
      static const char *const known[] = {"name", "kind", "title", "rule", NULL};
      bool ok = false;
      for (size_t j = 0; known[j]; j++) ok = ok || strcmp(k, known[j]) == 0;
      if (!ok && e == L6_E_OK) e = bad(err, path, k, "unknown key");
      if (ok && !json_is_string(v) && e == L6_E_OK) e = bad(err, path, k, "must be a string");
    }
    if (e != L6_E_OK) break;
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *kind = json_string_value(json_object_get(p, "kind"));
    const char *title = json_string_value(json_object_get(p, "title"));
    const char *rule = json_string_value(json_object_get(p, "rule"));
    if (name == NULL || !valid_label_name(name))
      e = bad(err, path, "labels.name", "must be 1 to 16 characters [a-z0-9-]");
    else if (kind == NULL || (strcmp(kind, "batch") != 0 && strcmp(kind, "rule") != 0))
      e = bad(err, path, "labels.kind", "must be batch or rule");
    else if (title == NULL || !l6_valid_text(title, L6_NAME_MAX) || title[0] == '\0')
      e = bad(err, path, "labels.title", "must be printable text of 1 to 200 bytes");
    else if (rule == NULL || !l6_valid_text(rule, sizeof x.rule - 1) || rule[0] == '\0')
      e = bad(err, path, "labels.rule", "must say what the label means (printable text, at most 399 bytes)");
    if (e != L6_E_OK) break;
    bool known_rule = false;
    for (size_t j = 0; rule_labels[j]; j++) known_rule = known_rule || strcmp(name, rule_labels[j]) == 0;
    if (strcmp(kind, "rule") == 0 && !known_rule)
      e = bad(err, path, "labels.kind", "only corsia and oimp are rules the registry evaluates");
    else if (strcmp(kind, "batch") == 0 && known_rule)
      e = bad(err, path, "labels.kind", "corsia and oimp are rules, not batch labels");
    for (size_t j = 0; j < n && e == L6_E_OK; j++)
      if (strcmp(d[j].name, name) == 0) e = bad(err, path, "labels.name", "duplicate label");
    if (e != L6_E_OK) break;
    snprintf(x.name, sizeof x.name, "%s", name);
    snprintf(x.kind, sizeof x.kind, "%s", kind);
    snprintf(x.title, sizeof x.title, "%s", title);
    snprintf(x.rule, sizeof x.rule, "%s", rule);
    d[n++] = x;
  }
  json_decref(root);
  if (e != L6_E_OK) return e;
  pthread_mutex_lock(&defs_mu);
  memcpy(defs, d, n * sizeof d[0]);
  ndefs = n;
  pthread_mutex_unlock(&defs_mu);
  return L6_E_OK;
}

static bool def_get(const char *name, label_def *out) {
  bool found = false;
  pthread_mutex_lock(&defs_mu);
  for (size_t i = 0; i < ndefs && !found; i++)
    if (strcmp(defs[i].name, name) == 0) {
      *out = defs[i];
      found = true;
    }
  pthread_mutex_unlock(&defs_mu);
  return found;
}

l6_err svc_crit_labels(l6_svc *s, json_t **out, l6_error *err) {
  (void)s;
  json_t *arr = json_array();
  pthread_mutex_lock(&defs_mu);
  for (size_t i = 0; i < ndefs; i++)
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "name", defs[i].name, "kind", defs[i].kind, "title",
                                         defs[i].title, "rule", defs[i].rule));
  pthread_mutex_unlock(&defs_mu);
  *out = json_pack("{s:o}", "items", arr);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- batch labels ------------------------------------------------------------- */

static json_t *v_label(const l6_batch_label *x) {
  return json_pack("{s:I, s:s, s:s, s:s, s:s}", "batch", (json_int_t)x->batch, "label", x->label, "actor", x->actor,
                   "ts", x->ts, "reference", x->reference);
}

typedef struct {
  json_t *arr;
  json_t *dropped;   /* the dropped labels, or NULL: not wanted */
  const char *find; /* label looked for, or NULL */
  bool found;        /* it holds */
  bool found_dropped; /* it was set and dropped */
} label_ctx;

/* A batch's labels: those that hold; a dropped one (an import's label a
 * newer export no longer carries, docs/IMPORT.md) only in "dropped". */
static int label_row(void *ctx, const void *row) {
  label_ctx *c = ctx;
  const l6_batch_label *x = row;
  bool dropped = x->dropped_ts[0] != '\0';
  if (dropped && c->dropped) {
    json_t *v = v_label(x);
    json_object_set_new(v, "dropped_ts", json_string(x->dropped_ts));
    json_object_set_new(v, "dropped_reference", json_string(x->dropped_reference));
    json_array_append_new(c->dropped, v);
  }
  if (!dropped && c->arr) json_array_append_new(c->arr, v_label(x));
  if (c->find && strcmp(c->find, x->label) == 0) {
    if (dropped) c->found_dropped = true;
    else c->found = true;
  }
  return 0;
}

l6_err crit__batch_labels_json(l6_svc *s, l6_id batch, json_t **out, l6_error *err) {
  label_ctx c = {.arr = json_array()};
  l6_err e = OPS->batch_label_list(ST, batch, label_row, &c, err);
  if (e != L6_E_OK) {
    json_decref(c.arr);
    c.arr = NULL;
  }
  *out = c.arr;
  return e;
}

static l6_err batch_has(l6_svc *s, l6_id batch, const char *label, bool *has, bool *was, l6_error *err) {
  label_ctx c = {.find = label};
  l6_err e = OPS->batch_label_list(ST, batch, label_row, &c, err);
  *has = c.found;
  *was = c.found_dropped;
  return e;
}

l6_err svc_batch_label(l6_svc *s, const l6_actor *a, l6_id batch, const char *label, const char *reference,
                       json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN) return l6_fail(err, L6_E_FORBIDDEN, "role %s may not label batches", l6_role_str(a->role));
  label_def d;
  if (!def_get(label, &d))
    return l6_fail(err, L6_E_UNKNOWN_LABEL, "no label '%.40s' in config/labels.json", label);
  if (strcmp(d.kind, "batch") != 0)
    return l6_fail(err, L6_E_UNKNOWN_LABEL, "label %s is a rule the registry evaluates, not set on batches", label);
  if (reference[0] && !l6_valid_text(reference, L6_NAME_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "reference must be printable text of at most %d bytes", L6_NAME_MAX);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_batch b;
  bool has = false, was = false;
  e = OPS->batch_get(ST, batch, &b, err);
  if (e == L6_E_OK) e = batch_has(s, batch, label, &has, &was, err);
  if (e == L6_E_OK && has) e = l6_fail(err, L6_E_ALREADY_EXISTS, "batch %lld carries label %s already", (long long)batch, label);
  l6_batch_label x = {.batch = batch};
  snprintf(x.label, sizeof x.label, "%s", label);
  snprintf(x.actor, sizeof x.actor, "%s", a->name);
  snprintf(x.reference, sizeof x.reference, "%s", reference);
  svc__timestamp(s, x.ts);
  /* A label dropped before (docs/IMPORT.md, "Labels in mirror mode"): its row is set again. */
  if (e == L6_E_OK) e = was ? OPS->batch_label_restore(ST, &x, err) : OPS->batch_label_put(ST, &x, err);
  if (e == L6_E_OK) *out = v_label(&x);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_batch_labels(l6_svc *s, l6_id batch, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_batch b;
  label_ctx c = {.arr = json_array(), .dropped = json_array()};
  e = OPS->batch_get(ST, batch, &b, err);
  if (e == L6_E_OK) e = OPS->batch_label_list(ST, batch, label_row, &c, err);
  if (e == L6_E_OK) {
    *out = json_pack("{s:I, s:o, s:o}", "batch", (json_int_t)batch, "items", c.arr, "dropped", c.dropped);
  } else {
    json_decref(c.arr);
    json_decref(c.dropped);
  }
  return svc__finish_out(s, e, out, err);
}

/* ---- contract criteria ---------------------------------------------------------- */

static bool list_has(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == n && strncmp(p, item, n) == 0) return true;
    if (c == NULL) break;
    p = c + 1;
  }
  return false;
}

static size_t list_count(const char *list) {
  if (list[0] == '\0') return 0;
  size_t n = 1;
  for (const char *p = list; *p; p++) n += *p == ',';
  return n;
}

bool crit__any(const l6_crit *c) {
  return list_count(c->unit_types) > 1 || c->programmes[0] || c->labels[0];
}

/* Checks each item of list (codes of kind what), at most max, no
 * duplicates; lookup verifies one exists. */
static l6_err check_list(l6_svc *s, const char *list, const char *field, size_t min, size_t max,
                         l6_err (*lookup)(l6_svc *, const char *, l6_error *), l6_error *err) {
  size_t n = list_count(list);
  if (n < min || n > max)
    return l6_fail(err, L6_E_INVALID_VALUE, "%s must list %zu to %zu codes", field, min, max);
  char buf[L6_CRIT_LIST_MAX + 1];
  snprintf(buf, sizeof buf, "%s", list);
  char *save = NULL;
  char seen[L6_CRIT_LIST_MAX + 2] = "";
  if (n && (list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,")))
    return l6_fail(err, L6_E_INVALID_VALUE, "%s has an empty element", field);
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (list_has(seen, t)) return l6_fail(err, L6_E_INVALID_VALUE, "%s lists %s twice", field, t);
    l6_err e = lookup(s, t, err);
    if (e != L6_E_OK) return e;
    size_t len = strlen(seen);
    snprintf(seen + len, sizeof seen - len, "%s%s", len ? "," : "", t);
  }
  return L6_E_OK;
}

static l6_err lookup_unit_type(l6_svc *s, const char *code, l6_error *err) {
  l6_unit_type ut;
  return OPS->unit_type_get(ST, code, &ut, err);
}

static l6_err lookup_programme(l6_svc *s, const char *code, l6_error *err) {
  l6_programme p;
  return OPS->programme_get(ST, code, &p, err);
}

static l6_err lookup_label(l6_svc *s, const char *name, l6_error *err) {
  label_def d;
  if (!def_get(name, &d)) return l6_fail(err, L6_E_UNKNOWN_LABEL, "no label '%.40s' in config/labels.json", name);
  return L6_E_OK;
}

/* A contract's unit types are all offsetting or all non-offsetting (CABs,
 * forest conservation certificates: unit types with non_offsetting), so
 * that a buyer of an offset contract never receives units that can never
 * serve an emissions claim (issue 14); and since every label is an
 * emissions label, a contract of non-offsetting units carries none. */
static l6_err check_offsetting(l6_svc *s, const l6_crit *c, l6_error *err) {
  char buf[L6_CRIT_LIST_MAX + 1], off[L6_CODE_MAX + 1] = "", non[L6_CODE_MAX + 1] = "";
  snprintf(buf, sizeof buf, "%s", c->unit_types);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    l6_unit_type ut;
    l6_err e = OPS->unit_type_get(ST, t, &ut, err);
    if (e != L6_E_OK) return e;
    if (ut.non_offsetting && non[0] == '\0') snprintf(non, sizeof non, "%s", t);
    if (!ut.non_offsetting && off[0] == '\0') snprintf(off, sizeof off, "%s", t);
  }
  if (off[0] && non[0])
    return l6_fail(err, L6_E_MIXED_OFFSETTING,
                   "unit_types mixes offsetting %s with non-offsetting %s: list them as separate contracts", off, non);
  if (non[0] && c->labels[0])
    return l6_fail(err, L6_E_NON_OFFSETTING_UNIT,
                   "%s units are non-offsetting: a contract of them carries no labels (every label is an emissions label)",
                   non);
  return L6_E_OK;
}

l6_err crit__check(l6_svc *s, l6_ex_instrument *x, l6_crit *c, l6_error *err) {
  snprintf(c->code, sizeof c->code, "%s", x->code);
  if (strcmp(x->kind, "contract") != 0) {
    if (c->unit_types[0] || c->programmes[0] || c->labels[0] || c->corsia_phase[0])
      return l6_fail(err, L6_E_INVALID_VALUE, "unit_types, programmes, labels and corsia_phase are for kind contract");
    return L6_E_OK;
  }
  const char *comma = strchr(c->unit_types, ',');
  size_t len = comma ? (size_t)(comma - c->unit_types) : strlen(c->unit_types);
  if (c->unit_types[0] == '\0') snprintf(c->unit_types, sizeof c->unit_types, "%s", x->unit_type);
  else if (x->unit_type[0] && (strlen(x->unit_type) != len || strncmp(x->unit_type, c->unit_types, len) != 0))
    return l6_fail(err, L6_E_INVALID_VALUE, "unit_type %s is not the first of unit_types", x->unit_type);
  if (c->unit_types[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "unit_types (or unit_type) is required");
  l6_err e = check_list(s, c->unit_types, "unit_types", 1, L6_CRIT_MAX_UNIT_TYPES, lookup_unit_type, err);
  if (e == L6_E_OK) e = check_list(s, c->programmes, "programmes", 0, L6_CRIT_MAX_PROGRAMMES, lookup_programme, err);
  if (e == L6_E_OK) e = check_list(s, c->labels, "labels", 0, L6_CRIT_MAX_LABELS, lookup_label, err);
  if (e == L6_E_OK) e = check_offsetting(s, c, err);
  if (e != L6_E_OK) return e;
  bool corsia = list_has(c->labels, "corsia");
  if (corsia && !a6_corsia_known(c->corsia_phase))
    return l6_fail(err, L6_E_UNKNOWN_CORSIA_PHASE, "label corsia needs a corsia_phase of config/corsia.json, not '%.20s'",
                   c->corsia_phase);
  if (!corsia && c->corsia_phase[0]) return l6_fail(err, L6_E_INVALID_VALUE, "corsia_phase is for label corsia only");
  /* The first unit type is the instrument's own (the ledger's picking filter when it is the only one). */
  comma = strchr(c->unit_types, ',');
  len = comma ? (size_t)(comma - c->unit_types) : strlen(c->unit_types);
  snprintf(x->unit_type, sizeof x->unit_type, "%.*s", (int)len, c->unit_types);
  return L6_E_OK;
}

static json_t *list_json(const char *list) {
  json_t *a = json_array();
  char buf[L6_CRIT_LIST_MAX + 1];
  snprintf(buf, sizeof buf, "%s", list);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) json_array_append_new(a, json_string(t));
  return a;
}

void crit__view(json_t *o, const l6_ex_instrument *x, const l6_crit *c) {
  if (o == NULL) return;
  json_object_set_new(o, "unit_types", list_json(c->unit_types[0] ? c->unit_types : x->unit_type));
  json_object_set_new(o, "programmes", list_json(c->programmes));
  json_object_set_new(o, "labels", list_json(c->labels));
  json_object_set_new(o, "corsia_phase", json_string(c->corsia_phase));
}

/* ---- eligibility ------------------------------------------------------------------ */

l6_err crit__eligible(l6_svc *s, const l6_crit *c, const l6_block *b, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                      void *ctx, l6_error *err) {
  l6_batch bt;
  l6_err e = OPS->batch_get(ST, b->batch, &bt, err);
  if (e != L6_E_OK) return e;
  if (c->unit_types[0] && !list_has(c->unit_types, bt.unit_type)) return L6_E_OK;
  if (c->programmes[0]) {
    l6_project p;
    if ((e = OPS->project_get(ST, bt.project, &p, err)) != L6_E_OK) return e;
    if (!list_has(c->programmes, p.programme)) return L6_E_OK;
  }
  if (c->labels[0] == '\0') {
    fn(ctx, b->first, b->last);
    return L6_E_OK;
  }
  /* Every label is an emissions label: never a non-offsetting unit. */
  l6_unit_type ut;
  if ((e = OPS->unit_type_get(ST, bt.unit_type, &ut, err)) != L6_E_OK) return e;
  if (ut.non_offsetting) return L6_E_OK;
  /* Batch labels. */
  char buf[L6_CRIT_LIST_MAX + 1];
  snprintf(buf, sizeof buf, "%s", c->labels);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (strcmp(t, "corsia") == 0 || strcmp(t, "oimp") == 0) continue;
    bool has = false, was = false;
    if ((e = batch_has(s, bt.id, t, &has, &was, err)) != L6_E_OK) return e;
    if (!has) return L6_E_OK;
  }
  /* Rules on the serials. */
  bool oimp = list_has(c->labels, "oimp"), corsia = list_has(c->labels, "corsia");
  if (!oimp && !corsia) {
    fn(ctx, b->first, b->last);
    return L6_E_OK;
  }
  return a6_eligible_ranges(s, &bt, b->first, b->last, oimp, corsia ? c->corsia_phase : NULL, fn, ctx, err);
}
