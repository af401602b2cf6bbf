"""Match a scenario's expectations against the events the page sent.

Each step's `expect` is matched against the events of that step (a `wait_for_event` against those of the step and
the one before); the scenario's `expect` against all events. Orders:
- in_order (default): a subsequence, others may come between; each expectation takes the earliest matching event
  after the previous match (greedy earliest is optimal for subsequence matching);
- exact: the Case Assist events of the window are exactly these, in this order;
- any_order: each expectation matched to a distinct event, in any order (bipartite matching).
`count` checks how many events of the window match; `expect_none` lists events that must not occur. `capture`
values are shared across the scenario in evaluation order. An unmet expectation keeps the closest event of the
same action, with per-field differences, for the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.check.matchers import MISSING, Captures, compare, compile_value
from checker.models import Event, ExpectationResult, FieldDiff
from checker.scenario.model import CountRange, Expectation, ExpectBlock, Scenario, WaitForEventStep

EVENT_FIELDS = ("event_type", "client_id", "search_hub")


def field_diffs(expectation: Expectation, event: Event, captures: Captures | None = None) -> list[FieldDiff]:
    """Every field the expectation names, compared with the event (action first)."""
    captures = captures if captures is not None else Captures()
    diffs = [
        FieldDiff(
            path="action", expected=expectation.action, observed=event.action, ok=event.action == expectation.action
        )
    ]
    if expectation.protocol is not None:
        diffs.append(
            FieldDiff(
                path="protocol",
                expected=expectation.protocol,
                observed=event.protocol,
                ok=event.protocol == expectation.protocol,
            )
        )
    for name in EVENT_FIELDS:
        spec = getattr(expectation, name)
        if spec is not None:
            value = getattr(event, name)
            diffs.extend(compare(compile_value(spec), MISSING if value is None else value, name, captures))
    for name in ("data", "ticket"):
        spec = getattr(expectation, name)
        if spec is not None:
            diffs.extend(compare(compile_value(spec), getattr(event, name), name, captures))
    return diffs


def matches(expectation: Expectation, event: Event, captures: Captures) -> bool:
    """Does the event match? On success the values it captures are committed."""
    trial = Captures(values=captures.values)
    ok = event.action == expectation.action and all(d.ok for d in field_diffs(expectation, event, trial))
    if ok:
        captures.pending = trial.pending
        captures.commit()
    return ok


def _trial(expectation: Expectation, event: Event, captures: Captures) -> bool:
    return event.action == expectation.action and all(
        d.ok for d in field_diffs(expectation, event, Captures(values=captures.values))
    )


def _count_ok(count: int | CountRange | None, seen: int) -> bool:
    if count is None:
        return True
    if isinstance(count, int):
        return seen == count
    return (count.min is None or seen >= count.min) and (count.max is None or seen <= count.max)


def _case_events(events: list[Event]) -> list[Event]:
    return [e for e in events if e.action is not None and e.decode_error is None]


# --- blocks -----------------------------------------------------------------------------------------------


def evaluate_block(
    block: ExpectBlock, events: list[Event], step: int | None, captures: Captures
) -> list[ExpectationResult]:
    events = _case_events(events)
    if block.order == "exact":
        return _exact(block, events, step, captures)
    if block.order == "any_order":
        return _any_order(block, events, step, captures)
    return _in_order(block, events, step, captures)


def _in_order(block: ExpectBlock, events: list[Event], step: int | None, captures: Captures) -> list[ExpectationResult]:
    results: list[ExpectationResult] = []
    position = 0
    for expectation in block.events:
        seen = sum(1 for e in events if _trial(expectation, e, captures))
        found = next((i for i in range(position, len(events)) if matches(expectation, events[i], captures)), None)
        if found is not None:
            position = found + 1
            results.append(
                _result(
                    expectation, step, events[found], _count_ok(expectation.count, seen), block.order, seen, captures
                )
            )
        else:
            results.append(
                _result(
                    expectation,
                    step,
                    _closest(expectation, events, position, captures),
                    False,
                    block.order,
                    seen,
                    captures,
                )
            )
    return results


def _exact(block: ExpectBlock, events: list[Event], step: int | None, captures: Captures) -> list[ExpectationResult]:
    results = []
    for expectation, event in zip(block.events, events, strict=False):
        ok = matches(expectation, event, captures)
        results.append(_result(expectation, step, event, ok, "exact", None, captures))
    for expectation in block.events[len(events) :]:
        results.append(_result(expectation, step, None, False, "exact", None, captures))
    for event in events[len(block.events) :]:
        results.append(
            ExpectationResult(
                expected={"action": "(nothing else)"},
                kind="extra",
                order="exact",
                step=step,
                matched=False,
                event_index=event.index,
                diffs=[FieldDiff(path="action", expected=None, observed=event.action)],
            )
        )
    return results


def _any_order(
    block: ExpectBlock, events: list[Event], step: int | None, captures: Captures
) -> list[ExpectationResult]:
    candidates = [[j for j, e in enumerate(events) if _trial(x, e, captures)] for x in block.events]
    assignment = _bipartite(candidates)
    results = []
    for k, expectation in enumerate(block.events):
        seen = len(candidates[k])
        if k in assignment:
            event = events[assignment[k]]
            matches(expectation, event, captures)  # commit its captures
            results.append(
                _result(expectation, step, event, _count_ok(expectation.count, seen), "any_order", seen, captures)
            )
        else:
            results.append(
                _result(
                    expectation, step, _closest(expectation, events, 0, captures), False, "any_order", seen, captures
                )
            )
    return results


def _bipartite(candidates: list[list[int]]) -> dict[int, int]:
    """Maximum matching expectation → event (Kuhn's augmenting paths; the lists are short)."""
    owner: dict[int, int] = {}

    def place(k: int, visited: set[int]) -> bool:
        for j in candidates[k]:
            if j in visited:
                continue
            visited.add(j)
            if j not in owner or place(owner[j], visited):
                owner[j] = k
                return True
        return False

    for k in range(len(candidates)):
        place(k, set())
    return {k: j for j, k in owner.items()}


def evaluate_none(
    expectations: list[Expectation], events: list[Event], step: int | None, captures: Captures
) -> list[ExpectationResult]:
    """One result per forbidden expectation: met when no event of the window matches it."""
    results = []
    for expectation in expectations:
        offending = next((e for e in _case_events(events) if _trial(expectation, e, captures)), None)
        results.append(
            _result(expectation, step, offending, offending is None, "in_order", None, captures, kind="none")
        )
    return results


def closest_event(
    expectation: Expectation, events: list[Event], captures: Captures | None = None, after: int = 0
) -> Event | None:
    """The event of the expectation's action with the most matching fields (the earliest on a tie), preferring those
    from position `after` on; `captures`' values resolve `same_as` (left unchanged). None without such an event.
    Used for an unmet scenario expectation and for the `case_assist` fixture's "closest:" line."""
    candidates = [e for e in events[after:] if e.action == expectation.action] or [
        e for e in events if e.action == expectation.action
    ]
    if not candidates:
        return None
    known = dict(captures.values) if captures is not None else {}

    def score(event: Event) -> tuple[int, int]:
        return sum(d.ok for d in field_diffs(expectation, event, Captures(values=dict(known)))), -event.index

    return max(candidates, key=score)


def _closest(expectation: Expectation, events: list[Event], position: int, captures: Captures) -> Event | None:
    """`closest_event`, whose `capture`d values are still remembered: one wrong field must not make every later
    `same_as` fail too."""
    closest = closest_event(expectation, events, captures, after=position)
    if closest is not None:
        trial = Captures(values=captures.values)
        field_diffs(expectation, closest, trial)
        captures.pending = trial.pending
        captures.commit()
    return closest


def _result(
    expectation: Expectation,
    step: int | None,
    event: Event | None,
    matched: bool,
    order: str,
    seen: int | None,
    captures: Captures,
    kind: str = "expect",
) -> ExpectationResult:
    written: dict[str, Any] = expectation.as_written()
    return ExpectationResult(
        expected=written,
        line=expectation.line,
        file=expectation.file or None,
        step=step,
        matched=matched,
        event_index=event.index if event else None,
        kind=kind,
        order=order,
        count=seen if expectation.count is not None else None,
        diffs=field_diffs(expectation, event, Captures(values=dict(captures.values))) if event else [],
    )


# --- a whole scenario ------------------------------------------------------------------------------------


def evaluate_scenario(
    scenario: Scenario, events: list[Event], ran: set[int], upto: int | None = None, include_flow: bool = True
) -> list[ExpectationResult]:
    """Every expectation of the steps that ran (up to step `upto`), then the scenario's own."""
    captures = Captures()
    results: list[ExpectationResult] = []
    for index, step in enumerate(scenario.steps):
        if upto is not None and index > upto:
            break
        if index not in ran:
            continue
        if isinstance(step, WaitForEventStep):
            window = [e for e in events if e.step in (index - 1, index)]
            results += evaluate_block(ExpectBlock(order="any_order", events=step.awaited), window, index, captures)
        window = [e for e in events if e.step == index]
        results += evaluate_block(step.expect_block, window, index, captures)
        results += evaluate_none(step.expect_none, window, index, captures)
    if include_flow and upto is None:
        results += evaluate_block(scenario.expect_block, events, None, captures)
        results += evaluate_none(scenario.expect_none, events, None, captures)
    return results


def step_outcomes(results: Iterable[ExpectationResult], step: int) -> list[ExpectationResult]:
    return [r for r in results if r.step == step]
