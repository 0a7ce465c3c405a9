"""ARNs built from names, the account id, the partition and the region, as AWS builds them.

Shared by every source that knows names before AWS assigns ids (Terraform, CloudFormation). Where part of
an ARN is assigned by AWS at creation (a KMS key id, an instance id, a secret's random suffix), that part
is a placeholder naming the resource, ``<aws_kms_key.data>``: it cannot equal any real id, so a policy
that names a real key never matches it by accident, while wildcards (``key/*``) match it as they match
the real id. A policy that references ``aws_kms_key.data.arn`` is then fully known, and questions about
that key are answered exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_Builder = Callable[[Mapping[str, Any], str, str, str], str | None]


def _name(attrs: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _iam(kind: str) -> _Builder:
    def build(attrs: Mapping[str, Any], partition: str, region: str, account: str) -> str | None:
        name = _name(attrs, "name")
        if name is None:
            return None
        path = attrs.get("path", "/")
        path = path if isinstance(path, str) and path.startswith("/") and path.endswith("/") else "/"
        return f"arn:{partition}:iam::{account}:{kind}{path}{name}"

    return build


def _regional(service: str, fmt: str, *keys: str) -> _Builder:
    def build(attrs: Mapping[str, Any], partition: str, region: str, account: str) -> str | None:
        name = _name(attrs, *keys)
        if name is None:
            return None
        return f"arn:{partition}:{service}:{region}:{account}:{fmt.format(name=name)}"

    return build


def _bucket(attrs: Mapping[str, Any], partition: str, region: str, account: str) -> str | None:
    name = _name(attrs, "bucket")
    return f"arn:{partition}:s3:::{name}" if name else None


def _trail(attrs: Mapping[str, Any], partition: str, region: str, account: str) -> str | None:
    name = _name(attrs, "name")
    return f"arn:{partition}:cloudtrail:{region}:{account}:trail/{name}" if name else None


def _oidc(attrs: Mapping[str, Any], partition: str, region: str, account: str) -> str | None:
    url = _name(attrs, "url")
    return f"arn:{partition}:iam::{account}:oidc-provider/{url.split('://', 1)[-1]}" if url else None


BUILDERS: Mapping[str, _Builder] = {
    "aws_iam_saml_provider": _iam("saml-provider"),
    "aws_iam_openid_connect_provider": _oidc,
    "aws_iam_role": _iam("role"),
    "aws_iam_user": _iam("user"),
    "aws_iam_group": _iam("group"),
    "aws_iam_policy": _iam("policy"),
    "aws_iam_instance_profile": _iam("instance-profile"),
    "aws_s3_bucket": _bucket,
    "aws_sqs_queue": _regional("sqs", "{name}", "name"),
    "aws_sns_topic": _regional("sns", "{name}", "name"),
    "aws_lambda_function": _regional("lambda", "function:{name}", "function_name"),
    "aws_dynamodb_table": _regional("dynamodb", "table/{name}", "name"),
    "aws_cloudwatch_log_group": _regional("logs", "log-group:{name}", "name"),
    "aws_kms_alias": _regional("kms", "{name}", "name"),
    "aws_db_instance": _regional("rds", "db:{name}", "identifier"),
    "aws_rds_cluster": _regional("rds", "cluster:{name}", "cluster_identifier"),
    "aws_cloudtrail": _trail,
    "aws_ecr_repository": _regional("ecr", "repository/{name}", "name"),
    "aws_sfn_state_machine": _regional("states", "stateMachine:{name}", "name"),
    "aws_ssm_parameter": _regional("ssm", "parameter/{name}", "name"),
    "aws_eks_cluster": _regional("eks", "cluster/{name}", "name"),
    "aws_ses_domain_identity": _regional("ses", "identity/{name}", "domain"),
    "aws_ses_email_identity": _regional("ses", "identity/{name}", "email"),
}


# kind -> the ARN with the part AWS assigns at creation left as ``{id}``.
ASSIGNED: Mapping[str, str] = {
    "aws_kms_key": "arn:{partition}:kms:{region}:{account}:key/{id}",
    "aws_kms_replica_key": "arn:{partition}:kms:{region}:{account}:key/{id}",
    "aws_instance": "arn:{partition}:ec2:{region}:{account}:instance/{id}",
    "aws_ebs_volume": "arn:{partition}:ec2:{region}:{account}:volume/{id}",
    "aws_vpc": "arn:{partition}:ec2:{region}:{account}:vpc/{id}",
    "aws_subnet": "arn:{partition}:ec2:{region}:{account}:subnet/{id}",
    "aws_security_group": "arn:{partition}:ec2:{region}:{account}:security-group/{id}",
    "aws_efs_file_system": "arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}",
    "aws_vpc_endpoint": "arn:{partition}:ec2:{region}:{account}:vpc-endpoint/{id}",
}


ACCOUNT_IN_ARN = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:(\d{12}):")


def most_common_account(texts: Iterable[str]) -> str | None:
    """The account id most often named in the ARNs of ``texts`` (ties: the smallest), never the all-zero
    placeholder; None when no ARN names one. The one rule by which a source that reads code tells the
    account it is written for."""
    found = Counter(m for text in texts if "arn:" in text for m in ACCOUNT_IN_ARN.findall(text))
    found.pop("000000000000", None)
    if not found:
        return None
    return str(min(found.items(), key=lambda kv: (-kv[1], kv[0]))[0])


def placeholder(address: str) -> str:
    return f"<{address}>"


def synthesize(
    kind: str, attrs: Mapping[str, Any], partition: str, region: str, account: str, address: str = ""
) -> str | None:
    if kind in ASSIGNED and address:
        return ASSIGNED[kind].format(
            partition=partition, region=region, account=account, id=placeholder(address)
        )
    if kind == "aws_secretsmanager_secret" and address:
        # AWS appends a hyphen and six random characters to the name.
        name = _name(attrs, "name")
        if name is not None:
            return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-{placeholder(address)}"
        return None
    if kind in ("aws_lb", "aws_alb", "aws_lb_target_group", "aws_alb_target_group") and address:
        name = _name(attrs, "name")
        if name is None:
            return None
        if kind.endswith("target_group"):
            return f"arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{placeholder(address)}"
        lb_type = {"network": "net", "gateway": "gwy"}.get(
            str(attrs.get("load_balancer_type", "application")), "app"
        )
        return f"arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{lb_type}/{name}/{placeholder(address)}"
    build = BUILDERS.get(kind)
    if build is None:
        return None
    if kind == "aws_ssm_parameter":
        name = _name(attrs, "name")
        if name and name.startswith("/"):
            return f"arn:{partition}:ssm:{region}:{account}:parameter{name}"
    return build(attrs, partition, region, account)


# Attributes whose value AWS sets equal to the resource's name (so a reference to them is known).
NAME_LIKE: Mapping[str, Mapping[str, str]] = {
    "aws_s3_bucket": {"id": "bucket", "bucket": "bucket"},
    "aws_iam_role": {"id": "name", "name": "name", "unique_id": ""},
    "aws_iam_user": {"id": "name", "name": "name"},
    "aws_iam_group": {"id": "name", "name": "name"},
    "aws_iam_instance_profile": {"id": "name", "name": "name"},
    "aws_iam_policy": {"name": "name"},
    "aws_lambda_function": {"function_name": "function_name", "id": "function_name"},
    "aws_cloudwatch_log_group": {"id": "name", "name": "name"},
    "aws_sqs_queue": {"name": "name"},
    "aws_sns_topic": {"name": "name"},
    "aws_secretsmanager_secret": {"name": "name"},
    "aws_dynamodb_table": {"id": "name", "name": "name"},
    "aws_db_instance": {"identifier": "identifier"},
    "aws_kms_alias": {"name": "name", "id": "name"},
}

# Attributes equal to the ARN.
ARN_LIKE: Mapping[str, frozenset[str]] = {
    "aws_sns_topic": frozenset({"id", "arn"}),
    "aws_secretsmanager_secret": frozenset({"id", "arn"}),
    "aws_iam_policy": frozenset({"id", "arn"}),
}
