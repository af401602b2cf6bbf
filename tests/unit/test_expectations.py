"""In-order subsequence matching of expectations, with the closest event kept for unmet ones."""

from __future__ import annotations

from checker.check.expectations import match_in_order
from checker.models import Event
from checker.scenario.model import Expectation


def ev(index, action, **kw):
    return Event(index=index, action=action, transport="collect", event_type=kw.pop("event_type", "click"), **kw)


def expect(action, **kw):
    return Expectation(action=action, **kw)


def test_in_order_with_others_between():
    events = [ev(0, "ticket_create_start"), ev(1, "ticket_field_update"), ev(2, "ticket_next_stage"), ev(3, "ticket_create")]
    results = match_in_order([expect("ticket_create_start"), expect("ticket_create")], events)
    assert [(r.matched, r.event_index) for r in results] == [(True, 0), (True, 3)]


def test_order_matters():
    events = [ev(0, "ticket_create"), ev(1, "ticket_create_start")]
    results = match_in_order([expect("ticket_create_start"), expect("ticket_create")], events)
    assert [r.matched for r in results] == [True, False]
    assert results[1].event_index == 0  # the closest same-action event, even if out of order


def test_greedy_picks_the_matching_one_not_the_first():
    events = [ev(0, "ticket_field_update", data={"fieldName": "subject"}),
              ev(1, "ticket_field_update", data={"fieldName": "description"})]
    results = match_in_order([expect("ticket_field_update", data={"fieldName": "description"})], events)
    assert results[0].matched and results[0].event_index == 1


def test_unmet_keeps_closest_and_diffs():
    events = [ev(0, "ticket_cancel", data={"reason": "Quit"}, client_id="a")]
    (result,) = match_in_order([expect("ticket_cancel", data={"reason": "Solved"}, client_id={"regex": "^a$"})], events, step=2)
    assert not result.matched and result.event_index == 0 and result.step == 2
    assert [(d.path, d.ok) for d in result.diffs] == [("action", True), ("client_id", True), ("data.reason", False)]


def test_missing_action_has_no_candidate():
    (result,) = match_in_order([expect("ticket_next_stage")], [ev(0, "ticket_create")])
    assert not result.matched and result.event_index is None and result.diffs == []


def test_event_type_and_protocol_fields():
    events = [ev(0, "ticket_create_start", event_type="click")]
    (r1,) = match_in_order([expect("ticket_create_start", event_type="flowStart")], events)
    (r2,) = match_in_order([expect("ticket_create_start", protocol="ep")], events)
    assert not r1.matched and not r2.matched
