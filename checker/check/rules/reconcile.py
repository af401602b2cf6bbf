"""Rules on the agreement between the JS layer and the wire layer (see checker.check.reconcile)."""

from __future__ import annotations

from collections.abc import Iterable

from checker.check.context import RuleContext
from checker.check.rules.lifecycle import noisy_field_updates
from checker.check.rules.registry import Finding, rule
from checker.check.rules.transport import sent_nothing_by_design
from checker.models import Event, Pairing, Severity

SECTION = "Use the Coveo UA library"


def _pairings(ctx: RuleContext, outcome: str) -> Iterable[Pairing]:
    return (p for p in ctx.result.reconciliation if p.outcome == outcome)


def _event(ctx: RuleContext, pairing: Pairing) -> Event | None:
    return ctx.result.events[pairing.event_index] if pairing.event_index is not None else None


@rule("reconcile.called-not-sent", Severity.error, "Logged in JS, never sent", SECTION)
def called_not_sent(ctx: RuleContext) -> Iterable[Finding]:
    for p in _pairings(ctx, "called_not_sent"):
        if p.replaced_by is not None:
            continue  # the page navigated away first: transport.cancelled-by-navigation says so
        if sent_nothing_by_design(ctx, p):
            continue  # the engine's analytics were turned off: library.analytics-off says so, once
        what = (
            f"{p.action} was logged with coveoua"
            if p.level == "api"
            else f"{ctx.result.js_calls[p.call_ids[0]].fn} to an analytics URL was called"
        )
        if p.source == "headless":
            what = f"{p.action} was logged through Headless"
        deviation = (
            "headless.next-no-next-stage"
            if p.source == "headless" and p.action == "ticket_next_stage" and "next mode" in p.cause
            else None
        )
        yield Finding(
            f"{what} but no matching request left the browser: {p.cause}",
            ctx.advise("not-sent"),
            action=p.action,
            step=p.step,
            deviation=deviation,
        )


@rule("reconcile.sent-without-call", Severity.warning, "Sent without a JS call", SECTION)
def sent_without_call(ctx: RuleContext) -> Iterable[Finding]:
    for p in _pairings(ctx, "sent_without_call"):
        if p.level != "api":
            continue  # transport-level strays are shown in the report; they are not the page author's doing
        yield Finding(
            f"event #{p.event_index} ({p.action}) left the browser but no coveoua call asked for it: {p.cause}",
            "two integrations logging the same flow double-count it; keep one",
            event=_event(ctx, p),
        )


@rule("reconcile.changed-in-transit", Severity.warning, "Value changed in transit", SECTION)
def changed_in_transit(ctx: RuleContext) -> Iterable[Finding]:
    for p in _pairings(ctx, "changed"):
        fields = ", ".join(f"{d.path}: {d.expected!r} → {d.observed!r}" for d in p.diffs[:5])
        yield Finding(
            f"{p.action} (event #{p.event_index}) differs from what the page passed to coveoua: {fields}",
            "the library drops keys it does not know and replaces clientId with its own; pass the fields "
            "the protocol names, and read the client ID from the library",
            event=_event(ctx, p),
            field=p.diffs[0].path if p.diffs else None,
        )


@rule("flow.duplicate-event", Severity.warning, "Duplicate event", "Case Assist events")
def duplicate_event(ctx: RuleContext) -> Iterable[Finding]:
    noise = {e.index for events in noisy_field_updates(ctx).values() for e in events}
    for p in _pairings(ctx, "duplicate"):
        if p.event_index in noise:
            continue  # reported once, as field updates sent on every keystroke
        yield Finding(
            f"event #{p.event_index} is a duplicate: {p.cause}",
            "log each user action once (debounce field updates, don't bind the same handler twice)",
            event=_event(ctx, p),
        )
