/*
 * a6_letter.h -- the canonical content of a letter of authorization
 * (issue 18 item 4; docs/API.md "The letter's hash"): the authorization's
 * terms as UTF-8 text, one field per line in a fixed order, texts as
 * "<byte length>:<bytes>" (like core/logentry.h), so the same terms always
 * give the same bytes and the text parses back into exactly one set of
 * terms. Its SHA-256 is recorded with the authorization each time it is
 * made, amended or revoked, and recomputed by an auditor. Pure: no I/O.
 *
 *   ledger6 letter of authorization v1
 *   authorization 12
 *   version 2
 *   party THA
 *   approach CA0009
 *   project 11:THA.EBUS.06
 *   vintages 2024 2024
 *   quantity 200
 *   purposes NDC,OIMP
 *   first_transfer_event use
 *   authorized_parties 3:CHE
 *   authorized_entities 0:
 *   timeframe 2021 2030
 *   in_ndc_scope true
 *   revoked false
 *
 * Not in it: what the books say later (units made ITMOs so far, the time of
 * the last change), which change without the letter changing.
 */
#ifndef L6_A6_LETTER_H
#define L6_A6_LETTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int64_t id;
  int version;
  const char *party;
  int approach;            /* CA0001..CA9999 */
  const char *project;
  int vintage_from, vintage_to;
  int64_t quantity;
  const char *purposes;    /* canonical, "NDC,OIMP" */
  const char *ft_event;
  const char *parties;     /* "CHE,JPN" ("" any) */
  const char *entities;    /* "|"-separated ("" none named) */
  int year_from, year_to;
  bool in_scope, revoked;
} a6_letter;

/* Writes the canonical text into out (cap bytes, NUL-terminated); returns
 * its length, or -1 when it does not fit. */
int a6_letter_text(const a6_letter *l, char *out, size_t cap);
/* Lower-case hex SHA-256 of text[0..len). */
void a6_letter_sha256(const char *text, size_t len, char hex[65]);

#endif
