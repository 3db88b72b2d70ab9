"""`ramd seed FILE` / `ramd serve --seed FILE`: a declarative multi-account world (accounts with fixed
access keys, the organization tree, customer managed permissions, shares with their resources,
principals, permissions and tags, invitations accepted or pending), loaded idempotently from YAML or
JSON, on SQLite and PostgreSQL. Each world is checked as its accounts see it: boto3 RAM and
Organizations clients signing (SigV4) with the fixture's own keys. A fixture that cannot be loaded is
refused with `ramd: FILE: line N, FIELD: MESSAGE` on stderr and exit code 1."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import botocore.exceptions
import pytest
import yaml

from conftest import (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, RAMD_BIN, REGION, REPO_ROOT, RamdServer, error_code,
                      make_client, postgres_url)

EXAMPLE = REPO_ROOT / "examples" / "seed.yaml"
NETWORK, WORKLOADS, PARTNER = ACCOUNT_A, ACCOUNT_B, ACCOUNT_C
PROD = "444444444444"
COUNTS = ("accounts", "accessKeys", "organizations", "units", "members", "moves", "permissions", "shares",
          "associations", "sharePermissions", "tags", "invitationsAccepted", "shareUpdates")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def ramd(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(RAMD_BIN), *map(str, args)], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})


def made(**counts) -> dict:
    """The `made` report of a run that made `counts` and nothing else."""
    assert set(counts) <= set(COUNTS), counts
    return {name: counts.get(name, 0) for name in COUNTS}


def seed(store_args, fixture) -> dict:
    out = ramd("seed", *store_args, fixture)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["made"]


@dataclass
class Store:
    """One store: the flags `ramd seed` takes for it, and sigv4 servers over it."""
    data_dir: Path  # the store (SQLite), or where the server's logs go (PostgreSQL)
    args: list[str]
    server_args: list[str] = field(default_factory=list)

    @contextmanager
    def serving(self, *extra):
        server = RamdServer(self.data_dir, auth="sigv4",
                            extra_args=[*self.server_args, "--throttle", "off", *extra]).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path, monkeypatch) -> Store:
    monkeypatch.delenv("RAMD_TEST_BACKEND", raising=False)  # the backend is the parameter
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    if request.param == "sqlite":
        return Store(data_dir, ["--data-dir", str(data_dir)])
    url = postgres_url("ramd_seed_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16])
    if url is None:
        pytest.skip("no PostgreSQL (RAMD_TEST_DATABASE_URL)")
    key = tmp_path / "master.key"
    key.write_text(base64.b64encode(os.urandom(32)).decode())
    flags = ["--database-url", url, "--master-key-file", str(key)]
    return Store(data_dir, flags, flags)


def keys_of(fixture: dict) -> dict:
    """account id -> (access key id, secret) of each account's first fixed key."""
    return {a["id"]: (a["accessKeys"][0]["accessKeyId"], a["accessKeys"][0]["secretAccessKey"])
            for a in fixture["accounts"] if a.get("accessKeys")}


class Signer:
    """boto3 clients of one server, each signing with an account's fixed key from the fixture."""

    def __init__(self, url: str, keys: dict):
        self.url, self.keys = url, keys

    def __call__(self, account: str, service: str = "ram"):
        key_id, secret = self.keys[account]
        return make_client(self.url, service=service, account=key_id, secret=secret)


def shares_by_name(client, owner="SELF") -> dict:
    return {s["name"]: s for s in client.get_resource_shares(resourceOwner=owner)["resourceShares"]}


def tags_of(share: dict) -> dict:
    return {t["key"]: t["value"] for t in share.get("tags", [])}


def received_resources(client) -> set:
    return {r["arn"] for r in client.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]}


def invitation_statuses(client) -> dict:
    return {i["resourceShareName"]: i["status"]
            for i in client.get_resource_share_invitations()["resourceShareInvitations"]}


def share_permission_names(client, share_arn: str) -> list:
    return [p["name"] for p in client.list_resource_share_permissions(resourceShareArn=share_arn)["permissions"]]


def org_tree(orgs) -> dict:
    """The management account's view of the tree: OU path (root: "") -> sorted account ids."""
    tree = {}

    def walk(parent_id: str, path: str):
        tree[path] = sorted(a["Id"] for a in orgs.list_accounts_for_parent(ParentId=parent_id)["Accounts"])
        for ou in orgs.list_organizational_units_for_parent(ParentId=parent_id)["OrganizationalUnits"]:
            walk(ou["Id"], f"{path}/{ou['Name']}".lstrip("/"))

    walk(orgs.list_roots()["Roots"][0]["Id"], "")
    return tree


def store_rows(data_dir: Path) -> dict:
    """Every row of a SQLite store, by table, as `ramd export` prints it (the master key's check in
    `settings` aside: a run makes it before it reads the fixture's first entry)."""
    out = ramd("export", "--data-dir", data_dir)
    assert out.returncode == 0, out.stderr
    return {name: rows for name, rows in json.loads(out.stdout)["tables"].items() if name != "settings"}


# --------------------------------------------------------------------------------------------
# examples/seed.yaml
# --------------------------------------------------------------------------------------------

EXAMPLE_KEYS = keys_of(yaml.safe_load(EXAMPLE.read_text()))
SUBNETS = {f"arn:aws:ec2:us-east-1:{NETWORK}:subnet/subnet-0a1b2c3d4e5f6000{i}" for i in (1, 2)}
PROJECT = f"arn:aws:codebuild:us-east-1:{NETWORK}:project/app"
EXAMPLE_FIRST_RUN = made(accounts=3, accessKeys=3, organizations=1, units=1, members=1, moves=1, permissions=1,
                         shares=3, invitationsAccepted=1)


def assert_example_world(url: str) -> None:
    """What network, workloads and partner see of examples/seed.yaml, each signing with its own key."""
    signer = Signer(url, EXAMPLE_KEYS)
    network, workloads, partner = signer(NETWORK), signer(WORKLOADS), signer(PARTNER)

    owned = shares_by_name(network)
    assert {name: tags_of(s) for name, s in owned.items()} == {
        "shared-subnets": {"team": "network", "env": "dev"}, "build-projects": {}, "transit": {}}
    assert all(s["status"] == "ACTIVE" and s["owningAccountId"] == NETWORK for s in owned.values())

    # workloads is in the OU Workloads: the subnets are its own at once, with no invitation.
    assert received_resources(workloads) == SUBNETS
    assert set(shares_by_name(workloads, "OTHER-ACCOUNTS")) == {"shared-subnets"}
    assert invitation_statuses(workloads) == {}

    # partner is outside the organization: one invitation accepted, one left pending.
    assert invitation_statuses(partner) == {"build-projects": "ACCEPTED", "transit": "PENDING"}
    assert received_resources(partner) == {PROJECT}

    orgs = signer(NETWORK, "organizations")
    assert orgs.describe_organization()["Organization"]["MasterAccountId"] == NETWORK
    assert {a["Id"]: a["Name"] for a in orgs.list_accounts()["Accounts"]} == {
        NETWORK: "network", WORKLOADS: "workloads"}
    assert org_tree(orgs) == {"": [NETWORK], "Workloads": [WORKLOADS]}

    custom = network.list_permissions(permissionType="CUSTOMER_MANAGED")["permissions"]
    assert [(p["name"], p["resourceType"]) for p in custom] == [("BuildReadOnly", "codebuild:Project")]
    policy = network.get_permission(permissionArn=custom[0]["arn"])["permission"]["permission"]
    assert "codebuild:BatchGetProjects" in policy
    attached = network.list_resource_share_permissions(
        resourceShareArn=owned["build-projects"]["resourceShareArn"])["permissions"]
    assert [(p["arn"], p["permissionType"]) for p in attached] == [(custom[0]["arn"], "CUSTOMER_MANAGED")]
    assert share_permission_names(network, owned["shared-subnets"]["resourceShareArn"]) == [
        "AWSRAMDefaultPermissionSubnet"]

    # The keys are checked: the right key id with another secret is refused.
    key_id, _ = EXAMPLE_KEYS[NETWORK]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        make_client(url, account=key_id, secret="not-the-secret-of-this-key").get_resource_shares(resourceOwner="SELF")
    assert error_code(refused) == "InvalidSignatureException"


def test_the_example_seeds_once_and_each_account_signs_in_to_its_world(store):
    assert seed(store.args, EXAMPLE) == EXAMPLE_FIRST_RUN
    assert seed(store.args, EXAMPLE) == made()  # a second run makes nothing
    with store.serving() as server:
        assert_example_world(server.url)


def seeded_report(server: RamdServer) -> dict:
    """What `serve --seed` logged it made."""
    return json.loads(re.findall(r" seeded .*made=(\{.*\})", server.stderr_path.read_text())[-1])


def test_serve_seed_answers_with_the_seeded_world_from_the_start(store):
    with store.serving("--seed", EXAMPLE) as server:
        assert_example_world(server.url)
        assert seeded_report(server) == EXAMPLE_FIRST_RUN
    # Started again with the same fixture: nothing made, the same world.
    with store.serving("--seed", EXAMPLE) as server:
        assert seeded_report(server) == made()
        assert_example_world(server.url)


def test_serve_with_a_fixture_it_cannot_load_does_not_start(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('accounts:\n  - id: "12345"\n')
    out = ramd("serve", "--auth", "sigv4", "--listen", "127.0.0.1:0", "--data-dir", tmp_path / "store", "--seed", bad)
    assert out.returncode == 1
    assert f"ramd: {bad}: line 2, accounts[0].id: " in out.stderr, out.stderr


# --------------------------------------------------------------------------------------------
# a fixture that grows
# --------------------------------------------------------------------------------------------


def account(account_id: str, name: str) -> dict:
    return {"id": account_id, "name": name, "accessKeys": [{
        "accessKeyId": f"AKIA{name.upper():X<16}"[:20], "secretAccessKey": f"{name}-secret-{account_id}"}]}


def tgw(suffix: str) -> str:
    return f"arn:aws:ec2:{REGION}:{NETWORK}:transit-gateway/tgw-{suffix:0>17}"


def subnet(suffix: str) -> str:
    return f"arn:aws:ec2:{REGION}:{NETWORK}:subnet/subnet-{suffix:0>17}"


def grown_fixture() -> dict:
    """A JSON world: a nested OU, the organization and an OU path as principals, an AWS managed
    permission by name, and a partner's invitation left pending."""
    return {
        "region": REGION,
        "accounts": [account(NETWORK, "network"), account(WORKLOADS, "workloads"), account(PARTNER, "partner"),
                     account(PROD, "prod")],
        "organization": {
            "managementAccount": NETWORK,
            "accounts": [WORKLOADS],
            "units": [{"name": "Workloads", "units": [{"name": "Prod", "accounts": [PROD]}]}],
        },
        "shares": [
            {"name": "prod-subnets", "owner": NETWORK, "resources": [subnet("1")],
             "principals": [{"unit": "Workloads/Prod"}], "permissions": ["AWSRAMDefaultPermissionSubnet"],
             "tags": {"team": "network"}},
            {"name": "org-wide", "owner": NETWORK, "resources": [tgw("1")], "principals": ["organization"]},
            {"name": "partner", "owner": NETWORK, "resources": [tgw("2")], "principals": [PARTNER]},
        ],
    }


def test_a_grown_fixture_makes_only_what_is_new(store, tmp_path):
    fixture = grown_fixture()
    path = tmp_path / "world.json"
    path.write_text(json.dumps(fixture, indent=2))
    assert seed(store.args, path) == made(accounts=4, accessKeys=4, organizations=1, units=2, members=2, moves=1,
                                          shares=3)
    assert seed(store.args, path) == made()

    subnets, partner = fixture["shares"][0], fixture["shares"][2]
    subnets["resources"].append(subnet("2"))
    subnets["tags"]["env"] = "dev"
    partner["principals"] = [{"account": PARTNER, "invitation": "accepted"}]
    path.write_text(json.dumps(fixture, indent=2))
    assert seed(store.args, path) == made(associations=1, tags=1, invitationsAccepted=1)
    assert seed(store.args, path) == made()

    with store.serving() as server:
        signer = Signer(server.url, keys_of(fixture))
        network = signer(NETWORK)
        owned = shares_by_name(network)
        assert {name: tags_of(s) for name, s in owned.items()} == {
            "prod-subnets": {"team": "network", "env": "dev"}, "org-wide": {}, "partner": {}}
        assert share_permission_names(network, owned["prod-subnets"]["resourceShareArn"]) == [
            "AWSRAMDefaultPermissionSubnet"]
        org_arn = signer(NETWORK, "organizations").describe_organization()["Organization"]["Arn"]
        principals = network.get_resource_share_associations(
            associationType="PRINCIPAL", resourceShareArns=[owned["org-wide"]["resourceShareArn"]],
        )["resourceShareAssociations"]
        assert [(p["associatedEntity"], p["status"]) for p in principals] == [(org_arn, "ASSOCIATED")]
        assert org_tree(signer(NETWORK, "organizations")) == {
            "": [NETWORK, WORKLOADS], "Workloads": [], "Workloads/Prod": [PROD]}

        # prod (Workloads/Prod) has both subnets and the organization's gateway; workloads (at the root)
        # only the gateway; partner accepted its invitation.
        assert received_resources(signer(PROD)) == {subnet("1"), subnet("2"), tgw("1")}
        assert received_resources(signer(WORKLOADS)) == {tgw("1")}
        assert invitation_statuses(signer(PROD)) == invitation_statuses(signer(WORKLOADS)) == {}
        assert invitation_statuses(signer(PARTNER)) == {"partner": "ACCEPTED"}
        assert received_resources(signer(PARTNER)) == {tgw("2")}


# --------------------------------------------------------------------------------------------
# fixtures that cannot be loaded
# --------------------------------------------------------------------------------------------

KEY_1 = """\
accounts:
  - id: "111111111111"
    accessKeys:
      - accessKeyId: AKIAFIXEDKEYEXAMPLE1
        secretAccessKey: first-secret-000000000001
"""

ORG_OF_NETWORK = """\
organization:
  managementAccount: "111111111111"
  accounts: ["222222222222"]
"""

A_SHARE = """\
shares:
  - name: subnets
    owner: "111111111111"
    resources:
      - arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0a1b2c3d4e5f60001
"""


@dataclass
class Bad:
    fixture: str
    says: str               # the start of stderr's message after `ramd: FILE: `
    before: str | None = None  # a fixture loaded first
    # The tables the failed run leaves as they were: None, all (the error is found before any write);
    # otherwise those of the entries after the error's.
    untouched: tuple | None = None
    suffix: str = ".yaml"


BAD = {
    "unknown top-level field": Bad(
        'accounts:\n  - id: "111111111111"\nsharez:\n  - name: x\n',
        "line 3 column 1, sharez: unknown field `sharez`"),
    "misspelled key in a share": Bad(
        A_SHARE.replace("resources:", "resource:"),
        "line 4 column 5, shares[0].resource: unknown field `resource`"),
    "misspelled key in a JSON share": Bad(
        json.dumps({"shares": [{"name": "x", "owner": NETWORK, "resourcez": []}]}, indent=2),
        "line 6 column 7, shares[0].resourcez: unknown field `resourcez`", suffix=".json"),
    "YAML syntax error": Bad(
        'accounts:\n  - id: "111111111111"\n   name: network\n',
        "line 3 column 4, accounts: "),
    "account id not 12 digits": Bad(
        'accounts:\n  - id: "12345"\n    name: short\n',
        'line 2, accounts[0].id: account id "12345" is not 12 digits'),
    "unit not in the organization": Bad(
        ORG_OF_NETWORK + "  units:\n    - name: Workloads\n"
        + A_SHARE + "    principals:\n      - unit: Workloads/Prod\n",
        'line 12, shares[0].principals[0]: no unit "Workloads/Prod" in the fixture\'s organization'),
    "no such permission": Bad(
        A_SHARE + "    permissions: [AWSRAMDefaultPermissionSubnet, NoSuchPermission]\n",
        'line 6, shares[0].permissions[1]: no permission named "NoSuchPermission"'),
    "malformed resource ARN": Bad(
        A_SHARE + "      - arn:aws:ec2:us-east-1:subnet/subnet-0a1b2c3d4e5f60002\n",
        "line 6, shares[0].resources[1]: CreateResourceShare: MalformedArnException: "),
    "access key reused with another secret": Bad(
        KEY_1.replace("first-secret", "other-secret"),
        "line 4, accounts[0].accessKeys[0]: access key AKIAFIXEDKEYEXAMPLE1 exists already",
        before=KEY_1),
    "account placed twice": Bad(
        ORG_OF_NETWORK + '  units:\n    - name: Workloads\n      accounts:\n        - "333333333333"\n'
                         '        - "222222222222"\n',
        "line 8, organization.units[0].accounts[1]: account 222222222222 is placed in the organization already"
        " (line 3)"),
    "management account of another organization's member": Bad(
        'organization:\n  managementAccount: "222222222222"\n',
        "line 2, organization.managementAccount: account 222222222222 is a member of organization o-",
        before=ORG_OF_NETWORK),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_a_fixture_that_cannot_be_loaded_is_refused_where_it_is_wrong(case, tmp_path):
    data_dir = tmp_path / "store"
    if case.before:
        (tmp_path / "before.yaml").write_text(case.before)
        seed(["--data-dir", data_dir], tmp_path / "before.yaml")
    before = store_rows(data_dir)
    path = (tmp_path / "fixture").with_suffix(case.suffix)
    path.write_text(case.fixture)

    out = ramd("seed", "--data-dir", data_dir, path)
    assert out.returncode == 1 and out.stdout == ""
    assert f"ramd: {path}: {case.says}" in out.stderr, out.stderr

    after = store_rows(data_dir)
    for table in before if case.untouched is None else case.untouched:
        assert after[table] == before[table], table
    if case.untouched is None and not case.before:
        assert json.loads(ramd("accounts", "list", "--data-dir", data_dir).stdout) == []


def test_a_misspelled_invitation_answer_names_its_field(tmp_path):
    path = tmp_path / "fixture.yaml"
    path.write_text(A_SHARE + '    principals:\n      - account: "333333333333"\n        invitation: acepted\n')
    out = ramd("seed", "--data-dir", tmp_path / "store", path)
    assert out.returncode == 1
    assert re.search(r"line 8\b.*invitation", out.stderr) and "acepted" in out.stderr, out.stderr


@pytest.mark.parametrize("section", ["shares", "permissions"])
def test_an_entry_given_twice_is_refused(section, tmp_path):
    twice = {
        "shares": A_SHARE + '  - name: subnets\n    owner: "111111111111"\n    resources:\n'
                            "      - arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0a1b2c3d4e5f60002\n",
        "permissions": "permissions:\n" + 2 * (
            '  - name: BuildReadOnly\n    owner: "111111111111"\n    resourceType: codebuild:Project\n'
            "    policyTemplate: {Effect: Allow, Action: [codebuild:BatchGetProjects]}\n"),
    }
    path = tmp_path / "fixture.yaml"
    path.write_text(twice[section])
    out = ramd("seed", "--data-dir", tmp_path / "store", path)
    assert out.returncode == 1, out.stdout
    assert f"ramd: {path}: line 6, {section}[1].name: " in out.stderr, out.stderr


def test_runs_at_once_make_one_world(store, tmp_path):
    """As replicas over one database each started with `--seed` (or RAMD_SEED) do."""
    (tmp_path / "empty.yaml").write_text("region: us-east-1\n")
    seed(store.args, tmp_path / "empty.yaml")  # the store and its master key, made once
    runs = [subprocess.Popen([str(RAMD_BIN), "seed", *store.args, str(EXAMPLE)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"}) for _ in range(6)]
    errors = [run.communicate(timeout=60)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs), errors
    assert seed(store.args, EXAMPLE) == made()
    with store.serving() as server:
        assert_example_world(server.url)
