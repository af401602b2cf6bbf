"""The JSON report: `RunResult` as JSON, the source of truth every other view is made from."""

from __future__ import annotations

import json
from pathlib import Path

from checker.files import write_atomic
from checker.models import RunResult


def write_json(result: RunResult, path: Path) -> Path:
    """Whole or not at all (`write_atomic`); raises `UnwrittenFile` when it cannot be written."""
    # ASCII escapes keep what a page sent exactly, lone surrogates and control characters included, in valid JSON
    return write_atomic(path, json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=True))


def read_json(path: Path) -> RunResult:
    return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
