/*
 * fuzz_reading.c -- libFuzzer target for signed monitoring readings (the
 * body of POST /v1/activities/{id}/periods/{n}/data: svc_reading_parse and
 * svc_reading_verify, issue 20). The property lives in fuzz_checks.h
 * (shared with the corpus replay test); see fuzz/README.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_reading(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_reading: %s\n", fail);
    abort();
  }
  return 0;
}
