"""Nothing lost: what a scenario captures is appended, as it arrives, to a JSON Lines journal
(`<report>/raw/<scenario>.jsonl`), so a crash of the tool or the browser leaves a readable record, and
`case-assist-check report DIR` can rebuild the report from it.

    {"kind": "scenario", "data": {"name": …, "file": …, "started_at": …}}
    {"kind": "request", "data": CapturedRequest}   as each analytics / Service API request leaves the page
    {"kind": "js_call", "data": JsCall}            as each coveoua / Headless / transport call is made
    {"kind": "step", "data": StepResult}           as each step ends
    {"kind": "result", "data": ScenarioResult}     when the scenario is checked (absent if the run died first)

(The record's own fields stay under "data": requests and steps have a `kind` of their own.)

Everything written is already redacted (capture redacts before anything is stored).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from checker.decode.redact import Redactor


class Journal:
    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.redactor = redactor or Redactor()
        self._file = path.open("a", encoding="utf-8", buffering=1)  # line-buffered: each record reaches the disk

    def write(self, kind: str, payload: BaseModel | dict[str, Any]) -> None:
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload)
        data = self.redactor.value(data)  # names, descriptions and errors may hold a secret variable's value
        try:
            self._file.write(json.dumps({"kind": kind, "data": data}, ensure_ascii=True, default=str) + "\n")
        except (OSError, ValueError):
            pass  # a full disk must not stop the audit; results.json is still written at the end

    def close(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a journal; a line cut short by a crash is skipped."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and "kind" in record and isinstance(record.get("data"), dict):
                yield record
