#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: on a free loopback port, in its
# own directory, with data checksums and fsync on; started before the
# suites that need it and stopped after them (ctest fixture "postgres").
#   postgres_server.sh start DIR [--tls]
#                                  writes DIR/uri: postgresql://postgres@127.0.0.1:PORT/aidledger_test;
#                                  with --tls it also accepts TLS (ssl=on) with a
#                                  certificate for "localhost" from a CA of its own,
#                                  DIR/tls/ca.pem (made by tools/pilot-certs)
#   postgres_server.sh stop DIR
# As root it runs the server as the `postgres` user (initdb refuses root).
set -euo pipefail
action=$1
dir=$2
tls=${3:-}
bin=/usr/lib/postgresql/15/bin
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    if [ -f "$dir/data/postmaster.pid" ]; then "$0" stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
      --data-checksums >"$dir/initdb.log" 2>&1
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200"
    if [ "$tls" = --tls ]; then
      bash "$root/tools/pilot-certs" "$dir/tls" localhost >/dev/null
      [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir/tls"
      options+=" -c ssl=on -c ssl_cert_file=$dir/tls/server.pem -c ssl_key_file=$dir/tls/server.key"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" \
      start >/dev/null
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres aidledger_test
    echo "postgresql://postgres@127.0.0.1:$port/aidledger_test" > "$dir/uri"
    echo "PostgreSQL 15 for the tests at $(cat "$dir/uri")"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres_server.sh start DIR [--tls] | stop DIR" >&2
    exit 2
    ;;
esac
