"""Administrator-equivalence decided over the statements (ringfence.iam.admin), against the evaluator.

The differential test generates a few hundred permission sets and compares the decision with what the
evaluator answers for a sample of real action names from the catalogue on ``*``. The two answer different
questions where the sample cannot see a refusal: a Deny or a missing Allow on a resource other than ``*``
(``s3:DeleteBucket`` denied on one bucket), or on an action the sample did not draw (a service newer than the
catalogue, one catalogued action among thousands). AWS's evaluation logic refuses those requests (an explicit
deny in any policy decides; without an allow the request is implicitly denied), so there the reasoning is
right and the sample is not: each such case must come with the refused request, and the evaluator must refuse
it too. Where the sample finds a refusal, the decision must be "not admin".
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.iam import catalogue, managed
from ringfence.iam.admin import AdminVerdict, decide, permission_set
from ringfence.iam.analysis import admin_equivalent, admin_verdict
from ringfence.iam.conditions import RequestContext
from ringfence.iam.engine import Engine
from ringfence.iam.evaluator import CompiledPolicySet, EvalOptions, PolicySet, Request
from ringfence.iam.policy import Policy, parse_policy

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
# What the estate fixes about the principal: its tags (a condition on them is decided, not conditional).
CONTEXT = {"aws:principaltag/team": "payments", "aws:principalarn": ROLE, "aws:principalaccount": ACCOUNT}


def policy(*statements: dict[str, Any], name: str = "p", version: str = "2012-10-17") -> Policy:
    return parse_policy({"Version": version, "Statement": list(statements)}, name=name)


def allow(action: str | list[str] = "*", resource: str | list[str] = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def context() -> RequestContext:
    # A role session has no aws:username (as the engine says for roles).
    return RequestContext(
        CONTEXT, complete=False, absent=["aws:username"], absent_prefixes=["aws:principaltag/"]
    )


def verdict(*policies: Policy, boundary: tuple[Policy, ...] = ()) -> AdminVerdict:
    ps = PolicySet(identity=policies, boundary=boundary)
    return decide(permission_set(ps, ROLE, ACCOUNT, context(), EvalOptions()))


def evaluator_allows(policies: PolicySet, action: str, resource: str) -> bool | None:
    """The existing evaluator's answer for one request (no resource policy, in the principal's account)."""
    ps = PolicySet(identity=policies.identity, boundary=policies.boundary, resource_policy_required=False)
    d = CompiledPolicySet(ps).decide(Request(ROLE, action, resource, ACCOUNT, context()), explain=False)
    return d.allowed


CASES: list[tuple[str, list[dict[str, Any]], bool | None]] = [
    ("star", [allow("*")], True),
    ("star-colon-star", [allow("*:*")], True),
    ("question-marks-cover-every-service", [allow("?*:*")], True),
    ("notaction-iam", [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], False),
    (
        "notaction-completed-by-a-second-statement",
        [{"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}, allow(["s3:*", "iam:*"])],
        True,
    ),
    (
        "deny-on-one-bucket",
        [allow("*"), {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::logs"}],
        False,
    ),
    ("deny-of-nothing", [allow("*"), {"Effect": "Deny", "NotAction": "*", "Resource": "*"}], True),
    ("deny-nowhere", [allow("*"), {"Effect": "Deny", "Action": "*", "NotResource": "*"}], True),
    ("arn-star-misses-star-resources", [allow("*", "arn:*")], False),
    ("arn-star-and-star-resource", [allow("*", ["arn:*", "*"])], True),
    (
        "notresource-completed",
        [
            {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::vault"},
            allow("*", "arn:aws:s3:::vault"),
        ],
        True,
    ),
    (
        "notresource-completed-for-s3-only",
        [
            {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::vault"},
            allow("s3:*", "arn:aws:s3:::vault"),
        ],
        False,
    ),
    ("condition-not-fixed", [allow("*", Condition={"Bool": {"aws:SecureTransport": "true"}})], None),
    (
        "condition-on-own-tag-met",
        [allow("*", Condition={"StringEquals": {"aws:PrincipalTag/team": "payments"}})],
        True,
    ),
    (
        "condition-on-own-tag-not-met",
        [allow("*", Condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}})],
        False,
    ),
    (
        "conditional-deny",
        [
            allow("*"),
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
        None,
    ),
    ("every-catalogued-service", [allow([f"{s}:*" for s in sorted(catalogue.service_keys())])], False),
    ("variable-in-resource", [allow("*", f"arn:aws:iam::{ACCOUNT}:role/${{aws:username}}")], False),
]


@pytest.mark.parametrize(("name", "statements", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decision_on_written_cases(
    name: str, statements: list[dict[str, Any]], expected: bool | None
) -> None:
    p = policy(*statements)
    got = verdict(p)
    assert got.admin is expected, got
    if expected is not True:
        # The request the decision names is refused (or only conditionally allowed) by the evaluator too.
        assert got.request is not None
        assert evaluator_allows(PolicySet(identity=(p,)), *got.request) is expected


def test_boundary_caps_an_administrator_policy() -> None:
    got = verdict(policy(allow("*")), boundary=(policy(allow("s3:*"), name="b"),))
    assert got.admin is False and got.request is not None and not got.request[0].startswith("s3:")


def test_aws_managed_policies() -> None:
    admin, power, read = (
        managed.get(n) for n in ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess")
    )
    assert admin is not None and power is not None and read is not None
    assert verdict(admin).admin is True
    assert verdict(admin, read).admin is True
    power_user = verdict(power)
    assert power_user.admin is False and power_user.request is not None
    assert power_user.request[0].split(":")[0] in ("iam", "organizations", "account")
    assert verdict(read, power).admin is False


def test_the_same_statements_in_another_order_and_names_are_one_permission_set() -> None:
    a = policy(allow("s3:*", Sid="One"), {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, name="a")
    b1 = policy({"Effect": "Allow", "NotAction": ["S3:*"], "Resource": ["*"], "Sid": "Two"}, name="b1")
    b2 = policy(allow(["s3:*"]), name="b2")
    one = permission_set(PolicySet(identity=(a,)), ROLE, ACCOUNT, context(), EvalOptions())
    other = permission_set(PolicySet(identity=(b2, b1)), ROLE, ACCOUNT, context(), EvalOptions())
    assert one == other and hash(one) == hash(other)
    assert decide(one) is decide(other)


# -- differential ---------------------------------------------------------------------------------------------
SAMPLE = sorted(a.qualified for a in catalogue.all_actions())
ACTION_POOL = [
    "*",
    "*:*",
    "iam:*",
    "s3:*",
    "s3:Get*",
    "ec2:Describe*",
    "sts:AssumeRole",
    "iam:PassRole",
    "s?s:*",
    "*:Get*",
    "kms:*",
    "organizations:*",
    "account:*",
    "?*",
    "iam:Create*",
    "*:*Policy*",
]
RESOURCE_POOL = [
    "*",
    "arn:aws:s3:::*",
    "arn:aws:iam::*:role/*",
    "arn:*",
    "arn:aws:*:*:*:*",
    "arn:aws:s3:::logs",
    f"arn:aws:iam::{ACCOUNT}:*",
    "arn:aws:*",
]
CONDITIONS = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "payments"}},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
]


def _statement(rnd: random.Random) -> dict[str, Any]:
    actions = rnd.sample(ACTION_POOL, rnd.randint(1, 3)) + rnd.sample(SAMPLE, rnd.randint(0, 2))
    resources = rnd.sample(RESOURCE_POOL, rnd.randint(1, 2))
    s: dict[str, Any] = {"Effect": "Deny" if rnd.random() < 0.25 else "Allow"}
    s["NotAction" if rnd.random() < 0.3 else "Action"] = actions
    s["NotResource" if rnd.random() < 0.15 else "Resource"] = resources
    if rnd.random() < 0.15:
        s["Condition"] = rnd.choice(CONDITIONS)
    return s


def _permission_set(rnd: random.Random) -> PolicySet:
    # Biased toward near-administrators, where the answer is interesting.
    statements = [_statement(rnd) for _ in range(rnd.randint(1, 4))]
    if rnd.random() < 0.5:
        statements.insert(
            0,
            allow("*")
            if rnd.random() < 0.5
            else {"Effect": "Allow", "NotAction": rnd.sample(ACTION_POOL[2:], 1), "Resource": "*"},
        )
    identity = (policy(*statements),)
    boundary = (
        (policy(rnd.choice([allow("*"), allow("*:*"), _statement(rnd)]), name="b"),)
        if rnd.random() < 0.2
        else ()
    )
    return PolicySet(identity=identity, boundary=boundary)


@settings(
    max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(st.randoms(use_true_random=False))
def test_agrees_with_the_evaluator_on_catalogue_actions(rnd: random.Random) -> None:
    ps = _permission_set(rnd)
    got = decide(permission_set(ps, ROLE, ACCOUNT, context(), EvalOptions()))
    sample = rnd.sample(SAMPLE, 150)
    answers = {a: evaluator_allows(ps, a, "*") for a in sample}
    if got.admin is True:
        assert all(v is True for v in answers.values()), [a for a, v in answers.items() if v is not True]
        return
    # Not admin, or conditional: the request named is the evaluator's answer too.
    assert got.request is not None
    assert evaluator_allows(ps, *got.request) is got.admin
    if got.admin is None:
        assert False not in answers.values()
    elif all(v is True for v in answers.values()):
        # The sample saw no refusal: the refused request is one it could not ask.
        action, resource = got.request
        assert resource != "*" or action not in {a.lower() for a in sample}


# -- through the engine, on Terraform ---------------------------------------------------------------------------
TERRAFORM = """
resource "aws_iam_role" "%(name)s" {
  name               = "%(name)s"
  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", Principal = {Service = "ecs-tasks.amazonaws.com"}}]})
}

resource "aws_iam_role_policy" "%(name)s" {
  role   = aws_iam_role.%(name)s.id
  policy = jsonencode({Version = "2012-10-17", Statement = %(statements)s})
}
"""


def test_engine_principals_from_terraform(tmp_path: Path) -> None:
    import json

    from ringfence.sources import LoadOptions, load_estate

    roles = {
        "split_admin": [
            {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"},
        ],
        "power_user": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}],
        "admin_but_one_bucket": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::audit-logs/*"},
        ],
        "admin_over_tls": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ],
    }
    text = "".join(TERRAFORM % {"name": n, "statements": json.dumps(s)} for n, s in roles.items())
    (tmp_path / "main.tf").write_text(text)
    estate = load_estate([str(tmp_path)], LoadOptions(account_id=ACCOUNT))
    engine = Engine(estate)
    got = {r.name: admin_equivalent(engine, r) for r in engine.principals()}
    assert got == {
        "split_admin": True,
        "power_user": False,
        "admin_but_one_bucket": False,
        "admin_over_tls": None,
    }
    refused = admin_verdict(engine, next(r for r in engine.principals() if r.name == "admin_but_one_bucket"))
    assert refused.request is not None and refused.request[0].startswith("s3:")
    assert refused.request[1].startswith("arn:aws:s3:::audit-logs/")
