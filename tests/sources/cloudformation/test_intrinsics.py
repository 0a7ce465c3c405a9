"""Each intrinsic and condition function, evaluated through the CloudFormation source on real template
files (tests/fixtures/cloudformation/intrinsics): what the template fixes is a value, a reference to a
resource resolves once the estate knows it, what only the deployment knows is unknown with the reason,
and a function used wrongly is an error naming the file and line while the rest is still read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ringfence.model import Estate, Ref, Unknown
from ringfence.sources import LoadOptions, load_estate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cloudformation" / "intrinsics"
ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def estate() -> Estate:
    return load_estate([str(FIXTURES / "pass.yaml")], LoadOptions(account_id=ACCOUNT))


@pytest.fixture(scope="module")
def probe(estate: Estate) -> dict[str, Any]:
    found = estate.get("Probe")
    assert found is not None
    return dict(found.attributes)


QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("RefParameter", "prod"),
        ("RefList", ["22", "443"]),
        ("RefNumber", 3),
        ("RefPseudo", ACCOUNT),
        ("RefRegion", "us-east-1"),
        ("RefPartition", "aws"),
        ("RefSuffix", "amazonaws.com"),
        ("GetAttShort", QUEUE_ARN),
        ("GetAttLong", "jobs"),
        ("SubShort", "prod-us-east-1-${Literal}"),
        ("SubLong", "prod-x"),
        ("SubResource", "arn:aws:s3:::<Bucket>/*"),
        ("JoinShort", "a-prod-3"),
        ("JoinLong", QUEUE_ARN + "/x"),
        ("Select", "443"),
        ("Split", ["a", "b", "c"]),
        ("SelectSplit", "z"),
        ("IfTrue", "yes"),
        ("IfFalse", "no"),
        ("Conditions", ["both", "neither"]),
        ("FindInMap", "m5.large"),
        ("FindInMapDefault", "t3.nano"),
        ("Base64", "echo hello"),
        ("Cidr", ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
        ("Length", 3),
        ("ToJsonString", '{"a":1,"b":["x"]}'),
        ("NoValueItem", ["kept"]),
    ],
)
def test_a_function_the_template_decides_is_its_value(probe: dict[str, Any], key: str, expected: Any) -> None:
    assert probe[key] == expected


def test_no_value_removes_the_property(probe: dict[str, Any]) -> None:
    assert "IfNoValue" not in probe


def test_a_reference_to_a_resource_is_a_reference(probe: dict[str, Any], estate: Estate) -> None:
    # A queue's Ref is its URL, which AWS assigns: a reference the linker follows, not a guess.
    assert probe["RefResource"] == Ref("Queue", "url")
    assert ("Probe", "RefResource", "Queue") in {(r.source, r.kind, r.target) for r in estate.relations}


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("RefUnknown", "parameter Secret has no default"),
        ("IfUnknown", "parameter Secret has no default"),
        ("GetAZs", "availability zones of us-east-1 depend on the account"),
        ("SelectAZ", "availability zones"),
        ("ImportValue", "exported by another stack"),
        ("NotCreated", "DevOnly is not created"),
    ],
)
def test_what_only_the_deployment_knows_is_unknown(probe: dict[str, Any], key: str, reason: str) -> None:
    value = probe[key]
    assert isinstance(value, Unknown) and reason in value.reason


def test_conditions_decide_which_resources_exist(estate: Estate) -> None:
    assert estate.get("DevOnly") is None
    maybe = estate.get("MaybeThere")
    assert maybe is not None and maybe.unevaluated is not None and "Undecided" in maybe.unevaluated


def test_unknowns_are_said(estate: Estate) -> None:
    assert any("parameter Secret has no default" in n for n in estate.notes)
    imported = [e for e in estate.errors if "Fn::ImportValue shared-vpc-id" in e.message]
    assert [(e.path, e.line, e.undecided) for e in imported] == [("pass.yaml", 72, True)]


def test_a_parameter_given_on_the_command_line_wins() -> None:
    estate = load_estate(
        [str(FIXTURES / "pass.yaml")],
        LoadOptions(account_id=ACCOUNT, parameters={"Env": "dev", "Secret": "x", "AWS::Region": "eu-west-1"}),
    )
    probe = estate.get("Probe")
    assert probe is not None
    assert probe.get("IfTrue") == "no" and probe.get("IfNoValue") == "gone" and probe.get("IfUnknown") == "a"
    assert probe.get("RefRegion") == "eu-west-1" and probe.get("FindInMap") == "t3.micro"
    assert estate.get("DevOnly") is not None and estate.get("MaybeThere") is not None


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("ref-nothing.yaml", 6, "Ref Nowhere: no parameter, pseudo parameter or resource of that name"),
        ("getatt-nothing.yaml", 6, "Fn::GetAtt Nowhere.Arn: no resource 'Nowhere'"),
        ("select-out-of-range.yaml", 6, "Fn::Select index 5 is outside the list of 2"),
        ("find-in-map-missing.yaml", 9, "Fn::FindInMap: no top-level key 'dev' in Mappings"),
        ("if-no-condition.yaml", 6, "condition 'Missing' is not defined in Conditions"),
        ("cidr-too-many.yaml", 6, "Fn::Cidr: 10.0.0.0/24 holds fewer than 8 blocks of 6 bits"),
        ("join-of-mapping.yaml", 6, "Fn::Join: a list or mapping cannot be part of a string"),
        ("unknown-function.yaml", 6, "Fn::Nope is not an intrinsic function CloudFormation knows"),
        ("condition-cycle.yaml", 3, "condition A depends on itself"),
    ],
)
def test_a_function_used_wrongly_is_an_error_at_its_line(name: str, line: int, message: str) -> None:
    estate = load_estate([str(FIXTURES / "fail")])
    errors = [(e.path, e.line) for e in estate.errors if message in e.message]
    assert errors == [(f"{name}", line)], [e for e in estate.errors if e.path == name]
    # The resource is still there, its attributes not known: never judged on what could not be read.
    probe = estate.get(f"{name}:Probe")
    assert probe is not None and probe.unevaluated is not None
