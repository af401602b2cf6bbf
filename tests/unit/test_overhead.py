"""The capture's own costs: handlers Playwright calls without `inspect.signature`, a collector that does not rescan
what the capture keeps (the figures are in benchmarks/per_event.py)."""

from __future__ import annotations

import gc
import inspect

import pytest

from checker.capture.overhead import handler, survivors_frozen

pytestmark = pytest.mark.no_browser


def test_a_handler_carries_its_signature_and_calls_through():
    class Capture:
        def on_route(self, route, request=None):
            return (route, request)

    wrapped = handler(Capture().on_route)
    assert str(inspect.signature(wrapped)) == "(route, request=None)"  # what Playwright counts arguments from
    assert wrapped.__signature__ is inspect.signature(wrapped)  # given, not computed at each event
    assert wrapped(1, 2) == (1, 2)


def test_survivors_of_a_full_collection_are_frozen_while_a_scenario_captures_and_thawed_after():
    kept = [[i] for i in range(1000)]  # what a capture keeps
    with survivors_frozen():
        with survivors_frozen():  # a second worker's scenario
            gc.collect()
            assert gc.get_freeze_count() >= len(kept)
        assert gc.get_freeze_count() >= len(kept)  # the first is still capturing
    assert gc.get_freeze_count() == 0
    assert all(cb.__name__ != "_freeze_after_full_collection" for cb in gc.callbacks)
