#!/bin/sh
# test_browser.sh -- installed by make as $BUILD/tests/test_browser, so that
# tests/run.sh runs the browser tests (tests/browser/run.mjs) like any test
# binary and counts their cmocka-style summary. Missing node, chromium or
# playwright-core is a failure, never a skip: `make deps-test` (part of `make check`) installs them.
ROOT=${L6_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v node >/dev/null 2>&1; then
  echo "browser tests cannot run: node is missing (apt-get install -y nodejs npm, or make deps-test)"
  echo "[  PASSED  ] 0 test(s)."
  echo "[  FAILED  ] 1 test(s), listed below:"
  echo "[  FAILED  ] browser_setup"
  exit 1
fi
exec node "$ROOT/tests/browser/run.mjs"
