"""AWS Organizations service control policies (SCPs): the management account's policy operations,
and what SCPs allow, driven by boto3 against a SigV4-mode server (every account its own keys from
`ramd accounts create`, IAM users their keys from CreateAccessKey).

What is asserted:
- the issue's acceptance scenario: an SCP that denies ram:CreateResourceShare with
  ram:RequestedAllowsExternalPrincipals = true, attached to the root, stops every member account (one
  under the root, one in an OU), root users included, and an IAM user with AdministratorAccess, with
  AWS's error; the same call with allowExternalPrincipals=False is allowed; the management account is
  not restricted; refused calls change nothing;
- every level of the account's path (root, each OU, the account) must allow: an OU whose only SCP
  allows ram:Get*/ram:List* lets its accounts read and nothing else ("because no service control
  policy allows"), RAM, IAM and Organizations alike (STS is not restricted); moving the account out
  of the OU, or FullAWSAccess back, restores it;
- the condition keys an SCP can test (ram:RequestedResourceType, aws:RequestTag, aws:PrincipalArn,
  aws:PrincipalOrgID, ...);
- CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy, ListPolicies, AttachPolicy,
  DetachPolicy, ListTargetsForPolicy, ListPoliciesForTarget, EnablePolicyType and DisablePolicyType,
  with every error path (codes, messages, reasons) and paging;
- FullAWSAccess on every root, OU and account when SCPs are enabled, and on every OU and account that
  comes later (CreateOrganizationalUnit, CreateAccount, an accepted invitation);
- a member's Organizations calls (LeaveOrganization blocked by an SCP);
- DisablePolicyType detaches every SCP and restores access;
- one organization's policies are invisible to another's;
- a replica notices SCPs enabled through itself at once, and (PostgreSQL) through another within 1 s;
- the tags of a policy (TagResource, UntagResource, ListTagsForResource on its id).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from dataclasses import dataclass, field

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, error_code, make_client, ramd_accounts_create, subnet_arn, tgw_arn
from test_organizations import _check_organizations_response

SCP = "SERVICE_CONTROL_POLICY"
FULL = "p-FullAWSAccess"
FULL_ARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
FULL_CONTENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
POLICY_ID = re.compile(r"^p-[a-z0-9]{8}$")
NO_PERMISSION = "You don't have permissions to access this resource."
NOT_FOUND = "We can't find a policy with the PolicyId that you specified."

# The acceptance scenario's SCP.
DENY_EXTERNAL_SHARES = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "DenyExternalShares", "Effect": "Deny", "Action": "ram:CreateResourceShare", "Resource": "*",
        "Condition": {"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}},
    }],
}


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def stmt(effect: str, *actions, condition=None, resource="*") -> dict:
    s = {"Effect": effect, "Action": list(actions), "Resource": resource}
    if condition:
        s["Condition"] = condition
    return s


READ_ONLY_RAM = doc(stmt("Allow", "ram:Get*", "ram:List*"))


def scp_denied(who: str, action: str, resource: str | None = None, explicit: bool = True) -> str:
    """AWS's words for a refusal by SCPs."""
    why = ("with an explicit deny in a service control policy" if explicit
           else f"because no service control policy allows the {action} action")
    on = f" on resource: {resource}" if resource else ""
    return f"User: {who} is not authorized to perform: {action}{on} {why}"


def refused(call, message: str | None = None, code: str = "AccessDeniedException", status: int = 403) -> dict:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    response = e.value.response
    assert error_code(e) == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    if message is not None:
        assert response["Error"]["Message"] == message, response
    return response


def org_refused(call, code: str, message: str | None = None, reason: str | None = None) -> dict:
    """An Organizations error (always 400), with its Reason when one is given."""
    response = refused(call, message, code, 400)
    if reason is not None:
        assert response.get("Reason") == reason, response
    return response


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------------------------------ world

# Fresh 12-digit account ids, from a random start (none of conftest's, nor 999999999999).
_IDS = itertools.count(random.Random().randrange(4 * 10**9, 8 * 10**9) * 100)


@dataclass
class Principal:
    url: str
    account: str
    arn: str
    key: tuple[str, str]
    _clients: dict = field(default_factory=dict, repr=False, compare=False)

    def client(self, service: str = "ram"):
        """This principal's client of `service` (made once; Organizations' answers checked against the model)."""
        if service not in self._clients:
            c = make_client(self.url, service=service, account=self.key[0], secret=self.key[1])
            if service == "organizations":
                c.meta.events.register("after-call.organizations", _check_organizations_response)
            self._clients[service] = c
        return self._clients[service]

    def ram(self):
        return self.client("ram")

    def orgs(self):
        return self.client("organizations")

    def iam(self):
        return self.client("iam")

    def user(self, managed=(), inline: dict | None = None, name: str | None = None) -> "Principal":
        """A new IAM user of this account with the given policies, and its key."""
        iam = self.iam()
        name = name or unique("user")
        made = iam.create_user(UserName=name)["User"]
        if inline is not None:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
        for arn in managed:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Principal(self.url, self.account, made["Arn"], (key["AccessKeyId"], key["SecretAccessKey"]))


@dataclass
class Env:
    url: str
    data_dir: object
    server: object

    def account(self, account_id: str | None = None) -> Principal:
        """Keys for an account's root user (a fresh account unless one is named)."""
        account_id = account_id or f"{next(_IDS) % 10**12:012d}"
        creds = ramd_accounts_create(self.data_dir, account_id)
        return Principal(self.url, account_id, f"arn:aws:iam::{account_id}:root",
                         (creds["accessKeyId"], creds["secretAccessKey"]))


@dataclass
class Org:
    """A management account, m1 (a member under the root) and m2 (a member in the OU `ou`)."""
    mgmt: Principal
    m1: Principal
    m2: Principal
    org: dict
    root: dict
    ou: dict

    @property
    def mg(self):
        return self.mgmt.orgs()

    def invite(self, member: Principal) -> None:
        handshake = self.mg.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": member.account})["Handshake"]
        member.orgs().accept_handshake(HandshakeId=handshake["Id"])

    def enable(self) -> dict:
        return self.mg.enable_policy_type(RootId=self.root["Id"], PolicyType=SCP)["Root"]

    def scp(self, content: dict, name: str | None = None, description: str = "", **kw) -> dict:
        """A new SCP's summary."""
        return self.mg.create_policy(Name=name or unique("scp"), Description=description, Type=SCP,
                                     Content=json.dumps(content), **kw)["Policy"]["PolicySummary"]

    def attached(self, target: str) -> list[str]:
        return [p["Id"] for p in self.mg.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"]]


def new_org(env: Env, enable: bool = False, feature_set: str = "ALL") -> Org:
    mgmt, m1, m2 = env.account(), env.account(), env.account()
    mg = mgmt.orgs()
    org = mg.create_organization(FeatureSet=feature_set)["Organization"]
    root = mg.list_roots()["Roots"][0]
    ou = mg.create_organizational_unit(ParentId=root["Id"], Name="workloads")["OrganizationalUnit"]
    o = Org(mgmt, m1, m2, org, root, ou)
    o.invite(m1)
    o.invite(m2)
    mg.move_account(AccountId=m2.account, SourceParentId=root["Id"], DestinationParentId=ou["Id"])
    if enable:
        o.enable()
    return o


@pytest.fixture(scope="module")
def env(ramd_factory, tmp_path_factory) -> Env:
    data_dir = tmp_path_factory.mktemp("scp")
    ramd_accounts_create(data_dir, ACCOUNT_A)  # makes the store (and its master key) before the server
    server = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    return Env(server.url, data_dir, server)


def every(call, key: str, token_name: str = "nextToken", **kw) -> tuple[list, int]:
    """Every item of a listing, page by page by hand (RAM's nextToken, Organizations' NextToken);
    the items and the page count."""
    items, pages, token = [], 0, None
    while True:
        page = call(**kw, **({token_name: token} if token else {}))
        items += page[key]
        pages += 1
        token = page.get(token_name)
        if not token:
            return items, pages


def own_shares(ram) -> list[str]:
    """The account's own shares, as (ARN, status) lines: what a refused call must leave as it was."""
    shares, _ = every(ram.get_resource_shares, "resourceShares", resourceOwner="SELF")
    return sorted(f"{s['resourceShareArn']} {s['status']} {s['name']}" for s in shares)


# ------------------------------------------------------------------------- the acceptance scenario


def test_an_scp_denying_external_shares_stops_every_member_root_included(env):
    """The issue's acceptance scenario."""
    o = new_org(env)
    mg = o.mg
    enabled = o.enable()
    assert enabled == {**o.root, "PolicyTypes": [{"Type": SCP, "Status": "ENABLED"}]}
    assert mg.list_roots()["Roots"] == [enabled]
    deny = o.scp(DENY_EXTERNAL_SHARES, name="DenyExternalShares", description="No shares outside the organization")
    mg.attach_policy(PolicyId=deny["Id"], TargetId=o.root["Id"])
    assert o.attached(o.root["Id"]) == sorted([FULL, deny["Id"]])

    admin = o.m1.user(managed=[ADMIN])
    for who in (o.m1, o.m2, admin):
        ram = who.ram()
        before = own_shares(ram)
        message = scp_denied(who.arn, "ram:CreateResourceShare")
        # Not saying allowExternalPrincipals is saying true.
        refused(lambda: ram.create_resource_share(name="external", resourceArns=[tgw_arn(who.account)]), message)
        refused(lambda: ram.create_resource_share(name="external", resourceArns=[tgw_arn(who.account)],
                                                  allowExternalPrincipals=True), message)
        refused(lambda: ram.create_resource_share(name="external", principals=[o.mgmt.account],
                                                  allowExternalPrincipals=True), message)
        refused(lambda: ram.create_resource_share(name="external"), message)  # a share of nothing too
        assert own_shares(ram) == before
        # Within the organization only: allowed.
        share = ram.create_resource_share(name="internal", resourceArns=[tgw_arn(who.account)],
                                          principals=[o.mgmt.account], allowExternalPrincipals=False)["resourceShare"]
        assert share["allowExternalPrincipals"] is False and share["owningAccountId"] == who.account
        assert own_shares(ram) == sorted([*before, f"{share['resourceShareArn']} ACTIVE internal"])
        # The SCP names nothing else: the member's other calls go on.
        ram.update_resource_share(resourceShareArn=share["resourceShareArn"], name="renamed")
        ram.tag_resource(resourceShareArn=share["resourceShareArn"], tags=[{"key": "k", "value": "v"}])

    # The management account is not restricted by SCPs, its root nor its IAM users.
    mgmt_admin = o.mgmt.user(managed=[ADMIN])
    for who in (o.mgmt, mgmt_admin):
        share = who.ram().create_resource_share(name="anywhere", resourceArns=[tgw_arn(o.mgmt.account)])["resourceShare"]
        assert share["allowExternalPrincipals"] is True
    # An IAM user of a member needs its identity policy to allow as well: SCPs grant nothing.
    nobody = o.m2.user()
    refused(lambda: nobody.ram().get_resource_shares(resourceOwner="SELF"),
            f"User: {nobody.arn} is not authorized to perform: ram:GetResourceShares "
            "because no identity-based policy allows the ram:GetResourceShares action")
    # SCP first: a user whose own policy allows it is refused by the SCP, in the SCP's words.
    sharer = o.m2.user(inline=doc(stmt("Allow", "ram:CreateResourceShare")))
    refused(lambda: sharer.ram().create_resource_share(name="x", resourceArns=[tgw_arn(o.m2.account)]),
            scp_denied(sharer.arn, "ram:CreateResourceShare"))
    sharer.ram().create_resource_share(name="x", resourceArns=[tgw_arn(o.m2.account)], allowExternalPrincipals=False)

    # Detached, the SCP stops no one.
    mg.detach_policy(PolicyId=deny["Id"], TargetId=o.root["Id"])
    for who in (o.m1, o.m2, admin):
        who.ram().create_resource_share(name="external-again", resourceArns=[tgw_arn(who.account)])


def test_the_scp_attached_to_an_ou_or_an_account_stops_that_part_of_the_path_only(env):
    o = new_org(env, enable=True)
    deny = o.scp(DENY_EXTERNAL_SHARES)
    o.mg.attach_policy(PolicyId=deny["Id"], TargetId=o.ou["Id"])
    create = lambda who: who.ram().create_resource_share(name="e", resourceArns=[tgw_arn(who.account)])  # noqa: E731
    refused(lambda: create(o.m2), scp_denied(o.m2.arn, "ram:CreateResourceShare"))
    create(o.m1)
    o.mg.detach_policy(PolicyId=deny["Id"], TargetId=o.ou["Id"])
    o.mg.attach_policy(PolicyId=deny["Id"], TargetId=o.m1.account)
    refused(lambda: create(o.m1), scp_denied(o.m1.arn, "ram:CreateResourceShare"))
    create(o.m2)
    # An SCP attached to the management account itself restricts nothing.
    o.mg.attach_policy(PolicyId=deny["Id"], TargetId=o.mgmt.account)
    create(o.mgmt)


# ------------------------------------------------------------------------- every level must allow


def test_every_level_of_the_path_must_allow(env):
    o = new_org(env, enable=True)
    mg, ou = o.mg, o.ou["Id"]
    ram2 = o.m2.ram()
    share = ram2.create_resource_share(name="before", resourceArns=[tgw_arn(o.m2.account)])["resourceShare"]
    share_arn = share["resourceShareArn"]
    reader = o.scp(READ_ONLY_RAM, name="RamReadOnly")
    mg.attach_policy(PolicyId=reader["Id"], TargetId=ou)
    mg.detach_policy(PolicyId=FULL, TargetId=ou)
    assert o.attached(ou) == [reader["Id"]]
    # The root and the account itself still have FullAWSAccess; the OU allows reading RAM only.
    assert o.attached(o.root["Id"]) == [FULL] and o.attached(o.m2.account) == [FULL]

    assert [s["resourceShareArn"] for s in ram2.get_resource_shares(resourceOwner="SELF")["resourceShares"]] == [share_arn]
    ram2.list_resources(resourceOwner="SELF")
    ram2.list_permissions()
    ram2.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[share_arn])
    before = own_shares(ram2)
    no = lambda action, resource=None: scp_denied(o.m2.arn, action, resource, explicit=False)  # noqa: E731
    refused(lambda: ram2.create_resource_share(name="new", resourceArns=[tgw_arn(o.m2.account)],
                                               allowExternalPrincipals=False), no("ram:CreateResourceShare"))
    # An action on a resource names it.
    refused(lambda: ram2.delete_resource_share(resourceShareArn=share_arn), no("ram:DeleteResourceShare", share_arn))
    refused(lambda: ram2.tag_resource(resourceShareArn=share_arn, tags=[{"key": "k", "value": "v"}]),
            no("ram:TagResource", share_arn))
    refused(lambda: ram2.update_resource_share(resourceShareArn=share_arn, name="renamed"),
            no("ram:UpdateResourceShare", share_arn))
    assert own_shares(ram2) == before
    # IAM and Organizations too (IAM: AccessDenied 403; Organizations: AccessDeniedException 400).
    refused(lambda: o.m2.iam().list_users(), no("iam:ListUsers"), code="AccessDenied")
    refused(lambda: o.m2.iam().create_user(UserName="blocked"),
            no("iam:CreateUser", f"arn:aws:iam::{o.m2.account}:user/blocked"), code="AccessDenied")
    refused(lambda: o.m2.orgs().describe_organization(), no("organizations:DescribeOrganization"), status=400)
    refused(lambda: o.m2.orgs().leave_organization(), no("organizations:LeaveOrganization"), status=400)
    # STS is not restricted by SCPs.
    assert o.m2.client("sts").get_caller_identity()["Arn"] == o.m2.arn
    # An IAM user with AdministratorAccess in that account: the same.
    admin = o.m1.user(managed=[ADMIN])  # (m1's, under the root: unrestricted)
    admin.ram().create_resource_share(name="fine", resourceArns=[tgw_arn(o.m1.account)])
    # The account under the root is not in the OU's path.
    o.m1.ram().create_resource_share(name="fine", resourceArns=[tgw_arn(o.m1.account)])

    # The account's own level: the same narrowing on m1 itself.
    mg.attach_policy(PolicyId=reader["Id"], TargetId=o.m1.account)
    mg.detach_policy(PolicyId=FULL, TargetId=o.m1.account)
    o.m1.ram().get_resource_shares(resourceOwner="SELF")
    refused(lambda: o.m1.ram().create_resource_share(name="no", resourceArns=[tgw_arn(o.m1.account)]),
            scp_denied(o.m1.arn, "ram:CreateResourceShare", explicit=False))
    refused(lambda: admin.ram().create_resource_share(name="no", resourceArns=[tgw_arn(o.m1.account)]),
            scp_denied(admin.arn, "ram:CreateResourceShare", explicit=False))
    # The root's level, narrowed: the management account is still not restricted.
    mg.attach_policy(PolicyId=reader["Id"], TargetId=o.root["Id"])
    mg.detach_policy(PolicyId=FULL, TargetId=o.root["Id"])
    o.mgmt.ram().create_resource_share(name="mgmt", resourceArns=[tgw_arn(o.mgmt.account)])
    o.mgmt.iam().list_users()
    mg.attach_policy(PolicyId=FULL, TargetId=o.root["Id"])
    mg.detach_policy(PolicyId=reader["Id"], TargetId=o.root["Id"])

    # Moved out of the OU, m2's path is the root and itself: allowed again.
    mg.move_account(AccountId=o.m2.account, SourceParentId=ou, DestinationParentId=o.root["Id"])
    ram2.create_resource_share(name="moved", resourceArns=[tgw_arn(o.m2.account)])
    mg.move_account(AccountId=o.m2.account, SourceParentId=o.root["Id"], DestinationParentId=ou)
    refused(lambda: ram2.create_resource_share(name="back", resourceArns=[tgw_arn(o.m2.account)]),
            no("ram:CreateResourceShare"))
    # FullAWSAccess back on the OU (and on m1): allowed.
    mg.attach_policy(PolicyId=FULL, TargetId=ou)
    ram2.create_resource_share(name="full", resourceArns=[tgw_arn(o.m2.account)])
    mg.attach_policy(PolicyId=FULL, TargetId=o.m1.account)
    o.m1.ram().create_resource_share(name="full", resourceArns=[tgw_arn(o.m1.account)])


def test_a_deny_at_one_level_beats_allows_everywhere_and_wins_over_a_missing_allow(env):
    o = new_org(env, enable=True)
    reader = o.scp(READ_ONLY_RAM)
    deny_reads = o.scp(doc(stmt("Deny", "ram:GetResourceShares")))
    o.mg.attach_policy(PolicyId=reader["Id"], TargetId=o.ou["Id"])
    o.mg.detach_policy(PolicyId=FULL, TargetId=o.ou["Id"])
    o.mg.attach_policy(PolicyId=deny_reads["Id"], TargetId=o.m2.account)
    ram2 = o.m2.ram()
    refused(lambda: ram2.get_resource_shares(resourceOwner="SELF"), scp_denied(o.m2.arn, "ram:GetResourceShares"))
    # No level allows CreateResourceShare at the OU, no deny names it: the missing allow.
    refused(lambda: ram2.create_resource_share(name="x"), scp_denied(o.m2.arn, "ram:CreateResourceShare", explicit=False))
    ram2.list_resources(resourceOwner="SELF")
    # A Deny of everything on the root wins over FullAWSAccess beside it, for RAM, IAM and Organizations.
    deny_all = o.scp(doc(stmt("Deny", "*")))
    o.mg.attach_policy(PolicyId=deny_all["Id"], TargetId=o.root["Id"])
    ram1 = o.m1.ram()
    refused(lambda: ram1.list_resources(resourceOwner="SELF"), scp_denied(o.m1.arn, "ram:ListResources"))
    refused(lambda: o.m1.iam().list_roles(), scp_denied(o.m1.arn, "iam:ListRoles"), code="AccessDenied")
    refused(lambda: o.m1.orgs().describe_organization(), scp_denied(o.m1.arn, "organizations:DescribeOrganization"),
            status=400)
    assert o.m1.client("sts").get_caller_identity()["Account"] == o.m1.account
    # The management account is exempt.
    o.mgmt.ram().list_resources(resourceOwner="SELF")
    o.mgmt.iam().list_roles()
    o.mg.detach_policy(PolicyId=deny_all["Id"], TargetId=o.root["Id"])
    ram1.list_resources(resourceOwner="SELF")


def test_condition_keys_in_scps(env):
    o = new_org(env, enable=True)
    org_id = o.org["Id"]
    policy = doc(
        stmt("Deny", "ram:CreateResourceShare", condition={"StringEquals": {"ram:RequestedResourceType": "ec2:Subnet"}}),
        stmt("Deny", "ram:CreateResourceShare", condition={"Null": {"aws:RequestTag/team": "true"}}),
        stmt("Deny", "ram:TagResource", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}),
        # Members are in the organization: this one never denies them.
        stmt("Deny", "ram:UpdateResourceShare", condition={"StringNotEquals": {"aws:PrincipalOrgID": org_id}}),
        stmt("Deny", "ram:DeleteResourceShare", condition={"StringEquals": {"aws:PrincipalOrgID": org_id}}),
    )
    scp = o.scp(policy)
    o.mg.attach_policy(PolicyId=scp["Id"], TargetId=o.root["Id"])
    ram = o.m1.ram()
    team = [{"key": "team", "value": "net"}]
    create = scp_denied(o.m1.arn, "ram:CreateResourceShare")
    refused(lambda: ram.create_resource_share(name="subnet", resourceArns=[subnet_arn(o.m1.account)], tags=team), create)
    refused(lambda: ram.create_resource_share(name="untagged", resourceArns=[tgw_arn(o.m1.account)]), create)
    # One subnet among the resources is enough.
    refused(lambda: ram.create_resource_share(name="mixed", tags=team,
                                              resourceArns=[tgw_arn(o.m1.account), subnet_arn(o.m1.account)]), create)
    arn = ram.create_resource_share(name="tgw", resourceArns=[tgw_arn(o.m1.account)], tags=team)[
        "resourceShare"]["resourceShareArn"]
    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "k", "value": "v"}])
    ram.update_resource_share(resourceShareArn=arn, name="renamed")
    refused(lambda: ram.delete_resource_share(resourceShareArn=arn), scp_denied(o.m1.arn, "ram:DeleteResourceShare", arn))
    user = o.m1.user(managed=[ADMIN])
    refused(lambda: user.ram().tag_resource(resourceShareArn=arn, tags=[{"key": "k2", "value": "v"}]),
            scp_denied(user.arn, "ram:TagResource", arn))
    user.ram().untag_resource(resourceShareArn=arn, tagKeys=["k"])
    assert {t["key"] for t in ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])[
        "resourceShares"][0]["tags"]} == {"team"}


def test_more_of_the_policy_language_in_scps(env):
    """Actions match case-insensitively; NotAction, resource ARNs, aws:PrincipalOrgPaths and the
    allowExternalPrincipals an UpdateResourceShare asks for."""
    o = new_org(env, enable=True)
    ou_path = f"{o.org['Id']}/{o.root['Id']}/{o.ou['Id']}/*"
    policy = doc(
        stmt("Deny", "RAM:tagresource"),
        stmt("Deny", "ram:UpdateResourceShare", condition={"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}}),
        stmt("Deny", "ram:DeleteResourceShare", resource="arn:aws:ram:*:*:resource-share/*"),
        stmt("Deny", "ram:CreateResourceShare",
             condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [ou_path]}}),
    )
    o.mg.attach_policy(PolicyId=o.scp(policy)["Id"], TargetId=o.root["Id"])
    ram1, ram2 = o.m1.ram(), o.m2.ram()
    arn = ram1.create_resource_share(name="s", resourceArns=[tgw_arn(o.m1.account)],
                                     allowExternalPrincipals=False)["resourceShare"]["resourceShareArn"]
    refused(lambda: ram1.tag_resource(resourceShareArn=arn, tags=[{"key": "k", "value": "v"}]),
            scp_denied(o.m1.arn, "ram:TagResource", arn))
    ram1.update_resource_share(resourceShareArn=arn, name="renamed")
    ram1.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=False)
    refused(lambda: ram1.update_resource_share(resourceShareArn=arn, allowExternalPrincipals=True),
            scp_denied(o.m1.arn, "ram:UpdateResourceShare", arn))
    refused(lambda: ram1.delete_resource_share(resourceShareArn=arn), scp_denied(o.m1.arn, "ram:DeleteResourceShare", arn))
    # m2 is in the OU: its path matches.
    refused(lambda: ram2.create_resource_share(name="s", resourceArns=[tgw_arn(o.m2.account)]),
            scp_denied(o.m2.arn, "ram:CreateResourceShare"))
    # Everything but reading, denied with NotAction, on the OU.
    o.mg.attach_policy(PolicyId=o.scp(doc({"Effect": "Deny", "NotAction": ["ram:Get*", "ram:List*"],
                                           "Resource": "*"}))["Id"], TargetId=o.ou["Id"])
    ram2.list_resources(resourceOwner="SELF")
    refused(lambda: o.m2.iam().list_users(), scp_denied(o.m2.arn, "iam:ListUsers"), code="AccessDenied")
    o.m1.iam().list_users()


# ------------------------------------------------------------------------- the policy operations


def test_policy_tags_are_listed_and_changed(env):
    o = new_org(env)
    scp = o.scp(READ_ONLY_RAM, Tags=[{"Key": "team", "Value": "sec"}])
    assert o.mg.list_tags_for_resource(ResourceId=scp["Id"])["Tags"] == [{"Key": "team", "Value": "sec"}]
    o.mg.tag_resource(ResourceId=scp["Id"], Tags=[{"Key": "env", "Value": "prod"}])
    o.mg.untag_resource(ResourceId=scp["Id"], TagKeys=["team"])
    assert o.mg.list_tags_for_resource(ResourceId=scp["Id"])["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_policy_crud(env):
    o = new_org(env)
    mg = o.mg
    content = json.dumps(DENY_EXTERNAL_SHARES)
    made = mg.create_policy(Name="NoExternal", Description="first", Type=SCP, Content=content,
                            Tags=[{"Key": "team", "Value": "sec"}])["Policy"]
    summary = made["PolicySummary"]
    assert POLICY_ID.match(summary["Id"]), summary
    assert summary == {
        "Id": summary["Id"], "Name": "NoExternal", "Description": "first", "Type": SCP, "AwsManaged": False,
        "Arn": f"arn:aws:organizations::{o.mgmt.account}:policy/{o.org['Id']}/service_control_policy/{summary['Id']}",
    }
    assert json.loads(made["Content"]) == DENY_EXTERNAL_SHARES
    assert mg.describe_policy(PolicyId=summary["Id"])["Policy"] == made

    # FullAWSAccess is there without SCPs being enabled, AWS managed.
    full = mg.describe_policy(PolicyId=FULL)["Policy"]
    assert full["PolicySummary"]["Id"] == FULL and full["PolicySummary"]["Arn"] == FULL_ARN
    assert full["PolicySummary"]["AwsManaged"] is True and full["PolicySummary"]["Name"] == "FullAWSAccess"
    assert full["PolicySummary"]["Type"] == SCP
    assert json.loads(full["Content"]) == FULL_CONTENT
    listed = mg.list_policies(Filter=SCP)["Policies"]
    assert {p["Id"] for p in listed} == {FULL, summary["Id"]}
    assert [p for p in listed if p["Id"] == summary["Id"]] == [summary]
    assert [p for p in listed if p["Id"] == FULL] == [full["PolicySummary"]]
    # No policy of another type.
    assert mg.list_policies(Filter="TAG_POLICY")["Policies"] == []

    # Updates: each member on its own; the content is checked as CreatePolicy checks it.
    other = o.scp(READ_ONLY_RAM, name="Other")
    renamed = mg.update_policy(PolicyId=summary["Id"], Name="NoExternalShares")["Policy"]
    assert renamed["PolicySummary"]["Name"] == "NoExternalShares"
    assert renamed["PolicySummary"]["Description"] == "first" and json.loads(renamed["Content"]) == DENY_EXTERNAL_SHARES
    described = mg.update_policy(PolicyId=summary["Id"], Description="second")["Policy"]
    assert described["PolicySummary"]["Description"] == "second"
    assert described["PolicySummary"]["Name"] == "NoExternalShares"
    new_content = doc(stmt("Deny", "ram:DeleteResourceShare"))
    updated = mg.update_policy(PolicyId=summary["Id"], Content=json.dumps(new_content))["Policy"]
    assert json.loads(updated["Content"]) == new_content
    assert mg.describe_policy(PolicyId=summary["Id"])["Policy"] == updated
    # The same name again is no change; another policy's name is taken.
    mg.update_policy(PolicyId=summary["Id"], Name="NoExternalShares")
    org_refused(lambda: mg.update_policy(PolicyId=summary["Id"], Name="Other"), "DuplicatePolicyException",
                "A policy with the same name already exists.")
    org_refused(lambda: mg.update_policy(PolicyId=summary["Id"], Content="{"), "MalformedPolicyDocumentException",
                "Syntax errors in policy.")
    org_refused(lambda: mg.update_policy(PolicyId="p-00000000", Name="x"), "PolicyNotFoundException", NOT_FOUND)
    assert mg.describe_policy(PolicyId=summary["Id"])["Policy"] == updated

    # AWS's policy cannot be changed or deleted.
    org_refused(lambda: mg.update_policy(PolicyId=FULL, Name="Mine"), "AccessDeniedException")
    org_refused(lambda: mg.update_policy(PolicyId=FULL, Content=json.dumps(READ_ONLY_RAM)), "AccessDeniedException")
    org_refused(lambda: mg.delete_policy(PolicyId=FULL), "AccessDeniedException")
    assert mg.describe_policy(PolicyId=FULL)["Policy"] == full

    # Deleting: refused while attached, then gone.
    o.enable()
    mg.attach_policy(PolicyId=other["Id"], TargetId=o.ou["Id"])
    org_refused(lambda: mg.delete_policy(PolicyId=other["Id"]), "PolicyInUseException")
    mg.detach_policy(PolicyId=other["Id"], TargetId=o.ou["Id"])
    mg.delete_policy(PolicyId=other["Id"])
    mg.delete_policy(PolicyId=summary["Id"])
    for call in (mg.describe_policy, mg.delete_policy, mg.list_targets_for_policy):
        org_refused(lambda: call(PolicyId=summary["Id"]), "PolicyNotFoundException", NOT_FOUND)
    assert [p["Id"] for p in mg.list_policies(Filter=SCP)["Policies"]] == [FULL]
    # A deleted policy's name is free again.
    again = o.scp(READ_ONLY_RAM, name="Other")
    assert again["Id"] != other["Id"]


def test_create_policy_errors(env):
    o = new_org(env)
    mg = o.mg
    create = lambda content, name=None, type_=SCP: mg.create_policy(  # noqa: E731
        Name=name or unique("p"), Description="", Type=type_, Content=content)
    for other in ("TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY", "RESOURCE_CONTROL_POLICY"):
        org_refused(lambda: create(json.dumps(READ_ONLY_RAM), type_=other), "PolicyTypeNotAvailableForOrganizationException")
    # Malformed documents, in IAM's words.
    for content, message in [
        ("not json", "Syntax errors in policy."),
        ("[]", "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17"}), "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "Syntax errors in policy."),
        (json.dumps({"Version": "2011-01-01", "Statement": [stmt("Allow", "ram:*")]}), "The policy failed legacy parsing"),
        (json.dumps(doc({"Effect": "Allow", "Action": "ram:*", "Resource": "*", "Foo": 1})), "Unknown field Foo"),
        (json.dumps(doc({"Action": "ram:*", "Resource": "*"})), "Missing required field Effect"),
        (json.dumps(doc({"Effect": "Maybe", "Action": "ram:*", "Resource": "*"})), "Invalid effect: Maybe"),
        (json.dumps(doc({"Effect": "Allow", "Resource": "*"})), "Policy statement must contain actions."),
        (json.dumps(doc({"Effect": "Allow", "Action": "ram:*", "Resource": "*", "Principal": "*"})),
         "Policy document should not specify a principal."),
        (json.dumps(doc({"Sid": "not ok", "Effect": "Allow", "Action": "ram:*", "Resource": "*"})),
         "Statement IDs (SID) must be alpha-numeric."),
        (json.dumps(doc(stmt("Allow", "CreateResourceShare"))),
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (CreateResourceShare)"),
    ]:
        org_refused(lambda: create(content), "MalformedPolicyDocumentException", message)
    # The size quota: 5,120 characters, whitespace not counted.
    def sized(n: int) -> dict:
        base = doc({"Sid": "", "Effect": "Allow", "Action": "*", "Resource": "*"})
        pad = n - len(json.dumps(base, separators=(",", ":")))
        base["Statement"][0]["Sid"] = "S" * pad
        assert len(json.dumps(base, separators=(",", ":"))) == n
        return base
    at_limit = create(json.dumps(sized(5120), indent=8))["Policy"]
    assert len(re.sub(r"\s", "", at_limit["Content"])) == 5120
    org_refused(lambda: create(json.dumps(sized(5121))), "ConstraintViolationException",
                reason="POLICY_CONTENT_LIMIT_EXCEEDED")
    org_refused(lambda: mg.update_policy(PolicyId=at_limit["PolicySummary"]["Id"], Content=json.dumps(sized(5121))),
                "ConstraintViolationException", reason="POLICY_CONTENT_LIMIT_EXCEEDED")
    # Names are unique in the organization.
    create(json.dumps(READ_ONLY_RAM), name="Taken")
    org_refused(lambda: create(json.dumps(READ_ONLY_RAM), name="Taken"), "DuplicatePolicyException",
                "A policy with the same name already exists.")
    names = [p["Name"] for p in mg.list_policies(Filter=SCP)["Policies"]]
    assert names.count("Taken") == 1 and len(names) == 3  # FullAWSAccess, at the limit, Taken

    # An organization of consolidated billing only has no SCPs.
    cb = env.account()
    cb_orgs = cb.orgs()
    cb_orgs.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    cb_root = cb_orgs.list_roots()["Roots"][0]
    org_refused(lambda: cb_orgs.create_policy(Name="x", Description="", Type=SCP, Content=json.dumps(READ_ONLY_RAM)),
                "PolicyTypeNotAvailableForOrganizationException")
    org_refused(lambda: cb_orgs.enable_policy_type(RootId=cb_root["Id"], PolicyType=SCP),
                "PolicyTypeNotAvailableForOrganizationException")
    assert cb_orgs.list_roots()["Roots"][0]["PolicyTypes"] == []


def test_policy_types_attach_and_detach_errors(env):
    o = new_org(env)
    mg, root = o.mg, o.root["Id"]
    assert root_types(mg) == []
    scp = o.scp(READ_ONLY_RAM)
    # Nothing is attached until SCPs are enabled.
    org_refused(lambda: mg.attach_policy(PolicyId=scp["Id"], TargetId=o.ou["Id"]), "PolicyTypeNotEnabledException")
    org_refused(lambda: mg.attach_policy(PolicyId=FULL, TargetId=root), "PolicyTypeNotEnabledException")
    assert o.attached(root) == [] and o.attached(o.m1.account) == []
    assert mg.list_targets_for_policy(PolicyId=FULL)["Targets"] == []
    org_refused(lambda: mg.disable_policy_type(RootId=root, PolicyType=SCP), "PolicyTypeNotEnabledException")

    org_refused(lambda: mg.enable_policy_type(RootId="r-zzzz", PolicyType=SCP), "RootNotFoundException")
    org_refused(lambda: mg.disable_policy_type(RootId="r-zzzz", PolicyType=SCP), "RootNotFoundException")
    org_refused(lambda: mg.enable_policy_type(RootId=root, PolicyType="TAG_POLICY"),
                "PolicyTypeNotAvailableForOrganizationException")
    assert o.enable()["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    org_refused(lambda: mg.enable_policy_type(RootId=root, PolicyType=SCP), "PolicyTypeAlreadyEnabledException")
    assert root_types(mg) == [{"Type": SCP, "Status": "ENABLED"}]

    # FullAWSAccess on the root, the OU and every account (the management account's too).
    targets = mg.list_targets_for_policy(PolicyId=FULL)["Targets"]
    names = {a["Id"]: a["Name"] for a in mg.list_accounts()["Accounts"]}
    arns = {a["Id"]: a["Arn"] for a in mg.list_accounts()["Accounts"]}
    assert sorted(targets, key=lambda t: t["TargetId"]) == sorted([
        {"TargetId": root, "Arn": o.root["Arn"], "Name": "Root", "Type": "ROOT"},
        {"TargetId": o.ou["Id"], "Arn": o.ou["Arn"], "Name": "workloads", "Type": "ORGANIZATIONAL_UNIT"},
        *({"TargetId": a, "Arn": arns[a], "Name": names[a], "Type": "ACCOUNT"}
          for a in (o.mgmt.account, o.m1.account, o.m2.account)),
    ], key=lambda t: t["TargetId"])
    full_summary = mg.describe_policy(PolicyId=FULL)["Policy"]["PolicySummary"]
    for target in (root, o.ou["Id"], o.mgmt.account, o.m1.account, o.m2.account):
        assert mg.list_policies_for_target(TargetId=target, Filter=SCP)["Policies"] == [full_summary]
        assert mg.list_policies_for_target(TargetId=target, Filter="TAG_POLICY")["Policies"] == []

    # Attaching: a policy once per target, at most five SCPs on one.
    mg.attach_policy(PolicyId=scp["Id"], TargetId=o.m1.account)
    org_refused(lambda: mg.attach_policy(PolicyId=scp["Id"], TargetId=o.m1.account), "DuplicatePolicyAttachmentException")
    org_refused(lambda: mg.attach_policy(PolicyId=FULL, TargetId=o.m1.account), "DuplicatePolicyAttachmentException")
    assert mg.list_targets_for_policy(PolicyId=scp["Id"])["Targets"] == [
        {"TargetId": o.m1.account, "Arn": arns[o.m1.account], "Name": names[o.m1.account], "Type": "ACCOUNT"}]
    extra = [o.scp(READ_ONLY_RAM)["Id"] for _ in range(4)]
    for p in extra[:3]:
        mg.attach_policy(PolicyId=p, TargetId=o.m1.account)
    assert len(o.attached(o.m1.account)) == 5
    org_refused(lambda: mg.attach_policy(PolicyId=extra[3], TargetId=o.m1.account), "ConstraintViolationException",
                reason="MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    assert len(o.attached(o.m1.account)) == 5
    # Unknown targets and policies.
    missing_ou = "ou-" + root[2:] + "-zzzzzzzz"
    org_refused(lambda: mg.attach_policy(PolicyId=scp["Id"], TargetId=o.root["Arn"]), "InvalidInputException")
    for target in (missing_ou, "999999999999", "r-zzzz"):
        org_refused(lambda: mg.attach_policy(PolicyId=scp["Id"], TargetId=target), "TargetNotFoundException")
        org_refused(lambda: mg.detach_policy(PolicyId=scp["Id"], TargetId=target), "TargetNotFoundException")
        org_refused(lambda: mg.list_policies_for_target(TargetId=target, Filter=SCP), "TargetNotFoundException")
    org_refused(lambda: mg.attach_policy(PolicyId="p-00000000", TargetId=root), "PolicyNotFoundException", NOT_FOUND)
    org_refused(lambda: mg.detach_policy(PolicyId="p-00000000", TargetId=root), "PolicyNotFoundException", NOT_FOUND)
    # An account outside the organization is no target.
    outsider = env.account()
    org_refused(lambda: mg.attach_policy(PolicyId=scp["Id"], TargetId=outsider.account), "TargetNotFoundException")

    # Detaching: only what is attached, and never a target's last SCP.
    org_refused(lambda: mg.detach_policy(PolicyId=scp["Id"], TargetId=o.m2.account), "PolicyNotAttachedException")
    org_refused(lambda: mg.detach_policy(PolicyId=FULL, TargetId=o.m2.account), "ConstraintViolationException",
                reason="MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    assert o.attached(o.m2.account) == [FULL]
    for p in [FULL, *extra[:3]]:
        mg.detach_policy(PolicyId=p, TargetId=o.m1.account)
    assert o.attached(o.m1.account) == [scp["Id"]]
    org_refused(lambda: mg.detach_policy(PolicyId=scp["Id"], TargetId=o.m1.account), "ConstraintViolationException",
                reason="MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    org_refused(lambda: mg.detach_policy(PolicyId=FULL, TargetId=o.m1.account), "PolicyNotAttachedException")


def root_types(mg) -> list:
    return mg.list_roots()["Roots"][0]["PolicyTypes"]


def test_only_the_management_account_and_only_in_an_organization(env):
    o = new_org(env, enable=True)
    scp = o.scp(READ_ONLY_RAM)
    root = o.root["Id"]
    calls = {
        "create_policy": {"Name": "x", "Description": "", "Type": SCP, "Content": json.dumps(READ_ONLY_RAM)},
        "update_policy": {"PolicyId": scp["Id"], "Name": "y"},
        "delete_policy": {"PolicyId": scp["Id"]},
        "describe_policy": {"PolicyId": scp["Id"]},
        "list_policies": {"Filter": SCP},
        "attach_policy": {"PolicyId": scp["Id"], "TargetId": o.m1.account},
        "detach_policy": {"PolicyId": FULL, "TargetId": o.m1.account},
        "list_targets_for_policy": {"PolicyId": FULL},
        "list_policies_for_target": {"TargetId": o.m1.account, "Filter": SCP},
        "enable_policy_type": {"RootId": root, "PolicyType": SCP},
        "disable_policy_type": {"RootId": root, "PolicyType": SCP},
    }
    admin = o.m1.user(managed=[ADMIN])
    outsider = env.account()
    for name, kwargs in calls.items():
        for who in (o.m1, o.m2, admin):
            org_refused(lambda: getattr(who.orgs(), name)(**kwargs), "AccessDeniedException", NO_PERMISSION)
        org_refused(lambda: getattr(outsider.orgs(), name)(**kwargs), "AWSOrganizationsNotInUseException")
    # Nothing changed.
    mg = o.mg
    assert mg.describe_policy(PolicyId=scp["Id"])["Policy"]["PolicySummary"] == scp
    assert o.attached(o.m1.account) == [FULL] and root_types(mg) == [{"Type": SCP, "Status": "ENABLED"}]
    assert {p["Id"] for p in mg.list_policies(Filter=SCP)["Policies"]} == {FULL, scp["Id"]}
    # An IAM user of the management account needs its identity policy (SCPs do not apply there).
    reader = o.mgmt.user(inline=doc(stmt("Allow", "organizations:Describe*", "organizations:List*")))
    assert reader.orgs().describe_policy(PolicyId=scp["Id"])["Policy"]["PolicySummary"] == scp
    refused(lambda: reader.orgs().create_policy(**calls["create_policy"]),
            f"User: {reader.arn} is not authorized to perform: organizations:CreatePolicy "
            "because no identity-based policy allows the organizations:CreatePolicy action", status=400)


def test_another_organization_sees_none_of_the_policies(env):
    o = new_org(env, enable=True)
    scp = o.scp(READ_ONLY_RAM, name="Mine")
    o.mg.attach_policy(PolicyId=scp["Id"], TargetId=o.ou["Id"])
    other = env.account()
    oo = other.orgs()
    oo.create_organization(FeatureSet="ALL")
    other_root = oo.list_roots()["Roots"][0]["Id"]
    oo.enable_policy_type(RootId=other_root, PolicyType=SCP)
    for call, kw in [
        (oo.describe_policy, {"PolicyId": scp["Id"]}),
        (oo.update_policy, {"PolicyId": scp["Id"], "Name": "Stolen"}),
        (oo.delete_policy, {"PolicyId": scp["Id"]}),
        (oo.list_targets_for_policy, {"PolicyId": scp["Id"]}),
        (oo.attach_policy, {"PolicyId": scp["Id"], "TargetId": other_root}),
        (oo.detach_policy, {"PolicyId": scp["Id"], "TargetId": other_root}),
    ]:
        org_refused(lambda: call(**kw), "PolicyNotFoundException", NOT_FOUND)
    for call, kw in [
        (oo.list_policies_for_target, {"TargetId": o.ou["Id"], "Filter": SCP}),
        (oo.list_policies_for_target, {"TargetId": o.m1.account, "Filter": SCP}),
        (oo.attach_policy, {"PolicyId": FULL, "TargetId": o.root["Id"]}),
        (oo.detach_policy, {"PolicyId": FULL, "TargetId": o.ou["Id"]}),
    ]:
        org_refused(lambda: call(**kw), "TargetNotFoundException")
    org_refused(lambda: oo.enable_policy_type(RootId=o.root["Id"], PolicyType=SCP), "RootNotFoundException")
    org_refused(lambda: oo.disable_policy_type(RootId=o.root["Id"], PolicyType=SCP), "RootNotFoundException")
    # The same name is free in another organization; FullAWSAccess lists each one's own targets.
    oo.create_policy(Name="Mine", Description="", Type=SCP, Content=json.dumps(READ_ONLY_RAM))
    assert [p["Name"] for p in oo.list_policies(Filter=SCP)["Policies"] if not p["AwsManaged"]] == ["Mine"]
    assert {t["TargetId"] for t in oo.list_targets_for_policy(PolicyId=FULL)["Targets"]} == {other_root, other.account}
    assert len(o.mg.list_targets_for_policy(PolicyId=FULL)["Targets"]) == 5
    assert o.attached(o.ou["Id"]) == sorted([FULL, scp["Id"]])


def test_paging(env):
    o = new_org(env, enable=True)
    mg = o.mg
    made = [o.scp(READ_ONLY_RAM, name=f"page-{i}")["Id"] for i in range(6)]
    policies, pages = every(mg.list_policies, "Policies", "NextToken", Filter=SCP, MaxResults=2)
    assert sorted(p["Id"] for p in policies) == sorted([FULL, *made]) and pages == 4
    assert len({p["Id"] for p in policies}) == 7
    assert [p["Id"] for p in mg.list_policies(Filter=SCP, MaxResults=20)["Policies"]] == [p["Id"] for p in policies]
    # FullAWSAccess is on the root, the OU and the three accounts.
    targets, pages = every(mg.list_targets_for_policy, "Targets", "NextToken", PolicyId=FULL, MaxResults=2)
    assert {t["TargetId"] for t in targets} == {o.root["Id"], o.ou["Id"], o.mgmt.account, o.m1.account, o.m2.account}
    assert len(targets) == 5 and pages == 3
    for p in made[:4]:
        mg.attach_policy(PolicyId=p, TargetId=o.ou["Id"])
    attached, pages = every(mg.list_policies_for_target, "Policies", "NextToken", TargetId=o.ou["Id"], Filter=SCP,
                            MaxResults=2)
    assert sorted(p["Id"] for p in attached) == sorted([FULL, *made[:4]]) and pages == 3
    # boto3's paginators agree.
    pager = lambda op, key, **kw: [x["Id"] if "Id" in x else x["TargetId"]  # noqa: E731
                                   for page in mg.get_paginator(op).paginate(PaginationConfig={"PageSize": 3}, **kw)
                                   for x in page[key]]
    assert pager("list_policies", "Policies", Filter=SCP) == [p["Id"] for p in policies]
    assert pager("list_targets_for_policy", "Targets", PolicyId=FULL) == [t["TargetId"] for t in targets]
    assert pager("list_policies_for_target", "Policies", TargetId=o.ou["Id"], Filter=SCP) == [p["Id"] for p in attached]
    # A token is good for its own listing only.
    token = mg.list_policies(Filter=SCP, MaxResults=1)["NextToken"]
    org_refused(lambda: mg.list_targets_for_policy(PolicyId=FULL, NextToken=token), "InvalidInputException",
                reason="INVALID_PAGINATION_TOKEN")
    org_refused(lambda: mg.list_policies(Filter=SCP, NextToken="garbage"), "InvalidInputException",
                reason="INVALID_PAGINATION_TOKEN")


# ------------------------------------------------------------------------- membership over time


def test_ous_and_accounts_that_come_later_get_full_aws_access(env):
    o = new_org(env, enable=True)
    mg = o.mg
    deny = o.scp(DENY_EXTERNAL_SHARES)
    mg.attach_policy(PolicyId=deny["Id"], TargetId=o.root["Id"])
    # A new OU, nested too.
    team = mg.create_organizational_unit(ParentId=o.ou["Id"], Name="team")["OrganizationalUnit"]
    assert o.attached(team["Id"]) == [FULL]
    # An account CreateAccount makes.
    status = mg.create_account(AccountName="later", Email=f"{unique('later')}@example.com")["CreateAccountStatus"]
    created = mg.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    assert created["State"] == "SUCCEEDED", created
    new_id = created["AccountId"]
    assert o.attached(new_id) == [FULL]
    # An account that accepts an invitation.
    joiner = env.account()
    o.invite(joiner)
    assert o.attached(joiner.account) == [FULL]
    assert {t["TargetId"] for t in mg.list_targets_for_policy(PolicyId=FULL)["Targets"]} >= {
        team["Id"], new_id, joiner.account}
    # Both are members: the root's deny SCP stops them; moved into the nested OU, every level of their
    # path allows the rest (the OU got FullAWSAccess too).
    new = env.account(new_id)
    for who in (new, joiner):
        refused(lambda: who.ram().create_resource_share(name="ext", resourceArns=[tgw_arn(who.account)]),
                scp_denied(who.arn, "ram:CreateResourceShare"))
        mg.move_account(AccountId=who.account, SourceParentId=o.root["Id"], DestinationParentId=team["Id"])
        who.ram().create_resource_share(name="int", resourceArns=[tgw_arn(who.account)], allowExternalPrincipals=False)
    # An account that leaves takes no attachment along; back in, it has FullAWSAccess alone.
    mg.attach_policy(PolicyId=deny["Id"], TargetId=joiner.account)
    mg.remove_account_from_organization(AccountId=joiner.account)
    joiner.ram().create_resource_share(name="alone", resourceArns=[tgw_arn(joiner.account)])
    joiner.iam().list_users()
    assert mg.list_targets_for_policy(PolicyId=deny["Id"])["Targets"] == [
        {"TargetId": o.root["Id"], "Arn": o.root["Arn"], "Name": "Root", "Type": "ROOT"}]
    o.invite(joiner)
    assert o.attached(joiner.account) == [FULL]
    # A deleted OU's attachments go with it.
    mg.move_account(AccountId=new_id, SourceParentId=team["Id"], DestinationParentId=o.root["Id"])
    mg.attach_policy(PolicyId=deny["Id"], TargetId=team["Id"])
    mg.delete_organizational_unit(OrganizationalUnitId=team["Id"])
    assert {t["TargetId"] for t in mg.list_targets_for_policy(PolicyId=deny["Id"])["Targets"]} == {o.root["Id"]}


def test_an_scp_can_stop_a_member_leaving(env):
    o = new_org(env, enable=True)
    mg = o.mg
    stay = o.scp(doc(stmt("Deny", "organizations:LeaveOrganization")), name="NoLeaving")
    mg.attach_policy(PolicyId=stay["Id"], TargetId=o.root["Id"])
    admin = o.m1.user(managed=[ADMIN])
    for who in (o.m1, o.m2, admin):
        refused(lambda: who.orgs().leave_organization(), scp_denied(who.arn, "organizations:LeaveOrganization"),
                status=400)
    members = {a["Id"] for a in mg.list_accounts()["Accounts"]}
    assert {o.m1.account, o.m2.account} <= members
    # The member's other Organizations calls: its own organization's description is allowed; the
    # management account's operations are not its to make, as without SCPs.
    assert o.m1.orgs().describe_organization()["Organization"]["Id"] == o.org["Id"]
    org_refused(lambda: o.m1.orgs().list_accounts(), "AccessDeniedException", NO_PERMISSION)
    org_refused(lambda: o.m1.orgs().describe_policy(PolicyId=stay["Id"]), "AccessDeniedException", NO_PERMISSION)
    # The management account cannot leave anyway; the SCP does not apply to it.
    org_refused(lambda: mg.leave_organization(), "MasterCannotLeaveOrganizationException")
    # Removing it is the management account's call, which the SCP does not restrict.
    mg.remove_account_from_organization(AccountId=o.m2.account)
    # Detached, the member may leave.
    mg.detach_policy(PolicyId=stay["Id"], TargetId=o.root["Id"])
    o.m1.orgs().leave_organization()
    org_refused(lambda: o.m1.orgs().describe_organization(), "AWSOrganizationsNotInUseException")
    assert {a["Id"] for a in mg.list_accounts()["Accounts"]} == {o.mgmt.account}


def test_disable_policy_type_detaches_every_scp_and_restores_access(env):
    o = new_org(env, enable=True)
    mg, root = o.mg, o.root["Id"]
    deny_all = o.scp(doc(stmt("Deny", "ram:*")), name="NoRam")
    reader = o.scp(READ_ONLY_RAM)
    mg.attach_policy(PolicyId=deny_all["Id"], TargetId=root)
    mg.attach_policy(PolicyId=reader["Id"], TargetId=o.ou["Id"])
    mg.detach_policy(PolicyId=FULL, TargetId=o.ou["Id"])
    for who in (o.m1, o.m2):
        refused(lambda: who.ram().get_resource_shares(resourceOwner="SELF"), scp_denied(who.arn, "ram:GetResourceShares"))
    disabled = mg.disable_policy_type(RootId=root, PolicyType=SCP)["Root"]
    assert disabled == {**o.root, "PolicyTypes": []}
    assert root_types(mg) == []
    for target in (root, o.ou["Id"], o.mgmt.account, o.m1.account, o.m2.account):
        assert o.attached(target) == []
    for p in (FULL, deny_all["Id"], reader["Id"]):
        assert mg.list_targets_for_policy(PolicyId=p)["Targets"] == []
    for who in (o.m1, o.m2):
        who.ram().create_resource_share(name="free", resourceArns=[tgw_arn(who.account)])
        who.iam().list_users()
        who.orgs().describe_organization()
    org_refused(lambda: mg.disable_policy_type(RootId=root, PolicyType=SCP), "PolicyTypeNotEnabledException")
    # The policies remain, detached; they can be deleted now.
    assert {p["Id"] for p in mg.list_policies(Filter=SCP)["Policies"]} == {FULL, deny_all["Id"], reader["Id"]}
    mg.delete_policy(PolicyId=reader["Id"])
    # Enabled again: FullAWSAccess everywhere, and nothing else.
    assert o.enable()["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    for target in (root, o.ou["Id"], o.mgmt.account, o.m1.account, o.m2.account):
        assert o.attached(target) == [FULL]
    o.m2.ram().get_resource_shares(resourceOwner="SELF")


def test_deleting_the_organization_takes_its_policies(env):
    o = new_org(env, enable=True)
    mg = o.mg
    scp = o.scp(DENY_EXTERNAL_SHARES, name="Gone", Tags=[{"Key": "k", "Value": "v"}])
    mg.attach_policy(PolicyId=scp["Id"], TargetId=o.root["Id"])
    for who in (o.m1, o.m2):
        mg.remove_account_from_organization(AccountId=who.account)
    mg.delete_organization()
    # Out of any organization, the former members and the management account are unrestricted.
    for who in (o.m1, o.mgmt):
        who.ram().create_resource_share(name="after", resourceArns=[tgw_arn(who.account)])
    mg.create_organization(FeatureSet="ALL")
    assert [p["Id"] for p in mg.list_policies(Filter=SCP)["Policies"]] == [FULL]
    org_refused(lambda: mg.describe_policy(PolicyId=scp["Id"]), "PolicyNotFoundException", NOT_FOUND)
    assert root_types(mg) == []
    # A new organization can use the old name.
    new = mg.create_policy(Name="Gone", Description="", Type=SCP, Content=json.dumps(READ_ONLY_RAM))["Policy"]
    assert new["PolicySummary"]["Id"] != scp["Id"]


# ------------------------------------------------------------------------- replicas


def test_a_server_notices_scps_enabled_through_itself_at_once(ramd_factory, tmp_path_factory):
    """A fresh server has read that no organization uses SCPs (a member's call a moment before);
    enabling them through it takes effect on the very next call."""
    data_dir = tmp_path_factory.mktemp("scp-fresh")
    ramd_accounts_create(data_dir, ACCOUNT_A)
    server = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    e = Env(server.url, data_dir, server)
    o = new_org(e)
    deny = o.scp(DENY_EXTERNAL_SHARES)
    o.m1.ram()  # (the client made before the clock starts)
    time.sleep(1.1)  # past the re-read interval: the next call reads afresh that SCPs are not in use
    started = time.monotonic()
    o.m1.ram().create_resource_share(name="before", resourceArns=[tgw_arn(o.m1.account)])
    o.enable()
    o.mg.attach_policy(PolicyId=deny["Id"], TargetId=o.root["Id"])
    refused(lambda: o.m1.ram().create_resource_share(name="after", resourceArns=[tgw_arn(o.m1.account)]),
            scp_denied(o.m1.arn, "ram:CreateResourceShare"))
    # All within the second the server would have kept its "not in use": its own EnablePolicyType told it.
    assert time.monotonic() - started < 1.0


@pytest.mark.skipif(os.environ.get("RAMD_TEST_BACKEND") != "postgres", reason="replicas share a PostgreSQL database")
def test_a_replica_notices_scps_enabled_through_another_within_a_second(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("scp-replicas")
    ramd_accounts_create(data_dir, ACCOUNT_A)
    first = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    second = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    o = new_org(Env(first.url, data_dir, first))
    on_second = Principal(second.url, o.m1.account, o.m1.arn, o.m1.key)
    deny = o.scp(DENY_EXTERNAL_SHARES)
    # The second replica reads afresh that no organization uses SCPs.
    on_second.ram()
    time.sleep(1.1)
    on_second.ram().create_resource_share(name="before", resourceArns=[tgw_arn(o.m1.account)])
    o.enable()
    o.mg.attach_policy(PolicyId=deny["Id"], TargetId=o.root["Id"])
    attached = time.monotonic()
    while True:
        try:
            on_second.ram().create_resource_share(name="probe", resourceArns=[tgw_arn(o.m1.account)])
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Message"] == scp_denied(o.m1.arn, "ram:CreateResourceShare")
            break
        assert time.monotonic() - attached < 1.5, "the second replica did not notice the SCPs within 1 s"
        time.sleep(0.05)
    # The first replica refused at once.
    refused(lambda: o.m1.ram().create_resource_share(name="x", resourceArns=[tgw_arn(o.m1.account)]),
            scp_denied(o.m1.arn, "ram:CreateResourceShare"))
