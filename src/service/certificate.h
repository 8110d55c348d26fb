/*
 * certificate.h -- retirement certificates (docs/TRANSPARENCY.md): built
 * by the registry from its store and log, checked offline by anyone who
 * has the registry's public key and nothing else.
 *
 *   {"format": "ledger6 retirement certificate v1",
 *    "retirement": {transaction, kind, timestamp, quantity, beneficiary,
 *                   purpose, claim, reporting_year, blocks: [{batch,
 *                   first, last, quantity, serial, unit_type, host,
 *                   project, vintage}], private_commitment},
 *    "leaf": {index, entry, hash},
 *    "inclusion_proof": [hex, ...],
 *    "tree_head": {tree_size, timestamp, root_hash, key_id, signature}}
 *
 * Every field is checked: the verifier rebuilds the log entry from the
 * retirement's fields (so an edited quantity, beneficiary or serial range
 * gives another entry), hashes it as a leaf, follows the inclusion proof
 * to a root and checks the tree head's signature of that root.
 */
#ifndef L6_CERTIFICATE_H
#define L6_CERTIFICATE_H

#include <jansson.h>

#include "tlog.h"

#define CERT_FORMAT "ledger6 retirement certificate v1"
#define CERT_MAX_PROBLEMS 8

/* The certificate of a retirement's entry, leaf index, inclusion proof
 * (len hashes) in the tree of head. effective_date (YYYY-MM-DD, NULL or
 * "": none): when an imported retirement happened at its origin registry,
 * shown as the certificate's top-level "effective_date"; it is recorded
 * beside the transaction, not in the log entry, so the proof does not
 * cover it (docs/TRANSPARENCY.md). New reference, NULL when out of memory. */
json_t *cert_build(const tlog_entry *en, int64_t leaf_index, const uint8_t (*proof)[32], size_t len,
                   const l6_log_head *head, const char *effective_date);

/* What cert_verify found. */
typedef struct {
  bool valid;
  int nproblems;                      /* what failed, in the order checked */
  char problems[CERT_MAX_PROBLEMS][256];
  char summary[1024];                 /* when valid: what the certificate shows */
} cert_result;

/* Checks a certificate against the registry's public key pk. Needs no
 * store and no network. */
void cert_verify(const json_t *cert, const uint8_t pk[STH_PUBLIC_KEY_BYTES], cert_result *res);

#endif
