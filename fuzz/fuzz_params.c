/*
 * fuzz_params.c -- libFuzzer target for methodology parameter files
 * (calc_params_parse, issue 20). The property lives in fuzz_checks.h
 * (shared with the corpus replay test); see fuzz/README.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_params(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_params: %s\n", fail);
    abort();
  }
  return 0;
}
