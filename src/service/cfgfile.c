/* cfgfile.c -- see cfgfile.h. */
#include "cfgfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

l6_err cfg_bad(l6_error *err, const char *path, const char *key, const char *fmt, ...) {
  char reason[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: key %s: %s", path, key, reason);
}

bool cfg_only_keys(json_t *o, const char *const *allowed, const char **unknown) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, k) == 0;
    if (!ok) {
      *unknown = k;
      return false;
    }
  }
  return true;
}
