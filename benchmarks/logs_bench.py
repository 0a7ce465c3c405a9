"""Log detection benchmark: ingest of gzipped CloudTrail `Records` files into the Parquet store, all
detections over Parquet, and pySigma's public DuckDB backend over read_json_auto on the same files.

    .venv/bin/python benchmarks/logs_bench.py [--events 2000000]

The archive is generated once into benchmarks/corpus/ from the shared Stratus and Invictus records (fresh
event ids, times spread over days, the S3 layout AWS uses). The public backend needs pysigma<2, so it runs
in its own virtual environment, benchmarks/.venv-sigma, created here on first use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing import Pool
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATASETS = ROOT.parent / "shared" / "datasets"
PER_FILE = 1000
MFA_RULE = "77caf516-34e5-4df9-b4db-20744fea0a60"  # AWS Successful Console Login Without MFA


ATTACK_SHARE = 0.01  # one event in a hundred comes from an attack: generous for a real account


def _is_attack(rec: dict[str, Any]) -> bool:
    who = str((rec.get("userIdentity") or {}).get("arn", ""))
    return "stratus-red-team" in str(rec.get("userAgent", "")).lower() or "stratus-red-team" in who


def _templates() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(background, attack) records: the Invictus account's own activity, and the Stratus techniques."""
    background: list[dict[str, Any]] = []
    attack: list[dict[str, Any]] = []
    for f in sorted((DATASETS / "cloudtrail" / "invictus-sigma-aws" / "CloudTrail").glob("*.json")):
        for r in json.loads(f.read_text())["Records"]:
            (attack if _is_attack(r) else background).append(r)
    for f in sorted((DATASETS / "cloudtrail" / "stratus-red-team").glob("*.json")):
        attack += json.loads(f.read_text())
    return background, attack


def _write_file(args: tuple[Path, int, int, int]) -> None:
    out, index, count, seed = args
    rnd = random.Random(seed)
    background, attack = _TEMPLATES
    start = dt.datetime(2026, 11, 1) + dt.timedelta(minutes=5 * index)
    accounts = ["111122223333", "444455556666"]
    account = accounts[index % 2]
    region = ("us-east-1", "eu-west-1")[index % 3 == 0]
    batch = []
    for j in range(count):
        r = dict(rnd.choice(attack if rnd.random() < ATTACK_SHARE else background))
        r["eventID"] = str(uuid.UUID(int=rnd.getrandbits(128)))
        r["eventTime"] = (start + dt.timedelta(seconds=j * 300 // count)).strftime("%Y-%m-%dT%H:%M:%SZ")
        r["awsRegion"] = region
        r["recipientAccountId"] = account
        batch.append(r)
    d = out / "AWSLogs" / account / "CloudTrail" / region / start.strftime("%Y/%m/%d")
    d.mkdir(parents=True, exist_ok=True)
    name = f"{account}_CloudTrail_{region}_{start:%Y%m%dT%H%MZ}_{index:06d}.json.gz"
    with gzip.open(d / name, "wt", compresslevel=6) as fh:
        json.dump({"Records": batch}, fh, separators=(",", ":"))


_TEMPLATES: list[list[dict[str, Any]]] = [[], []]


def _init() -> None:
    _TEMPLATES[:] = _templates()


def generate(out: Path, events: int) -> None:
    if (out / ".complete").exists():
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    jobs = [
        (out, i, min(PER_FILE, events - i * PER_FILE), i) for i in range((events + PER_FILE - 1) // PER_FILE)
    ]
    with Pool(os.cpu_count() or 1, initializer=_init) as pool:
        pool.map(_write_file, jobs, chunksize=16)
    (out / ".complete").write_text(str(events))


def bench_ringfence(corpus: Path, events: int, repeat: int) -> dict[str, object]:
    """Ingest `repeat` times into fresh stores, then run the catalogue `repeat` times on the last store.
    Wall times on a shared machine vary; each run is listed, with the best and the CPU time."""
    sys.path.insert(0, str(ROOT / "src"))
    from ringfence.logs.engine import DuckDBEngine, Window
    from ringfence.logs.ingest import ingest
    from ringfence.logs.runner import Finding, all_detections, run
    from ringfence.logs.store import Store

    res: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
        walls, cpus = [], []
        for i in range(repeat):
            store = Store(Path(tmp) / f"store{i}")
            t, c = time.perf_counter(), time.process_time()
            result = ingest([corpus], store)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            assert result.errors == (), result.errors[:3]
            if i < repeat - 1:
                shutil.rmtree(store.root)
        res["ingest_runs_s"] = [round(w, 2) for w in walls]
        res["ingest_cpu_runs_s"] = [round(c, 1) for c in cpus]
        res["ingest_best_events_per_s"] = round(events / min(walls))
        res["ingest_events_per_cpu_s"] = round(events / min(cpus))
        t = time.perf_counter()
        again = ingest([corpus], store)
        res["reingest_noop_s"] = round(time.perf_counter() - t, 3)
        assert again.ingested == 0
        dets, _ = all_detections()
        own = [d for d in dets if not d.rule_id.startswith("sigma:")]
        eng = DuckDBEngine()
        eng.open(store, Window())
        assert eng.count("cloudtrail") == events
        eng.query("SELECT count(*) FROM cloudtrail")  # warm the file metadata cache
        for label, rules in (("own", own), ("all", dets)):
            walls, cpus = [], []
            found: list[Finding] = []
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                found = list(run(eng, rules))
                walls.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            res[f"detect_{label}_runs_s"] = [round(w, 3) for w in walls]
            res[f"detect_{label}_cpu_runs_s"] = [round(c, 3) for c in cpus]
            res[f"detect_{label}_best_events_per_s"] = round(events / min(walls))
            res[f"detect_{label}_rules"] = len(rules)
            res[f"detect_{label}_findings"] = len(found)
            res[f"detect_{label}_sigma_matched_events"] = sum(
                f.count for f in found if f.rule_id.startswith("sigma:")
            )
            res[f"detect_{label}_console_login_without_mfa_events"] = sum(
                f.count for f in found if f.rule_id == f"sigma:{MFA_RULE}"
            )
        eng.close()
        res.update(_cli_detect(store.root, events, repeat))
    return res


def _cli_detect(store: Path, events: int, repeat: int) -> dict[str, object]:
    """`ringfence detect STORE --format json` as a user runs it: a new process each time, imports, the
    catalogue from the cache folder, the engine's first run with its caches cold, the JSON report."""
    cmd = [sys.executable, "-m", "ringfence", "detect", str(store), "--format", "json"]
    walls = []
    report: dict[str, Any] = {}
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t)
        report = json.loads(proc.stdout)  # fails loudly on anything but a clean JSON report
    return {
        "detect_cli_runs_s": [round(w, 3) for w in walls],
        "detect_cli_best_events_per_s": round(events / min(walls)),
        "detect_cli_findings": len(report["detections"]),
    }


def ensure_sigma_venv() -> Path:
    venv = HERE / ".venv-sigma"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "pysigma<2", "pysigma-backend-duckdb==0.1.4", "duckdb"],
            check=True,
        )
    return py


def public_sigma(corpus: Path, rules: Path) -> dict[str, float]:
    """Runs in .venv-sigma: pySigma 1.x + pysigma-backend-duckdb over read_json_auto."""
    import duckdb
    from sigma.collection import SigmaCollection
    from sigma_backend_duckdb import DuckDBBackend

    backend = DuckDBBackend()
    files = sorted(str(p) for p in corpus.rglob("*.json.gz"))
    con = duckdb.connect()
    t = time.perf_counter()
    load_error = ""
    try:
        con.execute(
            f"CREATE TABLE logs AS SELECT unnest(Records, max_depth := 2) FROM read_json_auto({files!r})"
        )
    except duckdb.Error as exc:
        # Schema guessing trips on keys that differ only in case; DuckDB's advice is ignore_errors,
        # which silently drops what it cannot fit.
        load_error = str(exc).splitlines()[0]
        t = time.perf_counter()
        con.execute(
            f"CREATE OR REPLACE TABLE logs AS SELECT unnest(Records, max_depth := 2) FROM read_json_auto("
            f"{files!r}, ignore_errors = true)"
        )
    load = time.perf_counter() - t
    n = con.execute("SELECT count(*) FROM logs").fetchone()[0]
    ok = failed = matches = 0
    mfa = -1
    t, c = time.perf_counter(), time.process_time()
    for path in sorted(rules.glob("*.yml")):
        try:
            queries = backend.convert(SigmaCollection.from_yaml(path.read_text()))
        except Exception:  # noqa: BLE001 - counting what the public backend cannot convert
            failed += 1
            continue
        for q in queries:
            try:
                hits = len(con.execute(q).fetchall())
                matches += hits
                ok += 1
                if MFA_RULE in path.read_text():
                    mfa = hits
            except duckdb.Error:
                failed += 1
    run_s = time.perf_counter() - t
    run_cpu = time.process_time() - c
    return {
        "events": n,
        "load_s": load,
        "load_events_per_s": n / load,
        "detect_s": run_s,
        "detect_cpu_s": run_cpu,
        "detect_events_per_s": n / run_s if run_s else 0.0,
        "queries_ok": ok,
        "queries_failed": failed,
        "matches": matches,
        "console_login_without_mfa_events": mfa,
        "load_error_without_ignore_errors": load_error,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--public-sigma", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--skip-public", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each ringfence step")
    args = ap.parse_args()
    rules = DATASETS / "sigma-aws" / "cloudtrail"
    if args.public_sigma:
        print(json.dumps(public_sigma(args.public_sigma, rules)))
        return
    corpus = HERE / "corpus" / f"cloudtrail-mix-{args.events}"
    t = time.perf_counter()
    generate(corpus, args.events)
    print(f"corpus {corpus} ready in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    out: dict[str, object] = {
        "events": args.events,
        "cores": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "ringfence": bench_ringfence(corpus, args.events, args.repeat),
    }
    if not args.skip_public:
        py = ensure_sigma_venv()
        proc = subprocess.run(
            [str(py), __file__, "--public-sigma", str(corpus)], capture_output=True, text=True, check=False
        )
        out["public_sigma_duckdb"] = (
            json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
        )
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
