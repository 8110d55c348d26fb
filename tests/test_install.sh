#!/bin/sh
# test_install.sh -- the installation test, installed by make as
# $BUILD/tests/test_install so that tests/run.sh runs it like a test binary
# (cmocka-style summary lines). Each check is one test:
#   install_layout    make install DESTDIR=... lays out the binary, the
#                     configuration, the web pages, the man page and the unit
#   installed_runs    the installed binary, run from another folder, prints
#                     its version and runs init and check with the installed
#                     configuration (found next to it: BINDIR/../share/ledger6)
#   version_tarball   scripts/version.sh without git (a tarball) gives the
#                     VERSION file's text alone; from this checkout, the same
#                     with the git description when there is one
#   unit_verify       systemd-analyze verify finds nothing to say of the
#                     installed unit (its ExecStart binary and man page exist:
#                     installed under PREFIX, no DESTDIR), and does complain
#                     of a copy with a misspelt directive (the check can fail);
#                     systemd-analyze security rates the unit "OK" (< 2.0)
#   man_lint          groff -man -ww -z prints no warning for docs/ledger6.1,
#                     and does for a page with a bad macro
# A missing systemd-analyze or groff fails (make deps installs them), so that
# the check cannot silently vanish.
set -u
ROOT=${L6_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${L6_BIN:-$ROOT/build/ledger6}
BUILD=$(cd "$(dirname "$BIN")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/ledger6-install-XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
passed=0
failed=""

ok() { passed=$((passed + 1)); echo "[       OK ] $1"; }
bad() { failed="$failed $1"; echo "$2"; echo "[  FAILED  ] $1"; }
run() { echo "[ RUN      ] $1"; }

# ---- install_layout
run install_layout
DEST=$T/dest
if make -s -C "$ROOT" BUILD="$BUILD" DESTDIR="$DEST" PREFIX=/usr/local install >"$T/make.log" 2>&1; then
  why=""
  for f in bin/ledger6 share/ledger6/config/iso3166-1.tsv share/ledger6/config/mechanisms/pacm.json \
    share/ledger6/web/index.html share/ledger6/web/app.js share/man/man1/ledger6.1 lib/systemd/system/ledger6.service; do
    [ -f "$DEST/usr/local/$f" ] || why="$why missing $f;"
  done
  [ -x "$DEST/usr/local/bin/ledger6" ] || why="$why bin/ledger6 is not executable;"
  grep -q '^ExecStart=/usr/local/bin/ledger6 serve ' "$DEST/usr/local/lib/systemd/system/ledger6.service" ||
    why="$why the unit's ExecStart is not /usr/local/bin/ledger6;"
  [ -z "$why" ] && ok install_layout || bad install_layout "install_layout:$why"
else
  bad install_layout "make install failed: $(cat "$T/make.log")"
fi

# ---- installed_runs
run installed_runs
mkdir -p "$T/elsewhere"
(
  cd "$T/elsewhere" || exit 1
  unset LEDGER6_CONFIG
  want="ledger6 $(sed -n 1p "$ROOT/VERSION")"
  v=$("$DEST/usr/local/bin/ledger6" --version) || { echo "--version failed"; exit 1; }
  case $v in "$want" | "$want (git "*")") ;; *) echo "--version printed '$v', expected '$want...'"; exit 1 ;; esac
  "$DEST/usr/local/bin/ledger6" init --store s.db >init.log 2>&1 || { cat init.log; exit 1; }
  grep -q "share/ledger6/config" init.log || { echo "init did not use the installed configuration:"; cat init.log; exit 1; }
  "$DEST/usr/local/bin/ledger6" check --store s.db >check.log 2>&1 || { cat check.log; exit 1; }
  grep -q '^ok: every issuance batch' check.log || { cat check.log; exit 1; }
) >"$T/runs.log" 2>&1 && ok installed_runs || bad installed_runs "$(cat "$T/runs.log")"

# ---- version_tarball
run version_tarball
mkdir -p "$T/tarball/scripts"
cp "$ROOT/VERSION" "$T/tarball/VERSION"
cp "$ROOT/scripts/version.sh" "$T/tarball/scripts/version.sh"
want=$(sed -n 1p "$ROOT/VERSION")
if (cd "$T/tarball" && GIT_CEILING_DIRECTORIES=$T sh scripts/version.sh "$T/v.c") &&
  grep -qx "const char l6_version\[\] = \"$want\";" "$T/v.c"; then
  sh "$ROOT/scripts/version.sh" "$T/v2.c"
  if [ -d "$ROOT/.git" ] || [ -f "$ROOT/.git" ]; then
    grep -q "\"$want (git [^\"]*)\";" "$T/v2.c" && ok version_tarball || bad version_tarball "in the checkout: $(cat "$T/v2.c")"
  else
    ok version_tarball
  fi
else
  bad version_tarball "without git: $(cat "$T/v.c" 2>/dev/null)"
fi

# ---- unit_verify
run unit_verify
if ! command -v systemd-analyze >/dev/null 2>&1; then
  bad unit_verify "systemd-analyze is missing (apt-get install systemd, or make deps)"
elif ! make -s -C "$ROOT" BUILD="$BUILD" PREFIX="$T/prefix" install >"$T/make2.log" 2>&1; then
  bad unit_verify "make install PREFIX=$T/prefix failed: $(cat "$T/make2.log")"
else
  U=$T/prefix/lib/systemd/system/ledger6.service
  out=$(MANPATH=$T/prefix/share/man systemd-analyze verify "$U" 2>&1)
  rc=$?
  sed 's/^ProtectSystem=strict$/ProtectSytem=strict/' "$U" >"$T/misspelt.service"
  out2=$(MANPATH=$T/prefix/share/man systemd-analyze verify "$T/misspelt.service" 2>&1)
  score=$(systemd-analyze security --offline=true "$U" 2>/dev/null | sed -n 's/.*Overall exposure level for ledger6.service: \([0-9.]*\).*/\1/p')
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    bad unit_verify "systemd-analyze verify $U (status $rc): $out"
  elif [ -z "$out2" ]; then
    bad unit_verify "systemd-analyze verify said nothing of a misspelt directive: the check cannot fail"
  elif [ -z "$score" ] || [ "$(echo "$score < 2.0" | awk '{print ($1 < 2.0)}')" != 1 ]; then
    bad unit_verify "systemd-analyze security: exposure '$score', expected below 2.0 (OK)"
  else
    echo "systemd-analyze security: exposure $score"
    ok unit_verify
  fi
fi

# ---- man_lint
run man_lint
if ! command -v groff >/dev/null 2>&1; then
  bad man_lint "groff is missing (apt-get install groff-base, or make deps)"
else
  out=$(groff -man -ww -z "$ROOT/docs/ledger6.1" 2>&1)
  printf '.TH X 1\n.SH NAME\nx \\- y\n.BOGUS z\n.SH SEE ALSO\n' >"$T/bad.1"
  out2=$(groff -man -ww -z "$T/bad.1" 2>&1)
  if [ -n "$out" ]; then
    bad man_lint "groff warns of docs/ledger6.1: $out"
  elif [ -z "$out2" ]; then
    bad man_lint "groff said nothing of an unknown macro: the check cannot fail"
  elif ! MANWIDTH=80 man -l "$ROOT/docs/ledger6.1" 2>/dev/null | grep -q "ledger6 - carbon unit registry"; then
    bad man_lint "man -l docs/ledger6.1 does not render its NAME line"
  else
    ok man_lint
  fi
fi

echo "[  PASSED  ] $passed test(s)."
if [ -n "$failed" ]; then
  set -- $failed
  echo "[  FAILED  ] $# test(s), listed below:"
  for t in $failed; do echo "[  FAILED  ] $t"; done
  exit 1
fi
exit 0
