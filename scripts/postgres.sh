#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests.
#   eval "$(scripts/postgres.sh start DIR)"   starts one in DIR and prints `export RAMD_TEST_DATABASE_URL=...`
#   scripts/postgres.sh stop DIR              stops it
# Installs Debian's postgresql package when no server binaries are found. initdb refuses to run as
# root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?directory}

bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "$cmd" in
start)
    bin=$(bindir || true)
    if [ -z "$bin" ]; then
        echo "installing postgresql (no initdb found)" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        bin=$(bindir)
    fi
    mkdir -p "$dir"
    # The cluster lives where its owner can reach it: under a fresh /tmp directory when run as root.
    if [ "$(id -u)" = 0 ]; then
        home=$(mktemp -d /tmp/ramd-pg.XXXXXX)
        chown postgres "$home"
    else
        home=$dir
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "'$bin/initdb' -D '$home/data' -A trust -U postgres --no-sync >/dev/null"
    # Settings live in the cluster's own configuration, so a restart (the tests do one) keeps them.
    as_owner "printf '%s\n' \"port = $port\" \"unix_socket_directories = '$home'\" \"listen_addresses = '127.0.0.1'\" 'max_connections = 300' 'fsync = off' >> '$home/data/postgresql.conf'"
    as_owner "'$bin/pg_ctl' -D '$home/data' -l '$home/log' -w start >/dev/null"
    echo "$bin" > "$dir/bindir"
    echo "$home" > "$dir/home"
    echo "export RAMD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres RAMD_TEST_PG_BIN=$bin RAMD_TEST_PG_DATA=$home/data"
    ;;
stop)
    [ -f "$dir/bindir" ] || exit 0
    home=$(cat "$dir/home")
    as_owner "'$(cat "$dir/bindir")/pg_ctl' -D '$home/data' -m fast stop >/dev/null" || true
    [ "$home" != "$dir" ] && rm -rf "$home"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
