"""The access analysis of resource policies: who outside the owner's account a policy lets in.

Each expected verdict is decided by hand from AWS's definition of public (S3 block public access, "The
meaning of public"): only fixed values of the keys that name the caller restrict a grant to "*".
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from ringfence.iam.access import Access, analyse, attached_policies
from ringfence.iam.policy import parse_policy
from ringfence.sources import load_estate

OWNER = "123456789012"
BUCKET = "arn:aws:s3:::b"
KEY = f"arn:aws:kms:us-east-1:{OWNER}:key/0f1e2d3c-aaaa-bbbb-cccc-000000000000"
QUEUE = f"arn:aws:sqs:us-east-1:{OWNER}:q"


def _ask(*statements: dict[str, Any], arn: str = BUCKET, kind: str = "resource", **kw: Any) -> Access:
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, name="p", policy_type=kind
    )  # type: ignore[arg-type]
    return analyse(policy, owner=OWNER, resource_arn=arn, **kw)


def _allow(
    principal: Any, action: str = "s3:GetObject", resource: str = f"{BUCKET}/*", **condition: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
    }
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(
    "statement",
    [
        _allow("*"),
        _allow({"AWS": "*"}),
        _allow({"AWS": ["*"]}),
        # the caller chooses these: they say how, not who
        _allow("*", Bool={"aws:SecureTransport": "true"}),
        _allow("*", StringLike={"aws:UserAgent": "client/*"}),
        _allow("*", StringEquals={"aws:Referer": "https://example.com/"}),
        _allow("*", StringEquals={"s3:x-amz-acl": "bucket-owner-full-control"}),
        # a wildcard value restricts nothing
        _allow("*", IpAddress={"aws:SourceIp": "0.0.0.0/0"}),
        _allow("*", StringLike={"aws:PrincipalOrgID": "o-*"}),
        _allow("*", ArnLike={"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}),
        _allow("*", ArnLike={"aws:SourceArn": "arn:aws:s3:::*"}),
        # IfExists: a request from the internet has no endpoint at all
        _allow("*", StringEqualsIfExists={"aws:SourceVpce": "vpce-1a2b3c4d"}),
        # negated pins: everyone but the owner's account
        _allow("*", StringNotEquals={"aws:SourceAccount": OWNER}),
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/*",
        },
    ],
)
def test_public(statement: dict[str, Any]) -> None:
    got = _ask(statement)
    assert got.verdict == "public", got
    assert got.public is True
    assert [g.principals for g in got.grants] == [("*",)]


@pytest.mark.parametrize(
    "statement",
    [
        _allow({"AWS": f"arn:aws:iam::{OWNER}:role/reader"}),
        _allow({"AWS": OWNER}),
        _allow({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject"),
        _allow("*", IpAddress={"aws:SourceIp": ["198.51.100.0/24", "2001:db8::/32"]}),
        _allow("*", StringEquals={"aws:SourceVpce": "vpce-1a2b3c4d"}),
        _allow("*", StringEquals={"aws:SourceVpc": "vpc-1a2b3c4d"}),
        _allow("*", StringEquals={"aws:PrincipalAccount": OWNER}),
        _allow("*", ArnEquals={"aws:SourceArn": f"arn:aws:sns:us-east-1:{OWNER}:topic"}),
        _allow("*", ArnLike={"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:role/*"}),
        _allow("*", StringLike={"aws:userid": "AROAEXAMPLEROLEID:*"}),
        # EFS counts a request through a mount target as coming from the owner's network
        _allow(
            {"AWS": "*"},
            "elasticfilesystem:ClientMount",
            "*",
            Bool={"elasticfilesystem:AccessedViaMountTarget": "true"},
        ),
    ],
)
def test_not_public(statement: dict[str, Any]) -> None:
    got = _ask(statement)
    assert got.verdict == "not", got
    assert (got.public, got.external) == (False, False)
    assert got.grants == ()


def test_a_deny_takes_the_grant_back() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"{BUCKET}/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    }
    assert _ask(_allow("*"), deny).verdict == "not"


def test_a_deny_of_some_actions_leaves_the_others_public() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}
    got = _ask(_allow("*", "s3:*"), deny)
    assert got.verdict == "public"
    assert got.grants[0].actions == ("s3:*",)


def test_not_action_is_reported_as_written() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "NotAction": "s3:DeleteObject",
        "Resource": f"{BUCKET}/*",
    }
    got = _ask(statement)
    assert got.verdict == "public"
    assert got.grants[0].actions == ("NotAction s3:DeleteObject",)


def test_a_named_account_is_cross_account_with_the_account() -> None:
    got = _ask(
        _allow({"AWS": "arn:aws:iam::222233334444:root"}), _allow({"AWS": "arn:aws:iam::555566667777:role/x"})
    )
    assert got.verdict == "cross-account"
    assert got.accounts == ("222233334444", "555566667777")
    assert got.public is False


def test_an_organisation_is_cross_account_not_public() -> None:
    got = _ask(_allow("*", StringEquals={"aws:PrincipalOrgID": "o-a1b2c3d4e5"}))
    assert got.verdict == "cross-account"
    assert (got.public, got.external) == (False, True)
    assert got.accounts == ("organisation o-a1b2c3d4e5",)
    assert got.grants[0].conditions == {"StringEquals": {"aws:PrincipalOrgID": ("o-a1b2c3d4e5",)}}


def test_kms_callers_pinned_to_the_account_are_not_public() -> None:
    statement = _allow(
        {"AWS": "*"},
        "kms:Decrypt",
        "*",
        StringEquals={"kms:CallerAccount": OWNER, "kms:ViaService": "s3.us-east-1.amazonaws.com"},
    )
    assert _ask(statement, arn=KEY, kind="key").verdict == "not"
    assert _ask(_allow({"AWS": "*"}, "kms:Decrypt", "*"), arn=KEY, kind="key").verdict == "public"


def test_a_source_arn_in_any_account_is_public_in_a_fixed_one_not() -> None:
    anyone = _allow(
        "*", "sqs:SendMessage", QUEUE, ArnLike={"aws:SourceArn": "arn:aws:sns:us-east-1:*:orders"}
    )
    ours = _allow(
        "*", "sqs:SendMessage", QUEUE, ArnLike={"aws:SourceArn": f"arn:aws:sns:us-east-1:{OWNER}:orders"}
    )
    assert _ask(anyone, arn=QUEUE).verdict == "public"
    assert _ask(ours, arn=QUEUE).verdict == "not"


def test_what_is_not_known_is_never_judged() -> None:
    broken = parse_policy('{"Version": "2012-10-17", "Statement": null}', name="p", policy_type="resource")
    got = analyse(broken, owner=OWNER, resource_arn=BUCKET)
    assert got.verdict == "unknown" and "could not be read" in got.reason
    assert got.public is None
    text = analyse("aws_s3_bucket_policy.x: the policy text is not known before apply", owner=OWNER)
    assert text.verdict == "unknown" and "not known before apply" in text.reason
    # AWS refuses an empty policy; Terraform renders one from dynamic statements over an unknown list
    empty = parse_policy('{"Version": "2012-10-17", "Statement": []}', name="p", policy_type="resource")
    assert analyse(empty, owner=OWNER, resource_arn=BUCKET).verdict == "unknown"


def test_a_policy_variable_takes_the_callers_own_value() -> None:
    # any IAM user of any account reads its own home folder: public, with the user's name in the resource
    got = _ask(_allow("*", resource=f"{BUCKET}/home/${{aws:username}}/*"))
    assert got.verdict == "public"
    assert got.example is not None
    name = got.example.context["aws:username"]
    assert isinstance(name, str) and got.example.principal.endswith(f":user/{name}")
    assert got.example.resource.startswith(f"{BUCKET}/home/{name}/")


def test_resource_tags_decide_when_known() -> None:
    tagged = _allow("*", StringEquals={"aws:ResourceTag/public": "yes"})
    assert _ask(tagged).verdict == "unknown"
    assert _ask(tagged, resource_tags={"public": "yes"}).verdict == "public"
    assert _ask(tagged, resource_tags={"public": "no"}).verdict == "not"
    assert _ask(tagged, resource_tags={}).verdict == "not"


def test_the_grant_names_its_statement_line() -> None:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [_allow({"AWS": OWNER}), {**_allow("*"), "Sid": "Open"}]},
        indent=2,
    )
    policy = parse_policy(text, name="p", policy_type="resource", path="main.tf", line=10)
    got = analyse(policy, owner=OWNER, resource_arn=BUCKET)
    grant = got.decisive()
    assert grant is not None and grant.sid == "Open" and grant.index == 1
    # the statement's opening brace, counted from the policy's first line in the file
    opening = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "{"]
    assert (grant.path, grant.line) == ("main.tf", 10 + opening[-1] - 1)
    assert grant.location == f"main.tf:{10 + opening[-1] - 1}"


def test_a_bucket_policy_from_a_policy_document_is_read_through_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
resource "aws_s3_bucket" "site" {
  bucket = "site-bucket"
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json
}

data "aws_iam_policy_document" "site" {
  statement {
    sid       = "Website"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
""",
        encoding="utf-8",
    )
    estate = load_estate([str(tmp_path)])
    bucket = estate.get("aws_s3_bucket.site")
    assert bucket is not None
    found = attached_policies(
        estate,
        bucket,
        attribute="policy",
        separate=(("aws_s3_bucket_policy", "bucket", "policy"),),
        names=("bucket",),
    )
    assert [block.address for block, _ in found] == ["aws_s3_bucket_policy.site"]
    got = analyse(found[0][1], owner=estate.account_id, resource_arn=bucket.arn)
    assert got.verdict == "public"
    grant = got.decisive()
    assert grant is not None and grant.sid == "Website" and grant.actions == ("s3:GetObject",)
    lines = (tmp_path / "main.tf").read_text(encoding="utf-8").splitlines()
    assert grant.line is not None and 'sid       = "Website"' in lines[grant.line - 1]


def test_the_analysis_does_not_import_checks() -> None:
    source = Path(__file__).resolve().parents[2] / "src" / "ringfence" / "iam" / "access.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in modules if m.startswith("ringfence.checks")}


def test_a_large_policy_is_decided_and_a_solver_timeout_is_unknown() -> None:
    statements = [
        _allow(
            "*",
            [f"s3:Get{i}Thing" for i in range(50)],  # type: ignore[arg-type]
            f"{BUCKET}/part{j}/*",
            StringEquals={"aws:SourceVpce": f"vpce-{j:08x}"},
        )
        for j in range(300)
    ]
    assert _ask(*statements).verdict == "not"
    # a solver that gives up never makes a policy "not public"
    got = _ask(*statements, timeout_ms=1)
    assert got.verdict == "unknown"
    assert "gave up" in got.reason


def _deny(negate_ifexists: bool = False, **condition: Any) -> dict[str, Any]:
    if negate_ifexists:
        condition = {f"{op}IfExists": value for op, value in condition.items()}
    return {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": condition}


def _allow_identity() -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize(
    ("statements", "verdict"),
    [
        # a deny of everyone but the owner's account leaves nothing to outsiders
        (
            [
                _allow("*"),
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
                    "Action": "*",
                    "Resource": "*",
                },
            ],
            "not",
        ),
        # a deny of requests from outside one network pins the grant to that network
        ([_allow("*"), _deny(NotIpAddress={"aws:SourceIp": "10.0.0.0/8"})], "not"),
        # a negated deny holds when the key is missing too, with or without IfExists
        (
            [_allow("*"), _deny(StringNotEquals={"aws:SourceVpce": "vpce-1a2b3c4d"}, negate_ifexists=True)],
            "not",
        ),
        # a deny of one endpoint leaves every request made elsewhere
        ([_allow("*"), _deny(StringEquals={"aws:SourceVpce": "vpce-1a2b3c4d"})], "public"),
        # ForAnyValue over a set the caller fills: the caller adds the value
        ([_allow("*", **{"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})], "public"),
        # ForAllValues holds for an empty set and for a missing key
        (
            [
                _allow(
                    "*", **{"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/"]}}
                )
            ],
            "public",
        ),
        # Null false demands the key: any AWS account has one
        ([_allow("*", Null={"aws:PrincipalAccount": "false"})], "public"),
        # the deny of anonymous callers leaves every signed caller in
        ([_allow("*"), _deny(Null={"aws:PrincipalArn": "true"})], "public"),
        # the deny of every account but one named
        (
            [
                _allow("*"),
                _deny(StringNotEquals={"aws:PrincipalAccount": "222233334444"}),
            ],
            "cross-account",
        ),
    ],
)
def test_the_whole_policy_decides(statements: list[dict[str, Any]], verdict: str) -> None:
    got = _ask(*statements)
    assert got.verdict == verdict, got
    if verdict != "not":
        # the example is a request the evaluator allows
        assert got.example is not None
        from ringfence.iam.evaluator import CompiledPolicySet, PolicySet

        policy = parse_policy({"Version": "2012-10-17", "Statement": statements}, name="p")
        allow_all = parse_policy({"Version": "2012-10-17", "Statement": [_allow_identity()]}, name="i")
        compiled = CompiledPolicySet(PolicySet(identity=(allow_all,), resource=policy))
        assert compiled.decide(got.example.request(OWNER), explain=False).allowed is True
        if verdict == "public":
            assert "222233334444" not in got.example.principal
