/*
 * serial.h -- human-readable serial numbers (format in docs/DESIGN.md).
 *
 *   unit:  UT-HOST-PROJECT-VINTAGE-BATCH-N        VCU-MWI-VCS.2250-2022-000007-000000042
 *   block: UT-HOST-PROJECT-VINTAGE-BATCH-FIRST-LAST
 *
 * UT is the unit type code ([A-Z0-9.]), HOST the host Party (alpha-3),
 * PROJECT the project id ([A-Za-z0-9._], no hyphen), VINTAGE four digits,
 * BATCH the batch number zero-padded to 6 digits, N/FIRST/LAST serial
 * numbers zero-padded to 9 digits (wider numbers are written in full).
 * Only the canonical form parses, so format(parse(s)) == s.
 */
#ifndef L6_SERIAL_H
#define L6_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"

typedef struct {
  char unit_type[L6_CODE_MAX + 1];
  char host[4];
  char project[L6_CODE_MAX + 1];
  int vintage;
  int64_t batch;
  int64_t first; /* the unit's serial, or the block's first */
  int64_t last;  /* == first for a unit */
  bool is_block; /* parsed from the 7-field block form */
} l6_serial;

/* Writes the unit form (when first == last and !is_block) or the block
 * form into buf. Returns the length, or -1 if s is invalid or buf too
 * small. */
int serial_format(const l6_serial *s, char *buf, size_t cap);

/* Parses a NUL-terminated canonical serial string. Returns false (and
 * leaves *out unspecified) on any deviation from the canonical form. */
bool serial_parse(const char *str, l6_serial *out);

#endif
