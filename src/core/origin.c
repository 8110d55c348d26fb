/* origin.c -- origin serials, vintage periods and export figures; see origin.h. Pure. */
#include "origin.h"

#include <stdio.h>
#include <string.h>

#include "model.h"

bool origin_pattern_compile(origin_pattern *p, const char *pattern, int prefix_group, int first_group, int last_group,
                            char *msg, size_t cap) {
  memset(p, 0, sizeof *p);
  if (prefix_group < 0 || prefix_group > 9 || first_group < 1 || first_group > 9 || last_group < 1 || last_group > 9 ||
      first_group == last_group || prefix_group == first_group || prefix_group == last_group) {
    snprintf(msg, cap, "groups must be 1..9 (prefix 0 for none), first and last distinct");
    return false;
  }
  int rc = regcomp(&p->re, pattern, REG_EXTENDED);
  if (rc != 0) {
    char why[128];
    regerror(rc, &p->re, why, sizeof why);
    snprintf(msg, cap, "pattern does not compile: %s", why);
    return false;
  }
  int need = first_group > last_group ? first_group : last_group;
  if (prefix_group > need) need = prefix_group;
  if ((int)p->re.re_nsub < need) {
    regfree(&p->re);
    snprintf(msg, cap, "pattern has %zu groups, group %d is named", (size_t)p->re.re_nsub, need);
    return false;
  }
  p->prefix_group = prefix_group;
  p->first_group = first_group;
  p->last_group = last_group;
  p->compiled = true;
  p->fast = serial_matcher_compile(&p->m, pattern) && p->m.ngroups == p->re.re_nsub;
  return true;
}

void origin_pattern_free(origin_pattern *p) {
  if (p->compiled) regfree(&p->re);
  p->compiled = false;
}

/* Decimal digits only, 1..19 of them, below L6_MAX_SERIAL. */
static bool num(const char *s, size_t len, int64_t *out) {
  if (len == 0 || len > 19) return false;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (L6_MAX_SERIAL - (s[i] - '0')) / 10) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool origin_serial_parse(const origin_pattern *p, const char *text, origin_serial *out) {
  if (!p->compiled) return false;
  size_t len = strlen(text);
  if (len == 0 || len > L6_ORIGIN_SERIAL_MAX) return false;
  size_t so[10], eo[10];
  if (p->fast) {
    if (!serial_matcher_run(&p->m, text, len, so, eo)) return false;
  } else {
    regmatch_t m[10];
    if (regexec(&p->re, text, 10, m, 0) != 0) return false;
    if (m[0].rm_so != 0 || (size_t)m[0].rm_eo != len) return false; /* the whole text */
    for (int g = 0; g < 10; g++) {
      if (m[g].rm_so < 0 && (g == p->first_group || g == p->last_group || (g > 0 && g == p->prefix_group))) return false;
      so[g] = m[g].rm_so < 0 ? 0 : (size_t)m[g].rm_so;
      eo[g] = m[g].rm_so < 0 ? 0 : (size_t)m[g].rm_eo;
    }
  }
  int f = p->first_group, l = p->last_group;
  if (!num(text + so[f], eo[f] - so[f], &out->first) || !num(text + so[l], eo[l] - so[l], &out->last) ||
      out->first > out->last)
    return false;
  out->prefix[0] = '\0';
  if (p->prefix_group > 0) {
    int x = p->prefix_group;
    snprintf(out->prefix, sizeof out->prefix, "%.*s", (int)(eo[x] - so[x]), text + so[x]);
  }
  return true;
}

/* Days from 0000-03-01 (a civil-from-days count); only differences matter. */
static int64_t day_number(int y, int m, int d) {
  if (m <= 2) y--, m += 12;
  return 365LL * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1;
}

int origin_vintage_year(const char *start, const char *end) {
  if (!l6_valid_date(start) || !l6_valid_date(end) || strcmp(start, end) > 0) return 0;
  int y0, m0, d0, y1, m1, d1;
  if (sscanf(start, "%4d-%2d-%2d", &y0, &m0, &d0) != 3 || sscanf(end, "%4d-%2d-%2d", &y1, &m1, &d1) != 3) return 0;
  int64_t a = day_number(y0, m0, d0), b = day_number(y1, m1, d1);
  int best = 0;
  int64_t best_days = -1;
  for (int y = y0; y <= y1; y++) {
    int64_t lo = y == y0 ? a : day_number(y, 1, 1);
    int64_t hi = y == y1 ? b : day_number(y, 12, 31);
    int64_t days = hi - lo + 1;
    if (days >= best_days) best_days = days, best = y; /* >=: a tie goes to the later year */
  }
  return best;
}

bool origin_parse_qty(const char *s, int64_t *out) {
  size_t len = strlen(s);
  if (len == 0 || len > 24) return false;
  int64_t v = 0;
  int since_comma = -1; /* digits since the last comma; -1 before any comma */
  size_t digits = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ',') {
      if (digits == 0 || (since_comma >= 0 && since_comma != 3) || (since_comma < 0 && digits > 3)) return false;
      since_comma = 0;
      continue;
    }
    if (c < '0' || c > '9') return false;
    if (digits == 0 && c == '0' && len > 1) return false; /* no leading zeros */
    v = v * 10 + (c - '0');
    digits++;
    if (since_comma >= 0) since_comma++;
    if (v > L6_MAX_QUANTITY) return false;
  }
  if (since_comma >= 0 && since_comma != 3) return false;
  if (v <= 0) return false;
  *out = v;
  return true;
}

bool origin_parse_date(const char *s, char out[11]) {
  size_t len = strlen(s);
  char buf[11];
  if (len >= 10 && s[4] == '-' && s[7] == '-' && (len == 10 || s[10] == 'T' || s[10] == ' ')) {
    memcpy(buf, s, 10);
  } else if (len == 8) {
    for (size_t i = 0; i < 8; i++)
      if (s[i] < '0' || s[i] > '9') return false;
    snprintf(buf, sizeof buf, "%.4s-%.2s-%.2s", s + 4, s + 2, s);
  } else if (len == 10 && s[2] == '/' && s[5] == '/') {
    snprintf(buf, sizeof buf, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
  } else {
    return false;
  }
  buf[10] = '\0';
  if (!l6_valid_date(buf)) return false;
  memcpy(out, buf, 11);
  return true;
}

bool origin_parse_us_date(const char *s, char out[11]) {
  int part[3] = {0, 0, 0}, digits[3] = {0, 0, 0}, k = 0;
  const char *p = s;
  for (; *p && *p != ' '; p++) {
    if (*p == '/') {
      if (++k > 2) return false;
    } else if (*p >= '0' && *p <= '9') {
      if (++digits[k] > 4) return false;
      part[k] = part[k] * 10 + (*p - '0');
    } else {
      return false;
    }
  }
  if (k != 2 || digits[0] < 1 || digits[0] > 2 || digits[1] < 1 || digits[1] > 2 || digits[2] != 4) return false;
  if (*p == ' ' && p[1] == '\0') return false; /* a space with no time after it */
  char buf[24];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d", part[2], part[0], part[1]);
  if (strlen(buf) != 10 || !l6_valid_date(buf)) return false;
  memcpy(out, buf, 11);
  return true;
}

const char *origin_project_status(const char *origin_status) {
  static const char *const registered[] = {"registered", "crediting period renewal requested",
                                           "crediting period renewal and verification approval requested",
                                           "gold standard certified project", "gold standard certified design"};
  static const char *const suspended[] = {"on hold", "withdrawn", "rejected by administrator", "inactive"};
  char w[96];
  size_t n = 0;
  for (const char *p = origin_status; *p && n + 1 < sizeof w; p++) {
    char c = *p == '_' ? ' ' : *p;
    w[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  w[n] = '\0';
  for (size_t i = 0; i < sizeof registered / sizeof *registered; i++)
    if (strcmp(w, registered[i]) == 0) return "registered";
  for (size_t i = 0; i < sizeof suspended / sizeof *suspended; i++)
    if (strcmp(w, suspended[i]) == 0) return "suspended";
  return "listed";
}
