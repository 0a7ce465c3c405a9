"""Hostile Sigma rule files: each costs its own file or rule, is reported with its file, and the other
rules still run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ringfence.logs.runner import default_sigma_dir
from ringfence.logs.sigma import MAX_RULE_BYTES, load_sigma

GOOD = """title: Stop logging
id: 0b4a6f43-5a8c-4e2b-9a5c-2f4b7e0c1d11
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: StopLogging
    condition: selection
level: high
"""


def _rule(
    condition: str = "selection", values: str = "StopLogging", logsource: str = "", rid: str = ""
) -> str:
    text = GOOD.replace("condition: selection", f"condition: {condition}")
    text = text.replace("eventName: StopLogging", f"eventName: {values}")
    if logsource:
        text = text.replace(
            "logsource:\n    product: aws\n    service: cloudtrail", f"logsource: {logsource}"
        )
    if rid:
        text = text.replace("id: 0b4a6f43-5a8c-4e2b-9a5c-2f4b7e0c1d11", f"id: {rid}")
    return text


def _problems(rules: Path) -> tuple[int, dict[str, str]]:
    dets, problems = load_sigma(rules)
    return len(dets), {Path(p.path).name: p.message for p in problems}


def test_malformed_rules_cost_themselves_only(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(GOOD)
    (tmp_path / "deep.yml").write_text(_rule(condition="(" * 3000 + "selection" + ")" * 3000))
    (tmp_path / "numeric.yml").write_text(_rule(condition="42"))
    (tmp_path / "logsource.yml").write_text(_rule(logsource="[aws, cloudtrail]"))
    (tmp_path / "id.yml").write_text(_rule(rid="[1, 2]"))
    (tmp_path / "scalar.yml").write_text("42\n")
    found, by_file = _problems(tmp_path)
    assert found == 2  # the good rule, and the deep condition, which converts
    assert sorted(by_file) == ["id.yml", "logsource.yml", "numeric.yml", "scalar.yml"]
    assert all(m and "internal" not in m for m in by_file.values())


def test_a_long_value_list_is_converted_or_reported(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(GOOD)
    items = "\n".join(f"            - Event{i}" for i in range(100_000))
    (tmp_path / "long.yml").write_text(_rule(values="\n" + items))
    found, by_file = _problems(tmp_path)
    # 100,000 items are about 2 MB of YAML: over the size cap, refused unread.
    assert by_file == {"long.yml": f"refused: larger than {MAX_RULE_BYTES} bytes"}
    assert found == 1


def test_links_to_devices_and_pipes_are_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(GOOD)
    (tmp_path / "zero.yml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.yml")
    (tmp_path / "dangling.yml").symlink_to(tmp_path / "nowhere")
    found, by_file = _problems(tmp_path)
    assert found == 1
    assert by_file["zero.yml"].startswith("unreadable: not a regular file")
    assert by_file["pipe.yml"].startswith("unreadable: not a regular file")
    assert by_file["dangling.yml"].startswith("unreadable")


def test_the_bundled_rules_still_convert() -> None:
    dets, problems = load_sigma(default_sigma_dir())
    assert len(dets) > 50
    assert len(problems) <= 1, problems


@pytest.mark.parametrize("size", [MAX_RULE_BYTES + 1])
def test_a_rule_file_over_the_cap_is_refused(tmp_path: Path, size: int) -> None:
    (tmp_path / "big.yml").write_text(GOOD + "#" * size)
    found, by_file = _problems(tmp_path)
    assert found == 0 and by_file["big.yml"].startswith("refused: larger than")
