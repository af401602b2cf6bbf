"""The `case_assist` fixture's recorder: Case Assist events of a Python test's page, checked as a scenario's would
be (`checker.check.analyze`, as the runner's). Imported by the fixture when a test asks for it: not by every pytest
run that loads the plugin."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from checker.capture import ContextCapture
from checker.check import analyze
from checker.check.expectations import closest_event, field_diffs, matches
from checker.check.matchers import Captures, compile_value
from checker.check.rules import RuleConfig
from checker.decode.redact import Redactor
from checker.models import CapturedRequest, Event, JsCall, ScenarioResult, Severity, Violation
from checker.options import RunOptions
from checker.pytest_plugin import format_violations
from checker.scenario.model import Expectation

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


def open_case_assist(
    context: BrowserContext, page: Page, options: RunOptions, request: pytest.FixtureRequest
) -> CaseAssist:
    """The `case_assist` fixture's value: a recorder attached to the test's `context` before `page` loads its first
    URL (a page already loaded fails the test: its events would be missed)."""
    opened = [p.url for p in context.pages if p.url not in ("", "about:blank")]
    if opened:
        pytest.fail(
            f"case_assist was set up after the page had loaded {opened[0]}: its events would be missed; "
            "request `case_assist` before (or in) the fixture that opens the page",
            pytrace=False,
        )
    return CaseAssist(context, page, options, name=request.node.nodeid, file=str(request.node.path))


class CaseAssist:
    """The Case Assist events a browser context sends, checked as a scenario's would be.

    `expect_event` / `expect_no_event` match like a scenario's `expect` / `expect_none` (partial mappings, matchers
    such as `{"regex": "^500"}`, `{"capture": "cid"}` then `{"same_as": "cid"}` across calls); `check()` runs the
    rulebook on what was captured so far; `assert_conforms()` fails on its error-severity findings."""

    def __init__(
        self, context: BrowserContext, page: Page, options: RunOptions, name: str = "case_assist", file: str = ""
    ) -> None:
        self.context, self.page, self.options = context, page, options
        self.name, self.file = name, file
        self.tap = ContextCapture(
            Redactor(list(options.secrets)),
            options.analytics,
            options.extra_analytics_patterns,
            options.host_map,
            options.analytics_delay_ms,
        )
        self.tap.attach(context)  # the init script: every page and frame of the context, from their first document
        self.capture, self.js = self.tap.network, self.tap.js
        self.captures = Captures()  # values remembered by {capture: name}, for later {same_as: name}
        self._returned: set[tuple[int, int]] = set()
        self._fields: set[str] = set()
        self._state: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<CaseAssist {len(self.capture.requests)} requests captured>"

    # --- what was captured ---------------------------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        """The Case Assist events sent so far, decoded, in the order their requests left the page."""
        self._pump()
        return self._decode()

    @property
    def requests(self) -> list[CapturedRequest]:
        """The analytics and Customer Service API requests captured so far (redacted `CapturedRequest`s)."""
        return list(self.capture.requests)

    @property
    def js_calls(self) -> list[JsCall]:
        """The `coveoua(...)` calls, Headless actions and analytics transports the page made in JavaScript."""
        return list(self.js.calls)

    def _decode(self) -> list[Event]:
        return self.tap.events()

    def _pump(self) -> None:
        """Let Playwright deliver the requests the browser already reported (the sync API only does so during a
        call)."""
        try:
            self.page.wait_for_timeout(0)
        except Exception:
            pass  # the page is closed: what was delivered is all there is

    def _next_request(self, timeout_ms: float) -> bool:
        return self.tap.next_request(timeout_ms)

    # --- expectations ----------------------------------------------------------------------------------------------
    def expect_event(
        self,
        action: str,
        *,
        data: dict[str, Any] | None = None,
        ticket: dict[str, Any] | None = None,
        event_type: Any = None,
        client_id: Any = None,
        search_hub: Any = None,
        protocol: str | None = None,
        timeout: float | None = None,
    ) -> Event:
        """Wait until the page has sent a matching event and return it.

        Events are matched in the order they were sent; each call returns an event no earlier call returned, so
        calling it twice asks for two events. Waits event by event up to `timeout` seconds (default 5), then raises
        AssertionError naming the closest event and its differing fields."""
        __tracebackhide__ = True
        expectation = self._expectation(action, data, ticket, event_type, client_id, search_hub, protocol)
        timeout = self.options.expect_timeout_s if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            events = self._decode()
            for event in events:
                if _key(event, events) not in self._returned and matches(expectation, event, self.captures):
                    self._returned.add(_key(event, events))
                    self._read_page()
                    return event
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0 or not self._next_request(remaining_ms):
                break
        self._read_page()
        raise AssertionError(self._explain(expectation, self._decode(), timeout))

    def expect_no_event(
        self,
        action: str,
        *,
        data: dict[str, Any] | None = None,
        ticket: dict[str, Any] | None = None,
        event_type: Any = None,
        client_id: Any = None,
        search_hub: Any = None,
        protocol: str | None = None,
        timeout: float = 0.5,
    ) -> None:
        """Fail if a matching event has been sent, or is sent within `timeout` seconds (late events count)."""
        __tracebackhide__ = True
        expectation = self._expectation(action, data, ticket, event_type, client_id, search_hub, protocol)
        deadline = time.monotonic() + timeout
        while True:
            for event in self._decode():
                if matches(expectation, event, Captures(values=dict(self.captures.values))):
                    shown = ", ".join(f"{d.path} = {d.observed!r}" for d in field_diffs(expectation, event)[1:])
                    raise AssertionError(
                        f"{action} must not be sent, but event #{event.index} is one"
                        + (f" ({shown})" if shown else "")
                        + f"\n{self._listing()}"
                    )
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0 or not self._next_request(remaining_ms):
                return

    def _expectation(
        self,
        action: str,
        data: dict[str, Any] | None,
        ticket: dict[str, Any] | None,
        event_type: Any,
        client_id: Any,
        search_hub: Any,
        protocol: str | None,
    ) -> Expectation:
        given = {
            "action": action,
            "data": data,
            "ticket": ticket,
            "event_type": event_type,
            "client_id": client_id,
            "search_hub": search_hub,
            "protocol": protocol,
        }
        try:
            expectation = Expectation.model_validate({k: v for k, v in given.items() if v is not None})
        except ValidationError as exc:
            raise TypeError(f"not an expectation: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
        for name in ("data", "ticket", "event_type", "client_id", "search_hub"):
            if given[name] is not None:
                compile_value(given[name], (name,))  # a bad matcher ({regex: "(("}) raises MatcherError here
        return expectation

    def _explain(self, expectation: Expectation, events: list[Event], timeout: float) -> str:
        written = {k: v for k, v in expectation.as_written().items() if k != "action"}
        head = f"no {expectation.action} event" + (f" matching {written}" if written else "") + f" within {timeout:g}s"
        same = [e for e in events if e.action == expectation.action]
        fresh = [e for e in same if _key(e, events) not in self._returned]
        lines = [head]
        if not same:
            lines.append(f"the page sent no {expectation.action} event")
        elif not fresh:
            lines.append(
                f"the {len(same)} {expectation.action} event(s) sent were already returned by earlier "
                "expect_event calls"
            )
        else:
            closest = closest_event(expectation, fresh, self.captures)
            assert closest is not None  # `fresh` holds events of the expectation's action
            diffs = field_diffs(expectation, closest, Captures(values=dict(self.captures.values)))
            lines.append(f"closest: event #{closest.index} {closest.action}, which differs in:")
            lines.extend(f"    {d.path}: expected {d.expected!r}, observed {d.observed!r}" for d in diffs if not d.ok)
        lines.append(self._listing(events))
        return "\n".join(lines)

    def _listing(self, events: list[Event] | None = None) -> str:
        events = self._decode() if events is None else events
        shown = ", ".join(f"#{e.index} {e.action or '(undecodable)'}" for e in events[:30])
        more = f", … ({len(events) - 30} more)" if len(events) > 30 else ""
        return f"events sent so far ({len(events)}): {shown or 'none'}{more}"

    # --- the rulebook --------------------------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait for sends the page made that are still on their way, then for what the page still has under way
        (timers, requests; bounded), as a scenario does after its last step."""
        self._pump()
        self.tap.settle(self.options.settle_ms, self.options.settle_max_s)

    def result(self) -> ScenarioResult:
        """What was captured so far, analysed as a scenario's capture is (`checker.check.analyze`, without
        expectations): a `ScenarioResult` without steps."""
        self.settle()
        self._read_page()
        rules = self.options.rules or RuleConfig()
        result = ScenarioResult(
            name=self.name,
            file=self.file,
            expected_search_hub=rules.expected_search_hub,
            requests=list(self.capture.requests),
            js_calls=list(self.js.calls),
            page_fields=sorted(self._fields | self.tap.js.page_fields),
            stored_client_id=self._state.get("visitorId"),
            page_info={k: v for k, v in self._state.items() if k != "visitorId" and v},
        )
        return analyze(result, None, rules)

    def check(self) -> list[Violation]:
        """Run the rulebook on what was captured so far; returns every finding (errors, warnings, info)."""
        return self.result().violations

    def assert_conforms(self) -> list[Violation]:
        """Fail listing the error-severity findings; returns the remaining (warning, info) ones."""
        __tracebackhide__ = True
        violations = self.check()
        errors = [v for v in violations if v.severity == Severity.error]
        if errors:
            raise AssertionError(
                "\n".join(
                    [
                        f"the page's Case Assist events do not conform: {len(errors)} error(s)",
                        *format_violations(errors),
                        self._listing(),
                    ]
                )
            )
        return violations

    def _read_page(self) -> None:
        """Remember the form fields of the context's pages and the client ID they stored (for the rules)."""
        for page in self.context.pages:
            if page is not self.page:  # the page's own fields come with its state, read next
                self._fields |= self.tap.page_fields(page)
        self._state.update({k: v for k, v in self.tap.page_state(self.page).items() if v})


def _key(event: Event, events: list[Event]) -> tuple[int, int]:
    """An event's identity that survives re-decoding: its request, and its rank among that request's events."""
    rank = sum(1 for e in events if e.request_id == event.request_id and e.index < event.index)
    return event.request_id, rank
