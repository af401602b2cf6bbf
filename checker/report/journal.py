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

from pydantic import BaseModel, TypeAdapter

from checker.files import note_unwritten
from checker.redact import Redactor

FLUSH_AFTER_S = 0.2  # how late a request or JS call may reach the file (a page logging thousands of events
FLUSH_BYTES = 64 * 1024  # pays one write per batch, not one per record)
AT_ONCE = frozenset({"scenario", "step", "result"})  # written as they come, with whatever is held before them


class Journal:
    """Records reach the file whole, in order, or not at all: requests and JS calls in batches (at most
    FLUSH_AFTER_S late), the scenario's header, steps and result at once. A write the disk cannot take is undone (the
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
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._timer: threading.Timer | None = None  # writes what is held when the page goes quiet

    def write(
        self, kind: str, payload: BaseModel | dict[str, Any], redacted: bool = False, captured: tuple[str, ...] = ()
    ) -> None:
        """Append one record. `redacted`: the capture already masked it with this run's redactor (requests and
        JS calls, thousands a scenario), so it is not masked twice; `captured`: the fields of a model that the
        capture masked in the same way (a result's requests, calls and the events decoded from them). Other models (steps, the rest of a result)
        are masked as JSON text; a dict, value by value. (At the end of the run `scrub_file` masks the journals
        again with every secret the run learnt.)"""
        if self._fd is None:
            return
        line = _line(kind, payload, None if redacted else self.redactor, captured)
        if line is None:
            data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload)
            data = self.redactor.value(data)  # names, descriptions and errors may hold a secret variable's value
            line = (json.dumps({"kind": kind, "data": data}, ensure_ascii=True, default=str) + "\n").encode("ascii")
        with self._lock:
            if self._fd is None:
                return
            self._held.append(line)
            self._held_bytes += len(line)
            if kind in AT_ONCE or self._held_bytes >= FLUSH_BYTES:
                self._write_held()
            elif self._timer is None:
                self._timer = threading.Timer(FLUSH_AFTER_S, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            self._write_held()

    def _write_held(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        lines, self._held, self._held_bytes = self._held, [], 0
        if self._fd is None or not lines:
            return
        try:
            _append(self._fd, b"".join(lines))
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
            self._write_held()
            self._close()

    def __del__(self) -> None:  # a scenario that ended in an exception never closed it
        if getattr(self, "_held", None):
            self._write_held()
        self._close()

    def _close(self) -> None:
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _line(
    kind: str, payload: BaseModel | dict[str, Any], redactor: Redactor | None, captured: tuple[str, ...] = ()
) -> bytes | None:
    """The record as pydantic writes it (in Rust, several times faster than `json.dumps` of `model_dump`; a
    scenario's result holds every request, call and event), masked as text by `redactor` if given except for the
    `captured` fields; or None when it cannot: a lone surrogate from a page's string is not UTF-8, and masking
    must leave valid JSON."""
    if not isinstance(payload, BaseModel):
        return None
    try:
        data = payload.model_dump_json(exclude=set(captured))
        kept = [(name, _json_of(getattr(payload, name))) for name in captured]
    except ValueError:  # PydanticSerializationError
        return None
    if redactor is not None:
        masked = redactor.text(data) or data
        if masked != data:
            try:
                json.loads(masked)
            except ValueError:  # a secret cut inside an escape sequence: mask it value by value instead
                return None
            data = masked
    if kept:  # the captured fields go back in, already masked, without a second pass
        fields = ",".join(f'"{name}":{text}' for name, text in kept)
        data = data[:-1] + ("," if data != "{}" else "") + fields + "}"
    return b'{"kind": "' + kind.encode("ascii") + b'", "data": ' + data.encode("utf-8") + b"}\n"


_ANY = TypeAdapter(Any)  # serializes a list of models as their own serializers would, in Rust


def _json_of(value: Any) -> str:
    return _ANY.dump_json(value).decode("utf-8")


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
