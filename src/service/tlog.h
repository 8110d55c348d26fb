/*
 * tlog.h -- the transparency log kept in a store (docs/TRANSPARENCY.md):
 * one leaf per committed registry transaction, appended by the service in
 * the same store transaction as the change it records; roots, proofs and
 * signed tree heads assembled from the stored subtree hashes in O(log n)
 * reads; and the check of a whole store against its log.
 *
 * Every function works inside the caller's open store transaction (the
 * svc_* functions open one) and uses only l6_store_ops, so it runs on any
 * store engine. Errors follow store.h; a damaged log (a node the tree
 * needs is missing) is INTERNAL with a message saying so.
 */
#ifndef L6_TLOG_H
#define L6_TLOG_H

#include "../core/logentry.h"
#include "../store/store.h"

/* The key that signs new tree heads. */
typedef struct {
  char id[STH_KEY_ID_LEN + 1];
  uint8_t sk[STH_SECRET_KEY_BYTES]; /* libsodium's Ed25519 secret key (seed || public key) */
} tlog_signer;

/* One block of an entry, with what its serial string is made of. */
typedef struct {
  l6_id batch;
  int64_t first, last;
  l6_id from_account, to_account;
  char unit_type[L6_CODE_MAX + 1];
  char host[4];
  char project[L6_CODE_MAX + 1];
  int vintage;
  char serial[L6_SERIAL_MAX + 1]; /* block form */
} tlog_block;

/* The log entry of a stored transaction, and the pieces it was built of. */
typedef struct {
  l6_tx tx;
  tlog_block *blocks;       /* malloc'd, nblocks of them, in tx_lines order */
  size_t nblocks;
  uint8_t commitment[32];   /* of the private fields, with the leaf's salt */
  char *text;               /* the canonical entry, malloc'd, NUL-terminated */
  size_t len;               /* its length in bytes */
  uint8_t leaf_hash[32];    /* merkle_leaf_hash(text, len) */
} tlog_entry;

/* Builds the entry of stored transaction tx with salt: reads the
 * transaction, its lines, their batches and projects. Fills *out (release
 * with tlog_entry_free, also after an error). */
l6_err tlog_entry_build(l6_store *st, l6_id tx, const uint8_t salt[LOGENTRY_SALT_BYTES], tlog_entry *out,
                        l6_error *err);
void tlog_entry_free(tlog_entry *e);

/* Appends the leaf of stored transaction tx with a fresh random salt;
 * *index (when not NULL) receives its leaf index. */
l6_err tlog_append_tx(l6_store *st, l6_id tx, int64_t *index, l6_error *err);

/* The entry tlog_entry_build would read back for transaction *tx (stored,
 * tx->id set), built from what its writer holds: its lines lines[0..n), all
 * of batch *b, whose project is hosted in host. No store read: for writers
 * of many transactions (the importer, svc_import_row) that already hold
 * every piece. The caller vouches that the pieces are the stored ones;
 * tlog_verify_store rebuilds the entry from the rows and would name any
 * difference. */
l6_err tlog_entry_known(const l6_tx *tx, const l6_tx_line *lines, size_t n, const l6_batch *b, const char *host,
                        const uint8_t salt[LOGENTRY_SALT_BYTES], tlog_entry *out, l6_error *err);

/* tlog_append_tx with the entry from tlog_entry_known. recheck (a
 * service's check level 2, as the tests run): the entry is also rebuilt
 * from the store and must be the same text, else INTERNAL. */
l6_err tlog_append_known(l6_store *st, const l6_tx *tx, const l6_tx_line *lines, size_t n, const l6_batch *b,
                         const char *host, bool recheck, l6_error *err);

/* Appends a leaf whose hash is known: reads log_size and the O(log n)
 * left siblings, writes the leaf and at most log2(n) + 1 nodes. */
l6_err tlog_append_leaf(l6_store *st, l6_id tx, const uint8_t salt[LOGENTRY_SALT_BYTES], const uint8_t leaf[32],
                        int64_t *index, l6_error *err);

/* Letter leaves (schema 28; docs/TRANSPARENCY.md "Letter leaves"): the
 * entry (core/logentry.h logentry_letter_encode) of letter leaf l into buf
 * and its leaf hash; returns its length. */
#define TLOG_LETTER_ENTRY_MAX 512
size_t tlog_letter_entry(const l6_log_leaf *l, char buf[TLOG_LETTER_ENTRY_MAX], uint8_t hash[32]);
/* Appends the letter leaf of version `version` of authorization auth, its
 * letter's SHA-256 (hex) and the time that version was made. */
l6_err tlog_append_letter(l6_store *st, l6_id auth, int version, const char *sha256, const char *ts, int64_t *index,
                          l6_error *err);
/* The transaction of the last transaction leaf among the first size
 * leaves (letter leaves skipped; 0 when none). */
l6_err tlog_last_tx(l6_store *st, int64_t size, l6_id *tx, l6_error *err);

/* Root of the first size leaves (size <= log size). */
l6_err tlog_root(l6_store *st, int64_t size, uint8_t out[32], l6_error *err);
/* Inclusion proof of leaf index in the tree of size leaves. */
l6_err tlog_inclusion(l6_store *st, int64_t index, int64_t size, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *len,
                      l6_error *err);
/* Consistency proof between tree sizes first and second. */
l6_err tlog_consistency(l6_store *st, int64_t first, int64_t second, uint8_t proof[MERKLE_MAX_PROOF][32], size_t *len,
                        l6_error *err);

/* The latest signed tree head. When the log has grown past it (or there
 * is none), signs a new one for the whole log with signer, timestamped
 * now_ms (never earlier than the previous head), stores it and sets
 * *fresh. Without a signer that is INTERNAL ("no signing key"). */
l6_err tlog_head(l6_store *st, const tlog_signer *signer, int64_t now_ms, l6_log_head *out, bool *fresh,
                 l6_error *err);

/* Gives a store whose transactions predate the log (migration 2) its
 * leaves, in transaction order. Does nothing unless the store never had a
 * log -- no leaf, no key, no tree head -- so rows added or a log wiped
 * behind the registry's back are never given leaves later. *added (may be
 * NULL) counts the leaves. */
l6_err tlog_backfill(l6_store *st, int64_t *added, l6_error *err);

/* Appends, in transaction order, the leaves of every transaction newer
 * than the last leaf's. For use cases that write several transactions
 * (the project cycle's issue step with its levies, splits and forwards):
 * call it after the last one, inside the same store transaction. */
l6_err tlog_append_new(l6_store *st, l6_error *err);

/* What tlog_verify_store found. */
typedef struct {
  bool ok;                  /* everything matches */
  char problem[512];        /* when !ok: the first mismatch, in one sentence */
  int64_t leaf;             /* its leaf index, or -1 */
  l6_id tx;                 /* its transaction, or 0 */
  int64_t transactions, leaves, nodes, heads, keys; /* what was checked */
  int64_t latest_head;      /* size of the largest tree head, -1 when none */
  bool pinned;              /* head keys were checked against pins */
  int64_t letters;          /* letters of authorization whose hash was checked (svc_verify_store) */
  int64_t letter_leaves;    /* letter leaves checked (schema 28) */
} tlog_report;

/*
 * Checks a store against its log: walks the transactions (by id) and the
 * leaves (by index) together -- every transaction has exactly one leaf,
 * in order, none missing; rebuilds every entry from the transaction rows
 * and compares its hash with the stored leaf; recomputes every subtree
 * node and compares it with the stored one; recomputes the root of every
 * stored tree head and checks its signature under its key id. pins (npins
 * public keys; may be 0) are trusted keys: when given, every head must be
 * signed by one of them, else the store's own key table is trusted.
 * Returns a store error, or OK with *rep saying whether it all matched
 * and, if not, naming the first entry that does not. O(n log n) reads.
 */
l6_err tlog_verify_store(l6_store *st, const uint8_t (*pins)[STH_PUBLIC_KEY_BYTES], size_t npins, tlog_report *rep,
                         l6_error *err);

#endif
