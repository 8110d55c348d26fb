/*
 * nma_match.c -- the NMA and match workflows and the ranking of support
 * offers (nma.h). Pure.
 */
#include "nma.h"

#include <assert.h>
#include <string.h>

static const char *const support_names[] = {NULL, "finance", "technology", "capacity-building"};
static const char *const state_names[] = {NULL, "draft", "submitted", "published", "withdrawn"};
static const char *const match_names[] = {NULL, "proposed", "accepted", "delivered", "closed"};

#define N(a) (sizeof a / sizeof a[0])

static int find(const char *const *names, size_t n, const char *s) {
  for (size_t i = 1; s && i < n; i++)
    if (strcmp(names[i], s) == 0) return (int)i;
  return 0;
}

const char *nma_support_str(nma_support t) { return (size_t)t < N(support_names) && t ? support_names[t] : "none"; }
nma_support nma_support_from_str(const char *s) { return (nma_support)find(support_names, N(support_names), s); }
const char *nma_state_str(nma_state s) { return (size_t)s < N(state_names) && s ? state_names[s] : "none"; }
nma_state nma_state_from_str(const char *s) { return (nma_state)find(state_names, N(state_names), s); }
const char *match_state_str(match_state s) { return (size_t)s < N(match_names) && s ? match_names[s] : "none"; }
match_state match_state_from_str(const char *s) { return (match_state)find(match_names, N(match_names), s); }

nma_state nma_next(nma_state from, nma_step step) {
  switch (step) {
  case NMA_STEP_SUBMIT: return from == NMA_DRAFT ? NMA_SUBMITTED : NMA_ST__NONE;
  case NMA_STEP_PUBLISH: return from == NMA_SUBMITTED ? NMA_PUBLISHED : NMA_ST__NONE;
  case NMA_STEP_WITHDRAW:
    return (from == NMA_DRAFT || from == NMA_SUBMITTED || from == NMA_PUBLISHED) ? NMA_WITHDRAWN : NMA_ST__NONE;
  }
  return NMA_ST__NONE;
}

match_state match_next(match_state from, match_step step, bool both_accepted) {
  switch (step) {
  case MATCH_STEP_ACCEPT:
    if (from != MATCH_PROPOSED) return MATCH__NONE;
    return both_accepted ? MATCH_ACCEPTED : MATCH_PROPOSED;
  case MATCH_STEP_DELIVER: return from == MATCH_ACCEPTED ? MATCH_DELIVERED : MATCH__NONE;
  case MATCH_STEP_CLOSE: return from == MATCH_DELIVERED ? MATCH_CLOSED : MATCH__NONE;
  }
  return MATCH__NONE;
}

const char *nma_reason_str(unsigned flag) {
  switch (flag) {
  case NMA_R_TYPE: return "same support type";
  case NMA_R_SECTOR: return "sector listed";
  case NMA_R_REGION: return "region listed";
  case NMA_R_FULL: return "covers the whole need";
  case NMA_R_PARTIAL: return "covers part of the need";
  case NMA_R_NO_SECTOR: return "sector not listed";
  case NMA_R_NO_REGION: return "region not listed";
  case NMA_R_CURRENCY: return "another currency: coverage not counted";
  case NMA_R_NO_AMOUNT: return "no amount offered";
  default: return NULL;
  }
}

static bool listed(const char (*list)[NMA_TAG_MAX], size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0 || strcmp(list[i], "any") == 0) return true;
  return false;
}

bool nma_score(const nma_need *need, const char *region, const nma_offer *o, nma_rank *out) {
  memset(out, 0, sizeof *out);
  out->offer = o->id;
  if (need->type != o->type || need->type == NMA_SUPPORT__NONE) return false;
  int score = 10;
  unsigned r = NMA_R_TYPE;
  if (listed(o->sectors, o->nsectors, need->sector)) score += 40, r |= NMA_R_SECTOR;
  else r |= NMA_R_NO_SECTOR;
  if (listed(o->regions, o->nregions, region)) score += 30, r |= NMA_R_REGION;
  else r |= NMA_R_NO_REGION;
  int cov = 0;
  if (o->amount <= 0) r |= NMA_R_NO_AMOUNT;
  else if (strcmp(o->currency, need->currency) != 0) r |= NMA_R_CURRENCY;
  else if (need->amount <= 0 || o->amount >= need->amount) cov = 20, r |= NMA_R_FULL;
  else {
    /* o->amount < need->amount here, so 20 * o->amount / need->amount < 20;
     * divide first when the product could overflow. */
    cov = o->amount <= INT64_MAX / 20 ? (int)(20 * o->amount / need->amount) : (int)(o->amount / (need->amount / 20));
    if (cov > 19) cov = 19;
    r |= NMA_R_PARTIAL;
  }
  score += cov;
  assert(score >= 10 && score <= 100 && cov >= 0 && cov <= 20);
  out->score = score;
  out->coverage = cov;
  out->reasons = r;
  return true;
}

/* a ranks before b? */
static bool before(const nma_rank *a, const nma_rank *b) {
  if (a->score != b->score) return a->score > b->score;
  if (a->coverage != b->coverage) return a->coverage > b->coverage;
  return a->offer < b->offer;
}

size_t nma_rank_offers(const nma_need *needs, size_t nneeds, const char *region, const nma_offer *offers,
                       size_t noffers, nma_rank *out) {
  size_t n = 0;
  for (size_t i = 0; i < noffers; i++) {
    nma_rank best;
    bool have = false;
    for (size_t k = 0; k < nneeds; k++) {
      nma_rank r;
      if (!nma_score(&needs[k], region, &offers[i], &r)) continue;
      r.need = k;
      if (!have || r.score > best.score || (r.score == best.score && r.coverage > best.coverage)) best = r, have = true;
    }
    if (!have) continue;
    /* insertion sort: offers are few (L6_NMA_MAX_OFFERS) */
    size_t j = n++;
    while (j > 0 && before(&best, &out[j - 1])) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = best;
  }
  return n;
}
