/*
 * csvwrite.h -- one field of an RFC 4180 CSV file, for the public CSV
 * files (src/api/api_open.c). Pure: no I/O.
 *
 * A field holding a comma, a double quote, CR or LF is quoted, its quotes
 * doubled (RFC 4180 section 2, rules 6 and 7). Formula guard: a text field
 * starting with =, +, - or @ gets a leading apostrophe, so that a
 * spreadsheet opening the file shows it as text instead of running it as a
 * formula (OWASP, "CSV Injection"); the apostrophe is inside the quotes
 * when the field is quoted. Numbers the server writes are not texts and
 * are never changed.
 */
#ifndef L6_CSVWRITE_H
#define L6_CSVWRITE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the field for s to dst (when not NULL; no NUL is added) and
 * returns its length in bytes; text: apply the formula guard. Call with
 * dst NULL first to learn the room it needs. */
size_t csv_field(char *dst, const char *s, bool text);

/* Whether a text s gets the formula guard. */
bool csv_needs_guard(const char *s);

#endif
