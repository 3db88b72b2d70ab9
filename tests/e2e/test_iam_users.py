"""IAM users and their access keys through the IAM API on ramd's endpoint (CreateUser, GetUser,
ListUsers, DeleteUser, CreateAccessKey, ListAccessKeys, DeleteAccessKey), as boto3 drives them and
Terraform's aws_iam_user / aws_iam_access_key do: a key made for a user signs as that user, an account
sees only its own users and keys, and IAM's errors (EntityAlreadyExists, NoSuchEntity, DeleteConflict,
LimitExceeded) come with their HTTP statuses."""
import json
import subprocess

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, RAMD_BIN, error_code, make_client, ramd_accounts_create, store_args, tgw_arn


@pytest.fixture(scope="module")
def world(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("iam-users")
    creds = {a: ramd_accounts_create(data_dir, a) for a in (ACCOUNT_A, ACCOUNT_B)}
    server = ramd_factory(auth="sigv4", data_dir=data_dir)
    return server, creds, data_dir


def client(world, service, account=ACCOUNT_A, key=None):
    server, creds, _ = world
    key_id, secret = key or (creds[account]["accessKeyId"], creds[account]["secretAccessKey"])
    return make_client(server.url, service=service, account=key_id, secret=secret)


def refused(call, code, status):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e) == code, e.value.response
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    return e.value.response["Error"]["Message"]


def test_a_user_is_made_read_listed_and_unique_regardless_of_case(world):
    iam = client(world, "iam")
    made = iam.create_user(UserName="alice", Path="/team/", Tags=[{"Key": "team", "Value": "net"}])["User"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:user/team/alice"
    assert made["UserId"].startswith("AIDA") and len(made["UserId"]) == 21
    got = iam.get_user(UserName="alice")["User"]
    assert got["Arn"] == made["Arn"] and got["Path"] == "/team/" and got["Tags"] == [{"Key": "team", "Value": "net"}]
    message = refused(lambda: iam.create_user(UserName="ALICE"), "EntityAlreadyExists", 409)
    assert message == "User with name ALICE already exists."
    for name in ("bob", "carol"):
        iam.create_user(UserName=name)
    # Page by page (Marker, IsTruncated), in name order; PathPrefix selects.
    first = iam.list_users(MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["alice", "bob"] and first["IsTruncated"]
    rest = iam.list_users(MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol"] and not rest["IsTruncated"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]] == ["alice"]
    # Another account sees none of them.
    other = client(world, "iam", ACCOUNT_B)
    assert other.list_users()["Users"] == []
    refused(lambda: other.get_user(UserName="alice"), "NoSuchEntity", 404)
    refused(lambda: iam.create_user(UserName="dave", Path="no-slashes"), "ValidationError", 400)
    # No groups in ramd: none for a user (what Terraform asks before deleting one), and no such user is NoSuchEntity.
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []
    refused(lambda: other.list_groups_for_user(UserName="alice"), "NoSuchEntity", 404)
    for name in ("bob", "carol"):
        iam.delete_user(UserName=name)


def test_a_users_key_signs_as_the_user_until_it_is_deleted(world):
    _, _, data_dir = world
    iam = client(world, "iam")
    iam.create_user(UserName="builder", Path="/ci/")
    key = iam.create_access_key(UserName="builder")["AccessKey"]
    assert key["UserName"] == "builder" and key["Status"] == "Active" and key["AccessKeyId"].startswith("AKIA")
    pair = (key["AccessKeyId"], key["SecretAccessKey"])
    me = client(world, "sts", key=pair).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:user/ci/builder" and me["Account"] == ACCOUNT_A
    # A new user may do nothing until a policy lets it; then it acts in its account: its share
    # is the account's.
    ram = client(world, "ram", key=pair)
    refused(lambda: ram.create_resource_share(name="by-builder"), "AccessDeniedException", 403)
    iam.attach_user_policy(UserName="builder", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    share = ram.create_resource_share(name="by-builder", resourceArns=[tgw_arn(ACCOUNT_A)])["resourceShare"]
    assert share["owningAccountId"] == ACCOUNT_A
    assert "by-builder" in [s["name"] for s in client(world, "ram").get_resource_shares(resourceOwner="SELF")["resourceShares"]]
    # The user's own keys, named without UserName; its identity without UserName too.
    own = client(world, "iam", key=pair)
    assert [k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]] == [pair[0]]
    assert own.get_user()["User"]["UserName"] == "builder"
    # The operator's key listing shows it bound to the user, never its secret.
    listed = json.loads(subprocess.run([str(RAMD_BIN), "accounts", "keys", "list", *store_args(data_dir)],
                                       capture_output=True, text=True, check=True).stdout)
    row = next(k for k in listed if k["accessKeyId"] == pair[0])
    assert row["principalArn"] == me["Arn"] and pair[1] not in json.dumps(listed)

    # Two keys a user at most.
    second = iam.create_access_key(UserName="builder")["AccessKey"]
    assert refused(lambda: iam.create_access_key(UserName="builder"), "LimitExceeded", 409) == \
        "Cannot exceed quota for AccessKeysPerUser: 2"
    # Not deleted while it has keys.
    assert refused(lambda: iam.delete_user(UserName="builder"), "DeleteConflict", 409) == \
        "Cannot delete entity, must delete access keys first."
    # Another account can neither see nor delete them.
    other = client(world, "iam", ACCOUNT_B)
    refused(lambda: other.delete_access_key(UserName="builder", AccessKeyId=pair[0]), "NoSuchEntity", 404)
    refused(lambda: other.list_access_keys(UserName="builder"), "NoSuchEntity", 404)
    # Nor can a key of another user be deleted through this one.
    refused(lambda: iam.delete_access_key(AccessKeyId=pair[0]), "NoSuchEntity", 404)

    iam.delete_access_key(UserName="builder", AccessKeyId=pair[0])
    refused(lambda: client(world, "sts", key=pair).get_caller_identity(), "InvalidClientTokenId", 403)
    iam.delete_access_key(UserName="builder", AccessKeyId=second["AccessKeyId"])
    assert iam.list_access_keys(UserName="builder")["AccessKeyMetadata"] == []
    # Nor while a policy is attached.
    assert refused(lambda: iam.delete_user(UserName="builder"), "DeleteConflict", 409) == \
        "Cannot delete entity, must detach all policies first."
    iam.detach_user_policy(UserName="builder", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.delete_user(UserName="builder")
    refused(lambda: iam.get_user(UserName="builder"), "NoSuchEntity", 404)
    refused(lambda: iam.create_access_key(UserName="builder"), "NoSuchEntity", 404)


def test_the_root_user_is_described_and_keyed_as_iam_does(world):
    iam = client(world, "iam", ACCOUNT_B)
    root = iam.get_user()["User"]
    assert root["Arn"] == f"arn:aws:iam::{ACCOUNT_B}:root" and root["UserId"] == ACCOUNT_B and "UserName" not in root
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["UserName"] for k in listed] == [ACCOUNT_B] and len(listed) == 1
    key = iam.create_access_key()["AccessKey"]
    me = client(world, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"])).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT_B}:root"
    iam.delete_access_key(AccessKeyId=key["AccessKeyId"])
