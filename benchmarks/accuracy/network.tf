resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.0.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "public_locked" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "private_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.11.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "public_locked" {
  subnet_id      = aws_subnet.public_locked.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "private_b" {
  subnet_id      = aws_subnet.private_b.id
  route_table_id = aws_route_table.private.id
}

# The public_locked subnet's ACL denies SSH from anywhere before it allows the rest.
resource "aws_network_acl" "public_locked" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.public_locked.id]

  ingress {
    rule_no    = 90
    protocol   = "tcp"
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 22
    to_port    = 22
  }

  ingress {
    rule_no    = 100
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }

  egress {
    rule_no    = 100
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}

# --- case ssh-private-latent: open to the world, but nothing can reach the instance.
resource "aws_security_group" "ssh_world_private" {
  name        = "ssh-world-private"
  description = "SSH from anywhere"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "private_worker" {
  ami                         = "ami-0c1a7f89451184c8b"
  instance_type               = "t3.small"
  subnet_id                   = aws_subnet.private.id
  associate_public_ip_address = false
  vpc_security_group_ids      = [aws_security_group.ssh_world_private.id]
}

# --- case ssh-public-exposed: public subnet, public IP, route to the IGW, SSH open.
resource "aws_security_group" "ssh_world_bastion" {
  name        = "ssh-world-bastion"
  description = "SSH from anywhere"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "bastion" {
  ami                         = "ami-0c1a7f89451184c8b"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.ssh_world_bastion.id]
}

# --- case ssh-nacl-blocked: would be exposed, but the subnet's network ACL denies tcp/22.
resource "aws_security_group" "ssh_world_nacl" {
  name        = "ssh-world-nacl"
  description = "SSH from anywhere"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "public_behind_nacl" {
  ami                         = "ami-0c1a7f89451184c8b"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public_locked.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.ssh_world_nacl.id]
}

# --- case ssh-office-only: restricted to a documentation range, not the internet at large.
resource "aws_security_group" "ssh_office" {
  name        = "ssh-office"
  description = "SSH from the office"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }
}

resource "aws_instance" "office_box" {
  ami                         = "ami-0c1a7f89451184c8b"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.ssh_office.id]
}

# --- case rdp-ipv6-no-ipv6-path: RDP open to ::/0 on a public instance, in a VPC without IPv6.
resource "aws_security_group" "windows" {
  name        = "windows"
  description = "Windows jump host"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "rdp_ipv6" {
  security_group_id = aws_security_group.windows.id
  cidr_ipv6         = "::/0"
  from_port         = 3389
  to_port           = 3389
  ip_protocol       = "tcp"
}

resource "aws_instance" "windows" {
  ami                         = "ami-0a8b7c6d5e4f3a2b1"
  instance_type               = "t3.large"
  subnet_id                   = aws_subnet.public.id
  associate_public_ip_address = true
  vpc_security_group_ids      = [aws_security_group.windows.id]
}

# --- case all-ports-rule: a port range that includes 22, 3389 and 5432, on a private instance.
resource "aws_security_group" "wide_open" {
  name        = "wide-open"
  description = "Everything"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "wide_open_all_tcp" {
  type              = "ingress"
  from_port         = 0
  to_port           = 65535
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.wide_open.id
}

resource "aws_instance" "wide_open" {
  ami                    = "ami-0c1a7f89451184c8b"
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.private.id
  vpc_security_group_ids = [aws_security_group.wide_open.id]
}

# --- case ssh-from-group-reference: SSH only from the bastion's security group.
resource "aws_security_group" "app_from_bastion" {
  name        = "app-from-bastion"
  description = "SSH from the bastion"
  vpc_id      = aws_vpc.main.id

  ingress {
    description     = "SSH from the bastion"
    from_port       = 22
    to_port         = 22
    protocol        = "tcp"
    security_groups = [aws_security_group.ssh_world_bastion.id]
  }
}

resource "aws_instance" "app" {
  ami                    = "ami-0c1a7f89451184c8b"
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.private.id
  vpc_security_group_ids = [aws_security_group.app_from_bastion.id]
}

# --- case debug-ssh-switched-off: the open rule is behind count = 0 (the default).
resource "aws_security_group_rule" "debug_ssh" {
  count             = var.enable_debug_ssh ? 1 : 0
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.app_from_bastion.id
}

# --- case postgres-world-private-db: 5432 open to the world on a database that is not public.
resource "aws_security_group" "db_world" {
  name        = "db-world"
  description = "PostgreSQL"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_subnet_group" "private" {
  name       = "private"
  subnet_ids = [aws_subnet.private.id, aws_subnet.private_b.id]
}
