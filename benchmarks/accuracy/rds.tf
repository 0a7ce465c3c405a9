# --- case postgres-world-private-db (continued): private subnets, not publicly accessible.
resource "aws_db_instance" "orders" {
  identifier                  = "orders"
  engine                      = "postgres"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 50
  username                    = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.private.name
  vpc_security_group_ids      = [aws_security_group.db_world.id]
  publicly_accessible         = false
  storage_encrypted           = true
}

# --- case rds-encrypted-literal / rds-public-via-variable: encrypted, and public only if var.db_public.
resource "aws_db_instance" "ledger" {
  identifier                  = "ledger"
  engine                      = "postgres"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 50
  username                    = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.private.name
  publicly_accessible         = var.db_public
  storage_encrypted           = true
}

# --- case rds-replica-inherits-encryption: a read replica has its source's encryption.
resource "aws_db_instance" "ledger_replica" {
  identifier          = "ledger-replica"
  replicate_source_db = aws_db_instance.ledger.identifier
  instance_class      = "db.t4g.medium"
  publicly_accessible = false
}

# --- case rds-unencrypted-default: storage_encrypted defaults to false.
resource "aws_db_instance" "legacy" {
  identifier           = "legacy"
  engine               = "mysql"
  instance_class       = "db.t3.medium"
  allocated_storage    = 20
  username             = "admin"
  password             = "Vx8#kq2LmZ4!rT9w"
  db_subnet_group_name = aws_db_subnet_group.private.name
}

# --- case rds-public: publicly accessible in code.
resource "aws_db_instance" "reporting" {
  identifier                  = "reporting"
  engine                      = "postgres"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 50
  username                    = "app"
  manage_master_user_password = true
  publicly_accessible         = true
  storage_encrypted           = true
}

# --- case aurora-encrypted-by-cluster: the instances carry no encryption setting; the cluster decides.
resource "aws_rds_cluster" "analytics" {
  cluster_identifier          = "analytics"
  engine                      = "aurora-postgresql"
  master_username             = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.private.name
  storage_encrypted           = true
}

resource "aws_rds_cluster_instance" "analytics" {
  count              = 2
  identifier         = "analytics-${count.index}"
  cluster_identifier = aws_rds_cluster.analytics.id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.analytics.engine
}

# --- case aurora-unencrypted-cluster: a provisioned Aurora cluster is unencrypted unless asked.
resource "aws_rds_cluster" "metrics" {
  cluster_identifier          = "metrics"
  engine                      = "aurora-postgresql"
  master_username             = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.private.name
}

resource "aws_rds_cluster_instance" "metrics" {
  identifier         = "metrics-0"
  cluster_identifier = aws_rds_cluster.metrics.id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.metrics.engine
}
