/*
 * marketplace.c -- the adaptation marketplace (nma.h, "Adaptation
 * marketplace"): listings of non-offsetting certificates (CABs, forest
 * conservation certificates) with a price, and purchases that record the
 * payment, move the units from the listing's account to the funder's and
 * retire them in the funder's name for adaptation, all in one store
 * transaction, each ledger transaction logged to the transparency log.
 * Records are nma_records of kind "listing" and "purchase".
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/ledger.h"
#include "nma.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* The non-offsetting unit type of the project's programme ("" when none). */
typedef struct {
  const char *programme;
  char code[L6_CODE_MAX + 1];
} nonoff_ut;

static int nonoff_row(void *ctx, const void *row) {
  nonoff_ut *c = ctx;
  const l6_unit_type *u = row;
  if (u->non_offsetting && strcmp(u->programme, c->programme) == 0 && c->code[0] == '\0')
    snprintf(c->code, sizeof c->code, "%s", u->code);
  return 0;
}

/* An integer field in min..max; out of range is `bad` (INVALID_QUANTITY
 * for quantities and amounts, the lookup error for ids). */
static l6_err need_int(const json_t *o, const char *key, int64_t min, int64_t max, l6_err bad, int64_t *out,
                       l6_error *err) {
  json_t *v = json_object_get(o, key);
  if (v == NULL || json_is_null(v)) return l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key);
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer", key);
  *out = json_integer_value(v);
  if (*out < min || *out > max)
    return l6_fail(err, bad, "field '%s' must be from %lld to %lld", key, (long long)min, (long long)max);
  return L6_E_OK;
}

static l6_err need_str(const json_t *o, const char *key, size_t max, const char **out, l6_error *err) {
  json_t *v = json_object_get(o, key);
  if (v == NULL || json_is_null(v)) return l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key);
  if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be a string", key);
  if (!l6_valid_text(json_string_value(v), max))
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be printable text of 1 to %zu bytes", key, max);
  *out = json_string_value(v);
  return L6_E_OK;
}

static l6_err only(const json_t *o, const char *where, const char *const *keys, l6_error *err) {
  if (!json_is_object(o)) return l6_fail(err, L6_E_WRONG_TYPE, "%s must be an object", where);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) {
    bool ok = false;
    for (size_t i = 0; keys[i]; i++) ok |= strcmp(k, keys[i]) == 0;
    if (!ok) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%s' in %s", k, where);
  }
  return L6_E_OK;
}

static bool is_currency(const char *c) {
  return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' && c[2] <= 'Z';
}

/* A holder on its own organisation's account, or admin. */
static l6_err account_actor(const l6_actor *a, const l6_account *acc, l6_error *err) {
  if (a->role == L6_ROLE_ADMIN) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER && acc->org == a->org) return L6_E_OK;
  if (a->role == L6_ROLE_HOLDER)
    return l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)acc->id);
  return l6_fail(err, L6_E_FORBIDDEN, "role %s may not trade on the adaptation marketplace", l6_role_str(a->role));
}

static json_t *rec_json(const l6_nma_rec *r) {
  json_t *v = json_loads(r->body, 0, NULL);
  if (v == NULL) return NULL;
  json_object_set_new(v, "id", json_integer(r->id));
  json_object_set_new(v, "status", json_string(r->status));
  return v;
}

static l6_err rec_store(l6_svc *s, l6_nma_rec *r, json_t *body, l6_error *err) {
  char *t = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  if (t == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = L6_E_OK;
  if (strlen(t) > L6_NMA_BODY_MAX) e = l6_fail(err, L6_E_INVALID_VALUE, "the record is too long");
  else snprintf(r->body, sizeof r->body, "%s", t);
  free(t);
  return e ? e : OPS->nma_put(ST, r, err);
}

l6_err svc_listing_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  static const char *const keys[] = {"project", "account", "price", "currency", "description", NULL};
  const char *project, *cur, *desc = NULL;
  int64_t account, price;
  l6_err e = only(in, "the listing", keys, err);
  if (e == L6_E_OK) e = need_str(in, "project", L6_CODE_MAX, &project, err);
  if (e == L6_E_OK) e = need_int(in, "account", 1, INT64_MAX, L6_E_UNKNOWN_ACCOUNT, &account, err);
  if (e == L6_E_OK) e = need_int(in, "price", 1, L6_MAX_QUANTITY, L6_E_INVALID_QUANTITY, &price, err);
  if (e == L6_E_OK) e = need_str(in, "currency", 3, &cur, err);
  if (e == L6_E_OK && !is_currency(cur)) e = l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code");
  if (e == L6_E_OK && json_object_get(in, "description")) e = need_str(in, "description", L6_TEXT_MAX, &desc, err);
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_account acc;
  l6_project p;
  nonoff_ut ut = {0};
  e = svc__open_account(s, account, "account", &acc, err);
  if (e == L6_E_OK) e = account_actor(a, &acc, err);
  if (e == L6_E_OK && acc.type != L6_ACCT_HOLDING && acc.type != L6_ACCT_TRADING)
    e = l6_fail(err, L6_E_INVALID_VALUE, "a listing sells from a holding or trading account");
  if (e == L6_E_OK) e = OPS->project_get(ST, project, &p, err);
  if (e == L6_E_OK) {
    ut.programme = p.programme;
    e = OPS->unit_type_list(ST, nonoff_row, &ut, err);
  }
  if (e == L6_E_OK && ut.code[0] == '\0')
    e = l6_fail(err, L6_E_INVALID_VALUE, "project %s issues no non-offsetting certificates; the adaptation marketplace "
                "lists CABs and other non-offsetting certificates only", project);
  l6_nma_rec *r = calloc(1, sizeof *r);
  if (r == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    json_t *b = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "project", p.id, "title", p.title, "unit_type",
                          ut.code, "account", (json_int_t)acc.id, "price", (json_int_t)price, "currency", cur, "listed",
                          ts, "actor", a->name);
    if (desc) json_object_set_new(b, "description", json_string(desc));
    snprintf(r->kind, sizeof r->kind, "listing");
    snprintf(r->party, sizeof r->party, "%s", p.host);
    snprintf(r->status, sizeof r->status, "listed");
    e = rec_store(s, r, b, err);
    json_decref(b);
  }
  if (e == L6_E_OK) *out = rec_json(r);
  free(r);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  l6_svc *s;
  json_t *items;
  l6_error *err;
} listing_ctx;

static int listing_row(void *ctx, const void *row) {
  listing_ctx *c = ctx;
  l6_svc *s = c->s;
  json_t *v = rec_json(row);
  if (v == NULL) return 0;
  l6_pick_filter f = {.account = json_integer_value(json_object_get(v, "account"))};
  snprintf(f.unit_type, sizeof f.unit_type, "%s", json_string_value(json_object_get(v, "unit_type")));
  snprintf(f.project, sizeof f.project, "%s", json_string_value(json_object_get(v, "project")));
  l6_qty avail = 0;
  l6_error ignore;
  if (OPS->account_total(ST, &f, &avail, &ignore) != L6_E_OK) avail = 0;
  json_object_set_new(v, "available", json_integer(avail));
  json_array_append_new(c->items, v);
  return 0;
}

l6_err svc_marketplace(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  listing_ctx c = {s, json_array(), err};
  e = OPS->nma_list(ST, "listing", "", listing_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "items", c.items);
  else json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  l6_block *b;
  size_t n, cap;
} blk_buf;

static int blk_row(void *ctx, const void *row) {
  blk_buf *b = ctx;
  if (b->n == b->cap) return 1;
  b->b[b->n++] = *(const l6_block *)row;
  return 0;
}

/* Writes a ledger transaction of the takes from -> to, through the policy
 * step (move.h), logged. */
static l6_err move_takes(l6_svc *s, const l6_actor *a, l6_tx *tx, const l6_take *takes, size_t n, l6_error *err) {
  l6_err e = OPS->tx_put(ST, tx, err);
  svc_move_ctx m = {.route = SVC_MOVE_MARKETPLACE, .tx = tx, .takes = takes, .n = n, .actor = a};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  if (e == L6_E_OK) e = tlog_append_tx(ST, tx->id, NULL, err);
  return e;
}

l6_err svc_purchase(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err) {
  *out = NULL;
  static const char *const keys[] = {"listing", "quantity", "funder_account", "beneficiary", "payment", NULL};
  static const char *const pkeys[] = {"amount", "currency", "payer", "reference", "settle", NULL};
  int64_t listing, qty, fund_id, amount;
  const char *benef, *cur, *payer, *ref, *settle = "recorded";
  json_t *pay = json_object_get(in, "payment");
  l6_err e = only(in, "the purchase", keys, err);
  if (e == L6_E_OK) e = need_int(in, "listing", 1, INT64_MAX, L6_E_NOT_FOUND, &listing, err);
  if (e == L6_E_OK) e = need_int(in, "quantity", 1, L6_MAX_QUANTITY, L6_E_INVALID_QUANTITY, &qty, err);
  if (e == L6_E_OK) e = need_int(in, "funder_account", 1, INT64_MAX, L6_E_UNKNOWN_ACCOUNT, &fund_id, err);
  if (e == L6_E_OK) e = need_str(in, "beneficiary", L6_NAME_MAX, &benef, err);
  if (e == L6_E_OK && pay == NULL) e = l6_fail(err, L6_E_MISSING_FIELD, "field 'payment' is required");
  if (e == L6_E_OK) e = only(pay, "payment", pkeys, err);
  if (e == L6_E_OK) e = need_int(pay, "amount", 1, INT64_MAX, L6_E_INVALID_QUANTITY, &amount, err);
  if (e == L6_E_OK) e = need_str(pay, "currency", 3, &cur, err);
  if (e == L6_E_OK && !is_currency(cur)) e = l6_fail(err, L6_E_INVALID_VALUE, "payment currency must be an ISO 4217 code");
  if (e == L6_E_OK) e = need_str(pay, "payer", L6_NAME_MAX, &payer, err);
  if (e == L6_E_OK) e = need_str(pay, "reference", L6_NAME_MAX, &ref, err);
  if (e == L6_E_OK && json_object_get(pay, "settle")) e = need_str(pay, "settle", 16, &settle, err);
  if (e == L6_E_OK && strcmp(settle, "recorded") != 0 && strcmp(settle, "exchange") != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "payment settle must be \"recorded\" (paid outside, recorded here) or \"exchange\" "
                                        "(from the funder's exchange cash to the seller's)");
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_nma_rec *r = malloc(sizeof *r), *p = calloc(1, sizeof *p);
  l6_take *takes = malloc((L6_MAX_BLOCKS_PER_TX + 1) * sizeof *takes);
  blk_buf held = {malloc((L6_MAX_BLOCKS_PER_TX + 1) * sizeof(l6_block)), 0, L6_MAX_BLOCKS_PER_TX + 1};
  json_t *lb = NULL;
  size_t ntakes = 0;
  l6_account seller, funder, ret;
  if (!r || !p || !takes || !held.b) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    e = OPS->nma_get(ST, "listing", listing, r, err);
    if (e == L6_E_NOT_FOUND) e = l6_fail(err, L6_E_NOT_FOUND, "no listing has id %lld", (long long)listing);
  }
  if (e == L6_E_OK && (lb = rec_json(r)) == NULL) e = l6_fail(err, L6_E_INTERNAL, "bad listing record");
  if (e == L6_E_OK) e = svc__open_account(s, fund_id, "funder_account", &funder, err);
  if (e == L6_E_OK) e = account_actor(a, &funder, err);
  if (e == L6_E_OK && funder.type != L6_ACCT_HOLDING && funder.type != L6_ACCT_TRADING)
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "the funder's account must be a holding or trading account");
  if (e == L6_E_OK) e = svc__open_account(s, json_integer_value(json_object_get(lb, "account")), "listing account", &seller, err);
  if (e == L6_E_OK && seller.id == funder.id) e = l6_fail(err, L6_E_SAME_ACCOUNT, "the funder's account is the listing's");
  /* The payment: price x quantity, in the listing's currency. */
  int64_t price = e == L6_E_OK ? json_integer_value(json_object_get(lb, "price")) : 0;
  if (e == L6_E_OK && (qty > INT64_MAX / price || price * qty != amount))
    e = l6_fail(err, L6_E_INVALID_VALUE, "payment amount must be price x quantity = %lld x %lld", (long long)price,
                (long long)qty);
  if (e == L6_E_OK && strcmp(cur, json_string_value(json_object_get(lb, "currency"))) != 0)
    e = l6_fail(err, L6_E_INVALID_VALUE, "the listing is priced in %s", json_string_value(json_object_get(lb, "currency")));
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(ST, funder.registry, L6_ACCT_RETIREMENT, &ret, err);
    if (e == L6_E_UNKNOWN_ACCOUNT)
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no retirement account", funder.registry);
  }
  /* Units: oldest vintage first, lowest serials, from the listing's account. */
  l6_pick_filter f = {.account = seller.id};
  if (e == L6_E_OK) {
    snprintf(f.unit_type, sizeof f.unit_type, "%s", json_string_value(json_object_get(lb, "unit_type")));
    snprintf(f.project, sizeof f.project, "%s", json_string_value(json_object_get(lb, "project")));
    e = OPS->block_pick(ST, &f, (int)held.cap, blk_row, &held, err);
  }
  if (e == L6_E_OK) e = ledger_pick(held.b, held.n, qty, takes, L6_MAX_BLOCKS_PER_TX, &ntakes, err);
  if (e == L6_E_INSUFFICIENT_HOLDINGS || e == L6_E_TOO_MANY_RANGES)
    l6_fail(err, e, "the listing has fewer than %lld certificates available (or too fragmented)", (long long)qty);
  /* Conservation: the plan takes exactly qty. */
  if (e == L6_E_OK) {
    l6_qty sum = 0;
    for (size_t i = 0; i < ntakes; i++) sum += l6_range_qty(takes[i].first, takes[i].last);
    assert(sum == qty);
  }
  l6_tx buy = {.kind = L6_TX_TRANSFER, .from_account = seller.id, .to_account = funder.id, .quantity = qty};
  l6_tx retire = {.kind = L6_TX_RETIREMENT, .from_account = funder.id, .to_account = ret.id, .quantity = qty};
  svc__timestamp(s, buy.ts);
  snprintf(buy.actor, sizeof buy.actor, "%s", a->name);
  snprintf(buy.purpose, sizeof buy.purpose, "adaptation marketplace purchase");
  retire = (l6_tx){.kind = L6_TX_RETIREMENT, .from_account = funder.id, .to_account = ret.id, .quantity = qty};
  snprintf(retire.ts, sizeof retire.ts, "%s", buy.ts);
  snprintf(retire.actor, sizeof retire.actor, "%s", a->name);
  snprintf(retire.beneficiary, sizeof retire.beneficiary, "%s", benef);
  snprintf(retire.purpose, sizeof retire.purpose, "adaptation");
  snprintf(retire.claim, sizeof retire.claim,
           "certified adaptation benefits funded by %.100s on the adaptation marketplace; non-offsetting: no emissions claim",
           benef);
  /* Settled on the exchange: the funder's organisation pays the seller's, in
   * the same transaction as the units. */
  if (e == L6_E_OK && strcmp(settle, "exchange") == 0) {
    if (seller.org == 0 || seller.org == funder.org)
      e = l6_fail(err, L6_E_INVALID_VALUE, "an exchange settlement needs the listing's and the funder's organisations to differ");
    else
      e = svc__ex_cash_pay(s, funder.org, seller.org, cur, amount, listing, err);
  }
  if (e == L6_E_OK) e = move_takes(s, a, &buy, takes, ntakes, err);
  if (e == L6_E_OK) e = move_takes(s, a, &retire, takes, ntakes, err);
  for (size_t i = 0; e == L6_E_OK && svc__check_level(s) >= 2 && i < ntakes; i++)
    if (i == 0 || takes[i].batch != takes[i - 1].batch) e = svc__check_batch(s, takes[i].batch, err);
  if (e == L6_E_OK) {
    char path[64];
    snprintf(path, sizeof path, "/v1/retirements/%lld/certificate", (long long)retire.id);
    json_t *b = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:{s:I, s:s, s:s, s:s, s:s}, s:I, s:I, s:s, s:s}", "listing",
                          (json_int_t)listing, "project", json_string_value(json_object_get(lb, "project")), "unit_type",
                          f.unit_type, "quantity", (json_int_t)qty, "funder_account", (json_int_t)funder.id, "org",
                          (json_int_t)funder.org, "beneficiary", benef, "payment", "amount", (json_int_t)amount,
                          "currency", cur, "payer", payer, "reference", ref, "settle", settle, "transfer_tx", (json_int_t)buy.id,
                          "retirement_tx", (json_int_t)retire.id, "certificate", path, "ts", buy.ts);
    snprintf(p->kind, sizeof p->kind, "purchase");
    snprintf(p->party, sizeof p->party, "%s", r->party);
    snprintf(p->status, sizeof p->status, "retired");
    e = b ? rec_store(s, p, b, err) : l6_fail(err, L6_E_NOMEM, NULL);
    json_decref(b);
  }
  if (e == L6_E_OK) *out = rec_json(p);
  json_decref(lb);
  free(r);
  free(p);
  free(takes);
  free(held.b);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  const l6_actor *a;
  json_t *items;
} purchase_ctx;

static int purchase_row(void *ctx, const void *row) {
  purchase_ctx *c = ctx;
  json_t *v = rec_json(row);
  if (v == NULL) return 0;
  if (c->a->role == L6_ROLE_HOLDER && json_integer_value(json_object_get(v, "org")) != c->a->org) json_decref(v);
  else json_array_append_new(c->items, v);
  return 0;
}

l6_err svc_purchase_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUDITOR && a->role != L6_ROLE_HOLDER)
    return l6_fail(err, L6_E_FORBIDDEN, "purchases (with their payments) are for admin, auditor and the funders");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  purchase_ctx c = {a, json_array()};
  e = OPS->nma_list(ST, "purchase", "", purchase_row, &c, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "items", c.items);
  else json_decref(c.items);
  return svc__finish_out(s, e, out, err);
}
