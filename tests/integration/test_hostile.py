"""Hostile payloads: a page (tests/pages/hostile.html) logs script and HTML through the real coveoua library in
every field it can — ticket fields, action data, a click event's document URL and title, a client ID, query
strings, page errors, the library version the checker reads back, a 1 MB value, control characters, RTL marks —
and scenarios carry the same in their names, step names and selectors. The report opened in Chromium runs none
of it, loads nothing, shows it as text, and stays a reasonable size. Scenario names made to escape the report
folder (`../../../etc/passwd`, `..\\..\\x`, `CON`, `...`, 300 characters) write nothing outside it.

Then the hostile *types* (tests/pages/hostile-types.html): values no decoder expects, forged capture records, a
lone UTF-16 surrogate, control characters that reach junit.xml. (The secrets sweep of the demo runs is in
test_secrets_sweep.py, to keep each file under a minute.)
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from checker.models import Status
from checker.report import write_reports
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios

PAYLOADS = {  # as tests/pages/hostile.html defines them
    "script": "<script>window.__pwned=1</script>",
    "img": '<img src=x onerror="window.__pwned=2">',
    "svg": '"><svg onload="window.__pwned=3">',
    "attr": "' onmouseover='window.__pwned=4' x='",
    "template": "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
    "js": "javascript:window.__pwned=5",
}
NAME = '<script>window.__pwned=10</script> "><img src=x onerror="window.__pwned=11"> {{7*7}} \u202eRTL'
STEP_NAME = "<svg onload=window.__pwned=12>"
SELECTOR = 'css=[data-x="<img src=x onerror=window.__pwned=13>"]'
ESCAPING_NAMES = ["../../../etc/passwd", "..\\..\\x", "CON", "...", "/abs/olute", "~", "x" * 150 + "/ü" * 75]


def _yaml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


@pytest.fixture(scope="module")
def hostile_run(browser, pages_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "scenarios"
    folder.mkdir()
    (folder / "01-payloads.yaml").write_text(
        textwrap.dedent(f"""\
        name: {_yaml_str(NAME)}
        steps:
          - goto: /pages/hostile.html
            name: {_yaml_str(STEP_NAME)}
            expect:
              - action: ticket_create_start
          - click: "#go"
            name: {_yaml_str(PAYLOADS["template"])}
          - wait_for: "#done"
          - click: "#big"
          - click: "#wire"
          - wait: 300
        """)
    )
    (folder / "02-selector.yaml").write_text(
        textwrap.dedent(f"""\
        name: {_yaml_str(PAYLOADS["svg"] + " " + PAYLOADS["attr"])}
        steps:
          - goto: /pages/hostile.html
          - click: {_yaml_str(SELECTOR)}
            name: {_yaml_str(PAYLOADS["img"])}
            timeout: 1
        """)
    )
    for index, name in enumerate(ESCAPING_NAMES):
        (folder / f"{index + 10}-escape.yaml").write_text(
            textwrap.dedent(f"""\
            name: {_yaml_str(name)}
            steps:
              - goto: /pages/start.html
              - screenshot: {_yaml_str(name)}
              - screenshot: "../../../../../../tmp/escaped-{index}"
            """)
        )
    report = root / "deep" / "report"
    before = {p for p in root.rglob("*")}
    result = run(
        load_scenarios([folder]),
        RunOptions(base_url=pages_server, report_dir=report, expect_timeout_s=1, trace="on"),
        browser=browser,
    )
    html = write_reports(result, report)
    written = {p for p in root.rglob("*")} - before
    return result, report, html, written


def test_hostile_scenarios_ran_and_kept_every_payload(hostile_run):
    result, _, _, _ = hostile_run
    payloads, selector = result.scenarios[:2]
    assert payloads.name == NAME and payloads.error is None
    actions = [e.action for e in payloads.events]
    assert actions[0] == "ticket_create_start"
    assert sorted(actions[1:3]) == ["documentSuggestionClick", "ticket_field_update"]  # sent in either order
    update = next(e for e in payloads.events if e.action == "ticket_field_update")
    assert update.ticket["subject"] == PAYLOADS["script"] and update.data[PAYLOADS["img"]] == PAYLOADS["svg"]
    click = next(e for e in payloads.events if e.action == "documentSuggestionClick")
    assert click.data["documentUrl"] == PAYLOADS["js"] and click.data["documentTitle"] == PAYLOADS["img"]
    assert any(e.action == PAYLOADS["script"] and e.client_id == PAYLOADS["svg"] for e in payloads.events)  # hand-built
    assert any(PAYLOADS["script"] in error for error in payloads.page_info["page_errors"])
    assert any(
        error.startswith("console: ") and PAYLOADS["script"] in error for error in payloads.page_info["console_errors"]
    )
    assert payloads.page_info.get("coveo_analytics_version") == PAYLOADS["script"] + PAYLOADS["img"]
    assert selector.status == Status.error and "window.__pwned=13" in selector.error


def test_the_report_runs_none_of_it_and_shows_it_as_text(hostile_run, page):
    _, _, html, _ = hostile_run
    dialogs, requests, errors = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(html.as_uri())
    for details in page.locator("details").all():  # open everything: hidden content gets rendered too
        details.evaluate("d => d.open = true")
    page.mouse.move(10, 10)
    page.mouse.move(400, 400)
    page.wait_for_timeout(200)
    assert dialogs == [] and requests == [] and errors == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 1  # the report's own filter script
    assert page.locator("style").count() == 1
    assert page.locator("img[src='x'], [onerror], [onload], [onmouseover], iframe, object, embed").count() == 0
    assert page.locator("svg").count() == page.locator("figure.trend-figure svg").count()
    assert page.locator("a[href^='javascript:' i]").count() == 0
    text = page.locator("body").text_content()
    for shown in (
        NAME,
        STEP_NAME,
        SELECTOR,
        PAYLOADS["script"],
        PAYLOADS["img"],
        PAYLOADS["svg"],
        PAYLOADS["template"],
        PAYLOADS["js"],
    ):
        assert shown in text, shown
    assert page.locator(".page-errors summary").first.inner_text().startswith("The page reported")
    heading = page.locator(".scenario h2").first.inner_text()
    assert NAME.replace("\u202e", "") in heading.replace("\u202e", "")
    assert "49" not in heading  # {{7*7}} stayed text


def test_the_report_stays_a_reasonable_size(hostile_run, tmp_path):
    """The page sent a 1 MB value twice (through coveoua and in a hand-built request): capture truncates request
    bodies at 256 KB (decoding sees them whole), the HTML shows 4,000 characters of each, and the JS calls list
    shortens every call."""
    result, report, html, _ = hostile_run
    sizes = {name: (report / name).stat().st_size for name in ("index.html", "results.json", "junit.xml")}
    alone = write_reports(result.model_copy(update={"scenarios": result.scenarios[:1]}), tmp_path / "alone")
    sizes["index.html, the 1 MB scenario alone, without screenshots"] = alone.stat().st_size
    sizes["results.json, the 1 MB scenario alone"] = (tmp_path / "alone" / "results.json").stat().st_size
    print("\nhostile report sizes: " + ", ".join(f"{name} {size:,} B" for name, size in sizes.items()))
    assert (
        sizes["index.html, the 1 MB scenario alone, without screenshots"] < 200_000
    )  # bodies clipped to 4,000 characters
    assert sizes["results.json, the 1 MB scenario alone"] < 800_000
    assert sizes["index.html"] < 1_600_000  # 9 scenarios, 27 embedded screenshots


def test_a_big_event_is_decoded_or_said_to_be_truncated(hostile_run):
    payloads = hostile_run[0].scenarios[0]
    big = [
        e
        for e in payloads.events
        if any(len(r.body or "") > 200_000 for r in payloads.requests if r.id == e.request_id)
    ]
    assert len(big) == 2
    for event in big:  # the full body is decoded; only what results.json and the report show is cut
        assert event.action == "ticket_field_update" and not event.decode_error


def test_scenario_names_cannot_escape_the_report_folder(hostile_run):
    result, report, _, written = hostile_run
    report = report.resolve()
    outside = [
        p
        for p in written
        if report not in p.resolve().parents and p.resolve() != report and p.resolve() not in report.parents
    ]
    assert outside == []
    assert not list(Path("/tmp").glob("escaped-*"))
    files = [p for p in written if p.is_file()]
    assert all(not p.is_symlink() for p in written)
    escaping = [s for s in result.scenarios if s.name in ESCAPING_NAMES]
    assert len(escaping) == len(ESCAPING_NAMES)
    for scenario in escaping:
        assert scenario.status != Status.error, scenario.error
        shots = [s.screenshot for s in scenario.steps if s.screenshot]
        assert len(shots) == 3 and scenario.trace
        for relative in [*shots, scenario.trace]:
            target = (report / relative).resolve()
            assert report in target.parents and target.is_file(), relative
            assert ".." not in Path(relative).parts and not Path(relative).is_absolute()
            assert len(Path(relative).name) <= 120
    assert len({s.trace for s in escaping}) == len(escaping)  # one trace each, none overwritten
    assert len({p.name for p in files if p.suffix == ".zip"}) == len(result.scenarios)


# --- hostile types: what no decoder expects, forged capture records, characters files cannot hold --------------


def _types_run(run_scenarios, scenario_file, pages_server, what: str):
    path = scenario_file(
        f"name: types {what}\nsteps:\n  - goto: /pages/hostile-types.html?do={what}\n  - wait_for: '#done'\n"
    )
    return run_scenarios([path], pages_server, step_timeout_s=3, expect_timeout_s=1)


def _reports_written(result, folder: Path) -> None:
    write_reports(result, folder)
    import xml.dom.minidom

    xml.dom.minidom.parse(str(folder / "junit.xml"))
    json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert (folder / "index.html").stat().st_size > 1000


def test_a_number_as_action_is_a_finding_not_a_crash(run_scenarios, scenario_file, pages_server, tmp_path):
    result = _types_run(run_scenarios, scenario_file, pages_server, "number")
    scenario = result.scenarios[0]
    assert scenario.status == Status.failed and "42" in [e.action for e in scenario.events]
    assert "action.unknown" in {v.rule for v in scenario.violations}
    _reports_written(result, tmp_path / "out")


@pytest.mark.parametrize(
    "kind",
    ["ep", "forge", "cause"],
    ids=["an array as Event Protocol type", "a forged capture record", "an array as action cause"],
)
def test_a_malformed_shape_does_not_abort_the_run(run_scenarios, scenario_file, pages_server, tmp_path, kind):
    result = _types_run(run_scenarios, scenario_file, pages_server, kind)
    assert result.scenarios[0].status in (Status.failed, Status.passed)
    _reports_written(result, tmp_path / "out")


def test_a_lone_surrogate_does_not_prevent_the_reports(run_scenarios, scenario_file, pages_server, tmp_path):
    result = _types_run(run_scenarios, scenario_file, pages_server, "surrogate")
    assert any("\ud800" in str(value) for e in result.scenarios[0].events for value in e.ticket.values())
    _reports_written(result, tmp_path / "out")


def test_control_characters_do_not_prevent_the_reports(run_scenarios, scenario_file, pages_server, tmp_path):
    result = _types_run(run_scenarios, scenario_file, pages_server, "control")
    assert any("\x01" in v.message for v in result.scenarios[0].violations)
    _reports_written(result, tmp_path / "out")
