/*
 * nma.h -- Article 6.8 non-market approaches: the workflow states of an
 * NMA and of a support match, and the ranking of support offers against
 * an NMA's needs. Pure: no I/O, no allocation.
 *
 * NMA      draft -> submitted -> published; withdrawn from any of them
 *          (create, submit and withdraw: the Party's focal point;
 *           publish: the platform's secretariat, mechanism-admin or admin)
 * match    proposed -> accepted (once both sides accepted) -> delivered
 *          (with evidence) -> closed
 *
 * Matching score of one offer against one need (0..100):
 *   type       offer type = need type, else the offer is not ranked;  10
 *   sector     the offer lists the need's sector (or "any");           40
 *   region     the offer lists the NMA's region (or "any");            30
 *   coverage   20 x min(offer amount, need amount) / need amount,
 *              same currency only (another currency: 0);               20
 * An offer's score for an NMA is its best over the NMA's needs (the
 * first need wins a tie). Ranked by score, then coverage, then the
 * lower offer id. Every score comes with its reasons (bit flags below).
 */
#ifndef L6_CORE_NMA_H
#define L6_CORE_NMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"

typedef enum { NMA_SUPPORT__NONE = 0, NMA_FINANCE, NMA_TECHNOLOGY, NMA_CAPACITY } nma_support;
const char *nma_support_str(nma_support t);
nma_support nma_support_from_str(const char *s);

typedef enum { NMA_ST__NONE = 0, NMA_DRAFT, NMA_SUBMITTED, NMA_PUBLISHED, NMA_WITHDRAWN } nma_state;
const char *nma_state_str(nma_state s);
nma_state nma_state_from_str(const char *s);

typedef enum { NMA_STEP_SUBMIT = 1, NMA_STEP_PUBLISH, NMA_STEP_WITHDRAW } nma_step;
/* The state after step from `from`, or NMA_ST__NONE when out of order. */
nma_state nma_next(nma_state from, nma_step step);

typedef enum { MATCH__NONE = 0, MATCH_PROPOSED, MATCH_ACCEPTED, MATCH_DELIVERED, MATCH_CLOSED } match_state;
const char *match_state_str(match_state s);
match_state match_state_from_str(const char *s);

typedef enum { MATCH_STEP_ACCEPT = 1, MATCH_STEP_DELIVER, MATCH_STEP_CLOSE } match_step;
/* The state after step: accept keeps "proposed" until both sides have
 * accepted (both_accepted, counting this acceptance). NONE: out of order. */
match_state match_next(match_state from, match_step step, bool both_accepted);

#define NMA_TAG_MAX 48 /* a sector, region, currency or focus area */

typedef struct {
  nma_support type;
  char sector[NMA_TAG_MAX];
  int64_t amount;    /* minor units of currency (estimated value for technology, capacity) */
  char currency[4];  /* ISO 4217 */
} nma_need;

typedef struct {
  int64_t id;
  nma_support type;
  size_t nsectors, nregions;
  char sectors[L6_NMA_MAX_LIST][NMA_TAG_MAX];
  char regions[L6_NMA_MAX_LIST][NMA_TAG_MAX];
  int64_t amount;    /* minor units; 0 = unspecified (covers nothing) */
  char currency[4];
} nma_offer;

/* Reason flags of a score. */
#define NMA_R_TYPE 0x01           /* same support type */
#define NMA_R_SECTOR 0x02         /* sector listed */
#define NMA_R_REGION 0x04         /* region listed */
#define NMA_R_FULL 0x08           /* covers the whole need */
#define NMA_R_PARTIAL 0x10        /* covers part of the need */
#define NMA_R_NO_SECTOR 0x20      /* sector not listed */
#define NMA_R_NO_REGION 0x40      /* region not listed */
#define NMA_R_CURRENCY 0x80       /* another currency: no coverage counted */
#define NMA_R_NO_AMOUNT 0x100     /* the offer states no amount */
#define NMA_R__LAST NMA_R_NO_AMOUNT

/* Text of one reason flag ("sector listed"), NULL for an unknown flag. */
const char *nma_reason_str(unsigned flag);

typedef struct {
  int64_t offer;     /* offer id */
  size_t need;       /* index of the best need */
  int score;         /* 0..100 */
  int coverage;      /* 0..20: the coverage part of score */
  unsigned reasons;
} nma_rank;

/* Scores one offer against one need of an NMA in `region`; false when the
 * types differ (not ranked). */
bool nma_score(const nma_need *need, const char *region, const nma_offer *o, nma_rank *out);

/* Ranks offers for an NMA's needs into out (room for noffers); returns
 * the number ranked (offers of no needed type are left out). */
size_t nma_rank_offers(const nma_need *needs, size_t nneeds, const char *region, const nma_offer *offers,
                       size_t noffers, nma_rank *out);

#endif
