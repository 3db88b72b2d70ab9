"""`ramd export` / `ramd import`: the whole store out as a versioned JSON snapshot and into an empty
store, lossless, on either backend, and from SQLite to PostgreSQL."""
import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import (ACCOUNT_A, ACCOUNT_B, RAMD_BIN, RamdServer, make_client, postgres_url, ramd_accounts_create,
                      share_with, tgw_arn)


def ramd(*args):
    return subprocess.run([str(RAMD_BIN), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})


def world(url: str, creds: dict) -> dict:
    """What both accounts see: shares, associations, invitations, tags, permissions."""
    def client(account):
        c = creds[account]
        return make_client(url, account=c["accessKeyId"], secret=c["secretAccessKey"])
    a, b = client(ACCOUNT_A), client(ACCOUNT_B)
    return {
        "owned": a.get_resource_shares(resourceOwner="SELF")["resourceShares"],
        "received": b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"],
        "associations": a.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"],
        "invitations": b.get_resource_share_invitations()["resourceShareInvitations"],
        "resources": b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"],
        "permissions": a.list_permissions(permissionType="CUSTOMER_MANAGED")["permissions"],
    }


def populate(url: str, creds: dict) -> None:
    def client(account):
        c = creds[account]
        return make_client(url, account=c["accessKeyId"], secret=c["secretAccessKey"])
    a, b = client(ACCOUNT_A), client(ACCOUNT_B)
    share_with(a, b, ACCOUNT_B, resources=[tgw_arn(ACCOUNT_A, suffix="0123456789abcdef1")], name="accepted", tags=[{"key": "team", "value": "net"}])
    a.create_resource_share(name="pending", resourceArns=[tgw_arn(ACCOUNT_A, suffix="0123456789abcdef2")], principals=[ACCOUNT_B],
                            clientToken="kept-token")
    a.create_permission(name="ReadOnly", resourceType="codebuild:Project",
                        policyTemplate=json.dumps({"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]}))


def master_key_args(directory):
    key = directory / "master.key"
    if not key.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key.write_text(base64.b64encode(os.urandom(32)).decode())
    return ["--master-key-file", str(key)]


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
def test_a_store_moves_losslessly_through_a_snapshot(tmp_path, target, monkeypatch):
    monkeypatch.delenv("RAMD_TEST_BACKEND", raising=False)  # the source is SQLite; the target is the parameter
    source = tmp_path / "source"
    keys = master_key_args(source)
    creds = {a: ramd_accounts_create(source, account_id=a) for a in (ACCOUNT_A, ACCOUNT_B)}
    server = RamdServer(source, auth="sigv4", extra_args=[*keys, "--throttle", "off"]).start()
    try:
        populate(server.url, creds)
        before = world(server.url, creds)
        # Beside the running server.
        out = ramd("export", "--data-dir", str(source), *keys, "--output", str(tmp_path / "snap.json"))
        assert out.returncode == 0, out.stderr
    finally:
        server.stop()
    snapshot = json.loads((tmp_path / "snap.json").read_text())
    assert snapshot["format"] == "ramd-snapshot" and snapshot["formatVersion"] == 1
    assert {"accounts", "access_keys", "resource_shares", "associations", "invitations", "idempotency",
            "permissions", "share_tags"} <= snapshot["tables"].keys()
    assert creds[ACCOUNT_A]["secretAccessKey"] not in (tmp_path / "snap.json").read_text()
    assert oct((tmp_path / "snap.json").stat().st_mode & 0o777) == "0o600"

    if target == "postgres":
        url = postgres_url("ramd_snapshot_target")
        if url is None:
            pytest.skip("no PostgreSQL (RAMD_TEST_DATABASE_URL)")
        store = ["--database-url", url]
    else:
        store = ["--data-dir", str(tmp_path / "target")]
    out = ramd("import", *store, *keys, str(tmp_path / "snap.json"))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rows"] > 0
    # Into a store that is not empty: refused.
    again = ramd("import", *store, *keys, str(tmp_path / "snap.json"))
    assert again.returncode == 1 and "not empty" in again.stderr

    (tmp_path / "target-log").mkdir(exist_ok=True)
    moved = RamdServer(tmp_path / "target-log", auth="sigv4",
                       extra_args=[*store, *keys, "--throttle", "off"]).start() if target == "postgres" else \
        RamdServer(tmp_path / "target", auth="sigv4", extra_args=[*keys, "--throttle", "off"]).start()
    try:
        assert world(moved.url, creds) == before   # the same keys sign in; every answer is the same
        # The idempotency record came along: the same token replays, it does not create a second share.
        c = creds[ACCOUNT_A]
        a = make_client(moved.url, account=c["accessKeyId"], secret=c["secretAccessKey"])
        a.create_resource_share(name="pending", resourceArns=[tgw_arn(ACCOUNT_A, suffix="0123456789abcdef2")], principals=[ACCOUNT_B],
                                clientToken="kept-token")
        assert len(a.get_resource_shares(resourceOwner="SELF")["resourceShares"]) == 2
    finally:
        moved.stop()


FIXTURES = Path(__file__).parent / "fixtures"
SHARE_SUBNETS = f"arn:aws:iam::{ACCOUNT_A}:policy/net/ShareSubnets"


def iam_policies(iam) -> dict:
    """What account A sees of its IAM policies (schema 8 on). The schema-8 fixture was made by `populate`, then in A:
    user `auditor` at /ops/ (as for schema 7); role `deployer` at /ci/ with tags; customer managed `ShareSubnets` at
    /net/ with versions v1 and v2 (v2 the default), attached to the user and to the role; AWS managed ReadOnlyAccess
    attached to the user; an inline policy of each."""
    return {
        "policies": iam.list_policies(Scope="Local")["Policies"],
        "defaultVersion": iam.get_policy_version(PolicyArn=SHARE_SUBNETS, VersionId="v2")["PolicyVersion"],
        "attachedUserPolicies": iam.list_attached_user_policies(UserName="auditor")["AttachedPolicies"],
        "attachedRolePolicies": iam.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"],
        "userPolicies": iam.list_user_policies(UserName="auditor")["PolicyNames"],
        "userPolicy": iam.get_user_policy(UserName="auditor", PolicyName="ReadShares")["PolicyDocument"],
        "rolePolicies": iam.list_role_policies(RoleName="deployer")["PolicyNames"],
        "rolePolicy": iam.get_role_policy(RoleName="deployer", PolicyName="Deploy")["PolicyDocument"],
        "role": iam.get_role(RoleName="deployer")["Role"],
    }


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
@pytest.mark.parametrize("fixture", sorted(p.name.removesuffix(".json") for p in FIXTURES.glob("snapshot-schema*[0-9].json")))
def test_a_snapshot_written_by_an_earlier_schema_still_imports(tmp_path, fixture, target, monkeypatch):
    """Each checked-in snapshot (`populate` on the ramd of that schema, exported, with its master key and what both
    accounts saw) imports into this ramd and answers the same. Add one whenever a migration lands."""
    monkeypatch.delenv("RAMD_TEST_BACKEND", raising=False)
    key = tmp_path / "master.key"
    shutil.copy(FIXTURES / f"{fixture}.master.key", key)
    key.chmod(0o600)
    keys = ["--master-key-file", str(key)]
    expected = json.loads((FIXTURES / f"{fixture}.expected.json").read_text())
    if target == "postgres":
        url = postgres_url(f"ramd_{fixture.replace('-', '_')}")
        if url is None:
            pytest.skip("no PostgreSQL (RAMD_TEST_DATABASE_URL)")
        store = ["--database-url", url]
    else:
        store = ["--data-dir", str(tmp_path)]
    out = ramd("import", *store, *keys, str(FIXTURES / f"{fixture}.json"))
    assert out.returncode == 0, out.stderr
    server_args = [*store, *keys, "--throttle", "off"] if target == "postgres" else [*keys, "--throttle", "off"]
    server = RamdServer(tmp_path, auth="sigv4", extra_args=server_args).start()
    try:
        seen = json.loads(json.dumps(world(server.url, expected["credentials"]), default=str, sort_keys=True))
        assert seen == expected["world"]
        if "iamUsers" in expected:  # schema 7 on: IAM users came along too
            c = expected["credentials"][ACCOUNT_A]
            iam = make_client(server.url, service="iam", account=c["accessKeyId"], secret=c["secretAccessKey"])
            users = iam.list_users()["Users"]
            assert json.loads(json.dumps(users, default=str, sort_keys=True)) == expected["iamUsers"]
        if "iamPolicies" in expected:  # schema 8 on: policies, their versions and attachments, inline policies, roles
            c = expected["credentials"][ACCOUNT_A]
            iam = make_client(server.url, service="iam", account=c["accessKeyId"], secret=c["secretAccessKey"])
            seen = json.loads(json.dumps(iam_policies(iam), default=str, sort_keys=True))
            assert seen == expected["iamPolicies"]
    finally:
        server.stop()


def test_a_malformed_newer_or_foreign_snapshot_is_refused_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("RAMD_TEST_BACKEND", raising=False)
    source = tmp_path / "source"
    keys = master_key_args(source)
    ramd_accounts_create(source, account_id=ACCOUNT_A)
    assert ramd("export", "--data-dir", str(source), *keys, "--output", str(tmp_path / "good.json")).returncode == 0
    good = json.loads((tmp_path / "good.json").read_text())
    target = ["--data-dir", str(tmp_path / "target"), *master_key_args(tmp_path / "target")]
    cases = [
        ("{not json", "is not JSON"),
        (json.dumps({**good, "format": "other"}), "not a ramd snapshot"),
        (json.dumps({**good, "formatVersion": 2}), "format version is 2"),
        (json.dumps({**good, "schemaVersion": 999}), "schema version 999"),
        (json.dumps({**good, "tables": {**good["tables"], "nope": []}}), "does not know: \"nope\""),
        (json.dumps({**good, "tables": {**good["tables"],
                                        "accounts": [{**good["tables"]["accounts"][0], "extra": 1}]}}), "\"extra\""),
        (json.dumps({**good, "tables": {**good["tables"],
                                        "accounts": [{**good["tables"]["accounts"][0], "created_ms": "soon"}]}}),
         "is not an integer"),
    ]
    for text, says in cases:
        (tmp_path / "bad.json").write_text(text)
        out = ramd("import", *target, str(tmp_path / "bad.json"))
        assert out.returncode == 1 and says in out.stderr, (says, out.stderr)
    # Another store's master key cannot open the secrets: refused too.
    out = ramd("import", *target, str(tmp_path / "good.json"))
    assert out.returncode == 1 and "does not open under this master key" in out.stderr
    # Nothing was written by any of them: the right key imports into the same store.
    out = ramd("import", "--data-dir", str(tmp_path / "target"), *keys, str(tmp_path / "good.json"))
    assert out.returncode == 0, out.stderr
