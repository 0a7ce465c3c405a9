# Switched: identity and resource policies.

resource "aws_backup_vault" "backup_vault_policy_not_public" {
  count       = var.backup_vault_policy_not_public ? 1 : 0
  name        = "open-vault"
  kms_key_arn = aws_kms_key.main.arn
}

resource "aws_backup_vault_policy" "backup_vault_policy_not_public" {
  count             = var.backup_vault_policy_not_public ? 1 : 0
  backup_vault_name = aws_backup_vault.backup_vault_policy_not_public[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "backup:CopyIntoBackupVault"
      Resource  = "*"
    }]
  })
}

resource "aws_ami_launch_permission" "ec2_ami_not_public" {
  count    = var.ec2_ami_not_public ? 1 : 0
  image_id = aws_ami.app.id
  group    = "all"
}

resource "aws_ecr_repository" "ecr_repository_policy_not_public" {
  count                = var.ecr_repository_policy_not_public ? 1 : 0
  name                 = "open-images"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository_policy" "ecr_repository_policy_not_public" {
  count      = var.ecr_repository_policy_not_public ? 1 : 0
  repository = aws_ecr_repository.ecr_repository_policy_not_public[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}

resource "aws_efs_file_system" "efs_file_system_policy_not_public" {
  count          = var.efs_file_system_policy_not_public ? 1 : 0
  creation_token = "open-files"
  encrypted      = true
  kms_key_id     = aws_kms_key.main.arn
}

resource "aws_efs_file_system_policy" "efs_file_system_policy_not_public" {
  count          = var.efs_file_system_policy_not_public ? 1 : 0
  file_system_id = aws_efs_file_system.efs_file_system_policy_not_public[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      Resource  = aws_efs_file_system.efs_file_system_policy_not_public[0].arn
    }]
  })
}

resource "aws_glacier_vault" "glacier_vault_policy_not_public" {
  count = var.glacier_vault_policy_not_public ? 1 : 0
  name  = "open-archive"
  access_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["glacier:InitiateJob", "glacier:GetJobOutput"]
      Resource  = "arn:aws:glacier:eu-west-1:123456789012:vaults/open-archive"
    }]
  })
}

resource "aws_iam_role" "iam_account_trust_requires_mfa" {
  count = var.iam_account_trust_requires_mfa ? 1 : 0
  name  = "operators"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
    }]
  })
}

resource "aws_iam_user" "iam_console_user_mfa_enforced" {
  count = var.iam_console_user_mfa_enforced ? 1 : 0
  name  = "console-without-mfa"
}

resource "aws_iam_user_login_profile" "iam_console_user_mfa_enforced" {
  count = var.iam_console_user_mfa_enforced ? 1 : 0
  user  = aws_iam_user.iam_console_user_mfa_enforced[0].name
}

resource "aws_iam_policy" "iam_no_allow_with_notaction" {
  count = var.iam_no_allow_with_notaction ? 1 : 0
  name  = "all-but-delete"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      NotAction = "s3:DeleteBucket"
      Resource  = ["arn:aws:s3:::switchboard-reports", "arn:aws:s3:::switchboard-reports/*"]
    }]
  })
}

resource "aws_iam_role_policy" "iam_no_inline_policies" {
  count = var.iam_no_inline_policies ? 1 : 0
  name  = "write-logs"
  role  = aws_iam_role.function.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/reports:*"
    }]
  })
}

resource "aws_iam_policy" "iam_no_wildcard_write_on_sensitive_service" {
  count = var.iam_no_wildcard_write_on_sensitive_service ? 1 : 0
  name  = "put-anything"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:Put*"
      Resource = "arn:aws:s3:::switchboard-reports/*"
    }]
  })
}

resource "aws_iam_policy" "iam_pass_role_scoped" {
  count = var.iam_pass_role_scoped ? 1 : 0
  name  = "pass-any-role"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "iam:PassRole"
      Resource = "*"
    }]
  })
}

resource "aws_iam_account_password_policy" "iam_password_policy_min_length_14" {
  count                     = var.iam_password_policy_min_length_14 ? 1 : 0
  minimum_password_length   = 8
  password_reuse_prevention = 24
}

resource "aws_iam_account_password_policy" "iam_password_policy_prevents_reuse" {
  count                     = var.iam_password_policy_prevents_reuse ? 1 : 0
  minimum_password_length   = 14
  password_reuse_prevention = 3
}

resource "aws_iam_role" "iam_trust_policy_scoped" {
  count = var.iam_trust_policy_scoped ? 1 : 0
  name  = "partner-access"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::999988887777:root" }
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_role" "identity_admin_policy_on_workload" {
  count              = var.identity_admin_policy_on_workload ? 1 : 0
  name               = "admin-function"
  assume_role_policy = local.lambda_trust
}

resource "aws_iam_role_policy_attachment" "identity_admin_policy_on_workload" {
  count      = var.identity_admin_policy_on_workload ? 1 : 0
  role       = aws_iam_role.identity_admin_policy_on_workload[0].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_access_key" "identity_long_lived_access_key" {
  count = var.identity_long_lived_access_key ? 1 : 0
  user  = aws_iam_user.deploy.name
}

resource "aws_iam_user_policy_attachment" "identity_policy_attached_to_user" {
  count      = var.identity_policy_attached_to_user ? 1 : 0
  user       = aws_iam_user.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_kms_key" "kms_key_policy_not_public" {
  count               = var.kms_key_policy_not_public ? 1 : 0
  description         = "anyone decrypts"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Anyone"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = "kms:Decrypt"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_lambda_function" "lambda_function_not_public" {
  count         = var.lambda_function_not_public ? 1 : 0
  function_name = "open-function"
  role          = aws_iam_role.function.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "open.zip"
  tracing_config {
    mode = "Active"
  }
}

resource "aws_lambda_permission" "lambda_function_not_public" {
  count         = var.lambda_function_not_public ? 1 : 0
  statement_id  = "AnyoneInvokes"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.lambda_function_not_public[0].function_name
  principal     = "*"
}

resource "aws_lambda_function_url" "lambda_function_url_authenticated" {
  count              = var.lambda_function_url_authenticated ? 1 : 0
  function_name      = aws_lambda_function.reports.function_name
  authorization_type = "NONE"
}

# Public: an open policy on a domain with a public endpoint. (Inside a VPC, the network decides who reaches
# it and the policy alone does not make it public.)
resource "aws_opensearch_domain" "opensearch_domain_policy_not_public" {
  count       = var.opensearch_domain_policy_not_public ? 1 : 0
  domain_name = "open-search"
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
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "es:*"
      Resource  = "arn:aws:es:eu-west-1:123456789012:domain/open-search/*"
    }]
  })
}

resource "aws_db_snapshot" "rds_snapshot_not_public" {
  count                  = var.rds_snapshot_not_public ? 1 : 0
  db_instance_identifier = "orders"
  db_snapshot_identifier = "orders-shared-with-all"
  shared_accounts        = ["all"]
}

# The account would refuse a public ACL or policy while the bucket's public access block is on: each of
# these switches turns the block off too, which is the third finding of neither.
module "s3_bucket_acl_not_public" {
  count               = var.s3_bucket_acl_not_public ? 1 : 0
  source              = "./modules/bucket"
  log_bucket          = aws_s3_bucket.access_logs.id
  name                = "switchboard-public-acl"
  kms_key_arn         = aws_kms_key.main.arn
  public_read_acl     = true
  block_public_access = false
}

module "s3_bucket_policy_not_public" {
  count               = var.s3_bucket_policy_not_public ? 1 : 0
  source              = "./modules/bucket"
  log_bucket          = aws_s3_bucket.access_logs.id
  name                = "switchboard-public-policy"
  kms_key_arn         = aws_kms_key.main.arn
  public_read_policy  = true
  block_public_access = false
}

module "s3_public_access_block_enabled" {
  count               = var.s3_public_access_block_enabled ? 1 : 0
  source              = "./modules/bucket"
  log_bucket          = aws_s3_bucket.access_logs.id
  name                = "switchboard-unblocked"
  kms_key_arn         = aws_kms_key.main.arn
  block_public_access = false
}

resource "aws_secretsmanager_secret" "secretsmanager_secret_policy_not_public" {
  count      = var.secretsmanager_secret_policy_not_public ? 1 : 0
  name       = "open-secret"
  kms_key_id = aws_kms_key.main.arn
}

resource "aws_secretsmanager_secret_rotation" "secretsmanager_secret_policy_not_public" {
  count               = var.secretsmanager_secret_policy_not_public ? 1 : 0
  secret_id           = aws_secretsmanager_secret.secretsmanager_secret_policy_not_public[0].id
  rotation_lambda_arn = aws_lambda_function.reports.arn
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_secretsmanager_secret_policy" "secretsmanager_secret_policy_not_public" {
  count      = var.secretsmanager_secret_policy_not_public ? 1 : 0
  secret_arn = aws_secretsmanager_secret.secretsmanager_secret_policy_not_public[0].arn
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

resource "aws_ses_domain_identity" "ses_identity_policy_not_public" {
  count  = var.ses_identity_policy_not_public ? 1 : 0
  domain = "mail.switchboard.example.org"
}

resource "aws_ses_identity_policy" "ses_identity_policy_not_public" {
  count    = var.ses_identity_policy_not_public ? 1 : 0
  identity = aws_ses_domain_identity.ses_identity_policy_not_public[0].arn
  name     = "anyone-sends"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["ses:SendEmail", "ses:SendRawEmail"]
      Resource  = aws_ses_domain_identity.ses_identity_policy_not_public[0].arn
    }]
  })
}

resource "aws_sns_topic" "sns_topic_policy_not_public" {
  count             = var.sns_topic_policy_not_public ? 1 : 0
  name              = "open-topic"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_policy" "sns_topic_policy_not_public" {
  count = var.sns_topic_policy_not_public ? 1 : 0
  arn   = aws_sns_topic.sns_topic_policy_not_public[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["SNS:Subscribe", "SNS:Publish"]
      Resource  = aws_sns_topic.sns_topic_policy_not_public[0].arn
    }]
  })
}

resource "aws_sqs_queue" "sqs_queue_policy_not_public" {
  count = var.sqs_queue_policy_not_public ? 1 : 0
  name  = "open-queue"
}

resource "aws_sqs_queue_policy" "sqs_queue_policy_not_public" {
  count     = var.sqs_queue_policy_not_public ? 1 : 0
  queue_url = aws_sqs_queue.sqs_queue_policy_not_public[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.sqs_queue_policy_not_public[0].arn
    }]
  })
}

resource "aws_kms_key" "kms_full_access_only_for_account_root" {
  count               = var.kms_full_access_only_for_account_root ? 1 : 0
  description         = "administrators hold kms:*"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Administrators"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:role/key-admins" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_grant" "kms_grant_only_to_trusted_accounts" {
  count             = var.kms_grant_only_to_trusted_accounts ? 1 : 0
  name              = "partner-decrypts"
  key_id            = aws_kms_key.main.key_id
  grantee_principal = "arn:aws:iam::999988887777:role/reader"
  operations        = ["Decrypt"]
}

resource "aws_kms_key" "kms_key_shared_only_with_trusted_accounts" {
  count               = var.kms_key_shared_only_with_trusted_accounts ? 1 : 0
  description         = "shared with another account"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Partner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::999988887777:root" }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_key" "kms_service_use_scoped_to_account" {
  count               = var.kms_service_use_scoped_to_account ? 1 : 0
  description         = "any trail may use it"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Owner"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudTrail"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_dms_replication_instance" "dms_replication_instance_not_public" {
  count                      = var.dms_replication_instance_not_public ? 1 : 0
  replication_instance_id    = "public-replication"
  replication_instance_class = "dms.t3.medium"
  kms_key_arn                = aws_kms_key.main.arn
  publicly_accessible        = true
}

resource "random_password" "mq_broker_not_publicly_accessible" {
  count  = var.mq_broker_not_publicly_accessible ? 1 : 0
  length = 24
}

resource "aws_mq_broker" "mq_broker_not_publicly_accessible" {
  count               = var.mq_broker_not_publicly_accessible ? 1 : 0
  broker_name         = "public-broker"
  engine_type         = "RabbitMQ"
  engine_version      = "3.13"
  host_instance_type  = "mq.t3.micro"
  publicly_accessible = true
  user {
    username = "app"
    password = random_password.mq_broker_not_publicly_accessible[0].result
  }
}

resource "aws_redshift_cluster" "redshift_cluster_not_publicly_accessible" {
  count                        = var.redshift_cluster_not_publicly_accessible ? 1 : 0
  cluster_identifier           = "public-warehouse"
  node_type                    = "ra3.xlplus"
  master_username              = "warehouse"
  manage_master_password       = true
  cluster_subnet_group_name    = aws_redshift_subnet_group.private.name
  cluster_parameter_group_name = aws_redshift_parameter_group.tls.name
  encrypted                    = true
  kms_key_id                   = aws_kms_key.main.arn
  publicly_accessible          = true
  logging {
    enable               = true
    log_destination_type = "cloudwatch"
    log_exports          = ["connectionlog", "useractivitylog", "userlog"]
  }
}

resource "aws_emr_block_public_access_configuration" "emr_block_public_access_enabled" {
  count                             = var.emr_block_public_access_enabled ? 1 : 0
  block_public_security_group_rules = false
}

resource "aws_api_gateway_rest_api" "apigateway_method_requires_authorization" {
  count = var.apigateway_method_requires_authorization ? 1 : 0
  name  = "open-methods"
}

resource "aws_api_gateway_resource" "apigateway_method_requires_authorization" {
  count       = var.apigateway_method_requires_authorization ? 1 : 0
  rest_api_id = aws_api_gateway_rest_api.apigateway_method_requires_authorization[0].id
  parent_id   = aws_api_gateway_rest_api.apigateway_method_requires_authorization[0].root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_method" "apigateway_method_requires_authorization" {
  count         = var.apigateway_method_requires_authorization ? 1 : 0
  rest_api_id   = aws_api_gateway_rest_api.apigateway_method_requires_authorization[0].id
  resource_id   = aws_api_gateway_resource.apigateway_method_requires_authorization[0].id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_iam_user" "iam_console_user_has_no_access_keys" {
  count = var.iam_console_user_has_no_access_keys ? 1 : 0
  name  = "console-and-keys"
}

resource "aws_iam_user_group_membership" "iam_console_user_has_no_access_keys" {
  count  = var.iam_console_user_has_no_access_keys ? 1 : 0
  user   = aws_iam_user.iam_console_user_has_no_access_keys[0].name
  groups = [aws_iam_group.people.name]
}

resource "aws_iam_user_login_profile" "iam_console_user_has_no_access_keys" {
  count = var.iam_console_user_has_no_access_keys ? 1 : 0
  user  = aws_iam_user.iam_console_user_has_no_access_keys[0].name
}

resource "aws_iam_access_key" "iam_console_user_has_no_access_keys" {
  count = var.iam_console_user_has_no_access_keys ? 1 : 0
  user  = aws_iam_user.iam_console_user_has_no_access_keys[0].name
}

resource "aws_iam_group" "iam_no_full_admin_policy_attached" {
  count = var.iam_no_full_admin_policy_attached ? 1 : 0
  name  = "administrators"
}

resource "aws_iam_policy" "iam_no_full_admin_policy_attached" {
  count = var.iam_no_full_admin_policy_attached ? 1 : 0
  name  = "everything"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_iam_group_policy_attachment" "iam_no_full_admin_policy_attached" {
  count      = var.iam_no_full_admin_policy_attached ? 1 : 0
  group      = aws_iam_group.iam_no_full_admin_policy_attached[0].name
  policy_arn = aws_iam_policy.iam_no_full_admin_policy_attached[0].arn
}

resource "aws_cognito_user_pool" "cognito_user_pool_mfa_required" {
  count             = var.cognito_user_pool_mfa_required ? 1 : 0
  name              = "optional-mfa"
  mfa_configuration = "OPTIONAL"
  software_token_mfa_configuration {
    enabled = true
  }
  user_pool_add_ons {
    advanced_security_mode = "ENFORCED"
  }
}

resource "aws_cognito_user_pool" "cognito_user_pool_threat_protection_enforced" {
  count             = var.cognito_user_pool_threat_protection_enforced ? 1 : 0
  name              = "audit-only"
  mfa_configuration = "ON"
  software_token_mfa_configuration {
    enabled = true
  }
  user_pool_add_ons {
    advanced_security_mode = "AUDIT"
  }
}

# A role for Kubernetes pods (IRSA) whose trust pins the audience but not the service account: every pod
# of the cluster can take it.
resource "aws_iam_role" "iam_irsa_trust_pins_service_account" {
  count = var.iam_irsa_trust_pins_service_account ? 1 : 0
  name  = "cluster-reports"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/7E3F1A2B4C5D6E7F8091" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = { StringEquals = { "oidc.eks.us-east-1.amazonaws.com/id/7E3F1A2B4C5D6E7F8091:aud" = "sts.amazonaws.com" } }
    }]
  })
}
