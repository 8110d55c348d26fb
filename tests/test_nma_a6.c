/*
 * test_nma_a6.c -- the second line of the non-offsetting rule in Article
 * 6.2 (src/service/a6.c): CABs can never be authorized (test_nma.c shows
 * the authorization refused), so no first transfer, use or OIMP (CORSIA)
 * cancellation can name them through the API. Here the store is given an
 * authorization and ITMO range over CABs directly, as a corrupted or
 * migrated store might hold, and every ITMO action still refuses them
 * with non_offsetting_unit and changes nothing. Service level, on the
 * store L6_STORE names (SQLite or PostgreSQL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/a6.h"
#include "service/service.h"
#include "testlib.h"

static struct {
  tl_store ts;
  l6_svc *s;
  l6_actor admin;
  l6_id acc, batch;
} W;

#define OK(call) assert_int_equal((call), L6_E_OK)

static char *dump(void) {
  json_t *h = NULL, *i = NULL;
  l6_error err = {0};
  OK(svc_holdings(W.s, &W.admin, W.acc, &h, &err));
  OK(svc_a6_itmo_list(W.s, &W.admin, 0, &i, &err));
  json_t *both = json_pack("{s:o, s:o}", "holdings", h, "itmos", i);
  char *t = json_dumps(both, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(both);
  return t;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  if (tl_store_make(&W.ts, "nma-a6", 1) != 0) return -1;
  l6_store *st = tl_store_open(&W.ts);
  l6_error err = {0};
  W.s = svc_open(st, 2, &err);
  if (W.s == NULL) return -1;
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) return -1;
  W.admin = (l6_actor){.role = L6_ROLE_ADMIN, .name = "admin"};
  json_t *out = NULL;
  const char *ps[2] = {"UGA", "CHE"};
  for (int i = 0; i < 2; i++) {
    l6_party p = {0};
    snprintf(p.code, sizeof p.code, "%s", ps[i]);
    snprintf(p.name, sizeof p.name, "%s", ps[i]);
    OK(svc_party_create(W.s, &W.admin, &p, &out, &err));
    json_decref(out);
    l6_registry r = {0};
    snprintf(r.id, sizeof r.id, "%s01", ps[i]);
    snprintf(r.party, sizeof r.party, "%s", ps[i]);
    snprintf(r.name, sizeof r.name, "%s registry", ps[i]);
    OK(svc_registry_create(W.s, &W.admin, &r, &out, &err));
    json_decref(out);
  }
  l6_a6_ndc ndc = {.party = "CHE", .first_year = 2021, .last_year = 2030, .kind = "multi-year", .method = "per-year",
                   .target_year = 2030, .target = 1000, .metric = "t CO2e", .factor_micro = 1000000};
  OK(svc_a6_ndc_put(W.s, &W.admin, &ndc, NULL, 0, &out, &err));
  json_decref(out);
  l6_org o = {.registry = "UGA01", .name = "Funder"};
  OK(svc_org_create(W.s, &W.admin, &o, &out, &err));
  json_decref(out);
  l6_account a = {.registry = "UGA01", .org = o.id, .type = L6_ACCT_HOLDING, .name = "CABs"};
  OK(svc_account_create(W.s, &W.admin, &a, &out, &err));
  json_decref(out);
  W.acc = a.id;
  l6_project p = {.id = "UGA.CAB.X", .programme = "CAB", .host = "UGA", .title = "t", .methodology = "m",
                  .sector = "water", .kind = "adaptation", .crediting_start = "2025-01-01",
                  .crediting_end = "2030-12-31", .status = "registered"};
  OK(svc_project_create(W.s, &W.admin, &p, &out, &err));
  json_decref(out);
  l6_issue_req ir = {.registry = "UGA01", .project = "UGA.CAB.X", .unit_type = "CAB", .vintage = 2025,
                     .quantity = 100, .forward_to = W.acc};
  l6_reply rep;
  OK(svc_issue(W.s, &W.admin, &ir, &rep, &err));
  W.batch = json_integer_value(json_object_get(json_array_get(json_object_get(rep.body, "blocks"), 0), "batch"));
  json_decref(rep.body);
  assert_true(W.batch > 0);
  /* What the API never lets happen: CABs made ITMOs, behind its back. */
  l6_store *s = svc_store(W.s);
  OK(s->ops->begin(s, &err));
  l6_a6_auth x = {.party = "UGA", .approach = 7, .project = "UGA.CAB.X", .vintage_from = 2025, .vintage_to = 2025,
                  .quantity = 100, .assigned = 100, .purposes = "NDC,OIMP", .ft_event = "use", .year_from = 2021,
                  .year_to = 2035, .in_scope = true, .version = 1, .ts = "2026-01-01T00:00:00.000Z"};
  OK(s->ops->a6_auth_put(s, &x, &err));
  l6_a6_itmo it = {.auth = x.id, .approach = 7, .registry = "UGA01", .host = "UGA", .batch = W.batch, .first = 1,
                   .last = 100, .itmo_first = 1, .vintage = 2025};
  OK(s->ops->a6_itmo_put(s, &it, &err));
  OK(s->ops->commit(s, &err));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  svc_close(W.s);
  return tl_store_free(&W.ts);
}

static void refused(l6_a6_act_req r) {
  char *before = dump();
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_a6_act(W.s, &W.admin, &r, &out, &err);
  if (e != L6_E_NON_OFFSETTING_UNIT) fail_msg("kind %d: %s: %s", (int)r.kind, l6_err_code(e), err.message);
  assert_null(out);
  assert_non_null(strstr(err.message, "non-offsetting"));
  char *after = dump();
  assert_string_equal(before, after);
  free(before);
  free(after);
}

static void test_itmo_actions_refuse_cabs(void **state) {
  (void)state;
  l6_a6_act_req ft = {.kind = A6_ACT_FIRST_TRANSFER, .account = W.acc, .first_id = "CA0007-UGA01-UGA-000000001-2025",
                      .last_id = "CA0007-UGA01-UGA-000000010-2025"};
  refused(ft);
  l6_a6_act_req use = {.kind = A6_ACT_USE, .account = W.acc, .first_id = "CA0007-UGA01-UGA-000000001-2025",
                       .last_id = "CA0007-UGA01-UGA-000000001-2025", .party = "CHE", .year = 2026};
  refused(use);
  l6_a6_act_req corsia = {.kind = A6_ACT_OIMP, .account = W.acc, .first_id = "CA0007-UGA01-UGA-000000001-2025",
                          .last_id = "CA0007-UGA01-UGA-000000020-2025", .purpose = "CORSIA", .phase = "first", .entity = "An airline"};
  refused(corsia);
  l6_a6_act_req vol = {.kind = A6_ACT_OIMP, .account = W.acc, .first_id = "CA0007-UGA01-UGA-000000001-2025",
                       .last_id = "CA0007-UGA01-UGA-000000100-2025", .purpose = "voluntary", .entity = "A company"};
  refused(vol);
  l6_a6_act_req mc = {.kind = A6_ACT_VOLUNTARY, .account = W.acc, .range = {.batch = W.batch, .first = 1, .last = 5}};
  refused(mc);
  l6_error err = {0};
  OK(svc_check(W.s, 0, &err));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_itmo_actions_refuse_cabs)};
  return cmocka_run_group_tests_name("nma_a6", tests, setup, teardown);
}
