/*
 * api_open.c -- open data (issue 17 item 3): the public CSV files and
 * GET /v1/stats (docs/API.md "Open data").
 *
 * A CSV file is RFC 4180: a header row, CRLF line ends, a field quoted
 * when it holds a comma, a double quote, CR or LF, its quotes doubled. It
 * is streamed (MHD_create_response_from_callback): the callback asks the
 * service for one page of the public view at a time (svc_open_page, each
 * page on a reader view) and turns it into rows, so the body is never
 * built whole, whatever the table's size.
 *
 * Formula injection: these files are opened in spreadsheets, which run a
 * cell that starts with =, +, - or @ as a formula. Such a text field gets
 * a leading apostrophe (core/csvwrite.h, OWASP "CSV Injection"), which
 * spreadsheets show as text; numbers the server writes (a negative number
 * never occurs in these files) are left alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csvwrite.h"
#include "api_int.h"

#define CSV_PAGE 500 /* rows asked of the store at a time */

/* A column: the key of the listed object (or, for retirements, of one of
 * its blocks), or a derived value. */
typedef enum { C_ITEM, C_BLOCK, C_DATE } col_src;
typedef struct {
  const char *name;
  col_src src;
  const char *key;
} csv_col;

typedef struct {
  l6_open_kind kind;
  const char *file;
  const csv_col *cols;
  size_t ncols;
  bool per_block; /* one row per block of the item's "blocks" */
} csv_file;

static const csv_col project_cols[] = {
    {"id", C_ITEM, "id"},           {"programme", C_ITEM, "programme"},
    {"host", C_ITEM, "host"},       {"title", C_ITEM, "title"},
    {"methodology", C_ITEM, "methodology"}, {"sector", C_ITEM, "sector"},
    {"kind", C_ITEM, "kind"},       {"crediting_start", C_ITEM, "crediting_start"},
    {"crediting_end", C_ITEM, "crediting_end"}, {"status", C_ITEM, "status"},
};
static const csv_col issuance_cols[] = {
    {"batch", C_ITEM, "batch"},       {"project", C_ITEM, "project"},
    {"unit_type", C_ITEM, "unit_type"}, {"vintage", C_ITEM, "vintage"},
    {"registry", C_ITEM, "registry"}, {"first", C_ITEM, "first"},
    {"last", C_ITEM, "last"},         {"quantity", C_ITEM, "quantity"},
    {"serial", C_ITEM, "serial"},     {"transaction", C_ITEM, "transaction"},
    {"production_start", C_ITEM, "production_start"}, {"production_end", C_ITEM, "production_end"},
    {"labels", C_ITEM, "labels"},
};
/* One row per retired block; "date" is the effective date (when the
 * retirement happened at its origin registry) where the transaction has
 * one, else the day ledger6 committed it. */
static const csv_col retirement_cols[] = {
    {"retirement", C_ITEM, "id"},
    {"date", C_DATE, NULL},
    {"timestamp", C_ITEM, "timestamp"},
    {"effective_date", C_ITEM, "effective_date"},
    {"reporting_year", C_ITEM, "reporting_year"},
    {"quantity", C_ITEM, "quantity"},
    {"beneficiary", C_ITEM, "beneficiary"},
    {"beneficiary_not_stated", C_ITEM, "beneficiary_not_stated"},
    {"purpose", C_ITEM, "purpose"},
    {"claim", C_ITEM, "claim"},
    {"batch", C_BLOCK, "batch"},
    {"project", C_BLOCK, "project"},
    {"unit_type", C_BLOCK, "unit_type"},
    {"vintage", C_BLOCK, "vintage"},
    {"first", C_BLOCK, "first"},
    {"last", C_BLOCK, "last"},
    {"block_quantity", C_BLOCK, "quantity"},
    {"serial", C_BLOCK, "serial"},
};
static const csv_col trade_cols[] = {
    {"id", C_ITEM, "id"},   {"instrument", C_ITEM, "instrument"}, {"day", C_ITEM, "day"},
    {"ts", C_ITEM, "ts"},   {"price", C_ITEM, "price"},           {"qty", C_ITEM, "qty"},
    {"taker_side", C_ITEM, "taker_side"},
};
/* Issue 20: one row per SD indicator of a monitoring report (mech_ldc.c). */
static const csv_col sd_cols[] = {
    {"project", C_ITEM, "project"}, {"mechanism", C_ITEM, "mechanism"}, {"host", C_ITEM, "host"},
    {"period", C_ITEM, "period"},   {"step", C_ITEM, "step"},           {"ts", C_ITEM, "ts"},
    {"indicator", C_BLOCK, "indicator"}, {"unit", C_BLOCK, "unit"},     {"value", C_BLOCK, "value"},
};
/* Issue 20: one row per safeguard answered at an activity's registration. */
static const csv_col safeguard_cols[] = {
    {"project", C_ITEM, "project"},      {"mechanism", C_ITEM, "mechanism"}, {"host", C_ITEM, "host"},
    {"step", C_ITEM, "step"},            {"ts", C_ITEM, "ts"},               {"safeguard", C_BLOCK, "safeguard"},
    {"must_hold", C_BLOCK, "must_hold"}, {"answer", C_BLOCK, "answer"},
};
#define N(a) (sizeof a / sizeof a[0])
static const csv_file files[] = {
    {L6_OPEN_PROJECTS, "projects.csv", project_cols, N(project_cols), false},
    {L6_OPEN_ISSUANCES, "issuances.csv", issuance_cols, N(issuance_cols), false},
    {L6_OPEN_RETIREMENTS, "retirements.csv", retirement_cols, N(retirement_cols), true},
    {L6_OPEN_TRADES, "trades.csv", trade_cols, N(trade_cols), false},
    {L6_OPEN_SD, "sd-indicators.csv", sd_cols, N(sd_cols), true},
    {L6_OPEN_SAFEGUARDS, "safeguards.csv", safeguard_cols, N(safeguard_cols), true},
};

/* ---- RFC 4180 writing ----------------------------------------------------- */

typedef struct {
  char *p;
  size_t len, cap;
  bool oom;
} sbuf;

/* Room for n more bytes; false (and oom set) when there is none. */
static bool reserve(sbuf *b, size_t n) {
  if (b->oom) return false;
  if (b->len + n <= b->cap) return true;
  size_t nc = b->cap ? b->cap : 4096;
  while (nc < b->len + n) nc *= 2;
  char *np = realloc(b->p, nc);
  if (np == NULL) {
    b->oom = true;
    return false;
  }
  b->p = np;
  b->cap = nc;
  return true;
}

static void put(sbuf *b, const char *s, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

/* One field (core/csvwrite.c: quoting and the formula guard). */
static void api_csv_field(sbuf *b, const char *s, bool text) {
  if (reserve(b, csv_field(NULL, s, text))) b->len += csv_field(b->p + b->len, s, text);
}

static void json_field(sbuf *b, json_t *v) {
  char num[32];
  if (v == NULL || json_is_null(v)) return;
  if (json_is_string(v)) {
    api_csv_field(b, json_string_value(v), true);
  } else if (json_is_integer(v)) {
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
    api_csv_field(b, num, false);
  } else if (json_is_boolean(v)) {
    api_csv_field(b, json_is_true(v) ? "true" : "false", false);
  } else if (json_is_array(v)) { /* labels: their names, ';'-separated */
    sbuf t = {0};
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      const char *name = json_is_string(x) ? json_string_value(x) : json_string_value(json_object_get(x, "label"));
      if (name == NULL) continue;
      if (t.len) put(&t, ";", 1);
      put(&t, name, strlen(name));
    }
    put(&t, "", 1);
    api_csv_field(b, t.oom ? "" : t.p, true);
    b->oom |= t.oom;
    free(t.p);
  }
}

static void csv_row(sbuf *b, const csv_file *f, json_t *item, json_t *block) {
  for (size_t i = 0; i < f->ncols; i++) {
    const csv_col *c = &f->cols[i];
    if (i) put(b, ",", 1);
    if (c->src == C_DATE) {
      const char *eff = json_string_value(json_object_get(item, "effective_date"));
      const char *ts = json_string_value(json_object_get(item, "timestamp"));
      char day[11] = "";
      if (eff) snprintf(day, sizeof day, "%s", eff);
      else if (ts) snprintf(day, sizeof day, "%.10s", ts);
      api_csv_field(b, day, false);
    } else {
      json_field(b, json_object_get(c->src == C_BLOCK ? block : item, c->key));
    }
  }
  put(b, "\r\n", 2);
}

static void csv_page(sbuf *b, const csv_file *f, json_t *items) {
  size_t i, j;
  json_t *item, *block;
  json_array_foreach(items, i, item) {
    if (!f->per_block) {
      csv_row(b, f, item, NULL);
      continue;
    }
    json_array_foreach(json_object_get(item, "blocks"), j, block) csv_row(b, f, item, block);
  }
}

/* ---- the stream ------------------------------------------------------------ */

typedef struct {
  l6_svc *svc;
  const csv_file *f;
  sbuf buf;   /* rows not yet sent */
  size_t off; /* of buf already sent */
  char next[L6_CODE_MAX + 1]; /* the next page's cursor */
  bool more;  /* a next page is to be read */
} csv_stream;

static void take_page(csv_stream *cs, json_t *page) {
  cs->buf.len = cs->off = 0;
  csv_page(&cs->buf, cs->f, json_object_get(page, "items"));
  const char *next = json_string_value(json_object_get(page, "next"));
  cs->more = next != NULL;
  snprintf(cs->next, sizeof cs->next, "%s", next ? next : "");
}

static ssize_t csv_read(void *cls, uint64_t pos, char *out, size_t max) {
  (void)pos;
  csv_stream *cs = cls;
  while (cs->off == cs->buf.len) {
    if (!cs->more) return MHD_CONTENT_READER_END_OF_STREAM;
    json_t *page = NULL;
    l6_error err = {0};
    if (svc_open_page(cs->svc, cs->f->kind, cs->next, CSV_PAGE, &page, &err) != L6_E_OK) {
      json_decref(page);
      return MHD_CONTENT_READER_END_WITH_ERROR; /* the client sees a cut transfer, never a short file */
    }
    take_page(cs, page);
    json_decref(page);
    if (cs->buf.oom) return MHD_CONTENT_READER_END_WITH_ERROR;
  }
  size_t n = cs->buf.len - cs->off;
  if (n > max) n = max;
  memcpy(out, cs->buf.p + cs->off, n);
  cs->off += n;
  return (ssize_t)n;
}

static void csv_free(void *cls) {
  csv_stream *cs = cls;
  free(cs->buf.p);
  free(cs);
}

static l6_err h_open_csv(req *r, l6_open_kind kind, l6_error *err) {
  const csv_file *f = &files[kind];
  json_t *page = NULL;
  /* The first page is read here, so that a failing store answers with an
   * error status rather than a cut stream. */
  l6_err e = svc_open_page(r->svc, kind, "", CSV_PAGE, &page, err);
  if (e != L6_E_OK) return e;
  csv_stream *cs = calloc(1, sizeof *cs);
  if (cs == NULL) {
    json_decref(page);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  cs->svc = r->svc;
  cs->f = f;
  take_page(cs, page);
  json_decref(page);
  sbuf head = {0};
  for (size_t i = 0; i < f->ncols; i++) {
    if (i) put(&head, ",", 1);
    api_csv_field(&head, f->cols[i].name, false);
  }
  put(&head, "\r\n", 2);
  put(&head, cs->buf.p ? cs->buf.p : "", cs->buf.len);
  if (head.oom || cs->buf.oom) {
    free(head.p);
    csv_free(cs);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  free(cs->buf.p);
  cs->buf = head;
  cs->off = 0;
  r->csv = cs;
  r->csv_name = f->file;
  return L6_E_OK;
}

l6_err h_open_projects(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_PROJECTS, err);
}
l6_err h_open_issuances(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_ISSUANCES, err);
}
l6_err h_open_retirements(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_RETIREMENTS, err);
}
l6_err h_open_trades(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_TRADES, err);
}

l6_err h_open_sd(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_SD, err);
}

l6_err h_open_safeguards(req *r, json_t **out, l6_error *err) {
  (void)out;
  return h_open_csv(r, L6_OPEN_SAFEGUARDS, err);
}

enum MHD_Result open_csv_respond(struct MHD_Connection *c, void *stream, const char *name) {
  struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, csv_read, stream, csv_free);
  if (resp == NULL) {
    csv_free(stream);
    return MHD_NO;
  }
  char disp[96];
  snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
  MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
  MHD_add_response_header(resp, "Content-Disposition", disp);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  enum MHD_Result ret = api_respond(c, 200, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* GET /v1/stats */
l6_err h_stats(req *r, json_t **out, l6_error *err) {
  char host[L6_CODE_MAX + 1], programme[L6_CODE_MAX + 1];
  l6_err e = api_query_str(r, "host", host, sizeof host, err);
  if (e == L6_E_OK) e = api_query_str(r, "programme", programme, sizeof programme, err);
  return e ? e : svc_stats(r->svc, host, programme, out, err);
}

/* GET /v1/cadt/projects, /v1/cadt/units (issue 17 item 4, service/cadt.c):
 * public, paged by limit and after as the other public lists. */
l6_err h_cadt_projects(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  l6_err e = api_page(r, &pg, err);
  return e ? e : svc_cadt_projects(r->svc, &pg, out, err);
}

l6_err h_cadt_units(req *r, json_t **out, l6_error *err) {
  l6_page pg;
  l6_err e = api_page(r, &pg, err);
  return e ? e : svc_cadt_units(r->svc, &pg, out, err);
}
