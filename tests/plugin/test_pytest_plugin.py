"""The pytest plugin (checker/pytest_plugin.py) as a user gets it: YAML scenarios collected as tests, the
`case_assist` fixture, the session report, pytest-xdist.

Each case runs pytest on a temporary project in a fresh interpreter (`pytester.runpytest_subprocess`): the
plugin is loaded from its `pytest11` entry point, pytest-playwright launches the browser, and the pages are the
real demo site (coveo.analytics from npm) with the real demo scenarios, which pass against the site and fail
against its `/broken` variant.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
DEMO_SCENARIOS = ROOT / "scenarios" / "demo"
SCENARIO_NAMES = [
    "Submit a case after a classification",
    "Cancel after an article solved the problem",
    "Quit from the review stage",
]


def _playwright_browsers() -> str:
    """Where Playwright keeps its browsers for this user (pytester points HOME elsewhere)."""
    if os.environ.get("PLAYWRIGHT_BROWSERS_PATH"):
        return os.environ["PLAYWRIGHT_BROWSERS_PATH"]
    home = Path.home()
    if sys.platform == "darwin":
        return str(home / "Library" / "Caches" / "ms-playwright")
    if sys.platform == "win32":
        return str(Path(os.environ.get("LOCALAPPDATA", home)) / "ms-playwright")
    return str(Path(os.environ.get("XDG_CACHE_HOME", home / ".cache")) / "ms-playwright")


BROWSERS_PATH = _playwright_browsers()  # read at import, before pytester changes HOME

# The outer suite's browser override (tests/conftest.py), for the inner runs too when it is set. Otherwise the
# inner runs launch what the plugin picks for any user: Playwright's Chromium, else the system one.
EXPLICIT_BROWSER_CONFTEST = """
import os

import pytest

from checker.drive.browser import LAUNCH_ARGS, find_browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    executable = find_browser(playwright, os.environ["CASE_ASSIST_CHECK_BROWSER"])
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}
"""

# Python tests using the case_assist fixture; the demo site is pytest-playwright's --base-url.
CASE_ASSIST_TESTS = """
import pytest


def describe_problem(page, path="/create-case"):
    page.goto(path)
    page.fill("#subject", "GC110 malfunction")
    page.press("#subject", "Tab")


def test_subject_update(page, case_assist):
    page.goto("/create-case")
    case_assist.expect_event(action="ticket_create_start", event_type="flowStart", client_id={"capture": "cid"})
    page.fill("#subject", "GC110 malfunction")
    page.press("#subject", "Tab")
    event = case_assist.expect_event(action="ticket_field_update", data={"fieldName": "subject"},
                                     ticket={"subject": {"regex": "^GC110"}}, client_id={"same_as": "cid"})
    assert event.ticket["subject"] == "GC110 malfunction"
    case_assist.expect_no_event(action="ticket_create")
    assert [e.action for e in case_assist.events][:2] == ["ticket_create_start", "ticket_field_update"]
    assert any(call.fn == "coveoua" for call in case_assist.js_calls)  # the init script ran in the page
    assert [v.rule for v in case_assist.check() if v.severity.value == "error"] == []
    case_assist.assert_conforms()


def test_wrong_expectation(page, case_assist):
    describe_problem(page)
    case_assist.expect_event(action="ticket_field_update", data={"fieldName": "description"}, timeout=1)


def test_forbidden_event(page, case_assist):
    describe_problem(page)
    case_assist.expect_no_event(action="ticket_field_update", data={"fieldName": "subject"})


def test_broken_page_does_not_conform(page, case_assist):
    describe_problem(page, "/broken/create-case")
    case_assist.expect_event(action="ticket_field_update")
    case_assist.assert_conforms()


@pytest.fixture
def opened_page(page):
    page.goto("/create-case")
    return page


def test_capture_attached_too_late(opened_page, case_assist):
    pass
"""

CASE_ASSIST_OUTCOMES = {
    "test_subject_update": "passed",
    "test_wrong_expectation": "failed",
    "test_forbidden_event": "failed",
    "test_broken_page_does_not_conform": "failed",
    "test_capture_attached_too_late": "error",
}


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A temporary project holding a copy of the demo scenarios."""
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", BROWSERS_PATH)
    if os.environ.get("CASE_ASSIST_CHECK_BROWSER"):
        pytester.makeconftest(EXPLICIT_BROWSER_CONFTEST)
    shutil.copytree(DEMO_SCENARIOS, pytester.path / "scenarios" / "demo")
    return pytester


def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # pytest-playwright's own session-scoped instance-method fixture warns under pytest 9: not ours to fix
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "ignore:Session-scoped fixtures defined as instance methods", *args, timeout=180
    )


def write(pytester: pytest.Pytester, relative: str, text: str) -> Path:
    path = pytester.path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """test name (without the [browser] suffix) → outcome, from `-rA`'s short summary."""
    found = {}
    for line in result.outlines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR") and "::" in rest:
            name = rest.split("::", 1)[1].split(" - ")[0]
            found[name.rsplit("[", 1)[0]] = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error"}[word]
    return found


# --- YAML scenarios as tests -----------------------------------------------------------------------------------


def test_demo_scenarios_pass_as_tests_and_the_session_report_is_written(project, demo_server):
    result = run_pytest(project, "scenarios/demo", "--ca-base-url", demo_server.base_url, "--ca-report", "report", "-v")

    result.assert_outcomes(passed=3)
    for name in SCENARIO_NAMES:  # one test per scenario, named by it, parametrized by pytest-playwright
        assert any(f"::{name}[chromium] PASSED" in line for line in result.outlines), name
    result.stdout.fnmatch_lines(
        [
            "*case-assist-check: analytics block, base URL http://127.0.0.1:*",
            "*3 passed, 0 failed, 0 errored of 3 scenarios*",
            "Report: *report*index.html",
        ]
    )
    report = project.path / "report"
    results = json.loads((report / "results.json").read_text())
    assert results["summary"]["total"] == results["summary"]["passed"] == 3
    assert sorted(s["name"] for s in results["scenarios"]) == sorted(SCENARIO_NAMES)
    assert all(s["events"] and s["steps"] for s in results["scenarios"])
    assert {s["expected_search_hub"] for s in results["scenarios"]} == {"demo_case_assist"}  # from _defaults.yaml
    assert results["browser"].startswith("Chromium ")
    assert (report / "index.html").is_file() and (report / "junit.xml").is_file()
    assert len(list((report / "screenshots").iterdir())) == 3


def test_demo_scenarios_fail_on_the_broken_site_listing_their_findings(project, demo_server):
    result = run_pytest(project, "scenarios/demo", "--ca-base-url", demo_server.base_url + "/broken")

    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ Submit a case after a classification[[]chromium[]] _*",
            "scenario 'Submit a case after a classification' (scenarios/demo/01-submit-case.yaml) does not conform: "
            "* error(s), * warning(s)",
            "  error   event.type (step #1): ticket_create_start (event #0) was sent as 'click', the protocol requires "
            "'flowStart'",
            "          hint: coveoua('send', 'event', 'svc', 'flowStart'*",
        ]
    )
    # one failure text per scenario (the short summary repeats it, in full when CI is set: not counted)
    assert sum(line.startswith("scenario '") and "does not conform" in line for line in result.stdout.lines) == 3
    assert (
        "scenario.expected-event: step #6 (line 16) expected ticket_next_stage but no such event was sent"
        in result.stdout.str()
    )
    assert "Traceback" not in result.stdout.str() and "run_scenario_item" not in result.stdout.str()


def test_k_selects_scenarios_by_name_and_the_base_url_comes_from_the_ini_file(project, demo_server):
    project.makeini(f"[pytest]\ncase_assist_base_url = {demo_server.base_url}\n")

    result = run_pytest(project, "scenarios/demo", "-k", "Quit", "-v")

    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(["*03-quit-from-review.yaml::Quit from the review stage[[]chromium[]] PASSED*"])

    one_file = run_pytest(project, "scenarios/demo/02-solved-by-article.yaml", "--collect-only", "-q")
    one_file.stdout.fnmatch_lines(
        [
            "scenarios/demo/02-solved-by-article.yaml::Cancel after an article solved the problem[[]chromium[]]",
            "1 test collected*",
        ]
    )


def test_a_scenario_that_cannot_be_driven_fails_with_its_cause_and_other_yaml_is_left_alone(project, demo_server):
    shutil.rmtree(project.path / "scenarios" / "demo")
    write(
        project,
        "scenarios/stuck.yaml",
        f"""
        name: Stuck on a missing button
        steps:
          - goto: {demo_server.base_url}/create-case
          - click: "#no-such-button"
            timeout: 1
    """,
    )
    write(project, "scenarios/relative.yaml", "name: Relative without a base\nsteps:\n  - goto: /create-case\n")
    write(project, "scenarios/_shared.yaml", "- click: '#next'\n")  # an include: never a test
    write(project, "scenarios/ci.yml", "jobs:\n  build:\n    steps: [{run: make}]\n")  # not a scenario
    write(project, "scenarios/data.yaml", "steps_taken: 3\n")

    result = run_pytest(project, "scenarios", "-rA")

    assert outcomes(result) == {"Stuck on a missing button": "failed", "Relative without a base": "failed"}
    result.stdout.fnmatch_lines_random(
        [
            "scenario 'Stuck on a missing button' (scenarios/stuck.yaml) could not be driven to its end: step #2 "
            "(click #no-such-button) failed: Locator.click: Timeout 1000ms exceeded*",
            "relative URL '/create-case' needs a base URL: pass --ca-base-url URL*",
        ]
    )
    assert "During handling" not in result.stdout.str()


def test_invalid_scenario_files_are_collection_errors_with_locations(project):
    shutil.rmtree(project.path / "scenarios" / "demo")
    write(
        project,
        "scenarios/typo.yaml",
        """
        name: A typo
        steps:
          - goto: /create-case
          - clik: "#next"
    """,
    )
    write(
        project,
        "scenarios/bad-regex.yaml",
        """
        name: A bad matcher
        steps:
          - goto: /create-case
            expect:
              - {action: ticket_create_start, client_id: {regex: "(("}}
    """,
    )

    result = run_pytest(project, "scenarios")

    assert result.ret == pytest.ExitCode.INTERRUPTED  # collection errors stop the session, as for Python files
    result.stdout.fnmatch_lines_random(
        [
            "scenarios/typo.yaml:5:*: unknown step kind 'clik'*",
            "    hint: did you mean 'click'?*",
            "scenarios/bad-regex.yaml:6:*: invalid regex '((': *",
            "ERROR scenarios/typo.yaml",
            "ERROR scenarios/bad-regex.yaml",
        ]
    )
    assert "Traceback" not in result.stdout.str() and "_getobj" not in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ca-var", "SUBJECT"], "ERROR: --ca-var 'SUBJECT' is not NAME=VALUE*"),
        (["--ca-config", "missing.yaml"], "ERROR: config file not found: *missing.yaml"),
        (
            ["-p", "no:playwright"],
            "ERROR: case-assist-check's pytest plugin needs pytest-playwright's sync fixtures *"
            "or turn this plugin off with -p no:case_assist_check.",
        ),
    ],
    ids=["malformed --ca-var", "missing --ca-config", "pytest-playwright disabled"],
)
def test_usage_errors_are_one_message(project, args, message):
    result = run_pytest(project, "scenarios/demo", *args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


# --- the case_assist fixture -------------------------------------------------------------------------------------


def test_case_assist_fixture_expectations_and_rulebook(project, demo_server):
    project.makepyfile(test_case_assist=CASE_ASSIST_TESTS)

    result = run_pytest(project, "test_case_assist.py", "--base-url", demo_server.base_url, "-rA")

    assert outcomes(result) == CASE_ASSIST_OUTCOMES
    text = result.stdout.str()
    # a wrong expectation names the closest event and the differing field
    assert (
        "AssertionError: no ticket_field_update event matching {'data': {'fieldName': 'description'}} within 1s" in text
    )
    assert "closest: event #1 ticket_field_update, which differs in:" in text
    assert "data.fieldName: expected 'description', observed 'subject'" in text
    assert "events sent so far (2): #0 ticket_create_start, #1 ticket_field_update" in text
    assert "ticket_field_update must not be sent, but event #1 is one" in text
    # assert_conforms lists the error-severity findings of the broken page
    assert "the page's Case Assist events do not conform: 1 error(s)" in text
    assert "error   event.type: ticket_create_start (event #0) was sent as 'click'" in text
    assert "case_assist was set up after the page had loaded http://127.0.0.1:" in text


# --- pytest-xdist ------------------------------------------------------------------------------------------------


def test_xdist_gives_the_same_results_and_the_controller_writes_one_report(project, demo_server):
    pytest.importorskip("xdist")
    project.makepyfile(test_case_assist=CASE_ASSIST_TESTS)

    # pytest-playwright's --base-url serves both: the scenarios' relative URLs and the Python tests' page.goto
    result = run_pytest(
        project,
        "scenarios/demo",
        "test_case_assist.py",
        "--base-url",
        demo_server.base_url,
        "--ca-report",
        "report",
        "-n",
        "2",
        "-rA",
    )

    assert outcomes(result) == {**{name: "passed" for name in SCENARIO_NAMES}, **CASE_ASSIST_OUTCOMES}
    result.stdout.fnmatch_lines(["created: 2/2 workers", "*3 passed, 0 failed, 0 errored of 3 scenarios*"])
    assert "data.fieldName: expected 'description', observed 'subject'" in result.stdout.str()
    results = json.loads((project.path / "report" / "results.json").read_text())
    assert results["summary"]["passed"] == 3 and results["status"] == "passed"
    assert [s["name"] for s in results["scenarios"]] == [  # by node ID, whichever worker ran which
        "Submit a case after a classification",
        "Cancel after an article solved the problem",
        "Quit from the review stage",
    ]
    assert len(list((project.path / "report" / "screenshots").iterdir())) == 3
