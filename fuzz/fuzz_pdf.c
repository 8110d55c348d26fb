/*
 * fuzz_pdf.c -- libFuzzer target for certificate PDFs: pdfattach_find (what
 * `ledger6 verify certificate.pdf` runs on a file from anyone) and the
 * round trip of pdfattach_add.
 * The property lives in fuzz_checks.h (shared with the corpus replay test);
 * see fuzz/README.md for how to build and run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_pdf(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_pdf: %s\n", fail);
    abort();
  }
  return 0;
}
