#!/bin/sh
# tests/run.sh -- runs every test binary $BUILD/tests/test_* (BUILD defaults
# to "build"), one at a time, each under `timeout` (L6_TEST_TIMEOUT seconds,
# default 600), its output shown as it runs. Used by `make check`.
#
# Each binary gets L6_SRCDIR (the repository root) and L6_BIN
# ($BUILD/ledger6). The store the tests use comes from L6_STORE (unset:
# SQLite; tests/pg.sh sets it to a throwaway PostgreSQL); `make check`
# runs this script once per store (tests/check.sh). Totals come from cmocka's summary lines
#   [  PASSED  ] N test(s).
#   [  FAILED  ] N test(s), listed below:
# A binary that crashes, times out or exits non-zero without reporting a
# failure counts as one failed test. The last line is "N passed, N failed";
# the exit status is non-zero if anything failed or nothing ran.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$(pwd)/$BUILD ;;
esac
TIMEOUT=${L6_TEST_TIMEOUT:-600}

L6_SRCDIR=$ROOT
L6_BIN=$BUILD/ledger6
CMOCKA_MESSAGE_OUTPUT=STDOUT # the summary lines parsed below
# A statement outside a transaction on a service's writer store aborts
# (the writer guard, docs/DESIGN.md): in tests a service call that skips
# the writer lock fails loudly, servers the tests start included.
L6_TX_GUARD=abort
export L6_SRCDIR L6_BIN CMOCKA_MESSAGE_OUTPUT L6_TX_GUARD

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-run-XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ran=0
broken=""

# The API contract test (tests/contract/test_contract.sh) checks the replies
# the other tests got: when it is built (not in the sanitizer build), every
# binary logs its HTTP exchanges to $TMP/contract/<name>.jsonl
# (L6_CONTRACT_LOG, tests/testlib_http.c) and the contract test runs last,
# over those logs (L6_CONTRACT_LOGS), instead of running the HTTP tests a
# second time.
CONTRACT=""
if [ -x "$BUILD/tests/test_contract" ]; then
  mkdir "$TMP/contract" || exit 2
  CONTRACT=$BUILD/tests/test_contract
fi

# Binaries that never open a store (the pure core: order book, calculators,
# parsers) run once, in the SQLite pass: on PostgreSQL they would run the
# same code again (test_book alone takes about 19 s under the sanitizers).
STORELESS="test_book test_core test_calc test_levy test_nma_match test_ratelimit test_aef_check test_fuzz_replay"

for t in $(ls "$BUILD"/tests/test_* 2>/dev/null | grep -v '/test_contract$') $CONTRACT; do
  if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
  case $t in *.o | *.d) continue ;; esac
  name=$(basename "$t")
  case "${L6_STORE:-}" in
  postgres://* | postgresql://*)
    case " $STORELESS " in *" $name "*)
      # (a source that came to open a store runs here too)
      if ! grep -q -E 'tl_store|store_open|svc_open|tl_server' "$ROOT/tests/$name.c" 2>/dev/null; then
        echo "=== $name: opens no store; it ran in the SQLite pass"
        continue
      fi ;;
    esac ;;
  esac
  if [ "$t" = "$CONTRACT" ]; then
    unset L6_CONTRACT_LOG
    L6_CONTRACT_LOGS=$TMP/contract
    export L6_CONTRACT_LOGS
  elif [ -n "$CONTRACT" ]; then
    L6_CONTRACT_LOG=$TMP/contract/$name.jsonl
    export L6_CONTRACT_LOG
  fi
  ran=$((ran + 1))
  echo "=== $name"
  t0=$(date +%s)
  # The pipe hides the binary's status from the shell; keep it in a file.
  # (No stdbuf here: its LD_PRELOAD breaks ASan builds. Tests that want
  # stdout and stderr in order line-buffer stdout themselves.)
  { timeout "$TIMEOUT" "$t" </dev/null 2>&1; echo $? >"$TMP/status"; } | tee "$TMP/log"
  status=$(cat "$TMP/status")
  p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$TMP/log" | awk '{s += $1} END {print s + 0}')
  f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$TMP/log" | awk '{s += $1} END {print s + 0}')
  summaries=$(grep -c '^\[  PASSED  \] [0-9][0-9]* test(s)\.' "$TMP/log")
  why=""
  if [ "$status" -eq 124 ]; then
    why="timed out after ${TIMEOUT}s"
  elif [ "$status" -gt 128 ]; then
    why="killed by signal $((status - 128))"
  elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    why="exit status $status" # failed outside any test, e.g. a leak report
  elif [ "$summaries" -eq 0 ]; then
    why="no cmocka summary"
  fi
  if [ -n "$why" ]; then
    # The tests it did not get to are not counted; count the binary once.
    [ "$summaries" -eq 0 ] && [ "$status" -ne 0 ] && why="$why, no summary"
    echo "=== $name: $why"
    f=$((f + 1))
  fi
  echo "=== $name: $(($(date +%s) - t0)) s"
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -gt 0 ] && broken="$broken $name"
done

[ "$ran" -eq 0 ] && echo "no test binaries in $BUILD/tests"
[ -n "$broken" ] && echo "failing:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$ran" -gt 0 ] && [ $((passed + failed)) -gt 0 ]
