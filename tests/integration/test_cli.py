"""The command line end to end: exit codes, artefacts, and what the user reads. Real site, real Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import time

import junitparser
import pytest

from tests.conftest import DEMO_SCENARIOS, ROOT
from tests.helpers import CLI, cli, closed_port


@pytest.mark.no_browser
def test_version_and_help():
    out = cli("--version")
    assert out.returncode == 0 and out.stdout.startswith("case-assist-check ")
    out = cli("--help")
    assert out.returncode == 0 and all(c in out.stdout for c in ("run", "demo", "serve-demo", "setup", "rules"))


def test_run_clean_demo_writes_every_artefact(demo_server, tmp_path):
    report = tmp_path / "r"
    out = cli(
        "run",
        DEMO_SCENARIOS,
        "--base-url",
        demo_server.base_url,
        "--report",
        report,
        "--json",
        tmp_path / "out.json",
        "--junit",
        tmp_path / "junit.xml",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "CONFORMS: 3 passed, 0 failed, 0 errored" in out.stdout
    assert f"Report: {report / 'index.html'}" in out.stdout
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["schema_version"] == 1 and data["summary"]["passed"] == 3
    scenario = data["scenarios"][0]
    assert set(scenario) >= {"name", "file", "status", "duration_s", "events", "violations"}
    assert set(scenario["events"][0]) >= {
        "index",
        "action",
        "protocol",
        "event_type",
        "client_id",
        "search_hub",
        "data",
        "ticket",
        "step",
        "url",
    }
    suite = junitparser.JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    cases = [case for s in suite for case in s]
    assert len(cases) == 3 and all(case.is_passed for case in cases)
    assert (report / "results.json").exists() and (report / "index.html").exists()


def test_run_broken_demo_exits_1_with_findings(demo_server, tmp_path):
    out = cli(
        "run",
        DEMO_SCENARIOS / "03-quit-from-review.yaml",
        "--base-url",
        demo_server.base_url + "/broken",
        "--report",
        tmp_path,
        "--expect-timeout",
        "1",
    )
    assert out.returncode == 1
    assert "DOES NOT CONFORM" in out.stdout and "event.type" in out.stdout
    data = json.loads((tmp_path / "results.json").read_text())
    violation = data["scenarios"][0]["violations"][0]
    assert set(violation) >= {"rule", "severity", "message", "action", "event_index", "step"}
    suite = junitparser.JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    (case,) = [c for s in suite for c in s]
    assert isinstance(case.result[0], junitparser.Failure) and "event.type" in case.result[0].text


def test_invalid_scenario_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps:\n  - clik: '#a'\n")
    out = cli("run", bad, "--base-url", "http://127.0.0.1:9")
    assert out.returncode == 2
    assert "bad.yaml:3:5: step #1: unknown step kind 'clik'" in out.stderr and "did you mean 'click'?" in out.stderr
    assert "Traceback" not in out.stderr


def test_relative_url_without_base_url_exits_2(tmp_path):
    out = cli("run", DEMO_SCENARIOS / "03-quit-from-review.yaml", "--report", tmp_path)
    assert out.returncode == 2 and "needs --base-url" in out.stderr


@pytest.mark.no_browser
def test_bad_option_exits_2():
    assert cli("run", "x.yaml", "--analytics", "maybe").returncode == 2


def test_unreachable_page_is_a_scenario_error_and_report_still_written(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: unreachable\nsteps:\n  - goto: http://127.0.0.1:{closed_port()}/create-case\n  - click: '#x'\n"
    )
    out = cli("run", scenario, "--report", tmp_path / "r")
    assert out.returncode == 1 and "ERROR" in out.stdout
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    result = data["scenarios"][0]
    assert result["status"] == "error" and "ERR_CONNECTION_REFUSED" in result["error"]
    assert [s["status"] for s in result["steps"]] == ["error", "skipped"]


@pytest.mark.no_browser
def test_rules_lists_every_rule():
    out = cli("rules")
    assert out.returncode == 0
    for rule in ("payload.required-action-fields", "event.type", "flow.single-client-id", "action.deprecated"):
        assert rule in out.stdout


def test_impossible_options_and_outputs_exit_2_before_any_browser(tmp_path):
    (tmp_path / "a-file").write_text("")
    cases = [
        (["--step-timeout", "nan"], "positive finite"),
        (["--expect-timeout", "inf"], "positive finite"),
        (["--json", tmp_path], "is a folder"),
        (["--junit", tmp_path / "missing" / "j.xml"], "not a folder"),
        (["--report", tmp_path / "a-file"], "cannot be used"),
    ]
    for extra, message in cases:
        out = cli("run", DEMO_SCENARIOS, "--base-url", f"http://127.0.0.1:{closed_port()}", *extra)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, (extra, out.stderr)


def test_a_report_folder_in_use_by_another_run_is_refused(pages_server, scenario_file, tmp_path):
    """Two nightly jobs given the same --report: the second is refused, the first's artefacts are its own."""
    import fcntl

    slow = scenario_file("""\
        name: slow
        steps:
          - goto: /pages/start.html
          - wait: 3000
        """)
    report = tmp_path / "report"
    first = subprocess.Popen(
        [*CLI, "run", str(slow), "--base-url", pages_server, "--report", str(report)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CI": "1"},
        cwd=ROOT,
    )
    try:
        lock = report / ".case-assist-check.lock"
        for _ in range(300):  # until the first run holds the folder
            if lock.exists():
                with open(lock) as probe:
                    try:
                        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        fcntl.flock(probe, fcntl.LOCK_UN)
                    except OSError:
                        break
            time.sleep(0.05)
        second = cli("run", slow, "--base-url", pages_server, "--report", report)
        assert second.returncode == 2 and "is in use by another run" in second.stderr, second.stderr
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
    assert [s["name"] for s in json.loads((report / "results.json").read_text())["scenarios"]] == ["slow"]
    assert cli("run", slow, "--base-url", pages_server, "--report", report).returncode == 0  # free again
