/*
 * a6.c -- Article 6.2 accounting rules; see a6.h. Pure: no I/O, no
 * allocation, integers only.
 */
#include "a6.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

/* ---- purposes and events ---------------------------------------------- */

static const char *const purpose_names[] = {"NDC", "OIMP", "IMP", "OP"};

unsigned a6_purpose_bit(const char *name) {
  for (unsigned i = 0; i < 4; i++)
    if (strcmp(name, purpose_names[i]) == 0) return 1u << i;
  return 0;
}

const char *a6_purposes_str(unsigned set, char *buf, size_t cap) {
  size_t len = 0;
  if (cap) buf[0] = '\0';
  for (unsigned i = 0; i < 4; i++) {
    if (!(set & (1u << i))) continue;
    int w = snprintf(buf + len, cap > len ? cap - len : 0, "%s%s", len ? "," : "", purpose_names[i]);
    if (w > 0) len += (size_t)w;
  }
  return buf;
}

bool a6_purposes_parse(const char *s, unsigned *out) {
  unsigned set = 0;
  char word[8];
  const char *p = s;
  if (*p == '\0') return false;
  for (;;) {
    size_t n = strcspn(p, ",");
    if (n == 0 || n >= sizeof word) return false;
    memcpy(word, p, n);
    word[n] = '\0';
    unsigned b = a6_purpose_bit(word);
    if (b == 0 || (set & b)) return false;
    set |= b;
    if (p[n] == '\0') break;
    p += n + 1;
  }
  *out = set;
  return true;
}

static const char *const event_names[] = {"", "authorization", "issuance", "use"};

const char *a6_ft_event_str(a6_ft_event e) { return e > A6_FT__NONE && e <= A6_FT_USE ? event_names[e] : ""; }
a6_ft_event a6_ft_event_from_str(const char *s) {
  for (int i = 1; i <= A6_FT_USE; i++)
    if (strcmp(s, event_names[i]) == 0) return (a6_ft_event)i;
  return A6_FT__NONE;
}

/* ---- ITMO identifier -------------------------------------------------- */

int a6_itmo_format(const a6_itmo_id *id, char *buf, size_t cap) {
  if (id->approach < 1 || id->approach > L6_A6_MAX_APPROACH || !l6_valid_registry_id(id->registry) ||
      !l6_valid_alpha3(id->host) || id->serial < 1 || id->serial > L6_MAX_SERIAL || id->vintage < L6_VINTAGE_MIN ||
      id->vintage > L6_VINTAGE_MAX)
    return -1;
  int n = snprintf(buf, cap, "CA%04d-%s-%s-%09lld-%04d", id->approach, id->registry, id->host, (long long)id->serial,
                   id->vintage);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

bool a6_itmo_parse(const char *s, a6_itmo_id *out) {
  a6_itmo_id id = {0};
  size_t len = strlen(s);
  if (len < 2 || len >= A6_ITMO_ID_MAX || s[0] != 'C' || s[1] != 'A') return false;
  /* CA#### */
  const char *p = s + 2;
  for (int i = 0; i < 4; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    id.approach = id.approach * 10 + (p[i] - '0');
  }
  p += 4;
  if (*p++ != '-') return false;
  if (strlen(p) < 6) return false;
  memcpy(id.registry, p, 5);
  id.registry[5] = '\0';
  p += 5;
  if (*p++ != '-') return false;
  if (strlen(p) < 4) return false;
  memcpy(id.host, p, 3);
  id.host[3] = '\0';
  p += 3;
  if (*p++ != '-') return false;
  size_t digits = strspn(p, "0123456789");
  if (digits < 9 || digits > 19 || p[digits] != '-') return false;
  for (size_t i = 0; i < digits; i++) {
    if (id.serial > (L6_MAX_SERIAL - (p[i] - '0')) / 10) return false;
    id.serial = id.serial * 10 + (p[i] - '0');
  }
  p += digits + 1;
  if (strlen(p) != 4 || strspn(p, "0123456789") != 4) return false;
  id.vintage = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  /* Canonical only: formatting again must give the same text. */
  char again[A6_ITMO_ID_MAX];
  if (a6_itmo_format(&id, again, sizeof again) < 0 || strcmp(again, s) != 0) return false;
  *out = id;
  return true;
}

/* ---- NDCs ------------------------------------------------------------- */

static const char *const kind_names[] = {"", "multi-year", "single-year"};
static const char *const method_names[] = {"", "per-year", "averaging", "trajectory"};

const char *a6_ndc_kind_str(a6_ndc_kind k) { return k > 0 && k <= A6_NDC_SINGLE_YEAR ? kind_names[k] : ""; }
a6_ndc_kind a6_ndc_kind_from_str(const char *s) {
  for (int i = 1; i <= A6_NDC_SINGLE_YEAR; i++)
    if (strcmp(s, kind_names[i]) == 0) return (a6_ndc_kind)i;
  return A6_NDC__NONE;
}
const char *a6_ca_method_str(a6_ca_method m) { return m > 0 && m <= A6_CA_TRAJECTORY ? method_names[m] : ""; }
a6_ca_method a6_ca_method_from_str(const char *s) {
  for (int i = 1; i <= A6_CA_TRAJECTORY; i++)
    if (strcmp(s, method_names[i]) == 0) return (a6_ca_method)i;
  return A6_CA__NONE;
}

l6_err a6_ndc_check(const a6_ndc *n, l6_error *err) {
  if (n->first_year < L6_VINTAGE_MIN || n->last_year > L6_VINTAGE_MAX || n->first_year > n->last_year)
    return l6_fail(err, L6_E_INVALID_VALUE, "the NDC period must be years from %d to %d, first <= last",
                   L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  if (n->last_year - n->first_year + 1 > L6_A6_MAX_NDC_YEARS)
    return l6_fail(err, L6_E_INVALID_VALUE, "an NDC period is at most %d years", L6_A6_MAX_NDC_YEARS);
  if (n->kind == A6_NDC_MULTI_YEAR && n->method != A6_CA_PER_YEAR)
    return l6_fail(err, L6_E_INVALID_VALUE, "a multi-year NDC applies corresponding adjustments per year (method per-year)");
  if (n->kind == A6_NDC_SINGLE_YEAR && n->method != A6_CA_AVERAGING && n->method != A6_CA_TRAJECTORY)
    return l6_fail(err, L6_E_INVALID_VALUE, "a single-year NDC uses method averaging or trajectory");
  if (n->kind == A6_NDC__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "kind must be multi-year or single-year");
  if (n->target_year < n->first_year || n->target_year > n->last_year)
    return l6_fail(err, L6_E_INVALID_VALUE, "target_year %d is outside the NDC period %d-%d", n->target_year,
                   n->first_year, n->last_year);
  if (n->factor_micro < 1 || n->factor_micro > L6_A6_MAX_FACTOR_MICRO)
    return l6_fail(err, L6_E_INVALID_VALUE, "factor_micro must be from 1 to %lld", (long long)L6_A6_MAX_FACTOR_MICRO);
  if (n->target < 0 || n->target > L6_MAX_QUANTITY * 1000)
    return l6_fail(err, L6_E_INVALID_VALUE, "target must be from 0 to %lld", (long long)(L6_MAX_QUANTITY * 1000));
  return L6_E_OK;
}

int64_t a6_to_metric(int64_t q, int64_t f) {
  const int64_t M = A6_FACTOR_ONE;
  int64_t sign = q < 0 ? -1 : 1;
  if (q < 0) q = -q;
  /* (q / M) x f <= 10^9 x 10^9; (q % M) x f < 10^6 x 10^9: no overflow. */
  int64_t whole = (q / M) * f, rem = (q % M) * f;
  return sign * (whole + (rem + M / 2) / M);
}

int64_t a6_div_round(int64_t n, int64_t d) {
  if (n >= 0) return (n + d / 2) / d;
  return -((-n + d / 2) / d);
}

l6_err a6_balance(const a6_ndc *ndc, a6_year *y, size_t n, int64_t *target_figure, l6_error *err) {
  size_t want = (size_t)(ndc->last_year - ndc->first_year + 1);
  if (n != want) return l6_fail(err, L6_E_INVALID_VALUE, "the books need %zu years, got %zu", want, n);
  for (size_t i = 0; i < n; i++) {
    if (y[i].year != ndc->first_year + (int)i)
      return l6_fail(err, L6_E_INVALID_VALUE, "year %d out of order", y[i].year);
    if (ndc->method == A6_CA_TRAJECTORY && !y[i].has_trajectory)
      return l6_fail(err, L6_E_INVALID_VALUE, "the trajectory has no level for %d", y[i].year);
  }
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    y[i].ca = a6_to_metric(y[i].first_transferred, ndc->factor_micro) - a6_to_metric(y[i].used, ndc->factor_micro);
    total += y[i].ca;
  }
  if (ndc->method == A6_CA_AVERAGING) {
    int64_t avg = a6_div_round(total, (int64_t)n);
    for (size_t i = 0; i < n; i++) y[i].ca = avg;
  }
  *target_figure = 0;
  for (size_t i = 0; i < n; i++) {
    y[i].adjusted = y[i].emissions + y[i].ca;
    if (y[i].year == ndc->target_year) *target_figure = y[i].adjusted;
  }
  return L6_E_OK;
}

/* ---- what-if ---------------------------------------------------------- */

static const char *const adjust_names[] = {"inventory", "target"};
static const char *const timing_names[] = {"at-transfer", "at-use"};
static const char *const agg_names[] = {"same-year", "average", "cumulative", "period"};
const char *a6_adjust_str(a6_adjust a) { return adjust_names[a]; }
const char *a6_timing_str(a6_timing t) { return timing_names[t]; }
const char *a6_aggregation_str(a6_aggregation g) { return agg_names[g]; }

/* The net adjustment of one year (metric) under a timing and scope option. */
static int64_t year_net(const a6_ndc *ndc, const a6_whatif_year *y, a6_timing t, bool oos) {
  int64_t ft = t == A6_AT_TRANSFER ? y->ft_at_transfer : y->ft_at_use;
  if (oos) ft += t == A6_AT_TRANSFER ? y->oos_at_transfer : y->oos_at_use;
  return a6_to_metric(ft, ndc->factor_micro) - a6_to_metric(y->used, ndc->factor_micro);
}

size_t a6_whatif(const a6_ndc *ndc, const a6_whatif_year *y, size_t n, a6_whatif_row out[A6_WHATIF_MAX]) {
  size_t k = 0;
  bool single = ndc->kind == A6_NDC_SINGLE_YEAR;
  a6_aggregation aggs[3] = {A6_AGG_SAME_YEAR, A6_AGG_AVERAGE, A6_AGG_CUMULATIVE};
  size_t naggs = single ? 3 : 1;
  if (!single) aggs[0] = A6_AGG_PERIOD;
  for (int adj = 0; adj < 2; adj++)
    for (int t = 0; t < 2; t++)
      for (size_t g = 0; g < naggs; g++)
        for (int oos = 0; oos < 2; oos++) {
          int64_t period_net = 0, target_net = 0, period_em = 0, target_em = 0;
          for (size_t i = 0; i < n; i++) {
            int64_t net = year_net(ndc, &y[i], (a6_timing)t, oos != 0);
            period_net += net;
            period_em += y[i].emissions;
            if (y[i].year == ndc->target_year) {
              target_net = net;
              target_em = y[i].emissions;
            }
          }
          a6_whatif_row r = {.adjust = (a6_adjust)adj, .timing = (a6_timing)t, .aggregation = aggs[g],
                             .ca_outside_scope = oos != 0};
          int64_t em, target;
          switch (aggs[g]) {
          case A6_AGG_SAME_YEAR: r.net = target_net; em = target_em; target = ndc->target; break;
          case A6_AGG_AVERAGE: r.net = n ? a6_div_round(period_net, (int64_t)n) : 0; em = target_em; target = ndc->target; break;
          case A6_AGG_CUMULATIVE: r.net = period_net; em = target_em; target = ndc->target; break;
          default: r.net = period_net; em = period_em; target = ndc->target * (int64_t)n; break;
          }
          if (r.adjust == A6_ADJ_INVENTORY) {
            r.emissions = em + r.net;
            r.target = target;
          } else {
            r.emissions = em;
            r.target = target - r.net;
          }
          r.gap = r.emissions - r.target;
          out[k++] = r;
        }
  return k;
}

/* ---- CORSIA ----------------------------------------------------------- */

unsigned a6_corsia_check(const a6_corsia_phase *p, const a6_corsia_unit *u) {
  unsigned failed = 0;
  bool listed = false;
  for (size_t i = 0; i < p->nprogrammes; i++) listed |= strcmp(p->programmes[i], u->programme) == 0;
  if (!listed) failed |= A6_CORSIA_PROGRAMME;
  if (p->crediting_start_from[0] && strcmp(u->crediting_start, p->crediting_start_from) < 0)
    failed |= A6_CORSIA_CREDITING_START; /* YYYY-MM-DD compares as text */
  if ((p->vintage_from && u->vintage < p->vintage_from) || (p->vintage_to && u->vintage > p->vintage_to))
    failed |= A6_CORSIA_VINTAGE;
  if (p->require_oimp && !u->oimp_authorized) failed |= A6_CORSIA_AUTHORIZATION;
  if (p->require_ca && !u->ca_applied) failed |= A6_CORSIA_CA;
  return failed;
}

const char *a6_corsia_explain(const a6_corsia_phase *p, const a6_corsia_unit *u, unsigned failed, char *buf,
                              size_t cap) {
  size_t len = 0;
  if (cap) buf[0] = '\0';
#define ADD(...)                                                                    \
  do {                                                                              \
    if (len && len + 2 < cap) { memcpy(buf + len, "; ", 3); len += 2; }             \
    int w_ = snprintf(buf + len, cap > len ? cap - len : 0, __VA_ARGS__);           \
    if (w_ > 0) len = len + (size_t)w_ < cap ? len + (size_t)w_ : (cap ? cap - 1 : 0); \
  } while (0)
  if (failed & A6_CORSIA_PROGRAMME) ADD("programme %s is not eligible in phase %s", u->programme, p->name);
  if (failed & A6_CORSIA_CREDITING_START)
    ADD("first crediting period started %s, before %s", u->crediting_start, p->crediting_start_from);
  if (failed & A6_CORSIA_VINTAGE) ADD("vintage %d is outside %d-%d", u->vintage, p->vintage_from, p->vintage_to);
  if (failed & A6_CORSIA_AUTHORIZATION) ADD("no letter of authorization for OIMP");
  if (failed & A6_CORSIA_CA) ADD("no corresponding adjustment");
#undef ADD
  return buf;
}
