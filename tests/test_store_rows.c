/*
 * test_store_rows.c -- the row codec and statement table both store
 * engines share (src/store/store_rows.c, store_sql.c; issue 16, target 7):
 * decoders over a fake column reader, and the shared statements'
 * parameters in PostgreSQL's form. The engines themselves run them in
 * test_store and every other suite, on SQLite and (tests/pg.sh) PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "store/store_rows.h"
#include "store/store_sql.h"

/* A fake result row: one text per column, NULL for SQL NULL. */
typedef struct {
  const char *const *cols;
  int n;
} fake_row;
static const char *f_text(const store_row *rw, int col) {
  const fake_row *f = rw->res;
  assert_true(col >= 0 && col < f->n);
  return f->cols[col];
}
static size_t f_len(const store_row *rw, int col) {
  const char *t = f_text(rw, col);
  return t ? strlen(t) : 0;
}
static int64_t f_i64(const store_row *rw, int col) {
  const char *t = f_text(rw, col);
  return t ? strtoll(t, NULL, 10) : 0;
}
static int f_ncols(const store_row *rw) { return ((const fake_row *)rw->res)->n; }
static const store_row_ops fake_ops = {f_text, f_len, f_i64, f_ncols};
#define ROW(name, ...)                                                                             \
  const char *const name##_c[] = {__VA_ARGS__};                                                    \
  fake_row name##_f = {name##_c, (int)(sizeof name##_c / sizeof name##_c[0])};                     \
  store_row name = {&fake_ops, &name##_f, 0}

/* Table decoders fill every field by position, integers at their width,
 * NULL as "" and 0, and flags as 0/1. */
static void test_rows_tables(void **state) {
  (void)state;
  ROW(p, "DE", "Germany");
  l6_party party;
  memset(&party, 0x55, sizeof party);
  store_dec_party(&p, &party);
  assert_string_equal(party.code, "DE");
  assert_string_equal(party.name, "Germany");

  ROW(b, "7", "P-1", "VCU", NULL, "2021", "5000000000", "12", "3", "2021-01-01", "2021-12-31");
  l6_batch batch;
  memset(&batch, 0x55, sizeof batch);
  store_dec_batch(&b, &batch);
  assert_int_equal(batch.id, 7);
  assert_string_equal(batch.project, "P-1");
  assert_string_equal(batch.registry, "");
  assert_int_equal(batch.vintage, 2021);
  assert_int_equal(batch.serial_start, 5000000000LL); /* wider than an int */
  assert_int_equal(batch.quantity, 12);
  assert_string_equal(batch.production_end, "2021-12-31");

  ROW(u, "VCU", "VCS", "Verified Carbon Unit", "7");
  l6_unit_type ut;
  memset(&ut, 0x55, sizeof ut);
  store_dec_unit_type(&u, &ut);
  assert_true(ut.non_offsetting == true);
  ROW(u0, "VCU", "VCS", "Verified Carbon Unit", "0");
  store_dec_unit_type(&u0, &ut);
  assert_true(ut.non_offsetting == false);
}

/* The hand-written decoders' special cases: a block row without its
 * vintage (the neighbour probes), a transaction field too long for its
 * buffer (it must not be cut down to something that still matches its
 * log entry), a damaged hex column (zeros). */
static void test_rows_special(void **state) {
  (void)state;
  ROW(k, "4", "2", "9", "100", "199");
  l6_block blk;
  memset(&blk, 0x55, sizeof blk);
  store_dec_block(&k, &blk);
  assert_int_equal(blk.first, 100);
  assert_int_equal(blk.last, 199);
  assert_int_equal(blk.vintage, 0);

  char longactor[sizeof(((l6_tx *)0)->actor) + 8];
  memset(longactor, 'a', sizeof longactor - 1);
  longactor[sizeof longactor - 1] = '\0';
  ROW(t, "1", "transfer", "2024-01-01T00:00:00Z", longactor, "1", "2", "5", "", "", "", "0");
  l6_tx tx;
  store_dec_tx(&t, &tx);
  assert_int_equal(tx.kind, L6_TX_TRANSFER);
  assert_string_equal(tx.actor, "\x01overlong");

  ROW(h, "3", "zz", "1700000000000", "k1", "00");
  l6_log_head head;
  memset(&head, 0x55, sizeof head);
  store_dec_head(&h, &head);
  assert_int_equal(head.tree_size, 3);
  for (size_t i = 0; i < sizeof head.root; i++) assert_int_equal(head.root[i], 0);
  assert_string_equal(head.key_id, "k1");
}

/* The shared statements are written with ?n; PostgreSQL gets $n, except
 * inside quoted literals and identifiers. */
static void test_sql_pg(void **state) {
  (void)state;
  char *s = store_sql_pg("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?12) AND d = '?3' AND \"?4\" = ? AND e = 'it''s ?5' || ?6");
  assert_non_null(s);
  assert_string_equal(s, "SELECT a FROM t WHERE b = $1 AND c IN ($2, $12) AND d = '?3' AND \"?4\" = ? AND e = 'it''s ?5' || $6");
  free(s);
  /* every shared statement converts, and keeps its length */
#define XX(id, sql)                                                                                \
  do {                                                                                             \
    char *t = store_sql_pg(sql);                                                                   \
    assert_non_null(t);                                                                            \
    assert_int_equal(strlen(t), strlen(sql));                                                      \
    assert_null(strchr(t, '?'));                                                                   \
    free(t);                                                                                       \
  } while (0);
  STORE_SQL_SHARED(XX)
#undef XX
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_tables),
      cmocka_unit_test(test_rows_special),
      cmocka_unit_test(test_sql_pg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
