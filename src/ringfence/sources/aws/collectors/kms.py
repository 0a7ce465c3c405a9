"""KMS: customer managed keys of one region with their key policy and rotation, and their aliases. AWS
managed keys (``aws/s3``...) are AWS's to configure and are not collected."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.model import Ref, Resource, Unknown
from ringfence.sources.aws.collectors.base import Collector, Reader


def read(reader: Reader) -> Iterable[Resource]:
    keys = reader.pages("kms", "list_keys", "Keys")
    if isinstance(keys, Unknown):
        return
    addresses: dict[str, str] = {}
    for key in keys:
        ident = str(key["KeyId"])
        described = reader.call("kms", "describe_key", KeyId=ident)
        if described is None:
            continue
        meta: dict[str, Any] = (
            {} if isinstance(described, Unknown) else dict(described.get("KeyMetadata") or {})
        )
        if meta.get("KeyManager") == "AWS" or meta.get("KeyState") == "PendingDeletion":
            continue
        arn = str(key.get("KeyArn") or meta.get("Arn"))
        addresses[ident] = arn
        policy = reader.call("kms", "get_key_policy", KeyId=ident, PolicyName="default")
        rotation: Any
        if (
            meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
            and meta.get("Origin") != "EXTERNAL"
        ):
            got = reader.call("kms", "get_key_rotation_status", KeyId=ident)
            rotation = got if isinstance(got, Unknown) else bool((got or {}).get("KeyRotationEnabled"))
        else:
            rotation = False  # rotation does not apply to asymmetric, HMAC or imported keys
        unknown_meta = described if isinstance(described, Unknown) else None
        yield reader.resource(
            "aws_kms_key",
            arn,
            {
                "key_id": ident,
                "arn": arn,
                "description": meta.get("Description", unknown_meta),
                "key_usage": meta.get("KeyUsage", unknown_meta or "ENCRYPT_DECRYPT"),
                "customer_master_key_spec": meta.get("KeySpec", unknown_meta or "SYMMETRIC_DEFAULT"),
                "is_enabled": meta.get("Enabled", unknown_meta),
                "multi_region": meta.get("MultiRegion", False),
                "custom_key_store_id": meta.get("CustomKeyStoreId"),
                "enable_key_rotation": rotation,
                "policy": policy if isinstance(policy, Unknown) else (policy or {}).get("Policy"),
            },
            call="kms:DescribeKey",
            arn=arn,
        )
    aliases = reader.pages("kms", "list_aliases", "Aliases")
    for alias in aliases if isinstance(aliases, list) else []:
        target = alias.get("TargetKeyId")
        if target not in addresses:
            continue  # an AWS managed key's alias, or none
        arn = str(alias["AliasArn"])
        yield reader.resource(
            "aws_kms_alias",
            arn,
            {"name": alias.get("AliasName"), "arn": arn, "target_key_id": Ref(addresses[target], "key_id")},
            call="kms:ListAliases",
            arn=arn,
        )


COLLECTOR = Collector(
    name="kms",
    calls=(
        "kms:ListKeys",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListAliases",
    ),
    scope="regional",
    read=read,
)
