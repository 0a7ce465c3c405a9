# Encryption at rest and in transit: each weak resource has a secured twin (labels.yaml, pillar encryption).

resource "aws_sns_topic" "plain_alerts" {
  name = "plain-alerts"
}

resource "aws_sns_topic" "sealed_alerts" {
  name              = "sealed-alerts"
  kms_master_key_id = aws_kms_key.rotated.arn
}

# Since late 2022 SQS encrypts new queues with SSE-SQS unless told not to; only the explicit opt-out is
# unencrypted.
resource "aws_sqs_queue" "sse_off" {
  name                    = "sse-off"
  sqs_managed_sse_enabled = false
}

resource "aws_sqs_queue" "sse_default" {
  name = "sse-default"
}

resource "aws_kinesis_stream" "clicks_plain" {
  name        = "clicks-plain"
  shard_count = 1
}

resource "aws_kinesis_stream" "clicks_sealed" {
  name            = "clicks-sealed"
  shard_count     = 1
  encryption_type = "KMS"
  kms_key_id      = "alias/aws/kinesis"
}

resource "aws_efs_file_system" "scratch" {
  creation_token = "scratch"
}

resource "aws_efs_file_system" "home" {
  creation_token = "home"
  encrypted      = true
  kms_key_id     = aws_kms_key.rotated.arn
}

resource "aws_docdb_cluster" "catalog_plain" {
  cluster_identifier  = "catalog-plain"
  master_username     = "catalog"
  manage_master_user_password = true
  skip_final_snapshot = true
}

resource "aws_docdb_cluster" "catalog_sealed" {
  cluster_identifier          = "catalog-sealed"
  master_username             = "catalog"
  manage_master_user_password = true
  storage_encrypted           = true
  kms_key_id                  = aws_kms_key.rotated.arn
  skip_final_snapshot         = true
}

resource "aws_neptune_cluster" "graph_plain" {
  cluster_identifier  = "graph-plain"
  skip_final_snapshot = true
}

resource "aws_neptune_cluster" "graph_sealed" {
  cluster_identifier  = "graph-sealed"
  storage_encrypted   = true
  kms_key_arn         = aws_kms_key.rotated.arn
  skip_final_snapshot = true
}

resource "aws_redshift_parameter_group" "ssl_optional" {
  name   = "ssl-optional"
  family = "redshift-1.0"
  parameter {
    name  = "require_ssl"
    value = "false"
  }
}

resource "aws_redshift_parameter_group" "ssl_required" {
  name   = "ssl-required"
  family = "redshift-1.0"
  parameter {
    name  = "require_ssl"
    value = "true"
  }
}

resource "aws_redshift_cluster" "warehouse_weak" {
  cluster_identifier           = "warehouse-weak"
  node_type                    = "ra3.xlplus"
  master_username              = "warehouse"
  manage_master_password       = true
  encrypted                    = false
  publicly_accessible          = true
  cluster_parameter_group_name = aws_redshift_parameter_group.ssl_optional.name
  skip_final_snapshot          = true
}

resource "aws_redshift_cluster" "warehouse_strong" {
  cluster_identifier           = "warehouse-strong"
  node_type                    = "ra3.xlplus"
  master_username              = "warehouse"
  manage_master_password       = true
  encrypted                    = true
  kms_key_id                   = aws_kms_key.rotated.arn
  publicly_accessible          = false
  cluster_parameter_group_name = aws_redshift_parameter_group.ssl_required.name
  skip_final_snapshot          = true
}

resource "aws_redshift_logging" "warehouse_strong" {
  cluster_identifier   = aws_redshift_cluster.warehouse_strong.id
  log_destination_type = "cloudwatch"
  log_exports          = ["connectionlog", "userlog", "useractivitylog"]
}

resource "aws_elasticache_replication_group" "sessions_plain" {
  replication_group_id       = "sessions-plain"
  description                = "sessions without encryption"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  at_rest_encryption_enabled = false
  transit_encryption_enabled = false
}

resource "aws_elasticache_replication_group" "sessions_sealed" {
  replication_group_id       = "sessions-sealed"
  description                = "sessions encrypted at rest and in transit"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.rotated.arn
  transit_encryption_enabled = true
}

resource "aws_dynamodb_table" "carts_fragile" {
  name         = "carts-fragile"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_dynamodb_table" "carts_durable" {
  name                        = "carts-durable"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = true
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.rotated.arn
  }
}

resource "aws_opensearch_domain" "search_open" {
  domain_name    = "search-open"
  engine_version = "OpenSearch_2.11"
  encrypt_at_rest {
    enabled = false
  }
  node_to_node_encryption {
    enabled = false
  }
  domain_endpoint_options {
    enforce_https       = false
    tls_security_policy = "Policy-Min-TLS-1-0-2019-07"
  }
}

resource "aws_opensearch_domain" "search_closed" {
  domain_name    = "search-closed"
  engine_version = "OpenSearch_2.11"
  encrypt_at_rest {
    enabled    = true
    kms_key_id = aws_kms_key.rotated.arn
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
  vpc_options {
    subnet_ids         = [aws_subnet.private.id]
    security_group_ids = [aws_security_group.app_from_bastion.id]
  }
}

resource "aws_ebs_volume" "scratch_plain" {
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = false
}

resource "aws_ebs_volume" "scratch_sealed" {
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = true
  kms_key_id        = aws_kms_key.rotated.arn
}

resource "aws_eks_cluster" "cluster_open" {
  name     = "cluster-open"
  role_arn = aws_iam_role.functions.arn
  vpc_config {
    subnet_ids = [aws_subnet.private.id, aws_subnet.private_b.id]
    # endpoint_public_access defaults to true and public_access_cidrs to 0.0.0.0/0.
  }
}

resource "aws_eks_cluster" "cluster_closed" {
  name                      = "cluster-closed"
  role_arn                  = aws_iam_role.functions.arn
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  vpc_config {
    subnet_ids              = [aws_subnet.private.id, aws_subnet.private_b.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.rotated.arn
    }
  }
}

resource "aws_s3_bucket" "archive" {
  bucket = "ringfence-accuracy-archive"
}

resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "archive" {
  bucket        = aws_s3_bucket.archive.id
  target_bucket = aws_s3_bucket.reports.id
  target_prefix = "archive/"
}

resource "aws_s3_bucket_policy" "archive_tls" {
  bucket = aws_s3_bucket.archive.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.archive.arn, "${aws_s3_bucket.archive.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
