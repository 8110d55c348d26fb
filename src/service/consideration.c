/*
 * consideration.c -- issue 20 item 5: the optional consideration (price)
 * of an off-exchange transfer (POST /v1/transfers, docs/API.md
 * "Consideration on transfers") and its part in the host Party's
 * benefit-sharing report (GET /v1/benefit-sharing/{party}, "transfers").
 *
 * Every transfer made through POST /v1/transfers (directly, or when an
 * approved proposal runs) records its terms in tx_terms: the amount in
 * minor units and the ISO 4217 currency, or none (unpriced). Transfers of
 * the exchange, the marketplace, links and the project cycle are not
 * off-exchange sales and record no terms.
 *
 * The currency rule: three upper-case letters that are an active ISO 4217
 * code of the list below (ISO 4217, list one, 2025), so that a typo
 * ("EUO") is refused rather than summed apart.
 *
 * Seed 000 (UNCTAD, LDC report 2024): "碳信用额的市场价值并不等同于向相关
 * 项目的最不发达国家东道国转移资金的实际规模" (the market value of credits
 * is not what actually reaches the LDC host) -> off-exchange sales from the
 * host side are summed next to the exchange's.
 */
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

__extension__ typedef __int128 i128;

#define OPS (s->st->ops)
#define ST (s->st)

/* Active ISO 4217 codes, sorted, each followed by a space. */
static const char iso4217[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
    "GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT "
    "LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR "
    "NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP "
    "STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG "
    "XOF XPF YER ZAR ZMW ZWG ";

static bool known_currency(const char *c) {
  if (strlen(c) != 3) return false;
  for (int i = 0; i < 3; i++)
    if (c[i] < 'A' || c[i] > 'Z') return false;
  for (const char *p = iso4217; *p; p += 4)
    if (memcmp(p, c, 3) == 0) return true;
  return false;
}

l6_err svc__consideration_check(const l6_move_req *r, l6_error *err) {
  if (r->kind != L6_TX_TRANSFER) return l6_fail(err, L6_E_INVALID_VALUE, "only a transfer carries a consideration");
  if (r->consideration_amount < 0 || r->consideration_amount > L6_MAX_CONSIDERATION)
    return l6_fail(err, L6_E_INVALID_VALUE, "consideration.amount must be from 0 to %lld minor units",
                   (long long)L6_MAX_CONSIDERATION);
  if (!known_currency(r->consideration_currency))
    return l6_fail(err, L6_E_INVALID_VALUE, "consideration.currency must be an active ISO 4217 code (EUR)");
  return L6_E_OK;
}

l6_err svc__consideration_put(l6_svc *s, l6_id tx, const l6_move_req *r, l6_error *err) {
  l6_tx_terms t = {.tx = tx, .amount = -1};
  if (r->has_consideration) {
    t.amount = r->consideration_amount;
    memcpy(t.currency, r->consideration_currency, 3); /* checked: three letters */
    t.currency[3] = '\0';
  }
  return OPS->tx_terms_put(ST, &t, err);
}

l6_err svc__add_considerations(l6_svc *s, json_t *items, l6_error *err) {
  size_t i;
  json_t *t;
  json_array_foreach(items, i, t) {
    if (strcmp(json_string_value(json_object_get(t, "kind")) ? json_string_value(json_object_get(t, "kind")) : "",
               "transfer") != 0)
      continue;
    l6_tx_terms x;
    l6_err e = OPS->tx_terms_get(ST, json_integer_value(json_object_get(t, "id")), &x, err);
    if (e == L6_E_NOT_FOUND || (e == L6_E_OK && x.amount < 0)) continue;
    if (e != L6_E_OK) return e;
    json_object_set_new(t, "consideration", json_pack("{s:I, s:s}", "amount", (json_int_t)x.amount, "currency", x.currency));
  }
  return L6_E_OK;
}

/* ---- the benefit-sharing report ----------------------------------------- */

typedef struct {
  l6_tx_terms *v;
  size_t n, cap;
  bool nomem;
} terms_list;

static int terms_row(void *ctx, const void *row) {
  terms_list *c = ctx;
  l6_tx_terms *nv = svc__grow(c->v, c->n, &c->cap, sizeof *nv, 64);
  if (nv == NULL) {
    c->nomem = true;
    return 1;
  }
  c->v = nv;
  c->v[c->n++] = *(const l6_tx_terms *)row;
  return 0;
}

typedef struct {
  l6_svc *s;
  const char *party;
  int64_t hosted;  /* tonnes of units of projects the Party hosts */
  l6_err e;
  l6_error *err;
} lines_sum;

static int line_row(void *ctx, const void *row) {
  lines_sum *c = ctx;
  l6_svc *s = c->s;
  const l6_tx_line *l = row;
  l6_batch b;
  l6_project p;
  if ((c->e = OPS->batch_get(ST, l->batch, &b, c->err)) != L6_E_OK) return 1;
  if ((c->e = OPS->project_get(ST, b.project, &p, c->err)) != L6_E_OK) return 1;
  if (strcmp(p.host, c->party) == 0) c->hosted += l->last - l->first + 1;
  return 0;
}

/* One currency's priced transfers. */
typedef struct {
  char currency[4];
  int64_t count, qty;
  i128 amount;
} priced_row;

l6_err svc__consideration_sums(l6_svc *s, const char *party, json_t *report, l6_error *err) {
  terms_list tl = {0};
  l6_err e = OPS->tx_terms_list(ST, terms_row, &tl, err);
  if (e == L6_E_OK && tl.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  priced_row *rows = NULL;
  size_t nrows = 0, cap = 0;
  int64_t unpriced = 0;
  for (size_t i = 0; i < tl.n && e == L6_E_OK; i++) {
    const l6_tx_terms *x = &tl.v[i];
    l6_tx t;
    l6_account from;
    l6_org o;
    l6_registry reg;
    if ((e = OPS->tx_get(ST, x->tx, &t, err)) != L6_E_OK) break;
    if ((e = OPS->account_get(ST, t.from_account, &from, err)) != L6_E_OK) break;
    if ((e = OPS->org_get(ST, from.org, &o, err)) != L6_E_OK) break;
    if ((e = OPS->registry_get(ST, o.registry, &reg, err)) != L6_E_OK) break;
    if (strcmp(reg.party, party) != 0) continue; /* not sold from the host side */
    lines_sum ls = {.s = s, .party = party, .err = err};
    if ((e = OPS->tx_lines(ST, x->tx, line_row, &ls, err)) == L6_E_OK) e = ls.e;
    if (e != L6_E_OK || ls.hosted == 0) continue;
    if (x->amount < 0) {
      unpriced++;
      continue;
    }
    size_t r = 0;
    while (r < nrows && strcmp(rows[r].currency, x->currency) != 0) r++;
    if (r == nrows) {
      priced_row *nv = svc__grow(rows, nrows, &cap, sizeof *nv, 4);
      if (nv == NULL) {
        e = l6_fail(err, L6_E_NOMEM, NULL);
        break;
      }
      rows = nv;
      rows[nrows++] = (priced_row){0};
      snprintf(rows[r].currency, sizeof rows[r].currency, "%s", x->currency);
    }
    rows[r].count++;
    rows[r].qty += ls.hosted;
    rows[r].amount += x->amount;
  }
  json_t *priced = json_array();
  for (size_t r = 0; r < nrows; r++) {
    const priced_row *p = &rows[r];
    json_t *amount = p->amount <= INT64_MAX ? json_integer((json_int_t)p->amount) : json_null();
    json_array_append_new(priced, json_pack("{s:s, s:I, s:I, s:o}", "currency", p->currency, "count", (json_int_t)p->count,
                                            "qty", (json_int_t)p->qty, "amount", amount));
  }
  json_object_set_new(report, "transfers",
                      json_pack("{s:o, s:{s:I}}", "priced", priced, "unpriced", "count", (json_int_t)unpriced));
  free(rows);
  free(tl.v);
  return e;
}
