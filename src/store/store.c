/*
 * store.c -- picks a store engine from a store spec, and the helpers the
 * engines share (store_common.h).
 */
#include <execinfo.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_common.h"

bool store_spec_is_pg(const char *spec) {
  return spec && (strncmp(spec, "postgres://", 11) == 0 || strncmp(spec, "postgresql://", 13) == 0);
}

l6_store *store_open(const char *spec, l6_error *err) {
  if (spec == NULL || spec[0] == '\0') {
    l6_fail(err, L6_E_INVALID_VALUE, "the store spec is empty");
    return NULL;
  }
  if (strlen(spec) > L6_STORE_SPEC_MAX) {
    l6_fail(err, L6_E_INVALID_VALUE, "the store spec is longer than %d bytes", L6_STORE_SPEC_MAX);
    return NULL;
  }
  return store_spec_is_pg(spec) ? store_pg_open(spec, err) : store_sqlite_open(spec, err);
}

/* Appends n bytes of src to buf (cap bytes, *len used), truncating. */
static void put(char *buf, size_t cap, size_t *len, const char *src, size_t n) {
  if (*len + 1 >= cap) return;
  if (n > cap - 1 - *len) n = cap - 1 - *len;
  memcpy(buf + *len, src, n);
  *len += n;
  buf[*len] = '\0';
}

/*
 * A libpq URI is scheme://[user[:password]@]host[:port][,...][/db][?k=v&...].
 * The password can sit in the userinfo or in a "password" parameter; both
 * are replaced by "***". An SQLite path is copied as it is.
 */
char *store_spec_redact(const char *spec, char *buf, size_t cap) {
  if (cap == 0) return buf;
  buf[0] = '\0';
  if (spec == NULL) return buf;
  size_t len = 0;
  if (!store_spec_is_pg(spec)) {
    put(buf, cap, &len, spec, strlen(spec));
    return buf;
  }
  const char *p = strstr(spec, "://") + 3;
  put(buf, cap, &len, spec, (size_t)(p - spec));
  size_t auth = strcspn(p, "/?");
  const char *at = NULL;
  for (const char *c = p; c < p + auth; c++)
    if (*c == '@') at = c; /* the last '@' ends the userinfo */
  if (at) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon) {
      put(buf, cap, &len, p, (size_t)(colon - p));
      put(buf, cap, &len, ":***", 4);
      p = at;
    }
  }
  /* The rest, with the value of any password= parameter hidden. */
  const char *q = strchr(p, '?');
  if (q == NULL) {
    put(buf, cap, &len, p, strlen(p));
    return buf;
  }
  put(buf, cap, &len, p, (size_t)(q + 1 - p));
  for (const char *k = q + 1; *k;) {
    size_t n = strcspn(k, "&");
    if (strncmp(k, "password=", 9) == 0) put(buf, cap, &len, "password=***", 12);
    else put(buf, cap, &len, k, n);
    k += n;
    if (*k == '&') put(buf, cap, &len, k++, 1);
  }
  return buf;
}

bool store_lease_name_ok(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > L6_LEASE_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  }
  return true;
}

int store__proj_list_q(const char *programme, const char *host, const char *status, int all, int host_status, int by_host,
                       int by_status, int by_programme) {
  bool h = host && host[0], st = status && status[0], p = programme && programme[0];
  return h && st ? host_status : h ? by_host : st ? by_status : p ? by_programme : all;
}

void store__outside_tx(int id) {
  static atomic_int reported;
  bool fatal = getenv("L6_TX_GUARD") && strcmp(getenv("L6_TX_GUARD"), "abort") == 0;
  if (!fatal && atomic_fetch_add(&reported, 1) >= 20) return; /* reported enough: the log stays readable */
  fprintf(stderr, "ledger6: store: statement %d run outside a transaction on the writer connection "
                  "(a service call skipped the writer lock); the calls that led here:\n", id);
  void *frames[32];
  backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
  if (fatal) abort();
}
