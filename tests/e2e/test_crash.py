"""Crash consistency: SIGKILL under a write load loses no acknowledged write and half-applies none.

Every trial starts ramd (trust mode) on a fresh store, lets four writers (one account each) drive a
random mix of CreateResourceShare, Associate/DisassociateResourceShare, UpdateResourceShare,
Tag/UntagResource and DeleteResourceShare at it, and kills it with SIGKILL after a random
0.2-1.5 s. Each writer keeps a ledger: the state of its shares that the calls answered with HTTP 200
imply, and the one call it had in flight when the connection broke. After the kill the SQLite store
passes `PRAGMA integrity_check`; ramd restarts on the same store and the read APIs
(GetResourceShares, GetResourceShareAssociations, ListResources) must show, for each account,
exactly the ledger's state, or the ledger's state with the in-flight call applied completely:

* lost: an acknowledged effect missing (a share, its latest name or tags, an association, a deletion);
* extra: something no call asked for (a share, tag or association);
* half-applied: the in-flight call partly there.

All three must be empty. No call may be answered 5xx, and none refused but with ThrottlingException
(PostgreSQL conflicts beyond ramd's retries): every call is valid for the ledger's state, and a
refused one must have changed nothing. Then each in-flight call is sent again, with its clientToken where the
operation takes one, and must succeed and leave exactly the fully applied state (a create already
committed before the crash is answered with the same share, not a second one).

RAMD_CRASH_TRIALS sets the number of trials (default 5) per backend and, on SQLite, per
`--sqlite-durability` mode; RAMD_CRASH_SEED fixes the writers' choices (the kill's timing still
varies); RAMD_CRASH_REPORT names a file that gets one JSON line per trial (scripts/crash-trials.sh).
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, REGION, RamdServer, license_arn, store_args, tgw_arn

BACKEND = "postgres" if os.environ.get("RAMD_TEST_BACKEND") == "postgres" else "sqlite"
TRIALS = int(os.environ.get("RAMD_CRASH_TRIALS", "5"))
SEED = int(os.environ.get("RAMD_CRASH_SEED") or random.randrange(1 << 32))
WRITERS = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, "444444444444"]
TAG_KEYS = ["env", "team", "cost", "owner", "tier", "app"]
# Only the embedded store has a durability setting; SIGKILL must lose nothing under either mode.
DURABILITIES = ["fsync", "os"] if BACKEND == "sqlite" else [None]
NEW = "<the in-flight create>"  # the model's key of a share whose create had no answer


@pytest.fixture(autouse=True)
def _reset():
    """Replaces conftest's reset of the shared server: every trial starts a server of its own."""
    yield


# --------------------------------------------------------------------------------------------
# the model a writer keeps of its own shares
# --------------------------------------------------------------------------------------------


@dataclass
class Share:
    name: str
    tags: dict[str, str]
    resources: set[str]
    principals: set[str]
    deleted: bool = False
    named: set[str] = field(default_factory=set)  # every entity a call named: may be listed DISASSOCIATED


Model = dict[str, Share]  # share ARN -> what the acknowledged calls imply


@dataclass
class Call:
    op: str
    method: str
    path: str
    body: dict | None
    # What the call does to the model once applied; a create is given its share's ARN.
    effect: Callable[[Model, str], None]


def is_principal(entity: str) -> bool:
    return not entity.startswith("arn:")


def create(name, resources, principals, tags, token) -> Call:
    def effect(model, arn):
        model[arn] = Share(name, dict(tags), set(resources), set(principals), named=set(resources + principals))
    body = {"name": name, "resourceArns": resources, "principals": principals,
            "tags": [{"key": k, "value": v} for k, v in tags.items()], "clientToken": token}
    return Call("create", "POST", "/createresourceshare", body, effect)


def associate(arn, entities, token) -> Call:
    def effect(model, _):
        share = model[arn]
        share.resources |= {e for e in entities if not is_principal(e)}
        share.principals |= {e for e in entities if is_principal(e)}
        share.named |= set(entities)
    return Call("associate", "POST", "/associateresourceshare", entity_body(arn, entities, token), effect)


def disassociate(arn, entities, token) -> Call:
    def effect(model, _):
        model[arn].resources -= set(entities)
        model[arn].principals -= set(entities)
    return Call("disassociate", "POST", "/disassociateresourceshare", entity_body(arn, entities, token), effect)


def entity_body(arn, entities, token) -> dict:
    body = {"resourceShareArn": arn, "clientToken": token}
    resources = [e for e in entities if not is_principal(e)]
    principals = [e for e in entities if is_principal(e)]
    if resources:
        body["resourceArns"] = resources
    if principals:
        body["principals"] = principals
    return body


def rename(arn, name, token) -> Call:
    def effect(model, _):
        model[arn].name = name
    body = {"resourceShareArn": arn, "name": name, "clientToken": token}
    return Call("update", "POST", "/updateresourceshare", body, effect)


def tag(arn, tags) -> Call:
    def effect(model, _):
        model[arn].tags.update(tags)
    body = {"resourceShareArn": arn, "tags": [{"key": k, "value": v} for k, v in tags.items()]}
    return Call("tag", "POST", "/tagresource", body, effect)


def untag(arn, keys) -> Call:
    def effect(model, _):
        for key in keys:
            model[arn].tags.pop(key, None)
    return Call("untag", "POST", "/untagresource", {"resourceShareArn": arn, "tagKeys": keys}, effect)


def delete(arn, token) -> Call:
    def effect(model, _):
        share = model[arn]
        share.deleted, share.resources, share.principals = True, set(), set()
    query = urllib.parse.urlencode({"resourceShareArn": arn, "clientToken": token})
    return Call("delete", "DELETE", f"/deleteresourceshare?{query}", None, effect)


def facts(model: Model) -> set[tuple]:
    """The model as the facts the read APIs must show (an association only while it is live)."""
    out = set()
    for arn, share in model.items():
        out |= {("status", arn, "DELETED" if share.deleted else "ACTIVE"), ("name", arn, share.name)}
        out |= {("tag", arn, k, v) for k, v in share.tags.items()}
        out |= {("resource", arn, r) for r in share.resources}
        out |= {("listed", arn, r) for r in share.resources}  # ListResources' view of the same
        out |= {("principal", arn, p) for p in share.principals}
    return out


# --------------------------------------------------------------------------------------------
# talking to ramd
# --------------------------------------------------------------------------------------------


def send(session: requests.Session, url: str, account: str, method: str, path: str, body=None):
    """One signed call (trust mode reads the account from the credential; the secret is unchecked)."""
    data = json.dumps(body).encode() if body is not None else b""
    req = AWSRequest(method=method, url=url + path, data=data,
                     headers={"Content-Type": "application/json"} if data else {})
    SigV4Auth(Credentials(account, "x"), "ram", REGION).add_auth(req)
    prepared = req.prepare()
    return session.request(prepared.method, prepared.url, data=prepared.body,
                           headers=dict(prepared.headers), timeout=10)


def read_all(session, url, account, path, body, key) -> list[dict]:
    """Every item of a listing, a small page at a time (so the walk crosses page tokens)."""
    items, token = [], None
    while True:
        page = dict(body, maxResults=20, **({"nextToken": token} if token else {}))
        r = send(session, url, account, "POST", path, page)
        assert r.status_code == 200, (path, r.status_code, r.text)
        out = r.json()
        items += out.get(key, [])
        token = out.get("nextToken")
        if not token:
            return items


def observe(session, url, account) -> tuple[set[tuple], set[tuple[str, str]]]:
    """What the read APIs show of the account's own shares, as facts (see `facts`), and every
    (share, entity) pair listed in any status."""
    shown, listed = set(), set()
    for s in read_all(session, url, account, "/getresourceshares", {"resourceOwner": "SELF"}, "resourceShares"):
        arn = s["resourceShareArn"]
        shown |= {("status", arn, s["status"]), ("name", arn, s["name"])}
        shown |= {("tag", arn, t["key"], t["value"]) for t in s.get("tags", [])}
    live = {"RESOURCE": {"ASSOCIATED"}, "PRINCIPAL": {"ASSOCIATED", "ASSOCIATING"}}  # invitations may pend
    for kind in live:
        for a in read_all(session, url, account, "/getresourceshareassociations", {"associationType": kind},
                          "resourceShareAssociations"):
            arn, entity, status = a["resourceShareArn"], a["associatedEntity"], a["status"]
            listed.add((arn, entity))
            if status in live[kind]:
                shown.add((kind.lower(), arn, entity))
            elif status != "DISASSOCIATED":  # FAILED, or a state that should have settled: never expected
                shown.add(("odd status", kind, arn, entity, status))
    for r in read_all(session, url, account, "/listresources", {"resourceOwner": "SELF"}, "resources"):
        shown.add(("listed", r["resourceShareArn"], r["arn"]) if r["status"] == "AVAILABLE"
                  else ("odd resource", r["resourceShareArn"], r["arn"], r["status"]))
    return shown, listed


# --------------------------------------------------------------------------------------------
# a writer
# --------------------------------------------------------------------------------------------


class Writer:
    def __init__(self, index: int, account: str, rng: random.Random):
        self.index, self.account, self.rng = index, account, rng
        self.model: Model = {}
        self.acknowledged: Counter[str] = Counter()
        self.refused: list[tuple[str, int, str]] = []  # 4xx: a definite no, so no effect either
        self.throttled = 0  # of those, 429s: PostgreSQL conflicts beyond ramd's retries (SDKs retry these)
        self.in_flight: Call | None = None
        self.server_error: str | None = None
        self.calls = 0

    def run(self, session: requests.Session, url: str) -> None:
        """Calls until the server goes away; the call that got no answer is the one in flight."""
        while True:
            call = self.next_call()
            try:
                r = send(session, url, self.account, call.method, call.path, call.body)
            except requests.RequestException:
                self.in_flight = call
                return
            if r.status_code == 200:
                call.effect(self.model, r.json().get("resourceShare", {}).get("resourceShareArn"))
                self.acknowledged[call.op] += 1
            elif r.status_code >= 500:  # not a crash symptom: SIGKILL leaves no time to answer
                self.server_error, self.in_flight = f"{call.op}: {r.status_code} {r.text[:300]}", call
                return
            elif r.status_code == 429:
                self.throttled += 1
            else:
                self.refused.append((call.op, r.status_code, r.text[:300]))

    # ---- choosing the next call: always a valid one for the ledger's state, so each should succeed

    def token(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def new_resource(self) -> str:
        # Subnets may not leave an organization; transit gateways and license configurations may.
        return tgw_arn(self.account) if self.rng.random() < 0.6 else license_arn(self.account)

    def new_principal(self) -> str:
        return str(self.rng.randrange(5 * 10**11, 10**12))  # a fresh receiver: no invitation quota nears

    def new_tags(self) -> dict[str, str]:
        return {k: f"v{self.rng.randrange(1000)}" for k in self.rng.sample(TAG_KEYS, self.rng.randint(1, 2))}

    def next_call(self) -> Call:
        rng = self.rng
        self.calls += 1
        live = [arn for arn, s in self.model.items() if not s.deleted]
        if not live or rng.random() < 0.2:
            resources = [self.new_resource() for _ in range(rng.randint(1, 3))]
            principals = [self.new_principal() for _ in range(rng.randint(0, 2))]
            tags = self.new_tags() if rng.random() < 0.7 else {}
            return create(f"w{self.index}-{self.calls}", resources, principals, tags, self.token())
        arn = rng.choice(live)
        share = self.model[arn]
        current = sorted(share.resources | share.principals)
        op = rng.choices(["associate", "disassociate", "update", "tag", "untag", "delete"], [4, 3, 2, 2, 2, 1])[0]
        if op == "disassociate" and current:
            return disassociate(arn, rng.sample(current, min(len(current), rng.randint(1, 2))), self.token())
        if op == "update":
            return rename(arn, f"w{self.index}-{self.calls}-renamed", self.token())
        if op == "tag":
            return tag(arn, self.new_tags())
        if op == "untag" and share.tags:
            keys = rng.sample(sorted(share.tags), min(len(share.tags), rng.randint(1, 2)))
            return untag(arn, keys + ([rng.choice(TAG_KEYS)] if rng.random() < 0.3 else []))
        if op == "delete":
            return delete(arn, self.token())
        # associate (also the fallback): new entities, or ones this share had and lost
        former = sorted(share.named - set(current))
        entities = []
        for _ in range(rng.randint(1, 2)):
            pick = rng.random()
            entities.append(rng.choice(former) if former and pick < 0.3 else
                            self.new_principal() if pick < 0.6 else self.new_resource())
        return associate(arn, sorted(set(entities)), self.token())


# --------------------------------------------------------------------------------------------
# judging one writer's account
# --------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    outcome: str  # in-flight call: "applied", "not applied", "no visible effect", or "none"
    lost: set[tuple]
    extra: set[tuple]
    half_applied: set[tuple]
    new_arn: str | None  # the ARN an in-flight create got, when it was applied

    @property
    def ok(self) -> bool:
        return not (self.lost or self.extra or self.half_applied)


def applied(model: Model, call: Call, new_arn: str) -> Model:
    after = copy.deepcopy(model)
    call.effect(after, new_arn)
    return after


def judge(writer: Writer, shown: set[tuple], listed: set[tuple[str, str]]) -> Verdict:
    """Compares what the store shows with the ledger, with and without the in-flight call."""
    call = writer.in_flight
    before = facts(writer.model)
    # An in-flight create is matched to the one share the ledger does not know, if there is one.
    unknown = sorted({f[1] for f in shown if f[0] == "status"} - set(writer.model))
    new_arn = unknown[0] if call and call.op == "create" and len(unknown) == 1 else NEW
    after_model = applied(writer.model, call, new_arn) if call else writer.model
    after = facts(after_model)
    # An association listed in any state must be one some call asked for.
    named = {(arn, e) for arn, s in after_model.items() for e in s.named}
    extra = {("unasked association", arn, e) for arn, e in listed - named}
    changed = before ^ after  # the facts the in-flight call decides
    went_after = {f for f in changed if (f in shown) == (f in after)}
    if call is None:
        outcome = "none"
    elif not changed:
        outcome = "no visible effect"
    elif went_after == changed:
        outcome = "applied"
    elif not went_after:
        outcome = "not applied"
    else:
        outcome = "half-applied"
    half = changed - went_after if outcome == "half-applied" else set()  # the part that did not happen
    lost = (before & after) - shown  # required whatever became of the in-flight call
    extra |= shown - (before | after)
    return Verdict(outcome, lost, extra, half, new_arn if new_arn != NEW else None)


def describe(writer: Writer, verdict: Verdict) -> str:
    def some(s):
        return sorted(map(str, s))[:8]
    call = writer.in_flight
    return (f"account {writer.account}: in flight {call.op if call else None} "
            f"{json.dumps(call.body if call else None)[:300]} -> {verdict.outcome}; "
            f"lost {some(verdict.lost)}; extra {some(verdict.extra)}; half-applied {some(verdict.half_applied)}")


# --------------------------------------------------------------------------------------------
# the trials
# --------------------------------------------------------------------------------------------


def sqlite_integrity(data_dir, scratch) -> list[str]:
    """integrity_check and foreign_key_check of the store as the kill left it. Run on a copy, so that
    ramd's own restart, not this check, is what recovers the WAL."""
    problems = []
    scratch.mkdir()
    stores = [p for p in data_dir.iterdir() if p.suffix in (".sqlite3", ".sqlite", ".db")]
    assert stores, f"no SQLite store in {sorted(p.name for p in data_dir.iterdir())}"
    for store in stores:
        for suffix in ("", "-wal"):
            if (data_dir / (store.name + suffix)).exists():
                shutil.copy(data_dir / (store.name + suffix), scratch / (store.name + suffix))
        conn = sqlite3.connect(scratch / store.name)
        try:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                problems.append(f"{store.name}: integrity_check {integrity[:5]}")
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"{store.name}: foreign_key_check {fk[:5]}")
        finally:
            conn.close()
    return problems


def drop_database(data_dir) -> None:
    """The trial's PostgreSQL database (named after the data directory, which a rerun with the same
    --basetemp reuses): dropped before a trial, so it starts empty, and after one that passed."""
    args = store_args(data_dir)
    name = args[args.index("--database-url") + 1].rsplit("/", 1)[1]
    subprocess.run(["psql", os.environ["RAMD_TEST_DATABASE_URL"], "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def crash_report(request):
    """Collects each trial's figures; appends them to $RAMD_CRASH_REPORT and prints the totals."""
    trials: list[dict] = []

    def record(entry: dict) -> None:
        trials.append(entry)
        if os.environ.get("RAMD_CRASH_REPORT"):
            with open(os.environ["RAMD_CRASH_REPORT"], "a") as f:
                f.write(json.dumps(entry) + "\n")

    yield record
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture and trials:
        with capture.global_and_fixture_disabled():  # shown with -q too, not kept as captured output
            reporter.write_line("")
            reporter.write_line(f"crash trials ({BACKEND}, seed {SEED}): {summary(trials)}")


def summary(trials: list[dict]) -> str:
    outcomes = Counter(c["outcome"] for t in trials for c in t["in_flight"].values())
    return (f"{len(trials)} trials, {sum(t['acknowledged'] for t in trials)} acknowledged writes checked, "
            f"{sum(t['in_flight_calls'] for t in trials)} in flight ({dict(outcomes)}), "
            f"{sum(t['replayed'] for t in trials)} replayed, {sum(t['throttled'] for t in trials)} throttled, lost {sum(t['lost'] for t in trials)}, "
            f"extra {sum(t['extra'] for t in trials)}, half-applied {sum(t['half_applied'] for t in trials)}")


def kill_under_load(server: RamdServer, writers: list[Writer], after_s: float) -> None:
    """Runs the writers against the server and SIGKILLs it after `after_s`; returns once every
    writer has seen its connection break."""
    threads = [threading.Thread(target=w.run, args=(requests.Session(), server.url), daemon=True)
               for w in writers]
    for t in threads:
        t.start()
    time.sleep(after_s)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.proc = None
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a writer did not notice the kill"


def replay(session, url, writer: Writer, verdict: Verdict) -> list[str]:
    """Sends the in-flight call again, as a client retries after a broken connection, and checks that
    the store then shows exactly the ledger with that call applied."""
    call = writer.in_flight
    r = send(session, url, writer.account, call.method, call.path, call.body)
    if r.status_code != 200:
        return [f"account {writer.account}: replay of {call.op} answered {r.status_code} {r.text[:300]}"]
    problems = []
    new_arn = r.json().get("resourceShare", {}).get("resourceShareArn")
    if call.op == "create" and verdict.new_arn and new_arn != verdict.new_arn:
        problems.append(f"account {writer.account}: the create's replay answered {new_arn}, "
                        f"but the crash had committed {verdict.new_arn}")
    call.effect(writer.model, new_arn)
    writer.in_flight = None  # acknowledged now: the store must show the ledger exactly
    again = judge(writer, *observe(session, url, writer.account))
    if not again.ok:
        problems.append("after the replay: " + describe(writer, again))
    return problems


@pytest.mark.parametrize("durability", DURABILITIES, ids=lambda d: d or BACKEND)
@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_loses_no_acknowledged_write(tmp_path, trial, durability, crash_report):
    rng = random.Random(f"{SEED}/{trial}/{durability}")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # The writers invite fresh accounts all the time; RAM's 20 pending invitations per sender would
    # refuse most associations after the first second.
    extra_args = ["--quota", "pending-invitations=1000000"]
    extra_args += ["--sqlite-durability", durability] if durability else []
    if BACKEND == "postgres":
        drop_database(data_dir)
    server = RamdServer(data_dir, auth="trust", extra_args=extra_args, log_dir=tmp_path).start()
    writers = [Writer(i, account, random.Random(rng.random())) for i, account in enumerate(WRITERS)]
    entry = {"backend": BACKEND, "durability": durability, "trial": trial, "seed": SEED,
             "kill_after_s": round(rng.uniform(0.2, 1.5), 3)}
    try:
        kill_under_load(server, writers, entry["kill_after_s"])
        problems = [f"account {w.account}: {w.server_error}" for w in writers if w.server_error]
        in_flight_ops = {w.account: w.in_flight.op for w in writers if w.in_flight}

        # The store as the kill left it; then ramd must open it and answer.
        if BACKEND == "sqlite":
            problems += sqlite_integrity(data_dir, tmp_path / "copy")
        started = time.monotonic()
        server.start()
        entry["restart_s"] = round(time.monotonic() - started, 3)

        session = requests.Session()
        verdicts = {w.account: judge(w, *observe(session, server.url, w.account)) for w in writers}
        problems += [describe(w, verdicts[w.account]) for w in writers if not verdicts[w.account].ok]
        replayed = [w for w in writers if w.in_flight and verdicts[w.account].ok]
        for w in replayed:
            problems += replay(session, server.url, w, verdicts[w.account])
        server.assert_alive()
        problems += [f"restarted ramd: {line}" for line in server.stderr().splitlines() if "panicked" in line]

        entry.update(
            acknowledged=sum(sum(w.acknowledged.values()) for w in writers),
            by_op=dict(sum((w.acknowledged for w in writers), Counter())),
            facts_checked=sum(len(facts(w.model)) for w in writers),
            refused=sum(len(w.refused) for w in writers),
            throttled=sum(w.throttled for w in writers),
            in_flight_calls=len(in_flight_ops),
            in_flight={a: {"op": op, "outcome": verdicts[a].outcome} for a, op in in_flight_ops.items()},
            replayed=len(replayed),
            lost=sum(len(v.lost) for v in verdicts.values()),
            extra=sum(len(v.extra) for v in verdicts.values()),
            half_applied=sum(1 for v in verdicts.values() if v.half_applied),
            problems=problems,
        )
        crash_report(entry)
        print(json.dumps(entry))
        assert not problems, "\n".join(problems)
        # Every call was valid for the ledger's state: a refusal (but "slow down") means ledger and
        # store parted ways.
        refusals = [r for w in writers for r in w.refused]
        assert not refusals, refusals[:5]
    finally:
        server.stop()
    if BACKEND == "postgres":
        drop_database(data_dir)
