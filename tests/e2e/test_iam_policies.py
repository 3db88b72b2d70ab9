"""IAM roles and policies through the IAM API on ramd's endpoint, as boto3 drives them and Terraform's
aws_iam_role / aws_iam_policy / aws_iam_*_policy / aws_iam_*_policy_attachment do: roles (CreateRole,
DeleteRole, ListRoles, ListInstanceProfilesForRole), inline policies of users and roles
(Put/Get/Delete/List User and Role Policies), customer managed policies and their versions
(CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, Create/Get/Delete/List PolicyVersion(s),
SetDefaultPolicyVersion), the AWS managed policies, and attachments (Attach/Detach/ListAttached
User and Role Policies). IAM's errors come with their HTTP statuses and messages, a refused call
changes nothing, and an account sees and touches only its own policies. The principals ramd makes
itself (`ramd accounts create --principal-arn`, Organizations' CreateAccount) come with AWS's
AdministratorAccess attached."""
import base64
import json
import os
import subprocess

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, RamdServer, error_code, make_client, ramd_accounts_create

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
AWS_MANAGED = [
    "AdministratorAccess", "ReadOnlyAccess", "AWSResourceAccessManagerFullAccess",
    "AWSResourceAccessManagerReadOnlyAccess", "AWSResourceAccessManagerResourceShareParticipantAccess",
    "IAMFullAccess", "IAMReadOnlyAccess", "AWSOrganizationsFullAccess", "AWSOrganizationsReadOnlyAccess",
]
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def doc(*actions, resource="*") -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions) or ["ram:Get*"],
                                                     "Resource": resource}]}


@pytest.fixture(scope="module")
def world(ramd_factory, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("iam-policies")
    creds = {a: ramd_accounts_create(data_dir, a) for a in (ACCOUNT_A, ACCOUNT_B, ACCOUNT_C)}
    server = ramd_factory(auth="sigv4", data_dir=data_dir, extra_args=["--throttle", "off"])
    return server, creds, data_dir


def client(world, service="iam", account=ACCOUNT_A, key=None):
    server, creds, _ = world
    key_id, secret = key or (creds[account]["accessKeyId"], creds[account]["secretAccessKey"])
    return make_client(server.url, service=service, account=key_id, secret=secret)


def refused(call, code, status, message=None):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e) == code, e.value.response
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.value.response
    said = e.value.response["Error"]["Message"]
    if message is not None:
        assert said == message, said
    return said


def arn_of(name, path="/", account=ACCOUNT_A):
    return f"arn:aws:iam::{account}:policy{path}{name}"


def no_policy(arn):
    return f"Policy {arn} does not exist or is not attachable."


def every_page(call, key, **kw):
    """Every item of an IAM listing walked page by page (Marker, IsTruncated); and the page count."""
    items, pages, marker = [], 0, None
    while True:
        page = call(**kw, **({"Marker": marker} if marker else {}))
        items += page[key]
        pages += 1
        if not page["IsTruncated"]:
            assert "Marker" not in page, page
            return items, pages
        marker = page["Marker"]


# ------------------------------------------------------------------------------- customer managed policies


def test_a_customer_managed_policy_is_made_read_and_listed(world):
    iam = client(world)
    made = iam.create_policy(PolicyName="NetRead", Path="/net/", PolicyDocument=json.dumps(doc("ram:Get*", "ram:List*")),
                             Description="reads shares", Tags=[{"Key": "team", "Value": "net"}])["Policy"]
    arn = arn_of("NetRead", "/net/")
    assert made["Arn"] == arn and made["PolicyName"] == "NetRead" and made["Path"] == "/net/"
    assert made["PolicyId"].startswith("ANPA") and len(made["PolicyId"]) == 21 and made["PolicyId"].isupper()
    assert made["DefaultVersionId"] == "v1" and made["AttachmentCount"] == 0 and made["IsAttachable"] is True
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["PolicyId"] == made["PolicyId"] and got["DefaultVersionId"] == "v1" and got["AttachmentCount"] == 0
    assert got["Description"] == "reads shares" and got["Tags"] == [{"Key": "team", "Value": "net"}]
    assert got["CreateDate"] == made["CreateDate"]
    # Its one version, the default, holds the document (boto3 hands it back decoded).
    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == doc("ram:Get*", "ram:List*") and v1["IsDefaultVersion"] is True and v1["VersionId"] == "v1"
    listed = iam.list_policy_versions(PolicyArn=arn)
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed["Versions"]] == [("v1", True)]
    assert not listed["IsTruncated"]

    # Names are unique in the account regardless of case and path; the refusal changes nothing.
    refused(lambda: iam.create_policy(PolicyName="NETREAD", Path="/other/", PolicyDocument=json.dumps(doc())),
            "EntityAlreadyExists", 409, "A policy called NETREAD already exists. Duplicate names are not allowed.")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PolicyId"] == made["PolicyId"]
    refused(lambda: iam.get_policy(PolicyArn=arn_of("NETREAD", "/other/")), "NoSuchEntity", 404,
            no_policy(arn_of("NETREAD", "/other/")))
    # The ARN names the path: the same name on another path is no policy.
    refused(lambda: iam.get_policy(PolicyArn=arn_of("NetRead")), "NoSuchEntity", 404, no_policy(arn_of("NetRead")))
    refused(lambda: iam.get_policy(PolicyArn=arn_of("Nothing", "/net/")), "NoSuchEntity", 404,
            no_policy(arn_of("Nothing", "/net/")))
    refused(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v2"), "NoSuchEntity", 404,
            f"Policy {arn} version v2 does not exist or is not attachable.")
    refused(lambda: iam.list_policy_versions(PolicyArn=arn_of("Nothing")), "NoSuchEntity", 404,
            no_policy(arn_of("Nothing")))
    # What is not a policy ARN is refused as such.
    for bad in (f"arn:aws:iam::{ACCOUNT_A}:role/NotAPolicy", "arn:aws:s3:::bucket/policy/NetRead"):
        refused(lambda: iam.get_policy(PolicyArn=bad), "InvalidInput", 400, f"ARN {bad} is not valid.")

    # Local listings: PathPrefix selects; pages follow the ARN order.
    for name in ("NetWrite", "NetAdmin"):
        iam.create_policy(PolicyName=name, Path="/net/", PolicyDocument=json.dumps(doc()))
    iam.create_policy(PolicyName="Elsewhere", Path="/other/", PolicyDocument=json.dumps(doc()))
    net = iam.list_policies(Scope="Local", PathPrefix="/net/")
    assert [p["PolicyName"] for p in net["Policies"]] == ["NetAdmin", "NetRead", "NetWrite"] and not net["IsTruncated"]
    first = iam.list_policies(Scope="Local", PathPrefix="/net/", MaxItems=2)
    assert [p["PolicyName"] for p in first["Policies"]] == ["NetAdmin", "NetRead"] and first["IsTruncated"]
    rest = iam.list_policies(Scope="Local", PathPrefix="/net/", MaxItems=2, Marker=first["Marker"])
    assert [p["PolicyName"] for p in rest["Policies"]] == ["NetWrite"] and not rest["IsTruncated"]
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local", PathPrefix="/other/")["Policies"]] == ["Elsewhere"]
    assert iam.list_policies(Scope="Local", PathPrefix="/nowhere/")["Policies"] == []
    # A listed policy reads as GetPolicy reads it.
    listed = next(p for p in net["Policies"] if p["PolicyName"] == "NetRead")
    assert {k: listed[k] for k in ("Arn", "PolicyId", "DefaultVersionId", "AttachmentCount")} == \
        {k: got[k] for k in ("Arn", "PolicyId", "DefaultVersionId", "AttachmentCount")}

    for name, path in (("NetRead", "/net/"), ("NetWrite", "/net/"), ("NetAdmin", "/net/"), ("Elsewhere", "/other/")):
        iam.delete_policy(PolicyArn=arn_of(name, path))
    refused(lambda: iam.get_policy(PolicyArn=arn), "NoSuchEntity", 404, no_policy(arn))
    refused(lambda: iam.delete_policy(PolicyArn=arn), "NoSuchEntity", 404, no_policy(arn))
    assert iam.list_policies(Scope="Local", PathPrefix="/net/")["Policies"] == []


def test_the_aws_managed_policies_are_listed_read_and_unchangeable(world):
    iam = client(world)
    aws = iam.list_policies(Scope="AWS")
    assert sorted(p["PolicyName"] for p in aws["Policies"]) == sorted(AWS_MANAGED) and not aws["IsTruncated"]
    assert all(p["Arn"] == f"arn:aws:iam::aws:policy/{p['PolicyName']}" and p["Path"] == "/" for p in aws["Policies"])
    assert [p["Arn"] for p in aws["Policies"]] == sorted(p["Arn"] for p in aws["Policies"])
    admin = iam.get_policy(PolicyArn=ADMIN)["Policy"]
    assert admin["PolicyName"] == "AdministratorAccess" and admin["DefaultVersionId"] == "v1" and admin["IsAttachable"]
    assert admin["PolicyId"].startswith("ANPA") and len(admin["PolicyId"]) == 21
    # The same id for every account (it is AWS's policy, not the account's).
    assert client(world, account=ACCOUNT_B).get_policy(PolicyArn=ADMIN)["Policy"]["PolicyId"] == admin["PolicyId"]
    assert next(p for p in aws["Policies"] if p["PolicyName"] == "AdministratorAccess")["PolicyId"] == admin["PolicyId"]
    v1 = iam.get_policy_version(PolicyArn=ADMIN, VersionId="v1")["PolicyVersion"]
    assert v1["IsDefaultVersion"] is True
    assert v1["Document"] == {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in iam.list_policy_versions(PolicyArn=ADMIN)["Versions"]] == \
        [("v1", True)]
    refused(lambda: iam.get_policy_version(PolicyArn=ADMIN, VersionId="v2"), "NoSuchEntity", 404,
            f"Policy {ADMIN} version v2 does not exist or is not attachable.")
    unknown = "arn:aws:iam::aws:policy/NoSuchManagedPolicy"
    refused(lambda: iam.get_policy(PolicyArn=unknown), "NoSuchEntity", 404, no_policy(unknown))

    # Scope=All is AWS's and the account's; Local is the account's only.
    iam.create_policy(PolicyName="ScopeMine", Path="/scope/", PolicyDocument=json.dumps(doc()))
    everything, _ = every_page(iam.list_policies, "Policies")
    names = [p["PolicyName"] for p in everything]
    assert set(AWS_MANAGED) <= set(names) and "ScopeMine" in names
    assert "ScopeMine" not in [p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    assert not set(AWS_MANAGED) & {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]}
    # Walked four at a time: every policy once, in the order of one listing.
    paged, pages = every_page(iam.list_policies, "Policies", MaxItems=4)
    assert [p["Arn"] for p in paged] == [p["Arn"] for p in everything] and pages == -(-len(everything) // 4)
    assert [p["PolicyName"] for p in iam.list_policies(Scope="All", PathPrefix="/scope/")["Policies"]] == ["ScopeMine"]

    # AWS's policies are not the account's to change or delete; the refusals change nothing.
    for call in (lambda: iam.create_policy_version(PolicyArn=ADMIN, PolicyDocument=json.dumps(doc())),
                 lambda: iam.delete_policy_version(PolicyArn=ADMIN, VersionId="v1"),
                 lambda: iam.set_default_policy_version(PolicyArn=ADMIN, VersionId="v1"),
                 lambda: iam.delete_policy(PolicyArn=ADMIN)):
        assert ADMIN in refused(call, "InvalidInput", 400)
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["DefaultVersionId"] == "v1"
    assert len(iam.list_policy_versions(PolicyArn=ADMIN)["Versions"]) == 1
    iam.delete_policy(PolicyArn=arn_of("ScopeMine", "/scope/"))


def test_policy_versions_are_made_listed_newest_first_switched_and_deleted(world):
    iam = client(world)
    arn = iam.create_policy(PolicyName="Versioned", Path="/ver/", PolicyDocument=json.dumps(doc("ram:Get*")))["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc("ram:List*")))["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc("ram:*")), SetAsDefault=True)["PolicyVersion"]
    assert v3["VersionId"] == "v3" and v3["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    # Each version keeps its document; one is the default.
    for version, actions in (("v1", "ram:Get*"), ("v2", "ram:List*"), ("v3", "ram:*")):
        got = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        assert got["Document"] == doc(actions) and got["IsDefaultVersion"] is (version == "v3"), got
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [("v3", True), ("v2", False), ("v1", False)]
    first = iam.list_policy_versions(PolicyArn=arn, MaxItems=2)
    assert [v["VersionId"] for v in first["Versions"]] == ["v3", "v2"] and first["IsTruncated"]
    rest = iam.list_policy_versions(PolicyArn=arn, MaxItems=2, Marker=first["Marker"])
    assert [v["VersionId"] for v in rest["Versions"]] == ["v1"] and not rest["IsTruncated"]

    # Five versions at most; the sixth is refused and nothing changes.
    for actions in ("ram:Tag*", "ram:Untag*"):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc(actions)))
    refused(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc()), SetAsDefault=True),
            "LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, "
                                  "you must delete an existing version.")
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v5", "v4", "v3", "v2", "v1"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    # A malformed version is refused before anything else.
    refused(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument="{"), "MalformedPolicyDocument", 400,
            "Syntax errors in policy.")

    # The default version is not deleted; the refusal changes nothing.
    refused(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v3"), "DeleteConflict", 409,
            "Cannot delete the default version of a policy.")
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]["IsDefaultVersion"] is True
    # Another default.
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]["IsDefaultVersion"] is False
    for call in (lambda: iam.set_default_policy_version(PolicyArn=arn, VersionId="v9"),
                 lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v9"),
                 lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v9")):
        refused(call, "NoSuchEntity", 404, f"Policy {arn} version v9 does not exist or is not attachable.")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    missing = arn_of("NoVersions", "/ver/")
    for call in (lambda: iam.create_policy_version(PolicyArn=missing, PolicyDocument=json.dumps(doc())),
                 lambda: iam.set_default_policy_version(PolicyArn=missing, VersionId="v1"),
                 lambda: iam.delete_policy_version(PolicyArn=missing, VersionId="v1")):
        refused(call, "NoSuchEntity", 404, no_policy(missing))

    # Not deleted while it has versions besides the default; still all there after the refusal.
    refused(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", 409,
            "This policy has more than one version. Before you delete a policy, you must delete the policy's "
            "versions. The default version is deleted with the policy.")
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    for version in ("v1", "v3", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=version)
    refused(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v1"), "NoSuchEntity", 404,
            f"Policy {arn} version v1 does not exist or is not attachable.")
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == \
        [("v2", True)]
    # Version numbers are not reused.
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc()))["PolicyVersion"]["VersionId"] == "v6"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v6")
    iam.delete_policy(PolicyArn=arn)
    refused(lambda: iam.list_policy_versions(PolicyArn=arn), "NoSuchEntity", 404, no_policy(arn))


MALFORMED = [
    ("not json", "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ram:Get*"}]}),
     "Policy statement must contain resources."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
     "Policy statement must contain actions."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "ram:Get*", "Resource": "*"}]}),
     "Missing required field Effect"),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT_B},
                                                          "Action": "ram:Get*", "Resource": "*"}]}),
     "Policy document should not specify a principal."),
]


@pytest.mark.parametrize("document,message", MALFORMED, ids=["syntax", "no-resource", "no-action", "no-effect", "principal"])
def test_a_malformed_policy_document_is_refused_everywhere_and_stores_nothing(world, document, message):
    iam = client(world)
    iam.create_user(UserName="malformed-user")
    iam.create_role(RoleName="malformed-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    try:
        refused(lambda: iam.create_policy(PolicyName="Malformed", Path="/malformed/", PolicyDocument=document),
                "MalformedPolicyDocument", 400, message)
        refused(lambda: iam.put_user_policy(UserName="malformed-user", PolicyName="m", PolicyDocument=document),
                "MalformedPolicyDocument", 400, message)
        refused(lambda: iam.put_role_policy(RoleName="malformed-role", PolicyName="m", PolicyDocument=document),
                "MalformedPolicyDocument", 400, message)
        assert iam.list_policies(Scope="Local", PathPrefix="/malformed/")["Policies"] == []
        assert iam.list_user_policies(UserName="malformed-user")["PolicyNames"] == []
        assert iam.list_role_policies(RoleName="malformed-role")["PolicyNames"] == []
    finally:
        iam.delete_user(UserName="malformed-user")
        iam.delete_role(RoleName="malformed-role")


# ------------------------------------------------------------------------------- roles


def test_a_role_is_made_read_listed_and_unique_regardless_of_case(world):
    iam = client(world)
    made = iam.create_role(RoleName="deployer", Path="/ci/", AssumeRolePolicyDocument=json.dumps(TRUST),
                           Description="deploys", MaxSessionDuration=7200,
                           Tags=[{"Key": "team", "Value": "ci"}])["Role"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/ci/deployer" and made["Path"] == "/ci/"
    assert made["RoleId"].startswith("AROA") and len(made["RoleId"]) == 21
    assert made["AssumeRolePolicyDocument"] == TRUST
    got = iam.get_role(RoleName="DEPLOYER")["Role"]
    assert got["RoleName"] == "deployer" and got["RoleId"] == made["RoleId"] and got["AssumeRolePolicyDocument"] == TRUST
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}] and got["Description"] == "deploys"
    assert got["MaxSessionDuration"] == 7200
    refused(lambda: iam.create_role(RoleName="Deployer", AssumeRolePolicyDocument=json.dumps(TRUST)),
            "EntityAlreadyExists", 409, "Role with name Deployer already exists.")
    assert iam.get_role(RoleName="deployer")["Role"]["Path"] == "/ci/"
    refused(lambda: iam.create_role(RoleName="untrusting", AssumeRolePolicyDocument="{}"),
            "MalformedPolicyDocument", 400, "Syntax errors in policy.")
    refused(lambda: iam.get_role(RoleName="untrusting"), "NoSuchEntity", 404)
    # No instance profiles in ramd: none for a role (Terraform asks before deleting one).
    listed = iam.list_instance_profiles_for_role(RoleName="deployer")
    assert listed["InstanceProfiles"] == [] and not listed["IsTruncated"]
    refused(lambda: iam.list_instance_profiles_for_role(RoleName="ghost"), "NoSuchEntity", 404,
            "The role with name ghost cannot be found.")

    # Listings: PathPrefix selects, pages by name.
    for name in ("ci-b", "ci-c"):
        iam.create_role(RoleName=name, Path="/ci/", AssumeRolePolicyDocument=json.dumps(TRUST))
    ci = iam.list_roles(PathPrefix="/ci/")["Roles"]
    assert [r["RoleName"] for r in ci] == ["ci-b", "ci-c", "deployer"]
    assert ci[2]["Arn"] == made["Arn"] and ci[2]["AssumeRolePolicyDocument"] == TRUST
    everything, pages = every_page(iam.list_roles, "Roles", MaxItems=1)
    assert [r["RoleName"] for r in everything] == [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert {"ci-b", "ci-c", "deployer"} <= {r["RoleName"] for r in everything} and pages == len(everything)
    # Another account sees none of them.
    other = client(world, account=ACCOUNT_B)
    assert not {"ci-b", "ci-c", "deployer"} & {r["RoleName"] for r in other.list_roles()["Roles"]}
    refused(lambda: other.get_role(RoleName="deployer"), "NoSuchEntity", 404)
    refused(lambda: other.delete_role(RoleName="deployer"), "NoSuchEntity", 404, "The role with name deployer cannot be found.")
    refused(lambda: other.list_instance_profiles_for_role(RoleName="deployer"), "NoSuchEntity", 404)

    for name in ("ci-b", "ci-c", "DEPLOYER"):
        iam.delete_role(RoleName=name)
    refused(lambda: iam.get_role(RoleName="deployer"), "NoSuchEntity", 404, "The role with name deployer cannot be found.")
    refused(lambda: iam.delete_role(RoleName="deployer"), "NoSuchEntity", 404, "The role with name deployer cannot be found.")
    assert iam.list_roles(PathPrefix="/ci/")["Roles"] == []


@pytest.mark.parametrize("kind", ["role", "user"])
def test_a_path_prefix_walked_page_by_page_gives_what_it_selects(world, kind):
    """Pages of one, walked by Marker, give the principals on the prefix's path once each, whatever
    principals of other paths sort between them. (IAM may answer a page with fewer than MaxItems
    and IsTruncated; ramd does, with empty pages, where other paths' names fall in the page.)"""
    iam = client(world)
    names = ["pp-a-other", "pp-b-selected", "pp-c-other", "pp-d-selected"]
    for name in names:
        path = "/pp/" if "selected" in name else "/"
        if kind == "role":
            iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST))
        else:
            iam.create_user(UserName=name, Path=path)
    listing, key, field = (iam.list_roles, "Roles", "RoleName") if kind == "role" else (iam.list_users, "Users", "UserName")
    try:
        selected, pages = every_page(listing, key, PathPrefix="/pp/", MaxItems=1)
        assert [r[field] for r in selected] == ["pp-b-selected", "pp-d-selected"]
        assert [r[field] for r in listing(PathPrefix="/pp/")[key]] == ["pp-b-selected", "pp-d-selected"]
    finally:
        for name in names:
            (iam.delete_role(RoleName=name) if kind == "role" else iam.delete_user(UserName=name))


def test_a_service_linked_role_is_not_deleted_by_delete_role(world):
    iam = client(world, account=ACCOUNT_B)
    role = iam.create_service_linked_role(AWSServiceName="ram.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForResourceAccessManager"
    refused(lambda: iam.delete_role(RoleName="AWSServiceRoleForResourceAccessManager"), "UnmodifiableEntity", 400,
            "Cannot perform the operation on the protected role 'AWSServiceRoleForResourceAccessManager' - "
            "this role is only modifiable by AWS")
    assert iam.get_role(RoleName="AWSServiceRoleForResourceAccessManager")["Role"]["RoleId"] == role["RoleId"]
    iam.delete_service_linked_role(RoleName="AWSServiceRoleForResourceAccessManager")
    refused(lambda: iam.get_role(RoleName="AWSServiceRoleForResourceAccessManager"), "NoSuchEntity", 404)


# ------------------------------------------------------------------------------- inline policies


@pytest.mark.parametrize("kind", ["user", "role"])
def test_inline_policies_are_put_read_replaced_listed_and_deleted(world, kind):
    iam = client(world)
    name = f"inline-{kind}"
    if kind == "user":
        iam.create_user(UserName=name)
        put, get, delete, lst = iam.put_user_policy, iam.get_user_policy, iam.delete_user_policy, iam.list_user_policies
        who, delete_principal = "UserName", lambda: iam.delete_user(UserName=name)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        put, get, delete, lst = iam.put_role_policy, iam.get_role_policy, iam.delete_role_policy, iam.list_role_policies
        who, delete_principal = "RoleName", lambda: iam.delete_role(RoleName=name)
    of = {who: name}

    put(**of, PolicyName="Read", PolicyDocument=json.dumps(doc("ram:Get*")))
    got = get(**of, PolicyName="Read")
    assert got[who] == name and got["PolicyName"] == "Read" and got["PolicyDocument"] == doc("ram:Get*")
    # Putting it again replaces its document; names are the same regardless of case.
    put(**of, PolicyName="Read", PolicyDocument=json.dumps(doc("ram:List*")))
    assert get(**of, PolicyName="Read")["PolicyDocument"] == doc("ram:List*")
    assert get(**{who: name.upper()}, PolicyName="read")["PolicyDocument"] == doc("ram:List*")
    put(**of, PolicyName="Write", PolicyDocument=json.dumps(doc("ram:Create*")))
    assert lst(**of)["PolicyNames"] == ["Read", "Write"]
    first = lst(**of, MaxItems=1)
    assert first["PolicyNames"] == ["Read"] and first["IsTruncated"]
    rest = lst(**of, MaxItems=1, Marker=first["Marker"])
    assert rest["PolicyNames"] == ["Write"] and not rest["IsTruncated"]

    missing = f"The {kind} policy with name Nope cannot be found."
    refused(lambda: get(**of, PolicyName="Nope"), "NoSuchEntity", 404, missing)
    refused(lambda: delete(**of, PolicyName="Nope"), "NoSuchEntity", 404, missing)
    no_principal = f"The {kind} with name ghost cannot be found."
    refused(lambda: put(**{who: "ghost"}, PolicyName="Read", PolicyDocument=json.dumps(doc())), "NoSuchEntity", 404, no_principal)
    refused(lambda: get(**{who: "ghost"}, PolicyName="Read"), "NoSuchEntity", 404, no_principal)
    refused(lambda: lst(**{who: "ghost"}), "NoSuchEntity", 404, no_principal)
    refused(lambda: delete(**{who: "ghost"}, PolicyName="Read"), "NoSuchEntity", 404, no_principal)

    # Not deleted while it has inline policies; the refusal changes nothing.
    refused(delete_principal, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    assert lst(**of)["PolicyNames"] == ["Read", "Write"]
    # Another account reaches neither the principal nor its policies.
    other = client(world, account=ACCOUNT_B)
    o_get = other.get_user_policy if kind == "user" else other.get_role_policy
    o_delete = other.delete_user_policy if kind == "user" else other.delete_role_policy
    refused(lambda: o_get(**of, PolicyName="Read"), "NoSuchEntity", 404, no_principal.replace("ghost", name))
    refused(lambda: o_delete(**of, PolicyName="Read"), "NoSuchEntity", 404, no_principal.replace("ghost", name))
    assert get(**of, PolicyName="Read")["PolicyDocument"] == doc("ram:List*")

    delete(**of, PolicyName="READ")
    delete(**of, PolicyName="Write")
    assert lst(**of)["PolicyNames"] == []
    refused(lambda: get(**of, PolicyName="Read"), "NoSuchEntity", 404, f"The {kind} policy with name Read cannot be found.")
    delete_principal()


def test_an_inline_policy_is_held_to_its_size_quota_whitespace_not_counted(world):
    iam = client(world)
    iam.create_user(UserName="sized-user")
    iam.create_role(RoleName="sized-role", AssumeRolePolicyDocument=json.dumps(TRUST))

    def sized(n: int, indent: int | None = None) -> str:
        """A document of exactly `n` characters besides whitespace (with `indent`, much whitespace besides)."""
        base = doc("ram:Get*", resource="")
        padding = n - len(json.dumps(base, separators=(",", ":")))
        base["Statement"][0]["Resource"] = "a" * padding
        text = json.dumps(base, separators=(",", ":"), indent=indent)
        assert len("".join(text.split())) == n
        return text

    iam.put_user_policy(UserName="sized-user", PolicyName="AtQuota", PolicyDocument=sized(2048, indent=40))
    refused(lambda: iam.put_user_policy(UserName="sized-user", PolicyName="OverQuota", PolicyDocument=sized(2049)),
            "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 2048")
    assert iam.list_user_policies(UserName="sized-user")["PolicyNames"] == ["AtQuota"]
    # A role's inline policies may be larger.
    iam.put_role_policy(RoleName="sized-role", PolicyName="Large", PolicyDocument=sized(10240))
    refused(lambda: iam.put_role_policy(RoleName="sized-role", PolicyName="TooLarge", PolicyDocument=sized(10241)),
            "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 10240")
    assert iam.list_role_policies(RoleName="sized-role")["PolicyNames"] == ["Large"]
    # A managed policy's documents, 6144.
    arn = iam.create_policy(PolicyName="Sized", Path="/sized/", PolicyDocument=sized(6144))["Policy"]["Arn"]
    refused(lambda: iam.create_policy(PolicyName="Oversized", Path="/sized/", PolicyDocument=sized(6145)),
            "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144")
    refused(lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=sized(6145)),
            "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144")
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local", PathPrefix="/sized/")["Policies"]] == ["Sized"]
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1
    iam.delete_policy(PolicyArn=arn)
    iam.delete_user_policy(UserName="sized-user", PolicyName="AtQuota")
    iam.delete_role_policy(RoleName="sized-role", PolicyName="Large")
    iam.delete_user(UserName="sized-user")
    iam.delete_role(RoleName="sized-role")


# ------------------------------------------------------------------------------- attachments


@pytest.mark.parametrize("kind", ["user", "role"])
def test_managed_policies_are_attached_counted_listed_and_detached(world, kind):
    iam = client(world)
    name = f"attached-{kind}"
    if kind == "user":
        iam.create_user(UserName=name)
        attach, detach, listed = iam.attach_user_policy, iam.detach_user_policy, iam.list_attached_user_policies
        who, delete_principal = "UserName", lambda: iam.delete_user(UserName=name)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        attach, detach, listed = iam.attach_role_policy, iam.detach_role_policy, iam.list_attached_role_policies
        who, delete_principal = "RoleName", lambda: iam.delete_role(RoleName=name)
    of = {who: name}
    arn = iam.create_policy(PolicyName=f"AttachMe-{kind}", Path="/att/", PolicyDocument=json.dumps(doc()))["Policy"]["Arn"]
    unattached = iam.create_policy(PolicyName=f"Unattached-{kind}", Path="/att/", PolicyDocument=json.dumps(doc()))["Policy"]["Arn"]
    assert listed(**of)["AttachedPolicies"] == []

    attach(**of, PolicyArn=arn)
    attach(**{who: name.upper()}, PolicyArn=arn)  # attaching what is attached changes nothing
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    admin_count = iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"]
    attach(**of, PolicyArn=ADMIN)
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == admin_count + 1
    assert listed(**of)["AttachedPolicies"] == [
        {"PolicyName": f"AttachMe-{kind}", "PolicyArn": arn},
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
    ]
    assert listed(**of, PathPrefix="/att/")["AttachedPolicies"] == [{"PolicyName": f"AttachMe-{kind}", "PolicyArn": arn}]
    first = listed(**of, MaxItems=1)
    assert [p["PolicyArn"] for p in first["AttachedPolicies"]] == [arn] and first["IsTruncated"]
    rest = listed(**of, MaxItems=1, Marker=first["Marker"])
    assert [p["PolicyArn"] for p in rest["AttachedPolicies"]] == [ADMIN] and not rest["IsTruncated"]
    # OnlyAttached: the attached policies of the account, AWS's and its own.
    only = [p["Arn"] for p in iam.list_policies(OnlyAttached=True)["Policies"]]
    assert arn in only and ADMIN in only and unattached not in only and READ_ONLY not in only
    assert [p["Arn"] for p in iam.list_policies(OnlyAttached=True, Scope="Local", PathPrefix="/att/")["Policies"]] == [arn]
    assert ADMIN in [p["Arn"] for p in iam.list_policies(OnlyAttached=True, Scope="AWS")["Policies"]]
    assert iam.list_policies(OnlyAttached=True, Scope="AWS", PathPrefix="/att/")["Policies"] == []

    # Attached: neither the policy nor the principal is deleted; the refusals change nothing.
    refused(lambda: iam.delete_policy(PolicyArn=arn), "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    refused(delete_principal, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert len(listed(**of)["AttachedPolicies"]) == 2

    # What cannot be attached or detached.
    refused(lambda: detach(**of, PolicyArn=READ_ONLY), "NoSuchEntity", 404, f"Policy {READ_ONLY} was not found.")
    refused(lambda: detach(**of, PolicyArn=unattached), "NoSuchEntity", 404, f"Policy {unattached} was not found.")
    for missing in (arn_of("Missing", "/att/"), "arn:aws:iam::aws:policy/NoSuchManagedPolicy", arn_of("Theirs", account=ACCOUNT_B)):
        refused(lambda: attach(**of, PolicyArn=missing), "NoSuchEntity", 404, no_policy(missing))
    bad = f"arn:aws:iam::{ACCOUNT_A}:user/not-a-policy"
    refused(lambda: attach(**of, PolicyArn=bad), "InvalidInput", 400, f"ARN {bad} is not valid.")
    refused(lambda: detach(**of, PolicyArn=bad), "InvalidInput", 400, f"ARN {bad} is not valid.")
    no_principal = f"The {kind} with name ghost cannot be found."
    refused(lambda: attach(**{who: "ghost"}, PolicyArn=arn), "NoSuchEntity", 404, no_principal)
    refused(lambda: detach(**{who: "ghost"}, PolicyArn=arn), "NoSuchEntity", 404, no_principal)
    refused(lambda: listed(**{who: "ghost"}), "NoSuchEntity", 404, no_principal)
    assert len(listed(**of)["AttachedPolicies"]) == 2

    detach(**of, PolicyArn=arn)
    detach(**{who: name.upper()}, PolicyArn=ADMIN)
    refused(lambda: detach(**of, PolicyArn=arn), "NoSuchEntity", 404, f"Policy {arn} was not found.")
    assert listed(**of)["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == admin_count
    assert iam.list_policies(OnlyAttached=True, Scope="Local", PathPrefix="/att/")["Policies"] == []
    iam.delete_policy(PolicyArn=arn)
    iam.delete_policy(PolicyArn=unattached)
    delete_principal()


@pytest.mark.parametrize("kind", ["user", "role"])
def test_ten_managed_policies_at_most_are_attached(world, kind):
    iam = client(world)
    name = f"quota-{kind}"
    if kind == "user":
        iam.create_user(UserName=name)
        attach, detach, listed, quota = (iam.attach_user_policy, iam.detach_user_policy, iam.list_attached_user_policies,
                                         "PoliciesPerUser")
        who = "UserName"
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        attach, detach, listed, quota = (iam.attach_role_policy, iam.detach_role_policy, iam.list_attached_role_policies,
                                         "PoliciesPerRole")
        who = "RoleName"
    of = {who: name}
    mine = [iam.create_policy(PolicyName=f"Quota{kind}{i}", Path="/quota/", PolicyDocument=json.dumps(doc()))["Policy"]["Arn"]
            for i in range(2)]
    arns = [f"arn:aws:iam::aws:policy/{n}" for n in AWS_MANAGED] + mine
    for arn in arns[:10]:
        attach(**of, PolicyArn=arn)
    refused(lambda: attach(**of, PolicyArn=arns[10]), "LimitExceeded", 409, f"Cannot exceed quota for {quota}: 10")
    attached = [p["PolicyArn"] for p in listed(**of)["AttachedPolicies"]]
    assert sorted(attached) == sorted(arns[:10])
    assert iam.get_policy(PolicyArn=arns[10])["Policy"]["AttachmentCount"] == 0
    # Attaching one already attached is no eleventh.
    attach(**of, PolicyArn=arns[0])
    # Room again after a detach.
    detach(**of, PolicyArn=arns[0])
    attach(**of, PolicyArn=arns[10])
    assert sorted(p["PolicyArn"] for p in every_page(listed, "AttachedPolicies", **of, MaxItems=3)[0]) == sorted(arns[1:])
    for arn in arns[1:]:
        detach(**of, PolicyArn=arn)
    for arn in mine:
        iam.delete_policy(PolicyArn=arn)
    (iam.delete_user if kind == "user" else iam.delete_role)(**of)


def test_an_aws_managed_policy_arn_of_another_partition_is_not_attached(world):
    iam = client(world)
    iam.create_user(UserName="partitioned")
    try:
        for arn in ("arn:aws-cn:iam::aws:policy/AdministratorAccess", "arn:x:iam::aws:policy/AdministratorAccess"):
            with pytest.raises(botocore.exceptions.ClientError) as e:
                iam.attach_user_policy(UserName="partitioned", PolicyArn=arn)
            assert error_code(e) in ("InvalidInput", "NoSuchEntity"), e.value.response
        assert iam.list_attached_user_policies(UserName="partitioned")["AttachedPolicies"] == []
    finally:
        for p in iam.list_attached_user_policies(UserName="partitioned")["AttachedPolicies"]:
            iam.detach_user_policy(UserName="partitioned", PolicyArn=p["PolicyArn"])
        iam.delete_user(UserName="partitioned")


def test_listings_leave_out_tags_as_iam_does(world):
    iam = client(world)
    tags = [{"Key": "listed", "Value": "no"}]
    iam.create_role(RoleName="tagged-role", Path="/tagged/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags)
    iam.create_user(UserName="tagged-user", Path="/tagged/", Tags=tags)
    arn = iam.create_policy(PolicyName="TaggedPolicy", Path="/tagged/", PolicyDocument=json.dumps(doc()), Tags=tags)["Policy"]["Arn"]
    try:
        assert iam.get_role(RoleName="tagged-role")["Role"]["Tags"] == tags
        assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == tags
        listed = [*iam.list_roles(PathPrefix="/tagged/")["Roles"], *iam.list_users(PathPrefix="/tagged/")["Users"],
                  *iam.list_policies(Scope="Local", PathPrefix="/tagged/")["Policies"]]
        assert len(listed) == 3 and not [e for e in listed if "Tags" in e], listed
    finally:
        iam.delete_role(RoleName="tagged-role")
        iam.delete_user(UserName="tagged-user")
        iam.delete_policy(PolicyArn=arn)


@pytest.mark.skipif(os.environ.get("RAMD_TEST_BACKEND") != "postgres", reason="a PostgreSQL database's collation")
def test_pages_follow_one_order_on_a_database_of_any_collation(tmp_path, monkeypatch):
    admin = os.environ["RAMD_TEST_DATABASE_URL"]
    psql = lambda sql: subprocess.run(["psql", admin, "-qc", sql], capture_output=True, text=True)  # noqa: E731
    psql("DROP DATABASE IF EXISTS ramd_iam_collation")
    made = psql("CREATE DATABASE ramd_iam_collation LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0")
    if made.returncode != 0:
        pytest.skip(f"no ICU collation: {made.stderr}")
    monkeypatch.delenv("RAMD_TEST_BACKEND")  # the database is given here
    key = tmp_path / "master.key"
    key.write_text(base64.b64encode(os.urandom(32)).decode())
    server = RamdServer(tmp_path, extra_args=["--database-url", admin.rsplit("/", 1)[0] + "/ramd_iam_collation",
                                              "--master-key-file", str(key)]).start()
    try:
        iam = make_client(server.url, service="iam", account=ACCOUNT_A)
        iam.create_user(UserName="collated")
        for name in ("AdministratorAccess", "AWSOrganizationsFullAccess", "IAMReadOnlyAccess"):
            iam.attach_user_policy(UserName="collated", PolicyArn=f"arn:aws:iam::aws:policy/{name}")
        for name in ("a_c", "a-b", "ab"):
            iam.put_user_policy(UserName="collated", PolicyName=name, PolicyDocument=json.dumps(doc()))
        whole = iam.list_attached_user_policies(UserName="collated")["AttachedPolicies"]
        assert every_page(iam.list_attached_user_policies, "AttachedPolicies", UserName="collated", MaxItems=1)[0] == whole
        names = iam.list_user_policies(UserName="collated")["PolicyNames"]
        assert every_page(iam.list_user_policies, "PolicyNames", UserName="collated", MaxItems=1)[0] == names
    finally:
        server.stop()
        psql("DROP DATABASE IF EXISTS ramd_iam_collation")


# ------------------------------------------------------------------------------- accounts


def test_an_account_sees_and_touches_only_its_own_policies(world):
    iam, other = client(world), client(world, account=ACCOUNT_B)
    # B has no policies of its own.
    assert other.list_policies(Scope="Local")["Policies"] == []
    assert other.list_policies(OnlyAttached=True)["Policies"] == []
    iam.create_user(UserName="holder")
    arn = iam.create_policy(PolicyName="Secret", Path="/iso/", PolicyDocument=json.dumps(doc("ram:Get*")))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc("ram:List*")))
    iam.attach_user_policy(UserName="holder", PolicyArn=arn)
    iam.attach_user_policy(UserName="holder", PolicyArn=ADMIN)
    before = (iam.get_policy(PolicyArn=arn)["Policy"], iam.list_policy_versions(PolicyArn=arn)["Versions"])

    # B neither sees A's policy nor learns A's attachments of AWS's.
    assert other.list_policies(Scope="Local")["Policies"] == []
    assert arn not in [p["Arn"] for p in every_page(other.list_policies, "Policies")[0]]
    assert other.list_policies(OnlyAttached=True)["Policies"] == []
    assert other.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 0
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] >= 1
    nope = no_policy(arn)
    for call in (lambda: other.get_policy(PolicyArn=arn),
                 lambda: other.get_policy_version(PolicyArn=arn, VersionId="v1"),
                 lambda: other.list_policy_versions(PolicyArn=arn),
                 lambda: other.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc()), SetAsDefault=True),
                 lambda: other.set_default_policy_version(PolicyArn=arn, VersionId="v2"),
                 lambda: other.delete_policy_version(PolicyArn=arn, VersionId="v2"),
                 lambda: other.delete_policy(PolicyArn=arn)):
        refused(call, "NoSuchEntity", 404, nope)
    # Nor can B attach it to its own principals, nor detach it from A's.
    other.create_user(UserName="intruder")
    other.create_role(RoleName="intruder-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    refused(lambda: other.attach_user_policy(UserName="intruder", PolicyArn=arn), "NoSuchEntity", 404, nope)
    refused(lambda: other.attach_role_policy(RoleName="intruder-role", PolicyArn=arn), "NoSuchEntity", 404, nope)
    refused(lambda: other.detach_user_policy(UserName="intruder", PolicyArn=arn), "NoSuchEntity", 404, nope)
    refused(lambda: other.detach_user_policy(UserName="holder", PolicyArn=arn), "NoSuchEntity", 404, nope)
    refused(lambda: other.list_attached_user_policies(UserName="holder"), "NoSuchEntity", 404,
            "The user with name holder cannot be found.")
    refused(lambda: other.detach_user_policy(UserName="holder", PolicyArn=ADMIN), "NoSuchEntity", 404,
            "The user with name holder cannot be found.")
    assert other.list_attached_user_policies(UserName="intruder")["AttachedPolicies"] == []
    # B's own policy of the same name is B's: it is not A's, and A's ARN still names nothing for B.
    theirs = other.create_policy(PolicyName="Secret", Path="/iso/", PolicyDocument=json.dumps(doc()))["Policy"]
    assert theirs["Arn"] == arn_of("Secret", "/iso/", ACCOUNT_B) and theirs["AttachmentCount"] == 0
    refused(lambda: other.get_policy(PolicyArn=arn), "NoSuchEntity", 404, nope)
    refused(lambda: iam.get_policy(PolicyArn=theirs["Arn"]), "NoSuchEntity", 404, no_policy(theirs["Arn"]))
    refused(lambda: iam.attach_user_policy(UserName="holder", PolicyArn=theirs["Arn"]), "NoSuchEntity", 404,
            no_policy(theirs["Arn"]))
    assert [p["Arn"] for p in other.list_policies(Scope="Local")["Policies"]] == [theirs["Arn"]]
    other.delete_policy(PolicyArn=theirs["Arn"])
    other.delete_user(UserName="intruder")
    other.delete_role(RoleName="intruder-role")

    # A's policy is as it was.
    assert (iam.get_policy(PolicyArn=arn)["Policy"], iam.list_policy_versions(PolicyArn=arn)["Versions"]) == before
    assert [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="holder")["AttachedPolicies"]] == [arn, ADMIN]
    for policy in (arn, ADMIN):
        iam.detach_user_policy(UserName="holder", PolicyArn=policy)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    iam.delete_user(UserName="holder")


def test_a_principal_made_by_accounts_create_is_an_administrator(world):
    """`ramd accounts create --principal-arn` beside the running server makes the user or role the
    ARN names, with AdministratorAccess attached; a key for a principal that exists leaves its
    policies alone."""
    _, _, data_dir = world
    iam = client(world)
    carol_arn = f"arn:aws:iam::{ACCOUNT_A}:user/ops/carol"
    carol = ramd_accounts_create(data_dir, ACCOUNT_A, principal_arn=carol_arn)
    assert carol["principalArn"] == carol_arn
    user = iam.get_user(UserName="carol")["User"]
    assert user["Arn"] == carol_arn and user["Path"] == "/ops/" and user["UserId"].startswith("AIDA")
    assert iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]
    assert iam.list_user_policies(UserName="carol")["PolicyNames"] == []
    pair = (carol["accessKeyId"], carol["secretAccessKey"])
    assert client(world, "sts", key=pair).get_caller_identity()["Arn"] == carol_arn
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="carol")["AccessKeyMetadata"]] == [pair[0]]

    robot_arn = f"arn:aws:iam::{ACCOUNT_A}:role/automation/robot"
    robot = ramd_accounts_create(data_dir, ACCOUNT_A, principal_arn=robot_arn)
    role = iam.get_role(RoleName="robot")["Role"]
    assert role["Arn"] == robot_arn and role["Path"] == "/automation/" and role["RoleId"].startswith("AROA")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}
    assert iam.list_attached_role_policies(RoleName="robot")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]
    assert client(world, "sts", key=(robot["accessKeyId"], robot["secretAccessKey"])).get_caller_identity()["Arn"] == robot_arn

    # Restricted, then keyed again: the restriction stays.
    iam.detach_user_policy(UserName="carol", PolicyArn=ADMIN)
    iam.attach_user_policy(UserName="carol", PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName="carol", PolicyName="Extra", PolicyDocument=json.dumps(doc()))
    iam.detach_role_policy(RoleName="robot", PolicyArn=ADMIN)
    again = ramd_accounts_create(data_dir, ACCOUNT_A, principal_arn=carol_arn)
    ramd_accounts_create(data_dir, ACCOUNT_A, principal_arn=robot_arn)
    assert iam.list_attached_user_policies(UserName="carol")["AttachedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}]
    assert iam.list_user_policies(UserName="carol")["PolicyNames"] == ["Extra"]
    assert iam.list_attached_role_policies(RoleName="robot")["AttachedPolicies"] == []
    assert iam.get_user(UserName="carol")["User"]["UserId"] == user["UserId"]
    assert iam.get_role(RoleName="robot")["Role"]["RoleId"] == role["RoleId"]
    assert client(world, "sts", key=(again["accessKeyId"], again["secretAccessKey"])).get_caller_identity()["Arn"] == carol_arn
    # Another account gets none of it.
    other = client(world, account=ACCOUNT_B)
    refused(lambda: other.list_attached_user_policies(UserName="carol"), "NoSuchEntity", 404)
    refused(lambda: other.list_attached_role_policies(RoleName="robot"), "NoSuchEntity", 404)


def test_an_account_made_by_organizations_has_an_administrator_access_role(world):
    """CreateAccount's role in the new account (OrganizationAccountAccessRole, or the RoleName asked
    for) has AdministratorAccess attached, as on AWS."""
    _, _, data_dir = world
    orgs = client(world, "organizations", account=ACCOUNT_C)
    orgs.create_organization(FeatureSet="ALL")
    made = {}
    for name, role in (("admin-default", None), ("admin-named", "Operators")):
        status = orgs.create_account(AccountName=name, Email=f"{name}@example.com",
                                     **({"RoleName": role} if role else {}))["CreateAccountStatus"]
        done = orgs.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        assert done["State"] == "SUCCEEDED", done
        made[role or "OrganizationAccountAccessRole"] = done["AccountId"]
    for role, account in made.items():
        creds = ramd_accounts_create(data_dir, account)
        member = client(world, key=(creds["accessKeyId"], creds["secretAccessKey"]))
        assert member.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == \
            {"AWS": f"arn:aws:iam::{ACCOUNT_C}:root"}
        assert member.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [
            {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]
        assert member.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1
        assert [p["Arn"] for p in member.list_policies(OnlyAttached=True)["Policies"]] == [ADMIN]
        # The management account's own IAM holds no such role.
        refused(lambda: client(world, account=ACCOUNT_C).get_role(RoleName=role), "NoSuchEntity", 404)
