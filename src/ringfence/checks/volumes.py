"""EBS: volumes, instance block devices and launch templates encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list


def default_encryption(ctx: Context) -> bool | Unknown:
    """Is EBS encryption by default switched on for the estate's region?"""
    settings = ctx.estate.of_kind("aws_ebs_encryption_by_default")
    values = [as_bool(s.get("enabled", True)) for s in settings]
    if any(v is True for v in values):
        return True
    undecided = [v for v in values if isinstance(v, Unknown)]
    return undecided[0] if undecided else False


def _devices(resource: Resource) -> Iterator[tuple[str, Any]]:
    """(device name, block) for every block device the resource defines."""
    if resource.kind == "aws_ebs_volume":
        yield "volume", resource.attributes
    elif resource.kind == "aws_instance":
        root = as_list(resource.get("root_block_device")) or [{}]
        for block in root:
            yield "root_block_device", block
        for block in as_list(resource.get("ebs_block_device")):
            yield (
                f"ebs_block_device {block.get('device_name', '') if isinstance(block, dict) else ''}".strip(),
                block,
            )
    elif resource.kind == "aws_launch_template":
        for mapping in as_list(resource.get("block_device_mappings")):
            if isinstance(mapping, dict):
                for ebs in as_list(mapping.get("ebs")):
                    yield f"block_device_mappings {mapping.get('device_name', '')}".strip(), ebs


def encrypted_volume(resource: Resource, ctx: Context) -> Iterable[Result]:
    default = default_encryption(ctx)
    plain: list[str] = []
    undecided: list[str] = []
    for device, block in _devices(resource):
        if not isinstance(block, dict):
            continue
        value = as_bool(block.get("encrypted"))
        if value is True:
            continue
        if isinstance(value, Unknown):
            undecided.append(f"{device}: {value.reason}")
        elif value is None and block.get("snapshot_id") is not None:
            undecided.append(f"{device}: encryption follows snapshot {block.get('snapshot_id')}")
        elif default is True:
            continue
        elif isinstance(default, Unknown) and value is None:
            undecided.append(f"{device}: EBS encryption by default is not known: {default.reason}")
        else:
            plain.append(device)
    if plain:
        yield failed(resource, f"unencrypted EBS storage: {', '.join(plain)}", detail=",".join(plain))
    elif undecided:
        yield unknown(resource, "; ".join(undecided))
    else:
        yield passed(resource)


EBS_ENCRYPTED = Check(
    Meta(
        rule_id="ebs.volume-encrypted",
        title="EBS volumes are encrypted at rest",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Unencrypted volumes and their snapshots can be copied and read by anyone who obtains "
        "them; encryption cannot be added to an existing volume in place.",
        remediation="Set encrypted = true on volumes and block devices, or switch on EBS encryption by default.",
        terraform='resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}',
        peers=("CKV_AWS_3", "CKV_AWS_8", "AVD-AWS-0026", "AVD-AWS-0131", "AVD-AWS-0008"),
    ),
    kinds=("aws_ebs_volume", "aws_instance", "aws_launch_template"),
    per_resource=encrypted_volume,
)

CHECKS = (EBS_ENCRYPTED,)
