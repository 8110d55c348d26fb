#!/bin/sh
# Installs the Debian packages ledger6 needs, when any is missing. Needs
# root (or sudo) only when something is missing.
#   sh scripts/deps.sh               to build and run (`make run`, `make`):
#                                    compiler, pkg-config and the
#                                    libraries' headers -- no browser, no
#                                    node, no test library
#   sh scripts/deps.sh --test        also what the tests need (`make check`):
#                                    cmocka, libcurl's headers, the curl and
#                                    sqlite3 tools, Chromium, node and npm,
#                                    and the npm packages of tests/browser
#                                    and tests/contract (pinned lock files)
#   sh scripts/deps.sh --pg          also the PostgreSQL 15 server (CI,
#                                    benchmarks); combines with --test
#   sh scripts/deps.sh --list [...]  print the Debian packages of the chosen
#                                    set, one a line, and install nothing
set -e
RUN_PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev liboath-dev libpq-dev libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core libcsv-dev libxlsxwriter-dev libcurl4-openssl-dev"
# (cairo, Pango, libqrencode and the DejaVu fonts: the PDF certificates,
# src/api/pdf.c.)
TEST_PKGS="libcmocka-dev curl sqlite3 chromium openssl groff-base systemd poppler-utils zbar-tools python3-openpyxl"
# (poppler-utils and zbar-tools: tests/test_certpdf.c reads the PDF
# certificates back with pdftotext, pdfdetach and pdftoppm and decodes their
# QR code with zbarimg.)
# (python3-openpyxl: tests/aef_xlsx.py reads the AEF workbook, an independent reader.)
# (libxlsxwriter: the AEF workbook, src/service/aef_export.c.)
# (libcsv: the importer's CSV reader, src/core/csvread.c.)
# (libcurl: the links between registries send their messages with it,
# src/service/link_net.c; the HTTP tests use it too.)
# (groff-base and systemd: the installation test lints the man page with groff
# and checks the systemd unit with systemd-analyze; tests/test_install.sh.)
PG_PKGS="postgresql postgresql-client"
test=0 pg=0 list=0
for a in "$@"; do
  case "$a" in
  --test) test=1 ;;
  --pg) pg=1 ;;
  --list) list=1 ;;
  *) echo "usage: sh scripts/deps.sh [--test] [--pg] [--list]" >&2; exit 2 ;;
  esac
done
PKGS="$RUN_PKGS"
[ "$test" = 1 ] && PKGS="$PKGS $TEST_PKGS"
[ "$pg" = 1 ] && PKGS="$PKGS $PG_PKGS"
if [ "$list" = 1 ]; then
  for p in $PKGS; do echo "$p"; done
  [ "$test" = 1 ] && echo "nodejs" && echo "npm"
  exit 0
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node and npm (tests only): Debian's packages only when no node is
# installed (a NodeSource nodejs already has npm and conflicts with
# Debian's npm package).
if [ "$test" = 1 ]; then
  command -v node >/dev/null 2>&1 || missing="$missing nodejs"
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
[ "$test" = 1 ] || exit 0
# The browser tests' npm packages (playwright-core, and axe-core for the
# accessibility scan of the working app; pinned in package-lock.json), when
# they are not installed yet; the browser is Debian's chromium above.
B=$(dirname "$0")/../tests/browser
if [ ! -f "$B/node_modules/playwright-core/package.json" ] || [ ! -f "$B/node_modules/axe-core/package.json" ]; then
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
