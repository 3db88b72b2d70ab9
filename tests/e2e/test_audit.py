"""The audit trail: every authenticated call on ramd's endpoint (RAM, Organizations, IAM, STS and CloudTrail's
LookupEvents itself; refused and failed calls too) is a CloudTrail event of the calling account, read back
with CloudTrail's LookupEvents (boto3, the AWS CLI) and written out by `ramd audit export`.

* who: root, an IAM user (a CreateAccessKey key) and a role key (`ramd accounts create --principal-arn`),
  each event's userIdentity, Username and AccessKeyId theirs, one event per call, its requestID the
  response's RequestId;
* secrets (CreateAccessKey's SecretAccessKey) appear in no event and in no export;
* an account reads only its own events;
* LookupEvents' attributes, time range, pages (newest first) and errors (400 each);
* `ramd audit export` (--account, --since, --output), `ramd serve --audit false`;
* a mutating call's event is in the transaction of its effect: SIGKILL right after the answer loses
  neither.

Every test works in accounts of its own (random ids made with `ramd accounts create`), so the events an
account holds are exactly those the test made.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import botocore.exceptions
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import (
    RAMD_BIN, REGION, RamdServer, error_code, make_client, ramd_accounts_create, run_cli, store_args, tgw_arn,
)

BACKEND = "postgres" if os.environ.get("RAMD_TEST_BACKEND") == "postgres" else "sqlite"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
READ_PREFIXES = ("Get", "List", "Describe", "Lookup")
EVENT_KEYS = {
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
    "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly", "eventType",
    "managementEvent", "recipientAccountId", "eventCategory",
}
LOOKUP_TARGET = "CloudTrail_20131101.LookupEvents"
# How a call fails when the server is gone.
BROKEN = (botocore.exceptions.HTTPClientError, botocore.exceptions.ConnectionError)


# --------------------------------------------------------------------------------------------
# principals, calls, lookups
# --------------------------------------------------------------------------------------------


@dataclass
class Principal:
    url: str
    account: str
    arn: str
    key: tuple[str, str]
    kind: str  # userIdentity.type: Root, IAMUser or Role
    name: str | None = None  # the user's or role's name; None for root
    principal_id: str | None = None
    _clients: dict = field(default_factory=dict)

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = make_client(self.url, service=service, account=self.key[0], secret=self.key[1])
        return self._clients[service]

    @property
    def username(self) -> str:
        """LookupEvents' Username: `root`, or the user's or role's name."""
        return self.name or "root"


@dataclass
class Call:
    who: Principal
    op: str
    source: str
    request_id: str
    error: str | None
    message: str | None
    response: dict

    @property
    def read_only(self) -> bool:
        return self.op.startswith(READ_PREFIXES)


class Trail:
    """Makes calls and keeps what a caller knows of each: who, which operation, the answer."""

    def __init__(self):
        self.calls: list[Call] = []

    def __call__(self, who: Principal, service: str, op: str, error: str | None = None, **params) -> dict:
        client = who.client(service)
        method = {api: py for py, api in client.meta.method_to_api_mapping.items()}[op]
        try:
            response, code, message = getattr(client, method)(**params), None, None
        except botocore.exceptions.ClientError as e:
            response, code, message = e.response, e.response["Error"]["Code"], e.response["Error"].get("Message")
        assert code == error, (op, response)
        self.calls.append(Call(who, op, f"{client.meta.service_model.endpoint_prefix}.amazonaws.com",
                               response["ResponseMetadata"]["RequestId"], code, message, response))
        return response

    def ids(self, calls=None) -> list[str]:
        return [c.request_id for c in (self.calls if calls is None else calls)]


def root_of(world, account: str | None = None) -> Principal:
    account = account or f"7{random.randrange(10**10, 10**11)}"
    creds = ramd_accounts_create(world.data_dir, account)
    return Principal(world.server.url, account, f"arn:aws:iam::{account}:root",
                     (creds["accessKeyId"], creds["secretAccessKey"]), "Root", principal_id=account)


def role_key(world, account: str, name: str = "deployer") -> Principal:
    arn = f"arn:aws:iam::{account}:role/{name}"
    creds = ramd_accounts_create(world.data_dir, account, principal_arn=arn)
    return Principal(world.server.url, account, arn, (creds["accessKeyId"], creds["secretAccessKey"]), "Role", name)


def new_user(trail: Trail, root: Principal, name: str, admin: bool = True) -> Principal:
    user = trail(root, "iam", "CreateUser", UserName=name)["User"]
    key = trail(root, "iam", "CreateAccessKey", UserName=name)["AccessKey"]
    if admin:
        trail(root, "iam", "AttachUserPolicy", UserName=name, PolicyArn=ADMIN)
    return Principal(root.url, root.account, user["Arn"], (key["AccessKeyId"], key["SecretAccessKey"]),
                     "IAMUser", name, user["UserId"])


def lookup_all(ct, pages: list | None = None, **kw) -> list[dict]:
    """Every event LookupEvents answers, page after page."""
    events, token = [], None
    while True:
        page = ct.lookup_events(**kw, **({"NextToken": token} if token else {}))
        if pages is not None:
            pages.append(page)
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            return events


def attr(key: str, value: str) -> list[dict]:
    """LookupAttributes of one attribute."""
    return [{"AttributeKey": key, "AttributeValue": value}]


def record(event: dict) -> dict:
    return json.loads(event["CloudTrailEvent"])


def by_request(events: list[dict]) -> dict[str, dict]:
    counted = Counter(record(e)["requestID"] for e in events)
    assert all(n == 1 for n in counted.values()), [r for r, n in counted.items() if n > 1]
    return {record(e)["requestID"]: e for e in events}


def next_second(margin: float = 0.25) -> datetime.datetime:
    """Sleeps past the next whole second (by `margin`); that second, as a UTC datetime."""
    boundary = int(time.time()) + 1
    time.sleep(max(0.0, boundary + margin - time.time()))
    return datetime.datetime.fromtimestamp(boundary, datetime.timezone.utc)


def refused(call, code: str, status: int = 400) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e) == code, e.value.response
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.value.response
    return e.value.response


def check_event(call: Call, event: dict) -> None:
    """The event of `call` is what CloudTrail would have written of it."""
    who, rec = call.who, record(event)
    assert set(rec) == EVENT_KEYS | ({"errorCode", "errorMessage"} if call.error else set()), rec
    identity = {"type": who.kind, "principalId": who.principal_id, "arn": who.arn, "accountId": who.account,
                "accessKeyId": who.key[0]}
    if who.name:
        identity["userName"] = who.name
    assert rec["userIdentity"] == identity, (call.op, rec)
    assert (rec["eventName"], rec["eventSource"], rec["requestID"]) == (call.op, call.source, call.request_id)
    assert (rec.get("errorCode"), rec.get("errorMessage")) == (call.error, call.message), rec
    assert rec["readOnly"] is call.read_only, rec
    assert (rec["eventVersion"], rec["eventType"], rec["managementEvent"], rec["eventCategory"]) == \
        ("1.09", "AwsApiCall", True, "Management")
    assert (rec["awsRegion"], rec["sourceIPAddress"], rec["recipientAccountId"]) == (REGION, "127.0.0.1", who.account)
    assert "Botocore/" in rec["userAgent"], rec["userAgent"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec["eventTime"]), rec["eventTime"]
    if call.read_only or call.error:
        assert rec["responseElements"] is None, rec
    # The Event around the record says the same.
    assert event["EventId"] == rec["eventID"] and len(rec["eventID"]) >= 32
    assert (event["EventName"], event["EventSource"]) == (call.op, call.source)
    assert event["ReadOnly"] == ("true" if call.read_only else "false")
    assert (event["AccessKeyId"], event["Username"]) == (who.key[0], who.username)
    assert event["EventTime"].strftime("%Y-%m-%dT%H:%M:%SZ") == rec["eventTime"]
    assert isinstance(event["Resources"], list)


def raw_lookup(url: str, who: Principal, body) -> requests.Response:
    """LookupEvents as raw JSON 1.1 (what botocore's own validation would not send)."""
    data = json.dumps(body).encode()
    req = AWSRequest(method="POST", url=url + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": LOOKUP_TARGET})
    SigV4Auth(Credentials(*who.key), "cloudtrail", REGION).add_auth(req)
    prepared = req.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)


def export(data_dir, *args: str) -> tuple[list[dict], str, str]:
    """`ramd audit export` on the store: its records, its raw output and its stderr."""
    proc = subprocess.run([str(RAMD_BIN), "audit", "export", *store_args(data_dir), *args],
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.stdout, proc.stderr


def count_line(stderr: str) -> int:
    [line] = [line for line in stderr.splitlines() if re.fullmatch(r"\d+ events", line.strip())]
    return int(line.split()[0])


@dataclass
class World:
    server: RamdServer
    data_dir: Path


@pytest.fixture(scope="module")
def world(ramd_factory, tmp_path_factory) -> World:
    data_dir = tmp_path_factory.mktemp("audit")
    ramd_accounts_create(data_dir, "700000000000")  # the store exists before the server opens it
    # Unthrottled: the lookups of these tests come faster than an account's rates (throttled calls
    # have a test of their own).
    return World(ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"]), data_dir)


# --------------------------------------------------------------------------------------------
# 1. every call, with the right identity
# --------------------------------------------------------------------------------------------


def test_every_call_appears_in_lookup_events_with_the_right_identity(world):
    trail, root = Trail(), root_of(world)
    role = role_key(world, root.account)
    url = world.server.url

    trail(root, "sts", "GetCallerIdentity")
    share = trail(root, "ram", "CreateResourceShare", name="audited", resourceArns=[tgw_arn(root.account)])
    share_arn = share["resourceShare"]["resourceShareArn"]
    alice = new_user(trail, root, "alice")
    nobody = new_user(trail, root, "nobody", admin=False)
    role.principal_id = trail(root, "iam", "GetRole", RoleName="deployer")["Role"]["RoleId"]
    assert role.principal_id.startswith("AROA") and alice.principal_id.startswith("AIDA")
    trail(root, "organizations", "CreateOrganization", FeatureSet="ALL")

    trail(alice, "sts", "GetCallerIdentity")
    trail(alice, "ram", "GetResourceShares", resourceOwner="SELF")
    made_up = f"arn:aws:ram:{REGION}:{root.account}:resource-share/00000000-0000-4000-8000-000000000000"
    trail(alice, "ram", "UpdateResourceShare", "UnknownResourceException", resourceShareArn=made_up, name="x")
    trail(alice, "organizations", "DescribeOrganization")
    trail(alice, "iam", "ListUsers")

    trail(role, "ram", "TagResource", resourceShareArn=share_arn, tags=[{"key": "team", "value": "net"}])
    trail(role, "iam", "GetUser", UserName="alice")
    trail(role, "organizations", "ListAccounts")
    trail(role, "sts", "GetCallerIdentity")

    trail(nobody, "ram", "CreateResourceShare", "AccessDeniedException", name="refused")
    trail(nobody, "organizations", "ListAccounts", "AccessDeniedException")
    trail(nobody, "cloudtrail", "LookupEvents", "AccessDeniedException")
    trail(nobody, "sts", "GetCallerIdentity")  # needs no permission

    # Unauthenticated calls are no one's: a bad signature on alice's key, a key that does not exist.
    wrong = make_client(url, service="sts", account=alice.key[0], secret="not-" + alice.key[1])
    refused(wrong.get_caller_identity, "SignatureDoesNotMatch", 403)
    unknown = make_client(url, service="sts", account="AKIAAUDITUNKNOWN0000", secret="x")
    refused(unknown.get_caller_identity, "InvalidClientTokenId", 403)

    pages: list[dict] = []
    events = lookup_all(root.client("cloudtrail"), pages)
    found = by_request(events)
    assert sorted(found) == sorted(trail.ids()), (Counter(c.op for c in trail.calls), [e["EventName"] for e in events])
    for call in trail.calls:
        check_event(call, found[call.request_id])
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)  # newest first

    # What a mutating call was given and answered; a read's answer is not recorded.
    rec = {c.op + ("!" if c.error else ""): record(found[c.request_id]) for c in trail.calls if c.who is root}
    create = rec["CreateResourceShare"]
    assert create["requestParameters"]["name"] == "audited"
    assert create["responseElements"]["resourceShare"]["resourceShareArn"] == share_arn
    assert {"ResourceType": "AWS::RAM::ResourceShare", "ResourceName": share_arn} in \
        found[trail.calls[1].request_id]["Resources"]
    assert rec["CreateUser"]["requestParameters"] == {"UserName": "nobody"}
    assert rec["CreateUser"]["responseElements"]["User"]["UserId"] == nobody.principal_id
    assert rec["CreateOrganization"]["requestParameters"] == {"FeatureSet": "ALL"}
    refusal = record(found[trail.calls[-4].request_id])
    assert refusal["eventName"] == "CreateResourceShare" and refusal["errorCode"] == "AccessDeniedException"
    assert refusal["requestParameters"]["name"] == "refused" and refusal["responseElements"] is None

    # LookupEvents is itself a call: the walk above is in the next one.
    again = by_request(lookup_all(root.client("cloudtrail")))
    walked = [p["ResponseMetadata"]["RequestId"] for p in pages]
    assert sorted(again) == sorted(trail.ids() + walked)
    for request_id in walked:
        check_event(Call(root, "LookupEvents", "cloudtrail.amazonaws.com", request_id, None, None, {}),
                    again[request_id])

    # The AWS CLI reads the same, by one attribute, a page of one at a time.
    alices = [found[c.request_id]["EventId"] for c in trail.calls if c.who is alice]
    newest_first = [e["EventId"] for e in events if e["EventId"] in alices]
    res = run_cli(url, "cloudtrail", "lookup-events",
                  "--lookup-attributes", "AttributeKey=Username,AttributeValue=alice", "--page-size", "1",
                  account=root.key[0], secret=root.key[1])
    assert res.returncode == 0, res.stderr
    assert [e["EventId"] for e in res.json["Events"]] == newest_first
    assert {e["Username"] for e in res.json["Events"]} == {"alice"}
    assert {json.loads(e["CloudTrailEvent"])["userIdentity"]["arn"] for e in res.json["Events"]} == {alice.arn}
    res = run_cli(url, "cloudtrail", "lookup-events", "--lookup-attributes",
                  f"AttributeKey=AccessKeyId,AttributeValue={role.key[0]}", account=alice.key[0], secret=alice.key[1])
    assert res.returncode == 0, res.stderr
    roles = {found[c.request_id]["EventId"] for c in trail.calls if c.who is role}
    assert {e["EventId"] for e in res.json["Events"]} == roles and len(roles) == 4


def test_a_throttled_call_is_in_the_trail(ramd_factory):
    server = ramd_factory(extra_args=["--throttle", "on", "--throttle-reads", "1:1"])
    account = f"7{random.randrange(10**10, 10**11)}"
    ram = make_client(server.url, account=account)
    ram.get_resource_shares(resourceOwner="SELF")
    throttled = refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), "ThrottlingException", 429)
    # Another Region has a bucket of its own; the trail is the account's.
    ct = make_client(server.url, service="cloudtrail", account=account, region="eu-west-1")
    events = by_request(lookup_all(ct))
    rec = record(events[throttled["ResponseMetadata"]["RequestId"]])
    assert (rec["eventName"], rec["errorCode"], rec["readOnly"]) == ("GetResourceShares", "ThrottlingException", True)
    assert rec["userIdentity"]["type"] == "Root" and rec["userIdentity"]["accountId"] == account
    assert len(events) == 2


# What ramd does against what these tests expect of it (kept failing until ramd changes: strict).


def test_a_refused_iam_call_is_recorded_with_the_code_the_caller_got(world):
    trail, root = Trail(), root_of(world)
    nobody = new_user(trail, root, "nobody", admin=False)
    trail(nobody, "iam", "ListUsers", "AccessDenied")
    found = by_request(lookup_all(root.client("cloudtrail")))
    check_event(trail.calls[-1], found[trail.calls[-1].request_id])


@pytest.mark.parametrize("max_results", [0, 51])
def test_max_results_out_of_range_is_invalid_max_results(world, max_results):
    root = root_of(world)
    r = raw_lookup(world.server.url, root, {"MaxResults": max_results})
    assert (r.status_code, r.json()["__type"].split("#")[-1]) == (400, "InvalidMaxResultsException"), r.text


def test_lookup_events_draws_on_the_reads_bucket(ramd_factory):
    server = ramd_factory(extra_args=["--throttle", "on", "--throttle-reads", "100:100", "--throttle-writes", "1:1"])
    account = f"7{random.randrange(10**10, 10**11)}"
    make_client(server.url, account=account).create_resource_share(name="uses-the-write")
    ct = make_client(server.url, service="cloudtrail", account=account)
    for _ in range(3):
        ct.lookup_events()


def test_a_user_made_again_is_recorded_with_its_new_id(world):
    trail, root = Trail(), root_of(world)
    gus = new_user(trail, root, "gus")
    trail(gus, "sts", "GetCallerIdentity")
    lookup_all(root.client("cloudtrail"))  # gus's events written
    trail(root, "iam", "DetachUserPolicy", UserName="gus", PolicyArn=ADMIN)
    trail(root, "iam", "DeleteAccessKey", UserName="gus", AccessKeyId=gus.key[0])
    trail(root, "iam", "DeleteUser", UserName="gus")
    again = new_user(trail, root, "gus")
    assert again.principal_id != gus.principal_id
    trail(again, "sts", "GetCallerIdentity")
    found = by_request(lookup_all(root.client("cloudtrail")))
    check_event(trail.calls[3], found[trail.calls[3].request_id])  # the first gus's call
    check_event(trail.calls[-1], found[trail.calls[-1].request_id])


def test_a_lookup_by_resource_name_is_no_event_on_that_resource(populated):
    ct = populated.root.client("cloudtrail")
    by_share = attr("ResourceName", populated.share_arn)
    since = next_second()
    assert [e["EventName"] for e in lookup_all(ct, LookupAttributes=by_share)] == \
        ["DisassociateResourceShare", "AssociateResourceShare", "CreateResourceShare"]
    # Only that lookup came since: it is no event on the share.
    assert [e["EventName"] for e in lookup_all(ct, StartTime=since, LookupAttributes=by_share)] == []


def test_lookup_attributes_match_case_exactly(populated):
    ct = populated.root.client("cloudtrail")
    for key, value in [("Username", "DANA"), ("EventName", "createuser"), ("EventSource", "IAM.amazonaws.com"),
                       ("ResourceName", "DANA"), ("ResourceType", "aws::iam::user"),
                       ("ResourceName", populated.share_arn.upper())]:
        got = ct.lookup_events(EndTime=populated.bounds[-1], LookupAttributes=attr(key, value))
        assert got["Events"] == [], (key, value, [e["EventName"] for e in got["Events"]])


# --------------------------------------------------------------------------------------------
# 2. secrets
# --------------------------------------------------------------------------------------------


def test_no_secret_is_in_any_event_or_export(world):
    trail, root = Trail(), root_of(world)
    bob = new_user(trail, root, "bob")
    second = trail(root, "iam", "CreateAccessKey", UserName="bob")["AccessKey"]
    trail(bob, "sts", "GetCallerIdentity")
    trail(bob, "iam", "ListAccessKeys")
    trail(bob, "iam", "CreateAccessKey", "LimitExceeded", UserName="bob")
    secrets = [root.key[1], bob.key[1], second["SecretAccessKey"]]

    events = lookup_all(root.client("cloudtrail"))
    assert len(events) == len(trail.calls)
    text = json.dumps(events, default=str)
    assert not [s for s in secrets if s in text]
    keys = [record(e) for e in events if e["EventName"] == "CreateAccessKey" and "errorCode" not in record(e)]
    assert len(keys) == 2
    for rec in keys:
        assert rec["responseElements"]["AccessKey"]["SecretAccessKey"] == HIDDEN
        assert rec["responseElements"]["AccessKey"]["AccessKeyId"] in (bob.key[0], second["AccessKeyId"])

    exported, out, err = export(world.data_dir, "--account", root.account)
    assert not [s for s in secrets if s in out]
    assert count_line(err) == len(exported)
    # Every call's (and the lookup's, if written by now: a read's event is written in the background).
    assert sorted(r["requestID"] for r in exported if r["eventName"] != "LookupEvents") == sorted(trail.ids())
    assert [r["responseElements"]["AccessKey"]["SecretAccessKey"] for r in exported
            if r["eventName"] == "CreateAccessKey" and "errorCode" not in r] == [HIDDEN, HIDDEN]
    _, everything, _ = export(world.data_dir)
    assert not [s for s in secrets if s in everything]


# --------------------------------------------------------------------------------------------
# 3. isolation
# --------------------------------------------------------------------------------------------


def test_an_account_sees_none_of_another_accounts_events(world):
    trail, a, b = Trail(), root_of(world), root_of(world)
    share = trail(a, "ram", "CreateResourceShare", name="a-only", resourceArns=[tgw_arn(a.account)])
    share_arn = share["resourceShare"]["resourceShareArn"]
    carol = new_user(trail, a, "carol")
    trail(carol, "ram", "GetResourceShares", resourceOwner="SELF")
    trail(b, "sts", "GetCallerIdentity")

    mine = by_request(lookup_all(a.client("cloudtrail")))
    assert sorted(mine) == sorted(c.request_id for c in trail.calls if c.who is not b)
    a_event = mine[trail.calls[0].request_id]

    ct_b = b.client("cloudtrail")
    theirs = lookup_all(ct_b)
    assert [record(e)["requestID"] for e in theirs] == [trail.calls[-1].request_id]
    assert {record(e)["recipientAccountId"] for e in theirs} == {b.account}
    for key, value in [("EventId", a_event["EventId"]), ("ResourceName", share_arn), ("Username", "carol"),
                       ("AccessKeyId", a.key[0]), ("AccessKeyId", carol.key[0]), ("ResourceName", "carol"),
                       ("EventName", "CreateResourceShare")]:
        assert ct_b.lookup_events(LookupAttributes=attr(key, value))["Events"] == [], key
    # A's user, with AdministratorAccess, reads A's trail, and only A's.
    assert {record(e)["recipientAccountId"] for e in lookup_all(carol.client("cloudtrail"))} == {a.account}


# --------------------------------------------------------------------------------------------
# 4. lookup attributes, time range, pages, errors
# --------------------------------------------------------------------------------------------


@dataclass
class Populated:
    root: Principal
    dana: Principal
    share_arn: str
    tgws: list[str]
    batches: list[list[Call]]
    bounds: list[datetime.datetime]  # before batch 1 .. after batch 3
    events: list[dict]  # every event of the account up to the last bound, newest first


@pytest.fixture(scope="module")
def populated(world) -> Populated:
    """An account with three batches of calls, each within whole seconds of its own."""
    trail, root = Trail(), root_of(world)
    tgws = [tgw_arn(root.account), tgw_arn(root.account)]
    bounds, batches = [next_second()], []
    share = trail(root, "ram", "CreateResourceShare", name="looked-up", resourceArns=[tgws[0]])
    share_arn = share["resourceShare"]["resourceShareArn"]
    dana = new_user(trail, root, "dana")
    batches.append(list(trail.calls))
    bounds.append(next_second())
    trail(dana, "ram", "GetResourceShares", resourceOwner="SELF")
    trail(dana, "ram", "AssociateResourceShare", resourceShareArn=share_arn, resourceArns=[tgws[1]])
    trail(dana, "sts", "GetCallerIdentity")
    trail(dana, "iam", "ListUsers")
    batches.append(trail.calls[len(batches[0]):])
    bounds.append(next_second())
    trail(root, "ram", "ListResources", resourceOwner="SELF")
    trail(root, "organizations", "DescribeOrganization", "AWSOrganizationsNotInUseException")
    trail(root, "iam", "GetUser", UserName="dana")
    trail(root, "ram", "DisassociateResourceShare", resourceShareArn=share_arn, resourceArns=[tgws[1]])
    batches.append(trail.calls[len(batches[0]) + len(batches[1]):])
    bounds.append(next_second())
    events = lookup_all(root.client("cloudtrail"), EndTime=bounds[-1])
    assert sorted(by_request(events)) == sorted(trail.ids())
    for call in trail.calls:
        check_event(call, by_request(events)[call.request_id])
    return Populated(root, dana, share_arn, tgws, batches, bounds, events)


def ids_of(events) -> list[str]:
    return [e["EventId"] for e in events]


def test_each_lookup_attribute_selects_its_events(populated):
    p = populated
    ct = p.root.client("cloudtrail")
    full = p.events

    def resources(e, field):
        return {r[field] for r in e["Resources"]}

    cases = [
        ("EventId", full[3]["EventId"], lambda e: e["EventId"] == full[3]["EventId"], 1),
        ("EventName", "CreateAccessKey", lambda e: e["EventName"] == "CreateAccessKey", 1),
        ("EventName", "GetResourceShares", lambda e: e["EventName"] == "GetResourceShares", 1),
        ("ReadOnly", "true", lambda e: e["ReadOnly"] == "true", 6),
        ("ReadOnly", "false", lambda e: e["ReadOnly"] == "false", 6),
        ("Username", "root", lambda e: e["Username"] == "root", 8),
        ("Username", "dana", lambda e: e["Username"] == "dana", 4),
        ("EventSource", "iam.amazonaws.com", lambda e: e["EventSource"] == "iam.amazonaws.com", 5),
        ("EventSource", "organizations.amazonaws.com", lambda e: e["EventSource"] == "organizations.amazonaws.com", 1),
        ("AccessKeyId", p.dana.key[0], lambda e: e["AccessKeyId"] == p.dana.key[0], 4),
        ("AccessKeyId", p.root.key[0], lambda e: e["AccessKeyId"] == p.root.key[0], 8),
        *[("ResourceType", kind, lambda e, kind=kind: kind in resources(e, "ResourceType"), None)
          for kind in ("AWS::RAM::ResourceShare", "AWS::EC2::TransitGateway", "AWS::IAM::User")],
        ("ResourceName", p.share_arn, lambda e: p.share_arn in resources(e, "ResourceName"), None),
        ("ResourceName", p.tgws[1], lambda e: p.tgws[1] in resources(e, "ResourceName"), None),
        ("ResourceName", "dana", lambda e: "dana" in resources(e, "ResourceName"), None),
        ("EventName", "NoSuchCall", lambda e: False, 0),
    ]
    for key, value, selects, count in cases:
        got = lookup_all(ct, EndTime=p.bounds[-1], LookupAttributes=attr(key, value))
        expected = [e for e in full if selects(e)]
        assert ids_of(got) == ids_of(expected), (key, value, [e["EventName"] for e in got])
        if count is not None:
            assert len(got) == count, (key, value, [e["EventName"] for e in got])

    def names(key, value):
        return sorted(e["EventName"] for e in lookup_all(
            ct, EndTime=p.bounds[-1], LookupAttributes=attr(key, value)))
    # The resources each call names.
    assert names("ResourceName", p.tgws[1]) == ["AssociateResourceShare", "DisassociateResourceShare"]
    assert {"CreateResourceShare", "AssociateResourceShare", "DisassociateResourceShare"} <= \
        set(names("ResourceType", "AWS::RAM::ResourceShare"))
    assert names("ResourceType", "AWS::EC2::TransitGateway") == \
        ["AssociateResourceShare", "CreateResourceShare", "DisassociateResourceShare"]
    assert names("ResourceName", "dana") == ["AttachUserPolicy", "CreateAccessKey", "CreateUser", "GetUser"]
    assert {"CreateUser", "CreateAccessKey", "AttachUserPolicy", "GetUser"} <= \
        set(names("ResourceType", "AWS::IAM::User"))


def test_a_time_range_selects_the_events_within_it(populated):
    p = populated
    ct = p.root.client("cloudtrail")
    for i, batch in enumerate(p.batches):
        got = lookup_all(ct, StartTime=p.bounds[i], EndTime=p.bounds[i + 1])
        assert sorted(record(e)["requestID"] for e in got) == sorted(c.request_id for c in batch), i
        assert all(p.bounds[i] <= e["EventTime"] <= p.bounds[i + 1] for e in got)
    both = lookup_all(ct, StartTime=p.bounds[1], EndTime=p.bounds[3])
    assert sorted(record(e)["requestID"] for e in both) == sorted(c.request_id for c in p.batches[1] + p.batches[2])
    # With a lookup attribute too.
    got = lookup_all(ct, StartTime=p.bounds[2], EndTime=p.bounds[3],
                     LookupAttributes=attr("Username", "root"))
    assert sorted(record(e)["requestID"] for e in got) == sorted(c.request_id for c in p.batches[2])
    # Before the first call, nothing; only a start: up to now (the lookups above are there too).
    assert ct.lookup_events(EndTime=p.bounds[0])["Events"] == []
    since = lookup_all(ct, StartTime=p.bounds[3])
    assert since and {e["EventName"] for e in since} == {"LookupEvents"}
    # Newest first: the batches in reverse.
    order = [record(e)["requestID"] for e in p.events]
    batch_of = {c.request_id: i for i, b in enumerate(p.batches) for c in b}
    assert [batch_of[r] for r in order] == sorted((batch_of[r] for r in order), reverse=True)


def test_pages_of_two_walk_every_event_once_newest_first(populated):
    p = populated
    ct = p.root.client("cloudtrail")
    pages: list[dict] = []
    walked = lookup_all(ct, pages, EndTime=p.bounds[-1], MaxResults=2)
    assert ids_of(walked) == ids_of(p.events) and len(set(ids_of(walked))) == len(walked) == 12
    assert [len(page["Events"]) for page in pages] == [2] * 6
    assert all(page.get("NextToken") for page in pages[:-1]) and "NextToken" not in pages[-1]
    times = [e["EventTime"] for e in walked]
    assert times == sorted(times, reverse=True)
    # Without an end, a walk shows the lookups before it, oldest last, but none of its own pages (each a
    # call too, made after the walk began).
    pages = []
    everything = lookup_all(ct, pages, MaxResults=2)
    assert len(set(ids_of(everything))) == len(everything) and ids_of(everything)[-12:] == ids_of(p.events)
    assert {e["EventName"] for e in everything[:-12]} == {"LookupEvents"}
    assert not {page["ResponseMetadata"]["RequestId"] for page in pages} & {record(e)["requestID"] for e in everything}
    # By an attribute, a page of one at a time.
    pages = []
    dana = lookup_all(ct, pages, EndTime=p.bounds[-1], MaxResults=1,
                      LookupAttributes=attr("Username", "dana"))
    assert ids_of(dana) == [e["EventId"] for e in p.events if e["Username"] == "dana"] and len(pages) == 4
    # boto3's paginator walks the same.
    paged = [e for page in ct.get_paginator("lookup_events").paginate(
        EndTime=p.bounds[-1], PaginationConfig={"PageSize": 3}) for e in page["Events"]]
    assert ids_of(paged) == ids_of(p.events)


def test_lookup_errors_have_their_codes_and_status_400(populated, world):
    p = populated
    ct = p.root.client("cloudtrail")
    two = [{"AttributeKey": "Username", "AttributeValue": "root"},
           {"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    failed = []
    failed.append(refused(lambda: ct.lookup_events(LookupAttributes=two), "InvalidLookupAttributesException"))
    failed.append(refused(lambda: ct.lookup_events(LookupAttributes=attr("ReadOnly", "yes")),
                          "InvalidLookupAttributesException"))
    start, end = p.bounds[2], p.bounds[1]
    failed.append(refused(lambda: ct.lookup_events(StartTime=start, EndTime=end), "InvalidTimeRangeException"))
    failed.append(refused(lambda: ct.lookup_events(NextToken="garbage"), "InvalidNextTokenException"))
    # A start only, in the future: after the end (now).
    future = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
    failed.append(refused(lambda: ct.lookup_events(StartTime=future), "InvalidTimeRangeException"))
    # The same as raw JSON 1.1: 400 and the code in __type.
    r = raw_lookup(world.server.url, p.root, {"LookupAttributes": two})
    assert (r.status_code, r.json()["__type"].split("#")[-1]) == (400, "InvalidLookupAttributesException"), r.text
    raw_id = r.headers["x-amzn-requestid"]
    # Insights events: ramd records none.
    insight = ct.lookup_events(EventCategory="insight")
    assert insight["Events"] == [] and "NextToken" not in insight
    # The refused lookups are in the trail, with their errors.
    rejected = by_request(lookup_all(ct, StartTime=p.bounds[-1], LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "LookupEvents"}]))
    for response in failed:
        rec = record(rejected[response["ResponseMetadata"]["RequestId"]])
        assert rec["errorCode"] == response["Error"]["Code"] and rec["readOnly"] is True
        assert rec["errorMessage"] == response["Error"]["Message"]
    assert record(rejected[raw_id])["errorCode"] == "InvalidLookupAttributesException"
    assert record(rejected[insight["ResponseMetadata"]["RequestId"]]).get("errorCode") is None


# --------------------------------------------------------------------------------------------
# 5. ramd audit export; serve --audit false
# --------------------------------------------------------------------------------------------


def test_audit_export_by_account_and_since_oldest_first(world, tmp_path):
    trail, x, y = Trail(), root_of(world), root_of(world)
    trail(x, "ram", "CreateResourceShare", name="exported", resourceArns=[tgw_arn(x.account)])
    trail(x, "sts", "GetCallerIdentity")
    trail(x, "iam", "CreateUser", UserName="erin")
    since = next_second()
    trail(x, "iam", "ListUsers")
    trail(x, "ram", "GetResourceShares", resourceOwner="BAD", error="InvalidParameterException")
    trail(x, "organizations", "CreateOrganization", FeatureSet="ALL")
    first, later = trail.calls[:3], trail.calls[3:]
    trail(y, "sts", "GetCallerIdentity")
    # Y's lookup writes out what the server holds (X made no lookups of its own).
    lookup_all(y.client("cloudtrail"))

    records, out, err = export(world.data_dir, "--account", x.account)
    assert count_line(err) == len(records) == 6
    assert sorted(r["requestID"] for r in records) == sorted(trail.ids(first + later))
    assert {r["recipientAccountId"] for r in records} == {x.account}
    assert [r["eventTime"] for r in records] == sorted(r["eventTime"] for r in records)
    assert {r["requestID"]: r["eventName"] for r in records} == {c.request_id: c.op for c in trail.calls if c.who is x}

    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    recent, _, err = export(world.data_dir, "--account", x.account, "--since", stamp)
    assert [r["requestID"] for r in recent] == [r["requestID"] for r in records if r["requestID"] in trail.ids(later)]
    assert len(recent) == 3 and count_line(err) == 3
    offset = since.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat()  # RFC 3339 with an offset
    assert export(world.data_dir, "--account", x.account, "--since", offset)[0] == recent

    target = tmp_path / "audit.jsonl"
    nothing, printed, err = export(world.data_dir, "--account", x.account, "--output", str(target))
    assert nothing == [] and printed == "" and count_line(err) == 6
    assert target.read_text() == out
    # Every account's, each line a record; Y's among them.
    everything, _, err = export(world.data_dir)
    assert count_line(err) == len(everything) >= 7
    assert trail.calls[-1].request_id in {r["requestID"] for r in everything}
    assert {r["recipientAccountId"] for r in everything} >= {x.account, y.account}
    times = [r["eventTime"] for r in everything]
    assert times == sorted(times)
    # Nothing for an account that made no call; a time that is not RFC 3339 is refused.
    assert export(world.data_dir, "--account", "799999999999")[0] == []
    proc = subprocess.run([str(RAMD_BIN), "audit", "export", *store_args(world.data_dir), "--since", "yesterday"],
                          capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0 and "yesterday" in proc.stderr
    # Oldest first: LookupEvents' order (newest first) reversed.
    newest = [e["EventId"] for e in lookup_all(x.client("cloudtrail"))]
    assert [r["eventID"] for r in records] == newest[::-1]


def test_a_server_with_audit_off_records_nothing(ramd_factory):
    server = ramd_factory(extra_args=["--audit", "off"])
    account = f"7{random.randrange(10**10, 10**11)}"
    make_client(server.url, account=account).create_resource_share(name="unaudited", resourceArns=[tgw_arn(account)])
    make_client(server.url, service="iam", account=account).create_user(UserName="frank")
    make_client(server.url, service="sts", account=account).get_caller_identity()
    ct = make_client(server.url, service="cloudtrail", account=account)
    assert ct.lookup_events()["Events"] == []
    assert ct.lookup_events()["Events"] == []  # nor the lookup before
    server.stop()
    records, _, err = export(server.data_dir)
    assert records == [] and count_line(err) == 0


def test_a_retention_is_accepted_and_keeps_new_events(ramd_factory):
    server = ramd_factory(extra_args=["--audit-retention-days", "1"])
    account = f"7{random.randrange(10**10, 10**11)}"
    made = make_client(server.url, account=account).create_resource_share(name="kept")
    [event] = make_client(server.url, service="cloudtrail", account=account).lookup_events()["Events"]
    assert record(event)["requestID"] == made["ResponseMetadata"]["RequestId"]


# --------------------------------------------------------------------------------------------
# 6. SIGKILL: a mutating call's event is committed with its effect
# --------------------------------------------------------------------------------------------


def drop_database(data_dir) -> None:
    if BACKEND == "postgres":
        args = store_args(data_dir)
        name = args[args.index("--database-url") + 1].rsplit("/", 1)[1]
        subprocess.run(["psql", os.environ["RAMD_TEST_DATABASE_URL"], "-qc",
                        f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True, capture_output=True)


def sigkill(server: RamdServer) -> None:
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server.proc = None


@pytest.fixture
def crash_server(tmp_path):
    servers = []

    def start(auth: str = "trust") -> RamdServer:
        data_dir = tmp_path / f"data{len(servers)}"
        data_dir.mkdir()
        drop_database(data_dir)
        if auth == "sigv4":
            ramd_accounts_create(data_dir, "700000000000")  # the store, before the server opens it
        server = RamdServer(data_dir, auth=auth, extra_args=["--throttle", "off"], log_dir=tmp_path).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()
        drop_database(server.data_dir)


def test_sigkill_right_after_a_mutating_call_keeps_its_event(crash_server):
    server = crash_server()
    account = f"7{random.randrange(10**10, 10**11)}"
    made = make_client(server.url, account=account).create_resource_share(name="kept", resourceArns=[tgw_arn(account)])
    sigkill(server)
    # The store as the kill left it, with no server to write anything more.
    [rec] = export(server.data_dir, "--account", account)[0]
    assert (rec["eventName"], rec["requestID"]) == ("CreateResourceShare", made["ResponseMetadata"]["RequestId"])
    assert rec["eventID"] and rec["userIdentity"]["accountId"] == account and rec.get("errorCode") is None
    server.start()
    [event] = make_client(server.url, service="cloudtrail", account=account).lookup_events()["Events"]
    assert (event["EventName"], event["EventId"]) == ("CreateResourceShare", rec["eventID"])


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_at_a_random_moment_loses_no_acknowledged_calls_event(crash_server, trial):
    server = crash_server()
    account = f"7{random.randrange(10**10, 10**11)}"
    ram, iam = make_client(server.url, account=account), make_client(server.url, service="iam", account=account)
    acknowledged: list[tuple[str, str]] = []  # (operation, request id) of every call answered 200
    unexpected: list[Exception] = []

    def write():
        for i in range(100000):
            try:
                if i % 2:
                    out = iam.create_user(UserName=f"u{i}")
                    acknowledged.append(("CreateUser", out["ResponseMetadata"]["RequestId"]))
                else:
                    out = ram.create_resource_share(name=f"s{i}", resourceArns=[tgw_arn(account)])
                    acknowledged.append(("CreateResourceShare", out["ResponseMetadata"]["RequestId"]))
            except BROKEN:  # the connection broke: the kill
                return
            except Exception as e:  # noqa: BLE001 - reported below
                unexpected.append(e)
                return
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(random.uniform(0.3, 1.2))
    sigkill(server)
    writer.join(timeout=30)
    assert not writer.is_alive() and not unexpected and acknowledged, unexpected
    server.start()
    ram, iam = make_client(server.url, account=account), make_client(server.url, service="iam", account=account)
    events = by_request(lookup_all(make_client(server.url, service="cloudtrail", account=account)))
    missing = [(op, rid) for op, rid in acknowledged if rid not in events or events[rid]["EventName"] != op]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged calls have no event: {missing[:5]}"
    assert all(events[rid]["EventId"] for _, rid in acknowledged)
    # And no event of a change that did not happen: one per share, one per user (the call in flight
    # at the kill counts in both or in neither).
    shares = [s for page in ram.get_paginator("get_resource_shares").paginate(resourceOwner="SELF")
              for s in page["resourceShares"]]
    users = [u for page in iam.get_paginator("list_users").paginate() for u in page["Users"]]
    made = Counter(e["EventName"] for e in events.values())
    assert (made["CreateResourceShare"], made["CreateUser"]) == (len(shares), len(users)), (made, len(acknowledged))


def test_an_event_committed_with_its_effect_names_the_users_principal_id(crash_server):
    """The version of an event a crash leaves (written with the call's effect, not yet completed) names
    the caller as the complete one does. Kills at random until one such version is left."""
    for _ in range(8):
        server = crash_server(auth="sigv4")
        account = f"7{random.randrange(10**10, 10**11)}"
        creds = ramd_accounts_create(server.data_dir, account, principal_arn=f"arn:aws:iam::{account}:user/hal")
        ram = make_client(server.url, account=creds["accessKeyId"], secret=creds["secretAccessKey"])
        user_id = make_client(server.url, service="iam", account=creds["accessKeyId"],
                              secret=creds["secretAccessKey"]).get_user()["User"]["UserId"]

        def write():
            try:
                for i in range(100000):
                    ram.create_resource_share(name=f"s{i}")
            except BROKEN:
                return
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        time.sleep(random.uniform(0.3, 1.0))
        sigkill(server)
        writer.join(timeout=30)
        left = [r for r in export(server.data_dir, "--account", account)[0]
                if r["eventName"] == "CreateResourceShare" and r["requestParameters"] is None]
        if left:
            [rec] = left
            assert rec["userIdentity"] == {
                "type": "IAMUser", "principalId": user_id, "arn": f"arn:aws:iam::{account}:user/hal",
                "accountId": account, "accessKeyId": creds["accessKeyId"], "userName": "hal"}
            return
    pytest.skip("no kill left an event uncompleted")
