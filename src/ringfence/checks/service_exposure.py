"""Managed services reachable from the internet or running with more power than they need: DMS replication
instances, Redshift clusters and MQ brokers with public endpoints, SageMaker notebooks with direct internet
access or root, CodeBuild builds in privileged mode, the account's EMR block public access setting, SSM
documents shared with every account, and DMS endpoints connecting to databases without TLS."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, not_known, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list


def _public_flag(resource: Resource, *, default: bool, what: str) -> Result:
    absent = resource.get("publicly_accessible") is None
    fail = (
        f"publicly_accessible = true gives the {what} a public IP address and an internet-resolvable endpoint"
    )
    if absent and default:
        fail = f"publicly_accessible is not set, and the {what} is public by default"
    return flag(resource, "publicly_accessible", default=default, want=False, fail=fail)


def _dms(instance: Resource, ctx: Context) -> Iterable[Result]:
    # The DMS API's PubliclyAccessible defaults to true, but the provider always sends the attribute's value,
    # false when it is absent (resourceReplicationInstanceCreate: aws.Bool(d.Get("publicly_accessible"))).
    yield _public_flag(instance, default=False, what="replication instance")


DMS_NOT_PUBLIC = Check(
    Meta(
        rule_id="dms.replication-instance-not-public",
        title="DMS replication instances are not publicly accessible",
        pillar="network",
        severity=Severity.HIGH,
        rationale="A replication instance holds credentials for the source and target databases and reads "
        "all their data. With publicly_accessible = true it gets a public IP address, one security group "
        "rule away from the internet (the DMS API makes instances public unless told otherwise; the provider "
        "sends false when the attribute is absent).",
        remediation="Set publicly_accessible = false on the aws_dms_replication_instance and place it in "
        "private subnets (replication_subnet_group_id).",
        terraform=(
            'resource "aws_dms_replication_instance" "migrate" {\n'
            '  replication_instance_id    = "migrate"\n  replication_instance_class = "dms.t3.medium"\n'
            "  publicly_accessible        = false\n}"
        ),
        peers=("CKV_AWS_89", "dms_instance_no_public_access"),
    ),
    kinds=("aws_dms_replication_instance",),
    per_resource=_dms,
)


def _redshift(cluster: Resource, ctx: Context) -> Iterable[Result]:
    # The provider's schema gives publicly_accessible Default: true (internal/service/redshift/cluster.go,
    # through version 5 at least) and sends it on create.
    yield _public_flag(cluster, default=True, what="cluster")


REDSHIFT_NOT_PUBLIC = Check(
    Meta(
        rule_id="redshift.cluster-not-publicly-accessible",
        title="Redshift clusters are not publicly accessible",
        pillar="network",
        severity=Severity.HIGH,
        rationale="A publicly accessible cluster gets a public address and endpoint: the warehouse is one "
        "security group rule, or one weak password, away from anyone on the internet.",
        remediation="Set publicly_accessible = false on the aws_redshift_cluster (the provider defaults it to "
        "true) and reach it from inside the VPC.",
        terraform='resource "aws_redshift_cluster" "warehouse" {\n  publicly_accessible = false\n}',
        peers=("CKV_AWS_87", "redshift_cluster_public_access"),
    ),
    kinds=("aws_redshift_cluster",),
    per_resource=_redshift,
)


def _mq(broker: Resource, ctx: Context) -> Iterable[Result]:
    yield _public_flag(broker, default=False, what="broker")


MQ_NOT_PUBLIC = Check(
    Meta(
        rule_id="mq.broker-not-publicly-accessible",
        title="Amazon MQ brokers are not publicly accessible",
        pillar="network",
        severity=Severity.HIGH,
        rationale="A public broker answers on the internet, outside the VPC's security groups: its web "
        "console and message protocols are open to password guessing and denial of service from anywhere.",
        remediation="Set publicly_accessible = false on the aws_mq_broker (with subnet_ids and "
        "security_groups in the VPC).",
        terraform='resource "aws_mq_broker" "orders" {\n  publicly_accessible = false\n}',
        peers=("CKV_AWS_69", "mq_broker_not_publicly_accessible"),
    ),
    kinds=("aws_mq_broker",),
    per_resource=_mq,
)


def _enabled_setting(resource: Resource, attribute: str, fail: str) -> Result:
    """A setting AWS turns on (``"Enabled"``) when the attribute is absent, which must be ``"Disabled"``."""
    value = resource.get(attribute, "Enabled")
    if isinstance(value, Unknown):
        return not_known(resource, attribute, value)
    if not isinstance(value, str):
        return unknown(resource, f"{attribute} is not a literal value: {value!r}")
    if value.lower() == "disabled":
        return passed(resource)
    return failed(resource, fail if resource.get(attribute) is not None else f"{fail} (the default)")


def _notebook_internet(notebook: Resource, ctx: Context) -> Iterable[Result]:
    yield _enabled_setting(
        notebook,
        "direct_internet_access",
        "direct_internet_access is Enabled: the notebook reaches the internet past the VPC's controls",
    )


SAGEMAKER_NO_DIRECT_INTERNET = Check(
    Meta(
        rule_id="sagemaker.notebook-no-direct-internet-access",
        title="SageMaker notebook instances have no direct internet access",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale="With direct internet access (the default) the notebook talks to the internet through a "
        "network SageMaker manages, past the VPC's security groups, network ACLs and flow logs: data can "
        "leave and code can come in unseen.",
        remediation='Set direct_internet_access = "Disabled" with subnet_id and security_groups on the '
        "aws_sagemaker_notebook_instance, and give the subnet a NAT gateway or VPC endpoints.",
        terraform=(
            'resource "aws_sagemaker_notebook_instance" "lab" {\n'
            '  direct_internet_access = "Disabled"\n  subnet_id              = aws_subnet.private.id\n'
            "  security_groups        = [aws_security_group.lab.id]\n}"
        ),
        peers=("CKV_AWS_122", "sagemaker_notebook_instance_without_direct_internet_access_configured"),
    ),
    kinds=("aws_sagemaker_notebook_instance",),
    per_resource=_notebook_internet,
)


def _notebook_root(notebook: Resource, ctx: Context) -> Iterable[Result]:
    yield _enabled_setting(
        notebook,
        "root_access",
        "root_access is Enabled: every notebook user can change the instance's software and settings",
    )


SAGEMAKER_NO_ROOT = Check(
    Meta(
        rule_id="sagemaker.notebook-root-access-disabled",
        title="SageMaker notebook instances give their users no root access",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Root on the notebook (the default) lets any of its users install software, change the "
        "lifecycle configuration's work and read what other sessions leave on the instance.",
        remediation='Set root_access = "Disabled" on the aws_sagemaker_notebook_instance (lifecycle '
        "configurations still run as root).",
        terraform='resource "aws_sagemaker_notebook_instance" "lab" {\n  root_access = "Disabled"\n}',
        peers=("CKV_AWS_307", "sagemaker_notebook_instance_root_access_disabled"),
    ),
    kinds=("aws_sagemaker_notebook_instance",),
    per_resource=_notebook_root,
)


def _privileged_build(project: Resource, ctx: Context) -> Iterable[Result]:
    environment = first_block(project, "environment")
    if isinstance(environment, Unknown):
        yield not_known(project, "environment", environment)
        return
    yield flag(
        project,
        "privileged_mode",
        default=False,
        want=False,
        block=environment or {},
        fail="environment.privileged_mode = true runs the build with root on the build host's Docker "
        "daemon: a malicious dependency or pull request can escape the build container",
    )


CODEBUILD_NOT_PRIVILEGED = Check(
    Meta(
        rule_id="codebuild.project-not-privileged",
        title="CodeBuild projects do not run builds in privileged mode",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Privileged mode gives the build container the host's devices and full Docker access; it "
        "is needed only to build container images, and then a build that runs untrusted code controls the "
        "build host.",
        remediation="Set environment.privileged_mode = false on the aws_codebuild_project (build images with "
        "a daemonless builder, or in a separate project that runs only trusted code).",
        terraform=(
            'resource "aws_codebuild_project" "app" {\n  environment {\n'
            '    compute_type    = "BUILD_GENERAL1_SMALL"\n'
            '    image           = "aws/codebuild/standard:7.0"\n'
            '    type            = "LINUX_CONTAINER"\n    privileged_mode = false\n  }\n}'
        ),
        peers=("CKV_AWS_316",),
    ),
    kinds=("aws_codebuild_project",),
    per_resource=_privileged_build,
)


def _emr_block(configuration: Resource, ctx: Context) -> Iterable[Result]:
    on = as_bool(configuration.get("block_public_security_group_rules"))
    if isinstance(on, Unknown):
        yield not_known(configuration, "block_public_security_group_rules", on)
        return
    if on:
        yield passed(configuration)
        return
    ranges = [
        f"{r.get('min_range')}-{r.get('max_range')}"
        for r in as_list(configuration.get("permitted_public_security_group_rule_range"))
        if isinstance(r, dict)
    ]
    shown = f" (ports {', '.join(ranges)} stay allowed)" if ranges else ""
    yield failed(
        configuration,
        "block_public_security_group_rules = false lets EMR clusters start with security groups open to "
        f"the internet on any port{shown}",
    )


EMR_BLOCK_PUBLIC_ACCESS = Check(
    Meta(
        rule_id="emr.block-public-access-enabled",
        title="EMR block public access stays on for the account",
        pillar="network",
        severity=Severity.HIGH,
        rationale="EMR block public access, on by default in every region, refuses to start a cluster whose "
        "security groups admit the internet on ports other than those permitted (22 by default). Switching "
        "it off lets a cluster open Hadoop, Spark and Jupyter interfaces, which run code for whoever reaches "
        "them, to the world.",
        remediation="Set block_public_security_group_rules = true on the "
        "aws_emr_block_public_access_configuration (or remove the resource: the default is on).",
        terraform=(
            'resource "aws_emr_block_public_access_configuration" "this" {\n'
            "  block_public_security_group_rules = true\n}"
        ),
        peers=("emr_cluster_account_public_block_enabled",),
    ),
    kinds=("aws_emr_block_public_access_configuration",),
    per_resource=_emr_block,
)


def _document_sharing(document: Resource, ctx: Context) -> Iterable[Result]:
    permissions = document.get("permissions")
    if isinstance(permissions, Unknown):
        yield not_known(document, "permissions", permissions)
        return
    block = permissions if isinstance(permissions, dict) else first_block(document, "permissions")
    if isinstance(block, Unknown):
        yield not_known(document, "permissions", block)
        return
    accounts = (block or {}).get("account_ids")
    if isinstance(accounts, Unknown):
        yield not_known(document, "permissions.account_ids", accounts)
        return
    shared = [a.strip() for a in str(accounts or "").split(",") if a.strip()]
    if any(a.lower() == "all" for a in shared):
        yield failed(
            document,
            'permissions.account_ids = "All" shares the document with every AWS account: its commands, '
            "scripts and any names or addresses in them are public",
        )
    else:
        yield passed(document, f"shared with {', '.join(shared)}" if shared else "")


SSM_DOCUMENT_NOT_PUBLIC = Check(
    Meta(
        rule_id="ssm.document-not-public",
        title="SSM documents are not shared with every AWS account",
        pillar="identity",
        severity=Severity.HIGH,
        rationale="A document shared with All can be read and run by any AWS account: the automation it "
        "holds often names buckets, roles, hosts and internal endpoints, and sometimes credentials.",
        remediation='Share the aws_ssm_document with named accounts (permissions = { type = "Share", '
        'account_ids = "210987654321" }) or not at all; keep block public sharing on with '
        "aws_ssm_service_setting.",
        terraform=(
            'resource "aws_ssm_document" "patch" {\n  name          = "patch"\n  document_type = "Command"\n'
            '  permissions = {\n    type        = "Share"\n    account_ids = "210987654321"\n  }\n}'
        ),
        peers=("ssm_documents_set_as_public",),
    ),
    kinds=("aws_ssm_document",),
    per_resource=_document_sharing,
)

# Source and target engines whose connection TLS is set with ssl_mode (DMS User Guide, "Using SSL with
# AWS Database Migration Service"); the others (S3, DynamoDB, Kinesis, Kafka, OpenSearch...) have their
# own settings blocks.
_SSL_ENGINES = frozenset(
    {
        "aurora",
        "aurora-postgresql",
        "mariadb",
        "mysql",
        "oracle",
        "postgres",
        "sqlserver",
        "sybase",
        "db2",
        "mongodb",
        "docdb",
    }
)


def _endpoint_ssl(endpoint: Resource, ctx: Context) -> Iterable[Result]:
    engine = endpoint.get("engine_name")
    if isinstance(engine, Unknown):
        yield not_known(endpoint, "engine_name", engine)
        return
    if not isinstance(engine, str) or engine.lower() not in _SSL_ENGINES:
        yield passed(endpoint, f"ssl_mode does not apply to {engine} endpoints")
        return
    mode = endpoint.get("ssl_mode", "none")
    if isinstance(mode, Unknown):
        yield not_known(endpoint, "ssl_mode", mode)
    elif isinstance(mode, str) and mode.lower() != "none":
        yield passed(endpoint)
    else:
        default = " (the default)" if endpoint.get("ssl_mode") is None else ""
        yield failed(
            endpoint,
            f"ssl_mode is none{default}: the {engine} data and its credentials cross the network unencrypted",
        )


DMS_ENDPOINT_SSL = Check(
    Meta(
        rule_id="dms.endpoint-uses-ssl",
        title="DMS endpoints connect to their databases over TLS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A migration copies a whole database; with ssl_mode none (the default) every row and the "
        "database credentials travel in clear text between the replication instance and the database.",
        remediation='Set ssl_mode = "verify-full" (or "require", "verify-ca") on the aws_dms_endpoint, with '
        "certificate_arn for the verify modes.",
        terraform=(
            'resource "aws_dms_endpoint" "source" {\n  endpoint_id     = "source"\n'
            '  endpoint_type   = "source"\n  engine_name     = "postgres"\n'
            '  ssl_mode        = "verify-full"\n  certificate_arn = aws_dms_certificate.rds.certificate_arn\n}'
        ),
        peers=("dms_endpoint_ssl_enabled",),
    ),
    kinds=("aws_dms_endpoint",),
    per_resource=_endpoint_ssl,
)

CHECKS = (
    DMS_NOT_PUBLIC,
    DMS_ENDPOINT_SSL,
    SSM_DOCUMENT_NOT_PUBLIC,
    REDSHIFT_NOT_PUBLIC,
    MQ_NOT_PUBLIC,
    SAGEMAKER_NO_DIRECT_INTERNET,
    SAGEMAKER_NO_ROOT,
    CODEBUILD_NOT_PRIVILEGED,
    EMR_BLOCK_PUBLIC_ACCESS,
)
