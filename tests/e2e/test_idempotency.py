"""clientToken idempotency on the seven mutating operations ramd serves."""

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_B, ACCOUNT_C, error_code, pending_invitation, tgw_arn


def strip(out: dict) -> dict:
    out = dict(out)
    out.pop("ResponseMetadata", None)
    return out


def token() -> str:
    return str(uuid.uuid4())


def own_share_arns(client):
    return [s["resourceShareArn"] for s in client.get_resource_shares(resourceOwner="SELF")["resourceShares"]]


# ---------------------------------------------------------------------------------- create


def test_create_replay_returns_the_same_share(ram):
    t, tgw = token(), tgw_arn()
    first = strip(ram.create_resource_share(name="idem", resourceArns=[tgw], principals=[ACCOUNT_B], clientToken=t))
    second = strip(ram.create_resource_share(name="idem", resourceArns=[tgw], principals=[ACCOUNT_B], clientToken=t))
    assert first == second
    assert first["clientToken"] == t
    assert own_share_arns(ram) == [first["resourceShare"]["resourceShareArn"]]
    assert len(ram.list_resources(resourceOwner="SELF")["resources"]) == 1


def test_create_replay_does_not_send_a_second_invitation(ram, ram_b):
    t = token()
    ram.create_resource_share(name="idem", resourceArns=[tgw_arn(suffix="0" * 17)], principals=[ACCOUNT_B],
                              clientToken=t)
    ram.create_resource_share(name="idem", resourceArns=[tgw_arn(suffix="0" * 17)], principals=[ACCOUNT_B],
                              clientToken=t)
    assert len(ram_b.get_resource_share_invitations()["resourceShareInvitations"]) == 1


@pytest.mark.parametrize("changed", [
    {"name": "other"},
    {"name": "idem", "allowExternalPrincipals": False},
    {"name": "idem", "principals": [ACCOUNT_C]},
    {"name": "idem", "tags": [{"key": "k", "value": "v"}]},
])
def test_create_same_token_different_parameters(ram, changed):
    t = token()
    ram.create_resource_share(name="idem", clientToken=t)
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(clientToken=t, **changed)
    assert error_code(e) == "IdempotentParameterMismatchException"
    assert len(own_share_arns(ram)) == 1


def test_create_without_token_answers_without_one(ram):
    a = ram.create_resource_share(name="same")
    b = ram.create_resource_share(name="same")
    # AWS's recorded answers carry no clientToken when the request sent none.
    assert "clientToken" not in a and "clientToken" not in b
    assert a["resourceShare"]["resourceShareArn"] != b["resourceShare"]["resourceShareArn"]
    assert len(own_share_arns(ram)) == 2


@pytest.mark.parametrize("bad", ["x" * 65, "x" * 200])
def test_invalid_client_token(ram, bad):
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="bad-token", clientToken=bad)
    assert error_code(e) == "InvalidClientTokenException"
    assert own_share_arns(ram) == []


def test_client_token_of_64_characters_is_fine(ram):
    t = "a" * 64
    out = ram.create_resource_share(name="ok", clientToken=t)
    assert out["clientToken"] == t


def test_tokens_are_scoped_to_the_account(ram, ram_b):
    t = token()
    a = ram.create_resource_share(name="mine", clientToken=t)["resourceShare"]
    b = ram_b.create_resource_share(name="theirs", clientToken=t)["resourceShare"]
    assert a["owningAccountId"] != b["owningAccountId"]
    assert b["name"] == "theirs"


# ---------------------------------------------------------------------------------- update / delete


def test_update_replay_and_mismatch(ram):
    arn = ram.create_resource_share(name="v1")["resourceShare"]["resourceShareArn"]
    t = token()
    first = strip(ram.update_resource_share(resourceShareArn=arn, name="v2", clientToken=t))
    second = strip(ram.update_resource_share(resourceShareArn=arn, name="v2", clientToken=t))
    assert first == second
    assert first["clientToken"] == t
    with pytest.raises(ClientError) as e:
        ram.update_resource_share(resourceShareArn=arn, name="v3", clientToken=t)
    assert error_code(e) == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as e:
        ram.update_resource_share(resourceShareArn=arn, name="v2", clientToken="y" * 65)
    assert error_code(e) == "InvalidClientTokenException"
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"][0]["name"] == "v2"
    assert "clientToken" not in ram.update_resource_share(resourceShareArn=arn, name="v4")


def test_delete_replay_returns_the_same_answer(ram):
    arn = ram.create_resource_share(name="bye")["resourceShare"]["resourceShareArn"]
    t = token()
    first = strip(ram.delete_resource_share(resourceShareArn=arn, clientToken=t))
    assert first == {"returnValue": True, "clientToken": t}
    # a replay is the same success, not "could not be found"
    assert strip(ram.delete_resource_share(resourceShareArn=arn, clientToken=t)) == first


def test_delete_token_mismatch(ram):
    a = ram.create_resource_share(name="a")["resourceShare"]["resourceShareArn"]
    b = ram.create_resource_share(name="b")["resourceShare"]["resourceShareArn"]
    t = token()
    ram.delete_resource_share(resourceShareArn=a, clientToken=t)
    with pytest.raises(ClientError) as e:
        ram.delete_resource_share(resourceShareArn=b, clientToken=t)
    assert error_code(e) == "IdempotentParameterMismatchException"
    statuses = {s["resourceShareArn"]: s["status"] for s in
                ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]}
    assert statuses == {a: "DELETED", b: "ACTIVE"}
    with pytest.raises(ClientError) as e:
        ram.delete_resource_share(resourceShareArn=b, clientToken="z" * 65)
    assert error_code(e) == "InvalidClientTokenException"


# ---------------------------------------------------------------------------------- associate / disassociate


def test_associate_replay_and_mismatch(ram):
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    t, tgw = token(), tgw_arn()
    first = strip(ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw], clientToken=t))
    second = strip(ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw], clientToken=t))
    assert first == second
    assert first["clientToken"] == t
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()], clientToken=t)
    assert error_code(e) == "IdempotentParameterMismatchException"
    assert [r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]] == [tgw]
    with pytest.raises(ClientError) as e:
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()], clientToken="q" * 65)
    assert error_code(e) == "InvalidClientTokenException"


def test_disassociate_replay_and_mismatch(ram):
    tgw, other = tgw_arn(), tgw_arn()
    arn = ram.create_resource_share(name="s", resourceArns=[tgw, other])["resourceShare"]["resourceShareArn"]
    t = token()
    first = strip(ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw], clientToken=t))
    second = strip(ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw], clientToken=t))
    assert first == second
    assert first["resourceShareAssociations"][0]["status"] == "DISASSOCIATING"
    with pytest.raises(ClientError) as e:
        ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[other], clientToken=t)
    assert error_code(e) == "IdempotentParameterMismatchException"
    assert [r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]] == [other]
    with pytest.raises(ClientError) as e:
        ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[other], clientToken="q" * 65)
    assert error_code(e) == "InvalidClientTokenException"


# ---------------------------------------------------------------------------------- accept / reject


@pytest.mark.parametrize("action,status", [("accept", "ACCEPTED"), ("reject", "REJECTED")])
def test_answer_replay_is_not_already_answered(ram, ram_b, action, status):
    arn = ram.create_resource_share(name="s", resourceArns=[tgw_arn()],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    inv = pending_invitation(ram_b, arn)["resourceShareInvitationArn"]
    call = getattr(ram_b, f"{action}_resource_share_invitation")
    t = token()
    first = strip(call(resourceShareInvitationArn=inv, clientToken=t))
    assert first["resourceShareInvitation"]["status"] == status
    assert first["clientToken"] == t
    assert strip(call(resourceShareInvitationArn=inv, clientToken=t)) == first


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_answer_token_mismatch_and_invalid_token(ram, ram_b, action):
    s1 = ram.create_resource_share(name="one", resourceArns=[tgw_arn()],
                                   principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    s2 = ram.create_resource_share(name="two", resourceArns=[tgw_arn()],
                                   principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    i1 = pending_invitation(ram_b, s1)["resourceShareInvitationArn"]
    i2 = pending_invitation(ram_b, s2)["resourceShareInvitationArn"]
    call = getattr(ram_b, f"{action}_resource_share_invitation")
    t = token()
    call(resourceShareInvitationArn=i1, clientToken=t)
    with pytest.raises(ClientError) as e:
        call(resourceShareInvitationArn=i2, clientToken=t)
    assert error_code(e) == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as e:
        call(resourceShareInvitationArn=i2, clientToken="w" * 65)
    assert error_code(e) == "InvalidClientTokenException"
    assert pending_invitation(ram_b, s2)["status"] == "PENDING"


def test_no_token_is_answered_on_any_mutation_that_sent_none(ram, ram_b):
    created = ram.create_resource_share(name="s", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])
    arn = created["resourceShare"]["resourceShareArn"]
    outs = [
        created,
        ram.update_resource_share(resourceShareArn=arn, name="s2"),
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()]),
        ram_b.accept_resource_share_invitation(
            resourceShareInvitationArn=pending_invitation(ram_b, arn)["resourceShareInvitationArn"]),
        ram.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B]),
        ram.delete_resource_share(resourceShareArn=arn),
    ]
    tokens = [o.get("clientToken") for o in outs]
    assert tokens == [None] * len(outs), tokens
