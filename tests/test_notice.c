/*
 * test_notice.c -- email notices (issue 22, src/service/notice.c) at the
 * service level, over the store L6_STORE names (SQLite file or
 * PostgreSQL), against a tiny SMTP sink on 127.0.0.1 (a thread speaking
 * enough SMTP for libcurl: greeting, EHLO, MAIL, RCPT, DATA, QUIT).
 *
 *   cycle_and_proposal  a PACM activity submitted: the accredited
 *                       validator (only: not the unaccredited one, not the
 *                       participant) gets one notice; a transfer held for a
 *                       second approver: the other holder of the
 *                       organisation gets one (not the proposer, not a
 *                       disabled colleague, not another organisation); the
 *                       sink receives each once with the right recipient
 *                       and subject; sweeping and sending again sends
 *                       nothing more; one expiring within a day: a second
 *                       notice.
 *   relay_down          with nothing listening, the notice is not lost: the
 *                       attempt is recorded (queued, attempts 1, the error,
 *                       due 30 s later) while requests go on (a transfer
 *                       succeeds); not due again before the backoff; after
 *                       it, with the relay up, sent once.
 *   opt_out             a user who turned notices off gets none; on again,
 *                       the next notice is queued; only a person (not a
 *                       system token) has a choice.
 *   serve               `ledger6 serve --smtp-url` end to end: a transfer
 *                       held over HTTP (202) reaches both holders of the
 *                       organisation by email once, the log says so and
 *                       /metrics counts it; with the relay down the request
 *                       still succeeds, the log says "not sent", and the
 *                       notice goes out once the relay is back.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/notice.h"
#include "service/people.h"
#include "service/proposal.h"
#include "service/service_int.h"
#include "testlib.h"
#include "testlib_http.h"
#include "testlib_svc.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define HOUR INT64_C(3600000)

static int64_t now_ms = T0;
static int64_t test_clock(void) { return now_ms; }

/* ---- the SMTP sink ---------------------------------------------------------- */

#define SINK_MAX 16
static struct {
  int fd, port;
  pthread_t tid;
  volatile int stop;
  pthread_mutex_t mu;
  int n;
  char rcpt[SINK_MAX][300];
  char data[SINK_MAX][4096];
} K = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int sink_line(int c, char *buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    char ch;
    if (recv(c, &ch, 1, 0) != 1) return -1;
    buf[n++] = ch;
    if (ch == '\n') break;
  }
  buf[n] = '\0';
  return (int)n;
}

static void sink_say(int c, const char *s) { (void)!send(c, s, strlen(s), MSG_NOSIGNAL); }

static void sink_session(int c) {
  char line[1024], rcpt[300] = "";
  sink_say(c, "220 sink ESMTP\r\n");
  while (sink_line(c, line, sizeof line) > 0) {
    if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) sink_say(c, "250 sink\r\n");
    else if (strncasecmp(line, "MAIL FROM:", 10) == 0) sink_say(c, "250 ok\r\n");
    else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
      snprintf(rcpt, sizeof rcpt, "%.250s", line + 8);
      rcpt[strcspn(rcpt, "\r\n")] = '\0';
      sink_say(c, "250 ok\r\n");
    } else if (strncasecmp(line, "DATA", 4) == 0) {
      sink_say(c, "354 go on\r\n");
      char data[4096] = "";
      size_t len = 0;
      while (sink_line(c, line, sizeof line) > 0 && strcmp(line, ".\r\n") != 0) {
        size_t l = strlen(line);
        if (len + l < sizeof data) memcpy(data + len, line, l + 1), len += l;
      }
      pthread_mutex_lock(&K.mu);
      if (K.n < SINK_MAX) {
        snprintf(K.rcpt[K.n], sizeof K.rcpt[0], "%s", rcpt);
        snprintf(K.data[K.n], sizeof K.data[0], "%s", data);
        K.n++;
      }
      pthread_mutex_unlock(&K.mu);
      sink_say(c, "250 queued\r\n");
    } else if (strncasecmp(line, "QUIT", 4) == 0) {
      sink_say(c, "221 bye\r\n");
      break;
    } else {
      sink_say(c, "250 ok\r\n"); /* RSET, NOOP */
    }
  }
  close(c);
}

static void *sink_main(void *arg) {
  (void)arg;
  while (!K.stop) {
    struct pollfd p = {.fd = K.fd, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept(K.fd, NULL, NULL);
    if (c >= 0) sink_session(c);
  }
  return NULL;
}

/* Listens on port (0: any free one) and serves until sink_stop. */
static void sink_start(int port) {
  K.fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(K.fd >= 0);
  int one = 1;
  setsockopt(K.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(K.fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(K.fd, 8), 0);
  socklen_t al = sizeof a;
  getsockname(K.fd, (struct sockaddr *)&a, &al);
  K.port = ntohs(a.sin_port);
  K.stop = 0;
  assert_int_equal(pthread_create(&K.tid, NULL, sink_main, NULL), 0);
}

static void sink_stop(void) {
  K.stop = 1;
  pthread_join(K.tid, NULL);
  close(K.fd);
}

static int sink_count(void) {
  pthread_mutex_lock(&K.mu);
  int n = K.n;
  pthread_mutex_unlock(&K.mu);
  return n;
}

/* ---- the world --------------------------------------------------------------- */

static struct {
  tl_store ts;
  l6_svc *s;
  l6_actor admin, ma, p, alice, bob, quinn, sys;
  l6_id org_p, org_q, org_v, org_v2, org_dna;
  l6_id u_alice, u_bob, u_dave, u_quinn, u_val, u_val2, u_dna;
  l6_id acc_p, acc_q;
  tl_docs docs;
  char url[64];
} W;

#define OPS (svc_store(W.s)->ops)

static l6_id mk_user(const char *email, l6_role role, l6_id org, bool disabled) {
  l6_user u = {.role = role, .org = org, .disabled = disabled};
  snprintf(u.email, sizeof u.email, "%s", email);
  snprintf(u.name, sizeof u.name, "%s", email);
  snprintf(u.pwhash, sizeof u.pwhash, "x");
  snprintf(u.totp_secret, sizeof u.totp_secret, "00");
  snprintf(u.created, sizeof u.created, "2026-01-01T00:00:00Z");
  l6_error err = {0};
  tl_ok(OPS->user_put(svc_store(W.s), &u, &err), &err, "user");
  return u.id;
}

static l6_actor person(l6_role role, l6_id org, l6_id user, const char *name) {
  l6_actor a = tl_actor(role, org, name);
  a.user = user;
  return a;
}

static int setup(void **state) {
  (void)state;
  memset(&W, 0, sizeof W);
  now_ms = T0;
  if (tl_store_make(&W.ts, "notice", 0) != 0) return -1;
  l6_store *st = tl_store_open(&W.ts);
  l6_error err = {0};
  W.s = st ? svc_open(st, 2, &err) : NULL;
  if (W.s == NULL) return -1;
  svc_store(W.s)->tx_only = false; /* this test reads and writes the store directly between service calls */
  svc_set_clock(W.s, test_clock);
  char cfg[1024];
  snprintf(cfg, sizeof cfg, "%s/config", getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".");
  tl_ok(svc_load_config(W.s, cfg, &err), &err, "config");
  W.admin = tl_actor(L6_ROLE_ADMIN, 0, "admin");
  W.ma = tl_actor(L6_ROLE_MECHANISM_ADMIN, 0, "mechanism admin");
  tl_svc_party(W.s, &W.admin, "GHA");
  tl_svc_party(W.s, &W.admin, "CHE");
  W.org_p = tl_svc_org(W.s, &W.admin, "GHA01", "Volta Solar");
  W.org_q = tl_svc_org(W.s, &W.admin, "GHA01", "Another developer");
  W.org_v = tl_svc_org(W.s, &W.admin, "CHE01", "Accredited DOE");
  W.org_v2 = tl_svc_org(W.s, &W.admin, "CHE01", "Unaccredited DOE");
  W.org_dna = tl_svc_org(W.s, &W.admin, "GHA01", "Ghana EPA");
  W.acc_p = tl_svc_account(W.s, &W.admin, "GHA01", W.org_p, L6_ACCT_HOLDING, NULL);
  W.acc_q = tl_svc_account(W.s, &W.admin, "GHA01", W.org_q, L6_ACCT_HOLDING, NULL);
  const l6_mech *m = tl_svc_mech(W.s, "PACM");
  TL_OK(svc_accredit(W.s, &W.ma, W.org_v, m->code, (const char(*)[L6_CODE_MAX + 1])m->scopes, m->nscopes, &out_, &err_),
        "accredit");
  W.u_alice = mk_user("alice@volta.example", L6_ROLE_HOLDER, W.org_p, false);
  W.u_bob = mk_user("bob@volta.example", L6_ROLE_HOLDER, W.org_p, false);
  W.u_dave = mk_user("dave@volta.example", L6_ROLE_HOLDER, W.org_p, true); /* disabled */
  W.u_quinn = mk_user("quinn@other.example", L6_ROLE_HOLDER, W.org_q, false);
  W.u_val = mk_user("val@doe.example", L6_ROLE_VALIDATOR, W.org_v, false);
  W.u_val2 = mk_user("val2@doe2.example", L6_ROLE_VALIDATOR, W.org_v2, false);
  W.u_dna = mk_user("dna@epa.example", L6_ROLE_AUTHORITY, W.org_dna, false);
  W.p = person(L6_ROLE_HOLDER, W.org_p, W.u_alice, "alice");
  W.alice = W.p;
  W.bob = person(L6_ROLE_HOLDER, W.org_p, W.u_bob, "bob");
  W.quinn = person(L6_ROLE_HOLDER, W.org_q, W.u_quinn, "quinn");
  W.sys = tl_actor(L6_ROLE_HOLDER, W.org_p, "integration");
  W.sys.token = 99;
  /* Units for Volta Solar to move: a programme, a project, an issuance. */
  l6_programme pr = {.code = "P1", .name = "Programme one", .kind = "voluntary"};
  TL_OK(svc_programme_create(W.s, &W.admin, &pr, &out_, &err_), "programme");
  l6_unit_type u = {.code = "UA", .programme = "P1", .name = "Unit A"};
  TL_OK(svc_unit_type_create(W.s, &W.admin, &u, &out_, &err_), "unit type");
  l6_project pj = {.id = "PRJ.A", .programme = "P1", .host = "GHA", .title = "Project A", .methodology = "M1",
                   .sector = "energy", .kind = "avoidance", .crediting_start = "2015-01-01",
                   .crediting_end = "2030-12-31", .status = "registered"};
  TL_OK(svc_project_create(W.s, &W.admin, &pj, &out_, &err_), "project");
  l6_issue_req r = {.registry = "GHA01", .project = "PRJ.A", .unit_type = "UA", .vintage = 2020, .quantity = 5000,
                    .forward_to = W.acc_p};
  l6_reply rep;
  tl_ok(svc_issue(W.s, &W.admin, &r, &rep, &err), &err, "issue");
  json_decref(rep.body);
  json_error_t je;
  json_t *body = json_loads("{\"transfer_above\": 100}", 0, &je), *out = NULL;
  tl_ok(svc_policy_put(W.s, &W.admin, "GHA01", body, &out, &err), &err, "policy");
  json_decref(out);
  json_decref(body);
  K.n = 0;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  svc_close(W.s);
  return tl_store_free(&W.ts);
}

/* ---- helpers ------------------------------------------------------------------- */

static l6_smtp_cfg relay(int port) {
  snprintf(W.url, sizeof W.url, "smtp://127.0.0.1:%d", port);
  return (l6_smtp_cfg){.url = W.url, .from = "registry@ledger6.example", .tls = 0, .app_url = "https://registry.example/work.html",
                       .timeout_ms = 5000};
}

static int sweep(void) {
  int n = -1;
  l6_error err = {0};
  tl_ok(svc_notices_sweep(W.s, "https://registry.example/work.html", &n, &err), &err, "sweep");
  return n;
}

static l6_notice_round send_due(int port) {
  l6_smtp_cfg c = relay(port);
  l6_notice_round r = {0};
  l6_error err = {0};
  tl_ok(svc_notices_send(W.s, &c, &r, &err), &err, "send");
  return r;
}

typedef struct {
  l6_notice n[32];
  int len;
} notices;
static int notice_row(void *ctx, const void *row) {
  notices *c = ctx;
  if (c->len < 32) c->n[c->len++] = *(const l6_notice *)row;
  return 0;
}
static notices all_notices(void) {
  notices c = {.len = 0};
  l6_error err = {0};
  tl_ok(OPS->notice_list(svc_store(W.s), 0, 100, notice_row, &c, &err), &err, "notice_list");
  return c;
}

/* A transfer of qty UA from Volta Solar's account by a; the reply's status
 * and (when held) the proposal's id. */
static int transfer(const l6_actor *a, l6_qty qty, l6_id *proposal) {
  l6_move_req *r = calloc(1, sizeof *r);
  assert_non_null(r);
  r->kind = L6_TX_TRANSFER;
  r->from_account = W.acc_p;
  r->to_account = W.acc_q;
  r->quantity = qty;
  snprintf(r->unit_type, sizeof r->unit_type, "UA");
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_move(W.s, a, r, &rep, &err), &err, "transfer");
  free(r);
  if (proposal) *proposal = json_integer_value(json_object_get(rep.body, "id"));
  int st = rep.status;
  json_decref(rep.body);
  return st;
}

static void submit_pacm(const char *id) {
  const l6_mech *m = tl_svc_mech(W.s, "PACM");
  l6_submit_req r = {.ets_covered = 0};
  l6_project *p = &r.project;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->host, sizeof p->host, "GHA");
  snprintf(p->title, sizeof p->title, "Solar for schools %s", id);
  snprintf(p->methodology, sizeof p->methodology, "%s methodology", m->calcs[0]->name);
  snprintf(p->sector, sizeof p->sector, "energy");
  snprintf(p->kind, sizeof p->kind, "%s", m->kind_avoidance ? "avoidance" : "removal");
  snprintf(p->crediting_start, sizeof p->crediting_start, "2021-01-01");
  snprintf(p->crediting_end, sizeof p->crediting_end, "2030-12-31");
  snprintf(r.mechanism, sizeof r.mechanism, "%s", m->code);
  snprintf(r.registry, sizeof r.registry, "GHA01");
  snprintf(r.scope, sizeof r.scope, "%s", m->scopes[0]);
  r.ndocs = tl_svc_docs_for(W.s, &W.p, &W.docs, m, L6_STEP_SUBMIT, r.docs);
  TL_OK(svc_activity_submit(W.s, &W.p, &r, &out_, &err_), "submit");
}

/* The sink's message for rcpt ("<a@b>"), or NULL; *count: how many. */
static const char *received(const char *rcpt, int *count) {
  const char *found = NULL;
  int n = 0;
  pthread_mutex_lock(&K.mu);
  for (int i = 0; i < K.n; i++)
    if (strcmp(K.rcpt[i], rcpt) == 0) found = K.data[i], n++;
  pthread_mutex_unlock(&K.mu);
  if (count) *count = n;
  return found;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_cycle_and_proposal(void **state) {
  (void)state;
  submit_pacm("GHA.SUN.01");
  assert_int_equal(sweep(), 1); /* the accredited validator only */
  notices q = all_notices();
  assert_int_equal(q.len, 1);
  assert_int_equal(q.n[0].user, W.u_val);
  assert_string_equal(q.n[0].email, "val@doe.example");
  assert_string_equal(q.n[0].state, "queued");
  assert_non_null(strstr(q.n[0].key, "activity:GHA.SUN.01:submitted:"));
  assert_int_equal(sweep(), 0); /* once per notice per person */

  l6_id prop = 0;
  assert_int_equal(transfer(&W.alice, 200, &prop), 202); /* held for a second approver */
  assert_true(prop > 0);
  assert_int_equal(sweep(), 1); /* Bob: not Alice (proposer), Dave (disabled), Quinn (another organisation) */
  q = all_notices();
  assert_int_equal(q.len, 2);
  assert_int_equal(q.n[1].user, W.u_bob);

  sink_start(0);
  l6_notice_round r = send_due(K.port);
  assert_int_equal(r.sent, 2);
  assert_int_equal(r.retried + r.failed, 0);
  int n = 0;
  const char *m = received("<bob@volta.example>", &n);
  assert_int_equal(n, 1);
  char subject[96];
  snprintf(subject, sizeof subject, "Subject: ledger6: proposal %lld awaits your approval\r\n", (long long)prop);
  assert_non_null(strstr(m, subject));
  assert_non_null(strstr(m, "From: registry@ledger6.example\r\n"));
  assert_non_null(strstr(m, "To: bob@volta.example\r\n"));
  assert_non_null(strstr(m, "https://registry.example/work.html#/approvals"));
  m = received("<val@doe.example>", &n);
  assert_int_equal(n, 1);
  assert_non_null(strstr(m, "Subject: ledger6: validate of GHA.SUN.01 awaits you\r\n"));
  assert_null(received("<val2@doe2.example>", NULL));
  assert_null(received("<alice@volta.example>", NULL));
  assert_null(received("<dave@volta.example>", NULL));
  assert_null(received("<quinn@other.example>", NULL));
  q = all_notices();
  for (int i = 0; i < q.len; i++) {
    assert_string_equal(q.n[i].state, "sent");
    assert_int_equal(q.n[i].attempts, 1);
    assert_int_equal(q.n[i].sent_ms, T0);
  }

  /* Again: nothing new to queue, nothing due, nothing sent. */
  now_ms += HOUR;
  assert_int_equal(sweep(), 0);
  r = send_due(K.port);
  assert_int_equal(r.sent, 0);
  assert_int_equal(sink_count(), 2);

  /* Within a day of its expiry: one more notice, "expires within a day". */
  l6_proposal p;
  l6_error err = {0};
  tl_ok(OPS->proposal_get(svc_store(W.s), prop, &p, &err), &err, "proposal");
  assert_true(p.expires_ms > now_ms + 24 * HOUR);
  now_ms = p.expires_ms - 2 * HOUR;
  assert_int_equal(sweep(), 1);
  r = send_due(K.port);
  assert_int_equal(r.sent, 1);
  received("<bob@volta.example>", &n);
  assert_int_equal(n, 2);
  snprintf(subject, sizeof subject, "Subject: ledger6: proposal %lld expires within a day\r\n", (long long)prop);
  pthread_mutex_lock(&K.mu);
  assert_non_null(strstr(K.data[K.n - 1], subject));
  pthread_mutex_unlock(&K.mu);
  assert_int_equal(sweep(), 0);
  sink_stop();
}

static void test_relay_down(void **state) {
  (void)state;
  /* A port with nothing listening: take a free one and close it. */
  sink_start(0);
  int port = K.port;
  sink_stop();
  l6_id prop = 0;
  assert_int_equal(transfer(&W.alice, 300, &prop), 202);
  assert_int_equal(sweep(), 1);
  l6_notice_round r = send_due(port);
  assert_int_equal(r.sent, 0);
  assert_int_equal(r.retried, 1);
  notices q = all_notices();
  assert_int_equal(q.len, 1);
  assert_string_equal(q.n[0].state, "queued");
  assert_int_equal(q.n[0].attempts, 1);
  assert_int_equal(q.n[0].due_ms, T0 + 30000); /* the first backoff */
  assert_true(q.n[0].last_error[0] != '\0');
  /* Requests go on while the relay is down (they never send). */
  assert_int_equal(transfer(&W.alice, 50, NULL), 201);
  /* Not due again before the backoff. */
  now_ms += 10000;
  r = send_due(port);
  assert_int_equal(r.sent + r.retried, 0);
  /* The relay is back on the same port; after the backoff, sent once. */
  sink_start(port);
  now_ms = T0 + 30000;
  r = send_due(K.port);
  assert_int_equal(r.sent, 1);
  int n = 0;
  const char *m = received("<bob@volta.example>", &n);
  assert_int_equal(n, 1);
  char subject[96];
  snprintf(subject, sizeof subject, "Subject: ledger6: proposal %lld awaits your approval\r\n", (long long)prop);
  assert_non_null(strstr(m, subject));
  q = all_notices();
  assert_string_equal(q.n[0].state, "sent");
  assert_int_equal(q.n[0].attempts, 2);
  assert_string_equal(q.n[0].last_error, "");
  now_ms += HOUR;
  r = send_due(K.port);
  assert_int_equal(r.sent, 0);
  assert_int_equal(sink_count(), 1);
  sink_stop();
}

static void test_opt_out(void **state) {
  (void)state;
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_notice_pref_get(W.s, &W.bob, &out, &err), &err, "pref get");
  assert_true(json_is_true(json_object_get(out, "email")));
  assert_string_equal(json_string_value(json_object_get(out, "address")), "bob@volta.example");
  json_decref(out);
  tl_ok(svc_notice_pref_set(W.s, &W.bob, false, &out, &err), &err, "pref off");
  assert_true(json_is_false(json_object_get(out, "email")));
  json_decref(out);
  /* A system token has no person to choose for. */
  assert_int_equal(svc_notice_pref_set(W.s, &W.sys, false, &out, &err), L6_E_FORBIDDEN);
  assert_null(out);
  l6_id prop = 0;
  assert_int_equal(transfer(&W.alice, 400, &prop), 202);
  assert_int_equal(sweep(), 0); /* Bob opted out; nobody else may decide */
  tl_ok(svc_notice_pref_set(W.s, &W.bob, true, &out, &err), &err, "pref on");
  json_decref(out);
  assert_int_equal(sweep(), 1);
  notices q = all_notices();
  assert_int_equal(q.len, 1);
  assert_int_equal(q.n[0].user, W.u_bob);
}

/* ---- serve --smtp-url ------------------------------------------------------------ */

static bool log_has(const tl_srv *srv, const char *text) {
  FILE *f = fopen(srv->log, "r");
  if (f == NULL) return false;
  char line[2048];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) found = strstr(line, text) != NULL;
  fclose(f);
  return found;
}

static int64_t mk_http_user(const tl_srv *srv, const char *email, int64_t org) {
  json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "email", email, "name", email, "role", "holder", "password",
                        "correct horse battery staple", "organisation", (json_int_t)org);
  tl_resp r = tl_http_reqj(srv, "POST", "/v1/users", srv->admin, b, NULL);
  tl_assert_status(&r, 201);
  int64_t id = tl_jint(r.body, "id");
  tl_resp_free(&r);
  return id;
}

/* Waits up to 10 s for the sink to hold n messages. */
static bool sink_wait(int n) {
  for (int i = 0; i < 200 && sink_count() < n; i++) usleep(50000);
  return sink_count() >= n;
}

static void test_serve(void **state) {
  (void)state;
  K.n = 0;
  sink_start(0);
  int port = K.port;
  sink_stop(); /* down at first: nothing listens on port */
  static tl_srv srv;
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
  assert_int_equal(tl_srv_start(&srv, "notice"), 0);
  assert_int_equal(tl_srv_stop(&srv), 0);
  const char *extra[] = {"--smtp-url", url, "--smtp-from", "registry@ledger6.example", "--smtp-interval", "1",
                         "--smtp-retry", "1", "--pwhash-cost", "interactive", NULL};
  memcpy(srv.extra, extra, sizeof extra);
  assert_int_equal(tl_srv_restart(&srv), 0);
  tl_mk_party(&srv, "CHE", "Switzerland");
  tl_mk_registry(&srv, "CHE01", "CHE", NULL);
  int64_t org = tl_mk_org(&srv, "CHE01", "Org A"), other = tl_mk_org(&srv, "CHE01", "Org B");
  int64_t a1 = tl_mk_account(&srv, "CHE01", org, "holding", "A1"), b1 = tl_mk_account(&srv, "CHE01", other, "holding", "B1");
  tl_mk_project(&srv, "CHE.P.1", "VCS", "CHE");
  json_decref(tl_mk_issue(&srv, "CHE01", "CHE.P.1", "VCU", 2023, 1000, a1));
  mk_http_user(&srv, "ann@orga.example", org);
  mk_http_user(&srv, "ben@orga.example", org);
  mk_http_user(&srv, "cy@orgb.example", other);
  tl_resp r = tl_http_req(&srv, "PUT", "/v1/registries/CHE01/approval-policy", srv.admin, "{\"transfer_above\":100}", NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  char *holder = tl_mk_token(&srv, "holder", org);
  json_t *b = json_pack("{s:I, s:I, s:s, s:I}", "from_account", (json_int_t)a1, "to_account", (json_int_t)b1, "unit_type",
                        "VCU", "quantity", (json_int_t)200);
  r = tl_http_reqj(&srv, "POST", "/v1/transfers", holder, b, NULL);
  tl_assert_status(&r, 202); /* the relay is down: the request succeeds all the same */
  int64_t prop = tl_jint(r.body, "id");
  tl_resp_free(&r);
  for (int i = 0; i < 100 && !log_has(&srv, "not sent (attempt 1"); i++) usleep(50000);
  assert_true(log_has(&srv, "not sent (attempt 1"));
  /* The relay comes back; after the backoff (--smtp-retry 1: 1 s, 2 s, ...) both are sent. */
  sink_start(port);
  assert_true(sink_wait(2));
  int n = 0;
  char subject[96];
  snprintf(subject, sizeof subject, "Subject: ledger6: proposal %lld awaits your approval\r\n", (long long)prop);
  assert_non_null(strstr(received("<ann@orga.example>", &n), subject));
  assert_int_equal(n, 1);
  assert_non_null(strstr(received("<ben@orga.example>", &n), subject));
  assert_int_equal(n, 1);
  assert_null(received("<cy@orgb.example>", NULL));
  assert_true(log_has(&srv, "ledger6: email notices through smtp://127.0.0.1:"));
  assert_true(log_has(&srv, "sent to user"));
  r = tl_http_req(&srv, "GET", "/metrics", srv.admin, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_non_null(strstr(r.raw, "ledger6_notices_total{result=\"sent\"} 2\n"));
  assert_non_null(strstr(r.raw, "ledger6_notices_total{result=\"queued\"} 2\n"));
  tl_resp_free(&r);
  sleep(1); /* another round: nothing more */
  assert_int_equal(sink_count(), 2);
  free(holder);
  sink_stop();
  tl_srv_free(&srv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cycle_and_proposal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relay_down, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opt_out, setup, teardown),
      cmocka_unit_test(test_serve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
