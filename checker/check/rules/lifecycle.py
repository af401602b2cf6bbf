"""What a field-by-field check of each event cannot see: actions the page set and lost before a send, calls that
failed inside the page, a flow started twice in one visit, and field updates sent on every keystroke.

These rules read the JS layer (every `coveoua(...)` call, Headless analytics action and uncaught exception, with
the step it happened in) next to the decoded events.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Iterator

from checker.check.context import RuleContext
from checker.check.protocol import FLOW_END, FLOW_START
from checker.check.rules.registry import Finding, rule
from checker.decode.intents import HEADLESS_ACTIONS, failed_coveoua_calls
from checker.models import Event, JsCall, Severity

REGISTER = "1: Register a Case Assist action"
EVENTS = "Case Assist events"


def call_text(call: JsCall) -> str:
    """coveoua('svc:setAction', 'ticket_next_stage', …) as the page wrote it (arguments as captured, redacted)."""
    shown = ", ".join(_short_repr(a) for a in call.args[:3])
    more = ", …" if len(call.args) > 3 else ""
    return f"coveoua({shown}{more})"


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _page_key(call: JsCall) -> str | None:
    """The document a call belongs to: coveo.analytics keeps one registered action per page (frame)."""
    return call.frame_url.split("#", 1)[0] if call.frame_url else None


# --- 1. an action set but never sent ------------------------------------------------------------------------------
def overwritten_actions(coveoua_calls: list[JsCall], failed: set[int]) -> Iterator[tuple[JsCall, JsCall]]:
    """(lost, by): an `svc:setAction` followed, in the same page, by another one with no `send` in between. The
    library keeps one registered action and clears it at each send, so the first user action is never logged.
    `coveoua_calls` in call order; `failed`: the ids of those that threw (they registered nothing)."""
    pending: dict[str | None, JsCall] = {}
    for call in coveoua_calls:
        args = call.args
        if not args or (args[0] != "svc:setAction" and args[0] != "send") or call.id in failed:
            continue  # only these two matter (a third of the calls; the test comes first for speed)
        page, command = _page_key(call), args[0]
        if command == "svc:setAction":
            if page in pending:
                yield pending[page], call
            pending[page] = call
        elif command == "send":
            pending.pop(page, None)


@rule(
    "action.overwritten",
    Severity.error,
    "Action set but never sent",
    REGISTER,
    why="coveo.analytics keeps one registered action and sends it with the next svc event: an action set again "
    "before a send replaces the first one, so that user action is missing from Case Assist reports",
)
def overwritten_action(ctx: RuleContext) -> Iterable[Finding]:
    failed = {call.id for call, _ in _failed_calls(ctx)}
    for lost, by in overwritten_actions(ctx.calls("coveoua"), failed):
        action = lost.args[1] if len(lost.args) > 1 and isinstance(lost.args[1], str) else None
        yield Finding(
            f"{call_text(lost)} ({ctx.step_text(lost.step)}) was overwritten by {call_text(by)} "
            f"({ctx.step_text(by.step)}) before any coveoua('send', …): {action or 'the first action'} was never logged",
            "send each action right after registering it: coveoua('svc:setAction', …), coveoua('svc:setTicket', …), "
            "then coveoua('send', 'event', 'svc', …) before the next svc:setAction",
            action=action,
            step=lost.step,
        )


# --- 2. calls that fail inside the page ---------------------------------------------------------------------------
def _failed_calls(ctx: RuleContext) -> list[tuple[JsCall, JsCall]]:
    if not ctx.calls("coveoua-error"):
        return []
    return ctx.once("failed-coveoua-calls", lambda: failed_coveoua_calls(ctx.result.js_calls))


def _error_of(call: JsCall) -> str:
    error = call.info.get("error")
    return str(error) if error else "an exception"


# what coveo.analytics 2.30 answers to (its actions, and the svc plugin's functions)
COVEOUA_COMMANDS = [
    "init", "set", "send", "onLoad", "callPlugin", "reset", "require", "provide", "version",
    "svc:setAction", "svc:setTicket", "svc:clearPluginData",
]  # fmt: skip


def _lost_by_failure(call: JsCall) -> str:
    """What was not logged because this coveoua call failed."""
    command = call.args[0] if call.args else None
    if command == "send":
        return "this event was not sent"
    if command == "svc:setAction":
        return "its action was not registered: the next svc event leaves without it (or with the previous one)"
    if command == "svc:setTicket":
        return "the ticket was not registered: the next svc event carries an old or empty ticket"
    if command == "init":
        return "the library was not initialised: no event of this page is sent"
    guess = difflib.get_close_matches(str(command), COVEOUA_COMMANDS, n=1, cutoff=0.6)
    meant = f" (did you mean {guess[0]!r}?)" if guess else ""
    return f"the library does not know this command{meant}, so the call did nothing and logged nothing"


@rule(
    "page.call-failed",
    Severity.error,
    "Analytics call failed in the page",
    "Use the Coveo UA library",
    why="a coveoua command the library does not know (a misspelt or invented one) or a Headless analytics action "
    "that fails throws inside the page: the page keeps working, and the event is silently missing",
)
def failed_calls(ctx: RuleContext) -> Iterable[Finding]:
    for call, thrown in _failed_calls(ctx):
        yield Finding(
            f"{call_text(call)} ({ctx.step_text(call.step)}) threw {_error_of(thrown)}: {_lost_by_failure(call)}",
            "use a command coveo.analytics knows (init, set, send, svc:setAction, svc:setTicket, …); the exception is "
            "in the browser console",
            step=call.step,
        )
    for call in ctx.calls("headless-rejected"):
        name = call.args[0] if call.args else "?"
        lost = " or ".join(HEADLESS_ACTIONS.get(str(name), ())) or "its event"
        yield Finding(
            f"the Headless analytics action {name!r} ({ctx.step_text(call.step)}) was rejected: "
            f"{_error_of(call)}; {lost} was not sent",
            "pass the action what Headless expects (an ID from the engine's state — a classification's or document's "
            "`id`/`uniqueId`, not its value or title — from the current suggestions), and check the engine's "
            "analytics configuration; the exception is in the browser console",
            action=lost if lost != "its event" and " or " not in lost else None,
            step=call.step,
        )


@rule(
    "page.call-swallowed",
    Severity.error,
    "Analytics call dropped by the page's own coveoua",
    "Use the Coveo UA library",
    why="a function the page put in place of window.coveoua once the library loaded (a consent gate, a logging "
    "wrapper) that does not pass a call on: coveo.analytics never hears of it, and the event is silently missing",
)
def swallowed_calls(ctx: RuleContext) -> Iterable[Finding]:
    for step, calls in _swallowed_for_good(ctx).items():
        actions = _registered_actions(calls)
        lost = f": {', '.join(actions)} never logged" if actions else ""
        yield Finding(
            f"{len(calls)} coveoua call(s) {ctx.during(step)} ({', '.join(call_text(c) for c in calls[:3])}"
            f"{', …' if len(calls) > 3 else ''}) went to a function the page put in place of window.coveoua, which "
            f"did not pass them on to coveo.analytics{lost}",
            "make the page's own window.coveoua pass every call on to the library's function (or hold the calls until "
            "the visitor consents and replay them then, as the snippet's stub does)",
            action=actions[0] if actions else None,
            step=step,
        )


def _swallowed_for_good(ctx: RuleContext) -> dict[int | None, list[JsCall]]:
    """By step, the calls a page function in window.coveoua did not pass on at once, less the steps whose calls it
    all passed on later (a timer, a promise: the library got the same calls, in that order, from the same page) or
    logged its own way (their events left in that step). Computed once per scenario."""

    def compute() -> dict[int | None, list[JsCall]]:
        by_step: dict[int | None, list[JsCall]] = {}
        for call in ctx.calls("coveoua-swallowed"):
            by_step.setdefault(call.step, []).append(call)
        reached = ctx.calls("coveoua")
        sent = {(e.step, e.action) for e in ctx.case_events}
        lost: dict[int | None, list[JsCall]] = {}
        for step, calls in by_step.items():
            later = iter(c for c in reached if c.id > calls[0].id and c.frame_url == calls[0].frame_url)
            if all(any(c.args == call.args for c in later) for call in calls):
                continue  # all passed on later, in order
            actions = _registered_actions(calls)
            if not (actions and all((step, action) in sent for action in actions)):
                lost[step] = calls
        return lost

    return ctx.once("swallowed-calls", compute) if ctx.calls("coveoua-swallowed") else {}


def _registered_actions(calls: list[JsCall]) -> list[str]:
    """The actions these coveoua calls register (svc:setAction's first argument)."""
    return [str(c.args[1]) for c in calls if len(c.args) > 1 and c.args[0] == "svc:setAction"]


def swallowed_action(ctx: RuleContext, action: str) -> JsCall | None:
    """The page's svc:setAction for `action` that its own window.coveoua did not pass on, if any."""
    calls = (c for group in _swallowed_for_good(ctx).values() for c in group)
    return next((c for c in calls if c.args[:2] == ["svc:setAction", action]), None)


@rule(
    "page.uncaught-error",
    Severity.warning,
    "Exception thrown during a step",
    "Use the Coveo UA library",
    why="an exception thrown on the way to a log stops the handler before it logs: the page looks fine and the "
    "event never leaves",
)
def uncaught_errors(ctx: RuleContext) -> Iterable[Finding]:
    failed = {(c.step, _error_of(c)) for c in ctx.calls("coveoua-error")}
    seen: set[tuple[int | None, str]] = set()
    for call in ctx.calls("page-error"):
        if call.step is None:
            continue
        text = str(call.args[0]) if call.args else "an exception"
        if (call.step, text) in failed or (call.step, text) in seen:
            continue  # a failed coveoua call says it already; one finding per exception and step
        seen.add((call.step, text))
        missing = [
            r.expected.get("action")
            for r in ctx.result.expectations
            if r.kind == "expect" and r.step == call.step and not r.matched
        ]
        source = f" at {call.info['source']}" if call.info.get("source") else ""
        lost = f": {', '.join(map(str, missing))} expected in this step was not logged" if missing else ""
        yield Finding(
            f"the page threw {text}{source} {ctx.during(call.step)}{lost}",
            "fix the exception (see the browser console); log the event before any code that may throw, or in a "
            "finally block",
            step=call.step,
            severity=Severity.error if missing else None,
        )


# --- 9. a flow started twice --------------------------------------------------------------------------------------
def _visit_starts(ctx: RuleContext) -> list[float]:
    """When each top-level document loaded: a new visit. Journals written before the hook said `top` count every
    document, which can only split visits more (no false finding)."""
    return sorted(c.time_ms for c in ctx.calls("page") if c.info.get("top", True))


@rule(
    "flow.started-twice",
    Severity.error,
    "Flow started twice",
    "Enter the interface",
    why="two ticket_create_start in one visit count two case creation attempts for one: Case Assist reports and "
    "the deflection figures are skewed (two interfaces or engines on the page, or a component rendered twice)",
)
def started_twice(ctx: RuleContext) -> Iterable[Finding]:
    visits = _visit_starts(ctx)
    open_start: Event | None = None
    visit_of_start = -1
    for event in sorted(ctx.case_events, key=lambda e: e.time_ms):
        visit = bisect.bisect_right(visits, event.time_ms)
        if event.action in FLOW_END:
            open_start = None
        elif event.action == FLOW_START:
            if open_start is not None and visit == visit_of_start:
                yield Finding(
                    f"ticket_create_start was logged again (event #{event.index}, {ctx.step_text(event.step)}) in "
                    f"the visit that event #{open_start.index} ({ctx.step_text(open_start.step)}) started, with no "
                    "ticket_create or ticket_cancel in between",
                    "log ticket_create_start once when the interface opens: one Case Assist interface (or engine) "
                    "per page, and a component that renders again must not log it again",
                    event=event,
                )
            open_start, visit_of_start = event, visit


# --- 4. noise -----------------------------------------------------------------------------------------------------
@rule(
    "flow.field-update-noise",
    Severity.warning,
    "Field update sent on every keystroke",
    "Fill a field",
    why="ticket_field_update is one event per field change; one per keystroke floods the reports and hides the "
    "real changes",
)
def field_update_noise(ctx: RuleContext) -> Iterable[Finding]:
    for (step, name), events in noisy_field_updates(ctx).items():
        yield Finding(
            f"ticket_field_update for {name!r} was sent {len(events)} times {ctx.during(step)} (more "
            f"than {ctx.config.field_update_limit}): once per keystroke instead of once per change",
            "log the update on the field's change (or blur) event, or debounce the input handler; "
            "rules.field_update_limit in the configuration sets the limit",
            event=events[0],
            field="fieldName",
        )


def noisy_field_updates(ctx: RuleContext) -> dict[tuple[int | None, str], list[Event]]:
    """(step, field name) → its updates, where one step sent more than the limit for one field. Updates that
    repeat one another there (a space typed, then trimmed) are this noise, not separate duplicates."""

    def compute() -> dict[tuple[int | None, str], list[Event]]:
        groups: dict[tuple[int | None, str], list[Event]] = {}
        for event in ctx.case_events:
            name = event.data.get("fieldName")
            if event.action == "ticket_field_update" and isinstance(name, str):
                groups.setdefault((event.step, name), []).append(event)
        return {key: events for key, events in groups.items() if len(events) > ctx.config.field_update_limit}

    return ctx.once("noisy-field-updates", compute)
