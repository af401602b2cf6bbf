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
from checker.drive.browser import find_browser, launch
from checker.drive.session import ScenarioSession
from checker.drive.steps import resolve_url
from checker.options import RunEvent, RunOptions
from checker.report.journal import Journal
from checker.models import RunResult, ScenarioResult, ScenarioSummary, Status, StepResult
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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        executable = find_browser(pw, options.browser_path)
        holder = {"browser": launch(pw, executable, options.headed)}

        def relaunch() -> "Browser":  # the browser died mid-run: the next scenarios get a new one
            holder["browser"] = launch(pw, executable, options.headed)
            return holder["browser"]

        try:
            return _run_all(holder["browser"], scenarios, options, on_event, relaunch)
        finally:
            _quietly(holder["browser"].close)


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
            result = run_scenario(browser, scenario, options, on_event)
            run_result.scenarios.append(result)
            on_event(RunEvent("scenario_finished", scenario.name, index, len(scenarios), result=result))
    except Interrupted as stop:
        run_result.scenarios.append(stop.result)
        run_result.interrupted = True
    except KeyboardInterrupt:
        run_result.interrupted = True
    finish_run(run_result, time.monotonic() - started)
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


def finish_run(run_result: RunResult, duration_s: float) -> None:
    from checker.report.analysis import coverage, libraries

    run_result.duration_s = round(duration_s, 3)
    run_result.summary = summarize(run_result.scenarios)
    run_result.coverage = coverage(run_result)
    run_result.libraries = libraries(run_result)
    ok = all(s.status == Status.passed for s in run_result.scenarios)
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
