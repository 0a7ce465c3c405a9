"""For any input, the readers of what configures a scan return normally or raise their own input error with
a message naming the file: the configuration (`engine.config.load_config`), the intents file
(`network.intents.parse_intents`), ignore comments (`hcl.comments_for`, `engine.suppressions`) and the
Terraform variable files (`variables.auto_var_files`, `variables.settings`)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ringfence.engine.config import Config, ConfigError, load_config
from ringfence.engine.findings import Suppression
from ringfence.engine.suppressions import suppression_for
from ringfence.network.intents import Intent, IntentError, parse_intents
from ringfence.sources.terraform.hcl import comments_for
from ringfence.sources.terraform.loader import RootLoad
from ringfence.sources.terraform.variables import auto_var_files
from ringfence.sources.terraform.variables import settings as root_settings

from .corpus import ALIAS_BOMB
from .mutations import huge_strings, json_values, mutated, mutated_text, nested

# -- configuration -------------------------------------------------------------------------------------

CONFIG = """\
include = ["network.", "iam.trust-policy-scoped"]
skip = ["kms.key-rotation-enabled"]
exclude = ["vendor/**"]
account_id = "123456789012"
fail_on = "medium"

[severity]
"network.admin-port-exposed" = "critical"

[terraform]
max_instances = 5000
timeout = 120
"""
CONFIG_KEYS = (
    "include",
    "rules",
    "skip",
    "exclude",
    "account_id",
    "account-id",
    "fail_on",
    "fail-on",
    "severity",
    "terraform",
    "tool",
)


def _toml(value: object) -> str:
    """`value` written as a TOML value (None, which TOML lacks, as an empty table)."""
    if value is None:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _config_read_or_refused(path: Path, *, search: bool) -> None:
    try:
        config = load_config(None, [path.parent]) if search else load_config(str(path), [])
    except ConfigError as exc:
        assert str(exc).startswith(f"{path}: ") or str(exc).startswith(f"{path}:"), exc
        return
    assert isinstance(config, Config)


@given(
    st.one_of(
        mutated(CONFIG.encode()),
        st.builds(
            lambda k, v: f"{json.dumps(k)} = {_toml(v)}\n", st.sampled_from(CONFIG_KEYS), json_values()
        ).map(str.encode),
        st.builds(
            lambda t, k, v: f"[{t}]\n{json.dumps(k)} = {_toml(v)}\n",
            st.sampled_from(("severity", "terraform", "tool", "tool.ringfence")),
            st.text(max_size=20),
            json_values(),
        ).map(str.encode),
        nested("[", "]").map(lambda deep: f"include = {deep}\n".encode()),
    ),
    st.sampled_from((".ringfence.toml", "pyproject.toml", "ringfence.toml")),
)
@example(b'severity = ["high"]\n', ".ringfence.toml")
@example(b'severity = "high"\n', "pyproject.toml")
@example(b"tool = 3\n", "pyproject.toml")
@example(b"[tool]\nringfence = 3\n", "pyproject.toml")
@example(b"include = " + b"[" * 5000 + b"]" * 5000 + b"\n", ".ringfence.toml")
def test_any_configuration_is_read_or_refused_with_its_file(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str
) -> None:
    path = tmp_path_factory.mktemp("config") / name
    path.write_bytes(data)
    _config_read_or_refused(path, search=False)
    if name != "ringfence.toml":
        _config_read_or_refused(path, search=True)


# -- intents (ringfence.yaml) -------------------------------------------------------------------------------

INTENTS = """\
intents:
  - name: databases-stay-private
    from: internet
    to: {tag: {tier: db}}
    must: not-reach
  - name: app-reaches-orders-db
    from: aws_instance.app
    to: aws_db_instance.orders
    port: 5432
    protocol: tcp
    must: reach
"""
INTENT_FIELDS = ("name", "from", "to", "must", "port", "protocol")


def _intent_with(field: str, value: object) -> str:
    doc = yaml.safe_load(INTENTS)
    doc["intents"][1][field] = value
    return yaml.safe_dump(doc)


def _intents_read_or_refused(text: str) -> None:
    try:
        intents = parse_intents(text, "estate/ringfence.yaml")
    except IntentError as exc:
        assert exc.path == "estate/ringfence.yaml" and exc.message
        assert exc.line is None or exc.line >= 1
        return
    assert all(isinstance(i, Intent) and i.must in ("reach", "not-reach") for i in intents)


@given(
    st.one_of(
        mutated(INTENTS.encode()).map(lambda b: b.decode("utf-8", "surrogateescape")),
        mutated_text(INTENTS),
        st.builds(
            _intent_with,
            st.sampled_from(INTENT_FIELDS),
            json_values() | huge_strings().map(lambda s: s[:4000]),
        ),
        # Past a few hundred levels PyYAML's scanner costs about 2 s of CPU whatever the depth: the
        # deepest case is the explicit example.
        nested("[", "]", deepest=400).map(lambda deep: f"intents: {deep}\n"),
        nested("{a: ", "}", "1").map(lambda deep: f"intents:\n  - name: {deep}\n"),
        st.just(ALIAS_BOMB),
    )
)
@example("intents: " + "[" * 20000 + "]" * 20000 + "\n")
def test_any_intents_file_is_read_or_refused_with_its_line(text: str) -> None:
    _intents_read_or_refused(text)


# -- ignore comments -------------------------------------------------------------------------------------

RULE = "network.admin-port-exposed"
PEERS = {"CKV_AWS_24": (RULE,), "AWS-0107": (RULE,)}
COMMENT_LINES = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda p, t: p + t, st.sampled_from(("# ", "// ", "/* ", "#", "  # ")), st.text(max_size=60)
        ),
        st.sampled_from(
            ("<<EOT", "<<-EOT", "EOT", "}", "{", '"#"', "# ringfence:ignore *", "# checkov:skip=")
        ),
        huge_strings().map(lambda s: "# " + s[:100_000]),
    ),
    max_size=12,
)


@given(COMMENT_LINES, st.data())
def test_any_comments_are_read_and_an_ignore_among_them_still_counts(
    lines: list[str], data: st.DataObject
) -> None:
    # A block spans lines of its file: `start..end`, 1-based.
    start = data.draw(st.integers(1, max(len(lines), 1)))
    found = comments_for(lines, start, data.draw(st.integers(start, max(len(lines), start))))
    assert all(isinstance(c, str) for c in found)
    assert suppression_for(RULE, found, PEERS) is None or isinstance(
        suppression_for(RULE, found, PEERS), Suppression
    )
    # A ringfence ignore comment directly above the block suppresses whatever else is around it.
    block = [
        "# ringfence:ignore network.admin-port-exposed reviewed",
        'resource "aws_security_group" "s" {',
        *lines,
        "}",
    ]
    owned = comments_for(block, 2, len(block))
    got = suppression_for(RULE, owned, PEERS)
    assert got is not None and got.by == "ringfence:ignore" and got.reason == "reviewed"


# -- Terraform variable files --------------------------------------------------------------------------------

TFVARS = 'names = ["a", "b"]\npassword = "s3cr3t-value"\nsettings = {\n  size = 3\n}\n'
TFVARS_JSON = json.dumps({"names": ["a", "b"], "settings": {"size": 3}}, indent=2)


def _odd(folder: Path, kind: str) -> None:
    """An entry Terraform would take for a variable file that is not one."""
    if kind == "fifo":
        os.mkfifo(folder / "pipe.auto.tfvars")
    elif kind == "folder":
        (folder / "dir.auto.tfvars").mkdir()
    elif kind == "loop":
        (folder / "a.auto.tfvars").symlink_to(folder / "b.auto.tfvars")
        (folder / "b.auto.tfvars").symlink_to(folder / "a.auto.tfvars")
    elif kind == "dangling":
        (folder / "gone.auto.tfvars").symlink_to(folder / "nowhere")


@settings(max_examples=20)
@given(
    st.one_of(
        mutated(TFVARS.encode()),
        mutated(TFVARS_JSON.encode()),
        huge_strings().map(lambda s: f'x = "{s}"\n'.encode()),
        nested("[", "]").map(lambda deep: f'{{"x": {deep}}}'.encode()),
    ),
    st.sampled_from(("terraform.tfvars", "terraform.tfvars.json", "x.auto.tfvars", "x.auto.tfvars.json")),
    st.sampled_from(("none", "fifo", "folder", "loop", "dangling")),
)
@example(b"names = [\x00\xff\n", "terraform.tfvars", "fifo")
def test_any_variable_file_is_read_line_by_line(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str, odd: str
) -> None:
    root = tmp_path_factory.mktemp("root")
    (root / "main.tf").write_text('variable "names" {\n  default = ["z"]\n}\n', encoding="utf-8")
    (root / name).write_bytes(data)
    (root / "good.auto.tfvars").write_text('names = ["good"]\n', encoding="utf-8")
    _odd(root, odd)
    found = auto_var_files(root)
    assert {p.name for p in found} == {name, "good.auto.tfvars"}  # only files: the odd entry is not one
    load = RootLoad(root, "", (), (), (), ())
    out = root_settings([load], root, ())
    by_address = {r.address: r for r in out}
    assert by_address["good.auto.tfvars"].attributes["lines"] == ((1, "names", 'names = ["good"]'),)
    assert by_address["var.names"].kind == "variable"
    if data.strip():
        assert all(isinstance(text, str) for _, _, text in by_address[name].attributes["lines"])
