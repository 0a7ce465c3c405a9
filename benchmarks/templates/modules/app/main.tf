# An application tier: a public ALB in front of instance_count EC2 instances with an instance profile,
# security groups wired by group reference, a launch template, EBS data volumes and HTTPS listeners.

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "instance_count" {
  type = number
}

variable "public_instances" {
  description = "Place the instances in the public subnets with a public IP (a shortcut some teams take)."
  type        = bool
  default     = false
}

variable "ssh_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

variable "rdp_open" {
  type    = bool
  default = false
}

variable "secret_instances" {
  description = "How many of the instances boot with the legacy user data that exports a static key."
  type        = number
  default     = 0
}

variable "admin_policy" {
  type    = bool
  default = false
}

variable "volume_count" {
  type    = number
  default = 0
}

variable "ami" {
  type = string
}

variable "certificate_arn" {
  type = string
}

variable "extra_log_groups" {
  type    = number
  default = 0
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  tags    = merge(var.tags, { Module = "app", Stack = var.name })
  subnets = var.public_instances ? var.public_subnet_ids : var.private_subnet_ids

  user_data = <<-EOT
    #!/bin/bash
    dnf install -y amazon-cloudwatch-agent
    systemctl enable --now app.service
  EOT

  legacy_user_data = <<-EOT
    #!/bin/bash
    export AWS_ACCESS_KEY_ID=AKIAQ4X7L2M9R3T8VW5K
    export AWS_SECRET_ACCESS_KEY=u8Jd2KqPz7VfR1xLmN4sT9bWc6YhE3gA0oQiZ5nX
    aws s3 cp s3://${var.name}-artifacts/app.tar.gz /opt/app.tar.gz
    systemctl enable --now app.service
  EOT

  admin_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "Everything"
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })

  app_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadArtifacts"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "arn:aws:s3:::${var.name}-artifacts/*"
      },
      {
        Sid      = "Telemetry"
        Effect   = "Allow"
        Action   = ["cloudwatch:PutMetricData", "logs:PutLogEvents", "logs:CreateLogStream"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Public load balancer"
  vpc_id      = var.vpc_id

  ingress {
    description = "HTTPS from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTP, redirected to HTTPS"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "To the application tier"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = local.tags
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "Application instances"
  vpc_id      = var.vpc_id
  tags        = local.tags
}

resource "aws_security_group_rule" "app_from_alb" {
  description              = "Application port from the load balancer"
  type                     = "ingress"
  from_port                = 8080
  to_port                  = 8080
  protocol                 = "tcp"
  security_group_id        = aws_security_group.app.id
  source_security_group_id = aws_security_group.alb.id
}

resource "aws_security_group_rule" "app_ssh" {
  description       = "SSH for operators"
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = var.ssh_cidrs
  security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_ingress_rule" "app_rdp" {
  count             = var.rdp_open ? 1 : 0
  description       = "RDP for the vendor's support desk"
  security_group_id = aws_security_group.app.id
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 3389
  to_port           = 3389
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "app_all" {
  description       = "Outbound"
  security_group_id = aws_security_group.app.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_iam_role" "app" {
  name = "${var.name}-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_instance_profile" "app" {
  name = "${var.name}-app"
  role = aws_iam_role.app.name
}

resource "aws_iam_role_policy_attachment" "app_ssm" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_policy" "app" {
  name   = "${var.name}-app"
  policy = var.admin_policy ? local.admin_document : local.app_document
  tags   = local.tags
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.app.arn
}

resource "aws_launch_template" "app" {
  name_prefix            = "${var.name}-app-"
  image_id               = var.ami
  instance_type          = "t3.medium"
  vpc_security_group_ids = [aws_security_group.app.id]
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    name = aws_iam_instance_profile.app.name
  }

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted   = true
      volume_size = 20
    }
  }

  tags = local.tags
}

resource "aws_instance" "app" {
  count                       = var.instance_count
  ami                         = var.ami
  instance_type               = "t3.medium"
  subnet_id                   = element(local.subnets, count.index)
  vpc_security_group_ids      = [aws_security_group.app.id]
  iam_instance_profile        = aws_iam_instance_profile.app.name
  associate_public_ip_address = var.public_instances
  user_data                   = count.index < var.secret_instances ? local.legacy_user_data : local.user_data
  monitoring                  = true
  ebs_optimized               = true

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    encrypted   = true
    volume_size = 20
  }

  tags = merge(local.tags, { Name = "${var.name}-app-${count.index}" })
}

resource "aws_ebs_volume" "data" {
  count             = var.volume_count
  availability_zone = aws_instance.app[count.index].availability_zone
  size              = 100
  encrypted         = true
  tags              = merge(local.tags, { Name = "${var.name}-data-${count.index}" })
}

resource "aws_volume_attachment" "data" {
  count       = var.volume_count
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data[count.index].id
  instance_id = aws_instance.app[count.index].id
}

resource "aws_lb" "app" {
  name                       = "${var.name}-app"
  internal                   = false
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  tags                       = local.tags
}

resource "aws_lb_target_group" "app" {
  name     = "${var.name}-app"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = var.vpc_id

  health_check {
    path = "/health"
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.app.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_target_group_attachment" "app" {
  count            = var.instance_count
  target_group_arn = aws_lb_target_group.app.arn
  target_id        = aws_instance.app[count.index].id
  port             = 8080
}

resource "aws_cloudwatch_log_group" "extra" {
  count             = var.extra_log_groups
  name              = "/platform/${var.name}/app-${count.index}"
  retention_in_days = 90
  tags              = local.tags
}

output "app_security_group_id" {
  value = aws_security_group.app.id
}

output "role_arn" {
  value = aws_iam_role.app.arn
}
