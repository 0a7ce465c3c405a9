# Switched: encryption at rest and in transit. Each resource is secure in every respect but its switch's.

resource "aws_api_gateway_domain_name" "apigateway_domain_tls_current" {
  count                    = var.apigateway_domain_tls_current ? 1 : 0
  domain_name              = "api.switchboard.example.org"
  regional_certificate_arn = local.certificate
  security_policy          = "TLS_1_0"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

locals {
  https_origin = {
    http_port              = 80
    https_port             = 443
    origin_protocol_policy = "https-only"
    origin_ssl_protocols   = ["TLSv1.2"]
  }
}

resource "aws_cloudfront_distribution" "cloudfront_origin_https_required" {
  count      = var.cloudfront_origin_https_required ? 1 : 0
  enabled    = true
  aliases    = ["origin.switchboard.example.org"]
  web_acl_id = aws_wafv2_web_acl.edge.arn
  origin {
    domain_name = "app.switchboard.example.org"
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

resource "aws_cloudfront_distribution" "cloudfront_viewer_https_required" {
  count      = var.cloudfront_viewer_https_required ? 1 : 0
  enabled    = true
  aliases    = ["viewer.switchboard.example.org"]
  web_acl_id = aws_wafv2_web_acl.edge.arn
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
    viewer_protocol_policy = "allow-all"
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

resource "aws_cloudfront_distribution" "cloudfront_viewer_tls_current" {
  count      = var.cloudfront_viewer_tls_current ? 1 : 0
  enabled    = true
  aliases    = ["tls.switchboard.example.org"]
  web_acl_id = aws_wafv2_web_acl.edge.arn
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
    minimum_protocol_version = "TLSv1.2_2019"
  }
}

resource "aws_docdb_cluster" "docdb_cluster_storage_encrypted" {
  count                       = var.docdb_cluster_storage_encrypted ? 1 : 0
  cluster_identifier          = "switchboard-docs"
  master_username             = "docs"
  deletion_protection         = true
  manage_master_user_password = true
  db_subnet_group_name        = aws_docdb_subnet_group.private.name
  storage_encrypted           = false
}

# A snapshot is as encrypted as its volume: the plain volume is the second finding of the switch.
resource "aws_ebs_volume" "ebs_snapshot_encrypted" {
  count             = var.ebs_snapshot_encrypted ? 1 : 0
  availability_zone = "eu-west-1a"
  size              = 20
}

resource "aws_ebs_snapshot" "ebs_snapshot_encrypted" {
  count     = var.ebs_snapshot_encrypted ? 1 : 0
  volume_id = aws_ebs_volume.ebs_snapshot_encrypted[0].id
}

resource "aws_ebs_volume" "ebs_volume_encrypted" {
  count             = var.ebs_volume_encrypted ? 1 : 0
  availability_zone = "eu-west-1b"
  size              = 50
  encrypted         = false
}

resource "aws_ami" "ec2_ami_encrypted" {
  count               = var.ec2_ami_encrypted ? 1 : 0
  name                = "plain-image"
  root_device_name    = "/dev/xvda"
  virtualization_type = "hvm"
  ebs_block_device {
    device_name = "/dev/xvda"
    volume_size = 20
  }
}

resource "aws_efs_file_system" "efs_file_system_encrypted" {
  count          = var.efs_file_system_encrypted ? 1 : 0
  creation_token = "switchboard-plain"
}

resource "aws_eks_cluster" "eks_secrets_encrypted_with_kms" {
  count                     = var.eks_secrets_encrypted_with_kms ? 1 : 0
  name                      = "plain-secrets"
  role_arn                  = "arn:aws:iam::123456789012:role/eks"
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  vpc_config {
    subnet_ids              = module.network.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "aws_elasticache_replication_group" "elasticache_replication_group_encrypted_at_rest" {
  count                      = var.elasticache_replication_group_encrypted_at_rest ? 1 : 0
  replication_group_id       = "plain-at-rest"
  description                = "sessions"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  subnet_group_name          = aws_elasticache_subnet_group.private.name
  transit_encryption_enabled = true
  at_rest_encryption_enabled = false
}

resource "aws_elasticache_replication_group" "elasticache_transit_encryption_enabled" {
  count                      = var.elasticache_transit_encryption_enabled ? 1 : 0
  replication_group_id       = "plain-in-transit"
  description                = "sessions"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  subnet_group_name          = aws_elasticache_subnet_group.private.name
  at_rest_encryption_enabled = true
}

resource "aws_elb" "elb_public_listener_tls" {
  count              = var.elb_public_listener_tls ? 1 : 0
  name               = "plain-classic"
  availability_zones = local.zones
  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = 8080
    instance_protocol = "http"
  }
}

resource "aws_kinesis_firehose_delivery_stream" "firehose_delivery_stream_encrypted" {
  count       = var.firehose_delivery_stream_encrypted ? 1 : 0
  name        = "plain-delivery"
  destination = "extended_s3"
  extended_s3_configuration {
    role_arn   = "arn:aws:iam::123456789012:role/firehose"
    bucket_arn = aws_s3_bucket.access_logs.arn
  }
}

resource "aws_kinesis_stream" "kinesis_stream_encrypted" {
  count       = var.kinesis_stream_encrypted ? 1 : 0
  name        = "plain-stream"
  shard_count = 1
}

resource "aws_sqs_queue" "kms_classified_data_uses_customer_key" {
  count = var.kms_classified_data_uses_customer_key ? 1 : 0
  name  = "payroll"
  tags  = { "data-classification" = "confidential" }
}

resource "aws_kms_key" "kms_deletion_window_in_range" {
  count                   = var.kms_deletion_window_in_range ? 1 : 0
  description             = "too short a window"
  enable_key_rotation     = true
  deletion_window_in_days = 5
}

resource "aws_kms_key" "kms_key_rotation_enabled" {
  count               = var.kms_key_rotation_enabled ? 1 : 0
  description         = "never rotated"
  enable_key_rotation = false
}

resource "aws_lb_listener" "lb_http_redirects_to_https" {
  count             = var.lb_http_redirects_to_https ? 1 : 0
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "lb_tls_policy_current" {
  count             = var.lb_tls_policy_current ? 1 : 0
  load_balancer_arn = aws_lb.web.arn
  port              = 8443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS-1-1-2017-01"
  certificate_arn   = local.certificate
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_msk_cluster" "msk_transit_encryption_enabled" {
  count                  = var.msk_transit_encryption_enabled ? 1 : 0
  cluster_name           = "plain-kafka"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2
  broker_node_group_info {
    instance_type   = "kafka.m5.large"
    client_subnets  = module.network.private_subnet_ids
    security_groups = [aws_security_group.app.id]
  }
  encryption_info {
    encryption_in_transit {
      client_broker = "PLAINTEXT"
    }
  }
}

resource "aws_neptune_cluster" "neptune_cluster_storage_encrypted" {
  count                     = var.neptune_cluster_storage_encrypted ? 1 : 0
  cluster_identifier        = "plain-graph"
  neptune_subnet_group_name = aws_neptune_subnet_group.private.name
  storage_encrypted         = false
}

locals {
  search_vpc = {
    subnet_ids         = [module.network.private_subnet_ids[0]]
    security_group_ids = [aws_security_group.app.id]
  }
}

resource "aws_opensearch_domain" "opensearch_domain_encrypted_at_rest" {
  count       = var.opensearch_domain_encrypted_at_rest ? 1 : 0
  domain_name = "plain-at-rest"
  vpc_options {
    subnet_ids         = local.search_vpc.subnet_ids
    security_group_ids = local.search_vpc.security_group_ids
  }
  encrypt_at_rest {
    enabled = false
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
}

resource "aws_opensearch_domain" "opensearch_domain_enforces_https_tls12" {
  count       = var.opensearch_domain_enforces_https_tls12 ? 1 : 0
  domain_name = "old-tls"
  vpc_options {
    subnet_ids         = local.search_vpc.subnet_ids
    security_group_ids = local.search_vpc.security_group_ids
  }
  encrypt_at_rest {
    enabled = true
  }
  node_to_node_encryption {
    enabled = true
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-0-2019-07"
  }
}

resource "aws_opensearch_domain" "opensearch_node_to_node_encryption_enabled" {
  count       = var.opensearch_node_to_node_encryption_enabled ? 1 : 0
  domain_name = "plain-nodes"
  vpc_options {
    subnet_ids         = local.search_vpc.subnet_ids
    security_group_ids = local.search_vpc.security_group_ids
  }
  encrypt_at_rest {
    enabled = true
  }
  node_to_node_encryption {
    enabled = false
  }
  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
}

# MySQL's default parameter group leaves require_secure_transport off (PostgreSQL 15 and later force SSL
# in theirs).
resource "aws_db_instance" "rds_requires_tls" {
  count                               = var.rds_requires_tls ? 1 : 0
  identifier                          = "default-parameters"
  engine                              = "mysql"
  engine_version                      = "8.0.39"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["error", "general", "slowquery"]
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  db_subnet_group_name                = aws_db_subnet_group.private.name
}

resource "aws_db_instance" "rds_storage_encrypted" {
  count                               = var.rds_storage_encrypted ? 1 : 0
  identifier                          = "plain-storage"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.rds_log_exports
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.private.name
  storage_encrypted                   = false
}

resource "aws_redshift_cluster" "redshift_cluster_encrypted" {
  count                  = var.redshift_cluster_encrypted ? 1 : 0
  publicly_accessible    = false
  cluster_identifier     = "plain-warehouse"
  node_type              = "ra3.xlplus"
  master_username        = "warehouse"
  manage_master_password = true
  logging {
    enable               = true
    log_destination_type = "cloudwatch"
    log_exports          = ["connectionlog", "useractivitylog", "userlog"]
  }
  cluster_subnet_group_name    = aws_redshift_subnet_group.private.name
  cluster_parameter_group_name = aws_redshift_parameter_group.tls.name
  encrypted                    = false
}

resource "aws_redshift_cluster" "redshift_cluster_requires_ssl" {
  count                  = var.redshift_cluster_requires_ssl ? 1 : 0
  publicly_accessible    = false
  cluster_identifier     = "plain-connections"
  node_type              = "ra3.xlplus"
  master_username        = "warehouse"
  manage_master_password = true
  logging {
    enable               = true
    log_destination_type = "cloudwatch"
    log_exports          = ["connectionlog", "useractivitylog", "userlog"]
  }
  cluster_subnet_group_name = aws_redshift_subnet_group.private.name
  encrypted                 = true
  kms_key_id                = aws_kms_key.main.arn
}

module "s3_bucket_requires_tls" {
  count           = var.s3_bucket_requires_tls ? 1 : 0
  source          = "./modules/bucket"
  log_bucket      = aws_s3_bucket.access_logs.id
  name            = "switchboard-plain-http"
  kms_key_arn     = aws_kms_key.main.arn
  deny_plain_http = false
}

resource "aws_sns_topic" "sns_topic_encrypted" {
  count = var.sns_topic_encrypted ? 1 : 0
  name  = "plain-topic"
}

resource "aws_sqs_queue" "sqs_queue_encrypted" {
  count                   = var.sqs_queue_encrypted ? 1 : 0
  name                    = "plain-queue"
  sqs_managed_sse_enabled = false
}

resource "aws_db_instance" "rds_iam_authentication_enabled" {
  count                           = var.rds_iam_authentication_enabled ? 1 : 0
  identifier                      = "passwords-only"
  engine                          = "postgres"
  engine_version                  = "16.4"
  instance_class                  = "db.t4g.micro"
  allocated_storage               = 20
  username                        = "app"
  deletion_protection             = true
  manage_master_user_password     = true
  enabled_cloudwatch_logs_exports = local.rds_log_exports
  storage_encrypted               = true
  kms_key_id                      = aws_kms_key.main.arn
  parameter_group_name            = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name            = aws_db_subnet_group.private.name
}

resource "aws_dynamodb_table" "dynamodb_point_in_time_recovery_enabled" {
  count                       = var.dynamodb_point_in_time_recovery_enabled ? 1 : 0
  deletion_protection_enabled = true
  name                        = "unrecoverable"
  hash_key                    = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

module "s3_bucket_versioning_enabled" {
  count       = var.s3_bucket_versioning_enabled ? 1 : 0
  source      = "./modules/bucket"
  name        = "switchboard-unversioned"
  kms_key_arn = aws_kms_key.main.arn
  log_bucket  = aws_s3_bucket.access_logs.id
  versioning  = false
}

resource "random_password" "ssm_secret_parameter_is_securestring" {
  count  = var.ssm_secret_parameter_is_securestring ? 1 : 0
  length = 32
}

resource "aws_ssm_parameter" "ssm_secret_parameter_is_securestring" {
  count = var.ssm_secret_parameter_is_securestring ? 1 : 0
  name  = "/switchboard/api/password"
  type  = "String"
  value = random_password.ssm_secret_parameter_is_securestring[0].result
}

resource "aws_secretsmanager_secret" "secretsmanager_secret_rotation_enabled" {
  count      = var.secretsmanager_secret_rotation_enabled ? 1 : 0
  name       = "never-rotated"
  kms_key_id = aws_kms_key.main.arn
}

resource "aws_dms_endpoint" "dms_endpoint_uses_ssl" {
  count                           = var.dms_endpoint_uses_ssl ? 1 : 0
  endpoint_id                     = "plain-source"
  endpoint_type                   = "source"
  engine_name                     = "postgres"
  ssl_mode                        = "none"
  secrets_manager_arn             = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms-source-AbCdEf"
  secrets_manager_access_role_arn = "arn:aws:iam::123456789012:role/dms-secrets"
}

resource "aws_dynamodb_table" "dynamodb_deletion_protection_enabled" {
  count    = var.dynamodb_deletion_protection_enabled ? 1 : 0
  name     = "deletable"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_db_instance" "rds_deletion_protection_enabled" {
  count                               = var.rds_deletion_protection_enabled ? 1 : 0
  identifier                          = "deletable"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = local.rds_log_exports
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.private.name
}
