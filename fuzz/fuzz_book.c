/*
 * fuzz_book.c -- libFuzzer target for the matching engine (src/core/book.c)
 * against the naive reference book (tests/testlib_refbook.c), command by
 * command. The property lives in fuzz_checks.h (shared with the corpus
 * replay test); see fuzz/README.md for how to build and run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_book(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_book: %s\n", fail);
    abort();
  }
  return 0;
}
