/*
 * link_a6.h -- Article 6 across links (issue 19 item 4; docs/LINKS.md,
 * "Article 6 across links"): the ITMOs a link transfer carries, the
 * receiver's checks, the sender's first transfer and corresponding
 * adjustment when the transfer is accepted, the receiver's acquisition.
 * Every call runs inside the caller's store transaction (link.c).
 */
#ifndef L6_SVC_LINK_A6_H
#define L6_SVC_LINK_A6_H

#include <jansson.h>
#include <stddef.h>

#include "service.h"

/* The sender, building a proposal: appends to `itmos` every ITMO range
 * (held, authorization not revoked before its first transfer) inside
 * serials [first, last] of local batch `batch` (the proposal's range idx),
 * and to `auths` its authorization's terms under its reference
 * ("THA01:7": the registry that made the authorization and its id there). */
l6_err link_a6_export(l6_svc *s, const char *registry, size_t idx, l6_id batch, int64_t first, int64_t last,
                      json_t *itmos, json_t *auths, l6_error *err);

/* The receiver, before anything is booked: *code NULL when the proposal's
 * ITMOs may be acquired by my_party in `year`; else "L08" (malformed),
 * "L10" (a first transfer to a Party the authorization does not cover) or
 * "L11" (a first transfer outside the authorization's timeframe), with
 * the reason in detail. */
l6_err link_a6_check(l6_svc *s, const char *registry, const json_t *msg, const char *my_party, int year,
                     const char **code, char *detail, size_t cap, l6_error *err);

/* The receiver, in the transaction that credits the units (ledger
 * transaction tx): records the ITMOs on the local batches (batches[i] for
 * the proposal's range i), a copy of each authorization, and, when the
 * sender is another Party's, the Acquisition in my_party's books. */
l6_err link_a6_acquire(l6_svc *s, const char *registry, const json_t *msg, const l6_id *batches, size_t n, l6_id tx,
                       const char *my_party, int year, l6_error *err);

/* The sender, in the transaction that finalises an accepted transfer
 * (ledger transaction tx): when to_party is another Party, the first
 * transfer and corresponding adjustment of every ITMO it is due for (the
 * same rule the receiver applied) and the Transfer, in my_party's books,
 * dated `year` (the year the receiver credited the units). */
l6_err link_a6_transferred(l6_svc *s, const json_t *msg, const l6_id *batches, size_t n, l6_id tx, const char *my_party,
                           const char *to_party, int year, l6_error *err);

/* ---- authorization updates after crossing (docs/LINKS.md, "Authorization updates") ---- */

/* The sender, finalising an accepted transfer to peer: records that peer
 * holds a copy of each authorization the proposal carried (link record
 * "acopy", with the version it holds complete: 1, or 0 when the copy was
 * made after an amendment and lacks the kept versions). */
l6_err link_a6_copies_sent(l6_svc *s, const char *registry, const json_t *msg, const char *peer, l6_error *err);
/* The copies behind their authorization here (own or copy): *out
 * [{"peer", "ref", "terms", "versions": [{"version", "effective_from",
 * "ts", "body"}], "version"}]. */
l6_err link_a6_updates_due(l6_svc *s, json_t **out, l6_error *err);
/* The update of ref to peer at `version` is queued. */
l6_err link_a6_update_sent(l6_svc *s, const char *peer, const char *ref, int version, l6_error *err);
/* The receiver of an "authorization" message: *code NULL when recorded
 * (detail says what), else "L08" (malformed), "L12" (no copy here) or
 * "L13" (the sender may not update it). */
l6_err link_a6_update_apply(l6_svc *s, const char *registry, const json_t *msg, const char **code, char *detail, size_t cap,
                            l6_error *err);
/* For the state document: out[ref] = {"version", "revoked"} of every
 * authorization that crossed a link (own ones a peer holds a copy of, and
 * copies). */
l6_err link_a6_auth_state(l6_svc *s, const char *registry, json_t *out, l6_error *err);

#endif
