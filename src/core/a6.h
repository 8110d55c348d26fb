/*
 * a6.h -- the pure rules of Article 6.2 accounting (docs/DESIGN.md,
 * "Article 6.2 accounting"): purposes, first-transfer events, the ITMO
 * identifier, corresponding-adjustment arithmetic per NDC method, the
 * what-if comparison of accounting options, and CORSIA eligibility over
 * data. No I/O, no allocation, integers only (t CO2e; a non-GHG metric
 * through an integer conversion factor in millionths).
 */
#ifndef L6_A6_H
#define L6_A6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../errors.h"
#include "../limits.h"

/* Purposes of an authorization, as a bit set (the AEF's combinations are
 * unions): use toward an NDC, other international mitigation purposes,
 * international mitigation purposes, other purposes. */
enum { A6_P_NDC = 1u, A6_P_OIMP = 2u, A6_P_IMP = 4u, A6_P_OP = 8u, A6_P__ALL = 15u };

/* The bit of one purpose name ("NDC", "OIMP", "IMP", "OP"), 0 if unknown. */
unsigned a6_purpose_bit(const char *name);
/* Writes the set as "NDC,OIMP" (canonical order) into buf; returns buf. */
const char *a6_purposes_str(unsigned set, char *buf, size_t cap);
/* Parses "NDC,OIMP" (any order, no repeats, no blanks); false if malformed. */
bool a6_purposes_parse(const char *s, unsigned *out);

/* The event that counts as first transfer for OIMP units. */
typedef enum { A6_FT__NONE = 0, A6_FT_AUTHORIZATION, A6_FT_ISSUANCE, A6_FT_USE } a6_ft_event;
const char *a6_ft_event_str(a6_ft_event e); /* "authorization", "issuance", "use" */
a6_ft_event a6_ft_event_from_str(const char *s);

/* ---- ITMO identifier (6/CMA.4 shape) ----------------------------------
 *   CA####-XXX##-XXX-serial-vintage      CA0001-THA01-THA-000000001-2030
 * CA#### the cooperative approach (1..9999), XXX## the registry where the
 * ITMO was created (alpha-3 + 2 digits), XXX the Party whose mitigation it
 * is (host), serial the ITMO's number within approach and registry
 * (zero-padded to 9 digits, wider written in full, >= 1), vintage four
 * digits. Only the canonical form parses: format(parse(s)) == s. */
typedef struct {
  int approach;      /* 1..9999 */
  char registry[6];  /* "THA01" */
  char host[4];      /* "THA" */
  int64_t serial;    /* >= 1 */
  int vintage;       /* L6_VINTAGE_MIN..L6_VINTAGE_MAX */
} a6_itmo_id;

#define A6_ITMO_ID_MAX 64 /* buffer for a formatted identifier */

/* Formats id into buf; returns the length or -1 when id is invalid or buf too small. */
int a6_itmo_format(const a6_itmo_id *id, char *buf, size_t cap);
/* Parses a canonical identifier; false on any deviation. */
bool a6_itmo_parse(const char *s, a6_itmo_id *out);

/* ---- NDCs and corresponding adjustments ------------------------------- */

typedef enum { A6_NDC__NONE = 0, A6_NDC_MULTI_YEAR, A6_NDC_SINGLE_YEAR } a6_ndc_kind;
typedef enum { A6_CA__NONE = 0, A6_CA_PER_YEAR, A6_CA_AVERAGING, A6_CA_TRAJECTORY } a6_ca_method;
const char *a6_ndc_kind_str(a6_ndc_kind k);    /* "multi-year", "single-year" */
a6_ndc_kind a6_ndc_kind_from_str(const char *s);
const char *a6_ca_method_str(a6_ca_method m);  /* "per-year", "averaging", "trajectory" */
a6_ca_method a6_ca_method_from_str(const char *s);

/* Conversion factor 1:1 (t CO2e per t CO2e), in millionths. */
#define A6_FACTOR_ONE 1000000LL

typedef struct {
  int first_year, last_year; /* NDC implementation period, inclusive */
  a6_ndc_kind kind;
  a6_ca_method method;       /* multi-year: per-year; single-year: averaging or trajectory */
  int target_year;           /* single-year: the target year; multi-year: the last year */
  int64_t target;            /* target level, in the metric */
  int64_t factor_micro;      /* metric units per t CO2e, in millionths (A6_FACTOR_ONE for t CO2e) */
} a6_ndc;

/* Checks the NDC's own consistency: period within vintages and at most
 * L6_A6_MAX_NDC_YEARS long, method matching kind, target year inside the
 * period, factor 1..L6_A6_MAX_FACTOR_MICRO, target >= 0. INVALID_VALUE
 * with the reason. */
l6_err a6_ndc_check(const a6_ndc *n, l6_error *err);

/* Converts q t CO2e into the NDC's metric: q x factor / 10^6, rounded
 * half up. q is 0..10^15 (checked by callers), factor <= 10^9. */
int64_t a6_to_metric(int64_t q_t, int64_t factor_micro);

/* One year of a Party's books, input and output of a6_balance. */
typedef struct {
  int year;
  bool reported;            /* emissions reported for this year */
  int64_t emissions;        /* reported emissions (metric) */
  bool has_trajectory;
  int64_t trajectory;       /* trajectory/budget level for the year (metric) */
  int64_t first_transferred;/* t CO2e first transferred by the Party in the year */
  int64_t used;             /* t CO2e used toward the Party's NDC in the year */
  /* outputs */
  int64_t ca;               /* the year's corresponding adjustment, metric (+ adds) */
  int64_t adjusted;         /* emissions + ca */
} a6_year;

/* Division rounded to nearest, halves away from zero (d > 0). */
int64_t a6_div_round(int64_t n, int64_t d);

/*
 * Applies the NDC's method to years[0..n) (one per year of the period, in
 * order, as given by the caller) and fills ca and adjusted:
 *   per-year (multi-year):  ca[y] = conv(ft[y]) - conv(used[y])
 *   averaging (single-year): ca[y] = round(sum over the period of
 *                            (conv(ft) - conv(used)) / number of years)
 *   trajectory (single-year): ca[y] = conv(ft[y]) - conv(used[y]); every
 *                            year needs a trajectory level
 * *target_figure gets the adjusted emissions of the target year.
 * INVALID_VALUE when the years do not cover the period one by one, or a
 * trajectory level is missing.
 */
l6_err a6_balance(const a6_ndc *ndc, a6_year *years, size_t n, int64_t *target_figure, l6_error *err);

/* ---- what-if: the accounting options still argued (domain.md s.4) ---- */

/* Per year, what the recorded transactions say (t CO2e). */
typedef struct {
  int year;
  int64_t emissions;          /* reported (metric) */
  int64_t ft_at_transfer;     /* first transferred in the year, in the NDC's scope */
  int64_t ft_at_use;          /* first transferred units used or cancelled in the year, in scope */
  int64_t oos_at_transfer;    /* the same, for ITMOs from outside the NDC's scope */
  int64_t oos_at_use;
  int64_t used;               /* acquired ITMOs used toward the NDC in the year */
} a6_whatif_year;

typedef enum { A6_ADJ_INVENTORY = 0, A6_ADJ_TARGET } a6_adjust;                  /* what is adjusted */
typedef enum { A6_AT_TRANSFER = 0, A6_AT_USE } a6_timing;                        /* when */
typedef enum { A6_AGG_SAME_YEAR = 0, A6_AGG_AVERAGE, A6_AGG_CUMULATIVE, A6_AGG_PERIOD } a6_aggregation;
const char *a6_adjust_str(a6_adjust a);
const char *a6_timing_str(a6_timing t);
const char *a6_aggregation_str(a6_aggregation g);

typedef struct {
  a6_adjust adjust;
  a6_timing timing;
  a6_aggregation aggregation; /* single-year: same-year/average/cumulative; multi-year: period */
  bool ca_outside_scope;      /* ITMOs from outside the NDC's scope adjusted too */
  int64_t net;                /* the adjustment applied (metric, + raises emissions) */
  int64_t emissions;          /* emissions figure compared with the target */
  int64_t target;             /* target figure */
  int64_t gap;                /* emissions - target: <= 0 means the target is met */
} a6_whatif_row;

/* Rows one call produces at most: 2 adjusts x 2 timings x 3 aggregations x 2 scopes. */
#define A6_WHATIF_MAX 24

/*
 * Computes every option for the NDC from the same years (one per year of
 * the period, in order). Single-year NDCs compare the target year's
 * emissions with the target under same-year (the target year's net),
 * average (period net / years, rounded) and cumulative (period net)
 * aggregation; multi-year NDCs compare the period's total emissions with
 * target x years (aggregation "period"). Inventory adjustment adds the net
 * to emissions; target adjustment subtracts it from the target; the gap is
 * the same, the figures differ. Returns the number of rows written.
 */
size_t a6_whatif(const a6_ndc *ndc, const a6_whatif_year *years, size_t n, a6_whatif_row out[A6_WHATIF_MAX]);

/* ---- CORSIA eligibility over data (config/corsia.json) ---------------- */

typedef struct {
  char name[16];                                /* "pilot", "first", "second" */
  int from_year, to_year;                       /* compliance period, inclusive */
  char programmes[L6_A6_MAX_CORSIA_PROGRAMMES][L6_CODE_MAX + 1]; /* eligible programme codes */
  size_t nprogrammes;
  char crediting_start_from[11];                /* "" or YYYY-MM-DD */
  int vintage_from, vintage_to;                 /* 0: no bound */
  bool require_oimp;                            /* letter of authorization for OIMP */
  bool require_ca;                              /* corresponding adjustment applied */
} a6_corsia_phase;

typedef struct {
  const char *programme;        /* the unit's programme code */
  const char *crediting_start;  /* its activity's first crediting period start */
  int vintage;
  bool oimp_authorized;         /* the unit is an ITMO authorized for OIMP */
  bool ca_applied;              /* its first transfer is recorded (by the cancellation itself if need be) */
} a6_corsia_unit;

/* The conditions, one bit each, in the order they are named. */
enum {
  A6_CORSIA_PROGRAMME = 1u,
  A6_CORSIA_CREDITING_START = 2u,
  A6_CORSIA_VINTAGE = 4u,
  A6_CORSIA_AUTHORIZATION = 8u,
  A6_CORSIA_CA = 16u
};

/* The conditions u fails under phase p (0: eligible). */
unsigned a6_corsia_check(const a6_corsia_phase *p, const a6_corsia_unit *u);
/* Names every failed condition ("programme VCS is not eligible in phase
 * first; vintage 2019 is outside 2021-2026"), into buf; returns buf. */
const char *a6_corsia_explain(const a6_corsia_phase *p, const a6_corsia_unit *u, unsigned failed, char *buf,
                              size_t cap);

#endif
