/* a6_letter.c -- see a6_letter.h. */
#include "a6_letter.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

int a6_letter_text(const a6_letter *l, char *out, size_t cap) {
  int n = snprintf(out, cap,
                   "ledger6 letter of authorization v1\n"
                   "authorization %lld\n"
                   "version %d\n"
                   "party %s\n"
                   "approach CA%04d\n"
                   "project %zu:%s\n"
                   "vintages %d %d\n"
                   "quantity %lld\n"
                   "purposes %s\n"
                   "first_transfer_event %s\n"
                   "authorized_parties %zu:%s\n"
                   "authorized_entities %zu:%s\n"
                   "timeframe %d %d\n"
                   "in_ndc_scope %s\n"
                   "revoked %s\n",
                   (long long)l->id, l->version, l->party, l->approach, strlen(l->project), l->project, l->vintage_from,
                   l->vintage_to, (long long)l->quantity, l->purposes, l->ft_event, strlen(l->parties), l->parties,
                   strlen(l->entities), l->entities, l->year_from, l->year_to, l->in_scope ? "true" : "false",
                   l->revoked ? "true" : "false");
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

void a6_letter_sha256(const char *text, size_t len, char hex[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)text, len);
  sodium_bin2hex(hex, 65, h, sizeof h);
}
