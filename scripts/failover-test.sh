#!/bin/sh
# scripts/failover-test.sh -- losing the PostgreSQL primary loses no
# acknowledged transaction.
#
#   sh scripts/failover-test.sh          (after make tests; BUILD=build-san too)
#
# 1. A primary and a streaming standby on loopback, in a fresh folder:
#    synchronous_standby_names = 'FIRST 1 (standby1)' and
#    synchronous_commit = remote_apply on the primary, so a COMMIT returns
#    only once the standby has applied it.
# 2. Two `ledger6 serve` processes on one multi-host store spec
#      postgres://l6test@127.0.0.1:P1,127.0.0.1:P2/ledger?target_session_attrs=read-write
#    (they use whichever host is the writable primary).
# 3. tests/failover_client drives transfers through both servers from 8
#    threads, each request with its own Idempotency-Key, and records every
#    acknowledged transaction (HTTP 201) in a file as it arrives. A request
#    without an answer is re-sent with its key until it is acknowledged or
#    refused.
# 4. After FO_BEFORE acknowledgements the primary is killed with SIGKILL
#    (the postmaster and every backend: the machine is gone), and the
#    standby is promoted (pg_ctl promote). The ledger6 servers keep running:
#    at their next transaction they reconnect, and the multi-host spec leads
#    them to the new primary. Traffic goes on for FO_AFTER more
#    acknowledgements.
#    Before that, a third server on the standby alone shows that a read
#    replica serves reads and refuses writes (503).
# 5. Verdict, on the promoted standby alone (a fresh spec naming only it):
#    `ledger6 check` passes, and failover_client verify finds every
#    acknowledged transaction, no transfer that was not acknowledged, and
#    every unit.
#
# Exit status 0 when all of that holds; 77 when no PostgreSQL server is
# installed. L6_KEEP=1 keeps the folder (logs, the acknowledged list).
#
# FO_ASYNC=1 is the negative control: the same run with asynchronous
# replication (synchronous_commit = local, no synchronous standby). Then
# the primary acknowledges commits the standby may not have yet, and the
# verdict is expected to find acknowledged transactions missing (how many
# depends on the standby's lag at the kill; possibly none).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2
. "$ROOT/scripts/pglib.sh"
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/ledger6
CLIENT=$ROOT/$BUILD/tests/failover_client
FO_BEFORE=${FO_BEFORE:-2000}
FO_AFTER=${FO_AFTER:-2000}

if [ ! -x "$BIN" ] || [ ! -x "$CLIENT" ]; then
  echo "failover-test: build first: make tests (BUILD=$BUILD)" >&2
  exit 2
fi
if ! pg_find_bin; then
  echo "failover-test: no PostgreSQL server found; install postgresql (sh scripts/deps.sh --pg)" >&2
  exit 77
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-failover-XXXXXX") || exit 2
chmod 0755 "$DIR"
SERVERS=""
DRIVER=""
cleanup() {
  for p in $DRIVER $SERVERS; do kill "$p" 2>/dev/null; done
  for p in $DRIVER $SERVERS; do wait "$p" 2>/dev/null; done
  pg_stop "$DIR/pg/primary" immediate
  pg_stop "$DIR/pg/standby" immediate
  if [ "${L6_KEEP:-0}" = 1 ]; then echo "failover-test: kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "failover-test: $*"; }
die() {
  echo "failover-test: FAILED: $*" >&2
  for f in "$DIR"/*.log "$DIR"/pg/*.log; do
    [ -f "$f" ] && { echo "---- $f" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}
now() { date +%s; }
acked() { [ -f "$DIR/acked" ] && wc -l <"$DIR/acked" | tr -d ' ' || echo 0; }

# Waits up to $2 seconds for the shell condition $1.
wait_for() {
  t0=$(now)
  until eval "$1"; do
    [ $(($(now) - t0)) -ge "$2" ] && return 1
    sleep 0.2
  done
}

# ---- 1. primary and synchronous standby -----------------------------------
pg_prepare_dir "$DIR/pg"
pg_initdb "$DIR/pg/primary" || die "initdb"
pg_conf "$DIR/pg/primary" "wal_level = replica" "max_wal_senders = 4" "hot_standby = on" \
  "synchronous_commit = remote_apply" "log_min_messages = warning"
pg_start "$DIR/pg/primary" "$DIR/pg/primary.log" || die "the primary did not start"
P1=$PG_PORT
PSQL1="psql -X -q -v ON_ERROR_STOP=1 postgres://l6test@127.0.0.1:$P1/postgres"
$PSQL1 -c "CREATE DATABASE ledger" || die "createdb"
pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$P1" -U l6test -D "$DIR/pg/standby" -R -X stream \
  --checkpoint=fast >"$DIR/pg/basebackup.log" 2>&1 || die "pg_basebackup"
# The standby's name is what the primary will wait for; as a future
# primary it must not wait for a standby of its own.
pg_conf "$DIR/pg/standby" "cluster_name = 'standby1'" "synchronous_standby_names = ''"
pg_start "$DIR/pg/standby" "$DIR/pg/standby.log" || die "the standby did not start"
P2=$PG_PORT
# Only now that the standby streams may commits wait for it (before, a
# COMMIT such as CREATE DATABASE's would wait forever).
if [ "${FO_ASYNC:-0}" = 1 ]; then
  $PSQL1 -c "ALTER SYSTEM SET synchronous_commit = 'local'" -c "SELECT pg_reload_conf()" >/dev/null || die "async"
  say "FO_ASYNC=1: asynchronous replication, the negative control"
else
$PSQL1 -c "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby1)'" -c "SELECT pg_reload_conf()" \
  >/dev/null || die "synchronous_standby_names"
SYNC="psql -X -At 'postgres://l6test@127.0.0.1:$P1/postgres' -c \"SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'\" 2>/dev/null | grep -q '^sync\$'"
wait_for "$SYNC" 30 || die "the standby is not synchronous"
say "primary on $P1, synchronous standby on $P2 (synchronous_commit = remote_apply)"
fi

# ---- 2. two ledger6 servers on the multi-host spec --------------------------
SPEC="postgres://l6test@127.0.0.1:$P1,127.0.0.1:$P2/ledger?target_session_attrs=read-write&connect_timeout=3"
"$BIN" init --store "$SPEC" --config config >"$DIR/init.log" 2>&1 || die "ledger6 init"

# Starts `ledger6 serve` on $1 as server $2 (with --admin-token unless $3
# is "read-only": it mints an admin token only for a store that has none,
# so later servers of the store use the first one's); sets LAST (its pid),
# PORT and TOKEN.
serve() {
  tok=--admin-token
  [ "${3:-}" = read-only ] && tok=""
  "$BIN" serve --store "$1" --config config --port 0 $tok >"$DIR/serve$2.out" 2>"$DIR/serve$2.log" &
  LAST=$!
  wait_for "grep -q '^listening on' '$DIR/serve$2.out' 2>/dev/null" 20 || die "ledger6 serve $2 did not start"
  PORT=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$DIR/serve$2.out")
  TOKEN=$(sed -n 's/^admin token: //p' "$DIR/serve$2.out")
  [ -n "$TOKEN" ] || TOKEN=${TOKEN1:-}
}
serve "$SPEC" 1
SERVERS="$LAST"
PORT1=$PORT TOKEN1=$TOKEN
serve "$SPEC" 2
SERVERS="$SERVERS $LAST"
PORT2=$PORT TOKEN2=$TOKEN
say "two ledger6 servers on ports $PORT1 and $PORT2"

# ---- 3. traffic -------------------------------------------------------------
"$CLIENT" setup "$PORT1" "$TOKEN1" "$DIR/state" || die "fixtures"

# A read replica: a server on the standby alone answers reads (public and
# authenticated, the token came over by replication) and refuses writes
# with 503 busy.
serve "postgres://l6test@127.0.0.1:$P2/ledger" 0 read-only
REPLICA=$LAST
SERVERS="$SERVERS $REPLICA"
ACC=$(head -n 1 "$DIR/state")
code() { curl -s -o "$DIR/replica.body" -w '%{http_code}' --noproxy '*' "$@"; }
[ "$(code "http://127.0.0.1:$PORT/v1/projects")" = 200 ] || die "replica: public read"
[ "$(code -H "Authorization: Bearer $TOKEN1" "http://127.0.0.1:$PORT/v1/accounts/$ACC/holdings")" = 200 ] ||
  die "replica: holdings read"
[ "$(code -H "Authorization: Bearer $TOKEN1" -H 'Content-Type: application/json' \
  -d '{"code":"DEU","name":"Germany"}' "http://127.0.0.1:$PORT/v1/parties")" = 503 ] || die "replica: write not refused"
grep -q '"busy"' "$DIR/replica.body" || die "replica: write refused without the busy code"
kill "$REPLICA"
wait "$REPLICA" || die "the replica server did not stop cleanly"
SERVERS=$(echo "$SERVERS" | sed "s/ $REPLICA//")
say "a server on the standby alone answers reads (200) and refuses writes (503 busy)"
"$CLIENT" drive "$DIR/state" "$DIR/acked" "$DIR/stop" "$PORT1" "$TOKEN1" "$PORT2" "$TOKEN2" >"$DIR/drive.log" 2>&1 &
DRIVER=$!
wait_for "[ \$(acked) -ge $FO_BEFORE ]" 120 || die "traffic did not reach $FO_BEFORE acknowledgements"

# ---- 4. the primary dies, the standby is promoted ---------------------------
PM=$(pg_postmaster_pid "$DIR/pg/primary")
KIDS=$(ps -o pid= --ppid "$PM" | tr '\n' ' ')
kill -9 "$PM" $KIDS
T_KILL=$(now)
AT_KILL=$(acked)
say "killed the primary (postmaster $PM and its processes) with SIGKILL after $AT_KILL acknowledgements"
sleep 1
pg_as "$PG_BIN/pg_ctl" -D "$DIR/pg/standby" -w -t 60 promote >/dev/null || die "promote"
say "promoted the standby on $P2 ($(($(now) - T_KILL)) s after the kill)"
WANT=$((AT_KILL + FO_AFTER))
wait_for "[ \$(acked) -ge $WANT ]" 120 || die "traffic did not resume on the new primary"
say "traffic resumed: $(acked) acknowledgements"
touch "$DIR/stop"
wait "$DRIVER"
DRIVE_RC=$?
DRIVER=""
cat "$DIR/drive.log"
[ "$DRIVE_RC" -eq 0 ] || die "the client failed"
for p in $SERVERS; do kill "$p"; done
for p in $SERVERS; do wait "$p" || die "a ledger6 server did not stop cleanly"; done
SERVERS=""

# ---- 5. verdict on the promoted standby alone --------------------------------
SPEC2="postgres://l6test@127.0.0.1:$P2/ledger"
"$BIN" check --store "$SPEC2" --config config || die "ledger6 check on the new primary"
serve "$SPEC2" 3
SERVERS="$LAST"
"$CLIENT" verify "$DIR/state" "$DIR/acked" "$PORT" "$TOKEN" || die "an acknowledged transaction is missing"
say "passed: $(acked) acknowledged transactions, $AT_KILL of them before the primary was killed, all on the promoted standby; none lost"
