"""The HTML report opened in real Chromium: self-contained, escaped, and showing the numbers that matter."""

from __future__ import annotations

from checker.report import write_reports
from tests.helpers import open_report


def test_broken_report_shows_verdict_counts_and_findings(page, broken_demo):
    html = write_reports(broken_demo.run, broken_demo.report_dir)
    open_report(page, html)  # works offline, from file://
    assert page.locator("#verdict").inner_text() == "Does not conform"
    assert page.locator("#count-failed").inner_text() == "3"
    assert int(page.locator("#findings-error").inner_text()) >= 6
    first = page.locator(".scenario").first
    assert first.locator(".finding.sev-error").count() >= 4
    assert first.locator("tr.differs").count() >= 1  # expected vs observed differences highlighted
    assert page.locator(".step img").count() >= 10  # screenshots embedded
    assert "xx-demo-token" not in html.read_text()
    # each kind of expectation says what it asked for: an expect_none that holds is not "expected and seen"
    labels = first.locator(".expectation .label").all_inner_texts()
    assert any(t.startswith("✘ Expected, not seen: ticket_next_stage") for t in labels), labels
    assert any(t.startswith("✔ Must not be sent, and was not: ticket_cancel") for t in labels), labels
    assert not any("Expected and seen: ticket_cancel" in t for t in labels)


def test_clean_report_conforms(page, clean_demo):
    html = write_reports(clean_demo.run, clean_demo.report_dir)
    open_report(page, html)
    assert page.locator("#verdict").inner_text() == "Conforms"
    assert page.locator("#count-passed").inner_text() == "3"
    assert page.locator(".expectation.unmet").count() == 0
    assert page.get_by_text("no event reached the Coveo organization").count() == 1


RECON_SCENARIOS = {
    "changed": "- goto: /pages/changed.html\n  - click: '#open'",
    "not sent": "- goto: /pages/library-blocked.html",
    "stray": "- goto: /pages/second-integration.html\n  - click: '#go'",
    "duplicate": "- goto: /pages/duplicate.html\n  - click: '#next'",
}


def test_each_reconciliation_outcome_shows_call_and_request_side_by_side(page, browser, pages_server, tmp_path):
    from checker.runner import RunOptions, run
    from checker.scenario import load_scenarios

    for name, steps in RECON_SCENARIOS.items():
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\nsteps:\n  {steps}\n")
    options = RunOptions(base_url=pages_server, report_dir=tmp_path / "report", expect_timeout_s=1)
    result = run(load_scenarios([tmp_path]), options, browser=browser)
    html = write_reports(result, tmp_path / "report")
    open_report(page, html)

    def row(scenario, outcome):
        section = page.locator(".scenario", has=page.get_by_role("heading", name=scenario))
        return section.locator(f"table.recon tr.recon-{outcome}").first

    paired = row("changed", "paired")
    assert 'coveoua("svc:setAction", "ticket_create_start"' in paired.inner_text()
    assert "/rest/v15/analytics/collect" in paired.inner_text()
    changed = row("changed", "changed")
    assert 'coveoua("send", "click"' in changed.inner_text() and "data.clientId" in changed.inner_text()
    assert "analytics/click" in changed.inner_text()
    not_sent = row("not sent", "called_not_sent")
    assert 'coveoua("send", "event", "svc", "flowStart"' in not_sent.inner_text()
    assert "nothing left the browser" in not_sent.inner_text() and "never loaded" in not_sent.inner_text()
    stray = row("stray", "sent_without_call")
    assert "no call seen" in stray.inner_text() and "ticket_field_update" in stray.inner_text()
    duplicate = row("duplicate", "duplicate")
    assert "ticket_next_stage" in duplicate.inner_text() and "asked for it twice" in duplicate.inner_text()
    assert "xx-test-token" not in html.read_text()
