/*
 * move.h -- the ledger's one move of units and its policy step
 * (docs/DESIGN.md, "The policy step of a move").
 *
 * Every unit movement of every route -- transfers, retirements and
 * cancellations, issuance forwards, the project cycle's levies and
 * conversions, the Article 6 uses and cancellations, the exchange's
 * escrow, settlement and release, the adaptation marketplace, ETS
 * allocation and surrender -- goes through svc__move_units. It runs the
 * `check` of every registered rule (any may refuse: nothing moves), moves
 * the serials and records the transaction's lines, then runs every rule's
 * `effect` (bookkeeping of the module, e.g. Article 6 first transfers), all
 * inside the caller's store transaction.
 *
 * Rules are registered by their modules, never named by the core: the
 * module list (move_modules.c, like nginx's ngx_modules.c) gives each
 * service the rules of non-offsetting units (nonoff.c), Article 6 and
 * CORSIA (a6.c) when it opens. The range mover itself is private to
 * move.c, so a route cannot move units around the rules.
 */
#ifndef L6_SVC_MOVE_H
#define L6_SVC_MOVE_H

#include "../core/ledger.h"
#include "service.h"

/* Which use case moves the units. */
typedef enum {
  SVC_MOVE_TRANSFER = 1,   /* POST /v1/transfers */
  SVC_MOVE_RETIREMENT,     /* POST /v1/retirements */
  SVC_MOVE_CANCELLATION,   /* POST /v1/cancellations */
  SVC_MOVE_ISSUE_FORWARD,  /* POST /v1/issuances with forward_to: pending -> the holder */
  SVC_MOVE_CYCLE,          /* the project cycle: forwards, share of proceeds, OMGE, buffer, reversal, replacement, conversion */
  SVC_MOVE_A6_ACTION,      /* POST /v1/a6/uses, /v1/a6/cancellations (and the first-transfer check) */
  SVC_MOVE_EXCHANGE,       /* the exchange: escrow of a sell order, settlement, release, auction */
  SVC_MOVE_MARKETPLACE,    /* the adaptation marketplace: purchase (transfer) and retirement */
  SVC_MOVE_ETS_ALLOCATION, /* ETS free allocation and auction */
  SVC_MOVE_ETS_SURRENDER,  /* ETS surrender into the scheme's surrender account */
  SVC_MOVE_HOLD,           /* a proposal's units into the registry's hold account and back (proposal.c) */
  SVC_MOVE_LINK,           /* links between registries: escrow, transferred out, received, returned (link.c) */
  SVC_MOVE__COUNT
} svc_move_route;

/* The route's name ("transfer", "retirement", ..., "ets-surrender"). */
const char *svc_move_route_str(svc_move_route r);

/* What a rule is told about one move. */
typedef struct {
  svc_move_route route;     /* the use case */
  const l6_tx *tx;          /* kind, from/to accounts, purpose, beneficiary, claim, reporting year; id 0 in a check-only pass */
  const l6_take *takes;     /* the serial ranges, each held in one block by the source */
  size_t n;                 /* number of takes (> 0) */
  const l6_actor *actor;    /* who asked; NULL where the route knows only a name (the exchange: tx->actor) */
  bool a6_accounted;        /* the route writes the Article 6 accounting of these units itself (svc_a6_act) */
  const char *corsia_phase; /* an OIMP cancellation for CORSIA: its phase; NULL otherwise */
  bool origin_claim;        /* an imported retirement or cancellation: its purpose is the origin registry's record of
                               a claim made there, not one made here (origin.c) */
  /* Filled by the policy step from tx (zeroed when tx names no account),
   * unless accounts_given: the caller read both in this same transaction
   * and put them here (the transfer route: its own reads; the importer: its
   * accounts, read again at the start of every commit chunk), and the step
   * does not read them again (a store round trip each on PostgreSQL, issue
   * 16 target 5; two reads a retirement in an import, issue 17). */
  l6_account from, to;
  bool accounts_given;
  /* Optional (NULL: none): known[i] is the block of `from` that holds
   * takes[i], as the caller read it in this transaction (its pick), id 0
   * when unknown; the move then need not find it again. */
  const l6_block *known;
} svc_move_ctx;

/* One rule: check before the units move (may refuse with a stable code),
 * effect after they moved (same transaction; a failure rolls it all back).
 * Either may be NULL. arg is given back to both. */
typedef struct {
  const char *name;
  l6_err (*check)(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err);
  l6_err (*effect)(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err);
  void *arg;
} svc_move_hook;

/* Adds a rule at the end of the service's list (rules run in the order
 * they were added; the modules' come first). For start-up and tests:
 * not while requests run. TOO_MANY_RANGES beyond L6_MAX_MOVE_HOOKS. */
l6_err svc_move_hook_add(l6_svc *s, const svc_move_hook *h, l6_error *err);

/* Inside the caller's transaction, after tx was written (tx->id set):
 * checks, moves every take from tx->from_account to tx->to_account as a
 * line of tx, effects. Returns the first refusal or failure. */
l6_err svc__move_units(l6_svc *s, svc_move_ctx *m, l6_error *err);

/* The checks alone, moving nothing (dry runs, and a first transfer, which
 * moves no unit): the same refusals svc__move_units would give. */
l6_err svc__move_check(l6_svc *s, svc_move_ctx *m, l6_error *err);

/* Called by svc_open: registers the rules of every module of the module
 * list (move_modules.c). */
l6_err svc__move_init(l6_svc *s, l6_error *err);

#endif
