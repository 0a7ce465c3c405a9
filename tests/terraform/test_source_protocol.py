"""The source protocol: the registry picks the source of each target, the options reach it, and an estate
merged from several accounts keeps each resource in its own account."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ringfence import sources
from ringfence.checks.iam import TRUST_SCOPED
from ringfence.engine.pipeline import ScanOptions, scan
from ringfence.engine.runner import run_checks
from ringfence.iam import Engine
from ringfence.model import Estate, Provenance, Resource
from ringfence.reports.json_report import report
from ringfence.sources import LoadOptions, SourceError, load_estate, source_for

HUB = "111122223333"
SPOKE = "444455556666"


def role(name: str, trusted: str) -> str:
    return f"""
resource "aws_iam_role" "{name}" {{
  name = "{name}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ AWS = "{trusted}" }} }}]
  }})
}}
"""


def account_folder(base: Path, name: str, account: str, body: str) -> Path:
    """A Terraform root whose literal ARNs name ``account`` most often (so the source reads its account
    from them; ``body`` must not name another account as often)."""
    folder = base / name
    folder.mkdir(parents=True)
    marker = f"""
resource "aws_sns_topic" "{name}" {{
  name              = "{name}"
  kms_master_key_id = "arn:aws:kms:eu-west-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}}
"""
    (folder / "main.tf").write_text('provider "aws" { region = "eu-west-1" }\n' + marker + body, "utf-8")
    return folder


def test_each_target_is_read_by_the_source_that_recognises_it(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "main.tf").write_text('resource "aws_sqs_queue" "q" { name = "q" }\n', "utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}}), "utf-8")
    assert source_for(str(tmp_path / "code")).name == "terraform"
    assert source_for(str(tmp_path / "code" / "main.tf")).name == "terraform"
    assert source_for(str(plan)).name == "terraform-plan"
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "p.json").write_text(plan.read_text("utf-8"), "utf-8")
    assert source_for(str(tmp_path / "plans")).name == "terraform-plan"


def test_an_input_no_source_reads_is_refused_naming_what_is_supported(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text("Resources: {}\n", "utf-8")
    with pytest.raises(SourceError) as refused:
        load_estate([str(template)])
    # An empty Resources mapping is no template: the message names every kind of input that is read.
    assert "Terraform file" in str(refused.value) and "plan JSON" in str(refused.value)
    assert "CloudFormation template" in str(refused.value) and "Kubernetes manifest" in str(refused.value)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.md").write_text("nothing\n", "utf-8")
    with pytest.raises(SourceError, match="nothing to scan"):
        load_estate([str(tmp_path / "notes")])
    with pytest.raises(SourceError, match="no source reads gcp:// targets"):
        load_estate(["gcp://project"])


@dataclass
class Recording:
    """A source of ``aws://recorded`` that keeps the options it was given (placed before the live source)."""

    name: str = "test"
    seen: list[LoadOptions] = field(default_factory=list)

    def recognises(self, target: str) -> bool:
        return target == "aws://recorded"

    def load(self, target: str, options: LoadOptions) -> Estate:
        self.seen.append(options)
        queue = Resource(
            "arn:aws:sqs:eu-west-1:777788889999:q",
            "aws_sqs_queue",
            {"name": "q"},
            Provenance("aws", account_id="777788889999", region="eu-west-1"),
        )
        return Estate(resources=(queue,), account_id=HUB)


def test_a_source_added_to_the_registry_is_used_and_given_the_scan_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = Recording()
    monkeypatch.setattr(sources, "SOURCES", (recording, *sources.SOURCES))
    monkeypatch.chdir(tmp_path)
    options = ScanOptions(
        role_arns=(f"arn:aws:iam::{SPOKE}:role/audit",), org_role="audit", regions=("eu-west-1",)
    )
    outcome = scan(["aws://recorded"], options)
    (given,) = recording.seen
    assert given.role_arns == (f"arn:aws:iam::{SPOKE}:role/audit",)
    assert given.org_role == "audit" and given.regions == ("eu-west-1",)
    # The account a resource was read from is one of the estate's accounts, and the resource's.
    assert outcome.estate.accounts == (HUB, "777788889999")
    (queue,) = outcome.estate.resources
    assert outcome.estate.placement(queue.address) == ("777788889999", "eu-west-1")
    assert report(outcome.result)["accounts"] == [HUB, "777788889999"]


def test_two_accounts_merged_keep_their_own_accounts(tmp_path: Path) -> None:
    hub = account_folder(tmp_path, "hub", HUB, role("deploy", f"arn:aws:iam::{SPOKE}:root"))
    spoke = account_folder(
        tmp_path,
        "spoke",
        SPOKE,
        role("local", f"arn:aws:iam::{SPOKE}:root") + role("from_hub", f"arn:aws:iam::{HUB}:root"),
    )
    estate = load_estate([str(hub), str(spoke)])
    assert estate.account_id == HUB
    assert estate.accounts == (HUB, SPOKE)
    assert f"account id {HUB} taken from the ARNs in the code (use --account-id to set it)" in estate.notes
    assert f"account id {SPOKE} taken from the ARNs in the code (use --account-id to set it)" in estate.notes
    by_name = {r.get("name"): r for r in estate.of_kind("aws_iam_role")}
    assert estate.account_of(by_name["deploy"]) == HUB
    assert estate.account_of(by_name["local"]) == SPOKE
    assert by_name["local"].arn == f"arn:aws:iam::{SPOKE}:role/local"

    findings = {f.resource: f.message for f in run_checks(estate, checks=[TRUST_SCOPED]).findings}
    # A role trusting its own account is not cross-account; one trusting the other account is.
    assert sorted(findings) == ["aws_iam_role.deploy", "aws_iam_role.from_hub"]
    assert f"trusts foreign account {HUB}" in findings["aws_iam_role.from_hub"]
    assert f"trusts foreign account {SPOKE}" in findings["aws_iam_role.deploy"]


def test_cross_account_assume_role_needs_both_sides(tmp_path: Path) -> None:
    caller = f"""
resource "aws_iam_user" "ci" {{
  name = "ci"
}}
resource "aws_iam_user_policy" "assume" {{
  user   = aws_iam_user.ci.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::{SPOKE}:role/*" }}]
  }})
}}
resource "aws_iam_user" "idle" {{
  name = "idle"
}}
"""
    hub = account_folder(tmp_path, "hub", HUB, caller)
    spoke = account_folder(
        tmp_path,
        "spoke",
        SPOKE,
        role("from_hub", f"arn:aws:iam::{HUB}:root") + role("local", f"arn:aws:iam::{SPOKE}:root"),
    )
    engine = Engine(load_estate([str(hub), str(spoke)]))
    from_hub = f"arn:aws:iam::{SPOKE}:role/from_hub"
    local = f"arn:aws:iam::{SPOKE}:role/local"
    assert engine.can("ci", "sts:AssumeRole", from_hub).allowed is True
    # Cross-account: the trust policy alone is not enough, the caller's own policies must allow it too.
    assert engine.can("idle", "sts:AssumeRole", from_hub).allowed is False
    # The spoke's role trusts only the spoke.
    assert engine.can("ci", "sts:AssumeRole", local).allowed is False


def plan(path: Path, account: str, resources: list[dict[str, object]]) -> Path:
    marker = {
        "address": f"aws_sns_topic.{path.stem}",
        "mode": "managed",
        "type": "aws_sns_topic",
        "name": path.stem,
        "values": {"name": path.stem, "arn": f"arn:aws:sns:eu-west-1:{account}:{path.stem}"},
    }
    data = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [marker, *resources]}}}
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_plans_of_two_accounts_merged(tmp_path: Path) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{SPOKE}:root"},
            }
        ],
    }
    spoke_role = {
        "address": "aws_iam_role.local",
        "mode": "managed",
        "type": "aws_iam_role",
        "name": "local",
        "values": {"name": "local", "assume_role_policy": json.dumps(trust)},
    }
    hub = plan(tmp_path / "hub.json", HUB, [])
    (tmp_path / "spoke").mkdir()
    spoke = plan(tmp_path / "spoke" / "spoke.json", SPOKE, [spoke_role])
    estate = load_estate([str(hub), str(spoke)])
    assert estate.accounts == (HUB, SPOKE)
    (local,) = estate.of_kind("aws_iam_role")
    assert estate.account_of(local) == SPOKE and local.arn == f"arn:aws:iam::{SPOKE}:role/local"
    assert not run_checks(estate, checks=[TRUST_SCOPED]).findings
    # The same role read alone in the hub's estate is trusted by another account.
    alone = load_estate([str(spoke)], LoadOptions(account_id=HUB))
    assert [f.message for f in run_checks(alone, checks=[TRUST_SCOPED]).findings] == [
        f"aws_iam_role.local trusts foreign account {SPOKE}"
    ]


def test_reports_name_the_account_of_each_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ringfence.reports import asff

    hub = account_folder(tmp_path, "hub", HUB, role("deploy", f"arn:aws:iam::{SPOKE}:root"))
    spoke = account_folder(
        tmp_path,
        "spoke",
        SPOKE,
        role("local", f"arn:aws:iam::{SPOKE}:root") + role("from_hub", f"arn:aws:iam::{HUB}:root"),
    )
    monkeypatch.chdir(tmp_path)
    outcome = scan([str(hub), str(spoke)], ScanOptions(fail_on="none"))
    shown = report(outcome.result)
    assert shown["account_id"] == HUB and shown["accounts"] == [HUB, SPOKE]
    trust = {
        f["Resources"][0]["Id"]: f["AwsAccountId"]
        for f in json.loads(asff.render(outcome.result))["Findings"]
        if f["GeneratorId"] == "iam.trust-policy-scoped"
    }
    assert trust == {"aws_iam_role.deploy": HUB, "aws_iam_role.from_hub": SPOKE}


def test_each_account_must_contain_the_account_controls(tmp_path: Path) -> None:
    from ringfence.checks.estate_controls import NO_GUARDDUTY

    hub = account_folder(tmp_path, "hub", HUB, 'resource "aws_guardduty_detector" "main" { enable = true }\n')
    spoke = account_folder(tmp_path, "spoke", SPOKE, "")
    estate = load_estate([str(hub), str(spoke)])
    assert [f.resource for f in run_checks(estate, checks=[NO_GUARDDUTY]).findings] == [SPOKE]
    assert not run_checks(load_estate([str(hub)]), checks=[NO_GUARDDUTY]).findings


def test_live_account_targets_go_to_the_aws_source() -> None:
    assert source_for("aws://").name == "aws"
    assert source_for("aws://audit").name == "aws"
