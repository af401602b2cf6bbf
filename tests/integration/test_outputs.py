"""Outputs that cannot be written, and a terminal that cannot show what a page sent. The run still ends with its
verdict about the page; every artefact it could write is whole (never truncated, never empty); each lost one is
named on one line of stderr, without a traceback; the exit code says so (4). CLI in a subprocess, real Chromium."""

from __future__ import annotations

import json
import os
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

from checker.commands import EXIT_FINDINGS, EXIT_OK, EXIT_OUTPUT
from tests.conftest import ROOT
from tests.helpers import CLI, cli

# a page that conforms, and many steps: each leaves a screenshot behind
CONFORMING = """\
name: outputs on start
steps:
  - goto: /pages/start.html
    expect: [{action: ticket_create_start}]
  - click: "#go"
    expect: [{action: ticket_field_update}]
  - screenshot: after the first click
  - evaluate: "document.body.style.background = 'linear-gradient(45deg, #c33, #33c, #3c3, #cc3)'"
  - screenshot: painted
  - click: "#go"
    expect: [{action: ticket_field_update}]
  - evaluate: "document.body.insertAdjacentHTML('beforeend', '<p>' + 'noise '.repeat(2000) + '</p>')"
  - screenshot: full of text
  - click: "#go"
    expect: [{action: ticket_field_update}]
  - screenshot: the end
"""


def error_lines(out: subprocess.CompletedProcess) -> list[str]:
    return [line for line in out.stderr.splitlines() if line.strip()]


def assert_whole(folder: Path) -> None:
    """Whatever the run left in `folder` is complete: valid JSON / XML / HTML / JPEG / JSON lines; no empty file, no
    temporary one."""
    for path in folder.rglob("*"):
        if not path.is_file() or path.name == ".case-assist-check.lock":
            continue
        assert not path.name.endswith(".tmp"), f"temporary file left behind: {path}"
        data = path.read_bytes()
        assert data, f"empty file: {path}"
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".xml":
            xml.dom.minidom.parseString(data)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), path
        elif path.suffix == ".jpg":
            assert data[:2] == b"\xff\xd8" and data.rstrip(b"\0")[-2:] == b"\xff\xd9", f"truncated JPEG: {path}"
        elif path.suffix == ".jsonl":
            assert data.endswith(b"\n"), f"journal cut mid-line: {path}"
            for line in data.splitlines():
                json.loads(line)


def test_json_to_dev_full_is_one_line_and_exit_4_and_every_other_artefact_is_written(
    pages_server, scenario_file, tmp_path
):
    report = tmp_path / "report"
    out = cli("run", scenario_file(CONFORMING), "--base-url", pages_server, "--report", report, "--json", "/dev/full")
    assert out.returncode == EXIT_OUTPUT, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert error_lines(out) == ["could not write /dev/full: No space left on device"]
    assert "CONFORMS: 1 passed" in out.stdout and f"Report: {report / 'index.html'}" in out.stdout  # the verdict still
    data = json.loads((report / "results.json").read_text())
    assert [s["status"] for s in data["scenarios"]] == ["passed"]
    xml.dom.minidom.parse(str(report / "junit.xml"))
    assert (report / "index.html").read_text().rstrip().endswith("</html>")
    assert_whole(report)


def test_junit_to_dev_full_with_a_failing_verdict_still_exits_4(pages_server, scenario_file, tmp_path):
    """A run whose outputs are incomplete says so whatever its verdict (CI must not read a report that is not
    there); the verdict is still on stdout."""
    failing = scenario_file("name: fails\nsteps:\n  - goto: /pages/start.html\n    expect: [{action: ticket_cancel}]\n")
    report = tmp_path / "report"
    out = cli(
        "run", failing, "--base-url", pages_server, "--report", report, "--junit", "/dev/full", "--expect-timeout", "1"
    )
    assert out.returncode == EXIT_OUTPUT, out.stdout + out.stderr
    assert "DOES NOT CONFORM" in out.stdout
    assert error_lines(out) == ["could not write /dev/full: No space left on device"]
    json.loads((report / "results.json").read_text())
    assert not (report / "junit.xml").exists()  # --junit went elsewhere


# --- a disk that fills up during the run ---------------------------------------------------------------------

SMALL_DISK = "160k"  # holds a few of the run's screenshots and its journal, not everything: the disk fills mid-run


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a tmpfs of SMALL_DISK (needs root: skipped with the reason otherwise); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill up needs root")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_disk_that_fills_up_is_an_output_problem_not_a_browser_failure(
    pages_server, scenario_file, tmp_path, small_disk
):
    report = small_disk / "report"
    results = tmp_path / "results.json"  # off the small disk: what the run found about the page
    out = cli("run", scenario_file(CONFORMING), "--base-url", pages_server, "--report", report, "--json", results)
    assert out.returncode == EXIT_OUTPUT, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = error_lines(out)
    assert lines and all(line.startswith("could not write ") and "No space left on device" in line for line in lines), (
        lines
    )
    assert any(" screenshot" in line for line in lines), "the disk should fill up during the run (tune SMALL_DISK)"
    assert len(lines) == len(set(lines))  # each lost artefact said once

    # the disk changes nothing about the page: the scenario passed, with no finding and no error
    (scenario,) = json.loads(results.read_text())["scenarios"]
    assert scenario["status"] == "passed" and not scenario["error"], scenario["error"]
    assert not [v for v in scenario["violations"] if v["severity"] == "error"]
    assert "browser failure" not in out.stdout and "PASSED  outputs on start" in out.stdout

    # what was written is whole; a step links only a screenshot that is there
    assert_whole(report)
    for step in scenario["steps"]:
        if step["screenshot"]:
            assert (report / step["screenshot"]).is_file(), step


def test_report_and_merge_write_the_same_way(pages_server, scenario_file, tmp_path):
    report = tmp_path / "report"
    assert cli("run", scenario_file(CONFORMING), "--base-url", pages_server, "--report", report).returncode == EXIT_OK

    merged = cli("merge", report, "--report", tmp_path / "merged", "--json", "/dev/full")
    assert merged.returncode == EXIT_OUTPUT and "Traceback" not in merged.stderr, merged.stderr
    assert error_lines(merged) == ["could not write /dev/full: No space left on device"]
    assert_whole(tmp_path / "merged")
    json.loads((tmp_path / "merged" / "results.json").read_text())

    # `report DIR --out` into a folder that cannot be made: each artefact says so, in one line
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    rebuilt = cli("report", report, "--out", blocker / "out")
    assert rebuilt.returncode == EXIT_OUTPUT and "Traceback" not in rebuilt.stderr, rebuilt.stderr
    lines = error_lines(rebuilt)
    assert [line.split(":")[0] for line in lines] == [
        f"could not write {blocker / 'out' / name}" for name in ("results.json", "junit.xml", "index.html")
    ]
    assert all("Not a directory" in line for line in lines)
    assert "could not be written" in rebuilt.stdout

    rebuilt = cli("report", report)  # in place: the files are replaced whole
    assert rebuilt.returncode == EXIT_OK and not rebuilt.stderr.strip(), rebuilt.stderr
    assert_whole(report)


def test_merge_onto_a_full_disk_copies_what_fits_and_says_what_did_not(
    pages_server, scenario_file, tmp_path, small_disk
):
    report = tmp_path / "report"
    assert cli("run", scenario_file(CONFORMING), "--base-url", pages_server, "--report", report).returncode == EXIT_OK
    merged = cli("merge", report, "--report", small_disk / "merged")
    assert merged.returncode == EXIT_OUTPUT and "Traceback" not in merged.stderr, merged.stderr
    lines = error_lines(merged)
    assert lines and all(line.startswith("could not write ") for line in lines), lines
    assert_whole(small_disk / "merged")


# --- a terminal that cannot show what the page sent --------------------------------------------------------------

# the page sends a client ID with a lone UTF-16 surrogate (JSON.stringify escapes it, Python decodes it back); the
# flow.single-client-id finding quotes it as is on the terminal; the scenario's name is not ASCII either
SURROGATE = """\
name: "surrogate \u25b6 caf\u00e9"
steps:
  - goto: /pages/start.html
  - evaluate: >-
      fetch('https://testorg.analytics.org.coveo.com/rest/v15/analytics/collect', {method: 'POST',
      headers: {'content-type': 'application/json'}, body: JSON.stringify({ec: 'svc', ea: 'click',
      svc_action: 'ticket_field_update', cid: 'half a pair: \\ud800', searchHub: 'test_hub',
      svc_action_data: {fieldName: 'subject'}})})
    expect:
      - action: ticket_field_update
"""


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "ascii"},
        {"PYTHONIOENCODING": "utf-8"},
        {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""},
    ],
    ids=["ascii", "utf-8 strict", "C locale"],
)
def test_a_lone_surrogate_from_the_page_does_not_break_the_terminal(pages_server, scenario_file, tmp_path, env):
    out = subprocess.run(
        [
            *CLI,
            "run",
            str(scenario_file(SURROGATE)),
            "--base-url",
            pages_server,
            "--report",
            str(tmp_path / "r"),
            "-v",
            "--expect-timeout",
            "1",
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "CI": "1", **env},
    )
    stdout, stderr = out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr, stderr
    assert out.returncode == EXIT_FINDINGS, stdout + stderr  # the page's findings, not a crash
    assert "DOES NOT CONFORM" in stdout and "FAILED  surrogate" in stdout
    finding = next(line for line in stdout.splitlines() if "flow.single-client-id" in line)
    assert "uses client ID half a pair: ?," in finding  # replaced where the terminal cannot show it
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert any(e["client_id"] == "half a pair: \ud800" for e in data["scenarios"][0]["events"])  # the report keeps it
