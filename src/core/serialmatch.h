/*
 * serialmatch.h -- a small matcher for the fixed-shape serial patterns of
 * config/origins.json, run instead of POSIX regexec per serial (issue 17:
 * glibc's regexec was 14% of an import's instructions). Pure.
 *
 * It takes the subset of POSIX extended regular expressions the
 * configured patterns use: anchored ^...$, a sequence of atoms (an ASCII
 * character, a bracket expression of ASCII characters and ranges within
 * 0-9, A-Z or a-z, a backslash-escaped special character), each with an
 * optional *, +, ? or {n}, {n,}, {n,m}, and at most 9 groups, not nested,
 * not repeated, no alternation. A pattern outside the subset, or one
 * whose groups this matcher could capture differently from POSIX, is
 * refused (serial_matcher_compile false) and the caller keeps regexec.
 *
 * Why the captures equal POSIX's: every atom but at most one must end
 * where its run of characters ends ("forced": a fixed count, or none of
 * its characters is one the atoms after it may take up to and including
 * the first that needs a character; the last atom's run must end the
 * text). Such an atom takes its longest run in every match: a match that
 * stopped it earlier would leave a character of its own that nothing
 * after it takes. So all matches agree on where it ends. The one atom that is not forced
 * (Verra's "[0-9A-Za-z.-]+" followed by "-") must come after every group:
 * the matcher tries its lengths longest first, and whichever length
 * succeeds, the groups are where every match puts them.
 */
#ifndef L6_SERIALMATCH_H
#define L6_SERIALMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_MATCH_ATOMS 48
#define SERIAL_MATCH_UNBOUNDED 0xFFFFu

typedef struct {
  uint8_t set[32];      /* the bytes the atom takes, a bit each */
  uint16_t min, max;    /* repetitions; max SERIAL_MATCH_UNBOUNDED: no limit */
} serial_atom;

typedef struct {
  serial_atom atom[SERIAL_MATCH_ATOMS];
  uint8_t n;            /* atoms */
  int8_t loose;         /* the one atom not forced, -1 none */
  uint8_t ngroups;      /* groups 1..ngroups */
  uint8_t gfrom[10], gto[10]; /* group g spans atoms gfrom[g] .. gto[g]-1 */
} serial_matcher;

/* Compiles pattern into m: false when the pattern is outside the subset
 * above (then use regcomp/regexec). */
bool serial_matcher_compile(serial_matcher *m, const char *pattern);

/* Matches the whole text (len bytes): true with so[g], eo[g] the byte
 * offsets of group g (0: the whole text) for g = 0..m->ngroups, as
 * regexec's rm_so and rm_eo would be. */
bool serial_matcher_run(const serial_matcher *m, const char *text, size_t len, size_t so[10], size_t eo[10]);

#endif
