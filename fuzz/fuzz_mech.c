/*
 * fuzz_mech.c -- libFuzzer target for mechanism definitions
 * (config/mechanisms/NAME.json): mech_parse, with the keys of issue 20
 * (programmes, recourse, steps.*.comment_days). The property lives in
 * fuzz_checks.h (shared with the corpus replay test); see fuzz/README.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_mech(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_mech: %s\n", fail);
    abort();
  }
  return 0;
}
