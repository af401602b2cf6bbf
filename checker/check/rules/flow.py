"""Rules across the events of one flow: one client ID from start to end."""

from __future__ import annotations

from typing import Iterable

from checker.check.rules import Finding, RuleContext, rule
from checker.models import Severity


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
            f"{event.action} (event #{event.index}) uses client ID {event.client_id}, but the flow started with "
            f"{initial.client_id} (event #{initial.index})",
            "all events of a flow must share one client ID: don't clear localStorage/cookies or re-create the "
            "client mid-flow, and let every integration read the same visitorId",
            event=event, field="client_id",
        )


@rule("scenario.expected-event", Severity.error, "Expected event not sent", "Scenario expectations")
def expected_events(ctx: RuleContext) -> Iterable[Finding]:
    for result in ctx.result.expectations:
        if result.matched:
            continue
        where = f"step #{result.step + 1}" if result.step is not None else "the scenario"
        action = result.expected.get("action")
        wrong = [d for d in result.diffs if not d.ok]
        if result.event_index is None:
            message = f"{where} expected {action} but no such event was sent"
            hint = "check that the page logs this action, and that the step really triggers it"
        else:
            fields = ", ".join(f"{d.path} = {d.observed!r} (expected {d.expected!r})" for d in wrong)
            message = f"{where} expected {action}; the closest event #{result.event_index} differs: {fields}"
            hint = "compare expected and observed fields in the report; the page may send the wrong value"
        yield Finding(message, hint, action=action, step=result.step)
