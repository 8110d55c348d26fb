/*
 * testlib_cycle.h -- helpers for black-box tests of the project cycle
 * over the HTTP API (tests/testlib_http.h runs the server).
 *
 * Sections:
 *   1. Documents and step bodies: register a document of a type, and build
 *      step bodies that carry exactly the documents the mechanism's
 *      definition requires for the step (read from GET /v1/mechanisms/{code},
 *      so the helpers follow the shipped files).
 *   2. Steps: submit an activity, post a step, report a period, post a
 *      period step; each fails the running test unless the reply is 201.
 *   3. A fixture for the role matrix of tests/test_api.c: an accredited
 *      validator, the host's authority, a mechanism administrator, levy
 *      accounts, and activities in the states the matrix needs.
 *
 * Names start with tl_. Like sections 3-5 of testlib_http.h, these fail
 * the running cmocka test on any surprise: call them from its thread.
 */
#ifndef L6_TESTLIB_CYCLE_H
#define L6_TESTLIB_CYCLE_H

#include <jansson.h>
#include <stdint.h>

#include "testlib_http.h"

/* ---- 1. Documents and step bodies ---------------------------------------- */

/* Registers a small document of this type (POST /v1/documents with the
 * token) and returns its sha256 (static storage, valid until the next call
 * with another type; the same type gives the same content and hash). */
const char *tl_doc(const tl_srv *s, const char *token, const char *type);

/* The documents array step `step` of mechanism `mech` requires, each a
 * registered document (new reference). */
json_t *tl_step_docs(const tl_srv *s, const char *token, const char *mech, const char *step);

/* ---- 2. Steps ------------------------------------------------------------ */

/* POST /v1/activities as the participant's token: an activity of mech,
 * hosted by host, issuing in registry, kind "avoidance" or "removal",
 * crediting 2021-01-01..2030-12-31, the mechanism's first scope. Fails
 * unless 201. */
void tl_submit(const tl_srv *s, const char *token, const char *mech, const char *id, const char *registry,
               const char *host, const char *kind);

/* POST /v1/activities/{id}/steps with {"step", "decision" (NULL: none),
 * the required documents} plus the members of extra (consumed; may be
 * NULL). Returns the reply body (new reference); fails unless 201. */
json_t *tl_step(const tl_srv *s, const char *token, const char *mech, const char *id, const char *step,
                const char *decision, json_t *extra);

/* POST /v1/activities/{id}/periods: a grid-renewable report of `tonnes`
 * (net_kwh = tonnes x 1000 at 1 t/MWh) for start..end. Returns the new
 * period's number. */
int tl_report(const tl_srv *s, const char *token, const char *mech, const char *id, const char *start,
              const char *end, int64_t tonnes);

/* POST /v1/activities/{id}/periods/{period}/steps, as tl_step. */
json_t *tl_period_step(const tl_srv *s, const char *token, const char *mech, const char *id, int period,
                       const char *step, const char *decision, json_t *extra);

/* ---- 3. The role matrix's fixture ---------------------------------------- */

typedef struct {
  int64_t org_v, org_dna;        /* the accredited DOE, the host Party's authority */
  char *tok_v, *tok_dna, *tok_ma; /* their tokens and a mechanism administrator's (owned) */
  int64_t af, omge, buf;         /* the registry's levy accounts */
  char sub[32];                  /* a PACM activity in state submitted */
  char reg[32];                  /* a registered PACM removal activity: period 1 issued,
                                    period 2 reported, 5 units of an avoidable reversal due */
  int period;                    /* its reported period (2) */
  char cdm[32];                  /* a CDM project transitioned to PACM, with 100 CERs of 2016 */
  char doc[65];                  /* a registered document's sha256 */
} tl_cycle_fx;

/* Builds the fixture in `registry` (whose Party is not host) for
 * activities hosted by `host` (a Party without a registry yet: MWI01 is
 * made for its authority), with participant organisation org (token
 * tok), which holds account acc in registry. Fails the test on error. */
void tl_cycle_fixture(const tl_srv *s, const char *registry, const char *host, int64_t org, const char *tok,
                      int64_t acc, tl_cycle_fx *fx);
void tl_cycle_fixture_free(tl_cycle_fx *fx);

#endif
