"""`- include: _login.yaml` steps: the steps of another file (a list, or a mapping with `steps:`), relative to
the including file, with the including file's variables. Nested includes are allowed; cycles are not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from checker.errors import Problem, ScenarioError
from checker.scenario.model import STEP_KINDS, Step
from checker.scenario.validation_errors import problems_from_validation
from checker.scenario.variables import Variables, substitute
from checker.scenario.yaml_source import SourceMap, StepOrigin, display_name, read_yaml

MAX_DEPTH = 8
INCLUDE_KEYS = {"include", "frame", "name"}


class _IncludedSteps(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: list[Step]


def expand_includes(
    steps: list[Any],
    path: Path,
    smap: SourceMap,
    variables: Variables,
    base: tuple[Any, ...] = ("steps",),
    stack: tuple[Path, ...] = (),
) -> tuple[list[Any], list[StepOrigin], list[Problem]]:
    """The steps with every include replaced by the included steps, where each came from, and the problems."""
    out: list[Any] = []
    origins: list[StepOrigin] = []
    problems: list[Problem] = []
    for index, raw in enumerate(steps):
        where = base + (index,)
        if not (isinstance(raw, dict) and "include" in raw):
            out.append(raw)
            origins.append(StepOrigin(smap.file, smap, where))
            continue
        included, included_origins, found = _include(raw, where, path, smap, variables, stack + (path.resolve(),))
        problems.extend(found)
        out.extend(included)
        origins.extend(included_origins)
    return out, origins, problems


def _include(
    raw: dict[str, Any],
    where: tuple[Any, ...],
    path: Path,
    smap: SourceMap,
    variables: Variables,
    stack: tuple[Path, ...],
) -> tuple[list[Any], list[StepOrigin], list[Problem]]:
    def problem(message: str, hint: str = "", at: tuple[Any, ...] = ("include",)) -> list[Problem]:
        line, col = smap.locate(where + at)
        return [Problem(smap.file, line, col, message, hint)]

    extra = sorted(set(raw) - INCLUDE_KEYS)
    if extra:
        return (
            [],
            [],
            problem(
                f"an include step takes only include, frame and name, not {', '.join(extra)}",
                "put expectations on the included steps, or on the next step",
                (extra[0],),
            ),
        )
    if not isinstance(raw["include"], str) or not raw["include"]:
        return [], [], problem("include needs a file name", "write `- include: _login.yaml`")
    try:
        target = (path.parent / raw["include"]).resolve()
        found_file = target.is_file()
    except (OSError, ValueError) as exc:  # NUL bytes, names too long for the file system
        return [], [], problem(f"include path is not usable: {exc}", "write a relative file name like _login.yaml")
    if target in stack:
        return [], [], problem(f"include cycle: {raw['include']} includes itself (directly or not)")
    if len(stack) > MAX_DEPTH:
        return [], [], problem(f"includes nested more than {MAX_DEPTH} deep")
    if not found_file:
        return [], [], problem(f"included file not found: {raw['include']}", f"looked for {target}")
    steps, origins, problems = _steps_of(target, variables, stack)
    for step in steps:
        if raw.get("frame") is not None and isinstance(step, dict) and "frame" not in step and "goto" not in step:
            step["frame"] = raw["frame"]
    return steps, origins, problems


def _steps_of(
    target: Path, variables: Variables, stack: tuple[Path, ...]
) -> tuple[list[Any], list[StepOrigin], list[Problem]]:
    data, smap, problems = read_yaml(target, display_name(target))
    if problems:
        return [], [], problems
    base: tuple[Any, ...] = ("steps",) if isinstance(data, dict) else ()
    steps = data.get("steps") if isinstance(data, dict) else data
    if not isinstance(steps, list):
        return [], [], [Problem(smap.file, 1, 1, "an included file holds a list of steps (or `steps:` with one)")]
    steps, problems = substitute(steps, variables, smap, base)
    if problems:
        return [], [], problems
    steps, origins, problems = expand_includes(steps, target, smap, variables, base, stack)
    if problems:
        return [], [], problems
    try:
        _IncludedSteps.model_validate({"steps": steps})
    except ValidationError as exc:
        located = SourceMap(smap.file).with_steps(origins)
        return [], [], problems_from_validation(exc, {"steps": steps}, located, list(STEP_KINDS.values()))
    return steps, origins, []


def load_steps(path: Path, cli_vars: dict[str, str] | None = None) -> list[Any]:
    """A file of steps (e.g. a login) as step models, variables substituted; raises ScenarioError."""
    variables = Variables(cli=cli_vars or {}, env=dict(os.environ))
    steps, _origins, problems = _steps_of(Path(path), variables, ())
    if problems:
        raise ScenarioError(problems)
    return _IncludedSteps.model_validate({"steps": steps}).steps
