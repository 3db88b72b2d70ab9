#!/usr/bin/env bash
# Two ramd runs per workload in one run with the reference server, so they compare as shares of the
# same reference. Prints one line per run: label, workload, req/s, p50, p99, errors.
#   scripts/bench-compare.sh binaries BEFORE_DIR AFTER_DIR [seconds] [workloads...]
#       two builds (a DIR holds `ramd`, e.g. a copy of target/release made before a change), each
#       on a fresh SQLite store that the workload seeds (200 shares per account);
#   scripts/bench-compare.sh stores BIN_DIR SMALL_DIR LARGE_DIR [seconds] [workloads...]
#       one build on a small and a large store made by `ramd-bench seed`, used as they are: does a
#       request cost the same whatever the store holds?
# Seconds default to 8, workloads to every read and write workload (stores: the reads).
set -euo pipefail
mode=$1
case $mode in
    binaries) a=(before "$2" "" --seed 200) b=(after "$3" "" --seed 200); shift 3 ;;
    stores) a=(small "$2" "$3" --seed 0) b=(large "$2" "$4" --seed 0); shift 4 ;;
    *) echo "usage: $0 binaries BEFORE AFTER | stores BIN SMALL LARGE [seconds] [workloads...]" >&2; exit 2 ;;
esac
secs=${1:-8}
shift $(( $# < 1 ? $# : 1 ))
default="list-resources list-principals read-arn read-page10 associations check-access"
[ "$mode" = binaries ] && default="write associate read read-page10 read-arn list-principals associations list-resources check-access terraform"
workloads=${*:-$default}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p ramd-bench --quiet
loadgen=$PWD/target/release/ramd-bench
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; }
summary() { # summary LABEL WORKLOAD < result JSON
    python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency_ms"]; print(sys.argv[1], sys.argv[2], round(r["requests_per_second"]), "p50", l["p50"], "p99", l["p99"], "errors", r["errors_by_code"])' "$1" "$2"
}
ref_port=$(port)
"$loadgen" --serve-reference "127.0.0.1:$ref_port" 2>/dev/null &
wait_port "$ref_port"
reference_run() { # reference_run WORKLOAD SECONDS
    "$loadgen" --endpoint "http://127.0.0.1:$ref_port" --workload "$1" --seconds "$2" 2>/dev/null | summary reference "$1"
}
ramd_run() { # ramd_run LABEL BIN_DIR DATA_DIR WORKLOAD SECONDS BENCH_ARGS...
    local p pid
    p=$(port)
    "$2/ramd" serve --auth trust --listen "127.0.0.1:$p" --data-dir "$3" >/dev/null 2>"$work/$1.log" &
    pid=$!
    wait_port "$p"
    "$loadgen" --endpoint "http://127.0.0.1:$p" --workload "$4" --seconds "$5" "${@:6}" 2>"$work/bench.err" | summary "$1" "$4" \
        || tail -2 "$work/bench.err"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
for wl in $workloads; do
    reference_run "$wl" "$secs"
    for side in a b; do
        declare -n s=$side
        ramd_run "${s[0]}" "${s[1]}" "${s[2]:-$work/${s[0]}-$wl}" "$wl" "$secs" "${s[@]:3}"
    done
done
