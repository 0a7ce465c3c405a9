"""The one seam to AWS: boto3 sessions from the standard credential chain, and clients built alike.

Credentials come from wherever boto3 finds them (environment, shared config and SSO profiles, instance
role); ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) is honoured by boto3 itself. Every client
uses adaptive retries (botocore backs off on throttling) and a connection pool as large as the collection's
concurrency.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

WORKERS = 8  # concurrent calls across regions and services
_RETRIES = {"mode": "adaptive", "max_attempts": 8}


class CredentialsError(Exception):
    """No usable credentials, or a role that cannot be assumed: the account cannot be read at all."""


def new_session(profile: str | None = None, credentials: dict[str, str] | None = None) -> Any:
    """A boto3 session: a profile (or the default chain), or temporary credentials from STS."""
    import boto3

    if credentials is not None:
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return boto3.Session(profile_name=profile or None)


def client_config() -> Any:
    from botocore.config import Config

    return Config(
        retries=dict(_RETRIES), max_pool_connections=WORKERS * 2, connect_timeout=10, read_timeout=60
    )


def _local_endpoint() -> bool:
    """Whether ``AWS_ENDPOINT_URL`` points at an IP address or localhost (a test or emulated endpoint)."""
    import ipaddress

    base = os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL") or os.environ.get("AWS_ENDPOINT_URL")
    host = urlsplit(base).hostname if base else None
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def without_account_prefix(request: Any, **_: Any) -> None:
    # S3 Control sends account-level calls to `<account-id>.<endpoint host>`, which resolves for a domain
    # but not for an IP address or localhost: call the endpoint itself.
    request.url = re.sub(r"^(https?://)\d{12}\.", r"\1", request.url)


@dataclass
class Account:
    """One account to read: its session, id and partition, and the clients made for it (thread-safe)."""

    session: Any
    account_id: str
    partition: str
    arn: str  # the identity the account is read as
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:  # a boto3 session is not thread-safe; its clients are
            found = self._clients.get(key)
            if found is None:
                found = self.session.client(service, region_name=region, config=client_config())
                if service == "s3control" and _local_endpoint():
                    found.meta.events.register("before-sign.s3-control", without_account_prefix)
                self._clients[key] = found
            return found


def identify(session: Any, region: str) -> Account:
    """The account and identity behind ``session`` (sts:GetCallerIdentity)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        who = session.client("sts", region_name=region, config=client_config()).get_caller_identity()
    except ClientError as exc:
        raise CredentialsError(f"sts:GetCallerIdentity failed: {_why(exc)}") from None
    except BotoCoreError as exc:
        raise CredentialsError(f"no usable AWS credentials: {exc}") from None
    arn = str(who["Arn"])
    return Account(session, str(who["Account"]), arn.split(":")[1], arn)


def assume(base: Account, role_arn: str, region: str) -> Account:
    """The account of ``role_arn``, read with the role's temporary credentials (sts:AssumeRole)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sts = base.client("sts", region)
        got = sts.assume_role(RoleArn=role_arn, RoleSessionName="ringfence-read-only")
    except ClientError as exc:
        raise CredentialsError(f"sts:AssumeRole on {role_arn} failed: {_why(exc)}") from None
    except BotoCoreError as exc:
        raise CredentialsError(f"sts:AssumeRole on {role_arn} failed: {exc}") from None
    return identify(new_session(credentials=got["Credentials"]), region)


def organization_accounts(base: Account, region: str) -> list[str]:
    """The active member accounts of the organization the caller belongs to (organizations:ListAccounts)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = base.client("organizations", region).get_paginator("list_accounts").paginate()
        found = [a for page in pages for a in page.get("Accounts", [])]
    except ClientError as exc:
        raise CredentialsError(f"organizations:ListAccounts failed: {_why(exc)}") from None
    except BotoCoreError as exc:
        raise CredentialsError(f"organizations:ListAccounts failed: {exc}") from None
    return sorted(str(a["Id"]) for a in found if a.get("Status", "ACTIVE") == "ACTIVE")


def _why(exc: Any) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
