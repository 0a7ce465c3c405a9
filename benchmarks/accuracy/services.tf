# Identity, network, monitoring and secrets controls of managed services: each weak resource has a
# secured twin (labels.yaml).

resource "aws_iam_account_password_policy" "weak" {
  minimum_password_length   = 8
  password_reuse_prevention = 3
}

resource "aws_iam_account_password_policy" "strong" {
  minimum_password_length   = 14
  password_reuse_prevention = 24
  require_symbols           = true
  require_numbers           = true
}

resource "aws_sqs_queue" "public_inbox" {
  name = "public-inbox"
}

resource "aws_sqs_queue_policy" "public_inbox" {
  queue_url = aws_sqs_queue.public_inbox.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.public_inbox.arn
    }]
  })
}

resource "aws_sqs_queue" "topic_inbox" {
  name = "topic-inbox"
}

# "*" with a fixed aws:SourceArn: only the named topic can send.
resource "aws_sqs_queue_policy" "topic_inbox" {
  queue_url = aws_sqs_queue.topic_inbox.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.topic_inbox.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.sealed_alerts.arn } }
    }]
  })
}

resource "aws_sns_topic" "open_topic" {
  name = "open-topic"
}

resource "aws_sns_topic_policy" "open_topic" {
  arn = aws_sns_topic.open_topic.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["sns:Publish", "sns:Subscribe"]
      Resource  = aws_sns_topic.open_topic.arn
    }]
  })
}

resource "aws_sns_topic_policy" "sealed_alerts" {
  arn = aws_sns_topic.sealed_alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.sealed_alerts.arn
    }]
  })
}

resource "aws_api_gateway_rest_api" "shop" {
  name = "shop"
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.shop.id
  parent_id   = aws_api_gateway_rest_api.shop.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_method" "orders_anonymous" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_method" "orders_signed" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "GET"
  authorization = "AWS_IAM"
}

resource "aws_cognito_user_pool" "customers_nomfa" {
  name = "customers-nomfa"
  # mfa_configuration defaults to OFF.
}

resource "aws_cognito_user_pool" "staff_mfa" {
  name              = "staff-mfa"
  mfa_configuration = "ON"
  software_token_mfa_configuration {
    enabled = true
  }
}

resource "aws_mq_broker" "queue_public" {
  broker_name         = "queue-public"
  engine_type         = "ActiveMQ"
  engine_version      = "5.18"
  host_instance_type  = "mq.t3.micro"
  publicly_accessible = true
  user {
    username = "app"
    password = var.worker_db_password
  }
}

resource "aws_mq_broker" "queue_private" {
  broker_name         = "queue-private"
  engine_type         = "ActiveMQ"
  engine_version      = "5.18"
  host_instance_type  = "mq.t3.micro"
  publicly_accessible = false
  subnet_ids          = [aws_subnet.private.id]
  security_groups     = [aws_security_group.app_from_bastion.id]
  logs {
    audit   = true
    general = true
  }
  user {
    username = "app"
    password = var.worker_db_password
  }
}

resource "aws_dms_replication_instance" "migrate_public" {
  replication_instance_id    = "migrate-public"
  replication_instance_class = "dms.t3.micro"
  publicly_accessible        = true
}

resource "aws_dms_replication_instance" "migrate_private" {
  replication_instance_id    = "migrate-private"
  replication_instance_class = "dms.t3.micro"
  publicly_accessible        = false
}

resource "aws_cloudwatch_log_group" "short_lived" {
  name              = "/app/short-lived"
  retention_in_days = 30
}

# No retention_in_days: CloudWatch keeps the events forever.
resource "aws_cloudwatch_log_group" "kept_forever" {
  name = "/app/kept-forever"
}

resource "aws_cloudwatch_log_group" "kept_two_years" {
  name              = "/app/kept-two-years"
  retention_in_days = 731
  kms_key_id        = aws_kms_key.rotated.arn
}

resource "aws_guardduty_detector" "paused" {
  enable = false
}

resource "aws_guardduty_detector" "watching" {
  enable = true
}

resource "aws_ecs_cluster" "dark" {
  name = "dark"
}

resource "aws_ecs_cluster" "observed" {
  name = "observed"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_api_gateway_stage" "shop_silent" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  deployment_id = "abc123"
  stage_name    = "silent"
}

resource "aws_api_gateway_stage" "shop_logged" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  deployment_id = "abc123"
  stage_name    = "logged"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.kept_two_years.arn
    format          = "$context.requestId $context.identity.sourceIp $context.status"
  }
}

resource "aws_ssm_parameter" "db_password_plain" {
  name  = "/app/db_password"
  type  = "String"
  value = var.worker_db_password
}

resource "aws_ssm_parameter" "db_password_secure" {
  name  = "/app/db_password_secure"
  type  = "SecureString"
  value = var.worker_db_password
}

resource "aws_ssm_parameter" "app_region" {
  name  = "/app/region"
  type  = "String"
  value = "eu-west-1"
}

resource "aws_ecs_task_definition" "env_secret" {
  family = "env-secret"
  container_definitions = jsonencode([{
    name   = "worker"
    image  = "public.ecr.aws/example/worker:3.1"
    memory = 256
    environment = [
      { name = "DB_PASSWORD", value = var.worker_db_password },
      { name = "LOG_LEVEL", value = "info" },
    ]
  }])
}
