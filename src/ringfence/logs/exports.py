"""CloudTrail as users export it, turned into the records AWS delivers to S3.

Besides the log files a trail writes (`{"Records": [...]}`), events reach users in other wrappers and
layouts, each recognised here by its content:

- the output of `aws cloudtrail lookup-events` (`{"Events": [{"CloudTrailEvent": "<json text>"}, ...]}`),
  and the JSON the console's event history exports;
- CloudTrail Lake `get-query-results` (`{"QueryResultRows": [[{"column": "value"}, ...], ...]}`);
- CloudWatch Logs `filter-log-events` / `get-log-events` output of a trail delivered to a log group
  (`{"events": [{"message": "<json text>"}, ...]}`);
- records wrapped by log pipelines: EventBridge's `detail`, Elastic's `_source`, Datadog's `attributes`,
  a JSON text in `message` or `_raw`; their renamed fields (`@timestamp` for `eventTime`,
  `network.client.ip` or `source.ip` for `sourceIPAddress`, ...), and a user's own `--field-map`;
- the CSV the console's event history downloads (a lossy form: see `csv_records`);
- CloudTrail Insights events, which describe an unusual rate of calls rather than a call.

`normalise` turns one parsed object into a record the store can hold (and says which form it was in);
`documents` recognises a whole JSON document that holds many.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Names of the forms, as the summary says them ("read as ...").
RECORDS = "CloudTrail log files"
LOOKUP = "lookup-events output"
LAKE = "CloudTrail Lake query results"
LOG_GROUP = "CloudWatch Logs events"
EVENTBRIDGE = "EventBridge events"
PIPELINE = "log pipeline export"
CSV = "CloudTrail console CSV (a few columns of each event: no request parameters, the caller by name only)"
INSIGHTS = "CloudTrail Insights events"

# Where log pipelines move a record's fields, tried in order when the record lacks the field itself.
# A dotted name is looked up both nested (`{"network": {"client": {"ip": ...}}}`) and as a flat key.
ALIASES: dict[str, tuple[str, ...]] = {
    "eventTime": ("@timestamp", "timestamp", "date", "event.created"),
    "sourceIPAddress": ("network.client.ip", "source.ip", "client.ip", "src_ip"),
    "eventName": ("evt.name", "event.action"),
    "eventSource": ("event.provider",),
    "awsRegion": ("cloud.region", "region"),
    "userAgent": ("http.useragent", "user_agent.original"),
    "errorCode": ("error.kind", "error.code"),
    "errorMessage": ("error.message",),
}
# Wrappers around the record, unwrapped when the record is not at the top.
_WRAPPERS = ("detail", "_source", "attributes", "content", "result")
# Fields holding the record as JSON text.
_TEXT_FIELDS = ("CloudTrailEvent", "message", "_raw", "eventjson", "eventJson")
_MARKERS = ("eventID", "eventName", "eventSource")


def parse_field_map(specs: Sequence[str]) -> dict[str, str]:
    """`--field-map FIELD=PATH[,FIELD=PATH...]`: the CloudTrail field and where this input keeps it.
    Raises ValueError naming the part that is not of that form."""
    out: dict[str, str] = {}
    for spec in specs:
        for part in spec.split(","):
            field, sep, path = part.strip().partition("=")
            if not sep or not field.strip() or not path.strip():
                raise ValueError(f"{part.strip()!r}: write FIELD=PATH, e.g. eventTime=@timestamp")
            out[field.strip()] = path.strip()
    return out


def lookup(obj: Mapping[str, Any], path: str) -> Any:
    """The value at `path` in `obj`: a flat key of that name, else the dotted path through nested objects."""
    if path in obj:
        return obj[path]
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _looks_like_record(obj: Mapping[str, Any]) -> bool:
    return any(k in obj for k in _MARKERS)


def _decoded(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _time(value: Any) -> Any:
    """An epoch in milliseconds or seconds (as pipelines write `timestamp`) as ISO 8601; text as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return value


def normalise(obj: object, field_map: Mapping[str, str] | None = None) -> tuple[object, str | None]:
    """The CloudTrail record in `obj` and the form it came in (None: a plain record, or not a record at
    all, which the caller's checks then report)."""
    if not isinstance(obj, dict):
        return obj, None
    rec: dict[str, Any] = obj
    form: str | None = None
    for _ in range(4):  # wrappers nest a few deep at most (Datadog: content.attributes)
        if _looks_like_record(rec):
            break
        inner = next(
            (
                (key, parsed)
                for key in _TEXT_FIELDS
                if isinstance(rec.get(key), str) and isinstance(parsed := _decoded(rec[key]), dict)
            ),
            None,
        )
        if inner is not None:
            key, rec = inner
            form = LOOKUP if key == "CloudTrailEvent" else LOG_GROUP if key == "message" else PIPELINE
            continue
        wrapper = next((k for k in _WRAPPERS if isinstance(rec.get(k), dict)), None)
        if wrapper is None:
            break
        form = EVENTBRIDGE if wrapper == "detail" else PIPELINE
        rec = rec[wrapper]
    obj = rec
    renamed: dict[str, Any] = {}
    for field, paths in ALIASES.items():
        if field not in obj:
            value = next((v for v in (lookup(obj, p) for p in paths) if v is not None), None)
            if value is not None:
                renamed[field] = value
    if field_map:
        renamed.update(
            {field: v for field, path in field_map.items() if (v := lookup(obj, path)) is not None}
        )
    if renamed:
        if "eventTime" in renamed:
            renamed["eventTime"] = _time(renamed["eventTime"])
        obj = {**obj, **renamed}
        form = form or PIPELINE
    if obj.get("eventType") == "AwsCloudTrailInsight" and isinstance(obj.get("insightDetails"), dict):
        obj = _insight(obj)
        form = INSIGHTS
    return obj, form


def _insight(rec: dict[str, Any]) -> dict[str, Any]:
    """An Insights event as a record: CloudTrail itself is its source and the insight's type its name (it
    reports a rate of calls, not a call: the API it is about stays in additionalEventData, where no
    detection of that API reads it)."""
    details = rec["insightDetails"]
    kind = details.get("insightType") if isinstance(details.get("insightType"), str) else "Insight"
    return {
        **rec,
        "eventSource": rec.get("eventSource") or "cloudtrail.amazonaws.com",
        "eventName": rec.get("eventName") or kind,
        "userIdentity": rec.get("userIdentity")
        or {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
        "additionalEventData": rec.get("additionalEventData") or {"insightDetails": details},
        "eventCategory": rec.get("eventCategory") or "Insight",
    }


def documents(doc: object) -> tuple[str, list[object]] | None:
    """The form and the items of a whole JSON document holding many events, or None when `doc` is not one
    (then it is a record, or nothing ringfence reads)."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("Records"), list):  # {"eventCount": N, "Records": [...]}, keys in any order
        return RECORDS, list(doc["Records"])
    if isinstance(doc.get("Events"), list):
        return LOOKUP, list(doc["Events"])
    if isinstance(doc.get("QueryResultRows"), list):
        return LAKE, [_lake_row(row) for row in doc["QueryResultRows"]]
    if isinstance(doc.get("events"), list) and not _looks_like_record(doc):
        return LOG_GROUP, list(doc["events"])
    return None


def _lake_row(row: object) -> object:
    """A Lake result row (a list of one-column objects) as one object; JSON text in a column is parsed
    (a query that selects `eventJson`, or nested fields, gives their text)."""
    if not isinstance(row, list):
        return row
    out: dict[str, Any] = {}
    for cell in row:
        if not isinstance(cell, dict):
            continue
        for key, value in cell.items():
            parsed = _decoded(value) if isinstance(value, str) else None
            out[key] = parsed if parsed is not None else value
    # Lake returns every column as text.
    for key in ("readOnly", "managementEvent"):
        if isinstance(out.get(key), str) and out[key].lower() in ("true", "false"):
            out[key] = out[key].lower() == "true"
    return out


# The console's CSV header names (any case, spaces or not) and the record field each fills.
_CSV_COLUMNS = {
    "eventid": "eventID",
    "eventtime": "eventTime",
    "eventname": "eventName",
    "eventsource": "eventSource",
    "awsregion": "awsRegion",
    "sourceipaddress": "sourceIPAddress",
    "errorcode": "errorCode",
    "readonly": "readOnly",
    "requestid": "requestID",
}
# Columns that name the caller, kept in userIdentity.
_CSV_USER = {"username": "userName", "awsaccesskey": "accessKeyId"}


def _column(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def is_csv_header(line: str) -> bool:
    """Whether `line` is the header of the console's CSV download."""
    names = {_column(n) for n in line.split(",")}
    return {"eventname", "eventtime"} <= names and len(names & set(_CSV_COLUMNS)) >= 3


def csv_records(rows: Iterable[str]) -> Iterator[tuple[int, object | None, str | None]]:
    """(line, record, error) for each row of the console's CSV download. The CSV holds a few columns of
    each event: the caller is known by user name and access key only, and request parameters are not
    there, so the detections that read them do not match (said with the form). A `CloudTrailEvent`
    column, where there is one, gives the whole event."""
    reader = csv.reader(rows)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield reader.line_num, None, f"invalid CSV header: {exc}"
        return
    if header is None:
        return
    names = [_column(h) for h in header]
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:  # a stray carriage return, a field over the csv module's limit
            yield reader.line_num, None, f"invalid CSV: {exc}"
            continue
        if row is None:
            return
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(names, row, strict=False))
        whole = cells.get("cloudtrailevent")
        if whole and (parsed := _decoded(whole)) is not None:
            yield line, parsed, None
            continue
        rec: dict[str, Any] = {f: cells[c] for c, f in _CSV_COLUMNS.items() if cells.get(c)}
        if isinstance(rec.get("readOnly"), str):
            rec["readOnly"] = rec["readOnly"].strip().lower() == "true"
        rec["userIdentity"] = {f: cells[c] for c, f in _CSV_USER.items() if cells.get(c)}
        yield line, rec, None
