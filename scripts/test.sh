#!/usr/bin/env bash
# Runs every test of ramd, on both storage backends: generated-code and data checks, formatting
# and lints, the Rust unit, store-conformance and SDK end-to-end suites, then the boto3 + AWS CLI
# suite against the built binary (including several replicas over one PostgreSQL database).
# Installs what it needs: Python packages into .venv, and Debian's postgresql package when no
# PostgreSQL server binaries are found (a throw-away cluster is started unless
# RAMD_TEST_DATABASE_URL names a server), Debian's libfuse2 for the simulated power-loss test, and
# Debian's chromium for the console's browser test.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "model and catalogue are current"
python3 tools/gen_model.py --check
python3 tools/check_catalog.py

step "cargo fmt / clippy"
cargo fmt --all -- --check
# Any rustc or clippy warning (pedantic as configured in [workspace.lints]) fails the run.
cargo clippy --workspace --all-targets --quiet -- -D warnings

if [ -z "${RAMD_TEST_DATABASE_URL:-}" ]; then
    step "throw-away PostgreSQL"
    pg_dir=$(mktemp -d)
    trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
    eval "$(scripts/postgres.sh start "$pg_dir")"
fi
export RAMD_TEST_DATABASE_URL
# Suites that can run on PostgreSQL must not skip it here.
export RAMD_REQUIRE_POSTGRES=1

step "cargo test: unit tests, store conformance (SQLite and PostgreSQL), Rust SDK suite on SQLite"
cargo test --workspace --quiet

step "Rust SDK suite on PostgreSQL"
RAMD_TEST_BACKEND=postgres cargo test -p ramd --test sdk --quiet

step "build the ramd binary"
cargo build -p ramd --quiet
export RAMD_BIN="$PWD/target/debug/ramd"

step "JavaScript SDK v3 suite (skipped without Node.js)"
tests/js/run.sh

# The power-loss test's FUSE filesystem (tests/powerloss/lossyfs.py) uses fusepy, which needs libfuse 2.
if ! ldconfig -p | grep -q 'libfuse\.so\.2 '; then
    step "installing libfuse2 (FUSE for the simulated power-loss test)"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfuse2 >&2
fi
# Here the power-loss test must run, not skip (as RAMD_REQUIRE_POSTGRES does for PostgreSQL).
export RAMD_REQUIRE_FUSE=1

# The console's browser test (tests/e2e/test_console.py) drives Debian's Chromium through Playwright;
# it skips, saying so, where no Chromium can be had.
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then
    step "installing chromium (the console's browser test)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >&2 ||
        echo "chromium could not be installed: the console's browser test will be skipped" >&2
fi

step "python suite (boto3 + AWS CLI)"
if [ ! -x .venv/bin/pytest ] || ! cmp -s tests/e2e/requirements.txt .venv/requirements.txt; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
    cp tests/e2e/requirements.txt .venv/requirements.txt
fi
step "python suite on SQLite"
.venv/bin/pytest tests/e2e -q -p no:cacheprovider
step "python suite on PostgreSQL (with the multi-replica tests)"
RAMD_TEST_BACKEND=postgres .venv/bin/pytest tests/e2e -q -p no:cacheprovider
