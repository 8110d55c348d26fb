#!/bin/sh
# run.sh -- used by `make run`: creates the demo registry on first use and
# serves it on http://127.0.0.1:8080 (PORT and L6_DB override), printing the
# URL. The administrator token is made once per store and printed once, at
# the first start (serve --admin-token mints one only when the store has no
# usable admin token); later starts say which token that is. A lost token:
#   build/ledger6 token create --role admin --store data/ledger6.db
set -e
BUILD=${BUILD:-build}
DB=${L6_DB:-data/ledger6.db}
PORT=${PORT:-8080}
if [ ! -f "$DB" ]; then
  "$BUILD/ledger6" init --db "$DB" --config config
  "$BUILD/ledger6" demo --db "$DB" --config config
fi
exec "$BUILD/ledger6" serve --db "$DB" --config config --addr 127.0.0.1 --port "$PORT" --admin-token
