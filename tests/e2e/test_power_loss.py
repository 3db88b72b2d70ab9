"""Simulated power loss on SQLite: no acknowledged write is lost, and none is half-applied.

Each trial mounts lossyfs (tests/powerloss/lossyfs.py: a FUSE filesystem whose backing directory
keeps only what was fsynced) over an empty directory and runs `ramd serve --auth trust` with its
data directory on the mount. Four writers (one account each) drive a random mix of
CreateResourceShare (two resources, principals, tags, a clientToken), Associate/
DisassociateResourceShare, Tag/UntagResource and DeleteResourceShare, each keeping a ledger of the
calls answered HTTP 200, in order, and the one call in flight at the cut. After a random
0.3-1.5 s, right after the acknowledgement of a call sent after that moment (its commit is then the
newest, the one a missing sync would lose), the power is cut: ramd is stopped, the filesystem ends
without applying what was not synced (odd trials: a *torn* cut, where a random prefix of each
file's unsynced writes, then about half of the later 512-byte pieces, reach the disk), ramd is
killed and the mount detached. Then, on a copy of the backing directory, no FUSE:

* `PRAGMA integrity_check` is ok and `foreign_key_check` empty;
* ramd starts, and each account's shares (GetResourceShares: status, tags) and live associations
  (GetResourceShareAssociations: ASSOCIATED/ASSOCIATING resources and principals) equal the state
  the writer's first k calls imply, for some k: a prefix of its history (a later write never
  survives an earlier one, and a call is all there or not at all);
* with `--sqlite-durability fsync` (the default) k covers every acknowledged call: lost = 0; the
  in-flight call may or may not be there, but only whole.

The control runs the same trials with `--sqlite-durability os`, which answers before the WAL is
synced: there the store must still be a consistent prefix, and acknowledged writes MUST be lost
(at least once over the trials), or the filesystem is not dropping unsynced data and the first
test proves nothing.

RAMD_POWERLOSS_TRIALS sets the trials per mode (default 3; scripts/power-loss-trials.sh runs 20),
RAMD_POWERLOSS_SEED the writers' choices, RAMD_POWERLOSS_REPORT a file that gets one JSON line per
trial. Skipped on PostgreSQL, and (with the reason) where FUSE cannot be mounted, unless
RAMD_REQUIRE_FUSE=1 makes that a failure. A third test checks lossyfs's own model of a disk.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import json
import mmap
import os
import random
import shutil
import signal
import sqlite3
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, RamdServer, make_client, tgw_arn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "powerloss"))

import lossyfs  # noqa: E402

TRIALS = int(os.environ.get("RAMD_POWERLOSS_TRIALS", "3"))
SEED = int(os.environ.get("RAMD_POWERLOSS_SEED") or random.randrange(1 << 32))
REPORT = os.environ.get("RAMD_POWERLOSS_REPORT")
WRITERS = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, "444444444444"]
RECEIVERS = [f"9000000000{i:02d}" for i in range(20)]  # outside any organization: invitations
TAG_KEYS = ["env", "team", "cost", "owner", "tier", "app"]
LIVE = {"ASSOCIATED", "ASSOCIATING"}
TORN_FRACTION = 0.5
# The writers invite the same few receivers many times over: lift the quotas they would reach.
QUOTAS = ["--quota", "pending-invitations=1000000", "--quota", "resource-shares=1000000"]

pytestmark = pytest.mark.skipif(os.environ.get("RAMD_TEST_BACKEND") == "postgres",
                                reason="simulated power loss is about the embedded SQLite store")


@pytest.fixture(autouse=True)
def _reset():
    """Replaces conftest's reset of the shared server: every trial starts servers of its own."""
    yield


def _cannot_mount(reason: str):
    if os.environ.get("RAMD_REQUIRE_FUSE") == "1":
        pytest.fail(f"RAMD_REQUIRE_FUSE=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def fuse_ready(tmp_path_factory):
    """Skips (with the reason) where lossyfs cannot be mounted."""
    if not os.path.exists("/dev/fuse"):
        _cannot_mount("no /dev/fuse on this machine")
    if importlib.util.find_spec("fuse") is None:
        _cannot_mount("fusepy is not installed (pip install -r tests/e2e/requirements.txt)")
    if ctypes.util.find_library("fuse") is None:
        _cannot_mount("libfuse 2 (libfuse.so.2) is not installed (Debian: apt-get install libfuse2)")
    base = tmp_path_factory.mktemp("lossyfs-probe")
    try:
        probe = lossyfs.LossyMount(base / "backing", base / "mnt", base / "lossyfs.log")
    except lossyfs.MountError as e:
        _cannot_mount(f"FUSE cannot be mounted here: {e}")
    probe.close()


@pytest.fixture
def power_rig(fuse_ready, tmp_path):
    """Mounts and servers of one test, ended even when the test fails (a leaked FUSE mount breaks
    later tests): servers are killed (a stopped one too), then every mount is detached."""
    mounts: list[lossyfs.LossyMount] = []
    servers: list[RamdServer] = []

    class Rig:
        def mount(self, name: str) -> lossyfs.LossyMount:
            base = tmp_path / name
            m = lossyfs.LossyMount(base / "backing", base / "mnt", base / "lossyfs.log")
            mounts.append(m)
            return m

        def server(self, data_dir: Path, durability: str = "fsync") -> RamdServer:
            logs = tmp_path / "logs"
            logs.mkdir(exist_ok=True)
            s = RamdServer(data_dir, auth="trust", extra_args=["--sqlite-durability", durability, *QUOTAS],
                           log_dir=logs)
            servers.append(s)
            return s.start()

    yield Rig()
    for s in servers:
        if s.proc is not None and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.proc = None
    for m in mounts:
        m.close()


# --------------------------------------------------------------------------------------------
# a writer's model of its own shares: name -> status, live resources and principals, tags
# --------------------------------------------------------------------------------------------

EMPTY = {"resources": frozenset(), "principals": frozenset(), "tags": {}}


def apply(state: dict, call: dict) -> dict:
    """The state after one call (the state before is not changed)."""
    state = dict(state)
    op, name = call["op"], call["name"]
    if op == "create":
        state[name] = {"status": "ACTIVE", "resources": frozenset(call["resources"]),
                       "principals": frozenset(call["principals"]), "tags": dict(call["tags"])}
        return state
    share = dict(state[name])
    if op == "associate":
        share["resources"] |= set(call["resources"])
        share["principals"] |= set(call["principals"])
    elif op == "disassociate":
        share["resources"] -= set(call["resources"])
    elif op == "tag":
        share["tags"] = {**share["tags"], **call["tags"]}
    elif op == "untag":
        share["tags"] = {k: v for k, v in share["tags"].items() if k not in call["keys"]}
    elif op == "delete":
        share = {"status": "DELETED", **EMPTY}  # a deleted share's associations end; its tags are not read
    state[name] = share
    return state


class FreshAck:
    """Signals the first acknowledgement of a call *sent* after `arm()`: that call committed after
    the moment chosen for the cut, so unless a WAL sync covers it, it is the newest unsynced commit.
    (An answer that was already on its way could belong to a commit an immediately following
    checkpoint synced, which would make the control's cut lose nothing.)"""

    def __init__(self):
        self.event = threading.Event()
        self.armed_at = float("inf")

    def arm(self) -> None:
        self.armed_at = time.monotonic()

    def acknowledged(self, sent: float) -> None:
        if sent > self.armed_at:
            self.event.set()


@dataclass
class Writer:
    account: str
    client: object
    rng: random.Random
    trial: int
    acked: list = field(default_factory=list)  # calls answered 200, in order
    inflight: dict | None = None  # the call with no answer at the cut
    refused: list = field(default_factory=list)  # answered otherwise (a valid call: must not happen)
    state: dict = field(default_factory=dict)  # what `acked` implies
    arns: dict = field(default_factory=dict)  # share name -> ARN, for the acknowledged creates

    def next_call(self) -> dict:
        active = sorted(n for n, s in self.state.items() if s["status"] == "ACTIVE")
        ops = ["create"] * 3
        if active:
            ops += ["associate"] * 2 + ["tag"] * 2 + ["untag", "delete", "disassociate"]
        op = self.rng.choice(ops)
        if op == "create":
            name = f"pl{self.trial}-{self.account}-{len(self.acked)}-{uuid.uuid4().hex[:6]}"
            return {"op": "create", "name": name, "resources": [tgw_arn(self.account), tgw_arn(self.account)],
                    "principals": self.rng.sample(RECEIVERS, self.rng.randint(1, 2)),
                    "tags": self._tags(2), "token": uuid.uuid4().hex}
        name = self.rng.choice(active)
        share = self.state[name]
        if op == "associate":
            return {"op": op, "name": name, "resources": [tgw_arn(self.account), tgw_arn(self.account)],
                    "principals": [self.rng.choice(RECEIVERS)]}
        if op == "disassociate" and share["resources"]:
            return {"op": op, "name": name, "resources": [self.rng.choice(sorted(share["resources"]))]}
        if op == "untag" and share["tags"]:
            return {"op": op, "name": name, "keys": [self.rng.choice(sorted(share["tags"]))]}
        if op == "delete":
            return {"op": op, "name": name, "token": uuid.uuid4().hex}
        return {"op": "tag", "name": name, "tags": self._tags(2)}

    def _tags(self, n: int) -> dict:
        return {k: uuid.uuid4().hex[:8] for k in self.rng.sample(TAG_KEYS, n)}

    def send(self, call: dict) -> str:
        """Makes the call; returns the share ARN it answered for a create."""
        c, arn = self.client, self.arns.get(call["name"])
        op = call["op"]
        if op == "create":
            return c.create_resource_share(
                name=call["name"], resourceArns=call["resources"], principals=call["principals"],
                tags=[{"key": k, "value": v} for k, v in call["tags"].items()],
                clientToken=call["token"])["resourceShare"]["resourceShareArn"]
        if op == "associate":
            c.associate_resource_share(resourceShareArn=arn, resourceArns=call["resources"],
                                       principals=call["principals"])
        elif op == "disassociate":
            c.disassociate_resource_share(resourceShareArn=arn, resourceArns=call["resources"])
        elif op == "tag":
            c.tag_resource(resourceShareArn=arn, tags=[{"key": k, "value": v} for k, v in call["tags"].items()])
        elif op == "untag":
            c.untag_resource(resourceShareArn=arn, tagKeys=call["keys"])
        elif op == "delete":
            c.delete_resource_share(resourceShareArn=arn, clientToken=call["token"])
        return arn

    def run(self, cut_started: threading.Event, fresh_ack: "FreshAck", errors: list) -> None:
        while not cut_started.is_set():
            call = self.next_call()
            sent = time.monotonic()
            try:
                arn = self.send(call)
            except ClientError as e:
                self.refused.append((call, e.response["Error"]["Code"]))
                continue
            except Exception as e:  # noqa: BLE001 - the connection broke: at the cut, or ramd died
                self.inflight = call
                if not cut_started.is_set():
                    errors.append(f"{self.account}: {call['op']} failed before the cut: {e!r}")
                return
            if call["op"] == "create":
                self.arns[call["name"]] = arn
            self.acked.append(call)
            self.state = apply(self.state, call)
            fresh_ack.acknowledged(sent)


def observed_state(client) -> dict:
    """An account's shares as ramd shows them, in the model's projection."""
    state = {}
    for page in client.get_paginator("get_resource_shares").paginate(resourceOwner="SELF"):
        for s in page["resourceShares"]:
            state[s["name"]] = {"status": s["status"], **EMPTY}
            if s["status"] == "ACTIVE":
                state[s["name"]]["tags"] = {t["key"]: t["value"] for t in s.get("tags", [])}
            elif s["status"] != "DELETED":
                state[s["name"]]["status"] = s["status"]  # an unexpected status: fails the comparison
    for kind, member in (("RESOURCE", "resources"), ("PRINCIPAL", "principals")):
        pages = client.get_paginator("get_resource_share_associations").paginate(associationType=kind)
        for page in pages:
            for a in page["resourceShareAssociations"]:
                share = state.get(a["resourceShareName"])
                if a["status"] in LIVE and share is not None and share["status"] == "ACTIVE":
                    share[member] = share[member] | {a["associatedEntity"]}
    return state


def diff(expected: dict, observed: dict) -> list[str]:
    out = []
    for name in sorted(set(expected) | set(observed)):
        e, o = expected.get(name), observed.get(name)
        if e is None:
            out.append(f"{name}: not created by any call, found {o['status']}")
        elif o is None:
            out.append(f"{name}: missing (expected {e['status']})")
        else:
            for key in ("status", "resources", "principals", "tags"):
                if e[key] != o[key]:
                    out.append(f"{name}: {key} expected {e[key]!r}, found {o[key]!r}")
    return out


def judge(writer: Writer, observed: dict) -> dict:
    """Which prefix of the writer's history the store shows: the largest k whose state equals it
    (k = len(acked) + 1 when the in-flight call is there whole)."""
    history = writer.acked + ([writer.inflight] if writer.inflight else [])
    state, matches = {}, []
    for k in range(len(history) + 1):
        if k:
            state = apply(state, history[k - 1])
        if state == observed:
            matches.append(k)
    n = len(writer.acked)
    verdict = {"account": writer.account, "acked": n, "inflight": writer.inflight is not None}
    if not matches:
        # Neither a prefix nor the in-flight call whole: show the difference from what was acknowledged.
        verdict["inconsistent"] = diff(writer.state, observed)[:12]
        verdict["lost"] = None
    else:
        k = max(matches)
        verdict["lost"] = max(0, n - k)
        verdict["inflight_applied"] = k == n + 1
        if verdict["lost"]:
            verdict["missing"] = diff(writer.state, observed)[:6]
    return verdict


def sqlite_integrity(data_dir: Path, scratch: Path) -> list[str]:
    """integrity_check and foreign_key_check, on a copy (opening it recovers the WAL)."""
    shutil.copytree(data_dir, scratch)
    conn = sqlite3.connect(scratch / "ramd.sqlite3")
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        fks = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    problems = [] if integrity == ["ok"] else [f"integrity_check: {integrity[:5]}"]
    return problems + ([f"foreign_key_check: {fks[:5]}"] if fks else [])


# --------------------------------------------------------------------------------------------
# one trial
# --------------------------------------------------------------------------------------------


def trial(rig, tmp_path: Path, number: int, durability: str) -> dict:
    rng = random.Random(f"{SEED}-{durability}-{number}")
    torn = TORN_FRACTION if number % 2 else 0.0
    mount = rig.mount(f"{durability}-{number}")
    server = rig.server(mount.mountpoint / "data", durability)
    writers = [Writer(a, make_client(server.url, account=a, validate=False), random.Random(rng.random()), number)
               for a in WRITERS]
    cut_started, fresh_ack, errors = threading.Event(), FreshAck(), []
    threads = [threading.Thread(target=w.run, args=(cut_started, fresh_ack, errors), daemon=True)
               for w in writers]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.3, 1.5))
    # Cut right after a fresh acknowledgement: that write's commit is the newest, the likeliest to
    # be unsynced (the control depends on this; fsync mode must keep it all the same).
    fresh_ack.arm()
    fresh_ack.event.wait(timeout=10)
    # Stopped first, so ramd answers nobody after the cut, and the writers keep their calls going
    # until then (what the stop catches unanswered is in flight).
    os.kill(server.proc.pid, signal.SIGSTOP)
    cut_started.set()
    cut_at = time.monotonic() - started
    dropped = mount.cut(torn=torn, seed=rng.randrange(1 << 32))
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.proc = None
    mount.close()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a writer did not stop after the cut"

    store = mount.backing / "data"
    problems = list(errors) + [f"{w.account}: {c['op']} refused with {code}" for w in writers for c, code in w.refused]
    if "error" in dropped:
        problems.append(f"the cut failed: {dropped['error']}")
    problems += sqlite_integrity(store, tmp_path / f"check-{durability}-{number}")
    after = tmp_path / f"after-{durability}-{number}"
    shutil.copytree(store, after)
    restarted = rig.server(after)
    verdicts = [judge(w, observed_state(make_client(restarted.url, account=w.account, validate=False)))
                for w in writers]
    restarted.stop()
    result = {
        "durability": durability, "trial": number, "seed": SEED, "torn": torn,
        "seconds_to_cut": round(cut_at, 2),
        "acked": sum(v["acked"] for v in verdicts),
        "inflight": sum(v["inflight"] for v in verdicts),
        "inflight_applied": sum(bool(v.get("inflight_applied")) for v in verdicts),
        "lost": sum(v["lost"] or 0 for v in verdicts),
        "unsynced_bytes_at_cut": sum(f.get("unsynced_bytes", 0) for f in dropped.values()
                                     if isinstance(f, dict)),
        "dropped": dropped,
        "problems": problems + [f"{v['account']}: not a prefix of its history: {v['inconsistent']}"
                                for v in verdicts if v["lost"] is None],
        "losses": [v for v in verdicts if v["lost"]],
    }
    if REPORT:
        with open(REPORT, "a") as f:
            f.write(json.dumps(result, default=str) + "\n")
    print(f"\npower-loss {durability} trial {number} ({'torn' if torn else 'clean'} cut): "
          f"{result['acked']} acknowledged, {result['lost']} lost, in flight {result['inflight']} "
          f"({result['inflight_applied']} applied), {result['unsynced_bytes_at_cut']} bytes unsynced at the cut")
    return result


def run_trials(rig, tmp_path, durability: str) -> list[dict]:
    return [trial(rig, tmp_path, n, durability) for n in range(TRIALS)]


def _exercise(root: Path) -> dict:
    """File operations whose effect on the mount and, after a cut, on the disk are known."""
    with open(root / "synced", "wb", buffering=0) as f:
        f.write(b"durable")
        os.fsync(f.fileno())
        f.write(b"+unsynced")  # the process sees it; the disk does not get it
    with open(root / "synced", "rb") as f:
        assert f.read() == b"durable+unsynced"
    with open(root / "shrunk", "wb", buffering=0) as f:
        f.write(b"0123456789")
        f.truncate(3)
        f.seek(6)
        f.write(b"x")  # reopens a hole of zeros where "3456" was
        os.fdatasync(f.fileno())
    with open(root / "moved", "wb", buffering=0) as f:
        f.write(os.urandom(10000))  # never synced, then renamed: the new name, no data
    os.rename(root / "moved", root / "renamed")
    with open(root / "gone", "w+b", buffering=0) as f:
        f.write(b"temporary")
        os.unlink(root / "gone")  # still read through the open handle, gone from the disk
        f.seek(0)
        assert f.read() == b"temporary" and os.fstat(f.fileno()).st_size == 9
    with open(root / "mapped", "w+b", buffering=0) as f:
        f.truncate(8192)
        os.fsync(f.fileno())
        with mmap.mmap(f.fileno(), 8192) as mm:
            mm[100:104] = b"mmap"  # no msync: written back to the filesystem, not synced
    with open(root / "mapped", "rb") as f:
        assert f.read()[100:104] == b"mmap"
    return {"synced": b"durable", "shrunk": b"012\0\0\0x", "renamed": b"", "mapped": bytes(8192)}


def _disk(backing: Path) -> dict:
    # libfuse keeps a file unlinked while open as .fuse_hidden* until its release, which the kernel
    # sends after close() returns: it may still be there.
    return {p.name: p.read_bytes() for p in backing.iterdir() if not p.name.startswith(".fuse_hidden")}


def test_lossyfs_keeps_what_was_synced_and_nothing_else(power_rig):
    """The filesystem's model itself: reads see every write; after a cut the backing directory holds
    what was fsynced and no more, and a torn cut with every piece kept holds all that was written."""
    clean = power_rig.mount("model-clean")
    expected = _exercise(clean.mountpoint)
    report = clean.cut()
    clean.close()
    assert _disk(clean.backing) == expected
    assert {f for f in report if not f.startswith("/.fuse_hidden")} == {"/synced", "/renamed", "/mapped"}, report

    torn = power_rig.mount("model-torn")
    _exercise(torn.mountpoint)
    torn.cut(torn=1.0)
    torn.close()
    files = _disk(torn.backing)
    assert files["synced"] == b"durable+unsynced" and files["shrunk"] == b"012\0\0\0x"
    assert len(files["renamed"]) == 10000 and files["mapped"][100:104] == b"mmap"


def test_power_loss_loses_no_acknowledged_write(power_rig, tmp_path):
    """`--sqlite-durability fsync`: every acknowledged write survives the cut; in-flight ones whole or not at all."""
    results = run_trials(power_rig, tmp_path, "fsync")
    problems = [f"trial {r['trial']}: {p}" for r in results for p in r["problems"]]
    losses = [f"trial {r['trial']}: {loss}" for r in results for loss in r["losses"]]
    assert not problems, f"seed {SEED}:\n" + "\n".join(problems)
    assert not losses, f"seed {SEED}: acknowledged writes lost in fsync mode:\n" + "\n".join(losses)
    assert all(r["acked"] > 0 for r in results), "a trial acknowledged nothing: it checked nothing"


def test_control_os_durability_loses_acknowledged_writes(power_rig, tmp_path):
    """The same trials with `--sqlite-durability os`: the harness must see the losses it exists to find."""
    results = run_trials(power_rig, tmp_path, "os")
    problems = [f"trial {r['trial']}: {p}" for r in results for p in r["problems"]]
    assert not problems, f"seed {SEED}:\n" + "\n".join(problems)
    lost = sum(r["lost"] for r in results)
    assert lost > 0, (f"seed {SEED}: no acknowledged write was lost over {len(results)} trials with "
                      "--sqlite-durability os: lossyfs is not dropping unsynced data, so the fsync test "
                      "proves nothing")
