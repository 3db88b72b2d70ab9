"""The admin commands beside `serve`: `ramd migrate` (safe to run from several processes at once)."""
import json
import subprocess

from conftest import RAMD_BIN, store_args


def migrate(data_dir) -> subprocess.Popen:
    return subprocess.Popen([str(RAMD_BIN), "migrate", *store_args(data_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"})


def test_migrations_run_from_several_processes_at_once(tmp_path):
    procs = [migrate(tmp_path) for _ in range(4)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    versions = {json.loads(out)["schemaVersion"] for out, _ in results}
    assert len(versions) == 1 and versions.pop() >= 3
    # Running it again changes nothing.
    again = migrate(tmp_path)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert json.loads(out)["schemaVersion"] >= 3
