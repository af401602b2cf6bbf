"""A page that sends 5,000 events in one scenario: the run completes with every event kept, the journal holds them
all, and the report is written and opens in Chromium showing the key numbers. 10,000 events is what
benchmarks/scale.py runs (110–160 s here: too long for the suite's budget; the code path is the same)."""

from __future__ import annotations

import json

from checker.models import Status
from checker.report import write_reports
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios

EVENTS = 5_000


def test_five_thousand_events_in_one_scenario(browser, pages_server, page, tmp_path):
    scenario = tmp_path / "flood.yaml"
    scenario.write_text(
        f"name: flood\nsteps:\n  - goto: /pages/flood.html?n={EVENTS}\n  - click: '#flood'\n"
        "  - wait_for: '#done'\n    timeout: 600\n"
    )
    report = tmp_path / "report"
    result = run(
        load_scenarios([scenario]),
        # answered at once: this is about volume (the answer delay is the transport rules's business)
        RunOptions(
            base_url=pages_server, report_dir=report, step_timeout_s=600, screenshots=False, analytics_delay_ms=0
        ),
        browser=browser,
    )
    (flood,) = result.scenarios
    assert flood.status != Status.error, flood.error
    assert len(flood.events) == EVENTS + 1 and len(flood.requests) == EVENTS + 1
    assert [e.ticket.get("subject") for e in flood.events[1:4]] == ["typing 0", "typing 1", "typing 2"]
    assert flood.events[-1].ticket == {"subject": f"typing {EVENTS - 1}"}
    journal = (report / "raw").glob("*.jsonl")
    (lines,) = [path.read_text().splitlines() for path in journal]
    assert sum(json.loads(line)["kind"] == "request" for line in lines) == EVENTS + 1

    html = write_reports(result, report)
    assert html.stat().st_size < 5 * 2**20  # a scenario shows at most 500 events; results.json holds them all
    assert len(json.loads((report / "results.json").read_text())["scenarios"][0]["events"]) == EVENTS + 1
    page.goto(html.as_uri())
    assert page.locator("#verdict").inner_text() in ("Conforms", "Does not conform")
    assert page.locator("#count-total").inner_text() == "1"
    shown = page.locator("main").inner_text()
    assert f"{EVENTS + 1:,}" in shown or str(EVENTS + 1) in shown  # the scenario's event count, all of them
