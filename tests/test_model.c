/*
 * test_model.c -- the seeded, randomised reference-model test of the ledger
 * (exchange-core style): a long random stream of service calls runs against
 * the real service (check_level 2; in-memory SQLite, or a fresh PostgreSQL
 * database when L6_STORE names a server) and against a naive
 * model written here, and after every step the two must agree.
 *
 * The model is deliberately simple: for each issuance batch an array
 * owner[serial - start] of account indices, and it picks units by quantity
 * itself ("oldest vintage first, then batch, then lowest serial"), so it
 * shares no code with core/ledger.c. It predicts the outcome of every call,
 * including the exact error code of deliberately invalid ones (too many
 * units, serials not held, closed and blocked accounts, wrong unit type,
 * terminal sources, bad destinations, idempotency replays and conflicts,
 * malformed requests), following the order in which the service validates.
 *
 * Checks, and why they are split this way:
 *   every step  (a) the outcome: success, or the exact predicted error code;
 *                   on success the reply's quantity, its blocks (the exact
 *                   takes, in order) and the transaction id (ids are dense,
 *                   so "last id + 1" also proves that no rejected call left a
 *                   transaction behind);
 *               (b) svc_check of every batch the step touched or named;
 *               (c) the store's blocks of those batches equal the model's
 *                   runs exactly (batch, account, first, last): this is the
 *                   holdings of the touched accounts in every batch the call
 *                   could legitimately change, and for a rejected call it
 *                   proves those batches are unchanged;
 *   every PARTITION_EVERY (100) steps: svc_check(s, 0, ...), the partition
 *                   of every batch, so a write to a batch the step did not
 *                   name is caught within 100 steps;
 *   every FULL_EVERY (1000) steps: also the full block list of every account
 *                   (blocks_of_account) and the svc_holdings totals of the
 *                   non-terminal accounts against the model, and no
 *                   transaction beyond the last acknowledged id.
 * svc_check of all batches at every step would cost O(all blocks) per step
 * (the retirement account alone reaches tens of thousands of blocks): about
 * 14 ms at the end of the run, so over 20 minutes for 100,000 steps. With
 * the split above the run takes about 23 s (ASan+UBSan: about 50 s) on the
 * 2-CPU development machine, over half of it in the periodic checks.
 *
 * L6_SEED=<seed> replays a run exactly; L6_MODEL_OPS=<n> changes the number
 * of operations (default 100000, the acceptance criterion); L6_MODEL_TRACE=1
 * prints the time of every 10,000 steps.
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

#include "testlib_svc.h"

#include "service/service.h"
#include "store/store.h"
#include "testlib.h"

#define DEFAULT_OPS 100000             /* the acceptance criterion */
#define PARTITION_EVERY 100            /* steps between svc_check(all batches) */
#define FULL_EVERY 1000                /* steps between whole-store comparisons */
#define MAX_TAKES L6_MAX_BLOCKS_PER_TX /* most blocks one pick may consume */
#define RING 64                        /* remembered idempotent successes, for replays */

static const l6_actor ADMIN = {.role = L6_ROLE_ADMIN, .name = "test"};

/* ====================================================================== */
/* The model                                                               */
/* ====================================================================== */

/* Accounts, by model index. The registry creates PENDING, RETIRE and CANCEL. */
enum { A_PENDING, A_RETIRE, A_CANCEL, A_H1, A_H2, A_H3, A_T1, A_BUF, A_CLOSED, NACC };

typedef struct {
  l6_id id;                 /* store account id */
  l6_account_type type;     /* fixed at creation */
  l6_account_status status; /* changed by step_status */
} m_account;

/* Projects and unit types, by model index. */
typedef struct {
  const char *id;
  const char *programme;
  const char *status;
} m_project;

static const m_project PROJECTS[] = {
    {"PRJ.A", "P1", "registered"},
    {"PRJ.B", "P1", "registered"},
    {"PRJ.C", "P2", "registered"},
    {"PRJ.L", "P1", "listed"}, /* never issues: PROJECT_NOT_ACTIVE */
};
#define NPROJ (sizeof PROJECTS / sizeof PROJECTS[0])

typedef struct {
  const char *code;
  const char *programme;
} m_unit_type;

static const m_unit_type UTYPES[] = {{"UA", "P1"}, {"UB", "P1"}, {"UC", "P2"}};
#define NUT (sizeof UTYPES / sizeof UTYPES[0])

typedef struct {
  l6_id id;           /* store batch id, index + 1 */
  int proj;           /* index into PROJECTS */
  int ut;             /* index into UTYPES */
  int vintage;        /* year */
  int64_t start;      /* first serial */
  int64_t qty;        /* number of serials */
  uint8_t *owner;     /* owner[serial - start]: account index; malloc'd */
  int64_t held[NACC]; /* units of this batch per account */
} m_batch;

/* One planned piece of a move: serials [first,last] of batch index b. */
typedef struct {
  size_t b;            /* batch index */
  int64_t first, last; /* serials, inclusive */
} m_take;

/* A remembered idempotent success, replayed later. */
typedef struct {
  bool used;          /* slot filled */
  bool is_issue;      /* which request below */
  l6_issue_req issue; /* the request, with its key and hash */
  l6_move_req move;
  json_t *body; /* the first reply; owned */
} m_idem;

typedef struct {
  m_account acc[NACC]; /* by model index (A_*) */
  m_batch *b;          /* batches in id order; malloc'd */
  size_t nb, cap;      /* used and allocated entries of b */
  size_t *order;       /* batch indices in picking order (vintage, id) */
  l6_id last_tx;       /* highest transaction id */
  int64_t total[NACC]; /* units held per account */
  m_idem ring[RING];   /* the last RING idempotent successes */
  size_t ring_next;    /* next slot of ring to overwrite */
} model;

static int acc_index(const model *m, l6_id id) {
  for (int i = 0; i < NACC; i++)
    if (m->acc[i].id == id) return i;
  return -1;
}

static int ut_index(const char *code) {
  for (size_t i = 0; i < NUT; i++)
    if (strcmp(UTYPES[i].code, code) == 0) return (int)i;
  return -1;
}

static int proj_index(const char *id) {
  for (size_t i = 0; i < NPROJ; i++)
    if (strcmp(PROJECTS[i].id, id) == 0) return (int)i;
  return -1;
}

/* The batch index of a store batch id, or -1. Batch ids are dense from 1. */
static long batch_index(const model *m, l6_id id) {
  if (id < 1 || (size_t)id > m->nb) return -1;
  assert_int_equal(m->b[id - 1].id, id);
  return (long)(id - 1);
}

/* Owner of serial `serial` of batch b, or -1 outside the batch. */
static int owner_of(const m_batch *b, int64_t serial) {
  if (serial < b->start || serial >= b->start + b->qty) return -1;
  return b->owner[serial - b->start];
}

static void model_move(model *m, size_t bi, int64_t first, int64_t last, int to) {
  m_batch *b = &m->b[bi];
  for (int64_t s = first; s <= last; s++) {
    int from = b->owner[s - b->start];
    b->held[from]--;
    m->total[from]--;
    b->owner[s - b->start] = (uint8_t)to;
  }
  b->held[to] += last - first + 1;
  m->total[to] += last - first + 1;
}

static size_t model_add_batch(model *m, l6_id id, int proj, int ut, int vintage, int64_t start, int64_t qty,
                              int owner) {
  if (m->nb == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 1024;
    m->b = realloc(m->b, m->cap * sizeof *m->b);
    m->order = realloc(m->order, m->cap * sizeof *m->order);
    assert_non_null(m->b);
    assert_non_null(m->order);
  }
  size_t bi = m->nb++;
  m_batch *b = &m->b[bi];
  memset(b, 0, sizeof *b);
  b->id = id;
  b->proj = proj;
  b->ut = ut;
  b->vintage = vintage;
  b->start = start;
  b->qty = qty;
  b->owner = malloc((size_t)qty);
  assert_non_null(b->owner);
  memset(b->owner, owner, (size_t)qty);
  b->held[owner] = qty;
  m->total[owner] += qty;
  /* Insert into picking order: after every batch of an older or equal
   * vintage (ids only grow, so equal vintages stay in id order). */
  size_t pos = m->nb - 1;
  while (pos > 0 && m->b[m->order[pos - 1]].vintage > vintage) {
    m->order[pos] = m->order[pos - 1];
    pos--;
  }
  m->order[pos] = bi;
  return bi;
}

/* Units of account a matching the pick filter. */
static int64_t model_matching(const model *m, int a, int ut, int proj, int vintage) {
  int64_t h = 0;
  for (size_t i = 0; i < m->nb; i++) {
    const m_batch *b = &m->b[i];
    if (b->ut == ut && (proj < 0 || b->proj == proj) && (vintage == 0 || b->vintage == vintage)) h += b->held[a];
  }
  return h;
}

/*
 * The model's own pick: walk batches oldest vintage first, then by batch,
 * and inside a batch the runs of serials account a holds, lowest first;
 * take whole runs, split the last. Returns OK, TOO_MANY_RANGES (more than
 * MAX_TAKES runs needed) or INSUFFICIENT_HOLDINGS.
 */
static l6_err model_pick(const model *m, int a, int ut, int proj, int vintage, int64_t qty, m_take *out, size_t *nout) {
  int64_t left = qty;
  size_t k = 0;
  for (size_t oi = 0; oi < m->nb && left > 0; oi++) {
    size_t bi = m->order[oi];
    const m_batch *b = &m->b[bi];
    if (b->ut != ut || (proj >= 0 && b->proj != proj) || (vintage != 0 && b->vintage != vintage)) continue;
    if (b->held[a] == 0) continue;
    for (int64_t i = 0; i < b->qty && left > 0; i++) {
      if (b->owner[i] != a) continue;
      int64_t j = i;
      while (j + 1 < b->qty && b->owner[j + 1] == a) j++;
      if (k == MAX_TAKES) {
        *nout = k;
        return L6_E_TOO_MANY_RANGES;
      }
      int64_t have = j - i + 1, take = have < left ? have : left;
      out[k++] = (m_take){bi, b->start + i, b->start + i + take - 1};
      left -= take;
      i = j;
    }
  }
  *nout = k;
  return left > 0 ? L6_E_INSUFFICIENT_HOLDINGS : L6_E_OK;
}

/* open_account() of the service: MISSING_FIELD, UNKNOWN_ACCOUNT, closed, blocked. */
static l6_err model_open_account(const model *m, l6_id id, int *idx) {
  *idx = -1;
  if (id <= 0) return L6_E_MISSING_FIELD;
  int i = acc_index(m, id);
  if (i < 0) return L6_E_UNKNOWN_ACCOUNT;
  *idx = i;
  if (m->acc[i].status == L6_STATUS_CLOSED) return L6_E_ACCOUNT_CLOSED;
  if (m->acc[i].status == L6_STATUS_BLOCKED) return L6_E_ACCOUNT_BLOCKED;
  return L6_E_OK;
}

static bool terminal(l6_account_type t) {
  return t == L6_ACCT_RETIREMENT || t == L6_ACCT_CANCELLATION || t == L6_ACCT_OMGE_CANCELLATION ||
         t == L6_ACCT_SURRENDER;
}

static bool accepts_transfer(l6_account_type t) { return t != L6_ACCT_PENDING && !terminal(t); }

static bool valid_text(const char *s) { return s[0] != '\0'; }

/* Looks a key up among remembered idempotent successes. */
static m_idem *model_idem(model *m, const l6_idem *id) {
  if (id->key[0] == '\0') return NULL;
  for (size_t i = 0; i < RING; i++) {
    m_idem *e = &m->ring[i];
    if (!e->used) continue;
    const l6_idem *k = e->is_issue ? &e->issue.idem : &e->move.idem;
    if (strcmp(k->key, id->key) == 0) return e;
  }
  return NULL;
}

/* Prediction of one call. */
typedef struct {
  l6_err e;       /* the predicted outcome */
  m_idem *replay; /* a replayed reply (e == OK) */
  int from, to;   /* account indices of a move */
  m_take *takes;  /* the plan of a successful move (MAX_TAKES + 1) */
  size_t ntakes;  /* entries of takes */
  int64_t qty;    /* units the plan moves */
} m_pred;

/*
 * Predicts svc_move, in the service's order of checks: request shape,
 * retirement details, idempotency, source, destination, plan. Returns the
 * expected outcome; fills p (the plan, or the reply to replay).
 */
static l6_err predict_move(model *m, const l6_move_req *r, m_pred *p) {
  p->replay = NULL;
  p->ntakes = 0;
  p->qty = 0;
  p->from = p->to = -1;
  if (r->nranges > L6_MAX_RANGES) return L6_E_TOO_MANY_RANGES;
  if (r->nranges == 0 && r->quantity <= 0) return L6_E_INVALID_QUANTITY;
  if (r->nranges == 0 && r->quantity > L6_MAX_QUANTITY) return L6_E_QUANTITY_OVERFLOW;
  if (r->kind == L6_TX_RETIREMENT && (!valid_text(r->beneficiary) || !valid_text(r->purpose)))
    return L6_E_MISSING_FIELD;
  if (r->reporting_year && (r->reporting_year < L6_VINTAGE_MIN || r->reporting_year > L6_VINTAGE_MAX))
    return L6_E_INVALID_VALUE;
  m_idem *seen = model_idem(m, &r->idem);
  if (seen) {
    const l6_idem *k = seen->is_issue ? &seen->issue.idem : &seen->move.idem;
    if (strcmp(k->hash, r->idem.hash) != 0) return L6_E_IDEMPOTENCY_CONFLICT;
    p->replay = seen;
    return L6_E_OK;
  }
  l6_err e = model_open_account(m, r->from_account, &p->from);
  if (e != L6_E_OK) return e;
  if (terminal(m->acc[p->from].type)) return L6_E_TERMINAL_ACCOUNT;
  l6_id to_id = r->to_account;
  if (to_id == 0 && r->kind == L6_TX_RETIREMENT) to_id = m->acc[A_RETIRE].id;
  if (to_id == 0 && r->kind == L6_TX_CANCELLATION) to_id = m->acc[A_CANCEL].id;
  if ((e = model_open_account(m, to_id, &p->to)) != L6_E_OK) return e;
  if (p->from == p->to) return L6_E_SAME_ACCOUNT;
  l6_account_type tt = m->acc[p->to].type;
  bool ok = r->kind == L6_TX_TRANSFER     ? accepts_transfer(tt)
            : r->kind == L6_TX_RETIREMENT ? tt == L6_ACCT_RETIREMENT
                                          : (tt == L6_ACCT_CANCELLATION || tt == L6_ACCT_OMGE_CANCELLATION);
  if (!ok) return L6_E_INVALID_DESTINATION;
  if (r->nranges == 0) {
    if (r->unit_type[0] == '\0') return L6_E_MISSING_FIELD;
    int ut = ut_index(r->unit_type);
    if (ut < 0) return L6_E_UNKNOWN_UNIT_TYPE;
    int proj = r->project[0] ? proj_index(r->project) : -1;
    if (r->project[0] && proj < 0) return L6_E_INSUFFICIENT_HOLDINGS; /* the filter matches nothing */
    if ((e = model_pick(m, p->from, ut, proj, r->vintage, r->quantity, p->takes, &p->ntakes)) != L6_E_OK) return e;
  } else {
    if (r->quantity != 0) return L6_E_INVALID_VALUE;
    for (size_t i = 0; i < r->nranges; i++) {
      long bi = batch_index(m, r->ranges[i].batch);
      if (bi < 0) return L6_E_UNKNOWN_BATCH;
      if (r->unit_type[0] && strcmp(UTYPES[m->b[bi].ut].code, r->unit_type) != 0) return L6_E_WRONG_UNIT_TYPE;
    }
    for (size_t i = 0; i < r->nranges; i++) {
      const l6_range *g = &r->ranges[i];
      if (g->first < 1 || g->last < g->first || g->last > L6_MAX_SERIAL) return L6_E_INVALID_RANGE;
      for (size_t j = 0; j < i; j++)
        if (r->ranges[j].batch == g->batch && r->ranges[j].first <= g->last && g->first <= r->ranges[j].last)
          return L6_E_INVALID_RANGE;
      const m_batch *b = &m->b[batch_index(m, g->batch)];
      for (int64_t s = g->first; s <= g->last; s++)
        if (owner_of(b, s) != p->from) return L6_E_SERIALS_NOT_HELD;
      p->takes[p->ntakes++] = (m_take){(size_t)batch_index(m, g->batch), g->first, g->last};
    }
  }
  for (size_t i = 0; i < p->ntakes; i++) p->qty += p->takes[i].last - p->takes[i].first + 1;
  return L6_E_OK;
}

/* Predicts svc_issue, in the service's order of checks. */
static l6_err predict_issue(model *m, const l6_issue_req *r, m_pred *p, int *fwd) {
  p->replay = NULL;
  *fwd = -1;
  if (r->quantity <= 0) return L6_E_INVALID_QUANTITY;
  if (r->quantity > L6_MAX_QUANTITY) return L6_E_QUANTITY_OVERFLOW;
  int64_t start = r->serial_start ? r->serial_start : 1;
  if (start < 1 || start > L6_MAX_SERIAL - r->quantity) return L6_E_INVALID_RANGE;
  if (r->vintage < L6_VINTAGE_MIN || r->vintage > L6_VINTAGE_MAX) return L6_E_INVALID_VALUE;
  m_idem *seen = model_idem(m, &r->idem);
  if (seen) {
    const l6_idem *k = seen->is_issue ? &seen->issue.idem : &seen->move.idem;
    if (strcmp(k->hash, r->idem.hash) != 0) return L6_E_IDEMPOTENCY_CONFLICT;
    p->replay = seen;
    return L6_E_OK;
  }
  int pj = proj_index(r->project);
  if (pj < 0) return L6_E_UNKNOWN_PROJECT;
  if (strcmp(PROJECTS[pj].status, "registered") != 0) return L6_E_PROJECT_NOT_ACTIVE;
  int ut = ut_index(r->unit_type);
  if (ut < 0) return L6_E_UNKNOWN_UNIT_TYPE;
  if (strcmp(UTYPES[ut].programme, PROJECTS[pj].programme) != 0) return L6_E_UNIT_TYPE_MISMATCH;
  if (strcmp(r->registry, "CHE01") != 0) return L6_E_UNKNOWN_REGISTRY;
  if (m->acc[A_PENDING].status != L6_STATUS_OPEN) return L6_E_NO_PENDING_ACCOUNT;
  if (r->forward_to) {
    l6_err e = model_open_account(m, r->forward_to, fwd);
    if (e != L6_E_OK) return e;
    if (!accepts_transfer(m->acc[*fwd].type)) return L6_E_INVALID_DESTINATION;
  }
  return L6_E_OK;
}

/* ====================================================================== */
/* Comparing the store with the model                                      */
/* ====================================================================== */

typedef struct {
  l6_block *v;
  size_t n, cap;
} blockvec;

static int collect_block(void *ctx, const void *row) {
  blockvec *bv = ctx;
  if (bv->n == bv->cap) {
    bv->cap = bv->cap ? bv->cap * 2 : 256;
    bv->v = realloc(bv->v, bv->cap * sizeof *bv->v);
    if (bv->v == NULL) abort();
  }
  bv->v[bv->n++] = *(const l6_block *)row;
  return 0;
}

typedef struct {
  l6_svc *s;      /* the service under test */
  l6_store *st;   /* its store (owned by s) */
  tl_store where; /* the store's spec: in-memory SQLite, or a fresh PostgreSQL database */
  model m;        /* the reference */
  tl_rng rng;     /* this test's random stream */
  long step;      /* current step, 1-based */
  char what[512]; /* description of the current step, for failure messages */
  blockvec bv;    /* scratch */
} world;

/* The store's blocks of one batch equal the model's runs of owner[]. */
static void check_batch_blocks(world *w, size_t bi) {
  const m_batch *b = &w->m.b[bi];
  l6_error err = {0};
  w->bv.n = 0;
  l6_err e = w->st->ops->blocks_of_batch(w->st, b->id, collect_block, &w->bv, &err);
  if (e != L6_E_OK)
    fail_msg("step %ld (%s): blocks_of_batch(%lld): %s", w->step, w->what, (long long)b->id, err.message);
  size_t k = 0;
  for (int64_t i = 0; i < b->qty; i++) {
    int64_t j = i;
    while (j + 1 < b->qty && b->owner[j + 1] == b->owner[i]) j++;
    int64_t first = b->start + i, last = b->start + j;
    l6_id acc = w->m.acc[b->owner[i]].id;
    if (k >= w->bv.n || w->bv.v[k].first != first || w->bv.v[k].last != last || w->bv.v[k].account != acc)
      fail_msg("step %ld (%s): batch %lld block %zu: store has %s[%lld,%lld] acct %lld, model [%lld,%lld] acct %lld",
               w->step, w->what, (long long)b->id, k, k < w->bv.n ? "" : "nothing ",
               k < w->bv.n ? (long long)w->bv.v[k].first : 0LL, k < w->bv.n ? (long long)w->bv.v[k].last : 0LL,
               k < w->bv.n ? (long long)w->bv.v[k].account : 0LL, (long long)first, (long long)last, (long long)acc);
    k++;
    i = j;
  }
  if (k != w->bv.n)
    fail_msg("step %ld (%s): batch %lld: store has %zu blocks, model %zu", w->step, w->what, (long long)b->id, w->bv.n,
             k);
}

static void check_svc_batch(world *w, l6_id batch) {
  l6_error err = {0};
  l6_err e = svc_check(w->s, batch, &err);
  if (e != L6_E_OK)
    fail_msg("step %ld (%s): svc_check(%lld): %s: %s", w->step, w->what, (long long)batch, l6_err_code(e), err.message);
}

static int cmp_block(const void *pa, const void *pb) {
  const l6_block *a = pa, *b = pb;
  if (a->batch != b->batch) return a->batch < b->batch ? -1 : 1;
  return a->first < b->first ? -1 : a->first > b->first;
}

/* Every block of account a, in (batch, first) order, equals the model.
 * One query for all blocks: paging by L6_MAX_PAGE costs a sort of the
 * account's whole block set per page (see the report on blocks_of_account). */
static void check_account_blocks(world *w, int a) {
  l6_error err = {0};
  w->bv.n = 0;
  l6_err e = w->st->ops->blocks_of_account(w->st, w->m.acc[a].id, 0, 1 << 30, collect_block, &w->bv, &err);
  if (e != L6_E_OK) fail_msg("step %ld: blocks_of_account: %s", w->step, err.message);
  qsort(w->bv.v, w->bv.n, sizeof *w->bv.v, cmp_block);
  size_t k = 0;
  int64_t total = 0;
  for (size_t bi = 0; bi < w->m.nb; bi++) {
    const m_batch *b = &w->m.b[bi];
    if (b->held[a] == 0) continue;
    for (int64_t i = 0; i < b->qty; i++) {
      if (b->owner[i] != a) continue;
      int64_t j = i;
      while (j + 1 < b->qty && b->owner[j + 1] == a) j++;
      if (k >= w->bv.n || w->bv.v[k].batch != b->id || w->bv.v[k].first != b->start + i ||
          w->bv.v[k].last != b->start + j)
        fail_msg(
            "step %ld (a change in the last %d steps): account %lld block %zu differs: model batch %lld [%lld,%lld]",
            w->step, FULL_EVERY, (long long)w->m.acc[a].id, k, (long long)b->id, (long long)(b->start + i),
            (long long)(b->start + j));
      total += j - i + 1;
      k++;
      i = j;
    }
  }
  if (k != w->bv.n)
    fail_msg("step %ld: account %lld: store has %zu blocks, model %zu", w->step, (long long)w->m.acc[a].id, w->bv.n, k);
  assert_int_equal(total, w->m.total[a]);
}

/* Whole-store comparison: all batches' partitions and all accounts.
 * svc_holdings is asked for the non-terminal accounts only, except at the
 * end (final): for the retirement account, with tens of thousands of
 * blocks, it costs about as much as a thousand steps. */
static void check_everything(world *w, bool final) {
  l6_error err = {0};
  l6_err e = svc_check(w->s, 0, &err);
  if (e != L6_E_OK) fail_msg("step %ld: svc_check(all): %s", w->step, err.message);
  for (int a = 0; a < NACC; a++) check_account_blocks(w, a);
  /* svc_holdings totals agree too (the JSON the API serves). */
  for (int a = 0; a < NACC; a++) {
    if (!final && terminal(w->m.acc[a].type)) continue;
    json_t *out = NULL;
    e = svc_holdings(w->s, &ADMIN, w->m.acc[a].id, &out, &err);
    if (e != L6_E_OK) fail_msg("step %ld: svc_holdings: %s", w->step, err.message);
    assert_int_equal(json_integer_value(json_object_get(out, "total")), w->m.total[a]);
    json_decref(out);
  }
  /* No transaction beyond the last acknowledged one. */
  json_t *out = NULL;
  l6_tx_filter f = {.after = w->m.last_tx, .limit = 1};
  e = svc_tx_list(w->s, &ADMIN, &f, &out, &err);
  assert_int_equal(e, L6_E_OK);
  assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
  json_decref(out);
}

/* The reply's blocks are exactly the planned takes, in order. */
static void check_reply_blocks(world *w, json_t *body, const m_take *t, size_t n, int64_t qty) {
  assert_non_null(body);
  if (json_integer_value(json_object_get(body, "quantity")) != qty)
    fail_msg("step %ld (%s): reply quantity %lld, model %lld", w->step, w->what,
             (long long)json_integer_value(json_object_get(body, "quantity")), (long long)qty);
  json_t *blocks = json_object_get(body, "blocks");
  if (json_array_size(blocks) != n)
    fail_msg("step %ld (%s): reply has %zu blocks, model plans %zu", w->step, w->what, json_array_size(blocks), n);
  for (size_t i = 0; i < n; i++) {
    json_t *b = json_array_get(blocks, i);
    if (json_integer_value(json_object_get(b, "batch")) != w->m.b[t[i].b].id ||
        json_integer_value(json_object_get(b, "first")) != t[i].first ||
        json_integer_value(json_object_get(b, "last")) != t[i].last)
      fail_msg("step %ld (%s): reply block %zu is batch %lld [%lld,%lld], model batch %lld [%lld,%lld]", w->step,
               w->what, i, (long long)json_integer_value(json_object_get(b, "batch")),
               (long long)json_integer_value(json_object_get(b, "first")),
               (long long)json_integer_value(json_object_get(b, "last")), (long long)w->m.b[t[i].b].id,
               (long long)t[i].first, (long long)t[i].last);
  }
}

/* ====================================================================== */
/* Fixtures                                                                */
/* ====================================================================== */

static l6_id make_account(world *w, l6_id org, l6_account_type t, const char *name) {
  l6_account a = {.org = org, .type = t};
  snprintf(a.registry, sizeof a.registry, "CHE01");
  snprintf(a.name, sizeof a.name, "%s", name);
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok_json(svc_account_create(w->s, &ADMIN, &a, &out, &err), &out, &err, name);
  return a.id;
}

static void setup_world(world *w) {
  l6_error err = {0};
  json_t *out = NULL;
  if (tl_store_make(&w->where, "model", 1) != 0) fail_msg("cannot make a store");
  l6_store *st = tl_store_open(&w->where);
  if (st == NULL) fail_msg("cannot open store %s", w->where.spec);
  w->s = svc_open(st, 2, &err);
  if (w->s) svc_store(w->s)->tx_only = false; /* this test reads the store directly between service calls */
  assert_non_null(w->s);
  w->st = st;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  tl_ok_json(svc_party_create(w->s, &ADMIN, &p, &out, &err), &out, &err, "party");
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Test registry"};
  tl_ok_json(svc_registry_create(w->s, &ADMIN, &r, &out, &err), &out, &err, "registry");
  const char *progs[] = {"P1", "P2"};
  for (size_t i = 0; i < 2; i++) {
    l6_programme pr = {.kind = "voluntary"};
    snprintf(pr.code, sizeof pr.code, "%s", progs[i]);
    snprintf(pr.name, sizeof pr.name, "Programme %s", progs[i]);
    tl_ok_json(svc_programme_create(w->s, &ADMIN, &pr, &out, &err), &out, &err, "programme");
  }
  for (size_t i = 0; i < NUT; i++) {
    l6_unit_type u = {0};
    snprintf(u.code, sizeof u.code, "%s", UTYPES[i].code);
    snprintf(u.programme, sizeof u.programme, "%s", UTYPES[i].programme);
    snprintf(u.name, sizeof u.name, "Unit %s", UTYPES[i].code);
    tl_ok_json(svc_unit_type_create(w->s, &ADMIN, &u, &out, &err), &out, &err, "unit type");
  }
  for (size_t i = 0; i < NPROJ; i++) {
    l6_project pj = {.host = "CHE",
                     .title = "Project",
                     .methodology = "M1",
                     .sector = "energy",
                     .kind = "avoidance",
                     .crediting_start = "2015-01-01",
                     .crediting_end = "2030-12-31"};
    snprintf(pj.id, sizeof pj.id, "%s", PROJECTS[i].id);
    snprintf(pj.programme, sizeof pj.programme, "%s", PROJECTS[i].programme);
    snprintf(pj.status, sizeof pj.status, "%s", PROJECTS[i].status);
    tl_ok_json(svc_project_create(w->s, &ADMIN, &pj, &out, &err), &out, &err, "project");
  }
  l6_org o1 = {.registry = "CHE01", .name = "Org one"}, o2 = {.registry = "CHE01", .name = "Org two"};
  tl_ok_json(svc_org_create(w->s, &ADMIN, &o1, &out, &err), &out, &err, "org");
  tl_ok_json(svc_org_create(w->s, &ADMIN, &o2, &out, &err), &out, &err, "org");

  model *m = &w->m;
  l6_account acc;
  const l6_account_type regs[3] = {L6_ACCT_PENDING, L6_ACCT_RETIREMENT, L6_ACCT_CANCELLATION};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(st->ops->account_of_registry(st, "CHE01", regs[i], &acc, &err), L6_E_OK);
    m->acc[i] = (m_account){acc.id, regs[i], L6_STATUS_OPEN};
  }
  m->acc[A_H1] = (m_account){make_account(w, o1.id, L6_ACCT_HOLDING, "H1"), L6_ACCT_HOLDING, L6_STATUS_OPEN};
  m->acc[A_H2] = (m_account){make_account(w, o1.id, L6_ACCT_HOLDING, "H2"), L6_ACCT_HOLDING, L6_STATUS_OPEN};
  m->acc[A_H3] = (m_account){make_account(w, o2.id, L6_ACCT_HOLDING, "H3"), L6_ACCT_HOLDING, L6_STATUS_OPEN};
  m->acc[A_T1] = (m_account){make_account(w, o2.id, L6_ACCT_TRADING, "T1"), L6_ACCT_TRADING, L6_STATUS_OPEN};
  m->acc[A_BUF] = (m_account){make_account(w, 0, L6_ACCT_BUFFER, "Buffer"), L6_ACCT_BUFFER, L6_STATUS_OPEN};
  m->acc[A_CLOSED] = (m_account){make_account(w, o2.id, L6_ACCT_HOLDING, "Closed"), L6_ACCT_HOLDING, L6_STATUS_CLOSED};
  tl_ok_json(svc_account_set_status(w->s, &ADMIN, m->acc[A_CLOSED].id, L6_STATUS_CLOSED, &out, &err), &out, &err, "close");
  m->last_tx = 0;
  w->bv = (blockvec){0};
}

static void teardown_world(world *w) {
  for (size_t i = 0; i < w->m.nb; i++) free(w->m.b[i].owner);
  free(w->m.b);
  free(w->m.order);
  for (size_t i = 0; i < RING; i++) json_decref(w->m.ring[i].body);
  free(w->bv.v);
  svc_close(w->s);
  tl_store_free(&w->where);
}

/* ====================================================================== */
/* Random operations                                                       */
/* ====================================================================== */

static bool chance(world *w, int percent) { return (int)tl_rng_below(&w->rng, 1000) < percent * 10; }
static bool permille(world *w, int pm) { return (int)tl_rng_below(&w->rng, 1000) < pm; }
static int64_t rnd(world *w, int64_t lo, int64_t hi) { return tl_rng_range(&w->rng, lo, hi); }

/* A random account id: mostly real accounts, sometimes a bogus id. */
static l6_id any_account_id(world *w) {
  if (permille(w, 15)) return permille(w, 500) ? 0 : 999999;
  return w->m.acc[rnd(w, 0, NACC - 1)].id;
}

/* A source for a move: mostly a non-terminal account holding units. */
static int pick_source(world *w) {
  if (!chance(w, 88)) return (int)rnd(w, 0, NACC - 1);
  int cand[NACC], n = 0;
  for (int a = 0; a < NACC; a++)
    if (!terminal(w->m.acc[a].type) && w->m.total[a] > 0) cand[n++] = a;
  return n ? cand[rnd(w, 0, n - 1)] : A_PENDING;
}

/* A random batch index where account a holds units, or -1. */
static long held_batch(world *w, int a) {
  model *m = &w->m;
  if (m->nb == 0 || m->total[a] == 0) return -1;
  for (int tries = 0; tries < 40; tries++) {
    size_t bi = (size_t)rnd(w, 0, (int64_t)m->nb - 1);
    if (m->b[bi].held[a] > 0) return (long)bi;
  }
  size_t off = (size_t)rnd(w, 0, (int64_t)m->nb - 1);
  for (size_t k = 0; k < m->nb; k++) {
    size_t bi = (off + k) % m->nb;
    if (m->b[bi].held[a] > 0) return (long)bi;
  }
  return -1;
}

/* A random sub-range of a run account a holds in batch bi. */
static l6_range held_range(world *w, size_t bi, int a) {
  const m_batch *b = &w->m.b[bi];
  int64_t i = rnd(w, 0, b->qty - 1);
  while (b->owner[i] != a) i = (i + 1) % b->qty;
  int64_t lo = i, hi = i;
  while (lo > 0 && b->owner[lo - 1] == a) lo--;
  while (hi + 1 < b->qty && b->owner[hi + 1] == a) hi++;
  int64_t first, last;
  if (chance(w, 30)) {
    first = lo;
    last = hi; /* the whole run */
  } else {
    first = rnd(w, lo, hi);
    int64_t len = chance(w, 50) ? rnd(w, 1, 10) : rnd(w, 1, hi - first + 1);
    last = first + len - 1 > hi ? hi : first + len - 1;
  }
  return (l6_range){b->id, b->start + first, b->start + last};
}

static void fill_idem(world *w, l6_idem *id) {
  memset(id, 0, sizeof *id);
  if (!chance(w, 10)) return;
  snprintf(id->key, sizeof id->key, "key-%ld", w->step);
  snprintf(id->hash, sizeof id->hash, "hash-%llx", (unsigned long long)tl_rng_next(&w->rng));
}

static void gen_issue(world *w, l6_issue_req *r) {
  memset(r, 0, sizeof *r);
  snprintf(r->registry, sizeof r->registry, "%s", permille(w, 10) ? "ZZZ01" : "CHE01");
  int pj = permille(w, 30) ? 3 : (int)rnd(w, 0, 2);
  snprintf(r->project, sizeof r->project, "%s", permille(w, 15) ? "NOPE" : PROJECTS[pj].id);
  int ut = strcmp(PROJECTS[pj].programme, "P2") == 0 ? 2 : (int)rnd(w, 0, 1);
  if (permille(w, 30)) ut = (ut == 2) ? 0 : 2; /* the other programme's unit type */
  snprintf(r->unit_type, sizeof r->unit_type, "%s", permille(w, 15) ? "ZZ" : UTYPES[ut].code);
  r->vintage = permille(w, 15) ? 1985 : (int)rnd(w, 2016, 2022);
  r->quantity = rnd(w, 1, 2000);
  if (permille(w, 10)) r->quantity = permille(w, 500) ? 0 : L6_MAX_QUANTITY + 1;
  r->serial_start = chance(w, 50) ? 0 : rnd(w, 1, 1000000);
  if (permille(w, 5)) r->serial_start = -7;
  /* Serials at the very top of the range: the last valid start, and one past it. */
  if (permille(w, 5)) r->serial_start = L6_MAX_SERIAL - r->quantity + (permille(w, 500) ? 1 : 0);
  if (chance(w, 45))
    r->forward_to = w->m.acc[rnd(w, A_H1, A_BUF)].id;
  else if (chance(w, 15))
    r->forward_to = any_account_id(w);
  fill_idem(w, &r->idem);
}

/* A move by quantity (kind set by the caller). */
static void gen_move_qty(world *w, l6_move_req *r, int from) {
  r->from_account = w->m.acc[from].id;
  long bi = held_batch(w, from);
  int ut = bi >= 0 ? w->m.b[bi].ut : (int)rnd(w, 0, NUT - 1);
  if (chance(w, 8)) ut = (int)rnd(w, 0, NUT - 1);
  snprintf(r->unit_type, sizeof r->unit_type, "%s", UTYPES[ut].code);
  if (permille(w, 20)) snprintf(r->unit_type, sizeof r->unit_type, "ZZ");
  if (permille(w, 15)) r->unit_type[0] = '\0';
  int proj = -1, vintage = 0;
  if (bi >= 0 && chance(w, 25))
    vintage = w->m.b[bi].vintage;
  else if (chance(w, 3))
    vintage = (int)rnd(w, 2016, 2022);
  if (bi >= 0 && chance(w, 15)) proj = w->m.b[bi].proj;
  if (proj >= 0) snprintf(r->project, sizeof r->project, "%s", PROJECTS[proj].id);
  r->vintage = vintage;
  int uti = ut_index(r->unit_type);
  int64_t h = uti >= 0 ? model_matching(&w->m, from, uti, proj, vintage) : 0;
  int roll = (int)rnd(w, 0, 99);
  if (h == 0)
    r->quantity = rnd(w, 1, 100);
  else if (roll < 40)
    r->quantity = rnd(w, 1, h < 20 ? h : 20);
  else if (roll < 70)
    r->quantity = rnd(w, 1, h < 400 ? h : 400);
  else if (roll < 92)
    r->quantity = rnd(w, 1, h);
  else if (roll < 98)
    r->quantity = h + rnd(w, 1, 50);
  else
    r->quantity = permille(w, 500) ? -(int64_t)rnd(w, 0, 3) : L6_MAX_QUANTITY + 1;
}

/* A move by explicit ranges (kind set by the caller). */
static void gen_move_ranges(world *w, l6_move_req *r, int from) {
  r->from_account = w->m.acc[from].id;
  /* Rarely one range too many: the array holds L6_MAX_RANGES, so it is
   * filled and nranges set one past it; the service refuses on the count
   * before it reads any range. */
  bool too_many = permille(w, 3);
  size_t want = too_many ? L6_MAX_RANGES : (size_t)rnd(w, 1, chance(w, 10) ? 12 : 3);
  for (size_t i = 0; i < want; i++) {
    l6_range g;
    long bi = held_batch(w, from);
    int roll = (int)rnd(w, 0, 999);
    if (bi >= 0 && roll < 900) {
      g = held_range(w, (size_t)bi, from);
    } else if (roll < 940 && w->m.nb > 0) { /* any range of any batch: usually not held */
      const m_batch *b = &w->m.b[rnd(w, 0, (int64_t)w->m.nb - 1)];
      int64_t f = rnd(w, b->start - 2, b->start + b->qty);
      g = (l6_range){b->id, f, f + rnd(w, 0, 30)};
    } else if (roll < 960) { /* malformed */
      g = (l6_range){bi >= 0 ? w->m.b[bi].id : 1, chance(w, 50) ? 0 : 10, chance(w, 50) ? 5 : 3};
    } else if (roll < 975) { /* unknown batch */
      g = (l6_range){(l6_id)w->m.nb + 1 + rnd(w, 0, 5), 1, 1};
    } else if (i > 0) { /* overlaps the previous range */
      g = r->ranges[i - 1];
      g.last = g.first;
    } else {
      g = (l6_range){1, 1, 1};
    }
    r->ranges[r->nranges++] = g;
  }
  if (too_many) r->nranges = L6_MAX_RANGES + 1;
  if (chance(w, 25) && r->ranges[0].batch >= 1 && (size_t)r->ranges[0].batch <= w->m.nb)
    snprintf(r->unit_type, sizeof r->unit_type, "%s", UTYPES[w->m.b[r->ranges[0].batch - 1].ut].code);
  else if (chance(w, 4))
    snprintf(r->unit_type, sizeof r->unit_type, "%s", UTYPES[rnd(w, 0, NUT - 1)].code);
  if (permille(w, 10)) r->quantity = 5;
}

static void gen_move(world *w, l6_move_req *r, l6_tx_kind kind) {
  memset(r, 0, sizeof *r);
  r->kind = kind;
  int from = pick_source(w);
  if (chance(w, 55))
    gen_move_qty(w, r, from);
  else
    gen_move_ranges(w, r, from);
  if (permille(w, 10)) r->from_account = permille(w, 500) ? 0 : 999999;
  if (kind == L6_TX_TRANSFER) {
    int to = permille(w, 30) ? A_CLOSED : (int)rnd(w, A_H1, A_BUF);
    if (to == from && chance(w, 90)) to = to >= A_BUF ? A_H1 : to + 1;
    r->to_account = chance(w, 90) ? w->m.acc[to].id : any_account_id(w);
  } else {
    int reg = kind == L6_TX_RETIREMENT ? A_RETIRE : A_CANCEL;
    r->to_account = chance(w, 80) ? 0 : chance(w, 50) ? w->m.acc[reg].id : any_account_id(w);
    snprintf(r->beneficiary, sizeof r->beneficiary, "Beneficiary %ld", w->step);
    snprintf(r->purpose, sizeof r->purpose, "voluntary");
    if (kind == L6_TX_RETIREMENT && permille(w, 20)) r->beneficiary[0] = '\0';
    if (kind == L6_TX_RETIREMENT && permille(w, 10)) r->purpose[0] = '\0';
    r->reporting_year = chance(w, 50) ? 2024 : 0;
    if (permille(w, 10)) r->reporting_year = 1800;
    if (kind == L6_TX_CANCELLATION) snprintf(r->claim, sizeof r->claim, "cancelled in step %ld", w->step);
  }
  fill_idem(w, &r->idem);
}

/* ====================================================================== */
/* Steps                                                                   */
/* ====================================================================== */

/* Batches a step names: checked after the step whatever its outcome. */
typedef struct {
  size_t v[L6_MAX_RANGES + MAX_TAKES + 4];
  size_t n;
} touched;

static void touch(touched *t, const model *m, long bi) {
  if (bi < 0 || (size_t)bi >= m->nb) return;
  for (size_t i = 0; i < t->n; i++)
    if (t->v[i] == (size_t)bi) return;
  if (t->n < sizeof t->v / sizeof t->v[0]) t->v[t->n++] = (size_t)bi;
}

static void remember(model *m, bool is_issue, const l6_issue_req *ir, const l6_move_req *mr, json_t *body) {
  m_idem *e = &m->ring[m->ring_next++ % RING];
  json_decref(e->body);
  e->used = true;
  e->is_issue = is_issue;
  if (is_issue)
    e->issue = *ir;
  else
    e->move = *mr;
  e->body = json_incref(body);
}

static long outcome_count[L6_E__COUNT]; /* how often each outcome happened */

static void expect_outcome(world *w, l6_err want, l6_err got, const l6_error *err) {
  if (got >= 0 && got < L6_E__COUNT) outcome_count[got]++;
  if (want != got)
    fail_msg("step %ld (%s): expected %s, got %s (%s)", w->step, w->what, l6_err_code(want), l6_err_code(got),
             got ? err->message : "ok");
}

static void step_issue(world *w, touched *t) {
  l6_issue_req r;
  gen_issue(w, &r);
  snprintf(w->what, sizeof w->what, "issue %s/%s v%d qty %lld start %lld fwd %lld key '%s'", r.project, r.unit_type,
           r.vintage, (long long)r.quantity, (long long)r.serial_start, (long long)r.forward_to, r.idem.key);
  m_pred p;
  int fwd;
  p.e = predict_issue(&w->m, &r, &p, &fwd);
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_issue(w->s, &ADMIN, &r, &rep, &err);
  expect_outcome(w, p.e, e, &err);
  if (e != L6_E_OK) return;
  if (p.replay) {
    assert_true(rep.replayed);
    assert_true(json_equal(rep.body, p.replay->body));
    json_decref(rep.body);
    return;
  }
  assert_false(rep.replayed);
  assert_int_equal(rep.status, 201);
  model *m = &w->m;
  l6_id tx = json_integer_value(json_object_get(rep.body, "id"));
  if (tx != m->last_tx + 1)
    fail_msg("step %ld (%s): issuance is tx %lld, expected %lld", w->step, w->what, (long long)tx,
             (long long)m->last_tx + 1);
  m->last_tx = tx;
  int64_t start = r.serial_start ? r.serial_start : 1;
  size_t bi = model_add_batch(m, (l6_id)m->nb + 1, proj_index(r.project), ut_index(r.unit_type), r.vintage, start,
                              r.quantity, A_PENDING);
  m_take take = {bi, start, start + r.quantity - 1};
  check_reply_blocks(w, rep.body, &take, 1, r.quantity);
  if (r.forward_to) {
    json_t *f = json_object_get(rep.body, "forward");
    if (json_integer_value(json_object_get(f, "id")) != m->last_tx + 1)
      fail_msg("step %ld (%s): forward is tx %lld, expected %lld", w->step, w->what,
               (long long)json_integer_value(json_object_get(f, "id")), (long long)m->last_tx + 1);
    m->last_tx++;
    check_reply_blocks(w, f, &take, 1, r.quantity);
    model_move(m, bi, take.first, take.last, fwd);
  }
  /* The new batch id is the one the model predicted (ids are dense). */
  assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(rep.body, "blocks"), 0), "batch")),
                   m->b[bi].id);
  touch(t, m, (long)bi);
  if (r.idem.key[0]) remember(m, true, &r, NULL, rep.body);
  json_decref(rep.body);
}

static void run_move(world *w, const l6_move_req *r, touched *t) {
  model *m = &w->m;
  m_take *takes = malloc((MAX_TAKES + L6_MAX_RANGES + 1) * sizeof *takes);
  assert_non_null(takes);
  m_pred p = {.takes = takes};
  p.e = predict_move(m, r, &p);
  /* Name every batch the call mentions or would pick from. */
  for (size_t i = 0; i < r->nranges && i < L6_MAX_RANGES; i++) touch(t, m, batch_index(m, r->ranges[i].batch));
  for (size_t i = 0; i < p.ntakes; i++) touch(t, m, (long)p.takes[i].b);
  /* A quantity move refused before (or while) planning: name the first
   * batches its source would give, so "unchanged" is checked where a bad
   * write would most likely land. */
  int from = acc_index(m, r->from_account), ut = ut_index(r->unit_type);
  if (p.e != L6_E_OK && r->nranges == 0 && from >= 0 && ut >= 0) {
    size_t k = 0;
    model_pick(m, from, ut, -1, 0, r->quantity > 0 && r->quantity < L6_MAX_QUANTITY ? r->quantity : 1, takes, &k);
    for (size_t i = 0; i < k && i < 16; i++) touch(t, m, (long)takes[i].b);
  }
  l6_reply rep;
  l6_error err = {0};
  l6_err e = svc_move(w->s, &ADMIN, r, &rep, &err);
  expect_outcome(w, p.e, e, &err);
  if (e == L6_E_OK && p.replay) {
    assert_true(rep.replayed);
    if (!json_equal(rep.body, p.replay->body))
      fail_msg("step %ld (%s): replay differs from the first reply", w->step, w->what);
    json_decref(rep.body);
  } else if (e == L6_E_OK) {
    assert_false(rep.replayed);
    assert_int_equal(rep.status, 201);
    l6_id tx = json_integer_value(json_object_get(rep.body, "id"));
    if (tx != m->last_tx + 1)
      fail_msg("step %ld (%s): move is tx %lld, expected %lld", w->step, w->what, (long long)tx,
               (long long)m->last_tx + 1);
    m->last_tx = tx;
    check_reply_blocks(w, rep.body, p.takes, p.ntakes, p.qty);
    assert_int_equal(json_integer_value(json_object_get(rep.body, "from_account")), m->acc[p.from].id);
    assert_int_equal(json_integer_value(json_object_get(rep.body, "to_account")), m->acc[p.to].id);
    for (size_t i = 0; i < p.ntakes; i++) model_move(m, p.takes[i].b, p.takes[i].first, p.takes[i].last, p.to);
    if (r->idem.key[0]) remember(m, false, NULL, r, rep.body);
    json_decref(rep.body);
  } else {
    assert_null(rep.body);
  }
  free(takes);
}

static void describe_move(world *w, const l6_move_req *r) {
  int n = snprintf(w->what, sizeof w->what,
                   "%s %lld->%lld ut '%s' proj '%s' v%d qty %lld key '%s' ranges %zu:", l6_tx_kind_str(r->kind),
                   (long long)r->from_account, (long long)r->to_account, r->unit_type, r->project, r->vintage,
                   (long long)r->quantity, r->idem.key, r->nranges);
  for (size_t i = 0; i < r->nranges && i < 6 && n > 0 && (size_t)n < sizeof w->what; i++)
    n += snprintf(w->what + n, sizeof w->what - (size_t)n, " %lld[%lld,%lld]", (long long)r->ranges[i].batch,
                  (long long)r->ranges[i].first, (long long)r->ranges[i].last);
}

static void step_move(world *w, l6_tx_kind kind, touched *t) {
  l6_move_req *r = malloc(sizeof *r);
  assert_non_null(r);
  gen_move(w, r, kind);
  describe_move(w, r);
  run_move(w, r, t);
  free(r);
}

/* Replays a remembered idempotent request, unchanged or with another hash. */
static void step_replay(world *w, touched *t) {
  model *m = &w->m;
  m_idem *e = &m->ring[rnd(w, 0, RING - 1)];
  if (!e->used) {
    step_move(w, L6_TX_TRANSFER, t);
    return;
  }
  bool conflict = chance(w, 30);
  if (e->is_issue) {
    l6_issue_req r = e->issue;
    if (conflict) snprintf(r.idem.hash, sizeof r.idem.hash, "other-%ld", w->step);
    snprintf(w->what, sizeof w->what, "replay issue key '%s'%s", r.idem.key, conflict ? " (conflict)" : "");
    m_pred p;
    int fwd;
    p.e = predict_issue(m, &r, &p, &fwd);
    l6_reply rep;
    l6_error err = {0};
    l6_err got = svc_issue(w->s, &ADMIN, &r, &rep, &err);
    expect_outcome(w, p.e, got, &err);
    if (got == L6_E_OK) {
      assert_non_null(p.replay);
      assert_true(rep.replayed);
      assert_true(json_equal(rep.body, e->body));
      json_decref(rep.body);
    }
    touch(t, m,
          batch_index(
              m, json_integer_value(json_object_get(json_array_get(json_object_get(e->body, "blocks"), 0), "batch"))));
  } else {
    l6_move_req *r = malloc(sizeof *r);
    assert_non_null(r);
    *r = e->move;
    if (conflict) snprintf(r->idem.hash, sizeof r->idem.hash, "other-%ld", w->step);
    describe_move(w, r);
    strncat(w->what, conflict ? " (replay, conflict)" : " (replay)", sizeof w->what - strlen(w->what) - 1);
    run_move(w, r, t);
    free(r);
  }
}

/*
 * Blocks, unblocks, reopens or tries to close an account. At most one
 * account is blocked at a time (about a third of the run), so blocked
 * accounts are exercised without starving the other operations.
 */
static void step_status(world *w) {
  model *m = &w->m;
  int blocked = -1;
  for (int a = 0; a < NACC; a++)
    if (m->acc[a].status == L6_STATUS_BLOCKED) blocked = a;
  int a;
  l6_account_status want;
  int roll = (int)rnd(w, 0, 99);
  if (blocked >= 0 && roll < 80) {
    a = blocked;
    want = L6_STATUS_OPEN;
  } else if (blocked < 0 && roll < 40) {
    a = (int)rnd(w, 0, A_BUF);
    want = L6_STATUS_BLOCKED;
  } else if (roll < 88) { /* a closed account cannot be reopened or blocked */
    a = A_CLOSED;
    want = chance(w, 50) ? L6_STATUS_OPEN : L6_STATUS_BLOCKED;
  } else if (roll < 94) { /* closing an account that holds units */
    a = (int)rnd(w, 0, A_BUF);
    if (m->total[a] == 0) a = A_CLOSED; /* closing a closed account again is allowed */
    want = L6_STATUS_CLOSED;
  } else { /* opening an open account: allowed, changes nothing */
    a = (int)rnd(w, 0, A_BUF);
    want = m->acc[a].status;
  }
  snprintf(w->what, sizeof w->what, "set status of account %lld to %s", (long long)m->acc[a].id,
           l6_account_status_str(want));
  l6_err pred = L6_E_OK;
  if (m->acc[a].status == L6_STATUS_CLOSED && want != L6_STATUS_CLOSED)
    pred = L6_E_ACCOUNT_CLOSED;
  else if (want == L6_STATUS_CLOSED && m->total[a] > 0)
    pred = L6_E_ACCOUNT_NOT_EMPTY;
  json_t *out = NULL;
  l6_error err = {0};
  l6_err e = svc_account_set_status(w->s, &ADMIN, m->acc[a].id, want, &out, &err);
  expect_outcome(w, pred, e, &err);
  if (e == L6_E_OK) {
    assert_string_equal(json_string_value(json_object_get(out, "status")), l6_account_status_str(want));
    m->acc[a].status = want;
  }
  json_decref(out);
}

/* One random step. */
static void step(world *w) {
  touched t = {.n = 0};
  int roll = (int)rnd(w, 0, 999);
  if (roll < 70)
    step_issue(w, &t);
  else if (roll < 620)
    step_move(w, L6_TX_TRANSFER, &t);
  else if (roll < 820)
    step_move(w, L6_TX_RETIREMENT, &t);
  else if (roll < 950)
    step_move(w, L6_TX_CANCELLATION, &t);
  else if (roll < 980)
    step_replay(w, &t);
  else
    step_status(w);
  for (size_t i = 0; i < t.n; i++) {
    check_svc_batch(w, w->m.b[t.v[i]].id);
    check_batch_blocks(w, t.v[i]);
  }
}

static long ops_wanted(void) {
  const char *env = getenv("L6_MODEL_OPS");
  long n = env && env[0] ? strtol(env, NULL, 10) : DEFAULT_OPS;
  return n > 0 ? n : DEFAULT_OPS;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_model_random(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  tl_rng_init(&w->rng, 0x6d6f64656cULL);
  setup_world(w);
  memset(outcome_count, 0, sizeof outcome_count);
  long n = ops_wanted();
  double t0 = now_s();
  double tfull = 0, tlast = t0;
  for (w->step = 1; w->step <= n; w->step++) {
    step(w);
    double a = now_s();
    if (w->step % FULL_EVERY == 0) {
      check_everything(w, false);
    } else if (w->step % PARTITION_EVERY == 0) {
      l6_error err = {0};
      l6_err e = svc_check(w->s, 0, &err);
      if (e != L6_E_OK) fail_msg("step %ld: svc_check(all): %s", w->step, err.message);
    }
    tfull += now_s() - a;
    if (getenv("L6_MODEL_TRACE") && w->step % 10000 == 0) {
      fprintf(stderr, "step %ld: %.2f s for the last 10000, full checks so far %.2f s\n", w->step, now_s() - tlast,
              tfull);
      tlast = now_s();
    }
  }
  check_everything(w, true);
  int64_t live = 0;
  size_t blocks = 0;
  for (int a = 0; a < NACC; a++) {
    if (!terminal(w->m.acc[a].type)) live += w->m.total[a];
  }
  for (int a = 0; a < NACC; a++) {
    check_account_blocks(w, a);
    blocks += w->bv.n;
  }
  fprintf(stderr, "test_model: %ld operations, %lld transactions, %zu batches, %zu blocks, %lld live units, %.1f s\n",
          n, (long long)w->m.last_tx, w->m.nb, blocks, (long long)live, now_s() - t0);
  for (int e = 0; e < L6_E__COUNT; e++)
    if (outcome_count[e]) fprintf(stderr, "  %-22s %ld\n", l6_err_code((l6_err)e), outcome_count[e]);
  teardown_world(w);
  free(w);
}

/* Runs one hand-made move through the model and the service (run_move
 * fails unless the outcome is the model's prediction); that outcome must
 * also be the code the test expects, so a wrong model cannot pass. */
static void scripted_move(world *w, const l6_move_req *r, l6_err want) {
  touched t = {.n = 0};
  describe_move(w, r);
  memset(outcome_count, 0, sizeof outcome_count);
  run_move(w, r, &t);
  if (outcome_count[want] != 1) fail_msg("%s: expected %s", w->what, l6_err_code(want));
  for (size_t i = 0; i < t.n; i++) check_batch_blocks(w, t.v[i]);
}

/*
 * The limits of one move, which the random stream rarely reaches: exactly
 * L6_MAX_RANGES explicit ranges pass and one more is refused; a pick that
 * needs exactly L6_MAX_BLOCKS_PER_TX blocks passes and one that needs one
 * more is refused with TOO_MANY_RANGES, not INSUFFICIENT_HOLDINGS.
 */
static void test_model_move_limits(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  tl_rng_init(&w->rng, 0x6c696d6974ULL);
  setup_world(w);
  model *m = &w->m;
  /* 3000 units of UA to H1, then every even serial to H2: 1500 blocks each. */
  l6_issue_req ir = {.registry = "CHE01",
                     .project = "PRJ.A",
                     .unit_type = "UA",
                     .vintage = 2020,
                     .quantity = 3000,
                     .forward_to = m->acc[A_H1].id};
  l6_reply rep;
  l6_error err = {0};
  assert_int_equal(svc_issue(w->s, &ADMIN, &ir, &rep, &err), L6_E_OK);
  json_decref(rep.body);
  size_t bi = model_add_batch(m, 1, 0, 0, 2020, 1, 3000, A_PENDING);
  model_move(m, bi, 1, 3000, A_H1);
  m->last_tx = 2;
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  int64_t serial = 2;
  while (serial <= 3000) {
    memset(r, 0, sizeof *r);
    r->kind = L6_TX_TRANSFER;
    r->from_account = m->acc[A_H1].id;
    r->to_account = m->acc[A_H2].id;
    for (; serial <= 3000 && r->nranges < L6_MAX_RANGES; serial += 2)
      r->ranges[r->nranges++] = (l6_range){1, serial, serial};
    scripted_move(w, r, L6_E_OK);
  }
  /* One range too many. */
  r->nranges = L6_MAX_RANGES + 1;
  scripted_move(w, r, L6_E_TOO_MANY_RANGES);
  /* H1 now holds 1500 single-serial blocks. */
  memset(r, 0, sizeof *r);
  r->kind = L6_TX_TRANSFER;
  r->from_account = m->acc[A_H1].id;
  r->to_account = m->acc[A_H3].id;
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  r->quantity = L6_MAX_BLOCKS_PER_TX + 1;
  scripted_move(w, r, L6_E_TOO_MANY_RANGES);
  r->quantity = L6_MAX_BLOCKS_PER_TX;
  scripted_move(w, r, L6_E_OK);
  /* 476 blocks left: one unit more than that is simply not there. */
  r->quantity = 477;
  scripted_move(w, r, L6_E_INSUFFICIENT_HOLDINGS);
  r->quantity = 476;
  scripted_move(w, r, L6_E_OK);
  w->step = 0;
  check_everything(w, true);
  free(r);
  teardown_world(w);
  free(w);
}

int main(void) {
  tl_seed();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_model_move_limits),
      cmocka_unit_test(test_model_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
