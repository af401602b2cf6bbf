"""A user pattern that backtracks catastrophically, through the command line in real Chromium: the run ends at
once, the finding says the comparison gave up and why, the report is written, exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.conftest import ROOT


def test_a_catastrophic_regex_gives_up_in_bounded_time(pages_server, scenario_file, tmp_path):
    value = "a" * 40 + "!"
    path = scenario_file(f"""\
        name: catastrophic pattern
        steps:
          - goto: {pages_server}/pages/start.html
          - evaluate: "logSvc('ticket_field_update', {{fieldName: '{value}'}})"
            expect:
              - action: ticket_field_update
                data: {{fieldName: {{regex: "^(a|a)*$"}}}}
        """)
    report = tmp_path / "report"
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "checker", "run", str(path), "--report", str(report), "--expect-timeout", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "CI": "1"},
    )
    elapsed = time.monotonic() - started
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert elapsed < 60
    (scenario,) = json.loads((report / "results.json").read_text())["scenarios"]
    messages = [v["message"] for v in scenario["violations"] if v["rule"] == "scenario.expected-event"]
    assert messages and "gave up after 0.5 s" in messages[0], messages
    assert (report / "index.html").is_file() and (report / "junit.xml").is_file()
