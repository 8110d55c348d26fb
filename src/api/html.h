/*
 * html.h -- printable HTML pages rendered from the API's documents. Every
 * text taken from a document is escaped (html_escape), so a beneficiary
 * or claim can never become markup; the API also sends these pages with a
 * Content-Security-Policy that allows no script at all.
 */
#ifndef L6_HTML_H
#define L6_HTML_H

#include <jansson.h>
#include <stdio.h>

/* Writes s to f with &, <, >, " and ' as character references. */
void html_escape(FILE *f, const char *s);

/* The page of a retirement certificate (certificate.h), malloc'd and
 * NUL-terminated (caller frees); NULL when out of memory. */
char *html_certificate(const json_t *cert);

/* html_a6.c: the initial report of a cooperative approach and the
 * regular information (src/service/a6.h), malloc'd; NULL when out of
 * memory. */
char *html_a6_initial_report(const json_t *report);
char *html_a6_regular_information(const json_t *info);

#endif
