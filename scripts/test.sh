#!/usr/bin/env bash
# Runs every test of ramd: generated-code and data checks, formatting and lints, the Rust unit,
# store and SDK end-to-end tests, then the boto3 + AWS CLI suite against the built binary.
# Installs what it needs (Python packages into .venv). Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "model and catalogue are current"
python3 tools/gen_model.py --check
python3 tools/check_catalog.py

step "cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D clippy::all

step "cargo test (unit, store, in-process Rust SDK suites)"
cargo test --workspace --quiet

step "build the ramd binary"
cargo build -p ramd --quiet
export RAMD_BIN="$PWD/target/debug/ramd"

step "python suite (boto3 + AWS CLI)"
if [ ! -x .venv/bin/pytest ] || ! cmp -s tests/e2e/requirements.txt .venv/requirements.txt; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
    cp tests/e2e/requirements.txt .venv/requirements.txt
fi
.venv/bin/pytest tests/e2e -q -p no:cacheprovider
