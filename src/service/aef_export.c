/*
 * aef_export.c -- the AEF (agreed electronic format) of svc_a6_aef in the
 * layout of the UN's workbook: five tables with the template's sheet names,
 * titles and column headings, written as an .xlsx workbook (libxlsxwriter)
 * or as one CSV file per table (RFC 4180, CRLF line ends).
 *
 * The layout: decision 6/CMA.4 (annex VII, the draft AEF) as updated by
 * decision 4/CMA.6 (annex II). The headings below were taken from two
 * public programs that read the UN's template (see docs/API.md, "The AEF
 * workbook", for the sources and what could not be verified); where the
 * books hold no value for a column the cell is left empty, and the cells the
 * template reserves for the secretariat carry the template's own
 * placeholder text.
 */
#include "a6.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* The text the template puts in the cells the CARP fills. */
#define CARP_FILLS "{Information in this field is populated by the CARP}"
#define CARP_LINK "{Link to be produced by the CARP}"

/* "" in a header list is one of the template's blank separator columns. */
static const char *const T1_LABELS[] = {"Party",
                                        "Version",
                                        "Reported year",
                                        "Date of submission",
                                        "Review status of the initial report",
                                        "Result of the consistency check of this AEF submission",
                                        "First year of the NDC implementation period",
                                        "Last year of the NDC implementation period",
                                        "Reference to the Article 6 technical expert review report of the initial report",
                                        NULL};
static const char *const T2_LABELS[] = {"Authorization ID",
                                        "Date of authorization",
                                        "Cooperative approach ID",
                                        "Version of the authorization",
                                        "",
                                        "Authorized quantity",
                                        "Metric",
                                        "Applicable GWP value(s)",
                                        "Applicable non-GHG metric",
                                        "Sector(s)",
                                        "Activity type(s)",
                                        "Purposes for authorization",
                                        "Authorized Party(ies) ID",
                                        "Authorized entity(ies) ID",
                                        "OIMP authorized by the Party",
                                        "Authorized timeframe",
                                        "Authorization terms and conditions",
                                        "Authorization documentation",
                                        "First transfer definition for OIMP",
                                        "Additional explanatory information",
                                        NULL};
static const char *const T3_LABELS[] = {"Action date",
                                        "Action type",
                                        "Action subtype",
                                        "Cooperative approach ID",
                                        "Authorization ID",
                                        "First transferring participating Party ID",
                                        "Party ITMO registry ID",
                                        "First ID",
                                        "Last ID",
                                        "",
                                        "Underlying unit registry ID",
                                        "First unit ID",
                                        "Last unit ID",
                                        "",
                                        "Metric",
                                        "Applicable GWP value(s)",
                                        "Applicable non-GHG metric",
                                        "Quantity (t CO2 eq)",
                                        "Quantity (in non-GHG metric)",
                                        "",
                                        "Mitigation type",
                                        "Vintage",
                                        "",
                                        "Transferring participating Party ID",
                                        "Acquiring participating Party ID",
                                        "",
                                        "Purpose for which the ITMO has been used towards or cancelled for OIMP",
                                        "Using/cancelling participating Party ID",
                                        "Using/cancelling authorized entity ID",
                                        "Calendar year for which the ITMOs are used towards the Party's NDC",
                                        "",
                                        "Result of the consistency checks",
                                        "Additional explanatory information",
                                        NULL};
static const char *const T4_LABELS[] = {"Cooperative approach ID",
                                        "Authorization ID",
                                        "First transferring participating Party ID",
                                        "Party ITMO registry ID",
                                        "First ID",
                                        "Last ID",
                                        "",
                                        "Underlying unit registry ID",
                                        "First unit ID",
                                        "Last unit ID",
                                        "",
                                        "Metric",
                                        "Applicable GWP value(s)",
                                        "Applicable non-GHG metric",
                                        "Quantity (t CO2 eq)",
                                        "Quantity (in non-GHG metric)",
                                        "",
                                        "Mitigation type",
                                        "Vintage",
                                        NULL};
static const char *const T5_LABELS[] = {"Date of the authorization",
                                        "Name",
                                        "Country of incorporation",
                                        "Identification number",
                                        "Cooperative approach ID",
                                        "Conditions",
                                        "Change and revocation conditions",
                                        "Additional explanatory information",
                                        NULL};

typedef struct {
  const char *name;  /* ?table= and the JSON key of the report */
  const char *sheet; /* the template's worksheet name */
  const char *title; /* the table's title cell */
  const char *const *labels;
} aef_table;

static const aef_table TABLES[] = {
    {"submission", "Table 1 Submission", "Table 1: Submission", T1_LABELS},
    {"authorizations", "Table 2 Authorizations", "Table 2: Authorizations", T2_LABELS},
    {"actions", "Table 3 Actions", "Table 3: Actions", T3_LABELS},
    {"holdings", "Table 4 Holdings", "Table 4: Holdings", T4_LABELS},
    {"authorized_entities", "Table 5 Auth. entities", "Table 5: Authorized entities", T5_LABELS},
};
#define N_TABLES (sizeof TABLES / sizeof TABLES[0])

bool svc_a6_aef_table_known(const char *name) {
  for (size_t i = 0; i < N_TABLES; i++)
    if (strcmp(TABLES[i].name, name) == 0) return true;
  return false;
}

/* ---- rows: the report's values in the template's columns --------------- */

/* A string cell, or null for an empty one. */
static json_t *str_or_null(const char *s) { return s && s[0] ? json_string(s) : json_null(); }

static json_t *get_str(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) && json_string_length(v) ? json_incref((json_t *)v) : json_null();
}

static json_t *get_int(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return json_is_integer(v) ? json_incref((json_t *)v) : json_null();
}

/* A list of strings joined with sep; null when empty. */
static json_t *joined(const json_t *list, const char *sep, bool skip_ndc) {
  char buf[1024] = "";
  size_t i, n = 0;
  json_t *x;
  json_array_foreach(list, i, x) {
    if (!json_is_string(x) || (skip_ndc && strcmp(json_string_value(x), "NDC") == 0)) continue;
    n += (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s", n ? sep : "", json_string_value(x));
  }
  return buf[0] ? json_string(buf) : json_null();
}

/* The date part (YYYY-MM-DD) of a timestamp; null when none. */
static json_t *date_of(const json_t *o, const char *k) {
  const char *ts = json_string_value(json_object_get(o, k));
  if (ts == NULL || strlen(ts) < 10) return json_null();
  return json_stringn(ts, 10);
}

/* A Party is an ISO 3166 alpha-3 code; anything else is an entity. */
static bool is_party(const char *s) {
  return s && strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) && isupper((unsigned char)s[2]);
}

static void push(json_t *row, json_t *v) { json_array_append_new(row, v ? v : json_null()); }

/* The authorization id's row in the report, or NULL. */
static const json_t *auth_by_id(const json_t *aef, json_int_t id) {
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(aef, "authorizations"), i, a) if (json_integer_value(json_object_get(a, "id")) == id) return a;
  return NULL;
}

static json_t *t1_rows(const json_t *aef) {
  const json_t *s = json_object_get(aef, "submission");
  json_t *row = json_array();
  push(row, get_str(s, "party"));
  push(row, json_string("1.0")); /* ledger6 keeps no submission versions: every export is a first version */
  push(row, get_int(s, "year"));
  push(row, json_null()); /* the date of submission is known when the Party submits */
  push(row, json_string(CARP_FILLS));
  push(row, json_string(CARP_FILLS));
  push(row, get_int(s, "ndc_first_year"));
  push(row, get_int(s, "ndc_last_year"));
  push(row, json_string(CARP_LINK));
  json_t *rows = json_array();
  json_array_append_new(rows, row);
  return rows;
}

/* What made a version, for Table 2's "Additional explanatory
 * information": "revoked", or "amended from DATE: KEY, KEY; REASON"; null
 * for a first version. */
static json_t *version_note(const json_t *v) {
  const json_t *ch = json_object_get(v, "changes");
  if (!json_is_object(ch)) return json_null();
  if (json_is_true(json_object_get(ch, "revoked"))) return json_string("revoked");
  char buf[512];
  size_t n = (size_t)snprintf(buf, sizeof buf, "amended from %s:", json_string_value(json_object_get(v, "effective_from")) ?
                                                                       json_string_value(json_object_get(v, "effective_from")) : "");
  const char *k;
  const json_t *x;
  size_t i = 0;
  json_object_foreach((json_t *)ch, k, x) {
    if (n < sizeof buf) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s %s", i++ ? "," : "", k);
  }
  const char *reason = json_string_value(json_object_get(v, "reason"));
  if (reason && reason[0] && n < sizeof buf) snprintf(buf + n, sizeof buf - n, "; %s", reason);
  return json_string(buf);
}

/* One row per version of each authorization (the report's
 * authorization_versions), with that version's terms. */
static json_t *t2_rows(const json_t *aef) {
  json_t *rows = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(aef, "authorization_versions"), i, v) {
    const json_t *a = json_object_get(v, "terms");
    json_t *row = json_array();
    push(row, get_int(v, "authorization"));
    push(row, get_str(v, "date"));
    push(row, get_str(a, "approach"));
    push(row, get_int(v, "version"));
    push(row, json_null());
    push(row, get_int(a, "quantity"));
    push(row, json_string("GHG"));
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, joined(json_object_get(a, "purposes"), ", ", false));
    push(row, joined(json_object_get(a, "authorized_parties"), ", ", false));
    push(row, joined(json_object_get(a, "authorized_entities"), "; ", false));
    push(row, joined(json_object_get(a, "purposes"), ", ", true));
    char tf[32];
    snprintf(tf, sizeof tf, "%lld-%lld", (long long)json_integer_value(json_object_get(a, "year_from")),
             (long long)json_integer_value(json_object_get(a, "year_to")));
    push(row, json_string(tf));
    char terms[96];
    snprintf(terms, sizeof terms, "vintages %lld-%lld; %s the NDC's scope",
             (long long)json_integer_value(json_object_get(a, "vintage_from")),
             (long long)json_integer_value(json_object_get(a, "vintage_to")),
             json_is_true(json_object_get(a, "in_ndc_scope")) ? "within" : "outside");
    push(row, json_string(terms));
    push(row, json_null()); /* the documentation: the letter, uploaded to the CARP */
    push(row, get_str(a, "first_transfer_event"));
    push(row, version_note(v));
    json_array_append_new(rows, row);
  }
  return rows;
}

static json_t *t3_rows(const json_t *aef) {
  json_t *rows = json_array();
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(aef, "actions"), i, x) {
    const char *type = json_string_value(json_object_get(x, "action"));
    bool use_or_cancel = type && (strcmp(type, "Use") == 0 || strcmp(type, "Cancellation") == 0);
    const char *user = json_string_value(json_object_get(x, "using_party_or_entity"));
    json_t *row = json_array();
    push(row, get_str(x, "date"));
    push(row, get_str(x, "action"));
    push(row, json_null());
    push(row, get_str(x, "cooperative_approach"));
    push(row, get_int(x, "authorization"));
    push(row, get_str(x, "first_transferring_party"));
    push(row, get_str(x, "registry"));
    push(row, get_str(x, "first_id"));
    push(row, get_str(x, "last_id"));
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, json_string("GHG"));
    push(row, json_null());
    push(row, json_null());
    push(row, get_int(x, "quantity"));
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, get_int(x, "vintage"));
    push(row, json_null());
    push(row, get_str(x, "transferring_party"));
    push(row, get_str(x, "acquiring_party"));
    push(row, json_null());
    push(row, use_or_cancel ? get_str(x, "purpose") : json_null());
    push(row, use_or_cancel ? str_or_null(is_party(user) ? user : NULL) : json_null());
    push(row, use_or_cancel ? str_or_null(is_party(user) ? NULL : user) : json_null());
    push(row, type && strcmp(type, "Use") == 0 ? get_int(x, "year") : json_null());
    push(row, json_null());
    push(row, json_null()); /* the result of the consistency checks: the CARP's */
    push(row, json_null());
    json_array_append_new(rows, row);
  }
  return rows;
}

static json_t *t4_rows(const json_t *aef) {
  json_t *rows = json_array();
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(aef, "holdings"), i, h) {
    json_t *row = json_array();
    for (int k = 0; k < 11; k++) push(row, json_null()); /* the books hold per vintage, not per block */
    push(row, json_string("GHG"));
    push(row, json_null());
    push(row, json_null());
    push(row, get_int(h, "quantity"));
    push(row, json_null());
    push(row, json_null());
    push(row, json_null());
    push(row, get_int(h, "vintage"));
    json_array_append_new(rows, row);
  }
  return rows;
}

static json_t *t5_rows(const json_t *aef) {
  json_t *rows = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(aef, "authorized_entities"), i, e) {
    const json_t *a = auth_by_id(aef, json_integer_value(json_object_get(e, "authorization")));
    json_t *row = json_array();
    push(row, a ? date_of(a, "ts") : json_null());
    push(row, get_str(e, "entity"));
    push(row, json_null());
    push(row, json_null());
    push(row, a ? get_str(a, "approach") : json_null());
    push(row, json_null());
    push(row, json_null());
    char info[48];
    snprintf(info, sizeof info, "authorization %lld", (long long)json_integer_value(json_object_get(e, "authorization")));
    push(row, json_string(info));
    json_array_append_new(rows, row);
  }
  return rows;
}

static json_t *rows_of(size_t t, const json_t *aef) {
  switch (t) {
  case 0: return t1_rows(aef);
  case 1: return t2_rows(aef);
  case 2: return t3_rows(aef);
  case 3: return t4_rows(aef);
  default: return t5_rows(aef);
  }
}

/* ---- CSV: one table, RFC 4180 ------------------------------------------- */

static void csv_cell(FILE *f, const json_t *v) {
  if (json_is_integer(v)) {
    fprintf(f, "%lld", (long long)json_integer_value(v));
    return;
  }
  if (!json_is_string(v)) return;
  const char *t = json_string_value(v);
  if (strpbrk(t, ",\"\r\n") == NULL) {
    fputs(t, f);
    return;
  }
  fputc('"', f);
  for (; *t; t++) {
    if (*t == '"') fputc('"', f);
    fputc(*t, f);
  }
  fputc('"', f);
}

char *svc_a6_aef_csv_table(const json_t *aef, const char *table) {
  size_t t = 0;
  while (t < N_TABLES && strcmp(TABLES[t].name, table) != 0) t++;
  if (t == N_TABLES) return NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return NULL;
  /* The header: the template's headings, without its blank separator columns. */
  int col = 0;
  for (const char *const *l = TABLES[t].labels; *l; l++) {
    if (!(*l)[0]) continue;
    if (col++) fputc(',', f);
    json_t *h = json_string(*l);
    csv_cell(f, h);
    json_decref(h);
  }
  fputs("\r\n", f);
  json_t *rows = rows_of(t, aef);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    col = 0;
    size_t k = 0;
    for (const char *const *l = TABLES[t].labels; *l; l++, k++) {
      if (!(*l)[0]) continue;
      if (col++) fputc(',', f);
      csv_cell(f, json_array_get(row, k));
    }
    fputs("\r\n", f);
  }
  json_decref(rows);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* ---- the workbook --------------------------------------------------------- */

static lxw_error xl_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v, lxw_format *fmt) {
  if (json_is_integer(v)) return worksheet_write_number(ws, r, c, (double)json_integer_value(v), fmt);
  if (json_is_string(v)) return worksheet_write_string(ws, r, c, json_string_value(v), fmt);
  return LXW_NO_ERROR;
}

/* Table 1 is a column of labels with the values beside them (the template's
 * layout); tables 2-5 a title row, a heading row and one row per record. */
static lxw_error xl_table(lxw_workbook *wb, size_t t, const json_t *aef, lxw_format *bold) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, TABLES[t].sheet);
  if (ws == NULL) return LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_error x = worksheet_write_string(ws, 0, 0, TABLES[t].title, bold);
  json_t *rows = rows_of(t, aef);
  if (t == 0) {
    const json_t *row = json_array_get(rows, 0);
    size_t k = 0;
    for (const char *const *l = TABLES[t].labels; *l && x == LXW_NO_ERROR; l++, k++) {
      x = worksheet_write_string(ws, (lxw_row_t)(k + 1), 0, *l, NULL);
      if (x == LXW_NO_ERROR) x = xl_cell(ws, (lxw_row_t)(k + 1), 1, json_array_get(row, k), NULL);
    }
    worksheet_set_column(ws, 0, 0, 60, NULL);
    worksheet_set_column(ws, 1, 1, 30, NULL);
  } else {
    lxw_col_t c = 0;
    for (const char *const *l = TABLES[t].labels; *l && x == LXW_NO_ERROR; l++, c++)
      if ((*l)[0]) x = worksheet_write_string(ws, 1, c, *l, bold);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      for (size_t k = 0; k < json_array_size(row) && x == LXW_NO_ERROR; k++)
        x = xl_cell(ws, (lxw_row_t)(i + 2), (lxw_col_t)k, json_array_get(row, k), NULL);
    }
    worksheet_set_column(ws, 0, (lxw_col_t)(c ? c - 1 : 0), 22, NULL);
  }
  json_decref(rows);
  return x;
}

l6_err svc_a6_aef_xlsx(const json_t *aef, char **out, size_t *len, l6_error *err) {
  *out = NULL;
  *len = 0;
  /* libxlsxwriter 1.1 writes to a file: a private temporary one, removed here. */
  const char *dir = getenv("TMPDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/ledger6-aef-XXXXXX", dir && dir[0] ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0) return l6_fail(err, L6_E_INTERNAL, "cannot create a temporary file for the workbook");
  close(fd);
  lxw_workbook *wb = workbook_new(path);
  lxw_error x = wb ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
  if (bold) format_set_bold(bold);
  for (size_t t = 0; t < N_TABLES && x == LXW_NO_ERROR; t++) x = xl_table(wb, t, aef, bold);
  if (wb) {
    lxw_error c = workbook_close(wb); /* writes the file, frees the workbook */
    if (x == LXW_NO_ERROR) x = c;
  }
  char *buf = NULL;
  size_t n = 0;
  if (x == LXW_NO_ERROR) {
    FILE *f = fopen(path, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (f && size > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size)) != NULL)
      n = fread(buf, 1, (size_t)size, f);
    if (f) fclose(f);
    if (buf && n != (size_t)size) {
      free(buf);
      buf = NULL;
    }
  }
  unlink(path);
  if (buf == NULL)
    return l6_fail(err, L6_E_INTERNAL, "the workbook could not be written (%s)",
                   x == LXW_NO_ERROR ? "reading it back failed" : lxw_strerror(x));
  *out = buf;
  *len = n;
  return L6_E_OK;
}
