"""One analysis path (issue 15): the same capture, analysed by the runner, by the pytest plugin's `case_assist`
fixture and by `case-assist-check report DIR` (rebuilt from the scenario's journal), gives the same results.json.

One real run of a simple scenario (tests/pages/start.html) makes the capture. Then:
- runner: the run's own results.json;
- report DIR: the run's journal without its final `result` record (as if the run had been killed just before the
  scenario's result was written), rebuilt with `rebuild()` — its requests, JS calls and steps are analysed again,
  expectations included (the scenario file is still there);
- fixture: a `CaseAssist` on a fresh context of the same browser, holding the run's capture (requests, JS calls,
  the pages' form fields and stored client ID), whose `result()` is the fixture's analysis.
Each is written with `write_reports` and the JSON files compared after `normalised()`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from checker.models import RunResult, ScenarioResult
from checker.pytest_plugin.fixture import CaseAssist
from checker.report import write_reports
from checker.report.journal import read_journal
from checker.report.rebuild import UNFINISHED, rebuild
from checker.report.run import new_run
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios

SCENARIO = """\
name: one analysis
steps:
  - goto: /pages/start.html
    expect:
      - action: ticket_create_start
  - click: "#go"
    expect:
      - action: ticket_field_update
        data: {fieldName: subject}
expect:
  - action: ticket_create_start
  - action: ticket_field_update
"""

# Fields whose value depends on when (or how long) the analysis ran, not on what it found:
# - started_at: the run's start (wall clock); report DIR takes it from the journal's header, to the second;
# - duration_s (run, scenario, step): measured times; report DIR sums its scenarios' times;
# - tool_version: not volatile, but kept as is (all three are this checkout).
VOLATILE = {"started_at", "duration_s"}


def normalised(value: Any) -> Any:
    """The JSON with every VOLATILE field (at any depth) set to None."""
    if isinstance(value, dict):
        return {k: (None if k in VOLATILE else normalised(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def results_json(run_result: RunResult, folder: Path) -> dict[str, Any]:
    write_reports(run_result, folder)
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def captured(browser, pages_server, tmp_path_factory) -> tuple[RunResult, Path]:
    folder = tmp_path_factory.mktemp("one-analysis")
    path = folder / "one-analysis.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    options = RunOptions(base_url=pages_server, report_dir=folder / "runner", screenshots=False, journal=True)
    result = run(load_scenarios([path]), options, browser=browser)
    assert result.scenarios[0].status.value == "passed", result.scenarios[0]
    return result, folder


def test_runner_and_report_dir_give_the_same_results(captured, tmp_path):
    runner, folder = captured
    by_runner = results_json(runner, tmp_path / "runner")
    (journal,) = sorted((folder / "runner" / "raw").glob("*.jsonl"))
    crashed = tmp_path / "crashed"
    (crashed / "raw").mkdir(parents=True)
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line, record in zip(lines, read_journal(journal), strict=True) if record["kind"] != "result"]
    assert len(kept) == len(lines) - 1  # the scenario's final result, and only it, is gone
    (crashed / "raw" / journal.name).write_text("".join(kept), encoding="utf-8")
    rebuilt = rebuild(crashed)
    (scenario,) = rebuilt.scenarios
    # report DIR says, by design, that the run stopped before this scenario was checked: the scenario is `error`
    # with UNFINISHED and the run `interrupted`. Those (and what follows from them: the run's status and summary)
    # are the only differences besides the volatile fields; what the journal does not hold (the pages' form fields,
    # their stored client ID and page info, read at the end of the scenario) is checked as unchanged below too.
    assert (scenario.status.value, scenario.error, rebuilt.interrupted) == ("error", UNFINISHED, True)
    original = runner.scenarios[0]
    scenario.status, scenario.error = original.status, original.error
    by_rebuild = results_json(
        new_run(
            rebuilt.scenarios,
            started_at=runner.started_at,
            duration_s=0,
            analytics_mode=runner.analytics_mode,
            base_url=runner.base_url,
            browser=runner.browser,
        ),
        tmp_path / "rebuilt",
    )
    # the analysis itself, field by field (clearer failures than the whole JSON)
    for name in ("events", "expectations", "reconciliation", "violations", "steps", "js_calls"):
        assert normalised(by_rebuild["scenarios"][0][name]) == normalised(by_runner["scenarios"][0][name]), name
    assert normalised(_without_journal_gaps(by_rebuild)) == normalised(_without_journal_gaps(by_runner))


RESPONSE_FIELDS = ("status", "response_body", "failure", "answered_locally")


def _without_journal_gaps(results: dict[str, Any]) -> dict[str, Any]:
    """The results without what a scenario's journal does not record, so report DIR cannot know it:
    - `page_fields`, `stored_client_id`, `page_info`: read from the pages once the scenario ended (report DIR keeps
      `journal_started_at` in page_info instead);
    - the requests' RESPONSE_FIELDS: a request is journaled when it leaves the page, before its response.
    (The run's `browser`, `analytics_mode`, `base_url` are not in the journal either: they are given above.) The
    analysis these feed (events, reconciliation, findings) is compared field by field before, unnormalised."""
    results = copy.deepcopy(results)
    for scenario in results["scenarios"]:
        for name in ("page_fields", "stored_client_id", "page_info"):
            scenario.pop(name, None)
        for request in scenario["requests"]:
            for name in RESPONSE_FIELDS:
                request.pop(name, None)
    return results


def test_runner_and_the_case_assist_fixture_give_the_same_results(captured, browser, tmp_path):
    runner, folder = captured
    original = runner.scenarios[0]
    by_runner = results_json(runner, tmp_path / "runner")
    options = RunOptions(base_url=runner.base_url, report_dir=tmp_path / "fixture", screenshots=False, journal=False)
    context = browser.new_context()
    try:
        page = context.new_page()
        recorder = CaseAssist(context, page, options, name=original.name, file=original.file)
        recorder.capture.requests.extend(original.requests)  # the run's capture, as the fixture would have it
        recorder.js.calls.extend(original.js_calls)
        recorder.js.page_fields.update(original.page_fields)
        recorder._state.update(original.page_info, visitorId=original.stored_client_id)
        analysed = recorder.result()
    finally:
        context.close()
    # A Python test has no YAML steps or scenario expectations: the fixture's result has none. They are given the
    # runner's, and the scenario's expectation results too, so that the rest of the JSON — events, reconciliation,
    # findings, verdict, summary, coverage — must come out the same from both paths.
    assert analysed.steps == [] and analysed.expectations == []
    analysed = ScenarioResult.model_validate(
        {
            **analysed.model_dump(),
            "steps": original.steps,
            "expectations": original.expectations,
            "expected_search_hub": original.expected_search_hub,
            "duration_s": original.duration_s,
            "trace": original.trace,
            "attempts": original.attempts,
        }
    )
    by_fixture = results_json(
        new_run(
            [analysed],
            started_at=runner.started_at,
            duration_s=runner.duration_s,
            analytics_mode=runner.analytics_mode,
            base_url=runner.base_url,
            browser=runner.browser,
        ),
        tmp_path / "fixture",
    )
    # The fixture keeps only non-empty page info (the driver's `page_errors` / `console_errors` are there even when
    # empty): empty values are left out on both sides.
    for results in (by_fixture, by_runner):
        info = results["scenarios"][0]["page_info"]
        results["scenarios"][0]["page_info"] = {k: v for k, v in info.items() if v}
    for name in (
        "events",
        "reconciliation",
        "violations",
        "status",
        "requests",
        "js_calls",
        "page_fields",
        "stored_client_id",
        "page_info",
    ):
        assert normalised(by_fixture["scenarios"][0][name]) == normalised(by_runner["scenarios"][0][name]), name
    assert normalised(by_fixture) == normalised(by_runner)
