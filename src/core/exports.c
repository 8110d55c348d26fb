/* exports.c -- public export layouts and their mapping; see exports.h. Pure. */
#include "exports.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "origin.h"

/* The columns a mapping reads, by role. */
enum {
  C_ISSUED, C_VSTART, C_VEND, C_VYEAR, C_PROJECT, C_NAME, C_COUNTRY, C_SECTOR, C_METH, C_VTOTAL, C_QTY, C_SERIAL,
  C_RETIRED, C_BENEF, C_REASON, C_DETAILS, C_STATUS, C__COUNT
};

typedef struct {
  export_layout layout;
  const char *name, *source;
  const char *cols[C__COUNT]; /* header names by role; NULL: the layout has none */
} layout_def;

/* The header names, exactly as the exports write them (carbonplan/offsets-db-data,
 * tests/data/, refreshed from the registries' public exports). */
static const layout_def layouts[] = {
    {EXPORT_VERRA_TRANSACTIONS, "verra transactions", "verra",
     {[C_ISSUED] = "Issuance Date", [C_VSTART] = "Vintage Start", [C_VEND] = "Vintage End", [C_PROJECT] = "ID",
      [C_NAME] = "Name", [C_COUNTRY] = "Country/Area", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_VTOTAL] = "Total Vintage Quantity", [C_QTY] = "Quantity Issued", [C_SERIAL] = "Serial Number",
      [C_RETIRED] = "Retirement/Cancellation Date", [C_BENEF] = "Retirement Beneficiary",
      [C_REASON] = "Retirement Reason", [C_DETAILS] = "Retirement Details"}},
    {EXPORT_GS_RETIREMENTS, "gold-standard retirements", "gold-standard",
     {[C_VYEAR] = "Vintage", [C_STATUS] = "Credit Status", [C_QTY] = "Quantity", [C_PROJECT] = "GSID",
      [C_NAME] = "Project Name", [C_COUNTRY] = "Country", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_ISSUED] = "Issuance Date", [C_RETIRED] = "Retirement Date", [C_VSTART] = "Monitoring Period Start",
      [C_VEND] = "Monitoring Period End", [C_SERIAL] = "Serial Number", [C_DETAILS] = "Note",
      [C_REASON] = "Use Case", [C_BENEF] = "Using Entity"}},
    {EXPORT_GS_ISSUANCES, "gold-standard issuances", "gold-standard",
     {[C_VYEAR] = "Vintage", [C_STATUS] = "Credit Status", [C_QTY] = "Quantity", [C_PROJECT] = "GSID",
      [C_NAME] = "Project Name", [C_COUNTRY] = "Country", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_ISSUED] = "Issuance Date", [C_VSTART] = "Monitoring Period Start", [C_VEND] = "Monitoring Period End",
      [C_SERIAL] = "Serial Number"}},
};
#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

const char *export_layout_name(export_layout l) {
  for (size_t i = 0; i < NLAYOUTS; i++)
    if (layouts[i].layout == l) return layouts[i].name;
  return "unknown";
}

const char *export_layout_source(export_layout l) {
  for (size_t i = 0; i < NLAYOUTS; i++)
    if (layouts[i].layout == l) return layouts[i].source;
  return "";
}

bool export_map_header(const char *source, char **fields, size_t n, export_map *out, char *msg, size_t cap) {
  const char *closest_missing = NULL;
  int closest = -1;
  bool any = false;
  for (size_t i = 0; i < NLAYOUTS; i++) {
    const layout_def *d = &layouts[i];
    if (strcmp(d->source, source) != 0) continue;
    any = true;
    export_map m = {.layout = d->layout, .nfields = n};
    const char *missing = NULL;
    int found = 0;
    for (int c = 0; c < C__COUNT; c++) {
      m.col[c] = -1;
      if (d->cols[c] == NULL) continue;
      for (size_t k = 0; k < n; k++)
        if (strcmp(fields[k], d->cols[c]) == 0) m.col[c] = (int)k;
      if (m.col[c] < 0) {
        if (!missing) missing = d->cols[c];
      } else {
        found++;
      }
    }
    if (!missing) {
      *out = m;
      return true;
    }
    if (found > closest) closest = found, closest_missing = missing;
  }
  if (!any) snprintf(msg, cap, "no export layout is known for source '%s'", source);
  else snprintf(msg, cap, "the header is no %s export layout known (column '%s' is missing)", source, closest_missing);
  return false;
}

/* The field of a role, or "" when the layout has none or the row is short. */
static const char *fld(const export_map *m, char **fields, size_t n, int role) {
  int k = m->col[role];
  return (k >= 0 && (size_t)k < n) ? fields[k] : "";
}

/* Copies text into dst, cut at a UTF-8 character boundary when too long. */
static void copy_text(char *dst, size_t cap, const char *src) {
  size_t len = strlen(src);
  if (len >= cap) {
    len = cap - 1;
    while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80) len--;
  }
  memcpy(dst, src, len);
  dst[len] = '\0';
}

/* Whether s contains word, ignoring ASCII case. */
static bool contains_ci(const char *s, const char *word) {
  size_t wl = strlen(word);
  for (; *s; s++)
    if (strncasecmp(s, word, wl) == 0) return true;
  return false;
}

/* Fails the mapping with a message (in export_map_row). */
#define BAD(...) (snprintf(msg, cap, __VA_ARGS__), false)

bool export_map_row(const export_map *m, char **fields, size_t n, export_row *out, char *msg, size_t cap) {
  memset(out, 0, sizeof *out);
  if (n != m->nfields) {
    snprintf(msg, cap, "%zu fields, the header has %zu", n, m->nfields);
    return false;
  }
#define F(role) fld(m, fields, n, role)
  const char *ref = F(C_PROJECT);
  /* Gold Standard writes some ids as "11191.0"; the project id is the integer. */
  size_t rl = strlen(ref);
  if (rl > 2 && strcmp(ref + rl - 2, ".0") == 0) rl -= 2;
  if (rl == 0 || rl > 24) return BAD("project id '%.40s'%s is empty or too long", ref, "");
  for (size_t i = 0; i < rl; i++)
    if (!((ref[i] >= '0' && ref[i] <= '9') || (ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z')))
      return BAD("project id '%.40s'%s is not letters and digits", ref, "");
  memcpy(out->project_ref, ref, rl);
  out->project_ref[rl] = '\0';
  copy_text(out->project_name, sizeof out->project_name, F(C_NAME));
  copy_text(out->country, sizeof out->country, F(C_COUNTRY));
  copy_text(out->sector, sizeof out->sector, F(C_SECTOR));
  copy_text(out->methodology, sizeof out->methodology, F(C_METH));
  if (!origin_parse_qty(F(C_QTY), &out->quantity)) return BAD("quantity '%.40s'%s is not a positive whole number", F(C_QTY), "");
  if (m->col[C_VTOTAL] >= 0 && !origin_parse_qty(F(C_VTOTAL), &out->vintage_total))
    return BAD("total vintage quantity '%.40s'%s is not a positive whole number", F(C_VTOTAL), "");
  if (strlen(F(C_SERIAL)) == 0 || strlen(F(C_SERIAL)) > L6_ORIGIN_SERIAL_MAX)
    return BAD("serial number '%.60s'%s is empty or too long", F(C_SERIAL), "");
  snprintf(out->serial, sizeof out->serial, "%s", F(C_SERIAL));
  if (!origin_parse_date(F(C_ISSUED), out->issued_on)) return BAD("issuance date '%.40s'%s is not a date", F(C_ISSUED), "");
  char ps[11], pe[11];
  if (!origin_parse_date(F(C_VSTART), ps) || !origin_parse_date(F(C_VEND), pe) || strcmp(ps, pe) > 0)
    return BAD("vintage period '%.20s'..'%.20s' is not two dates in order", F(C_VSTART), F(C_VEND));
  if (m->col[C_VYEAR] >= 0) {
    /* Gold Standard: a vintage year inside the monitoring period; the
     * vintage period is the part of that year the monitoring covers. */
    const char *vy = F(C_VYEAR);
    int y = 0;
    if (strlen(vy) != 4 || sscanf(vy, "%4d", &y) != 1 || y < L6_VINTAGE_MIN || y > L6_VINTAGE_MAX)
      return BAD("vintage '%.20s'%s is not a year", vy, "");
    char ys[11], ye[11];
    snprintf(ys, sizeof ys, "%04d-01-01", y);
    snprintf(ye, sizeof ye, "%04d-12-31", y);
    snprintf(out->vintage_start, sizeof out->vintage_start, "%s", strcmp(ps, ys) > 0 ? ps : ys);
    snprintf(out->vintage_end, sizeof out->vintage_end, "%s", strcmp(pe, ye) < 0 ? pe : ye);
    if (strcmp(out->vintage_start, out->vintage_end) > 0)
      return BAD("vintage %s is outside the monitoring period ending %s", vy, pe);
  } else {
    memcpy(out->vintage_start, ps, 11);
    memcpy(out->vintage_end, pe, 11);
  }
  int vy = origin_vintage_year(out->vintage_start, out->vintage_end);
  if (vy < L6_VINTAGE_MIN || vy > L6_VINTAGE_MAX) return BAD("vintage period %s..%s is outside the years accepted", out->vintage_start, out->vintage_end);
  const char *ret = F(C_RETIRED);
  out->status = EXPORT_ACTIVE;
  if (m->layout == EXPORT_GS_ISSUANCES) {
    if (strcmp(F(C_STATUS), "Issued") != 0) return BAD("credit status '%.40s'%s is not Issued", F(C_STATUS), "");
    out->status = EXPORT_ISSUED;
  } else if (m->layout == EXPORT_GS_RETIREMENTS) {
    if (strcmp(F(C_STATUS), "Retired") != 0) return BAD("credit status '%.40s'%s is not Retired", F(C_STATUS), "");
    out->needs_issuance = true;
    if (ret[0] == '\0') return BAD("a retired range has no retirement date%s%s", "", "");
  }
  if (ret[0]) {
    if (!origin_parse_date(ret, out->retired_on)) return BAD("retirement date '%.40s'%s is not a date", ret, "");
    out->status = contains_ci(F(C_REASON), "cancel") ? EXPORT_CANCELLED : EXPORT_RETIRED;
    const char *b = F(C_BENEF);
    /* No beneficiary stated: an empty field, or Gold Standard's "Not Disclosed". */
    out->beneficiary_unstated = b[0] == '\0' || strcasecmp(b, "Not Disclosed") == 0;
    if (!out->beneficiary_unstated) copy_text(out->beneficiary, sizeof out->beneficiary, b);
    copy_text(out->purpose, sizeof out->purpose, F(C_REASON));
    copy_text(out->details, sizeof out->details, F(C_DETAILS));
  }
#undef F
  return true;
}
