# Shared by scripts/bench-ab.sh and scripts/bench-size.sh (sourced): a reference server, ramd runs
# on a free port, one summary line per run. Uses target/release/ramd-bench as the load generator.
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
