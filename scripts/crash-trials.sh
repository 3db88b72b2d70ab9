#!/usr/bin/env bash
# The crash-consistency trials of tests/e2e/test_crash.py (ramd SIGKILLed under four writers, then
# every acknowledged write checked against their ledger), N per backend: on SQLite (N in each
# --sqlite-durability mode) and on PostgreSQL (a throw-away cluster unless RAMD_TEST_DATABASE_URL
# names a server); then the totals per backend. Runs the binary of $RAMD_BIN (default
# target/debug/ramd) with the .venv of scripts/test.sh. Usage: scripts/crash-trials.sh [N]  (N: 20)
set -euo pipefail
cd "$(dirname "$0")/.."
export RAMD_CRASH_TRIALS=${1:-20}

step() { printf '\n==> %s\n' "$*" >&2; }

RAMD_CRASH_REPORT=$(mktemp)
export RAMD_CRASH_REPORT
pg_dir=
trap 'rm -f "$RAMD_CRASH_REPORT"; if [ -n "$pg_dir" ]; then scripts/postgres.sh stop "$pg_dir"; fi' EXIT
if [ -z "${RAMD_TEST_DATABASE_URL:-}" ]; then
    step "throw-away PostgreSQL"
    pg_dir=$(mktemp -d)
    eval "$(scripts/postgres.sh start "$pg_dir")"
fi
export RAMD_TEST_DATABASE_URL

status=0
for backend in sqlite postgres; do
    step "$RAMD_CRASH_TRIALS crash trials on $backend"
    RAMD_TEST_BACKEND=$backend .venv/bin/pytest tests/e2e/test_crash.py -q -p no:cacheprovider || status=1
done

step "totals"
python3 - "$RAMD_CRASH_REPORT" <<'EOF'
import collections, json, sys
totals = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    t = json.loads(line)
    total = totals[t["backend"] + (f" ({t['durability']})" if t["durability"] else "")]
    total.update(trials=1, acknowledged=t["acknowledged"], facts=t["facts_checked"], in_flight=t["in_flight_calls"],
                 replayed=t["replayed"], throttled=t["throttled"], lost=t["lost"], extra=t["extra"],
                 half_applied=t["half_applied"], failed=int(bool(t["problems"])))
    total.update(c["outcome"] for c in t["in_flight"].values())
for name, c in totals.items():
    print(f"{name}: {c['trials']} trials, {c['acknowledged']} acknowledged writes checked ({c['facts']} facts), "
          f"{c['in_flight']} in flight ({c['applied']} applied, {c['not applied']} not applied, "
          f"{c['no visible effect']} no visible effect), {c['replayed']} replayed, {c['throttled']} throttled; "
          f"lost {c['lost']}, extra {c['extra']}, half-applied {c['half_applied']}, failed trials {c['failed']}")
EOF
exit $status
