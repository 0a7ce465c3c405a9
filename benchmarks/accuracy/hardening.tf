# A third set of weak resources with their secured twins (labels.yaml).

resource "aws_instance" "imds_v2_only" {
  ami                    = "ami-0a1b2c3d4e5f60718"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private.id
  vpc_security_group_ids = [aws_security_group.app_from_bastion.id]
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
  root_block_device {
    encrypted = true
  }
}

resource "aws_s3_bucket" "acl_public" {
  bucket = "ringfence-accuracy-acl-public"
}

# New buckets disable ACLs (BucketOwnerEnforced) and block public ACLs: a public ACL needs both undone.
resource "aws_s3_bucket_ownership_controls" "acl_public" {
  bucket = aws_s3_bucket.acl_public.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_public_access_block" "acl_public" {
  bucket                  = aws_s3_bucket.acl_public.id
  block_public_acls       = false
  ignore_public_acls      = false
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_acl" "acl_public" {
  depends_on = [aws_s3_bucket_ownership_controls.acl_public, aws_s3_bucket_public_access_block.acl_public]
  bucket     = aws_s3_bucket.acl_public.id
  acl        = "public-read"
}

resource "aws_s3_bucket" "acl_private" {
  bucket = "ringfence-accuracy-acl-private"
}

resource "aws_s3_bucket_acl" "acl_private" {
  bucket = aws_s3_bucket.acl_private.id
  acl    = "private"
}

resource "aws_secretsmanager_secret" "shared_openly" {
  name = "partner/shared-openly"
}

resource "aws_secretsmanager_secret_policy" "shared_openly" {
  secret_arn = aws_secretsmanager_secret.shared_openly.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}

resource "aws_secretsmanager_secret" "shared_with_role" {
  name = "partner/shared-with-role"
}

resource "aws_secretsmanager_secret_policy" "shared_with_role" {
  secret_arn = aws_secretsmanager_secret.shared_with_role.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.functions.arn }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}

resource "aws_lambda_permission" "anyone_invokes" {
  statement_id  = "AnyoneInvokes"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.old_runtime.function_name
  principal     = "*"
}

resource "aws_lambda_permission" "bucket_invokes" {
  statement_id   = "BucketInvokes"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.traced.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.archive.arn
  source_account = "444455556666"
}

resource "aws_glacier_vault" "cold_open" {
  name = "cold-open"
  access_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["glacier:InitiateJob", "glacier:GetJobOutput"]
      Resource  = "arn:aws:glacier:eu-west-1:444455556666:vaults/cold-open"
    }]
  })
}

resource "aws_glacier_vault" "cold_closed" {
  name = "cold-closed"
  access_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = ["glacier:InitiateJob", "glacier:GetJobOutput"]
      Resource  = "arn:aws:glacier:eu-west-1:444455556666:vaults/cold-closed"
    }]
  })
}

resource "aws_api_gateway_domain_name" "api_tls10" {
  domain_name              = "legacy-api.example.com"
  regional_certificate_arn = "arn:aws:acm:eu-west-1:444455556666:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  security_policy          = "TLS_1_0"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_domain_name" "api_tls12" {
  domain_name              = "api.example.com"
  regional_certificate_arn = "arn:aws:acm:eu-west-1:444455556666:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  security_policy          = "TLS_1_2"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_dms_endpoint" "source_plain" {
  endpoint_id   = "source-plain"
  endpoint_type = "source"
  engine_name   = "postgres"
  server_name   = "db.internal.example.com"
  port          = 5432
  database_name = "orders"
  username      = "dms"
  password      = var.worker_db_password
}

resource "aws_dms_endpoint" "source_tls" {
  endpoint_id   = "source-tls"
  endpoint_type = "source"
  engine_name   = "postgres"
  server_name   = "db.internal.example.com"
  port          = 5432
  database_name = "orders"
  username      = "dms"
  password      = var.worker_db_password
  ssl_mode      = "require"
}

resource "aws_lb" "checkout" {
  name               = "checkout"
  load_balancer_type = "application"
  internal           = false
  subnets            = [aws_subnet.public.id, aws_subnet.public_locked.id]
}

resource "aws_wafv2_web_acl" "regional" {
  name  = "regional"
  scope = "REGIONAL"
  default_action {
    allow {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "regional"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "checkout" {
  resource_arn = aws_lb.checkout.arn
  web_acl_arn  = aws_wafv2_web_acl.regional.arn
}

resource "aws_vpc_endpoint" "s3_open" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  # No policy: the endpoint's default policy allows every action on every resource.
}

resource "aws_vpc_endpoint" "dynamodb_scoped" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
      Resource  = aws_dynamodb_table.carts_durable.arn
    }]
  })
}
