/*
 * readers.c -- reads off the writer lock (docs/DESIGN.md "Readers").
 *
 * A service over a store that has readers (store.h ops->reader: SQLite
 * files, PostgreSQL) keeps up to L6_SVC_READERS read connections, opened
 * when first needed. Each comes with a view: an l6_svc whose st is the
 * reader and whose reader flag makes begin()/finish() (service.c) open and
 * end a snapshot transaction instead of joining a commit group. A read
 * call (READ_ON_VIEW) borrows a free view, runs on it and gives it back;
 * it never waits for the writer, its commit or its fsync, and sees every
 * transaction committed before its snapshot began (so a reply acknowledged
 * to a client is visible to that client's next read).
 *
 * A view copies the writer service's configuration at every borrowing
 * (the clock, the loaded rules), never the signing key nor the exchange's
 * in-memory books (calls that need those stay on the writer path).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "service_int.h"

void svc__readers_init(l6_svc *s) {
  s->rd = calloc(1, sizeof *s->rd);
  if (s->rd == NULL) return; /* no readers: every read takes the writer path */
  pthread_mutex_init(&s->rd->mu, NULL);
  pthread_cond_init(&s->rd->cv, NULL);
}

void svc__readers_free(l6_svc *s) {
  svc_readers *rd = s->rd;
  if (rd == NULL) return;
  for (size_t i = 0; i < rd->n; i++) {
    rd->slot[i]->st->ops->close(rd->slot[i]->st);
    free(rd->slot[i]);
  }
  pthread_cond_destroy(&rd->cv);
  pthread_mutex_destroy(&rd->mu);
  free(rd);
  s->rd = NULL;
}

/* The writer's configuration, read by the view's calls. Written at start
 * (svc_load_config, svc_set_clock) before requests run. */
static void refresh(l6_svc *v, const l6_svc *s) {
  v->reader = true;
  v->rd = NULL;
  v->check_level = s->check_level;
  v->now_ms = s->now_ms;
  v->iso = s->iso;
  v->mechs = s->mechs;
  v->ets = s->ets;
  v->ex = NULL;
  v->has_signer = false;
  memcpy(v->hooks, s->hooks, sizeof v->hooks);
  v->nhooks = s->nhooks;
  v->session_idle_ms = s->session_idle_ms;
  v->session_max_ms = s->session_max_ms;
  v->pwhash_cost = s->pwhash_cost;
  memcpy(v->token_days, s->token_days, sizeof v->token_days);
  v->origins = s->origins;
}

l6_svc *svc__reader_get(l6_svc *s) {
  svc_readers *rd = s->rd;
  if (rd == NULL) return NULL;
  pthread_mutex_lock(&rd->mu);
  for (;;) {
    if (rd->off) {
      pthread_mutex_unlock(&rd->mu);
      return NULL;
    }
    for (size_t i = 0; i < rd->n; i++) {
      if (!rd->busy[i]) {
        rd->busy[i] = true;
        l6_svc *v = rd->slot[i];
        pthread_mutex_unlock(&rd->mu);
        refresh(v, s);
        return v;
      }
    }
    if (rd->n < L6_SVC_READERS) break;
    pthread_cond_wait(&rd->cv, &rd->mu);
  }
  /* Opens one more reader, under the lock (at most L6_SVC_READERS times
   * in the service's life; reads meanwhile wait for it, never for the
   * writer). */
  l6_error err = {0};
  l6_svc *v = calloc(1, sizeof *v);
  l6_store *st = (v && s->st->ops->reader) ? s->st->ops->reader(s->st, &err) : NULL;
  if (st == NULL) { /* this store has none (in memory) or cannot open one now: the writer path */
    free(v);
    rd->off = rd->n == 0;
    pthread_mutex_unlock(&rd->mu);
    return NULL;
  }
  v->st = st;
  rd->slot[rd->n] = v;
  rd->busy[rd->n] = true;
  rd->n++;
  pthread_mutex_unlock(&rd->mu);
  refresh(v, s);
  return v;
}

void svc__reader_put(l6_svc *s, l6_svc *view) {
  svc_readers *rd = s->rd;
  pthread_mutex_lock(&rd->mu);
  for (size_t i = 0; i < rd->n; i++) {
    if (rd->slot[i] == view) rd->busy[i] = false;
  }
  pthread_cond_signal(&rd->cv);
  pthread_mutex_unlock(&rd->mu);
}

void svc__touch_later(l6_svc *s, l6_id token, int64_t now) {
  svc_readers *rd = s->rd;
  if (rd == NULL) return;
  pthread_mutex_lock(&rd->mu);
  size_t i = 0;
  while (i < rd->ntouch && rd->touch[i].token != token) i++;
  if (i < L6_SVC_TOUCHES) {
    rd->touch[i].token = token;
    rd->touch[i].now = now;
    if (i == rd->ntouch) rd->ntouch++;
  }
  pthread_mutex_unlock(&rd->mu);
}

void svc__touch_flush(l6_svc *s) {
  svc_readers *rd = s->rd;
  if (rd == NULL) return;
  pthread_mutex_lock(&rd->mu);
  size_t n = rd->ntouch;
  struct { l6_id token; int64_t now; } t[L6_SVC_TOUCHES];
  memcpy(t, rd->touch, n * sizeof t[0]);
  rd->ntouch = 0;
  pthread_mutex_unlock(&rd->mu);
  for (size_t i = 0; i < n; i++) {
    l6_error ignored = {0};
    if (s->st->ops->begin(s->st, &ignored) != L6_E_OK) return; /* the group is in doubt: its commit fails anyway */
    if (s->st->ops->token_touch(s->st, t[i].token, t[i].now, t[i].now - L6_TOKEN_TOUCH_MS + 1, &ignored) == L6_E_OK &&
        s->st->ops->commit(s->st, &ignored) == L6_E_OK)
      continue;
    s->st->ops->rollback(s->st);
  }
}
