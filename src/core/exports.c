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
  C_RETIRED, C_BENEF, C_REASON, C_DETAILS, C_STATUS, C_BUFFER, C_BUFFER2, C_CCP, C_ARB,
  C_SDG, C_CERT, C_LABEL, C_KG, C_BUFFER_KG, C_VDATE,
  C_FROM, C_TO, C_ISBUF, C_PSTATUS, C_REGISTERED, C_CSTART, C_CEND, C_VPERIOD, C__COUNT
};
_Static_assert(C__COUNT <= EXPORT_MAX_ROLES, "export_map.col has a slot per role");

/* What the rows of a layout are. */
typedef enum {
  ROWS_BLOCKS = 0,  /* Verra: blocks, active or retired/cancelled by their date and reason */
  ROWS_GS_ISSUED,   /* Gold Standard issuances */
  ROWS_GS_RETIRED,  /* Gold Standard retirements: ranges of issued batches */
  ROWS_PROJECTS,    /* a project list */
  ROWS_TOTALS,      /* issuances without serials (ACR, CAR, ART) */
  ROWS_RETIRED,     /* retired blocks with their serials (ACR, CAR, ART) */
  ROWS_CANCELLED,   /* cancelled blocks with their serials (ACR, CAR, ART) */
  ROWS_ISO_ISSUED,  /* Isometric issuances: sizes in credits and kg, no serials */
  ROWS_ISO_RETIRED  /* Isometric retirements: sizes in credits and kg, no serials */
} rows_kind;

typedef struct {
  export_layout layout;
  const char *name, *source;
  const char *cols[C__COUNT]; /* header names by role; NULL: the layout has none */
  rows_kind rows;
  const char *strip;          /* a prefix the export writes before project ids ("ACR731"), dropped */
  bool us_dates;              /* dates are M/D/YYYY (ACR, CAR, ART TREES), a time of day may follow */
  bool cdc;                   /* Cercarbono: the project is also in the serial ("CDC_7_..."); sector and
                                 country are Python lists of dicts; a range is the serial, vintage, from, to */
} layout_def;

/* The header names, exactly as the exports write them (carbonplan/offsets-db-data,
 * tests/data/, refreshed from the registries' public exports). */
static const layout_def layouts[] = {
    {EXPORT_VERRA_TRANSACTIONS, "verra transactions", "verra",
     {[C_ISSUED] = "Issuance Date", [C_VSTART] = "Vintage Start", [C_VEND] = "Vintage End", [C_PROJECT] = "ID",
      [C_NAME] = "Name", [C_COUNTRY] = "Country/Area", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_VTOTAL] = "Total Vintage Quantity", [C_QTY] = "Quantity Issued", [C_SERIAL] = "Serial Number",
      [C_RETIRED] = "Retirement/Cancellation Date", [C_BENEF] = "Retirement Beneficiary",
      [C_REASON] = "Retirement Reason", [C_DETAILS] = "Retirement Details",
      [C_SDG] = "Sustainable Development Goals", [C_CERT] = "Additional Certifications"}, ROWS_BLOCKS, NULL, false, false},
    {EXPORT_GS_RETIREMENTS, "gold-standard retirements", "gold-standard",
     {[C_VYEAR] = "Vintage", [C_STATUS] = "Credit Status", [C_QTY] = "Quantity", [C_PROJECT] = "GSID",
      [C_NAME] = "Project Name", [C_COUNTRY] = "Country", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_ISSUED] = "Issuance Date", [C_RETIRED] = "Retirement Date", [C_VSTART] = "Monitoring Period Start",
      [C_VEND] = "Monitoring Period End", [C_SERIAL] = "Serial Number", [C_DETAILS] = "Note",
      [C_REASON] = "Use Case", [C_BENEF] = "Using Entity", [C_LABEL] = "Label"}, ROWS_GS_RETIRED, NULL, false, false},
    {EXPORT_GS_ISSUANCES, "gold-standard issuances", "gold-standard",
     {[C_VYEAR] = "Vintage", [C_STATUS] = "Credit Status", [C_QTY] = "Quantity", [C_PROJECT] = "GSID",
      [C_NAME] = "Project Name", [C_COUNTRY] = "Country", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_ISSUED] = "Issuance Date", [C_VSTART] = "Monitoring Period Start", [C_VEND] = "Monitoring Period End",
      [C_SERIAL] = "Serial Number", [C_LABEL] = "Label"}, ROWS_GS_ISSUED, NULL, false, false},
    /* American Carbon Registry. Project ids are written "ACR731". */
    {EXPORT_ACR_PROJECTS, "acr projects", "acr",
     {[C_PROJECT] = "Project ID", [C_NAME] = "Project Name", [C_SECTOR] = "Project Type",
      [C_METH] = "Project Methodology/Protocol", [C_COUNTRY] = "Project Site Country"}, ROWS_PROJECTS, "ACR", true, false},
    {EXPORT_ACR_ISSUANCES, "acr issuances", "acr",
     {[C_ISSUED] = "Date Issued (GMT)", [C_VYEAR] = "Vintage", [C_VSTART] = "ReportingPeriodBegin",
      [C_VEND] = "ReportingPeriodEnd", [C_QTY] = "Total Credits Issued", [C_BUFFER] = "Credits Issued to Buffer Pool",
      [C_PROJECT] = "Project ID", [C_NAME] = "Project Name", [C_SECTOR] = "Project Type",
      [C_METH] = "Project Methodology/Protocol", [C_COUNTRY] = "Project Site Country", [C_ARB] = "ARB Eligible",
      [C_CCP] = "CCP Approved"}, ROWS_TOTALS, "ACR", true, false},
    {EXPORT_ACR_RETIREMENTS, "acr retirements", "acr",
     {[C_SERIAL] = "Credit Serial Numbers", [C_ISSUED] = "Date Issued (GMT)", [C_VYEAR] = "Vintage",
      [C_VSTART] = "Vintage Assignment Period Start Date", [C_VEND] = "Vintage Assignment Period End Date",
      [C_QTY] = "Quantity of Credits", [C_RETIRED] = "Status Effective (GMT)", [C_BENEF] = "Retired on Behalf of",
      [C_REASON] = "Retirement Reason", [C_DETAILS] = "Purpose of Retirement", [C_PROJECT] = "Project ID",
      [C_NAME] = "Project Name", [C_SECTOR] = "Project Type", [C_METH] = "Project Methodology/Protocol",
      [C_COUNTRY] = "Project Site Country", [C_ARB] = "ARB Eligible", [C_CCP] = "CCP Approved"}, ROWS_RETIRED, "ACR", true, false},
    /* The cancellations export writes two spaces in "Status Effective  (GMT)". */
    {EXPORT_ACR_CANCELLATIONS, "acr cancellations", "acr",
     {[C_SERIAL] = "Credit Serial Numbers", [C_ISSUED] = "Date Issued (GMT)", [C_VYEAR] = "Vintage",
      [C_VSTART] = "Vintage Assignment Period Start Date", [C_VEND] = "Vintage Assignment Period End Date",
      [C_QTY] = "Quantity of Credits", [C_RETIRED] = "Status Effective  (GMT)", [C_REASON] = "Cancellation Type",
      [C_DETAILS] = "Cancellation Details", [C_PROJECT] = "Project ID", [C_NAME] = "Project Name",
      [C_SECTOR] = "Project Type", [C_METH] = "Project Methodology/Protocol", [C_COUNTRY] = "Project Site Country",
      [C_ARB] = "ARB Eligible", [C_CCP] = "CCP Approved"}, ROWS_CANCELLED, "ACR", true, false},
    /* Climate Action Reserve. A vintage is a year; issuance dates are
     * only in the issuances export. */
    {EXPORT_CAR_PROJECTS, "car projects", "car",
     {[C_PROJECT] = "Project ID", [C_NAME] = "Project Name", [C_SECTOR] = "Project Type",
      [C_COUNTRY] = "Project Site Country"}, ROWS_PROJECTS, "CAR", true, false},
    {EXPORT_CAR_ISSUANCES, "car issuances", "car",
     {[C_ISSUED] = "Date Issued", [C_PROJECT] = "Project ID", [C_NAME] = "Project Name", [C_SECTOR] = "Project Type",
      [C_METH] = "Protocol and Version", [C_ARB] = "ARB Eligible", [C_CCP] = "CCP Approved", [C_VYEAR] = "Vintage",
      [C_QTY] = "Total Offset Credits Issued", [C_BUFFER] = "Offset Credits Currently in Reserve Buffer Pool",
      [C_BUFFER2] = "Offset Credits Intended for Compliance Buffer Pool",
      [C_COUNTRY] = "Project Site Country"}, ROWS_TOTALS, "CAR", true, false},
    {EXPORT_CAR_RETIREMENTS, "car retirements", "car",
     {[C_VYEAR] = "Vintage", [C_SERIAL] = "Offset Credit Serial Numbers", [C_QTY] = "Quantity of Offset Credits",
      [C_RETIRED] = "Status Effective", [C_PROJECT] = "Project ID", [C_NAME] = "Project Name",
      [C_SECTOR] = "Project Type", [C_METH] = "Protocol and Version", [C_COUNTRY] = "Project Site Country",
      [C_CCP] = "CCP Approved", [C_REASON] = "Retirement Reason", [C_DETAILS] = "Retirement Reason Details"},
     ROWS_RETIRED, "CAR", true, false},
    {EXPORT_CAR_CANCELLATIONS, "car cancellations", "car",
     {[C_VYEAR] = "Vintage", [C_SERIAL] = "Offset Credit Serial Numbers", [C_QTY] = "Quantity of Offset Credits",
      [C_RETIRED] = "Status Effective", [C_PROJECT] = "Project ID", [C_NAME] = "Project Name",
      [C_SECTOR] = "Project Type", [C_METH] = "Protocol and Version", [C_COUNTRY] = "Project Site Country",
      [C_REASON] = "Cancellation Reason", [C_DETAILS] = "Export Notes"}, ROWS_CANCELLED, "CAR", true, false},
    /* ART TREES: jurisdictional programmes ("ART102"); the country
     * column's name has two spaces. A vintage is a year. */
    {EXPORT_ART_PROJECTS, "art-trees projects", "art-trees",
     {[C_PROJECT] = "Program ID", [C_NAME] = "Program Name", [C_SECTOR] = "Program Type",
      [C_METH] = "Crediting Program and Standard", [C_COUNTRY] = "Program  Country"}, ROWS_PROJECTS, "ART", true, false},
    {EXPORT_ART_ISSUANCES, "art-trees issuances", "art-trees",
     {[C_ISSUED] = "Date Approved", [C_PROJECT] = "Program ID", [C_NAME] = "Program Name", [C_SECTOR] = "Program Type",
      [C_METH] = "Crediting Program and Standard", [C_VYEAR] = "Vintage",
      [C_QTY] = "Total Emission Reductions/Removals", [C_BUFFER] = "Credits Deposited in Buffer",
      [C_CCP] = "CCP Approved", [C_COUNTRY] = "Program  Country"}, ROWS_TOTALS, "ART", true, false},
    {EXPORT_ART_RETIREMENTS, "art-trees retirements", "art-trees",
     {[C_VYEAR] = "Vintage", [C_SERIAL] = "Credit Serial Numbers", [C_QTY] = "Quantity of Credits",
      [C_RETIRED] = "Status Effective", [C_CCP] = "CCP Approved", [C_PROJECT] = "Program ID",
      [C_NAME] = "Program Name", [C_SECTOR] = "Program Type", [C_METH] = "Crediting Program and Standard",
      [C_COUNTRY] = "Program  Country", [C_ISSUED] = "Date Approved", [C_BENEF] = "Retired on Behalf of",
      [C_REASON] = "Retirement Reason", [C_DETAILS] = "Purpose of Retirement"}, ROWS_RETIRED, "ART", true, false},
    {EXPORT_ART_CANCELLATIONS, "art-trees cancellations", "art-trees",
     {[C_VYEAR] = "Vintage", [C_SERIAL] = "Credit Serial Numbers", [C_QTY] = "Quantity of Credits",
      [C_RETIRED] = "Status Effective", [C_CCP] = "CCP Approved", [C_PROJECT] = "Program ID",
      [C_NAME] = "Program Name", [C_SECTOR] = "Program Type", [C_METH] = "Crediting Program and Standard",
      [C_COUNTRY] = "Program  Country", [C_ISSUED] = "Date Approved", [C_REASON] = "Cancellation Reason",
      [C_DETAILS] = "Cancellation Details"}, ROWS_CANCELLED, "ART", true, false},
    /* Isometric (durable removals), flattened from its API: ids are
     * "prj_1K3V..."; sizes in credits (decimal tonnes) and kg (integers);
     * no serials at all. The project list names the country by ISO 3166
     * alpha-3 code. Issuances give no vintage: the year of the
     * sequestration date when the file has one, else of the issuance date
     * (C_VDATE); retirements give the sequestration date. */
    {EXPORT_ISO_PROJECTS, "isometric projects", "isometric",
     {[C_PROJECT] = "id", [C_NAME] = "name", [C_SECTOR] = "pathway", [C_METH] = "protocol_slug",
      [C_COUNTRY] = "country_code"}, ROWS_PROJECTS, "prj_", false, false},
    /* With the sequestration date first: of two layouts naming as many
     * columns, the first wins. */
    {EXPORT_ISO_ISSUANCES_SEQ, "isometric issuances", "isometric",
     {[C_ISSUED] = "issued_at", [C_VDATE] = "sequestered_on", [C_PROJECT] = "project_id",
      [C_QTY] = "credit_batch_size_total.credits", [C_KG] = "credit_batch_size_total.credit_kgs",
      [C_BUFFER] = "buffer_pool_credit_batch_size_total.credits",
      [C_BUFFER_KG] = "buffer_pool_credit_batch_size_total.credit_kgs"}, ROWS_ISO_ISSUED, "prj_", false, false},
    {EXPORT_ISO_ISSUANCES, "isometric issuances", "isometric",
     {[C_ISSUED] = "issued_at", [C_VDATE] = "issued_at", [C_PROJECT] = "project_id",
      [C_QTY] = "credit_batch_size_total.credits", [C_KG] = "credit_batch_size_total.credit_kgs",
      [C_BUFFER] = "buffer_pool_credit_batch_size_total.credits",
      [C_BUFFER_KG] = "buffer_pool_credit_batch_size_total.credit_kgs"}, ROWS_ISO_ISSUED, "prj_", false, false},
    {EXPORT_ISO_RETIREMENTS, "isometric retirements", "isometric",
     {[C_RETIRED] = "retired_at", [C_REASON] = "purposes", [C_DETAILS] = "notes", [C_BENEF] = "beneficiary.name",
      [C_QTY] = "credit_batch_size_total.credits", [C_KG] = "credit_batch_size_total.credit_kgs",
      [C_PROJECT] = "project_id", [C_VDATE] = "sequestered_on"}, ROWS_ISO_RETIRED, "prj_", false, false},
    /* Project lists of Verra and Gold Standard: the project's facts, with
     * its status as the origin words it (origin_project_status maps it),
     * Verra's registration date and crediting period (YYYY-MM-DD). */
    {EXPORT_VERRA_PROJECTS, "verra projects", "verra",
     {[C_PROJECT] = "ID", [C_NAME] = "Name", [C_SECTOR] = "Project Type", [C_METH] = "Methodology",
      [C_PSTATUS] = "Status", [C_COUNTRY] = "Country/Area", [C_REGISTERED] = "Project Registration Date",
      [C_CSTART] = "Crediting Period Start Date", [C_CEND] = "Crediting Period End Date"}, ROWS_PROJECTS, NULL, false, false},
    {EXPORT_GS_PROJECTS, "gold-standard projects", "gold-standard",
     {[C_PROJECT] = "GSID", [C_NAME] = "Project Name", [C_PSTATUS] = "Status", [C_SECTOR] = "Project Type",
      [C_COUNTRY] = "Country", [C_METH] = "Methodology"}, ROWS_PROJECTS, NULL, false, false},
    /* Cercarbono, from EcoRegistry. Issuances name their serial prefix
     * ("CDC_7_3_1_323_14_CO_1_2_2019"), no range and no project id (the
     * number after "CDC_" is the project); retirements the prefix, the
     * vintage and the first and last number (from, to). A vintage is the
     * year column within the issuance's vintage_of_credits period (the part
     * of the year the period covers, as for Gold Standard); a retirement's
     * is the one its issuance recorded for its prefix and year. */
    {EXPORT_CDC_PROJECTS, "cercarbono projects", "cercarbono",
     {[C_PROJECT] = "id", [C_NAME] = "name", [C_SECTOR] = "sector", [C_METH] = "quantification_method",
      [C_COUNTRY] = "locations"}, ROWS_PROJECTS, NULL, false, true},
    {EXPORT_CDC_ISSUANCES, "cercarbono issuances", "cercarbono",
     {[C_SERIAL] = "serial", [C_QTY] = "issued_quantity", [C_ISSUED] = "issuance_date", [C_VYEAR] = "year",
      [C_ISBUF] = "is_buffer", [C_VPERIOD] = "vintage_of_credits"}, ROWS_TOTALS, NULL, false, true},
    {EXPORT_CDC_RETIREMENTS, "cercarbono retirements", "cercarbono",
     {[C_NAME] = "project_name", [C_PROJECT] = "project_id", [C_SERIAL] = "serial", [C_VYEAR] = "vintage",
      [C_REASON] = "certificate_destination", [C_BENEF] = "end_user", [C_DETAILS] = "passive_subject",
      [C_RETIRED] = "date", [C_QTY] = "quantity", [C_FROM] = "from", [C_TO] = "to"}, ROWS_RETIRED, NULL, false, true},
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

static const layout_def *def_of(export_layout l) {
  for (size_t i = 0; i < NLAYOUTS; i++)
    if (layouts[i].layout == l) return &layouts[i];
  return NULL;
}

int export_layout_rank(export_layout l) {
  const layout_def *d = def_of(l);
  /* Cercarbono's retirements take their vintage period from the issuances'. */
  return d == NULL ? 1 : d->rows == ROWS_PROJECTS ? 0 : d->rows == ROWS_GS_RETIRED || (d->cdc && d->rows == ROWS_RETIRED) ? 2 : 1;
}

bool export_map_header(const char *source, char **fields, size_t n, export_map *out, char *msg, size_t cap) {
  const char *closest_missing = NULL;
  int closest = -1, best = -1;
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
    /* Every column there: the layout naming the most columns wins (a
     * project list's columns are also in the other files of its registry). */
    if (!missing && found > best) {
      best = found;
      *out = m;
    }
    if (missing && found > closest) closest = found, closest_missing = missing;
  }
  if (best >= 0) return true;
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

/* A figure of an issuance record: empty or "0" is 0 (CAR leaves empty
 * what it did not issue; zero-credit reporting periods). */
static bool qty_or_zero(const char *s, int64_t *out) {
  if (s[0] == '\0' || strcmp(s, "0") == 0) {
    *out = 0;
    return true;
  }
  return origin_parse_qty(s, out);
}

/* A date in the layout's format. */
static bool date_of(const layout_def *d, const char *s, char out[11]) {
  return d->us_dates ? origin_parse_us_date(s, out) : origin_parse_date(s, out);
}

/* A yes/no flag: true for "Yes" (any case). */
static bool yes(const char *s) { return strcasecmp(s, "yes") == 0; }

/* The next item of a list separated by any of seps, trimmed of spaces,
 * into buf (cut to cap); *s moves past it. False at the end. */
static bool next_item(const char **s, const char *seps, char *buf, size_t cap) {
  const char *p = *s;
  while (*p == ' ' || (*p && strchr(seps, *p))) p++;
  if (*p == '\0') return false;
  const char *end = p;
  while (*end && !strchr(seps, *end)) end++;
  *s = end;
  size_t len = (size_t)(end - p);
  while (len > 0 && p[len - 1] == ' ') len--;
  if (len >= cap) len = cap - 1;
  memcpy(buf, p, len);
  buf[len] = '\0';
  return true;
}

static const char *const cert_labels[EXPORT_CERTS] = {
    [EXPORT_CERT_REMOVAL] = "removal",             [EXPORT_CERT_SOCIALCARBON] = "socialcarbon",
    [EXPORT_CERT_A6_OIMP] = "article6-oimp",       [EXPORT_CERT_A6_NDC] = "article6-ndc",
    [EXPORT_CERT_A6_OTHER] = "article6-other",     [EXPORT_CERT_CORSIA_PILOT] = "corsia-pilot",
    [EXPORT_CERT_CORSIA_FIRST] = "corsia-first"};

const char *export_cert_label(int k) { return k >= 0 && k < EXPORT_CERTS ? cert_labels[k] : ""; }

/* Beside EXPORT_CERT_...: CCB and CCP, labels of their own. */
enum { CERT_CCB = 100, CERT_CCP };

/* One item of Verra's Additional Certifications (docs/IMPORT.md
 * "Certifications and SDG labels"), compared without case, an en or em
 * dash read as "-" and runs of spaces as one (Verra writes both
 * "CORSIA - First Phase" and "CORSIA \u2013 Pilot Phase"). *k gets
 * EXPORT_CERT_..., CERT_CCB, CERT_CCP, or -1 for an item that is known
 * and gives no label ("GHG Emissions Reductions": the product's kind, as
 * Gold Standard's "Emission Reduction"). False for an item not in the
 * mapping: a label is never guessed, and nothing is dropped unseen. */
static bool verra_cert(const char *item, int *k) {
  char n[128];
  size_t j = 0;
  for (const unsigned char *p = (const unsigned char *)item; *p && j + 1 < sizeof n; p++) {
    char c = (char)*p;
    if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x93 || p[2] == 0x94)) c = '-', p += 2;
    if (c == ' ' && (j == 0 || n[j - 1] == ' ')) continue;
    n[j++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
  }
  while (j > 0 && n[j - 1] == ' ') j--;
  n[j] = '\0';
  static const struct { const char *text; int k; } exact[] = {
      {"icvcm ccp", CERT_CCP},
      {"carbon dioxide removals", EXPORT_CERT_REMOVAL},
      {"social carbon", EXPORT_CERT_SOCIALCARBON},
      {"ghg emissions reductions", -1},
      {"article 6 authorized - intl mitigation purposes", EXPORT_CERT_A6_OIMP},
      {"article 6 authorized - international mitigation purposes", EXPORT_CERT_A6_OIMP},
      {"article 6 authorized - ndc use", EXPORT_CERT_A6_NDC},
      {"article 6 authorized - other purposes", EXPORT_CERT_A6_OTHER}};
  *k = -1;
  if (strncmp(n, "ccb", 3) == 0) return *k = CERT_CCB, true;
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
    if (strcmp(n, exact[i].text) == 0) return *k = exact[i].k, true;
  /* CORSIA's phases, each with its years ("CORSIA - Pilot Phase, 2021-2023 Eligible"). */
  if (strncmp(n, "corsia - pilot phase, 2021-2023", 31) == 0) return *k = EXPORT_CERT_CORSIA_PILOT, true;
  if (strncmp(n, "corsia - first phase, 2024-2026", 31) == 0) return *k = EXPORT_CERT_CORSIA_FIRST, true;
  return false;
}

/* Verra's "Sustainable Development Goals": goals separated by ";" or ",",
 * each its number, with or without "SDG" before it and a name after it
 * ("13", "SDG 13", "13: Climate Action", "SDG13 - Climate Action"). Sets
 * bit g of *out for goal g; false (item in bad) for an item that names
 * no goal 1..17. */
static bool parse_sdgs(const char *s, uint32_t *out, char *bad, size_t cap) {
  char item[128];
  *out = 0;
  while (next_item(&s, ";,", item, sizeof item)) {
    const char *p = item;
    if (strncasecmp(p, "SDG", 3) == 0) p += 3;
    while (*p == ' ') p++;
    int g = 0, digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) g = g * 10 + (*p++ - '0'), digits++;
    bool tail_ok = *p == '\0' || *p == ':' || *p == ' ' || *p == '-' || *p == '.';
    if (digits == 0 || g < 1 || g > 17 || !tail_ok) {
      snprintf(bad, cap, "%s", item);
      return false;
    }
    *out |= 1u << g;
  }
  return true;
}

/* Cercarbono's project of a serial: the number after "CDC_" ("CDC_7_3_..."
 * is project 7), into out (cap bytes); false when the serial has none. */
static bool cdc_project(const char *serial, char *out, size_t cap) {
  if (strncmp(serial, "CDC_", 4) != 0) return false;
  size_t n = strspn(serial + 4, "0123456789");
  if (n == 0 || n >= cap || serial[4 + n] != '_') return false;
  memcpy(out, serial + 4, n);
  out[n] = '\0';
  return true;
}

/* The first value of key in a Python list of dicts as EcoRegistry's API
 * is flattened ("[{'city': 'X', 'country': 'Colombia', ...}]"), into out;
 * "" when absent. */
static void py_value(const char *s, const char *key, char *out, size_t cap) {
  char pat[40];
  snprintf(pat, sizeof pat, "'%s': '", key);
  const char *p = strstr(s, pat);
  out[0] = '\0';
  if (p == NULL) return;
  p += strlen(pat);
  size_t n = strcspn(p, "'");
  if (p[n] != '\'') return;
  if (n >= cap) n = cap - 1;
  while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) n--;
  memcpy(out, p, n);
  out[n] = '\0';
}

/* A size in credits as Isometric writes it ("2765.37", "531.0", "0.0"),
 * in kg: digits, and at most three decimals. False for anything else. */
static bool credits_kg(const char *s, int64_t *kg) {
  int64_t whole = 0, frac = 0;
  int nd = 0, nf = 0;
  const char *p = s;
  for (; *p >= '0' && *p <= '9'; p++, nd++) {
    if (whole > L6_MAX_QUANTITY) return false;
    whole = whole * 10 + (*p - '0');
  }
  if (nd == 0) return false;
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
      if (nf == 3) return false;
      frac = frac * 10 + (*p - '0');
    }
    if (nf == 0) return false;
  }
  if (*p != '\0' || whole > L6_MAX_QUANTITY) return false;
  for (; nf < 3; nf++) frac *= 10;
  *kg = whole * 1000 + frac;
  return true;
}

/* The kg column of an Isometric size: an integer ("2765370"; "0"). */
static bool kg_of(const char *s, int64_t *out) {
  if (strcmp(s, "0") == 0) {
    *out = 0;
    return true;
  }
  return origin_parse_qty(s, out);
}

/* Isometric's issuances and retirements: a size in credits and the same in
 * kg, which must agree (the credits written to three decimals); the
 * figures are kept in kg, exact, and in whole tonnes rounded down (in_kg,
 * docs/IMPORT.md "Isometric"). The vintage is the calendar year of the
 * sequestration date (or, for issuances without one, of the issuance
 * date), its period that year. */
static bool iso_row(const export_map *m, const layout_def *d, char **fields, size_t n, export_row *out, char *msg,
                    size_t cap) {
#define F(role) fld(m, fields, n, role)
  int64_t ck = 0;
  out->in_kg = true;
  if (!credits_kg(F(C_QTY), &ck)) return BAD("credits '%.40s'%s are not a decimal number of tonnes", F(C_QTY), "");
  if (!kg_of(F(C_KG), &out->kg) || out->kg == 0)
    return BAD("credit_kgs '%.40s'%s is not a positive whole number of kg", F(C_KG), "");
  if (ck != out->kg) return BAD("credits '%.40s' and credit_kgs '%.40s' disagree", F(C_QTY), F(C_KG));
  if (d->rows == ROWS_ISO_ISSUED) {
    int64_t bk = 0;
    if (!credits_kg(F(C_BUFFER), &ck) || !kg_of(F(C_BUFFER_KG), &out->buffer_kg) || ck != out->buffer_kg)
      return BAD("buffer pool credits '%.40s' and kg '%.40s' are not one size", F(C_BUFFER), F(C_BUFFER_KG));
    bk = out->buffer_kg;
    if (bk > out->kg) return BAD("%lld kg to the buffer pool exceed the %lld kg issued", (long long)bk, (long long)out->kg);
    if (!origin_parse_date(F(C_ISSUED), out->issued_on)) return BAD("issued_at '%.40s'%s is not a date", F(C_ISSUED), "");
  } else {
    if (!origin_parse_date(F(C_RETIRED), out->retired_on)) return BAD("retired_at '%.40s'%s is not a date", F(C_RETIRED), "");
  }
  out->quantity = out->kg / 1000;
  out->buffer = out->buffer_kg / 1000;
  char vd[11];
  if (!origin_parse_date(F(C_VDATE), vd))
    return BAD("%s '%.40s' is not a date: the vintage is unknown", d->cols[C_VDATE], F(C_VDATE));
  snprintf(out->vintage_start, sizeof out->vintage_start, "%.4s-01-01", vd);
  snprintf(out->vintage_end, sizeof out->vintage_end, "%.4s-12-31", vd);
  int vy = origin_vintage_year(out->vintage_start, out->vintage_end);
  if (vy < L6_VINTAGE_MIN || vy > L6_VINTAGE_MAX) return BAD("vintage %d is outside the years accepted%s", vy, "");
  if (d->rows == ROWS_ISO_ISSUED) {
    out->status = EXPORT_TOTAL;
    return true;
  }
  out->status = EXPORT_RETIRED_TOTAL;
  const char *b = F(C_BENEF);
  out->beneficiary_unstated = b[0] == '\0';
  if (!out->beneficiary_unstated) copy_text(out->beneficiary, sizeof out->beneficiary, b);
  /* purposes is the API's list, written "['corporate_targets']": its items, comma-separated. */
  char pur[L6_NAME_MAX + 1];
  size_t k = 0;
  for (const char *p = F(C_REASON); *p && k + 1 < sizeof pur; p++)
    if (*p != '[' && *p != ']' && *p != '\'' && *p != '"') pur[k++] = *p;
  pur[k] = '\0';
  copy_text(out->purpose, sizeof out->purpose, pur);
  copy_text(out->details, sizeof out->details, F(C_DETAILS));
#undef F
  return true;
}

bool export_map_row(const export_map *m, char **fields, size_t n, export_row *out, char *msg, size_t cap) {
  memset(out, 0, sizeof *out);
  const layout_def *d = def_of(m->layout);
  if (d == NULL) return BAD("no layout%s%s", "", "");
  if (n != m->nfields) {
    snprintf(msg, cap, "%zu fields, the header has %zu", n, m->nfields);
    return false;
  }
#define F(role) fld(m, fields, n, role)
  const char *ref = F(C_PROJECT);
  char cdc_ref[32] = "";
  if (d->cdc && m->col[C_SERIAL] >= 0) {
    /* Cercarbono: the serial names the project; a project_id beside it must agree. */
    if (!cdc_project(F(C_SERIAL), cdc_ref, sizeof cdc_ref))
      return BAD("serial '%.60s'%s does not name its project (CDC_<project>_...)", F(C_SERIAL), "");
    if (m->col[C_PROJECT] < 0) ref = cdc_ref;
    else if (strcmp(ref, cdc_ref) != 0)
      return BAD("project_id '%.40s' is not the project of serial '%.60s'", ref, F(C_SERIAL));
  }
  /* ACR, CAR and ART write their ids with their own prefix ("ACR731"). */
  if (d->strip && strncmp(ref, d->strip, strlen(d->strip)) == 0 && ref[strlen(d->strip)] != '\0') ref += strlen(d->strip);
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
  if (d->cdc && d->rows == ROWS_PROJECTS) {
    /* The first location's country, the first sector's description. */
    py_value(F(C_COUNTRY), "country", out->country, sizeof out->country);
    py_value(F(C_SECTOR), "description", out->sector, sizeof out->sector);
    if (out->country[0] == '\0') return BAD("locations '%.60s'%s name no country", F(C_COUNTRY), "");
  }
  copy_text(out->methodology, sizeof out->methodology, F(C_METH));
  out->ccp = yes(F(C_CCP));
  out->arb = yes(F(C_ARB));
  /* The columns labels come from: a row of such a layout says which the
   * batch carries (mirror mode brings a recorded batch's imported labels
   * to it); a layout without them (CAR's cancellations) says nothing, nor
   * does Gold Standard's retirements export, a range of a batch its
   * issuances export describes (its Label is the retirement's record, and
   * may differ from the issuance's: the issuances export decides). */
  out->labels_given = (m->col[C_CCP] >= 0 || m->col[C_ARB] >= 0 || m->col[C_CERT] >= 0 || m->col[C_SDG] >= 0 ||
                       m->col[C_LABEL] >= 0) && d->rows != ROWS_GS_RETIRED;
  /* Certifications and labels (docs/IMPORT.md "Certifications and SDG
   * labels"): Verra's Additional Certifications, ";"-separated, a "CCB-..."
   * item -> ccb (its text kept: "CCB-Biodiversity Gold"); Gold Standard's
   * Label, ","-separated, "ICVCM CCP" -> ccp. Other items (Verra's
   * "Carbon Dioxide Removals", its Article 6 and CORSIA flags, Gold
   * Standard's "Emission Reduction") are not certifications this model
   * records. */
  char item[128], bad_sdg[128];
  const char *cs = F(C_CERT);
  while (next_item(&cs, ";", item, sizeof item)) {
    int k = -1;
    if (!verra_cert(item, &k))
      return BAD("additional certification '%.60s'%s is not in the mapping of docs/IMPORT.md (\"Certifications and SDG labels\")",
                 item, "");
    if (k == CERT_CCB && !out->ccb) {
      out->ccb = true;
      copy_text(out->ccb_text, sizeof out->ccb_text, item);
    } else if (k == CERT_CCP) {
      out->ccp = true;
    } else if (k >= 0 && !(out->certs >> k & 1u)) {
      out->certs |= 1u << k;
      copy_text(out->cert_text[k], sizeof out->cert_text[k], item);
    }
  }
  const char *ls = F(C_LABEL);
  while (next_item(&ls, ",", item, sizeof item))
    if (strcasecmp(item, "ICVCM CCP") == 0) out->ccp = true;
  if (!parse_sdgs(F(C_SDG), &out->sdgs, bad_sdg, sizeof bad_sdg))
    return BAD("sustainable development goal '%.60s'%s names no goal 1 to 17", bad_sdg, "");
  if (d->rows == ROWS_PROJECTS) {
    out->status = EXPORT_PROJECT;
    if (m->col[C_PSTATUS] >= 0) {
      if (!l6_valid_text(F(C_PSTATUS), L6_NAME_MAX) || F(C_PSTATUS)[0] == '\0')
        return BAD("status '%.40s'%s is empty or not printable text", F(C_PSTATUS), "");
      copy_text(out->origin_status, sizeof out->origin_status, F(C_PSTATUS));
      const struct { int role; char *dst; const char *what; } dates[] = {
          {C_REGISTERED, out->registered, "registration date"},
          {C_CSTART, out->crediting_start, "crediting period start"},
          {C_CEND, out->crediting_end, "crediting period end"}};
      for (size_t k = 0; k < 3; k++)
        if (m->col[dates[k].role] >= 0 && F(dates[k].role)[0] && !date_of(d, F(dates[k].role), dates[k].dst))
          return BAD("%s '%.40s' is not a date", dates[k].what, F(dates[k].role));
      if (!out->crediting_start[0] != !out->crediting_end[0])
        return BAD("the crediting period '%.20s'..'%.20s' lacks one end", F(C_CSTART), F(C_CEND));
      if (out->crediting_start[0] && strcmp(out->crediting_start, out->crediting_end) > 0)
        return BAD("the crediting period %s..%s is reversed", out->crediting_start, out->crediting_end);
    }
    return true;
  }
  if (d->rows == ROWS_ISO_ISSUED || d->rows == ROWS_ISO_RETIRED) return iso_row(m, d, fields, n, out, msg, cap);
  if (d->rows == ROWS_TOTALS) {
    int64_t b2 = 0;
    if (!qty_or_zero(F(C_QTY), &out->quantity)) return BAD("quantity '%.40s'%s is not a whole number", F(C_QTY), "");
    if (!qty_or_zero(F(C_BUFFER), &out->buffer) || !qty_or_zero(F(C_BUFFER2), &b2))
      return BAD("buffer pool credits '%.40s' '%.40s' are not whole numbers", F(C_BUFFER), F(C_BUFFER2));
    out->buffer += b2;
    /* Cercarbono issues its buffer as issuances of their own (is_buffer True). */
    if (m->col[C_ISBUF] >= 0) {
      const char *ib = F(C_ISBUF);
      if (strcmp(ib, "True") != 0 && strcmp(ib, "False") != 0) return BAD("is_buffer '%.20s'%s is not True or False", ib, "");
      out->buffer = ib[0] == 'T' ? out->quantity : 0;
    }
    if (out->buffer > out->quantity)
      return BAD("%lld buffer pool credits exceed the %lld issued", (long long)out->buffer, (long long)out->quantity);
  } else if (!origin_parse_qty(F(C_QTY), &out->quantity)) {
    return BAD("quantity '%.40s'%s is not a positive whole number", F(C_QTY), "");
  }
  if (m->col[C_VTOTAL] >= 0 && !origin_parse_qty(F(C_VTOTAL), &out->vintage_total))
    return BAD("total vintage quantity '%.40s'%s is not a positive whole number", F(C_VTOTAL), "");
  if (d->rows != ROWS_TOTALS && m->col[C_FROM] >= 0) {
    /* Cercarbono: a range is PREFIX-VINTAGE-FROM-TO, the text its origin
     * pattern reads (config/origins.json). */
    char ser[L6_ORIGIN_SERIAL_MAX + 2];
    int w = snprintf(ser, sizeof ser, "%s-%s-%s-%s", F(C_SERIAL), F(C_VYEAR), F(C_FROM), F(C_TO));
    if (w < 0 || (size_t)w > L6_ORIGIN_SERIAL_MAX) return BAD("serial '%.60s'%s is too long", F(C_SERIAL), "");
    memcpy(out->serial, ser, (size_t)w + 1);
  } else if (d->rows != ROWS_TOTALS) {
    if (strlen(F(C_SERIAL)) == 0 || strlen(F(C_SERIAL)) > L6_ORIGIN_SERIAL_MAX)
      return BAD("serial number '%.60s'%s is empty or too long", F(C_SERIAL), "");
    snprintf(out->serial, sizeof out->serial, "%s", F(C_SERIAL));
  }
  /* The issuance date: CAR's retirements and cancellations do not give
   * it, and ART's may leave it empty: the issuance is then undated (no
   * effective date), never given one. */
  bool undated_ok = d->rows == ROWS_RETIRED || d->rows == ROWS_CANCELLED;
  if (!(undated_ok && F(C_ISSUED)[0] == '\0') && !date_of(d, F(C_ISSUED), out->issued_on))
    return BAD("issuance date '%.40s'%s is not a date", F(C_ISSUED), "");
  char ps[11], pe[11];
  if (m->col[C_VPERIOD] >= 0) {
    /* Cercarbono's vintage_of_credits: "2016-01-01 / 2019-06-30". */
    const char *vp = F(C_VPERIOD), *sep = strstr(vp, " / ");
    char a[16] = "";
    if (sep && (size_t)(sep - vp) < sizeof a) memcpy(a, vp, (size_t)(sep - vp)), a[sep - vp] = '\0';
    if (sep == NULL || !origin_parse_date(a, ps) || !origin_parse_date(sep + 3, pe) || strcmp(ps, pe) > 0)
      return BAD("vintage_of_credits '%.40s'%s is not a period START / END in order", vp, "");
  } else if (m->col[C_VSTART] < 0) {
    /* A vintage year alone (CAR, ART TREES): the period is the year. */
    const char *vy = F(C_VYEAR);
    int y = 0;
    if (strlen(vy) != 4 || sscanf(vy, "%4d", &y) != 1 || y < L6_VINTAGE_MIN || y > L6_VINTAGE_MAX)
      return BAD("vintage '%.20s'%s is not a year", vy, "");
    snprintf(ps, sizeof ps, "%04d-01-01", y);
    snprintf(pe, sizeof pe, "%04d-12-31", y);
  } else if (!date_of(d, F(C_VSTART), ps) || !date_of(d, F(C_VEND), pe) || strcmp(ps, pe) > 0) {
    return BAD("vintage period '%.20s'..'%.20s' is not two dates in order", F(C_VSTART), F(C_VEND));
  }
  if (m->col[C_VYEAR] >= 0) {
    /* Gold Standard, ACR: a vintage year inside the monitoring (reporting)
     * period; the vintage period is the part of that year the period covers. */
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
  if (d->cdc && (m->col[C_VPERIOD] >= 0 || d->rows == ROWS_RETIRED)) {
    /* Cercarbono: the period of a prefix and year, recorded from an
     * issuance, looked up for a retirement (docs/IMPORT.md "Cercarbono's
     * vintage periods"). */
    if (strlen(F(C_SERIAL)) >= sizeof out->period_prefix) return BAD("serial '%.60s'%s is too long", F(C_SERIAL), "");
    snprintf(out->period_prefix, sizeof out->period_prefix, "%s", F(C_SERIAL));
    out->period_year = vy;
    if (m->col[C_VPERIOD] >= 0) memcpy(out->period_start, ps, 11), memcpy(out->period_end, pe, 11);
    else out->period_lookup = true;
  }
  const char *ret = F(C_RETIRED);
  out->status = EXPORT_ACTIVE;
  if (d->rows == ROWS_TOTALS) {
    out->status = EXPORT_TOTAL;
    return true;
  }
  if (d->rows == ROWS_GS_ISSUED) {
    if (strcmp(F(C_STATUS), "Issued") != 0) return BAD("credit status '%.40s'%s is not Issued", F(C_STATUS), "");
    out->status = EXPORT_ISSUED;
  } else if (d->rows == ROWS_GS_RETIRED) {
    if (strcmp(F(C_STATUS), "Retired") != 0) return BAD("credit status '%.40s'%s is not Retired", F(C_STATUS), "");
    out->needs_issuance = true;
    if (ret[0] == '\0') return BAD("a retired range has no retirement date%s%s", "", "");
  } else if ((d->rows == ROWS_RETIRED || d->rows == ROWS_CANCELLED) && ret[0] == '\0') {
    return BAD("a %s block has no status effective date%s", d->rows == ROWS_RETIRED ? "retired" : "cancelled", "");
  }
  if (ret[0]) {
    if (!date_of(d, ret, out->retired_on)) return BAD("retirement date '%.40s'%s is not a date", ret, "");
    out->status = d->rows == ROWS_CANCELLED                          ? EXPORT_CANCELLED
                  : d->rows == ROWS_RETIRED                          ? EXPORT_RETIRED
                  : contains_ci(F(C_REASON), "cancel")               ? EXPORT_CANCELLED
                                                                     : EXPORT_RETIRED;
    const char *b = F(C_BENEF);
    /* No beneficiary stated: an empty field (or a layout without one:
     * CAR, cancellations), or Gold Standard's "Not Disclosed". */
    out->beneficiary_unstated = b[0] == '\0' || strcasecmp(b, "Not Disclosed") == 0;
    if (!out->beneficiary_unstated) copy_text(out->beneficiary, sizeof out->beneficiary, b);
    copy_text(out->purpose, sizeof out->purpose, F(C_REASON));
    copy_text(out->details, sizeof out->details, F(C_DETAILS));
  }
#undef F
  return true;
}
