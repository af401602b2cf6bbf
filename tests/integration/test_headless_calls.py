"""Coveo's real Headless case-assist bundles (4.0.0, and 2.80.7 for the previous major) in real Chromium, through
the command line: tests/pages/headless-calls.html logs a classification click and a document click itself
(`logClassificationClick(id)`, `logDocumentSuggestionClick(uniqueId)`).

- `?by=value` passes the chip's value instead of the suggestion's ID: Headless cannot find it, the thunk is
  rejected and ticket_classification_click is never sent (a call that fails inside the page);
- `?v=2` runs the same page on Headless 2.80.7, whose bundled coveo.analytics logs a document click as the
  deprecated svc suggestion_click: a deviation attributed to that version, fixed in 3.20.0 (library attribution
  by version); with `&mode=next` it sends the Event Protocol's pre-release types (caseAssist.start, …), fixed in
  3.2.0. 2.x calls the organization's production hosts; the run maps the Customer Service API's with --map-host;
- `?load=bundled` includes the bundle as a bundler does (CommonJS in a function scope): no global for the JS layer
  to wrap, yet the page is still identified as Headless 4.0.0 and its deviations attributed;
- `?analytics=off` builds the engine with its analytics turned off, `?consent=click` turns them off until the
  visitor's first click: Headless runs every analytics action and sends nothing meanwhile."""

from __future__ import annotations

import json

import pytest

from checker.models import ScenarioResult, Severity, Status
from checker.report import read_json
from tests.helpers import cli

CLICK = "analytics/caseAssist/classification/click"


@pytest.fixture(scope="module")
def runs(pages_server, tmp_path_factory) -> dict[str, ScenarioResult]:
    folder = tmp_path_factory.mktemp("headless-calls")
    for name, query in (
        ("broken", "?by=value"),
        ("clean", ""),
        ("headless-2", "?v=2"),
        ("headless-2-next", "?v=2&mode=next"),
        ("bundled", "?load=bundled"),
        ("analytics-off", "?analytics=off"),
        ("consent-on-click", "?consent=click"),
    ):
        steps = [
            {"goto": f"/pages/headless-calls.html{query}"},
            {"click": "#chips .chip >> nth=0"},
            {"click": "#documents .document >> nth=0"},
            {"wait": 300},
        ]
        if name == "consent-on-click":
            steps[0]["expect"] = [{"action": "ticket_create_start"}]  # logged before the consent: lost
        (folder / f"{name}.yaml").write_text(json.dumps({"name": name, "steps": steps}))
    done = cli(
        "run",
        folder,
        "--base-url",
        pages_server,
        "--map-host",
        f"demoorg.org.coveo.com={pages_server}",
        "--report",
        folder / "report",
        "--no-screenshots",
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # the broken page's finding
    return {s.name: s for s in read_json(folder / "report" / "results.json").scenarios}


def test_a_rejected_headless_action_is_an_error_naming_the_lost_event(runs):
    result = runs["broken"]
    assert result.status == Status.failed and result.implementation.headless == "4.0.0"
    (found,) = [v for v in result.violations if v.rule == "page.call-failed"]
    assert found.severity == Severity.error and found.action == "ticket_classification_click"
    assert CLICK in found.message and "Classification with ID 'Electrical' could not be found" in found.message
    assert "ticket_classification_click was not sent" in found.message and "not its value" in found.hint
    # the rejected action asked for nothing: not also reported as called but never sent, and not waited for
    assert "reconcile.called-not-sent" not in {v.rule for v in result.violations}
    assert "ticket_classification_click" not in [e.action for e in result.events]
    assert result.duration_s < 4, result.duration_s


def test_the_same_call_with_the_suggestion_id_logs_the_click(runs):
    result = runs["clean"]
    assert [(e.action, e.transport) for e in result.events][2:] == [
        ("ticket_classification_click", "collect"),
        ("documentSuggestionClick", "click"),
    ]
    assert not [v for v in result.violations if v.severity == Severity.error], result.violations
    assert {v.rule for v in result.violations} <= {"payload.required-action-fields"}  # Headless' own, labelled
    assert all(v.deviation for v in result.violations)


def test_headless_2_deviations_are_attributed_to_its_version(runs):
    """2.80.7's bundled coveo.analytics logs the document click as the deprecated svc action suggestion_click: the
    page cannot change it, so the finding names the release and the one that fixed it."""
    result = runs["headless-2"]
    assert (result.implementation.headless, result.implementation.analytics_mode) == ("2.80.7", "legacy")
    assert [(e.action, e.transport) for e in result.events][2:] == [
        ("ticket_classification_click", "collect"),
        ("suggestion_click", "collect"),
    ]
    (deprecated,) = [v for v in result.violations if v.rule == "action.deprecated"]
    assert deprecated.severity == Severity.warning
    assert deprecated.deviation.startswith("@coveo/headless 2.80.7: a document suggestion click or quick view")
    assert "before 3.20.0, which fixes it" in deprecated.deviation and "3.20.0 and later do not" in deprecated.hint
    # the Headless action is paired with the svc event 2.x sends: not "called but not sent", nor "sent without call"
    assert not [v for v in result.violations if v.rule.startswith("reconcile.")]
    assert result.status == Status.passed and all(v.deviation for v in result.violations)


def test_headless_2_next_mode_sends_pre_release_types_attributed_to_its_version(runs):
    """2.80.7 in next mode sends caseAssist.start, caseAssist.selectFieldClassification…: decoded to the same actions
    (a scenario reads the same), reported once as the library's, with the release that sends the published types."""
    result = runs["headless-2-next"]
    assert (result.implementation.headless, result.implementation.analytics_mode) == ("2.80.7", "next")
    assert [(e.action, e.data["ep_type"]) for e in result.events] == [
        ("ticket_create_start", "caseAssist.start"),
        ("ticket_field_update", "caseAssist.updateField"),
        ("ticket_classification_click", "caseAssist.selectFieldClassification"),
        ("documentSuggestionClick", "caseAssist.documentSuggestionClick"),
    ]
    (types,) = [v for v in result.violations if v.rule == "event.type"]
    assert "(and 3 more events)" in types.message and "CaseAssist.SelectFieldClassification" in types.message
    assert (
        types.deviation.startswith("@coveo/headless 2.80.7: in next mode")
        and "before 3.2.0, which fixes it" in types.deviation
    )
    (click,) = [v for v in result.violations if v.rule == "causal.document-click"]  # 2.x names it by uniqueId only
    assert click.severity == Severity.warning and click.deviation == types.deviation
    # Headless' own statement that next mode does not serve Case Assist stays the one error; every action paired
    assert [v.rule for v in result.violations if v.severity == Severity.error] == ["library.analytics-mode"]
    assert not [v for v in result.violations if v.rule.startswith("reconcile.")]


def test_a_headless_bundle_that_hides_its_global_is_still_attributed(runs):
    """No window.CoveoHeadlessCaseAssist, no engine seen being built: the version comes from the `analytics.source`
    Headless puts in its documents/suggest requests, the mode from what it sent, and the deviations are its own."""
    result = runs["bundled"]
    found = result.implementation
    assert (found.kind, found.headless, found.analytics_mode) == ("headless", "4.0.0", "legacy")
    assert found.evidence == ["documents/suggest analytics.source"] and found.headless_source is None
    assert not [c for c in result.js_calls if c.fn.startswith("headless")]  # the JS layer saw no engine
    assert [e.action for e in result.events][2:] == ["ticket_classification_click", "documentSuggestionClick"]
    assert result.status == Status.passed and result.violations
    assert all(v.deviation and v.deviation.startswith("@coveo/headless 4.0.0") for v in result.violations)


def test_an_engine_with_its_analytics_turned_off_is_one_error_naming_what_it_lost(runs):
    result = runs["analytics-off"]
    assert result.events == [] and result.status == Status.failed
    (found,) = result.violations  # one cause, said once: not also every action as called but never sent
    assert found.rule == "library.analytics-off" and found.severity == Severity.error
    lost = "ticket_create_start, ticket_field_update, ticket_classification_click, documentSuggestionClick"
    assert f"ran 4 analytics action(s) ({lost}), the first during step #1" in found.message
    assert "enabled: false" in found.hint and "engine.enableAnalytics()" in found.hint
    causes = {p.cause for p in result.reconciliation if p.outcome == "called_not_sent"}
    assert causes == {"the engine's analytics are turned off: Headless ran the action and sent nothing"}


def test_analytics_turned_on_at_the_first_click_lose_only_what_came_before(runs):
    result = runs["consent-on-click"]
    assert [e.action for e in result.events] == ["ticket_classification_click", "documentSuggestionClick"]
    (found,) = [v for v in result.violations if v.rule == "library.analytics-off"]
    assert "ran 2 analytics action(s) (ticket_create_start, ticket_field_update)" in found.message
    assert "reconcile.called-not-sent" not in {v.rule for v in result.violations}
    # the expected start, and the flow's first event, point at the loss rather than at the page's call
    (missing,) = [v for v in result.violations if v.rule == "scenario.expected-event"]
    assert "the page asked for it during step #1" in missing.message and "analytics are turned off" in missing.message
    (start,) = [v for v in result.violations if v.rule == "flow.starts-with-start"]
    assert "the page's own call is right" in missing.hint and "the page's own call is right" in start.hint
