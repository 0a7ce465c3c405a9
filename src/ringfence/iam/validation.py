"""Policy validation findings, in the spirit of IAM Access Analyzer's policy checks.

Kinds: ``error`` (AWS would reject or never use it), ``security_warning``, ``warning`` and ``suggestion``.
Each finding carries the statement index and its line, so a report can point at it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ringfence.iam import catalogue, patterns
from ringfence.iam.conditions import OperatorError, family, parse_date, parse_number, split_operator
from ringfence.iam.policy import VERSION_2008, Policy, Statement
from ringfence.model import Estate

Severity = Literal["error", "security_warning", "warning", "suggestion"]

RESOURCE_POLICY_TYPES = frozenset({"resource", "trust", "key", "vpc_endpoint", "rcp"})


@dataclass(frozen=True, slots=True)
class ValidationFinding:
    code: str
    severity: Severity
    message: str
    policy: str
    statement: int | None = None
    line: int | None = None
    location: str | None = None


def validate(policy: Policy) -> list[ValidationFinding]:
    out: list[ValidationFinding] = []

    def add(
        code: str, severity: Severity, message: str, s: Statement | None = None, line: int | None = None
    ) -> None:
        out.append(
            ValidationFinding(
                code,
                severity,
                message,
                policy.name,
                s.index if s is not None else None,
                (s.line if s is not None else line),
                policy.location(s) if s is not None else policy.location(),
            )
        )

    for problem in policy.problems:
        out.append(
            ValidationFinding(
                "syntax", "error", problem.message, policy.name, problem.statement, problem.line
            )
        )
    if policy.version is None:
        add(
            "missing-version",
            "warning",
            "no Version: AWS reads the policy as 2008-10-17 (no policy variables)",
        )
    seen: dict[tuple[object, ...], Statement] = {}
    for s in policy.statements:
        _statement(policy, s, add)
        key = (
            s.effect,
            s.actions,
            s.not_action,
            s.resources,
            s.not_resource,
            s.principals,
            s.not_principal,
            s.conditions,
        )
        if key in seen:
            add(
                "redundant-statement",
                "suggestion",
                f"statement {s.index} repeats statement {seen[key].index}",
                s,
            )
        else:
            seen[key] = s
        if s.effect == "Allow":
            twin = (
                "Deny",
                s.actions,
                s.not_action,
                s.resources,
                s.not_resource,
                s.principals,
                s.not_principal,
                s.conditions,
            )
            if twin in seen:
                add(
                    "contradictory-statement",
                    "warning",
                    f"statement {s.index} allows exactly what statement {seen[twin].index} denies: it never applies",
                    s,
                )
        elif ("Allow", *key[1:]) in seen:
            add(
                "contradictory-statement",
                "warning",
                f"statement {s.index} denies exactly what statement {seen[('Allow', *key[1:])].index} allows",
                s,
            )
    reported = {f.statement for f in out if f.code == "redundant-statement"}
    for a in policy.statements:
        if a.index in reported:
            continue
        for b in policy.statements:
            if a is not b and _covers(b, a):
                add(
                    "redundant-statement",
                    "suggestion",
                    f"statement {a.index} is covered by statement {b.index}",
                    a,
                )
                break
    return out


def _covers(b: Statement, a: Statement) -> bool:
    """Whether ``b`` applies wherever ``a`` does (same effect and principals, no conditions on ``b``)."""
    if (
        b.effect != a.effect
        or b.conditions
        or b.not_action
        or a.not_action
        or b.not_resource
        or a.not_resource
    ):
        return False
    if (a.principals, a.not_principal) != (b.principals, b.not_principal):
        return False
    if (a.actions, a.resources, a.conditions) == (b.actions, b.resources, b.conditions):
        return False  # identical: reported as a repeat
    if "*" not in b.actions:
        covered: set[str] = set()
        for pattern in b.actions:
            covered.update(x.lower() for x in catalogue.expand(pattern))
        for pattern in a.actions:
            got = {x.lower() for x in catalogue.expand(pattern)}
            if pattern == "*" or not got or not got <= covered:
                return False
    if a.resources is None or b.resources is None:
        return a.resources == b.resources
    if "*" in b.resources:
        return True
    if any(patterns.has_variables(r) for r in (*a.resources, *b.resources)):
        return False
    return all(any(patterns.arn_matches(rb, ra) for rb in b.resources) for ra in a.resources)


Emit = Callable[[str, Severity, str, Statement | None], None]


def _statement(policy: Policy, s: Statement, emit: Emit) -> None:
    resource_type = policy.policy_type in RESOURCE_POLICY_TYPES
    if s.principals is not None and not resource_type:
        emit("principal-in-identity-policy", "error", "an identity-based policy cannot have a Principal", s)
    if s.principals is None and resource_type and policy.policy_type != "rcp":
        emit("missing-principal", "error", "a resource-based policy statement needs a Principal", s)
    if s.not_principal and s.effect == "Allow":
        emit(
            "notprincipal-with-allow",
            "security_warning",
            "NotPrincipal with Allow grants every principal but those listed",
            s,
        )
    if s.effect == "Allow" and s.not_action:
        emit(
            "allow-with-notaction",
            "security_warning",
            "Allow with NotAction grants every action not listed",
            s,
        )
    if s.effect == "Allow" and s.not_resource:
        emit(
            "allow-with-notresource",
            "security_warning",
            "Allow with NotResource grants every resource not listed",
            s,
        )
    if s.resources is None and policy.policy_type not in ("trust",):
        emit("missing-resource", "error", "the statement has no Resource or NotResource", s)
    if s.not_resource and s.resources is not None and "*" in s.resources:
        emit(
            "never-matches",
            "warning",
            'NotResource "*" excludes every resource: the statement never applies',
            s,
        )
    if s.not_action and "*" in s.actions:
        emit(
            "never-matches", "warning", 'NotAction "*" excludes every action: the statement never applies', s
        )
    if policy.version == VERSION_2008:
        texts = list(s.resources or ()) + [v for c in s.conditions for v in c.values]
        if any(patterns.has_variables(t) for t in texts):
            emit(
                "variables-in-2008-policy",
                "error",
                "policy variables need Version 2012-10-17: in a 2008-10-17 policy they are literal text",
                s,
            )
    if len(set(a.lower() for a in s.actions)) != len(s.actions):
        emit("redundant-action", "suggestion", "an action is listed more than once", s)

    # Actions against the catalogue.
    services: set[str] = set()
    infos: list[catalogue.ActionInfo] = []
    for a in s.actions:
        if a == "*":
            continue
        service, sep, name = a.partition(":")
        if not sep:
            emit("invalid-action", "error", f"{a!r} is not service:action", s)
            continue
        service = service.lower()
        if any(ch in service for ch in "*?"):
            continue
        if service not in catalogue.service_keys():
            emit("unknown-service", "error", f"unknown service {service!r} in {a!r}", s)
            continue
        services.add(service)
        if any(ch in name for ch in "*?"):
            if not catalogue.expand(a):
                emit("unknown-action", "error", f"{a!r} matches no action of {service}", s)
            continue
        info = catalogue.action_info(a)
        if info is None:
            emit("unknown-action", "error", f"unknown action {a!r}", s)
        else:
            infos.append(info)

    # Resources that the actions do not support.
    if s.resources and not s.not_resource and "*" not in s.resources and not s.not_action:
        concrete = [r for r in s.resources if r.startswith("arn:") and not patterns.has_variables(r)]
        for info in infos:
            if not any(info.resource_types):
                emit(
                    "action-needs-wildcard-resource",
                    "warning",
                    f'{info.qualified} supports only Resource "*"',
                    s,
                )
                continue
            if concrete and not any(_resource_fits(info, r) for r in concrete):
                emit(
                    "unsupported-resource-type",
                    "warning",
                    f"{info.qualified} does not act on any resource listed ({', '.join(concrete)})",
                    s,
                )

    # Conditions.
    for c in s.conditions:
        try:
            _set_op, base, _if_exists = split_operator(c.operator)
        except OperatorError as exc:
            emit("unknown-operator", "error", str(exc), s)
            continue
        key = c.key.lower()
        if not catalogue.condition_key_exists(key):
            emit("unknown-condition-key", "error", f"unknown condition key {c.key!r}", s)
        elif ":" in key and not key.startswith("aws:") and services and key.split(":", 1)[0] not in services:
            emit(
                "condition-key-not-applicable",
                "warning",
                f"{c.key} is a key of another service than the statement's actions",
                s,
            )
        elif not key.startswith("aws:") and infos and not any(_action_supports_key(i, key) for i in infos):
            emit(
                "condition-key-not-supported",
                "warning",
                f"no action of the statement supports {c.key} ({', '.join(i.qualified for i in infos)})",
                s,
            )
        fam = family(base)
        for v in c.values:
            if patterns.has_variables(v):
                continue
            bad = (
                (fam == "bool" and v.lower() not in ("true", "false"))
                or (fam == "null" and v.lower() not in ("true", "false"))
                or (fam == "numeric" and parse_number(v) is None)
                or (fam == "date" and parse_date(v) is None)
                or (fam == "ip" and not _is_network(v))
                or (fam == "arn" and v != "*" and not v.startswith("arn:"))
            )
            if bad:
                emit(
                    "invalid-condition-value", "error", f"{c.operator} {c.key}: {v!r} is not a valid value", s
                )


def _key_matches(template: str, key: str) -> bool:
    low = template.lower()
    if "${" in low or "<" in low:
        prefix = re.split(r"\$\{|<", low, maxsplit=1)[0]
        return key.startswith(prefix) and len(key) > len(prefix)
    return low == key


def _action_supports_key(info: catalogue.ActionInfo, key: str) -> bool:
    """The action's own condition keys, and those of the resource types it acts on."""
    if any(_key_matches(k, key) for k in info.condition_keys):
        return True
    types = catalogue.resource_types(info.service)
    for name in info.resource_types:
        found = types.get(name.lower())
        if found and any(_key_matches(k, key) for k in found[1]):
            return True
    return False


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _resource_fits(info: catalogue.ActionInfo, pattern: str) -> bool:
    types = catalogue.resource_types(info.service)
    rx = patterns.arn_pattern_regex(pattern)
    for name in info.resource_types:
        template = types.get(name.lower())
        if not template:
            continue
        sample = template[0].replace(
            "${Partition}", pattern.split(":")[1] if pattern.count(":") >= 1 else "aws"
        )
        # The pattern fits when it could name a resource of this type: compare the service segments, then try
        # the template with its placeholders as wildcards against the pattern (and the other way round).
        if pattern.split(":")[2:3] != sample.split(":")[2:3]:
            continue
        tmpl_rx = catalogue.arn_template_regex(sample)
        if (
            tmpl_rx.fullmatch(pattern)
            or rx.fullmatch(sample.replace("${", "x").replace("}", ""))
            or "*" in pattern
        ):
            return True
    return False


def estate_findings(estate: Estate) -> list[tuple[str, ValidationFinding]]:
    """Validation findings of every policy written in the estate, as ``(holder address, finding)``."""
    from ringfence.iam.estate_policies import RESOURCE_POLICY_HOLDERS, identity_policies, resource_policy

    out: list[tuple[str, ValidationFinding]] = []
    for holder, policy in identity_policies(estate):
        if isinstance(policy, Policy):
            out.extend((holder.address, f) for f in validate(policy))
    for kind in RESOURCE_POLICY_HOLDERS:
        for r in estate.of_kind(kind):
            got = resource_policy(estate, r)
            if isinstance(got, Policy):
                out.extend((r.address, f) for f in validate(got))
    return out
