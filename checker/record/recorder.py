"""Record a person going through the flow: their actions become steps, the events each caused its `expect`.

The recording context gets the checker's two capture layers (the network tap, analytics answered locally in
`block` mode, and the JS layer) plus an init script reporting the person's actions (`script.py`). Each action is
a step boundary, stamped with the page's own clock at the moment it began, so the events the page sent because
of it land in that step, exactly as the runner attributes them when the scenario is replayed.

Navigations the person makes (typing a URL, reload, back/forward) become `goto` steps; those the page makes
(links, forms, scripts) are left to the step that caused them. Actions in other tabs (an article opened in a
popup) are not recorded: a scenario drives one page.
"""

from __future__ import annotations

import bisect
import datetime as dt
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from checker.capture import ContextCapture
from checker.decode import decode_all
from checker.drive.browser import find_browser, launch
from checker.errors import ConfigError
from checker.models import Event
from checker.record.script import ACTIONS_JS
from checker.record.writer import RecordedStep, build_document, dump
from checker.redact import Redactor

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, CDPSession, Frame, Page, Request

ACTION_BINDING = "__caCheckRecordAction"
CAUSED_WITHIN_MS = 1500.0  # without CDP: a navigation this soon after a recorded action is the page's doing
REQUESTED_WITHIN_MS = 2000.0  # a navigation the page requested this long before one started is that one
SETTLE_MAX_S = 3.0
FRAME_SELECTOR_JS = """(el) => {
  if (window.__caRecordSelector) { const s = window.__caRecordSelector(el); if (s) return s; }
  if (el.id) return '#' + CSS.escape(el.id);
  if (el.name) return 'iframe[name="' + el.name.replace(/"/g, '\\\\"') + '"]';
  return el.getAttribute('src') ? 'iframe[src="' + el.getAttribute('src').replace(/"/g, '\\\\"') + '"]' : 'iframe';
}"""


class Recorder:
    """Records one flow in a fresh browser context. Use as a context manager; drive `.page` (a person does, in a
    headed browser; tests do, headless), then `finish()` returns the scenario YAML.

        with Recorder(browser, "https://support.example.com/create-case", base_url="https://support.example.com") as rec:
            rec.wait_until_done()          # or drive rec.page yourself
            text = rec.finish()

    browser          a Playwright Browser (a fresh context is made from it), or None with `context_factory`
    url              where the recording starts (the first step, `goto`)
    base_url         write gotos under it relative to it (run the scenario with --base-url BASE_URL)
    name             the scenario's name; default: the page title and the recording time
    analytics        `block` (default): analytics requests answered locally, as the runner does; `pass`: sent on
    extra_analytics_patterns  URL patterns of an analytics proxy (as RunOptions.extra_analytics_patterns)
    context_factory  a callable returning the BrowserContext to record in (closed by `close()`)
    context_options  keyword arguments of `browser.new_context` (viewport, locale, storage_state, no_viewport…)
    secrets          values to redact from what is captured
    host_map         requests to these hosts answered by these origins (as RunOptions.host_map)
    settle_ms        `finish()` waits for late sends and for what the page has under way due within this long
    """

    def __init__(
        self,
        browser: Browser | None = None,
        url: str | None = None,
        *,
        base_url: str | None = None,
        name: str | None = None,
        analytics: Literal["block", "pass"] = "block",
        extra_analytics_patterns: list[str] | None = None,
        context_factory: Callable[[], BrowserContext] | None = None,
        context_options: dict[str, Any] | None = None,
        secrets: list[str] | None = None,
        settle_ms: int = 500,
        host_map: dict[str, str] | None = None,
    ) -> None:
        if browser is None and context_factory is None:
            raise ValueError("Recorder needs a browser or a context_factory")
        if not url:
            raise ValueError("Recorder needs the URL to start from")
        self.browser = browser
        self.url = url
        self.base_url = base_url
        self.name = name
        self.analytics = analytics
        self.extra_analytics_patterns = list(extra_analytics_patterns or [])
        self.context_factory = context_factory
        self.context_options = dict(context_options or {})
        self.settle_ms = settle_ms
        self.tap = ContextCapture(Redactor(list(secrets or [])), analytics, self.extra_analytics_patterns, host_map)
        self.capture, self.js = self.tap.network, self.tap.js
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.recorded_at = dt.datetime.now(dt.UTC)
        self.ignored_actions = 0  # actions in other tabs (popups)
        self._steps: list[RecordedStep] = []
        self._lock = threading.Lock()
        self._title: str | None = None
        self._nav_start: tuple[str, float] | None = None  # main-frame navigation under way: (URL, start ms)
        self._own_navigation = False
        self._requested: list[float] = []  # when the page itself asked for a main-frame navigation (ms)
        self._main_frame_id: str | None = None
        self._cdp: CDPSession | None = None
        self._context_closed = False

    def _open_page(self) -> Page:
        if self.page is None:
            raise RuntimeError("the recording has not started")
        return self.page

    # --- lifecycle ------------------------------------------------------------------------------------------
    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Page:
        """Open the recording context and the start URL (the first step). Returns the recorded page."""
        if self.context_factory is not None:
            context = self.context_factory()
        else:
            assert self.browser is not None  # __init__ takes one or the other
            context = self.browser.new_context(**self.context_options)
        self.context = context
        self.tap.attach(context)
        context.expose_binding(ACTION_BINDING, self._on_action)
        context.add_init_script(ACTIONS_JS)
        context.on("close", lambda _: setattr(self, "_context_closed", True))
        page = context.new_page()
        self.page = page
        page.on("request", self._on_request)
        page.on("framenavigated", self._on_navigated)
        page.on("load", lambda _: self._read_title())
        self._watch_requested_navigations(context, page)
        self._add(RecordedStep("goto", time.time() * 1000, value=self.url))
        self._own_navigation = True
        try:
            page.goto(self.url, wait_until="load")
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"could not open {self.url}: {first}", "check the URL and that the site is reachable"
            ) from None
        finally:
            self._own_navigation = False
            self._nav_start = None
        self._read_title()
        return page

    def _watch_requested_navigations(self, context: BrowserContext, page: Page) -> None:
        """Chromium reports every navigation a document asks for (link, form, script, meta refresh) as
        Page.frameRequestedNavigation; one started from the browser itself (address bar, reload, back/forward
        buttons) has none. Without CDP (another browser), timing tells them apart."""
        try:
            cdp = context.new_cdp_session(page)
            cdp.on("Page.frameRequestedNavigation", self._on_requested_navigation)
            cdp.send("Page.enable")
        except Exception:
            return
        self._cdp = cdp
        try:
            self._main_frame_id = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        except Exception:
            pass  # every frame's requests then count: an iframe's may hide a typed URL, rarely

    def close(self) -> None:
        try:
            if self.context is not None and not self._context_closed:
                self.context.close()
        except Exception:
            pass  # the person closed the browser

    def is_done(self) -> bool:
        """True once the recorded page (or its context, or the browser) is gone."""
        if self._context_closed or self.page is None or self.page.is_closed():
            return True
        return self.browser is not None and not self.browser.is_connected()

    def wait_until_done(self, wait: Callable[[], Any] | None = None, poll_ms: int = 250) -> None:
        """Block until the person closes the page or the browser window, or `wait()` returns (run in a thread,
        e.g. `input` for Enter on the terminal). Playwright's events keep being processed meanwhile."""
        from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

        done = threading.Event()
        if wait is not None:

            def waiter() -> None:
                try:
                    wait()
                except BaseException:  # EOF on stdin and the like: stop recording
                    pass
                finally:
                    done.set()

            threading.Thread(target=waiter, name="record-wait", daemon=True).start()
        while not done.is_set() and not self.is_done():
            try:
                self._open_page().wait_for_event("close", timeout=poll_ms)
                return
            except PlaywrightTimeout:
                continue
            except PlaywrightError:
                return

    # --- results --------------------------------------------------------------------------------------------
    @property
    def steps(self) -> list[RecordedStep]:
        """The steps recorded so far, in the order they began."""
        with self._lock:
            return sorted(self._steps, key=lambda s: s.time_ms)

    def events(self) -> list[Event]:
        """Every event captured so far, each attributed to the recorded step during which the page asked for it."""
        self._restamp(self.steps)
        return decode_all(self.capture.requests, self.js.calls)

    def finish(self) -> str:
        """Catch late events, then the scenario YAML text. The page may already be closed."""
        self._drain()
        steps = self.steps
        events = self.events()
        notes = []
        if self.ignored_actions:
            notes.append(f"{self.ignored_actions} action(s) in other tabs (e.g. an opened article) were not recorded.")
        doc = build_document(
            name=self.scenario_name(),
            steps=steps,
            events=events,
            url=self.url,
            base_url=self.base_url,
            recorded_at=self.recorded_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            notes=notes,
        )
        return dump(doc)

    def write(self, path: str | Path) -> Path:
        """`finish()` written to `path` (folders created)."""
        path = Path(path)
        text = self.finish()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def scenario_name(self) -> str:
        if self.name:
            return self.name
        title = (self._title or "").strip() or "Recorded scenario"
        return f"{title} (recorded {self.recorded_at.strftime('%Y-%m-%d %H:%M')})"

    def summary(self) -> str:
        events = [e for e in self.events() if e.action]
        return f"{len(self.steps)} steps, {len(events)} Case Assist events"

    # --- actions ------------------------------------------------------------------------------------------------
    def _add(self, step: RecordedStep) -> None:
        with self._lock:
            self._steps.append(step)
            bisect.insort(self.capture.step_starts, step.time_ms / 1000)

    def _on_action(self, source: dict[str, Any], payload: Any) -> None:
        try:
            page = source.get("page") if isinstance(source, dict) else None
            if page is None or page != self.page:
                self.ignored_actions += 1  # a popup or another tab: a scenario drives one page
                return
            frame = source.get("frame")
            chain = self._frame_chain(frame) if frame is not None and frame != page.main_frame else []
            step = step_from_payload(payload, chain)
            if step is not None:
                self._add(step)
        except Exception:
            pass  # a malformed report must never break the recording

    def _frame_chain(self, frame: Frame) -> list[str]:
        """Selectors of the iframes holding `frame`, outermost first (a step's `frame:`)."""
        chain: list[str] = []
        while frame is not None and frame.parent_frame is not None:
            handle = frame.frame_element()
            chain.insert(0, handle.evaluate(FRAME_SELECTOR_JS))
            frame = frame.parent_frame
        return chain

    # --- navigations -------------------------------------------------------------------------------------------
    def _on_request(self, request: Request) -> None:
        try:
            if not request.is_navigation_request() or request.frame != self._open_page().main_frame:
                return
            if request.redirected_from is not None and self._nav_start is not None:
                return  # a redirect: the navigation began with the first request
            start = (request.timing or {}).get("startTime") or 0
            self._nav_start = (request.url, start if start > 0 else time.time() * 1000)
        except Exception:
            pass

    def _on_requested_navigation(self, event: dict[str, Any]) -> None:
        if self._main_frame_id and event.get("frameId") != self._main_frame_id:
            return
        if event.get("disposition", "currentTab") == "currentTab":
            self._requested.append(time.time() * 1000)

    def _on_navigated(self, frame: Frame) -> None:
        try:
            if frame != self._open_page().main_frame:
                return
            nav, self._nav_start = self._nav_start, None
            requested, self._requested = self._requested, []
            if nav is None or self._own_navigation:
                return  # same-document (history API, hash): the page's doing; or the recording's first goto
            url, start_ms = nav
            if self._cdp is not None:
                by_page = any(t >= start_ms - REQUESTED_WITHIN_MS for t in requested)
            else:
                by_page = any(
                    s.kind != "goto" and start_ms - CAUSED_WITHIN_MS <= s.time_ms <= start_ms for s in self.steps
                )
            if not by_page:  # typed in the address bar, reload, back/forward: the person's own step
                self._add(RecordedStep("goto", start_ms, value=url))
        except Exception:
            pass

    # --- end of the recording -------------------------------------------------------------------------------------
    def _drain(self) -> None:
        """Commit typed-but-unchanged text, wait for late analytics requests, process pending reports."""
        if self.is_done():
            return
        try:
            self._open_page().evaluate("() => window.__caRecordFlush && window.__caRecordFlush()")
            self.tap.settle(self.settle_ms, SETTLE_MAX_S)
            self._open_page().evaluate("() => true")  # a round trip: binding calls made before it have been handled
            self._read_title()
        except Exception:
            pass  # closed meanwhile: keep what was captured

    def _read_title(self) -> None:
        try:
            if self.page is not None and not self.page.is_closed():
                self._title = self.page.title() or self._title
        except Exception:
            pass

    def _restamp(self, steps: list[RecordedStep]) -> None:
        """Attribute every captured request and JS call to the step during which it happened.

        The capture layers stamp on arrival, but an action's report may reach Python after the requests it
        caused; with every boundary known, attribute again from the browser's own timestamps (JS calls carry
        `Date.now()`, as the action reports do, so a call in the same millisecond as an action is the action's)."""
        starts = [s.time_ms for s in steps]
        with self._lock:
            self.capture.step_starts[:] = [t / 1000 for t in starts]
        base_ms = self.capture.started_at * 1000

        def step_at(ms: float) -> int | None:
            index = bisect.bisect_right(starts, ms) - 1
            return index if index >= 0 else None

        for call in self.js.calls:
            call.step = step_at(round(base_ms + call.time_ms))
        for request in self.capture.requests:
            request.step = step_at(base_ms + request.time_ms + 0.05)


def step_from_payload(payload: Any, frame: list[str] | None = None) -> RecordedStep | None:
    """A step from what the init script reported, or None when the report is unusable."""
    if not isinstance(payload, dict):
        return None
    kind = payload.get("kind")
    try:
        time_ms = float(payload["time"])
    except (KeyError, TypeError, ValueError):
        return None
    selector = payload.get("selector") or None
    label = payload.get("label") if isinstance(payload.get("label"), str) else None
    common: dict[str, Any] = dict(time_ms=time_ms, selector=selector, label=label, frame=list(frame or []))
    if kind == "press":
        return RecordedStep("press", key=str(payload.get("key") or "Enter"), **common)
    if not selector:
        return None
    if kind == "click":
        return RecordedStep("click", **common)
    if kind == "check":
        return RecordedStep("check", checked=bool(payload.get("checked", True)), **common)
    if kind == "fill":
        return RecordedStep(
            "fill",
            value=str(payload.get("value") or ""),
            blur=payload.get("blur", True) is not False,
            secret=bool(payload.get("secret")),
            **common,
        )
    if kind == "select":
        option = payload.get("option")
        common["label"] = option if isinstance(option, str) and option else label
        return RecordedStep("select", value=str(payload.get("value") or ""), **common)
    return None


# --- the CLI's entry point ------------------------------------------------------------------------------------------

PROMPT = object()  # default `wait`: Enter on the terminal when it is one


def _enter_prompt() -> None:
    input("Recording: go through the flow in the browser window, then press Enter here (or close the window)… ")


def record_to_file(
    url: str,
    output: str | Path,
    *,
    base_url: str | None = None,
    name: str | None = None,
    browser_path: str | None = None,
    headed: bool = True,
    wait: Any = PROMPT,
    analytics: Literal["block", "pass"] = "block",
    extra_analytics_patterns: list[str] | None = None,
    storage_state: str | Path | None = None,
    log: Callable[[str], None] | None = None,
    host_map: dict[str, str] | None = None,
) -> Path:
    """Launch Chromium, open `url`, record until the person closes the page or window (or `wait()` returns:
    by default Enter on the terminal when stdin is one), then write the scenario YAML to `output`.

    Raises SetupError when no browser can be started, ConfigError when the URL cannot be opened."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

    output = Path(output)
    log = log or (lambda text: print(text, file=sys.stderr))
    if wait is PROMPT:
        wait = _enter_prompt if sys.stdin is not None and sys.stdin.isatty() else None
    options: dict[str, Any] = {"no_viewport": True} if headed else {}  # a person resizes the window
    if storage_state:
        options["storage_state"] = str(storage_state)
    with sync_playwright() as pw:
        browser = launch(pw, find_browser(pw, browser_path, headed), headed=headed)
        try:
            with Recorder(
                browser,
                url,
                base_url=base_url,
                name=name,
                analytics=analytics,
                extra_analytics_patterns=extra_analytics_patterns,
                context_options=options,
                host_map=host_map,
            ) as recorder:
                if wait is None:
                    log(f"Recording {url}: go through the flow in the browser window, then close it.")
                recorder.wait_until_done(wait)
                text = recorder.finish()
                log(f"Recorded {recorder.summary()}.")
        finally:
            try:
                browser.close()
            except Exception:
                pass  # the person closed it
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return output
