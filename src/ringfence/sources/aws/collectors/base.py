"""What a collector is: the API calls it declares, and a function that reads one account and region into
resources of the model (Terraform kinds and attribute names, so every check reads live data unchanged).

A collector reads through a :class:`Reader`, never a client of its own: the reader paginates, names each
call's IAM action, and turns a denied or failed call into an :class:`Unknown` value plus one error entry
naming the missing permission, so what a call would have shown is unknown, never a pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ringfence.model import InputError, Provenance, Ref, Resource, Unknown

# botocore's client name -> the IAM service prefix, where they differ.
_PREFIX = {"elbv2": "elasticloadbalancing", "s3control": "s3"}
# (client, operation) -> IAM action, where the action is not named after the operation.
_ACTION = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("lambda", "GetPolicy"): "lambda:GetPolicy",
    ("cloudtrail", "DescribeTrails"): "cloudtrail:DescribeTrails",
    ("elbv2", "DescribeLoadBalancers"): "elasticloadbalancing:DescribeLoadBalancers",
}

# Error codes that mean "this thing is not configured", an answer, not a failure to read.
ABSENT = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucketPolicy",
        "NoSuchPublicAccessBlockConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlock",
        "ResourceNotFoundException",
        "NoSuchConfigurationRecorderException",
        "InvalidAccessException",  # Security Hub: not subscribed in this account and region
        "TrailNotFoundException",
        "OwnershipControlsNotFoundError",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchTagSet",
        "AWSOrganizationsNotInUseException",  # the account is in no organisation
    }
)
_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthFailure",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
    }
)


def action_of(service: str, operation: str) -> str:
    """The IAM action a call needs: ``("s3", "ListBuckets")`` -> ``s3:ListAllMyBuckets``."""
    return _ACTION.get((service, operation), f"{_PREFIX.get(service, service)}:{operation}")


@dataclass
class Problems:
    """Calls that could not be made, kept once per (account, region, action)."""

    _seen: dict[tuple[str, str, str], tuple[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, account: str, region: str, action: str, why: str) -> None:
        with self._lock:
            first, count = self._seen.get((account, region, action), (why, 0))
            self._seen[(account, region, action)] = (first, count + 1)

    def errors(self) -> tuple[InputError, ...]:
        out = []
        for (account, region, action), (why, count) in sorted(self._seen.items()):
            times = f" ({count} calls)" if count > 1 else ""
            out.append(
                InputError(
                    f"aws://{account}/{region}",
                    None,
                    f"{action} could not be read{times}: {why}: what it covers is unknown (grant {action})",
                    undecided=True,
                )
            )
        return tuple(out)


class Reader:
    """One collector's view of one account and region: paginated, error-safe reads."""

    def __init__(
        self,
        account: Any,
        region: str,
        collected_at: datetime,
        problems: Problems,
        calls: frozenset[str] = frozenset(),
        regions: tuple[str, ...] = (),
    ) -> None:
        self.account = account
        self.account_id: str = account.account_id
        self.partition: str = account.partition
        self.region = region
        self.collected_at = collected_at
        self.problems = problems
        self.calls = calls
        self.regions = regions or (region,)  # every region scanned in the account

    def in_region(self, region: str) -> Reader:
        """The same reads in another region (a bucket's own region, say)."""
        return Reader(self.account, region, self.collected_at, self.problems, self.calls, self.regions)

    def _client(self, service: str) -> Any:
        return self.account.client(service, self.region)

    def _failed(self, service: str, operation: str, exc: Exception) -> Unknown:
        action = action_of(service, operation)
        code, message = _describe(exc)
        message = message.strip().splitlines()[0][:100] if message.strip() else ""
        if code in _DENIED:
            why = f"denied ({code}): grant {action}"
        elif "Throttl" in code or "TooManyRequests" in code or "RequestLimitExceeded" in code:
            why = f"throttled after retries ({code})"
        elif code in ("404", "501", "NotImplemented", "InvalidAction", "UnknownOperationException"):
            why = f"not answered by the endpoint ({code})"
        else:
            why = f"failed ({code}{': ' + message if message else ''})"
        self.problems.add(self.account_id, self.region, action, why)
        return Unknown(f"{action} {why}")

    def call(self, service: str, method: str, **params: Any) -> Mapping[str, Any] | Unknown | None:
        """One call: its response, None when the error says the thing is not configured, or an Unknown
        naming the permission when the call was denied or failed."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client(service)
        operation = client.meta.method_to_api_mapping.get(method, method)
        try:
            response: Mapping[str, Any] = getattr(client, method)(**params)
        except ClientError as exc:
            if _describe(exc)[0] in ABSENT:
                return None
            return self._failed(service, operation, exc)
        except BotoCoreError as exc:
            return self._failed(service, operation, exc)
        return response

    def pages(self, service: str, method: str, key: str, **params: Any) -> list[Any] | Unknown:
        """Every item under ``key`` of every page (the paginator where botocore has one)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client(service)
        operation = client.meta.method_to_api_mapping.get(method, method)
        items: list[Any] = []
        try:
            if client.can_paginate(method):
                for page in client.get_paginator(method).paginate(**params):
                    items += page.get(key, []) or []
            else:
                items += getattr(client, method)(**params).get(key, []) or []
        except ClientError as exc:
            if _describe(exc)[0] in ABSENT:
                return []
            return self._failed(service, operation, exc)
        except BotoCoreError as exc:
            return self._failed(service, operation, exc)
        return items

    def resource(
        self,
        kind: str,
        address: str,
        attributes: Mapping[str, Any],
        *,
        call: str,
        arn: str | None = None,
        tags: Mapping[str, str] | None = None,
        global_: bool = False,
    ) -> Resource:
        """A resource of this account (and region, unless ``global_``), its provenance naming ``call``."""
        region = None if global_ else self.region
        return Resource(
            address=address,
            kind=kind,
            attributes=dict(attributes),
            provenance=Provenance(
                source="aws", path=call, account_id=self.account_id, region=region, arn=arn
            ),
            arn=arn,
            tags=dict(tags or {}),
            account_id=self.account_id,
            region=region,
        )

    def arn(self, service: str, rest: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{rest}"

    def address(self, kind: str, ident: str) -> str:
        """The address of a resource that has no ARN: ``kind:region:id``."""
        return f"{kind}:{self.region}:{ident}"


def _describe(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {}) or {}
        code = str(error.get("Code", "") or response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        return code or "error", str(error.get("Message", "") or "")[:160]
    return type(exc).__name__, str(exc)[:160]


def tags_of(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (either case) as a mapping."""
    out: dict[str, str] = {}
    for item in items or []:
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out


def iso(value: Any) -> Any:
    """A timestamp as RFC 3339 text (the provider's shape); anything else unchanged."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def known(value: Any, default: Any = None) -> Any:
    """A response field, or ``default`` when the response itself is unknown or absent."""
    return default if value is None else value


Scope = Literal["global", "regional"]


@dataclass(frozen=True)
class Collector:
    """Reads one service: ``calls`` are the IAM actions it may make (``service:Action``), ``scope`` says
    whether it runs once per account (``global``: IAM, S3, Organizations) or in every region."""

    name: str
    calls: tuple[str, ...]
    scope: Scope
    read: Callable[[Reader], Iterable[Resource]]


def ref(address: str, attribute: str = "id") -> Ref:
    return Ref(address, attribute)
