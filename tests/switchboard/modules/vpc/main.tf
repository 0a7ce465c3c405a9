# A VPC with two private subnets (no route from the internet), its default security group closed and a
# flow log of all traffic. A switch turns one of the last two off.

variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

variable "flow_log_bucket_arn" {
  type = string
}

variable "flow_log" {
  type    = bool
  default = true
}

variable "close_default_security_group" {
  type    = bool
  default = true
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
  tags       = { Name = var.name }
}

resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  dynamic "ingress" {
    for_each = var.close_default_security_group ? [] : [1]
    content {
      protocol  = "-1"
      from_port = 0
      to_port   = 0
      self      = true
    }
  }
}

resource "aws_flow_log" "this" {
  count                = var.flow_log ? 1 : 0
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = var.flow_log_bucket_arn
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 8, count.index)
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

output "vpc_id" {
  value = aws_vpc.this.id
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}
