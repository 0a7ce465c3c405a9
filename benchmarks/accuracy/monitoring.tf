resource "aws_s3_bucket" "trail" {
  bucket = "acme-cloudtrail"
}

resource "aws_s3_bucket_public_access_block" "trail" {
  bucket                  = aws_s3_bucket.trail.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# --- case trail-good.
resource "aws_cloudtrail" "main" {
  name                          = "main"
  s3_bucket_name                = aws_s3_bucket.trail.id
  include_global_service_events = true
  is_multi_region_trail         = true
  enable_log_file_validation    = true
}

# --- case trail-defaults: single region and no validation unless asked for.
resource "aws_cloudtrail" "legacy" {
  name           = "legacy"
  s3_bucket_name = aws_s3_bucket.trail.id
}

# --- case trail-from-variables: both settings come from a variable default and a local.
resource "aws_cloudtrail" "org" {
  name                       = "org"
  s3_bucket_name             = aws_s3_bucket.trail.id
  is_multi_region_trail      = var.trail_multi_region
  enable_log_file_validation = local.validate_logs
}
