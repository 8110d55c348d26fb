/*
 * notice.h -- email notices (issue 22): what awaits a person, sent through
 * an SMTP relay (libcurl's SMTP), off by default (serve --smtp-url).
 *
 * The notices are those of the working app's "Awaiting you" (web/work.js,
 * docs/APP.md): a proposal of the person's organisation to approve or
 * reject (not their own), one about to expire (within a day), and a step
 * of the project cycle that waits for their role (validate, verify,
 * approve, register, request, issue, resubmit). The server finds them more
 * precisely than the app can: a validator only for activities whose
 * mechanism and scope their organisation is accredited for, an authority
 * only for activities hosted by their Party.
 *
 * Nothing on the request path: the background tick (svc_notices_tick)
 * sweeps the store for what awaits whom and queues each notice once per
 * person (the queue's key: (user, notice key); a notice key names the
 * thing and its state, so a new state is a new notice), then sends the
 * due ones off the writer lock. A send that fails is retried with
 * exponential backoff (30 s, 1, 2, 4 ... minutes, at most an hour
 * between attempts; serve --smtp-retry sets the first wait) and given up after L6_NOTICE_MAX_ATTEMPTS. A relay
 * that is down never fails a request: requests do not send.
 *
 * Users opted out (PUT /v1/session/notices {"email": false}) and disabled
 * users get none; every user has an address (the login's email).
 */
#ifndef L6_NOTICE_H
#define L6_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "service.h"

#define L6_NOTICE_MAX_ATTEMPTS 12
#define L6_NOTICE_EXPIRING_MS (24 * 3600 * INT64_C(1000)) /* "expiring": within a day */
#define L6_NOTICE_CLAIM_MS (5 * 60 * INT64_C(1000))        /* a send in progress holds a notice this long */

/* The relay (serve --smtp-*). */
typedef struct {
  const char *url;      /* smtp://host[:port] (STARTTLS per tls) or smtps://host[:port] (TLS from the start) */
  const char *from;     /* the envelope and From: address */
  int tls;              /* 0: as the URL says; 1: STARTTLS when offered; 2: STARTTLS required */
  const char *ca_file;  /* CA bundle for the relay's certificate (NULL: the system's) */
  const char *user;     /* SMTP AUTH user (NULL: none) */
  const char *password; /* its password (from the environment, never the command line) */
  const char *app_url;  /* the working app's address for links in the text ("": none) */
  long timeout_ms;      /* per message (0: 10 s) */
  int retry_s;          /* the first wait after a failed attempt, doubled each time up to an hour (0: 30 s) */
} l6_smtp_cfg;

/* One round's counts. */
typedef struct {
  int queued, sent, retried, failed;
} l6_notice_round;

/* Queues every notice that awaits someone and is not queued yet (one
 * transaction); app_url (may be NULL or "") is linked in the text. */
l6_err svc_notices_sweep(l6_svc *s, const char *app_url, int *queued, l6_error *err);
/* Sends the due notices (at most 32): claims them in one transaction,
 * sends each outside the writer lock, records sent or the next attempt. */
l6_err svc_notices_send(l6_svc *s, const l6_smtp_cfg *c, l6_notice_round *r, l6_error *err);
/* Sweep then send: the background tick of serve --smtp-url. */
l6_err svc_notices_tick(l6_svc *s, const l6_smtp_cfg *c, l6_notice_round *r, l6_error *err);

/* One message through the relay (libcurl SMTP); *why says what failed. */
bool notice_smtp_send(const l6_smtp_cfg *c, const char *to, const char *subject, const char *body, char *why,
                      size_t cap);

/* The session user's choice (GET and PUT /v1/session/notices):
 * {"email": bool, "address": "..."}. A session only (403 otherwise). */
l6_err svc_notice_pref_get(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_notice_pref_set(l6_svc *s, const l6_actor *a, bool on, json_t **out, l6_error *err);

#endif
