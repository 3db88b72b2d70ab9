"""The wire contract seen by raw HTTP: routing, JSON errors, headers, timestamps."""

import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_A, ACCOUNT_B, REGION, raw_request, tgw_arn
from shape_check import check_response

SHARE_PATH = "/createresourceshare"


def assert_aws_error(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers.get("x-amzn-ErrorType", "").split(":")[0] == code, dict(r.headers)
    assert r.headers.get("x-amzn-RequestId"), dict(r.headers)
    assert "application/json" in r.headers.get("Content-Type", "")
    body = r.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


def test_unknown_path_is_unknown_operation(raw):
    assert_aws_error(raw("POST", "/notanoperation", {}), 404, "UnknownOperationException")
    assert_aws_error(raw("POST", "/notanoperation", {}, sign=False), 404, "UnknownOperationException")


def test_wrong_method_is_an_aws_error(raw):
    """An unknown method is an unknown operation, as an unknown path is (docs/compatibility.md)."""
    assert_aws_error(raw("GET", "/getresourceshares"), 404, "UnknownOperationException")


@pytest.mark.parametrize("body", ["{not json", "{\"resourceOwner\": ", "\x00\x01"])
def test_malformed_json_is_serialization_exception(raw, body):
    assert_aws_error(raw("POST", "/getresourceshares", body), 400, "SerializationException")


@pytest.mark.parametrize("body", [{"name": 5}, {"name": "x", "principals": "222222222222"},
                                  {"name": "x", "allowExternalPrincipals": "yes"}])
def test_wrongly_typed_member_is_serialization_exception(raw, body):
    assert_aws_error(raw("POST", SHARE_PATH, body), 400, "SerializationException")


@pytest.mark.parametrize("path,body,member", [
    ("/getresourceshares", {}, "resourceOwner"),
    ("/createresourceshare", {"resourceArns": []}, "name"),
    ("/getresourceshareassociations", {}, "associationType"),
    ("/acceptresourceshareinvitation", {}, "resourceShareInvitationArn"),
    ("/tagresource", {"resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/x"}, "tags"),
    ("/getresourcepolicies", {}, "resourceArns"),
])
def test_missing_required_member(raw, path, body, member):
    error = assert_aws_error(raw("POST", path, body), 400, "MissingRequiredParameterException")
    assert member in error["message"]


def test_missing_required_query_parameter_on_delete(raw):
    assert_aws_error(raw("DELETE", "/deleteresourceshare"), 400, "MissingRequiredParameterException")


def test_delete_takes_its_input_from_the_query_string(raw, ram):
    arn = ram.create_resource_share(name="q")["resourceShare"]["resourceShareArn"]
    qs = urllib.parse.urlencode({"resourceShareArn": arn, "clientToken": "tok-1"})
    r = raw("DELETE", f"/deleteresourceshare?{qs}")
    assert r.status_code == 200, r.text
    assert r.json() == {"returnValue": True, "clientToken": "tok-1"}
    [share] = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert share["status"] == "DELETED"


def test_enable_sharing_takes_no_body(raw):
    assert_aws_error(raw("POST", "/enablesharingwithawsorganization"), 400, "OperationNotPermittedException")


def test_unknown_request_members_are_ignored(raw):
    r = raw("POST", SHARE_PATH, {"name": "extra", "somethingNew": {"a": 1}})
    assert r.status_code == 200, r.text
    assert r.json()["resourceShare"]["name"] == "extra"


def test_oversized_body_is_refused_in_aws_shape(raw):
    r = raw("POST", SHARE_PATH, {"name": "x" * (2 << 20)})
    assert r.status_code == 413
    assert r.headers.get("x-amzn-ErrorType")
    assert isinstance(r.json().get("message"), str)


def test_success_responses_are_json_with_request_id_and_epoch_timestamps(raw):
    r = raw("POST", SHARE_PATH, {"name": "wire", "resourceArns": [tgw_arn()], "principals": [ACCOUNT_B]})
    assert r.status_code == 200
    assert "application/json" in r.headers["Content-Type"]
    assert r.headers.get("x-amzn-RequestId")
    share = r.json()["resourceShare"]
    for field in ("creationTime", "lastUpdatedTime"):
        value = share[field]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), share
    problems, _ = check_response("CreateResourceShare", r.status_code, r.headers, r.text)
    assert problems == []
    r = raw("POST", "/getresourceshareinvitations", {}, account=ACCOUNT_B)
    [inv] = r.json()["resourceShareInvitations"]
    assert isinstance(inv["invitationTimestamp"], (int, float))
    r = raw("POST", "/getresourceshareassociations", {"associationType": "RESOURCE"})
    [assoc] = r.json()["resourceShareAssociations"]
    assert isinstance(assoc["creationTime"], (int, float)) and isinstance(assoc["lastUpdatedTime"], (int, float))
    r = raw("POST", "/listresources", {"resourceOwner": "SELF"})
    [res] = r.json()["resources"]
    assert isinstance(res["creationTime"], (int, float))


def test_unset_members_are_omitted_not_null(raw):
    r = raw("POST", SHARE_PATH, {"name": "plain"})
    share = r.json()["resourceShare"]
    assert None not in share.values()
    r = raw("POST", "/getresourceshares", {"resourceOwner": "SELF"})
    body = r.json()
    assert "nextToken" not in body
    assert body["resourceShares"]
    assert all(None not in s.values() for s in body["resourceShares"])


def test_request_ids_are_unique(raw):
    ids = {raw("POST", "/getresourceshares", {"resourceOwner": "SELF"}).headers["x-amzn-RequestId"]
           for _ in range(5)}
    assert len(ids) == 5


def test_every_error_carries_error_type_request_id_and_message(raw):
    """A sample of domain errors, seen raw: header + JSON message on each."""
    unknown = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    cases = [
        ("/updateresourceshare", {"resourceShareArn": unknown, "name": "x"}, "UnknownResourceException"),
        ("/createresourceshare", {"name": "x", "resourceArns": ["bad"]}, "MalformedArnException"),
        ("/createresourceshare", {"name": "x", "principals": ["12"]}, "InvalidParameterException"),
        ("/getresourceshares", {"resourceOwner": "SELF", "nextToken": "junk"}, "InvalidNextTokenException"),
        ("/createresourceshare", {"name": "x", "tags": [{"key": "aws:x", "value": "y"}]},
         "TagPolicyViolationException"),
        ("/createresourceshare", {"name": "x", "clientToken": "t" * 65}, "InvalidClientTokenException"),
        ("/listresources", {"resourceOwner": "SELF", "resourceType": "x:Y"}, "InvalidResourceTypeException"),
    ]
    for path, body, code in cases:
        assert_aws_error(raw("POST", path, body), 400, code)


def test_errors_parse_in_botocore_with_modeled_members(ram):
    """botocore fills e.response['message'] only from a lowercase 'message' key of a modeled error."""
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as e:
        ram.update_resource_share(
            resourceShareArn=f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000")
    assert e.value.response["Error"]["Code"] == "UnknownResourceException"
    assert e.value.response.get("message") == e.value.response["Error"]["Message"]
    assert e.value.response["ResponseMetadata"]["RequestId"]
    assert isinstance(e.value, ram.exceptions.UnknownResourceException)


def test_reset_endpoints(ramd, ram):
    ram.create_resource_share(name="x")
    r = raw_request(ramd.url, "POST", "/moto-api/reset", sign=False)
    assert r.status_code == 200
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []
    ram.create_resource_share(name="y")
    assert raw_request(ramd.url, "POST", "/_ramd/reset", sign=False).status_code == 200
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []



def test_the_shape_checker_is_not_vacuous():
    """The hook that validates every boto3 response really catches what botocore would silently accept."""
    headers = {"x-amzn-RequestId": "r", "Content-Type": "application/json"}
    good = '{"resourceShares": [{"name": "n", "creationTime": 1700000000.5, "allowExternalPrincipals": true}]}'
    assert check_response("GetResourceShares", 200, headers, good)[0] == []
    for bad in (
        '{"resourceShares": [{"name": "n", "surprise": 1}]}',
        '{"resourceShares": [{"creationTime": "2024-01-01T00:00:00Z"}]}',
        '{"resourceShares": [{"allowExternalPrincipals": "true"}]}',
        '{"resourceShares": [{"status": "ALIVE"}]}',
        '{"resourceShares": {"name": "n"}}',
        '{"nextToken": null}',
    ):
        assert check_response("GetResourceShares", 200, headers, bad)[0], bad
    assert check_response("GetResourceShares", 400, {"x-amzn-RequestId": "r"}, '{"message": "m"}')[0]
    assert check_response("GetResourceShares", 400, {**headers, "x-amzn-ErrorType": "NoSuchThing"},
                          '{"message": "m"}')[0]


# RAM's own validation texts for values outside an enum (docs/compatibility.md, "Wire").
@pytest.mark.parametrize("call, kwargs, message", [
    ("get_resource_shares", {"resourceOwner": "invalid"},
     "invalid is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."),
    ("list_resources", {"resourceOwner": "ME"},
     "ME is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."),
    ("list_principals", {"resourceOwner": "ME"},
     "ME is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."),
    ("get_resource_share_associations", {"associationType": "BOTH"},
     "BOTH is not a valid association type. Specify either PRINCIPAL or RESOURCE and try again."),
    ("get_resource_share_associations", {"associationType": "PRINCIPAL", "associationStatus": "DONE"},
     "DONE is not a valid association status."),
    ("list_resource_types", {"resourceRegionScope": "INVALID"},
     "INVALID is not a valid resource region scope value. Specify a valid value and try again."),
    ("list_resources", {"resourceOwner": "SELF", "resourceRegionScope": "EARTH"},
     "EARTH is not a valid resource region scope value. Specify a valid value and try again."),
    ("list_permissions", {"permissionType": "INVALID"},
     "INVALID is not a valid scope. Must be one of: ALL, AWS, LOCAL."),
    ("get_resource_shares", {"resourceOwner": "SELF", "resourceShareStatus": "GONE"},
     "GONE is not a valid resource share status. Specify a valid value and try again."),
    ("list_permission_associations", {"featureSet": "FANCY"},
     "FANCY is not a valid feature set. Specify a valid value and try again."),
    ("list_replace_permission_associations_work", {"status": "WAITING"},
     "WAITING is not a valid status. Specify a valid value and try again."),
])
def test_enum_values_are_refused_with_rams_own_text(ram, call, kwargs, message):
    with pytest.raises(ClientError) as e:
        getattr(ram, call)(**kwargs)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Message"] == message


def test_list_permissions_takes_the_documented_permission_types(ram):
    """The model's documentation says AWS / LOCAL / ALL; its enum AWS_MANAGED / CUSTOMER_MANAGED."""
    ram.create_permission(name="Mine", resourceType="codebuild:Project",
                          policyTemplate='{"Effect": "Allow", "Action": ["codebuild:BatchGetProjects"]}')

    def kinds(permission_type):
        out = ram.list_permissions(permissionType=permission_type)["permissions"]
        return {p["permissionType"] for p in out}, len(out)

    aws, n_aws = kinds("AWS")
    assert aws == {"AWS_MANAGED"} and (aws, n_aws) == kinds("AWS_MANAGED")
    local, n_local = kinds("LOCAL")
    assert local == {"CUSTOMER_MANAGED"} and n_local == 1 and (local, n_local) == kinds("CUSTOMER_MANAGED")
    assert kinds("ALL")[1] == n_aws + n_local
