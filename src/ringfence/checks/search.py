"""OpenSearch and Elasticsearch domains: encrypted at rest and between nodes, HTTPS with TLS 1.2, in a VPC."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, flag, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list

DOMAINS = ("aws_opensearch_domain", "aws_elasticsearch_domain")
# TLS security policies that refuse TLS 1.0 and 1.1.
_TLS12 = frozenset({"Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"})


def _block(domain: Resource, name: str) -> dict[str, Any]:
    blocks = [b for b in as_list(domain.get(name)) if isinstance(b, dict)]
    return blocks[0] if blocks else {}


def _at_rest(domain: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        domain,
        "enabled",
        default=False,
        block=_block(domain, "encrypt_at_rest"),
        fail="indexes, logs, swap files and automated snapshots are not encrypted (encrypt_at_rest is off)",
    )


OPENSEARCH_AT_REST = Check(
    Meta(
        rule_id="opensearch.domain-encrypted-at-rest",
        title="OpenSearch domains encrypt data at rest",
        pillar="encryption",
        severity=Severity.HIGH,
        rationale="Without encrypt_at_rest, a domain's indexes, logs and automated snapshots are stored in "
        "plain text on its volumes.",
        remediation="Add encrypt_at_rest { enabled = true } (with kms_key_id for a customer-managed key).",
        terraform='resource "aws_opensearch_domain" "search" {\n  encrypt_at_rest {\n    enabled = true\n  }\n}',
        peers=("CKV_AWS_5", "AVD-AWS-0048"),
    ),
    kinds=DOMAINS,
    per_resource=_at_rest,
)


def _node_to_node(domain: Resource, ctx: Context) -> Iterable[Result]:
    yield flag(
        domain,
        "enabled",
        default=False,
        block=_block(domain, "node_to_node_encryption"),
        fail="traffic between the domain's nodes is not encrypted (node_to_node_encryption is off)",
    )


OPENSEARCH_NODE_TO_NODE = Check(
    Meta(
        rule_id="opensearch.node-to-node-encryption-enabled",
        title="OpenSearch domains encrypt traffic between nodes",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Without node-to-node encryption, documents and queries travel between the cluster's nodes "
        "in plain text inside the VPC.",
        remediation="Add node_to_node_encryption { enabled = true }.",
        terraform='resource "aws_opensearch_domain" "search" {\n  node_to_node_encryption {\n    enabled = true\n  }\n}',
        peers=("CKV_AWS_6", "AVD-AWS-0043"),
    ),
    kinds=DOMAINS,
    per_resource=_node_to_node,
)


def _https(domain: Resource, ctx: Context) -> Iterable[Result]:
    options = _block(domain, "domain_endpoint_options")
    # enforce_https: the provider's default is true.
    enforce = as_bool(options.get("enforce_https", True))
    if enforce is None:
        enforce = True
    if isinstance(enforce, Unknown):
        yield unknown(domain, f"enforce_https is not known: {enforce.reason}")
        return
    if not enforce:
        yield failed(domain, "the endpoint accepts plain HTTP (enforce_https = false)", detail="http")
        return
    policy = options.get("tls_security_policy")
    if isinstance(policy, Unknown):
        yield unknown(domain, f"tls_security_policy is not known: {policy.reason}")
    elif policy is None:
        yield failed(
            domain,
            "tls_security_policy is not set: the domain keeps the service default instead of a TLS 1.2 policy",
            detail="tls",
        )
    elif policy in _TLS12:
        yield passed(domain)
    else:
        yield failed(domain, f"tls_security_policy {policy} accepts TLS 1.0 and 1.1", detail="tls")


OPENSEARCH_HTTPS = Check(
    Meta(
        rule_id="opensearch.domain-enforces-https-tls12",
        title="OpenSearch domains accept only HTTPS with TLS 1.2 or later",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A domain that accepts HTTP or TLS 1.0/1.1 lets credentials, queries and documents cross the "
        "network unencrypted or under deprecated protocols.",
        remediation="In domain_endpoint_options set enforce_https = true and tls_security_policy = "
        '"Policy-Min-TLS-1-2-2019-07" (or "Policy-Min-TLS-1-2-PFS-2023-10").',
        terraform=(
            'resource "aws_opensearch_domain" "search" {\n  domain_endpoint_options {\n'
            '    enforce_https       = true\n    tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"\n  }\n}'
        ),
        peers=("CKV_AWS_83", "CKV_AWS_228", "AVD-AWS-0046", "AVD-AWS-0126"),
    ),
    kinds=DOMAINS,
    per_resource=_https,
)


def _in_vpc(domain: Resource, ctx: Context) -> Iterable[Result]:
    options = domain.get("vpc_options")
    if isinstance(options, Unknown):
        yield unknown(domain, f"vpc_options is not known: {options.reason}")
        return
    blocks = [b for b in as_list(options) if isinstance(b, dict)]
    subnets = blocks[0].get("subnet_ids") if blocks else None
    if isinstance(subnets, Unknown):
        yield unknown(domain, f"vpc_options.subnet_ids is not known: {subnets.reason}")
    elif subnets:
        yield passed(domain)
    else:
        yield failed(domain, "the domain has a public endpoint (no vpc_options with subnet_ids)")


OPENSEARCH_IN_VPC = Check(
    Meta(
        rule_id="opensearch.domain-in-vpc",
        title="OpenSearch domains are placed in a VPC",
        pillar="network",
        severity=Severity.HIGH,
        rationale="A domain outside a VPC has an internet-reachable endpoint guarded only by its access "
        "policy; in a VPC, security groups and the network decide who can reach it. The placement cannot be "
        "changed after creation.",
        remediation="Add vpc_options { subnet_ids = [...], security_group_ids = [...] }.",
        terraform=(
            'resource "aws_opensearch_domain" "search" {\n  vpc_options {\n'
            "    subnet_ids         = [aws_subnet.private_a.id]\n"
            "    security_group_ids = [aws_security_group.search.id]\n  }\n}"
        ),
    ),
    kinds=DOMAINS,
    per_resource=_in_vpc,
)

CHECKS = (OPENSEARCH_AT_REST, OPENSEARCH_NODE_TO_NODE, OPENSEARCH_HTTPS, OPENSEARCH_IN_VPC)
