"""A send the page asked for whose document was replaced before the library handed its request to the browser:
the navigation cut it short, as it cuts a request in flight (one finding, the navigation's, not 'never sent')."""

from __future__ import annotations

from checker.check.analyze import check_scenario
from checker.decode import decode_all
from checker.models import JsCall, ScenarioResult, StepResult

FORM = "http://127.0.0.1:8000/create-case"
CONFIRMATION = "http://127.0.0.1:8000/confirmation?case=5003"
COLLECT = "https://org.analytics.org.coveo.com/rest/v15/analytics/collect"


def _call(fn: str, args: list, ms: float, step: int, frame: str = FORM, **info: object) -> JsCall:
    return JsCall(id=0, fn=fn, args=args, step=step, time_ms=ms, frame_url=frame, info=dict(info))


def _submitted(*after: JsCall, steps: tuple[str, ...] = ("goto", "click")) -> ScenarioResult:
    calls = [
        _call("page", [], 0, 0, top=True),
        _call("library", ["2.30.55"], 5, 0),
        _call("coveoua", ["svc:setAction", "ticket_create", {}], 100, 1),
        _call("coveoua", ["send", "event", "svc", "click", {}], 100, 1),
        *after,
    ]
    for number, call in enumerate(calls):
        call.id = number
    result = ScenarioResult(
        name="submit",
        file="submit.yaml",
        js_calls=calls,
        steps=[StepResult(index=i, kind=kind, description=kind) for i, kind in enumerate(steps)],
    )
    result.events = decode_all(result.requests, result.js_calls)
    return check_scenario(result)


def _rules(result: ScenarioResult) -> list[str]:
    return [finding.rule for finding in result.violations]


def test_a_page_replaced_before_the_send_left_is_the_navigations_finding():
    result = _submitted(_call("page", [], 103, 1, frame=CONFIRMATION, top=True))
    (pairing,) = [p for p in result.reconciliation if p.outcome == "called_not_sent"]
    assert pairing.replaced_by == 4 and "navigated away" in pairing.cause
    assert _rules(result) == ["transport.cancelled-by-navigation"]
    (finding,) = result.violations
    assert finding.action == "ticket_create" and CONFIRMATION in finding.message and "coveoua('send'" in finding.hint


def test_a_send_that_left_before_the_page_changed_is_not_blamed_on_the_navigation():
    result = _submitted(
        _call("fetch", [COLLECT, "{}"], 102, 1, url=COLLECT),
        _call("page", [], 103, 1, frame=CONFIRMATION, top=True),
    )
    assert all(p.replaced_by is None for p in result.reconciliation)
    assert "transport.cancelled-by-navigation" not in _rules(result)


def test_a_frame_loading_is_not_the_callers_page_going_away():
    result = _submitted(_call("page", [], 103, 1, frame="http://127.0.0.1:8000/sidebar", top=False))
    assert _rules(result) == ["reconcile.called-not-sent"]


def test_a_later_step_that_navigates_is_the_robots_doing():
    result = _submitted(_call("page", [], 103, 2, frame=CONFIRMATION, top=True), steps=("goto", "click", "goto"))
    assert "transport.cancelled-by-navigation" not in _rules(result)
    assert "reconcile.called-not-sent" not in _rules(result)
