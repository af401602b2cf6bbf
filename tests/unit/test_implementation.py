"""Which implementation a page runs (snippet, Headless, Quantic), and advice in its words; no browser.

The hand-built flow is test_rulebook's conformant one; each test turns it into one implementation's and breaks it.
"""

from __future__ import annotations

import json

from checker.check.implementation import detect
from checker.models import (
    Event,
    ExpectationResult,
    FieldDiff,
    Implementation,
    JsCall,
    RunResult,
    ScenarioResult,
    Severity,
)
from checker.report.analysis import libraries
from tests.unit.test_rulebook import HUB, base, findings, set_


def quantic(result: ScenarioResult, mode: str = "legacy") -> ScenarioResult:
    """What the JS layer records on a Quantic page: the engine Quantic builds, with its version global."""
    result.js_calls.append(
        JsCall(
            id=len(result.js_calls),
            fn="headless-engine",
            args=["3.37.0", mode],
            info={"quantic": "3.34.0", "src": "https://x.my.site.com/resource/1/coveoheadless/case-assist/headless.js"},
        )
    )
    return result


def test_detects_the_snippet_headless_and_quantic():
    snippet = base()
    snippet.js_calls.append(JsCall(id=0, fn="library", args=["2.30.55"]))
    assert detect(snippet).kind == "snippet" and detect(snippet).coveo_analytics == "2.30.55"
    headless = base()
    headless.js_calls.append(JsCall(id=0, fn="headless-engine", args=["4.0.0", "legacy"]))
    found = detect(headless)
    assert (found.kind, found.headless, found.analytics_mode) == ("headless", "4.0.0", "legacy")
    found = detect(quantic(base()))
    assert (found.kind, found.quantic, found.headless) == ("quantic", "3.34.0", "3.37.0")
    assert found.headless_source.endswith("/coveoheadless/case-assist/headless.js")
    assert found.label == "Quantic 3.34.0 · @coveo/headless 3.37.0 (legacy: Usage Analytics)"


def test_quantic_known_by_its_events_alone():
    """A bundle the JS layer could not hook (Quantic 2.x's static resource): the events still say who sent them."""
    result = base()
    result.events[5].data["customData"]["coveoQuanticVersion"] = "2.9.1"
    assert (detect(result).kind, detect(result).quantic) == ("quantic", "2.9.1")
    ep = ScenarioResult(
        name="t",
        file="t.yaml",
        events=[
            Event(
                index=0,
                action="ticket_create_start",
                protocol="ep",
                transport="event_protocol",
                library="@coveo/headless@3.37.0",
            )
        ],
    )
    assert (detect(ep).kind, detect(ep).headless, detect(ep).analytics_mode) == ("headless", "3.37.0", "next")
    assert detect(ScenarioResult(name="t", file="t.yaml")).label == "not identified"


def test_library_behaviour_is_attributed_to_the_library_quantic_loaded():
    """No coveoua call on the page: its events are Headless', even with no reconciliation to say so."""
    result = quantic(base())
    del result.events[3].data["autoSelection"]
    (finding,) = findings(result)
    assert finding.severity == Severity.warning
    assert finding.deviation.startswith(
        "@coveo/headless 3.37.0 (loaded by Quantic 3.34.0): ticket_classification_click"
    )
    assert "coveoua" not in finding.hint


def test_missing_ticket_id_on_quantic_points_at_the_host_component():
    result = quantic(base())
    del result.events[9].ticket["id"]
    (finding,) = findings(result)
    assert (finding.rule, finding.severity) == ("payload.required-ticket-fields", Severity.error)
    assert "(loaded by Quantic 3.34.0) does not do it by itself" in finding.message
    assert "host component" in finding.hint and "updateCaseInput" in finding.hint and "coveoua" not in finding.hint


def test_search_hub_advice_names_the_interface_attribute():
    result = quantic(base())
    result.expected_search_hub = HUB
    for index in range(len(result.events)):
        set_(index, "search_hub", "default")(result)
    (finding,) = [f for f in findings(result) if f.rule == "flow.search-hub"]
    assert f'search-hub="{HUB}" on c-quantic-case-assist-interface' in finding.hint
    snippet = base()
    snippet.expected_search_hub = HUB
    set_(1, "search_hub", "default")(snippet)
    (finding,) = [f for f in findings(snippet) if f.rule == "flow.search-hub"]
    assert "coveoua('send'" in finding.hint


def test_event_protocol_create_ticket_needs_its_ticket_id():
    def create(ticket: dict) -> ScenarioResult:
        event = Event(
            index=0,
            action="ticket_create",
            protocol="ep",
            transport="event_protocol",
            event_type="click",
            library="@coveo/headless@3.37.0",
            ticket=ticket,
            data={"ep_type": "CaseAssist.CreateTicket"},
        )
        return ScenarioResult(name="t", file="t.yaml", events=[event])

    missing = [f for f in findings(create({"subject": "GC110"})) if f.rule == "payload.required-ticket-fields"]
    assert len(missing) == 1 and missing[0].severity == Severity.error
    assert missing[0].message.startswith("CaseAssist.CreateTicket (ticket_create, event #0)")
    assert not [f for f in findings(create({"id": "500A"})) if f.rule == "payload.required-ticket-fields"]


def test_an_absent_document_id_never_matches_an_unindexed_document():
    """The click names no document; the API listed one without a permanentid: not 'the wrong document'."""
    result = base()
    for req in result.requests:  # the clicked document (B, position 2 of suggest-2) has no permanentid in the index
        req.response_body = req.response_body.replace('"permanentid": "perm-2", ', "")
    for key in ("contentIDValue",):
        result.events[5].data.pop(key)
        result.events[5].data["customData"].pop(key)
    (finding,) = [f for f in findings(result) if f.rule == "causal.document-click"]
    assert finding.severity == Severity.warning and "without a permanentid" in finding.message
    assert "Article 2" in finding.message and "index" in finding.hint


def test_an_absent_document_id_is_an_error_when_the_api_gave_one():
    result = base()
    result.events[5].data.pop("contentIDValue")
    result.events[5].data["customData"].pop("contentIDValue")
    (finding,) = [f for f in findings(result) if f.rule == "causal.document-click"]
    assert finding.severity == Severity.error and "with permanentid 'perm-2'" in finding.message


# --- whose bug, since which release -----------------------------------------------------------------------------
def headless_page(version: str) -> ScenarioResult:
    result = base()
    result.js_calls.append(JsCall(id=len(result.js_calls), fn="headless-engine", args=[version, "legacy"]))
    return result


def expected_click_context(result: ScenarioResult, observed: str) -> ScenarioResult:
    """The scenario expected originContext 'CaseAssist' on the document click (event 5); the page sent `observed`."""
    diff = FieldDiff(path="data.originContext", expected="CaseAssist", observed=observed)
    result.expectations.append(
        ExpectationResult(expected={"action": "documentSuggestionClick"}, step=5, event_index=5, diffs=[diff])
    )
    return result


def test_a_deviation_says_whose_code_it_is_and_since_when():
    result = expected_click_context(headless_page("4.0.0"), "Search")
    (finding,) = [v for v in findings(result) if v.deviation]
    assert "Headless's code, since 3.20.0, not fixed" in finding.deviation
    assert "checked in @coveo/headless 2.80.7, 3.50.1 and 4.0.0" in finding.deviation
    result = headless_page("4.0.0")
    del result.events[3].data["autoSelection"]
    (auto,) = findings(result)
    assert "Headless's code, in every release, not fixed" in auto.deviation


def test_a_release_older_than_the_deviation_does_not_excuse_the_page():
    """Headless 2.x never sent originContext 'Search' (it logged an svc suggestion_click): on a page that runs
    2.80.7, the value is the page's own doing, an error like on any page."""
    newer = expected_click_context(headless_page("3.50.1"), "Search")
    older = expected_click_context(headless_page("2.80.7"), "Search")
    assert [(v.severity, bool(v.deviation)) for v in findings(newer)] == [(Severity.warning, True)]
    assert [(v.severity, v.deviation) for v in findings(older)] == [(Severity.error, None)]


def test_headless_known_by_its_suggest_request_when_the_global_is_hidden():
    """A bundle that keeps Headless to itself (no global, no engine the JS layer saw): Headless 3.19.2 and later
    name themselves in every documents/suggest request, legacy mode included."""
    result = base()
    body = json.loads(result.requests[1].body)
    body["analytics"] = {"clientId": "x", "source": ["@coveo/headless@3.50.1"]}
    result.requests[1].body = json.dumps(body)
    found = detect(result)
    assert (found.kind, found.headless) == ("headless", "3.50.1")
    assert "documents/suggest analytics.source" in found.evidence


def test_a_run_over_several_releases_lists_each_version_once():
    def page(version: str, mode: str) -> ScenarioResult:
        result = ScenarioResult(name=version + mode, file="x.yaml")
        result.implementation = Implementation(kind="headless", headless=version, analytics_mode=mode)
        return result

    pages = [page("2.80.7", "next"), page("2.80.7", "legacy"), page("4.0.0", "legacy")]
    run = RunResult(tool_version="0", started_at="now", scenarios=pages)
    assert libraries(run) == {"@coveo/headless": "2.80.7, 4.0.0", "@coveo/headless analytics mode": "next, legacy"}
