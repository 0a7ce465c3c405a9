# Switched: trails, logs, detectors and recorders. The trails deliver to the baseline's bucket and log
# group (whose CIS metric filters and alarms they share) unless their switch is about those.

resource "aws_cloudtrail" "cloudtrail_cloudwatch_logs_delivery" {
  count                      = var.cloudtrail_cloudwatch_logs_delivery ? 1 : 0
  name                       = "s3-only"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
}

resource "aws_cloudtrail" "cloudtrail_kms_encryption_enabled" {
  count                      = var.cloudtrail_kms_encryption_enabled ? 1 : 0
  name                       = "no-key"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_cloudtrail" "cloudtrail_log_file_validation_enabled" {
  count                      = var.cloudtrail_log_file_validation_enabled ? 1 : 0
  name                       = "unvalidated"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = false
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_cloudtrail" "cloudtrail_management_events_recorded" {
  count                      = var.cloudtrail_management_events_recorded ? 1 : 0
  name                       = "write-only"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
  event_selector {
    read_write_type           = "WriteOnly"
    include_management_events = true
  }
}

resource "aws_cloudtrail" "cloudtrail_multi_region_enabled" {
  count                      = var.cloudtrail_multi_region_enabled ? 1 : 0
  name                       = "one-region"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = false
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_cloudwatch_log_group" "cloudwatch_cis_metric_filters_and_alarms" {
  count             = var.cloudwatch_cis_metric_filters_and_alarms ? 1 : 0
  name              = "unwatched-trail"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudtrail" "cloudwatch_cis_metric_filters_and_alarms" {
  count                      = var.cloudwatch_cis_metric_filters_and_alarms ? 1 : 0
  name                       = "unwatched"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.cloudwatch_cis_metric_filters_and_alarms[0].arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_cloudwatch_log_group" "cloudwatch_log_group_retention_at_least_a_year" {
  count             = var.cloudwatch_log_group_retention_at_least_a_year ? 1 : 0
  name              = "two-weeks"
  retention_in_days = 14
  kms_key_id        = aws_kms_key.main.arn
}

# A trail bucket of its own for each bucket switch: the trail must name it directly (see baseline.tf).
resource "aws_s3_bucket" "cloudtrail_bucket_access_logging_enabled" {
  count               = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  bucket              = "switchboard-trail-unlogged"
  object_lock_enabled = true
}

resource "aws_s3_bucket" "cloudtrail_bucket_object_lock_enabled" {
  count  = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket = "switchboard-trail-unlocked"
}

resource "aws_s3_bucket_logging" "cloudtrail_bucket_object_lock_enabled" {
  count         = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket        = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "trail-unlocked/"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "cloudtrail_bucket_access_logging_enabled" {
  count  = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
  }
}

resource "aws_s3_bucket_versioning" "cloudtrail_bucket_access_logging_enabled" {
  count  = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "cloudtrail_bucket_access_logging_enabled" {
  count                   = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  bucket                  = aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "cloudtrail_bucket_access_logging_enabled" {
  count  = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].arn, "${aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_server_side_encryption_configuration" "cloudtrail_bucket_object_lock_enabled" {
  count  = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
  }
}

resource "aws_s3_bucket_versioning" "cloudtrail_bucket_object_lock_enabled" {
  count  = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "cloudtrail_bucket_object_lock_enabled" {
  count                   = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket                  = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "cloudtrail_bucket_object_lock_enabled" {
  count  = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  bucket = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].arn, "${aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_cloudtrail" "cloudtrail_bucket_access_logging_enabled" {
  count                      = var.cloudtrail_bucket_access_logging_enabled ? 1 : 0
  name                       = "to-unlogged-bucket"
  s3_bucket_name             = aws_s3_bucket.cloudtrail_bucket_access_logging_enabled[0].id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_cloudtrail" "cloudtrail_bucket_object_lock_enabled" {
  count                      = var.cloudtrail_bucket_object_lock_enabled ? 1 : 0
  name                       = "to-unlocked-bucket"
  s3_bucket_name             = aws_s3_bucket.cloudtrail_bucket_object_lock_enabled[0].id
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.main.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn  = local.trail_logs_role
}

resource "aws_config_configuration_recorder" "config_recorder_enabled" {
  count    = var.config_recorder_enabled ? 1 : 0
  name     = "stopped"
  role_arn = "arn:aws:iam::123456789012:role/config-recorder"
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}

resource "aws_config_configuration_recorder_status" "config_recorder_enabled" {
  count      = var.config_recorder_enabled ? 1 : 0
  name       = aws_config_configuration_recorder.config_recorder_enabled[0].name
  is_enabled = false
}

resource "aws_config_configuration_recorder" "config_recorder_records_all_resources" {
  count    = var.config_recorder_records_all_resources ? 1 : 0
  name     = "some-types"
  role_arn = "arn:aws:iam::123456789012:role/config-recorder"
  recording_group {
    all_supported  = false
    resource_types = ["AWS::EC2::Instance"]
  }
}

resource "aws_config_configuration_recorder_status" "config_recorder_records_all_resources" {
  count      = var.config_recorder_records_all_resources ? 1 : 0
  name       = aws_config_configuration_recorder.config_recorder_records_all_resources[0].name
  is_enabled = true
}

resource "aws_eks_cluster" "eks_control_plane_logging_enabled" {
  count    = var.eks_control_plane_logging_enabled ? 1 : 0
  name     = "unaudited"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids              = module.network.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.main.arn
    }
  }
}

resource "aws_guardduty_detector" "guardduty_detector_enabled" {
  count  = var.guardduty_detector_enabled ? 1 : 0
  enable = false
}

resource "aws_guardduty_detector" "guardduty_protection_plans_enabled" {
  count  = var.guardduty_protection_plans_enabled ? 1 : 0
  enable = true
}

resource "aws_guardduty_detector_feature" "guardduty_protection_plans_enabled" {
  count       = var.guardduty_protection_plans_enabled ? 1 : 0
  detector_id = aws_guardduty_detector.guardduty_protection_plans_enabled[0].id
  name        = "S3_DATA_EVENTS"
  status      = "DISABLED"
}

resource "aws_securityhub_account" "securityhub_standards_subscribed" {
  count                    = var.securityhub_standards_subscribed ? 1 : 0
  enable_default_standards = false
}

resource "aws_api_gateway_rest_api" "apigateway_stage_access_logging_enabled" {
  count = var.apigateway_stage_access_logging_enabled ? 1 : 0
  name  = "unlogged-api"
}

resource "aws_api_gateway_stage" "apigateway_stage_access_logging_enabled" {
  count         = var.apigateway_stage_access_logging_enabled ? 1 : 0
  rest_api_id   = aws_api_gateway_rest_api.apigateway_stage_access_logging_enabled[0].id
  deployment_id = "d3pl0y"
  stage_name    = "prod"
}

resource "aws_wafv2_web_acl_association" "apigateway_stage_access_logging_enabled" {
  count        = var.apigateway_stage_access_logging_enabled ? 1 : 0
  resource_arn = aws_api_gateway_stage.apigateway_stage_access_logging_enabled[0].arn
  web_acl_arn  = aws_wafv2_web_acl.regional.arn
}

resource "aws_ecs_cluster" "ecs_cluster_container_insights_enabled" {
  count = var.ecs_cluster_container_insights_enabled ? 1 : 0
  name  = "no-insights"
}

resource "aws_lambda_function" "lambda_tracing_active" {
  count         = var.lambda_tracing_active ? 1 : 0
  function_name = "untraced"
  role          = aws_iam_role.function.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "untraced.zip"
}

resource "aws_db_instance" "rds_log_exports_enabled" {
  count                               = var.rds_log_exports_enabled ? 1 : 0
  identifier                          = "unpublished-logs"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.micro"
  allocated_storage                   = 20
  username                            = "app"
  deletion_protection                 = true
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  parameter_group_name                = aws_db_parameter_group.postgres_tls.name
  db_subnet_group_name                = aws_db_subnet_group.private.name
}

resource "aws_redshift_cluster" "redshift_audit_logging_enabled" {
  count                        = var.redshift_audit_logging_enabled ? 1 : 0
  publicly_accessible          = false
  cluster_identifier           = "unaudited-warehouse"
  node_type                    = "ra3.xlplus"
  master_username              = "warehouse"
  manage_master_password       = true
  cluster_subnet_group_name    = aws_redshift_subnet_group.private.name
  cluster_parameter_group_name = aws_redshift_parameter_group.tls.name
  encrypted                    = true
  kms_key_id                   = aws_kms_key.main.arn
}

module "s3_bucket_access_logging_enabled" {
  count          = var.s3_bucket_access_logging_enabled ? 1 : 0
  source         = "./modules/bucket"
  name           = "switchboard-unlogged"
  kms_key_arn    = aws_kms_key.main.arn
  access_logging = false
}

resource "random_password" "mq_broker_audit_logging_enabled" {
  count  = var.mq_broker_audit_logging_enabled ? 1 : 0
  length = 24
}

resource "aws_mq_broker" "mq_broker_audit_logging_enabled" {
  count              = var.mq_broker_audit_logging_enabled ? 1 : 0
  broker_name        = "unaudited-broker"
  engine_type        = "ActiveMQ"
  engine_version     = "5.18"
  host_instance_type = "mq.t3.micro"
  subnet_ids         = [module.network.private_subnet_ids[0]]
  security_groups    = [aws_security_group.app.id]
  user {
    username = "app"
    password = random_password.mq_broker_audit_logging_enabled[0].result
  }
  logs {
    general = true
    audit   = false
  }
}
