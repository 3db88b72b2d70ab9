"""Pagination of the six listing operations ramd serves: maxResults, opaque tokens, paginators."""

import base64

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from conftest import ACCOUNT_A, ACCOUNT_B, error_code, license_arn, make_client, tgw_arn

N = 7  # items per listing; odd so that no page size divides it

# operation -> (python method, result key)
OPS = {
    "GetResourceShares": ("get_resource_shares", "resourceShares"),
    "GetResourceShareAssociations": ("get_resource_share_associations", "resourceShareAssociations"),
    "GetResourceShareInvitations": ("get_resource_share_invitations", "resourceShareInvitations"),
    "ListPrincipals": ("list_principals", "principals"),
    "ListResources": ("list_resources", "resources"),
    "GetResourcePolicies": ("get_resource_policies", "policies"),
}


def item_key(op, item):
    if op == "GetResourceShares":
        return item["resourceShareArn"]
    if op == "GetResourceShareAssociations":
        return (item["resourceShareArn"], item["associatedEntity"])
    if op == "GetResourceShareInvitations":
        return item["resourceShareInvitationArn"]
    if op == "ListPrincipals":
        return (item["resourceShareArn"], item["id"])
    if op == "ListResources":
        return (item["resourceShareArn"], item["arn"])
    return item  # policy strings


@pytest.fixture(scope="module")
def paged(ramd_factory):
    """A server of its own, filled once for the read-only tests of this module: N shares of A, each with
    its own TGW, shared with B and accepted, so that every listing has N items for someone."""
    server = ramd_factory()
    owner = make_client(server.url, account=ACCOUNT_A)
    receiver = make_client(server.url, account=ACCOUNT_B)
    tgws = []
    for i in range(N):
        tgw = tgw_arn()
        tgws.append(tgw)
        arn = owner.create_resource_share(name=f"share-{i}", resourceArns=[tgw], principals=[ACCOUNT_B])[
            "resourceShare"]["resourceShareArn"]
        inv = receiver.get_resource_share_invitations(resourceShareArns=[arn])["resourceShareInvitations"][0]
        receiver.accept_resource_share_invitation(resourceShareInvitationArn=inv["resourceShareInvitationArn"])
    return {"owner": owner, "receiver": receiver, "tgws": tgws}


def call_args(op, dataset):
    """(client name, kwargs) for a listing with N items."""
    return {
        "GetResourceShares": ("owner", {"resourceOwner": "SELF"}),
        "GetResourceShareAssociations": ("owner", {"associationType": "RESOURCE"}),
        "GetResourceShareInvitations": ("receiver", {}),
        "ListPrincipals": ("owner", {"resourceOwner": "SELF"}),
        "ListResources": ("receiver", {"resourceOwner": "OTHER-ACCOUNTS"}),
        "GetResourcePolicies": ("owner", {"resourceArns": dataset["tgws"]}),
    }[op]


def walk(client, method, key, page_size, **kwargs):
    items, token, pages = [], None, 0
    while True:
        args = dict(kwargs, maxResults=page_size)
        if token:
            args["nextToken"] = token
        out = getattr(client, method)(**args)
        assert len(out[key]) <= page_size
        items.extend(out[key])
        pages += 1
        token = out.get("nextToken")
        assert pages <= 3 * N, "pagination does not end"
        if not token:
            return items, pages


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_pages_cover_every_item_exactly_once(paged, op, page_size):
    method, key = OPS[op]
    who, kwargs = call_args(op, paged)
    client = paged[who]
    everything = getattr(client, method)(**kwargs)[key]
    assert len(everything) == N, everything
    assert "nextToken" not in client.ramd_last.body  # no token on the last page
    items, pages = walk(client, method, key, page_size, **kwargs)
    keys = [item_key(op, i) for i in items]
    assert len(keys) == len(set(keys)) == N
    assert set(keys) == {item_key(op, i) for i in everything}
    assert pages >= -(-N // page_size)


@pytest.mark.parametrize("op", list(OPS))
def test_boto3_paginator_walks_all_pages(paged, op):
    method, key = OPS[op]
    who, kwargs = call_args(op, paged)
    client = paged[who]
    pages = list(client.get_paginator(method).paginate(**kwargs, PaginationConfig={"PageSize": 2}))
    assert len(pages) >= 4
    items = [i for p in pages for i in p[key]]
    assert len(items) == len({item_key(op, i) for i in items}) == N
    built = client.get_paginator(method).paginate(**kwargs, PaginationConfig={"PageSize": 3}).build_full_result()
    assert len(built[key]) == N


@pytest.mark.parametrize("op", list(OPS))
def test_max_results_above_500_is_rejected(ram, op):
    method, _ = OPS[op]
    kwargs = call_args(op, {"tgws": [tgw_arn()]})[1]
    with pytest.raises(ClientError) as e:
        getattr(ram, method)(**kwargs, maxResults=501)
    expected = "InvalidMaxResultsException" if op == "GetResourceShareInvitations" else "InvalidParameterException"
    assert error_code(e) == expected
    # 500 itself is fine
    getattr(ram, method)(**kwargs, maxResults=500)


def test_max_results_zero_is_rejected_by_botocore(ram):
    with pytest.raises(ParamValidationError):
        ram.get_resource_shares(resourceOwner="SELF", maxResults=0)


def first_token(client, method, key, **kwargs):
    out = getattr(client, method)(**kwargs, maxResults=2)
    assert out.get("nextToken"), out
    return out["nextToken"]


def _swap(token: str, i: int) -> str:
    """The token with the base64 character at i replaced (a full 6-bit change, not padding bits)."""
    c = token[i]
    return token[:i] + ("A" if c != "A" else "B") + token[i + 1:]


def _tamper(token: str) -> list[str]:
    variants = [_swap(token, len(token) // 3), _swap(token, 1), token[1:], token + "x", token[: len(token) // 2]]
    if "." in token:  # payload.signature: alter the signature too (not its last, partly unused, character)
        variants.append(_swap(token, token.index(".") + 2))
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        flipped = bytes([raw[0] ^ 1]) + raw[1:]
        variants.append(base64.urlsafe_b64encode(flipped).decode().rstrip("="))
        flipped = raw[:-1] + bytes([raw[-1] ^ 1])
        variants.append(base64.urlsafe_b64encode(flipped).decode().rstrip("="))
    except (ValueError, IndexError):
        pass
    return [v for v in variants if v != token]


@pytest.mark.parametrize("op", list(OPS))
def test_forged_and_altered_tokens_are_invalid(paged, op):
    method, key = OPS[op]
    who, kwargs = call_args(op, paged)
    client = paged[who]
    token = first_token(client, method, key, **kwargs)
    forged = ["abc", "eyJvZmZzZXQiOjJ9", base64.b64encode(b'{"offset": 2}').decode(), "0" * 40]
    for bad in forged + _tamper(token):
        with pytest.raises(ClientError) as e:
            getattr(client, method)(**kwargs, maxResults=2, nextToken=bad)
        assert error_code(e) == "InvalidNextTokenException", bad


def test_token_replayed_with_different_filters_is_invalid(paged):
    ram = paged["owner"]
    token = first_token(ram, "get_resource_shares", "resourceShares", resourceOwner="SELF")
    for kwargs in ({"resourceOwner": "SELF", "name": "share-1"},
                   {"resourceOwner": "SELF", "resourceShareStatus": "ACTIVE"},
                   {"resourceOwner": "OTHER-ACCOUNTS"}):
        with pytest.raises(ClientError) as e:
            ram.get_resource_shares(**kwargs, maxResults=2, nextToken=token)
        assert error_code(e) == "InvalidNextTokenException", kwargs
    token = first_token(ram, "list_resources", "resources", resourceOwner="SELF")
    with pytest.raises(ClientError) as e:
        ram.list_resources(resourceOwner="SELF", resourceType="ec2:TransitGateway", maxResults=2, nextToken=token)
    assert error_code(e) == "InvalidNextTokenException"


def test_token_of_another_operation_or_account_is_invalid(paged):
    ram, ram_b = paged["owner"], paged["receiver"]
    token = first_token(ram, "get_resource_shares", "resourceShares", resourceOwner="SELF")
    with pytest.raises(ClientError) as e:
        ram.list_principals(resourceOwner="SELF", maxResults=2, nextToken=token)
    assert error_code(e) == "InvalidNextTokenException"
    with pytest.raises(ClientError) as e:
        ram_b.get_resource_shares(resourceOwner="SELF", maxResults=2, nextToken=token)
    assert error_code(e) == "InvalidNextTokenException"


def test_same_token_can_be_replayed(paged):
    ram = paged["owner"]
    token = first_token(ram, "get_resource_shares", "resourceShares", resourceOwner="SELF")
    a = ram.get_resource_shares(resourceOwner="SELF", maxResults=2, nextToken=token)["resourceShares"]
    b = ram.get_resource_shares(resourceOwner="SELF", maxResults=2, nextToken=token)["resourceShares"]
    assert [s["resourceShareArn"] for s in a] == [s["resourceShareArn"] for s in b]


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_walk_is_stable_while_shares_come_and_go(ram, page_size):
    """Items present for the whole walk appear exactly once; nothing appears twice.

    During the first three page turns a share is created and another created and deleted.
    """
    stable = [ram.create_resource_share(name=f"s{i}")["resourceShare"]["resourceShareArn"] for i in range(N)]
    seen, token, round_ = [], None, 0
    while True:
        args = {"resourceOwner": "SELF", "maxResults": page_size}
        if token:
            args["nextToken"] = token
        out = ram.get_resource_shares(**args)
        seen.extend(s["resourceShareArn"] for s in out["resourceShares"])
        token = out.get("nextToken")
        if not token:
            break
        round_ += 1
        if round_ <= 3:
            ram.create_resource_share(name=f"new{round_}")
            extra = ram.create_resource_share(name=f"doomed{round_}")["resourceShare"]["resourceShareArn"]
            ram.delete_resource_share(resourceShareArn=extra)
        assert round_ < 50, "pagination does not end"
    assert len(seen) == len(set(seen)), "an item was returned twice"
    assert set(stable) <= set(seen)


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_resource_walk_is_stable_while_resources_come_and_go(ram, page_size):
    """Resources disassociated or associated between pages: the untouched ones appear exactly once."""
    tgws = [tgw_arn() for _ in range(N)]
    doomed = [license_arn() for _ in range(N)]
    arn = ram.create_resource_share(name="big", resourceArns=tgws + doomed)["resourceShare"]["resourceShareArn"]
    seen, token, round_ = [], None, 0
    while True:
        args = {"resourceOwner": "SELF", "maxResults": page_size}
        if token:
            args["nextToken"] = token
        out = ram.list_resources(**args)
        seen.extend(r["arn"] for r in out["resources"])
        token = out.get("nextToken")
        if not token:
            break
        round_ += 1
        if round_ <= 3:
            ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[doomed.pop()])
            ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw_arn()])
        assert round_ < 60, "pagination does not end"
    assert len(seen) == len(set(seen))
    assert set(tgws) <= set(seen)


def test_default_page_returns_everything_up_to_its_size(ram):
    for i in range(N):
        ram.create_resource_share(name=f"s{i}")
    out = ram.get_resource_shares(resourceOwner="SELF")
    assert len(out["resourceShares"]) == N
    assert "nextToken" not in out
    assert ACCOUNT_A == out["resourceShares"][0]["owningAccountId"]
