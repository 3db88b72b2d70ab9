#!/usr/bin/env bash
# One ramd binary on a small and on a large pre-seeded store (`ramd-bench seed`), in one run with
# the reference server: does a request cost the same whatever the store holds? Prints one line per
# run: label, workload, req/s, p50, p99, errors. The stores are used as they are (`--seed 0`).
# Usage: scripts/bench-size.sh BIN_DIR SMALL_DIR LARGE_DIR [seconds, default 8] [workloads...]
set -euo pipefail
bin=$1 small=$2 large=$3 secs=${4:-8}
shift $(( $# < 4 ? $# : 4 ))
workloads=${*:-list-resources list-principals read-arn read-page10 associations check-access}
. "$(dirname "$0")/bench-lib.sh"
for wl in $workloads; do
    reference_run "$wl" "$secs"
    ramd_run small "$bin" "$small" "$wl" "$secs" --seed 0
    ramd_run large "$bin" "$large" "$wl" "$secs" --seed 0
done
