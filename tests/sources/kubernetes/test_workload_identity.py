"""Workload identity across the Kubernetes and Terraform sources: a service account acts as the IAM role of
its IRSA annotation or of an EKS Pod Identity association, `iam can` and `iam escalations` answer for it,
and the role's trust decides which service accounts can take it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ringfence.checks.catalogue import by_id
from ringfence.cli.app import app
from ringfence.engine.runner import run_checks
from ringfence.iam import Engine
from ringfence.iam.escalation import find_escalations
from ringfence.kubernetes.identity import admits, trust_scope
from ringfence.kubernetes.rbac import Rbac, Subject
from ringfence.model.relations import WORKLOAD_IDENTITY
from ringfence.sources import load_estate

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "kubernetes" / "workload-identity"
MANIFEST = EXAMPLE / "k8s" / "production.yaml"


def _estate():  # type: ignore[no-untyped-def]
    return load_estate([str(EXAMPLE / "tf"), str(EXAMPLE / "k8s")])


def _line_of(text: str, after: str) -> int:
    lines = MANIFEST.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i in range(start, len(lines)) if lines[i].startswith(text)) + 1


def test_the_annotation_links_the_service_account_to_the_role() -> None:
    estate = _estate()
    links = sorted((r.source, r.target) for r in estate.relations if r.kind == WORKLOAD_IDENTITY)
    assert links == [
        ("ServiceAccount/production/batch", "aws_iam_role.reports"),
        ("ServiceAccount/production/storefront", "aws_iam_role.storefront"),
    ]


def test_a_role_ref_without_api_group_is_an_input_error_and_grants_nothing() -> None:
    estate = _estate()
    errors = [e for e in estate.errors if "apiGroup" in e.message]
    assert len(errors) == 1
    assert errors[0].line == _line_of("roleRef:", "name: storefront-secrets-broken")
    assert "RoleBinding/production/storefront-secrets-broken" in errors[0].message
    assert estate.get("RoleBinding/production/storefront-secrets-broken") is not None
    rbac = Rbac(estate)
    via = {g.binding.address for g in rbac.grants_of(Subject("ServiceAccount", "storefront", "production"))}
    assert via == {"RoleBinding/production/storefront-secrets"}


def test_iam_can_answers_for_the_service_account() -> None:
    engine = Engine(_estate())
    read = engine.ask(
        "ServiceAccount/production/storefront", "s3:GetObject", "arn:aws:s3:::storefront-orders/a", {}
    )
    assert read.decision.allowed is True
    assert [s.sid for s in read.decision.statements] == ["OrdersBucketRead"]
    delete = engine.ask(
        "ServiceAccount/production/storefront", "s3:DeleteObject", "arn:aws:s3:::storefront-orders/a", {}
    )
    assert delete.decision.allowed is False
    assert "ServiceAccount/production/storefront" in [p.address for p in engine.principals()]


def test_the_trust_decides_which_service_accounts_take_the_role() -> None:
    estate = _estate()
    engine = Engine(estate)
    pinned, wide = estate.get("aws_iam_role.storefront"), estate.get("aws_iam_role.reports")
    assert pinned is not None and wide is not None
    trust = engine.resource_policy_of(pinned)
    arn = engine.principal_arn(pinned)
    assert admits(trust, arn, "production", "storefront", "111122223333").allowed is True
    assert admits(trust, arn, "production", "batch", "111122223333").allowed is False
    assert trust_scope(trust, arn, "111122223333", ("production", "storefront")).breadth == "one"
    wide_trust = engine.resource_policy_of(wide)
    assert trust_scope(wide_trust, engine.principal_arn(wide), "111122223333", None).breadth == "cluster"
    result = run_checks(estate, checks=[by_id()["iam.irsa-trust-pins-service-account"]])
    assert [(f.resource, f.status.value) for f in result.findings] == [("aws_iam_role.reports", "fail")]
    assert "ServiceAccount/production/batch" in result.findings[0].message


def test_the_deployer_reaches_the_role_through_the_namespace() -> None:
    result = run_checks(_estate(), checks=[by_id()["k8s.rbac-no-escalation-paths"]])
    messages = sorted(f.message for f in result.findings)
    assert len(messages) == 2
    assert all(m.startswith("User/dana@example.com can gain") for m in messages)
    assert any("IAM role aws_iam_role.reports of ServiceAccount/production/batch" in m for m in messages)
    assert any("read secrets in namespace production" in m for m in messages)


def test_scan_of_both_targets_reports_them_as_one_estate() -> None:
    result = CliRunner().invoke(
        app, ["scan", str(EXAMPLE / "tf"), str(EXAMPLE / "k8s"), "--format", "json", "--fail-on", "none"]
    )
    report = json.loads(result.stdout)
    rules = {(f["rule_id"], f["resource"]) for f in report["findings"]}
    assert ("iam.irsa-trust-pins-service-account", "aws_iam_role.reports") in rules
    assert ("k8s.rbac-secrets-read-restricted", "Role/production/secret-reader") in rules
    assert any("apiGroup" in e["message"] for e in report["errors"])


POD_IDENTITY = """
resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "pods.eks.amazonaws.com" },
                   Action = ["sts:AssumeRole", "sts:TagSession"] }]
  })
}

resource "aws_iam_role_policy" "worker" {
  name = "worker"
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:PutRolePolicy"], Resource = "*" }]
  })
}

resource "aws_eks_pod_identity_association" "worker" {
  cluster_name    = "main"
  namespace       = "jobs"
  service_account = "worker"
  role_arn        = aws_iam_role.worker.arn
}
"""


def test_a_pod_identity_association_links_the_service_account(tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(POD_IDENTITY)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "sa.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n  namespace: jobs\n"
    )
    estate = load_estate([str(tmp_path / "tf"), str(tmp_path / "k8s")])
    assert [(r.source, r.target) for r in estate.relations if r.kind == WORKLOAD_IDENTITY] == [
        ("ServiceAccount/jobs/worker", "aws_iam_role.worker")
    ]
    engine = Engine(estate)
    answer = engine.ask("ServiceAccount/jobs/worker", "iam:PutRolePolicy", "*", {})
    assert answer.decision.allowed is True
    escalations = {f.principal for f in find_escalations(engine)}
    assert "ServiceAccount/jobs/worker" in escalations
