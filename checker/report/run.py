"""The one way a `RunResult` is made: from its scenarios' results, by the runner, its workers, the pytest plugin,
`report DIR` and `merge` alike (`new_run`), and finished again after its scenarios changed (`finish_run`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from checker import __version__
from checker.models import RunResult, ScenarioResult, ScenarioSummary, Status
from checker.report.analysis import coverage, implementations, libraries


def utc_now() -> str:
    """Now, as a run's `started_at` (UTC, ISO 8601, to the second)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_run(
    scenarios: list[ScenarioResult],
    *,
    started_at: str,
    duration_s: float,
    analytics_mode: Literal["block", "pass"] = "block",
    base_url: str | None = None,
    browser: str = "",
    interrupted: bool = False,
    fail_on_flaky: bool = False,
) -> RunResult:
    """A finished run of these scenario results (summary, coverage, libraries, implementations and status)."""
    run = RunResult(
        tool_version=__version__,
        started_at=started_at,
        analytics_mode=analytics_mode,
        base_url=base_url,
        browser=browser,
        interrupted=interrupted,
        scenarios=list(scenarios),
    )
    return finish_run(run, duration_s, fail_on_flaky)


def finish_run(run_result: RunResult, duration_s: float, fail_on_flaky: bool = False) -> RunResult:
    """Fill what a run says as a whole from its scenarios (in place; returned too)."""
    run_result.duration_s = round(duration_s, 3)
    run_result.summary = summarize(run_result.scenarios)
    run_result.coverage = coverage(run_result)
    run_result.libraries = libraries(run_result)
    run_result.implementations = implementations(run_result)
    accepted = {Status.passed} if fail_on_flaky else {Status.passed, Status.flaky}
    ok = all(s.status in accepted for s in run_result.scenarios)
    run_result.status = Status.passed if ok else Status.failed
    return run_result


def summarize(results: list[ScenarioResult]) -> ScenarioSummary:
    summary = ScenarioSummary(total=len(results))
    for result in results:
        setattr(summary, result.status.value, getattr(summary, result.status.value) + 1)
        for violation in result.violations:
            summary.violations[violation.severity.value] += 1
    return summary
