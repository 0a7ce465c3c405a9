from __future__ import annotations

import subprocess
import sys


def test_nothing_heavy_at_import() -> None:
    code = (
        "import sys, ringfence.cli.detect, ringfence.logs.runner, ringfence.logs.report, ringfence.logs.sigma, "
        "ringfence.logs.spark, ringfence.logs.ingest, ringfence.logs.unused\n"
        "heavy = [m for m in ('duckdb', 'pyspark', 'sigma', 'sqlglot', 'yaml') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ip_classification() -> None:
    from ringfence.logs.ipranges import is_aws, outside_aws

    assert is_aws("52.45.102.28") and is_aws("3.225.16.109")
    assert not outside_aws("192.168.10.20") and not outside_aws("ec2.amazonaws.com")
    assert outside_aws("86.245.153.234") and not outside_aws("52.45.102.28")
    assert outside_aws("2001:db9::1") is True or outside_aws("2001:db9::1") is False  # parses IPv6
