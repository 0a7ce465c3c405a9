# --- case secret-in-user-data: static keys exported by the boot script.
resource "aws_instance" "legacy_batch" {
  ami           = "ami-0c1a7f89451184c8b"
  instance_type = "t3.small"
  subnet_id     = aws_subnet.private.id
  user_data     = <<-EOT
    #!/bin/bash
    export AWS_ACCESS_KEY_ID=AKIAZ7QW3RT5YU8IO2PL
    export AWS_SECRET_ACCESS_KEY=q3Vt8Lw1Zr6Yp0Nx5Ks2Hj9Dm4Fb7Gc1Ae3Ui6Oo
    /opt/batch/run.sh
  EOT
}

# --- case user-data-mentions-password: reads the password from SSM at boot, holds none.
resource "aws_instance" "reader" {
  ami           = "ami-0c1a7f89451184c8b"
  instance_type = "t3.small"
  subnet_id     = aws_subnet.private.id
  user_data     = <<-EOT
    #!/bin/bash
    # the database password is fetched at boot, never stored here
    DB_PASSWORD_PARAMETER=/reader/db/password
    export DB_PASSWORD="$(aws ssm get-parameter --name "$DB_PASSWORD_PARAMETER" --with-decryption --query Parameter.Value --output text)"
    /opt/reader/start.sh
  EOT
}

# --- case secret-in-launch-template: base64-encoded user data with a static key.
resource "aws_launch_template" "batch" {
  name_prefix   = "batch-"
  image_id      = "ami-0c1a7f89451184c8b"
  instance_type = "t3.small"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    export AWS_ACCESS_KEY_ID=AKIAZ7QW3RT5YU8IO2PL
    export AWS_SECRET_ACCESS_KEY=q3Vt8Lw1Zr6Yp0Nx5Ks2Hj9Dm4Fb7Gc1Ae3Ui6Oo
  EOT
  )
}

resource "aws_iam_role" "functions" {
  name               = "functions"
  assume_role_policy = local.lambda_trust
}

# --- case secret-behind-variable-default: the token is the default of var.payments_token.
resource "aws_lambda_function" "payments" {
  function_name = "payments"
  role          = aws_iam_role.functions.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  s3_bucket     = "acme-artifacts"
  s3_key        = "payments.zip"

  environment {
    variables = {
      PAYMENTS_API_TOKEN = var.payments_token
      LOG_LEVEL          = "info"
    }
  }
}

# --- case secret-by-reference: the function gets the secret's ARN, not the secret.
resource "aws_secretsmanager_secret" "worker_db" {
  name = "worker/db"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = aws_iam_role.functions.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  s3_bucket     = "acme-artifacts"
  s3_key        = "worker.zip"

  environment {
    variables = {
      DB_SECRET_ARN = aws_secretsmanager_secret.worker_db.arn
      LOG_LEVEL     = "info"
    }
  }
}

# --- case secret-from-pipeline-variable: a variable without default, set by the pipeline.
resource "aws_lambda_function" "migrator" {
  function_name = "migrator"
  role          = aws_iam_role.functions.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  s3_bucket     = "acme-artifacts"
  s3_key        = "migrator.zip"

  environment {
    variables = {
      DB_PASSWORD = var.worker_db_password
    }
  }
}
