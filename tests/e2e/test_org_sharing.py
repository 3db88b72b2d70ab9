"""RAM inside an AWS Organization, through real clients: boto3 ``ram``, ``organizations``, ``iam`` and
``sts`` against the binary (trust mode: the access key is the account).

The world most tests start from (``make_world``): management account A; OU ``eng`` under the root
with member B; OU ``platform`` nested under ``eng`` with member D; member E directly under the root;
C outside the organization. Sharing with RAM is enabled (EnableSharingWithAwsOrganization) unless a
test asks otherwise.

What is asserted (spec sections 3.3, 3.4 and 4; docs/compatibility.md "RAM in an organization"):
organization and OU principals reach every current and future member of their subtree with no
invitation, membership read at request time; accounts inside the organization are associated at once
while it shares with RAM and invited otherwise; outsiders are invited and need allowExternalPrincipals;
organization-only resource types never reach an invited principal; retainSharingOnAccountLeaveOrganization;
GetResourcePolicies' organization conditions; access decisions (``POST /checkaccess``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    REGION,
    error_code,
    error_message,
    make_client,
    pending_invitation,
    raw_request,
    subnet_arn,
    tgw_arn,
)

ACCOUNT_D = "444444444444"
ACCOUNT_E = "555555555555"
ACCOUNT_F = "666666666666"
RAM_SLR = "AWSServiceRoleForResourceAccessManager"
RAM_PRINCIPAL = "ram.amazonaws.com"
ORG_ONLY_MESSAGE = (
    "The resource you are attempting to share can only be shared within your AWS Organization. "
    "This error may also occur if you have not enabled sharing with your AWS organization, "
    "or that onboarding process is still in progress."
)
TGW_ACTION = "ec2:CreateTransitGatewayVpcAttachment"
SUBNET_ACTION = "ec2:RunInstances"
PROJECT_ACTION = "codebuild:BatchGetProjects"


def outside_message(account: str) -> str:
    return (f"Principal {account} is not in your AWS organization. "
            "You do not have permission to add external AWS accounts to a resource share.")


def codebuild_arn(account: str = ACCOUNT_A) -> str:
    return f"arn:aws:codebuild:{REGION}:{account}:project/p-{uuid.uuid4().hex[:12]}"


def coip_pool_arn(account: str = ACCOUNT_A) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:coip-pool/ipv4pool-coip-{uuid.uuid4().hex[:17]}"


def outpost_arn(account: str = ACCOUNT_A) -> str:
    return f"arn:aws:outposts:{REGION}:{account}:outpost/op-{uuid.uuid4().hex[:17]}"


def app_registry_arn(account: str = ACCOUNT_A) -> str:
    return f"arn:aws:servicecatalog:{REGION}:{account}:/applications/{uuid.uuid4().hex[:26]}"


def raises(code: str, call, *args, **kwargs) -> str:
    """Asserts that the call fails with `code`; returns the message."""
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    assert error_code(excinfo) == code, excinfo.value.response
    return error_message(excinfo)


# ------------------------------------------------------------------------------------------ world


@dataclass
class World:
    url: str
    org: dict = field(default_factory=dict)
    root: dict = field(default_factory=dict)
    eng: dict = field(default_factory=dict)
    platform: dict = field(default_factory=dict)

    def ram(self, account: str = ACCOUNT_A):
        return make_client(self.url, account=account)

    def orgs(self, account: str = ACCOUNT_A):
        return make_client(self.url, service="organizations", account=account)

    def iam(self, account: str = ACCOUNT_A):
        return make_client(self.url, service="iam", account=account)

    def sts(self, account: str):
        return make_client(self.url, service="sts", account=account)

    # --- Organizations

    def join(self, account: str, parent: dict | None = None) -> None:
        """`account` joins A's organization by invitation (and is moved under `parent`)."""
        handshake = self.orgs().invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": account})["Handshake"]
        self.orgs(account).accept_handshake(HandshakeId=handshake["Id"])
        if parent is not None:
            self.move(account, self.root, parent)

    def move(self, account: str, source: dict, destination: dict) -> None:
        self.orgs().move_account(AccountId=account, SourceParentId=source["Id"],
                                 DestinationParentId=destination["Id"])

    def enable_sharing(self) -> None:
        assert self.ram().enable_sharing_with_aws_organization()["returnValue"] is True

    def disable_sharing(self) -> None:
        self.orgs().disable_aws_service_access(ServicePrincipal=RAM_PRINCIPAL)

    # --- RAM, from the owner A

    def share(self, principals, resources=None, name="org-share", **kw) -> str:
        resources = resources if resources is not None else [tgw_arn()]
        share = self.ram().create_resource_share(name=name, resourceArns=resources, principals=principals,
                                                 **kw)["resourceShare"]
        return share["resourceShareArn"]

    def principal_associations(self, share_arn: str) -> dict[str, dict]:
        listed = self.ram().get_resource_share_associations(
            associationType="PRINCIPAL", resourceShareArns=[share_arn])["resourceShareAssociations"]
        return {a["associatedEntity"]: a for a in listed}

    # --- what a receiver sees

    def received(self, account: str) -> set[str]:
        """ARNs of the ACTIVE shares `account` sees through GetResourceShares(OTHER-ACCOUNTS)."""
        shares = self.ram(account).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
        return {s["resourceShareArn"] for s in shares if s["status"] == "ACTIVE"}

    def received_resources(self, account: str) -> set[str]:
        resources = self.ram(account).list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]
        return {r["arn"] for r in resources}

    def invitations(self, account: str) -> list[dict]:
        return self.ram(account).get_resource_share_invitations()["resourceShareInvitations"]

    def decision(self, principal: str, action: str, resource: str, asker: str = ACCOUNT_A) -> dict:
        r = raw_request(self.url, "POST", "/checkaccess",
                        {"principal": principal, "action": action, "resourceArn": resource}, account=asker)
        assert r.status_code == 200, r.text
        return r.json()

    def allowed(self, principal: str, action: str, resource: str) -> bool:
        return self.decision(principal, action, resource)["decision"] == "ALLOW"


def make_world(ramd, sharing: bool = True) -> World:
    w = World(url=ramd.url)
    a = w.orgs()
    w.org = a.create_organization(FeatureSet="ALL")["Organization"]
    w.root = a.list_roots()["Roots"][0]
    w.eng = a.create_organizational_unit(ParentId=w.root["Id"], Name="eng")["OrganizationalUnit"]
    w.platform = a.create_organizational_unit(ParentId=w.eng["Id"], Name="platform")["OrganizationalUnit"]
    w.join(ACCOUNT_B, w.eng)
    w.join(ACCOUNT_D, w.platform)
    w.join(ACCOUNT_E)
    if sharing:
        w.enable_sharing()
    return w


@pytest.fixture
def world(ramd) -> World:
    return make_world(ramd)


@pytest.fixture
def world_off(ramd) -> World:
    """The same organization, never enabled for sharing with RAM."""
    return make_world(ramd, sharing=False)


# -------------------------------------------------------------- EnableSharingWithAwsOrganization


def sharing_with_organization_enabled(w: World) -> bool:
    """Terraform's read of ``aws_ram_sharing_with_organization``: the service-linked role exists and
    ram.amazonaws.com is among the organization's trusted services."""
    try:
        w.iam().get_role(RoleName=RAM_SLR)
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchEntity":
            return False
        raise
    enabled = w.orgs().list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    return any(e["ServicePrincipal"] == RAM_PRINCIPAL for e in enabled)


def test_enable_sharing_creates_the_role_and_trusted_access_terraform_read_back(ramd):
    w = make_world(ramd, sharing=False)
    assert not sharing_with_organization_enabled(w)
    assert w.orgs().list_aws_service_access_for_organization()["EnabledServicePrincipals"] == []

    answer = w.ram().enable_sharing_with_aws_organization()
    answer.pop("ResponseMetadata")
    assert answer == {"returnValue": True}
    assert sharing_with_organization_enabled(w)

    role = w.iam().get_role(RoleName=RAM_SLR)["Role"]
    assert role["Path"] == "/aws-service-role/ram.amazonaws.com/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/aws-service-role/ram.amazonaws.com/{RAM_SLR}"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": RAM_PRINCIPAL}
    enabled = w.orgs().list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [e["ServicePrincipal"] for e in enabled] == [RAM_PRINCIPAL]
    assert "DateEnabled" in enabled[0]
    # Only the management account gets the role.
    with pytest.raises(ClientError) as excinfo:
        w.iam(ACCOUNT_B).get_role(RoleName=RAM_SLR)
    assert error_code(excinfo) == "NoSuchEntity"

    # Calling it again changes nothing (Terraform's create is repeatable).
    assert w.ram().enable_sharing_with_aws_organization()["returnValue"] is True
    assert w.iam().get_role(RoleName=RAM_SLR)["Role"]["RoleId"] == role["RoleId"]

    # Terraform's delete: Organizations DisableAWSServiceAccess; the read then says disabled.
    w.disable_sharing()
    assert not sharing_with_organization_enabled(w)
    w.iam().get_role(RoleName=RAM_SLR)  # the role itself stays
    # From any Region.
    assert make_client(w.url, account=ACCOUNT_A, region="eu-west-1").enable_sharing_with_aws_organization()["returnValue"]
    assert sharing_with_organization_enabled(w)


def test_enable_sharing_is_for_the_management_account_only(ramd):
    w = make_world(ramd, sharing=False)
    for account in (ACCOUNT_B, ACCOUNT_D, ACCOUNT_C):
        raises("OperationNotPermittedException", w.ram(account).enable_sharing_with_aws_organization)
    # Nothing changed: the organization does not share with RAM, and no role was made.
    assert w.orgs().list_aws_service_access_for_organization()["EnabledServicePrincipals"] == []
    for account in (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C):
        with pytest.raises(ClientError) as excinfo:
            w.iam(account).get_role(RoleName=RAM_SLR)
        assert error_code(excinfo) == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        w.ram().create_resource_share(name="x", principals=[w.org["Arn"]])
    assert error_code(excinfo) == "UnknownResourceException"


def test_enable_sharing_needs_all_features(ramd, clients):
    orgs_c = make_client(ramd.url, service="organizations", account=ACCOUNT_C)
    orgs_c.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    raises("OperationNotPermittedException", clients(ACCOUNT_C).enable_sharing_with_aws_organization)


# ------------------------------------------------------------ organization and OU principals


def test_org_and_ou_principals_are_unknown_until_sharing_is_enabled(world_off):
    w = world_off
    org_id, ou_id = w.org["Id"], w.eng["Id"]
    message = raises("UnknownResourceException", w.ram().create_resource_share,
                     name="x", resourceArns=[tgw_arn()], principals=[w.org["Arn"]])
    assert message == f"Organization {org_id} could not be found."
    message = raises("UnknownResourceException", w.ram().create_resource_share,
                     name="x", resourceArns=[tgw_arn()], principals=[w.eng["Arn"]])
    assert message == f"OrganizationalUnit {ou_id} in unknown organization could not be found."
    # Nothing was created by the refused calls.
    assert w.ram().get_resource_shares(resourceOwner="SELF")["resourceShares"] == []

    w.enable_sharing()
    share = w.share([w.org["Arn"], w.eng["Arn"]])
    listed = w.principal_associations(share)
    assert set(listed) == {w.org["Arn"], w.eng["Arn"]}
    assert all(a["status"] == "ASSOCIATED" and a["external"] is False for a in listed.values())


def test_another_organization_and_its_ous_are_not_found(world):
    w = world
    # C runs an organization of its own, sharing with RAM too.
    c = w.orgs(ACCOUNT_C)
    other = c.create_organization(FeatureSet="ALL")["Organization"]
    other_root = c.list_roots()["Roots"][0]
    other_ou = c.create_organizational_unit(ParentId=other_root["Id"], Name="theirs")["OrganizationalUnit"]
    assert w.ram(ACCOUNT_C).enable_sharing_with_aws_organization()["returnValue"] is True

    cases = [
        (other["Arn"], f"Organization {other['Id']} could not be found."),
        (other_ou["Arn"], f"OrganizationalUnit {other_ou['Id']} in unknown organization could not be found."),
        # A's own OU id, spelled under C's organization (and A's management account).
        (f"arn:aws:organizations::{ACCOUNT_A}:ou/{other['Id']}/{w.eng['Id']}",
         f"OrganizationalUnit {w.eng['Id']} in unknown organization could not be found."),
        # An OU id that does not exist in A's organization.
        (f"arn:aws:organizations::{ACCOUNT_A}:ou/{w.org['Id']}/{w.root['Id'].replace('r-', 'ou-')}-zzzzzzzz",
         f"OrganizationalUnit {w.root['Id'].replace('r-', 'ou-')}-zzzzzzzz in unknown organization could not be found."),
        # A's organization id under another management account.
        (f"arn:aws:organizations::{ACCOUNT_C}:organization/{w.org['Id']}",
         f"Organization {w.org['Id']} could not be found."),
        # Ids that do not exist or are badly formed are unknown too, not malformed ARNs (AWS).
        (f"arn:aws:organizations::{ACCOUNT_A}:organization/o-unknown",
         "Organization o-unknown could not be found."),
        (f"arn:aws:organizations::{ACCOUNT_A}:ou/o-xxxx/ou-unknown",
         "OrganizationalUnit ou-unknown in unknown organization could not be found."),
        (f"arn:aws:organizations::{ACCOUNT_A}:ou/{w.org['Id']}/ou-unknown",
         "OrganizationalUnit ou-unknown in unknown organization could not be found."),
    ]
    share = w.share([ACCOUNT_B])
    for principal, expected in cases:
        message = raises("UnknownResourceException", w.ram().create_resource_share,
                         name="foreign", resourceArns=[tgw_arn()], principals=[principal])
        assert message == expected, principal
        message = raises("UnknownResourceException", w.ram().associate_resource_share,
                         resourceShareArn=share, principals=[principal])
        assert message == expected, principal
    # And the other way round: C cannot name A's organization or OU.
    message = raises("UnknownResourceException", w.ram(ACCOUNT_C).create_resource_share,
                     name="x", resourceArns=[tgw_arn(ACCOUNT_C)], principals=[w.org["Arn"]])
    assert message == f"Organization {w.org['Id']} could not be found."
    message = raises("UnknownResourceException", w.ram(ACCOUNT_C).create_resource_share,
                     name="x", resourceArns=[tgw_arn(ACCOUNT_C)], principals=[w.platform["Arn"]])
    assert message == f"OrganizationalUnit {w.platform['Id']} in unknown organization could not be found."
    # C's own organization works for C, and reaches nobody of A's.
    theirs = w.ram(ACCOUNT_C).create_resource_share(name="theirs", resourceArns=[tgw_arn(ACCOUNT_C)],
                                                    principals=[other["Arn"]])["resourceShare"]["resourceShareArn"]
    for account in (ACCOUNT_A, ACCOUNT_B, ACCOUNT_D, ACCOUNT_E):
        assert theirs not in w.received(account)


def test_share_with_the_organization_reaches_every_member_without_invitation(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.org["Arn"]], resources=[tgw])
    association = w.principal_associations(share)[w.org["Arn"]]
    assert association["status"] == "ASSOCIATED" and association["external"] is False

    for member in (ACCOUNT_B, ACCOUNT_D, ACCOUNT_E):
        assert w.invitations(member) == [], member
        assert w.received(member) == {share}, member
        assert w.received_resources(member) == {tgw}, member
        principals = w.ram(member).list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]
        assert [(p["id"], p["resourceShareArn"]) for p in principals] == [(ACCOUNT_A, share)], member
        seen = w.ram(member).get_resource_shares(resourceOwner="OTHER-ACCOUNTS",
                                                 resourceShareArns=[share])["resourceShares"]
        assert seen[0]["owningAccountId"] == ACCOUNT_A and seen[0]["status"] == "ACTIVE"
        assert w.allowed(member, TGW_ACTION, tgw), member
    # The outsider sees nothing and is refused.
    assert w.received(ACCOUNT_C) == set()
    assert w.received_resources(ACCOUNT_C) == set()
    assert w.ram(ACCOUNT_C).list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"] == []
    assert not w.allowed(ACCOUNT_C, TGW_ACTION, tgw)
    # The owner lists the organization as a principal of its share.
    mine = w.ram().list_principals(resourceOwner="SELF", resourceShareArns=[share])["principals"]
    assert [(p["id"], p["external"]) for p in mine] == [(w.org["Arn"], False)]


def test_share_with_a_parent_ou_reaches_its_nested_ou(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.eng["Arn"]], resources=[tgw])
    association = w.principal_associations(share)[w.eng["Arn"]]
    assert association["status"] == "ASSOCIATED" and association["external"] is False
    assert w.received(ACCOUNT_B) == {share}      # in eng
    assert w.received(ACCOUNT_D) == {share}      # in eng/platform
    assert w.received(ACCOUNT_E) == set()        # under the root
    assert w.received(ACCOUNT_C) == set()        # outside
    assert w.allowed(ACCOUNT_D, TGW_ACTION, tgw)
    assert not w.allowed(ACCOUNT_E, TGW_ACTION, tgw)
    assert w.invitations(ACCOUNT_D) == []

    # The nested OU alone reaches only its own members.
    nested = w.share([w.platform["Arn"]], name="platform-only")
    assert nested in w.received(ACCOUNT_D) and nested not in w.received(ACCOUNT_B)


def test_moving_accounts_between_ous_changes_access_at_once(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.eng["Arn"]], resources=[tgw])
    assert w.received(ACCOUNT_D) == {share}

    # D leaves the eng subtree: no more access.
    w.move(ACCOUNT_D, w.platform, w.root)
    assert w.received(ACCOUNT_D) == set()
    assert w.received_resources(ACCOUNT_D) == set()
    assert not w.allowed(ACCOUNT_D, TGW_ACTION, tgw)
    # E moves into the nested OU: access at once, no invitation.
    w.move(ACCOUNT_E, w.root, w.platform)
    assert w.received(ACCOUNT_E) == {share}
    assert w.invitations(ACCOUNT_E) == []
    assert w.allowed(ACCOUNT_E, TGW_ACTION, tgw)
    # B moves to the root: gone; back into eng: back.
    w.move(ACCOUNT_B, w.eng, w.root)
    assert w.received(ACCOUNT_B) == set()
    w.move(ACCOUNT_B, w.root, w.eng)
    assert w.received(ACCOUNT_B) == {share}
    # The owner's view of the share never changed.
    assert list(w.principal_associations(share)) == [w.eng["Arn"]]


def test_an_account_joining_later_gets_access(world):
    w = world
    tgw = tgw_arn()
    org_share = w.share([w.org["Arn"]], resources=[tgw], name="org")
    ou_share = w.share([w.eng["Arn"]], name="eng")
    assert w.received(ACCOUNT_F) == set()

    # By invitation and AcceptHandshake.
    w.join(ACCOUNT_F)
    assert w.received(ACCOUNT_F) == {org_share}
    assert w.allowed(ACCOUNT_F, TGW_ACTION, tgw)
    assert w.invitations(ACCOUNT_F) == []
    w.move(ACCOUNT_F, w.root, w.eng)
    assert w.received(ACCOUNT_F) == {org_share, ou_share}

    # An account CreateAccount made: a member from the start.
    status = w.orgs().create_account(AccountName="newcomer", Email="newcomer@example.com")["CreateAccountStatus"]
    done = w.orgs().describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    assert done["State"] == "SUCCEEDED", done
    newcomer = done["AccountId"]
    assert w.sts(newcomer).get_caller_identity()["Account"] == newcomer
    assert w.received(newcomer) == {org_share}
    assert w.received_resources(newcomer) == {tgw}
    assert w.allowed(newcomer, TGW_ACTION, tgw)


def test_an_outsider_joining_the_organization_gets_access(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.org["Arn"]], resources=[tgw])
    assert w.received(ACCOUNT_C) == set()
    w.join(ACCOUNT_C)
    assert w.received(ACCOUNT_C) == {share}
    assert w.allowed(ACCOUNT_C, TGW_ACTION, tgw)


def test_removing_and_leaving_end_access_through_the_organization(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.org["Arn"]], resources=[tgw])
    ou_share = w.share([w.eng["Arn"]], name="eng")
    w.orgs().remove_account_from_organization(AccountId=ACCOUNT_D)
    assert w.received(ACCOUNT_D) == set()
    assert w.received_resources(ACCOUNT_D) == set()
    assert not w.allowed(ACCOUNT_D, TGW_ACTION, tgw)
    w.orgs(ACCOUNT_E).leave_organization()
    assert w.received(ACCOUNT_E) == set()
    assert not w.allowed(ACCOUNT_E, TGW_ACTION, tgw)
    # The share still reaches the members that stayed, and names only the organization and the OU.
    assert w.received(ACCOUNT_B) == {share, ou_share}
    assert list(w.principal_associations(share)) == [w.org["Arn"]]
    # Nor did the accounts that left become principals (no retainSharingOnAccountLeaveOrganization).
    for account in (ACCOUNT_D, ACCOUNT_E):
        assert w.ram().get_resource_share_associations(
            associationType="PRINCIPAL", principal=account)["resourceShareAssociations"] == []


def test_retain_sharing_when_an_account_leaves(world):
    w = world
    tgw = tgw_arn()
    retained = w.share([w.org["Arn"]], resources=[tgw], name="retained",
                       resourceShareConfiguration={"retainSharingOnAccountLeaveOrganization": True})
    through_ou = w.share([w.eng["Arn"]], name="retained-ou",
                         resourceShareConfiguration={"retainSharingOnAccountLeaveOrganization": True})
    plain = w.share([w.org["Arn"]], name="plain")
    explicit_false = w.share([w.org["Arn"]], name="not-retained",
                             resourceShareConfiguration={"retainSharingOnAccountLeaveOrganization": False})
    seen = w.ram().get_resource_shares(resourceOwner="SELF", resourceShareArns=[retained])["resourceShares"][0]
    assert seen["resourceShareConfiguration"] == {"retainSharingOnAccountLeaveOrganization": True}
    assert w.received(ACCOUNT_B) == {retained, through_ou, plain, explicit_false}

    # B leaves by itself; D is removed by the management account.
    w.orgs(ACCOUNT_B).leave_organization()
    w.orgs().remove_account_from_organization(AccountId=ACCOUNT_D)
    for account in (ACCOUNT_B, ACCOUNT_D):
        assert w.received(account) == {retained, through_ou}, account
        assert w.invitations(account) == [], account
        assert w.allowed(account, TGW_ACTION, tgw), account
        assert w.decision(account, TGW_ACTION, tgw)["grant"]["associatedPrincipal"] == account
    for share in (retained, through_ou):
        listed = w.principal_associations(share)
        for account in (ACCOUNT_B, ACCOUNT_D):
            assert listed[account]["status"] == "ASSOCIATED", listed
            assert listed[account]["external"] is True, listed
    for share in (plain, explicit_false):
        assert set(w.principal_associations(share)) == {w.org["Arn"]}
    # E, who stays, is still reached through the organization only.
    assert ACCOUNT_E not in w.principal_associations(retained)
    assert w.received(ACCOUNT_E) == {retained, plain, explicit_false}

    # Now a principal of its own, B may leave the retained share (transit gateways allow it).
    left = w.ram(ACCOUNT_B).disassociate_resource_share(resourceShareArn=retained, principals=[ACCOUNT_B])
    assert left["resourceShareAssociations"][0]["status"] == "DISASSOCIATING"
    assert retained not in w.received(ACCOUNT_B)


def test_retain_sharing_with_the_org_principal_sharing_disabled_keeps_nothing(world):
    """An account leaving while the organization no longer shares with RAM had no access through
    it, so nothing is retained."""
    w = world
    share = w.share([w.org["Arn"]], resourceShareConfiguration={"retainSharingOnAccountLeaveOrganization": True})
    w.disable_sharing()
    w.orgs(ACCOUNT_B).leave_organization()
    assert set(w.principal_associations(share)) == {w.org["Arn"]}
    assert w.received(ACCOUNT_B) == set()


def test_retain_sharing_applies_in_every_region(world):
    w = world
    eu_tgw = tgw_arn(region="eu-west-1")
    eu = make_client(w.url, account=ACCOUNT_A, region="eu-west-1")
    share = eu.create_resource_share(
        name="eu", resourceArns=[eu_tgw], principals=[w.eng["Arn"]],
        resourceShareConfiguration={"retainSharingOnAccountLeaveOrganization": True})["resourceShare"]["resourceShareArn"]
    eu_b = make_client(w.url, account=ACCOUNT_B, region="eu-west-1")
    assert [s["resourceShareArn"] for s in eu_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]] \
        == [share]
    w.orgs(ACCOUNT_B).leave_organization()
    assert [s["resourceShareArn"] for s in eu_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]] \
        == [share]
    listed = eu.get_resource_share_associations(associationType="PRINCIPAL", principal=ACCOUNT_B)
    assert [(a["status"], a["external"]) for a in listed["resourceShareAssociations"]] == [("ASSOCIATED", True)]
    assert w.received(ACCOUNT_B) == set()  # nothing in us-east-1


# --------------------------------------------------------------------------- a member as the owner


def test_a_member_can_share_with_its_organization_and_ous(world):
    w = world
    tgw = tgw_arn(ACCOUNT_B)
    subnet = subnet_arn(ACCOUNT_B)
    org_share = w.ram(ACCOUNT_B).create_resource_share(
        name="from-b", resourceArns=[tgw], principals=[w.org["Arn"]])["resourceShare"]["resourceShareArn"]
    ou_share = w.ram(ACCOUNT_B).create_resource_share(
        name="from-b-ou", resourceArns=[subnet], principals=[w.platform["Arn"], ACCOUNT_E])["resourceShare"]["resourceShareArn"]
    # The management account receives it like any member; the owner does not receive its own.
    assert w.received(ACCOUNT_A) == {org_share}
    assert w.received(ACCOUNT_D) == {org_share, ou_share}
    assert w.received(ACCOUNT_E) == {org_share, ou_share}
    assert w.received(ACCOUNT_B) == set()
    assert w.received(ACCOUNT_C) == set()
    assert w.invitations(ACCOUNT_E) == []
    principals = w.ram(ACCOUNT_D).list_principals(resourceOwner="OTHER-ACCOUNTS", principals=[ACCOUNT_B])["principals"]
    assert sorted(p["resourceShareArn"] for p in principals) == sorted([org_share, ou_share])
    assert {p["id"] for p in principals} == {ACCOUNT_B}
    assert w.ram(ACCOUNT_D).list_principals(resourceOwner="OTHER-ACCOUNTS", principals=[ACCOUNT_A])["principals"] == []
    assert w.decision(ACCOUNT_A, TGW_ACTION, tgw, asker=ACCOUNT_B)["decision"] == "ALLOW"
    assert w.decision(ACCOUNT_D, SUBNET_ACTION, subnet, asker=ACCOUNT_B)["decision"] == "ALLOW"
    # A member cannot enable sharing, but need not: the management account did.
    raises("OperationNotPermittedException", w.ram(ACCOUNT_B).enable_sharing_with_aws_organization)


def test_an_owner_leaving_the_organization_no_longer_reaches_it(world):
    """Organization and OU principals reach only the owner's own organization: once the owner has
    left, the organization is not its own any more and its members stop receiving (an
    organization-only subnet in particular must not reach them from outside)."""
    w = world
    tgw = tgw_arn(ACCOUNT_B)
    subnet = subnet_arn(ACCOUNT_B)
    org_share = w.ram(ACCOUNT_B).create_resource_share(
        name="from-b", resourceArns=[tgw], principals=[w.org["Arn"]])["resourceShare"]["resourceShareArn"]
    ou_share = w.ram(ACCOUNT_B).create_resource_share(
        name="from-b-ou", resourceArns=[subnet], principals=[w.platform["Arn"]])["resourceShare"]["resourceShareArn"]
    assert w.received(ACCOUNT_D) == {org_share, ou_share}

    w.orgs(ACCOUNT_B).leave_organization()
    # B can no longer name the organization or its OUs...
    message = raises("UnknownResourceException", w.ram(ACCOUNT_B).associate_resource_share,
                     resourceShareArn=org_share, principals=[w.eng["Arn"]])
    assert message == f"OrganizationalUnit {w.eng['Id']} in unknown organization could not be found."
    # ... and what it named before reaches nobody.
    for account in (ACCOUNT_A, ACCOUNT_D, ACCOUNT_E):
        assert w.received(account) == set(), account
        assert w.received_resources(account) == set(), account
    assert w.decision(ACCOUNT_D, TGW_ACTION, tgw, asker=ACCOUNT_B)["decision"] == "DENY"
    assert w.decision(ACCOUNT_D, SUBNET_ACTION, subnet, asker=ACCOUNT_B)["decision"] == "DENY"


# --------------------------------------------------------------------------- account principals


def test_member_account_and_its_role_are_associated_at_once(world):
    w = world
    tgw = tgw_arn()
    share = w.share([ACCOUNT_B], resources=[tgw])
    association = w.principal_associations(share)[ACCOUNT_B]
    assert association["status"] == "ASSOCIATED" and association["external"] is False
    assert w.invitations(ACCOUNT_B) == []
    assert w.received(ACCOUNT_B) == {share}
    assert w.allowed(ACCOUNT_B, TGW_ACTION, tgw)
    assert w.received(ACCOUNT_D) == set()

    # An IAM role of a member, on a type that may be shared with roles.
    project = codebuild_arn()
    role = f"arn:aws:iam::{ACCOUNT_D}:role/Builder"
    role_share = w.share([role], resources=[project], name="role")
    association = w.principal_associations(role_share)[role]
    assert association["status"] == "ASSOCIATED" and association["external"] is False
    assert w.invitations(ACCOUNT_D) == []
    assert w.allowed(role, PROJECT_ACTION, project)
    assert not w.allowed(f"arn:aws:iam::{ACCOUNT_D}:role/Other", PROJECT_ACTION, project)

    # allowExternalPrincipals=false does not concern members.
    internal = w.share([ACCOUNT_E, w.eng["Arn"], w.org["Arn"]], name="internal", allowExternalPrincipals=False)
    assert {a["status"] for a in w.principal_associations(internal).values()} == {"ASSOCIATED"}
    assert internal in w.received(ACCOUNT_E)


def test_member_account_is_invited_while_sharing_is_off(world_off):
    w = world_off
    tgw = tgw_arn()
    share = w.share([ACCOUNT_B], resources=[tgw])
    association = w.principal_associations(share)[ACCOUNT_B]
    assert association["status"] == "ASSOCIATING" and association["external"] is False
    invitation = pending_invitation(w.ram(ACCOUNT_B), share)
    assert invitation["senderAccountId"] == ACCOUNT_A and invitation["receiverAccountId"] == ACCOUNT_B
    assert w.received(ACCOUNT_B) == set()
    assert not w.allowed(ACCOUNT_B, TGW_ACTION, tgw)
    w.ram(ACCOUNT_B).accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    association = w.principal_associations(share)[ACCOUNT_B]
    assert association["status"] == "ASSOCIATED" and association["external"] is False
    assert w.received(ACCOUNT_B) == {share}
    assert w.allowed(ACCOUNT_B, TGW_ACTION, tgw)
    # Still a member: allowExternalPrincipals=false accepts it (and invites it).
    internal = w.share([ACCOUNT_D], name="internal", allowExternalPrincipals=False)
    assert w.principal_associations(internal)[ACCOUNT_D]["external"] is False
    pending_invitation(w.ram(ACCOUNT_D), internal)


def test_outsider_is_invited_and_needs_allow_external_principals(world):
    w = world
    message = raises("InvalidParameterException", w.ram().create_resource_share,
                     name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_C], allowExternalPrincipals=False)
    assert message == outside_message(ACCOUNT_C)
    internal = w.share([w.org["Arn"]], name="internal", allowExternalPrincipals=False)
    message = raises("InvalidParameterException", w.ram().associate_resource_share,
                     resourceShareArn=internal, principals=[ACCOUNT_C])
    assert message == outside_message(ACCOUNT_C)
    # An IAM role of the outsider too.
    role = f"arn:aws:iam::{ACCOUNT_C}:role/Dev"
    message = raises("InvalidParameterException", w.ram().create_resource_share, name="x",
                     resourceArns=[codebuild_arn()], principals=[role], allowExternalPrincipals=False)
    assert message == outside_message(ACCOUNT_C)
    # Once the share allows external principals, the outsider is invited (external).
    w.ram().update_resource_share(resourceShareArn=internal, allowExternalPrincipals=True)
    w.ram().associate_resource_share(resourceShareArn=internal, principals=[ACCOUNT_C])
    association = w.principal_associations(internal)[ACCOUNT_C]
    assert association["status"] == "ASSOCIATING" and association["external"] is True
    assert w.received(ACCOUNT_C) == set()
    invitation = pending_invitation(w.ram(ACCOUNT_C), internal)
    w.ram(ACCOUNT_C).accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    assert w.received(ACCOUNT_C) == {internal}
    assert w.principal_associations(internal)[ACCOUNT_C]["external"] is True
    # The default (allowExternalPrincipals=true) in a share with both kinds of principal.
    mixed = w.share([ACCOUNT_B, ACCOUNT_C], name="mixed")
    listed = w.principal_associations(mixed)
    assert (listed[ACCOUNT_B]["status"], listed[ACCOUNT_B]["external"]) == ("ASSOCIATED", False)
    assert (listed[ACCOUNT_C]["status"], listed[ACCOUNT_C]["external"]) == ("ASSOCIATING", True)
    assert [i["resourceShareArn"] for i in w.invitations(ACCOUNT_B)] == []
    # The role of the outsider is invited as well, its ARN carried by the invitation.
    role_share = w.share([role], resources=[codebuild_arn()], name="outside-role")
    assert w.principal_associations(role_share)[role]["external"] is True
    invitation = pending_invitation(w.ram(ACCOUNT_C), role_share)
    assert invitation["receiverArn"] == role


@pytest.mark.parametrize("make_arn", [subnet_arn, coip_pool_arn, outpost_arn, app_registry_arn],
                         ids=["ec2:Subnet", "ec2:CoipPool", "outposts:Outpost", "servicecatalog:Application"])
def test_org_only_types_reach_the_organization_but_never_an_outsider(world, make_arn):
    w = world
    # Inside: the organization, an OU, a member account.
    share = w.share([w.org["Arn"], w.platform["Arn"], ACCOUNT_B], resources=[make_arn()], name="inside")
    assert {a["status"] for a in w.principal_associations(share).values()} == {"ASSOCIATED"}
    assert share in w.received(ACCOUNT_B) and share in w.received(ACCOUNT_E)
    # Outside, even with allowExternalPrincipals: refused, on create and on associate.
    message = raises("InvalidParameterException", w.ram().create_resource_share,
                     name="outside", resourceArns=[make_arn()], principals=[ACCOUNT_C], allowExternalPrincipals=True)
    assert message == ORG_ONLY_MESSAGE
    message = raises("InvalidParameterException", w.ram().associate_resource_share,
                     resourceShareArn=share, principals=[ACCOUNT_C])
    assert message == ORG_ONLY_MESSAGE
    assert ACCOUNT_C not in w.principal_associations(share)
    # Nor can one be added to a share that already has an outsider.
    with_outsider = w.share([ACCOUNT_C], name="with-outsider")
    message = raises("InvalidParameterException", w.ram().associate_resource_share,
                     resourceShareArn=with_outsider, resourceArns=[make_arn()])
    assert message == ORG_ONLY_MESSAGE
    assert w.invitations(ACCOUNT_C)[0]["resourceShareArn"] == with_outsider
    assert len(w.invitations(ACCOUNT_C)) == 1


def test_org_only_types_are_refused_inside_while_sharing_is_off(world_off):
    w = world_off
    message = raises("InvalidParameterException", w.ram().create_resource_share,
                     name="x", resourceArns=[subnet_arn()], principals=[ACCOUNT_B])
    assert message == ORG_ONLY_MESSAGE
    assert w.invitations(ACCOUNT_B) == []

    # Once the organization shares with RAM, a subnet reaches a member at once.
    w.enable_sharing()
    subnet = subnet_arn()
    inside = w.share([ACCOUNT_D], resources=[subnet], name="inside")
    assert w.principal_associations(inside)[ACCOUNT_D]["status"] == "ASSOCIATED"
    assert w.allowed(ACCOUNT_D, SUBNET_ACTION, subnet)


def test_an_org_only_resource_cannot_join_a_share_with_an_invited_member(world_off):
    """B, a member, is reached by invitation while the organization does not share with RAM: a
    subnet added to that share would reach B by invitation too."""
    w = world_off
    tgw = tgw_arn()
    share = w.share([ACCOUNT_B], resources=[tgw], name="invited")
    assert w.principal_associations(share)[ACCOUNT_B]["status"] == "ASSOCIATING"
    message = raises("InvalidParameterException", w.ram().associate_resource_share,
                     resourceShareArn=share, resourceArns=[subnet_arn()])
    assert message == ORG_ONLY_MESSAGE
    resources = w.ram().get_resource_share_associations(
        associationType="RESOURCE", resourceShareArns=[share])["resourceShareAssociations"]
    assert [r["associatedEntity"] for r in resources] == [tgw], resources


def test_a_member_with_access_through_the_organization_cannot_leave(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.org["Arn"]], resources=[tgw])
    message = raises("OperationNotPermittedException", w.ram(ACCOUNT_B).disassociate_resource_share,
                     resourceShareArn=share, principals=[ACCOUNT_B])
    assert message
    assert w.received(ACCOUNT_B) == {share}
    # Through an OU as well.
    ou_share = w.share([w.eng["Arn"]], name="eng")
    raises("OperationNotPermittedException", w.ram(ACCOUNT_D).disassociate_resource_share,
           resourceShareArn=ou_share, principals=[ACCOUNT_D])
    assert ou_share in w.received(ACCOUNT_D)
    # A member added as an account of its own may leave (subnets and transit gateways allow it).
    for resource in (subnet_arn(), tgw_arn()):
        individual = w.share([ACCOUNT_E], resources=[resource], name="individual")
        assert individual in w.received(ACCOUNT_E)
        left = w.ram(ACCOUNT_E).disassociate_resource_share(resourceShareArn=individual, principals=[ACCOUNT_E])
        assert [a["associatedEntity"] for a in left["resourceShareAssociations"]] == [ACCOUNT_E]
        assert individual not in w.received(ACCOUNT_E)
    # The outsider cannot touch the organization's share at all.
    raises("UnknownResourceException", w.ram(ACCOUNT_C).disassociate_resource_share,
           resourceShareArn=share, principals=[ACCOUNT_C])


def test_disabling_sharing_ends_org_and_ou_access(world):
    w = world
    tgw = tgw_arn()
    org_share = w.share([w.org["Arn"]], resources=[tgw], name="org")
    ou_share = w.share([w.eng["Arn"]], name="eng")
    individual = w.share([ACCOUNT_E], name="individual")
    assert w.received(ACCOUNT_B) == {org_share, ou_share}

    w.disable_sharing()
    for account in (ACCOUNT_B, ACCOUNT_D):
        assert w.received(account) == set(), account
        assert w.received_resources(account) == set(), account
        assert w.ram(account).list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"] == []
        assert not w.allowed(account, TGW_ACTION, tgw)
    # A member named as an account keeps what it was given.
    assert w.received(ACCOUNT_E) == {individual}
    # New organization and OU principals are refused.
    message = raises("UnknownResourceException", w.ram().associate_resource_share,
                     resourceShareArn=individual, principals=[w.org["Arn"]])
    assert message == f"Organization {w.org['Id']} could not be found."
    message = raises("UnknownResourceException", w.ram().create_resource_share,
                     name="x", resourceArns=[tgw_arn()], principals=[w.platform["Arn"]])
    assert message == f"OrganizationalUnit {w.platform['Id']} in unknown organization could not be found."
    # A member account added now is invited (still not external).
    w.ram().associate_resource_share(resourceShareArn=individual, principals=[ACCOUNT_B])
    association = w.principal_associations(individual)[ACCOUNT_B]
    assert (association["status"], association["external"]) == ("ASSOCIATING", False)
    pending_invitation(w.ram(ACCOUNT_B), individual)


# ------------------------------------------------------------------------------ resource policies


def test_resource_policies_name_the_organization_and_ous(world):
    w = world
    tgw = tgw_arn()
    w.share([w.org["Arn"], w.platform["Arn"], ACCOUNT_B], resources=[tgw])
    policies = w.ram().get_resource_policies(resourceArns=[tgw])["policies"]
    assert len(policies) == 1
    statements = json.loads(policies[0])["Statement"]

    named = [s for s in statements if s["Principal"] != "*"]
    assert len(named) == 1
    aws = named[0]["Principal"]["AWS"]
    assert (aws if isinstance(aws, list) else [aws]) == [f"arn:aws:iam::{ACCOUNT_B}:root"]
    assert "Condition" not in named[0]

    scoped = [s for s in statements if s["Principal"] == "*"]
    conditions = [s["Condition"] for s in scoped]
    assert {"StringEquals": {"aws:PrincipalOrgID": w.org["Id"]}} in conditions, conditions
    assert {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{w.org['Id']}/*/{w.platform['Id']}/*"}} \
        in conditions, conditions
    assert len(scoped) == 2
    for s in statements:
        assert s["Effect"] == "Allow" and s["Resource"] == tgw
        assert TGW_ACTION in s["Action"]
    # The principal filter picks the organization's statement only.
    only_org = w.ram().get_resource_policies(resourceArns=[tgw], principal=w.org["Arn"])["policies"]
    statements = json.loads(only_org[0])["Statement"]
    assert [s["Condition"] for s in statements] == [{"StringEquals": {"aws:PrincipalOrgID": w.org["Id"]}}]


def test_resource_policies_drop_org_statements_once_sharing_is_disabled(world):
    """Disabling trusted access removes organization and OU principals from RAM's sharing; the
    resource policies RAM generates must not keep granting them (ramd's access decisions already
    deny them)."""
    w = world
    tgw = tgw_arn()
    w.share([w.org["Arn"], w.eng["Arn"], ACCOUNT_E], resources=[tgw])
    w.disable_sharing()
    assert w.decision(ACCOUNT_B, TGW_ACTION, tgw)["decision"] == "DENY"
    policies = w.ram().get_resource_policies(resourceArns=[tgw])["policies"]
    assert len(policies) == 1, policies
    statements = json.loads(policies[0])["Statement"]
    # Only E, shared with as an account, is still granted.
    assert [s["Principal"] for s in statements] == [{"AWS": [f"arn:aws:iam::{ACCOUNT_E}:root"]}], statements


# ------------------------------------------------------------------------------ access decisions


def test_access_decisions_follow_the_organization(world):
    w = world
    tgw = tgw_arn()
    share = w.share([w.eng["Arn"]], resources=[tgw])
    role_d = f"arn:aws:iam::{ACCOUNT_D}:role/Dev"

    allowed = w.decision(ACCOUNT_D, TGW_ACTION, tgw)
    assert allowed["decision"] == "ALLOW", allowed
    grant = allowed["grant"]
    assert grant["resourceShareArn"] == share and grant["associatedPrincipal"] == w.eng["Arn"]
    assert grant["associationStatus"] == "ASSOCIATED"
    assert grant["permissionArn"] == "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"
    assert w.decision(role_d, TGW_ACTION, tgw)["grant"]["associatedPrincipal"] == w.eng["Arn"]
    # D may ask about itself.
    assert w.decision(ACCOUNT_D, TGW_ACTION, tgw, asker=ACCOUNT_D)["decision"] == "ALLOW"
    # An action the permission does not list.
    assert w.decision(ACCOUNT_D, "ec2:DeleteTransitGateway", tgw)["decision"] == "DENY"
    # Not in the OU, outside the organization.
    for principal in (ACCOUNT_E, ACCOUNT_C, f"arn:aws:iam::{ACCOUNT_C}:role/Dev"):
        denied = w.decision(principal, TGW_ACTION, tgw)
        assert denied["decision"] == "DENY" and denied["reasons"], (principal, denied)

    w.move(ACCOUNT_D, w.platform, w.root)
    assert w.decision(ACCOUNT_D, TGW_ACTION, tgw)["decision"] == "DENY"
    assert w.decision(role_d, TGW_ACTION, tgw)["decision"] == "DENY"
    w.move(ACCOUNT_D, w.root, w.platform)
    assert w.decision(ACCOUNT_D, TGW_ACTION, tgw)["decision"] == "ALLOW"
    w.disable_sharing()
    assert w.decision(ACCOUNT_D, TGW_ACTION, tgw)["decision"] == "DENY"
    assert w.decision(ACCOUNT_B, TGW_ACTION, tgw)["decision"] == "DENY"


def test_an_org_share_covers_the_owners_own_principals(world):
    """Sharing with an organization that includes the owner grants the owner's principals too
    (the policy is Principal "*" with aws:PrincipalOrgID)."""
    w = world
    tgw = tgw_arn()
    w.share([w.org["Arn"]], resources=[tgw])
    assert w.decision(f"arn:aws:iam::{ACCOUNT_A}:role/Local", TGW_ACTION, tgw)["decision"] == "ALLOW"
    # But the owner does not receive its own share.
    assert w.received(ACCOUNT_A) == set()
