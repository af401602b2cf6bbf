"""Match a scenario's `expect` lists against the events the page sent.

Expectations are matched in order, as a subsequence: other events may come between. Each one takes the
earliest matching event after the previous match (greedy earliest is optimal for subsequence matching). When
one is not met, the closest event of the same action is kept with its per-field differences for the report.
"""

from __future__ import annotations

from typing import Any, Iterable

from checker.check.matchers import compare, compile_value
from checker.models import Event, ExpectationResult, FieldDiff
from checker.scenario.model import Expectation

EVENT_FIELDS = ("event_type", "client_id", "search_hub")


def field_diffs(expectation: Expectation, event: Event) -> list[FieldDiff]:
    """Every field the expectation names, compared with the event (action first)."""
    diffs = [FieldDiff(path="action", expected=expectation.action, observed=event.action, ok=event.action == expectation.action)]
    if expectation.protocol is not None:
        diffs.append(FieldDiff(path="protocol", expected=expectation.protocol, observed=event.protocol,
                               ok=event.protocol == expectation.protocol))
    for name in EVENT_FIELDS:
        spec = getattr(expectation, name)
        if spec is not None:
            diffs.extend(compare(compile_value(spec), getattr(event, name), name))
    for name in ("data", "ticket"):
        spec = getattr(expectation, name)
        if spec is not None:
            diffs.extend(compare(compile_value(spec), getattr(event, name), name))
    return diffs


def matches(expectation: Expectation, event: Event) -> bool:
    return event.action == expectation.action and all(d.ok for d in field_diffs(expectation, event))


def match_in_order(expectations: Iterable[Expectation], events: list[Event], step: int | None = None) -> list[ExpectationResult]:
    results: list[ExpectationResult] = []
    position = 0
    for expectation in expectations:
        found = next((i for i in range(position, len(events)) if matches(expectation, events[i])), None)
        if found is not None:
            event = events[found]
            results.append(_result(expectation, step, event, matched=True))
            position = found + 1
        else:
            results.append(_result(expectation, step, _closest(expectation, events, position), matched=False))
    return results


def _closest(expectation: Expectation, events: list[Event], position: int) -> Event | None:
    """The same-action event with the most matching fields, preferring those after the previous match."""
    candidates = [e for e in events[position:] if e.action == expectation.action] or \
                 [e for e in events if e.action == expectation.action]
    if not candidates:
        return None
    return max(candidates, key=lambda e: (sum(d.ok for d in field_diffs(expectation, e)), -e.index))


def _result(expectation: Expectation, step: int | None, event: Event | None, matched: bool) -> ExpectationResult:
    written: dict[str, Any] = expectation.as_written()
    return ExpectationResult(
        expected=written,
        line=expectation.line,
        step=step,
        matched=matched,
        event_index=event.index if event else None,
        diffs=field_diffs(expectation, event) if event else [],
    )
