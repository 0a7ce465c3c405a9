"""When the scanned estate was observed, deterministically: the newest modification time of its files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from ringfence.engine.runner import ScanResult


def observed_at(result: ScanResult) -> str:
    root = Path(result.estate.root_path) if result.estate.root_path else None
    newest = 0.0
    if root is not None and root.exists():
        paths = [root] if root.is_file() else [Path(d) / f for d, _, files in os.walk(root) for f in files]
        for p in paths:
            if p.suffix in (".tf", ".json", ".tfvars", ".yaml", ".yml"):
                try:
                    newest = max(newest, p.stat().st_mtime)
                except OSError:
                    continue
    return datetime.fromtimestamp(int(newest), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def observed_epoch_ms(result: ScanResult) -> int:
    stamp = datetime.strptime(observed_at(result), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return int(stamp.timestamp() * 1000)
