/*
 * test_cycle_api.c -- black-box tests of the project cycle: the real server
 * binary (L6_BIN) on a fresh database, driven over HTTP by the roles a
 * registry would have (participant, accredited DOE, host authority,
 * mechanism administrator), and the CLI on the same database.
 *
 * Groups:
 *   cycle_http     a PACM activity and a JCM (bilateral) activity through
 *                  the whole cycle, with the levies and the split checked in
 *                  the holdings; the error paths of the API (status, code,
 *                  expected_state, and the activity and the holdings of every
 *                  involved account unchanged); documents.
 *   cycle_restart  a temporary config folder: start the server, issue,
 *                  stop, edit the PACM file's share of proceeds, restart on
 *                  the same database, issue again: the new rate applies.
 *   cycle_cli      ledger6 mechanisms (a malformed file named with its key),
 *                  calc, and cycle steps through the CLI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "api/http.h"
#include "errors.h"
#include "service/cycle_data.h"
#include "testlib.h"
#include "testlib_cycle.h"
#include "testlib_http.h"

static struct {
  tl_srv srv;
  int64_t org_dev, org_doe, org_dna, org_dna2, org_jp;
  int64_t acc_dev, acc_jp, af, omge, buf;
  char *tok_dev, *tok_other, *tok_doe, *tok_doe2, *tok_dna, *tok_dna2, *tok_ma, *tok_aud;
} W;
#define S (&W.srv)

static int setup_world(const char *tag) {
  memset(&W, 0, sizeof W);
  if (tl_srv_start(&W.srv, tag) != 0) return -1;
  const char *parties[][2] = {{"GHA", "Ghana"}, {"JPN", "Japan"}, {"CHE", "Switzerland"}};
  tl_registry_accounts gha;
  for (size_t i = 0; i < 3; i++) {
    char reg[6];
    snprintf(reg, sizeof reg, "%s01", parties[i][0]);
    tl_mk_party(S, parties[i][0], parties[i][1]);
    tl_mk_registry(S, reg, parties[i][0], i == 0 ? &gha : NULL);
  }
  W.org_dev = tl_mk_org(S, "GHA01", "Volta Solar Ltd");
  int64_t org_other = tl_mk_org(S, "GHA01", "Another developer");
  W.org_doe = tl_mk_org(S, "CHE01", "Carbon Check (DOE)");
  int64_t org_doe2 = tl_mk_org(S, "CHE01", "Unaccredited DOE");
  W.org_dna = tl_mk_org(S, "GHA01", "Ghana EPA (DNA)");
  W.org_dna2 = tl_mk_org(S, "CHE01", "Swiss FOEN (DNA)");
  W.org_jp = tl_mk_org(S, "JPN01", "Japanese buyer");
  W.acc_dev = tl_mk_account(S, "GHA01", W.org_dev, "holding", "developer");
  W.acc_jp = tl_mk_account(S, "JPN01", W.org_jp, "holding", "buyer");
  W.af = gha.adaptation_fund; /* the levy accounts come with the registry */
  W.omge = gha.omge;
  W.buf = gha.buffer;
  W.tok_dev = tl_mk_token(S, "holder", W.org_dev);
  W.tok_other = tl_mk_token(S, "holder", org_other);
  W.tok_doe = tl_mk_token(S, "validator", W.org_doe);
  W.tok_doe2 = tl_mk_token(S, "validator", org_doe2);
  W.tok_dna = tl_mk_token(S, "authority", W.org_dna);
  W.tok_dna2 = tl_mk_token(S, "authority", W.org_dna2);
  W.tok_ma = tl_mk_token(S, "mechanism-admin", 0);
  W.tok_aud = tl_mk_token(S, "auditor", 0);
  const char *mechs[] = {"PACM", "JCM"};
  for (size_t i = 0; i < 2; i++) {
    tl_resp r = tl_http_reqj(S, "POST", "/v1/accreditations", W.tok_ma,
                             json_pack("{s:I, s:s, s:[s, s]}", "organisation", (json_int_t)W.org_doe, "mechanism",
                                       mechs[i], "scopes", "1", "3"),
                             NULL);
    tl_assert_status(&r, 201);
    tl_resp_free(&r);
  }
  return 0;
}

static int teardown_world(void **state) {
  (void)state;
  int rc = W.srv.pid ? tl_srv_stop(&W.srv) : 0;
  tl_srv_free(&W.srv);
  char **toks[] = {&W.tok_dev, &W.tok_other, &W.tok_doe, &W.tok_doe2, &W.tok_dna, &W.tok_dna2, &W.tok_ma, &W.tok_aud};
  for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++) free(*toks[i]);
  tl_http_thread_done();
  memset(&W, 0, sizeof W);
  return rc == 0 ? 0 : -1;
}

static int http_setup(void **state) {
  (void)state;
  return setup_world("cycle-http");
}

/* The activity's GET text and the holdings of every involved account: any
 * change to the cycle or the ledger changes this string. */
static char *snapshot(const char *activity) {
  char path[128], *h[6];
  snprintf(path, sizeof path, "/v1/activities/%s", activity);
  tl_resp r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  int64_t accs[] = {W.acc_dev, W.acc_jp, W.af, W.omge, W.buf, 0};
  size_t len = strlen(r.raw) + 1;
  for (size_t i = 0; accs[i]; i++) len += strlen(h[i] = tl_holdings(S, accs[i])) + 1;
  char *out = malloc(len + 1);
  size_t n = (size_t)snprintf(out, len + 1, "%s\n", r.raw);
  for (size_t i = 0; accs[i]; i++) {
    n += (size_t)snprintf(out + n, len + 1 - n, "%s\n", h[i]);
    free(h[i]);
  }
  tl_resp_free(&r);
  return out;
}

/* A refused request: status, code, and nothing changed. */
static void refused_at(const char *activity, long status, const char *code, const char *method, const char *path,
                       const char *token, json_t *body, const char *expected_state, const char *file, int line) {
  char *before = snapshot(activity);
  tl_resp r = tl_http_reqj(S, method, path, token, body, NULL);
  tl_assert_error_at(&r, status, code, file, line);
  if (expected_state) {
    const char *got = tl_jstr(json_object_get(r.body, "error"), "expected_state");
    if (got == NULL || strcmp(got, expected_state) != 0)
      fail_msg("%s:%d: expected_state %s, got %s", file, line, expected_state, got ? got : "(none)");
  }
  tl_resp_free(&r);
  char *after = snapshot(activity);
  if (strcmp(before, after) != 0) fail_msg("%s:%d: refused (%s) but something changed:\n%s\n---\n%s", file, line, code, before, after);
  free(before);
  free(after);
}
#define REFUSED(activity, status, code, method, path, token, body, expected) \
  refused_at((activity), (status), (code), (method), (path), (token), (body), (expected), __FILE__, __LINE__)

static json_t *doc_array(const char *mech, const char *step) { return tl_step_docs(S, W.tok_dev, mech, step); }

static void test_http_pacm_cycle(void **state) {
  (void)state;
  const char *id = "GHA.SOLAR.01";
  tl_submit(S, W.tok_dev, "PACM", id, "GHA01", "GHA", "avoidance");
  json_decref(tl_step(S, W.tok_doe, "PACM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna, "PACM", id, "approve", "accept", NULL));
  json_t *b = tl_step(S, W.tok_ma, "PACM", id, "register", "accept", NULL);
  assert_string_equal(tl_jstr(json_object_get(b, "activity"), "state"), "registered");
  json_decref(b);
  int p = tl_report(S, W.tok_dev, "PACM", id, "2023-01-01", "2023-12-31", 24960);
  json_decref(tl_period_step(S, W.tok_doe, "PACM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 24500)));
  json_decref(tl_period_step(S, W.tok_dev, "PACM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)W.acc_dev, "bp", 10000)));
  int64_t af = tl_holdings_total(S, W.af), om = tl_holdings_total(S, W.omge), dev = tl_holdings_total(S, W.acc_dev);
  b = tl_period_step(S, W.tok_ma, "PACM", id, p, "issue", "accept", NULL);
  /* 5 % of 24,500 = 1,225 exactly; 2 % = 490; 22,785 forwarded. */
  assert_int_equal(tl_holdings_total(S, W.af) - af, 1225);
  assert_int_equal(tl_holdings_total(S, W.omge) - om, 490);
  assert_int_equal(tl_holdings_total(S, W.acc_dev) - dev, 22785);
  assert_string_equal(tl_jstr(json_object_get(b, "period"), "state"), "issued");
  json_decref(b);
  /* The trail, public: every step with its actor, time and documents. */
  tl_resp r = tl_http_req(S, "GET", "/v1/activities/GHA.SOLAR.01", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  json_t *steps = json_object_get(r.body, "steps");
  assert_int_equal(json_array_size(steps), 8);
  assert_string_equal(tl_jstr(json_array_get(steps, 2), "step"), "approve");
  assert_string_equal(tl_jstr(json_array_get(steps, 2), "role"), "authority");
  assert_string_equal(tl_jstr(json_array_get(json_object_get(json_array_get(steps, 2), "documents"), 0), "type"),
                      "letter-of-approval");
  tl_resp_free(&r);
  /* The issued units are A6.4ERs of the project, vintage 2023. */
  r = tl_http_req(S, "GET", "/v1/issuances?project=GHA.SOLAR.01", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(json_array_get(json_object_get(r.body, "items"), 0), "unit_type"), "A6.4ER");
  assert_int_equal(tl_jint(json_array_get(json_object_get(r.body, "items"), 0), "vintage"), 2023);
  tl_resp_free(&r);
  /* A plain issuance for it is refused. */
  REFUSED(id, 409, "cycle_managed", "POST", "/v1/issuances", S->admin,
          json_pack("{s:s, s:s, s:s, s:i, s:i}", "registry", "GHA01", "project", id, "unit_type", "A6.4ER", "vintage",
                    2024, "quantity", 10),
          NULL);
}

/* Issue 14: the first PACM issuance in a registry made through the API
 * failed with levy_account_missing, as nobody had opened its
 * adaptation-fund and OMGE accounts. A fresh registry, and nothing but the
 * cycle's own steps: the issuance succeeds and the levies land in the
 * accounts the registry came with. */
static void test_http_pacm_fresh_registry(void **state) {
  (void)state;
  tl_registry_accounts ken;
  tl_mk_party(S, "KEN", "Kenya");
  tl_mk_registry(S, "KEN01", "KEN", &ken);
  int64_t org_dev = tl_mk_org(S, "KEN01", "Nairobi Solar Ltd"), org_dna = tl_mk_org(S, "KEN01", "Kenya DNA");
  int64_t acc_dev = tl_mk_account(S, "KEN01", org_dev, "holding", "developer");
  char *tok_dev = tl_mk_token(S, "holder", org_dev), *tok_dna = tl_mk_token(S, "authority", org_dna);
  const char *id = "KEN.SOLAR.01";
  tl_submit(S, tok_dev, "PACM", id, "KEN01", "KEN", "avoidance");
  json_decref(tl_step(S, W.tok_doe, "PACM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, tok_dna, "PACM", id, "approve", "accept", NULL));
  json_decref(tl_step(S, W.tok_ma, "PACM", id, "register", "accept", NULL));
  int p = tl_report(S, tok_dev, "PACM", id, "2023-01-01", "2023-12-31", 1000);
  json_decref(tl_period_step(S, W.tok_doe, "PACM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 1000)));
  json_decref(tl_period_step(S, tok_dev, "PACM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}]}", "forward", "account", (json_int_t)acc_dev, "bp", 10000)));
  json_t *b = tl_period_step(S, W.tok_ma, "PACM", id, p, "issue", "accept", NULL);
  assert_string_equal(tl_jstr(json_object_get(b, "period"), "state"), "issued");
  json_decref(b);
  /* 5 % to the Adaptation Fund, 2 % cancelled for OMGE, the rest forwarded. */
  assert_int_equal(tl_holdings_total(S, ken.adaptation_fund), 50);
  assert_int_equal(tl_holdings_total(S, ken.omge), 20);
  assert_int_equal(tl_holdings_total(S, acc_dev), 930);
  free(tok_dev);
  free(tok_dna);
}

static void test_http_errors(void **state) {
  (void)state;
  const char *id = "GHA.ERR.01", *path = "/v1/activities/GHA.ERR.01/steps";
  tl_submit(S, W.tok_dev, "PACM", id, "GHA01", "GHA", "avoidance");
  json_t *validate = json_pack("{s:s, s:s, s:o}", "step", "validate", "decision", "accept", "documents",
                               doc_array("PACM", "validate"));
  /* Wrong roles and organisations: 401, 403, and the unaccredited DOE. */
  const char *forbidden[] = {S->admin, W.tok_aud, W.tok_dev, W.tok_other, W.tok_dna, W.tok_ma};
  for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
    REFUSED(id, 403, "forbidden", "POST", path, forbidden[i], json_deep_copy(validate), NULL);
  REFUSED(id, 401, "unauthorized", "POST", path, NULL, json_deep_copy(validate), NULL);
  REFUSED(id, 403, "not_accredited", "POST", path, W.tok_doe2, json_deep_copy(validate), NULL);
  /* Out of order: 409 with the state the step needs. */
  REFUSED(id, 409, "wrong_state", "POST", path, W.tok_ma,
          json_pack("{s:s, s:s}", "step", "register", "decision", "accept"), "approved");
  REFUSED(id, 409, "wrong_state", "POST", path, W.tok_dna,
          json_pack("{s:s, s:s, s:o}", "step", "approve", "decision", "accept", "documents", doc_array("PACM", "approve")),
          "validated");
  REFUSED(id, 409, "wrong_state", "POST", path, W.tok_dev, json_pack("{s:s}", "step", "resubmit"), "rejected");
  REFUSED(id, 409, "wrong_state", "POST", "/v1/activities/GHA.ERR.01/periods", W.tok_dev,
          json_pack("{s:s, s:s, s:s, s:{s:i, s:i}}", "start", "2023-01-01", "end", "2023-12-31", "calculator",
                    "grid-renewable", "inputs", "net_kwh", 1000, "ef_cm_t_mwh_e6", 1000000),
          "registered");
  /* Documents: missing, unknown. */
  REFUSED(id, 422, "missing_document", "POST", path, W.tok_doe, json_pack("{s:s, s:s}", "step", "validate", "decision", "accept"),
          NULL);
  REFUSED(id, 404, "unknown_document", "POST", path, W.tok_doe,
          json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "step", "validate", "decision", "accept", "documents", "type",
                    "validation-report", "sha256", "0000000000000000000000000000000000000000000000000000000000000000"),
          NULL);
  /* Request shape. */
  REFUSED(id, 400, "unknown_field", "POST", path, W.tok_doe,
          json_pack("{s:s, s:s, s:i}", "step", "validate", "decision", "accept", "certified", 5), NULL);
  REFUSED(id, 400, "missing_field", "POST", path, W.tok_doe, json_pack("{s:s}", "decision", "accept"), NULL);
  REFUSED(id, 422, "invalid_value", "POST", path, W.tok_doe, json_pack("{s:s}", "step", "validation"), NULL);
  REFUSED(id, 422, "invalid_value", "POST", path, W.tok_doe, json_pack("{s:s, s:s}", "step", "validate", "decision", "ok"),
          NULL);
  REFUSED(id, 400, "missing_field", "POST", path, W.tok_doe, json_pack("{s:s}", "step", "validate"), NULL);
  REFUSED(id, 400, "wrong_type", "POST", path, W.tok_dev, json_pack("{s:s, s:i, s:s, s:i}", "step", "reversal", "quantity", 5,
                                                                     "observed_on", "2026-01-01", "avoidable", 1),
          NULL);
  REFUSED(id, 404, "unknown_activity", "POST", "/v1/activities/NO.SUCH/steps", W.tok_doe, json_deep_copy(validate), NULL);
  REFUSED(id, 404, "unknown_mechanism", "GET", "/v1/mechanisms/XYZ", NULL, NULL, NULL);
  /* Finally the right actor: accepted once, then out of order. */
  tl_resp r = tl_http_reqj(S, "POST", path, W.tok_doe, json_deep_copy(validate), NULL);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  REFUSED(id, 409, "wrong_state", "POST", path, W.tok_doe, json_deep_copy(validate), "submitted");
  /* The other Party's authority may not approve for Ghana. */
  REFUSED(id, 403, "forbidden", "POST", path, W.tok_dna2,
          json_pack("{s:s, s:s, s:o}", "step", "approve", "decision", "accept", "documents", doc_array("PACM", "approve")),
          NULL);
  json_decref(validate);
}

static void test_http_jcm_split(void **state) {
  (void)state;
  const char *id = "GHA.JCM.01";
  tl_submit(S, W.tok_dev, "JCM", id, "GHA01", "GHA", "avoidance");
  json_decref(tl_step(S, W.tok_doe, "JCM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna, "JCM", id, "approve", "accept", NULL));
  json_decref(tl_step(S, W.tok_ma, "JCM", id, "register", "accept", NULL));
  int p = tl_report(S, W.tok_dev, "JCM", id, "2024-01-01", "2024-06-30", 1001);
  json_decref(tl_period_step(S, W.tok_doe, "JCM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 1001)));
  json_decref(tl_period_step(S, W.tok_dev, "JCM", id, p, "request", NULL,
                             json_pack("{s:[{s:I, s:i}, {s:I, s:i}]}", "forward", "account", (json_int_t)W.acc_jp, "bp",
                                       10000, "account", (json_int_t)W.acc_dev, "bp", 10000)));
  int64_t om = tl_holdings_total(S, W.omge), jp = tl_holdings_total(S, W.acc_jp), dev = tl_holdings_total(S, W.acc_dev);
  json_decref(tl_period_step(S, W.tok_ma, "JCM", id, p, "issue", "accept", NULL));
  /* 2 % of 1,001 = 20.02 -> 20 (nearest); 981 split 50/50: 491 to JPN01, 490 to GHA01. */
  assert_int_equal(tl_holdings_total(S, W.omge) - om, 20);
  assert_int_equal(tl_holdings_total(S, W.acc_jp) - jp, 491);
  assert_int_equal(tl_holdings_total(S, W.acc_dev) - dev, 490);
}

static void test_http_documents(void **state) {
  (void)state;
  tl_resp r = tl_http_reqj(S, "POST", "/v1/documents", W.tok_dna,
                           json_pack("{s:s, s:s, s:s}", "name", "LoA", "media_type", "text/plain", "content_base64",
                                     "aGVsbG8="),
                           NULL);
  tl_assert_status(&r, 201);
  assert_string_equal(tl_jstr(r.body, "sha256"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/documents/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824?content=true",
                  NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "content_base64"), "aGVsbG8=");
  tl_resp_free(&r);
  REFUSED("GHA.SOLAR.01", 422, "invalid_value", "POST", "/v1/documents", W.tok_dev,
          json_pack("{s:s, s:s, s:s}", "name", "x", "media_type", "text/plain", "content_base64", "not base64!"), NULL);
  REFUSED("GHA.SOLAR.01", 401, "unauthorized", "POST", "/v1/documents", NULL,
          json_pack("{s:s, s:s, s:s}", "name", "x", "media_type", "text/plain", "content_base64", "aGVsbG8="), NULL);
  REFUSED("GHA.SOLAR.01", 400, "bad_param", "GET",
          "/v1/documents/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824?content=yes", NULL, NULL, NULL);
}

/* ---- cycle_restart ----------------------------------------------------- */

static void test_restart_follows_file(void **state) {
  (void)state;
  /* A copy of the repository's config/ under a temporary root. */
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char *root = tl_tmpdir_make("cycle-root");
  assert_non_null(root);
  char cmd[8192], pacm[1024], old_src[1024];
  snprintf(old_src, sizeof old_src, "%s", src);
  snprintf(cmd, sizeof cmd, "cp -R '%s/config' '%s/config'", src, root);
  assert_int_equal(system(cmd), 0);
  snprintf(pacm, sizeof pacm, "%s/config/mechanisms/pacm.json", root);
  setenv("L6_SRCDIR", root, 1);
  assert_int_equal(setup_world("cycle-restart"), 0);
  const char *id = "GHA.CFG.01";
  tl_submit(S, W.tok_dev, "PACM", id, "GHA01", "GHA", "avoidance");
  json_decref(tl_step(S, W.tok_doe, "PACM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna, "PACM", id, "approve", "accept", NULL));
  json_decref(tl_step(S, W.tok_ma, "PACM", id, "register", "accept", NULL));
  int p = tl_report(S, W.tok_dev, "PACM", id, "2023-01-01", "2023-06-30", 1000);
  json_decref(tl_period_step(S, W.tok_doe, "PACM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 1000)));
  json_decref(tl_period_step(S, W.tok_dev, "PACM", id, p, "request", NULL, NULL));
  int64_t af = tl_holdings_total(S, W.af);
  json_decref(tl_period_step(S, W.tok_ma, "PACM", id, p, "issue", "accept", NULL));
  assert_int_equal(tl_holdings_total(S, W.af) - af, 50);
  /* Stop, edit the file (10 % share of proceeds), restart: no rebuild. */
  assert_int_equal(tl_srv_stop(S), 0);
  snprintf(cmd, sizeof cmd, "sed -i 's/\"bp\": 500,/\"bp\": 1000,/' '%s'", pacm);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(tl_srv_restart(S), 0);
  tl_resp r = tl_http_req(S, "GET", "/v1/mechanisms/PACM", NULL, NULL, NULL);
  assert_int_equal(tl_jint(json_object_get(json_object_get(r.body, "levies"), "share_of_proceeds"), "bp"), 1000);
  tl_resp_free(&r);
  p = tl_report(S, W.tok_dev, "PACM", id, "2023-07-01", "2023-12-31", 1000);
  json_decref(tl_period_step(S, W.tok_doe, "PACM", id, p, "verify", "accept", json_pack("{s:i}", "certified", 1000)));
  json_decref(tl_period_step(S, W.tok_dev, "PACM", id, p, "request", NULL, NULL));
  af = tl_holdings_total(S, W.af);
  json_decref(tl_period_step(S, W.tok_ma, "PACM", id, p, "issue", "accept", NULL));
  assert_int_equal(tl_holdings_total(S, W.af) - af, 100);
  /* A malformed edit: the server refuses to start and says where. */
  assert_int_equal(tl_srv_stop(S), 0);
  snprintf(cmd, sizeof cmd, "sed -i 's/\"bp\": 1000,/\"bp\": 100000,/' '%s'", pacm);
  assert_int_equal(system(cmd), 0);
  char out[2048];
  int rc = tl_run_cli(S, out, sizeof out, "init", (char *)NULL);
  assert_int_equal(rc, 1);
  setenv("L6_SRCDIR", old_src, 1);
  tl_srv_free(S); /* nothing running */
  tl_tmpdir_remove(root);
  teardown_world(NULL);
}

/* ---- cycle_cli --------------------------------------------------------- */

static int cli_setup(void **state) {
  (void)state;
  return setup_world("cycle-cli");
}

static void test_cli(void **state) {
  (void)state;
  char out[8192];
  /* calc: 120,000 MWh at 0.6532 t/MWh. */
  assert_int_equal(tl_run_cli(S, out, sizeof out, "calc", "grid-renewable", "net_kwh=120000000", "ef_cm_t_mwh_e6=653200",
                              (char *)NULL),
                   0);
  assert_string_equal(out, "78384\n");
  assert_int_equal(tl_run_cli(S, out, sizeof out, "mechanisms", (char *)NULL), 0);
  assert_non_null(strstr(out, "6 mechanism definitions"));
  assert_non_null(strstr(out, "PACM"));
  /* A cycle step through the CLI, as the DOE's token, on the server's store. */
  tl_submit(S, W.tok_dev, "PACM", "GHA.CLI.01", "GHA01", "GHA", "avoidance");
  json_t *docs = doc_array("PACM", "validate");
  json_t *body = json_pack("{s:s, s:s, s:o}", "step", "validate", "decision", "accept", "documents", docs);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  assert_int_equal(tl_run_cli(S, out, sizeof out, "cycle", "--token", W.tok_doe, "step", "GHA.CLI.01", text, (char *)NULL), 0);
  assert_non_null(strstr(out, "\"validated\""));
  /* Again: out of order, exit 1. */
  assert_int_equal(tl_run_cli(S, out, sizeof out, "cycle", "--token", W.tok_doe, "step", "GHA.CLI.01", text, (char *)NULL), 1);
  free(text);
  tl_resp r = tl_http_req(S, "GET", "/v1/activities/GHA.CLI.01", NULL, NULL, NULL);
  assert_string_equal(tl_jstr(r.body, "state"), "validated");
  tl_resp_free(&r);
  assert_int_equal(tl_run_cli(S, out, sizeof out, "activity", "GHA.CLI.01", (char *)NULL), 0);
  assert_non_null(strstr(out, "\"mechanism\": \"PACM\""));
}

/* The OpenAPI document names every route the server routes (each method
 * with its x-roles) and every error code of src/errors.h. */
static void test_openapi_complete(void **state) {
  (void)state;
  tl_resp r = tl_http_req(S, "GET", "/v1/openapi.json", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  json_t *paths = json_object_get(r.body, "paths");
  const l6_route_info *routes;
  size_t n = http_routes(&routes);
  int missing = 0;
  for (size_t i = 0; i < n; i++) {
    char method[8];
    size_t k = 0;
    for (; routes[i].method[k] && k < sizeof method - 1; k++) method[k] = (char)(routes[i].method[k] - 'A' + 'a');
    method[k] = '\0';
    json_t *op = json_object_get(json_object_get(paths, routes[i].pattern), method);
    if (op == NULL || !json_is_array(json_object_get(op, "x-roles"))) {
      print_error("openapi.json lacks %s %s (or its x-roles)\n", routes[i].method, routes[i].pattern);
      missing++;
    }
  }
  json_t *codes = json_object_get(json_object_get(json_object_get(json_object_get(r.body, "components"), "schemas"),
                                                  "ErrorCode"), "enum");
  for (int e = 1; e < L6_E__COUNT; e++) {
    bool found = false;
    size_t i;
    json_t *c;
    json_array_foreach(codes, i, c) found |= strcmp(json_string_value(c), l6_err_code((l6_err)e)) == 0;
    if (!found) {
      print_error("openapi.json's ErrorCode lacks %s\n", l6_err_code((l6_err)e));
      missing++;
    }
  }
  tl_resp_free(&r);
  assert_int_equal(missing, 0);
}


/* Issue 20 over HTTP: a device's signed readings feed the monitoring
 * report; a bad signature, a replay, an unknown device refused with their
 * codes and nothing changed; a registry choice outside the mechanism's. */
static json_t *signed_reading(const unsigned char *sk, const char *act, int period, const char *dev, int seq,
                              int64_t value, bool tamper) {
  char msg[L6_READING_MSG_MAX], sig[129];
  int n = svc_reading_message(msg, sizeof msg, act, period, dev, seq, "net_kwh", value, "2023-05-31");
  unsigned char sg[64];
  crypto_sign_detached(sg, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
  if (tamper) sg[0] ^= 1;
  sodium_bin2hex(sig, sizeof sig, sg, sizeof sg);
  return json_pack("{s:s, s:i, s:s, s:I, s:s, s:s}", "device", dev, "seq", seq, "input", "net_kwh", "value",
                   (json_int_t)value, "taken_on", "2023-05-31", "signature", sig);
}

static void test_http_signed_readings(void **state) {
  (void)state;
  const char *id = "GHA.METER.01";
  tl_submit(S, W.tok_dev, "PACM", id, "GHA01", "GHA", "avoidance");
  json_decref(tl_step(S, W.tok_doe, "PACM", id, "validate", "accept", NULL));
  json_decref(tl_step(S, W.tok_dna, "PACM", id, "approve", "accept", NULL));
  json_decref(tl_step(S, W.tok_ma, "PACM", id, "register", "accept", NULL));
  unsigned char pk[32], sk[64];
  char hex[65];
  crypto_sign_keypair(pk, sk);
  sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
  tl_resp r = tl_http_reqj(S, "POST", "/v1/activities/GHA.METER.01/devices", W.tok_dev,
                           json_pack("{s:s, s:s}", "name", "inverter-A", "public_key", hex), NULL);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  const char *data = "/v1/activities/GHA.METER.01/periods/1/data";
  r = tl_http_reqj(S, "POST", data, NULL, signed_reading(sk, id, 1, "inverter-A", 1, 2000000, false), NULL);
  tl_assert_status(&r, 201);
  assert_int_equal(strlen(tl_jstr(r.body, "hash")), 64);
  tl_resp_free(&r);
  REFUSED(id, 422, "bad_signature", "POST", data, NULL, signed_reading(sk, id, 1, "inverter-A", 2, 5, true), NULL);
  REFUSED(id, 409, "reading_replayed", "POST", data, NULL, signed_reading(sk, id, 1, "inverter-A", 1, 2000000, false), NULL);
  REFUSED(id, 404, "unknown_device", "POST", data, NULL, signed_reading(sk, id, 1, "inverter-B", 1, 5, false), NULL);
  REFUSED(id, 401, "unauthorized", "POST", data, "l6_ffffffffffffffffffffffffffffffffffffffffffffffff",
          signed_reading(sk, id, 1, "inverter-A", 2, 5, false), NULL);
  r = tl_http_reqj(S, "POST", data, W.tok_aud, signed_reading(sk, id, 1, "inverter-A", 2, 400000, false), NULL);
  tl_assert_status(&r, 201);
  tl_resp_free(&r);
  /* The report gives only the grid factor: 2,400 MWh x 0.5 t = 1,200 t. */
  json_t *docs = doc_array("PACM", "monitor");
  r = tl_http_reqj(S, "POST", "/v1/activities/GHA.METER.01/periods", W.tok_dev,
                   json_pack("{s:s, s:s, s:s, s:{s:i}, s:o, s:{s:i, s:i, s:i, s:i}}", "start", "2023-01-01", "end",
                             "2023-12-31", "calculator", "grid-renewable", "inputs", "ef_cm_t_mwh_e6", 500000, "documents",
                             docs, "sd_indicators", "sdg7-energy-access", 900, "technology-transfer", 1, "capacity-building",
                             4, "foreign-investment", 250000),
                   NULL);
  tl_assert_status(&r, 201);
  assert_int_equal(tl_jint(json_object_get(r.body, "period"), "reported"), 1200);
  json_t *rd = json_object_get(json_object_get(json_object_get(r.body, "step"), "detail"), "readings");
  assert_int_equal(tl_jint(rd, "count"), 2);
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", data, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_int_equal(json_array_size(json_object_get(r.body, "items")), 2);
  tl_resp_free(&r);
  /* Reported: period 1 takes no more readings. */
  REFUSED(id, 409, "wrong_state", "POST", data, NULL, signed_reading(sk, id, 1, "inverter-A", 3, 5, false), NULL);
  /* PACM offers no registry choice and no ex-ante purchase. */
  json_t *sub = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", "GHA.CHOICE.01",
                          "mechanism", "PACM", "registry", "GHA01", "host", "GHA", "title", "t", "methodology", "m",
                          "sector", "energy", "scope", "1", "kind", "avoidance", "crediting_start", "2021-01-01",
                          "crediting_end", "2030-12-31", "third_party_choice", "CHN", "documents",
                          doc_array("PACM", "submit"));
  r = tl_http_reqj(S, "POST", "/v1/activities", W.tok_dev, sub, NULL);
  tl_assert_error_at(&r, 422, "registry_choice_refused", __FILE__, __LINE__);
  tl_resp_free(&r);
  REFUSED(id, 422, "commitment_not_offered", "POST", "/v1/activities/GHA.METER.01/commitments", W.tok_other,
          json_pack("{s:i, s:i, s:s, s:I, s:s}", "quantity", 5, "price", 100, "currency", "USD", "funder_account",
                    (json_int_t)W.acc_jp, "beneficiary", "b"),
          NULL);
}

int main(void) {
  const struct CMUnitTest http[] = {
      cmocka_unit_test(test_http_pacm_cycle),
      cmocka_unit_test(test_http_pacm_fresh_registry),
      cmocka_unit_test(test_http_errors),
      cmocka_unit_test(test_http_jcm_split),
      cmocka_unit_test(test_http_documents),
      cmocka_unit_test(test_http_signed_readings),
      cmocka_unit_test(test_openapi_complete),
  };
  const struct CMUnitTest restart[] = {cmocka_unit_test(test_restart_follows_file)};
  const struct CMUnitTest cli[] = {cmocka_unit_test(test_cli)};
  int failed = 0;
  failed += cmocka_run_group_tests_name("cycle_http", http, http_setup, teardown_world);
  failed += cmocka_run_group_tests_name("cycle_restart", restart, NULL, NULL);
  failed += cmocka_run_group_tests_name("cycle_cli", cli, cli_setup, teardown_world);
  return failed;
}
