variable "base_cidr_block" { type = string }
variable "vpc_id" { type = string }

resource "aws_subnet" "this" {
  for_each   = { a = 1, b = 2 }
  vpc_id     = var.vpc_id
  cidr_block = cidrsubnet(var.base_cidr_block, 8, each.value)
}
