# The switchboard: an estate whose every misconfiguration sits behind a boolean variable (variables.tf,
# all false by default; switches_on.tfvars turns every one on). baseline.tf is the secure part that is
# always there; the other files hold the switched resources, one pillar each. manifest.yaml lists, by hand,
# the (rule id, address) pairs each switch must produce.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

locals {
  account     = "123456789012"
  certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/5d1c7a2e-3b4f-4e6a-9c8d-0f1e2d3c4b5a"
  zones       = ["eu-west-1a", "eu-west-1b"]
  ami         = "ami-0c1d2e3f4a5b6c7d8"
  # What a PostgreSQL instance publishes to CloudWatch Logs.
  rds_log_exports = ["postgresql", "upgrade"]
  lambda_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}
