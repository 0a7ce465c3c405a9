"""Reading Terraform-shaped attribute values the way the network analysis needs them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ringfence.model import Ref, Unknown, as_list
from ringfence.network.addresses import parse_cidr
from ringfence.network.intervals import IntervalSet


def to_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None or isinstance(value, Unknown | Ref):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def cidrs(values: Any) -> tuple[IntervalSet, list[str]]:
    """Known CIDRs as one address set, plus a reason for each value that is not a literal CIDR."""
    out = IntervalSet()
    unknown: list[str] = []
    for value in as_list(values):
        if isinstance(value, str):
            if not value:
                continue
            try:
                out = out | parse_cidr(value)
            except ValueError:
                unknown.append(f"{value!r} is not a CIDR")
        elif isinstance(value, Unknown):
            unknown.append(f"CIDR unknown before apply ({value.reason})")
        elif isinstance(value, Ref):
            unknown.append(f"CIDR taken from {value}")
        elif value is not None:
            unknown.append(f"{value!r} is not a CIDR")
    return out, unknown


def blocks(value: Any) -> list[Mapping[str, Any]]:
    """Nested blocks (a dict once, a list when repeated); anything that is not a block is dropped."""
    return [b for b in as_list(value) if isinstance(b, Mapping)]
