"""Shared reading for the encryption-at-rest checks: a KMS key
reference (customer-managed or not), and the data-classification tag that asks for a customer-managed key."""

from __future__ import annotations

from typing import Any

from ringfence.model import Resource, Unknown

CLASSIFICATION_TAGS = ("data-classification", "DataClassification")
CLASSIFIED = frozenset({"confidential", "restricted"})


def classification(resource: Resource) -> str | Unknown | None:
    """The resource's data classification, lower-cased; Unknown when the tag's value is not known."""
    tags = resource.get("tags")
    for name in CLASSIFICATION_TAGS:
        literal = resource.tags.get(name)
        if isinstance(literal, str) and literal:
            return literal.strip().lower()
        if isinstance(tags, dict) and name in tags:
            value = tags[name]
            if isinstance(value, str) and value:
                return value.strip().lower()
            return Unknown(f"tag {name} is not known before apply")
    if isinstance(tags, Unknown):
        return Unknown(f"tags are not known: {tags.reason}")
    return None


def needs_customer_key(resource: Resource) -> bool | Unknown:
    """Does the resource's classification tag ask for a customer-managed KMS key?"""
    value = classification(resource)
    if isinstance(value, Unknown):
        return value
    return value in CLASSIFIED


def is_customer_key(value: Any) -> bool | Unknown | None:
    """Is a KMS key reference a customer-managed key? None when no key is named.

    ``alias/aws/<service>`` (and its ARN form) names the AWS managed key of the service; any other alias,
    key id or key ARN names a key the account manages.
    """
    if isinstance(value, Unknown):
        return value
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return Unknown(f"key reference {value!r} is not a string")
    alias = value.split(":", 5)[-1] if value.startswith("arn:") else value
    return not alias.startswith("alias/aws/")
