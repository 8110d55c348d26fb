/*
 * store_rows.h -- the row codec both store engines share (issue 16,
 * target 7): every row decoder is written once, against a small column
 * reader (store_row) that each engine implements over its own result
 * (a stepped sqlite3_stmt, a PGresult row). Not part of the store
 * interface. A decoder reads its columns by position, so every SELECT
 * whose rows it decodes lists them in the same order in both engines
 * (store_sql.h has the statements both engines share).
 */
#ifndef L6_STORE_ROWS_H
#define L6_STORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

typedef struct store_row store_row;

/* An engine's column reader. text is NULL for SQL NULL; len is the
 * length in bytes of the text form; i64 is 0 for NULL. */
typedef struct {
  const char *(*text)(const store_row *rw, int col);
  size_t (*len)(const store_row *rw, int col);
  int64_t (*i64)(const store_row *rw, int col);
  int (*ncols)(const store_row *rw);
} store_row_ops;

/* One row of a result: the engine's reader, its result and row number. */
struct store_row {
  const store_row_ops *ops;
  const void *res;
  int row;
};

/* Column readers for decoders (store_rows.c). */
int64_t row_i64(const store_row *rw, int col);
int row_int(const store_row *rw, int col);
int row_ncols(const store_row *rw);
/* The text of col into dst ("" for NULL), cut to cap - 1 bytes. */
void row_text(const store_row *rw, int col, char *dst, size_t cap);
/* row_text for the transaction fields the transparency log hashes: a
 * value too long for dst (ledger6 never writes one, so the row was edited
 * behind its back) must not be cut down to something that still matches
 * its log entry; it reads as a marker starting with a control character,
 * which no valid text contains. */
void row_text_whole(const store_row *rw, int col, char *dst, size_t cap);
/* Binary columns are stored as lowercase hex text. A value that is not
 * exactly n bytes of hex (a damaged row) decodes as zeros, which no real
 * hash, key or signature equals, so verification reports it. */
void row_hex(const store_row *rw, int col, uint8_t *out, size_t n);

/* Every shared decoder: store_dec_<name>(row, out) fills the record out
 * points to (l6_<name> or the record named in store_rows.c). An engine
 * wraps each for its runners with STORE_ROW_DECODERS(its adapter macro). */
#define STORE_ROW_DECODERS(X) \
  X(party) \
  X(registry) \
  X(org) \
  X(account) \
  X(programme) \
  X(unit_type) \
  X(project) \
  X(batch) \
  X(block) \
  X(tx) \
  X(line) \
  X(token) \
  X(user) \
  X(notice) \
  X(activity) \
  X(period) \
  X(step) \
  X(ex_instrument) \
  X(ex_cash) \
  X(ex_journal) \
  X(ex_order) \
  X(ex_trade) \
  X(crit) \
  X(batch_label) \
  X(a6_ndc) \
  X(a6_year) \
  X(a6_auth) \
  X(a6_itmo) \
  X(a6_action) \
  X(proposal) \
  X(trusted) \
  X(ets_rec) \
  X(link) \
  X(approach) \
  X(ets_hist) \
  X(a6_ver) \
  X(nma) \
  X(mrec) \
  X(arec) \
  X(leaf) \
  X(head) \
  X(key) \
  X(origin) \
  X(unplaced) \
  X(tx_terms) \
  X(stat) \
  X(session) \
  X(policy) \
  X(oproj) \
  X(operiod) \
  X(total) \
  X(flag)

#define X(name) void store_dec_##name(const store_row *rw, void *o);
STORE_ROW_DECODERS(X)
#undef X

#endif
