/*
 * cycle_int.h -- pieces of the project cycle (cycle.c) that programmes of
 * activities (poa.c) and public comment (voice.c) use inside their own
 * transactions. Internal to the service layer.
 */
#ifndef L6_SERVICE_CYCLE_INT_H
#define L6_SERVICE_CYCLE_INT_H

#include "cycle.h"
#include "mechanism.h"

/* svc_cycle_step inside the caller's transaction (no begin, finish or log
 * leaf): checks, the step, its record. */
l6_err svc__cycle_step_tx(l6_svc *s, const l6_actor *a, const l6_step_req *r, json_t **out, l6_error *err);

/* May a do step st of mechanism m for an activity of organisation org
 * hosted by host in scope (cycle.h's roles: a validator accredited for the
 * mechanism and scope and not of org, ...)? */
l6_err svc__cycle_may(l6_svc *s, const l6_mech *m, l6_step st, const l6_actor *a, l6_id org, const char *host,
                      const char *scope, l6_error *err);

/* Creates component p of a programme as a registered activity of org under
 * m (project status "registered"), and records the validator a's
 * inclusion check (step "inclusion", detail: borrowed) in its trail. */
l6_err svc__component_register(l6_svc *s, const l6_actor *a, const l6_mech *m, const l6_project *p, l6_id org,
                               const char *registry, const char *scope, const json_t *detail, l6_error *err);

#endif
