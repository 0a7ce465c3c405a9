# Workload hardening: each weak resource has a hardened twin (labels.yaml, pillar workload).

resource "aws_ecr_repository" "loose" {
  name = "loose"
  # image_tag_mutability defaults to MUTABLE; image scanning on push defaults to off.
}

resource "aws_ecr_repository" "strict" {
  name                 = "strict"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.rotated.arn
  }
}

resource "aws_ecs_task_definition" "host_agent" {
  family       = "host-agent"
  network_mode = "host"
  pid_mode     = "host"
  container_definitions = jsonencode([{
    name       = "agent"
    image      = "public.ecr.aws/example/agent:1.4"
    privileged = true
    user       = "root"
    memory     = 256
  }])
}

resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 256
  memory                   = 512
  container_definitions = jsonencode([{
    name                   = "api"
    image                  = "public.ecr.aws/example/api:2.0"
    user                   = "1000:1000"
    privileged             = false
    readonlyRootFilesystem = true
    secrets = [{
      name      = "DB_PASSWORD"
      valueFrom = aws_secretsmanager_secret.worker_db.arn
    }]
  }])
}

resource "aws_codebuild_project" "image_builder" {
  name         = "image-builder"
  service_role = aws_iam_role.build_task.arn
  artifacts {
    type = "NO_ARTIFACTS"
  }
  environment {
    compute_type    = "BUILD_GENERAL1_SMALL"
    image           = "aws/codebuild/standard:7.0"
    type            = "LINUX_CONTAINER"
    privileged_mode = true
    environment_variable {
      name  = "REGISTRY_PASSWORD"
      value = "Qm9uZ28tcmVnaXN0cnktMjAyNi1zZWNyZXQ"
    }
  }
  source {
    type     = "GITHUB"
    location = "https://github.com/example/app.git"
  }
}

resource "aws_codebuild_project" "unit_tests" {
  name         = "unit-tests"
  service_role = aws_iam_role.build_task.arn
  artifacts {
    type = "NO_ARTIFACTS"
  }
  environment {
    compute_type = "BUILD_GENERAL1_SMALL"
    image        = "aws/codebuild/standard:7.0"
    type         = "LINUX_CONTAINER"
    environment_variable {
      name  = "REGISTRY_PASSWORD"
      type  = "SECRETS_MANAGER"
      value = "ci/registry:password"
    }
  }
  source {
    type     = "GITHUB"
    location = "https://github.com/example/app.git"
  }
}

resource "aws_lambda_function" "old_runtime" {
  function_name = "old-runtime"
  role          = aws_iam_role.functions.arn
  runtime       = "python3.7"
  handler       = "main.handler"
  filename      = "fn.zip"
}

resource "aws_lambda_function" "traced" {
  function_name = "traced"
  role          = aws_iam_role.functions.arn
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "fn.zip"
  tracing_config {
    mode = "Active"
  }
}

resource "aws_sagemaker_notebook_instance" "open_notebook" {
  name          = "open-notebook"
  role_arn      = aws_iam_role.functions.arn
  instance_type = "ml.t3.medium"
  # root_access and direct_internet_access both default to "Enabled".
}

resource "aws_sagemaker_notebook_instance" "closed_notebook" {
  name                   = "closed-notebook"
  role_arn               = aws_iam_role.functions.arn
  instance_type          = "ml.t3.medium"
  root_access            = "Disabled"
  direct_internet_access = "Disabled"
  subnet_id              = aws_subnet.private.id
  security_groups        = [aws_security_group.app_from_bastion.id]
  kms_key_id             = aws_kms_key.rotated.arn
}
