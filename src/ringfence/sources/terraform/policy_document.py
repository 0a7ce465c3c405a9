"""Render ``data "aws_iam_policy_document"`` the way the AWS provider does, so the IAM engine sees the
JSON policy that will be deployed."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ringfence.model import Unknown, as_list, is_known

_KEYS = (
    ("sid", "Sid"),
    ("effect", "Effect"),
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def render_policy_document(attrs: Mapping[str, Any], resolve: Callable[[Any], Any]) -> str | Unknown:
    """The policy JSON, or Unknown naming what is not known before apply."""
    statements: list[dict[str, Any]] = []
    for source in as_list(resolve(attrs.get("source_policy_documents"))):
        statements.extend(_statements_of(source))
    by_sid = {s.get("Sid"): i for i, s in enumerate(statements) if s.get("Sid")}
    for block in as_list(attrs.get("statement")):
        if not isinstance(block, Mapping):
            continue
        statement = _statement(block, resolve)
        sid = statement.get("Sid")
        if sid and sid in by_sid:
            statements[by_sid[sid]] = statement  # a statement with the same sid replaces the source's
        else:
            statements.append(statement)
    for override in as_list(resolve(attrs.get("override_policy_documents"))):
        for statement in _statements_of(override):
            sid = statement.get("Sid")
            index = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
            if index is None:
                statements.append(statement)
            else:
                statements[index] = statement
    version = attrs.get("version") or "2012-10-17"
    document: dict[str, Any] = {"Version": version, "Statement": statements}
    policy_id = attrs.get("policy_id")
    if isinstance(policy_id, str):
        document = {"Version": version, "Id": policy_id, "Statement": statements}
    if not is_known(document):
        return Unknown(
            f"the policy document depends on values known only after apply: {_first_unknown(document)}"
        )
    return json.dumps(document, separators=(",", ":"))


def _statements_of(source: Any) -> list[dict[str, Any]]:
    if isinstance(source, str):
        try:
            parsed = json.loads(source)
        except ValueError:
            return []
        items = parsed.get("Statement", []) if isinstance(parsed, dict) else []
        return [s for s in as_list(items) if isinstance(s, dict)]
    return []


def _statement(block: Mapping[str, Any], resolve: Callable[[Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in _KEYS:
        value = resolve(block.get(key))
        if value is None or value == []:
            continue
        out[name] = _single(value)
    out.setdefault("Effect", "Allow")
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, list[Any]] = {}
        for p in as_list(block.get(key)):
            if isinstance(p, Mapping):
                kind = resolve(p.get("type"))
                identifiers = as_list(resolve(p.get("identifiers")))
                principals.setdefault(str(kind), []).extend(identifiers)
        if principals:
            if list(principals) == ["*"] and all(i == "*" for i in principals["*"]):
                out[name] = "*"
            else:
                out[name] = {
                    k: _single(sorted(v, key=str) if is_known(v) else v) for k, v in principals.items()
                }
    conditions: dict[str, dict[str, Any]] = {}
    for c in as_list(block.get("condition")):
        if isinstance(c, Mapping):
            test, variable = resolve(c.get("test")), resolve(c.get("variable"))
            values = as_list(resolve(c.get("values")))
            conditions.setdefault(str(test), {})[str(variable)] = _single(values)
    if conditions:
        out["Condition"] = conditions
    return out


def _single(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _first_unknown(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Mapping):
        for v in value.values():
            found = _first_unknown(v)
            if found:
                return found
    if isinstance(value, list):
        for v in value:
            found = _first_unknown(v)
            if found:
                return found
    if not is_known(value):
        return str(value)
    return ""
