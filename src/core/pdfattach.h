/*
 * pdfattach.h -- the certificate JSON inside a certificate PDF (pure: no
 * I/O). docs/TRANSPARENCY.md, "The certificate as a PDF".
 *
 * The PDF carries the certificate's JSON as a PDF attachment (an embedded
 * file, PDF 1.7 section 7.11.4, named "certificate.json", listed in the
 * catalog's /Names /EmbeddedFiles tree and its /AF array as in PDF/A-3), so
 * a PDF reader shows it as an attachment and `pdfdetach -saveall` saves it.
 * cairo (1.16 and 1.18) has no call to embed a file, so pdfattach_add
 * writes the three objects by hand, as an incremental update (section
 * 7.5.6) appended to cairo's file: the embedded-file stream (uncompressed,
 * so the JSON is plain in the file), its file specification, and a new
 * revision of the catalog that points to it; then an xref section and a
 * trailer with /Prev.
 *
 * pdfattach_find reads it back from any bytes, hostile ones included: it
 * looks for the one embedded-file stream marked
 *   << /Type /EmbeddedFile /Subtype /application#2Fjson /Length N >>
 * and returns its N bytes. It refuses (with a reason) a file that is not a
 * PDF, has no such stream or more than one, a compressed or otherwise
 * filtered one, a length that is not a plain integer or runs past the
 * file or does not end at "endstream". It never follows a reference, so a
 * PDF that another tool has rewritten (compressed, restructured) may be
 * refused: keep the registry's file, or its JSON.
 */
#ifndef L6_PDFATTACH_H
#define L6_PDFATTACH_H

#include <stddef.h>

/* The attachment's name in the PDF, and the most bytes it may hold. */
#define PDFATTACH_NAME "certificate.json"
#define PDFATTACH_MAX (1u << 24)

/* pdf (len bytes, a whole PDF as cairo writes it: classic xref table,
 * trailer with /Size, /Root and /Info) with json (jlen bytes) attached.
 * Returns a malloc'd copy (its length in *out_len), or NULL when pdf is
 * not laid out so (or out of memory), with a reason in *why. */
char *pdfattach_add(const char *pdf, size_t len, const char *json, size_t jlen, size_t *out_len, const char **why);

/* The attached JSON of pdf: *at points into pdf, *n its length. Returns 0,
 * or -1 with a reason in *why (a static string). */
int pdfattach_find(const char *pdf, size_t len, const char **at, size_t *n, const char **why);

/* Whether bytes look like a PDF ("%PDF-" at the start). */
int pdfattach_is_pdf(const char *bytes, size_t len);

#endif
