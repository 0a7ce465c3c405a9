"""Lambda functions: a runtime AWS still patches, and active X-Ray tracing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from ringfence.checks.base import Check, Meta, Result, Severity, failed, passed, unknown
from ringfence.checks.compute import first_block
from ringfence.checks.context import Context
from ringfence.model import Resource, Unknown

_d = datetime.date

# Runtime identifier -> the date Lambda deprecates it (stops applying security patches), from the
# deprecated and supported runtime tables of https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html.
# A date in the future is AWS's projected deprecation date: the runtime fails once it has passed.
DEPRECATION: Mapping[str, datetime.date] = {
    # Supported (projected dates).
    "nodejs24.x": _d(2028, 4, 30),
    "nodejs22.x": _d(2027, 4, 30),
    "python3.14": _d(2029, 6, 30),
    "python3.13": _d(2029, 6, 30),
    "python3.12": _d(2028, 10, 31),
    "java25": _d(2029, 6, 30),
    "java21": _d(2029, 6, 30),
    "dotnet10": _d(2028, 11, 14),
    "ruby3.4": _d(2028, 3, 31),
    "ruby3.3": _d(2027, 3, 31),
    "provided.al2023": _d(2029, 6, 30),
    # Deprecated, or projected to be by the end of 2026.
    "dotnet8": _d(2026, 11, 10),
    "python3.11": _d(2026, 6, 30),
    "python3.10": _d(2026, 6, 30),
    "java17": _d(2026, 6, 30),
    "java11": _d(2026, 6, 30),
    "java8.al2": _d(2026, 6, 30),
    "provided.al2": _d(2026, 6, 30),
    "nodejs20.x": _d(2026, 4, 30),
    "ruby3.2": _d(2026, 3, 31),
    "python3.9": _d(2025, 12, 15),
    "nodejs18.x": _d(2025, 9, 1),
    "dotnet6": _d(2024, 11, 12),
    "python3.8": _d(2024, 10, 14),
    "nodejs16.x": _d(2024, 6, 12),
    "dotnet7": _d(2024, 5, 14),
    "java8": _d(2024, 1, 8),
    "go1.x": _d(2024, 1, 8),
    "provided": _d(2024, 1, 8),
    "nodejs14.x": _d(2023, 12, 4),
    "python3.7": _d(2023, 12, 4),
    "ruby2.7": _d(2023, 11, 27),
    "dotnetcore3.1": _d(2023, 4, 3),
    "nodejs12.x": _d(2023, 3, 31),
    "python3.6": _d(2022, 7, 18),
    "dotnet5.0": _d(2022, 5, 10),
    "dotnetcore2.1": _d(2022, 1, 5),
    "nodejs10.x": _d(2021, 7, 30),
    "ruby2.5": _d(2021, 7, 30),
    "python2.7": _d(2021, 7, 15),
    "nodejs8.10": _d(2020, 3, 6),
    "nodejs4.3": _d(2020, 3, 5),
    "nodejs4.3-edge": _d(2020, 3, 5),
    "nodejs6.10": _d(2019, 8, 12),
    "dotnetcore1.0": _d(2019, 7, 27),
    "dotnetcore2.0": _d(2019, 5, 30),
    "nodejs": _d(2016, 10, 31),
}


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def _runtime(function: Resource, ctx: Context) -> Iterable[Result]:
    """Lambda.2. A container image function has no runtime (the image brings its own), so it is not judged."""
    package = function.get("package_type")
    if isinstance(package, str) and package.lower() == "image":
        return
    runtime = function.get("runtime")
    if isinstance(runtime, Unknown):
        yield unknown(function, f"runtime is not known: {runtime.reason}")
        return
    if not isinstance(runtime, str) or not runtime:
        if runtime is not None:
            yield unknown(function, f"runtime is not a literal value: {runtime}")
        return
    deprecated = DEPRECATION.get(runtime.lower())
    if deprecated is None:
        yield unknown(function, f"runtime {runtime!r} is not in ringfence's table of Lambda runtimes")
    elif deprecated <= _today():
        yield failed(
            function,
            f"runtime {runtime} is deprecated since {deprecated.isoformat()}: Lambda no longer applies "
            "security patches to it",
        )
    else:
        yield passed(function, f"runtime {runtime} is supported until {deprecated.isoformat()}")


LAMBDA_RUNTIME_SUPPORTED = Check(
    Meta(
        rule_id="lambda.runtime-supported",
        title="Lambda functions use a runtime that AWS still supports",
        pillar="workload",
        severity=Severity.MEDIUM,
        rationale="Once Lambda deprecates a runtime it stops patching its language, libraries and operating "
        "system: a function on it keeps running with every vulnerability found since, and soon cannot be "
        "updated to fix one.",
        remediation="Set runtime to a supported identifier (for example python3.13 or nodejs22.x) and test "
        "the function on it.",
        terraform='resource "aws_lambda_function" "api" {\n  function_name = "api"\n'
        "  role          = aws_iam_role.api.arn\n"
        '  handler       = "app.handler"\n  runtime       = "python3.13"\n'
        '  filename      = "build/api.zip"\n}',
        peers=("CKV_AWS_363",),
        references=("https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",),
    ),
    kinds=("aws_lambda_function",),
    per_resource=_runtime,
)


def _tracing(function: Resource, ctx: Context) -> Iterable[Result]:
    """Lambda.7: tracing_config.mode defaults to PassThrough (no trace unless the caller sampled one)."""
    config = first_block(function, "tracing_config")
    if isinstance(config, Unknown):
        yield unknown(function, f"tracing_config is not known: {config.reason}")
        return
    mode = (config or {}).get("mode")
    if isinstance(mode, Unknown):
        yield unknown(function, f"tracing_config.mode is not known: {mode.reason}")
    elif mode is None:
        yield failed(function, "X-Ray active tracing is off: tracing_config is not set (PassThrough)")
    elif not isinstance(mode, str):
        yield unknown(function, f"tracing_config.mode is not a literal value: {mode}")
    elif mode.lower() == "active":
        yield passed(function)
    else:
        yield failed(function, f'X-Ray active tracing is off: tracing_config.mode = "{mode}"')


LAMBDA_TRACING_ACTIVE = Check(
    Meta(
        rule_id="lambda.tracing-active",
        title="Lambda functions record X-Ray traces (active tracing)",
        pillar="monitoring",
        severity=Severity.LOW,
        rationale="With active tracing each invocation records which services the function called and "
        "how long they took; without it, unusual downstream calls from a compromised function leave no "
        "trace in X-Ray.",
        remediation='Set tracing_config { mode = "Active" } and allow the role xray:PutTraceSegments '
        "(the AWSXRayDaemonWriteAccess managed policy).",
        terraform='resource "aws_lambda_function" "api" {\n  # ...\n  tracing_config {\n'
        '    mode = "Active"\n  }\n}',
        peers=("CKV_AWS_50",),
    ),
    kinds=("aws_lambda_function",),
    per_resource=_tracing,
)

CHECKS = (LAMBDA_RUNTIME_SUPPORTED, LAMBDA_TRACING_ACTIVE)
