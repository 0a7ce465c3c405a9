# People and machine identities of one team: a developers group, users (some with keys, some with
# policies attached directly), a CI role assumed through GitHub OIDC and service roles with inline policies.

variable "name" {
  type = string
}

variable "account_id" {
  type = string
}

variable "user_count" {
  type = number
}

variable "access_keys" {
  type    = bool
  default = false
}

variable "direct_policy_users" {
  description = "How many users (the first ones) get a managed policy attached directly."
  type        = number
  default     = 0
}

variable "inline_policy_users" {
  description = "How many users (the first ones) get an inline policy."
  type        = number
  default     = 0
}

variable "ci_admin" {
  type    = bool
  default = false
}

variable "service_roles" {
  type = map(object({
    service = string
    admin   = bool
  }))
  default = {}
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
  tags = merge(var.tags, { Module = "identity", Stack = var.name })

  admin_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "FullAccess"
      Effect   = "Allow"
      Action   = ["*"]
      Resource = ["*"]
    }]
  })

  deploy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Deploy"
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices", "ecr:PutImage", "ecr:InitiateLayerUpload"]
        Resource = "*"
      },
      {
        Sid      = "Artifacts"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:GetObject"]
        Resource = "arn:aws:s3:::${var.name}-artifacts/*"
      },
    ]
  })
}

resource "aws_iam_group" "developers" {
  name = "${var.name}-developers"
}

resource "aws_iam_group_policy_attachment" "developers_read" {
  group      = aws_iam_group.developers.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user" "u" {
  count         = var.user_count
  name          = "${var.name}-user-${count.index}"
  force_destroy = true
  tags          = local.tags
}

resource "aws_iam_user_group_membership" "u" {
  count  = var.user_count
  user   = aws_iam_user.u[count.index].name
  groups = [aws_iam_group.developers.name]
}

resource "aws_iam_access_key" "u" {
  count = var.access_keys ? var.user_count : 0
  user  = aws_iam_user.u[count.index].name
}

resource "aws_iam_user_policy_attachment" "direct" {
  count      = var.direct_policy_users
  user       = aws_iam_user.u[count.index].name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_user_policy" "inline" {
  count = var.inline_policy_users
  name  = "scratch-bucket"
  user  = aws_iam_user.u[count.index].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:*"
      Resource = ["arn:aws:s3:::${var.name}-scratch", "arn:aws:s3:::${var.name}-scratch/*"]
    }]
  })
}

resource "aws_iam_role" "ci" {
  name = "${var.name}-ci"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:example-org/${var.name}:*" }
      }
    }]
  })
  tags = local.tags
}

resource "aws_iam_policy" "ci" {
  name   = "${var.name}-ci"
  policy = var.ci_admin ? local.admin_document : local.deploy_document
  tags   = local.tags
}

resource "aws_iam_role_policy_attachment" "ci" {
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.ci.arn
}

resource "aws_iam_role" "svc" {
  for_each = var.service_roles
  name     = "${var.name}-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = each.value.service }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "svc" {
  for_each = var.service_roles
  name     = "${each.key}-permissions"
  role     = aws_iam_role.svc[each.key].id
  policy = each.value.admin ? local.admin_document : jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:GetItem", "dynamodb:PutItem"]
      Resource = ["arn:aws:sqs:*:${var.account_id}:${var.name}-*", "arn:aws:dynamodb:*:${var.account_id}:table/${var.name}-*"]
    }]
  })
}

resource "aws_cloudwatch_log_group" "extra" {
  count             = var.extra_log_groups
  name              = "/platform/${var.name}/identity-${count.index}"
  retention_in_days = 90
  tags              = local.tags
}
