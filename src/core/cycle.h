/*
 * cycle.h -- the project cycle as a state machine: its steps, its states,
 * the roles that perform steps, and the one transition table every
 * crediting mechanism shares. A mechanism (config/mechanisms/NAME.json)
 * chooses which optional steps its cycle has and who does each; it never
 * adds states or code. Pure: no I/O, no allocation. Also dates as day
 * numbers, for deadlines.
 *
 * The cycle has two levels:
 *
 *   activity   submit -> validate -> [approve] -> register
 *              states:  submitted -> validated -> approved -> registered
 *   period     monitor -> verify -> request -> issue       (one per monitoring period,
 *              states:  reported -> verified -> requested -> issued   of a registered activity)
 *
 * A decision step (validate, approve, register, verify, issue,
 * approve-transition) may instead reject: the activity or period goes to
 * "rejected"; the participant resubmits (resubmit for an activity, monitor
 * again for a period) and the cycle continues from the first step. The
 * participant may withdraw an activity in any state but withdrawn. A CDM
 * activity enters the cycle by "transition" (transition-requested) and
 * "approve-transition" registers it. Reversal, replacement and conversion
 * need a registered activity and leave its state as it is.
 */
#ifndef L6_CYCLE_H
#define L6_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../errors.h"

/* Steps: enum suffix, name (API, files), level. The first eight form the
 * chain, in this order; a chain step's bit in a mask is 1 << step. */
#define L6_STEP_MAP(XX)                                \
  XX(SUBMIT, "submit", ACTIVITY)                       \
  XX(VALIDATE, "validate", ACTIVITY)                   \
  XX(APPROVE, "approve", ACTIVITY)                     \
  XX(REGISTER, "register", ACTIVITY)                   \
  XX(MONITOR, "monitor", PERIOD)                       \
  XX(VERIFY, "verify", PERIOD)                         \
  XX(REQUEST, "request", PERIOD)                       \
  XX(ISSUE, "issue", PERIOD)                           \
  XX(RESUBMIT, "resubmit", ACTIVITY)                   \
  XX(WITHDRAW, "withdraw", ACTIVITY)                   \
  XX(TRANSITION, "transition", ACTIVITY)               \
  XX(APPROVE_TRANSITION, "approve-transition", ACTIVITY) \
  XX(REVERSAL, "reversal", ACTIVITY)                   \
  XX(REPLACEMENT, "replacement", ACTIVITY)             \
  XX(CONVERSION, "conversion", ACTIVITY)

typedef enum {
#define L6_XX(e, s, l) L6_STEP_##e,
  L6_STEP_MAP(L6_XX)
#undef L6_XX
  L6_STEP__COUNT,
  L6_STEP__NONE = -1
} l6_step;

#define L6_CHAIN_STEPS 8 /* SUBMIT..ISSUE */
#define L6_STEP_BIT(s) (1u << (unsigned)(s))
/* Steps every chain has; APPROVE (host approval) is the optional one. */
#define L6_CHAIN_REQUIRED                                                                              \
  (L6_STEP_BIT(L6_STEP_SUBMIT) | L6_STEP_BIT(L6_STEP_VALIDATE) | L6_STEP_BIT(L6_STEP_REGISTER) |       \
   L6_STEP_BIT(L6_STEP_MONITOR) | L6_STEP_BIT(L6_STEP_VERIFY) | L6_STEP_BIT(L6_STEP_REQUEST) |         \
   L6_STEP_BIT(L6_STEP_ISSUE))
#define L6_CHAIN_ALL ((1u << L6_CHAIN_STEPS) - 1u)

/* States of activities and periods. */
#define L6_CSTATE_MAP(XX)                              \
  XX(SUBMITTED, "submitted")                           \
  XX(VALIDATED, "validated")                           \
  XX(APPROVED, "approved")                             \
  XX(REGISTERED, "registered")                         \
  XX(REPORTED, "reported")                             \
  XX(VERIFIED, "verified")                             \
  XX(REQUESTED, "requested")                           \
  XX(ISSUED, "issued")                                 \
  XX(REJECTED, "rejected")                             \
  XX(WITHDRAWN, "withdrawn")                           \
  XX(TRANSITION_REQUESTED, "transition-requested")     \
  XX(TRANSITION_REJECTED, "transition-rejected")

typedef enum {
  L6_CS__NONE = 0, /* no activity or period yet */
#define L6_XX(e, s) L6_CS_##e,
  L6_CSTATE_MAP(L6_XX)
#undef L6_XX
  L6_CS__COUNT
} l6_cstate;

/* Who performs a step, as a mechanism file names them. */
#define L6_MROLE_MAP(XX)                                                      \
  XX(PARTICIPANT, "participant")         /* the activity's own organisation (holder token) */ \
  XX(VALIDATOR, "validator")             /* a DOE/VVB accredited for the activity's scope */   \
  XX(AUTHORITY, "authority")             /* the host Party's designated authority */           \
  XX(MECHANISM_ADMIN, "mechanism-admin") /* the mechanism's administrator or joint committee */

typedef enum {
  L6_MROLE__NONE = 0,
#define L6_XX(e, s) L6_MROLE_##e,
  L6_MROLE_MAP(L6_XX)
#undef L6_XX
  L6_MROLE__COUNT
} l6_mrole;

typedef enum { L6_DECIDE_NONE = 0, L6_DECIDE_ACCEPT, L6_DECIDE_REJECT } l6_decision;

/* Name <-> enum; *_from_str returns the none value for unknown names and
 * *_str returns "" out of range. */
const char *l6_step_str(l6_step s);
l6_step l6_step_from_str(const char *s);
const char *l6_cstate_str(l6_cstate c);
l6_cstate l6_cstate_from_str(const char *s);
const char *l6_mrole_str(l6_mrole r);
l6_mrole l6_mrole_from_str(const char *s);
l6_decision l6_decision_from_str(const char *s); /* "accept" | "reject" */
const char *l6_decision_str(l6_decision d);      /* "" for NONE */

/* Does the step act on a monitoring period (monitor, verify, request,
 * issue) rather than on the activity? */
bool cycle_step_on_period(l6_step s);
/* Does the step carry an accept/reject decision? */
bool cycle_step_decides(l6_step s);
/* Is the step one of the chain (submit .. issue)? */
bool cycle_step_in_chain(l6_step s);

/* Is chain (a mask of chain steps) a cycle the machine can run: every
 * required step present, nothing outside the chain? */
bool cycle_chain_ok(unsigned chain);

/*
 * The transition table. cur is the state of the activity (activity steps)
 * or of the period (period steps; L6_CS__NONE for a period not yet
 * reported; the caller checks that the activity is registered). On
 * success *next is the new state (equal to cur for reversal, replacement
 * and conversion).
 * Errors: WRONG_STATE when the step is not allowed in cur; *expected is
 * the state it needs (L6_CS__NONE when it needs "any state but cur", as
 * withdraw does) and err says both. INVALID_VALUE when the step is not in
 * chain (the mechanism has no such step), or a decision is missing on a
 * decision step or given on another.
 */
l6_err cycle_next(unsigned chain, l6_cstate cur, l6_step step, l6_decision d, l6_cstate *next, l6_cstate *expected,
                  l6_error *err);

/* Dates. Day number of a valid "YYYY-MM-DD" (days since 1970-01-01,
 * proleptic Gregorian); false for an invalid date. */
bool date_to_days(const char *ymd, int64_t *days);
/* "YYYY-MM-DD" of a day number (years 1..9999); out gets 11 bytes. */
void date_from_days(int64_t days, char out[11]);

#endif
