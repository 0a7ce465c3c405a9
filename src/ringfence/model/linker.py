"""Turn attribute values into relations, the same way for every source.

A source fills attributes with :class:`Ref` values (Terraform references, CloudFormation ``Ref``/``GetAtt``)
or with literal names, ids and ARNs. :data:`LINKS` says, per resource kind, which attributes point at which
kinds of resource; a literal is resolved against the identities (:data:`IDENTITY`) of resources of those
kinds. Every ``Ref`` becomes a relation whatever the table says, so nothing a source knows is lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ringfence.model.relations import (
    CONFIGURES,
    DEFAULT_NETWORK_ACL,
    DEFAULT_SECURITY_GROUP,
    MAIN_ROUTE_TABLE,
    NETWORK_ACL,
    ROUTE_TABLE,
    SERVICE_ACCOUNT,
    WORKLOAD_IDENTITY,
    Relation,
)
from ringfence.model.resource import Resource
from ringfence.model.values import Ref

_VPC = ("aws_vpc",)
_SUBNET = ("aws_subnet",)
_SG = ("aws_security_group", "aws_default_security_group")
_RTB = ("aws_route_table", "aws_default_route_table")
_NACL = ("aws_network_acl", "aws_default_network_acl")
_KEY = ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key")
_ROLE = ("aws_iam_role",)
_USER = ("aws_iam_user",)
_GROUP = ("aws_iam_group",)
_POLICY = ("aws_iam_policy",)
_BUCKET = ("aws_s3_bucket",)
_LB = ("aws_lb", "aws_alb", "aws_elb")
_TG = ("aws_lb_target_group", "aws_alb_target_group")
_GW = (
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_nat_gateway",
    "aws_vpc_peering_connection",
    "aws_ec2_transit_gateway",
    "aws_vpc_endpoint",
    "aws_vpn_gateway",
    "aws_network_interface",
    "aws_instance",
)
_ROUTE_TARGETS = {
    "gateway_id": _GW,
    "nat_gateway_id": ("aws_nat_gateway",),
    "egress_only_gateway_id": ("aws_egress_only_internet_gateway",),
    "vpc_peering_connection_id": ("aws_vpc_peering_connection",),
    "transit_gateway_id": ("aws_ec2_transit_gateway",),
    "vpc_endpoint_id": ("aws_vpc_endpoint",),
    "network_interface_id": ("aws_network_interface",),
    "instance_id": ("aws_instance",),
}

# kind -> attribute path (dots walk into nested blocks) -> kinds it may name.
LINKS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "aws_subnet": {"vpc_id": _VPC},
    "aws_security_group": {
        "vpc_id": _VPC,
        "ingress.security_groups": _SG,
        "egress.security_groups": _SG,
    },
    "aws_default_security_group": {
        "vpc_id": _VPC,
        "ingress.security_groups": _SG,
        "egress.security_groups": _SG,
    },
    "aws_security_group_rule": {"security_group_id": _SG, "source_security_group_id": _SG},
    "aws_vpc_security_group_ingress_rule": {"security_group_id": _SG, "referenced_security_group_id": _SG},
    "aws_vpc_security_group_egress_rule": {"security_group_id": _SG, "referenced_security_group_id": _SG},
    "aws_route_table": {"vpc_id": _VPC, **{f"route.{k}": v for k, v in _ROUTE_TARGETS.items()}},
    "aws_default_route_table": {
        "default_route_table_id": _VPC,
        **{f"route.{k}": v for k, v in _ROUTE_TARGETS.items()},
    },
    "aws_route": {"route_table_id": _RTB, **_ROUTE_TARGETS},
    "aws_route_table_association": {"subnet_id": _SUBNET, "route_table_id": _RTB, "gateway_id": _GW},
    "aws_main_route_table_association": {"vpc_id": _VPC, "route_table_id": _RTB},
    "aws_internet_gateway": {"vpc_id": _VPC},
    "aws_internet_gateway_attachment": {"vpc_id": _VPC, "internet_gateway_id": ("aws_internet_gateway",)},
    "aws_egress_only_internet_gateway": {"vpc_id": _VPC},
    "aws_nat_gateway": {"subnet_id": _SUBNET, "allocation_id": ("aws_eip",)},
    "aws_eip": {"instance": ("aws_instance",), "network_interface": ("aws_network_interface",)},
    "aws_eip_association": {
        "instance_id": ("aws_instance",),
        "allocation_id": ("aws_eip",),
        "network_interface_id": ("aws_network_interface",),
    },
    "aws_network_interface": {"subnet_id": _SUBNET, "security_groups": _SG},
    "aws_network_interface_attachment": {
        "instance_id": ("aws_instance",),
        "network_interface_id": ("aws_network_interface",),
    },
    "aws_network_acl": {"vpc_id": _VPC, "subnet_ids": _SUBNET},
    "aws_default_network_acl": {"default_network_acl_id": _VPC, "subnet_ids": _SUBNET},
    "aws_network_acl_rule": {"network_acl_id": _NACL},
    "aws_network_acl_association": {"network_acl_id": _NACL, "subnet_id": _SUBNET},
    "aws_vpc_endpoint": {
        "vpc_id": _VPC,
        "subnet_ids": _SUBNET,
        "security_group_ids": _SG,
        "route_table_ids": _RTB,
    },
    "aws_vpc_endpoint_policy": {"vpc_endpoint_id": ("aws_vpc_endpoint",)},
    "aws_vpc_endpoint_route_table_association": {
        "vpc_endpoint_id": ("aws_vpc_endpoint",),
        "route_table_id": _RTB,
    },
    "aws_vpc_peering_connection": {"vpc_id": _VPC, "peer_vpc_id": _VPC},
    "aws_flow_log": {
        "vpc_id": _VPC,
        "subnet_id": _SUBNET,
        "eni_id": ("aws_network_interface",),
        "log_destination": ("aws_s3_bucket", "aws_cloudwatch_log_group"),
        "log_group_name": ("aws_cloudwatch_log_group",),
        "iam_role_arn": _ROLE,
    },
    "aws_instance": {
        "subnet_id": _SUBNET,
        "vpc_security_group_ids": _SG,
        "security_groups": _SG,
        "iam_instance_profile": ("aws_iam_instance_profile",),
        "launch_template.id": ("aws_launch_template",),
        "launch_template.name": ("aws_launch_template",),
        "network_interface.network_interface_id": ("aws_network_interface",),
        "root_block_device.kms_key_id": _KEY,
        "ebs_block_device.kms_key_id": _KEY,
    },
    "aws_launch_template": {
        "vpc_security_group_ids": _SG,
        "iam_instance_profile.name": ("aws_iam_instance_profile",),
        "iam_instance_profile.arn": ("aws_iam_instance_profile",),
        "network_interfaces.security_groups": _SG,
        "network_interfaces.subnet_id": _SUBNET,
        "block_device_mappings.ebs.kms_key_id": _KEY,
    },
    "aws_autoscaling_group": {
        "vpc_zone_identifier": _SUBNET,
        "launch_template.id": ("aws_launch_template",),
        "launch_template.name": ("aws_launch_template",),
        "target_group_arns": _TG,
    },
    "aws_ebs_volume": {"kms_key_id": _KEY},
    "aws_ebs_snapshot": {"volume_id": ("aws_ebs_volume",)},
    "aws_ebs_snapshot_copy": {
        "source_snapshot_id": ("aws_ebs_snapshot", "aws_ebs_snapshot_copy"),
        "kms_key_id": _KEY,
    },
    "aws_ami_launch_permission": {"image_id": ("aws_ami", "aws_ami_copy", "aws_ami_from_instance")},
    "aws_ami": {"ebs_block_device.snapshot_id": ("aws_ebs_snapshot", "aws_ebs_snapshot_copy")},
    "aws_ami_copy": {"source_ami_id": ("aws_ami", "aws_ami_copy"), "kms_key_id": _KEY},
    "aws_volume_attachment": {"volume_id": ("aws_ebs_volume",), "instance_id": ("aws_instance",)},
    "aws_ebs_default_kms_key": {"key_arn": _KEY},
    "aws_lb": {"subnets": _SUBNET, "security_groups": _SG, "subnet_mapping.subnet_id": _SUBNET},
    "aws_alb": {"subnets": _SUBNET, "security_groups": _SG, "subnet_mapping.subnet_id": _SUBNET},
    "aws_elb": {"subnets": _SUBNET, "security_groups": _SG, "instances": ("aws_instance",)},
    "aws_lb_listener": {
        "load_balancer_arn": _LB,
        "default_action.target_group_arn": _TG,
        "default_action.forward.target_group.arn": _TG,
    },
    "aws_alb_listener": {"load_balancer_arn": _LB, "default_action.target_group_arn": _TG},
    "aws_lb_listener_rule": {
        "listener_arn": ("aws_lb_listener", "aws_alb_listener"),
        "action.target_group_arn": _TG,
    },
    "aws_lb_target_group": {"vpc_id": _VPC},
    "aws_alb_target_group": {"vpc_id": _VPC},
    "aws_lb_target_group_attachment": {
        "target_group_arn": _TG,
        "target_id": ("aws_instance", "aws_lambda_function"),
    },
    "aws_alb_target_group_attachment": {"target_group_arn": _TG, "target_id": ("aws_instance",)},
    "aws_db_instance": {
        "db_subnet_group_name": ("aws_db_subnet_group",),
        "vpc_security_group_ids": _SG,
        "kms_key_id": _KEY,
        "replicate_source_db": ("aws_db_instance",),
        "parameter_group_name": ("aws_db_parameter_group",),
    },
    "aws_db_subnet_group": {"subnet_ids": _SUBNET},
    "aws_rds_cluster": {
        "db_subnet_group_name": ("aws_db_subnet_group",),
        "vpc_security_group_ids": _SG,
        "kms_key_id": _KEY,
    },
    "aws_rds_cluster_instance": {
        "cluster_identifier": ("aws_rds_cluster",),
        "db_subnet_group_name": ("aws_db_subnet_group",),
    },
    "aws_elasticache_cluster": {
        "subnet_group_name": ("aws_elasticache_subnet_group",),
        "security_group_ids": _SG,
        "replication_group_id": ("aws_elasticache_replication_group",),
    },
    "aws_elasticache_subnet_group": {"subnet_ids": _SUBNET},
    "aws_elasticache_replication_group": {
        "subnet_group_name": ("aws_elasticache_subnet_group",),
        "security_group_ids": _SG,
    },
    "aws_docdb_cluster": {"db_subnet_group_name": ("aws_docdb_subnet_group",), "vpc_security_group_ids": _SG},
    "aws_docdb_cluster_instance": {"cluster_identifier": ("aws_docdb_cluster",)},
    "aws_neptune_cluster": {
        "neptune_subnet_group_name": ("aws_neptune_subnet_group",),
        "vpc_security_group_ids": _SG,
    },
    "aws_neptune_cluster_instance": {
        "cluster_identifier": ("aws_neptune_cluster",),
        "neptune_subnet_group_name": ("aws_neptune_subnet_group",),
    },
    "aws_redshift_cluster": {
        "cluster_subnet_group_name": ("aws_redshift_subnet_group",),
        "vpc_security_group_ids": _SG,
        "cluster_parameter_group_name": ("aws_redshift_parameter_group",),
        "kms_key_id": _KEY,
    },
    "aws_redshift_logging": {"cluster_identifier": ("aws_redshift_cluster",)},
    "aws_memorydb_cluster": {"subnet_group_name": ("aws_memorydb_subnet_group",), "security_group_ids": _SG},
    "aws_dms_replication_instance": {
        "replication_subnet_group_id": ("aws_dms_replication_subnet_group",),
        "vpc_security_group_ids": _SG,
    },
    **{
        kind: {"subnet_ids": _SUBNET}
        for kind in (
            "aws_docdb_subnet_group",
            "aws_neptune_subnet_group",
            "aws_redshift_subnet_group",
            "aws_memorydb_subnet_group",
            "aws_dms_replication_subnet_group",
        )
    },
    "aws_opensearch_domain": {"vpc_options.subnet_ids": _SUBNET, "vpc_options.security_group_ids": _SG},
    "aws_elasticsearch_domain": {"vpc_options.subnet_ids": _SUBNET, "vpc_options.security_group_ids": _SG},
    "aws_mq_broker": {"subnet_ids": _SUBNET, "security_groups": _SG},
    "aws_msk_cluster": {
        "broker_node_group_info.client_subnets": _SUBNET,
        "broker_node_group_info.security_groups": _SG,
    },
    "aws_dynamodb_table": {"server_side_encryption.kms_key_arn": _KEY},
    "aws_efs_file_system": {"kms_key_id": _KEY},
    "aws_efs_mount_target": {
        "file_system_id": ("aws_efs_file_system",),
        "subnet_id": _SUBNET,
        "security_groups": _SG,
    },
    "aws_s3_bucket_server_side_encryption_configuration": {
        "bucket": _BUCKET,
        "rule.apply_server_side_encryption_by_default.kms_master_key_id": _KEY,
    },
    "aws_s3_bucket_logging": {"bucket": _BUCKET, "target_bucket": _BUCKET},
    "aws_kms_alias": {"target_key_id": _KEY},
    "aws_kms_key_policy": {"key_id": _KEY},
    "aws_kms_grant": {"key_id": _KEY},
    "aws_iam_role_policy": {"role": _ROLE},
    "aws_iam_role_policy_attachment": {"role": _ROLE, "policy_arn": _POLICY},
    "aws_iam_user_policy": {"user": _USER},
    "aws_iam_user_policy_attachment": {"user": _USER, "policy_arn": _POLICY},
    "aws_iam_group_policy": {"group": _GROUP},
    "aws_iam_group_policy_attachment": {"group": _GROUP, "policy_arn": _POLICY},
    "aws_iam_policy_attachment": {"users": _USER, "roles": _ROLE, "groups": _GROUP, "policy_arn": _POLICY},
    "aws_iam_role_policy_attachments_exclusive": {"role_name": _ROLE, "policy_arns": _POLICY},
    "aws_iam_group_membership": {"group": _GROUP, "users": _USER},
    "aws_iam_user_group_membership": {"user": _USER, "groups": _GROUP},
    "aws_iam_instance_profile": {"role": _ROLE},
    "aws_eks_pod_identity_association": {"role_arn": _ROLE},
    "aws_iam_access_key": {"user": _USER},
    "aws_iam_user_login_profile": {"user": _USER},
    "aws_iam_role": {"permissions_boundary": _POLICY, "managed_policy_arns": _POLICY},
    "aws_iam_user": {"permissions_boundary": _POLICY},
    "aws_lambda_function": {
        "role": _ROLE,
        "vpc_config.subnet_ids": _SUBNET,
        "vpc_config.security_group_ids": _SG,
        "kms_key_arn": _KEY,
    },
    "aws_lambda_permission": {"function_name": ("aws_lambda_function",), "source_arn": ()},
    "aws_lambda_function_url": {"function_name": ("aws_lambda_function",)},
    "aws_sqs_queue": {"kms_master_key_id": _KEY},
    "aws_sqs_queue_policy": {"queue_url": ("aws_sqs_queue",)},
    "aws_sns_topic": {"kms_master_key_id": _KEY},
    "aws_sns_topic_policy": {"arn": ("aws_sns_topic",)},
    "aws_secretsmanager_secret": {"kms_key_id": _KEY},
    "aws_secretsmanager_secret_policy": {"secret_arn": ("aws_secretsmanager_secret",)},
    "aws_secretsmanager_secret_version": {"secret_id": ("aws_secretsmanager_secret",)},
    "aws_secretsmanager_secret_rotation": {"secret_id": ("aws_secretsmanager_secret",)},
    "aws_cloudtrail": {
        "s3_bucket_name": _BUCKET,
        "kms_key_id": _KEY,
        "cloud_watch_logs_group_arn": ("aws_cloudwatch_log_group",),
        "cloud_watch_logs_role_arn": _ROLE,
    },
    "aws_cloudwatch_log_group": {"kms_key_id": _KEY},
    "aws_cloudwatch_log_metric_filter": {"log_group_name": ("aws_cloudwatch_log_group",)},
    "aws_kinesis_firehose_delivery_stream": {
        "kinesis_source_configuration.kinesis_stream_arn": ("aws_kinesis_stream",),
    },
    "aws_wafv2_web_acl_association": {
        "resource_arn": (*_LB, "aws_api_gateway_stage", "aws_apigatewayv2_stage"),
        "web_acl_arn": ("aws_wafv2_web_acl",),
    },
    "aws_config_configuration_recorder": {"role_arn": _ROLE},
    "aws_config_configuration_recorder_status": {"name": ("aws_config_configuration_recorder",)},
    "aws_eks_cluster": {
        "role_arn": _ROLE,
        "vpc_config.subnet_ids": _SUBNET,
        "vpc_config.security_group_ids": _SG,
    },
}

# Split S3 resources (provider v4+) that configure one bucket through their `bucket` attribute.
_BUCKET_PARTS = frozenset(
    {
        "aws_s3_bucket_acl",
        "aws_s3_bucket_cors_configuration",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_logging",
        "aws_s3_bucket_notification",
        "aws_s3_bucket_object_lock_configuration",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_replication_configuration",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_website_configuration",
    }
)

# kind -> attributes whose literal value names the resource (besides its ARN).
IDENTITY: Mapping[str, tuple[str, ...]] = {
    "aws_iam_role": ("name",),
    "aws_iam_user": ("name",),
    "aws_iam_group": ("name",),
    "aws_iam_policy": ("name",),
    "aws_iam_instance_profile": ("name",),
    "aws_s3_bucket": ("bucket",),
    "aws_lambda_function": ("function_name",),
    "aws_sqs_queue": ("name",),
    "aws_sns_topic": ("name",),
    "aws_secretsmanager_secret": ("name",),
    "aws_cloudwatch_log_group": ("name",),
    "aws_db_subnet_group": ("name",),
    "aws_rds_cluster": ("cluster_identifier",),
    "aws_db_instance": ("identifier",),
    "aws_db_parameter_group": ("name",),
    "aws_security_group": ("name",),
    "aws_launch_template": ("name",),
    "aws_elasticache_subnet_group": ("name",),
    "aws_docdb_subnet_group": ("name",),
    "aws_neptune_subnet_group": ("name",),
    "aws_redshift_subnet_group": ("name",),
    "aws_redshift_parameter_group": ("name",),
    "aws_memorydb_subnet_group": ("name",),
    "aws_dms_replication_subnet_group": ("replication_subnet_group_id",),
    "aws_docdb_cluster": ("cluster_identifier",),
    "aws_neptune_cluster": ("cluster_identifier",),
    "aws_redshift_cluster": ("cluster_identifier",),
    "aws_elasticache_replication_group": ("replication_group_id",),
    "aws_kms_alias": ("name",),
    "aws_lb": ("name",),
    "aws_lb_target_group": ("name",),
    "aws_wafv2_web_acl": ("name",),
    "aws_config_configuration_recorder": ("name",),
}

for _kind in _BUCKET_PARTS:
    if _kind not in LINKS:
        LINKS = {**LINKS, _kind: {"bucket": _BUCKET}}


def walk(value: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted ``path`` inside attributes, descending through lists of nested blocks."""
    head, _, rest = path.partition(".")
    if isinstance(value, Mapping):
        if head not in value:
            return
        inner = value[head]
        if not rest:
            if isinstance(inner, list | tuple):
                yield from inner
            else:
                yield inner
            return
        for item in inner if isinstance(inner, list | tuple) else [inner]:
            yield from walk(item, rest)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item, path)


def _all_refs(value: Any, path: str) -> Iterator[tuple[str, Ref]]:
    """Every Ref anywhere in ``value`` with the dotted path (list indices dropped) that holds it."""
    if isinstance(value, Ref):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _all_refs(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _all_refs(v, path)


class _Identities:
    """Literal name/ARN -> addresses, per kind, built once for the whole estate."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in resources:
            names: list[Any] = [r.arn] if r.arn else []
            names += [r.attributes.get(a) for a in IDENTITY.get(r.kind, ())]
            for n in names:
                if isinstance(n, str) and n:
                    self._index[(r.kind, n)].append(r.address)

    def find(
        self, kinds: tuple[str, ...], literal: str, root: str, by_address: Mapping[str, Resource]
    ) -> list[str]:
        found: list[str] = []
        for kind in kinds:
            found += self._index.get((kind, literal), [])
        if not found and literal.endswith(
            ":*"
        ):  # a log group's ARN as CloudTrail takes it, `...:log-group:x:*`
            return self.find(kinds, literal[:-2], root, by_address)
        if len(found) > 1:
            same_root = [a for a in found if by_address[a].root == root]
            if same_root:
                found = same_root
        return found


def link(resources: tuple[Resource, ...]) -> tuple[Relation, ...]:
    """All relations of an estate, sorted and unique."""
    by_address = {r.address: r for r in resources}
    identities = _Identities(resources)
    out: set[Relation] = set()
    for r in resources:
        table = LINKS.get(r.kind, {})
        for path, ref in _all_refs(r.attributes, ""):
            if ref.address in by_address and ref.address != r.address:
                out.add(Relation(r.address, path, ref.address))
        for path, kinds in table.items():
            if not kinds:
                continue
            for value in walk(r.attributes, path):
                if isinstance(value, str) and value:
                    for target in identities.find(kinds, value, r.root, by_address):
                        if target != r.address:
                            out.add(Relation(r.address, path, target))
        if r.kind in _BUCKET_PARTS:
            for value in walk(r.attributes, "bucket"):
                for target in _resolve(value, _BUCKET, identities, r, by_address):
                    out.add(Relation(r.address, CONFIGURES, target))
    out |= _derived(resources, by_address, out)
    out |= workload_identity(resources, out, identities)
    return tuple(sorted(out))


IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def workload_identity(
    resources: tuple[Resource, ...], relations: Iterable[Relation], identities: _Identities | None = None
) -> set[Relation]:
    """Service accounts -> the IAM roles their pods act as: the IRSA annotation's role ARN, and each EKS Pod
    Identity association naming the service account (by namespace and name). Kubernetes manifests and the
    Terraform of the role are often scanned as separate targets: :func:`ringfence.sources.load_estate`
    calls this again over the merged estate. A role ARN matches a role's ARN, else (the account of a
    Terraform estate may be assumed) a role's name when only one role has it."""
    identities = identities or _Identities(resources)
    by_address = {r.address: r for r in resources}
    out: set[Relation] = set()
    accounts = {r.address: r for r in resources if r.kind == SERVICE_ACCOUNT}
    for r in accounts.values():
        metadata = r.attributes.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
        arn = annotations.get(IRSA_ANNOTATION) if isinstance(annotations, Mapping) else None
        if isinstance(arn, str) and arn:
            for target in _role_by_arn(arn, identities, r, by_address):
                out.add(Relation(r.address, WORKLOAD_IDENTITY, target))
    roles_of: dict[str, list[str]] = defaultdict(list)
    for rel in relations:
        if rel.kind == "role_arn":
            roles_of[rel.source].append(rel.target)
    for r in resources:
        if r.kind != "aws_eks_pod_identity_association":
            continue
        namespace, name = r.attributes.get("namespace"), r.attributes.get("service_account")
        address = f"ServiceAccount/{namespace}/{name}"
        roles = roles_of.get(r.address) or []
        if not roles and isinstance(r.attributes.get("role_arn"), str):
            roles = _role_by_arn(r.attributes["role_arn"], identities, r, by_address)
        if address in accounts:
            out |= {Relation(address, WORKLOAD_IDENTITY, role) for role in roles}
    return out


def _role_by_arn(
    arn: str, identities: _Identities, owner: Resource, by_address: Mapping[str, Resource]
) -> list[str]:
    found = identities.find(_ROLE, arn, owner.root, by_address)
    if found or ":role/" not in arn:
        return found
    named = identities.find(_ROLE, arn.rsplit("/", 1)[-1], owner.root, by_address)
    return named if len(named) == 1 else []


def _resolve(
    value: Any,
    kinds: tuple[str, ...],
    identities: _Identities,
    owner: Resource,
    by_address: Mapping[str, Resource],
) -> list[str]:
    if isinstance(value, Ref):
        return [value.address] if value.address in by_address else []
    if isinstance(value, str) and value:
        return identities.find(kinds, value, owner.root, by_address)
    return []


def _derived(
    resources: tuple[Resource, ...], by_address: Mapping[str, Resource], direct: set[Relation]
) -> set[Relation]:
    """Relations AWS implies: effective route table and network ACL of each subnet, a VPC's defaults."""
    outgoing: dict[tuple[str, str], list[str]] = defaultdict(list)
    incoming: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rel in direct:
        outgoing[(rel.source, rel.kind)].append(rel.target)
        incoming[(rel.target, rel.kind)].append(rel.source)
    out: set[Relation] = set()

    def first(source: str, kind: str) -> str | None:
        targets = sorted(outgoing.get((source, kind), ()))
        return targets[0] if targets else None

    main_table: dict[str, str] = {}
    default_acl: dict[str, str] = {}
    for r in resources:
        if r.kind == "aws_main_route_table_association":
            vpc, rtb = first(r.address, "vpc_id"), first(r.address, "route_table_id")
            if vpc and rtb:
                main_table[vpc] = rtb
        elif r.kind == "aws_default_route_table":
            vpc = first(r.address, "default_route_table_id")
            if vpc:
                main_table.setdefault(vpc, r.address)
        elif r.kind == "aws_default_network_acl":
            vpc = first(r.address, "default_network_acl_id")
            if vpc:
                default_acl[vpc] = r.address
        elif r.kind == "aws_default_security_group":
            vpc = first(r.address, "vpc_id")
            if vpc:
                out.add(Relation(vpc, DEFAULT_SECURITY_GROUP, r.address))
    for vpc, rtb in main_table.items():
        out.add(Relation(vpc, MAIN_ROUTE_TABLE, rtb))
    for vpc, acl in default_acl.items():
        out.add(Relation(vpc, DEFAULT_NETWORK_ACL, acl))

    explicit_rtb: dict[str, str] = {}
    explicit_acl: dict[str, str] = {}
    for r in resources:
        if r.kind == "aws_route_table_association":
            subnet, assoc_rtb = first(r.address, "subnet_id"), first(r.address, "route_table_id")
            if subnet and assoc_rtb:
                explicit_rtb[subnet] = assoc_rtb
        elif r.kind == "aws_network_acl_association":
            subnet, assoc_acl = first(r.address, "subnet_id"), first(r.address, "network_acl_id")
            if subnet and assoc_acl:
                explicit_acl[subnet] = assoc_acl
        elif r.kind in ("aws_network_acl", "aws_default_network_acl"):
            for subnet in outgoing.get((r.address, "subnet_ids"), ()):
                explicit_acl.setdefault(subnet, r.address)
    for r in resources:
        if r.kind != "aws_subnet":
            continue
        vpc = first(r.address, "vpc_id")
        table = explicit_rtb.get(r.address) or (main_table.get(vpc) if vpc else None)
        if table:
            out.add(Relation(r.address, ROUTE_TABLE, table))
        network_acl = explicit_acl.get(r.address) or (default_acl.get(vpc) if vpc else None)
        if network_acl:
            out.add(Relation(r.address, NETWORK_ACL, network_acl))
    return out
