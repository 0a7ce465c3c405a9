"""Compliance mappings as data: one YAML file per framework and version, each mapping rule ids to the
framework's control ids. A check's ``Meta.compliance`` is read from here; nothing in code lists controls."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

# In the order their ids are shown.
FILES = ("cis-aws-5.0.yaml", "fsbp.yaml")


@cache
def mappings() -> Mapping[str, tuple[str, ...]]:
    """Rule id -> ``FRAMEWORK:control`` ids, in the order of :data:`FILES` and of each file."""
    import yaml

    out: dict[str, list[str]] = {}
    for name in FILES:
        text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        framework = str(data["framework"])
        for rule_id, controls in data["controls"].items():
            out.setdefault(str(rule_id), []).extend(f"{framework}:{control}" for control in controls)
    return {rule_id: tuple(ids) for rule_id, ids in out.items()}


def compliance_of(rule_id: str) -> tuple[str, ...]:
    return mappings().get(rule_id, ())
