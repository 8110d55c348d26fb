/*
 * aef_check.h -- the consistency checks the UN secretariat runs on a
 * Party's AEF submission (decision 2/CMA.3, annex, paragraph 35: the
 * Article 6 database "shall ... record and identify inconsistencies";
 * decision 6/CMA.4, annex I, chapter III, the consistency checks of the
 * Article 6 database), as pure functions over the report's tables. No I/O,
 * no allocation. Each check has a stable code (AEF_CHECKS below, in
 * docs/API.md "The AEF consistency checks"); a finding names the check's
 * code and says what is wrong in words.
 */
#ifndef L6_CORE_AEF_CHECK_H
#define L6_CORE_AEF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One action of the report (table 3), as the checks see it. */
typedef struct {
  int64_t id;
  const char *type;     /* "Issuance", "First transfer", "Transfer", "Acquisition", "Use", "Cancellation" */
  const char *party;    /* the reporting Party */
  int64_t auth;         /* the authorization id (0: none) */
  int approach;         /* CA#### */
  const char *registry; /* the ITMO registry of the identifiers */
  const char *first_id, *last_id;
  int64_t quantity;
  int vintage;
  int year;             /* the year of the action (a use: the year of use) */
  /* The terms the action's ITMOs are under when they are not their
   * authorization's current ones (amended after the ITMOs' first transfer,
   * which keep the terms then in force), else NULL. */
  const struct aef_check_auth *terms;
} aef_check_action;

/* One authorization the actions refer to (the Party's own, and those of
 * the ITMOs it acquired and used). */
typedef struct aef_check_auth {
  int64_t id;
  const char *party;    /* the authorizing (host) Party */
  int vintage_from, vintage_to;
  int64_t quantity;
  unsigned purposes;    /* A6_P_* bits */
  int year_from, year_to;
} aef_check_auth;

/* The Party's NDC implementation period. */
typedef struct {
  int first_year, last_year;
} aef_check_ndc;

/* The checks, by stable code. */
typedef enum {
  AEF_C_IDENTIFIER_FORMAT = 0,         /* identifier_format */
  AEF_C_IDENTIFIER_DUPLICATE,          /* identifier_duplicate */
  AEF_C_FIRST_TRANSFER_UNAUTHORIZED,   /* first_transfer_unauthorized */
  AEF_C_FIRST_TRANSFER_OVER_AUTHORIZED,/* first_transfer_over_authorized */
  AEF_C_VINTAGE_NOT_AUTHORIZED,        /* vintage_not_authorized */
  AEF_C_OUTSIDE_TIMEFRAME,             /* outside_authorized_timeframe */
  AEF_C_USE_NOT_AUTHORIZED_FOR_NDC,    /* use_not_authorized_for_ndc */
  AEF_C_USE_OUTSIDE_NDC_PERIOD,        /* use_outside_ndc_period */
  AEF_C_USED_NOT_ACQUIRED,             /* used_not_acquired */
  AEF_C__COUNT
} aef_check_code;

typedef struct {
  const char *code;        /* stable, snake_case */
  const char *description; /* what is checked */
} aef_check_info;

/* The catalogue, indexed by aef_check_code. */
extern const aef_check_info AEF_CHECKS[AEF_C__COUNT];

/* One finding. */
typedef struct {
  aef_check_code check;
  int64_t action;          /* the action it is about (0: the report as a whole) */
  char message[200];
} aef_finding;

/* Runs every check over the actions (in the order recorded) with their
 * authorizations and the NDC period; writes at most cap findings to out
 * and returns how many there are in all (more than cap: the rest were
 * dropped). Deterministic: the same input gives the same findings in the
 * same order (by check, then by action). */
size_t aef_check_all(const aef_check_action *acts, size_t n_acts, const aef_check_auth *auths, size_t n_auths,
                     const aef_check_ndc *ndc, aef_finding *out, size_t cap);

#endif
