/*
 * cycle.c -- the project cycle under crediting mechanisms; see cycle.h
 * (service) for the contract and src/core/cycle.h for the state machine.
 *
 * Every public function has service.c's shape: check the actor, lock and
 * begin, read and validate, write, record the step, commit or roll back.
 * The mechanism's definition (mechanism.c) supplies every rule: who does
 * a step, which documents it needs, eligibility, deadlines, levies,
 * splits; nothing here tests a mechanism's code.
 *
 * Issuance (the issue step, accepted) in one store transaction:
 *   1. levies of the certified quantity N (core/levy.c): SOP, OMGE, and
 *      for removals the buffer, each to its account type in the activity's
 *      registry;
 *   2. the rest split between the Parties' registries (bilateral
 *      mechanisms; else all to the activity's registry), with the
 *      third-party developer rule;
 *   3. one issuance batch per registry that receives units, into its
 *      pending account, serials from 1;
 *   4. from the activity registry's batch, the lowest serials go to the
 *      SOP account (transfer), then OMGE (cancellation), then the buffer
 *      (transfer); each registry's remaining serials are forwarded per
 *      the participant's instructions for that registry (split by their
 *      shares) or stay in its pending account.
 * Every part is a transaction of the ledger like any other, and the parts
 * add up to N (asserted).
 */
#include "cycle.h"
#include "ldc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/ledger.h"
#include "../core/levy.h"
#include "cycle_int.h"
#include "cycle_data.h"
#include "mechanism.h"
#include "service_int.h"
#include "tlog.h"
#include "views.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* ---- small helpers ---------------------------------------------------- */

static void today(l6_svc *s, char out[11]) { date_from_days(svc__now_ms(s) / 86400000, out); }

static l6_err need_text(const char *field, const char *v, size_t max, l6_error *err) {
  if (v == NULL || v[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "%s is required", field);
  if (!l6_valid_text(v, max)) return l6_fail(err, L6_E_INVALID_VALUE, "%s must be 1-%zu printable characters", field, max);
  return L6_E_OK;
}

static l6_err need_date(const char *field, const char *v, l6_error *err) {
  if (v == NULL || v[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "%s is required", field);
  if (!l6_valid_date(v)) return l6_fail(err, L6_E_INVALID_VALUE, "%s must be a date YYYY-MM-DD", field);
  return L6_E_OK;
}

static bool valid_hex64(const char *h) {
  if (strlen(h) != 64) return false;
  for (int i = 0; i < 64; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return false;
  return true;
}

static bool valid_doc_type(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > L6_DOC_TYPE_MAX || s[0] == '-' || s[n - 1] == '-') return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
  return true;
}

/* Media types: type "/" subtype, each [A-Za-z0-9!#$&^_.+-]. */
static bool valid_media_type(const char *s) {
  size_t n = strlen(s), slash = 0, nslash = 0;
  if (n < 3 || n > L6_MEDIA_TYPE_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '/') {
      slash = i;
      nslash++;
      continue;
    }
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("!#$&^_.+-", ch)))
      return false;
  }
  return nslash == 1 && slash > 0 && slash < n - 1;
}

static l6_err mech_of(l6_svc *s, const char *code, const l6_mech **out, l6_error *err) {
  *out = mech_find(svc__mechs(s), code);
  if (*out == NULL)
    return l6_fail(err, L6_E_UNKNOWN_MECHANISM, "no mechanism '%.40s' is loaded (config/mechanisms)", code);
  return L6_E_OK;
}

static l6_role token_role(l6_mrole r) {
  switch (r) {
  case L6_MROLE_PARTICIPANT: return L6_ROLE_HOLDER;
  case L6_MROLE_VALIDATOR: return L6_ROLE_VALIDATOR;
  case L6_MROLE_AUTHORITY: return L6_ROLE_AUTHORITY;
  case L6_MROLE_MECHANISM_ADMIN: return L6_ROLE_MECHANISM_ADMIN;
  default: return L6_ROLE__NONE;
  }
}

/* The Party of an organisation: its registry's Party. */
static l6_err party_of_org(l6_svc *s, l6_id org, char party[4], l6_error *err) {
  l6_org o;
  l6_registry r;
  l6_err e = OPS->org_get(ST, org, &o, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, o.registry, &r, err);
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  return e;
}

/* The activity, its project and its mechanism, as one step sees them. */
typedef struct {
  l6_activity act;
  l6_project proj;
  const l6_mech *m;
} cyc;

/*
 * May actor a perform step st of mechanism m on the activity (act->org 0:
 * not yet created; the participant is then the actor's organisation)?
 * host and scope are the activity's.
 */
static l6_err may_act(l6_svc *s, const l6_mech *m, l6_step st, const l6_actor *a, const l6_activity *act,
                      const char *host, const char *scope, l6_error *err) {
  const l6_mech_step *ms = &m->steps[st];
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != token_role(ms->role))
    return l6_fail(err, L6_E_FORBIDDEN, "step '%s' of %s is done by the %s; %s %s token may not do it", l6_step_str(st),
                   m->code, l6_mrole_str(ms->role), l6_article(l6_role_str(a->role)), l6_role_str(a->role));
  switch (ms->role) {
  case L6_MROLE_PARTICIPANT:
    if (act->org && a->org != act->org)
      return l6_fail(err, L6_E_FORBIDDEN, "activity %s belongs to organisation %lld", act->project, (long long)act->org);
    return L6_E_OK;
  case L6_MROLE_VALIDATOR: {
    bool ok = false;
    l6_err e = OPS->accreditation_has(ST, a->org, m->code, scope, &ok, err);
    if (e != L6_E_OK) return e;
    if (!ok)
      return l6_fail(err, L6_E_NOT_ACCREDITED, "organisation %lld is not accredited for %s, sectoral scope %s",
                     (long long)a->org, m->code, scope);
    if (a->org == act->org)
      return l6_fail(err, L6_E_FORBIDDEN, "a validator may not validate or verify its own organisation's activity");
    return L6_E_OK;
  }
  case L6_MROLE_AUTHORITY: {
    char party[4];
    l6_err e = party_of_org(s, a->org, party, err);
    if (e != L6_E_OK) return e;
    if (strcmp(party, host) != 0)
      return l6_fail(err, L6_E_FORBIDDEN, "the authority of %s may act only for activities hosted by %s; this one is hosted by %s",
                     party, party, host);
    return L6_E_OK;
  }
  default: return L6_E_OK; /* the mechanism administrator */
  }
}

/* Checks a step's documents: every named one registered, every type the
 * step requires present. *arr gets the record's documents (new reference). */
static l6_err check_docs(l6_svc *s, const l6_mech *m, l6_step st, const l6_doc_ref *docs, size_t n, json_t **arr,
                         l6_error *err) {
  *arr = json_array();
  if (*arr == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  if (n > L6_MAX_STEP_DOCS) return l6_fail(err, L6_E_INVALID_VALUE, "at most %d documents per step", L6_MAX_STEP_DOCS);
  for (size_t i = 0; i < n; i++) {
    if (!valid_doc_type(docs[i].type))
      return l6_fail(err, L6_E_INVALID_VALUE, "documents[%zu]: type must be [a-z0-9-], 1-%d", i, L6_DOC_TYPE_MAX);
    if (!valid_hex64(docs[i].sha256))
      return l6_fail(err, L6_E_INVALID_VALUE, "documents[%zu]: sha256 must be 64 lower-case hex digits", i);
    l6_doc d;
    l6_err e = OPS->doc_get(ST, docs[i].sha256, &d, NULL, err);
    if (e == L6_E_UNKNOWN_DOCUMENT)
      return l6_fail(err, e, "documents[%zu]: no document %s is registered (POST /v1/documents)", i, docs[i].sha256);
    if (e != L6_E_OK) return e;
    json_array_append_new(*arr, json_pack("{s:s, s:s, s:I, s:s}", "type", docs[i].type, "sha256", d.hash, "size",
                                          (json_int_t)d.size, "media_type", d.media_type));
  }
  const l6_mech_step *ms = &m->steps[st];
  for (size_t k = 0; k < ms->ndocs; k++) {
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) found = strcmp(docs[i].type, ms->docs[k]) == 0;
    if (!found)
      return l6_fail(err, L6_E_MISSING_DOCUMENT, "step '%s' of %s needs a document of type '%s'", l6_step_str(st),
                     m->code, ms->docs[k]);
  }
  return L6_E_OK;
}

/* JSON text of v into dst (cap bytes); INTERNAL when it does not fit. */
static l6_err json_text(const json_t *v, char *dst, size_t cap, l6_error *err) {
  char *t = json_dumps(v, JSON_COMPACT);
  if (t == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t len = strlen(t);
  if (len >= cap) {
    free(t);
    return l6_fail(err, L6_E_INTERNAL, "a step record of %zu bytes exceeds %zu", len, cap - 1);
  }
  memcpy(dst, t, len + 1);
  free(t);
  return L6_E_OK;
}

static json_t *parse_text(const char *text) {
  json_t *v = json_loads(text, 0, NULL);
  return v ? v : json_null();
}

static json_t *view_activity(const l6_activity *a, const l6_project *p) {
  json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", a->project,
                        "mechanism", a->mechanism, "organisation", (json_int_t)a->org, "registry", a->registry, "scope",
                        a->scope, "state", a->state, "host", p->host, "title", p->title, "methodology", p->methodology,
                        "sector", p->sector, "kind", p->kind, "crediting_start", p->crediting_start, "crediting_end",
                        p->crediting_end, "updated", a->updated);
  if (o == NULL) return NULL;
  json_object_set_new(o, "rejected_step", a->rejected_step[0] ? json_string(a->rejected_step) : json_null());
  json_object_set_new(o, "transition_from", a->transition_from[0] ? json_string(a->transition_from) : json_null());
  json_object_set_new(o, "requested_on", a->requested_on[0] ? json_string(a->requested_on) : json_null());
  json_object_set_new(o, "ets_covered", json_boolean(a->ets_covered));
  json_object_set_new(o, "issued", json_integer(a->issued));
  json_object_set_new(o, "replacement_due", json_integer(a->replacement_due));
  return o;
}

static json_t *view_period(const l6_period *p) {
  json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I}", "period", p->seq, "start", p->start, "end", p->end,
                        "state", p->state, "calculator", p->calculator, "reported", (json_int_t)p->reported,
                        "certified", (json_int_t)p->certified);
  if (o == NULL) return NULL;
  json_object_set_new(o, "rejected_step", p->rejected_step[0] ? json_string(p->rejected_step) : json_null());
  json_object_set_new(o, "inputs", parse_text(p->inputs));
  json_object_set_new(o, "forward", parse_text(p->forward));
  return o;
}

static json_t *view_step(const l6_step_rec *r) {
  json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "activity",
                        r->project, "period", r->period ? json_integer(r->period) : json_null(), "step", r->step,
                        "decision", r->decision[0] ? json_string(r->decision) : json_null(), "from_state",
                        r->from_state[0] ? json_string(r->from_state) : json_null(), "to_state", r->to_state, "actor",
                        r->actor, "role", r->role, "timestamp", r->ts, "mechanism_hash", r->mechanism_hash);
  if (o == NULL) return NULL;
  json_object_set_new(o, "documents", parse_text(r->documents));
  json_object_set_new(o, "detail", parse_text(r->detail));
  return o;
}

/* Appends the step record; *rec is filled (rec->id set). docs and detail
 * are borrowed. */
static l6_err record(l6_svc *s, const l6_actor *a, const l6_mech *m, const char *project, int period, l6_step st,
                     l6_decision d, l6_cstate from, l6_cstate to, const json_t *docs, const json_t *detail,
                     l6_step_rec *rec, l6_error *err) {
  memset(rec, 0, sizeof *rec);
  snprintf(rec->project, sizeof rec->project, "%s", project);
  rec->period = period;
  snprintf(rec->step, sizeof rec->step, "%s", l6_step_str(st));
  snprintf(rec->decision, sizeof rec->decision, "%s", l6_decision_str(d));
  snprintf(rec->from_state, sizeof rec->from_state, "%s", l6_cstate_str(from));
  snprintf(rec->to_state, sizeof rec->to_state, "%s", l6_cstate_str(to));
  snprintf(rec->actor, sizeof rec->actor, "%s", a->name);
  snprintf(rec->role, sizeof rec->role, "%s", l6_mrole_str(m->steps[st].role));
  svc__timestamp(s, rec->ts);
  snprintf(rec->mechanism_hash, sizeof rec->mechanism_hash, "%s", m->hash);
  l6_err e = json_text(docs, rec->documents, sizeof rec->documents, err);
  if (e == L6_E_OK) e = json_text(detail, rec->detail, sizeof rec->detail, err);
  if (e == L6_E_OK) e = OPS->step_put(ST, rec, err);
  return e;
}

/* WRONG_STATE for period steps of an activity that is not registered. */
static l6_err activity_not_registered(const l6_activity *act, l6_error *err) {
  l6_err e = l6_fail(err, L6_E_WRONG_STATE, "activity %s is '%s'; monitoring periods need it 'registered'",
                     act->project, act->state);
  snprintf(err->expected, sizeof err->expected, "%s", l6_cstate_str(L6_CS_REGISTERED));
  return e;
}

l6_err svc__not_in_cycle(l6_svc *s, const char *project, l6_error *err) {
  l6_activity act;
  l6_error sub;
  l6_err e = OPS->activity_get(ST, project, &act, &sub);
  if (e == L6_E_UNKNOWN_ACTIVITY) return L6_E_OK;
  if (e != L6_E_OK) return l6_fail(err, e, "%s", sub.message);
  return l6_fail(err, L6_E_CYCLE_MANAGED, "project %s is in the cycle of %s; its units are issued by the cycle's issue step",
                 project, act.mechanism);
}

/* ---- ledger pieces ---------------------------------------------------- */

/* A new transaction row. */
static l6_err new_tx(l6_svc *s, const l6_actor *a, const char *ts, l6_tx_kind kind, l6_id from, l6_id to, l6_qty q,
                     const char *purpose, const char *claim, l6_tx *tx, l6_error *err) {
  memset(tx, 0, sizeof *tx);
  tx->kind = kind;
  tx->from_account = from;
  tx->to_account = to;
  tx->quantity = q;
  snprintf(tx->ts, sizeof tx->ts, "%s", ts);
  snprintf(tx->actor, sizeof tx->actor, "%s", a->name);
  snprintf(tx->purpose, sizeof tx->purpose, "%s", purpose ? purpose : "");
  snprintf(tx->claim, sizeof tx->claim, "%s", claim ? claim : "");
  return OPS->tx_put(ST, tx, err);
}

/* Issues q units (serials 1..q) of unit_type for project into the pending
 * account of registry: the issuance transaction, the batch, its block and
 * line. */
static l6_err new_batch(l6_svc *s, const l6_actor *a, const char *ts, const char *registry, const char *project,
                        const char *unit_type, int vintage, const l6_period *per, l6_qty q, l6_id *pending, l6_tx *tx,
                        l6_batch *b, l6_error *err) {
  l6_registry reg;
  l6_account acc;
  l6_err e = OPS->registry_get(ST, registry, &reg, err);
  if (e == L6_E_UNKNOWN_REGISTRY) return l6_fail(err, e, "registry %s (named by the mechanism) does not exist", registry);
  if (e != L6_E_OK) return e;
  e = OPS->account_of_registry(ST, registry, L6_ACCT_PENDING, &acc, err);
  if (e == L6_E_UNKNOWN_ACCOUNT || (e == L6_E_OK && acc.status != L6_STATUS_OPEN))
    return l6_fail(err, L6_E_NO_PENDING_ACCOUNT, "registry %s has no open pending account", registry);
  if (e != L6_E_OK) return e;
  *pending = acc.id;
  if ((e = new_tx(s, a, ts, L6_TX_ISSUANCE, 0, acc.id, q, NULL, NULL, tx, err)) != L6_E_OK) return e;
  memset(b, 0, sizeof *b);
  snprintf(b->project, sizeof b->project, "%s", project);
  snprintf(b->unit_type, sizeof b->unit_type, "%s", unit_type);
  snprintf(b->registry, sizeof b->registry, "%s", registry);
  b->vintage = vintage;
  if (per) { /* the monitoring period produced these reductions */
    snprintf(b->production_start, sizeof b->production_start, "%s", per->start);
    snprintf(b->production_end, sizeof b->production_end, "%s", per->end);
  }
  b->serial_start = 1;
  b->quantity = q;
  b->tx = tx->id;
  if ((e = OPS->batch_put(ST, b, err)) != L6_E_OK) return e;
  if ((e = OPS->block_add(ST, acc.id, b->id, 1, q, err)) != L6_E_OK) return e;
  l6_tx_line line = {.tx = tx->id, .batch = b->id, .first = 1, .last = q, .to_account = acc.id};
  return OPS->tx_line_put(ST, &line, err);
}

/* The registry's own open account of type t, for a levy. */
static l6_err levy_account(l6_svc *s, const char *registry, l6_account_type t, const char *what, l6_account *out,
                           l6_error *err) {
  l6_err e = OPS->account_of_registry(ST, registry, t, out, err);
  if (e == L6_E_UNKNOWN_ACCOUNT || (e == L6_E_OK && out->status != L6_STATUS_OPEN))
    return l6_fail(err, L6_E_LEVY_ACCOUNT_MISSING, "registry %s has no open %s account (owned by no organisation) for %s",
                   registry, l6_account_type_str(t), what);
  return e;
}

typedef struct {
  l6_block *blocks;
  size_t n, cap;
  l6_qty need, have;
} pick_buf;

static int pick_row(void *ctx, const void *row) {
  pick_buf *b = ctx;
  if (b->n == b->cap) return 1;
  const l6_block *blk = row;
  b->blocks[b->n++] = *blk;
  b->have += l6_range_qty(blk->first, blk->last);
  return b->have >= b->need;
}

/* Plans taking qty units matching f (oldest vintage first); takes has
 * room for L6_MAX_BLOCKS_PER_TX. INSUFFICIENT_HOLDINGS, TOO_MANY_RANGES. */
static l6_err plan_take(l6_svc *s, const l6_pick_filter *f, l6_qty qty, l6_take *takes, size_t *n, l6_error *err) {
  pick_buf b = {.cap = L6_MAX_BLOCKS_PER_TX + 1, .need = qty};
  b.blocks = malloc(b.cap * sizeof *b.blocks);
  if (b.blocks == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = OPS->block_pick(ST, f, (int)b.cap, pick_row, &b, err);
  if (e == L6_E_OK) e = ledger_pick(b.blocks, b.n, qty, takes, L6_MAX_BLOCKS_PER_TX, n, err);
  free(b.blocks);
  if (e == L6_E_TOO_MANY_RANGES) {
    l6_qty total = 0;
    l6_error sub;
    if (OPS->account_total(ST, f, &total, &sub) == L6_E_OK && total < qty)
      e = l6_fail(err, L6_E_INSUFFICIENT_HOLDINGS, "account %lld holds %lld eligible units, %lld needed",
                  (long long)f->account, (long long)total, (long long)qty);
  }
  return e;
}

/* Moves the takes as the lines of tx (written), through the policy step
 * (move.h) like every move of units. */
static l6_err apply_takes(l6_svc *s, const l6_actor *a, const l6_tx *tx, const l6_take *takes, size_t n, l6_error *err) {
  svc_move_ctx m = {.route = SVC_MOVE_CYCLE, .tx = tx, .takes = takes, .n = n, .actor = a};
  l6_err e = svc__move_units(s, &m, err);
  for (size_t i = 0; i < n && e == L6_E_OK && svc__check_level(s) >= 2; i++) e = svc__check_batch(s, takes[i].batch, err);
  return e;
}

/* Moves q units planned by filter f from `from` to `to` as one
 * transaction of kind; *tx is filled. */
static l6_err take_units(l6_svc *s, const l6_actor *a, const char *ts, l6_tx_kind kind, const l6_pick_filter *f,
                         l6_id to, l6_qty q, const char *purpose, const char *claim, l6_tx *tx, l6_error *err) {
  l6_take *takes = malloc(L6_MAX_BLOCKS_PER_TX * sizeof *takes);
  if (takes == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t n = 0;
  l6_err e = plan_take(s, f, q, takes, &n, err);
  if (e == L6_E_OK) e = new_tx(s, a, ts, kind, f->account, to, q, purpose, claim, tx, err);
  if (e == L6_E_OK) e = apply_takes(s, a, tx, takes, n, err);
  free(takes);
  return e;
}

/* ---- issuance: levies, split, forwarding ------------------------------ */

/* A registry that receives units of one issuance. */
typedef struct {
  char registry[6];
  l6_qty levies;     /* SOP + OMGE + buffer (the activity's registry only) */
  l6_qty shares;     /* its Parties' shares of the rest */
  l6_id pending;
  l6_tx tx;
  l6_batch b;
  int64_t next;      /* next serial of its batch to hand out */
  l6_qty delivered;  /* of its shares, delivered to ex-ante commitments (cycle_data.h) */
} issue_reg;

typedef struct {
  char party[4];
  char registry[6];
  int bp;
  l6_qty q;
} share_plan;

/* The shares of an issuance of the activity: the mechanism's split (the
 * host share resolved to the activity's host and registry), the third-
 * party developer rule applied, or one share of everything to the
 * activity's registry. *third_party says whether the rule applied. */
static l6_err plan_shares(l6_svc *s, const cyc *c, share_plan *sh, size_t *k, bool *third_party, l6_error *err) {
  const l6_mech *m = c->m;
  *third_party = false;
  if (m->nshares == 0) {
    snprintf(sh[0].party, sizeof sh[0].party, "%s", c->proj.host);
    snprintf(sh[0].registry, sizeof sh[0].registry, "%s", c->act.registry);
    sh[0].bp = L6_BP_ONE;
    *k = 1;
    return L6_E_OK;
  }
  for (size_t i = 0; i < m->nshares; i++) {
    bool host = m->shares[i].party[0] == '\0';
    snprintf(sh[i].party, sizeof sh[i].party, "%s", host ? c->proj.host : m->shares[i].party);
    snprintf(sh[i].registry, sizeof sh[i].registry, "%s", host ? c->act.registry : m->shares[i].registry);
    sh[i].bp = m->shares[i].bp;
  }
  *k = m->nshares;
  if (m->third_party < 0) return L6_E_OK;
  char dev[4];
  l6_err e = party_of_org(s, c->act.org, dev, err);
  if (e != L6_E_OK) return e;
  bool party_of_agreement = false;
  for (size_t i = 0; i < *k; i++) party_of_agreement |= strcmp(sh[i].party, dev) == 0;
  int chosen = -1; /* the developer's choice among split.third_party_choice (issue 20), else the file's default */
  if (!party_of_agreement && (e = cdata__tp_choice(s, c->act.project, &chosen, err)) != L6_E_OK) return e;
  if (!party_of_agreement) { /* all to one registry: never split toward a third country */
    sh[0] = sh[chosen >= 0 && (size_t)chosen < *k ? chosen : m->third_party];
    sh[0].bp = L6_BP_ONE;
    *k = 1;
    *third_party = true;
  }
  return L6_E_OK;
}

/* Reads forwarding instructions (JSON text of [{"account","bp"}]) and
 * their accounts. */
static l6_err load_forward(l6_svc *s, const char *text, l6_forward *fw, l6_account *acc, size_t *n, l6_error *err) {
  json_t *arr = json_loads(text, 0, NULL);
  *n = 0;
  if (!json_is_array(arr) || json_array_size(arr) > L6_MAX_FORWARD) {
    json_decref(arr);
    return l6_fail(err, L6_E_INTERNAL, "stored forwarding instructions are malformed");
  }
  size_t i;
  json_t *it;
  l6_err e = L6_E_OK;
  json_array_foreach(arr, i, it) {
    fw[i].account = json_integer_value(json_object_get(it, "account"));
    fw[i].bp = (int)json_integer_value(json_object_get(it, "bp"));
    if (e == L6_E_OK) e = svc__open_account(s, fw[i].account, "forwarding account", &acc[i], err);
    (*n)++;
  }
  json_decref(arr);
  return e;
}

/* Forwards q units of reg's batch, split among the instructions whose
 * account is in reg (their bp sum to 10,000); none: they stay pending. */
static l6_err forward_reg(l6_svc *s, const l6_actor *a, const char *ts, const cyc *c, issue_reg *reg,
                          const l6_forward *fw, const l6_account *acc, size_t nfw, json_t *out, l6_error *err) {
  int bp[L6_MAX_FORWARD];
  size_t idx[L6_MAX_FORWARD], k = 0;
  for (size_t i = 0; i < nfw; i++)
    if (strcmp(acc[i].registry, reg->registry) == 0) {
      idx[k] = i;
      bp[k++] = fw[i].bp;
    }
  if (k == 0 || reg->shares - reg->delivered == 0) return L6_E_OK;
  l6_qty q[L6_MAX_FORWARD];
  l6_err e = levy_split(reg->shares - reg->delivered, bp, k, c->m->rounding, q, err);
  for (size_t j = 0; j < k && e == L6_E_OK; j++) {
    if (q[j] == 0) continue;
    l6_tx tx;
    const l6_account *to = &acc[idx[j]];
    e = new_tx(s, a, ts, L6_TX_TRANSFER, reg->pending, to->id, q[j], NULL, NULL, &tx, err);
    l6_take take = {.batch = reg->b.id, .first = reg->next, .last = reg->next + q[j] - 1};
    if (e == L6_E_OK) e = apply_takes(s, a, &tx, &take, 1, err);
    reg->next += q[j];
    if (e == L6_E_OK)
      json_array_append_new(out, json_pack("{s:I, s:I, s:I}", "account", (json_int_t)to->id, "quantity", (json_int_t)q[j],
                                           "transaction", (json_int_t)tx.id));
  }
  return e;
}

/* One levy: q units of the activity registry's batch to account `to`. */
static l6_err levy_move(l6_svc *s, const l6_actor *a, const char *ts, issue_reg *reg, l6_tx_kind kind, const l6_account *to,
                        l6_qty q, const char *purpose, const char *claim, json_t *detail, const char *key, l6_error *err) {
  if (q == 0) {
    json_object_set_new(detail, key, json_pack("{s:i}", "quantity", 0));
    return L6_E_OK;
  }
  l6_tx tx;
  l6_err e = new_tx(s, a, ts, kind, reg->pending, to->id, q, purpose, claim, &tx, err);
  l6_take take = {.batch = reg->b.id, .first = reg->next, .last = reg->next + q - 1};
  if (e == L6_E_OK) e = apply_takes(s, a, &tx, &take, 1, err);
  reg->next += q;
  if (e == L6_E_OK)
    json_object_set_new(detail, key, json_pack("{s:I, s:I, s:I}", "quantity", (json_int_t)q, "account", (json_int_t)to->id,
                                               "transaction", (json_int_t)tx.id));
  return e;
}

/* The accounts the issue step names for the mechanism's benefit shares
 * (issue 20 item 5): an object with exactly one open account of the
 * activity's (host's) registry per share. */
static l6_err benefit_accounts(l6_svc *s, const cyc *c, const json_t *given, l6_account *acc, l6_error *err) {
  const l6_mech *m = c->m;
  if (m->nbenefit == 0) {
    if (given != NULL) return l6_fail(err, L6_E_INVALID_VALUE, "%s has no benefit sharing: leave out benefit_accounts", m->code);
    return L6_E_OK;
  }
  if (given == NULL)
    return l6_fail(err, L6_E_MISSING_FIELD, "an issuance under %s names benefit_accounts for its %zu benefit shares",
                   m->code, m->nbenefit);
  if (!json_is_object(given)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'benefit_accounts' must be an object of account ids");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)given, k, v) {
    bool known = false;
    for (size_t i = 0; i < m->nbenefit && !known; i++) known = strcmp(m->benefit[i].to, k) == 0;
    if (!known) return l6_fail(err, L6_E_INVALID_VALUE, "'%.40s' is not a benefit share of %s", k, m->code);
    if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "benefit_accounts.%.40s must be an account id", k);
  }
  for (size_t i = 0; i < m->nbenefit; i++) {
    json_t *id = json_object_get(given, m->benefit[i].to);
    if (id == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "benefit_accounts.%s is required", m->benefit[i].to);
    l6_err e = svc__open_account(s, json_integer_value(id), "benefit-sharing account", &acc[i], err);
    if (e != L6_E_OK) return e;
    if (strcmp(acc[i].registry, c->act.registry) != 0)
      return l6_fail(err, L6_E_INVALID_VALUE, "benefit_accounts.%s: account %lld is not in the host's registry %s",
                     m->benefit[i].to, (long long)acc[i].id, c->act.registry);
  }
  return L6_E_OK;
}

/* The issue step, accepted: see the top of this file. */
static l6_err do_issue(l6_svc *s, const l6_actor *a, cyc *c, const l6_period *per, const json_t *baccounts, json_t *detail,
                       l6_error *err) {
  const l6_mech *m = c->m;
  const l6_qty n = per->certified;
  l6_levy_rule rule = m->levy;
  if (strcmp(c->proj.kind, "removal") != 0) rule.buffer_bp = 0; /* the buffer is for reversal risk */
  l6_levy_parts parts;
  l6_err e = levy_apply(n, &rule, &parts, err);
  if (e != L6_E_OK) return e;
  l6_account sop = {0}, omge = {0}, buffer = {0};
  if (rule.sop_bp > 0) e = levy_account(s, c->act.registry, m->sop_account, "the share of proceeds", &sop, err);
  if (e == L6_E_OK && rule.omge_bp > 0) e = levy_account(s, c->act.registry, m->omge_account, "OMGE", &omge, err);
  if (e == L6_E_OK && rule.buffer_bp > 0) e = levy_account(s, c->act.registry, m->buffer_account, "the buffer", &buffer, err);
  if (e != L6_E_OK) return e;

  /* The host's benefit shares (issue 20 item 5) of what the levies leave,
   * exactly (core/benefit.c); the Parties split the rest. */
  l6_account bacc[L6_MAX_BENEFIT_SHARES];
  int bbp[L6_MAX_BENEFIT_SHARES];
  l6_qty bq[L6_MAX_BENEFIT_SHARES], bsum = 0, rest = parts.rest;
  if ((e = benefit_accounts(s, c, baccounts, bacc, err)) != L6_E_OK) return e;
  for (size_t i = 0; i < m->nbenefit; i++) bbp[i] = m->benefit[i].bp;
  if (m->nbenefit && (e = benefit_split(parts.rest, bbp, m->nbenefit, m->rounding, bq, &rest, err)) != L6_E_OK) return e;
  for (size_t i = 0; i < m->nbenefit; i++) bsum += bq[i];

  share_plan sh[L6_MAX_SHARES];
  size_t k = 0;
  bool third_party = false;
  if ((e = plan_shares(s, c, sh, &k, &third_party, err)) != L6_E_OK) return e;
  int bp[L6_MAX_SHARES];
  l6_qty q[L6_MAX_SHARES];
  for (size_t i = 0; i < k; i++) bp[i] = sh[i].bp;
  if ((e = levy_split(rest, bp, k, m->rounding, q, err)) != L6_E_OK) return e;

  /* Registries receiving units: the activity's first (it carries the levies). */
  issue_reg regs[L6_MAX_SHARES + 1];
  size_t nreg = 1;
  memset(regs, 0, sizeof regs);
  snprintf(regs[0].registry, sizeof regs[0].registry, "%s", c->act.registry);
  regs[0].levies = parts.sop + parts.omge + parts.buffer + bsum; /* benefit shares: from the host's batch too */
  for (size_t i = 0; i < k; i++) {
    sh[i].q = q[i];
    size_t r = 0;
    while (r < nreg && strcmp(regs[r].registry, sh[i].registry) != 0) r++;
    if (r == nreg) snprintf(regs[nreg++].registry, sizeof regs[0].registry, "%s", sh[i].registry);
    regs[r].shares += q[i];
  }
  l6_forward fw[L6_MAX_FORWARD];
  l6_account facc[L6_MAX_FORWARD];
  size_t nfw = 0;
  if ((e = load_forward(s, per->forward, fw, facc, &nfw, err)) != L6_E_OK) return e;

  char ts[32];
  svc__timestamp(s, ts);
  int vintage = atoi(per->end); /* the year the period ends */
  l6_qty total = 0;
  json_t *regs_json = json_array();
  json_object_set_new(detail, "registries", regs_json);
  for (size_t r = 0; r < nreg && e == L6_E_OK; r++) {
    l6_qty qr = regs[r].levies + regs[r].shares;
    total += qr;
    regs[r].next = 1;
    if (qr == 0) continue;
    e = new_batch(s, a, ts, regs[r].registry, c->proj.id, m->unit_type, vintage, per, qr, &regs[r].pending,
                  &regs[r].tx, &regs[r].b, err);
  }
  assert(e != L6_E_OK || total == n); /* conservation: every unit certified is issued once */
  char claim[L6_NAME_MAX + 1];
  snprintf(claim, sizeof claim, "activity %s, monitoring period %d", c->proj.id, per->seq);
  issue_reg *home = &regs[0];
  if (e == L6_E_OK) e = levy_move(s, a, ts, home, L6_TX_TRANSFER, &sop, parts.sop, "share of proceeds", claim, detail, "share_of_proceeds", err);
  if (e == L6_E_OK)
    e = levy_move(s, a, ts, home, L6_TX_CANCELLATION, &omge, parts.omge, "OMGE", claim, detail, "omge", err);
  if (e == L6_E_OK) e = levy_move(s, a, ts, home, L6_TX_TRANSFER, &buffer, parts.buffer, "buffer", claim, detail, "buffer", err);
  if (m->nbenefit) {
    json_t *bs = json_array();
    json_object_set_new(detail, "benefit_sharing", bs);
    for (size_t i = 0; i < m->nbenefit && e == L6_E_OK; i++) {
      char purpose[48];
      snprintf(purpose, sizeof purpose, "benefit sharing: %s", m->benefit[i].to);
      json_t *one = json_object();
      e = levy_move(s, a, ts, home, L6_TX_TRANSFER, &bacc[i], bq[i], purpose, claim, one, "x", err);
      json_t *x = json_object_get(one, "x");
      json_t *row = json_pack("{s:s, s:i, s:I, s:I}", "to", m->benefit[i].to, "bp", m->benefit[i].bp, "quantity",
                              (json_int_t)bq[i], "account", (json_int_t)bacc[i].id);
      if (json_object_get(x, "transaction")) json_object_set(row, "transaction", json_object_get(x, "transaction"));
      json_array_append_new(bs, row);
      json_decref(one);
    }
  }
  /* Ex-ante purchases: delivered from the activity registry's share and
   * retired, before any forwarding (cycle_data.h). */
  if (e == L6_E_OK && m->ex_ante && home->shares > 0)
    e = cdata__deliver(s, a, ts, c->proj.id, per->seq, home->pending, home->b.id, &home->next, home->shares,
                       &home->delivered, detail, err);
  assert(e != L6_E_OK || home->delivered <= home->shares);
  for (size_t r = 0; r < nreg && e == L6_E_OK; r++) {
    json_t *fwd = json_array();
    e = forward_reg(s, a, ts, c, &regs[r], fw, facc, nfw, fwd, err);
    json_t *v = json_pack("{s:s, s:I, s:I, s:o}", "registry", regs[r].registry, "quantity",
                          (json_int_t)(regs[r].levies + regs[r].shares), "pending", (json_int_t)(regs[r].shares -
                          (regs[r].next - 1 - regs[r].levies)), "forwarded", fwd);
    if (regs[r].b.id) {
      json_object_set_new(v, "batch", json_integer(regs[r].b.id));
      json_object_set_new(v, "issuance", json_integer(regs[r].tx.id));
    }
    json_array_append_new(regs_json, v);
    if (e == L6_E_OK && regs[r].b.id && svc__check_level(s) >= 2) e = svc__check_batch(s, regs[r].b.id, err);
  }
  json_t *shares = json_array();
  for (size_t i = 0; i < k; i++)
    json_array_append_new(shares, json_pack("{s:s, s:s, s:i, s:I}", "party", sh[i].party, "registry", sh[i].registry,
                                            "bp", sh[i].bp, "quantity", (json_int_t)sh[i].q));
  json_object_set_new(detail, "shares", shares);
  json_object_set_new(detail, "quantity", json_integer(n));
  json_object_set_new(detail, "vintage", json_integer(vintage));
  json_object_set_new(detail, "unit_type", json_string(m->unit_type));
  json_object_set_new(detail, "rounding", json_string(l6_rounding_str(m->rounding)));
  if (m->third_party >= 0) json_object_set_new(detail, "third_party_developer", json_boolean(third_party));
  if (m->ex_ante) json_object_set_new(detail, "delivered_ex_ante", json_integer(home->delivered));
  if (e == L6_E_OK && !l6_qty_add(c->act.issued, n, &c->act.issued))
    e = l6_fail(err, L6_E_QUANTITY_OVERFLOW, "the activity's issued total overflows");
  return e;
}

/* Checks forwarding instructions against the registries that receive
 * units of the activity; *text gets their JSON. */
static l6_err check_forward(l6_svc *s, const cyc *c, const l6_step_req *r, char *text, size_t cap, l6_error *err) {
  share_plan sh[L6_MAX_SHARES];
  size_t k = 0;
  bool third = false;
  l6_err e = plan_shares(s, c, sh, &k, &third, err);
  if (e != L6_E_OK) return e;
  if (r->nforward > L6_MAX_FORWARD)
    return l6_fail(err, L6_E_INVALID_VALUE, "at most %d forwarding instructions", L6_MAX_FORWARD);
  l6_account acc[L6_MAX_FORWARD];
  json_t *arr = json_array();
  for (size_t i = 0; i < r->nforward && e == L6_E_OK; i++) {
    const l6_forward *f = &r->forward[i];
    if (f->bp < 1 || f->bp > L6_BP_ONE)
      e = l6_fail(err, L6_E_INVALID_VALUE, "forward[%zu]: bp must be 1-10000", i);
    for (size_t j = 0; j < i && e == L6_E_OK; j++)
      if (r->forward[j].account == f->account) e = l6_fail(err, L6_E_INVALID_VALUE, "forward[%zu]: account %lld is named twice", i, (long long)f->account);
    if (e == L6_E_OK) e = svc__open_account(s, f->account, "forward account", &acc[i], err);
    if (e == L6_E_OK && !l6_account_type_accepts_transfer(acc[i].type))
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "forward[%zu]: %s %s account cannot receive forwarded units", i,
                  l6_article(l6_account_type_str(acc[i].type)), l6_account_type_str(acc[i].type));
    bool receives = false;
    for (size_t j = 0; j < k; j++) receives |= strcmp(sh[j].registry, acc[i].registry) == 0;
    if (e == L6_E_OK && !receives)
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "forward[%zu]: account %lld is in registry %s, which receives no units "
                  "of this activity", i, (long long)f->account, acc[i].registry);
    if (e == L6_E_OK) json_array_append_new(arr, json_pack("{s:I, s:i}", "account", (json_int_t)f->account, "bp", f->bp));
  }
  /* Per registry, the shares add up to the whole. */
  for (size_t i = 0; i < r->nforward && e == L6_E_OK; i++) {
    int sum = 0;
    for (size_t j = 0; j < r->nforward; j++)
      if (strcmp(acc[j].registry, acc[i].registry) == 0) sum += r->forward[j].bp;
    if (sum != L6_BP_ONE)
      e = l6_fail(err, L6_E_INVALID_VALUE, "forwarding shares to registry %s add up to %d bp, not 10000", acc[i].registry, sum);
  }
  if (e == L6_E_OK) e = json_text(arr, text, cap, err);
  json_decref(arr);
  return e;
}

/* ---- monitoring reports ---------------------------------------------- */

/* Runs the report's calculator on its inputs (by name). *inputs gets the
 * JSON object of the inputs. */
static l6_err run_report(l6_svc *s, const cyc *c, const l6_step_req *r, const l6_period *per, l6_qty *out, char *inputs,
                         size_t cap, json_t *detail, l6_error *err) {
  const l6_mech *m = c->m;
  if (r->calculator[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "calculator is required");
  const l6_calc *calc = mech_calc(m, r->calculator);
  if (calc == NULL)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not accept calculator '%.32s'", m->code, r->calculator);
  /* The inputs: the report's, the period's signed readings, the
   * methodology parameters (cycle_data.h, issue 20). */
  l6_calc_arg args[L6_CALC_MAX_INPUTS];
  size_t nargs = 0;
  l6_err e = cdata__inputs(s, calc, c->act.project, c->proj.host, per->seq, per->start, per->end, r->inputs, r->ninputs,
                           args, &nargs, detail, err);
  if (e == L6_E_OK) e = svc_calc(calc->name, args, nargs, out, err);
  if (e != L6_E_OK) return e;
  json_t *o = json_object();
  for (size_t i = 0; i < nargs; i++) json_object_set_new(o, args[i].name, json_integer(args[i].value));
  e = json_text(o, inputs, cap, err);
  json_decref(o);
  return e;
}

l6_err svc_calc(const char *calculator, const l6_calc_arg *in, size_t n, l6_qty *out, l6_error *err) {
  const l6_calc *calc = calc_find(calculator);
  if (calc == NULL) return l6_fail(err, L6_E_INVALID_VALUE, "no calculator '%.32s'", calculator ? calculator : "");
  int64_t v[L6_CALC_MAX_INPUTS];
  bool seen[L6_CALC_MAX_INPUTS] = {false};
  if (n > L6_CALC_MAX_INPUTS) return l6_fail(err, L6_E_INVALID_VALUE, "calculator %s takes %zu inputs", calc->name, calc->ninputs);
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < calc->ninputs && strcmp(calc->inputs[k].name, in[i].name) != 0) k++;
    if (k == calc->ninputs)
      return l6_fail(err, L6_E_INVALID_VALUE, "calculator %s has no input '%.32s'", calc->name, in[i].name);
    if (seen[k]) return l6_fail(err, L6_E_INVALID_VALUE, "input %s is given twice", in[i].name);
    seen[k] = true;
    v[k] = in[i].value;
  }
  for (size_t k = 0; k < calc->ninputs; k++)
    if (!seen[k]) return l6_fail(err, L6_E_MISSING_FIELD, "input %s of calculator %s is required", calc->inputs[k].name, calc->name);
  return calc->run(v, out, err);
}

typedef struct {
  l6_period *p;
  size_t n, cap;
} period_buf;

static int period_row(void *ctx, const void *row) {
  period_buf *b = ctx;
  if (b->n < b->cap) b->p[b->n++] = *(const l6_period *)row;
  return 0;
}

/* A new monitoring period: dates inside the crediting period, after the
 * mechanism's reductions_from, not overlapping another period. */
static l6_err new_period(l6_svc *s, const cyc *c, const l6_step_req *r, l6_period *per, l6_error *err) {
  l6_err e;
  if ((e = need_date("start", r->start, err)) != L6_E_OK || (e = need_date("end", r->end, err)) != L6_E_OK) return e;
  if (strcmp(r->start, r->end) > 0) return l6_fail(err, L6_E_INVALID_VALUE, "the period ends before it starts");
  char now[11];
  today(s, now);
  if (strcmp(r->end, now) > 0) return l6_fail(err, L6_E_INVALID_VALUE, "the period ends in the future (%s)", r->end);
  if (strcmp(r->start, c->proj.crediting_start) < 0 || strcmp(r->end, c->proj.crediting_end) > 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "the period %s..%s lies outside the crediting period %s..%s", r->start, r->end,
                   c->proj.crediting_start, c->proj.crediting_end);
  if (c->m->reductions_from[0] && strcmp(r->start, c->m->reductions_from) < 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s credits reductions from %s only; the period starts %s", c->m->code,
                   c->m->reductions_from, r->start);
  period_buf b = {.cap = L6_MAX_PERIODS};
  b.p = malloc(b.cap * sizeof *b.p);
  if (b.p == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  e = OPS->period_list(ST, c->act.project, L6_MAX_PERIODS + 1, period_row, &b, err);
  int seq = 0;
  for (size_t i = 0; i < b.n && e == L6_E_OK; i++) {
    if (b.p[i].seq > seq) seq = b.p[i].seq;
    if (strcmp(r->start, b.p[i].end) <= 0 && strcmp(b.p[i].start, r->end) <= 0)
      e = l6_fail(err, L6_E_INVALID_VALUE, "the period overlaps period %d (%s..%s)", b.p[i].seq, b.p[i].start, b.p[i].end);
  }
  if (e == L6_E_OK && b.n >= L6_MAX_PERIODS)
    e = l6_fail(err, L6_E_INVALID_VALUE, "an activity has at most %d monitoring periods", L6_MAX_PERIODS);
  free(b.p);
  if (e != L6_E_OK) return e;
  memset(per, 0, sizeof *per);
  snprintf(per->project, sizeof per->project, "%s", c->act.project);
  per->seq = seq + 1;
  snprintf(per->start, sizeof per->start, "%s", r->start);
  snprintf(per->end, sizeof per->end, "%s", r->end);
  snprintf(per->forward, sizeof per->forward, "[]");
  return L6_E_OK;
}

/* ---- the steps -------------------------------------------------------- */

/* Loads the activity of project, its project and its mechanism. */
static l6_err load_cyc(l6_svc *s, const char *project, cyc *c, l6_error *err) {
  l6_err e = OPS->activity_get(ST, project, &c->act, err);
  if (e == L6_E_UNKNOWN_ACTIVITY) return l6_fail(err, e, "no activity '%.40s' is in a project cycle", project);
  if (e == L6_E_OK) e = OPS->project_get(ST, project, &c->proj, err);
  if (e == L6_E_OK) e = mech_of(s, c->act.mechanism, &c->m, err);
  return e;
}

/* Reply of a step: the activity and the step record. */
static json_t *step_reply(const cyc *c, const l6_step_rec *rec, const l6_period *per) {
  json_t *o = json_pack("{s:o, s:o}", "activity", view_activity(&c->act, &c->proj), "step", view_step(rec));
  if (o && per) json_object_set_new(o, "period", view_period(per));
  return o;
}

static l6_err do_transition(l6_svc *s, const l6_actor *a, const l6_step_req *r, json_t **out, l6_error *err) {
  cyc c;
  memset(&c, 0, sizeof c);
  l6_err e = mech_of(s, r->mechanism, &c.m, err);
  if (e != L6_E_OK) return e;
  const l6_mech *m = c.m;
  if (!m->steps[L6_STEP_TRANSITION].defined)
    return l6_fail(err, L6_E_INVALID_VALUE, "%s takes no transitions from other mechanisms", m->code);
  e = OPS->project_get(ST, r->project, &c.proj, err);
  if (e == L6_E_UNKNOWN_PROJECT) return l6_fail(err, e, "no project '%.40s'", r->project);
  if (e == L6_E_OK) e = may_act(s, m, L6_STEP_TRANSITION, a, &c.act, c.proj.host, r->scope, err);
  if (e != L6_E_OK) return e;
  l6_activity old;
  l6_error sub;
  e = OPS->activity_get(ST, r->project, &old, &sub);
  if (e == L6_E_OK)
    return l6_fail(err, L6_E_ALREADY_EXISTS, "project %s already has an activity under %s (state %s)", r->project,
                   old.mechanism, old.state);
  if (e != L6_E_UNKNOWN_ACTIVITY) return l6_fail(err, e, "%s", sub.message);
  l6_cstate next, exp;
  json_t *docs = NULL, *detail = NULL;
  if ((e = cycle_next(m->chain, L6_CS__NONE, L6_STEP_TRANSITION, L6_DECIDE_NONE, &next, &exp, err)) != L6_E_OK) return e;
  e = check_docs(s, m, L6_STEP_TRANSITION, r->docs, r->ndocs, &docs, err);
  if (e == L6_E_OK && strcmp(c.proj.programme, m->from_programme) != 0)
    e = l6_fail(err, L6_E_NOT_ELIGIBLE, "project %s is under %s; %s takes transitions from %s", c.proj.id,
                c.proj.programme, m->code, m->from_programme);
  bool removal = strcmp(c.proj.kind, "removal") == 0;
  if (e == L6_E_OK && !mech_accepts_kind(m, c.proj.kind))
    e = l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not accept %s activities", m->code, c.proj.kind);
  if (e == L6_E_OK && !l6_valid_code(r->scope)) e = l6_fail(err, L6_E_MISSING_FIELD, "scope is required");
  if (e == L6_E_OK && !mech_has_scope(m, r->scope))
    e = l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not cover sectoral scope %s", m->code, r->scope);
  l6_registry reg;
  if (e == L6_E_OK) e = OPS->registry_get(ST, r->registry, &reg, err);
  if (e == L6_E_OK) e = need_date("requested_on", r->requested_on, err);
  char now[11];
  today(s, now);
  const char *deadline = removal ? m->request_by_removal : m->request_by;
  if (e == L6_E_OK && strcmp(r->requested_on, now) > 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "requested_on %s is in the future", r->requested_on);
  if (e == L6_E_OK && strcmp(r->requested_on, deadline) > 0)
    e = l6_fail(err, L6_E_DEADLINE_PASSED, "transition requests for %s activities were due by %s; this one is dated %s",
                c.proj.kind, deadline, r->requested_on);
  if (e == L6_E_OK && m->crediting_active_on[0] &&
      (strcmp(c.proj.crediting_start, m->crediting_active_on) > 0 || strcmp(c.proj.crediting_end, m->crediting_active_on) < 0))
    e = l6_fail(err, L6_E_NOT_ELIGIBLE, "the crediting period %s..%s must include %s", c.proj.crediting_start,
                c.proj.crediting_end, m->crediting_active_on);
  if (e == L6_E_OK) {
    snprintf(c.act.project, sizeof c.act.project, "%s", c.proj.id);
    snprintf(c.act.mechanism, sizeof c.act.mechanism, "%s", m->code);
    c.act.org = a->org;
    snprintf(c.act.registry, sizeof c.act.registry, "%s", reg.id);
    snprintf(c.act.scope, sizeof c.act.scope, "%s", r->scope);
    snprintf(c.act.state, sizeof c.act.state, "%s", l6_cstate_str(next));
    snprintf(c.act.transition_from, sizeof c.act.transition_from, "%s", c.proj.programme);
    snprintf(c.act.requested_on, sizeof c.act.requested_on, "%s", r->requested_on);
    svc__timestamp(s, c.act.updated);
    e = OPS->activity_save(ST, &c.act, err);
  }
  l6_step_rec *rec = malloc(sizeof *rec);
  if (rec == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  detail = json_pack("{s:s, s:s}", "requested_on", r->requested_on, "deadline", deadline);
  if (r->comment[0]) json_object_set_new(detail, "comment", json_string(r->comment));
  if (e == L6_E_OK)
    e = record(s, a, m, c.proj.id, 0, L6_STEP_TRANSITION, L6_DECIDE_NONE, L6_CS__NONE, next, docs, detail, rec, err);
  if (e == L6_E_OK) *out = step_reply(&c, rec, NULL);
  free(rec);
  json_decref(docs);
  json_decref(detail);
  return e;
}

/* Reversal: cancel lost removals from the buffer; avoidable ones are owed. */
static l6_err do_reversal(l6_svc *s, const l6_actor *a, cyc *c, const l6_step_req *r, json_t *detail, l6_error *err) {
  const l6_mech *m = c->m;
  if (strcmp(c->proj.kind, "removal") != 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "activity %s is an avoidance activity; only removals are reversed", c->proj.id);
  if (r->quantity <= 0 || r->quantity > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be 1-%lld", (long long)L6_MAX_QUANTITY);
  l6_err e = need_date("observed_on", r->observed_on, err);
  if (e != L6_E_OK) return e;
  char now[11];
  today(s, now);
  int64_t d_obs, d_now;
  date_to_days(r->observed_on, &d_obs);
  date_to_days(now, &d_now);
  if (d_obs > d_now) return l6_fail(err, L6_E_INVALID_VALUE, "observed_on %s is in the future", r->observed_on);
  if (m->reversal_notice_days && d_now - d_obs > m->reversal_notice_days)
    return l6_fail(err, L6_E_DEADLINE_PASSED, "%s requires notice of a reversal within %d days; it was observed %lld days ago",
                   m->code, m->reversal_notice_days, (long long)(d_now - d_obs));
  l6_account buffer, cancel;
  e = levy_account(s, c->act.registry, m->buffer_account, "the buffer", &buffer, err);
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(ST, c->act.registry, L6_ACCT_CANCELLATION, &cancel, err);
    if (e == L6_E_UNKNOWN_ACCOUNT) e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no cancellation account", c->act.registry);
  }
  if (e != L6_E_OK) return e;
  char ts[32], claim[L6_NAME_MAX + 1];
  svc__timestamp(s, ts);
  snprintf(claim, sizeof claim, "%s reversal of %lld t at activity %s, observed %s", r->avoidable ? "avoidable" : "unavoidable",
           (long long)r->quantity, c->proj.id, r->observed_on);
  l6_pick_filter f = {.account = buffer.id};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", m->unit_type);
  l6_tx tx;
  e = take_units(s, a, ts, L6_TX_CANCELLATION, &f, cancel.id, r->quantity, "reversal", claim, &tx, err);
  if (e == L6_E_INSUFFICIENT_HOLDINGS) l6_fail(err, e, "the buffer of %s holds fewer than %lld %s units", c->act.registry, (long long)r->quantity, m->unit_type);
  if (e == L6_E_OK && r->avoidable && !l6_qty_add(c->act.replacement_due, r->quantity, &c->act.replacement_due))
    e = l6_fail(err, L6_E_QUANTITY_OVERFLOW, "replacement total overflows");
  json_object_set_new(detail, "quantity", json_integer(r->quantity));
  json_object_set_new(detail, "avoidable", json_boolean(r->avoidable));
  json_object_set_new(detail, "observed_on", json_string(r->observed_on));
  json_object_set_new(detail, "buffer_account", json_integer(buffer.id));
  if (e == L6_E_OK) json_object_set_new(detail, "transaction", json_integer(tx.id));
  json_object_set_new(detail, "replacement_due", json_integer(c->act.replacement_due));
  return e;
}

/* Replacement: the participant gives units back to the buffer. */
static l6_err do_replacement(l6_svc *s, const l6_actor *a, cyc *c, const l6_step_req *r, json_t *detail, l6_error *err) {
  const l6_mech *m = c->m;
  if (c->act.replacement_due == 0) return l6_fail(err, L6_E_INVALID_VALUE, "activity %s owes no replacement", c->proj.id);
  if (r->quantity <= 0 || r->quantity > c->act.replacement_due)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be 1-%lld (the replacement due)", (long long)c->act.replacement_due);
  l6_account from, buffer;
  l6_err e = svc__open_account(s, r->from_account, "from_account", &from, err);
  if (e == L6_E_OK && from.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)from.id);
  if (e == L6_E_OK && l6_account_type_terminal(from.type))
    e = l6_fail(err, L6_E_TERMINAL_ACCOUNT, "units in %s account %lld can never move", l6_account_type_str(from.type), (long long)from.id);
  if (e == L6_E_OK) e = levy_account(s, c->act.registry, m->buffer_account, "the buffer", &buffer, err);
  if (e != L6_E_OK) return e;
  char ts[32];
  svc__timestamp(s, ts);
  l6_pick_filter f = {.account = from.id};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", m->unit_type);
  l6_tx tx;
  e = take_units(s, a, ts, L6_TX_TRANSFER, &f, buffer.id, r->quantity, NULL, NULL, &tx, err);
  if (e == L6_E_OK) c->act.replacement_due -= r->quantity;
  json_object_set_new(detail, "quantity", json_integer(r->quantity));
  json_object_set_new(detail, "from_account", json_integer(from.id));
  json_object_set_new(detail, "buffer_account", json_integer(buffer.id));
  if (e == L6_E_OK) json_object_set_new(detail, "transaction", json_integer(tx.id));
  json_object_set_new(detail, "replacement_due", json_integer(c->act.replacement_due));
  return e;
}

/* Conversion: cancel eligible units of the old mechanism, issue as many of
 * the new one, linked both ways. */
static l6_err do_conversion(l6_svc *s, const l6_actor *a, cyc *c, const l6_step_req *r, json_t *detail, l6_error *err) {
  const l6_mech *m = c->m;
  if (c->act.transition_from[0] == '\0')
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "activity %s did not transition from another mechanism", c->proj.id);
  if (r->quantity <= 0 || r->quantity > L6_MAX_QUANTITY)
    return l6_fail(err, L6_E_INVALID_QUANTITY, "quantity must be 1-%lld", (long long)L6_MAX_QUANTITY);
  if (r->vintage < L6_VINTAGE_MIN || r->vintage > L6_VINTAGE_MAX)
    return l6_fail(err, L6_E_INVALID_VALUE, "vintage must be a year from %d to %d", L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  if (r->vintage < m->convert_min_vintage)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s converts %s units of vintage %d or later; these are %d", m->code,
                   m->from_unit_type, m->convert_min_vintage, r->vintage);
  l6_account from, to, cancel;
  l6_err e = svc__open_account(s, r->from_account, "from_account", &from, err);
  if (e == L6_E_OK && from.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)from.id);
  if (e == L6_E_OK && l6_account_type_terminal(from.type))
    e = l6_fail(err, L6_E_TERMINAL_ACCOUNT, "units in %s account %lld can never move", l6_account_type_str(from.type), (long long)from.id);
  if (e == L6_E_OK) e = svc__open_account(s, r->to_account ? r->to_account : from.id, "to_account", &to, err);
  if (e == L6_E_OK && !l6_account_type_accepts_transfer(to.type))
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "%s %s account cannot receive converted units",
                  l6_article(l6_account_type_str(to.type)), l6_account_type_str(to.type));
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(ST, from.registry, L6_ACCT_CANCELLATION, &cancel, err);
    if (e == L6_E_UNKNOWN_ACCOUNT) e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no cancellation account", from.registry);
  }
  if (e != L6_E_OK) return e;
  l6_take *takes = malloc(L6_MAX_BLOCKS_PER_TX * sizeof *takes);
  if (takes == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t nt = 0;
  l6_pick_filter f = {.account = from.id, .vintage = r->vintage};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", m->from_unit_type);
  snprintf(f.project, sizeof f.project, "%s", c->proj.id);
  e = plan_take(s, &f, r->quantity, takes, &nt, err);
  if (e == L6_E_INSUFFICIENT_HOLDINGS)
    l6_fail(err, e, "account %lld holds fewer than %lld %s units of %s, vintage %d", (long long)from.id,
            (long long)r->quantity, m->from_unit_type, c->proj.id, r->vintage);
  char ts[32], claim[L6_NAME_MAX + 1];
  svc__timestamp(s, ts);
  l6_tx issue, fwd, cx;
  l6_batch b;
  l6_id pending = 0;
  if (e == L6_E_OK)
    e = new_batch(s, a, ts, c->act.registry, c->proj.id, m->unit_type, r->vintage, NULL, r->quantity, &pending, &issue, &b,
                  err);
  if (e == L6_E_OK) e = new_tx(s, a, ts, L6_TX_TRANSFER, pending, to.id, r->quantity, NULL, NULL, &fwd, err);
  l6_take take = {.batch = b.id, .first = 1, .last = r->quantity};
  if (e == L6_E_OK) e = apply_takes(s, a, &fwd, &take, 1, err);
  snprintf(claim, sizeof claim, "converted to %s: transaction %lld, batch %lld", m->unit_type, (long long)issue.id, (long long)b.id);
  if (e == L6_E_OK) e = new_tx(s, a, ts, L6_TX_CANCELLATION, from.id, cancel.id, r->quantity, "conversion", claim, &cx, err);
  if (e == L6_E_OK) e = apply_takes(s, a, &cx, takes, nt, err);
  if (e == L6_E_OK && svc__check_level(s) >= 2) e = svc__check_batch(s, b.id, err);
  free(takes);
  if (e != L6_E_OK) return e;
  json_object_set_new(detail, "quantity", json_integer(r->quantity));
  json_object_set_new(detail, "vintage", json_integer(r->vintage));
  json_object_set_new(detail, "from_unit_type", json_string(m->from_unit_type));
  json_object_set_new(detail, "unit_type", json_string(m->unit_type));
  json_object_set_new(detail, "cancellation", json_integer(cx.id));
  json_object_set_new(detail, "issuance", json_integer(issue.id));
  json_object_set_new(detail, "transfer", json_integer(fwd.id));
  json_object_set_new(detail, "batch", json_integer(b.id));
  json_object_set_new(detail, "to_account", json_integer(to.id));
  return L6_E_OK;
}

/* Steps on the activity itself. */
static l6_err do_activity_step(l6_svc *s, const l6_actor *a, const l6_step_req *r, cyc *c, json_t **out, l6_error *err) {
  const l6_mech *m = c->m;
  if (!m->steps[r->step].defined)
    return l6_fail(err, L6_E_INVALID_VALUE, "%s has no step '%s'", m->code, l6_step_str(r->step));
  l6_err e = may_act(s, m, r->step, a, &c->act, c->proj.host, c->act.scope, err);
  if (e != L6_E_OK) return e;
  l6_cstate cur = l6_cstate_from_str(c->act.state), next, exp;
  if ((e = cycle_next(m->chain, cur, r->step, r->decision, &next, &exp, err)) != L6_E_OK) return e;
  json_t *docs = NULL, *detail = json_object();
  e = check_docs(s, m, r->step, r->docs, r->ndocs, &docs, err);
  if (e == L6_E_OK) switch (r->step) {
    case L6_STEP_APPROVE_TRANSITION: {
      e = need_date("approved_on", r->approved_on, err);
      char now[11];
      today(s, now);
      if (e == L6_E_OK && (strcmp(r->approved_on, now) > 0 || strcmp(r->approved_on, c->act.requested_on) < 0))
        e = l6_fail(err, L6_E_INVALID_VALUE, "approved_on %s must lie between the request (%s) and today", r->approved_on,
                    c->act.requested_on);
      if (e == L6_E_OK && r->decision == L6_DECIDE_ACCEPT && strcmp(r->approved_on, m->approval_by) > 0)
        e = l6_fail(err, L6_E_DEADLINE_PASSED, "host approvals of transitions were due by %s; this one is dated %s",
                    m->approval_by, r->approved_on);
      json_object_set_new(detail, "approved_on", json_string(r->approved_on));
      json_object_set_new(detail, "deadline", json_string(m->approval_by));
      break;
    }
    case L6_STEP_REGISTER:
      if (r->decision == L6_DECIDE_ACCEPT) e = ldc_register(m, r, c->proj.host, detail, err); /* mech_ldc.c */
      if (e == L6_E_OK && r->decision == L6_DECIDE_ACCEPT) e = OPS->project_set_status(ST, c->proj.id, "registered", err);
      if (e == L6_E_OK && r->decision == L6_DECIDE_ACCEPT) snprintf(c->proj.status, sizeof c->proj.status, "registered");
      break;
    case L6_STEP_WITHDRAW:
      e = OPS->project_set_status(ST, c->proj.id, "suspended", err);
      snprintf(c->proj.status, sizeof c->proj.status, "suspended");
      break;
    case L6_STEP_REVERSAL: e = do_reversal(s, a, c, r, detail, err); break;
    case L6_STEP_REPLACEMENT: e = do_replacement(s, a, c, r, detail, err); break;
    case L6_STEP_CONVERSION: e = do_conversion(s, a, c, r, detail, err); break;
    default: break;
    }
  if (r->comment[0]) json_object_set_new(detail, "comment", json_string(r->comment));
  snprintf(c->act.state, sizeof c->act.state, "%s", l6_cstate_str(next));
  snprintf(c->act.rejected_step, sizeof c->act.rejected_step, "%s", next == L6_CS_REJECTED ? l6_step_str(r->step) : "");
  svc__timestamp(s, c->act.updated);
  if (e == L6_E_OK) e = OPS->activity_save(ST, &c->act, err);
  l6_step_rec *rec = malloc(sizeof *rec);
  if (rec == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = record(s, a, m, c->proj.id, 0, r->step, r->decision, cur, next, docs, detail, rec, err);
  if (e == L6_E_OK) *out = step_reply(c, rec, NULL);
  free(rec);
  json_decref(docs);
  json_decref(detail);
  return e;
}

/* Steps on a monitoring period. */
static l6_err do_period_step(l6_svc *s, const l6_actor *a, const l6_step_req *r, cyc *c, json_t **out, l6_error *err) {
  const l6_mech *m = c->m;
  if (!m->steps[r->step].defined)
    return l6_fail(err, L6_E_INVALID_VALUE, "%s has no step '%s'", m->code, l6_step_str(r->step));
  l6_err e = may_act(s, m, r->step, a, &c->act, c->proj.host, c->act.scope, err);
  if (e != L6_E_OK) return e;
  if (strcmp(c->act.state, l6_cstate_str(L6_CS_REGISTERED)) != 0) return activity_not_registered(&c->act, err);
  l6_period *per = calloc(1, sizeof *per);
  if (per == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_cstate cur = L6_CS__NONE, next, exp;
  if (r->period > 0) {
    e = OPS->period_get(ST, c->act.project, r->period, per, err);
    if (e == L6_E_UNKNOWN_PERIOD) l6_fail(err, e, "activity %s has no monitoring period %d", c->act.project, r->period);
    cur = l6_cstate_from_str(per->state);
  } else if (r->step != L6_STEP_MONITOR) {
    e = l6_fail(err, L6_E_UNKNOWN_PERIOD, "step '%s' needs a monitoring period", l6_step_str(r->step));
  }
  if (e == L6_E_OK) e = cycle_next(m->chain, cur, r->step, r->decision, &next, &exp, err);
  json_t *docs = NULL, *detail = json_object();
  if (e == L6_E_OK) e = check_docs(s, m, r->step, r->docs, r->ndocs, &docs, err);
  if (e == L6_E_OK) switch (r->step) {
    case L6_STEP_MONITOR:
      if (r->period == 0) e = new_period(s, c, r, per, err);
      if (e == L6_E_OK) e = run_report(s, c, r, per, &per->reported, per->inputs, sizeof per->inputs, detail, err);
      if (e == L6_E_OK) {
        snprintf(per->calculator, sizeof per->calculator, "%s", r->calculator);
        per->certified = 0;
        snprintf(per->forward, sizeof per->forward, "[]");
      }
      json_object_set_new(detail, "reported", json_integer(per->reported));
      json_object_set_new(detail, "calculator", json_string(r->calculator));
      json_object_set_new(detail, "inputs", parse_text(per->inputs));
      if (e == L6_E_OK) e = ldc_monitor(m, r, detail, err); /* mech_ldc.c */
      break;
    case L6_STEP_VERIFY:
      if (r->decision == L6_DECIDE_ACCEPT && (r->certified < 1 || r->certified > per->reported))
        e = l6_fail(err, L6_E_INVALID_QUANTITY, "certified must be 1-%lld (the reported figure)", (long long)per->reported);
      if (r->decision == L6_DECIDE_REJECT && r->certified != 0)
        e = l6_fail(err, L6_E_INVALID_VALUE, "a rejected verification certifies nothing");
      if (e == L6_E_OK) per->certified = r->certified;
      json_object_set_new(detail, "reported", json_integer(per->reported));
      json_object_set_new(detail, "certified", json_integer(r->certified));
      break;
    case L6_STEP_REQUEST:
      e = check_forward(s, c, r, per->forward, sizeof per->forward, err);
      if (e == L6_E_OK) json_object_set_new(detail, "forward", parse_text(per->forward));
      json_object_set_new(detail, "certified", json_integer(per->certified));
      break;
    case L6_STEP_ISSUE:
      if (r->decision == L6_DECIDE_ACCEPT && c->act.replacement_due > 0)
        e = l6_fail(err, L6_E_REPLACEMENT_DUE, "activity %s must first replace %lld units lost in avoidable reversals",
                    c->act.project, (long long)c->act.replacement_due);
      if (e == L6_E_OK && r->decision == L6_DECIDE_ACCEPT) {
        bool first = c->act.issued == 0;
        e = do_issue(s, a, c, per, r->benefit_accounts, detail, err);
        if (e == L6_E_OK) e = ldc_issue(m, c->proj.host, first, detail, err); /* mech_ldc.c */
      }
      break;
    default: break;
    }
  if (r->comment[0]) json_object_set_new(detail, "comment", json_string(r->comment));
  snprintf(per->state, sizeof per->state, "%s", l6_cstate_str(next));
  snprintf(per->rejected_step, sizeof per->rejected_step, "%s", next == L6_CS_REJECTED ? l6_step_str(r->step) : "");
  if (e == L6_E_OK) e = OPS->period_save(ST, per, err);
  svc__timestamp(s, c->act.updated);
  if (e == L6_E_OK) e = OPS->activity_save(ST, &c->act, err);
  l6_step_rec *rec = malloc(sizeof *rec);
  if (rec == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = record(s, a, m, c->proj.id, per->seq, r->step, r->decision, cur, next, docs, detail, rec, err);
  if (e == L6_E_OK) *out = step_reply(c, rec, per);
  free(rec);
  free(per);
  json_decref(docs);
  json_decref(detail);
  return e;
}

l6_err svc_cycle_step(l6_svc *s, const l6_actor *a, const l6_step_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = svc__cycle_step_tx(s, a, r, out, err);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc__cycle_step_tx(l6_svc *s, const l6_actor *a, const l6_step_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (r->safeguards != NULL && (r->step != L6_STEP_REGISTER || r->decision != L6_DECIDE_ACCEPT))
    return l6_fail(err, L6_E_INVALID_VALUE, "the safeguards checklist is answered when registering (register, accept)");
  if (r->sd_indicators != NULL && r->step != L6_STEP_MONITOR)
    return l6_fail(err, L6_E_INVALID_VALUE, "SD indicators are reported with a monitoring report");
  if (r->step < 0 || r->step >= L6_STEP__COUNT || r->step == L6_STEP_SUBMIT)
    return l6_fail(err, L6_E_INVALID_VALUE, "unknown step (submission is POST /v1/activities)");
  if (r->comment[0] && !l6_valid_text(r->comment, L6_NAME_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "comment must be printable text of at most %d bytes", L6_NAME_MAX);
  if (cycle_step_on_period(r->step) != (r->period > 0 || r->step == L6_STEP_MONITOR))
    return l6_fail(err, L6_E_INVALID_VALUE, "step '%s' is a step of %s", l6_step_str(r->step),
                   cycle_step_on_period(r->step) ? "a monitoring period" : "the activity");
  l6_err e;
  if (r->step == L6_STEP_TRANSITION) {
    e = do_transition(s, a, r, out, err);
  } else {
    cyc c;
    e = load_cyc(s, r->project, &c, err);
    if (e == L6_E_OK) e = cycle_step_on_period(r->step) ? do_period_step(s, a, r, &c, out, err) : do_activity_step(s, a, r, &c, out, err);
  }
  return e;
}

/* ---- for programmes of activities (poa.c) ------------------------------ */

l6_err svc__cycle_may(l6_svc *s, const l6_mech *m, l6_step st, const l6_actor *a, l6_id org, const char *host,
                      const char *scope, l6_error *err) {
  l6_activity act;
  memset(&act, 0, sizeof act);
  act.org = org;
  return may_act(s, m, st, a, &act, host, scope, err);
}

l6_err svc__component_register(l6_svc *s, const l6_actor *a, const l6_mech *m, const l6_project *p, l6_id org,
                               const char *registry, const char *scope, const json_t *detail, l6_error *err) {
  cyc c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.proj = *p;
  snprintf(c.proj.programme, sizeof c.proj.programme, "%s", m->programme);
  snprintf(c.proj.status, sizeof c.proj.status, "registered");
  l6_err e = OPS->project_put(ST, &c.proj, err);
  if (e == L6_E_ALREADY_EXISTS) return l6_fail(err, e, "project %s already exists", p->id);
  if (e != L6_E_OK) return e;
  snprintf(c.act.project, sizeof c.act.project, "%s", p->id);
  snprintf(c.act.mechanism, sizeof c.act.mechanism, "%s", m->code);
  c.act.org = org;
  snprintf(c.act.registry, sizeof c.act.registry, "%s", registry);
  snprintf(c.act.scope, sizeof c.act.scope, "%s", scope);
  snprintf(c.act.state, sizeof c.act.state, "%s", l6_cstate_str(L6_CS_REGISTERED));
  svc__timestamp(s, c.act.updated);
  if ((e = OPS->activity_save(ST, &c.act, err)) != L6_E_OK) return e;
  /* The trail: the validator's inclusion check registers the component. */
  l6_step_rec *rec = calloc(1, sizeof *rec);
  if (rec == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  snprintf(rec->project, sizeof rec->project, "%s", p->id);
  snprintf(rec->step, sizeof rec->step, "inclusion");
  snprintf(rec->decision, sizeof rec->decision, "accept");
  snprintf(rec->to_state, sizeof rec->to_state, "%s", l6_cstate_str(L6_CS_REGISTERED));
  snprintf(rec->actor, sizeof rec->actor, "%s", a->name);
  snprintf(rec->role, sizeof rec->role, "%s", l6_mrole_str(L6_MROLE_VALIDATOR));
  svc__timestamp(s, rec->ts);
  snprintf(rec->mechanism_hash, sizeof rec->mechanism_hash, "%s", m->hash);
  snprintf(rec->documents, sizeof rec->documents, "[]");
  e = json_text(detail, rec->detail, sizeof rec->detail, err);
  if (e == L6_E_OK) e = OPS->step_put(ST, rec, err);
  free(rec);
  return e;
}

/* The checks of a submission that need no store: shape and eligibility. */
static l6_err submit_checks(const l6_mech *m, const l6_submit_req *r, l6_error *err) {
  const l6_project *p = &r->project;
  l6_err e;
  if (!l6_valid_project_id(p->id))
    return l6_fail(err, L6_E_INVALID_VALUE, "id must be [A-Za-z0-9._], 1-%d characters, no hyphen", L6_CODE_MAX);
  if ((e = need_text("title", p->title, L6_NAME_MAX, err)) != L6_E_OK ||
      (e = need_text("methodology", p->methodology, L6_NAME_MAX, err)) != L6_E_OK ||
      (e = need_text("sector", p->sector, L6_NAME_MAX, err)) != L6_E_OK ||
      (e = need_date("crediting_start", p->crediting_start, err)) != L6_E_OK ||
      (e = need_date("crediting_end", p->crediting_end, err)) != L6_E_OK)
    return e;
  if (strcmp(p->crediting_start, p->crediting_end) > 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "crediting period ends before it starts");
  if (strcmp(p->kind, "removal") != 0 && strcmp(p->kind, "avoidance") != 0 && strcmp(p->kind, "adaptation") != 0)
    return l6_fail(err, L6_E_INVALID_VALUE, "kind must be avoidance, removal or adaptation");
  if (!l6_valid_code(r->scope)) return l6_fail(err, L6_E_INVALID_VALUE, "scope must be a sectoral scope code");
  if (r->comment[0] && !l6_valid_text(r->comment, L6_NAME_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "comment must be printable text of at most %d bytes", L6_NAME_MAX);
  /* Eligibility. */
  if (!mech_accepts_kind(m, p->kind))
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not accept %s activities", m->code, p->kind);
  if (!mech_has_scope(m, r->scope)) return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s does not cover sectoral scope %s", m->code, r->scope);
  if (m->crediting_start_from[0] && strcmp(p->crediting_start, m->crediting_start_from) < 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s accepts crediting periods starting %s or later", m->code, m->crediting_start_from);
  if (m->exclude_ets_covered && r->ets_covered < 0)
    return l6_fail(err, L6_E_MISSING_FIELD, "%s asks whether the participant is under ETS allowance management: "
                   "ets_covered is required", m->code);
  if (m->exclude_ets_covered && r->ets_covered > 0)
    return l6_fail(err, L6_E_NOT_ELIGIBLE, "%s excludes reductions of entities under ETS allowance management", m->code);
  return L6_E_OK;
}

l6_err svc_activity_submit(l6_svc *s, const l6_actor *a, const l6_submit_req *r, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  cyc c;
  memset(&c, 0, sizeof c);
  l6_err e = mech_of(s, r->mechanism, &c.m, err);
  if (e != L6_E_OK) return e;
  const l6_mech *m = c.m;
  const l6_project *p = &r->project;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_party host;
  l6_registry reg;
  json_t *docs = NULL, *detail = NULL;
  e = may_act(s, m, L6_STEP_SUBMIT, a, &c.act, p->host, r->scope, err);
  if (e == L6_E_OK) e = submit_checks(m, r, err);
  if (e == L6_E_OK) e = OPS->party_get(ST, p->host, &host, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, r->registry, &reg, err);
  if (e == L6_E_OK) e = check_docs(s, m, L6_STEP_SUBMIT, r->docs, r->ndocs, &docs, err);
  char dev_party[4] = "";
  if (e == L6_E_OK && r->third_party_choice[0]) e = party_of_org(s, a->org, dev_party, err);
  l6_cstate next = L6_CS__NONE, exp;
  if (e == L6_E_OK) e = cycle_next(m->chain, L6_CS__NONE, L6_STEP_SUBMIT, L6_DECIDE_NONE, &next, &exp, err);
  c.proj = *p;
  snprintf(c.proj.programme, sizeof c.proj.programme, "%s", m->programme);
  snprintf(c.proj.status, sizeof c.proj.status, "listed");
  if (e == L6_E_OK) {
    e = OPS->project_put(ST, &c.proj, err);
    if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "project %s already exists", p->id);
  }
  snprintf(c.act.project, sizeof c.act.project, "%s", p->id);
  snprintf(c.act.mechanism, sizeof c.act.mechanism, "%s", m->code);
  c.act.org = a->org;
  snprintf(c.act.registry, sizeof c.act.registry, "%s", r->registry);
  snprintf(c.act.scope, sizeof c.act.scope, "%s", r->scope);
  snprintf(c.act.state, sizeof c.act.state, "%s", l6_cstate_str(next));
  c.act.ets_covered = r->ets_covered > 0;
  svc__timestamp(s, c.act.updated);
  if (e == L6_E_OK) e = OPS->activity_save(ST, &c.act, err);
  if (e == L6_E_OK && r->third_party_choice[0])
    e = cdata__tp_choose(s, m, p->id, p->host, dev_party, r->third_party_choice, err);
  detail = json_object();
  if (r->comment[0]) json_object_set_new(detail, "comment", json_string(r->comment));
  if (r->third_party_choice[0]) json_object_set_new(detail, "third_party_choice", json_string(r->third_party_choice));
  l6_step_rec *rec = malloc(sizeof *rec);
  if (rec == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = record(s, a, m, p->id, 0, L6_STEP_SUBMIT, L6_DECIDE_NONE, L6_CS__NONE, next, docs, detail, rec, err);
  if (e == L6_E_OK) *out = step_reply(&c, rec, NULL);
  free(rec);
  json_decref(docs);
  json_decref(detail);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* ---- reads ------------------------------------------------------------ */

typedef struct {
  json_t *arr;
  int count;
  char last[L6_CODE_MAX + 1];
  l6_svc *s;
  l6_err e;
  l6_error *err;
} act_list_ctx;

static int act_row(void *ctx, const void *row) {
  act_list_ctx *c = ctx;
  const l6_activity *a = row;
  l6_project p;
  l6_svc *s = c->s;
  if ((c->e = OPS->project_get(ST, a->project, &p, c->err)) != L6_E_OK) return 1;
  json_array_append_new(c->arr, view_activity(a, &p));
  c->count++;
  snprintf(c->last, sizeof c->last, "%s", a->project);
  return 0;
}

l6_err svc_activity_list(l6_svc *s, const l6_actor *a, const char *mechanism, const char *state, const l6_page *pg,
                         json_t **out, l6_error *err) {
  *out = NULL;
  int limit = pg && pg->limit > 0 ? (pg->limit > L6_MAX_PAGE ? L6_MAX_PAGE : pg->limit) : L6_DEFAULT_PAGE;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  act_list_ctx c = {.arr = json_array(), .s = s, .err = err};
  e = OPS->activity_list(ST, mechanism, state, pg ? pg->after : "", limit, act_row, &c, err);
  if (e == L6_E_OK) e = c.e;
  *out = json_pack("{s:o}", "items", c.arr);
  if (*out) view_set_next(*out, c.count == limit ? c.last : NULL);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

static int period_json_row(void *ctx, const void *row) {
  json_array_append_new(ctx, view_period(row));
  return 0;
}
static int step_json_row(void *ctx, const void *row) {
  json_array_append_new(ctx, view_step(row));
  return 0;
}

l6_err svc_activity_get(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  cyc c;
  e = load_cyc(s, project, &c, err);
  json_t *periods = json_array(), *steps = json_array();
  if (e == L6_E_OK) e = OPS->period_list(ST, project, L6_MAX_PERIODS, period_json_row, periods, err);
  if (e == L6_E_OK) e = OPS->step_list(ST, project, 0, L6_MAX_STEPS_SHOWN, step_json_row, steps, err);
  if (e == L6_E_OK && (*out = view_activity(&c.act, &c.proj)) != NULL) {
    json_object_set_new(*out, "mechanism_hash", json_string(c.m->hash));
    json_object_set(*out, "periods", periods);
    json_object_set(*out, "steps", steps);
  }
  json_decref(periods);
  json_decref(steps);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_mechanism_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  const l6_mech_set *set = svc__mechs(s);
  json_t *arr = json_array();
  for (size_t i = 0; set && i < set->n; i++) json_array_append_new(arr, json_deep_copy(set->m[i].json));
  *out = json_pack("{s:o}", "items", arr);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

l6_err svc_mechanism_get(l6_svc *s, const l6_actor *a, const char *code, json_t **out, l6_error *err) {
  *out = NULL;
  const l6_mech *m;
  l6_err e = mech_of(s, code, &m, err);
  if (e != L6_E_OK) return e;
  *out = json_deep_copy(m->json);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- documents and accreditations ------------------------------------ */

static json_t *view_doc(const l6_doc *d) {
  return json_pack("{s:s, s:s, s:s, s:I, s:b, s:s}", "sha256", d->hash, "name", d->name, "media_type", d->media_type,
                   "size", (json_int_t)d->size, "stored", d->stored, "registered", d->ts);
}

l6_err svc_document_put(l6_svc *s, const l6_actor *a, const char *name, const char *media_type, const void *bytes,
                        size_t len, const char *sha256, int64_t size, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = need_text("name", name, L6_NAME_MAX, err);
  if (e != L6_E_OK) return e;
  if (media_type == NULL || media_type[0] == '\0') return l6_fail(err, L6_E_MISSING_FIELD, "media_type is required");
  if (!valid_media_type(media_type))
    return l6_fail(err, L6_E_INVALID_VALUE, "media_type must be a media type such as application/pdf");
  l6_doc d = {.size = (int64_t)len, .stored = bytes != NULL};
  char *b64 = NULL;
  if (bytes) {
    if (len == 0 || len > L6_MAX_DOC_BYTES)
      return l6_fail(err, L6_E_INVALID_VALUE, "a stored document has 1-%d bytes; register larger ones by sha256 and size",
                     L6_MAX_DOC_BYTES);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(d.hash, sizeof d.hash, h, sizeof h);
    if (sha256 && sha256[0] && strcmp(sha256, d.hash) != 0)
      return l6_fail(err, L6_E_INVALID_VALUE, "sha256 %s does not match the content (%s)", sha256, d.hash);
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    if ((b64 = malloc(cap)) == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
    sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
  } else {
    if (sha256 == NULL || !valid_hex64(sha256))
      return l6_fail(err, L6_E_MISSING_FIELD, "give content_base64, or sha256 (64 lower-case hex digits) and size");
    if (size <= 0) return l6_fail(err, L6_E_MISSING_FIELD, "size (bytes, positive) is required with sha256");
    snprintf(d.hash, sizeof d.hash, "%s", sha256);
    d.size = size;
  }
  snprintf(d.name, sizeof d.name, "%s", name);
  snprintf(d.media_type, sizeof d.media_type, "%s", media_type);
  svc__timestamp(s, d.ts);
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    free(b64);
    return e;
  }
  l6_doc got;
  e = OPS->doc_put(ST, &d, b64, err);
  if (e == L6_E_OK) e = OPS->doc_get(ST, d.hash, &got, NULL, err);
  if (e == L6_E_OK && got.size != d.size)
    e = l6_fail(err, L6_E_INVALID_VALUE, "document %s is registered with %lld bytes, not %lld", d.hash, (long long)got.size,
                (long long)d.size);
  if (e == L6_E_OK) *out = view_doc(&got);
  free(b64);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_document_get(l6_svc *s, const l6_actor *a, const char *sha256, bool with_content, json_t **out,
                        l6_error *err) {
  *out = NULL;
  if (!valid_hex64(sha256)) return l6_fail(err, L6_E_UNKNOWN_DOCUMENT, "'%.70s' is not a SHA-256 in hex", sha256);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_doc d;
  char *b64 = NULL;
  e = OPS->doc_get(ST, sha256, &d, with_content ? &b64 : NULL, err);
  if (e == L6_E_OK && (*out = view_doc(&d)) != NULL && with_content)
    json_object_set_new(*out, "content_base64", b64 ? json_string(b64) : json_null());
  free(b64);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

l6_err svc_accredit(l6_svc *s, const l6_actor *a, l6_id org, const char *mechanism, const char (*scopes)[L6_CODE_MAX + 1],
                    size_t nscopes, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_MECHANISM_ADMIN)
    return l6_fail(err, L6_E_FORBIDDEN, "accreditation is the mechanism administrator's; %s %s token may not do it",
                   l6_article(l6_role_str(a->role)), l6_role_str(a->role));
  const l6_mech *m;
  l6_err e = mech_of(s, mechanism, &m, err);
  if (e != L6_E_OK) return e;
  if (nscopes == 0) return l6_fail(err, L6_E_MISSING_FIELD, "scopes must name at least one sectoral scope");
  for (size_t i = 0; i < nscopes; i++)
    if (!mech_has_scope(m, scopes[i]))
      return l6_fail(err, L6_E_INVALID_VALUE, "%s has no sectoral scope '%.32s'", m->code, scopes[i]);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_org o;
  e = OPS->org_get(ST, org, &o, err);
  for (size_t i = 0; i < nscopes && e == L6_E_OK; i++) e = OPS->accreditation_put(ST, org, m->code, scopes[i], err);
  json_t *arr = json_array();
  for (size_t i = 0; i < nscopes; i++) json_array_append_new(arr, json_string(scopes[i]));
  if (e == L6_E_OK) *out = json_pack("{s:I, s:s, s:O}", "organisation", (json_int_t)org, "mechanism", m->code, "scopes", arr);
  json_decref(arr);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}
