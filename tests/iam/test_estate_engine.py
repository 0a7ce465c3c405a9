"""The engine over a Terraform estate, the checks, escalation paths and the CLI, on fixtures whose expected
answers are written by hand."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.checks.catalogue import by_id
from ringfence.checks.context import Context
from ringfence.cli.app import app
from ringfence.iam.engine import Engine, ResolveError
from ringfence.iam.escalation import catalogue, find_escalations
from ringfence.model import Estate

FIXTURE = str(Path(__file__).parent / "fixtures" / "estate")
ACCOUNT = "123456789012"


@cache
def estate() -> Estate:
    from ringfence.sources import LoadOptions, load_estate

    return load_estate([FIXTURE], LoadOptions(account_id=ACCOUNT))


def engine() -> Engine:
    return Engine(estate())


def test_inline_and_managed_policies_allow_with_the_deciding_statement() -> None:
    d = engine().can("aws_iam_role.app", "s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert d.decision == "allow" and d.allowed is True
    policies = {s.policy for s in d.statements}
    assert "aws_iam_role_policy.app_s3_read" in policies
    assert any(
        s.sid == "S3ReadOnlyForApplication" and s.location and s.location.startswith("app.tf:")
        for s in d.statements
    )


def test_condition_on_a_value_the_estate_does_not_fix_is_unknown() -> None:
    d = engine().can("aws_iam_role.app", "s3:GetObject", "arn:aws:s3:::b/k")
    assert d.allowed is None
    assert any("aws:SecureTransport" in u for u in d.unknown)


def test_explicit_deny_from_the_tls_statement() -> None:
    d = engine().can("app", "s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})
    assert d.decision == "explicit_deny" and d.statements[0].sid == "TlsOnly"


def test_group_membership_gives_the_group_policies() -> None:
    d = engine().can("ops", "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x")
    assert d.decision == "allow"


def test_read_only_access_does_not_write() -> None:
    d = engine().can("aws_iam_role.app", "s3:PutObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert d.decision == "implicit_deny"


def test_bucket_policy_grants_the_partner_account_cross_account() -> None:
    eng = engine()
    compiled = eng.compiled(eng.resolve_principal("app"), estate().get("aws_s3_bucket.b"))
    assert compiled.policies.resource is not None
    assert compiled.policies.resource.name == "aws_s3_bucket_policy.b"


def test_trust_policy_decides_assume_role() -> None:
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/admin"
    d = engine().can("ci", "sts:AssumeRole", role_arn)
    assert d.decision == "implicit_deny"  # the admin role trusts ec2 only


def test_ambiguous_or_unknown_names_list_candidates() -> None:
    with pytest.raises(ResolveError) as err:
        engine().resolve_principal("nobody")
    assert "aws_iam_role.app" in err.value.candidates


# -- checks ----------------------------------------------------------------------------------------------
def results(rule_id: str) -> dict[str, str]:
    check = by_id()[rule_id]
    assert check.per_estate is not None
    return {r.resource.address: r.status.value for r in check.per_estate(Context(estate()))}


def test_admin_equivalent_decided_by_the_evaluator() -> None:
    from ringfence.iam.analysis import admin_equivalent

    eng = engine()

    def admin(address: str) -> bool | None:
        principal = estate().get(address)
        assert principal is not None
        return admin_equivalent(eng, principal)

    assert admin("aws_iam_role.admin") is True  # AdministratorAccess through managed_policy_arns
    assert admin("aws_iam_user.ops") is True  # through its group
    assert admin("aws_iam_role.partner") is False  # NotAction iam:* is not everything
    assert admin("aws_iam_user.safe") is False


def test_allow_with_not_action() -> None:
    got = results("iam.no-allow-with-notaction")
    assert got["aws_iam_role.partner"] == "fail"
    assert got["aws_iam_user_policy.safe"] == "pass"


def test_inline_policies() -> None:
    inline = results("iam.no-inline-policies")
    assert {"aws_iam_role_policy.app_s3_read", "aws_iam_role.partner"} <= set(inline)


def test_trust_policy_scoping() -> None:
    check = by_id()["iam.trust-policy-scoped"]
    assert check.per_estate is not None
    found = {r.resource.address: r for r in check.per_estate(Context(estate()))}
    assert found["aws_iam_role.partner"].status.value == "fail"
    assert "999999999999" in found["aws_iam_role.partner"].message
    assert "sns.amazonaws.com" in found["aws_iam_role.partner"].message
    assert found["aws_iam_role.admin"].status.value == "pass"  # ec2 assumes its own role


def test_sensitive_wildcards() -> None:
    from ringfence.iam.policy import parse_policy
    from ringfence.iam.sensitive import wildcard_grants

    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}]}
    )
    assert wildcard_grants(policy.statements[0])
    safe = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
    )
    assert not wildcard_grants(safe.statements[0])


# -- escalation --------------------------------------------------------------------------------------------
def test_escalation_catalogue_has_the_65_paths() -> None:
    assert len(catalogue()) == 65


def test_escalation_paths_found() -> None:
    found = {f.principal: f for f in find_escalations(engine())}
    assert "aws_iam_user.ci" in found  # iam:PassRole + ec2:RunInstances with an admin role trusting ec2
    assert found["aws_iam_user.ci"].steps[0].via == "aws_iam_role.admin"
    assert "aws_iam_user.keys" in found  # iam:PutUserPolicy on itself
    assert "aws_iam_user.safe" not in found
    assert "aws_iam_user.ops" not in found  # already administrator


# -- CLI -------------------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_can_json_contract() -> None:
    result = runner.invoke(
        app,
        [
            "iam",
            "can",
            FIXTURE,
            "--principal",
            "aws_iam_role.app",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--context",
            "aws:SecureTransport=true",
            "--account-id",
            ACCOUNT,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["decision"] == "allow" and out["allowed"] is True
    assert {"principal", "action", "resource", "decision", "allowed", "statements"} <= set(out)
    assert {"policy", "sid", "effect"} <= set(out["statements"][0])


def test_cli_can_unknown_is_null() -> None:
    result = runner.invoke(
        app,
        [
            "iam",
            "can",
            FIXTURE,
            "--principal",
            "app",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
            "--account-id",
            ACCOUNT,
            "--format",
            "json",
        ],
    )
    out = json.loads(result.output)
    assert result.exit_code == 0 and out["allowed"] is None and out["unknown"]


def test_cli_can_unresolvable_principal_exits_2_with_candidates() -> None:
    result = runner.invoke(
        app,
        [
            "iam",
            "can",
            FIXTURE,
            "--principal",
            "nobody",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
        ],
    )
    assert result.exit_code == 2
    assert "aws_iam_role.app" in result.output


def test_cli_usage_error_exits_2() -> None:
    result = runner.invoke(
        app,
        [
            "iam",
            "can",
            FIXTURE,
            "--principal",
            "app",
            "--action",
            "GetObject",
            "--resource",
            "arn:aws:s3:::b/k",
        ],
    )
    assert result.exit_code == 2


def test_cli_escalations_json() -> None:
    result = runner.invoke(app, ["iam", "escalations", FIXTURE, "--account-id", ACCOUNT, "--format", "json"])
    assert result.exit_code == 0, result.output
    paths = json.loads(result.output)["paths"]
    ci = next(p for p in paths if p["principal"] == "aws_iam_user.ci")
    assert ci["reaches"] == "admin" and ci["steps"][0]["action"] == "iam:PassRole + ec2:RunInstances"


def test_principal_tags_the_estate_lists_are_known_in_full() -> None:
    from ringfence.iam.policy import parse_policy

    eng = engine()
    role = eng.resolve_principal("app")
    ctx = eng.context_for(role, "arn:aws:s3:::b/k", estate().get("aws_s3_bucket.b"), {})
    assert ctx.get("aws:principaltag/team") is None  # the role has no such tag: absent, not unknown
    assert ctx.get("aws:resourcetag/env") == "prod"
    assert ctx.get("aws:sourceip") is not None  # not fixed by the estate: unknown
    assert parse_policy("{}").problems


# -- organisation policies ---------------------------------------------------------------------------
ORG = str(Path(__file__).parent / "fixtures" / "organization")


@cache
def org_engine() -> Engine:
    from ringfence.sources import LoadOptions, load_estate

    return Engine(load_estate([ORG], LoadOptions(account_id=ACCOUNT)))


def test_scp_attached_to_the_root_applies() -> None:
    d = org_engine().can("admin", "organizations:LeaveOrganization", "*")
    assert d.decision == "explicit_deny" and d.statements[0].sid == "NoLeaving"
    eu = org_engine().can("admin", "s3:ListAllMyBuckets", "*", {"aws:RequestedRegion": "us-east-1"})
    assert eu.decision == "explicit_deny" and eu.statements[0].sid == "EuOnly"


def test_scp_attached_to_an_unplaced_ou_leaves_allows_undecided() -> None:
    d = org_engine().can("admin", "s3:ListAllMyBuckets", "*", {"aws:RequestedRegion": "eu-west-1"})
    assert d.allowed is None and any("OU" in u for u in d.unknown)
    assert any("ou_only" in n for n in org_engine().notes)


def test_an_scp_on_the_ou_that_holds_the_account_applies_and_others_do_not(tmp_path: Path) -> None:
    """An account placed in the tree (aws_organizations_account.parent_id up to the root) gets the SCPs of
    the OUs on its path, not those of other OUs; one with unknown text leaves allows undecided."""
    from ringfence.sources import LoadOptions, load_estate

    deny = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"%s","Resource":"*"}]}'
    (tmp_path / "main.tf").write_text(
        f"""
resource "aws_organizations_organization" "org" {{
  feature_set = "ALL"
}}
resource "aws_organizations_organizational_unit" "prod" {{
  name      = "prod"
  parent_id = aws_organizations_organization.org.roots[0].id
}}
resource "aws_organizations_organizational_unit" "payments" {{
  name      = "payments"
  parent_id = aws_organizations_organizational_unit.prod.id
}}
resource "aws_organizations_organizational_unit" "sandbox" {{
  name      = "sandbox"
  parent_id = aws_organizations_organization.org.roots[0].id
}}
resource "aws_organizations_account" "payments" {{
  name      = "payments"
  email     = "payments@example.com"
  parent_id = aws_organizations_organizational_unit.payments.id
}}
resource "aws_organizations_policy" "no_iam" {{
  name    = "no-iam"
  content = {json.dumps(deny % "iam:*")}
}}
resource "aws_organizations_policy_attachment" "prod" {{
  policy_id = aws_organizations_policy.no_iam.id
  target_id = aws_organizations_organizational_unit.prod.id
}}
resource "aws_organizations_policy" "no_s3" {{
  name    = "no-s3"
  content = {json.dumps(deny % "s3:*")}
}}
resource "aws_organizations_policy_attachment" "sandbox" {{
  policy_id = aws_organizations_policy.no_s3.id
  target_id = aws_organizations_organizational_unit.sandbox.id
}}
resource "aws_iam_role" "admin" {{
  name                = "admin"
  assume_role_policy  = jsonencode({{ Version = "2012-10-17", Statement = [
    {{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }})
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}}
""",
        encoding="utf-8",
    )
    estate = load_estate([str(tmp_path)], LoadOptions(account_id=ACCOUNT))
    # The provider knows the account's id only after apply: say which one it is.
    import dataclasses

    member = next(iter(estate.of_kind("aws_organizations_account")))
    placed = dataclasses.replace(member, attributes={**member.attributes, "id": ACCOUNT})
    estate = dataclasses.replace(
        estate, resources=tuple(placed if r.address == member.address else r for r in estate.resources)
    )
    eng = Engine(estate)
    assert eng.can("admin", "iam:CreateUser", "*").decision == "explicit_deny"  # prod, above payments
    assert eng.can("admin", "s3:ListAllMyBuckets", "*").allowed is True  # sandbox is not on the path
    assert not eng.notes
    unplaced = Engine(load_estate([str(tmp_path)], LoadOptions(account_id=ACCOUNT)))
    assert unplaced.can("admin", "s3:ListAllMyBuckets", "*").allowed is None


def test_an_action_missing_from_the_catalogue_is_noted_with_the_closest_one() -> None:
    ask = engine().ask
    typo = ask("aws_iam_role.app", "s3:GetObjekt", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert any(
        "s3:GetObjekt is not an action of s3" in n and "did you mean s3:GetObject?" in n for n in typo.notes
    )
    service = ask("aws_iam_role.app", "s4:GetObject", "arn:aws:s3:::b/k", {})
    assert any("s4 is not a service" in n for n in service.notes)
    for action in ("s3:GetObject", "S3:getobject", "s3:Get*"):
        answer = ask("aws_iam_role.app", action, "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
        assert not any("catalogue" in n for n in answer.notes), action


def test_policies_named_by_literal_role_name_or_arn_go_to_that_role_only(tmp_path: Path) -> None:
    """Policy blocks that name their role, or a Lambda function, by a literal string (no reference) are
    found by that name, for the holder with that name only, in the estate's order."""
    from ringfence.iam.access import lambda_permissions
    from ringfence.iam.estate_policies import documents_of
    from ringfence.sources import LoadOptions, load_estate

    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    (tmp_path / "main.tf").write_text(
        f"""
resource "aws_iam_role" "worker" {{
  name               = "worker"
  assume_role_policy = {json.dumps(trust)}
}}
resource "aws_iam_role" "other" {{
  name               = "other"
  assume_role_policy = {json.dumps(trust)}
}}
resource "aws_iam_role_policy" "b_second" {{
  name   = "second"
  role   = "worker"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }}] }})
}}
resource "aws_iam_role_policy" "a_first" {{
  name   = "first"
  role   = "worker"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}] }})
}}
resource "aws_iam_role_policy" "elsewhere" {{
  name   = "elsewhere"
  role   = "other"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "*", Resource = "*" }}] }})
}}
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = aws_iam_role.worker.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "fn.zip"
}}
resource "aws_lambda_permission" "by_name" {{
  function_name = "fn"
  action        = "lambda:InvokeFunction"
  principal     = "s3.amazonaws.com"
}}
resource "aws_lambda_permission" "not_this_one" {{
  function_name = "another-function"
  action        = "lambda:InvokeFunction"
  principal     = "sns.amazonaws.com"
}}
"""
    )
    loaded = load_estate([str(tmp_path)], LoadOptions(account_id=ACCOUNT))
    worker, other = loaded.get("aws_iam_role.worker"), loaded.get("aws_iam_role.other")
    assert worker is not None and other is not None
    in_estate = [r.get("name") for r in loaded.of_kind("aws_iam_role_policy") if r.get("role") == "worker"]
    assert sorted(in_estate) == ["first", "second"]
    assert [p.name for p in documents_of(loaded, worker)] == in_estate  # in the estate's order
    assert [p.name for p in documents_of(loaded, other)] == ["elsewhere"]
    function = loaded.get("aws_lambda_function.fn")
    assert function is not None
    assert [r.address for r in lambda_permissions(loaded, function)] == ["aws_lambda_permission.by_name"]
