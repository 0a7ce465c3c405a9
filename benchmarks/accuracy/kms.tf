# --- case kms-rotation-literal.
resource "aws_kms_key" "rotated" {
  description         = "rotated"
  enable_key_rotation = true
}

# --- case kms-rotation-unset: rotation is off unless asked for.
resource "aws_kms_key" "unrotated" {
  description = "unrotated"
}

# --- case kms-rotation-variable-true.
resource "aws_kms_key" "rotation_from_var" {
  description         = "rotation from a variable"
  enable_key_rotation = var.kms_rotation
}

# --- case kms-rotation-variable-false.
resource "aws_kms_key" "legacy" {
  description         = "legacy"
  enable_key_rotation = var.legacy_rotation
}

# --- case kms-rotation-local-condition: local.is_prod is true with the default environment.
resource "aws_kms_key" "prod_only_rotation" {
  description         = "rotated in prod"
  enable_key_rotation = local.is_prod
}

# --- case kms-asymmetric: automatic rotation exists only for symmetric encryption keys.
resource "aws_kms_key" "signing" {
  description              = "release signing"
  key_usage                = "SIGN_VERIFY"
  customer_master_key_spec = "RSA_2048"
}

# --- case kms-deletion-window-edge: 7 days is the shortest window AWS accepts, and it is in range.
resource "aws_kms_key" "short_window" {
  description             = "short window"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

# --- case kms-module-calls: the same module, rotation on in one call, off in the other.
module "batch_key" {
  source   = "./modules/kms_key"
  name     = "batch"
  rotation = false
}

module "audit_key" {
  source   = "./modules/kms_key"
  name     = "audit"
  rotation = true
}
