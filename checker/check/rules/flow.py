"""Rules across the events of one flow: one client ID from start to end."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qs

from checker.check.context import RuleContext
from checker.check.deviations import explain_difference, from_headless, next_mode
from checker.check.protocol import ACTIONS, FLOW_END, FLOW_START
from checker.check.rules.lifecycle import swallowed_action
from checker.check.rules.registry import Finding, rule
from checker.endpoints import service_api_endpoint
from checker.models import CapturedRequest, Event, ExpectationResult, FieldDiff, Severity
from checker.redact import MASK
from checker.values import split_url

EVENTS = "Case Assist events"


@rule("flow.single-client-id", Severity.error, "Client ID changed mid-flow", "Case Assist events")
def single_client_id(ctx: RuleContext) -> Iterable[Finding]:
    first: dict[str, int] = {}
    events = [e for e in ctx.case_events if e.client_id]
    for event in events:
        if event.client_id in first:
            continue
        first[event.client_id] = event.index  # type: ignore[index]
        if len(first) == 1:
            continue
        initial = events[0]
        yield Finding(
            f"{event.action} (event #{event.index}{_other_frame(ctx, event, initial)}) uses client ID "
            f"{event.client_id}, but the flow started with {initial.client_id} (event #{initial.index})",
            ctx.advise("one-client-id"),
            event=event,
            field="client_id",
        )


def _other_frame(ctx: RuleContext, event: Event, initial: Event) -> str:
    """', sent from <frame URL>' when the event left from another frame than the flow's first event."""
    frames = {r.id: r.frame_url for r in ctx.result.requests}
    where = frames.get(event.request_id)
    return f", sent from {where}" if where and where != frames.get(initial.request_id) else ""


@rule("scenario.expected-event", Severity.error, "Expected event not sent", "Scenario expectations")
def expected_events(ctx: RuleContext) -> Iterable[Finding]:
    for result in ctx.result.expectations:
        if result.matched or result.kind != "expect":
            continue
        where = _where(result)
        action = _action_of(result)
        wrong = [d for d in result.diffs if not d.ok]
        if result.count is not None and result.event_index is not None and not wrong:
            message = f"{where} expected {_count_text(result.expected['count'])} {action} event(s), saw {result.count}"
            hint = (
                ctx.advise("duplicate-start")
                if action == "ticket_create_start" and (result.count or 0) > 1
                else "a duplicate or a missing event: compare the events of this step in the report"
            )
        elif result.event_index is None:
            message = f"{where} expected {action} but no such event was sent"
            hint = _missing_hint(ctx, action)
            lost = _lost_on_the_way(ctx, action, result.step)
            if lost is not None:  # the page did ask for it: the fix is where it got lost
                message += f": the page asked for it {ctx.during(lost.step)}, but it never left ({lost.cause})"
                hint = LOST_HINT
        else:
            fields = ", ".join(
                f"{d.path} = {d.observed!r} (expected {d.expected!r}{': ' + d.note if d.note else ''})" for d in wrong
            )
            message = f"{where} expected {action}; the closest event #{result.event_index} differs: {fields}"
            hint = _differs_hint(ctx, action, wrong)
        yield Finding(message, hint, action=action, step=result.step, deviation=_expectation_deviation(ctx, result))


LOST_HINT = "fix what stopped the send (the finding about that step says why); the page's own call is right"


class Lost(NamedTuple):
    step: int | None  # when the page asked for the event
    cause: str  # why it never left


def _lost_on_the_way(ctx: RuleContext, action: str | None, step: int | None) -> Lost | None:
    """The page's request for `action` (in `step`, or anywhere for a scenario-level expectation) that never left:
    sent to the library and not on the wire, or dropped by the page's own window.coveoua before the library."""
    for p in ctx.result.reconciliation:
        if p.outcome == "called_not_sent" and p.action == action and (step is None or p.step == step):
            return Lost(p.step, p.cause)
    dropped = swallowed_action(ctx, action) if action else None
    if dropped is not None and (step is None or dropped.step == step):
        return Lost(dropped.step, "the page's own window.coveoua did not pass it on to coveo.analytics")
    return None


def _missing_hint(ctx: RuleContext, action: str | None) -> str:
    topics = {"ticket_create": "create-missing", "ticket_cancel": "cancel", "ticket_create_start": "start"}
    if action in topics:
        return ctx.advise(topics[action])
    return "check that the page logs this action, and that the step really triggers it"


def _differs_hint(ctx: RuleContext, action: str | None, wrong: list[FieldDiff]) -> str:
    paths = {d.path for d in wrong}
    if action == "ticket_cancel" and "data.reason" in paths:
        return ctx.advise("cancel")
    if action == "ticket_create" and "ticket.id" in paths:
        return ctx.advise("ticket-id")
    if "search_hub" in paths:
        expected = next((d.expected for d in wrong if d.path == "search_hub"), "…")
        return ctx.advise("search-hub", expected=expected)
    return "compare expected and observed fields in the report; the page may send the wrong value"


def _action_of(result: ExpectationResult) -> str | None:
    action = result.expected.get("action")
    return action if isinstance(action, str) else None


def _where(result: ExpectationResult) -> str:
    where = f"step #{result.step + 1}" if result.step is not None else "the scenario"
    return where + (f" (line {result.line})" if result.line else "")


def _count_text(count: object) -> str:
    if isinstance(count, dict):
        low, high = count.get("min"), count.get("max")
        return (
            f"{low}–{high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
    return str(count)


@rule("scenario.unexpected-event", Severity.error, "Event that must not happen", "Scenario expectations")
def unexpected_events(ctx: RuleContext) -> Iterable[Finding]:
    for result in ctx.result.expectations:
        if result.matched or result.kind == "expect" or result.event_index is None:
            continue
        event = ctx.events[result.event_index]
        if result.kind == "none":
            message = f"{_where(result)} says {result.expected.get('action')} must not happen, but event #{event.index} is one"
            hint = "the page logs an event it should not (e.g. ticket_create on a cancelled flow)"
        else:
            message = f"{_where(result)} expects exactly its events (order: exact), but {event.action} (event #{event.index}) came too"
            hint = "an extra or duplicate event; use order: in_order if others may come between"
        yield Finding(message, hint, event=event)


def _expectation_deviation(ctx: RuleContext, result: ExpectationResult) -> str | None:
    """A known library deviation that explains an unmet expectation entirely, if there is one."""
    action = _action_of(result)
    if result.event_index is None:
        if next_mode(ctx) and action == "ticket_next_stage":
            return "headless.next-no-next-stage"
        clicked = any(e.action == "documentSuggestionClick" and e.step == result.step for e in ctx.events)
        if next_mode(ctx) and action == "documentSuggestionQuickview" and clicked:
            return "headless.next-quickview-as-click"
        return None
    event = ctx.events[result.event_index]
    if not from_headless(ctx, event):
        return None
    keys = [explain_difference(d, action, event.protocol) for d in result.diffs if not d.ok]
    return keys[0] if keys and all(keys) else None


def _case_flow_events(ctx: RuleContext) -> list[Event]:
    """Case Assist events (known actions) in the order they were sent."""
    return [e for e in ctx.case_events if e.action in ACTIONS]


def _flows(events: list[Event]) -> list[list[Event]]:
    """Split events into flows: each ticket_create_start begins a new one."""
    flows: list[list[Event]] = []
    for event in events:
        if event.action == FLOW_START or not flows:
            flows.append([])
        flows[-1].append(event)
    return flows


@rule("flow.starts-with-start", Severity.error, "Flow does not start with ticket_create_start", "Enter the interface")
def starts_with_start(ctx: RuleContext) -> Iterable[Finding]:
    events = _case_flow_events(ctx)
    if events and events[0].action != FLOW_START:
        first = events[0]
        lost = _lost_on_the_way(ctx, FLOW_START, None)
        if lost is None:
            yield Finding(
                f"the flow starts with {first.action} (event #{first.index}), not ticket_create_start",
                ctx.advise("start"),
                event=first,
            )
            return
        yield Finding(  # the page did ask for it: the fix is where it got lost, not in logging it
            f"the flow starts with {first.action} (event #{first.index}): the page asked for ticket_create_start "
            f"{ctx.during(lost.step)}, but it was never sent ({lost.cause})",
            LOST_HINT,
            event=first,
        )


@rule("flow.ends-once", Severity.error, "Events after the end of the flow", "Submit a ticket")
def ends_once(ctx: RuleContext) -> Iterable[Finding]:
    for flow in _flows(_case_flow_events(ctx)):
        ends = [e for e in flow if e.action in FLOW_END]
        if not ends:
            continue
        end = ends[0]
        for other in ends[1:]:
            both = other.action != end.action
            yield Finding(
                f"{other.action} (event #{other.index}) after {end.action} (event #{end.index}): "
                + ("a flow is either created or cancelled, never both" if both else "the flow ended twice"),
                "log exactly one of ticket_create or ticket_cancel to end a flow",
                event=other,
            )
        later = [e for e in flow if e.index > end.index and e.action not in FLOW_END]
        for event in later[:1]:
            yield Finding(
                f"{event.action} (event #{event.index}) comes after {end.action} (event #{end.index}), "
                "which ended the flow",
                "log ticket_create_start before starting a new case",
                event=event,
            )


@rule("flow.client-id-stored", Severity.error, "Client ID differs from the stored one", "Case Assist events")
def client_id_stored(ctx: RuleContext) -> Iterable[Finding]:
    stored = ctx.result.stored_client_id
    if not stored:
        return
    for event in ctx.case_events:
        if event.client_id and event.client_id != stored:
            yield Finding(
                f"{event.action} (event #{event.index}) uses client ID {event.client_id}, but the page stored "
                f"{stored} (localStorage visitorId / cookie coveo_visitorId)",
                ctx.advise("stored-client-id"),
                event=event,
                field="client_id",
            )
            return  # one finding: the rest of the flow has the same cause


@rule(
    "flow.client-id-sources",
    Severity.error,
    "Customer Service API called with another client ID",
    EVENTS,
    why="Coveo links the classifications and documents it suggested to the events that follow by the client ID: "
    "with two IDs, the Case Assist reports and the models that learn from them see two visitors",
)
def client_id_sources(ctx: RuleContext) -> Iterable[Finding]:
    """The document asks that every source of events use one client ID: the clientId the page gives the Customer
    Service API (classify, documents/suggest) must be the analytics client ID."""
    known = {e.client_id for e in ctx.case_events if e.client_id}
    if ctx.result.stored_client_id:
        known.add(ctx.result.stored_client_id)
    if not known:
        return
    reported: set[str] = set()
    for request in ctx.result.requests:
        sent = service_api_client_id(request) if request.kind == "service_api" else None
        if sent is None or sent in known or sent in reported or sent == MASK:
            continue
        reported.add(sent)  # one finding per foreign ID: the page keeps sending it
        endpoint = service_api_endpoint(request.url) or "Customer Service API"
        yield Finding(
            f"{endpoint} request #{request.id} ({ctx.step_text(request.step)}) "
            f"sent clientId {sent}, but the analytics events use {', '.join(sorted(known))}",
            "give the Customer Service API the analytics client ID (coveo.analytics keeps it in localStorage "
            "visitorId; a Headless engine sends its own unless the page overrides its navigator context; Quantic "
            "reads it through the ClientIdAccessor component): one ID for every source",
            field="clientId",
            step=request.step,
        )


def service_api_client_id(request: CapturedRequest) -> str | None:
    """The clientId a Customer Service API request carries (JSON body, or the query), if any."""
    body = request.full_body
    if body:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("clientId"), str) and payload["clientId"]:
            return str(payload["clientId"])
    values = parse_qs(split_url(request.url).query).get("clientId")
    return values[0] if values and values[0] else None


DEFAULT_HUB = "default"


@rule("flow.search-hub", Severity.error, "Search hub missing, inconsistent or unexpected", "3: Send an event")
def search_hub(ctx: RuleContext) -> Iterable[Finding]:
    events = [e for e in _case_flow_events(ctx) if e.protocol == "ua"]
    expected = ctx.result.expected_search_hub or ctx.config.expected_search_hub
    hubs = {e.search_hub for e in events if e.search_hub}
    for event in (e for e in events if not e.search_hub):
        where = "originLevel1" if event.transport == "click" else "searchHub"
        yield Finding(
            f"{event.action} (event #{event.index}) has no {where}",
            ctx.advise("search-hub-missing"),
            event=event,
            field="search_hub",
            severity=Severity.warning,
        )
    if expected:
        wrong = [e for e in events if e.search_hub and e.search_hub != expected]
        if wrong:  # one finding for one mistake, however many events repeat it
            first = wrong[0]
            others = f" (and {len(wrong) - 1} more events)" if len(wrong) > 1 else ""
            yield Finding(
                f"{first.action} (event #{first.index}){others} is logged for search hub {first.search_hub!r}, "
                f"expected {expected!r}",
                ctx.advise("search-hub", expected=expected),
                event=first,
                field="search_hub",
            )
    elif hubs == {DEFAULT_HUB}:  # Headless' and Quantic's own value when the page gives none
        first = next(e for e in events if e.search_hub)
        yield Finding(
            f"every event of the flow is logged for search hub {DEFAULT_HUB!r}, the value Headless and Quantic use "
            f"when none is given (first: {first.action}, event #{first.index}): the interface's own search hub was "
            "not set",
            ctx.advise("search-hub-missing") + "; if 'default' is really this interface's hub, say so with "
            "search_hub: default in case-assist-check.yaml",
            event=first,
            field="search_hub",
            severity=Severity.warning,
        )
    elif len(hubs) > 1:
        first_hub = events[0].search_hub
        odd = next(e for e in events if e.search_hub and e.search_hub != first_hub)
        yield Finding(
            f"one flow logs several search hubs: {', '.join(sorted(hubs))} (first at event #{odd.index})",
            "a flow must use one search hub / originLevel1 throughout",
            event=odd,
            field="search_hub",
        )
