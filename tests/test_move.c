/*
 * test_move.c -- the policy step of every move of units (src/service/move.c,
 * docs/DESIGN.md "The policy step of a move"), on the demo registry
 * (src/cli/demo.c, linked in) over the store L6_STORE names.
 *
 *   every_route    a rule registered by the test (a counting hook) sees every
 *                  move the demo makes -- transfers, retirements, issuance
 *                  forwards, the project cycle, the Article 6 actions, the
 *                  exchange, the adaptation marketplace, ETS allocation and
 *                  surrender -- and a plain cancellation: every committed
 *                  transaction that moved units was seen, with its quantity,
 *                  so no route moves units around the rules.
 *   a6_bypasses    issue 14 section 2: OIMP ITMOs whose first-transfer event
 *                  is use, retired for CORSIA on POST /v1/retirements (201
 *                  with no corresponding adjustment before); the same
 *                  ITMOs retired or cancelled for a voluntary purpose; a VCU
 *                  with no authorization retired for CORSIA; NDC use and
 *                  mitigation contribution stated on the plain routes: all
 *                  refused with article_six_route_required, nothing changed. The
 *                  Article 6 route then cancels the ITMOs for CORSIA with
 *                  their adjustment, and voluntary retirements of other
 *                  units still pass.
 *   aef_missing_ca the AEF consistency check catches an OIMP cancellation
 *                  without its corresponding adjustment, written behind the
 *                  API (through the store) as the old bypass did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "service/a6.h"
#include "service/ets.h"
#include "service/move.h"
#include "service/service.h"
#include "testlib.h"
#include "testlib_svc.h"

/* demo.c acts as the CLI's administrator (main.c, not linked here). */
const l6_actor cli_admin = {.role = L6_ROLE_ADMIN, .name = "cli"};

/* What the counting rule saw: one row per transaction (the last call wins,
 * so a transaction id reused after a rollback keeps the committed one's). */
typedef struct {
  l6_id tx;
  svc_move_route route;
  l6_qty qty;
  l6_id from, to;
} seen_row;

static struct {
  tl_store ts;
  l6_svc *s;
  l6_actor admin;
  seen_row *seen;
  size_t nseen, cap;
  unsigned routes;   /* bit per route seen by the effect */
  size_t checks;     /* calls of the check */
} W;

#define OK(call) assert_int_equal((call), L6_E_OK)
#define OPS (svc_store(W.s)->ops)

static l6_err count_check(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)s, (void)m, (void)err;
  assert_ptr_equal(arg, &W);
  W.checks++;
  return L6_E_OK;
}

static l6_err count_effect(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)s, (void)err;
  assert_ptr_equal(arg, &W);
  assert_true(m->tx->id > 0 && m->n > 0);
  /* The policy step gives every rule the accounts of the move. */
  assert_int_equal(m->from.id, m->tx->from_account);
  assert_int_equal(m->to.id, m->tx->to_account);
  l6_qty q = 0;
  for (size_t i = 0; i < m->n; i++) q += m->takes[i].last - m->takes[i].first + 1;
  size_t k = 0;
  while (k < W.nseen && W.seen[k].tx != m->tx->id) k++;
  if (k == W.nseen) {
    if (W.nseen == W.cap) {
      W.cap = W.cap ? 2 * W.cap : 256;
      W.seen = realloc(W.seen, W.cap * sizeof *W.seen);
      assert_non_null(W.seen);
    }
    W.nseen++;
  }
  W.seen[k] = (seen_row){.tx = m->tx->id, .route = m->route, .qty = q, .from = m->tx->from_account, .to = m->tx->to_account};
  W.routes |= 1u << m->route;
  return L6_E_OK;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  l6_error err = {0};
  if (tl_store_make(&W.ts, "move", 1) != 0) return -1;
  l6_store *st = tl_store_open(&W.ts);
  if (st == NULL) return -1;
  W.s = svc_open(st, 2, &err);
  if (W.s == NULL) return -1;
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  if (svc_load_config(W.s, cfg, &err) != L6_E_OK) {
    fprintf(stderr, "config: %s\n", err.message);
    return -1;
  }
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  svc_move_hook h = {.name = "test: count", .check = count_check, .effect = count_effect, .arg = &W};
  if (svc_move_hook_add(W.s, &h, &err) != L6_E_OK) return -1;
  if (demo_populate(W.s, &err) != L6_E_OK) {
    fprintf(stderr, "demo: %s: %s\n", l6_err_code(err.code), err.message);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  svc_close(W.s);
  free(W.seen);
  return tl_store_free(&W.ts);
}

/* ---- reading the store ---------------------------------------------------- */

typedef struct {
  l6_tx *t;
  size_t n, cap;
} tx_buf;

static int tx_row(void *ctx, const void *row) {
  tx_buf *b = ctx;
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 256;
    b->t = realloc(b->t, b->cap * sizeof *b->t);
    assert_non_null(b->t);
  }
  b->t[b->n++] = *(const l6_tx *)row;
  return 0;
}

/* Every transaction, oldest first (caller frees .t). */
static tx_buf all_txs(void) {
  tx_buf b = {0};
  l6_error err = {0};
  OK(OPS->begin(svc_store(W.s), &err));
  l6_tx_filter f = {.limit = L6_MAX_PAGE};
  for (;;) {
    size_t before = b.n;
    OK(OPS->tx_list(svc_store(W.s), &f, tx_row, &b, &err));
    if (b.n == before) break;
    for (size_t i = before; i < b.n; i++)
      if (b.t[i].id > f.after) f.after = b.t[i].id;
  }
  OK(OPS->commit(svc_store(W.s), &err));
  return b;
}

typedef struct {
  l6_qty moved; /* units of lines that left an account (issuance lines have none) */
} line_sum;

static int line_row(void *ctx, const void *row) {
  const l6_tx_line *l = row;
  if (l->from_account) ((line_sum *)ctx)->moved += l->last - l->first + 1;
  return 0;
}

/* The state a refusal must leave alone: holdings of every account, the
 * transactions, the ITMOs and the Article 6 actions, as text. */
static int block_text(void *ctx, const void *row) {
  const l6_block *b = row;
  tl_sb_add(ctx, "b %lld %lld %lld-%lld\n", (long long)b->account, (long long)b->batch, (long long)b->first, (long long)b->last);
  return 0;
}

static int itmo_text(void *ctx, const void *row) {
  const l6_a6_itmo *r = row;
  tl_sb_add(ctx, "i %lld %lld %lld-%lld %s %d\n", (long long)r->auth, (long long)r->batch, (long long)r->first, (long long)r->last,
            r->fate, r->ft_year);
  return 0;
}

static int action_text(void *ctx, const void *row) {
  const l6_a6_action *x = row;
  tl_sb_add(ctx, "a %lld %s %s %lld\n", (long long)x->id, x->type, x->first_id, (long long)x->ca);
  return 0;
}

static char *dump(void) {
  tl_sbuf sb = {0};
  l6_error err = {0};
  l6_store *st = svc_store(W.s);
  OK(OPS->begin(st, &err));
  l6_pick_filter f = {0};
  OK(OPS->block_pick(st, &f, 1 << 30, block_text, &sb, &err));
  OK(OPS->a6_itmo_list(st, 0, itmo_text, &sb, &err));
  OK(OPS->a6_action_list(st, "THA", action_text, &sb, &err));
  OK(OPS->a6_action_list(st, "CHE", action_text, &sb, &err));
  OK(OPS->commit(st, &err));
  tx_buf b = all_txs();
  tl_sb_add(&sb, "txs %zu last %lld\n", b.n, b.n ? (long long)b.t[b.n - 1].id : 0LL);
  free(b.t);
  return sb.buf;
}

/* Runs a call that must be refused with code (422 here) and a message
 * naming `says`, and change nothing. */
#define REFUSED(call, code, says)                                                                                     \
  do {                                                                                                                \
    char *before_ = dump();                                                                                           \
    l6_error err_ = {0};                                                                                              \
    json_t *out_ = NULL;                                                                                              \
    l6_err e_ = (call);                                                                                               \
    if (e_ != (code)) fail_msg("%s:%d: want %s, got %s: %s", __FILE__, __LINE__, l6_err_code(code), l6_err_code(e_), \
                               err_.message);                                                                         \
    assert_int_equal(l6_err_status(e_), 422);                                                                         \
    if (strstr(err_.message, (says)) == NULL) fail_msg("%s:%d: message: %s", __FILE__, __LINE__, err_.message);      \
    assert_null(out_);                                                                                                \
    char *after_ = dump();                                                                                            \
    assert_string_equal(before_, after_);                                                                             \
    free(before_);                                                                                                    \
    free(after_);                                                                                                     \
  } while (0)

/* ---- helpers ---------------------------------------------------------------- */

/* A retirement (kind RETIREMENT) or cancellation of qty units of ut from
 * account, for purpose. */
static l6_err end_units(l6_tx_kind kind, l6_id account, const char *ut, l6_qty qty, const char *purpose, l6_error *err) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = kind;
  r->from_account = account;
  r->quantity = qty;
  snprintf(r->unit_type, sizeof r->unit_type, "%s", ut);
  snprintf(r->beneficiary, sizeof r->beneficiary, "An airline");
  snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
  l6_reply rep = {0};
  l6_err e = svc_move(W.s, &W.admin, r, &rep, err);
  json_decref(rep.body);
  free(r);
  return e;
}

typedef struct {
  l6_account a[512];
  size_t n;
} acc_buf;

static int acc_row(void *ctx, const void *row) {
  acc_buf *b = ctx;
  if (b->n == sizeof b->a / sizeof b->a[0]) return 1;
  b->a[b->n++] = *(const l6_account *)row;
  return 0;
}

/* An open holding or trading account that holds units of ut. */
static l6_id holder_of(const char *ut) {
  static acc_buf b;
  b.n = 0;
  l6_error err = {0};
  l6_store *st = svc_store(W.s);
  OK(OPS->begin(st, &err));
  OK(OPS->account_list(st, 0, 0, 512, acc_row, &b, &err));
  l6_id found = 0;
  for (size_t i = 0; i < b.n && !found; i++) {
    if (b.a[i].type != L6_ACCT_HOLDING && b.a[i].type != L6_ACCT_TRADING) continue;
    l6_pick_filter f = {.account = b.a[i].id};
    snprintf(f.unit_type, sizeof f.unit_type, "%s", ut);
    l6_qty q = 0;
    OK(OPS->account_total(st, &f, &q, &err));
    if (q >= 100) found = b.a[i].id;
  }
  OK(OPS->commit(st, &err));
  assert_true(found > 0);
  return found;
}

/* A new holding account in registry, of a new organisation. */
static l6_id new_account(const char *registry, const char *name) {
  l6_org o = {0};
  snprintf(o.registry, sizeof o.registry, "%s", registry);
  snprintf(o.name, sizeof o.name, "%s", name);
  TL_OK(svc_org_create(W.s, &W.admin, &o, &out_, &err_), "org");
  l6_account a = {.org = o.id, .type = L6_ACCT_HOLDING};
  snprintf(a.registry, sizeof a.registry, "%s", registry);
  snprintf(a.name, sizeof a.name, "%s", name);
  TL_OK(svc_account_create(W.s, &W.admin, &a, &out_, &err_), "account");
  return a.id;
}

/* 1,000 new ITMOs of Thailand's e-bus authorization (NDC and OIMP, first
 * transfer at use or cancellation): vintage 2025, issued into a new Thai
 * account; none first transferred. */
static l6_id oimp_itmos(void) {
  l6_id acc = new_account("THA01", "Thai airline offsets");
  l6_issue_req r = {.registry = "THA01", .project = "THA.BKK.EBUS.01", .unit_type = "ITMO", .vintage = 2025,
                    .quantity = 1000, .forward_to = acc};
  l6_reply rep = {0};
  l6_error err = {0};
  if (svc_issue(W.s, &W.admin, &r, &rep, &err) != L6_E_OK) fail_msg("issue: %s", err.message);
  json_decref(rep.body);
  return acc;
}

static bool aef_has(const char *party, const char *code) {
  json_t *out = NULL;
  l6_error err = {0};
  OK(svc_a6_aef(W.s, &W.admin, party, 2026, NULL, &out, &err));
  char *t = json_dumps(json_object_get(out, "consistency"), 0);
  bool has = strstr(t, code) != NULL;
  free(t);
  json_decref(out);
  return has;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_every_route(void **state) {
  (void)state;
  l6_error err = {0};
  /* The demo has no plain cancellation (one VER) and no ETS allocation
   * from an allocation account (500 GDEA for 2024). */
  OK(end_units(L6_TX_CANCELLATION, holder_of("VER"), "VER", 1, "voluntary cancellation", &err));
  l6_id alloc = new_account("CHN01", "Guangdong allocation");
  l6_issue_req ir = {.registry = "CHN01", .project = "CN.GD.ALLOC.2023", .unit_type = "GDEA", .vintage = 2024,
                     .quantity = 500, .forward_to = alloc};
  l6_reply rep = {0};
  if (svc_issue(W.s, &W.admin, &ir, &rep, &err) != L6_E_OK) fail_msg("issue: %s", err.message);
  json_decref(rep.body);
  l6_ets_scheme x = {.code = "GD-ETS", .name = "Guangdong pilot ETS", .jurisdiction = "CN-GD", .registry = "CHN01",
                     .first_year = 2021, .last_year = 2030, .deadline = "06-30", .penalty = 10000, .currency = "CNY",
                     .allocation_account = alloc};
  TL_OK(svc_ets_scheme_put(W.s, &W.admin, &x, &out_, &err_), "scheme");
  TL_OK(svc_ets_allocate(W.s, &W.admin, "GD-ETS", "GZ.PEARL", 2024, 500, false, &out_, &err_), "allocation");
  static const svc_move_route want[] = {SVC_MOVE_TRANSFER, SVC_MOVE_RETIREMENT, SVC_MOVE_CANCELLATION,
                                        SVC_MOVE_ISSUE_FORWARD, SVC_MOVE_CYCLE, SVC_MOVE_A6_ACTION,
                                        SVC_MOVE_EXCHANGE, SVC_MOVE_MARKETPLACE, SVC_MOVE_ETS_ALLOCATION,
                                        SVC_MOVE_ETS_SURRENDER};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (!(W.routes & (1u << want[i]))) fail_msg("no %s move reached the rules", svc_move_route_str(want[i]));
  assert_true(W.checks >= W.nseen);
  /* Every committed transaction that moved units went through the rules,
   * with exactly its units. */
  tx_buf b = all_txs();
  size_t moves = 0;
  for (size_t i = 0; i < b.n; i++) {
    line_sum ls = {0};
    OK(OPS->begin(svc_store(W.s), &err));
    OK(OPS->tx_lines(svc_store(W.s), b.t[i].id, line_row, &ls, &err));
    OK(OPS->commit(svc_store(W.s), &err));
    if (ls.moved == 0) continue;
    moves++;
    size_t k = 0;
    while (k < W.nseen && W.seen[k].tx != b.t[i].id) k++;
    if (k == W.nseen)
      fail_msg("transaction %lld (%s, %s, %lld units) moved units without the policy step", (long long)b.t[i].id,
               l6_tx_kind_str(b.t[i].kind), b.t[i].purpose, (long long)ls.moved);
    assert_int_equal(W.seen[k].qty, ls.moved);
    assert_int_equal(W.seen[k].from, b.t[i].from_account);
    assert_int_equal(W.seen[k].to, b.t[i].to_account);
  }
  assert_true(moves > 20);
  free(b.t);
  OK(svc_check(W.s, 0, &err));
}

static void test_a6_bypasses(void **state) {
  (void)state;
  l6_id acc = oimp_itmos();
  assert_false(aef_has("THA", "oimp_cancellation_without_ca"));
  /* The issue's case: OIMP ITMOs (first transfer at use or cancellation)
   * retired for CORSIA on the plain route -- was 201, no adjustment. */
  REFUSED(end_units(L6_TX_RETIREMENT, acc, "ITMO", 100, "CORSIA", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "/v1/a6/cancellations");
  REFUSED(end_units(L6_TX_CANCELLATION, acc, "ITMO", 100, "CORSIA", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  REFUSED(end_units(L6_TX_RETIREMENT, acc, "ITMO", 100, "offsetting for corsia, first phase", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  REFUSED(end_units(L6_TX_RETIREMENT, acc, "ITMO", 100, "OIMP", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  /* ... and for a voluntary purpose: ending an OIMP ITMO is an OIMP
   * cancellation, with the host's adjustment. */
  REFUSED(end_units(L6_TX_RETIREMENT, acc, "ITMO", 100, "voluntary offsetting", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  REFUSED(end_units(L6_TX_CANCELLATION, acc, "ITMO", 100, "voluntary cancellation", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  /* A VCU with no authorization (and Ghanaian forestry, not a CORSIA
   * programme's first-phase unit) retired for CORSIA -- was 201. */
  l6_id vcu = holder_of("VCU");
  REFUSED(end_units(L6_TX_RETIREMENT, vcu, "VCU", 10, "CORSIA", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  /* NDC use and mitigation contribution stated on the plain routes. */
  REFUSED(end_units(L6_TX_RETIREMENT, vcu, "VCU", 10, "NDC", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "/v1/a6/uses");
  REFUSED(end_units(L6_TX_RETIREMENT, vcu, "VCU", 10, "use toward the nationally determined contribution", &err_),
          L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "/v1/a6/uses");
  REFUSED(end_units(L6_TX_CANCELLATION, vcu, "VCU", 10, "Mitigation contribution", &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "POST /v1/a6/");
  /* Words, not substrings: "syndicate" holds no NDC. Voluntary
   * retirements of units that are no ITMOs still pass. */
  TL_OK(end_units(L6_TX_RETIREMENT, vcu, "VCU", 10, "voluntary offsetting", &err_), "voluntary VCU");
  TL_OK(end_units(L6_TX_RETIREMENT, vcu, "VCU", 10, "syndicate offsetting", &err_), "voluntary VCU");
  /* The Article 6 route cancels them for CORSIA, with their first transfer
   * (Thailand's corresponding adjustment). */
  json_t *items = NULL;
  l6_error err = {0};
  OK(svc_a6_itmo_list(W.s, &W.admin, 0, &items, &err));
  char first[64] = "", last[64] = "";
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(items, "items"), i, it) {
    if (json_integer_value(json_object_get(it, "vintage")) == 2025 &&
        strcmp(json_string_value(json_object_get(it, "state")), "held") == 0 &&
        json_is_null(json_object_get(it, "first_transfer_year"))) {
      snprintf(first, sizeof first, "%s", json_string_value(json_object_get(it, "first_id")));
      snprintf(last, sizeof last, "%s", json_string_value(json_object_get(it, "first_id")));
    }
  }
  json_decref(items);
  assert_true(first[0] != '\0');
  l6_a6_act_req c = {.kind = A6_ACT_OIMP, .account = acc, .purpose = "CORSIA", .phase = "first",
                     .entity = "Swiss International Air Lines"};
  snprintf(c.first_id, sizeof c.first_id, "%s", first);
  snprintf(c.last_id, sizeof c.last_id, "%s", last);
  TL_OK(svc_a6_act(W.s, &W.admin, &c, &out_, &err_), "CORSIA cancellation");
  assert_false(aef_has("THA", "oimp_cancellation_without_ca"));
  assert_false(aef_has("THA", "holdings_mismatch"));
  OK(svc_check(W.s, 0, &err));
}

typedef struct {
  const char *name;
  l6_id id;
} org_find;

/* The demo's organisation called name. */
static l6_id org_named(const char *name) {
  json_t *out = NULL;
  l6_error err = {0};
  OK(svc_org_list(W.s, &W.admin, &out, &err));
  size_t i;
  json_t *o;
  l6_id id = 0;
  json_array_foreach(json_object_get(out, "items"), i, o) if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0) id =
      json_integer_value(json_object_get(o, "id"));
  json_decref(out);
  assert_true(id > 0);
  return id;
}

static int first_batch(void *ctx, const void *row) {
  *(l6_batch *)ctx = *(const l6_batch *)row;
  return 1;
}

/* The first account of organisation org. */
static l6_id org_account(l6_id org) {
  static acc_buf b;
  b.n = 0;
  l6_error err = {0};
  l6_store *st = svc_store(W.s);
  OK(OPS->begin(st, &err));
  OK(OPS->account_list(st, org, 0, 512, acc_row, &b, &err));
  OK(OPS->commit(st, &err));
  assert_true(b.n > 0);
  return b.a[0].id;
}

static int first_block(void *ctx, const void *row) {
  *(l6_block *)ctx = *(const l6_block *)row;
  return 1;
}

/* ITMOs surrendered into an emissions trading scheme would be used toward
 * an NDC without the use the AEF reports: the surrender (and its dry run)
 * refuses them and names /v1/a6/uses; CCERs that are no ITMOs surrender as
 * before (test_ets_svc.c). */
static void test_ets_itmo_surrender(void **state) {
  (void)state;
  l6_error err = {0};
  /* The Yangjiang wind CCERs left in Pearl River Power's account become
   * ITMOs of a Chinese authorization (NDC use). */
  l6_block blk = {0};
  l6_batch b = {0};
  l6_store *st = svc_store(W.s);
  OK(OPS->begin(st, &err));
  OK(OPS->batch_list(st, "CN.GD.WIND.02", 0, 1, first_batch, &b, &err));
  l6_pick_filter f = {.account = org_account(org_named("Guangzhou Pearl River Power Co.")), .unit_type = "CCER"};
  OK(OPS->block_pick(st, &f, 1, first_block, &blk, &err));
  OK(OPS->commit(st, &err));
  assert_true(blk.id > 0 && blk.batch == b.id);
  l6_a6_auth x = {.party = "CHN", .approach = 3, .project = "CN.GD.WIND.02", .vintage_from = 2000, .vintage_to = 2050,
                  .quantity = 1000000, .purposes = "NDC", .ft_event = "use", .year_from = 2021, .year_to = 2035};
  TL_OK(svc_a6_authorize(W.s, &W.admin, &x, &out_, &err_), "authorize");
  l6_actor reg = tl_actor(L6_ROLE_AUTHORITY, org_named("Provincial ecology and environment department"), "regulator");
  l6_actor ver = tl_actor(L6_ROLE_VALIDATOR, org_named("China Quality Certification Centre (verifier)"), "verifier");
  TL_OK(svc_ets_emissions(W.s, &ver, "GD-ETS", "GZ.PEARL", 2024, 1000, &out_, &err_), "emissions");
  TL_OK(svc_ets_confirm(W.s, &reg, "GD-ETS", "GZ.PEARL", 2024, &out_, &err_), "confirm");
  l6_ets_surrender_req r = {.scheme = "GD-ETS", .entity = "GZ.PEARL", .year = 2024, .n = 1, .dry_run = true};
  r.items[0] = (l6_range){.batch = blk.batch, .first = blk.first, .last = blk.first + 9};
  REFUSED(svc_ets_surrender(W.s, &reg, &r, &out_, &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "/v1/a6/uses");
  r.dry_run = false;
  REFUSED(svc_ets_surrender(W.s, &reg, &r, &out_, &err_), L6_E_ARTICLE_SIX_ROUTE_REQUIRED, "/v1/a6/uses");
}

static int itmo_pick(void *ctx, const void *row) {
  const l6_a6_itmo *r = row;
  l6_a6_itmo *want = ctx;
  if (want->id == 0 && r->vintage == 2025 && r->fate[0] == '\0' && r->ft_year == 0) *want = *r;
  return 0;
}

static void test_aef_missing_ca(void **state) {
  (void)state;
  (void)oimp_itmos();
  assert_false(aef_has("THA", "oimp_cancellation_without_ca"));
  /* What the old plain route wrote for a CORSIA retirement of OIMP ITMOs:
   * the ITMOs cancelled and a Cancellation action, no first transfer, no
   * adjustment. Written here through the store, behind the API. */
  l6_store *st = svc_store(W.s);
  l6_error err = {0};
  l6_a6_itmo r = {0};
  OK(st->ops->begin(st, &err));
  OK(st->ops->a6_itmo_list(st, 0, itmo_pick, &r, &err));
  assert_true(r.id > 0);
  snprintf(r.fate, sizeof r.fate, "cancelled");
  r.use_year = 2026;
  OK(st->ops->a6_itmo_put(st, &r, &err));
  l6_a6_action x = {.auth = r.auth, .approach = r.approach, .itmo_first = r.itmo_first,
                    .itmo_last = r.itmo_first + (r.last - r.first), .quantity = r.last - r.first + 1,
                    .vintage = r.vintage, .year = 2026, .ca = 0, .ts = "2026-06-01T12:00:00.000Z"};
  snprintf(x.type, sizeof x.type, "Cancellation");
  snprintf(x.party, sizeof x.party, "THA");
  snprintf(x.registry, sizeof x.registry, "%s", r.registry);
  snprintf(x.first_id, sizeof x.first_id, "forged");
  snprintf(x.last_id, sizeof x.last_id, "forged");
  snprintf(x.purpose, sizeof x.purpose, "CORSIA");
  OK(st->ops->a6_action_put(st, &x, &err));
  OK(st->ops->commit(st, &err));
  assert_true(aef_has("THA", "oimp_cancellation_without_ca"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test_setup_teardown(test_every_route, setup, teardown),
                                     cmocka_unit_test_setup_teardown(test_a6_bypasses, setup, teardown),
                                     cmocka_unit_test_setup_teardown(test_aef_missing_ca, setup, teardown),
                                     cmocka_unit_test_setup_teardown(test_ets_itmo_surrender, setup, teardown)};
  return cmocka_run_group_tests_name("move", tests, NULL, NULL);
}
