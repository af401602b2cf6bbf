"""Pages that never answer: a script that never yields, a promise that never settles. Every call to the page is
bounded: the step (or the scenario) becomes `error` saying the page did not answer, what it captured is kept, the next
scenario runs in a working browser, the reports are written; SIGTERM still stops the run within seconds. Through the
real CLI in a subprocess with a hard time limit, so that a regression fails instead of hanging the suite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from checker.commands import EXIT_FINDINGS, EXIT_INTERRUPTED
from checker.report.journal import read_journal
from tests.helpers import start_cli

HARD_LIMIT_S = 120  # far past every bound below: only a run that hangs reaches it


def _start(folder: Path, report: Path, *options: str) -> subprocess.Popen:
    return start_cli("run", folder, "--report", report, "--expect-timeout", "1", *options)


def _end(process: subprocess.Popen) -> None:
    """End what the test started: the CLI's process group (its driver and browser with it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()


def _finish(process: subprocess.Popen, limit_s: float = HARD_LIMIT_S) -> tuple[int, str, str, float]:
    """Wait for the run; (exit code, stdout, stderr, seconds it took)."""
    started = time.monotonic()
    try:
        out, err = process.communicate(timeout=limit_s)
    except subprocess.TimeoutExpired:
        _end(process)
        pytest.fail(f"the run did not end within {limit_s} s: it hangs")
    return process.returncode, out.decode(), err.decode(), time.monotonic() - started


def _results(report: Path) -> dict:
    assert (report / "index.html").is_file() and (report / "junit.xml").is_file()
    return json.loads((report / "results.json").read_text())


@pytest.fixture
def suite(tmp_path, pages_server):
    """Write scenario files named in run order; returns (folder, report, url of a test page)."""
    folder = tmp_path / "suite"
    folder.mkdir()

    def write(name: str, text: str) -> None:
        (folder / name).write_text(text)

    return folder, tmp_path / "report", lambda page: f"{pages_server}/pages/{page}", write


def test_a_script_that_never_yields_ends_the_step_and_the_run_goes_on(suite):
    folder, report, url, write = suite
    write(
        "1-endless.yaml",
        f"name: endless\nsteps:\n  - goto: {url('endless-script.html')}\n"
        "  - wait: 600\n  - fill: {selector: '#subject', value: GC110}\n",
    )
    write("2-after.yaml", f"name: after\nsteps:\n  - goto: {url('start.html')}\n  - click: '#go'\n")
    process = _start(folder, report, "--step-timeout", "5")
    try:
        code, out, err, seconds = _finish(process)
    finally:
        _end(process)
    assert code == EXIT_FINDINGS, err[-2000:]
    assert seconds < 60 and "Traceback" not in err
    endless, after = _results(report)["scenarios"]
    assert endless["status"] == "error"
    fill = endless["steps"][2]
    assert fill["status"] == "error" and "did not answer within 5 s" in fill["error"] and "script" in fill["error"]
    assert "did not answer within 5 s" in endless["error"]
    assert [e["action"] for e in endless["events"]] == ["ticket_create_start"]  # captured before the hang: kept
    assert after["status"] == "passed", after["error"]
    assert [e["action"] for e in after["events"]] == ["ticket_create_start", "ticket_field_update"]


def test_a_promise_that_never_settles_ends_at_the_steps_timeout(suite):
    folder, report, url, write = suite
    write(
        "1-promise.yaml",
        f"name: promise\nsteps:\n  - goto: {url('start.html')}\n"
        "  - evaluate: \"new Promise(() => {})\"\n    timeout: 2\n  - click: '#go'\n",
    )
    write("2-after.yaml", f"name: after\nsteps:\n  - goto: {url('start.html')}\n  - click: '#go'\n")
    process = _start(folder, report)
    try:
        code, out, err, seconds = _finish(process)
    finally:
        _end(process)
    assert code == EXIT_FINDINGS, err[-2000:]
    assert seconds < 40
    promise, after = _results(report)["scenarios"]
    step = promise["steps"][1]
    assert step["status"] == "error" and "did not finish within 2 s" in step["error"]
    assert 2 <= step["duration_s"] < 5
    assert promise["steps"][2]["status"] == "skipped"
    assert after["status"] == "passed", after["error"]


def test_an_evaluate_that_never_returns_is_stopped(suite):
    folder, report, url, write = suite
    write(
        "1-loop.yaml",
        f'name: loop\nsteps:\n  - goto: {url("start.html")}\n  - evaluate: "while (true) {{}}"\n    timeout: 2\n',
    )
    write("2-after.yaml", f"name: after\nsteps:\n  - goto: {url('start.html')}\n  - click: '#go'\n")
    process = _start(folder, report)
    try:
        code, out, err, seconds = _finish(process)
    finally:
        _end(process)
    assert code == EXIT_FINDINGS, err[-2000:]
    assert seconds < 40
    loop, after = _results(report)["scenarios"]
    assert loop["steps"][1]["status"] == "error" and "did not answer within 2 s" in loop["steps"][1]["error"]
    assert loop["steps"][1]["screenshot"]  # its scripts stopped, the page could be photographed
    assert after["status"] == "passed", after["error"]


@pytest.mark.parametrize("workers", [1, 2], ids=["sequential", "2 workers"])
def test_sigterm_while_pages_are_hung_stops_the_run_within_seconds(suite, workers):
    folder, report, url, write = suite
    names = ["endless", "endless too"][:workers]
    # a step timeout long enough that only SIGTERM can end the run in the time asserted
    for number, name in enumerate(names, 1):
        write(
            f"{number}-{name}.yaml",
            f"name: {name}\nsteps:\n  - goto: {url('endless-script.html')}\n"
            "  - wait: 600\n  - evaluate: document.title\n",
        )
    write("3-never.yaml", f"name: never run\nsteps:\n  - goto: {url('start.html')}\n")
    process = _start(folder, report, "--step-timeout", "100", "--workers", str(workers))
    try:
        for name in names:
            _wait_for_the_hang(report, process, name.replace(" ", "-"))
        time.sleep(1.5)  # well into the evaluate the page does not answer
        process.send_signal(signal.SIGTERM)
        code, out, err, seconds = _finish(process, limit_s=60)
    finally:
        _end(process)
    assert seconds < 15, f"SIGTERM took {seconds:.1f} s"
    assert code == EXIT_INTERRUPTED, err[-2000:]
    assert "Traceback" not in err
    data = _results(report)
    assert data["interrupted"] is True
    assert [s["name"] for s in data["scenarios"]] == names  # the third never started
    for scenario in data["scenarios"]:
        assert scenario["status"] == "error" and "interrupted" in scenario["error"]
        assert scenario["steps"][2]["status"] == "error"  # the evaluate the page never answered
        assert [e["action"] for e in scenario["events"]] == ["ticket_create_start"]


def _wait_for_the_hang(report: Path, process: subprocess.Popen, stem: str) -> None:
    """Until the scenario's journal shows its pause ended: its evaluate then waits for a page that does not answer."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        journals = list((report / "raw").glob(f"{stem}-*.jsonl")) if (report / "raw").is_dir() else []
        if journals and any(r["kind"] == "step" and r["data"].get("kind") == "wait" for r in read_journal(journals[0])):
            return
        time.sleep(0.1)
    pytest.fail(f"the scenario {stem!r} did not reach its evaluate (exit code {process.poll()})")
