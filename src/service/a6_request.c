/*
 * a6_request.c -- requests for an Article 6.2 authorization by project
 * participants, decided by the host Party's authority (issue 18 item 4;
 * a6.h, docs/API.md "Authorization requests").
 *
 * The rule followed: units become ITMOs only by the host's authorization,
 * which entities take part in through their government --
 * "在三种机制下，交易可以由政府进行，也可以由政府授权的法律实体（公司或个人）进行，
 *  相关政府对履约负最终责任。" (seeds/001, under the three mechanisms trades are
 * made by governments or by legal entities the government authorizes; the
 * government bears final responsibility), and "《巴黎协定》第 6 条关于国际减缓成果的
 * 跨境转让需要国家授权" (seeds/001: the cross-border transfer of ITMOs needs
 * the national authorization). So a participant asks, the authority alone
 * decides, and an approval makes the authorization by the same path (and
 * the same checks, approval policy included) as POST /v1/a6/authorizations.
 *
 * A request is a record of mech_records (kind "a6-request", ref the host
 * Party, state pending | approved | proposed | rejected; the body the
 * terms asked and the decision), so it needs no table of its own. Every
 * call is one store transaction and appends to the transparency log what
 * it wrote, like every write (tlog_append_new).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a6.h"
#include "service_int.h"
#include "tlog.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)
#define KIND "a6-request"

static json_t *split(const char *list, const char *sep) {
  json_t *arr = json_array();
  char buf[L6_A6_LIST_MAX + 1];
  snprintf(buf, sizeof buf, "%s", list);
  char *save = NULL;
  for (char *t = strtok_r(buf, sep, &save); t; t = strtok_r(NULL, sep, &save)) json_array_append_new(arr, json_string(t));
  return arr;
}

static void join(const json_t *arr, char sep, char *dst, size_t cap) {
  size_t i, len = 0;
  json_t *it;
  dst[0] = '\0';
  json_array_foreach(arr, i, it) {
    const char *v = json_string_value(it);
    if (v == NULL) continue;
    len += (size_t)snprintf(dst + len, len < cap ? cap - len : 0, "%s%s", len ? (char[]){sep, 0} : "", v);
    if (len >= cap) break;
  }
}

/* The Party of an authority's or reviewer's organisation. */
static l6_err party_of_actor(l6_svc *s, const l6_actor *a, char party[4], l6_error *err) {
  l6_org o;
  l6_registry r;
  party[0] = '\0';
  l6_err e = OPS->org_get(ST, a->org, &o, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, o.registry, &r, err);
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  return e;
}

typedef struct {
  l6_batch *b;
  size_t n, cap;
} batches;

static int batch_take(void *ctx, const void *row) {
  batches *c = ctx;
  l6_batch *nb = svc__grow(c->b, c->n, &c->cap, sizeof *nb, 8);
  if (nb == NULL) return 1;
  c->b = nb;
  c->b[c->n++] = *(const l6_batch *)row;
  return 0;
}

typedef struct {
  l6_svc *s;
  l6_id org;
  bool found;
} holder_ctx;

static int holder_row(void *ctx, const void *row) {
  holder_ctx *c = ctx;
  l6_svc *s = c->s;
  l6_account acc;
  l6_error ignore;
  if (OPS->account_get(ST, ((const l6_block *)row)->account, &acc, &ignore) == L6_E_OK && acc.org == c->org)
    c->found = true;
  return c->found;
}

/* A participant of project: a holder of its activity's organisation; for a
 * project outside a mechanism's cycle (ledger6 then records no participant),
 * of an organisation its units were issued to or that holds some of them. */
static l6_err need_participant(l6_svc *s, const l6_actor *a, const char *project, l6_error *err) {
  l6_activity act;
  l6_err e = OPS->activity_get(ST, project, &act, err);
  if (e == L6_E_OK)
    return act.org == a->org ? L6_E_OK
                             : l6_fail(err, L6_E_NOT_PROJECT_PARTICIPANT,
                                       "organisation %lld is not the participant of activity %s", (long long)a->org, project);
  if (e != L6_E_UNKNOWN_ACTIVITY) return e;
  batches bs = {0};
  holder_ctx c = {.s = s, .org = a->org};
  e = OPS->batch_list(ST, project, 0, 100000, batch_take, &bs, err);
  for (size_t i = 0; i < bs.n && e == L6_E_OK && !c.found; i++) {
    l6_tx tx;
    l6_account acc;
    l6_error ignore;
    if (OPS->tx_get(ST, bs.b[i].tx, &tx, &ignore) == L6_E_OK && OPS->account_get(ST, tx.to_account, &acc, &ignore) == L6_E_OK &&
        acc.org == a->org)
      c.found = true;
    else
      e = OPS->blocks_of_batch(ST, bs.b[i].id, holder_row, &c, err);
  }
  free(bs.b);
  if (e == L6_E_OK && !c.found)
    e = l6_fail(err, L6_E_NOT_PROJECT_PARTICIPANT,
                "organisation %lld is not a participant of project %s (not its activity's, holds none of its units)",
                (long long)a->org, project);
  return e;
}

static json_t *view(const l6_mech_rec *r) {
  json_t *o = json_loads(r->body, 0, NULL);
  if (o == NULL) o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "state", json_string(r->state));
  return o;
}

/* Who may see request r: admin, auditor; authority and reviewer of its
 * Party; the holder of the requesting organisation. */
static l6_err may_see(l6_svc *s, const l6_actor *a, const l6_mech_rec *r, const json_t *body, l6_error *err) {
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role == L6_ROLE_ADMIN || a->role == L6_ROLE_AUDITOR) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER) {
    l6_id org = json_integer_value(json_object_get(json_object_get(body, "requested_by"), "organisation"));
    return org == a->org ? L6_E_OK : l6_fail(err, L6_E_FORBIDDEN, "the request was made by another organisation");
  }
  if (a->role == L6_ROLE_AUTHORITY || a->role == L6_ROLE_REVIEWER) {
    char p[4];
    l6_err e = party_of_actor(s, a, p, err);
    if (e == L6_E_OK && strcmp(p, r->ref) != 0)
      e = l6_fail(err, L6_E_FORBIDDEN, "the request is addressed to the authority of %s, not %s", r->ref, p);
    return e;
  }
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not read authorization requests", l6_role_str(a->role));
}

l6_err svc_a6_request_post(l6_svc *s, const l6_actor *a, l6_a6_auth *in, const char *note, json_t **out,
                           l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_HOLDER)
    return l6_fail(err, L6_E_FORBIDDEN, "an authorization is requested by a project participant (a holder token)");
  l6_err e = svc__a6_terms_validate(in, err);
  if (e != L6_E_OK) return e;
  if (note && note[0] && !l6_valid_text(note, L6_TEXT_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "note must be printable text of at most %d bytes", L6_TEXT_MAX);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_project p;
  e = OPS->project_get(ST, in->project, &p, err);
  if (e == L6_E_OK) e = need_participant(s, a, p.id, err);
  /* CABs and conservation certificates are never authorized (as svc_a6_authorize). */
  if (e == L6_E_OK) e = svc__project_non_offsetting(s, in->project, "an Article 6 authorization", err);
  if (e == L6_E_OK) {
    char buf[L6_A6_LIST_MAX + 1];
    snprintf(buf, sizeof buf, "%s", in->parties);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && e == L6_E_OK; t = strtok_r(NULL, ",", &save)) {
      l6_party q;
      e = OPS->party_get(ST, t, &q, err);
      if (e == L6_E_UNKNOWN_PARTY) l6_fail(err, e, "authorized Party %s is not known", t);
    }
  }
  l6_mech_rec *r = calloc(1, sizeof *r);
  if (e == L6_E_OK && r == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    char ts[32], cap[8];
    svc__timestamp(s, ts);
    snprintf(cap, sizeof cap, "CA%04d", in->approach);
    json_t *b = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:o, s:s, s:o, s:o, s:i, s:i, s:b, s:s, s:{s:I, s:s}, s:s,"
                          " s:n, s:n, s:n, s:n, s:n}",
                          "party", p.host, "approach", cap, "project", p.id, "vintage_from", in->vintage_from,
                          "vintage_to", in->vintage_to, "quantity", (json_int_t)in->quantity, "purposes",
                          split(in->purposes, ","), "first_transfer_event", in->ft_event, "authorized_parties",
                          split(in->parties, ","), "authorized_entities", split(in->entities, "|"), "year_from",
                          in->year_from, "year_to", in->year_to, "in_ndc_scope", in->in_scope, "note", note ? note : "",
                          "requested_by", "organisation", (json_int_t)a->org, "name", a->name, "requested_at", ts,
                          "decided_by", "decided_at", "reasons", "authorization", "proposal");
    char *t = b ? json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(b);
    if (t == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    else if (strlen(t) >= sizeof r->body) e = l6_fail(err, L6_E_INVALID_VALUE, "the request is too long");
    else snprintf(r->body, sizeof r->body, "%s", t);
    free(t);
    snprintf(r->kind, sizeof r->kind, KIND);
    snprintf(r->ref, sizeof r->ref, "%s", p.host);
    snprintf(r->state, sizeof r->state, "pending");
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, r, err);
  if (e == L6_E_OK) *out = view(r);
  free(r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  l6_svc *s;
  const l6_actor *a;
  json_t *items;
} list_ctx;

static int list_row(void *ctx, const void *row) {
  list_ctx *c = ctx;
  const l6_mech_rec *r = row;
  json_t *o = view(r);
  l6_error ignore;
  if (may_see(c->s, c->a, r, o, &ignore) == L6_E_OK) json_array_append(c->items, o);
  json_decref(o);
  return 0;
}

l6_err svc_a6_request_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUDITOR && a->role != L6_ROLE_HOLDER &&
      a->role != L6_ROLE_AUTHORITY && a->role != L6_ROLE_REVIEWER)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not read authorization requests", l6_role_str(a->role));
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  char own[4] = "";
  if (a->role == L6_ROLE_AUTHORITY || a->role == L6_ROLE_REVIEWER) e = party_of_actor(s, a, own, err);
  if (e == L6_E_OK && own[0] && party && party[0] && strcmp(party, own) != 0)
    e = l6_fail(err, L6_E_FORBIDDEN, "the authority of %s reads the requests addressed to %s only", own, own);
  list_ctx c = {.s = s, .a = a, .items = json_array()};
  if (e == L6_E_OK) e = OPS->mech_rec_list(ST, KIND, own[0] ? own : party ? party : "", list_row, &c, err);
  *out = json_pack("{s:o}", "items", c.items);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

static l6_err load(l6_svc *s, l6_id id, l6_mech_rec *r, l6_error *err) {
  l6_err e = OPS->mech_rec_get(ST, KIND, id, r, err);
  if (e == L6_E_NOT_FOUND) e = l6_fail(err, L6_E_UNKNOWN_AUTHORIZATION_REQUEST, "authorization request %lld does not exist", (long long)id);
  return e;
}

l6_err svc_a6_request_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  e = r ? load(s, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    *out = view(r);
    e = may_see(s, a, r, *out, err);
  }
  free(r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}

/* The terms of a request body as an authorization. */
static void terms_of(const json_t *b, l6_a6_auth *x) {
  memset(x, 0, sizeof *x);
  const char *v = json_string_value(json_object_get(b, "party"));
  snprintf(x->party, sizeof x->party, "%s", v ? v : "");
  v = json_string_value(json_object_get(b, "approach"));
  x->approach = v && strlen(v) == 6 ? atoi(v + 2) : 0;
  v = json_string_value(json_object_get(b, "project"));
  snprintf(x->project, sizeof x->project, "%s", v ? v : "");
  x->vintage_from = (int)json_integer_value(json_object_get(b, "vintage_from"));
  x->vintage_to = (int)json_integer_value(json_object_get(b, "vintage_to"));
  x->quantity = json_integer_value(json_object_get(b, "quantity"));
  join(json_object_get(b, "purposes"), ',', x->purposes, sizeof x->purposes);
  v = json_string_value(json_object_get(b, "first_transfer_event"));
  snprintf(x->ft_event, sizeof x->ft_event, "%s", v ? v : "");
  join(json_object_get(b, "authorized_parties"), ',', x->parties, sizeof x->parties);
  join(json_object_get(b, "authorized_entities"), '|', x->entities, sizeof x->entities);
  x->year_from = (int)json_integer_value(json_object_get(b, "year_from"));
  x->year_to = (int)json_integer_value(json_object_get(b, "year_to"));
  x->in_scope = json_is_true(json_object_get(b, "in_ndc_scope"));
}

l6_err svc_a6_request_decide(l6_svc *s, const l6_actor *a, l6_id id, bool approve, const char *reasons, json_t **out,
                             int *status, l6_error *err) {
  *out = NULL;
  if (status) *status = 201;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not decide authorization requests", l6_role_str(a->role));
  if (!approve && (reasons == NULL || !l6_valid_text(reasons, L6_TEXT_MAX) || reasons[0] == '\0'))
    return l6_fail(err, L6_E_MISSING_FIELD, "a rejection gives its reasons (printable text, at most %d bytes)", L6_TEXT_MAX);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_mech_rec *r = calloc(1, sizeof *r);
  json_t *b = NULL, *made = NULL;
  e = r ? load(s, id, r, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && a->role == L6_ROLE_AUTHORITY) {
    char p[4];
    e = party_of_actor(s, a, p, err);
    if (e == L6_E_OK && strcmp(p, r->ref) != 0)
      e = l6_fail(err, L6_E_NOT_HOST_AUTHORITY, "the request is addressed to the authority of %s, not %s", r->ref, p);
  }
  if (e == L6_E_OK && strcmp(r->state, "pending") != 0)
    e = l6_fail(err, L6_E_REQUEST_DECIDED, "authorization request %lld is %s", (long long)id, r->state);
  if (e == L6_E_OK && (b = json_loads(r->body, 0, NULL)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "a stored request is not JSON");
  char ts[32];
  svc__timestamp(s, ts);
  int st = 201;
  if (e == L6_E_OK && approve) {
    l6_a6_auth x;
    terms_of(b, &x);
    e = svc__a6_authorize_in_tx(s, a, &x, &made, &st, err);
    if (e == L6_E_OK && st == 201) {
      json_object_set_new(b, "authorization", json_integer(x.id));
      snprintf(r->state, sizeof r->state, "approved");
    } else if (e == L6_E_OK) { /* the approval policy: a second person approves the authorization */
      json_object_set(b, "proposal", json_object_get(made, "id"));
      snprintf(r->state, sizeof r->state, "proposed");
    }
  } else if (e == L6_E_OK) {
    json_object_set_new(b, "reasons", json_string(reasons));
    snprintf(r->state, sizeof r->state, "rejected");
  }
  if (e == L6_E_OK) {
    json_object_set_new(b, "decided_by", json_string(a->name));
    json_object_set_new(b, "decided_at", json_string(ts));
    char *t = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    if (t == NULL || strlen(t) >= sizeof r->body) e = l6_fail(err, t ? L6_E_INVALID_VALUE : L6_E_NOMEM, "the request is too long");
    else snprintf(r->body, sizeof r->body, "%s", t);
    free(t);
  }
  if (e == L6_E_OK) e = OPS->mech_rec_put(ST, r, err);
  if (e == L6_E_OK) *out = view(r);
  json_decref(made);
  json_decref(b);
  free(r);
  if (status) *status = st;
  if (e == L6_E_OK) e = tlog_append_new(ST, err); /* the log records every transaction written above */
  return svc__finish_out(s, e, out, err);
}
