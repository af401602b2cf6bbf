"""coveo.analytics kept under another name (a tag manager's `caLog`, the global `coveoua` removed), with Coveo's
real coveoua.js in real Chromium through the command line: the JS layer wraps the library when it is assigned, so
every call made through the alias is still seen, attributed to coveo.analytics 2.30.55, and checked."""

from __future__ import annotations

import json

import pytest

from checker.models import ScenarioResult, Severity, Status
from checker.report import read_json
from tests.helpers import cli


@pytest.fixture(scope="module")
def runs(pages_server, tmp_path_factory) -> dict[str, ScenarioResult]:
    folder = tmp_path_factory.mktemp("renamed")
    for name, query in (("clean", ""), ("overwritten", "?break=overwrite")):
        steps = [{"goto": f"/pages/renamed-coveoua.html{query}"}, {"click": "#next"}]
        (folder / f"{name}.yaml").write_text(json.dumps({"name": name, "steps": steps}))
    done = cli("run", folder, "--base-url", pages_server, "--report", folder / "report", "--no-screenshots")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # the overwritten action
    return {s.name: s for s in read_json(folder / "report" / "results.json").scenarios}


def test_calls_through_an_alias_are_seen_and_attributed(runs):
    result = runs["clean"]
    assert (result.implementation.kind, result.implementation.coveo_analytics) == ("snippet", "2.30.55")
    commands = [c.args[0] for c in result.js_calls if c.fn == "coveoua"]
    assert commands.count("send") == 2 and commands[0] == "init"
    assert [e.action for e in result.events] == ["ticket_create_start", "ticket_next_stage"]
    assert result.status == Status.passed and not result.violations, result.violations
    assert {p.outcome for p in result.reconciliation if p.level == "api"} == {"paired"}


def test_a_lost_action_behind_the_alias_is_caught(runs):
    result = runs["overwritten"]
    (found,) = [v for v in result.violations if v.rule == "action.overwritten"]
    assert found.severity == Severity.error and found.action == "ticket_field_update"
    assert "coveoua('svc:setAction', 'ticket_field_update'" in found.message
