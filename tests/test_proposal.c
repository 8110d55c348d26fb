/*
 * test_proposal.c -- four eyes, trusted accounts and transfer delays
 * (src/service/proposal.c, issue 15 items 3 and 4) at the service level,
 * over the store L6_STORE names (SQLite file or PostgreSQL).
 *
 *   approve          a transfer above the registry's threshold becomes a
 *                    proposal with its units on hold: the same serials
 *                    cannot be transferred again meanwhile; the proposer
 *                    cannot approve (self_approval), another organisation
 *                    may not (forbidden); a second person of the same
 *                    organisation approves: the transfer is applied, with
 *                    the hold, the release and the transfer in the log.
 *   reject_expire    rejection and expiry return exactly the serials held;
 *                    an expired proposal can no longer be approved.
 *   delay            a transfer to an account outside the trusted list
 *                    waits 26 hours: cancelled inside its window (units
 *                    back), another applied once the clock passes it; a
 *                    transfer to an account of the same holder is
 *                    immediate.
 *   trusted          an account added to the trusted list is not yet
 *                    active (the transfer still waits); after the
 *                    activation delay the transfer is immediate; removal.
 *   approve_delay    a covered transfer to an untrusted account: approval
 *                    starts its delay (both moves in the log).
 *   failed           a proposal whose execution a rule refuses at approval
 *                    time (destination blocked meanwhile) ends failed with
 *                    the reason and its units returned.
 *   consideration    a covered transfer with a consideration (issue 20
 *                    item 5) is refused (INVALID_VALUE) and nothing is
 *                    held or logged; below the threshold it goes through.
 *   hold_account     nobody moves units in or out of the hold account.
 *   policy           the policy is validated (closed, bounded) and only an
 *                    administrator sets it.
 *   idempotent       an idempotency key replays the 202 (one hold).
 *   token_owner      a token made in a user's session is that user: what
 *                    the user proposed in the session the token cannot
 *                    approve, and the other way round (self_approval).
 *   random_model     a seeded random sequence of transfers, approvals,
 *                    rejections, cancellations and clock moves checked
 *                    against a reference model of balances after every
 *                    step; `ledger6 check` clean at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "service/a6.h"
#include "service/proposal.h"
#include "service/service.h"
#include "testlib.h"
#include "testlib_svc.h"

#define HOUR INT64_C(3600000)
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static int64_t now_ms = T0;
static int64_t test_clock(void) { return now_ms; }

static struct {
  tl_store ts;
  l6_svc *s;
  l6_actor admin, alice, bob, carol, dave, auditor;
  l6_id o1, o2, o3;
  l6_id a1, a2, b1, c1; /* a1, a2: O1 (Alice, Bob); b1: O2 (Carol, Dave); c1: O3 in registry CHE02 */
  l6_id hold;
} W;

#define OPS (svc_store(W.s)->ops)

static l6_actor actor(l6_role role, l6_id org, l6_id token, const char *name) {
  l6_actor a = tl_actor(role, org, name);
  a.token = token;
  return a;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  now_ms = T0;
  if (tl_store_make(&W.ts, "proposal", 0) != 0) return -1;
  l6_store *st = tl_store_open(&W.ts);
  l6_error err = {0};
  W.s = st ? svc_open(st, 2, &err) : NULL;
  if (W.s == NULL) return -1;
  svc_store(W.s)->tx_only = false; /* this test reads the store directly between service calls */
  svc_set_clock(W.s, test_clock);
  W.admin = actor(L6_ROLE_ADMIN, 0, 1, "admin");
  json_t *out = NULL;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  TL_OK(svc_party_create(W.s, &W.admin, &p, &out_, &err_), "party");
  const char *regs[2] = {"CHE01", "CHE02"};
  for (int i = 0; i < 2; i++) {
    l6_registry r = {.party = "CHE", .name = "Registry"};
    snprintf(r.id, sizeof r.id, "%s", regs[i]);
    TL_OK(svc_registry_create(W.s, &W.admin, &r, &out_, &err_), "registry");
  }
  l6_programme pr = {.code = "P1", .name = "Programme one", .kind = "voluntary"};
  TL_OK(svc_programme_create(W.s, &W.admin, &pr, &out_, &err_), "programme");
  l6_unit_type u = {.code = "UA", .programme = "P1", .name = "Unit A"};
  TL_OK(svc_unit_type_create(W.s, &W.admin, &u, &out_, &err_), "unit type");
  l6_project pj = {.id = "PRJ.A", .programme = "P1", .host = "CHE", .title = "Project A", .methodology = "M1",
                   .sector = "energy", .kind = "avoidance", .crediting_start = "2015-01-01",
                   .crediting_end = "2030-12-31", .status = "registered"};
  TL_OK(svc_project_create(W.s, &W.admin, &pj, &out_, &err_), "project");
  l6_id *orgs[3] = {&W.o1, &W.o2, &W.o3};
  for (int i = 0; i < 3; i++) {
    l6_org o = {.name = "Org"};
    snprintf(o.registry, sizeof o.registry, "%s", i < 2 ? "CHE01" : "CHE02");
    TL_OK(svc_org_create(W.s, &W.admin, &o, &out_, &err_), "org");
    *orgs[i] = o.id;
  }
  struct {
    l6_id *id, org;
    const char *reg;
  } accs[4] = {{&W.a1, W.o1, "CHE01"}, {&W.a2, W.o1, "CHE01"}, {&W.b1, W.o2, "CHE01"}, {&W.c1, W.o3, "CHE02"}};
  for (int i = 0; i < 4; i++) {
    l6_account a = {.org = accs[i].org, .type = L6_ACCT_HOLDING, .name = "Holding"};
    snprintf(a.registry, sizeof a.registry, "%s", accs[i].reg);
    TL_OK(svc_account_create(W.s, &W.admin, &a, &out_, &err_), "account");
    *accs[i].id = a.id;
  }
  W.alice = actor(L6_ROLE_HOLDER, W.o1, 11, "alice");
  W.bob = actor(L6_ROLE_HOLDER, W.o1, 12, "bob");
  W.carol = actor(L6_ROLE_HOLDER, W.o2, 13, "carol");
  W.dave = actor(L6_ROLE_HOLDER, W.o2, 14, "dave");
  W.auditor = actor(L6_ROLE_AUDITOR, 0, 15, "auditor");
  l6_issue_req r = {.registry = "CHE01", .project = "PRJ.A", .unit_type = "UA", .vintage = 2020, .quantity = 1000,
                    .forward_to = W.a1};
  l6_reply rep;
  tl_ok(svc_issue(W.s, &W.admin, &r, &rep, &err), &err, "issue");
  json_decref(rep.body);
  json_decref(out);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  svc_close(W.s);
  return tl_store_free(&W.ts);
}

/* ---- helpers ------------------------------------------------------------ */

static l6_qty held(l6_id account) {
  l6_pick_filter f = {.account = account};
  l6_qty q = 0;
  l6_error err = {0};
  tl_ok(OPS->account_total(svc_store(W.s), &f, &q, &err), &err, "account_total");
  return q;
}

static void set_policy(const char *json) {
  json_error_t je;
  json_t *body = json_loads(json, 0, &je);
  assert_non_null(body);
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_policy_put(W.s, &W.admin, "CHE01", body, &out, &err), &err, "policy");
  W.hold = json_integer_value(json_object_get(out, "hold_account"));
  assert_true(W.hold > 0);
  json_decref(out);
  json_decref(body);
}

/* A transfer (or retirement when to is 0 and kind says so) of qty UA. */
static l6_err move(const l6_actor *a, l6_tx_kind kind, l6_id from, l6_id to, l6_qty qty, l6_reply *rep, l6_error *err) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = kind;
  r->from_account = from;
  r->to_account = to;
  r->quantity = qty;
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  if (kind == L6_TX_RETIREMENT) {
    snprintf(r->beneficiary, sizeof r->beneficiary, "Someone");
    snprintf(r->purpose, sizeof r->purpose, "voluntary");
  }
  l6_err e = svc_move(W.s, a, r, rep, err);
  free(r);
  return e;
}

/* Proposes: the move must answer 202; returns the proposal id. */
static l6_id propose(const l6_actor *a, l6_id from, l6_id to, l6_qty qty, const char *state) {
  l6_reply rep;
  l6_error err = {0};
  tl_ok(move(a, L6_TX_TRANSFER, from, to, qty, &rep, &err), &err, "propose");
  assert_int_equal(rep.status, 202);
  assert_string_equal(json_string_value(json_object_get(rep.body, "state")), state);
  assert_int_equal(json_integer_value(json_object_get(rep.body, "quantity")), qty);
  l6_id id = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return id;
}

static void transfer_now(const l6_actor *a, l6_id from, l6_id to, l6_qty qty) {
  l6_reply rep;
  l6_error err = {0};
  tl_ok(move(a, L6_TX_TRANSFER, from, to, qty, &rep, &err), &err, "transfer");
  assert_int_equal(rep.status, 201);
  json_decref(rep.body);
}

typedef l6_err (*decide_fn)(l6_svc *, const l6_actor *, l6_id, json_t **, l6_error *);

/* Runs a decision; returns its error code, with the state in st when OK. */
static l6_err decide(decide_fn fn, const l6_actor *a, l6_id id, char st[16], json_t **keep) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = fn(W.s, a, id, &out, &err);
  if (e == L6_E_OK) {
    if (st) snprintf(st, 16, "%s", json_string_value(json_object_get(out, "state")));
    if (keep) *keep = json_incref(out);
  } else {
    assert_null(out);
  }
  json_decref(out);
  return e;
}

static json_t *get(l6_id id) {
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_proposal_get(W.s, &W.admin, id, &out, &err), &err, "proposal get");
  return out;
}

static const char *state_of(l6_id id) {
  static char st[16];
  json_t *p = get(id);
  snprintf(st, sizeof st, "%s", json_string_value(json_object_get(p, "state")));
  json_decref(p);
  return st;
}

static void check_clean(void) {
  l6_error err = {0};
  tl_ok(svc_check(W.s, 0, &err), &err, "svc_check");
}

static int64_t log_size(void) {
  int64_t n = 0;
  l6_error err = {0};
  tl_ok(svc_log_size(W.s, &n, &err), &err, "log size");
  return n;
}

/* ---- the tests ------------------------------------------------------------ */

static void test_approve(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 100}");
  transfer_now(&W.alice, W.a1, W.b1, 100); /* at the threshold: immediate */
  assert_int_equal(held(W.b1), 100);
  int64_t log0 = log_size();
  l6_id id = propose(&W.alice, W.a1, W.b1, 150, "pending");
  assert_int_equal(log_size(), log0 + 1); /* the hold */
  assert_int_equal(held(W.a1), 750);
  assert_int_equal(held(W.hold), 150);
  /* The same serials cannot be spent meanwhile. */
  json_t *p = get(id);
  json_t *rg = json_array_get(json_object_get(json_object_get(p, "request"), "ranges"), 0);
  l6_move_req *r = calloc(1, sizeof *r);
  r->kind = L6_TX_TRANSFER;
  r->from_account = W.a1;
  r->to_account = W.a2;
  r->nranges = 1;
  r->ranges[0] = (l6_range){json_integer_value(json_array_get(rg, 0)), json_integer_value(json_array_get(rg, 1)),
                            json_integer_value(json_array_get(rg, 2))};
  json_decref(p);
  l6_reply rep;
  l6_error err = {0};
  assert_int_equal(svc_move(W.s, &W.alice, r, &rep, &err), L6_E_SERIALS_NOT_HELD);
  free(r);
  /* Nor by quantity beyond what is left. */
  assert_int_equal(move(&W.alice, L6_TX_TRANSFER, W.a1, W.a2, 751, &rep, &err), L6_E_INSUFFICIENT_HOLDINGS);
  /* Nobody approves their own; another organisation may not; an auditor neither. */
  assert_int_equal(decide(svc_proposal_approve, &W.alice, id, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_reject, &W.alice, id, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_approve, &W.carol, id, NULL, NULL), L6_E_FORBIDDEN);
  assert_int_equal(decide(svc_proposal_approve, &W.auditor, id, NULL, NULL), L6_E_FORBIDDEN);
  assert_int_equal(decide(svc_proposal_approve, &W.bob, 9999, NULL, NULL), L6_E_UNKNOWN_PROPOSAL);
  assert_string_equal(state_of(id), "pending");
  char st[16];
  json_t *done = NULL;
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id, st, &done), L6_E_OK);
  assert_string_equal(st, "executed");
  assert_string_equal(json_string_value(json_object_get(done, "approved_by")), "bob");
  l6_id tx = json_integer_value(json_object_get(done, "tx"));
  l6_id release = json_integer_value(json_object_get(done, "release_tx"));
  json_decref(done);
  assert_true(tx > release && release > 0);
  assert_int_equal(held(W.b1), 250);
  assert_int_equal(held(W.a1), 750);
  assert_int_equal(held(W.hold), 0);
  /* The release and the transfer are leaves of the log; the transfer is
   * the proposer's. */
  assert_int_equal(log_size(), log0 + 3);
  l6_tx t;
  tl_ok(OPS->tx_get(svc_store(W.s), tx, &t, &err), &err, "tx");
  assert_string_equal(t.actor, "alice");
  assert_int_equal(t.quantity, 150);
  assert_int_equal(t.to_account, W.b1);
  /* Decided once. */
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id, NULL, NULL), L6_E_PROPOSAL_CLOSED);
  assert_int_equal(decide(svc_proposal_cancel, &W.alice, id, NULL, NULL), L6_E_PROPOSAL_CLOSED);
  /* Retirements above the threshold too, when the policy says so. */
  set_policy("{\"transfer_above\": 100, \"retirement_above\": 5}");
  assert_int_equal(move(&W.alice, L6_TX_RETIREMENT, W.a1, 0, 6, &rep, &err), L6_E_OK);
  assert_int_equal(rep.status, 202);
  l6_id rid = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  assert_int_equal(decide(svc_proposal_approve, &W.bob, rid, st, NULL), L6_E_OK);
  assert_string_equal(st, "executed");
  assert_int_equal(held(W.a1), 744);
  check_clean();
}

/* The serial blocks an account holds, as "batch:first-last;..." */
static void blocks_of(l6_id account, char *buf, size_t cap) {
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_holdings(W.s, &W.admin, account, &out, &err), &err, "holdings");
  char *txt = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
  snprintf(buf, cap, "%s", txt);
  free(txt);
  json_decref(out);
}

static void test_consideration(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 100}");
  int64_t log0 = log_size(), a0 = held(W.a1), h0 = held(W.hold);
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  *r = (l6_move_req){.kind = L6_TX_TRANSFER, .from_account = W.a1, .to_account = W.b1, .quantity = 150,
                     .has_consideration = true, .consideration_amount = 5000};
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  snprintf(r->consideration_currency, sizeof r->consideration_currency, "CHF");
  l6_reply rep;
  l6_error err = {0};
  assert_int_equal(svc_move(W.s, &W.alice, r, &rep, &err), L6_E_INVALID_VALUE);
  assert_int_equal(log_size(), log0);
  assert_int_equal(held(W.a1), a0);
  assert_int_equal(held(W.hold), h0);
  r->quantity = 100; /* at the threshold: immediate, priced */
  tl_ok(svc_move(W.s, &W.alice, r, &rep, &err), &err, "priced transfer");
  assert_int_equal(rep.status, 201);
  json_decref(rep.body);
  assert_int_equal(held(W.a1), a0 - 100);
  free(r);
}

static void test_reject_expire(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 10, \"proposal_lifetime_hours\": 48}");
  char before[4096], after[4096];
  blocks_of(W.a1, before, sizeof before);
  l6_id id = propose(&W.alice, W.a1, W.b1, 200, "pending");
  assert_int_equal(held(W.a1), 800);
  char st[16];
  assert_int_equal(decide(svc_proposal_reject, &W.bob, id, st, NULL), L6_E_OK);
  assert_string_equal(st, "rejected");
  blocks_of(W.a1, after, sizeof after);
  assert_string_equal(before, after); /* exactly the serials it held */
  assert_int_equal(held(W.hold), 0);
  /* Expiry. */
  id = propose(&W.alice, W.a1, W.b1, 300, "pending");
  now_ms += 47 * HOUR;
  int done = -1;
  l6_error err = {0};
  tl_ok(svc_proposals_tick(W.s, &done, &err), &err, "tick");
  assert_int_equal(done, 0);
  assert_string_equal(state_of(id), "pending");
  now_ms += HOUR; /* 48 hours: its lifetime */
  /* No tick: reading it runs the clock first. */
  assert_string_equal(state_of(id), "expired");
  blocks_of(W.a1, after, sizeof after);
  assert_string_equal(before, after);
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id, NULL, NULL), L6_E_PROPOSAL_CLOSED);
  /* Listing by state. */
  json_t *out = NULL;
  tl_ok(svc_proposal_list(W.s, &W.alice, "expired", 0, 0, NULL, &out, &err), &err, "list");
  assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
  json_decref(out);
  tl_ok(svc_proposal_list(W.s, &W.carol, "", 0, 0, NULL, &out, &err), &err, "list other org");
  assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
  json_decref(out);
  assert_int_equal(svc_proposal_list(W.s, &W.carol, "", W.o1, 0, NULL, &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_proposal_list(W.s, &W.alice, "nonsense", 0, 0, NULL, &out, &err), L6_E_BAD_PARAM);
  assert_int_equal(svc_proposal_get(W.s, &W.carol, id, &out, &err), L6_E_FORBIDDEN);
  check_clean();
}

static void test_delay(void **state) {
  (void)state;
  set_policy("{\"untrusted_transfer_delay_hours\": 26}");
  /* An account of the same holder is trusted. */
  transfer_now(&W.alice, W.a1, W.a2, 5);
  l6_id id = propose(&W.alice, W.a1, W.b1, 10, "delayed");
  json_t *p = get(id);
  assert_string_equal(json_string_value(json_object_get(p, "executes_at")), "2026-01-02T02:00:00.000Z");
  assert_string_equal(json_string_value(json_array_get(json_object_get(p, "reasons"), 0)), "untrusted-destination");
  json_decref(p);
  assert_int_equal(held(W.a1), 985);
  now_ms += HOUR;
  /* Another organisation may not cancel it; the holder (the proposer too) may. */
  assert_int_equal(decide(svc_proposal_cancel, &W.carol, id, NULL, NULL), L6_E_FORBIDDEN);
  char st[16];
  assert_int_equal(decide(svc_proposal_cancel, &W.alice, id, st, NULL), L6_E_OK);
  assert_string_equal(st, "cancelled");
  assert_int_equal(held(W.a1), 995);
  assert_int_equal(held(W.b1), 0);
  /* A delayed transfer is no proposal to approve. */
  l6_id id2 = propose(&W.alice, W.a1, W.b1, 20, "delayed");
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id2, NULL, NULL), L6_E_PROPOSAL_CLOSED);
  now_ms += 26 * HOUR - 1;
  assert_string_equal(state_of(id2), "delayed");
  assert_int_equal(held(W.b1), 0);
  now_ms += 1;
  int done = 0;
  l6_error err = {0};
  tl_ok(svc_proposals_tick(W.s, &done, &err), &err, "tick");
  assert_int_equal(done, 1);
  assert_string_equal(state_of(id2), "executed");
  assert_int_equal(held(W.b1), 20);
  assert_int_equal(held(W.a1), 975);
  assert_int_equal(held(W.hold), 0);
  /* Holdings read after the delay show it applied, without a tick. */
  l6_id id3 = propose(&W.alice, W.a1, W.b1, 1, "delayed");
  now_ms += 27 * HOUR;
  char buf[4096];
  blocks_of(W.b1, buf, sizeof buf);
  assert_int_equal(held(W.b1), 21);
  assert_string_equal(state_of(id3), "executed");
  check_clean();
}

static void test_trusted(void **state) {
  (void)state;
  set_policy("{\"untrusted_transfer_delay_hours\": 26, \"trusted_activation_hours\": 24}");
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_trusted_add(W.s, &W.alice, W.a1, W.b1, &out, &err), &err, "trust");
  assert_string_equal(json_string_value(json_object_get(out, "state")), "pending");
  assert_string_equal(json_string_value(json_object_get(out, "active_from")), "2026-01-02T00:00:00.000Z");
  json_decref(out);
  assert_int_equal(svc_trusted_add(W.s, &W.alice, W.a1, W.b1, &out, &err), L6_E_ALREADY_EXISTS);
  assert_int_equal(svc_trusted_add(W.s, &W.alice, W.a1, W.a1, &out, &err), L6_E_SAME_ACCOUNT);
  assert_int_equal(svc_trusted_add(W.s, &W.carol, W.a1, W.c1, &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_trusted_add(W.s, &W.auditor, W.a1, W.c1, &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_trusted_add(W.s, &W.alice, W.a1, 9999, &out, &err), L6_E_UNKNOWN_ACCOUNT);
  /* Not active yet: the transfer still waits. */
  l6_id id = propose(&W.alice, W.a1, W.b1, 7, "delayed");
  now_ms += 24 * HOUR;
  tl_ok(svc_trusted_list(W.s, &W.bob, W.a1, &out, &err), &err, "trusted list");
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(out, "items"), 0), "state")),
                      "active");
  json_decref(out);
  assert_int_equal(svc_trusted_list(W.s, &W.carol, W.a1, &out, &err), L6_E_FORBIDDEN);
  /* Active: immediate. The earlier one keeps its own delay. */
  transfer_now(&W.alice, W.a1, W.b1, 3);
  assert_int_equal(held(W.b1), 3);
  assert_string_equal(state_of(id), "delayed");
  /* Removed: delayed again. */
  tl_ok(svc_trusted_remove(W.s, &W.bob, W.a1, W.b1, &out, &err), &err, "untrust");
  json_decref(out);
  assert_int_equal(svc_trusted_remove(W.s, &W.bob, W.a1, W.b1, &out, &err), L6_E_NOT_TRUSTED);
  propose(&W.alice, W.a1, W.b1, 2, "delayed");
  now_ms += 2 * HOUR;
  assert_string_equal(state_of(id), "executed");
  assert_int_equal(held(W.b1), 10);
  check_clean();
}

static void test_approve_delay(void **state) {
  (void)state;
  set_policy("{\"transfers_out_of_registry\": true, \"untrusted_transfer_delay_hours\": 26}");
  l6_id id = propose(&W.alice, W.a1, W.c1, 40, "pending");
  json_t *p = get(id);
  json_t *rs = json_object_get(p, "reasons");
  assert_int_equal(json_array_size(rs), 2);
  assert_string_equal(json_string_value(json_array_get(rs, 0)), "out-of-registry");
  json_decref(p);
  int64_t log0 = log_size();
  char st[16];
  now_ms += HOUR;
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id, st, NULL), L6_E_OK);
  assert_string_equal(st, "delayed");
  assert_int_equal(log_size(), log0 + 2); /* released on approval, held again for the delay */
  assert_int_equal(held(W.hold), 40);
  p = get(id);
  assert_string_equal(json_string_value(json_object_get(p, "executes_at")), "2026-01-02T03:00:00.000Z");
  json_decref(p);
  now_ms += 26 * HOUR;
  assert_string_equal(state_of(id), "executed");
  assert_int_equal(held(W.c1), 40);
  assert_int_equal(held(W.hold), 0);
  check_clean();
}

static void test_failed(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 100}");
  char before[4096], after[4096];
  blocks_of(W.a1, before, sizeof before);
  l6_id id = propose(&W.alice, W.a1, W.b1, 150, "pending");
  json_t *out = NULL;
  TL_OK(svc_account_set_status(W.s, &W.admin, W.b1, L6_STATUS_BLOCKED, &out_, &err_), "block");
  char st[16];
  json_t *done = NULL;
  assert_int_equal(decide(svc_proposal_approve, &W.bob, id, st, &done), L6_E_OK);
  assert_string_equal(st, "failed");
  const char *why = json_string_value(json_object_get(done, "failure"));
  assert_non_null(why);
  assert_non_null(strstr(why, "account_blocked"));
  assert_true(json_is_null(json_object_get(done, "tx")));
  json_decref(done);
  blocks_of(W.a1, after, sizeof after);
  assert_string_equal(before, after);
  assert_int_equal(held(W.hold), 0);
  assert_int_equal(held(W.b1), 0);
  json_decref(out);
  check_clean();
}

static void test_hold_account(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 100}");
  l6_reply rep;
  l6_error err = {0};
  assert_int_equal(move(&W.admin, L6_TX_TRANSFER, W.a1, W.hold, 5, &rep, &err), L6_E_INVALID_DESTINATION);
  propose(&W.alice, W.a1, W.b1, 150, "pending");
  assert_int_equal(move(&W.admin, L6_TX_TRANSFER, W.hold, W.a2, 5, &rep, &err), L6_E_INVALID_DESTINATION);
  assert_int_equal(held(W.hold), 150);
}

static void test_policy(void **state) {
  (void)state;
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_policy_get(W.s, &W.alice, "CHE01", &out, &err), &err, "default policy");
  assert_int_equal(json_integer_value(json_object_get(out, "transfer_above")), 0);
  assert_true(json_is_null(json_object_get(out, "hold_account")));
  json_decref(out);
  assert_int_equal(svc_policy_get(W.s, &W.alice, "NOPE1", &out, &err), L6_E_UNKNOWN_REGISTRY);
  const struct {
    const char *body;
    l6_err want;
  } bad[] = {{"{\"transfer_above\": -1}", L6_E_INVALID_VALUE},
             {"{\"proposal_lifetime_hours\": 0}", L6_E_INVALID_VALUE},
             {"{\"untrusted_transfer_delay_hours\": 8761}", L6_E_INVALID_VALUE},
             {"{\"transfer_above\": \"5\"}", L6_E_WRONG_TYPE},
             {"{\"transfers_out_of_registry\": 1}", L6_E_WRONG_TYPE},
             {"{\"second_approver\": true}", L6_E_UNKNOWN_FIELD},
             {"[]", L6_E_WRONG_TYPE}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_error_t je;
    json_t *b = json_loads(bad[i].body, 0, &je);
    assert_int_equal(svc_policy_put(W.s, &W.admin, "CHE01", b, &out, &err), bad[i].want);
    json_decref(b);
  }
  json_t *b = json_pack("{sI}", "transfer_above", (json_int_t)5);
  assert_int_equal(svc_policy_put(W.s, &W.alice, "CHE01", b, &out, &err), L6_E_FORBIDDEN);
  assert_int_equal(svc_policy_put(W.s, &W.admin, "NOPE1", b, &out, &err), L6_E_UNKNOWN_REGISTRY);
  tl_ok(svc_policy_put(W.s, &W.admin, "CHE01", b, &out, &err), &err, "put");
  l6_id hold = json_integer_value(json_object_get(out, "hold_account"));
  assert_int_equal(json_integer_value(json_object_get(out, "proposal_lifetime_hours")), 168);
  json_decref(out);
  /* A second PUT keeps the hold account. */
  tl_ok(svc_policy_put(W.s, &W.admin, "CHE01", b, &out, &err), &err, "put again");
  assert_int_equal(json_integer_value(json_object_get(out, "hold_account")), hold);
  json_decref(out);
  json_decref(b);
}

/* ---- the random sequence against a reference model ------------------------- */

typedef struct {
  int from, to; /* account indexes */
  l6_qty qty;
  char state[12];
  int64_t expires, executes;
  int proposer; /* actor index */
} mprop;

/* The model's clock: everything due at now_ms happens. */
static void model_due(mprop *props, size_t nprops, l6_qty bal[3], l6_qty *hold) {
  for (size_t i = 0; i < nprops; i++) {
    mprop *p = &props[i];
    if (strcmp(p->state, "pending") == 0 && p->expires <= now_ms) {
      snprintf(p->state, sizeof p->state, "expired");
      *hold -= p->qty, bal[p->from] += p->qty;
    } else if (strcmp(p->state, "delayed") == 0 && p->executes <= now_ms) {
      snprintf(p->state, sizeof p->state, "executed");
      *hold -= p->qty, bal[p->to] += p->qty;
    }
  }
}

static void test_random_model(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 50, \"untrusted_transfer_delay_hours\": 26, \"proposal_lifetime_hours\": 48}");
  json_t *out = NULL;
  TL_OK(svc_trusted_add(W.s, &W.alice, W.a1, W.b1, &out_, &err_), "trust a1 -> b1");
  /* Accounts 0..2: a1, a2 (O1), b1 (O2); actors 0,1 of O1, 2,3 of O2. */
  l6_id acc[3] = {W.a1, W.a2, W.b1};
  int org_of[3] = {0, 0, 1};
  const l6_actor *act[4] = {&W.alice, &W.bob, &W.carol, &W.dave};
  l6_qty bal[3] = {1000, 0, 0}, hold = 0;
  mprop *props = calloc(4096, sizeof *props);
  size_t nprops = 0;
  l6_id first_id = 0;
  tl_rng rng;
  tl_rng_init(&rng, 15);
  int counts[6] = {0};
  /* 400 steps, and on until every kind of step happened (bounded). */
  for (int step = 0; step < 400 || (step < 4000 && !(counts[0] && counts[1] && counts[2] && counts[3] && counts[4] && counts[5]));
       step++) {
    model_due(props, nprops, bal, &hold);
    int op = (int)tl_rng_below(&rng, 10);
    if (getenv("L6_TRACE")) fprintf(stderr, "step %d op %d bal %lld %lld %lld hold %lld\n", step, op, (long long)bal[0], (long long)bal[1], (long long)bal[2], (long long)hold);
    char st[16];
    if (op < 4) { /* a transfer */
      int f = (int)tl_rng_below(&rng, 3), t = (int)tl_rng_below(&rng, 3);
      if (t == f) t = (t + 1) % 3;
      int who = 2 * org_of[f] + (int)tl_rng_below(&rng, 2);
      l6_qty q = 1 + (l6_qty)tl_rng_below(&rng, 80);
      l6_reply rep;
      l6_error err = {0};
      l6_err e = move(act[who], L6_TX_TRANSFER, acc[f], acc[t], q, &rep, &err);
      if (q > bal[f]) {
        assert_int_equal(e, L6_E_INSUFFICIENT_HOLDINGS);
        continue;
      }
      tl_ok(e, &err, "random transfer");
      bool approval = q > 50;
      bool trusted = org_of[f] == org_of[t] || (f == 0 && t == 2);
      if (!approval && trusted) {
        assert_int_equal(rep.status, 201);
        bal[f] -= q, bal[t] += q;
        counts[0]++;
      } else {
        assert_int_equal(rep.status, 202);
        l6_id id = json_integer_value(json_object_get(rep.body, "id"));
        if (first_id == 0) first_id = id;
        assert_int_equal(id, first_id + (l6_id)nprops);
        mprop *p = &props[nprops++];
        *p = (mprop){.from = f, .to = t, .qty = q, .proposer = who};
        snprintf(p->state, sizeof p->state, "%s", approval ? "pending" : "delayed");
        if (approval) p->expires = now_ms + 48 * HOUR;
        else p->executes = now_ms + 26 * HOUR;
        assert_string_equal(json_string_value(json_object_get(rep.body, "state")), p->state);
        bal[f] -= q, hold += q;
        counts[1]++;
      }
      json_decref(rep.body);
    } else if (op < 8 && nprops > 0) { /* a decision on some proposal */
      /* Mostly an open proposal: picked among all of them, the open ones
         become rare as closed ones pile up, and a seed could go thousands of
         steps without one approval (CI seed 8989419308085957682). */
      size_t k = tl_rng_below(&rng, nprops);
      if (tl_rng_below(&rng, 4) != 0) {
        size_t open[4096], nopen = 0;
        for (size_t i = 0; i < nprops; i++)
          if (strcmp(props[i].state, "pending") == 0 || strcmp(props[i].state, "delayed") == 0) open[nopen++] = i;
        if (nopen > 0) k = open[tl_rng_below(&rng, nopen)];
      }
      mprop *p = &props[k];
      int who = 2 * org_of[p->from] + (int)tl_rng_below(&rng, 2);
      int kind = (int)tl_rng_below(&rng, 3); /* approve, reject, cancel */
      decide_fn fn = kind == 0 ? svc_proposal_approve : kind == 1 ? svc_proposal_reject : svc_proposal_cancel;
      l6_err e = decide(fn, act[who], first_id + (l6_id)k, st, NULL);
      bool pending = strcmp(p->state, "pending") == 0, delayed = strcmp(p->state, "delayed") == 0;
      if (kind == 2) {
        if (!pending && !delayed) {
          assert_int_equal(e, L6_E_PROPOSAL_CLOSED);
          continue;
        }
        assert_int_equal(e, L6_E_OK);
        snprintf(p->state, sizeof p->state, "cancelled");
        hold -= p->qty, bal[p->from] += p->qty;
        counts[2]++;
      } else if (!pending) {
        assert_int_equal(e, L6_E_PROPOSAL_CLOSED);
      } else if (who == p->proposer) {
        assert_int_equal(e, L6_E_SELF_APPROVAL);
      } else if (kind == 1) {
        assert_int_equal(e, L6_E_OK);
        snprintf(p->state, sizeof p->state, "rejected");
        hold -= p->qty, bal[p->from] += p->qty;
        counts[3]++;
      } else {
        assert_int_equal(e, L6_E_OK);
        bool trusted = org_of[p->from] == org_of[p->to] || (p->from == 0 && p->to == 2);
        if (trusted) {
          snprintf(p->state, sizeof p->state, "executed");
          hold -= p->qty, bal[p->to] += p->qty;
        } else {
          snprintf(p->state, sizeof p->state, "delayed");
          p->executes = now_ms + 26 * HOUR;
        }
        counts[4]++;
      }
      if (e == L6_E_OK) assert_string_equal(st, p->state);
    } else { /* the clock moves */
      now_ms += (int64_t)tl_rng_below(&rng, 30) * HOUR + (int64_t)tl_rng_below(&rng, 2) * 1800000;
      l6_error err = {0};
      tl_ok(svc_proposals_tick(W.s, NULL, &err), &err, "tick");
      counts[5]++;
    }
    l6_error err = {0};
    tl_ok(svc_proposals_tick(W.s, NULL, &err), &err, "tick");
    model_due(props, nprops, bal, &hold);
    for (int i = 0; i < 3; i++)
      if (held(acc[i]) != bal[i])
        fail_msg("step %d: account %d holds %lld, the model says %lld", step, i, (long long)held(acc[i]), (long long)bal[i]);
    assert_int_equal(held(W.hold), hold);
  }
  /* Every proposal's state is the model's. */
  for (size_t i = 0; i < nprops; i++) assert_string_equal(state_of(first_id + (l6_id)i), props[i].state);
  for (int i = 0; i < 6; i++)
    if (counts[i] == 0) fail_msg("no step of kind %d (0 immediate transfer, 1 proposal, 2 cancel, 3 reject, 4 approve, 5 clock)", i);
  free(props);
  json_decref(out);
  check_clean();
  /* `ledger6 check` on the same store, units possibly on hold. */
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s check --store '%s' --keys %s/%s.keys --config %s/config 2>&1", bin, W.ts.spec,
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", W.ts.db[0] ? W.ts.db : "proposal-check", src);
  FILE *pp = popen(cmd, "r");
  assert_non_null(pp);
  char said[4096];
  size_t n = fread(said, 1, sizeof said - 1, pp);
  said[n] = '\0';
  int rc = pclose(pp);
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) fail_msg("ledger6 check: %s", said);
  assert_non_null(strstr(said, "ok: every issuance batch is partitioned exactly by its blocks"));
}

/* An idempotency key replays the 202 and its proposal: one hold only. */
/* A user (77, an administrator) signed in through a web session makes a
 * token in it; svc_authenticate gives that token's actor the owner 77. */
static void test_token_owner(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 10}");
  l6_actor sess = {.role = L6_ROLE_ADMIN, .user = 77, .name = "user:77"};
  char bearer[80];
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_token_create(W.s, &sess, L6_ROLE_ADMIN, 0, "mine", 0, bearer, &out, &err), &err, "token");
  assert_int_equal(json_integer_value(json_object_get(out, "owner")), 77);
  json_decref(out);
  l6_actor tok;
  tl_ok(svc_authenticate(W.s, bearer, &tok, &err), &err, "authenticate");
  assert_int_equal(tok.owner, 77);
  assert_int_equal(tok.user, 0);
  l6_id p1 = propose(&sess, W.a1, W.a2, 20, "pending");
  assert_int_equal(decide(svc_proposal_approve, &tok, p1, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_reject, &tok, p1, NULL, NULL), L6_E_SELF_APPROVAL);
  l6_id p2 = propose(&tok, W.a1, W.a2, 30, "pending");
  assert_int_equal(decide(svc_proposal_approve, &sess, p2, NULL, NULL), L6_E_SELF_APPROVAL);
  /* Another person: Bob (a holder of O1), and the store's admin token. */
  char st[16];
  assert_int_equal(decide(svc_proposal_approve, &W.bob, p1, st, NULL), L6_E_OK);
  assert_string_equal(st, "executed");
  assert_int_equal(decide(svc_proposal_approve, &W.admin, p2, st, NULL), L6_E_OK);
  assert_string_equal(st, "executed");
  assert_int_equal(held(W.a2), 50);
}

static void test_idempotent(void **state) {
  (void)state;
  set_policy("{\"transfer_above\": 10}");
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = L6_TX_TRANSFER;
  r->from_account = W.a1;
  r->to_account = W.b1;
  r->quantity = 50;
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  snprintf(r->idem.key, sizeof r->idem.key, "11:propose-once");
  snprintf(r->idem.hash, sizeof r->idem.hash, "%064d", 1);
  l6_reply a, b;
  l6_error err = {0};
  tl_ok(svc_move(W.s, &W.alice, r, &a, &err), &err, "first");
  tl_ok(svc_move(W.s, &W.alice, r, &b, &err), &err, "replay");
  assert_int_equal(a.status, 202);
  assert_int_equal(b.status, 202);
  assert_true(b.replayed);
  assert_int_equal(json_integer_value(json_object_get(a.body, "id")), json_integer_value(json_object_get(b.body, "id")));
  assert_int_equal(held(W.hold), 50);
  assert_int_equal(held(W.a1), 950);
  json_decref(a.body);
  json_decref(b.body);
  free(r);
}

/* ---- Article 6 authorizations and revocations under four eyes ---------- */

static l6_id new_org(const char *registry) {
  json_t *out = NULL;
  l6_error err = {0};
  l6_org o = {.name = "Authority"};
  snprintf(o.registry, sizeof o.registry, "%s", registry);
  tl_ok(svc_org_create(W.s, &W.admin, &o, &out, &err), &err, "org");
  json_decref(out);
  return o.id;
}

static l6_a6_auth auth_req(l6_qty qty) {
  l6_a6_auth x = {.party = "CHE", .approach = 1, .project = "PRJ.A", .vintage_from = 2020, .vintage_to = 2020,
                  .quantity = qty, .purposes = "NDC", .year_from = 2021, .year_to = 2030, .in_scope = true};
  return x;
}

/* The authorizations of CHE (a new reference; items in id order). */
static json_t *auths(void) {
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_a6_auth_list(W.s, &W.admin, "CHE", &out, &err), &err, "authorizations");
  return out;
}

static size_t n_auths(void) {
  json_t *o = auths();
  size_t n = json_array_size(json_object_get(o, "items"));
  json_decref(o);
  return n;
}

/* Proposes an authorization (must answer 202); returns the proposal id. */
static l6_id propose_auth(const l6_actor *a, l6_qty qty) {
  l6_a6_auth x = auth_req(qty);
  json_t *out = NULL;
  int st = 0;
  l6_error err = {0};
  tl_ok(svc_a6_authorize_st(W.s, a, &x, &out, &st, &err), &err, "authorize");
  assert_int_equal(st, 202);
  assert_string_equal(json_string_value(json_object_get(out, "kind")), "a6-authorization");
  assert_string_equal(json_string_value(json_object_get(out, "state")), "pending");
  assert_string_equal(json_string_value(json_object_get(json_object_get(out, "request"), "project")), "PRJ.A");
  l6_id id = json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  return id;
}

static l6_id propose_revoke(const l6_actor *a, l6_id auth) {
  json_t *out = NULL;
  int st = 0;
  l6_error err = {0};
  tl_ok(svc_a6_revoke_st(W.s, a, auth, &out, &st, &err), &err, "revoke");
  assert_int_equal(st, 202);
  assert_string_equal(json_string_value(json_object_get(out, "kind")), "a6-revocation");
  l6_id id = json_integer_value(json_object_get(out, "id"));
  json_decref(out);
  return id;
}

static void test_a6_authorization(void **state) {
  (void)state;
  l6_id oa = new_org("CHE01"), ob = new_org("CHE02");
  l6_actor ann = actor(L6_ROLE_AUTHORITY, oa, 21, "ann"), ben = actor(L6_ROLE_AUTHORITY, oa, 22, "ben");
  l6_actor cid = actor(L6_ROLE_AUTHORITY, ob, 23, "cid"); /* CHE's authority too, another organisation */
  l6_actor ann2 = actor(L6_ROLE_AUTHORITY, oa, 24, "ann-cli");
  ann2.user = ann.user = 77; /* ann's session and her token: one person */
  l6_error err = {0};
  json_t *out = NULL;
  int st = 0;

  /* No policy: at once (201), as before. */
  l6_a6_auth x = auth_req(10);
  tl_ok(svc_a6_authorize_st(W.s, &ann, &x, &out, &st, &err), &err, "authorize");
  assert_int_equal(st, 201);
  json_decref(out);
  assert_int_equal(n_auths(), 1);

  set_policy("{\"a6_authorizations\": true}");
  /* A request the normal checks refuse is refused at once, not proposed. */
  x = auth_req(10);
  snprintf(x.project, sizeof x.project, "NOPE");
  assert_int_equal(svc_a6_authorize_st(W.s, &ann, &x, &out, &st, &err), L6_E_UNKNOWN_PROJECT);
  assert_null(out);

  l6_id p = propose_auth(&ann, 100);
  assert_int_equal(n_auths(), 1); /* nothing authorized yet */
  assert_int_equal(decide(svc_proposal_approve, &ann, p, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_approve, &ann2, p, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_approve, &cid, p, NULL, NULL), L6_E_FORBIDDEN);
  assert_int_equal(decide(svc_proposal_approve, &W.alice, p, NULL, NULL), L6_E_FORBIDDEN);
  assert_int_equal(n_auths(), 1);
  /* The authority sees its organisation's proposals; the other does not. */
  tl_ok(svc_proposal_get(W.s, &ann, p, &out, &err), &err, "get");
  json_decref(out);
  assert_int_equal(svc_proposal_get(W.s, &cid, p, &out, &err), L6_E_FORBIDDEN);
  char stv[16];
  assert_int_equal(decide(svc_proposal_approve, &ben, p, stv, NULL), L6_E_OK);
  assert_string_equal(stv, "executed");
  json_t *g = get(p);
  assert_string_equal(json_string_value(json_object_get(g, "approved_by")), "ben");
  json_decref(g);
  json_t *l = auths();
  assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
  json_t *made = json_array_get(json_object_get(l, "items"), 1);
  assert_int_equal(json_integer_value(json_object_get(made, "quantity")), 100);
  assert_int_equal(json_integer_value(json_object_get(made, "assigned")), 100); /* 1000 units of 2020 issued */
  l6_id auth = json_integer_value(json_object_get(made, "id"));
  json_decref(l);
  /* Approved once only. */
  assert_int_equal(decide(svc_proposal_approve, &W.admin, p, NULL, NULL), L6_E_PROPOSAL_CLOSED);
  assert_int_equal(n_auths(), 2);

  /* Rejected: nothing authorized. */
  l6_id q = propose_auth(&ben, 50);
  assert_int_equal(decide(svc_proposal_reject, &ben, q, NULL, NULL), L6_E_SELF_APPROVAL);
  assert_int_equal(decide(svc_proposal_reject, &ann, q, stv, NULL), L6_E_OK);
  assert_string_equal(stv, "rejected");
  assert_int_equal(n_auths(), 2);

  /* Expired: nothing authorized. */
  l6_id e = propose_auth(&ben, 50);
  now_ms += 169 * HOUR;
  assert_string_equal(state_of(e), "expired");
  assert_int_equal(n_auths(), 2);

  /* Revocations: two proposals of the same revocation; the first
   * approved revokes, the second's re-run is refused by the normal
   * check and it ends failed with the reason. */
  l6_id r1 = propose_revoke(&ann, auth), r2 = propose_revoke(&ben, auth);
  l = auths();
  assert_false(json_is_true(json_object_get(json_array_get(json_object_get(l, "items"), 1), "revoked")));
  json_decref(l);
  assert_int_equal(decide(svc_proposal_approve, &W.admin, r1, stv, NULL), L6_E_OK);
  assert_string_equal(stv, "executed");
  l = auths();
  assert_true(json_is_true(json_object_get(json_array_get(json_object_get(l, "items"), 1), "revoked")));
  json_decref(l);
  assert_int_equal(decide(svc_proposal_approve, &ann, r2, stv, NULL), L6_E_OK);
  assert_string_equal(stv, "failed");
  g = get(r2);
  assert_non_null(strstr(json_string_value(json_object_get(g, "failure")), l6_err_code(L6_E_AUTHORIZATION_REVOKED)));
  json_decref(g);
  /* A third revocation is refused at once. */
  assert_int_equal(svc_a6_revoke_st(W.s, &ann, auth, &out, &st, &err), L6_E_AUTHORIZATION_REVOKED);
  check_clean();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_approve, setup, teardown),
      cmocka_unit_test_setup_teardown(test_consideration, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reject_expire, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_trusted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_approve_delay, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hold_account, setup, teardown),
      cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a6_authorization, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
