"""The report a release manager signs off on: filters, key numbers, coverage, the diff against a baseline and
the trend over a history, traces, and that it works offline from file:// (styles and script really applied)."""

from __future__ import annotations

import io
import json

import junitparser
import pytest
from rich.console import Console

from checker.report import read_json, write_reports
from checker.report.analysis import annotate, load_history, remember
from checker.report.console import print_summary
from tests import helpers
from tests.conftest import DEMO_SCENARIOS
from tests.helpers import open_report


@pytest.fixture(scope="module")
def regression(clean_demo, broken_demo):
    """The broken run compared with the clean one: a seeded regression."""
    run = broken_demo.run.model_copy(deep=True)
    annotate(run, baseline=clean_demo.run)
    return run, broken_demo.report_dir


def test_styles_and_script_apply_offline(page, broken_demo):
    open_report(page, write_reports(broken_demo.run, broken_demo.report_dir))
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 246, 249)"
    assert "serif" not in page.evaluate("getComputedStyle(document.body).fontFamily").replace("sans-serif", "")
    assert page.locator("#filter-status").inner_text().endswith("finding(s) shown")  # the inline script ran


def test_filters_by_severity_and_action(page, broken_demo):
    open_report(page, write_reports(broken_demo.run, broken_demo.report_dir))
    findings = page.locator(".finding")
    total = findings.count()
    warnings = page.locator(".finding.sev-warning").count()
    assert total > warnings > 0
    page.get_by_label("error", exact=True).uncheck()
    assert page.locator(".finding:visible").count() == warnings
    page.get_by_label("error", exact=True).check()
    page.get_by_label("Action").select_option("ticket_create")
    visible = page.locator(".finding:visible")
    assert visible.count() >= 1 and all(
        a == "ticket_create" for a in visible.evaluate_all("els => els.map(e => e.dataset.action)")
    )
    assert page.locator(".events-table tr[data-action='ticket_create_start']:visible").count() == 0
    page.get_by_label("Action").select_option("")
    assert page.locator(".finding:visible").count() == total


def test_keyboard_reaches_and_toggles_the_filter(page, broken_demo):
    open_report(page, write_reports(broken_demo.run, broken_demo.report_dir))
    box = page.get_by_label("warning", exact=True)
    box.focus()
    page.keyboard.press("Space")
    assert not box.is_checked() and page.locator(".finding.sev-warning:visible").count() == 0
    assert page.evaluate("document.activeElement.value") == "warning"


def test_key_numbers_coverage_and_metadata(page, clean_demo):
    open_report(page, write_reports(clean_demo.run, clean_demo.report_dir))
    assert page.locator("#count-passed").inner_text() == "3"
    assert "coveo.analytics 2.30.55" in page.locator("#libraries").inner_text()
    row = page.locator("#coverage-table tr[data-action='ticket_classification_click']")
    assert "covered" in row.inner_text() and "✓ autoSelection" in row.inner_text()
    assert "not exercised" in page.locator("#coverage-table tr[data-action='suggestion_click']").inner_text()
    assert page.locator("img:not([alt])").count() == 0 and page.locator("html[lang=en]").count() == 1
    assert page.locator("h1").count() == 1 and page.locator("h2").count() >= 5


def test_baseline_diff_in_report_and_summary(page, regression):
    run, folder = regression
    comparison = run.comparison
    assert comparison.regressed and len(comparison.new_findings) >= 10 and comparison.fixed_findings == []
    assert {(c.scenario, c.before.value, c.after.value) for c in comparison.status_changes} == {
        (s.name, "passed", "failed") for s in run.scenarios
    }
    disappeared = {(c.action, c.change) for c in comparison.event_changes}
    assert ("ticket_next_stage", "disappeared") in disappeared and ("suggestion_click", "appeared") in disappeared
    open_report(page, write_reports(run, folder))
    assert page.locator("#new-findings-count").inner_text() == str(len(comparison.new_findings))
    assert page.locator(".status-changes li").count() == 3
    out = io.StringIO()
    print_summary(Console(file=out, width=200), run, None)
    assert "Since the run of" in out.getvalue() and "passed → failed" in out.getvalue()


def test_history_keeps_runs_and_draws_the_trend(page, clean_demo, broken_demo, tmp_path):
    for hour, result in enumerate((clean_demo.run, clean_demo.run, broken_demo.run)):  # the broken one is the latest
        remember(
            result.model_copy(update={"started_at": f"2026-11-2{hour}T02:00:00+00:00"}), tmp_path / "history", keep=2
        )
    kept = load_history(tmp_path / "history")
    assert len(kept) == 2 and kept[-1].status.value == "failed"
    current = clean_demo.run.model_copy(deep=True)
    annotate(current, history=kept)
    assert [p.status.value for p in current.history] == ["passed", "failed", "passed"]
    assert current.comparison is not None and current.comparison.fixed_findings  # fixed since the broken run
    open_report(page, write_reports(current, clean_demo.report_dir))
    assert page.locator("svg.trend rect").count() == 3  # one bar segment per run (all one status each)
    assert page.locator("svg.trend polyline").count() == 2


def test_cli_baseline_trace_and_junit(demo_server, tmp_path):
    def cli(*args):  # a bare environment: the run needs no variable of this one
        return helpers.cli(*args, base_env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    scenario = DEMO_SCENARIOS / "03-quit-from-review.yaml"
    first = cli(
        "run", scenario, "--base-url", demo_server.base_url, "--report", tmp_path / "a", "--trace", "retain-on-failure"
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert not (tmp_path / "a" / "traces").exists() or not any((tmp_path / "a" / "traces").iterdir())
    second = cli(
        "run",
        scenario,
        "--base-url",
        demo_server.base_url + "/broken",
        "--report",
        tmp_path / "b",
        "--baseline",
        tmp_path / "a" / "results.json",
        "--trace",
        "on",
        "--expect-timeout",
        "1",
    )
    assert second.returncode == 1 and "Since the run of" in second.stdout and "passed → failed" in second.stdout
    data = json.loads((tmp_path / "b" / "results.json").read_text())
    trace = data["scenarios"][0]["trace"]
    assert trace and (tmp_path / "b" / trace).stat().st_size > 10_000
    assert data["comparison"]["new_findings"] and read_json(tmp_path / "b" / "results.json").comparison.regressed
    suites = junitparser.JUnitXml.fromfile(str(tmp_path / "b" / "junit.xml"))
    (case,) = [c for s in suites for c in s]
    assert case.name == "Quit from the review stage" and isinstance(case.result[0], junitparser.Failure)
    assert "event.type" in case.result[0].text
