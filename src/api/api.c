/*
 * api.c -- HTTP front end: request accumulation, authentication, routing,
 * JSON in and out. Handlers are straight lines: decode, call the service,
 * return. Every error becomes {"error":{"code","message"}} with the
 * status from the error table.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../metrics.h"
#include "../service/exchange.h"
#include "../service/people.h"
#include "access.h"
#include "api_int.h"
#include "html.h"
#include "pdf.h"
#include "http.h"
#include "jsonin.h"
#include "web.h"

/* One connection's request deadline (see "transport limits" below). */
typedef struct conn_track {
  int fd;
  int phase;           /* TRACK_HEAD, TRACK_BODY: deadline_us applies; TRACK_BUSY: none */
  int64_t deadline_us; /* monotonic */
  bool cut;            /* shut down once */
  struct conn_track *prev, *next;
} conn_track;

enum { TRACK_HEAD, TRACK_BODY, TRACK_BUSY };

struct l6_http {
  struct MHD_Daemon *d;
  l6_svc *svc;
  int port;
  char *web; /* real path of the web pages' folder, NULL: none */
  l6_http_opts o;
  /* rate limits: writes per token and per address, failed authentications
   * per address and per credential (keyed by a keyed hash of it) */
  pthread_mutex_t lim_mu;
  l6_ratetab token_w, ip_w, ip_af, cred_af;
  l6_bucket slots[4][L6_RATE_SLOTS];
  unsigned char cred_key[crypto_shorthash_KEYBYTES];
  /* request deadlines: the connections, and the thread that cuts late ones */
  pthread_mutex_t dl_mu;
  pthread_cond_t dl_cv;
  pthread_t dl_thread;
  bool dl_on, dl_stop;
  conn_track *tracks;
  bool secure_cookies; /* session cookies get Secure (http_set_secure_cookies) */
};

/* Per-request state, allocated on the first callback. */
typedef struct {
  char *body;
  size_t len, cap;
  bool too_large;
  /* Operations (access log, metrics): see "operations" below. */
  int64_t start_ns;                     /* CLOCK_MONOTONIC at arrival */
  int64_t start_ms;                     /* wall clock at arrival, ms since the epoch */
  char request_id[L6_REQUEST_ID_MAX + 1]; /* the client's X-Request-Id when sane, else generated */
  const char *route;                    /* route template (or pseudo route), static */
  int status;                           /* status queued, 0: none yet */
  char method[16];                      /* the request's method (truncated; MHD's copy may be gone at the end) */
  l6_actor actor;                       /* who asked, once authenticated */
} conn_state;

/* Who may read GET /metrics (http_ops_set). */
static l6_metrics_access metrics_access = L6_METRICS_TOKEN;

/* ---- responses ------------------------------------------------------- */

/* A JSON reply with the common headers and the extra ones in headers (name,
 * value, ..., NULL; may be NULL). */
static enum MHD_Result send_json_with(struct MHD_Connection *c, int status, json_t *v, const char *const *headers) {
  char *text = json_dumps(v, JSON_COMPACT);
  size_t len = text ? strlen(text) : 0;
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, text ? text : (char *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(resp, "Content-Type", "application/json");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  for (size_t i = 0; headers && headers[i]; i += 2) MHD_add_response_header(resp, headers[i], headers[i + 1]);
  enum MHD_Result ret = api_respond(c, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* An HTML page, or a text of another type (takes text). No script may run
 * in it, whatever it says. */
static enum MHD_Result send_page(struct MHD_Connection *c, char *text, size_t len, const char *type) {
  struct MHD_Response *resp = MHD_create_response_from_buffer(len ? len : strlen(text), text, MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header(resp, "Content-Type", type ? type : "text/html; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  enum MHD_Result ret = api_respond(c, 200, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* An error reply. allow, for a 405, lists the path's methods ("GET, POST")
 * for the Allow header RFC 9110 section 15.5.6 requires; a 401 carries the
 * challenge of RFC 6750 section 3 (with error="invalid_token" when a token
 * was sent and refused); a 429 its Retry-After (retry_after seconds, 0: 1). */
static enum MHD_Result send_error_full(struct MHD_Connection *c, const l6_error *err, const char *allow, int retry_after) {
  json_t *v = json_pack("{s:{s:s, s:s}}", "error", "code", l6_err_code(err->code), "message", err->message);
  if (v && err->code == L6_E_WRONG_STATE && err->expected[0]) /* the state the step needs */
    json_object_set_new(json_object_get(v, "error"), "expected_state", json_string(err->expected));
  const char *headers[7] = {NULL};
  size_t n = 0;
  char retry[16];
  if (err->code == L6_E_RATE_LIMITED) { /* RFC 9110 section 10.2.3: delay-seconds */
    snprintf(retry, sizeof retry, "%d", retry_after > 0 ? retry_after : 1);
    headers[n++] = "Retry-After";
    headers[n++] = retry;
  }
  if (allow) {
    headers[n++] = "Allow";
    headers[n++] = allow;
  }
  if (l6_err_status(err->code) == 401) { /* unauthorized, token_revoked, token_expired, the login and session refusals */
    headers[n++] = "WWW-Authenticate";
    headers[n++] = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")
                       ? "Bearer realm=\"ledger6\", error=\"invalid_token\""
                       : "Bearer realm=\"ledger6\"";
  }
  enum MHD_Result ret = send_json_with(c, l6_err_status(err->code), v, headers);
  json_decref(v);
  return ret;
}

static enum MHD_Result send_error_allow(struct MHD_Connection *c, const l6_error *err, const char *allow) {
  return send_error_full(c, err, allow, 0);
}

static enum MHD_Result send_error(struct MHD_Connection *c, const l6_error *err) { return send_error_allow(c, err, NULL); }

/* ---- query parameters ------------------------------------------------ */

static const char *q(req *r, const char *name) { return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name); }

/* Parses a positive decimal id (1..INT64_MAX); false when malformed. */
static bool parse_id(const char *s, l6_id *out) {
  if (s == NULL || *s == '\0' || strlen(s) > 18) return false;
  l6_id v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
  }
  if (v <= 0) return false;
  *out = v;
  return true;
}

static l6_err q_id(req *r, const char *name, l6_id *out, l6_error *err) {
  const char *v = q(r, name);
  *out = 0;
  if (v == NULL) return L6_E_OK;
  if (!parse_id(v, out)) return l6_fail(err, L6_E_BAD_PARAM, "query parameter '%s' must be a positive integer", name);
  return L6_E_OK;
}

/* A leaf index or tree size: 0..INT64_MAX (parse_id without the > 0). */
static bool parse_count(const char *s, int64_t *out) {
  if (s && strcmp(s, "0") == 0) {
    *out = 0;
    return true;
  }
  return parse_id(s, out);
}

/* An optional non-negative integer parameter; *out = dflt when absent. */
static l6_err q_count(req *r, const char *name, int64_t dflt, int64_t *out, l6_error *err) {
  const char *v = q(r, name);
  *out = dflt;
  if (v == NULL) return L6_E_OK;
  if (!parse_count(v, out)) return l6_fail(err, L6_E_BAD_PARAM, "query parameter '%s' must be an integer of 0 or more", name);
  return L6_E_OK;
}

static l6_err q_page(req *r, l6_page *pg, l6_error *err) {
  memset(pg, 0, sizeof *pg);
  const char *lim = q(r, "limit"), *after = q(r, "after");
  if (lim) {
    l6_id v;
    if (!parse_id(lim, &v) || v > L6_MAX_PAGE)
      return l6_fail(err, L6_E_BAD_PARAM, "limit must be an integer from 1 to %d", L6_MAX_PAGE);
    pg->limit = (int)v;
  }
  if (after) {
    if (strlen(after) >= sizeof pg->after || after[0] == '\0')
      return l6_fail(err, L6_E_BAD_PARAM, "after must be a cursor from a previous page");
    snprintf(pg->after, sizeof pg->after, "%s", after);
  }
  return L6_E_OK;
}

static l6_err q_str(req *r, const char *name, char *dst, size_t cap, l6_error *err) {
  const char *v = q(r, name);
  dst[0] = '\0';
  if (v == NULL) return L6_E_OK;
  if (strlen(v) >= cap) return l6_fail(err, L6_E_BAD_PARAM, "query parameter '%s' is too long", name);
  snprintf(dst, cap, "%s", v);
  return L6_E_OK;
}

/* ---- handlers: reference data ---------------------------------------- */

#define F(type, field, jt, req_) {#field, jt, req_, offsetof(type, field), sizeof(((type *)0)->field)}
#define NF(n) (sizeof(n) / sizeof((n)[0]))

/* Liveness: the process answers. It reads nothing from the store, so a
 * load balancer or systemd watchdog never restarts a server for a store
 * outage; readiness (GET /v1/ready) looks at the store. */
static l6_err h_health(req *r, json_t **out, l6_error *err) {
  *out = json_pack("{s:s, s:s, s:s}", "status", "ok", "service", "ledger6", "version", l6_version);
  return L6_E_OK;
}

/* Readiness: 200 when every check passes, 503 naming the failing ones. */
static l6_err h_ready(req *r, json_t **out, l6_error *err) {
  bool ready = false;
  l6_err e = svc_ready(r->svc, out, &ready, err);
  r->status = ready ? 200 : 503;
  return e;
}

/* Prometheus metrics (text format 0.0.4), for an admin or auditor token
 * unless the server was started with --metrics public (or off: 404). */
static l6_err h_metrics(req *r, json_t **out, l6_error *err) {
  if (metrics_access == L6_METRICS_OFF) return l6_fail(err, L6_E_NOT_FOUND, "metrics are off (serve --metrics off)");
  if (metrics_access == L6_METRICS_TOKEN) {
    if (r->actor.role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, "metrics need an admin or auditor token");
    if (r->actor.role != L6_ROLE_ADMIN && r->actor.role != L6_ROLE_AUDITOR)
      return l6_fail(err, L6_E_FORBIDDEN, "metrics are for admin and auditor tokens");
  }
  metrics_gauges g = {.open_streams = ex_streams_open(), .log_size = -1};
  l6_error ignore = {0}; /* a store failure leaves the log size out; the store error counter says why */
  if (svc_log_size(r->svc, &g.log_size, &ignore) != L6_E_OK) g.log_size = -1;
  r->page = metrics_render(&g);
  r->page_type = "text/plain; version=0.0.4; charset=utf-8";
  return r->page ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

static l6_err h_openapi(req *r, json_t **out, l6_error *err) {
  json_error_t je;
  *out = json_loads(l6_openapi_json, 0, &je);
  return *out ? L6_E_OK : l6_fail(err, L6_E_INTERNAL, "openapi document is invalid: %s", je.text);
}

static l6_err h_party_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_party, code, JF_STR, true), F(l6_party, name, JF_STR, true)};
  l6_party p = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &p, err);
  if (e == L6_E_OK) e = svc_party_create(r->svc, &r->actor, &p, out, err);
  r->status = 201;
  return e;
}
static l6_err h_party_list(req *r, json_t **out, l6_error *err) { return svc_party_list(r->svc, &r->actor, out, err); }

static l6_err h_registry_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_registry, id, JF_STR, true), F(l6_registry, party, JF_STR, true),
                             F(l6_registry, name, JF_STR, true)};
  l6_registry x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (e == L6_E_OK) e = svc_registry_create(r->svc, &r->actor, &x, out, err);
  r->status = 201;
  return e;
}
static l6_err h_registry_list(req *r, json_t **out, l6_error *err) { return svc_registry_list(r->svc, &r->actor, out, err); }

static l6_err h_org_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_org, registry, JF_STR, true), F(l6_org, name, JF_STR, true)};
  l6_org x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (e == L6_E_OK) e = svc_org_create(r->svc, &r->actor, &x, out, err);
  r->status = 201;
  return e;
}
static l6_err h_org_list(req *r, json_t **out, l6_error *err) { return svc_org_list(r->svc, &r->actor, out, err); }

typedef struct {
  char registry[6];
  int64_t organisation;
  char type[32];
  char name[L6_NAME_MAX + 1];
  char status[16];
} account_in;

static l6_err h_account_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(account_in, registry, JF_STR, true), F(account_in, organisation, JF_INT, false),
                             F(account_in, type, JF_STR, true), F(account_in, name, JF_STR, true)};
  account_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  if (in.organisation < 0) return l6_fail(err, L6_E_INVALID_VALUE, "organisation must be a positive id");
  l6_account a = {.org = in.organisation, .type = l6_account_type_from_str(in.type)};
  snprintf(a.registry, sizeof a.registry, "%s", in.registry);
  snprintf(a.name, sizeof a.name, "%s", in.name);
  r->status = 201;
  return svc_account_create(r->svc, &r->actor, &a, out, err);
}

static l6_err path_id(req *r, int i, l6_id *id, l6_error *err) {
  if (!parse_id(r->param[i], id)) return l6_fail(err, L6_E_NOT_FOUND, "'%.40s' is not an id", r->param[i]);
  return L6_E_OK;
}

static l6_err h_account_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  return e ? e : svc_account_get(r->svc, &r->actor, id, out, err);
}

static l6_err h_account_patch(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(account_in, status, JF_STR, true)};
  account_in in = {0};
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  return svc_account_set_status(r->svc, &r->actor, id, l6_account_status_from_str(in.status), out, err);
}

/* Pages of id-ordered lists take a numeric cursor. */
static l6_err q_page_id(req *r, l6_page *pg, l6_error *err) {
  l6_id ignore;
  l6_err e = q_page(r, pg, err);
  if (e == L6_E_OK && pg->after[0] && !parse_id(pg->after, &ignore))
    e = l6_fail(err, L6_E_BAD_PARAM, "after must be a cursor from a previous page");
  return e;
}

static l6_err h_account_list(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  l6_err e = q_page_id(r, &pg, err);
  return e ? e : svc_account_list(r->svc, &r->actor, &pg, out, err);
}

static l6_err h_holdings(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  return e ? e : svc_holdings(r->svc, &r->actor, id, out, err);
}

static l6_err h_programme_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_programme, code, JF_STR, true), F(l6_programme, name, JF_STR, true),
                             F(l6_programme, kind, JF_STR, true)};
  l6_programme x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (e == L6_E_OK) e = svc_programme_create(r->svc, &r->actor, &x, out, err);
  r->status = 201;
  return e;
}
static l6_err h_programme_list(req *r, json_t **out, l6_error *err) { return svc_programme_list(r->svc, &r->actor, out, err); }

static l6_err h_unit_type_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_unit_type, code, JF_STR, true), F(l6_unit_type, programme, JF_STR, true),
                             F(l6_unit_type, name, JF_STR, true)};
  l6_unit_type x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (e == L6_E_OK) e = svc_unit_type_create(r->svc, &r->actor, &x, out, err);
  r->status = 201;
  return e;
}
static l6_err h_unit_type_list(req *r, json_t **out, l6_error *err) { return svc_unit_type_list(r->svc, &r->actor, out, err); }

static l6_err h_project_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {
      F(l6_project, id, JF_STR, true),           F(l6_project, programme, JF_STR, true),
      F(l6_project, host, JF_STR, true),         F(l6_project, title, JF_STR, true),
      F(l6_project, methodology, JF_STR, true),  F(l6_project, sector, JF_STR, true),
      F(l6_project, kind, JF_STR, true),         F(l6_project, crediting_start, JF_STR, true),
      F(l6_project, crediting_end, JF_STR, true), F(l6_project, status, JF_STR, false)};
  l6_project x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (x.status[0] == '\0') snprintf(x.status, sizeof x.status, "registered");
  if (e == L6_E_OK) e = svc_project_create(r->svc, &r->actor, &x, out, err);
  r->status = 201;
  return e;
}

static l6_err h_project_get(req *r, json_t **out, l6_error *err) {
  if (strlen(r->param[0]) > L6_CODE_MAX) return l6_fail(err, L6_E_UNKNOWN_PROJECT, NULL);
  return svc_project_get(r->svc, &r->actor, r->param[0], out, err);
}

static l6_err h_project_list(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  char programme[L6_CODE_MAX + 1], host[8], status[16];
  l6_err e = q_page(r, &pg, err);
  if (e == L6_E_OK) e = q_str(r, "programme", programme, sizeof programme, err);
  if (e == L6_E_OK) e = q_str(r, "host", host, sizeof host, err);
  if (e == L6_E_OK) e = q_str(r, "status", status, sizeof status, err);
  return e ? e : svc_project_page(r->svc, &r->actor, programme, host, status, &pg, out, err);
}

/* ---- handlers: ledger ------------------------------------------------ */

static l6_err reply_out(l6_reply *rep, req *r, json_t **out) {
  *out = rep->body;
  r->status = rep->status;
  r->replayed = rep->replayed;
  return L6_E_OK;
}

static l6_err h_issue(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_issue_req, registry, JF_STR, true), F(l6_issue_req, project, JF_STR, true),
                             F(l6_issue_req, unit_type, JF_STR, true), F(l6_issue_req, vintage, JF_INT32, true),
                             F(l6_issue_req, quantity, JF_INT, true), F(l6_issue_req, serial_start, JF_INT, false),
                             F(l6_issue_req, forward_to, JF_INT, false),
                             F(l6_issue_req, production_start, JF_STR, false),
                             F(l6_issue_req, production_end, JF_STR, false)};
  l6_issue_req x = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &x, err);
  if (e != L6_E_OK) return e;
  if (x.serial_start < 0) return l6_fail(err, L6_E_INVALID_RANGE, "serial_start must be at least 1");
  if (x.forward_to < 0) return l6_fail(err, L6_E_INVALID_VALUE, "forward_to must be an account id");
  x.idem = r->idem;
  l6_reply rep;
  e = svc_issue(r->svc, &r->actor, &x, &rep, err);
  return e ? e : reply_out(&rep, r, out);
}

static l6_err h_issuance_list(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  char project[L6_CODE_MAX + 1];
  l6_err e = q_page_id(r, &pg, err);
  if (e == L6_E_OK) e = q_str(r, "project", project, sizeof project, err);
  return e ? e : svc_issuance_list(r->svc, &r->actor, project, &pg, out, err);
}

#include "../core/serial.h"

/* Decodes "ranges": [{"batch","first","last"} | {"serial"}]. */
static l6_err decode_ranges(const json_t *arr, l6_move_req *m, l6_error *err) {
  if (!json_is_array(arr)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'ranges' must be an array");
  if (json_array_size(arr) == 0) return l6_fail(err, L6_E_INVALID_RANGE, "'ranges' is empty");
  if (json_array_size(arr) > L6_MAX_RANGES)
    return l6_fail(err, L6_E_TOO_MANY_RANGES, "%zu ranges named, the limit is %d", json_array_size(arr), L6_MAX_RANGES);
  size_t i;
  json_t *it;
  json_array_foreach(arr, i, it) {
    if (!json_is_object(it)) return l6_fail(err, L6_E_WRONG_TYPE, "ranges[%zu] must be an object", i);
    typedef struct {
      int64_t batch, first, last;
      char serial[L6_SERIAL_MAX + 1];
    } range_in;
    static const jfield f[] = {F(range_in, batch, JF_INT, false), F(range_in, first, JF_INT, false),
                               F(range_in, last, JF_INT, false), F(range_in, serial, JF_STR, false)};
    range_in in = {0};
    l6_err e = json_decode(it, f, NF(f), NULL, &in, err);
    if (e != L6_E_OK) return e;
    if (in.serial[0]) {
      l6_serial sn;
      if (in.batch || in.first || in.last)
        return l6_fail(err, L6_E_INVALID_RANGE, "ranges[%zu]: give a serial or batch/first/last, not both", i);
      if (!serial_parse(in.serial, &sn)) return l6_fail(err, L6_E_INVALID_SERIAL, "ranges[%zu]: '%s' is not a serial", i, in.serial);
      m->ranges[i] = (l6_range){sn.batch, sn.first, sn.last};
    } else {
      if (!in.batch || !in.first || !in.last)
        return l6_fail(err, L6_E_MISSING_FIELD, "ranges[%zu] needs batch, first and last (or serial)", i);
      m->ranges[i] = (l6_range){in.batch, in.first, in.last};
    }
  }
  m->nranges = json_array_size(arr);
  return L6_E_OK;
}

/* A transfer's optional consideration {amount, currency}: types and
 * presence here, values in the service (consideration.c). */
static l6_err decode_consideration(const json_t *c, l6_move_req *m, l6_error *err) {
  typedef struct {
    int64_t amount;
    char currency[8];
  } cons_in;
  static const jfield f[] = {F(cons_in, amount, JF_INT, true), F(cons_in, currency, JF_STR, true)};
  if (!json_is_object(c)) return l6_fail(err, L6_E_WRONG_TYPE, "consideration must be an object {amount, currency}");
  cons_in in = {0};
  l6_err e = json_decode(c, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  m->has_consideration = true;
  m->consideration_amount = in.amount;
  snprintf(m->consideration_currency, sizeof m->consideration_currency, "%s", in.currency);
  return L6_E_OK;
}

static l6_err h_move(req *r, l6_tx_kind kind, json_t **out, l6_error *err) {
  static const jfield f[] = {F(l6_move_req, from_account, JF_INT, true), F(l6_move_req, to_account, JF_INT, false),
                             F(l6_move_req, unit_type, JF_STR, false),   F(l6_move_req, project, JF_STR, false),
                             F(l6_move_req, vintage, JF_INT32, false),   F(l6_move_req, quantity, JF_INT, false),
                             F(l6_move_req, beneficiary, JF_STR, false), F(l6_move_req, purpose, JF_STR, false),
                             F(l6_move_req, claim, JF_STR, false),       F(l6_move_req, reporting_year, JF_INT32, false)};
  static const char *const extra[] = {"ranges", NULL};
  static const char *const extra_transfer[] = {"ranges", "consideration", NULL};
  l6_move_req *m = calloc(1, sizeof *m);
  if (m == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  m->kind = kind;
  size_t nf = kind == L6_TX_TRANSFER ? 6 : NF(f); /* transfers take no retirement details */
  l6_err e = json_decode(r->body, f, nf, kind == L6_TX_TRANSFER ? extra_transfer : extra, m, err);
  json_t *ranges = json_object_get(r->body, "ranges");
  json_t *cons = json_object_get(r->body, "consideration");
  if (e == L6_E_OK && cons) e = decode_consideration(cons, m, err);
  if (e == L6_E_OK && kind == L6_TX_TRANSFER && json_object_get(r->body, "to_account") == NULL)
    e = l6_fail(err, L6_E_MISSING_FIELD, "field 'to_account' is required");
  if (e == L6_E_OK && ranges) e = decode_ranges(ranges, m, err);
  if (e == L6_E_OK && !ranges && json_object_get(r->body, "quantity") == NULL)
    e = l6_fail(err, L6_E_MISSING_FIELD, "give 'quantity' (with 'unit_type') or 'ranges'");
  if (e == L6_E_OK && (m->from_account <= 0 || m->to_account < 0))
    e = l6_fail(err, L6_E_UNKNOWN_ACCOUNT, "account ids are positive integers");
  m->idem = r->idem;
  l6_reply rep;
  if (e == L6_E_OK) e = svc_move(r->svc, &r->actor, m, &rep, err);
  free(m);
  return e ? e : reply_out(&rep, r, out);
}

static l6_err h_transfer(req *r, json_t **out, l6_error *err) { return h_move(r, L6_TX_TRANSFER, out, err); }
static l6_err h_retire(req *r, json_t **out, l6_error *err) { return h_move(r, L6_TX_RETIREMENT, out, err); }
static l6_err h_cancel(req *r, json_t **out, l6_error *err) { return h_move(r, L6_TX_CANCELLATION, out, err); }

static l6_err tx_filter(req *r, l6_tx_filter *f, l6_error *err) {
  memset(f, 0, sizeof *f);
  l6_page pg;
  char kind[32];
  l6_err e = q_page(r, &pg, err);
  if (e == L6_E_OK && pg.after[0] && !parse_id(pg.after, &f->after))
    e = l6_fail(err, L6_E_BAD_PARAM, "after must be a cursor from a previous page");
  if (e == L6_E_OK) e = q_id(r, "account", &f->account, err);
  if (e == L6_E_OK) e = q_id(r, "batch", &f->batch, err);
  if (e == L6_E_OK) e = q_str(r, "project", f->project, sizeof f->project, err);
  if (e == L6_E_OK) e = q_str(r, "kind", kind, sizeof kind, err);
  if (e == L6_E_OK && kind[0] && (f->kind = l6_tx_kind_from_str(kind)) == L6_TX__NONE)
    e = l6_fail(err, L6_E_BAD_PARAM, "kind must be issuance, transfer, retirement or cancellation");
  f->limit = pg.limit;
  return e;
}

static l6_err h_tx_list(req *r, json_t **out, l6_error *err) {
  l6_tx_filter f;
  l6_err e = tx_filter(r, &f, err);
  return e ? e : svc_tx_list(r->svc, &r->actor, &f, out, err);
}

static l6_err h_retirement_list(req *r, json_t **out, l6_error *err) {
  l6_tx_filter f;
  l6_err e = tx_filter(r, &f, err);
  f.kind = L6_TX_RETIREMENT;
  /* Retirements are public: a holder sees all of them, as the public does
   * (GET /v1/transactions?kind=retirement lists its own, with accounts). */
  static const l6_actor anonymous = {.role = L6_ROLE__NONE};
  const l6_actor *who = r->actor.role == L6_ROLE_HOLDER ? &anonymous : &r->actor;
  return e ? e : svc_tx_list(r->svc, who, &f, out, err);
}

static l6_err h_tx_get(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  return e ? e : svc_tx_get(r->svc, &r->actor, id, out, err);
}

static l6_err h_serial(req *r, json_t **out, l6_error *err) { return svc_serial(r->svc, &r->actor, r->param[0], out, err); }
static l6_err h_serial_public(req *r, json_t **out, l6_error *err) { return svc_serial_public(r->svc, r->param[0], out, err); }

/* ---- handlers: transparency log ---------------------------------------- */

static l6_err h_log_sth(req *r, json_t **out, l6_error *err) { return svc_log_sth(r->svc, &r->actor, out, err); }

static l6_err h_log_inclusion(req *r, json_t **out, l6_error *err) {
  int64_t index, size;
  l6_id tx;
  l6_err e = q_count(r, "index", -1, &index, err);
  if (e == L6_E_OK) e = q_id(r, "transaction", &tx, err);
  if (e == L6_E_OK) e = q_count(r, "tree_size", 0, &size, err);
  if (e == L6_E_OK && (index >= 0) == (tx > 0))
    e = l6_fail(err, L6_E_BAD_PARAM, "give either index (a leaf index) or transaction (a transaction id)");
  if (e == L6_E_OK && q(r, "tree_size") && size == 0) e = l6_fail(err, L6_E_BAD_PARAM, "tree_size must be at least 1");
  return e ? e : svc_log_inclusion(r->svc, &r->actor, index, tx, size, out, err);
}

static l6_err h_log_consistency(req *r, json_t **out, l6_error *err) {
  l6_id first, second;
  l6_err e = q_id(r, "first", &first, err);
  if (e == L6_E_OK) e = q_id(r, "second", &second, err);
  if (e == L6_E_OK && first == 0) e = l6_fail(err, L6_E_BAD_PARAM, "query parameter 'first' (a tree size of 1 or more) is required");
  return e ? e : svc_log_consistency(r->svc, &r->actor, first, second, out, err);
}

static l6_err h_log_entries(req *r, json_t **out, l6_error *err) {
  int64_t start, end;
  l6_err e = q_count(r, "start", 0, &start, err);
  if (e == L6_E_OK) e = q_count(r, "end", -1, &end, err);
  return e ? e : svc_log_entries(r->svc, &r->actor, start, end, out, err);
}

static l6_err h_keys(req *r, json_t **out, l6_error *err) { return svc_keys_list(r->svc, &r->actor, out, err); }

static l6_err h_certificate(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  return e ? e : svc_certificate(r->svc, &r->actor, id, out, err);
}

static l6_err h_certificate_html(req *r, json_t **out, l6_error *err) {
  json_t *cert = NULL;
  l6_err e = h_certificate(r, &cert, err);
  if (e != L6_E_OK) return e;
  r->page = html_certificate(cert);
  json_decref(cert);
  return r->page ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* A Host header fit to put in a URL: a name or address and a port, at
 * most 253 characters of letters, digits, '.', '-', ':', '[' and ']'. */
static bool host_ok(const char *h) {
  size_t n = h ? strlen(h) : 0;
  if (n == 0 || n > 253) return false;
  for (const char *p = h; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-:[]", *p)))
      return false;
  return true;
}

/* GET /v1/retirements/{id}/certificate.pdf (pdf.h). The QR code points to
 * the retirement's public page on the host the request was sent to (its
 * Host header; https when the server speaks TLS). */
static l6_err h_certificate_pdf(req *r, json_t **out, l6_error *err) {
  const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
  json_t *cert = NULL;
  l6_err e = h_certificate(r, &cert, err);
  if (e != L6_E_OK) return e;
  if (!host_ok(host)) {
    json_decref(cert);
    return l6_fail(err, L6_E_BAD_PARAM, "the PDF's QR code needs the Host header of the request (a host name and port)");
  }
  char url[400];
  snprintf(url, sizeof url, "%s://%s/retirement.html?id=%lld", r->secure_cookies ? "https" : "http", host,
           (long long)json_integer_value(json_object_get(json_object_get(cert, "retirement"), "transaction")));
  const char *why = NULL;
  r->page = pdf_certificate(cert, url, &r->page_len, &why);
  json_decref(cert);
  if (r->page == NULL) return l6_fail(err, L6_E_INTERNAL, "the PDF could not be made: %s", why ? why : "unknown");
  r->page_type = "application/pdf";
  return L6_E_OK;
}

typedef struct {
  char role[16];
  int64_t organisation;
  char label[L6_NAME_MAX + 1];
  int64_t lifetime_days;
} token_in;

static l6_err h_token_post(req *r, json_t **out, l6_error *err) {
  static const jfield f[] = {F(token_in, role, JF_STR, true), F(token_in, organisation, JF_INT, false),
                             F(token_in, label, JF_STR, true), F(token_in, lifetime_days, JF_INT, false)};
  token_in in = {0};
  l6_err e = json_decode(r->body, f, NF(f), NULL, &in, err);
  if (e != L6_E_OK) return e;
  l6_role role = l6_role_from_str(in.role);
  if (role == L6_ROLE__NONE) return l6_fail(err, L6_E_INVALID_VALUE, "role must be " L6_ROLE_NAMES);
  if (json_object_get(r->body, "lifetime_days") && (in.lifetime_days < 1 || in.lifetime_days > L6_TOKEN_MAX_DAYS))
    return l6_fail(err, L6_E_INVALID_VALUE, "lifetime_days must be 1-%d", L6_TOKEN_MAX_DAYS);
  char token[80];
  r->status = 201;
  return svc_token_create(r->svc, &r->actor, role, in.organisation, in.label, (int)in.lifetime_days, token, out,
                          err);
}

static l6_err h_token_list(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  l6_err e = q_page_id(r, &pg, err);
  return e ? e : svc_token_list(r->svc, &r->actor, &pg, out, err);
}

/* POST /v1/tokens/{id}/revoke: {} (201, as the other state-changing
 * actions such as an order's cancel). */
static l6_err h_token_revoke(req *r, json_t **out, l6_error *err) {
  l6_id id;
  l6_err e = path_id(r, 0, &id, err);
  if (e == L6_E_OK) e = json_decode(r->body, NULL, 0, NULL, NULL, err);
  r->status = 201;
  return e ? e : svc_token_revoke(r->svc, &r->actor, id, out, err);
}

/* ---- routing --------------------------------------------------------- */

typedef struct {
  const char *method;
  const char *pattern;
  handler_fn fn;
} route;

static const route routes[] = {
    {"GET", "/v1/health", h_health},
    {"GET", "/v1/openapi.json", h_openapi},
    {"GET", "/v1/parties", h_party_list},
    {"POST", "/v1/parties", h_party_post},
    {"GET", "/v1/registries", h_registry_list},
    {"POST", "/v1/registries", h_registry_post},
    {"GET", "/v1/organisations", h_org_list},
    {"POST", "/v1/organisations", h_org_post},
    {"GET", "/v1/accounts", h_account_list},
    {"POST", "/v1/accounts", h_account_post},
    {"GET", "/v1/accounts/{id}", h_account_get},
    {"PATCH", "/v1/accounts/{id}", h_account_patch},
    {"GET", "/v1/accounts/{id}/holdings", h_holdings},
    {"GET", "/v1/programmes", h_programme_list},
    {"POST", "/v1/programmes", h_programme_post},
    {"GET", "/v1/unit-types", h_unit_type_list},
    {"POST", "/v1/unit-types", h_unit_type_post},
    {"GET", "/v1/projects", h_project_list},
    {"POST", "/v1/projects", h_project_post},
    {"GET", "/v1/projects/{id}", h_project_get},
    {"GET", "/v1/issuances", h_issuance_list},
    {"POST", "/v1/issuances", h_issue},
    {"POST", "/v1/transfers", h_transfer},
    {"GET", "/v1/retirements", h_retirement_list},
    {"POST", "/v1/retirements", h_retire},
    {"POST", "/v1/cancellations", h_cancel},
    {"GET", "/v1/transactions", h_tx_list},
    {"GET", "/v1/transactions/{id}", h_tx_get},
    {"GET", "/v1/serials/{serial}", h_serial},
    {"GET", "/v1/serials/{serial}/public", h_serial_public},
    {"GET", "/v1/tokens", h_token_list},
    {"POST", "/v1/tokens", h_token_post},
    API_PEOPLE_ROUTES /* api_people.c: users and web sessions */
    {"POST", "/v1/tokens/{id}/revoke", h_token_revoke},
    API_PROPOSAL_ROUTES /* api_proposal.c: four eyes, trusted accounts, transfer delays */
    API_LINK_ROUTES     /* api_link.c: links between registries */
    API_CYCLE_ROUTES /* api_cycle.c: mechanisms, documents, the project cycle */
    API_LDC_ROUTES   /* api_ldc.c: the mechanisms' fees (issue 20) */
    API_VOICE_ROUTES /* api_voice.c: programmes of activities, comments, grievances, appeals */
    API_A6_ROUTES    /* api_a6.c: Article 6.2 accounting */
    API_A6_REPORT_ROUTES /* api_a6_report.c: Article 6.2 reports */
    API_NMA_ROUTES   /* api_nma.c: Article 6.8 non-market approaches */
    API_ETS_ROUTES   /* api_ets.c: emissions trading compliance */
    API_EX_ROUTES    /* api_ex.c: the exchange */
    API_OPEN_ROUTES  /* api_open.c: open data (CSV files, totals) */
    {"GET", "/v1/retirements/{id}/certificate", h_certificate},
    {"GET", "/v1/retirements/{id}/certificate.html", h_certificate_html},
    {"GET", "/v1/retirements/{id}/certificate.pdf", h_certificate_pdf},
    {"GET", "/v1/log/sth", h_log_sth},
    {"GET", "/v1/log/proof/inclusion", h_log_inclusion},
    {"GET", "/v1/log/proof/consistency", h_log_consistency},
    {"GET", "/v1/log/entries", h_log_entries},
    {"GET", "/v1/keys", h_keys},
    {"GET", "/v1/ready", h_ready},
    {"GET", "/metrics", h_metrics},
};
#define NROUTES (sizeof routes / sizeof routes[0])

size_t http_routes(const l6_route_info **out) {
  static l6_route_info info[NROUTES];
  for (size_t i = 0; i < NROUTES; i++) info[i] = (l6_route_info){routes[i].method, routes[i].pattern};
  *out = info;
  return NROUTES;
}

/* Matches url against pattern; "{x}" matches one non-empty segment, whose
 * text (pointing into buf, a writable copy of url) goes to params. */
static bool match(const char *pattern, char *buf, const char *params[2]) {
  const char *p = pattern;
  char *u = buf;
  int np = 0;
  while (*p && *u) {
    if (*p == '{') {
      char *end = strchr(u, '/');
      if (end == u) return false;
      if (np == 2) return false; /* at most two parameters per pattern */
      params[np++] = u;
      p = strchr(p, '}') + 1;
      if (end == NULL) {
        u += strlen(u);
      } else {
        if (*p != '/') return false;
        *end = '\0';
        u = end + 1;
        p++;
      }
      continue;
    }
    if (*p != *u) return false;
    p++, u++;
  }
  return *p == '\0' && *u == '\0';
}

static void request_hash(const req *r, const char *url, const char *body, size_t len, char hex[65]) {
  crypto_hash_sha256_state st;
  unsigned char h[crypto_hash_sha256_BYTES];
  char actor[32];
  if (r->actor.user) /* a web session's user; a token's hash is as it always was, so stored keys still replay */
    snprintf(actor, sizeof actor, "u%lld|", (long long)r->actor.user);
  else
    snprintf(actor, sizeof actor, "%lld|", (long long)r->actor.token);
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const unsigned char *)r->method, strlen(r->method));
  crypto_hash_sha256_update(&st, (const unsigned char *)url, strlen(url) + 1);
  crypto_hash_sha256_update(&st, (const unsigned char *)actor, strlen(actor));
  crypto_hash_sha256_update(&st, (const unsigned char *)body, len);
  crypto_hash_sha256_final(&st, h);
  sodium_bin2hex(hex, 65, h, sizeof h);
}

/* ---- request checks before routing ------------------------------------ */

static bool is_control(unsigned char ch) { return ch < 0x20 || ch == 0x7f; }

/* MHD decodes the %XX escapes of the path and of every query name and
 * value with this (MHD_OPTION_UNESCAPE_CALLBACK). A decoded control
 * character becomes DEL, which dispatch refuses: a %00 would otherwise end
 * the C string early, so "/v1/accounts/23%00/holdings" would be read as
 * account 23 and "/index.html%00.txt" as "/index.html". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls, (void)c;
  size_t n = MHD_http_unescape(s);
  for (size_t i = 0; i < n; i++)
    if (is_control((unsigned char)s[i])) s[i] = 0x7f;
  return n;
}

static bool has_control(const char *s) {
  for (; s && *s; s++)
    if (is_control((unsigned char)*s)) return true;
  return false;
}

static enum MHD_Result query_control(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  if (!has_control(key) && !has_control(value)) return MHD_YES;
  *(bool *)cls = true;
  return MHD_NO;
}

/* BAD_URL when the decoded path or a query parameter holds a control
 * character (docs/API.md, "Conventions"). */
static l6_err check_url(struct MHD_Connection *c, const char *url, l6_error *err) {
  bool bad = has_control(url);
  if (bad) return l6_fail(err, L6_E_BAD_URL, "the decoded path has a control character (such as %%00)");
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_control, &bad);
  if (bad) return l6_fail(err, L6_E_BAD_URL, "a decoded query parameter has a control character (such as %%00)");
  return L6_E_OK;
}

/* UNSUPPORTED_MEDIA_TYPE unless a request with a body says it is JSON:
 * "application/json", in any case, with optional parameters, of which a
 * charset must be utf-8 (RFC 8259 section 8.1). A request without a body
 * needs no Content-Type (it is answered bad_json). */
static l6_err check_json_type(struct MHD_Connection *c, size_t body_len, l6_error *err) {
  if (body_len == 0) return L6_E_OK;
  const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
  static const char json[] = "application/json";
  const char *p = ct ? ct : "";
  while (*p == ' ' || *p == '\t') p++;
  bool ok = strncasecmp(p, json, sizeof json - 1) == 0;
  if (ok) {
    p += sizeof json - 1;
    while (*p == ' ' || *p == '\t') p++;
    ok = *p == '\0' || *p == ';';
  }
  for (const char *cs = p; ok && (cs = strchr(cs, ';')) != NULL;) { /* parameters: a charset must be utf-8 */
    cs++;
    while (*cs == ' ' || *cs == '\t') cs++;
    if (strncasecmp(cs, "charset=", 8) != 0) continue;
    cs += 8;
    if (*cs == '"') cs++;
    ok = strncasecmp(cs, "utf-8", 5) == 0 && strchr("\"; \t", cs[5]) != NULL;
  }
  if (!ok)
    return l6_fail(err, L6_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json (UTF-8), not '%.100s'",
                   ct ? ct : "(none)");
  return L6_E_OK;
}

/* ---- transport limits: rate limits ------------------------------------
 * Token buckets (src/core/ratelimit.c) under one mutex: writes per token
 * and per client address; failed authentications (401) per address and per
 * presented credential. Once a failed-authentication budget is spent, a
 * request with credentials (an Authorization header) or a write from that
 * address, or with that credential, is answered 429 before its token is
 * even looked at, so guessing stops there; public reads go on. */

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The client's IPv4 address (host order), 0 when unknown. */
static uint32_t conn_ip(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci == NULL || ci->client_addr == NULL || ci->client_addr->sa_family != AF_INET) return 0;
  const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ci->client_addr;
  return ntohl(in->sin_addr.s_addr);
}

static bool is_write(const char *m) {
  return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0;
}

static uint64_t ip_key(uint32_t ip) { return (UINT64_C(1) << 32) | ip; }

static uint64_t cred_key(const l6_http *h, const char *auth) {
  unsigned char k[crypto_shorthash_BYTES];
  crypto_shorthash(k, (const unsigned char *)auth, strlen(auth), h->cred_key);
  uint64_t v = 0;
  memcpy(&v, k, sizeof v);
  return v;
}

/* Seconds until the address (and the credential auth, may be NULL) may try
 * to authenticate again; 0: now. */
static int limit_auth_locked(l6_http *h, uint32_t ip, const char *auth) {
  int retry = 0, r2 = 0;
  int64_t now = mono_us();
  pthread_mutex_lock(&h->lim_mu);
  bool ok = l6_ratetab_allow(&h->ip_af, ip_key(ip), now, false, &retry);
  if (auth && !l6_ratetab_allow(&h->cred_af, cred_key(h, auth), now, false, &r2) && r2 > retry) ok = false, retry = r2;
  pthread_mutex_unlock(&h->lim_mu);
  return ok ? 0 : retry;
}

static void limit_auth_failed(l6_http *h, uint32_t ip, const char *auth) {
  int64_t now = mono_us();
  pthread_mutex_lock(&h->lim_mu);
  l6_ratetab_allow(&h->ip_af, ip_key(ip), now, true, NULL);
  if (auth) l6_ratetab_allow(&h->cred_af, cred_key(h, auth), now, true, NULL);
  pthread_mutex_unlock(&h->lim_mu);
}

/* Takes one write from the address's and the token's (0: none) budgets,
 * both or neither; returns 0, or the seconds to wait. */
static int limit_write(l6_http *h, uint32_t ip, l6_id token) {
  int r1 = 0, r2 = 0;
  int64_t now = mono_us();
  pthread_mutex_lock(&h->lim_mu);
  bool ok = l6_ratetab_allow(&h->ip_w, ip_key(ip), now, false, &r1);
  if (token > 0 && !l6_ratetab_allow(&h->token_w, (uint64_t)token, now, false, &r2)) ok = false;
  if (ok) {
    l6_ratetab_allow(&h->ip_w, ip_key(ip), now, true, NULL);
    if (token > 0) l6_ratetab_allow(&h->token_w, (uint64_t)token, now, true, NULL);
  }
  pthread_mutex_unlock(&h->lim_mu);
  return ok ? 0 : (r1 > r2 ? r1 : r2);
}

static enum MHD_Result send_rate_limited(struct MHD_Connection *c, int retry, const char *what) {
  l6_error err = {0};
  l6_fail(&err, L6_E_RATE_LIMITED, "too many %s; retry in %d s", what, retry);
  return send_error_full(c, &err, NULL, retry);
}

/* An error reply after routing: a 401 spends a failed authentication. */
static enum MHD_Result refuse(l6_http *h, struct MHD_Connection *c, const l6_error *err, const char *auth, int retry) {
  if (err->code == L6_E_UNAUTHORIZED) limit_auth_failed(h, conn_ip(c), auth);
  return send_error_full(c, err, NULL, retry);
}

/* ---- transport limits: request deadlines --------------------------------
 * libmicrohttpd's connection timeout counts from the last byte received, so
 * a client that sends one byte at a time keeps a connection forever. Each
 * connection here has an absolute deadline instead: request_timeout_s from
 * its start (or from the end of its previous reply, on a kept-alive
 * connection) for the head, TLS handshake included, then as long again for
 * the body. A thread shuts the socket of a connection past its deadline
 * (shutdown(2), not close: the descriptor stays libmicrohttpd's, which then
 * reads end-of-file and closes the connection itself). Under dl_mu, which
 * the close notification also takes, the descriptor is still open. While a
 * request is handled and answered (streams included) no deadline applies. */

static void track_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe) {
  l6_http *h = cls;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    conn_track *t = ci ? calloc(1, sizeof *t) : NULL;
    *socket_context = t;
    if (t == NULL) return;
    t->fd = ci->connect_fd;
    t->phase = TRACK_HEAD;
    t->deadline_us = mono_us() + (int64_t)h->o.request_timeout_s * 1000000;
    pthread_mutex_lock(&h->dl_mu);
    t->next = h->tracks;
    if (h->tracks) h->tracks->prev = t;
    h->tracks = t;
    pthread_mutex_unlock(&h->dl_mu);
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
    conn_track *t = *socket_context;
    if (t == NULL) return;
    pthread_mutex_lock(&h->dl_mu);
    if (t->prev) t->prev->next = t->next;
    else h->tracks = t->next;
    if (t->next) t->next->prev = t->prev;
    pthread_mutex_unlock(&h->dl_mu);
    free(t);
    *socket_context = NULL;
  }
}

/* The connection enters a phase: a new deadline for the head or the body. */
static void track_phase(l6_http *h, struct MHD_Connection *c, int phase) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  conn_track *t = ci ? ci->socket_context : NULL;
  if (t == NULL) return;
  pthread_mutex_lock(&h->dl_mu);
  t->phase = phase;
  t->deadline_us = mono_us() + (int64_t)h->o.request_timeout_s * 1000000;
  pthread_mutex_unlock(&h->dl_mu);
}

static void *track_main(void *arg) {
  l6_http *h = arg;
  pthread_mutex_lock(&h->dl_mu);
  while (!h->dl_stop) {
    int64_t now = mono_us(), next = now + 1000000;
    for (conn_track *t = h->tracks; t; t = t->next) {
      if (t->phase == TRACK_BUSY || t->cut) continue;
      if (t->deadline_us <= now) {
        shutdown(t->fd, SHUT_RDWR);
        t->cut = true;
      } else if (t->deadline_us < next) {
        next = t->deadline_us;
      }
    }
    struct timespec at = {.tv_sec = next / 1000000, .tv_nsec = (long)(next % 1000000) * 1000};
    pthread_cond_timedwait(&h->dl_cv, &h->dl_mu, &at);
  }
  pthread_mutex_unlock(&h->dl_mu);
  return NULL;
}

/* A request without an Authorization header is authenticated by its
 * session cookie, when it has one (api_people.c). A cookie that does not
 * authenticate (timed out, logged out, its user disabled) leaves the
 * request anonymous, so the public pages still work, and r->session_err
 * says why (GET and DELETE /v1/session answer with it). A write (any
 * method but GET and HEAD) authenticated by a cookie must carry the
 * session's CSRF token in X-CSRF-Token: a cross-site form or script
 * cannot read it (SameSite=Strict already keeps the cookie off cross-site
 * requests in current browsers; this is the defence in depth). */
static l6_err session_auth(l6_http *h, struct MHD_Connection *c, const char *method, req *r, l6_error *err) {
  memset(&r->actor, 0, sizeof r->actor);
  const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, API_SESSION_COOKIE);
  if (sid == NULL || sid[0] == '\0') return L6_E_OK; /* the public */
  char csrf_hash[65];
  l6_error why = {0};
  l6_err e = svc_session_auth(h->svc, sid, &r->actor, csrf_hash, &why);
  if (e == L6_E_SESSION_EXPIRED || e == L6_E_USER_DISABLED) {
    r->session_err = e;
    return L6_E_OK;
  }
  if (e != L6_E_OK) {
    *err = why;
    return e;
  }
  r->session = sid;
  if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) return L6_E_OK;
  if (!svc_csrf_matches(csrf_hash, MHD_lookup_connection_value(c, MHD_HEADER_KIND, API_CSRF_HEADER)))
    return l6_fail(err, L6_E_CSRF_FAILED, "a write in a web session needs the X-CSRF-Token header holding the l6_csrf cookie's value");
  return L6_E_OK;
}

static enum MHD_Result dispatch(l6_http *h, struct MHD_Connection *c, const char *url, const char *method,
                                conn_state *cs) {
  l6_error err = {0};
  req r = {.svc = h->svc, .conn = c, .method = method, .status = 200};
  cs->route = "(unmatched)"; /* until a route matches */
  if (cs->too_large) {
    l6_fail(&err, L6_E_BODY_TOO_LARGE, "request body exceeds %d bytes", L6_MAX_BODY_BYTES);
    return send_error(c, &err);
  }
  if (check_url(c, url, &err) != L6_E_OK) return send_error(c, &err);
  size_t ulen = strlen(url);
  if (ulen > 512) {
    l6_fail(&err, L6_E_NOT_FOUND, "URL too long");
    return send_error(c, &err);
  }
  char buf[520];
  char allow[64] = ""; /* the methods of the path's routes, for a 405's Allow */
  const route *hit = NULL;
  bool path_known = false;
  for (size_t i = 0; i < NROUTES && !hit; i++) {
    memcpy(buf, url, ulen + 1);
    const char *params[2] = {0};
    if (!match(routes[i].pattern, buf, params)) continue;
    if (!path_known) cs->route = routes[i].pattern;
    path_known = true;
    if (strcmp(routes[i].method, method) == 0) {
      hit = &routes[i];
      cs->route = hit->pattern;
      r.param[0] = params[0];
      r.param[1] = params[1];
    } else if (!strstr(allow, routes[i].method)) { /* methods are GET, POST, PUT, PATCH, DELETE */
      size_t n = strlen(allow);
      snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", routes[i].method);
    }
  }
  enum MHD_Result web_ret;
  if (!hit && !path_known) {
    cs->route = "(static)";
    if (web_serve(h->web, c, url, method, &web_ret)) return web_ret; /* web.c: the pages */
    cs->route = "(unmatched)";
  }
  if (!hit) {
    l6_fail(&err, path_known ? L6_E_METHOD_NOT_ALLOWED : L6_E_NOT_FOUND, "%s %.200s: %s", method, url,
            path_known ? "method not allowed" : "no such route");
    return send_error_allow(c, &err, path_known ? allow : NULL);
  }
  /* Authentication: no header is the public; a bad token is refused. */
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  const char *bearer = NULL;
  int retry = auth || is_write(method) ? limit_auth_locked(h, conn_ip(c), auth) : 0;
  if (retry > 0) return send_rate_limited(c, retry, "failed authentications from this address or with this credential");
  if (auth) {
    if (strncmp(auth, "Bearer ", 7) != 0) {
      l6_fail(&err, L6_E_UNAUTHORIZED, "Authorization must be 'Bearer <token>'");
      return refuse(h, c, &err, auth, 0);
    }
    bearer = auth + 7;
  }
  r.secure_cookies = h->secure_cookies;
  l6_err e = auth ? svc_authenticate(h->svc, bearer, &r.actor, &err) : session_auth(h, c, method, &r, &err);
  if (e == L6_E_OK) cs->actor = r.actor; /* for the access log */
  if (e == L6_E_OK && is_write(method) && (retry = limit_write(h, conn_ip(c), r.actor.token)) > 0)
    return send_rate_limited(c, retry, r.actor.token ? "writes with this token or from this address" : "writes from this address");
  if (e == L6_E_OK && (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 || strcmp(method, "PUT") == 0)) {
    e = check_json_type(c, cs->len, &err);
    if (e == L6_E_OK) e = json_parse_body(cs->body ? cs->body : "", cs->len, &r.body, &err);
  }
  if (e == L6_E_OK) {
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (key) {
      if (!l6_valid_text(key, L6_IDEM_MAX))
        e = l6_fail(&err, L6_E_INVALID_VALUE, "Idempotency-Key must be 1-%d printable characters", L6_IDEM_MAX);
      /* Keys are per token (or user, in a web session): another client's key never collides. */
      if (r.actor.user) snprintf(r.idem.key, sizeof r.idem.key, "u%lld:%s", (long long)r.actor.user, key);
      else snprintf(r.idem.key, sizeof r.idem.key, "%lld:%s", (long long)r.actor.token, key);
      request_hash(&r, url, cs->body ? cs->body : "", cs->len, r.idem.hash);
    }
  }
  json_t *out = NULL;
  if (e == L6_E_OK) e = hit->fn(&r, &out, &err);
  json_decref(r.body);
  if (e != L6_E_OK) {
    json_decref(out);
    free(r.page);
    if (err.code != e) l6_fail(&err, e, NULL);
    return refuse(h, c, &err, auth, r.retry_after);
  }
  if (r.stream) return ex_stream_respond(c, r.stream); /* api_ex.c: Server-Sent Events */
  if (r.csv) return open_csv_respond(c, r.csv, r.csv_name); /* api_open.c: a streamed CSV file */
  if (r.page) return send_page(c, r.page, r.page_len, r.page_type);
  const char *headers[7] = {NULL};
  size_t nh = 0;
  if (r.replayed) headers[nh++] = "Idempotent-Replayed", headers[nh++] = "true";
  for (size_t i = 0; i < 2; i++)
    if (r.cookies[i][0]) headers[nh++] = "Set-Cookie", headers[nh++] = r.cookies[i];
  enum MHD_Result ret = send_json_with(c, r.status, out, headers);
  json_decref(out);
  return ret;
}

/* ---- operations: request ids, the access log, metrics --------------------- */

/* The request being handled by this thread, between the start and the end
 * of one MHD request callback: api_respond stamps its answer with the
 * request's id and notes the status. MHD calls a request's callbacks on
 * one thread at a time, and every response is queued from inside them. */
static _Thread_local conn_state *current;

static int64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A request arrives: its clocks, method and id. */
static void request_begin(conn_state *cs, struct MHD_Connection *c, const char *method) {
  cs->start_ns = clock_ns(CLOCK_MONOTONIC);
  cs->start_ms = clock_ns(CLOCK_REALTIME) / 1000000;
  snprintf(cs->method, sizeof cs->method, "%s", method ? method : "");
  const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
  if (access_request_id_ok(rid)) snprintf(cs->request_id, sizeof cs->request_id, "%s", rid);
  else access_request_id_new(cs->request_id);
  cs->route = "(unmatched)";
}

/* A request's answer was sent (or its stream ended): one access log line
 * and the request metrics. */
static void request_end(conn_state *cs, struct MHD_Connection *c) {
  int64_t ns = clock_ns(CLOCK_MONOTONIC) - cs->start_ns;
  metrics_http_request(cs->method, cs->route, cs->status, ns);
  char client[INET6_ADDRSTRLEN] = "";
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, client, sizeof client);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, client, sizeof client);
  }
  access_entry e = {.start_ms = cs->start_ms,
                    .request_id = cs->request_id,
                    .client = client[0] ? client : NULL,
                    .method = cs->method,
                    .route = cs->route,
                    .status = cs->status,
                    .duration_ns = ns,
                    .token = cs->actor.token,
                    .role = cs->actor.role == L6_ROLE__NONE ? NULL : l6_role_str(cs->actor.role),
                    .org = cs->actor.org};
  access_log_write(&e);
}

enum MHD_Result api_respond(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp) {
  conn_state *cs = current;
  if (cs) {
    MHD_add_response_header(resp, "X-Request-Id", cs->request_id);
    cs->status = (int)status;
  }
  return MHD_queue_response(c, status, resp);
}

l6_err http_ops_set(const l6_http_ops *o, l6_error *err) {
  metrics_access = o->metrics;
  return access_log_open(o->access_log, err);
}

static enum MHD_Result on_request_in(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                     const char *upload, size_t *upload_size, void **con_cls) {
  l6_http *h = cls;
  conn_state *cs = *con_cls;
  if (cs == NULL) {
    cs = calloc(1, sizeof *cs);
    if (cs == NULL) return MHD_NO;
    *con_cls = cs;
    request_begin(cs, c, method);
    current = cs;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > L6_MAX_BODY_BYTES) {
      cs->too_large = true;
      track_phase(h, c, TRACK_BUSY);
      return dispatch(h, c, url, method, cs); /* answer 413 without reading the body */
    }
    track_phase(h, c, TRACK_BODY); /* the head is in; the body's deadline starts */
    return MHD_YES;
  }
  current = cs;
  if (*upload_size > 0) {
    if (!cs->too_large && cs->len + *upload_size <= L6_MAX_BODY_BYTES) {
      if (cs->len + *upload_size + 1 > cs->cap) {
        size_t nc = cs->len + *upload_size + 1;
        nc = nc < 4096 ? 4096 : nc * 2;
        if (nc > L6_MAX_BODY_BYTES + 1) nc = L6_MAX_BODY_BYTES + 1;
        char *nb = realloc(cs->body, nc);
        if (nb == NULL) return MHD_NO;
        cs->body = nb;
        cs->cap = nc;
      }
      memcpy(cs->body + cs->len, upload, *upload_size);
      cs->len += *upload_size;
      cs->body[cs->len] = '\0';
    } else {
      cs->too_large = true;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  track_phase(h, c, TRACK_BUSY);
  return dispatch(h, c, url, method, cs);
}

/* MHD's request callback: the request being answered is `current` for the
 * duration of the call (api_respond reads it). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  enum MHD_Result ret = on_request_in(cls, c, url, method, upload, upload_size, con_cls);
  current = NULL;
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
  track_phase(cls, c, TRACK_HEAD); /* a kept-alive connection's next request */
  conn_state *cs = *con_cls;
  if (cs) {
    if (cs->status) request_end(cs, c);
    free(cs->body);
    free(cs);
    *con_cls = NULL;
  }
}

void http_opts_default(l6_http_opts *o) {
  *o = (l6_http_opts){.conns_per_ip = L6_HTTP_CONNS_PER_IP,
                      .request_timeout_s = L6_HTTP_REQUEST_TIMEOUT_S,
                      .streams_per_client = L6_EX_STREAMS_PER_CLIENT};
  l6_rate_parse(L6_RATE_TOKEN_WRITES, &o->token_writes);
  l6_rate_parse(L6_RATE_IP_WRITES, &o->ip_writes);
  l6_rate_parse(L6_RATE_AUTH_FAILURES, &o->auth_failures);
}

l6_http *http_start(l6_svc *svc, const char *addr, int port, const char *web, l6_error *err) {
  l6_http_opts o;
  http_opts_default(&o);
  return http_start_opts(svc, addr, port, web, &o, err);
}

static void http_free(l6_http *h) {
  pthread_mutex_destroy(&h->lim_mu);
  pthread_mutex_destroy(&h->dl_mu);
  pthread_cond_destroy(&h->dl_cv);
  free(h->web);
  free(h);
}

/* The TLS versions and ciphers offered (GnuTLS priority string): TLS 1.2
 * and 1.3 with GnuTLS' default secure suites. */
#define L6_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

l6_http *http_start_opts(l6_svc *svc, const char *addr, int port, const char *web, const l6_http_opts *o,
                         l6_error *err) {
  bool tls = o->tls_cert || o->tls_key;
  if (tls && (o->tls_cert == NULL || o->tls_key == NULL)) {
    l6_fail(err, L6_E_INVALID_VALUE, "TLS needs both a certificate and its key");
    return NULL;
  }
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    l6_fail(err, L6_E_INVALID_VALUE, "this libmicrohttpd was built without TLS (GnuTLS) support; serve plain HTTP behind a TLS proxy");
    return NULL;
  }
  l6_http *h = calloc(1, sizeof *h);
  if (h == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  h->svc = svc;
  h->o = *o;
  h->o.tls_cert = h->o.tls_key = NULL; /* the texts are the caller's */
  if (h->o.request_timeout_s < 1) h->o.request_timeout_s = L6_HTTP_REQUEST_TIMEOUT_S;
  h->web = web_root(web);
  pthread_mutex_init(&h->lim_mu, NULL);
  pthread_mutex_init(&h->dl_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&h->dl_cv, &ca);
  pthread_condattr_destroy(&ca);
  l6_ratetab_init(&h->token_w, o->token_writes, h->slots[0], L6_RATE_SLOTS);
  l6_ratetab_init(&h->ip_w, o->ip_writes, h->slots[1], L6_RATE_SLOTS);
  l6_ratetab_init(&h->ip_af, o->auth_failures, h->slots[2], L6_RATE_SLOTS);
  l6_ratetab_init(&h->cred_af, o->auth_failures, h->slots[3], L6_RATE_SLOTS);
  crypto_shorthash_keygen(h->cred_key);
  ex_streams_configure(o->streams_per_client, L6_EX_MAX_ANON_STREAMS);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    l6_fail(err, L6_E_INVALID_VALUE, "'%s' is not an IPv4 address", addr);
    http_free(h);
    return NULL;
  }
  struct MHD_OptionItem tls_ops[] = {
      {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)o->tls_key},
      {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert},
      {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)L6_TLS_PRIORITIES},
      {MHD_OPTION_END, 0, NULL}};
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0);
  h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h,
                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
                          (unsigned)L6_HTTP_THREADS, MHD_OPTION_CONNECTION_LIMIT, (unsigned)L6_MAX_CONNECTIONS,
                          MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(o->conns_per_ip > 0 ? o->conns_per_ip : 0),
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)L6_CONN_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
                          on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, track_notify, h,
                          MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_ARRAY, tls_ops, MHD_OPTION_END);
  if (h->d == NULL) {
    l6_fail(err, L6_E_INTERNAL, "cannot listen on %s:%d%s", addr, port,
            tls ? " with TLS (is the address taken? are the certificate and key PEM files that match? see above)" : "");
    http_free(h);
    return NULL;
  }
  h->dl_on = pthread_create(&h->dl_thread, NULL, track_main, h) == 0;
  if (!h->dl_on) fprintf(stderr, "ledger6: cannot start the request deadline thread; only idle timeouts apply\n");
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = di ? di->port : port;
  svc_ex_set_listener(svc, ex_stream_publish, NULL); /* market data to the streams (api_ex.c) */
  return h;
}

int http_port(const l6_http *h) { return h->port; }
void http_set_secure_cookies(l6_http *h, bool on) { h->secure_cookies = on; }

void http_stop(l6_http *h) {
  if (h == NULL) return;
  svc_ex_set_listener(h->svc, NULL, NULL);
  ex_streams_close(); /* resumes suspended streams: MHD refuses to stop with any */
  for (int i = 0; i < 200 && ex_streams_open() > 0; i++) usleep(5000);
  if (h->dl_on) {
    pthread_mutex_lock(&h->dl_mu);
    h->dl_stop = true;
    pthread_cond_signal(&h->dl_cv);
    pthread_mutex_unlock(&h->dl_mu);
    pthread_join(h->dl_thread, NULL);
  }
  MHD_stop_daemon(h->d);
  http_free(h);
  pdf_shutdown(); /* the PDF renderer's fonts, now that no request runs */
}

/* ---- helpers for the other handler files (api_int.h) ----------------- */

uint32_t api_client_ip(req *r) { return r->conn ? conn_ip(r->conn) : 0; }
const char *api_query(req *r, const char *name) { return r->conn ? q(r, name) : NULL; } /* the CLI has no connection */
l6_err api_path_id(req *r, int i, l6_id *id, l6_error *err) { return path_id(r, i, id, err); }
l6_err api_page(req *r, l6_page *pg, l6_error *err) { return q_page(r, pg, err); }
l6_err api_query_str(req *r, const char *name, char *dst, size_t cap, l6_error *err) { return q_str(r, name, dst, cap, err); }
