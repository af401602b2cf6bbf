"""Run scenarios: one browser per run, a fresh context (fresh client ID, fresh capture) per scenario.

scenario → drive (steps) → capture (network tap) → decode → check → `ScenarioResult`; the run → `RunResult`.
Progress is reported through `on_event(RunEvent)` so the CLI, tests and reporters stay out of this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from checker import __version__
from checker.capture.js_layer import JsCapture
from checker.capture.network import NetworkCapture
from checker.check import RuleConfig, check_scenario
from checker.check.expectations import match_in_order
from checker.decode import decode_all
from checker.decode.redact import Redactor
from checker.drive.browser import find_browser, launch
from checker.drive.screens import ScreenRecorder
from checker.drive.steps import StepContext, StepError, perform, resolve_url
from checker.models import JsCall, RunResult, ScenarioResult, ScenarioSummary, Status, StepResult, StepStatus
from checker.scenario.model import Scenario, describe_step, step_kind

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


PENDING_MAX_S = 2.0  # how long a send seen in JS may take to reach the network before we stop waiting
TRANSPORT_FNS = ("fetch", "sendBeacon", "xhr", "image")


@dataclass
class RunOptions:
    base_url: str | None = None
    analytics: Literal["block", "pass"] = "block"
    browser_path: str | None = None
    headed: bool = False
    report_dir: Path = Path("reports")
    step_timeout_s: float = 10.0
    expect_timeout_s: float = 5.0
    quiet_ms: int = 100  # a scenario ends once no analytics request came for this long…
    settle_max_s: float = 5.0  # …or after this much waiting, whichever first
    screenshots: bool = True
    secrets: list[str] = field(default_factory=list)
    rules: RuleConfig = field(default_factory=RuleConfig)
    extra_analytics_patterns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunEvent:
    kind: Literal["run_started", "scenario_started", "step_finished", "scenario_finished", "run_finished"]
    scenario: str | None = None
    index: int = 0
    total: int = 0
    step: StepResult | None = None
    result: ScenarioResult | None = None


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
        own = launch(pw, find_browser(pw, options.browser_path), options.headed)
        try:
            return _run_all(own, scenarios, options, on_event)
        finally:
            own.close()


def _run_all(browser: "Browser", scenarios: list[Scenario], options: RunOptions, on_event) -> RunResult:
    started = time.monotonic()
    run_result = RunResult(tool_version=__version__, started_at=_now(), analytics_mode=options.analytics,
                           base_url=options.base_url, browser=f"Chromium {browser.version}")
    on_event(RunEvent("run_started", total=len(scenarios)))
    for index, scenario in enumerate(scenarios):
        on_event(RunEvent("scenario_started", scenario.name, index, len(scenarios)))
        result = run_scenario(browser, scenario, options, on_event)
        run_result.scenarios.append(result)
        on_event(RunEvent("scenario_finished", scenario.name, index, len(scenarios), result=result))
    finish_run(run_result, time.monotonic() - started)
    on_event(RunEvent("run_finished", total=len(scenarios)))
    return run_result


def finish_run(run_result: RunResult, duration_s: float) -> None:
    run_result.duration_s = round(duration_s, 3)
    run_result.summary = summarize(run_result.scenarios)
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
    capture = NetworkCapture(Redactor(options.secrets), options.analytics, options.extra_analytics_patterns)
    js = JsCapture(capture.redactor, capture.started_at, capture.step_at, options.extra_analytics_patterns)
    started = time.monotonic()
    context = browser.new_context()
    try:
        js.attach(context)
        capture.attach(context)
        page = context.new_page()
        _watch_page(page, result, capture)
        screens = ScreenRecorder(context, page, enabled=options.screenshots)
        _drive(page, context, scenario, options, capture, js, screens, result, on_event)
        _settle(context, capture, js, options)
        _read_page_state(page, context, result)
    except Exception as exc:  # the browser died or the context broke: keep what was captured
        result.error = result.error or f"browser failure: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    finally:
        _close(context)
    result.requests = capture.requests
    result.js_calls = js.calls
    result.events = decode_all(capture.requests, js.calls)
    result.duration_s = round(time.monotonic() - started, 3)
    return check_scenario(result, scenario, options.rules)


def _drive(page: "Page", context: "BrowserContext", scenario: Scenario, options: RunOptions,
           capture: NetworkCapture, js: JsCapture, screens: ScreenRecorder, result: ScenarioResult, on_event) -> None:
    shots = options.report_dir / "screenshots" / slug(scenario.name)
    failed = False
    for index, step in enumerate(scenario.steps):
        step_result = StepResult(index=index, kind=step_kind(step), description=describe_step(step), line=step.line)
        result.steps.append(step_result)
        if failed:
            step_result.status = StepStatus.skipped
            continue
        timeout_s = step.timeout or options.step_timeout_s
        capture.step_starts.append(time.time())
        begun = time.monotonic()
        try:
            perform(page, step, StepContext(options.base_url, timeout_s * 1000))
            if step.expect:
                _wait_for_expected(context, capture, js, step.expect, index,
                                   step.timeout or options.expect_timeout_s, options.quiet_ms)
        except StepError as exc:
            step_result.status, step_result.error, failed = StepStatus.error, str(exc), True
            result.error = f"step #{index + 1} ({step_result.description}) failed: {exc}"
        step_result.duration_s = round(time.monotonic() - begun, 3)
        step_result.url = _safe_url(page, capture)
        _collect_fields(page, result)
        if options.screenshots or failed:
            shot = shots / f"step-{index + 1:02d}.jpg"
            if screens.snapshot(shot, exact=failed):
                step_result.screenshot = shot.relative_to(options.report_dir).as_posix()
        on_event(RunEvent("step_finished", scenario.name, index, len(scenario.steps), step=step_result))


def _wait_for_expected(context: "BrowserContext", capture: NetworkCapture, js: JsCapture, expectations,
                       step: int, timeout_s: float, quiet_ms: int) -> None:
    """Wait, event by event, until the step's expected events have all arrived or the timeout passes.

    An expected action that has not come at all gets the whole timeout (it may be late); one that came with
    wrong values only gets a quiet period for a corrected event, so a broken page does not cost minutes.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        events = decode_all(capture.requests, js.calls)
        outcomes = match_in_order(expectations, [e for e in events if e.step == step])
        unmet = [o for o in outcomes if not o.matched]
        if not unmet:
            return
        remaining_ms = (deadline - time.monotonic()) * 1000
        if all(o.event_index is not None for o in unmet):
            remaining_ms = min(remaining_ms, quiet_ms)
        if remaining_ms <= 0 or not _next_analytics_request(context, capture, remaining_ms):
            return


def _settle(context: "BrowserContext", capture: NetworkCapture, js: JsCapture, options: RunOptions) -> None:
    """Catch late events. While the JS layer shows a send whose request has not been seen, wait for it (bounded);
    then wait until no analytics request came for `quiet_ms`. `settle_max_s` bounds the whole."""
    deadline = time.monotonic() + options.settle_max_s
    pending_until = time.monotonic() + PENDING_MAX_S
    while time.monotonic() < deadline:
        waiting_for_send = time.monotonic() < pending_until and sends_pending(js.calls, capture.requests)
        window = (deadline - time.monotonic()) * 1000 if waiting_for_send else options.quiet_ms
        window = min(window, (deadline - time.monotonic()) * 1000)
        if window <= 0 or not _next_analytics_request(context, capture, window):
            if not waiting_for_send:
                return


def sends_pending(calls: list[JsCall], requests: list) -> bool:
    """True when the page asked for an analytics request that has not left the browser yet."""
    transports = [c for c in calls if c.fn in TRANSPORT_FNS]
    if len(transports) > sum(1 for r in requests if r.kind == "analytics"):
        return True  # handed to fetch/sendBeacon, not on the network yet
    if not any(c.fn == "library" and not c.info.get("dnt") == "1" for c in calls):
        return False  # coveo.analytics never loaded (or Do Not Track): its sends will never leave
    sends = [c for c in calls if c.fn == "coveoua" and c.args[:1] == ["send"]]
    return bool(sends) and sends[-1].time_ms > max((c.time_ms for c in transports), default=float("-inf"))


def _next_analytics_request(context: "BrowserContext", capture: NetworkCapture, timeout_ms: float) -> bool:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        context.wait_for_event("request", predicate=capture.is_analytics, timeout=max(timeout_ms, 1))
        return True
    except PlaywrightTimeout:
        return False


def _watch_page(page: "Page", result: ScenarioResult, capture: NetworkCapture) -> None:
    errors: list[str] = result.page_info.setdefault("page_errors", [])

    def on_error(error) -> None:
        if len(errors) < 50:
            errors.append(capture.redactor.text(str(error))[:500])

    page.on("pageerror", on_error)
    page.on("crash", lambda _: errors.append("the page crashed"))


FIELDS_JS = """() => {
  const names = new Set();
  const visit = (root) => {
    root.querySelectorAll('input, select, textarea').forEach((el) => { if (el.name) names.add(el.name); else if (el.id) names.add(el.id); });
    root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) visit(el.shadowRoot); });
  };
  visit(document);
  return [...names];
}"""


def _collect_fields(page: "Page", result: ScenarioResult) -> None:
    """Remember the form fields the page has (open shadow roots included), for the fieldName cross-check."""
    try:
        names = page.evaluate(FIELDS_JS)
    except Exception:
        return  # the page is navigating or gone
    result.page_fields = sorted(set(result.page_fields) | {n for n in names if isinstance(n, str)})


def _read_page_state(page: "Page", context: "BrowserContext", result: ScenarioResult) -> None:
    """The client ID the page stored, and the library versions it runs, for cross-checks and the report."""
    try:
        state = page.evaluate(PAGE_STATE_JS)
    except Exception:
        state = {}
    cookie = next((c["value"] for c in context.cookies() if c["name"] == "coveo_visitorId"), None)
    result.stored_client_id = state.get("visitorId") or cookie
    result.page_info.update({k: v for k, v in state.items() if k != "visitorId" and v})


PAGE_STATE_JS = """() => {
  const out = {};
  try { out.visitorId = localStorage.getItem('visitorId'); } catch (e) {}
  try {
    window.__caCheckQuiet = true;
    if (window.coveoanalytics && typeof coveoua === 'function') out.coveo_analytics_version = coveoua('version');
  } catch (e) {} finally { window.__caCheckQuiet = false; }
  return out;
}"""


def _safe_url(page: "Page", capture: NetworkCapture) -> str | None:
    try:
        return capture.redactor.url(page.url)
    except Exception:
        return None


def _close(context: "BrowserContext") -> None:
    try:
        context.close()
    except Exception:
        pass  # the browser is already gone


def slug(name: str) -> str:
    """A file-name-safe, unique form of a scenario name: it can never escape the report folder."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "scenario"
    return f"{cleaned}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
