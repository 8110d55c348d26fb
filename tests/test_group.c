/*
 * test_group.c -- group commit and reads off the writer lock (issue 16;
 * src/service/txgroup.c, src/service/readers.c, docs/DESIGN.md "Group
 * commit").
 *
 * member_fails: five requests queue for the writer while the test holds
 *   it; released, they run as ONE commit group (the group counter moves by
 *   one). The third, an issuance forwarded in the same commit, is refused
 *   by a policy rule after its issuance, batch, blocks and log leaf were
 *   written: its savepoint is rolled back alone, it answers the rule's
 *   error; the four transfers are acknowledged and, after closing and
 *   reopening the store, present, with one log leaf each and no trace of
 *   the refused issuance.
 * commit_fails (SQLite: injected COMMIT failure): four queued transfers
 *   form a group whose commit fails: every one answers store_error, none
 *   is in the store, holdings are unchanged; the next transfer works.
 * concurrency: 8 threads transfer while 4 threads authenticate and read
 *   (holdings, transactions); every writer reads back each transfer it
 *   was acknowledged, at once, on a reader. At the end: units conserved,
 *   the partition holds (svc_check), groups held several requests, reads
 *   used reader connections; after reopening, every acknowledged transfer
 *   is there and the log has one leaf per transaction.
 * kill9: a child process transfers from 8 threads (so commits are
 *   grouped) and reports each acknowledged id; the parent kills it with
 *   SIGKILL mid-stream, reopens the store: every acknowledged transfer is
 *   present, units conserved, no transaction half written, the log whole.
 *
 * On the store tests/testlib.h chooses (SQLite file, or PostgreSQL when
 * L6_STORE names a server; commit_fails is SQLite only).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib_svc.h"

#include "service/move.h"
#include "service/service.h"
#include "service/service_int.h"
#include "store/store.h"
#include "testlib.h"

static const l6_actor ADMIN = {.role = L6_ROLE_ADMIN, .name = "test"};

#define NACC 4
#define ISSUED 100000 /* units issued to each account */

typedef struct {
  l6_svc *s;
  l6_store *st;
  l6_id h[NACC];
  tl_store where;
} fx;

static void fx_open(fx *f) {
  f->s = tl_svc_open_direct(f->where.spec, 1, &f->st); /* this test reads the store directly between service calls */
}

static l6_id issue(fx *f, l6_qty qty, l6_id forward_to) {
  l6_issue_req r = {.registry = "CHE01", .project = "PRJ.A", .unit_type = "UA", .vintage = 2020, .quantity = qty,
                    .forward_to = forward_to};
  l6_reply rep;
  l6_error err = {0};
  tl_ok(svc_issue(f->s, &ADMIN, &r, &rep, &err), &err, "issue");
  l6_id tx = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return tx;
}

/* A fresh file store with one registry, project PRJ.A and NACC holding
 * accounts of ISSUED units each. */
static void fx_setup(fx *f, const char *tag) {
  memset(f, 0, sizeof *f);
  if (tl_store_make(&f->where, tag, 0) != 0) fail_msg("cannot make a store for %s", tag);
  fx_open(f);
  l6_error err = {0};
  json_t *out = NULL;
  l6_party p = {.code = "CHE", .name = "Switzerland"};
  tl_ok_json(svc_party_create(f->s, &ADMIN, &p, &out, &err), &out, &err, "party");
  l6_registry r = {.id = "CHE01", .party = "CHE", .name = "Test registry"};
  tl_ok_json(svc_registry_create(f->s, &ADMIN, &r, &out, &err), &out, &err, "registry");
  l6_programme pr = {.code = "P1", .name = "Programme one", .kind = "voluntary"};
  tl_ok_json(svc_programme_create(f->s, &ADMIN, &pr, &out, &err), &out, &err, "programme");
  l6_unit_type u = {.code = "UA", .programme = "P1", .name = "Unit A"};
  tl_ok_json(svc_unit_type_create(f->s, &ADMIN, &u, &out, &err), &out, &err, "unit type");
  l6_project pj = {.id = "PRJ.A", .programme = "P1", .host = "CHE", .title = "Project A", .methodology = "M1",
                   .sector = "energy", .kind = "avoidance", .crediting_start = "2015-01-01",
                   .crediting_end = "2030-12-31", .status = "registered"};
  tl_ok_json(svc_project_create(f->s, &ADMIN, &pj, &out, &err), &out, &err, "project");
  l6_org o = {.registry = "CHE01", .name = "Org"};
  tl_ok_json(svc_org_create(f->s, &ADMIN, &o, &out, &err), &out, &err, "org");
  for (int i = 0; i < NACC; i++) {
    l6_account a = {.registry = "CHE01", .org = o.id, .type = L6_ACCT_HOLDING};
    snprintf(a.name, sizeof a.name, "Holding %d", i);
    tl_ok_json(svc_account_create(f->s, &ADMIN, &a, &out, &err), &out, &err, "account");
    f->h[i] = a.id;
    issue(f, ISSUED, a.id);
  }
}

static void fx_done(fx *f) {
  svc_close(f->s);
  assert_int_equal(tl_store_free(&f->where), 0);
}

static l6_qty holdings(fx *f, l6_id acc) {
  json_t *out = NULL;
  l6_error err = {0};
  tl_ok(svc_holdings(f->s, &ADMIN, acc, &out, &err), &err, "holdings");
  l6_qty q = json_integer_value(json_object_get(out, "total"));
  json_decref(out);
  return q;
}

static l6_qty total(fx *f) {
  l6_qty t = 0;
  for (int i = 0; i < NACC; i++) t += holdings(f, f->h[i]);
  return t;
}

static int count_tx(void *ctx, const void *row) {
  (void)row;
  (*(long *)ctx)++;
  return 0;
}

static long tx_count(fx *f) {
  long n = 0;
  l6_error err = {0};
  l6_tx_filter tf = {.limit = 1 << 30};
  tl_ok(f->st->ops->tx_list(f->st, &tf, count_tx, &n, &err), &err, "tx_list");
  return n;
}

/* The log matches the store and has one leaf per transaction. */
static void log_whole(fx *f) {
  tlog_report rep;
  l6_error err = {0};
  tl_ok(svc_verify_store(f->s, NULL, 0, &rep, &err), &err, "verify store");
  if (!rep.ok) fail_msg("the log does not match the store: %s", rep.problem);
  assert_int_equal(rep.leaves, tx_count(f));
  tl_ok(svc_check(f->s, 0, &err), &err, "svc_check");
}

/* ---- queued requests ------------------------------------------------- */

typedef struct {
  l6_svc *s;
  bool is_issue;
  l6_move_req mv;
  l6_issue_req is;
  l6_err e;
  l6_error err;
  l6_id tx;
} job;

static void *run_job(void *p) {
  job *j = p;
  l6_reply rep = {0};
  j->e = j->is_issue ? svc_issue(j->s, &ADMIN, &j->is, &rep, &j->err) : svc_move(j->s, &ADMIN, &j->mv, &rep, &j->err);
  if (j->e == L6_E_OK) j->tx = json_integer_value(json_object_get(rep.body, "id"));
  json_decref(rep.body);
  return NULL;
}

/* Threads waiting for the writer lock. */
static size_t queued(l6_svc *s) {
  size_t n = 0;
  pthread_mutex_lock(&s->group.mu);
  for (svc_member *m = s->group.head; m; m = m->next) n++;
  pthread_mutex_unlock(&s->group.mu);
  return n;
}

static void wait_queued(l6_svc *s, size_t n) {
  for (int i = 0; i < 10000 && queued(s) < n; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  assert_int_equal(queued(s), n);
}

/* Starts the jobs one after another, each queued behind the lock the test
 * holds, so they run in this order as one group when it is released. */
static void run_queued(l6_svc *s, job *jobs, size_t n, pthread_t *th) {
  svc__lock(s);
  for (size_t i = 0; i < n; i++) {
    jobs[i].s = s;
    assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    wait_queued(s, i + 1);
  }
  svc__unlock(s);
  for (size_t i = 0; i < n; i++) pthread_join(th[i], NULL);
}

static l6_move_req transfer(l6_id from, l6_id to, l6_qty q) {
  l6_move_req r = {.kind = L6_TX_TRANSFER, .from_account = from, .to_account = to, .quantity = q};
  snprintf(r.unit_type, sizeof r.unit_type, "UA");
  return r;
}

/* A rule that refuses forwarding 777 units, after the units moved (the
 * issuance and its forward are written by then). */
static l6_err refuse_777(l6_svc *s, const svc_move_ctx *m, void *arg, l6_error *err) {
  (void)s;
  (void)arg;
  if (m->route == SVC_MOVE_ISSUE_FORWARD && m->tx->quantity == 777)
    return l6_fail(err, L6_E_FORBIDDEN, "test rule: no 777");
  return L6_E_OK;
}

static int count_batch(void *ctx, const void *row) {
  const l6_batch *b = row;
  if (b->quantity == 777) (*(int *)ctx)++;
  return 0;
}

static void test_member_fails(void **state) {
  (void)state;
  fx f;
  fx_setup(&f, "group-member");
  l6_error err = {0};
  svc_move_hook h = {.name = "refuse-777", .effect = refuse_777};
  tl_ok(svc_move_hook_add(f.s, &h, &err), &err, "hook");
  long tx0 = tx_count(&f);
  l6_qty t0 = total(&f);
  uint64_t groups0 = f.s->group.groups;

  job jobs[5] = {0};
  jobs[0].mv = transfer(f.h[0], f.h[1], 11);
  jobs[1].mv = transfer(f.h[1], f.h[2], 13);
  jobs[2].is_issue = true;
  jobs[2].is = (l6_issue_req){.registry = "CHE01", .project = "PRJ.A", .unit_type = "UA", .vintage = 2021,
                              .quantity = 777, .forward_to = f.h[3]};
  jobs[3].mv = transfer(f.h[2], f.h[3], 17);
  jobs[4].mv = transfer(f.h[3], f.h[0], 19);
  pthread_t th[5];
  run_queued(f.s, jobs, 5, th);

  assert_int_equal(f.s->group.groups - groups0, 1); /* one commit for all five */
  for (int i = 0; i < 5; i++) {
    if (i == 2) {
      assert_int_equal(jobs[i].e, L6_E_FORBIDDEN);
      assert_non_null(strstr(jobs[i].err.message, "no 777"));
      assert_int_equal(jobs[i].tx, 0);
    } else {
      tl_ok(jobs[i].e, &jobs[i].err, "grouped transfer");
      assert_true(jobs[i].tx > 0);
    }
  }
  /* Durable: close and reopen. */
  svc_close(f.s);
  fx_open(&f);
  for (int i = 0; i < 5; i++) {
    if (i == 2) continue;
    json_t *out = NULL;
    tl_ok_json(svc_tx_get(f.s, &ADMIN, jobs[i].tx, &out, &err), &out, &err, "acknowledged transfer after reopen");
  }
  assert_int_equal(tx_count(&f), tx0 + 4);
  assert_int_equal(total(&f), t0);
  assert_int_equal(holdings(&f, f.h[0]), ISSUED - 11 + 19);
  assert_int_equal(holdings(&f, f.h[3]), ISSUED + 17 - 19);
  int b777 = 0;
  tl_ok(f.st->ops->batch_list(f.st, "", 0, 1 << 30, count_batch, &b777, &err), &err, "batch_list");
  assert_int_equal(b777, 0); /* the refused issuance left nothing */
  log_whole(&f);
  fx_done(&f);
}

static void test_commit_fails(void **state) {
  (void)state;
  if (tl_store_is_pg()) {
    print_message("commit_fails: SQLite only (fault injection at COMMIT)\n");
    return;
  }
  fx f;
  fx_setup(&f, "group-commit");
  long tx0 = tx_count(&f);
  l6_qty h0 = holdings(&f, f.h[0]);
  uint64_t groups0 = f.s->group.groups;
  job jobs[4] = {0};
  for (int i = 0; i < 4; i++) jobs[i].mv = transfer(f.h[0], f.h[1 + i % 3], 5 + i);
  store_sqlite_fail_commit(f.st, 1);
  pthread_t th[4];
  run_queued(f.s, jobs, 4, th);
  assert_int_equal(f.s->group.groups - groups0, 1);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(jobs[i].e, L6_E_STORE);
    assert_non_null(strstr(jobs[i].err.message, "injected fault at commit"));
  }
  assert_int_equal(tx_count(&f), tx0);
  assert_int_equal(holdings(&f, f.h[0]), h0);
  /* The store goes on. */
  job next = {.s = f.s, .mv = transfer(f.h[0], f.h[1], 3)};
  run_job(&next);
  tl_ok(next.e, &next.err, "transfer after a failed group");
  svc_close(f.s);
  fx_open(&f);
  assert_int_equal(tx_count(&f), tx0 + 1);
  assert_int_equal(holdings(&f, f.h[0]), h0 - 3);
  log_whole(&f);
  fx_done(&f);
}

/* ---- concurrency ------------------------------------------------------- */

#define WRITERS 8
#define READERS 4
#define PER_WRITER 40

typedef struct {
  fx *f;
  int index;
  l6_id acked[PER_WRITER];
  int nacked;
  char token[80];
  atomic_int *stop;
  long reads;
  char failed[300];
} worker;

static void *writer_main(void *p) {
  worker *w = p;
  tl_rng rng;
  tl_rng_init(&rng, 0x77 + (uint64_t)w->index);
  for (int i = 0; i < PER_WRITER; i++) {
    int a = (int)tl_rng_below(&rng, NACC), b = (a + 1 + (int)tl_rng_below(&rng, NACC - 1)) % NACC;
    l6_move_req r = transfer(w->f->h[a], w->f->h[b], tl_rng_range(&rng, 1, 99));
    l6_reply rep = {0};
    l6_error err = {0};
    l6_err e = svc_move(w->f->s, &ADMIN, &r, &rep, &err);
    if (e != L6_E_OK) {
      snprintf(w->failed, sizeof w->failed, "transfer: %s: %s", l6_err_code(e), err.message);
      return NULL;
    }
    l6_id id = json_integer_value(json_object_get(rep.body, "id"));
    json_decref(rep.body);
    w->acked[w->nacked++] = id;
    /* An acknowledged transfer is visible to the next read at once. */
    json_t *out = NULL;
    e = svc_tx_get(w->f->s, &ADMIN, id, &out, &err);
    json_decref(out);
    if (e != L6_E_OK) {
      snprintf(w->failed, sizeof w->failed, "read back %lld: %s: %s", (long long)id, l6_err_code(e), err.message);
      return NULL;
    }
  }
  return NULL;
}

static void *reader_main(void *p) {
  worker *w = p;
  while (!atomic_load(w->stop)) {
    l6_actor a;
    l6_error err = {0};
    l6_err e = svc_authenticate(w->f->s, w->token, &a, &err);
    if (e == L6_E_OK && a.role != L6_ROLE_AUDITOR) e = l6_fail(&err, L6_E_INTERNAL, "wrong role");
    json_t *out = NULL;
    if (e == L6_E_OK) e = svc_holdings(w->f->s, &a, w->f->h[w->reads % NACC], &out, &err);
    json_decref(out);
    out = NULL;
    l6_tx_filter tf = {.limit = 5};
    if (e == L6_E_OK) e = svc_tx_list(w->f->s, &a, &tf, &out, &err);
    json_decref(out);
    if (e != L6_E_OK) {
      snprintf(w->failed, sizeof w->failed, "read: %s: %s", l6_err_code(e), err.message);
      return NULL;
    }
    w->reads++;
  }
  return NULL;
}

static void test_concurrency(void **state) {
  (void)state;
  fx f;
  fx_setup(&f, "group-conc");
  l6_error err = {0};
  json_t *out = NULL;
  char token[80];
  tl_ok_json(svc_token_create(f.s, &ADMIN, L6_ROLE_AUDITOR, 0, "reader", 0, token, &out, &err), &out, &err, "token");
  long tx0 = tx_count(&f);
  l6_qty t0 = total(&f);
  uint64_t g0 = f.s->group.groups, m0 = f.s->group.members;
  atomic_int stop = 0;
  worker ws[WRITERS + READERS];
  pthread_t th[WRITERS + READERS];
  memset(ws, 0, sizeof ws);
  for (int i = 0; i < WRITERS + READERS; i++) {
    ws[i].f = &f;
    ws[i].index = i;
    ws[i].stop = &stop;
    snprintf(ws[i].token, sizeof ws[i].token, "%s", token);
    assert_int_equal(pthread_create(&th[i], NULL, i < WRITERS ? writer_main : reader_main, &ws[i]), 0);
  }
  for (int i = 0; i < WRITERS; i++) pthread_join(th[i], NULL);
  atomic_store(&stop, 1);
  for (int i = WRITERS; i < WRITERS + READERS; i++) pthread_join(th[i], NULL);
  long reads = 0;
  for (int i = 0; i < WRITERS + READERS; i++) {
    if (ws[i].failed[0]) fail_msg("thread %d: %s", i, ws[i].failed);
    reads += ws[i].reads;
  }
  uint64_t groups = f.s->group.groups - g0, members = f.s->group.members - m0;
  print_message("concurrency: %d transfers in %llu groups (%llu members), %ld read rounds on %zu reader(s)\n",
                WRITERS * PER_WRITER, (unsigned long long)groups, (unsigned long long)members, reads,
                f.s->rd ? f.s->rd->n : 0);
  assert_true(members >= WRITERS * PER_WRITER);
  assert_true(groups < members); /* some commits were shared */
  assert_non_null(f.s->rd);
  assert_true(f.s->rd->n >= 1); /* the reads ran on reader connections */
  assert_int_equal(total(&f), t0);
  tl_ok(svc_check(f.s, 0, &err), &err, "svc_check");
  svc_close(f.s);
  fx_open(&f);
  for (int i = 0; i < WRITERS; i++) {
    for (int k = 0; k < ws[i].nacked; k++) {
      tl_ok_json(svc_tx_get(f.s, &ADMIN, ws[i].acked[k], &out, &err), &out, &err, "acknowledged after reopen");
    }
  }
  assert_int_equal(tx_count(&f), tx0 + WRITERS * PER_WRITER);
  assert_int_equal(total(&f), t0);
  log_whole(&f);
  fx_done(&f);
}

/* ---- kill -9 during group commits ---------------------------------------- */

typedef struct {
  l6_svc *s;
  const l6_id *h;
  int fd;
  uint64_t seed;
  pthread_mutex_t *mu;
} child_thread;

static void *child_writer(void *p) {
  child_thread *c = p;
  tl_rng rng = {.state = c->seed};
  for (long i = 0; i < 100000; i++) {
    int a = (int)tl_rng_below(&rng, NACC), b = (a + 1 + (int)tl_rng_below(&rng, NACC - 1)) % NACC;
    l6_move_req r = transfer(c->h[a], c->h[b], tl_rng_range(&rng, 1, 9));
    l6_reply rep;
    l6_error err = {0};
    l6_err e = svc_move(c->s, &ADMIN, &r, &rep, &err);
    if (e == L6_E_INSUFFICIENT_HOLDINGS) continue;
    if (e != L6_E_OK) {
      dprintf(c->fd, "E %s %s\n", l6_err_code(e), err.message);
      _exit(2);
    }
    long long id = json_integer_value(json_object_get(rep.body, "id"));
    json_decref(rep.body);
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", id);
    pthread_mutex_lock(c->mu);
    ssize_t w = write(c->fd, line, (size_t)n);
    pthread_mutex_unlock(c->mu);
    if (w != n) _exit(4);
  }
  return NULL;
}

static void kill_child(const char *spec, int fd, uint64_t seed, const l6_id *h) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  l6_error err = {0};
  l6_store *st = store_open(spec, &err);
  if (st == NULL) _exit(3);
  l6_svc *s = svc_open(st, 1, &err);
  if (s) svc_store(s)->tx_only = false; /* this test reads the store directly between service calls */
  if (s == NULL) _exit(3);
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  child_thread c[8];
  pthread_t th[8];
  for (int i = 0; i < 8; i++) {
    c[i] = (child_thread){.s = s, .h = h, .fd = fd, .seed = seed + (uint64_t)i * 7919, .mu = &mu};
    if (pthread_create(&th[i], NULL, child_writer, &c[i]) != 0) _exit(5);
  }
  for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
  _exit(0);
}

static int sum_line(void *ctx, const void *row) {
  const l6_tx_line *l = row;
  *(l6_qty *)ctx += l->last - l->first + 1;
  return 0;
}

typedef struct {
  l6_store *st;
  long bad;
} whole_ctx;

static int check_whole_tx(void *ctx, const void *row) {
  whole_ctx *c = ctx;
  const l6_tx *t = row;
  l6_qty q = 0;
  l6_error err = {0};
  if (c->st->ops->tx_lines(c->st, t->id, sum_line, &q, &err) != L6_E_OK || q != t->quantity) c->bad++;
  return 0;
}

static void test_kill9(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 0x67726f75);
  fx f;
  fx_setup(&f, "group-kill");
  l6_qty t0 = total(&f);
  svc_close(f.s); /* no store connection may cross fork() */
  l6_id *acked = NULL;
  size_t nacked = 0, cap = 0;
  for (int round = 0; round < 2; round++) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      kill_child(f.where.spec, fds[1], tl_rng_next(&rng), f.h);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    assert_non_null(in);
    size_t kill_at = nacked + 150 + (size_t)tl_rng_below(&rng, 100);
    bool killed = false;
    char line[512];
    while (fgets(line, sizeof line, in)) {
      if (line[0] == 'E') {
        kill(pid, SIGKILL);
        fail_msg("round %d: the child failed: %s", round, line);
      }
      if (nacked == cap) {
        cap = cap ? cap * 2 : 1024;
        acked = realloc(acked, cap * sizeof *acked);
        assert_non_null(acked);
      }
      acked[nacked++] = strtoll(line, NULL, 10);
      if (!killed && nacked >= kill_at) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        killed = true; /* ids already in the pipe were acknowledged too */
      }
    }
    fclose(in);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!killed || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
      fail_msg("round %d: the child ended by itself (status %d)", round, status);
    fx_open(&f);
    l6_error err = {0};
    for (size_t i = 0; i < nacked; i++) {
      json_t *out = NULL;
      l6_err e = svc_tx_get(f.s, &ADMIN, acked[i], &out, &err);
      if (e != L6_E_OK) fail_msg("round %d: acknowledged transfer %lld is lost: %s", round, (long long)acked[i], err.message);
      json_decref(out);
    }
    assert_int_equal(total(&f), t0);
    whole_ctx wc = {.st = f.st};
    l6_tx_filter tf = {.limit = 1 << 30};
    tl_ok(f.st->ops->tx_list(f.st, &tf, check_whole_tx, &wc, &err), &err, "tx_list");
    assert_int_equal(wc.bad, 0);
    log_whole(&f);
    print_message("kill9 round %d: %zu acknowledged, all present, %llu groups closed after reopening\n", round, nacked,
                  (unsigned long long)f.s->group.groups);
    svc_close(f.s);
  }
  free(acked);
  fx_open(&f);
  fx_done(&f);
}

int main(void) {
  tl_seed();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_member_fails),
      cmocka_unit_test(test_commit_fails),
      cmocka_unit_test(test_concurrency),
      cmocka_unit_test(test_kill9),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
