#!/bin/sh
# tests/pg.sh -- runs a command against a throwaway PostgreSQL cluster:
#
#   sh tests/pg.sh COMMAND [ARGS...]      e.g. sh tests/pg.sh sh tests/run.sh
#
# Makes a fresh folder under $TMPDIR (default /tmp), initdb's a cluster in it
# (superuser l6test, trust authentication, UTF8), starts it on a free
# loopback port, and runs COMMAND with
#   L6_STORE=postgres://l6test@127.0.0.1:PORT/postgres
# from which the tests create a fresh database per store (tests/testlib.h).
# A trap always stops the cluster (pg_ctl stop -m immediate) and removes the
# folder, however COMMAND ends. Exit status: COMMAND's; 77 when no
# PostgreSQL server is installed (make check then says "skipped").
#
# The cluster runs with fsync=off and full_page_writes=off: the tests crash
# ledger6 processes, never the database server, so a commit that reached
# PostgreSQL is safe without fsync, and the suite runs several times
# faster. L6_PG_DURABLE=1 keeps the defaults (fsync on): the benchmarks use
# it. As root, the server runs as the postgres user (scripts/pglib.sh).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
. "$ROOT/scripts/pglib.sh"

if [ $# -eq 0 ]; then
  echo "usage: sh tests/pg.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if ! pg_find_bin; then
  echo "tests/pg.sh: no PostgreSQL server found (initdb, pg_ctl, postgres); install postgresql" >&2
  exit 77
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-pg-XXXXXX") || exit 2
chmod 0755 "$DIR"
cleanup() {
  pg_stop "$DIR/data" immediate
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_prepare_dir "$DIR/run"
pg_initdb "$DIR/run/data" || exit 2
if [ "${L6_PG_DURABLE:-0}" != 1 ]; then
  pg_conf "$DIR/run/data" "fsync = off" "full_page_writes = off" "synchronous_commit = on"
fi
pg_conf "$DIR/run/data" "max_connections = 200" "log_min_messages = warning" "log_connections = off"
pg_start "$DIR/run/data" "$DIR/run/server.log" || exit 2
# pg_stop in the trap needs the data folder's path
cleanup() {
  pg_stop "$DIR/run/data" immediate
  rm -rf "$DIR"
}

L6_STORE="postgres://l6test@127.0.0.1:$PG_PORT/postgres"
export L6_STORE
echo "tests/pg.sh: PostgreSQL $("$PG_BIN/postgres" -V | sed -n 's/^postgres (PostgreSQL) \([0-9.]*\).*/\1/p') on 127.0.0.1:$PG_PORT" \
  "($([ "${L6_PG_DURABLE:-0}" = 1 ] && echo "fsync on" || echo "fsync off")), L6_STORE=$L6_STORE"
"$@"
