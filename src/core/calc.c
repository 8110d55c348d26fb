/* calc.c -- methodology calculators. Pure; see calc.h. */
#include "calc.h"

#include <string.h>

/* 128-bit intermediates: products of three 10^12-scale inputs overflow
 * int64. __extension__ keeps -Wpedantic quiet about the GNU type, which
 * gcc and clang both provide on every 64-bit target we build for. */
__extension__ typedef __int128 wide;

static l6_err in_range(const char *name, int64_t v, int64_t min, int64_t max, l6_error *err) {
  if (v < min || v > max)
    return l6_fail(err, L6_E_INVALID_VALUE, "input %s is %lld; it must be %lld..%lld", name, (long long)v,
                   (long long)min, (long long)max);
  return L6_E_OK;
}

#define CHECK(name, v, lo, hi)                                              \
  do {                                                                      \
    l6_err e_ = in_range((name), (v), (lo), (hi), err);                     \
    if (e_ != L6_E_OK) return e_;                                           \
  } while (0)

/* floor(num / den) for num >= 0, den > 0, clamped to the batch limit. */
static l6_err tonnes(wide num, wide den, l6_qty *out, l6_error *err) {
  wide t = num > 0 ? num / den : 0;
  if (t > L6_MAX_QUANTITY) return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "the result exceeds %lld t", (long long)L6_MAX_QUANTITY);
  *out = (l6_qty)t;
  return L6_E_OK;
}

#define E12 1000000000000LL
#define E15 1000000000000000LL

l6_err calc_grid_renewable(int64_t net_kwh, int64_t ef, l6_qty *out, l6_error *err) {
  *out = 0;
  CHECK("net_kwh", net_kwh, 0, E12);
  CHECK("ef_cm_t_mwh_e6", ef, 0, 3000000);
  return tonnes((wide)net_kwh * ef, 1000000000, out, err);
}

l6_err calc_methane_destruction(int64_t ch4_kg, int64_t gwp_e1, int64_t pe_kg, l6_qty *out, l6_error *err) {
  *out = 0;
  CHECK("ch4_kg", ch4_kg, 0, E12);
  CHECK("gwp_e1", gwp_e1, 1, 10000);
  CHECK("pe_kg", pe_kg, 0, E15);
  /* In tenths of a kg: CH4 x GWP x 10 - PE x 10, then / 10^4. */
  return tonnes((wide)ch4_kg * gwp_e1 - (wide)pe_kg * 10, 10000, out, err);
}

l6_err calc_cookstoves(int64_t fuel_saved_kg, int64_t ef, int64_t fnrb_bp, l6_qty *out, l6_error *err) {
  *out = 0;
  CHECK("fuel_saved_kg", fuel_saved_kg, 0, E12);
  CHECK("ef_t_t_e6", ef, 0, 10000000);
  CHECK("fnrb_bp", fnrb_bp, 0, 10000);
  return tonnes((wide)fuel_saved_kg * ef * fnrb_bp, (wide)10000000000000LL, out, err);
}

l6_err calc_afforestation(int64_t stock_start_kg, int64_t stock_end_kg, int64_t baseline_kg, int64_t leakage_bp,
                          l6_qty *out, l6_error *err) {
  *out = 0;
  CHECK("stock_start_kg", stock_start_kg, 0, E15);
  CHECK("stock_end_kg", stock_end_kg, 0, E15);
  CHECK("baseline_kg", baseline_kg, 0, E15);
  CHECK("leakage_bp", leakage_bp, 0, 10000);
  wide net = (wide)stock_end_kg - stock_start_kg - baseline_kg;
  return tonnes(net * (10000 - leakage_bp), 10000000, out, err);
}

l6_err calc_adaptation_benefits(int64_t people_resilient, int64_t hectares, int64_t water_saved_m3, int64_t jobs,
                                int64_t biodiversity_ha, l6_qty *out, l6_error *err) {
  *out = 0;
  CHECK("people_resilient", people_resilient, 0, 1000000000);
  CHECK("hectares", hectares, 0, 1000000000);
  CHECK("water_saved_m3", water_saved_m3, 0, E12);
  CHECK("jobs", jobs, 0, 1000000000);
  CHECK("biodiversity_ha", biodiversity_ha, 0, 1000000000);
  return tonnes(people_resilient, 1, out, err);
}

static l6_err run_grid(const int64_t *in, l6_qty *out, l6_error *err) { return calc_grid_renewable(in[0], in[1], out, err); }
static l6_err run_methane(const int64_t *in, l6_qty *out, l6_error *err) {
  return calc_methane_destruction(in[0], in[1], in[2], out, err);
}
static l6_err run_cook(const int64_t *in, l6_qty *out, l6_error *err) { return calc_cookstoves(in[0], in[1], in[2], out, err); }
static l6_err run_ar(const int64_t *in, l6_qty *out, l6_error *err) {
  return calc_afforestation(in[0], in[1], in[2], in[3], out, err);
}

static l6_err run_adapt(const int64_t *in, l6_qty *out, l6_error *err) {
  return calc_adaptation_benefits(in[0], in[1], in[2], in[3], in[4], out, err);
}

static const l6_calc calcs[] = {
    {"grid-renewable", 2, {{"net_kwh", 0, E12}, {"ef_cm_t_mwh_e6", 0, 3000000}}, run_grid},
    {"methane-destruction", 3, {{"ch4_kg", 0, E12}, {"gwp_e1", 1, 10000}, {"pe_kg", 0, E15}}, run_methane},
    {"cookstoves", 3, {{"fuel_saved_kg", 0, E12}, {"ef_t_t_e6", 0, 10000000}, {"fnrb_bp", 0, 10000}}, run_cook},
    {"afforestation",
     4,
     {{"stock_start_kg", 0, E15}, {"stock_end_kg", 0, E15}, {"baseline_kg", 0, E15}, {"leakage_bp", 0, 10000}},
     run_ar},
    {"adaptation-benefits",
     5,
     {{"people_resilient", 0, 1000000000},
      {"hectares", 0, 1000000000},
      {"water_saved_m3", 0, E12},
      {"jobs", 0, 1000000000},
      {"biodiversity_ha", 0, 1000000000}},
     run_adapt},
};

const l6_calc *calc_find(const char *name) {
  if (name == NULL) return NULL;
  for (size_t i = 0; i < sizeof calcs / sizeof calcs[0]; i++)
    if (strcmp(calcs[i].name, name) == 0) return &calcs[i];
  return NULL;
}

const l6_calc *calc_at(size_t i) { return i < sizeof calcs / sizeof calcs[0] ? &calcs[i] : NULL; }
