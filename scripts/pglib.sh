# scripts/pglib.sh -- shell helpers for throwaway PostgreSQL clusters, sourced
# by tests/pg.sh, scripts/failover-test.sh and bench/run.sh (POSIX sh).
#
#   pg_find_bin          sets PG_BIN to the folder holding initdb, pg_ctl and
#                        postgres (L6_PG_BIN, pg_config --bindir, PATH, or
#                        /usr/lib/postgresql/*/bin, newest first); returns 1
#                        when there is none
#   pg_prepare_dir DIR   makes DIR usable by the server's user (below)
#   pg_as CMD...         runs CMD as the server's user: PostgreSQL refuses to
#                        run as root, so as root it runs as L6_PG_OS_USER
#                        (default postgres, else nobody) via runuser/setpriv
#   pg_initdb DATA       initdb: superuser l6test, trust auth, UTF8, C locale
#   pg_conf DATA LINE... appends settings to DATA/postgresql.conf
#   pg_start DATA LOG    starts on a free loopback port (tries several from a
#                        random base), unix socket in DATA's parent folder;
#                        sets PG_PORT; returns 1 (log shown) on failure
#   pg_stop DATA [MODE]  pg_ctl stop -m MODE (default fast), if running
#   pg_postmaster_pid DATA   prints the postmaster's pid
#
# Nothing here kills by name: stop goes through pg_ctl, and kills (in the
# failover test) use the pids from DATA/postmaster.pid.

pg_find_bin() {
  PG_BIN=""
  for d in "${L6_PG_BIN:-}" "$(pg_config --bindir 2>/dev/null)" "$(dirname "$(command -v initdb 2>/dev/null || echo /x/x)")"; do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      PG_BIN=$d
      return 0
    fi
  done
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      PG_BIN=$d
      return 0
    fi
  done
  return 1
}

PG_OS_USER=""
if [ "$(id -u)" -eq 0 ]; then
  PG_OS_USER=${L6_PG_OS_USER:-postgres}
  id "$PG_OS_USER" >/dev/null 2>&1 || PG_OS_USER=nobody
fi

pg_as() {
  if [ -z "$PG_OS_USER" ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    setpriv --reuid="$PG_OS_USER" --regid="$(id -g "$PG_OS_USER")" --clear-groups -- "$@"
  fi
}

pg_prepare_dir() {
  mkdir -p "$1"
  if [ -n "$PG_OS_USER" ]; then
    chown "$PG_OS_USER" "$1"
    chmod 0700 "$1"
  fi
}

pg_initdb() {
  pg_as "$PG_BIN/initdb" -D "$1" -U l6test --auth=trust -E UTF8 --locale=C --no-sync >"$1.initdb.log" 2>&1 || {
    cat "$1.initdb.log" >&2
    return 1
  }
}

pg_conf() {
  f="$1/postgresql.conf"
  shift
  for line in "$@"; do
    printf '%s\n' "$line" | pg_as tee -a "$f" >/dev/null
  done
}

pg_start() {
  data=$1
  log=$2
  sock=$(dirname "$data")
  base=$((20000 + ($$ * 7919 + $(date +%s)) % 40000))
  i=0
  while [ $i -lt 20 ]; do
    PG_PORT=$((base + i * 37))
    if pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sock" start >/dev/null 2>&1; then
      return 0
    fi
    if ! grep -q -i -e "could not bind" -e "address already in use" -e "lock file .* already exists" "$log" 2>/dev/null; then
      echo "pglib: PostgreSQL did not start; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    i=$((i + 1))
  done
  echo "pglib: no free port found" >&2
  return 1
}

pg_stop() {
  if [ -f "$1/postmaster.pid" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$1" -m "${2:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

pg_postmaster_pid() {
  head -n 1 "$1/postmaster.pid" 2>/dev/null
}
