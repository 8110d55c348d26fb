/*
 * ets.h -- emissions trading compliance as use cases (docs/ETS.md):
 * schemes, covered entities, project attributes the offset rules test,
 * verified emissions (entered by a verifier, confirmed by the regulator),
 * allocation figures, the annual surrender with its dry run, and the
 * compliance report. Every call is one store transaction, like service.h.
 *
 * Roles: the regulator of a scheme is the admin or an authority whose
 * organisation belongs to the STORED scheme's registry (only admin moves a
 * scheme to another registry); a validator accredited for the scheme
 * enters verified emissions; the regulator confirms and corrects them;
 * the entity's holder organisation (or the regulator) surrenders; the
 * report is public.
 *
 * The jurisdiction rules come from config/jurisdictions (ets_rules.h),
 * loaded by svc_ets_load at start: no rule is written in C.
 */
#ifndef L6_SVC_ETS_H
#define L6_SVC_ETS_H

#include "../core/ets.h"
#include "service.h"

/* The accreditations table's mechanism of ETS verifiers (scope: the
 * scheme's code); lower case, so no mechanism file can take it. */
#define L6_ETS_ACCREDITATION "ets"

typedef struct {
  char code[L6_CODE_MAX + 1];         /* "GD-ETS" */
  char name[L6_NAME_MAX + 1];
  char jurisdiction[L6_CODE_MAX + 1]; /* a config/jurisdictions code: "CN-GD" */
  char registry[6];                   /* where its accounts are */
  int first_year, last_year;          /* compliance years */
  char deadline[6];                   /* "MM-DD" of the year after the compliance year */
  int64_t penalty;                    /* per missing tonne, minor units */
  char currency[4];                   /* "CNY" */
  l6_id allocation_account;           /* holds allowances for free allocation (0: none) */
  l6_id auction_account;              /* holds allowances sold at auction (0: none) */
} l6_ets_scheme;

typedef struct {
  char scheme[L6_CODE_MAX + 1];
  char id[L6_CODE_MAX + 1];           /* entity id within the scheme */
  char name[L6_NAME_MAX + 1];
  l6_id org;                          /* the operator (holder organisation) */
  l6_id account;                      /* its holding account, in the scheme's registry */
  char province[L6_ETS_VALUE_MAX + 1], city[L6_ETS_VALUE_MAX + 1];
  char sector[L6_ETS_VALUE_MAX + 1];
  char installations[L6_TEXT_MAX + 1]; /* installation names, "|"-separated */
} l6_ets_entity;

/* The attributes of a project that offset rules test (its crediting
 * period comes from the project, its vintage from each batch). */
typedef struct {
  char project[L6_CODE_MAX + 1];
  char project_type[L6_ETS_VALUE_MAX + 1];
  char province[L6_ETS_VALUE_MAX + 1], city[L6_ETS_VALUE_MAX + 1], reg_province[L6_ETS_VALUE_MAX + 1];
  char gases[L6_ETS_VALUE_MAX + 1];   /* "CO2,CH4" */
  bool covered_entity;
  char registered[11], produced[11];  /* "" when unknown; produced: the project's first day of
                                         reductions (the rules' project_start) */
} l6_ets_project;

typedef struct {
  char scheme[L6_CODE_MAX + 1];
  char entity[L6_CODE_MAX + 1];
  int year;
  size_t n;
  l6_range items[L6_ETS_MAX_OFFERS];  /* serials held by the entity's account */
  bool dry_run;                       /* evaluate only: nothing moves */
} l6_ets_surrender_req;

/* Loads DIR/jurisdictions (all or nothing; the service keeps what it had
 * on error). svc_load_config calls it. */
l6_err svc_ets_load(l6_svc *s, const char *dir, l6_error *err);
/* GET /v1/ets/jurisdictions: every loaded rule set with its file hash. */
l6_err svc_ets_jurisdictions(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

l6_err svc_ets_scheme_put(l6_svc *s, const l6_actor *a, const l6_ets_scheme *in, json_t **out, l6_error *err);
l6_err svc_ets_scheme_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_ets_entity_put(l6_svc *s, const l6_actor *a, const l6_ets_entity *in, json_t **out, l6_error *err);
l6_err svc_ets_entity_list(l6_svc *s, const l6_actor *a, const char *scheme, json_t **out, l6_error *err);

/* Sets a project's attributes: admin, the authority of the project's host
 * Party, or the regulator of a scheme whose jurisdiction lists a unit type
 * the project carries (its programme's, or an issued batch's); FORBIDDEN
 * otherwise. Every change is appended to the project's history. */
l6_err svc_ets_project_put(l6_svc *s, const l6_actor *a, const l6_ets_project *in, json_t **out, l6_error *err);

/* GET /v1/ets/projects/{id}: the attributes and their history (public);
 * NOT_FOUND when none were set. */
l6_err svc_ets_project_get(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err);

/* Verified emissions of a year: a verifier enters them (status
 * "entered"), the regulator confirms them ("confirmed"). The verifier is
 * admin or a validator whose organisation is accredited for the scheme
 * (NOT_ACCREDITED) and is not the entity's (FORBIDDEN). Entering again
 * replaces an entered figure; a confirmed one is refused
 * (EMISSIONS_CONFIRMED): only svc_ets_correct changes it. Every entry,
 * confirmation and correction is appended to the record's history. */
l6_err svc_ets_emissions(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year,
                         l6_qty verified, json_t **out, l6_error *err);

/* The regulator's correction of confirmed emissions (EMISSIONS_NOT_CONFIRMED
 * otherwise): the new figure with a reason, kept in the history (old, new,
 * who, when, reason); after a surrender the compliance is recomputed. */
l6_err svc_ets_correct(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty verified,
                       const char *reason, json_t **out, l6_error *err);
/* The same with the reply's status (201, or 202 with a proposal of kind
 * "ets-correction", as svc_ets_confirm_st). */
l6_err svc_ets_correct_st(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty verified,
                          const char *reason, json_t **out, int *status, l6_error *err);

/* GET /v1/ets/emissions: the year's record and its history (public, like
 * the compliance report). */
l6_err svc_ets_record_get(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                          l6_error *err);

/* The scheme's regulator accredits organisation org as a verifier of the
 * scheme (the accreditations row (org, L6_ETS_ACCREDITATION, scheme));
 * accrediting twice is not an error. */
l6_err svc_ets_verifier_put(l6_svc *s, const l6_actor *a, const char *scheme, l6_id org, json_t **out, l6_error *err);
l6_err svc_ets_confirm(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                       l6_error *err);
/* The same with the reply's status: 201 when applied; 202 when the approval
 * policy of the scheme's registry has "ets_emissions" (four eyes, issue
 * 15): *out is then a pending proposal of kind "ets-confirmation" and the
 * record is unchanged until another person approves it. */
l6_err svc_ets_confirm_st(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, json_t **out,
                          int *status, l6_error *err);
/* The allowances allocated to the entity for the year (the base of
 * "allocated" limits and of the shortfall); the regulator sets it. */
l6_err svc_ets_allocation(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year,
                          l6_qty allocated, json_t **out, l6_error *err);

/* Allocates qty allowances (the jurisdiction's first allowance unit) to
 * the entity for the year: one transfer, oldest vintage first, from the
 * scheme's allocation account (free: adds to the allocation figure) or
 * auction account (auction: counted apart; the exchange will settle it
 * later). Logged like every ledger transaction. */
l6_err svc_ets_allocate(l6_svc *s, const l6_actor *a, const char *scheme, const char *entity, int year, l6_qty qty,
                        bool auction, json_t **out, l6_error *err);

/* The surrender: evaluates every rule; accepted, the units move to the
 * registry's surrender account in one transaction (logged) and the
 * record says compliant or shortfall; refused, OFFSET_RULES_BROKEN names
 * every broken rule and nothing changes. A dry run returns the same
 * evaluation and moves nothing. */
l6_err svc_ets_surrender(l6_svc *s, const l6_actor *a, const l6_ets_surrender_req *r, json_t **out, l6_error *err);

/* Compliance report of a scheme and year: per entity the obligation,
 * allocation, surrendered allowances and offsets, shortfall and penalty. */
l6_err svc_ets_report(l6_svc *s, const l6_actor *a, const char *scheme, int year, json_t **out, l6_error *err);
/* The report as CSV (malloc'd), from svc_ets_report's JSON. */
char *svc_ets_report_csv(const json_t *report);

#endif
