#!/bin/sh
# bench/run.sh -- runs the benchmarks that `make bench` built and prints a
# table of their figures (docs/PERFORMANCE.md says what they measure).
# Builds nothing. BUILD names the build folder (default "build"); TMPDIR
# chooses where the temporary stores go (it should be on the disk being
# measured). `sh bench/run.sh --quick` is a smoke test with small counts;
# `--log` also runs bench_log (transparency log appends up to 10^7 leaves:
# about 80 s more and 3.5 GB of temporary store; with --quick, 10^5).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
export BUILD
BENCHES="bench_transfer bench_http"
ARGS=""
for a in "$@"; do
  case $a in
  --log) BENCHES="$BENCHES bench_log" ;;
  *) ARGS="$ARGS $a" ;;
  esac
done
set -- $ARGS
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
for b in $BENCHES; do
  start=$(date +%s)
  "$BUILD/bench/$b" "$@" >"$OUT.1" 2>&1
  rc=$?
  grep -v '^RESULT ' "$OUT.1"
  echo "  ($b: $(($(date +%s) - start)) s, exit status $rc)"
  echo
  grep '^RESULT ' "$OUT.1" >>"$OUT"
  [ "$rc" -eq 0 ] || status=1
done

awk '
  $1 == "RESULT" { r[$2] = $3 }
  function row(what, figure) { printf "| %-52s | %-44s |\n", what, figure }
  END {
    printf "| %-52s | %-44s |\n", "benchmark", "figure"
    printf "|%s|%s|\n", "------------------------------------------------------", "----------------------------------------------"
    row("in-process, batch 1, first " r["b1_count"] " transfers", r["b1_per_s"] " transfers/s")
    row("in-process, batch 100, same " r["b100_count"] " transfers", r["b100_per_s"] " transfers/s")
    row("batch 100 / batch 1", r["b100_over_b1"] "x")
    row("flatness, batch 100: first " r["window"], r["b100_early_per_s"] " transfers/s (" r["moved_early"] " blocks moved each)")
    row("flatness, batch 100: " r["window"] " after " r["history"] " (" r["blocks_at_history"] " blocks)", \
        r["b100_late_per_s"] " transfers/s (" r["moved_late"] " blocks moved each)")
    row("late / early, batch 100", r["b100_late_over_early"])
    row("flatness, batch 1: first " r["window"] " / after " r["history"] + r["window"], \
        r["b1_early_per_s"] " / " r["b1_late_per_s"] " transfers/s (" r["b1_late_over_early"] ")")
    row("HTTP, 1 client, " r["http1_count"] " requests", \
        r["http1_per_s"] " req/s, p50 " r["http1_p50_ms"] " ms, p99 " r["http1_p99_ms"] " ms")
    row("HTTP, " r["http_clients"] " clients, " r["http_count"] " requests", \
        r["http_per_s"] " req/s, p50 " r["http_p50_ms"] " ms, p99 " r["http_p99_ms"] " ms")
    row("HTTP non-201 answers (1 client + " r["http_clients"] " clients)", r["http1_not201"] + r["http_not201"])
    if (r["b1_per_s"] > 0)
      row("HTTP " r["http_clients"] " clients / in-process batch 1", sprintf("%.2f", r["http_per_s"] / r["b1_per_s"]))
    row("ledger6 check after the HTTP run", r["http_check"])
    for (k = 0; k < r["log_sizes"]; k++)
      row("log appends at " r["log_size_" k] " leaves", r["log_append_per_s_" k] "/s tree, " \
          r["log_tx_append_per_s_" k] "/s with entry; " r["log_reads_each_" k] " reads, " \
          r["log_writes_each_" k] " writes each")
  }
' "$OUT"
exit $status
