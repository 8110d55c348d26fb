/*
 * proposal.h -- four eyes, trusted accounts and transfer delays (issue 15;
 * docs/DESIGN.md, "Proposals and holds"; docs/API.md, "Four eyes, trusted
 * accounts and transfer delays").
 *
 * The anchor is the EU Union Registry: a transaction proposed by one
 * authorised representative is approved by another; a transfer to an
 * account outside the holder's trusted account list is executed only after
 * a delay (26 hours) during which it can be cancelled; an account added to
 * the trusted list becomes usable only after an activation delay.
 *
 * Each registry has an approval policy (data, PUT by an administrator):
 * which requests need a second person, how long a proposal lives, the
 * delay of a transfer to an untrusted account and the activation delay of
 * a trusted account. svc_move asks the policy (svc__proposal_gate) before
 * it moves anything: a covered request becomes a proposal (HTTP 202) and
 * its serials move, in the same transaction, into the registry's hold
 * account, so they cannot be spent twice. Approval, rejection,
 * cancellation, expiry and the end of a delay move them back (each a
 * transaction in the transparency log); approval and the end of a delay
 * then run the original request, in the same store transaction, through
 * every check of svc_move again; a refusal leaves the proposal "failed"
 * with the reason and the units returned.
 */
#ifndef L6_SVC_PROPOSAL_H
#define L6_SVC_PROPOSAL_H

#include "service.h"

/* GET /v1/registries/{code}/approval-policy: the policy (defaults when
 * none was set: nothing needs approval, no delay). Any reader. */
l6_err svc_policy_get(l6_svc *s, const l6_actor *a, const char *registry, json_t **out, l6_error *err);
/* PUT: replaces the policy (body is the closed object of docs/API.md);
 * the first PUT opens the registry's hold account. Administrator. */
l6_err svc_policy_put(l6_svc *s, const l6_actor *a, const char *registry, const json_t *body, json_t **out,
                      l6_error *err);

/* GET /v1/proposals: filters may be ""/0. A holder sees its own
 * organisation's proposals only; administrators and auditors every one. */
l6_err svc_proposal_list(l6_svc *s, const l6_actor *a, const char *state, l6_id org, l6_id account,
                         const l6_page *pg, json_t **out, l6_error *err);
l6_err svc_proposal_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* POST /v1/proposals/{id}/approve and /reject: a pending proposal, by
 * another person (SELF_APPROVAL for its proposer) who is a holder of the
 * proposal's organisation or an administrator. Approval runs the request
 * (state executed or failed) or, when its destination is untrusted, starts
 * its delay (state delayed). */
l6_err svc_proposal_approve(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_proposal_reject(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* POST /v1/proposals/{id}/cancel: a pending or delayed proposal, by a
 * holder of its organisation (the proposer included) or an administrator. */
l6_err svc_proposal_cancel(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);

/* The clock: expires every pending proposal past its lifetime and runs
 * every delayed one whose delay ended (each in its own transaction), at
 * the service clock's now. *done (may be NULL): how many it acted on.
 * `serve` calls it every second; the reads above and svc_holdings call it
 * first, so a late tick is never visible. */
l6_err svc_proposals_tick(l6_svc *s, int *done, l6_error *err);
/* The tick, only when a reader's snapshot shows something due (reads call it). */
l6_err svc__proposals_tick_if_due(l6_svc *s, l6_error *err);

/* GET/POST/DELETE /v1/accounts/{id}/trusted: the account's trusted list.
 * Adding: a holder of the account's organisation or an administrator; the
 * entry is active after the registry's trusted_activation_hours. */
l6_err svc_trusted_list(l6_svc *s, const l6_actor *a, l6_id account, json_t **out, l6_error *err);
l6_err svc_trusted_add(l6_svc *s, const l6_actor *a, l6_id account, l6_id trusted, json_t **out, l6_error *err);
l6_err svc_trusted_remove(l6_svc *s, const l6_actor *a, l6_id account, l6_id trusted, json_t **out, l6_error *err);

#endif
