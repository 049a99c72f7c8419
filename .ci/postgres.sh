#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster on a loopback port for the store's contract tests.
#   source .ci/postgres.sh start   -> exports TEST_DATABASE_URL
#   .ci/postgres.sh stop
# Installs Debian's postgresql when no server binary is present.
set -euo pipefail
PG_PORT="${PG_PORT:-54329}"
PG_DIR="${PG_DIR:-/tmp/tva-pg-$PG_PORT}"

pg_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$initdb" ] || [ ! -x "$(dirname "$initdb")/postgres" ]; then
    echo "postgres.sh: installing PostgreSQL from Debian" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  fi
  dirname "$initdb"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local bin
  bin=$(pg_bin)
  pg_stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  as_pg "$bin/initdb" -D "$PG_DIR/data" -U tva --auth=trust -E UTF8 >/dev/null
  as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tva tva_test
  export TEST_DATABASE_URL="postgres://tva@127.0.0.1:$PG_PORT/tva_test"
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $TEST_DATABASE_URL" >&2
}

pg_stop() {
  local bin
  bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
  if [ -d "$PG_DIR/data" ]; then
    as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  *) echo "usage: postgres.sh start|stop" >&2; exit 2 ;;
esac
