"""Organizations against a moto server: the tree, SCPs and RCPs with their targets, read into the same kinds
the Terraform source fills, and applied by the IAM engine to principals of member accounts."""

from __future__ import annotations

from typing import Any

from ringfence.iam.engine import Engine
from ringfence.iam.escalation import find_escalations
from ringfence.sources.aws import load_live
from tests.live.conftest import client, client_in, policy
from tests.live.test_faults import Calls, calls  # noqa: F401  (the request log fixture)

MANAGEMENT = "123456789012"
ALLOW_ALL = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _seed_org() -> dict[str, str]:
    """An organisation with an OU ``workloads`` holding one member account; an SCP denying ``iam:*`` on the
    OU; an admin role in the member account and one in the management account."""
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    member = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    scp = org.create_policy(
        Name="no-iam",
        Description="no IAM changes in workloads",
        Type="SERVICE_CONTROL_POLICY",
        Content=policy({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=ou)
    trust = policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{member}:root"}, "Action": "sts:AssumeRole"}
    )
    iam = client_in(member, "iam")
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    home = client("iam")
    home.create_role(RoleName="admin", AssumeRolePolicyDocument=trust.replace(member, MANAGEMENT))
    home.put_role_policy(RoleName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    return {"member": member, "ou": ou, "root": root, "scp": scp}


def test_the_tree_and_policies_are_the_terraform_kinds(aws: str) -> None:
    seeded = _seed_org()
    estate = load_live("aws://", org_role="OrganizationAccountAccessRole", regions=("us-east-1",))
    (org,) = estate.of_kind("aws_organizations_organization")
    assert org.get("master_account_id") == MANAGEMENT
    assert org.get("enabled_policy_types") == ["SERVICE_CONTROL_POLICY"]
    units = {u.get("id"): u.get("parent_id") for u in estate.of_kind("aws_organizations_organizational_unit")}
    assert units == {seeded["ou"]: seeded["root"]}
    accounts = {a.get("id"): a.get("parent_id") for a in estate.of_kind("aws_organizations_account")}
    assert accounts == {MANAGEMENT: seeded["root"], seeded["member"]: seeded["ou"]}
    policies = {p.get("id"): p.get("type") for p in estate.of_kind("aws_organizations_policy")}
    assert policies == {"p-FullAWSAccess": "SERVICE_CONTROL_POLICY", seeded["scp"]: "SERVICE_CONTROL_POLICY"}
    attached = {
        (estate.target(a, "policy_id").get("id"), a.get("target_id"))  # type: ignore[union-attr]
        for a in estate.of_kind("aws_organizations_policy_attachment")
    }
    assert (seeded["scp"], seeded["ou"]) in attached
    assert ("p-FullAWSAccess", seeded["member"]) in attached
    # The member account's own view lists no policy: the management account's full read settles it.
    assert not [e for e in estate.errors if "organizations:" in e.message]


def test_an_scp_on_the_member_ou_denies_the_member_admin(aws: str) -> None:
    seeded = _seed_org()
    estate = load_live("aws://", org_role="OrganizationAccountAccessRole", regions=("us-east-1",))
    engine = Engine(estate)
    member_admin = f"arn:aws:iam::{seeded['member']}:role/admin"
    home_admin = f"arn:aws:iam::{MANAGEMENT}:role/admin"
    denied = engine.can(member_admin, "iam:CreateUser", "*")
    assert denied.allowed is False and denied.decision == "explicit_deny"
    assert engine.can(member_admin, "s3:ListAllMyBuckets", "*").allowed is True
    # SCPs do not apply to the management account.
    assert engine.can(home_admin, "iam:CreateUser", "*").allowed is True
    escalations = {f.principal for f in find_escalations(engine)}
    assert member_admin not in escalations and home_admin not in escalations


def test_a_snapshot_answers_iam_can_for_a_member_principal(aws: str, tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from ringfence.cli.app import app

    seeded = _seed_org()
    saved = tmp_path / "org.json"
    runner = CliRunner()
    scan = ["scan", "aws://", "--org", "OrganizationAccountAccessRole", "--regions", "us-east-1"]
    runner.invoke(app, [*scan, "--format", "json", "--snapshot", str(saved)])
    assert saved.is_file()
    member_admin = f"arn:aws:iam::{seeded['member']}:role/admin"
    ask = ["iam", "can", str(saved), "--principal", member_admin, "--resource", "*", "--format", "json"]
    denied = runner.invoke(app, [*ask, "--action", "iam:CreateUser", "--expect", "deny"])
    assert denied.exit_code == 0, denied.output
    assert json.loads(denied.stdout)["decision"] == "explicit_deny"
    allowed = runner.invoke(app, [*ask, "--action", "ec2:DescribeInstances", "--expect", "allow"])
    assert allowed.exit_code == 0, allowed.output
    found = runner.invoke(app, ["iam", "escalations", str(saved), "--format", "json"])
    assert member_admin not in found.stdout


def test_a_denied_organizations_call_leaves_the_scp_layer_unknown(aws: str, calls: Calls) -> None:  # noqa: F811
    seeded = _seed_org()
    calls.refuse["organizations:ListPolicies"] = "AccessDeniedException"
    estate = load_live("aws://", org_role="OrganizationAccountAccessRole", regions=("us-east-1",))
    engine = Engine(estate)
    member_admin = f"arn:aws:iam::{seeded['member']}:role/admin"
    got = engine.can(member_admin, "s3:ListAllMyBuckets", "*")
    assert got.allowed is None
    assert any("organizations:ListPolicies" in why for why in got.unknown), got.unknown
    denied = [e for e in estate.errors if "organizations:ListPolicies" in e.message]
    assert denied and all(e.undecided and "grant organizations:ListPolicies" in e.message for e in denied)
    # Never "no SCPs": the member admin is not reported as able to do anything for sure.
    assert engine.can(member_admin, "iam:CreateUser", "*").allowed is None


def test_an_account_outside_any_organization_has_no_scps(aws: str, calls: Calls) -> None:  # noqa: F811
    client("iam").create_role(RoleName="admin", AssumeRolePolicyDocument=policy())
    client("iam").put_role_policy(RoleName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    estate = load_live("aws://", regions=("us-east-1",))
    assert not estate.of_kind("aws_organizations_organization", "aws_organizations_policy")
    assert "organizations:DescribeOrganization" in calls.log
    assert not [e for e in estate.errors if "organizations:" in e.message]
    got = Engine(estate).can(f"arn:aws:iam::{MANAGEMENT}:role/admin", "iam:CreateUser", "*")
    assert got.allowed is True
