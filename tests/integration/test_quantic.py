"""Coveo's real Quantic Case Assist components (the demo's /quantic variants, built from Quantic's sources by
`case-assist-check setup`) in real Chromium: the clean page in both analytics modes, each integration bug of the
broken page, the `init --kind quantic` starter and a recording replayed.

The pages call the production hosts (ORG.org.coveo.com, ORG.analytics.org.coveo.com) as a Salesforce site does;
`--map-host` answers the Service API from the demo server, the analytics are answered locally as in any run.
Without Quantic's sources (they are not on npm) the module is skipped with one line saying how to get them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from checker.demo.quantic import HOW_TO_GET, build_quantic, quantic_source, quantic_version
from checker.models import RunResult, Severity, Status
from checker.record import Recorder
from checker.runner import RunOptions, run
from checker.scenario import LoadOptions, load_scenarios
from tests.integration.test_recorder import wait_for_action

SOURCE = quantic_source()
if SOURCE is None:
    pytest.skip(f"Quantic sources not found: {HOW_TO_GET}", allow_module_level=True)

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "quantic"
STARTER = Path(__file__).resolve().parents[2] / "checker" / "commands" / "starters" / "quantic.yaml"
CREATE, SOLVED = "Quantic - create a case after a classification", "Quantic - solved by an article"
QUANTIC = quantic_version(SOURCE)
LIBRARY = f"@coveo/headless 3.37.0 (loaded by Quantic {QUANTIC})"


@pytest.fixture(scope="module")
def quantic_site(demo_server):
    build_quantic(log=lambda line: None)  # up to date after `setup`: a digest check
    return demo_server


def audit(browser, site, paths, prefix: str, report_dir: Path, variables: dict | None = None, **overrides) -> RunResult:
    options = RunOptions(
        base_url=site.base_url + prefix,
        report_dir=report_dir,
        host_map=site.host_map(),
        expect_timeout_s=3.0,
        **{"screenshots": False, **overrides},
    )
    return run(load_scenarios(paths, LoadOptions(vars=variables or {})), options, browser=browser)


@pytest.fixture(scope="module")
def clean_runs(browser, quantic_site, tmp_path_factory) -> dict[str, RunResult]:
    return {
        mode: audit(browser, quantic_site, [SCENARIOS], prefix, tmp_path_factory.mktemp(mode), screenshots=True)
        for mode, prefix in (("legacy", "/quantic"), ("next", "/quantic-next"))
    }


def test_clean_quantic_in_ua_mode_conforms(clean_runs):
    result = clean_runs["legacy"]
    assert [(s.name, s.status) for s in result.scenarios] == [(CREATE, Status.passed), (SOLVED, Status.passed)]
    for scenario in result.scenarios:
        found = scenario.implementation
        assert (found.kind, found.quantic, found.headless, found.analytics_mode) == (
            "quantic",
            QUANTIC,
            "3.37.0",
            "legacy",
        )
        assert found.headless_source.endswith("/coveoheadless/case-assist/headless.js")  # a static resource
        assert all(v.deviation.startswith(LIBRARY) for v in scenario.violations)  # only Headless' own, named
    assert result.implementations == [f"Quantic {QUANTIC} · @coveo/headless 3.37.0 (legacy: Usage Analytics)"]
    events = [(e.action, e.step) for e in result.scenarios[0].events]
    assert events[0] == ("ticket_create_start", 0) and events[-1] == ("ticket_create", 10)


def test_clean_quantic_in_event_protocol_mode_has_only_library_findings(clean_runs):
    """The Apex configuration's `analytics` key switches Quantic to the Event Protocol: every error left is
    Headless' own statement that this mode does not serve Case Assist, named with its version."""
    result = clean_runs["next"]
    for scenario in result.scenarios:
        assert scenario.implementation.analytics_mode == "next" and scenario.error is None
        assert {e.protocol for e in scenario.events} == {"ep"}
        errors = [v for v in scenario.violations if v.severity == Severity.error]
        assert [v.rule for v in errors] == ["library.analytics-mode"]
        assert LIBRARY in errors[0].message and "HeadlessController" in errors[0].hint
        assert all(v.deviation.startswith(LIBRARY) for v in scenario.violations if v.severity == Severity.warning)
    create = result.scenarios[0].events
    assert [e.ticket.get("id", "")[:3] for e in create if e.action == "ticket_create"] == ["500"]


# --- the broken page: one integration bug at a time (?bugs=NAME), each caught with advice for Quantic ------------
BUGS = {  # bug → (scenario it needs, the rule that catches it, what the advice must say)
    "wrong-search-hub": (SOLVED, "flow.search-hub", 'search-hub="demo_case_assist" on c-quantic-case-assist-interface'),
    "wrong-case-assist-id": (
        "start",
        "transport.service-api",
        "case-assist-id attribute of c-quantic-case-assist-interface",
    ),
    "create-not-logged": (CREATE, "scenario.expected-event", "Quantic never logs the case creation itself"),
    "create-without-id": (
        CREATE,
        "payload.required-ticket-fields",
        "in your host component, once the Case record is saved",
    ),
    "second-interface": (SOLVED, "flow.single-client-id", "an interface in a frame of another origin"),
    "solved-as-quit": (
        SOLVED,
        "scenario.expected-event",
        "'solved' button must dispatch loadCaseAssistAnalyticsActions",
    ),
}
START_ONLY = """name: start
steps:
  - goto: /create-case
    expect: [{action: ticket_create_start}]
  - fill: {selector: "[data-testid=subject] input", value: GC110 panel keeps cutting power}
  - wait: 1500
"""


def with_bug(bug: str, scenario: str, folder: Path) -> Path:
    """The demo scenario that shows the bug, opening the broken page with only that bug switched on."""
    folder.mkdir()
    yaml = YAML()
    if scenario == "start":
        (folder / "start.yaml").write_text(START_ONLY.replace("/create-case", f"/create-case?bugs={bug}"))
    else:
        for path in SCENARIOS.glob("*.yaml"):
            text = path.read_text().replace("goto: /create-case", f"goto: /create-case?bugs={bug}")
            doc = yaml.load(text)
            if path.name.startswith("_") or doc.get("name") == scenario:
                (folder / path.name).write_text(text)
    for path in folder.glob("[!_]*.yaml"):  # names are unique in a run
        path.write_text(path.read_text().replace("name: ", f"name: {bug} / ", 1))
    return folder


@pytest.fixture(scope="module")
def broken_run(browser, quantic_site, tmp_path_factory) -> RunResult:
    root = tmp_path_factory.mktemp("bugs")
    folders = [with_bug(bug, scenario, root / bug) for bug, (scenario, _, _) in BUGS.items()]
    return audit(browser, quantic_site, folders, "/quantic-broken", root / "report")


@pytest.mark.parametrize("bug", BUGS)
def test_each_quantic_integration_bug_is_caught_with_quantic_advice(broken_run, bug):
    _, rule, advice = BUGS[bug]
    (scenario,) = [s for s in broken_run.scenarios if s.name.startswith(f"{bug} / ")]
    assert scenario.status != Status.passed
    found = [v for v in scenario.violations if v.rule == rule and v.severity == Severity.error]
    assert found, [(v.rule, v.message) for v in scenario.violations]
    assert any(advice in v.hint for v in found), [v.hint for v in found]
    assert not any("coveoua(" in v.hint for v in scenario.violations)  # a Quantic page never calls coveoua


def test_an_unknown_case_assist_id_is_reported(broken_run):
    (scenario,) = [s for s in broken_run.scenarios if s.name.startswith("wrong-case-assist-id / ")]
    (finding,) = [v for v in scenario.violations if v.rule == "transport.service-api"]  # one for both calls' cause
    assert "'demo-case-assist-sandbox' was answered HTTP 404" in finding.message


def test_clean_page_keeps_the_service_api_rule(clean_runs):
    assert not [v for s in clean_runs["legacy"].scenarios for v in s.violations if v.rule == "transport.service-api"]


# --- authoring on Quantic ----------------------------------------------------------------------------------------
def test_init_quantic_starter_runs_green_on_quantic(browser, quantic_site, tmp_path):
    folder = tmp_path / "scenarios"
    subprocess.run(
        [sys.executable, "-m", "checker", "init", str(folder), "--kind", "quantic"], check=True, capture_output=True
    )
    starter = folder / "starter-quantic.yaml"
    assert starter.read_text() == STARTER.read_text()
    starter.write_text(starter.read_text().replace("search_hub: case_assist_interface", "search_hub: demo_case_assist"))
    result = audit(
        browser, quantic_site, [starter], "/quantic", tmp_path / "report", variables={"CASE_PAGE": "/create-case"}
    )
    (scenario,) = result.scenarios
    assert scenario.status == Status.passed, [(s.description, s.error) for s in scenario.steps if s.error] + [
        v.message for v in scenario.violations
    ]
    assert {e.action for e in scenario.events} >= {"documentSuggestionQuickview", "ticket_create", "ticket_next_stage"}


def test_a_recording_on_quantic_replays_green(browser, quantic_site, tmp_path):
    base = quantic_site.base_url + "/quantic"
    with Recorder(
        browser, base + "/create-case", base_url=base, name="Recorded Quantic case", host_map=quantic_site.host_map()
    ) as recorder:
        page = recorder.page
        wait_for_action(recorder, "ticket_create_start", timeout_s=10)  # a person reads the page before typing
        page.fill("role=textbox[name=/Subject/]", "GC110 panel keeps cutting power")
        page.press("role=textbox[name=/Subject/]", "Tab")
        page.click("c-quantic-case-classification label[title=Billing]")
        page.click(
            "c-quantic-document-suggestion lightning-accordion-section >> nth=1 >> button.slds-accordion__summary-action"
        )
        page.click(
            "c-quantic-document-suggestion lightning-accordion-section >> nth=1 >> [data-testid=quick-view-button]"
        )
        page.click("[data-testid=quickview-modal__close-button]")
        page.click("role=button[name='Next']")
        page.click("role=button[name='Create case']")
        page.wait_for_selector("[data-testid=confirmation]")
        text = recorder.finish()
    path = tmp_path / "recorded.yaml"
    path.write_text(text, encoding="utf-8")
    expected = [
        a for step in YAML(typ="safe").load(text)["steps"] for a in (e["action"] for e in step.get("expect", []))
    ]
    assert {
        "ticket_create_start",
        "ticket_classification_click",
        "documentSuggestionClick",
        "documentSuggestionQuickview",
        "ticket_next_stage",
        "ticket_create",
    } <= set(expected)
    steps = YAML(typ="safe").load(text)["steps"]
    assert [e["action"] for e in steps[0]["expect"]] == ["ticket_create_start"]
    assert not [s for s in steps if "#" in str(s.get("check", s.get("click", "")))]  # no LWC-generated ids
    result = audit(browser, quantic_site, [path], "/quantic", tmp_path / "replay")
    replayed = result.scenarios[0]
    assert replayed.status == Status.passed, [v.message for v in replayed.violations] + [
        s.error for s in replayed.steps
    ]


def test_quantic_sources_are_read_where_they_are(tmp_path):
    """QUANTIC_SRC names another copy; nothing of Quantic's is kept in this repository."""
    copy = tmp_path / "ui-kit"
    shutil.copytree(
        SOURCE / "packages" / "quantic" / "force-app" / "main" / "default" / "labels",
        copy / "packages" / "quantic" / "force-app" / "main" / "default" / "labels",
    )
    (copy / "packages" / "quantic" / "force-app" / "main" / "default" / "lwc").mkdir()
    probe = "import os, sys; from checker.demo.quantic import quantic_source; print(quantic_source())"
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env={"QUANTIC_SRC": str(copy), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found == str(copy.resolve())
    tracked = subprocess.run(["git", "ls-files"], cwd=SCENARIOS.parents[1], capture_output=True, text=True).stdout
    assert not [
        line
        for line in tracked.splitlines()
        if Path(line).name.startswith("quantic")
        and line.endswith((".js", ".html"))
        and "checker/demo/quantic/src/" not in line
    ]
