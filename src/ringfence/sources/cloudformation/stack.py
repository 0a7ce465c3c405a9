"""One template (and the nested stacks it reads from disk) evaluated into model resources.

Parameters take their ``--parameter`` value, else their default, else are unknown (said so); conditions
decide which resources exist (a condition that depends on an unknown parameter leaves the resource's
attributes unknown); every resource's properties are evaluated (:mod:`.intrinsics`) and translated into the
model's kinds (:mod:`.types`). A nested stack (``AWS::CloudFormation::Stack`` with a local
``TemplateURL``) is read with the parameters its parent passes, its resources addressed ``Parent/Child``;
``Fn::GetAtt Parent.Outputs.Name`` reads the child's output.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.model import InputError, Provenance, Ref, Resource, Unknown
from ringfence.sources.cloudformation import types
from ringfence.sources.cloudformation.intrinsics import (
    EvaluationError,
    Scope,
    concat,
    first_undecided,
    is_decided,
)
from ringfence.sources.cloudformation.suppressions import annotations_of
from ringfence.sources.terraform.convert import Interpolation
from ringfence.sources.yamldoc import CLOUDFORMATION_TAGS, Map, Seq, YamlError, line_of, read_file

MAX_NESTING = 8  # nested stacks inside nested stacks
STACK_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass
class Collected:
    """What the templates of one scan gave: resources, errors, notes, the names CloudFormation generates
    (address -> attribute -> placeholder), the types no table maps."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generated: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: Counter[str] = field(default_factory=Counter)


def read_template(path: Path, shown: str) -> Map | InputError | None:
    """The template at ``path``; an error naming ``shown`` and the line when it cannot be read; None when
    the file is YAML or JSON but not a CloudFormation template."""
    try:
        documents = read_file(path, tags=CLOUDFORMATION_TAGS)
    except YamlError as exc:
        return InputError(shown, exc.line, exc.message)
    except OSError as exc:
        return InputError(shown, None, f"cannot read: {exc.strerror}")
    if len(documents) != 1 or not is_template(documents[0].value):
        return None
    value = documents[0].value
    assert isinstance(value, Map)
    return value


def is_template(value: Any) -> bool:
    """A CloudFormation template: a mapping with ``AWSTemplateFormatVersion``, or ``Resources`` whose
    entries have an AWS, custom or SAM ``Type``."""
    if not isinstance(value, Mapping):
        return False
    if "AWSTemplateFormatVersion" in value:
        return True
    resources = value.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        return False
    return all(
        isinstance(r, Mapping)
        and isinstance(r.get("Type"), str)
        and r["Type"].startswith(("AWS::", "Custom::"))
        for r in resources.values()
    )


def transforms(template: Mapping[str, Any]) -> tuple[str, ...]:
    found = template.get("Transform")
    listed = found if isinstance(found, list) else [found]
    return tuple(t for t in listed if isinstance(t, str))


def local_template(location: Any, folder: Path) -> Path | None:
    """The file a nested stack's ``TemplateURL`` (or a SAM application's ``Location``) names on disk;
    None for a URL."""
    if not isinstance(location, str) or not location or "://" in location or location.startswith("s3:"):
        return None
    return (folder / location).resolve()


def _end_line(value: Any, start: int) -> int:
    """The last line a resource's body reaches (the largest line of a key or item inside it)."""
    end = start
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Map):
            end = max(end, item.line, *item.key_lines.values()) if item.key_lines else max(end, item.line)
            stack.extend(item.values())
        elif isinstance(item, Seq):
            end = max(end, item.line, *item.item_lines) if item.item_lines else max(end, item.line)
            stack.extend(item)
    return end


def typed_parameter(declared: Mapping[str, Any], value: Any) -> Any:
    """A parameter's value as ``Ref`` gives it: lists for the list types, numbers for ``Number``."""
    kind = str(declared.get("Type", "String"))
    if isinstance(value, Unknown | Ref) or not isinstance(value, str | int | float | bool | list):
        return value
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        if isinstance(value, list):
            return value
        return [part.strip() for part in str(value).split(",")] if str(value) else []
    if kind == "Number" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


class Stack:
    """One template, with the parameters given to it, evaluated into ``collected``."""

    def __init__(
        self,
        template: Map,
        *,
        file: str,
        folder: Path,
        prefix: str,
        given: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        collected: Collected,
        depth: int = 0,
        shown: Callable[[Path], str],
        root: str,
    ) -> None:
        self.template = template
        self.file = file
        self.folder = folder
        self.prefix = prefix
        self.pseudo = pseudo
        self.collected = collected
        self.depth = depth
        self.shown = shown
        self.root = root
        self._children: dict[str, Stack | Unknown] = {}
        self._undecided_condition: dict[str, str] = {}
        resources = template.get("Resources")
        self.resources: Mapping[str, Any] = resources if isinstance(resources, Mapping) else {}
        if not isinstance(resources, Mapping):
            self._error(line_of(template, "Resources"), "Resources must be a mapping of resources")
        self.types = {
            str(k): str(v.get("Type"))
            for k, v in self.resources.items()
            if isinstance(v, Mapping) and "Type" in v
        }
        self.scope = Scope(
            parameters=self._parameters(given),
            pseudo=pseudo,
            resources={k: types.ref_attribute(t) for k, t in self.types.items()},
            prefix=prefix,
            mappings=_mapping(template.get("Mappings")),
            conditions=_mapping(template.get("Conditions")),
            attribute=lambda logical, name: types.attribute_for(self.types.get(logical, ""), name),
            outputs=self._output,
        )

    # -- parameters ---------------------------------------------------------------------------------------
    def _parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        declared = _mapping(self.template.get("Parameters"))
        out: dict[str, Any] = {}
        for name, declaration in declared.items():
            spec = declaration if isinstance(declaration, Mapping) else {}
            if name in given:
                out[name] = typed_parameter(spec, given[name])
            elif "Default" in spec:
                out[name] = typed_parameter(spec, spec["Default"])
            else:
                out[name] = Unknown(
                    f"parameter {name} has no default and no --parameter {name}=VALUE was given"
                )
                self.collected.notes.append(
                    f"{self.file}: parameter {self.prefix}{name} has no default and no value: what depends on it is "
                    f"unknown (give --parameter {name}=VALUE)"
                )
            if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value") and name not in given:
                out[name] = Unknown(f"parameter {name} is read from SSM Parameter Store at deploy time")
        return out

    def _error(self, line: int | None, message: str, undecided: bool = False) -> None:
        self.collected.errors.append(InputError(self.file, line, message, undecided=undecided))

    # -- resources ----------------------------------------------------------------------------------------
    def load(self) -> None:
        created: dict[str, str | None] = {}
        for key, body in self.resources.items():
            logical = str(key)
            line = line_of(self.resources, logical)
            if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
                self._error(line, f"resource {logical} has no Type")
                continue
            condition = body.get("Condition")
            if condition is None:
                continue
            try:
                decided = self.scope.condition(str(condition), line_of(body, "Condition") or line)
            except EvaluationError as exc:
                self._error(exc.line, f"{logical}: {exc.message}")
                decided = Unknown(exc.message)
            if decided is False:
                created[logical] = None
            elif isinstance(decided, Unknown):
                self._undecided_condition[logical] = (
                    f"created only if condition {condition} holds: {decided.reason}"
                )
        self.scope.resources = {**self.scope.resources, **created}
        for key, body in self.resources.items():
            logical = str(key)
            if logical in created or not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
                continue
            self._resource(logical, body)
        self._flush_problems()

    def _flush_problems(self) -> None:
        for problem in self.scope.problems:
            self._error(problem.line, problem.message, undecided=problem.undecided)
        self.scope.problems.clear()

    def _resource(self, logical: str, body: Mapping[str, Any]) -> None:
        kind_name = str(body["Type"])
        line = line_of(self.resources, logical) or 1
        provenance = Provenance("cloudformation", self.file, line, _end_line(body, line))
        address = self.prefix + logical
        unevaluated = self._undecided_condition.get(logical)
        try:
            properties = self.scope.value(body.get("Properties") or {}, line_of(body, "Properties") or line)
        except EvaluationError as exc:
            self._error(exc.line, f"{logical}: {exc.message}")
            properties, unevaluated = {}, f"{logical}: {exc.message}"
        if not isinstance(properties, Mapping):
            properties = {}
        annotations = annotations_of(body.get("Metadata"))
        if kind_name in STACK_TYPES:
            self._nested(logical, kind_name, properties, provenance)
        _, parts = types.translate(kind_name, properties, lambda attr: Ref(address, attr))
        spec = types.type_of(kind_name)
        if spec is None and kind_name not in STACK_TYPES:
            self.collected.unmapped[kind_name] += 1
        for part in parts:
            part_address = address + part.suffix
            attributes = dict(part.attributes)
            # No name given: CloudFormation generates one at deploy. Left out of the attributes (as
            # Terraform leaves out a name it generates), spelled as a placeholder for the ARN.
            if (
                spec is not None
                and spec.name
                and part.suffix == ""
                and part.kind == spec.kind
                and attributes.get(spec.name) in (None, "")
            ):
                attributes.pop(spec.name, None)
                self.collected.generated[part_address] = {spec.name: f"<{part_address}>"}
            tags = attributes.get("tags")
            self.collected.resources.append(
                Resource(
                    address=part_address,
                    kind=part.kind,
                    attributes=attributes,
                    provenance=provenance,
                    annotations=annotations,
                    root=self.root,
                    tags={str(k): v for k, v in tags.items() if isinstance(v, str)}
                    if isinstance(tags, Mapping)
                    else {},
                    unevaluated=unevaluated,
                )
            )

    # -- nested stacks ------------------------------------------------------------------------------------
    def _nested(self, logical: str, kind: str, properties: Mapping[str, Any], provenance: Provenance) -> None:
        child = self._child(logical, kind, properties, provenance)
        if isinstance(child, Stack):
            child.load()

    def _child(
        self, logical: str, kind: str, properties: Mapping[str, Any], provenance: Provenance
    ) -> Stack | Unknown:
        if logical in self._children:
            return self._children[logical]
        location = properties.get("TemplateURL" if kind == STACK_TYPES[0] else "Location")
        path = local_template(location, self.folder)
        if path is None:
            why = f"nested stack {self.prefix}{logical}: its template {location} is not on disk: not read"
            self.collected.notes.append(f"{self.file}: {why}")
            self._children[logical] = Unknown(why)
            return self._children[logical]
        if self.depth >= MAX_NESTING:
            why = f"nested stack {self.prefix}{logical}: stacks nested deeper than {MAX_NESTING}: not read"
            self._error(provenance.line, why)
            self._children[logical] = Unknown(why)
            return self._children[logical]
        shown = self.shown(path)
        template = (
            read_template(path, shown)
            if path.is_file()
            else InputError(self.file, provenance.line, f"nested stack {logical}: {location}: no such file")
        )
        if not isinstance(template, Map):
            error = template or InputError(shown, None, "not a CloudFormation template")
            self.collected.errors.append(error)
            self._children[logical] = Unknown(f"nested stack {self.prefix}{logical} could not be read")
            return self._children[logical]
        given = properties.get("Parameters")
        child = Stack(
            template,
            file=shown,
            folder=path.parent,
            prefix=f"{self.prefix}{logical}/",
            given=given if isinstance(given, Mapping) else {},
            pseudo=self.pseudo,
            collected=self.collected,
            depth=self.depth + 1,
            shown=self.shown,
            root=self.root,
        )
        self._children[logical] = child
        return child

    def _output(self, logical: str, name: str) -> Any:
        child = self._children.get(logical)
        body = self.resources.get(logical)
        if child is None and isinstance(body, Mapping) and body.get("Type") in STACK_TYPES:
            line = line_of(self.resources, logical) or 1
            try:
                properties = self.scope.value(body.get("Properties") or {}, line)
            except EvaluationError as exc:
                return Unknown(exc.message)
            provenance = Provenance("cloudformation", self.file, line)
            child = self._child(
                logical, str(body["Type"]), properties if isinstance(properties, Mapping) else {}, provenance
            )
        if child is None:
            return Ref(self.prefix + logical, f"outputs.{name}")
        if isinstance(child, Unknown):
            return child
        return child.output(name)

    def output(self, name: str) -> Any:
        outputs = _mapping(self.template.get("Outputs"))
        found = outputs.get(name)
        if not isinstance(found, Mapping) or "Value" not in found:
            return Unknown(f"the nested stack {self.prefix.rstrip('/')} has no output {name}")
        try:
            value = self.scope.value(found["Value"], line_of(found, "Value"))
        except EvaluationError as exc:
            self._error(exc.line, f"output {name}: {exc.message}")
            return Unknown(exc.message)
        return value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def describe_undecided(value: Any) -> str:
    found = first_undecided(value)
    if isinstance(found, Unknown):
        return found.reason
    return f"it names {found}, known only once deployed"


_MAX_PASSES = 8  # references to references to ... a literal


def started_recorders(resources: list[Resource]) -> list[Resource]:
    """AWS Config recorders as CloudFormation leaves them: it starts a recorder as soon as a delivery
    channel is available (AWS::Config::ConfigurationRecorder), which Terraform writes as a separate status
    resource; one is added for each recorder of a stack that has a delivery channel."""
    if not any(r.kind == "aws_config_delivery_channel" for r in resources):
        return resources
    started = [
        dataclasses.replace(
            r,
            address=f"{r.address}.Status",
            kind="aws_config_configuration_recorder_status",
            attributes={"name": r.attributes.get("name") or Ref(r.address, "name"), "is_enabled": True},
            annotations=(),
        )
        for r in resources
        if r.kind == "aws_config_configuration_recorder"
    ]
    return [*resources, *started]


def resolve_literals(resources: list[Resource]) -> list[Resource]:
    """``Fn::GetAtt`` and ``Ref`` of an attribute the template writes as a literal (a subnet's
    ``CidrBlock``, a role's ``RoleName``) read that literal, as Terraform reads ``aws_subnet.app.cidr_block``;
    attributes AWS assigns (ids, ARNs) stay references, resolved with the estate."""
    by_address = {r.address: r for r in resources}

    def value_of(ref: Ref) -> Any:
        target = by_address.get(ref.address)
        if target is None or ref.attribute in (None, "id", "arn") or target.unevaluated:
            return ref
        found = target.attributes.get(ref.attribute or "", ref)
        return (
            found
            if isinstance(found, str | int | float | bool) or (isinstance(found, list) and is_decided(found))
            else ref
        )

    def resolved(value: Any) -> Any:
        if isinstance(value, Ref):
            return value_of(value)
        if isinstance(value, Interpolation):
            return concat([resolved(p) for p in value.parts], "a reference", None)
        if isinstance(value, Mapping):
            return {k: resolved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolved(v) for v in value]
        return value

    for _ in range(_MAX_PASSES):
        changed = False
        out = []
        for resource in resources:
            attributes = {k: resolved(v) for k, v in resource.attributes.items()}
            if attributes != resource.attributes:
                changed = True
                out.append(dataclasses.replace(resource, attributes=attributes))
            else:
                out.append(resource)
        resources = out
        by_address = {r.address: r for r in resources}
        if not changed:
            break
    return resources
