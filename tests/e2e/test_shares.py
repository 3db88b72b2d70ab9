"""Resource shares: create, read, filter, update, delete; what may be shared with whom."""

import re
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, REGION, SHORT_RETENTION_S,
    error_code, error_message, license_arn, share_with, subnet_arn, tgw_arn, wait_for,
)

SHARE_ARN_RE = re.compile(
    r"^arn:aws:ram:us-east-1:111111111111:resource-share/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
TGW_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"
LICENSE_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionLicenseConfiguration"
OUTSIDE_ORG_MESSAGE = "The resource you are attempting to share can only be shared within your AWS Organization."


def own_shares(client, **filters):
    return client.get_resource_shares(resourceOwner="SELF", **filters)["resourceShares"]


def the_share(client, arn, owner="SELF"):
    shares = client.get_resource_shares(resourceOwner=owner, resourceShareArns=[arn])["resourceShares"]
    assert len(shares) == 1, shares
    return shares[0]


# ---------------------------------------------------------------------------------- create / read


def test_create_share_returns_active_share_with_defaults(ram):
    out = ram.create_resource_share(name="my-share")
    share = out["resourceShare"]
    assert SHARE_ARN_RE.match(share["resourceShareArn"]), share["resourceShareArn"]
    assert share["name"] == "my-share"
    assert share["owningAccountId"] == ACCOUNT_A
    assert share["allowExternalPrincipals"] is True
    assert share["status"] == "ACTIVE"
    assert share["creationTime"] == share["lastUpdatedTime"]
    # AWS's CreateResourceShare answer carries no featureSet; GetResourceShares does.
    assert "featureSet" not in share
    [listed] = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert listed["featureSet"] == "STANDARD"
    updated = ram.update_resource_share(resourceShareArn=share["resourceShareArn"], name="renamed")
    assert "featureSet" not in updated["resourceShare"]
    assert updated["resourceShare"]["name"] == "renamed"
    assert "clientToken" not in out  # none sent, none answered (as AWS)


def test_created_share_is_read_back_exactly_once_by_arn(ram):
    arn = ram.create_resource_share(name="one")["resourceShare"]["resourceShareArn"]
    ram.create_resource_share(name="two")
    share = the_share(ram, arn)
    assert share["resourceShareArn"] == arn
    assert share["name"] == "one"
    assert share["status"] == "ACTIVE"


def test_create_with_resources_and_principals_creates_associations(ram):
    tgw, lic = tgw_arn(), license_arn()
    arn = ram.create_resource_share(
        name="s", resourceArns=[tgw, lic], principals=[ACCOUNT_B]
    )["resourceShare"]["resourceShareArn"]
    resources = ram.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[arn])
    rows = {r["associatedEntity"]: r for r in resources["resourceShareAssociations"]}
    assert set(rows) == {tgw, lic}
    for row in rows.values():
        assert row["associationType"] == "RESOURCE"
        assert row["status"] == "ASSOCIATED"
        assert row["resourceShareArn"] == arn
        assert row["resourceShareName"] == "s"
        assert row["external"] is False
    principals = ram.get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=[arn])
    [row] = principals["resourceShareAssociations"]
    assert row["associatedEntity"] == ACCOUNT_B
    # an account outside the owner's organization must accept an invitation first
    assert row["status"] == "ASSOCIATING"
    assert row["external"] is True


def test_share_names_need_not_be_unique(ram):
    a = ram.create_resource_share(name="dup")["resourceShare"]["resourceShareArn"]
    b = ram.create_resource_share(name="dup")["resourceShare"]["resourceShareArn"]
    assert a != b
    assert {s["resourceShareArn"] for s in own_shares(ram, name="dup")} == {a, b}


def test_get_resource_shares_rejects_unknown_resource_owner(ram):
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="EVERYONE")
    assert error_code(e) == "InvalidParameterException"


def test_unknown_share_arn_lookup_is_unknown_resource(ram):
    arn = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])
    assert error_code(e) == "UnknownResourceException"


def test_malformed_share_arn_lookup_is_malformed_arn(ram):
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=["not-an-arn"])
    assert error_code(e) == "MalformedArnException"


# ---------------------------------------------------------------------------------- filters


def test_filter_by_name_is_exact(ram):
    ram.create_resource_share(name="alpha")
    ram.create_resource_share(name="alphabet")
    [share] = own_shares(ram, name="alpha")
    assert share["name"] == "alpha"
    assert own_shares(ram, name="nope") == []


def test_filter_by_status(ram):
    keep = ram.create_resource_share(name="keep")["resourceShare"]["resourceShareArn"]
    gone = ram.create_resource_share(name="gone")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=gone)
    assert [s["resourceShareArn"] for s in own_shares(ram, resourceShareStatus="ACTIVE")] == [keep]
    assert [s["resourceShareArn"] for s in own_shares(ram, resourceShareStatus="DELETED")] == [gone]
    assert own_shares(ram, resourceShareStatus="PENDING") == []


def test_tag_filters_or_semantics_and_key_only_filter(ram):
    def mk(name, tags):
        return ram.create_resource_share(name=name, tags=tags)["resourceShare"]["resourceShareArn"]

    prod = mk("prod", [{"key": "env", "value": "prod"}])
    dev = mk("dev", [{"key": "env", "value": "dev"}])
    team = mk("team", [{"key": "team", "value": "net"}])
    mk("untagged", [])

    def names(filters):
        return {s["resourceShareArn"] for s in own_shares(ram, tagFilters=filters)}

    assert names([{"tagKey": "env", "tagValues": ["prod"]}]) == {prod}
    assert names([{"tagKey": "env", "tagValues": ["prod", "dev"]}]) == {prod, dev}
    # several filters are OR'ed
    assert names([{"tagKey": "env", "tagValues": ["prod"]}, {"tagKey": "team", "tagValues": ["net"]}]) == {prod, team}
    # a filter without values matches any value of the key
    assert names([{"tagKey": "env"}]) == {prod, dev}
    assert names([{"tagKey": "env", "tagValues": []}]) == {prod, dev}
    assert names([{"tagKey": "env", "tagValues": ["staging"]}]) == set()


def test_other_accounts_with_tag_filters_is_invalid(ram_b):
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", tagFilters=[{"tagKey": "env", "tagValues": ["x"]}])
    assert error_code(e) == "InvalidParameterException"


def test_other_accounts_with_tag_filters_message_matches_aws(ram_b):
    """Real AWS text, from a Terraform user's log (hashicorp/terraform-provider-aws#40970)."""
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", tagFilters=[{"tagKey": "env", "tagValues": ["x"]}])
    assert error_message(e) == ("You cannot use resourceOwner set to OTHER-ACCOUNTS and tagFilters in one request. "
                                "Specify one parameter and try again.")


def test_filter_by_permission_arn(ram):
    tgw_share = ram.create_resource_share(name="tgw", resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    lic_share = ram.create_resource_share(name="lic", resourceArns=[license_arn()])["resourceShare"]["resourceShareArn"]
    ram.create_resource_share(name="empty")
    assert [s["resourceShareArn"] for s in own_shares(ram, permissionArn=TGW_PERMISSION)] == [tgw_share]
    assert [s["resourceShareArn"] for s in own_shares(ram, permissionArn=LICENSE_PERMISSION)] == [lic_share]


def test_filters_combine_for_exactly_one_lookup(ram):
    """data.aws_ram_resource_share: name + status + tags must single out one share."""
    old = ram.create_resource_share(name="net", tags=[{"key": "k", "value": "v"}])["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=old)
    new = ram.create_resource_share(name="net", tags=[{"key": "k", "value": "v"}])["resourceShare"]["resourceShareArn"]
    ram.create_resource_share(name="net", tags=[{"key": "k", "value": "other"}])
    found = own_shares(ram, name="net", resourceShareStatus="ACTIVE", tagFilters=[{"tagKey": "k", "tagValues": ["v"]}])
    assert [s["resourceShareArn"] for s in found] == [new]


# ---------------------------------------------------------------------------------- update


def test_update_name_and_allow_external_principals(ram):
    created = ram.create_resource_share(name="before")["resourceShare"]
    time.sleep(0.02)
    out = ram.update_resource_share(
        resourceShareArn=created["resourceShareArn"], name="after", allowExternalPrincipals=False
    )
    updated = out["resourceShare"]
    assert updated["resourceShareArn"] == created["resourceShareArn"]
    assert updated["name"] == "after"
    assert updated["allowExternalPrincipals"] is False
    assert updated["creationTime"] == created["creationTime"]
    assert updated["lastUpdatedTime"] > created["lastUpdatedTime"]
    assert "clientToken" not in out  # none sent, none answered (as AWS)
    read = the_share(ram, created["resourceShareArn"])
    assert read["name"] == "after"
    assert read["allowExternalPrincipals"] is False
    assert read["lastUpdatedTime"] == updated["lastUpdatedTime"]


def test_update_only_name_keeps_allow_external(ram):
    arn = ram.create_resource_share(name="a", allowExternalPrincipals=False)["resourceShare"]["resourceShareArn"]
    updated = ram.update_resource_share(resourceShareArn=arn, name="b")["resourceShare"]
    assert updated["allowExternalPrincipals"] is False
    assert updated["name"] == "b"


def test_update_another_accounts_share_is_unknown(ram, ram_b):
    arn = ram.create_resource_share(name="mine")["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram_b.update_resource_share(resourceShareArn=arn, name="stolen")
    assert error_code(e) == "UnknownResourceException"
    assert the_share(ram, arn)["name"] == "mine"


def test_update_unknown_share(ram):
    arn = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        ram.update_resource_share(resourceShareArn=arn, name="x")
    assert error_code(e) == "UnknownResourceException"
    assert error_message(e) == f"ResourceShare {arn} could not be found."


# ---------------------------------------------------------------------------------- delete


def test_delete_share_stays_listed_as_deleted(ram):
    created = ram.create_resource_share(name="bye", resourceArns=[tgw_arn()])["resourceShare"]
    arn = created["resourceShareArn"]
    out = ram.delete_resource_share(resourceShareArn=arn)
    assert out["returnValue"] is True
    share = the_share(ram, arn)
    assert share["status"] == "DELETED"
    assert share["lastUpdatedTime"] >= created["lastUpdatedTime"]
    # the resource association goes away with the share
    rows = ram.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[arn])
    assert [r["status"] for r in rows["resourceShareAssociations"]] == ["DISASSOCIATED"]
    assert ram.list_resources(resourceOwner="SELF", resourceShareArns=[arn])["resources"] == []


def test_delete_twice_is_unknown_resource(ram):
    arn = ram.create_resource_share(name="bye")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=arn)
    with pytest.raises(ClientError) as e:
        ram.delete_resource_share(resourceShareArn=arn)
    assert error_code(e) == "UnknownResourceException"
    assert error_message(e) == f"ResourceShare {arn} could not be found."


def test_delete_unknown_share(ram):
    arn = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        ram.delete_resource_share(resourceShareArn=arn)
    assert error_code(e) == "UnknownResourceException"
    assert error_message(e) == f"ResourceShare {arn} could not be found."


def test_delete_another_accounts_share_is_unknown(ram, ram_b):
    arn = ram.create_resource_share(name="mine")["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram_b.delete_resource_share(resourceShareArn=arn)
    assert error_code(e) == "UnknownResourceException"
    assert the_share(ram, arn)["status"] == "ACTIVE"


def test_associate_on_deleted_share_is_refused(ram):
    """ramd answers InvalidStateTransitionException (docs/compatibility.md; AWS's answer is not captured)."""
    arn = ram.create_resource_share(name="bye")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=arn)
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()])
    assert error_code(e) == "InvalidStateTransitionException"


def test_mutations_on_deleted_share_are_consistent(ram):
    """A DELETED share is gone for every mutation: the same answer as for an unknown share."""
    arn = ram.create_resource_share(name="bye")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=arn)
    codes = {}
    for label, call in [
        ("update", lambda: ram.update_resource_share(resourceShareArn=arn, name="x")),
        ("tag", lambda: ram.tag_resource(resourceShareArn=arn, tags=[{"key": "k", "value": "v"}])),
        ("associate", lambda: ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])),
    ]:
        with pytest.raises(ClientError) as e:
            call()
        codes[label] = error_code(e)
    assert codes["update"] == "UnknownResourceException"
    assert codes["tag"] == "UnknownResourceException"
    assert codes["associate"] == "InvalidStateTransitionException"


def test_deleting_a_share_removes_receivers_access(ram, ram_b):
    tgw = tgw_arn()
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw])
    arn = share["resourceShareArn"]
    assert [r["arn"] for r in ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]] == [tgw]
    ram.delete_resource_share(resourceShareArn=arn)
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert ram_b.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"] == []
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []


def test_deleted_share_disappears_after_retention(clients, ramd_short):
    ram = clients(server=ramd_short)
    arn = ram.create_resource_share(name="short-lived")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=arn)
    assert [s["status"] for s in own_shares(ram)] == ["DELETED"]
    wait_for(lambda: own_shares(ram) == [], timeout=SHORT_RETENTION_S + 5, interval=0.25,
             what="the DELETED share to disappear")
    with pytest.raises(ClientError) as e:
        ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])
    assert error_code(e) == "UnknownResourceException"


# ---------------------------------------------------------------------------------- resources


@pytest.mark.parametrize("resource", [
    "not-an-arn",
    "arn:aws:ec2",
    "arn:aws:ec2:us-east-1:111111111111",
])
def test_malformed_resource_arn(ram, resource):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="bad", resourceArns=[resource])
    assert error_code(e) == "MalformedArnException"
    assert own_shares(ram) == []


def test_unshareable_resource_type(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="bad", resourceArns=["arn:aws:s3:::my-bucket"])
    assert error_code(e) == "MalformedArnException"
    assert error_message(e) == "You cannot share the selected resource type."


@pytest.mark.parametrize("resource", [
    tgw_arn(account=ACCOUNT_B),
    tgw_arn(region="eu-west-1"),
    "arn:aws-cn:ec2:us-east-1:111111111111:transit-gateway/tgw-0123456789abcdef0",
], ids=["other-account", "other-region", "other-partition"])
def test_resource_outside_callers_account_region_partition(ram, resource):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="bad", resourceArns=[resource])
    assert error_code(e) == "UnknownResourceException"
    assert own_shares(ram) == []


def test_at_most_100_resources_per_call(ram):
    """Model doc of ResourceShareLimitExceededException: "You can associate up to 100 resources per call"."""
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="big", resourceArns=[tgw_arn() for _ in range(101)])
    assert error_code(e) == "ResourceShareLimitExceededException"
    assert own_shares(ram) == []
    arn = ram.create_resource_share(name="big", resourceArns=[tgw_arn() for _ in range(100)])["resourceShare"][
        "resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn() for _ in range(101)])
    assert error_code(e) == "ResourceShareLimitExceededException"
    assert len(ram.list_resources(resourceOwner="SELF", resourceShareArns=[arn])["resources"]) == 100


def test_subnet_cannot_be_shared_outside_organization(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="subnet", resourceArns=[subnet_arn()], principals=[ACCOUNT_B])
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e).startswith(OUTSIDE_ORG_MESSAGE)
    assert own_shares(ram) == []


def test_subnet_share_without_principals_then_external_principal(ram):
    arn = ram.create_resource_share(name="subnet", resourceArns=[subnet_arn()])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e).startswith(OUTSIDE_ORG_MESSAGE)
    # and the other way round: a subnet cannot join a share that already has an external account
    other = ram.create_resource_share(name="tgw", principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=other, resourceArns=[subnet_arn()])
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e).startswith(OUTSIDE_ORG_MESSAGE)


# ---------------------------------------------------------------------------------- principals


def test_organization_principal_not_found(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(
            name="org", principals=["arn:aws:organizations::111111111111:organization/o-abcdefghij"])
    assert error_code(e) == "UnknownResourceException"
    assert error_message(e) == "Organization o-abcdefghij could not be found."


def test_organizational_unit_principal_not_found(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(
            name="ou", principals=["arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefghij"])
    assert error_code(e) == "UnknownResourceException"
    assert error_message(e) == "OrganizationalUnit ou-ab12-cdefghij in unknown organization could not be found."


@pytest.mark.parametrize("principal", [
    "12345", "1234567890123", "not a principal",
    # ARN-shaped but not an organization, OU, IAM role or user ARN (captured AWS answers).
    "arn:aws:iam::123456789012:root", "arn:aws:iam::not-account:role/Foo",
    "arn:aws:iam::123456789012:group/devs", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
])
def test_malformed_principal(ram, principal):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="bad", principals=[principal])
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e) == f"Principal ID {principal} is malformed. Verify the ID and try again."


NAME_MESSAGE = ("Resource share name can contain only alphabetic characters, numbers, spaces, periods, "
                "and dashes.")


@pytest.mark.parametrize("name", ["us-east-2/level1", "a:b", "tab\there", "star*", "naïve", "quote'"])
def test_share_names_refuse_other_characters(ram, name):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name=name)
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e) == NAME_MESSAGE
    assert own_shares(ram) == []
    arn = ram.create_resource_share(name="fine")["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.update_resource_share(resourceShareArn=arn, name=name)
    assert error_message(e) == NAME_MESSAGE
    assert [s["name"] for s in own_shares(ram)] == ["fine"]


@pytest.mark.parametrize("name", ["Prod shares", "v1.2-final", "vpc_2_subnets_shared", "x" * 255])
def test_share_names_take_letters_digits_spaces_periods_dashes_and_underscores(ram, name):
    arn = ram.create_resource_share(name=name)["resourceShare"]["resourceShareArn"]
    assert ram.update_resource_share(resourceShareArn=arn, name=name)["resourceShare"]["name"] == name


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_share_names_have_one_to_255_characters(ram, name):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name=name)
    assert error_code(e) == "InvalidParameterException"


def test_owner_account_cannot_be_a_principal(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="self", principals=[ACCOUNT_A])
    assert error_code(e) == "InvalidParameterException"


def test_service_principal_is_associated_at_once_without_invitation(ram, ram_b):
    arn = ram.create_resource_share(
        name="svc", resourceArns=[tgw_arn()], principals=["pca-connector-ad.amazonaws.com"], sources=[ACCOUNT_A]
    )["resourceShare"]["resourceShareArn"]
    [row] = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn])["resourceShareAssociations"]
    assert row["associatedEntity"] == "pca-connector-ad.amazonaws.com"
    assert row["status"] == "ASSOCIATED"
    assert ram.get_resource_share_invitations()["resourceShareInvitations"] == []
    assert ram_b.get_resource_share_invitations()["resourceShareInvitations"] == []


def test_sources_require_a_service_principal(ram):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="src", principals=[ACCOUNT_B], sources=[ACCOUNT_A])
    assert error_code(e) == "InvalidParameterException"
    assert own_shares(ram) == []


def test_allow_external_principals_false_refuses_other_accounts(ram):
    msg = (f"Principal {ACCOUNT_B} is not in your AWS organization. "
           "You do not have permission to add external AWS accounts to a resource share.")
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="internal", principals=[ACCOUNT_B], allowExternalPrincipals=False)
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e) == msg
    arn = ram.create_resource_share(name="internal", allowExternalPrincipals=False)["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    assert error_code(e) == "InvalidParameterException"
    assert error_message(e) == msg


def test_enable_sharing_with_organization_without_organization(ram):
    with pytest.raises(ClientError) as e:
        ram.enable_sharing_with_aws_organization()
    assert error_code(e) == "OperationNotPermittedException"


# ---------------------------------------------------------------------------------- isolation


def test_other_account_sees_nothing_of_mine(ram, ram_b):
    arn = ram.create_resource_share(name="mine", resourceArns=[tgw_arn()], tags=[{"key": "k", "value": "v"}])[
        "resourceShare"]["resourceShareArn"]
    assert own_shares(ram_b) == []
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert ram_b.list_resources(resourceOwner="SELF")["resources"] == []
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert ram_b.get_resource_share_associations(associationType="RESOURCE")["resourceShareAssociations"] == []
    for call in (
        lambda: ram_b.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn]),
        lambda: ram_b.tag_resource(resourceShareArn=arn, tags=[{"key": "x", "value": "y"}]),
        lambda: ram_b.untag_resource(resourceShareArn=arn, tagKeys=["k"]),
        lambda: ram_b.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_C]),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "UnknownResourceException"
    share = the_share(ram, arn)
    assert share["tags"] == [{"key": "k", "value": "v"}]
    assert ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[arn])["resourceShareAssociations"] == []


def test_regions_do_not_leak(clients):
    east = clients(ACCOUNT_A, "us-east-1")
    west = clients(ACCOUNT_A, "eu-west-1")
    east_arn = east.create_resource_share(name="east", resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    west_share = west.create_resource_share(
        name="west", resourceArns=[tgw_arn(region="eu-west-1")])["resourceShare"]
    assert west_share["resourceShareArn"].startswith(f"arn:aws:ram:eu-west-1:{ACCOUNT_A}:resource-share/")
    assert [s["name"] for s in own_shares(east)] == ["east"]
    assert [s["name"] for s in own_shares(west)] == ["west"]
    assert len(east.list_resources(resourceOwner="SELF")["resources"]) == 1
    with pytest.raises(ClientError) as e:
        west.get_resource_shares(resourceOwner="SELF", resourceShareArns=[east_arn])
    assert error_code(e) == "UnknownResourceException"
    with pytest.raises(ClientError) as e:
        west.delete_resource_share(resourceShareArn=east_arn)
    assert error_code(e) == "UnknownResourceException"
    assert the_share(east, east_arn)["status"] == "ACTIVE"


def test_invitations_stay_in_their_region(clients):
    east_a, east_b = clients(ACCOUNT_A, "us-east-1"), clients(ACCOUNT_B, "us-east-1")
    west_b = clients(ACCOUNT_B, "eu-west-1")
    east_a.create_resource_share(name="east", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])
    assert len(east_b.get_resource_share_invitations()["resourceShareInvitations"]) == 1
    assert west_b.get_resource_share_invitations()["resourceShareInvitations"] == []


# ---------------------------------------------------------------------------------- the other 19 operations


OTHER_OPERATIONS = {
    "associate_resource_share_permission": {"resourceShareArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000", "permissionArn": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"},
    "create_permission": {"name": "p", "resourceType": "ec2:TransitGateway", "policyTemplate": "{}"},
    "create_permission_version": {"permissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p", "policyTemplate": "{}"},
    "delete_permission": {"permissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p"},
    "delete_permission_version": {"permissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p", "permissionVersion": 1},
    "disassociate_resource_share_permission": {"resourceShareArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000", "permissionArn": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"},
    "get_permission": {"permissionArn": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"},
    "list_pending_invitation_resources": {"resourceShareInvitationArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share-invitation/00000000-0000-4000-8000-000000000000"},
    "list_permission_associations": {},
    "list_permission_versions": {"permissionArn": "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"},
    "list_permissions": {},
    "list_replace_permission_associations_work": {},
    "list_resource_share_permissions": {"resourceShareArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"},
    "list_resource_types": {},
    "list_source_associations": {},
    "promote_permission_created_from_policy": {"permissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p", "name": "p"},
    "promote_resource_share_created_from_policy": {"resourceShareArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"},
    "replace_permission_associations": {"fromPermissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p", "toPermissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/q"},
    "set_default_permission_version": {"permissionArn": f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/p", "permissionVersion": 1},
}


# What each of them answers for those arguments: None for success, else the error code.
OTHER_OPERATIONS_ANSWER = {
    "associate_resource_share_permission": "UnknownResourceException",
    "create_permission": "InvalidParameterException",  # transit gateways take no customer managed permission
    "create_permission_version": "UnknownResourceException",
    "delete_permission": "UnknownResourceException",
    "delete_permission_version": "UnknownResourceException",
    "disassociate_resource_share_permission": "UnknownResourceException",
    "get_permission": None,
    "list_pending_invitation_resources": "ResourceShareInvitationArnNotFoundException",
    "list_permission_associations": None,
    "list_permission_versions": None,
    "list_permissions": None,
    "list_replace_permission_associations_work": None,
    "list_resource_share_permissions": "UnknownResourceException",
    "list_resource_types": None,
    "list_source_associations": None,
    "promote_permission_created_from_policy": "UnknownResourceException",
    "promote_resource_share_created_from_policy": "UnknownResourceException",
    "replace_permission_associations": "UnknownResourceException",
    "set_default_permission_version": "UnknownResourceException",
}


@pytest.mark.parametrize("method", sorted(OTHER_OPERATIONS))
def test_other_operations_answer_in_aws_shape(ram, method):
    """The 19 operations beyond the core 16, called with names that do not exist (or none): each answers as
    OTHER_OPERATIONS_ANSWER says, in a model-valid shape (checked by the shape hook), an error being one
    the model lists for the operation."""
    from shape_check import _MODEL
    op = ram.meta.method_to_api_mapping[method]
    expected = OTHER_OPERATIONS_ANSWER[method]
    try:
        getattr(ram, method)(**OTHER_OPERATIONS[method])
        code = None
    except ClientError as e:
        code = e.response["Error"]["Code"]
    assert code == expected
    if expected is not None:
        assert expected in {s.name for s in _MODEL.operation_model(op).error_shapes}
