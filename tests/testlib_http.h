/*
 * testlib_http.h -- helpers for black-box tests of the HTTP API: they run
 * the real server binary as a child process and talk to it over HTTP,
 * as a client would (after Redis' tests, which start a real server per
 * test file and assert replies).
 *
 * Sections:
 *   1. Server processes: start `ledger6 serve` on a fresh store (an
 *      SQLite file in a temporary folder, or a fresh PostgreSQL database
 *      when L6_STORE names a server: tests/testlib.h), start a second
 *      server on the same store, learn its port and admin token, stop it
 *      (SIGTERM), crash it (SIGKILL), restart it on the same store, run
 *      other ledger6 commands against that store.
 *   2. HTTP client (libcurl): one request in, status and parsed JSON out.
 *      Safe to call from several threads; each thread gets its own handle.
 *   3. Assertions on replies (cmocka): status and error code, with the
 *      request and the reply printed when they differ.
 *   4. Fixtures through the API: Parties, registries, organisations,
 *      accounts, projects, issuances, tokens.
 *   5. Holdings as a canonical string, to assert "nothing changed".
 *
 * Environment: L6_BIN is the server binary (default build/ledger6),
 * L6_SRCDIR the repository root whose config/ folder the server loads
 * (default "."). L6_CONTRACT_LOG, when set, names a file to which
 * tl_http_send appends every request and its reply as a JSON line, for the
 * contract test (tests/contract/) to check against the OpenAPI document. Names start with tl_, like testlib.h.
 *
 * Sections 3 to 5 fail the running cmocka test on any surprise, so call
 * them only from the thread running the test (cmocka's failures jump back
 * to it). Sections 1 and 2 report errors by return value and may be used
 * from any thread.
 */
#ifndef L6_TESTLIB_HTTP_H
#define L6_TESTLIB_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "testlib.h"

/* ---- 1. Server processes ------------------------------------------------- */

/* How long a server may take to print "listening on", and to exit after
 * SIGTERM, before the helpers give up. ASan builds start in well under 1 s. */
#define TL_SRV_TIMEOUT_MS 10000

typedef struct {
  pid_t pid;      /* the running child, 0 when none */
  int port;       /* port it listens on (from "listening on ...") */
  int out_fd;     /* read end of the child's stdout, -1 when none */
  char admin[80]; /* admin token printed at the last start */
  char *dir;      /* private temporary directory (owned; tl_srv_free removes it) */
  char spec[L6_STORE_SPEC_MAX + 1]; /* the store: dir + "/l.db", or a PostgreSQL URI */
  tl_store store; /* the PostgreSQL database made for it (owned), zeroed otherwise */
  char log[512];  /* dir + "/server.log": the child's stderr, appended across restarts */
  const char *extra[12]; /* more `serve` arguments (NULL-terminated, at most 11), for tl_srv_restart */
} tl_srv;

/* Makes a fresh temporary directory (tag names it) and store, and starts
 *   L6_BIN serve --store SPEC --config $L6_SRCDIR/config --port 0
 *                --admin-token --paranoid
 * on it. Waits up to TL_SRV_TIMEOUT_MS for the port and admin token.
 * Returns 0, or -1 after printing why (and the server's log) to stderr;
 * on failure nothing is left running but s->dir may exist (tl_srv_free). */
int tl_srv_start(tl_srv *s, const char *tag);

/* Starts a second server process on first's store (its own directory and
 * log, tag names it; the store stays first's: tl_srv_free(peer) leaves
 * it). Returns 0 or -1, as tl_srv_start. */
int tl_srv_start_peer(tl_srv *peer, const tl_srv *first, const char *tag);

/* Starts the server again on the same database, after tl_srv_stop or
 * tl_srv_kill, adding the arguments in s->extra (which tl_srv_start
 * clears). s->admin stays: `serve --admin-token` mints an admin token
 * only when the store has no usable one (then s->admin is the new one).
 * Returns 0 or -1. */
int tl_srv_restart(tl_srv *s);

/* Stops the server: SIGTERM, wait up to TL_SRV_TIMEOUT_MS, then SIGKILL.
 * Returns its exit status (0 for a clean stop), 128 + signal number when
 * it died of a signal (or had to be killed), or -1 when none was running.
 * A non-zero status prints the server's log to stderr (ASan reports land
 * there). */
int tl_srv_stop(tl_srv *s);

/* Crashes the server with SIGKILL (no chance to flush or clean up) and
 * reaps it. Returns 0, or -1 when none was running. */
int tl_srv_kill(tl_srv *s);

/* Stops the server if it still runs and removes its directory. Safe to
 * call on a zeroed or already freed tl_srv. */
void tl_srv_free(tl_srv *s);

/* Runs `L6_BIN args... --store SPEC --config CONFIG` (args NULL-terminated)
 * against the server's store, with a TL_SRV_TIMEOUT_MS deadline.
 * Stores up to cap-1 bytes of its stdout (NUL-terminated) in out when out
 * is not NULL. Returns its exit status, 128 + signal, or -1. */
int tl_run_cli(const tl_srv *s, char *out, size_t cap, const char *arg, ...);

/* ---- 2. HTTP client ------------------------------------------------------ */

/* A reply. status is 0 when no HTTP reply came (connection refused or
 * reset, timeout); then err says why. */
typedef struct {
  long status;   /* HTTP status, 0 when the request failed */
  json_t *body;  /* parsed body (new reference), NULL when not JSON */
  char *raw;     /* body text, NUL-terminated (owned), never NULL after a request */
  size_t len;    /* bytes of raw (a binary body, such as a PDF, may hold NUL bytes) */
  char *headers; /* the response's header lines, "Name: value\r\n"... (owned), or NULL */
  char err[256]; /* curl's message when status is 0 */
} tl_resp;

/* One request, with every knob; see tl_http_req for the common case. */
typedef struct {
  const char *method;     /* "GET", "POST", "PATCH", any other verb */
  const char *path;       /* "/v1/accounts?limit=2" */
  const char *token;      /* bearer token, NULL: no Authorization header */
  const char *body;       /* request body, NULL: none */
  size_t body_len;        /* bytes of body; 0: strlen(body) */
  const char *headers[4]; /* extra "Name: value" headers, NULL-terminated; a "Content-Type: ..." of
                           * them replaces the default application/json of a body ("Content-Type:" sends none) */
  int chunked;            /* send the body chunked, without Content-Length */
  int expect_continue;    /* send "Expect: 100-continue"; the body goes only on the go-ahead */
} tl_req;

/* Sends a request to the server and waits up to 60 s for the reply. Uses
 * the calling thread's curl handle (made on first use, kept open for
 * keep-alive). Free the reply with tl_resp_free. */
tl_resp tl_http_send(const tl_srv *s, const tl_req *r);

/* The brief's shape: method, path, bearer token or NULL, JSON text or
 * NULL, one extra header ("Idempotency-Key: k") or NULL. */
tl_resp tl_http_req(const tl_srv *s, const char *method, const char *path, const char *token, const char *body,
                    const char *header);

/* Same with a jansson body, which is consumed (decref'd) here. */
tl_resp tl_http_reqj(const tl_srv *s, const char *method, const char *path, const char *token, json_t *body,
                     const char *header);

/* Releases a reply's body, text and headers; leaves it zeroed. */
void tl_resp_free(tl_resp *r);

/* Copies the value of response header name (case-insensitive) into buf,
 * trimmed. Returns 1 when present, 0 (buf "") when not. */
int tl_resp_header(const tl_resp *r, const char *name, char *buf, size_t cap);

/* Frees the calling thread's curl handle. Call it at the end of every
 * thread that made requests (the main thread may leave it to exit). */
void tl_http_thread_done(void);

/* Integer member of a JSON object (0 when absent or not an integer), and
 * string member (NULL when absent or not a string). */
int64_t tl_jint(const json_t *obj, const char *key);
const char *tl_jstr(const json_t *obj, const char *key);

/* ---- 3. Assertions on replies -------------------------------------------- */

/* Fails the test unless r has this HTTP status. */
#define tl_assert_status(r, status) tl_assert_status_at((r), (status), __FILE__, __LINE__)
/* Fails the test unless r has this HTTP status and an error body
 * {"error":{"code":code,"message":<non-empty>}}. */
#define assert_error(r, status, code) tl_assert_error_at((r), (status), (code), __FILE__, __LINE__)

void tl_assert_status_at(const tl_resp *r, long status, const char *file, int line);
/* Sends a request with a JSON body (NULL: none) and fails the test unless
 * the reply has this status; returns the reply's body (a new reference,
 * NULL when it had none), which the caller decrefs. */
json_t *tl_must_at(const tl_srv *s, const char *method, const char *path, const char *tok, json_t *body, long status,
                   const char *file, int line);
#define TL_MUST(s, m, p, t, b, st) tl_must_at((s), (m), (p), (t), (b), (st), __FILE__, __LINE__)
void tl_assert_error_at(const tl_resp *r, long status, const char *code, const char *file, int line);

/* The check behind assert_error, without failing: returns 1 when r is the
 * error, else prints the request's reply (naming file:line) and returns 0.
 * For callers that free the reply before failing. */
int tl_error_is(const tl_resp *r, long status, const char *code, const char *file, int line);

/* ---- 4. Fixtures through the API (as the admin of s) --------------------- */

/* The accounts every registry gets on creation: its own three, and one for
 * each levy of the shipped mechanisms (config/mechanisms: PACM's share of
 * proceeds, PACM's and JCM's OMGE, PACM's and VCS's buffer). */
typedef struct {
  int64_t pending, retirement, cancellation;
  int64_t adaptation_fund, omge, buffer;
} tl_registry_accounts;

/* POST /v1/parties; fails the test unless 201. */
void tl_mk_party(const tl_srv *s, const char *code, const char *name);
/* POST /v1/registries (id "CHE01", party "CHE"); fails unless 201 with the
 * six registry accounts, whose ids go to *acc (may be NULL). */
void tl_mk_registry(const tl_srv *s, const char *id, const char *party, tl_registry_accounts *acc);
/* POST /v1/organisations; returns the new id. */
int64_t tl_mk_org(const tl_srv *s, const char *registry, const char *name);
/* POST /v1/accounts; org 0 makes a registry-owned account. Returns its id. */
int64_t tl_mk_account(const tl_srv *s, const char *registry, int64_t org, const char *type, const char *name);
/* The id of registry's own (organisation-less) account of type, the first
 * one (the one the server's levies and issuances use); fails the test when
 * there is none. */
int64_t tl_registry_account(const tl_srv *s, const char *registry, const char *type);
/* POST /v1/projects, status registered, crediting 2020-01-01..2030-12-31. */
void tl_mk_project(const tl_srv *s, const char *id, const char *programme, const char *host);
/* POST /v1/issuances into the registry's pending account, forwarded to
 * forward_to when non-zero. Fails unless 201. Returns the reply (new
 * reference; the batch id is blocks[0].batch, see tl_batch_of). */
json_t *tl_mk_issue(const tl_srv *s, const char *registry, const char *project, const char *unit_type, int vintage,
                    int64_t qty, int64_t forward_to);
/* Batch id of an issuance reply. */
int64_t tl_batch_of(const json_t *issue_reply);
/* POST /v1/tokens: a new token of role ("holder" needs org, others 0).
 * Returns the secret, malloc'd (caller frees). */
char *tl_mk_token(const tl_srv *s, const char *role, int64_t org);
/* The same through `ledger6 token create` on the server's store (works
 * while the server runs: WAL mode, or PostgreSQL). Returns the secret, malloc'd. */
char *tl_cli_token(const tl_srv *s, const char *role, int64_t org);

/* ---- 5. Holdings as a canonical string ----------------------------------- */

/* GET /v1/accounts/{id}/holdings as admin, written as
 *   "status=open total=350 blocks=4:1-300,5:1-50"
 * with blocks sorted by (batch, first) and not merged, so any change to
 * the account's blocks or status changes the string. Fails the test on
 * a non-200 reply or a truncated block list. Returns malloc'd text. */
char *tl_holdings(const tl_srv *s, int64_t account);
/* The same with touching blocks of a batch merged ("4:1-300" for
 * 4:1-100 and 4:101-300): the set of units held, whatever the blocks. */
char *tl_holdings_units(const tl_srv *s, int64_t account);
/* Total units an account holds (from the same reply). */
int64_t tl_holdings_total(const tl_srv *s, int64_t account);

#endif
