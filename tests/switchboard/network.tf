# Switched: network exposure and hygiene, and the WAF in front of public entry points.

resource "aws_eks_cluster" "eks_public_endpoint_restricted" {
  count                     = var.eks_public_endpoint_restricted ? 1 : 0
  name                      = "open-endpoint"
  role_arn                  = "arn:aws:iam::123456789012:role/eks"
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  vpc_config {
    subnet_ids = module.network.private_subnet_ids
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.main.arn
    }
  }
}

# SSH from anywhere, and nothing else, on a subnet of its own.
resource "aws_subnet" "network_acl_admin_ports_restricted" {
  count             = var.network_acl_admin_ports_restricted ? 1 : 0
  vpc_id            = module.network.vpc_id
  cidr_block        = "10.20.210.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_network_acl" "network_acl_admin_ports_restricted" {
  count      = var.network_acl_admin_ports_restricted ? 1 : 0
  vpc_id     = module.network.vpc_id
  subnet_ids = [aws_subnet.network_acl_admin_ports_restricted[0].id]
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 22
    to_port    = 22
    cidr_block = "0.0.0.0/0"
  }
}

# Every port from anywhere, but the administration ports denied first.
resource "aws_subnet" "network_acl_no_allow_all_ingress" {
  count             = var.network_acl_no_allow_all_ingress ? 1 : 0
  vpc_id            = module.network.vpc_id
  cidr_block        = "10.20.211.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_network_acl" "network_acl_no_allow_all_ingress" {
  count      = var.network_acl_no_allow_all_ingress ? 1 : 0
  vpc_id     = module.network.vpc_id
  subnet_ids = [aws_subnet.network_acl_no_allow_all_ingress[0].id]
  ingress {
    rule_no    = 10
    action     = "deny"
    protocol   = "tcp"
    from_port  = 22
    to_port    = 22
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no    = 11
    action     = "deny"
    protocol   = "tcp"
    from_port  = 3389
    to_port    = 3389
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no    = 12
    action     = "deny"
    protocol   = "tcp"
    from_port  = 5985
    to_port    = 5986
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
    cidr_block = "0.0.0.0/0"
  }
}

resource "aws_network_acl" "network_acl_in_use" {
  count  = var.network_acl_in_use ? 1 : 0
  vpc_id = module.network.vpc_id
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 443
    to_port    = 443
    cidr_block = "10.20.0.0/16"
  }
}

resource "aws_security_group" "network_security_group_in_use" {
  count       = var.network_security_group_in_use ? 1 : 0
  name        = "unused"
  description = "HTTPS from the VPC, attached to nothing"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.20.0.0/16"]
  }
}

# Used by the baseline's load balancer; its second rule admits nothing the first does not.
resource "aws_security_group" "network_security_group_rules_not_redundant" {
  count       = var.network_security_group_rules_not_redundant ? 1 : 0
  name        = "redundant"
  description = "HTTPS from the VPC, twice"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.20.0.0/16"]
  }
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.20.1.0/24"]
  }
}

resource "aws_security_group" "network_database_egress_restricted" {
  count       = var.network_database_egress_restricted ? 1 : 0
  name        = "database-egress-anywhere"
  description = "PostgreSQL from the VPC, egress to anywhere"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = ["10.20.0.0/16"]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_instance" "network_database_egress_restricted" {
  count                               = var.network_database_egress_restricted ? 1 : 0
  identifier                          = "egress-anywhere"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.rds_log_exports
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.private.name
  vpc_security_group_ids              = [aws_security_group.network_database_egress_restricted[0].id]
}

resource "aws_subnet" "network_private_subnet_no_public_ip_on_launch" {
  count                   = var.network_private_subnet_no_public_ip_on_launch ? 1 : 0
  vpc_id                  = module.network.vpc_id
  cidr_block              = "10.20.212.0/24"
  availability_zone       = "eu-west-1a"
  map_public_ip_on_launch = true
}

# A function attached to a default subnet of the region's default VPC.
resource "aws_default_subnet" "network_default_vpc_not_used" {
  count             = var.network_default_vpc_not_used ? 1 : 0
  availability_zone = "eu-west-1a"
}

resource "aws_lambda_function" "network_default_vpc_not_used" {
  count         = var.network_default_vpc_not_used ? 1 : 0
  function_name = "in-default-vpc"
  role          = aws_iam_role.function.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "default-vpc.zip"
  tracing_config {
    mode = "Active"
  }
  vpc_config {
    subnet_ids         = [aws_default_subnet.network_default_vpc_not_used[0].id]
    security_group_ids = [aws_security_group.app.id]
  }
}

resource "aws_instance" "ec2_instance_no_public_ip" {
  count                       = var.ec2_instance_no_public_ip ? 1 : 0
  ami                         = local.ami
  instance_type               = "t3.micro"
  subnet_id                   = module.network.private_subnet_ids[0]
  associate_public_ip_address = true
  root_block_device {
    encrypted = true
  }
  metadata_options {
    http_tokens = "required"
  }
}

# Attached to nothing: the rule is latent.
resource "aws_security_group" "network_admin_port_exposed" {
  count       = var.network_admin_port_exposed ? 1 : 0
  name        = "ssh-from-anywhere"
  description = "SSH from the internet"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "network_database_port_exposed" {
  count       = var.network_database_port_exposed ? 1 : 0
  name        = "postgres-from-anywhere"
  description = "PostgreSQL from the internet"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Two subnets routed to an internet gateway, and a database placed in them.
resource "aws_internet_gateway" "network_database_not_in_public_subnet" {
  count  = var.network_database_not_in_public_subnet ? 1 : 0
  vpc_id = module.network.vpc_id
}

resource "aws_route_table" "network_database_not_in_public_subnet" {
  count  = var.network_database_not_in_public_subnet ? 1 : 0
  vpc_id = module.network.vpc_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.network_database_not_in_public_subnet[0].id
  }
}

resource "aws_subnet" "network_database_not_in_public_subnet" {
  count             = var.network_database_not_in_public_subnet ? 2 : 0
  vpc_id            = module.network.vpc_id
  cidr_block        = cidrsubnet("10.20.0.0/16", 8, 100 + count.index)
  availability_zone = local.zones[count.index]
}

resource "aws_route_table_association" "network_database_not_in_public_subnet" {
  count          = var.network_database_not_in_public_subnet ? 2 : 0
  subnet_id      = aws_subnet.network_database_not_in_public_subnet[count.index].id
  route_table_id = aws_route_table.network_database_not_in_public_subnet[0].id
}

resource "aws_db_subnet_group" "network_database_not_in_public_subnet" {
  count      = var.network_database_not_in_public_subnet ? 1 : 0
  name       = "public"
  subnet_ids = aws_subnet.network_database_not_in_public_subnet[*].id
}

resource "aws_db_instance" "network_database_not_in_public_subnet" {
  count                               = var.network_database_not_in_public_subnet ? 1 : 0
  identifier                          = "in-public-subnets"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.rds_log_exports
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.network_database_not_in_public_subnet[0].name
}

module "network_default_security_group_restricts_all" {
  count                        = var.network_default_security_group_restricts_all ? 1 : 0
  source                       = "./modules/vpc"
  name                         = "open-default-group"
  cidr                         = "10.30.0.0/16"
  flow_log_bucket_arn          = aws_s3_bucket.access_logs.arn
  close_default_security_group = false
}

# A private subnet that reaches S3 and DynamoDB through a NAT gateway, without gateway endpoints.
resource "aws_nat_gateway" "network_private_subnet_gateway_endpoints" {
  count             = var.network_private_subnet_gateway_endpoints ? 1 : 0
  subnet_id         = module.network.private_subnet_ids[0]
  connectivity_type = "private"
}

resource "aws_route_table" "network_private_subnet_gateway_endpoints" {
  count  = var.network_private_subnet_gateway_endpoints ? 1 : 0
  vpc_id = module.network.vpc_id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.network_private_subnet_gateway_endpoints[0].id
  }
}

resource "aws_subnet" "network_private_subnet_gateway_endpoints" {
  count             = var.network_private_subnet_gateway_endpoints ? 1 : 0
  vpc_id            = module.network.vpc_id
  cidr_block        = "10.20.200.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_route_table_association" "network_private_subnet_gateway_endpoints" {
  count          = var.network_private_subnet_gateway_endpoints ? 1 : 0
  subnet_id      = aws_subnet.network_private_subnet_gateway_endpoints[0].id
  route_table_id = aws_route_table.network_private_subnet_gateway_endpoints[0].id
}

resource "aws_vpc_endpoint" "network_vpc_endpoint_policy_restricted" {
  count        = var.network_vpc_endpoint_policy_restricted ? 1 : 0
  vpc_id       = module.network.vpc_id
  service_name = "com.amazonaws.eu-west-1.dynamodb"
}

module "network_vpc_flow_logs_enabled" {
  count               = var.network_vpc_flow_logs_enabled ? 1 : 0
  source              = "./modules/vpc"
  name                = "unlogged"
  cidr                = "10.40.0.0/16"
  flow_log_bucket_arn = aws_s3_bucket.access_logs.arn
  flow_log            = false
}

resource "aws_opensearch_domain" "opensearch_domain_in_vpc" {
  count       = var.opensearch_domain_in_vpc ? 1 : 0
  domain_name = "public-endpoint"
  encrypt_at_rest {
    enabled = true
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
}

resource "aws_db_instance" "rds_not_publicly_accessible" {
  count                               = var.rds_not_publicly_accessible ? 1 : 0
  identifier                          = "publicly-accessible"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.rds_log_exports
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.private.name
  publicly_accessible                 = true
}

resource "aws_api_gateway_rest_api" "waf_api_gateway_stage_protected" {
  count = var.waf_api_gateway_stage_protected ? 1 : 0
  name  = "public-api"
}

resource "aws_api_gateway_stage" "waf_api_gateway_stage_protected" {
  count         = var.waf_api_gateway_stage_protected ? 1 : 0
  rest_api_id   = aws_api_gateway_rest_api.waf_api_gateway_stage_protected[0].id
  deployment_id = "d3pl0y"
  stage_name    = "prod"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format          = "$context.requestId $context.identity.sourceIp $context.status"
  }
}

resource "aws_cloudfront_distribution" "waf_cloudfront_distribution_protected" {
  count   = var.waf_cloudfront_distribution_protected ? 1 : 0
  enabled = true
  aliases = ["unprotected.switchboard.example.org"]
  origin {
    domain_name = "app.switchboard.example.org"
    origin_id   = "app"
    custom_origin_config {
      http_port              = local.https_origin.http_port
      https_port             = local.https_origin.https_port
      origin_protocol_policy = local.https_origin.origin_protocol_policy
      origin_ssl_protocols   = local.https_origin.origin_ssl_protocols
    }
  }
  default_cache_behavior {
    target_origin_id       = "app"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    acm_certificate_arn      = local.certificate
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_lb" "waf_load_balancer_protected" {
  count           = var.waf_load_balancer_protected ? 1 : 0
  name            = "unprotected"
  internal        = false
  subnets         = module.network.private_subnet_ids
  security_groups = [aws_security_group.app.id]
}

# An internal network load balancer in both private subnets; its target admits only the first.
resource "aws_security_group" "network_lb_subnets_admitted_by_targets" {
  count       = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  name        = "one-subnet-only"
  description = "The service port from the first load balancer subnet"
  vpc_id      = module.network.vpc_id
  ingress {
    protocol    = "tcp"
    from_port   = 8443
    to_port     = 8443
    cidr_blocks = ["10.20.0.0/24"]
  }
}

resource "aws_lb" "network_lb_subnets_admitted_by_targets" {
  count              = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  name               = "half-healthy"
  load_balancer_type = "network"
  internal           = true
  subnets            = module.network.private_subnet_ids
}

resource "aws_lb_target_group" "network_lb_subnets_admitted_by_targets" {
  count    = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  name     = "half-healthy"
  port     = 8443
  protocol = "TCP"
  vpc_id   = module.network.vpc_id
}

resource "aws_lb_listener" "network_lb_subnets_admitted_by_targets" {
  count             = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  load_balancer_arn = aws_lb.network_lb_subnets_admitted_by_targets[0].arn
  port              = 443
  protocol          = "TLS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = local.certificate
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.network_lb_subnets_admitted_by_targets[0].arn
  }
}

resource "aws_instance" "network_lb_subnets_admitted_by_targets" {
  count                  = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  ami                    = local.ami
  instance_type          = "t3.micro"
  subnet_id              = module.network.private_subnet_ids[1]
  vpc_security_group_ids = [aws_security_group.network_lb_subnets_admitted_by_targets[0].id]
  root_block_device {
    encrypted = true
  }
  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_lb_target_group_attachment" "network_lb_subnets_admitted_by_targets" {
  count            = var.network_lb_subnets_admitted_by_targets ? 1 : 0
  target_group_arn = aws_lb_target_group.network_lb_subnets_admitted_by_targets[0].arn
  target_id        = aws_instance.network_lb_subnets_admitted_by_targets[0].id
  port             = 8443
}

# The S3 endpoint of a subnet allows one bucket; the instance there is granted another.
resource "aws_route_table" "network_vpc_endpoint_policy_allows_workloads" {
  count  = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  vpc_id = module.network.vpc_id
}

resource "aws_subnet" "network_vpc_endpoint_policy_allows_workloads" {
  count             = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  vpc_id            = module.network.vpc_id
  cidr_block        = "10.20.220.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_route_table_association" "network_vpc_endpoint_policy_allows_workloads" {
  count          = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  subnet_id      = aws_subnet.network_vpc_endpoint_policy_allows_workloads[0].id
  route_table_id = aws_route_table.network_vpc_endpoint_policy_allows_workloads[0].id
}

resource "aws_vpc_endpoint" "network_vpc_endpoint_policy_allows_workloads" {
  count           = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  vpc_id          = module.network.vpc_id
  service_name    = "com.amazonaws.eu-west-1.s3"
  route_table_ids = [aws_route_table.network_vpc_endpoint_policy_allows_workloads[0].id]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject", "s3:ListBucket"]
      Resource  = ["arn:aws:s3:::switchboard-artifacts", "arn:aws:s3:::switchboard-artifacts/*"]
    }]
  })
}

resource "aws_iam_role" "network_vpc_endpoint_policy_allows_workloads" {
  count = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  name  = "reports-reader"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_policy" "network_vpc_endpoint_policy_allows_workloads" {
  count = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  name  = "read-reports"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::switchboard-reports/*"] }]
  })
}

resource "aws_iam_role_policy_attachment" "network_vpc_endpoint_policy_allows_workloads" {
  count      = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  role       = aws_iam_role.network_vpc_endpoint_policy_allows_workloads[0].name
  policy_arn = aws_iam_policy.network_vpc_endpoint_policy_allows_workloads[0].arn
}

resource "aws_iam_instance_profile" "network_vpc_endpoint_policy_allows_workloads" {
  count = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  name  = "reports-reader"
  role  = aws_iam_role.network_vpc_endpoint_policy_allows_workloads[0].name
}

resource "aws_instance" "network_vpc_endpoint_policy_allows_workloads" {
  count                = var.network_vpc_endpoint_policy_allows_workloads ? 1 : 0
  ami                  = local.ami
  instance_type        = "t3.micro"
  subnet_id            = aws_subnet.network_vpc_endpoint_policy_allows_workloads[0].id
  iam_instance_profile = aws_iam_instance_profile.network_vpc_endpoint_policy_allows_workloads[0].name
  root_block_device {
    encrypted = true
  }
  metadata_options {
    http_tokens = "required"
  }
}

resource "aws_ecs_cluster" "ecs_service_no_public_ip" {
  count = var.ecs_service_no_public_ip ? 1 : 0
  name  = "public-tasks"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_service" "ecs_service_no_public_ip" {
  count           = var.ecs_service_no_public_ip ? 1 : 0
  name            = "public-tasks"
  cluster         = aws_ecs_cluster.ecs_service_no_public_ip[0].id
  task_definition = "api:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = module.network.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = true
  }
}
