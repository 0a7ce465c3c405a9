"""Expansions over the limits, infinite values and module cycles cost their own blocks, not the root.

The limits are set tiny through the environment (or the configuration file) so that each input stays
small: what is asserted is which blocks are analysed and what is said about the others.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ringfence.model import Unknown
from ringfence.sources import load_estate

GOOD = 'resource "aws_s3_bucket" "good" {\n  bucket = "good-bucket"\n}\n'


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_NO_CACHE", "1")
    monkeypatch.setenv("RINGFENCE_TF_MAX_INSTANCES", "50")
    monkeypatch.setenv("RINGFENCE_TF_MAX_ROOT_INSTANCES", "500")
    monkeypatch.setenv("RINGFENCE_TF_TIMEOUT", "60")


def _errors(estate: object) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.message) for e in estate.errors]  # type: ignore[attr-defined]


def _evaluated(estate: object) -> list[str]:
    return [r.address for r in estate.resources if r.unevaluated is None]  # type: ignore[attr-defined]


def _set_aside(estate: object) -> dict[str, tuple[str | None, int | None]]:
    """The resources kept without being evaluated, with where they are declared; each must say why."""
    out = {}
    for r in estate.resources:  # type: ignore[attr-defined]
        if r.unevaluated is not None:
            assert r.unevaluated.endswith("analysed as unknown") and not r.attributes
            out[r.address] = (r.provenance.path, r.provenance.line)
    return out


OVER = {
    "count": ("count = 1000", "count of 1,000 is over the limit of 50 instances per resource"),
    "pow": ("count = pow(10, 3)", "count of 1,000 is over the limit of 50"),
    "local": ("count = local.n * 2", "count of 200 is over the limit of 50"),
    "length": ("count = length([for i in range(60) : i])", "count of 60 is over the limit of 50"),
    # A set made of a list may be smaller than the list: its size is an upper bound.
    "for_each_range": (
        "for_each = toset([for i in range(1e6) : tostring(i)])",
        "for_each of up to 1,000,000",
    ),
    "setproduct": (
        'for_each = { for p in setproduct(range(10), range(10), range(10)) : join("-", p) => p }',
        "for_each of 1,000 is over the limit of 50",
    ),
    # An `if` can only drop items: a for expression is bounded by what it walks.
    "for_if": (
        "for_each = { for k in range(10000000) : k => k if k % 2 == 0 }",
        "for_each of up to 10,000,000 is over the limit of 50 instances per resource",
    ),
    "for_if_setproduct": (
        'for_each = { for p in setproduct(range(100), range(100)) : join("-", p) => p if p[0] != p[1] }',
        "for_each of up to 10,000 is over the limit of 50",
    ),
    "nested_for": (
        'for_each = toset(flatten([for a in range(100) : [for b in range(100) : "${a}-${b}" if a != b]]))',
        "for_each of up to 10,000 is over the limit of 50",
    ),
    "grouped_for": (
        "for_each = { for i in range(1000) : i % 7 => i... }",
        "for_each of up to 1,000 is over the limit of 50",
    ),
    "length_of_filtered": (
        "count = length([for i in range(30) : i if i > 2]) * 2",
        "count of up to 60 is over the limit of 50",
    ),
    "map": ("for_each = { " + ", ".join(f"k{i} = {i}" for i in range(60)) + " }", "for_each of 60"),
}


@pytest.mark.parametrize("family", sorted(OVER))
def test_an_expansion_over_the_limit_is_unknown_and_the_rest_evaluated(write_tree, family: str) -> None:  # type: ignore[no-untyped-def]
    expression, said = OVER[family]
    root = write_tree(
        {
            "main.tf": "locals {\n  n = 100\n}\n"
            f'resource "aws_s3_bucket" "many" {{\n  {expression}\n  bucket = "many"\n}}\n' + GOOD,
        }
    )
    estate = load_estate([str(root)])
    assert _evaluated(estate) == ["aws_s3_bucket.good"]
    assert _set_aside(estate) == {"aws_s3_bucket.many": ("main.tf", 4)}
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("main.tf", 4)
    assert all(e.undecided for e in estate.errors)
    assert message.startswith("aws_s3_bucket.many: ") and said in message
    assert message.endswith("analysed as unknown")


def test_an_expansion_under_the_limit_is_evaluated_in_full(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'resource "aws_s3_bucket" "few" {\n  count  = pow(2, 5)\n  bucket = "few-${count.index}"\n}\n'
        }
    )
    estate = load_estate([str(root)])
    assert len(estate.of_kind("aws_s3_bucket")) == 32
    assert not estate.errors


def test_a_count_that_refers_to_its_own_block_is_set_aside(write_tree) -> None:  # type: ignore[no-untyped-def]
    # Terraform rejects a self-referential block; tfparse ran out of memory on it, and narrowing the
    # failure by halves could then blame the good file beside it.
    root = write_tree(
        {
            "self.tf": 'resource "aws_s3_bucket" "s" {\n  count  = length(aws_s3_bucket.s)\n  bucket = "s"\n}\n',
            "good.tf": 'resource "aws_kms_key" "good" {\n  description = "k"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    assert _evaluated(estate) == ["aws_kms_key.good"]
    assert _set_aside(estate) == {"aws_s3_bucket.s": ("self.tf", 1)}
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("self.tf", 1) and "refers to the block itself" in message
    # A reference to another block of the same type is not one to itself.
    other = write_tree(
        {
            "other/main.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n'
            'resource "aws_s3_bucket" "s" {\n  count  = length([aws_s3_bucket.a.id])\n  bucket = "s"\n}\n'
        }
    )
    assert sorted(_evaluated(load_estate([str(other / "other")]))) == [
        "aws_s3_bucket.a",
        "aws_s3_bucket.s[0]",
    ]


def test_nested_dynamic_blocks_multiply(write_tree) -> None:  # type: ignore[no-untyped-def]
    group = """resource "aws_security_group" "wide" {
  dynamic "ingress" {
    for_each = range(10)
    content {
      from_port = 0
      to_port   = 0
      protocol  = "-1"
      dynamic "nested" {
        for_each = range(10)
        content {}
      }
    }
  }
}
"""
    estate = load_estate([str(write_tree({"sg.tf": group, "good.tf": GOOD}))])
    assert _evaluated(estate) == ["aws_s3_bucket.good"]
    assert _set_aside(estate) == {"aws_security_group.wide": ("sg.tf", 1)}
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("sg.tf", 1)
    assert 'dynamic "nested" of 100 blocks (10 x 10) is over the limit of 50 blocks per resource' in message


def test_a_module_call_over_the_limit_is_unknown(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'module "wide" {\n  source = "./mod"\n  count  = 1000000\n}\n'
            'module "fine" {\n  source = "./mod"\n  count  = 2\n}\n'
            'module "deep" {\n  source = "./big"\n}\n' + GOOD,
            "mod/main.tf": 'resource "aws_s3_bucket" "inner" {\n  bucket = "inner"\n}\n',
            "big/main.tf": 'resource "aws_s3_bucket" "inner" {\n  count  = 60\n  bucket = "inner"\n}\n'
            'resource "aws_s3_bucket" "kept" {\n  bucket = "kept"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    # A module call set aside keeps each resource it declares, not evaluated.
    assert _set_aside(estate) == {
        "module.wide.aws_s3_bucket.inner": ("mod/main.tf", 1),
        "module.deep.aws_s3_bucket.inner": ("big/main.tf", 1),
    }
    assert sorted(_evaluated(estate)) == [
        "aws_s3_bucket.good",
        "module.deep.aws_s3_bucket.kept",
        "module.fine[0].aws_s3_bucket.inner",
        "module.fine[1].aws_s3_bucket.inner",
    ]
    errors = _errors(estate)
    assert [(p, line) for p, line, _ in errors] == [("main.tf", 1), ("big/main.tf", 1)]
    assert "module.wide: count of 1,000,000 is over the limit of 50" in errors[0][2]
    assert errors[1][2].startswith("module.deep.aws_s3_bucket.inner: count of 60 is over the limit of 50")


MODULE = """variable "n" {}
variable "m" {
  default = 2
}
resource "aws_s3_bucket" "good" {
  bucket = "good"
}
resource "aws_s3_bucket" "many" {
  count  = var.n
  bucket = "many-${count.index}"
}
resource "aws_s3_bucket" "by_default" {
  count  = var.m * 10
  bucket = "d-${count.index}"
}
"""


def _prefixes(estate: object) -> dict[str, int]:
    """How many resources each evaluated block (address without instance keys) has."""
    import re

    counted: dict[str, int] = {}
    for r in estate.resources:  # type: ignore[attr-defined]
        if r.unevaluated is not None:
            continue
        block = re.sub(r"\[[^\]]*\]", "", r.address)
        counted[block] = counted.get(block, 0) + 1
    return counted


def test_a_bound_inside_a_module_costs_that_block_of_that_call_only(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'module "small" {\n  source = "./mod"\n  n      = 3\n}\n'
            'module "big" {\n  source = "./mod"\n  n      = 10000000\n}\n'
            'module "three" {\n  source = "./mod"\n  count  = 3\n  n      = 20\n  m      = 1\n}\n'
            'module "wide_default" {\n  source = "./mod"\n  n = 1\n  m = 6\n}\n',
            "mod/main.tf": MODULE,
        }
    )
    estate = load_estate([str(root)])
    assert _prefixes(estate) == {
        "module.small.aws_s3_bucket.good": 1,
        "module.small.aws_s3_bucket.many": 3,
        "module.small.aws_s3_bucket.by_default": 20,
        "module.big.aws_s3_bucket.good": 1,
        "module.big.aws_s3_bucket.by_default": 20,
        "module.three.aws_s3_bucket.good": 3,
        "module.three.aws_s3_bucket.by_default": 30,
        "module.wide_default.aws_s3_bucket.good": 1,
        "module.wide_default.aws_s3_bucket.many": 1,
    }
    # Resources of the module are located in its own file, whichever copy was evaluated.
    assert {r.provenance.path for r in estate.resources} == {"mod/main.tf"}
    assert _set_aside(estate) == {
        "module.big.aws_s3_bucket.many": ("mod/main.tf", 8),
        "module.three.aws_s3_bucket.many": ("mod/main.tf", 8),
        "module.wide_default.aws_s3_bucket.by_default": ("mod/main.tf", 12),
    }
    assert _errors(estate) == [
        (
            "mod/main.tf",
            8,
            "module.big.aws_s3_bucket.many: count of 10,000,000 is over the limit of 50 instances per "
            "resource (terraform.max_instances); analysed as unknown",
        ),
        (
            "mod/main.tf",
            8,
            "module.three.aws_s3_bucket.many: count of 20 in each of 3 instances of the module: 60, over "
            "the limit of 50 instances per resource (terraform.max_instances); analysed as unknown",
        ),
        (
            "mod/main.tf",
            12,
            "module.wide_default.aws_s3_bucket.by_default: count of 60 is over the limit of 50 instances "
            "per resource (terraform.max_instances); analysed as unknown",
        ),
    ]


def test_a_bound_deep_in_nested_modules_and_several_roots(write_tree) -> None:  # type: ignore[no-untyped-def]
    outer = 'variable "n" {}\nmodule "inner" {\n  source = "../inner"\n  n      = var.n * 10\n}\n'
    outer += 'resource "aws_s3_bucket" "outer" {\n  bucket = "outer"\n}\n'
    root = write_tree(
        {
            "envs/a/main.tf": 'module "o" {\n  source = "../../modules/outer"\n  n      = 1\n}\n',
            "envs/b/main.tf": 'module "o" {\n  source = "../../modules/outer"\n  n      = 100\n}\n',
            "modules/outer/main.tf": outer,
            "modules/inner/main.tf": MODULE.replace("var.m * 10", "0"),
        }
    )
    estate = load_estate([str(root)])
    assert _prefixes(estate) == {
        "envs/a:module.o.aws_s3_bucket.outer": 1,
        "envs/a:module.o.module.inner.aws_s3_bucket.good": 1,
        "envs/a:module.o.module.inner.aws_s3_bucket.many": 10,
        "envs/b:module.o.aws_s3_bucket.outer": 1,
        "envs/b:module.o.module.inner.aws_s3_bucket.good": 1,
    }
    assert _set_aside(estate) == {
        "envs/b:module.o.module.inner.aws_s3_bucket.many": ("modules/inner/main.tf", 8)
    }
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("modules/inner/main.tf", 8)
    assert message.startswith("module.o.module.inner.aws_s3_bucket.many: count of 1,000 is over the limit")


def test_a_filtered_for_under_the_limit_is_evaluated_in_full(write_tree) -> None:  # type: ignore[no-untyped-def]
    bucket = 'resource "aws_s3_bucket" "even" {\n  for_each = { for k in range(20) : k => k if k % 2 == 0 }\n'
    bucket += '  bucket   = "even-${each.key}"\n}\n'
    estate = load_estate([str(write_tree({"main.tf": bucket}))])
    assert len(estate.of_kind("aws_s3_bucket")) == 10
    assert not estate.errors


def test_a_for_in_locals_feeding_for_each(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "locals.tf": 'locals {\n  pairs = { for p in setproduct(range(10), range(10)) : join("-", p) => p'
            " if p[0] < p[1] }\n  few = [for i in range(4) : i if i > 0]\n"
            "  all = [for i in range(10000000) : i if i > 0]\n}\n",
            "main.tf": 'resource "aws_s3_bucket" "pairs" {\n  for_each = local.pairs\n  bucket = each.key\n}\n'
            'resource "aws_s3_bucket" "few" {\n  for_each = toset([for i in local.few : tostring(i)])\n'
            '  bucket = "few-${each.key}"\n}\n' + GOOD,
        }
    )
    estate = load_estate([str(root)])
    assert _prefixes(estate) == {"aws_s3_bucket.few": 3, "aws_s3_bucket.good": 1}
    assert _set_aside(estate) == {"aws_s3_bucket.pairs": ("main.tf", 1)}
    assert _errors(estate) == [
        (
            "locals.tf",
            4,
            "local.all evaluates to up to 10,000,000 items, over the limit of 500 per root "
            "(terraform.max_root_instances): it and what uses it are analysed as unknown",
        ),
        (
            "main.tf",
            1,
            "aws_s3_bucket.pairs: for_each of up to 100 is over the limit of 50 instances per resource "
            "(terraform.max_instances); analysed as unknown",
        ),
    ]


def test_the_root_limit_sets_aside_what_goes_past_it(write_tree, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_TF_MAX_ROOT_INSTANCES", "60")
    blocks = [f'resource "aws_s3_bucket" "b{i}" {{\n  count  = 40\n  bucket = "b{i}"\n}}\n' for i in range(2)]
    estate = load_estate([str(write_tree({"main.tf": "".join(blocks)}))])
    assert {a.split("[")[0] for a in _evaluated(estate)} == {"aws_s3_bucket.b0"}
    assert len(_evaluated(estate)) == 40
    assert _set_aside(estate) == {"aws_s3_bucket.b1": ("main.tf", 5)}
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("main.tf", 5)
    assert "40 more instances bring the root to 80, over the limit of 60 per root" in message


@pytest.mark.parametrize("expression", ["pow(10, 400)", "-pow(10, 400)", "1 / 0", "local.half * local.half"])
def test_an_infinite_local_is_unknown_where_it_is_used(write_tree, expression: str) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "locals.tf": f'locals {{\n  half = pow(10, 200)\n  big  = {expression}\n  name = "fine"\n}}\n',
            "main.tf": 'resource "aws_s3_bucket" "uses" {\n  bucket = "b-${local.big}"\n}\n'
            'resource "aws_s3_bucket" "named" {\n  bucket = local.name\n}\n',
        }
    )
    estate = load_estate([str(root)])
    uses, named = estate.get("aws_s3_bucket.uses"), estate.get("aws_s3_bucket.named")
    assert uses is not None and named is not None
    assert isinstance(uses.get("bucket"), Unknown)
    assert named.get("bucket") == "fine"
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("locals.tf", 3)
    assert message.startswith("local.big evaluates to ") and "analysed as unknown" in message


def test_an_infinite_argument_costs_its_resource_only(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {"main.tf": 'resource "aws_sqs_queue" "q" {\n  delay_seconds = pow(10, 400)\n}\n' + GOOD}
    )
    estate = load_estate([str(root)])
    assert _evaluated(estate) == ["aws_s3_bucket.good"]
    assert _set_aside(estate) == {"aws_sqs_queue.q": ("main.tf", 1)}
    assert _errors(estate) == [
        ("main.tf", 1, "aws_sqs_queue.q: delay_seconds evaluates to +Inf; analysed as unknown")
    ]


def test_a_cyclic_module_call_costs_that_call_only(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "main.tf": 'module "self" {\n  source = "./"\n}\nmodule "loop" {\n  source = "./m1"\n}\n'
            'module "fine" {\n  source = "./ok"\n}\n' + GOOD,
            "m1/main.tf": 'module "m2" {\n  source = "../m2"\n}\nresource "aws_s3_bucket" "m1" {}\n',
            "m2/main.tf": 'module "m1" {\n  source = "../m1"\n}\n',
            "ok/main.tf": 'resource "aws_s3_bucket" "ok" {\n  bucket = "ok"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    assert sorted(r.address for r in estate.resources) == [
        "aws_s3_bucket.good",
        "module.fine.aws_s3_bucket.ok",
    ]
    errors = {(p, line): m for p, line, m in _errors(estate)}
    assert "cycle . -> ." in errors[("main.tf", 1)]
    assert "cycle . -> m1 -> m2 -> m1" in errors[("m2/main.tf", 1)]


def test_limits_from_the_configuration_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RINGFENCE_TF_MAX_INSTANCES")
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "many" {\n  count  = 8\n  bucket = "many"\n}\n' + GOOD, encoding="utf-8"
    )
    (tmp_path / ".ringfence.toml").write_text("[terraform]\nmax_instances = 5\n", encoding="utf-8")

    def scan() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )

    report = json.loads(scan().stdout)
    assert report["summary"]["resources"] == 2  # the good one, and the one set aside (not evaluated)
    assert [(e["line"], e["status"]) for e in report["errors"]] == [(1, "unknown")]
    assert "over the limit of 5 instances" in report["errors"][0]["message"]
    # The environment wins over the file.
    monkeypatch.setenv("RINGFENCE_TF_MAX_INSTANCES", "10")
    assert json.loads(scan().stdout)["summary"]["resources"] == 9
    (tmp_path / ".ringfence.toml").write_text("[terraform]\nmax_instance = 5\n", encoding="utf-8")
    done = scan()
    assert done.returncode == 2
    assert "terraform.max_instance is not a setting" in done.stderr


def test_cached_results_follow_the_limits(
    write_tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RINGFENCE_NO_CACHE")
    monkeypatch.setenv("RINGFENCE_CACHE_DIR", str(tmp_path / "cache"))
    root = write_tree({"tf/main.tf": 'resource "aws_s3_bucket" "many" {\n  count  = 30\n  bucket = "m"\n}\n'})
    assert len(load_estate([str(root / "tf")]).resources) == 30
    monkeypatch.setenv("RINGFENCE_TF_MAX_INSTANCES", "20")
    again = load_estate([str(root / "tf")])
    assert not _evaluated(again) and _set_aside(again) == {"aws_s3_bucket.many": ("main.tf", 1)}
    assert "count of 30 is over the limit of 20" in again.errors[0].message


def test_a_worker_out_of_memory_costs_its_file_and_names_the_line(
    write_tree, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_TF_MEMORY_MB", "1000")
    # The bounds do not evaluate `tonumber`: only the worker's limits stop this one.
    n = 'tonumber("100")'
    bomb = f"# grows past any limit\n\nlocals {{\n  a = setproduct(range({n}), range({n}), range({n}), range({n}))\n}}\n"
    root = write_tree(
        {
            "a.tf": GOOD,
            "b.tf": bomb,
            "c.tf": 'resource "aws_s3_bucket" "other" {\n  bucket = "other"\n}\n',
        }
    )
    estate = load_estate([str(root)])
    assert sorted(r.address for r in estate.resources) == ["aws_s3_bucket.good", "aws_s3_bucket.other"]
    [(path, line, message)] = _errors(estate)
    assert (path, line) == ("b.tf", 3)
    assert "out of memory" in message and "goroutine" not in message


def test_the_checks_of_a_resource_set_aside_are_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_kms_key" "many" {\n  count               = 100000\n  enable_key_rotation = true\n}\n'
        'resource "aws_kms_key" "one" {\n  enable_key_rotation = false\n}\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "ringfence", "scan", str(tmp_path), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == [
        {
            "path": "main.tf",
            "line": 1,
            "message": "aws_kms_key.many: count of 100,000 is over the limit of 50 instances per resource "
            "(terraform.max_instances); analysed as unknown",
            "status": "unknown",
        }
    ]
    rotation = {
        f["resource"]: (f["status"], f["location"]["line"], f["message"])
        for f in report["findings"]
        if f["rule_id"] == "kms.key-rotation-enabled"
    }
    assert rotation["aws_kms_key.one"][:2] == ("fail", 5)
    assert rotation["aws_kms_key.many"] == (
        "unknown",
        1,
        "not evaluated: count of 100,000 is over the limit of 50 instances per resource "
        "(terraform.max_instances); analysed as unknown",
    )
    # Every check of its kind says unknown for it: none passes or fails on attributes it does not have.
    assert {f["status"] for f in report["findings"] if f["resource"] == "aws_kms_key.many"} == {"unknown"}


def test_a_bound_in_a_module_above_the_scanned_folder(write_tree) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(
        {
            "envs/a/main.tf": 'module "big" {\n  source = "../../modules/m"\n  n      = 10000000\n}\n',
            "modules/m/main.tf": MODULE,
            # The call's copy of the module reads the module's other files where they are.
            "modules/m/policy.tf": 'resource "aws_s3_bucket_policy" "p" {\n  bucket = "good"\n'
            '  policy = file("${path.module}/policy.json")\n}\n',
            "modules/m/policy.json": '{"Version": "2012-10-17", "Statement": []}\n',
        }
    )
    estate = load_estate([str(root / "envs" / "a")])
    assert _prefixes(estate) == {
        "module.big.aws_s3_bucket.good": 1,
        "module.big.aws_s3_bucket.by_default": 20,
        "module.big.aws_s3_bucket_policy.p": 1,
    }
    policy = estate.get("module.big.aws_s3_bucket_policy.p")
    assert policy is not None and "2012-10-17" in str(policy.get("policy"))
    assert _set_aside(estate) == {"module.big.aws_s3_bucket.many": ("../../modules/m/main.tf", 8)}
    assert [(p, line) for p, line, _ in _errors(estate)] == [("../../modules/m/main.tf", 8)]
