"""Writing the artefacts: each file whole or not at all, and what could not be written said once, not a crash.

Every artefact (results.json, the --json and --junit copies, index.html, screenshots, copied traces) goes through
`write_atomic`: written to a temporary file beside its target, then renamed over it. A full disk, a quota or a
crash leaves the previous file as it was, or none — never a truncated or empty one.

A write that fails is noted here (`note_unwritten`) instead of stopping the run: the scenarios' results stay about
the page, the other artefacts are still written, and the command line prints each lost artefact once, on one line,
and exits with its own code (see `checker.commands.EXIT_OUTPUT`). The notes are per process, shared by the
threads of a `--workers` run.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


class UnwrittenFile(OSError):
    """An artefact could not be written; `path` is the artefact, `reason` why (the OS's words)."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path = Path(path)
        if cause.errno == errno.ENOTDIR and cause.strerror:  # name the file that stands where a folder should be
            blocker = next((p for p in reversed(self.path.parents) if p.exists() and not p.is_dir()), None)
            self.reason = f"{cause.strerror}: {blocker}" if blocker is not None else reason(cause, self.path)
        else:
            self.reason = reason(cause, self.path)


def reason(exc: BaseException, path: Path | None = None) -> str:
    """The OS's words for a failed write, with the path it concerns when that is not the artefact itself
    (e.g. "Not a directory: /reports/x" for a report folder that is a file)."""
    if isinstance(exc, UnwrittenFile):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
        if exc.filename is not None and (path is None or str(exc.filename) != str(path)):
            text += f": {os.fsdecode(exc.filename)}"
        return text
    return str(exc) or type(exc).__name__


def write_atomic(path: Path, data: bytes | str, errors: str = "strict") -> Path:
    """Write `data` (text is written as UTF-8) to `path`, whole or not at all: into a temporary file in the same
    folder, renamed over the target once complete; the temporary file is removed when anything fails. Raises
    `UnwrittenFile` (an `OSError`).

    A target that exists and is not a regular file (/dev/stdout, /dev/full, a named pipe) cannot be replaced: it is
    written directly. A symbolic link is kept; the file it points to is replaced."""
    path = Path(path)
    payload = data.encode("utf-8", errors) if isinstance(data, str) else data
    try:
        try:
            existing = os.stat(path)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            with open(path, "wb") as handle:
                handle.write(payload)
            return path
        target = Path(os.path.realpath(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace(target, payload, stat.S_IMODE(existing.st_mode) if existing is not None else None)
    except UnwrittenFile:
        raise
    except OSError as exc:
        raise UnwrittenFile(path, exc) from exc
    return path


def _replace(target: Path, payload: bytes, mode: int | None) -> None:
    temp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        if mode is not None:
            try:
                os.chmod(temp, mode)  # the file keeps the permissions it had
            except OSError:
                pass
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


# --- what could not be written -------------------------------------------------------------------------------


@dataclass
class _Note:
    path: Path  # the artefact, or the folder of a group of them
    reason: str
    count: int = 1
    noun: str = ""  # for a group: what its files are ("screenshots")
    detail: str = ""

    def line(self) -> str:
        if self.noun:
            what = (
                f"{self.count} {self.noun} in {self.path}"
                if self.count > 1
                else f"a {self.noun.rstrip('s')} in {self.path}"
            )
        else:
            what = str(self.path)
        return f"could not write {what}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


_lock = threading.Lock()
_notes: dict[str, _Note] = {}


def note_unwritten(
    path: Path, exc: BaseException, *, group: Path | None = None, noun: str = "", detail: str = ""
) -> None:
    """Remember that an artefact could not be written (once per path; a `group` — a folder — counts its files and
    is said once)."""
    path = Path(getattr(exc, "path", None) or path) if group is None else Path(group)
    why = reason(exc, path)
    key = f"{'group' if group is not None else 'file'}:{path}"
    with _lock:
        note = _notes.get(key)
        if note is None:
            _notes[key] = _Note(path, why, noun=noun if group is not None else "", detail=detail)
        elif group is not None:
            note.count += 1


def unwritten() -> list[str]:
    """One line per artefact (or group of them) that could not be written, in the order it happened."""
    with _lock:
        return [note.line() for note in _notes.values()]


def is_unwritten(path: Path) -> bool:
    with _lock:
        return f"file:{Path(path)}" in _notes


def take_unwritten() -> list[str]:
    """The lines of `unwritten`, forgotten afterwards."""
    with _lock:
        lines = [note.line() for note in _notes.values()]
        _notes.clear()
        return lines


def kept_going(write: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """Call a writer; when it cannot write, note it and return None, so the next artefact is still written."""
    try:
        return write(*args, **kwargs)
    except UnwrittenFile as exc:
        note_unwritten(exc.path, exc)
    return None


# errno values that only a write gives: an OSError with one of them is an output problem wherever it comes from
WRITE_ERRNOS = frozenset(filter(None, (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG, errno.EROFS)))
