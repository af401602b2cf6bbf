"""pydantic validation errors → located problems (file:line:column, and a hint such as "did you mean …?")."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from checker.errors import Problem
from checker.scenario.model import STEP_KINDS, _StepBase
from checker.scenario.yaml_source import SourceMap

COMMON_STEP_KEYS = set(_StepBase.model_fields)

_BRANCH_ERRORS = {"string_type", "model_type", "dict_type", "model_attributes_type", "int_type", "float_type"}


def problems_from_validation(
    exc: ValidationError, data: Any, smap: SourceMap, models: list[type[BaseModel]], root: str = "the scenario"
) -> list[Problem]:
    """Every validation error, located; unknown keys get the closest key the `models` know."""
    errors = exc.errors(include_url=False)
    vocabulary = known_keys(models)
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
        problems.append(_problem(path, error, smap, vocabulary, root))
    return problems


def _has_deeper_error(
    path: tuple[Any, ...], error: ErrorDetails, located: list[tuple[tuple[Any, ...], ErrorDetails]]
) -> bool:
    return any(
        other is not error and other["type"] not in _BRANCH_ERRORS and p[: len(path)] == path for p, other in located
    )


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


def _problem(path: tuple[Any, ...], error: ErrorDetails, smap: SourceMap, vocabulary: set[str], root: str) -> Problem:
    kind = error["type"]
    where = _describe_path(path, root)
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        line, col = smap.locate_key(path)
        return Problem(
            smap.file_for(path),
            line,
            col,
            f"unknown key {key!r} in {_describe_path(path[:-1], root)}",
            _suggest(str(key), vocabulary),
        )
    if kind == "missing":
        line, col = smap.locate(path[:-1])
        return Problem(
            smap.file_for(path), line, col, f"{_describe_path(path[:-1], root)}: required key {path[-1]!r} is missing"
        )
    if kind == "step_kind":
        return _step_kind_problem(path, error, smap)
    line, col = smap.locate(path)
    message = (
        error["msg"].removeprefix("Value error, ")
        if kind == "value_error"
        else error["msg"][:1].lower() + error["msg"][1:]
    )
    return Problem(smap.file_for(path), line, col, f"{where}: {message}", _type_hint(kind))


def _step_kind_problem(path: tuple[Any, ...], error: ErrorDetails, smap: SourceMap) -> Problem:
    step = error.get("input")
    line, col = smap.locate(path)
    where = _describe_path(path)
    if not isinstance(step, dict):
        return Problem(
            smap.file_for(path), line, col, f'{where}: a step must be a mapping such as `- click: "#submit"`'
        )
    kinds = [k for k in step if k in STEP_KINDS]
    if len(kinds) > 1:
        return Problem(
            smap.file_for(path),
            line,
            col,
            f"{where} has several kinds ({', '.join(kinds)})",
            "split it into one step per kind",
        )
    unknown = [k for k in step if k not in COMMON_STEP_KEYS]
    if unknown:
        guess = difflib.get_close_matches(str(unknown[0]), STEP_KINDS, n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else "step kinds: " + ", ".join(STEP_KINDS)
        line, col = smap.locate_key(path + (unknown[0],))
        return Problem(smap.file_for(path), line, col, f"{where}: unknown step kind {unknown[0]!r}", hint)
    return Problem(smap.file_for(path), line, col, f"{where} has no kind", "step kinds: " + ", ".join(STEP_KINDS))


def _describe_path(path: tuple[Any, ...], root: str = "the scenario") -> str:
    if not path:
        return root
    parts = []
    for part in path:
        parts.append(f"#{part + 1}" if isinstance(part, int) else str(part))
    text = " ".join(parts).replace("steps #", "step #").replace("expect #", "expect #")
    return text


def known_keys(models: list[type[BaseModel]]) -> set[str]:
    """Every field name of these models and of the models nested in them."""
    keys: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            keys.add(name)
            for arg in getattr(info.annotation, "__args__", ()) or ():
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    walk(arg)
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                walk(info.annotation)

    for model in models:
        walk(model)
    return keys


def _suggest(key: str, vocabulary: set[str]) -> str:
    guess = difflib.get_close_matches(key, sorted(vocabulary), n=1, cutoff=0.6)
    return f"did you mean {guess[0]!r}?" if guess else "remove it, or check the format in the README"


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
