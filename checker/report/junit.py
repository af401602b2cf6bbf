"""JUnit XML view of a run: one testcase per scenario, its findings in the failure text."""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from checker.models import RunResult, ScenarioResult, Severity, Status


def _finding_lines(result: ScenarioResult) -> str:
    lines = []
    for v in result.violations:
        where = f" (step #{v.step + 1})" if v.step is not None else ""
        lines.append(f"[{v.severity.value}] {v.rule}{where}: {v.message}")
        if v.hint:
            lines.append(f"    fix: {v.hint}")
    return "\n".join(lines)


def _testcase(result: ScenarioResult, run: RunResult) -> TestCase:
    stem = Path(result.file).stem or "scenario"
    case = TestCase(result.name, classname=f"case_assist_check.{stem}", time=result.duration_s)
    errors = [v for v in result.violations if v.severity == Severity.error]
    if result.status == Status.error:
        outcome = Error(result.error or "the scenario could not run", "ScenarioError")
        outcome.text = "\n".join(filter(None, [result.error, _finding_lines(result)]))
        case.result = [outcome]
    elif result.status == Status.failed:
        outcome = Failure(errors[0].message if errors else "failed", "CaseAssistViolation")
        outcome.text = _finding_lines(result)
        case.result = [outcome]
    elif result.status == Status.flaky:
        earlier = "\n".join(f"attempt {i + 1}: {a.status.value} {a.error or ''} {'; '.join(a.findings)}"
                            for i, a in enumerate(result.earlier_attempts))
        case.system_out = f"FLAKY: passed on attempt {result.attempts}\n{earlier}\n{_finding_lines(result)}"
    elif result.violations:
        case.system_out = _finding_lines(result)  # warnings of a passing scenario, for the curious
    return case


def write_junit(run: RunResult, path: Path) -> Path:
    suite = TestSuite("case-assist-check")
    suite.timestamp = run.started_at
    for name, value in (("tool_version", run.tool_version), ("browser", run.browser),
                        ("analytics_mode", run.analytics_mode), ("base_url", run.base_url or "")):
        suite.add_property(name, value)
    for result in run.scenarios:
        suite.add_testcase(_testcase(result, run))
    suite.update_statistics()
    xml = JUnitXml()
    xml.add_testsuite(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    xml.write(str(path), pretty=True)
    return path
