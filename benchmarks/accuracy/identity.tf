locals {
  ec2_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  ecs_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  lambda_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# --- case admin-star-inline-on-role: "*" on "*" for an EC2 workload.
resource "aws_iam_role" "app_admin" {
  name               = "app-admin"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_role_policy" "app_admin_inline" {
  name = "everything"
  role = aws_iam_role.app_admin.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

# --- case admin-through-notaction: everything except billing is still administrator (iam:* included).
resource "aws_iam_role" "reporting_task" {
  name               = "reporting-task"
  assume_role_policy = local.ecs_trust
}

resource "aws_iam_policy" "all_but_billing" {
  name = "all-but-billing"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      NotAction = ["aws-portal:*", "budgets:*"]
      Resource  = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "reporting_task" {
  role       = aws_iam_role.reporting_task.name
  policy_arn = aws_iam_policy.all_but_billing.arn
}

# --- case notaction-poweruser: everything except IAM and Organizations is broad, but not administrator.
resource "aws_iam_role" "build_task" {
  name               = "build-task"
  assume_role_policy = local.ecs_trust
}

resource "aws_iam_policy" "power_user" {
  name = "power-user"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      NotAction = ["iam:*", "organizations:*", "account:*"]
      Resource  = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "build_task" {
  role       = aws_iam_role.build_task.name
  policy_arn = aws_iam_policy.power_user.arn
}

# --- case admin-managed-policy-on-lambda: AdministratorAccess attached to a function's role.
resource "aws_iam_role" "janitor" {
  name               = "janitor"
  assume_role_policy = local.lambda_trust
}

resource "aws_iam_role_policy_attachment" "janitor_admin" {
  role       = aws_iam_role.janitor.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# --- case admin-from-policy-document: the document is a data source.
data "aws_iam_policy_document" "admin_doc" {
  statement {
    effect    = "Allow"
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "deployer" {
  name               = "deployer"
  assume_role_policy = local.ecs_trust
}

resource "aws_iam_role_policy" "deployer" {
  name   = "deploy"
  role   = aws_iam_role.deployer.id
  policy = data.aws_iam_policy_document.admin_doc.json
}

# --- case s3-star-is-not-admin: a wildcard on one service and one bucket.
resource "aws_iam_role" "uploader" {
  name               = "uploader"
  assume_role_policy = local.ec2_trust
}

resource "aws_iam_role_policy" "uploader" {
  name = "uploads"
  role = aws_iam_role.uploader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:*"
      Resource = ["arn:aws:s3:::acme-uploads", "arn:aws:s3:::acme-uploads/*"]
    }]
  })
}

# --- case legacy-admin-switched-off: the admin policy only exists when var.enable_legacy_admin.
resource "aws_iam_role_policy" "legacy_admin" {
  count = var.enable_legacy_admin ? 1 : 0
  name  = "legacy-admin"
  role  = aws_iam_role.uploader.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

# --- case for-each-mixed-roles: one entry of the map is administrator, the other is not.
resource "aws_iam_role" "svc" {
  for_each           = toset(["reader", "breakglass"])
  name               = "svc-${each.key}"
  assume_role_policy = local.ecs_trust
}

resource "aws_iam_role_policy" "svc" {
  for_each = {
    reader     = ["dynamodb:GetItem", "dynamodb:Query"]
    breakglass = ["*"]
  }
  name = "svc-${each.key}"
  role = aws_iam_role.svc[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }]
  })
}

# --- case policy-attached-to-user: a managed policy directly on a user.
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_policy_attachment" "alice_readonly" {
  user       = aws_iam_user.alice.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# --- case inline-policy-on-user.
resource "aws_iam_user" "carol" {
  name = "carol"
}

resource "aws_iam_user_policy" "carol_inline" {
  name = "scratch"
  user = aws_iam_user.carol.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::acme-scratch/*" }]
  })
}

# --- case user-through-group: permissions come from the group only.
resource "aws_iam_group" "analysts" {
  name = "analysts"
}

resource "aws_iam_group_policy_attachment" "analysts" {
  group      = aws_iam_group.analysts.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user_group_membership" "bob" {
  user   = aws_iam_user.bob.name
  groups = [aws_iam_group.analysts.name]
}
