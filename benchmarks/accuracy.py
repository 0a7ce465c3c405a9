"""Accuracy of ringfence and Checkov on labelled fixtures, side by side.

    .venv/bin/python benchmarks/accuracy.py [--no-write]

Runs `ringfence scan benchmarks/accuracy --format json` and Checkov on the same folder, scores both against
`benchmarks/accuracy/labels.yaml` (what each must and must not report), prints the comparison and writes it
into docs/benchmarks.md (section `accuracy`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench_common import (
    BENCH,
    CORPUS,
    checkov_command,
    checkov_env,
    ensure_checkov,
    load_json,
    machine_facts,
    measure,
    ringfence_command,
    ringfence_version,
    write_section,
)

FIXTURES = BENCH / "accuracy"
LABELS = FIXTURES / "labels.yaml"
DECIDED = ("fail", "exposed", "latent")
PILLARS = ("identity", "network", "encryption", "monitoring", "secrets", "workload")


@dataclass(frozen=True)
class Finding:
    rule: str
    resource: str
    status: str  # Checkov findings are all "fail"


@dataclass(frozen=True)
class Item:
    rule: str
    resources: tuple[str, ...]
    status: tuple[str, ...]  # empty: any decided status


@dataclass
class Score:
    """Outcome counts for one tool, and the problems case by case."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: dict[str, list[str]] = field(default_factory=dict)
    out_of_scope: list[str] = field(default_factory=list)

    def note(self, case: str, problem: str) -> None:
        self.problems.setdefault(case, []).append(problem)


def _items(entries: list[dict[str, object]] | None, key: str) -> list[Item]:
    items = []
    for entry in entries or []:
        resources = entry["resources"]
        status = entry.get("status", [])
        assert isinstance(resources, list) and isinstance(status, list)
        items.append(Item(str(entry[key]), tuple(map(str, resources)), tuple(map(str, status))))
    return items


def score(tool: str, cases: list[dict[str, object]], findings: list[Finding]) -> Score:
    """Match findings to the labels of `tool` ("ringfence" or "checkov")."""
    key = "rule" if tool == "ringfence" else "check"
    result = Score()
    for case in cases:
        name = str(case["id"])
        labels = case.get(tool)
        if labels in (None, "none"):
            result.out_of_scope.append(name)
            continue
        assert isinstance(labels, dict)
        for item in _items(labels.get("must"), key):
            result.counts["must"] += 1
            hits = [f for f in findings if f.rule == item.rule and f.resource in item.resources]
            wanted = item.status or DECIDED
            if any(f.status in wanted for f in hits):
                result.counts["tp"] += 1
            elif not hits:
                result.counts["miss"] += 1
                result.note(name, f"miss {item.rule}")
            elif all(f.status == "unknown" for f in hits):
                result.counts["undecided"] += 1
                result.note(name, f"{item.rule}: unknown, truth {'/'.join(wanted)}")
            else:
                result.counts["wrong_status"] += 1
                got = "/".join(sorted({f.status for f in hits}))
                result.note(name, f"{item.rule}: {got}, truth {'/'.join(wanted)}")
        for item in _items(labels.get("must_not"), key):
            result.counts["must_not"] += 1
            hits = [f for f in findings if f.rule == item.rule and f.resource in item.resources]
            bad = [f for f in hits if f.status in (item.status or DECIDED)]
            if bad:
                result.counts["fp"] += 1
                detail = f" ({bad[0].status})" if tool == "ringfence" else ""
                result.note(name, f"false positive {item.rule}{detail} on {bad[0].resource}")
            elif hits and not item.status:
                result.counts["fp_undecided"] += 1
                result.note(name, f"{item.rule}: unknown on {hits[0].resource}, truth: no finding")
            else:
                result.counts["tn"] += 1
    return result


def outside_labels(tool: str, cases: list[dict[str, object]], findings: list[Finding]) -> list[str]:
    """Decided findings that no label of `tool` speaks about (neither must nor must_not), by rule and
    resource: each has to be read and judged by hand, for both tools alike."""
    key = "rule" if tool == "ringfence" else "check"
    labelled: set[tuple[str, str]] = set()
    for case in cases:
        labels = case.get(tool)
        if not isinstance(labels, dict):
            continue
        for part in ("must", "must_not"):
            for item in _items(labels.get(part), key):
                labelled.update((item.rule, resource) for resource in item.resources)
    return sorted(
        {
            f"{f.rule} on {f.resource}"
            for f in findings
            if f.status in DECIDED and (f.rule, f.resource) not in labelled
        }
    )


def ringfence_findings(out: Path) -> tuple[list[Finding] | None, str]:
    done = measure(ringfence_command(FIXTURES), out)
    report = load_json(out)
    if done.returncode not in (0, 1) or report is None:
        return None, f"ringfence did not run (exit {done.returncode}; see {out}.err)"
    raw = report.get("findings", [])
    assert isinstance(raw, list)
    findings = [
        Finding(str(f["rule_id"]), str(f["resource"]), str(f["status"]))
        for f in raw
        if not f.get("suppressed")
    ]
    return findings, ""


def checkov_findings(out: Path) -> tuple[list[Finding] | None, str]:
    done = measure(checkov_command(FIXTURES), out, env=checkov_env())
    report = load_json(out)
    if done.returncode not in (0, 1) or report is None:
        return None, f"checkov did not run (exit {done.returncode}; see {out}.err)"
    results = report.get("results", {})
    assert isinstance(results, dict)
    return [
        Finding(str(f["check_id"]), str(f["resource"]), "fail") for f in results.get("failed_checks", [])
    ], ""


def pillar_of(case: dict[str, object]) -> str:
    pillar = str(case.get("pillar", ""))
    if pillar not in PILLARS:
        raise SystemExit(
            f"{LABELS}: case {case.get('id')} has pillar {pillar!r}, not one of {', '.join(PILLARS)}"
        )
    return pillar


def _ratio(tool_score: Score | None, numerator: str, *denominator: str) -> str:
    if tool_score is None:
        return "not measured"
    total = sum(tool_score.counts[k] for k in denominator)
    return f"{tool_score.counts[numerator] / total:.0%}" if total else "-"


def _at_or_above(rf: Score | None, ck: Score | None) -> str:
    """Whether ringfence's recall and precision are both at least Checkov's (on the cases each has in scope)."""
    if rf is None or ck is None:
        return "not measured"

    def value(s: Score, numerator: str, *denominator: str) -> float | None:
        total = sum(s.counts[k] for k in denominator)
        return s.counts[numerator] / total if total else None

    worse = []
    for name, args in (("recall", ("tp", "must")), ("precision", ("tp", "tp", "fp"))):
        mine, theirs = value(rf, *args), value(ck, *args)
        if theirs is not None and (mine is None or mine < theirs):
            worse.append(name)
    return "yes" if not worse else "no: " + ", ".join(worse) + " below Checkov's"


def per_pillar(cases: list[dict[str, object]], found: dict[str, list[Finding] | None]) -> str:
    """Recall and precision pillar by pillar, for both tools (Checkov on the cases in its scope), and the totals."""
    lines = [
        "| pillar | cases | ringfence recall | ringfence precision | cases in Checkov's scope | Checkov recall "
        "| Checkov precision | ringfence at or above Checkov |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = [(p, [c for c in cases if pillar_of(c) == p]) for p in PILLARS] + [("**total**", cases)]
    for name, group in groups:
        rf_found, ck_found = found["ringfence"], found["checkov"]
        rf = score("ringfence", group, rf_found) if rf_found is not None else None
        ck = score("checkov", group, ck_found) if ck_found is not None else None
        in_scope = str(len(group) - len(ck.out_of_scope)) if ck is not None else "not measured"
        lines.append(
            f"| {name} | {len(group)} | {_ratio(rf, 'tp', 'must')} | {_ratio(rf, 'tp', 'tp', 'fp')} | {in_scope} "
            f"| {_ratio(ck, 'tp', 'must')} | {_ratio(ck, 'tp', 'tp', 'fp')} | {_at_or_above(rf, ck)} |"
        )
    return "\n".join(lines)


def disagreements(cases: list[dict[str, object]], rf: Score | None, ck: Score | None) -> list[str]:
    """Cases in both tools' scope on which one tool is right and the other is not, or both wrong differently."""
    if rf is None or ck is None:
        return []
    out = []
    for case in cases:
        name = str(case["id"])
        if name in ck.out_of_scope or name in rf.out_of_scope:
            continue
        mine, theirs = rf.problems.get(name), ck.problems.get(name)
        if bool(mine) != bool(theirs):
            out.append(
                f"`{name}` ({pillar_of(case)}): ringfence {'; '.join(mine) if mine else '✓'}"
                f" / Checkov {'; '.join(theirs) if theirs else '✓'}"
            )
    return out


def render(cases: list[dict[str, object]], scores: dict[str, Score | None], notes: dict[str, str]) -> str:
    rf, ck = scores["ringfence"], scores["checkov"]

    def cell(tool_score: Score | None, case: str) -> str:
        if tool_score is None:
            return "not measured"
        if case in tool_score.out_of_scope:
            return "n/a (no such check)"
        problems = tool_score.problems.get(case)
        return "; ".join(problems) if problems else "✓"

    def count(tool_score: Score | None, *keys: str) -> str:
        return "not measured" if tool_score is None else str(sum(tool_score.counts[k] for k in keys))

    ratio = _ratio

    lines = [
        f"Fixtures: `benchmarks/accuracy/` ({len(cases)} labelled cases), truth in `benchmarks/accuracy/labels.yaml`.",
        "Command: `.venv/bin/python benchmarks/accuracy.py` (also run by `make bench`).",
        "",
        "| | ringfence | Checkov |",
        "|---|---|---|",
        f"| findings that must be reported (in scope) | {count(rf, 'must')} | {count(ck, 'must')} |",
        f"| reported, right status (true positives) | {count(rf, 'tp')} | {count(ck, 'tp')} |",
        f"| missed | {count(rf, 'miss')} | {count(ck, 'miss')} |",
        f"| reported with a wrong status | {count(rf, 'wrong_status')} | {count(ck, 'wrong_status')} |",
        f"| reported as `unknown` | {count(rf, 'undecided')} | {count(ck, 'undecided')} |",
        f"| findings that must not be reported | {count(rf, 'must_not')} | {count(ck, 'must_not')} |",
        f"| reported anyway (false positives) | {count(rf, 'fp')} | {count(ck, 'fp')} |",
        f"| reported anyway as `unknown` | {count(rf, 'fp_undecided')} | {count(ck, 'fp_undecided')} |",
        f"| recall (true positives / must) | {ratio(rf, 'tp', 'must')} | {ratio(ck, 'tp', 'must')} |",
        f"| precision (true positives / (true + false positives)) | {ratio(rf, 'tp', 'tp', 'fp')} "
        f"| {ratio(ck, 'tp', 'tp', 'fp')} |",
        "",
        "Case by case (✓: every must found with the right status, no must-not reported):",
        "",
        "| case | pillar | ringfence | Checkov |",
        "|---|---|---|---|",
    ]
    for case in cases:
        name = str(case["id"])
        lines.append(f"| `{name}` | {pillar_of(case)} | {cell(rf, name)} | {cell(ck, name)} |")
    extra = [text for text in notes.values() if text]
    if extra:
        lines += ["", *extra]
    return "\n".join(lines)


def run_accuracy(write: bool = True) -> str:
    import yaml

    cases = yaml.safe_load(LABELS.read_text())["cases"]
    CORPUS.mkdir(exist_ok=True)
    checkov = ensure_checkov()
    scores: dict[str, Score | None] = {}
    notes: dict[str, str] = {}
    rf, notes["ringfence"] = ringfence_findings(CORPUS / "accuracy-ringfence.json")
    ck, notes["checkov"] = checkov_findings(CORPUS / "accuracy-checkov.json")
    scores["ringfence"] = score("ringfence", cases, rf) if rf is not None else None
    scores["checkov"] = score("checkov", cases, ck) if ck is not None else None
    text = (
        "By pillar (recall: true positives / must; precision: true positives / (true + false positives)):\n\n"
    )
    text += per_pillar(cases, {"ringfence": rf, "checkov": ck}) + "\n\nTotals:\n\n"
    text += render(cases, scores, notes)
    split = disagreements(cases, scores["ringfence"], scores["checkov"])
    text += f"\n\nDisagreements (cases in both tools' scope where exactly one is right; {len(split)}):\n"
    text += "".join(f"\n- {line}" for line in split) if split else "\n- none"
    for tool, found in (("ringfence", rf), ("Checkov", ck)):
        if found is None:
            continue
        extra = outside_labels(tool.lower(), cases, found)
        text += f"\n\nDecided {tool} findings outside the labels ({len(extra)}; no label says whether they are right):\n"
        text += "".join(f"\n- `{line}`" for line in extra) if extra else "\n- none"
    version = ringfence_version() or "ringfence (version unknown)"
    when = machine_facts()["date"]
    text = f"Measured {when} with {version} and Checkov {checkov} (`benchmarks/.venv-checkov`).\n\n{text}"
    if write:
        write_section("accuracy", text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    print(run_accuracy(write=not args.no_write))
    return 0


if __name__ == "__main__":
    sys.exit(main())
