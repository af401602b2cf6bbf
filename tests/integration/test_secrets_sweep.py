"""A secrets sweep: the demo site's scenarios, against the clean and the broken site, with Playwright traces on;
then every file written (HTML, JSON, JUnit, the --json/--junit copies, screenshots and their names, the raw
journals, trace zips — every entry, gunzipped when compressed) is searched for the demo's access token
(checker.demo.server.DEMO_TOKEN), as is, percent-encoded and in UTF-16.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.demo.server import DEMO_TOKEN
from checker.report import write_reports
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios
from tests.conftest import DEMO_SCENARIOS
from tests.helpers import file_contents, token_forms


@pytest.fixture(scope="module")
def demo_sweep(browser, demo_server, tmp_path_factory):
    """The demo scenarios against the clean and the broken site, with traces, and every file they wrote."""
    found: dict[str, list[str]] = {"reports": [], "traces": []}
    written: list[Path] = []
    for variant, base in (("clean", demo_server.base_url), ("broken", demo_server.base_url + "/broken")):
        report = tmp_path_factory.mktemp(f"sweep-{variant}")
        options = RunOptions(base_url=base, report_dir=report, expect_timeout_s=2.0, trace="on")
        result = run(load_scenarios([DEMO_SCENARIOS]), options, browser=browser)
        write_reports(
            result,
            report,
            json_path=report / "extra" / "out.json",
            junit_path=report / "extra" / "junit.xml",
            redactor=options.redactor,
        )
        assert all(s.trace for s in result.scenarios)
        for path in sorted(p for p in report.rglob("*")):
            written.append(path)
            if DEMO_TOKEN in str(path.relative_to(report)):
                found["reports"].append(f"{variant}: file name {path.relative_to(report)}")
            if not path.is_file():
                continue
            for name, content in file_contents(path, lambda p: p.name):
                if any(form in content for form in token_forms(DEMO_TOKEN)):
                    kind = "traces" if "!" in name else "reports"
                    found[kind].append(f"{variant}: {path.relative_to(report).parent / name}")
    return found, written


def test_the_sweep_covers_every_kind_of_artefact(demo_sweep):
    _, written = demo_sweep
    suffixes = {p.suffix for p in written if p.is_file()}
    assert {".html", ".json", ".xml", ".jpg", ".zip"} <= suffixes
    assert sum(1 for p in written if p.suffix == ".zip") == 6  # 3 scenarios × 2 sites


def test_the_demo_token_is_in_no_report_file(demo_sweep):
    found, _ = demo_sweep
    assert found["reports"] == []


def test_the_demo_token_is_in_no_trace(demo_sweep):
    found, _ = demo_sweep
    if found["traces"]:
        pytest.fail("the demo token is in these trace entries:\n" + "\n".join(found["traces"]))
