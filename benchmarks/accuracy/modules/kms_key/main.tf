variable "name" {
  type = string
}

variable "rotation" {
  type = bool
}

resource "aws_kms_key" "this" {
  description         = var.name
  enable_key_rotation = var.rotation
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
