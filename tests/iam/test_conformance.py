"""Conformance: one test per documented rule of AWS's policy evaluation, each citing the page it encodes.

Pages (https://docs.aws.amazon.com/IAM/latest/UserGuide/...):
EVAL = reference_policies_evaluation-logic_policy-eval-denyallow.html
SINGLE = reference_policies_evaluation-logic_policy-eval-basics.html
CROSS = reference_policies_evaluation-logic-cross-account.html
BOUNDARIES = access_policies_boundaries.html
SESSION = access_policies.html#policies_session (and the STS AssumeRole API reference)
OPERATORS = reference_policies_elements_condition_operators.html
MULTI = reference_policies_condition-single-vs-multi-valued-context-keys.html
VARIABLES = reference_policies_variables.html
RESOURCE = reference_policies_elements_resource.html
ACTION = reference_policies_elements_action.html
NOTPRINCIPAL = reference_policies_elements_notprincipal.html
SCP = https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
RCP = https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
KMS = https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
TRUST = https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html (trust policy)
"""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.iam.conditions import RequestContext
from ringfence.iam.evaluator import CompiledPolicySet, Decision, PolicySet, Request
from ringfence.iam.policy import parse_policy

A = "111111111111"
B = "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
ROLE = f"arn:aws:iam::{A}:role/app"
CAROL = f"arn:aws:iam::{B}:user/carol"
OBJ = "arn:aws:s3:::bucket/key"


def pol(*statements: dict[str, Any], version: str = "2012-10-17", kind: str = "identity") -> Any:
    return parse_policy(
        {"Version": version, "Statement": list(statements)}, name=f"{kind}-p", policy_type=kind
    )  # type: ignore[arg-type]


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    ps: PolicySet,
    *,
    principal: str = ALICE,
    action: str = "s3:GetObject",
    resource: str = OBJ,
    account: str | None = A,
    context: dict[str, Any] | None = None,
    complete: bool = True,
) -> Decision:
    req = Request(principal, action, resource, account, RequestContext(context or {}, complete=complete))
    full = CompiledPolicySet(ps).decide(req)
    fast = CompiledPolicySet(ps).decide(req, explain=False)
    assert (full.decision, full.allowed) == (fast.decision, fast.allowed), "fast path differs from full path"
    return full


def kind(ps: PolicySet, **kw: Any) -> str:
    return decide(ps, **kw).decision


# -- EVAL: explicit deny, implicit deny ----------------------------------------------------------------------
def test_default_is_implicit_deny() -> None:  # EVAL: "By default, all requests are implicitly denied"
    assert kind(PolicySet()) == "implicit_deny"


def test_explicit_deny_overrides_allow() -> None:  # EVAL: "An explicit deny overrides an explicit allow"
    assert kind(PolicySet(identity=(pol(allow(), deny()),))) == "explicit_deny"


@pytest.mark.parametrize("where", ["boundary", "session", "scp", "resource"])
def test_explicit_deny_in_any_policy_type_wins(where: str) -> None:  # EVAL: deny evaluation over all types
    base: dict[str, Any] = {"identity": (pol(allow()),)}
    if where == "boundary":
        base["boundary"] = (pol(allow(), deny()),)
    elif where == "session":
        base["session"] = (pol(allow(), deny()),)
    elif where == "scp":
        base["scps"] = ((pol(allow("*"), deny(), kind="scp"),),)
    else:
        base["resource"] = pol(deny(Principal="*"), kind="resource")
    assert kind(PolicySet(**base), principal=SESSION) == "explicit_deny"


def test_decision_names_the_deciding_statement() -> None:  # EVAL: what the enforcement code found
    d = decide(PolicySet(identity=(pol(allow(Sid="Read")),)))
    assert d.decision == "allow" and d.statements[0].sid == "Read"


# -- SCP -------------------------------------------------------------------------------------------------
def test_scp_every_level_must_allow() -> None:  # SCP: each level of the path must allow
    ok = pol(allow("*"), kind="scp")
    narrow = pol(allow("ec2:*"), kind="scp")
    assert kind(PolicySet(identity=(pol(allow()),), scps=((ok,), (ok,)))) == "allow"
    assert kind(PolicySet(identity=(pol(allow()),), scps=((ok,), (narrow,)))) == "implicit_deny"


def test_scp_does_not_grant() -> None:  # SCP: "SCPs alone are not sufficient to grant permissions"
    assert kind(PolicySet(scps=((pol(allow("*"), kind="scp"),),))) == "implicit_deny"


def test_scp_exempts_management_account_and_service_linked_roles() -> None:  # SCP: entities not restricted
    ps = PolicySet(identity=(pol(allow()),), scps=((pol(deny("*"), kind="scp"),),), management_account=True)
    assert kind(ps) == "allow"
    slr = f"arn:aws:sts::{A}:assumed-role/AWSServiceRoleForSupport/s"
    ps2 = PolicySet(identity=(pol(allow()),), scps=((pol(deny("*"), kind="scp"),),))
    assert kind(ps2, principal=slr) == "allow"


# -- RCP -------------------------------------------------------------------------------------------------
def test_rcp_full_access_is_implicit_and_deny_applies() -> None:  # RCP: RCPFullAWSAccess cannot be detached
    rcp = pol(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}},
        },
        kind="rcp",
    )
    ps = PolicySet(identity=(pol(allow()),), rcps=((rcp,),))
    assert kind(ps, context={"aws:PrincipalOrgID": "o-1"}) == "allow"
    assert kind(ps, context={"aws:PrincipalOrgID": "o-2"}) == "explicit_deny"


def test_rcp_only_governs_supported_services() -> None:  # RCP: "RCPs apply to ... the following services"
    rcp = pol({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}, kind="rcp")
    ps = PolicySet(identity=(pol(allow("sns:Publish")),), rcps=((rcp,),))
    assert kind(ps, action="sns:Publish", resource=f"arn:aws:sns:us-east-1:{A}:t") == "allow"


# -- resource-based policies ------------------------------------------------------------------------------
def test_same_account_resource_policy_naming_the_user_suffices() -> None:  # SINGLE: either may allow
    rp = pol(allow(Principal={"AWS": ALICE}), kind="resource")
    assert kind(PolicySet(resource=rp)) == "allow"


def test_same_account_grant_to_the_account_delegates_to_iam() -> None:  # SINGLE / CROSS: account principal
    rp = pol(allow(Principal={"AWS": f"arn:aws:iam::{A}:root"}), kind="resource")
    assert kind(PolicySet(resource=rp)) == "implicit_deny"
    assert kind(PolicySet(resource=rp, identity=(pol(allow()),))) == "allow"


def test_cross_account_needs_both_sides() -> None:  # CROSS: identity policy and resource policy must allow
    rp = pol(allow(Principal={"AWS": B}), kind="resource")
    assert kind(PolicySet(resource=rp), principal=CAROL) == "implicit_deny"
    assert kind(PolicySet(identity=(pol(allow()),)), principal=CAROL) == "implicit_deny"
    assert kind(PolicySet(identity=(pol(allow()),), resource=rp), principal=CAROL) == "allow"


def test_role_trust_must_allow_explicitly_even_in_the_same_account() -> None:  # TRUST / SINGLE
    role = f"arn:aws:iam::{A}:role/target"
    ps = PolicySet(identity=(pol(allow("sts:AssumeRole")),))
    assert kind(ps, action="sts:AssumeRole", resource=role) == "implicit_deny"
    trust = pol({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}, kind="trust")
    assert kind(PolicySet(resource=trust), action="sts:AssumeRole", resource=role) == "allow"


def test_kms_key_policy_must_allow_and_root_delegates_to_iam() -> None:  # KMS: key policy is required
    key = f"arn:aws:kms:us-east-1:{A}:key/1234"
    identity = (pol(allow("kms:Decrypt")),)
    assert kind(PolicySet(identity=identity), action="kms:Decrypt", resource=key) == "implicit_deny"
    root = pol(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{A}:root"}), kind="key")
    assert kind(PolicySet(identity=identity, resource=root), action="kms:Decrypt", resource=key) == "allow"
    assert kind(PolicySet(resource=root), action="kms:Decrypt", resource=key) == "implicit_deny"


# -- boundaries and sessions ------------------------------------------------------------------------------
def test_boundary_intersects_identity() -> None:  # BOUNDARIES: allowed by both
    ps = PolicySet(identity=(pol(allow("s3:*")),), boundary=(pol(allow("ec2:*")),))
    assert kind(ps) == "implicit_deny"
    ps2 = PolicySet(identity=(pol(allow("s3:*")),), boundary=(pol(allow("s3:Get*")),))
    assert kind(ps2) == "allow"


def test_boundary_does_not_limit_a_resource_policy_grant_to_the_user() -> None:  # BOUNDARIES: users
    rp = pol(allow(Principal={"AWS": ALICE}), kind="resource")
    assert kind(PolicySet(resource=rp, boundary=(pol(allow("ec2:*")),))) == "allow"


def test_boundary_limits_a_grant_to_the_role_arn() -> None:  # BOUNDARIES: role ARN vs role session ARN
    rp = pol(allow(Principal={"AWS": ROLE}), kind="resource")
    assert kind(PolicySet(resource=rp, boundary=(pol(allow("ec2:*")),)), principal=SESSION) == "implicit_deny"
    rp2 = pol(allow(Principal={"AWS": SESSION}), kind="resource")
    assert kind(PolicySet(resource=rp2, boundary=(pol(allow("ec2:*")),)), principal=SESSION) == "allow"


def test_session_policy_intersects_identity() -> None:  # SESSION
    ps = PolicySet(identity=(pol(allow("s3:*")),), session=(pol(allow("ec2:*")),))
    assert kind(ps, principal=SESSION) == "implicit_deny"


def test_session_arn_grant_is_not_limited_by_the_session_policy() -> None:  # SESSION (AssumeRole API ref.)
    rp = pol(allow(Principal={"AWS": SESSION}), kind="resource")
    assert kind(PolicySet(resource=rp, session=(pol(allow("ec2:*")),)), principal=SESSION) == "allow"


# -- Not* elements -----------------------------------------------------------------------------------------
def test_not_action() -> None:  # reference_policies_elements_notaction.html
    ps = PolicySet(identity=(pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),))
    assert kind(ps) == "allow"
    assert kind(ps, action="iam:CreateUser", resource=f"arn:aws:iam::{A}:user/x") == "implicit_deny"


def test_not_resource() -> None:  # reference_policies_elements_notresource.html
    ps = PolicySet(
        identity=(pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}),)
    )
    assert kind(ps) == "allow"
    assert kind(ps, resource="arn:aws:s3:::secret/k") == "implicit_deny"


def test_not_principal_with_deny() -> None:  # NOTPRINCIPAL: deny everyone except the listed principals
    rp = pol(allow(Principal="*"), deny(NotPrincipal={"AWS": ALICE}), kind="resource")
    assert kind(PolicySet(resource=rp)) == "allow"
    assert kind(PolicySet(resource=rp), principal=f"arn:aws:iam::{A}:user/bob") == "explicit_deny"


# -- matching ----------------------------------------------------------------------------------------------
def test_actions_are_case_insensitive() -> None:  # ACTION: "not case sensitive"
    assert kind(PolicySet(identity=(pol(allow("S3:getobject")),)), action="s3:GetObject") == "allow"


def test_arns_are_case_sensitive() -> None:  # RESOURCE: ARNs are case sensitive
    assert kind(PolicySet(identity=(pol(allow(resource="arn:aws:s3:::BUCKET/*")),))) == "implicit_deny"


def test_wildcards_stay_within_an_arn_segment() -> None:  # RESOURCE: wildcards within segments
    ps = PolicySet(identity=(pol(allow("sqs:*", f"arn:aws:sqs:*{A}:q")),))
    assert kind(ps, action="sqs:SendMessage", resource=f"arn:aws:sqs:us-east-1:{A}:q") == "implicit_deny"
    ps2 = PolicySet(identity=(pol(allow("sqs:*", f"arn:aws:sqs:*:{A}:q")),))
    assert kind(ps2, action="sqs:SendMessage", resource=f"arn:aws:sqs:us-east-1:{A}:q") == "allow"


def test_trailing_star_expands_beyond_colons() -> None:  # RESOURCE: "* last character of a segment"
    ps = PolicySet(identity=(pol(allow("sqs:*", "arn:aws:sqs:*")),))
    assert kind(ps, action="sqs:SendMessage", resource=f"arn:aws:sqs:us-east-1:{A}:q") == "allow"


# -- condition operators ---------------------------------------------------------------------------------
def cond(op: str, key: str, values: Any, ctx: dict[str, Any] | None, **kw: Any) -> str:
    ps = PolicySet(identity=(pol(allow(Condition={op: {key: values}})),))
    return kind(ps, context=ctx, **kw)


@pytest.mark.parametrize(
    ("op", "values", "ctx", "want"),
    [
        ("StringEquals", "Red", "Red", "allow"),
        ("StringEquals", "Red", "red", "implicit_deny"),  # values are case-sensitive
        ("StringEqualsIgnoreCase", "Red", "red", "allow"),
        ("StringNotEquals", ["a", "b"], "c", "allow"),
        ("StringNotEquals", ["a", "b"], "a", "implicit_deny"),
        ("StringLike", "re*", "red", "allow"),
        ("StringLike", "r?d", "rod", "allow"),
        ("StringNotLike", "re*", "blue", "allow"),
    ],
)
def test_string_operators(op: str, values: Any, ctx: str, want: str) -> None:  # OPERATORS: string
    assert cond(op, "aws:PrincipalTag/team", values, {"aws:PrincipalTag/team": ctx}) == want


@pytest.mark.parametrize(
    ("op", "value", "ctx", "want"),
    [
        ("NumericLessThan", "3600", "100", "allow"),
        ("NumericLessThan", "3600", "3600", "implicit_deny"),
        ("NumericLessThanEquals", "3600", "3600", "allow"),
        ("NumericGreaterThan", "10", "10.5", "allow"),
        ("NumericEquals", "10", "10.0", "allow"),
        ("NumericNotEquals", "10", "11", "allow"),
        ("NumericEquals", "10", "ten", "implicit_deny"),
    ],
)
def test_numeric_operators(op: str, value: str, ctx: str, want: str) -> None:  # OPERATORS: numeric
    assert cond(op, "aws:MultiFactorAuthAge", value, {"aws:MultiFactorAuthAge": ctx}) == want


@pytest.mark.parametrize(
    ("op", "value", "ctx", "want"),
    [
        ("DateLessThan", "2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z", "allow"),
        ("DateGreaterThan", "2026-01-01", "2026-01-02T00:00:00Z", "allow"),
        ("DateEquals", "1767225600", "2026-01-01T00:00:00Z", "allow"),  # epoch (UNIX) seconds
        ("DateNotEquals", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "implicit_deny"),
    ],
)
def test_date_operators(op: str, value: str, ctx: str, want: str) -> None:  # OPERATORS: date
    assert cond(op, "aws:CurrentTime", value, {"aws:CurrentTime": ctx}) == want


def test_bool_operator() -> None:  # OPERATORS: Boolean
    assert cond("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "true"}) == "allow"
    assert cond("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "false"}) == "implicit_deny"


def test_binary_operator() -> None:  # OPERATORS: BinaryEquals compares base-64 values
    assert cond("BinaryEquals", "s3:x-amz-sig", "QmluYXJ5", {"s3:x-amz-sig": "QmluYXJ5"}) == "allow"
    assert cond("BinaryEquals", "s3:x-amz-sig", "QmluYXJ5", {"s3:x-amz-sig": "T3RoZXI="}) == "implicit_deny"


@pytest.mark.parametrize(
    ("op", "value", "ip", "want"),
    [
        ("IpAddress", "203.0.113.0/24", "203.0.113.9", "allow"),
        ("IpAddress", "203.0.113.0/24", "198.51.100.1", "implicit_deny"),
        ("NotIpAddress", "203.0.113.0/24", "198.51.100.1", "allow"),
        ("IpAddress", "2001:db8::/32", "2001:db8::1", "allow"),
    ],
)
def test_ip_operators(op: str, value: str, ip: str, want: str) -> None:  # OPERATORS: IP address
    assert cond(op, "aws:SourceIp", value, {"aws:SourceIp": ip}) == want


@pytest.mark.parametrize(
    ("op", "value", "arn", "want"),
    [
        ("ArnLike", f"arn:aws:sns:*:{A}:*", f"arn:aws:sns:us-east-1:{A}:t", "allow"),
        ("ArnEquals", f"arn:aws:sns:*:{A}:t", f"arn:aws:sns:us-east-1:{A}:t", "allow"),
        ("ArnLike", f"arn:aws:sns:*:{A}:*", f"arn:aws:sns:us-east-1:{B}:t", "implicit_deny"),
        ("ArnNotLike", f"arn:aws:sns:*:{A}:*", f"arn:aws:sns:us-east-1:{B}:t", "allow"),
    ],
)
def test_arn_operators(op: str, value: str, arn: str, want: str) -> None:  # OPERATORS: ARN
    assert cond(op, "aws:SourceArn", value, {"aws:SourceArn": arn}) == want


def test_null_operator() -> None:  # OPERATORS: Null checks the key's absence
    assert cond("Null", "aws:TokenIssueTime", "true", {}) == "allow"
    assert (
        cond("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}) == "allow"
    )
    assert (
        cond("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"})
        == "implicit_deny"
    )


def test_missing_key_positive_false_negated_true_ifexists_true() -> None:  # OPERATORS: missing keys
    assert cond("StringEquals", "aws:PrincipalTag/team", "red", {}) == "implicit_deny"
    assert cond("StringNotEquals", "aws:PrincipalTag/team", "red", {}) == "allow"
    assert cond("StringEqualsIfExists", "aws:PrincipalTag/team", "red", {}) == "allow"
    assert (
        cond("StringEqualsIfExists", "aws:PrincipalTag/team", "red", {"aws:PrincipalTag/team": "b"})
        == "implicit_deny"
    )


def test_for_all_values_and_for_any_value() -> None:  # MULTI: set operators, missing key and empty set
    assert cond("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a"]}) == "allow"
    assert (
        cond("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], {"aws:TagKeys": ["a", "c"]})
        == "implicit_deny"
    )
    assert cond("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {}) == "allow"  # missing key: true
    assert cond("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["c", "a"]}) == "allow"
    assert cond("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {}) == "implicit_deny"  # missing: false
    assert cond("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": []}) == "implicit_deny"


def test_values_or_keys_and() -> None:  # OPERATORS: OR between values, AND between keys and operators
    ps = PolicySet(
        identity=(
            pol(
                allow(
                    Condition={
                        "StringEquals": {
                            "aws:PrincipalTag/team": ["red", "blue"],
                            "aws:RequestedRegion": "eu-west-1",
                        }
                    }
                )
            ),
        )
    )
    assert kind(ps, context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "eu-west-1"}) == "allow"
    assert (
        kind(ps, context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1"})
        == "implicit_deny"
    )


def test_condition_keys_are_case_insensitive() -> None:  # OPERATORS: key names are not case-sensitive
    assert cond("StringEquals", "AWS:principaltag/Team", "red", {"aws:PrincipalTag/team": "red"}) == "allow"


# -- policy variables ------------------------------------------------------------------------------------
def test_variable_in_resource() -> None:  # VARIABLES: replaced by the request's value
    ps = PolicySet(identity=(pol(allow(resource="arn:aws:s3:::bucket/${aws:username}/*")),))
    assert kind(ps, resource="arn:aws:s3:::bucket/alice/x", context={"aws:username": "alice"}) == "allow"
    assert (
        kind(ps, resource="arn:aws:s3:::bucket/bob/x", context={"aws:username": "alice"}) == "implicit_deny"
    )
    assert kind(ps, resource="arn:aws:s3:::bucket/alice/x") == "implicit_deny"  # no value: no match


def test_variable_default_value() -> None:  # VARIABLES: ${key, 'default'}
    ps = PolicySet(
        identity=(pol(allow(resource="arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*")),)
    )
    assert kind(ps, resource="arn:aws:s3:::bucket/shared/x") == "allow"
    assert kind(ps, resource="arn:aws:s3:::bucket/red/x", context={"aws:PrincipalTag/team": "red"}) == "allow"


def test_variable_escapes() -> None:  # VARIABLES: ${*}, ${?}, ${$} are the literal characters
    ps = PolicySet(identity=(pol(allow(resource="arn:aws:s3:::bucket/${*}")),))
    assert kind(ps, resource="arn:aws:s3:::bucket/*") == "allow"
    assert kind(ps, resource="arn:aws:s3:::bucket/key") == "implicit_deny"


def test_substituted_value_is_literal() -> None:  # VARIABLES: a value's own * is not a wildcard
    ps = PolicySet(identity=(pol(allow(resource="arn:aws:s3:::bucket/${aws:username}")),))
    assert kind(ps, resource="arn:aws:s3:::bucket/anything", context={"aws:username": "*"}) == "implicit_deny"


def test_variables_are_literal_in_2008_policies() -> None:  # VARIABLES: need Version 2012-10-17
    ps = PolicySet(
        identity=(pol(allow(resource="arn:aws:s3:::bucket/${aws:username}"), version="2008-10-17"),)
    )
    assert (
        kind(ps, resource="arn:aws:s3:::bucket/alice", context={"aws:username": "alice"}) == "implicit_deny"
    )
    assert kind(ps, resource="arn:aws:s3:::bucket/${aws:username}") == "allow"


# -- unknown is not pass ------------------------------------------------------------------------------------
def test_condition_on_an_unknown_value_is_undecided() -> None:  # ringfence: unknown is not pass
    ps = PolicySet(identity=(pol(allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),))
    d = decide(ps, complete=False)
    assert d.allowed is None and any("aws:MultiFactorAuthPresent" in u for u in d.unknown)
    assert decide(ps, complete=False, context={"aws:MultiFactorAuthPresent": "true"}).allowed is True


def test_unknown_deny_does_not_hide_a_definite_deny() -> None:
    ps = PolicySet(
        identity=(pol(allow(), deny(), deny(Condition={"Bool": {"aws:SecureTransport": "false"}})),)
    )
    assert decide(ps, complete=False).allowed is False


# -- principals and other policy types --------------------------------------------------------------------
def test_vpc_endpoint_policy_must_allow_too() -> None:  # EVAL: VPC endpoint policies (vpc-endpoints-access)
    vpce_allow = pol(allow(Principal="*"), kind="vpc_endpoint")
    vpce_other = pol(allow("s3:PutObject", Principal="*"), kind="vpc_endpoint")
    assert kind(PolicySet(identity=(pol(allow()),), vpc_endpoint=(vpce_allow,))) == "allow"
    assert kind(PolicySet(identity=(pol(allow()),), vpc_endpoint=(vpce_other,))) == "implicit_deny"


def test_anonymous_access_needs_a_public_resource_policy() -> None:  # PRINCIPAL: "*" includes anonymous
    rp = pol(allow(Principal="*"), kind="resource")
    assert kind(PolicySet(resource=rp), principal="anonymous", account=A) == "allow"
    assert kind(PolicySet(identity=(pol(allow()),)), principal="anonymous", account=A) == "implicit_deny"


def test_service_principal_is_granted_by_the_resource_policy_alone() -> None:  # PRINCIPAL: service principals
    rp = pol(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
        },
        kind="resource",
    )
    q = f"arn:aws:sqs:us-east-1:{A}:q"
    assert (
        kind(PolicySet(resource=rp), principal="sns.amazonaws.com", action="sqs:SendMessage", resource=q)
        == "allow"
    )
    assert (
        kind(PolicySet(resource=rp), principal="events.amazonaws.com", action="sqs:SendMessage", resource=q)
        == "implicit_deny"
    )


def test_root_user_needs_no_identity_policy_but_scps_apply() -> None:  # EVAL: root user has full access
    root = f"arn:aws:iam::{A}:root"
    assert kind(PolicySet(), principal=root) == "allow"
    assert (
        kind(PolicySet(scps=((pol(deny("*"), allow("*"), kind="scp"),),)), principal=root) == "explicit_deny"
    )


def test_not_principal_deny_always_denies_a_principal_with_a_boundary() -> None:  # BOUNDARIES: "Important"
    rp = pol(allow(Principal="*"), deny(NotPrincipal={"AWS": ALICE}), kind="resource")
    ps = PolicySet(resource=rp, identity=(pol(allow()),), boundary=(pol(allow()),))
    assert kind(ps) == "explicit_deny"


def test_cross_account_role_trust_needs_both_sides() -> None:  # CROSS + TRUST
    role = f"arn:aws:iam::{A}:role/target"
    trust = pol(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "sts:AssumeRole"},
        kind="trust",
    )
    assert (
        kind(PolicySet(resource=trust), principal=CAROL, action="sts:AssumeRole", resource=role)
        == "implicit_deny"
    )
    ps = PolicySet(resource=trust, identity=(pol(allow("sts:AssumeRole")),))
    assert kind(ps, principal=CAROL, action="sts:AssumeRole", resource=role) == "allow"


def test_statement_without_conditions_needs_no_context() -> None:  # OPERATORS: no Condition, always applies
    assert kind(PolicySet(identity=(pol(allow()),)), complete=False) == "allow"
