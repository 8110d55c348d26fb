/*
 * crit.h -- instrument eligibility criteria and integrity labels (issue 6,
 * item 1). A standard contract of the exchange lists unit types (at least
 * one), programmes (none = any), an optional project, a vintage range and
 * required labels; a seller delivers any eligible units, oldest vintage
 * first. Labels are defined in config/labels.json (loaded strictly):
 *   kind "batch": set on issuance batches by the admin (POST
 *     /v1/issuances/{id}/labels), kept with who, when and on what
 *     reference, never overwritten -- e.g. "ccp", the ICVCM Core Carbon
 *     Principles label;
 *   kind "rule": evaluated on the serials by code already in the registry:
 *     "oimp" (ITMOs authorized for OIMP, src/service/a6.c) and "corsia"
 *     (CORSIA eligibility of the contract's corsia_phase, config/corsia.json).
 * Non-offsetting unit types never satisfy any label (all are emissions
 * labels). docs/API.md "Instrument criteria and labels".
 */
#ifndef L6_CRIT_H
#define L6_CRIT_H

#include "service.h"

/* Loads dir/labels.json. A missing file defines no label (contracts asking
 * for one are refused, unknown_label); a malformed one is INVALID_CONFIG
 * naming file, key and reason. Process-wide, like CORSIA phases. */
l6_err svc_crit_load(const char *dir, l6_error *err);
/* GET /v1/labels: the label definitions (public). */
l6_err svc_crit_labels(l6_svc *s, json_t **out, l6_error *err);

/* POST /v1/issuances/{id}/labels (admin): sets label (a "batch" label of
 * config/labels.json) on batch with a reference (document or decision,
 * printable text, may be ""). UNKNOWN_BATCH, UNKNOWN_LABEL (also for a
 * "rule" label), ALREADY_EXISTS when the batch carries it already. */
l6_err svc_batch_label(l6_svc *s, const l6_actor *a, l6_id batch, const char *label, const char *reference,
                       json_t **out, l6_error *err);
/* GET /v1/issuances/{id}/labels (public, like issuances): the batch's labels. */
l6_err svc_batch_labels(l6_svc *s, l6_id batch, json_t **out, l6_error *err);

/* ---- for exchange.c and service.c (inside a store transaction) ---- */

/* The batch's labels as a JSON array of {label, actor, ts, reference}. */
l6_err crit__batch_labels_json(l6_svc *s, l6_id batch, json_t **out, l6_error *err);
/* Validates and canonicalises a contract's criteria (c->unit_types is the
 * full list, its first element becoming x->unit_type); x->code is set. */
l6_err crit__check(l6_svc *s, l6_ex_instrument *x, l6_crit *c, l6_error *err);
/* Whether c asks for more than l6_ex_instrument's own fields. */
bool crit__any(const l6_crit *c);
/* Adds "unit_types", "programmes", "labels" and "corsia_phase" to an
 * instrument's view. */
void crit__view(json_t *o, const l6_ex_instrument *x, const l6_crit *c);
/* Calls fn(ctx, lo, hi) for the sub-ranges of block b eligible under c
 * (unit type, programme, labels; the vintage range, project and batch are
 * exchange.c's), in serial order. */
l6_err crit__eligible(l6_svc *s, const l6_crit *c, const l6_block *b, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                      void *ctx, l6_error *err);

#endif
