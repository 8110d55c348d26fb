/* csvread.c -- streaming CSV records over libcsv; see csvread.h. Pure. */
#include "csvread.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../limits.h"

/* libcsv keeps the field being read in a buffer that grows with it; a
 * record past this many bytes is refused before the buffer grows more. */
#define CSVREAD_BUFFER_MAX ((size_t)L6_CSV_FIELD_MAX * 4 + 4096)

struct csvread {
  struct csv_parser p;
  csvread_fn fn;
  void *ctx;
  char *arena;                      /* the record's fields, NUL-terminated, back to back */
  size_t used;
  char *fields[L6_CSV_MAX_FIELDS];
  size_t n;
  const char *problem;              /* the record's first problem, or NULL */
  size_t newlines;                  /* line breaks inside the record's fields */
  long line;                        /* the line being read, from 1 */
  int stop;                         /* fn's non-zero answer */
  bool started, failed;
  size_t bom_have;                  /* leading bytes held while they may be a byte order mark */
  char error[128];
};

#define ARENA_CAP ((size_t)L6_CSV_MAX_FIELDS * (L6_CSV_FIELD_MAX + 1))

static void on_field(void *data, size_t len, void *ctx) {
  csvread *r = ctx;
  if (r->stop) return;
  if (r->n == L6_CSV_MAX_FIELDS) {
    if (!r->problem) r->problem = "too many fields";
    return;
  }
  if (len > L6_CSV_FIELD_MAX) {
    if (!r->problem) r->problem = "a field is longer than the limit";
    len = L6_CSV_FIELD_MAX;
  }
  char *dst = r->arena + r->used;
  if (len) memcpy(dst, data, len);
  dst[len] = '\0';
  for (size_t i = 0; i < len; i++) r->newlines += dst[i] == '\n';
  r->fields[r->n++] = dst;
  r->used += len + 1;
}

static void on_record(int term, void *ctx) {
  (void)term;
  csvread *r = ctx;
  if (!r->stop) {
    long start = r->line - (long)r->newlines;
    r->stop = r->fn(r->ctx, start < 1 ? 1 : start, r->fields, r->n, r->problem);
  }
  r->n = 0;
  r->used = 0;
  r->problem = NULL;
  r->newlines = 0;
}

csvread *csvread_new(csvread_fn fn, void *ctx) {
  csvread *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->arena = malloc(ARENA_CAP);
  if (r->arena == NULL || csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    free(r->arena);
    free(r);
    return NULL;
  }
  r->fn = fn;
  r->ctx = ctx;
  r->line = 1;
  return r;
}

void csvread_free(csvread *r) {
  if (r == NULL) return;
  csv_free(&r->p);
  free(r->arena);
  free(r);
}

static int fail(csvread *r, const char *what) {
  r->failed = true;
  snprintf(r->error, sizeof r->error, "%s", what);
  return -1;
}

/* Feeds one piece holding at most one line break, at its end. */
static int feed_piece(csvread *r, const char *s, size_t len) {
  if (csv_parse(&r->p, s, len, on_field, on_record, r) != len)
    return fail(r, csv_error(&r->p) == CSV_EPARSE ? "malformed CSV (a quote out of place)" : csv_strerror(csv_error(&r->p)));
  if (csv_get_buffer_size(&r->p) > CSVREAD_BUFFER_MAX) return fail(r, "a field is longer than the limit");
  return 0;
}

static int feed_lines(csvread *r, const char *buf, size_t len) {
  while (len > 0) {
    const char *nl = memchr(buf, '\n', len);
    size_t piece = nl ? (size_t)(nl - buf) + 1 : len;
    if (feed_piece(r, buf, piece) != 0) return -1;
    if (nl) r->line++;
    buf += piece;
    len -= piece;
    if (r->stop) return 1;
  }
  return 0;
}

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

/* The bytes held as a possible byte order mark turned out to be data. */
static int release_held(csvread *r) {
  size_t n = r->bom_have;
  r->bom_have = 0;
  return n ? feed_lines(r, bom, n) : 0;
}

int csvread_feed(csvread *r, const char *buf, size_t len) {
  if (r->failed) return -1;
  if (r->stop) return 1;
  /* A UTF-8 byte order mark at the start is skipped, even when the input
   * comes in pieces that split it: its bytes are held until they are
   * known to be one (dropped) or not (read as data). */
  while (!r->started && len > 0) {
    if (buf[0] == bom[r->bom_have]) {
      buf++, len--;
      if (++r->bom_have == 3) r->bom_have = 0, r->started = true;
    } else {
      r->started = true;
      int rc = release_held(r);
      if (rc != 0) return rc;
    }
  }
  return feed_lines(r, buf, len);
}

int csvread_finish(csvread *r) {
  if (r->failed) return -1;
  if (r->stop) return 1;
  if (!r->started) {
    r->started = true;
    int rc = release_held(r);
    if (rc != 0) return rc;
  }
  if (csv_fini(&r->p, on_field, on_record, r) != 0) return fail(r, "malformed CSV (a quote is never closed)");
  return r->stop ? 1 : 0;
}

const char *csvread_error(const csvread *r) { return r->error; }
long csvread_line(const csvread *r) { return r->line; }
