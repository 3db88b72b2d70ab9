"""Several stateless ramd replicas over one PostgreSQL database (runs with RAMD_TEST_BACKEND=postgres).

Two `ramd serve` processes share one database: a write on one is read on the other at once, a
clientToken raced across both creates one share, a quota holds exactly under concurrent writers,
pagination tokens of one replica work on the other, and a PostgreSQL restart in the middle of a
write load loses no acknowledged write (requests fail with ServiceUnavailableException while it is
down, and the replicas recover by themselves).
"""
import concurrent.futures as cf
import os
import subprocess
import threading
import time

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from conftest import ACCOUNT_A, ACCOUNT_B, RamdServer, make_client, pending_invitation, tgw_arn

pytestmark = pytest.mark.skipif(
    os.environ.get("RAMD_TEST_BACKEND") != "postgres", reason="replicas share a PostgreSQL database"
)

@pytest.fixture
def replicas(tmp_path):
    """Two replicas over one fresh database (both are given the same data directory's database)."""
    started = []

    def start(*extra_args):
        data_dir = tmp_path / "shared"
        data_dir.mkdir(exist_ok=True)
        pair = []
        for name in ("a", "b"):
            log_dir = tmp_path / name
            log_dir.mkdir(exist_ok=True)
            pair.append(RamdServer(data_dir, auth="trust", extra_args=extra_args, log_dir=log_dir).start())
        started.extend(pair)
        return pair

    yield start
    for server in started:
        server.stop()


def client(server, account=ACCOUNT_A):
    """A client that does not retry (conftest's configuration): every failure is seen."""
    return make_client(server.url, account=account)


def test_a_write_on_one_replica_is_read_on_the_other(replicas):
    a, b = replicas()
    share = client(a).create_resource_share(name="rw", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])["resourceShare"]
    listed = client(b).get_resource_shares(resourceOwner="SELF", resourceShareArns=[share["resourceShareArn"]])
    assert [s["name"] for s in listed["resourceShares"]] == ["rw"]
    # The receiver accepts on replica A; the owner sees ASSOCIATED on replica B.
    invitation = pending_invitation(client(a, ACCOUNT_B), share["resourceShareArn"])
    client(a, ACCOUNT_B).accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    got = client(b).get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share["resourceShareArn"]])["resourceShareAssociations"]
    assert [(x["associatedEntity"], x["status"]) for x in got] == [(ACCOUNT_B, "ASSOCIATED")]


def test_one_client_token_raced_across_replicas_creates_one_share(replicas):
    a, b = replicas()
    clients = [client(s) for s in [a, b] * 10]  # made up front: client creation is not thread-safe
    resource = tgw_arn()

    def create(c):
        return c.create_resource_share(
            name="raced", resourceArns=[resource], clientToken="one-token")["resourceShare"]["resourceShareArn"]

    with cf.ThreadPoolExecutor(len(clients)) as pool:
        arns = list(pool.map(create, clients))
    assert len(set(arns)) == 1
    owned = client(a).get_resource_shares(resourceOwner="SELF", name="raced")["resourceShares"]
    assert [s["resourceShareArn"] for s in owned] == [arns[0]]


def test_a_quota_holds_exactly_under_concurrent_writers_on_both_replicas(replicas):
    a, b = replicas("--quota", "resource-shares=7")
    clients = [client(s) for s in [a, b] * 12]

    def create(i_client):
        i, c = i_client
        try:
            c.create_resource_share(name=f"q{i}")
            return "created"
        except ClientError as e:
            return error_code_of(e)

    with cf.ThreadPoolExecutor(len(clients)) as pool:
        outcomes = list(pool.map(create, enumerate(clients)))
    assert outcomes.count("created") == 7, outcomes
    assert set(outcomes) == {"created", "ResourceShareLimitExceededException"}, outcomes
    listed = client(b).get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert len(listed) == 7


def error_code_of(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def test_pagination_tokens_of_one_replica_work_on_the_other(replicas):
    a, b = replicas()
    for i in range(5):
        client(a).create_resource_share(name=f"p{i}")
    names, token, turn = [], None, 0
    while True:
        server = (a, b)[turn % 2]
        kwargs = {"resourceOwner": "SELF", "maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = client(server).get_resource_shares(**kwargs)
        names += [s["name"] for s in page["resourceShares"]]
        token = page.get("nextToken")
        turn += 1
        if not token:
            break
    assert sorted(names) == [f"p{i}" for i in range(5)]
    assert turn == 3


def pg_ctl(*args):
    bin_dir, data = os.environ["RAMD_TEST_PG_BIN"], os.environ["RAMD_TEST_PG_DATA"]
    cmd = [f"{bin_dir}/pg_ctl", "-D", data, *args]
    if os.geteuid() == 0:
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(not os.environ.get("RAMD_TEST_PG_DATA"), reason="needs the test cluster's pg_ctl")
def test_a_postgres_restart_under_write_load_loses_no_acknowledged_write(replicas):
    a, b = replicas()
    acknowledged, outcomes, lock = [], [], threading.Lock()
    stop = threading.Event()

    def writer(c, n):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                arn = c.create_resource_share(name=f"w{n}-{i}")["resourceShare"]["resourceShareArn"]
                with lock:
                    acknowledged.append(arn)
                    outcomes.append("ok")
            except ClientError as e:
                with lock:
                    outcomes.append(error_code_of(e))
            except EndpointConnectionError:
                with lock:
                    outcomes.append("connection")
            time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(client(s), n)) for n, s in enumerate([a, b, a, b])]
    for t in threads:
        t.start()
    time.sleep(1.0)
    pg_ctl("stop", "-m", "fast", "-w")
    # Down for longer than the pool's acquire timeout (2 s): a request waiting for a connection is
    # answered then, rather than served once PostgreSQL is back (with a shorter outage no request
    # might fail at all, and the test could not see what a failure looks like).
    time.sleep(3.0)
    down = len(outcomes)
    pg_ctl("start", "-w", "-l", os.environ["RAMD_TEST_PG_DATA"] + "/../log")
    # The replicas recover by themselves: wait (bounded) for writes to succeed again.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "ok" not in outcomes[down:]:
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    a.assert_alive()
    b.assert_alive()
    # While PostgreSQL was down the replicas answered ServiceUnavailableException, never 500 or nothing.
    failures = {o for o in outcomes if o != "ok"}
    assert failures <= {"ServiceUnavailableException"}, failures
    assert "ServiceUnavailableException" in failures
    # They recovered by themselves: writes succeeded after the restart.
    assert "ok" in outcomes[down:]
    # Every acknowledged write is there, on either replica.
    for server in (a, b):
        paginator = client(server).get_paginator("get_resource_shares")
        present = {s["resourceShareArn"] for page in paginator.paginate(resourceOwner="SELF") for s in page["resourceShares"]}
        missing = set(acknowledged) - present
        assert not missing, f"{len(missing)} acknowledged shares lost"
