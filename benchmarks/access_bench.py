"""Policy reasoning with z3: public-access proofs per resource policy, and `iam compare` of two
10-statement policies, in process.

Workload: resource policies generated from a fixed seed (bucket, queue, key and trust shapes; principals
`*`, an account, an organisation, services; conditions on source IP, source VPC and endpoint, principal
and source account, organisation, source ARN, secure transport; explicit denies, `NotPrincipal`,
`...IfExists`), each analysed by `ringfence.iam.access.analyse`; then pairs of identity policies of 10
statements each (wildcards, `NotAction`, conditions), NEW a mutation of OLD (a wider action, a dropped
condition, a removed deny, or a narrowing), compared by `ringfence.iam.compare.compare`. Times are
wall-clock medians and 95th percentiles of single calls, encoding and solving included.

    .venv/bin/python benchmarks/access_bench.py [--policies 200] [--pairs 100]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from typing import Any

from ringfence.iam.access import analyse
from ringfence.iam.compare import PermissionSet, compare
from ringfence.iam.policy import parse_policy

BUCKET = "arn:aws:s3:::data"
CONDITIONS: list[dict[str, Any]] = [
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
    {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}},
    {"StringEquals": {"aws:SourceVpc": "vpc-0abc"}},
    {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}},
    {"StringLike": {"aws:PrincipalOrgID": "*"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}},
]
PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": "arn:aws:iam::111122223333:root"},
    {"AWS": "444455556666"},
    {"Service": "sns.amazonaws.com"},
]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*", "s3:ListBucket", "s3:DeleteObject"]


def resource_policy(rnd: random.Random) -> dict[str, Any]:
    statements = []
    for _ in range(rnd.randint(1, 4)):
        s: dict[str, Any] = {
            "Effect": "Deny" if rnd.random() < 0.25 else "Allow",
            "Principal": rnd.choice(PRINCIPALS),
            "Action": rnd.sample(ACTIONS, rnd.randint(1, 2)),
            "Resource": rnd.choice([f"{BUCKET}/*", BUCKET, [BUCKET, f"{BUCKET}/*"]]),
        }
        if rnd.random() < 0.6:
            s["Condition"] = {}
            for c in rnd.sample(CONDITIONS, rnd.randint(1, 2)):
                for op, body in c.items():
                    s["Condition"].setdefault(op, {}).update(body)
        statements.append(s)
    return {"Version": "2012-10-17", "Statement": statements}


IDENTITY_ACTIONS = [
    "s3:GetObject",
    "s3:Put*",
    "ec2:Describe*",
    "iam:PassRole",
    "kms:Decrypt",
    "sqs:*",
    "logs:*",
]
IDENTITY_CONDITIONS: list[dict[str, Any]] = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"StringEquals": {"aws:PrincipalTag/team": "data"}},
]


def identity_policy(rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(10):
        s: dict[str, Any] = {"Sid": f"S{i}", "Effect": "Deny" if i % 5 == 4 else "Allow"}
        s["NotAction" if rnd.random() < 0.05 else "Action"] = rnd.sample(IDENTITY_ACTIONS, 2)
        s["Resource"] = rnd.choice(["*", f"{BUCKET}/*", "arn:aws:sqs:*:*:jobs-*"])
        if rnd.random() < 0.5:
            s["Condition"] = rnd.choice(IDENTITY_CONDITIONS)
        out.append(s)
    return out


def mutate(rnd: random.Random, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(s) for s in statements]
    s = rnd.choice(out)
    kind = rnd.choice(["wider", "drop-condition", "drop-deny", "narrower"])
    if kind == "wider" and "Action" in s:
        s["Action"] = [*s["Action"], rnd.choice(["s3:*", "iam:*", "ec2:RunInstances"])]
    elif kind == "drop-condition":
        s.pop("Condition", None)
    elif kind == "drop-deny":
        out = [x for x in out if x["Effect"] != "Deny"] or out
    else:
        s["Resource"] = f"{BUCKET}/narrow/*"
    return out


def _summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1] if len(times) >= 20 else times[-1]
    return f"median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=100)
    args = parser.parse_args()
    rnd = random.Random(20261204)
    analyse(
        parse_policy(json.dumps(resource_policy(rnd)), name="warm", policy_type="resource"),
        owner="123456789012",
    )
    times: list[float] = []
    verdicts: Counter[str] = Counter()
    for i in range(args.policies):
        policy = parse_policy(json.dumps(resource_policy(rnd)), name=f"p{i}", policy_type="resource")
        start = time.perf_counter()
        got = analyse(policy, owner="123456789012", resource_arn=BUCKET)
        times.append(time.perf_counter() - start)
        verdicts[got.verdict] += 1
    print(f"public-access proofs of {args.policies} resource policies: {_summary(times)}")
    print(f"  verdicts: {dict(sorted(verdicts.items()))}")
    times = []
    results: Counter[str] = Counter()
    for _ in range(args.pairs):
        old = identity_policy(rnd)
        new = mutate(rnd, old)
        a = PermissionSet(
            "old", (parse_policy(json.dumps({"Version": "2012-10-17", "Statement": old}), name="old"),)
        )
        b = PermissionSet(
            "new", (parse_policy(json.dumps({"Version": "2012-10-17", "Statement": new}), name="new"),)
        )
        start = time.perf_counter()
        answer = compare(a, b)
        times.append(time.perf_counter() - start)
        results[answer.verdict] += 1
    print(f"iam compare of {args.pairs} pairs of 10-statement policies: {_summary(times)}")
    print(f"  results: {dict(sorted(results.items()))}")


if __name__ == "__main__":
    main()
