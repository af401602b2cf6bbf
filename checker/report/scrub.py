"""The last redaction pass, over every artefact of a run at write time: the results, the raw journals and the
Playwright traces (every entry of the zip), with every secret the run learnt anywhere.

Capture already masks what it recognises as it streams; this pass exists because some tokens are only recognised
later (a value first sent in a body field, then in `?access_token=`), and because a trace holds what capture never
sees (every request of the page, its cookies, its DOM snapshots).
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

from checker.files import note_unwritten, write_atomic
from checker.models import RunResult
from checker.redact import Redactor

JSON_LINES = (".trace", ".network", ".jsonl")  # a trace's action and network logs, our journals
MAX_ROUNDS = 3  # a round can learn a token that an artefact scrubbed earlier in it still holds: scrub again


# the last run scrub_run returned: (its redactor, that run, its folder, how many secrets the redactor knew then);
# compared by identity (neither Redactor nor RunResult defines a cheaper equality worth its cost)
_LAST_SCRUBBED: list[tuple[Redactor, RunResult, Path | None, int]] = []


def scrub_run(run: RunResult, redactor: Redactor, report_dir: Path | None = None) -> RunResult:
    """The results with every secret masked; the journals and traces under `report_dir` rewritten the same way.
    Repeated until a round learns nothing new, so whatever was learnt last is masked everywhere. A run this returned
    is not scrubbed again while the redactor learns nothing (the CLI scrubs before its summary, then writes)."""
    if _already_scrubbed(run, redactor, report_dir):
        return run
    for _ in range(MAX_ROUNDS):
        known = len(redactor.secrets)
        masked = RunResult.model_validate(redactor.value(run.model_dump(mode="json")))
        if report_dir is not None:
            for path in artefact_files(report_dir):
                scrub_file(path, redactor)
        if len(redactor.secrets) == known:
            break
    _LAST_SCRUBBED[:] = [(redactor, masked, report_dir, len(redactor.secrets))]
    return masked


def _already_scrubbed(run: RunResult, redactor: Redactor, report_dir: Path | None) -> bool:
    if not _LAST_SCRUBBED:
        return False
    last_redactor, last_run, last_dir, known = _LAST_SCRUBBED[0]
    return last_redactor is redactor and last_run is run and last_dir == report_dir and known == len(redactor.secrets)


def artefact_files(report_dir: Path) -> list[Path]:
    """The files a run writes that hold page data besides the results: journals and traces."""
    return sorted([*report_dir.glob("raw/*.jsonl"), *report_dir.glob("traces/*.zip")])


def scrub_file(path: Path, redactor: Redactor) -> None:
    """Rewrite a journal or a trace with its secrets masked, whole or not at all, and only when that changes it.
    One that cannot be rewritten is removed and said to be lost: better than one that may still hold a secret."""
    try:
        original = path.read_bytes()
        cleaned = (
            _scrub_zip(original, redactor) if path.suffix == ".zip" else scrub_bytes(path.name, original, redactor)
        )
        if cleaned is not None and cleaned != original:
            write_atomic(path, cleaned)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        path.unlink(missing_ok=True)
        note_unwritten(path, exc if isinstance(exc, OSError) else OSError(None, f"unreadable ({exc})"))


def _scrub_zip(data: bytes, redactor: Redactor) -> bytes | None:
    """The zip with every entry masked, or None when no entry changes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(entry, source.read(entry)) for entry in source.infolist()]
    cleaned = [(entry, scrub_bytes(entry.filename, content, redactor)) for entry, content in entries]
    if all(new == old for (_, new), (_, old) in zip(cleaned, entries, strict=True)):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry, content in cleaned:
            target.writestr(entry, content)
    return buffer.getvalue()


def scrub_bytes(name: str, data: bytes, redactor: Redactor) -> bytes:
    """One file's content masked: JSON lines value by value, other text as text, gzip unpacked and packed again;
    binary content (screenshots) as it is."""
    if data[:2] == b"\x1f\x8b":
        inner = gzip.decompress(data)
        cleaned = scrub_bytes(name, inner, redactor)
        return data if cleaned == inner else gzip.compress(cleaned, mtime=0)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    if name.endswith(JSON_LINES):
        return "".join(_scrub_line(line, redactor) for line in text.splitlines(keepends=True)).encode("utf-8")
    return (redactor.text(text) or "").encode("utf-8")


def _scrub_line(line: str, redactor: Redactor) -> str:
    """A JSON line masked by its structure (a header's or cookie's name says its value is secret), else as text."""
    body, ending = line.rstrip("\r\n"), line[len(line.rstrip("\r\n")) :]
    try:
        value = json.loads(body)
    except ValueError:
        return (redactor.text(body) or "") + ending
    return json.dumps(redactor.value(value), ensure_ascii=True, separators=(",", ":")) + ending
