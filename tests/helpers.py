"""Small helpers the test modules share (fixtures live in tests/conftest.py): one definition each, imported where used."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from checker.drive.watchdog import descendants as descendant_pids
from checker.models import Event

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "checker"]

CID = "11111111-1111-4111-8111-111111111111"  # the client ID of the events built by `ev`
HUB = "case_assist_interface"  # their search hub


# --- events -------------------------------------------------------------------------------------------------------


def ev(
    index: int,
    action: str | None,
    event_type: str | None = "click",
    data: dict | None = None,
    ticket: dict | None = None,
    transport: str = "collect",
    **kw,
) -> Event:
    """One decoded event at position `index` (its step too): client ID `CID`, search hub `HUB` (a click-transport event
    takes its hub from `data['originLevel1']` when set), sent at 1000 + 100 × index ms. Any Event field may be given."""
    hub = (data or {}).get("originLevel1", HUB) if transport == "click" else HUB
    fields = {"client_id": CID, "search_hub": hub, "step": index, "time_ms": 1000.0 + 100 * index, **kw}
    return Event(
        index=index,
        action=action,
        event_type=event_type,
        transport=transport,
        data=data or {},
        ticket=ticket or {},
        **fields,
    )


# --- the command line -------------------------------------------------------------------------------------------


def cli(
    *args,
    env: Mapping[str, str] | None = None,
    base_env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 300,
    **kw,
) -> subprocess.CompletedProcess:
    """Run `python -m checker ARGS` to its end (CI=1, text output, undecodable bytes replaced). The environment is
    `base_env` (this process's by default) plus CI=1 plus `env`."""
    environment = {**(os.environ if base_env is None else base_env), "CI": "1", **(env or {})}
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=cwd,
        env=environment,
        timeout=timeout,
        **kw,
    )


def start_cli(*args, env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    """Start `python -m checker ARGS` in a session (process group) of its own, CI=1, stdout and stderr piped (bytes):
    for tests that signal it, or end it with end_tree / os.killpg."""
    return subprocess.Popen(
        [*CLI, *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "CI": "1", **(env or {})},
    )


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def by_name(run_result, name: str):
    """The scenario called `name` of a RunResult."""
    return next(s for s in run_result.scenarios if s.name == name)


# --- reports -----------------------------------------------------------------------------------------------------


def open_report(page, path: Path):
    """Open an HTML report from file:// in a Playwright page; it must work offline: no console error, no request
    beyond file: and data: URLs. Returns the page."""
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    assert errors == [] and requests == []
    return page


def token_forms(token: str) -> list[bytes]:
    """The byte forms a leaked secret can take in a file: as is, percent-encoded, UTF-16."""
    return [token.encode(), quote(token, safe="").encode(), token.encode("utf-16-le")]


def file_contents(path: Path, label=str) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) of a file and of every entry of a zip (traces), gunzipped too when compressed; `where` starts
    with `label(path)`."""
    where = label(path)
    yield where, path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                content = archive.read(entry)
                yield f"{where}!{entry.filename}", content
                if content[:2] == b"\x1f\x8b":
                    yield f"{where}!{entry.filename} (gunzipped)", gzip.decompress(content)


# --- processes ---------------------------------------------------------------------------------------------------


def descendants(root: int) -> list[tuple[int, bytes]]:
    """(pid, command line with NUL separators) of every process descending from `root`, parents before their children
    (the checker's own /proc walk: checker.drive.watchdog); [] where there is no /proc."""
    found = []
    for pid in descendant_pids(root, b""):  # every command line holds b""
        try:
            found.append((pid, Path(f"/proc/{pid}/cmdline").read_bytes()))
        except OSError:
            continue  # ended meanwhile
    return found


def end_tree(process: subprocess.Popen) -> None:
    """End a process this test started and everything under it (deepest first: a CLI's Playwright driver and
    browser), then collect it."""
    for pid, _ in reversed(descendants(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.kill()
    process.communicate()


def is_running(pid: int) -> bool:
    """Whether `pid` still runs: it exists and is not a zombie (ended, waiting for its parent to collect it)."""
    try:  # /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False
