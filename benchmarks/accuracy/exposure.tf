# Resource policies, sharing, transit encryption of front doors, and a few more hardening settings:
# each weak resource has a secured twin (labels.yaml).

resource "aws_lambda_function_url" "anonymous" {
  function_name      = aws_lambda_function.old_runtime.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_function_url" "signed" {
  function_name      = aws_lambda_function.traced.function_name
  authorization_type = "AWS_IAM"
}

resource "aws_s3_bucket" "public_assets" {
  bucket = "ringfence-accuracy-public-assets"
}

resource "aws_s3_bucket_policy" "public_assets" {
  bucket = aws_s3_bucket.public_assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.public_assets.arn}/*"
    }]
  })
}

resource "aws_kms_key" "open_policy" {
  description         = "key whose policy lets anyone decrypt"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::444455556666:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Anyone"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_key" "owner_policy" {
  description         = "key whose policy names only the account"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Owner"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_ecr_repository_policy" "loose" {
  repository = aws_ecr_repository.loose.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AnyonePulls"
      Effect    = "Allow"
      Principal = "*"
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}

resource "aws_ecr_repository_policy" "strict" {
  repository = aws_ecr_repository.strict.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DeployAccountPulls"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}

resource "aws_db_snapshot" "shared_with_all" {
  db_instance_identifier = aws_db_instance.legacy.identifier
  db_snapshot_identifier = "legacy-public"
  shared_accounts        = ["all"]
}

resource "aws_db_snapshot" "shared_with_partner" {
  db_instance_identifier = aws_db_instance.legacy.identifier
  db_snapshot_identifier = "legacy-partner"
  shared_accounts        = ["777788889999"]
}

resource "aws_ami_launch_permission" "everyone" {
  image_id = "ami-0a1b2c3d4e5f60718"
  group    = "all"
}

resource "aws_ami_launch_permission" "partner" {
  image_id   = "ami-0a1b2c3d4e5f60718"
  account_id = "777788889999"
}

resource "aws_ebs_snapshot" "scratch_plain" {
  volume_id = aws_ebs_volume.scratch_plain.id
}

resource "aws_ebs_snapshot" "scratch_sealed" {
  volume_id = aws_ebs_volume.scratch_sealed.id
}

resource "aws_kinesis_firehose_delivery_stream" "events_plain" {
  name        = "events-plain"
  destination = "extended_s3"
  extended_s3_configuration {
    role_arn   = aws_iam_role.functions.arn
    bucket_arn = aws_s3_bucket.archive.arn
  }
}

resource "aws_kinesis_firehose_delivery_stream" "events_sealed" {
  name        = "events-sealed"
  destination = "extended_s3"
  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = aws_kms_key.rotated.arn
  }
  extended_s3_configuration {
    role_arn   = aws_iam_role.functions.arn
    bucket_arn = aws_s3_bucket.archive.arn
  }
}

resource "aws_msk_cluster" "stream_plaintext" {
  cluster_name           = "stream-plaintext"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2
  broker_node_group_info {
    instance_type   = "kafka.t3.small"
    client_subnets  = [aws_subnet.private.id, aws_subnet.private_b.id]
    security_groups = [aws_security_group.app_from_bastion.id]
  }
  encryption_info {
    encryption_in_transit {
      client_broker = "PLAINTEXT"
      in_cluster    = false
    }
  }
}

# encryption_in_transit left to its defaults: client_broker TLS, in_cluster true.
resource "aws_msk_cluster" "stream_tls" {
  cluster_name           = "stream-tls"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2
  broker_node_group_info {
    instance_type   = "kafka.t3.small"
    client_subnets  = [aws_subnet.private.id, aws_subnet.private_b.id]
    security_groups = [aws_security_group.app_from_bastion.id]
  }
}

resource "aws_lb" "storefront" {
  name               = "storefront"
  load_balancer_type = "application"
  internal           = false
  subnets            = [aws_subnet.public.id, aws_subnet.public_locked.id]
}

resource "aws_lb_target_group" "storefront" {
  name     = "storefront"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_lb_listener" "http_forward" {
  load_balancer_arn = aws_lb.storefront.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.storefront.arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.storefront.arn
  port              = 8081
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

resource "aws_lb_listener" "https_old_policy" {
  load_balancer_arn = aws_lb.storefront.arn
  port              = 8443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-2016-08"
  certificate_arn   = "arn:aws:acm:eu-west-1:444455556666:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.storefront.arn
  }
}

resource "aws_lb_listener" "https_current_policy" {
  load_balancer_arn = aws_lb.storefront.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "arn:aws:acm:eu-west-1:444455556666:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.storefront.arn
  }
}

resource "aws_cloudfront_distribution" "cdn_loose" {
  enabled = true
  origin {
    domain_name = "origin.example.com"
    origin_id   = "app"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "app"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:444455556666:certificate/1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d"
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1"
  }
}

resource "aws_cloudfront_distribution" "cdn_strict" {
  enabled    = true
  web_acl_id = "arn:aws:wafv2:us-east-1:444455556666:global/webacl/edge/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
  origin {
    domain_name = "origin.example.com"
    origin_id   = "app"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "app"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:444455556666:certificate/1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d"
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_db_instance" "vault_db" {
  identifier                          = "vault-db"
  engine                              = "postgres"
  engine_version                      = "16.3"
  instance_class                      = "db.t4g.medium"
  allocated_storage                   = 20
  username                            = "vault"
  manage_master_user_password         = true
  storage_encrypted                   = true
  deletion_protection                 = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  db_subnet_group_name                = aws_db_subnet_group.private.name
}

resource "aws_secretsmanager_secret" "api_key" {
  name = "api/key"
}

resource "aws_secretsmanager_secret_rotation" "api_key" {
  secret_id           = aws_secretsmanager_secret.api_key.id
  rotation_lambda_arn = aws_lambda_function.traced.arn
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_ecs_service" "public_tasks" {
  name            = "public-tasks"
  cluster         = aws_ecs_cluster.observed.id
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets          = [aws_subnet.public.id]
    security_groups  = [aws_security_group.app_from_bastion.id]
    assign_public_ip = true
  }
}

resource "aws_ecs_service" "private_tasks" {
  name            = "private-tasks"
  cluster         = aws_ecs_cluster.observed.id
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  desired_count   = 1
  network_configuration {
    subnets         = [aws_subnet.private.id]
    security_groups = [aws_security_group.app_from_bastion.id]
  }
}

resource "aws_security_group" "orphan" {
  name   = "orphan"
  vpc_id = aws_vpc.main.id
}

resource "aws_config_configuration_recorder" "partial" {
  name     = "partial"
  role_arn = aws_iam_role.functions.arn
  recording_group {
    all_supported  = false
    resource_types = ["AWS::EC2::Instance"]
  }
}

resource "aws_config_configuration_recorder" "complete" {
  name     = "complete"
  role_arn = aws_iam_role.functions.arn
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}
