"""`scan --format junit`: one test case per finding (and per rule that passed everywhere it applied)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ringfence.engine.runner import ScanResult
from ringfence.shown import as_escape, redacted


def render(result: ScanResult) -> str:
    suite = ET.Element("testsuite", name="ringfence")
    failures = skipped = tests = 0
    failing_rules = set()
    for f in result.findings:
        tests += 1
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f.rule_id,
            name=f.resource,
            file=f.location.path or "",
            line=str(f.location.line or ""),
        )
        if f.suppressed is not None or f.baseline:
            skipped += 1
            reason = (
                f"suppressed by {f.suppressed.by}: {f.suppressed.reason}" if f.suppressed else "in baseline"
            )
            ET.SubElement(case, "skipped", message=reason)
            continue
        failures += 1
        failing_rules.add(f.rule_id)
        failure = ET.SubElement(
            case, "failure", type=f.severity.value, message=f"[{f.status.value}] {f.meta.title}"
        )
        failure.text = f"{f.message}\nRemediation: {f.meta.remediation}"
    for check in sorted(result.checks, key=lambda c: c.rule_id):
        count = result.passes.get(check.rule_id, 0)
        if count:
            tests += 1
            ET.SubElement(suite, "testcase", classname=check.rule_id, name=f"{count} resources pass")
    for e in result.errors:
        tests += 1
        failures += 1
        case = ET.SubElement(suite, "testcase", classname="input", name=e.path)
        ET.SubElement(case, "error", message=e.message)
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("errors", "0")
    suites = ET.Element("testsuites", name="ringfence", tests=str(tests), failures=str(failures))
    suites.append(suite)
    _xml_text_only(suites)
    ET.indent(suites)
    return redacted(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


# Characters XML 1.0 does not allow at all (ElementTree writes them as they are, and the file no longer
# parses): control characters other than tab and line breaks, unpaired surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text_only(root: ET.Element) -> None:
    """Writes every character XML cannot hold, in names, paths and messages from the input, as an escape."""
    for element in root.iter():
        element.attrib = {k: _NOT_XML.sub(as_escape, v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _NOT_XML.sub(as_escape, element.text)
