"""`ringfence reach` end to end: the json contract and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def ringfence(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringfence", *args], capture_output=True, text=True, check=False
    )


def test_json_contract_when_blocked() -> None:
    done = ringfence(
        "reach", str(FIXTURES / "nacl-deny-before-allow"), "--from", "internet", "--to", "aws_instance.web",
        "--port", "22", "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {
        "from": "internet",
        "to": "aws_instance.web",
        "port": 22,
        "protocol": "tcp",
        "reachable": False,
        "path": [],
        "blocked_by": [
            {"resource": "aws_network_acl.deny_ssh", "reason": "inbound rule 90 denies tcp/22 from 0.0.0.0/0"}
        ],
    }


def test_json_contract_when_reachable_and_bare_names() -> None:
    done = ringfence(
        "reach", str(FIXTURES / "database-tiers"), "--from", "app", "--to", "orders", "--port", "5432",
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["reachable"] is True and out["blocked_by"] == []
    assert {"resource": "aws_db_instance.orders", "step": "deliver tcp/5432"} in out["path"]


def test_unknown_is_null_with_a_reason() -> None:
    done = ringfence(
        "reach",
        str(FIXTURES / "unknown-cidr"),
        "--from",
        "internet",
        "--to",
        "box",
        "--port",
        "22",
        "--format",
        "json",
    )
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert out["reachable"] is None
    assert "not known before apply" in out["unknown"]


def test_text_output_and_icmp_without_port() -> None:
    done = ringfence("reach", str(FIXTURES / "nat-only-instance"), "--from", "worker", "--to", "1.1.1.1",
                     "--protocol", "icmp")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("aws_instance.worker -> 1.1.1.1 on icmp: reachable")


def test_ambiguous_name_lists_candidates(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_instance" "web" {\n  ami = "ami-1"\n}\nresource "aws_db_instance" "web" {\n  engine = "mysql"\n}\n'
    )
    done = ringfence("reach", str(tmp_path), "--from", "internet", "--to", "web", "--port", "22")
    assert done.returncode == 2
    assert "aws_db_instance.web" in done.stderr and "aws_instance.web" in done.stderr


def test_usage_errors_exit_2() -> None:
    fixture = str(FIXTURES / "database-tiers")
    missing = ringfence("reach", fixture, "--from", "internet", "--to", "nothing_here", "--port", "5432")
    assert missing.returncode == 2 and "nothing_here" in missing.stderr
    assert (
        ringfence("reach", fixture, "--from", "internet", "--to", "orders").returncode == 2
    )  # tcp needs --port
    assert (
        ringfence("reach", fixture, "--from", "internet", "--to", "orders", "--protocol", "gre").returncode
        == 2
    )
    assert (
        ringfence("reach", "/nonexistent", "--from", "internet", "--to", "x", "--port", "1").returncode == 2
    )
