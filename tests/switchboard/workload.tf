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
    name       = "agent"
    image      = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent:2.1.0"
    privileged = true
    user       = "1000:1000"
  }])
}

resource "aws_ecs_task_definition" "ecs_task_not_host_network" {
  count        = var.ecs_task_not_host_network ? 1 : 0
  family       = "host-network"
  network_mode = "host"
  container_definitions = jsonencode([{
    name       = "proxy"
    image      = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy:1.0.3"
    privileged = false
    user       = "1000:1000"
  }])
}

resource "aws_ssm_parameter" "secrets_hardcoded_secret" {
  count = var.secrets_hardcoded_secret ? 1 : 0
  name  = "/switchboard/db-password"
  type  = "SecureString"
  value = "Wr1tten-1n-the-c0de"
}
