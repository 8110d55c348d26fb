/* pdf.c -- a retirement certificate as a PDF; see pdf.h. */
#include "pdf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "../core/pdfattach.h"

/* fontconfig's FcFini (fontconfig/fontconfig.h, which cannot be included
 * here: it includes <limits.h>, which -Isrc resolves to src/limits.h). */
extern void FcFini(void);

/* A4 in points, margins of 2 cm. */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 56.7
#define BODY_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - MARGIN - 18) /* room for the footer */
#define TH_W 130.0                    /* the heading column of a table */
#define PAD 3.5

static const char *SERIF = "DejaVu Serif";
static const char *MONO = "DejaVu Sans Mono";

typedef struct {
  char *buf;
  size_t len, cap;
} bytes;

static cairo_status_t on_write(void *closure, const unsigned char *data, unsigned int n) {
  bytes *b = closure;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + n) cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (nb == NULL) return CAIRO_STATUS_WRITE_ERROR;
    b->buf = nb, b->cap = cap;
  }
  memcpy(b->buf + b->len, data, n);
  b->len += n;
  return CAIRO_STATUS_SUCCESS;
}

typedef struct {
  cairo_t *cr;
  PangoContext *pc; /* of this document's own font map */
  double y;   /* where the next block starts */
  int page;   /* the current page, from 1 */
  long long id;
  const char *what; /* the footer's document name; NULL: a retirement certificate */
} doc;

static const char *str(const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

static long long num(const json_t *o, const char *key) { return (long long)json_integer_value(json_object_get(o, key)); }

/* A layout of text (markup: Pango markup) in family at size points,
 * wrapped at width. */
static PangoLayout *layout(doc *d, const char *family, double size, int bold, double width, const char *text,
                           int markup) {
  pango_cairo_update_context(d->cr, d->pc);
  PangoLayout *l = pango_layout_new(d->pc);
  PangoFontDescription *fd = pango_font_description_new();
  pango_font_description_set_family(fd, family);
  pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
  if (bold) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  pango_layout_set_width(l, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  if (markup) pango_layout_set_markup(l, text, -1);
  else pango_layout_set_text(l, text, -1);
  return l;
}

static double height_of(PangoLayout *l) {
  int w, h;
  pango_layout_get_size(l, &w, &h);
  return (double)h / PANGO_SCALE;
}

static void draw(doc *d, PangoLayout *l, double x, double y, double grey) {
  cairo_set_source_rgb(d->cr, grey, grey, grey);
  cairo_move_to(d->cr, x, y);
  pango_cairo_show_layout(d->cr, l);
}

static void footer(doc *d) {
  char text[200];
  if (d->what)
    snprintf(text, sizeof text, "%s %lld \xc2\xb7 page %d \xc2\xb7 its JSON is attached to this PDF as " PDFATTACH_NAME,
             d->what, d->id, d->page);
  else
    snprintf(text, sizeof text, "Retirement certificate %lld \xc2\xb7 page %d \xc2\xb7 the certificate's JSON is attached "
                                "to this PDF as " PDFATTACH_NAME, d->id, d->page);
  PangoLayout *l = layout(d, SERIF, 8, 0, BODY_W, text, 0);
  draw(d, l, MARGIN, PAGE_H - MARGIN + 4, 0.35);
  g_object_unref(l);
}

/* Room for h more points on this page, or a new page. */
static void need(doc *d, double h) {
  if (d->y + h <= BOTTOM || d->y <= MARGIN + 1) return;
  cairo_show_page(d->cr);
  d->page++;
  d->y = MARGIN;
  footer(d);
}

static void rule(doc *d, double y, double width, double grey) {
  cairo_set_source_rgb(d->cr, grey, grey, grey);
  cairo_set_line_width(d->cr, width);
  cairo_move_to(d->cr, MARGIN, y);
  cairo_line_to(d->cr, MARGIN + BODY_W, y);
  cairo_stroke(d->cr);
}

/* A paragraph across the body. */
static void para(doc *d, const char *family, double size, int bold, const char *text, int markup, double after) {
  PangoLayout *l = layout(d, family, size, bold, BODY_W, text, markup);
  double h = height_of(l);
  need(d, h);
  draw(d, l, MARGIN, d->y, 0.07);
  d->y += h + after;
  g_object_unref(l);
}

static void heading(doc *d, const char *text) {
  d->y += 10;
  need(d, 40); /* not alone at the bottom of a page */
  para(d, SERIF, 13, 1, text, 0, 5);
}

/* A table row: a heading and a value (mono: in a fixed font). */
static void row(doc *d, const char *th, const char *td, int mono) {
  PangoLayout *a = layout(d, SERIF, 9.5, 0, TH_W - PAD, th, 0);
  PangoLayout *b = mono ? layout(d, MONO, 7.5, 0, BODY_W - TH_W, td, 0) : layout(d, SERIF, 10, 0, BODY_W - TH_W, td, 0);
  double ha = height_of(a), hb = height_of(b), h = (ha > hb ? ha : hb) + 2 * PAD;
  need(d, h);
  draw(d, a, MARGIN, d->y + PAD, 0.27);
  draw(d, b, MARGIN + TH_W, d->y + PAD, 0.07);
  d->y += h;
  rule(d, d->y, 0.5, 0.8);
  g_object_unref(a);
  g_object_unref(b);
}

/* The units table: one row per block, in six columns. */
static const double unit_w[6] = {200, 58, 95, 38, 42, 50.6};

static void unit_row(doc *d, const char *const cells[6], int header) {
  PangoLayout *l[6];
  double h = 0, x = MARGIN;
  for (int i = 0; i < 6; i++) {
    int mono = !header && i == 0;
    l[i] = layout(d, mono ? MONO : SERIF, mono ? 7.5 : header ? 9.5 : 10, 0, unit_w[i] - PAD, cells[i], 0);
    if (i == 5) pango_layout_set_alignment(l[i], PANGO_ALIGN_RIGHT);
    double hi = height_of(l[i]);
    if (hi > h) h = hi;
  }
  h += 2 * PAD;
  need(d, h);
  for (int i = 0; i < 6; i++) {
    draw(d, l[i], x, d->y + PAD, header ? 0.27 : 0.07);
    x += unit_w[i];
    g_object_unref(l[i]);
  }
  d->y += h;
  rule(d, d->y, 0.5, 0.8);
}

/* The QR code of text, size points square, its top left at (x, y), with
 * the quiet zone of four modules inside size. Returns 0, or -1. */
static int qr(doc *d, const char *text, double x, double y, double size) {
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (q == NULL) return -1;
  double m = size / (q->width + 8);
  cairo_set_source_rgb(d->cr, 1, 1, 1);
  cairo_rectangle(d->cr, x, y, size, size);
  cairo_fill(d->cr);
  cairo_set_source_rgb(d->cr, 0, 0, 0);
  for (int r = 0; r < q->width; r++)
    for (int c = 0; c < q->width; c++)
      if (q->data[r * q->width + c] & 1) cairo_rectangle(d->cr, x + (c + 4) * m, y + (r + 4) * m, m, m);
  cairo_fill(d->cr);
  QRcode_free(q);
  return 0;
}

static void render(doc *d, const json_t *cert, const char *url, int *qr_failed) {
  const json_t *ret = json_object_get(cert, "retirement"), *leaf = json_object_get(cert, "leaf"),
               *head = json_object_get(cert, "tree_head"), *blocks = json_object_get(ret, "blocks");
  char tmp[512];
  footer(d);
  para(d, SERIF, 22, 1, "Retirement certificate", 0, 4);
  rule(d, d->y, 2.2, 0.2);
  d->y += 10;
  /* An imported retirement: the day it happened at its origin registry
   * first (reports use it), the commit time after (certificate.h). */
  const char *eff = json_string_value(json_object_get(cert, "effective_date"));
  gchar *ben = g_markup_escape_text(str(ret, "beneficiary"), -1), *ts = g_markup_escape_text(str(ret, "timestamp"), -1);
  gchar *lead = eff ? g_strdup_printf("%lld units were retired on %s at their origin registry (recorded in ledger6 on "
                                      "%s) for <b>%s</b>.", num(ret, "quantity"), eff, ts, ben)
                    : g_strdup_printf("%lld units were retired on %s for <b>%s</b>.", num(ret, "quantity"), ts, ben);
  para(d, SERIF, 13, 0, lead, 1, 8);
  g_free(lead), g_free(ben), g_free(ts);
  snprintf(tmp, sizeof tmp, "%lld", d->id);
  row(d, "Retirement", tmp, 0);
  if (eff) row(d, "Effective date (at the origin registry; not in the log entry)", eff, 0);
  row(d, "Date (UTC)", str(ret, "timestamp"), 0);
  snprintf(tmp, sizeof tmp, "%lld", num(ret, "quantity"));
  row(d, "Quantity (units)", tmp, 0);
  row(d, "Beneficiary", str(ret, "beneficiary"), 0);
  row(d, "Purpose", str(ret, "purpose"), 0);
  row(d, "Claim", str(ret, "claim"), 0);
  const json_t *year = json_object_get(ret, "reporting_year");
  if (json_is_integer(year)) snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(year));
  else snprintf(tmp, sizeof tmp, "not given");
  row(d, "Reporting year", tmp, 0);

  heading(d, "Units retired");
  static const char *const hdr[6] = {"Serial numbers", "Unit type", "Project", "Host", "Vintage", "Units"};
  unit_row(d, hdr, 1);
  size_t i;
  const json_t *b;
  json_array_foreach(blocks, i, b) {
    char vintage[24], qty[24];
    snprintf(vintage, sizeof vintage, "%lld", num(b, "vintage"));
    snprintf(qty, sizeof qty, "%lld", num(b, "quantity"));
    const char *cells[6] = {str(b, "serial"), str(b, "unit_type"), str(b, "project"), str(b, "host"), vintage, qty};
    unit_row(d, cells, 0);
  }

  heading(d, "Proof in the registry's public log");
  char when[64];
  time_t secs = (time_t)(num(head, "timestamp") / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  snprintf(tmp, sizeof tmp, "entry %lld of a log of %lld entries", num(leaf, "index"), num(head, "tree_size"));
  row(d, "Log position", tmp, 0);
  row(d, "Leaf hash", str(leaf, "hash"), 1);
  row(d, "Tree root", str(head, "root_hash"), 1);
  row(d, "Signed at", when, 0);
  row(d, "Signing key id", str(head, "key_id"), 1);
  row(d, "Signature (Ed25519)", str(head, "signature"), 1);
  row(d, "Private commitment", str(ret, "private_commitment"), 1);

  heading(d, "How to check this certificate");
  const double qs = 108;
  gchar *key = g_markup_escape_text(str(head, "key_id"), -1), *u = g_markup_escape_text(url, -1);
  gchar *how = g_strdup_printf(
      "Anyone can check it without trusting the registry's database. This PDF carries the certificate as JSON "
      "(the attachment <tt>" PDFATTACH_NAME "</tt>); run\n<tt>  ledger6 verify certificate.pdf --key PUBLIC_KEY</tt>\n"
      "with the registry's public key of id <tt>%s</tt> (published at <tt>GET /v1/keys</tt>). It rebuilds the log "
      "entry below from the retirement's details, hashes it, follows the inclusion proof to the tree root and checks "
      "the registry's signature of that root. Or scan the code to check it in the registry's page:\n<tt>%s</tt>",
      key, u);
  PangoLayout *l = layout(d, SERIF, 10, 0, BODY_W - qs - 14, how, 1);
  double h = height_of(l);
  need(d, h > qs ? h : qs);
  draw(d, l, MARGIN, d->y, 0.07);
  if (qr(d, url, MARGIN + BODY_W - qs, d->y, qs) != 0) *qr_failed = 1;
  d->y += (h > qs ? h : qs) + 6;
  g_object_unref(l);
  g_free(how), g_free(key), g_free(u);

  heading(d, "Log entry");
  /* One line at a time, so that a long entry flows onto the next pages. */
  const char *entry = str(leaf, "entry");
  while (*entry) {
    size_t n = strcspn(entry, "\n");
    char *line = g_strndup(entry, n);
    PangoLayout *ll = layout(d, MONO, 7.5, 0, BODY_W, line[0] ? line : " ", 0);
    double lh = height_of(ll);
    need(d, lh);
    draw(d, ll, MARGIN, d->y, 0.07);
    d->y += lh;
    g_object_unref(ll);
    g_free(line);
    entry += n + (entry[n] == '\n');
  }
}

typedef void (*render_fn)(doc *d, const json_t *o, const char *url, int *failed);

/* The PDF of document o: title and subject in its metadata, dated date
 * (so the same document gives the same file), pages drawn by render, o's
 * JSON attached. */
static char *make_pdf(doc *d, const json_t *o, const char *title, const char *subject, const char *date, render_fn render_it,
                      const char *url, size_t *len, const char **why) {
  bytes out = {0};
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(on_write, &out, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, "ledger6 registry");
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, subject);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "ledger6");
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, date);
  d->cr = cairo_create(s);
  /* A font map of its own, freed with the document: Pango's default one is
   * per thread and lives as long as the server's threads. */
  PangoFontMap *fm = pango_cairo_font_map_new();
  d->pc = pango_font_map_create_context(fm);
  int qr_failed = 0;
  render_it(d, o, url, &qr_failed);
  g_object_unref(d->pc);
  g_object_unref(fm);
  cairo_destroy(d->cr);
  cairo_surface_finish(s);
  cairo_status_t st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  char *json = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
  char *pdf = NULL;
  *why = NULL;
  if (st != CAIRO_STATUS_SUCCESS) *why = cairo_status_to_string(st);
  else if (qr_failed) *why = "the verification URL does not fit a QR code";
  else if (json == NULL) *why = "out of memory";
  else pdf = pdfattach_add(out.buf, out.len, json, strlen(json), len, why);
  free(json);
  free(out.buf);
  return pdf;
}

char *pdf_certificate(const json_t *cert, const char *verify_url, size_t *len, const char **why) {
  const json_t *ret = json_object_get(cert, "retirement");
  doc d = {.y = MARGIN, .page = 1, .id = num(ret, "transaction")};
  char title[96], date[40];
  snprintf(title, sizeof title, "Retirement certificate %lld", d.id);
  /* The date the log head was signed, so the same certificate gives the
   * same file. */
  time_t secs = (time_t)(json_integer_value(json_object_get(json_object_get(cert, "tree_head"), "timestamp")) / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return make_pdf(&d, cert, title,
                  "A retirement of carbon units and its proof in the registry's signed log; the certificate's JSON is "
                  "attached as " PDFATTACH_NAME,
                  date, render, verify_url, len, why);
}

/* The letter of authorization (GET /v1/a6/authorizations/{id}/letter):
 * its canonical text line by line, its SHA-256 computed from the stored
 * terms, the hash recorded, whether they match. */
static void render_letter(doc *d, const json_t *letter, const char *url, int *failed) {
  (void)url;
  (void)failed;
  char tmp[160];
  footer(d);
  snprintf(tmp, sizeof tmp, "Letter of authorization %lld", d->id);
  para(d, SERIF, 22, 1, tmp, 0, 4);
  rule(d, d->y, 2.2, 0.2);
  d->y += 10;
  para(d, SERIF, 11, 0,
       "The canonical text of the authorization's terms (src/core/a6_letter.h): its SHA-256 is the letter's hash. "
       "Anyone can hash the text below, or the attached JSON's \"text\", and compare.",
       0, 8);
  snprintf(tmp, sizeof tmp, "%lld", num(letter, "version"));
  row(d, "Version", tmp, 0);
  row(d, "SHA-256 of the text", str(letter, "sha256"), 1);
  const json_t *rec = json_object_get(letter, "recorded_sha256");
  row(d, "SHA-256 recorded", json_is_string(rec) ? json_string_value(rec) : "none (made before the hash was recorded)", 1);
  const json_t *m = json_object_get(letter, "matches");
  row(d, "Matches", json_is_true(m) ? "yes" : json_is_false(m) ? "NO: the stored terms changed" : "not recorded", 0);
  heading(d, "Text");
  const char *t = str(letter, "text");
  while (*t) {
    size_t n = strcspn(t, "\n");
    gchar *line = g_strndup(t, n);
    para(d, MONO, 8.5, 0, line, 0, 1);
    g_free(line);
    t += n + (t[n] == '\n');
  }
}

char *pdf_letter(const json_t *letter, const char *date, size_t *len, const char **why) {
  doc d = {.y = MARGIN, .page = 1, .id = num(letter, "authorization"), .what = "Letter of authorization"};
  char title[96];
  snprintf(title, sizeof title, "Letter of authorization %lld (version %lld)", d.id, num(letter, "version"));
  return make_pdf(&d, letter, title,
                  "An Article 6.2 letter of authorization: its canonical text and SHA-256; the letter's JSON is "
                  "attached as " PDFATTACH_NAME,
                  date, render_letter, NULL, len, why);
}

void pdf_shutdown(void) {
  cairo_debug_reset_static_data();
  FcFini();
}
