/*
 * ex_benefit.c -- how much of the buyers' price reaches the host
 * (GET /v1/exchange/benefit-sharing; docs/API.md, "Benefit sharing").
 *
 * Only exchange trades have known prices, and only instruments of one
 * project (kind "batch", or a contract naming its project) have a known
 * host Party. A trade is a host sale when the seller organisation belongs
 * to a registry of the host Party (the developer or another host-side
 * seller), else a resale. Per host Party and currency:
 *   host received = (value of host sales - the sellers' exchange fees) / tonnes,
 *   buyers' price = VWAP of the resales, or of the host sales when there
 *                   were none (buyers then bought from the host side),
 *   share         = host received / buyers' price, in basis points (floor).
 * Trades of instruments spanning several projects are counted apart
 * (unattributed), never guessed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "service_int.h"

__extension__ typedef __int128 i128;

#define ST (s->st)
#define OPS (s->st->ops)

typedef struct {
  l6_id org;
  int64_t qty, fees;
  i128 value;
} seller_sum;

typedef struct {
  seller_sum *v;
  size_t n, cap;
  bool nomem;
} sellers;

static int trade_row(void *ctx, const void *row) {
  sellers *c = ctx;
  const l6_ex_trade *t = row;
  size_t i = 0;
  while (i < c->n && c->v[i].org != t->seller) i++;
  if (i == c->n) {
    seller_sum *nv = svc__grow(c->v, c->n, &c->cap, sizeof *nv, 8);
    if (nv == NULL) {
      c->nomem = true;
      return 1;
    }
    c->v = nv;
    c->v[c->n++] = (seller_sum){.org = t->seller};
  }
  c->v[i].qty += t->qty;
  c->v[i].fees += t->seller_fee;
  c->v[i].value += (i128)t->price * t->qty;
  return 0;
}

typedef struct {
  l6_ex_instrument v[L6_EX_MAX_INSTRUMENTS];
  size_t n;
} instruments;

static int instrument_row(void *ctx, const void *row) {
  instruments *c = ctx;
  if (c->n == L6_EX_MAX_INSTRUMENTS) return 1;
  c->v[c->n++] = *(const l6_ex_instrument *)row;
  return 0;
}

/* One row of the answer: a host Party and a currency. */
typedef struct {
  char host[4], currency[4];
  int minor_units;
  int64_t host_qty, host_fees, resale_qty;
  i128 host_value, resale_value;
} bs_row;

/* The host Party of the instrument's units, or "" when they may come from
 * several projects. */
static l6_err host_of(l6_svc *s, const l6_ex_instrument *x, char host[4], l6_error *err) {
  host[0] = '\0';
  char project[L6_CODE_MAX + 1];
  snprintf(project, sizeof project, "%s", x->project);
  l6_err e = L6_E_OK;
  if (strcmp(x->kind, "batch") == 0) {
    l6_batch b;
    if ((e = OPS->batch_get(ST, x->batch, &b, err)) != L6_E_OK) return e;
    snprintf(project, sizeof project, "%s", b.project);
  }
  if (project[0] == '\0') return L6_E_OK;
  l6_project p;
  if ((e = OPS->project_get(ST, project, &p, err)) == L6_E_OK) snprintf(host, 4, "%s", p.host);
  return e;
}

static l6_err party_of_org(l6_svc *s, l6_id org, char party[4], l6_error *err) {
  l6_org o;
  l6_registry r;
  l6_err e = OPS->org_get(ST, org, &o, err);
  if (e == L6_E_OK) e = OPS->registry_get(ST, o.registry, &r, err);
  if (e == L6_E_OK) snprintf(party, 4, "%s", r.party);
  return e;
}

static json_t *price_or_null(i128 value, int64_t qty) {
  return qty > 0 ? json_integer((json_int_t)(value / qty)) : json_null();
}

static json_t *row_json(const bs_row *r) {
  i128 buyers_value = r->resale_qty > 0 ? r->resale_value : r->host_value;
  int64_t buyers_qty = r->resale_qty > 0 ? r->resale_qty : r->host_qty;
  int64_t buyers_price = buyers_qty > 0 ? (int64_t)(buyers_value / buyers_qty) : 0;
  int64_t received = r->host_qty > 0 ? (int64_t)((r->host_value - r->host_fees) / r->host_qty) : 0;
  json_t *share = r->host_qty > 0 && buyers_price > 0 ? json_integer((json_int_t)((i128)received * 10000 / buyers_price))
                                                      : json_null();
  return json_pack("{s:s, s:s, s:i, s:{s:I, s:o, s:o, s:I}, s:{s:I, s:o}, s:o, s:o}", "host", r->host, "currency",
                   r->currency, "minor_units", r->minor_units, "host_sales", "qty", (json_int_t)r->host_qty, "vwap",
                   price_or_null(r->host_value, r->host_qty), "received", price_or_null(r->host_value - r->host_fees, r->host_qty),
                   "fees", (json_int_t)r->host_fees, "resales", "qty", (json_int_t)r->resale_qty, "vwap",
                   price_or_null(r->resale_value, r->resale_qty), "buyers_price",
                   buyers_qty > 0 ? json_integer((json_int_t)buyers_price) : json_null(), "share_bps", share);
}

/* Every exchange trade of an instrument of one project, summed per host
 * Party and currency into rows (room for L6_EX_MAX_INSTRUMENTS), in the
 * caller's transaction; *unattributed: the tonnes of the others. */
static l6_err collect(l6_svc *s, bs_row *rows, size_t *nrows_out, int64_t *unattributed_out, l6_error *err) {
  instruments *ins = calloc(1, sizeof *ins);
  if (ins == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t nrows = 0;
  int64_t unattributed = 0;
  l6_err e = OPS->ex_instrument_list(ST, instrument_row, ins, err);
  for (size_t i = 0; i < ins->n && e == L6_E_OK; i++) {
    const l6_ex_instrument *x = &ins->v[i];
    sellers sl = {0};
    char host[4];
    e = host_of(s, x, host, err);
    if (e == L6_E_OK) e = OPS->ex_trade_list(ST, x->code, "", false, 0, trade_row, &sl, err);
    if (e == L6_E_OK && sl.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
    if (e == L6_E_OK && sl.n > 0 && host[0] == '\0')
      for (size_t k = 0; k < sl.n; k++) unattributed += sl.v[k].qty;
    if (e == L6_E_OK && sl.n > 0 && host[0] != '\0') {
      size_t r = 0; /* one row per instrument at most: nrows <= L6_EX_MAX_INSTRUMENTS */
      while (r < nrows && (strcmp(rows[r].host, host) != 0 || strcmp(rows[r].currency, x->currency) != 0)) r++;
      if (r == nrows) {
        snprintf(rows[r].host, sizeof rows[r].host, "%s", host);
        snprintf(rows[r].currency, sizeof rows[r].currency, "%s", x->currency);
        rows[r].minor_units = x->minor_units;
        nrows++;
      }
      for (size_t k = 0; k < sl.n && e == L6_E_OK; k++) {
        char party[4];
        if ((e = party_of_org(s, sl.v[k].org, party, err)) != L6_E_OK) break;
        if (strcmp(party, host) == 0) {
          rows[r].host_qty += sl.v[k].qty;
          rows[r].host_fees += sl.v[k].fees;
          rows[r].host_value += sl.v[k].value;
        } else {
          rows[r].resale_qty += sl.v[k].qty;
          rows[r].resale_value += sl.v[k].value;
        }
      }
    }
    free(sl.v);
  }
  free(ins);
  *nrows_out = nrows;
  *unattributed_out = unattributed;
  return e;
}

l6_err svc_ex_benefit(l6_svc *s, json_t **out, l6_error *err) {
  *out = NULL;
  bs_row *rows = calloc(L6_EX_MAX_INSTRUMENTS, sizeof *rows);
  if (rows == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t nrows = 0;
  int64_t unattributed = 0;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(rows);
    return e;
  }
  e = collect(s, rows, &nrows, &unattributed, err);
  if (e == L6_E_OK) {
    json_t *items = json_array();
    for (size_t r = 0; r < nrows; r++) json_array_append_new(items, row_json(&rows[r]));
    *out = json_pack("{s:o, s:I}", "items", items, "unattributed_qty", (json_int_t)unattributed);
  }
  free(rows);
  return svc__finish_out(s, e, out, err);
}

static json_t *value_json(i128 v) {
  return v >= INT64_MIN && v <= INT64_MAX ? json_integer((json_int_t)v) : json_null();
}

l6_err ex_benefit_sales(l6_svc *s, const char *party, json_t *items, l6_error *err) {
  bs_row *rows = calloc(L6_EX_MAX_INSTRUMENTS, sizeof *rows);
  if (rows == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t nrows = 0;
  int64_t unattributed = 0;
  l6_err e = collect(s, rows, &nrows, &unattributed, err);
  for (size_t r = 0; r < nrows && e == L6_E_OK; r++) {
    const bs_row *x = &rows[r];
    if (strcmp(x->host, party) != 0) continue;
    json_array_append_new(items, json_pack("{s:s, s:i, s:{s:I, s:o, s:I}, s:{s:I, s:o}}", "currency", x->currency,
                                           "minor_units", x->minor_units, "host_sales", "qty", (json_int_t)x->host_qty,
                                           "value", value_json(x->host_value), "fees", (json_int_t)x->host_fees,
                                           "resales", "qty", (json_int_t)x->resale_qty, "value",
                                           value_json(x->resale_value)));
  }
  free(rows);
  return e;
}
