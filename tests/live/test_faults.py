"""Calls that are denied, throttled or not answered: the scan still finishes, says what it could not see,
and marks it unknown. Every call ringfence makes is logged on the way out: only reads, all declared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ringfence.sources.aws import load_live
from ringfence.sources.aws import session as aws_session
from ringfence.sources.aws.collectors.base import action_of
from ringfence.sources.aws.policy import caller_policy, scanned_account_actions
from tests.live.conftest import REGIONS, client, findings
from tests.live.test_s3 import _seed_s3


class Calls:
    """A request log, and the calls to refuse: ``{"s3:GetBucketPolicy": "AccessDenied"}``."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.refuse: dict[str, str] = {}

    def hook(self, model: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        action = action_of(model.service_model.service_name, model.name)
        self.log.append(action)
        code = self.refuse.get(action)
        if code is None:
            return None
        status = 400 if code.startswith("Throttl") else 403
        return AWSResponse("http://127.0.0.1/", status, {}, None), {
            "Error": {"Code": code, "Message": f"refused by the test: {action}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    found = Calls()
    made = aws_session.new_session

    def hooked(*args: Any, **kwargs: Any) -> Any:
        session = made(*args, **kwargs)
        session.events.register("before-call", found.hook)
        return session

    monkeypatch.setattr(aws_session, "new_session", hooked)
    yield found


def test_a_denied_bucket_policy_is_unknown_not_a_pass(aws: str, calls: Calls) -> None:
    _seed_s3()
    calls.refuse["s3:GetBucketPolicy"] = "AccessDenied"
    estate = load_live("aws://", regions=REGIONS)
    got = findings(estate, "s3.bucket-policy-not-public")
    assert got == {
        ("s3.bucket-policy-not-public", "unknown", "arn:aws:s3:::fail-public-west"),
        ("s3.bucket-policy-not-public", "unknown", "arn:aws:s3:::pass-private-east"),
    }
    denied = [e for e in estate.errors if "s3:GetBucketPolicy" in e.message]
    assert len(denied) == 2 and all(e.undecided for e in denied)  # one per bucket region
    assert all("grant s3:GetBucketPolicy" in e.message for e in denied)


def test_a_denied_list_says_what_was_not_seen(aws: str, calls: Calls) -> None:
    client("ec2", "eu-west-1").create_vpc(CidrBlock="10.5.0.0/16")
    calls.refuse["ec2:DescribeSecurityGroups"] = "UnauthorizedOperation"
    calls.refuse["kms:ListKeys"] = "ThrottlingException"
    estate = load_live("aws://", regions=REGIONS)
    assert estate.of_kind("aws_vpc")  # the rest was read
    assert not estate.of_kind("aws_security_group", "aws_default_security_group")
    messages = sorted(e.message for e in estate.errors if e.path.endswith("/eu-west-1"))
    assert any(m.startswith("ec2:DescribeSecurityGroups could not be read: denied") for m in messages)
    assert any(m.startswith("kms:ListKeys could not be read: throttled") for m in messages)


def test_a_denied_credential_report_leaves_the_root_checks_unknown(aws: str, calls: Calls) -> None:
    calls.refuse["iam:GenerateCredentialReport"] = "AccessDenied"
    estate = load_live("aws://", regions=("us-east-1",))
    root = estate.get("arn:aws:iam::123456789012:root")
    assert root is not None and "iam:GenerateCredentialReport" in str(root.get("root_last_used"))


def test_only_declared_read_calls_are_made(aws: str, calls: Calls) -> None:
    from tests.live.test_ec2 import _seed_ec2
    from tests.live.test_iam import _seed_iam
    from tests.live.test_services import _seed

    _seed_iam()
    _seed_s3()
    _seed_ec2()
    _seed()
    load_live("aws://", regions=REGIONS)
    made = set(calls.log)
    assert made, "no call was logged"
    reads = ("List", "Get", "Describe", "GenerateCredentialReport")
    assert {a for a in made if not a.split(":", 1)[1].startswith(reads)} == set()
    assert made - set(scanned_account_actions()) == set()


def test_roles_are_assumed_and_their_accounts_read(aws: str, calls: Calls) -> None:
    role = "arn:aws:iam::111111111111:role/ringfence-audit"
    estate = load_live("aws://", role_arns=[role], regions=("us-east-1",))
    assert estate.account_id == "111111111111"
    assert {r.provenance.account_id for r in estate.resources} == {"111111111111"}
    caller = set(calls.log) - set(scanned_account_actions())
    assert caller == {"sts:AssumeRole"}
    policy = caller_policy([role])
    assert policy is not None and policy["Statement"][0]["Resource"] == [role]


def test_the_default_regions_are_the_enabled_ones(aws: str, calls: Calls) -> None:
    from ringfence.sources.aws.collect import enabled_regions
    from ringfence.sources.aws.collectors.base import Problems
    from ringfence.sources.aws.session import identify, new_session

    problems = Problems()
    account = identify(new_session(), "us-east-1")
    regions = enabled_regions(account, "us-east-1", problems)
    listed = client("ec2").describe_regions(AllRegions=True)["Regions"]
    # A region that needs opting in and was not opted in is not enabled: it is not scanned.
    off = {r["RegionName"] for r in listed if r.get("OptInStatus") == "not-opted-in"}
    assert off and "us-east-1" in regions and "eu-west-1" in regions
    assert regions == sorted({r["RegionName"] for r in listed} - off)
    assert "ec2:DescribeRegions" in calls.log
    calls.refuse["ec2:DescribeRegions"] = "AccessDenied"
    assert enabled_regions(account, "eu-west-1", problems) == ["eu-west-1"]
    assert any("ec2:DescribeRegions" in e.message for e in problems.errors())


def test_org_reads_every_member_account(aws: str, calls: Calls) -> None:
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    estate = load_live("aws://", org_role="ringfence-audit", regions=("us-east-1",))
    assert set(estate.accounts) == {"123456789012", member}
    assert estate.account_id == "123456789012"  # the caller's, read with its own credentials
    roots = {r.get("account_id") for r in estate.of_kind("aws_account")}
    assert roots == {"123456789012", member}
    assert "organizations:ListAccounts" in calls.log and "sts:AssumeRole" in calls.log
