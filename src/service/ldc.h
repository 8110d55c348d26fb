/*
 * ldc.h -- issue 20 items 3 and 4 (mech_ldc.c): safeguards answered at
 * registration, SD indicators on monitoring reports, fees with relief for
 * LDC and SIDS hosts, and the fee report. Used by cycle.c (the steps),
 * the API and the CLI (the report).
 */
#ifndef L6_SERVICE_LDC_H
#define L6_SERVICE_LDC_H

#include <jansson.h>

#include "cycle.h"
#include "mechanism.h"

/* The register step's answers (a JSON object of booleans by item code;
 * NULL: none given) checked against m's checklist: every item answered,
 * must_hold items true, no unknown items. *rec: the answers to record
 * (new reference; NULL when m asks none). SAFEGUARDS_INCOMPLETE when an
 * item is missing or a must_hold item is false; INVALID_VALUE (unknown
 * item, or answers where none are asked); WRONG_TYPE. */
l6_err ldc_safeguards(const l6_mech *m, const json_t *answers, json_t **rec, l6_error *err);

/* The monitor step's SD indicator values (object of integers 0..10^12 by
 * code), as ldc_safeguards: SD_INDICATORS_INCOMPLETE when one is missing. */
l6_err ldc_sd_indicators(const l6_mech *m, const json_t *values, json_t **rec, l6_error *err);

/* Invoices (JSON array, new reference; NULL when m has no fees) of a
 * registration of an activity hosted by host, and of an issuance of q
 * units (first: the activity's first issuance, when a deferred
 * registration fee falls due). Each invoice: {fee, party, currency,
 * amount, relief ("none", "waived", "deferred"), group (the country group
 * that gave the relief, or absent), due}; an issuance's also has units and
 * tiers, a deferred fee now due "deferred": true. INVALID_CONFIG when a
 * relief names a group config/country-groups.json lacks. */
l6_err ldc_registration_invoices(const l6_mech *m, const char *host, json_t **out, l6_error *err);
l6_err ldc_issuance_invoices(const l6_mech *m, const char *host, l6_qty q, bool first, json_t **out, l6_error *err);

/* The fee report of a host Party (public): every invoice recorded in the
 * cycles of its activities, with totals per currency.
 * {party, invoices: [...], totals: {CUR: {due, waived, deferred,
 * deferred_outstanding}}}. BAD_PARAM for a malformed party. */
l6_err svc_fee_report(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

/* One page of the public SD indicator file (sd-indicators.csv): the
 * monitoring reports with SD indicators of up to limit activities after
 * project `after`, each {project, mechanism, host, period, step, ts,
 * blocks: [{indicator, unit, value}]}, and "next" (the last project) when
 * more activities may follow. Public; on a reader view. */
l6_err svc_sd_page(l6_svc *s, const char *after, int limit, json_t **out, l6_error *err);

/* The same for safeguards.csv: the accepted registrations that answered a
 * safeguards checklist, each {project, mechanism, host, step, ts, blocks:
 * [{safeguard, must_hold, answer}]} (must_hold from the mechanism file as
 * loaded; answer true or false). */
l6_err svc_safeguards_page(l6_svc *s, const char *after, int limit, json_t **out, l6_error *err);

/* The steps' parts (cycle.c): each adds its members to the step record's
 * detail. register (accept): "safeguards" and the registration "invoices";
 * monitor: "sd_indicators"; issue (accept, after the issuance recorded
 * "quantity"): the issuance "invoices". */
l6_err ldc_register(const l6_mech *m, const l6_step_req *r, const char *host, json_t *detail, l6_error *err);
l6_err ldc_monitor(const l6_mech *m, const l6_step_req *r, json_t *detail, l6_error *err);
l6_err ldc_issue(const l6_mech *m, const char *host, bool first, json_t *detail, l6_error *err);

/* Benefit sharing (issue 20 item 5, benefit.c): the report of a host
 * Party (public): {party, issuances: [{project, period, step_id, ts, to,
 * bp, quantity, account, transaction}], shares: {"host-community",
 * "host-government"} (units in total), sales: [per currency {currency,
 * minor_units, host_sales: {qty, value, fees}, resales: {qty, value}}]}.
 * BAD_PARAM for a malformed party. */
l6_err svc_benefit_report(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

/* ex_benefit.c: the exchange trades of instruments of projects hosted by
 * party, appended to items per currency as in svc_benefit_report's
 * "sales"; in the caller's transaction. */
l6_err ex_benefit_sales(l6_svc *s, const char *party, json_t *items, l6_error *err);

#endif
