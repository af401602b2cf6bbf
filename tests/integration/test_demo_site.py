"""The demo site in real Chromium with the real coveo.analytics library: what the checker captures and decides."""

from __future__ import annotations

import base64

from checker.models import Severity, Status, StepStatus
from tests.helpers import by_name


def test_clean_demo_passes_with_no_findings(clean_demo_run):
    assert [s.status for s in clean_demo_run.scenarios] == [Status.passed] * 3
    assert clean_demo_run.status == Status.passed
    assert all(not s.violations for s in clean_demo_run.scenarios)
    assert all(x.matched for s in clean_demo_run.scenarios for x in s.expectations)
    assert clean_demo_run.implementations == ["coveoua snippet (coveo.analytics 2.30.55)"]
    assert {s.implementation.kind for s in clean_demo_run.scenarios} == {"snippet"}


def test_submit_flow_events_in_order_with_steps(clean_demo_run):
    result = by_name(clean_demo_run, "Submit a case after a classification")
    actions = [(e.action, e.step) for e in result.events]
    assert actions == [
        ("ticket_create_start", 0),
        ("ticket_field_update", 1),
        ("ticket_field_update", 2),
        ("ticket_classification_click", 3),
        ("suggestion_rate", 4),
        ("documentSuggestionQuickview", 6),
        ("ticket_next_stage", 8),
        ("ticket_create", 11),
    ]
    start = result.events[0]
    assert start.event_type == "flowStart" and start.search_hub == "demo_case_assist"
    assert result.events[-1].ticket["id"].startswith("500")


def test_one_client_id_equal_to_the_stored_one(clean_demo_run):
    for result in clean_demo_run.scenarios:
        ids = {e.client_id for e in result.events}
        assert ids == {result.stored_client_id}, result.name
    # a fresh context per scenario: each scenario is a new visitor
    assert len({s.stored_client_id for s in clean_demo_run.scenarios}) == 3


def test_beacon_click_event_decoded(clean_demo_run):
    result = by_name(clean_demo_run, "Cancel after an article solved the problem")
    click = next(e for e in result.events if e.action == "documentSuggestionClick")
    assert click.transport == "click" and click.event_type == "click"
    assert click.data["contentIDKey"] == "permanentid" and click.data["documentPosition"] == 1
    request = result.requests[click.request_id]
    assert request.resource_type == "ping" and request.body.startswith("clickEvent=")
    assert "access_token=%5BREDACTED%5D" in request.url or "access_token=[REDACTED]" in request.url


def test_service_api_calls_observed_not_altered(clean_demo_run):
    result = by_name(clean_demo_run, "Submit a case after a classification")
    api = [r for r in result.requests if r.kind == "service_api"]
    assert {r.url.rsplit("/", 1)[-1] for r in api} == {"classify", "suggest"}
    assert all(r.status == 200 and r.response_body and "responseId" in r.response_body for r in api)
    assert all(not r.answered_locally for r in api)
    classify = next(r for r in api if r.url.endswith("classify"))
    click = next(e for e in result.events if e.action == "ticket_classification_click")
    assert click.data["classificationId"] in classify.response_body or any(
        click.data["classificationId"] in (r.response_body or "") for r in api
    )


def test_analytics_answered_locally_in_block_mode(clean_demo_run, demo_server):
    analytics = [r for s in clean_demo_run.scenarios for r in s.requests if r.kind == "analytics"]
    assert analytics and all(r.answered_locally and r.status == 200 for r in analytics)
    assert demo_server.collected == []  # nothing reached a collector


def test_steps_have_screenshots_and_lines(clean_demo_run):
    result = by_name(clean_demo_run, "Quit from the review stage")
    assert all(s.status == StepStatus.passed for s in result.steps)
    assert all(s.screenshot and s.screenshot.endswith(".jpg") for s in result.steps)
    # lines of the included opening steps point into the included file
    assert [(s.line, s.kind) for s in result.steps] == [
        (3, "goto"),
        (8, "fill"),
        (7, "press"),
        (8, "select"),
        (13, "evaluate"),
        (14, "click"),
        (18, "click"),
        (23, "wait_for"),
    ]


MEAN_BRIGHTNESS_JS = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const canvas = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
  const g = canvas.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, img.width, img.height).data;
  let sum = 0; for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
  return sum / (d.length / 4) / 765;
}"""


def test_each_step_screenshot_shows_what_the_step_did(clean_demo, page):
    """A step's effects reach the screen after it ends: its picture is the page's look before the next step acts."""
    result = by_name(clean_demo.run, "Submit a case after a classification")
    shots = [(clean_demo.report_dir / s.screenshot).read_bytes() for s in result.steps]

    def brightness(index: int) -> float:
        return page.evaluate(MEAN_BRIGHTNESS_JS, "data:image/jpeg;base64," + base64.b64encode(shots[index]).decode())

    hover, open_preview, close_preview = 5, 6, 7  # the quick view dims the page behind it
    assert brightness(open_preview) < brightness(hover) - 0.05
    assert brightness(close_preview) > brightness(open_preview) + 0.05
    assert shots[8] != shots[7]  # "next" shows the review stage
    assert shots[11] == shots[12]  # the submit's confirmation, already there when it ends


def rules_found(run):
    return {(v.rule, v.severity) for s in run.scenarios for v in s.violations}


def test_broken_variant_seeds_one_defect_per_rule(broken_demo_run):
    found = rules_found(broken_demo_run)
    for rule in (
        "event.type",
        "payload.required-action-fields",
        "payload.required-ticket-fields",
        "flow.single-client-id",
        "scenario.expected-event",
        "transport.decodable",
        "action.unknown",  # a misspelt action is a lost event
    ):
        assert (rule, Severity.error) in found, rule
    assert ("action.deprecated", Severity.warning) in found
    assert all(s.status == Status.failed for s in broken_demo_run.scenarios)


def test_broken_findings_point_at_the_right_event(broken_demo_run):
    result = by_name(broken_demo_run, "Submit a case after a classification")
    by_rule = {v.rule: v for v in result.violations}
    assert by_rule["event.type"].event_index == 0 and by_rule["event.type"].action == "ticket_create_start"
    missing = by_rule["payload.required-action-fields"]
    assert missing.field == "fieldName" and missing.step == 2  # the description's update
    assert by_rule["payload.required-ticket-fields"].action == "ticket_create"
    client = by_rule["flow.single-client-id"]
    assert result.events[client.event_index].action == "ticket_create"
    unmet = [x for x in result.expectations if not x.matched]
    assert {x.expected["action"] for x in unmet} == {
        "ticket_create_start",
        "ticket_field_update",
        "ticket_next_stage",
        "ticket_create",
    }
    next_stage = next(x for x in unmet if x.expected["action"] == "ticket_next_stage" and x.step is not None)
    assert next_stage.event_index is None  # not sent at all, not merely wrong
