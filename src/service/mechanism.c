/*
 * mechanism.c -- loading and checking crediting mechanism definitions;
 * see mechanism.h. Parsing is strict: unknown keys, wrong types, values
 * out of range, unknown names and inconsistent combinations are refused
 * with the file, the dotted key and the reason, so an operator's typo
 * never becomes a silently different rule.
 */
#include "mechanism.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "calc_params.h"
#include "service_int.h"

/* ---- parsing helpers ------------------------------------------------- */

typedef struct {
  const char *path; /* the file, for messages */
  l6_error *err;
} pctx;

static l6_err bad(pctx *c, const char *where, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static l6_err bad(pctx *c, const char *where, const char *key, const char *fmt, ...) {
  char reason[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return l6_fail(c->err, L6_E_INVALID_CONFIG, "%s: key %s%s%s: %s", c->path, where, where[0] && key[0] ? "." : "", key,
                 reason);
}

/* Refuses keys of obj not in allowed (NULL-terminated). */
static l6_err keys_only(pctx *c, const char *where, json_t *obj, const char *const *allowed) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, key) == 0;
    if (!ok) return bad(c, where, key, "unknown key");
  }
  return L6_E_OK;
}

/* Member key of obj as an object (NULL and OK when absent and optional). */
static l6_err get_obj(pctx *c, json_t *obj, const char *where, const char *key, bool required, json_t **out) {
  *out = json_object_get(obj, key);
  if (*out == NULL) return required ? bad(c, where, key, "is required") : L6_E_OK;
  if (!json_is_object(*out)) return bad(c, where, key, "must be an object");
  return L6_E_OK;
}

static l6_err get_arr(pctx *c, json_t *obj, const char *where, const char *key, bool required, size_t max,
                      json_t **out) {
  *out = json_object_get(obj, key);
  if (*out == NULL) return required ? bad(c, where, key, "is required") : L6_E_OK;
  if (!json_is_array(*out)) return bad(c, where, key, "must be an array");
  if (json_array_size(*out) > max) return bad(c, where, key, "has more than %zu entries", max);
  return L6_E_OK;
}

/* A string member; valid (may be NULL) checks its form, described by what. */
static l6_err get_str(pctx *c, json_t *obj, const char *where, const char *key, bool required, char *dst, size_t cap,
                      bool (*valid)(const char *), const char *what) {
  dst[0] = '\0';
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return required ? bad(c, where, key, "is required") : L6_E_OK;
  if (!json_is_string(v)) return bad(c, where, key, "must be a string");
  const char *s = json_string_value(v);
  if (json_string_length(v) >= cap || strlen(s) != json_string_length(v) || !l6_valid_text(s, cap - 1) ||
      (valid && !valid(s)))
    return bad(c, where, key, "must be %s", what);
  snprintf(dst, cap, "%s", s);
  return L6_E_OK;
}

static l6_err get_int(pctx *c, json_t *obj, const char *where, const char *key, bool required, int64_t min,
                      int64_t max, int64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return required ? bad(c, where, key, "is required") : L6_E_OK;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return bad(c, where, key, "must be an integer from %lld to %lld", (long long)min, (long long)max);
  *out = json_integer_value(v);
  return L6_E_OK;
}

static l6_err get_bool(pctx *c, json_t *obj, const char *where, const char *key, bool *out) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return L6_E_OK;
  if (!json_is_boolean(v)) return bad(c, where, key, "must be true or false");
  *out = json_is_true(v);
  return L6_E_OK;
}

static bool valid_date(const char *s) { return l6_valid_date(s); }
static bool valid_code(const char *s) { return l6_valid_code(s); }
static bool valid_registry(const char *s) { return l6_valid_registry_id(s); }

/* Document types: lower-case words joined by hyphens ("letter-of-approval"). */
static bool valid_doc_type(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > L6_DOC_TYPE_MAX || s[0] == '-' || s[n - 1] == '-') return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
  return true;
}

/* ---- the sections of a definition ------------------------------------ */

static l6_err parse_eligibility(pctx *c, json_t *root, l6_mech *m) {
  static const char *const keys[] = {"kinds",          "scopes",          "calculators", "crediting_start_from",
                                     "reductions_from", "exclude_ets_covered", NULL};
  json_t *el, *arr, *v;
  size_t i;
  l6_err e = get_obj(c, root, "", "eligibility", true, &el);
  if (e == L6_E_OK) e = keys_only(c, "eligibility", el, keys);
  if (e == L6_E_OK) e = get_arr(c, el, "eligibility", "kinds", true, 3, &arr);
  if (e != L6_E_OK) return e;
  json_array_foreach(arr, i, v) {
    const char *k = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(k, "avoidance") == 0 && !m->kind_avoidance) m->kind_avoidance = true;
    else if (strcmp(k, "removal") == 0 && !m->kind_removal) m->kind_removal = true;
    else if (strcmp(k, "adaptation") == 0 && !m->kind_adaptation) m->kind_adaptation = true;
    else return bad(c, "eligibility", "kinds", "entries must be \"avoidance\", \"removal\" or \"adaptation\", each once");
  }
  if (!m->kind_avoidance && !m->kind_removal && !m->kind_adaptation) return bad(c, "eligibility", "kinds", "must name at least one kind");
  if ((e = get_arr(c, el, "eligibility", "scopes", true, L6_MAX_SCOPES, &arr)) != L6_E_OK) return e;
  json_array_foreach(arr, i, v) {
    const char *sc = json_is_string(v) ? json_string_value(v) : "";
    if (!l6_valid_code(sc) || mech_has_scope(m, sc))
      return bad(c, "eligibility", "scopes", "entry %zu must be a distinct scope code ([A-Z0-9.], 1-%d)", i, L6_CODE_MAX);
    snprintf(m->scopes[m->nscopes++], sizeof m->scopes[0], "%s", sc);
  }
  if (m->nscopes == 0) return bad(c, "eligibility", "scopes", "must name at least one sectoral scope");
  if ((e = get_arr(c, el, "eligibility", "calculators", true, L6_MAX_SCOPES, &arr)) != L6_E_OK) return e;
  json_array_foreach(arr, i, v) {
    const l6_calc *calc = calc_find(json_is_string(v) ? json_string_value(v) : NULL);
    if (calc == NULL || mech_calc(m, calc->name))
      return bad(c, "eligibility", "calculators", "entry %zu must be a distinct calculator: grid-renewable, "
                 "methane-destruction, cookstoves, afforestation or adaptation-benefits", i);
    m->calcs[m->ncalcs++] = calc;
  }
  if (m->ncalcs == 0) return bad(c, "eligibility", "calculators", "must name at least one calculator");
  if ((e = get_str(c, el, "eligibility", "crediting_start_from", false, m->crediting_start_from,
                   sizeof m->crediting_start_from, valid_date, "a date YYYY-MM-DD")) != L6_E_OK ||
      (e = get_str(c, el, "eligibility", "reductions_from", false, m->reductions_from, sizeof m->reductions_from,
                   valid_date, "a date YYYY-MM-DD")) != L6_E_OK)
    return e;
  return get_bool(c, el, "eligibility", "exclude_ets_covered", &m->exclude_ets_covered);
}

static l6_err parse_steps(pctx *c, json_t *root, l6_mech *m) {
  json_t *steps;
  l6_err e = get_obj(c, root, "", "steps", true, &steps);
  if (e != L6_E_OK) return e;
  const char *key;
  json_t *def;
  json_object_foreach(steps, key, def) {
    char where[64];
    snprintf(where, sizeof where, "steps.%s", key);
    l6_step st = l6_step_from_str(key);
    if (st == L6_STEP__NONE) return bad(c, "steps", key, "unknown step");
    if (!json_is_object(def)) return bad(c, "steps", key, "must be an object {\"role\", \"documents\"}");
    static const char *const keys[] = {"role", "documents", "comment_days", NULL};
    if ((e = keys_only(c, where, def, keys)) != L6_E_OK) return e;
    char role[32];
    if ((e = get_str(c, def, where, "role", true, role, sizeof role, NULL, "a role")) != L6_E_OK) return e;
    l6_mech_step *ms = &m->steps[st];
    ms->defined = true;
    ms->role = l6_mrole_from_str(role);
    if (ms->role == L6_MROLE__NONE)
      return bad(c, where, "role", "must be participant, validator, authority or mechanism-admin");
    if ((st == L6_STEP_APPROVE || st == L6_STEP_APPROVE_TRANSITION) && ms->role != L6_MROLE_AUTHORITY)
      return bad(c, where, "role", "the host Party's approval is given by its authority");
    json_t *docs, *d;
    size_t i;
    if ((e = get_arr(c, def, where, "documents", false, L6_MAX_STEP_DOCS, &docs)) != L6_E_OK) return e;
    json_array_foreach(docs, i, d) {
      const char *t = json_is_string(d) ? json_string_value(d) : "";
      bool dup = false;
      for (size_t k = 0; k < ms->ndocs; k++) dup |= strcmp(ms->docs[k], t) == 0;
      if (!valid_doc_type(t) || dup)
        return bad(c, where, "documents", "entry %zu must be a distinct document type ([a-z0-9-], 1-%d)", i,
                   L6_DOC_TYPE_MAX);
      snprintf(ms->docs[ms->ndocs++], sizeof ms->docs[0], "%s", t);
    }
    /* Public comment (issue 20): the step opens a window of so many days
     * in which anyone may comment (src/service/voice.c). */
    int64_t days = 0;
    if ((e = get_int(c, def, where, "comment_days", false, 1, L6_MAX_COMMENT_DAYS, &days)) != L6_E_OK) return e;
    ms->comment_days = (int)days;
    if (cycle_step_in_chain(st)) m->chain |= L6_STEP_BIT(st);
  }
  if (!cycle_chain_ok(m->chain))
    return bad(c, "", "steps", "the cycle needs submit, validate, register, monitor, verify, request and issue "
               "(approve is optional)");
  /* A resubmission carries what a submission does, unless said otherwise. */
  if (!m->steps[L6_STEP_RESUBMIT].defined) m->steps[L6_STEP_RESUBMIT] = m->steps[L6_STEP_SUBMIT];
  if (m->steps[L6_STEP_REPLACEMENT].defined && !m->steps[L6_STEP_REVERSAL].defined)
    return bad(c, "steps", "replacement", "needs a reversal step");
  return L6_E_OK;
}

static l6_err parse_levy(pctx *c, json_t *levies, const char *name, int *bp, l6_account_type *acct, bool terminal) {
  char where[48];
  snprintf(where, sizeof where, "levies.%s", name);
  json_t *o;
  l6_err e = get_obj(c, levies, "levies", name, false, &o);
  if (e != L6_E_OK || o == NULL) return e;
  static const char *const keys[] = {"bp", "account_type", NULL};
  int64_t v = 0;
  char type[32];
  if ((e = keys_only(c, where, o, keys)) != L6_E_OK || (e = get_int(c, o, where, "bp", true, 0, L6_BP_ONE, &v)) != L6_E_OK ||
      (e = get_str(c, o, where, "account_type", true, type, sizeof type, NULL, "an account type")) != L6_E_OK)
    return e;
  *bp = (int)v;
  *acct = l6_account_type_from_str(type);
  if (*acct == L6_ACCT__NONE) return bad(c, where, "account_type", "unknown account type '%s'", type);
  if (terminal && !l6_account_type_terminal(*acct))
    return bad(c, where, "account_type", "OMGE units are cancelled: the account type must be terminal "
               "(omge-cancellation or cancellation)");
  if (!terminal && !l6_account_type_accepts_transfer(*acct))
    return bad(c, where, "account_type", "must be an account type that receives transfers");
  return L6_E_OK;
}

static l6_err parse_levies(pctx *c, json_t *root, l6_mech *m) {
  json_t *levies;
  l6_err e = get_obj(c, root, "", "levies", false, &levies);
  if (e != L6_E_OK || levies == NULL) return e;
  static const char *const keys[] = {"share_of_proceeds", "omge", "buffer", NULL};
  if ((e = keys_only(c, "levies", levies, keys)) != L6_E_OK ||
      (e = parse_levy(c, levies, "share_of_proceeds", &m->levy.sop_bp, &m->sop_account, false)) != L6_E_OK ||
      (e = parse_levy(c, levies, "omge", &m->levy.omge_bp, &m->omge_account, true)) != L6_E_OK ||
      (e = parse_levy(c, levies, "buffer", &m->levy.buffer_bp, &m->buffer_account, false)) != L6_E_OK)
    return e;
  if (m->levy.sop_bp + m->levy.omge_bp + m->levy.buffer_bp > L6_BP_ONE)
    return bad(c, "", "levies", "the rates add up to more than 10000 bp");
  return L6_E_OK;
}

/* split.third_party_choice (issue 20, item 6): the shares' parties a
 * third-party developer may choose between, per activity. Seed 001 on the
 * Belt and Road mechanism: "若项目开发方中的一方为第三方（即不是来自中方或者
 * 东道国），该机制依然允许其进行减排量的开发，但开发的减排量只可选择进入中方或者
 * 东道国的注册登记簿，不能计入第三方国家的 NDC。" */
static l6_err parse_tp_choice(pctx *c, json_t *split, l6_mech *m) {
  json_t *arr, *v;
  size_t i;
  l6_err e = get_arr(c, split, "split", "third_party_choice", false, L6_MAX_SHARES, &arr);
  if (e != L6_E_OK || arr == NULL) return e;
  if (m->third_party < 0) return bad(c, "split", "third_party_choice", "needs third_party_developer (the default)");
  if (json_array_size(arr) < 2) return bad(c, "split", "third_party_choice", "a choice needs two or more parties");
  json_array_foreach(arr, i, v) {
    const char *p = json_is_string(v) ? json_string_value(v) : "";
    int k = -1;
    for (size_t j = 0; j < m->nshares && k < 0; j++)
      if ((strcmp(p, "host") == 0 && m->shares[j].party[0] == '\0') || (p[0] && strcmp(p, m->shares[j].party) == 0))
        k = (int)j;
    for (size_t j = 0; j < m->ntp_choice && k >= 0; j++)
      if (m->tp_choice[j] == k) k = -1;
    if (k < 0) return bad(c, "split", "third_party_choice", "entry %zu must be the party of a share, each once", i);
    m->tp_choice[m->ntp_choice++] = k;
  }
  bool has_default = false;
  for (size_t j = 0; j < m->ntp_choice; j++) has_default |= m->tp_choice[j] == m->third_party;
  if (!has_default) return bad(c, "split", "third_party_choice", "must include third_party_developer (the default)");
  return L6_E_OK;
}

static l6_err parse_split(pctx *c, json_t *root, l6_mech *m) {
  json_t *split, *shares, *sh;
  m->third_party = -1;
  l6_err e = get_obj(c, root, "", "split", false, &split);
  if (e != L6_E_OK || split == NULL) return e;
  static const char *const keys[] = {"shares", "third_party_developer", "third_party_choice", NULL};
  if ((e = keys_only(c, "split", split, keys)) != L6_E_OK ||
      (e = get_arr(c, split, "split", "shares", true, L6_MAX_SHARES, &shares)) != L6_E_OK)
    return e;
  if (json_array_size(shares) < 2) return bad(c, "split", "shares", "a split needs two or more shares");
  int sum = 0, hosts = 0;
  size_t i;
  json_array_foreach(shares, i, sh) {
    char where[48], party[8];
    snprintf(where, sizeof where, "split.shares[%zu]", i);
    if (!json_is_object(sh)) return bad(c, "split", "shares", "entry %zu must be an object", i);
    static const char *const skeys[] = {"party", "registry", "bp", NULL};
    l6_mech_share *s = &m->shares[m->nshares];
    int64_t bp = 0;
    if ((e = keys_only(c, where, sh, skeys)) != L6_E_OK ||
        (e = get_str(c, sh, where, "party", true, party, sizeof party, NULL, "\"host\" or a Party's alpha-3 code")) != L6_E_OK ||
        (e = get_int(c, sh, where, "bp", true, 1, L6_BP_ONE, &bp)) != L6_E_OK)
      return e;
    if (strcmp(party, "host") == 0) {
      hosts++;
      if (json_object_get(sh, "registry"))
        return bad(c, where, "registry", "the host's share goes to the activity's own registry");
    } else {
      if (!l6_valid_alpha3(party)) return bad(c, where, "party", "must be \"host\" or a Party's alpha-3 code");
      snprintf(s->party, sizeof s->party, "%.3s", party);
      if ((e = get_str(c, sh, where, "registry", true, s->registry, sizeof s->registry, valid_registry,
                       "a registry id (alpha-3 and two digits)")) != L6_E_OK)
        return e;
      if (strncmp(s->registry, s->party, 3) != 0) return bad(c, where, "registry", "must be a registry of %s", s->party);
      for (size_t k = 0; k < m->nshares; k++)
        if (strcmp(m->shares[k].party, s->party) == 0) return bad(c, where, "party", "%s has two shares", s->party);
    }
    s->bp = (int)bp;
    sum += s->bp;
    m->nshares++;
  }
  if (hosts > 1) return bad(c, "split", "shares", "only one share can be the host's");
  if (sum != L6_BP_ONE) return bad(c, "split", "shares", "the shares add up to %d bp, not 10000", sum);
  char tp[8];
  if ((e = get_str(c, split, "split", "third_party_developer", false, tp, sizeof tp, NULL, "a share's party")) != L6_E_OK)
    return e;
  if (tp[0]) {
    for (size_t k = 0; k < m->nshares && m->third_party < 0; k++)
      if ((strcmp(tp, "host") == 0 && m->shares[k].party[0] == '\0') || strcmp(tp, m->shares[k].party) == 0)
        m->third_party = (int)k;
    if (m->third_party < 0) return bad(c, "split", "third_party_developer", "must be the party of one of the shares");
  }
  return parse_tp_choice(c, split, m);
}

static l6_err parse_deadlines(pctx *c, json_t *root, l6_mech *m) {
  json_t *d;
  l6_err e = get_obj(c, root, "", "deadlines", false, &d);
  if (e != L6_E_OK || d == NULL) return e;
  static const char *const keys[] = {"reversal_notice_days", NULL};
  int64_t days = 0;
  if ((e = keys_only(c, "deadlines", d, keys)) != L6_E_OK ||
      (e = get_int(c, d, "deadlines", "reversal_notice_days", false, 1, 3660, &days)) != L6_E_OK)
    return e;
  m->reversal_notice_days = (int)days;
  return L6_E_OK;
}

static l6_err parse_transition(pctx *c, json_t *root, l6_mech *m) {
  json_t *t;
  l6_err e = get_obj(c, root, "", "transition", false, &t);
  if (e != L6_E_OK) return e;
  bool steps = m->steps[L6_STEP_TRANSITION].defined || m->steps[L6_STEP_APPROVE_TRANSITION].defined ||
               m->steps[L6_STEP_CONVERSION].defined;
  if (t == NULL) return steps ? bad(c, "", "transition", "is required by the transition steps") : L6_E_OK;
  if (!m->steps[L6_STEP_TRANSITION].defined || !m->steps[L6_STEP_APPROVE_TRANSITION].defined)
    return bad(c, "", "steps", "a transition needs the steps transition and approve-transition");
  static const char *const keys[] = {"from_programme",      "from_unit_type",      "request_by",
                                     "request_by_removal",  "approval_by",         "crediting_active_on",
                                     "convert_min_vintage", NULL};
  int64_t vintage = 0;
  if ((e = keys_only(c, "transition", t, keys)) != L6_E_OK ||
      (e = get_str(c, t, "transition", "from_programme", true, m->from_programme, sizeof m->from_programme, valid_code,
                   "a programme code")) != L6_E_OK ||
      (e = get_str(c, t, "transition", "from_unit_type", true, m->from_unit_type, sizeof m->from_unit_type, valid_code,
                   "a unit type code")) != L6_E_OK ||
      (e = get_str(c, t, "transition", "request_by", true, m->request_by, sizeof m->request_by, valid_date,
                   "a date YYYY-MM-DD")) != L6_E_OK ||
      (e = get_str(c, t, "transition", "request_by_removal", false, m->request_by_removal,
                   sizeof m->request_by_removal, valid_date, "a date YYYY-MM-DD")) != L6_E_OK ||
      (e = get_str(c, t, "transition", "approval_by", true, m->approval_by, sizeof m->approval_by, valid_date,
                   "a date YYYY-MM-DD")) != L6_E_OK ||
      (e = get_str(c, t, "transition", "crediting_active_on", false, m->crediting_active_on,
                   sizeof m->crediting_active_on, valid_date, "a date YYYY-MM-DD")) != L6_E_OK ||
      (e = get_int(c, t, "transition", "convert_min_vintage", false, L6_VINTAGE_MIN, L6_VINTAGE_MAX, &vintage)) != L6_E_OK)
    return e;
  if (m->request_by_removal[0] == '\0') snprintf(m->request_by_removal, sizeof m->request_by_removal, "%s", m->request_by);
  if (strcmp(m->approval_by, m->request_by) < 0 || strcmp(m->approval_by, m->request_by_removal) < 0)
    return bad(c, "transition", "approval_by", "is before a request deadline");
  m->convert_min_vintage = (int)vintage;
  if (m->steps[L6_STEP_CONVERSION].defined && vintage == 0)
    return bad(c, "transition", "convert_min_vintage", "is required by the conversion step");
  m->transition = true;
  return L6_E_OK;
}

/* Programmes of activities (issue 20, src/service/poa.c). Seed 000 (the
 * LDC report): "欧洲碳市场提供了优惠：允许将微型和小型经核证的减排活动集中在一起
 * (即把各种小型项目活动转变为一个活动方案)，以降低交易费用" -- bundling micro
 * and small activities into one programme of activities lowers their
 * transaction costs; seed 004: "CDM虽然包含规划类减排活动". Present: the
 * mechanism registers programmes, each with at most max_components
 * components. */
static l6_err parse_programmes(pctx *c, json_t *root, l6_mech *m) {
  json_t *p;
  l6_err e = get_obj(c, root, "", "programmes", false, &p);
  if (e != L6_E_OK || p == NULL) return e;
  static const char *const keys[] = {"max_components", NULL};
  int64_t max = 0;
  if ((e = keys_only(c, "programmes", p, keys)) != L6_E_OK ||
      (e = get_int(c, p, "programmes", "max_components", true, 1, L6_MAX_POA_COMPONENTS, &max)) != L6_E_OK)
    return e;
  m->poa = true;
  m->poa_max_components = (int)max;
  return L6_E_OK;
}

/* Grievances and appeals (issue 20, src/service/voice.c), after the
 * Article 6.4 mechanism's appeal and grievance procedure. Present: anyone
 * may lodge a grievance about the mechanism or one of its activities, and
 * those a decision affects may appeal it within appeal_days of it. */
static l6_err parse_recourse(pctx *c, json_t *root, l6_mech *m) {
  json_t *r;
  l6_err e = get_obj(c, root, "", "recourse", false, &r);
  if (e != L6_E_OK || r == NULL) return e;
  static const char *const keys[] = {"appeal_days", NULL};
  int64_t days = 0;
  if ((e = keys_only(c, "recourse", r, keys)) != L6_E_OK ||
      (e = get_int(c, r, "recourse", "appeal_days", true, 1, L6_MAX_COMMENT_DAYS, &days)) != L6_E_OK)
    return e;
  m->recourse = true;
  m->appeal_days = (int)days;
  return L6_E_OK;
}

/* ---- one definition --------------------------------------------------- */

void mech_free(l6_mech *m) {
  if (m == NULL) return;
  json_decref(m->json);
  m->json = NULL;
}

l6_err mech_parse(const char *path, const char *text, size_t len, l6_mech *m, l6_error *err) {
  memset(m, 0, sizeof *m);
  m->third_party = -1;
  pctx c = {path, err};
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d, column %d: %s", path, je.line, je.column, je.text);
  static const char *const keys[] = {"code",   "name",  "description", "programme", "unit_type",  "rounding",
                                     "eligibility", "steps", "levies", "split",     "deadlines", "transition",
                                     "programmes", "recourse", "safeguards", "sd_indicators", "fees", "benefit_sharing",
                                     "ex_ante_purchases", NULL}; /* programmes, recourse: poa.c, voice.c;
                                                                    safeguards ... benefit_sharing: mech_ldc.c */
  char rounding[16], description[L6_TEXT_MAX + 1];
  l6_err e = json_is_object(root) ? L6_E_OK : l6_fail(err, L6_E_INVALID_CONFIG, "%s: the definition must be a JSON object", path);
  if (e == L6_E_OK) e = keys_only(&c, "", root, keys);
  if (e == L6_E_OK)
    e = get_str(&c, root, "", "code", true, m->code, sizeof m->code, valid_code, "a code ([A-Z0-9.], 1-32)");
  if (e == L6_E_OK) e = get_str(&c, root, "", "name", true, m->name, sizeof m->name, NULL, "printable text of 1-200 bytes");
  if (e == L6_E_OK)
    e = get_str(&c, root, "", "description", false, description, sizeof description, NULL, "printable text");
  if (e == L6_E_OK)
    e = get_str(&c, root, "", "programme", true, m->programme, sizeof m->programme, valid_code, "a programme code");
  if (e == L6_E_OK)
    e = get_str(&c, root, "", "unit_type", true, m->unit_type, sizeof m->unit_type, valid_code, "a unit type code");
  if (e == L6_E_OK)
    e = get_str(&c, root, "", "rounding", true, rounding, sizeof rounding, NULL, "down, up, nearest or half-even");
  if (e == L6_E_OK && (m->levy.rounding = m->rounding = l6_rounding_from_str(rounding)) == L6_ROUND__NONE)
    e = bad(&c, "", "rounding", "must be down, up, nearest or half-even");
  if (e == L6_E_OK) e = parse_eligibility(&c, root, m);
  if (e == L6_E_OK) e = parse_steps(&c, root, m);
  if (e == L6_E_OK) e = parse_levies(&c, root, m);
  if (e == L6_E_OK) e = parse_split(&c, root, m);
  if (e == L6_E_OK) e = parse_deadlines(&c, root, m);
  if (e == L6_E_OK) e = parse_transition(&c, root, m);
  if (e == L6_E_OK) e = mech_parse_ldc(path, root, m, err);
  if (e == L6_E_OK) e = parse_programmes(&c, root, m);
  if (e == L6_E_OK) e = parse_recourse(&c, root, m);
  /* Seed 002 on the ABM: "该专题发言概述了适应效益机制下的事后和事先项目融资模式，
   * 包括一个适应“超市”，可以在其中列出项目并购买适应效益" (issue 20, item 6). */
  if (e == L6_E_OK) e = get_bool(&c, root, "", "ex_ante_purchases", &m->ex_ante);
  /* Reversals cancel units from the buffer the levies fill. */
  if (e == L6_E_OK && m->steps[L6_STEP_REVERSAL].defined && m->buffer_account == L6_ACCT__NONE)
    e = bad(&c, "steps", "reversal", "reversals cancel units from the buffer: levies.buffer is required");
  if (e == L6_E_OK && m->buffer_account != L6_ACCT__NONE && !m->kind_removal)
    e = bad(&c, "levies", "buffer", "the buffer applies to removals, which eligibility.kinds does not accept");
  if (e != L6_E_OK) {
    json_decref(root);
    memset(m, 0, sizeof *m);
    return e;
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)text, len);
  sodium_bin2hex(m->hash, sizeof m->hash, h, sizeof h);
  snprintf(m->file, sizeof m->file, "%s", path);
  const char *base = strrchr(path, '/');
  json_object_set_new(root, "file", json_string(base ? base + 1 : path));
  json_object_set_new(root, "hash", json_string(m->hash));
  m->json = root;
  return L6_E_OK;
}

/* ---- the set ---------------------------------------------------------- */

const l6_mech *mech_find(const l6_mech_set *set, const char *code) {
  if (set == NULL || code == NULL) return NULL;
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->m[i].code, code) == 0) return &set->m[i];
  return NULL;
}

bool mech_accepts_kind(const l6_mech *m, const char *kind) {
  return (strcmp(kind, "avoidance") == 0 && m->kind_avoidance) || (strcmp(kind, "removal") == 0 && m->kind_removal) ||
         (strcmp(kind, "adaptation") == 0 && m->kind_adaptation);
}

bool mech_has_scope(const l6_mech *m, const char *scope) {
  for (size_t i = 0; i < m->nscopes; i++)
    if (strcmp(m->scopes[i], scope) == 0) return true;
  return false;
}

const l6_calc *mech_calc(const l6_mech *m, const char *name) {
  for (size_t i = 0; i < m->ncalcs; i++)
    if (strcmp(m->calcs[i]->name, name) == 0) return m->calcs[i];
  return NULL;
}

void mech_set_free(l6_mech_set *set) {
  if (set == NULL) return;
  for (size_t i = 0; i < set->n; i++) mech_free(&set->m[i]);
  free(set->m);
  calc_params_free(set->params);
  free(set);
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads a whole file of at most L6_MAX_MECH_FILE_BYTES into a malloc'd buffer. */
static l6_err read_file(const char *path, char **out, size_t *len, l6_error *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: cannot be read", path);
  char *buf = malloc(L6_MAX_MECH_FILE_BYTES + 1);
  if (buf == NULL) {
    fclose(f);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  size_t n = fread(buf, 1, L6_MAX_MECH_FILE_BYTES + 1, f);
  bool failed = ferror(f) != 0;
  fclose(f);
  if (failed || n > L6_MAX_MECH_FILE_BYTES) {
    free(buf);
    return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s", path,
                   failed ? "cannot be read" : "is larger than the limit of 64 KiB for a definition");
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return L6_E_OK;
}

/* DIR/methodologies/parameters.json, when present (calc_params.h). */
static l6_err load_params(const char *dir, l6_mech_set *set, l6_error *err) {
  char file[4096];
  snprintf(file, sizeof file, "%s/methodologies/parameters.json", dir);
  FILE *f = fopen(file, "rb");
  if (f == NULL) return L6_E_OK; /* no parameters: reports give every input */
  fclose(f);
  char *text = NULL;
  size_t len = 0;
  l6_err e = read_file(file, &text, &len, err);
  if (e == L6_E_OK) e = calc_params_parse(file, text, len, &set->params, err);
  free(text);
  return e;
}

/* Checks what a definition names against the store (inside a transaction). */
static l6_err check_against_store(l6_svc *s, const l6_mech *m, l6_error *err) {
  l6_store *st = svc_store(s);
  pctx c = {m->file, err};
  l6_programme p;
  l6_unit_type u;
  l6_error ignore;
  l6_err e = st->ops->programme_get(st, m->programme, &p, &ignore);
  if (e == L6_E_UNKNOWN_PROGRAMME) return bad(&c, "", "programme", "programme %s is not defined (config/programmes)", m->programme);
  if (e != L6_E_OK) return l6_fail(err, e, "%s", ignore.message);
  e = st->ops->unit_type_get(st, m->unit_type, &u, &ignore);
  if (e == L6_E_UNKNOWN_UNIT_TYPE) return bad(&c, "", "unit_type", "unit type %s is not defined", m->unit_type);
  if (e != L6_E_OK) return l6_fail(err, e, "%s", ignore.message);
  if (strcmp(u.programme, m->programme) != 0)
    return bad(&c, "", "unit_type", "unit type %s belongs to programme %s, not %s", u.code, u.programme, m->programme);
  if (!m->transition) return L6_E_OK;
  e = st->ops->programme_get(st, m->from_programme, &p, &ignore);
  if (e == L6_E_UNKNOWN_PROGRAMME)
    return bad(&c, "transition", "from_programme", "programme %s is not defined", m->from_programme);
  if (e != L6_E_OK) return l6_fail(err, e, "%s", ignore.message);
  e = st->ops->unit_type_get(st, m->from_unit_type, &u, &ignore);
  if (e == L6_E_OK && strcmp(u.programme, m->from_programme) != 0) e = L6_E_UNKNOWN_UNIT_TYPE;
  if (e == L6_E_UNKNOWN_UNIT_TYPE)
    return bad(&c, "transition", "from_unit_type", "unit type %s is not a unit of %s", m->from_unit_type, m->from_programme);
  if (e != L6_E_OK) return l6_fail(err, e, "%s", ignore.message);
  return L6_E_OK;
}

l6_err mech_load_dir(l6_svc *s, const char *dir, l6_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/mechanisms", dir);
  l6_mech_set *set = calloc(1, sizeof *set);
  if (set == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  DIR *d = opendir(path);
  if (d == NULL) { /* no mechanisms folder: no mechanisms */
    svc__set_mechs(s, set);
    return L6_E_OK;
  }
  char *names[L6_MAX_MECHANISMS + 1];
  size_t n = 0;
  struct dirent *de;
  l6_err e = L6_E_OK;
  while ((de = readdir(d)) != NULL && e == L6_E_OK) {
    size_t len = strlen(de->d_name);
    if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    if (n == L6_MAX_MECHANISMS) e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: more than %d definitions", path, L6_MAX_MECHANISMS);
    else if ((names[n] = strdup(de->d_name)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    else n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof names[0], cmp_name); /* deterministic order */
  set->m = calloc(n ? n : 1, sizeof *set->m);
  if (set->m == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    char file[4608], *text = NULL;
    size_t len = 0;
    snprintf(file, sizeof file, "%s/%s", path, names[i]);
    e = read_file(file, &text, &len, err);
    if (e == L6_E_OK) e = mech_parse(file, text, len, &set->m[set->n], err);
    free(text);
    if (e != L6_E_OK) break;
    set->n++;
    if (mech_find(set, set->m[set->n - 1].code) != &set->m[set->n - 1])
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: key code: mechanism %s is also defined in %s", file,
                  set->m[set->n - 1].code, mech_find(set, set->m[set->n - 1].code)->file);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  if (e == L6_E_OK) e = load_params(dir, set, err);
  if (e == L6_E_OK && (e = svc__begin(s, err)) == L6_E_OK) {
    for (size_t i = 0; i < set->n && e == L6_E_OK; i++) e = check_against_store(s, &set->m[i], err);
    e = svc__finish(s, e, err);
  }
  if (e != L6_E_OK) {
    mech_set_free(set);
    return e;
  }
  svc__set_mechs(s, set);
  return L6_E_OK;
}

size_t mech_levy_account_types(const l6_mech_set *set, l6_account_type out[L6_ACCT__COUNT]) {
  bool used[L6_ACCT__COUNT] = {false};
  for (size_t i = 0; set && i < set->n; i++) {
    const l6_mech *m = &set->m[i];
    if (m->levy.sop_bp > 0) used[m->sop_account] = true;
    if (m->levy.omge_bp > 0) used[m->omge_account] = true;
    if (m->levy.buffer_bp > 0) used[m->buffer_account] = true;
  }
  size_t n = 0;
  for (int t = 1; t < L6_ACCT__COUNT; t++)
    if (used[t]) out[n++] = (l6_account_type)t;
  return n;
}
