"""The public-access proof against @cloud-copilot/iam-simulate (AGPL, run as a separate node process).

For generated bucket policies (principals `*`, accounts, services; conditions on the documented keys,
wildcard values, explicit denies, `...IfExists`, object actions written on the bucket ARN), every
``public`` verdict's example request is one iam-simulate allows too, and for every verdict that is not
``public`` iam-simulate denies every request built from the policy's own literal values, their neighbours
and wildcards by anonymous callers and by an account the policy names nowhere (and, for ``not``, by the
accounts it names as well)."""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import oracle
from test_differential import _require_oracle

from ringfence.iam.access import analyse
from ringfence.iam.policy import parse_policy

OWNER = "123456789012"
OUTSIDER = "arn:aws:iam::999988887777:role/outsider"
BUCKET = "arn:aws:s3:::reports"
ALLOW_ALL = {
    "name": "allow-all",
    "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}
CONDITIONS: list[tuple[str, str, list[str]]] = [
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ("StringEquals", "aws:SourceVpce", ["vpce-0abc1234"]),
    ("StringEquals", "aws:SourceVpc", ["vpc-0abc1234"]),
    ("StringEquals", "aws:PrincipalAccount", ["111122223333"]),
    ("StringEquals", "aws:PrincipalOrgID", ["o-abc123def4"]),
    ("StringLike", "aws:PrincipalOrgID", ["*"]),
    ("StringEquals", "aws:SourceAccount", ["111122223333"]),
    ("StringEqualsIfExists", "aws:SourceAccount", ["111122223333"]),
    ("ArnLike", "aws:SourceArn", ["arn:aws:sns:us-east-1:111122223333:*"]),
    ("Bool", "aws:SecureTransport", ["false"]),
    ("Bool", "aws:SecureTransport", ["true"]),
]
PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": "arn:aws:iam::111122223333:root"},
    {"AWS": "444455556666"},
    {"Service": "sns.amazonaws.com"},
]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*", "s3:ListBucket", "s3:DeleteObject"]
RESOURCES: list[Any] = [f"{BUCKET}/*", BUCKET, [BUCKET, f"{BUCKET}/*"], f"{BUCKET}/public/*"]


def _policy(rnd: random.Random) -> dict[str, Any]:
    statements = []
    for _ in range(rnd.randint(1, 3)):
        s: dict[str, Any] = {
            "Effect": "Deny" if rnd.random() < 0.25 else "Allow",
            "Principal": rnd.choice(PRINCIPALS),
            "Action": rnd.sample(ACTIONS, rnd.randint(1, 2)),
            "Resource": rnd.choice(RESOURCES),
        }
        if rnd.random() < 0.6:
            s["Condition"] = {}
            for op, key, values in rnd.sample(CONDITIONS, rnd.randint(1, 2)):
                s["Condition"].setdefault(op, {})[key] = values
        statements.append(s)
    return {"Version": "2012-10-17", "Statement": statements}


def _simulation(
    principal: str, action: str, resource: str, context: dict[str, Any], doc: Any
) -> dict[str, Any]:
    anonymous = principal == "anonymous"
    return {
        "request": {
            "principal": {"type": "Anonymous"} if anonymous else principal,
            "action": action,
            "resource": {"resource": resource, "accountId": OWNER},
            "contextVariables": context,
        },
        "identityPolicies": [] if anonymous else [ALLOW_ALL],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "resourcePolicy": doc,
    }


# Keys whose fixed values restrict a grant to the owner's own network, accounts or organisation (the
# contract's definition of public): an outsider's request carries values of its own, never those.
_OUTSIDER_VALUES = {
    "aws:sourceip": ["198.51.100.7"],
    "aws:sourcevpc": ["vpc-0other000"],
    "aws:sourcevpce": ["vpce-0other000"],
    "aws:principalaccount": ["999988887777"],
    "aws:sourceaccount": ["999988887777"],
    "aws:principalorgid": ["o-other00000"],
    "aws:sourcearn": ["arn:aws:sns:us-east-1:999988887777:topic"],
}


def _values(key: str, value: str) -> list[str]:
    """What an outsider's request may carry in ``key``: its own values for the restricting keys, and for
    the others the policy's value, its neighbours and what fills its wildcards."""
    if key in _OUTSIDER_VALUES:
        return _OUTSIDER_VALUES[key]
    if key == "aws:securetransport":
        return ["true", "false"]
    return [value, value.replace("*", "x"), value + "x"]


def _requests(doc: dict[str, Any], accounts: list[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Requests built from the policy's own values, their neighbours and wildcards."""
    keys: dict[str, set[str]] = {}
    for s in doc["Statement"]:
        for keyvalues in s.get("Condition", {}).values():
            for key, values in keyvalues.items():
                for v in values:
                    keys.setdefault(key.lower(), set()).update(_values(key.lower(), v))
    contexts: list[dict[str, Any]] = [{}]
    for key, values in sorted(keys.items()):
        contexts += [{key: v} for v in sorted(values)]
    if len(keys) > 1:  # every key at once, with each of its first values
        contexts.append({k: sorted(v)[0] for k, v in keys.items()})
    principals = ["anonymous", OUTSIDER, *(f"arn:aws:iam::{a}:role/named" for a in accounts)]
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketAcl"]
    resources = [BUCKET, f"{BUCKET}/public/a.txt", f"{BUCKET}/private/b.txt"]
    out = []
    for principal, action, resource, context in itertools.product(principals, actions, resources, contexts):
        on_object = action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
        if on_object != (resource != BUCKET):
            continue  # not a request AWS can make (an object action on the bucket, or the reverse)
        # the keys set from the principal are the principal's own
        own = {k: v for k, v in context.items() if k != "aws:principalaccount"}
        if principal == "anonymous":
            own = {k: v for k, v in own.items() if not k.startswith("aws:principal")}
        else:
            own["aws:principalaccount"] = principal.split(":")[4]
        out.append((principal, action, resource, own))
    return out


def _cases(n: int) -> list[tuple[dict[str, Any], Any]]:
    rnd = random.Random(20261204)
    out = []
    for _ in range(n):
        doc = _policy(rnd)
        verdict = analyse(
            parse_policy(json.dumps(doc), name="bucket policy", policy_type="resource"),
            owner=OWNER,
            resource_arn=BUCKET,
        )
        out.append((doc, verdict))
    return out


@pytest.mark.slow
def test_public_access_verdicts_agree_with_iam_simulate() -> None:
    _require_oracle()
    cases = _cases(60)
    verdicts = {v.verdict for _, v in cases}
    assert {"public", "cross-account", "not"} <= verdicts, verdicts
    sims: list[dict[str, Any]] = []
    labels: list[tuple[int, str]] = []
    for i, (doc, access) in enumerate(cases):
        if access.verdict == "public":
            ex = access.example
            assert ex is not None
            context = {k: list(v) if isinstance(v, tuple) else v for k, v in ex.context.items()}
            sims.append(_simulation(ex.principal, ex.action, ex.resource, context, doc))
            labels.append((i, "allowed"))
        elif access.verdict in ("cross-account", "not"):
            named = sorted({*access.accounts} - {OWNER}) if access.verdict == "not" else []
            named = [a for a in named if a.isdigit()]
            for principal, action, resource, context in _requests(doc, named):
                if access.verdict == "cross-account" and principal not in ("anonymous", OUTSIDER):
                    continue
                sims.append(_simulation(principal, action, resource, context, doc))
                labels.append((i, "denied"))
    results, _ = oracle.run(sims)
    errors = [r for r in results if r["error"]]
    assert len(errors) < len(results) / 4, errors[:3]
    wrong = []
    for (i, expected), sim, result in zip(labels, sims, results, strict=True):
        if result["error"]:
            continue
        allowed = result["result"] == "Allowed"
        if allowed != (expected == "allowed"):
            wrong.append((cases[i][1].verdict, json.dumps(cases[i][0]), json.dumps(sim["request"])))
    assert not wrong, wrong[:3]
