/*
 * notice.c -- email notices: the sweep that queues what awaits whom, the
 * sender (libcurl SMTP) with retries, and a user's choice; see notice.h.
 */
#include "notice.h"

#include <curl/curl.h>
#include <sodium.h>
#include <time.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../metrics.h"
#include "mechanism.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)
#define SEND_BATCH 32

/* ---- who may be asked ----------------------------------------------------- */

typedef struct {
  l6_id id;
  char email[L6_EMAIL_MAX + 1];
  l6_role role;
  l6_id org;
  char party[4]; /* the Party of the organisation's registry ("" when none) */
} person;

typedef struct {
  person *p;
  size_t n, cap;
  l6_svc *s;
  l6_err e;
  l6_error *err;
} people;

static int person_row(void *ctx, const void *row) {
  people *c = ctx;
  const l6_user *u = row;
  if (u->disabled) return 0;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 32;
    person *p = realloc(c->p, cap * sizeof *p);
    if (p == NULL) return c->e = L6_E_NOMEM, 1;
    c->p = p;
    c->cap = cap;
  }
  person *q = &c->p[c->n++];
  memset(q, 0, sizeof *q);
  q->id = u->id;
  snprintf(q->email, sizeof q->email, "%s", u->email);
  q->role = u->role;
  q->org = u->org;
  return 0;
}

/* Every enabled user who has not opted out, with their organisation's Party. */
static l6_err load_people(l6_svc *s, people *c, l6_error *err) {
  l6_err e = OPS->user_list(ST, person_row, c, err);
  if (e == L6_E_OK && c->e != L6_E_OK) e = l6_fail(err, c->e, NULL);
  size_t w = 0;
  for (size_t i = 0; e == L6_E_OK && i < c->n; i++) {
    bool on = true;
    if ((e = OPS->user_notify_get(ST, c->p[i].id, &on, err)) != L6_E_OK) break;
    if (!on) continue;
    if (c->p[i].org > 0) {
      l6_org o;
      l6_registry r;
      l6_error e2 = {0};
      if (OPS->org_get(ST, c->p[i].org, &o, &e2) == L6_E_OK && OPS->registry_get(ST, o.registry, &r, &e2) == L6_E_OK)
        snprintf(c->p[i].party, sizeof c->p[i].party, "%s", r.party);
    }
    c->p[w++] = c->p[i];
  }
  c->n = w;
  return e;
}

/* ---- queueing ---------------------------------------------------------------- */

typedef struct {
  l6_svc *s;
  const char *app_url;
  int queued;
} sweep_ctx;

static l6_err queue(sweep_ctx *k, const person *p, const char *key, const char *subject, const char *body,
                    const char *anchor, l6_error *err) {
  l6_svc *s = k->s;
  l6_notice *n = calloc(1, sizeof *n);
  if (n == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  n->user = p->id;
  snprintf(n->key, sizeof n->key, "%s", key);
  snprintf(n->email, sizeof n->email, "%s", p->email);
  snprintf(n->subject, sizeof n->subject, "ledger6: %s", subject);
  snprintf(n->body, sizeof n->body,
           "%s\r\n\r\nOpen the registry's working app to act on it%s%s%s.\r\n\r\n"
           "You receive this because it awaits you in the registry. To stop these emails, turn email notices "
           "off in the app (PUT /v1/session/notices).\r\n",
           body, k->app_url && k->app_url[0] ? ": " : "", k->app_url ? k->app_url : "", k->app_url && k->app_url[0] ? anchor : "");
  snprintf(n->state, sizeof n->state, "queued");
  n->created_ms = n->due_ms = svc__now_ms(s);
  bool added = false;
  l6_err e = OPS->notice_add(ST, n, &added, err);
  if (e == L6_E_OK && added) k->queued++;
  free(n);
  return e;
}

/* Proposals: pending ones of an organisation for its holders and
 * authorities other than the proposer; and when one expires within a day,
 * a second notice. */
typedef struct {
  l6_proposal *p;
  size_t n, cap;
  bool nomem;
} props;

static int prop_row(void *ctx, const void *row) {
  props *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    l6_proposal *p = realloc(c->p, cap * sizeof *p);
    if (p == NULL) return c->nomem = true, 1;
    c->p = p;
    c->cap = cap;
  }
  c->p[c->n++] = *(const l6_proposal *)row;
  return 0;
}

static l6_err sweep_proposals(sweep_ctx *k, const people *pp, l6_error *err) {
  l6_svc *s = k->s;
  props c = {0};
  l6_proposal_filter f = {.limit = 1000};
  snprintf(f.state, sizeof f.state, "pending");
  l6_err e = OPS->proposal_list(ST, &f, prop_row, &c, err);
  if (e == L6_E_OK && c.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  int64_t now = svc__now_ms(s);
  for (size_t i = 0; e == L6_E_OK && i < c.n; i++) {
    const l6_proposal *p = &c.p[i];
    char what[160], key[64], subject[160], body[600];
    if (p->quantity > 0)
      snprintf(what, sizeof what, "%s of %" PRId64 " t from account %" PRId64, p->kind, (int64_t)p->quantity,
               (int64_t)p->from_account);
    else
      snprintf(what, sizeof what, "%s", p->kind);
    bool expiring = p->expires_ms > 0 && p->expires_ms - now <= L6_NOTICE_EXPIRING_MS;
    for (size_t j = 0; e == L6_E_OK && j < pp->n; j++) {
      const person *u = &pp->p[j];
      if (u->org != p->org || u->id == p->proposer_user || (u->role != L6_ROLE_HOLDER && u->role != L6_ROLE_AUTHORITY))
        continue;
      snprintf(key, sizeof key, "proposal:%" PRId64, (int64_t)p->id);
      snprintf(subject, sizeof subject, "proposal %" PRId64 " awaits your approval", (int64_t)p->id);
      snprintf(body, sizeof body, "Proposal %" PRId64 " (%s), proposed by %s, awaits a second person of your organisation: "
               "approve or reject it before it expires.", (int64_t)p->id, what, p->proposer);
      e = queue(k, u, key, subject, body, "#/approvals", err);
      if (e == L6_E_OK && expiring) {
        snprintf(key, sizeof key, "proposal:%" PRId64 ":expiring", (int64_t)p->id);
        snprintf(subject, sizeof subject, "proposal %" PRId64 " expires within a day", (int64_t)p->id);
        snprintf(body, sizeof body, "Proposal %" PRId64 " (%s), proposed by %s, expires within a day unless approved "
                 "or rejected.", (int64_t)p->id, what, p->proposer);
        e = queue(k, u, key, subject, body, "#/approvals", err);
      }
    }
  }
  free(c.p);
  return e;
}

/* The project cycle: the step an activity's state (or a registered
 * activity's period's) waits for, as web/work.js's activityNext and
 * PERIOD_NEXT name it (docs/API.md, "Crediting mechanisms and the project
 * cycle"), and the role the mechanism's file gives that step. */
typedef struct {
  l6_activity *a;
  size_t n, cap;
  bool nomem;
} acts;

static int act_row(void *ctx, const void *row) {
  acts *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    l6_activity *a = realloc(c->a, cap * sizeof *a);
    if (a == NULL) return c->nomem = true, 1;
    c->a = a;
    c->cap = cap;
  }
  c->a[c->n++] = *(const l6_activity *)row;
  return 0;
}

typedef struct {
  l6_period p[64];
  size_t n;
} periods;

static int period_row(void *ctx, const void *row) {
  periods *c = ctx;
  if (c->n < sizeof c->p / sizeof c->p[0]) c->p[c->n++] = *(const l6_period *)row;
  return 0;
}

static const char *activity_next(const l6_activity *a, const l6_mech *m) {
  if (strcmp(a->state, "submitted") == 0) return "validate";
  if (strcmp(a->state, "validated") == 0) return m->steps[L6_STEP_APPROVE].defined ? "approve" : "register";
  if (strcmp(a->state, "approved") == 0) return "register";
  if (strcmp(a->state, "rejected") == 0) return "resubmit";
  return NULL;
}

static const char *period_next(const char *state) {
  if (strcmp(state, "reported") == 0) return "verify";
  if (strcmp(state, "verified") == 0) return "request";
  if (strcmp(state, "requested") == 0) return "issue";
  if (strcmp(state, "rejected") == 0) return "monitor";
  return NULL;
}

/* Is u one who may be asked to do a step of role r on activity a (host
 * Party host)? The server still decides when they act. */
static l6_err may_do(l6_svc *s, const person *u, l6_mrole r, const l6_activity *a, const char *host, bool *out,
                     l6_error *err) {
  *out = false;
  switch (r) {
  case L6_MROLE_PARTICIPANT: *out = u->role == L6_ROLE_HOLDER && u->org == a->org; return L6_E_OK;
  case L6_MROLE_VALIDATOR:
    if (u->role != L6_ROLE_VALIDATOR || u->org == a->org) return L6_E_OK;
    return OPS->accreditation_has(ST, u->org, a->mechanism, a->scope, out, err);
  case L6_MROLE_AUTHORITY: *out = u->role == L6_ROLE_AUTHORITY && strcmp(u->party, host) == 0; return L6_E_OK;
  case L6_MROLE_MECHANISM_ADMIN: *out = u->role == L6_ROLE_MECHANISM_ADMIN; return L6_E_OK;
  default: return L6_E_OK;
  }
}

static l6_err ask(sweep_ctx *k, const people *pp, const l6_activity *a, const l6_project *pr, const l6_mech *m,
                  const char *step, int period, const char *key, l6_error *err) {
  l6_svc *s = k->s;
  l6_step st = l6_step_from_str(step);
  l6_mrole r = st == L6_STEP_RESUBMIT ? L6_MROLE_PARTICIPANT : st != L6_STEP__NONE ? m->steps[st].role : L6_MROLE__NONE;
  if (st == L6_STEP_MONITOR) r = L6_MROLE_PARTICIPANT;
  char subject[200], body[700], anchor[80], per[32] = "";
  if (period > 0) snprintf(per, sizeof per, " (period %d)", period);
  snprintf(subject, sizeof subject, "%s%s of %s awaits you", step, per, a->project);
  snprintf(body, sizeof body, "Activity %s, \"%s\" (%s, host %s), waits for the step %s%s by %s.", a->project, pr->title,
           a->mechanism, pr->host, step, per, l6_mrole_str(r));
  snprintf(anchor, sizeof anchor, "#/activity/%s", a->project);
  l6_err e = L6_E_OK;
  for (size_t j = 0; e == L6_E_OK && j < pp->n; j++) {
    bool ok = false;
    if ((e = may_do(s, &pp->p[j], r, a, pr->host, &ok, err)) != L6_E_OK) break;
    if (ok) e = queue(k, &pp->p[j], key, subject, body, anchor, err);
  }
  return e;
}

static l6_err sweep_cycle(sweep_ctx *k, const people *pp, l6_error *err) {
  l6_svc *s = k->s;
  const l6_mech_set *set = svc__mechs(s);
  if (set == NULL) return L6_E_OK;
  acts c = {0};
  /* Only the states that wait for a step (and registered, for its periods). */
  static const char *const waiting[] = {"submitted", "validated", "approved", "rejected", "registered"};
  l6_err e = L6_E_OK;
  for (size_t i = 0; e == L6_E_OK && i < sizeof waiting / sizeof waiting[0]; i++)
    e = OPS->activity_list(ST, "", waiting[i], "", 1000000, act_row, &c, err);
  if (e == L6_E_OK && c.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  periods *ps = malloc(sizeof *ps);
  if (e == L6_E_OK && ps == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  for (size_t i = 0; e == L6_E_OK && i < c.n; i++) {
    const l6_activity *a = &c.a[i];
    const l6_mech *m = mech_find(set, a->mechanism);
    l6_project pr;
    l6_error e2 = {0};
    if (m == NULL || OPS->project_get(ST, a->project, &pr, &e2) != L6_E_OK) continue;
    char key[L6_NOTICE_KEY_MAX + 1];
    const char *step = activity_next(a, m);
    if (step) {
      /* the state and the time of the step that made it: a new state, or
       * the same state reached again (resubmitted), is a new notice */
      snprintf(key, sizeof key, "activity:%s:%s:%s", a->project, a->state, a->updated);
      e = ask(k, pp, a, &pr, m, step, 0, key, err);
    }
    if (e != L6_E_OK || strcmp(a->state, "registered") != 0) continue;
    ps->n = 0;
    if ((e = OPS->period_list(ST, a->project, (int)(sizeof ps->p / sizeof ps->p[0]), period_row, ps, err)) != L6_E_OK)
      break;
    for (size_t j = 0; e == L6_E_OK && j < ps->n; j++) {
      const char *ns = period_next(ps->p[j].state);
      if (ns == NULL) continue;
      snprintf(key, sizeof key, "period:%s:%d:%s:%s", a->project, ps->p[j].seq, ps->p[j].state, a->updated);
      e = ask(k, pp, a, &pr, m, ns, ps->p[j].seq, key, err);
    }
  }
  free(ps);
  free(c.a);
  return e;
}

l6_err svc_notices_sweep(l6_svc *s, const char *app_url, int *queued, l6_error *err) {
  if (queued) *queued = 0;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  people pp = {.s = s};
  sweep_ctx k = {.s = s, .app_url = app_url};
  e = load_people(s, &pp, err);
  if (e == L6_E_OK && pp.n) e = sweep_proposals(&k, &pp, err);
  if (e == L6_E_OK && pp.n) e = sweep_cycle(&k, &pp, err);
  free(pp.p);
  e = svc__finish(s, e, err);
  if (e == L6_E_OK && queued) *queued = k.queued;
  return e;
}

/* ---- sending ---------------------------------------------------------------------- */

typedef struct {
  const char *data;
  size_t len, off;
} payload;

static size_t read_payload(char *buf, size_t size, size_t n, void *ctx) {
  payload *p = ctx;
  size_t want = size * n, left = p->len - p->off;
  if (want > left) want = left;
  memcpy(buf, p->data + p->off, want);
  p->off += want;
  return want;
}

/* A header value without CR or LF (nothing from the store may add a header). */
static void header_text(char *dst, size_t cap, const char *src) {
  size_t j = 0;
  for (size_t i = 0; src[i] && j + 1 < cap; i++) dst[j++] = src[i] == '\r' || src[i] == '\n' ? ' ' : src[i];
  dst[j] = '\0';
}

bool notice_smtp_send(const l6_smtp_cfg *c, const char *to, const char *subject, const char *body, char *why,
                      size_t cap) {
  char from_h[L6_EMAIL_MAX + 1], to_h[L6_EMAIL_MAX + 1], subj_h[L6_NOTICE_SUBJECT_MAX + 1], date[64], rcpt[L6_EMAIL_MAX + 3],
      from[L6_EMAIL_MAX + 3];
  header_text(from_h, sizeof from_h, c->from);
  header_text(to_h, sizeof to_h, to);
  header_text(subj_h, sizeof subj_h, subject);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  size_t blen = strlen(body);
  size_t cap_msg = blen + 1024;
  char *msg = malloc(cap_msg);
  if (msg == NULL) return snprintf(why, cap, "out of memory"), false;
  /* Lines of the body that start with "." are sent as is: libcurl dot-stuffs. */
  int n = snprintf(msg, cap_msg,
                   "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                   "Auto-Submitted: auto-generated\r\n\r\n%s",
                   date, from_h, to_h, subj_h, body);
  if (n < 0 || (size_t)n >= cap_msg) {
    free(msg);
    return snprintf(why, cap, "message too long"), false;
  }
  payload p = {msg, (size_t)n, 0};
  snprintf(from, sizeof from, "<%s>", from_h);
  snprintf(rcpt, sizeof rcpt, "<%s>", to_h);
  CURL *h = curl_easy_init();
  if (h == NULL) {
    free(msg);
    return snprintf(why, cap, "cannot start libcurl"), false;
  }
  struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, c->url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 10000L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(h, CURLOPT_READDATA, &p);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (c->tls == 1) curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
  if (c->tls == 2) curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  if (c->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
  if (c->user) curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
  if (c->password) curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
  CURLcode rc = curl_easy_perform(h);
  bool ok = rc == CURLE_OK;
  if (!ok) {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code) snprintf(why, cap, "%s (SMTP %ld): %s", curl_easy_strerror(rc), code, errbuf);
    else snprintf(why, cap, "%s: %s", curl_easy_strerror(rc), errbuf);
  }
  curl_slist_free_all(rcpts);
  curl_easy_cleanup(h);
  free(msg);
  return ok;
}

typedef struct {
  l6_notice n[SEND_BATCH];
  size_t len;
} due_list;

static int due_row(void *ctx, const void *row) {
  due_list *d = ctx;
  if (d->len < SEND_BATCH) d->n[d->len++] = *(const l6_notice *)row;
  return 0;
}

/* The wait after the attempts-th failed attempt: first_s (30 s) doubled each time, at most an hour. */
static int64_t backoff_ms(int first_s, int attempts) {
  int64_t ms = (first_s > 0 ? first_s : 30) * INT64_C(1000);
  for (int i = 1; i < attempts && ms < 3600000; i++) ms *= 2;
  return ms < 3600000 ? ms : 3600000;
}

l6_err svc_notices_send(l6_svc *s, const l6_smtp_cfg *c, l6_notice_round *r, l6_error *err) {
  due_list *d = calloc(1, sizeof *d);
  if (d == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  int64_t now = svc__now_ms(s);
  /* Claim: the due ones move L6_NOTICE_CLAIM_MS ahead, so another server
   * sharing the store (or the next round) does not send them too; a
   * process that dies mid-send leaves them due again after the claim. */
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(d);
    return e;
  }
  e = OPS->notice_due(ST, now, SEND_BATCH, due_row, d, err);
  for (size_t i = 0; e == L6_E_OK && i < d->len; i++) {
    l6_notice x = d->n[i];
    x.due_ms = now + L6_NOTICE_CLAIM_MS;
    e = OPS->notice_update(ST, &x, err);
  }
  e = svc__finish(s, e, err);
  for (size_t i = 0; e == L6_E_OK && i < d->len; i++) {
    l6_notice *n = &d->n[i];
    char why[L6_NOTICE_ERROR_MAX + 1] = "";
    bool ok = notice_smtp_send(c, n->email, n->subject, n->body, why, sizeof why);
    int64_t t = svc__now_ms(s);
    n->attempts++;
    if (ok) {
      snprintf(n->state, sizeof n->state, "sent");
      n->sent_ms = t;
      n->last_error[0] = '\0';
      r->sent++;
      fprintf(stderr, "ledger6: notice %" PRId64 " sent to user %" PRId64 " (%s): %s\n", (int64_t)n->id, (int64_t)n->user,
              n->key, n->subject);
    } else if (n->attempts >= L6_NOTICE_MAX_ATTEMPTS) {
      snprintf(n->state, sizeof n->state, "failed");
      snprintf(n->last_error, sizeof n->last_error, "%s", why);
      r->failed++;
      fprintf(stderr, "ledger6: notice %" PRId64 " to user %" PRId64 " given up after %d attempts: %s\n", (int64_t)n->id,
              (int64_t)n->user, n->attempts, why);
    } else {
      n->due_ms = t + backoff_ms(c->retry_s, n->attempts);
      snprintf(n->last_error, sizeof n->last_error, "%s", why);
      r->retried++;
      fprintf(stderr, "ledger6: notice %" PRId64 " to user %" PRId64 " not sent (attempt %d, next in %" PRId64 " s): %s\n",
              (int64_t)n->id, (int64_t)n->user, n->attempts, backoff_ms(c->retry_s, n->attempts) / 1000, why);
    }
    if ((e = svc__begin(s, err)) != L6_E_OK) break;
    e = svc__finish(s, OPS->notice_update(ST, n, err), err);
  }
  free(d);
  return e;
}

l6_err svc_notices_tick(l6_svc *s, const l6_smtp_cfg *c, l6_notice_round *r, l6_error *err) {
  memset(r, 0, sizeof *r);
  l6_err e = svc_notices_sweep(s, c->app_url, &r->queued, err);
  if (e == L6_E_OK) e = svc_notices_send(s, c, r, err);
  metrics_notices(r->queued, r->sent, r->retried, r->failed);
  return e;
}

/* ---- a user's choice ------------------------------------------------------------------ */

static l6_err pref(l6_svc *s, const l6_actor *a, const bool *set, json_t **out, l6_error *err) {
  *out = NULL;
  l6_id uid = a->user ? a->user : a->owner;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, "log in (POST /v1/session)");
  if (uid == 0) return l6_fail(err, L6_E_FORBIDDEN, "email notices are a user's: log in (POST /v1/session)");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_user *u = malloc(sizeof *u);
  bool on = true;
  e = u ? OPS->user_get(ST, uid, u, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK && set) e = OPS->user_notify_set(ST, uid, *set, err);
  if (e == L6_E_OK) e = OPS->user_notify_get(ST, uid, &on, err);
  if (e == L6_E_OK) *out = json_pack("{s:b, s:s}", "email", on, "address", u->email);
  if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (u) sodium_memzero(u, sizeof *u);
  free(u);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_notice_pref_get(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) { return pref(s, a, NULL, out, err); }
l6_err svc_notice_pref_set(l6_svc *s, const l6_actor *a, bool on, json_t **out, l6_error *err) {
  return pref(s, a, &on, out, err);
}
