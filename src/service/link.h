/*
 * link.h -- links between separate ledger6 servers (issue 19,
 * docs/LINKS.md): peers, signed messages, the transfer protocol with its
 * outbox and inbox, the independent transaction log (`serve --role hub`)
 * and reconciliation.
 *
 * The anchor is the EU Union Registry with its independent transaction
 * log (EUTL) and the Kyoto ITL: every transfer between registries is
 * checked by an independent log, answered with a stable check code, and
 * reconciled.
 *
 * A server has one link identity (a registry id of its store, or the hub's
 * own id), its peers (registry id, base URL, Ed25519 public key) and, for
 * a registry, optionally the hub every proposal passes through. Every
 * message is signed with the server's tree-head key (keys.h), over
 * "ledger6-link-v1\n" followed by the message's canonical JSON (keys
 * sorted, compact), and carries a unique message id.
 *
 * A transfer out moves the units into the registry's link-escrow account
 * and queues the signed proposal in the outbox, in the request's own
 * transaction. The outbox (svc_link_tick, driven by serve's link clock)
 * sends it, to the hub when one is set, until an answer signed by the
 * receiver (or a refusal signed by the hub) comes back; then, in one
 * transaction, the units move on to the link-external account ("transferred
 * out", terminal for the transfer) or back to their account. The receiver
 * (svc_link_inbox) answers every message id once: a repeated id gets the
 * stored answer. Units received land in a mirror batch of the origin batch
 * (same serial numbers), whose other units wait in link-external.
 */
#ifndef L6_SVC_LINK_H
#define L6_SVC_LINK_H

#include <jansson.h>
#include <stdbool.h>

#include "service.h"

/* Reads a link configuration file (strict: an unknown key, a missing or
 * malformed field is INVALID_CONFIG naming the file):
 *   {"registry": "THA01", "hub": "HUB01" (optional), "deadline_seconds": N (optional),
 *    "peers": [{"registry": "CHE01", "url": "http://...", "public_key": "hex or base64"}]}
 * and stores it (the settings, and every peer, replacing one of the same
 * id). hub: this server is the independent transaction log. */
l6_err svc_link_load(l6_svc *s, const char *path, bool hub, l6_error *err);
/* serve --role hub without --peers: marks the stored settings as the
 * hub's (LINK_NOT_CONFIGURED when there are none). */
l6_err svc_link_set_hub(l6_svc *s, l6_error *err);

/* GET/PUT /v1/link/settings (admin; GET also auditor): {"registry",
 * "hub", "deadline_seconds", "role"}. */
l6_err svc_link_settings_get(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_link_settings_put(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err);
/* GET /v1/link/peers, PUT /v1/link/peers/{code} {"url", "public_key"}. */
l6_err svc_link_peer_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_link_peer_put(l6_svc *s, const l6_actor *a, const char *code, const json_t *body, json_t **out,
                         l6_error *err);

/* POST /v1/link/transfers: {"from_account", "to_registry", "to_account",
 * "ranges": [{"batch", "first", "last"}], "purpose"?}; 202 with the
 * transfer (state "pending"). Admin, or a holder of from_account. */
l6_err svc_link_transfer_create(l6_svc *s, const l6_actor *a, const json_t *body, json_t **out, l6_error *err);
/* GET /v1/link/transfers?state=pending|accepted|rejected|stuck, and one
 * transfer by id. Admin and auditor. */
l6_err svc_link_transfer_list(l6_svc *s, const l6_actor *a, const char *state, json_t **out, l6_error *err);
l6_err svc_link_transfer_get(l6_svc *s, const l6_actor *a, const char *id, json_t **out, l6_error *err);

/* POST /v1/link/inbox: a signed envelope {"message", "signature",
 * "hub_signature"?} from a peer; *out is the signed answer envelope. */
l6_err svc_link_inbox(l6_svc *s, const json_t *envelope, json_t **out, l6_error *err);

/* One round of the outbox: sends the due proposals (at most a few), and
 * finalises those answered. *done: transfers finalised. */
l6_err svc_link_tick(l6_svc *s, int *done, l6_error *err);

/* GET /v1/link/state: what this server holds of the serials that crossed
 * a link, and its transfers (docs/LINKS.md). Admin or auditor, or a peer
 * signing the request (from, ms, sig: the X-L6-Link-* headers). */
l6_err svc_link_state(l6_svc *s, const l6_actor *a, const char *from, const char *ms, const char *sig, json_t **out,
                      l6_error *err);

/* `ledger6 link reconcile --peer CODE`: this store's state against the
 * peer's (fetched, signed with the loaded key); *out {"peer",
 * "differences": [{"code", "detail"}]}. */
l6_err svc_link_reconcile(l6_svc *s, const char *peer, json_t **out, l6_error *err);
/* The periodic job (serve --link-reconcile SECONDS): svc_link_reconcile
 * against every peer; {"items": [{"peer", "differences": [...]} or
 * {"peer", "error", "message"}]} (none on the hub or without a link). */
l6_err svc_link_reconcile_all(l6_svc *s, json_t **out, l6_error *err);

/* Test faults of the outbox's transport (serve --link-faults
 * "drop=P,repeat=P,lose=P,seed=N", P in percent): drop the request, send
 * it twice, lose the answer. */
l6_err svc_link_faults(const char *spec, l6_error *err);

/* The transport (link_net.c, libcurl): POST body (JSON) to url, or GET
 * with headers (NULL-terminated "Name: value"); *reply malloc'd. */
l6_err link_http(const char *method, const char *url, const char *body, const char *const *headers, long *status,
                 char **reply, l6_error *err);
void link_net_init(void);

#endif
