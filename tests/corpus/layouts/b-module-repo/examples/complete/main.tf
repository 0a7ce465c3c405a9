provider "aws" {
  region = "us-west-2"
}

module "bucket" {
  source = "../../"
  name   = "complete-example-artifacts"
  tags   = { Example = "complete" }
}

resource "aws_iam_policy" "read" {
  name = "complete-example-read"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = "${module.bucket.bucket_arn}/*"
    }]
  })
}
