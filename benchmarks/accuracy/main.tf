# Labelled accuracy fixtures: every resource that matters is listed in labels.yaml with the findings it
# must and must not get, from ringfence and from Checkov. The cases are chosen so that the truth needs
# reasoning (reachability, evaluation of variables/count/for_each, policy semantics, related resources).

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "enable_debug_ssh" {
  type    = bool
  default = false
}

variable "enable_legacy_admin" {
  type    = bool
  default = false
}

variable "kms_rotation" {
  type    = bool
  default = true
}

variable "legacy_rotation" {
  type    = bool
  default = false
}

variable "block_public" {
  type    = bool
  default = true
}

variable "db_public" {
  type    = bool
  default = false
}

variable "trail_multi_region" {
  type    = bool
  default = true
}

# A token "parked" in a variable default: it is in the code all the same.
variable "payments_token" {
  type    = string
  default = "rk_live_9fQ2mZx7LpV4tR8sKd3WnB6yHc1JeA5u"
}

# No default: the value comes from the pipeline, not from the code.
variable "worker_db_password" {
  type      = string
  sensitive = true
}

locals {
  is_prod       = var.environment == "prod"
  validate_logs = true
  account_id    = "444455556666"
}
