#!/bin/sh
# bench/run.sh -- runs the benchmarks that `make bench` built, on SQLite and,
# when a PostgreSQL server is installed, on PostgreSQL, and prints a table
# of their figures side by side (docs/PERFORMANCE.md says what they
# measure). Builds nothing.
#
#   sh bench/run.sh [--quick]       both stores (--quick: small counts, a smoke test)
#   L6_BENCH_STORES=sqlite sh bench/run.sh      one store only (sqlite or pg)
#
# PostgreSQL runs on a throwaway cluster (tests/pg.sh with L6_PG_DURABLE=1:
# fsync, synchronous_commit and full_page_writes on, as in production,
# other settings at their defaults) whose data folder is under $TMPDIR,
# like the SQLite stores, so both write to the same disk. BUILD names the
# build folder (default "build"); TMPDIR chooses where the stores go (it
# should be on the disk being measured, not a tmpfs).
#
# Internal: sh bench/run.sh --set NAME SPEC [--quick] runs both programs on
# one store and prints their output with "RESULT NAME key value" lines.
#
# `--pages` runs only the public pages' timing (issue 21): bench_pages_store
# fills a SQLite store with 100,000 projects and 10^6 blocks under TMPDIR
# (about 4 minutes; L6_PAGES_PROJECTS=N for another size, L6_PAGES_DB=PATH
# to reuse a store made before), then tests/browser/pages_scale.mjs loads
# every public page in each language against `ledger6 serve` on it and
# fails when one takes 1 s or more (docs/PERFORMANCE.md).
#
# `--log` also runs bench_log on SQLite (transparency log appends up to 10^7
# leaves: about 80 s more and 3.5 GB of temporary store; with --quick, 10^5).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
export BUILD

LOG=0
PAGES=0
ARGS=""
for a in "$@"; do
  case $a in
  --log) LOG=1 ;;
  --pages) PAGES=1 ;;
  *) ARGS="$ARGS $a" ;;
  esac
done
set -- $ARGS

if [ "${1:-}" = "--set" ]; then
  name=$2
  spec=$3
  shift 3
  status=0
  for b in bench_transfer bench_http bench_exchange; do
    start=$(date +%s)
    out=$("$BUILD/bench/$b" --store "$spec" "$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v '^RESULT '
    echo "  ($b on $name: $(($(date +%s) - start)) s, exit status $rc)"
    echo
    printf '%s\n' "$out" | sed -n "s/^RESULT /RESULT $name /p"
    [ "$rc" -eq 0 ] || status=1
  done
  exit $status
fi

if [ "$PAGES" = 1 ]; then
  echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  db=${L6_PAGES_DB:-}
  dir=""
  if [ -z "$db" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-pages-XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
    db=$dir/pages.db
    "$BUILD/ledger6" init --db "$db" --config config >/dev/null || exit 1
    "$BUILD/bench/bench_pages_store" --db "$db" --config config --projects "${L6_PAGES_PROJECTS:-100000}" || exit 1
  fi
  L6_SCALE_DB=$db L6_SRCDIR=$ROOT L6_BIN=$ROOT/$BUILD/ledger6 BUILD=$BUILD node tests/browser/pages_scale.mjs
  rc=$?
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit $rc
fi

BENCHES="bench_transfer bench_http bench_exchange"
[ "$LOG" = 1 ] && BENCHES="$BENCHES bench_log"
for b in $BENCHES; do
  if [ ! -x "$BUILD/bench/$b" ]; then
    echo "bench/run.sh: $BUILD/bench/$b is missing; run make bench" >&2
    exit 2
  fi
done
if [ ! -x "$BUILD/ledger6" ]; then
  echo "bench/run.sh: $BUILD/ledger6 is missing; run make bench" >&2
  exit 2
fi

OUT=$(mktemp "${TMPDIR:-/tmp}/ledger6-bench-out-XXXXXX") || exit 2
trap 'rm -f "$OUT" "$OUT.1"' EXIT
trap 'exit 130' INT TERM

echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)," \
  "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
echo "store folder: ${TMPDIR:-/tmp} ($(df -T "${TMPDIR:-/tmp}" 2>/dev/null | awk 'NR == 2 {print $2}'))"
echo

status=0
# The order book (bench_book): in memory, no store, so it runs once.
if [ -x "$BUILD/bench/bench_book" ]; then
  echo "######## order book (in memory, bench_book)"
  "$BUILD/bench/bench_book" "$@" | grep -v '^RESULT ' || status=1
  echo
fi
# Importing registry exports (bench_import): always a fresh SQLite file, so it runs once.
if [ -x "$BUILD/bench/bench_import" ]; then
  echo "######## import of registry exports (SQLite, bench_import)"
  L6_SRCDIR="$ROOT" "$BUILD/bench/bench_import" "$@" | grep -v '^RESULT ' || status=1
fi
# Serial history lookups at 10^6 history lines in one batch (bench_history,
# issue 16): a file SQLite store of its own; about 1 to 2 minutes to fill.
if [ -x "$BUILD/bench/bench_history" ]; then
  echo "######## serial history (SQLite, bench_history)"
  "$BUILD/bench/bench_history" "$@" | grep -v '^RESULT ' || status=1
  echo
fi
# Transfers across a link between two registries, directly and through the
# hub (bench_link, issue 19): three servers on SQLite stores of their own;
# about 20 s (--quick: about 6 s).
if [ -x "$BUILD/bench/bench_link" ]; then
  echo "######## transfers across a link (SQLite, bench_link)"
  "$BUILD/bench/bench_link" "$@" | grep -v '^RESULT ' || status=1
  echo
fi
stores=${L6_BENCH_STORES:-sqlite pg}
for s in $stores; do
  case $s in
  sqlite)
    echo "######## SQLite $(sqlite3 --version 2>/dev/null | awk '{print $1}')"
    sh bench/run.sh --set sqlite sqlite "$@" >"$OUT.1" 2>&1
    ;;
  pg)
    echo "######## PostgreSQL"
    L6_PG_DURABLE=1 sh tests/pg.sh sh -c 'sh bench/run.sh --set pg "$L6_STORE" "$@"' sh "$@" >"$OUT.1" 2>&1
    ;;
  *)
    echo "bench/run.sh: unknown store $s" >&2
    exit 2
    ;;
  esac
  rc=$?
  if [ "$s" = pg ] && [ "$rc" -eq 77 ]; then
    echo "no PostgreSQL server installed: skipped (sh scripts/deps.sh --pg)"
    echo
    continue
  fi
  grep -v '^RESULT ' "$OUT.1"
  grep '^RESULT ' "$OUT.1" >>"$OUT"
  [ "$rc" -eq 0 ] || status=1
done

if [ "$LOG" = 1 ]; then
  echo "######## transparency log appends (SQLite)"
  start=$(date +%s)
  "$BUILD/bench/bench_log" "$@" >"$OUT.1" 2>&1
  rc=$?
  grep -v '^RESULT ' "$OUT.1"
  echo "  (bench_log: $(($(date +%s) - start)) s, exit status $rc)"
  echo
  sed -n 's/^RESULT /RESULT sqlite /p' "$OUT.1" >>"$OUT"
  [ "$rc" -eq 0 ] || status=1
fi

awk '
  $1 == "RESULT" { r[$2, $3] = $4; seen[$2] = 1 }
  function v(s, k) { return (s, k) in r ? r[s, k] : "-" }
  function cell(s, what) {
    if (!(s in seen)) return "-"
    return what
  }
  function row(what, a, b) { printf "| %-50s | %-36s | %-36s |\n", what, a, b }
  function both(what, fmt_s, fmt_p) { row(what, cell("sqlite", fmt_s), cell("pg", fmt_p)) }
  function http(s, p) {
    return v(s, p "_per_s") " req/s, p50 " v(s, p "_p50_ms") " ms, p99 " v(s, p "_p99_ms") " ms"
  }
  END {
    s = "sqlite"; p = "pg"
    k = ("sqlite" in seen) ? s : p
    row("benchmark", "SQLite", "PostgreSQL")
    printf "|%s|%s|%s|\n", "----------------------------------------------------", "--------------------------------------", "--------------------------------------"
    both("in-process, batch 1, first " v(k, "b1_count") " transfers", v(s, "b1_per_s") " transfers/s", v(p, "b1_per_s") " transfers/s")
    both("in-process, batch 100, same " v(k, "b100_count") " transfers", v(s, "b100_per_s") " transfers/s", v(p, "b100_per_s") " transfers/s")
    both("batch 100 / batch 1", v(s, "b100_over_b1") "x", v(p, "b100_over_b1") "x")
    both("flatness, batch 100: first " v(k, "window"), v(s, "b100_early_per_s") "/s (" v(s, "moved_early") " blocks each)", \
         v(p, "b100_early_per_s") "/s (" v(p, "moved_early") " blocks each)")
    both("flatness, batch 100: " v(k, "window") " after " v(k, "history"), v(s, "b100_late_per_s") "/s (" v(s, "moved_late") " blocks each)", \
         v(p, "b100_late_per_s") "/s (" v(p, "moved_late") " blocks each)")
    both("late / early, batch 100", v(s, "b100_late_over_early"), v(p, "b100_late_over_early"))
    both("flatness, batch 1: first / late", v(s, "b1_early_per_s") " / " v(s, "b1_late_per_s") "/s (" v(s, "b1_late_over_early") ")", \
         v(p, "b1_early_per_s") " / " v(p, "b1_late_per_s") "/s (" v(p, "b1_late_over_early") ")")
    both("HTTP, 1 client, " v(k, "http1_count") " requests", http(s, "http1"), http(p, "http1"))
    both("HTTP, " v(k, "http_clients") " clients, " v(k, "http_count") " requests", http(s, "http"), http(p, "http"))
    both("HTTP non-201 answers", v(s, "http1_not201") + v(s, "http_not201"), v(p, "http1_not201") + v(p, "http_not201"))
    both("ledger6 check after the HTTP run", v(s, "http_check"), v(p, "http_check"))
    both("exchange orders over HTTP, 1 client, " v(k, "ex_http1_count"), http(s, "ex_http1"), http(p, "ex_http1"))
    both("exchange orders over HTTP, " v(k, "ex_http_clients") " clients, " v(k, "ex_http_count"), http(s, "ex_http"), http(p, "ex_http"))
    both("exchange non-201 answers; ledger6 check", (v(s, "ex_http1_not201") + v(s, "ex_http_not201")) "; " v(s, "ex_http_check"), \
         (v(p, "ex_http1_not201") + v(p, "ex_http_not201")) "; " v(p, "ex_http_check"))
    for (k = 0; k < r["sqlite", "log_sizes"]; k++)
      both("log appends at " v(s, "log_size_" k) " leaves", v(s, "log_append_per_s_" k) "/s tree, " \
           v(s, "log_tx_append_per_s_" k) "/s with entry", "-")
  }
' "$OUT"
exit $status
