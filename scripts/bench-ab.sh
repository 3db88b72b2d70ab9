#!/usr/bin/env bash
# Two ramd binaries against each other in one run: for each workload, the reference server, then
# BEFORE, then AFTER, each ramd on a fresh SQLite store (trust mode), so the results compare as
# shares of the same reference. Prints one line per run: label, workload, req/s, p50, p99, errors.
# Usage: scripts/bench-ab.sh BEFORE_DIR AFTER_DIR [seconds, default 8] [workloads...]
#   (a DIR holds `ramd` and `ramd-bench`, e.g. a copy of target/release made before a change)
set -euo pipefail
before=$1 after=$2 secs=${3:-8}
shift $(( $# < 3 ? $# : 3 ))
workloads=${*:-write associate read read-page10 read-arn list-principals associations list-resources check-access terraform}
. "$(dirname "$0")/bench-lib.sh"
for wl in $workloads; do
    reference_run "$wl" "$secs"
    ramd_run before "$before" "$work/before-$wl" "$wl" "$secs" --seed 200
    ramd_run after "$after" "$work/after-$wl" "$wl" "$secs" --seed 200
done
