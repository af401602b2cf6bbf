"""Both capture layers on test pages running Coveo's real coveoua.js in real Chromium: every transport, frames,
popups and navigations, and each reconciliation outcome between the JS calls and the wire."""

from __future__ import annotations

import json
import time

import pytest

from checker.capture.js_layer import JsCapture
from checker.check.rules import RuleConfig
from checker.redact import Redactor


def run_one(run_scenarios, scenario_file, pages_server, text, **overrides):
    result = run_scenarios([scenario_file(text)], pages_server, **overrides)
    return result.scenarios[0]


def outcomes(result, level="api"):
    return [(p.outcome, p.action) for p in result.reconciliation if p.level == level]


def test_clean_page_pairs_every_call(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: clean
        steps:
          - goto: /pages/start.html
          - click: "#go"
        """,
    )
    assert outcomes(result) == [("paired", "ticket_create_start"), ("paired", "ticket_field_update")]
    assert {p.outcome for p in result.reconciliation if p.level == "transport"} == {"paired"}
    init = next(c for c in result.js_calls if c.fn == "coveoua" and c.args[0] == "init")
    assert init.args[1] == "[REDACTED]" and init.queued is True  # made on the snippet's stub
    live = [c for c in result.js_calls if c.fn == "coveoua" and c.step == 1]
    assert live and all(c.queued is False for c in live)
    assert not result.violations


def test_library_never_loaded(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios, scenario_file, pages_server, "name: blocked\nsteps:\n  - goto: /pages/library-blocked.html\n"
    )
    (pairing,) = [p for p in result.reconciliation if p.level == "api"]
    assert pairing.outcome == "called_not_sent" and "never loaded" in pairing.cause
    assert result.events == []
    assert [v.rule for v in result.violations] == ["reconcile.called-not-sent"]


def test_csp_blocks_the_request(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios, scenario_file, pages_server, "name: csp\nsteps:\n  - goto: /pages/csp-blocked.html\n"
    )
    assert result.events == []
    transport = [p for p in result.reconciliation if p.level == "transport"]
    assert [p.outcome for p in transport] == ["called_not_sent"] and "Content-Security-Policy" in transport[0].cause
    assert outcomes(result) == [("called_not_sent", "ticket_create_start")]
    assert "never left" in result.reconciliation[0].cause


def test_do_not_track(run_scenarios, scenario_file, pages_server):
    result = run_one(run_scenarios, scenario_file, pages_server, "name: dnt\nsteps:\n  - goto: /pages/dnt.html\n")
    (pairing,) = [p for p in result.reconciliation if p.level == "api"]
    assert pairing.outcome == "called_not_sent" and "Do Not Track" in pairing.cause


def test_values_changed_in_transit(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: changed
        steps:
          - goto: /pages/changed.html
          - click: "#open"
          - click: "#priority"
        """,
    )
    changed = {p.action: p for p in result.reconciliation if p.outcome == "changed"}
    click = changed["documentSuggestionClick"]
    assert [d.path for d in click.diffs] == ["data.clientId"]
    assert click.diffs[0].expected == "00000000-0000-4000-8000-000000000000"
    assert click.diffs[0].observed == result.stored_client_id  # the library put its own client ID
    priority = changed["ticket_field_update"]
    assert [(d.path, d.observed) for d in priority.diffs] == [("ticket.priority", "<dropped>")]
    # the library dropped the unknown ticket key, so the ticket no longer holds the updated field
    assert {v.rule for v in result.violations} == {"reconcile.changed-in-transit", "ticket.updated-field"}


def test_sent_without_a_call(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: second integration
        steps:
          - goto: /pages/second-integration.html
          - click: "#go"
        """,
    )
    assert ("sent_without_call", "ticket_field_update") in outcomes(result)
    assert "reconcile.sent-without-call" in {v.rule for v in result.violations}


def test_duplicate_event(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: duplicate
        steps:
          - goto: /pages/duplicate.html
          - click: "#next"
        """,
    )
    (dup,) = [p for p in result.reconciliation if p.outcome == "duplicate"]
    assert dup.action == "ticket_next_stage" and "asked for it twice" in dup.cause
    assert [e.action for e in result.events].count("ticket_next_stage") == 2
    assert "flow.duplicate-event" in {v.rule for v in result.violations}


def test_xhr_and_image_pixel(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: transports
        steps:
          - goto: /pages/transports.html
          - click: "#xhr"
            expect: [{action: ticket_next_stage, client_id: c-xhr}]
          - click: "#pixel"
            expect: [{action: ticket_cancel, data: {reason: Quit}, client_id: c-img}]
        """,
    )
    kinds = {e.action: result.requests[e.request_id] for e in result.events}
    assert kinds["ticket_next_stage"].resource_type == "xhr" and kinds["ticket_next_stage"].method == "POST"
    assert kinds["ticket_cancel"].resource_type == "image" and kinds["ticket_cancel"].method == "GET"
    assert [c.fn for c in result.js_calls if c.fn in ("xhr", "image")] == ["xhr", "image"]
    assert {p.outcome for p in result.reconciliation if p.level == "transport"} == {"paired"}
    assert all(x.matched for x in result.expectations)


def test_iframe_popup_and_navigation_in_one_capture(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: frames
        steps:
          - goto: /pages/iframe-host.html
            expect: [{action: ticket_create_start}]
          - goto: /pages/popup-opener.html
          - click: "#open"
            expect: [{action: ticket_next_stage}]
          - goto: /pages/page-one.html
          - click: "#next"
          - wait_for: "#two"
            expect: [{action: ticket_next_stage}]
        """,
    )
    by_step = [(e.step, e.action) for e in result.events]
    # the page-two event is logged while page two loads: during the click that navigates or the wait after it
    assert by_step[:4] == [
        (0, "ticket_create_start"),
        (1, "ticket_create_start"),
        (2, "ticket_next_stage"),
        (3, "ticket_create_start"),
    ]
    assert by_step[4] in ((4, "ticket_next_stage"), (5, "ticket_next_stage"))
    frames = {result.requests[e.request_id].frame_url.rsplit("/", 1)[-1] for e in result.events}
    assert {"start.html", "popup.html", "page-one.html", "page-two.html"} <= frames
    assert len({e.client_id for e in result.events}) == 1  # one visitor across frames, popups and pages
    assert all(p.outcome == "paired" for p in result.reconciliation)


ENDPOINTS = [
    ("", "https://analytics.cloud.coveo.com/rest/ua/v15/analytics/collect"),  # init without an endpoint
    ("https://testorg.analytics.org.coveo.com", "https://testorg.analytics.org.coveo.com/rest/v15/analytics/collect"),
    (
        "https://testorg.analytics.org.coveo.com/rest/ua",
        "https://testorg.analytics.org.coveo.com/rest/ua/v15/analytics/collect",
    ),
    (
        "https://testorg.analytics.orghipaa.coveo.com",
        "https://testorg.analytics.orghipaa.coveo.com/rest/v15/analytics/collect",
    ),
    (
        "https://analytics-eu.cloud.coveo.com/rest/ua",
        "https://analytics-eu.cloud.coveo.com/rest/ua/v15/analytics/collect",
    ),
]


@pytest.mark.parametrize("endpoint, sent_to", ENDPOINTS)
def test_coveo_endpoint_forms(run_scenarios, scenario_file, pages_server, endpoint, sent_to):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        f"name: endpoint\nsteps:\n  - goto: /pages/start.html?endpoint={endpoint}\n  - click: '#go'\n",
    )
    assert [e.action for e in result.events] == ["ticket_create_start", "ticket_field_update"]
    assert {e.url for e in result.events} == {sent_to}
    assert not result.violations


def test_declared_proxy_is_captured_and_accepted(run_scenarios, scenario_file, pages_server):
    proxy = "https://support-proxy.example.com/coveo/*"
    text = "name: proxy\nsteps:\n  - goto: /pages/start.html?endpoint=https://support-proxy.example.com/coveo\n"
    declared = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        text,
        rules=RuleConfig(proxies=[proxy]),
        extra_analytics_patterns=[proxy],
    )
    assert [e.url for e in declared.events] == ["https://support-proxy.example.com/coveo/rest/v15/analytics/collect"]
    assert not declared.violations
    undeclared = run_one(run_scenarios, scenario_file, pages_server, text)
    (finding,) = undeclared.violations
    assert finding.rule == "transport.endpoint" and "support-proxy.example.com/coveo/rest" in finding.message


def test_bare_organization_id_pitfall(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        "name: bare org\nsteps:\n  - goto: /pages/start.html?endpoint=testorg\n",
    )
    (event,) = result.events
    assert event.url == f"{pages_server}/pages/testorg/rest/v15/analytics/collect"
    (finding,) = result.violations
    assert finding.rule == "transport.endpoint" and "took the organization ID as a relative URL" in finding.message
    assert "https://testorg.analytics.org.coveo.com" in finding.hint


def test_steps_act_inside_an_iframe(run_scenarios, scenario_file, pages_server):
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        """\
        name: in the frame
        steps:
          - goto: /pages/iframe-host.html
          - click: "#go"
            frame: "#case-frame"
            expect: [{action: ticket_field_update, data: {fieldName: subject}}]
        """,
    )
    assert [(e.step, e.action) for e in result.events] == [(0, "ticket_create_start"), (1, "ticket_field_update")]
    assert result.status.value == "passed"


@pytest.mark.parametrize("round_", range(4))  # a race: one round could pass by luck
def test_a_goto_right_after_an_expected_event_does_not_cut_its_send(run_scenarios, scenario_file, pages_server, round_):
    """A step may end once the page asked for its event (the JS layer saw the call), before coveo.analytics sent it.
    A navigation right then would cut the library's send, which no person clicking could do: it waits for it."""
    path = scenario_file(f"""
        name: log then leave
        steps:
          - goto: {pages_server}/pages/start.html
          - click: "#go"
            expect: [{{action: ticket_field_update}}]
          - goto: {pages_server}/pages/page-two.html
        """)
    (result,) = run_scenarios([path]).scenarios
    assert [(e.action, e.step) for e in result.events][:2] == [("ticket_create_start", 0), ("ticket_field_update", 1)]
    # sent as the page meant it, not as the beacon coveo.analytics falls back to when the page is leaving
    assert result.requests[result.events[1].request_id].resource_type == "fetch"
    assert not [v for v in result.violations if v.rule.startswith("capture.")], result.violations


LATE_LOGS = {  # what the page does when the last step ends; it logs ticket_cancel later, announced by no call yet
    "a timer (60 ms)": "setTimeout(() => logSvc('ticket_cancel', {reason: 'Quit'}), 60)",
    "a debounce (400 ms)": "setTimeout(() => logSvc('ticket_cancel', {reason: 'Quit'}), 400)",
    "after a response": "fetch('/rest/organizations/o/caseassists/c/classify', {method: 'POST', body: '{}'})"
    ".then(() => setTimeout(() => logSvc('ticket_cancel', {reason: 'Quit'}), 100))",
}


@pytest.mark.parametrize("late", LATE_LOGS.values(), ids=LATE_LOGS.keys())
@pytest.mark.parametrize("last_steps", [[], ["wait: 40"]], ids=["right after", "after a wait"])
def test_the_settle_catches_an_event_sent_after_the_last_step(
    run_scenarios, scenario_file, pages_server, last_steps, late
):
    """The settle waits for what the page has under way after the last step that acted on it (timers, requests);
    with `--settle 0` only for sends already announced, and these tests fail."""
    tail = "".join(f"\n  - {step}" for step in last_steps)
    path = scenario_file(f"""\
name: late cancel
steps:
  - goto: {pages_server}/pages/start.html
  - evaluate: {json.dumps(late)}{tail}
""")
    (result,) = run_scenarios([path]).scenarios
    assert [(e.action, e.step) for e in result.events] == [
        ("ticket_create_start", 0),
        ("ticket_cancel", 1 + len(last_steps)),
    ]


def test_the_settle_does_not_wait_for_polling_nor_for_what_is_due_later(run_scenarios, scenario_file, pages_server):
    """A timer armed again by its own callback never ends, one due after the horizon is not the steps' doing:
    the settle ends as soon as only those remain (a naive wait would take the whole 3 s horizon)."""
    path = scenario_file(f"""\
name: a page that polls
steps:
  - goto: {pages_server}/pages/start.html
  - evaluate: >-
      const poll = () => {{ fetch('/pages/start.html').then(() => {{}}); setTimeout(poll, 20); }};
      poll();
      setTimeout(() => logSvc('ticket_cancel', {{reason: 'Quit'}}), 60000);
      setInterval(() => {{}}, 10);
""")
    started = time.monotonic()
    (result,) = run_scenarios([path], settle_ms=3000).scenarios
    assert time.monotonic() - started < 2.5
    assert [e.action for e in result.events] == ["ticket_create_start"]


def test_form_fields_are_those_the_page_had_when_it_logged(run_scenarios, scenario_file, pages_server):
    """The fieldName cross-check compares with the fields the page had at the moment it logged, even one gone since."""
    path = scenario_file(f"""\
name: a field that comes and goes
steps:
  - goto: {pages_server}/pages/start.html
  - evaluate: >-
      const field = Object.assign(document.createElement('input'), {{name: 'warrantyCode'}});
      document.body.append(field);
      logSvc('ticket_field_update', {{fieldName: 'warrantyCode'}}, {{subject: 'GC110', custom: {{warrantyCode: 'W-1'}}}});
      setTimeout(() => field.remove(), 0);
""")
    (result,) = run_scenarios([path]).scenarios
    assert "warrantyCode" in result.page_fields
    assert [e.action for e in result.events] == ["ticket_create_start", "ticket_field_update"]
    assert not [v for v in result.violations if v.rule == "causal.field-name"], result.violations


TIMERS_AND_REQUESTS_AS_BEFORE = """\
(async () => {
  const fail = (what) => { throw new Error('changed by the hook: ' + what); };
  const got = await new Promise((resolve) => setTimeout(function (a, b) { resolve([this === window, a, b]); }, 5, 'a', 'b'));
  if (JSON.stringify(got) !== '[true,"a","b"]') fail('setTimeout arguments or this: ' + JSON.stringify(got));
  let ran = false;
  const id = setTimeout(() => { ran = true; }, 5);
  if (typeof id !== 'number') fail('setTimeout id');
  clearTimeout(id);
  let ticks = 0;
  const every = setInterval(() => { if (++ticks === 3) clearInterval(every); }, 5);
  await new Promise((resolve) => setTimeout(resolve, 80));
  if (ran || ticks !== 3) fail('clearTimeout or setInterval: ' + ran + ' ' + ticks);
  const answer = await fetch('/pages/start.html');
  if (!(answer instanceof Response) || !(await answer.text()).includes('logSvc')) fail('fetch or its body');
  setTimeout(() => fetch('http://127.0.0.1:9/nothing-listens-here'), 0);  // rejected, handled by nobody
  await new Promise((resolve) => setTimeout(resolve, 300));
  return 'ok';
})()"""


def test_timers_and_requests_behave_as_without_the_hook(run_scenarios, scenario_file, pages_server):
    """The settle follows the page's timers and requests through wrappers: they change nothing it sees, and a
    rejection it leaves unhandled is still reported as one."""
    result = run_one(
        run_scenarios,
        scenario_file,
        pages_server,
        f"""\
        name: timers and requests
        steps:
          - goto: /pages/start.html
          - evaluate: {json.dumps(TIMERS_AND_REQUESTS_AS_BEFORE)}
        """,
    )
    assert result.error is None, result.error
    assert any("Failed to fetch" in error for error in result.page_info.get("page_errors", [])), result.page_info


def test_a_flood_of_calls_reaches_the_checker_in_few_batches_and_none_is_lost(pages_server, page):
    """hook.js holds the records of a page that keeps logging for COALESCE_MS (25 ms) after each batch: far fewer
    binding calls (each a round trip through Playwright, the checker's largest cost per event) than records."""
    batches = []

    class Counting(JsCapture):
        def _on_record(self, source, records, extras=None):
            batches.append(1)
            super()._on_record(source, records, extras)

    js = Counting(Redactor(), time.time(), lambda wall: 0)
    js.attach(page.context)
    page.goto(f"{pages_server}/pages/flood.html?n=300")
    page.click("#flood")
    page.locator("#done").wait_for(state="visible")
    page.wait_for_timeout(100)  # the last sends
    page.evaluate("() => window.__caCheckFlush()")
    sends = [c for c in js.calls if c.fn == "coveoua" and c.args[:1] == ["send"]]
    fetches = [c for c in js.calls if c.fn == "fetch"]
    print(f"{len(js.calls)} records in {len(batches)} binding calls")
    assert len(sends) == 301 and len(fetches) == 301  # the flow's start, then one update per iteration
    assert len(batches) * 5 < len(js.calls)
