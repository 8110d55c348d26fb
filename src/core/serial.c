/* serial.c -- canonical serial strings; see serial.h. Pure. */
#include "serial.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

static bool valid(const l6_serial *s) {
  return l6_valid_code(s->unit_type) && l6_valid_alpha3(s->host) && l6_valid_project_id(s->project) &&
         s->vintage >= L6_VINTAGE_MIN && s->vintage <= L6_VINTAGE_MAX && s->batch >= 1 &&
         s->first >= 1 && s->last >= s->first && s->last <= L6_MAX_SERIAL;
}

int serial_format(const l6_serial *s, char *buf, size_t cap) {
  if (!valid(s) || (!s->is_block && s->first != s->last)) return -1;
  int n;
  if (s->is_block)
    n = snprintf(buf, cap, "%s-%s-%s-%04d-%06lld-%09lld-%09lld", s->unit_type, s->host, s->project,
                 s->vintage, (long long)s->batch, (long long)s->first, (long long)s->last);
  else
    n = snprintf(buf, cap, "%s-%s-%s-%04d-%06lld-%09lld", s->unit_type, s->host, s->project,
                 s->vintage, (long long)s->batch, (long long)s->first);
  return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

/* Decimal digits only, no sign, at most 19 digits. */
static bool parse_num(const char *p, size_t len, int64_t *out) {
  if (len == 0 || len > 19) return false;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    if (v > (INT64_MAX - (p[i] - '0')) / 10) return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

static bool copy_field(char *dst, size_t cap, const char *p, size_t len) {
  if (len == 0 || len >= cap) return false;
  memcpy(dst, p, len);
  dst[len] = '\0';
  return true;
}

bool serial_parse(const char *str, l6_serial *out) {
  if (str == NULL) return false;
  size_t total = strlen(str);
  if (total == 0 || total > L6_SERIAL_MAX) return false;
  const char *field[8];
  size_t flen[8];
  size_t nf = 0;
  const char *start = str;
  for (const char *p = str;; p++) {
    if (*p == '-' || *p == '\0') {
      if (nf == 8) return false;
      field[nf] = start;
      flen[nf] = (size_t)(p - start);
      nf++;
      if (*p == '\0') break;
      start = p + 1;
    }
  }
  if (nf != 6 && nf != 7) return false;
  memset(out, 0, sizeof *out);
  int64_t vintage, batch, first, last;
  if (!copy_field(out->unit_type, sizeof out->unit_type, field[0], flen[0]) ||
      !copy_field(out->host, sizeof out->host, field[1], flen[1]) ||
      !copy_field(out->project, sizeof out->project, field[2], flen[2]) || flen[3] != 4 ||
      !parse_num(field[3], flen[3], &vintage) || !parse_num(field[4], flen[4], &batch) ||
      !parse_num(field[5], flen[5], &first))
    return false;
  last = first;
  if (nf == 7 && !parse_num(field[6], flen[6], &last)) return false;
  out->vintage = (int)vintage;
  out->batch = batch;
  out->first = first;
  out->last = last;
  out->is_block = (nf == 7);
  /* Canonical form only: re-format and compare, which also validates. */
  char again[L6_SERIAL_MAX + 1];
  int n = serial_format(out, again, sizeof again);
  return n >= 0 && (size_t)n == total && memcmp(again, str, total) == 0;
}
