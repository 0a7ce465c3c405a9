provider "aws" {
  region = "us-east-2"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  name    = "platform"
  cidr    = "10.60.0.0/16"
}

module "eks" {
  source     = "git::https://github.com/example-org/terraform-eks.git?ref=v2.1.0"
  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets
}
