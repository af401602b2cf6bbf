"""Event Protocol payloads against Coveo's published event types (`checker.check.event_types`), reported under the
same rule ids as the Usage Analytics payload rules, so a report reads the same in both modes."""

from __future__ import annotations

from collections.abc import Iterator

from checker.check.context import RuleContext
from checker.check.event_types import EpProblem, ProblemKind, ep_problems, schema_source
from checker.check.rules.registry import Finding
from checker.models import Event

HINTS: dict[ProblemKind, str] = {
    "required": "the published type requires it: pass it to the engine's action (Headless) or in the event",
    "type": "send it with the type the published event type gives",
    "enum": "use one of the values the published event type allows (lower case in the Event Protocol)",
    "other": "compare the payload with the published event type",
}


def ep_findings(ctx: RuleContext, kind: ProblemKind) -> Iterator[Finding]:
    """The `kind` problems of every Case Assist Event Protocol event, one finding each, naming the EP type and the
    JSON path. A missing `ticket.id` is the ticket rule's, which covers both protocols."""
    for event, problem in _all_problems(ctx):
        if problem.kind != kind or (kind == "required" and problem.path.split(".")[0] == "ticket"):
            continue
        yield Finding(
            f"{event.data.get('ep_type')} ({event.action}, event #{event.index}): {problem.message} "
            f"(in {schema_source()})",
            HINTS[kind],
            event=event,
            field=problem.path,
        )


def _all_problems(ctx: RuleContext) -> list[tuple[Event, EpProblem]]:
    def compute() -> list[tuple[Event, EpProblem]]:
        found = []
        for event in ctx.case_events:
            if event.protocol != "ep":
                continue
            ep_type, payload = event.data.get("ep_type"), event.data.get("ep_payload")
            if isinstance(ep_type, str) and isinstance(payload, dict):
                found += [(event, problem) for problem in ep_problems(ep_type, payload)]
        return found

    return ctx.once("ep-problems", compute)
