/*
 * mechanism.h -- crediting mechanism definitions: one JSON file per
 * mechanism in config/mechanisms/, parsed and checked here into the
 * typed rules the project cycle (cycle.c) enforces. The file format is in
 * docs/DESIGN.md ("Crediting mechanisms"); config/mechanisms/ holds the
 * shipped definitions (PACM, a JCM-style bilateral approach, Belt and
 * Road cooperation, CCER, a VCS-like voluntary standard).
 *
 * Definitions are data: no C code path depends on a mechanism's code.
 * They are read at every start (init, serve, demo), so editing a file and
 * restarting changes behaviour with no rebuild; each step records the
 * SHA-256 of the file that applied to it.
 *
 * A malformed file is refused with INVALID_CONFIG and a message naming
 * the file, the key and the reason:
 *   "config/mechanisms/pacm.json: key levies.omge.bp: must be an integer 0-10000"
 */
#ifndef L6_MECHANISM_H
#define L6_MECHANISM_H

#include <jansson.h>
#include <stdbool.h>

#include "../core/calc.h"
#include "../core/cycle.h"
#include "../core/benefit.h"
#include "../core/fees.h"
#include "../core/levy.h"
#include "service.h"

/* A step the mechanism allows: who does it and what it must carry. */
typedef struct {
  bool defined;    /* false: the mechanism has no such step */
  l6_mrole role;   /* who performs it */
  size_t ndocs;    /* documents required, by type */
  char docs[L6_MAX_STEP_DOCS][L6_DOC_TYPE_MAX + 1];
  int comment_days; /* > 0: the step opens a public comment window of so many days (voice.c) */
} l6_mech_step;

/* One Party's share of a bilateral split. */
typedef struct {
  char party[4];    /* alpha-3; "" = the activity's host Party */
  char registry[6]; /* the Party's registry; "" = the activity's registry (host share) */
  int bp;           /* share in basis points */
} l6_mech_share;

/* Issue 20 items 3-4 (mech_ldc.c): safeguards, SD indicators, fees. */
#define L6_MAX_SAFEGUARDS 16
#define L6_MAX_SD_INDICATORS 16
#define L6_MAX_FEE_RELIEF 4

typedef struct {
  char code[L6_CODE_MAX + 1];  /* "fpic" (lower-case words and hyphens) */
  char text[L6_NAME_MAX + 1];  /* the question */
  bool must_hold;              /* registration needs the answer true */
} l6_mech_safeguard;

typedef struct {
  char code[L6_CODE_MAX + 1];  /* "sdg7-households" */
  char name[L6_NAME_MAX + 1];
  char unit[L6_CODE_MAX + 1];  /* what the integer counts ("households") */
} l6_mech_sd;

typedef enum { L6_RELIEF_NONE = 0, L6_RELIEF_WAIVE, L6_RELIEF_DEFER } l6_relief;

/* Fee relief for the host Parties of a country group (config/country-groups.json). */
typedef struct {
  char group[17];           /* "LDC", "SIDS" */
  l6_relief registration;   /* waive, or defer to the first issuance */
  l6_relief issuance;       /* waive only */
} l6_mech_relief;

typedef struct {
  char code[L6_CODE_MAX + 1];      /* "PACM" */
  char name[L6_NAME_MAX + 1];
  char programme[L6_CODE_MAX + 1]; /* the programme of its projects (config/programmes) */
  char unit_type[L6_CODE_MAX + 1]; /* the unit type it issues; belongs to programme */
  char file[256];                  /* path it was loaded from */
  char hash[65];                   /* SHA-256 of the file's bytes, hex */
  l6_rounding rounding;            /* levies, splits and forwarding */

  unsigned chain;                       /* mask of the chain steps it uses */
  l6_mech_step steps[L6_STEP__COUNT];   /* by l6_step */

  /* Eligibility. */
  bool kind_avoidance, kind_removal;    /* project kinds accepted */
  bool kind_adaptation;                 /* adaptation projects (the adaptation benefits mechanism) */
  size_t nscopes;
  char scopes[L6_MAX_SCOPES][L6_CODE_MAX + 1]; /* sectoral scopes accepted */
  size_t ncalcs;
  const l6_calc *calcs[L6_MAX_SCOPES];  /* calculators monitoring reports may use */
  char crediting_start_from[11];        /* "" or the earliest crediting start */
  char reductions_from[11];             /* "" or the earliest monitoring period start */
  bool exclude_ets_covered;             /* refuse participants under ETS allowance management */

  /* Levies at issuance: rates, and the account type (in the activity's
   * registry, owned by no organisation) that receives each. The buffer
   * applies to removal activities only. */
  l6_levy_rule levy;
  l6_account_type sop_account, omge_account, buffer_account;

  /* Bilateral split of what the levies leave (nshares 0: no split). */
  size_t nshares;
  l6_mech_share shares[L6_MAX_SHARES];
  int third_party;                      /* share taking all of a third-party developer's units; -1: no rule */
  /* Shares a third-party developer may choose instead, per activity
   * (split.third_party_choice, issue 20; ntp_choice 0: no choice). */
  size_t ntp_choice;
  int tp_choice[L6_MAX_SHARES];

  /* Ex-ante purchases of an activity's units before issuance, delivered
   * and retired at issuance (ex_ante_purchases, issue 20). */
  bool ex_ante;

  /* Deadlines. */
  int reversal_notice_days;             /* 0: none */

  /* CDM transition (transition, approve-transition and conversion steps). */
  bool transition;
  char from_programme[L6_CODE_MAX + 1];
  char from_unit_type[L6_CODE_MAX + 1];
  char request_by[11];                  /* last day to request transition */
  char request_by_removal[11];          /* the same for removal (A/R) activities */
  char approval_by[11];                 /* last day of the host's approval */
  char crediting_active_on[11];         /* the crediting period must include this day ("" none) */
  int convert_min_vintage;              /* oldest vintage convertible; 0: no conversion */

  /* Safeguards checked at registration, SD indicators on every
   * monitoring report (0 of each: none asked). */
  size_t nsafeguards;
  l6_mech_safeguard safeguards[L6_MAX_SAFEGUARDS];
  size_t nsd;
  l6_mech_sd sd[L6_MAX_SD_INDICATORS];

  /* Fees in money (fees false: none). The issuance tiers are the share
   * of proceeds for administration, charged per unit issued. */
  bool fees;
  char currency[4];                     /* ISO 4217 */
  int64_t registration_fee;             /* minor units */
  size_t ntiers;
  l6_fee_tier tiers[L6_MAX_FEE_TIERS];
  size_t nrelief;
  l6_mech_relief relief[L6_MAX_FEE_RELIEF];
  /* Programmes of activities (poa.c): allowed, and their size. */
  bool poa;
  int poa_max_components;
  /* Grievances and appeals (voice.c): accepted, and the appeal deadline. */
  bool recourse;
  int appeal_days;                      /* days after a decision to appeal it */

  /* Benefit sharing (issue 20 item 5, mech_ldc.c): the host's shares of
   * every issuance, in bp of what the levies leave, each delivered at the
   * issue step to the account the mechanism admin names for it
   * (nbenefit 0: none). to: "host-community" or "host-government". */
  size_t nbenefit;
  struct {
    char to[16];
    int bp;
  } benefit[L6_MAX_BENEFIT_SHARES];

  json_t *json;                         /* the definition as loaded, plus "file" and "hash" (owned) */
} l6_mech;

typedef struct l6_mech_set {
  size_t n;
  l6_mech *m; /* n definitions, sorted by file name (owned) */
  struct l6_calc_params *params; /* methodology parameters (calc_params.h), or NULL (owned) */
} l6_mech_set;

/*
 * Parses one definition. path names it in messages; text[0..len) is the
 * file. Checks everything that needs no store: shape, types, ranges,
 * names, dates, the chain, roles, levies, shares, transition. On success
 * *out is filled and owns out->json (free with mech_free); on failure
 * INVALID_CONFIG with "PATH: key KEY: REASON" and *out holds nothing.
 */
l6_err mech_parse(const char *path, const char *text, size_t len, l6_mech *out, l6_error *err);
void mech_free(l6_mech *m);

/* The optional sections "safeguards", "sd_indicators" and "fees" of root
 * into m (mech_ldc.c); errors as mech_parse. */
l6_err mech_parse_ldc(const char *path, json_t *root, l6_mech *m, l6_error *err);

/* Reads every *.json in DIR/mechanisms (a missing folder is no
 * mechanisms), parses each, checks the programmes and unit types they
 * name against the store and that codes are unique, and installs the set
 * in the service (replacing any earlier one). All or nothing: on error the
 * service keeps what it had. */
l6_err mech_load_dir(l6_svc *s, const char *dir, l6_error *err);

/* The account types that receive a levy (share of proceeds, OMGE, buffer)
 * under any mechanism of set, each once, in the order of l6_account_type:
 * out[0..return). Every registry has one of each (svc_registry_create), so
 * any registry may host any mechanism's activities. */
size_t mech_levy_account_types(const l6_mech_set *set, l6_account_type out[L6_ACCT__COUNT]);

/* The loaded definition of code, or NULL. */
const l6_mech *mech_find(const l6_mech_set *set, const char *code);

void mech_set_free(struct l6_mech_set *set);

/* Does the mechanism accept projects of this kind ("avoidance", "removal",
 * "adaptation")? */
bool mech_accepts_kind(const l6_mech *m, const char *kind);
/* Is scope among the mechanism's sectoral scopes? */
bool mech_has_scope(const l6_mech *m, const char *scope);
/* The mechanism's calculator of this name, or NULL when it allows none such. */
const l6_calc *mech_calc(const l6_mech *m, const char *name);

#endif
