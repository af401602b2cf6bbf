"""The JS layer's running tallies: is a send the page asked for still on its way?"""

from __future__ import annotations

from checker.capture.js_layer import JsCapture
from checker.decode.redact import Redactor

STARTED = 1_000.0  # wall-clock seconds


def capture_after(*records) -> JsCapture:
    js = JsCapture(Redactor([]), STARTED, lambda wall: 0)
    js._on_record(
        None,
        [{"fn": fn, "args": args, "time": (STARTED * 1000 + ms), **extra} for fn, args, ms, extra in records],
        {"acts": [STARTED * 1000 + 5], "fields": ["subject", 7, ""]},
    )
    return js


HEADLESS = [
    ("page", [], 0, {}),
    ("headless-engine", ["4.0.0", "legacy"], 10, {}),
    ("headless", ["analytics/caseAssist/case/field/update", None], 458, {}),
]


def test_a_headless_action_is_a_send_on_its_way_until_a_request_follows():
    js = capture_after(*HEADLESS)
    assert js.sends_pending(analytics_requests=0)
    # the request can reach the checker before the page's report of its fetch: it counts as the transport
    assert not js.sends_pending(analytics_requests=1, last_request_ms=471.8)
    assert js.sends_pending(analytics_requests=1, last_request_ms=300.0)  # an earlier request is not this send's


def test_nothing_is_on_its_way_under_do_not_track_or_once_the_fetch_is_seen():
    assert not capture_after(("page", [], 0, {"dnt": "1"}), *HEADLESS[1:]).sends_pending(0)
    js = capture_after(
        *HEADLESS, ("fetch", ["https://x.analytics.org.coveo.com/rest/v15/analytics/collect", "{}"], 468, {})
    )
    assert js.sends_pending(analytics_requests=0)  # handed to fetch, not on the network yet
    assert not js.sends_pending(analytics_requests=1)


def test_acts_and_form_fields_come_with_the_reports():
    js = capture_after(*HEADLESS)
    assert js.acts == [STARTED + 0.005] and js.page_fields == {"subject"}
