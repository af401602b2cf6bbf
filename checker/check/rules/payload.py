"""Per-event rules: the action is known and current, its payload carries the required fields, its type is right."""

from __future__ import annotations

from typing import Iterable

from checker.check.protocol import ACTIONS, ActionSpec
from checker.check.rules import Finding, RuleContext, rule
from checker.models import Event, Severity

TABLE = "Summary table"


def _ua_case_events(ctx: RuleContext) -> Iterable[tuple[Event, ActionSpec]]:
    for event in ctx.case_events:
        spec = ACTIONS.get(event.action or "")
        if spec is not None:
            yield event, spec


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _label(event: Event) -> str:
    return f"{event.action} (event #{event.index})"


@rule("action.unknown", Severity.warning, "Unknown action type", "Case Assist actions reference")
def unknown_action(ctx: RuleContext) -> Iterable[Finding]:
    for event in ctx.case_events:
        if event.action not in ACTIONS and event.transport in ("collect", "click", "event_protocol"):
            yield Finding(
                f"{event.action!r} (event #{event.index}) is not a Case Assist action type",
                "use one of: " + ", ".join(ACTIONS) + "; a typo here hides the event from Case Assist reports",
                event=event,
            )


@rule("action.deprecated", Severity.warning, "Deprecated action", "Select a document suggestion")
def deprecated_action(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        if spec.replaced_by:
            yield Finding(
                f"{_label(event)} is deprecated since coveo.analytics 2.30.45",
                f"send a {spec.replaced_by} click event instead: coveoua('send', 'click', {{actionCause: '{spec.replaced_by}', …}})",
                event=event,
            )


@rule("payload.required-action-fields", Severity.error, "Required action field missing", TABLE)
def required_action_fields(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        for name in spec.required_data + spec.disputed_data:
            present, value = name in event.data, event.data.get(name)
            if present and not _is_blank(value):
                continue
            state = "is empty" if present else "is missing"
            disputed = name in spec.disputed_data
            yield Finding(
                f"{_label(event)}: required action field {name!r} {state}",
                (f"the summary table requires {name} while the action reference calls it optional; set it to be safe"
                 if disputed else f"pass {name} in the action payload (see '{spec.section}')"),
                event=event, field=name, severity=Severity.warning if disputed else None,
            )
        yield from _nested_fields(event, spec)


def _nested_fields(event: Event, spec: ActionSpec) -> Iterable[Finding]:
    for parent, children in spec.nested_required.items():
        container = event.data.get(parent)
        if not isinstance(container, dict):
            continue  # a missing parent is reported by the field check above
        for child in children:
            if _is_blank(container.get(child)):
                yield Finding(
                    f"{_label(event)}: required field {parent}.{child} is missing",
                    f"{parent} must describe the selected item, including {child} (see '{spec.section}')",
                    event=event, field=f"{parent}.{child}",
                )


@rule("payload.required-ticket-fields", Severity.error, "Required ticket field missing", TABLE)
def required_ticket_fields(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        for name in spec.required_ticket:
            if _is_blank(event.ticket.get(name)):
                yield Finding(
                    f"{_label(event)}: required ticket field {name!r} is missing",
                    "call coveoua('svc:setTicket', {…, id: '<created case id>'}) before sending ticket_create",
                    event=event, field=f"ticket.{name}",
                )


@rule("event.type", Severity.error, "Wrong event type", "3: Send an event")
def event_type(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        if event.protocol != "ua" or event.transport != "collect" or spec.transport != "svc":
            continue
        if event.event_type != spec.event_type:
            yield Finding(
                f"{_label(event)} was sent as {event.event_type!r}, the protocol requires {spec.event_type!r}",
                f"coveoua('send', 'event', 'svc', '{spec.event_type}', {{searchHub: …}})",
                event=event, field="event_type",
            )
