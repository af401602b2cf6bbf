"""Scenario files → validated `Scenario` models, or every problem found with file:line:column and a hint."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from checker.check.matchers import MatcherError, compile_value
from checker.errors import ConfigError, Problem, ScenarioError
from checker.scenario.model import STEP_KINDS, Expectation, Scenario
from checker.scenario.validation_errors import problems_from_validation
from checker.scenario.yaml_source import SourceMap, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")
MATCHED_FIELDS = ("event_type", "data", "ticket", "client_id", "search_hub")


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files named on the command line: files as given, folders searched recursively, sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError(f"no such file or folder: {raw}", "give scenario files or folders holding *.yaml")
    if not found:
        raise ConfigError("no scenario files found in " + ", ".join(map(str, paths)), "scenario files end in .yaml or .yml")
    return found


def load_scenarios(paths: Iterable[str | Path]) -> list[Scenario]:
    """Load every scenario, raising one ScenarioError listing all problems of all files."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for path in discover(paths):
        scenario, file_problems = load_file(path)
        problems.extend(file_problems)
        if scenario is None:
            continue
        if scenario.name in first_seen:
            problems.append(Problem(scenario.file, 1, 1, f"duplicate scenario name {scenario.name!r}",
                                    f"already used by {first_seen[scenario.name]}; names key the results"))
            continue
        first_seen[scenario.name] = scenario.file
        scenarios.append(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenarios


def load_file(path: Path) -> tuple[Scenario | None, list[Problem]]:
    name = _display_name(path)
    data, smap, problems = read_yaml(path, name)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(name, 1, 1, "a scenario file must be a mapping", "start with `name:` and `steps:`")]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation(exc, data, smap, [Scenario, Expectation, *STEP_KINDS.values()])
    scenario._file = name
    _attach_lines(scenario, smap)
    problems = list(_matcher_problems(scenario, smap))
    return (None if problems else scenario), problems


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _expectations_with_paths(scenario: Scenario) -> Iterable[tuple[tuple[Any, ...], Expectation]]:
    for index, step in enumerate(scenario.steps):
        for j, expectation in enumerate(step.expect):
            yield ("steps", index, "expect", j), expectation
    for j, expectation in enumerate(scenario.expect):
        yield ("expect", j), expectation


def _attach_lines(scenario: Scenario, smap: SourceMap) -> None:
    for index, step in enumerate(scenario.steps):
        step._line = smap.line_of(("steps", index))
    for path, expectation in _expectations_with_paths(scenario):
        expectation._line = smap.line_of(path)


def _matcher_problems(scenario: Scenario, smap: SourceMap) -> Iterable[Problem]:
    for path, expectation in _expectations_with_paths(scenario):
        for field in MATCHED_FIELDS:
            value = getattr(expectation, field)
            if value is None:
                continue
            try:
                compile_value(value, path + (field,))
            except MatcherError as exc:
                line, col = smap.locate(exc.path)
                yield Problem(smap.file, line, col, exc.message, exc.hint)
