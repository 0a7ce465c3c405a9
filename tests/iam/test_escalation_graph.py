"""Escalation as a graph, on Terraform fixtures read through the real source: every documented path fires
where the estate allows it, chains of several steps are found with their exact steps, and the twins that
look exploitable but are not are never reported."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.iam.engine import Engine
from ringfence.iam.escalation import Finding, Target, catalogue, find_escalations
from ringfence.iam.escalation.paths import NOT_EXPRESSIBLE
from ringfence.model import Estate

FIXTURES = Path(__file__).parent / "fixtures" / "escalation-graph"
ACCOUNT = "123456789012"
runner = CliRunner()


@cache
def estate(name: str) -> Estate:
    from ringfence.sources import LoadOptions, load_estate

    return load_estate([str(FIXTURES / name)], LoadOptions(account_id=ACCOUNT))


@cache
def found(name: str) -> dict[str, Finding]:
    return {f.principal: f for f in find_escalations(Engine(estate(name)))}


def steps(f: Finding) -> list[tuple[str, str]]:
    return [(s.path_id, s.via) for s in f.steps]


# -- every documented path ----------------------------------------------------------------------------------
ALL_IDS = sorted(p.id for p in catalogue())


def test_the_catalogue_lists_the_65_documented_paths() -> None:
    assert len(ALL_IDS) == 65 and len(set(ALL_IDS)) == 65


@pytest.mark.parametrize("path_id", ALL_IDS)
def test_every_documented_path_fires_in_its_fixture(path_id: str) -> None:
    if path_id in NOT_EXPRESSIBLE:
        pytest.skip(NOT_EXPRESSIBLE[path_id])
    principal = next(a for a in found("coverage") if a.endswith(".p_" + path_id.replace("-", "_")))
    f = found("coverage")[principal]
    assert f.reaches == "admin" and f.status == "allowed"
    ids = {s.path_id for s in f.steps} | {s.path_id for alt in f.alternatives for s in alt}
    assert path_id in ids
    assert len(f.steps) == 1


def test_the_coverage_fixture_reports_only_the_path_principals() -> None:
    assert all(".p_" in principal for principal in found("coverage"))
    assert len(found("coverage")) == 65 - len(NOT_EXPRESSIBLE)


def test_existing_resources_are_matched_by_what_they_are() -> None:
    f = found("coverage")
    assert steps(f["aws_iam_user.p_ec2instanceconnect_003"]) == [
        ("ec2instanceconnect-003", "aws_instance.box (runs as aws_iam_role.workload_admin)")
    ]
    assert steps(f["aws_iam_user.p_ssm_002"]) == [
        ("ssm-002", "aws_instance.box (runs as aws_iam_role.workload_admin)")
    ]
    assert steps(f["aws_iam_user.p_glue_002"]) == [
        ("glue-002", "aws_glue_dev_endpoint.dev (runs as aws_iam_role.workload_admin)")
    ]
    assert steps(f["aws_iam_user.p_ec2_001"]) == [("ec2-001", "aws_iam_role.svc_ec2")]
    assert f["aws_iam_user.p_ec2_001"].steps[0].action == "iam:PassRole + ec2:RunInstances"


# -- chains -------------------------------------------------------------------------------------------------
def test_assume_then_rewrite_its_own_policy() -> None:
    assert steps(found("chains")["aws_iam_user.start_two"]) == [
        ("sts-001", "aws_iam_role.rewriter"),
        ("iam-005", "aws_iam_role.rewriter (itself)"),
    ]


def test_three_hops_of_assume_role() -> None:
    f = found("chains")["aws_iam_user.start_three"]
    assert steps(f) == [
        ("sts-001", "aws_iam_role.hop_a"),
        ("sts-001", "aws_iam_role.hop_b"),
        ("sts-001", "aws_iam_role.top"),
    ]
    assert f.steps[0].resource == f"arn:aws:iam::{ACCOUNT}:role/hop_a"


def test_through_a_user_whose_keys_can_be_created() -> None:
    assert steps(found("chains")["aws_iam_user.start_keys"]) == [
        ("iam-002", "aws_iam_user.keyed"),
        ("iam-007", "aws_iam_user.keyed (itself)"),
    ]


def test_joining_a_group_that_is_not_admin_then_writing_its_own_policy() -> None:
    f = found("chains")["aws_iam_user.start_group"]
    assert steps(f) == [
        ("iam-013", "aws_iam_group.iam_self"),
        ("iam-007", "aws_iam_user.start_group (itself)"),
    ]
    assert [[s.path_id for s in alt] for alt in f.alternatives] == [["iam-013", "iam-008"]]


def test_a_condition_nobody_fixes_is_unknown_with_the_key_that_decides() -> None:
    f = found("chains")["aws_iam_user.start_mfa"]
    assert f.status == "unknown" and steps(f) == [("sts-001", "aws_iam_role.breakglass")]
    assert f.decided_by == ("aws:MultiFactorAuthPresent",)


def test_context_decides_the_unknown_step() -> None:
    eng = Engine(estate("chains"))
    yes = {f.principal: f for f in find_escalations(eng, context={"aws:MultiFactorAuthPresent": "true"})}
    no = {f.principal: f for f in find_escalations(eng, context={"aws:MultiFactorAuthPresent": "false"})}
    assert yes["aws_iam_user.start_mfa"].status == "allowed"
    assert "aws_iam_user.start_mfa" not in no


def test_a_named_principal_and_a_resource_with_an_action_as_targets() -> None:
    eng = Engine(estate("chains"))
    to_role = {
        f.principal: f for f in find_escalations(eng, target=Target(principal="aws_iam_role.payroll_reader"))
    }
    assert steps(to_role["aws_iam_user.start_reader"]) == [("sts-001", "aws_iam_role.payroll_reader")]
    to_object = {
        f.principal: f
        for f in find_escalations(
            eng, target=Target(resource="arn:aws:s3:::payroll/2026.csv", action="s3:GetObject")
        )
    }
    assert steps(to_object["aws_iam_user.start_reader"]) == [("sts-001", "aws_iam_role.payroll_reader")]
    assert to_object["aws_iam_user.start_reader"].reaches == "s3:GetObject on arn:aws:s3:::payroll/2026.csv"
    assert "aws_iam_role.payroll_reader" not in to_object  # there already: not an escalation


# -- twins --------------------------------------------------------------------------------------------------
def test_no_twin_is_reported() -> None:
    # Scoped to a harmless user, denied in the same or another policy, a condition on the service a role is
    # passed to or on the region, a boundary that caps the end state, NotAction that is not admin.
    assert found("twins") == {}


def test_an_scp_denies_the_step_but_admin_is_measured_against_its_ceiling() -> None:
    f = found("scp")
    assert "aws_iam_user.writer" not in f
    assert steps(f["aws_iam_user.key_maker"]) == [("iam-002", "aws_iam_user.chief")]


# -- CLI ----------------------------------------------------------------------------------------------------
def test_cli_json_keeps_the_contract_and_adds_fields() -> None:
    result = runner.invoke(
        app, ["iam", "escalations", str(FIXTURES / "chains"), "--account-id", ACCOUNT, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    paths = {p["principal"]: p for p in json.loads(result.output)["paths"]}
    two = paths["aws_iam_user.start_two"]
    assert two["reaches"] == "admin" and two["status"] == "allowed" and two["alternatives"] == []
    assert [(s["path_id"], s["action"], s["via"]) for s in two["steps"]] == [
        ("sts-001", "sts:AssumeRole", "aws_iam_role.rewriter"),
        ("iam-005", "iam:PutRolePolicy", "aws_iam_role.rewriter (itself)"),
    ]
    mfa = paths["aws_iam_user.start_mfa"]
    assert mfa["status"] == "unknown" and mfa["decided_by"] == ["aws:MultiFactorAuthPresent"]


def test_cli_context_and_targets() -> None:
    base = ["iam", "escalations", str(FIXTURES / "chains"), "--account-id", ACCOUNT, "--format", "json"]
    result = runner.invoke(app, [*base, "--context", "aws:MultiFactorAuthPresent=true"])
    paths = {p["principal"]: p for p in json.loads(result.output)["paths"]}
    assert paths["aws_iam_user.start_mfa"]["status"] == "allowed"
    result = runner.invoke(app, [*base, "--to", "arn:aws:s3:::payroll/*", "--action", "s3:GetObject"])
    assert result.exit_code == 0, result.output
    paths = {p["principal"]: p for p in json.loads(result.output)["paths"]}
    # The reader by its role; whoever becomes administrator on the way reaches it too.
    assert [s["path_id"] for s in paths["aws_iam_user.start_reader"]["steps"]] == ["sts-001"]
    assert "aws_iam_role.payroll_reader" not in paths and "aws_iam_role.top" not in paths
    assert paths["aws_iam_user.start_two"]["steps"][-1]["path_id"] == "iam-005"
    result = runner.invoke(app, [*base, "--to", "nobody_at_all"])
    assert result.exit_code == 2


def test_the_search_asks_for_no_spelling_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    def refuse(*args: object, **kwargs: object) -> list[str]:
        raise AssertionError("a spelling suggestion on the search's path")

    monkeypatch.setattr(difflib, "get_close_matches", refuse)
    assert find_escalations(Engine(estate("chains")))
