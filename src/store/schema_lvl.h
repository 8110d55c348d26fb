/*
 * schema_lvl.h -- the length class of a history line (tx_lines.lvl), shared
 * by both engines' migrations (schema.h, schema_pg.h) and stores.
 *
 * A serial's history is every line of its batch with first <= s <= last.
 * Lines overlap (the issuance line covers the whole batch, and a serial
 * moves again and again), so no ordering of (first) alone can stop a scan
 * early: `first <= s AND last >= s` on an index of (batch, first) reads
 * every line of the batch below s. Lines are therefore sorted into length
 * classes: lvl = floor(log2(last - first + 1)), so a line of class k is
 * 2^k to 2^(k+1) - 1 serials long. A line of class k covering s starts in
 * (s - 2^(k+1), s], so the lookup seeks the index (batch, lvl, first, last)
 * once per class and reads only the lines starting in that window: those
 * starting in (s - 2^k, s] all cover s, and those starting earlier that do
 * not all cover s - 2^k (each is at least 2^k long), so the extra reads per
 * class are bounded by how often the one serial s - 2^k moved, never by
 * the size of the batch. A lookup is at most L6_LVL_MAX + 1 index seeks
 * plus the lines it returns: O(log n) in the batch's history.
 *
 * Lines are at most L6_MAX_QUANTITY (10^12 < 2^40) serials long; classes
 * go up to 61 so that 2 << lvl never overflows a 64-bit integer.
 */
#ifndef L6_SCHEMA_LVL_H
#define L6_SCHEMA_LVL_H

#include <stdint.h>

#define L6_LVL_MAX 61

/* lvl of the row's (first, last), as an SQL expression both engines take. */
#define L6_LVL_SQL \
    "CASE " "WHEN last - first >= 2305843009213693951 THEN 61 " \
    "WHEN last - first >= 1152921504606846975 THEN 60 " "WHEN last - first >= 576460752303423487 THEN 59 " \
    "WHEN last - first >= 288230376151711743 THEN 58 " "WHEN last - first >= 144115188075855871 THEN 57 " \
    "WHEN last - first >= 72057594037927935 THEN 56 " "WHEN last - first >= 36028797018963967 THEN 55 " \
    "WHEN last - first >= 18014398509481983 THEN 54 " "WHEN last - first >= 9007199254740991 THEN 53 " \
    "WHEN last - first >= 4503599627370495 THEN 52 " "WHEN last - first >= 2251799813685247 THEN 51 " \
    "WHEN last - first >= 1125899906842623 THEN 50 " "WHEN last - first >= 562949953421311 THEN 49 " \
    "WHEN last - first >= 281474976710655 THEN 48 " "WHEN last - first >= 140737488355327 THEN 47 " \
    "WHEN last - first >= 70368744177663 THEN 46 " "WHEN last - first >= 35184372088831 THEN 45 " \
    "WHEN last - first >= 17592186044415 THEN 44 " "WHEN last - first >= 8796093022207 THEN 43 " \
    "WHEN last - first >= 4398046511103 THEN 42 " "WHEN last - first >= 2199023255551 THEN 41 " \
    "WHEN last - first >= 1099511627775 THEN 40 " "WHEN last - first >= 549755813887 THEN 39 " \
    "WHEN last - first >= 274877906943 THEN 38 " "WHEN last - first >= 137438953471 THEN 37 " \
    "WHEN last - first >= 68719476735 THEN 36 " "WHEN last - first >= 34359738367 THEN 35 " \
    "WHEN last - first >= 17179869183 THEN 34 " "WHEN last - first >= 8589934591 THEN 33 " \
    "WHEN last - first >= 4294967295 THEN 32 " "WHEN last - first >= 2147483647 THEN 31 " \
    "WHEN last - first >= 1073741823 THEN 30 " "WHEN last - first >= 536870911 THEN 29 " \
    "WHEN last - first >= 268435455 THEN 28 " "WHEN last - first >= 134217727 THEN 27 " \
    "WHEN last - first >= 67108863 THEN 26 " "WHEN last - first >= 33554431 THEN 25 " \
    "WHEN last - first >= 16777215 THEN 24 " "WHEN last - first >= 8388607 THEN 23 " \
    "WHEN last - first >= 4194303 THEN 22 " "WHEN last - first >= 2097151 THEN 21 " \
    "WHEN last - first >= 1048575 THEN 20 " "WHEN last - first >= 524287 THEN 19 " \
    "WHEN last - first >= 262143 THEN 18 " "WHEN last - first >= 131071 THEN 17 " \
    "WHEN last - first >= 65535 THEN 16 " "WHEN last - first >= 32767 THEN 15 " \
    "WHEN last - first >= 16383 THEN 14 " "WHEN last - first >= 8191 THEN 13 " \
    "WHEN last - first >= 4095 THEN 12 " "WHEN last - first >= 2047 THEN 11 " \
    "WHEN last - first >= 1023 THEN 10 " "WHEN last - first >= 511 THEN 9 " "WHEN last - first >= 255 THEN 8 " \
    "WHEN last - first >= 127 THEN 7 " "WHEN last - first >= 63 THEN 6 " "WHEN last - first >= 31 THEN 5 " \
    "WHEN last - first >= 15 THEN 4 " "WHEN last - first >= 7 THEN 3 " "WHEN last - first >= 3 THEN 2 " \
    "WHEN last - first >= 1 THEN 1 " "ELSE 0 END"

/* The same in C. */
static inline int l6_line_lvl(int64_t first, int64_t last) {
  uint64_t len = (uint64_t)(last - first) + 1;
  int k = 63 - __builtin_clzll(len);
  return k > L6_LVL_MAX ? L6_LVL_MAX : k;
}

/* The serial-history query, the same text for both engines but the
 * parameter markers: one index range per length class, joined from a
 * counter k = 0, 1, ... that stops at L6_LVL_MAX or at the longest class
 * the batch can hold (no line is longer than its batch: 2^(k+1) > quantity
 * means no line has class k + 1), whichever comes first. */
#define L6_LINE_HIST_SQL(B, S)                                                                   \
  "WITH RECURSIVE lv(k) AS (VALUES(0) UNION ALL SELECT k + 1 FROM lv WHERE k < 61"              \
  " AND (CAST(2 AS BIGINT) << k) <= (SELECT quantity FROM batches WHERE id = " B "))"           \
  " SELECT l.tx, l.batch, l.first, l.last, l.from_account, l.to_account FROM lv CROSS JOIN tx_lines l" \
  " WHERE l.batch = " B " AND l.lvl = lv.k AND l.first <= " S " AND l.first > " S " - (CAST(2 AS BIGINT) << lv.k)" \
  " AND l.last >= " S " ORDER BY l.tx"

/* PostgreSQL's planner may join the counter to the whole batch's lines
 * (a hash join over an index range on batch alone: the old O(n)); LATERAL
 * makes it one parameterised index scan per class. SQLite has no LATERAL,
 * and its CROSS JOIN already fixes the loop order. OFFSET 0 keeps the
 * planner from pulling the subquery up into a plain join again. */
#define L6_LINE_HIST_SQL_PG(B, S)                                                                \
  "WITH RECURSIVE lv(k) AS (VALUES(0) UNION ALL SELECT k + 1 FROM lv WHERE k < 61"              \
  " AND (CAST(2 AS BIGINT) << k) <= (SELECT quantity FROM batches WHERE id = " B "))"           \
  " SELECT l.tx, l.batch, l.first, l.last, l.from_account, l.to_account FROM lv CROSS JOIN LATERAL" \
  " (SELECT tx, batch, first, last, from_account, to_account FROM tx_lines WHERE batch = " B       \
  " AND lvl = lv.k AND first <= " S " AND first > " S " - (CAST(2 AS BIGINT) << lv.k)"           \
  " AND last >= " S " OFFSET 0) l ORDER BY l.tx"

#endif
