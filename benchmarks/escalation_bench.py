"""Escalation analysis of a generated estate: 2,000 principals and 5,000 policies.

The generator writes Terraform (users, roles, customer managed policies with their attachments, inline
policies, boundaries, trusts, and functions and instances that run as roles) and prints its mix; the estate
is read through the Terraform source (not timed), then ``find_escalations`` runs on one core (timed, CPU
seconds). The benchmark reports the graph's nodes and edges and the paths found.

    .venv/bin/python benchmarks/escalation_bench.py [--principals 2000] [--policies 5000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
# (share of principals, what its policy grants): the documented paths' actions with scoping, conditions
# and boundaries varied, next to ordinary workload grants.
MIX = (
    (0.62, "workload"),  # S3/DynamoDB/SQS on named resources
    (0.06, "path-wide"),  # a documented path's actions on every resource
    (0.06, "path-scoped"),  # the same actions scoped to a harmless user, role or group
    (0.04, "path-condition"),  # the same behind an MFA or region condition
    (0.03, "path-bounded"),  # the same under a boundary that caps the end state
    (0.12, "assume"),  # sts:AssumeRole on a few roles
    (0.05, "pass"),  # iam:PassRole with a service's create actions
    (0.02, "admin"),  # AdministratorAccess
)
PATH_ACTIONS = (
    ["iam:CreateAccessKey"],
    ["iam:PutUserPolicy"],
    ["iam:AttachUserPolicy"],
    ["iam:CreateLoginProfile"],
    ["iam:UpdateAssumeRolePolicy"],
    ["iam:AddUserToGroup"],
    ["iam:CreatePolicyVersion"],
    ["iam:PutRolePolicy", "sts:AssumeRole"],
    ["lambda:UpdateFunctionCode"],
    ["ssm:SendCommand"],
)
SERVICES = (
    ("ec2.amazonaws.com", ["ec2:RunInstances"]),
    ("lambda.amazonaws.com", ["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ("glue.amazonaws.com", ["glue:CreateDevEndpoint"]),
)


def _doc(statements: list[dict[str, object]]) -> str:
    return json.dumps(json.dumps({"Version": "2012-10-17", "Statement": statements}))


def generate(folder: Path, principals: int, policies: int, seed: int) -> Counter[str]:
    rnd = random.Random(seed)
    n_roles = principals * 2 // 5
    n_users = principals - n_roles
    users = [f"u{i}" for i in range(n_users)]
    roles = [f"r{i}" for i in range(n_roles)]
    mix: Counter[str] = Counter()
    out: list[str] = ['provider "aws" {\n  region = "us-east-1"\n}']
    out.append(
        f'resource "aws_iam_policy" "small_boundary" {{\n  name = "small_boundary"\n  policy = {_doc([{"Effect": "Allow", "Action": ["iam:*", "s3:GetObject"], "Resource": "*"}])}\n}}'
    )
    for g in range(20):
        out.append(f'resource "aws_iam_group" "g{g}" {{\n  name = "g{g}"\n}}')
    for r in roles:
        roll = rnd.random()
        if roll < 0.5:
            service = rnd.choice(SERVICES)[0]
            principal: object = {"Service": service}
        elif roll < 0.8:
            principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        else:
            principal = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{rnd.choice(roles)}"}
        trust = _doc([{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}])
        out.append(f'resource "aws_iam_role" "{r}" {{\n  name = "{r}"\n  assume_role_policy = {trust}\n}}')
    for i in range(10):
        role = roles[i * 7]
        out.append(
            f'resource "aws_lambda_function" "f{i}" {{\n  function_name = "f{i}"\n  role = aws_iam_role.{role}.arn\n'
            '  handler = "h"\n  runtime = "python3.12"\n  filename = "f.zip"\n}'
        )
    # Grants per principal; the first policy of each is inline, the rest customer managed and attached.
    holders = [("user", u) for u in users] + [("role", r) for r in roles]
    per = max(1, policies // len(holders))
    extra = policies - per * len(holders)
    count = 0
    for index, (kind, name) in enumerate(holders):
        roll, acc, what = rnd.random(), 0.0, "workload"
        for share, label in MIX:
            acc += share
            if roll < acc:
                what = label
                break
        mix[what] += 1
        statements = _grants(rnd, what, kind, name, users, roles)
        boundary = ""
        if what == "path-bounded":
            boundary = "  permissions_boundary = aws_iam_policy.small_boundary.arn\n"
        n = per + (1 if index < extra else 0)
        for k in range(n):
            stmts = statements if k == 0 else [_workload(rnd)]
            pname = f"{name}_p{k}"
            count += 1
            if k == 0:
                out.append(
                    f'resource "aws_iam_{kind}_policy" "{pname}" {{\n  name = "{pname}"\n'
                    f"  {kind} = aws_iam_{kind}.{name}.name\n  policy = {_doc(stmts)}\n}}"
                )
            else:
                out.append(
                    f'resource "aws_iam_policy" "{pname}" {{\n  name = "{pname}"\n  policy = {_doc(stmts)}\n}}'
                )
                out.append(
                    f'resource "aws_iam_{kind}_policy_attachment" "{pname}" {{\n  {kind} = aws_iam_{kind}.{name}.name\n'
                    f"  policy_arn = aws_iam_policy.{pname}.arn\n}}"
                )
        if what == "admin":
            out.append(
                f'resource "aws_iam_{kind}_policy_attachment" "{name}_admin" {{\n  {kind} = aws_iam_{kind}.{name}.name\n'
                f'  policy_arn = "{ADMIN}"\n}}'
            )
        if kind == "user":
            out.append(f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n{boundary}}}')
        elif boundary:
            out = [
                line.replace(f'  name = "{name}"\n', f'  name = "{name}"\n{boundary}', 1)
                if line.startswith(f'resource "aws_iam_role" "{name}" ')
                else line
                for line in out
            ]
    (folder / "main.tf").write_text("\n".join(out) + "\n")
    mix["policies"] = count
    return mix


def _workload(rnd: random.Random) -> dict[str, object]:
    service, action = rnd.choice(
        (("s3", "s3:GetObject"), ("dynamodb", "dynamodb:Query"), ("sqs", "sqs:SendMessage"))
    )
    return {
        "Effect": "Allow",
        "Action": action,
        "Resource": f"arn:aws:{service}:::data-{rnd.randrange(100)}/*",
    }


def _grants(
    rnd: random.Random, what: str, kind: str, name: str, users: list[str], roles: list[str]
) -> list[dict[str, object]]:
    if what in ("workload", "admin"):
        return [_workload(rnd)]
    if what == "assume":
        targets = [f"arn:aws:iam::{ACCOUNT}:role/{rnd.choice(roles)}" for _ in range(3)]
        return [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": targets}]
    if what == "pass":
        service, actions = rnd.choice(SERVICES)
        return [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": service}},
            },
            {"Effect": "Allow", "Action": actions, "Resource": "*"},
        ]
    actions = rnd.choice(PATH_ACTIONS)
    statement: dict[str, object] = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    if what == "path-scoped":
        statement["Resource"] = f"arn:aws:iam::{ACCOUNT}:user/{rnd.choice(users)}-harmless"
    if what == "path-condition":
        statement["Condition"] = rnd.choice(
            (
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            )
        )
    return [statement]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--principals", type=int, default=2000)
    parser.add_argument("--policies", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from ringfence.iam.engine import Engine
    from ringfence.iam.escalation import analyse
    from ringfence.sources import LoadOptions, load_estate

    with tempfile.TemporaryDirectory() as tmp:
        mix = generate(Path(tmp), args.principals, args.policies, args.seed)
        print(f"mix: {args.principals} principals, {mix.pop('policies')} policies;", end=" ")
        print(", ".join(f"{label} {mix[label] / args.principals:.0%}" for _, label in MIX))
        started = time.perf_counter()
        estate = load_estate([tmp], LoadOptions(account_id=ACCOUNT))
        print(
            f"load (not timed below): {time.perf_counter() - started:.1f} s, {len(estate.resources)} resources"
        )
    cpu = time.process_time()
    findings, graph = analyse(Engine(estate))
    seconds = time.process_time() - cpu
    statuses = Counter(f.status for f in findings)
    lengths = Counter(len(f.steps) for f in findings)
    print(
        f"escalation analysis: {seconds:.1f} CPU s; graph searched: "
        f"{graph.graph.number_of_nodes()} nodes, {graph.graph.number_of_edges()} edges "
        f"({sum(len(d['ways']) for _, _, d in graph.graph.edges(data=True))} edge kinds)"
    )
    print(
        f"paths: {len(findings)} principals ({statuses['allowed']} allowed, {statuses['unknown']} unknown); "
        "steps: " + ", ".join(f"{k}: {v}" for k, v in sorted(lengths.items()))
    )
    if seconds > 30:
        sys.exit("over the 30 s budget")


if __name__ == "__main__":
    main()
