/*
 * ets.h -- emissions trading compliance: the offset rules of a
 * jurisdiction and their evaluation against one surrender. Pure: no I/O,
 * no allocation. The rules come from data (config/jurisdictions/NAME.json,
 * parsed by src/service/ets_rules.c; format in docs/ETS.md); nothing here
 * knows any jurisdiction.
 *
 * Arithmetic is integer. A limit of P% of a base B is floor(B * P / 100)
 * tonnes (a rule may ask for "ceil"); a minimum share of P% of T tonnes
 * needs ceil(T * P / 100) tonnes. Converted units (KOC -> KCU, a linked
 * scheme's allowances) count floor(q * num / den) tonnes.
 */
#ifndef L6_ETS_H
#define L6_ETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The attributes of an offered block that rules test. */
#define ETS_ATTR_MAP(XX)                                                   \
  XX(UNIT_TYPE, "unit_type", false)         /* the block's unit type */    \
  XX(PROJECT, "project", false)             /* project id */               \
  XX(PROJECT_TYPE, "project_type", false)   /* hydro, forestry, biogas ... */ \
  XX(PROVINCE, "province", false)           /* where the project is: CN-GD */ \
  XX(CITY, "city", false)                   /* CN-GD-SZ */                 \
  XX(REG_PROVINCE, "reg_province", false)   /* where it is registered */   \
  XX(GASES, "gases", false)                 /* every gas it reduces (a set) */ \
  XX(COVERED_ENTITY, "covered_entity", false) /* "true" | "false" */       \
  XX(REGISTERED, "registered", true)        /* registration date */        \
  XX(CREDIT_START, "credit_start", true)    /* crediting period */         \
  XX(CREDIT_END, "credit_end", true)                                       \
  XX(PROJECT_START, "project_start", true)  /* the project's first day of reductions */ \
  XX(PRODUCTION_START, "production_start", true) /* the batch's production     \
                                               (monitoring) period */      \
  XX(PRODUCTION_END, "production_end", true)                               \
  XX(PRODUCTION, "production", true)        /* window only: the whole      \
                                               production period */        \
  XX(VINTAGE, "vintage", false)             /* "2015" */

typedef enum {
  ETS_ATTR__NONE = 0,
#define ETS_XX(e, s, d) ETS_ATTR_##e,
  ETS_ATTR_MAP(ETS_XX)
#undef ETS_XX
  ETS_ATTR__COUNT
} ets_attr;

typedef enum { ETS_BASE__NONE = 0, ETS_BASE_EMISSIONS, ETS_BASE_OBLIGATION, ETS_BASE_ALLOCATED, ETS_BASE_SHORTFALL } ets_base;

typedef enum {
  ETS_RULE__NONE = 0,
  ETS_RULE_LIMIT,   /* sum of the offsets it applies to <= percent of base */
  ETS_RULE_SHARE,   /* of the offsets it applies to, those whose attr is in values >= percent */
  ETS_RULE_REQUIRE, /* each offset it applies to has attr in values (a set attr: every element) */
  ETS_RULE_EXCLUDE, /* no offset it applies to has attr in values (a set attr: any element) */
  ETS_RULE_WINDOW   /* each offset it applies to has from <= attr <= to ("" = open);
                       attr "production": from <= production_start and
                       production_end <= to */
} ets_rule_kind;

typedef struct {
  size_t n;
  char v[L6_ETS_MAX_VALUES][L6_ETS_VALUE_MAX + 1];
} ets_values;

typedef struct {
  char id[L6_CODE_MAX + 1];         /* "SH-2" */
  ets_rule_kind kind;
  char text[L6_NAME_MAX + 1];       /* what it says, for people */
  ets_values units;                 /* unit types it applies to (n 0: every offset) */
  /* Optional filter: the rule applies to offsets whose where_attr is
   * (where_not false) or is not (where_not true) in where. */
  ets_attr where_attr;
  bool where_not;
  ets_values where;
  int first_year, last_year;        /* compliance years it applies to (0: open) */
  /* limit */
  ets_base base;
  int percent;                      /* limit and share: 0..100 */
  bool ceil;                        /* limit rounding: floor (default) or ceil */
  /* share, require, exclude, window */
  ets_attr attr;
  ets_values values;
  char from[L6_ETS_VALUE_MAX + 1], to[L6_ETS_VALUE_MAX + 1];
  /* Where the rule comes from (for people; the engine ignores it): the
   * document and its exact words ("" when the file gives none). */
  char source_doc[L6_ETS_QUOTE_MAX + 1];
  char source_quote[L6_ETS_QUOTE_MAX + 1];
} ets_rule;

/* A unit type a scheme accepts and how many tonnes one unit counts for. */
typedef struct {
  char unit[L6_CODE_MAX + 1];
  int num, den;                     /* 1..L6_ETS_MAX_RATIO */
} ets_unit;

typedef struct {
  char code[L6_CODE_MAX + 1];       /* "CN-SH" */
  char name[L6_NAME_MAX + 1];
  size_t nallow, noffset, nrules;
  ets_unit allow[L6_ETS_MAX_UNITS];  /* allowances (own first, then linked schemes') */
  ets_unit offset[L6_ETS_MAX_UNITS]; /* offset credit types it may take at all */
  ets_rule rules[L6_ETS_MAX_RULES];
} ets_ruleset;

/* The entity's figures for the period, in tonnes. */
typedef struct {
  int year;                          /* compliance year */
  l6_qty emissions;                  /* verified (confirmed) emissions */
  l6_qty obligation;                 /* allowances to surrender */
  l6_qty allocated;                  /* allowances allocated for the period */
} ets_figures;

/* One offered block (a unit type of one project) and its attributes. */
typedef struct {
  l6_qty qty;
  char a[ETS_ATTR__COUNT][L6_ETS_VALUE_MAX + 1]; /* by ets_attr; "" = unknown */
} ets_offer;

/* A broken rule: figure and limit in tonnes (require/exclude/window: the
 * refused tonnes and 0). Built-in checks have ids "eligible_unit" (a unit
 * the scheme takes neither as allowance nor offset) and "over_obligation"
 * (more than the obligation offered). */
typedef struct {
  char id[L6_CODE_MAX + 1];
  ets_rule_kind kind;                /* NONE for built-in checks */
  int64_t figure, limit;
  size_t offer;                      /* require/exclude/window/eligible: the first offending offer */
} ets_break;

typedef struct {
  l6_qty shortfall_base;             /* max(0, obligation - allocated) */
  l6_qty allowances, offsets;        /* tonnes counted (after conversion) */
  l6_qty max_offsets;                /* the largest offset quantity the rules allow (see ets_evaluate) */
  l6_qty eligible_offered;           /* offered offset tonnes no per-unit rule refuses */
  size_t nbreaks;
  ets_break breaks[L6_ETS_MAX_RULES + L6_ETS_MAX_OFFERS + 1];
} ets_result;

const char *ets_attr_str(ets_attr a);
ets_attr ets_attr_from_str(const char *s);
bool ets_attr_is_date(ets_attr a);
const char *ets_base_str(ets_base b);
ets_base ets_base_from_str(const char *s);
const char *ets_rule_kind_str(ets_rule_kind k);
ets_rule_kind ets_rule_kind_from_str(const char *s);

/* The scheme's entry for unit (allowance or offset), or NULL. */
const ets_unit *ets_allowance(const ets_ruleset *rs, const char *unit);
const ets_unit *ets_offset_unit(const ets_ruleset *rs, const char *unit);
/* floor(q * num / den), saturating at L6_MAX_QUANTITY * 1000. */
l6_qty ets_convert(const ets_unit *u, l6_qty q);
/* floor (or ceil) of base * percent / 100. */
int64_t ets_percent_of(int64_t base, int percent, bool ceil);

/* Evaluates every rule of rs against the offers (allowances and offsets,
 * n <= L6_ETS_MAX_OFFERS) for figures f and returns every broken rule in
 * rule order (built-ins first). r->max_offsets is the largest offset total
 * the limits allow: the smallest limit among limit rules that apply to
 * every offset (no unit list covering fewer than the scheme's offset
 * types, no filter), capped by the obligation; 0 when the scheme takes no
 * offsets. Returns true when nothing is broken. */
bool ets_evaluate(const ets_ruleset *rs, const ets_figures *f, const ets_offer *offers, size_t n, ets_result *r);

#endif
