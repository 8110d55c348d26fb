#!/bin/sh
# test_contract.sh -- the API contract test, installed by make as
# $BUILD/tests/test_contract so that tests/run.sh runs it like any test
# binary and counts its cmocka-style summary.
#
# Within the suite (tests/run.sh) it runs last, over the logs the other
# tests wrote (L6_CONTRACT_LOGS names their folder; every test that talks
# to a server through tests/testlib_http.c logs every request and reply:
# method, path, status, content type, body), and fails if a binary of the
# list below logged nothing. Run alone, it runs the listed HTTP test
# binaries next to it itself with L6_CONTRACT_LOG set; then tests/contract/check.mjs
# validates every logged reply against src/api/openapi.json (ajv): path
# template, method, status, content type, JSON body against the schema with
# undeclared fields refused. First check.mjs --self-test shows that the
# checker refuses made-up replies that break each rule.
#
# A binary that fails counts as one failed test (its log is partial); its
# output is shown with its cmocka summary lines indented, so that run.sh
# counts only this script's totals. Missing node or ajv is a failure, never
# a skip: `make check` installs them (make deps-test: scripts/deps.sh --test, npm ci here).
# Takes about 10 s (SQLite) on a 2-CPU machine.
set -u
ROOT=${L6_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TESTS=$(cd "$(dirname "$0")" && pwd)
HERE=$ROOT/tests/contract
SPEC=$ROOT/src/api/openapi.json
BINARIES="test_api test_a6_api test_a6_report test_cycle_api test_ets_api test_exchange_api test_nma test_web test_log test_transport test_people test_ops test_certpdf test_import test_opendata test_ldc test_link"

setup_failed() {
  echo "contract test cannot run: $1"
  echo "[  PASSED  ] 0 test(s)."
  echo "[  FAILED  ] 1 test(s), listed below:"
  echo "[  FAILED  ] contract_setup"
  exit 1
}
command -v node >/dev/null 2>&1 || setup_failed "node is missing (apt-get install -y nodejs npm, or make deps-test)"
[ -f "$HERE/node_modules/ajv/package.json" ] && [ -f "$HERE/node_modules/ajv-formats/package.json" ] ||
  setup_failed "ajv is not installed in tests/contract (make deps-test, or: cd tests/contract && npm ci)"

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-contract-XXXXXX") || setup_failed "mktemp"
trap 'rm -rf "$LOGS"' EXIT
trap 'exit 130' INT TERM

status=0
node "$HERE/check.mjs" --self-test "$SPEC" || status=1

suite_failed=""
if [ -n "${L6_CONTRACT_LOGS:-}" ]; then
  # Run by tests/run.sh after the other tests, which logged their replies
  # there: check those logs (every HTTP test's, not only the list's), and
  # that each listed binary did log replies.
  for t in $BINARIES; do
    if [ ! -s "$L6_CONTRACT_LOGS/$t.jsonl" ]; then
      suite_failed="$suite_failed $t"
      echo "contract: $t logged no replies in $L6_CONTRACT_LOGS (did it run?)"
    fi
  done
  echo "contract: checking the replies logged by $(ls "$L6_CONTRACT_LOGS" | sed 's/\.jsonl$//' | tr '\n' ' ')"
  node "$HERE/check.mjs" "$SPEC" "$L6_CONTRACT_LOGS"/*.jsonl || status=1
  BINARIES=""
fi
for t in $BINARIES; do
  if [ ! -x "$TESTS/$t" ]; then
    suite_failed="$suite_failed $t"
    echo "contract: $TESTS/$t is missing (make tests)"
    continue
  fi
  started=$(date +%s)
  L6_CONTRACT_LOG=$LOGS/$t.jsonl "$TESTS/$t" </dev/null >"$LOGS/$t.out" 2>&1
  rc=$?
  echo "contract: ran $t (exit $rc, $(($(date +%s) - started)) s, $(wc -l <"$LOGS/$t.jsonl" 2>/dev/null || echo 0) replies logged)"
  if [ "$rc" -ne 0 ]; then
    suite_failed="$suite_failed $t"
    sed 's/^/  | /' "$LOGS/$t.out" | tail -40
  fi
done

[ -z "$BINARIES" ] || node "$HERE/check.mjs" "$SPEC" "$LOGS"/*.jsonl || status=1

if [ -n "$suite_failed" ]; then
  n=$(echo $suite_failed | wc -w)
  echo "[  PASSED  ] 0 test(s)."
  echo "[  FAILED  ] $n test(s), listed below:"
  for t in $suite_failed; do echo "[  FAILED  ] contract_suite_$t (its replies are not all logged)"; done
  status=1
fi
exit $status
