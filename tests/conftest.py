"""Shared fixtures: the real demo site on 127.0.0.1 and pytest-playwright launching this machine's Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
import time
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from checker.demo.server import API as SERVICE_API
from checker.demo.server import CASE_ASSIST_ID, VENDOR_FILES, DemoHandler, DemoServer
from checker.drive.browser import LAUNCH_ARGS, find_browser
from checker.models import RunResult
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios
from tests.helpers import descendants, is_running

ROOT = Path(__file__).resolve().parent.parent
DEMO_SCENARIOS = ROOT / "scenarios" / "demo"
PAGES = Path(__file__).resolve().parent / "pages"
LEFT_BEHIND_GRACE_S = 5.0


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "no_browser: needs no browser (every test of tests/unit is one): `make test-fast`"
    )


def pytest_collection_modifyitems(config, items):
    unit = Path(__file__).parent / "unit"
    for item in items:
        if unit in item.path.parents:
            item.add_marker(pytest.mark.no_browser)


SESSION_MARK = "CASE_ASSIST_CHECK_TEST_SESSION"  # in the environment of every process the session starts


def _marked(value: str) -> list[tuple[int, bytes]]:
    """(pid, command line) of the processes whose environment holds SESSION_MARK=value: what this session started,
    orphans too (a CLI killed before its Playwright driver: the driver is then re-parented outside this process)."""
    needle, found = f"{SESSION_MARK}={value}".encode() + b"\0", []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes() + b"\0":
                    found.append((int(entry.name), (entry / "cmdline").read_bytes()))
            except OSError:
                continue  # ended meanwhile, or not ours to read
    return found


def _left_behind(value: str) -> list[tuple[int, bytes]]:
    found = dict(descendants(os.getpid())) | dict(_marked(value))
    return [(pid, cmd) for pid, cmd in found.items() if is_running(pid)]


def _command(cmdline: bytes) -> str:
    return cmdline.replace(b"\0", b" ").decode(errors="replace").strip()[:200] or "(no command line)"


@pytest.fixture(scope="session", autouse=True)
def _no_process_left_behind():
    """The suite ends every process it starts: at the end of the session, any process still running under this one
    (children, their children) or carrying this session's SESSION_MARK in its environment (orphans: re-parented
    elsewhere once their parent was killed) fails the session, named, and is then killed.

    Autouse fixtures are set up before the others of their scope, so this one is set up before pytest-playwright's
    `playwright` and `browser` and torn down after them: the session's driver and browser are closed by then. They
    may take a moment to exit, so what is still running is looked at again for up to LEFT_BEHIND_GRACE_S. Zombies
    (ended, not yet collected) do not count."""
    if not Path("/proc").is_dir():
        yield
        return
    value = f"{os.getpid()}-{time.time_ns()}"
    os.environ[SESSION_MARK] = value  # inherited by what the tests start (unless a test hands a bare environment)
    yield
    deadline = time.monotonic() + LEFT_BEHIND_GRACE_S
    while (left := _left_behind(value)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not left:
        return
    for pid, _ in reversed(left):  # children before their parents
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    names = "\n".join(f"  {pid}: {_command(cmd)}" for pid, cmd in left)
    pytest.fail(
        f"{len(left)} process(es) started by the tests still running at the end of the session (now killed):\n{names}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    """pytest-playwright's launch arguments, pointed at a Playwright-managed or system Chromium."""
    executable = find_browser(playwright, os.environ.get("CASE_ASSIST_CHECK_BROWSER"))
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}


class _PagesHandler(SimpleHTTPRequestHandler, DemoHandler):
    """Serves tests/pages at /pages and Coveo's libraries (coveo.analytics, Headless' case-assist bundle) at /vendor; `csp-*` pages get a strict connect-src. POSTs to
    the Customer Service API (classify, documents/suggest) are answered by the demo site's own handler."""

    protocol_version = "HTTP/1.0"  # the static pages, as SimpleHTTPRequestHandler serves them
    counters: dict[str, int] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(PAGES.parent), **kwargs)

    def do_GET(self):
        """/counter/NAME answers 1, 2, 3… on each call: pages that behave differently on a retry use it."""
        if self.path.startswith("/counter/"):
            name = self.path.split("/")[2]
            _PagesHandler.counters[name] = _PagesHandler.counters.get(name, 0) + 1
            data = str(_PagesHandler.counters[name]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path.startswith("/set-cookie/"):  # /set-cookie/NAME=VALUE: a server that hands out a session
            self.send_response(204)
            self.send_header("Set-Cookie", self.path.split("/", 2)[2] + "; Path=/")
            self.end_headers()
            return
        super().do_GET()

    def translate_path(self, path):
        vendor = path.split("?")[0].removeprefix("/vendor/")
        if vendor in VENDOR_FILES:  # coveoua.js, headless-case-assist.js: Coveo's real libraries
            return str(VENDOR_FILES[vendor])
        return super().translate_path(path)

    def do_POST(self):
        """The demo's fake Customer Service API; the test pages use their own configuration IDs (ca-rulebook…), which
        the demo would refuse (404), so the request is handed on as one for the demo's configuration."""
        path, _, query = self.path.partition("?")
        match = SERVICE_API.match(path)
        if not match:
            self.send_error(404)
            return
        self.path = (
            path[: match.start("config")] + CASE_ASSIST_ID + path[match.end("config") :] + (query and "?" + query)
        )
        DemoHandler.do_POST(self)

    def do_OPTIONS(self):  # not served, as before: the pages call the API from their own origin
        self.send_error(501)

    def end_headers(self):
        if "/csp-" in self.path:
            self.send_header("Content-Security-Policy", "connect-src 'self'")
        if self.command != "POST":  # the demo's answers say no-store themselves
            self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def pages_server():
    """The test pages (tests/pages) on 127.0.0.1, with Coveo's real coveoua.js: a DemoServer (the demo handler's
    state: latency 0, no collector) whose handler serves the pages."""
    server = DemoServer()
    server.RequestHandlerClass = _PagesHandler
    with server:
        yield server.base_url


@pytest.fixture
def scenario_file(tmp_path):
    """Write a scenario (YAML text) to a file and return its path."""
    counter = iter(range(1000))

    def _write(text: str) -> Path:
        path = tmp_path / f"scenario-{next(counter)}.yaml"
        path.write_text(textwrap.dedent(text))
        return path

    return _write


@pytest.fixture(scope="session")
def demo_server():
    with DemoServer() as server:
        yield server


@pytest.fixture
def run_scenarios(browser, tmp_path):
    """Run scenario files against a base URL in the session's browser; returns the RunResult."""

    def _run(paths, base_url=None, **overrides):
        options = RunOptions(
            **{"base_url": base_url, "report_dir": tmp_path / "report", "expect_timeout_s": 2.0, **overrides}
        )
        return run(load_scenarios(paths), options, browser=browser)

    return _run


@dataclass
class DemoRun:
    run: RunResult
    report_dir: Path


def _demo_run(browser, base_url: str, report_dir: Path) -> DemoRun:
    options = RunOptions(base_url=base_url, report_dir=report_dir, expect_timeout_s=2.0)
    return DemoRun(run(load_scenarios([DEMO_SCENARIOS]), options, browser=browser), report_dir)


@pytest.fixture(scope="session")
def clean_demo(browser, demo_server, tmp_path_factory) -> DemoRun:
    return _demo_run(browser, demo_server.base_url, tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="session")
def broken_demo(browser, demo_server, tmp_path_factory) -> DemoRun:
    return _demo_run(browser, demo_server.base_url + "/broken", tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="session")
def clean_demo_run(clean_demo) -> RunResult:
    return clean_demo.run


@pytest.fixture(scope="session")
def broken_demo_run(broken_demo) -> RunResult:
    return broken_demo.run
