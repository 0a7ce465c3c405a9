"""Resource policies and ACLs that open data to anyone: buckets, keys, queues, topics, repositories, vaults,
email identities, search domains, functions and secrets.

Each policy check asks :func:`ringfence.iam.access.analyse` (the IAM evaluator over anonymous and
foreign-account requests built from the policy's own values, denies included) and reports a public grant at
the statement that makes it. A grant to a named other account is cross-account, not public, and is not
judged here; for KMS keys ``kms.key-shared-only-with-trusted-accounts`` (checks/key_policies.py) judges it
against the ``trusted_accounts`` setting.

The finding is on the resource at risk (the bucket), located at the statement; a policy resource whose
resource is not in the estate (``bucket = "someone-elses"``) is itself the resource at risk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ringfence.checks.base import Check, Meta, Result, Severity, Status, passed, unknown
from ringfence.checks.context import Context
from ringfence.iam.access import Access, analyse, attached_policies, lambda_permissions
from ringfence.iam.estate_policies import policy_of, resource_policy
from ringfence.iam.policy import Policy, PolicyType
from ringfence.model import Estate, Resource, Unknown, as_bool, as_list

# Why public access is neutralised (a reason), not known (Unknown), or not neutralised (None).
Shield = Callable[[Resource, Context], "str | Unknown | None"]


@dataclass(frozen=True, slots=True)
class Holder:
    """A resource kind guarded by a resource policy, and where its policy can be written."""

    kinds: tuple[str, ...]  # the resources guarded
    what: str  # "bucket", "key"... for messages
    attribute: str | None  # the policy attribute on the resource itself
    # (policy resource kind, its attribute naming the resource, its policy attribute)
    separate: tuple[tuple[str, str, str], ...] = ()
    names: tuple[str, ...] = ("name",)  # the resource's attributes a policy resource may name it by
    policy_type: PolicyType = "resource"
    shield: Shield | None = None

    def policies(self, estate: Estate, resource: Resource) -> list[tuple[Resource, Policy | str]]:
        """The resource policies guarding ``resource``, each with the block it is written in."""
        return attached_policies(
            estate,
            resource,
            attribute=self.attribute,
            separate=self.separate,
            names=self.names,
            policy_type=self.policy_type,
        )


def _public(resource: Resource, block: Resource, access: Access, holder: Holder, ctx: Context) -> Result:
    if access.verdict == "unknown":
        return unknown(
            resource, f"whether the {holder.what} is public cannot be told: {access.reason}", location=block
        )
    grant = access.decisive() if access.verdict == "public" else None
    if grant is None:
        return passed(resource, location=block)
    statement = f"statement {grant.sid!r}" if grant.sid else f"statement {grant.index + 1}"
    opening = f"{grant.policy} {statement} lets anyone (anonymous callers or any AWS account) {', '.join(grant.actions)}"
    if holder.shield is not None:
        shielded = holder.shield(resource, ctx)
        if isinstance(shielded, Unknown):
            return unknown(resource, f"{opening}, unless {shielded.reason}", location=block)
        if shielded is not None:
            return passed(resource, f"{opening}, but {shielded}", location=block)
    return Result(
        Status.FAIL,
        opening,
        resource,
        location=block,
        detail=f"{block.address}#{grant.sid or grant.index}",
        at=(grant.path, grant.line) if grant.path is not None else None,
    )


def _judge(
    resource: Resource, ctx: Context, holder: Holder, policies: Sequence[tuple[Resource, Policy | str]]
) -> Iterable[Result]:
    if not policies:
        yield passed(resource, f"no resource policy is attached to this {holder.what}")
        return
    own = resource.kind in holder.kinds
    # The resource's tags are known in full only when written as a literal map (an unknown value is dropped
    # from Resource.tags); tags added by the provider's default_tags are not counted.
    written = resource.get("tags")
    literal = isinstance(written, dict) and all(isinstance(v, str) for v in written.values())
    tags = resource.tags if own and (written is None or literal) else None
    for block, policy in policies:
        access = analyse(
            policy,
            owner=ctx.estate.account_of(resource),
            resource_arn=resource.arn if own else None,
            partition=ctx.estate.partition,
            resource_tags=tags,
        )
        yield _public(resource, block, access, holder, ctx)


def _attached_to(block: Resource, ctx: Context, holder: Holder, relation: str) -> bool:
    """Whether a separate policy resource guards a resource of the estate (which then reports it)."""
    if any(t.kind in holder.kinds for t in ctx.estate.targets(block, relation)):
        return True
    values = {v for v in as_list(block.get(relation)) if isinstance(v, str) and v}
    if not values:
        return False
    for candidate in ctx.estate.of_kind(*holder.kinds):
        names = {candidate.get(n) for n in holder.names} | {candidate.arn}
        if values & {n for n in names if isinstance(n, str)}:
            return True
    return False


# Every policy holder a public-access check is defined for, in the order defined (`ringfence access` lists
# the same resources the checks judge).
HOLDERS: list[Holder] = []


def policy_check(meta: Meta, holder: Holder) -> Check:
    """The public-access check of one kind of policy holder."""
    HOLDERS.append(holder)
    relations = {kind: (relation, text) for kind, relation, text in holder.separate}

    def run(resource: Resource, ctx: Context) -> Iterable[Result]:
        if resource.kind in holder.kinds:
            policies = holder.policies(ctx.estate, resource)
            yield from _judge(resource, ctx, holder, policies)
            return
        relation, text = relations[resource.kind]
        if _attached_to(resource, ctx, holder, relation):
            return
        got = policy_of(
            resource, text, name=resource.address, policy_type=holder.policy_type, root=ctx.estate.root_path
        )
        yield from _judge(
            resource, ctx, holder, [(resource, got or f"{resource.address}: the policy is empty")]
        )

    kinds = (*holder.kinds, *relations)
    return Check(meta, kinds=kinds, per_resource=run)


# -- shields: settings that take the public access away again ---------------------------------------------------
def _block_flag(bucket: Resource, ctx: Context, flag: str) -> bool | Unknown:
    """A public access block flag for the bucket: on when the bucket's or the account's block sets it
    (S3 applies the most restrictive combination)."""
    blocks = [
        *(
            ctx.configuration(bucket, "aws_s3_bucket_public_access_block")
            if bucket.kind == "aws_s3_bucket"
            else ()
        ),
        *ctx.estate.of_kind("aws_s3_account_public_access_block"),
    ]
    unknowns: list[Unknown] = []
    for block in blocks:
        value = as_bool(block.get(flag, False))
        if value is True:
            return True
        if isinstance(value, Unknown):
            unknowns.append(Unknown(f"{block.address}.{flag} is set ({value.reason})"))
    return unknowns[0] if unknowns else False


def _bucket_policy_shield(bucket: Resource, ctx: Context) -> str | Unknown | None:
    # restrict_public_buckets: "Only AWS service principals and authorized users within the bucket owner's
    # account" keep access through a public policy (S3 User Guide, block public access settings).
    # block_public_policy only refuses new public policies; one in place still applies.
    on = _block_flag(bucket, ctx, "restrict_public_buckets")
    if on is True:
        return "restrict_public_buckets takes that access away"
    return on if isinstance(on, Unknown) else None


def _domain_in_vpc(domain: Resource, ctx: Context) -> str | Unknown | None:
    # A domain in a VPC has no public endpoint: its access policy is usually open and the security groups
    # decide who reaches it (OpenSearch Service developer guide, "VPC domains").
    if domain.kind not in ("aws_opensearch_domain", "aws_elasticsearch_domain"):
        return None
    vpc = domain.get("vpc_options")
    if isinstance(vpc, Unknown):
        return vpc
    for block in as_list(vpc):
        if not isinstance(block, dict):
            continue
        subnets = block.get("subnet_ids")
        if isinstance(subnets, Unknown):
            return Unknown(f"the domain's vpc_options.subnet_ids are set ({subnets.reason})")
        if as_list(subnets):
            return "the domain sits in a VPC and has no public endpoint"
    return None


# -- the checks -------------------------------------------------------------------------------------------------
_PUBLIC_RATIONALE = (
    'A resource policy that lets anyone in, by "*" as principal or by conditions a caller can satisfy at '
    "will (aws:SecureTransport, aws:UserAgent, aws:Referer, wildcard source ARNs), opens the {what} to every "
    "AWS account and, where the service accepts them, to anonymous requests. Public follows AWS's definition "
    "(S3 block public access, IAM Access Analyzer): a grant limited to fixed values of the principal, source "
    "account, source ARN, organisation, VPC, VPC endpoint or source IP ranges is not public. Grants to named "
    "other accounts are not reported here; for KMS keys, kms.key-shared-only-with-trusted-accounts judges "
    "them against the trusted_accounts setting."
)


def _meta(
    rule_id: str,
    title: str,
    what: str,
    severity: Severity,
    remediation: str,
    terraform: str,
    peers: tuple[str, ...],
    references: tuple[str, ...] = (),
) -> Meta:
    return Meta(
        rule_id=rule_id,
        title=title,
        pillar="identity",
        severity=severity,
        rationale=_PUBLIC_RATIONALE.format(what=what),
        remediation=remediation,
        terraform=terraform,
        peers=peers,
        references=references,
    )


def _doc(resource: str, attribute: str, principal: str, action: str, resource_arn: str) -> str:
    """A Terraform snippet granting one named principal one action."""
    return (
        f'resource "{resource}" "this" {{\n'
        f"  {attribute}\n"
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        "    Statement = [{\n"
        '      Effect    = "Allow"\n'
        f'      Principal = {{ AWS = "{principal}" }}\n'
        f'      Action    = "{action}"\n'
        f"      Resource  = {resource_arn}\n"
        "    }]\n"
        "  })\n"
        "}"
    )


S3_BUCKET_POLICY = policy_check(
    _meta(
        "s3.bucket-policy-not-public",
        "S3 bucket policies grant access only to named principals or fixed sources",
        "bucket",
        Severity.CRITICAL,
        "Name the principals in the policy's Principal (aws_s3_bucket_policy.policy or the bucket's policy), or "
        'pin "*" with a fixed aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:SourceVpce condition; '
        "serve public content through CloudFront with origin access control; keep restrict_public_buckets on.",
        _doc(
            "aws_s3_bucket_policy",
            "bucket = aws_s3_bucket.this.id",
            "arn:aws:iam::123456789012:role/reader",
            "s3:GetObject",
            '"${aws_s3_bucket.this.arn}/*"',
        ),
        ("CKV_AWS_70", "s3_bucket_public_access", "s3_bucket_policy_public_write_access"),
        ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",),
    ),
    Holder(
        ("aws_s3_bucket",),
        "bucket",
        "policy",
        # the linker relates split bucket resources to their bucket, by reference or by name
        (("aws_s3_bucket_policy", "configures", "policy"),),
        (),
        shield=_bucket_policy_shield,
    ),
)

KMS_KEY_POLICY = policy_check(
    _meta(
        "kms.key-policy-not-public",
        "KMS key policies grant use of the key only to named principals or callers of this account",
        "key",
        Severity.CRITICAL,
        'Name the principals in aws_kms_key.policy (or aws_kms_key_policy.policy), or pin "*" with '
        "kms:CallerAccount and kms:ViaService conditions.",
        (
            'resource "aws_kms_key" "this" {\n'
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:root" }\n'
            '      Action    = "kms:*"\n'
            '      Resource  = "*"\n'
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("CKV_AWS_33", "kms_key_not_publicly_accessible"),
    ),
    Holder(("aws_kms_key",), "key", "policy", (("aws_kms_key_policy", "key_id", "policy"),), (), "key"),
)

SQS_QUEUE_POLICY = policy_check(
    _meta(
        "sqs.queue-policy-not-public",
        "SQS queue policies grant access only to named principals or fixed sources",
        "queue",
        Severity.HIGH,
        "Name the principals in aws_sqs_queue_policy.policy (or the queue's policy); for a topic or bucket "
        'sending to the queue, keep "*" only with a fixed aws:SourceArn condition.',
        _doc(
            "aws_sqs_queue_policy",
            "queue_url = aws_sqs_queue.this.id",
            "arn:aws:iam::123456789012:role/producer",
            "sqs:SendMessage",
            "aws_sqs_queue.this.arn",
        ),
        ("CKV_AWS_168", "sqs_queues_not_publicly_accessible"),
    ),
    Holder(
        ("aws_sqs_queue",),
        "queue",
        "policy",
        (("aws_sqs_queue_policy", "queue_url", "policy"),),
        (),
    ),
)

SNS_TOPIC_POLICY = policy_check(
    _meta(
        "sns.topic-policy-not-public",
        "SNS topic policies grant access only to named principals or fixed sources",
        "topic",
        Severity.HIGH,
        "Name the principals in aws_sns_topic_policy.policy (or the topic's policy); for a service "
        'publishing to the topic, keep "*" only with a fixed aws:SourceArn or aws:SourceAccount condition.',
        _doc(
            "aws_sns_topic_policy",
            "arn = aws_sns_topic.this.arn",
            "arn:aws:iam::123456789012:role/publisher",
            "sns:Publish",
            "aws_sns_topic.this.arn",
        ),
        ("CKV_AWS_169", "sns_topics_not_publicly_accessible"),
    ),
    Holder(("aws_sns_topic",), "topic", "policy", (("aws_sns_topic_policy", "arn", "policy"),), ()),
)

ECR_REPOSITORY_POLICY = policy_check(
    _meta(
        "ecr.repository-policy-not-public",
        "ECR repository policies grant pulls and pushes only to named principals",
        "repository",
        Severity.HIGH,
        "Name the accounts or roles in aws_ecr_repository_policy.policy; publish public images through ECR "
        "Public instead.",
        (
            'resource "aws_ecr_repository_policy" "this" {\n'
            "  repository = aws_ecr_repository.this.name\n"
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:root" }\n'
            '      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]\n'
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("CKV_AWS_32", "ecr_repositories_not_publicly_accessible"),
    ),
    Holder(
        ("aws_ecr_repository",), "repository", None, (("aws_ecr_repository_policy", "repository", "policy"),)
    ),
)

BACKUP_VAULT_POLICY = policy_check(
    _meta(
        "backup.vault-policy-not-public",
        "Backup vault policies grant access to recovery points only to named principals",
        "vault",
        Severity.HIGH,
        "Name the principals in aws_backup_vault_policy.policy (a deny for everyone else on "
        "backup:DeleteRecoveryPoint is the usual use of a vault policy).",
        (
            'resource "aws_backup_vault_policy" "this" {\n'
            "  backup_vault_name = aws_backup_vault.this.name\n"
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:role/backup-operator" }\n'
            '      Action    = "backup:DescribeBackupVault"\n'
            "      Resource  = aws_backup_vault.this.arn\n"
            "    }]\n"
            "  })\n"
            "}"
        ),
        (),
    ),
    Holder(
        ("aws_backup_vault",), "vault", None, (("aws_backup_vault_policy", "backup_vault_name", "policy"),)
    ),
)

SES_IDENTITY_POLICY = policy_check(
    _meta(
        "ses.identity-policy-not-public",
        "SES identity policies let only named principals send as the identity",
        "email identity",
        Severity.HIGH,
        "Name the accounts or roles in aws_ses_identity_policy.policy that may send as the identity.",
        (
            'resource "aws_ses_identity_policy" "this" {\n'
            "  identity = aws_ses_domain_identity.this.arn\n"
            '  name     = "senders"\n'
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:role/mailer" }\n'
            '      Action    = ["ses:SendEmail", "ses:SendRawEmail"]\n'
            "      Resource  = aws_ses_domain_identity.this.arn\n"
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("ses_identity_not_publicly_accessible",),
    ),
    Holder(
        ("aws_ses_domain_identity", "aws_ses_email_identity"),
        "email identity",
        None,
        (("aws_ses_identity_policy", "identity", "policy"),),
        ("domain", "email", "arn"),
    ),
)

OPENSEARCH_DOMAIN_POLICY = policy_check(
    _meta(
        "opensearch.domain-policy-not-public",
        "OpenSearch domain access policies grant access only to named principals or fixed sources",
        "search domain",
        Severity.CRITICAL,
        'Name the principals in access_policies (or aws_opensearch_domain_policy.access_policies), pin "*" '
        "to fixed aws:SourceIp ranges, or place the domain in a VPC (vpc_options).",
        (
            'resource "aws_opensearch_domain" "this" {\n'
            '  domain_name = "logs"\n'
            "  access_policies = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:role/search" }\n'
            '      Action    = "es:ESHttp*"\n'
            '      Resource  = "arn:aws:es:us-east-1:123456789012:domain/logs/*"\n'
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("opensearch_service_domains_not_publicly_accessible",),
    ),
    Holder(
        ("aws_opensearch_domain", "aws_elasticsearch_domain"),
        "search domain",
        "access_policies",
        (
            ("aws_opensearch_domain_policy", "domain_name", "access_policies"),
            ("aws_elasticsearch_domain_policy", "domain_name", "access_policies"),
        ),
        ("domain_name",),
        shield=_domain_in_vpc,
    ),
)

SECRET_POLICY = policy_check(
    _meta(
        "secretsmanager.secret-policy-not-public",
        "Secrets Manager secret policies grant access only to named principals",
        "secret",
        Severity.CRITICAL,
        "Name the principals in aws_secretsmanager_secret_policy.policy (or the secret's policy); "
        "block_public_policy = true makes Secrets Manager refuse a public policy.",
        _doc(
            "aws_secretsmanager_secret_policy",
            "secret_arn = aws_secretsmanager_secret.this.arn",
            "arn:aws:iam::123456789012:role/app",
            "secretsmanager:GetSecretValue",
            '"*"',
        ),
        ("secretsmanager_not_publicly_accessible",),
    ),
    Holder(
        ("aws_secretsmanager_secret",),
        "secret",
        "policy",
        (("aws_secretsmanager_secret_policy", "secret_arn", "policy"),),
        (),
    ),
)

GLACIER_VAULT_POLICY = policy_check(
    _meta(
        "glacier.vault-policy-not-public",
        "S3 Glacier vault access policies grant access only to named principals",
        "vault",
        Severity.HIGH,
        "Name the principals in aws_glacier_vault.access_policy.",
        (
            'resource "aws_glacier_vault" "this" {\n'
            '  name = "archive"\n'
            "  access_policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "arn:aws:iam::123456789012:role/archivist" }\n'
            '      Action    = "glacier:InitiateJob"\n'
            '      Resource  = "arn:aws:glacier:us-east-1:123456789012:vaults/archive"\n'
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("CKV_AWS_167", "glacier_vaults_policy_public_access"),
    ),
    Holder(("aws_glacier_vault",), "vault", "access_policy"),
)


EFS_FILE_SYSTEM_POLICY = policy_check(
    _meta(
        "efs.file-system-policy-not-public",
        "EFS file system policies grant access only to named principals or through mount targets",
        "file system",
        Severity.HIGH,
        'Name the principals in aws_efs_file_system_policy.policy, or keep "*" only with the condition '
        "elasticfilesystem:AccessedViaMountTarget = true.",
        (
            'resource "aws_efs_file_system_policy" "this" {\n'
            "  file_system_id = aws_efs_file_system.this.id\n"
            "  policy = jsonencode({\n"
            '    Version = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Principal = { AWS = "*" }\n'
            '      Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]\n'
            "      Resource  = aws_efs_file_system.this.arn\n"
            '      Condition = { Bool = { "elasticfilesystem:AccessedViaMountTarget" = "true" } }\n'
            "    }]\n"
            "  })\n"
            "}"
        ),
        ("efs_not_publicly_accessible",),
        ("https://docs.aws.amazon.com/efs/latest/ug/access-control-block-public-access.html",),
    ),
    Holder(
        ("aws_efs_file_system",),
        "file system",
        None,
        (("aws_efs_file_system_policy", "file_system_id", "policy"),),
        ("id",),
    ),
)

# -- Lambda: aws_lambda_permission resources are the function's policy -----------------------------------------
_PERMISSION_VALUES = (
    "principal",
    "action",
    "source_arn",
    "source_account",
    "principal_org_id",
    "function_url_auth_type",
)


def _function_of(permission: Resource, ctx: Context) -> Resource | None:
    """The function a permission belongs to when it is in the estate."""
    for target in ctx.estate.targets(permission, "function_name"):
        if target.kind == "aws_lambda_function":
            return target
    name = permission.get("function_name")
    if isinstance(name, str):
        for function in ctx.estate.of_kind("aws_lambda_function"):
            if name in (function.get("function_name"), function.arn):
                return function
    return None


def _lambda(resource: Resource, ctx: Context) -> Iterable[Result]:
    if resource.kind == "aws_lambda_permission":
        if _function_of(resource, ctx) is not None:
            return  # the function reports it
        name = resource.get("function_name")
        if not isinstance(name, str):
            yield unknown(resource, f"the function this permission is for is not known ({name})")
            return
        # A function outside the estate: its permissions in the estate are the policy that is known.
        function = Resource(
            resource.address,
            "aws_lambda_function",
            {"function_name": name},
            resource.provenance,
            arn=name if name.startswith("arn:") else None,
        )
    else:
        function = resource
    permissions = lambda_permissions(ctx.estate, function)
    for permission in permissions:
        for attribute in _PERMISSION_VALUES:
            value = permission.get(attribute)
            if isinstance(value, Unknown) or (value is not None and not isinstance(value, str)):
                yield unknown(
                    resource,
                    f"{permission.address}.{attribute} is not known before apply, so who may invoke the function "
                    "cannot be told",
                    location=permission,
                )
                return
    policy = resource_policy(ctx.estate, function)
    if not permissions or policy is None:
        yield passed(resource, "no aws_lambda_permission grants access to this function")
        return
    access = analyse(
        policy,
        owner=ctx.estate.account_of(function),
        resource_arn=function.arn,
        partition=ctx.estate.partition,
    )
    grant = access.decisive() if access.verdict == "public" else None
    if access.verdict == "unknown":
        yield unknown(
            resource,
            f"whether the function is public cannot be told: {access.reason}",
            location=permissions[0],
        )
        return
    if grant is None:
        yield passed(resource, location=permissions[0])
        return
    by_sid = {p.get("statement_id") or p.address: p for p in permissions}
    permission = by_sid.get(grant.sid or "", permissions[0])
    unpinned = permission.get("source_arn") is None and permission.get("source_account") is None
    why = (
        f" (principal {permission.get('principal')!r} without source_arn or source_account)"
        if unpinned
        else ""
    )
    yield Result(
        Status.FAIL,
        f"{permission.address} lets anyone (anonymous callers or any AWS account) {', '.join(grant.actions)}{why}",
        resource,
        location=permission,
        detail=permission.address,
    )


LAMBDA_PERMISSION = Check(
    _meta(
        "lambda.function-not-public",
        "Lambda functions can be invoked only by named principals or fixed sources",
        "function",
        Severity.HIGH,
        "Set aws_lambda_permission.principal to the account, role or service that invokes the function, and "
        "for a service principal add source_arn (and source_account).",
        (
            'resource "aws_lambda_permission" "s3" {\n'
            '  statement_id   = "AllowBucket"\n'
            '  action         = "lambda:InvokeFunction"\n'
            "  function_name  = aws_lambda_function.this.function_name\n"
            '  principal      = "s3.amazonaws.com"\n'
            "  source_arn     = aws_s3_bucket.uploads.arn\n"
            '  source_account = "123456789012"\n'
            "}"
        ),
        ("CKV_AWS_301", "awslambda_function_not_publicly_accessible"),
    ),
    kinds=("aws_lambda_function", "aws_lambda_permission"),
    per_resource=_lambda,
)


# -- S3 ACLs ----------------------------------------------------------------------------------------------------
# Canned ACLs and grantee groups that open a bucket: AllUsers is anyone, AuthenticatedUsers any AWS account
# (S3 User Guide, "Access control list (ACL) overview", Amazon S3 predefined groups).
_CANNED = {
    "public-read": "public-read lets anyone list the bucket",
    "public-read-write": "public-read-write lets anyone list the bucket and write to it",
    "authenticated-read": "authenticated-read lets any AWS account list the bucket",
}
_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "anyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account",
}


def _acl_openings(block: Resource) -> list[str] | Unknown:
    """What the ACL of ``block`` (a bucket's acl/grant, or an aws_s3_bucket_acl) opens, or Unknown."""
    out: list[str] = []
    acl = block.get("acl")
    if isinstance(acl, Unknown):
        return Unknown(f"{block.address}.acl is not known before apply ({acl.reason})")
    if isinstance(acl, str) and acl in _CANNED:
        out.append(f"acl = {_CANNED[acl]}")
    for name in ("grant", "access_control_policy"):
        value = block.get(name)
        if isinstance(value, Unknown) or any(isinstance(v, Unknown) for v in as_list(value)):
            return Unknown(f"{block.address}.{name} is not known before apply")
    grants: list[tuple[object, object, object]] = []
    for grant in as_list(block.get("grant")):  # aws_s3_bucket (provider v3)
        if isinstance(grant, dict):
            grants.append((grant.get("type"), grant.get("uri"), grant.get("permissions")))
    for policy in as_list(block.get("access_control_policy")):  # aws_s3_bucket_acl
        if not isinstance(policy, dict):
            continue
        for grant in as_list(policy.get("grant")):
            if not isinstance(grant, dict):
                continue
            for grantee in as_list(grant.get("grantee")) or [{}]:
                if isinstance(grantee, dict):
                    grants.append((grantee.get("type"), grantee.get("uri"), grant.get("permission")))
    for kind, uri, permissions in grants:
        if isinstance(uri, Unknown) or isinstance(kind, Unknown):
            return Unknown(f"a grant of {block.address} names a grantee not known before apply")
        who = _GROUPS.get(uri) if isinstance(uri, str) else None
        if who is not None:
            shown = ", ".join(str(p) for p in as_list(permissions)) or "access"
            out.append(f"a grant gives {who} {shown}")
    return out


def _acls_disabled(bucket: Resource, ctx: Context) -> str | Unknown | None:
    for controls in (
        ctx.configuration(bucket, "aws_s3_bucket_ownership_controls")
        if bucket.kind == "aws_s3_bucket"
        else ()
    ):
        rules = controls.get("rule")
        if isinstance(rules, Unknown):
            return Unknown(f"{controls.address} rule is not known before apply")
        for rule in as_list(rules):
            value = rule.get("object_ownership") if isinstance(rule, dict) else None
            if isinstance(value, Unknown):
                return Unknown(f"{controls.address} object_ownership is BucketOwnerEnforced ({value.reason})")
            if value == "BucketOwnerEnforced":
                return "object_ownership = BucketOwnerEnforced disables ACLs"
    # ignore_public_acls: "Amazon S3 ignores all public ACLs on a bucket and any objects that it contains".
    on = _block_flag(bucket, ctx, "ignore_public_acls")
    if on is True:
        return "ignore_public_acls makes S3 ignore them"
    return on if isinstance(on, Unknown) else None


def _bucket_acl(resource: Resource, ctx: Context) -> Iterable[Result]:
    if resource.kind == "aws_s3_bucket_acl":
        if ctx.estate.targets(resource, "configures"):
            return  # the bucket reports it
        blocks = [resource]
    else:
        blocks = [resource, *ctx.configuration(resource, "aws_s3_bucket_acl")]
    for block in blocks:
        openings = _acl_openings(block)
        if isinstance(openings, Unknown):
            yield unknown(
                resource,
                f"whether the ACL makes the bucket public cannot be told: {openings.reason}",
                location=block,
            )
            return
        if not openings:
            continue
        said = "; ".join(openings)
        shield = _acls_disabled(resource, ctx)
        if isinstance(shield, Unknown):
            yield unknown(resource, f"{said}, unless {shield.reason}", location=block)
        elif shield is not None:
            yield passed(resource, f"{said}, but {shield}", location=block)
        else:
            yield Result(Status.FAIL, said, resource, location=block, detail=block.address)
        return
    yield passed(resource)


S3_BUCKET_ACL = Check(
    Meta(
        rule_id="s3.bucket-acl-not-public",
        title="S3 bucket ACLs grant nothing to AllUsers or AuthenticatedUsers",
        pillar="identity",
        severity=Severity.CRITICAL,
        rationale="The canned ACLs public-read, public-read-write and authenticated-read, and grants to the "
        "AllUsers or AuthenticatedUsers groups, let anyone (or any AWS account) list, read or write the "
        "bucket. Public ACLs do nothing once ACLs are disabled (BucketOwnerEnforced) or ignore_public_acls "
        "is on.",
        remediation="Remove acl (or set it to private) on aws_s3_bucket_acl, set aws_s3_bucket_ownership_controls "
        "object_ownership = BucketOwnerEnforced, and ignore_public_acls = true on the public access block.",
        terraform=(
            'resource "aws_s3_bucket_ownership_controls" "this" {\n'
            "  bucket = aws_s3_bucket.this.id\n"
            "  rule {\n"
            '    object_ownership = "BucketOwnerEnforced"\n'
            "  }\n"
            "}"
        ),
        peers=("CKV_AWS_20", "CKV_AWS_57", "s3_bucket_public_list_acl", "s3_bucket_public_write_acl"),
        references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html",),
    ),
    kinds=("aws_s3_bucket", "aws_s3_bucket_acl"),
    per_resource=_bucket_acl,
)

CHECKS = (
    S3_BUCKET_POLICY,
    S3_BUCKET_ACL,
    KMS_KEY_POLICY,
    SQS_QUEUE_POLICY,
    SNS_TOPIC_POLICY,
    ECR_REPOSITORY_POLICY,
    BACKUP_VAULT_POLICY,
    SES_IDENTITY_POLICY,
    OPENSEARCH_DOMAIN_POLICY,
    SECRET_POLICY,
    GLACIER_VAULT_POLICY,
    EFS_FILE_SYSTEM_POLICY,
    LAMBDA_PERMISSION,
)
