"""Snapshots and images: EBS snapshots and AMIs encrypted; AMIs and RDS snapshots not shared with everyone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ringfence.checks.base import Check, Meta, Result, Severity, Status, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.checks.volumes import default_encryption, encrypted_volume
from ringfence.model import Ref, Resource, Unknown, as_bool, as_list


def _snapshot_encrypted(
    snapshot: Resource, ctx: Context, seen: frozenset[str] = frozenset()
) -> Iterable[Result]:
    if snapshot.kind == "aws_ebs_snapshot":
        # A snapshot has the encryption of its volume (the attribute is computed, not an argument).
        volume = ctx.estate.target(snapshot, "volume_id")
        observed = snapshot.get("encrypted")
        if volume is None and isinstance(observed, bool):
            # Read from a live account (or a plan of an existing snapshot): the snapshot says itself.
            yield passed(snapshot) if observed else failed(snapshot, "the snapshot is not encrypted")
            return
        if volume is None:
            yield unknown(snapshot, "encryption follows the volume, which is not in the estate")
            return
        for result in encrypted_volume(volume, ctx):
            message = {
                Status.PASS: "its volume is encrypted",
                Status.FAIL: f"its volume {volume.address} is not encrypted",
            }.get(result.status, result.message)
            yield replace(result, resource=snapshot, message=message, location=volume)
        return
    # aws_ebs_snapshot_copy: encrypted = true encrypts the copy; otherwise it has the source's encryption,
    # unless EBS encryption by default is on (copies of unencrypted snapshots are then encrypted).
    wanted = as_bool(snapshot.get("encrypted"))
    if isinstance(wanted, Unknown):
        yield unknown(snapshot, f"encrypted is not known: {wanted.reason}")
        return
    if wanted:
        yield passed(snapshot)
        return
    by_default = default_encryption(ctx)
    if by_default is True:
        yield passed(snapshot, "EBS encryption by default encrypts the copy")
        return
    source = ctx.estate.target(snapshot, "source_snapshot_id")
    if source is None or source.address in seen:
        yield unknown(
            snapshot, "the copy has the encryption of its source snapshot, which is not in the estate"
        )
        return
    for result in _snapshot_encrypted(source, ctx, seen | {snapshot.address}):
        if result.status is Status.FAIL and isinstance(by_default, Unknown):
            yield unknown(
                snapshot,
                f"source is unencrypted and EBS encryption by default is not known: {by_default.reason}",
            )
            continue
        message = {
            Status.PASS: "its source snapshot is encrypted",
            Status.FAIL: f"copy of unencrypted snapshot {source.address} without encrypted = true",
        }.get(result.status, result.message)
        yield replace(result, resource=snapshot, message=message, location=source)


EBS_SNAPSHOT_ENCRYPTED = Check(
    Meta(
        rule_id="ebs.snapshot-encrypted",
        title="EBS snapshots and snapshot copies are encrypted",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A snapshot of an unencrypted volume is unencrypted, and so is every volume restored from it "
        "and every copy made without encrypted = true; snapshots are the easiest EBS data to share or leak.",
        remediation="Encrypt the source volume (encrypted = true, or EBS encryption by default), and set "
        "encrypted = true (with kms_key_id) on aws_ebs_snapshot_copy.",
        terraform=(
            'resource "aws_ebs_snapshot_copy" "backup" {\n  source_snapshot_id = aws_ebs_snapshot.data.id\n'
            '  source_region      = "eu-west-1"\n  encrypted          = true\n'
            "  kms_key_id         = aws_kms_key.backup.arn\n}"
        ),
    ),
    kinds=("aws_ebs_snapshot", "aws_ebs_snapshot_copy"),
    per_resource=_snapshot_encrypted,
)


def _image_encrypted(image: Resource, ctx: Context, seen: frozenset[str] = frozenset()) -> Iterable[Result]:
    if image.kind == "aws_ami_copy":
        # Like a snapshot copy: encrypted = true, or EBS encryption by default, encrypts the copy;
        # otherwise it has the source image's encryption.
        wanted = as_bool(image.get("encrypted"))
        if isinstance(wanted, Unknown):
            yield unknown(image, f"encrypted is not known: {wanted.reason}")
            return
        if wanted or default_encryption(ctx) is True:
            yield passed(image)
            return
        source = ctx.estate.target(image, "source_ami_id")
        if source is None or source.address in seen:
            yield unknown(
                image, "the copy has the encryption of its source image, which is not in the estate"
            )
            return
        for result in _image_encrypted(source, ctx, seen | {image.address}):
            yield replace(result, resource=image, location=source)
        return
    plain: list[str] = []
    undecided: list[str] = []
    for device in as_list(image.get("ebs_block_device")):
        if not isinstance(device, dict):
            continue
        name = str(device.get("device_name", "ebs_block_device"))
        wanted = as_bool(device.get("encrypted"))
        if isinstance(wanted, Unknown):
            undecided.append(f"{name}: encrypted is not known: {wanted.reason}")
            continue
        if wanted:
            continue
        snapshot_id = device.get("snapshot_id")
        if snapshot_id is None:
            plain.append(name)
            continue
        # A device built from a snapshot has the snapshot's encryption.
        snapshot = ctx.estate.get(snapshot_id.address) if isinstance(snapshot_id, Ref) else None
        if snapshot is None or snapshot.kind not in EBS_SNAPSHOT_ENCRYPTED.kinds:
            undecided.append(f"{name}: encryption follows snapshot {snapshot_id}, which is not in the estate")
            continue
        statuses = {r.status for r in _snapshot_encrypted(snapshot, ctx)}
        if Status.FAIL in statuses:
            plain.append(name)
        elif statuses != {Status.PASS}:
            undecided.append(f"{name}: whether snapshot {snapshot.address} is encrypted is not known")
    if plain:
        yield failed(image, f"unencrypted block devices: {', '.join(plain)}", detail=",".join(plain))
    elif undecided:
        yield unknown(image, "; ".join(undecided))
    else:
        yield passed(image)


AMI_ENCRYPTED = Check(
    Meta(
        rule_id="ec2.ami-encrypted",
        title="AMIs and AMI copies have only encrypted EBS block devices",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Every instance launched from an image with an unencrypted snapshot starts on unencrypted "
        "storage (unless EBS encryption by default is on), and the image's snapshots travel with every share.",
        remediation="Build the image from encrypted snapshots (or set encrypted = true on its block devices), and "
        "set encrypted = true (with kms_key_id) on aws_ami_copy.",
        terraform=(
            'resource "aws_ami_copy" "app" {\n  name              = "app-encrypted"\n'
            '  source_ami_id     = aws_ami.app.id\n  source_ami_region = "eu-west-1"\n'
            "  encrypted         = true\n  kms_key_id        = aws_kms_key.images.arn\n}"
        ),
    ),
    kinds=("aws_ami", "aws_ami_copy"),
    per_resource=_image_encrypted,
)


def _ami_public(permission: Resource, ctx: Context) -> Iterable[Result]:
    group = permission.get("group")
    image = ctx.estate.target(permission, "image_id")
    subject = image if image is not None else permission
    location = permission if image is not None else None
    if isinstance(group, Unknown):
        yield unknown(subject, f"group is not known: {group.reason}", location=location)
    elif group == "all":
        yield failed(subject, 'launch permission group = "all" makes the image public', location=location)
    else:
        yield passed(subject, location=location)


AMI_NOT_PUBLIC = Check(
    Meta(
        rule_id="ec2.ami-not-public",
        title="AMIs are not shared with everyone",
        pillar="identity",
        severity=Severity.HIGH,
        rationale='A launch permission for group "all" lets any AWS account launch the image and read its '
        "snapshots: baked-in credentials, keys and application code become public.",
        remediation='Remove the aws_ami_launch_permission with group = "all"; share with account_id, '
        "organization_arn or organizational_unit_arn instead.",
        terraform='resource "aws_ami_launch_permission" "partner" {\n  image_id   = aws_ami.app.id\n  account_id = "111122223333"\n}',
    ),
    kinds=("aws_ami_launch_permission",),
    per_resource=_ami_public,
)


def _rds_snapshot_public(snapshot: Resource, ctx: Context) -> Iterable[Result]:
    shared = snapshot.get("shared_accounts")
    if isinstance(shared, Unknown):
        yield unknown(snapshot, f"shared_accounts is not known: {shared.reason}")
        return
    accounts = as_list(shared)
    if "all" in accounts:
        yield failed(snapshot, 'shared_accounts contains "all": any AWS account can restore the database')
        return
    undecided = [a for a in accounts if isinstance(a, Unknown)]
    if undecided:
        yield unknown(snapshot, f"a shared account is not known: {undecided[0].reason}")
    else:
        yield passed(snapshot)


RDS_SNAPSHOT_NOT_PUBLIC = Check(
    Meta(
        rule_id="rds.snapshot-not-public",
        title="RDS snapshots are not shared with everyone",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale='Sharing a manual snapshot with "all" lets any AWS account copy it or restore it into a '
        "database of its own: the whole data set, users and stored code.",
        remediation='Remove "all" from shared_accounts; list the account ids that need the snapshot.',
        terraform='resource "aws_db_snapshot" "nightly" {\n  db_instance_identifier = aws_db_instance.app.identifier\n  db_snapshot_identifier = "nightly"\n  shared_accounts        = ["111122223333"]\n}',
    ),
    kinds=("aws_db_snapshot", "aws_db_snapshot_copy", "aws_db_cluster_snapshot"),
    per_resource=_rds_snapshot_public,
)

CHECKS = (EBS_SNAPSHOT_ENCRYPTED, AMI_ENCRYPTED, AMI_NOT_PUBLIC, RDS_SNAPSHOT_NOT_PUBLIC)
