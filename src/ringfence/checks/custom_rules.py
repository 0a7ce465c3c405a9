"""Custom rules written in YAML (`scan --rules DIR`, `rules = ["dir"]` in the configuration), turned into
checks of the same shape as the built-in ones. The language is described in `docs/custom-rules.md`.

A file holds one rule (a mapping with `id`) or several (`rules:` and a list). A file that is not YAML is
an error at the line where reading stopped; a rule that is not well formed is an error at its own line
(or the line of the bad part) and the file's other rules are still loaded.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ringfence.checks.base import Check, Meta, Result, failed, passed, unknown
from ringfence.checks.custom import PILLARS
from ringfence.checks.custom_conditions import (
    COMPARISONS,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    ConditionError,
    Connection,
    Negation,
    evaluate,
    parse_path,
)
from ringfence.model import InputError, Resource
from ringfence.model.findings import Severity

if typing.TYPE_CHECKING:
    import yaml

    from ringfence.checks.context import Context

_FIELDS = {
    "id",
    "title",
    "severity",
    "pillar",
    "resource_types",
    "remediation",
    "condition",
    "rationale",
    "description",
    "terraform",
    "references",
    "compliance",
}
_REQUIRED = ("id", "title", "severity", "pillar", "resource_types", "remediation", "condition")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_CONNECTIONS = ("connected_to", "protected_by")
_MAX_PARTS = 1000


class _Bad(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def rule_files(folders: Iterable[Path]) -> list[Path]:
    """The YAML files of each folder (recursively, in name order), or the file itself."""
    out: list[Path] = []
    for folder in folders:
        if folder.is_file():
            out.append(folder)
            continue
        out += sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return list(dict.fromkeys(out))


def load_rules(
    folders: Sequence[Path], taken: Iterable[str] = ()
) -> tuple[tuple[Check, ...], tuple[InputError, ...]]:
    """The rules in ``folders``; an id in ``taken`` (the built-in and plug-in checks') or given twice is
    an error at the later rule."""
    seen = set(taken)
    checks: list[Check] = []
    errors: list[InputError] = []
    for path in rule_files(folders):
        for item in _rules_in(path):
            if isinstance(item, InputError):
                errors.append(item)
                continue
            check, line = item
            if check.rule_id in seen:
                errors.append(
                    InputError(
                        str(path),
                        line,
                        f"custom rules: rule {check.rule_id}: the id is already taken by another rule "
                        "(built-in, plug-in or custom): give it an id of its own",
                    )
                )
            else:
                seen.add(check.rule_id)
                checks.append(check)
    return tuple(checks), tuple(errors)


def _rules_in(path: Path) -> Iterator[tuple[Check, int] | InputError]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        yield InputError(
            str(path), None, f"custom rules: cannot be read: {getattr(exc, 'strerror', None) or exc}"
        )
        return
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        yield InputError(str(path), None, "custom rules: not read: nested too deeply")
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        yield InputError(
            str(path), mark.line + 1 if mark else None, f"custom rules: not valid YAML: {problem}"
        )
        return
    if root is None:
        return
    try:
        nodes = _rule_nodes(root)
    except _Bad as bad:
        yield InputError(str(path), bad.line, f"custom rules: {bad.message}")
        return
    for node in nodes:
        label = _scalar_field(node, "id")
        prefix = f"rule {label}: " if label else "rule: "
        try:
            yield _rule(node, path), _line(node)
        except _Bad as bad:
            yield InputError(str(path), bad.line, f"custom rules: {prefix}{bad.message}")
        except RecursionError:
            yield InputError(str(path), _line(node), f"custom rules: {prefix}nested too deeply")


def _rule_nodes(root: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(root, yaml.MappingNode):
        keys = _keys(root)
        if "rules" in keys and "id" not in keys:
            rules = keys["rules"][1]
            if not isinstance(rules, yaml.SequenceNode):
                raise _Bad(_line(rules), "`rules` must be a list of rules")
            return list(rules.value)
        return [root]
    if isinstance(root, yaml.SequenceNode):
        return list(root.value)
    raise _Bad(_line(root), "expected a rule (a mapping with id, title, ...) or `rules:` and a list of them")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _keys(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text -> (key node, value node); a key given twice is an error at its second place."""
    import yaml

    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise _Bad(_line(key), "keys must be plain words")
        if key.value in out:
            raise _Bad(_line(key), f"`{key.value}` is given twice")
        out[str(key.value)] = (key, value)
    return out


def _plain(node: yaml.Node) -> Any:
    from yaml.constructor import ConstructorError, SafeConstructor

    try:
        return SafeConstructor().construct_object(node, deep=True)
    except ConstructorError as exc:
        raise _Bad(_line(node), f"cannot read the value: {exc.problem}") from None


def _scalar_field(node: yaml.Node, name: str) -> str | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name and isinstance(value, yaml.ScalarNode):
            return str(value.value)
    return None


def _text_field(fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str, required: bool = True) -> str:
    if name not in fields:
        return ""
    value = _plain(fields[name][1])
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Bad(_line(fields[name][1]), f"`{name}` must be text")
    return value.strip()


def _strings(fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str) -> tuple[str, ...]:
    if name not in fields:
        return ()
    value = _plain(fields[name][1])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise _Bad(_line(fields[name][1]), f"`{name}` must be a name or a list of names")
    return tuple(value)


def _rule(node: yaml.Node, path: Path) -> Check:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise _Bad(_line(node), "a rule must be a mapping (id, title, severity, ...)")
    fields = _keys(node)
    unexpected = sorted(set(fields) - _FIELDS)
    if unexpected:
        raise _Bad(
            _line(fields[unexpected[0]][0]),
            f"`{unexpected[0]}` is not a field of a rule (fields: {', '.join(sorted(_FIELDS))})",
        )
    missing = [f for f in _REQUIRED if f not in fields]
    if missing:
        raise _Bad(_line(node), f"missing {', '.join(missing)}")
    rule_id = _text_field(fields, "id")
    if not _ID.match(rule_id) or rule_id.startswith("intent."):
        raise _Bad(
            _line(fields["id"][1]),
            f"id {rule_id!r} must be letters, digits and . _ : - (and not start with 'intent.')",
        )
    severity_text = _text_field(fields, "severity").lower()
    try:
        severity = Severity(severity_text)
    except ValueError:
        raise _Bad(
            _line(fields["severity"][1]),
            f"severity {severity_text!r} is not one of {', '.join(s.value for s in Severity)}",
        ) from None
    pillar = _text_field(fields, "pillar").lower()
    if pillar not in PILLARS:
        raise _Bad(_line(fields["pillar"][1]), f"pillar {pillar!r} is not one of {', '.join(PILLARS)}")
    kinds = _strings(fields, "resource_types")
    bad_kind = next((k for k in kinds if not _KIND.match(k)), None)
    if bad_kind is not None:
        raise _Bad(_line(fields["resource_types"][1]), f"{bad_kind!r} is not a Terraform resource type")
    condition = _condition(fields["condition"][1], [_MAX_PARTS])
    meta = Meta(
        rule_id=rule_id,
        title=_text_field(fields, "title"),
        pillar=pillar,  # type: ignore[arg-type]  # checked against PILLARS above
        severity=severity,
        rationale=_text_field(fields, "rationale", False)
        or _text_field(fields, "description", False)
        or f"Custom rule from {path.name}.",
        remediation=_text_field(fields, "remediation"),
        terraform=_text_field(fields, "terraform", False),
        controls=_strings(fields, "compliance"),
        references=_strings(fields, "references"),
    )
    return Check(meta=meta, kinds=kinds, per_resource=_runner(meta, condition))


def _runner(meta: Meta, condition: Condition) -> Any:
    def run(resource: Resource, ctx: Context) -> Iterable[Result]:
        verdict = evaluate(condition, resource, ctx.estate)
        if verdict.holds is True:
            return [passed(resource)]
        if verdict.holds is None:
            return [unknown(resource, f"{meta.title}: cannot be decided: {verdict.reason}")]
        return [failed(resource, f"{meta.title}: does not hold: {verdict.reason}")]

    return run


def _condition(node: yaml.Node, budget: list[int]) -> Condition:
    """The condition at ``node``; ``budget`` holds how many more parts the rule may have (YAML aliases
    can make a small file name a condition of billions of parts)."""
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise _Bad(_line(node), f"the condition has more than {_MAX_PARTS} parts")

    if not isinstance(node, yaml.MappingNode):
        raise _Bad(
            _line(node), "a condition is a mapping (attribute and a comparison, and/or/not, connected_to...)"
        )
    fields = _keys(node)
    logic = [k for k in ("and", "or", "not", *_CONNECTIONS) if k in fields]
    if logic:
        word = logic[0]
        if len(fields) != 1:
            other = next(k for k in fields if k != word)
            raise _Bad(
                _line(fields[other][0]), f"`{word}` stands alone in its mapping; `{other}` goes in a part"
            )
        value = fields[word][1]
        if word == "not":
            return Negation(_condition(value, budget))
        if word in _CONNECTIONS:
            kinds = _strings(fields, word)
            bad_kind = next((k for k in kinds if not _KIND.match(k)), None)
            if bad_kind is not None:
                raise _Bad(_line(value), f"{bad_kind!r} is not a Terraform resource type")
            return Connection(word, kinds)
        if not isinstance(value, yaml.SequenceNode) or not value.value:
            raise _Bad(_line(value), f"`{word}` takes a list of conditions")
        parts = tuple(_condition(p, budget) for p in value.value)
        return AllOf(parts) if word == "and" else AnyOf(parts)
    if "attribute" not in fields:
        raise _Bad(
            _line(node),
            "a condition needs `attribute` and one of " + ", ".join(COMPARISONS) + ", or and/or/not, "
            "connected_to or protected_by",
        )
    path_text = _plain(fields["attribute"][1])
    if not isinstance(path_text, str):
        raise _Bad(_line(fields["attribute"][1]), "`attribute` must be a path such as versioning.enabled")
    try:
        steps = parse_path(path_text)
    except ConditionError as exc:
        raise _Bad(_line(fields["attribute"][1]), str(exc)) from None
    operators = [k for k in fields if k != "attribute"]
    if len(operators) != 1 or operators[0] not in COMPARISONS:
        at = fields[operators[0]][0] if operators else node
        raise _Bad(
            _line(at),
            f"`attribute` takes exactly one comparison ({', '.join(COMPARISONS)}), not "
            f"{', '.join(operators) or 'none'}",
        )
    op = operators[0]
    operand_node = fields[op][1]
    operand = _plain(operand_node)
    return Comparison(path_text, steps, op, _operand(op, operand, _line(operand_node)))


def _operand(op: str, operand: Any, line: int) -> Any:
    if op == "exists":
        if not isinstance(operand, bool):
            raise _Bad(line, "`exists` takes true or false")
        return operand
    if op == "in":
        if not isinstance(operand, list) or not operand:
            raise _Bad(line, "`in` takes a list of values")
        return tuple(operand)
    if op == "regex":
        if not isinstance(operand, str):
            raise _Bad(line, "`regex` takes a regular expression in quotes")
        try:
            return re.compile(operand)
        except re.error as exc:
            raise _Bad(line, f"`regex` {operand!r} is not a regular expression: {exc}") from None
    if op in ("gt", "ge", "lt", "le"):
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise _Bad(line, f"`{op}` takes a number")
        return float(operand)
    return operand
