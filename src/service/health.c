/*
 * health.c -- the readiness probe and the figures the metrics read from
 * the store; see service.h ("operations"). The liveness probe
 * (GET /v1/health) needs no service: it answers from the HTTP layer.
 */
#include <stdio.h>

#include "../store/schema.h"
#include "service_int.h"

/* Appends {"name", "ok", "message"?} to checks. */
static void add_check(json_t *checks, const char *name, bool ok, const char *message) {
  json_t *c = json_pack("{s:s, s:b}", "name", name, "ok", ok);
  if (c && message) json_object_set_new(c, "message", json_string(message));
  json_array_append_new(checks, c);
}

l6_err svc_ready(l6_svc *s, json_t **out, bool *ready, l6_error *err) {
  json_t *checks = json_array();
  char msg[320];
  int version = -1;
  l6_error serr = {0};
  l6_err e = svc__begin(s, &serr);
  if (e == L6_E_OK) {
    e = s->st->ops->schema_version(s->st, &version, &serr);
    e = svc__finish(s, e, &serr);
  }
  bool store_ok = e == L6_E_OK;
  snprintf(msg, sizeof msg, "%s: %s", l6_err_code(serr.code), serr.message);
  add_check(checks, "store", store_ok, store_ok ? NULL : msg);
  bool migrated = store_ok && version == L6_SCHEMA_VERSION;
  if (!store_ok) snprintf(msg, sizeof msg, "unknown: the store is unreachable");
  else snprintf(msg, sizeof msg, "the store's schema is version %d, this ledger6's is %d", version, L6_SCHEMA_VERSION);
  add_check(checks, "migrations", migrated, migrated ? NULL : msg);
  add_check(checks, "signing_key", s->has_signer,
            s->has_signer ? NULL : "no signing key is loaded: tree heads cannot be signed");
  *ready = store_ok && migrated && s->has_signer;
  *out = json_pack("{s:s, s:o}", "status", *ready ? "ready" : "not_ready", "checks", checks);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

l6_err svc_log_size(l6_svc *s, int64_t *out, l6_error *err) {
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  e = s->st->ops->log_size(s->st, out, err);
  return svc__finish(s, e, err);
}
