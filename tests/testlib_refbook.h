/*
 * testlib_refbook.h -- a naive reference order book with the semantics of
 * src/core/book.h: a flat array of resting orders, linear scans, no
 * cleverness, so it is obviously right. The tests (test_book.c) and the
 * fuzzer (fuzz/fuzz_book.c) compare the engine with it fill by fill.
 */
#ifndef L6_TESTLIB_REFBOOK_H
#define L6_TESTLIB_REFBOOK_H

#include "core/book.h"

typedef struct {
  size_t max_orders, max_levels;
  l6_order *o; /* resting orders, in no particular order */
  size_t n;
  uint64_t last_seq;
} rb_book;

void rb_init(rb_book *b, size_t max_orders, size_t max_levels);
void rb_free(rb_book *b);
l6_book_rc rb_submit(rb_book *b, const l6_order *o, l6_fill_fn fill, void *ctx,
                     l6_submit_result *res);
l6_book_rc rb_cancel(rb_book *b, uint64_t id, int64_t *left);
l6_book_rc rb_replace(rb_book *b, uint64_t id, int64_t new_price, int64_t new_qty,
                      uint64_t new_seq, l6_fill_fn fill, void *ctx, l6_submit_result *res);
l6_book_rc rb_restore(rb_book *b, const l6_order *o);
/* The resting orders in l6_book_each order (bids then asks, best price,
 * then seq) into out (room for b->n); returns how many. */
size_t rb_sorted(const rb_book *b, l6_order *out);

#endif
