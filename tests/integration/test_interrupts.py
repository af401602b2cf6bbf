"""A run stopped from outside: SIGTERM (a cancelled CI job) or Ctrl-C writes the report of what finished, with the
running scenario kept as `error` and what it captured; a tool killed outright (SIGKILL) leaves its journals, from
which `case-assist-check report DIR` rebuilds the report. Both through the real CLI, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import start_cli


def _suite(folder: Path, start: str) -> None:
    (folder / "1-first.yaml").write_text(f"name: first\nsteps:\n  - goto: {start}\n  - click: '#go'\n")
    (folder / "2-stopped.yaml").write_text(
        f"name: stopped\nsteps:\n  - goto: {start}\n  - click: '#go'\n    expect: [{{action: ticket_field_update}}]\n"
        "  - wait: 60000\n"
    )  # the run is stopped during this pause
    (folder / "3-never.yaml").write_text(f"name: never run\nsteps:\n  - goto: {start}\n")


def _start(folder: Path, report: Path) -> subprocess.Popen:
    return start_cli("run", folder, "--report", report)


def _wait_for_capture(report: Path, process: subprocess.Popen, text: str = "ticket_field_update") -> None:
    """Until the stopped scenario's journal holds its second event (the run is then in the long pause)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        journals = [p for p in (report / "raw").glob("stopped-*.jsonl")] if (report / "raw").is_dir() else []
        if journals and text in journals[0].read_text(errors="replace"):
            time.sleep(0.3)
            return
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"the scenario 'stopped' did not capture {text} in time: {process.communicate()[1].decode()[-2000:]}")


def _stopping_point(pages_server: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """The suite running in the CLI, paused in its second scenario after two events: where the tests stop it."""
    folder, report = tmp_path / "suite", tmp_path / "report"
    folder.mkdir()
    _suite(folder, f"{pages_server}/pages/start.html")
    process = _start(folder, report)
    _wait_for_capture(report, process)
    return process, report


def _finish(process: subprocess.Popen, timeout: float = 30) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"the run did not end within {timeout} s: {err.decode()[-2000:]}")
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stopped_run_writes_the_report_of_what_finished(pages_server, tmp_path, stop):
    process, report = _stopping_point(pages_server, tmp_path)
    process.send_signal(stop)
    code, out, err = _finish(process)
    assert code == 130, err[-2000:]
    assert "Traceback" not in err
    data = json.loads((report / "results.json").read_text())
    assert data["interrupted"] is True
    by_name = {s["name"]: s for s in data["scenarios"]}
    assert set(by_name) == {"first", "stopped"}  # the third never started
    assert by_name["first"]["status"] == "passed"
    stopped = by_name["stopped"]
    assert stopped["status"] == "error" and "interrupted" in stopped["error"]
    assert [e["action"] for e in stopped["events"]] == ["ticket_create_start", "ticket_field_update"]
    assert (report / "index.html").is_file() and "stopped" in (report / "junit.xml").read_text()
    assert str(report / "index.html") in out


def test_a_killed_tool_leaves_journals_the_report_is_rebuilt_from(pages_server, tmp_path):
    process, report = _stopping_point(pages_server, tmp_path)
    os.killpg(process.pid, signal.SIGKILL)  # the tool, its Playwright driver and its browser: no chance to write
    process.communicate()
    assert not (report / "results.json").exists() and not (report / "index.html").exists()

    rebuilt = subprocess.run(
        [sys.executable, "-m", "checker", "report", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CI": "1"},
    )
    assert rebuilt.returncode == 1, rebuilt.stderr[-2000:]
    data = json.loads((report / "results.json").read_text())
    by_name = {s["name"]: s for s in data["scenarios"]}
    assert by_name["first"]["status"] == "passed"  # finished before the kill: its checked result was journaled
    stopped = by_name["stopped"]
    assert stopped["status"] == "error" and "rebuilt from its journal" in stopped["error"]
    assert [e["action"] for e in stopped["events"]] == ["ticket_create_start", "ticket_field_update"]
    assert [s["status"] for s in stopped["steps"]][:2] == ["passed", "passed"]
    assert stopped["requests"] and all(r["kind"] == "analytics" for r in stopped["requests"])
    assert (report / "index.html").is_file()
