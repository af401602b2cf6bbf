"""Scenario files → validated `Scenario` models, or every problem found with file:line:column and a hint.

Loading a file: parse YAML (positions kept) → substitute `${VARS}` → expand `include:` steps → validate with
pydantic → apply folder and file `defaults:` → check matchers and `capture`/`same_as` references.
Files whose name starts with `_` (included steps, `_defaults.yaml`) are never run as scenarios.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from checker.errors import CheckerError, ConfigError, Problem, ScenarioError
from checker.scenario.checks import attach_lines, reference_problems
from checker.scenario.includes import expand_includes
from checker.scenario.model import STEP_KINDS, Defaults, Expectation, ExpectBlock, Scenario
from checker.scenario.validation_errors import problems_from_validation
from checker.scenario.variables import Variables, substitute
from checker.scenario.yaml_source import SourceMap, StepOrigin, display_name, read_yaml

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULTS_FILE = "_defaults.yaml"


@dataclass
class LoadOptions:
    vars: Mapping[str, str] = field(default_factory=dict)  # --var NAME=VALUE
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def discover(paths: Iterable[str | Path]) -> list[tuple[Path, Path]]:
    """(scenario file, root it was found under), files as given, folders searched recursively, sorted."""
    found: list[tuple[Path, Path]] = []
    paths = list(paths)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file() and not p.name.startswith("_")
            )
            found.extend((p, path) for p in files)
        elif path.is_file():
            found.append((path, path.parent))
        else:
            raise ConfigError(f"no such file or folder: {raw}", "give scenario files or folders holding *.yaml")
    if not found:
        raise ConfigError(
            "no scenario files found in " + ", ".join(map(str, paths)), "scenario files end in .yaml or .yml"
        )
    return found


def load_scenarios(paths: Iterable[str | Path], options: LoadOptions | None = None) -> list[Scenario]:
    """Load every scenario, raising one ScenarioError listing all problems of all files."""
    options = options or LoadOptions()
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for path, root in discover(paths):
        defaults, default_problems = folder_defaults(path, root)
        scenario, file_problems = _load_guarded(path, options, defaults)
        problems.extend(default_problems + file_problems)
        if scenario is None:
            continue
        if scenario.name in first_seen:
            problems.append(
                Problem(
                    scenario.file,
                    1,
                    1,
                    f"duplicate scenario name {scenario.name!r}",
                    f"already used by {first_seen[scenario.name]}; names key the results",
                )
            )
            continue
        first_seen[scenario.name] = scenario.file
        scenarios.append(scenario)
    if problems:
        raise ScenarioError(_unique(problems))
    return scenarios


def _load_guarded(path: Path, options: LoadOptions, defaults: dict[str, Any]) -> tuple[Scenario | None, list[Problem]]:
    """One file's load; a bug of ours on strange input is reported against that file, not as a crash of the run."""
    try:
        return load_file(path, options, defaults)
    except RecursionError:
        return None, [Problem(display_name(path), 1, 1, "the file is nested too deeply to read")]
    except CheckerError:
        raise
    except Exception as exc:  # noqa: BLE001 - keep the other files' problems; say which file and what
        return None, [
            Problem(
                display_name(path),
                1,
                1,
                f"could not load this file ({type(exc).__name__}: {exc})",
                "please report this file to the case-assist-check maintainers",
            )
        ]


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def folder_defaults(path: Path, root: Path) -> tuple[dict[str, Any], list[Problem]]:
    """`_defaults.yaml` of every folder from `root` down to the file's own, the deeper winning."""
    merged: dict[str, Any] = {}
    problems: list[Problem] = []
    folders = [path.parent]
    while folders[-1] != root and root in folders[-1].parents:
        folders.append(folders[-1].parent)
    for folder in reversed(folders):
        candidate = folder / DEFAULTS_FILE
        if candidate.is_file():
            data, smap, found = read_yaml(candidate, display_name(candidate))
            problems.extend(found)
            if isinstance(data, dict):
                try:
                    Defaults.model_validate(data)
                    merged.update(data)
                except ValidationError as exc:
                    problems.extend(problems_from_validation(exc, data, smap, [Defaults], "the folder defaults"))
    return merged, problems


def load_file(
    path: Path, options: LoadOptions | None = None, inherited: dict[str, Any] | None = None
) -> tuple[Scenario | None, list[Problem]]:
    options = options or LoadOptions()
    name = display_name(path)
    data, smap, problems = read_yaml(path, name)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        line, col = smap.locate((0,)) if isinstance(data, list) else (1, 1)
        return None, [Problem(name, line, col, "a scenario file must be a mapping", "start with `name:` and `steps:`")]
    variables = _variables(data, options)
    data, problems = substitute(data, variables, smap)
    origins: list[StepOrigin] = []
    if isinstance(data.get("steps"), list):
        data["steps"], origins, include_problems = expand_includes(data["steps"], path, smap, variables)
        problems += include_problems
    if problems:
        return None, problems
    if isinstance(data.get("defaults"), dict) or data.get("defaults") is None:
        data["defaults"] = {**(inherited or {}), **(data.get("defaults") or {})}
    located = smap.with_steps(origins)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation(
            exc, data, located, [Scenario, Expectation, ExpectBlock, *STEP_KINDS.values()]
        )
    scenario._file = name
    scenario._secret_values = sorted(variables.secret_values)
    _apply_defaults(scenario)
    attach_lines(scenario, located)
    problems = list(reference_problems(scenario, located))
    return (None if problems else scenario), problems


def _variables(data: dict[str, Any], options: LoadOptions) -> Variables:
    file_vars = data.get("vars")
    if not isinstance(file_vars, dict):
        file_vars = {}
    secrets = data.get("secrets")
    if not isinstance(secrets, list):
        secrets = []
    return Variables(cli=dict(options.vars), env=options.env, file=file_vars, secret_names={str(s) for s in secrets})


def _apply_defaults(scenario: Scenario) -> None:
    defaults = scenario.defaults
    scenario.search_hub = scenario.search_hub or defaults.search_hub
    if defaults.frame is not None:
        for step in scenario.steps:
            if step.frame is None and not hasattr(step, "goto"):
                step.frame = defaults.frame


__all__ = ["LoadOptions", "discover", "load_scenarios", "load_file", "SourceMap"]
