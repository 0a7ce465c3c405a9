"""Relations between resources, first-class in the model.

A relation is named after the attribute that creates it (``vpc_id``, ``subnet_id``, ``role``), so a source
only has to fill attributes with :class:`~ringfence.model.values.Ref` values or with the names, ids and ARNs
of other resources; :func:`ringfence.model.linker.link` turns them into relations the same way for every
source. A few relations that no attribute states directly (a VPC's main route table, the default network
ACL) are added by the linker under the names below.
"""

from __future__ import annotations

from dataclasses import dataclass

# Relations the linker derives rather than reads from one attribute.
MAIN_ROUTE_TABLE = "main_route_table"  # aws_vpc -> aws_route_table (or aws_default_route_table)
DEFAULT_NETWORK_ACL = "default_network_acl"  # aws_vpc -> aws_default_network_acl
DEFAULT_SECURITY_GROUP = "default_security_group"  # aws_vpc -> aws_default_security_group
ROUTE_TABLE = "route_table"  # aws_subnet -> effective aws_route_table (explicit association or main)
NETWORK_ACL = "network_acl"  # aws_subnet -> effective network ACL
CONFIGURES = "configures"
# k8s:ServiceAccount -> aws_iam_role its pods act as: the IRSA annotation (eks.amazonaws.com/role-arn) or an
# EKS Pod Identity association (aws_eks_pod_identity_association) naming the service account.
# The kind of a Kubernetes service account: it acts with an IAM role through workload identity.
SERVICE_ACCOUNT = "k8s:ServiceAccount"
WORKLOAD_IDENTITY = "workload_identity"  # split bucket resources (aws_s3_bucket_*) -> aws_s3_bucket


@dataclass(frozen=True, slots=True, order=True)
class Relation:
    """``source`` relates to ``target`` by ``kind`` (``aws_subnet.a --vpc_id--> aws_vpc.main``)."""

    source: str
    kind: str
    target: str
