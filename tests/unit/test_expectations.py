"""Expectation matching: orders (in_order, exact, any_order), count, expect_none and captures."""

from __future__ import annotations

from checker.check.expectations import evaluate_block, evaluate_none
from checker.check.matchers import Captures
from checker.scenario.model import CountRange, Expectation, ExpectBlock
from tests.helpers import ev


def expect(action, **kw):
    return Expectation(action=action, **kw)


def block(*expectations, order="in_order"):
    return ExpectBlock(order=order, events=list(expectations))


def run(b, events, captures=None):
    return evaluate_block(b, events, None, captures or Captures())


FLOW = [ev(0, "ticket_create_start"), ev(1, "ticket_field_update"), ev(2, "ticket_next_stage"), ev(3, "ticket_create")]


def test_in_order_with_others_between():
    results = run(block(expect("ticket_create_start"), expect("ticket_create")), FLOW)
    assert [(r.matched, r.event_index) for r in results] == [(True, 0), (True, 3)]


def test_order_matters_in_order():
    results = run(block(expect("ticket_create"), expect("ticket_create_start")), FLOW)
    assert [r.matched for r in results] == [True, False]
    assert results[1].event_index == 0  # the closest same-action event, even if out of order


def test_any_order_accepts_any_permutation():
    results = run(block(expect("ticket_create"), expect("ticket_create_start"), order="any_order"), FLOW)
    assert [(r.matched, r.event_index) for r in results] == [(True, 3), (True, 0)]


def test_any_order_uses_each_event_once():
    events = [
        ev(0, "ticket_field_update", data={"fieldName": "subject"}),
        ev(1, "ticket_field_update", data={"fieldName": "x"}),
    ]
    results = run(
        block(
            expect("ticket_field_update"),
            expect("ticket_field_update", data={"fieldName": "subject"}),
            order="any_order",
        ),
        events,
    )
    assert [(r.matched, r.event_index) for r in results] == [(True, 1), (True, 0)]  # augmenting path found it
    results = run(
        block(
            expect("ticket_field_update"),
            expect("ticket_field_update"),
            expect("ticket_field_update"),
            order="any_order",
        ),
        events,
    )
    assert [r.matched for r in results] == [True, True, False]


def test_exact_allows_nothing_else():
    results = run(block(expect("ticket_create_start"), expect("ticket_field_update"), order="exact"), FLOW)
    assert [(r.kind, r.matched) for r in results] == [
        ("expect", True),
        ("expect", True),
        ("extra", False),
        ("extra", False),
    ]
    assert [r.event_index for r in results if r.kind == "extra"] == [2, 3]
    results = run(block(*(expect(e.action) for e in FLOW), order="exact"), FLOW)
    assert all(r.matched for r in results)


def test_count_exact_and_range():
    events = [ev(0, "ticket_field_update"), ev(1, "ticket_field_update")]
    assert run(block(expect("ticket_field_update", count=2)), events)[0].matched
    result = run(block(expect("ticket_field_update", count=1)), events)[0]
    assert not result.matched and result.count == 2
    assert run(block(expect("ticket_field_update", count=CountRange(min=1, max=3))), events)[0].matched
    assert not run(block(expect("ticket_field_update", count=CountRange(min=3))), events)[0].matched


def test_greedy_picks_the_matching_one_not_the_first():
    events = [
        ev(0, "ticket_field_update", data={"fieldName": "subject"}),
        ev(1, "ticket_field_update", data={"fieldName": "description"}),
    ]
    (result,) = run(block(expect("ticket_field_update", data={"fieldName": "description"})), events)
    assert result.matched and result.event_index == 1


def test_unmet_keeps_closest_and_diffs():
    events = [ev(0, "ticket_cancel", data={"reason": "Quit"}, client_id="a")]
    (result,) = evaluate_block(
        block(expect("ticket_cancel", data={"reason": "Solved"}, client_id={"regex": "^a$"})), events, 2, Captures()
    )
    assert not result.matched and result.event_index == 0 and result.step == 2
    assert [(d.path, d.ok) for d in result.diffs] == [("action", True), ("client_id", True), ("data.reason", False)]


def test_missing_action_has_no_candidate():
    (result,) = run(block(expect("ticket_next_stage")), [ev(0, "ticket_create")])
    assert not result.matched and result.event_index is None and result.diffs == []


def test_expect_none():
    (ok,) = evaluate_none([expect("ticket_create")], [ev(0, "ticket_cancel")], 1, Captures())
    (bad,) = evaluate_none(
        [expect("ticket_cancel", data={"reason": "Quit"})],
        [ev(0, "ticket_cancel", data={"reason": "Quit"})],
        1,
        Captures(),
    )
    assert ok.matched and ok.kind == "none" and not bad.matched and bad.event_index == 0


def test_capture_then_same_as_across_blocks():
    captures = Captures()
    first = [ev(0, "ticket_create_start", client_id="cid-1")]
    assert run(block(expect("ticket_create_start", client_id={"capture": "cid"})), first, captures)[0].matched
    assert captures.values == {"cid": "cid-1"}
    later = [ev(1, "ticket_create", client_id="cid-2"), ev(2, "ticket_create", client_id="cid-1")]
    (result,) = run(block(expect("ticket_create", client_id={"same_as": "cid"})), later, captures)
    assert result.matched and result.event_index == 2


def test_capture_is_not_kept_from_a_rejected_candidate():
    captures = Captures()
    events = [
        ev(0, "ticket_cancel", client_id="x", data={"reason": "Quit"}),
        ev(1, "ticket_cancel", client_id="y", data={"reason": "Solved"}),
    ]
    run(block(expect("ticket_cancel", client_id={"capture": "c"}, data={"reason": "Solved"})), events, captures)
    assert captures.values == {"c": "y"}


def test_event_type_and_protocol_fields():
    events = [ev(0, "ticket_create_start", event_type="click", search_hub=None)]
    assert not run(block(expect("ticket_create_start", event_type="flowStart")), events)[0].matched
    assert not run(block(expect("ticket_create_start", protocol="ep")), events)[0].matched
    assert run(block(expect("ticket_create_start", search_hub={"absent": True})), events)[0].matched
