# A data tier: one PostgreSQL instance per entry of `databases` (each with its own KMS key and parameter
# group), an optional Aurora cluster, DynamoDB tables, and the database security group.

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "app_security_group_id" {
  type = string
}

variable "databases" {
  type = map(object({
    public    = bool
    encrypted = bool
    rotation  = bool
  }))
}

variable "open_to_world" {
  description = "A 'temporary' migration rule that opens PostgreSQL to 0.0.0.0/0."
  type        = bool
  default     = false
}

variable "cluster" {
  type    = bool
  default = false
}

variable "cluster_encrypted" {
  type    = bool
  default = true
}

variable "cluster_instances" {
  type    = number
  default = 2
}

variable "tables" {
  type    = list(string)
  default = []
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
  tags       = merge(var.tags, { Module = "data", Stack = var.name })
  open_cidrs = var.open_to_world ? ["0.0.0.0/0"] : []
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-db"
  subnet_ids = var.private_subnet_ids
  tags       = local.tags
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL"
  vpc_id      = var.vpc_id

  ingress {
    description     = "PostgreSQL from the application tier"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [var.app_security_group_id]
  }

  dynamic "ingress" {
    for_each = local.open_cidrs
    content {
      description = "Temporary access for the migration"
      from_port   = 5432
      to_port     = 5432
      protocol    = "tcp"
      cidr_blocks = [ingress.value]
    }
  }

  tags = local.tags
}

resource "aws_kms_key" "db" {
  for_each                = var.databases
  description             = "${var.name} ${each.key} database"
  enable_key_rotation     = each.value.rotation
  deletion_window_in_days = 30
  tags                    = local.tags
}

resource "aws_kms_alias" "db" {
  for_each      = var.databases
  name          = "alias/${var.name}-${each.key}-db"
  target_key_id = aws_kms_key.db[each.key].key_id
}

resource "aws_db_parameter_group" "db" {
  for_each = var.databases
  name     = "${var.name}-${each.key}"
  family   = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  tags = local.tags
}

resource "aws_db_instance" "db" {
  for_each                            = var.databases
  identifier                          = "${var.name}-${each.key}"
  engine                              = "postgres"
  engine_version                      = "16.4"
  instance_class                      = "db.t4g.medium"
  allocated_storage                   = 50
  username                            = "app"
  manage_master_user_password         = true
  db_subnet_group_name                = aws_db_subnet_group.this.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  parameter_group_name                = aws_db_parameter_group.db[each.key].name
  publicly_accessible                 = each.value.public
  storage_encrypted                   = each.value.encrypted
  kms_key_id                          = each.value.encrypted ? aws_kms_key.db[each.key].arn : null
  iam_database_authentication_enabled = true
  backup_retention_period             = 7
  multi_az                            = true
  deletion_protection                 = true
  final_snapshot_identifier           = "${var.name}-${each.key}-final"
  tags                                = local.tags
}

resource "aws_cloudwatch_log_group" "db" {
  for_each          = var.databases
  name              = "/aws/rds/instance/${var.name}-${each.key}/postgresql"
  retention_in_days = 365
  tags              = local.tags
}

resource "aws_rds_cluster" "this" {
  count                       = var.cluster ? 1 : 0
  cluster_identifier          = "${var.name}-aurora"
  engine                      = "aurora-postgresql"
  master_username             = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.this.name
  vpc_security_group_ids      = [aws_security_group.db.id]
  storage_encrypted           = var.cluster_encrypted
  backup_retention_period     = 7
  deletion_protection         = true
  final_snapshot_identifier   = "${var.name}-aurora-final"
  tags                        = local.tags
}

resource "aws_rds_cluster_instance" "this" {
  count              = var.cluster ? var.cluster_instances : 0
  identifier         = "${var.name}-aurora-${count.index}"
  cluster_identifier = aws_rds_cluster.this[0].id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.this[0].engine
  tags               = local.tags
}

resource "aws_dynamodb_table" "t" {
  for_each     = toset(var.tables)
  name         = "${var.name}-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "extra" {
  count             = var.extra_log_groups
  name              = "/platform/${var.name}/data-${count.index}"
  retention_in_days = 90
  tags              = local.tags
}
