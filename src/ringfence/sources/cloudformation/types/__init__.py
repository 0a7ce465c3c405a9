"""CloudFormation resource types in the model's vocabulary (the Terraform AWS provider's kinds and
attribute shapes), so every check and engine reads a template as it reads Terraform.

Each service module holds one declarative table: CloudFormation type -> :class:`Type` (the model kind,
property -> attribute, what ``Ref`` and ``Fn::GetAtt`` return, what CloudFormation sets by default, and
the separate model resources a property stands for, such as an S3 bucket's versioning). A type no table
names is kept as a resource of kind ``AWS::Service::Type`` with its properties as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ringfence.model import Ref, Unknown


@dataclass(frozen=True, slots=True)
class Block:
    """A property holding a structure (or a list of them): a nested block ``attr`` (a list of blocks, as
    Terraform writes them, unless ``many`` is False: then a plain mapping) with its own fields."""

    attr: str
    fields: Mapping[str, Target]
    many: bool = True


@dataclass(frozen=True, slots=True)
class Convert:
    """A property whose value becomes several attributes, or one computed from it."""

    fn: Callable[[Any], Mapping[str, Any]]


Target = str | Block | Convert


@dataclass(frozen=True, slots=True)
class Part:
    """A model resource a CloudFormation resource stands for besides itself (``suffix`` is appended to the
    logical id: ``DataBucket.VersioningConfiguration``), or instead of itself (``suffix`` "")."""

    suffix: str
    kind: str
    attributes: Mapping[str, Any]


# parts(properties, attributes, own) -> the parts; ``own(attribute)`` is a Ref to the resource itself.
PartsOf = Callable[[Mapping[str, Any], Mapping[str, Any], Callable[[str], Ref]], Iterable[Part]]


@dataclass(frozen=True, slots=True)
class Type:
    kind: str
    fields: Mapping[str, Target]
    ref: str = "id"  # the model attribute `Ref` returns
    atts: Mapping[str, str] = field(default_factory=dict)  # GetAtt name -> attribute (else snake_case)
    name: str | None = None  # the attribute CloudFormation fills with a generated name when not given
    defaults: Mapping[str, Any] = field(default_factory=dict)  # CloudFormation's where Terraform differs
    parts: PartsOf | None = None
    itself: bool = True  # False: only the parts are resources (one inline policy per role it names)
    # attributes made of several properties together (a flow log's ResourceType and ResourceId)
    extra: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """``PublicIp`` -> ``public_ip``, ``DNSName`` -> ``dns_name``."""
    return _CAMEL.sub("_", name.replace(".", "_")).lower()


def tags(value: Any) -> dict[str, Any]:
    """CloudFormation's ``[{Key, Value}]`` (or a plain mapping) as the model's ``tags`` mapping."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {
            str(t["Key"]): t.get("Value")
            for t in value
            if isinstance(t, Mapping) and isinstance(t.get("Key"), str)
        }
    return {}


TAGS = Convert(lambda v: {"tags": tags(v)})


def listed(attr: str) -> Convert:
    """A single value the model holds in a list (``CidrIp`` -> ``cidr_blocks``)."""
    return Convert(lambda v: {attr: v if isinstance(v, list | Unknown) else [v]})


def fill(fields: Mapping[str, Target], value: Any) -> dict[str, Any]:
    """The attributes ``fields`` makes of one CloudFormation structure."""
    out: dict[str, Any] = {}
    if not isinstance(value, Mapping):
        return out
    for prop, target in fields.items():
        if prop not in value:
            continue
        item = value[prop]
        if isinstance(target, str):
            out[target] = item
        elif isinstance(target, Block):
            if isinstance(item, Unknown | Ref):
                out[target.attr] = item
            elif target.many:
                out[target.attr] = [
                    fill(target.fields, i) for i in (item if isinstance(item, list) else [item])
                ]
            else:
                out[target.attr] = fill(target.fields, item)
        else:
            out.update(target.fn(item))
    return out


def _registry() -> Mapping[str, Type]:
    from ringfence.sources.cloudformation.types import (
        compute,
        identity,
        monitoring,
        network,
        services,
        storage,
    )

    tables = (network.TYPES, compute.TYPES, identity.TYPES, storage.TYPES, services.TYPES, monitoring.TYPES)
    return {name: spec for table in tables for name, spec in table.items()}


_TYPES: Mapping[str, Type] | None = None


def type_of(name: str) -> Type | None:
    """The table entry for a CloudFormation type; None when no table names it."""
    global _TYPES  # noqa: PLW0603  (the tables load once, on first use)
    if _TYPES is None:
        _TYPES = _registry()
    return _TYPES.get(name)


def attribute_for(name: str, getatt: str) -> str:
    """The model attribute ``Fn::GetAtt Resource.getatt`` reads on a resource of CloudFormation type
    ``name``."""
    spec = type_of(name)
    if spec is not None and getatt in spec.atts:
        return spec.atts[getatt]
    if getatt == "Arn":
        return "arn"
    return snake(getatt)


def ref_attribute(name: str) -> str:
    spec = type_of(name)
    return spec.ref if spec is not None else "id"


def translate(name: str, properties: Mapping[str, Any], own: Callable[[str], Ref]) -> tuple[str, list[Part]]:
    """The model kind and resources of one CloudFormation resource of type ``name``: (kind, parts), the
    part with suffix "" being the resource itself."""
    spec = type_of(name)
    if spec is None:
        return name, [Part("", name, dict(properties))]
    attributes = {**spec.defaults, **fill(spec.fields, properties)}
    if spec.extra is not None:
        attributes.update(spec.extra(properties))
    parts = list(spec.parts(properties, attributes, own)) if spec.parts is not None else []
    if spec.itself:
        parts.insert(0, Part("", spec.kind, attributes))
    return spec.kind, parts
