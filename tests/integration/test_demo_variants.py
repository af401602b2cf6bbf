"""The demo site's variants in real Chromium: Headless (legacy and next analytics), a two-page flow, an iframe.

Each variant runs the demo scenarios (scenarios/demo, unchanged; for the iframe, the same steps with selectors that
enter the frame) and the test pins down what Coveo's real libraries put on the wire: the decoded (action, step)
sequence, the protocol and transport, one client ID equal to the stored one, and which scenario expectations the
libraries' own deviations make fail (Headless: wire-format.md §2).

A step without expectations does not wait for the events it causes, so an event it causes may be stamped with the
next step: such steps are given as a set of allowed steps. `OPTIONAL` marks an event whose presence depends on
a race in the scenario itself (see test_headless_legacy_variant).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from checker.runner import RunOptions, run
from checker.scenario import load_scenarios
from tests.helpers import by_name

DEMO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
SUBMIT = "Submit a case after a classification"
SOLVED = "Cancel after an article solved the problem"
QUIT = "Quit from the review stage"
OPTIONAL = "optional"
EP_URL = "https://demoorg.analytics.org.coveo.com/rest/organizations/demoorg/events/v1?access_token=[REDACTED]"

# What the coveoua snippet pages send (same as the root page), whatever the page layout.
# Steps: SUBMIT 0 goto, 1 subject, 2 description, 3 chip, 4 rate, 5 hover, 6 quick view, 7 close, 8 next,
# 9 consent, 10 screenshot, 11 submit; SOLVED 0 goto, 1 subject, 2 wait, 3 open, 4 solved, 5 wait_for_event;
# QUIT 0 goto, 1 subject, 2 Tab, 3 category, 4 evaluate, 5 next, 6 cancel.
SNIPPET_FLOWS = {
    SUBMIT: [
        ("ticket_create_start", 0),
        ("ticket_field_update", 1),
        ("ticket_field_update", 2),
        ("ticket_classification_click", 3),
        ("suggestion_rate", 4),
        ("documentSuggestionQuickview", 6),
        ("ticket_next_stage", 8),
        ("ticket_create", 11),
    ],
    SOLVED: [
        ("ticket_create_start", 0),
        ("ticket_field_update", 1),
        ("documentSuggestionClick", 3),
        ("ticket_cancel", 4),
    ],
    QUIT: [
        ("ticket_create_start", 0),
        ("ticket_field_update", 1),
        ("ticket_field_update", 3),
        ("ticket_next_stage", 5),
        ("ticket_cancel", 6),
    ],
}


@pytest.fixture
def run_variant(browser, tmp_path):
    """Run scenario files against a base URL; a short expect timeout, for expectations known to fail."""

    def _run(paths, base_url, expect_timeout_s=1.0):
        options = RunOptions(base_url=base_url, report_dir=tmp_path / "report", expect_timeout_s=expect_timeout_s)
        return run(load_scenarios(paths), options, browser=browser)

    return _run


def flow_matches(events, expected) -> bool:
    """Every event, in order, against (action, step | {steps}[, OPTIONAL]) entries."""
    pending = list(events)
    for entry in expected:
        action, steps = entry[0], entry[1]
        allowed = steps if isinstance(steps, set) else {steps}
        if pending and pending[0].action == action and pending[0].step in allowed:
            pending.pop(0)
        elif OPTIONAL not in entry:
            return False
    return not pending


def assert_flows(run_result, flows):
    for name, expected in flows.items():
        result = by_name(run_result, name)
        observed = [(e.action, e.step) for e in result.events]
        assert flow_matches(result.events, expected), f"{name}: {observed}"


def assert_one_stored_client_id(run_result):
    for result in run_result.scenarios:
        assert result.stored_client_id, result.name  # localStorage visitorId (no cookie on an IP host)
        assert {e.client_id for e in result.events} == {result.stored_client_id}, result.name
    assert len({s.stored_client_id for s in run_result.scenarios}) == len(run_result.scenarios)


def unmatched(result):
    return {(x.expected["action"], x.step) for x in result.expectations if not x.matched}


def ep_meta_types(result):
    """The Event Protocol `meta.type`s, read from the raw beacon bodies (one JSON array each)."""
    types = []
    for request in result.requests:
        if request.kind == "analytics":
            types += [event["meta"]["type"] for event in json.loads(request.body)]
    return types


# --- the server ---------------------------------------------------------------------------------------
def test_variant_pages_and_configs(demo_server):
    def get(path):
        with urllib.request.urlopen(demo_server.base_url + path) as response:
            return response.read().decode()

    headless = get("/headless/create-case")
    assert '<script src="/vendor/headless-case-assist.js"></script>' in headless and "coveoua" not in headless
    assert '<script src="/static/headless-app.js"></script>' in headless and "cdn" not in headless.lower()
    assert re.search(r'<section id="stage-2" [^>]*hidden>', headless)  # same markup as the snippet page
    for path in ("/create-case", "/multipage/create-case", "/multipage/review"):
        page = get(path)
        assert "/vendor/coveoua.js" in page and '<script src="/static/app.js"></script>' in page, path
    assert 'data-page="review"' in get("/multipage/review")
    assert re.search(r'<section id="stage-2" [^>]*">', get("/multipage/review"))  # shown, not hidden
    assert '<iframe id="case-frame" class="case-frame" src="/create-case"' in get("/iframe/create-case")

    def config(prefix):
        text = get(f"{prefix}/config.js")
        return json.loads(text[text.index("{") : text.rindex("}") + 1])

    assert config("/headless")["analyticsMode"] == "legacy" and "trackingId" not in config("/headless")
    assert (
        config("/headless-next")["analyticsMode"] == "next"
        and config("/headless-next")["trackingId"] == "barca_support"
    )
    assert "analyticsProxyBaseUrl" not in config("/headless-next")  # Headless derives the org's own endpoint
    assert [config(p)["variant"] for p in ("", "/multipage", "/iframe")] == ["clean", "multipage", "iframe"]


# --- Headless, legacy analytics (coveo.analytics inside Headless) ----------------------------------------
def test_headless_legacy_variant(run_variant, demo_server):
    result = run_variant([DEMO_SCENARIOS], demo_server.base_url + "/headless")
    assert all(s.status.value != "error" for s in result.scenarios), [s.error for s in result.scenarios]
    assert_flows(
        result,
        {
            # CaseField.update logs ticket_classification_click, then ticket_field_update for the same field
            SUBMIT: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("ticket_field_update", 2),
                ("ticket_classification_click", 3),
                ("ticket_field_update", 3),
                ("suggestion_rate", 4),
                ("documentSuggestionQuickview", 6),
                ("ticket_next_stage", 8),
                ("ticket_create", 11),
            ],
            SOLVED: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("documentSuggestionClick", 3),
                ("ticket_cancel", 4),
            ],
            # choosing "Billing" by hand is a classification click too when classify already suggested it
            QUIT: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("ticket_classification_click", 3, OPTIONAL),
                ("ticket_field_update", 3),
                ("ticket_next_stage", 5),
                ("ticket_cancel", 6),
            ],
        },
    )
    assert_one_stored_client_id(result)
    for scenario in result.scenarios:
        assert {e.protocol for e in scenario.events} == {"ua"}
        for event in scenario.events:
            clicks = event.action in ("documentSuggestionClick", "documentSuggestionQuickview")
            assert event.transport == ("click" if clicks else "collect"), event
            assert scenario.requests[event.request_id].resource_type == ("ping" if clicks else "fetch")
            assert event.url.startswith("https://demoorg.analytics.org.coveo.com/rest/v15/analytics/")

    submit = by_name(result, SUBMIT)
    classification = next(e for e in submit.events if e.action == "ticket_classification_click")
    assert "autoSelection" not in classification.data  # deviation: only sent for automatic selections
    assert "category" not in classification.ticket  # logged from the state before the field is updated
    rate = next(e for e in submit.events if e.action == "suggestion_rate")
    assert rate.data["suggestionId"].startswith("42.") and rate.data["permanentId"] != rate.data["suggestionId"]
    assert next(e for e in submit.events if e.action == "ticket_next_stage").data == {}
    create = submit.events[-1]  # the page puts the case id in the case inputs, so Headless sends it
    assert (
        create.action == "ticket_create"
        and create.ticket["id"].startswith("500")
        and create.ticket["category"] == "Electrical"
    )
    quickview = next(e for e in submit.events if e.action == "documentSuggestionQuickview")
    assert quickview.data["originContext"] == "Search" and quickview.data["contentIDKey"] == "permanentId"

    # the scenario expectations that Headless' own deviations make fail; nothing else
    assert unmatched(submit) == {
        ("ticket_classification_click", 3),
        ("suggestion_rate", 4),
        ("documentSuggestionQuickview", 6),
    }  # autoSelection, documentUriHash, originContext
    assert unmatched(by_name(result, SOLVED)) == {("documentSuggestionClick", 3)}  # originContext, permanentId
    assert unmatched(by_name(result, QUIT)) == set()
    # … and all of them are labelled as the library's, so the clean Headless page passes
    assert [s.status.value for s in result.scenarios] == ["passed"] * 3
    for scenario in result.scenarios:
        assert all(v.deviation for v in scenario.violations), [
            v.message for v in scenario.violations if not v.deviation
        ]
    findings = {(v.rule, v.action, v.field) for v in submit.violations}
    assert ("payload.required-action-fields", "ticket_classification_click", "autoSelection") in findings
    assert ("payload.required-ticket-fields", "ticket_create", "ticket.id") not in findings
    assert not any(v.rule == "library.analytics-mode" for s in result.scenarios for v in s.violations)  # legacy mode
    found = submit.implementation  # Headless from the site's own copy: its advice is Headless', not coveoua's
    assert (found.kind, found.headless, found.analytics_mode) == ("headless", "4.0.0", "legacy")
    assert found.headless_source.endswith("/vendor/headless-case-assist.js")
    assert result.implementations == ["@coveo/headless 4.0.0 (legacy: Usage Analytics)"]
    assert not any("coveoua(" in v.hint for s in result.scenarios for v in s.violations)


# --- Headless, next analytics (Event Protocol through Relay) ---------------------------------------------
def test_headless_next_variant(run_variant, demo_server):
    result = run_variant([DEMO_SCENARIOS], demo_server.base_url + "/headless-next")
    assert all(s.status.value != "error" for s in result.scenarios), [s.error for s in result.scenarios]
    assert_flows(
        result,
        {
            # no event for the next stage; the quick view is a CaseAssist.DocumentSuggestionClick like an open
            SUBMIT: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("ticket_field_update", 2),
                ("ticket_classification_click", 3),
                ("ticket_field_update", 3),
                ("suggestion_rate", 4),
                ("documentSuggestionClick", 6),
                ("ticket_create", 11),
            ],
            SOLVED: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("documentSuggestionClick", 3),
                ("ticket_cancel", 4),
            ],
            QUIT: [
                ("ticket_create_start", 0),
                ("ticket_field_update", 1),
                ("ticket_classification_click", 3, OPTIONAL),
                ("ticket_field_update", 3),
                ("ticket_cancel", 6),
            ],
        },
    )
    assert_one_stored_client_id(result)
    for scenario in result.scenarios:
        assert {(e.protocol, e.transport) for e in scenario.events} == {("ep", "event_protocol")}
        assert all(e.url == EP_URL for e in scenario.events)
        for request in (r for r in scenario.requests if r.kind == "analytics"):
            assert request.resource_type == "ping" and request.headers.get("content-type") == "application/json"
            for event in json.loads(request.body):  # one event per beacon
                meta = event["meta"]
                assert meta["config"] == {"trackingId": "barca_support"}
                assert meta["clientId"] == scenario.stored_client_id
                assert meta["source"] == ["@coveo/headless@4.0.0", "relay@1.2.6"]

    submit = by_name(result, SUBMIT)
    assert ep_meta_types(submit) == [
        "CaseAssist.Start",
        "CaseAssist.UpdateField",
        "CaseAssist.UpdateField",
        "CaseAssist.SelectFieldClassification",
        "CaseAssist.UpdateField",
        "CaseAssist.DocumentSuggestionFeedback",
        "CaseAssist.DocumentSuggestionClick",
        "CaseAssist.CreateTicket",
    ]
    assert [e.data["ep_type"] for e in submit.events] == ep_meta_types(submit)
    assert [e.event_type for e in submit.events] == ["flowStart"] + ["click"] * 7  # in the document's terms
    create = json.loads(submit.requests[submit.events[-1].request_id].body)[0]
    assert create["ticket"]["id"].startswith("500") and create["ticket"]["category"] == "Electrical"
    solved = by_name(result, SOLVED)
    assert ep_meta_types(solved)[-1] == "CaseAssist.Cancel"
    assert json.loads(solved.requests[solved.events[-1].request_id].body)[0]["reason"] == "solved"

    # deviations the scenarios must report: no next-stage event, no quick-view event
    assert {("ticket_next_stage", 8), ("ticket_next_stage", None), ("documentSuggestionQuickview", 6)} <= unmatched(
        submit
    )
    assert ("ticket_create", 11) not in unmatched(submit)
    assert {("ticket_next_stage", 5), ("ticket_next_stage", None)} <= unmatched(by_name(result, QUIT))
    assert all(s.status.value == "failed" for s in result.scenarios)
    for scenario in result.scenarios:  # the engine's own mode is a finding of its own, once per scenario
        (mode,) = [v for v in scenario.violations if v.rule == "library.analytics-mode"]
        assert mode.severity.value == "error" and "@coveo/headless 4.0.0" in mode.message and "legacy" in mode.hint
        assert "buildCaseAssistEngine" in mode.hint and scenario.implementation.analytics_mode == "next"


# --- the snippet page over two real pages ------------------------------------------------------------------
def test_multipage_variant(run_variant, demo_server):
    result = run_variant([DEMO_SCENARIOS], demo_server.base_url + "/multipage", expect_timeout_s=2.0)
    assert [s.status.value for s in result.scenarios] == ["passed"] * 3
    assert_flows(result, SNIPPET_FLOWS)
    assert_one_stored_client_id(result)  # coveoua on the review page reads the same localStorage visitorId
    for scenario in result.scenarios:
        assert {(e.protocol, e.transport) for e in scenario.events} <= {("ua", "collect"), ("ua", "click")}
    submit = by_name(result, SUBMIT)
    pages = {e.action: submit.requests[e.request_id].frame_url.split("/", 3)[-1] for e in submit.events}
    assert pages["ticket_create_start"] == "multipage/create-case"
    assert pages["ticket_next_stage"] == pages["ticket_create"] == "multipage/review"
    next_stage = next(e for e in submit.events if e.action == "ticket_next_stage")
    assert next_stage.ticket["category"] == "Electrical"  # the ticket carried over from the first page
    assert submit.events[-1].ticket["id"].startswith("500")


# --- the snippet page inside an iframe ----------------------------------------------------------------------
def test_iframe_variant(run_variant, demo_server, tmp_path):
    # the demo scenarios unchanged; a folder default sends every step into the frame
    folder = tmp_path / "iframe-scenarios"
    shutil.copytree(DEMO_SCENARIOS, folder)
    defaults = folder / "_defaults.yaml"
    defaults.write_text(defaults.read_text() + 'frame: "#case-frame"\n')
    result = run_variant([folder], demo_server.base_url + "/iframe", expect_timeout_s=2.0)
    assert [s.status.value for s in result.scenarios] == ["passed"] * 3, [s.error for s in result.scenarios]
    assert_flows(result, SNIPPET_FLOWS)
    assert_one_stored_client_id(result)  # same origin: the top page reads the frame's localStorage
    for scenario in result.scenarios:
        frames = {r.frame_url for r in scenario.requests if r.kind == "analytics"}
        assert frames == {demo_server.base_url + "/create-case"}, frames  # sent from inside the frame
