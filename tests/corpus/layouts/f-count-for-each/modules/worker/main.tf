variable "name" { type = string }
variable "vpc_id" { type = string }
variable "subnet_id" { type = string }

resource "aws_security_group" "this" {
  name   = var.name
  vpc_id = var.vpc_id
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "this" {
  ami                    = "ami-0c1c30571d2dae5c9"
  instance_type          = "t3.micro"
  subnet_id              = var.subnet_id
  vpc_security_group_ids = [aws_security_group.this.id]
  tags                   = { Name = var.name }
}
