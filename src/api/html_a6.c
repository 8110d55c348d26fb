/* html_a6.c -- printable pages of the Article 6.2 reports (html.h): every
 * text from the report is escaped; the API sends the pages with a policy
 * that allows no script. */
#include <stdlib.h>
#include <string.h>

#include "html.h"

static const char style[] =
    "body{font-family:Georgia,'Times New Roman',serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#111}"
    "h1{font-size:1.6rem;border-bottom:3px double #333;padding-bottom:.4rem}"
    "h2{font-size:1.1rem;margin-top:1.6rem}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ccc}"
    "th{font-weight:normal;color:#444}"
    ".missing{color:#a00;font-weight:bold}"
    "pre{font-family:'DejaVu Sans Mono',monospace;font-size:.78rem;white-space:pre-wrap;word-break:break-word;margin:0}"
    "@media print{a{color:#000}}";

static void head(FILE *f, const char *title_a, const char *title_b) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
  html_escape(f, title_a);
  fputc(' ', f);
  html_escape(f, title_b);
  fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

/* Closes the page; buf is open_memstream's (set at fclose). */
static char *finish(FILE *f, char **buf) {
  fputs("</body>\n</html>\n", f);
  if (fclose(f) != 0) {
    free(*buf);
    return NULL;
  }
  return *buf;
}

static const char *str(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* A value: a string as text, anything else as indented JSON. */
static void value(FILE *f, const json_t *v) {
  if (v == NULL || json_is_null(v)) {
    fputs("<span class=\"missing\">not given</span>", f);
  } else if (json_is_string(v)) {
    fputs("<pre>", f);
    html_escape(f, json_string_value(v));
    fputs("</pre>", f);
  } else {
    char *t = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputs("<pre>", f);
    html_escape(f, t ? t : "");
    fputs("</pre>", f);
    free(t);
  }
}

char *html_a6_initial_report(const json_t *rep) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return NULL;
  head(f, "Initial report", str(rep, "cooperative_approach"));
  fputs("<h1>Initial report: cooperative approach ", f);
  html_escape(f, str(rep, "cooperative_approach"));
  fputs("</h1>\n<p>", f);
  html_escape(f, str(rep, "title"));
  fputs("</p>\n<p>Participating Party reporting: ", f);
  html_escape(f, str(rep, "party"));
  fputs(". Decision 2/CMA.3, annex, chapter IV.A, paragraph 18.</p>\n", f);
  if (json_is_true(json_object_get(rep, "complete"))) {
    fputs("<p>Every required element is given: the report is complete.</p>\n", f);
  } else {
    fputs("<p class=\"missing\">Incomplete: missing ", f);
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(rep, "missing"), i, m) {
      if (i) fputs(", ", f);
      html_escape(f, json_string_value(m));
    }
    fputs(".</p>\n", f);
  }
  fputs("<table>\n<tr><th>Paragraph</th><th>Element</th><th>Information</th></tr>\n", f);
  size_t i;
  const json_t *el;
  json_array_foreach(json_object_get(rep, "elements"), i, el) {
    fputs("<tr><td>", f);
    html_escape(f, str(el, "paragraph"));
    fputs("</td><td>", f);
    html_escape(f, str(el, "title"));
    if (!json_is_true(json_object_get(el, "required"))) fputs(" (optional)", f);
    fputs("</td><td>", f);
    value(f, json_object_get(el, "value"));
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
  return finish(f, &buf);
}

char *html_a6_regular_information(const json_t *info) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return NULL;
  head(f, "Regular information", str(info, "party"));
  fputs("<h1>Regular information (Article 6, paragraph 2): ", f);
  html_escape(f, str(info, "party"));
  fputs("</h1>\n<p>Decision 2/CMA.3, annex, paragraphs 21-23; an annex to the biennial transparency report. "
        "Method of corresponding adjustments: ",
        f);
  html_escape(f, str(info, "corresponding_adjustment_method"));
  fputs(".</p>\n<h2>Emissions balance</h2>\n<table>\n<tr><th>Year</th><th>Emissions</th><th>First transferred</th>"
        "<th>Used</th><th>Corresponding adjustment</th><th>Adjusted emissions</th></tr>\n",
        f);
  size_t i;
  const json_t *y;
  json_array_foreach(json_object_get(info, "emissions_balance"), i, y) {
    fprintf(f, "<tr><td>%lld</td>", (long long)json_integer_value(json_object_get(y, "year")));
    const char *ks[] = {"emissions", "first_transferred", "used", "corresponding_adjustment", "adjusted_emissions"};
    for (size_t k = 0; k < 5; k++) {
      const json_t *v = json_object_get(y, ks[k]);
      if (json_is_integer(v)) fprintf(f, "<td>%lld</td>", (long long)json_integer_value(v));
      else fputs("<td>not reported</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
  const json_t *ap;
  json_array_foreach(json_object_get(info, "approaches"), i, ap) {
    fputs("<h2>Cooperative approach ", f);
    html_escape(f, str(ap, "cooperative_approach"));
    if (json_is_string(json_object_get(ap, "title"))) {
      fputs(": ", f);
      html_escape(f, str(ap, "title"));
    }
    fputs("</h2>\n<table>\n<tr><th>Year</th><th>First transferred (t CO2 eq)</th><th>Used (t CO2 eq)</th>"
          "<th>ITMOs first transferred</th><th>ITMOs acquired</th><th>ITMOs used</th><th>ITMOs cancelled</th></tr>\n",
          f);
    size_t j;
    json_array_foreach(json_object_get(ap, "years"), j, y) {
      fprintf(f, "<tr><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
              (long long)json_integer_value(json_object_get(y, "year")),
              (long long)json_integer_value(json_object_get(y, "first_transferred")),
              (long long)json_integer_value(json_object_get(y, "used")),
              (long long)json_integer_value(json_object_get(y, "first_transferred_itmos")),
              (long long)json_integer_value(json_object_get(y, "acquired_itmos")),
              (long long)json_integer_value(json_object_get(y, "used_itmos")),
              (long long)json_integer_value(json_object_get(y, "cancelled_itmos")));
    }
    fputs("</table>\n<p>Environmental integrity:</p>", f);
    value(f, json_object_get(ap, "environmental_integrity"));
    fputs("<p>Sustainable development:</p>", f);
    value(f, json_object_get(ap, "sustainable_development"));
  }
  return finish(f, &buf);
}
