"""Condition operators (`iam.conditions`): any operator name, key and policy values compile, and the compiled
condition answers True, False or None (unknown) for any request context, never an exception; an unknown
operator never matches (AWS rejects the policy). Policy JSON with conditions of the wrong type is
test_parsers.py's."""

from __future__ import annotations

import string

from hypothesis import example, given
from hypothesis import strategies as st

from ringfence.iam.conditions import BASE_OPERATORS, RequestContext, compile_condition, split_operator
from ringfence.iam.policy import Condition

from .mutations import huge_strings

KEYS = ("aws:SourceIp", "aws:CurrentTime", "aws:PrincipalTag/team", "s3:max-keys", "aws:SecureTransport", "k")
# Values shaped like what each family reads, and a few that break each of them.
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        (
            "*",
            "?",
            "${aws:username}",
            "${aws:PrincipalTag/team, 'x'}",
            "${",
            "${*}",
            "${?}",
            "${$}",
            "arn:aws:s3:::b/*",
            "arn:*:*",
            "10.0.0.0/8",
            "::/0",
            "2001:db8::/129",
            "300.1.1.1",
            "2026-12-04T00:00:00Z",
            "0001-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "1e400",
            "9" * 400,
            "-0",
            ".5",
            "true",
            "TRUE",
            "dGVzdA==",
            "====",
        )
    ),
    st.text(alphabet=string.digits + ".-+:TZ", max_size=30),
    huge_strings().map(lambda s: s[:50_000]),
)


def _operators() -> st.SearchStrategy[str]:
    base = st.sampled_from(sorted(BASE_OPERATORS))
    return st.one_of(
        st.builds(
            lambda prefix, op, suffix, upper: (
                (prefix + op + suffix).upper() if upper else prefix + op + suffix
            ),
            st.sampled_from(("", "ForAllValues:", "ForAnyValue:", "forallvalues:", "Other:", ":")),
            base,
            st.sampled_from(("", "IfExists", "ifexists")),
            st.booleans(),
        ),
        st.text(max_size=30),
    )


def _context() -> st.SearchStrategy[RequestContext]:
    return st.builds(
        lambda values, complete: RequestContext(values, complete=complete),
        st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=10), VALUES | st.lists(VALUES, max_size=4), max_size=5
        ),
        st.booleans(),
    )


@given(
    _operators(),
    st.sampled_from(KEYS) | st.text(max_size=20),
    st.lists(VALUES, max_size=5),
    _context(),
    st.booleans(),
)
@example(
    "DateGreaterThan",
    "aws:CurrentTime",
    ["0001-01-01T00:00:00+23:59"],
    RequestContext({"aws:CurrentTime": "1"}),
    True,
)
@example("IpAddress", "aws:SourceIp", ["::/0"], RequestContext({"aws:SourceIp": "10.0.0.0/33"}), True)
def test_any_condition_answers_for_any_request(
    operator: str, key: str, values: list[str], ctx: RequestContext, variables: bool
) -> None:
    compiled = compile_condition(Condition(operator, key, tuple(values)), variables=variables)
    answer = compiled(ctx)
    assert answer in (True, False, None)
    try:
        split_operator(operator)
    except ValueError:
        assert answer is False  # an operator AWS does not know never matches
