"""Per-event rules: the action is known and current, its payload carries the required fields, its type is right."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from checker.check.context import RuleContext
from checker.check.deviations import from_headless
from checker.check.protocol import ACTIONS, TICKET_TYPES, ActionSpec, FieldSpec, fits_plainly, type_problem, value_at
from checker.check.rules.ep_payload import ep_findings
from checker.check.rules.registry import Finding, rule
from checker.decode.ep import PUBLISHED_TYPE
from checker.models import Event, Severity

TABLE = "Summary table"


def _ua_case_events(ctx: RuleContext) -> list[tuple[Event, ActionSpec]]:
    """Usage Analytics events of known actions: the document's payload rules are about these (Event Protocol
    events follow their own, smaller schema). Computed once per scenario: most payload rules walk them."""

    def compute() -> list[tuple[Event, ActionSpec]]:
        pairs = ((event, ACTIONS.get(event.action or "")) for event in ctx.case_events if event.protocol == "ua")
        return [(event, spec) for event, spec in pairs if spec is not None]

    return ctx.once("ua-case-events", compute)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _page_or_library(ctx: RuleContext, event: Event, page_fix: str) -> str:
    """The snippet's fix when the page's own coveoua calls sent the event; when Headless (or Quantic on it) did,
    the page cannot shape the request: which library version sends it this way, and the upgrade."""
    return ctx.advise("library-sends") if from_headless(ctx, event) else page_fix


def _label(event: Event) -> str:
    ep_type = event.data.get("ep_type") if event.protocol == "ep" else None
    return f"{ep_type} ({event.action}, event #{event.index})" if ep_type else f"{event.action} (event #{event.index})"


@rule(
    "action.unknown",
    Severity.error,
    "Unknown action type",
    "Case Assist actions reference",
    why="Case Assist reports count only the documented action types: an event under any other name (a typo, an "
    "invented name) is an event lost",
)
def unknown_action(ctx: RuleContext) -> Iterable[Finding]:
    allowed = set(ACTIONS) | set(ctx.config.custom_actions)
    for event in ctx.events:
        name = _case_assist_name(event)
        if name is None or name in allowed:
            continue
        guess = difflib.get_close_matches(name, list(ACTIONS), n=1, cutoff=0.75)
        if event.transport in ("click", "custom") and not guess and not _says_case_assist(event):
            continue  # another integration's click (a search page's documentOpen): not a Case Assist event
        did_you_mean = f"did you mean {guess[0]!r}? " if guess else ""
        yield Finding(
            f"{name!r} (event #{event.index}) is not a Case Assist action type",
            f"{did_you_mean}use one of: {', '.join(ACTIONS)}; an organisation's own actions go under "
            "custom_actions in the configuration",
            event=event,
        )


def _case_assist_name(event: Event) -> str | None:
    """The action type a Case Assist event claims: its action, or an unknown CaseAssist.* Event Protocol type."""
    if event.decode_error is not None:
        return None
    if event.protocol == "ep" and event.action is None:
        ep_type = event.data.get("ep_type")
        return ep_type if isinstance(ep_type, str) and ep_type.startswith("CaseAssist.") else None
    if event.transport in ("collect", "click", "custom", "event_protocol"):
        return event.action
    return None


def _says_case_assist(event: Event) -> bool:
    return event.data.get("originContext") == "CaseAssist"


@rule("action.missing", Severity.error, "svc event without an action", "1: Register a Case Assist action")
def missing_action(ctx: RuleContext) -> Iterable[Finding]:
    for event in ctx.events:
        if (
            event.action is None
            and event.transport == "collect"
            and event.protocol == "ua"
            and event.decode_error is None
            and event.event_type in ("flowStart", "click")
        ):
            yield Finding(
                f"an svc event (#{event.index}, {event.event_type}) left without svc_action: Case Assist reports cannot "
                "count it",
                _page_or_library(
                    ctx,
                    event,
                    "call coveoua('svc:setAction', …) right before each send; coveo.analytics sends asynchronously "
                    "and clears the action after each send, so two logs in the same tick mix up: the first request "
                    "carries the second's action and ticket, the second none; let a task pass between two logs",
                ),
                event=event,
            )


@rule("action.deprecated", Severity.warning, "Deprecated action", "Select a document suggestion")
def deprecated_action(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        if spec.replaced_by:
            yield Finding(
                f"{_label(event)} is deprecated since coveo.analytics 2.30.45",
                _page_or_library(
                    ctx,
                    event,
                    f"send a {spec.replaced_by} click event instead: "
                    f"coveoua('send', 'click', {{actionCause: '{spec.replaced_by}', …}})",
                ),
                event=event,
                deviation="headless.svc-suggestion-click" if from_headless(ctx, event) else None,
            )


@rule("payload.required-action-fields", Severity.error, "Required action field missing", TABLE)
def required_action_fields(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        data = event.data
        for name in spec.required_data + spec.disputed_data:
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or value.strip()):
                continue  # present and not blank (inline: this runs for every field of every event)
            present = name in data
            state = "is empty" if present else "is missing"
            disputed = name in spec.disputed_data
            deviation = "headless.no-auto-selection" if name == "autoSelection" and from_headless(ctx, event) else None
            yield Finding(
                f"{_label(event)}: required action field {name!r} {state}",
                (
                    f"the summary table requires {name} while the action reference calls it optional; set it to be safe"
                    if disputed
                    else f"pass {name} in the action payload (see '{spec.section}')"
                ),
                event=event,
                field=name,
                severity=Severity.warning if disputed else None,
                deviation=deviation,
            )
        if spec.nested_required:
            yield from _nested_fields(event, spec)
    yield from ep_findings(ctx, "required")


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
                    event=event,
                    field=f"{parent}.{child}",
                )


@rule("payload.required-ticket-fields", Severity.error, "Required ticket field missing", TABLE)
def required_ticket_fields(ctx: RuleContext) -> Iterable[Finding]:
    """Both protocols: the created ticket's id is what links the flow to the case (CaseAssist.CreateTicket's
    `ticket.id` in the Event Protocol)."""
    for event in ctx.case_events:
        spec = ACTIONS.get(event.action or "")
        for name in spec.required_ticket if spec else ():
            if _is_blank(event.ticket.get(name)):
                headless = name == "id" and from_headless(ctx, event)
                yield Finding(
                    f"{_label(event)}: required ticket field {name!r} is missing",
                    ctx.advise("ticket-id"),
                    event=event,
                    field=f"ticket.{name}",
                    deviation="headless.ticket-id-from-case-inputs" if headless else None,
                )


@rule("event.type", Severity.error, "Wrong event type", "3: Send an event")
def event_type(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        if event.protocol != "ua" or event.transport != "collect" or spec.transport != "svc":
            continue
        if event.event_type != spec.event_type:
            yield Finding(
                f"{_label(event)} was sent as {event.event_type!r}, the protocol requires {spec.event_type!r}",
                _page_or_library(ctx, event, f"coveoua('send', 'event', 'svc', '{spec.event_type}', {{searchHub: …}})"),
                event=event,
                field="event_type",
            )
    yield from _pre_release_types(ctx)


def _pre_release_types(ctx: RuleContext) -> Iterable[Finding]:
    """Event Protocol events sent with the pre-release Case Assist types (Headless 2.x): one finding for them all."""
    sent = [e for e in ctx.case_events if e.protocol == "ep" and e.data.get("ep_type") in PUBLISHED_TYPE]
    if sent:
        first, types = sent[0], sorted({str(e.data["ep_type"]) for e in sent})
        others = f" (and {len(sent) - 1} more events)" if len(sent) > 1 else ""
        published = ", ".join(PUBLISHED_TYPE[t] for t in types)
        yield Finding(
            f"{first.data['ep_type']} ({first.action}, event #{first.index}){others} uses the Event Protocol's "
            f"pre-release types ({', '.join(types)}), not Coveo's published ones ({published})",
            _page_or_library(ctx, first, f"send the events as {published}, with their published payloads"),
            event=first,
            field="ep_type",
            deviation="headless.next-pre-release-types" if from_headless(ctx, first) else None,
        )


def _type_finding(event: Event, spec: ActionSpec, path: str, field_spec: FieldSpec, value: object) -> Finding:
    extra = (
        ' (the document\'s own example writes "false": use the boolean false)'
        if field_spec.kind == "boolean" and value in ("true", "false")
        else ""
    )
    return Finding(
        f"{_label(event)}: {path} {type_problem(value, field_spec)}{extra}",
        f"send {path} as {_kind_text(field_spec)} (see '{spec.section}')",
        event=event,
        field=path,
    )


@rule("payload.field-type", Severity.error, "Field of the wrong type or range", "Case Assist actions reference")
def field_type(ctx: RuleContext) -> Iterable[Finding]:
    yield from ep_findings(ctx, "type")
    for event, spec in _ua_case_events(ctx):
        data = event.data
        for check in spec.type_checks:  # every typed field of every event: the common case costs two lookups
            if check.key is not None:
                if check.key not in data:
                    continue  # absence is the required-fields rule's business
                value = data[check.key]
            else:
                present, value = value_at(data, check.path)
                if not present:
                    continue
            if value.__class__ in check.plain or value is None and check.required:
                continue  # a plain value of the right kind is fine; a null required field is reported as missing
            if type_problem(value, check.spec):
                yield _type_finding(event, spec, check.path, check.spec, value)
        for key, value in event.ticket.items():
            ticket_spec = TICKET_TYPES.get(key)
            if ticket_spec is None or fits_plainly(value, ticket_spec):
                continue
            problem = type_problem(value, ticket_spec)
            if problem:
                yield Finding(
                    f"{_label(event)}: ticket.{key} {problem}",
                    f"send ticket.{key} as {_kind_text(ticket_spec)}",
                    event=event,
                    field=f"ticket.{key}",
                )


def _kind_text(spec: FieldSpec) -> str:
    text = {
        "string": "a string",
        "number": "a number",
        "integer": "an integer",
        "boolean": "a boolean",
        "object": "an object",
    }[spec.kind]
    if spec.minimum is not None:
        text += f" ≥ {spec.minimum:g}" if spec.maximum is None else f" between {spec.minimum:g} and {spec.maximum:g}"
    return text


@rule("payload.allowed-value", Severity.error, "Value not allowed", "Cancel a ticket")
def allowed_value(ctx: RuleContext) -> Iterable[Finding]:
    yield from ep_findings(ctx, "enum")
    for event, spec in _ua_case_events(ctx):
        for path, field_spec in spec.restricted_types:
            present, value = value_at(event.data, path)
            if present and isinstance(value, str) and value not in field_spec.allowed:
                yield Finding(
                    f"{_label(event)}: {path} is {value!r}, allowed: {' or '.join(field_spec.allowed)}",
                    f"use exactly {' or '.join(repr(a) for a in field_spec.allowed)} (case matters)",
                    event=event,
                    field=path,
                )


@rule("payload.deprecated-field", Severity.warning, "Deprecated field", "Case Assist actions reference")
def deprecated_field(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        for path, field_spec in spec.deprecated_types:
            if value_at(event.data, path)[0]:
                yield Finding(
                    f"{_label(event)}: {path} is deprecated",
                    f"use {field_spec.deprecated_by} instead",
                    event=event,
                    field=path,
                    deviation="headless.sends-deprecated-fields" if from_headless(ctx, event) else None,
                )


@rule("event.transport", Severity.error, "Action sent through the wrong kind of event", "Select a document suggestion")
def transport_kind(ctx: RuleContext) -> Iterable[Finding]:
    for event, spec in _ua_case_events(ctx):
        if event.protocol != "ua":
            continue
        if spec.transport == "click" and event.transport == "collect":
            yield Finding(
                f"{_label(event)} was logged as an svc event; it is a Coveo Analytics click event",
                _page_or_library(
                    ctx,
                    event,
                    f"coveoua('send', 'click', {{actionCause: '{event.action}', …}}) (coveo.analytics ≥ 2.30.45)",
                ),
                event=event,
            )
        elif spec.transport == "svc" and event.transport == "click":
            yield Finding(
                f"{_label(event)} was sent as a click event; it is an svc action",
                _page_or_library(
                    ctx,
                    event,
                    f"coveoua('svc:setAction', '{event.action}', …) then coveoua('send', 'event', 'svc', 'click', …)",
                ),
                event=event,
            )
