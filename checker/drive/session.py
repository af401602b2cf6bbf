"""Stage 2: drive one scenario in a fresh browser context, with both capture layers attached.

For each step: stamp its start (the capture attributes requests and JS calls by it), perform it, wait, event by
event, for the events it expects (or until the JS layer shows the page asked for them: the wire events follow and
keep that step), take its screenshot. After the last step, settle: wait for sends still on their way, then for what
the page still has under way (timers, requests; bounded). A step that cannot be performed ends the scenario as
`error`; what was captured until then is kept. Every call to the page is bounded (`checker.drive.watchdog`): a page
whose script never yields ends its step, or the scenario, as `error` too, and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

from checker.capture import ContextCapture
from checker.check.expectations import evaluate_scenario, step_outcomes
from checker.decode import DecodeCache, decode_all
from checker.decode.intents import unsent_intents
from checker.drive.screens import ScreenRecorder, shown_until
from checker.drive.steps import StepContext, StepError, allowance_s, perform
from checker.drive.watchdog import (
    GRACE_S,
    PageUnresponsive,
    Remedy,
    Watchdog,
    remedies_for,
)
from checker.errors import first_line
from checker.files import note_unwritten
from checker.models import Event, ExpectationResult, ScenarioResult, StepResult, StepStatus
from checker.names import artefact_stem, slug
from checker.options import RunEvent, RunOptions
from checker.scenario.model import (
    EvaluateStep,
    GotoStep,
    Scenario,
    ScreenshotStep,
    Step,
    WaitForEventStep,
    WaitForStep,
    WaitStep,
    describe_step,
    step_kind,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page


class RecordSink(Protocol):
    """Where the session appends what it captures as it happens (the runner's journal)."""

    def write(self, kind: str, payload: Any, redacted: bool = ...) -> None: ...


PURE_WAITS = (WaitForStep, WaitStep, WaitForEventStep, ScreenshotStep)  # steps that do not act on the page
ACT_AS_THEY_START = (GotoStep, EvaluateStep)  # a navigation, a script: they change the page before any input


class ScenarioSession:
    watchdog: Watchdog | None = None  # bounds every call to the page (set by `run`)
    last_resort: Remedy | None = None  # the runner's, when it owns the browser: see `checker.drive.watchdog`

    def __init__(
        self,
        browser: Browser,
        scenario: Scenario,
        options: RunOptions,
        result: ScenarioResult,
        on_event: Callable[[RunEvent], None] = lambda e: None,
    ) -> None:
        self.scenario, self.options, self.result, self.on_event = scenario, options, result, on_event
        for secret in scenario.secret_values:
            options.redactor.add_secret(secret)
        self.tap = ContextCapture(
            options.redactor,
            options.analytics,
            options.extra_analytics_patterns,
            options.host_map,
            options.analytics_delay_ms,
        )
        self.stem = artefact_stem(scenario.name, options.redactor)  # names its trace and screenshot folder
        self.capture, self.js, self.redactor = self.tap.network, self.tap.js, self.tap.redactor
        self.browser = browser
        self.on_step = lambda step: None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self.screens: ScreenRecorder | None = None
        self.acted_until: float | None = None  # monotonic time the last step that acted on the page ended

    def journal(self, journal: RecordSink) -> None:
        """Append every request, JS call and step to the scenario's journal as it happens."""
        journal.write(
            "scenario", {"name": self.result.name, "file": self.result.file, "started_at": self.capture.started_at}
        )
        self.capture.listeners.append(lambda record: journal.write("request", record, redacted=True))
        self.js.listeners.append(lambda call: journal.write("js_call", call, redacted=True))
        self.on_step = lambda step: journal.write("step", step)

    def _context_options(self) -> dict[str, Any]:
        defaults = self.scenario.defaults
        options: dict[str, Any] = {}
        if defaults.viewport:
            options["viewport"] = {"width": defaults.viewport.width, "height": defaults.viewport.height}
        if defaults.locale:
            options["locale"] = defaults.locale
        if self.options.storage_state:
            options["storage_state"] = str(self.options.storage_state)
        return options

    @property
    def context(self) -> BrowserContext:
        if self._context is None:
            raise RuntimeError("the scenario's browser context is not open")
        return self._context

    @property
    def page(self) -> Page:
        if self._page is None:
            raise RuntimeError("the scenario's page is not open")
        return self._page

    # --- the run ------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.watchdog = Watchdog(self.scenario.defaults.timeout or self.options.step_timeout_s)
        try:
            self._context = self.browser.new_context(**self._context_options())
            if self.options.trace != "off":
                self.context.tracing.start(screenshots=True, snapshots=True, title=self.scenario.name)
            self.tap.attach(self.context)
            self._page = self.context.new_page()
            self._watch_page()
            self.screens = ScreenRecorder(self.context, self.page, enabled=self.options.screenshots)
            self._arm_watchdog()
            self._steps()
            self._after_steps()
        except Exception as exc:  # the browser died or the context broke: keep what was captured
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.result.error = self.result.error or f"browser failure: {self.capture.redactor.text(text)}"
        self._settle_screenshots()
        self._note_hang()
        self.result.page_fields = sorted(self.js.page_fields)  # those the pages had when they logged, and at the end

    def close(self) -> None:
        try:
            if self._context is not None:
                with self._bound("closing the scenario's browser context", give_up=False):
                    self._stop_trace()
                    self.context.close()
        except Exception:
            pass  # the browser is already gone
        finally:
            if self.watchdog is not None:
                self.watchdog.stop()

    def _stop_trace(self) -> None:
        """Write the trace; its secrets are masked where artefacts are written (the runner, then the reports)."""
        if self.options.trace == "off":
            return
        path = self.options.report_dir / "traces" / f"{self.stem}.zip"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.context.tracing.stop(path=str(path))
            self.result.trace = path.relative_to(self.options.report_dir).as_posix()
        except Exception as exc:
            path.unlink(missing_ok=True)  # no trace rather than a part of one
            note_unwritten(path, exc if isinstance(exc, OSError) else OSError(None, first_line(exc)))

    def _steps(self) -> None:
        failed = False
        for index, step in enumerate(self.scenario.steps):
            step_result = StepResult(
                index=index,
                kind=step_kind(step),
                line=step.line,
                description=self.capture.redactor.text(describe_step(step)) or "",
            )
            self.result.steps.append(step_result)
            if failed:
                step_result.status = StepStatus.skipped
                continue
            try:
                failed = self._step(index, step, step_result)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the step under way did not pass, whatever it was
                step_result.status, step_result.error = StepStatus.error, "interrupted (Ctrl-C or SIGTERM)"
                raise
            self.on_step(step_result)
            self.on_event(
                RunEvent("step_finished", self.scenario.name, index, len(self.scenario.steps), step=step_result)
            )

    def _step(self, index: int, step: Step, step_result: StepResult) -> bool:
        """Perform one step; True when it could not be performed (the scenario stops)."""
        defaults = self.scenario.defaults
        timeout_s = step.timeout or defaults.timeout or self.options.step_timeout_s
        expect_timeout_s = step.timeout or defaults.expect_timeout or self.options.expect_timeout_s
        if isinstance(step, ACT_AS_THEY_START):
            # the step before may have ended before the library sent what the page asked for (see `_on_their_way`):
            # leaving the page now would cut the send short, sooner than any person could
            self.tap.wait_for_pending_sends()
        self.capture.step_starts.append(time.time())
        begun = time.monotonic()
        failed = False
        try:
            self._perform(step, timeout_s)
            if step.expect_block.events or isinstance(step, WaitForEventStep):
                self._wait_for_expected(index, expect_timeout_s)
        except StepError as exc:
            self._stop_pending_navigation()  # first: a pending navigation holds the page's answers too
            error = self.capture.redactor.text(str(self._hang_or(exc, timeout_s)))
            step_result.status, step_result.error, failed = StepStatus.error, error, True
            self.result.error = f"step #{index + 1} ({step_result.description}) failed: {error}"
        ended = time.monotonic()
        if not isinstance(step, PURE_WAITS):
            self.acted_until = ended
        step_result.duration_s = round(ended - begun, 3)
        step_result.url = self._safe_url()
        self._screenshot(index, step, step_result, exact=failed or isinstance(step, ScreenshotStep))
        return failed

    def _settle_screenshots(self) -> None:
        """Each step's screenshot becomes the last frame drawn before a later step acted on the page."""
        if self.screens is None:
            return
        starts = self.capture.step_starts
        at_start = [isinstance(step, ACT_AS_THEY_START) for step in self.scenario.steps[: len(starts)]]
        try:
            self.screens.settle(shown_until(starts, at_start, self.js.acts))
        except OSError:
            pass  # the report folder went away: the provisional pictures stay

    def _stop_pending_navigation(self) -> None:
        """A navigation that never gets an answer makes every later call to the page (evaluate, screenshot, even
        through CDP) wait for it: stop it, as the browser's stop button does, so the page stays readable."""
        try:
            with self._bound("stopping its navigation"):
                self.page.wait_for_timeout(0)  # dispatch what the browser already said, a crash among it
                if self.screens is None or self.screens.crashed:
                    return  # CDP calls to a crashed page never answer
                # not detached: a detach waits for the page's main thread, which a busy script holds; the session
                # ends with the context
                self.context.new_cdp_session(self.page).send("Page.stopLoading")
        except Exception:
            pass  # not Chromium, or a closed page: nothing is pending there

    def _screenshot(self, index: int, step: Step, step_result: StepResult, exact: bool) -> None:
        if not (self.options.screenshots or exact):
            return
        label = (
            f"-{slug(self.capture.redactor.text(step.screenshot) or '', unique=False)}"
            if isinstance(step, ScreenshotStep)
            else ""
        )
        name = f"step-{index + 1:02d}{label}"
        shot = self.options.report_dir / "screenshots" / self.stem / f"{name}.jpg"
        if self.screens is not None and self.screens.snapshot(index, shot, exact=exact):
            step_result.screenshot = shot.relative_to(self.options.report_dir).as_posix()

    # --- bounds on the page's answers -----------------------------------------------------------------------
    def _arm_watchdog(self) -> None:
        """From here on every call to the page is bounded: the steps, the capture's reads, the screenshots. Past its
        bound a call is ended by the gentlest remedy that works (its scripts stopped, its renderers ended, the
        runner's last resort); the scenario is then `error`, with what it captured."""
        assert self.watchdog is not None and self.screens is not None  # both made by `run` before the steps
        self.watchdog.remedies = remedies_for(self.browser, self.context, self.page, self.last_resort)
        self.tap.bound = self.screens.bound = self.watchdog.bound

    def _bound(self, what: str, seconds: float | None = None, give_up: bool = True) -> AbstractContextManager[None]:
        return self.watchdog.bound(what, seconds, give_up) if self.watchdog is not None else nullcontext()

    def _perform(self, step: Step, timeout_s: float) -> None:
        """Perform the step within all its waits may take (and a margin): evaluate and key presses have no timeout
        of their own, and a page whose script never yields would hold them for ever."""
        try:
            with self._bound("performing the step", allowance_s(step, timeout_s) + GRACE_S):
                perform(self.page, step, StepContext(self.options.base_url, timeout_s * 1000))
        except PageUnresponsive as exc:
            raise StepError(exc.restated(timeout_s)) from None

    def _hang_or(self, error: StepError, timeout_s: float) -> StepError:
        """A step that timed out on a page that no longer runs its scripts: say that, not which wait timed out (a
        busy page fails every actionability check). A page that answers within `GRACE_S` keeps the step's error."""
        if "Timeout" not in str(error):
            return error
        try:
            with self._bound("checking that it still answers", GRACE_S):
                self._evaluate_in_every_frame("0")
        except PageUnresponsive:
            pass
        hangs = self.watchdog.hangs if self.watchdog is not None else []
        return StepError(hangs[0].restated(timeout_s)) if hangs else error  # the steps before all went through

    def _evaluate_in_every_frame(self, script: str) -> None:
        for frame in list(self.page.frames):  # a cross-site iframe has a process, and a main thread, of its own
            try:
                frame.evaluate(script)
            except Exception:
                continue  # detached, crashed or loading: not what this looks for

    def _after_steps(self) -> None:
        """Settle, read the page's state, have it hand over what its JS layer holds. A page that stops answering
        ends each of them (the watchdog keeps it for `_note_hang`); what was captured is kept."""
        reads = [self._settle, self._read_page_state] + ([self.tap.flush_pages] if self.options.screenshots else [])
        for read in reads:  # flush: the times the steps acted on the pages, to settle the screenshots
            try:
                read()
            except PageUnresponsive:
                continue

    def _note_hang(self) -> None:
        """A page that stopped answering after the steps makes the scenario `error` (the steps' own errors first)."""
        if self.watchdog is not None and self.watchdog.hangs and not self.result.error:
            self.result.error = self.capture.redactor.text(str(self.watchdog.hangs[0]))

    # --- waiting ------------------------------------------------------------------------------------------
    def _wait_for_expected(self, step: int, timeout_s: float) -> None:
        """Wait, event by event, until the step's expected events have all arrived or the timeout passes.

        An expected action that has not come at all gets the whole timeout (it may be late); one that came with
        wrong values only gets a quiet period for a corrected event, so a broken page does not cost minutes.
        """
        deadline = time.monotonic() + timeout_s
        awaiting_wire = isinstance(self.scenario.steps[step], WaitForEventStep)  # the user waits for the send itself
        if getattr(self, "_decoded", None) is None:
            self._decoded = DecodeCache()  # each wake-up decodes only the requests that came since the last
        while True:
            events = decode_all(self.capture.requests, self.js.calls, cache=self._decoded)
            outcomes = step_outcomes(evaluate_scenario(self.scenario, events, set(range(step + 1)), upto=step), step)
            unmet = [o for o in outcomes if not o.matched and o.kind == "expect"]
            if not unmet or (not awaiting_wire and self._on_their_way(unmet, step, events)):
                return
            remaining_ms = (deadline - time.monotonic()) * 1000
            if all(o.event_index is not None for o in unmet):
                remaining_ms = min(remaining_ms, self.options.quiet_ms)
            if remaining_ms <= 0 or not self._next_analytics_request(remaining_ms):
                return

    def _on_their_way(self, unmet: list[ExpectationResult], step: int, events: list[Event]) -> bool:
        """The page asked for every missing expected event during this step (the JS layer saw its call): the wire
        events follow. They are attributed to this step by that call, matched when the run is checked, and the
        settle waits for sends still on their way, so the next step need not wait for the network."""
        if any(o.event_index is not None for o in unmet):
            return False  # an event came with wrong values: a corrected one may follow
        pending = unsent_intents(self.js.calls, events, step)
        for outcome in unmet:
            intent = next((i for i in pending if outcome.expected.get("action") in i.wanted), None)
            if intent is None:
                return False
            pending.remove(intent)
        return True

    def _settle(self) -> None:
        # a wait causes nothing: the horizon counts from the last step that acted on the page
        self.tap.settle(self.options.settle_ms, self.options.settle_max_s, since=self.acted_until)

    def _next_analytics_request(self, timeout_ms: float) -> bool:
        return self.tap.next_request(timeout_ms)

    # --- what the page holds ---------------------------------------------------------------------------------
    def _watch_page(self) -> None:
        errors: list[str] = self.result.page_info.setdefault("page_errors", [])

        def on_error(error: Exception) -> None:
            if len(errors) < 50:
                errors.append((self.capture.redactor.text(str(error)) or "")[:500])

        console: list[str] = self.result.page_info.setdefault("console_errors", [])

        def on_console(message: ConsoleMessage) -> None:
            # a failed resource load is already in the captured requests, with its status
            if message.type == "error" and len(console) < 50 and not message.text.startswith("Failed to load resource"):
                console.append("console: " + (self.capture.redactor.text(message.text) or "")[:500])

        self.page.on("pageerror", on_error)
        self.page.on("console", on_console)
        self.page.on("crash", lambda _: errors.append("the page crashed"))

    def _read_page_state(self) -> None:
        """The client ID the page stored, the library versions it runs and its form fields, for cross-checks
        and the report."""
        state = self.tap.page_state(self.page)
        self.result.stored_client_id = state.get("visitorId")
        self.result.page_info.update({k: v for k, v in state.items() if k != "visitorId" and v})

    def _safe_url(self) -> str | None:
        try:
            return self.capture.redactor.url(self.page.url)
        except Exception:
            return None
