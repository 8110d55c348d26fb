/*
 * poa.h -- programmes of activities (issue 20; docs/API.md "Programmes of
 * activities"). A mechanism whose file has "programmes" lets its
 * administrator register a programme once, with its coordinating entity
 * (an organisation), host Party, issuing registry and eligibility
 * criteria. The coordinating entity proposes component activities; a
 * validator accredited for the mechanism and the programme's scope makes
 * each one's inclusion check against the criteria: accepted, the component
 * becomes a registered activity of the coordinating entity (its own
 * project id, periods, batches and serials); a component that fails a
 * criterion cannot be accepted (422 inclusion_refused). Components are
 * then monitored, verified, requested and issued like any activity, one
 * by one or many in one request (svc_poa_steps: one transaction, all or
 * nothing).
 *
 * Seed 000 (the LDC report): "允许将微型和小型经核证的减排活动集中在一起(即把各种
 * 小型项目活动转变为一个活动方案)，以降低交易费用" -- micro and small activities
 * bundled into one programme of activities to lower transaction costs.
 *
 * Same contract as service.h: roles checked first, one transaction per
 * call, bodies read strictly (unknown members refused), new references
 * out.
 */
#ifndef L6_SERVICE_POA_H
#define L6_SERVICE_POA_H

#include <jansson.h>

#include "cycle.h"
#include "service.h"

/* POST /v1/poas (mechanism-admin): {code, mechanism, title,
 * coordinator, host, registry, criteria: {scope, kind, methodology, sector,
 * calculators, regions, max_annual, crediting_from?, crediting_to?}}. */
l6_err svc_poa_register(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err);
/* GET /v1/poas/{code} (public): the programme and its components. */
l6_err svc_poa_get(l6_svc *s, const l6_actor *a, const char *code, json_t **out, l6_error *err);
/* POST /v1/poas/{code}/components (the coordinating entity's
 * holder): {id, title, region, calculator, expected_annual,
 * crediting_start, crediting_end}; state "proposed". */
l6_err svc_poa_component_propose(l6_svc *s, const l6_actor *a, const char *code, const json_t *body, json_t **out,
                                 l6_error *err);
/* POST /v1/poas/{code}/components/{id}/inclusion (validator):
 * {decision: accept | reject, reasons}. Accept runs the check and
 * registers the component; reject (reasons required) excludes it. */
l6_err svc_poa_inclusion(l6_svc *s, const l6_actor *a, const char *code, const char *component, const json_t *body,
                         json_t **out, l6_error *err);
/* POST /v1/poas/{code}/steps: period steps (monitor, verify,
 * request, issue) of the programme's included components, reqs[0..n), in
 * one transaction; each as svc_cycle_step would do it. On the first
 * failure nothing is written and the message names the item. */
l6_err svc_poa_steps(l6_svc *s, const l6_actor *a, const char *code, const l6_step_req *reqs, size_t n, json_t **out,
                     l6_error *err);

#endif
