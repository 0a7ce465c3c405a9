"""CloudFormation's intrinsic and condition functions, evaluated as CloudFormation does at deploy time.

What the template fixes becomes a plain value; a reference to a resource of the template becomes a model
:class:`Ref` (or an :class:`Interpolation` inside a string), resolved once the estate knows the resources'
ARNs and names, the way the Terraform source resolves its references; what only the deployment knows (a
parameter without a default, a value another stack exports, the account's availability zones) is an
:class:`Unknown` that says why. Nothing is guessed.

The functions follow the AWS CloudFormation User Guide, "Intrinsic function reference" and "Condition
functions"; `AWS::NoValue` removes the property or list item that holds it.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ringfence.model import Ref, Unknown
from ringfence.sources.terraform.convert import Interpolation
from ringfence.sources.yamldoc import Map, Seq, line_of


class _NoValue:
    """``AWS::NoValue``: the property or item that holds it is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_MAX_DEPTH = 100  # function calls inside function calls; the reader bounds nesting already


class EvaluationError(Exception):
    """A function the template calls wrongly: the message and the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the evaluation reports: an error (``undecided``: read, but decided by something outside
    the template, such as an import from another stack)."""

    line: int | None
    message: str
    undecided: bool = False


@dataclass
class Scope:
    """What names mean in one template: its parameters (already typed), the pseudo parameters, its
    resources (logical id -> the model attribute ``Ref`` returns, or None when it is not created), its
    mappings and conditions."""

    parameters: Mapping[str, Any]
    pseudo: Mapping[str, Any]
    resources: Mapping[str, str | None]
    prefix: str  # address prefix of this template's resources ("" or "Parent/")
    mappings: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    # logical id -> GetAtt attribute name -> model attribute
    attribute: Callable[[str, str], str] = lambda logical, name: name
    # nested stacks: logical id -> output name -> value
    outputs: Callable[[str, str], Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    _decided: dict[str, bool | Unknown] = field(default_factory=dict)
    _deciding: set[str] = field(default_factory=set)

    # -- conditions ---------------------------------------------------------------------------------------
    def condition(self, name: str, line: int | None) -> bool | Unknown:
        """The named condition (``Conditions:``), evaluated once; a condition that uses itself is an error."""
        if name in self._decided:
            return self._decided[name]
        if name not in self.conditions:
            raise EvaluationError(f"condition {name!r} is not defined in Conditions", line)
        if name in self._deciding:
            raise EvaluationError(
                f"condition {name} depends on itself", line_of(self.conditions, name) or line
            )
        self._deciding.add(name)
        try:
            decided = self.truth(self.conditions[name], line_of(self.conditions, name) or line)
        finally:
            self._deciding.discard(name)
        self._decided[name] = decided
        return decided

    def truth(self, value: Any, line: int | None, depth: int = 0) -> bool | Unknown:
        if depth > _MAX_DEPTH:
            raise EvaluationError("condition functions nested too deep", line)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, Mapping) or len(value) != 1:
            raise EvaluationError(
                "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition", line
            )
        ((name, args),) = value.items()
        line = line_of(value, name) or line
        if name == "Condition":
            if not isinstance(args, str):
                raise EvaluationError("Condition takes the name of a condition", line)
            return self.condition(args, line)
        if name == "Fn::Equals":
            pair = _arguments(args, 2, name, line)
            left, right = (self.value(a, line, depth + 1) for a in pair)
            if not _decided(left):
                return _unknown_of(left, "Fn::Equals")
            if not _decided(right):
                return _unknown_of(right, "Fn::Equals")
            return _scalar_text(left) == _scalar_text(right)
        if name in ("Fn::And", "Fn::Or"):
            if not isinstance(args, list) or not 2 <= len(args) <= 10:
                raise EvaluationError(f"{name} takes 2 to 10 conditions", line)
            results = [self.truth(a, line, depth + 1) for a in args]
            decisive: bool = str(name) == "Fn::Or"  # a true operand decides Or, a false one decides And
            if any(r is decisive for r in results):
                return decisive
            undecided = [r for r in results if isinstance(r, Unknown)]
            return undecided[0] if undecided else not decisive
        if name == "Fn::Not":
            (only,) = _arguments(args, 1, name, line)
            result = self.truth(only, line, depth + 1)
            return result if isinstance(result, Unknown) else not result
        if name == "Fn::If":
            return self._truth_of_value(self.value(value, line, depth + 1), line)
        raise EvaluationError(f"{name} is not a condition function", line)

    def _truth_of_value(self, value: Any, line: int | None) -> bool | Unknown:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise EvaluationError("a condition must be true or false", line)

    # -- values -------------------------------------------------------------------------------------------
    def value(self, node: Any, line: int | None = None, depth: int = 0) -> Any:
        """``node`` with every function evaluated; :data:`NO_VALUE` where it evaluates to nothing."""
        if depth > _MAX_DEPTH:
            raise EvaluationError("intrinsic functions nested too deep", line)
        if isinstance(node, Map | dict):
            here = line_of(node) or line
            if len(node) == 1:
                ((key, args),) = node.items()
                if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
                    return self._function(key, args, line_of(node, key) or here, depth)
            out: dict[str, Any] = {}
            for key, item in node.items():
                evaluated = self.value(item, line_of(node, key) or here, depth + 1)
                if evaluated is not NO_VALUE:
                    out[str(key)] = evaluated
            return out
        if isinstance(node, Seq | list):
            items: list[Any] = []
            for index, item in enumerate(node):
                evaluated = self.value(item, line_of(node, index) or line, depth + 1)
                if evaluated is not NO_VALUE:
                    items.append(evaluated)
            return items
        return node

    def _function(self, name: str, args: Any, line: int | None, depth: int) -> Any:
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise EvaluationError(f"{name} is not an intrinsic function CloudFormation knows", line)
        return handler(self, args, line, depth + 1)

    def ref(self, name: Any, line: int | None) -> Any:
        if not isinstance(name, str):
            raise EvaluationError("Ref takes the name of a parameter or a resource", line)
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            attribute = self.resources[name]
            if attribute is None:
                return Unknown(f"{name} is not created (its condition is false or undecided)")
            return Ref(self.prefix + name, attribute)
        raise EvaluationError(f"Ref {name}: no parameter, pseudo parameter or resource of that name", line)

    def get_att(self, logical: str, attribute: str, line: int | None) -> Any:
        if logical not in self.resources:
            raise EvaluationError(f"Fn::GetAtt {logical}.{attribute}: no resource {logical!r}", line)
        if self.resources[logical] is None:
            return Unknown(f"{logical} is not created (its condition is false or undecided)")
        if attribute.startswith("Outputs.") and self.outputs is not None:
            return self.outputs(logical, attribute.removeprefix("Outputs."))
        return Ref(self.prefix + logical, self.attribute(logical, attribute))


def _arguments(args: Any, count: int, name: str, line: int | None) -> list[Any]:
    if not isinstance(args, list) or len(args) != count:
        raise EvaluationError(f"{name} takes a list of {count}", line)
    return list(args)


def _decided(value: Any) -> bool:
    """A value the template fixes: no reference, no unknown, anywhere inside it."""
    if isinstance(value, Ref | Unknown | Interpolation):
        return False
    if isinstance(value, Mapping):
        return all(_decided(v) for v in value.values())
    if isinstance(value, list):
        return all(_decided(v) for v in value)
    return True


def _unknown_of(value: Any, what: str) -> Unknown:
    if isinstance(value, Unknown):
        return value
    found = _first_undecided(value)
    if isinstance(found, Unknown):
        return found
    return Unknown(f"{what} compares {found} (known only once deployed)")


def _first_undecided(value: Any) -> Any:
    if isinstance(value, Ref | Unknown | Interpolation):
        return value
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _first_undecided(item)
            if found is not None:
                return found
    return None


def _scalar_text(value: Any) -> str:
    """Values as CloudFormation compares and joins them: strings (``true`` for a boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def concat(parts: list[Any], what: str, line: int | None) -> Any:
    """Parts joined into one string; an :class:`Interpolation` when some part references a resource, the
    first :class:`Unknown` when some part is not known."""
    out: list[str | Ref] = []
    for part in parts:
        if isinstance(part, Unknown):
            return part
        if isinstance(part, Interpolation):
            out.extend(part.parts)
        elif isinstance(part, Ref):
            out.append(part)
        elif isinstance(part, str | int | float | bool):
            out.append(_scalar_text(part))
        else:
            raise EvaluationError(f"{what}: a list or mapping cannot be part of a string", line)
    merged: list[str | Ref] = []
    for part in out:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if all(isinstance(p, str) for p in merged):
        return "".join(str(p) for p in merged)
    if len(merged) == 1:
        return merged[0]
    return Interpolation(tuple(merged))


# -- the functions -------------------------------------------------------------------------------------------


def _ref(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    return scope.ref(scope.value(args, line, depth) if isinstance(args, Mapping) else args, line)


def _get_att(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    if isinstance(args, str) and "." in args:
        logical, attribute = args.split(".", 1)
    elif isinstance(args, list) and len(args) == 2:
        logical, attribute = args[0], scope.value(args[1], line, depth)
    else:
        raise EvaluationError("Fn::GetAtt takes [resource, attribute] or resource.attribute", line)
    if not isinstance(logical, str) or not isinstance(attribute, str):
        if isinstance(attribute, Unknown):
            return attribute
        raise EvaluationError("Fn::GetAtt takes the names of a resource and of one of its attributes", line)
    return scope.get_att(logical, attribute, line)


def _sub(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    if isinstance(args, str):
        text, variables = args, {}
    elif (
        isinstance(args, list)
        and len(args) == 2
        and isinstance(args[0], str)
        and isinstance(args[1], Mapping)
    ):
        text = args[0]
        variables = {str(k): scope.value(v, line_of(args[1], k) or line, depth) for k, v in args[1].items()}
    else:
        raise EvaluationError("Fn::Sub takes a string, or [string, {name: value}]", line)
    parts: list[Any] = []
    at = 0
    for match in _SUB_VARIABLE.finditer(text):
        parts.append(text[at : match.start()])
        at = match.end()
        name = match.group(1).strip()
        if name.startswith("!"):  # ${!Literal} is written as ${Literal}
            parts.append("${" + name[1:] + "}")
        elif name in variables:
            parts.append(variables[name])
        elif "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            parts.append(scope.get_att(logical, attribute, line))
        else:
            parts.append(scope.ref(name, line))
    parts.append(text[at:])
    return concat(parts, "Fn::Sub", line)


def _join(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    if not isinstance(args, list) or len(args) != 2:
        raise EvaluationError("Fn::Join takes [delimiter, [values]]", line)
    delimiter = scope.value(args[0], line, depth)
    items = scope.value(args[1], line, depth)
    if isinstance(items, Unknown):
        return items
    if not isinstance(delimiter, str) or not isinstance(items, list):
        raise EvaluationError("Fn::Join takes a string delimiter and a list of values", line)
    parts: list[Any] = []
    for index, item in enumerate(items):
        if index:
            parts.append(delimiter)
        parts.append(item)
    return concat(parts, "Fn::Join", line)


def _select(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    index, items = (scope.value(a, line, depth) for a in _arguments(args, 2, "Fn::Select", line))
    if isinstance(index, Unknown):
        return index
    if isinstance(items, Unknown):
        return Unknown(f"Fn::Select picks from a list that is not known: {items.reason}")
    try:
        position = int(index)
    except (TypeError, ValueError):
        raise EvaluationError("Fn::Select takes an index that is a number", line) from None
    if not isinstance(items, list):
        raise EvaluationError("Fn::Select picks from a list", line)
    if not 0 <= position < len(items):
        raise EvaluationError(f"Fn::Select index {position} is outside the list of {len(items)}", line)
    return items[position]


def _split(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    delimiter, text = (scope.value(a, line, depth) for a in _arguments(args, 2, "Fn::Split", line))
    if isinstance(text, Unknown):
        return text
    if isinstance(text, Ref | Interpolation):
        return Unknown(f"Fn::Split splits {text}, known only once deployed")
    if not isinstance(delimiter, str) or not delimiter or not isinstance(text, str):
        raise EvaluationError("Fn::Split takes [delimiter, string]", line)
    return text.split(delimiter)


def _if(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    name, when_true, when_false = _arguments(args, 3, "Fn::If", line)
    if not isinstance(name, str):
        raise EvaluationError("Fn::If takes the name of a condition first", line)
    decided = scope.condition(name, line)
    if isinstance(decided, Unknown):
        return Unknown(f"Fn::If {name}: {decided.reason}")
    return scope.value(when_true if decided else when_false, line, depth)


def _find_in_map(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    if not isinstance(args, list) or len(args) not in (3, 4):
        raise EvaluationError("Fn::FindInMap takes [map, top-level key, second-level key]", line)
    keys = [scope.value(a, line, depth) for a in args[:3]]
    default: Any = NO_VALUE
    if len(args) == 4:
        extra = scope.value(args[3], line, depth)
        if not isinstance(extra, Mapping) or "DefaultValue" not in extra:
            raise EvaluationError("Fn::FindInMap's fourth argument is {DefaultValue: ...}", line)
        default = extra["DefaultValue"]
    for key in keys:
        if not _decided(key):
            return _unknown_of(key, "Fn::FindInMap")
    found: Any = scope.mappings
    for depth_index, key in enumerate(keys):
        if not isinstance(found, Mapping) or _scalar_text(key) not in {str(k) for k in found}:
            if default is not NO_VALUE:
                return default
            what = ("map", "top-level key", "second-level key")[depth_index]
            raise EvaluationError(f"Fn::FindInMap: no {what} {_scalar_text(key)!r} in Mappings", line)
        found = next(v for k, v in found.items() if str(k) == _scalar_text(key))
    return scope.value(found, line, depth)


def _base64(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    # The text before encoding is what the checks read (user data, secrets in it): kept as it is.
    return scope.value(args, line, depth)


def _cidr(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    block, count, bits = (scope.value(a, line, depth) for a in _arguments(args, 3, "Fn::Cidr", line))
    for value in (block, count, bits):
        if not _decided(value):
            return _unknown_of(value, "Fn::Cidr")
    try:
        how_many, host_bits = int(count), int(bits)
    except (TypeError, ValueError):
        raise EvaluationError("Fn::Cidr takes [ip block, count, cidr bits]", line) from None
    try:
        return list(_cut(str(block), how_many, host_bits))
    except ValueError as exc:
        raise EvaluationError(str(exc), line) from None


@functools.lru_cache(maxsize=256)
def _cut(block: str, how_many: int, host_bits: int) -> tuple[str, ...]:
    """The first ``how_many`` blocks of ``host_bits`` host bits in ``block`` (a template cuts the same
    block once per subnet: computed once)."""
    try:
        network = ipaddress.ip_network(block, strict=False)
    except ValueError:
        raise ValueError("Fn::Cidr takes [ip block, count, cidr bits]") from None
    prefix = network.max_prefixlen - host_bits
    if not network.prefixlen <= prefix <= network.max_prefixlen or not 1 <= how_many <= 256:
        raise ValueError(f"Fn::Cidr cannot cut {how_many} blocks of {host_bits} bits from {block}")
    subnets: list[str] = []
    for subnet in network.subnets(new_prefix=prefix):
        subnets.append(str(subnet))
        if len(subnets) == how_many:
            return tuple(subnets)
    raise ValueError(f"Fn::Cidr: {block} holds fewer than {how_many} blocks of {host_bits} bits")


def _get_azs(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    region = scope.value(args, line, depth)
    where = region if isinstance(region, str) and region else scope.pseudo.get("AWS::Region")
    return Unknown(f"Fn::GetAZs: the availability zones of {where} depend on the account")


def _import_value(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    name = scope.value(args, line, depth)
    shown = name if isinstance(name, str) else str(name)
    scope.problems.append(
        Problem(line, f"Fn::ImportValue {shown}: exported by another stack, not known here", undecided=True)
    )
    return Unknown(f"Fn::ImportValue {shown} is exported by another stack")


def _length(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    items = scope.value(args, line, depth)
    if isinstance(items, Unknown):
        return items
    if not isinstance(items, list):
        raise EvaluationError("Fn::Length takes a list", line)
    return len(items)


def _to_json_string(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
    value = scope.value(args, line, depth)
    if not _decided(value):
        return _unknown_of(value, "Fn::ToJsonString")
    return json.dumps(value, separators=(",", ":"))


def _undecidable(name: str) -> Callable[[Scope, Any, int | None, int], Any]:
    def evaluate(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
        return Unknown(f"{name} is evaluated by CloudFormation at deploy time")

    return evaluate


def _condition_in_value(name: str) -> Callable[[Scope, Any, int | None, int], Any]:
    def evaluate(scope: Scope, args: Any, line: int | None, depth: int) -> Any:
        return scope.truth({name: args}, line, depth)

    return evaluate


_FUNCTIONS: Mapping[str, Callable[[Scope, Any, int | None, int], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::Cidr": _cidr,
    "Fn::GetAZs": _get_azs,
    "Fn::ImportValue": _import_value,
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Transform": _undecidable("Fn::Transform"),
    **{n: _condition_in_value(n) for n in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")},
}


def is_decided(value: Any) -> bool:
    """Whether the template fixes ``value`` entirely (no reference to a resource, nothing unknown)."""
    return _decided(value)


def first_undecided(value: Any) -> Any:
    """The first reference or unknown inside ``value`` (None when it is decided)."""
    return _first_undecided(value)
