"""For any Sigma rule file, `load_sigma` returns normally: a rule that cannot be read or converted is a
`SigmaProblem` naming its file, and the good rule beside it is still converted."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.logs.sigma import SigmaProblem, load_sigma

from .corpus import ALIAS_BOMB, GOOD_RULE_ID, GOOD_SIGMA
from .mutations import huge_strings, json_values, mutated, nested

HOSTILE_ID = "5f0c2a9e-7b1d-4c3e-9a8f-1e2d3c4b5a69"
HOSTILE = GOOD_SIGMA.replace(GOOD_RULE_ID, HOSTILE_ID)
PLACES = (
    ("title",),
    ("id",),
    ("status",),
    ("level",),
    ("tags",),
    ("references",),
    ("author",),
    ("description",),
    ("falsepositives",),
    ("date",),
    ("fields",),
    ("logsource",),
    ("logsource", "product"),
    ("logsource", "service"),
    ("detection",),
    ("detection", "selection"),
    ("detection", "selection", "eventName"),
    ("detection", "condition"),
)


def _with(place: tuple[str, ...], value: object) -> str:
    rule = yaml.safe_load(HOSTILE)
    holder = rule
    for key in place[:-1]:
        holder = holder[key]
    holder[place[-1]] = value
    return yaml.safe_dump(rule, allow_unicode=False)


def _load(factory: pytest.TempPathFactory, hostile: bytes) -> None:
    folder = factory.mktemp("sigma")
    (folder / "good.yml").write_text(GOOD_SIGMA, encoding="utf-8")
    (folder / "hostile.yml").write_bytes(hostile)
    detections, problems = load_sigma(folder)
    for problem in problems:
        assert isinstance(problem, SigmaProblem)
        assert problem.path == str(folder / "hostile.yml") and problem.message
    assert f"sigma:{GOOD_RULE_ID}" in {d.rule_id for d in detections}


@settings(max_examples=15)
@given(
    st.one_of(
        mutated(HOSTILE.encode()),
        st.builds(_with, st.sampled_from(PLACES), json_values()).map(str.encode),
        st.builds(_with, st.sampled_from(PLACES), huge_strings().map(lambda s: s[:100_000])).map(str.encode),
        nested("(", ")", "selection")
        .map(lambda c: HOSTILE.replace("condition: selection", f"condition: '{c}'"))
        .map(str.encode),
        nested("[", "]")
        .map(lambda v: HOSTILE.replace("eventName: StopLogging", f"eventName: {v}"))
        .map(str.encode),
        st.integers(1, 5000)
        .map(lambda n: HOSTILE.replace("condition: selection", "condition: " + "not " * n + "selection"))
        .map(str.encode),
        st.just(ALIAS_BOMB.encode()),
    )
)
def test_a_hostile_rule_costs_itself_only(tmp_path_factory: pytest.TempPathFactory, hostile: bytes) -> None:
    _load(tmp_path_factory, hostile)
