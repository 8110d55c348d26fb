/* testlib_cycle.c -- project-cycle helpers over HTTP; see testlib_cycle.h. */
#include "testlib_cycle.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

/* ---- 1. Documents and step bodies ---------------------------------------- */

/* Sends a request that must answer `status`; returns the body (new ref). */
static json_t *must(const tl_srv *s, const char *method, const char *path, const char *token, json_t *body, long status,
                    const char *file, int line) {
  tl_resp r = tl_http_reqj(s, method, path, token, body, NULL);
  if (r.status != status || r.body == NULL) {
    print_error("%s:%d: %s %s: want %ld, got %ld %.400s\n", file, line, method, path, status, r.status, r.raw);
    tl_resp_free(&r);
    fail();
  }
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}
#define MUST(method, path, token, body, status) must(s, (method), (path), (token), (body), (status), __FILE__, __LINE__)

const char *tl_doc(const tl_srv *s, const char *token, const char *type) {
  static char hash[65];
  char content[128];
  snprintf(content, sizeof content, "%%PDF-1.7 %s (test document)", type);
  char b64[256];
  sodium_bin2base64(b64, sizeof b64, (const unsigned char *)content, strlen(content), sodium_base64_VARIANT_ORIGINAL);
  json_t *b = MUST("POST", "/v1/documents", token,
                   json_pack("{s:s, s:s, s:s}", "name", type, "media_type", "application/pdf", "content_base64", b64), 201);
  snprintf(hash, sizeof hash, "%s", tl_jstr(b, "sha256"));
  json_decref(b);
  return hash;
}

json_t *tl_step_docs(const tl_srv *s, const char *token, const char *mech, const char *step) {
  char path[128];
  snprintf(path, sizeof path, "/v1/mechanisms/%s", mech);
  json_t *m = MUST("GET", path, NULL, NULL, 200);
  json_t *types = json_object_get(json_object_get(json_object_get(m, "steps"), step), "documents");
  json_t *docs = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(types, i, t) {
    const char *h = tl_doc(s, token, json_string_value(t));
    json_array_append_new(docs, json_pack("{s:s, s:s}", "type", json_string_value(t), "sha256", h));
  }
  json_decref(m);
  return docs;
}

/* ---- 2. Steps ------------------------------------------------------------ */

void tl_submit(const tl_srv *s, const char *token, const char *mech, const char *id, const char *registry,
               const char *host, const char *kind) {
  char path[128];
  snprintf(path, sizeof path, "/v1/mechanisms/%s", mech);
  json_t *m = MUST("GET", path, NULL, NULL, 200);
  const char *scope = json_string_value(json_array_get(json_object_get(json_object_get(m, "eligibility"), "scopes"), 0));
  json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b}", "id", id, "mechanism",
                           mech, "registry", registry, "host", host, "title", "Test activity", "methodology",
                           "ACM0002", "sector", "energy", "scope", scope, "kind", kind, "crediting_start", "2021-01-01",
                           "crediting_end", "2030-12-31", "documents", tl_step_docs(s, token, mech, "submit"),
                           "ets_covered", 0);
  json_decref(m);
  json_t *b = MUST("POST", "/v1/activities", token, body, 201);
  assert_string_equal(tl_jstr(json_object_get(b, "activity"), "state"), "submitted");
  json_decref(b);
}

/* What the mechanism asks besides documents (issue 20): at register
 * (accept) every safeguard answered true, at monitor every SD indicator
 * reported as 1, unless the body already carries them. */
static void ldc_fill(const tl_srv *s, const char *mech, const char *step, const char *decision, json_t *body) {
  bool reg = strcmp(step, "register") == 0 && decision && strcmp(decision, "accept") == 0;
  bool mon = strcmp(step, "monitor") == 0;
  if ((!reg || json_object_get(body, "safeguards")) && (!mon || json_object_get(body, "sd_indicators"))) return;
  char path[128];
  snprintf(path, sizeof path, "/v1/mechanisms/%s", mech);
  json_t *m = MUST("GET", path, NULL, NULL, 200);
  json_t *list = json_object_get(m, reg ? "safeguards" : "sd_indicators");
  if (list) {
    json_t *o = json_object();
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
      json_object_set_new(o, json_string_value(json_object_get(it, "code")), reg ? json_true() : json_integer(1));
    json_object_set_new(body, reg ? "safeguards" : "sd_indicators", o);
  }
  json_decref(m);
}

static json_t *step_body(const tl_srv *s, const char *token, const char *mech, const char *step, const char *decision,
                         json_t *extra) {
  json_t *body = extra ? extra : json_object();
  ldc_fill(s, mech, step, decision, body);
  json_object_set_new(body, "step", json_string(step));
  if (decision) json_object_set_new(body, "decision", json_string(decision));
  json_t *docs = tl_step_docs(s, token, mech, step);
  if (json_array_size(docs)) json_object_set(body, "documents", docs);
  json_decref(docs);
  return body;
}

json_t *tl_step(const tl_srv *s, const char *token, const char *mech, const char *id, const char *step,
                const char *decision, json_t *extra) {
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/steps", id);
  json_t *body = step_body(s, token, mech, step, decision, extra);
  return MUST("POST", path, token, body, 201);
}

int tl_report(const tl_srv *s, const char *token, const char *mech, const char *id, const char *start,
              const char *end, int64_t tonnes) {
  char path[128];
  snprintf(path, sizeof path, "/v1/activities/%s/periods", id);
  json_t *body = json_pack("{s:s, s:s, s:s, s:{s:I, s:i}, s:o}", "start", start, "end", end, "calculator",
                           "grid-renewable", "inputs", "net_kwh", (json_int_t)(tonnes * 1000), "ef_cm_t_mwh_e6", 1000000,
                           "documents", tl_step_docs(s, token, mech, "monitor"));
  ldc_fill(s, mech, "monitor", NULL, body);
  json_t *b = MUST("POST", path, token, body, 201);
  int period = (int)tl_jint(json_object_get(b, "period"), "period");
  assert_int_equal(tl_jint(json_object_get(b, "period"), "reported"), tonnes);
  json_decref(b);
  return period;
}

json_t *tl_period_step(const tl_srv *s, const char *token, const char *mech, const char *id, int period,
                       const char *step, const char *decision, json_t *extra) {
  char path[160];
  snprintf(path, sizeof path, "/v1/activities/%s/periods/%d/steps", id, period);
  json_t *body = step_body(s, token, mech, step, decision, extra);
  return MUST("POST", path, token, body, 201);
}

/* ---- 3. The role matrix's fixture ---------------------------------------- */

void tl_cycle_fixture(const tl_srv *s, const char *registry, const char *host, int64_t org, const char *tok,
                      int64_t acc, tl_cycle_fx *fx) {
  memset(fx, 0, sizeof *fx);
  char dna_registry[6];
  snprintf(dna_registry, sizeof dna_registry, "%s01", host);
  tl_mk_registry(s, dna_registry, host, NULL);
  fx->org_v = tl_mk_org(s, registry, "Accredited DOE");
  fx->org_dna = tl_mk_org(s, dna_registry, "Designated national authority");
  fx->tok_v = tl_mk_token(s, "validator", fx->org_v);
  fx->tok_dna = tl_mk_token(s, "authority", fx->org_dna);
  fx->tok_ma = tl_mk_token(s, "mechanism-admin", 0);
  json_t *m = MUST("GET", "/v1/mechanisms/PACM", NULL, NULL, 200);
  json_t *scopes = json_object_get(json_object_get(m, "eligibility"), "scopes");
  json_decref(MUST("POST", "/v1/accreditations", fx->tok_ma,
                   json_pack("{s:I, s:s, s:O}", "organisation", (json_int_t)fx->org_v, "mechanism", "PACM", "scopes", scopes),
                   201));
  json_decref(m);
  fx->af = tl_registry_account(s, registry, "adaptation-fund"); /* made with the registry */
  fx->omge = tl_registry_account(s, registry, "omge-cancellation");
  fx->buf = tl_registry_account(s, registry, "buffer");
  snprintf(fx->doc, sizeof fx->doc, "%s", tl_doc(s, tok, "design-document"));

  /* A submitted activity. */
  snprintf(fx->sub, sizeof fx->sub, "RM.SUB");
  tl_submit(s, tok, "PACM", fx->sub, registry, host, "avoidance");

  /* A registered removal activity: period 1 issued (forwarded to acc),
   * period 2 reported, an avoidable reversal of 5 units due. */
  snprintf(fx->reg, sizeof fx->reg, "RM.REG");
  tl_submit(s, tok, "PACM", fx->reg, registry, host, "removal");
  json_decref(tl_step(s, fx->tok_v, "PACM", fx->reg, "validate", "accept", NULL));
  json_decref(tl_step(s, fx->tok_dna, "PACM", fx->reg, "approve", "accept", NULL));
  json_decref(tl_step(s, fx->tok_ma, "PACM", fx->reg, "register", "accept", NULL));
  int p1 = tl_report(s, tok, "PACM", fx->reg, "2021-01-01", "2021-12-31", 1000);
  json_decref(tl_period_step(s, fx->tok_v, "PACM", fx->reg, p1, "verify", "accept", json_pack("{s:i}", "certified", 1000)));
  json_decref(tl_period_step(s, tok, "PACM", fx->reg, p1, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)acc, "bp", 10000)));
  json_decref(tl_period_step(s, fx->tok_ma, "PACM", fx->reg, p1, "issue", "accept", NULL));
  fx->period = tl_report(s, tok, "PACM", fx->reg, "2022-01-01", "2022-12-31", 500);
  char today[11];
  time_t now = time(NULL);
  strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
  json_decref(tl_step(s, tok, "PACM", fx->reg, "reversal", NULL,
                      json_pack("{s:i, s:b, s:s}", "quantity", 5, "avoidable", 1, "observed_on", today)));

  /* A CDM project with 100 CERs of 2016 in acc, transitioned to PACM. */
  snprintf(fx->cdm, sizeof fx->cdm, "CDM.RM");
  tl_mk_project(s, fx->cdm, "CDM", host);
  json_decref(tl_mk_issue(s, registry, fx->cdm, "CER", 2016, 100, acc));
  json_t *docs = tl_step_docs(s, tok, "PACM", "transition");
  json_decref(MUST("POST", "/v1/transitions", tok,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "project", fx->cdm, "mechanism", "PACM", "registry", registry,
                             "scope", "1", "requested_on", "2023-11-30", "documents", docs),
                   201));
  json_decref(tl_step(s, fx->tok_dna, "PACM", fx->cdm, "approve-transition", "accept",
                      json_pack("{s:s}", "approved_on", "2026-05-01")));
  (void)org;
}

void tl_cycle_fixture_free(tl_cycle_fx *fx) {
  free(fx->tok_v);
  free(fx->tok_dna);
  free(fx->tok_ma);
  memset(fx, 0, sizeof *fx);
}
