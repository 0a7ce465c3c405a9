"""Hypothesis strategies for IAM authorization cases, in iam-simulate's input shape.

Hypothesis drives the generation through one seeded :class:`random.Random` per case (drawing from
hypothesis strategy by strategy costs ~150 µs a draw, ~20 ms a case; this keeps thousands of cases within
seconds while hypothesis still chooses, records and replays the seeds).

Each case is a JSON-able dict (``request``, ``identityPolicies``, ``serviceControlPolicies``...): the same
value goes to the outside oracle and, through :func:`to_ringfence`, to ringfence. The pools are small on
purpose so that patterns, conditions and requests collide often enough to exercise every rule.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from ringfence.iam.conditions import RequestContext
from ringfence.iam.evaluator import PolicySet, Request
from ringfence.iam.policy import parse_policy

A = "111111111111"  # the principal's account
B = "222222222222"  # another account

# action -> resource ARNs it acts on (in account A unless the ARN says otherwise)
ACTIONS: dict[str, list[str]] = {
    "s3:GetObject": ["arn:aws:s3:::data/alice/report.csv", "arn:aws:s3:::data/bob/x", "arn:aws:s3:::logs/k"],
    "s3:PutObject": ["arn:aws:s3:::data/alice/report.csv", "arn:aws:s3:::logs/k"],
    "s3:ListBucket": ["arn:aws:s3:::data", "arn:aws:s3:::logs"],
    "sqs:SendMessage": [f"arn:aws:sqs:us-east-1:{A}:orders", f"arn:aws:sqs:eu-west-1:{A}:jobs"],
    "kms:Decrypt": [f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    "iam:PassRole": [f"arn:aws:iam::{A}:role/app", f"arn:aws:iam::{A}:role/admin/ops"],
    "iam:CreateUser": [f"arn:aws:iam::{A}:user/alice", f"arn:aws:iam::{A}:user/team/bob"],
    "ec2:DescribeInstances": ["*"],
    "dynamodb:GetItem": [f"arn:aws:dynamodb:us-east-1:{A}:table/orders"],
    "lambda:InvokeFunction": [f"arn:aws:lambda:us-east-1:{A}:function:api"],
    "secretsmanager:GetSecretValue": [f"arn:aws:secretsmanager:us-east-1:{A}:secret:db-AbCdEf"],
    "sns:Publish": [f"arn:aws:sns:us-east-1:{A}:alerts"],
}
ACTION_NAMES = sorted(ACTIONS)

PRINCIPALS = [
    f"arn:aws:iam::{A}:user/alice",
    f"arn:aws:iam::{A}:user/team/bob",
    f"arn:aws:sts::{A}:assumed-role/app/session-1",
    f"arn:aws:iam::{B}:user/carol",
    f"arn:aws:sts::{B}:assumed-role/ops/s2",
]


class Draw:
    """The few drawing primitives the generators use, over one seeded random source."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def int(self, lo: int, hi: int) -> int:
        return self.rnd.randint(lo, hi)

    def bool(self) -> bool:
        return self.rnd.random() < 0.5

    def pick(self, seq: list[Any]) -> Any:
        return seq[self.rnd.randrange(len(seq))]

    def some(self, seq: list[Any], lo: int, hi: int, *, unique: bool = True) -> list[Any]:
        n = self.rnd.randint(lo, hi)
        if unique:
            return self.rnd.sample(seq, min(n, len(seq)))
        return [self.pick(seq) for _ in range(n)]


def principal_account(arn: str) -> str:
    return arn.split(":")[4]


# -- condition pools: key -> (operators that fit, values to draw from) ------------------------------------
STRING_OPS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
]
NUMERIC_OPS = [
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
]
DATE_OPS = [
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
]
ARN_OPS = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]
IP_OPS = ["IpAddress", "NotIpAddress"]

TEAMS = ["red", "Red", "blue", "re*", "b?ue", "${aws:username}", "${aws:PrincipalTag/team}", "${*}"]
KEYS: dict[str, tuple[list[str], list[str], list[str]]] = {
    # key: (operators, policy values, request values)
    "aws:PrincipalTag/team": (STRING_OPS, TEAMS, ["red", "Red", "blue", "bxue", "*", "alice"]),
    "aws:username": (
        STRING_OPS,
        ["alice", "ALICE", "al*", "bob", "${aws:PrincipalTag/team}"],
        ["alice", "bob", "Alice"],
    ),
    "aws:RequestedRegion": (STRING_OPS, ["us-east-1", "eu-*", "us-?ast-1"], ["us-east-1", "eu-west-1"]),
    "aws:MultiFactorAuthAge": (NUMERIC_OPS, ["3600", "60", "0", "1e3", "abc"], ["100", "3600", "7200", "x"]),
    "aws:EpochTime": (NUMERIC_OPS, ["1700000000", "1800000000"], ["1750000000", "1700000000"]),
    "aws:CurrentTime": (
        DATE_OPS,
        ["2025-01-01T00:00:00Z", "2026-06-01", "1767225600"],
        ["2025-06-01T12:00:00Z", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ),
    "aws:TokenIssueTime": (
        DATE_OPS,
        ["2026-01-01T00:00:00Z"],
        ["2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z"],
    ),
    "aws:SecureTransport": (["Bool"], ["true", "false", "True"], ["true", "false"]),
    "aws:MultiFactorAuthPresent": (["Bool"], ["true", "false"], ["true", "false"]),
    "aws:SourceIp": (
        IP_OPS,
        ["203.0.113.0/24", "198.51.100.7/32", "10.0.0.0/8", "2001:db8::/32"],
        ["203.0.113.9", "198.51.100.7", "10.1.2.3", "192.0.2.1", "2001:db8::1"],
    ),
    "aws:SourceArn": (
        ARN_OPS,
        [
            f"arn:aws:sns:us-east-1:{A}:alerts",
            f"arn:aws:sns:*:{A}:*",
            "arn:aws:s3:::data*",
            f"arn:aws:sqs:us-east-1:{A}:or?ers",
        ],
        [
            f"arn:aws:sns:us-east-1:{A}:alerts",
            "arn:aws:s3:::data",
            f"arn:aws:sqs:us-east-1:{A}:orders",
            f"arn:aws:sns:us-east-1:{B}:alerts",
        ],
    ),
    "aws:PrincipalArn": (
        [*ARN_OPS, "StringLike"],
        [f"arn:aws:iam::{A}:user/*", f"arn:aws:iam::{A}:role/app", "arn:aws:iam::*:user/alice"],
        [f"arn:aws:iam::{A}:user/alice", f"arn:aws:iam::{A}:role/app", f"arn:aws:iam::{B}:user/alice"],
    ),
    "aws:SourceAccount": (STRING_OPS, [A, B, "1111*"], [A, B]),
    "aws:TagKeys": (STRING_OPS, ["env", "team", "cost*"], ["env", "team", "costcenter", "owner"]),
    "aws:UserAgent": (
        ["BinaryEquals"],
        ["QmluYXJ5", "T3RoZXI=", "bm9wZQ=="],
        ["QmluYXJ5", "T3RoZXI=", "not base64!"],
    ),
    "aws:PrincipalOrgPaths": (STRING_OPS, ["o-a1/r-ab/ou-1/*", "o-a1/*"], ["o-a1/r-ab/ou-1/", "o-b2/r-cd/"]),
}
MULTI_KEYS = {"aws:TagKeys", "aws:PrincipalOrgPaths"}
NULL_KEYS = sorted(KEYS)
KEY_NAMES = sorted(KEYS)


def condition_block(draw: Draw) -> dict[str, Any]:
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw.int(1, 2)):
        if draw.int(0, 9) == 0:
            key = draw.pick(NULL_KEYS)
            block.setdefault("Null", {})[key] = draw.pick(["true", "false"])
            continue
        key = draw.pick(KEY_NAMES)
        ops, values, _ = KEYS[key]
        op = draw.pick(ops)
        if key in MULTI_KEYS:
            op = draw.pick(["ForAllValues:", "ForAnyValue:"]) + op
        elif draw.int(0, 5) == 0:
            op += "IfExists"
        chosen = draw.some(values, 1, 3)
        block.setdefault(op, {})[key] = chosen[0] if len(chosen) == 1 and draw.bool() else chosen
    return block


def _case_variants(action: str) -> list[str]:
    service, name = action.split(":")
    return [
        action,
        action.lower(),
        f"{service}:{name.upper()}",
        f"{service}:*",
        f"{service}:{name[:3]}*",
        f"{service}:{name[:-1]}?",
        "*",
        f"{service}:{name}Extra",
    ]


def action_patterns(draw: Draw, action: str) -> list[str]:
    out = []
    for _ in range(draw.int(1, 2)):
        if draw.int(0, 3) == 0:
            out.append(draw.pick(ACTION_NAMES))
        else:
            out.append(draw.pick(_case_variants(action)))
    return out


def _resource_variants(resource: str) -> list[str]:
    if resource == "*":
        return ["*"]
    parts = resource.split(":", 5)
    tail = parts[5]
    out = [
        resource,
        "*",
        ":".join(parts[:5]) + ":*",
        resource[:-2] + "*",
        resource[:-1] + "?",
        resource.upper(),
        ":".join([*parts[:4], "*", tail]),
        ":".join([*parts[:3], "*", "*", tail]),
        ":".join([*parts[:4], B, tail]) if parts[4] else resource + "-other",
        "arn:aws:s3:::data/${aws:username}/*",
        "arn:aws:s3:::data/${aws:PrincipalTag/team, 'alice'}/*",
        ":".join(parts[:3]) + ":*",
    ]
    return out


def resource_patterns(draw: Draw, resource: str) -> list[str]:
    pool = _resource_variants(resource) + [r for rs in ACTIONS.values() for r in rs if r != "*"][:6]
    return draw.some(pool, 1, 2)


def statement(
    draw: Draw,
    action: str,
    resource: str,
    *,
    effect: str | None = None,
    principal: bool = False,
    principal_arn: str = "",
    resource_element: bool = True,
    rcp: bool = False,
) -> dict[str, Any]:
    eff = effect or draw.pick(["Allow", "Allow", "Allow", "Deny"])
    stmt: dict[str, Any] = {"Effect": eff}
    acts = action_patterns(draw, action)
    key = "NotAction" if draw.int(0, 7) == 0 and not rcp else "Action"
    stmt[key] = acts[0] if len(acts) == 1 else acts
    if resource_element:
        res = resource_patterns(draw, resource)
        rkey = "NotResource" if draw.int(0, 7) == 0 else "Resource"
        stmt[rkey] = res[0] if len(res) == 1 else res
    if principal:
        acct = principal_account(principal_arn)
        role_arn = None
        if ":assumed-role/" in principal_arn:
            role_arn = f"arn:aws:iam::{acct}:role/{principal_arn.split('/')[1]}"
        choices: list[Any] = [
            "*",
            {"AWS": "*"},
            {"AWS": acct},
            {"AWS": f"arn:aws:iam::{acct}:root"},
            {"AWS": principal_arn},
            {"AWS": f"arn:aws:iam::{B if acct == A else A}:root"},
            {"Service": "sns.amazonaws.com"},
        ]
        if role_arn:
            choices.append({"AWS": role_arn})
        p = "*" if rcp else draw.pick(choices)
        if eff == "Deny" and not rcp and draw.int(0, 5) == 0:
            stmt["NotPrincipal"] = p if p != "*" else {"AWS": principal_arn}
        else:
            stmt["Principal"] = p
    if draw.int(0, 9) < 6:
        stmt["Condition"] = condition_block(draw)
    return stmt


def policy(
    draw: Draw,
    action: str,
    resource: str,
    *,
    min_statements: int = 1,
    max_statements: int = 3,
    allow_bias: bool = False,
    **kw: Any,
) -> dict[str, Any]:
    n = draw.int(min_statements, max_statements)
    stmts = []
    for i in range(n):
        eff = "Allow" if allow_bias and i == 0 else None
        stmts.append(statement(draw, action, resource, effect=eff, **kw))
    return {"Version": "2012-10-17", "Statement": stmts}


def full_access(draw: Draw, action: str, resource: str) -> dict[str, Any]:
    """An SCP-ish policy that usually allows: FullAWSAccess, sometimes with a guard rail."""
    stmts: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    if draw.bool():
        stmts = [statement(draw, action, resource, effect="Allow")]
    if draw.int(0, 2) == 0:
        stmts.append(statement(draw, action, resource, effect="Deny"))
    return {"Version": "2012-10-17", "Statement": stmts}


def context(draw: Draw, principal_arn: str) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for key in draw.some(KEY_NAMES, 0, 6):
        values = KEYS[key][2]
        if key in MULTI_KEYS:
            ctx[key] = draw.some(values, 0, 3)
        else:
            ctx[key] = draw.pick(values)
    if draw.bool():
        ctx["aws:PrincipalArn"] = principal_arn
    return ctx


def build_case(draw: Draw) -> dict[str, Any]:
    action = draw.pick(ACTION_NAMES)
    resource = draw.pick(ACTIONS[action])
    principal = draw.pick(PRINCIPALS)
    cross = draw.int(0, 4) == 0
    resource_account = B if cross else A
    if resource_account == B and resource != "*" and resource.split(":")[4] == A:
        resource = resource.replace(A, B)
    if principal_account(principal) == B and not cross:
        resource_account = A
    identity = [
        {"name": f"identity-{i}", "policy": policy(draw, action, resource, allow_bias=i == 0)}
        for i in range(draw.int(0, 3))
    ]
    if identity and draw.int(0, 3) > 0:
        # A plain grant, so that enough cases end in "allow" and the other layers decide.
        identity[0]["policy"]["Statement"].insert(
            0,
            {
                "Effect": "Allow",
                "Action": draw.pick([action, f"{action.split(':')[0]}:*", "*"]),
                "Resource": draw.pick([resource, "*"]),
            },
        )
    sim: dict[str, Any] = {
        "request": {
            "principal": principal,
            "action": draw.pick([action, action.lower()]),
            "resource": {"resource": resource, "accountId": resource_account},
            "contextVariables": context(draw, principal),
        },
        "identityPolicies": identity,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if draw.int(0, 2) == 0:
        levels = draw.int(1, 3)
        sim["serviceControlPolicies"] = [
            {
                "orgIdentifier": f"level-{i}",
                "policies": [{"name": f"scp-{i}", "policy": full_access(draw, action, resource)}],
            }
            for i in range(levels)
        ]
    if draw.int(0, 3) == 0:
        sim["resourceControlPolicies"] = [
            {
                "orgIdentifier": "r-root",
                "policies": [
                    {
                        "name": "rcp-0",
                        "policy": {
                            "Version": "2012-10-17",
                            "Statement": [
                                statement(
                                    draw,
                                    action,
                                    resource,
                                    effect="Deny",
                                    principal=True,
                                    principal_arn=principal,
                                    rcp=True,
                                )
                            ],
                        },
                    }
                ],
            }
        ]
    if draw.int(0, 2) == 0 and resource != "*":
        sim["resourcePolicy"] = policy(
            draw, action, resource, principal=True, principal_arn=principal, allow_bias=True
        )
    if draw.int(0, 4) == 0:
        sim["permissionBoundaryPolicies"] = [
            {"name": "boundary", "policy": policy(draw, action, resource, allow_bias=True)}
        ]
    if ":assumed-role/" in principal and draw.int(0, 3) == 0:
        sim["sessionPolicy"] = policy(draw, action, resource, max_statements=2, allow_bias=True)
    if draw.int(0, 9) == 0:
        sim["vpcEndpointPolicies"] = [
            {
                "name": "vpce",
                "policy": policy(
                    draw, action, resource, allow_bias=True, principal=True, rcp=True, principal_arn=principal
                ),
            }
        ]
    return sim


def to_ringfence(sim: dict[str, Any]) -> tuple[PolicySet, Request]:
    """The same case as ringfence's inputs."""

    def parse(name: str, doc: Any, kind: str) -> Any:
        return parse_policy(doc, name=name, policy_type=kind)  # type: ignore[arg-type]

    req = sim["request"]
    ps = PolicySet(
        identity=tuple(parse(p["name"], p["policy"], "identity") for p in sim["identityPolicies"]),
        boundary=tuple(
            parse(p["name"], p["policy"], "boundary") for p in sim.get("permissionBoundaryPolicies", [])
        ),
        session=(parse("session", sim["sessionPolicy"], "session"),) if sim.get("sessionPolicy") else (),
        scps=tuple(
            tuple(parse(p["name"], p["policy"], "scp") for p in level["policies"])
            for level in sim["serviceControlPolicies"]
        ),
        rcps=tuple(
            tuple(parse(p["name"], p["policy"], "rcp") for p in level["policies"])
            for level in sim["resourceControlPolicies"]
        ),
        resource=parse("resource", sim["resourcePolicy"], "resource") if sim.get("resourcePolicy") else None,
        vpc_endpoint=tuple(
            parse(p["name"], p["policy"], "vpc_endpoint") for p in sim.get("vpcEndpointPolicies", [])
        ),
    )
    request = Request(
        principal=req["principal"],
        action=req["action"],
        resource=req["resource"]["resource"],
        resource_account=req["resource"]["accountId"],
        context=RequestContext(req["contextVariables"]),
    )
    return ps, request


ORACLE_NAMES = {"Allowed": "allow", "ExplicitlyDenied": "explicit_deny", "ImplicitlyDenied": "implicit_deny"}


def case() -> st.SearchStrategy[dict[str, Any]]:
    """Hypothesis strategy of cases: hypothesis picks the seed, the builder does the rest."""
    return st.integers(0, 2**32 - 1).map(lambda seed: build_case(Draw(random.Random(seed))))
