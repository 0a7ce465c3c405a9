"""Sigma rules over the store's CloudTrail table, through pySigma with a backend written for that schema.

Sigma matches strings case-insensitively (only `|cased` and regular expressions are case-sensitive), so
every string comparison here lowers both sides: `MFAUsed: 'NO'` matches a logged `No`. Fields are the raw
CloudTrail names; those the store keeps as columns map to them, nested ones to a JSON extraction from the
column that holds their object. The SQL is DuckDB's dialect; the Spark engine transpiles it like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ringfence.logs.catalogue import Detection
from ringfence.logs.schema import CLOUDTRAIL
from ringfence.logs.sqltext import quote

_LEVELS = {"informational": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
_JSON_ROOTS = {
    "userIdentity": "user_identity",
    "requestParameters": "request_parameters",
    "responseElements": "response_elements",
    "additionalEventData": "additional_event_data",
    "tlsDetails": "tls_details",
}
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_]+$")
_TECHNIQUE = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.I)


class SigmaFieldError(ValueError):
    pass


# Fields stored a second time in lower case: a case-insensitive comparison on them is a plain comparison
# that Parquet statistics can prune.
_LOWERED = {"eventName": "event_name_lc", "eventSource": "event_source_lc"}


def field_sql(name: str) -> str:
    """The SQL expression for a Sigma field name (raw CloudTrail spelling)."""
    for col in CLOUDTRAIL:
        if col.source == name and col.name not in ("account", "region", "day", *_LOWERED.values()):
            return col.name
    root, _, rest = name.partition(".")
    if root in _JSON_ROOTS and rest:
        parts = rest.split(".")
        path = "$." + ".".join(p if _SIMPLE_KEY.match(p) else '"' + p.replace('"', "") + '"' for p in parts)
        return f"json_extract_string({_JSON_ROOTS[root]}, {quote(path)})"
    raise SigmaFieldError(f"field {name!r} is not in the CloudTrail schema")


_META = set(".^$*+?()[]{}|\\")


def required_literal(regex: str) -> str:
    """The longest run of plain characters every match of `regex` must contain ('' when unsure: any
    alternation, escape or class makes us give up)."""
    if "|" in regex or "\\" in regex:
        return ""
    best = ""
    run = ""
    i = 0
    while i < len(regex):
        c = regex[i]
        if c in _META:
            if c in "?*{" and run:
                run = run[:-1]  # the character before an optional quantifier is not required
            if c == "[":
                j = regex.find("]", i + 1)
                i = len(regex) if j < 0 else j
            best = max(best, run, key=len)
            run = ""
        else:
            run += c
        i += 1
    return max(best, run, key=len)


def _backend_class() -> type[Any]:
    """Built on first use: pySigma is imported only when Sigma rules are run."""
    from sigma.conditions import ConditionFieldEqualsValueExpression
    from sigma.conversion.base import TextQueryBackend
    from sigma.conversion.state import ConversionState
    from sigma.types import (
        SigmaBool,
        SigmaCasedString,
        SigmaRegularExpression,
        SigmaRegularExpressionFlag,
        SigmaString,
    )

    class RingfenceSQLBackend(TextQueryBackend):
        """SQL WHERE clauses over ringfence's CloudTrail table, case-insensitive as Sigma requires."""

        name: ClassVar[str] = "ringfence CloudTrail SQL"
        formats: ClassVar[dict[str, str]] = {"default": "WHERE clause"}
        requires_pipeline: ClassVar[bool] = False
        group_expression: ClassVar[str] = "({expr})"
        or_token: ClassVar[str] = "OR"
        and_token: ClassVar[str] = "AND"
        not_token: ClassVar[str] = "NOT"
        eq_token: ClassVar[str] = " = "
        str_quote: ClassVar[str] = "'"
        escape_char: ClassVar[str] = "!"
        wildcard_multi: ClassVar[str] = "%"
        wildcard_single: ClassVar[str] = "_"
        field_null_expression: ClassVar[str] = "{field} IS NULL"
        field_exists_expression: ClassVar[str] = "{field} IS NOT NULL"
        field_not_exists_expression: ClassVar[str] = "{field} IS NULL"
        bool_values: ClassVar[dict[bool, str | None]] = {True: "'true'", False: "'false'"}
        field_equals_field_expression: ClassVar[str] = (
            "lower(CAST({field1} AS VARCHAR)) = lower(CAST({field2} AS VARCHAR))"
        )

        def escape_and_quote_field(self, field_name: str) -> str:
            return field_sql(field_name)

        def convert_condition_field_eq_val_str(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str:
            value = cond.value
            assert isinstance(value, SigmaString)
            expr = f"CAST({self.escape_and_quote_field(cond.field)} AS VARCHAR)"
            cased = isinstance(value, SigmaCasedString)
            target = expr if cased else _LOWERED.get(cond.field, f"lower({expr})")
            if value.contains_special():
                pattern = value.convert("!", "%", "_", "%_!", "")
                return f"{target} LIKE {quote(pattern if cased else pattern.lower())} ESCAPE '!'"
            plain = str(value)
            return f"{target} = {quote(plain if cased else plain.lower())}"

        def convert_condition_field_eq_val_str_case_sensitive(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str:
            return self.convert_condition_field_eq_val_str(cond, state)

        def convert_condition_field_eq_val_num(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str:
            expr = f"CAST({self.escape_and_quote_field(cond.field)} AS VARCHAR)"
            return f"{expr} = {quote(str(cond.value))}"

        def convert_condition_field_eq_val_bool(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str:
            value = cond.value
            assert isinstance(value, SigmaBool)
            expr = f"lower(CAST({self.escape_and_quote_field(cond.field)} AS VARCHAR))"
            return f"{expr} = {'true' if value.boolean else 'false'!r}"

        def convert_condition_field_eq_val_re(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str:
            rx = cond.value
            assert isinstance(rx, SigmaRegularExpression)
            ignore_case = SigmaRegularExpressionFlag.IGNORECASE in rx.flags
            flags = "(?i)" if ignore_case else ""
            expr = f"CAST({self.escape_and_quote_field(cond.field)} AS VARCHAR)"
            match = f"regexp_matches({expr}, {quote(flags + str(rx.regexp))})"
            literal = required_literal(str(rx.regexp))
            if not literal:
                return match
            # A cheap test first: a regular expression costs a hundred times a LIKE on every row.
            pattern = "%" + literal.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
            if ignore_case:
                return f"(lower({expr}) LIKE {quote(pattern.lower())} ESCAPE '!' AND {match})"
            return f"({expr} LIKE {quote(pattern)} ESCAPE '!' AND {match})"

    return RingfenceSQLBackend


@dataclass(frozen=True)
class SigmaProblem:
    path: str
    message: str


# A rule file larger than this is refused unread (every bundled rule is a few kilobytes).
MAX_RULE_BYTES = 1 << 20


def load_sigma(folder: Path) -> tuple[list[Detection], list[SigmaProblem]]:
    """Converts every CloudTrail Sigma rule under `folder`, file by file and rule by rule; a file or rule
    that cannot be read or expressed over the schema comes back as a problem (reported, not silently
    dropped) and costs itself only."""
    backend = _backend_class()()
    detections: list[Detection] = []
    problems: list[SigmaProblem] = []
    for path in sorted(_rule_files(folder)):
        found, trouble = _load_file(path, backend)
        detections.extend(found)
        problems.extend(SigmaProblem(str(path), m) for m in trouble)
    return detections, problems


def _read_rule_file(path: Path) -> str:
    """The text of a rule file; a link to a device or pipe, or a file over MAX_RULE_BYTES, is refused
    before anything is read (a FIFO would block, /dev/zero never ends)."""
    import stat

    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise _Refused("unreadable: not a regular file (a folder, device or pipe)")
    with path.open("rb") as fh:
        data = fh.read(MAX_RULE_BYTES + 1)
    if len(data) > MAX_RULE_BYTES:
        raise _Refused(f"refused: larger than {MAX_RULE_BYTES} bytes")
    return data.decode("utf-8")


class _Refused(Exception):
    pass


# What pySigma raises on a rule of the wrong shape: its own errors, and the type, attribute, key and
# assertion errors of the checks it does not make.
_MALFORMED: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    AssertionError,
    NotImplementedError,
)


def _load_file(path: Path, backend: Any) -> tuple[list[Detection], list[str]]:
    import yaml
    from sigma.collection import SigmaCollection
    from sigma.rule import SigmaYAMLLoader

    try:
        # libyaml through pySigma's own loader (it refuses duplicate keys): SigmaCollection.from_yaml
        # parses with the pure-Python parser, which was three quarters of converting the catalogue.
        documents = list(yaml.load_all(_read_rule_file(path), Loader=SigmaYAMLLoader))
        if not all(isinstance(d, dict) for d in documents):
            return [], ["a rule document is not a mapping"]
        collection = SigmaCollection.from_dicts(documents)
        rules = list(collection.rules)
    except yaml.YAMLError as exc:
        return [], [_yaml_problem(exc)]
    except _Refused as exc:
        return [], [str(exc)]
    except UnicodeDecodeError as exc:
        return [], [f"not UTF-8 text at byte {exc.start}"]
    except OSError as exc:
        return [], [f"unreadable: {exc.strerror or exc}"]
    except RecursionError:
        return [], ["nested too deeply"]
    except _MALFORMED as exc:  # pySigma validates with asserts and attribute access
        return [], [_rule_problem(exc)]
    detections: list[Detection] = []
    problems: list[str] = []
    for index, rule in enumerate(rules, 1):
        try:
            detections.append(_detection(rule, backend))
        except _NotForUs as exc:
            problems.append(str(exc))
        except RecursionError:
            problems.append(f"rule {index}: condition nested too deeply")
        except _MALFORMED as exc:  # a malformed rule (wrong types pySigma does not check) costs itself only
            problems.append(_rule_problem(exc))
    return detections, problems


class _NotForUs(Exception):
    pass


def _rule_problem(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:300]}"


def _detection(rule: Any, backend: Any) -> Detection:
    from sigma.rule import SigmaRule

    if not isinstance(rule, SigmaRule):
        raise _NotForUs("correlation rules are not supported")
    ls = rule.logsource
    product, service = ls.product, ls.service
    if not isinstance(product, str) or not isinstance(service, str):
        raise _NotForUs("not an AWS CloudTrail rule")
    if product.lower() != "aws" or service.lower() != "cloudtrail":
        raise _NotForUs("not an AWS CloudTrail rule")
    if not all(isinstance(c, str) for c in rule.detection.condition):
        raise ValueError("condition is not a string")
    clauses = backend.convert_rule(rule)
    where = " OR ".join(f"({c})" for c in clauses)
    techniques = sorted(
        m.group(1).upper() for t in rule.tags if (m := _TECHNIQUE.match(f"{t.namespace}.{t.name}"))
    )
    level = rule.level.name.lower() if rule.level else "medium"
    return Detection(
        rule_id=f"sigma:{rule.id}",
        title=str(rule.title),
        severity=_LEVELS.get(level, "medium"),
        technique=techniques[0] if techniques else "",
        sql=(
            "SELECT event_id AS ref, event_time, principal, source_ip, event_name AS detail "
            f"FROM cloudtrail WHERE {where}"
        ),
        message="{title} ({detail})",
        author=rule.author,
        references=tuple(rule.references or ()),
        description=(rule.description or "").strip(),
    )


def _yaml_problem(exc: Exception) -> str:
    """A YAML error in one line, with where it is (libyaml counts lines and columns from 0)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"invalid YAML: {what}{where}"


def _rule_files(folder: Path) -> Iterable[Path]:
    if folder.is_file():
        return [folder]
    return [p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml")]
