"""Checks on a validated scenario that pydantic cannot make: matchers compile, every `same_as` refers to a value
captured earlier; and where each step and expectation was written (file and line, includes included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.errors import Problem
from checker.matchers import MatcherError, captures_used, compile_value
from checker.scenario.model import Expectation, ExpectBlock, Scenario, WaitForEventStep
from checker.scenario.yaml_source import SourceMap

MATCHED_FIELDS = ("event_type", "data", "ticket", "client_id", "search_hub")
Path_ = tuple[Any, ...]


def _expect_paths(owner: Path_, spec: Any) -> Iterable[tuple[Path_, Expectation]]:
    if isinstance(spec, ExpectBlock):
        for k, expectation in enumerate(spec.events):
            yield owner + ("expect", "events", k), expectation
    else:
        for k, expectation in enumerate(spec or []):
            yield owner + ("expect", k), expectation


def expectations_in_order(scenario: Scenario) -> Iterable[tuple[Path_, Expectation]]:
    """Every expectation with its path, in the order they are evaluated (steps first, then the scenario)."""
    for index, step in enumerate(scenario.steps):
        owner = ("steps", index)
        if isinstance(step, WaitForEventStep):
            if isinstance(step.wait_for_event, list):
                yield from ((owner + ("wait_for_event", k), e) for k, e in enumerate(step.wait_for_event))
            else:
                yield owner + ("wait_for_event",), step.wait_for_event
        yield from _expect_paths(owner, step.expect)
        yield from ((owner + ("expect_none", k), e) for k, e in enumerate(step.expect_none))
    yield from _expect_paths((), scenario.expect)
    yield from ((("expect_none", k), e) for k, e in enumerate(scenario.expect_none))


def attach_lines(scenario: Scenario, smap: SourceMap) -> None:
    for index, step in enumerate(scenario.steps):
        step._line = smap.line_of(("steps", index))
        step._file = smap.file_for(("steps", index))
    for path, expectation in expectations_in_order(scenario):
        expectation._line = smap.line_of(path)
        expectation._file = smap.file_for(path)


def reference_problems(scenario: Scenario, smap: SourceMap) -> Iterable[Problem]:
    captured: set[str] = set()
    for path, expectation in expectations_in_order(scenario):
        for name in MATCHED_FIELDS:
            value = getattr(expectation, name)
            if value is None:
                continue
            try:
                compile_value(value, path + (name,))
            except MatcherError as exc:
                line, col = smap.locate(exc.path)
                yield Problem(smap.file_for(exc.path), line, col, exc.message, exc.hint)
                continue
            new, referred = captures_used(value)
            for missing in sorted(referred - captured):
                line, col = smap.locate(path + (name,))
                yield Problem(
                    smap.file_for(path),
                    line,
                    col,
                    f"same_as {missing!r} refers to no earlier {{capture: {missing}}}",
                    "capture the value in an earlier expectation (steps are checked in order, then the scenario)",
                )
            captured |= new
