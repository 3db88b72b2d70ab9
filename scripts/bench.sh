#!/usr/bin/env bash
# Reruns the benchmarks of docs/benchmarks.md: ramd-bench against the reference server (bare hyper, a
# fixed RAM-shaped answer: the machine's limit for this client) and against release builds of ramd on
# SQLite, on PostgreSQL with one replica and with two. Prints one JSON line per run, each ramd run with
# its share of the reference's requests/s for the same workload. Needs PostgreSQL binaries
# (scripts/postgres.sh installs them) unless RAMD_TEST_DATABASE_URL names a server.
# Usage: scripts/bench.sh [seconds per run, default 10] [concurrency, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
concurrency=${2:-32}
cargo build --release -p ramd -p ramd-bench --quiet
work=$(mktemp -d)
cleanup() {
    # Replicas are started inside command substitutions, so their pids are kept in a file.
    [ -f "$work/pids" ] && xargs -r kill < "$work/pids" 2>/dev/null || true
    sleep 0.5
    [ -n "${own_pg:-}" ] && scripts/postgres.sh stop "$work/pg"
    rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${RAMD_TEST_DATABASE_URL:-}" ]; then
    eval "$(scripts/postgres.sh start "$work/pg")"
    own_pg=1
fi

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() { # serve NAME STORE-FLAGS... : starts a replica, prints its endpoint
    local p; p=$(port)
    target/release/ramd serve --auth trust --listen "127.0.0.1:$p" --data-dir "$work/$1" "${@:2}" >/dev/null 2>"$work/$1-$p.log" &
    echo $! >> "$work/pids"
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
    echo "http://127.0.0.1:$p"
}
fresh_db() { # a new database on the PostgreSQL server, printed as a URL
    local name="bench_$1"
    psql "$RAMD_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    echo "${RAMD_TEST_DATABASE_URL%/*}/$name"
}
declare -A reference_rps
bench() { # bench LABEL WORKLOAD ENDPOINT...
    local label=$1 workload=$2; shift 2
    local args=()
    for e in "$@"; do args+=(--endpoint "$e"); done
    local result
    result=$(target/release/ramd-bench "${args[@]}" --workload "$workload" --seconds "$seconds" --concurrency "$concurrency")
    local rps
    rps=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["requests_per_second"])' "$result")
    if [ "$label" = reference ]; then
        reference_rps[$workload]=$rps
        printf '{"run": "%s", "result": %s}\n' "$label" "$result"
    else
        printf '{"run": "%s", "share_of_reference": %s, "result": %s}\n' "$label" \
            "$(python3 -c 'import sys; print(round(float(sys.argv[1]) / float(sys.argv[2]), 4))' "$rps" "${reference_rps[$workload]}")" \
            "$result"
    fi
}

# What one durable write costs this disk: a 4 KiB append and fdatasync, as the WAL sync does.
python3 - "$work" <<'PY'
import os, sys, time, json
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
n, t = 200, time.perf_counter()
for _ in range(n):
    os.write(fd, b"\0" * 4096)
    os.fdatasync(fd)
print(json.dumps({"run": "fsync probe", "fdatasync_us": round((time.perf_counter() - t) / n * 1e6, 1)}))
PY

p=$(port)
target/release/ramd-bench --serve-reference "127.0.0.1:$p" 2>"$work/reference.log" &
echo $! >> "$work/pids"
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
ref="http://127.0.0.1:$p"
# create-full invites, so it runs last: the pending-invitation quota would stop the seeding of those after it.
workloads="write associate read read-page10 read-arn list-principals associations list-resources check-access terraform create-full"
for w in $workloads; do bench reference "$w" "$ref"; done

a=$(serve sqlite)
for w in $workloads; do bench "sqlite, 1 replica" "$w" "$a"; done

db=$(fresh_db one)
a=$(serve pg1 --database-url "$db")
bench "postgres, 1 replica" write "$a"
bench "postgres, 1 replica" read "$a"
bench "postgres, 1 replica" read-arn "$a"

db=$(fresh_db two)
a=$(serve pg2a --database-url "$db")
b=$(serve pg2b --database-url "$db")
bench "postgres, 2 replicas" write "$a" "$b"
bench "postgres, 2 replicas" read "$a" "$b"
bench "postgres, 2 replicas" read-arn "$a" "$b"
