"""Associations: Associate/Disassociate, their asynchronous states and GetResourceShareAssociations."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, DELAY_MS, REGION,
    error_code, error_message, license_arn, share_with, tgw_arn, wait_for,
)

ASSOCIATING_MESSAGE = "At least one of the associations in the resource share is in ASSOCIATING status."


def rows(client, association_type, **filters):
    return client.get_resource_share_associations(
        associationType=association_type, **filters)["resourceShareAssociations"]


def one_row(client, association_type, **filters):
    found = rows(client, association_type, **filters)
    assert len(found) == 1, found
    return found[0]


def test_associate_answers_associating_then_reads_associated(ram):
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    tgw, lic = tgw_arn(), license_arn()
    out = ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw, lic])
    assert "clientToken" not in out  # none sent, none answered (as AWS)
    answered = {r["associatedEntity"]: r for r in out["resourceShareAssociations"]}
    assert set(answered) == {tgw, lic}
    for r in answered.values():
        assert r["status"] == "ASSOCIATING"
        assert r["associationType"] == "RESOURCE"
        assert r["resourceShareArn"] == arn
        assert r["external"] is False
    for entity in (tgw, lic):
        row = one_row(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=entity)
        assert row["status"] == "ASSOCIATED"
        assert row["resourceShareName"] == "s"
        assert row["lastUpdatedTime"] >= row["creationTime"]


def test_associate_principal_answers_associating(ram):
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    out = ram.associate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B, ACCOUNT_C])
    assert {r["associatedEntity"] for r in out["resourceShareAssociations"]} == {ACCOUNT_B, ACCOUNT_C}
    assert all(r["status"] == "ASSOCIATING" and r["associationType"] == "PRINCIPAL" and r["external"] is True
               for r in out["resourceShareAssociations"])


def test_disassociate_answers_disassociating_and_rows_stay_listable(ram):
    tgw, keep = tgw_arn(), tgw_arn()
    arn = ram.create_resource_share(name="s", resourceArns=[tgw, keep])["resourceShare"]["resourceShareArn"]
    out = ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    [answered] = out["resourceShareAssociations"]
    assert answered["associatedEntity"] == tgw
    assert answered["status"] == "DISASSOCIATING"
    assert "clientToken" not in out  # none sent, none answered (as AWS)
    assert one_row(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=tgw)["status"] == "DISASSOCIATED"
    assert [r["associatedEntity"] for r in rows(ram, "RESOURCE", associationStatus="DISASSOCIATED")] == [tgw]
    assert [r["associatedEntity"] for r in rows(ram, "RESOURCE", associationStatus="ASSOCIATED")] == [keep]
    assert [r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]] == [keep]


def test_reassociating_a_disassociated_resource(ram):
    tgw = tgw_arn()
    arn = ram.create_resource_share(name="s", resourceArns=[tgw])["resourceShare"]["resourceShareArn"]
    ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    wait_for(lambda: [r["status"] for r in rows(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=tgw)]
             == ["ASSOCIATED"], what="one ASSOCIATED row for the re-associated resource")
    assert [r["arn"] for r in ram.list_resources(resourceOwner="SELF")["resources"]] == [tgw]


def test_disassociating_something_not_in_the_share(ram):
    arn = ram.create_resource_share(name="s", resourceArns=[tgw_arn()])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()])
    assert error_code(e) == "UnknownResourceException"


def test_association_type_specific_filters_are_invalid(ram):
    arn = ram.create_resource_share(name="s", resourceArns=[tgw_arn()],
                                    principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=[arn],
                                            resourceArn=tgw_arn())
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ram.get_resource_share_associations(associationType="RESOURCE", resourceShareArns=[arn],
                                            principal=ACCOUNT_B)
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        ram.get_resource_share_associations(associationType="EVERYTHING")
    assert error_code(e) == "InvalidParameterException"


def test_association_filters_single_out_one_row(ram):
    """Terraform's exactly-one lookups for aws_ram_resource_association / aws_ram_principal_association."""
    t1, t2 = tgw_arn(), tgw_arn()
    s1 = ram.create_resource_share(name="one", resourceArns=[t1, t2],
                                   principals=[ACCOUNT_B, ACCOUNT_C])["resourceShare"]["resourceShareArn"]
    s2 = ram.create_resource_share(name="two", resourceArns=[t1], principals=[ACCOUNT_B])["resourceShare"][
        "resourceShareArn"]
    assert len(rows(ram, "RESOURCE")) == 3
    assert len(rows(ram, "PRINCIPAL")) == 3
    r = one_row(ram, "RESOURCE", resourceShareArns=[s1], resourceArn=t1)
    assert (r["resourceShareArn"], r["associatedEntity"]) == (s1, t1)
    assert {x["resourceShareArn"] for x in rows(ram, "RESOURCE", resourceArn=t1)} == {s1, s2}
    p = one_row(ram, "PRINCIPAL", resourceShareArns=[s2], principal=ACCOUNT_B)
    assert (p["resourceShareArn"], p["associatedEntity"]) == (s2, ACCOUNT_B)
    assert [x["associatedEntity"] for x in rows(ram, "PRINCIPAL", principal=ACCOUNT_C)] == [ACCOUNT_C]
    assert rows(ram, "PRINCIPAL", associationStatus="ASSOCIATED") == []
    assert len(rows(ram, "PRINCIPAL", associationStatus="ASSOCIATING")) == 3


def test_association_lookup_before_associate_is_empty(ram):
    """aws_ram_resource_association checks that nothing exists yet before associating."""
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    assert rows(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=tgw_arn()) == []


def test_associations_are_the_owners_view_only(ram, ram_b):
    share, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw_arn()])
    assert rows(ram_b, "PRINCIPAL") == []
    assert rows(ram_b, "RESOURCE") == []
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_share_associations(associationType="RESOURCE",
                                              resourceShareArns=[share["resourceShareArn"]])
    assert error_code(e) == "UnknownResourceException"


def test_associate_on_unknown_share(ram):
    arn = f"arn:aws:ram:{REGION}:{ACCOUNT_A}:resource-share/00000000-0000-4000-8000-000000000000"
    for call in (ram.associate_resource_share, ram.disassociate_resource_share):
        with pytest.raises(ClientError) as e:
            call(resourceShareArn=arn, resourceArns=[tgw_arn()])
        assert error_code(e) == "UnknownResourceException"
        assert error_message(e) == f"ResourceShare {arn} could not be found."


def test_associate_validates_resources_and_principals(ram):
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    cases = [
        ({"resourceArns": ["nope"]}, "MalformedArnException"),
        ({"resourceArns": ["arn:aws:s3:::bucket"]}, "MalformedArnException"),
        ({"resourceArns": [tgw_arn(account=ACCOUNT_B)]}, "UnknownResourceException"),
        ({"principals": ["12"]}, "InvalidParameterException"),
        ({"principals": [ACCOUNT_A]}, "InvalidParameterException"),
        ({"principals": ["arn:aws:organizations::111111111111:organization/o-abcdefghij"]},
         "UnknownResourceException"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as e:
            ram.associate_resource_share(resourceShareArn=arn, **kwargs)
        assert error_code(e) == expected, kwargs
    assert rows(ram, "RESOURCE") == [] and rows(ram, "PRINCIPAL") == []


def test_failed_associate_changes_nothing(ram):
    """All-or-nothing: one bad entity in the call means none of the others is added."""
    arn = ram.create_resource_share(name="s")["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError):
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn(), "arn:aws:s3:::bucket"],
                                     principals=[ACCOUNT_B])
    assert rows(ram, "RESOURCE") == []
    assert rows(ram, "PRINCIPAL") == []


def test_list_resources_filters(ram, ram_b):
    tgw, lic = tgw_arn(), license_arn()
    s1, _ = share_with(ram, ram_b, ACCOUNT_B, [tgw, lic], name="one")
    s2 = ram.create_resource_share(name="two", resourceArns=[tgw], principals=[ACCOUNT_C])["resourceShare"]

    def arns(**filters):
        return sorted((r["arn"], r["resourceShareArn"]) for r in
                      ram.list_resources(resourceOwner="SELF", **filters)["resources"])

    s1a, s2a = s1["resourceShareArn"], s2["resourceShareArn"]
    assert arns() == sorted([(tgw, s1a), (lic, s1a), (tgw, s2a)])
    assert arns(resourceType="ec2:TransitGateway") == sorted([(tgw, s1a), (tgw, s2a)])
    assert arns(resourceType="license-manager:LicenseConfiguration") == [(lic, s1a)]
    assert arns(resourceArns=[lic]) == [(lic, s1a)]
    assert arns(resourceShareArns=[s2a]) == [(tgw, s2a)]
    assert arns(principal=ACCOUNT_C) == [(tgw, s2a)]
    assert arns(principal=ACCOUNT_B) == sorted([(tgw, s1a), (lic, s1a)])
    assert arns(resourceRegionScope="REGIONAL") == arns()
    assert arns(resourceRegionScope="GLOBAL") == []
    assert arns(resourceRegionScope="ALL") == arns()
    with pytest.raises(ClientError) as e:
        ram.list_resources(resourceOwner="SELF", resourceType="ec2:Nonexistent")
    assert error_code(e) == "InvalidResourceTypeException"
    r = ram.list_resources(resourceOwner="SELF", resourceArns=[lic])["resources"][0]
    assert r["type"] == "license-manager:LicenseConfiguration"
    assert r.get("status", "AVAILABLE") == "AVAILABLE"
    assert r.get("resourceRegionScope", "REGIONAL") == "REGIONAL"


def test_list_principals_filters(ram):
    tgw, lic = tgw_arn(), license_arn()
    s1 = ram.create_resource_share(name="one", resourceArns=[tgw], principals=[ACCOUNT_B])["resourceShare"]
    s2 = ram.create_resource_share(name="two", resourceArns=[lic],
                                   principals=[ACCOUNT_B, ACCOUNT_C])["resourceShare"]
    s1a, s2a = s1["resourceShareArn"], s2["resourceShareArn"]

    def ids(**filters):
        return sorted((p["id"], p["resourceShareArn"]) for p in
                      ram.list_principals(resourceOwner="SELF", **filters)["principals"])

    assert ids() == sorted([(ACCOUNT_B, s1a), (ACCOUNT_B, s2a), (ACCOUNT_C, s2a)])
    assert ids(principals=[ACCOUNT_C]) == [(ACCOUNT_C, s2a)]
    assert ids(resourceArn=tgw) == [(ACCOUNT_B, s1a)]
    assert ids(resourceType="license-manager:LicenseConfiguration") == sorted([(ACCOUNT_B, s2a), (ACCOUNT_C, s2a)])
    assert ids(resourceShareArns=[s1a]) == [(ACCOUNT_B, s1a)]
    assert all(p["external"] is True for p in ram.list_principals(resourceOwner="SELF")["principals"])


# ---------------------------------------------------------------------------------- with a delay


def test_association_settles_after_the_delay(clients, ramd_delayed):
    ram = clients(server=ramd_delayed)
    tgw = tgw_arn()
    arn = ram.create_resource_share(name="slow")["resourceShare"]["resourceShareArn"]
    started = time.monotonic()
    ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    assert one_row(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=tgw)["status"] == "ASSOCIATING"
    # Terraform-style polling: ASSOCIATING -> ASSOCIATED
    wait_for(lambda: one_row(ram, "RESOURCE", resourceShareArns=[arn], resourceArn=tgw)["status"] == "ASSOCIATED",
             timeout=DELAY_MS / 1000 + 5, interval=0.2, what="ASSOCIATED")
    assert time.monotonic() - started >= DELAY_MS / 1000 * 0.9


def test_disassociating_while_associating_is_an_invalid_transition(clients, ramd_delayed):
    ram = clients(server=ramd_delayed)
    tgw = tgw_arn()
    arn = ram.create_resource_share(name="slow", resourceArns=[tgw])["resourceShare"]["resourceShareArn"]
    with pytest.raises(ClientError) as e:
        ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    assert error_code(e) == "InvalidStateTransitionException"
    assert error_message(e) == ASSOCIATING_MESSAGE
    wait_for(lambda: one_row(ram, "RESOURCE", resourceShareArns=[arn])["status"] == "ASSOCIATED",
             timeout=DELAY_MS / 1000 + 5, interval=0.2, what="ASSOCIATED")
    out = ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[tgw])
    assert out["resourceShareAssociations"][0]["status"] == "DISASSOCIATING"
    assert one_row(ram, "RESOURCE", resourceShareArns=[arn])["status"] == "DISASSOCIATING"
    wait_for(lambda: one_row(ram, "RESOURCE", resourceShareArns=[arn])["status"] == "DISASSOCIATED",
             timeout=DELAY_MS / 1000 + 5, interval=0.2, what="DISASSOCIATED")


def test_principal_waiting_for_invitation_can_be_disassociated(clients, ramd_delayed):
    """An account principal stays ASSOCIATING until it accepts; that is no obstacle to removing it."""
    ram = clients(server=ramd_delayed)
    arn = ram.create_resource_share(name="slow", principals=[ACCOUNT_B])["resourceShare"]["resourceShareArn"]
    time.sleep(DELAY_MS / 1000 + 0.2)
    assert one_row(ram, "PRINCIPAL", resourceShareArns=[arn])["status"] == "ASSOCIATING"
    out = ram.disassociate_resource_share(resourceShareArn=arn, principals=[ACCOUNT_B])
    assert out["resourceShareAssociations"][0]["status"] == "DISASSOCIATING"


def test_delete_with_delay_goes_through_deleting(clients, ramd_delayed):
    ram = clients(server=ramd_delayed)
    arn = ram.create_resource_share(name="slow")["resourceShare"]["resourceShareArn"]
    ram.delete_resource_share(resourceShareArn=arn)

    def status():
        return ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"][0]["status"]

    assert status() == "DELETING"
    wait_for(lambda: status() == "DELETED", timeout=DELAY_MS / 1000 + 5, interval=0.2, what="DELETED")
