/*
 * test_levy.c -- the issuance arithmetic of src/core/levy.c: levies (share
 * of proceeds, OMGE, buffer) and bilateral splits.
 *
 * The acceptance criterion: for every N in 1..10,000, under every rounding
 * rule and a set of rate tables (PACM's 5 % + 2 %, a removal with a 20 %
 * buffer, odd rates, the extremes), the SOP, OMGE, buffer and forwarded
 * parts add up to N; every split of N adds up to N. On top of the sums,
 * each part is checked against the exact rational share the rule rounds
 * (computed here independently, in a different way: with a remainder
 * comparison instead of the library's switch), and a table of hand-computed
 * cases pins the rules down.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/levy.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define NMAX 10000

static const l6_rounding rules[] = {L6_ROUND_DOWN, L6_ROUND_UP, L6_ROUND_NEAREST, L6_ROUND_HALF_EVEN};

/* The reference share: the exact value n*bp/10000 is q + r/10000; the rule
 * picks q or q+1. Written from the rule's definition, not from levy.c. */
static l6_qty ref_share(l6_qty n, int bp, l6_rounding r) {
  long long num = (long long)n * bp, q = num / 10000, rem = num % 10000;
  if (rem == 0) return q;
  switch (r) {
  case L6_ROUND_DOWN: return q;
  case L6_ROUND_UP: return q + 1;
  case L6_ROUND_NEAREST: return rem * 2 < 10000 ? q : q + 1;
  case L6_ROUND_HALF_EVEN:
    if (rem * 2 < 10000) return q;
    if (rem * 2 > 10000) return q + 1;
    return q % 2 == 0 ? q : q + 1;
  default: fail_msg("bad rule"); return 0;
  }
}

static void test_rounding_names(void **state) {
  (void)state;
  static const char *const names[] = {"down", "up", "nearest", "half-even"};
  for (size_t i = 0; i < COUNT(rules); i++) {
    assert_string_equal(l6_rounding_str(rules[i]), names[i]);
    assert_int_equal(l6_rounding_from_str(names[i]), rules[i]);
  }
  assert_int_equal(l6_rounding_from_str("Down"), L6_ROUND__NONE);
  assert_int_equal(l6_rounding_from_str(""), L6_ROUND__NONE);
  assert_int_equal(l6_rounding_from_str(NULL), L6_ROUND__NONE);
  assert_string_equal(l6_rounding_str(L6_ROUND__NONE), "");
  assert_string_equal(l6_rounding_str((l6_rounding)99), "");
}

/* Hand-computed shares. */
static void test_share_by_hand(void **state) {
  (void)state;
  static const struct {
    l6_qty n;
    int bp;
    l6_qty down, up, nearest, half_even;
  } cases[] = {
      {1000, 500, 50, 50, 50, 50},       /* 5 % of 1,000: exact */
      {99, 500, 4, 5, 5, 5},             /* 4.95 */
      {99, 200, 1, 2, 2, 2},             /* 1.98 */
      {10, 500, 0, 1, 1, 0},             /* 0.5: half-even keeps the even 0 */
      {30, 500, 1, 2, 2, 2},             /* 1.5: half-even goes to the even 2 */
      {50, 500, 2, 3, 3, 2},             /* 2.5 */
      {1, 200, 0, 1, 0, 0},              /* 0.02 */
      {1, 10000, 1, 1, 1, 1},            /* all of it */
      {7, 0, 0, 0, 0, 0},                /* none of it */
      {1000000000000LL, 500, 50000000000LL, 50000000000LL, 50000000000LL, 50000000000LL},
      {999999999999LL, 3333, 333299999999LL, 333300000000LL, 333300000000LL, 333300000000LL}, /* .6667 */
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    assert_int_equal(levy_share(cases[i].n, cases[i].bp, L6_ROUND_DOWN), cases[i].down);
    assert_int_equal(levy_share(cases[i].n, cases[i].bp, L6_ROUND_UP), cases[i].up);
    assert_int_equal(levy_share(cases[i].n, cases[i].bp, L6_ROUND_NEAREST), cases[i].nearest);
    assert_int_equal(levy_share(cases[i].n, cases[i].bp, L6_ROUND_HALF_EVEN), cases[i].half_even);
  }
}

/* Hand-computed levies: PACM at 5 % SOP and 2 % OMGE, and a removal with
 * a 20 % buffer, including the cap on tiny issuances. */
static void test_levy_by_hand(void **state) {
  (void)state;
  static const struct {
    l6_qty n;
    int sop, omge, buffer;
    l6_rounding r;
    l6_qty want_sop, want_omge, want_buffer, want_rest;
  } cases[] = {
      {1000, 500, 200, 0, L6_ROUND_UP, 50, 20, 0, 930},
      {99, 500, 200, 0, L6_ROUND_UP, 5, 2, 0, 92},
      {99, 500, 200, 0, L6_ROUND_DOWN, 4, 1, 0, 94},
      {99, 500, 200, 0, L6_ROUND_NEAREST, 5, 2, 0, 92},
      {1, 500, 200, 0, L6_ROUND_UP, 1, 0, 0, 0},   /* SOP takes the only unit; OMGE is capped at 0 */
      {1, 500, 200, 0, L6_ROUND_DOWN, 0, 0, 0, 1}, /* nothing levied on one unit when rounding down */
      {2, 500, 200, 2000, L6_ROUND_UP, 1, 1, 0, 0},
      {12345, 500, 200, 2000, L6_ROUND_UP, 618, 247, 2469, 9011},
      {12345, 500, 200, 2000, L6_ROUND_DOWN, 617, 246, 2469, 9013},
      {12345, 500, 200, 2000, L6_ROUND_HALF_EVEN, 617, 247, 2469, 9012}, /* 617.25, 246.9, 2469 */
      {10, 10000, 0, 0, L6_ROUND_DOWN, 10, 0, 0, 0},
      {10, 0, 0, 0, L6_ROUND_UP, 0, 0, 0, 10},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    l6_levy_rule rule = {cases[i].sop, cases[i].omge, cases[i].buffer, cases[i].r};
    l6_levy_parts p;
    l6_error err;
    assert_int_equal(levy_apply(cases[i].n, &rule, &p, &err), L6_E_OK);
    if (p.sop != cases[i].want_sop || p.omge != cases[i].want_omge || p.buffer != cases[i].want_buffer ||
        p.rest != cases[i].want_rest)
      fail_msg("case %zu: got %lld/%lld/%lld/%lld", i, (long long)p.sop, (long long)p.omge, (long long)p.buffer,
               (long long)p.rest);
  }
}

/* The acceptance criterion: every N in 1..10,000, every rule, every rate
 * table; the parts sum to N, and each levy is the rule's rounding of its
 * exact share unless the cap (what is left) cut it. */
static void test_levy_sums_every_n(void **state) {
  (void)state;
  static const int tables[][3] = {
      {500, 200, 0},    /* PACM avoidance */
      {500, 200, 2000}, /* PACM removal with a 20 % buffer */
      {0, 0, 1500},     /* a voluntary standard: buffer only */
      {333, 77, 1234},  /* odd rates */
      {0, 0, 0},        /* no levies */
      {10000, 0, 0},    /* everything to the SOP */
      {3334, 3333, 3333}, /* everything levied, the sum exactly 100 % */
      {9999, 1, 0},
  };
  long checked = 0;
  for (size_t t = 0; t < COUNT(tables); t++)
    for (size_t k = 0; k < COUNT(rules); k++) {
      l6_levy_rule rule = {tables[t][0], tables[t][1], tables[t][2], rules[k]};
      for (l6_qty n = 1; n <= NMAX; n++) {
        l6_levy_parts p;
        l6_error err;
        if (levy_apply(n, &rule, &p, &err) != L6_E_OK) fail_msg("n=%lld: %s", (long long)n, err.message);
        if (p.sop < 0 || p.omge < 0 || p.buffer < 0 || p.rest < 0 || p.sop + p.omge + p.buffer + p.rest != n)
          fail_msg("table %zu rule %s n=%lld: %lld+%lld+%lld+%lld", t, l6_rounding_str(rules[k]), (long long)n,
                   (long long)p.sop, (long long)p.omge, (long long)p.buffer, (long long)p.rest);
        l6_qty left = n, want;
        want = ref_share(n, rule.sop_bp, rules[k]);
        want = want < left ? want : left;
        left -= want;
        assert_int_equal(p.sop, want);
        want = ref_share(n, rule.omge_bp, rules[k]);
        want = want < left ? want : left;
        left -= want;
        assert_int_equal(p.omge, want);
        want = ref_share(n, rule.buffer_bp, rules[k]);
        want = want < left ? want : left;
        left -= want;
        assert_int_equal(p.buffer, want);
        assert_int_equal(p.rest, left);
        checked++;
      }
    }
  assert_int_equal(checked, (long)COUNT(tables) * (long)COUNT(rules) * NMAX);
}

/* Splits: every N in 0..10,000 under every rule and share table sums to N,
 * and every share but the last is the rule's rounding of its exact share. */
static void test_split_sums_every_n(void **state) {
  (void)state;
  static const struct {
    size_t k;
    int bp[4];
  } tables[] = {
      {1, {10000}},                   /* one registry */
      {2, {5000, 5000}},              /* JCM-style halves */
      {2, {9000, 1000}},              /* the buyer takes 90 % */
      {2, {1, 9999}},
      {3, {3333, 3333, 3334}},
      {4, {2500, 2500, 2499, 2501}},
  };
  for (size_t t = 0; t < COUNT(tables); t++)
    for (size_t k = 0; k < COUNT(rules); k++)
      for (l6_qty n = 0; n <= NMAX; n++) {
        l6_qty out[4] = {-1, -1, -1, -1}, sum = 0, left = n;
        l6_error err;
        if (levy_split(n, tables[t].bp, tables[t].k, rules[k], out, &err) != L6_E_OK) fail_msg("%s", err.message);
        for (size_t i = 0; i < tables[t].k; i++) {
          assert_true(out[i] >= 0);
          sum += out[i];
          if (i + 1 < tables[t].k) {
            l6_qty want = ref_share(n, tables[t].bp[i], rules[k]);
            want = want < left ? want : left;
            assert_int_equal(out[i], want);
            left -= want;
          } else {
            assert_int_equal(out[i], left);
          }
        }
        if (sum != n) fail_msg("split %zu rule %s n=%lld sums to %lld", t, l6_rounding_str(rules[k]), (long long)n, (long long)sum);
      }
}

static void test_split_by_hand(void **state) {
  (void)state;
  l6_qty out[3];
  l6_error err;
  const int halves[] = {5000, 5000}, thirds[] = {3333, 3333, 3334};
  assert_int_equal(levy_split(3, halves, 2, L6_ROUND_NEAREST, out, &err), L6_E_OK);
  assert_int_equal(out[0], 2); /* 1.5 rounds up */
  assert_int_equal(out[1], 1);
  assert_int_equal(levy_split(5, halves, 2, L6_ROUND_HALF_EVEN, out, &err), L6_E_OK);
  assert_int_equal(out[0], 2); /* 2.5 goes to the even 2 */
  assert_int_equal(out[1], 3);
  assert_int_equal(levy_split(3, halves, 2, L6_ROUND_DOWN, out, &err), L6_E_OK);
  assert_int_equal(out[0], 1);
  assert_int_equal(out[1], 2);
  assert_int_equal(levy_split(100, thirds, 3, L6_ROUND_UP, out, &err), L6_E_OK);
  assert_int_equal(out[0], 34); /* 33.33 up */
  assert_int_equal(out[1], 34);
  assert_int_equal(out[2], 32);
  assert_int_equal(levy_split(1, thirds, 3, L6_ROUND_UP, out, &err), L6_E_OK);
  assert_int_equal(out[0], 1); /* the cap: the second share gets nothing */
  assert_int_equal(out[1], 0);
  assert_int_equal(out[2], 0);
  assert_int_equal(levy_split(0, halves, 2, L6_ROUND_UP, out, &err), L6_E_OK);
  assert_int_equal(out[0] + out[1], 0);
}

static void test_errors(void **state) {
  (void)state;
  l6_levy_parts p;
  l6_error err;
  l6_levy_rule ok = {500, 200, 0, L6_ROUND_UP};
  assert_int_equal(levy_apply(0, &ok, &p, &err), L6_E_INVALID_QUANTITY);
  assert_int_equal(levy_apply(-5, &ok, &p, &err), L6_E_INVALID_QUANTITY);
  assert_int_equal(levy_apply(L6_MAX_QUANTITY + 1, &ok, &p, &err), L6_E_QUANTITY_OVERFLOW);
  assert_int_equal(levy_apply(L6_MAX_QUANTITY, &ok, &p, &err), L6_E_OK);
  assert_int_equal(p.sop + p.omge + p.rest, L6_MAX_QUANTITY);
  l6_levy_rule bad[] = {{-1, 0, 0, L6_ROUND_UP},      {0, 10001, 0, L6_ROUND_UP}, {5000, 4000, 1001, L6_ROUND_UP},
                        {500, 200, 0, L6_ROUND__NONE}, {500, 200, 0, (l6_rounding)77}};
  for (size_t i = 0; i < COUNT(bad); i++) assert_int_equal(levy_apply(10, &bad[i], &p, &err), L6_E_INVALID_VALUE);
  l6_qty out[4];
  const int sum_low[] = {5000, 4999}, zero[] = {0, 10000}, neg[] = {-1, 10001}, four[] = {2500, 2500, 2500, 2500};
  assert_int_equal(levy_split(10, sum_low, 2, L6_ROUND_UP, out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(levy_split(10, zero, 2, L6_ROUND_UP, out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(levy_split(10, neg, 2, L6_ROUND_UP, out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(levy_split(10, four, 0, L6_ROUND_UP, out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(levy_split(10, four, 4, L6_ROUND__NONE, out, &err), L6_E_INVALID_VALUE);
  assert_int_equal(levy_split(-1, four, 4, L6_ROUND_UP, out, &err), L6_E_INVALID_QUANTITY);
  assert_int_equal(levy_split(L6_MAX_QUANTITY + 1, four, 4, L6_ROUND_UP, out, &err), L6_E_QUANTITY_OVERFLOW);
  assert_int_equal(levy_split(L6_MAX_QUANTITY, four, 4, L6_ROUND_UP, out, &err), L6_E_OK);
  assert_int_equal(out[0] + out[1] + out[2] + out[3], L6_MAX_QUANTITY);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rounding_names),    cmocka_unit_test(test_share_by_hand),
      cmocka_unit_test(test_levy_by_hand),      cmocka_unit_test(test_levy_sums_every_n),
      cmocka_unit_test(test_split_sums_every_n), cmocka_unit_test(test_split_by_hand),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests_name("levy", tests, NULL, NULL);
}
