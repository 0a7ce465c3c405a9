terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "net" {
  source = "../../modules/net"
  name   = "prod"
  cidr   = "10.20.0.0/16"
}

module "app" {
  source     = "../../modules/app"
  name       = "prod-orders"
  vpc_id     = module.net.vpc_id
  subnet_id  = module.net.private_subnet_ids[0]
  log_bucket = "prod-orders-logs-210987654321"
}
