"""Invitations and the receiver's side: pending, accept, reject, expire, leave."""

import re
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, REGION, SHORT_INVITATION_TTL_S,
    error_code, license_arn, pending_invitation, share_with, tgw_arn, wait_for,
)

INVITATION_ARN_RE = re.compile(
    r"^arn:aws:ram:us-east-1:111111111111:resource-share-invitation/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def principal_rows(owner, share_arn, **kw):
    return owner.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share_arn], **kw)["resourceShareAssociations"]


def principal_status(owner, share_arn, principal):
    rows = [r for r in principal_rows(owner, share_arn, principal=principal)]
    assert len(rows) == 1, rows
    return rows[0]["status"]


def test_pending_invitation_is_addressed_to_the_receiver(ram, ram_b):
    share = ram.create_resource_share(name="tgw", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])["resourceShare"]
    inv = pending_invitation(ram_b, share["resourceShareArn"])
    assert INVITATION_ARN_RE.match(inv["resourceShareInvitationArn"]), inv
    assert inv["resourceShareArn"] == share["resourceShareArn"]
    assert inv["resourceShareName"] == "tgw"
    assert inv["senderAccountId"] == ACCOUNT_A
    assert inv["receiverAccountId"] == ACCOUNT_B
    assert inv["status"] == "PENDING"
    assert "receiverArn" not in inv
    assert abs(inv["invitationTimestamp"].timestamp() - time.time()) < 60
    # the sender does not receive it; nobody else does either
    assert ram.get_resource_share_invitations()["resourceShareInvitations"] == []


def test_third_account_does_not_see_the_invitation(ram, ram_c):
    ram.create_resource_share(name="tgw", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])
    assert ram_c.get_resource_share_invitations()["resourceShareInvitations"] == []


def test_pending_share_is_invisible_to_the_receiver(ram, ram_b):
    share = ram.create_resource_share(name="tgw", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])["resourceShare"]
    arn = share["resourceShareArn"]
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS",
                                      resourceShareStatus="PENDING")["resourceShares"] == []
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])
    assert error_code(e) == "UnknownResourceException"
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert ram_b.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"] == []
    assert principal_status(ram, arn, ACCOUNT_B) == "ASSOCIATING"


def test_accept_flow_as_terraform_accepter_does(ram, ram_b):
    tgw, lic = tgw_arn(), license_arn()
    share = ram.create_resource_share(name="both", resourceArns=[tgw, lic], principals=[ACCOUNT_B])["resourceShare"]
    arn = share["resourceShareArn"]
    inv = pending_invitation(ram_b, arn)
    out = ram_b.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    accepted = out["resourceShareInvitation"]
    assert accepted["status"] == "ACCEPTED"
    assert accepted["resourceShareInvitationArn"] == inv["resourceShareInvitationArn"]
    assert accepted["resourceShareArn"] == arn
    assert "clientToken" not in out  # none sent, none answered (as AWS)
    # polls the invitation by ARN until ACCEPTED
    [polled] = ram_b.get_resource_share_invitations(
        resourceShareInvitationArns=[inv["resourceShareInvitationArn"]])["resourceShareInvitations"]
    assert polled["status"] == "ACCEPTED"
    # then reads the share and its resources as the receiver
    [seen] = ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])["resourceShares"]
    assert seen["resourceShareArn"] == arn
    assert seen["owningAccountId"] == ACCOUNT_A
    assert seen["status"] == "ACTIVE"
    resources = ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn],
                                     maxResults=500)["resources"]
    assert {r["arn"]: r["type"] for r in resources} == {
        tgw: "ec2:TransitGateway", lic: "license-manager:LicenseConfiguration"}
    assert all(r["resourceShareArn"] == arn for r in resources)
    [principal] = ram_b.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]
    assert principal["resourceShareArn"] == arn
    # the owner sees the association complete
    assert principal_status(ram, arn, ACCOUNT_B) == "ASSOCIATED"
    owner_view = ram.list_principals(resourceOwner="SELF", resourceShareArns=[arn])["principals"]
    assert [p["id"] for p in owner_view] == [ACCOUNT_B]
    assert owner_view[0]["external"] is True


def test_list_principals_other_accounts_names_the_sharing_account(ram, ram_b):
    """Model doc of ListPrincipals.resourceOwner: OTHER-ACCOUNTS = "principals that are sharing resources
    with your account", i.e. the owner account, not the caller itself."""
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    [principal] = ram_b.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]
    assert principal["resourceShareArn"] == share["resourceShareArn"]
    assert principal["id"] == ACCOUNT_A


def test_receiver_finds_an_accepted_share_by_name_and_status(ram, ram_b):
    """data.aws_ram_resource_share with resource_owner = OTHER-ACCOUNTS: exactly one match by name."""
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()], name="network")
    ram.create_resource_share(name="network", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])  # still pending
    found = ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS", name="network",
                                      resourceShareStatus="ACTIVE")["resourceShares"]
    assert [s["resourceShareArn"] for s in found] == [share["resourceShareArn"]]
    resources = ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[share["resourceShareArn"]],
                                     resourceType="ec2:TransitGateway")["resources"]
    assert len(resources) == 1


def test_receiver_sees_resources_added_after_acceptance(ram, ram_b):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    added = license_arn()
    ram.associate_resource_share(resourceShareArn=share["resourceShareArn"], resourceArns=[added])
    arns = {r["arn"] for r in ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]}
    assert added in arns and len(arns) == 2


def test_filter_invitations_by_share_and_by_arn(ram, ram_b):
    s1 = ram.create_resource_share(name="one", principals=[ACCOUNT_B], resourceArns=[tgw_arn()])["resourceShare"]
    s2 = ram.create_resource_share(name="two", principals=[ACCOUNT_B], resourceArns=[tgw_arn()])["resourceShare"]
    all_invs = ram_b.get_resource_share_invitations()["resourceShareInvitations"]
    assert {i["resourceShareArn"] for i in all_invs} == {s1["resourceShareArn"], s2["resourceShareArn"]}
    [i1] = ram_b.get_resource_share_invitations(
        resourceShareArns=[s1["resourceShareArn"]])["resourceShareInvitations"]
    assert i1["resourceShareName"] == "one"
    [again] = ram_b.get_resource_share_invitations(
        resourceShareInvitationArns=[i1["resourceShareInvitationArn"]])["resourceShareInvitations"]
    assert again["resourceShareInvitationArn"] == i1["resourceShareInvitationArn"]


def test_invitation_arn_filter_for_someone_elses_invitation(ram, ram_b, ram_c):
    share = ram.create_resource_share(name="x", principals=[ACCOUNT_B], resourceArns=[tgw_arn()])["resourceShare"]
    inv = pending_invitation(ram_b, share["resourceShareArn"])
    with pytest.raises(ClientError) as e:
        ram_c.get_resource_share_invitations(resourceShareInvitationArns=[inv["resourceShareInvitationArn"]])
    assert error_code(e) == "ResourceShareInvitationArnNotFoundException"


def test_reject_flow(ram, ram_b):
    tgw = tgw_arn()
    share = ram.create_resource_share(name="no", resourceArns=[tgw], principals=[ACCOUNT_B])["resourceShare"]
    arn = share["resourceShareArn"]
    inv = pending_invitation(ram_b, arn)
    out = ram_b.reject_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    assert out["resourceShareInvitation"]["status"] == "REJECTED"
    assert "clientToken" not in out  # none sent, none answered (as AWS)
    [polled] = ram_b.get_resource_share_invitations(
        resourceShareInvitationArns=[inv["resourceShareInvitationArn"]])["resourceShareInvitations"]
    assert polled["status"] == "REJECTED"
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert principal_status(ram, arn, ACCOUNT_B) == "DISASSOCIATED"
    # no policy grants the rejecting account anything
    assert ram.get_resource_policies(resourceArns=[tgw], principal=ACCOUNT_B)["policies"] == []


def test_reinviting_after_rejection_creates_a_new_invitation(ram, ram_b):
    arn = ram.create_resource_share(name="again", resourceArns=[tgw_arn()],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    first = pending_invitation(ram_b, arn)
    ram_b.reject_resource_share_invitation(resourceShareInvitationArn=first["resourceShareInvitationArn"])
    ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    second = pending_invitation(ram_b, arn)
    assert second["resourceShareInvitationArn"] != first["resourceShareInvitationArn"]
    ram_b.accept_resource_share_invitation(resourceShareInvitationArn=second["resourceShareInvitationArn"])
    assert principal_status(ram, arn, ACCOUNT_B) == "ASSOCIATED"


@pytest.mark.parametrize("first,second,expected", [
    ("accept", "accept", "ResourceShareInvitationAlreadyAcceptedException"),
    ("accept", "reject", "ResourceShareInvitationAlreadyAcceptedException"),
    ("reject", "reject", "ResourceShareInvitationAlreadyRejectedException"),
    ("reject", "accept", "ResourceShareInvitationAlreadyRejectedException"),
])
def test_answering_an_invitation_twice(ram, ram_b, first, second, expected):
    share = ram.create_resource_share(name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])["resourceShare"]
    inv_arn = pending_invitation(ram_b, share["resourceShareArn"])["resourceShareInvitationArn"]
    getattr(ram_b, f"{first}_resource_share_invitation")(resourceShareInvitationArn=inv_arn)
    with pytest.raises(ClientError) as e:
        getattr(ram_b, f"{second}_resource_share_invitation")(resourceShareInvitationArn=inv_arn)
    assert error_code(e) == expected


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_invitation_not_addressed_to_caller(ram, ram_b, ram_c, action):
    share = ram.create_resource_share(name="x", resourceArns=[tgw_arn()], principals=[ACCOUNT_B])["resourceShare"]
    inv_arn = pending_invitation(ram_b, share["resourceShareArn"])["resourceShareInvitationArn"]
    for intruder in (ram_c, ram):  # a third account, and the sender itself
        with pytest.raises(ClientError) as e:
            getattr(intruder, f"{action}_resource_share_invitation")(resourceShareInvitationArn=inv_arn)
        assert error_code(e) == "ResourceShareInvitationArnNotFoundException"
    assert pending_invitation(ram_b, share["resourceShareArn"])["status"] == "PENDING"


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_unknown_and_malformed_invitation_arns(ram_b, action):
    call = getattr(ram_b, f"{action}_resource_share_invitation")
    unknown = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share-invitation/00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as e:
        call(resourceShareInvitationArn=unknown)
    assert error_code(e) == "ResourceShareInvitationArnNotFoundException"
    with pytest.raises(ClientError) as e:
        call(resourceShareInvitationArn="invitation-1")
    assert error_code(e) == "MalformedArnException"


def test_iam_role_principal_gets_invitation_with_receiver_arn(ram, ram_b):
    role = f"arn:aws:iam::{ACCOUNT_B}:role/Deployer"
    arn = ram.create_resource_share(name="role", principals=[role])["resourceShare"]["resourceShareArn"]
    inv = pending_invitation(ram_b, arn)
    assert inv["receiverAccountId"] == ACCOUNT_B
    assert inv["receiverArn"] == role
    [row] = principal_rows(ram, arn)
    assert row["associatedEntity"] == role
    assert row["status"] == "ASSOCIATING"


def test_iam_principal_refused_for_a_type_that_cannot_be_shared_with_iam(ram):
    """Transit gateways can be shared with accounts, not with IAM roles or users (user guide, shareable types)."""
    role = f"arn:aws:iam::{ACCOUNT_B}:role/Deployer"
    with pytest.raises(ClientError) as e:
        ram.create_resource_share(name="tgw-role", resourceArns=[tgw_arn()], principals=[role])
    assert error_code(e) == "InvalidParameterException"
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []


def test_invitation_expires(clients, ramd_short):
    owner = clients(ACCOUNT_A, server=ramd_short)
    receiver = clients(ACCOUNT_B, server=ramd_short)
    arn = owner.create_resource_share(name="late", resourceArns=[tgw_arn()],
                                      principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    inv_arn = pending_invitation(receiver, arn)["resourceShareInvitationArn"]
    time.sleep(SHORT_INVITATION_TTL_S + 0.3)
    with pytest.raises(ClientError) as e:
        receiver.accept_resource_share_invitation(resourceShareInvitationArn=inv_arn)
    assert error_code(e) == "ResourceShareInvitationExpiredException"
    with pytest.raises(ClientError) as e:
        receiver.reject_resource_share_invitation(resourceShareInvitationArn=inv_arn)
    assert error_code(e) == "ResourceShareInvitationExpiredException"
    [inv] = receiver.get_resource_share_invitations(resourceShareInvitationArns=[inv_arn])["resourceShareInvitations"]
    assert inv["status"] == "EXPIRED"
    assert principal_status(owner, arn, ACCOUNT_B) == "DISASSOCIATED"
    assert receiver.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []


def test_expired_invitation_shows_expired_without_any_answer(clients, ramd_short):
    """Derived state: reads alone turn a stale PENDING invitation into EXPIRED."""
    owner = clients(ACCOUNT_A, server=ramd_short)
    receiver = clients(ACCOUNT_B, server=ramd_short)
    arn = owner.create_resource_share(name="late", principals=[ACCOUNT_B],
                                      resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    time.sleep(SHORT_INVITATION_TTL_S + 0.3)
    [inv] = receiver.get_resource_share_invitations(resourceShareArns=[arn])["resourceShareInvitations"]
    assert inv["status"] == "EXPIRED"
    assert principal_status(owner, arn, ACCOUNT_B) == "DISASSOCIATED"


# ---------------------------------------------------------------------------------- leaving a share


def test_receiver_can_leave_a_share(ram, ram_b):
    tgw = tgw_arn()
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw])
    arn = share["resourceShareArn"]
    out = ram_b.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    [row] = out["resourceShareAssociations"]
    assert row["associatedEntity"] == ACCOUNT_B
    assert row["associationType"] == "PRINCIPAL"
    assert row["status"] == "DISASSOCIATING"
    wait_for(lambda: ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == [],
             what="the receiver to lose access")
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []
    assert principal_status(ram, arn, ACCOUNT_B) == "DISASSOCIATED"
    # the owner's share and its resources are untouched
    [owned] = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]
    assert owned["status"] == "ACTIVE"
    assert [r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]] == [tgw]


def test_receiver_may_only_remove_itself(ram, ram_b):
    tgw = tgw_arn()
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw])
    arn = share["resourceShareArn"]
    ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_C])
    for kwargs in ({"resourceArns": [tgw]}, {"principals": [ACCOUNT_C]}, {"principals": [ACCOUNT_B, ACCOUNT_C]}):
        with pytest.raises(ClientError) as e:
            ram_b.disassociate_resource_share(resourceShareArn=arn, **kwargs)
        assert error_code(e) == "OperationNotPermittedException", kwargs
    assert principal_status(ram, arn, ACCOUNT_B) == "ASSOCIATED"
    assert principal_status(ram, arn, ACCOUNT_C) == "ASSOCIATING"


def test_receiver_cannot_change_the_owners_share(ram, ram_b):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    arn = share["resourceShareArn"]
    codes = {}
    for label, call in (
        ("associate", lambda: ram_b.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_C])),
        ("update", lambda: ram_b.update_resource_share(resourceShareArn=arn, name="mine now")),
        ("delete", lambda: ram_b.delete_resource_share(resourceShareArn=arn)),
        ("tag", lambda: ram_b.tag_resource(resourceShareArn=arn, tags=[{"key": "k", "value": "v"}])),
    ):
        with pytest.raises(ClientError) as e:
            call()
        codes[label] = error_code(e)
    # To the receiver it is not a share of its own: as for any other account's share.
    assert codes == dict.fromkeys(("associate", "update", "delete", "tag"), "UnknownResourceException")
    [owned] = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]
    assert owned["name"] == "shared"
    assert owned["status"] == "ACTIVE"
    assert owned.get("tags", []) == []


def test_non_member_cannot_leave(ram, ram_b, ram_c):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    with pytest.raises(ClientError) as e:
        ram_c.disassociate_resource_share(resourceShareArn=share["resourceShareArn"], principals=[ACCOUNT_C])
    assert error_code(e) == "UnknownResourceException"


def test_pending_receiver_is_not_a_member(ram, ram_b):
    """Before accepting, the share is invisible to the receiver, so it cannot 'leave' it either."""
    arn = ram.create_resource_share(name="x", resourceArns=[tgw_arn()],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram_b.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    assert error_code(e) == "UnknownResourceException"
    assert pending_invitation(ram_b, arn)["status"] == "PENDING"


def test_owner_removing_a_principal_revokes_access(ram, ram_b):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    arn = share["resourceShareArn"]
    out = ram.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    assert [r["status"] for r in out["resourceShareAssociations"]] == ["DISASSOCIATING"]
    assert principal_status(ram, arn, ACCOUNT_B) == "DISASSOCIATED"
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert ram_b.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []


def test_owner_removing_a_pending_principal_withdraws_the_invitation(ram, ram_b):
    arn = ram.create_resource_share(name="x", resourceArns=[tgw_arn()],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    inv_arn = pending_invitation(ram_b, arn)["resourceShareInvitationArn"]
    ram.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    with pytest.raises(ClientError) as e:
        ram_b.accept_resource_share_invitation(resourceShareInvitationArn=inv_arn)
    assert error_code(e) == "ResourceShareInvitationExpiredException"
    assert ram_b.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
