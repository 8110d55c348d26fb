/* serialmatch.c -- fixed-shape serial patterns without regexec; see
 * serialmatch.h. Hand-written because what it replaces is a general
 * regular expression engine doing, per serial, what a walk over a dozen
 * character classes does: no library splits a fixed-shape serial faster,
 * and glibc's regexec cost an import 14% of its instructions. */
#include "serialmatch.h"

#include <string.h>

static void set_add(serial_atom *a, unsigned c) { a->set[c >> 3] |= (uint8_t)(1u << (c & 7)); }
static bool set_has(const serial_atom *a, unsigned char c) { return (a->set[c >> 3] >> (c & 7)) & 1u; }

static bool disjoint(const serial_atom *a, const serial_atom *b) {
  for (int i = 0; i < 32; i++)
    if (a->set[i] & b->set[i]) return false;
  return true;
}

/* The same class of range ends: both digits, both upper or both lower case. */
static int range_kind(char c) {
  return c >= '0' && c <= '9' ? 1 : c >= 'A' && c <= 'Z' ? 2 : c >= 'a' && c <= 'z' ? 3 : 0;
}

/* A bracket expression at *pp ('['): ASCII characters and ranges only. */
static bool bracket(const char **pp, serial_atom *a) {
  const char *p = *pp + 1;
  if (*p == '^' || *p == ']') return false; /* negation, a leading ']': left to regexec */
  while (*p != ']') {
    char c = *p;
    if (c == '\0' || c == '[' || c == '\\' || c < 0x20 || c > 0x7e) return false;
    if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
      char d = p[2];
      if (range_kind(c) == 0 || range_kind(c) != range_kind(d) || c > d) return false;
      for (int x = c; x <= d; x++) set_add(a, (unsigned)x);
      p += 3;
    } else {
      set_add(a, (unsigned char)c);
      p++;
    }
  }
  *pp = p + 1;
  return true;
}

/* A bound {n}, {n,} or {n,m} at *pp ('{'), n and m at most 255, m >= 1. */
static bool bound(const char **pp, serial_atom *a) {
  const char *p = *pp + 1;
  unsigned n = 0, m;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++) n = n * 10 + (unsigned)(*p - '0');
  if (digits == 0 || digits > 3 || n > 255) return false;
  m = n;
  if (*p == ',') {
    p++;
    digits = 0;
    unsigned v = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) v = v * 10 + (unsigned)(*p - '0');
    if (digits > 3 || v > 255) return false;
    m = digits == 0 ? SERIAL_MATCH_UNBOUNDED : v;
  }
  if (*p != '}' || m < n || m == 0) return false;
  a->min = (uint16_t)n;
  a->max = (uint16_t)m;
  *pp = p + 1;
  return true;
}

bool serial_matcher_compile(serial_matcher *m, const char *pattern) {
  memset(m, 0, sizeof *m);
  m->loose = -1;
  const char *p = pattern;
  if (*p++ != '^') return false;
  bool open = false, end = false;
  while (*p) {
    char c = *p;
    if (c == '$') {
      if (p[1] != '\0') return false;
      end = true;
      break;
    }
    if (c == '(') {
      if (open || m->ngroups == 9) return false;
      open = true;
      m->gfrom[++m->ngroups] = m->n;
      p++;
      continue;
    }
    if (c == ')') {
      if (!open || m->gfrom[m->ngroups] == m->n) return false; /* empty group */
      open = false;
      m->gto[m->ngroups] = m->n;
      p++;
      if (*p == '*' || *p == '+' || *p == '?' || *p == '{') return false; /* a repeated group */
      continue;
    }
    if (m->n == SERIAL_MATCH_ATOMS) return false;
    serial_atom *a = &m->atom[m->n];
    memset(a, 0, sizeof *a);
    a->min = a->max = 1;
    if (c == '[') {
      if (!bracket(&p, a)) return false;
    } else if (c == '\\') {
      if (p[1] == '\0' || strchr(".[]()*+?{}|^$\\", p[1]) == NULL) return false; /* \w, \b, ...: GNU extensions */
      set_add(a, (unsigned char)p[1]);
      p += 2;
    } else {
      if (strchr(".*+?{}|^]", c) != NULL || c < 0x20 || c > 0x7e) return false;
      set_add(a, (unsigned char)c);
      p++;
    }
    if (*p == '*') a->min = 0, a->max = SERIAL_MATCH_UNBOUNDED, p++;
    else if (*p == '+') a->min = 1, a->max = SERIAL_MATCH_UNBOUNDED, p++;
    else if (*p == '?') a->min = 0, a->max = 1, p++;
    else if (*p == '{' && !bound(&p, a)) return false;
    if (*p == '*' || *p == '+' || *p == '?' || *p == '{') return false; /* a repeated repetition */
    m->n++;
  }
  if (!end || open || m->n == 0) return false;
  /* Which atoms are forced (serialmatch.h); at most one is not, after every group. */
  for (int i = 0; i < m->n; i++) {
    const serial_atom *a = &m->atom[i];
    if (a->min == a->max) continue;
    /* What may follow: the atoms up to the first that needs a character. */
    serial_atom follow;
    memset(&follow, 0, sizeof follow);
    for (int j = i + 1; j < m->n; j++) {
      for (int k = 0; k < 32; k++) follow.set[k] |= m->atom[j].set[k];
      if (m->atom[j].min >= 1) break;
    }
    if (disjoint(a, &follow)) continue;
    if (m->loose >= 0) return false;
    m->loose = (int8_t)i;
  }
  for (int g = 1; g <= m->ngroups && m->loose >= 0; g++)
    if (m->gto[g] > m->loose) return false;
  return true;
}

/* Atom i at text[pos..len): its longest run, at most max; -1 if below min. */
static long run(const serial_atom *a, const char *text, size_t pos, size_t len) {
  size_t k = 0, cap = a->max == SERIAL_MATCH_UNBOUNDED ? len - pos : a->max;
  while (k < cap && pos + k < len && set_has(a, (unsigned char)text[pos + k])) k++;
  return k < a->min ? -1 : (long)k;
}

/* Forced atoms from..n-1 from pos; at[i] their start offsets, at[n] the end. */
static bool rest(const serial_matcher *m, int from, const char *text, size_t pos, size_t len, size_t *at) {
  for (int i = from; i < m->n; i++) {
    at[i] = pos;
    long k = run(&m->atom[i], text, pos, len);
    if (k < 0) return false;
    pos += (size_t)k;
  }
  at[m->n] = pos;
  return pos == len;
}

bool serial_matcher_run(const serial_matcher *m, const char *text, size_t len, size_t so[10], size_t eo[10]) {
  size_t at[SERIAL_MATCH_ATOMS + 1];
  if (m->loose < 0) {
    if (!rest(m, 0, text, 0, len, at)) return false;
  } else {
    int l = m->loose;
    size_t pos = 0;
    for (int i = 0; i < l; i++) {
      at[i] = pos;
      long k = run(&m->atom[i], text, pos, len);
      if (k < 0) return false;
      pos += (size_t)k;
    }
    at[l] = pos;
    long k = run(&m->atom[l], text, pos, len);
    bool ok = false;
    for (; k >= (long)m->atom[l].min && !ok; k--) ok = rest(m, l + 1, text, pos + (size_t)k, len, at);
    if (!ok) return false;
  }
  so[0] = 0;
  eo[0] = len;
  for (int g = 1; g <= m->ngroups; g++) so[g] = at[m->gfrom[g]], eo[g] = at[m->gto[g]];
  return true;
}
