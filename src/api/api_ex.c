/*
 * api_ex.c -- HTTP handlers of the exchange (routes in api_int.h,
 * API_EX_ROUTES; use cases in src/service/exchange.h; reference in
 * docs/API.md, "Exchange"). Like api.c: decode strictly, call one service
 * function, reply. Roles are the service's.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
      F(instr_in, maker_bps, JF_INT32, false), F(instr_in, taker_bps, JF_INT32, false)};
  static const char *const extra[] = {"no_same_day_resale", NULL};
  instr_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), extra, &in, err);
  l6_ex_instrument x = {.vintage_from = in.vintage_from, .vintage_to = in.vintage_to, .batch = in.batch,
                        .minor_units = in.minor_units, .tick = in.tick, .lot = in.lot, .min_qty = in.min_qty,
                        .max_qty = in.max_qty, .band_pct = in.band_pct, .tz_offset = in.tz_offset_minutes,
                        .prev_close = in.prev_close, .maker_bps = in.maker_bps, .taker_bps = in.taker_bps};
  if (e == L6_E_OK) e = opt_bool(r->body, "no_same_day_resale", &x.no_same_day_resale, err);
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
  return svc_ex_instrument_create(r->svc, &r->actor, &x, out, err);
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
  return svc_ex_order(r->svc, &r->actor, &x, out, err);
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

l6_err h_ex_close(req *r, json_t **out, l6_error *err) {
  char code[L6_CODE_MAX + 1];
  l6_err e = path_code(r, code, err);
  return e ? e : svc_ex_close(r->svc, code, out, err);
}
