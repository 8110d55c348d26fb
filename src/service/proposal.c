/*
 * proposal.c -- four eyes, trusted accounts and transfer delays; see
 * proposal.h and docs/DESIGN.md ("Proposals and holds").
 */
#include "proposal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"
#include "tlog.h"
#include "views.h"

#define OPS (svc_store(s)->ops)
#define ST (svc_store(s))
#define HOUR_MS INT64_C(3600000)
#define MAX_HOURS 8760 /* a year */
#define DEFAULT_LIFETIME_H 168 /* a week */

/* ---- the policy -------------------------------------------------------- */

typedef struct {
  bool out_of_registry;   /* transfers to another registry need approval */
  int64_t transfer_above; /* transfers of more units need approval; 0: none */
  int64_t retirement_above; /* retirements and cancellations of more units; 0: none */
  int64_t lifetime_h;     /* a pending proposal expires after it */
  int64_t delay_h;        /* a transfer to an untrusted account waits it; 0: none */
  int64_t activation_h;   /* a trusted account is usable after it */
  bool a6_authorizations; /* Article 6 authorizations and revocations of the registry's Party need approval */
  bool ets_emissions;     /* the regulator's confirmation and correction of verified emissions (ets.c) */
  l6_id hold;             /* the registry's hold account, 0 when none */
} pol_t;

static const struct {
  const char *name;
  bool boolean;
  int64_t max;
} pol_fields[] = {
    {"transfers_out_of_registry", true, 0},          {"transfer_above", false, L6_MAX_QUANTITY},
    {"retirement_above", false, L6_MAX_QUANTITY},     {"proposal_lifetime_hours", false, MAX_HOURS},
    {"untrusted_transfer_delay_hours", false, MAX_HOURS}, {"trusted_activation_hours", false, MAX_HOURS},
    {"a6_authorizations", true, 0},
    {"ets_emissions", true, 0},
};
#define NPOL (sizeof pol_fields / sizeof pol_fields[0])

static int64_t *pol_slot(pol_t *p, size_t i) {
  int64_t *slots[NPOL] = {NULL, &p->transfer_above, &p->retirement_above, &p->lifetime_h, &p->delay_h, &p->activation_h, NULL, NULL};
  return slots[i];
}
static bool *pol_flag(pol_t *p, size_t i) {
  bool *flags[NPOL] = {&p->out_of_registry, NULL, NULL, NULL, NULL, NULL, &p->a6_authorizations, &p->ets_emissions};
  return flags[i];
}

static l6_err pol_parse(const json_t *o, pol_t *p, l6_error *err) {
  memset(p, 0, sizeof *p);
  p->lifetime_h = DEFAULT_LIFETIME_H;
  if (!json_is_object(o)) return l6_fail(err, L6_E_WRONG_TYPE, "the approval policy must be a JSON object");
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)o, key, v) {
    size_t i = 0;
    while (i < NPOL && strcmp(pol_fields[i].name, key) != 0) i++;
    if (i == NPOL) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s' in the approval policy", key);
    if (pol_fields[i].boolean) {
      if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "%s must be true or false", key);
      *pol_flag(p, i) = json_is_true(v);
      continue;
    }
    if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "%s must be an integer", key);
    int64_t n = json_integer_value(v);
    if (n < 0 || n > pol_fields[i].max || (strcmp(key, "proposal_lifetime_hours") == 0 && n < 1))
      return l6_fail(err, L6_E_INVALID_VALUE, "%s must be from %d to %" PRId64, key,
                     strcmp(key, "proposal_lifetime_hours") == 0 ? 1 : 0, pol_fields[i].max);
    *pol_slot(p, i) = n;
  }
  return L6_E_OK;
}

static json_t *pol_json(const pol_t *p) {
  json_t *o = json_object();
  for (size_t i = 0; i < NPOL; i++)
    json_object_set_new(o, pol_fields[i].name, pol_fields[i].boolean ? json_boolean(*pol_flag((pol_t *)p, i))
                                                                    : json_integer(*pol_slot((pol_t *)p, i)));
  return o;
}

/* The policy of registry (defaults when none). */
static l6_err pol_load(l6_svc *s, const char *registry, pol_t *p, bool *found, l6_error *err) {
  l6_policy_rec rec;
  bool f = false;
  l6_err e = OPS->policy_get(ST, registry, &rec, &f, err);
  if (found) *found = f;
  if (e != L6_E_OK) return e;
  json_error_t je;
  json_t *o = f ? json_loads(rec.body, 0, &je) : json_object();
  if (o == NULL) return l6_fail(err, L6_E_INTERNAL, "stored approval policy of %s is not JSON", registry);
  e = pol_parse(o, p, err);
  json_decref(o);
  p->hold = rec.hold_account;
  return e;
}

static json_t *pol_view(const char *registry, const pol_t *p) {
  json_t *o = pol_json(p);
  json_object_set_new(o, "registry", json_string(registry));
  json_object_set_new(o, "hold_account", p->hold ? json_integer(p->hold) : json_null());
  return o;
}

/* ---- who may ----------------------------------------------------------- */

static l6_err need_reader(const l6_actor *a, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR || a->role == L6_ROLE_HOLDER ||
      a->role == L6_ROLE_AUTHORITY) /* an authority sees its organisation's Article 6 proposals */
    return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
}

/* May a see the things of organisation org (write: act for it)? */
static l6_err may_org(const l6_actor *a, l6_id org, bool write, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN || (!write && a->role == L6_ROLE_AUDITOR)) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER && org != 0 && org == a->org) return L6_E_OK;
  if (!write && a->role == L6_ROLE_AUTHORITY && org != 0 && org == a->org) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER) return l6_fail(err, L6_E_FORBIDDEN, "this belongs to another organisation");
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not do this", l6_role_str(a->role));
}

/* The user a acts as: a web session's, or the owner of a bearer token
 * (tokens made in a user's session belong to that user, schema 12); 0
 * for a system integration's token and the CLI. */
static l6_id person_of(const l6_actor *a) { return a->user ? a->user : a->owner; }

/* Is a the person who proposed p? A person is a user (through a session
 * or any token of theirs, so a user's session and token are one person),
 * else the bearer token (an integration's credential), else (the CLI)
 * the actor's name. */
static bool same_person(const l6_actor *a, const l6_proposal *p) {
  if (p->proposer_user || person_of(a)) return p->proposer_user == person_of(a);
  if (p->proposer_token || a->token) return p->proposer_token == a->token;
  return strcmp(p->proposer, a->name) == 0;
}

/* ---- views ------------------------------------------------------------- */

static json_t *time_or_null(int64_t ms) {
  if (ms <= 0) return json_null();
  char buf[32];
  view_iso_time(ms, buf);
  return json_string(buf);
}
static json_t *id_or_null(l6_id id) { return id > 0 ? json_integer(id) : json_null(); }
static json_t *text_or_null(const char *t) { return t[0] ? json_string(t) : json_null(); }

static json_t *view_proposal(const l6_proposal *p) {
  json_t *reasons = json_array();
  char buf[sizeof p->reasons];
  snprintf(buf, sizeof buf, "%s", p->reasons);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
    json_array_append_new(reasons, json_string(t));
  json_error_t je;
  json_t *req = json_loads(p->request, 0, &je);
  return json_pack("{sI ss ss ss sI sI sI sI so ss so so so so so so so so so so so}", "id", (json_int_t)p->id, "kind",
                   p->kind, "state", p->state, "registry", p->registry, "organisation", (json_int_t)p->org,
                   "from_account", (json_int_t)p->from_account, "to_account", (json_int_t)p->to_account, "quantity",
                   (json_int_t)p->quantity, "reasons", reasons, "proposer", p->proposer, "created",
                   time_or_null(p->created_ms), "expires_at", time_or_null(p->expires_ms), "executes_at",
                   time_or_null(p->executes_ms), "decided_at", time_or_null(p->decided_ms), "decided_by",
                   text_or_null(p->decided_by), "approved_by", text_or_null(p->approved_by), "failure",
                   text_or_null(p->result), "hold_tx", id_or_null(p->hold_tx), "release_tx", id_or_null(p->release_tx),
                   "tx", id_or_null(p->result_tx), "request", req ? req : json_object());
}

/* ---- the stored request ------------------------------------------------- */

static const char *kind_name(l6_tx_kind k) {
  return k == L6_TX_TRANSFER ? "transfer" : k == L6_TX_RETIREMENT ? "retirement" : "cancellation";
}

/* The canonical JSON of r with the serials that were put on hold in place
 * of a quantity: the request runs later on exactly these units. */
static char *req_dump(const l6_move_req *r, const l6_take *takes, size_t n) {
  json_t *ranges = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(ranges, json_pack("[I,I,I]", (json_int_t)takes[i].batch, (json_int_t)takes[i].first,
                                            (json_int_t)takes[i].last));
  json_t *o = json_pack("{ss sI sI ss ss si so ss ss ss si}", "kind", kind_name(r->kind), "from_account",
                        (json_int_t)r->from_account, "to_account", (json_int_t)r->to_account, "unit_type", r->unit_type,
                        "project", r->project, "vintage", r->vintage, "ranges", ranges, "beneficiary", r->beneficiary,
                        "purpose", r->purpose, "claim", r->claim, "reporting_year", r->reporting_year);
  char *txt = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  return txt;
}

static void copy_str(char *dst, size_t cap, const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  snprintf(dst, cap, "%s", v ? v : "");
}

static l6_err req_load(const char *txt, l6_move_req *r, l6_error *err) {
  memset(r, 0, sizeof *r);
  json_error_t je;
  json_t *o = json_loads(txt, 0, &je);
  if (o == NULL) return l6_fail(err, L6_E_INTERNAL, "a stored proposal request is not JSON");
  const char *k = json_string_value(json_object_get(o, "kind"));
  r->kind = k && strcmp(k, "transfer") == 0 ? L6_TX_TRANSFER : k && strcmp(k, "retirement") == 0 ? L6_TX_RETIREMENT : L6_TX_CANCELLATION;
  r->from_account = json_integer_value(json_object_get(o, "from_account"));
  r->to_account = json_integer_value(json_object_get(o, "to_account"));
  copy_str(r->unit_type, sizeof r->unit_type, o, "unit_type");
  copy_str(r->project, sizeof r->project, o, "project");
  r->vintage = (int)json_integer_value(json_object_get(o, "vintage"));
  copy_str(r->beneficiary, sizeof r->beneficiary, o, "beneficiary");
  copy_str(r->purpose, sizeof r->purpose, o, "purpose");
  copy_str(r->claim, sizeof r->claim, o, "claim");
  r->reporting_year = (int)json_integer_value(json_object_get(o, "reporting_year"));
  json_t *ranges = json_object_get(o, "ranges");
  size_t i;
  json_t *x;
  json_array_foreach(ranges, i, x) {
    if (r->nranges == L6_MAX_RANGES) break;
    r->ranges[r->nranges++] = (l6_range){json_integer_value(json_array_get(x, 0)), json_integer_value(json_array_get(x, 1)),
                                         json_integer_value(json_array_get(x, 2))};
  }
  json_decref(o);
  return r->nranges > 0 ? L6_E_OK : l6_fail(err, L6_E_INTERNAL, "a stored proposal request has no ranges");
}

/* ---- holds --------------------------------------------------------------- */

/* Moves the proposal's serials (the ranges of its request) from `from` to
 * `to` as one transaction of the log, labelled "proposal N: what". */
static l6_err hold_move(l6_svc *s, const l6_proposal *p, l6_id from, l6_id to, const char *what, const char *actor,
                        l6_id *tx_id, l6_error *err) {
  l6_move_req *r = malloc(sizeof *r);
  l6_take *takes = malloc(L6_MAX_RANGES * sizeof *takes);
  l6_err e = r && takes ? req_load(p->request, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  l6_tx tx = {.kind = L6_TX_TRANSFER, .from_account = from, .to_account = to};
  for (size_t i = 0; e == L6_E_OK && i < r->nranges; i++) {
    takes[i] = (l6_take){.block = i, .batch = r->ranges[i].batch, .first = r->ranges[i].first, .last = r->ranges[i].last};
    tx.quantity += l6_range_qty(r->ranges[i].first, r->ranges[i].last);
  }
  if (e == L6_E_OK && tx.quantity != p->quantity) e = l6_fail(err, L6_E_INTERNAL, "proposal %lld: ranges and quantity differ", (long long)p->id);
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", actor);
  snprintf(tx.purpose, sizeof tx.purpose, "proposal %lld: %s", (long long)p->id, what);
  if (e == L6_E_OK) e = OPS->tx_put(ST, &tx, err);
  svc_move_ctx m = {.route = SVC_MOVE_HOLD, .tx = &tx, .takes = takes, .n = e == L6_E_OK ? r->nranges : 0};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx.id, NULL, err);
  for (size_t i = 0; e == L6_E_OK && svc__check_level(s) >= 2 && i < r->nranges; i++)
    e = svc__check_batch(s, r->ranges[i].batch, err);
  if (e == L6_E_OK && tx_id) *tx_id = tx.id;
  free(r);
  free(takes);
  return e;
}

l6_err svc__hold_account_check(l6_svc *s, const l6_account *from, const l6_account *to, l6_error *err) {
  const l6_account *acc[2] = {from, to};
  for (int i = 0; i < 2; i++) {
    if (acc[i]->org != 0) continue; /* hold accounts belong to no organisation */
    l6_policy_rec rec;
    bool found;
    l6_err e = OPS->policy_get(ST, acc[i]->registry, &rec, &found, err);
    if (e != L6_E_OK) return e;
    if (found && rec.hold_account == acc[i]->id)
      return l6_fail(err, L6_E_INVALID_DESTINATION, "account %lld holds the units of open proposals; only they move them",
                     (long long)acc[i]->id);
  }
  return L6_E_OK;
}

/* Whether a transfer from `from` to `to` may go at once under policy p:
 * the same organisation (a holder's own accounts are trusted, as in the
 * EU registry), or to's entry on from's trusted list is active. */
typedef struct {
  l6_id want;
  int64_t now;
  bool listed, active;
} trust_ctx;

static int trust_row(void *ctx, const void *row) {
  trust_ctx *c = ctx;
  const l6_trusted *t = row;
  if (t->trusted != c->want) return 0;
  c->listed = true;
  c->active = t->active_ms <= c->now;
  return 1;
}

static l6_err trusted_now(l6_svc *s, const l6_account *from, const l6_account *to, bool *ok, l6_error *err) {
  *ok = to->org != 0 && to->org == from->org;
  if (*ok) return L6_E_OK;
  trust_ctx c = {.want = to->id, .now = svc__now_ms(s)};
  l6_err e = OPS->trusted_list(ST, from->id, trust_row, &c, err);
  *ok = c.active;
  return e;
}

/* Does the policy delay a transfer from `from` to `to` now? */
static l6_err needs_delay(l6_svc *s, const pol_t *p, l6_tx_kind kind, const l6_account *from, const l6_account *to,
                          bool *delay, l6_error *err) {
  *delay = false;
  if (kind != L6_TX_TRANSFER || p->delay_h == 0) return L6_E_OK;
  bool ok;
  l6_err e = trusted_now(s, from, to, &ok, err);
  *delay = e == L6_E_OK && !ok;
  return e;
}

l6_err svc__proposal_gate(l6_svc *s, const l6_actor *a, const l6_move_req *r, const l6_account *from,
                          const l6_account *to, const l6_take *takes, size_t n, l6_qty qty, l6_reply *out,
                          bool *proposed, l6_error *err) {
  *proposed = false;
  pol_t pol = {0};
  bool found;
  l6_err e = pol_load(s, from->registry, &pol, &found, err);
  if (e != L6_E_OK || !found) return e;
  char reasons[96] = "";
  bool approval = false;
  if (r->kind == L6_TX_TRANSFER && pol.out_of_registry && strcmp(to->registry, from->registry) != 0) {
    approval = true;
    strcat(reasons, "out-of-registry,");
  }
  if ((r->kind == L6_TX_TRANSFER && pol.transfer_above > 0 && qty > pol.transfer_above) ||
      (r->kind != L6_TX_TRANSFER && pol.retirement_above > 0 && qty > pol.retirement_above)) {
    approval = true;
    strcat(reasons, "above-threshold,");
  }
  bool delay;
  if ((e = needs_delay(s, &pol, r->kind, from, to, &delay, err)) != L6_E_OK) return e;
  if (delay) strcat(reasons, "untrusted-destination,");
  if (!approval && !delay) return L6_E_OK;
  reasons[strlen(reasons) - 1] = '\0';
  if (n > L6_MAX_RANGES)
    return l6_fail(err, L6_E_TOO_MANY_RANGES, "a proposal holds at most %d serial ranges; these units are in %zu",
                   L6_MAX_RANGES, n);
  if (pol.hold == 0) return l6_fail(err, L6_E_INTERNAL, "registry %s has a policy but no hold account", from->registry);
  /* Refuse at once what the policy step would refuse anyway: a proposal
   * is for requests that only wait for a person or the clock. */
  l6_tx probe = {.kind = r->kind, .from_account = from->id, .to_account = to->id, .quantity = qty,
                 .reporting_year = r->reporting_year};
  snprintf(probe.purpose, sizeof probe.purpose, "%s", r->purpose);
  snprintf(probe.beneficiary, sizeof probe.beneficiary, "%s", r->beneficiary);
  svc_move_ctx m = {.route = r->kind == L6_TX_TRANSFER     ? SVC_MOVE_TRANSFER
                             : r->kind == L6_TX_RETIREMENT ? SVC_MOVE_RETIREMENT
                                                           : SVC_MOVE_CANCELLATION,
                    .tx = &probe, .takes = takes, .n = n, .actor = a};
  if ((e = svc__move_check(s, &m, err)) != L6_E_OK) return e;

  l6_proposal *p = calloc(1, sizeof *p);
  char *req = req_dump(r, takes, n);
  if (p == NULL || req == NULL || strlen(req) > L6_PROPOSAL_BODY_MAX) {
    e = p && req ? l6_fail(err, L6_E_TOO_MANY_RANGES, "the request is too large to be kept as a proposal")
                 : l6_fail(err, L6_E_NOMEM, NULL);
    free(p);
    free(req);
    return e;
  }
  int64_t now = svc__now_ms(s);
  snprintf(p->kind, sizeof p->kind, "%s", kind_name(r->kind));
  snprintf(p->state, sizeof p->state, "%s", approval ? "pending" : "delayed");
  snprintf(p->registry, sizeof p->registry, "%s", from->registry);
  p->org = from->org;
  p->from_account = from->id;
  p->to_account = to->id;
  p->quantity = qty;
  snprintf(p->reasons, sizeof p->reasons, "%s", reasons);
  snprintf(p->proposer, sizeof p->proposer, "%s", a->name);
  snprintf(p->proposer_role, sizeof p->proposer_role, "%s", l6_role_str(a->role));
  p->proposer_org = a->org;
  p->proposer_user = person_of(a); /* the person, however they signed in */
  p->proposer_token = a->token;
  p->created_ms = now;
  if (approval) p->expires_ms = now + pol.lifetime_h * HOUR_MS;
  else p->executes_ms = now + pol.delay_h * HOUR_MS;
  snprintf(p->request, sizeof p->request, "%s", req);
  free(req);
  e = OPS->proposal_put(ST, p, err);
  if (e == L6_E_OK) e = hold_move(s, p, from->id, pol.hold, "hold", a->name, &p->hold_tx, err);
  if (e == L6_E_OK) e = OPS->proposal_update(ST, p, err);
  if (e == L6_E_OK) {
    out->status = 202;
    out->body = view_proposal(p);
    if (out->body == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    *proposed = e == L6_E_OK;
  }
  free(p);
  return e;
}

/* ---- requests without units (Article 6 authorizations, revocations) ---- */

/* Kinds whose request moves no units: nothing is held; approval re-runs
 * the request through svc__plain_rerun. */
static bool plain_kind(const char *kind) { return strncmp(kind, "a6-", 3) == 0 || strncmp(kind, "ets-", 4) == 0; }

l6_err svc__policy_covers_a6(l6_svc *s, const char *registry, bool *covered, l6_error *err) {
  pol_t pol = {0};
  bool found = false;
  l6_err e = pol_load(s, registry, &pol, &found, err);
  *covered = e == L6_E_OK && found && pol.a6_authorizations;
  return e;
}

l6_err svc__policy_covers_ets(l6_svc *s, const char *registry, bool *covered, l6_error *err) {
  pol_t pol = {0};
  bool found = false;
  l6_err e = pol_load(s, registry, &pol, &found, err);
  *covered = e == L6_E_OK && found && pol.ets_emissions;
  return e;
}

l6_err svc__proposal_plain(l6_svc *s, const l6_actor *a, const char *kind, const char *registry, const char *reason,
                           const char *request, json_t **out, l6_error *err) {
  *out = NULL;
  if (strlen(request) > L6_PROPOSAL_BODY_MAX)
    return l6_fail(err, L6_E_INVALID_VALUE, "the request is too large to be kept as a proposal");
  pol_t pol = {0};
  l6_err e = pol_load(s, registry, &pol, NULL, err);
  if (e != L6_E_OK) return e;
  l6_proposal *p = calloc(1, sizeof *p);
  if (p == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  int64_t now = svc__now_ms(s);
  snprintf(p->kind, sizeof p->kind, "%s", kind);
  snprintf(p->state, sizeof p->state, "pending");
  snprintf(p->registry, sizeof p->registry, "%s", registry);
  p->org = a->org; /* the proposer's organisation: its people decide */
  snprintf(p->reasons, sizeof p->reasons, "%s", reason);
  snprintf(p->proposer, sizeof p->proposer, "%s", a->name);
  snprintf(p->proposer_role, sizeof p->proposer_role, "%s", l6_role_str(a->role));
  p->proposer_org = a->org;
  p->proposer_user = person_of(a);
  p->proposer_token = a->token;
  p->created_ms = now;
  p->expires_ms = now + pol.lifetime_h * HOUR_MS;
  snprintf(p->request, sizeof p->request, "%s", request);
  e = OPS->proposal_put(ST, p, err);
  if (e == L6_E_OK && (*out = view_proposal(p)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  free(p);
  return e;
}

/* Who decides a plain proposal: an administrator, or a person with the
 * proposer's role in the proposer's organisation (never the proposer,
 * check_act). */
static l6_err may_decide_plain(const l6_actor *a, const l6_proposal *p, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN) return L6_E_OK;
  if (strcmp(l6_role_str(a->role), p->proposer_role) == 0 && a->org != 0 && a->org == p->proposer_org) return L6_E_OK;
  return l6_fail(err, L6_E_FORBIDDEN, "only an administrator or a %s of the proposer's organisation decides proposal %lld",
                 p->proposer_role, (long long)p->id);
}

/* ---- decisions ----------------------------------------------------------- */

typedef enum { ACT_APPROVE, ACT_REJECT, ACT_CANCEL, ACT_CLOCK } act_t;

/* Is the error a refusal of the request (its reason is kept), rather
 * than a failure of the store or the server (nothing is kept)? */
static bool refusal(l6_err e) {
  return e != L6_E_STORE && e != L6_E_BUSY && e != L6_E_NOMEM && e != L6_E_INTERNAL;
}

static l6_err check_act(l6_svc *s, const l6_actor *a, const l6_proposal *p, act_t act, l6_error *err) {
  int64_t now = svc__now_ms(s);
  bool pending = strcmp(p->state, "pending") == 0 && p->expires_ms > now;
  bool delayed = strcmp(p->state, "delayed") == 0;
  l6_err e = plain_kind(p->kind) ? may_decide_plain(a, p, err) : may_org(a, p->org, true, err);
  if (e != L6_E_OK) return e;
  if (act == ACT_CANCEL) {
    if (!pending && !delayed)
      return l6_fail(err, L6_E_PROPOSAL_CLOSED, "proposal %lld is %s", (long long)p->id, p->state);
    return L6_E_OK;
  }
  if (!pending)
    return l6_fail(err, L6_E_PROPOSAL_CLOSED, "proposal %lld is %s", (long long)p->id,
                   strcmp(p->state, "pending") == 0 ? "expired" : p->state);
  if (same_person(a, p))
    return l6_fail(err, L6_E_SELF_APPROVAL, "proposal %lld was proposed by %s: another person must %s it", (long long)p->id,
                   p->proposer, act == ACT_APPROVE ? "approve" : "reject");
  return L6_E_OK;
}

/* Runs the proposal's request as its proposer (every check again). */
static l6_err run_request(l6_svc *s, const l6_proposal *p, l6_id *tx_id, l6_error *err) {
  l6_actor pa = {.role = l6_role_from_str(p->proposer_role), .org = p->proposer_org, .token = p->proposer_token,
                 .user = p->proposer_user};
  snprintf(pa.name, sizeof pa.name, "%s", p->proposer);
  if (plain_kind(p->kind)) return svc__plain_rerun(s, &pa, p->kind, p->request, err);
  l6_move_req *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = req_load(p->request, r, err);
  l6_reply rep = {0};
  if (e == L6_E_OK) e = svc__move_in_tx(s, &pa, r, false, &rep, err);
  if (e == L6_E_OK) *tx_id = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  free(r);
  return e;
}

static const l6_actor clock_actor = {.role = L6_ROLE_ADMIN, .name = "clock"};

static l6_err decide_once(l6_svc *s, const l6_actor *a, l6_id id, act_t act, const char *failure, json_t **out,
                          char fail_msg[320], bool *refused, l6_error *err) {
  *refused = false;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_proposal *p = malloc(sizeof *p);
  if (p == NULL) return svc__finish(s, l6_fail(err, L6_E_NOMEM, NULL), err);
  e = OPS->proposal_get(ST, id, p, err);
  int64_t now = svc__now_ms(s);
  enum { NONE, END, EXECUTE, DELAY } op = NONE;
  const char *end_state = NULL;
  if (e == L6_E_OK && act != ACT_CLOCK) e = check_act(s, a, p, act, err);
  pol_t pol = {0};
  if (e == L6_E_OK) e = pol_load(s, p->registry, &pol, NULL, err);
  if (e == L6_E_OK) {
    switch (act) {
    case ACT_REJECT: op = END, end_state = "rejected"; break;
    case ACT_CANCEL: op = END, end_state = "cancelled"; break;
    case ACT_CLOCK:
      if (strcmp(p->state, "pending") == 0 && p->expires_ms <= now) op = END, end_state = "expired";
      else if (strcmp(p->state, "delayed") == 0 && p->executes_ms <= now) op = EXECUTE;
      break;
    case ACT_APPROVE:
      if (plain_kind(p->kind)) {
        op = EXECUTE;
        snprintf(p->approved_by, sizeof p->approved_by, "%s", a->name);
        break;
      } else {
      l6_account from, to;
      bool delay = false;
      e = OPS->account_get(ST, p->from_account, &from, err);
      if (e == L6_E_OK) e = OPS->account_get(ST, p->to_account, &to, err);
      if (e == L6_E_OK) e = needs_delay(s, &pol, strcmp(p->kind, "transfer") == 0 ? L6_TX_TRANSFER : L6_TX_RETIREMENT,
                                        &from, &to, &delay, err);
      op = delay ? DELAY : EXECUTE;
      snprintf(p->approved_by, sizeof p->approved_by, "%s", a->name);
      break;
      }
    }
  }
  if (e == L6_E_OK && op != NONE) {
    p->decided_ms = now;
    snprintf(p->decided_by, sizeof p->decided_by, "%s", a->name);
    char what[96];
    if (op == END) {
      snprintf(what, sizeof what, "%s", end_state);
    } else if (op == DELAY) {
      snprintf(what, sizeof what, "approved");
    } else {
      snprintf(what, sizeof what, "%s", act == ACT_CLOCK ? "delay ended" : "approved");
    }
    if (!plain_kind(p->kind)) e = hold_move(s, p, pol.hold, p->from_account, what, a->name, &p->release_tx, err);
    if (e == L6_E_OK && op == END) {
      snprintf(p->state, sizeof p->state, "%s", end_state);
    } else if (e == L6_E_OK && op == DELAY) {
      /* Approved, but the destination is (still) untrusted: the delay
       * starts now, with the units held again. */
      e = hold_move(s, p, p->from_account, pol.hold, "delayed", a->name, &p->hold_tx, err);
      snprintf(p->state, sizeof p->state, "delayed");
      p->executes_ms = now + pol.delay_h * HOUR_MS;
      p->release_tx = 0;
    } else if (e == L6_E_OK && failure) {
      snprintf(p->state, sizeof p->state, "failed");
      snprintf(p->result, sizeof p->result, "%s", failure);
    } else if (e == L6_E_OK) {
      e = run_request(s, p, &p->result_tx, err);
      if (e != L6_E_OK && refusal(e)) {
        snprintf(fail_msg, 320, "%s: %s", l6_err_code(e), err->message[0] ? err->message : l6_err_message(e));
        *refused = true;
      }
      if (e == L6_E_OK) snprintf(p->state, sizeof p->state, "executed");
    }
    if (e == L6_E_OK) e = OPS->proposal_update(ST, p, err);
  }
  if (e == L6_E_OK && out) *out = view_proposal(p);
  free(p);
  return out ? svc__finish_out(s, e, out, err) : svc__finish(s, e, err);
}

/* Acts on proposal id; an execution refused by a rule is rolled back and
 * the proposal then ends failed, with its units returned. */
static l6_err decide(l6_svc *s, const l6_actor *a, l6_id id, act_t act, json_t **out, l6_error *err) {
  char msg[320] = "";
  bool refused = false;
  if (out) *out = NULL;
  l6_err e = decide_once(s, a, id, act, NULL, out, msg, &refused, err);
  if (e != L6_E_OK && refused) e = decide_once(s, a, id, act, msg, out, msg, &refused, err);
  return e;
}

typedef struct {
  l6_id ids[32];
  size_t n;
} due_ctx;

static int due_row(void *ctx, const void *row) {
  due_ctx *c = ctx;
  c->ids[c->n++] = ((const l6_proposal *)row)->id;
  return c->n == sizeof c->ids / sizeof c->ids[0];
}

l6_err svc_proposals_tick(l6_svc *s, int *done, l6_error *err) {
  if (done) *done = 0;
  l6_err e = L6_E_OK;
  /* Bounded: at most 16 rounds of 32 per call; the next call goes on. */
  for (int round = 0; round < 16 && e == L6_E_OK; round++) {
    due_ctx c = {.n = 0};
    l6_proposal_filter f = {.due_ms = svc__now_ms(s), .limit = (int)(sizeof c.ids / sizeof c.ids[0])};
    if ((e = svc__begin(s, err)) != L6_E_OK) return e;
    e = svc__finish(s, OPS->proposal_list(ST, &f, due_row, &c, err), err);
    for (size_t i = 0; e == L6_E_OK && i < c.n; i++) {
      e = decide(s, &clock_actor, c.ids[i], ACT_CLOCK, NULL, err);
      if (e == L6_E_OK && done) (*done)++;
    }
    if (c.n < sizeof c.ids / sizeof c.ids[0]) break;
  }
  return e;
}

/* Reads that show holdings or proposals call this first: it looks on a
 * reader's snapshot (off the writer lock) whether anything is due, and
 * takes the writer for the tick only then, so reads stay off the lock
 * (readers.c). On a view itself it does nothing: a view cannot write. */
l6_err svc__proposals_tick_if_due(l6_svc *s, l6_error *err) {
  if (s->reader) return L6_E_OK;
  l6_svc *v = svc__reader_get(s);
  if (v != NULL) {
    due_ctx c = {.n = 0};
    l6_proposal_filter f = {.due_ms = svc__now_ms(s), .limit = 1};
    l6_err e = svc__begin(v, err);
    if (e == L6_E_OK) e = svc__finish(v, v->st->ops->proposal_list(v->st, &f, due_row, &c, err), err);
    svc__reader_put(s, v);
    if (e != L6_E_OK) return e;
    if (c.n == 0) return L6_E_OK;
  }
  return svc_proposals_tick(s, NULL, err);
}

l6_err svc_proposal_approve(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  l6_err e = svc_proposals_tick(s, NULL, err);
  return e == L6_E_OK ? decide(s, a, id, ACT_APPROVE, out, err) : e;
}
l6_err svc_proposal_reject(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  l6_err e = svc_proposals_tick(s, NULL, err);
  return e == L6_E_OK ? decide(s, a, id, ACT_REJECT, out, err) : e;
}
l6_err svc_proposal_cancel(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  l6_err e = svc_proposals_tick(s, NULL, err);
  return e == L6_E_OK ? decide(s, a, id, ACT_CANCEL, out, err) : e;
}

/* ---- reads ----------------------------------------------------------------- */

l6_err svc_proposal_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_reader(a, err);
  if (e == L6_E_OK) e = svc_proposals_tick(s, NULL, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_proposal *p = malloc(sizeof *p);
  e = p ? OPS->proposal_get(ST, id, p, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = may_org(a, p->org, false, err);
  if (e == L6_E_OK) *out = view_proposal(p);
  free(p);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  json_t *arr;
  l6_id last;
  int n;
} list_ctx;

static int list_row(void *ctx, const void *row) {
  list_ctx *c = ctx;
  const l6_proposal *p = row;
  json_array_append_new(c->arr, view_proposal(p));
  c->last = p->id;
  c->n++;
  return 0;
}

static bool state_known(const char *st) {
  static const char *const states[] = {"pending", "delayed", "executed", "rejected", "cancelled", "expired", "failed"};
  for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
    if (strcmp(st, states[i]) == 0) return true;
  return false;
}

l6_err svc_proposal_list(l6_svc *s, const l6_actor *a, const char *state, l6_id org, l6_id account,
                         const l6_page *pg, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_reader(a, err);
  if (e != L6_E_OK) return e;
  if (state && state[0] && !state_known(state))
    return l6_fail(err, L6_E_BAD_PARAM, "state must be pending, delayed, executed, rejected, cancelled, expired or failed");
  if (a->role == L6_ROLE_HOLDER || a->role == L6_ROLE_AUTHORITY) {
    if (org && org != a->org) return l6_fail(err, L6_E_FORBIDDEN, "a %s sees its own organisation's proposals only", l6_role_str(a->role));
    org = a->org;
  }
  if ((e = svc_proposals_tick(s, NULL, err)) != L6_E_OK) return e;
  int limit = pg && pg->limit > 0 ? (pg->limit > L6_MAX_PAGE ? L6_MAX_PAGE : pg->limit) : L6_DEFAULT_PAGE;
  l6_proposal_filter f = {.org = org, .account = account, .limit = limit,
                          .after = pg && pg->after[0] ? strtoll(pg->after, NULL, 10) : 0};
  snprintf(f.state, sizeof f.state, "%s", state ? state : "");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  list_ctx c = {.arr = json_array()};
  e = OPS->proposal_list(ST, &f, list_row, &c, err);
  if (e == L6_E_OK) {
    *out = json_pack("{so}", "items", c.arr);
    c.arr = NULL;
    if (*out && c.n == limit) {
      char cur[24];
      snprintf(cur, sizeof cur, "%lld", (long long)c.last);
      json_object_set_new(*out, "next", json_string(cur));
    }
  }
  json_decref(c.arr);
  return svc__finish_out(s, e, out, err);
}

/* ---- the policy routes ------------------------------------------------------- */

l6_err svc_policy_get(l6_svc *s, const l6_actor *a, const char *registry, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = need_reader(a, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_registry reg;
  pol_t pol = {0};
  e = OPS->registry_get(ST, registry, &reg, err);
  if (e == L6_E_OK) e = pol_load(s, registry, &pol, NULL, err);
  if (e == L6_E_OK) *out = pol_view(registry, &pol);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_policy_put(l6_svc *s, const l6_actor *a, const char *registry, const json_t *body, json_t **out,
                      l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN) return l6_fail(err, L6_E_FORBIDDEN, "only an administrator sets an approval policy");
  pol_t pol = {0};
  l6_err e = pol_parse(body, &pol, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_registry reg;
  pol_t old = {0};
  bool found = false;
  e = OPS->registry_get(ST, registry, &reg, err);
  if (e == L6_E_OK) e = pol_load(s, registry, &old, &found, err);
  pol.hold = found ? old.hold : 0;
  if (e == L6_E_OK && pol.hold == 0) {
    l6_account h = {.org = 0, .type = L6_ACCT_TRADING, .status = L6_STATUS_OPEN};
    snprintf(h.registry, sizeof h.registry, "%s", registry);
    snprintf(h.name, sizeof h.name, "approval hold %s", registry);
    e = OPS->account_put(ST, &h, err);
    pol.hold = h.id;
  }
  l6_policy_rec rec = {.hold_account = pol.hold};
  snprintf(rec.registry, sizeof rec.registry, "%s", registry);
  json_t *canon = pol_json(&pol);
  char *txt = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(canon);
  if (e == L6_E_OK && txt == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) snprintf(rec.body, sizeof rec.body, "%s", txt);
  free(txt);
  if (e == L6_E_OK) e = OPS->policy_put(ST, &rec, err);
  if (e == L6_E_OK) *out = pol_view(registry, &pol);
  return svc__finish_out(s, e, out, err);
}

/* ---- trusted accounts -------------------------------------------------------- */

static json_t *view_trusted(const l6_trusted *t, int64_t now) {
  return json_pack("{sI sI so so ss ss}", "account", (json_int_t)t->account, "trusted_account", (json_int_t)t->trusted,
                   "added", time_or_null(t->added_ms), "active_from", time_or_null(t->active_ms > 0 ? t->active_ms : t->added_ms),
                   "added_by", t->added_by, "state", t->active_ms <= now ? "active" : "pending");
}

typedef struct {
  json_t *arr;
  int64_t now;
} tlist_ctx;

static int tlist_row(void *ctx, const void *row) {
  tlist_ctx *c = ctx;
  json_array_append_new(c->arr, view_trusted(row, c->now));
  return 0;
}

/* Opens the transaction and reads the account, checking a may see (or
 * act for) it. */
static l6_err begin_account(l6_svc *s, const l6_actor *a, l6_id account, bool write, l6_account *acc, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = OPS->account_get(ST, account, acc, err);
  if (e == L6_E_OK) e = may_org(a, acc->org, write, err);
  if (e != L6_E_OK) svc__finish(s, e, err);
  return e;
}

l6_err svc_trusted_list(l6_svc *s, const l6_actor *a, l6_id account, json_t **out, l6_error *err) {
  *out = NULL;
  l6_account acc;
  l6_err e = need_reader(a, err);
  if (e == L6_E_OK) e = begin_account(s, a, account, false, &acc, err);
  if (e != L6_E_OK) return e;
  tlist_ctx c = {.arr = json_array(), .now = svc__now_ms(s)};
  e = OPS->trusted_list(ST, account, tlist_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{sI so}", "account", (json_int_t)account, "items", c.arr);
  else json_decref(c.arr);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_trusted_add(l6_svc *s, const l6_actor *a, l6_id account, l6_id trusted, json_t **out, l6_error *err) {
  *out = NULL;
  l6_account acc, t;
  l6_err e = need_reader(a, err);
  if (e == L6_E_OK && a->role == L6_ROLE_AUDITOR) e = l6_fail(err, L6_E_FORBIDDEN, "role auditor may not do this");
  if (e == L6_E_OK && trusted <= 0) e = l6_fail(err, L6_E_MISSING_FIELD, "account is required");
  if (e == L6_E_OK) e = begin_account(s, a, account, true, &acc, err);
  if (e != L6_E_OK) return e;
  e = OPS->account_get(ST, trusted, &t, err);
  if (e == L6_E_UNKNOWN_ACCOUNT) l6_fail(err, e, "account %lld does not exist", (long long)trusted);
  if (e == L6_E_OK && t.id == acc.id) e = l6_fail(err, L6_E_SAME_ACCOUNT, "an account is not on its own trusted list");
  if (e == L6_E_OK && t.status == L6_STATUS_CLOSED) e = l6_fail(err, L6_E_ACCOUNT_CLOSED, "account %lld is closed", (long long)t.id);
  if (e == L6_E_OK && !l6_account_type_accepts_transfer(t.type))
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "a %s account cannot receive transfers", l6_account_type_str(t.type));
  trust_ctx c = {.want = trusted, .now = svc__now_ms(s)};
  if (e == L6_E_OK) e = OPS->trusted_list(ST, account, trust_row, &c, err);
  if (e == L6_E_OK && c.listed)
    e = l6_fail(err, L6_E_ALREADY_EXISTS, "account %lld is already on the trusted list of account %lld", (long long)trusted,
                (long long)account);
  pol_t pol = {0};
  if (e == L6_E_OK) e = pol_load(s, acc.registry, &pol, NULL, err);
  int64_t now = svc__now_ms(s);
  l6_trusted x = {.account = account, .trusted = trusted, .added_ms = now, .active_ms = now + pol.activation_h * HOUR_MS};
  snprintf(x.added_by, sizeof x.added_by, "%s", a->name);
  if (e == L6_E_OK) e = OPS->trusted_put(ST, &x, err);
  if (e == L6_E_OK) *out = view_trusted(&x, now);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_trusted_remove(l6_svc *s, const l6_actor *a, l6_id account, l6_id trusted, json_t **out, l6_error *err) {
  *out = NULL;
  l6_account acc;
  l6_err e = need_reader(a, err);
  if (e == L6_E_OK && a->role == L6_ROLE_AUDITOR) e = l6_fail(err, L6_E_FORBIDDEN, "role auditor may not do this");
  if (e == L6_E_OK) e = begin_account(s, a, account, true, &acc, err);
  if (e != L6_E_OK) return e;
  e = OPS->trusted_delete(ST, account, trusted, err);
  if (e == L6_E_OK) *out = json_pack("{sI sI ss}", "account", (json_int_t)account, "trusted_account", (json_int_t)trusted,
                                     "state", "removed");
  return svc__finish_out(s, e, out, err);
}
