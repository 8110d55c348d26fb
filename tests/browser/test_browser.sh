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
# The pages' server always runs on a fresh SQLite store of its own: in the
# PostgreSQL pass of `make check` (tests/pg.sh sets L6_STORE) the tests would
# be the SQLite pass's again, so they run once per build, in the SQLite pass.
# L6_BROWSER=skip skips them too: CI's sanitizer pass sets it (.ci/run), since
# what they check is the pages and the app, which the release pass already
# ran against the same server code.
if [ "${L6_BROWSER:-}" = skip ]; then
  echo "browser tests: skipped (L6_BROWSER=skip)"
  echo "[  PASSED  ] 0 test(s)."
  exit 0
fi
if [ -n "${L6_STORE:-}" ]; then
  echo "browser tests: run in the SQLite pass only (their server uses a SQLite store of its own)"
  echo "[  PASSED  ] 0 test(s)."
  exit 0
fi
exec node "$ROOT/tests/browser/run.mjs"
