/*
 * svc_internal.h -- what the files of the service layer share and nobody
 * else may use (libuv's uv__ convention: svc__ names are internal). The
 * public interface is service.h.
 */
#ifndef L6_SVC_INTERNAL_H
#define L6_SVC_INTERNAL_H

#include <pthread.h>

#include "service.h"
#include "tlog.h"

struct l6_svc {
  l6_store *st;
  pthread_mutex_t mu;
  int check_level;
  int64_t (*now_ms)(void);
  char *iso;          /* "ABC\nDEF\n..." list of valid alpha-3 codes, or NULL */
  tlog_signer signer; /* signs tree heads when has_signer (svc_keys_open) */
  bool has_signer;
};

/* Locks the service and begins a store transaction. */
l6_err svc__begin(l6_svc *s, l6_error *err);
/* Commits when e is OK, else rolls back; unlocks; returns the outcome. */
l6_err svc__finish(l6_svc *s, l6_err e, l6_error *err);
/* Same, for calls that produced *out: drops it on failure. */
l6_err svc__finish_out(l6_svc *s, l6_err e, json_t **out, l6_error *err);

#endif
