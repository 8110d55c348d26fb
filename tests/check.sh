#!/bin/sh
# tests/check.sh -- the test suite on both stores; `make check` runs it.
#
#   1. SQLite: sh tests/run.sh with L6_STORE unset (temporary files, and
#      in-memory stores where a test allows it).
#   2. PostgreSQL: the same binaries under sh tests/pg.sh, which starts a
#      throwaway cluster and sets L6_STORE; each test makes its own
#      database there. Runs when a PostgreSQL server is installed; when
#      none is, prints "skipped" and passes, unless L6_PG=require (CI),
#      which makes a missing server a failure. L6_PG=skip skips it.
#
# On PostgreSQL test_model runs L6_PG_MODEL_OPS operations (default 20000,
# instead of 100,000 on SQLite): every call there is tens of round trips to
# the server, and its periodic full check one query per batch, so 100,000
# operations take about 8 minutes and 20,000 one to two (every outcome the
# model predicts still occurs, the rarest about fifteen times); a longer run is
# `L6_MODEL_OPS=100000 sh tests/pg.sh sh tests/run.sh`.
#
# L6_CHECK_PARALLEL=1 (CI sets it) runs the two stores' passes at the same
# time, one per CPU of a 2-CPU machine: the PostgreSQL pass's output goes to
# a file, shown whole after the SQLite pass ends (every test makes its own
# temporary folder, store and loopback ports, so the passes share nothing).
#
# BUILD names the build folder (default build). Ends with one line per
# store and "check: N passed, N failed"; the exit status is non-zero if
# anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
export BUILD
LOG=$(mktemp "${TMPDIR:-/tmp}/ledger6-check-XXXXXX") || exit 2
trap 'rm -f "$LOG" "$LOG.out" "$LOG.rc"' EXIT
trap 'exit 130' INT TERM

status=0
summary=""

# Runs tests/run.sh (through $@ as a prefix) and records its last line.
suite() {
  name=$1
  shift
  start=$(date +%s)
  # The pipe hides the status from the shell; keep it in a file.
  { "$@" sh tests/run.sh 2>&1; echo $? >"$LOG.rc"; } | tee "$LOG.out"
  rc=$(cat "$LOG.rc")
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOG.out" | tail -n 1)
  rm -f "$LOG.out" "$LOG.rc"
  if [ "$rc" -eq 77 ] && [ -z "$last" ]; then
    return 77
  fi
  [ -n "$last" ] || last="no summary (exit status $rc)"
  summary="$summary$name: $last ($(($(date +%s) - start)) s)
"
  [ "$rc" -eq 0 ] || status=1
  return 0
}

# The PostgreSQL pass, in the background when L6_CHECK_PARALLEL=1: its
# output, status and summary line go to files read back after the SQLite pass.
PG_BG=""
pg_pass() {
  suite PostgreSQL env L6_MODEL_OPS="${L6_PG_MODEL_OPS:-20000}" sh tests/pg.sh
  pg_rc=$?
}
if [ "${L6_CHECK_PARALLEL:-0}" = 1 ] && [ "${L6_PG:-auto}" != skip ]; then
  PG_BG=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-checkpg-XXXXXX") || exit 2
  trap 'rm -f "$LOG" "$LOG.out" "$LOG.rc"; rm -rf "$PG_BG"' EXIT
  echo "######## store: PostgreSQL, in the background (shown after the SQLite pass)"
  (
    LOG=$PG_BG/log
    summary=""
    status=0
    pg_pass >"$PG_BG/output" 2>&1
    printf '%s' "$summary" >"$PG_BG/summary"
    echo "$pg_rc $status" >"$PG_BG/rc"
  ) &
  PG_PID=$!
fi

echo "######## store: SQLite"
suite SQLite env -u L6_STORE

case ${L6_PG:-auto} in
skip)
  summary="${summary}PostgreSQL: skipped (L6_PG=skip)
"
  ;;
*)
  echo "######## store: PostgreSQL"
  if [ -n "$PG_BG" ]; then
    wait "$PG_PID"
    cat "$PG_BG/output"
    read -r pg_rc pg_status <"$PG_BG/rc" || { pg_rc=1; pg_status=1; }
    summary="$summary$(cat "$PG_BG/summary")
"
    [ "$pg_status" -eq 0 ] || status=1
  else
    pg_pass
  fi
  if [ "$pg_rc" -eq 77 ]; then
    if [ "${L6_PG:-auto}" = require ]; then
      summary="${summary}PostgreSQL: no server installed, and L6_PG=require
"
      status=1
    else
      summary="${summary}PostgreSQL: skipped (no PostgreSQL server installed; sh scripts/deps.sh --pg)
"
    fi
  fi
  ;;
esac

printf '%s' "$summary"
total_p=$(printf '%s' "$summary" | sed -n 's/^[A-Za-z]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' | awk '{s += $1} END {print s + 0}')
total_f=$(printf '%s' "$summary" | sed -n 's/^[A-Za-z]*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' | awk '{s += $1} END {print s + 0}')
echo "check: $total_p passed, $total_f failed"
exit $status
