"""AWS Organizations (JSON 1.1) and the IAM service-linked-role calls (query protocol), served on
ramd's one endpoint, driven by boto3's ``organizations`` and ``iam`` clients (trust mode: the
access key is the account), plus raw HTTP for the wire details and a SigV4 server for CreateAccount's
keys."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse

import pytest
import requests
from botocore.exceptions import ClientError

import shape_check
from conftest import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, RAMD_BIN, REGION, error_code, ramd_accounts_create, error_message, make_client

TARGET = "AWSOrganizationsV20161128"
ORG_ID = re.compile(r"^o-[a-z0-9]{10}$")
ROOT_ID = re.compile(r"^r-[a-z0-9]{4}$")
HANDSHAKE_ID = re.compile(r"^h-[a-z0-9]{10}$")
CAR_ID = re.compile(r"^car-[a-z0-9]{32}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
RAM_SLR = "AWSServiceRoleForResourceAccessManager"
RAM_PRINCIPAL = "ram.amazonaws.com"

_ORG_MODEL = shape_check.botocore.session.get_session().get_service_model("organizations")
_ORG_ERRORS = {s.name for s in _ORG_MODEL.error_shapes} | shape_check.COMMON_ERRORS


def _check_organizations_response(http_response, model, **_kwargs):
    """Every raw Organizations answer: JSON 1.1 content type, request id, output shape members and
    types per botocore's model; errors with x-amzn-ErrorType, __type and a string Message."""
    text = http_response.content.decode() if http_response.content else ""
    headers = {k.lower(): v for k, v in http_response.headers.items()}
    problems = []
    if headers.get("content-type") != "application/x-amz-json-1.1":
        problems.append(f"content-type {headers.get('content-type')!r}")
    if not headers.get("x-amzn-requestid"):
        problems.append("no x-amzn-RequestId")
    body = json.loads(text) if text.strip() else {}
    if http_response.status_code == 200:
        if model.output_shape is not None:
            shape_check.check_value(model.output_shape, body, model.name, problems)
        elif body != {}:
            problems.append(f"body {body!r} for an operation without output")
    else:
        code = headers.get("x-amzn-errortype", "")
        if code not in _ORG_ERRORS or body.get("__type") != code:
            problems.append(f"error code {code!r} / {body.get('__type')!r}")
        if not isinstance(body.get("Message"), str) or not body["Message"]:
            problems.append(f"error body without Message: {text!r}")
        if http_response.status_code != 400:
            problems.append(f"Organizations errors are 400, got {http_response.status_code}")
    if problems:
        raise shape_check.ShapeViolation(f"{model.name}: " + "; ".join(problems) + f"\nraw: {text[:500]}")


@pytest.fixture
def orgs(ramd):
    """orgs(account) -> a boto3 Organizations client whose every answer is checked against the model."""
    def make(account: str = ACCOUNT_A, server=None):
        client = make_client((server or ramd).url, service="organizations", account=account)
        client.meta.events.register("after-call.organizations", _check_organizations_response)
        return client
    return make


@pytest.fixture
def iam(ramd):
    def make(account: str = ACCOUNT_A):
        return make_client(ramd.url, service="iam", account=account)
    return make


def raises(code: str, call, *args, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    assert error_code(excinfo) == code, excinfo.value.response
    return excinfo.value.response


def root_of(client) -> dict:
    roots = client.list_roots()["Roots"]
    assert len(roots) == 1
    return roots[0]


def new_org(client) -> tuple[dict, dict]:
    org = client.create_organization(FeatureSet="ALL")["Organization"]
    return org, root_of(client)


def create_account(client, name: str, email: str | None = None) -> str:
    status = client.create_account(AccountName=name, Email=email or f"{name}@example.com")["CreateAccountStatus"]
    done = client.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    assert done["State"] == "SUCCEEDED", done
    return done["AccountId"]


def join(orgs, management: str, member: str) -> dict:
    """`member` joins the organization of `management` by invitation."""
    handshake = orgs(management).invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": member})["Handshake"]
    return orgs(member).accept_handshake(HandshakeId=handshake["Id"])["Handshake"]


def collect(call, key: str, **kwargs) -> tuple[list, int]:
    """Every item of a paginated listing, walked by hand; returns the items and the page count."""
    items, pages, token = [], 0, None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page[key]
        pages += 1
        token = page.get("NextToken")
        if not token:
            return items, pages


# ------------------------------------------------------------------------------- organization


def test_create_describe_and_roots(orgs):
    a = orgs(ACCOUNT_A)
    org = a.create_organization()["Organization"]
    assert ORG_ID.match(org["Id"]), org
    assert org["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:organization/{org['Id']}"
    assert org["FeatureSet"] == "ALL"
    assert org["MasterAccountId"] == ACCOUNT_A
    assert org["MasterAccountArn"] == f"arn:aws:organizations::{ACCOUNT_A}:account/{org['Id']}/{ACCOUNT_A}"
    assert "@" in org["MasterAccountEmail"]
    assert a.describe_organization()["Organization"] == org

    root = root_of(a)
    assert ROOT_ID.match(root["Id"]) and root["Name"] == "Root"
    assert root["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:root/{org['Id']}/{root['Id']}"

    accounts = a.list_accounts()["Accounts"]
    assert [x["Id"] for x in accounts] == [ACCOUNT_A]
    assert accounts[0]["Status"] == "ACTIVE" and accounts[0]["JoinedMethod"] == "INVITED"
    assert accounts[0]["Arn"] == org["MasterAccountArn"]

    raises("AlreadyInOrganizationException", a.create_organization)
    raises("AWSOrganizationsNotInUseException", orgs(ACCOUNT_B).describe_organization)
    raises("AWSOrganizationsNotInUseException", orgs(ACCOUNT_B).list_roots)


def test_consolidated_billing_is_stored_and_refuses_service_access(orgs):
    a = orgs(ACCOUNT_A)
    assert a.create_organization(FeatureSet="CONSOLIDATED_BILLING")["Organization"]["FeatureSet"] == "CONSOLIDATED_BILLING"
    response = raises("ConstraintViolationException", a.enable_aws_service_access, ServicePrincipal=RAM_PRINCIPAL)
    assert response.get("Reason") == "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"


def test_delete_organization_only_when_empty(orgs):
    a, b = orgs(ACCOUNT_A), orgs(ACCOUNT_B)
    new_org(a)
    join(orgs, ACCOUNT_A, ACCOUNT_B)
    raises("AccessDeniedException", b.delete_organization)
    raises("OrganizationNotEmptyException", a.delete_organization)
    a.remove_account_from_organization(AccountId=ACCOUNT_B)
    a.delete_organization()
    raises("AWSOrganizationsNotInUseException", a.describe_organization)
    raises("AWSOrganizationsNotInUseException", a.delete_organization)
    # Both accounts are free to start (or join) another organization.
    assert b.create_organization()["Organization"]["MasterAccountId"] == ACCOUNT_B
    new_org(a)


# ------------------------------------------------------------------------------- OUs


def test_nested_ous_to_depth_five_and_the_sixth_refused(orgs):
    a = orgs(ACCOUNT_A)
    org, root = new_org(a)
    parent, chain = root["Id"], []
    for depth in range(1, 6):
        ou = a.create_organizational_unit(ParentId=parent, Name=f"level-{depth}")["OrganizationalUnit"]
        assert re.match(rf"^ou-{root['Id'][2:]}-[a-z0-9]{{8}}$", ou["Id"]), ou
        assert ou["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:ou/{org['Id']}/{ou['Id']}"
        assert ou["Name"] == f"level-{depth}"
        chain.append(ou["Id"])
        parent = ou["Id"]
    assert ou["Path"] == "/".join([org["Id"], root["Id"], *chain]) + "/"
    response = raises("ConstraintViolationException", a.create_organizational_unit, ParentId=parent, Name="level-6")
    assert response.get("Reason") == "OU_DEPTH_LIMIT_EXCEEDED"

    assert a.list_parents(ChildId=chain[4])["Parents"] == [{"Id": chain[3], "Type": "ORGANIZATIONAL_UNIT"}]
    assert a.list_parents(ChildId=chain[0])["Parents"] == [{"Id": root["Id"], "Type": "ROOT"}]
    described = a.describe_organizational_unit(OrganizationalUnitId=chain[2])["OrganizationalUnit"]
    assert described["Name"] == "level-3"


def test_ou_names_updates_and_deletion(orgs):
    a = orgs(ACCOUNT_A)
    _, root = new_org(a)
    dev = a.create_organizational_unit(ParentId=root["Id"], Name="dev", Tags=[{"Key": "team", "Value": "x"}])["OrganizationalUnit"]
    prod = a.create_organizational_unit(ParentId=root["Id"], Name="prod")["OrganizationalUnit"]
    raises("DuplicateOrganizationalUnitException", a.create_organizational_unit, ParentId=root["Id"], Name="dev")
    # The same name under another parent is fine.
    a.create_organizational_unit(ParentId=prod["Id"], Name="dev")
    raises("DuplicateOrganizationalUnitException", a.update_organizational_unit,
           OrganizationalUnitId=prod["Id"], Name="dev")
    renamed = a.update_organizational_unit(OrganizationalUnitId=dev["Id"], Name="development")["OrganizationalUnit"]
    assert renamed["Name"] == "development" and renamed["Id"] == dev["Id"]
    assert a.list_tags_for_resource(ResourceId=dev["Id"])["Tags"] == [{"Key": "team", "Value": "x"}]

    raises("OrganizationalUnitNotEmptyException", a.delete_organizational_unit, OrganizationalUnitId=prod["Id"])
    a.delete_organizational_unit(OrganizationalUnitId=dev["Id"])
    missing = "ou-" + root["Id"][2:] + "-zzzzzzzz"
    for call, kw in [
        (a.describe_organizational_unit, {"OrganizationalUnitId": dev["Id"]}),
        (a.delete_organizational_unit, {"OrganizationalUnitId": missing}),
        (a.update_organizational_unit, {"OrganizationalUnitId": missing, "Name": "x"}),
    ]:
        raises("OrganizationalUnitNotFoundException", call, **kw)
    raises("ParentNotFoundException", a.create_organizational_unit, ParentId=missing, Name="x")
    raises("ParentNotFoundException", a.list_children, ParentId="r-zzzz", ChildType="ACCOUNT")
    raises("ChildNotFoundException", a.list_parents, ChildId=missing)
    raises("ChildNotFoundException", a.list_parents, ChildId="999999999999")
    response = raises("InvalidInputException", a.create_organizational_unit, ParentId="o-notaparent", Name="x")
    assert response.get("Reason") == "INVALID_PATTERN"


# ------------------------------------------------------------------------------- accounts


def test_create_account_and_its_status(orgs, iam):
    a = orgs(ACCOUNT_A)
    org, root = new_org(a)
    status = a.create_account(AccountName="Build", Email="build@example.com",
                              Tags=[{"Key": "env", "Value": "ci"}])["CreateAccountStatus"]
    assert CAR_ID.match(status["Id"]) and status["State"] == "IN_PROGRESS" and status["AccountName"] == "Build"
    done = a.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    assert done["State"] == "SUCCEEDED" and ACCOUNT_ID.match(done["AccountId"]), done
    assert "CompletedTimestamp" in done
    new_id = done["AccountId"]

    account = a.describe_account(AccountId=new_id)["Account"]
    assert account["Name"] == "Build" and account["Email"] == "build@example.com"
    assert account["JoinedMethod"] == "CREATED" and account["Status"] == "ACTIVE"
    assert account["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:account/{org['Id']}/{new_id}"
    assert a.list_parents(ChildId=new_id)["Parents"] == [{"Id": root["Id"], "Type": "ROOT"}]
    assert a.list_tags_for_resource(ResourceId=new_id)["Tags"] == [{"Key": "env", "Value": "ci"}]

    # The new account is usable at once: it is a member, and it has the access role for the management account.
    member = orgs(new_id)
    assert member.describe_organization()["Organization"]["Id"] == org["Id"]
    role = iam(new_id).get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}

    # An email already in use fails the request (asynchronously, as on AWS).
    again = a.create_account(AccountName="Other", Email="build@example.com")["CreateAccountStatus"]
    failed = a.describe_create_account_status(CreateAccountRequestId=again["Id"])["CreateAccountStatus"]
    assert failed["State"] == "FAILED" and failed["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert "AccountId" not in failed

    succeeded = a.list_create_account_status(States=["SUCCEEDED"])["CreateAccountStatuses"]
    assert [s["Id"] for s in succeeded] == [status["Id"]]
    assert len(a.list_create_account_status()["CreateAccountStatuses"]) == 2
    raises("CreateAccountStatusNotFoundException", a.describe_create_account_status,
           CreateAccountRequestId="car-" + "0" * 32)
    raises("AccountNotFoundException", a.describe_account, AccountId="999999999999")


def test_move_account_and_paginated_listings(orgs):
    a = orgs(ACCOUNT_A)
    org, root = new_org(a)
    created = [create_account(a, f"acct{i}") for i in range(5)]
    team = a.create_organizational_unit(ParentId=root["Id"], Name="team")["OrganizationalUnit"]
    other = a.create_organizational_unit(ParentId=root["Id"], Name="other")["OrganizationalUnit"]
    for account in created[:3]:
        a.move_account(AccountId=account, SourceParentId=root["Id"], DestinationParentId=team["Id"])

    in_team, pages = collect(a.list_accounts_for_parent, "Accounts", ParentId=team["Id"], MaxResults=2)
    assert sorted(x["Id"] for x in in_team) == sorted(created[:3]) and pages == 2
    assert in_team[0]["Paths"] == [f"{org['Id']}/{root['Id']}/{team['Id']}/{in_team[0]['Id']}/"]
    under_root, pages = collect(a.list_children, "Children", ParentId=root["Id"], ChildType="ACCOUNT", MaxResults=1)
    assert sorted(c["Id"] for c in under_root) == sorted([ACCOUNT_A, *created[3:]]) and pages == 3
    assert {c["Type"] for c in under_root} == {"ACCOUNT"}
    ous, _ = collect(a.list_children, "Children", ParentId=root["Id"], ChildType="ORGANIZATIONAL_UNIT", MaxResults=1)
    assert [c["Id"] for c in ous] == [team["Id"], other["Id"]]
    units, pages = collect(a.list_organizational_units_for_parent, "OrganizationalUnits",
                           ParentId=root["Id"], MaxResults=1)
    assert [u["Name"] for u in units] == ["team", "other"] and pages == 2
    everyone, pages = collect(a.list_accounts, "Accounts", MaxResults=4)
    assert len(everyone) == 6 and pages == 2
    # boto3's own paginator agrees.
    paginated = [x["Id"] for p in a.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2})
                 for x in p["Accounts"]]
    assert sorted(paginated) == sorted(x["Id"] for x in everyone)
    assert a.list_parents(ChildId=created[0])["Parents"] == [{"Id": team["Id"], "Type": "ORGANIZATIONAL_UNIT"}]

    response = raises("InvalidInputException", a.list_accounts, NextToken="forged")
    assert response.get("Reason") == "INVALID_PAGINATION_TOKEN"
    token = a.list_accounts(MaxResults=1)["NextToken"]
    raises("InvalidInputException", a.list_accounts_for_parent, ParentId=root["Id"], NextToken=token)
    response = raises("InvalidInputException", a.list_accounts, MaxResults=21)
    assert response.get("Reason") == "MAX_VALUE_EXCEEDED"

    raises("SourceParentNotFoundException", a.move_account,
           AccountId=created[0], SourceParentId=root["Id"], DestinationParentId=other["Id"])
    raises("DuplicateAccountException", a.move_account,
           AccountId=created[0], SourceParentId=team["Id"], DestinationParentId=team["Id"])
    raises("DestinationParentNotFoundException", a.move_account,
           AccountId=created[0], SourceParentId=team["Id"], DestinationParentId="ou-" + root["Id"][2:] + "-zzzzzzzz")
    raises("AccountNotFoundException", a.move_account,
           AccountId="999999999999", SourceParentId=team["Id"], DestinationParentId=other["Id"])
    a.move_account(AccountId=created[0], SourceParentId=team["Id"], DestinationParentId=other["Id"])
    assert [x["Id"] for x in a.list_accounts_for_parent(ParentId=other["Id"])["Accounts"]] == [created[0]]


# ------------------------------------------------------------------------------- handshakes


def test_invite_and_accept(orgs):
    a, b, c = orgs(ACCOUNT_A), orgs(ACCOUNT_B), orgs(ACCOUNT_C)
    org, root = new_org(a)
    handshake = a.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_B},
                                                 Notes="join us")["Handshake"]
    assert HANDSHAKE_ID.match(handshake["Id"]), handshake
    assert handshake["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:handshake/{org['Id']}/invite/{handshake['Id']}"
    assert handshake["State"] == "OPEN" and handshake["Action"] == "INVITE"
    assert {"Id": org["Id"], "Type": "ORGANIZATION"} in handshake["Parties"]
    assert {"Id": ACCOUNT_B, "Type": "ACCOUNT"} in handshake["Parties"]
    resources = {r["Type"]: r for r in handshake["Resources"]}
    assert resources["ORGANIZATION"]["Value"] == org["Id"]
    assert resources["ACCOUNT"]["Value"] == ACCOUNT_B and resources["NOTES"]["Value"] == "join us"
    assert handshake["ExpirationTimestamp"] > handshake["RequestedTimestamp"]
    raises("DuplicateHandshakeException", a.invite_account_to_organization, Target={"Type": "ACCOUNT", "Id": ACCOUNT_B})

    assert [h["Id"] for h in b.list_handshakes_for_account()["Handshakes"]] == [handshake["Id"]]
    assert c.list_handshakes_for_account()["Handshakes"] == []
    assert [h["Id"] for h in a.list_handshakes_for_organization()["Handshakes"]] == [handshake["Id"]]
    assert b.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"] == "OPEN"
    raises("HandshakeNotFoundException", c.accept_handshake, HandshakeId=handshake["Id"])
    raises("HandshakeNotFoundException", c.describe_handshake, HandshakeId=handshake["Id"])
    raises("HandshakeNotFoundException", b.accept_handshake, HandshakeId="h-0000000000")

    accepted = b.accept_handshake(HandshakeId=handshake["Id"])["Handshake"]
    assert accepted["State"] == "ACCEPTED"
    assert b.describe_organization()["Organization"]["Id"] == org["Id"]
    member = a.describe_account(AccountId=ACCOUNT_B)["Account"]
    assert member["JoinedMethod"] == "INVITED"
    assert a.list_parents(ChildId=ACCOUNT_B)["Parents"] == [{"Id": root["Id"], "Type": "ROOT"}]
    assert b.list_handshakes_for_account()["Handshakes"][0]["State"] == "ACCEPTED"
    raises("HandshakeAlreadyInStateException", b.accept_handshake, HandshakeId=handshake["Id"])
    response = raises("HandshakeConstraintViolationException", a.invite_account_to_organization,
                      Target={"Type": "ACCOUNT", "Id": ACCOUNT_B})
    assert response.get("Reason") == "ALREADY_IN_AN_ORGANIZATION"
    raises("HandshakeConstraintViolationException", a.invite_account_to_organization,
           Target={"Type": "ACCOUNT", "Id": ACCOUNT_A})


def test_decline_cancel_and_email_invitations(orgs):
    a, b, c = orgs(ACCOUNT_A), orgs(ACCOUNT_B), orgs(ACCOUNT_C)
    new_org(a)
    to_c = a.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_C})["Handshake"]
    assert c.decline_handshake(HandshakeId=to_c["Id"])["Handshake"]["State"] == "DECLINED"
    raises("InvalidHandshakeTransitionException", c.accept_handshake, HandshakeId=to_c["Id"])
    raises("HandshakeAlreadyInStateException", c.decline_handshake, HandshakeId=to_c["Id"])
    raises("AWSOrganizationsNotInUseException", c.describe_organization)

    to_b = a.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_B})["Handshake"]
    raises("HandshakeNotFoundException", b.cancel_handshake, HandshakeId=to_b["Id"])
    assert a.cancel_handshake(HandshakeId=to_b["Id"])["Handshake"]["State"] == "CANCELED"
    raises("InvalidHandshakeTransitionException", b.accept_handshake, HandshakeId=to_b["Id"])
    # A new invitation after a declined one is allowed.
    again = a.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_C})["Handshake"]
    assert c.accept_handshake(HandshakeId=again["Id"])["Handshake"]["State"] == "ACCEPTED"

    # By email: the account CreateAccount made with that address sees it (after leaving).
    new_id = create_account(a, "mailer", "mailer@example.com")
    orgs(new_id).leave_organization()
    by_mail = a.invite_account_to_organization(Target={"Type": "EMAIL", "Id": "mailer@example.com"})["Handshake"]
    assert {"Id": "mailer@example.com", "Type": "EMAIL"} in by_mail["Parties"]
    assert [h["Id"] for h in orgs(new_id).list_handshakes_for_account()["Handshakes"]] == [by_mail["Id"]]
    orgs(new_id).accept_handshake(HandshakeId=by_mail["Id"])
    response = raises("InvalidInputException", a.invite_account_to_organization,
                      Target={"Type": "ORGANIZATION", "Id": "o-abcdefghij"})
    assert response.get("Reason") == "INVALID_PARTY_TYPE_TARGET"


def test_accepting_while_in_another_organization_is_refused(orgs):
    a, b = orgs(ACCOUNT_A), orgs(ACCOUNT_B)
    new_org(a)
    handshake = a.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": ACCOUNT_B})["Handshake"]
    new_org(b)
    response = raises("HandshakeConstraintViolationException", b.accept_handshake, HandshakeId=handshake["Id"])
    assert response.get("Reason") == "ALREADY_IN_AN_ORGANIZATION"


def test_leave_and_remove(orgs):
    a, b, c = orgs(ACCOUNT_A), orgs(ACCOUNT_B), orgs(ACCOUNT_C)
    new_org(a)
    join(orgs, ACCOUNT_A, ACCOUNT_B)
    join(orgs, ACCOUNT_A, ACCOUNT_C)
    b.leave_organization()
    raises("AWSOrganizationsNotInUseException", b.describe_organization)
    raises("AWSOrganizationsNotInUseException", b.leave_organization)
    raises("MasterCannotLeaveOrganizationException", a.leave_organization)
    raises("MasterCannotLeaveOrganizationException", a.remove_account_from_organization, AccountId=ACCOUNT_A)
    raises("AccountNotFoundException", a.remove_account_from_organization, AccountId=ACCOUNT_B)
    raises("AccessDeniedException", c.remove_account_from_organization, AccountId=ACCOUNT_C)
    a.remove_account_from_organization(AccountId=ACCOUNT_C)
    raises("AWSOrganizationsNotInUseException", c.describe_organization)
    assert [x["Id"] for x in a.list_accounts()["Accounts"]] == [ACCOUNT_A]


# ------------------------------------------------------------------------------- access


def test_members_and_outsiders_are_refused_management_operations(orgs):
    a, b, c = orgs(ACCOUNT_A), orgs(ACCOUNT_B), orgs(ACCOUNT_C)
    org, root = new_org(a)
    join(orgs, ACCOUNT_A, ACCOUNT_B)
    # A member sees its own organization, and nothing else of it.
    assert b.describe_organization()["Organization"]["Id"] == org["Id"]
    calls = [
        (b.list_roots, {}),
        (b.list_accounts, {}),
        (b.describe_account, {"AccountId": ACCOUNT_A}),
        (b.create_organizational_unit, {"ParentId": root["Id"], "Name": "mine"}),
        (b.list_children, {"ParentId": root["Id"], "ChildType": "ACCOUNT"}),
        (b.create_account, {"AccountName": "x", "Email": "x@example.com"}),
        (b.invite_account_to_organization, {"Target": {"Type": "ACCOUNT", "Id": ACCOUNT_C}}),
        (b.enable_aws_service_access, {"ServicePrincipal": RAM_PRINCIPAL}),
        (b.list_aws_service_access_for_organization, {}),
        (b.list_handshakes_for_organization, {}),
        (b.tag_resource, {"ResourceId": root["Id"], "Tags": [{"Key": "k", "Value": "v"}]}),
    ]
    for call, kwargs in calls:
        with pytest.raises(ClientError) as excinfo:
            call(**kwargs)
        assert error_code(excinfo) == "AccessDeniedException", call
        assert error_message(excinfo) == "You don't have permissions to access this resource."
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for call, kwargs in calls:
        name = call.__name__
        raises("AWSOrganizationsNotInUseException", getattr(c, name), **kwargs)


def test_another_organization_is_invisible(orgs):
    a, c = orgs(ACCOUNT_A), orgs(ACCOUNT_C)
    _, root_a = new_org(a)
    ou_a = a.create_organizational_unit(ParentId=root_a["Id"], Name="a-only")["OrganizationalUnit"]
    _, root_c = new_org(c)
    raises("OrganizationalUnitNotFoundException", c.describe_organizational_unit, OrganizationalUnitId=ou_a["Id"])
    raises("ParentNotFoundException", c.list_children, ParentId=root_a["Id"], ChildType="ORGANIZATIONAL_UNIT")
    raises("ParentNotFoundException", c.create_organizational_unit, ParentId=ou_a["Id"], Name="x")
    raises("AccountNotFoundException", c.describe_account, AccountId=ACCOUNT_A)
    raises("AccountNotFoundException", c.remove_account_from_organization, AccountId=ACCOUNT_A)
    raises("ChildNotFoundException", c.list_parents, ChildId=ACCOUNT_A)
    raises("TargetNotFoundException", c.list_tags_for_resource, ResourceId=ou_a["Id"])
    raises("SourceParentNotFoundException", c.move_account,
           AccountId=ACCOUNT_C, SourceParentId=root_a["Id"], DestinationParentId=root_c["Id"])


# ------------------------------------------------------------------------------- service access, tags


def test_trusted_service_access(orgs):
    a = orgs(ACCOUNT_A)
    new_org(a)
    assert a.list_aws_service_access_for_organization()["EnabledServicePrincipals"] == []
    a.enable_aws_service_access(ServicePrincipal=RAM_PRINCIPAL)
    a.enable_aws_service_access(ServicePrincipal=RAM_PRINCIPAL)
    a.enable_aws_service_access(ServicePrincipal="config.amazonaws.com")
    enabled = a.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [e["ServicePrincipal"] for e in enabled] == [RAM_PRINCIPAL, "config.amazonaws.com"]
    assert all("DateEnabled" in e for e in enabled)
    first, pages = collect(a.list_aws_service_access_for_organization, "EnabledServicePrincipals", MaxResults=1)
    assert len(first) == 2 and pages == 2
    a.disable_aws_service_access(ServicePrincipal=RAM_PRINCIPAL)
    enabled = a.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert [e["ServicePrincipal"] for e in enabled] == ["config.amazonaws.com"]
    response = raises("InvalidInputException", a.enable_aws_service_access, ServicePrincipal="not-a-service")
    assert response.get("Reason") == "UNRECOGNIZED_SERVICE_PRINCIPAL"


def test_tags_on_roots_ous_and_accounts(orgs):
    a = orgs(ACCOUNT_A)
    _, root = new_org(a)
    a.tag_resource(ResourceId=root["Id"], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    a.tag_resource(ResourceId=root["Id"], Tags=[{"Key": "a", "Value": "3"}])
    a.untag_resource(ResourceId=root["Id"], TagKeys=["b"])
    assert a.list_tags_for_resource(ResourceId=root["Id"])["Tags"] == [{"Key": "a", "Value": "3"}]
    a.tag_resource(ResourceId=ACCOUNT_A, Tags=[{"Key": "owner", "Value": "me"}])
    assert a.list_tags_for_resource(ResourceId=ACCOUNT_A)["Tags"] == [{"Key": "owner", "Value": "me"}]
    raises("TargetNotFoundException", a.tag_resource, ResourceId="999999999999", Tags=[{"Key": "k", "Value": "v"}])
    response = raises("InvalidInputException", a.tag_resource, ResourceId=root["Id"],
                      Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    assert response.get("Reason") == "DUPLICATE_TAG_KEY"
    response = raises("ConstraintViolationException", a.tag_resource, ResourceId=root["Id"],
                      Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert response.get("Reason") == "MAX_TAG_LIMIT_EXCEEDED"


# ------------------------------------------------------------------------------- wire


def _organizations_raw(ramd, operation: str, body, account: str = ACCOUNT_A) -> requests.Response:
    from conftest import raw_request
    data = body if isinstance(body, str) else json.dumps(body)
    return raw_request(ramd.url, "POST", "/", data, account=account, service="organizations",
                       headers={"X-Amz-Target": f"{TARGET}.{operation}",
                                "Content-Type": "application/x-amz-json-1.1"})


def test_json11_wire_errors(ramd):
    r = _organizations_raw(ramd, "NoSuchOperation", {})
    assert r.status_code == 400
    assert r.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert r.json()["__type"] == "UnknownOperationException" and r.json()["Message"]
    r = _organizations_raw(ramd, "CreateOrganizationalUnit", "{not json")
    assert r.status_code == 400 and r.json()["__type"] == "SerializationException"
    r = _organizations_raw(ramd, "DescribeOrganization", "")
    assert r.status_code == 400 and r.json()["__type"] == "AWSOrganizationsNotInUseException"
    assert r.headers["Content-Type"] == "application/x-amz-json-1.1"
    r = _organizations_raw(ramd, "CreateOrganization", "")
    assert r.status_code == 200 and ORG_ID.match(r.json()["Organization"]["Id"])
    r = _organizations_raw(ramd, "CreateOrganizationalUnit", {"Name": "x"})
    assert r.json() == {"__type": "InvalidInputException", "Message": r.json()["Message"], "Reason": "INPUT_REQUIRED"}
    r = _organizations_raw(ramd, "DeleteOrganization", "{}")
    assert r.status_code == 200 and r.json() == {}


# ------------------------------------------------------------------------------- IAM


def test_service_linked_role_lifecycle(iam, ramd):
    a = iam(ACCOUNT_A)
    role = a.create_service_linked_role(AWSServiceName=RAM_PRINCIPAL)["Role"]
    assert role["RoleName"] == RAM_SLR
    assert role["Path"] == "/aws-service-role/ram.amazonaws.com/"
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/aws-service-role/ram.amazonaws.com/{RAM_SLR}"
    assert re.match(r"^AROA[A-Z0-9]{17}$", role["RoleId"]), role
    # botocore URL-decodes and parses the trust policy, as AWS sends it URL-encoded.
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": RAM_PRINCIPAL}, "Action": "sts:AssumeRole"}]
    with pytest.raises(ClientError) as excinfo:
        a.create_service_linked_role(AWSServiceName=RAM_PRINCIPAL)
    assert error_code(excinfo) == "InvalidInput"
    assert "has been taken" in error_message(excinfo)

    got = a.get_role(RoleName=RAM_SLR)["Role"]
    assert got["Arn"] == role["Arn"] and got["RoleId"] == role["RoleId"]
    assert got["CreateDate"] == role["CreateDate"]
    with pytest.raises(ClientError) as excinfo:
        iam(ACCOUNT_B).get_role(RoleName=RAM_SLR)
    assert error_code(excinfo) == "NoSuchEntity"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    task = a.delete_service_linked_role(RoleName=RAM_SLR)["DeletionTaskId"]
    assert re.match(rf"^task/aws-service-role/ram\.amazonaws\.com/{RAM_SLR}/[0-9a-f-]{{36}}$", task), task
    assert a.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as excinfo:
        a.get_role(RoleName=RAM_SLR)
    assert error_code(excinfo) == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        a.delete_service_linked_role(RoleName=RAM_SLR)
    assert error_code(excinfo) == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        iam(ACCOUNT_B).get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert error_code(excinfo) == "NoSuchEntity"
    # It can be created again after the deletion.
    a.create_service_linked_role(AWSServiceName=RAM_PRINCIPAL)


def test_iam_wire_and_sts_beside_it(ramd, clients):
    from conftest import raw_request

    def form(body: dict, service: str, sign: bool = True) -> requests.Response:
        return raw_request(ramd.url, "POST", "/", urllib.parse.urlencode(body), service=service, sign=sign,
                           headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    r = form({"Action": "CreateServiceLinkedRole", "Version": "2010-05-08", "AWSServiceName": RAM_PRINCIPAL}, "iam")
    assert r.status_code == 200, r.text
    assert '<CreateServiceLinkedRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' in r.text
    assert "<AssumeRolePolicyDocument>%7B%22Version%22" in r.text
    # Unsigned, the API version tells IAM from STS.
    r = form({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "nope"}, "iam", sign=False)
    assert r.status_code == 404
    assert "<Code>NoSuchEntity</Code>" in r.text and "<Type>Sender</Type>" in r.text
    r = form({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "not valid"}, "iam")
    assert r.status_code == 400 and "<Code>ValidationError</Code>" in r.text
    r = form({"Action": "CreateGroup", "Version": "2010-05-08", "GroupName": "g"}, "iam")
    assert r.status_code == 400 and "<Code>InvalidAction</Code>" in r.text
    r = form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}, "sts", sign=False)
    assert r.status_code == 200 and "<GetCallerIdentityResult>" in r.text
    assert clients(ACCOUNT_B, service="sts").get_caller_identity()["Account"] == ACCOUNT_B


# ------------------------------------------------------------------------------- SigV4 mode


def test_sigv4_created_account_gets_keys(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("orgs-sigv4")
    creds = ramd_accounts_create(data_dir, ACCOUNT_A)
    server = ramd_factory(auth="sigv4", data_dir=data_dir)

    def client(c, service="organizations"):
        return make_client(server.url, service=service, account=c["accessKeyId"], secret=c["secretAccessKey"])

    management = client(creds)
    new_org(management)
    new_id = create_account(management, "signed")
    # `ramd accounts create --account-id` issues keys for the account CreateAccount made.
    member_creds = ramd_accounts_create(data_dir, new_id)
    assert member_creds["accountId"] == new_id
    member = client(member_creds)
    assert member.describe_organization()["Organization"]["MasterAccountId"] == ACCOUNT_A
    assert client(member_creds, "iam").get_role(RoleName="OrganizationAccountAccessRole")["Role"]["Path"] == "/"
    # A request whose credential scope names another service is refused.
    from conftest import raw_request
    r = raw_request(server.url, "POST", "/", "{}", account=creds["accessKeyId"], secret=creds["secretAccessKey"],
                    service="ram", headers={"X-Amz-Target": f"{TARGET}.DescribeOrganization",
                                            "Content-Type": "application/x-amz-json-1.1"})
    # 400, as the JSON 1.1 services answer authentication failures.
    assert r.status_code == 400 and r.json()["__type"] == "InvalidSignatureException", r.text
    assert "organizations" in r.json()["Message"]
    # Keys of an account outside ramd are not accepted.
    unknown = make_client(server.url, service="organizations", account="AKIANOTAKEY000000000", secret="x")
    with pytest.raises(ClientError) as excinfo:
        unknown.describe_organization()
    assert error_code(excinfo) == "UnrecognizedClientException"
