"""Running the catalogue: ingest the logs given, open an engine over the store, run every detection, and
group each rule's matching events by principal and source address into the `ringfence.detect/1` report."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from ringfence.logs.catalogue import SEVERITIES, Detection, load_detections
from ringfence.logs.engine import DuckDBEngine, Engine, Row, Window, query_many
from ringfence.logs.ipranges import outside_aws
from ringfence.logs.store import LoadError, Store


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    severity: str
    technique: str
    principal: str
    source_ip: str
    first_seen: datetime | None  # None: the logs give no time (a flow record whose start is '-')
    last_seen: datetime | None
    count: int
    events: tuple[str, ...]
    message: str
    guardduty: str | None = None
    author: str | None = None
    references: tuple[str, ...] = ()
    table: str = "cloudtrail"
    # "failed": every event of the finding is a call that was refused (errorCode set): an attempt, which
    # changed nothing; "succeeded" otherwise.
    outcome: str = "succeeded"
    # For a detection grouped by target: every source address, the most active first (`source_ip`).
    sources: tuple[str, ...] = ()
    details: tuple[str, ...] = ()  # what the matches were on (distinct, sorted): the message's {detail}


@dataclass(frozen=True)
class DetectReport:
    detections: tuple[Finding, ...]
    errors: tuple[LoadError, ...]
    events: int
    flow_records: int
    files: int
    engine: str
    rules: int
    rule_problems: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Files read per export form (exports.py): what the summary says the input was "read as".
    forms: Mapping[str, int] = field(default_factory=dict)
    # What the report must say besides its findings: detections that read a field no event has.
    notes: tuple[str, ...] = ()
    # The rule problems are the bundled Sigma rules' (the same on every run: counted in the text summary,
    # listed in json's rule_errors); a rule folder the user gives has each problem shown.
    bundled_rules: bool = False


class LogsUsageError(ValueError):
    """The LOGS given cannot be read together (the CLI turns it into exit code 2)."""


def default_sigma_dir() -> Path:
    return Path(str(resources.files("ringfence.logs") / "sigma_rules"))


def all_detections(
    sigma: Path | None = None, with_sigma: bool = True
) -> tuple[list[Detection], list[tuple[str, str]]]:
    """The shipped detections, with the Sigma rules of `sigma` (the bundled ones by default) converted, and
    the rules that could not be. The shipped catalogue is kept between runs (memo.py)."""
    if sigma is None and with_sigma:
        from ringfence.logs import memo

        dets, problems = memo.remembered("catalogue", "", lambda: _detections(None, True))
        return list(dets), list(problems)
    return _detections(sigma, with_sigma)


def _detections(sigma: Path | None, with_sigma: bool) -> tuple[list[Detection], list[tuple[str, str]]]:
    dets = list(load_detections())
    problems: list[tuple[str, str]] = []
    if with_sigma:
        from ringfence.logs.sigma import load_sigma

        sig, probs = load_sigma(sigma or default_sigma_dir())
        dets += sig
        problems = [(Path(p.path).name, p.message) for p in probs]
    return dets, problems


def _fmt_detail(details: list[str]) -> str:
    uniq = sorted({d for d in details if d})
    if not uniq:
        return ""
    shown = ", ".join(uniq[:5])
    return shown + (f" (+{len(uniq) - 5} more)" if len(uniq) > 5 else "")


def group(det: Detection, rows: Sequence[Row]) -> list[Finding]:
    """One finding per (principal, source address) of the rows `(ref, time, principal, ip, detail)`, and
    per outcome for a detection that reports attempts (a sixth column, `failed`)."""
    if det.filter == "outside_aws":
        rows = [r for r in rows if outside_aws(r[3])]
    elif det.filter == "public_policy":
        rows = [kept for r in rows if (kept := public_policy_row(r)) is not None]
    buckets: dict[tuple[str, str, bool], list[Row]] = {}
    for r in rows:
        failed = bool(det.attempts and len(r) > 5 and r[5])
        buckets.setdefault((str(r[2] or "unknown"), str(r[3] or ""), failed), []).append(r)
    out = []
    for (principal, ip, failed), unsorted in buckets.items():
        rs = sorted(unsorted, key=lambda r: (r[1], str(r[0])))
        refs = tuple(dict.fromkeys(str(r[0]) for r in rs))
        details = [str(r[4]) for r in rs if r[4] is not None]
        out.append(_finding(det, principal, ip, rs[0][1], rs[-1][1], refs, details, failed=failed))
    return out


def public_policy_row(row: Row) -> Row | None:
    """For `s3.bucket-made-public`: the row when the policy the event put lets the public or another
    account in (decided by the access analysis the scan's checks use, conditions and denies included), or
    when it grants a public ACL; None when it does not (the usual "deny plain HTTP to everyone", a grant
    limited to the organisation). Its detail is `account|bucket|policy JSON` (or `ACL` for an ACL); it
    becomes what the bucket was opened to, with the reason when the policy cannot be decided (unknown is
    not dropped)."""
    from ringfence.iam.access import analyse
    from ringfence.iam.policy import parse_policy

    account, _, rest = str(row[4] or "").partition("|")
    bucket, _, text = rest.partition("|")
    if text == "ACL":
        return (*row[:4], f"{bucket} opened to everyone (ACL)", *row[5:])
    if not text:
        return (*row[:4], f"{bucket}: the policy is not in the event, not decided", *row[5:])
    access = analyse(
        parse_policy(text, name=f"policy of bucket {bucket}", policy_type="resource"),
        owner=account if account.isdigit() else "000000000000",
        resource_arn=f"arn:aws:s3:::{bucket}",
    )
    if access.public:
        return (*row[:4], f"{bucket} opened to everyone", *row[5:])
    accounts = [a for a in access.accounts if not a.startswith("organisation ")]
    if access.external and (accounts or not access.accounts):
        # (A grant limited to an organisation, `aws:PrincipalOrgID`, stays inside it: not reported.)
        return (*row[:4], f"{bucket} opened to {', '.join(accounts) or 'another account'}", *row[5:])
    if access.external is None:
        return (*row[:4], f"{bucket}: not decided ({access.reason})", *row[5:])
    return None


def sort_key(f: Finding) -> tuple[int, str, str, str]:
    return (SEVERITIES.index(f.severity), f.rule_id, f.principal, f.source_ip)


# What `group()` reads from a detection's rows, done by the engine instead: one row per (detection,
# principal, address) whose values are exactly those group() derives in Python (`str(x or 'unknown')`,
# `str(x)` of a NULL is 'None', events ordered by (time, str(ref)), details the non-empty distinct ones). It
# holds for the column types below only (str() of a float or a boolean is not SQL's text), so the types of
# each detection's columns, and of the UNION of them all, come back with its rows: any other detection is
# grouped in Python.
_INT = "TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT"
_TEXT = 'VARCHAR|"NULL"'
_TYPES = f"({_TEXT}|{_INT}), c1 TIMESTAMP, c2 ({_TEXT}), c3 ({_TEXT}), c4 ({_TEXT}|{_INT})"
_BRANCH_TYPES = re.compile(rf"STRUCT\(c0 {_TYPES}[,)]")
_UNION_TYPES = re.compile(rf"c0 {_TYPES}")
_BRANCH = (
    "SELECT {k} AS k, typeof(q) AS ty, q.c0, q.c1, q.c2, q.c3, q.c4 FROM (\n{sql}\n) AS q(c0, c1, c2, c3, c4)"
)
_SUMMARY = """SELECT k, p, ip, min(c1), max(c1), count(*) - count(c1), list(ref ORDER BY c1, ref),
  list_distinct(list(d) FILTER (WHERE d <> '')), any_value(ty), any_value(union_ty)
FROM (
  SELECT k, ty, c1, coalesce(CAST(c0 AS VARCHAR), 'None') AS ref, coalesce(nullif(CAST(c2 AS VARCHAR), ''),
    'unknown') AS p, coalesce(CAST(c3 AS VARCHAR), '') AS ip, CAST(c4 AS VARCHAR) AS d,
    concat('c0 ', typeof(c0), ', c1 ', typeof(c1), ', c2 ', typeof(c2), ', c3 ', typeof(c3), ', c4 ',
    typeof(c4)) AS union_ty
  FROM (
{body}
  )
)
GROUP BY k, p, ip"""


def summary_sql(sqls: Sequence[str]) -> str:
    """One statement running every detection of `sqls` (DuckDB dialect), tagged with its index `k`, and
    grouping their rows as group() does: `(k, principal, source_ip, first_seen, last_seen, untimed rows,
    refs by (time, ref) with repeats, distinct non-empty details, column types, UNION column types)`."""
    return _SUMMARY.format(
        body="\nUNION ALL\n".join(_BRANCH.format(k=k, sql=sql) for k, sql in enumerate(sqls))
    )


def _summarisable(rows: Sequence[Row]) -> bool:
    """True when every summary row of a detection has the types, and times, that group() agrees with."""
    return all(
        not r[5] and _BRANCH_TYPES.match(str(r[8])) and _UNION_TYPES.fullmatch(str(r[9])) for r in rows
    )


def from_summary(det: Detection, rows: Sequence[Row]) -> list[Finding]:
    """The findings group() makes, from the rows summary_sql() returned for `det`."""
    out = []
    for _, principal, ip, first, last, _, refs_seen, details, _, _ in rows:
        if det.filter == "outside_aws" and not outside_aws(ip):
            continue  # the address is the group's own: group() drops exactly these rows
        refs = tuple(dict.fromkeys(refs_seen))
        out.append(_finding(det, principal, ip, first, last, refs, details or []))
    return out


def _finding(
    det: Detection,
    principal: str,
    ip: str,
    first: datetime,
    last: datetime,
    refs: tuple[str, ...],
    details: Sequence[str],
    failed: bool = False,
) -> Finding:
    detail = _fmt_detail(list(details))
    message = det.message.format(
        title=det.title, detail=detail or "-", count=len(refs), principal=principal, source_ip=ip
    )
    severity = det.severity
    if failed:
        # An attempt that was refused: worth knowing (someone tried), one step less than the change itself.
        message = f"attempted and refused (the call failed, nothing changed): {message}"
        severity = SEVERITIES[min(SEVERITIES.index(severity) + 1, len(SEVERITIES) - 1)]
    return Finding(
        rule_id=det.rule_id,
        title=det.title,
        severity=severity,
        technique=det.technique,
        principal=principal,
        source_ip=ip,
        first_seen=first,
        last_seen=last,
        count=len(refs),
        events=refs,
        message=message,
        guardduty=det.guardduty,
        author=det.author,
        references=det.references,
        table=det.table,
        outcome="failed" if failed else "succeeded",
        details=tuple(sorted({d for d in details if d})),
    )


def by_target(det: Detection, findings: Sequence[Finding]) -> list[Finding]:
    """For a detection grouped by target, the findings of one target (principal) and outcome whose times
    overlap, as one: `sources` lists their addresses by activity (then address), `source_ip` is the most
    active, the events are all of theirs. Other detections' findings are as they were."""
    if det.group_by != "target":
        return list(findings)
    lanes: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        lanes.setdefault((f.principal, f.outcome), []).append(f)
    out: list[Finding] = []
    for lane in lanes.values():
        timed = sorted(
            (f for f in lane if f.first_seen is not None), key=lambda f: (f.first_seen, f.source_ip)
        )
        windows: list[list[Finding]] = []
        end: datetime | None = None
        for f in timed:
            assert f.first_seen is not None and f.last_seen is not None
            if windows and end is not None and f.first_seen <= end:
                windows[-1].append(f)
                end = max(end, f.last_seen)
            else:
                windows.append([f])
                end = f.last_seen
        untimed = [f for f in lane if f.first_seen is None]
        out.extend(_merged(det, w) for w in [*windows, *([untimed] if untimed else [])])
    return out


def _merged(det: Detection, window: Sequence[Finding]) -> Finding:
    if len(window) == 1:
        return dataclasses.replace(window[0], sources=(window[0].source_ip,))
    ranked = sorted(window, key=lambda f: (-f.count, f.source_ip))
    sources = tuple(dict.fromkeys(f.source_ip for f in ranked))
    events = tuple(sorted({e for f in window for e in f.events}))
    times = [t for f in window for t in (f.first_seen, f.last_seen) if t is not None]
    details = sorted({d for f in window for d in f.details})
    top = ranked[0]
    message = det.message.format(
        title=det.title,
        detail=_fmt_detail(details) or "-",
        count=len(events),
        principal=top.principal,
        source_ip=f"{len(sources)} addresses (most active {top.source_ip})",
    )
    if top.outcome == "failed":
        message = f"attempted and refused (the call failed, nothing changed): {message}"
    return dataclasses.replace(
        top,
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        count=len(events),
        events=events,
        message=message,
        sources=sources,
        details=tuple(details),
    )


def _hot_tables(engine: Engine, detections: Sequence[Detection]) -> dict[str, str]:
    """Materialises the prefilter's hot tables when the engine has them; rule id -> schema to read. If they
    cannot be made, every detection reads the views, where a faulty one fails on its own."""
    use_prefilter = getattr(engine, "use_prefilter", None)
    if use_prefilter is None:
        return {}
    from ringfence.logs.prefilter import plan

    groups = plan(detections).groups
    try:
        use_prefilter(groups)
    except Exception:  # noqa: BLE001 - an optimisation only: the detections still run, on the views
        return {}
    return {rule: g.schema for g in groups for rule in g.rules}


class _Outcomes:
    """Findings per detection, in catalogue order, and the detections that failed."""

    def __init__(self, problems: list[tuple[str, str]] | None) -> None:
        self.problems = problems
        self.findings: list[Finding] = []

    def failed(self, det: Detection, exc: Exception) -> None:
        """A detection that cannot run is reported with the rule problems (as a Sigma rule that cannot be
        converted is), so that it hides no other; without a list to report to, it raises as before."""
        if self.problems is None:
            raise exc
        first = str(exc).strip().splitlines()
        self.problems.append((det.rule_id, first[0] if first else type(exc).__name__))


def _one_by_one(engine: Engine, dets: Sequence[Detection], hot: dict[str, str], out: _Outcomes) -> None:
    """Each detection on its own, grouped in Python: the reference the summaries are checked against."""
    for det in dets:
        try:
            rows = engine.query(det.sql, hot=hot.get(det.rule_id))
            if any(len(r) < 5 for r in rows):
                raise ValueError(
                    f"{det.rule_id} returns fewer than 5 columns (ref, time, principal, ip, detail)"
                )
        except Exception as exc:  # noqa: BLE001 - reported for this detection alone (or raised, see failed())
            out.failed(det, exc)
            continue
        out.findings.extend(group(det, rows))


def _chunks(dets: Sequence[Detection], n: int) -> list[list[Detection]]:
    """`dets` dealt into at most `n` statements of about equal size, keeping their order."""
    size = -(-len(dets) // n)
    return [list(dets[i : i + size]) for i in range(0, len(dets), size)]


def _summarised(engine: Engine, dets: Sequence[Detection], hot: dict[str, str], out: _Outcomes) -> None:
    """The detections in a few statements (per table they read, one per worker), grouped by the engine.
    A statement that fails is run again one detection at a time, so that one faulty detection hides none
    of the others; a detection whose columns summary_sql() cannot group exactly is grouped in Python."""
    workers = max(1, int(getattr(engine, "concurrency", 1)))
    by_schema: dict[str | None, list[Detection]] = {}
    for det in dets:
        by_schema.setdefault(hot.get(det.rule_id), []).append(det)
    batches = [(schema, c) for schema, group_ in by_schema.items() for c in _chunks(group_, workers)]
    results = query_many(engine, [(summary_sql([d.sql for d in c]), schema) for schema, c in batches])
    found: dict[int, list[Finding]] = {}
    redo: set[int] = set()
    for (_, chunk), result in zip(batches, results, strict=True):
        if isinstance(result, Exception):
            redo |= {id(d) for d in chunk}
            continue
        rows: dict[int, list[Row]] = {}
        for r in result:
            rows.setdefault(int(r[0]), []).append(r)
        for k, det in enumerate(chunk):
            if _summarisable(rows.get(k, [])):
                found[id(det)] = from_summary(det, rows.get(k, []))
            else:
                redo.add(id(det))
    for det in dets:
        if id(det) in redo:
            _one_by_one(engine, [det], hot, out)
        else:
            out.findings.extend(found[id(det)])


def run(
    engine: Engine, detections: Sequence[Detection], problems: list[tuple[str, str]] | None = None
) -> list[Finding]:
    """Every detection's findings, sorted. A detection that fails is appended to `problems` as
    (rule id, message) when a list is given, and raises otherwise."""
    hot = _hot_tables(engine, detections)
    out = _Outcomes(problems)
    # Rows that Python must see one by one (an outcome per row, a policy to decide) are not summarised.
    own = [d for d in detections if d.attempts or d.filter == "public_policy"]
    rest = [d for d in detections if not (d.attempts or d.filter == "public_policy")]
    _one_by_one(engine, own, hot, out)
    if getattr(engine, "summarises", False):
        _summarised(engine, rest, hot, out)
    else:
        _one_by_one(engine, rest, hot, out)
    of_rule: dict[str, list[Finding]] = {}
    for f in out.findings:
        of_rule.setdefault(f.rule_id, []).append(f)
    grouped = [g for det in detections for g in by_target(det, of_rule.pop(det.rule_id, []))]
    return sorted([*grouped, *(f for rest_ in of_rule.values() for f in rest_)], key=sort_key)


def make_engine(name: str, master: str | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        from ringfence.logs.spark import SparkEngine

        return SparkEngine(master or "local[*]")
    raise ValueError(f"unknown engine {name!r}: duckdb or spark")


def detect(
    logs: Sequence[Path],
    engine: str | Engine = "duckdb",
    window: Window | None = None,
    store_dir: Path | None = None,
    sigma: Path | None = None,
    with_sigma: bool = True,
    field_map: Mapping[str, str] | None = None,
    flow_fields: Sequence[str] | None = None,
) -> DetectReport:
    """Ingests `logs` (folders of raw logs, or a store made earlier) and runs every detection.
    `field_map`: where the input keeps CloudTrail's fields, for layouts not recognised (`--field-map`)."""
    from ringfence.logs.ingest import ingest

    window = window or Window()
    dets, problems = all_detections(sigma, with_sigma)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    with tempfile.TemporaryDirectory(prefix="ringfence-store-") as tmp:
        stores = [p for p in logs if p.is_dir() and Store.is_store(p)]
        raw = [p for p in logs if p not in stores]
        if stores and (raw or len(stores) > 1 or store_dir is not None):
            raise LogsUsageError(
                "a store is read on its own: give one store, or raw logs (with --store to keep them)"
            )
        if stores:
            store = Store(stores[0])
            result_errors: tuple[LoadError, ...] = ()
            manifest = store.load_manifest()
            files = len(manifest.files)
            for e in manifest.files.values():
                result_errors += e.errors
            forms = dict(sorted(Counter(f for e in manifest.files.values() for f in e.forms).items()))
        else:
            store = Store(store_dir or Path(tmp))
            res = ingest(raw, store, field_map=field_map, flow_fields=flow_fields)
            result_errors, files, forms = res.errors, res.files, dict(res.forms)
        eng.open(store, window)
        try:
            findings = run(eng, dets, problems)
            events = eng.count("cloudtrail")
            flows = eng.count("flowlogs")
            notes = blind_detections(eng, dets) if events else ()
        finally:
            eng.close()
    return DetectReport(
        detections=tuple(findings),
        errors=tuple(result_errors),
        events=events,
        flow_records=flows,
        files=files,
        engine=eng.name,
        rules=len(dets),
        rule_problems=tuple(problems),
        forms=forms,
        notes=notes,
        bundled_rules=sigma is None,
    )


# Fields every CloudTrail event has, which an input may lack as a whole (an export that dropped them, the
# console's CSV): a detection that needs one cannot match anything, which is said rather than passed over
# as "no detection". (Fields that many events lack, request parameters, are not judged this way.)
_DROPPABLE = ("source_ip", "user_agent", "user_type")


def blind_detections(engine: Engine, detections: Sequence[Detection]) -> tuple[str, ...]:
    """A note for each CloudTrail detection that needs a field no event of the input holds."""
    counts = ", ".join(f"count({c})" for c in _DROPPABLE)
    rows = engine.query(f"SELECT {counts} FROM cloudtrail")
    if not rows:
        return ()
    missing = [c for c, n in zip(_DROPPABLE, rows[0], strict=True) if not n]
    if not missing:
        return ()
    needs = {d.rule_id: needed_columns(d) for d in detections if d.table == "cloudtrail"}
    notes: list[str] = []
    for column in missing:
        blind = sorted(rule for rule, cols in needs.items() if column in cols)
        if blind:
            notes.append(
                f"no event of the input has {column}: {len(blind)} detection(s) that need it cannot match "
                f"({', '.join(blind[:5])}{', ...' if len(blind) > 5 else ''})"
            )
    return tuple(notes)


def needed_columns(det: Detection) -> frozenset[str]:
    """The columns without which `det` matches nothing: those its conditions (WHERE, HAVING, a join's
    equalities) test, and the source address its filter reads. A column that is only returned, grouped by
    or compared null-safely is not needed."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(det.sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return frozenset()
    found: set[str] = {"source_ip"} if det.filter else set()
    conditions: list[exp.Expression] = [
        *(n.this for n in tree.find_all(exp.Where, exp.Having)),
        *(j.args["on"] for j in tree.find_all(exp.Join) if j.args.get("on") is not None),
    ]
    for condition in conditions:
        for column in condition.find_all(exp.Column):
            if column.find_ancestor(exp.NullSafeEQ, exp.NullSafeNEQ, exp.Is, exp.Coalesce) is None:
                found.add(column.name)
    return frozenset(found)
