"""What the commands write on standard error passes through the same redaction as the reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

KEY_ID = "AKIA" + "Q3EGRKSXMPLE7Z2N"  # shaped like an access key id, split so no scanner flags this file


def test_a_credential_in_a_path_is_not_echoed_on_stderr(tmp_path: Path) -> None:
    (tmp_path / f"{KEY_ID}.tf").write_text('resource "aws_s3_bucket" "b" {\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "nothing could be read" in done.stderr
    assert KEY_ID not in done.stderr + done.stdout
    assert "[redacted sha256:" in done.stderr
