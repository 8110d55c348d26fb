/*
 * calc.h -- methodology calculators for monitoring reports: small pure
 * functions from measured data to whole tonnes of CO2e. Integers only:
 * every input is a fixed-point integer whose unit and scale are in its
 * name (kg, kWh, "_e6" = x 10^6, "_bp" = basis points), so the same
 * report gives the same figure on every machine.
 *
 * Rounding: every result is rounded DOWN to whole tonnes (the
 * conservative choice of the CDM tools: a fraction of a tonne is never
 * credited) and is never negative (a period whose project emissions
 * exceed its baseline reduces nothing). The calculators give the
 * participant's reported figure; the verifier certifies a figure (at most
 * the reported one), and the certified figure is what gets issued.
 *
 * Inputs outside their documented range are refused (INVALID_VALUE); the
 * ranges keep every intermediate product below 2^127 and every result
 * below L6_MAX_QUANTITY.
 */
#ifndef L6_CALC_H
#define L6_CALC_H

#include <stddef.h>
#include <stdint.h>

#include "../errors.h"
#include "model.h"

/*
 * Grid-connected renewable electricity (after CDM ACM0002):
 *   ER = EG x EF_grid,CM
 * net_kwh            net electricity delivered to the grid in the period,
 *                    kWh (MWh x 10^3), 0..10^12
 * ef_cm_t_mwh_e6     combined-margin grid emission factor, t CO2 per MWh
 *                    x 10^6 (0.6532 t/MWh -> 653200), 0..3x10^6
 * Result: floor(net_kwh x ef / 10^9) t.
 */
l6_err calc_grid_renewable(int64_t net_kwh, int64_t ef_cm_t_mwh_e6, l6_qty *out, l6_error *err);

/*
 * Landfill gas or biogas methane destruction (after CDM ACM0001):
 *   ER = CH4_destroyed x GWP_CH4 - PE
 * ch4_kg       methane destroyed (flared or used), kg, 0..10^12
 * gwp_e1       global warming potential of methane x 10 (AR5: 28 -> 280;
 *              AR6: 27.9 -> 279), 1..10^4
 * pe_kg        project emissions (blowers, pumps, flare inefficiency
 *              already netted out), kg CO2e, 0..10^15
 * Result: floor((ch4_kg x gwp_e1 / 10 - pe_kg) / 1000) t, at least 0.
 */
l6_err calc_methane_destruction(int64_t ch4_kg, int64_t gwp_e1, int64_t pe_kg, l6_qty *out, l6_error *err);

/*
 * Improved cookstoves (after CDM AMS-II.G / Gold Standard TPDDTEC):
 *   ER = B_saved x EF_fuel x fNRB
 * fuel_saved_kg      woody biomass saved in the period, kg, 0..10^12
 * ef_t_t_e6          emission factor of the displaced fuel, t CO2 per t of
 *                    fuel x 10^6 (1.747 -> 1747000), 0..10^7
 * fnrb_bp            fraction of non-renewable biomass, basis points
 *                    (30 % -> 3000), 0..10000
 * Result: floor(fuel_saved_kg x ef x fnrb / 10^13) t.
 */
l6_err calc_cookstoves(int64_t fuel_saved_kg, int64_t ef_t_t_e6, int64_t fnrb_bp, l6_qty *out, l6_error *err);

/*
 * Afforestation / reforestation removals by stock change (after CDM
 * AR-ACM0003):
 *   net = (C_end - C_start) - baseline;  R = net x (1 - leakage)
 * stock_start_kg     carbon stock of the project area at the start of the
 *                    period, kg CO2e (t x 10^3), 0..10^15
 * stock_end_kg       the same at the end of the period, 0..10^15
 * baseline_kg        baseline net removals over the period, kg CO2e,
 *                    0..10^15
 * leakage_bp         leakage deduction, basis points of net, 0..10000
 * Result: floor(net x (10000 - leakage_bp) / 10^7) t when net > 0, else 0
 * (a stock that fell is a reversal, reported as such, not a negative
 * removal).
 */
l6_err calc_afforestation(int64_t stock_start_kg, int64_t stock_end_kg, int64_t baseline_kg, int64_t leakage_bp,
                          l6_qty *out, l6_error *err);

/*
 * Adaptation benefits (the adaptation benefits mechanism,
 * config/mechanisms/abm.json): certified adaptation benefits (CABs) are
 * counted in people whose resilience the project improved in the period,
 * the mechanism's headline indicator; the other adaptation indicators are
 * reported and verified with it (they stay on the period's record) but do
 * not change the count:
 * people_resilient   people with improved resilience, 0..10^9
 * hectares           hectares under climate-resilient management, 0..10^9
 * water_saved_m3     water saved, m3, 0..10^12
 * jobs               jobs created or sustained, 0..10^9
 * biodiversity_ha    hectares of habitat conserved or restored, 0..10^9
 * Result: people_resilient CABs.
 */
l6_err calc_adaptation_benefits(int64_t people_resilient, int64_t hectares, int64_t water_saved_m3, int64_t jobs,
                                int64_t biodiversity_ha, l6_qty *out, l6_error *err);

/* The calculators as a table, so a monitoring report can name one and
 * give its inputs by name. */
#define L6_CALC_MAX_INPUTS 5

typedef struct {
  const char *name; /* the input's name in a report ("net_kwh") */
  int64_t min, max; /* accepted range, inclusive */
} l6_calc_input;

typedef struct {
  const char *name; /* "grid-renewable", ... */
  size_t ninputs;
  l6_calc_input inputs[L6_CALC_MAX_INPUTS];
  /* Runs the calculator on in[0..ninputs), in the order of inputs[]. */
  l6_err (*run)(const int64_t *in, l6_qty *out, l6_error *err);
} l6_calc;

/* The calculator of this name, or NULL. */
const l6_calc *calc_find(const char *name);
/* The i-th calculator (NULL past the last), for listings. */
const l6_calc *calc_at(size_t i);

#endif
