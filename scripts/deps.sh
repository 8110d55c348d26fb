#!/bin/sh
# Installs the Debian packages ledger6 needs to build, test and run, when
# any is missing. Needs root (or sudo) only when something is missing.
#   sh scripts/deps.sh        build and test with SQLite (libpq to build the
#                             PostgreSQL store, whose tests run when a
#                             PostgreSQL server is installed)
#   sh scripts/deps.sh --pg   also the PostgreSQL 15 server (CI, benchmarks)
set -e
PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libcmocka-dev libcurl4-openssl-dev libpq-dev sqlite3 curl chromium groff-base systemd"
# (groff-base and systemd: the installation test lints the man page with groff
# and checks the systemd unit with systemd-analyze; tests/test_install.sh.)
[ "${1:-}" = "--pg" ] && PKGS="$PKGS postgresql postgresql-client"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node and npm: Debian's packages only when no node is installed (a NodeSource
# nodejs already has npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
# The browser tests' npm package (playwright-core, pinned in package-lock.json),
# when it is not installed yet; the browser is Debian's chromium above.
B=$(dirname "$0")/../tests/browser
if [ ! -f "$B/node_modules/playwright-core/package.json" ]; then
  echo "deps: npm ci in tests/browser"
  (cd "$B" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The contract test's validator (ajv and ajv-formats, pinned in
# tests/contract/package-lock.json), when it is not installed yet.
C=$(dirname "$0")/../tests/contract
if [ ! -f "$C/node_modules/ajv/package.json" ] || [ ! -f "$C/node_modules/ajv-formats/package.json" ]; then
  echo "deps: npm ci in tests/contract"
  (cd "$C" && npm ci --no-audit --no-fund --loglevel=error)
fi
