"""EC2 and Lambda hardening: the instance metadata service behind session tokens, function URLs that
authenticate their callers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown, as_list


def first_block(resource: Resource, name: str) -> dict[str, Any] | Unknown | None:
    """The first ``name`` block of the resource: None when it is absent, Unknown when it is not known."""
    value = resource.get(name)
    if isinstance(value, Unknown):
        return value
    blocks = [b for b in as_list(value) if isinstance(b, dict)]
    return blocks[0] if blocks else None


def _launch_template(instance: Resource, ctx: Context) -> Resource | Unknown | None:
    """The launch template an instance is launched from: None when it names none, Unknown when the one
    it names is not in the estate."""
    if instance.kind != "aws_instance":
        return None
    block = first_block(instance, "launch_template")
    if block is None:
        return None
    template = ctx.estate.target(instance, "launch_template.id") or ctx.estate.target(
        instance, "launch_template.name"
    )
    if template is not None:
        return template
    named = block.get("id") if isinstance(block, dict) else None
    named = named or (block.get("name") if isinstance(block, dict) else None)
    return Unknown(f"its launch template {named or '(not known before apply)'} is not in the estate")


def _imdsv2(resource: Resource, ctx: Context) -> Iterable[Result]:
    options = first_block(resource, "metadata_options")
    if isinstance(options, Unknown):
        yield unknown(resource, f"metadata_options is not known: {options.reason}")
        return
    options = options or {}
    if options.get("http_tokens") is None and options.get("http_endpoint") is None:
        # What the instance does not set itself, its launch template decides (RunInstances takes the
        # template's MetadataOptions unless the request gives its own).
        template = _launch_template(resource, ctx)
        if isinstance(template, Unknown):
            yield unknown(resource, f"metadata_options is not set on the instance and {template.reason}")
            return
        if template is not None:
            inherited = first_block(template, "metadata_options")
            if isinstance(inherited, Unknown):
                yield unknown(
                    resource, f"{template.address} metadata_options is not known: {inherited.reason}"
                )
                return
            tokens = (inherited or {}).get("http_tokens")
            if isinstance(tokens, str) and tokens.lower() == "required":
                yield passed(resource, f"its launch template {template.address} requires session tokens")
                return
            if isinstance(tokens, Unknown):
                yield unknown(
                    resource, f"{template.address} metadata_options.http_tokens is not known: {tokens.reason}"
                )
                return
            endpoint = (inherited or {}).get("http_endpoint")
            if isinstance(endpoint, str) and endpoint.lower() == "disabled":
                yield passed(
                    resource, f"its launch template {template.address} switches the metadata service off"
                )
                return
    endpoint = options.get("http_endpoint")
    if isinstance(endpoint, str) and endpoint.lower() == "disabled":
        yield passed(resource, "the instance metadata service is switched off")
        return
    tokens = options.get("http_tokens")
    if isinstance(tokens, Unknown):
        yield unknown(resource, f"metadata_options.http_tokens is not known: {tokens.reason}")
    elif not isinstance(tokens, str) and tokens is not None:
        yield unknown(resource, f"metadata_options.http_tokens is not a literal value: {tokens}")
    elif tokens is None:
        yield failed(
            resource,
            "IMDSv1 is allowed: metadata_options.http_tokens is not set, and EC2 then defaults to "
            '"optional" (unless the AMI is registered with ImdsSupport v2.0)',
        )
    elif tokens.lower() == "required":
        yield passed(resource)
    else:
        yield failed(resource, f'IMDSv1 is allowed: metadata_options.http_tokens = "{tokens}"')


IMDSV2_REQUIRED = Check(
    Meta(
        rule_id="ec2.imdsv2-required",
        title="EC2 instances, launch templates and launch configurations require IMDSv2 session tokens",
        pillar="workload",
        severity=Severity.HIGH,
        rationale="With IMDSv1 a single server-side request forgery (a proxy, a URL fetcher, an open "
        "firewall rule) reads the instance role's credentials from 169.254.169.254 without any token.",
        remediation='Set metadata_options { http_tokens = "required" } on the instance, launch template or launch '
        "configuration.",
        terraform='resource "aws_instance" "app" {\n  ami           = var.ami\n  instance_type = "t3.micro"\n\n'
        '  metadata_options {\n    http_tokens = "required"\n  }\n}',
        peers=("CKV_AWS_79", "AVD-AWS-0028", "AVD-AWS-0130", "ec2_instance_imdsv2_enabled"),
        references=(
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
        ),
    ),
    kinds=("aws_instance", "aws_launch_template", "aws_launch_configuration"),
    per_resource=_imdsv2,
)


def _function_url(url: Resource, ctx: Context) -> Iterable[Result]:
    auth = url.get("authorization_type")
    if isinstance(auth, Unknown):
        yield unknown(url, f"authorization_type is not known: {auth.reason}")
    elif not isinstance(auth, str):
        yield unknown(url, f"authorization_type is not a literal value: {auth}")
    elif auth.upper() == "NONE":
        yield failed(
            url, 'the function URL accepts unauthenticated requests from anyone (authorization_type = "NONE")'
        )
    else:
        yield passed(url)


FUNCTION_URL_AUTHENTICATED = Check(
    Meta(
        rule_id="lambda.function-url-authenticated",
        title="Lambda function URLs authenticate callers with IAM",
        pillar="identity",
        severity=Severity.HIGH,
        rationale='A function URL with authorization_type = "NONE" is a public HTTPS endpoint: anyone on '
        "the internet can invoke the function, with its role's permissions, and run up its cost.",
        remediation='Set authorization_type = "AWS_IAM" and grant lambda:InvokeFunctionUrl to the callers.',
        terraform='resource "aws_lambda_function_url" "api" {\n  function_name      = aws_lambda_function.api.function_name\n'
        '  authorization_type = "AWS_IAM"\n}',
        peers=("CKV_AWS_258",),
    ),
    kinds=("aws_lambda_function_url",),
    per_resource=_function_url,
)

CHECKS = (IMDSV2_REQUIRED, FUNCTION_URL_AUTHENTICATED)
