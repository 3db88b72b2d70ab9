#!/usr/bin/env bash
# Simulated power loss on SQLite, N trials per durability mode (default 20), and the figures:
# acknowledged writes checked and lost under --sqlite-durability fsync (must be 0), and lost under
# --sqlite-durability os (the control: must be > 0). Runs tests/e2e/test_power_loss.py (as root,
# with /dev/fuse, libfuse2 and the e2e requirements in .venv) against $RAMD_BIN (default
# target/debug/ramd). Usage: scripts/power-loss-trials.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20}
report=$(mktemp)
trap 'rm -f "$report"' EXIT

status=0
RAMD_POWERLOSS_TRIALS=$trials RAMD_POWERLOSS_REPORT=$report RAMD_REQUIRE_FUSE=1 \
    .venv/bin/pytest tests/e2e/test_power_loss.py -q -p no:cacheprovider || status=$?

python3 - "$report" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for mode in ("fsync", "os"):
    r = [x for x in rows if x["durability"] == mode]
    if not r:
        continue
    print(f"{mode:>5}: {len(r)} trials ({sum(1 for x in r if x['torn'])} torn cuts), "
          f"{sum(x['acked'] for x in r)} acknowledged writes checked, {sum(x['lost'] for x in r)} lost "
          f"(in {sum(1 for x in r if x['lost'])} trials), {sum(x['inflight'] for x in r)} in flight at the cut "
          f"({sum(x['inflight_applied'] for x in r)} applied whole), "
          f"{sum(len(x['problems']) for x in r)} other problems")
EOF
exit $status
