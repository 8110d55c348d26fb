/*
 * txgroup.c -- group commit: the service's writer lock (service_int.h,
 * docs/DESIGN.md "Group commit").
 *
 * Every service transaction runs while its thread holds the baton, the
 * service's one writer lock; threads that want it queue in arrival order.
 * The first holder opens a store transaction (the group); the baton then
 * passes from thread to thread without committing, each request running
 * inside its own savepoint, until nobody waits (or the group is full):
 * the thread that finds the queue empty commits the group once, durably
 * (one fsync for all of them), and only then wakes its members, whose
 * service calls return the group's outcome. So
 *  - each request is still atomic: a failing one is rolled back to its
 *    savepoint, alone, and answers its own error;
 *  - no reply leaves before the commit that makes it durable, and when
 *    that commit fails every member of the group gets the commit's error
 *    (none is acknowledged);
 *  - requests that arrive while a group commits (its fsync) form the next
 *    group, so the groups grow with the load by themselves.
 * The first member of a group needs no savepoint: if it fails, the group
 * holds nothing else, and it is rolled back whole.
 *
 * In-memory state that a transaction changes (the exchange's books) is
 * handled by the member's outcome hooks (svc__on_outcome), which the
 * committing thread runs in group order while it still holds the baton.
 */
#include <assert.h>
#include <string.h>
#include <time.h>

#include "../metrics.h"
#include "exchange.h"
#include "service_int.h"

#define OPS (s->st->ops)

/* A group closes after this many members even when more wait, so the
 * first member's reply is never delayed by an endless stream. */
#define GROUP_MAX 64

static _Thread_local svc_member tl_member;
static _Thread_local bool tl_member_init;

static svc_member *me(void) {
  if (!tl_member_init) {
    pthread_cond_init(&tl_member.cv, NULL);
    tl_member_init = true;
  }
  return &tl_member;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void count_store_error(l6_err e) {
  if (e == L6_E_STORE || e == L6_E_BUSY) metrics_store_error(l6_err_code(e));
}

void svc__group_init(svc_group *g) {
  memset(g, 0, sizeof *g);
  pthread_mutex_init(&g->mu, NULL);
}

void svc__group_destroy(svc_group *g) { pthread_mutex_destroy(&g->mu); }

/* Waits for the baton (the writer lock). */
static void acquire(svc_group *g, svc_member *m) {
  pthread_mutex_lock(&g->mu);
  m->baton = false;
  m->next = NULL;
  if (!g->busy) {
    g->busy = true;
  } else {
    if (g->tail) g->tail->next = m;
    else g->head = m;
    g->tail = m;
    while (!m->baton) pthread_cond_wait(&m->cv, &g->mu);
  }
  pthread_mutex_unlock(&g->mu);
}

/* The first member's pipelined writes answer now (ops->flush), before
 * anything else runs in the group's transaction. A failure is the first
 * member's own, as if its write had answered at once: the group, which
 * holds nothing else, is poisoned and rolled back, and the member gets
 * its error (close_group). The caller holds the baton. */
static void first_flush(l6_svc *s) {
  svc_group *g = &s->group;
  if (!g->unflushed) return;
  g->unflushed = false;
  l6_error ferr = {0};
  l6_err fe = OPS->flush(s->st, &ferr);
  if (fe != L6_E_OK) {
    g->flush_e = fe;
    g->flush_err = ferr;
    g->poisoned = true;
  }
}

/* Commits (or, poisoned, rolls back) the open group and completes its
 * members: outcome hooks in group order, then each member woken with the
 * group's result. The caller holds the baton. */
static void close_group(l6_svc *s) {
  svc_group *g = &s->group;
  assert(g->open);
  l6_error cerr = {0};
  l6_err e = L6_E_OK;
  if (!g->poisoned && g->unflushed && s->rd) { /* touches would run in a savepoint after the first member's writes */
    pthread_mutex_lock(&s->rd->mu);
    bool touches = s->rd->ntouch > 0;
    pthread_mutex_unlock(&s->rd->mu);
    if (touches) first_flush(s);
  }
  g->unflushed = false; /* else COMMIT, pipelined after them, answers for them */
  if (!g->poisoned) svc__touch_flush(s); /* tokens' last-used times, ride along (readers.c) */
  if (g->poisoned) {
    if (g->flush_e != L6_E_OK) { /* the first member's own failure (first_flush) */
      e = g->flush_e;
      cerr = g->flush_err;
      g->flush_e = L6_E_OK;
    } else {
      e = l6_fail(&cerr, L6_E_STORE, "store: the transaction group failed; nothing of it was committed");
    }
    OPS->rollback(s->st);
  } else {
    e = OPS->commit(s->st, &cerr);
    if (e != L6_E_OK) OPS->rollback(s->st);
  }
  if (e != L6_E_OK) svc__ex_reset(s); /* the exchange's books: rebuilt from the store at next use */
  g->open = false;
  g->poisoned = false;
  svc_member *list = g->first;
  g->groups++;
  g->members += g->n;
  metrics_store_group(g->n);
  g->first = g->last = NULL;
  g->n = 0;
  for (svc_member *m = list; m; m = m->gnext) {
    if (e != L6_E_OK) {
      if (m->result == L6_E_OK && m->on_abort) m->on_abort(s, m->hook_ctx);
      m->result = e;
      if (m->err) *m->err = cerr;
    } else if (m->result == L6_E_OK && m->on_commit) {
      m->on_commit(s, m->hook_ctx);
    }
    count_store_error(m->result);
    metrics_store_transaction(m->result == L6_E_OK, mono_ns() - m->start_ns);
  }
  pthread_mutex_lock(&g->mu);
  for (svc_member *m = list, *nx; m; m = nx) {
    nx = m->gnext; /* m may return (and reuse its member) once done */
    m->done = true;
    pthread_cond_signal(&m->cv);
  }
  pthread_mutex_unlock(&g->mu);
}

/* Gives the baton to the next waiting thread, or frees it. A group stays
 * open only for a next thread that will join it. */
static void release(l6_svc *s) {
  svc_group *g = &s->group;
  pthread_mutex_lock(&g->mu);
  if (g->open && g->unflushed && !(g->head == NULL || !g->head->tx || g->n >= GROUP_MAX || g->poisoned)) {
    pthread_mutex_unlock(&g->mu); /* the group stays open for the next member: the first one's writes answer first */
    first_flush(s);
    pthread_mutex_lock(&g->mu);
  }
  if (g->open && (g->head == NULL || !g->head->tx || g->n >= GROUP_MAX || g->poisoned)) {
    pthread_mutex_unlock(&g->mu);
    close_group(s);
    pthread_mutex_lock(&g->mu);
  }
  svc_member *nx = g->head;
  if (nx) {
    g->head = nx->next;
    if (g->head == NULL) g->tail = NULL;
    nx->baton = true;
    pthread_cond_signal(&nx->cv);
  } else {
    g->busy = false;
  }
  pthread_mutex_unlock(&g->mu);
}

void svc__lock(l6_svc *s) {
  assert(!s->reader);
  svc_member *m = me();
  m->tx = false;
  acquire(&s->group, m);
  assert(!s->group.open); /* a group closes before the baton goes to a non-member */
}

void svc__unlock(l6_svc *s) { release(s); }

bool svc__trylock(l6_svc *s) {
  assert(!s->reader);
  svc_group *g = &s->group;
  pthread_mutex_lock(&g->mu);
  bool got = !g->busy;
  if (got) g->busy = true;
  pthread_mutex_unlock(&g->mu);
  return got;
}

/* Adds m, whose own result is e, to the open group, lets the writer go and
 * waits until the group's commit (or rollback) has answered m. */
static l6_err join_and_wait(l6_svc *s, svc_member *m, l6_err e, l6_error *err) {
  svc_group *g = &s->group;
  m->result = e;
  m->err = err;
  if (g->last) g->last->gnext = m;
  else g->first = m;
  g->last = m;
  g->n++;
  release(s);
  pthread_mutex_lock(&g->mu);
  while (!m->done) pthread_cond_wait(&m->cv, &g->mu);
  pthread_mutex_unlock(&g->mu);
  return m->result;
}

l6_err svc__tx_begin(l6_svc *s, l6_error *err) {
  assert(!s->reader);
  svc_member *m = me();
  m->tx = true;
  acquire(&s->group, m);
  svc_group *g = &s->group;
  m->start_ns = mono_ns();
  m->on_commit = m->on_abort = NULL;
  m->hook_ctx = NULL;
  m->err = NULL;
  m->done = false;
  m->gnext = NULL;
  l6_err e;
  if (!g->open) {
    e = OPS->begin(s->st, err); /* the group's transaction, which this member runs in */
    if (e == L6_E_OK) {
      g->open = true;
      m->savepoint = false;
    }
  } else {
    e = OPS->begin(s->st, err); /* a savepoint inside the group */
    if (e == L6_E_OK) m->savepoint = true;
    else g->poisoned = true; /* the group's transaction is in doubt: none of it commits */
  }
  if (e != L6_E_OK) {
    if (g->open) { /* wait for the (failing) group like its other members; it counts the error */
      m->savepoint = true;
      return join_and_wait(s, m, e, err);
    }
    count_store_error(e);
    release(s);
  }
  return e;
}

void svc__on_outcome(l6_svc *s, void (*on_commit)(l6_svc *, void *), void (*on_abort)(l6_svc *, void *), void *ctx) {
  (void)s;
  svc_member *m = me();
  m->on_commit = on_commit;
  m->on_abort = on_abort;
  m->hook_ctx = ctx;
}

l6_err svc__tx_end(l6_svc *s, l6_err e, l6_error *err) {
  svc_member *m = me();
  svc_group *g = &s->group;
  assert(g->open);
  if (e == L6_E_OK) {
    if (m->savepoint) {
      e = OPS->commit(s->st, err); /* RELEASE: the group's commit makes it durable */
      if (e != L6_E_OK) OPS->rollback(s->st);
    } else if (OPS->flush) {
      /* The first member: writes the store sent without waiting (its
       * pipeline) answer with the group's COMMIT when the group closes
       * now, else before the next member runs (release, first_flush), so
       * that a failure is this request's own and never shows in the next
       * member's savepoint. */
      g->unflushed = true;
    }
  } else if (m->savepoint) {
    OPS->rollback(s->st); /* this request alone */
  }
  if (e != L6_E_OK && m->on_abort) m->on_abort(s, m->hook_ctx);
  if (!m->savepoint) {
    /* The group's first member: alone in the transaction. Its failure
     * rolls the whole (still private) transaction back and closes it. */
    if (e != L6_E_OK) {
      OPS->rollback(s->st);
      g->open = false;
      count_store_error(e);
      metrics_store_transaction(false, mono_ns() - m->start_ns);
      release(s);
      return e;
    }
  }
  /* A member that failed still waits: its answer rests on what the
   * members before it wrote, which must be durable first. */
  return join_and_wait(s, m, e, err);
}
