/*
 * csvread.h -- a streaming reader of RFC 4180 CSV over libcsv (Debian's
 * libcsv-dev), for the importer (service/origin.h) and its fuzz target.
 * Bytes go in as they come (any split); each complete record comes out
 * once, with the line it starts on, its fields NUL-terminated. Memory is
 * bounded by one record: L6_CSV_MAX_FIELDS fields of L6_CSV_FIELD_MAX
 * bytes. Pure: no I/O.
 */
#ifndef L6_CSVREAD_H
#define L6_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

/* One record. problem is NULL for a good record, else why it is refused
 * ("too many fields", "field longer than ..."); fields are then still the
 * ones read (n of them, possibly cut). Return non-zero to stop reading. */
typedef int (*csvread_fn)(void *ctx, long line, char **fields, size_t n, const char *problem);

typedef struct csvread csvread;

/* A new reader calling fn(ctx, ...) per record; NULL when out of memory.
 * Free with csvread_free. */
csvread *csvread_new(csvread_fn fn, void *ctx);
void csvread_free(csvread *r);

/* Reads len bytes. Returns 0, 1 when fn asked to stop, or -1 on a CSV
 * syntax error (an unbalanced quote, a record larger than the limits
 * allow): csvread_error says what and csvread_line where; the reader
 * then stops (nothing after the error is read). A UTF-8 byte order mark
 * at the very start is skipped. */
int csvread_feed(csvread *r, const char *buf, size_t len);
/* Ends the input: the last record without a line break comes out.
 * Returns as csvread_feed. */
int csvread_finish(csvread *r);
const char *csvread_error(const csvread *r);
long csvread_line(const csvread *r);

#endif
