/*
 * csvwrite.c -- one RFC 4180 field with the formula guard; see csvwrite.h.
 */
#include "csvwrite.h"

#include <string.h>

bool csv_needs_guard(const char *s) { return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'; }

size_t csv_field(char *dst, const char *s, bool text) {
  bool guard = text && csv_needs_guard(s);
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  size_t n = 0;
#define OUT(c)                    \
  do {                            \
    if (dst != NULL) dst[n] = (c); \
    n++;                          \
  } while (0)
  if (quote) OUT('"');
  if (guard) OUT('\'');
  for (const char *q = s; *q; q++) {
    if (*q == '"') OUT('"');
    OUT(*q);
  }
  if (quote) OUT('"');
#undef OUT
  return n;
}
