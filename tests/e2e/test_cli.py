"""The AWS CLI v1 against ramd, as a person at a shell would use it."""

import json

from conftest import ACCOUNT_A, ACCOUNT_B, tgw_arn


def ok(res):
    assert res.returncode == 0, res.stderr
    return res.json


def test_cli_share_lifecycle(cli):
    tgw = tgw_arn()
    created = ok(cli("ram", "create-resource-share", "--name", "from-cli",
                     "--resource-arns", tgw, "--principals", ACCOUNT_B,
                     "--tags", "key=env,value=dev", "--allow-external-principals"))
    share = created["resourceShare"]
    arn = share["resourceShareArn"]
    assert share["name"] == "from-cli"
    assert share["status"] == "ACTIVE"
    # CLI v1 prints timestamps as they came on the wire (cli_timestamp_format "none"): epoch seconds
    assert isinstance(share["creationTime"], (int, float)) and share["creationTime"] > 1_000_000_000

    listed = ok(cli("ram", "get-resource-shares", "--resource-owner", "SELF", "--resource-share-arns", arn))
    [one] = listed["resourceShares"]
    assert one["tags"] == [{"key": "env", "value": "dev"}]

    ok(cli("ram", "update-resource-share", "--resource-share-arn", arn, "--name", "renamed"))
    ok(cli("ram", "tag-resource", "--resource-share-arn", arn, "--tags", "key=team,value=net"))
    names = ok(cli("ram", "get-resource-shares", "--resource-owner", "SELF",
                   "--query", "resourceShares[].name"))
    assert names == ["renamed"]

    deleted = ok(cli("ram", "delete-resource-share", "--resource-share-arn", arn))
    assert deleted["returnValue"] is True


def test_cli_error_output_and_exit_code(cli):
    arn = f"arn:aws:ram:us-east-1:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    res = cli("ram", "delete-resource-share", "--resource-share-arn", arn)
    assert res.returncode == 255, (res.returncode, res.stderr)  # CLI v1: 255 for a service error
    assert "An error occurred (UnknownResourceException) when calling the DeleteResourceShare operation" in res.stderr
    assert f"ResourceShare {arn} could not be found." in res.stderr


def test_cli_auto_paginates_with_page_size(cli, ram):
    arns = {ram.create_resource_share(name=f"s{i}")["resourceShare"]["resourceShareArn"] for i in range(5)}
    everything = ok(cli("ram", "get-resource-shares", "--resource-owner", "SELF", "--page-size", "2"))
    assert {s["resourceShareArn"] for s in everything["resourceShares"]} == arns
    assert "nextToken" not in everything and "NextToken" not in everything


def test_cli_max_items_and_starting_token(cli, ram):
    arns = {ram.create_resource_share(name=f"s{i}")["resourceShare"]["resourceShareArn"] for i in range(5)}
    first = ok(cli("ram", "get-resource-shares", "--resource-owner", "SELF", "--max-items", "3", "--page-size", "2"))
    assert len(first["resourceShares"]) == 3
    assert first["NextToken"]
    rest = ok(cli("ram", "get-resource-shares", "--resource-owner", "SELF", "--page-size", "2",
                  "--starting-token", first["NextToken"]))
    seen = [s["resourceShareArn"] for s in first["resourceShares"] + rest["resourceShares"]]
    assert len(seen) == len(set(seen)) and set(seen) == arns


def test_cli_receiver_accepts_an_invitation(cli, ram):
    tgw = tgw_arn()
    arn = ram.create_resource_share(name="to-b", resourceArns=[tgw],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    invs = ok(cli("ram", "get-resource-share-invitations", "--resource-share-arns", arn, account=ACCOUNT_B))
    [inv] = invs["resourceShareInvitations"]
    assert inv["status"] == "PENDING"
    accepted = ok(cli("ram", "accept-resource-share-invitation",
                      "--resource-share-invitation-arn", inv["resourceShareInvitationArn"], account=ACCOUNT_B))
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"
    resources = ok(cli("ram", "list-resources", "--resource-owner", "OTHER-ACCOUNTS", account=ACCOUNT_B))
    assert [r["arn"] for r in resources["resources"]] == [tgw]


def test_cli_sts_get_caller_identity(cli):
    ident = ok(cli("sts", "get-caller-identity", account=ACCOUNT_B))
    assert ident["Account"] == ACCOUNT_B
    assert ident["Arn"] == f"arn:aws:iam::{ACCOUNT_B}:root"


def test_cli_input_json_and_region(cli, clients):
    body = json.dumps({"name": "west", "resourceArns": [tgw_arn(region="eu-west-1")]})
    out = ok(cli("ram", "create-resource-share", "--cli-input-json", body, region="eu-west-1"))
    assert out["resourceShare"]["resourceShareArn"].startswith(f"arn:aws:ram:eu-west-1:{ACCOUNT_A}:")
    assert clients(region="us-east-1").get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
