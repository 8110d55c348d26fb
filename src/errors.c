/* errors.c -- tables expanded from L6_ERR_MAP. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *code;
  int status;
  const char *message;
} err_table[L6_E__COUNT] = {
#define L6_XX(e, c, s, m) [L6_E_##e] = {c, s, m},
    L6_ERR_MAP(L6_XX)
#undef L6_XX
};

const char *l6_err_code(l6_err e) {
  return (e >= 0 && e < L6_E__COUNT) ? err_table[e].code : "internal";
}

int l6_err_status(l6_err e) {
  return (e >= 0 && e < L6_E__COUNT) ? err_table[e].status : 500;
}

const char *l6_err_message(l6_err e) {
  return (e >= 0 && e < L6_E__COUNT) ? err_table[e].message : "internal error";
}

l6_err l6_fail(l6_error *e, l6_err code, const char *fmt, ...) {
  if (e == NULL) return code;
  e->code = code;
  e->expected[0] = '\0';
  if (fmt == NULL) {
    snprintf(e->message, sizeof e->message, "%s", l6_err_message(code));
  } else {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
  }
  return code;
}
