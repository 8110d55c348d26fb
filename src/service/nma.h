/*
 * nma.h -- Article 6.8 non-market approaches: the NMA register, support
 * offers, matching and the match workflow, the support totals, and the
 * rule that non-offsetting units never serve an emissions claim. The
 * workflows and the ranking are the core's (src/core/nma.h); the lists
 * (focus areas, sectors, regions, instruments, stakeholder kinds, the
 * retirement purposes non-offsetting units allow) are config/nma.json.
 *
 * Requests come as the JSON object the API received (fields checked
 * strictly here: unknown ones refused). Roles:
 *  - a Party's focal point is the Party's authority role: it creates its
 *    NMAs, submits and withdraws them, accepts and closes their matches;
 *  - the platform secretariat (mechanism-admin, or admin) publishes;
 *  - support providers are holder organisations: they publish offers,
 *    accept matches of their offers and deliver with evidence;
 *  - the public reads published NMAs, open offers, matches and totals.
 */
#ifndef L6_SVC_NMA_H
#define L6_SVC_NMA_H

#include "service.h"

/* Loads config/nma.json (svc_load_config does it; optional file: without
 * it the NMA routes answer INVALID_CONFIG). */
l6_err svc_nma_load(const char *dir, l6_error *err);

l6_err svc_nma_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err);
/* step: "submit", "publish", "withdraw". */
l6_err svc_nma_step(l6_svc *s, const l6_actor *a, l6_id id, const char *step, json_t **out, l6_error *err);
/* Records a stakeholder's free, prior and informed consent on a draft:
 * {"stakeholder": name, "date": "YYYY-MM-DD", "sha256": document hash}. */
l6_err svc_nma_consent(l6_svc *s, const l6_actor *a, l6_id id, const json_t *in, json_t **out, l6_error *err);
l6_err svc_nma_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* party: "" for all. The public sees published NMAs; a focal point also
 * its own Party's; admin, auditor and mechanism-admin all. */
l6_err svc_nma_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

l6_err svc_offer_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err);
l6_err svc_offer_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_offer_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

/* The ranked open offers for a published NMA's needs, with reasons. */
l6_err svc_nma_ranking(l6_svc *s, const l6_actor *a, l6_id nma, json_t **out, l6_error *err);

/* {"nma", "offer", "need" (index), "amount"}: proposed by the NMA's focal
 * point or the offer's provider. */
l6_err svc_match_propose(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err);
/* step: "accept" (each side once), "deliver" ({"amount", "evidence"}:
 * the provider), "close" (the focal point). */
l6_err svc_match_step(l6_svc *s, const l6_actor *a, l6_id id, const char *step, const json_t *in, json_t **out,
                      l6_error *err);
l6_err svc_match_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_match_list(l6_svc *s, const l6_actor *a, l6_id nma, json_t **out, l6_error *err);

/* Support requested (needs of published NMAs), pledged (accepted,
 * delivered and closed matches) and delivered, per Party, focus area and
 * currency, with the gap (requested - pledged). Public. */
l6_err svc_nma_totals(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* The totals as CSV (malloc'd), NULL when out of memory. */
char *svc_nma_totals_csv(const json_t *totals);

/* ---- the adaptation marketplace (marketplace.c) ----
 * Listings of non-offsetting certificates (a CAB or forest conservation
 * project's units in a holding account, at a price per certificate in
 * minor units of an ISO 4217 currency), by the account's holder or admin.
 * A purchase, by the funder (holder of funder_account) or admin, records
 * the payment {amount = price x quantity, currency, payer, reference}
 * (there are no exchange cash accounts), moves the units from the
 * listing's account to the funder's and retires them in the funder's name
 * for "adaptation", in one store transaction (both transactions logged);
 * the reply names the retirement certificate. */
l6_err svc_listing_create(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err);
/* Public: the listings with the certificates each still has. */
l6_err svc_marketplace(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_purchase(l6_svc *s, const l6_actor *a, const json_t *in, json_t **out, l6_error *err);
/* Admin and auditor: every purchase; a holder: its organisation's. */
l6_err svc_purchase_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

#endif
