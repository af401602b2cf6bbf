"""Shared fixtures: the real demo site on 127.0.0.1 and pytest-playwright launching this machine's Chromium."""

from __future__ import annotations

import json
import os
import textwrap
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checker.demo import service_api
from checker.demo.server import API as SERVICE_API
from checker.demo.server import VENDOR_FILES, DemoServer
from checker.drive.browser import LAUNCH_ARGS, find_browser
from checker.models import RunResult
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios

ROOT = Path(__file__).resolve().parent.parent
DEMO_SCENARIOS = ROOT / "scenarios" / "demo"
PAGES = Path(__file__).resolve().parent / "pages"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    """pytest-playwright's launch arguments, pointed at a Playwright-managed or system Chromium."""
    executable = find_browser(playwright, os.environ.get("CASE_ASSIST_CHECK_BROWSER"))
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}


class _PagesHandler(SimpleHTTPRequestHandler):
    """Serves tests/pages at /pages and coveo.analytics at /vendor; `csp-*` pages get a strict connect-src."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(PAGES.parent), **kwargs)

    def log_message(self, *args):
        pass

    counters: dict[str, int] = {}

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
        if path.split("?")[0] == "/vendor/coveoua.js":
            return str(VENDOR_FILES["coveoua.js"])
        return super().translate_path(path)

    def do_POST(self):
        """The fake Customer Service API (classify, documents/suggest), as the demo site answers it."""
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        match = SERVICE_API.match(self.path.split("?")[0])
        if not match:
            self.send_error(404)
            return
        base = f"http://{self.headers.get('Host')}"
        answer = service_api.classify(body) if match.group("endpoint") == "classify" else service_api.suggest(body, base)
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self):
        if "/csp-" in self.path:
            self.send_header("Content-Security-Policy", "connect-src 'self'")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def pages_server():
    """The test pages (tests/pages) on 127.0.0.1, with Coveo's real coveoua.js."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
        options = RunOptions(**{"base_url": base_url, "report_dir": tmp_path / "report", "expect_timeout_s": 2.0, **overrides})
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
