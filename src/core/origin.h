/*
 * origin.h -- the serial numbers, vintages and figures of registries
 * outside ledger6 (Verra, Gold Standard, ...), as their public exports
 * write them (docs/IMPORT.md). Pure: no I/O; the patterns come from
 * config/origins.json (service/origin.h loads it).
 */
#ifndef L6_ORIGIN_H
#define L6_ORIGIN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"
#include "serialmatch.h"

/* An origin's serial pattern: a POSIX extended regular expression over
 * the whole serial text, and which of its groups hold the serial prefix
 * (0: none, the origin numbers all its units in one sequence), the first
 * and the last serial number (decimal). Like the Climate Action Data
 * Trust's serial number pattern, one per registry. */
typedef struct {
  regex_t re;
  int prefix_group, first_group, last_group;
  bool compiled;
  /* The same pattern for serialmatch.h's matcher, when it takes it
   * (every pattern config/origins.json has): origin_serial_parse then
   * runs it instead of regexec. false: regexec. */
  bool fast;
  serial_matcher m;
} origin_pattern;

/* A serial parsed by its origin's pattern. */
typedef struct {
  char prefix[L6_ORIGIN_SERIAL_MAX + 1];
  int64_t first, last;
} origin_serial;

/* Compiles pattern (REG_EXTENDED); the groups must be 0..9 and first and
 * last must be set and differ. False with a message in msg (cap bytes). */
bool origin_pattern_compile(origin_pattern *p, const char *pattern, int prefix_group, int first_group, int last_group,
                            char *msg, size_t cap);
void origin_pattern_free(origin_pattern *p);

/* Parses text by pattern: false unless the whole text matches, it is at
 * most L6_ORIGIN_SERIAL_MAX bytes, first and last are decimal numbers
 * below L6_MAX_SERIAL and first <= last. */
bool origin_serial_parse(const origin_pattern *p, const char *text, origin_serial *out);

/* The vintage year of a vintage period start..end (YYYY-MM-DD, start <=
 * end): the calendar year holding most of the period's days; on a tie the
 * later year. A period within one year gives that year; 2009-03-13 ..
 * 2011-03-12 gives 2010. 0 when the dates are invalid or reversed. */
int origin_vintage_year(const char *start, const char *end);

/* The ledger6 status of a project ("listed", "registered", "suspended")
 * from its status as Verra's or Gold Standard's project list words it
 * (docs/IMPORT.md "Project lists of Verra and Gold Standard"), ignoring
 * case, '_' read as ' ': registered once the origin registered (or
 * certified) it, suspended when it is on hold, withdrawn, rejected or
 * inactive, listed otherwise (under development, under validation,
 * registration requested, listed, any word not known). */
const char *origin_project_status(const char *origin_status);

/* Quantity as exports write it: "1,454,054", "425" (thousands commas
 * only between groups of three). False for anything else, 0 or negative,
 * or more than L6_MAX_QUANTITY. */
bool origin_parse_qty(const char *s, int64_t *out);

/* A date as exports write it, to YYYY-MM-DD: "2020-01-01",
 * "2026-04-13T12:35:58.842275" (the date part of an ISO timestamp),
 * "01012018" (DDMMYYYY, Verra's serials), "13/03/2009" (DD/MM/YYYY). False
 * unless a real calendar date. */
bool origin_parse_date(const char *s, char out[11]);

/* A US-style date as ACR, CAR and ART TREES write them, to YYYY-MM-DD:
 * "3/24/2026", "03/19/2026", "3/24/2026 9:08:01 PM" (M/D/YYYY, one or two
 * digits of month and day; a time of day after a space is ignored). False
 * unless a real calendar date. */
bool origin_parse_us_date(const char *s, char out[11]);

#endif
