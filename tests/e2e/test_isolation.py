"""The isolation matrix: every operation ramd serves, sent by anyone but its owner, is refused
with the right code and HTTP status, reveals nothing of the owner's, and leaves the store as it was.

One sigv4 server holds A's world (``build_world``): a private share, shares pending with and accepted
by B, a policy-made share, a service-principal share, customer managed permissions with versions, a
replacement work, tags; an organization with an OU, a member account, open handshakes and service
control policies (enabled on the root, one attached to the OU, one to delete); RAM's
service-linked role and a deletion task; IAM users (one with an access key), roles, customer managed policies
with versions, inline policies and attachments (B has a user and a role of its own, to attach A's policy to).
Every operation of RAM's model (``model/ram/service-2.json``),
ramd's two extensions, the Organizations and IAM operations ramd serves (``SERVED`` in
``tools/gen_model.py``) and STS GetCallerIdentity has one valid call aimed at that world (``calls``).
Each column (``COLUMNS``) changes one thing about how that same call arrives:

  another account, made-up target   B sends it with every identifier of A's replaced by one that exists nowhere
  another account                   B sends it (A, for B's invitations), plus ``probes``: B's views of what it
                                    received, a receiver changing a share, a stranger to an invitation
  another Region                    A signs it for eu-west-1 (RAM and ramd's extensions; the others are global)
  unsigned, bad signature (the right key, a wrong secret), signed 16 min ago / ahead, unknown key,
  deactivated key (``ramd accounts keys deactivate``), scoped to ec2, scoped to a sibling ramd serves

What each cell must answer: ``ANOTHER_ACCOUNT`` / ``ANOTHER_REGION`` per operation, ``SIGNATURE_COLUMNS``
per service; the code (x-amzn-ErrorType, __type or <Code>), the HTTP status, a word of the message,
and, in the first three columns, no secret of A's world in the answer beyond what the request named.
After each column the export of every table of the store (SQLite read-only, or PostgreSQL through psql)
must be unchanged; the few calls a column expects to succeed and to write (B creating a permission of
its own, say) run last and may only add rows, none naming A or A's organization (A's Region).

Two controls keep the matrix honest: the positive control sends every call validly signed by its
owner and expects 200 from each (so every refusal is the column's doing, not a broken request), and
a changed export (so the export sees what a refused call would have changed); and
``test_tables_cover_every_operation`` fails when a model gains an operation the tables do not name.
Where ramd answers otherwise than AWS does, ``DEVIATIONS`` holds ramd's answer, which the matrix
pins, and ``test_aws_answer_where_ramd_deviates`` asserts AWS's as a strict xfail.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import botocore.auth
import botocore.model
import botocore.serialize
import botocore.session
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import (
    ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, OTHER_REGION, RAMD_BIN, REGION, REPO_ROOT, make_client, pending_invitation,
    ramd_accounts_create, store_args, tgw_arn,
)
from shape_check import COMMON_ERRORS

ACCOUNT_D = "444444444444"

# ------------------------------------------------------------------------------------------ the models


def _vendored(service: str) -> botocore.model.ServiceModel:
    return botocore.model.ServiceModel(
        json.loads((REPO_ROOT / "model" / service / "service-2.json").read_text()), service)


def _served() -> dict[str, list[str]]:
    """The Organizations and IAM operations ramd serves: the generator's own list."""
    spec = importlib.util.spec_from_file_location("gen_model", REPO_ROOT / "tools" / "gen_model.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen.SERVED


MODELS = {
    "ram": _vendored("ram"),
    "organizations": _vendored("organizations"),
    "iam": _vendored("iam"),
    "sts": botocore.session.get_session().get_service_model("sts"),
}
SERVED = _served()
OPERATIONS = {
    "ram": set(MODELS["ram"].operation_names),
    "ramd": {"CheckAccess", "PutResourcePolicy"},
    "organizations": set(SERVED["organizations"]),
    "iam": set(SERVED["iam"]),
    "sts": {"GetCallerIdentity"},
}

# ------------------------------------------------------------------------------------------ A's world

PROJECT_ACTIONS = ["codebuild:BatchGetProjects", "codebuild:BatchGetBuilds"]
AWS_PROJECT_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionCodeBuildProject"
SLR = "AWSServiceRoleForResourceAccessManager"


def project_arn(name: str, account: str = ACCOUNT_A) -> str:
    return f"arn:aws:codebuild:{REGION}:{account}:project/{name}"


def template(actions=PROJECT_ACTIONS) -> str:
    return json.dumps({"Effect": "Allow", "Action": actions})


# IAM documents of A's world and of what the calls create: naming no account, so that B's own
# creations name nothing of A's.
IAM_DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}]})
IAM_DOCUMENT_2 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ram:List*", "Resource": "*"}]})
TRUST_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SCP = "SERVICE_CONTROL_POLICY"
# The organization's SCPs: denying what no call of the matrix does, so that they change no one's access.
SCP_DOCUMENT = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "ram:CreateResourceShare", "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestTag/iso": "never"}}}]})


def policy(resource: str, principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": PROJECT_ACTIONS, "Resource": resource}]})


class World:
    """The identifiers of A's world, the targets of every call."""

    # What B may see: the shares A invited B to, their invitations and resources; and the names the
    # positive control will create, which B's own creations in the matrix take too.
    VISIBLE_TO_B = {"s1", "s2", "s3", "i1", "i2", "i3", "tgw1", "tgw2", "tgw3", "new_permission", "new_ou",
                    "new_user", "new_role", "new_policy", "new_scp", "b_user", "b_role"}

    def secrets(self) -> set[str]:
        """What no other account may ever read in an answer (beyond what its own request named)."""
        # (The root's id, "r-" and four characters, is too short to search text for; the OU's id holds it.)
        names = {v for k, v in vars(self).items() if isinstance(v, str) and k not in self.VISIBLE_TO_B and k != "root"}
        return names | {"s0-secret", "perm-secret", "ou-secret", "iso-private", "policy-secret", "scp-secret"}


def build_world(url: str, keys: dict) -> World:
    w = World()
    client = lambda who, service="ram": make_client(  # noqa: E731
        url, service=service, account=keys[who]["accessKeyId"], secret=keys[who]["secretAccessKey"])
    a, b = client("a"), client("b")
    orgs, iam = client("a", "organizations"), client("a", "iam")

    # IAM: a finished deletion task of RAM's service-linked role (EnableSharing... makes it again).
    iam.create_service_linked_role(AWSServiceName="ram.amazonaws.com")
    w.deletion_task = iam.delete_service_linked_role(RoleName=SLR)["DeletionTaskId"]
    # IAM users: one with an access key, one without (deleted in the positive control); the name the
    # positive control (and B, for itself) creates.
    w.user, w.gone_user, w.new_user = "iso-user", "iso-gone", "iso-new-user"
    iam.create_user(UserName=w.user, Path="/iso/")
    w.user_key = iam.create_access_key(UserName=w.user)["AccessKey"]["AccessKeyId"]
    iam.create_user(UserName=w.gone_user)
    # IAM roles (one deleted in the positive control) and policies: P (v1 and v2), attached to the user
    # and the role, which have inline policies; one to delete; the names the positive control creates.
    w.role, w.gone_role, w.new_role = "iso-role", "iso-gone-role", "iso-new-role"
    iam.create_role(RoleName=w.role, Path="/iso/", AssumeRolePolicyDocument=TRUST_POLICY)
    iam.create_role(RoleName=w.gone_role, AssumeRolePolicyDocument=TRUST_POLICY)
    w.policy = iam.create_policy(PolicyName="IsoPolicy", Path="/iso/", PolicyDocument=IAM_DOCUMENT,
                                 Tags=[{"Key": "iso", "Value": "policy-secret"}])["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=w.policy, PolicyDocument=IAM_DOCUMENT_2)
    w.doomed_policy = iam.create_policy(PolicyName="IsoDoomedPolicy", Path="/iso/", PolicyDocument=IAM_DOCUMENT)[
        "Policy"]["Arn"]
    w.new_policy = "IsoNewPolicy"
    w.user_inline, w.role_inline = "iso-user-inline", "iso-role-inline"
    iam.put_user_policy(UserName=w.user, PolicyName=w.user_inline, PolicyDocument=IAM_DOCUMENT)
    iam.put_role_policy(RoleName=w.role, PolicyName=w.role_inline, PolicyDocument=IAM_DOCUMENT)
    iam.attach_user_policy(UserName=w.user, PolicyArn=w.policy)
    iam.attach_role_policy(RoleName=w.role, PolicyArn=w.policy)
    # B's own user and role (the probes attach A's policy to them).
    b_iam = client("b", "iam")
    w.b_user, w.b_role = "iso-b-user", "iso-b-role"
    b_iam.create_user(UserName=w.b_user)
    b_iam.create_role(RoleName=w.b_role, AssumeRolePolicyDocument=TRUST_POLICY)
    # Organizations: A manages one with a tagged OU, a member account it created, and invitations
    # open to C (who accepts in the positive control), to D (who declines) and to 555555555555 (cancelled).
    w.org = orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    w.root = orgs.list_roots()["Roots"][0]["Id"]
    w.ou = orgs.create_organizational_unit(ParentId=w.root, Name="iso-eng", Tags=[{"Key": "iso", "Value": "ou-secret"}])[
        "OrganizationalUnit"]["Id"]
    # Service control policies, enabled before the member joins (which gives it FullAWSAccess): one
    # attached to the OU, one to delete; the name the positive control creates.
    orgs.enable_policy_type(RootId=w.root, PolicyType=SCP)
    make_scp = lambda name, **kw: orgs.create_policy(  # noqa: E731
        Name=name, Type=SCP, Content=SCP_DOCUMENT, **kw)["Policy"]["PolicySummary"]["Id"]
    w.scp = make_scp("IsoScp", Description="scp-secret")
    w.doomed_scp = make_scp("IsoDoomedScp", Description="")
    orgs.attach_policy(PolicyId=w.scp, TargetId=w.ou)
    w.new_scp = "IsoNewScp"
    w.create_account_request = orgs.create_account(Email="iso-member@example.com", AccountName="iso-member")[
        "CreateAccountStatus"]["Id"]
    w.member = orgs.describe_create_account_status(CreateAccountRequestId=w.create_account_request)[
        "CreateAccountStatus"]["AccountId"]
    invite = lambda account: orgs.invite_account_to_organization(  # noqa: E731
        Target={"Id": account, "Type": "ACCOUNT"})["Handshake"]["Id"]
    w.handshake_c, w.handshake_d, w.handshake_x = invite(ACCOUNT_C), invite(ACCOUNT_D), invite("555555555555")
    assert a.enable_sharing_with_aws_organization()["returnValue"] is True

    # Customer managed permissions: P (tagged; a second version follows), one to detach, one to delete.
    create = lambda name, **kw: a.create_permission(  # noqa: E731
        name=name, resourceType="codebuild:Project", policyTemplate=template(), **kw)["permission"]["arn"]
    w.p = create("IsoProjectRead", tags=[{"key": "iso", "value": "perm-secret"}])
    w.p_detach, w.p_doomed = create("IsoDetach"), create("IsoDoomed")

    # S0 is A's private share: nobody else may ever see it or anything in it.
    w.project0, w.tgw0 = project_arn("iso-project0"), tgw_arn(suffix="0150e0000000000a0")
    w.s0 = a.create_resource_share(name="iso-private", resourceArns=[w.project0, w.tgw0], permissionArns=[w.p],
                                   tags=[{"key": "iso-secret", "value": "s0-secret"}])["resourceShare"]["resourceShareArn"]
    a.create_permission_version(permissionArn=w.p, policyTemplate=template(PROJECT_ACTIONS[:1]))
    # S1 (B's invitation pending), S2 (accepted by B), S3 (pending, B rejects it in the positive control).
    w.tgw1, w.tgw2, w.tgw3 = (tgw_arn(suffix=f"0150e0000000000a{i}") for i in (1, 2, 3))
    for i, name in ((1, "iso-pending"), (2, "iso-accepted"), (3, "iso-to-reject")):
        share = a.create_resource_share(name=name, resourceArns=[getattr(w, f"tgw{i}")], principals=[ACCOUNT_B])
        setattr(w, f"s{i}", share["resourceShare"]["resourceShareArn"])
        setattr(w, f"i{i}", pending_invitation(b, getattr(w, f"s{i}"))["resourceShareInvitationArn"])
    b.accept_resource_share_invitation(resourceShareInvitationArn=w.i2)
    # S4 is RAM's share of a resource-based policy (ramd's /putresourcepolicy), with its own permission.
    w.project4 = project_arn("iso-project4")
    put = send(url, Call("ramd", "PutResourcePolicy", {"resourceArn": w.project4, "policy": policy(w.project4, ACCOUNT_C)}),
               **signed(keys["a"]))
    assert put.status == 200, put.text
    w.s4, w.p4 = json.loads(put.text)["resourceShareArn"], json.loads(put.text)["permissionArn"]
    # S5 shares with a service principal, C as its only source; S6 holds a permission and no resource.
    w.project5 = project_arn("iso-project5")
    w.s5 = a.create_resource_share(name="iso-service", resourceArns=[w.project5], principals=["codebuild.amazonaws.com"],
                                   sources=[ACCOUNT_C])["resourceShare"]["resourceShareArn"]
    w.s6 = a.create_resource_share(name="iso-permission-only", permissionArns=[w.p_detach])["resourceShare"][
        "resourceShareArn"]
    # A replacement work: S5 moves from the AWS managed permission to P.
    w.work = a.replace_permission_associations(fromPermissionArn=AWS_PROJECT_PERMISSION, toPermissionArn=w.p)[
        "replacePermissionAssociationsWork"]["id"]
    # What the positive control creates (names the matrix's creators may take first in their own accounts).
    w.project6, w.new_permission, w.new_ou = project_arn("iso-project6"), "IsoNew", "iso-new"
    return w


def ghost_of(w: World) -> World:
    """A world of the same shape whose every identifier exists nowhere: made-up ARNs and ids of A."""
    def fake(value: str) -> str:
        value = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", lambda _: str(uuid.uuid4()), value)
        value = re.sub(r"permission/(\w)", r"permission/Ghost\1", value)
        value = value.replace("project/iso-", "project/ghost-").replace("tgw-0150e", "tgw-0dead")
        value = value.replace(":policy/iso/Iso", ":policy/iso/GhostIso")
        if re.fullmatch(r"(o|r|ou|h|car|p)-[0-9a-z-]+", value):
            prefix, rest = value.split("-", 1)
            value = prefix + "-" + re.sub(r"[0-9a-z]", "0", rest)
        if re.fullmatch(r"\d{12}", value):
            value = "999999999999"
        return value
    ghost = copy.copy(w)
    for k, v in vars(w).items():
        if isinstance(v, str):
            setattr(ghost, k, fake(v))
    ghost.new_permission, ghost.new_ou = "IsoGhostNew", "iso-ghost-new"
    return ghost


# ------------------------------------------------------------------------------------------ the calls


@dataclass(frozen=True)
class Call:
    service: str  # ram | ramd (ramd's extensions) | organizations | iam | sts
    op: str
    params: dict
    owner: str = "a"  # whose valid signature in REGION makes the call succeed

    @property
    def id(self) -> str:
        return f"{self.service}:{self.op}"


def calls(w: World) -> list[Call]:
    """One valid call of every operation aimed at A's world, in the order the positive control sends
    them: reads first, then writes, each leaving what the later ones need."""
    own, ou, handshake = "SELF", {"OrganizationalUnitId": w.ou}, lambda h: {"HandshakeId": h}
    scp_type = {"RootId": w.root, "PolicyType": SCP}
    ram = [
        Call("ram", "GetPermission", {"permissionArn": w.p}),
        Call("ram", "GetResourcePolicies", {"resourceArns": [w.project0]}),
        Call("ram", "GetResourceShareAssociations", {"associationType": "RESOURCE", "resourceShareArns": [w.s0]}),
        Call("ram", "GetResourceShareInvitations", {"resourceShareInvitationArns": [w.i1]}, owner="b"),
        Call("ram", "GetResourceShares", {"resourceOwner": own, "resourceShareArns": [w.s0]}),
        Call("ram", "ListPendingInvitationResources", {"resourceShareInvitationArn": w.i1}, owner="b"),
        Call("ram", "ListPermissionAssociations", {"permissionArn": w.p}),
        Call("ram", "ListPermissionVersions", {"permissionArn": w.p}),
        Call("ram", "ListPermissions", {"permissionType": "CUSTOMER_MANAGED"}),
        Call("ram", "ListPrincipals", {"resourceOwner": own, "resourceShareArns": [w.s2]}),
        Call("ram", "ListReplacePermissionAssociationsWork", {"workIds": [w.work]}),
        Call("ram", "ListResourceSharePermissions", {"resourceShareArn": w.s0}),
        Call("ram", "ListResourceTypes", {}),
        Call("ram", "ListResources", {"resourceOwner": own, "resourceShareArns": [w.s0]}),
        Call("ram", "ListSourceAssociations", {"resourceShareArns": [w.s5]}),
        Call("ram", "TagResource", {"resourceShareArn": w.s0, "tags": [{"key": "iso-added", "value": "x"}]}),
        Call("ram", "UntagResource", {"resourceShareArn": w.s0, "tagKeys": ["iso-secret"]}),
        Call("ram", "UpdateResourceShare", {"resourceShareArn": w.s0, "name": "iso-private-renamed"}),
        Call("ram", "AssociateResourceShare", {"resourceShareArn": w.s0, "principals": [ACCOUNT_C],
                                               "resourceArns": [tgw_arn(suffix="0150e00000000a0a0")]}),
        Call("ram", "DisassociateResourceShare", {"resourceShareArn": w.s0, "resourceArns": [w.tgw0]}),
        Call("ram", "CreatePermission", {"name": w.new_permission, "resourceType": "codebuild:Project",
                                         "policyTemplate": template()}),
        Call("ram", "CreatePermissionVersion", {"permissionArn": w.p, "policyTemplate": template(PROJECT_ACTIONS[1:])}),
        Call("ram", "SetDefaultPermissionVersion", {"permissionArn": w.p, "permissionVersion": 2}),
        Call("ram", "ReplacePermissionAssociations", {"fromPermissionArn": w.p, "fromPermissionVersion": 1,
                                                      "toPermissionArn": AWS_PROJECT_PERMISSION}),
        Call("ram", "DeletePermissionVersion", {"permissionArn": w.p, "permissionVersion": 1}),
        Call("ram", "AssociateResourceSharePermission", {"resourceShareArn": w.s0, "permissionArn": w.p, "replace": True}),
        Call("ram", "DisassociateResourceSharePermission", {"resourceShareArn": w.s6, "permissionArn": w.p_detach}),
        Call("ram", "PromotePermissionCreatedFromPolicy", {"permissionArn": w.p4, "name": "IsoPromoted"}),
        Call("ram", "PromoteResourceShareCreatedFromPolicy", {"resourceShareArn": w.s4}),
        Call("ram", "CreateResourceShare", {"name": "iso-new", "principals": [ACCOUNT_C],
                                            "resourceArns": [tgw_arn(suffix="0150e00000000a0b0")]}),
        Call("ram", "EnableSharingWithAwsOrganization", {}),
        Call("ram", "AcceptResourceShareInvitation", {"resourceShareInvitationArn": w.i1}, owner="b"),
        Call("ram", "RejectResourceShareInvitation", {"resourceShareInvitationArn": w.i3}, owner="b"),
        Call("ram", "DeletePermission", {"permissionArn": w.p_doomed}),
        Call("ram", "DeleteResourceShare", {"resourceShareArn": w.s0}),
    ]
    ramd = [
        Call("ramd", "CheckAccess", {"principal": ACCOUNT_C, "action": PROJECT_ACTIONS[0], "resourceArn": w.project0}),
        Call("ramd", "PutResourcePolicy", {"resourceArn": w.project6, "policy": policy(w.project6, ACCOUNT_C)}),
    ]
    organizations = [
        Call("organizations", "DescribeAccount", {"AccountId": w.member}),
        Call("organizations", "DescribeCreateAccountStatus", {"CreateAccountRequestId": w.create_account_request}),
        Call("organizations", "DescribeHandshake", handshake(w.handshake_c)),
        Call("organizations", "DescribeOrganization", {}),
        Call("organizations", "DescribeOrganizationalUnit", ou),
        Call("organizations", "ListAWSServiceAccessForOrganization", {}),
        Call("organizations", "ListAccounts", {}),
        Call("organizations", "ListAccountsForParent", {"ParentId": w.root}),
        Call("organizations", "ListChildren", {"ParentId": w.root, "ChildType": "ORGANIZATIONAL_UNIT"}),
        Call("organizations", "ListCreateAccountStatus", {}),
        Call("organizations", "ListHandshakesForAccount", {}, owner="c"),
        Call("organizations", "ListHandshakesForOrganization", {}),
        Call("organizations", "ListOrganizationalUnitsForParent", {"ParentId": w.root}),
        Call("organizations", "ListParents", {"ChildId": w.member}),
        Call("organizations", "ListRoots", {}),
        Call("organizations", "ListTagsForResource", {"ResourceId": w.ou}),
        Call("organizations", "DescribePolicy", {"PolicyId": w.scp}),
        Call("organizations", "ListPolicies", {"Filter": SCP}),
        Call("organizations", "ListPoliciesForTarget", {"TargetId": w.ou, "Filter": SCP}),
        Call("organizations", "ListTargetsForPolicy", {"PolicyId": w.scp}),
        Call("organizations", "UpdatePolicy", {"PolicyId": w.scp, "Description": "iso-updated"}),
        Call("organizations", "CreatePolicy", {"Name": w.new_scp, "Description": "", "Type": SCP, "Content": SCP_DOCUMENT}),
        Call("organizations", "AttachPolicy", {"PolicyId": w.scp, "TargetId": w.root}),
        Call("organizations", "DetachPolicy", {"PolicyId": w.scp, "TargetId": w.ou}),
        Call("organizations", "DeletePolicy", {"PolicyId": w.doomed_scp}),
        Call("organizations", "DisablePolicyType", scp_type),
        Call("organizations", "EnablePolicyType", scp_type),
        Call("organizations", "TagResource", {"ResourceId": w.ou, "Tags": [{"Key": "k2", "Value": "v"}]}),
        Call("organizations", "UntagResource", {"ResourceId": w.ou, "TagKeys": ["iso"]}),
        Call("organizations", "UpdateOrganizationalUnit", {**ou, "Name": "iso-renamed"}),
        Call("organizations", "MoveAccount", {"AccountId": w.member, "SourceParentId": w.root, "DestinationParentId": w.ou}),
        Call("organizations", "CreateOrganizationalUnit", {"ParentId": w.root, "Name": w.new_ou}),
        Call("organizations", "DisableAWSServiceAccess", {"ServicePrincipal": "ram.amazonaws.com"}),
        Call("organizations", "EnableAWSServiceAccess", {"ServicePrincipal": "ram.amazonaws.com"}),
        Call("organizations", "InviteAccountToOrganization", {"Target": {"Id": "666666666666", "Type": "ACCOUNT"}}),
        Call("organizations", "CancelHandshake", handshake(w.handshake_x)),
        Call("organizations", "DeclineHandshake", handshake(w.handshake_d), owner="d"),
        Call("organizations", "AcceptHandshake", handshake(w.handshake_c), owner="c"),
        Call("organizations", "LeaveOrganization", {}, owner="c"),
        Call("organizations", "RemoveAccountFromOrganization", {"AccountId": w.member}),
        Call("organizations", "DeleteOrganizationalUnit", ou),
        Call("organizations", "DeleteOrganization", {}),
        Call("organizations", "CreateOrganization", {"FeatureSet": "ALL"}),
        Call("organizations", "CreateAccount", {"Email": "iso-new@example.com", "AccountName": "iso-new"}),
    ]
    iam = [
        Call("iam", "GetRole", {"RoleName": SLR}),
        Call("iam", "GetServiceLinkedRoleDeletionStatus", {"DeletionTaskId": w.deletion_task}),
        Call("iam", "DeleteServiceLinkedRole", {"RoleName": SLR}),
        Call("iam", "CreateServiceLinkedRole", {"AWSServiceName": "ram.amazonaws.com"}),
        Call("iam", "GetUser", {"UserName": w.user}),
        Call("iam", "ListUsers", {}),
        Call("iam", "ListAccessKeys", {"UserName": w.user}),
        Call("iam", "ListGroupsForUser", {"UserName": w.user}),
        Call("iam", "DeleteAccessKey", {"UserName": w.user, "AccessKeyId": w.user_key}),
        Call("iam", "CreateAccessKey", {"UserName": w.user}),
        Call("iam", "DeleteUser", {"UserName": w.gone_user}),
        Call("iam", "CreateUser", {"UserName": w.new_user}),
        # Roles and policies: reads, then writes (P has v1 and v2 at first).
        Call("iam", "GetPolicy", {"PolicyArn": w.policy}),
        Call("iam", "GetPolicyVersion", {"PolicyArn": w.policy, "VersionId": "v1"}),
        Call("iam", "ListPolicies", {"Scope": "Local"}),
        Call("iam", "ListPolicyVersions", {"PolicyArn": w.policy}),
        Call("iam", "GetUserPolicy", {"UserName": w.user, "PolicyName": w.user_inline}),
        Call("iam", "ListUserPolicies", {"UserName": w.user}),
        Call("iam", "ListAttachedUserPolicies", {"UserName": w.user}),
        Call("iam", "ListRoles", {}),
        Call("iam", "ListInstanceProfilesForRole", {"RoleName": w.role}),
        Call("iam", "GetRolePolicy", {"RoleName": w.role, "PolicyName": w.role_inline}),
        Call("iam", "ListRolePolicies", {"RoleName": w.role}),
        Call("iam", "ListAttachedRolePolicies", {"RoleName": w.role}),
        Call("iam", "CreatePolicyVersion", {"PolicyArn": w.policy, "PolicyDocument": IAM_DOCUMENT_2}),
        Call("iam", "SetDefaultPolicyVersion", {"PolicyArn": w.policy, "VersionId": "v2"}),
        Call("iam", "DeletePolicyVersion", {"PolicyArn": w.policy, "VersionId": "v1"}),
        Call("iam", "PutUserPolicy", {"UserName": w.user, "PolicyName": w.user_inline, "PolicyDocument": IAM_DOCUMENT_2}),
        Call("iam", "PutRolePolicy", {"RoleName": w.role, "PolicyName": w.role_inline, "PolicyDocument": IAM_DOCUMENT_2}),
        Call("iam", "AttachUserPolicy", {"UserName": w.user, "PolicyArn": READ_ONLY_ACCESS}),
        Call("iam", "AttachRolePolicy", {"RoleName": w.role, "PolicyArn": READ_ONLY_ACCESS}),
        Call("iam", "DetachUserPolicy", {"UserName": w.user, "PolicyArn": w.policy}),
        Call("iam", "DetachRolePolicy", {"RoleName": w.role, "PolicyArn": w.policy}),
        Call("iam", "DeleteUserPolicy", {"UserName": w.user, "PolicyName": w.user_inline}),
        Call("iam", "DeleteRolePolicy", {"RoleName": w.role, "PolicyName": w.role_inline}),
        Call("iam", "DeletePolicy", {"PolicyArn": w.doomed_policy}),
        Call("iam", "DeleteRole", {"RoleName": w.gone_role}),
        Call("iam", "CreateRole", {"RoleName": w.new_role, "AssumeRolePolicyDocument": TRUST_POLICY}),
        Call("iam", "CreatePolicy", {"PolicyName": w.new_policy, "PolicyDocument": IAM_DOCUMENT}),
    ]
    return ram + ramd + organizations + iam + [Call("sts", "GetCallerIdentity", {})]


# ------------------------------------------------------------------------------------------ the wire


@dataclass
class Answer:
    status: int
    code: str | None
    message: str
    text: str


def wire(call: Call):
    """(method, path, query, headers, body) of a call, serialized by botocore from its model."""
    if call.service == "ramd":
        return "POST", f"/{call.op.lower()}", "", {"Content-Type": "application/json"}, json.dumps(call.params).encode()
    model = MODELS[call.service]
    serializer = botocore.serialize.create_serializer(model.metadata["protocol"])
    req = serializer.serialize_to_request(dict(call.params), model.operation_model(call.op))
    body = req["body"]
    if isinstance(body, dict):  # the query protocol's form
        body = urllib.parse.urlencode(body).encode()
    return req["method"], req["url_path"], urllib.parse.urlencode(req["query_string"], doseq=True), req["headers"], body


_HTTP = requests.Session()


def signed(key: dict, **kw) -> dict:
    return {"key": key["accessKeyId"], "secret": key["secretAccessKey"], **kw}


def send(url: str, call: Call, *, key: str | None, secret: str = "", region: str = REGION,
         scope: str | None = None, at: datetime.datetime | None = None) -> Answer:
    """Sends `call` signed by botocore's SigV4Auth with (key, secret) for `region`, service `scope`
    (the call's own by default) at time `at` (now by default); unsigned when key is None."""
    method, path, query, headers, body = wire(call)
    req = AWSRequest(method=method, url=url + path + (f"?{query}" if query else ""), data=body, headers=dict(headers))
    if key is not None:
        signer = SigV4Auth(Credentials(key, secret), scope or ("ram" if call.service == "ramd" else call.service), region)
        # botocore's signer reads the clock through this name, as test_auth's stale-signature test relies on.
        clock = mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: at) if at else contextlib.nullcontext()
        with clock:
            signer.add_auth(req)
    prepared = req.prepare()
    r = _HTTP.request(prepared.method, prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=30)
    return decode(call.service, r)


def decode(service: str, r: requests.Response) -> Answer:
    """The error code where each protocol carries it: RAM's x-amzn-ErrorType header, Organizations'
    JSON __type, IAM's and STS's XML <Code>."""
    code, message = None, ""
    if r.status_code >= 300:
        try:
            if service in ("ram", "ramd"):
                code, message = r.headers.get("x-amzn-ErrorType", "").split(":")[0] or None, r.json().get("message", "")
            elif service == "organizations":
                doc = r.json()
                code, message = doc.get("__type", "").split("#")[-1] or None, doc.get("Message") or doc.get("message", "")
            else:
                for e in ET.fromstring(r.text).iter():
                    if e.tag.endswith("}Code") or e.tag == "Code":
                        code = e.text
                    if e.tag.endswith("}Message") or e.tag == "Message":
                        message = e.text or ""
        except (ValueError, ET.ParseError):
            pass
    return Answer(r.status_code, code, message, r.text)


def strings_of(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_of(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return []


def revealed(answer: Answer, call: Call, secrets: set[str]) -> set[str]:
    """The secrets an answer names beyond what its own request named (an error echoing the ARN it
    was asked about reveals nothing)."""
    text = answer.text
    for s in sorted(strings_of(call.params), key=len, reverse=True):
        text = text.replace(s, "")
    return {s for s in secrets if s in text}


# ------------------------------------------------------------------------------------------ the state


def export(data_dir: Path) -> dict[str, list[str]]:
    """Every row of every table of the store, as sorted JSON lines per table: SQLite read-only
    beside the running server, or PostgreSQL through psql."""
    if os.environ.get("RAMD_TEST_BACKEND") == "postgres":
        url = _database_url(data_dir)

        def psql(sql: str) -> str:
            return subprocess.run(["psql", url, "-XAtqc", sql], capture_output=True, text=True, check=True).stdout

        tables = psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                      "AND table_type = 'BASE TABLE' ORDER BY 1").split()
        out: dict[str, list[str]] = {t: [] for t in tables}
        rows = psql(" UNION ALL ".join(f"SELECT '{t}', row_to_json(x)::text FROM {t} x" for t in tables))
        for line in rows.splitlines():
            table, row = line.split("|", 1)
            out[table].append(row)
        return {t: sorted(rows) for t, rows in out.items()}
    db = sqlite3.connect(f"file:{data_dir / 'ramd.sqlite3'}?mode=ro", uri=True)
    try:
        out = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1").fetchall():
            cur = db.execute(f'SELECT * FROM "{table}"')
            cols = [d[0] for d in cur.description]
            out[table] = sorted(json.dumps(dict(zip(cols, row)), sort_keys=True) for row in cur)
        return out
    finally:
        db.close()


@functools.lru_cache
def _database_url(data_dir: Path) -> str:
    args = store_args(data_dir)
    return args[args.index("--database-url") + 1]


def changes(before: dict, after: dict) -> dict[str, tuple[list[str], list[str]]]:
    """Per changed table: (rows gone, rows new)."""
    return {t: (sorted(set(before.get(t, [])) - set(rows)), sorted(set(rows) - set(before.get(t, []))))
            for t, rows in after.items() if before.get(t) != rows}


# ------------------------------------------------------------------------------------------ expectations


@dataclass(frozen=True)
class Expect:
    code: str | None = None  # None: answered 200
    status: int = 200
    says: str = ""  # a fragment of the error message
    adds: bool = False  # succeeds and writes the caller's own rows: run last in its column
    discreet: bool = True  # names none of the world's secrets beyond what the request named


OK, ADDS = Expect(), Expect(adds=True)


def no(code: str, status: int = 400, says: str = "") -> Expect:
    return Expect(code, status, says)


UNKNOWN = no("UnknownResourceException")
NO_INVITATION = no("ResourceShareInvitationArnNotFoundException")
NOT_IN_ORG = no("AWSOrganizationsNotInUseException", says="not a member of an organization")
NO_HANDSHAKE = no("HandshakeNotFoundException")
NO_ENTITY = no("NoSuchEntity", 404)

# Another account (B; A for the calls B owns: B's invitations) sends the very same call. What A owns
# is unknown to it, as AWS answers for a resource that does not exist; the listings of its own data
# answer its (empty) own; a call with no target of A's (a create) succeeds in its own account.
ANOTHER_ACCOUNT = {
    "ram:GetPermission": UNKNOWN,
    "ram:GetResourcePolicies": no("ResourceArnNotFoundException"),
    "ram:GetResourceShareAssociations": UNKNOWN,
    "ram:GetResourceShareInvitations": NO_INVITATION,  # A, the sender, is not the receiver
    "ram:GetResourceShares": UNKNOWN,
    "ram:ListPendingInvitationResources": NO_INVITATION,
    "ram:ListPermissionAssociations": OK,
    "ram:ListPermissionVersions": UNKNOWN,
    "ram:ListPermissions": OK,
    "ram:ListPrincipals": OK,
    "ram:ListReplacePermissionAssociationsWork": OK,
    "ram:ListResourceSharePermissions": UNKNOWN,
    "ram:ListResourceTypes": OK,
    "ram:ListResources": OK,
    "ram:ListSourceAssociations": UNKNOWN,
    "ram:TagResource": UNKNOWN,
    "ram:UntagResource": UNKNOWN,
    "ram:UpdateResourceShare": UNKNOWN,
    "ram:AssociateResourceShare": UNKNOWN,  # A's resource is unknown to B before A's share is
    "ram:DisassociateResourceShare": UNKNOWN,
    "ram:CreatePermission": ADDS,
    "ram:CreatePermissionVersion": UNKNOWN,
    "ram:SetDefaultPermissionVersion": UNKNOWN,
    "ram:ReplacePermissionAssociations": UNKNOWN,
    "ram:DeletePermissionVersion": UNKNOWN,
    "ram:AssociateResourceSharePermission": UNKNOWN,
    "ram:DisassociateResourceSharePermission": UNKNOWN,
    "ram:PromotePermissionCreatedFromPolicy": UNKNOWN,
    "ram:PromoteResourceShareCreatedFromPolicy": UNKNOWN,
    "ram:CreateResourceShare": UNKNOWN,  # B cannot share A's resource
    "ram:EnableSharingWithAwsOrganization": no("OperationNotPermittedException", says="AccessDeniedException"),
    "ram:AcceptResourceShareInvitation": NO_INVITATION,
    "ram:RejectResourceShareInvitation": NO_INVITATION,
    "ram:DeletePermission": UNKNOWN,
    "ram:DeleteResourceShare": UNKNOWN,
    "ramd:CheckAccess": no("AccessDeniedException", 403),  # neither B's resource nor B's principal
    "ramd:PutResourcePolicy": UNKNOWN,
    # B belongs to no organization: it reads and changes nothing of A's.
    **{f"organizations:{op}": NOT_IN_ORG for op in SERVED["organizations"]},
    "organizations:DescribeHandshake": NO_HANDSHAKE,
    "organizations:AcceptHandshake": NO_HANDSHAKE,
    "organizations:CancelHandshake": NO_HANDSHAKE,
    "organizations:DeclineHandshake": NO_HANDSHAKE,
    "organizations:ListHandshakesForAccount": OK,  # B's own: none
    "organizations:CreateOrganization": ADDS,  # B's own organization
    "iam:GetRole": NO_ENTITY,
    "iam:GetServiceLinkedRoleDeletionStatus": NO_ENTITY,
    "iam:DeleteServiceLinkedRole": NO_ENTITY,
    "iam:CreateServiceLinkedRole": ADDS,  # B's own role
    "iam:GetUser": NO_ENTITY,
    "iam:ListUsers": OK,  # B's own: none
    "iam:ListAccessKeys": NO_ENTITY,
    "iam:ListGroupsForUser": NO_ENTITY,
    "iam:DeleteAccessKey": NO_ENTITY,
    "iam:CreateAccessKey": NO_ENTITY,
    "iam:DeleteUser": NO_ENTITY,
    "iam:CreateUser": ADDS,  # B's own user
    # A's policy ARNs name nothing B has (another account's policy is not found); A's users and roles
    # are not B's; B's listings are of its own.
    "iam:GetPolicy": NO_ENTITY,
    "iam:GetPolicyVersion": NO_ENTITY,
    "iam:ListPolicies": OK,  # B's own (Local): none
    "iam:ListPolicyVersions": NO_ENTITY,
    "iam:GetUserPolicy": NO_ENTITY,
    "iam:ListUserPolicies": NO_ENTITY,
    "iam:ListAttachedUserPolicies": NO_ENTITY,
    "iam:ListRoles": OK,  # B's own
    "iam:ListInstanceProfilesForRole": NO_ENTITY,
    "iam:GetRolePolicy": NO_ENTITY,
    "iam:ListRolePolicies": NO_ENTITY,
    "iam:ListAttachedRolePolicies": NO_ENTITY,
    "iam:CreatePolicyVersion": NO_ENTITY,
    "iam:SetDefaultPolicyVersion": NO_ENTITY,
    "iam:DeletePolicyVersion": NO_ENTITY,
    "iam:PutUserPolicy": NO_ENTITY,
    "iam:PutRolePolicy": NO_ENTITY,
    "iam:AttachUserPolicy": NO_ENTITY,
    "iam:AttachRolePolicy": NO_ENTITY,
    "iam:DetachUserPolicy": NO_ENTITY,
    "iam:DetachRolePolicy": NO_ENTITY,
    "iam:DeleteUserPolicy": NO_ENTITY,
    "iam:DeleteRolePolicy": NO_ENTITY,
    "iam:DeletePolicy": NO_ENTITY,
    "iam:DeleteRole": NO_ENTITY,
    "iam:CreateRole": ADDS,  # B's own role
    "iam:CreatePolicy": ADDS,  # B's own policy
    "sts:GetCallerIdentity": OK,  # B's own identity
}

# A signs for eu-west-1 the calls aimed at its us-east-1 world: none of it exists there. (The
# global services, Organizations, IAM and STS, are not partitioned by Region: not in this column.)
ANOTHER_REGION = {
    **{k: v for k, v in ANOTHER_ACCOUNT.items() if k.startswith("ram:")},
    "ram:GetResourcePolicies": OK,  # an empty list, where B is told ResourceArnNotFoundException
    "ram:EnableSharingWithAwsOrganization": OK,  # one switch for every Region, already on: no change
    "ramd:CheckAccess": OK,  # DENY: no share in eu-west-1 holds the resource
    "ramd:PutResourcePolicy": UNKNOWN,
}


def probes(w: World) -> list[tuple[str, str, Call, Expect]]:
    """More ways another account might reach A's data than the same call sent by it: the receiver's
    views, a receiver changing what it received, A's permission's tags, a stranger to an invitation,
    and ramd's access decision about the caller itself. (label, caller, call, expectation)"""
    other = "OTHER-ACCOUNTS"
    found = [
        ("b", "ram", "GetResourceShares", {"resourceOwner": other, "resourceShareArns": [w.s0]}, UNKNOWN),
        ("b", "ram", "GetResourceShares", {"resourceOwner": other, "resourceShareArns": [w.s1]}, UNKNOWN),  # pending
        ("b", "ram", "GetResourceShares", {"resourceOwner": other}, OK),
        ("b", "ram", "GetResourceShares", {"resourceOwner": other, "permissionArn": w.p}, OK),
        ("b", "ram", "ListResources", {"resourceOwner": other}, OK),
        ("b", "ram", "ListResources", {"resourceOwner": other, "resourceArns": [w.project0]}, OK),
        ("b", "ram", "ListPrincipals", {"resourceOwner": other}, OK),
        ("b", "ram", "ListPrincipals", {"resourceOwner": "SELF", "resourceArn": w.project0}, OK),
        ("b", "ram", "GetResourcePolicies", {"resourceArns": [w.tgw2]}, no("ResourceArnNotFoundException")),
        ("b", "ram", "GetResourceShareAssociations", {"associationType": "PRINCIPAL", "resourceShareArns": [w.s2]}, UNKNOWN),
        ("b", "ram", "GetResourceShareAssociations", {"associationType": "RESOURCE", "resourceArn": w.project0}, OK),
        ("b", "ram", "GetResourceShareInvitations", {}, OK),
        ("b", "ram", "GetResourceShareInvitations", {"resourceShareArns": [w.s0]}, OK),
        ("b", "ram", "ListResourceSharePermissions", {"resourceShareArn": w.s1}, UNKNOWN),
        ("b", "ram", "ListPermissions", {}, OK),
        ("b", "ram", "ListPermissionAssociations", {}, OK),
        ("b", "ram", "ListSourceAssociations", {}, OK),
        ("b", "ram", "ListReplacePermissionAssociationsWork", {}, OK),
        ("b", "ram", "TagResource", {"resourceArn": w.p, "tags": [{"key": "x", "value": "y"}]},
         no("ResourceArnNotFoundException")),
        ("b", "ram", "UntagResource", {"resourceArn": w.p, "tagKeys": ["iso"]}, UNKNOWN),
        ("b", "ram", "AssociateResourceShare", {"resourceShareArn": w.s2, "principals": [ACCOUNT_C]}, UNKNOWN),
        ("b", "ram", "DisassociateResourceShare", {"resourceShareArn": w.s2, "resourceArns": [w.tgw2]},
         no("OperationNotPermittedException", says="you can only remove your own account")),
        ("b", "ram", "AssociateResourceSharePermission",
         {"resourceShareArn": w.s2, "permissionArn": AWS_PROJECT_PERMISSION, "replace": True}, UNKNOWN),
        ("b", "ram", "CreateResourceShare", {"name": "b-with-a-permission", "permissionArns": [w.p],
                                             "resourceArns": [project_arn("b-project", ACCOUNT_B)]}, UNKNOWN),
        ("b", "ram", "ReplacePermissionAssociations",
         {"fromPermissionArn": AWS_PROJECT_PERMISSION, "toPermissionArn": w.p}, UNKNOWN),
        ("c", "ram", "ListPendingInvitationResources", {"resourceShareInvitationArn": w.i1}, NO_INVITATION),
        ("c", "ram", "AcceptResourceShareInvitation", {"resourceShareInvitationArn": w.i1}, NO_INVITATION),
        ("b", "ramd", "CheckAccess", {"principal": ACCOUNT_B, "action": PROJECT_ACTIONS[0], "resourceArn": w.project0}, OK),
        # B's own principals and A's policy: not attachable, nor detachable; B's views of AWS's policies.
        ("b", "iam", "AttachUserPolicy", {"UserName": w.b_user, "PolicyArn": w.policy}, NO_ENTITY),
        ("b", "iam", "AttachRolePolicy", {"RoleName": w.b_role, "PolicyArn": w.policy}, NO_ENTITY),
        ("b", "iam", "DetachUserPolicy", {"UserName": w.b_user, "PolicyArn": w.policy}, NO_ENTITY),
        ("b", "iam", "ListAttachedUserPolicies", {"UserName": w.b_user}, OK),
        ("b", "iam", "ListPolicies", {"OnlyAttached": True}, OK),
        ("b", "iam", "GetPolicy", {"PolicyArn": READ_ONLY_ACCESS}, OK),
    ]
    out, seen = [], {}
    for who, service, op, params, expect in found:
        label = f"probe:{who}:{op}"
        seen[label] = seen.get(label, 0) + 1
        out.append((label + (f"#{seen[label]}" if seen[label] > 1 else ""), who, Call(service, op, params), expect))
    return out


# The signature columns: the answer depends on the service only. What AWS answers:
#
#   column                 RAM, ramd's extensions (restJson1)        Organizations (JSON 1.1)     IAM, STS (query)
#   unsigned               MissingAuthenticationTokenException 403   the same code, 400           MissingAuthenticationToken 403
#   bad signature          InvalidSignatureException 403             InvalidSignatureException 400  SignatureDoesNotMatch 403
#   signed 16 min ago      InvalidSignatureException 403 "Signature expired"        (400)        SignatureDoesNotMatch 403
#   signed 16 min ahead    InvalidSignatureException 403 "Signature not yet current" (400)       SignatureDoesNotMatch 403
#   unknown key            UnrecognizedClientException 403           UnrecognizedClientException 400  InvalidClientTokenId 403
#   deactivated key        as an unknown key
#   scoped to ec2          InvalidSignatureException 403 "Credential should be scoped to correct service: 'ram'"
#                          (Organizations 400; IAM, STS SignatureDoesNotMatch 403)
#   scoped to a sibling    as scoped to ec2
#
# ramd's answers where they differ are in DEVIATIONS.
def _per_service(ram: Expect, organizations: Expect, query: Expect) -> dict[str, Expect]:
    return {"ram": ram, "ramd": ram, "organizations": organizations, "iam": query, "sts": query}


def _scope(service: str, code: str, status: int) -> Expect:
    return no(code, status, f"Credential should be scoped to correct service: '{service}'")


_MISMATCH, _EXPIRED, _AHEAD = "does not match the signature you provided", "Signature expired", "Signature not yet current"
_TOKEN = "The security token included in the request is invalid"
SIGNATURE_COLUMNS = {
    "unsigned": _per_service(no("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
                             no("MissingAuthenticationTokenException", 400),
                             no("MissingAuthenticationToken", 403)),
    "bad signature": _per_service(no("InvalidSignatureException", 403, _MISMATCH), no("InvalidSignatureException", 400, _MISMATCH),
                                  no("SignatureDoesNotMatch", 403, _MISMATCH)),
    "signed 16 min ago": _per_service(no("InvalidSignatureException", 403, _EXPIRED), no("InvalidSignatureException", 400, _EXPIRED),
                                      no("SignatureDoesNotMatch", 403, _EXPIRED)),
    "signed 16 min ahead": _per_service(no("InvalidSignatureException", 403, _AHEAD), no("InvalidSignatureException", 400, _AHEAD),
                                        no("SignatureDoesNotMatch", 403, _AHEAD)),
    "unknown key": _per_service(no("UnrecognizedClientException", 403, _TOKEN), no("UnrecognizedClientException", 400, _TOKEN),
                                no("InvalidClientTokenId", 403, _TOKEN)),
    "deactivated key": _per_service(no("UnrecognizedClientException", 403, _TOKEN), no("UnrecognizedClientException", 400, _TOKEN),
                                    no("InvalidClientTokenId", 403, _TOKEN)),
    "scoped to ec2": {"ram": _scope("ram", "InvalidSignatureException", 403), "ramd": _scope("ram", "InvalidSignatureException", 403),
                      "organizations": _scope("organizations", "InvalidSignatureException", 400),
                      "iam": _scope("iam", "SignatureDoesNotMatch", 403), "sts": _scope("sts", "SignatureDoesNotMatch", 403)},
    # Scoped to another service ramd serves on the same endpoint (RAM and Organizations each other's,
    # IAM and STS each other's).
    "scoped to a sibling": {"ram": _scope("ram", "InvalidSignatureException", 403),
                            "ramd": _scope("ram", "InvalidSignatureException", 403),
                            "organizations": _scope("organizations", "InvalidSignatureException", 400),
                            "iam": _scope("iam", "SignatureDoesNotMatch", 403), "sts": _scope("sts", "SignatureDoesNotMatch", 403)},
}
SIBLING = {"ram": "organizations", "ramd": "organizations", "organizations": "ram", "iam": "sts", "sts": "iam"}

COLUMNS = ["another account, made-up target", "another account", "another Region", *SIGNATURE_COLUMNS]
MATRIX_CELLS = 1275  # as docs/reliability.md says; test_matrix_size keeps the two together

# Where ramd answers otherwise than AWS would: (column, service or call id) -> (ramd's answer, why).
# The matrix pins ramd's answer; test_aws_answer_where_ramd_deviates asserts AWS's (strict xfail).
DEVIATIONS: dict[tuple[str, str], tuple[Expect, str]] = {
    ("scoped to a sibling", "iam"): (
        no("InvalidAction", 400, "for version 2011-06-15"),
        "on AWS the host names the service and a scope for another is SignatureDoesNotMatch; ramd's one endpoint "
        "takes the scope's service as the addressee, so STS answers the IAM action as unknown"),
    ("scoped to a sibling", "sts"): (
        no("InvalidAction", 400, "for version 2010-05-08"),
        "as for IAM: IAM answers STS's GetCallerIdentity as an action it does not serve"),
}


# ------------------------------------------------------------------------------------------ the cells


@dataclass
class Cell:
    column: str
    label: str  # the call's id, or a probe's label
    call: Call
    how: dict  # send()'s signing arguments
    expect: Expect  # what AWS answers
    served: Expect  # what ramd answers (expect, unless a deviation)
    why: str | None  # the deviation, if any


class Iso:
    """The sigv4 server, its keys (a, b, c, d and A's deactivated one), A's world and its ghost."""

    def __init__(self, server, keys: dict, world: World):
        self.server, self.keys, self.world, self.ghost = server, keys, world, ghost_of(world)

    def export(self) -> dict:
        self.server.assert_alive()
        return export(self.server.data_dir)


INTRUDER = {"a": "b", "b": "a", "c": "b", "d": "b"}  # who is "another account" to each owner


def cells(iso: Iso, column: str) -> list[Cell]:
    keys, now = iso.keys, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    out: list[Cell] = []

    def add(label, call, how, expect):
        deviation = DEVIATIONS.get((column, label)) or DEVIATIONS.get((column, call.service))
        out.append(Cell(column, label, call, how, expect, deviation[0] if deviation else expect,
                        deviation[1] if deviation else None))

    if column in ("another account", "another account, made-up target"):
        ghost = column != "another account"
        for call in calls(iso.ghost if ghost else iso.world):
            expect = ANOTHER_ACCOUNT[call.id]
            if ghost and expect.adds:
                continue  # a create has no target to make up
            add(call.id, call, signed(keys[INTRUDER[call.owner]]), expect)
        if not ghost:
            for label, who, call, expect in probes(iso.world):
                add(label, call, signed(keys[who]), expect)
    elif column == "another Region":
        for call in calls(iso.world):
            if call.service in ("ram", "ramd"):
                add(call.id, call, signed(keys[call.owner], region=OTHER_REGION), ANOTHER_REGION[call.id])
    else:
        for call in calls(iso.world):
            owner = keys[call.owner]
            how = {
                "unsigned": {"key": None},
                "bad signature": signed(owner, secret=owner["secretAccessKey"][::-1]),
                "signed 16 min ago": signed(owner, at=now - datetime.timedelta(minutes=16)),
                "signed 16 min ahead": signed(owner, at=now + datetime.timedelta(minutes=16)),
                "unknown key": {"key": "AKIAISOLATIONUNKNOWN", "secret": owner["secretAccessKey"]},
                "deactivated key": signed(keys["off"]),
                "scoped to ec2": signed(owner, scope="ec2"),
                "scoped to a sibling": signed(owner, scope=SIBLING[call.service]),
            }[column]
            add(call.id, call, how, SIGNATURE_COLUMNS[column][call.service])
    return out


def problems_of(cell: Cell, answer: Answer, want: Expect, secrets: set[str]) -> list[str]:
    found = []
    if (answer.code, answer.status) != (want.code, want.status):
        found.append(f"answered {answer.status} {answer.code} ({answer.message[:120]}), wanted {want.status} {want.code}")
    elif want.says and want.says not in answer.message:
        found.append(f"message {answer.message!r} does not say {want.says!r}")
    if answer.code and cell.call.service == "ram":
        declared = {e.name for e in MODELS["ram"].operation_model(cell.call.op).error_shapes}
        if answer.code not in declared | COMMON_ERRORS:
            found.append(f"{answer.code} is not an error of {cell.call.op} in the model")
    leaked = revealed(answer, cell.call, secrets)
    if want.discreet and leaked:
        found.append(f"reveals {sorted(leaked)}: {answer.text[:300]}")
    return found


def secrets_for(iso: Iso, column: str) -> set[str]:
    if column == "another Region":
        return {f":{REGION}:{ACCOUNT_A}:", "s0-secret", "perm-secret", "iso-private"}
    return iso.world.secrets() if column.startswith("another account") else set()


def foreign_markers(iso: Iso, column: str) -> list[str]:
    """What a row added by a column's accepted writes must not name: the victim's account and
    organization (another account), the victim's Region (another Region)."""
    return [REGION] if column == "another Region" else [ACCOUNT_A, iso.world.org]


def audit_problems(column: str, before: dict, after: dict) -> list[str]:
    """Takes the audit trail out of both exports (every call, refused ones too, adds an event to
    its caller's trail) and checks what it gained: no event went, and each new one is filed under
    the account that made the call, never another's."""
    gone = sorted(set(before.pop("audit_events", [])) - set(after.get("audit_events", [])))
    found = [f"[{column}] audit events disappeared: {gone[:2]}"] if gone else []
    for row in after.pop("audit_events", []):
        r = json.loads(row)
        if r["account_id"] != json.loads(r["event"])["userIdentity"]["accountId"]:
            found.append(f"[{column}] an audit event was filed under another account: {row[:400]}")
    return found


def run(iso: Iso, column: str, cell_list: list[Cell], want=lambda c: c.served) -> list[str]:
    """Sends the cells (the refused and read-only first, then those that write the caller's own),
    checking every answer and the store after each phase; returns the problems found."""
    found, secrets = [], secrets_for(iso, column)
    before = iso.export()
    for phase in (False, True):
        for cell in (c for c in cell_list if want(c).adds is phase):
            answer = send(iso.server.url, cell.call, **cell.how)
            found += [f"[{column}] {cell.label}: {p}" for p in problems_of(cell, answer, want(cell), secrets)]
        after = iso.export()
        found += audit_problems(column, before, after)
        changed = changes(before, after)
        if not phase and changed:
            found.append(f"[{column}] the store changed: {json.dumps(changed)[:3000]}")
        if phase:
            for table, (gone, new) in changed.items():
                if gone:
                    found.append(f"[{column}] accepted calls removed or changed rows of {table}: {gone[:3]}")
                bad = [row for row in new for marker in foreign_markers(iso, column) if marker in row]
                if bad:
                    found.append(f"[{column}] accepted calls added rows naming the victim to {table}: {bad[:3]}")
        before = after
    return found


# ------------------------------------------------------------------------------------------ fixtures


def ramd_keys(data_dir: Path, *args: str) -> None:
    proc = subprocess.run([str(RAMD_BIN), "accounts", "keys", *args, *store_args(data_dir)],
                          capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def iso(ramd_factory, tmp_path_factory) -> Iso:
    data_dir = tmp_path_factory.mktemp("isolation-data")
    keys = {who: ramd_accounts_create(data_dir, account)
            for who, account in (("a", ACCOUNT_A), ("b", ACCOUNT_B), ("c", ACCOUNT_C), ("d", ACCOUNT_D))}
    keys["off"] = ramd_accounts_create(data_dir, ACCOUNT_A)  # A's second key, deactivated
    ramd_keys(data_dir, "deactivate", keys["off"]["accessKeyId"])
    # Not throttled: the matrix sends a few hundred valid calls in seconds; throttling has its own tests.
    server = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    return Iso(server, keys, build_world(server.url, keys))


class _Placeholders(World):
    """A world whose every identifier is a placeholder: enough to name the calls without a server."""

    def __getattr__(self, name: str) -> str:
        return f"arn:aws:ram:{REGION}:{ACCOUNT_A}:placeholder/{name}"


def _table_cells() -> dict[str, int]:
    """The number of cells of each column, from the tables alone."""
    all_calls, n_probes = calls(_Placeholders()), len(probes(_Placeholders()))
    return {
        "another account, made-up target": sum(not ANOTHER_ACCOUNT[c.id].adds for c in all_calls),
        "another account": len(all_calls) + n_probes,
        "another Region": sum(c.service in ("ram", "ramd") for c in all_calls),
        **{col: len(all_calls) for col in SIGNATURE_COLUMNS},
    }


# ------------------------------------------------------------------------------------------ tests


def test_tables_cover_every_operation():
    """Every operation of the models (and of ramd's own list of served ones) has its call, once,
    and an expectation in every column: a new operation fails here until the tables name it."""
    named: dict[str, list[str]] = {}
    for call in calls(_Placeholders()):
        named.setdefault(call.service, []).append(call.op)
    for service, ops in OPERATIONS.items():
        assert sorted(named.get(service, [])) == sorted(ops), service
    ids = {c.id for c in calls(_Placeholders())}
    assert set(ANOTHER_ACCOUNT) == ids
    assert set(ANOTHER_REGION) == {i for i in ids if i.split(":")[0] in ("ram", "ramd")}
    for column, per_service in SIGNATURE_COLUMNS.items():
        assert set(per_service) == set(OPERATIONS), column
    probe_labels = {label for label, *_ in probes(_Placeholders())}
    for column, key in DEVIATIONS:
        assert column in COLUMNS and (key in OPERATIONS or key in ids or key in probe_labels), (column, key)


@pytest.mark.parametrize("column", COLUMNS)
def test_matrix(iso, column):
    """Every cell of the column answers as ramd is expected to (AWS's answer unless DEVIATIONS says
    otherwise), reveals nothing, and the store is unchanged but for the caller's own creations."""
    cell_list = cells(iso, column)
    assert len(cell_list) == _table_cells()[column]
    found = run(iso, column, cell_list)
    assert not found, f"{len(found)} of {len(cell_list)} cells wrong:\n" + "\n".join(found)


def _deviation_groups() -> list[tuple[str, str]]:
    return sorted(DEVIATIONS)


@pytest.mark.parametrize("column,key", _deviation_groups(), ids=[f"{c}|{k}" for c, k in _deviation_groups()])
def test_aws_answer_where_ramd_deviates(iso, column, key, request):
    """What AWS answers, for the cells where ramd does not (yet): strict xfail, so a fix shows."""
    request.applymarker(pytest.mark.xfail(strict=True, reason=DEVIATIONS[(column, key)][1]))
    group = [c for c in cells(iso, column) if key in (c.label, c.call.id, c.call.service)]
    assert group
    found = run(iso, column, group, want=lambda c: c.expect)
    assert not found, "\n".join(found)


def test_positive_control(iso):
    """Every call of the matrix, validly signed by its owner in us-east-1, is served (so each
    refusal above is the column's doing), and the export sees what they change (so it would have
    seen a refused call that changed something)."""
    before = iso.export()
    wrong = []
    for call in calls(iso.world):
        answer = send(iso.server.url, call, **signed(iso.keys[call.owner]))
        if answer.status != 200:
            wrong.append(f"{call.id}: {answer.status} {answer.code} {answer.message[:200]}")
    assert not wrong, "\n".join(wrong)
    changed = set(changes(before, iso.export()))
    assert changed >= {
        "resource_shares", "share_tags", "associations", "invitations", "share_permissions", "permissions",
        "permission_versions", "replace_permission_works", "organizations", "org_parents", "org_accounts",
        "org_handshakes", "org_tags", "org_service_access", "org_create_account_requests", "org_policies",
        "org_policy_attachments", "org_policy_types", "iam_roles",
        "iam_deletion_tasks", "iam_users", "access_keys", "iam_policies", "iam_policy_versions", "iam_inline_policies",
        "iam_attachments", "status_counts", "audit_events", "feed_events",
    }, changed


def test_matrix_size():
    """The size of the matrix as docs/reliability.md states it."""
    sizes = _table_cells()
    assert sum(sizes.values()) == MATRIX_CELLS, sizes
