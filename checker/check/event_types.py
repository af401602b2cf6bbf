"""Coveo's published Event Protocol types (`@coveo/relay-event-types`) as a JSON Schema, and what an Event Protocol
payload breaks in it.

`case-assist-check setup` generates the schema from the package's TypeScript definitions (ts-json-schema-generator,
both pinned in checker/demo/package-lock.json) into `relay-event-types.schema.json` beside this module; it is not in
git. Without it the Event Protocol payloads are checked by the document's rules only, and `missing_schema()` says so.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft7Validator, ValidationError

SCHEMA_PATH = Path(__file__).with_name("relay-event-types.schema.json")
SOURCE_KEY = "x-source"  # the package and version the schema was generated from, written by setup

ProblemKind = Literal["required", "type", "enum", "other"]


@dataclass(frozen=True)
class EpProblem:
    """One way an Event Protocol payload breaks its published type: `path` is the JSON path in the payload."""

    kind: ProblemKind
    path: str
    message: str


@functools.cache
def relay_schema() -> dict[str, Any] | None:
    try:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return schema if isinstance(schema, dict) and isinstance(schema.get("definitions"), dict) else None


def schema_source() -> str:
    schema = relay_schema()
    return str(schema.get(SOURCE_KEY, "@coveo/relay-event-types")) if schema else "@coveo/relay-event-types"


def missing_schema() -> str | None:
    """Why Event Protocol payloads are not checked against the published types, or None when they are."""
    if relay_schema() is None:
        return f"{SCHEMA_PATH} is missing: run `case-assist-check setup` to generate it from @coveo/relay-event-types"
    return None


@functools.cache
def _validator(ep_type: str) -> Draft7Validator | None:
    schema = relay_schema()
    if schema is None or ep_type not in schema["definitions"]:
        return None
    return Draft7Validator({**schema["definitions"][ep_type], "definitions": schema["definitions"]})


def ep_problems(ep_type: str, payload: dict[str, Any]) -> list[EpProblem]:
    """What `payload` (an Event Protocol event without its `meta`) breaks in the published type `ep_type`. Keys the
    type does not name are not reported: the collector ignores them, and no event is lost by them."""
    validator = _validator(ep_type)
    if validator is None:
        return []
    return [p for error in validator.iter_errors(payload) for p in _problems(error)]


def _problems(error: ValidationError) -> Iterator[EpProblem]:
    where = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name in error.validator_value:
            if name not in instance:
                path = f"{where}.{name}" if where else str(name)
                yield EpProblem("required", path, f"{path} is required")
    elif error.validator == "enum":
        allowed = " or ".join(repr(v) for v in error.validator_value)
        yield EpProblem("enum", where, f"{where} is {error.instance!r}; the type allows {allowed}")
    elif error.validator == "type":
        yield EpProblem(
            "type", where, f"{where} is {_json_type(error.instance)}; the type says {error.validator_value}"
        )
    elif error.validator != "additionalProperties":
        yield EpProblem("other", where, f"{where or 'the payload'}: {error.message}")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
