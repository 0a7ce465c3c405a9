"""The detection catalogue: SQL files shipped in `ringfence.logs.detections`, each opening with a header of
`-- key: value` lines (id, title, severity, technique, guardduty, table, message, filter), and the Sigma rules
converted by `sigma.py`. The catalogue is a value: `load_detections()` reads it on demand, never at import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

SEVERITIES = ("critical", "high", "medium", "low", "info")
FILTERS = ("outside_aws", "public_policy")
_HEADER = re.compile(r"^--\s*([a-z_]+):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Detection:
    """One detection: `sql` (DuckDB dialect) selects the matching events of table `table` as rows
    `(ref, event_time, principal, source_ip, detail)`; the runner groups them by principal and address."""

    rule_id: str
    title: str
    severity: str
    technique: str
    sql: str
    table: str = "cloudtrail"
    guardduty: str | None = None
    message: str = "{title}: {detail}"
    filter: str | None = None  # a check of each row applied after the query (same on every engine)
    # The SQL returns a sixth column, `failed` (the call was refused: errorCode set): a refused attempt is
    # reported as such, one severity step lower, never as the change it asked for.
    attempts: bool = False
    author: str | None = None
    references: tuple[str, ...] = ()
    description: str = ""
    # "target" (`-- group: target`): the matches on one target within one stretch of time are one finding,
    # whatever number of addresses they come from (`sources`), so a distributed scan is one line; else one
    # finding per principal and source address.
    group_by: str = "source"


class CatalogueError(ValueError):
    pass


def parse_detection(name: str, text: str) -> Detection:
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m and not body:
            meta[m.group(1)] = m.group(2)
        else:
            body.append(line)
    for key in ("id", "title", "severity", "technique"):
        if not meta.get(key):
            raise CatalogueError(f"{name}: missing '-- {key}:' header")
    if meta["severity"] not in SEVERITIES:
        raise CatalogueError(f"{name}: severity {meta['severity']!r} not in {SEVERITIES}")
    if meta.get("filter") and meta["filter"] not in FILTERS:
        raise CatalogueError(f"{name}: unknown filter {meta['filter']!r}")
    if meta.get("group", "source") not in ("source", "target"):
        raise CatalogueError(f"{name}: '-- group:' is source or target, not {meta['group']!r}")
    sql = "\n".join(body).strip().rstrip(";")
    return Detection(
        rule_id=meta["id"],
        title=meta["title"],
        severity=meta["severity"],
        technique=meta["technique"],
        sql=sql,
        table=meta.get("table", "cloudtrail"),
        guardduty=meta.get("guardduty") or None,
        message=meta.get("message", "{title}: {detail}"),
        filter=meta.get("filter") or None,
        description=meta.get("description", ""),
        attempts=meta.get("attempts", "") == "reported",
        group_by=meta.get("group", "source"),
    )


@cache
def load_detections() -> tuple[Detection, ...]:
    """The SQL detections shipped with ringfence, sorted by id."""
    folder = resources.files("ringfence.logs") / "detections"
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append(parse_detection(entry.name, entry.read_text(encoding="utf-8")))
    ids = [d.rule_id for d in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise CatalogueError(f"duplicate detection ids: {sorted(dupes)}")
    return tuple(sorted(out, key=lambda d: d.rule_id))
