/*
 * fuzz_csv.c -- libFuzzer target for the importer's CSV reader and export mapping.
 * The property lives in fuzz_checks.h (shared with the corpus replay test);
 * see fuzz/README.md for how to build and run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_csv(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_csv: %s\n", fail);
    abort();
  }
  return 0;
}
