output "bucket_arn" {
  value = aws_s3_bucket.this.arn
}

output "key_arn" {
  value = aws_kms_key.this.arn
}
