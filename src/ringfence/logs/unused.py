"""Least privilege from logs: what each principal was granted against what it used over the period, and a
generated policy holding only the actions both granted and used (at action level), on the resources the
events name. An action used but not granted is reported, never proposed.

`ringfence iam unused --logs LOGS <estate>` calls `unused_report(logs, granted)`: the iam area supplies
`granted` (principal ARN -> the set of IAM actions its policies allow, wildcards kept as written), this
module supplies the usage side from CloudTrail.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringfence.logs.store import LoadError

# CloudTrail names a few services by an endpoint that is not their IAM prefix, and a few API versions add
# a suffix to the event name (lambda's `UpdateFunctionCode20150331v2`).
_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "signin": "signin", "s3-control": "s3"}
_VERSION_SUFFIX = __import__("re").compile(r"20\d{6}(v\d+)?$")

# requestParameters keys whose ARN value is the resource the action applies to (not merely a parameter:
# AttachUserPolicy's policyArn is a condition key, its resource is the user).
_ARN_KEYS = ("arn", "resourceArn", "functionName", "secretId", "keyId", "topicArn", "trailName", "name")
# IAM names that are the resource of iam:* actions.
_IAM_NAMES = (("userName", "user"), ("roleName", "role"), ("groupName", "group"))


@dataclass(frozen=True)
class PrincipalUsage:
    principal: str
    used: tuple[str, ...]  # IAM actions, sorted
    resources: Mapping[str, tuple[str, ...]]  # action -> ARNs named by the events ('*' when none)


@dataclass(frozen=True)
class UnusedEntry:
    principal: str
    granted: tuple[str, ...]
    used: tuple[str, ...]
    unused: tuple[str, ...]  # granted patterns that no used action matches
    policy: dict[str, Any]
    # Actions used successfully that no granted pattern covers: a sign of compromise, or of a policy the
    # estate does not show. Never in the proposed policy.
    not_granted: tuple[str, ...] = ()


def iam_action(event_source: str, event_name: str) -> str:
    service = event_source.split(".", 1)[0]
    service = _PREFIX.get(service, service)
    return f"{service}:{_VERSION_SUFFIX.sub('', event_name)}"


def role_of(principal: str) -> str:
    """An assumed-role session ARN stands for its role: `arn:aws:sts::1:assumed-role/R/s` -> the role ARN."""
    if ":assumed-role/" in principal:
        head, _, rest = principal.partition(":assumed-role/")
        return head.replace(":sts:", ":iam:") + ":role/" + rest.split("/", 1)[0]
    return principal


def usage_from_engine(engine: Any) -> dict[str, PrincipalUsage]:
    """Successful calls per principal (sessions folded into their role), from an opened engine."""
    rows = engine.query(
        "SELECT principal, event_source, event_name, CAST(resources AS VARCHAR), CAST(request_parameters AS VARCHAR), "
        "recipient_account_id "
        "FROM cloudtrail WHERE error_code IS NULL AND user_type IN ('IAMUser', 'AssumedRole', 'Root')"
    )
    acc: dict[str, dict[str, set[str]]] = {}
    for principal, source, name, resources, params, account in rows:
        if not source or not name:
            continue
        action = iam_action(source, name)
        arns = acc.setdefault(role_of(principal), {}).setdefault(action, set())
        arns.update(_named_resources(action, resources, params, account))
    return {
        p: PrincipalUsage(
            p, tuple(sorted(actions)), {a: tuple(sorted(r)) or ("*",) for a, r in actions.items()}
        )
        for p, actions in acc.items()
    }


def _named_resources(action: str, resources: str | None, params: str | None, account: str | None) -> set[str]:
    out: set[str] = set()
    if resources:
        try:
            for r in json.loads(resources) or []:
                if isinstance(r, dict) and isinstance(r.get("ARN"), str):
                    out.add(r["ARN"])
        except (json.JSONDecodeError, RecursionError):
            pass
    if params:
        try:
            p = json.loads(params)
        except (json.JSONDecodeError, RecursionError):
            p = None
        if isinstance(p, dict):
            for k in _ARN_KEYS:
                v = p.get(k)
                if isinstance(v, str) and v.startswith("arn:"):
                    out.add(v)
            bucket = p.get("bucketName")
            if action.startswith("s3:") and isinstance(bucket, str) and bucket and not out:
                key = p.get("key")
                out.add(
                    f"arn:aws:s3:::{bucket}/{key}"
                    if isinstance(key, str) and key
                    else f"arn:aws:s3:::{bucket}"
                )
            if action.startswith("sts:AssumeRole") and isinstance(p.get("roleArn"), str):
                out.add(p["roleArn"])
            if action.startswith("iam:") and account:
                for key, kind in _IAM_NAMES:
                    v = p.get(key)
                    if isinstance(v, str) and v:
                        out.add(f"arn:aws:iam::{account}:{kind}/{v}")
                        break
    return out


def covered(action: str, patterns: Sequence[str]) -> bool:
    """Whether a granted action pattern (wildcards as written, any case) covers ``action``."""
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def least_privilege_policy(usage: PrincipalUsage, granted: Sequence[str] | None = None) -> dict[str, Any]:
    """One statement per distinct resource set, actions at action level: the used actions that
    ``granted`` covers (all used actions when None), on the resources the events named."""
    by_res: dict[tuple[str, ...], list[str]] = {}
    for action in usage.used:
        if granted is not None and not covered(action, granted):
            continue
        res = usage.resources.get(action, ("*",))
        if "*" in res:
            res = ("*",)
        by_res.setdefault(res, []).append(action)
    statements = [
        {"Effect": "Allow", "Action": sorted(actions), "Resource": list(res) if len(res) > 1 else res[0]}
        for res, actions in sorted(by_res.items())
    ]
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass(frozen=True)
class UnusedResult:
    entries: tuple[UnusedEntry, ...]
    # Log files, or parts of them, that could not be read: the actions they hold are not counted, so a
    # pattern reported unused may have been used there (unknown is not pass: the CLI says so).
    errors: tuple[LoadError, ...]
    events: int  # CloudTrail events read
    files: int  # log files considered


def unused_report(
    logs: Sequence[Path], granted: Mapping[str, set[str]], store_dir: Path | None = None
) -> list[UnusedEntry]:
    """The entries of `unused_analysis`."""
    return list(unused_analysis(logs, granted, store_dir).entries)


def unused_analysis(
    logs: Sequence[Path], granted: Mapping[str, set[str]], store_dir: Path | None = None
) -> UnusedResult:
    """For each principal in `granted`: the granted action patterns never exercised in `logs`, the actions
    used, and the least-privilege policy for them. Principals absent from the logs used nothing."""
    import tempfile

    from ringfence.logs.engine import DuckDBEngine, Window
    from ringfence.logs.ingest import ingest
    from ringfence.logs.store import Store

    with tempfile.TemporaryDirectory(prefix="ringfence-unused-") as tmp:
        store = Store(store_dir or Path(tmp))
        loaded = ingest(logs, store)
        eng = DuckDBEngine()
        eng.open(store, Window())
        try:
            usage = usage_from_engine(eng)
            events = eng.count("cloudtrail")
        finally:
            eng.close()
    out = []
    for principal in sorted(granted):
        use = usage.get(principal, PrincipalUsage(principal, (), {}))
        patterns = tuple(sorted(granted[principal]))
        unused = tuple(p for p in patterns if not any(covered(a, (p,)) for a in use.used))
        outside = tuple(a for a in use.used if not covered(a, patterns))
        policy = least_privilege_policy(use, patterns)
        out.append(UnusedEntry(principal, patterns, use.used, unused, policy, outside))
    return UnusedResult(tuple(out), loaded.errors, events, loaded.files)
