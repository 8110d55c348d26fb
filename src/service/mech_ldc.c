/*
 * mech_ldc.c -- issue 20 items 3 and 4: what a mechanism asks of
 * activities for least developed countries' sake, as data of its file
 * (config/mechanisms/<code>.json, docs/DESIGN.md "Safeguards, SD indicators
 * and fees"):
 *
 *   "safeguards":    a checklist answered at registration (register,
 *                    accept): every item answered true or false, items
 *                    with must_hold answered true;
 *   "sd_indicators": the sustainable-development indicators every
 *                    monitoring report carries, each a whole number;
 *   "fees":          a registration fee and an issuance fee per unit in
 *                    tiers (the share of proceeds for administration, in
 *                    money), with waivers and deferrals for the host
 *                    Parties of country groups (config/country-groups.json:
 *                    LDC, SIDS). Invoices are recorded in the step record
 *                    of the same store transaction as the registration or
 *                    issuance they bill.
 *
 * Seed 000 (UNCTAD, The least developed countries report 2024), which
 * these rules follow:
 *   "项目登记费用高，《京都议定书》承诺期短，给这些国家的参与设置了额外的障碍"
 *     (high registration fees kept LDCs out of the CDM) -> fee waivers;
 *   "这些措施特别包括：为与机制有关的交易费用提供贷款" (loans for the
 *     mechanism's transaction costs) -> a registration fee deferred to
 *     the first issuance, paid out of its proceeds;
 *   "为最不发达国家设定较低的体制和资金要求" (lower institutional and
 *     financial requirements for LDCs in the multilateral rules);
 *   "可能导致受这些项目影响的民众的人权受到侵犯" (weak oversight may let
 *     projects violate the human rights of affected people) -> the
 *     safeguards checklist;
 *   "项目的共同效益，如……对实现特定可持续发展目标的贡献" (co-benefits such
 *     as contributions to specific SDGs) -> SD indicators, reported and
 *     published with every monitoring report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "ldc.h"
#include "mechanism.h"
#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)
#define ST (s->st)

/* ---- parsing ---------------------------------------------------------- */

/* Lower-case words joined by hyphens, 1..L6_CODE_MAX. */
static bool valid_item_code(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > L6_CODE_MAX || s[0] == '-' || s[n - 1] == '-') return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
  return true;
}

static bool copy_text(json_t *v, char *dst, size_t cap) {
  if (!json_is_string(v) || json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v) ||
      !l6_valid_text(json_string_value(v), cap - 1))
    return false;
  snprintf(dst, cap, "%s", json_string_value(v));
  return true;
}

/* "source": where a rule comes from (a quoted passage), printable text. */
static bool source_ok(json_t *o) {
  json_t *v = json_object_get(o, "source");
  return v == NULL || (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
                       l6_valid_text(json_string_value(v), L6_TEXT_MAX));
}

static l6_err parse_safeguards(const char *path, json_t *arr, l6_mech *m, l6_error *err) {
  if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > L6_MAX_SAFEGUARDS)
    return cfg_bad(err, path, "safeguards", "must be an array of 1 to %d items", L6_MAX_SAFEGUARDS);
  static const char *const keys[] = {"code", "text", "must_hold", "source", NULL};
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    char where[40];
    snprintf(where, sizeof where, "safeguards[%zu]", i);
    const char *unknown = NULL;
    if (!json_is_object(it)) return cfg_bad(err, path, where, "must be an object {\"code\", \"text\", \"must_hold\"}");
    if (!cfg_only_keys(it, keys, &unknown)) return cfg_bad(err, path, where, "unknown key %.40s", unknown);
    l6_mech_safeguard *g = &m->safeguards[m->nsafeguards];
    json_t *code = json_object_get(it, "code"), *mh = json_object_get(it, "must_hold");
    if (!json_is_string(code) || !valid_item_code(json_string_value(code)))
      return cfg_bad(err, path, where, "code must be lower-case words joined by hyphens (1-%d)", L6_CODE_MAX);
    snprintf(g->code, sizeof g->code, "%s", json_string_value(code));
    for (size_t k = 0; k < m->nsafeguards; k++)
      if (strcmp(m->safeguards[k].code, g->code) == 0) return cfg_bad(err, path, where, "code %s is listed twice", g->code);
    if (!copy_text(json_object_get(it, "text"), g->text, sizeof g->text))
      return cfg_bad(err, path, where, "text must be printable text of 1-%d bytes", L6_NAME_MAX);
    if (mh != NULL && !json_is_boolean(mh)) return cfg_bad(err, path, where, "must_hold must be true or false");
    g->must_hold = json_is_true(mh);
    if (!source_ok(it)) return cfg_bad(err, path, where, "source must be printable text of 1-%d bytes", L6_TEXT_MAX);
    m->nsafeguards++;
  }
  return L6_E_OK;
}

static l6_err parse_sd(const char *path, json_t *arr, l6_mech *m, l6_error *err) {
  if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > L6_MAX_SD_INDICATORS)
    return cfg_bad(err, path, "sd_indicators", "must be an array of 1 to %d indicators", L6_MAX_SD_INDICATORS);
  static const char *const keys[] = {"code", "name", "unit", "source", NULL};
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    char where[40];
    snprintf(where, sizeof where, "sd_indicators[%zu]", i);
    const char *unknown = NULL;
    if (!json_is_object(it)) return cfg_bad(err, path, where, "must be an object {\"code\", \"name\", \"unit\"}");
    if (!cfg_only_keys(it, keys, &unknown)) return cfg_bad(err, path, where, "unknown key %.40s", unknown);
    l6_mech_sd *d = &m->sd[m->nsd];
    json_t *code = json_object_get(it, "code"), *unit = json_object_get(it, "unit");
    if (!json_is_string(code) || !valid_item_code(json_string_value(code)))
      return cfg_bad(err, path, where, "code must be lower-case words joined by hyphens (1-%d)", L6_CODE_MAX);
    snprintf(d->code, sizeof d->code, "%s", json_string_value(code));
    for (size_t k = 0; k < m->nsd; k++)
      if (strcmp(m->sd[k].code, d->code) == 0) return cfg_bad(err, path, where, "code %s is listed twice", d->code);
    if (!copy_text(json_object_get(it, "name"), d->name, sizeof d->name))
      return cfg_bad(err, path, where, "name must be printable text of 1-%d bytes", L6_NAME_MAX);
    if (!json_is_string(unit) || !valid_item_code(json_string_value(unit)))
      return cfg_bad(err, path, where, "unit must be lower-case words joined by hyphens (1-%d)", L6_CODE_MAX);
    snprintf(d->unit, sizeof d->unit, "%s", json_string_value(unit));
    if (!source_ok(it)) return cfg_bad(err, path, where, "source must be printable text of 1-%d bytes", L6_TEXT_MAX);
    m->nsd++;
  }
  return L6_E_OK;
}

static l6_relief relief_of(json_t *v) {
  const char *s = json_string_value(v);
  if (s == NULL) return L6_RELIEF_NONE;
  return strcmp(s, "waive") == 0 ? L6_RELIEF_WAIVE : strcmp(s, "defer") == 0 ? L6_RELIEF_DEFER : L6_RELIEF_NONE;
}

static l6_err parse_fees(const char *path, json_t *f, l6_mech *m, l6_error *err) {
  static const char *const keys[] = {"currency", "registration", "issuance_tiers", "relief", "source", NULL};
  const char *unknown = NULL;
  if (!json_is_object(f)) return cfg_bad(err, path, "fees", "must be an object");
  if (!cfg_only_keys(f, keys, &unknown)) return cfg_bad(err, path, "fees", "unknown key %.40s", unknown);
  if (!source_ok(f)) return cfg_bad(err, path, "fees.source", "must be printable text of 1-%d bytes", L6_TEXT_MAX);
  json_t *cur = json_object_get(f, "currency"), *reg = json_object_get(f, "registration"),
         *tiers = json_object_get(f, "issuance_tiers"), *relief = json_object_get(f, "relief");
  if (!json_is_string(cur) || json_string_length(cur) != 3 || !l6_valid_alpha3(json_string_value(cur)))
    return cfg_bad(err, path, "fees.currency", "must be an ISO 4217 code (three capitals)");
  snprintf(m->currency, sizeof m->currency, "%s", json_string_value(cur));
  if (!json_is_integer(reg) || json_integer_value(reg) < 0 || json_integer_value(reg) > L6_MAX_FEE_AMOUNT)
    return cfg_bad(err, path, "fees.registration", "must be an integer from 0 to %lld (minor units)", L6_MAX_FEE_AMOUNT);
  m->registration_fee = json_integer_value(reg);
  if (!json_is_array(tiers) || json_array_size(tiers) < 1 || json_array_size(tiers) > L6_MAX_FEE_TIERS)
    return cfg_bad(err, path, "fees.issuance_tiers", "must be an array of 1 to %d tiers", L6_MAX_FEE_TIERS);
  static const char *const tkeys[] = {"up_to", "per_unit", NULL};
  size_t i;
  json_t *t;
  json_array_foreach(tiers, i, t) {
    if (!json_is_object(t) || !cfg_only_keys(t, tkeys, &unknown))
      return cfg_bad(err, path, "fees.issuance_tiers", "entry %zu must be an object {\"up_to\", \"per_unit\"}", i);
    json_t *up = json_object_get(t, "up_to"), *pu = json_object_get(t, "per_unit");
    if ((up != NULL && !json_is_integer(up)) || !json_is_integer(pu))
      return cfg_bad(err, path, "fees.issuance_tiers", "entry %zu: up_to and per_unit must be integers", i);
    m->tiers[i].up_to = up ? json_integer_value(up) : 0;
    m->tiers[i].per_unit = json_integer_value(pu);
    if (up != NULL && m->tiers[i].up_to == 0)
      return cfg_bad(err, path, "fees.issuance_tiers", "entry %zu: up_to must be positive (leave it out on the last tier)", i);
  }
  m->ntiers = json_array_size(tiers);
  const char *why = fee_tiers_check(m->tiers, m->ntiers);
  if (why) return cfg_bad(err, path, "fees.issuance_tiers", "%s", why);
  if (relief != NULL) {
    if (!json_is_object(relief) || json_object_size(relief) > L6_MAX_FEE_RELIEF)
      return cfg_bad(err, path, "fees.relief", "must be an object of at most %d country groups", L6_MAX_FEE_RELIEF);
    static const char *const rkeys[] = {"registration", "issuance", NULL};
    const char *g;
    json_t *r;
    json_object_foreach(relief, g, r) {
      char where[48];
      snprintf(where, sizeof where, "fees.relief.%.20s", g);
      l6_mech_relief *x = &m->relief[m->nrelief];
      if (strlen(g) < 1 || strlen(g) >= sizeof x->group || !l6_valid_code(g))
        return cfg_bad(err, path, where, "must name a group of config/country-groups.json (LDC, SIDS)");
      if (!json_is_object(r) || json_object_size(r) == 0 || !cfg_only_keys(r, rkeys, &unknown))
        return cfg_bad(err, path, where, "must be an object {\"registration\", \"issuance\"}");
      json_t *rr = json_object_get(r, "registration"), *ri = json_object_get(r, "issuance");
      snprintf(x->group, sizeof x->group, "%s", g);
      x->registration = relief_of(rr);
      x->issuance = relief_of(ri);
      if (rr != NULL && x->registration == L6_RELIEF_NONE)
        return cfg_bad(err, path, where, "registration must be \"waive\" or \"defer\" (to the first issuance)");
      if (ri != NULL && x->issuance != L6_RELIEF_WAIVE) return cfg_bad(err, path, where, "issuance must be \"waive\"");
      m->nrelief++;
    }
  }
  m->fees = true;
  return L6_E_OK;
}

/* "benefit_sharing": {"shares": [{"to": "host-community" | "host-government",
 * "bp": 1..10000}], "source"}: each recipient once, the shares at most
 * 10,000 bp (100 %) together. Seed 000 (UNCTAD, LDC report 2024):
 *   "国内法规应具体规定碳项目的运营和利益分享规则，包括资金收益的分享机制"
 *   (domestic rules should set the benefit-sharing rules of carbon
 *   projects, including how proceeds are shared) and
 *   "减缓活动创造的价值中有一大部分被碳市场中运作的经纪公司、转售商和其他
 *   中介机构拿走了" (much of the value is taken by brokers, resellers and
 *   other intermediaries) -> the host's shares are split off at issuance,
 *   in units, before anyone else holds them. */
static l6_err parse_benefit(const char *path, json_t *b, l6_mech *m, l6_error *err) {
  static const char *const keys[] = {"shares", "source", NULL};
  static const char *const skeys[] = {"to", "bp", NULL};
  const char *unknown = NULL;
  if (!json_is_object(b)) return cfg_bad(err, path, "benefit_sharing", "must be an object {\"shares\"}");
  if (!cfg_only_keys(b, keys, &unknown)) return cfg_bad(err, path, "benefit_sharing", "unknown key %.40s", unknown);
  if (!source_ok(b)) return cfg_bad(err, path, "benefit_sharing.source", "must be printable text of 1-%d bytes", L6_TEXT_MAX);
  json_t *arr = json_object_get(b, "shares");
  if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > L6_MAX_BENEFIT_SHARES)
    return cfg_bad(err, path, "benefit_sharing.shares", "must be an array of 1 to %d shares", L6_MAX_BENEFIT_SHARES);
  int sum = 0;
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    char where[48];
    snprintf(where, sizeof where, "benefit_sharing.shares[%zu]", i);
    if (!json_is_object(it)) return cfg_bad(err, path, where, "must be an object {\"to\", \"bp\"}");
    if (!cfg_only_keys(it, skeys, &unknown)) return cfg_bad(err, path, where, "unknown key %.40s", unknown);
    const char *to = json_string_value(json_object_get(it, "to"));
    json_t *bp = json_object_get(it, "bp");
    if (to == NULL || (strcmp(to, "host-community") != 0 && strcmp(to, "host-government") != 0))
      return cfg_bad(err, path, where, "to must be \"host-community\" or \"host-government\"");
    for (size_t k = 0; k < m->nbenefit; k++)
      if (strcmp(m->benefit[k].to, to) == 0) return cfg_bad(err, path, where, "%s is listed twice", to);
    if (!json_is_integer(bp) || json_integer_value(bp) < 1 || json_integer_value(bp) > L6_BP_ONE)
      return cfg_bad(err, path, where, "bp must be an integer from 1 to 10000");
    snprintf(m->benefit[m->nbenefit].to, sizeof m->benefit[0].to, "%s", to);
    m->benefit[m->nbenefit].bp = (int)json_integer_value(bp);
    sum += m->benefit[m->nbenefit].bp;
    m->nbenefit++;
  }
  if (sum > L6_BP_ONE) return cfg_bad(err, path, "benefit_sharing.shares", "the shares add up to %d bp, over 10000 (100 %%)", sum);
  return L6_E_OK;
}

l6_err mech_parse_ldc(const char *path, json_t *root, l6_mech *m, l6_error *err) {
  json_t *v;
  l6_err e = L6_E_OK;
  if ((v = json_object_get(root, "safeguards")) != NULL) e = parse_safeguards(path, v, m, err);
  if (e == L6_E_OK && (v = json_object_get(root, "sd_indicators")) != NULL) e = parse_sd(path, v, m, err);
  if (e == L6_E_OK && (v = json_object_get(root, "fees")) != NULL) e = parse_fees(path, v, m, err);
  if (e == L6_E_OK && (v = json_object_get(root, "benefit_sharing")) != NULL) e = parse_benefit(path, v, m, err);
  if (e == L6_E_OK && m->nbenefit && !m->steps[L6_STEP_ISSUE].defined)
    e = cfg_bad(err, path, "benefit_sharing", "is split at the issue step, which the mechanism does not have");
  if (e == L6_E_OK && m->nsafeguards && !m->steps[L6_STEP_REGISTER].defined)
    e = cfg_bad(err, path, "safeguards", "are answered at the register step, which the mechanism does not have");
  if (e == L6_E_OK && m->nsd && !m->steps[L6_STEP_MONITOR].defined)
    e = cfg_bad(err, path, "sd_indicators", "are reported at the monitor step, which the mechanism does not have");
  if (e == L6_E_OK && m->fees && !m->steps[L6_STEP_REGISTER].defined)
    e = cfg_bad(err, path, "fees", "are billed at the register and issue steps; the mechanism has no register step");
  return e;
}

/* ---- answers on steps ---------------------------------------------------- */

l6_err ldc_safeguards(const l6_mech *m, const json_t *answers, json_t **rec, l6_error *err) {
  *rec = NULL;
  if (m->nsafeguards == 0) {
    if (answers != NULL) return l6_fail(err, L6_E_INVALID_VALUE, "%s asks no safeguards checklist", m->code);
    return L6_E_OK;
  }
  if (answers == NULL)
    return l6_fail(err, L6_E_SAFEGUARDS_INCOMPLETE, "registration under %s needs the safeguards checklist: %zu items",
                   m->code, m->nsafeguards);
  if (!json_is_object(answers))
    return l6_fail(err, L6_E_WRONG_TYPE, "field 'safeguards' must be an object of true/false answers");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)answers, k, v) {
    bool known = false;
    for (size_t i = 0; i < m->nsafeguards && !known; i++) known = strcmp(m->safeguards[i].code, k) == 0;
    if (!known) return l6_fail(err, L6_E_INVALID_VALUE, "'%.40s' is not a safeguard of %s", k, m->code);
    if (!json_is_boolean(v)) return l6_fail(err, L6_E_WRONG_TYPE, "safeguard '%.40s' must be answered true or false", k);
  }
  json_t *out = json_object();
  for (size_t i = 0; i < m->nsafeguards; i++) {
    const l6_mech_safeguard *g = &m->safeguards[i];
    json_t *a = json_object_get(answers, g->code);
    l6_err e = L6_E_OK;
    if (a == NULL) e = l6_fail(err, L6_E_SAFEGUARDS_INCOMPLETE, "safeguard '%s' is not answered", g->code);
    else if (g->must_hold && !json_is_true(a))
      e = l6_fail(err, L6_E_SAFEGUARDS_INCOMPLETE, "safeguard '%s' must hold for registration under %s", g->code, m->code);
    if (e != L6_E_OK) {
      json_decref(out);
      return e;
    }
    json_object_set_new(out, g->code, json_boolean(json_is_true(a)));
  }
  *rec = out;
  return L6_E_OK;
}

l6_err ldc_sd_indicators(const l6_mech *m, const json_t *values, json_t **rec, l6_error *err) {
  *rec = NULL;
  if (m->nsd == 0) {
    if (values != NULL) return l6_fail(err, L6_E_INVALID_VALUE, "%s has no sustainable-development indicators", m->code);
    return L6_E_OK;
  }
  if (values == NULL)
    return l6_fail(err, L6_E_SD_INDICATORS_INCOMPLETE,
                   "a monitoring report under %s carries its %zu sustainable-development indicators", m->code, m->nsd);
  if (!json_is_object(values))
    return l6_fail(err, L6_E_WRONG_TYPE, "field 'sd_indicators' must be an object of whole numbers");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)values, k, v) {
    bool known = false;
    for (size_t i = 0; i < m->nsd && !known; i++) known = strcmp(m->sd[i].code, k) == 0;
    if (!known) return l6_fail(err, L6_E_INVALID_VALUE, "'%.40s' is not an SD indicator of %s", k, m->code);
    if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "SD indicator '%.40s' must be a whole number", k);
    if (json_integer_value(v) < 0 || json_integer_value(v) > L6_MAX_QUANTITY)
      return l6_fail(err, L6_E_INVALID_VALUE, "SD indicator '%.40s' must be 0 to 10^12", k);
  }
  json_t *out = json_object();
  for (size_t i = 0; i < m->nsd; i++) {
    json_t *x = json_object_get(values, m->sd[i].code);
    if (x == NULL) {
      json_decref(out);
      return l6_fail(err, L6_E_SD_INDICATORS_INCOMPLETE, "SD indicator '%s' (%s) is not reported", m->sd[i].code,
                     m->sd[i].unit);
    }
    json_object_set_new(out, m->sd[i].code, json_integer(json_integer_value(x)));
  }
  *rec = out;
  return L6_E_OK;
}

/* ---- fees ------------------------------------------------------------------ */

/* The most favourable relief of the host's groups for one fee; *group
 * names the group (static storage of m). */
static l6_err relief_for(const l6_mech *m, const char *host, bool registration, l6_relief *out, const char **group,
                         l6_error *err) {
  *out = L6_RELIEF_NONE;
  *group = NULL;
  for (size_t i = 0; i < m->nrelief; i++) {
    const l6_mech_relief *r = &m->relief[i];
    l6_relief x = registration ? r->registration : r->issuance;
    if (x == L6_RELIEF_NONE) continue;
    int member = svc_group_member(r->group, host);
    if (member < 0)
      return l6_fail(err, L6_E_INVALID_CONFIG, "%s: fees.relief names group %s, which config/country-groups.json lacks",
                     m->file, r->group);
    /* waive beats defer beats none */
    if (member && (*out == L6_RELIEF_NONE || (x == L6_RELIEF_WAIVE && *out == L6_RELIEF_DEFER))) {
      *out = x;
      *group = r->group;
    }
  }
  return L6_E_OK;
}

static const char *relief_str(l6_relief r) {
  return r == L6_RELIEF_WAIVE ? "waived" : r == L6_RELIEF_DEFER ? "deferred" : "none";
}

static json_t *invoice(const l6_mech *m, const char *fee, const char *host, int64_t amount, l6_relief r,
                       const char *group) {
  json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "fee", fee, "party", host, "currency", m->currency, "amount",
                        (json_int_t)amount, "relief", relief_str(r), "due", (json_int_t)(r == L6_RELIEF_NONE ? amount : 0));
  if (group) json_object_set_new(o, "group", json_string(group));
  return o;
}

l6_err ldc_registration_invoices(const l6_mech *m, const char *host, json_t **out, l6_error *err) {
  *out = NULL;
  if (!m->fees) return L6_E_OK;
  l6_relief r;
  const char *group;
  l6_err e = relief_for(m, host, true, &r, &group, err);
  if (e != L6_E_OK) return e;
  *out = json_array();
  json_array_append_new(*out, invoice(m, "registration", host, m->registration_fee, r, group));
  return L6_E_OK;
}

l6_err ldc_issuance_invoices(const l6_mech *m, const char *host, l6_qty q, bool first, json_t **out, l6_error *err) {
  *out = NULL;
  if (!m->fees) return L6_E_OK;
  l6_relief r, rr;
  const char *group, *rgroup;
  int64_t amount;
  l6_qty units[L6_MAX_FEE_TIERS];
  int64_t part[L6_MAX_FEE_TIERS];
  l6_err e = relief_for(m, host, false, &r, &group, err);
  if (e == L6_E_OK) e = relief_for(m, host, true, &rr, &rgroup, err);
  if (e == L6_E_OK) e = fee_tiers_amount(m->tiers, m->ntiers, q, &amount, units, part, err);
  if (e != L6_E_OK) return e;
  json_t *arr = json_array(), *tiers = json_array();
  for (size_t i = 0; i < m->ntiers; i++)
    json_array_append_new(tiers, json_pack("{s:I, s:I, s:I}", "units", (json_int_t)units[i], "per_unit",
                                           (json_int_t)m->tiers[i].per_unit, "amount", (json_int_t)part[i]));
  json_t *inv = invoice(m, "issuance", host, amount, r, group);
  json_object_set_new(inv, "units", json_integer(q));
  json_object_set_new(inv, "tiers", tiers);
  json_array_append_new(arr, inv);
  if (first && rr == L6_RELIEF_DEFER) { /* the deferred registration fee falls due with the first issuance */
    json_t *d = invoice(m, "registration", host, m->registration_fee, L6_RELIEF_NONE, rgroup);
    json_object_set_new(d, "deferred", json_true());
    json_array_append_new(arr, d);
  }
  *out = arr;
  return L6_E_OK;
}

/* ---- the fee report ---------------------------------------------------------- */

typedef struct {
  l6_svc *s;
  const char *party;
  json_t *acts; /* projects hosted by party */
  char last[L6_CODE_MAX + 1];
  int count;
  l6_err e;
  l6_error *err;
} host_scan;

static int host_act_row(void *ctx, const void *row) {
  host_scan *c = ctx;
  const l6_activity *a = row;
  l6_svc *s = c->s;
  l6_project p;
  c->count++;
  snprintf(c->last, sizeof c->last, "%s", a->project);
  if ((c->e = OPS->project_get(ST, a->project, &p, c->err)) != L6_E_OK) return 1;
  if (strcmp(p.host, c->party) == 0) json_array_append_new(c->acts, json_string(a->project));
  return 0;
}

l6_err svc__hosted_activities(l6_svc *s, const char *party, json_t *acts, l6_error *err) {
  host_scan c = {.s = s, .party = party, .acts = acts, .err = err};
  l6_err e;
  do { /* every activity, page by page, keeping the host's */
    c.count = 0;
    char after[L6_CODE_MAX + 1];
    snprintf(after, sizeof after, "%s", c.last);
    e = OPS->activity_list(ST, NULL, NULL, after, L6_MAX_PAGE, host_act_row, &c, err);
    if (e == L6_E_OK) e = c.e;
  } while (e == L6_E_OK && c.count == L6_MAX_PAGE);
  return e;
}

typedef struct {
  json_t *items;
  const char *project;
  l6_id last;
  int count;
} fee_steps;

static int fee_step_row(void *ctx, const void *row) {
  fee_steps *c = ctx;
  const l6_step_rec *r = row;
  c->last = r->id;
  c->count++;
  json_t *d = json_loads(r->detail, 0, NULL);
  size_t i;
  json_t *inv;
  json_array_foreach(json_object_get(d, "invoices"), i, inv) {
    json_t *x = json_deep_copy(inv);
    json_object_set_new(x, "project", json_string(c->project));
    json_object_set_new(x, "step", json_string(r->step));
    json_object_set_new(x, "step_id", json_integer(r->id));
    json_object_set_new(x, "period", json_integer(r->period));
    json_object_set_new(x, "ts", json_string(r->ts));
    json_array_append_new(c->items, x);
  }
  json_decref(d);
  return 0;
}

l6_err svc_fee_report(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  (void)a; /* public: fees, waivers and deferrals are the mechanism's open books */
  READ_ON_VIEW(s, svc_fee_report, a, party, out, err);
  *out = NULL;
  if (party == NULL || !l6_valid_alpha3(party)) return l6_fail(err, L6_E_BAD_PARAM, "party must be an alpha-3 code");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *acts = json_array();
  e = svc__hosted_activities(s, party, acts, err);
  json_t *items = json_array(), *totals = json_object();
  size_t i;
  json_t *pj;
  json_array_foreach(acts, i, pj) {
    if (e != L6_E_OK) break;
    fee_steps fs = {.items = items, .project = json_string_value(pj)};
    do { /* every step record of the activity, page by page */
      fs.count = 0;
      e = OPS->step_list(ST, fs.project, fs.last, L6_MAX_PAGE, fee_step_row, &fs, err);
    } while (e == L6_E_OK && fs.count == L6_MAX_PAGE);
  }
  /* Totals per currency: due (invoiced), waived, deferred and still outstanding. */
  json_t *inv;
  json_array_foreach(items, i, inv) {
    const char *cur = json_string_value(json_object_get(inv, "currency"));
    json_t *t = json_object_get(totals, cur);
    if (t == NULL) {
      t = json_pack("{s:I, s:I, s:I, s:I}", "due", (json_int_t)0, "waived", (json_int_t)0, "deferred", (json_int_t)0,
                    "deferred_outstanding", (json_int_t)0);
      json_object_set_new(totals, cur, t);
    }
    json_int_t amount = json_integer_value(json_object_get(inv, "amount"));
    const char *rel = json_string_value(json_object_get(inv, "relief"));
    const char *k = strcmp(rel, "waived") == 0 ? "waived" : strcmp(rel, "deferred") == 0 ? "deferred" : "due";
    json_object_set_new(t, k, json_integer(json_integer_value(json_object_get(t, k)) + amount));
    json_int_t outst = json_integer_value(json_object_get(t, "deferred_outstanding"));
    if (strcmp(k, "deferred") == 0) outst += amount;
    if (json_is_true(json_object_get(inv, "deferred"))) outst -= amount;
    json_object_set_new(t, "deferred_outstanding", json_integer(outst));
  }
  json_decref(acts);
  *out = json_pack("{s:s, s:o, s:o}", "party", party, "invoices", items, "totals", totals);
  return svc__finish_out(s, e, out, err);
}

/* ---- the steps (cycle.c) ------------------------------------------------------ */

l6_err ldc_register(const l6_mech *m, const l6_step_req *r, const char *host, json_t *detail, l6_error *err) {
  json_t *answers = NULL, *inv = NULL;
  l6_err e = ldc_safeguards(m, r->safeguards, &answers, err);
  if (e == L6_E_OK) e = ldc_registration_invoices(m, host, &inv, err);
  if (answers) json_object_set_new(detail, "safeguards", answers);
  if (inv) json_object_set_new(detail, "invoices", inv);
  return e;
}

l6_err ldc_monitor(const l6_mech *m, const l6_step_req *r, json_t *detail, l6_error *err) {
  json_t *sd = NULL;
  l6_err e = ldc_sd_indicators(m, r->sd_indicators, &sd, err);
  if (sd) json_object_set_new(detail, "sd_indicators", sd);
  return e;
}

l6_err ldc_issue(const l6_mech *m, const char *host, bool first, json_t *detail, l6_error *err) {
  json_t *inv = NULL;
  l6_qty q = json_integer_value(json_object_get(detail, "quantity")); /* gross, as do_issue recorded it */
  l6_err e = ldc_issuance_invoices(m, host, q, first, &inv, err);
  if (inv) json_object_set_new(detail, "invoices", inv);
  return e;
}

/* ---- the public CSVs of SD indicators and safeguards (api_open.c) ---------------- */

typedef struct {
  char projects[L6_MAX_PAGE][L6_CODE_MAX + 1];
  int n;
} sd_acts;

static int sd_act_row(void *ctx, const void *row) {
  sd_acts *c = ctx;
  if (c->n < L6_MAX_PAGE) snprintf(c->projects[c->n++], sizeof c->projects[0], "%s", ((const l6_activity *)row)->project);
  return 0;
}

typedef struct {
  json_t *items;
  const l6_project *p;
  const l6_activity *a;
  const l6_mech *m;
  bool safeguards; /* safeguards.csv: register steps' answers; else sd-indicators.csv: monitor steps' values */
  l6_id last;
  int count;
} sd_steps;

/* One row block per answer or value of the step's detail member. */
static json_t *sd_blocks(const sd_steps *c, json_t *member) {
  json_t *blocks = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(member, k, v) {
    if (c->safeguards) {
      bool must = false;
      for (size_t i = 0; c->m && i < c->m->nsafeguards; i++)
        if (strcmp(c->m->safeguards[i].code, k) == 0) must = c->m->safeguards[i].must_hold;
      json_array_append_new(blocks, json_pack("{s:s, s:b, s:b}", "safeguard", k, "must_hold", must, "answer",
                                              json_is_true(v)));
    } else {
      const char *unit = "";
      for (size_t i = 0; c->m && i < c->m->nsd; i++)
        if (strcmp(c->m->sd[i].code, k) == 0) unit = c->m->sd[i].unit;
      json_array_append_new(blocks, json_pack("{s:s, s:s, s:I}", "indicator", k, "unit", unit, "value",
                                              (json_int_t)json_integer_value(v)));
    }
  }
  return blocks;
}

static int sd_step_row(void *ctx, const void *row) {
  sd_steps *c = ctx;
  const l6_step_rec *r = row;
  c->last = r->id;
  c->count++;
  if (strcmp(r->step, c->safeguards ? "register" : "monitor") != 0) return 0;
  json_t *d = json_loads(r->detail, 0, NULL);
  json_t *member = json_object_get(d, c->safeguards ? "safeguards" : "sd_indicators");
  if (json_is_object(member) && json_object_size(member) > 0) {
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "project", c->p->id, "mechanism", c->a->mechanism, "host",
                             c->p->host, "step", (json_int_t)r->id, "ts", r->ts, "blocks", sd_blocks(c, member));
    if (!c->safeguards) json_object_set_new(item, "period", json_integer(r->period));
    json_array_append_new(c->items, item);
  }
  json_decref(d);
  return 0;
}

static l6_err ldc_open_page(l6_svc *s, bool safeguards, const char *after, int limit, json_t **out, l6_error *err) {
  *out = NULL;
  if (limit < 1 || limit > L6_MAX_PAGE) limit = L6_MAX_PAGE;
  sd_acts *acts = calloc(1, sizeof *acts);
  if (acts == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(acts);
    return e;
  }
  json_t *items = json_array();
  e = OPS->activity_list(ST, NULL, NULL, after ? after : "", limit, sd_act_row, acts, err);
  for (int i = 0; i < acts->n && e == L6_E_OK; i++) {
    l6_activity a;
    l6_project p;
    e = OPS->activity_get(ST, acts->projects[i], &a, err);
    if (e == L6_E_OK) e = OPS->project_get(ST, a.project, &p, err);
    sd_steps c = {.items = items, .p = &p, .a = &a, .m = mech_find(svc__mechs(s), a.mechanism), .safeguards = safeguards};
    do {
      c.count = 0;
      if (e == L6_E_OK) e = OPS->step_list(ST, a.project, c.last, L6_MAX_PAGE, sd_step_row, &c, err);
    } while (e == L6_E_OK && c.count == L6_MAX_PAGE);
  }
  *out = json_pack("{s:o}", "items", items);
  if (*out) view_set_next(*out, acts->n == limit ? acts->projects[acts->n - 1] : NULL);
  free(acts);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_sd_page(l6_svc *s, const char *after, int limit, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_sd_page, after, limit, out, err);
  return ldc_open_page(s, false, after, limit, out, err);
}

l6_err svc_safeguards_page(l6_svc *s, const char *after, int limit, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_safeguards_page, after, limit, out, err);
  return ldc_open_page(s, true, after, limit, out, err);
}
