/*
 * store_sql.c -- the shared statements' parameters in PostgreSQL's form
 * (store_sql.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store_sql.h"

char *store_sql_pg(const char *sql) {
  size_t n = strlen(sql);
  char *out = malloc(n + 1);
  if (out == NULL) return NULL;
  char quote = 0; /* the quote character of the literal or identifier being copied */
  for (size_t i = 0; i <= n; i++) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0; /* a doubled quote closes and reopens: same result */
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && isdigit((unsigned char)sql[i + 1])) {
      c = '$';
    }
    out[i] = c;
  }
  return out;
}
