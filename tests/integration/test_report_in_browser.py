"""The HTML report opened in real Chromium: self-contained, escaped, and showing the numbers that matter."""

from __future__ import annotations

from checker.report import write_reports


def open_report(page, path):
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    return errors, requests


def test_broken_report_shows_verdict_counts_and_findings(page, broken_demo):
    html = write_reports(broken_demo.run, broken_demo.report_dir)
    errors, requests = open_report(page, html)
    assert errors == [] and requests == []  # works offline, from file://
    assert page.locator("#verdict").inner_text() == "Does not conform"
    assert page.locator("#count-failed").inner_text() == "3"
    assert int(page.locator("#findings-error").inner_text()) >= 6
    first = page.locator(".scenario").first
    assert first.locator(".finding.sev-error").count() >= 4
    assert first.locator("tr.differs").count() >= 1  # expected vs observed differences highlighted
    assert page.locator(".step img").count() >= 10  # screenshots embedded
    assert "xx-demo-token" not in html.read_text()


def test_clean_report_conforms(page, clean_demo):
    html = write_reports(clean_demo.run, clean_demo.report_dir)
    errors, requests = open_report(page, html)
    assert errors == [] and requests == []
    assert page.locator("#verdict").inner_text() == "Conforms"
    assert page.locator("#count-passed").inner_text() == "3"
    assert page.locator(".expectation.unmet").count() == 0
    assert page.get_by_text("no event reached the Coveo organization").count() == 1
