"""Tags on resource shares, and the resource policies RAM synthesises for shared resources."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, REGION, error_code, license_arn, share_with, tgw_arn


def tags_of(client, arn):
    [share] = client.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]
    return {t["key"]: t["value"] for t in share.get("tags", [])}


# ---------------------------------------------------------------------------------- tags


def test_create_with_tags_and_read_back(ram):
    arn = ram.create_resource_share(
        name="tagged", tags=[{"key": "env", "value": "prod"}, {"key": "empty", "value": ""}]
    )["resourceShare"]["resourceShareArn"]
    assert tags_of(ram, arn) == {"env": "prod", "empty": ""}


def test_tag_and_untag(ram):
    arn = ram.create_resource_share(name="t", tags=[{"key": "a", "value": "1"}])["resourceShare"]["resourceShareArn"]
    out = ram.tag_resource(resourceShareArn=arn, tags=[{"key": "b", "value": "2"}, {"key": "a", "value": "9"}])
    assert {k for k in out if k != "ResponseMetadata"} == set()
    assert tags_of(ram, arn) == {"a": "9", "b": "2"}
    out = ram.untag_resource(resourceShareArn=arn, tagKeys=["a", "not-there"])
    assert {k for k in out if k != "ResponseMetadata"} == set()
    assert tags_of(ram, arn) == {"b": "2"}
    ram.untag_resource(resourceShareArn=arn, tagKeys=["b"])
    assert tags_of(ram, arn) == {}


def test_tags_are_found_by_tag_filters_after_tagging(ram):
    arn = ram.create_resource_share(name="t")["resourceShare"]["resourceShareArn"]
    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "team", "value": "net"}])
    found = ram.get_resource_shares(resourceOwner="SELF", tagFilters=[{"tagKey": "team", "tagValues": ["net"]}])
    assert [s["resourceShareArn"] for s in found["resourceShares"]] == [arn]
    ram.untag_resource(resourceShareArn=arn, tagKeys=["team"])
    found = ram.get_resource_shares(resourceOwner="SELF", tagFilters=[{"tagKey": "team"}])
    assert found["resourceShares"] == []


@pytest.mark.parametrize("key", ["aws:created-by", "AWS:Owner"])
def test_reserved_tag_prefix(ram, key):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="t", tags=[{"key": key, "value": "x"}])
    assert error_code(e) == "TagPolicyViolationException"
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    arn = ram.create_resource_share(name="t")["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.tag_resource(resourceShareArn=arn, tags=[{"key": key, "value": "x"}])
    assert error_code(e) == "TagPolicyViolationException"
    assert tags_of(ram, arn) == {}


def test_tag_limit_is_fifty(ram):
    fifty = [{"key": f"k{i}", "value": str(i)} for i in range(50)]
    arn = ram.create_resource_share(name="full", tags=fifty)["resourceShare"]["resourceShareArn"]
    assert len(tags_of(ram, arn)) == 50
    with pytest.raises(ClientError) as e:
        ram.tag_resource(resourceShareArn=arn, tags=[{"key": "one-more", "value": "x"}])
    assert error_code(e) == "TagLimitExceededException"
    # overwriting an existing key does not add a tag
    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "k0", "value": "new"}])
    assert tags_of(ram, arn)["k0"] == "new"
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="too-many", tags=fifty + [{"key": "k50", "value": "x"}])
    assert error_code(e) == "TagLimitExceededException"
    assert len(ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]) == 1


def test_tag_resource_needs_exactly_one_target(ram):
    arn = ram.create_resource_share(name="t")["resourceShare"]["resourceShareArn"]
    tags = [{"key": "k", "value": "v"}]
    with pytest.raises(ClientError) as e:
        ram.tag_resource(tags=tags)
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ram.tag_resource(resourceShareArn=arn, resourceArn="arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet",
                         tags=tags)
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ram.untag_resource(tagKeys=["k"])
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ram.untag_resource(resourceShareArn=arn, resourceArn="arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet",
                           tagKeys=["k"])
    assert error_code(e) == "InvalidParameterException"
    assert tags_of(ram, arn) == {}


def test_tagging_another_accounts_or_unknown_share(ram, ram_b):
    arn = ram.create_resource_share(name="t", tags=[{"key": "k", "value": "v"}])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram_b.tag_resource(resourceShareArn=arn, tags=[{"key": "x", "value": "y"}])
    assert error_code(e) == "UnknownResourceException"
    with pytest.raises(ClientError) as e:
        ram_b.untag_resource(resourceShareArn=arn, tagKeys=["k"])
    assert error_code(e) == "UnknownResourceException"
    assert tags_of(ram, arn) == {"k": "v"}
    unknown = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        ram.tag_resource(resourceShareArn=unknown, tags=[{"key": "x", "value": "y"}])
    assert error_code(e) == "UnknownResourceException"
    with pytest.raises(ClientError) as e:
        ram.tag_resource(resourceShareArn="not-an-arn", tags=[{"key": "x", "value": "y"}])
    assert error_code(e) == "MalformedArnException"


@pytest.mark.parametrize("arn, code", [
    # Another account's customer managed permission, one that does not exist, a RAM ARN that is
    # neither a share nor a permission: UntagResource's own "unknown" (it models no
    # ResourceArnNotFoundException).
    (f"arn:aws:ram:{REGION}:{ACCOUNT_B}:permission/Theirs", "UnknownResourceException"),
    (f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/Missing", "UnknownResourceException"),
    (f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share-invitation/00000000-0000-4000-8000-000000000000",
     "UnknownResourceException"),
    (f"arn:aws:ram:{REGION}:{ACCOUNT_B}:resource-share/00000000-0000-4000-8000-000000000000",
     "UnknownResourceException"),
    ("not-an-arn", "MalformedArnException"),
])
def test_untag_errors_are_untag_resources_own(ram, ram_b, arn, code):
    ram_b.create_permission(name="Theirs", resourceType="codebuild:Project",
                            policyTemplate=json.dumps({"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]}))
    with pytest.raises(ClientError) as e:
        ram.untag_resource(resourceArn=arn, tagKeys=["k"])
    assert error_code(e) == code
    # TagResource keeps its ResourceArnNotFoundException for the same ARNs.
    if code == "UnknownResourceException" and ":permission/" in arn:
        with pytest.raises(ClientError) as e:
            ram.tag_resource(resourceArn=arn, tags=[{"key": "k", "value": "v"}])
        assert error_code(e) == "ResourceArnNotFoundException"


def test_receiver_does_not_see_the_owners_tags_change(ram, ram_b):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    arn = share["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram_b.tag_resource(resourceShareArn=arn, tags=[{"key": "x", "value": "y"}])
    assert error_code(e) == "UnknownResourceException"
    assert tags_of(ram, arn) == {}


# ---------------------------------------------------------------------------------- GetResourcePolicies


def parse(policies):
    return [json.loads(p) for p in policies]


def test_policy_for_a_resource_shared_with_an_account(ram, ram_b):
    tgw = tgw_arn()
    share_with(ram, ram_b, ACCOUNT_B, [tgw])
    out = ram.get_resource_policies(resourceArns=[tgw])
    [policy] = parse(out["policies"])
    assert set(policy) == {"Version", "Statement"}
    assert policy["Version"] == "2008-10-17"
    [statement] = policy["Statement"]
    assert statement["Sid"] == "RamStatement1"
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": [f"arn:aws:iam::{ACCOUNT_B}:root"]}
    assert statement["Resource"] == tgw
    actions = statement["Action"]
    assert isinstance(actions, list) and actions
    assert "ec2:DescribeTransitGateways" in actions
    assert all(a.startswith("ec2:") for a in actions)
    assert "nextToken" not in out


def test_policy_lists_every_associated_account(ram, ram_b, ram_c):
    tgw = tgw_arn()
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw])
    ram.associate_resource_share(resourceShareArn=share["resourceShareArn"], principals=[ACCOUNT_C])
    inv = ram_c.get_resource_share_invitations()["resourceShareInvitations"][0]
    ram_c.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    [policy] = parse(ram.get_resource_policies(resourceArns=[tgw])["policies"])
    principals = [p for s in policy["Statement"] for p in s["Principal"]["AWS"]]
    assert sorted(principals) == [f"arn:aws:iam::{ACCOUNT_B}:root", f"arn:aws:iam::{ACCOUNT_C}:root"]
    assert all(s["Resource"] == tgw for s in policy["Statement"])


def test_policy_principal_filter(ram, ram_b, ram_c):
    tgw, lic = tgw_arn(), license_arn()
    share_with(ram, ram_b, ACCOUNT_B, [tgw, lic])
    both = parse(ram.get_resource_policies(resourceArns=[tgw, lic], principal=ACCOUNT_B)["policies"])
    assert sorted(p["Statement"][0]["Resource"] for p in both) == sorted([tgw, lic])
    lic_policy = next(p for p in both if p["Statement"][0]["Resource"] == lic)
    assert lic_policy["Statement"][0]["Action"]
    assert all(a.startswith("license-manager:") for a in lic_policy["Statement"][0]["Action"])
    assert ram.get_resource_policies(resourceArns=[tgw, lic], principal=ACCOUNT_C)["policies"] == []


def test_policy_stops_granting_after_the_principal_leaves(ram, ram_b):
    tgw = tgw_arn()
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw])
    ram_b.disassociate_resource_share(resourceShareArn=share["resourceShareArn"], principals=[ACCOUNT_B])
    policies = parse(ram.get_resource_policies(resourceArns=[tgw])["policies"])
    granted = [p for pol in policies for s in pol["Statement"] for p in s["Principal"].get("AWS", [])]
    assert f"arn:aws:iam::{ACCOUNT_B}:root" not in granted


def test_policies_of_another_accounts_resource(ram, ram_b):
    tgw = tgw_arn()
    share_with(ram, ram_b, ACCOUNT_B, [tgw])
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_policies(resourceArns=[tgw])
    assert error_code(e) == "ResourceArnNotFoundException"


def test_policies_with_malformed_arn(ram):
    with pytest.raises(ClientError) as e:
        ram.get_resource_policies(resourceArns=["nope"])
    assert error_code(e) == "MalformedArnException"
