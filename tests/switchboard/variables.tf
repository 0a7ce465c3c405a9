# One switch per misconfiguration, named for the rule it trips (the rule id with . and - as _).
# All off by default; switches_on.tfvars turns every one on.

variable "apigateway_domain_tls_current" {
  type    = bool
  default = false
}

variable "apigateway_method_requires_authorization" {
  type    = bool
  default = false
}

variable "apigateway_stage_access_logging_enabled" {
  type    = bool
  default = false
}

variable "backup_vault_policy_not_public" {
  type    = bool
  default = false
}

variable "cloudfront_origin_https_required" {
  type    = bool
  default = false
}

variable "cloudfront_viewer_https_required" {
  type    = bool
  default = false
}

variable "cloudfront_viewer_tls_current" {
  type    = bool
  default = false
}

variable "cloudtrail_bucket_access_logging_enabled" {
  type    = bool
  default = false
}

variable "cloudtrail_bucket_object_lock_enabled" {
  type    = bool
  default = false
}

variable "cloudtrail_cloudwatch_logs_delivery" {
  type    = bool
  default = false
}

variable "cloudtrail_kms_encryption_enabled" {
  type    = bool
  default = false
}

variable "cloudtrail_log_file_validation_enabled" {
  type    = bool
  default = false
}

variable "cloudtrail_management_events_recorded" {
  type    = bool
  default = false
}

variable "cloudtrail_multi_region_enabled" {
  type    = bool
  default = false
}

variable "cloudwatch_cis_metric_filters_and_alarms" {
  type    = bool
  default = false
}

variable "cloudwatch_log_group_retention_at_least_a_year" {
  type    = bool
  default = false
}

variable "codebuild_no_plaintext_credentials_in_environment" {
  type    = bool
  default = false
}

variable "codebuild_project_not_privileged" {
  type    = bool
  default = false
}

variable "cognito_user_pool_mfa_required" {
  type    = bool
  default = false
}

variable "cognito_user_pool_threat_protection_enforced" {
  type    = bool
  default = false
}

variable "config_recorder_enabled" {
  type    = bool
  default = false
}

variable "config_recorder_records_all_resources" {
  type    = bool
  default = false
}

variable "dms_endpoint_uses_ssl" {
  type    = bool
  default = false
}

variable "dms_replication_instance_not_public" {
  type    = bool
  default = false
}

variable "docdb_cluster_storage_encrypted" {
  type    = bool
  default = false
}

variable "dynamodb_deletion_protection_enabled" {
  type    = bool
  default = false
}

variable "dynamodb_point_in_time_recovery_enabled" {
  type    = bool
  default = false
}

variable "ebs_snapshot_encrypted" {
  type    = bool
  default = false
}

variable "ebs_volume_encrypted" {
  type    = bool
  default = false
}

variable "ec2_ami_encrypted" {
  type    = bool
  default = false
}

variable "ec2_ami_not_public" {
  type    = bool
  default = false
}

variable "ec2_imdsv2_required" {
  type    = bool
  default = false
}

variable "ec2_instance_no_public_ip" {
  type    = bool
  default = false
}

variable "ecr_image_tags_immutable" {
  type    = bool
  default = false
}

variable "ecr_repository_policy_not_public" {
  type    = bool
  default = false
}

variable "ecr_scan_on_push_enabled" {
  type    = bool
  default = false
}

variable "ecs_cluster_container_insights_enabled" {
  type    = bool
  default = false
}

variable "ecs_container_not_privileged" {
  type    = bool
  default = false
}

variable "ecs_container_read_only_root_filesystem" {
  type    = bool
  default = false
}

variable "ecs_secrets_not_in_environment" {
  type    = bool
  default = false
}

variable "ecs_service_no_public_ip" {
  type    = bool
  default = false
}

variable "ecs_task_not_host_network" {
  type    = bool
  default = false
}

variable "ecs_task_not_host_pid" {
  type    = bool
  default = false
}

variable "efs_file_system_encrypted" {
  type    = bool
  default = false
}

variable "efs_file_system_policy_not_public" {
  type    = bool
  default = false
}

variable "eks_control_plane_logging_enabled" {
  type    = bool
  default = false
}

variable "eks_public_endpoint_restricted" {
  type    = bool
  default = false
}

variable "eks_secrets_encrypted_with_kms" {
  type    = bool
  default = false
}

variable "elasticache_replication_group_encrypted_at_rest" {
  type    = bool
  default = false
}

variable "elasticache_transit_encryption_enabled" {
  type    = bool
  default = false
}

variable "elb_public_listener_tls" {
  type    = bool
  default = false
}

variable "emr_block_public_access_enabled" {
  type    = bool
  default = false
}

variable "firehose_delivery_stream_encrypted" {
  type    = bool
  default = false
}

variable "glacier_vault_policy_not_public" {
  type    = bool
  default = false
}

variable "guardduty_detector_enabled" {
  type    = bool
  default = false
}

variable "guardduty_protection_plans_enabled" {
  type    = bool
  default = false
}

variable "iam_account_trust_requires_mfa" {
  type    = bool
  default = false
}

variable "iam_console_user_has_no_access_keys" {
  type    = bool
  default = false
}

variable "iam_console_user_mfa_enforced" {
  type    = bool
  default = false
}

variable "iam_no_allow_with_notaction" {
  type    = bool
  default = false
}

variable "iam_no_full_admin_policy_attached" {
  type    = bool
  default = false
}

variable "iam_no_inline_policies" {
  type    = bool
  default = false
}

variable "iam_no_wildcard_write_on_sensitive_service" {
  type    = bool
  default = false
}

variable "iam_pass_role_scoped" {
  type    = bool
  default = false
}

variable "iam_password_policy_min_length_14" {
  type    = bool
  default = false
}

variable "iam_password_policy_prevents_reuse" {
  type    = bool
  default = false
}

variable "iam_trust_policy_scoped" {
  type    = bool
  default = false
}

variable "identity_admin_policy_on_workload" {
  type    = bool
  default = false
}

variable "identity_long_lived_access_key" {
  type    = bool
  default = false
}

variable "identity_policy_attached_to_user" {
  type    = bool
  default = false
}

variable "kinesis_stream_encrypted" {
  type    = bool
  default = false
}

variable "kms_classified_data_uses_customer_key" {
  type    = bool
  default = false
}

variable "kms_deletion_window_in_range" {
  type    = bool
  default = false
}

variable "kms_full_access_only_for_account_root" {
  type    = bool
  default = false
}

variable "kms_grant_only_to_trusted_accounts" {
  type    = bool
  default = false
}

variable "kms_key_policy_not_public" {
  type    = bool
  default = false
}

variable "kms_key_rotation_enabled" {
  type    = bool
  default = false
}

variable "kms_key_shared_only_with_trusted_accounts" {
  type    = bool
  default = false
}

variable "kms_service_use_scoped_to_account" {
  type    = bool
  default = false
}

variable "lambda_function_not_public" {
  type    = bool
  default = false
}

variable "lambda_function_url_authenticated" {
  type    = bool
  default = false
}

variable "lambda_runtime_supported" {
  type    = bool
  default = false
}

variable "lambda_tracing_active" {
  type    = bool
  default = false
}

variable "lb_http_redirects_to_https" {
  type    = bool
  default = false
}

variable "lb_tls_policy_current" {
  type    = bool
  default = false
}

variable "mq_broker_audit_logging_enabled" {
  type    = bool
  default = false
}

variable "mq_broker_not_publicly_accessible" {
  type    = bool
  default = false
}

variable "msk_transit_encryption_enabled" {
  type    = bool
  default = false
}

variable "neptune_cluster_storage_encrypted" {
  type    = bool
  default = false
}

variable "network_acl_admin_ports_restricted" {
  type    = bool
  default = false
}

variable "network_acl_in_use" {
  type    = bool
  default = false
}

variable "network_acl_no_allow_all_ingress" {
  type    = bool
  default = false
}

variable "network_admin_port_exposed" {
  type    = bool
  default = false
}

variable "network_database_egress_restricted" {
  type    = bool
  default = false
}

variable "network_database_not_in_public_subnet" {
  type    = bool
  default = false
}

variable "network_database_port_exposed" {
  type    = bool
  default = false
}

variable "network_default_security_group_restricts_all" {
  type    = bool
  default = false
}

variable "network_default_vpc_not_used" {
  type    = bool
  default = false
}

variable "network_lb_subnets_admitted_by_targets" {
  type    = bool
  default = false
}

variable "network_private_subnet_gateway_endpoints" {
  type    = bool
  default = false
}

variable "network_private_subnet_no_public_ip_on_launch" {
  type    = bool
  default = false
}

variable "network_security_group_in_use" {
  type    = bool
  default = false
}

variable "network_security_group_rules_not_redundant" {
  type    = bool
  default = false
}

variable "network_vpc_endpoint_policy_allows_workloads" {
  type    = bool
  default = false
}

variable "network_vpc_endpoint_policy_restricted" {
  type    = bool
  default = false
}

variable "network_vpc_flow_logs_enabled" {
  type    = bool
  default = false
}

variable "opensearch_domain_encrypted_at_rest" {
  type    = bool
  default = false
}

variable "opensearch_domain_enforces_https_tls12" {
  type    = bool
  default = false
}

variable "opensearch_domain_in_vpc" {
  type    = bool
  default = false
}

variable "opensearch_domain_policy_not_public" {
  type    = bool
  default = false
}

variable "opensearch_node_to_node_encryption_enabled" {
  type    = bool
  default = false
}

variable "rds_deletion_protection_enabled" {
  type    = bool
  default = false
}

variable "rds_iam_authentication_enabled" {
  type    = bool
  default = false
}

variable "rds_log_exports_enabled" {
  type    = bool
  default = false
}

variable "rds_not_publicly_accessible" {
  type    = bool
  default = false
}

variable "rds_requires_tls" {
  type    = bool
  default = false
}

variable "rds_snapshot_not_public" {
  type    = bool
  default = false
}

variable "rds_storage_encrypted" {
  type    = bool
  default = false
}

variable "redshift_audit_logging_enabled" {
  type    = bool
  default = false
}

variable "redshift_cluster_encrypted" {
  type    = bool
  default = false
}

variable "redshift_cluster_not_publicly_accessible" {
  type    = bool
  default = false
}

variable "redshift_cluster_requires_ssl" {
  type    = bool
  default = false
}

variable "s3_bucket_access_logging_enabled" {
  type    = bool
  default = false
}

variable "s3_bucket_acl_not_public" {
  type    = bool
  default = false
}

variable "s3_bucket_policy_not_public" {
  type    = bool
  default = false
}

variable "s3_bucket_requires_tls" {
  type    = bool
  default = false
}

variable "s3_bucket_versioning_enabled" {
  type    = bool
  default = false
}

variable "s3_public_access_block_enabled" {
  type    = bool
  default = false
}

variable "sagemaker_notebook_no_direct_internet_access" {
  type    = bool
  default = false
}

variable "sagemaker_notebook_root_access_disabled" {
  type    = bool
  default = false
}

variable "secrets_hardcoded_secret" {
  type    = bool
  default = false
}

variable "secretsmanager_secret_policy_not_public" {
  type    = bool
  default = false
}

variable "secretsmanager_secret_rotation_enabled" {
  type    = bool
  default = false
}

variable "securityhub_standards_subscribed" {
  type    = bool
  default = false
}

variable "ses_identity_policy_not_public" {
  type    = bool
  default = false
}

variable "sns_topic_encrypted" {
  type    = bool
  default = false
}

variable "sns_topic_policy_not_public" {
  type    = bool
  default = false
}

variable "sqs_queue_encrypted" {
  type    = bool
  default = false
}

variable "sqs_queue_policy_not_public" {
  type    = bool
  default = false
}

variable "ssm_document_not_public" {
  type    = bool
  default = false
}

variable "ssm_secret_parameter_is_securestring" {
  type    = bool
  default = false
}

variable "waf_api_gateway_stage_protected" {
  type    = bool
  default = false
}

variable "waf_cloudfront_distribution_protected" {
  type    = bool
  default = false
}

variable "waf_load_balancer_protected" {
  type    = bool
  default = false
}

variable "iam_irsa_trust_pins_service_account" {
  type    = bool
  default = false
}
