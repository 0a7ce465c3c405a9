provider "aws" {
  region = "ap-southeast-2"
}

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_subnet" "workers" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.80.1.0/24"
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = toset(["logs", "assets"])
  name     = "media-${each.key}"
}

module "worker" {
  source    = "./modules/worker"
  count     = 2
  name      = "worker-${count.index}"
  vpc_id    = aws_vpc.main.id
  subnet_id = aws_subnet.workers.id
}
