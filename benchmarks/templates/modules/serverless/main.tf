# Event-driven functions: Lambda functions invoked by SNS topics, SQS queues subscribed to the topics,
# Secrets Manager secrets (some with a hard-coded initial value) and the functions' execution role.

variable "name" {
  type = string
}

variable "account_id" {
  type = string
}

variable "function_count" {
  type = number
}

variable "secret_env_functions" {
  description = "How many of the functions (the first ones) get the API token in their environment."
  type        = number
  default     = 0
}

variable "api_token" {
  type    = string
  default = ""
}

variable "queue_count" {
  type = number
}

variable "topic_count" {
  type = number
}

variable "secret_count" {
  type    = number
  default = 0
}

variable "hardcoded_secret_versions" {
  type    = number
  default = 0
}

variable "initial_password" {
  type    = string
  default = ""
}

variable "lambda_admin" {
  type    = bool
  default = false
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
  tags = merge(var.tags, { Module = "serverless", Stack = var.name })
  env = {
    LOG_LEVEL   = "info"
    SERVICE     = var.name
    QUEUE_COUNT = tostring(var.queue_count)
  }
}

resource "aws_iam_role" "fn" {
  name = "${var.name}-functions"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "fn_basic" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "fn" {
  name = "functions"
  role = aws_iam_role.fn.id
  policy = var.lambda_admin ? jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
    }) : jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sqs:SendMessage", "sns:Publish"]
      Resource = concat(aws_sqs_queue.q[*].arn, aws_sns_topic.t[*].arn)
    }]
  })
}

resource "aws_lambda_function" "f" {
  count         = var.function_count
  function_name = "${var.name}-fn-${count.index}"
  role          = aws_iam_role.fn.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  s3_bucket     = "${var.name}-artifacts"
  s3_key        = "functions/fn-${count.index}.zip"
  timeout       = 30

  tracing_config {
    mode = "Active"
  }

  environment {
    variables = count.index < var.secret_env_functions ? merge(local.env, { API_TOKEN = var.api_token }) : local.env
  }

  tags = local.tags
}

resource "aws_lambda_permission" "f" {
  count         = var.function_count
  statement_id  = "AllowSNS"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f[count.index].function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.t[count.index % var.topic_count].arn
}

resource "aws_cloudwatch_log_group" "f" {
  count             = var.function_count
  name              = "/aws/lambda/${var.name}-fn-${count.index}"
  retention_in_days = 365
  tags              = local.tags
}

resource "aws_sqs_queue" "q" {
  count                   = var.queue_count
  name                    = "${var.name}-q-${count.index}"
  sqs_managed_sse_enabled = true
  tags                    = local.tags
}

resource "aws_sqs_queue_policy" "q" {
  count     = var.queue_count
  queue_url = aws_sqs_queue.q[count.index].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.q[count.index].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.t[count.index % var.topic_count].arn } }
    }]
  })
}

resource "aws_sns_topic" "t" {
  count             = var.topic_count
  name              = "${var.name}-t-${count.index}"
  kms_master_key_id = "alias/aws/sns"
  tags              = local.tags
}

resource "aws_sns_topic_policy" "t" {
  count = var.topic_count
  arn   = aws_sns_topic.t[count.index].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
      Action    = ["sns:Publish", "sns:Subscribe"]
      Resource  = aws_sns_topic.t[count.index].arn
    }]
  })
}

resource "aws_sns_topic_subscription" "t" {
  count     = var.topic_count
  topic_arn = aws_sns_topic.t[count.index].arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.q[count.index % var.queue_count].arn
}

resource "aws_secretsmanager_secret" "s" {
  count                   = var.secret_count
  name                    = "${var.name}/secret-${count.index}"
  recovery_window_in_days = 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "s" {
  count     = var.hardcoded_secret_versions
  secret_id = aws_secretsmanager_secret.s[count.index].id
  secret_string = jsonencode({
    username = "app"
    password = var.initial_password
  })
}

resource "aws_cloudwatch_log_group" "extra" {
  count             = var.extra_log_groups
  name              = "/platform/${var.name}/serverless-${count.index}"
  retention_in_days = 90
  tags              = local.tags
}
