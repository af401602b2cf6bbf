"""The JSON report: `RunResult` as JSON, the source of truth every other view is made from."""

from __future__ import annotations

import json
from pathlib import Path

from checker.files import write_atomic
from checker.models import RunResult

PRETTY_MAX_EVENTS = 2_000


def write_json(result: RunResult, path: Path) -> Path:
    """Whole or not at all (`write_atomic`); raises `UnwrittenFile` when it cannot be written."""
    # ASCII escapes keep what a page sent exactly, lone surrogates and control characters included, in valid JSON.
    # Indented for a person to read, unless big: an indent makes `json` use its pure-Python encoder, about 15 times
    # slower (8.5 s instead of 0.5 s for a scenario of 10,000 events, a file nobody reads without `jq`).
    indent = 2 if sum(len(s.events) for s in result.scenarios) <= PRETTY_MAX_EVENTS else None
    return write_atomic(path, json.dumps(result.model_dump(mode="json"), indent=indent, ensure_ascii=True))


def read_json(path: Path) -> RunResult:
    return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
