"""Privilege escalation: which principals can reach administrator through the 65 documented paths.

The paths come from pathfinding.cloud (``data/escalation-paths.json``: id, name, category, required
permissions). For each principal and path, every required permission is asked of the evaluator on the
resource that path needs: the principal itself or its policies and groups (self-escalation), an
administrator user, group or role (principal access), an administrator role whose trust policy lets the
service assume it (new PassRole), or an existing resource that runs as an administrator role (existing
PassRole). A step that depends on unknown values makes the path ``unknown``, never silently allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ringfence.iam.analysis import admin_equivalent, policies_admin_equivalent
from ringfence.iam.conditions import RequestContext
from ringfence.iam.engine import Engine
from ringfence.iam.estate_policies import acting_role, groups_of
from ringfence.iam.evaluator import Request
from ringfence.iam.policy import Policy
from ringfence.model import Resource


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    name: str
    category: str
    required: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    via: str
    path_id: str
    status: str = "allowed"  # or "unknown"


@dataclass(frozen=True, slots=True)
class Finding:
    principal: str
    reaches: str
    steps: tuple[Step, ...]

    @property
    def status(self) -> str:
        return "unknown" if any(s.status == "unknown" for s in self.steps) else "allowed"

    def as_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "reaches": self.reaches,
            "status": self.status,
            "steps": [
                {"action": s.action, "via": s.via, "path": s.path_id, "status": s.status} for s in self.steps
            ],
        }


@cache
def catalogue() -> tuple[EscalationPath, ...]:
    raw = json.loads(
        resources.files("ringfence.iam").joinpath("data").joinpath("escalation-paths.json").read_text()
    )
    return tuple(
        EscalationPath(p["id"], p["name"], p["category"], tuple(p["required"])) for p in raw["paths"]
    )


# Existing resources that run with a role: kind -> attribute (or relation) naming the role.
_RUNS_AS: dict[str, tuple[str, ...]] = {
    "aws_lambda_function": ("role",),
    "aws_codebuild_project": ("service_role",),
    "aws_cloudformation_stack": ("iam_role_arn",),
    "aws_sagemaker_notebook_instance": ("role_arn",),
    "aws_glue_dev_endpoint": ("role_arn",),
    "aws_instance": ("iam_instance_profile",),
    "aws_launch_template": ("iam_instance_profile",),
    "aws_apprunner_service": ("instance_role_arn",),
    "aws_bedrockagentcore_code_interpreter": ("execution_role_arn",),
}
_SERVICE_OF_PATH = {
    "ec2": "ec2.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "glue": "glue.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
    "codebuild": "codebuild.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "ecs": "ecs-tasks.amazonaws.com",
    "datapipeline": "datapipeline.amazonaws.com",
    "apprunner": "tasks.apprunner.amazonaws.com",
    "bedrock-agentcore": "bedrock-agentcore.amazonaws.com",
}


class _Analysis:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.estate = engine.estate
        self._admin: dict[str, bool | None] = {}

    def admin(self, r: Resource) -> bool | None:
        if r.address not in self._admin:
            if r.kind == "aws_iam_group":
                self._admin[r.address] = self._group_admin(r)
            else:
                self._admin[r.address] = admin_equivalent(self.engine, r)
        return self._admin[r.address]

    def _group_admin(self, group: Resource) -> bool | None:
        from ringfence.iam.estate_policies import group_policies

        policies, unreadable = group_policies(self.estate, group)
        got = policies_admin_equivalent(self.engine, policies)
        return None if got is False and unreadable else got

    def arn(self, r: Resource) -> str:
        if r.arn:
            return r.arn
        kind = r.kind.removeprefix("aws_iam_")
        name = r.get("name") if isinstance(r.get("name"), str) else r.name
        return f"arn:{self.estate.partition}:iam::{self.estate.account_of(r)}:{kind}/{name}"

    def trusts_service(self, role: Resource, service: str) -> bool:
        trust = self.engine.resource_policy_of(role)
        if not isinstance(trust, Policy):
            return False
        from ringfence.iam.evaluator import CompiledPolicySet, PolicySet

        decision = CompiledPolicySet(PolicySet(resource=trust)).decide(
            Request(service, "sts:AssumeRole", self.arn(role), None, RequestContext({}, complete=False)),
            explain=False,
        )
        return decision.allowed is not False

    def role_of(self, r: Resource) -> Resource | None:
        for attr in _RUNS_AS.get(r.kind, ()):
            for target in self.estate.targets(r, attr):
                if target.kind == "aws_iam_role":
                    return target
                if target.kind == "aws_iam_instance_profile":
                    found = self.estate.target(target, "role")
                    if found is not None:
                        return found
            value = r.get(attr)
            if isinstance(value, str):
                for role in self.estate.of_kind("aws_iam_role"):
                    if value in (role.arn, role.get("name")):
                        return role
        return None

    # -- asking ---------------------------------------------------------------------------------------------------
    def allowed(self, who: Resource, action: str, resource: str) -> bool | None:
        return self.engine.can(who, action, resource, explain=False).allowed

    def all_allowed(self, who: Resource, asks: list[tuple[str, str]]) -> bool | None:
        result: bool | None = True
        for action, resource in asks:
            got = self.allowed(who, action, resource)
            if got is False:
                return False
            if got is None:
                result = None
        return result

    def targets(self, who: Resource, path: EscalationPath) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """(via, [(action, resource)...]) for every way this path could apply to ``who``."""
        req = list(path.required)
        others = [a for a in req if a not in ("iam:PassRole",)]
        cat = path.category
        if "iam:AddUserToGroup" in req:
            yield from self._principal_targets(who, path)
            return
        if cat == "self-escalation" or (
            cat == "principal-access" and "sts:AssumeRole" in req and len(req) > 1
        ):
            yield from self._self_targets(who, path)
            return
        if cat in ("principal-access", "credential-access"):
            yield from self._principal_targets(who, path)
            return
        if cat == "new-passrole":
            service = _SERVICE_OF_PATH.get(others[0].split(":", 1)[0]) if others else None
            for role in self.estate.of_kind("aws_iam_role"):
                if role.address == who.address or not self.admin(role):
                    continue
                if service and not self.trusts_service(role, service):
                    continue
                asks = [("iam:PassRole", self.arn(role))] + [(a, "*") for a in others]
                yield role.address, asks
            return
        # existing-passrole: an existing resource of the path's service running as an administrator role.
        prefix = path.id.split("-", 1)[0].replace("ec2instanceconnect", "ec2")
        for r in self.estate.resources:
            relevant = r.kind in _RUNS_AS and r.kind.startswith(f"aws_{prefix}")
            if not relevant and not (prefix == "ssm" and r.kind == "aws_instance"):
                continue
            runs_as = self.role_of(r)
            if runs_as is None or not self.admin(runs_as):
                continue
            target = r.arn or "*"
            yield f"{r.address} (runs as {runs_as.address})", [(a, target) for a in req]

    def _self_targets(
        self, who: Resource, path: EscalationPath
    ) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        req = path.required
        if "sts:AssumeRole" in req or "iam:UpdateAssumeRolePolicy" in req:
            # Modify some role, then become it.
            for role in self.estate.of_kind("aws_iam_role"):
                if role.address == who.address:
                    continue
                asks = [(a, self._resource_for(a, role)) for a in req]
                yield role.address, asks
            return
        if any(a.startswith(("iam:PutGroupPolicy", "iam:AttachGroupPolicy")) for a in req):
            if who.kind == "aws_iam_user":
                for group in groups_of(self.estate, who):
                    yield f"{group.address} (own group)", [(a, self.arn(group)) for a in req]
            return
        if "iam:CreatePolicyVersion" in req:
            for policy in self._attached_customer_policies(who):
                yield f"{policy.address} (attached)", [(a, self.arn(policy)) for a in req]
            return
        wanted_kind = "aws_iam_user" if any("User" in a for a in req) else "aws_iam_role"
        if who.kind == wanted_kind:
            yield f"{who.address} (itself)", [(a, self.arn(who)) for a in req]

    def _principal_targets(
        self, who: Resource, path: EscalationPath
    ) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        req = path.required
        if "iam:AddUserToGroup" in req:
            for group in self.estate.of_kind("aws_iam_group"):
                if self.admin(group):
                    yield group.address, [(a, self.arn(group)) for a in req]
            return
        kind = (
            "aws_iam_role"
            if any(a in ("sts:AssumeRole", "iam:UpdateAssumeRolePolicy") for a in req)
            else "aws_iam_user"
        )
        for target in self.estate.of_kind(kind):
            if target.address == who.address or not self.admin(target):
                continue
            yield target.address, [(a, self.arn(target)) for a in req]

    def _resource_for(self, action: str, role: Resource) -> str:
        if action == "iam:CreatePolicyVersion":
            policies = self._attached_customer_policies(role)
            return self.arn(policies[0]) if policies else self.arn(role)
        return self.arn(role)

    def _attached_customer_policies(self, holder: Resource) -> list[Resource]:
        rel = "role" if holder.kind == "aws_iam_role" else "user"
        found: list[Resource] = []
        for att in self.estate.sources(holder, rel, of_kind=f"aws_iam_{rel}_policy_attachment"):
            found.extend(t for t in self.estate.targets(att, "policy_arn") if t.kind == "aws_iam_policy")
        return found


def find_escalations(engine: Engine) -> list[Finding]:
    """One finding per principal (not already administrator) that can reach administrator."""
    analysis = _Analysis(engine)
    findings: list[Finding] = []
    for who in engine.principals():
        if analysis.admin(who) is True:
            continue
        best: list[Step] | None = None
        # A Kubernetes service account's paths are its role's: its pods act as the role.
        acts_as = acting_role(engine.estate, who) or who
        for path in catalogue():
            for via, asks in analysis.targets(acts_as, path):
                ok = analysis.all_allowed(who, asks)
                if ok is False:
                    continue
                steps = [Step(" + ".join(path.required), via, path.id, "allowed" if ok else "unknown")]
                if best is None or (best[0].status == "unknown" and ok):
                    best = steps
        if best is not None:
            findings.append(Finding(who.address, "admin", tuple(best)))
    return sorted(findings, key=lambda f: f.principal)
