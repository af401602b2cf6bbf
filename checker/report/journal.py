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

import errno
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from checker.files import note_unwritten
from checker.redact import Redactor


class Journal:
    """Each record reaches the file whole, as one write, or not at all: a write the disk cannot take is undone (the
    file cut back to its last complete line) and the journal stops there, said once (`note_unwritten`), so what
    it holds is always a readable prefix of the scenario. The audit itself goes on."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self._fd: int | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            note_unwritten(path, exc, detail="no journal for this scenario")
        self._lock = threading.Lock()  # the capture's listeners may call from Playwright's threads

    def write(self, kind: str, payload: BaseModel | dict[str, Any]) -> None:
        if self._fd is None:
            return
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload)
        data = self.redactor.value(data)  # names, descriptions and errors may hold a secret variable's value
        line = (json.dumps({"kind": kind, "data": data}, ensure_ascii=True, default=str) + "\n").encode("ascii")
        with self._lock:
            if self._fd is None:
                return
            try:
                _append(self._fd, line)
            except OSError as exc:  # a full disk must not stop the audit; results.json is still written at the end
                note_unwritten(self.path, exc, detail="its journal stops there")
                empty = _size(self._fd) == 0
                self._close()
                if empty:  # absent rather than empty
                    try:
                        self.path.unlink()
                    except OSError:
                        pass

    def close(self) -> None:
        with self._lock:
            self._close()

    def __del__(self) -> None:  # a scenario that ended in an exception never closed it
        self._close()

    def _close(self) -> None:
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _size(fd: int) -> int | None:
    try:
        return os.fstat(fd).st_size
    except OSError:
        return None


def _append(fd: int, line: bytes) -> None:
    """Append one line, whole: a short write (the disk filled up midway) is cut back off and raised."""
    start = os.lseek(fd, 0, os.SEEK_END)
    view = memoryview(line)
    try:
        while view:
            written = os.write(fd, view)
            if written <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[written:]
    except OSError:
        try:
            os.ftruncate(fd, start)
        except OSError:
            pass
        raise


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
