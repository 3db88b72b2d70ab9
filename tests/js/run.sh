#!/usr/bin/env bash
# Runs the JavaScript SDK v3 end-to-end suite (tests/js/*.test.mjs) with Node's test runner, from any
# directory. Installs the pinned packages of package-lock.json when node_modules is missing or older
# than the lock file. Skips (exit 0) where Node.js or npm is not installed.
# Usage: RAMD_BIN=path/to/ramd tests/js/run.sh   (default RAMD_BIN: target/debug/ramd under the repository root)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "skipping the JavaScript SDK suite: no Node.js" >&2
    exit 0
fi

if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --silent)
    touch "$here/node_modules"
fi

# A relative RAMD_BIN is taken from the repository root, whatever the caller's directory.
RAMD_BIN=${RAMD_BIN:-target/debug/ramd}
case $RAMD_BIN in /*) ;; *) RAMD_BIN="$repo/$RAMD_BIN" ;; esac
export RAMD_BIN
# The pinned SDK warns on Node.js 20 that later SDK releases will need Node.js 22: not news for a pinned version.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

cd "$here"
exec node --test ./*.test.mjs
