"""Stage 3: both capture layers on one browser context, and the waits built on them.

`ContextCapture` is what the scenario driver, the pytest fixture and the recorder share: the network tap and
the JS hook attached to a context, the events decoded from them, and the event-driven waits (the next analytics
request; the settle at the end: sends still on their way, then what the pages still have under way).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal

from checker.bounds import Bound, PageUnresponsive, unbounded
from checker.capture.host_map import HostMap
from checker.capture.js_layer import JsCapture
from checker.capture.network import NetworkCapture
from checker.decode import decode_all
from checker.redact import Redactor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from checker.models import Event

PENDING_MAX_S = 2.0  # how long a send seen in JS may take to reach the network before we stop waiting
UNANSWERED = object()  # a frame that could not evaluate a script (its next document is loading)

IDLE_JS = "(until) => (typeof window.__caCheckIdle === 'function' ? window.__caCheckIdle(until) : true)"  # hook.js

FLUSH_JS = "() => { if (typeof window.__caCheckFlush === 'function') window.__caCheckFlush(); }"  # hook.js

FIELDS_JS = "() => (typeof window.__caCheckFormFields === 'function' ? window.__caCheckFormFields() : [])"  # hook.js

PAGE_STATE_JS = """() => {
  // hook.js reads it with the built-ins it kept (the page may have replaced localStorage.getItem…)
  if (typeof window.__caCheckPageState === 'function') return window.__caCheckPageState();
  const out = {};
  try { out.fields = window.__caCheckFormFields(); } catch (e) {}
  try { out.visitorId = localStorage.getItem('visitorId'); } catch (e) {}
  try { if (typeof window.coveoQuanticVersion === 'string') out.quantic_version = window.coveoQuanticVersion; } catch (e) {}
  try {
    window.__caCheckQuiet = true;
    if (window.coveoanalytics && typeof coveoua === 'function') out.coveo_analytics_version = coveoua('version');
  } catch (e) {} finally { window.__caCheckQuiet = false; }
  return out;
}"""


class ContextCapture:
    def __init__(
        self,
        redactor: Redactor,
        analytics: Literal["block", "pass"] = "block",
        extra_patterns: list[str] | None = None,
        host_map: dict[str, str] | None = None,
        analytics_delay_ms: int = 0,
    ) -> None:
        self.redactor = redactor
        self.host_map = HostMap(host_map)
        self.network = NetworkCapture(redactor, analytics, extra_patterns, analytics_delay_ms)
        self.js = JsCapture(redactor, self.network.started_at, self.network.step_at, extra_patterns)
        self.context: BrowserContext | None = None
        # wraps each read of a page: the scenario driver sets its watchdog's `bound` (a page whose script never
        # yields would hold an evaluate for ever); without one, reads are not bounded
        self.bound: Bound = unbounded

    def attach(self, context: BrowserContext) -> None:
        """Install both layers; must happen before the context's pages load their first document."""
        self.context = context
        self.js.attach(context)
        self.host_map.attach(context)  # before the analytics routes, which hand on what they let through
        self.network.attach(context)

    def _attached(self) -> BrowserContext:
        if self.context is None:
            raise RuntimeError("the capture is not attached to a browser context")
        return self.context

    def events(self) -> list[Event]:
        return decode_all(self.network.requests, self.js.calls)

    def next_request(self, timeout_ms: float) -> bool:
        """Wait for the next analytics request (event-driven); False when none came within the time."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands without a browser skip it)

        try:
            self._attached().wait_for_event("request", predicate=self.network.is_analytics, timeout=max(timeout_ms, 1))
            return True
        except PlaywrightTimeout:
            return False

    def _sends_pending(self) -> bool:
        return self.js.sends_pending(self.network.analytics_count, self.network.last_analytics_ms)

    def wait_for_pending_sends(self, max_s: float = PENDING_MAX_S) -> None:
        """Wait (bounded) until every send the JS layer saw the page ask for has left the browser."""
        deadline = time.monotonic() + max_s
        while self._sends_pending() and (left_ms := (deadline - time.monotonic()) * 1000) > 0:
            self.next_request(left_ms)
        self.wait_for_answers(max(deadline - time.monotonic(), 0))

    def wait_for_answers(self, max_s: float = PENDING_MAX_S) -> None:
        """Wait (bounded) for the analytics answers still held back (`analytics_delay_ms`): a navigation the
        scenario makes (goto), or the end of the run, must not cancel what the page sent."""
        deadline = time.monotonic() + max_s
        while self.network.answering and (left_ms := (deadline - time.monotonic()) * 1000) > 0:
            pages = self._attached().pages
            if not pages:
                break
            try:
                pages[0].wait_for_timeout(min(left_ms, 20))
            except Exception:  # the page crashed or closed: nothing will be answered there
                break

    def settle(self, horizon_ms: float, max_s: float, since: float | None = None) -> None:
        """Catch late events: wait (bounded) for the sends the JS layer saw the page ask for, then for what the
        pages still have under way that is due within `horizon_ms` of `since` (monotonic seconds, when the last
        step that acted on the page ended; default now): timers, requests in flight, a document loading. Stops as
        soon as nothing is, and again after any analytics request that came meanwhile. `max_s` bounds the whole."""
        deadline = time.monotonic() + max_s

        def bounded() -> float:  # a wait's share of what is left
            return min(PENDING_MAX_S, max(deadline - time.monotonic(), 0))

        self.wait_for_pending_sends(bounded())
        if horizon_ms <= 0:
            return
        since = time.monotonic() if since is None else since
        until_wall_ms = (time.time() - (time.monotonic() - since)) * 1000 + horizon_ms
        while (left_s := deadline - time.monotonic()) > 0:
            seen = self.network.analytics_count
            idle = self._pages_idle(until_wall_ms)
            self.wait_for_pending_sends(bounded())
            if self.network.analytics_count == seen and (idle or time.time() * 1000 >= until_wall_ms):
                break
            if not idle:
                self.next_request(min(left_s * 1000, 20))  # a page between documents: look again shortly
        self._wait_for_answers(bounded())

    def _wait_for_answers(self, max_s: float) -> None:
        """Let the analytics requests sent get their answers (bounded): in `pass` mode the report shows them."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands without a browser skip it)

        deadline = time.monotonic() + max_s
        while self.network.answers_pending() and (left_ms := (deadline - time.monotonic()) * 1000) > 0:
            try:  # a failed request ends its wait too: look again at least every 100 ms
                self._attached().wait_for_event("response", timeout=max(min(left_ms, 100), 1))
            except PlaywrightTimeout:
                pass

    def _in_every_frame(
        self, script: str, arg: Any = None, what: str = "reading the page", waits_s: float = 0
    ) -> list[Any]:
        """Evaluate `script` in every frame of every page of the context. A frame that could not answer gives
        `UNANSWERED` when it is still there (its new document is loading), nothing when it is gone. A page that does
        not answer within the bound (and the `waits_s` the script may wait) raises `PageUnresponsive`: the other
        frames would not answer either."""
        answers: list[Any] = []
        for page in list(self.context.pages) if self.context is not None else []:
            for frame in list(page.frames):
                try:
                    with self.bound(what, extra_s=waits_s):
                        answers.append(frame.evaluate(script, arg))
                except PageUnresponsive:
                    raise
                except Exception:
                    if not (page.is_closed() or frame.is_detached()):
                        answers.append(UNANSWERED)
        return answers

    def _pages_idle(self, until_wall_ms: float) -> bool:
        """True when no frame of any page has anything under way due before `until_wall_ms` (hook.js waits for
        it to end, at most until then)."""
        return all(
            answer is not False and answer is not UNANSWERED
            for answer in self._in_every_frame(
                IDLE_JS, until_wall_ms, "waiting for what it had under way", max(until_wall_ms / 1000 - time.time(), 0)
            )
        )

    def flush_pages(self) -> None:
        """Have every frame hand over what its JS layer still holds (the times steps acted on it). The binding call
        it makes reaches the checker before the evaluation's answer; a frame that is navigating sent them on
        pagehide."""
        self._in_every_frame(FLUSH_JS, what="reading what its steps did")

    def page_fields(self, page: Page) -> set[str]:
        """The form fields a page has (open shadow roots included), for the fieldName cross-check."""
        try:
            with self.bound("reading its form fields"):
                return {n for n in page.evaluate(FIELDS_JS) if isinstance(n, str)}
        except Exception:
            return set()  # navigating, or closed

    def page_state(self, page: Page) -> dict[str, Any]:
        """The client ID the page stored (localStorage, else the coveo_visitorId cookie) and the library version.
        The page's form fields join those it had when it logged (`js.page_fields`)."""
        try:
            with self.bound("reading its client ID and libraries"):
                state = page.evaluate(PAGE_STATE_JS)
        except Exception:
            state = {}  # navigating, closed, or not answering (the watchdog keeps that for the scenario's error)
        fields = state.pop("fields", None)
        self.js.on_fields(fields)
        if not state.get("visitorId") and self.context is not None:
            try:
                state["visitorId"] = next(
                    (c["value"] for c in self.context.cookies() if c["name"] == "coveo_visitorId"), None
                )
            except Exception:
                pass
        return state
