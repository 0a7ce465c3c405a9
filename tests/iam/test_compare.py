"""Policy comparison (`iam compare`) and `iam check-not-granted`: decided with z3 over the whole request
space, every "more access" with an example the evaluator confirms, every "no new access" checked against
the evaluator on requests built from the policies' own values."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.iam.compare import PermissionSet, compare, not_granted
from ringfence.iam.conditions import RequestContext
from ringfence.iam.evaluator import CompiledPolicySet, PolicySet, Request
from ringfence.iam.policy import parse_policy
from tests.conftest import ROOT

BUCKET = "arn:aws:s3:::reports"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _identity(*statements: dict[str, Any], name: str = "p") -> PermissionSet:
    return PermissionSet(name, (parse_policy(json.dumps(_doc(*statements)), name=name),))


def _resource(*statements: dict[str, Any], name: str = "p") -> PermissionSet:
    policy = parse_policy(json.dumps(_doc(*statements)), name=name, policy_type="resource")
    return PermissionSet(name, (policy,), resource=True)


READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}


@pytest.mark.parametrize(
    ("old", "new", "verdict", "action"),
    [
        # a wider action pattern
        ([READ], [{**READ, "Action": "s3:Get*"}], "more-access", "s3:get"),
        # a wider resource
        ([READ], [{**READ, "Resource": "arn:aws:s3:::*"}], "more-access", "s3:getobject"),
        # a condition dropped
        (
            [{**READ, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}],
            [READ],
            "more-access",
            "s3:getobject",
        ),
        # a deny removed
        (
            [READ, {"Effect": "Deny", "Action": "s3:*", "Resource": f"{BUCKET}/secret/*"}],
            [READ],
            "more-access",
            "s3:getobject",
        ),
        # the same grants written otherwise: no new access
        ([READ], [{**READ, "Action": ["s3:GetObject"], "Sid": "Other"}], "no-new-access", None),
        # narrower: no new access
        ([{**READ, "Action": "s3:Get*"}], [READ], "no-new-access", None),
        # a condition added: no new access
        ([READ], [{**READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}], "no-new-access", None),
        # NotAction that looks narrow is everything else
        ([READ], [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "more-access", None),
    ],
)
def test_identity_policies(old: list[Any], new: list[Any], verdict: str, action: str | None) -> None:
    answer = compare(_identity(*old, name="old"), _identity(*new, name="new"))
    assert answer.verdict == verdict, answer.reason
    if verdict == "more-access":
        assert answer.example is not None
        if action is not None:
            assert answer.example.action.lower().startswith(action)
        # the example is allowed by NEW and refused by OLD, as the evaluator decides
        req = answer.example.request(None)
        assert _decide(new, req) is True
        assert _decide(old, req) is False
        assert answer.statements and answer.statements[0].policy == "new"
    else:
        assert answer.example is None


def _decide(statements: list[Any], req: Request) -> bool | None:
    policy = parse_policy(json.dumps(_doc(*statements)), name="x")
    return CompiledPolicySet(PolicySet(identity=(policy,))).decide(req, explain=False).allowed


def test_a_boundary_caps_what_a_new_policy_adds() -> None:
    boundary = parse_policy(json.dumps(_doc(READ)), name="boundary", policy_type="boundary")
    wide = parse_policy(json.dumps(_doc({"Effect": "Allow", "Action": "*", "Resource": "*"})), name="admin")
    old = PermissionSet("role", (parse_policy(json.dumps(_doc(READ)), name="read"),), (boundary,))
    new = PermissionSet("role", (wide,), (boundary,))
    assert compare(old, new).verdict == "no-new-access"
    assert compare(old, PermissionSet("role", (wide,))).verdict == "more-access"


def test_a_resource_policy_opened_to_an_organisation_lets_other_accounts_in() -> None:
    account = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    org = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    answer = compare(_resource(account, name="old"), _resource(org, name="new"))
    assert answer.verdict == "more-access"
    assert answer.example is not None
    # an authenticated caller of the organisation from an account the old policy does not name: never an
    # anonymous one (it carries no organisation)
    assert answer.example.principal != "anonymous"
    assert ":111122223333:" not in answer.example.principal
    assert answer.example.context.get("aws:principalorgid") == "o-abc123"
    # the other way round, the named account may be outside the organisation
    back = compare(_resource(org, name="old"), _resource(account, name="new"))
    assert back.verdict == "more-access"
    assert back.example is not None and ":111122223333:" in back.example.principal


def test_a_trust_policy_that_admits_another_service() -> None:
    def trust(service: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}

    old = _resource(trust("lambda.amazonaws.com"))
    assert compare(old, _resource(trust("lambda.amazonaws.com"))).verdict == "no-new-access"
    answer = compare(old, _resource(trust("ec2.amazonaws.com")))
    assert answer.verdict == "more-access"
    assert answer.example is not None and answer.example.principal == "ec2.amazonaws.com"


def test_what_is_not_read_in_full_is_unknown_never_no_new_access() -> None:
    broken = parse_policy('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"', name="broken")
    answer = compare(_identity(READ), PermissionSet("broken", (broken,)))
    assert answer.verdict == "unknown" and "broken" in answer.reason
    unread = PermissionSet("role", (), unreadable=("role: the policy text is not known before apply",))
    assert compare(_identity(READ), unread).verdict == "unknown"
    assert not_granted(unread, ["s3:GetObject"]).verdict == "unknown"


def test_a_solver_that_gives_up_is_unknown() -> None:
    many = [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/{i}/*",
            "Condition": {"StringLike": {"aws:UserAgent": f"*{i}*{i + 1}*"}},
        }
        for i in range(40)
    ]
    answer = compare(_identity(*many[:20]), _identity(*many), timeout_ms=1)
    assert answer.verdict in ("unknown", "more-access")
    if answer.verdict == "unknown":
        assert "solver" in answer.reason


@pytest.mark.parametrize(
    ("actions", "resources", "verdict"),
    [
        (["s3:GetObject"], [], "granted"),
        (["s3:Get*"], [], "granted"),
        (["s3:DeleteObject"], [], "not-granted"),
        (["iam:*", "s3:Put*"], [], "not-granted"),
        (["s3:GetObject"], ["arn:aws:s3:::other/*"], "not-granted"),
        (["s3:GetObject"], [f"{BUCKET}/2026/*"], "granted"),
    ],
)
def test_check_not_granted(actions: list[str], resources: list[str], verdict: str) -> None:
    answer = not_granted(_identity(READ), actions, resources)
    assert answer.verdict == verdict, answer.reason
    if verdict == "granted":
        assert answer.example is not None
        assert (
            CompiledPolicySet(PolicySet(identity=_identity(READ).policies))
            .decide(answer.example.request(None), explain=False)
            .allowed
        )


# -- the differential check: "no new access" holds on every request built from the policies' values ------
_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:Get*", "s3:*", "s3:ListBucket"]
_RESOURCES = [f"{BUCKET}/*", f"{BUCKET}/a/*", "arn:aws:s3:::*", BUCKET, "*"]
_CONDITIONS: list[dict[str, Any]] = [
    {},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"StringEquals": {"aws:PrincipalTag/team": "data"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "data"}},
]
_statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
        "Action": st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=2, unique=True),
        "Resource": st.sampled_from(_RESOURCES),
        "Condition": st.sampled_from(_CONDITIONS),
    }
).map(lambda s: {k: v for k, v in s.items() if v != {}})


def _requests() -> list[Request]:
    actions = ["s3:GetObject", "s3:PutObject", "s3:GetBucketAcl", "s3:ListBucket", "s3:DeleteObject"]
    resources = [f"{BUCKET}/a/x", f"{BUCKET}/b", BUCKET, "arn:aws:s3:::other/c"]
    contexts: list[dict[str, Any]] = [
        {},
        {"aws:SecureTransport": "true"},
        {"aws:SecureTransport": "false", "aws:SourceIp": "10.1.2.3"},
        {"aws:SourceIp": "192.0.2.1", "aws:PrincipalTag/team": "data"},
        {"aws:PrincipalTag/team": "web", "aws:SecureTransport": "true", "aws:SourceIp": "10.9.9.9"},
    ]
    return [
        Request("arn:aws:iam::111122223333:role/app", a, r, None, RequestContext(c, complete=True))
        for a, r, c in itertools.product(actions, resources, contexts)
    ]


REQUESTS = _requests()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=st.lists(_statement, min_size=1, max_size=3),
    new=st.lists(_statement, min_size=1, max_size=3),
)
def test_no_new_access_is_never_contradicted_by_the_evaluator(old: list[Any], new: list[Any]) -> None:
    answer = compare(_identity(*old, name="old"), _identity(*new, name="new"))
    old_set = CompiledPolicySet(PolicySet(identity=_identity(*old).policies))
    new_set = CompiledPolicySet(PolicySet(identity=_identity(*new).policies))
    if answer.verdict == "no-new-access":
        for req in REQUESTS:
            if new_set.decide(req, explain=False).allowed:
                assert old_set.decide(req, explain=False).allowed, (req, old, new)
    elif answer.verdict == "more-access":
        assert answer.example is not None
        req = answer.example.request(None)
        assert new_set.decide(req, explain=False).allowed is True
        assert old_set.decide(req, explain=False).allowed is False


# -- the commands --------------------------------------------------------------------------------------------
def _ringfence(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1"},
    )


def test_compare_files_exits_1_only_with_expect(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(json.dumps(_doc(READ)), encoding="utf-8")
    write = {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"}
    (tmp_path / "new.json").write_text(json.dumps(_doc(READ, write), indent=1), encoding="utf-8")
    done = _ringfence("iam", "compare", "old.json", "new.json", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["result"] == "more-access"
    (change,) = report["changes"]
    assert change["example"]["action"] == "s3:PutObject"
    assert change["statements"][0]["sid"] == "Write"
    assert change["statements"][0]["line"] > 1
    gated = _ringfence("iam", "compare", "old.json", "new.json", "--expect", "no-new-access", cwd=tmp_path)
    assert gated.returncode == 1
    assert "MORE ACCESS" in gated.stdout and "s3:PutObject" in gated.stdout
    back = _ringfence("iam", "compare", "new.json", "old.json", "--expect", "no-new-access", cwd=tmp_path)
    assert back.returncode == 0 and "NO NEW ACCESS" in back.stdout
    bad = _ringfence("iam", "compare", "old.json", "missing.json", cwd=tmp_path)
    assert bad.returncode == 2 and "missing.json" in bad.stderr and "Traceback" not in bad.stderr


ROLE_TF = """
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "app" {
  name = "app"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Read", Effect = "Allow", Action = ACTIONS, Resource = "arn:aws:s3:::reports/*" }]
  })
}
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_compare_two_git_revisions_of_a_terraform_estate(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    _git(tmp_path, "init", "-q")
    (infra / "main.tf").write_text(ROLE_TF.replace("ACTIONS", '["s3:GetObject"]'), encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "one")
    (infra / "main.tf").write_text(
        ROLE_TF.replace("ACTIONS", '["s3:GetObject", "s3:DeleteObject"]'), encoding="utf-8"
    )
    extra = 'resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n'
    (infra / "users.tf").write_text(extra, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "two")
    done = _ringfence("iam", "compare", "HEAD~1:infra", "HEAD:infra", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["result"] == "more-access"
    by_subject = {c["subject"]: c for c in report["changes"]}
    assert set(by_subject) == {"aws_iam_role.app"}, by_subject  # the new user holds no policy: no access
    assert by_subject["aws_iam_role.app"]["example"]["action"] == "s3:DeleteObject"
    # the working tree against the last revision: the same
    same = _ringfence("iam", "compare", "HEAD:infra", "infra", "--expect", "no-new-access", cwd=tmp_path)
    assert same.returncode == 0, same.stdout + same.stderr
    nope = _ringfence("iam", "compare", "nope:infra", "infra", cwd=tmp_path)
    assert nope.returncode == 2 and "not a git revision" in nope.stderr


def test_a_policy_not_known_before_apply_is_unknown_and_fails_the_gate(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(ROLE_TF.replace("ACTIONS", '["s3:GetObject"]'), encoding="utf-8")
    later = tmp_path / "later"
    later.mkdir()
    text = ROLE_TF.replace("ACTIONS", "var.actions") + 'variable "actions" {\n  type = list(string)\n}\n'
    (later / "main.tf").write_text(text, encoding="utf-8")
    done = _ringfence(
        "iam", "compare", "infra", "later", "--expect", "no-new-access", "--format", "json", cwd=tmp_path
    )
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["result"] == "unknown"
    assert any(c["result"] == "unknown" for c in report["changes"])


def test_check_not_granted_over_an_estate(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROLE_TF.replace("ACTIONS", '["s3:*"]'), encoding="utf-8")
    done = _ringfence(
        "iam",
        "check-not-granted",
        ".",
        "--action",
        "s3:DeleteObject",
        "--expect",
        "not-granted",
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "GRANTED" in done.stdout and "aws_iam_role.app" in done.stdout
    fine = _ringfence(
        "iam", "check-not-granted", ".", "--action", "iam:CreateUser", "--expect", "not-granted", cwd=tmp_path
    )
    assert fine.returncode == 0 and "NOT GRANTED" in fine.stdout
