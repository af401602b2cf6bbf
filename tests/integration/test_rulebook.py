"""The rulebook corpus: every rule, broken by a real page and kept by a clean one, in real Chromium.

The page is tests/pages/rules/clean.html: a Case Assist form that calls the test server's Customer Service API
(classify, documents/suggest) and logs its events with Coveo's real coveoua.js (coveo.analytics 2.30.55).
`clean.html?break=<key>` switches on one realistic instrumentation bug from the table in
tests/pages/rules/rulebook.js; BREAKS below says, for each key, which finding the checker must report.

All scenarios run in ONE run of the command line (`case-assist-check run`, one browser, a fresh context each),
shared by the module; the results are read back from the report's results.json. Rules that need a
browser situation rather than a payload (a blocked library, a failing collector, Headless in next mode…) are
covered by the existing tests named in ELSEWHERE; `test_every_rule_is_covered` keeps both maps complete.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from checker.check.rules import all_rules
from checker.decode.service_api import index_service_api
from checker.models import ScenarioResult, Severity, Status
from checker.report import read_json
from tests.helpers import cli

PAGE = "/pages/rules/clean.html"
SUBJECT = "GC110 breaker tripped"  # the first answers rank the documents otherwise than the second
DESCRIPTION = "My GC110 electrical panel is cutting off intermittently"
SERIAL = "GC110-4471"
CASE_ID = "5003000000D8cuI"
CLICKS = ("documentSuggestionClick", "documentSuggestionQuickview")


def expect(action: str, **fields: Any) -> dict[str, Any]:
    return {"action": action, **fields}


# The two user journeys: (step, the events it must cause). Only the clean scenarios (and the one breaking
# scenario.expected-event) carry the expectations; the other breaking scenarios would fail them on purpose.
CREATE_FLOW: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    ({"goto": PAGE}, [expect("ticket_create_start", event_type="flowStart", ticket={"custom": {"channel": "web"}})]),
    (
        {"fill": {"selector": "#subject", "value": SUBJECT}},
        [expect("ticket_field_update", data={"fieldName": "subject"}, ticket={"subject": SUBJECT})],
    ),
    (  # typed key by key: a page that logs on every keystroke shows it (flow.field-update-noise)
        {"fill": {"selector": "#description", "value": DESCRIPTION, "keystrokes": True}},
        [expect("ticket_field_update", data={"fieldName": "description"}, ticket={"description": DESCRIPTION})],
    ),
    ({"wait_for": "#suggestions[data-round='2'] li"}, []),  # the answers to the last refresh are shown
    (
        {"click": "#classifications .prediction >> nth=0"},
        [
            expect(
                "ticket_classification_click",
                data={"fieldName": "category", "classification": {"value": "Electrical"}, "autoSelection": False},
                ticket={"category": "Electrical"},
            )
        ],
    ),
    (
        {"click": "#suggestions li:nth-child(1) .rate"},
        [expect("suggestion_rate", data={"rate": 1, "suggestion": {"documentPosition": 1}})],
    ),
    (
        {"click": "#suggestions li:nth-child(2) .open"},
        [expect("documentSuggestionClick", data={"documentPosition": 2, "contentIDKey": "permanentid"})],
    ),
    (
        {"click": "#suggestions li:nth-child(1) .quickview"},
        [expect("documentSuggestionQuickview", data={"documentPosition": 1, "originContext": "CaseAssist"})],
    ),
    (
        {"fill": {"selector": "#serial", "value": SERIAL}},
        [
            expect(
                "ticket_field_update", data={"fieldName": "serialNumber"}, ticket={"custom": {"serialNumber": SERIAL}}
            )
        ],
    ),
    ({"click": "#next"}, [expect("ticket_next_stage", ticket={"category": "Electrical"})]),
    ({"click": "#submit"}, [expect("ticket_create", ticket={"id": CASE_ID, "subject": SUBJECT})]),
    ({"wait_for": "#confirmation"}, []),
]
CANCEL_FLOW: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    ({"goto": PAGE}, [expect("ticket_create_start", event_type="flowStart")]),
    (
        {"fill": {"selector": "#subject", "value": SUBJECT}},
        [expect("ticket_field_update", data={"fieldName": "subject"})],
    ),
    (
        {"click": "#suggestions li:nth-child(1) .open"},
        [expect("documentSuggestionClick", data={"documentPosition": 1})],
    ),
    ({"click": "#cancel"}, [expect("ticket_cancel", data={"reason": "Quit"})]),
    ({"wait_for": "#cancelled"}, []),
]
FLOWS = {"create": CREATE_FLOW, "cancel": CANCEL_FLOW}
CLEAN = {"create": "clean", "cancel": "clean/cancel"}  # scenario names of the clean runs
CONFIRMATION_PAGE = "clean/confirmation-page"  # the create flow, ending on a page of its own


@dataclass(frozen=True)
class Break:
    """One `?break=` key of rulebook.js and the finding it must produce."""

    key: str  # '<rule id>' or '<rule id>/<variant>'
    action: str | None  # the action of the event the finding points at (None: no event, e.g. a request)
    field: str | None = None  # the finding's field, when the rule names one
    severity: Severity = Severity.error
    flow: str = "create"
    also: frozenset[str] = frozenset()  # other rules the same defect rightly trips
    search_hub: str | None = None  # the scenario's expected search hub
    with_expectations: bool = False
    forbid: dict[str, Any] | None = None  # an event the scenario says must not happen (expect_none)

    @property
    def rule(self) -> str:
        return self.key.split("/")[0]


BREAKS = [
    Break("payload.required-action-fields", "ticket_classification_click", "autoSelection"),
    Break(
        "payload.required-action-fields/origin-context", "documentSuggestionClick", "originContext", Severity.warning
    ),
    Break("payload.required-ticket-fields", "ticket_create", "ticket.id"),
    Break("payload.field-type", "ticket_classification_click", "autoSelection"),
    # a 0-based position is also a position the API did not give the document
    Break(
        "payload.field-type/position",
        "documentSuggestionQuickview",
        "documentPosition",
        also=frozenset({"causal.suggestion", "causal.document-click"}),
    ),
    Break("payload.field-type/rate", "suggestion_rate", "rate"),
    Break("payload.allowed-value", "ticket_cancel", "reason", flow="cancel"),
    Break("payload.deprecated-field", "suggestion_rate", "suggestion.documentUriHash", Severity.warning),
    Break(
        "payload.deprecated-field/from-quickview",
        "suggestion_click",
        "suggestion.fromQuickview",
        Severity.warning,
        also=frozenset({"action.deprecated"}),
    ),
    Break("event.type", "ticket_create_start", "event_type"),
    Break("event.transport", "documentSuggestionClick"),
    Break("action.unknown", "ticket_next_step"),
    Break("action.deprecated", "suggestion_click", severity=Severity.warning),
    Break("action.missing", None),
    # the first request carries the second log's action and ticket, the second none: not what the page passed
    Break("action.missing/same-task", None, also=frozenset({"reconcile.changed-in-transit"})),
    Break("causal.classification", "ticket_classification_click", "classificationId"),
    Break("causal.classification/stale-response", "ticket_classification_click", "responseId"),
    Break("causal.suggestion", "suggestion_rate", "suggestionId"),
    Break("causal.document-click", "documentSuggestionClick", "searchQueryUid"),
    Break("causal.field-name", "ticket_field_update", "fieldName"),
    Break("ticket.updated-field", "ticket_field_update", "ticket.subject"),
    Break("flow.starts-with-start", "ticket_field_update"),
    Break("flow.ends-once", "ticket_next_stage"),
    Break("flow.ends-once/create-and-cancel", "ticket_cancel"),
    # a new client ID mid-flow also leaves the first events with an ID that is no longer the stored one
    Break("flow.single-client-id", "ticket_create", "client_id", also=frozenset({"flow.client-id-stored"})),
    Break("flow.client-id-stored", "ticket_create_start", "client_id"),
    Break("flow.search-hub", "documentSuggestionClick", "search_hub"),
    Break("flow.search-hub/missing", "ticket_next_stage", "search_hub", Severity.warning),
    Break("flow.search-hub/unexpected", "ticket_create_start", "search_hub", search_hub="support_hub"),
    Break("scenario.expected-event", "ticket_next_stage", with_expectations=True),
    # nobody types a category in this scenario: a field update for it must not happen
    Break(
        "scenario.unexpected-event",
        "ticket_field_update",
        forbid=expect("ticket_field_update", data={"fieldName": "category"}),
    ),
    # what only the page's lifecycle shows
    Break("action.overwritten", "ticket_next_stage"),
    # the send that follows carries no action: the same defect, seen on the wire
    Break("page.call-failed", None, also=frozenset({"action.missing"})),
    # the handler threw before logging: the expected ticket_next_stage never came, so the exception is an error
    Break("page.uncaught-error", None, with_expectations=True, also=frozenset({"scenario.expected-event"})),
    Break("flow.started-twice", "ticket_create_start"),
    Break("flow.field-update-noise", "ticket_field_update", "fieldName", Severity.warning),
    Break("flow.client-id-sources", None, "clientId"),
    Break("transport.cancelled-by-navigation", "ticket_create"),
    Break("transport.decodable", None),
    Break("transport.endpoint", None),
    Break("library.snippet-renamed", None),
    Break("transport.organization", "ticket_create_start"),
]

# Rules whose breaking case needs a browser situation rather than a payload: the existing real-browser tests
# that break them, and the ones where the same kind of page keeps them (module::function of tests/integration).
ELSEWHERE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reconcile.called-not-sent": (
        ("test_capture::test_library_never_loaded",),
        ("test_capture::test_clean_page_pairs_every_call",),
    ),
    "reconcile.sent-without-call": (
        ("test_capture::test_sent_without_a_call",),
        ("test_capture::test_clean_page_pairs_every_call",),
    ),
    "reconcile.changed-in-transit": (
        ("test_capture::test_values_changed_in_transit",),
        ("test_capture::test_clean_page_pairs_every_call",),
    ),
    "flow.duplicate-event": (
        ("test_capture::test_duplicate_event",),
        ("test_capture::test_clean_page_pairs_every_call",),
    ),
    "transport.delivered": (
        ("test_analytics_modes::test_pass_mode_reports_rejected_requests",),
        ("test_analytics_modes::test_pass_mode_delivers_to_the_collector",),
    ),
    "transport.service-api": (
        ("test_quantic::test_an_unknown_case_assist_id_is_reported",),
        ("test_quantic::test_clean_page_keeps_the_service_api_rule",),
    ),
    "page.call-swallowed": (
        ("test_coveoua_wrapped::test_a_consent_gate_that_drops_calls_is_named_as_the_cause",),
        ("test_coveoua_wrapped::test_a_wrapper_that_passes_calls_on_changes_nothing",),
    ),
    "library.analytics-off": (
        ("test_headless_calls::test_an_engine_with_its_analytics_turned_off_is_one_error_naming_what_it_lost",),
        ("test_headless_calls::test_the_same_call_with_the_suggestion_id_logs_the_click",),
    ),
    "library.analytics-mode": (
        ("test_demo_variants::test_headless_next_variant",),
        ("test_demo_variants::test_headless_legacy_variant",),
    ),
}


# --- the run ----------------------------------------------------------------------------------------------------
def scenario(
    name: str,
    flow: str,
    query: str = "",
    with_expectations: bool = True,
    search_hub: str | None = None,
    forbid: dict[str, Any] | None = None,
) -> dict[str, Any]:
    steps = []
    for step, events in FLOWS[flow]:
        step = json.loads(json.dumps(step))
        if "goto" in step:
            step["goto"] += query
        if with_expectations and events:
            step["expect"] = events
        steps.append(step)
    return {
        "name": name,
        **({"search_hub": search_hub} if search_hub else {}),
        "steps": steps,
        **({"expect_none": [forbid]} if forbid else {}),
    }


def all_scenarios() -> list[dict[str, Any]]:
    clean = [scenario(CLEAN[flow], flow) for flow in FLOWS]
    clean.append(scenario(CONFIRMATION_PAGE, "create", "?confirm=page"))
    broken = [scenario(b.key, b.flow, f"?break={b.key}", b.with_expectations, b.search_hub, b.forbid) for b in BREAKS]
    return clean + broken


@pytest.fixture(scope="module")
def rulebook(pages_server, tmp_path_factory) -> dict[str, ScenarioResult]:
    """Every scenario of the corpus in one run of the command line, as a user runs it; results by scenario name,
    read back from the report's results.json."""
    folder = tmp_path_factory.mktemp("rulebook")
    paths = []
    for index, item in enumerate(all_scenarios()):
        path = folder / f"{index:02d}.yaml"
        path.write_text(json.dumps(item, indent=1))  # JSON is YAML
        paths.append(path)
    report = folder / "report"
    done = cli(
        "run",
        *paths,
        "--base-url",
        pages_server,
        "--report",
        report,
        "--no-screenshots",
        "--expect-timeout",
        "1",
        timeout=900,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # findings, and nothing worse
    result = read_json(report / "results.json")
    return {s.name: s for s in result.scenarios}


def describe(result: ScenarioResult) -> str:
    events = [(e.index, e.action, e.step) for e in result.events]
    findings = [(v.rule, v.severity.value, v.action, v.field, v.message) for v in result.violations]
    return f"{result.name}: error={result.error}\nevents={events}\nfindings={findings}"


# --- the clean page ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flow", list(FLOWS))
def test_clean_flow_has_no_findings(rulebook, flow):
    result = rulebook[CLEAN[flow]]
    assert result.status == Status.passed and not result.violations, describe(result)
    assert all(x.matched for x in result.expectations) and len(result.expectations) == sum(
        len(e) for _, e in FLOWS[flow]
    )
    # the events are the expected ones, each caused by its own step
    assert [(e.action, e.step) for e in result.events] == [
        (x["action"], i) for i, (_, events) in enumerate(FLOWS[flow]) for x in events
    ]
    # every event paired with the coveoua calls that asked for it, all with the one stored client ID
    assert {p.outcome for p in result.reconciliation} == {"paired"}
    assert {e.client_id for e in result.events} == {result.stored_client_id} and result.stored_client_id
    # the causal rules had something to check: real API answers, whose IDs the events carry
    index = index_service_api(result.requests)
    assert index.classifications and index.suggestions
    for event in result.events:
        if event.action in CLICKS:
            assert event.data["searchQueryUid"] in index.suggestions and event.transport == "click"
        if event.action == "ticket_classification_click":
            assert event.data["classificationId"] in {p.id for p in index.classifications[event.data["responseId"]]}
    assert {"subject", "description", "category", "serialNumber"} <= set(result.page_fields)


def test_clean_page_that_navigates_after_its_send(rulebook):
    """The confirmation is a page of its own, opened once coveoua's send is answered (the checker answers as late
    as the cloud does): nothing is cancelled, and the run is clean."""
    result = rulebook[CONFIRMATION_PAGE]
    assert result.status == Status.passed and not result.violations, describe(result)
    create = next(e for e in result.events if e.action == "ticket_create")
    request = next(r for r in result.requests if r.id == create.request_id)
    assert request.failure is None and request.status == 200 and request.resource_type == "fetch"
    assert result.steps[-1].url and result.steps[-1].url.split("?")[0].endswith("/confirmation.html")


def test_clean_create_flow_uses_the_latest_answers(rulebook):
    """Two refreshes (subject, then description): the events carry the IDs of the second answers."""
    result = rulebook[CLEAN["create"]]
    api = [r for r in result.requests if r.kind == "service_api"]
    assert sorted(r.url.rsplit("/", 1)[-1] for r in api) == ["classify", "classify", "suggest", "suggest"]
    latest = {
        r.url.rsplit("/", 1)[-1]: json.loads(r.response_body)["responseId"]
        for r in api
        if "description" in json.loads(r.body)["fields"]
    }  # the second round asked with both fields
    by_action = {e.action: e for e in result.events}
    assert by_action["ticket_classification_click"].data["responseId"] == latest["classify"]
    assert by_action["suggestion_rate"].data["responseId"] == latest["suggest"]
    assert by_action["documentSuggestionClick"].data["searchQueryUid"] == latest["suggest"]


# --- one page per rule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bug", BREAKS, ids=[b.key for b in BREAKS])
def test_breaking_page_is_found(rulebook, bug):
    result = rulebook[bug.key]
    assert result.error is None, describe(result)
    found = [v for v in result.violations if v.rule == bug.rule]
    assert found, describe(result)
    assert any(v.action == bug.action and v.field == bug.field and v.severity == bug.severity for v in found), describe(
        result
    )
    # that defect and nothing else: no other rule fires (save those the same defect rightly trips)
    assert {v.rule for v in result.violations} == {bug.rule} | bug.also, describe(result)
    errors = {v.rule for v in result.violations if v.severity == Severity.error}
    also_errors = {r.id for r in all_rules() if r.id in bug.also and r.severity == Severity.error}
    assert errors == ({bug.rule} if bug.severity == Severity.error else set()) | also_errors, describe(result)
    assert result.status == (Status.failed if errors else Status.passed)


# --- the corpus is complete -------------------------------------------------------------------------------------
def _test_source(name: str) -> str:
    """The named test's source, read from its file: importing a module that skips itself (Quantic without its
    sources) would skip this check too."""
    module, function = name.split("::")
    text = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    match = re.search(rf"^def {function}\(.*?(?=^\S)", text + "\nEND", flags=re.M | re.S)
    assert match, f"no test {name}"
    return match.group(0)


@pytest.mark.no_browser
def test_every_rule_is_covered():
    ids = {r.id for r in all_rules()}
    here = {b.rule for b in BREAKS}
    missing = ids - here - set(ELSEWHERE)
    assert not missing, f"rules without a breaking real-browser test: {sorted(missing)}"
    assert not (here | set(ELSEWHERE)) - ids, "tests for rules that no longer exist"
    assert not here & set(ELSEWHERE), "a rule is covered twice"
    for rule_id, (breaking, keeping) in ELSEWHERE.items():
        assert breaking and keeping, rule_id
        for name in breaking:  # the named test exists and asserts that very rule
            assert rule_id in _test_source(name), (rule_id, name)
        for name in keeping:
            _test_source(name)


def test_every_break_of_the_page_is_tested():
    """rulebook.js and BREAKS list the same keys: a breakage nobody checks is dead weight."""
    source = (Path(__file__).resolve().parents[1] / "pages" / "rules" / "rulebook.js").read_text()
    table = source[source.index("const BREAKS = {") : source.index("\n  };\n")]
    assert set(re.findall(r"^    '([^']+)':", table, flags=re.M)) == {b.key for b in BREAKS}
