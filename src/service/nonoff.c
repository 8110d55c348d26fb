/*
 * nonoff.c -- non-offsetting units: the property of a unit type (CABs,
 * forest conservation certificates: l6_unit_type.non_offsetting, set in the
 * programme files) and the rule of the policy step (move.h) that keeps them
 * out of every emissions claim. The purposes they may be retired or
 * cancelled for are config/nma.json's non_offsetting_purposes (nma.c).
 */
#include <stdio.h>
#include <string.h>

#include "move.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

l6_err svc__unit_type_non_offsetting(l6_svc *s, const char *unit_type, bool *out, l6_error *err) {
  l6_unit_type u;
  *out = false;
  l6_err e = OPS->unit_type_get(ST, unit_type, &u, err);
  if (e == L6_E_OK) *out = u.non_offsetting;
  return e;
}

l6_err svc__batch_non_offsetting(l6_svc *s, l6_id batch, const char *what, l6_error *err) {
  l6_batch b;
  bool no;
  l6_err e = OPS->batch_get(ST, batch, &b, err);
  if (e == L6_E_OK) e = svc__unit_type_non_offsetting(s, b.unit_type, &no, err);
  if (e == L6_E_OK && no)
    e = l6_fail(err, L6_E_NON_OFFSETTING_UNIT, "%s units of batch %lld are non-offsetting and can never serve %s",
                b.unit_type, (long long)batch, what);
  return e;
}

typedef struct {
  const char *programme;
  char found[L6_CODE_MAX + 1];
} ut_scan;

static int ut_row(void *ctx, const void *row) {
  ut_scan *c = ctx;
  const l6_unit_type *u = row;
  if (u->non_offsetting && strcmp(u->programme, c->programme) == 0) {
    snprintf(c->found, sizeof c->found, "%s", u->code);
    return 1;
  }
  return 0;
}

l6_err svc__project_non_offsetting(l6_svc *s, const char *project, const char *what, l6_error *err) {
  l6_project p;
  l6_err e = OPS->project_get(ST, project, &p, err);
  if (e != L6_E_OK) return e;
  ut_scan c = {.programme = p.programme};
  e = OPS->unit_type_list(ST, ut_row, &c, err);
  if (e == L6_E_OK && c.found[0])
    e = l6_fail(err, L6_E_NON_OFFSETTING_UNIT, "project %s issues %s, non-offsetting units that can never serve %s",
                project, c.found, what);
  return e;
}

/* The rule: non-offsetting units are never part of an Article 6 action
 * (first transfer, use, cancellation, mitigation contribution), and a
 * route that ends units for a claim -- retirement, cancellation, ETS
 * surrender, the marketplace's retirement -- takes them only for a purpose
 * of non_offsetting_purposes (adaptation, conservation, ...). Transfers,
 * the exchange (whose contracts say what they take, crit.c) and the
 * mechanisms' own levies and conversions in the project cycle claim
 * nothing and are not concerned. */
static l6_err nonoff_check(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)arg;
  const char *what;
  switch (m->route) {
  case SVC_MOVE_A6_ACTION: what = "an Article 6 first transfer, use or cancellation"; break;
  case SVC_MOVE_ETS_SURRENDER: what = "an ETS surrender"; break;
  case SVC_MOVE_RETIREMENT:
  case SVC_MOVE_CANCELLATION:
  case SVC_MOVE_MARKETPLACE: what = "an emissions claim (retire them for adaptation or conservation)"; break;
  default: return L6_E_OK;
  }
  if (m->route != SVC_MOVE_A6_ACTION &&
      (m->tx->kind == L6_TX_TRANSFER || svc__non_offsetting_purpose(m->tx->purpose)))
    return L6_E_OK;
  l6_err e = L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && i < m->n; i++)
    if (i == 0 || m->takes[i].batch != m->takes[i - 1].batch) e = svc__batch_non_offsetting(s, m->takes[i].batch, what, err);
  return e;
}

const svc_move_hook svc_nonoff_move_hook = {.name = "non-offsetting units", .check = nonoff_check};
