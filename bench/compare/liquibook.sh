#!/bin/sh
# bench/compare/liquibook.sh LIQUIBOOK_CHECKOUT [seconds] [kept]
# Builds bench/compare/liquibook_insert.cpp against a liquibook checkout
# (https://github.com/objectcomputing/liquibook; nothing of it is in this
# repository) in a temporary folder, with the same optimisation as
# ledger6's build (-O2 -g), and runs it. Compare its output with
# `build/bench/bench_book --insert-only` run right after it, on the same
# machine (docs/PERFORMANCE.md, "Order book, like for like").
set -eu
lb=${1:?usage: bench/compare/liquibook.sh LIQUIBOOK_CHECKOUT [seconds] [kept]}
shift
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/liquibook-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
${CXX:-g++} -std=c++11 -O2 -g -DNDEBUG -I"$lb/src" "$here/liquibook_insert.cpp" "$lb/src/simple/simple_order.cpp" \
  -o "$out/liquibook_insert"
echo "compiler: $(${CXX:-g++} --version | head -n 1), -std=c++11 -O2 -g -DNDEBUG; liquibook $(git -C "$lb" log -1 --format=%h 2>/dev/null || echo '(not a git checkout)')"
"$out/liquibook_insert" "$@"
