/*
 * move.c -- the ledger's one move of units and its policy step; see
 * move.h and docs/DESIGN.md ("The policy step of a move"). The core walks
 * the service's list of rules and never names a module.
 */
#include "move.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "../core/ledger.h"
#include "service_int.h"

#define OPS (svc_store(s)->ops)

static const char *const route_names[SVC_MOVE__COUNT] = {
    [SVC_MOVE_TRANSFER] = "transfer",           [SVC_MOVE_RETIREMENT] = "retirement",
    [SVC_MOVE_CANCELLATION] = "cancellation",   [SVC_MOVE_ISSUE_FORWARD] = "issuance-forward",
    [SVC_MOVE_CYCLE] = "cycle",                 [SVC_MOVE_A6_ACTION] = "a6-action",
    [SVC_MOVE_EXCHANGE] = "exchange",           [SVC_MOVE_MARKETPLACE] = "marketplace",
    [SVC_MOVE_ETS_ALLOCATION] = "ets-allocation", [SVC_MOVE_ETS_SURRENDER] = "ets-surrender",
    [SVC_MOVE_HOLD] = "proposal-hold",          [SVC_MOVE_LINK] = "link",
};

const char *svc_move_route_str(svc_move_route r) {
  return r > 0 && r < SVC_MOVE__COUNT && route_names[r] ? route_names[r] : "?";
}

l6_err svc_move_hook_add(l6_svc *s, const svc_move_hook *h, l6_error *err) {
  if (s->nhooks >= L6_MAX_MOVE_HOOKS) return l6_fail(err, L6_E_TOO_MANY_RANGES, "at most %d move rules", L6_MAX_MOVE_HOOKS);
  s->hooks[s->nhooks++] = *h;
  return L6_E_OK;
}

/* The rules of the modules, in the order they run (move_modules.c). */
extern const svc_move_hook *const svc_move_modules[];

l6_err svc__move_init(l6_svc *s, l6_error *err) {
  l6_err e = L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && svc_move_modules[i]; i++) e = svc_move_hook_add(s, svc_move_modules[i], err);
  return e;
}

/* Moves [first,last] of batch from `from` (which must hold it in one
 * block) to `to`, and records the line of transaction tx. */
static l6_err move_range(l6_svc *s, l6_id tx, l6_id from, l6_id to, l6_id batch, int64_t first, int64_t last,
                         const l6_block *known, l6_error *err) {
  l6_block blk;
  l6_err e;
  if (known && known->id > 0 && known->account == from && known->batch == batch && known->first <= first &&
      known->last >= last) {
    blk = *known; /* read by the caller's pick in this transaction (a round trip saved on PostgreSQL) */
    e = L6_E_OK;
  } else {
    e = OPS->block_find(s->st, from, batch, first, &blk, err);
  }
  if (e == L6_E_UNKNOWN_SERIAL || (e == L6_E_OK && blk.last < last))
    return l6_fail(err, L6_E_SERIALS_NOT_HELD, "serials %lld-%lld of batch %lld are not held by account %lld",
                   (long long)first, (long long)last, (long long)batch, (long long)from);
  if (e != L6_E_OK) return e;
  l6_range rem[2];
  int nrem = ledger_split(&blk, first, last, rem);
  if ((e = OPS->block_remove(s->st, blk.id, err)) != L6_E_OK) return e;
  for (int i = 0; i < nrem && e == L6_E_OK; i++) e = OPS->block_add(s->st, from, batch, rem[i].first, rem[i].last, err);
  if (e == L6_E_OK) e = OPS->block_add(s->st, to, batch, first, last, err);
  l6_tx_line line = {.tx = tx, .batch = batch, .first = first, .last = last, .from_account = from, .to_account = to};
  if (e == L6_E_OK) e = OPS->tx_line_put(s->st, &line, err);
  return e;
}

/* Fills m->from and m->to from the transaction's account ids. */
static l6_err load_accounts(l6_svc *s, svc_move_ctx *m, l6_error *err) {
  assert(m->tx != NULL && m->n > 0 && m->takes != NULL);
  assert(m->route > 0 && m->route < SVC_MOVE__COUNT);
  if (m->accounts_given && m->from.id == m->tx->from_account && m->to.id == m->tx->to_account) return L6_E_OK;
  memset(&m->from, 0, sizeof m->from);
  memset(&m->to, 0, sizeof m->to);
  l6_err e = m->tx->from_account ? OPS->account_get(s->st, m->tx->from_account, &m->from, err) : L6_E_OK;
  if (e == L6_E_OK && m->tx->to_account) e = OPS->account_get(s->st, m->tx->to_account, &m->to, err);
  return e;
}

static l6_err run_checks(l6_svc *s, const svc_move_ctx *m, l6_error *err) {
  l6_err e = L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && i < s->nhooks; i++)
    if (s->hooks[i].check) e = s->hooks[i].check(s, m, s->hooks[i].arg, err);
  return e;
}

l6_err svc__move_check(l6_svc *s, svc_move_ctx *m, l6_error *err) {
  l6_err e = load_accounts(s, m, err);
  return e == L6_E_OK ? run_checks(s, m, err) : e;
}

l6_err svc__move_units(l6_svc *s, svc_move_ctx *m, l6_error *err) {
  assert(m->tx && m->tx->id > 0 && m->tx->from_account > 0 && m->tx->to_account > 0);
  l6_err e = svc__move_check(s, m, err);
  l6_qty moved = 0;
  for (size_t i = 0; e == L6_E_OK && i < m->n; i++) {
    const l6_take *t = &m->takes[i];
    assert(t->first <= t->last);
    e = move_range(s, m->tx->id, m->tx->from_account, m->tx->to_account, t->batch, t->first, t->last,
                   m->known ? &m->known[i] : NULL, err);
    moved += l6_range_qty(t->first, t->last);
  }
  /* Conservation: the lines carry exactly the transaction's quantity. */
  if (e == L6_E_OK) assert(moved == m->tx->quantity);
  for (size_t i = 0; e == L6_E_OK && i < s->nhooks; i++)
    if (s->hooks[i].effect) e = s->hooks[i].effect(s, m, s->hooks[i].arg, err);
  return e;
}
