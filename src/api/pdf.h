/*
 * pdf.h -- a retirement certificate (certificate.h) as a PDF to file: the
 * content of the printable HTML page (html.c) laid out on A4 pages with
 * cairo and Pango, a QR code (libqrencode) of the page where anyone can
 * check the certificate, and the certificate's JSON attached as
 * certificate.json (core/pdfattach.h), so that `ledger6 verify
 * certificate.pdf --key KEY` checks the PDF file itself.
 *
 * Every text taken from the certificate is laid out as plain text (Pango
 * markup only around escaped text), so a beneficiary cannot change the
 * layout. What verify checks is the attached JSON: the printed page is
 * its rendering, and verify prints the summary to compare it with.
 */
#ifndef L6_PDF_H
#define L6_PDF_H

#include <jansson.h>
#include <stddef.h>

/* The PDF of cert, whose QR code encodes verify_url (an absolute URL).
 * Returns the malloc'd bytes (length in *len; caller frees), or NULL with
 * a reason in *why. */
char *pdf_certificate(const json_t *cert, const char *verify_url, size_t *len, const char **why);

/* The letter of authorization (svc_a6_auth_letter's JSON) as a PDF: its
 * canonical text, its SHA-256 and the hash recorded, the JSON attached as
 * above (the registry's one attachment name). date (YYYY-MM-DDTHH:MM:SSZ)
 * dates the file: the authorization's last change, so the same version
 * gives the same file. NULL with a reason in *why. */
char *pdf_letter(const json_t *letter, const char *date, size_t *len, const char **why);

/* Frees what cairo and fontconfig keep for the whole process (font caches,
 * the configuration), once no PDF is being made: http_stop calls it. */
void pdf_shutdown(void);

#endif
