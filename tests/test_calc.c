/*
 * test_calc.c -- the methodology calculators of src/core/calc.c against
 * values computed by hand (each case says how), their rounding (down to
 * whole tonnes, never negative), their input ranges, and the table the
 * monitoring report uses to find them by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/calc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static l6_qty grid(int64_t kwh, int64_t ef) {
  l6_qty t = -1;
  l6_error err;
  assert_int_equal(calc_grid_renewable(kwh, ef, &t, &err), L6_E_OK);
  return t;
}

static void test_grid_renewable(void **state) {
  (void)state;
  /* A 50 MW wind farm: 120,000 MWh at a combined margin of 0.6532 t/MWh:
   * 120,000 x 0.6532 = 78,384 t exactly. */
  assert_int_equal(grid(120000000, 653200), 78384);
  /* Half a MWh more: 120,000.5 x 0.6532 = 78,384.3266 -> 78,384. */
  assert_int_equal(grid(120000500, 653200), 78384);
  /* 1,530 kWh at 0.9 t/MWh = 1.377 t -> 1; 999 kWh at 1.0 t/MWh = 0.999 t -> 0. */
  assert_int_equal(grid(1530, 900000), 1);
  assert_int_equal(grid(999, 1000000), 0);
  assert_int_equal(grid(1000, 1000000), 1);
  /* A hydro plant in a clean grid: 1 TWh at 0.0105 t/MWh = 10,500 t. */
  assert_int_equal(grid(1000000000, 10500), 10500);
  assert_int_equal(grid(0, 653200), 0);
  /* The extremes: 10^12 kWh at 3 t/MWh = 3 x 10^9 t. */
  assert_int_equal(grid(1000000000000LL, 3000000), 3000000000LL);
}

static l6_qty ch4(int64_t kg, int64_t gwp, int64_t pe) {
  l6_qty t = -1;
  l6_error err;
  assert_int_equal(calc_methane_destruction(kg, gwp, pe, &t, &err), L6_E_OK);
  return t;
}

static void test_methane(void **state) {
  (void)state;
  /* A landfill flare: 1,000 t CH4 x GWP 28 = 28,000 t, minus 150 t of
   * project emissions = 27,850 t. */
  assert_int_equal(ch4(1000000, 280, 150000), 27850);
  /* With the AR6 GWP 27.9: 27,900 - 150 = 27,750 t. */
  assert_int_equal(ch4(1000000, 279, 150000), 27750);
  /* A farm digester: 12,345 kg x 28 = 345,660 kg, minus 660 kg = 345,000 kg = 345 t. */
  assert_int_equal(ch4(12345, 280, 660), 345);
  /* 35 kg x 28 = 980 kg = 0.98 t -> 0. */
  assert_int_equal(ch4(35, 280, 0), 0);
  /* 36 kg x 28 = 1,008 kg -> 1 t; with 9 kg of project emissions 0.999 t -> 0. */
  assert_int_equal(ch4(36, 280, 0), 1);
  assert_int_equal(ch4(36, 280, 9), 0);
  /* Project emissions above the destroyed methane: nothing, not negative. */
  assert_int_equal(ch4(1000, 280, 10000000), 0);
  /* The extremes: 10^12 kg x 1,000 = 10^12 t. */
  assert_int_equal(ch4(1000000000000LL, 10000, 0), 1000000000000LL);
}

static l6_qty cook(int64_t kg, int64_t ef, int64_t fnrb) {
  l6_qty t = -1;
  l6_error err;
  assert_int_equal(calc_cookstoves(kg, ef, fnrb, &t, &err), L6_E_OK);
  return t;
}

static void test_cookstoves(void **state) {
  (void)state;
  /* 5,000 stoves saving 1.2 t of wood each = 6,000 t, EF 1.747 t CO2/t,
   * fNRB 30 %: 6,000 x 1.747 x 0.3 = 3,144.6 -> 3,144 t. */
  assert_int_equal(cook(6000000, 1747000, 3000), 3144);
  /* fNRB 0: renewable biomass, nothing credited. */
  assert_int_equal(cook(6000000, 1747000, 0), 0);
  /* 1 t of wood, EF 1.0, fNRB 100 % = 1 t; 999 kg = 0.999 t -> 0. */
  assert_int_equal(cook(1000, 1000000, 10000), 1);
  assert_int_equal(cook(999, 1000000, 10000), 0);
  /* Charcoal, EF 6.0 t/t (illustrative), 2,500 kg, fNRB 85 %:
   * 2.5 x 6 x 0.85 = 12.75 -> 12. */
  assert_int_equal(cook(2500, 6000000, 8500), 12);
  /* The extremes overflow 64 bits inside (10^12 x 10^7 x 10^4 = 10^23):
   * 10^9 t x 10 x 1 = 10^10 t. */
  assert_int_equal(cook(1000000000000LL, 10000000, 10000), 10000000000LL);
}

static l6_qty ar(int64_t start, int64_t end, int64_t baseline, int64_t leak) {
  l6_qty t = -1;
  l6_error err;
  assert_int_equal(calc_afforestation(start, end, baseline, leak, &t, &err), L6_E_OK);
  return t;
}

static void test_afforestation(void **state) {
  (void)state;
  /* Stock 10,000 t -> 25,000 t, baseline 1,000 t, leakage 5 %:
   * (15,000 - 1,000) x 0.95 = 13,300 t. */
  assert_int_equal(ar(10000000, 25000000, 1000000, 500), 13300);
  /* 1,234.567 t of new stock, leakage 10 %: 1,111.1103 -> 1,111. */
  assert_int_equal(ar(0, 1234567, 0, 1000), 1111);
  /* A fire: the stock fell. Nothing is removed (the loss is a reversal). */
  assert_int_equal(ar(25000000, 20000000, 0, 0), 0);
  /* Growth below the baseline: nothing. */
  assert_int_equal(ar(0, 500000, 600000, 0), 0);
  /* Full leakage: nothing. */
  assert_int_equal(ar(0, 5000000, 0, 10000), 0);
  /* The extremes: 10^15 kg = 10^12 t. */
  assert_int_equal(ar(0, 1000000000000000LL, 0, 0), 1000000000000LL);
}

static void test_ranges(void **state) {
  (void)state;
  l6_qty t;
  l6_error err;
  assert_int_equal(calc_grid_renewable(-1, 1, &t, &err), L6_E_INVALID_VALUE);
  assert_non_null(strstr(err.message, "net_kwh"));
  assert_int_equal(calc_grid_renewable(1000000000001LL, 1, &t, &err), L6_E_INVALID_VALUE);
  assert_int_equal(calc_grid_renewable(1, 3000001, &t, &err), L6_E_INVALID_VALUE);
  assert_non_null(strstr(err.message, "ef_cm_t_mwh_e6"));
  assert_int_equal(calc_methane_destruction(1, 0, 0, &t, &err), L6_E_INVALID_VALUE);
  assert_non_null(strstr(err.message, "gwp_e1"));
  assert_int_equal(calc_methane_destruction(1, 280, -1, &t, &err), L6_E_INVALID_VALUE);
  assert_int_equal(calc_cookstoves(1, 1, 10001, &t, &err), L6_E_INVALID_VALUE);
  assert_non_null(strstr(err.message, "fnrb_bp"));
  assert_int_equal(calc_cookstoves(1, -1, 1, &t, &err), L6_E_INVALID_VALUE);
  assert_int_equal(calc_afforestation(0, 1, 0, -1, &t, &err), L6_E_INVALID_VALUE);
  assert_int_equal(calc_afforestation(0, 1000000000000001LL, 0, 0, &t, &err), L6_E_INVALID_VALUE);
  assert_non_null(strstr(err.message, "stock_end_kg"));
}

/* The table: every calculator by name, its inputs in its function's order,
 * and running through the table gives what the direct call gives. */
static void test_table(void **state) {
  (void)state;
  static const char *const names[] = {"grid-renewable", "methane-destruction", "cookstoves", "afforestation",
                                      "adaptation-benefits"};
  size_t n = 0;
  while (calc_at(n)) n++;
  assert_int_equal(n, COUNT(names));
  for (size_t i = 0; i < COUNT(names); i++) {
    const l6_calc *c = calc_find(names[i]);
    assert_non_null(c);
    assert_ptr_equal(c, calc_at(i));
    assert_true(c->ninputs >= 2 && c->ninputs <= L6_CALC_MAX_INPUTS);
    for (size_t k = 0; k < c->ninputs; k++) assert_true(c->inputs[k].min <= c->inputs[k].max);
  }
  assert_null(calc_find("grid"));
  assert_null(calc_find(NULL));
  l6_qty t;
  l6_error err;
  const int64_t g[] = {120000000, 653200}, m[] = {1000000, 280, 150000}, k[] = {6000000, 1747000, 3000},
                a[] = {10000000, 25000000, 1000000, 500};
  assert_int_equal(calc_find("grid-renewable")->run(g, &t, &err), L6_E_OK);
  assert_int_equal(t, 78384);
  assert_int_equal(calc_find("methane-destruction")->run(m, &t, &err), L6_E_OK);
  assert_int_equal(t, 27850);
  assert_int_equal(calc_find("cookstoves")->run(k, &t, &err), L6_E_OK);
  assert_int_equal(t, 3144);
  assert_int_equal(calc_find("afforestation")->run(a, &t, &err), L6_E_OK);
  assert_int_equal(t, 13300);
  /* Input names as documented. */
  assert_string_equal(calc_find("grid-renewable")->inputs[0].name, "net_kwh");
  assert_string_equal(calc_find("afforestation")->inputs[3].name, "leakage_bp");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grid_renewable), cmocka_unit_test(test_methane), cmocka_unit_test(test_cookstoves),
      cmocka_unit_test(test_afforestation),  cmocka_unit_test(test_ranges),  cmocka_unit_test(test_table),
  };
  return cmocka_run_group_tests_name("calc", tests, NULL, NULL);
}
