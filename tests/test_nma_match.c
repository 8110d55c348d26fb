/*
 * test_nma_match.c -- the pure core of the Article 6.8 platform
 * (src/core/nma.h): the NMA and match workflows, and the ranking of
 * support offers against an NMA's needs, with expectations ranked by hand
 * from the documented score (type 10, sector 40, region 30, coverage 20).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/nma.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static nma_offer offer(int64_t id, nma_support t, const char *sector, const char *region, int64_t amount,
                       const char *cur) {
  nma_offer o;
  memset(&o, 0, sizeof o);
  o.id = id;
  o.type = t;
  snprintf(o.sectors[0], NMA_TAG_MAX, "%s", sector);
  snprintf(o.regions[0], NMA_TAG_MAX, "%s", region);
  o.nsectors = o.nregions = 1;
  o.amount = amount;
  snprintf(o.currency, sizeof o.currency, "%s", cur);
  return o;
}

static void test_workflows(void **state) {
  (void)state;
  assert_int_equal(nma_next(NMA_DRAFT, NMA_STEP_SUBMIT), NMA_SUBMITTED);
  assert_int_equal(nma_next(NMA_SUBMITTED, NMA_STEP_PUBLISH), NMA_PUBLISHED);
  assert_int_equal(nma_next(NMA_PUBLISHED, NMA_STEP_WITHDRAW), NMA_WITHDRAWN);
  assert_int_equal(nma_next(NMA_DRAFT, NMA_STEP_WITHDRAW), NMA_WITHDRAWN);
  /* out of order */
  assert_int_equal(nma_next(NMA_DRAFT, NMA_STEP_PUBLISH), NMA_ST__NONE);
  assert_int_equal(nma_next(NMA_PUBLISHED, NMA_STEP_SUBMIT), NMA_ST__NONE);
  assert_int_equal(nma_next(NMA_WITHDRAWN, NMA_STEP_WITHDRAW), NMA_ST__NONE);
  assert_int_equal(nma_next(NMA_WITHDRAWN, NMA_STEP_SUBMIT), NMA_ST__NONE);
  assert_int_equal(match_next(MATCH_PROPOSED, MATCH_STEP_ACCEPT, false), MATCH_PROPOSED);
  assert_int_equal(match_next(MATCH_PROPOSED, MATCH_STEP_ACCEPT, true), MATCH_ACCEPTED);
  assert_int_equal(match_next(MATCH_ACCEPTED, MATCH_STEP_DELIVER, false), MATCH_DELIVERED);
  assert_int_equal(match_next(MATCH_DELIVERED, MATCH_STEP_CLOSE, false), MATCH_CLOSED);
  assert_int_equal(match_next(MATCH_PROPOSED, MATCH_STEP_DELIVER, false), MATCH__NONE);
  assert_int_equal(match_next(MATCH_ACCEPTED, MATCH_STEP_CLOSE, false), MATCH__NONE);
  assert_int_equal(match_next(MATCH_ACCEPTED, MATCH_STEP_ACCEPT, true), MATCH__NONE);
  assert_int_equal(match_next(MATCH_CLOSED, MATCH_STEP_CLOSE, false), MATCH__NONE);
  /* names round-trip */
  for (int s = NMA_DRAFT; s <= NMA_WITHDRAWN; s++) assert_int_equal(nma_state_from_str(nma_state_str(s)), s);
  for (int s = MATCH_PROPOSED; s <= MATCH_CLOSED; s++) assert_int_equal(match_state_from_str(match_state_str(s)), s);
  assert_int_equal(nma_support_from_str("capacity-building"), NMA_CAPACITY);
  assert_int_equal(nma_support_from_str("cash"), NMA_SUPPORT__NONE);
}

/* Score parts by hand. */
static void test_score_by_hand(void **state) {
  (void)state;
  nma_need n = {.type = NMA_FINANCE, .sector = "water", .amount = 3, .currency = "USD"};
  nma_rank r;
  nma_offer o = offer(9, NMA_FINANCE, "water", "africa", 1, "USD");
  assert_true(nma_score(&n, "africa", &o, &r));
  assert_int_equal(r.coverage, 6); /* 20 x 1/3 = 6.67, rounded down */
  assert_int_equal(r.score, 86);
  assert_int_equal(r.reasons, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_REGION | NMA_R_PARTIAL);
  o = offer(9, NMA_FINANCE, "energy", "asia-pacific", 5, "EUR");
  assert_true(nma_score(&n, "africa", &o, &r));
  assert_int_equal(r.score, 10);
  assert_int_equal(r.reasons, NMA_R_TYPE | NMA_R_NO_SECTOR | NMA_R_NO_REGION | NMA_R_CURRENCY);
  o = offer(9, NMA_TECHNOLOGY, "water", "africa", 5, "USD");
  assert_false(nma_score(&n, "africa", &o, &r)); /* another type: not ranked */
  /* a huge offer for a huge need never overflows */
  n.amount = INT64_MAX / 2;
  o = offer(9, NMA_FINANCE, "any", "any", INT64_MAX / 4, "USD");
  assert_true(nma_score(&n, "africa", &o, &r));
  assert_int_equal(r.coverage, 10);
  assert_int_equal(r.score, 90);
  for (unsigned f = 1; f <= NMA_R__LAST; f <<= 1) assert_non_null(nma_reason_str(f));
  assert_null(nma_reason_str(NMA_R__LAST << 1));
}

/* An African water and agriculture NMA against seven offers, ranked by hand:
 *   need 0: finance, water, 1,000,000 USD;  need 1: technology, agriculture, 500,000 USD
 *   offer 1  finance water/africa 2,000,000 USD        10+40+30+20 = 100 (need 0)
 *   offer 2  finance water/africa   500,000 USD        10+40+30+10 =  90
 *   offer 3  finance energy/africa 1,000,000 USD       10+ 0+30+20 =  60
 *   offer 4  finance water/asia-pacific 1,000,000 EUR  10+40+ 0+ 0 =  50 (currency)
 *   offer 5  technology agriculture/any, no amount     10+40+30+ 0 =  80 (need 1)
 *   offer 6  capacity-building                          not ranked
 *   offer 7  finance any/africa 2,000,000 USD          10+40+30+20 = 100 (tie: after offer 1)
 * Ranking: 1, 7, 2, 5, 3, 4. */
static void test_ranking_by_hand(void **state) {
  (void)state;
  nma_need needs[2] = {{.type = NMA_FINANCE, .sector = "water", .amount = 1000000, .currency = "USD"},
                       {.type = NMA_TECHNOLOGY, .sector = "agriculture", .amount = 500000, .currency = "USD"}};
  /* given in a scrambled order: the ranking must not depend on it */
  nma_offer offers[7] = {
      offer(4, NMA_FINANCE, "water", "asia-pacific", 1000000, "EUR"),
      offer(7, NMA_FINANCE, "any", "africa", 2000000, "USD"),
      offer(3, NMA_FINANCE, "energy", "africa", 1000000, "USD"),
      offer(6, NMA_CAPACITY, "water", "africa", 0, ""),
      offer(1, NMA_FINANCE, "water", "africa", 2000000, "USD"),
      offer(5, NMA_TECHNOLOGY, "agriculture", "any", 0, ""),
      offer(2, NMA_FINANCE, "water", "africa", 500000, "USD"),
  };
  nma_rank out[7];
  size_t n = nma_rank_offers(needs, 2, "africa", offers, 7, out);
  static const struct {
    int64_t offer;
    size_t need;
    int score;
    unsigned reasons;
  } want[] = {
      {1, 0, 100, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_REGION | NMA_R_FULL},
      {7, 0, 100, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_REGION | NMA_R_FULL},
      {2, 0, 90, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_REGION | NMA_R_PARTIAL},
      {5, 1, 80, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_REGION | NMA_R_NO_AMOUNT},
      {3, 0, 60, NMA_R_TYPE | NMA_R_NO_SECTOR | NMA_R_REGION | NMA_R_FULL},
      {4, 0, 50, NMA_R_TYPE | NMA_R_SECTOR | NMA_R_NO_REGION | NMA_R_CURRENCY},
  };
  assert_int_equal(n, COUNT(want));
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(out[i].offer, want[i].offer);
    assert_int_equal(out[i].need, want[i].need);
    assert_int_equal(out[i].score, want[i].score);
    assert_int_equal(out[i].reasons, want[i].reasons);
  }
  /* no needs, no offers: nothing ranked */
  assert_int_equal(nma_rank_offers(needs, 0, "africa", offers, 7, out), 0);
  assert_int_equal(nma_rank_offers(needs, 2, "africa", offers, 0, out), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_workflows),
      cmocka_unit_test(test_score_by_hand),
      cmocka_unit_test(test_ranking_by_hand),
  };
  return cmocka_run_group_tests_name("nma_match", tests, NULL, NULL);
}
