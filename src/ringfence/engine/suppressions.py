"""Ignore comments: ringfence's own, and those teams already wrote for Checkov, Trivy/tfsec and cfn_nag
(CloudFormation suppressions arrive here as comments of the same forms, from the resource's Metadata)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ringfence.engine.findings import Suppression

_OWN = re.compile(r"^ringfence:ignore\s+([\w.*-]+)(?:\s+(.*))?$")
_CHECKOV = re.compile(r"^checkov:skip=([A-Za-z0-9_]+)(?::(.*))?$")
_TRIVY = re.compile(r"^(trivy|tfsec):ignore:([A-Za-z0-9_-]+)(.*)$")
_CFN_NAG = re.compile(r"^cfn_nag:suppress=([\w.-]+)(?::(.*))?$")


def suppression_for(
    rule_id: str, comments: Iterable[str], peers: Mapping[str, tuple[str, ...]]
) -> Suppression | None:
    """The comment that suppresses ``rule_id``, if any (ringfence's own comments win)."""
    foreign: Suppression | None = None
    for comment in comments:
        text = comment.strip()
        own = _OWN.match(text)
        if own:
            if own.group(1) in (rule_id, "*") or (
                own.group(1).endswith("*") and rule_id.startswith(own.group(1)[:-1])
            ):
                return Suppression("ringfence:ignore", (own.group(2) or "").strip() or "no reason given")
            continue
        checkov = _CHECKOV.match(text)
        if checkov and rule_id in peers.get(checkov.group(1).upper(), ()):
            foreign = foreign or Suppression(
                f"checkov:skip={checkov.group(1)}", (checkov.group(2) or "").strip() or "no reason given"
            )
            continue
        trivy = _TRIVY.match(text)
        if trivy and rule_id in peers.get(trivy.group(2).upper(), ()):
            reason = trivy.group(3).strip().lstrip(":").strip()
            foreign = foreign or Suppression(
                f"{trivy.group(1)}:ignore:{trivy.group(2)}", reason or "no reason given"
            )
            continue
        nag = _CFN_NAG.match(text)
        if nag and (nag.group(1) == rule_id or rule_id in peers.get(nag.group(1).upper(), ())):
            foreign = foreign or Suppression(
                f"cfn_nag:{nag.group(1)}", (nag.group(2) or "").strip() or "no reason given"
            )
    return foreign
