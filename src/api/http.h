/*
 * http.h -- the HTTP/JSON API (libmicrohttpd). Routes are in api.c; the
 * reference is docs/API.md and GET /v1/openapi.json.
 */
#ifndef L6_HTTP_H
#define L6_HTTP_H

#include "../service/service.h"

typedef struct l6_http l6_http;

/* Starts serving svc (not owned) on addr:port (port 0: any free port), and
 * the static web pages from the folder web (NULL or missing: none; web.c).
 * Returns NULL and fills err on failure. */
l6_http *http_start(l6_svc *svc, const char *addr, int port, const char *web, l6_error *err);
/* The port actually bound. */
int http_port(const l6_http *h);
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
