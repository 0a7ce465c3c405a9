"""The 65 documented escalation paths (pathfinding.cloud) and what each one needs of the estate.

``data/escalation-paths.json`` gives each path's id, category and required permissions. What a path does
to the estate (which principal or resource it acts on, which service a passed role goes to, which kind of
existing resource it takes over) is written here, per path, so that every one of them can fire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    name: str
    category: str
    required: tuple[str, ...]


@cache
def catalogue() -> tuple[EscalationPath, ...]:
    raw = json.loads(
        resources.files("ringfence.iam").joinpath("data").joinpath("escalation-paths.json").read_text()
    )
    return tuple(
        EscalationPath(p["id"], p["name"], p["category"], tuple(p["required"])) for p in raw["paths"]
    )


# How each path acts, by id. Kinds:
# - "self": the principal writes or attaches a policy to itself (or to a group it is in, or a customer
#   managed policy it holds) and then holds it;
# - "join": the user adds itself to a group and then holds the group's policies;
# - "user": the principal takes over another user (its keys or console password);
# - "user+policy": it gives another user a policy, then takes the user over;
# - "assume": it assumes a role (identity side and the role's trust);
# - "trust": it rewrites a role's trust to name itself, then assumes the role;
# - "role+policy": it gives a role a policy, then becomes the role (by its trust or by rewriting it);
# - "pass": it passes a role to a service that then runs its code as the role;
# - "existing": it takes over an existing resource that runs as a role.
KIND: dict[str, str] = {
    "iam-001": "self",
    "iam-005": "self",
    "iam-007": "self",
    "iam-008": "self",
    "iam-009": "self",
    "iam-010": "self",
    "iam-011": "self",
    "iam-013": "join",
    "iam-002": "user",
    "iam-003": "user",
    "iam-004": "user",
    "iam-006": "user",
    "iam-015": "user+policy",
    "iam-018": "user+policy",
    "sts-001": "assume",
    "iam-012": "trust",
    "iam-014": "role+policy",
    "iam-016": "role+policy",
    "iam-017": "role+policy",
    "iam-019": "role+policy",
    "iam-020": "role+policy",
    "iam-021": "role+policy",
}

# The service principal that a passed role goes to, by the path's service (the role's trust must let it
# assume the role; ``iam:PassedToService`` is this value).
SERVICE: dict[str, str] = {
    "apprunner": "tasks.apprunner.amazonaws.com",
    "bedrock": "bedrock-agentcore.amazonaws.com",
    "cloudformation": "cloudformation.amazonaws.com",
    "codebuild": "codebuild.amazonaws.com",
    "datapipeline": "datapipeline.amazonaws.com",
    "ec2": "ec2.amazonaws.com",
    "ecs": "ecs-tasks.amazonaws.com",
    "glue": "glue.amazonaws.com",
    "lambda": "lambda.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
}

# Existing resources a path takes over, by what they are: the resource kinds, each with the attributes
# that relate it to the role it runs as (directly, or through an instance profile).
EXISTING: dict[str, tuple[str, ...]] = {
    "apprunner-002": ("aws_apprunner_service",),
    "bedrock-002": ("aws_bedrockagentcore_code_interpreter",),
    "cloudformation-002": ("aws_cloudformation_stack",),
    "cloudformation-005": ("aws_cloudformation_stack",),
    "codebuild-002": ("aws_codebuild_project",),
    "codebuild-003": ("aws_codebuild_project",),
    "ec2-002": ("aws_instance",),
    "ec2-004": ("aws_launch_template",),
    "ec2instanceconnect-003": ("aws_instance",),
    "glue-002": ("aws_glue_dev_endpoint",),
    "lambda-003": ("aws_lambda_function",),
    "lambda-004": ("aws_lambda_function",),
    "lambda-005": ("aws_lambda_function",),
    "sagemaker-004": ("aws_sagemaker_notebook_instance",),
    "sagemaker-005": ("aws_sagemaker_notebook_instance",),
    "ssm-001": ("aws_instance",),
    "ssm-002": ("aws_instance",),
}
RUNS_AS: dict[str, tuple[str, ...]] = {
    "aws_apprunner_service": ("instance_role_arn", "instance_configuration"),
    "aws_bedrockagentcore_code_interpreter": ("execution_role_arn",),
    "aws_cloudformation_stack": ("iam_role_arn",),
    "aws_codebuild_project": ("service_role",),
    "aws_glue_dev_endpoint": ("role_arn",),
    "aws_instance": ("iam_instance_profile",),
    "aws_lambda_function": ("role",),
    "aws_launch_template": ("iam_instance_profile",),
    "aws_sagemaker_notebook_instance": ("role_arn",),
}
# ARNs of resources the ARN builders of the sources do not know, from their name (``{name}``).
ARN_FORMAT: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_apprunner_service": ("apprunner:{region}:{account}:service/{name}/*", ("service_name",)),
    "aws_bedrockagentcore_code_interpreter": (
        "bedrock-agentcore:{region}:{account}:code-interpreter/{name}",
        ("name",),
    ),
    "aws_cloudformation_stack": ("cloudformation:{region}:{account}:stack/{name}/*", ("name",)),
    "aws_codebuild_project": ("codebuild:{region}:{account}:project/{name}", ("name",)),
    "aws_glue_dev_endpoint": ("glue:{region}:{account}:devEndpoint/{name}", ("name",)),
    "aws_launch_template": ("ec2:{region}:{account}:launch-template/{name}", ("name",)),
    "aws_sagemaker_notebook_instance": ("sagemaker:{region}:{account}:notebook-instance/{name}", ("name",)),
}
# Actions of an existing-resource path that create something new (their resource is the attacker's choice).
CHOSEN = frozenset(
    {
        "ec2:DescribeInstances",
        "sagemaker:CreateNotebookInstanceLifecycleConfig",
        "cloudformation:CreateChangeSet",
    }
)

# Documented paths whose last step AWS cannot be asked about from configuration, with the reason. None
# today: every path has a fixture where it fires (tests/iam/test_escalation_graph.py).
NOT_EXPRESSIBLE: dict[str, str] = {}


def kind_of(path: EscalationPath) -> str:
    """How the path acts (see :data:`KIND`): ``pass`` or ``existing`` for the service paths."""
    if path.id in KIND:
        return KIND[path.id]
    if path.id in EXISTING:
        return "existing"
    return "pass"


def service_of(path: EscalationPath) -> str:
    return SERVICE[path.id.split("-", 1)[0]]
