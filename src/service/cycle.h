/*
 * cycle.h (service) -- use cases of the project cycle under crediting
 * mechanisms (mechanism.h): documents, accreditations, activities and
 * their steps, monitoring periods, issuance with levies and splits,
 * reversals and replacements, CDM transition and conversion.
 *
 * Same contract as service.h: every call checks who may do it, validates,
 * and runs as one atomic store transaction (all or nothing); results are
 * new JSON references the caller frees; on error *out is NULL and err
 * says what is wrong. The order of checks is fixed and documented in
 * docs/API.md: the activity exists (404), the actor may do the step (401,
 * 403), the step is allowed in the current state (409 wrong_state, with
 * err->expected naming the state it needs), its documents are there
 * (404, 422), then the step's own rules (422, 409).
 *
 * Roles: the mechanism file says which of participant, validator,
 * authority and mechanism-admin performs each step. A participant is a
 * holder token of the activity's organisation; a validator a validator
 * token of an organisation accredited for the mechanism and the
 * activity's sectoral scope (never the activity's own organisation); an
 * authority an authority token of an organisation in a registry of the
 * activity's host Party; a mechanism-admin a mechanism-admin token.
 */
#ifndef L6_SERVICE_CYCLE_H
#define L6_SERVICE_CYCLE_H

#include "../core/calc.h"
#include "../core/cycle.h"
#include "service.h"

/* A document named by a step: its type (as the mechanism requires it) and
 * the SHA-256 of a registered document. */
typedef struct {
  char type[L6_DOC_TYPE_MAX + 1];
  char sha256[65];
} l6_doc_ref;

/* One forwarding instruction: an account and its share (bp) of what the
 * levies leave in that account's registry. */
typedef struct {
  l6_id account;
  int bp;
} l6_forward;

/* One input of a methodology calculator. */
typedef struct {
  char name[32];
  int64_t value;
} l6_calc_arg;

/* A submission: the activity's project and where it runs. */
typedef struct {
  l6_project project;               /* id, host, title, methodology, sector, kind, crediting period;
                                       programme and status are set by the cycle */
  char mechanism[L6_CODE_MAX + 1];
  char registry[6];                 /* issuing registry */
  char scope[L6_CODE_MAX + 1];      /* sectoral scope */
  int ets_covered;                  /* -1 not stated, 0 no, 1 yes */
  size_t ndocs;
  l6_doc_ref docs[L6_MAX_STEP_DOCS];
  char comment[L6_NAME_MAX + 1];
  char third_party_choice[16];       /* "" or a third-party developer's registry: "host" or a share's Party
                                       (split.third_party_choice, issue 20) */
} l6_submit_req;

/* Any other step. Fields a step does not use must be left empty. */
typedef struct {
  char project[L6_CODE_MAX + 1];
  int period;                       /* period steps: the period's seq; 0 for activity steps */
  l6_step step;
  l6_decision decision;             /* decision steps only */
  size_t ndocs;
  l6_doc_ref docs[L6_MAX_STEP_DOCS];
  char comment[L6_NAME_MAX + 1];
  l6_qty certified;                 /* verify (accept): the verifier's figure, 1..reported */
  size_t nforward;                  /* request: forwarding instructions */
  l6_forward forward[L6_MAX_FORWARD];
  char start[11], end[11];          /* monitor, new period: its dates */
  char calculator[32];              /* monitor: calculator and its inputs */
  size_t ninputs;
  l6_calc_arg inputs[L6_CALC_MAX_INPUTS];
  char approved_on[11];             /* approve-transition: the date of the host's letter */
  char requested_on[11];            /* transition: the date the request was lodged */
  char mechanism[L6_CODE_MAX + 1];  /* transition: the mechanism to move to */
  char registry[6];                 /* transition: issuing registry */
  char scope[L6_CODE_MAX + 1];      /* transition: sectoral scope */
  l6_qty quantity;                  /* reversal, replacement, conversion */
  bool avoidable;                   /* reversal */
  char observed_on[11];             /* reversal: when the loss happened */
  l6_id from_account;               /* replacement, conversion */
  l6_id to_account;                 /* conversion: where the new units go (0: from_account) */
  int vintage;                      /* conversion: vintage of the converted units */
  const json_t *safeguards;         /* register: the checklist's answers (borrowed; NULL none), mech_ldc.c */
  const json_t *sd_indicators;      /* monitor: the SD indicators (borrowed; NULL none), mech_ldc.c */
  const json_t *benefit_accounts;   /* issue: {"host-community": account, ...} (borrowed; NULL none), issue 20 item 5 */
} l6_step_req;

/* Mechanisms (public). */
l6_err svc_mechanism_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_mechanism_get(l6_svc *s, const l6_actor *a, const char *code, json_t **out, l6_error *err);

/* Documents. Registering needs any token; bytes (len <= L6_MAX_DOC_BYTES)
 * are hashed and stored, or, with bytes NULL, sha256 and size register a
 * document kept outside the store. Registering the same content again
 * returns the first registration. Reading is public; with_content adds
 * the bytes in base64. */
l6_err svc_document_put(l6_svc *s, const l6_actor *a, const char *name, const char *media_type, const void *bytes,
                        size_t len, const char *sha256, int64_t size, json_t **out, l6_error *err);
l6_err svc_document_get(l6_svc *s, const l6_actor *a, const char *sha256, bool with_content, json_t **out,
                        l6_error *err);

/* Accredits organisation org for mechanism and each of scopes (mechanism
 * admin only). */
l6_err svc_accredit(l6_svc *s, const l6_actor *a, l6_id org, const char *mechanism, const char (*scopes)[L6_CODE_MAX + 1],
                    size_t nscopes, json_t **out, l6_error *err);

/* Activities (reads are public). */
l6_err svc_activity_submit(l6_svc *s, const l6_actor *a, const l6_submit_req *r, json_t **out, l6_error *err);
/* Every step but submit: activity steps (validate, approve, register,
 * resubmit, withdraw, approve-transition), period steps (monitor for a new
 * period when r->period is 0 or again for a rejected one, verify,
 * request, issue), transition (r->project is an existing project of the
 * mechanism's from_programme), reversal, replacement and conversion. */
l6_err svc_cycle_step(l6_svc *s, const l6_actor *a, const l6_step_req *r, json_t **out, l6_error *err);
l6_err svc_activity_get(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err);
l6_err svc_activity_list(l6_svc *s, const l6_actor *a, const char *mechanism, const char *state, const l6_page *pg,
                         json_t **out, l6_error *err);

/* Runs a methodology calculator outside any cycle (for the CLI): inputs
 * by name, in any order. */
l6_err svc_calc(const char *calculator, const l6_calc_arg *in, size_t n, l6_qty *out, l6_error *err);

#endif
