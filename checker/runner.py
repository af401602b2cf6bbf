"""Run scenarios: one browser per run, a fresh context (fresh client ID, fresh capture) per scenario.

scenario → drive (steps) → capture (network tap) → `checker.check.analyze` → `ScenarioResult`; the run →
`checker.report.run.new_run` → `RunResult`.
Progress is reported through `on_event(RunEvent)` so the CLI, tests and reporters stay out of this module.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from checker.capture.overhead import survivors_frozen
from checker.check import analyze
from checker.drive.browser import connect, find_browser, launch
from checker.drive.session import ScenarioSession
from checker.drive.steps import resolve_url
from checker.drive.watchdog import Remedy, end_process
from checker.models import AttemptSummary, RunResult, ScenarioResult, Status
from checker.names import slug
from checker.options import RunEvent, RunOptions
from checker.parallel import run_parallel
from checker.report.journal import Journal
from checker.report.run import finish_run, new_run, summarize, utc_now
from checker.report.scrub import scrub_file
from checker.scenario.model import GotoStep, Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, PlaywrightContextManager


def _no_event(event: RunEvent) -> None:
    pass


def check_urls(scenarios: list[Scenario], base_url: str | None) -> None:
    """Fail before launching anything when a relative `goto` has no base URL (raises ConfigError)."""
    for scenario in scenarios:
        for step in scenario.steps:
            if isinstance(step, GotoStep):
                resolve_url(step.goto, base_url)


def run(
    scenarios: list[Scenario],
    options: RunOptions,
    on_event: Callable[[RunEvent], None] = _no_event,
    browser: Browser | None = None,
) -> RunResult:
    """Run every scenario. Pass `browser` to reuse one (e.g. pytest-playwright's); else one is launched, or one per
    worker (`options.workers`, `checker.parallel`)."""
    check_urls(scenarios, options.base_url)
    if browser is not None:
        return _run_all(BrowserOpener(options, browser), scenarios, options, on_event)
    if options.workers > 1 and len(scenarios) > 1:
        return run_parallel(scenarios, options, on_event, lambda stop: _Worker(options, stop))
    opener = BrowserOpener(options)
    try:
        return _run_all(opener, scenarios, options, on_event)
    finally:
        opener.close()


class BrowserOpener:
    """The browser of a run (or of a worker): the caller's, or one of its own, launched locally or connected to a
    remote endpoint, with a Playwright of its own. One of its own is opened again when it died mid-run, with a new
    Playwright when the watchdog had to end the driver (its last resort), so the next scenarios still get one."""

    def __init__(
        self, options: RunOptions, browser: Browser | None = None, stop: threading.Event | None = None
    ) -> None:
        self.options, self.given, self.stop = options, browser is not None, stop  # stop: set when a parallel run stops
        self.manager: PlaywrightContextManager | None = None
        self.pw: Playwright | None = None
        self.driver_ended = False
        self.executable: str | None = None
        if browser is None:
            try:
                self._start_playwright()
                self.executable = (
                    None
                    if options.browser_endpoint and not options.browser_path
                    else find_browser(self.pw, options.browser_path, options.headed)
                )
                browser = self._open()
            except BaseException:
                self._stop_playwright()
                raise
        self.browser: Browser = browser

    def _start_playwright(self) -> None:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415  (lazy: heavy; only a run that opens its own browser needs it)

        self.manager = sync_playwright()
        self.pw, self.driver_ended = self.manager.start(), False

    def _stop_playwright(self) -> None:
        if self.driver_ended:
            self._drain()
        if self.pw is not None:
            _quietly(self.pw.stop)
        # a driver that was ended leaves its transport's error unread, which asyncio would print at exit
        error = getattr(getattr(getattr(self.manager, "_client", None), "_transport", None), "on_error_future", None)
        if error is not None and error.done() and not error.cancelled():
            error.exception()

    def _drain(self) -> None:
        """Let the tasks an ended driver left on the event loop finish (Playwright only cancels them as it stops,
        and asyncio prints those it destroys unfinished): a few turns of the loop, nothing waits any more."""
        loop = getattr(self.manager, "_loop", None)
        if loop is not None and not loop.is_closed() and not loop.is_running():
            _quietly(lambda: loop.run_until_complete(asyncio.sleep(0.05)))

    def _open(self) -> Browser:
        assert self.pw is not None  # started in __init__, and again by reopen()
        if self.options.browser_endpoint:
            return connect(self.pw, self.options.browser_endpoint, self.executable)
        return launch(self.pw, self.executable, self.options.headed)

    def current(self) -> Browser:
        """The browser for the next scenario: opened again when it died (unless it is the caller's)."""
        if not self.given and (self.driver_ended or not self.browser.is_connected()):
            self.reopen()
        return self.browser

    def reopen(self) -> Browser:
        """Open a browser again (with a new Playwright when the watchdog ended the driver)."""
        if self.driver_ended:
            self._stop_playwright()
            self._start_playwright()
        self.browser = self._open()
        return self.browser

    def last_resort(self) -> Remedy | None:
        """The watchdog's last resort for a call nothing else ended: end this Playwright's driver, which fails every
        pending call at once and takes its browser along (a remote server closes the browser of a connection that
        ends). Never for the caller's browser: other tests may be using its Playwright."""
        pid = None if self.given else _driver_pid(self.manager)
        if pid is None:
            return None
        return end_process(pid, "ended the browser and its Playwright driver", self._driver_gone)

    def _driver_gone(self) -> None:
        self.driver_ended = True

    def close(self) -> None:
        if not self.given:
            _quietly(self.browser.close)
            self._stop_playwright()


def _driver_pid(manager: Any) -> int | None:
    """The process of a Playwright driver: a private handle, whose path differs between Playwright versions."""
    for path in (("_client", "_transport", "_proc"), ("_connection", "_transport", "_proc")):
        handle = manager
        for name in path:
            handle = getattr(handle, name, None)
        if isinstance(getattr(handle, "pid", None), int):
            return handle.pid
    return None


class _Worker:
    """A parallel run's worker (`checker.parallel.Worker`): its own Playwright and browser."""

    def __init__(self, options: RunOptions, stop: threading.Event) -> None:
        self.options = options
        self.opener = BrowserOpener(options, stop=stop)
        self.browser = f"Chromium {self.opener.browser.version}"

    def run(self, scenario: Scenario, on_event: Callable[[RunEvent], None]) -> ScenarioResult:
        return run_attempts(self.opener, scenario, self.options, on_event)

    def close(self) -> None:
        self.opener.close()


def _run_all(
    opener: BrowserOpener, scenarios: list[Scenario], options: RunOptions, on_event: Callable[[RunEvent], None]
) -> RunResult:
    started, started_at = time.monotonic(), utc_now()
    browser = f"Chromium {opener.browser.version}"
    results: list[ScenarioResult] = []
    interrupted = False
    on_event(RunEvent("run_started", total=len(scenarios)))
    try:
        for index, scenario in enumerate(scenarios):
            on_event(RunEvent("scenario_started", scenario.name, index, len(scenarios)))
            result = run_attempts(opener, scenario, options, on_event)
            results.append(result)
            on_event(RunEvent("scenario_finished", scenario.name, index, len(scenarios), result=result))
    except Interrupted as stop:
        results.append(stop.result)
        interrupted = True
    except KeyboardInterrupt:
        interrupted = True
    run_result = new_run(
        results,
        started_at=started_at,
        duration_s=time.monotonic() - started,
        analytics_mode=options.analytics,
        base_url=options.base_url,
        browser=browser,
        interrupted=interrupted,
        fail_on_flaky=options.fail_on_flaky,
    )
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


def run_attempts(
    opener: BrowserOpener, scenario: Scenario, options: RunOptions, on_event: Callable[[RunEvent], None] = _no_event
) -> ScenarioResult:
    """Run a scenario, again up to `options.retries` times while it does not pass; a later pass is `flaky`. Each
    attempt gets a working browser when the opener can give one (the last may have died or been ended)."""
    earlier: list[AttemptSummary] = []
    while True:
        result = run_scenario(opener.current(), scenario, options, on_event, opener.last_resort())
        stopped = opener.stop is not None and opener.stop.is_set()  # no second attempt of an interrupted scenario
        if result.status == Status.passed or len(earlier) >= options.retries or stopped:
            break
        earlier.append(
            AttemptSummary(
                status=result.status,
                error=result.error,
                findings=[f"{v.rule}: {v.message}" for v in result.violations if v.severity.value == "error"][:10],
            )
        )
    result.attempts = len(earlier) + 1
    result.earlier_attempts = earlier
    if earlier and result.status == Status.passed:
        result.status = Status.flaky
    return result


def run_scenario(
    browser: Browser,
    scenario: Scenario,
    options: RunOptions,
    on_event: Callable[[RunEvent], None] = _no_event,
    last_resort: Remedy | None = None,
) -> ScenarioResult:
    """Drive one scenario in a fresh context and return its checked result. Page failures become `error`, a page
    that stops answering too (`last_resort`: what ends a call nothing gentler ended, see `checker.drive.watchdog`)."""
    result = ScenarioResult(
        name=scenario.name,
        file=scenario.file,
        expected_search_hub=scenario.search_hub or options.rules.expected_search_hub,
    )
    started = time.monotonic()
    session = ScenarioSession(browser, scenario, options, result, on_event)
    session.last_resort = last_resort
    journal = _journal(options, scenario, session)
    interrupted = False
    try:
        with survivors_frozen():  # the capture grows all along: full collections would walk it again and again
            session.run()
    except KeyboardInterrupt:
        interrupted = True
        result.error = "interrupted (Ctrl-C or SIGTERM) before the scenario finished; what it captured is kept"
    finally:
        _quietly(session.close)
        if result.trace:  # masked now, in case the run dies before the reports mask every artefact again
            scrub_file(options.report_dir / result.trace, options.redactor)
    result.requests = session.capture.requests
    result.js_calls = session.js.calls
    result.duration_s = round(time.monotonic() - started, 3)
    analyze(result, scenario, options.rules)
    if options.trace == "retain-on-failure" and result.status == Status.passed and result.trace:
        (options.report_dir / result.trace).unlink(missing_ok=True)
        result.trace = None
    if journal is not None:
        journal.write("result", result, captured=("requests", "js_calls", "events"))
        journal.close()
    if interrupted:
        raise Interrupted(result)
    return result


def _journal(options: RunOptions, scenario: Scenario, session: ScenarioSession) -> Journal | None:
    if not options.journal:
        return None
    journal = Journal(options.report_dir / "raw" / f"{session.stem}.jsonl", options.redactor)
    session.journal(journal)
    return journal


__all__ = ["RunEvent", "RunOptions", "check_urls", "run", "run_scenario", "slug", "summarize", "finish_run"]
