# --- case pab-split-resource: the bucket is protected through the v4 split resource.
resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_public_access_block" "reports" {
  bucket                  = aws_s3_bucket.reports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# --- case pab-missing: no public access block at all.
resource "aws_s3_bucket" "uploads" {
  bucket = "acme-uploads"
}

# --- case pab-partial: ACLs blocked, policies not.
resource "aws_s3_bucket" "website" {
  bucket = "acme-website"
}

resource "aws_s3_bucket_public_access_block" "website" {
  bucket                  = aws_s3_bucket.website.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = false
}

# --- case pab-from-variable: every flag is var.block_public, true by default.
resource "aws_s3_bucket" "exports" {
  bucket = "acme-exports"
}

resource "aws_s3_bucket_public_access_block" "exports" {
  bucket                  = aws_s3_bucket.exports.id
  block_public_acls       = var.block_public
  block_public_policy     = var.block_public
  ignore_public_acls      = var.block_public
  restrict_public_buckets = var.block_public
}

# --- case pab-for-each: one bucket of the map is left open.
resource "aws_s3_bucket" "team" {
  for_each = { private-a = true, public-b = false }
  bucket   = "acme-team-${each.key}"
}

resource "aws_s3_bucket_public_access_block" "team" {
  for_each                = { private-a = true, public-b = false }
  bucket                  = aws_s3_bucket.team[each.key].id
  block_public_acls       = each.value
  block_public_policy     = each.value
  ignore_public_acls      = each.value
  restrict_public_buckets = each.value
}
