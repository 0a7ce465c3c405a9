"""Running the catalogue: ingest the logs given, open an engine over the store, run every detection, and
group each rule's matching events by principal and source address into the `ringfence.detect/1` report."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from ringfence.logs.catalogue import SEVERITIES, Detection, load_detections
from ringfence.logs.engine import DuckDBEngine, Engine, Row, Window
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
    first_seen: datetime
    last_seen: datetime
    count: int
    events: tuple[str, ...]
    message: str
    guardduty: str | None = None
    author: str | None = None
    references: tuple[str, ...] = ()
    table: str = "cloudtrail"


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


class LogsUsageError(ValueError):
    """The LOGS given cannot be read together (the CLI turns it into exit code 2)."""


def default_sigma_dir() -> Path:
    return Path(str(resources.files("ringfence.logs") / "sigma_rules"))


def all_detections(
    sigma: Path | None = None, with_sigma: bool = True
) -> tuple[list[Detection], list[tuple[str, str]]]:
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
    """One finding per (principal, source address) of the rows `(ref, time, principal, ip, detail)`."""
    if det.filter == "outside_aws":
        rows = [r for r in rows if outside_aws(r[3])]
    buckets: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        buckets.setdefault((str(r[2] or "unknown"), str(r[3] or "")), []).append(r)
    out = []
    for (principal, ip), unsorted in buckets.items():
        rs = sorted(unsorted, key=lambda r: (r[1], str(r[0])))
        refs = tuple(dict.fromkeys(str(r[0]) for r in rs))
        detail = _fmt_detail([str(r[4]) for r in rs if r[4] is not None])
        message = det.message.format(
            title=det.title, detail=detail or "-", count=len(refs), principal=principal, source_ip=ip
        )
        out.append(
            Finding(
                rule_id=det.rule_id,
                title=det.title,
                severity=det.severity,
                technique=det.technique,
                principal=principal,
                source_ip=ip,
                first_seen=rs[0][1],
                last_seen=rs[-1][1],
                count=len(refs),
                events=refs,
                message=message,
                guardduty=det.guardduty,
                author=det.author,
                references=det.references,
                table=det.table,
            )
        )
    return out


def sort_key(f: Finding) -> tuple[int, str, str, str]:
    return (SEVERITIES.index(f.severity), f.rule_id, f.principal, f.source_ip)


def run(engine: Engine, detections: Sequence[Detection]) -> list[Finding]:
    hot: dict[str, str] = {}
    use_prefilter = getattr(engine, "use_prefilter", None)
    if use_prefilter is not None:
        from ringfence.logs.prefilter import plan

        for g in plan(detections).groups:
            use_prefilter(g.schema, g.condition, g.columns)
            hot.update(dict.fromkeys(g.rules, g.schema))
    findings: list[Finding] = []
    for det in detections:
        findings.extend(group(det, engine.query(det.sql, hot=hot.get(det.rule_id))))
    return sorted(findings, key=sort_key)


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
) -> DetectReport:
    """Ingests `logs` (folders of raw logs, or a store made earlier) and runs every detection."""
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
            files = len(store.load_manifest().files)
            for e in store.load_manifest().files.values():
                result_errors += e.errors
        else:
            store = Store(store_dir or Path(tmp))
            res = ingest(raw, store)
            result_errors, files = res.errors, res.files
        eng.open(store, window)
        try:
            findings = run(eng, dets)
            events = eng.count("cloudtrail")
            flows = eng.count("flowlogs")
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
    )
