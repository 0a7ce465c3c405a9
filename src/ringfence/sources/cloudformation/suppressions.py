"""Suppressions written in a resource's ``Metadata`` (JSON templates have no comments), as the ignore
comments the engine already reads (:mod:`ringfence.engine.suppressions`):

- ``Metadata: {ringfence: {ignore: [{id: RULE_ID, reason: ...}]}}``;
- Checkov's ``Metadata: {checkov: {skip: [{id: CKV_AWS_..., comment: ...}]}}``, through the peer ids each
  rule declares;
- cfn_nag's ``Metadata: {cfn_nag: {rules_to_suppress: [{id: ..., reason: ...}]}}``: its ids (``W35``) are
  not peers of any rule, so only an entry naming a ringfence rule id suppresses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_FORMS = (
    # (tool, list key, id key, reason key, comment format)
    ("ringfence", "ignore", "id", "reason", "ringfence:ignore {id} {reason}"),
    ("checkov", "skip", "id", "comment", "checkov:skip={id}:{reason}"),
    ("cfn_nag", "rules_to_suppress", "id", "reason", "cfn_nag:suppress={id}:{reason}"),
)


def annotations_of(metadata: Any) -> tuple[str, ...]:
    """The ignore comments a resource's ``Metadata`` stands for."""
    return tuple(_annotations(metadata)) if isinstance(metadata, Mapping) else ()


def _annotations(metadata: Mapping[str, Any]) -> Iterator[str]:
    for tool, key, id_key, reason_key, form in _FORMS:
        section = metadata.get(tool)
        entries = section.get(key) if isinstance(section, Mapping) else None
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping) or not isinstance(entry.get(id_key), str):
                continue
            reason = entry.get(reason_key)
            text = " ".join(str(reason).split()) if isinstance(reason, str | int | float) else ""
            yield form.format(id=entry[id_key].strip(), reason=text).strip()
