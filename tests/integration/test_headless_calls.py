"""A Headless analytics action that fails inside the page, with Coveo's real Headless (case-assist bundle 4.0.0) in
real Chromium, through the command line: tests/pages/headless-calls.html logs a classification click itself with
`logClassificationClick(id)`; `?by=value` passes the chip's value instead of the suggestion's ID, Headless cannot
find it, the thunk is rejected and ticket_classification_click is never sent."""

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
    for name, query in (("broken", "?by=value"), ("clean", "")):
        steps = [{"goto": f"/pages/headless-calls.html{query}"}, {"click": "#chips .chip >> nth=0"}, {"wait": 300}]
        (folder / f"{name}.yaml").write_text(json.dumps({"name": name, "steps": steps}))
    done = cli("run", folder, "--base-url", pages_server, "--report", folder / "report", "--no-screenshots")
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
    assert [e.action for e in result.events].count("ticket_classification_click") == 1
    assert not [v for v in result.violations if v.severity == Severity.error], result.violations
    assert {v.rule for v in result.violations} <= {"payload.required-action-fields"}  # Headless' own, labelled
    assert all(v.deviation for v in result.violations)
