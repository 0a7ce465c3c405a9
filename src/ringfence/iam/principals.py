"""Who is asking: the request principal, parsed once, and how a policy's ``Principal`` entry matches it.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ringfence.iam.policy import Principal

PrincipalKind = Literal[
    "user", "role", "session", "root", "federated_user", "service", "federated", "anonymous", "other"
]
# How a resource-policy statement named the requester; decides what that grant is worth on its own.
GrantKind = Literal["user", "role", "session", "account", "star", "service", "federated", "other"]

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class RequestPrincipal:
    arn: str
    kind: PrincipalKind
    account: str | None
    partition: str = "aws"
    # For a role or a role session: the role's name and (when known) its full ARN with path.
    role_name: str | None = None
    role_arn: str | None = None
    service_linked: bool = False

    @property
    def exempt_from_scps(self) -> bool:
        """Service-linked roles (and service principals) are not affected by SCPs or RCPs."""
        return self.service_linked or self.kind in ("service", "anonymous")


@lru_cache(maxsize=4096)
def parse_principal(value: str) -> RequestPrincipal:
    """Parse a request principal: an IAM user/role ARN, an assumed-role session ARN, an account root, a
    federated user, a service principal (``ec2.amazonaws.com``) or ``anonymous``/``*``."""
    if value in ("*", "anonymous", ""):
        return RequestPrincipal(value or "anonymous", "anonymous", None)
    if _ACCOUNT.match(value):
        return RequestPrincipal(f"arn:aws:iam::{value}:root", "root", value)
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
        if service == "iam":
            if resource == "root":
                return RequestPrincipal(value, "root", account, partition)
            if resource.startswith("user/"):
                return RequestPrincipal(value, "user", account, partition)
            if resource.startswith(("oidc-provider/", "saml-provider/")):
                # A web identity or SAML caller (AssumeRoleWithWebIdentity, AssumeRoleWithSAML): the
                # identity provider is the principal a trust policy names as Federated.
                return RequestPrincipal(value, "federated", account, partition)
            if resource.startswith("role/"):
                name = resource.rsplit("/", 1)[-1]
                slr = resource.startswith("role/aws-service-role/")
                return RequestPrincipal(value, "role", account, partition, name, value, slr)
        if service == "sts":
            if resource.startswith("assumed-role/"):
                bits = resource.split("/")
                name = bits[1] if len(bits) > 1 else ""
                slr = name.startswith("AWSServiceRoleFor")
                return RequestPrincipal(value, "session", account, partition, name, None, slr)
            if resource.startswith("federated-user/"):
                return RequestPrincipal(value, "federated_user", account, partition)
        return RequestPrincipal(value, "other", account or None, partition)
    if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
        return RequestPrincipal(value, "service", None)
    return RequestPrincipal(value, "federated", None)


def _entry_account(value: str) -> str | None:
    if _ACCOUNT.match(value):
        return value
    parts = value.split(":")
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return None


def match_entry(entry: Principal, who: RequestPrincipal) -> GrantKind | None:
    """How ``entry`` names ``who`` (``None`` when it does not). Wildcards only as the whole value ``*``."""
    kind, value = entry.kind, entry.value
    if kind == "*" or (kind == "AWS" and value == "*"):
        return "star"
    if kind == "AWS":
        if who.kind in ("service", "anonymous", "federated"):
            return None
        account = _entry_account(value)
        if account is not None:
            if who.account != account:
                return None
            return "user" if who.kind == "root" else "account"
        if value == who.arn:
            return {"user": "user", "role": "role", "session": "session", "federated_user": "session"}.get(
                who.kind, "other"
            )  # type: ignore[return-value]
        if who.kind in ("session", "role") and who.role_name is not None:
            parts = value.split(":", 5)
            if (
                len(parts) == 6
                and parts[2] == "iam"
                and parts[4] == who.account
                and parts[5].startswith("role/")
                and (
                    value == who.role_arn
                    or (who.role_arn is None and parts[5].rsplit("/", 1)[-1] == who.role_name)
                )
            ):
                return "role"
        return None
    if kind == "Service":
        return "service" if who.kind == "service" and value == who.arn else None
    if kind == "Federated":
        return "federated" if who.kind == "federated" and value == who.arn else None
    if kind == "CanonicalUser":
        return "other" if value == who.arn else None
    return None
