"""AWS WAF in front of what the internet reaches: Application Load Balancers, API Gateway REST stages and
CloudFront distributions. The association is read through the model's relations (an
``aws_wafv2_web_acl_association`` whose ``resource_arn`` names the resource; a distribution's
``web_acl_id``), never from names."""

from __future__ import annotations

from collections.abc import Iterable

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_bool, as_list, is_unknown

_ASSOCIATION = "aws_wafv2_web_acl_association"


def _associated(resource: Resource, ctx: Context) -> Iterable[Result]:
    """Pass when an association names ``resource``; unknown when one names something not known."""
    if ctx.estate.sources(resource, "resource_arn", of_kind=_ASSOCIATION):
        yield passed(resource)
        return
    undecided = sorted(
        a.address for a in ctx.estate.of_kind(_ASSOCIATION) if is_unknown(a.get("resource_arn"))
    )
    if undecided:
        yield unknown(
            resource,
            f"no web ACL association names this resource, and the target of {', '.join(undecided)} "
            "is not known",
        )
        return
    yield failed(resource, "no WAFv2 web ACL is associated (no aws_wafv2_web_acl_association names it)")


def _balancer(lb: Resource, ctx: Context) -> Iterable[Result]:
    kind = lb.get("load_balancer_type", "application")
    internal = as_bool(lb.get("internal", False))
    if isinstance(kind, Unknown):
        yield unknown(lb, f"load_balancer_type is not known: {kind.reason}")
    elif kind != "application":
        return  # WAF attaches to Application Load Balancers only
    elif isinstance(internal, Unknown):
        yield unknown(lb, f"internal is not known: {internal.reason}")
    elif internal:
        return  # not internet-facing
    else:
        yield from _associated(lb, ctx)


def _stage(stage: Resource, ctx: Context) -> Iterable[Result]:
    for api in ctx.estate.targets(stage, "rest_api_id"):
        types = api.get("endpoint_configuration")
        for block in as_list(types):
            values = block.get("types") if isinstance(block, dict) else None
            if is_unknown(values):
                yield unknown(stage, f"the endpoint type of {api.address} is not known: {values.reason}")
                return
            if as_list(values) == ["PRIVATE"]:
                return  # reached only through interface endpoints in a VPC
    yield from _associated(stage, ctx)


def _distribution(distribution: Resource, ctx: Context) -> Iterable[Result]:
    acl = distribution.get("web_acl_id")
    if isinstance(acl, Unknown):
        yield unknown(distribution, f"web_acl_id is not known: {acl.reason}")
    elif acl:
        yield passed(distribution)
    else:
        yield failed(distribution, "no web ACL protects the distribution (web_acl_id is not set)")


_RATIONALE = (
    "AWS WAF drops SQL injection, cross-site scripting, known bad inputs and request floods before they reach "
    "the application; without a web ACL every request the internet sends is served."
)

ALB_WAF = Check(
    Meta(
        rule_id="waf.load-balancer-protected",
        title="Internet-facing Application Load Balancers have a WAFv2 web ACL",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale=_RATIONALE,
        remediation="Add an aws_wafv2_web_acl_association with resource_arn = the load balancer's arn and "
        "web_acl_arn = a REGIONAL aws_wafv2_web_acl.",
        terraform='resource "aws_wafv2_web_acl_association" "web" {\n  resource_arn = aws_lb.web.arn\n'
        "  web_acl_arn  = aws_wafv2_web_acl.regional.arn\n}",
        peers=("CKV2_AWS_28", "elbv2_waf_acl_attached"),
    ),
    kinds=("aws_lb", "aws_alb"),
    per_resource=_balancer,
)

STAGE_WAF = Check(
    Meta(
        rule_id="waf.api-gateway-stage-protected",
        title="API Gateway REST stages reached from the internet have a WAFv2 web ACL",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale=_RATIONALE,
        remediation="Add an aws_wafv2_web_acl_association with resource_arn = the stage's arn and "
        "web_acl_arn = a REGIONAL aws_wafv2_web_acl (or make the API PRIVATE).",
        terraform='resource "aws_wafv2_web_acl_association" "api" {\n'
        "  resource_arn = aws_api_gateway_stage.prod.arn\n  web_acl_arn  = aws_wafv2_web_acl.regional.arn\n}",
        peers=("CKV2_AWS_29", "apigateway_restapi_waf_acl_attached"),
    ),
    kinds=("aws_api_gateway_stage",),
    per_resource=_stage,
)

CLOUDFRONT_WAF = Check(
    Meta(
        rule_id="waf.cloudfront-distribution-protected",
        title="CloudFront distributions have a web ACL",
        pillar="network",
        severity=Severity.MEDIUM,
        rationale=_RATIONALE,
        remediation="Set web_acl_id to the arn of a CLOUDFRONT-scoped aws_wafv2_web_acl (created in "
        "us-east-1).",
        terraform='resource "aws_cloudfront_distribution" "site" {\n'
        "  web_acl_id = aws_wafv2_web_acl.edge.arn\n}",
        peers=("CKV_AWS_68", "cloudfront_distributions_using_waf"),
    ),
    kinds=("aws_cloudfront_distribution",),
    per_resource=_distribution,
)

CHECKS = (ALB_WAF, STAGE_WAF, CLOUDFRONT_WAF)
