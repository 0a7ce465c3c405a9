# Switched: compute and container hardening, and a secret written in the code.

resource "aws_instance" "ec2_imdsv2_required" {
  count         = var.ec2_imdsv2_required ? 1 : 0
  ami           = local.ami
  instance_type = "t3.micro"
  subnet_id     = module.network.private_subnet_ids[0]
  root_block_device {
    encrypted = true
  }
  metadata_options {
    http_tokens = "optional"
  }
}

resource "aws_ecr_repository" "ecr_image_tags_immutable" {
  count                = var.ecr_image_tags_immutable ? 1 : 0
  name                 = "mutable-tags"
  image_tag_mutability = "MUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository" "ecr_scan_on_push_enabled" {
  count                = var.ecr_scan_on_push_enabled ? 1 : 0
  name                 = "unscanned"
  image_tag_mutability = "IMMUTABLE"
}

resource "aws_ecs_task_definition" "ecs_container_not_privileged" {
  count        = var.ecs_container_not_privileged ? 1 : 0
  family       = "privileged"
  network_mode = "awsvpc"
  container_definitions = jsonencode([{
    name                   = "agent"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent:2.1.0"
    privileged             = true
    user                   = "1000:1000"
    readonlyRootFilesystem = true
  }])
}

resource "aws_ecs_task_definition" "ecs_task_not_host_network" {
  count        = var.ecs_task_not_host_network ? 1 : 0
  family       = "host-network"
  network_mode = "host"
  container_definitions = jsonencode([{
    name                   = "proxy"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy:1.0.3"
    privileged             = false
    user                   = "1000:1000"
    readonlyRootFilesystem = true
  }])
}

resource "aws_ssm_parameter" "secrets_hardcoded_secret" {
  count = var.secrets_hardcoded_secret ? 1 : 0
  name  = "/switchboard/db-password"
  type  = "SecureString"
  value = "Wr1tten-1n-the-c0de"
}

resource "aws_codebuild_project" "codebuild_project_not_privileged" {
  count        = var.codebuild_project_not_privileged ? 1 : 0
  name         = "docker-in-docker"
  service_role = "arn:aws:iam::123456789012:role/build"
  artifacts {
    type = "NO_ARTIFACTS"
  }
  environment {
    compute_type    = "BUILD_GENERAL1_SMALL"
    image           = "aws/codebuild/standard:7.0"
    type            = "LINUX_CONTAINER"
    privileged_mode = true
  }
  source {
    type     = "GITHUB"
    location = "https://github.com/example/switchboard.git"
  }
}

resource "aws_ecs_task_definition" "ecs_container_read_only_root_filesystem" {
  count        = var.ecs_container_read_only_root_filesystem ? 1 : 0
  family       = "writable-root"
  network_mode = "awsvpc"
  container_definitions = jsonencode([{
    name       = "worker"
    image      = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:3.2.1"
    privileged = false
    user       = "1000:1000"
  }])
}

# A secret handed over as a plain environment variable (its value comes from a random_password, so the
# code holds no literal secret; the task definition and its readers see it in clear).
resource "random_password" "ecs_secrets_not_in_environment" {
  count  = var.ecs_secrets_not_in_environment ? 1 : 0
  length = 32
}

resource "aws_ecs_task_definition" "ecs_secrets_not_in_environment" {
  count        = var.ecs_secrets_not_in_environment ? 1 : 0
  family       = "env-secret"
  network_mode = "awsvpc"
  container_definitions = jsonencode([{
    name                   = "billing"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:1.0.0"
    privileged             = false
    user                   = "1000:1000"
    readonlyRootFilesystem = true
    environment            = [{ name = "DB_PASSWORD", value = random_password.ecs_secrets_not_in_environment[0].result }]
  }])
}

resource "aws_lambda_function" "lambda_runtime_supported" {
  count         = var.lambda_runtime_supported ? 1 : 0
  function_name = "old-runtime"
  role          = aws_iam_role.function.arn
  handler       = "index.handler"
  runtime       = "python3.7"
  filename      = "old.zip"
  tracing_config {
    mode = "Active"
  }
}

resource "aws_sagemaker_notebook_instance" "sagemaker_notebook_no_direct_internet_access" {
  count                  = var.sagemaker_notebook_no_direct_internet_access ? 1 : 0
  name                   = "online-notebook"
  role_arn               = "arn:aws:iam::123456789012:role/notebook"
  instance_type          = "ml.t3.medium"
  subnet_id              = module.network.private_subnet_ids[0]
  security_groups        = [aws_security_group.app.id]
  kms_key_id             = aws_kms_key.main.arn
  root_access            = "Disabled"
  direct_internet_access = "Enabled"
}

resource "aws_sagemaker_notebook_instance" "sagemaker_notebook_root_access_disabled" {
  count                  = var.sagemaker_notebook_root_access_disabled ? 1 : 0
  name                   = "root-notebook"
  role_arn               = "arn:aws:iam::123456789012:role/notebook"
  instance_type          = "ml.t3.medium"
  subnet_id              = module.network.private_subnet_ids[0]
  security_groups        = [aws_security_group.app.id]
  kms_key_id             = aws_kms_key.main.arn
  direct_internet_access = "Disabled"
}

resource "random_password" "codebuild_no_plaintext_credentials_in_environment" {
  count  = var.codebuild_no_plaintext_credentials_in_environment ? 1 : 0
  length = 32
}

resource "aws_codebuild_project" "codebuild_no_plaintext_credentials_in_environment" {
  count        = var.codebuild_no_plaintext_credentials_in_environment ? 1 : 0
  name         = "plaintext-credentials"
  service_role = "arn:aws:iam::123456789012:role/build"
  artifacts {
    type = "NO_ARTIFACTS"
  }
  environment {
    compute_type = "BUILD_GENERAL1_SMALL"
    image        = "aws/codebuild/standard:7.0"
    type         = "LINUX_CONTAINER"
    environment_variable {
      name  = "DB_PASSWORD"
      value = random_password.codebuild_no_plaintext_credentials_in_environment[0].result
      type  = "PLAINTEXT"
    }
  }
  source {
    type     = "GITHUB"
    location = "https://github.com/example/switchboard.git"
  }
}

resource "aws_ecs_task_definition" "ecs_task_not_host_pid" {
  count        = var.ecs_task_not_host_pid ? 1 : 0
  family       = "host-pid"
  network_mode = "awsvpc"
  pid_mode     = "host"
  container_definitions = jsonencode([{
    name                   = "profiler"
    image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/profiler:0.9.0"
    privileged             = false
    user                   = "1000:1000"
    readonlyRootFilesystem = true
  }])
}

resource "aws_ssm_document" "ssm_document_not_public" {
  count           = var.ssm_document_not_public ? 1 : 0
  name            = "shared-with-everyone"
  document_type   = "Command"
  document_format = "YAML"
  content         = <<-YAML
    schemaVersion: "2.2"
    description: Print the host name.
    mainSteps:
      - action: aws:runShellScript
        name: hostname
        inputs:
          runCommand: [hostname]
  YAML
  permissions = {
    type        = "Share"
    account_ids = "All"
  }
}
