"""Artefacts are written whole or not at all, and what could not be written is said once (checker.files);
journals keep whole lines; the terminal never fails on a character it cannot show; the exit code of a run whose
outputs are incomplete."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import time
from pathlib import Path

import pytest

from checker import cli, files
from checker.commands import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT
from checker.files import UnwrittenFile, kept_going, note_unwritten, take_unwritten, write_atomic
from checker.models import CapturedRequest, JsCall, ScenarioResult
from checker.redact import MASK, Redactor
from checker.report.console import make_console
from checker.report.journal import FLUSH_AFTER_S, Journal, read_journal


@pytest.fixture(autouse=True)
def no_notes():
    take_unwritten()
    yield
    take_unwritten()


class _FailingHalfway:
    """A file whose write takes half the data, then fails as a full disk does."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def test_a_failure_mid_write_leaves_the_old_file_intact_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text('{"old": true}')
    real_fdopen = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _FailingHalfway(real_fdopen(fd, mode)))
    with pytest.raises(UnwrittenFile) as caught:
        write_atomic(target, json.dumps({"new": "x" * 10_000}))
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert caught.value.path == target and caught.value.reason == "No space left on device"
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.ENOSPC


def test_a_failure_mid_write_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    real_fdopen = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _FailingHalfway(real_fdopen(fd, mode)))
    with pytest.raises(UnwrittenFile):
        write_atomic(tmp_path / "index.html", "<html>" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_a_rename_that_fails_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "junit.xml"
    target.write_bytes(b"<old/>")

    def refuse(src, dst):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(UnwrittenFile):
        write_atomic(target, b"<new/>")
    assert target.read_bytes() == b"<old/>" and [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


def test_written_whole_with_its_folder_its_permissions_and_its_symbolic_link_kept(tmp_path):
    target = tmp_path / "deep" / "er" / "out.json"
    assert write_atomic(target, "{}") == target and target.read_text() == "{}"
    target.chmod(0o640)
    write_atomic(target, '{"again": 1}')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and json.loads(target.read_text()) == {"again": 1}
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, "[]")
    assert link.is_symlink() and target.read_text() == "[]"


def test_text_with_a_lone_surrogate_is_written_with_a_replacement_when_asked(tmp_path):
    write_atomic(tmp_path / "index.html", "half \ud800 pair", errors="replace")
    assert (tmp_path / "index.html").read_text() == "half ? pair"
    with pytest.raises(UnicodeEncodeError):  # not an output problem: a bug of the caller
        write_atomic(tmp_path / "x", "\ud800")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_device_is_written_directly_and_fails_in_words():
    with pytest.raises(UnwrittenFile) as caught:
        write_atomic(Path("/dev/full"), b"x" * 100_000)
    assert str(caught.value.path) == "/dev/full" and caught.value.reason == "No space left on device"
    write_atomic(Path("/dev/null"), b"fine")  # a device that takes it: no temporary file beside it in /dev


def test_a_folder_that_is_a_file_is_named_in_the_reason(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(UnwrittenFile) as caught:
        write_atomic(tmp_path / "a-file" / "out" / "results.json", "{}")
    assert caught.value.reason.startswith("Not a directory") or caught.value.reason.startswith("File exists")
    assert str(tmp_path / "a-file") in caught.value.reason


# --- noting what could not be written ----------------------------------------------------------------------------


def test_each_lost_artefact_is_one_line_said_once_and_a_group_counts_its_files(tmp_path):
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert kept_going(write_atomic, Path("/dev/full"), b"x" * 100_000) is None
    assert kept_going(write_atomic, Path("/dev/full"), b"x" * 100_000) is None
    shots = tmp_path / "screenshots" / "a"
    for name in ("step-01.jpg", "step-02.jpg", "step-03.jpg"):
        note_unwritten(shots / name, full, group=shots, noun="screenshots")
    note_unwritten(tmp_path / "raw" / "a.jsonl", full, detail="its journal stops there")
    assert take_unwritten() == [
        "could not write /dev/full: No space left on device",
        f"could not write 3 screenshots in {shots}: No space left on device",
        f"could not write {tmp_path / 'raw' / 'a.jsonl'}: No space left on device (its journal stops there)",
    ]
    assert take_unwritten() == []


@pytest.mark.parametrize(
    "code, lost, expected",
    [
        (EXIT_OK, True, EXIT_OUTPUT),
        (EXIT_FINDINGS, True, EXIT_OUTPUT),
        (EXIT_INTERRUPTED, True, EXIT_INTERRUPTED),
        (EXIT_INPUT, True, EXIT_INPUT),
        (EXIT_OK, False, EXIT_OK),
        (EXIT_FINDINGS, False, EXIT_FINDINGS),
    ],
)
def test_exit_code_of_a_run_whose_outputs_are_incomplete(code, lost, expected, capsys):
    if lost:
        note_unwritten(Path("/r/results.json"), OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert cli._output_problems(code) == expected
    assert capsys.readouterr().err == ("could not write /r/results.json: No space left on device\n" if lost else "")


# --- journals: whole lines, or the journal stops ------------------------------------------------------------------


def test_a_journal_line_the_disk_cannot_take_is_cut_back_and_the_journal_stops(tmp_path, monkeypatch):
    path = tmp_path / "raw" / "s.jsonl"
    journal = Journal(path)
    journal.write("scenario", {"name": "s"})
    real_write = os.write
    calls = []

    def short_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:10]))  # the disk takes ten bytes of the record…
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # …and nothing more

    monkeypatch.setattr("checker.report.journal.os.write", short_then_full)
    journal.write("step", {"index": 0, "description": "x" * 500})
    monkeypatch.setattr("checker.report.journal.os.write", real_write)
    journal.write("step", {"index": 1})  # after a loss the journal stops: no record is missing in its middle
    journal.close()
    assert [r["kind"] for r in read_journal(path)] == ["scenario"]
    assert path.read_bytes().endswith(b"}\n")
    assert take_unwritten() == [f"could not write {path}: No space left on device (its journal stops there)"]


def test_a_journal_that_could_not_take_its_first_line_is_absent_not_empty(tmp_path, monkeypatch):
    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    monkeypatch.setattr(
        "checker.report.journal.os.write",
        lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")),
    )
    journal.write("scenario", {"name": "s"})
    journal.close()
    assert not path.exists()


def test_a_journal_that_cannot_be_opened_does_not_stop_the_run(tmp_path):
    (tmp_path / "raw").write_text("a file where the folder should be")
    journal = Journal(tmp_path / "raw" / "s.jsonl")
    journal.write("scenario", {"name": "s"})
    journal.close()
    (line,) = take_unwritten()
    assert (
        line.startswith(f"could not write {tmp_path / 'raw' / 's.jsonl'}: ") and "no journal for this scenario" in line
    )


def test_a_journal_holds_requests_and_calls_briefly_and_writes_steps_at_once(tmp_path):
    path = tmp_path / "s.jsonl"
    journal = Journal(path)
    request = CapturedRequest(
        id=0, kind="analytics", method="POST", url="https://x/rest/v15/analytics/collect", resource_type="fetch"
    )
    journal.write("request", request, redacted=True)
    journal.write("js_call", JsCall(id=0, fn="coveoua", args=["send", "event"]), redacted=True)
    assert path.read_bytes() == b""  # held: one write for a batch, not one per record
    journal.write("step", {"index": 0, "description": "click #next"})  # with what is held before it
    assert [r["kind"] for r in read_journal(path)] == ["request", "js_call", "step"]
    journal.write("request", request.model_copy(update={"id": 1}), redacted=True)
    deadline = time.monotonic() + 5
    while len(list(read_journal(path))) < 4 and time.monotonic() < deadline:  # the page went quiet: written anyway
        time.sleep(0.02)
    assert time.monotonic() - (deadline - 5) >= FLUSH_AFTER_S * 0.9
    assert [r["data"]["id"] for r in read_journal(path) if r["kind"] == "request"] == [0, 1]
    journal.close()


def test_a_journal_result_is_masked_except_what_the_capture_masked(tmp_path):
    redactor = Redactor(["hunter2-the-secret"])
    path = tmp_path / "s.jsonl"
    journal = Journal(path, redactor)
    result = ScenarioResult(
        name="login as hunter2-the-secret",
        file="s.yaml",
        requests=[CapturedRequest(id=0, kind="analytics", method="POST", url="https://x/c?a=1", resource_type="ping")],
        js_calls=[JsCall(id=0, fn="coveoua", args=["init", MASK])],
    )
    journal.write("result", result, captured=("requests", "js_calls", "events"))
    journal.close()
    (record,) = read_journal(path)
    back = ScenarioResult.model_validate(record["data"])
    assert back.name == f"login as {MASK}"
    assert back.requests == result.requests and back.js_calls == result.js_calls and back.events == []


# --- the terminal ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "utf-8"])
def test_the_console_replaces_what_its_stream_cannot_encode(encoding):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
    console = make_console(stream)
    console.print("client ID half a pair: \ud800 \u25b6 caf\u00e9")
    stream.flush()
    text = raw.getvalue().decode(encoding)
    assert "half a pair: ? " in text
    assert ("? caf?" if encoding == "ascii" else "\u25b6 caf\u00e9") in text


def test_the_cli_reconfigures_a_strict_stdout_to_replace():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    cli.replace_unencodable(stream)
    print("\ud800 \u00e9", file=stream)
    stream.flush()
    assert raw.getvalue() == b"? ?\n"
