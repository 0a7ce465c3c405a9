"""ECS task definitions and clusters: secrets kept out of plain environment variables, read-only root file
systems, Container Insights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.containers import _containers
from ringfence.checks.context import Context
from ringfence.checks.secrets import looks_like_credential, named_secret, secret_name
from ringfence.model import Resource, Unknown, as_bool, as_list
from ringfence.shown import fingerprint


def _name(container: dict[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else "?"


def _secret_variable(key: str, value: Any) -> bool:
    """A variable named for a credential and given one: a literal that is not a placeholder or a reference,
    or a value not known before apply (it is still written into the task definition as it is)."""
    if isinstance(value, str):
        return named_secret(key, value)
    return value is not None and secret_name(key)


def _environment_secrets(task: Resource, ctx: Context) -> Iterable[Result]:
    """ECS.8: a credential in a container's ``environment`` is stored in the task definition in clear text,
    readable by anyone allowed ecs:DescribeTaskDefinition
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/taskdef-envfiles.html); ``secrets``
    (Secrets Manager or Parameter Store) keeps only a reference there."""
    containers = _containers(task)
    if isinstance(containers, Unknown):
        yield unknown(task, containers.reason)
        return
    found: list[str] = []
    undecided: list[str] = []
    for container in containers:
        environment = container.get("environment")
        if not isinstance(environment, list):
            if environment is not None:
                undecided.append(f"{_name(container)}: environment is not a list of variables")
            continue
        for variable in environment:
            if not isinstance(variable, dict):
                continue
            key, value = variable.get("name"), variable.get("value")
            if not isinstance(key, str):
                undecided.append(f"{_name(container)}: a variable name is not known before apply")
                continue
            if isinstance(value, str) and looks_like_credential(value):
                # The value is never shown: its fingerprint tells two findings apart.
                found.append(f"{_name(container)}: {key} holds a credential ({fingerprint(value)})")
            elif _secret_variable(key, value):
                found.append(f"{_name(container)}: {key}")
    if found:
        yield failed(
            task,
            f"secrets passed as plain environment variables: {'; '.join(found)}",
            detail=",".join(found),
        )
    elif undecided:
        yield unknown(task, "; ".join(undecided))
    else:
        yield passed(task)


ECS_SECRETS_NOT_IN_ENVIRONMENT = Check(
    Meta(
        rule_id="ecs.secrets-not-in-environment",
        title="ECS containers receive secrets through the secrets parameter, not plain environment variables",
        pillar="secrets",
        severity=Severity.HIGH,
        rationale="Environment variables are stored in the task definition as written: every revision keeps "
        "them, and anyone allowed to describe task definitions, or to read the container's environment, "
        "reads the credential. A secrets entry keeps only the ARN of a Secrets Manager secret or Parameter "
        "Store parameter, resolved when the task starts.",
        remediation="Move the variable from the container's environment to its secrets list "
        '({ name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn }) and grant the task '
        "execution role secretsmanager:GetSecretValue on it.",
        terraform='resource "aws_ecs_task_definition" "api" {\n  family = "api"\n'
        "  container_definitions = jsonencode([{\n"
        '    name    = "api"\n    image   = var.image\n'
        '    secrets = [{ name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn }]\n  }])\n}',
        references=(
            "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html",
        ),
    ),
    kinds=("aws_ecs_task_definition",),
    per_resource=_environment_secrets,
)


def _read_only_root(task: Resource, ctx: Context) -> Iterable[Result]:
    """ECS.5: ``readonlyRootFilesystem`` defaults to false
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html)."""
    containers = _containers(task)
    if isinstance(containers, Unknown):
        yield unknown(task, containers.reason)
        return
    writable: list[str] = []
    undecided: list[str] = []
    for container in containers:
        value = as_bool(container.get("readonlyRootFilesystem"))
        if value is True:
            continue
        if value is None or value is False:
            writable.append(_name(container))
        else:
            undecided.append(f"{_name(container)}: readonlyRootFilesystem is not known before apply")
    if writable:
        yield failed(
            task,
            f"containers with a writable root file system: {', '.join(writable)} (readonlyRootFilesystem "
            "is false or not set, and defaults to false)",
            detail=",".join(writable),
        )
    elif undecided:
        yield unknown(task, "; ".join(undecided))
    else:
        yield passed(task)


ECS_READ_ONLY_ROOT = Check(
    Meta(
        rule_id="ecs.container-read-only-root-filesystem",
        title="ECS containers mount their root file system read-only",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="A writable root file system lets an intruder in the container drop tools, replace "
        "binaries and persist across process restarts; with it read-only, writes go only to the volumes "
        "the task definition declares.",
        remediation='Set "readonlyRootFilesystem": true on every container definition and mount a volume '
        "for the paths the application writes.",
        terraform='resource "aws_ecs_task_definition" "api" {\n  family = "api"\n'
        "  container_definitions = jsonencode([{\n"
        '    name                   = "api"\n    image                  = var.image\n'
        "    readonlyRootFilesystem = true\n  }])\n}",
        peers=("CKV_AWS_336",),
    ),
    kinds=("aws_ecs_task_definition",),
    per_resource=_read_only_root,
)


_INSIGHTS_ON = ("enabled", "enhanced")


def _insights_setting(blocks: Any, name_key: str = "name") -> str | Unknown | None:
    """The containerInsights value among ``setting`` blocks: None when none sets it."""
    if isinstance(blocks, Unknown):
        return blocks
    for block in as_list(blocks):
        if not isinstance(block, dict):
            continue
        name = block.get(name_key)
        if isinstance(name, Unknown):
            return name
        if name == "containerInsights":
            value = block.get("value")
            if isinstance(value, Unknown):
                return value
            return value if isinstance(value, str) else Unknown(f"containerInsights value {value!r}")
    return None


def _account_default(ctx: Context) -> str | Unknown | None:
    """The account's containerInsights default set with aws_ecs_account_setting_default, if the estate has one."""
    for setting in ctx.estate.of_kind("aws_ecs_account_setting_default"):
        found = _insights_setting([setting.attributes])
        if found is not None:
            return found
    return None


def _container_insights(cluster: Resource, ctx: Context) -> Iterable[Result]:
    """ECS.12: Container Insights is off unless the cluster or the account default turns it on
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ClusterSetting.html)."""
    value = _insights_setting(cluster.get("setting"))
    where = "setting containerInsights"
    if value is None:
        value = _account_default(ctx)
        where = "the account default (aws_ecs_account_setting_default)"
    if isinstance(value, Unknown):
        yield unknown(cluster, f"{where} is not known before apply: {value.reason}")
    elif value is None:
        yield failed(
            cluster,
            "Container Insights is off: no containerInsights setting on the cluster or as the account "
            "default (it defaults to disabled)",
        )
    elif value.lower() in _INSIGHTS_ON:
        yield passed(cluster, f"Container Insights is {value.lower()} ({where})")
    else:
        yield failed(cluster, f'Container Insights is off: {where} = "{value}"')


ECS_CONTAINER_INSIGHTS = Check(
    Meta(
        rule_id="ecs.cluster-container-insights-enabled",
        title="ECS clusters collect Container Insights metrics and logs",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="Without Container Insights there are no per-task CPU, memory and network metrics or "
        "performance logs: a compromised task mining or exfiltrating stands out only in the bill.",
        remediation='Add setting { name = "containerInsights" value = "enabled" } to the cluster (or set '
        "the account default with aws_ecs_account_setting_default).",
        terraform='resource "aws_ecs_cluster" "main" {\n  name = "main"\n\n  setting {\n'
        '    name  = "containerInsights"\n    value = "enabled"\n  }\n}',
        peers=("CKV_AWS_65", "AVD-AWS-0034"),
    ),
    kinds=("aws_ecs_cluster",),
    per_resource=_container_insights,
)


def _host_pid(task: Resource, ctx: Context) -> Iterable[Result]:
    """ECS.3: pid_mode "host" puts the task's containers in the instance's process namespace; absent, each
    container has its own (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskDefinition.html)."""
    mode = task.get("pid_mode")
    if isinstance(mode, Unknown):
        yield unknown(task, f"pid_mode is not known: {mode.reason}")
    elif isinstance(mode, str) and mode.lower() == "host":
        yield failed(task, 'containers share the host\'s process namespace (pid_mode = "host")')
    else:
        yield passed(task)


ECS_NOT_HOST_PID = Check(
    Meta(
        rule_id="ecs.task-not-host-pid",
        title="ECS task definitions do not share the host's process namespace",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="With the host's process namespace a container sees every process of the instance and of "
        "the other tasks on it: it can read their environment and memory maps, signal them, and take the "
        "short path out of the container through /proc.",
        remediation='Remove pid_mode = "host" (or set pid_mode = "task" to share processes only within the '
        "task).",
        terraform='resource "aws_ecs_task_definition" "api" {\n  family   = "api"\n  pid_mode = "task"\n'
        "  # ...\n}",
        peers=("CKV_AWS_335",),
    ),
    kinds=("aws_ecs_task_definition",),
    per_resource=_host_pid,
)


def _service_public_ip(service: Resource, ctx: Context) -> Iterable[Result]:
    """ECS.2: network_configuration.assign_public_ip defaults to false."""
    config = first_block(service, "network_configuration")
    if isinstance(config, Unknown):
        yield unknown(service, f"network_configuration is not known: {config.reason}")
        return
    yield flag(
        service,
        "assign_public_ip",
        default=False,
        want=False,
        block=config or {},
        fail="tasks get a public IP address (network_configuration.assign_public_ip = true)",
    )


ECS_SERVICE_NO_PUBLIC_IP = Check(
    Meta(
        rule_id="ecs.service-no-public-ip",
        title="ECS services do not assign public IP addresses to their tasks",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="A task with a public address is reachable from the internet as soon as one security "
        "group rule allows it; tasks behind a load balancer or NAT need none.",
        remediation="Set network_configuration { assign_public_ip = false } (the default) and reach the "
        "internet through a NAT gateway or VPC endpoints.",
        terraform='resource "aws_ecs_service" "api" {\n  # ...\n  network_configuration {\n'
        "    subnets          = var.private_subnet_ids\n    security_groups  = [aws_security_group.api.id]\n"
        "    assign_public_ip = false\n  }\n}",
        peers=("CKV_AWS_333",),
    ),
    kinds=("aws_ecs_service",),
    per_resource=_service_public_ip,
)

CHECKS = (
    ECS_SECRETS_NOT_IN_ENVIRONMENT,
    ECS_READ_ONLY_ROOT,
    ECS_CONTAINER_INSIGHTS,
    ECS_NOT_HOST_PID,
    ECS_SERVICE_NO_PUBLIC_IP,
)
