"""The scenario language against the real demo site: each step kind, ordering mode and matcher, both ways
(a scenario that holds passes, one that does not fails with the right finding). One run for all scenarios."""

from __future__ import annotations

import pytest

from checker.runner import RunOptions, run
from checker.scenario import LoadOptions, load_scenarios

OPEN = """\
  - goto: /create-case
  - fill: {selector: "#subject", value: "GC110 malfunction"}
"""

# name → (steps and expectations after the opening two steps, the rules expected to fire ([] = passes))
CASES: dict[str, tuple[str, list[str]]] = {
    "regex holds": (
        """\
  - fill: {selector: "#description", value: "My GC110 electrical panel is cutting off"}
  - click: "#classifications >> role=button[name='Electrical']"
    expect: [{action: ticket_classification_click, data: {classificationId: {regex: "^[0-9a-f-]{36}$"}}}]
""",
        [],
    ),
    "regex fails": (
        """\
  - fill: {selector: "#description", value: "My GC110 electrical panel is cutting off"}
  - click: "#classifications >> role=button[name='Electrical']"
    expect: [{action: ticket_classification_click, data: {classificationId: {regex: "^500"}}}]
""",
        ["scenario.expected-event"],
    ),
    "range, type and one_of hold": (
        """\
  - click: ".document[data-position='1'] .rate-up"
    expect:
      - action: suggestion_rate
        data: {rate: {range: [0, 1]}, responseId: {type: string}, suggestion: {documentPosition: {one_of: [1, 2]}}}
""",
        [],
    ),
    "range fails": (
        """\
  - click: ".document[data-position='1'] .rate-down"
    expect: [{action: suggestion_rate, data: {rate: {range: [0.5, 1]}}}]
""",
        ["scenario.expected-event"],
    ),
    "type fails": (
        """\
  - click: ".document[data-position='1'] .rate-up"
    expect: [{action: suggestion_rate, data: {rate: {type: string}}}]
""",
        ["scenario.expected-event"],
    ),
    "one_of fails": (
        """\
  - click: "#solved"
    expect: [{action: ticket_cancel, data: {reason: {one_of: [Quit]}}}]
""",
        ["scenario.expected-event"],
    ),
    "any and absent hold": (
        """\
  - click: "#next"
  - click: "#cancel"
    expect: [{action: ticket_cancel, data: {reason: {any: true}}, ticket: {id: {absent: true}}}]
""",
        [],
    ),
    "absent fails": (
        """\
  - click: "#next"
  - click: "#submit"
    expect: [{action: ticket_create, ticket: {id: {absent: true}}}]
""",
        ["scenario.expected-event"],
    ),
    "any fails": (
        """\
  - click: "#next"
    expect: [{action: ticket_next_stage, data: {stage: {any: true}}}]
""",
        ["scenario.expected-event"],
    ),
    "capture and same_as hold": (
        """\
  - click: "#next"
    expect: [{action: ticket_next_stage, client_id: {capture: cid}}]
  - click: "#submit"
    expect: [{action: ticket_create, client_id: {same_as: cid}}]
""",
        [],
    ),
    "any_order accepts a permutation": (
        """\
  - click: "#next"
  - click: "#cancel"
expect:
  order: any_order
  events: [{action: ticket_cancel}, {action: ticket_next_stage}, {action: ticket_create_start}]
""",
        [],
    ),
    "in_order refuses the permutation": (
        """\
  - click: "#next"
  - click: "#cancel"
expect: [{action: ticket_cancel}, {action: ticket_next_stage}]
""",
        ["scenario.expected-event"],
    ),
    "exact refuses an extra event": (
        """\
  - click: "#next"
expect:
  order: exact
  events: [{action: ticket_create_start}, {action: ticket_next_stage}]
""",
        ["scenario.expected-event", "scenario.unexpected-event"],
    ),  # position 2 differs, and an event too many
    "exact holds": (
        """\
  - click: "#next"
expect:
  order: exact
  events: [{action: ticket_create_start}, {action: ticket_field_update}, {action: ticket_next_stage}]
""",
        [],
    ),
    "count fails": (
        """\
  - fill: {selector: "#description", value: "noise"}
expect: [{action: ticket_field_update, count: 1}]
""",
        ["scenario.expected-event"],
    ),
    "expect_none fails": (
        """\
  - click: "#next"
  - click: "#submit"
    expect_none: [{action: ticket_create}]
""",
        ["scenario.unexpected-event"],
    ),
    "wait_for_event times out": (
        """\
  - wait_for_event: {action: ticket_next_stage}
    timeout: 1
""",
        ["scenario.expected-event"],
    ),
    "check, hover, press, wait, evaluate and screenshot steps": (
        """\
  - hover: "#next"
  - press: {selector: "#subject", key: Tab}
  - click: "#next"
  - check: "#contact-consent"
  - check: {selector: "#contact-consent", checked: false}
  - evaluate: "document.querySelector('#contact-consent').checked === false || (() => { throw new Error('still checked') })()"
  - wait: 50
  - screenshot: review
""",
        [],
    ),
}


@pytest.fixture(scope="module")
def language_run(browser, demo_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("language")
    for index, (name, (body, _)) in enumerate(CASES.items()):
        steps, _, flow = body.partition("\nexpect:")  # a scenario-level block starts at column 0
        text = f"name: {name}\nsteps:\n{OPEN}{steps}\n" + (f"expect:{flow}" if flow else "")
        (folder / f"case-{index:02d}.yaml").write_text(text)
    options = RunOptions(base_url=demo_server.base_url, report_dir=folder / "report", expect_timeout_s=1.5)
    return {s.name: s for s in run(load_scenarios([folder], LoadOptions(env={})), options, browser=browser).scenarios}


@pytest.mark.parametrize("name", list(CASES))
def test_language_case(language_run, name):
    result = language_run[name]
    expected_rules = CASES[name][1]
    errors = sorted({v.rule for v in result.violations if v.severity.value == "error"})
    assert result.error is None, result.error
    assert errors == sorted(set(expected_rules)), [v.message for v in result.violations]
    assert result.status.value == ("failed" if expected_rules else "passed")


def test_screenshot_step_keeps_a_labelled_picture(language_run):
    result = language_run["check, hover, press, wait, evaluate and screenshot steps"]
    shot = result.steps[-1]
    assert shot.kind == "screenshot" and shot.screenshot.endswith("-review.jpg")


def test_a_throwing_evaluate_is_a_step_error(browser, demo_server, tmp_path):
    (tmp_path / "s.yaml").write_text(
        f"name: boom\nsteps:\n{OPEN}  - evaluate: \"(() => {{ throw new Error('widget missing') }})()\"\n  - click: '#next'\n"
    )
    result = run(
        load_scenarios([tmp_path]),
        RunOptions(base_url=demo_server.base_url, report_dir=tmp_path / "r"),
        browser=browser,
    ).scenarios[0]
    assert result.status.value == "error" and "widget missing" in result.error
    assert [s.status.value for s in result.steps] == ["passed", "passed", "error", "skipped"]
    assert [e.action for e in result.events] == ["ticket_create_start", "ticket_field_update"]  # kept
