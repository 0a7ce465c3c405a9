"""Decisions per second: ringfence vs iam-simulate, on the same generated distinct requests.

Workload (the issue's "typical request"): 40 principals, each with up to 10 identity policies (conditions,
wildcards, variables), a permissions boundary for some, and a 3-level SCP path; every request is a distinct
(principal, action, resource, context) tuple. Policy sets are compiled once (timed separately); nothing is
memoised per request.

    .venv/bin/python benchmarks/iam_bench.py [--requests 100000] [--oracle-requests 3000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "iam"))

import casegen  # noqa: E402
import oracle  # noqa: E402

from ringfence.iam.conditions import RequestContext  # noqa: E402
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request  # noqa: E402
from ringfence.iam.policy import parse_policy  # noqa: E402


def build_principals(rnd: random.Random, n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        draw = casegen.Draw(rnd)
        principal = draw.pick(casegen.PRINCIPALS[:3])
        action = draw.pick(casegen.ACTION_NAMES)
        resource = draw.pick(casegen.ACTIONS[action])
        identity = []
        for k in range(draw.int(4, 10)):
            a = draw.pick(casegen.ACTION_NAMES)
            identity.append(
                {
                    "name": f"p{i}-{k}",
                    "policy": casegen.policy(draw, a, draw.pick(casegen.ACTIONS[a]), allow_bias=True),
                }
            )
        identity.append(
            {
                "name": f"p{i}-base",
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "s3:*",
                                "sqs:*",
                                "kms:Decrypt",
                                "dynamodb:GetItem",
                                "sns:*",
                                "lambda:*",
                                "secretsmanager:*",
                                "ec2:Describe*",
                                "iam:PassRole",
                            ],
                            "Resource": "*",
                        }
                    ],
                },
            }
        )
        scps = [
            {
                "orgIdentifier": f"l{j}",
                "policies": [{"name": f"scp{j}", "policy": casegen.full_access(draw, action, resource)}],
            }
            for j in range(3)
        ]
        boundary = (
            [{"name": "b", "policy": casegen.policy(draw, action, resource, allow_bias=True)}]
            if draw.int(0, 2) == 0
            else []
        )
        out.append(
            {
                "principal": principal,
                "identityPolicies": identity,
                "serviceControlPolicies": scps,
                "resourceControlPolicies": [],
                "permissionBoundaryPolicies": boundary,
            }
        )
    return out


def requests(rnd: random.Random, principals: int, n: int) -> list[tuple[int, str, str, dict[str, object]]]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        draw = casegen.Draw(rnd)
        p = rnd.randrange(principals)
        action = draw.pick(casegen.ACTION_NAMES)
        resource = draw.pick(casegen.ACTIONS[action])
        ctx = casegen.context(draw, casegen.PRINCIPALS[0])
        ctx["aws:RequestId"] = str(len(out))  # every request distinct
        key = json.dumps([p, action, resource, ctx], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        out.append((p, action, resource, ctx))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--oracle-requests", type=int, default=3000)
    parser.add_argument("--principals", type=int, default=40)
    args = parser.parse_args()
    rnd = random.Random(20261128)
    principals = build_principals(rnd, args.principals)
    reqs = requests(rnd, len(principals), args.requests)

    t0 = time.perf_counter()
    compiled = []
    for p in principals:
        parse = lambda d, k: parse_policy(d["policy"], name=d["name"], policy_type=k)  # noqa: E731
        ps = PolicySet(
            identity=tuple(parse(d, "identity") for d in p["identityPolicies"]),  # type: ignore[attr-defined]
            boundary=tuple(parse(d, "boundary") for d in p["permissionBoundaryPolicies"]),  # type: ignore[attr-defined]
            scps=tuple(
                tuple(parse(d, "scp") for d in lvl["policies"]) for lvl in p["serviceControlPolicies"]
            ),  # type: ignore[attr-defined]
        )
        compiled.append(CompiledPolicySet(ps))
    compile_s = time.perf_counter() - t0

    prepared = [
        (compiled[p], Request(str(principals[p]["principal"]), a, r, None, RequestContext(ctx)))  # type: ignore[arg-type]
        for p, a, r, ctx in reqs
    ]
    # CPU time of this process (one core): the machine may be shared, wall time would measure the neighbours.
    t0 = time.process_time()
    outcomes: dict[str, int] = {}
    for cps, req in prepared:
        d = cps.decide(req, explain=False)
        outcomes[d.decision] = outcomes.get(d.decision, 0) + 1
    ours_s = time.process_time() - t0
    ours_rate = len(prepared) / ours_s
    t0 = time.process_time()
    for cps, req in prepared[:20000]:
        cps.decide(req, explain=True)
    explain_rate = min(20000, len(prepared)) / (time.process_time() - t0)

    oracle_rate = None
    missing = oracle.available()
    if not missing:
        sims = []
        for p, a, r, ctx in reqs[: args.oracle_requests]:
            pr = principals[p]
            sims.append(
                {
                    "request": {
                        "principal": pr["principal"],
                        "action": a,
                        "resource": {"resource": r, "accountId": casegen.A},
                        "contextVariables": ctx,
                    },
                    "identityPolicies": pr["identityPolicies"],
                    "serviceControlPolicies": pr["serviceControlPolicies"],
                    "resourceControlPolicies": [],
                    "permissionBoundaryPolicies": pr["permissionBoundaryPolicies"],
                }
            )
        results, seconds = oracle.run(sims)
        answered = sum(1 for x in results if not x["error"])
        oracle_rate = len(sims) / seconds
        print(
            f"iam-simulate: {len(sims)} requests ({answered} answered) in {seconds:.2f} s CPU -> {oracle_rate:,.0f} decisions/s"
        )
    else:
        print(f"iam-simulate not run: {missing}")
    print(
        f"ringfence: compiled {len(compiled)} policy sets in {compile_s * 1000:.1f} ms; "
        f"{len(prepared)} distinct requests in {ours_s:.2f} s CPU -> {ours_rate:,.0f} decisions/s (one core)"
    )
    print(f"ringfence with explanations (statements named): {explain_rate:,.0f} decisions/s")
    # Per outcome: an allow has to scan every layer, a deny can stop early; time each class on its own.
    by_outcome: dict[str, list[tuple[CompiledPolicySet, Request]]] = {}
    for cps, req in prepared:
        by_outcome.setdefault(cps.decide(req, explain=False).decision, []).append((cps, req))
    for outcome, group in sorted(by_outcome.items()):
        t0 = time.process_time()
        for cps, req in group:
            cps.decide(req, explain=False)
        rate = len(group) / max(time.process_time() - t0, 1e-9)
        print(f"  {outcome}: {len(group)} requests -> {rate:,.0f} decisions/s")
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    if oracle_rate:
        print(f"speed-up: {ours_rate / oracle_rate:,.0f}x")


if __name__ == "__main__":
    main()
