"""Terraform plan JSON (`terraform show -json plan.out`) into the estate model.

Planned values are exact where Terraform knows them; ``after_unknown`` marks what it learns only at apply
(those become :class:`Unknown`, or a :class:`Ref` when the configuration says which resource they come
from).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ringfence.model import Estate, InputError, Provenance, Ref, Resource, Unknown
from ringfence.sources.base import LoadOptions

_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})


def is_plan(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        return True  # too deep to be anything but hand-made: load_plan reports it
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("planned_values" in data or "resource_changes" in data)
    )


def load_plan(path: Path, options: LoadOptions | None = None) -> Estate:
    """The plan at ``path`` as an estate; a file that is not one is an error of the estate."""
    options = options or LoadOptions()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return Estate(resources=(), errors=(InputError(str(path), None, f"cannot read plan: {exc}"),))
    except RecursionError:
        why = "cannot read plan: JSON nested too deep (a plan written by `terraform show -json` never is)"
        return Estate(resources=(), errors=(InputError(str(path), None, why),))
    if not isinstance(data, dict):
        return Estate(
            resources=(), errors=(InputError(str(path), None, "not a Terraform plan: not a JSON object"),)
        )
    if not isinstance(data.get("planned_values"), dict):
        why = "not a Terraform plan: no planned_values object (write it with `terraform show -json`)"
        return Estate(resources=(), errors=(InputError(str(path), None, why),))
    try:
        return _estate_of(data, path, options)
    except (AttributeError, TypeError, ValueError) as exc:
        # A plan's shape is fixed by `terraform show -json`; anything else is hand-made or damaged.
        why = f"not a Terraform plan in the shape `terraform show -json` writes ({type(exc).__name__}: {exc})"
        return Estate(resources=(), errors=(InputError(str(path), None, why[:300]),))


def _obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (a wrong type reads as absent, never crashes)."""
    return value if isinstance(value, dict) else {}


def _estate_of(data: dict[str, Any], path: Path, options: LoadOptions) -> Estate:
    from ringfence.sources.arns import most_common_account
    from ringfence.sources.base import account_for
    from ringfence.sources.terraform.estate import build_estate, strings_in
    from ringfence.sources.terraform.loader import RootLoad

    changes = data.get("resource_changes")
    unknowns = {
        rc.get("address"): _obj(_obj(rc.get("change")).get("after_unknown"))
        for rc in (changes if isinstance(changes, list) else [])
        if isinstance(rc, dict)
    }
    references = dict(_references(_obj(_obj(data.get("configuration")).get("root_module")), ""))
    resources: list[Resource] = []
    for item in _planned(_obj(_obj(data.get("planned_values")).get("root_module"))):
        address = str(item.get("address", ""))
        kind = str(item.get("type", ""))
        if item.get("mode") == "data":
            kind = f"data.{kind}"
        values = item.get("values") or {}
        config_address = _strip_indexes(address)
        attrs = _merge_unknown(values, unknowns.get(address, {}), references.get(config_address, {}))
        attrs = {k: v for k, v in attrs.items() if k not in _META}
        arn = values.get("arn") if isinstance(values.get("arn"), str) else None
        tags = values.get("tags") if isinstance(values.get("tags"), dict) else {}
        resources.append(
            Resource(
                address=address,
                kind=kind,
                attributes=attrs,
                provenance=Provenance(source="terraform-plan", path=path.name),
                arn=arn,
                tags={str(k): str(v) for k, v in (tags or {}).items()},
            )
        )
    provider = _obj(_obj(_obj(data.get("configuration")).get("provider_config")).get("aws"))
    region = _obj(_obj(provider.get("expressions")).get("region")).get("constant_value")
    providers: tuple[dict[str, object], ...] = ({"__name": "aws", "region": region},) if region else ()
    load = RootLoad(path.parent, "", tuple(resources), providers, (), ())
    observed = None
    if options.account_id is None:
        observed = most_common_account(s for r in resources for s in strings_in(r.attributes))
    account_id, notes = account_for(options, observed, "the ARNs in the code")
    estate = build_estate([load], str(path), account_id, notes=notes)
    # Keep ARNs Terraform already knows (resources that exist) over synthesized ones.
    known = {r.address: r.arn for r in resources if r.arn}
    if known:
        fixed = tuple(dataclasses.replace(r, arn=known.get(r.address, r.arn)) for r in estate.resources)
        estate = dataclasses.replace(estate, resources=fixed)
    return estate


def _planned(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for r in module.get("resources", []) or []:
        if isinstance(r, dict):
            yield r
    for child in module.get("child_modules", []) or []:
        if isinstance(child, dict):
            yield from _planned(child)


def _references(module: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Configuration address -> attribute -> the resource address it refers to."""
    for r in module.get("resources", []) or []:
        refs: dict[str, str] = {}
        for attr, expr in (r.get("expressions") or {}).items():
            if isinstance(expr, dict):
                for ref in expr.get("references", []) or []:
                    target = _resource_of(str(ref), prefix)
                    if target:
                        refs[attr] = target
                        break
        yield prefix + str(r.get("address", "")), refs
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict):
            yield from _references(call.get("module", {}), f"{prefix}module.{name}.")


def _resource_of(reference: str, prefix: str) -> str | None:
    parts = reference.split(".")
    if parts[0] in ("var", "local", "each", "count", "path", "terraform", "module", "self"):
        return None
    if parts[0] == "data" and len(parts) >= 3:
        return prefix + ".".join(parts[:3])
    if len(parts) >= 2:
        return prefix + ".".join(parts[:2])
    return None


def _strip_indexes(address: str) -> str:
    out, depth = [], 0
    for ch in address:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _merge_unknown(values: Any, unknown: Any, refs: Mapping[str, str], key: str = "") -> Any:
    if unknown is True:
        target = refs.get(key.split(".", 1)[0]) if key else None
        return Ref(target) if target else Unknown(f"{key or 'value'} is known only after apply")
    if isinstance(values, dict):
        out = {}
        keys = set(values) | (set(unknown) if isinstance(unknown, dict) else set())
        for k in sorted(keys):
            sub = unknown.get(k) if isinstance(unknown, dict) else None
            out[k] = _merge_unknown(values.get(k), sub, refs, f"{key}.{k}" if key else k)
        return out
    if isinstance(values, list):
        subs = unknown if isinstance(unknown, list) else []
        return [
            _merge_unknown(v, subs[i] if i < len(subs) else None, refs, key) for i, v in enumerate(values)
        ]
    return values
