"""Encryption in transit: load balancer listeners."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, not_known, passed, unknown
from ringfence.checks.context import Context
from ringfence.iam.estate_policies import parse_document, statements
from ringfence.model import Resource, Unknown, as_list

# Policies that still accept TLS 1.0/1.1 (ELB security policies documentation).
_OUTDATED_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-1-PQ-2025-09",
    }
)
# The provider's default when ssl_policy is not set.
_DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"


def _load_balancer_type(listener: Resource, ctx: Context) -> str | Unknown:
    lb = ctx.estate.target(listener, "load_balancer_arn")
    if lb is None:
        return Unknown("the listener's load balancer is not in the estate")
    kind = lb.get("load_balancer_type", "application")
    return kind if isinstance(kind, str | Unknown) else "application"


def _redirects_to_https(listener: Resource) -> bool | Unknown:
    for action in as_list(listener.get("default_action")):
        if not isinstance(action, dict):
            continue
        kind = action.get("type")
        if isinstance(kind, Unknown):
            return kind
        if kind == "redirect":
            for redirect in as_list(action.get("redirect")):
                if (
                    isinstance(redirect, dict)
                    and str(redirect.get("protocol", "#{protocol}")).upper() == "HTTPS"
                ):
                    return True
        if kind == "fixed-response":
            return True  # answers without forwarding anything
    return False


def _http_listener(listener: Resource, ctx: Context) -> Iterable[Result]:
    protocol = listener.get("protocol")
    if isinstance(protocol, Unknown):
        yield unknown(listener, f"the listener protocol is not known: {protocol.reason}")
        return
    lb_type = _load_balancer_type(listener, ctx)
    if lb_type in ("network", "gateway"):
        yield passed(listener, "network and gateway load balancers pass TLS through or terminate it as TLS")
        return
    protocol = str(protocol or "HTTP").upper()
    if protocol == "HTTPS":
        yield passed(listener)
        return
    redirect = _redirects_to_https(listener)
    if isinstance(redirect, Unknown):
        yield unknown(listener, f"cannot tell whether the listener redirects to HTTPS: {redirect.reason}")
    elif redirect:
        yield passed(listener, "plain HTTP only redirects to HTTPS")
    else:
        yield failed(
            listener, f"the listener serves plain {protocol} without redirecting to HTTPS", detail=protocol
        )


HTTP_REDIRECTS_TO_HTTPS = Check(
    Meta(
        rule_id="lb.http-redirects-to-https",
        title="Application load balancers serve HTTPS, and plain HTTP only redirects to it",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="Plain HTTP exposes sessions and credentials to anyone on the path; a listener that "
        "forwards HTTP instead of redirecting keeps that door open.",
        remediation="Serve HTTPS on 443 and make the HTTP listener's default action a redirect to HTTPS.",
        terraform=(
            'resource "aws_lb_listener" "http" {\n  load_balancer_arn = aws_lb.web.arn\n  port = 80\n'
            '  protocol = "HTTP"\n  default_action {\n    type = "redirect"\n    redirect {\n'
            '      port        = "443"\n      protocol    = "HTTPS"\n      status_code = "HTTP_301"\n    }\n  }\n}'
        ),
        peers=("CKV_AWS_2", "CKV2_AWS_20", "AVD-AWS-0054", "AWS-ELB-HTTP-NOT-USED"),
    ),
    kinds=("aws_lb_listener", "aws_alb_listener"),
    per_resource=_http_listener,
)


def _tls_policy(listener: Resource, ctx: Context) -> Iterable[Result]:
    protocol = listener.get("protocol")
    if isinstance(protocol, Unknown):
        yield unknown(listener, f"the listener protocol is not known: {protocol.reason}")
        return
    if str(protocol or "").upper() not in ("HTTPS", "TLS"):
        yield passed(listener, "no TLS on this listener")
        return
    policy = listener.get("ssl_policy") or _DEFAULT_POLICY
    if isinstance(policy, Unknown):
        yield not_known(listener, "ssl_policy", policy)
    elif policy in _OUTDATED_POLICIES:
        default = " (the provider's default)" if listener.get("ssl_policy") is None else ""
        yield failed(
            listener, f"TLS policy {policy}{default} still accepts TLS 1.0 or 1.1", detail=str(policy)
        )
    else:
        yield passed(listener)


TLS_POLICY_CURRENT = Check(
    Meta(
        rule_id="lb.tls-policy-current",
        title="TLS listeners accept only TLS 1.2 and newer",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow downgrade attacks; the provider's "
        "default policy still accepts them.",
        remediation="Set ssl_policy to a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06.",
        terraform='resource "aws_lb_listener" "https" {\n  ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n}',
        peers=("CKV_AWS_103", "AVD-AWS-0047", "AWS-ELB-USE-SECURE-TLS-POLICY"),
    ),
    kinds=("aws_lb_listener", "aws_alb_listener"),
    per_resource=_tls_policy,
)


def _denies_plain_http(document: dict[str, Any]) -> bool:
    """A Deny for everyone on all (or all object) actions when aws:SecureTransport is false."""
    for statement in statements(document):
        if statement.get("Effect") != "Deny":
            continue
        principal = statement.get("Principal")
        if principal != "*" and not (isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))):
            continue
        actions = [str(a).lower() for a in as_list(statement.get("Action"))]
        if not any(a in ("*", "s3:*") for a in actions):
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator, tests in condition.items():
            if not str(operator).lower().startswith("bool") or not isinstance(tests, dict):
                continue
            for key, value in tests.items():
                if str(key).lower() == "aws:securetransport" and [str(v).lower() for v in as_list(value)] == [
                    "false"
                ]:
                    return True
    return False


def _bucket_tls(bucket: Resource, ctx: Context) -> Iterable[Result]:
    texts = [p.get("policy") for p in ctx.configuration(bucket, "aws_s3_bucket_policy")]
    if bucket.get("policy") is not None:
        texts.append(bucket.get("policy"))
    if not texts:
        yield failed(bucket, "no bucket policy denies requests without TLS (aws:SecureTransport = false)")
        return
    undecided: list[str] = []
    for text in texts:
        document = parse_document(text)
        if isinstance(document, Unknown):
            undecided.append(document.reason)
        elif _denies_plain_http(document):
            yield passed(bucket)
            return
    if undecided:
        yield unknown(bucket, "the bucket policy is not known: " + "; ".join(undecided))
    else:
        yield failed(
            bucket, "the bucket policy does not deny requests without TLS (aws:SecureTransport = false)"
        )


S3_REQUIRES_TLS = Check(
    Meta(
        rule_id="s3.bucket-requires-tls",
        title="S3 bucket policies deny requests that do not use TLS",
        pillar="encryption",
        severity=Severity.MEDIUM,
        rationale="S3 accepts plain HTTP unless the bucket policy refuses it; credentials-signed requests and "
        "object data then cross the network in clear text.",
        remediation='Add a Deny statement for Principal "*", Action s3:*, on the bucket and its objects, '
        "with Condition Bool aws:SecureTransport = false.",
        terraform=(
            'resource "aws_s3_bucket_policy" "tls" {\n  bucket = aws_s3_bucket.data.id\n  policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*",\n'
            '      Resource = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"],\n'
            '      Condition = { Bool = { "aws:SecureTransport" = "false" } } }]\n  })\n}'
        ),
        peers=("CKV_AWS_379",),
    ),
    kinds=("aws_s3_bucket",),
    per_resource=_bucket_tls,
)

CHECKS = (HTTP_REDIRECTS_TO_HTTPS, TLS_POLICY_CURRENT, S3_REQUIRES_TLS)
