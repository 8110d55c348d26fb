/*
 * benefit.c -- issue 20 item 5: the benefit-sharing report of a host
 * Party (GET /v1/benefit-sharing/{party}, docs/API.md "Benefit sharing
 * with host communities"): the host's shares of every issuance of the
 * activities it hosts (split at issuance, cycle.c do_issue, recorded in
 * the issue step's detail), and the considerations of the exchange trades
 * of their units (ex_benefit.c), host sales apart from resales, and the
 * priced and unpriced off-exchange transfers from the host side
 * (consideration.c).
 *
 * Seed 000 (UNCTAD, LDC report 2024): "碳信用额的市场价值并不等同于向相关
 * 项目的最不发达国家东道国转移资金的实际规模" (the market value of credits
 * is not what actually reaches the LDC host) -> the report puts what the
 * host received next to what buyers paid.
 */
#include <stdlib.h>
#include <string.h>

#include "ldc.h"
#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)
#define ST (s->st)

typedef struct {
  json_t *items, *shares;
  const char *project;
  l6_id last;
  int count;
} bs_steps;

static int bs_step_row(void *ctx, const void *row) {
  bs_steps *c = ctx;
  const l6_step_rec *r = row;
  c->last = r->id;
  c->count++;
  if (strcmp(r->step, "issue") != 0) return 0;
  json_t *d = json_loads(r->detail, 0, NULL);
  size_t i;
  json_t *sh;
  json_array_foreach(json_object_get(d, "benefit_sharing"), i, sh) {
    json_t *x = json_deep_copy(sh);
    json_object_set_new(x, "project", json_string(c->project));
    json_object_set_new(x, "period", json_integer(r->period));
    json_object_set_new(x, "step_id", json_integer(r->id));
    json_object_set_new(x, "ts", json_string(r->ts));
    json_array_append_new(c->items, x);
    const char *to = json_string_value(json_object_get(sh, "to"));
    json_t *t = to ? json_object_get(c->shares, to) : NULL;
    if (t) json_object_set_new(c->shares, to, json_integer(json_integer_value(t) + json_integer_value(json_object_get(sh, "quantity"))));
  }
  json_decref(d);
  return 0;
}

l6_err svc_benefit_report(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  (void)a; /* public, like the fee report: what reaches the host is open */
  READ_ON_VIEW(s, svc_benefit_report, a, party, out, err);
  *out = NULL;
  if (party == NULL || !l6_valid_alpha3(party)) return l6_fail(err, L6_E_BAD_PARAM, "party must be an alpha-3 code");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *acts = json_array();
  e = svc__hosted_activities(s, party, acts, err); /* mech_ldc.c */
  json_t *items = json_array(), *sales = json_array();
  json_t *shares = json_pack("{s:I, s:I}", "host-community", (json_int_t)0, "host-government", (json_int_t)0);
  size_t i;
  json_t *pj;
  json_array_foreach(acts, i, pj) {
    if (e != L6_E_OK) break;
    bs_steps bs = {.items = items, .shares = shares, .project = json_string_value(pj)};
    do {
      bs.count = 0;
      e = OPS->step_list(ST, bs.project, bs.last, L6_MAX_PAGE, bs_step_row, &bs, err);
    } while (e == L6_E_OK && bs.count == L6_MAX_PAGE);
  }
  if (e == L6_E_OK) e = ex_benefit_sales(s, party, sales, err);
  json_decref(acts);
  *out = json_pack("{s:s, s:o, s:o, s:o}", "party", party, "issuances", items, "shares", shares, "sales", sales);
  if (e == L6_E_OK) e = svc__consideration_sums(s, party, *out, err); /* off-exchange: consideration.c */
  return svc__finish_out(s, e, out, err);
}
