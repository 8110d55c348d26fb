/*
 * http.h -- the HTTP/JSON API (libmicrohttpd). Routes are in api.c; the
 * reference is docs/API.md and GET /v1/openapi.json.
 */
#ifndef L6_HTTP_H
#define L6_HTTP_H

#include "../core/ratelimit.h"
#include "../service/service.h"

typedef struct l6_http l6_http;

/* Starts serving svc (not owned) on addr:port (port 0: any free port), and
 * the static web pages from the folder web (NULL or missing: none; web.c).
 * Returns NULL and fills err on failure. */
l6_http *http_start(l6_svc *svc, const char *addr, int port, const char *web, l6_error *err);
/* Transport options of http_start_opts (docs/OPERATIONS.md, "Limits" and
 * "TLS"); http_opts_default fills the defaults of limits.h. */
typedef struct {
  int conns_per_ip;       /* connections per client address; 0: no limit */
  int request_timeout_s;  /* deadline for a request's head, then its body */
  int streams_per_client; /* market data streams per address and per token */
  l6_rate token_writes, ip_writes, auth_failures;
  const char *tls_cert, *tls_key; /* PEM texts (not files); NULL: plain HTTP */
} l6_http_opts;
void http_opts_default(l6_http_opts *o);

/* http_start with transport options. With tls_cert and tls_key it serves
 * HTTPS only (libmicrohttpd's GnuTLS support; refused when the library
 * was built without it). */
l6_http *http_start_opts(l6_svc *svc, const char *addr, int port, const char *web, const l6_http_opts *o,
                         l6_error *err);
/* The port actually bound. */
int http_port(const l6_http *h);
/* Marks the session cookies Secure (sent over HTTPS only): for a server
 * reached over TLS, natively or behind a TLS-terminating proxy. */
void http_set_secure_cookies(l6_http *h, bool on);
/* Stops the server and waits for in-flight requests. */
void http_stop(l6_http *h);

/* Operations (docs/OPERATIONS.md): who reads GET /metrics, and where the
 * access log goes. */
typedef enum {
  L6_METRICS_TOKEN = 0, /* an admin or auditor token (the default) */
  L6_METRICS_PUBLIC,    /* anyone who can reach the port */
  L6_METRICS_OFF,       /* 404 */
} l6_metrics_access;
typedef struct {
  l6_metrics_access metrics;
  const char *access_log; /* "-": standard error; "off" or NULL: none; else a file (appended, 0600) */
} l6_http_ops;
/* Sets them for every server of the process; call before http_start.
 * INVALID_VALUE when the access log file cannot be opened. */
l6_err http_ops_set(const l6_http_ops *o, l6_error *err);

/* The OpenAPI document (openapi.c, generated from src/api/openapi.json). */
extern const char l6_openapi_json[];

/* The route table, for tests that check every route is documented. */
typedef struct {
  const char *method;
  const char *pattern; /* "/v1/accounts/{id}" */
} l6_route_info;
size_t http_routes(const l6_route_info **out);

#endif
