"""The Kubernetes source on real files: multi-document, List kinds, rendered Helm, JSON, addresses,
collisions, input errors and hostile manifests (through the shared bounded reader)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.app import app
from ringfence.model import K8S
from ringfence.sources import SOURCES, load_estate, source_for
from ringfence.sources.kubernetes import KubernetesSource
from ringfence.sources.kubernetes.manifests import CLUSTER_SCOPED

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kubernetes"
POD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n"
    "  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n"
)


def test_registered_before_the_plan_source() -> None:
    names = [s.name for s in SOURCES]
    assert names.index("kubernetes") < names.index("terraform-plan")
    assert source_for(str(FIXTURES / "helm")).name == "kubernetes"
    assert source_for(str(FIXTURES / "helm" / "list.json")).name == "kubernetes"


def test_rendered_helm_lists_and_json() -> None:
    estate = load_estate([str(FIXTURES / "helm")])
    assert not estate.errors
    addresses = sorted(r.address for r in estate.resources)
    assert addresses == [
        "ClusterRole/shop:reader",
        "ConfigMap/shop/settings",
        "Namespace/shop",
        "Pod/shop/one",
        "Service/shop/shop-web",
        "ServiceAccount/default/shop-web",
    ]
    sa = estate.get("ServiceAccount/default/shop-web")
    assert sa is not None and sa.kind == K8S + "ServiceAccount" and sa.name == "shop-web"
    assert sa.provenance.path == "rendered.yaml" and sa.provenance.line == 3
    assert sa.tags == {"app.kubernetes.io/name": "web"}
    role = estate.get("ClusterRole/shop:reader")
    assert role is not None and role.name == "shop:reader" and role.provenance.line == 25
    configmap = estate.get("ConfigMap/shop/settings")
    assert (
        configmap is not None
        and configmap.provenance.path == "list.json"
        and configmap.get("data") == {"mode": "prod"}
    )
    pod = estate.get("Pod/shop/one")
    assert pod is not None and pod.provenance.line == 4


def test_claims_only_manifests(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(name="a"))
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "template.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "pod.yaml").write_text(POD.format(name="b"))
    source = KubernetesSource()
    assert source.claims(tmp_path) == (tmp_path / "pod.yaml",)
    estate = source.load_files(tmp_path, source.claims(tmp_path), _options())
    assert [r.address for r in estate.resources] == ["Pod/shop/a"]


def _options():  # type: ignore[no-untyped-def]
    from ringfence.sources import LoadOptions

    return LoadOptions()


def test_cluster_scoped_kinds_have_no_namespace(tmp_path: Path) -> None:
    docs = [
        f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n  namespace: ignored\n"
        for kind in sorted(CLUSTER_SCOPED)
    ]
    (tmp_path / "all.yaml").write_text("---\n".join(docs))
    estate = load_estate([str(tmp_path)])
    assert sorted(r.address for r in estate.resources) == sorted(f"{k}/x" for k in CLUSTER_SCOPED)


def test_colliding_objects_are_prefixed_by_their_file(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "pod.yaml").write_text(POD.format(name="web"))
    (tmp_path / "prod.yaml").write_text(POD.format(name="web") + "---\n" + POD.format(name="api"))
    estate = load_estate([str(tmp_path)])
    assert sorted(r.address for r in estate.resources) == [
        "Pod/shop/api",
        "base/pod.yaml:Pod/shop/web",
        "prod.yaml:Pod/shop/web",
    ]
    assert all(r.name in ("web", "api") for r in estate.resources)


def test_the_same_object_twice_in_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(POD.format(name="web") + "---\n" + POD.format(name="web"))
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["Pod/shop/web"]
    assert [(e.path, e.line) for e in estate.errors] == [("pods.yaml", 11)]
    assert "defined again (first at line 1)" in estate.errors[0].message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("apiVersion: v1\nkind: Pod\nspec: {}\n", 2, "no metadata"),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n", 3, "no metadata.name (generateName"),
        ("apiVersion: v1\nmetadata: {name: x}\n", 1, "no kind"),
        ("kind: Pod\nmetadata: {name: x}\n", 1, "Pod: no apiVersion"),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  namespace: [a]\n", 5, "not a name"),
        ("apiVersion: v1\nkind: List\nitems: 3\n", 3, "items is not a list"),
        ("- a\n- b\napiVersion: x\n", None, "not read"),
    ],
)
def test_an_object_without_what_the_api_server_requires_is_an_error(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    (tmp_path / "good.yaml").write_text(POD.format(name="ok"))
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["Pod/shop/ok"]
    assert len(estate.errors) == 1, estate.errors
    error = estate.errors[0]
    assert error.path == "bad.yaml" and words in error.message
    if line is not None:
        assert error.line == line


HOSTILE = {
    "alias-bomb.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n"
        '  a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"  {chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)}]\n"
            for i in range(8)
        )
    ).encode(),
    "deep.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + "[" * 5000 + "]" * 5000
    ).encode(),
    "huge.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  x: "
    + b"a" * (5 * 1024 * 1024),
    "duplicate.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  name: two\n",
    "utf8.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata:\n  x: \xff\xfe\n",
    "template.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  {{- with x }}\n",
}


def test_hostile_manifests_are_errors_with_a_line_and_the_rest_is_read(tmp_path: Path) -> None:
    for name, data in HOSTILE.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.yaml").write_text(POD.format(name="ok"))
    estate = load_estate([str(tmp_path)])
    assert [r.address for r in estate.resources] == ["Pod/shop/ok"]
    by_file = {e.path: e for e in estate.errors}
    assert sorted(by_file) == sorted(HOSTILE)
    assert all(e.line is not None for e in estate.errors), estate.errors
    assert "alias" in by_file["alias-bomb.yaml"].message
    assert "nest" in by_file["deep.yaml"].message
    assert "scalar longer" in by_file["huge.yaml"].message
    assert by_file["duplicate.yaml"].line == 5 and "duplicate key" in by_file["duplicate.yaml"].message
    assert by_file["utf8.yaml"].line == 5 and "UTF-8" in by_file["utf8.yaml"].message
    assert "helm template" in by_file["template.yaml"].message


def test_scan_reports_hostile_files_as_errors_without_a_trace(tmp_path: Path) -> None:
    for name, data in HOSTILE.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.yaml").write_text(POD.format(name="ok"))
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "json", "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["resources"] == 1
    assert sorted(e["path"] for e in report["errors"]) == sorted(HOSTILE)
    assert "Traceback" not in result.output


def test_a_folder_of_yaml_that_is_no_manifest_is_not_kubernetes(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    assert not KubernetesSource().recognises(str(tmp_path))
