"""Compliance mappings as data: one YAML file per framework and version. Each maps rule ids to the
framework's control ids (`controls`) and lists every control of the framework with its title and what can
decide it (`framework_controls`). A check's ``Meta.compliance`` is read from here; nothing in code lists
controls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

# In the order their ids are shown.
FILES = ("cis-aws-5.0.yaml", "fsbp.yaml")
# The names `scan --compliance` takes -> their file.
NAMES = {"cis-aws-5.0": "cis-aws-5.0.yaml", "fsbp": "fsbp.yaml"}

Decidable = Literal["config", "live", "manual"]
DECIDABLE: tuple[Decidable, ...] = ("config", "live", "manual")


@dataclass(frozen=True)
class Control:
    id: str  # as the framework writes it: "2.1.1", "S3.5"
    title: str
    decidable: Decidable  # config: the configuration decides it; live: only the running account; manual


@dataclass(frozen=True)
class Framework:
    name: str  # as `scan --compliance` takes it: "cis-aws-5.0"
    id: str  # the prefix of its ids in Meta.compliance: "CIS-AWS-5.0"
    title: str
    controls: tuple[Control, ...]  # every control, in the framework's order
    rules: Mapping[str, tuple[str, ...]]  # rule id -> control ids, from the data file


@cache
def _read(name: str) -> dict[str, Any]:
    import yaml

    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def framework(name: str) -> Framework:
    """The framework ``name`` (a key of :data:`NAMES`)."""
    data = _read(NAMES[name])
    return Framework(
        name=name,
        id=str(data["framework"]),
        title=str(data["title"]),
        controls=tuple(
            Control(str(c["id"]), str(c["title"]), c["decidable"]) for c in data["framework_controls"]
        ),
        rules={str(rule): tuple(str(c) for c in ids) for rule, ids in data["controls"].items()},
    )


@cache
def mappings() -> Mapping[str, tuple[str, ...]]:
    """Rule id -> ``FRAMEWORK:control`` ids, in the order of :data:`FILES` and of each file."""
    out: dict[str, list[str]] = {}
    for name in FILES:
        data = _read(name)
        prefix = str(data["framework"])
        for rule_id, controls in data["controls"].items():
            out.setdefault(str(rule_id), []).extend(f"{prefix}:{control}" for control in controls)
    return {rule_id: tuple(ids) for rule_id, ids in out.items()}


def compliance_of(rule_id: str) -> tuple[str, ...]:
    return mappings().get(rule_id, ())
