/* certificate.c -- retirement certificates; see certificate.h. */
#include "certificate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../core/serial.h"
#include "views.h"

json_t *cert_build(const tlog_entry *en, int64_t leaf_index, const uint8_t (*proof)[32], size_t len,
                   const l6_log_head *head, const char *effective_date) {
  json_t *blocks = json_array(), *hashes = json_array();
  for (size_t i = 0; i < en->nblocks; i++) {
    const tlog_block *b = &en->blocks[i];
    json_array_append_new(blocks, json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i}", "batch",
                                            (json_int_t)b->batch, "first", (json_int_t)b->first, "last",
                                            (json_int_t)b->last, "quantity", (json_int_t)(b->last - b->first + 1),
                                            "serial", b->serial, "unit_type", b->unit_type, "host", b->host,
                                            "project", b->project, "vintage", b->vintage));
  }
  for (size_t i = 0; i < len; i++) json_array_append_new(hashes, view_hex(proof[i], 32));
  const l6_tx *t = &en->tx;
  json_t *ret = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o}", "transaction", (json_int_t)t->id,
                          "kind", l6_tx_kind_str(t->kind), "timestamp", t->ts, "quantity", (json_int_t)t->quantity,
                          "beneficiary", t->beneficiary, "purpose", t->purpose, "claim", t->claim, "reporting_year",
                          t->reporting_year ? json_integer(t->reporting_year) : json_null(), "blocks", blocks,
                          "private_commitment", view_hex(en->commitment, 32));
  json_t *leaf = json_pack("{s:I, s:s%, s:o}", "index", (json_int_t)leaf_index, "entry", en->text, en->len, "hash",
                           view_hex(en->leaf_hash, 32));
  json_t *cert = json_pack("{s:s, s:o, s:o, s:o, s:o}", "format", CERT_FORMAT, "retirement", ret, "leaf", leaf,
                           "inclusion_proof", hashes, "tree_head", view_log_head(head));
  if (cert && effective_date && effective_date[0]) json_object_set_new(cert, "effective_date", json_string(effective_date));
  return cert;
}

/* ---- verification ------------------------------------------------------ */

static void add_problem(cert_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_problem(cert_result *r, const char *fmt, ...) {
  r->valid = false;
  if (r->nproblems == CERT_MAX_PROBLEMS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->problems[r->nproblems++], sizeof r->problems[0], fmt, ap);
  va_end(ap);
}

static bool unhex(const char *hex, uint8_t *out, size_t n) {
  size_t len = 0;
  return hex && strlen(hex) == 2 * n && sodium_hex2bin(out, n, hex, 2 * n, NULL, &len, NULL) == 0 && len == n;
}

/* The first line where two texts differ, for a readable problem. */
static void first_difference(const char *a, const char *b, char *out, size_t cap) {
  size_t i = 0, line_start = 0;
  while (a[i] && a[i] == b[i]) {
    if (a[i] == '\n') line_start = i + 1;
    i++;
  }
  const char *la = a + line_start, *lb = b + line_start;
  int na = (int)strcspn(la, "\n"), nb = (int)strcspn(lb, "\n");
  snprintf(out, cap, "'%.*s' in the certificate's entry, '%.*s' from its fields", nb > 80 ? 80 : nb, lb,
           na > 80 ? 80 : na, la);
}

void cert_verify(const json_t *cert, const uint8_t pk[STH_PUBLIC_KEY_BYTES], cert_result *res) {
  memset(res, 0, sizeof *res);
  res->valid = true;
  json_error_t je;
  const char *format = NULL;
  json_t *ret = NULL, *leaf = NULL, *proof = NULL, *head = NULL;
  const char *effective = NULL; /* optional, outside the entry (cert_build) */
  if (json_unpack_ex((json_t *)cert, &je, JSON_STRICT, "{s:s, s:o, s:o, s:o, s:o, s?s}", "format", &format,
                     "retirement", &ret, "leaf", &leaf, "inclusion_proof", &proof, "tree_head", &head, "effective_date",
                     &effective) != 0) {
    add_problem(res, "not a ledger6 retirement certificate: %s", je.text);
    return;
  }
  if (strcmp(format, CERT_FORMAT) != 0) {
    add_problem(res, "unknown certificate format '%.100s'", format);
    return;
  }
  /* The retirement, field by field. */
  json_int_t txid = 0, qty = 0;
  const char *kind = NULL, *ts = NULL, *beneficiary = NULL, *purpose = NULL, *claim = NULL, *commit_hex = NULL;
  json_t *year = NULL, *blocks = NULL;
  if (json_unpack_ex(ret, &je, JSON_STRICT, "{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:s}", "transaction", &txid,
                     "kind", &kind, "timestamp", &ts, "quantity", &qty, "beneficiary", &beneficiary, "purpose",
                     &purpose, "claim", &claim, "reporting_year", &year, "blocks", &blocks, "private_commitment",
                     &commit_hex) != 0) {
    add_problem(res, "retirement: %s", je.text);
    return;
  }
  if (!json_is_null(year) && !json_is_integer(year)) {
    add_problem(res, "retirement: reporting_year must be an integer or null");
    return;
  }
  if (strcmp(kind, "retirement") != 0) add_problem(res, "the transaction is a %.40s, not a retirement", kind);
  logentry e = {.tx = txid,
                .kind = kind,
                .timestamp = ts,
                .quantity = qty,
                .reporting_year = json_is_integer(year) ? (int)json_integer_value(year) : 0,
                .beneficiary = beneficiary,
                .purpose = purpose,
                .claim = claim};
  if (!unhex(commit_hex, e.commitment, sizeof e.commitment)) {
    add_problem(res, "retirement: private_commitment must be 64 hex digits");
    return;
  }
  size_t nb = json_is_array(blocks) ? json_array_size(blocks) : 0;
  if (nb == 0 || nb > L6_MAX_BLOCKS_PER_TX) {
    add_problem(res, "retirement: blocks must be an array of 1 to %d blocks", L6_MAX_BLOCKS_PER_TX);
    return;
  }
  logentry_block *lb = calloc(nb, sizeof *lb);
  char(*serials)[L6_SERIAL_MAX + 1] = calloc(nb, sizeof *serials);
  if (lb == NULL || serials == NULL) {
    free(lb);
    free(serials);
    add_problem(res, "out of memory");
    return;
  }
  json_int_t sum = 0;
  bool blocks_ok = true;
  for (size_t i = 0; i < nb && blocks_ok; i++) {
    json_int_t batch = 0, first = 0, last = 0, bq = 0;
    int vintage = 0;
    const char *serial = NULL, *ut = NULL, *host = NULL, *project = NULL;
    if (json_unpack_ex(json_array_get(blocks, i), &je, JSON_STRICT, "{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i}",
                       "batch", &batch, "first", &first, "last", &last, "quantity", &bq, "serial", &serial,
                       "unit_type", &ut, "host", &host, "project", &project, "vintage", &vintage) != 0) {
      add_problem(res, "retirement: blocks[%zu]: %s", i, je.text);
      blocks_ok = false;
      break;
    }
    if (first < 1 || last < first || last >= L6_MAX_SERIAL || bq != last - first + 1 || bq > L6_MAX_QUANTITY) {
      add_problem(res, "blocks[%zu]: serials %lld-%lld do not hold %lld units", i, (long long)first, (long long)last,
                  (long long)bq);
      blocks_ok = false;
      break;
    }
    l6_serial sn = {.vintage = vintage, .batch = batch, .first = first, .last = last, .is_block = true};
    snprintf(sn.unit_type, sizeof sn.unit_type, "%s", ut);
    snprintf(sn.host, sizeof sn.host, "%s", host);
    snprintf(sn.project, sizeof sn.project, "%s", project);
    if (strlen(ut) >= sizeof sn.unit_type || strlen(host) >= sizeof sn.host || strlen(project) >= sizeof sn.project ||
        serial_format(&sn, serials[i], sizeof serials[i]) < 0 || strcmp(serials[i], serial) != 0) {
      add_problem(res, "blocks[%zu]: serial %.160s does not match its unit type, host, project, vintage, batch and range",
                  i, serial);
      blocks_ok = false;
      break;
    }
    sum += bq;
    lb[i] = (logentry_block){.batch = batch, .first = first, .last = last, .serial = serials[i]};
  }
  if (blocks_ok && sum != qty)
    add_problem(res, "the blocks hold %lld units but the quantity is %lld", (long long)sum, (long long)qty);
  e.blocks = lb;
  e.nblocks = nb;
  /* The entry as the fields say, and its leaf hash. */
  char *text = NULL;
  size_t tlen = 0;
  uint8_t leaf_hash[32];
  if (blocks_ok) {
    tlen = logentry_encode(&e, NULL, 0);
    text = malloc(tlen + 1);
    if (text) logentry_encode(&e, text, tlen + 1);
  }
  if (text == NULL) {
    free(lb);
    free(serials);
    if (blocks_ok) add_problem(res, "out of memory");
    return;
  }
  merkle_leaf_hash(text, tlen, leaf_hash);
  /* The leaf as the certificate states it. */
  json_int_t index = -1;
  const char *entry = NULL, *hash_hex = NULL;
  uint8_t stated[32];
  if (json_unpack_ex(leaf, &je, JSON_STRICT, "{s:I, s:s, s:s}", "index", &index, "entry", &entry, "hash", &hash_hex) != 0) {
    add_problem(res, "leaf: %s", je.text);
  } else {
    if (strcmp(entry, text) != 0) {
      char diff[256];
      first_difference(text, entry, diff, sizeof diff);
      add_problem(res, "the retirement's fields do not give the logged entry: %s", diff);
    }
    if (!unhex(hash_hex, stated, 32) || sodium_memcmp(stated, leaf_hash, 32) != 0)
      add_problem(res, "the leaf hash is not the hash of the retirement's entry");
  }
  /* The proof and the signed head. */
  json_int_t size = 0, hts = 0;
  const char *root_hex = NULL, *key_id = NULL, *sig_hex = NULL;
  uint8_t root[32], sig[STH_SIGNATURE_BYTES], computed[32];
  uint8_t(*path)[32] = calloc(MERKLE_MAX_PROOF, 32);
  size_t plen = json_is_array(proof) ? json_array_size(proof) : 0;
  bool shape = path != NULL && json_is_array(proof) && plen <= MERKLE_MAX_PROOF;
  for (size_t i = 0; shape && i < plen; i++) shape = unhex(json_string_value(json_array_get(proof, i)), path[i], 32);
  if (!shape) add_problem(res, "inclusion_proof must be an array of at most %d hashes of 64 hex digits", MERKLE_MAX_PROOF);
  if (json_unpack_ex(head, &je, JSON_STRICT, "{s:I, s:I, s:s, s:s, s:s}", "tree_size", &size, "timestamp", &hts,
                     "root_hash", &root_hex, "key_id", &key_id, "signature", &sig_hex) != 0 ||
      !unhex(root_hex, root, 32) || !unhex(sig_hex, sig, sizeof sig)) {
    add_problem(res, "tree_head: %s", je.text[0] ? je.text : "root_hash and signature must be hex");
  } else {
    char want_id[STH_KEY_ID_LEN + 1];
    sth_key_id(pk, want_id);
    if (strcmp(key_id, want_id) != 0)
      add_problem(res, "the tree head is signed by key %.40s, but the key given is %s", key_id, want_id);
    else if (!sth_verify(pk, size, hts, root, sig))
      add_problem(res, "the tree head's signature does not verify under key %s", want_id);
    if (shape && (!merkle_root_from_inclusion(index, size, leaf_hash, (const uint8_t(*)[32])path, plen, computed) ||
                  sodium_memcmp(computed, root, 32) != 0))
      add_problem(res, "the inclusion proof does not lead from this retirement's entry (leaf %lld) to the signed root "
                       "of the tree of %lld entries",
                  (long long)index, (long long)size);
  }
  if (res->valid) {
    char when[32], serial_list[400] = "";
    size_t off = 0;
    for (size_t i = 0; i < nb && off < sizeof serial_list - 1; i++)
      off += (size_t)snprintf(serial_list + off, sizeof serial_list - off, "%s%s", i ? ", " : "", serials[i]);
    view_iso_time(hts, when);
    snprintf(res->summary, sizeof res->summary,
             "retirement %lld: %lld units retired %s for %.200s (%.100s)\n"
             "  serials %s\n"
             "  log entry %lld, included in the tree of %lld entries signed by key %s at %s",
             (long long)txid, (long long)qty, ts, beneficiary, purpose, serial_list, (long long)index, (long long)size,
             key_id, when);
  }
  free(path);
  free(text);
  free(lb);
  free(serials);
}
