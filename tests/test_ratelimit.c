/*
 * test_ratelimit.c -- the token buckets of src/core/ratelimit.c: the rate
 * syntax, a burst then the refill rate, Retry-After, independent keys, and
 * a full table that reuses the bucket nearest to full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ratelimit.h"

#define S INT64_C(1000000) /* one second in microseconds */

static void test_parse(void **state) {
  (void)state;
  l6_rate r;
  char buf[40];
  assert_true(l6_rate_parse("50/s,500", &r));
  assert_int_equal(r.n, 50), assert_int_equal(r.per_s, 1), assert_int_equal(r.burst, 500);
  assert_true(l6_rate_parse("10/min", &r));
  assert_int_equal(r.n, 10), assert_int_equal(r.per_s, 60), assert_int_equal(r.burst, 10);
  assert_true(l6_rate_parse("3/h,7", &r));
  assert_int_equal(r.per_s, 3600), assert_int_equal(r.burst, 7);
  l6_rate_format(&r, buf, sizeof buf);
  assert_string_equal(buf, "3/h,7");
  assert_true(l6_rate_parse("off", &r));
  assert_int_equal(r.n, 0);
  l6_rate_format(&r, buf, sizeof buf);
  assert_string_equal(buf, "off");
  static const char *const bad[] = {"", "5", "0/s", "5/", "5/sec", "5/s,", "5/s,0", "-1/s", "5/s,3x", "1000001/s",
                                    "5/min,99999999", "/s", "5 /s", "OFF"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    r = (l6_rate){7, 7, 7};
    assert_false(l6_rate_parse(bad[i], &r));
    assert_int_equal(r.n, 7); /* untouched */
  }
}

/* 10/s with a burst of 5: five at once, then one every 100 ms. */
static void test_burst_then_rate(void **state) {
  (void)state;
  l6_bucket slots[16] = {0};
  l6_ratetab t;
  l6_ratetab_init(&t, (l6_rate){10, 1, 5}, slots, 16);
  int64_t now = 1000 * S;
  int retry = 0;
  for (int i = 0; i < 5; i++) assert_true(l6_ratetab_allow(&t, 42, now, true, NULL));
  assert_false(l6_ratetab_allow(&t, 42, now, true, &retry));
  assert_int_equal(retry, 1); /* 100 ms, rounded up to whole seconds */
  assert_false(l6_ratetab_allow(&t, 42, now + S / 10 - 1, true, NULL));
  assert_true(l6_ratetab_allow(&t, 42, now + S / 10, true, NULL));
  assert_false(l6_ratetab_allow(&t, 42, now + S / 10, true, NULL));
  /* Over 10 s, 100 more events and no more (the burst is spent at start). */
  int ok = 0;
  for (int64_t us = now + S / 10 + 1000; us <= now + S / 10 + 10 * S; us += 1000) ok += l6_ratetab_allow(&t, 42, us, true, NULL);
  assert_int_equal(ok, 100);
  /* A long pause refills to the burst, not beyond. */
  now += 3600 * S;
  for (int i = 0; i < 5; i++) assert_true(l6_ratetab_allow(&t, 42, now, true, NULL));
  assert_false(l6_ratetab_allow(&t, 42, now, true, NULL));
}

/* Retry-After: 6/min is one every 10 s. A look without take takes nothing. */
static void test_retry_after_and_peek(void **state) {
  (void)state;
  l6_bucket slots[8] = {0};
  l6_ratetab t;
  l6_ratetab_init(&t, (l6_rate){6, 60, 2}, slots, 8);
  int64_t now = 5 * S;
  int retry = 0;
  for (int i = 0; i < 10; i++) assert_true(l6_ratetab_allow(&t, 9, now, false, NULL));
  assert_true(l6_ratetab_allow(&t, 9, now, true, NULL));
  assert_true(l6_ratetab_allow(&t, 9, now, true, NULL));
  assert_false(l6_ratetab_allow(&t, 9, now, false, &retry));
  assert_int_equal(retry, 10);
  assert_false(l6_ratetab_allow(&t, 9, now + 4 * S, true, &retry));
  assert_int_equal(retry, 6);
  assert_true(l6_ratetab_allow(&t, 9, now + 10 * S, true, NULL));
}

/* Keys are independent; "off" allows everything. */
static void test_keys_and_off(void **state) {
  (void)state;
  l6_bucket slots[256] = {0};
  l6_ratetab t;
  l6_ratetab_init(&t, (l6_rate){1, 60, 1}, slots, 256);
  for (uint64_t k = 1; k <= 20; k++) assert_true(l6_ratetab_allow(&t, k, 0, true, NULL));
  for (uint64_t k = 1; k <= 20; k++) assert_false(l6_ratetab_allow(&t, k, 0, true, NULL));
  l6_ratetab off;
  l6_ratetab_init(&off, (l6_rate){0, 1, 0}, slots, 256);
  for (int i = 0; i < 1000; i++) assert_true(l6_ratetab_allow(&off, 5, 0, true, NULL));
}

/* A full table: a new key reuses the bucket nearest to full, so the
 * throttled keys stay throttled while keys that are full again go. */
static void test_full_table(void **state) {
  (void)state;
  l6_bucket slots[8] = {0};
  l6_ratetab t;
  l6_ratetab_init(&t, (l6_rate){1, 60, 2}, slots, 8);
  /* Keys 1..7: both tokens spent; key 8: one spent. */
  for (uint64_t k = 1; k <= 7; k++) {
    assert_true(l6_ratetab_allow(&t, k, 0, true, NULL));
    assert_true(l6_ratetab_allow(&t, k, 0, true, NULL));
  }
  assert_true(l6_ratetab_allow(&t, 8, 0, true, NULL));
  /* Key 100 takes key 8's slot (nearest to full). */
  assert_true(l6_ratetab_allow(&t, 100, 0, true, NULL));
  for (uint64_t k = 1; k <= 7; k++) assert_false(l6_ratetab_allow(&t, k, 0, false, NULL));
  int held = 0;
  for (size_t i = 0; i < 8; i++) held += slots[i].key == 8;
  assert_int_equal(held, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_burst_then_rate),
      cmocka_unit_test(test_retry_after_and_peek),
      cmocka_unit_test(test_keys_and_off),
      cmocka_unit_test(test_full_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
