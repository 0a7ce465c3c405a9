"""Render ``data "aws_iam_policy_document"`` the way the AWS provider does, so the IAM engine sees the
JSON policy that will be deployed."""

from __future__ import annotations

import json
import re
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
    sources = _documents(attrs, ("source_json", "source_policy_documents"), resolve)
    overrides = _documents(attrs, ("override_policy_documents", "override_json"), resolve)
    if isinstance(sources, Unknown):
        return sources
    if isinstance(overrides, Unknown):
        return overrides
    statements = [statement for document in sources for statement in document]
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
    for override in overrides:
        for statement in override:
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


def _documents(
    attrs: Mapping[str, Any], keys: tuple[str, ...], resolve: Callable[[Any], Any]
) -> list[list[dict[str, Any]]] | Unknown:
    """The statements of each document merged in through ``keys``, in the provider's order; Unknown when
    one of them is not known before apply (rendering without it would judge a different policy)."""
    documents: list[list[dict[str, Any]]] = []
    for key in keys:
        for source in as_list(resolve(attrs.get(key))):
            statements = _statements_of(source)
            if isinstance(statements, str):
                return Unknown(f"{key} is not known before apply: {statements}")
            documents.append(statements)
    return documents


def _statements_of(source: Any) -> list[dict[str, Any]] | str:
    """The statements of one JSON policy document, or why they are not known: a value Terraform computes,
    a placeholder tfparse put inside the text in place of one, or text that is not a policy document."""
    if not isinstance(source, str):
        return _first_unknown(source) or "a value computed after apply"
    try:
        parsed = json.loads(source)
    except (ValueError, RecursionError):
        parsed = None
    items = as_list(parsed.get("Statement", [])) if isinstance(parsed, dict) else None
    if items is None or not all(isinstance(s, dict) for s in items):
        return "the text is not a JSON policy document"
    if _PLACEHOLDER.search(json.dumps([{k: v for k, v in s.items() if k != "Condition"} for s in items])):
        return "the document holds a value computed after apply"
    return items


# tfparse writes a value it cannot compute as a random UUID, also inside strings such as a jsonencode()d
# document; no action, resource or principal has that shape (condition values, e.g. an external id, may).
_PLACEHOLDER = re.compile(r'"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"')


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
