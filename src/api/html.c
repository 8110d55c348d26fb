/* html.c -- printable HTML pages; see html.h. */
#include "html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void html_escape(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

static const char *str(const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

static long long num(const json_t *o, const char *key) { return (long long)json_integer_value(json_object_get(o, key)); }

/* One table row: a heading and an escaped value (mono: in a fixed font). */
static void row(FILE *f, const char *th, const char *td, int mono) {
  fprintf(f, "<tr><th>%s</th><td%s>", th, mono ? " class=\"mono\"" : "");
  html_escape(f, td);
  fputs("</td></tr>\n", f);
}

static const char style[] =
    "body{font-family:Georgia,'Times New Roman',serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#111}"
    "h1{font-size:1.8rem;border-bottom:3px double #333;padding-bottom:.4rem}"
    "h2{font-size:1.15rem;margin-top:1.8rem}"
    ".lead{font-size:1.15rem}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ccc}"
    "th{width:12rem;font-weight:normal;color:#444}"
    ".units th{width:auto}"
    ".mono,pre,code{font-family:'DejaVu Sans Mono',monospace;font-size:.78rem;word-break:break-all;white-space:pre-wrap}"
    "pre{background:#f6f6f6;padding:.6rem;border:1px solid #ddd}"
    "@media print{a{color:#000;text-decoration:none}pre{background:none}}";

char *html_certificate(const json_t *cert) {
  const json_t *ret = json_object_get(cert, "retirement"), *leaf = json_object_get(cert, "leaf"),
               *head = json_object_get(cert, "tree_head"), *blocks = json_object_get(ret, "blocks");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return NULL;
  char tmp[256];
  long long id = num(ret, "transaction");
  fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<title>Retirement certificate %lld</title>\n<style>%s</style>\n</head>\n<body>\n",
          id, style);
  /* An imported retirement: the day it happened at its origin registry
   * first (reports use it), the commit time after (core/certificate.h). */
  const char *eff = json_string_value(json_object_get(cert, "effective_date"));
  fprintf(f, "<h1>Retirement certificate</h1>\n<p class=\"lead\">%lld units were retired on ", num(ret, "quantity"));
  html_escape(f, eff ? eff : str(ret, "timestamp"));
  if (eff) {
    fputs(" at their origin registry (recorded in ledger6 on ", f);
    html_escape(f, str(ret, "timestamp"));
    fputs(")", f);
  }
  fputs(" for <strong>", f);
  html_escape(f, str(ret, "beneficiary"));
  fputs("</strong>.</p>\n<table>\n", f);
  snprintf(tmp, sizeof tmp, "%lld", id);
  row(f, "Retirement", tmp, 0);
  if (eff) row(f, "Effective date (at the origin registry; not in the log entry)", eff, 0);
  row(f, "Date (UTC)", str(ret, "timestamp"), 0);
  snprintf(tmp, sizeof tmp, "%lld", num(ret, "quantity"));
  row(f, "Quantity (units)", tmp, 0);
  row(f, "Beneficiary", str(ret, "beneficiary"), 0);
  row(f, "Purpose", str(ret, "purpose"), 0);
  row(f, "Claim", str(ret, "claim"), 0);
  const json_t *year = json_object_get(ret, "reporting_year");
  if (json_is_integer(year)) snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(year));
  else snprintf(tmp, sizeof tmp, "not given");
  row(f, "Reporting year", tmp, 0);
  fputs("</table>\n<h2>Units retired</h2>\n<table class=\"units\">\n"
        "<tr><th>Serial numbers</th><th>Unit type</th><th>Project</th><th>Host</th><th>Vintage</th><th>Units</th></tr>\n",
        f);
  size_t i;
  const json_t *b;
  json_array_foreach(blocks, i, b) {
    fputs("<tr><td class=\"mono\">", f);
    html_escape(f, str(b, "serial"));
    fputs("</td><td>", f);
    html_escape(f, str(b, "unit_type"));
    fputs("</td><td>", f);
    html_escape(f, str(b, "project"));
    fputs("</td><td>", f);
    html_escape(f, str(b, "host"));
    fprintf(f, "</td><td>%lld</td><td>%lld</td></tr>\n", num(b, "vintage"), num(b, "quantity"));
  }
  int64_t ms = num(head, "timestamp");
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  fputs("</table>\n<h2>Proof in the registry's public log</h2>\n<table>\n", f);
  snprintf(tmp, sizeof tmp, "entry %lld of a log of %lld entries", num(leaf, "index"), num(head, "tree_size"));
  row(f, "Log position", tmp, 0);
  row(f, "Leaf hash", str(leaf, "hash"), 1);
  row(f, "Tree root", str(head, "root_hash"), 1);
  row(f, "Signed at", when, 0);
  row(f, "Signing key id", str(head, "key_id"), 1);
  row(f, "Signature (Ed25519)", str(head, "signature"), 1);
  row(f, "Private commitment", str(ret, "private_commitment"), 1);
  fputs("</table>\n<h2>How to check this certificate</h2>\n"
        "<p>Anyone can check it without trusting the registry's database: save "
        "<a href=\"certificate\">the certificate as JSON</a> and run</p>\n"
        "<pre>ledger6 verify certificate.json --key PUBLIC_KEY</pre>\n<p>with the registry's public key of id <code>",
        f);
  html_escape(f, str(head, "key_id"));
  fputs("</code> (published at <code>GET /v1/keys</code>). It rebuilds the log entry below from the retirement's "
        "details, hashes it, follows the inclusion proof to the tree root and checks the registry's signature of that "
        "root. docs/TRANSPARENCY.md shows how to do the same in a few lines of Python.</p>\n"
        "<h2>Log entry</h2>\n<pre>",
        f);
  html_escape(f, str(leaf, "entry"));
  fputs("</pre>\n</body>\n</html>\n", f);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
