/*
 * fuzz_cert.c -- libFuzzer target for retirement certificates: cert_verify
 * (what `ledger6 verify certificate.json` runs on a file from anyone).
 * The property lives in fuzz_checks.h (shared with the corpus replay test);
 * see fuzz/README.md for how to build and run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *fail = fuzz_check_cert(data, size);
  if (fail != NULL) {
    fprintf(stderr, "fuzz_cert: %s\n", fail);
    abort();
  }
  return 0;
}
