"""The policy language as data: policies, statements, principals and conditions, with source locations.

Parsing is lenient where AWS is (a single string where a list is allowed, ``Action`` and ``NotAction``
spelled in any case of the first letter is *not* accepted by AWS and not here either) and records every
structural problem instead of raising, so a broken statement still shows up as a finding with its line.
Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ringfence.iam.jsonloc import JSONLocationError, loads_with_lines

PolicyType = Literal[
    "identity", "resource", "trust", "boundary", "session", "scp", "rcp", "vpc_endpoint", "key"
]
Effect = Literal["Allow", "Deny"]

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"


@dataclass(frozen=True, slots=True)
class Principal:
    """One entry of a ``Principal``/``NotPrincipal`` element: ``("AWS", "arn:...")``, ``("*", "*")``."""

    kind: str  # AWS, Service, Federated, CanonicalUser, or "*" for the bare wildcard
    value: str


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator: {key: values}`` pair. ``values`` are strings as AWS compares them."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Effect
    sid: str | None = None
    actions: tuple[str, ...] = ()
    not_action: bool = False
    resources: tuple[str, ...] | None = None  # None: no Resource element (trust policies)
    not_resource: bool = False
    principals: tuple[Principal, ...] | None = None  # None: no Principal element
    not_principal: bool = False
    conditions: tuple[Condition, ...] = ()
    index: int = 0
    line: int | None = None


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """A structural problem found while reading a policy."""

    message: str
    line: int | None = None
    statement: int | None = None


@dataclass(frozen=True)
class Policy:
    """A parsed policy. ``name`` identifies it in explanations (an address, a managed policy name)."""

    name: str
    statements: tuple[Statement, ...]
    version: str | None = VERSION_2012
    policy_type: PolicyType = "identity"
    path: str | None = None  # file it came from, for explanations
    line: int | None = None  # line in ``path`` where the policy document starts
    problems: tuple[PolicyProblem, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def location(self, statement: Statement | None = None) -> str | None:
        """``file:line`` of the policy, or of one of its statements."""
        if self.path is None:
            return None
        base = self.line or 1
        if statement is not None and statement.line is not None:
            return f"{self.path}:{base + statement.line - 1}"
        return f"{self.path}:{base}" if self.line else self.path


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def condition_value(value: Any) -> str:
    """How AWS compares a JSON scalar in a condition: booleans lower-case, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer() and "e" not in repr(value):
        return repr(value)
    return str(value)


def _principals(
    value: Any, problems: list[PolicyProblem], line: int | None, idx: int
) -> tuple[Principal, ...]:
    if value == "*":
        return (Principal("*", "*"),)
    if not isinstance(value, Mapping):
        problems.append(PolicyProblem('Principal must be "*" or an object', line, idx))
        return ()
    out: list[Principal] = []
    for kind, entries in value.items():
        items = _strings(entries)
        if items is None:
            problems.append(
                PolicyProblem(f"Principal {kind} must be a string or a list of strings", line, idx)
            )
            continue
        out.extend(Principal(str(kind), item) for item in items)
    return tuple(out)


def _conditions(
    value: Any, problems: list[PolicyProblem], line: int | None, idx: int
) -> tuple[Condition, ...]:
    if not isinstance(value, Mapping):
        problems.append(PolicyProblem("Condition must be an object", line, idx))
        return ()
    out: list[Condition] = []
    for operator, block in value.items():
        if not isinstance(block, Mapping):
            problems.append(
                PolicyProblem(f"Condition operator {operator} must map keys to values", line, idx)
            )
            continue
        for key, raw in block.items():
            values = raw if isinstance(raw, list) else [raw]
            if any(isinstance(v, dict | list) for v in values):
                problems.append(
                    PolicyProblem(f"Condition {operator} {key}: values must be scalars", line, idx)
                )
                continue
            out.append(Condition(str(operator), str(key), tuple(condition_value(v) for v in values)))
    return tuple(out)


def policy_from_document(
    document: Any,
    *,
    name: str,
    policy_type: PolicyType = "identity",
    path: str | None = None,
    line: int | None = None,
    lines: Mapping[tuple[str | int, ...], int] | None = None,
) -> Policy:
    """Build a :class:`Policy` from an already decoded JSON document."""
    problems: list[PolicyProblem] = []
    lines = lines or {}
    if not isinstance(document, Mapping):
        return Policy(
            name, (), None, policy_type, path, line, (PolicyProblem("policy is not a JSON object"),)
        )
    version = document.get("Version")
    if version is not None and version not in (VERSION_2012, VERSION_2008):
        problems.append(PolicyProblem(f"unknown Version {version!r}", lines.get(()), None))
    raw_statements = document.get("Statement")
    statement_path: tuple[str | int, ...] = ("Statement",)
    if isinstance(raw_statements, Mapping):
        raw_list: Sequence[Any] = [raw_statements]
        single = True
    elif isinstance(raw_statements, list):
        raw_list = raw_statements
        single = False
    else:
        problems.append(PolicyProblem("policy has no Statement", lines.get(()), None))
        raw_list = []
        single = False
    statements: list[Statement] = []
    for idx, raw in enumerate(raw_list):
        sline = lines.get(statement_path if single else (*statement_path, idx))
        if not isinstance(raw, Mapping):
            problems.append(PolicyProblem("statement is not an object", sline, idx))
            continue
        effect = raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            problems.append(PolicyProblem(f"Effect must be Allow or Deny, not {effect!r}", sline, idx))
            continue
        if "Action" in raw and "NotAction" in raw:
            problems.append(PolicyProblem("statement has both Action and NotAction", sline, idx))
        if "Resource" in raw and "NotResource" in raw:
            problems.append(PolicyProblem("statement has both Resource and NotResource", sline, idx))
        if "Principal" in raw and "NotPrincipal" in raw:
            problems.append(PolicyProblem("statement has both Principal and NotPrincipal", sline, idx))
        not_action = "Action" not in raw and "NotAction" in raw
        actions = _strings(raw.get("NotAction" if not_action else "Action"))
        if actions is None:
            problems.append(PolicyProblem("statement has no valid Action or NotAction", sline, idx))
            actions = ()
        resources: tuple[str, ...] | None = None
        not_resource = "Resource" not in raw and "NotResource" in raw
        if "Resource" in raw or "NotResource" in raw:
            resources = _strings(raw.get("NotResource" if not_resource else "Resource"))
            if resources is None:
                problems.append(PolicyProblem("Resource must be a string or a list of strings", sline, idx))
                resources = ()
        principals: tuple[Principal, ...] | None = None
        not_principal = "Principal" not in raw and "NotPrincipal" in raw
        if "Principal" in raw or "NotPrincipal" in raw:
            principals = _principals(
                raw.get("NotPrincipal" if not_principal else "Principal"), problems, sline, idx
            )
        conditions = _conditions(raw["Condition"], problems, sline, idx) if "Condition" in raw else ()
        sid = raw.get("Sid")
        statements.append(
            Statement(
                effect=effect,
                sid=sid if isinstance(sid, str) else None,
                actions=actions,
                not_action=not_action,
                resources=resources,
                not_resource=not_resource,
                principals=principals,
                not_principal=not_principal,
                conditions=conditions,
                index=idx,
                line=sline,
            )
        )
    return Policy(
        name=name,
        statements=tuple(statements),
        version=version if isinstance(version, str) else None,
        policy_type=policy_type,
        path=path,
        line=line,
        problems=tuple(problems),
        document=document,
    )


def parse_policy(
    source: str | Mapping[str, Any],
    *,
    name: str = "policy",
    policy_type: PolicyType = "identity",
    path: str | None = None,
    line: int | None = None,
) -> Policy:
    """Parse a policy from JSON text (keeping statement lines) or from a decoded document."""
    if not isinstance(source, str):
        return policy_from_document(source, name=name, policy_type=policy_type, path=path, line=line)
    try:
        document, lines = loads_with_lines(source)
    except JSONLocationError as exc:
        return Policy(
            name, (), None, policy_type, path, line, (PolicyProblem(f"invalid JSON: {exc}", exc.line),)
        )
    return policy_from_document(
        document, name=name, policy_type=policy_type, path=path, line=line, lines=lines
    )


def dumps(policy: Policy) -> str:
    return json.dumps(policy.document, sort_keys=True)
