"""Who the caller is: trust mode, SigV4 mode with stored keys, STS GetCallerIdentity; durable state."""

import configparser
import datetime
import json
import os
import subprocess

import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT_A, ACCOUNT_B, AWS_CLI, RAMD_BIN, REGION, make_client, pending_invitation, raw_request, run_cli, store_args,
    ramd_accounts_create, tgw_arn,
)

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_A}:role/Deployer"


def client_for(server, creds, service="ram", region=REGION, secret=None):
    return make_client(server.url, service=service, account=creds["accessKeyId"], region=region,
                       secret=secret or creds["secretAccessKey"])


@pytest.fixture(scope="module")
def sigv4(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("sigv4-data")
    creds = {
        "a": ramd_accounts_create(data_dir, ACCOUNT_A),
        "b": ramd_accounts_create(data_dir, ACCOUNT_B),
        "role": ramd_accounts_create(data_dir, ACCOUNT_A, principal_arn=ROLE_ARN),
    }
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    return server, creds


# ---------------------------------------------------------------------------------- trust mode


def test_trust_mode_caller_identity(clients):
    sts = clients(ACCOUNT_A, service="sts")
    ident = sts.get_caller_identity()
    assert ident["Account"] == ACCOUNT_A
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:root"
    assert clients(ACCOUNT_B, service="sts").get_caller_identity()["Account"] == ACCOUNT_B


def test_trust_mode_non_numeric_key_is_the_default_account(clients):
    sts = clients("AKIAEXAMPLEKEY000001", service="sts")
    assert sts.get_caller_identity()["Account"] == "000000000000"
    ram = clients("FOOBARKEY")
    share = ram.create_resource_share(name="default")["resourceShare"]
    assert share["owningAccountId"] == "000000000000"
    assert share["resourceShareArn"].startswith("arn:aws:ram:us-east-1:000000000000:resource-share/")


def test_trust_mode_region_comes_from_the_credential_scope(clients):
    ram = clients(ACCOUNT_A, region="ap-southeast-2")
    arn = ram.create_resource_share(name="syd")["resourceShare"]["resourceShareArn"]
    assert arn.startswith(f"arn:aws:ram:ap-southeast-2:{ACCOUNT_A}:resource-share/")


def _hand_written(ramd, authorization: str | None):
    """A hand-written `curl`: GetResourceShares(SELF) with only the Authorization header given."""
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.post(ramd.url + "/getresourceshares", data=json.dumps({"resourceOwner": "SELF"}),
                         headers=headers, timeout=30)


def test_trust_mode_takes_the_account_from_an_incomplete_header(ramd, clients):
    clients(ACCOUNT_A).create_resource_share(name="mine")
    # No X-Amz-Date, no SignedHeaders, no Signature: the Credential still says who is calling.
    reply = _hand_written(ramd, f"AWS4-HMAC-SHA256 Credential={ACCOUNT_A}/20261201/{REGION}/ram/aws4_request")
    assert reply.status_code == 200, reply.text
    assert [s["name"] for s in reply.json()["resourceShares"]] == ["mine"]
    # Another Region in the scope is that Region's (empty) world.
    reply = _hand_written(ramd, f"AWS4-HMAC-SHA256 Credential={ACCOUNT_A}/20261201/eu-west-1/ram/aws4_request")
    assert reply.status_code == 200 and reply.json()["resourceShares"] == []


@pytest.mark.parametrize("authorization", [
    "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
    f"AWS4-HMAC-SHA256 Credential={ACCOUNT_A}/20261201/{REGION}",
    "Bearer 111111111111",
    "garbage",
])
def test_trust_mode_refuses_a_header_it_cannot_read(ramd, clients, authorization):
    clients(ACCOUNT_A).create_resource_share(name="mine")
    reply = _hand_written(ramd, authorization)
    assert reply.status_code == 400, reply.text
    assert reply.headers["x-amzn-ErrorType"].split(":")[0] == "IncompleteSignatureException"
    assert reply.json()["message"]


def test_trust_mode_unsigned_request_is_the_default_account(ramd, clients):
    clients("FOOBARKEY").create_resource_share(name="default share")
    reply = _hand_written(ramd, None)
    assert reply.status_code == 200, reply.text
    assert [s["name"] for s in reply.json()["resourceShares"]] == ["default share"]


# ---------------------------------------------------------------------------------- sigv4 mode


def test_sigv4_valid_key_acts_as_its_account(sigv4):
    server, creds = sigv4
    ram = client_for(server, creds["a"])
    share = ram.create_resource_share(name="signed")["resourceShare"]
    assert share["owningAccountId"] == ACCOUNT_A
    ident = client_for(server, creds["a"], service="sts").get_caller_identity()
    assert ident["Account"] == ACCOUNT_A
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:root"


def test_sigv4_role_bound_key(sigv4):
    server, creds = sigv4
    ident = client_for(server, creds["role"], service="sts").get_caller_identity()
    assert ident["Account"] == ACCOUNT_A
    assert ident["Arn"] == ROLE_ARN
    # the role acts for its account
    ram = client_for(server, creds["role"])
    assert ram.create_resource_share(name="by-role")["resourceShare"]["owningAccountId"] == ACCOUNT_A


def test_sigv4_wrong_secret(sigv4):
    server, creds = sigv4
    ram = client_for(server, creds["a"], secret="not-the-secret")
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF")
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sts = client_for(server, creds["a"], service="sts", secret="not-the-secret")
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sigv4_unknown_key(sigv4):
    server, _ = sigv4
    ram = make_client(server.url, account="AKIANOTAKNOWNKEY0000", secret="whatever")
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF")
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # a 12-digit key id is not an account in sigv4 mode
    ram = make_client(server.url, account=ACCOUNT_A, secret="x")
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF")
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_sigv4_unsigned_request_is_refused(sigv4):
    server, _ = sigv4
    r = raw_request(server.url, "POST", "/getresourceshares", {"resourceOwner": "SELF"}, sign=False)
    assert r.status_code == 403, r.text
    assert r.headers.get("x-amzn-ErrorType")
    assert isinstance(r.json().get("message"), str)


def test_sigv4_stale_signature_is_refused(sigv4, monkeypatch):
    server, creds = sigv4
    stale = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: stale)
    r = raw_request(server.url, "POST", "/getresourceshares", {"resourceOwner": "SELF"},
                    account=creds["a"]["accessKeyId"], secret=creds["a"]["secretAccessKey"])
    assert r.status_code == 403, r.text
    assert r.headers.get("x-amzn-ErrorType").split(":")[0] == "InvalidSignatureException"


def test_sigv4_tampered_body_is_refused(sigv4):
    """The server hashes the body itself: a body changed after signing fails verification."""
    server, creds = sigv4
    req = AWSRequest(method="POST", url=server.url + "/createresourceshare",
                     data=json.dumps({"name": "signed"}).encode(), headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(creds["a"]["accessKeyId"], creds["a"]["secretAccessKey"]), "ram", REGION).add_auth(req)
    prepared = req.prepare()
    r = requests.post(prepared.url, data=json.dumps({"name": "TAMPERED"}).encode(),
                      headers=dict(prepared.headers), timeout=10)
    assert r.status_code == 403, r.text
    assert r.headers.get("x-amzn-ErrorType").split(":")[0] == "InvalidSignatureException"


def test_sigv4_reset_is_not_available(sigv4):
    server, creds = sigv4
    ram = client_for(server, creds["a"])
    arn = ram.create_resource_share(name="survives-reset")["resourceShare"]["resourceShareArn"]
    for path in ("/_ramd/reset", "/moto-api/reset"):
        r = raw_request(server.url, "POST", path, sign=False)
        assert r.status_code != 200
    assert ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]


def test_sigv4_account_created_beside_a_running_server(sigv4):
    server, _ = sigv4
    creds = ramd_accounts_create(server.data_dir, "444444444444")
    ident = client_for(server, creds, service="sts").get_caller_identity()
    assert ident["Account"] == "444444444444"


def test_sigv4_cross_account_flow(sigv4):
    server, creds = sigv4
    owner, receiver = client_for(server, creds["a"]), client_for(server, creds["b"])
    tgw = tgw_arn()
    arn = owner.create_resource_share(name="x", resourceArns=[tgw], principals=[ACCOUNT_B])["resourceShare"][
        "resourceShareArn"]
    inv = pending_invitation(receiver, arn)
    receiver.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert [r["arn"] for r in receiver.list_resources(resourceOwner="OTHER-ACCOUNTS",
                                                      resourceShareArns=[arn])["resources"]] == [tgw]


def test_sigv4_cli_with_stored_credentials(sigv4):
    server, creds = sigv4
    res = run_cli(server.url, "sts", "get-caller-identity",
                  account=creds["b"]["accessKeyId"], secret=creds["b"]["secretAccessKey"])
    assert res.returncode == 0, res.stderr
    assert res.json["Account"] == ACCOUNT_B
    res = run_cli(server.url, "ram", "get-resource-shares", "--resource-owner", "SELF",
                  account=creds["b"]["accessKeyId"], secret="wrong")
    assert res.returncode != 0
    assert "InvalidSignatureException" in res.stderr


def test_first_start_writes_a_credentials_profile(ramd_factory, tmp_path, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("fresh-sigv4")
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    cfg = configparser.ConfigParser()
    cfg.read(data_dir / "credentials")
    assert "ramd" in cfg.sections()
    assert (data_dir / "credentials").stat().st_mode & 0o777 == 0o600, "it holds a secret"
    key, secret = cfg["ramd"]["aws_access_key_id"], cfg["ramd"]["aws_secret_access_key"]
    ident = make_client(server.url, service="sts", account=key, secret=secret).get_caller_identity()
    assert len(ident["Account"]) == 12 and ident["Account"].isdigit()
    # the profile works as written, the way the server's hint says (AWS_PROFILE=ramd)
    env_file = tmp_path / "empty-config"
    env_file.write_text("")
    res = subprocess.run(
        [str(AWS_CLI), "--endpoint-url", server.url, "--output", "json", "sts", "get-caller-identity"],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(data_dir / "credentials"),
             "AWS_CONFIG_FILE": str(env_file), "AWS_PROFILE": "ramd", "AWS_DEFAULT_REGION": REGION,
             "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["Account"] == ident["Account"]


# ---------------------------------------------------------------------------------- durability


def test_state_survives_a_restart(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("restart")
    a, b = ramd_accounts_create(data_dir, ACCOUNT_A), ramd_accounts_create(data_dir, ACCOUNT_B)
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    owner, receiver = client_for(server, a), client_for(server, b)
    tgw = tgw_arn()
    created = owner.create_resource_share(name="durable", resourceArns=[tgw], principals=[ACCOUNT_B],
                                          tags=[{"key": "k", "value": "v"}], clientToken="restart-token")
    arn = created["resourceShare"]["resourceShareArn"]
    inv = pending_invitation(receiver, arn)
    receiver.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    gone = owner.create_resource_share(name="deleted")["resourceShare"]["resourceShareArn"]
    owner.delete_resource_share(resourceShareArn=gone)

    assert server.stop() == 0, "ramd should exit 0 on SIGTERM (graceful shutdown)"
    again = ramd_factory(auth="sigv4", data_dir=data_dir)
    owner, receiver = client_for(again, a), client_for(again, b)

    [share] = owner.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]
    assert share["name"] == "durable" and share["status"] == "ACTIVE"
    assert share["tags"] == [{"key": "k", "value": "v"}]
    [deleted] = owner.get_resource_shares(resourceOwner="SELF", resourceShareArns=[gone])["resourceShares"]
    assert deleted["status"] == "DELETED"
    [row] = owner.get_resource_share_associations(associationType="PRINCIPAL",
                                                  resourceShareArns=[arn])["resourceShareAssociations"]
    assert row["status"] == "ASSOCIATED"
    [inv_after] = receiver.get_resource_share_invitations(resourceShareArns=[arn])["resourceShareInvitations"]
    assert inv_after["status"] == "ACCEPTED"
    assert [r["arn"] for r in receiver.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]] == [tgw]
    # the idempotency record survived too
    replay = owner.create_resource_share(name="durable", resourceArns=[tgw], principals=[ACCOUNT_B],
                                         tags=[{"key": "k", "value": "v"}], clientToken="restart-token")
    assert replay["resourceShare"]["resourceShareArn"] == arn


def test_pagination_tokens_survive_a_restart(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("restart-tokens")
    a = ramd_accounts_create(data_dir, ACCOUNT_A)
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    ram = client_for(server, a)
    for i in range(3):
        ram.create_resource_share(name=f"s{i}")
    first = ram.get_resource_shares(resourceOwner="SELF", maxResults=2)
    assert server.stop() == 0
    again = ramd_factory(auth="sigv4", data_dir=data_dir)
    rest = client_for(again, a).get_resource_shares(resourceOwner="SELF", maxResults=2,
                                                    nextToken=first["nextToken"])
    names = [s["name"] for s in first["resourceShares"] + rest["resourceShares"]]
    assert sorted(names) == ["s0", "s1", "s2"]


# ------------------------------------------------------------------------------ keys at rest


def ramd_keys(data_dir, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(RAMD_BIN), "accounts", "keys", *args, *store_args(data_dir)],
                          capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})


def test_access_keys_are_sealed_and_managed_with_ramd_accounts_keys(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("keys-data")
    creds = ramd_accounts_create(data_dir, ACCOUNT_A)
    if os.environ.get("RAMD_TEST_BACKEND") != "postgres":
        # The embedded store keeps its master key beside it, readable by its owner only, and the
        # secret is not in the database file.
        key = data_dir / "master.key"
        assert key.stat().st_mode & 0o777 == 0o600
        raw = b"".join(p.read_bytes() for p in data_dir.glob("ramd.sqlite3*"))
        assert creds["secretAccessKey"].encode() not in raw
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    ram = client_for(server, creds)
    ram.list_resource_types()

    listed = json.loads(ramd_keys(data_dir, "list", "--account-id", ACCOUNT_A).stdout)
    assert [(k["accessKeyId"], k["status"]) for k in listed] == [(creds["accessKeyId"], "Active")]
    assert "secretAccessKey" not in listed[0]

    assert ramd_keys(data_dir, "deactivate", creds["accessKeyId"]).returncode == 0
    with pytest.raises(ClientError) as e:
        client_for(server, creds).list_resource_types()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert ramd_keys(data_dir, "reactivate", creds["accessKeyId"]).returncode == 0
    client_for(server, creds).list_resource_types()

    rotated = ramd_keys(data_dir, "rotate", creds["accessKeyId"])
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)
    assert new["accountId"] == ACCOUNT_A and new["accessKeyId"] != creds["accessKeyId"]
    client_for(server, new).list_resource_types()
    assert ramd_keys(data_dir, "delete", creds["accessKeyId"]).returncode == 0
    with pytest.raises(ClientError) as e:
        client_for(server, creds).list_resource_types()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    client_for(server, new).list_resource_types()
    gone = ramd_keys(data_dir, "delete", creds["accessKeyId"])
    assert gone.returncode != 0 and "no access key" in gone.stderr


def test_sigv4_unknown_key_on_iam_and_sts_is_invalid_client_token_id(sigv4):
    server, _ = sigv4
    for service in ("sts", "iam"):
        client = make_client(server.url, service=service, account="AKIANOTAKNOWNKEY0000", secret="whatever")
        with pytest.raises(ClientError) as e:
            client.get_caller_identity() if service == "sts" else client.get_role(RoleName="r")
        assert e.value.response["Error"]["Code"] == "InvalidClientTokenId", service
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, service
