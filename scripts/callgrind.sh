#!/usr/bin/env bash
# Instructions per request of ramd, counted by callgrind: deterministic where requests/s is not
# (docs/benchmarks.md, "Instruction counts"). Builds release binaries, seeds a fresh SQLite store
# directly (`ramd-bench seed`, outside the measured server), starts `ramd serve --auth trust` under
# `valgrind --tool=callgrind` on it, and for each workload: warms up, zeroes the counters once the
# client has prepared (`--before-run`), sends a fixed number of requests at concurrency 1, dumps
# the counters and divides the instructions (Ir, all threads) by the requests. Prints one JSON line
# per workload. Installs valgrind (Debian's package) when it is missing.
# Usage: scripts/callgrind.sh [requests per workload, default 2000] [workloads, default
#        "read-arn read-page10 write associate check-access"]; RAMD_CALLGRIND_KEEP=DIR keeps the
#        dumps (callgrind_annotate DIR/callgrind.out.*) in DIR
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-2000}
workloads=${2:-read-arn read-page10 write associate check-access}
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
cargo build --release -p ramd -p ramd-bench --quiet
work=$(mktemp -d)
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    if [ -n "${RAMD_CALLGRIND_KEEP:-}" ]; then rm -rf "$RAMD_CALLGRIND_KEEP"; mv "$work" "$RAMD_CALLGRIND_KEEP"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The store: 20 accounts, 2,000 shares, a tenth of them shared with the receiver.
target/release/ramd-bench seed --data-dir "$work/data" --accounts 20 --shares 2000 \
    --heavy-accounts 0 --receiver-percent 10 --rng-seed 1 >"$work/seed.json"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" \
    target/release/ramd serve --auth trust --data-dir "$work/data" --listen "127.0.0.1:$port" \
    >/dev/null 2>"$work/ramd.log" &
pid=$!
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
endpoint="http://127.0.0.1:$port"

# The instructions (Ir) of the newest dump.
instructions() {
    local f
    f=$(ls -t "$work"/callgrind.out."$pid".* | head -1)
    awk '/^(summary|totals):/ {print $2; exit}' "$f"
}

for w in $workloads; do
    bench=(target/release/ramd-bench --endpoint "$endpoint" --workload "$w" --seed 0 --concurrency 1 --accounts 8)
    "${bench[@]}" --requests 50 >/dev/null
    result=$("${bench[@]}" --requests "$requests" --before-run "callgrind_control --zero $pid >/dev/null 2>&1")
    callgrind_control --dump="$w" "$pid" >/dev/null 2>&1
    ir=$(instructions)
    python3 - "$w" "$requests" "$ir" "$result" <<'EOF'
import json, sys
w, n, ir, result = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
print(json.dumps({"workload": w, "requests": n, "ok": result["ok"], "errors": result["errors"],
                  "instructions": ir, "instructions_per_request": round(ir / n)}))
EOF
done
