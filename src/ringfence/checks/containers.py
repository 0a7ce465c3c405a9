"""Containers: EKS control planes (endpoint, secrets encryption, audit logging), ECR repositories (tag
immutability, scanning) and ECS task definitions (privileges, host networking)."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list

_WORLD = frozenset({"0.0.0.0/0", "::/0"})


def _eks_endpoint(cluster: Resource, ctx: Context) -> Iterable[Result]:
    config = first_block(cluster, "vpc_config")
    if isinstance(config, Unknown):
        yield unknown(cluster, f"vpc_config is not known: {config.reason}")
        return
    config = config or {}
    # EKS API defaults: endpointPublicAccess true, publicAccessCidrs ["0.0.0.0/0"].
    public = as_bool(config.get("endpoint_public_access"))
    if isinstance(public, Unknown):
        yield unknown(cluster, f"vpc_config.endpoint_public_access is not known: {public.reason}")
        return
    if public is False:
        yield passed(cluster, "the API server endpoint is private")
        return
    cidrs = config.get("public_access_cidrs")
    if isinstance(cidrs, Unknown):
        yield unknown(cluster, f"vpc_config.public_access_cidrs is not known: {cidrs.reason}")
        return
    listed = as_list(cidrs) if cidrs is not None else ["0.0.0.0/0"]
    undecided = [c for c in listed if not isinstance(c, str)]
    open_to = sorted(c for c in listed if isinstance(c, str) and c in _WORLD)
    if open_to:
        where = "not set (EKS defaults to 0.0.0.0/0)" if cidrs is None else f"= {', '.join(open_to)}"
        yield failed(
            cluster, f"the public API server endpoint is open to the internet: public_access_cidrs {where}"
        )
    elif undecided:
        yield unknown(cluster, "vpc_config.public_access_cidrs holds values not known before apply")
    else:
        yield passed(cluster, "the public endpoint admits only the listed CIDR blocks")


EKS_ENDPOINT_RESTRICTED = Check(
    Meta(
        rule_id="eks.public-endpoint-restricted",
        title="EKS API server endpoints are private or restricted to known CIDR blocks",
        pillar="network",
        severity=Severity.HIGH,
        rationale="By default the Kubernetes API server of a new EKS cluster answers the whole internet; a "
        "leaked kubeconfig, token or an API server vulnerability is then exploitable from anywhere.",
        remediation="Set vpc_config.endpoint_public_access = false (with endpoint_private_access = true), or "
        "list the networks that need it in vpc_config.public_access_cidrs.",
        terraform='resource "aws_eks_cluster" "main" {\n  name     = "main"\n  role_arn = aws_iam_role.eks.arn\n\n'
        "  vpc_config {\n    subnet_ids              = var.private_subnet_ids\n"
        "    endpoint_private_access = true\n    endpoint_public_access  = false\n  }\n}",
        peers=("CKV_AWS_38", "AVD-AWS-0041"),
        references=("https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html",),
    ),
    kinds=("aws_eks_cluster",),
    per_resource=_eks_endpoint,
)


def _eks_secrets(cluster: Resource, ctx: Context) -> Iterable[Result]:
    configs = cluster.get("encryption_config")
    if isinstance(configs, Unknown):
        yield unknown(cluster, f"encryption_config is not known: {configs.reason}")
        return
    for config in as_list(configs):
        if not isinstance(config, dict):
            continue
        resources = config.get("resources")
        if isinstance(resources, Unknown):
            yield unknown(cluster, f"encryption_config.resources is not known: {resources.reason}")
            return
        names = as_list(resources)
        if "secrets" not in names:
            if any(not isinstance(n, str) for n in names):
                yield unknown(cluster, "encryption_config.resources holds values not known before apply")
                return
            continue
        provider = _first(config.get("provider"))
        key = provider.get("key_arn") if isinstance(provider, dict) else None
        if isinstance(key, Unknown) or key:
            yield passed(cluster, "Kubernetes secrets are encrypted with a KMS key")
            return
    yield failed(
        cluster,
        "Kubernetes secrets are not envelope-encrypted with a customer-managed KMS key (no encryption_config "
        'with resources = ["secrets"])',
    )


def _first(value: Any) -> Any:
    items = as_list(value)
    return items[0] if items else None


EKS_SECRETS_ENCRYPTED = Check(
    Meta(
        rule_id="eks.secrets-encrypted-with-kms",
        title="EKS clusters envelope-encrypt Kubernetes secrets with a customer-managed KMS key",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Without envelope encryption under a key the account controls, anyone who reads etcd or "
        "its backups reads every Kubernetes secret, and access to them cannot be audited or revoked "
        "through the key policy.",
        remediation='Add encryption_config { resources = ["secrets"] provider { key_arn = ... } } to the '
        "cluster.",
        terraform='resource "aws_eks_cluster" "main" {\n  # ...\n  encryption_config {\n'
        '    resources = ["secrets"]\n    provider {\n      key_arn = aws_kms_key.eks.arn\n    }\n  }\n}',
        peers=("CKV_AWS_58", "AVD-AWS-0039"),
    ),
    kinds=("aws_eks_cluster",),
    per_resource=_eks_secrets,
)

_CONTROL_PLANE_LOGS = ("api", "audit", "authenticator")


def _eks_logging(cluster: Resource, ctx: Context) -> Iterable[Result]:
    types = cluster.get("enabled_cluster_log_types")
    if isinstance(types, Unknown):
        yield unknown(cluster, f"enabled_cluster_log_types is not known: {types.reason}")
        return
    enabled = as_list(types)
    missing = [t for t in _CONTROL_PLANE_LOGS if t not in enabled]
    if missing and any(not isinstance(t, str) for t in enabled):
        yield unknown(cluster, "enabled_cluster_log_types holds values not known before apply")
    elif missing:
        yield failed(
            cluster,
            f"control plane logs not sent to CloudWatch: {', '.join(missing)} (none is enabled by default)",
            detail=",".join(missing),
        )
    else:
        yield passed(cluster)


EKS_LOGGING = Check(
    Meta(
        rule_id="eks.control-plane-logging-enabled",
        title="EKS clusters send API, audit and authenticator control plane logs to CloudWatch",
        pillar="monitoring",
        severity=Severity.MEDIUM,
        rationale="EKS enables no control plane log type by default: without the audit and authenticator "
        "logs there is no record of who called the Kubernetes API or which IAM identity they came as.",
        remediation='Set enabled_cluster_log_types = ["api", "audit", "authenticator"] (with '
        '"controllerManager" and "scheduler" if wanted).',
        terraform='resource "aws_eks_cluster" "main" {\n  # ...\n'
        '  enabled_cluster_log_types = ["api", "audit", "authenticator"]\n}',
        peers=("CKV_AWS_37", "AVD-AWS-0038"),
    ),
    kinds=("aws_eks_cluster",),
    per_resource=_eks_logging,
)


def _ecr_immutable(repository: Resource, ctx: Context) -> Iterable[Result]:
    mutability = repository.get("image_tag_mutability")
    if isinstance(mutability, Unknown):
        yield unknown(repository, f"image_tag_mutability is not known: {mutability.reason}")
    elif mutability is None:
        yield failed(repository, "image tags can be overwritten: image_tag_mutability defaults to MUTABLE")
    elif not isinstance(mutability, str):
        yield unknown(repository, f"image_tag_mutability is not a literal value: {mutability}")
    elif mutability.upper().startswith("IMMUTABLE"):
        yield passed(repository)
    else:
        yield failed(repository, f"image tags can be overwritten: image_tag_mutability = {mutability}")


ECR_IMMUTABLE = Check(
    Meta(
        rule_id="ecr.image-tags-immutable",
        title="ECR repositories make image tags immutable",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="With mutable tags anyone who can push replaces the image behind a tag that deployments "
        "already trust (v1.4.2, prod): the next pull or scale-out runs the replacement.",
        remediation='Set image_tag_mutability = "IMMUTABLE" and deploy by tag or digest.',
        terraform='resource "aws_ecr_repository" "app" {\n  name                 = "app"\n'
        '  image_tag_mutability = "IMMUTABLE"\n}',
        peers=("CKV_AWS_51", "AVD-AWS-0031"),
    ),
    kinds=("aws_ecr_repository",),
    per_resource=_ecr_immutable,
)


def _registry_scans(repository: Resource, ctx: Context) -> bool | Unknown:
    """Does a registry-level scanning configuration of the estate scan this repository's pushes?"""
    undecided: list[Unknown] = []
    for config in ctx.estate.of_kind("aws_ecr_registry_scanning_configuration"):
        for rule in as_list(config.get("rule")):
            if isinstance(rule, Unknown):
                undecided.append(rule)
                continue
            if not isinstance(rule, dict):
                continue
            frequency = rule.get("scan_frequency")
            if isinstance(frequency, Unknown):
                undecided.append(frequency)
                continue
            if frequency not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
                continue
            for item in as_list(rule.get("repository_filter")):
                pattern = item.get("filter") if isinstance(item, dict) else item
                if isinstance(pattern, Unknown):
                    undecided.append(pattern)
                    continue
                if not isinstance(pattern, str):
                    continue
                name = repository.get("name")
                if pattern == "*":
                    return True
                if not isinstance(name, str):
                    undecided.append(Unknown(f"repository name is not known to match filter {pattern!r}"))
                elif fnmatch.fnmatchcase(name, pattern):
                    return True
    return undecided[0] if undecided else False


def _ecr_scan(repository: Resource, ctx: Context) -> Iterable[Result]:
    config = first_block(repository, "image_scanning_configuration")
    if isinstance(config, Unknown):
        yield unknown(repository, f"image_scanning_configuration is not known: {config.reason}")
        return
    on_push = as_bool((config or {}).get("scan_on_push"))
    if on_push is True:
        yield passed(repository)
        return
    registry = _registry_scans(repository, ctx)
    if registry is True:
        yield passed(repository, "pushes are scanned by the registry scanning configuration")
    elif isinstance(on_push, Unknown):
        yield unknown(repository, f"image_scanning_configuration.scan_on_push is not known: {on_push.reason}")
    elif isinstance(registry, Unknown):
        yield unknown(repository, f"registry scanning configuration not decided: {registry.reason}")
    else:
        yield failed(
            repository,
            "pushed images are not scanned for vulnerabilities: scan_on_push is off (its default) and no "
            "registry scanning rule covers the repository",
        )


ECR_SCAN_ON_PUSH = Check(
    Meta(
        rule_id="ecr.scan-on-push-enabled",
        title="ECR repositories scan images for vulnerabilities on push",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Images with known vulnerable packages reach production unnoticed when nothing scans them "
        "as they are pushed.",
        remediation="Set image_scanning_configuration { scan_on_push = true }, or add an "
        "aws_ecr_registry_scanning_configuration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) that matches the "
        "repository.",
        terraform='resource "aws_ecr_registry_scanning_configuration" "this" {\n  scan_type = "ENHANCED"\n\n'
        '  rule {\n    scan_frequency = "CONTINUOUS_SCAN"\n    repository_filter {\n      filter      = "*"\n'
        '      filter_type = "WILDCARD"\n    }\n  }\n}',
        peers=("CKV_AWS_163", "AVD-AWS-0030", "ecr_repositories_scan_images_on_push_enabled"),
    ),
    kinds=("aws_ecr_repository",),
    per_resource=_ecr_scan,
)


def _containers(task: Resource) -> list[dict[str, Any]] | Unknown:
    raw = task.get("container_definitions")
    if isinstance(raw, Unknown):
        return raw
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return Unknown("container_definitions is not valid JSON")
    if not isinstance(raw, list):
        return Unknown("container_definitions is not a list of containers")
    return [c for c in raw if isinstance(c, dict)]


_ROOT_USERS = frozenset({"root", "0"})


def _ecs_privileges(task: Resource, ctx: Context) -> Iterable[Result]:
    containers = _containers(task)
    if isinstance(containers, Unknown):
        yield unknown(task, containers.reason)
        return
    bad: list[str] = []
    for container in containers:
        name = str(container.get("name", "?"))
        if as_bool(container.get("privileged")) is True:
            bad.append(f"{name}: privileged")
        user = container.get("user")
        if isinstance(user, str) and user.split(":", 1)[0].strip().lower() in _ROOT_USERS:
            bad.append(f"{name}: runs as root (user = {user})")
    if bad:
        yield failed(task, f"containers with host-level privileges: {'; '.join(bad)}", detail=",".join(bad))
    else:
        yield passed(task)


ECS_NOT_PRIVILEGED = Check(
    Meta(
        rule_id="ecs.container-not-privileged",
        title="ECS containers run unprivileged and not as root",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="A privileged container has every capability and the host's devices, and root in a "
        "container is root on the host after any escape: one compromised container owns the instance and "
        "every task on it.",
        remediation='Remove "privileged": true from container_definitions and set "user" to a non-root '
        'user (for example "1000:1000").',
        terraform='resource "aws_ecs_task_definition" "app" {\n  family = "app"\n'
        '  container_definitions = jsonencode([{\n    name       = "app"\n    image      = var.image\n'
        '    privileged = false\n    user       = "1000:1000"\n  }])\n}',
    ),
    kinds=("aws_ecs_task_definition",),
    per_resource=_ecs_privileges,
)


def _ecs_network_mode(task: Resource, ctx: Context) -> Iterable[Result]:
    mode = task.get("network_mode")
    if isinstance(mode, Unknown):
        yield unknown(task, f"network_mode is not known: {mode.reason}")
    elif isinstance(mode, str) and mode.lower() == "host":
        yield failed(task, 'containers share the host\'s network stack (network_mode = "host")')
    else:
        yield passed(task)


ECS_NOT_HOST_NETWORK = Check(
    Meta(
        rule_id="ecs.task-not-host-network",
        title="ECS task definitions do not use the host network mode",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="In host mode a container binds the instance's own interfaces: it reaches the instance "
        "metadata service and every local port, and security groups cannot tell its traffic from the "
        "host's.",
        remediation='Set network_mode = "awsvpc" (each task gets its own interface and security groups).',
        terraform='resource "aws_ecs_task_definition" "app" {\n  family       = "app"\n'
        '  network_mode = "awsvpc"\n  # ...\n}',
    ),
    kinds=("aws_ecs_task_definition",),
    per_resource=_ecs_network_mode,
)

CHECKS = (
    EKS_ENDPOINT_RESTRICTED,
    EKS_SECRETS_ENCRYPTED,
    EKS_LOGGING,
    ECR_IMMUTABLE,
    ECR_SCAN_ON_PUSH,
    ECS_NOT_PRIVILEGED,
    ECS_NOT_HOST_NETWORK,
)
