"""Per-account throttling (`ramd serve --throttle on`): a call over its account's rate is refused
before it runs, with each service's own throttling error, and boto3's retries carry a caller through."""

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT_A, ACCOUNT_B, _SESSION, make_client

ACCOUNT_C = "333333333333"
ACCOUNT_D = "444444444444"


@pytest.fixture(scope="module")
def throttled(ramd_factory):
    # Two calls a second per class, no burst beyond them: the third call in a row is refused.
    return ramd_factory(extra_args=["--throttle", "on", "--throttle-reads", "2:2", "--throttle-writes", "2:2"])


def refused(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_ram_answers_throttling_exception_429_and_changes_nothing(throttled):
    ram = make_client(throttled.url, account=ACCOUNT_A)
    ram.create_resource_share(name="one")
    ram.create_resource_share(name="two")
    assert refused(lambda: ram.create_resource_share(name="three")) == ("ThrottlingException", 429)
    # Reads draw on their own bucket.
    names = sorted(s["name"] for s in ram.get_resource_shares(resourceOwner="SELF")["resourceShares"])
    assert names == ["one", "two"]
    # Another account has its own buckets.
    make_client(throttled.url, account=ACCOUNT_B).create_resource_share(name="b")


def test_organizations_iam_and_sts_answer_their_own_codes(throttled):
    orgs = make_client(throttled.url, service="organizations", account=ACCOUNT_C)
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            orgs.describe_organization()
        assert e.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"
    assert refused(orgs.describe_organization) == ("TooManyRequestsException", 400)

    iam = make_client(throttled.url, service="iam", account=ACCOUNT_D)
    for _ in range(2):
        with pytest.raises(ClientError) as e:
            iam.get_role(RoleName="missing")
        assert e.value.response["Error"]["Code"] == "NoSuchEntity"
    assert refused(lambda: iam.get_role(RoleName="missing")) == ("Throttling", 400)

    sts = make_client(throttled.url, service="sts", account=ACCOUNT_D, region="eu-west-1")
    sts.get_caller_identity()
    sts.get_caller_identity()
    assert refused(sts.get_caller_identity) == ("Throttling", 400)


def test_boto3_retries_carry_a_throttled_caller_through(throttled):
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 10})
    ram = _SESSION.client("ram", endpoint_url=throttled.url, region_name="eu-central-1",
                          aws_access_key_id=ACCOUNT_A, aws_secret_access_key="x", config=retrying)
    # A Region of its own: the other tests' calls do not count against this bucket.
    retries = 0
    for n in range(6):
        answer = ram.create_resource_share(name=f"retried-{n}")
        retries += answer["ResponseMetadata"]["RetryAttempts"]
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert sorted(s["name"] for s in shares) == [f"retried-{n}" for n in range(6)]
    assert retries > 0, "some calls were refused and retried by boto3"
