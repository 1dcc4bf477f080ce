# Sourced by scripts/test.sh: a throw-away PostgreSQL 15 server on 127.0.0.1.
#   start_postgres   initializes a data directory under /tmp, starts the server on a
#                    free port as a non-root user, creates the role and database the
#                    tests use, and exports QUARRY_TEST_POSTGRESQL_URL
#   stop_postgres    stops it and removes the data directory

QUARRY_PG_BIN=${QUARRY_PG_BIN:-/usr/lib/postgresql/15/bin}

as_server_user() {
  # PostgreSQL refuses to run as root: root hands the server to the postgres user.
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_postgres() {
  QUARRY_PG_DIR=$(mktemp -d /tmp/quarry-pg.XXXXXX)
  chmod 755 "$QUARRY_PG_DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$QUARRY_PG_DIR"
  local password="quarry-test-$RANDOM$RANDOM"
  echo "$password" >"$QUARRY_PG_DIR/pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$QUARRY_PG_DIR/pwfile"
  as_server_user "$QUARRY_PG_BIN/initdb" -D "$QUARRY_PG_DIR/data" -U quarry --pwfile="$QUARRY_PG_DIR/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$QUARRY_PG_DIR/initdb.log" 2>&1 || {
    cat "$QUARRY_PG_DIR/initdb.log" >&2
    return 1
  }
  local port
  for port in $(seq 55432 55532); do
    port_is_free "$port" || continue
    # fsync off: the server is thrown away after the run.
    if as_server_user "$QUARRY_PG_BIN/pg_ctl" -D "$QUARRY_PG_DIR/data" -l "$QUARRY_PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$QUARRY_PG_DIR -c fsync=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      QUARRY_PG_PORT=$port
      break
    fi
  done
  if [[ -z "${QUARRY_PG_PORT:-}" ]]; then
    echo "quarry: could not start PostgreSQL on any port from 55432 to 55532" >&2
    cat "$QUARRY_PG_DIR/server.log" >&2 || true
    return 1
  fi
  as_server_user "$QUARRY_PG_BIN/psql" -h "$QUARRY_PG_DIR" -p "$QUARRY_PG_PORT" -U quarry -d postgres -q \
    -c "CREATE DATABASE quarry_test" >/dev/null
  export QUARRY_TEST_POSTGRESQL_URL="postgresql://quarry:$password@127.0.0.1:$QUARRY_PG_PORT/quarry_test"
  echo "quarry: PostgreSQL $("$QUARRY_PG_BIN/postgres" --version | awk '{print $3}') is running on 127.0.0.1:$QUARRY_PG_PORT"
}

stop_postgres() {
  [[ -n "${QUARRY_PG_DIR:-}" && -d "$QUARRY_PG_DIR" ]] || return 0
  as_server_user "$QUARRY_PG_BIN/pg_ctl" -D "$QUARRY_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$QUARRY_PG_DIR"
  echo "quarry: PostgreSQL stopped"
}
