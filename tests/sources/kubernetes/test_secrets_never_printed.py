"""A secret planted in manifests (a Secret's data and stringData, a container's environment) is reported
in every output format and printed in none."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.shown import fingerprint

PLANTED = "Zq7Lm2Rt9Vx4Pw"
FORMATS = ("text", "json", "sarif", "junit", "html", "ocsf", "asff")


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    encoded = base64.b64encode(PLANTED.encode()).decode()
    (folder / "app.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n"
        f"data:\n  password: {encoded}\nstringData:\n  token: {PLANTED}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.0\n"
        f"          env:\n            - name: API_TOKEN\n              value: {PLANTED}\n"
    )
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_the_secret(manifests: Path, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(
        app, ["scan", str(manifests), "--format", fmt, "--output", str(out), "--fail-on", "none"]
    )
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    encoded = base64.b64encode(PLANTED.encode()).decode()
    for text in (written, result.output):
        assert PLANTED not in text and encoded not in text
    # The findings are there, named by the fingerprint.
    assert fingerprint(PLANTED) in written
