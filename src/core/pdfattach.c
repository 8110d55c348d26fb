/* pdfattach.c -- the certificate JSON inside a certificate PDF; see pdfattach.h. */
#include "pdfattach.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stream dictionary pdfattach_add writes and pdfattach_find looks for
 * (the length follows it, then " >>"). */
static const char marker[] = "<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length ";

int pdfattach_is_pdf(const char *bytes, size_t len) { return len >= 5 && memcmp(bytes, "%PDF-", 5) == 0; }

/* The first (last: rfind) place of needle in h[0, len), or NULL. */
static const char *find(const char *h, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; n <= len && i <= len - n; i++)
    if (h[i] == needle[0] && memcmp(h + i, needle, n) == 0) return h + i;
  return NULL;
}

static const char *rfind(const char *h, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
    if (h[i] == needle[0] && memcmp(h + i, needle, n) == 0) return h + i;
  return NULL;
}

/* A non-negative decimal of at most 10 digits at *p (before end), after
 * spaces; advances *p. -1 when there is none. */
static long long number(const char **p, const char *end) {
  const char *s = *p;
  while (s < end && (*s == ' ' || *s == '\r' || *s == '\n')) s++;
  long long v = 0;
  int digits = 0;
  while (s < end && *s >= '0' && *s <= '9' && digits < 11) v = v * 10 + (*s++ - '0'), digits++;
  if (digits == 0 || digits > 10) return -1;
  *p = s;
  return v;
}

/* The number after key in [from, end) ("/Size 12"), or -1. */
static long long keyed(const char *from, const char *end, const char *key) {
  const char *k = find(from, (size_t)(end - from), key);
  if (k == NULL) return -1;
  const char *p = k + strlen(key);
  return number(&p, end);
}

typedef struct {
  char *buf;
  size_t len, cap;
  int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *nb = realloc(b->buf, cap);
    if (nb == NULL) {
      b->oom = 1;
      return;
    }
    b->buf = nb, b->cap = cap;
  }
  memcpy(b->buf + b->len, s, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

static void putf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(sbuf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) b->oom = 1;
  else put(b, tmp, (size_t)n);
}

char *pdfattach_add(const char *pdf, size_t len, const char *json, size_t jlen, size_t *out_len, const char **why) {
  *why = "the PDF is not laid out as cairo writes it";
  if (!pdfattach_is_pdf(pdf, len) || jlen > PDFATTACH_MAX) return NULL;
  const char *end = pdf + len;
  const char *trailer = rfind(pdf, len, "\ntrailer");
  const char *sx = rfind(pdf, len, "\nstartxref");
  if (trailer == NULL || sx == NULL || sx < trailer) return NULL;
  long long size = keyed(trailer, sx, "/Size"), root = keyed(trailer, sx, "/Root"), info = keyed(trailer, sx, "/Info");
  const char *p = sx + strlen("\nstartxref");
  long long prev = number(&p, end);
  if (size < 1 || root < 1 || root >= size || prev < 0 || prev >= (long long)len) return NULL;
  /* The catalog: "\nROOT 0 obj\n<< ... >>\nendobj". */
  char head[40];
  snprintf(head, sizeof head, "\n%lld 0 obj", root);
  const char *cat = find(pdf, len, head);
  if (cat == NULL) return NULL;
  const char *open = find(cat, (size_t)(end - cat), "<<");
  const char *endobj = find(cat, (size_t)(end - cat), "endobj");
  if (open == NULL || endobj == NULL || open > endobj) return NULL;
  const char *close = rfind(open, (size_t)(endobj - open), ">>");
  if (close == NULL || close <= open) return NULL;
  size_t inner = (size_t)(close - open - 2);
  if (find(open, inner + 2, "/Type /Catalog") == NULL || find(open, inner + 2, "/Names") != NULL ||
      find(open, inner + 2, "/AF") != NULL)
    return NULL;
  sbuf b = {0};
  put(&b, pdf, len);
  if (len && pdf[len - 1] != '\n') put(&b, "\n", 1);
  long long file = size, spec = size + 1;
  size_t off_file = b.len;
  putf(&b, "%lld 0 obj\n%s%zu >>\nstream\n", file, marker, jlen);
  put(&b, json, jlen);
  put(&b, "\nendstream\nendobj\n", strlen("\nendstream\nendobj\n"));
  size_t off_spec = b.len;
  putf(&b,
       "%lld 0 obj\n<< /Type /Filespec /F (" PDFATTACH_NAME ") /UF (" PDFATTACH_NAME ") /AFRelationship /Data\n"
       "   /Desc (The retirement certificate: check it with ledger6 verify)\n   /EF << /F %lld 0 R /UF %lld 0 R >> >>\n"
       "endobj\n",
       spec, file, file);
  size_t off_cat = b.len;
  putf(&b, "%lld 0 obj\n<<", root);
  put(&b, open + 2, inner);
  putf(&b, "\n   /Names << /EmbeddedFiles << /Names [(" PDFATTACH_NAME ") %lld 0 R] >> >>\n   /AF [%lld 0 R]\n>>\nendobj\n",
       spec, spec);
  size_t off_xref = b.len;
  /* Each entry is 20 bytes: offset, generation, n, space and newline. */
  putf(&b, "xref\n0 1\n0000000000 65535 f \n%lld 1\n%010zu 00000 n \n%lld 2\n%010zu 00000 n \n%010zu 00000 n \n", root,
       off_cat, file, off_file, off_spec);
  putf(&b, "trailer\n<< /Size %lld\n   /Root %lld 0 R\n", size + 2, root);
  if (info > 0) putf(&b, "   /Info %lld 0 R\n", info);
  putf(&b, "   /Prev %lld\n>>\nstartxref\n%zu\n%%%%EOF\n", prev, off_xref);
  if (b.oom) {
    free(b.buf);
    *why = "out of memory";
    return NULL;
  }
  *out_len = b.len;
  return b.buf;
}

/* Parses the stream whose marker starts at m: its data [*data, *data+*n)
 * and where its "endstream" ends (*after). Returns NULL or why not. */
static const char *stream_at(const char *m, const char *end, const char **data, size_t *n, const char **after) {
  const char *p = m + strlen(marker);
  long long v = number(&p, end);
  if (v < 0) return "the attachment's /Length is not a plain number";
  if (v > (long long)PDFATTACH_MAX) return "the attachment is too large";
  while (p < end && *p == ' ') p++;
  if ((size_t)(end - p) < 2 || memcmp(p, ">>", 2) != 0) return "the attachment's stream has more than a type and a length (compressed?)";
  p += 2;
  while (p < end && (*p == ' ' || *p == '\r' || *p == '\n')) p++;
  if ((size_t)(end - p) < 6 || memcmp(p, "stream", 6) != 0) return "the attachment has no stream";
  p += 6;
  if (p < end && *p == '\r') p++;
  if (p >= end || *p != '\n') return "the attachment's stream keyword is not followed by an end of line";
  p++;
  if ((long long)(end - p) < v) return "the attachment's /Length runs past the end of the file";
  *data = p, *n = (size_t)v;
  p += v;
  if (p < end && *p == '\r') p++;
  if (p < end && *p == '\n') p++;
  if ((size_t)(end - p) < 9 || memcmp(p, "endstream", 9) != 0) return "the attachment's /Length does not end at endstream";
  *after = p + 9;
  return NULL;
}

int pdfattach_find(const char *pdf, size_t len, const char **at, size_t *n, const char **why) {
  if (!pdfattach_is_pdf(pdf, len)) {
    *why = "not a PDF (no %PDF- header)";
    return -1;
  }
  const char *end = pdf + len, *p = pdf, *found = NULL, *problem = NULL;
  size_t found_n = 0;
  int count = 0;
  /* Markers inside a stream's data (a beneficiary may be any text) are
   * skipped with it. */
  for (const char *m; (m = find(p, (size_t)(end - p), marker)) != NULL;) {
    const char *data = NULL, *after = NULL;
    size_t dn = 0;
    const char *bad = stream_at(m, end, &data, &dn, &after);
    if (bad) {
      if (problem == NULL) problem = bad;
      p = m + 1;
      continue;
    }
    if (count++ == 0) found = data, found_n = dn;
    p = after;
  }
  if (count > 1 || (count == 1 && problem)) { /* which one would count? */
    *why = "the PDF carries more than one certificate attachment";
    return -1;
  }
  if (count == 0) {
    *why = problem ? problem : "the PDF carries no certificate (no " PDFATTACH_NAME " attachment as ledger6 writes it)";
    return -1;
  }
  *at = found, *n = found_n;
  return 0;
}
