# A bucket with its companions. Every input defaults to the secure setting; a switch turns one off.

variable "name" {
  type = string
}

variable "kms_key_arn" {
  type = string
}

variable "access_logging" {
  description = "Log requests to log_bucket (a flag of its own: count cannot wait for a bucket's id)."
  type        = bool
  default     = true
}

variable "log_bucket" {
  description = "Bucket that receives this bucket's access logs."
  type        = string
  default     = ""
}

variable "versioning" {
  type    = bool
  default = true
}

variable "object_lock" {
  type    = bool
  default = false
}

variable "block_public_access" {
  type    = bool
  default = true
}

variable "deny_plain_http" {
  type    = bool
  default = true
}

variable "public_read_policy" {
  type    = bool
  default = false
}

variable "public_read_acl" {
  type    = bool
  default = false
}

variable "classification" {
  description = "data-classification tag; null: untagged."
  type        = string
  default     = null
}

variable "customer_key" {
  description = "Encrypt with kms_key_arn (false: SSE-S3)."
  type        = bool
  default     = true
}

resource "aws_s3_bucket" "this" {
  bucket              = var.name
  object_lock_enabled = var.object_lock
  tags                = var.classification == null ? {} : { "data-classification" = var.classification }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.customer_key ? "aws:kms" : "AES256"
      kms_master_key_id = var.customer_key ? var.kms_key_arn : null
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count  = var.versioning ? 1 : 0
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = var.block_public_access
  block_public_policy     = var.block_public_access
  ignore_public_acls      = var.block_public_access
  restrict_public_buckets = var.block_public_access
}

resource "aws_s3_bucket_logging" "this" {
  count         = var.access_logging ? 1 : 0
  bucket        = aws_s3_bucket.this.id
  target_bucket = var.log_bucket
  target_prefix = "${var.name}/"
}

resource "aws_s3_bucket_acl" "public" {
  count  = var.public_read_acl ? 1 : 0
  bucket = aws_s3_bucket.this.id
  acl    = "public-read"
}

locals {
  deny_plain_http = {
    Sid       = "DenyPlainHttp"
    Effect    = "Deny"
    Principal = "*"
    Action    = "s3:*"
    Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }
  public_read = {
    Sid       = "AnyoneReads"
    Effect    = "Allow"
    Principal = "*"
    Action    = "s3:GetObject"
    Resource  = "${aws_s3_bucket.this.arn}/*"
  }
  statements = concat(
    var.deny_plain_http ? [local.deny_plain_http] : [],
    var.public_read_policy ? [local.public_read] : [],
  )
}

resource "aws_s3_bucket_policy" "this" {
  count  = length(local.statements) > 0 ? 1 : 0
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })
}

output "id" {
  value = aws_s3_bucket.this.bucket
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
