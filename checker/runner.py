"""Run scenarios: one browser per run, a fresh context (fresh client ID, fresh capture) per scenario.

scenario → drive (steps) → capture (network tap) → decode → check → `ScenarioResult`; the run → `RunResult`.
Progress is reported through `on_event(RunEvent)` so the CLI, tests and reporters stay out of this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from typing import TYPE_CHECKING, Callable

from checker import __version__
from checker.check import check_scenario
from checker.decode import decode_all
from checker.drive.browser import connect, find_browser, launch
from checker.drive.session import ScenarioSession
from checker.drive.steps import resolve_url
from checker.options import RunEvent, RunOptions
from checker.report.journal import Journal
from checker.models import AttemptSummary, RunResult, ScenarioResult, ScenarioSummary, Status
from checker.scenario.model import Scenario, step_kind

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def check_urls(scenarios: list[Scenario], base_url: str | None) -> None:
    """Fail before launching anything when a relative `goto` has no base URL (raises ConfigError)."""
    for scenario in scenarios:
        for step in scenario.steps:
            if step_kind(step) == "goto":
                resolve_url(step.goto, base_url)


def run(scenarios: list[Scenario], options: RunOptions, on_event: Callable[[RunEvent], None] = lambda e: None,
        browser: "Browser | None" = None) -> RunResult:
    """Run every scenario. Pass `browser` to reuse one (e.g. pytest-playwright's); else one is launched."""
    check_urls(scenarios, options.base_url)
    if browser is not None:
        return _run_all(browser, scenarios, options, on_event)
    if options.workers > 1 and len(scenarios) > 1:
        from checker.parallel import run_parallel

        return run_parallel(scenarios, options, on_event)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        opener = BrowserOpener(pw, options)
        try:
            return _run_all(opener.browser, scenarios, options, on_event, opener.reopen)
        finally:
            opener.close()


class BrowserOpener:
    """The browser of a run (or of a worker): launched locally, or connected to a remote endpoint; opened again if
    it dies mid-run, so the next scenarios still get one."""

    def __init__(self, pw, options: RunOptions) -> None:
        self.pw, self.options = pw, options
        self.executable = None if options.browser_endpoint and not options.browser_path else find_browser(pw, options.browser_path)
        self.browser = self._open()

    def _open(self) -> "Browser":
        if self.options.browser_endpoint:
            return connect(self.pw, self.options.browser_endpoint, self.executable)
        return launch(self.pw, self.executable, self.options.headed)

    def reopen(self) -> "Browser":
        self.browser = self._open()
        return self.browser

    def close(self) -> None:
        _quietly(self.browser.close)


def _run_all(browser: "Browser", scenarios: list[Scenario], options: RunOptions, on_event,
             relaunch: Callable[[], "Browser"] | None = None) -> RunResult:
    started = time.monotonic()
    run_result = RunResult(tool_version=__version__, started_at=_now(), analytics_mode=options.analytics,
                           base_url=options.base_url, browser=f"Chromium {browser.version}")
    on_event(RunEvent("run_started", total=len(scenarios)))
    try:
        for index, scenario in enumerate(scenarios):
            if relaunch is not None and not browser.is_connected():
                browser = relaunch()
            on_event(RunEvent("scenario_started", scenario.name, index, len(scenarios)))
            result = run_attempts(browser, scenario, options, on_event)
            run_result.scenarios.append(result)
            on_event(RunEvent("scenario_finished", scenario.name, index, len(scenarios), result=result))
    except Interrupted as stop:
        run_result.scenarios.append(stop.result)
        run_result.interrupted = True
    except KeyboardInterrupt:
        run_result.interrupted = True
    finish_run(run_result, time.monotonic() - started, options.fail_on_flaky)
    on_event(RunEvent("run_finished", total=len(scenarios)))
    return run_result


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during a scenario; carries what that scenario captured until then."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.name)
        self.result = result


def _quietly(action: Callable[[], object]) -> None:
    try:
        action()
    except Exception:
        pass  # closing what is already gone


def run_attempts(browser, scenario: Scenario, options: RunOptions, on_event=lambda e: None) -> ScenarioResult:
    """Run a scenario, again up to `options.retries` times while it does not pass; a later pass is `flaky`."""
    earlier: list[AttemptSummary] = []
    while True:
        result = run_scenario(browser, scenario, options, on_event)
        if result.status == Status.passed or len(earlier) >= options.retries:
            break
        earlier.append(AttemptSummary(status=result.status, error=result.error,
                                      findings=[f"{v.rule}: {v.message}" for v in result.violations
                                                if v.severity.value == "error"][:10]))
    result.attempts = len(earlier) + 1
    result.earlier_attempts = earlier
    if earlier and result.status == Status.passed:
        result.status = Status.flaky
    return result


def finish_run(run_result: RunResult, duration_s: float, fail_on_flaky: bool = False) -> None:
    from checker.report.analysis import coverage, implementations, libraries

    run_result.duration_s = round(duration_s, 3)
    run_result.summary = summarize(run_result.scenarios)
    run_result.coverage = coverage(run_result)
    run_result.libraries = libraries(run_result)
    run_result.implementations = implementations(run_result)
    accepted = {Status.passed} if fail_on_flaky else {Status.passed, Status.flaky}
    ok = all(s.status in accepted for s in run_result.scenarios)
    run_result.status = Status.passed if ok else Status.failed


def summarize(results: list[ScenarioResult]) -> ScenarioSummary:
    summary = ScenarioSummary(total=len(results))
    for result in results:
        setattr(summary, result.status.value, getattr(summary, result.status.value) + 1)
        for violation in result.violations:
            summary.violations[violation.severity.value] += 1
    return summary


def run_scenario(browser, scenario: Scenario, options: RunOptions, on_event=lambda e: None) -> ScenarioResult:
    """Drive one scenario in a fresh context and return its checked result. Page failures become `error`."""
    result = ScenarioResult(name=scenario.name, file=scenario.file,
                            expected_search_hub=scenario.search_hub or options.rules.expected_search_hub)
    started = time.monotonic()
    session = ScenarioSession(browser, scenario, options, result, on_event)
    journal = _journal(options, scenario, session)
    interrupted = False
    try:
        session.run()
    except KeyboardInterrupt:
        interrupted = True
        result.error = "interrupted (Ctrl-C or SIGTERM) before the scenario finished; what it captured is kept"
    finally:
        _quietly(session.close)
    result.requests = session.capture.requests
    result.js_calls = session.js.calls
    result.events = decode_all(session.capture.requests, session.js.calls)
    result.duration_s = round(time.monotonic() - started, 3)
    check_scenario(result, scenario, options.rules)
    if options.trace == "retain-on-failure" and result.status == Status.passed and result.trace:
        (options.report_dir / result.trace).unlink(missing_ok=True)
        result.trace = None
    if journal is not None:
        journal.write("result", result)
        journal.close()
    if interrupted:
        raise Interrupted(result)
    return result


def _journal(options: RunOptions, scenario: Scenario, session: ScenarioSession) -> Journal | None:
    if not options.journal:
        return None
    name = session.capture.redactor.text(scenario.name) or "scenario"
    journal = Journal(options.report_dir / "raw" / f"{slug(name)}.jsonl", session.capture.redactor)
    session.journal(journal)
    return journal


def slug(name: str, unique: bool = True) -> str:
    """A file-name-safe form of a name (unique: with a short hash): it can never escape the report folder."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "scenario"
    return f"{cleaned}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}" if unique else cleaned


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


__all__ = ["RunEvent", "RunOptions", "check_urls", "run", "run_scenario", "slug", "summarize", "finish_run"]
