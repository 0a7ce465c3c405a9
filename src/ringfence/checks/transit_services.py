"""Encryption in transit for managed services: CloudFront, ElastiCache, MSK, API Gateway, RDS."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Ref, Resource, Unknown, as_bool, as_list


def _text(value: Any) -> str | Unknown | None:
    """A string attribute, or why it is not known before apply."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return Unknown(f"depends on {value}")
    return None if value is None else str(value)


def _blocks(resource: Resource, attribute: str) -> list[dict[str, Any]]:
    return [b for b in as_list(resource.get(attribute)) if isinstance(b, dict)]


def _cache_behaviours(distribution: Resource) -> Iterable[tuple[str, dict[str, Any]]]:
    for behaviour in _blocks(distribution, "default_cache_behavior"):
        yield "default_cache_behavior", behaviour
    for behaviour in _blocks(distribution, "ordered_cache_behavior"):
        pattern = behaviour.get("path_pattern")
        yield f"ordered_cache_behavior {pattern if isinstance(pattern, str) else '?'}", behaviour


def _viewer_https(distribution: Resource, ctx: Context) -> Iterable[Result]:
    plain: list[str] = []
    undecided: list[str] = []
    for where, behaviour in _cache_behaviours(distribution):
        policy = _text(behaviour.get("viewer_protocol_policy"))
        if isinstance(policy, Unknown):
            undecided.append(f"{where}: {policy.reason}")
        elif policy is None or policy == "allow-all":
            plain.append(where)
    if plain:
        yield failed(
            distribution,
            "viewers may use plain HTTP (viewer_protocol_policy = allow-all) in " + ", ".join(plain),
            detail=",".join(plain),
        )
    elif undecided:
        yield unknown(distribution, "viewer_protocol_policy is not known: " + "; ".join(undecided))
    else:
        yield passed(distribution)


CLOUDFRONT_VIEWER_HTTPS = Check(
    Meta(
        rule_id="cloudfront.viewer-https-required",
        title="CloudFront distributions require HTTPS from viewers in every cache behaviour",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A cache behaviour that allows all protocols serves pages, cookies and tokens over plain HTTP "
        "to anyone on the path between the viewer and the edge.",
        remediation='Set viewer_protocol_policy = "redirect-to-https" (or "https-only") in '
        "default_cache_behavior and in every ordered_cache_behavior.",
        terraform=(
            'resource "aws_cloudfront_distribution" "site" {\n  default_cache_behavior {\n'
            '    viewer_protocol_policy = "redirect-to-https"\n  }\n}'
        ),
        peers=("CKV_AWS_34", "AVD-AWS-0012"),
    ),
    kinds=("aws_cloudfront_distribution",),
    per_resource=_viewer_https,
)

# CloudFront security policies for viewers: the ones released before TLSv1.2_2021 accept older protocols or
# ciphers; the default certificate (*.cloudfront.net) always gets TLSv1.
_OUTDATED_VIEWER_POLICIES = frozenset(
    {"SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019"}
)
_CURRENT_VIEWER_POLICIES = frozenset({"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})
# The provider's default when minimum_protocol_version is not set.
_DEFAULT_VIEWER_POLICY = "TLSv1"


def _viewer_tls(distribution: Resource, ctx: Context) -> Iterable[Result]:
    certificates = _blocks(distribution, "viewer_certificate")
    if not certificates:
        yield failed(distribution, "no viewer_certificate: the default certificate accepts TLS 1.0")
        return
    certificate = certificates[0]
    default_cert = as_bool(certificate.get("cloudfront_default_certificate", False))
    if isinstance(default_cert, Unknown):
        yield unknown(distribution, f"cloudfront_default_certificate is not known: {default_cert.reason}")
        return
    if default_cert:
        yield failed(
            distribution,
            "the default *.cloudfront.net certificate always accepts TLS 1.0 (security policy TLSv1)",
            detail="default-certificate",
        )
        return
    version = _text(certificate.get("minimum_protocol_version"))
    if isinstance(version, Unknown):
        yield unknown(distribution, f"minimum_protocol_version is not known: {version.reason}")
    elif version is None or version in _OUTDATED_VIEWER_POLICIES:
        policy = version or _DEFAULT_VIEWER_POLICY
        default = " (the provider's default)" if version is None else ""
        yield failed(
            distribution, f"security policy {policy}{default} is older than TLSv1.2_2021", detail=policy
        )
    elif version in _CURRENT_VIEWER_POLICIES:
        yield passed(distribution)
    else:
        yield unknown(distribution, f"minimum_protocol_version {version!r} is not a known security policy")


CLOUDFRONT_VIEWER_TLS = Check(
    Meta(
        rule_id="cloudfront.viewer-tls-current",
        title="CloudFront distributions accept viewers on TLSv1.2_2021 or a newer security policy only",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="TLS 1.0 and 1.1 are deprecated (RFC 8996), and the policies released before TLSv1.2_2021 "
        "still offer weak ciphers; the default certificate and the provider's default policy accept TLS 1.0.",
        remediation='Serve a certificate of your own (acm_certificate_arn, ssl_support_method = "sni-only") '
        'and set viewer_certificate.minimum_protocol_version = "TLSv1.2_2021".',
        terraform=(
            'resource "aws_cloudfront_distribution" "site" {\n  viewer_certificate {\n'
            "    acm_certificate_arn      = aws_acm_certificate.site.arn\n"
            '    ssl_support_method       = "sni-only"\n'
            '    minimum_protocol_version = "TLSv1.2_2021"\n  }\n}'
        ),
        peers=("CKV_AWS_174", "AVD-AWS-0013"),
    ),
    kinds=("aws_cloudfront_distribution",),
    per_resource=_viewer_tls,
)


def _origin_https(distribution: Resource, ctx: Context) -> Iterable[Result]:
    viewers_plain = False
    for _where, behaviour in _cache_behaviours(distribution):
        policy = behaviour.get("viewer_protocol_policy")
        viewers_plain = viewers_plain or policy is None or policy == "allow-all"
    plain: list[str] = []
    undecided: list[str] = []
    custom = 0
    for origin in _blocks(distribution, "origin"):
        origin_id = origin.get("origin_id")
        name = origin_id if isinstance(origin_id, str) else "?"
        for config in as_list(origin.get("custom_origin_config")):
            if not isinstance(config, dict):
                continue
            custom += 1
            policy = _text(config.get("origin_protocol_policy"))
            if isinstance(policy, Unknown):
                undecided.append(f"origin {name}: {policy.reason}")
            elif policy == "http-only":
                plain.append(name)
            elif policy == "match-viewer" and viewers_plain:
                plain.append(f"{name} (match-viewer with viewers allowed on HTTP)")
    if plain:
        yield failed(
            distribution,
            "CloudFront reaches origins over plain HTTP: " + ", ".join(plain),
            detail=",".join(plain),
        )
    elif undecided:
        yield unknown(distribution, "origin_protocol_policy is not known: " + "; ".join(undecided))
    elif custom:
        yield passed(distribution)
    else:
        yield passed(distribution, "no custom origins")


CLOUDFRONT_ORIGIN_HTTPS = Check(
    Meta(
        rule_id="cloudfront.origin-https-required",
        title="CloudFront distributions reach custom origins over HTTPS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="HTTPS to viewers protects nothing past the edge if CloudFront fetches from the origin over "
        "plain HTTP across the internet.",
        remediation='Set custom_origin_config.origin_protocol_policy = "https-only" (or "match-viewer" with '
        "viewers on HTTPS only).",
        terraform=(
            'resource "aws_cloudfront_distribution" "site" {\n  origin {\n    custom_origin_config {\n'
            '      origin_protocol_policy = "https-only"\n      origin_ssl_protocols   = ["TLSv1.2"]\n'
            "    }\n  }\n}"
        ),
    ),
    kinds=("aws_cloudfront_distribution",),
    per_resource=_origin_https,
)


def _elasticache_transit(group: Resource, ctx: Context) -> Iterable[Result]:
    enabled = as_bool(group.get("transit_encryption_enabled", False))
    if isinstance(enabled, Unknown):
        yield unknown(group, f"transit_encryption_enabled is not known: {enabled.reason}")
    elif enabled:
        yield passed(group)
    else:
        default = " (the default)" if group.get("transit_encryption_enabled") is None else ""
        yield failed(
            group, f"clients and nodes talk in clear text: transit_encryption_enabled is false{default}"
        )


ELASTICACHE_TRANSIT = Check(
    Meta(
        rule_id="elasticache.transit-encryption-enabled",
        title="ElastiCache replication groups encrypt data in transit",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Without in-transit encryption, cached data, commands and AUTH tokens cross the network in "
        "clear text; ElastiCache leaves it off unless asked.",
        remediation="Set transit_encryption_enabled = true (with an auth_token or RBAC user group).",
        terraform='resource "aws_elasticache_replication_group" "cache" {\n  transit_encryption_enabled = true\n}',
        peers=("CKV_AWS_30", "AVD-AWS-0051"),
    ),
    kinds=("aws_elasticache_replication_group",),
    per_resource=_elasticache_transit,
)


def _msk_transit(cluster: Resource, ctx: Context) -> Iterable[Result]:
    settings: dict[str, Any] = {}
    for info in _blocks(cluster, "encryption_info"):
        for transit in as_list(info.get("encryption_in_transit")):
            if isinstance(transit, dict):
                settings = transit
    client_broker = _text(settings.get("client_broker", "TLS"))
    in_cluster = as_bool(settings.get("in_cluster", True))
    problems: list[str] = []
    if isinstance(client_broker, str) and client_broker.upper() in ("PLAINTEXT", "TLS_PLAINTEXT"):
        problems.append(f"clients may connect in plain text (client_broker = {client_broker})")
    if in_cluster is False:
        problems.append("brokers replicate in plain text (in_cluster = false)")
    if problems:
        yield failed(cluster, "; ".join(problems))
    elif isinstance(client_broker, Unknown):
        yield unknown(cluster, f"client_broker is not known: {client_broker.reason}")
    elif isinstance(in_cluster, Unknown):
        yield unknown(cluster, f"in_cluster is not known: {in_cluster.reason}")
    else:
        yield passed(cluster)


MSK_TRANSIT = Check(
    Meta(
        rule_id="msk.transit-encryption-enabled",
        title="MSK clusters accept only TLS from clients and encrypt traffic between brokers",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A plaintext listener lets anyone on the network read and inject Kafka messages; TLS_PLAINTEXT "
        "keeps that listener open next to the TLS one.",
        remediation='Set encryption_info.encryption_in_transit.client_broker = "TLS" and in_cluster = true '
        "(both are the defaults).",
        terraform=(
            'resource "aws_msk_cluster" "events" {\n  encryption_info {\n    encryption_in_transit {\n'
            '      client_broker = "TLS"\n      in_cluster    = true\n    }\n  }\n}'
        ),
        peers=("CKV_AWS_81", "AVD-AWS-0073"),
    ),
    kinds=("aws_msk_cluster",),
    per_resource=_msk_transit,
)


def _api_domain_tls(domain: Resource, ctx: Context) -> Iterable[Result]:
    policy = _text(domain.get("security_policy"))
    if isinstance(policy, Unknown):
        yield unknown(domain, f"security_policy is not known: {policy.reason}")
    elif policy is None:
        yield failed(
            domain,
            "security_policy is not set: the minimum TLS version is left to API Gateway, whose TLS_1_0 "
            "policy accepts TLS 1.0 and 1.1",
            detail="unset",
        )
    elif policy.upper() == "TLS_1_0":
        yield failed(domain, "security_policy TLS_1_0 accepts TLS 1.0 and 1.1", detail=policy)
    else:
        yield passed(domain)


API_GATEWAY_DOMAIN_TLS = Check(
    Meta(
        rule_id="apigateway.domain-tls-current",
        title="API Gateway custom domain names accept TLS 1.2 and newer only",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="The TLS_1_0 security policy accepts the deprecated TLS 1.0 and 1.1 (RFC 8996), which allow "
        "downgrade attacks on clients of the API.",
        remediation='Set security_policy = "TLS_1_2" on the aws_api_gateway_domain_name.',
        terraform='resource "aws_api_gateway_domain_name" "api" {\n  security_policy = "TLS_1_2"\n}',
        peers=("CKV_AWS_206", "AVD-AWS-0005"),
    ),
    kinds=("aws_api_gateway_domain_name",),
    per_resource=_api_domain_tls,
)


# Engine -> (parameter that refuses plain connections, the first version whose default parameter group sets it).
# RDS documentation: rds.force_ssl defaults to 1 from PostgreSQL 15; require_secure_transport defaults to ON from
# MySQL 9.7 and MariaDB 11.8; SQL Server's rds.force_ssl defaults to 0.
_FORCE_TLS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "postgres": ("rds.force_ssl", (15,)),
    "mysql": ("require_secure_transport", (9, 7)),
    "mariadb": ("require_secure_transport", (11, 8)),
    "sqlserver": ("rds.force_ssl", None),
}
_ON = frozenset({"1", "on", "true"})


def _engine_family(engine: str) -> str | None:
    engine = engine.lower()
    if engine.startswith("sqlserver"):
        return "sqlserver"
    return engine if engine in _FORCE_TLS else None


def _version(text: str) -> tuple[int, ...] | None:
    digits = re.findall(r"\d+", text)
    return tuple(int(d) for d in digits[:2]) or None


def _default_forces(family: str, version: str | Unknown | None, group: Resource | None) -> bool | Unknown:
    """Whether the engine's default leaves plain connections refused, for the instance's version."""
    since = _FORCE_TLS[family][1]
    if since is None:
        return False
    known = version if isinstance(version, str) else None
    if known is None and group is not None and isinstance(group.get("family"), str):
        known = group.get("family")  # "postgres16", "mysql8.0"
    parsed = _version(known) if known else None
    if parsed is None:
        reason = version.reason if isinstance(version, Unknown) else "engine_version is not set"
        return Unknown(f"the default depends on the engine version RDS picks ({reason})")
    return parsed[: len(since)] >= since


def _parameter(group: Resource, name: str) -> str | Unknown | None:
    value: str | Unknown | None = None
    for parameter in _blocks(group, "parameter"):
        key = _text(parameter.get("name"))
        if isinstance(key, Unknown):
            value = value if value is not None else Unknown(f"a parameter name is not known: {key.reason}")
        elif key is not None and key.lower() == name:
            value = _text(parameter.get("value"))
    return value


def _rds_tls(instance: Resource, ctx: Context) -> Iterable[Result]:
    engine = _text(instance.get("engine"))
    if isinstance(engine, Unknown):
        yield unknown(instance, f"the engine is not known: {engine.reason}")
        return
    family = _engine_family(engine or "")
    if family is None:
        return  # Oracle, Db2 and Aurora (set on the cluster) are outside this check
    parameter = _FORCE_TLS[family][0]
    version = _text(instance.get("engine_version"))
    name = _text(instance.get("parameter_group_name"))
    group = ctx.estate.target(instance, "parameter_group_name")
    if group is None:
        if isinstance(name, Unknown):
            yield unknown(instance, f"the parameter group is not known: {name.reason}")
            return
        if name is not None and not name.startswith("default."):
            yield unknown(instance, f"parameter group {name} is not in the estate")
            return
    value = _parameter(group, parameter) if group is not None else None
    where = f"parameter group {group.name}" if group is not None else "the default parameter group"
    if isinstance(value, Unknown):
        yield unknown(instance, f"{parameter} in {where} is not known: {value.reason}", location=group)
    elif value is not None:
        if value.strip().lower() in _ON:
            yield passed(instance, location=group)
        else:
            yield failed(
                instance,
                f"{where} sets {parameter} = {value}: clients may connect without TLS",
                location=group,
            )
    else:
        forced = _default_forces(family, version, group)
        if isinstance(forced, Unknown):
            yield unknown(instance, f"{where} does not set {parameter}: {forced.reason}", location=group)
        elif forced:
            yield passed(instance, f"{parameter} is on by default for this engine version", location=group)
        else:
            yield failed(
                instance,
                f"{where} leaves {parameter} at its default (off): clients may connect without TLS",
                location=group,
                detail="default",
            )


RDS_REQUIRES_TLS = Check(
    Meta(
        rule_id="rds.requires-tls",
        title="RDS database instances refuse connections that do not use TLS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="RDS offers TLS but, on most engine versions, lets a client connect without it; passwords "
        "and query results then cross the network in clear text, and a client falling back to plain text "
        "goes unnoticed.",
        remediation="Use a DB parameter group that sets rds.force_ssl = 1 (PostgreSQL, SQL Server) or "
        "require_secure_transport = 1 (MySQL, MariaDB), and set the instance's parameter_group_name to it.",
        terraform=(
            'resource "aws_db_parameter_group" "tls" {\n  family = "postgres16"\n  parameter {\n'
            '    name  = "rds.force_ssl"\n    value = "1"\n  }\n}\n\n'
            'resource "aws_db_instance" "db" {\n  parameter_group_name = aws_db_parameter_group.tls.name\n}'
        ),
        peers=("CKV2_AWS_69",),
    ),
    kinds=("aws_db_instance",),
    per_resource=_rds_tls,
)


def _classic_elb_tls(elb: Resource, ctx: Context) -> Iterable[Result]:
    internal = as_bool(elb.get("internal", False))
    if isinstance(internal, Unknown):
        yield unknown(elb, f"internal is not known: {internal.reason}")
        return
    if internal:
        yield passed(elb, "internal load balancer: not reachable from the internet")
        return
    plain: list[str] = []
    secure = False
    undecided: list[str] = []
    for listener in _blocks(elb, "listener"):
        protocol = _text(listener.get("lb_protocol"))
        port = listener.get("lb_port")
        if isinstance(protocol, Unknown):
            undecided.append(f"port {port}: {protocol.reason}")
        elif protocol is not None and protocol.upper() in ("HTTPS", "SSL"):
            secure = True
        elif protocol is not None:
            plain.append(f"{protocol.upper()} on port {port}")
    if secure:
        yield passed(
            elb, "serves HTTPS or SSL" + (" (plain listeners too: " + ", ".join(plain) + ")" if plain else "")
        )
    elif undecided:
        yield unknown(elb, "a listener protocol is not known: " + "; ".join(undecided))
    elif plain:
        yield failed(
            elb,
            "the public classic load balancer serves only plain "
            + ", ".join(plain)
            + ", with no HTTPS or SSL listener",
            detail=",".join(plain),
        )
    else:
        yield passed(elb, "no listeners")


CLASSIC_ELB_TLS = Check(
    Meta(
        rule_id="elb.public-listener-tls",
        title="Internet-facing classic load balancers terminate HTTPS or SSL",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="A public classic load balancer with only HTTP or TCP listeners carries every request and "
        "session cookie in clear text across the internet; classic load balancers cannot redirect to HTTPS "
        "themselves.",
        remediation='Add a listener with lb_protocol = "https" (or "ssl") and ssl_certificate_id, or move to an '
        "application load balancer that redirects HTTP to HTTPS.",
        terraform=(
            'resource "aws_elb" "web" {\n  listener {\n    lb_port            = 443\n    lb_protocol        = "https"\n'
            '    instance_port      = 8080\n    instance_protocol  = "http"\n'
            "    ssl_certificate_id = aws_acm_certificate.web.arn\n  }\n}"
        ),
    ),
    kinds=("aws_elb",),
    per_resource=_classic_elb_tls,
)

CHECKS = (
    CLOUDFRONT_VIEWER_HTTPS,
    CLOUDFRONT_VIEWER_TLS,
    CLOUDFRONT_ORIGIN_HTTPS,
    ELASTICACHE_TRANSIT,
    MSK_TRANSIT,
    API_GATEWAY_DOMAIN_TLS,
    RDS_REQUIRES_TLS,
    CLASSIC_ELB_TLS,
)
