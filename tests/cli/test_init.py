"""`ringfence init` writes a commented .ringfence.toml that the configuration reader takes as it is, and
whose every commented setting is one the reader knows."""

from __future__ import annotations

import re
from pathlib import Path

from ringfence.engine.config import Config, load_config
from tests.cli.test_scan_cli import ringfence

SETTING = re.compile(r'^# (\[\w+\]|"?[\w.-]+"? = .+)$')


def test_init_writes_a_config_with_the_defaults_that_scans_read(tmp_path: Path) -> None:
    done = ringfence("init", str(tmp_path))
    assert done.returncode == 0 and "wrote" in done.stderr
    assert (tmp_path / ".ringfence.toml").read_text(encoding="utf-8").startswith("# ringfence configuration")
    config = load_config(None, [tmp_path])
    assert (config.fail_on, config.estate_scope) == ("high", "partial")
    assert config.include == Config().include and config.skip == Config().skip

    again = ringfence("init", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert ringfence("init", str(tmp_path), "--force").returncode == 0
    assert ringfence("init", str(tmp_path / "missing")).returncode == 2


def test_every_commented_setting_is_one_the_reader_knows(tmp_path: Path) -> None:
    ringfence("init", str(tmp_path))
    lines = (tmp_path / ".ringfence.toml").read_text(encoding="utf-8").splitlines()
    uncommented = [line[2:] if SETTING.match(line) else line for line in lines]
    assert sum(1 for a, b in zip(lines, uncommented, strict=True) if a != b) >= 10
    (tmp_path / "policy" / "rules").mkdir(parents=True)
    (tmp_path / ".ringfence.toml").write_text("\n".join(uncommented) + "\n", encoding="utf-8")
    config = load_config(None, [tmp_path])
    assert config.account_id == "123456789012" and config.include == ("network.", "identity.")
    assert config.trusted_accounts and config.exclude and config.rule_folders
