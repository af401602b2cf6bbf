"""JUnit XML view of a run: one testcase per scenario, its findings in the failure text."""

from __future__ import annotations

import io
import re
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from checker.files import write_atomic
from checker.models import RunResult, ScenarioResult, Severity, Status

# XML 1.0 cannot hold most control characters nor lone surrogates: a page's value is shown escaped instead.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else "\ufffd", text or "")


def _finding_lines(result: ScenarioResult) -> str:
    lines = []
    for v in result.violations:
        where = f" (step #{v.step + 1})" if v.step is not None else ""
        lines.append(f"[{v.severity.value}] {v.rule}{where}: {v.message}")
        if v.hint:
            lines.append(f"    fix: {v.hint}")
    return xml_safe("\n".join(lines))


def _testcase(result: ScenarioResult, run: RunResult) -> TestCase:
    stem = Path(result.file).stem or "scenario"
    case = TestCase(xml_safe(result.name), classname=xml_safe(f"case_assist_check.{stem}"), time=result.duration_s)
    errors = [v for v in result.violations if v.severity == Severity.error]
    if result.status == Status.error:
        error = Error(xml_safe(result.error or "the scenario could not run"), "ScenarioError")
        error.text = "\n".join(filter(None, [xml_safe(result.error), _finding_lines(result)]))
        case.result = [error]
    elif result.status == Status.failed:
        failure = Failure(xml_safe(errors[0].message if errors else "failed"), "CaseAssistViolation")
        failure.text = _finding_lines(result)
        case.result = [failure]
    elif result.status == Status.flaky:
        earlier = "\n".join(
            f"attempt {i + 1}: {a.status.value} {a.error or ''} {'; '.join(a.findings)}"
            for i, a in enumerate(result.earlier_attempts)
        )
        case.system_out = xml_safe(f"FLAKY: passed on attempt {result.attempts}\n{earlier}\n") + _finding_lines(result)
    elif result.violations:
        case.system_out = _finding_lines(result)  # warnings of a passing scenario, for the curious
    return case


def write_junit(run: RunResult, path: Path) -> Path:
    suite = TestSuite("case-assist-check")
    suite.timestamp = run.started_at
    for name, value in (
        ("tool_version", run.tool_version),
        ("browser", run.browser),
        ("analytics_mode", run.analytics_mode),
        ("base_url", run.base_url or ""),
        ("implementation", " | ".join(run.implementations)),
    ):
        suite.add_property(name, xml_safe(value))
    for result in run.scenarios:
        suite.add_testcase(_testcase(result, run))
    suite.update_statistics()
    xml = JUnitXml()
    xml.add_testsuite(suite)
    content = io.BytesIO()
    xml.write(content, pretty=True)
    return write_atomic(path, content.getvalue())  # whole or not at all; raises `UnwrittenFile`
