"""Scenario files → validated `Scenario` models, or every problem found with file:line:column and a hint."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from checker.check.matchers import MatcherError, compile_value
from checker.errors import ConfigError, Problem, ScenarioError
from checker.scenario.model import STEP_KINDS, Expectation, Scenario
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
        return None, problems_from_validation(exc, data, smap)
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


# --- pydantic errors → located problems -------------------------------------------------------------

_BRANCH_ERRORS = {"string_type", "model_type", "dict_type", "model_attributes_type", "int_type", "float_type"}


def problems_from_validation(exc: ValidationError, data: Any, smap: SourceMap) -> list[Problem]:
    errors = exc.errors(include_url=False)
    located = [(_data_path(e["loc"], data), e) for e in errors]
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for path, error in located:
        if error["type"] in _BRANCH_ERRORS and _has_deeper_error(path, error, located):
            continue  # a union branch that does not apply (e.g. "not a string" when a mapping was given)
        key = (path, error["type"], error["msg"])
        if key in seen:
            continue
        seen.add(key)
        problems.append(_problem(path, error, smap))
    return problems


def _has_deeper_error(path: tuple[Any, ...], error: dict[str, Any], located: list) -> bool:
    return any(other is not error and other["type"] not in _BRANCH_ERRORS and p[: len(path)] == path
               for p, other in located)


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Keep the parts of a pydantic location that index into the data (drop union tags and model names)."""
    path: list[Any] = []
    node = data
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if len(path) >= 2 and path[-2] == "steps" and isinstance(path[-1], int) and part in STEP_KINDS:
            path.extend(_data_path(tuple(parts), node))  # skip the discriminated union's tag, once
            return tuple(path)
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and _is_field_name(part):
            path.append(part)  # a missing required field: point at its parent
            node = None
    return tuple(path)


def _is_field_name(part: str) -> bool:
    return part.isidentifier() and part[:1].islower() and part not in ("str", "int", "float", "bool", "list", "dict")


def _problem(path: tuple[Any, ...], error: dict[str, Any], smap: SourceMap) -> Problem:
    kind = error["type"]
    where = _describe_path(path)
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        line, col = smap.locate_key(path)
        return Problem(smap.file, line, col, f"unknown key {key!r} in {_describe_path(path[:-1])}", _suggest(str(key)))
    if kind == "missing":
        line, col = smap.locate(path[:-1])
        return Problem(smap.file, line, col, f"{_describe_path(path[:-1])}: required key {path[-1]!r} is missing")
    if kind == "step_kind":
        return _step_kind_problem(path, error, smap)
    line, col = smap.locate(path)
    return Problem(smap.file, line, col, f"{where}: {error['msg'].lower()}", _type_hint(kind))


def _step_kind_problem(path: tuple[Any, ...], error: dict[str, Any], smap: SourceMap) -> Problem:
    step = error.get("input")
    line, col = smap.locate(path)
    where = _describe_path(path)
    if not isinstance(step, dict):
        return Problem(smap.file, line, col, f"{where}: a step must be a mapping such as `- click: \"#submit\"`")
    kinds = [k for k in step if k in STEP_KINDS]
    if len(kinds) > 1:
        return Problem(smap.file, line, col, f"{where} has several kinds ({', '.join(kinds)})", "split it into one step per kind")
    unknown = [k for k in step if k not in ("name", "timeout", "expect")]
    if unknown:
        guess = difflib.get_close_matches(str(unknown[0]), STEP_KINDS, n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else "step kinds: " + ", ".join(STEP_KINDS)
        line, col = smap.locate_key(path + (unknown[0],))
        return Problem(smap.file, line, col, f"{where}: unknown step kind {unknown[0]!r}", hint)
    return Problem(smap.file, line, col, f"{where} has no kind", "step kinds: " + ", ".join(STEP_KINDS))


def _describe_path(path: tuple[Any, ...]) -> str:
    if not path:
        return "the scenario"
    parts = []
    for part in path:
        parts.append(f"#{part + 1}" if isinstance(part, int) else str(part))
    text = " ".join(parts).replace("steps #", "step #").replace("expect #", "expect #")
    return text


def _known_keys() -> set[str]:
    keys: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            keys.add(name)
            for arg in getattr(info.annotation, "__args__", ()) or ():
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    walk(arg)
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                walk(info.annotation)

    walk(Scenario)
    walk(Expectation)
    for model in STEP_KINDS.values():
        walk(model)
    return keys


def _suggest(key: str) -> str:
    guess = difflib.get_close_matches(key, sorted(_known_keys()), n=1, cutoff=0.6)
    return f"did you mean {guess[0]!r}?" if guess else "remove it, or check the scenario format in the README"


def _type_hint(kind: str) -> str:
    return {
        "string_type": "quote the value to make it a string",
        "int_parsing": "write a whole number",
        "int_type": "write a whole number",
        "list_type": "write a list (lines starting with '- ')",
        "dict_type": "write a mapping (key: value)",
        "too_short": "add at least one entry",
        "literal_error": "use one of the values listed",
    }.get(kind, "")
