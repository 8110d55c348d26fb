/*
 * testlib_svc.c -- helpers of the service-level tests (testlib_svc.h).
 */
#include "service/service_int.h"
#include "testlib_svc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void tl_ok(l6_err e, const l6_error *err, const char *what) {
  if (e != L6_E_OK) fail_msg("%s: %s: %s", what, l6_err_code(e), err->message);
}

void tl_ok_json(l6_err e, json_t **out, const l6_error *err, const char *what) {
  tl_ok(e, err, what);
  json_decref(*out);
  *out = NULL;
}

l6_svc *tl_svc_open_direct(const char *spec, int workers, l6_store **st) {
  l6_error err = {0};
  *st = store_open(spec, &err);
  if (*st == NULL) fail_msg("store_open(%s): %s", spec, err.message);
  l6_svc *s = svc_open(*st, workers, &err);
  if (s == NULL) fail_msg("svc_open: %s", err.message);
  svc_store(s)->tx_only = false;
  return s;
}

l6_svc *tl_svc_open_config(l6_store *st, int workers) {
  l6_error err = {0};
  assert_non_null(st);
  l6_svc *s = svc_open(st, workers, &err);
  if (s == NULL) fail_msg("svc_open: %s", err.message);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  if (svc_load_config(s, dir, &err) != L6_E_OK) fail_msg("load config: %s", err.message);
  return s;
}

l6_actor tl_actor(l6_role role, l6_id org, const char *name) {
  l6_actor a = {.role = role, .org = org};
  snprintf(a.name, sizeof a.name, "%s", name);
  return a;
}

void tl_svc_party(l6_svc *s, const l6_actor *admin, const char *code) {
  l6_party p = {0};
  snprintf(p.code, sizeof p.code, "%s", code);
  snprintf(p.name, sizeof p.name, "Party %s", code);
  TL_OK(svc_party_create(s, admin, &p, &out_, &err_), "party");
  l6_registry r = {0};
  snprintf(r.id, sizeof r.id, "%s01", code);
  snprintf(r.party, sizeof r.party, "%s", code);
  snprintf(r.name, sizeof r.name, "%s registry", code);
  TL_OK(svc_registry_create(s, admin, &r, &out_, &err_), "registry");
}

l6_id tl_svc_org(l6_svc *s, const l6_actor *admin, const char *registry, const char *name) {
  l6_org o = {0};
  snprintf(o.registry, sizeof o.registry, "%s", registry);
  snprintf(o.name, sizeof o.name, "%s", name);
  TL_OK(svc_org_create(s, admin, &o, &out_, &err_), "org");
  return o.id;
}

l6_id tl_svc_account(l6_svc *s, const l6_actor *admin, const char *registry, l6_id org, l6_account_type t,
                     const char *name) {
  l6_account a = {.org = org, .type = t};
  snprintf(a.registry, sizeof a.registry, "%s", registry);
  if (name) snprintf(a.name, sizeof a.name, "%s", name);
  else snprintf(a.name, sizeof a.name, "%s %s", registry, l6_account_type_str(t));
  TL_OK(svc_account_create(s, admin, &a, &out_, &err_), "account");
  return a.id;
}

const l6_mech *tl_svc_mech(l6_svc *s, const char *code) {
  const l6_mech *m = mech_find(svc__mechs(s), code);
  if (m == NULL) fail_msg("no mechanism %s loaded", code);
  return m;
}

const char *tl_svc_doc_hash(l6_svc *s, const l6_actor *owner, tl_docs *docs, const char *type) {
  for (size_t i = 0; i < docs->n; i++)
    if (strcmp(docs->d[i].type, type) == 0) return docs->d[i].hash;
  char content[128];
  snprintf(content, sizeof content, "%%PDF-1.7 %s of the test world", type);
  json_t *o = NULL;
  l6_error err;
  if (svc_document_put(s, owner, type, "application/pdf", content, strlen(content), NULL, 0, &o, &err) != L6_E_OK)
    fail_msg("document: %s", err.message);
  if (docs->n == sizeof docs->d / sizeof docs->d[0]) fail_msg("more than %zu document types", docs->n);
  snprintf(docs->d[docs->n].type, sizeof docs->d[0].type, "%s", type);
  snprintf(docs->d[docs->n].hash, sizeof docs->d[0].hash, "%s", json_string_value(json_object_get(o, "sha256")));
  json_decref(o);
  return docs->d[docs->n++].hash;
}

size_t tl_svc_docs_for(l6_svc *s, const l6_actor *owner, tl_docs *docs, const l6_mech *m, l6_step st, l6_doc_ref *refs) {
  const l6_mech_step *ms = &m->steps[st];
  for (size_t i = 0; i < ms->ndocs; i++) {
    snprintf(refs[i].type, sizeof refs[i].type, "%s", ms->docs[i]);
    snprintf(refs[i].sha256, sizeof refs[i].sha256, "%s", tl_svc_doc_hash(s, owner, docs, ms->docs[i]));
  }
  return ms->ndocs;
}

void tl_svc_step_extras(const l6_mech *m, l6_step_req *r, json_t **slot, const l6_id *benefit) {
  json_decref(*slot);
  *slot = NULL;
  if (r->step == L6_STEP_REGISTER && r->decision == L6_DECIDE_ACCEPT && m->nsafeguards) {
    *slot = json_object();
    for (size_t i = 0; i < m->nsafeguards; i++) json_object_set_new(*slot, m->safeguards[i].code, json_true());
    r->safeguards = *slot;
  } else if (r->step == L6_STEP_MONITOR && m->nsd) {
    *slot = json_object();
    for (size_t i = 0; i < m->nsd; i++) json_object_set_new(*slot, m->sd[i].code, json_integer(1));
    r->sd_indicators = *slot;
  } else if (r->step == L6_STEP_ISSUE && r->decision == L6_DECIDE_ACCEPT && m->nbenefit && benefit) {
    *slot = json_object();
    for (size_t i = 0; i < m->nbenefit; i++) json_object_set_new(*slot, m->benefit[i].to, json_integer(benefit[i]));
    r->benefit_accounts = *slot;
  }
}
