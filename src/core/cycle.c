/* cycle.c -- the project cycle's transition table and dates. Pure; see cycle.h. */
#include "cycle.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

enum { ACTIVITY, PERIOD };

static const struct {
  const char *name;
  int level;
} steps[L6_STEP__COUNT] = {
#define L6_XX(e, s, l) [L6_STEP_##e] = {s, l},
    L6_STEP_MAP(L6_XX)
#undef L6_XX
};

static const char *const cstates[L6_CS__COUNT] = {
    [L6_CS__NONE] = "",
#define L6_XX(e, s) [L6_CS_##e] = s,
    L6_CSTATE_MAP(L6_XX)
#undef L6_XX
};

static const char *const mroles[L6_MROLE__COUNT] = {
    [L6_MROLE__NONE] = "",
#define L6_XX(e, s) [L6_MROLE_##e] = s,
    L6_MROLE_MAP(L6_XX)
#undef L6_XX
};

const char *l6_step_str(l6_step s) { return (s >= 0 && s < L6_STEP__COUNT) ? steps[s].name : ""; }

l6_step l6_step_from_str(const char *s) {
  if (s == NULL) return L6_STEP__NONE;
  for (int i = 0; i < L6_STEP__COUNT; i++)
    if (strcmp(steps[i].name, s) == 0) return (l6_step)i;
  return L6_STEP__NONE;
}

const char *l6_cstate_str(l6_cstate c) { return (c > 0 && c < L6_CS__COUNT) ? cstates[c] : ""; }

l6_cstate l6_cstate_from_str(const char *s) {
  if (s == NULL) return L6_CS__NONE;
  for (int i = 1; i < L6_CS__COUNT; i++)
    if (strcmp(cstates[i], s) == 0) return (l6_cstate)i;
  return L6_CS__NONE;
}

const char *l6_mrole_str(l6_mrole r) { return (r > 0 && r < L6_MROLE__COUNT) ? mroles[r] : ""; }

l6_mrole l6_mrole_from_str(const char *s) {
  if (s == NULL) return L6_MROLE__NONE;
  for (int i = 1; i < L6_MROLE__COUNT; i++)
    if (strcmp(mroles[i], s) == 0) return (l6_mrole)i;
  return L6_MROLE__NONE;
}

l6_decision l6_decision_from_str(const char *s) {
  if (s == NULL) return L6_DECIDE_NONE;
  if (strcmp(s, "accept") == 0) return L6_DECIDE_ACCEPT;
  if (strcmp(s, "reject") == 0) return L6_DECIDE_REJECT;
  return L6_DECIDE_NONE;
}

const char *l6_decision_str(l6_decision d) {
  return d == L6_DECIDE_ACCEPT ? "accept" : d == L6_DECIDE_REJECT ? "reject" : "";
}

bool cycle_step_on_period(l6_step s) { return s >= 0 && s < L6_STEP__COUNT && steps[s].level == PERIOD; }

bool cycle_step_decides(l6_step s) {
  return s == L6_STEP_VALIDATE || s == L6_STEP_APPROVE || s == L6_STEP_REGISTER || s == L6_STEP_VERIFY ||
         s == L6_STEP_ISSUE || s == L6_STEP_APPROVE_TRANSITION;
}

bool cycle_step_in_chain(l6_step s) { return s >= 0 && s < L6_CHAIN_STEPS; }

bool cycle_chain_ok(unsigned chain) {
  return (chain & L6_CHAIN_REQUIRED) == L6_CHAIN_REQUIRED && (chain & ~L6_CHAIN_ALL) == 0;
}

/* The state a chain step leaves behind when accepted. */
static l6_cstate chain_result(l6_step s) {
  static const l6_cstate result[L6_CHAIN_STEPS] = {
      [L6_STEP_SUBMIT] = L6_CS_SUBMITTED, [L6_STEP_VALIDATE] = L6_CS_VALIDATED, [L6_STEP_APPROVE] = L6_CS_APPROVED,
      [L6_STEP_REGISTER] = L6_CS_REGISTERED, [L6_STEP_MONITOR] = L6_CS_REPORTED, [L6_STEP_VERIFY] = L6_CS_VERIFIED,
      [L6_STEP_REQUEST] = L6_CS_REQUESTED, [L6_STEP_ISSUE] = L6_CS_ISSUED,
  };
  return result[s];
}

/* The state a chain step needs: what the previous step of the same level
 * in this chain leaves behind (NONE for submit and monitor). */
static l6_cstate chain_needs(unsigned chain, l6_step s) {
  int first = cycle_step_on_period(s) ? L6_STEP_MONITOR : L6_STEP_SUBMIT;
  for (int p = (int)s - 1; p >= first; p--)
    if (chain & L6_STEP_BIT(p)) return chain_result((l6_step)p);
  return L6_CS__NONE;
}

static l6_err wrong_state(l6_step step, l6_cstate cur, l6_cstate need, l6_cstate *expected, l6_error *err) {
  *expected = need;
  l6_err e;
  if (need == L6_CS__NONE && cur == L6_CS__NONE)
    e = l6_fail(err, L6_E_WRONG_STATE, "step '%s' cannot start a cycle", l6_step_str(step));
  else if (need == L6_CS__NONE)
    e = l6_fail(err, L6_E_WRONG_STATE, "step '%s' is not possible in state '%s'", l6_step_str(step), l6_cstate_str(cur));
  else
    e = l6_fail(err, L6_E_WRONG_STATE, "step '%s' needs state '%s'; the state is '%s'", l6_step_str(step),
                l6_cstate_str(need), cur == L6_CS__NONE ? "none" : l6_cstate_str(cur));
  if (err && need != L6_CS__NONE) snprintf(err->expected, sizeof err->expected, "%s", l6_cstate_str(need));
  return e;
}

l6_err cycle_next(unsigned chain, l6_cstate cur, l6_step step, l6_decision d, l6_cstate *next, l6_cstate *expected,
                  l6_error *err) {
  *next = cur;
  *expected = L6_CS__NONE;
  if (step < 0 || step >= L6_STEP__COUNT) return l6_fail(err, L6_E_INVALID_VALUE, "unknown step");
  if (cycle_step_in_chain(step) && !(chain & L6_STEP_BIT(step)))
    return l6_fail(err, L6_E_INVALID_VALUE, "this mechanism's cycle has no step '%s'", l6_step_str(step));
  if (cycle_step_decides(step) && d == L6_DECIDE_NONE)
    return l6_fail(err, L6_E_MISSING_FIELD, "step '%s' needs a decision: accept or reject", l6_step_str(step));
  if (!cycle_step_decides(step) && d != L6_DECIDE_NONE)
    return l6_fail(err, L6_E_INVALID_VALUE, "step '%s' takes no decision", l6_step_str(step));
  l6_cstate need;
  switch (step) {
  case L6_STEP_SUBMIT:
  case L6_STEP_VALIDATE:
  case L6_STEP_APPROVE:
  case L6_STEP_REGISTER:
  case L6_STEP_VERIFY:
  case L6_STEP_REQUEST:
  case L6_STEP_ISSUE:
    need = chain_needs(chain, step);
    if (cur != need) return wrong_state(step, cur, need, expected, err);
    *next = d == L6_DECIDE_REJECT ? L6_CS_REJECTED : chain_result(step);
    return L6_E_OK;
  case L6_STEP_MONITOR: /* a new period, or a rejected one reported again */
    if (cur != L6_CS__NONE && cur != L6_CS_REJECTED) return wrong_state(step, cur, L6_CS_REJECTED, expected, err);
    *next = L6_CS_REPORTED;
    return L6_E_OK;
  case L6_STEP_RESUBMIT:
    if (cur != L6_CS_REJECTED) return wrong_state(step, cur, L6_CS_REJECTED, expected, err);
    *next = L6_CS_SUBMITTED;
    return L6_E_OK;
  case L6_STEP_WITHDRAW:
    if (cur == L6_CS__NONE || cur == L6_CS_WITHDRAWN || cur == L6_CS_TRANSITION_REJECTED)
      return wrong_state(step, cur, L6_CS__NONE, expected, err);
    *next = L6_CS_WITHDRAWN;
    return L6_E_OK;
  case L6_STEP_TRANSITION:
    if (cur != L6_CS__NONE) return wrong_state(step, cur, L6_CS__NONE, expected, err);
    *next = L6_CS_TRANSITION_REQUESTED;
    return L6_E_OK;
  case L6_STEP_APPROVE_TRANSITION:
    if (cur != L6_CS_TRANSITION_REQUESTED) return wrong_state(step, cur, L6_CS_TRANSITION_REQUESTED, expected, err);
    *next = d == L6_DECIDE_REJECT ? L6_CS_TRANSITION_REJECTED : L6_CS_REGISTERED;
    return L6_E_OK;
  case L6_STEP_REVERSAL:
  case L6_STEP_REPLACEMENT:
  case L6_STEP_CONVERSION:
    if (cur != L6_CS_REGISTERED) return wrong_state(step, cur, L6_CS_REGISTERED, expected, err);
    return L6_E_OK;
  default: return l6_fail(err, L6_E_INVALID_VALUE, "unknown step");
  }
}

/* Days from civil (Howard Hinnant's algorithm), exact for every Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool date_to_days(const char *ymd, int64_t *days) {
  if (!l6_valid_date(ymd)) return false;
  int y = (ymd[0] - '0') * 1000 + (ymd[1] - '0') * 100 + (ymd[2] - '0') * 10 + (ymd[3] - '0');
  int m = (ymd[5] - '0') * 10 + (ymd[6] - '0');
  int d = (ymd[8] - '0') * 10 + (ymd[9] - '0');
  *days = days_from_civil(y, m, d);
  return true;
}

void date_from_days(int64_t z, char out[11]) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  y += m <= 2;
  if (y < 1) y = 1;
  if (y > 9999) y = 9999;
  snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}
