"""Managed services placed by a subnet group or subnet ids, and the ports they (and balancers) listen on.

Each estate is Terraform written to tmp_path and read by the real source.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.network import admin_port_exposures, database_port_exposures, network_of
from ringfence.network.endpoints import placements
from ringfence.network.topology import Network
from ringfence.sources import load_estate

# A VPC with a public subnet pair (routed to an internet gateway), a private pair (no route out) and a
# security group open to the world on every TCP port.
NETWORK = """
provider "aws" { region = "eu-west-1" }
resource "aws_vpc" "main" { cidr_block = "10.20.0.0/16" }
resource "aws_internet_gateway" "igw" { vpc_id = aws_vpc.main.id }
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
}
resource "aws_subnet" "public_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.1.0/24"
}
resource "aws_subnet" "public_b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.2.0/24"
}
resource "aws_subnet" "private_a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.11.0/24"
}
resource "aws_subnet" "private_b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.12.0/24"
}
resource "aws_route_table_association" "public_a" {
  subnet_id      = aws_subnet.public_a.id
  route_table_id = aws_route_table.public.id
}
resource "aws_route_table_association" "public_b" {
  subnet_id      = aws_subnet.public_b.id
  route_table_id = aws_route_table.public.id
}
resource "aws_security_group" "world" {
  name   = "world"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def scan(tmp_path: Path, body: str) -> Network:
    root = tmp_path / "estate"
    root.mkdir(exist_ok=True)
    (root / "main.tf").write_text(NETWORK + body)
    return network_of(load_estate([str(root)]))


def subnets_of(net: Network, address: str) -> set[str | None]:
    spots = placements(net, address)
    assert spots, f"{address} has no placement"
    assert all(p.unknown is None for p in spots), [p.unknown for p in spots]
    return {p.subnet for p in spots}


PRIVATE = {"aws_subnet.private_a", "aws_subnet.private_b"}
PAIR = "[aws_subnet.private_a.id, aws_subnet.private_b.id]"

# (the placed resource, Terraform for it and for its subnet group)
SERVICES = [
    (
        "aws_redshift_cluster.by_name",
        f"""
resource "aws_redshift_subnet_group" "rs" {{
  name       = "warehouse"
  subnet_ids = {PAIR}
}}
resource "aws_redshift_cluster" "by_name" {{
  cluster_identifier        = "by-name"
  node_type                 = "ra3.xlplus"
  cluster_subnet_group_name = aws_redshift_subnet_group.rs.name
}}""",
    ),
    (
        "aws_redshift_cluster.by_literal",
        f"""
resource "aws_redshift_subnet_group" "rs" {{
  name       = "warehouse"
  subnet_ids = {PAIR}
}}
resource "aws_redshift_cluster" "by_literal" {{
  cluster_identifier        = "by-literal"
  node_type                 = "ra3.xlplus"
  cluster_subnet_group_name = "warehouse"
}}""",
    ),
    (
        "aws_neptune_cluster_instance.graph",
        f"""
resource "aws_neptune_subnet_group" "graph" {{
  name       = "graph"
  subnet_ids = {PAIR}
}}
resource "aws_neptune_cluster" "graph" {{
  cluster_identifier        = "graph"
  neptune_subnet_group_name = aws_neptune_subnet_group.graph.id
}}
resource "aws_neptune_cluster_instance" "graph" {{
  cluster_identifier = aws_neptune_cluster.graph.id
  instance_class     = "db.r6g.large"
}}""",
    ),
    (
        "aws_docdb_cluster_instance.docs",
        f"""
resource "aws_docdb_subnet_group" "docs" {{
  name       = "docs"
  subnet_ids = {PAIR}
}}
resource "aws_docdb_cluster" "docs" {{
  cluster_identifier   = "docs"
  db_subnet_group_name = "docs"
}}
resource "aws_docdb_cluster_instance" "docs" {{
  cluster_identifier = aws_docdb_cluster.docs.id
  instance_class     = "db.r6g.large"
}}""",
    ),
    (
        "aws_rds_cluster_instance.orders",
        f"""
resource "aws_db_subnet_group" "orders" {{
  name       = "orders"
  subnet_ids = {PAIR}
}}
resource "aws_rds_cluster" "orders" {{
  cluster_identifier   = "orders"
  engine               = "aurora-postgresql"
  db_subnet_group_name = aws_db_subnet_group.orders.name
}}
resource "aws_rds_cluster_instance" "orders" {{
  cluster_identifier = aws_rds_cluster.orders.id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}}""",
    ),
    (
        "aws_elasticache_replication_group.cache",
        f"""
resource "aws_elasticache_subnet_group" "cache" {{
  name       = "cache"
  subnet_ids = {PAIR}
}}
resource "aws_elasticache_replication_group" "cache" {{
  replication_group_id = "cache"
  description          = "cache"
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
}}""",
    ),
    (
        "aws_elasticache_cluster.member",
        f"""
resource "aws_elasticache_subnet_group" "cache" {{
  name       = "cache"
  subnet_ids = {PAIR}
}}
resource "aws_elasticache_replication_group" "cache" {{
  replication_group_id = "cache"
  description          = "cache"
  subnet_group_name    = "cache"
}}
resource "aws_elasticache_cluster" "member" {{
  cluster_id           = "member"
  replication_group_id = "cache"
}}""",
    ),
    (
        "aws_db_instance.ledger",
        f"""
resource "aws_db_subnet_group" "ledger" {{
  name       = "ledger"
  subnet_ids = {PAIR}
}}
resource "aws_db_instance" "ledger" {{
  identifier           = "ledger"
  engine               = "postgres"
  instance_class       = "db.t4g.micro"
  db_subnet_group_name = "ledger"
}}""",
    ),
    (
        "aws_lambda_function.worker",
        f"""
resource "aws_lambda_function" "worker" {{
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  runtime       = "python3.12"
  handler       = "main.handler"
  vpc_config {{
    subnet_ids         = {PAIR}
    security_group_ids = [aws_security_group.world.id]
  }}
}}""",
    ),
    (
        "aws_efs_mount_target.files",
        """
resource "aws_efs_file_system" "files" {}
resource "aws_efs_mount_target" "files" {
  file_system_id = aws_efs_file_system.files.id
  subnet_id      = aws_subnet.private_a.id
}""",
    ),
    (
        "aws_lb.inside",
        f"""
resource "aws_lb" "inside" {{
  name     = "inside"
  internal = true
  subnets  = {PAIR}
}}""",
    ),
    (
        "aws_memorydb_cluster.sessions",
        f"""
resource "aws_memorydb_subnet_group" "sessions" {{
  name       = "sessions"
  subnet_ids = {PAIR}
}}
resource "aws_memorydb_cluster" "sessions" {{
  name              = "sessions"
  node_type         = "db.t4g.small"
  acl_name          = "open-access"
  subnet_group_name = aws_memorydb_subnet_group.sessions.id
}}""",
    ),
    (
        "aws_dms_replication_instance.copy",
        f"""
resource "aws_dms_replication_subnet_group" "copy" {{
  replication_subnet_group_id          = "copy"
  replication_subnet_group_description = "copy"
  subnet_ids                           = {PAIR}
}}
resource "aws_dms_replication_instance" "copy" {{
  replication_instance_id     = "copy"
  replication_instance_class  = "dms.t3.micro"
  replication_subnet_group_id = aws_dms_replication_subnet_group.copy.id
}}""",
    ),
    (
        "aws_opensearch_domain.search",
        f"""
resource "aws_opensearch_domain" "search" {{
  domain_name = "search"
  vpc_options {{
    subnet_ids         = {PAIR}
    security_group_ids = [aws_security_group.world.id]
  }}
}}""",
    ),
    (
        "aws_eks_cluster.k8s",
        f"""
resource "aws_eks_cluster" "k8s" {{
  name     = "k8s"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {{
    subnet_ids = {PAIR}
  }}
}}""",
    ),
    (
        "aws_mq_broker.queue",
        f"""
resource "aws_mq_broker" "queue" {{
  broker_name        = "queue"
  engine_type        = "RabbitMQ"
  engine_version     = "3.13"
  host_instance_type = "mq.m5.large"
  deployment_mode    = "CLUSTER_MULTI_AZ"
  subnet_ids         = {PAIR}
  security_groups    = [aws_security_group.world.id]
}}""",
    ),
    (
        "aws_msk_cluster.events",
        f"""
resource "aws_msk_cluster" "events" {{
  cluster_name           = "events"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2
  broker_node_group_info {{
    instance_type   = "kafka.m5.large"
    client_subnets  = {PAIR}
    security_groups = [aws_security_group.world.id]
  }}
}}""",
    ),
]


@pytest.mark.parametrize(("address", "body"), SERVICES, ids=[a for a, _ in SERVICES])
def test_managed_service_is_placed_in_the_subnets_its_code_names(
    tmp_path: Path, address: str, body: str
) -> None:
    net = scan(tmp_path, body)
    expected = {"aws_subnet.private_a"} if address.startswith("aws_efs") else PRIVATE
    assert subnets_of(net, address) == expected


def test_subnet_group_missing_from_the_estate_is_named_readably(tmp_path: Path) -> None:
    net = scan(
        tmp_path,
        """
variable "group" { type = string }
resource "aws_redshift_cluster" "elsewhere" {
  cluster_identifier        = "elsewhere"
  node_type                 = "ra3.xlplus"
  cluster_subnet_group_name = "not-here"
  vpc_security_group_ids    = [aws_security_group.world.id]
}
resource "aws_neptune_cluster" "from_var" {
  cluster_identifier        = "from-var"
  neptune_subnet_group_name = var.group
  vpc_security_group_ids    = [aws_security_group.world.id]
}""",
    )
    [elsewhere] = placements(net, "aws_redshift_cluster.elsewhere")
    assert elsewhere.unknown == "subnet group 'not-here' is not in the estate"
    [from_var] = placements(net, "aws_neptune_cluster.from_var")
    assert from_var.unknown is not None
    assert "Unknown(" not in from_var.unknown
    findings = {f.resource: f for f in database_port_exposures(net)}
    assert findings["aws_redshift_cluster.elsewhere"].status == "unknown"
    assert findings["aws_redshift_cluster.elsewhere"].ports.describe() == "5439"
    assert "Unknown(" not in findings["aws_neptune_cluster.from_var"].message


def redshift(subnet: str, public: str = "true") -> str:
    return f"""
resource "aws_redshift_subnet_group" "rs" {{
  name       = "warehouse"
  subnet_ids = [aws_subnet.{subnet}_a.id, aws_subnet.{subnet}_b.id]
}}
resource "aws_redshift_cluster" "warehouse" {{
  cluster_identifier        = "warehouse"
  node_type                 = "ra3.xlplus"
  cluster_subnet_group_name = aws_redshift_subnet_group.rs.name
  vpc_security_group_ids    = [aws_security_group.world.id]
  publicly_accessible       = {public}
}}"""


def test_public_redshift_is_exposed_on_its_port_only_with_the_path(tmp_path: Path) -> None:
    net = scan(tmp_path, redshift("public"))
    [found] = [f for f in database_port_exposures(net) if f.resource == "aws_redshift_cluster.warehouse"]
    assert found.status == "exposed"
    assert found.ports.describe() == "5439"
    steps = [s.resource for s in found.path]
    assert steps[0] == "aws_internet_gateway.igw"
    assert "aws_security_group.world" in steps
    assert not [f for f in admin_port_exposures(net) if f.resource == "aws_redshift_cluster.warehouse"]


@pytest.mark.parametrize(("subnet", "public"), [("private", "true"), ("public", "false")])
def test_redshift_without_a_way_in_is_latent(tmp_path: Path, subnet: str, public: str) -> None:
    net = scan(tmp_path, redshift(subnet, public))
    [found] = [f for f in database_port_exposures(net) if f.resource == "aws_redshift_cluster.warehouse"]
    assert found.status == "latent"
    assert found.ports.describe() == "5439"
    assert found.blocked_by


def test_scan_reports_the_exposed_redshift_cluster(tmp_path: Path) -> None:
    root = tmp_path / "estate"
    root.mkdir()
    (root / "main.tf").write_text(NETWORK + redshift("public"))
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(root), "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    findings = [
        f
        for f in json.loads(done.stdout)["findings"]
        if f["resource"] == "aws_redshift_cluster.warehouse" and f["pillar"] == "network"
    ]
    by_rule = {f["rule_id"]: f for f in findings}
    assert by_rule["network.database-port-exposed"]["status"] == "exposed"
    assert "tcp/5439 is reachable" in by_rule["network.database-port-exposed"]["message"]
    assert "network.admin-port-exposed" not in by_rule


DEFAULT_VPC_CLUSTERS = """
resource "aws_rds_cluster" "aurora" {
  cluster_identifier = "aurora"
  engine             = "aurora-postgresql"
}
resource "aws_rds_cluster_instance" "aurora" {
  cluster_identifier  = aws_rds_cluster.aurora.id
  instance_class      = "db.r6g.large"
  engine              = "aurora-postgresql"
  publicly_accessible = true
}
resource "aws_rds_cluster" "mysql" {
  cluster_identifier = "mysql"
  port               = 4406
}
resource "aws_neptune_cluster" "graph" {
  cluster_identifier = "graph"
}
resource "aws_neptune_cluster_instance" "graph" {
  cluster_identifier = aws_neptune_cluster.graph.id
  instance_class     = "db.r6g.large"
}
"""


def test_clusters_in_the_default_vpc_are_unknown_on_their_database_port_only(tmp_path: Path) -> None:
    net = scan(tmp_path, DEFAULT_VPC_CLUSTERS)
    admin = [f.resource for f in admin_port_exposures(net)]
    assert admin == []
    found = {f.resource: (f.status, f.ports.describe()) for f in database_port_exposures(net)}
    assert found == {
        "aws_rds_cluster.aurora": ("unknown", "5432"),
        "aws_rds_cluster_instance.aurora": ("unknown", "5432"),
        "aws_rds_cluster.mysql": ("unknown", "4406"),
        "aws_neptune_cluster.graph": ("unknown", "8182"),
        "aws_neptune_cluster_instance.graph": ("unknown", "8182"),
    }
    message = next(f.message for f in database_port_exposures(net) if f.resource == "aws_rds_cluster.aurora")
    assert message.endswith("no subnet group: the default VPC is used, which is not in the estate")


def test_instance_with_the_same_open_group_still_has_admin_ports(tmp_path: Path) -> None:
    net = scan(
        tmp_path,
        """
resource "aws_instance" "web" {
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public_a.id
  vpc_security_group_ids      = [aws_security_group.world.id]
  associate_public_ip_address = true
}""",
    )
    [found] = [f for f in admin_port_exposures(net) if f.resource == "aws_instance.web"]
    assert found.status == "exposed"
    assert found.ports.describe() == "22, 3389, 5985-5986"


def classic_elb(lb_port: int) -> str:
    return f"""
resource "aws_instance" "app" {{
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private_a.id
  vpc_security_group_ids = [aws_security_group.world.id]
}}
resource "aws_elb" "front" {{
  subnets         = [aws_subnet.public_a.id]
  security_groups = [aws_security_group.world.id]
  instances       = [aws_instance.app.id]
  listener {{
    lb_port           = {lb_port}
    lb_protocol       = "tcp"
    instance_port     = 8080
    instance_protocol = "tcp"
  }}
}}"""


def test_classic_elb_listening_on_80_has_no_admin_ports(tmp_path: Path) -> None:
    net = scan(tmp_path, classic_elb(80))
    assert {f.resource: f.status for f in admin_port_exposures(net)} == {"aws_instance.app": "latent"}
    assert {f.resource: f.status for f in database_port_exposures(net)} == {"aws_instance.app": "latent"}


def test_classic_elb_listening_on_22_is_exposed(tmp_path: Path) -> None:
    net = scan(tmp_path, classic_elb(22))
    found = {f.resource: f for f in admin_port_exposures(net)}
    assert found["aws_elb.front"].status == "exposed"
    assert found["aws_elb.front"].ports.describe() == "22"
    # The instance behind it is reached on instance_port from the balancer, not on 22 from the internet:
    # its own open group stays latent (a private subnet).
    assert found["aws_instance.app"].status == "latent"
    assert found["aws_instance.app"].via is None


def test_classic_elb_in_the_default_vpc_is_unknown_on_its_listener_only(tmp_path: Path) -> None:
    net = scan(
        tmp_path,
        """
resource "aws_elb" "classic" {
  availability_zones = ["eu-west-1a"]
  listener {
    lb_port           = 5432
    lb_protocol       = "tcp"
    instance_port     = 5432
    instance_protocol = "tcp"
  }
}""",
    )
    assert [f.resource for f in admin_port_exposures(net)] == []
    [found] = database_port_exposures(net)
    assert (found.resource, found.status, found.ports.describe()) == ("aws_elb.classic", "unknown", "5432")
