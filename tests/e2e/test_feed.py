"""The event feed: every change to a share, its associations, invitations and permissions as an
EventBridge event (`source: aws.ram`, `detail-type: Resource Sharing State Change`), numbered per
share owner 1, 2, 3 ... without gaps, delivered to webhooks (`ramd serve --webhook URL
--webhook-secret S`) and long-polled with `GET /events?after=N&wait=S`.

* Acceptance (the issue's words): "a webhook receives every change, in order per share, with no gap,
  even after ramd was killed mid-delivery". A slow receiver that refuses some requests at random;
  creates, associations, disassociations, updates, deletes and invitation accepts/rejects from two
  owner accounts, sharing with a third account outside any organization; SIGKILL twice while a
  delivery is in flight, restart on the same store with the same --webhook. Per account the first
  occurrences of sequenceNumber are exactly 1..N in order, a repeat is only ever a byte-for-byte
  repeat of an id already seen, nothing is sent ahead of an event not yet accepted, every
  signature verifies, and the receiver's set equals GET /events of each account.
* Back-off and order: a refused event is retried at 0.5 s, 1 s, 2 s ... and nothing later of its
  account is sent before it is accepted; another account's events (and another webhook) are not
  held up, also when the refusing account has a long backlog.
* The shape of each kind of event, the id's stability across re-delivery and restarts, signatures.
* GET /events: pages of 100, nextAfter, wait (early return, empty after the wait), per-account
  isolation, the unsigned default account in trust mode, bad parameters, IAM (ramd:GetEvents).
* Start-up refusals: an https webhook, a webhook without a secret.

Every server here is the test's own (its webhook names the test's receiver), on either backend
(RAMD_TEST_BACKEND=postgres: a database of its own per data directory, see conftest.store_args).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    RAMD_BIN,
    REGION,
    RamdServer,
    license_arn,
    make_client,
    pending_invitation,
    raw_request,
    ramd_accounts_create,
    store_args,
    tgw_arn,
    wait_for,
)

BACKEND = "postgres" if os.environ.get("RAMD_TEST_BACKEND") == "postgres" else "sqlite"
SECRET = "feed-test-secret"
ACCOUNT_D = "444444444444"  # a second invitee of the acceptance flow
DEFAULT_ACCOUNT = "000000000000"  # trust mode's account of an unsigned request
TGW_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
# A restarted ramd takes the deliverer's lease only once the dead one's (10 s) has run out.
LEASE_S = 10


@pytest.fixture(autouse=True)
def _reset():
    """Replaces conftest's reset of the shared server: every test here starts servers of its own."""
    yield


# --------------------------------------------------------------------------------------------
# a webhook receiver
# --------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One POST the receiver got: when it arrived, what it carried, what it answered."""
    arrived: float
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict:
        return json.loads(self.body)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def account(self) -> str:
        return self.event["account"]

    @property
    def seq(self) -> int:
        return self.event["detail"]["sequenceNumber"]


class Receiver:
    """An http.server in a thread recording every request (arrival order) and answering 200, or
    500 when `refuse(event, n)` (n: the request's arrival index) says so, after `delay` seconds.
    A request is recorded before it is answered: one whose sender was killed meanwhile still counts
    as received, as a real receiver would have processed it."""

    def __init__(self, delay: float = 0.0, refuse=None):
        self.delay = delay
        self.refuse = refuse or (lambda event, n: False)
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.arrivals = 0
        self.busy = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    n = receiver.arrivals
                    receiver.arrivals += 1
                    receiver.busy += 1
                    try:
                        refused = receiver.refuse(json.loads(body), n)
                    except ValueError:
                        refused = True
                try:
                    time.sleep(receiver.delay)
                    status = 500 if refused else 200
                    with receiver.lock:
                        receiver.attempts.append(Attempt(arrived, self.path, {k.lower(): v for k, v in self.headers.items()},
                                                         body, status))
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender went away (killed): nothing to answer
                    pass
                finally:
                    with receiver.lock:
                        receiver.busy -= 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def snapshot(self) -> list[Attempt]:
        with self.lock:
            return list(self.attempts)

    def accepted(self) -> list[Attempt]:
        return [a for a in self.snapshot() if a.accepted]

    def accepted_ids(self) -> set[str]:
        return {a.event["id"] for a in self.accepted()}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def hook_args(*urls: str, secret: str = SECRET) -> list[str]:
    return [arg for url in urls for arg in ("--webhook", url)] + ["--webhook-secret", secret]


# --------------------------------------------------------------------------------------------
# servers of the test's own
# --------------------------------------------------------------------------------------------


def drop_database(data_dir: Path) -> None:
    """The PostgreSQL database of a data directory (a rerun with the same --basetemp reuses the name)."""
    if BACKEND != "postgres":
        return
    args = store_args(data_dir)
    name = args[args.index("--database-url") + 1].rsplit("/", 1)[1]
    subprocess.run(["psql", os.environ["RAMD_TEST_DATABASE_URL"], "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                   check=True, capture_output=True)


@pytest.fixture
def serve(tmp_path):
    """serve(extra_args, auth=..., name=...) -> a started RamdServer on a fresh store of its own."""
    started: list[RamdServer] = []

    def start(extra_args=(), auth: str = "trust", name: str = "data", data_dir: Path | None = None) -> RamdServer:
        if data_dir is None:
            data_dir = tmp_path / name
            data_dir.mkdir()
            drop_database(data_dir)
        server = RamdServer(data_dir, auth=auth, extra_args=extra_args, log_dir=tmp_path).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        drop_database(server.data_dir)


def sigkill(server: RamdServer) -> None:
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.proc = None


def ram(server: RamdServer, account: str = ACCOUNT_A, secret: str = "x"):
    return make_client(server.url, account=account, secret=secret)


def get_events(server: RamdServer, query: str = "", account: str | None = ACCOUNT_A, secret: str = "x"):
    """GET /events?<query>, signed for `account` (unsigned when None)."""
    return raw_request(server.url, "GET", "/events" + (f"?{query}" if query else ""),
                       account=account or "x", secret=secret, sign=account is not None)


def whole_feed(server: RamdServer, account: str = ACCOUNT_A, secret: str = "x") -> list[dict]:
    """Every event of the account's feed, page by page."""
    events, after = [], 0
    while True:
        r = get_events(server, f"after={after}", account, secret)
        assert r.status_code == 200, (r.status_code, r.text)
        page = r.json()
        events += page["events"]
        if not page["events"]:
            assert page["nextAfter"] == after, page
            return events
        assert page["nextAfter"] == page["events"][-1]["detail"]["sequenceNumber"], page
        after = page["nextAfter"]


# --------------------------------------------------------------------------------------------
# judging a delivery
# --------------------------------------------------------------------------------------------


def signature_ok(attempt: Attempt, secret: str = SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), attempt.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(attempt.headers.get("x-ramd-signature", ""), expected)


def delivery_problems(attempts: list[Attempt], secret: str = SECRET) -> tuple[list[str], dict[str, dict]]:
    """What is wrong with a receiver's log, and per account: the events (first occurrences, in
    order), the number of repeats and of refused attempts.

    * every request is signed with the secret, is JSON and is sent with Content-Type JSON;
    * per account, the first occurrence of each id comes with sequenceNumber last+1 (1 first);
      a repeat of an id carries exactly the same event;
    * nothing is sent ahead: no request (accepted or refused) of an account carries a number beyond
      the last accepted + 1."""
    problems: list[str] = []
    accounts: dict[str, dict] = {}
    for i, a in enumerate(attempts):
        if not signature_ok(a, secret):
            problems.append(f"attempt {i}: signature {a.headers.get('x-ramd-signature')!r} does not verify")
        if not a.headers.get("content-type", "").startswith("application/json"):
            problems.append(f"attempt {i}: content-type {a.headers.get('content-type')!r}")
        event = a.event
        st = accounts.setdefault(a.account, {"events": [], "by_id": {}, "repeats": 0, "refused": 0, "last": 0})
        if a.seq > st["last"] + 1:
            problems.append(f"attempt {i}: {a.account} #{a.seq} sent while only #{st['last']} was accepted")
        if not a.accepted:
            st["refused"] += 1
            continue
        known = st["by_id"].get(event["id"])
        if known is not None:
            st["repeats"] += 1
            if known != event:
                problems.append(f"attempt {i}: id {event['id']} repeated with another event: {known} vs {event}")
            continue
        if a.seq != st["last"] + 1:
            problems.append(f"attempt {i}: {a.account} new event #{a.seq} after #{st['last']} (id {event['id']})")
        st["by_id"][event["id"]] = event
        st["events"].append(event)
        st["last"] = max(st["last"], a.seq)
    return problems, accounts


def assert_delivered_as_fed(receiver: Receiver, server: RamdServer, accounts, secret: str = SECRET) -> dict:
    problems, seen = delivery_problems(receiver.snapshot(), secret)
    assert not problems, "\n".join(problems[:20])
    for account in accounts:
        fed = whole_feed(server, account)
        got = seen.get(account, {"events": []})["events"]
        assert [e["id"] for e in got] == [e["id"] for e in fed], (account, len(got), len(fed))
        assert got == fed, account  # the same events, byte for byte once parsed
    assert set(seen) <= set(accounts), f"events of accounts that own no share: {set(seen) - set(accounts)}"
    return seen


def last_states(events: list[dict]) -> dict[tuple, str]:
    """What the feed says each share, association and invitation is now: its last status
    (a share's UPDATED is no state)."""
    out: dict[tuple, str] = {}
    for e in events:
        d = e["detail"]
        if d["event"] == "Resource Share" and d["status"] != "UPDATED":
            out[("share", d["resourceShareArn"])] = d["status"]
        elif d["event"] == "Resource Share Association":
            out[(d["associationType"], d["resourceShareArn"], d["associatedEntity"])] = d["status"]
        elif d["event"] == "Resource Share Invitation":
            out[("invitation", d["resourceShareInvitationArn"])] = d["status"]
    return out


def listed_states(server: RamdServer, owner: str, invitees) -> dict[tuple, str]:
    """The same, as the read APIs list it (the owner's shares and associations, the invitees' invitations)."""
    client = ram(server, owner)
    out: dict[tuple, str] = {}
    for s in client.get_paginator("get_resource_shares").paginate(resourceOwner="SELF").build_full_result()["resourceShares"]:
        out[("share", s["resourceShareArn"])] = s["status"]
    for kind in ("RESOURCE", "PRINCIPAL"):
        pages = client.get_paginator("get_resource_share_associations").paginate(associationType=kind)
        for a in pages.build_full_result()["resourceShareAssociations"]:
            out[(kind, a["resourceShareArn"], a["associatedEntity"])] = a["status"]
    for invitee in invitees:
        pages = ram(server, invitee).get_paginator("get_resource_share_invitations").paginate()
        for i in pages.build_full_result()["resourceShareInvitations"]:
            if i["senderAccountId"] == owner:
                out[("invitation", i["resourceShareInvitationArn"])] = i["status"]
    return out


def assert_feed_tells_the_state(server: RamdServer, owner: str, invitees) -> None:
    """The last event of every share, association and invitation is its listed status."""
    fed = last_states(whole_feed(server, owner))
    listed = listed_states(server, owner, invitees)
    wrong = {k: (fed.get(k), v) for k, v in listed.items() if fed.get(k) != v}
    unlisted = {k: v for k, v in fed.items() if k not in listed}
    assert not wrong, f"{owner}: (feed's last status, listed status) differ: {wrong}"
    assert not unlisted, f"{owner}: the feed names what no listing shows: {unlisted}"


# --------------------------------------------------------------------------------------------
# 1. the acceptance: every change, in order, no gap, through SIGKILLs mid-delivery
# --------------------------------------------------------------------------------------------


class Owner:
    """One owner account's part of the workload."""

    def __init__(self, server: RamdServer, account: str):
        self.account = account
        self.server = server
        self.shares: dict[str, str] = {}
        self.resources: dict[str, list[str]] = {}

    @property
    def client(self):
        return ram(self.server, self.account)

    def create(self, key, resources=(), principals=()):
        share = self.client.create_resource_share(name=f"feed-{key}", resourceArns=list(resources),
                                                  principals=list(principals))["resourceShare"]
        self.shares[key] = share["resourceShareArn"]
        self.resources[key] = list(resources)

    def phase1(self):
        a = self.account
        self.create("s1", [tgw_arn(a), tgw_arn(a)], [ACCOUNT_C])
        self.create("s2", [license_arn(a)], [ACCOUNT_C])
        extra = tgw_arn(a)
        self.client.associate_resource_share(resourceShareArn=self.shares["s1"], resourceArns=[extra])
        self.resources["s1"].append(extra)
        self.client.update_resource_share(resourceShareArn=self.shares["s1"], name="feed-s1-renamed")
        self.create("s3", [tgw_arn(a)])

    def phase2(self):
        c = ram(self.server, ACCOUNT_C)
        c.accept_resource_share_invitation(
            resourceShareInvitationArn=pending_invitation(c, self.shares["s1"])["resourceShareInvitationArn"])
        c.reject_resource_share_invitation(
            resourceShareInvitationArn=pending_invitation(c, self.shares["s2"])["resourceShareInvitationArn"])
        self.client.disassociate_resource_share(resourceShareArn=self.shares["s1"], resourceArns=[self.resources["s1"][0]])
        self.client.associate_resource_share(resourceShareArn=self.shares["s2"], principals=[ACCOUNT_D])
        self.client.update_resource_share(resourceShareArn=self.shares["s3"], name="feed-s3-renamed")
        self.client.delete_resource_share(resourceShareArn=self.shares["s3"])
        self.create("s4", [license_arn(self.account)], [ACCOUNT_D])

    def phase3(self):
        d = ram(self.server, ACCOUNT_D)
        d.accept_resource_share_invitation(
            resourceShareInvitationArn=pending_invitation(d, self.shares["s2"])["resourceShareInvitationArn"])
        d.reject_resource_share_invitation(
            resourceShareInvitationArn=pending_invitation(d, self.shares["s4"])["resourceShareInvitationArn"])
        self.client.associate_resource_share(resourceShareArn=self.shares["s1"], resourceArns=[tgw_arn(self.account)])
        self.client.disassociate_resource_share(resourceShareArn=self.shares["s1"], principals=[ACCOUNT_C])
        self.client.delete_resource_share(resourceShareArn=self.shares["s2"])


def kill_mid_delivery(server: RamdServer, receiver: Receiver, at_least: int) -> dict:
    """SIGKILLs ramd while the receiver holds one of its requests (after `at_least` requests in all)."""
    wait_for(lambda: receiver.busy > 0 and receiver.arrivals >= at_least, timeout=LEASE_S + 30, interval=0.01,
             what=f"a delivery in flight after {at_least} requests")
    arrivals = receiver.arrivals
    sigkill(server)
    return {"arrivals_at_kill": arrivals}


def test_a_webhook_gets_every_change_in_order_without_gaps_through_sigkills(serve, receivers):
    rng = random.Random(int(os.environ.get("RAMD_FEED_SEED", "7")))
    # Slow, and refusing about one request in five.
    receiver = receivers(delay=0.15, refuse=lambda event, n: rng.random() < 0.2)
    args = hook_args(receiver.url("/ramd/events?token=t1"))
    server = serve(args)
    started = time.monotonic()
    owners = [Owner(server, ACCOUNT_A), Owner(server, ACCOUNT_B)]
    stats: dict = {"backend": BACKEND}

    for o in owners:
        o.phase1()
    stats["kill1"] = kill_mid_delivery(server, receiver, at_least=5)
    server.start()
    for o in owners:
        o.phase2()  # answered at once; the deliverer waits out the dead one's lease meanwhile
    stats["kill2"] = kill_mid_delivery(server, receiver, at_least=receiver.arrivals + 3)
    server.start()
    for o in owners:
        o.phase3()

    expected = {e["id"] for o in owners for e in whole_feed(server, o.account)}
    wait_for(lambda: expected <= receiver.accepted_ids(), timeout=120, interval=0.2,
             what="the receiver to have every event")
    time.sleep(1)  # anything sent after the last event would be a surplus: let it show
    seen = assert_delivered_as_fed(receiver, server, [ACCOUNT_A, ACCOUNT_B])
    # Each kill can leave at most one event per account delivered but not recorded.
    for account, st in seen.items():
        assert st["repeats"] <= 2, (account, st["repeats"])
    assert {a.path for a in receiver.snapshot()} == {"/ramd/events?token=t1"}
    # The receiver's account owns no share: no feed of its own; and the feed tells the state.
    assert whole_feed(server, ACCOUNT_C) == []
    for o in owners:
        assert_feed_tells_the_state(server, o.account, [ACCOUNT_C, ACCOUNT_D])
    stats.update(
        events={a: len(st["events"]) for a, st in seen.items()},
        repeats={a: st["repeats"] for a, st in seen.items()},
        refused={a: st["refused"] for a, st in seen.items()},
        requests=len(receiver.snapshot()),
        seconds=round(time.monotonic() - started, 1),
    )
    print("feed acceptance:", json.dumps(stats))


# --------------------------------------------------------------------------------------------
# 2. back-off and order
# --------------------------------------------------------------------------------------------


def test_a_refused_event_is_retried_with_back_off_before_anything_later(serve, receivers):
    k = 4
    receiver = receivers(refuse=lambda event, n: n < k)
    server = serve(hook_args(receiver.url()))
    ram(server, ACCOUNT_A).create_resource_share(name="backoff", resourceArns=[tgw_arn(), tgw_arn()])
    expected = {e["id"] for e in whole_feed(server, ACCOUNT_A)}
    wait_for(lambda: expected <= receiver.accepted_ids(), timeout=30, what="every event after the refusals")
    attempts = receiver.snapshot()
    assert [a.status for a in attempts[:k]] == [500] * k
    # The refused one is the account's first, sent again and again; nothing later before it passes.
    assert [a.seq for a in attempts[:k + 1]] == [1] * (k + 1) and attempts[k].accepted
    assert [a.seq for a in attempts[k:]] == list(range(1, len(expected) + 1))
    # Retries after 0.5 s, 1 s, 2 s, 4 s (the deliverer polls every 0.2 s: a little later at most).
    gaps = [b.arrived - a.arrived for a, b in zip(attempts[:k], attempts[1:k + 1])]
    for n, gap in enumerate(gaps):
        want = 0.5 * 2 ** n
        assert want - 0.05 <= gap <= want + 0.2 + 0.6, (n, gaps)
    problems, _ = delivery_problems(attempts)
    assert not problems, problems
    assert_delivered_as_fed(receiver, server, [ACCOUNT_A])


def test_an_account_in_back_off_holds_up_neither_another_account_nor_another_webhook(serve, receivers):
    release = threading.Event()
    # The first webhook refuses A's events until released; the second takes everything.
    picky = receivers(refuse=lambda event, n: event["account"] == ACCOUNT_A and not release.is_set())
    easy = receivers()
    # Two webhooks in one comma-separated --webhook.
    server = serve(["--webhook", f"{picky.url('/picky')},{easy.url('/easy')}", "--webhook-secret", SECRET])
    ram(server, ACCOUNT_A).create_resource_share(name="held", resourceArns=[tgw_arn(ACCOUNT_A)], principals=[ACCOUNT_C])
    wait_for(lambda: any(a.account == ACCOUNT_A for a in picky.snapshot()), what="A's first (refused) attempt")
    ram(server, ACCOUNT_B).create_resource_share(name="free", resourceArns=[tgw_arn(ACCOUNT_B)], principals=[ACCOUNT_C])
    fed = {acct: {e["id"] for e in whole_feed(server, acct)} for acct in (ACCOUNT_A, ACCOUNT_B)}
    # B's events come through the first webhook while A's still bounce; the second has both.
    wait_for(lambda: fed[ACCOUNT_B] <= picky.accepted_ids(), timeout=10, what="B's events past A's back-off")
    wait_for(lambda: fed[ACCOUNT_A] | fed[ACCOUNT_B] <= easy.accepted_ids(), timeout=10,
             what="the second webhook to have everything")
    # A's first event is retried meanwhile, and still nothing of A's gets through.
    wait_for(lambda: sum(1 for a in picky.snapshot() if a.account == ACCOUNT_A) >= 2, timeout=5, what="A's retry")
    assert not any(a.account == ACCOUNT_A and a.accepted for a in picky.snapshot())
    release.set()
    wait_for(lambda: fed[ACCOUNT_A] <= picky.accepted_ids(), timeout=40, what="A's events once released")
    assert_delivered_as_fed(picky, server, [ACCOUNT_A, ACCOUNT_B])
    assert_delivered_as_fed(easy, server, [ACCOUNT_A, ACCOUNT_B])
    assert {a.path for a in picky.snapshot()} == {"/picky"} and {a.path for a in easy.snapshot()} == {"/easy"}
    # Only A's first event was ever refused, and only it was sent again.
    refused = [a for a in picky.snapshot() if not a.accepted]
    assert {(a.account, a.seq) for a in refused} == {(ACCOUNT_A, 1)}


def test_a_long_backlog_in_back_off_does_not_hold_up_another_account(serve, receivers):
    """A's events all bounce. With some 200 of them waiting B's still go out (the control); with
    600 and more waiting, B's next ones must go out as well."""
    receiver = receivers(refuse=lambda event, n: event["account"] == ACCOUNT_A)
    server = serve(hook_args(receiver.url()))
    a, b = ram(server, ACCOUNT_A), ram(server, ACCOUNT_B)

    def b_gets_through(name: str) -> None:
        b.create_resource_share(name=name, resourceArns=[tgw_arn(ACCOUNT_B)])
        fed_b = {e["id"] for e in whole_feed(server, ACCOUNT_B)}
        backlog = len(whole_feed(server, ACCOUNT_A))
        wait_for(lambda: fed_b <= receiver.accepted_ids(), timeout=10,
                 what=f"B's events while {backlog} of A's wait in back-off")

    a.create_resource_share(name="bulk-0", resourceArns=[tgw_arn(ACCOUNT_A) for _ in range(100)])
    assert 100 < len(whole_feed(server, ACCOUNT_A)) < 500
    b_gets_through("small-1")
    for i in range(1, 6):
        a.create_resource_share(name=f"bulk-{i}", resourceArns=[tgw_arn(ACCOUNT_A) for _ in range(100)])
    assert len(whole_feed(server, ACCOUNT_A)) > 600
    b_gets_through("small-2")
    assert not any(x.accepted for x in receiver.snapshot() if x.account == ACCOUNT_A)


# --------------------------------------------------------------------------------------------
# 3. the events' shape, ids, signatures
# --------------------------------------------------------------------------------------------


def check_shape(event: dict, owner: str, t0: float, t1: float) -> None:
    """An EventBridge event of RAM's, as ramd renders it."""
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}, event
    assert event["version"] == "0" and event["source"] == "aws.ram"
    assert event["detail-type"] == "Resource Sharing State Change"
    assert UUID_SHAPE.match(event["id"]), event["id"]
    assert event["account"] == owner and event["region"] == REGION
    assert ISO_SECOND.match(event["time"]), event["time"]
    when = datetime.strptime(event["time"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    assert t0 - 1.5 <= when <= t1 + 1, (event["time"], t0, t1)
    d = event["detail"]
    share = d["resourceShareArn"]
    assert share.startswith(f"arn:aws:ram:{REGION}:{owner}:resource-share/"), share
    assert isinstance(d["sequenceNumber"], int) and d["sequenceNumber"] >= 1
    assert isinstance(d["status"], str) and d["status"]
    common = {"event", "resourceShareArn", "status", "sequenceNumber"}
    extra = {
        "Resource Share": set(),
        "Resource Share Association": {"associationType", "associatedEntity"},
        "Resource Share Invitation": {"resourceShareInvitationArn"},
        "Resource Share Permission": {"permission"},
    }[d["event"]]
    assert set(d) == common | extra, d
    entity = {"Resource Share": None, "Resource Share Association": d.get("associatedEntity"),
              "Resource Share Invitation": d.get("resourceShareInvitationArn"),
              "Resource Share Permission": d.get("permission")}[d["event"]]
    assert event["resources"] == [share] + ([entity] if entity and entity.startswith("arn:") else []), event
    if d["event"] == "Resource Share Association":
        assert d["associationType"] in ("PRINCIPAL", "RESOURCE", "SOURCE")
        assert d["status"] in ("ASSOCIATING", "ASSOCIATED", "FAILED", "DISASSOCIATING", "DISASSOCIATED")
    elif d["event"] == "Resource Share Invitation":
        assert d["resourceShareInvitationArn"].startswith(f"arn:aws:ram:{REGION}:{owner}:resource-share-invitation/")
        assert d["status"] in ("PENDING", "ACCEPTED", "REJECTED", "EXPIRED")
    elif d["event"] == "Resource Share Permission":
        assert d["status"] in ("ATTACHED", "DETACHED")
    else:
        assert d["status"] in ("PENDING", "ACTIVE", "UPDATED", "FAILED", "DELETING", "DELETED")


def brief(event: dict) -> tuple:
    d = event["detail"]
    return (d["event"], d.get("associationType"), d["status"],
            d.get("associatedEntity") or d.get("resourceShareInvitationArn") or d.get("permission"))


class Steps:
    """Runs calls and returns the events each one fed, shape-checked, numbered on from the last."""

    def __init__(self, server: RamdServer, owner: str = ACCOUNT_A):
        self.server, self.owner, self.after, self.all = server, owner, 0, []

    def __call__(self, call) -> list[dict]:
        t0 = time.time()
        result = call()
        t1 = time.time()
        r = get_events(self.server, f"after={self.after}", self.owner)
        assert r.status_code == 200, r.text
        events = r.json()["events"]
        assert [e["detail"]["sequenceNumber"] for e in events] == list(range(self.after + 1, self.after + 1 + len(events)))
        for e in events:
            check_shape(e, self.owner, t0, t1)
        self.after += len(events)
        self.all += events
        self.last_result = result
        return events


def test_each_kind_of_change_is_an_eventbridge_event(serve, receivers):
    first = receivers(refuse=lambda event, n: n == 0)  # its first request is refused, then sent again
    second = receivers()
    server = serve(hook_args(first.url("/one"), second.url("/two")))  # --webhook twice
    a, c = ram(server, ACCOUNT_A), ram(server, ACCOUNT_C)
    step = Steps(server)
    tgw = tgw_arn()

    # A share with a resource and an account outside any organization.
    made = step(lambda: a.create_resource_share(name="shape", resourceArns=[tgw], principals=[ACCOUNT_C]))
    share = step.last_result["resourceShare"]["resourceShareArn"]
    assert all(e["detail"]["resourceShareArn"] == share for e in made)
    assert brief(made[0]) == ("Resource Share", None, "ACTIVE", None), "the share comes first"
    kinds = {brief(e) for e in made}
    inv = pending_invitation(c, share)["resourceShareInvitationArn"]
    assert {("Resource Share Association", "RESOURCE", "ASSOCIATED", tgw),
            ("Resource Share Invitation", None, "PENDING", inv),
            ("Resource Share Association", "PRINCIPAL", "ASSOCIATING", ACCOUNT_C)} <= kinds, kinds
    assert kinds <= {("Resource Share", None, "ACTIVE", None),
                     ("Resource Share Association", "RESOURCE", "ASSOCIATED", tgw),
                     ("Resource Share Association", "RESOURCE", "ASSOCIATING", tgw),
                     ("Resource Share Invitation", None, "PENDING", inv),
                     ("Resource Share Association", "PRINCIPAL", "ASSOCIATING", ACCOUNT_C),
                     ("Resource Share Permission", None, "ATTACHED", TGW_PERMISSION)}, kinds
    by_kind = {brief(e): e for e in made}
    resource_event = by_kind[("Resource Share Association", "RESOURCE", "ASSOCIATED", tgw)]
    assert resource_event["resources"] == [share, tgw]
    assert by_kind[("Resource Share Invitation", None, "PENDING", inv)]["resources"] == [share, inv]
    assert by_kind[("Resource Share Association", "PRINCIPAL", "ASSOCIATING", ACCOUNT_C)]["resources"] == [share]

    # The invitee accepts: the invitation and the principal association move on, in the owner's feed.
    accepted = step(lambda: c.accept_resource_share_invitation(resourceShareInvitationArn=inv))
    assert {brief(e) for e in accepted} == {("Resource Share Invitation", None, "ACCEPTED", inv),
                                           ("Resource Share Association", "PRINCIPAL", "ASSOCIATED", ACCOUNT_C)}
    # An update is one UPDATED event of the share.
    assert [brief(e) for e in step(lambda: a.update_resource_share(resourceShareArn=share, name="shape-2"))] == \
        [("Resource Share", None, "UPDATED", None)]
    # Another resource; then the principal leaves.
    tgw2 = tgw_arn()
    assert ("Resource Share Association", "RESOURCE", "ASSOCIATED", tgw2) in \
        {brief(e) for e in step(lambda: a.associate_resource_share(resourceShareArn=share, resourceArns=[tgw2]))}
    gone = {brief(e) for e in step(lambda: a.disassociate_resource_share(resourceShareArn=share, principals=[ACCOUNT_C]))}
    assert ("Resource Share Association", "PRINCIPAL", "DISASSOCIATED", ACCOUNT_C) in gone, gone
    # A rejected invitation.
    other = a.create_resource_share(name="rejected", principals=[ACCOUNT_C])["resourceShare"]["resourceShareArn"]
    step(lambda: None)
    inv2 = pending_invitation(c, other)["resourceShareInvitationArn"]
    rejected = {brief(e) for e in step(lambda: c.reject_resource_share_invitation(resourceShareInvitationArn=inv2))}
    assert ("Resource Share Invitation", None, "REJECTED", inv2) in rejected, rejected
    # A service principal with a source account: a SOURCE association (its entity is no ARN).
    project = f"arn:aws:codebuild:{REGION}:{ACCOUNT_A}:project/feed-shape"
    service = step(lambda: a.create_resource_share(name="service", resourceArns=[project],
                                                   principals=["codebuild.amazonaws.com"], sources=[ACCOUNT_C]))
    by_kind = {brief(e): e for e in service}
    source = by_kind.get(("Resource Share Association", "SOURCE", "ASSOCIATED", ACCOUNT_C))
    assert source is not None, list(by_kind)
    assert source["resources"] == [source["detail"]["resourceShareArn"]]
    # Deleting the share: DELETED in the end, its resources DISASSOCIATED.
    deleted = [brief(e) for e in step(lambda: a.delete_resource_share(resourceShareArn=share))]
    assert deleted[-1] == ("Resource Share", None, "DELETED", None), deleted
    assert {("Resource Share Association", "RESOURCE", "DISASSOCIATED", tgw),
            ("Resource Share Association", "RESOURCE", "DISASSOCIATED", tgw2)} <= set(deleted), deleted
    assert set(deleted) <= {("Resource Share", None, "DELETING", None), ("Resource Share", None, "DELETED", None),
                            ("Resource Share Association", "RESOURCE", "DISASSOCIATING", tgw),
                            ("Resource Share Association", "RESOURCE", "DISASSOCIATING", tgw2),
                            ("Resource Share Association", "RESOURCE", "DISASSOCIATED", tgw),
                            ("Resource Share Association", "RESOURCE", "DISASSOCIATED", tgw2)}, deleted

    # Both webhooks got all of it, signed; the first got its refused event again, the same.
    wait_for(lambda: {e["id"] for e in step.all} <= first.accepted_ids() and
             {e["id"] for e in step.all} <= second.accepted_ids(), timeout=20, what="both webhooks")
    assert_delivered_as_fed(first, server, [ACCOUNT_A])
    assert_delivered_as_fed(second, server, [ACCOUNT_A])
    bounced, again = first.snapshot()[0], first.snapshot()[1]
    assert bounced.status == 500 and again.accepted and again.body == bounced.body
    assert again.headers["x-ramd-signature"] == bounced.headers["x-ramd-signature"]
    assert [x.body for x in first.accepted()] == [x.body for x in second.accepted()]
    # Ids: distinct within the feed, and different for another account's event of the same number.
    assert len({e["id"] for e in step.all}) == len(step.all)
    ram(server, ACCOUNT_B).create_resource_share(name="b")
    assert whole_feed(server, ACCOUNT_B)[0]["id"] != step.all[0]["id"]

    # Stable across a restart: the feed renders the same events.
    before = whole_feed(server, ACCOUNT_A)
    server.stop()
    server.start()
    assert whole_feed(server, ACCOUNT_A) == before


def test_attaching_and_detaching_a_permission_are_events(serve):
    server = serve()
    a = ram(server)
    step = Steps(server)
    step(lambda: a.create_resource_share(name="perm"))
    share = step.last_result["resourceShare"]["resourceShareArn"]
    attached = step(lambda: a.associate_resource_share_permission(resourceShareArn=share, permissionArn=TGW_PERMISSION))
    assert ("Resource Share Permission", None, "ATTACHED", TGW_PERMISSION) in {brief(e) for e in attached}, attached
    event = next(e for e in attached if e["detail"]["event"] == "Resource Share Permission")
    assert event["resources"] == [share, TGW_PERMISSION]
    detached = step(lambda: a.disassociate_resource_share_permission(resourceShareArn=share, permissionArn=TGW_PERMISSION))
    perms = [e for e in detached if e["detail"]["event"] == "Resource Share Permission"]
    assert [e["detail"]["status"] for e in perms] == ["DETACHED"], detached
    # The permission named is the one detached, as the attach named it.
    assert perms[0]["detail"]["permission"] == TGW_PERMISSION, perms[0]
    assert perms[0]["resources"] == [share, TGW_PERMISSION]


def test_a_permission_is_attached_once_per_resource_type(serve):
    """A share of three transit gateways gets the default permission of their type once: one
    ATTACHED event, not one per resource."""
    server = serve()
    step = Steps(server)
    made = step(lambda: ram(server).create_resource_share(name="three", resourceArns=[tgw_arn() for _ in range(3)]))
    kinds = [brief(e) for e in made]
    assert kinds.count(("Resource Share Permission", None, "ATTACHED", TGW_PERMISSION)) == 1, kinds
    assert len(made) == 1 + 1 + 3, kinds


def test_scheduled_transitions_are_events_too(serve):
    """Associations that settle after a delay, invitations that expire, a share whose deletion
    completes later: each new status is a change the feed must carry, as the listings show it."""
    server = serve(["--association-delay-ms", "300", "--invitation-ttl-seconds", "1",
                    "--deleted-share-retention-seconds", "60"])
    a = ram(server)
    tgw = tgw_arn()
    share = a.create_resource_share(name="later", resourceArns=[tgw], principals=[ACCOUNT_C])["resourceShare"]["resourceShareArn"]
    time.sleep(2)  # the resource associated, the invitation expired
    listed = listed_states(server, ACCOUNT_A, [ACCOUNT_C])
    assert listed[("RESOURCE", share, tgw)] == "ASSOCIATED"
    assert [v for k, v in listed.items() if k[0] == "invitation"] == ["EXPIRED"]
    eventually_told(server)
    a.delete_resource_share(resourceShareArn=share)
    wait_for(lambda: listed_states(server, ACCOUNT_A, [ACCOUNT_C])[("share", share)] == "DELETED", timeout=10,
             what="the share DELETED")
    eventually_told(server)


def eventually_told(server, within: float = 5.0) -> None:
    """A transition that came with time reaches the feed when ramd settles it (at most a second or
    so after it is due), not the instant a listing shows it."""
    deadline = time.monotonic() + within
    while True:
        try:
            assert_feed_tells_the_state(server, ACCOUNT_A, [ACCOUNT_C])
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# 4. GET /events
# --------------------------------------------------------------------------------------------


@pytest.fixture
def trust_server(serve):
    return serve()


def invalid_parameter(r) -> None:
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.headers.get("x-amzn-ErrorType", "").split(":")[0] == "InvalidParameterException", dict(r.headers)
    assert r.json().get("message"), r.text


def test_events_page_by_100_and_say_where_to_go_on(trust_server):
    server = trust_server
    a = ram(server)
    a.create_resource_share(name="many", resourceArns=[tgw_arn() for _ in range(100)])
    feed = whole_feed(server)
    total = len(feed)
    assert total >= 101  # the share, its 100 resources (and its permission)
    assert [e["detail"]["sequenceNumber"] for e in feed] == list(range(1, total + 1))
    first = get_events(server, "after=0").json()
    assert len(first["events"]) == 100 and first["nextAfter"] == 100
    assert [e["detail"]["sequenceNumber"] for e in first["events"]] == list(range(1, 101))
    assert get_events(server).json() == first  # after defaults to 0
    middle = get_events(server, "after=50").json()
    assert [e["detail"]["sequenceNumber"] for e in middle["events"]] == list(range(51, min(150, total) + 1))
    rest = get_events(server, "after=100").json()
    assert [e["detail"]["sequenceNumber"] for e in rest["events"]] == list(range(101, min(200, total) + 1))
    assert rest["nextAfter"] == min(200, total)
    assert get_events(server, f"after={total}").json() == {"events": [], "nextAfter": total}
    assert get_events(server, "after=100000").json() == {"events": [], "nextAfter": 100000}
    assert get_events(server, "after=0&wait=0").json() == first
    # The same events whichever page they are read on.
    assert first["events"] + rest["events"] == feed[:len(first["events"]) + len(rest["events"])]
    assert middle["events"] == feed[50:150]


def test_a_long_poll_returns_when_an_event_comes_or_empty_after_the_wait(trust_server):
    server = trust_server
    a = ram(server)
    a.create_resource_share(name="one")
    last = whole_feed(server)[-1]["detail"]["sequenceNumber"]
    # Nothing comes: empty after the wait.
    t0 = time.monotonic()
    r = get_events(server, f"after={last}&wait=1")
    took = time.monotonic() - t0
    assert r.status_code == 200 and r.json() == {"events": [], "nextAfter": last}
    assert 0.95 <= took <= 3, took
    # Something comes during the wait: the poll answers with it at once, not at the end of the wait.
    out: dict = {}

    def poll():
        t = time.monotonic()
        out["r"] = get_events(server, f"after={last}&wait=15")
        out["took"] = time.monotonic() - t

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(1)
    made = a.create_resource_share(name="two")["resourceShare"]["resourceShareArn"]
    waiter.join(timeout=20)
    assert not waiter.is_alive()
    body = out["r"].json()
    assert out["r"].status_code == 200 and body["events"], body
    assert body["events"][0]["detail"]["sequenceNumber"] == last + 1
    assert body["events"][0]["detail"]["resourceShareArn"] == made
    assert body["nextAfter"] == body["events"][-1]["detail"]["sequenceNumber"]
    assert 0.9 <= out["took"] <= 3, out["took"]
    # Another account's change does not wake A's poll.
    t0 = time.monotonic()
    threading.Timer(0.3, lambda: ram(server, ACCOUNT_B).create_resource_share(name="b")).start()
    r = get_events(server, f"after={body['nextAfter']}&wait=2")
    assert r.json() == {"events": [], "nextAfter": body["nextAfter"]} and time.monotonic() - t0 >= 1.9


def test_each_account_reads_only_its_own_feed(trust_server):
    server = trust_server
    a, c = ram(server, ACCOUNT_A), ram(server, ACCOUNT_C)
    share = a.create_resource_share(name="mine", resourceArns=[tgw_arn()], principals=[ACCOUNT_C])["resourceShare"]
    c.accept_resource_share_invitation(
        resourceShareInvitationArn=pending_invitation(c, share["resourceShareArn"])["resourceShareInvitationArn"])
    fed_a = whole_feed(server, ACCOUNT_A)
    assert fed_a and {e["account"] for e in fed_a} == {ACCOUNT_A}
    # Neither the invitee nor a stranger sees A's events; nor does an unsigned (default account) call.
    for account in (ACCOUNT_B, ACCOUNT_C):
        assert get_events(server, "after=0", account).json() == {"events": [], "nextAfter": 0}
    assert get_events(server, "after=0", None).json() == {"events": [], "nextAfter": 0}
    # B's feed is numbered from 1 on its own.
    ram(server, ACCOUNT_B).create_resource_share(name="b-own")
    fed_b = whole_feed(server, ACCOUNT_B)
    assert fed_b[0]["detail"]["sequenceNumber"] == 1 and {e["account"] for e in fed_b} == {ACCOUNT_B}
    assert whole_feed(server, ACCOUNT_A) == fed_a
    # In trust mode an unsigned request is the default account.
    ram(server, DEFAULT_ACCOUNT).create_resource_share(name="default-own")
    unsigned = get_events(server, "after=0", None).json()
    assert [e["account"] for e in unsigned["events"]] == [DEFAULT_ACCOUNT] * len(unsigned["events"]) and unsigned["events"]
    assert unsigned == get_events(server, "after=0", DEFAULT_ACCOUNT).json()


@pytest.mark.parametrize("query", [
    "after=-1", "after=abc", "after=1.5", "after=", "wait=-1", "wait=soon", "wait=2.5", "after=1&wait=x",
    "after=99999999999999999999",
])
def test_bad_parameters_are_invalid(trust_server, query):
    invalid_parameter(get_events(trust_server, query))


def test_an_iam_user_needs_ramd_get_events(serve, tmp_path):
    data_dir = tmp_path / "sigv4"
    data_dir.mkdir()
    drop_database(data_dir)
    creds = ramd_accounts_create(data_dir, ACCOUNT_A)
    server = serve(auth="sigv4", data_dir=data_dir)
    root = (creds["accessKeyId"], creds["secretAccessKey"])
    make_client(server.url, account=root[0], secret=root[1]).create_resource_share(name="iam")
    fed = whole_feed(server, *root)
    assert fed and {e["account"] for e in fed} == {ACCOUNT_A}

    iam = make_client(server.url, service="iam", account=root[0], secret=root[1])
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    user = (key["AccessKeyId"], key["SecretAccessKey"])
    r = get_events(server, "after=0", *user)
    assert r.status_code == 403, (r.status_code, r.text)
    assert r.headers.get("x-amzn-ErrorType", "").split(":")[0] == "AccessDeniedException", dict(r.headers)
    assert "events" not in r.json()
    # RAM's own actions do not cover ramd's feed.
    iam.put_user_policy(UserName="reader", PolicyName="ram", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]}))
    assert get_events(server, "after=0", *user).status_code == 403
    iam.put_user_policy(UserName="reader", PolicyName="feed", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ramd:GetEvents", "Resource": "*"}]}))
    r = get_events(server, "after=0", *user)
    assert r.status_code == 200, r.text
    assert r.json()["events"] == fed
    # sigv4 mode: no unsigned reader, no unknown key.
    assert get_events(server, "after=0", None).status_code in (401, 403)
    assert get_events(server, "after=0", "AKIAUNKNOWNKEY000000", "nope").status_code == 403


# --------------------------------------------------------------------------------------------
# 5. start-up refusals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, says", [
    (["--webhook", "https://127.0.0.1:9/hook", "--webhook-secret", "s"], "https"),
    (["--webhook", "http://127.0.0.1:9/ok,https://example.com/hook", "--webhook-secret", "s"], "https"),
    (["--webhook", "http://127.0.0.1:9/hook"], "--webhook-secret"),
    (["--webhook", "http://127.0.0.1:9/hook", "--webhook-secret", ""], "--webhook-secret"),
], ids=["https", "https-among-several", "no-secret", "empty-secret"])
def test_serve_refuses_a_webhook_it_cannot_serve(tmp_path, args, says):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    drop_database(data_dir)
    cmd = [str(RAMD_BIN), "serve", "--auth", "trust", "--listen", "127.0.0.1:0", *store_args(data_dir), *args]
    env = {"PATH": "/usr/bin:/bin"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ramd serve {args} started instead of refusing")
    finally:
        drop_database(data_dir)
    assert proc.returncode != 0, proc.stderr
    assert says in proc.stderr, proc.stderr
