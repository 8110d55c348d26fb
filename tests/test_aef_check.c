/*
 * test_aef_check.c -- the AEF consistency checks of src/core/aef_check.c,
 * pure: a clean report passes every check, and for every check a case that
 * trips it (and only it) by changing one thing of the clean report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/a6.h"
#include "core/aef_check.h"

#define ID(serial) "CA0001-THA01-THA-" serial "-2026"

/* THA authorizes 1,000 ITMOs of vintages 2025-2026 for NDC use and OIMP,
 * timeframe 2025-2030; CHE's NDC runs 2021-2030. The clean books of CHE:
 * it acquires 100 and uses 60 for 2027; THA's: issuance and first
 * transfer of the same 100. */
static aef_check_auth auths[1];
static aef_check_action acts[5];
static const aef_check_ndc ndc = {2021, 2030};

static void clean(void) {
  auths[0] = (aef_check_auth){.id = 7, .party = "THA", .vintage_from = 2025, .vintage_to = 2026, .quantity = 1000,
                              .purposes = A6_P_NDC | A6_P_OIMP, .year_from = 2025, .year_to = 2030};
  acts[0] = (aef_check_action){.id = 1, .type = "Issuance", .party = "THA", .auth = 7, .approach = 1, .registry = "THA01",
                               .first_id = ID("000000001"), .last_id = ID("000000100"), .quantity = 100, .vintage = 2026,
                               .year = 2026};
  acts[1] = acts[0];
  acts[1].id = 2;
  acts[1].type = "First transfer";
  acts[2] = acts[0];
  acts[2].id = 3;
  acts[2].type = "Acquisition";
  acts[2].party = "CHE";
  acts[3] = acts[2];
  acts[3].id = 4;
  acts[3].type = "Use";
  acts[3].last_id = ID("000000060");
  acts[3].quantity = 60;
  acts[3].year = 2027;
  acts[4] = acts[3];
  acts[4].id = 5;
  acts[4].type = "Transfer";
  acts[4].first_id = ID("000000061");
  acts[4].last_id = ID("000000100");
  acts[4].quantity = 40;
}

/* Runs the checks; asserts exactly one finding, of check `want` (or none
 * when want is AEF_C__COUNT), and returns its message. */
static const char *run(aef_check_code want) {
  static aef_finding f[16];
  size_t n = aef_check_all(acts, 5, auths, 1, &ndc, f, 16);
  if (want == AEF_C__COUNT) {
    if (n != 0) fail_msg("want no finding, got %zu: %s: %s", n, AEF_CHECKS[f[0].check].code, f[0].message);
    return NULL;
  }
  if (n != 1) fail_msg("want one finding of %s, got %zu (first: %s)", AEF_CHECKS[want].code, n, n ? f[0].message : "-");
  assert_string_equal(AEF_CHECKS[f[0].check].code, AEF_CHECKS[want].code);
  return f[0].message;
}

static void test_clean(void **state) {
  (void)state;
  clean();
  run(AEF_C__COUNT);
}

static void test_catalogue(void **state) {
  (void)state;
  /* Every check has a distinct snake_case code and a description; the codes are stable. */
  static const char *const codes[AEF_C__COUNT] = {"identifier_format",
                                                  "identifier_duplicate",
                                                  "first_transfer_unauthorized",
                                                  "first_transfer_over_authorized",
                                                  "vintage_not_authorized",
                                                  "outside_authorized_timeframe",
                                                  "use_not_authorized_for_ndc",
                                                  "use_outside_ndc_period",
                                                  "used_not_acquired"};
  for (int i = 0; i < AEF_C__COUNT; i++) {
    assert_string_equal(AEF_CHECKS[i].code, codes[i]);
    assert_true(strlen(AEF_CHECKS[i].description) > 20);
  }
}

static void test_identifier_format(void **state) {
  (void)state;
  clean();
  acts[3].first_id = "CA0001-THA01-THA-1-2026"; /* not canonical (serial not zero-padded) */
  assert_non_null(strstr(run(AEF_C_IDENTIFIER_FORMAT), "is not a pair of ITMO identifiers"));
  clean();
  acts[3].last_id = "CA0001-THA01-THA-000000060-2025"; /* another vintage: not one block */
  assert_non_null(strstr(run(AEF_C_IDENTIFIER_FORMAT), "are not of one block"));
  clean();
  acts[4].approach = 2; /* the identifiers name CA0001 */
  assert_non_null(strstr(run(AEF_C_IDENTIFIER_FORMAT), "names approach CA0001"));
  clean();
  acts[4].quantity = 41; /* 61..100 is 40 */
  assert_non_null(strstr(run(AEF_C_IDENTIFIER_FORMAT), "is 40 ITMOs; the action says 41"));
}

static void test_identifier_duplicate(void **state) {
  (void)state;
  clean();
  acts[4].type = "Cancellation"; /* 61..100 cancelled: fine */
  run(AEF_C__COUNT);
  acts[4].first_id = ID("000000060"); /* 60 was used already */
  acts[4].quantity = 41;
  assert_non_null(strstr(run(AEF_C_IDENTIFIER_DUPLICATE), "repeats ITMOs of action 4 (Use)"));
}

static void test_first_transfer_unauthorized(void **state) {
  (void)state;
  clean();
  acts[1].auth = 8; /* no such authorization */
  acts[0].auth = 8;
  assert_non_null(strstr(run(AEF_C_FIRST_TRANSFER_UNAUTHORIZED), "has no authorization of THA"));
  clean();
  auths[0].party = "VNM"; /* another Party's authorization */
  assert_non_null(strstr(run(AEF_C_FIRST_TRANSFER_UNAUTHORIZED), "first transfer 2 of"));
}

static void test_first_transfer_over_authorized(void **state) {
  (void)state;
  clean();
  auths[0].quantity = 99;
  assert_non_null(strstr(run(AEF_C_FIRST_TRANSFER_OVER_AUTHORIZED), "100 ITMOs are first transferred under authorization 7"));
}

static void test_vintage_not_authorized(void **state) {
  (void)state;
  clean();
  auths[0].vintage_to = 2025;
  aef_finding f[16];
  size_t n = aef_check_all(acts, 5, auths, 1, &ndc, f, 16);
  assert_int_equal(n, 5); /* every action is of vintage 2026 */
  for (size_t i = 0; i < n; i++) assert_int_equal(f[i].check, AEF_C_VINTAGE_NOT_AUTHORIZED);
  assert_non_null(strstr(f[0].message, "vintage 2026 is outside authorization 7's 2025-2025"));
}

static void test_outside_timeframe(void **state) {
  (void)state;
  clean();
  auths[0].year_to = 2026; /* the use counts in 2027 */
  assert_non_null(strstr(run(AEF_C_OUTSIDE_TIMEFRAME), "action 4 (Use) in 2027 is outside"));
}

static void test_use_not_authorized_for_ndc(void **state) {
  (void)state;
  clean();
  auths[0].purposes = A6_P_OIMP;
  assert_non_null(strstr(run(AEF_C_USE_NOT_AUTHORIZED_FOR_NDC), "is not for use towards NDCs"));
}

/* An amendment after the first transfer: the ITMOs keep the terms then in
 * force (the action's `terms`), whatever the authorization says now. */
static void test_kept_terms(void **state) {
  (void)state;
  clean();
  auths[0].purposes = A6_P_OIMP; /* amended: no NDC use any more */
  run(AEF_C_USE_NOT_AUTHORIZED_FOR_NDC);
  aef_check_auth then = auths[0];
  then.purposes = A6_P_NDC;
  acts[3].terms = &then; /* the use's ITMOs were first transferred before the amendment */
  run(AEF_C__COUNT);
  then.year_to = 2026; /* and those terms are checked: the use in 2027 is outside them */
  assert_non_null(strstr(run(AEF_C_OUTSIDE_TIMEFRAME), "action 4 (Use) in 2027"));
}

static void test_use_outside_ndc_period(void **state) {
  (void)state;
  clean();
  acts[3].year = 2031;
  auths[0].year_to = 2031;
  assert_non_null(strstr(run(AEF_C_USE_OUTSIDE_NDC_PERIOD), "counts in 2031, outside the NDC period 2021-2030"));
}

static void test_used_not_acquired(void **state) {
  (void)state;
  clean();
  acts[2].type = "Transfer"; /* CHE acquired nothing, yet used 60 */
  assert_non_null(strstr(run(AEF_C_USED_NOT_ACQUIRED), "CHE used 60 ITMOs but acquired 0"));
}

static void test_cap(void **state) {
  (void)state;
  clean();
  auths[0].vintage_to = 2025; /* five findings */
  aef_finding f[2];
  assert_int_equal(aef_check_all(acts, 5, auths, 1, &ndc, f, 2), 5); /* counted, two written */
  assert_int_equal(f[1].action, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean),
      cmocka_unit_test(test_catalogue),
      cmocka_unit_test(test_identifier_format),
      cmocka_unit_test(test_identifier_duplicate),
      cmocka_unit_test(test_first_transfer_unauthorized),
      cmocka_unit_test(test_first_transfer_over_authorized),
      cmocka_unit_test(test_vintage_not_authorized),
      cmocka_unit_test(test_outside_timeframe),
      cmocka_unit_test(test_use_not_authorized_for_ndc),
      cmocka_unit_test(test_kept_terms),
      cmocka_unit_test(test_use_outside_ndc_period),
      cmocka_unit_test(test_used_not_acquired),
      cmocka_unit_test(test_cap),
  };
  return cmocka_run_group_tests_name("aef_check", tests, NULL, NULL);
}
