"""Store scaling benchmark: the same events over few and over very many account/region/day partitions.

    .venv/bin/python benchmarks/store_bench.py [--events 200000] [--scale 1.0] [--skip-spark]

The same N CloudTrail events (copies of the shared datasets' records in ../shared/datasets/cloudtrail/,
fresh ids; 99 % background, 1 % attack, as in logs_bench.py) are written twice, with only their account,
region and time rewritten: once over 100 partitions (2 accounts x 2 regions x 25 days) and once over
620,500 (100 accounts x 17 regions x 365 days: a year of an organisation). Both archives hold the same
number of gzipped `{"Records": [...]}` files of 1,000 events, in event order (as an S3 archive is listed:
account, region, time), so only the spread differs.

For each it measures, each command in a new process (wall time and peak RSS of the process tree, sampled
every 50 ms, see bench_common.measure):
1. `ringfence detect ARCHIVE --store STORE --format json` (ingest + every detection);
2. `ringfence detect STORE --format json` (the detections alone);
3. on the spread store, `--since DAY --until DAY+1` (one day) and the row groups the day and one account
   can be in, from the files' statistics (what DuckDB skips);
then prints both and their ratio (goal: within 20 %, peak under 1 GB).

Last, unless --skip-spark: a 10-account slice of the spread archive, detections with DuckDB and with Spark
in local mode (`--engine spark`) over the same store, which must be identical. Without Java it says so.

`--scale` shrinks the run (events and spread accounts); the test suite runs it small (tests/logs/
test_store_scale.py) and asserts the store's shape, never times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

PER_FILE = 1000
ATTACK_SHARE = 0.01
REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "me-south-1",
)
FIRST_DAY = dt.date(2026, 1, 1)
SLICE_ACCOUNTS = 10


@dataclass(frozen=True)
class Shape:
    """Events spread evenly over accounts x regions x days partitions, account first (as S3 lists them)."""

    name: str
    accounts: int
    regions: int
    days: int

    @property
    def partitions(self) -> int:
        return self.accounts * self.regions * self.days

    def place(self, i: int, events: int) -> tuple[str, str, dt.datetime]:
        """Account, region and time of the `i`th of `events` events."""
        p = i * self.partitions // events
        account, rest = divmod(p, self.regions * self.days)
        region, day = divmod(rest, self.days)
        seconds = (i * 7919) % 86400
        when = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time()) + dt.timedelta(
            seconds=seconds
        )
        return f"{100000000000 + account:012d}", REGIONS[region], when


def shapes(scale: float) -> tuple[Shape, Shape]:
    few = Shape("100 partitions", 2, 2, 25)
    spread = Shape("org-year partitions", max(1, round(100 * scale)), len(REGIONS), 365)
    return few, spread


@cache
def _templates() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from logs_bench import _templates as read

    return read()


def event(i: int, events: int, shape: Shape) -> dict[str, Any]:
    """The `i`th event: the same record and id whatever the shape; only account, region and time move."""
    background, attack = _templates()
    rnd = random.Random(i)
    r = dict(rnd.choice(attack if rnd.random() < ATTACK_SHARE else background))
    r["eventID"] = str(uuid.UUID(int=rnd.getrandbits(128)))
    account, region, when = shape.place(i, events)
    r["eventTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    r["awsRegion"] = region
    r["recipientAccountId"] = account
    return r


def write_archive(out: Path, events: int, shape: Shape, indices: range | None = None) -> Path:
    """Writes events `indices` (default all) of `shape` as gzipped Records files of PER_FILE events."""
    if (out / ".complete").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    todo = indices if indices is not None else range(events)
    for start in range(todo.start, todo.stop, PER_FILE):
        batch = [event(i, events, shape) for i in range(start, min(start + PER_FILE, todo.stop))]
        with gzip.open(out / f"ct_{start:09d}.json.gz", "wt", compresslevel=1) as fh:
            json.dump({"Records": batch}, fh, separators=(",", ":"))
    (out / ".complete").write_text(str(len(todo)))
    return out


def slice_indices(events: int, shape: Shape, accounts: int = SLICE_ACCOUNTS) -> range:
    """The events of the first `accounts` accounts of `shape` (they come first)."""
    per_account = shape.regions * shape.days
    cut = next((i for i in range(events) if i * shape.partitions // events >= accounts * per_account), events)
    return range(cut)


def store_shape(store: Path) -> dict[str, object]:
    """Files, rows and distinct partitions of a store (library calls, no timing)."""
    sys.path.insert(0, str(ROOT / "src"))
    from ringfence.logs import db
    from ringfence.logs.sqltext import quote
    from ringfence.logs.store import Store

    s = Store(store)
    files = s.files("cloudtrail")
    con = db.connect()
    try:
        rows, parts, ids = con.execute(
            "SELECT count(*), count(DISTINCT (account, region, day)), count(DISTINCT event_id) "
            f"FROM read_parquet({quote(s.parquet_glob('cloudtrail'))})"
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
    return {"files": len(files), "rows": rows, "partitions": parts, "event_ids": ids}


def row_groups(store: Path, day: dt.date, account: str) -> dict[str, int]:
    """Row groups of the store's CloudTrail files, and those whose statistics admit rows of `day` and of
    `account` (the others are skipped by a query that filters on them)."""
    sys.path.insert(0, str(ROOT / "src"))
    from ringfence.logs import db
    from ringfence.logs.sqltext import quote
    from ringfence.logs.store import Store

    con = db.connect()
    glob = quote(Store(store).parquet_glob("cloudtrail"))
    lo, hi = dt.datetime.combine(day, dt.time()), dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    try:
        total, by_day, by_account = con.execute(
            "SELECT count(DISTINCT (file_name, row_group_id)), "
            "count(DISTINCT (file_name, row_group_id)) FILTER (WHERE path_in_schema = 'event_time' "
            "AND try_cast(stats_min_value AS TIMESTAMP) < ? AND try_cast(stats_max_value AS TIMESTAMP) >= ?), "
            "count(DISTINCT (file_name, row_group_id)) FILTER (WHERE path_in_schema = 'account' "
            "AND stats_min_value <= ? AND stats_max_value >= ?) "
            f"FROM parquet_metadata({glob})",
            [hi, lo, account, account],
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
    return {"row_groups": total, "row_groups_for_the_day": by_day, "row_groups_for_one_account": by_account}


def _ringfence(*args: str) -> list[str]:
    return [sys.executable, "-m", "ringfence", "detect", *args, "--format", "json"]


def _run(label: str, command: list[str], out: Path) -> dict[str, object]:
    from bench_common import measure

    m = measure(command, out)
    if m.returncode != 0:
        err = out.with_suffix(out.suffix + ".err").read_text()[-2000:]
        raise SystemExit(f"{label}: exit {m.returncode}\n{err}")
    report = json.loads(out.read_text())
    return {
        "seconds": round(m.seconds, 2),
        "peak_mib": round(m.peak_bytes / 2**20),
        "cpu_seconds": round(m.cpu_seconds, 1),
        "others_cores": m.others_cores,
        "events": report["summary"]["events"],
        "detections": len(report["detections"]),
    }


def java_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    import os

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (no java on PATH, no JAVA_HOME): Spark cannot run"
    return None


def spark_slice(corpus: Path, work: Path) -> dict[str, object]:
    """DuckDB and Spark (local mode) over one store of the slice: their detections must be identical."""
    why = java_missing()
    if why is not None:
        return {"skipped": why}
    store = work / "slice-store"
    duck = _run("duckdb slice", _ringfence(str(corpus), "--store", str(store)), work / "slice-duckdb.json")
    spark = _run("spark slice", _ringfence(str(store), "--engine", "spark"), work / "slice-spark.json")
    same = _detections(work / "slice-duckdb.json") == _detections(work / "slice-spark.json")
    return {"duckdb": duck, "spark": spark, "identical_detections": same}


def _detections(report: Path) -> object:
    data = json.loads(report.read_text())
    return data["detections"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the events and spread accounts")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--keep", type=Path, help="keep the stores and reports in this folder")
    args = ap.parse_args()
    events = max(PER_FILE, round(args.events * args.scale))
    few, spread = shapes(args.scale)
    corpus = HERE / "corpus" / "store-bench"
    out: dict[str, object] = {"events": events}
    work = args.keep or Path(tempfile.mkdtemp(prefix="rf-store-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # The catalogue's conversion is kept in the cache folder: made once here, so that neither side pays it.
    _run("warm-up", _ringfence(str(ROOT.parent / "shared" / "datasets" / "cloudtrail")), work / "warm.json")
    results: dict[str, dict[str, object]] = {}
    for shape in (few, spread):
        archive = write_archive(
            corpus / f"{events}-{shape.accounts}x{shape.regions}x{shape.days}", events, shape
        )
        store = work / f"store-{shape.accounts}x{shape.regions}x{shape.days}"
        shutil.rmtree(store, ignore_errors=True)
        key = f"{shape.partitions} partitions ({shape.accounts} accounts x {shape.regions} regions x {shape.days} days)"
        print(f"{key}: ingest + detect", file=sys.stderr)
        both = _run(
            key, _ringfence(str(archive), "--store", str(store)), work / f"{shape.accounts}-ingest.json"
        )
        alone = _run(key, _ringfence(str(store)), work / f"{shape.accounts}-detect.json")
        results[key] = {"ingest_and_detect": both, "detect": alone, "store": store_shape(store)}
        if shape is spread:
            day = FIRST_DAY + dt.timedelta(days=200)
            since, until = day.isoformat(), (day + dt.timedelta(days=1)).isoformat()
            one = _run(
                key,
                _ringfence(str(store), "--since", since, "--until", until),
                work / f"{shape.accounts}-day.json",
            )
            account = f"{100000000000:012d}"
            results[key]["detect_one_day"] = {"since": since, "until": until, **one}
            results[key]["pruning"] = {"day": since, "account": account, **row_groups(store, day, account)}
    out["shapes"] = results
    a, b = (results[k]["ingest_and_detect"] for k in results)
    assert isinstance(a, dict) and isinstance(b, dict)
    out["ratio_spread_to_few"] = {
        "seconds": round(float(b["seconds"]) / float(a["seconds"]), 3),
        "peak": round(float(b["peak_mib"]) / float(a["peak_mib"]), 3),
    }
    if not args.skip_spark:
        indices = slice_indices(events, spread)
        sliced = write_archive(corpus / f"{events}-slice{SLICE_ACCOUNTS}", events, spread, indices)
        out["spark_10_account_slice"] = {"events": len(indices), **spark_slice(sliced, work)}
    print(json.dumps(out, indent=2))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
