"""Identity-based authorization: calls made with the keys of an IAM user or role are allowed only
as far as that principal's identity policies allow them, as on AWS; the account's root keys are not
restricted. Driven by boto3 against a SigV4-mode server (and one trust-mode check).

What is asserted: the acceptance scenario (a user whose policy allows sharing only ec2:Subnet
resources tagged team=net can do exactly that, inside an organization, and is refused anything else
with AWS's error); an explicit Deny beats AdministratorAccess; attaching and detaching policies
(inline, customer managed, AWS managed) takes effect on the next call; a role's keys; the condition
keys of the request (aws:RequestTag, aws:TagKeys, ram:RequestedResourceType, ram:ResourceArn,
ram:Principal, ram:RequestedAllowsExternalPrincipals, ram:ResourceShareName, aws:ResourceTag,
ram:PermissionResourceType, ram:ShareOwnerAccountId) and the global ones (aws:PrincipalTag,
aws:PrincipalType, aws:SourceIp, aws:CurrentTime, aws:RequestedRegion, aws:PrincipalOrgID,
aws:PrincipalOrgPaths, ${aws:username}); NotAction / NotResource; IAM's refusal (AccessDenied, 403)
and Organizations' (AccessDeniedException, 400); a refused call changes nothing; STS
GetCallerIdentity needs no permission.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass

import botocore.exceptions
import pytest

from conftest import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    OTHER_REGION,
    REGION,
    error_code,
    RAMD_BIN,
    make_client,
    ramd_accounts_create,
    raw_request,
    store_args,
    subnet_arn,
    tgw_arn,
)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
RAM_FULL = "arn:aws:iam::aws:policy/AWSResourceAccessManagerFullAccess"
RAM_READ = "arn:aws:iam::aws:policy/AWSResourceAccessManagerReadOnlyAccess"
ORGS_READ = "arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess"
SUBNET_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
TGW_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionTransitGateway"
PROJECT_TEMPLATE = json.dumps({"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]})

# The acceptance scenario's policy: share only subnets, only in shares tagged team=net.
SUBNET_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "CreateSubnetShares", "Effect": "Allow", "Action": "ram:CreateResourceShare", "Resource": "*",
         "Condition": {"StringEquals": {"ram:RequestedResourceType": "ec2:Subnet", "aws:RequestTag/team": "net"}}},
        {"Sid": "AddSubnetsToNetShares", "Effect": "Allow", "Action": "ram:AssociateResourceShare", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "net", "ram:RequestedResourceType": "ec2:Subnet"}}},
        {"Sid": "Read", "Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"},
    ],
}


def allow(*actions, resource="*", condition=None, effect="Allow") -> dict:
    statement = {"Effect": effect, "Action": list(actions), "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def denied(who: str, action: str, resource: str | None = None, explicit: bool = False) -> str:
    """AWS's words for a refusal by identity policies (no resource part for an action on `*`)."""
    why = ("with an explicit deny in an identity-based policy" if explicit
           else f"because no identity-based policy allows the {action} action")
    on = f" on resource: {resource}" if resource else ""
    return f"User: {who} is not authorized to perform: {action}{on} {why}"


def refused(call, message: str | None = None, code: str = "AccessDeniedException", status: int = 403) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e) == code, e.value.response
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.value.response
    said = e.value.response["Error"]["Message"]
    if message is not None:
        assert said == message
    return said


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------------------------------ world


@dataclass
class Principal:
    url: str
    name: str
    arn: str
    key: tuple[str, str]

    def client(self, service: str = "ram", region: str = REGION):
        return make_client(self.url, service=service, account=self.key[0], secret=self.key[1], region=region)


@dataclass
class World:
    url: str
    creds: dict
    data_dir: object
    org: dict
    org_root: dict

    def root(self, service: str = "ram", account: str = ACCOUNT_A, region: str = REGION):
        c = self.creds[account]
        return make_client(self.url, service=service, account=c["accessKeyId"], secret=c["secretAccessKey"],
                           region=region)

    def user(self, prefix: str = "user", account: str = ACCOUNT_A, inline: dict | None = None, managed=(),
             tags: dict | None = None, path: str = "/", name: str | None = None) -> Principal:
        """A new IAM user of `account` with an inline policy and/or attached managed policies, and a key."""
        iam = self.root("iam", account)
        name = name or unique(prefix)
        made = iam.create_user(UserName=name, Path=path,
                               Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])["User"]
        if inline is not None:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
        for arn in managed:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Principal(self.url, name, made["Arn"], (key["AccessKeyId"], key["SecretAccessKey"]))


@pytest.fixture(scope="module")
def world(ramd_factory, tmp_path_factory) -> World:
    """A SigV4 server with accounts A, B, C: A manages an organization B has joined (by invitation),
    sharing with RAM enabled; C belongs to no organization."""
    data_dir = tmp_path_factory.mktemp("authorization")
    creds = {a: ramd_accounts_create(data_dir, a) for a in (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C)}
    server = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    w = World(server.url, creds, data_dir, {}, {})
    orgs = w.root("organizations")
    w.org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    w.org_root = orgs.list_roots()["Roots"][0]
    handshake = orgs.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_B})["Handshake"]
    w.root("organizations", ACCOUNT_B).accept_handshake(HandshakeId=handshake["Id"])
    assert w.root().enable_sharing_with_aws_organization()["returnValue"] is True
    return w


def every(call, key: str, **kw) -> list:
    """Every item of a RAM listing, page by page."""
    items, token = [], None
    while True:
        page = call(**kw, **({"nextToken": token} if token else {}))
        items += page[key]
        token = page.get("nextToken")
        if not token:
            return items


def ram_state(ram) -> tuple:
    """Everything of the account's own shares a refused call must leave as it was."""
    shares = every(ram.get_resource_shares, "resourceShares", resourceOwner="SELF")
    associations = [
        a for kind in ("RESOURCE", "PRINCIPAL")
        for a in every(ram.get_resource_share_associations, "resourceShareAssociations", associationType=kind)
    ]
    key = lambda d: json.dumps(d, sort_keys=True, default=str)  # noqa: E731
    return sorted(map(key, shares)), sorted(map(key, associations))


def share_resources(ram, share_arn: str) -> set[str]:
    listed = ram.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[share_arn])
    return {a["associatedEntity"] for a in listed["resourceShareAssociations"] if a["status"] == "ASSOCIATED"}


def share_status(ram, share_arn: str) -> str:
    return ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[share_arn])["resourceShares"][0]["status"]


NET = [{"key": "team", "value": "net"}]


# ------------------------------------------------------------------------- the acceptance scenario


def test_a_subnet_only_user_shares_exactly_tagged_subnets_and_nothing_else(world):
    """The issue's acceptance scenario: a user whose policy allows sharing only ec2:Subnet resources
    tagged team=net can do exactly that and is refused anything else with AWS's error."""
    iam = world.root("iam")
    policy_arn = iam.create_policy(PolicyName=unique("SubnetOnly"), PolicyDocument=json.dumps(SUBNET_ONLY))["Policy"]["Arn"]
    net = world.user("netops")
    iam.attach_user_policy(UserName=net.name, PolicyArn=policy_arn)
    ram, root = net.client(), world.root()

    # Allowed: a share of a subnet, tagged team=net, with a member of the organization.
    first = subnet_arn()
    share = ram.create_resource_share(name="net-subnets", resourceArns=[first], principals=[ACCOUNT_B],
                                      tags=NET)["resourceShare"]
    share_arn = share["resourceShareArn"]
    assert share["owningAccountId"] == ACCOUNT_A and share["status"] == "ACTIVE"
    assert share_resources(root, share_arn) == {first}
    # B is in the organization, which shares with RAM: it has the subnet at once, no invitation.
    received = world.root(account=ACCOUNT_B).list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]
    assert first in {r["arn"] for r in received}
    # The user reads (ram:Get*, ram:List*).
    assert share_arn in {s["resourceShareArn"] for s in every(ram.get_resource_shares, "resourceShares",
                                                                resourceOwner="SELF")}
    assert first in {r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]}

    create = denied(net.arn, "ram:CreateResourceShare")
    before = ram_state(root)
    # A subnet and a transit gateway in one call: every (resource, principal) pair must be allowed.
    said = refused(lambda: ram.create_resource_share(name="mixed", resourceArns=[subnet_arn(), tgw_arn()],
                                                     principals=[ACCOUNT_B], tags=NET), create)
    assert " on resource:" not in said  # CreateResourceShare acts on `*`
    refused(lambda: ram.create_resource_share(name="mixed", resourceArns=[tgw_arn(), subnet_arn()], tags=NET), create)
    # A transit gateway alone; a subnet untagged, or tagged otherwise; a share of nothing (no type to match).
    refused(lambda: ram.create_resource_share(name="tgw", resourceArns=[tgw_arn()], tags=NET), create)
    refused(lambda: ram.create_resource_share(name="untagged", resourceArns=[subnet_arn()]), create)
    refused(lambda: ram.create_resource_share(name="web", resourceArns=[subnet_arn()],
                                              tags=[{"key": "team", "value": "web"}]), create)
    refused(lambda: ram.create_resource_share(name="NET", resourceArns=[subnet_arn()],
                                              tags=[{"key": "team", "value": "NET"}]), create)  # StringEquals is exact
    refused(lambda: ram.create_resource_share(name="empty", tags=NET), create)
    assert ram_state(root) == before

    # Allowed: another subnet into the share tagged team=net.
    second = subnet_arn()
    ram.associate_resource_share(resourceShareArn=share_arn, resourceArns=[second])
    assert share_resources(root, share_arn) == {first, second}

    before = ram_state(root)
    associate = denied(net.arn, "ram:AssociateResourceShare", share_arn)
    refused(lambda: ram.associate_resource_share(resourceShareArn=share_arn, resourceArns=[tgw_arn()]), associate)
    refused(lambda: ram.associate_resource_share(resourceShareArn=share_arn, resourceArns=[subnet_arn(), tgw_arn()]),
            associate)
    # A principal alone names no resource type: not allowed either.
    refused(lambda: ram.associate_resource_share(resourceShareArn=share_arn, principals=[ACCOUNT_C]), associate)
    assert ram_state(root) == before and share_resources(root, share_arn) == {first, second}
    # A share root made, untagged: refused, naming that share.
    plain = root.create_resource_share(name="plain", resourceArns=[subnet_arn()])["resourceShare"]["resourceShareArn"]
    before = ram_state(root)
    refused(lambda: ram.associate_resource_share(resourceShareArn=plain, resourceArns=[subnet_arn()]),
            denied(net.arn, "ram:AssociateResourceShare", plain))
    # Nor anything the policy does not name, on the user's own share.
    refused(lambda: ram.delete_resource_share(resourceShareArn=share_arn),
            denied(net.arn, "ram:DeleteResourceShare", share_arn))
    refused(lambda: ram.disassociate_resource_share(resourceShareArn=share_arn, resourceArns=[first]),
            denied(net.arn, "ram:DisassociateResourceShare", share_arn))
    refused(lambda: ram.update_resource_share(resourceShareArn=share_arn, name="renamed"),
            denied(net.arn, "ram:UpdateResourceShare", share_arn))
    refused(lambda: ram.untag_resource(resourceShareArn=share_arn, tagKeys=["team"]),
            denied(net.arn, "ram:UntagResource", share_arn))
    refused(lambda: ram.delete_resource_share(resourceShareArn=plain), denied(net.arn, "ram:DeleteResourceShare", plain))
    assert ram_state(root) == before
    assert share_status(root, share_arn) == "ACTIVE" and share_status(root, plain) == "ACTIVE"
    assert share_resources(root, share_arn) == {first, second}
    got = root.get_resource_shares(resourceOwner="SELF", resourceShareArns=[share_arn])["resourceShares"][0]
    assert got["name"] == "net-subnets" and got["tags"] == NET

    # The refusals are the user's: root does all of it.
    root.associate_resource_share(resourceShareArn=share_arn, resourceArns=[tgw_arn()])
    root.delete_resource_share(resourceShareArn=share_arn)
    root.delete_resource_share(resourceShareArn=plain)


# ---------------------------------------------------------------------------- how policies combine


def test_an_explicit_deny_beats_administrator_access(world):
    u = world.user("admin", managed=[ADMIN], inline=policy(
        allow("ram:DeleteResourceShare", "ram:DisassociateResourceShare", effect="Deny"),
        # A share that allows external principals (the default when the request does not say) is denied.
        allow("ram:CreateResourceShare", effect="Deny",
              condition={"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}}),
    ))
    ram, root = u.client(), world.root()
    create = denied(u.arn, "ram:CreateResourceShare", explicit=True)
    before = ram_state(root)
    refused(lambda: ram.create_resource_share(name="open", resourceArns=[tgw_arn()]), create)
    refused(lambda: ram.create_resource_share(name="open", resourceArns=[tgw_arn()], allowExternalPrincipals=True),
            create)
    assert ram_state(root) == before
    arn = ram.create_resource_share(name="closed", resourceArns=[tgw_arn()],
                                    allowExternalPrincipals=False)["resourceShare"]["resourceShareArn"]
    # The rest of AdministratorAccess holds: RAM, IAM, Organizations.
    ram.update_resource_share(resourceShareArn=arn, name="closed-renamed")
    ram.tag_resource(resourceShareArn=arn, tags=NET)
    assert u.client("iam").get_user()["User"]["Arn"] == u.arn
    assert u.client("organizations").describe_organization()["Organization"]["Id"] == world.org["Id"]

    before = ram_state(root)
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn),
            denied(u.arn, "ram:DeleteResourceShare", arn, explicit=True))
    refused(lambda: ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()]),
            denied(u.arn, "ram:DisassociateResourceShare", arn, explicit=True))
    assert ram_state(root) == before and share_status(root, arn) == "ACTIVE"

    # An Allow of the very action, inline or managed, changes nothing: Deny wins.
    iam = world.root("iam")
    iam.put_user_policy(UserName=u.name, PolicyName="also", PolicyDocument=json.dumps(
        policy(allow("ram:DeleteResourceShare", resource=arn))))
    iam.attach_user_policy(UserName=u.name, PolicyArn=RAM_FULL)
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn),
            denied(u.arn, "ram:DeleteResourceShare", arn, explicit=True))
    # Without the Deny, the delete goes through.
    iam.delete_user_policy(UserName=u.name, PolicyName="inline")
    assert ram.delete_resource_share(resourceShareArn=arn)["returnValue"] is True
    assert share_status(root, arn) == "DELETED"


def test_attaching_and_detaching_policies_takes_effect_on_the_next_call(world):
    iam, root = world.root("iam"), world.root()
    u = world.user("reader", managed=[RAM_READ])
    ram = u.client()
    ram.get_resource_shares(resourceOwner="SELF")
    ram.list_resource_types()
    ram.list_permissions()
    refused(lambda: ram.create_resource_share(name="nope"), denied(u.arn, "ram:CreateResourceShare"))

    iam.attach_user_policy(UserName=u.name, PolicyArn=RAM_FULL)
    arn = ram.create_resource_share(name="now-allowed")["resourceShare"]["resourceShareArn"]
    iam.detach_user_policy(UserName=u.name, PolicyArn=RAM_FULL)
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn), denied(u.arn, "ram:DeleteResourceShare", arn))
    ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])
    iam.detach_user_policy(UserName=u.name, PolicyArn=RAM_READ)
    refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), denied(u.arn, "ram:GetResourceShares"))

    # A customer managed policy: its default version is what counts, switched on the next call.
    p = iam.create_policy(PolicyName=unique("Versions"), PolicyDocument=json.dumps(
        policy(allow("ram:GetResourceShares"))))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=u.name, PolicyArn=p)
    ram.get_resource_shares(resourceOwner="SELF")
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn), denied(u.arn, "ram:DeleteResourceShare", arn))
    iam.create_policy_version(PolicyArn=p, SetAsDefault=True, PolicyDocument=json.dumps(
        policy(allow("ram:DeleteResourceShare", resource=arn))))
    refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), denied(u.arn, "ram:GetResourceShares"))
    iam.set_default_policy_version(PolicyArn=p, VersionId="v1")
    ram.get_resource_shares(resourceOwner="SELF")
    iam.set_default_policy_version(PolicyArn=p, VersionId="v2")
    assert ram.delete_resource_share(resourceShareArn=arn)["returnValue"] is True

    # An inline policy: replaced by PutUserPolicy, gone with DeleteUserPolicy.
    iam.detach_user_policy(UserName=u.name, PolicyArn=p)
    iam.put_user_policy(UserName=u.name, PolicyName="mine", PolicyDocument=json.dumps(policy(allow("ram:ListResources"))))
    ram.list_resources(resourceOwner="SELF")
    iam.put_user_policy(UserName=u.name, PolicyName="mine", PolicyDocument=json.dumps(policy(allow("ram:ListPrincipals"))))
    refused(lambda: ram.list_resources(resourceOwner="SELF"), denied(u.arn, "ram:ListResources"))
    ram.list_principals(resourceOwner="SELF")
    iam.delete_user_policy(UserName=u.name, PolicyName="mine")
    refused(lambda: ram.list_principals(resourceOwner="SELF"), denied(u.arn, "ram:ListPrincipals"))
    # ReadOnlyAccess reads RAM, IAM and Organizations and changes none of them.
    iam.attach_user_policy(UserName=u.name, PolicyArn=READ_ONLY)
    ram.get_resource_shares(resourceOwner="SELF")
    u.client("iam").list_users()
    u.client("organizations").list_accounts()
    refused(lambda: ram.create_resource_share(name="nope"), denied(u.arn, "ram:CreateResourceShare"))
    refused(lambda: u.client("iam").create_user(UserName=unique("x")), code="AccessDenied")
    assert share_status(root, arn) == "DELETED"


def test_a_role_key_acts_under_the_roles_policies(world):
    """`ramd accounts create --principal-arn` for a role makes it with AdministratorAccess: its key is
    allowed everything, until the policy is detached."""
    role_arn = f"arn:aws:iam::{ACCOUNT_A}:role/deployer"
    creds = ramd_accounts_create(world.data_dir, ACCOUNT_A, principal_arn=role_arn)
    role = Principal(world.url, "deployer", role_arn, (creds["accessKeyId"], creds["secretAccessKey"]))
    ram, iam, root = role.client(), world.root("iam"), world.root()
    assert iam.list_attached_role_policies(RoleName="deployer")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]
    arn = ram.create_resource_share(name="by-deployer", resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    assert role.client("iam").get_role(RoleName="deployer")["Role"]["Arn"] == role_arn

    iam.detach_role_policy(RoleName="deployer", PolicyArn=ADMIN)
    before = ram_state(root)
    refused(lambda: ram.create_resource_share(name="refused"), denied(role_arn, "ram:CreateResourceShare"))
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn), denied(role_arn, "ram:DeleteResourceShare", arn))
    refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), denied(role_arn, "ram:GetResourceShares"))
    refused(lambda: role.client("iam").get_role(RoleName="deployer"),
            denied(role_arn, "iam:GetRole", role_arn), code="AccessDenied")
    assert ram_state(root) == before
    # Its identity needs no permission.
    assert role.client("sts").get_caller_identity()["Arn"] == role_arn

    # An inline role policy; a role's keys are of type AssumedRole (a user's of type User).
    iam.put_role_policy(RoleName="deployer", PolicyName="reads", PolicyDocument=json.dumps(policy(
        allow("ram:GetResourceShares", condition={"StringEquals": {"aws:PrincipalType": "AssumedRole"}}),
        allow("ram:ListResources", condition={"StringEquals": {"aws:PrincipalType": "User"}}),
    )))
    assert arn in {s["resourceShareArn"] for s in every(ram.get_resource_shares, "resourceShares", resourceOwner="SELF")}
    refused(lambda: ram.list_resources(resourceOwner="SELF"), denied(role_arn, "ram:ListResources"))
    iam.delete_role_policy(RoleName="deployer", PolicyName="reads")
    refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), denied(role_arn, "ram:GetResourceShares"))
    iam.attach_role_policy(RoleName="deployer", PolicyArn=ADMIN)
    assert ram.delete_resource_share(resourceShareArn=arn)["returnValue"] is True


def test_not_action_and_not_resource(world):
    root = world.root()
    keep = root.create_resource_share(name="keep")["resourceShare"]["resourceShareArn"]
    doomed = root.create_resource_share(name="doomed")["resourceShare"]["resourceShareArn"]
    u = world.user("notty", inline=policy(
        # Everything of RAM but deleting.
        {"Effect": "Allow", "NotAction": ["ram:Delete*", "iam:*", "organizations:*"], "Resource": "*"},
        # Deleting only `doomed`: a Deny of every other resource.
        {"Effect": "Allow", "Action": "ram:DeleteResourceShare", "Resource": "*"},
        {"Effect": "Deny", "Action": "ram:DeleteResourceShare", "NotResource": doomed},
    ))
    ram = u.client()
    arn = ram.create_resource_share(name="mine", tags=NET)["resourceShare"]["resourceShareArn"]
    ram.update_resource_share(resourceShareArn=keep, name="kept")
    refused(lambda: ram.delete_permission(permissionArn=f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/Nothing"),
            denied(u.arn, "ram:DeletePermission", f"arn:aws:ram:{REGION}:{ACCOUNT_A}:permission/Nothing"))
    refused(lambda: u.client("iam").list_users(), denied(u.arn, "iam:ListUsers"), code="AccessDenied")
    refused(lambda: u.client("organizations").describe_organization(),
            denied(u.arn, "organizations:DescribeOrganization"), status=400)
    before = ram_state(root)
    for share in (keep, arn):
        refused(lambda: ram.delete_resource_share(resourceShareArn=share),
                denied(u.arn, "ram:DeleteResourceShare", share, explicit=True))
    assert ram_state(root) == before
    assert ram.delete_resource_share(resourceShareArn=doomed)["returnValue"] is True
    assert share_status(root, doomed) == "DELETED" and share_status(root, keep) == "ACTIVE"
    for share in (keep, arn):
        root.delete_resource_share(resourceShareArn=share)


def test_a_user_with_no_policy_is_refused_everything_but_who_it_is(world):
    u = world.user("nobody", path="/staff/")
    assert u.arn == f"arn:aws:iam::{ACCOUNT_A}:user/staff/{u.name}"
    ram, iam, orgs = u.client(), u.client("iam"), u.client("organizations")
    root = world.root()
    share = root.create_resource_share(name="theirs", resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    before = ram_state(root)
    for action, call in [
        ("GetResourceShares", lambda: ram.get_resource_shares(resourceOwner="SELF")),
        ("ListResources", lambda: ram.list_resources(resourceOwner="SELF")),
        ("ListResourceTypes", lambda: ram.list_resource_types()),
        ("ListPermissions", lambda: ram.list_permissions()),
        ("GetResourceShareInvitations", lambda: ram.get_resource_share_invitations()),
        ("CreateResourceShare", lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn()])),
        ("CreatePermission", lambda: ram.create_permission(name=unique("P"), resourceType="codebuild:Project",
                                                            policyTemplate=PROJECT_TEMPLATE)),
        ("EnableSharingWithAwsOrganization", lambda: ram.enable_sharing_with_aws_organization()),
    ]:
        refused(call, denied(u.arn, f"ram:{action}"))
    for action, call in [
        ("DeleteResourceShare", lambda: ram.delete_resource_share(resourceShareArn=share)),
        ("AssociateResourceShare", lambda: ram.associate_resource_share(resourceShareArn=share,
                                                                        resourceArns=[tgw_arn()])),
        ("ListResourceSharePermissions", lambda: ram.list_resource_share_permissions(resourceShareArn=share)),
    ]:
        refused(call, denied(u.arn, f"ram:{action}", share))
    refused(lambda: ram.get_permission(permissionArn=TGW_PERMISSION), denied(u.arn, "ram:GetPermission", TGW_PERMISSION))
    assert ram_state(root) == before
    # IAM: itself (no UserName) is the resource; listings are on `*`.
    refused(lambda: iam.get_user(), denied(u.arn, "iam:GetUser", u.arn), code="AccessDenied")
    refused(lambda: iam.list_access_keys(), denied(u.arn, "iam:ListAccessKeys", u.arn), code="AccessDenied")
    refused(lambda: iam.create_access_key(), denied(u.arn, "iam:CreateAccessKey", u.arn), code="AccessDenied")
    refused(lambda: iam.list_users(), denied(u.arn, "iam:ListUsers"), code="AccessDenied")
    refused(lambda: iam.list_policies(), denied(u.arn, "iam:ListPolicies"), code="AccessDenied")
    refused(lambda: iam.attach_user_policy(UserName=u.name, PolicyArn=ADMIN),
            denied(u.arn, "iam:AttachUserPolicy", ADMIN), code="AccessDenied")
    assert world.root("iam").list_attached_user_policies(UserName=u.name)["AttachedPolicies"] == []
    assert [k["AccessKeyId"] for k in world.root("iam").list_access_keys(UserName=u.name)["AccessKeyMetadata"]] == [u.key[0]]
    # Organizations: AccessDeniedException with HTTP 400, as its JSON protocol answers.
    refused(lambda: orgs.describe_organization(), denied(u.arn, "organizations:DescribeOrganization"), status=400)
    refused(lambda: orgs.list_accounts(), denied(u.arn, "organizations:ListAccounts"), status=400)
    # STS GetCallerIdentity needs no permission, on AWS as in ramd.
    me = u.client("sts").get_caller_identity()
    assert me["Arn"] == u.arn and me["Account"] == ACCOUNT_A
    root.delete_resource_share(resourceShareArn=share)


def test_the_root_key_is_never_restricted(world):
    """Root is no IAM principal: no policy names it, and a user's Deny of everything leaves it alone."""
    world.user("denier", inline=policy(allow("*", effect="Deny")))
    root, iam, orgs = world.root(), world.root("iam"), world.root("organizations")
    assert world.root("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:root"
    arn = root.create_resource_share(name="roots-share", resourceArns=[subnet_arn(), tgw_arn()], principals=[ACCOUNT_B],
                                     tags=[{"key": "team", "value": "web"}])["resourceShare"]["resourceShareArn"]
    root.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()])
    root.update_resource_share(resourceShareArn=arn, name="roots-share-renamed")
    root.untag_resource(resourceShareArn=arn, tagKeys=["team"])
    root.list_resource_share_permissions(resourceShareArn=arn)
    assert root.delete_resource_share(resourceShareArn=arn)["returnValue"] is True
    iam.list_users()
    iam.list_policies(Scope="Local")
    orgs.describe_organization()
    orgs.list_accounts()
    # The other accounts' root keys too.
    world.root(account=ACCOUNT_B).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    world.root("iam", ACCOUNT_C).list_users()


# --------------------------------------------------------------------------------- condition keys


def test_request_keys_are_checked_per_resource_and_principal(world):
    """ram:Principal, ram:ResourceArn, aws:TagKeys, ram:ResourceShareName: a call naming several
    principals or resources is allowed only if each (resource, principal) pair is."""
    root = world.root()
    u = world.user("keys", inline=policy(
        allow("ram:CreateResourceShare", condition={
            "StringEquals": {"ram:Principal": ACCOUNT_B},
            "StringLike": {"ram:ResourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT_A}:transit-gateway/*"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
        }),
        allow("ram:UpdateResourceShare", "ram:DeleteResourceShare",
              condition={"StringLike": {"ram:ResourceShareName": "scratch-*"}}),
    ))
    ram = u.client()
    arn = ram.create_resource_share(name="scratch-1", resourceArns=[tgw_arn(), tgw_arn()], principals=[ACCOUNT_B],
                                    tags=[{"key": "team", "value": "net"}, {"key": "env", "value": "dev"}]
                                    )["resourceShare"]["resourceShareArn"]
    create = denied(u.arn, "ram:CreateResourceShare")
    before = ram_state(root)
    refused(lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_B, ACCOUNT_C]),
            create)
    refused(lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_C]), create)
    refused(lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn(), subnet_arn()],
                                              principals=[ACCOUNT_B]), create)
    refused(lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn(ACCOUNT_B)], principals=[ACCOUNT_B]),
            create)
    refused(lambda: ram.create_resource_share(name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_B],
                                              tags=[{"key": "cost", "value": "1"}]), create)
    assert ram_state(root) == before

    other = root.create_resource_share(name="production")["resourceShare"]["resourceShareArn"]
    before = ram_state(root)
    refused(lambda: ram.delete_resource_share(resourceShareArn=other), denied(u.arn, "ram:DeleteResourceShare", other))
    refused(lambda: ram.update_resource_share(resourceShareArn=other, name="scratch-2"),
            denied(u.arn, "ram:UpdateResourceShare", other))
    assert ram_state(root) == before
    # The name checked is the share's stored one.
    ram.update_resource_share(resourceShareArn=arn, name="renamed")
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn), denied(u.arn, "ram:DeleteResourceShare", arn))
    root.update_resource_share(resourceShareArn=arn, name="scratch-again")
    assert ram.delete_resource_share(resourceShareArn=arn)["returnValue"] is True
    root.delete_resource_share(resourceShareArn=other)


def test_permission_calls_are_checked_on_the_permission(world):
    """GetPermission and friends act on the permission's ARN, with ram:PermissionResourceType and, for a
    customer managed one, its tags (aws:ResourceTag); CreatePermission on `*` with aws:RequestTag."""
    root = world.root()
    u = world.user("perms", inline=policy(
        allow("ram:GetPermission", condition={"StringEquals": {"ram:PermissionResourceType": "ec2:Subnet"}}),
        allow("ram:CreatePermission", condition={"StringEquals": {"aws:RequestTag/team": "net",
                                                                  "ram:PermissionResourceType": "codebuild:Project"}}),
        allow("ram:GetPermission", "ram:DeletePermission", "ram:CreatePermissionVersion",
              condition={"StringEquals": {"aws:ResourceTag/team": "net"}}),
    ))
    ram = u.client()
    assert ram.get_permission(permissionArn=SUBNET_PERMISSION)["permission"]["arn"] == SUBNET_PERMISSION
    refused(lambda: ram.get_permission(permissionArn=TGW_PERMISSION), denied(u.arn, "ram:GetPermission", TGW_PERMISSION))

    name = unique("NetProjects").replace("-", "")
    mine = ram.create_permission(name=name, resourceType="codebuild:Project", policyTemplate=PROJECT_TEMPLATE,
                                 tags=NET)["permission"]["arn"]
    refused(lambda: ram.create_permission(name=name + "Untagged", resourceType="codebuild:Project",
                                          policyTemplate=PROJECT_TEMPLATE), denied(u.arn, "ram:CreatePermission"))
    assert ram.get_permission(permissionArn=mine)["permission"]["name"] == name
    ram.create_permission_version(permissionArn=mine, policyTemplate=PROJECT_TEMPLATE)

    theirs = root.create_permission(name=name + "Root", resourceType="codebuild:Project",
                                    policyTemplate=PROJECT_TEMPLATE)["permission"]["arn"]
    refused(lambda: ram.get_permission(permissionArn=theirs), denied(u.arn, "ram:GetPermission", theirs))
    refused(lambda: ram.delete_permission(permissionArn=theirs), denied(u.arn, "ram:DeletePermission", theirs))
    refused(lambda: ram.create_permission_version(permissionArn=theirs, policyTemplate=PROJECT_TEMPLATE),
            denied(u.arn, "ram:CreatePermissionVersion", theirs))
    assert root.get_permission(permissionArn=theirs)["permission"]["version"] == "1"
    assert root.list_permission_versions(permissionArn=theirs)["permissions"][0]["status"] == "ATTACHABLE"
    # Tagged team=net by root, it is the user's to read.
    root.tag_resource(resourceArn=theirs, tags=NET)
    assert ram.get_permission(permissionArn=theirs)["permission"]["arn"] == theirs
    refused(lambda: ram.list_permissions(), denied(u.arn, "ram:ListPermissions"))
    assert ram.delete_permission(permissionArn=mine)["returnValue"] is True
    assert ram.delete_permission(permissionArn=theirs)["returnValue"] is True


def test_principal_tags_and_type(world):
    rule = policy(allow("ram:GetResourceShares", "ram:CreateResourceShare",
                        condition={"StringEquals": {"aws:PrincipalTag/team": "net", "aws:PrincipalType": "User"}}))
    net = world.user("tagged", tags={"team": "net"}, inline=rule)
    web = world.user("tagged", tags={"team": "web"}, inline=rule)
    bare = world.user("untagged", inline=rule)
    net.client().get_resource_shares(resourceOwner="SELF")
    arn = net.client().create_resource_share(name="by-net")["resourceShare"]["resourceShareArn"]
    for other in (web, bare):
        refused(lambda: other.client().get_resource_shares(resourceOwner="SELF"),
                denied(other.arn, "ram:GetResourceShares"))
        refused(lambda: other.client().create_resource_share(name="by-other"), denied(other.arn, "ram:CreateResourceShare"))
    world.root().delete_resource_share(resourceShareArn=arn)


def test_global_keys_source_ip_time_region_and_organization(world):
    root = world.root()
    local = world.user("local", inline=policy(
        allow("ram:GetResourceShares", condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    remote = world.user("remote", inline=policy(
        allow("ram:GetResourceShares", condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    not_remote = world.user("notremote", inline=policy(
        allow("ram:GetResourceShares", condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    local.client().get_resource_shares(resourceOwner="SELF")
    not_remote.client().get_resource_shares(resourceOwner="SELF")
    refused(lambda: remote.client().get_resource_shares(resourceOwner="SELF"),
            denied(remote.arn, "ram:GetResourceShares"))
    # Plain HTTP: aws:SecureTransport is false; a Deny of insecure transport refuses.
    secure = world.user("secure", managed=[RAM_READ], inline=policy(
        allow("ram:*", effect="Deny", condition={"Bool": {"aws:SecureTransport": "false"}})))
    refused(lambda: secure.client().list_resources(resourceOwner="SELF"),
            denied(secure.arn, "ram:ListResources", explicit=True))

    # aws:CurrentTime and aws:EpochTime.
    timed = world.user("timed", inline=policy(
        allow("ram:GetResourceShares", condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        allow("ram:ListResources", condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
        allow("ram:ListPrincipals", condition={"NumericGreaterThan": {"aws:EpochTime": "1577836800"}}),
    ))
    timed.client().get_resource_shares(resourceOwner="SELF")
    timed.client().list_principals(resourceOwner="SELF")
    refused(lambda: timed.client().list_resources(resourceOwner="SELF"), denied(timed.arn, "ram:ListResources"))

    # aws:RequestedRegion: the Region the request is signed for.
    regional = world.user("regional", inline=policy(
        allow("ram:CreateResourceShare", "ram:DeleteResourceShare",
              condition={"StringEquals": {"aws:RequestedRegion": REGION}})))
    arn = regional.client().create_resource_share(name="east")["resourceShare"]["resourceShareArn"]
    before = ram_state(world.root(region=OTHER_REGION))
    refused(lambda: regional.client(region=OTHER_REGION).create_resource_share(name="west"),
            denied(regional.arn, "ram:CreateResourceShare"))
    assert ram_state(world.root(region=OTHER_REGION)) == before
    regional.client().delete_resource_share(resourceShareArn=arn)

    # aws:PrincipalOrgID / aws:PrincipalOrgPaths: B is in A's organization, C in none.
    org_only = policy(
        allow("ram:GetResourceShares", condition={"StringEquals": {"aws:PrincipalOrgID": world.org["Id"]}}),
        allow("ram:ListResources", condition={"ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": f"{world.org['Id']}/{world.org_root['Id']}/*"}}),
    )
    member = world.user("member", account=ACCOUNT_B, inline=org_only)
    outsider = world.user("outsider", account=ACCOUNT_C, inline=org_only)
    member.client().get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    member.client().list_resources(resourceOwner="OTHER-ACCOUNTS")
    refused(lambda: outsider.client().get_resource_shares(resourceOwner="OTHER-ACCOUNTS"),
            denied(outsider.arn, "ram:GetResourceShares"))
    refused(lambda: outsider.client().list_resources(resourceOwner="OTHER-ACCOUNTS"),
            denied(outsider.arn, "ram:ListResources"))
    assert root.get_resource_shares(resourceOwner="SELF")  # root reads as ever


def test_username_policy_variable_in_iam_resources(world):
    iam = world.root("iam")
    doc = policy(allow("iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey",
                       resource=f"arn:aws:iam::{ACCOUNT_A}:user/${{aws:username}}"))
    me = world.user("self", inline=doc)
    other = world.user("other", path="/team/")
    mine = me.client("iam")
    assert mine.get_user()["User"]["Arn"] == me.arn
    assert mine.get_user(UserName=me.name)["User"]["UserName"] == me.name
    assert [k["AccessKeyId"] for k in mine.list_access_keys()["AccessKeyMetadata"]] == [me.key[0]]
    second = mine.create_access_key()["AccessKey"]
    assert second["UserName"] == me.name
    mine.delete_access_key(AccessKeyId=second["AccessKeyId"])

    other_arn = f"arn:aws:iam::{ACCOUNT_A}:user/team/{other.name}"
    assert other.arn == other_arn
    refused(lambda: mine.get_user(UserName=other.name), denied(me.arn, "iam:GetUser", other_arn),
            code="AccessDenied")
    refused(lambda: mine.create_access_key(UserName=other.name), denied(me.arn, "iam:CreateAccessKey", other_arn),
            code="AccessDenied")
    refused(lambda: mine.delete_access_key(UserName=other.name, AccessKeyId=other.key[0]),
            denied(me.arn, "iam:DeleteAccessKey", other_arn), code="AccessDenied")
    refused(lambda: mine.list_users(), denied(me.arn, "iam:ListUsers"), code="AccessDenied")
    refused(lambda: mine.create_user(UserName=unique("made")), code="AccessDenied")
    refused(lambda: mine.delete_user(UserName=other.name), denied(me.arn, "iam:DeleteUser", other_arn),
            code="AccessDenied")
    # Nothing changed: the other user and its one key are there.
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName=other.name)["AccessKeyMetadata"]] == [other.key[0]]
    assert iam.get_user(UserName=other.name)["User"]["Arn"] == other_arn
    assert not [u for u in iam.list_users()["Users"] if u["UserName"].startswith("made-")]


def test_organizations_calls_are_refused_as_organizations_refuses(world):
    root_orgs = world.root("organizations")
    u = world.user("orgs", managed=[RAM_FULL])
    orgs = u.client("organizations")
    refused(lambda: orgs.describe_organization(), denied(u.arn, "organizations:DescribeOrganization"), status=400)
    units = lambda: root_orgs.list_organizational_units_for_parent(ParentId=world.org_root["Id"])["OrganizationalUnits"]  # noqa: E731
    before = units()
    refused(lambda: orgs.create_organizational_unit(ParentId=world.org_root["Id"], Name="refused"),
            denied(u.arn, "organizations:CreateOrganizationalUnit"), status=400)
    world.root("iam").attach_user_policy(UserName=u.name, PolicyArn=ORGS_READ)
    assert orgs.describe_organization()["Organization"]["Id"] == world.org["Id"]
    assert {a["Id"] for a in orgs.list_accounts()["Accounts"]} >= {ACCOUNT_A, ACCOUNT_B}
    refused(lambda: orgs.create_organizational_unit(ParentId=world.org_root["Id"], Name="refused"),
            denied(u.arn, "organizations:CreateOrganizationalUnit"), status=400)
    assert units() == before
    # RAM is allowed all along (AWSResourceAccessManagerFullAccess).
    u.client().get_resource_shares(resourceOwner="SELF")


def test_accepting_an_invitation_is_checked_on_the_invitation_and_its_owner(world):
    """A user of the receiving account (C, outside any organization) may accept only A's invitations:
    ram:ShareOwnerAccountId is the sender of the invitation named."""
    from_a = world.root().create_resource_share(name="to-c", resourceArns=[tgw_arn()], principals=[ACCOUNT_C]
                                                )["resourceShare"]["resourceShareArn"]
    from_b = world.root(account=ACCOUNT_B).create_resource_share(
        name="to-c", resourceArns=[tgw_arn(ACCOUNT_B)], principals=[ACCOUNT_C])["resourceShare"]["resourceShareArn"]
    acceptor = world.user("acceptor", account=ACCOUNT_C, inline=policy(
        allow("ram:AcceptResourceShareInvitation", "ram:ListPendingInvitationResources",
              condition={"StringEquals": {"ram:ShareOwnerAccountId": ACCOUNT_A}}),
        allow("ram:GetResourceShareInvitations"),
    ))
    ram = acceptor.client()
    invitations = {i["resourceShareArn"]: i for i in ram.get_resource_share_invitations(
        resourceShareArns=[from_a, from_b])["resourceShareInvitations"]}
    inv_a, inv_b = (invitations[s]["resourceShareInvitationArn"] for s in (from_a, from_b))
    assert {i["status"] for i in invitations.values()} == {"PENDING"}
    assert invitations[from_b]["senderAccountId"] == ACCOUNT_B

    assert ram.list_pending_invitation_resources(resourceShareInvitationArn=inv_a)["resources"]
    refused(lambda: ram.list_pending_invitation_resources(resourceShareInvitationArn=inv_b),
            denied(acceptor.arn, "ram:ListPendingInvitationResources", inv_b))
    refused(lambda: ram.accept_resource_share_invitation(resourceShareInvitationArn=inv_b),
            denied(acceptor.arn, "ram:AcceptResourceShareInvitation", inv_b))
    refused(lambda: ram.reject_resource_share_invitation(resourceShareInvitationArn=inv_b),
            denied(acceptor.arn, "ram:RejectResourceShareInvitation", inv_b))
    refused(lambda: ram.reject_resource_share_invitation(resourceShareInvitationArn=inv_a),
            denied(acceptor.arn, "ram:RejectResourceShareInvitation", inv_a))
    status = lambda arn: world.root(account=ACCOUNT_C).get_resource_share_invitations(  # noqa: E731
        resourceShareInvitationArns=[arn])["resourceShareInvitations"][0]["status"]
    assert status(inv_a) == "PENDING" and status(inv_b) == "PENDING"

    accepted = ram.accept_resource_share_invitation(resourceShareInvitationArn=inv_a)["resourceShareInvitation"]
    assert accepted["status"] == "ACCEPTED" and accepted["senderAccountId"] == ACCOUNT_A
    assert status(inv_a) == "ACCEPTED" and status(inv_b) == "PENDING"
    received = world.root(account=ACCOUNT_C).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    assert from_a in {s["resourceShareArn"] for s in received} and from_b not in {s["resourceShareArn"] for s in received}
    # C's root rejects B's.
    world.root(account=ACCOUNT_C).reject_resource_share_invitation(resourceShareInvitationArn=inv_b)
    world.root().delete_resource_share(resourceShareArn=from_a)
    world.root(account=ACCOUNT_B).delete_resource_share(resourceShareArn=from_b)


# ------------------------------------------------------------------------------------- trust mode


def test_in_trust_mode_a_key_ramd_issued_acts_as_its_user(ramd):
    """In trust mode the key id says who calls; a key made by CreateAccessKey is its user, whose
    policies apply (the signature is not checked)."""
    iam = make_client(ramd.url, service="iam", account=ACCOUNT_A)
    name = unique("trusted")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    ram = make_client(ramd.url, account=key, secret="anything")
    assert make_client(ramd.url, service="sts", account=key, secret="wrong").get_caller_identity()["Arn"] == arn
    refused(lambda: ram.create_resource_share(name="refused"), denied(arn, "ram:CreateResourceShare"))
    assert make_client(ramd.url, account=ACCOUNT_A).get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    iam.put_user_policy(UserName=name, PolicyName="share", PolicyDocument=json.dumps(
        policy(allow("ram:CreateResourceShare", condition={"StringEquals": {"aws:RequestTag/team": "net"}}))))
    made = ram.create_resource_share(name="allowed", tags=NET)["resourceShare"]
    assert made["owningAccountId"] == ACCOUNT_A
    refused(lambda: ram.get_resource_shares(resourceOwner="SELF"), denied(arn, "ram:GetResourceShares"))
    # The account's root (the account id as the key) is not restricted.
    assert [s["name"] for s in make_client(ramd.url, account=ACCOUNT_A).get_resource_shares(
        resourceOwner="SELF")["resourceShares"]] == ["allowed"]



def test_policy_language_details(world):
    """Action names and condition key names match regardless of case; ForAllValues holds of no values;
    Null and ...IfExists test presence; policy variables work in condition values; Resource patterns;
    ram:RequestedAllowsExternalPrincipals on UpdateResourceShare only when the request gives it;
    aws:RequestTag and aws:TagKeys on TagResource."""
    root = world.root()
    u = world.user("lang", tags={"team": "net"}, inline=policy(
        allow("RAM:createresourceshare", condition={"ForAllValues:StringEquals": {"AWS:TagKeys": ["team", "owner"]},
                                                    "StringEqualsIfExists": {
                                                        "aws:requesttag/owner": "${aws:username}",
                                                        "AWS:RequestTag/team": "${aws:PrincipalTag/team}"}}),
        allow("ram:AssociateResourceShare", resource=f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/*"),
        allow("ram:UpdateResourceShare", condition={"BoolIfExists": {"ram:RequestedAllowsExternalPrincipals": "false"}}),
        allow("ram:TagResource", condition={"StringEquals": {"aws:RequestTag/team": "net"},
                                            "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
        allow("ram:DisassociateResourceShare", condition={"Null": {"ram:ResourceArn": "false"}}),
    ))
    ram = u.client()
    create = denied(u.arn, "ram:CreateResourceShare")
    made = [
        ram.create_resource_share(name="no-tags"),  # no tag keys: ForAllValues holds
        ram.create_resource_share(name="owner", tags=[{"key": "owner", "value": u.name}, *NET]),
    ]
    before = ram_state(root)
    refused(lambda: ram.create_resource_share(name="other-key", tags=[{"key": "env", "value": "x"}]), create)
    refused(lambda: ram.create_resource_share(name="not-owner", tags=[{"key": "owner", "value": "someone"}]), create)
    refused(lambda: ram.create_resource_share(name="not-team", tags=[{"key": "team", "value": "web"}]), create)
    assert ram_state(root) == before

    arn = root.create_resource_share(name="lang")["resourceShare"]["resourceShareArn"]
    resource = tgw_arn()
    ram.associate_resource_share(resourceShareArn=arn, resourceArns=[resource])
    elsewhere = arn.replace(REGION, OTHER_REGION)
    refused(lambda: u.client(region=OTHER_REGION).associate_resource_share(resourceShareArn=elsewhere,
                                                                           resourceArns=[tgw_arn(region=OTHER_REGION)]),
            denied(u.arn, "ram:AssociateResourceShare", elsewhere))

    ram.update_resource_share(resourceShareArn=arn, name="lang-renamed")  # the key is absent: IfExists holds
    ram.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=False)
    ram.tag_resource(resourceShareArn=arn, tags=NET)
    before = ram_state(root)
    refused(lambda: ram.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=True),
            denied(u.arn, "ram:UpdateResourceShare", arn))
    for tags in ([*NET, {"key": "env", "value": "x"}], [{"key": "team", "value": "web"}]):
        refused(lambda: ram.tag_resource(resourceShareArn=arn, tags=tags), denied(u.arn, "ram:TagResource", arn))
    # Null: a disassociation naming no resource has no ram:ResourceArn.
    refused(lambda: ram.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B]),
            denied(u.arn, "ram:DisassociateResourceShare", arn))
    assert ram_state(root) == before
    got = root.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"][0]
    assert got["tags"] == NET and got["allowExternalPrincipals"] is False and got["name"] == "lang-renamed"
    ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[resource])
    assert share_resources(root, arn) == set()
    for share in [arn] + [m["resourceShare"]["resourceShareArn"] for m in made]:
        root.delete_resource_share(resourceShareArn=share)


def test_a_refused_call_leaves_no_idempotency_record(world):
    """A clientToken sent with a refused call is not spent: once allowed, the same token creates."""
    u = world.user("idem")
    root = world.root()
    token = str(uuid.uuid4())
    before = ram_state(root)
    refused(lambda: u.client().create_resource_share(name="idem", clientToken=token),
            denied(u.arn, "ram:CreateResourceShare"))
    assert ram_state(root) == before
    world.root("iam").attach_user_policy(UserName=u.name, PolicyArn=RAM_FULL)
    first = u.client().create_resource_share(name="idem", clientToken=token)
    again = u.client().create_resource_share(name="idem", clientToken=token)
    assert first["resourceShare"]["resourceShareArn"] == again["resourceShare"]["resourceShareArn"]
    assert first["clientToken"] == token
    # A token root spent is no way around a refusal: the user is refused before the replay.
    spent = str(uuid.uuid4())
    root.create_resource_share(name="roots", clientToken=spent)
    world.root("iam").detach_user_policy(UserName=u.name, PolicyArn=RAM_FULL)
    refused(lambda: u.client().create_resource_share(name="roots", clientToken=spent),
            denied(u.arn, "ram:CreateResourceShare"))


# ------------------------------------------------------------------- access decisions, identity side


def test_an_access_decision_can_include_the_principals_identity_side(world):
    """`POST /checkaccess` with includeIdentity (and `ramd check-access --identity`) answers the
    principal's side too: its identity policies (and SCPs), with AWS's refusal as the reason; across
    accounts both sides must allow, within one the identity side decides."""
    root = world.root()
    tgw = tgw_arn()
    share = root.create_resource_share(name=unique("decided"), resourceArns=[tgw], principals=[ACCOUNT_B])
    arn = share["resourceShare"]["resourceShareArn"]
    # B is in A's organization with sharing enabled: associated at once, no invitation.
    assert share_resources(root, arn) == {tgw}
    b_reader = world.user("reader", account=ACCOUNT_B, inline=policy(allow("ec2:DescribeTransitGateways")))
    b_nobody = world.user("nobody", account=ACCOUNT_B)

    def ask(principal, include=True, account=ACCOUNT_B):
        body = {"principal": principal, "action": "ec2:DescribeTransitGateways", "resourceArn": tgw,
                "includeIdentity": include}
        creds = world.creds[account]
        r = raw_request(world.url, "POST", "/checkaccess", body, account=creds["accessKeyId"],
                        secret=creds["secretAccessKey"])
        return r.status_code, r.json()

    status, answer = ask(b_reader.arn)
    assert status == 200, answer
    assert answer["decision"] == "ALLOW" and answer["resourceDecision"] == "ALLOW"
    assert answer["identity"] == {"decision": "ALLOW"}
    status, answer = ask(b_nobody.arn)
    assert answer["decision"] == "DENY" and answer["resourceDecision"] == "ALLOW"
    assert answer["identity"]["decision"] == "DENY"
    assert answer["identity"]["reason"] == denied(b_nobody.arn, "ec2:DescribeTransitGateways", tgw)
    # Without includeIdentity the answer is the shares' alone, as before.
    status, answer = ask(b_nobody.arn, include=False)
    assert answer["decision"] == "ALLOW" and "identity" not in answer and "resourceDecision" not in answer
    # The account's root user has no identity policies to refuse it.
    assert ask(ACCOUNT_B)[1]["identity"] == {"decision": "ALLOW"}
    # The identity side of another account's principal is not A's to ask.
    status, answer = ask(b_reader.arn, account=ACCOUNT_A)
    assert status == 403 and answer["__type"].endswith("AccessDeniedException"), answer
    # The operator's command answers the same.
    out = subprocess.run([str(RAMD_BIN), "check-access", *store_args(world.data_dir), "--principal", b_nobody.arn,
                          "--action", "ec2:DescribeTransitGateways", "--resource-arn", tgw, "--identity"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    assert cli["decision"] == "DENY" and cli["identity"]["decision"] == "DENY"
