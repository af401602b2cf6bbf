"""Scenario files: valid ones load with line numbers; every problem of a broken one is reported with file:line:col."""

from __future__ import annotations

import textwrap

import pytest

from checker.errors import ConfigError, ScenarioError
from checker.scenario import load_scenarios
from checker.scenario.model import describe_step, step_kind


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(tmp_path, text):
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenarios([path])
    return [(p.line, p.column, p.message, p.hint) for p in info.value.problems]


def test_valid_scenario_loads_with_lines(tmp_path):
    path = write(
        tmp_path,
        "ok.yaml",
        """\
        name: Submit
        steps:
          - goto: /create-case
          - fill: {selector: "#subject", value: "GC110"}
            expect:
              - action: ticket_field_update
                data: {fieldName: subject}
          - click: "text=Electrical"
          - select: {selector: "#category", label: Billing}
          - press: {key: Enter}
          - wait_for: {selector: "#done", state: attached}
          - wait: 10
        expect:
          - action: ticket_create
            ticket: {id: {regex: "^500"}}
        """,
    )
    (scenario,) = load_scenarios([path])
    assert [step_kind(s) for s in scenario.steps] == ["goto", "fill", "click", "select", "press", "wait_for", "wait"]
    assert [s.line for s in scenario.steps] == [3, 4, 8, 9, 10, 11, 12]
    assert scenario.steps[1].expect[0].line == 6 and scenario.expect[0].line == 14
    assert describe_step(scenario.steps[2]) == "click text=Electrical"
    assert scenario.steps[1].fill.blur is True


def test_unknown_step_kind_suggests_the_closest(tmp_path):
    found = problems(
        tmp_path,
        """\
        name: x
        steps:
          - goto: /a
          - clik: "#b"
        """,
    )
    assert found == [(4, 5, "step #2: unknown step kind 'clik'", "did you mean 'click'?")]


def test_unknown_key_and_missing_value_located(tmp_path):
    found = problems(
        tmp_path,
        """\
        name: x
        steps:
          - fill: {selector: "#a", valeu: "b"}
          - click: "#c"
            timout: 3
        """,
    )
    assert (3, 28, "unknown key 'valeu' in step #1 fill", "did you mean 'value'?") in found
    assert any(line == 3 and "required key 'value' is missing" in msg for line, _, msg, _ in found)
    assert (5, 5, "unknown key 'timout' in step #2", "did you mean 'timeout'?") in found


def test_wrong_types_and_choices(tmp_path):
    found = problems(
        tmp_path,
        """\
        name: x
        steps:
          - wait: soon
          - wait_for: {selector: "#a", state: gone}
        """,
    )
    assert found[0][:2] == (3, 11) and "valid integer" in found[0][2]
    assert found[1][:2] == (4, 39) and "'attached', 'detached', 'visible' or 'hidden'" in found[1][2]


def test_step_with_two_kinds(tmp_path):
    found = problems(
        tmp_path,
        """\
        name: x
        steps:
          - click: "#a"
            fill: {selector: "#a", value: b}
        """,
    )
    assert found == [(3, 5, "step #1 has several kinds (click, fill)", "split it into one step per kind")]


def test_bad_regex_located(tmp_path):
    found = problems(
        tmp_path,
        """\
        name: x
        steps:
          - goto: /a
        expect:
          - action: ticket_create
            ticket: {id: {regex: "^5(00"}}
        """,
    )
    assert len(found) == 1 and found[0][0] == 6 and "invalid regex" in found[0][2]


def test_invalid_yaml_and_empty_file(tmp_path):
    found = problems(tmp_path, "name: x\nsteps:\n  - goto: [unclosed\n")
    assert found[0][0] is not None and "invalid YAML" in found[0][2]
    path = write(tmp_path, "empty.yaml", "   \n")
    with pytest.raises(ScenarioError) as info:
        load_scenarios([path])
    assert "empty" in info.value.problems[0].message


def test_missing_name_and_steps(tmp_path):
    found = problems(tmp_path, "description: nothing else\n")
    messages = {msg for _, _, msg, _ in found}
    assert "the scenario: required key 'name' is missing" in messages
    assert "the scenario: required key 'steps' is missing" in messages


def test_duplicate_names_across_files(tmp_path):
    write(tmp_path, "a.yaml", "name: same\nsteps: [{goto: /a}]\n")
    write(tmp_path, "b.yaml", "name: same\nsteps: [{goto: /b}]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenarios([tmp_path])
    assert "duplicate scenario name 'same'" in info.value.problems[0].message


def test_missing_path_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        load_scenarios([tmp_path / "nope"])
    with pytest.raises(ConfigError):
        load_scenarios([tmp_path])  # a folder without scenarios


def test_all_problems_of_all_files_reported_together(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nsteps:\n  - clik: x\n")
    write(tmp_path, "b.yaml", "name: b\nsteps:\n  - wait: never\n")
    with pytest.raises(ScenarioError) as info:
        load_scenarios([tmp_path])
    assert {p.file.rsplit("/", 1)[-1] for p in info.value.problems} == {"a.yaml", "b.yaml"}
    assert "2 problems" in info.value.render()
