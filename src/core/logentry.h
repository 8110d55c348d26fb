/*
 * logentry.h -- the canonical encoding of a registry transaction as a
 * transparency log entry (docs/TRANSPARENCY.md has the format with an
 * example). Pure: no I/O, no allocation.
 *
 * The entry is UTF-8 text, one field per line, in a fixed order; numbers
 * in decimal without leading zeros, texts as "<byte length>:<bytes>", the
 * kind as its word and each block's serial string (serial_format checks
 * its characters) last on its line. So the same transaction always gives
 * the same bytes, and the bytes can be parsed back into exactly one
 * transaction:
 *
 *   ledger6 log entry v1
 *   transaction 42
 *   kind retirement
 *   timestamp 24:2026-11-21T01:51:55.231Z
 *   quantity 100
 *   reporting_year 2026                   (0 when none)
 *   beneficiary 9:Acme GmbH
 *   purpose 9:voluntary
 *   claim 0:
 *   private <64 hex digits>
 *   block 4 1 100 VCU-MWI-VCS.2250-2022-000004-000000001-000000100
 *   ...                                   (one line per block moved, in order)
 *
 * What the public may not see -- the actor and the account ids of the
 * transaction and of each block -- is not in the entry itself but
 * committed to by "private": the SHA-256 of a salted text of those fields
 * (logentry_commit). The salt is 16 random bytes per transaction, kept by
 * the registry, so the commitment reveals nothing, yet any change to those
 * fields changes the entry. A retirement certificate can so carry the
 * whole entry without disclosing who retired the units.
 */
#ifndef L6_LOGENTRY_H
#define L6_LOGENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define LOGENTRY_SALT_BYTES 16

/* One block (serial range) the transaction moved. */
typedef struct {
  l6_id batch;
  int64_t first;
  int64_t last;
  const char *serial;  /* the block's serial string (serial_format, block form) */
  l6_id from_account;  /* private: 0 for an issuance */
  l6_id to_account;    /* private */
} logentry_block;

/* The public fields of a transaction. */
typedef struct {
  l6_id tx;
  const char *kind;         /* "issuance", "transfer", "retirement", "cancellation" */
  const char *timestamp;    /* as stored: ISO 8601 UTC with milliseconds */
  l6_qty quantity;
  int reporting_year;       /* 0 when none */
  const char *beneficiary;  /* "" when none */
  const char *purpose;
  const char *claim;
  uint8_t commitment[32];   /* logentry_commit of the private fields */
  const logentry_block *blocks;
  size_t nblocks;
} logentry;

/* The private fields, and the salt that hides them. */
typedef struct {
  const char *actor;
  l6_id from_account;       /* 0 for an issuance */
  l6_id to_account;
  uint8_t salt[LOGENTRY_SALT_BYTES];
} logentry_private;

/*
 * The commitment to the private fields: SHA-256 of
 *   "ledger6 private v1\n"
 *   "salt <32 hex digits>\n"
 *   "actor <len>:<bytes>\n"
 *   "from_account <id>\n" "to_account <id>\n"
 *   "block <from_account> <to_account>\n"   (one per block, in order)
 */
void logentry_commit(const logentry_private *p, const logentry_block *blocks, size_t nblocks, uint8_t out[32]);

/* Writes the canonical entry of e into buf (NUL-terminated when it fits).
 * Returns its length in bytes without the NUL, like snprintf: when the
 * result is >= cap, buf holds a truncated prefix and the caller retries
 * with a buffer of result + 1 bytes. NULL texts count as "". */
size_t logentry_encode(const logentry *e, char *buf, size_t cap);

/*
 * The entry of a letter leaf (schema 28; docs/TRANSPARENCY.md "Letter
 * leaves"): one version of an Article 6 authorization's letter -- made,
 * amended or revoked -- committed to by the log:
 *
 *   ledger6 letter leaf v1
 *   authorization 12
 *   version 2
 *   letter_sha256 64:<the SHA-256 of the letter's canonical text, hex>
 *   timestamp 24:2026-12-07T09:04:42.103Z     (when that version was made)
 *
 * Its first line differs from a transaction's ("ledger6 log entry v1"), so
 * no letter entry is ever read as a transaction's or the reverse; the leaf
 * hash is RFC 6962's as for every leaf. Nothing private: no salt. Same
 * return convention as logentry_encode.
 */
size_t logentry_letter_encode(l6_id auth, int version, const char *sha256, const char *timestamp, char *buf,
                              size_t cap);

#endif
