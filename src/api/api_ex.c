/*
 * api_ex.c -- HTTP handlers of the exchange (routes in api_int.h,
 * API_EX_ROUTES; use cases in src/service/exchange.h; reference in
 * docs/API.md, "Exchange"). Like api.c: decode strictly, call one service
 * function, reply. Roles are the service's.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/crit.h"
#include "../service/exchange.h"
#include "api_int.h"
#include "jsonin.h"

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

static l6_err opt_bool(const json_t *body, const char *key, bool *out, l6_error *err) {
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v)) return L6_E_OK;
  if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be true or false", key);
  *out = json_is_true(v);
  return L6_E_OK;
}

/* Path parameter 0 as an instrument code. */
static l6_err path_code(req *r, char code[L6_CODE_MAX + 1], l6_error *err) {
  if (strlen(r->param[0]) > L6_CODE_MAX)
    return l6_fail(err, L6_E_UNKNOWN_INSTRUMENT, "'%.40s' is not an instrument code", r->param[0]);
  snprintf(code, L6_CODE_MAX + 1, "%s", r->param[0]);
  return L6_E_OK;
}

/* An optional positive integer query parameter; 0 when absent. */
static l6_err query_int(req *r, const char *name, int max, int *out, l6_error *err) {
  const char *v = api_query(r, name);
  *out = 0;
  if (v == NULL) return L6_E_OK;
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == '\0' || *end || n < 1 || n > max) return l6_fail(err, L6_E_BAD_PARAM, "%s must be 1 to %d", name, max);
  *out = (int)n;
  return L6_E_OK;
}

/* Optional field key: an array of at most max codes (labels: label
 * names), joined with commas into out. */
static l6_err opt_list(const json_t *body, const char *key, size_t max, bool labels, char *out, size_t cap,
                       l6_error *err) {
  out[0] = '\0';
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v)) return L6_E_OK;
  if (!json_is_array(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array of codes", key);
  if (json_array_size(v) > max) return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' lists at most %zu", key, max);
  size_t i, len = 0;
  json_t *it;
  json_array_foreach(v, i, it) {
    const char *t = json_string_value(it);
    if (t == NULL) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array of strings", key);
    bool ok = labels ? strlen(t) > 0 && strlen(t) <= L6_CRIT_LABEL_MAX && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(t)
                     : l6_valid_code(t);
    if (!ok) {
      if (labels) return l6_fail(err, L6_E_UNKNOWN_LABEL, "no label '%.40s' in config/labels.json", t);
      return l6_fail(err, L6_E_INVALID_VALUE, "field '%s': '%.40s' is not a code", key, t);
    }
    int n = snprintf(out + len, cap - len, "%s%s", i ? "," : "", t);
    if (n < 0 || (size_t)n >= cap - len) return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' is too long", key);
    len += (size_t)n;
  }
  return L6_E_OK;
}

typedef struct {
  char code[L6_CODE_MAX + 1], name[L6_NAME_MAX + 1], kind[12], unit_type[L6_CODE_MAX + 1], project[L6_CODE_MAX + 1];
  int vintage_from, vintage_to;
  int64_t batch;
  char registry[6], currency[4];
  int minor_units;
  int64_t tick, lot, min_qty, max_qty;
  int band_pct;
  char sessions[64];
  int tz_offset_minutes;
  char mode[12];
  int64_t prev_close;
  int maker_bps, taker_bps;
  int call_minutes;
} instr_in;

/* POST /v1/exchange/instruments */
l6_err h_ex_instrument_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {
      F(instr_in, code, JF_STR, true),         F(instr_in, name, JF_STR, true),
      F(instr_in, kind, JF_STR, true),         F(instr_in, unit_type, JF_STR, false),
      F(instr_in, project, JF_STR, false),     F(instr_in, vintage_from, JF_INT32, false),
      F(instr_in, vintage_to, JF_INT32, false), F(instr_in, batch, JF_INT, false),
      F(instr_in, registry, JF_STR, true),     F(instr_in, currency, JF_STR, true),
      F(instr_in, minor_units, JF_INT32, true), F(instr_in, tick, JF_INT, true),
      F(instr_in, lot, JF_INT, true),          F(instr_in, min_qty, JF_INT, false),
      F(instr_in, max_qty, JF_INT, false),     F(instr_in, band_pct, JF_INT32, false),
      F(instr_in, sessions, JF_STR, false),    F(instr_in, tz_offset_minutes, JF_INT32, false),
      F(instr_in, mode, JF_STR, false),        F(instr_in, prev_close, JF_INT, false),
      F(instr_in, maker_bps, JF_INT32, false), F(instr_in, taker_bps, JF_INT32, false),
      F(instr_in, call_minutes, JF_INT32, false)};
  static const char *const extra[] = {"no_same_day_resale", "unit_types", "programmes", "labels", "corsia_phase", NULL};
  instr_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  l6_ex_instrument x = {.vintage_from = in.vintage_from, .vintage_to = in.vintage_to, .batch = in.batch,
                        .minor_units = in.minor_units, .tick = in.tick, .lot = in.lot, .min_qty = in.min_qty,
                        .max_qty = in.max_qty, .band_pct = in.band_pct, .tz_offset = in.tz_offset_minutes,
                        .prev_close = in.prev_close, .maker_bps = in.maker_bps, .taker_bps = in.taker_bps,
                        .call_minutes = in.call_minutes};
  if (e == L6_E_OK) e = opt_bool(r->body, "no_same_day_resale", &x.no_same_day_resale, err);
  l6_crit c;
  memset(&c, 0, sizeof c);
  if (e == L6_E_OK) e = opt_list(r->body, "unit_types", L6_CRIT_MAX_UNIT_TYPES, false, c.unit_types, sizeof c.unit_types, err);
  if (e == L6_E_OK) e = opt_list(r->body, "programmes", L6_CRIT_MAX_PROGRAMMES, false, c.programmes, sizeof c.programmes, err);
  if (e == L6_E_OK) e = opt_list(r->body, "labels", L6_CRIT_MAX_LABELS, true, c.labels, sizeof c.labels, err);
  json_t *ph = json_object_get(r->body, "corsia_phase");
  if (e == L6_E_OK && ph && !json_is_null(ph)) {
    if (!json_is_string(ph) || strlen(json_string_value(ph)) >= sizeof c.corsia_phase)
      e = l6_fail(err, L6_E_WRONG_TYPE, "field 'corsia_phase' must be a phase name of config/corsia.json");
    else
      snprintf(c.corsia_phase, sizeof c.corsia_phase, "%s", json_string_value(ph));
  }
  if (e == L6_E_OK && json_is_array(json_object_get(r->body, "unit_types")) && c.unit_types[0] == '\0')
    e = l6_fail(err, L6_E_INVALID_VALUE, "unit_types must list at least one unit type");
  if (e != L6_E_OK) return e;
  snprintf(x.code, sizeof x.code, "%s", in.code);
  snprintf(x.name, sizeof x.name, "%s", in.name);
  snprintf(x.kind, sizeof x.kind, "%s", in.kind);
  snprintf(x.unit_type, sizeof x.unit_type, "%s", in.unit_type);
  snprintf(x.project, sizeof x.project, "%s", in.project);
  snprintf(x.registry, sizeof x.registry, "%s", in.registry);
  snprintf(x.currency, sizeof x.currency, "%s", in.currency);
  snprintf(x.sessions, sizeof x.sessions, "%s", in.sessions);
  snprintf(x.mode, sizeof x.mode, "%s", in.mode[0] ? in.mode : "continuous");
  r->status = 201;
  return svc_ex_instrument_create_crit(r->svc, &r->actor, &x, &c, out, err);
}

/* GET /v1/labels */
l6_err h_crit_labels(req *r, json_t **out, l6_error *err) { return svc_crit_labels(r->svc, out, err); }

static l6_err path_batch(req *r, l6_id *id, l6_error *err) {
  if (api_path_id(r, 0, id, err) != L6_E_OK)
    return l6_fail(err, L6_E_UNKNOWN_BATCH, "'%.40s' is not a batch id", r->param[0]);
  return L6_E_OK;
}

typedef struct {
  char label[L6_CRIT_LABEL_MAX + 1];
  char reference[L6_NAME_MAX + 1];
} label_in;

/* POST /v1/issuances/{id}/labels: {"label": "ccp", "reference": "..."} */
l6_err h_batch_label_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(label_in, label, JF_STR, true), F(label_in, reference, JF_STR, false)};
  label_in in = {0};
  l6_id id;
  l6_err e = path_batch(r, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_batch_label(r->svc, &r->actor, id, in.label, in.reference, out, err);
}

/* GET /v1/issuances/{id}/labels */
l6_err h_batch_label_list(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_batch(r, &id, err);
  return e ? e : svc_batch_labels(r->svc, id, out, err);
}

l6_err h_ex_instrument_list(req *r, json_t **out, l6_error *err) {
  return svc_ex_instrument_list(r->svc, &r->actor, out, err);
}

typedef struct {
  char status[12];
} status_in;

/* POST /v1/exchange/instruments/{code}/status: {"status": "open|halted|closed"} */
l6_err h_ex_instrument_status(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(status_in, status, JF_STR, true)};
  status_in in = {{0}};
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, code, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_instrument_status(r->svc, &r->actor, code, in.status, out, err);
}

typedef struct {
  int64_t org;
  char currency[4];
  int64_t amount;
} cash_in;

static l6_err cash_post(req *r, bool deposit, json_t **out, l6_error *err) {
  static const jfield f[] = {F(cash_in, org, JF_INT, true), F(cash_in, currency, JF_STR, true),
                             F(cash_in, amount, JF_INT, true)};
  cash_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_cash(r->svc, &r->actor, in.org, in.currency, in.amount, deposit, out, err);
}

l6_err h_ex_deposit(req *r, json_t **out, l6_error *err) { return cash_post(r, true, out, err); }
l6_err h_ex_withdrawal(req *r, json_t **out, l6_error *err) { return cash_post(r, false, out, err); }
l6_err h_ex_cash_list(req *r, json_t **out, l6_error *err) { return svc_ex_cash_list(r->svc, &r->actor, out, err); }

typedef struct {
  char instrument[L6_CODE_MAX + 1];
  int64_t account;
  char side[8], type[8], tif[8];
  int64_t price, qty;
} order_in;

/* POST /v1/exchange/orders */
l6_err h_ex_order_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(order_in, instrument, JF_STR, true), F(order_in, account, JF_INT, true),
                             F(order_in, side, JF_STR, true),       F(order_in, type, JF_STR, false),
                             F(order_in, tif, JF_STR, false),       F(order_in, price, JF_INT, false),
                             F(order_in, qty, JF_INT, true)};
  static const char *const extra[] = {"post_only", NULL};
  order_in in = {0};
  l6_ex_order_req x = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  if (e == L6_E_OK) e = opt_bool(r->body, "post_only", &x.post_only, err);
  if (e != L6_E_OK) return e;
  snprintf(x.instrument, sizeof x.instrument, "%s", in.instrument);
  x.account = in.account;
  snprintf(x.side, sizeof x.side, "%s", in.side);
  snprintf(x.type, sizeof x.type, "%s", in.type[0] ? in.type : "limit");
  snprintf(x.tif, sizeof x.tif, "%s", in.tif);
  x.price = in.price;
  x.qty = in.qty;
  if (strcmp(x.type, "limit") == 0 && json_object_get(r->body, "price") == NULL)
    return l6_fail(err, L6_E_MISSING_FIELD, "field 'price' is required for a limit order");
  r->status = 201;
  x.idem = r->idem;
  return svc_ex_order_idem(r->svc, &r->actor, &x, out, &r->replayed, err);
}

/* GET /v1/exchange/orders[?open=true] */
l6_err h_ex_order_list(req *r, json_t **out, l6_error *err) {
  const char *open = api_query(r, "open");
  if (open && strcmp(open, "true") != 0 && strcmp(open, "false") != 0)
    return l6_fail(err, L6_E_BAD_PARAM, "open must be true or false");
  return svc_ex_order_list(r->svc, &r->actor, open && strcmp(open, "true") == 0, out, err);
}

/* POST /v1/exchange/orders/{id}/cancel: {} */
l6_err h_ex_order_cancel(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, NULL, 0, NULL, NULL, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_cancel(r->svc, &r->actor, id, out, err);
}

typedef struct {
  int64_t price, qty;
} replace_in;

/* POST /v1/exchange/orders/{id}/replace: {"price", "qty"} */
l6_err h_ex_order_replace(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(replace_in, price, JF_INT, true), F(replace_in, qty, JF_INT, true)};
  replace_in in = {0};
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_replace(r->svc, &r->actor, id, in.price, in.qty, out, err);
}

typedef struct {
  char instrument[L6_CODE_MAX + 1];
  int64_t account;
  char side[8];
  int64_t price, qty, counterparty;
} quote_in;

/* POST /v1/exchange/quotes: a block agreement quote to one counterparty. */
l6_err h_ex_quote_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(quote_in, instrument, JF_STR, true), F(quote_in, account, JF_INT, true),
                             F(quote_in, side, JF_STR, true),       F(quote_in, price, JF_INT, true),
                             F(quote_in, qty, JF_INT, true),        F(quote_in, counterparty, JF_INT, true)};
  quote_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  l6_ex_quote_req q = {.account = in.account, .price = in.price, .qty = in.qty, .counterparty = in.counterparty};
  snprintf(q.instrument, sizeof q.instrument, "%s", in.instrument);
  snprintf(q.side, sizeof q.side, "%s", in.side);
  r->status = 201;
  return svc_ex_quote(r->svc, &r->actor, &q, out, err);
}

typedef struct {
  int64_t account;
} accept_in;

/* POST /v1/exchange/quotes/{id}/accept: {"account"} */
l6_err h_ex_quote_accept(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(accept_in, account, JF_INT, true)};
  accept_in in = {0};
  l6_id id;
  l6_err e = api_path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_accept(r->svc, &r->actor, id, in.account, out, err);
}

typedef struct {
  int64_t supply, reserve, from_account, proceeds_org;
} auction_in;

/* POST /v1/exchange/instruments/{code}/auction */
l6_err h_ex_auction(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(auction_in, supply, JF_INT, true), F(auction_in, reserve, JF_INT, true),
                             F(auction_in, from_account, JF_INT, true), F(auction_in, proceeds_org, JF_INT, true)};
  auction_in in = {0};
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, code, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  r->status = 201;
  return svc_ex_auction(r->svc, &r->actor, code, in.supply, in.reserve, in.from_account, in.proceeds_org, out, err);
}

l6_err h_ex_depth(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  int levels;
  l6_err e = path_code(r, code, err);
  if (e == L6_E_OK) e = query_int(r, "levels", L6_EX_MAX_DEPTH, &levels, err);
  return e ? e : svc_ex_depth(r->svc, code, levels, out, err);
}

l6_err h_ex_trades(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  int limit;
  l6_err e = path_code(r, code, err);
  if (e == L6_E_OK) e = query_int(r, "limit", L6_EX_MAX_TRADES, &limit, err);
  return e ? e : svc_ex_trades(r->svc, code, limit, out, err);
}

l6_err h_ex_bars(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, code, err);
  return e ? e : svc_ex_bars(r->svc, code, out, err);
}

l6_err h_ex_benefit(req *r, json_t **out, l6_error *err) { return svc_ex_benefit(r->svc, out, err); }

l6_err h_ex_close(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, code, err);
  return e ? e : svc_ex_close(r->svc, code, out, err);
}

/* ---- the Server-Sent Events stream ---------------------------------------
 * GET /v1/exchange/stream[?instrument=CODE][&limit=N]: "book" and "trade"
 * events (data: the JSON of svc_ex_set_listener) as they are committed;
 * with an instrument, that instrument's only, starting with a "book"
 * snapshot. limit ends the stream after N events (0 or absent: never).
 * At most L6_EX_MAX_STREAMS clients at once (503 busy beyond), of which
 * anonymous clients together hold at most sse_anon_max (503 busy beyond: the
 * rest are kept for token holders), and one client address or one token at
 * most sse_per_client (429 rate_limited beyond: serve --streams-per-client,
 * the client's own streams are what it must close). Each has a
 * queue of L6_EX_STREAM_QUEUE events, the oldest dropped when a client
 * reads too slowly. A client with nothing to read is suspended
 * (MHD_suspend_connection, no thread held) and resumed by the next event. */

typedef struct sse_client {
  struct MHD_Connection *conn;
  char instrument[L6_CODE_MAX + 1]; /* "" = all */
  char *q[L6_EX_STREAM_QUEUE];      /* formatted events, oldest at head */
  size_t head, n, off;              /* off: bytes of q[head] already sent */
  long limit, sent, dropped;
  uint32_t ip;  /* client address (api_client_ip) */
  l6_id token;  /* the token's id, 0: anonymous */
  bool suspended, closed;
  struct sse_client *next;
} sse_client;

static pthread_mutex_t sse_mu = PTHREAD_MUTEX_INITIALIZER;
static sse_client *sse_clients;
static int sse_count;
static int sse_per_client = L6_EX_STREAMS_PER_CLIENT, sse_anon_max = L6_EX_MAX_ANON_STREAMS;

void ex_streams_configure(int per_client, int anonymous_max) {
  pthread_mutex_lock(&sse_mu);
  sse_per_client = per_client > 0 ? per_client : L6_EX_MAX_STREAMS;
  sse_anon_max = anonymous_max;
  pthread_mutex_unlock(&sse_mu);
}

/* Whether cl may open one more stream (sse_mu held); fills err otherwise. */
static l6_err sse_admit(const sse_client *cl, req *r, l6_error *err) {
  int same_ip = 0, same_token = 0, anon = 0;
  for (const sse_client *o = sse_clients; o; o = o->next) {
    same_ip += o->ip == cl->ip;
    same_token += cl->token && o->token == cl->token;
    anon += o->token == 0;
  }
  if (sse_count >= L6_EX_MAX_STREAMS)
    return l6_fail(err, L6_E_BUSY, "at most %d market data streams at once; retry later", L6_EX_MAX_STREAMS);
  r->retry_after = 10;
  if (same_ip >= sse_per_client)
    return l6_fail(err, L6_E_RATE_LIMITED, "at most %d market data streams per client address; close one first", sse_per_client);
  if (same_token >= sse_per_client)
    return l6_fail(err, L6_E_RATE_LIMITED, "at most %d market data streams per token; close one first", sse_per_client);
  if (cl->token == 0 && anon >= sse_anon_max)
    return l6_fail(err, L6_E_BUSY, "the market data streams for anonymous clients (%d) are taken; retry later, or use a token", sse_anon_max);
  return L6_E_OK;
}

/* Queues one event (mu held); drops the oldest unstarted one when full. */
static void sse_push(sse_client *cl, const char *event, const char *data) {
  size_t len = strlen(event) + strlen(data) + 16;
  char *text = malloc(len);
  if (text == NULL) return;
  snprintf(text, len, "event: %s\ndata: %s\n\n", event, data);
  if (cl->n == L6_EX_STREAM_QUEUE) {
    size_t victim = cl->off > 0 ? (cl->head + 1) % L6_EX_STREAM_QUEUE : cl->head;
    free(cl->q[victim]);
    if (victim == cl->head) {
      cl->head = (cl->head + 1) % L6_EX_STREAM_QUEUE;
    } else { /* close the gap after the event being sent */
      for (size_t k = 1; k + 1 < cl->n; k++)
        cl->q[(cl->head + k) % L6_EX_STREAM_QUEUE] = cl->q[(cl->head + k + 1) % L6_EX_STREAM_QUEUE];
    }
    cl->n--;
    cl->dropped++;
  }
  cl->q[(cl->head + cl->n) % L6_EX_STREAM_QUEUE] = text;
  cl->n++;
}

static void sse_wake(sse_client *cl) {
  if (cl->suspended) {
    cl->suspended = false;
    MHD_resume_connection(cl->conn);
  }
}

void ex_stream_publish(void *ctx, const char *event, const char *instrument, json_t *data) {
  (void)ctx;
  char *text = json_dumps(data, JSON_COMPACT);
  if (text == NULL) return;
  pthread_mutex_lock(&sse_mu);
  for (sse_client *cl = sse_clients; cl; cl = cl->next) {
    if (cl->closed || (cl->instrument[0] && strcmp(cl->instrument, instrument) != 0)) continue;
    sse_push(cl, event, text);
    sse_wake(cl);
  }
  pthread_mutex_unlock(&sse_mu);
  free(text);
}

void ex_streams_close(void) {
  pthread_mutex_lock(&sse_mu);
  for (sse_client *cl = sse_clients; cl; cl = cl->next) {
    cl->closed = true;
    sse_wake(cl);
  }
  pthread_mutex_unlock(&sse_mu);
}

int ex_streams_open(void) {
  pthread_mutex_lock(&sse_mu);
  int n = sse_count;
  pthread_mutex_unlock(&sse_mu);
  return n;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  sse_client *cl = cls;
  pthread_mutex_lock(&sse_mu);
  if (cl->n == 0) {
    bool done = cl->closed || (cl->limit > 0 && cl->sent >= cl->limit);
    if (!done) {
      cl->suspended = true;
      MHD_suspend_connection(cl->conn);
    }
    pthread_mutex_unlock(&sse_mu);
    return done ? MHD_CONTENT_READER_END_OF_STREAM : 0;
  }
  const char *text = cl->q[cl->head] + cl->off;
  size_t len = strlen(text), k = len < max ? len : max;
  memcpy(buf, text, k);
  cl->off += k;
  if (k == len) {
    free(cl->q[cl->head]);
    cl->head = (cl->head + 1) % L6_EX_STREAM_QUEUE;
    cl->n--;
    cl->off = 0;
    cl->sent++;
    if (cl->limit > 0 && cl->sent >= cl->limit) cl->closed = true;
  }
  pthread_mutex_unlock(&sse_mu);
  return (ssize_t)k;
}

static void sse_free(void *cls) {
  sse_client *cl = cls;
  pthread_mutex_lock(&sse_mu);
  for (sse_client **p = &sse_clients; *p; p = &(*p)->next)
    if (*p == cl) {
      *p = cl->next;
      break;
    }
  sse_count--;
  pthread_mutex_unlock(&sse_mu);
  for (size_t k = 0; k < cl->n; k++) free(cl->q[(cl->head + k) % L6_EX_STREAM_QUEUE]);
  free(cl);
}

/* GET /v1/exchange/stream */
l6_err h_ex_stream(req *r, json_t **out, l6_error *err) {
  (void)out;
  char code[L6_CODE_MAX + 1];
  int limit;
  l6_err e = api_query_str(r, "instrument", code, sizeof code, err);
  if (e == L6_E_OK && code[0] == '\0' && api_query(r, "instrument") != NULL)
    e = l6_fail(err, L6_E_BAD_PARAM, "instrument must be an instrument code");
  if (e == L6_E_OK) e = query_int(r, "limit", 100000, &limit, err);
  json_t *snap = NULL;
  if (e == L6_E_OK && code[0]) e = svc_ex_snapshot(r->svc, code, &snap, err);
  if (e != L6_E_OK) return e;
  sse_client *cl = calloc(1, sizeof *cl);
  if (cl == NULL) {
    json_decref(snap);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  cl->conn = r->conn;
  cl->limit = limit;
  cl->ip = api_client_ip(r);
  cl->token = r->actor.token;
  snprintf(cl->instrument, sizeof cl->instrument, "%s", code);
  pthread_mutex_lock(&sse_mu);
  if ((e = sse_admit(cl, r, err)) != L6_E_OK) {
    pthread_mutex_unlock(&sse_mu);
    free(cl);
    json_decref(snap);
    return e;
  }
  char *text = snap ? json_dumps(snap, JSON_COMPACT) : NULL;
  if (text) sse_push(cl, "book", text);
  free(text);
  cl->next = sse_clients;
  sse_clients = cl;
  sse_count++;
  pthread_mutex_unlock(&sse_mu);
  json_decref(snap);
  r->stream = cl;
  return L6_E_OK;
}

enum MHD_Result ex_stream_respond(struct MHD_Connection *c, void *stream) {
  struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, stream, sse_free);
  if (resp == NULL) {
    sse_free(stream);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", "text/event-stream");
  MHD_add_response_header(resp, "Cache-Control", "no-cache");
  enum MHD_Result ret = api_respond(c, 200, resp);
  MHD_destroy_response(resp);
  return ret;
}
