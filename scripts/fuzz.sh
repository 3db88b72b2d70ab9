#!/usr/bin/env bash
# Runs ramd's fuzz targets (crates/ramd-fuzz) under libFuzzer: needs a nightly toolchain (not the
# test command: it replays the kept corpora on stable) and cargo-fuzz (installed when missing).
# Each target runs RUNS executions (default 10M) from its seeds (fuzz/seeds) and kept corpus, new
# finds added to the corpus, then the corpus is minimised in place; a crash stops the run and leaves the reproducer in
# fuzz/artifacts/<target>/ (keep it in fuzz/regressions/<target>/ once fixed). Prints each
# target's executions and corpus size, also kept in fuzz/logs/.
# Usage: scripts/fuzz.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs=${1:-10000000}
shift || true
targets=${*:-sigv4 rest_json organizations query arn page_token policy}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
mkdir -p logs
for target in $targets; do
    mkdir -p "corpus/$target"
    start=$(date +%s)
    cargo +nightly fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -runs="$runs" -max_len=4096 -print_final_stats=1 >"logs/$target.log" 2>&1 \
        || { tail -40 "logs/$target.log"; exit 1; }
    executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$')
    cargo +nightly fuzz cmin -O "$target" "corpus/$target" >"logs/$target.cmin.log" 2>&1
    printf '%-14s %12s executions in %5ss, no crash; corpus %s inputs\n' \
        "$target" "$executed" "$(( $(date +%s) - start ))" "$(ls "corpus/$target" | wc -l)" | tee -a logs/summary.txt
done
