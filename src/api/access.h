/*
 * access.h -- the access log (one JSON line per request) and request ids
 * (X-Request-Id); docs/OPERATIONS.md, "Access log".
 */
#ifndef L6_ACCESS_H
#define L6_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "../errors.h"

#include "../limits.h" /* L6_REQUEST_ID_MAX; a generated id is 32 hex digits */

/* Where the lines go: dest "-" or "stderr" is standard error, "off" (or
 * NULL) none, anything else a file opened for appending (created 0600).
 * Returns OK, or INVALID_VALUE with the reason when the file cannot be
 * opened. Call before the server starts; not thread-safe. */
l6_err access_log_open(const char *dest, l6_error *err);
/* Closes a log file (standard error stays open). */
void access_log_close(void);

/* Whether a client's X-Request-Id is sane enough to keep and echo: 1 to
 * L6_REQUEST_ID_MAX characters of [A-Za-z0-9._:+=/-] (UUIDs, W3C trace
 * ids, base64). Anything else is replaced by a generated id. */
bool access_request_id_ok(const char *id);
/* A fresh random request id: 32 lowercase hex digits. */
void access_request_id_new(char out[33]);

/* One request, as logged. Strings must be valid for the call only. */
typedef struct {
  int64_t start_ms;       /* arrival, ms since the epoch (UTC) */
  const char *request_id;
  const char *client;     /* the peer's address, or NULL */
  const char *method;     /* as sent (escaped by the JSON writer) */
  const char *route;      /* the route template, never the raw path */
  int status;
  int64_t duration_ns;
  int64_t token;          /* the authenticated token's id, 0: none (the public, or refused) */
  const char *role;       /* the token's role, or NULL */
  int64_t org;            /* the token's organisation, 0: none */
} access_entry;

/* Writes one line (a single write(2), so lines of concurrent requests
 * never interleave). No-op when the log is off. */
void access_log_write(const access_entry *e);

#endif
