"""Pages that fail: every failure is the failing scenario's `error` (with its cause), what the page sent before
the failure is kept and checked, a screenshot is taken where the page can still be photographed, the other
scenarios of the same run still run, and the reports are always written.

One run holds most faults (unreachable host, DNS failure, TLS error, HTTP 500, a selector that never appears, a
renderer crash) between scenarios that work, to prove the run goes on; it uses a browser of its own, whose renderer
processes the crash test kills. A browser that dies in the middle of a run (SIGKILL) and a navigation that never
gets an answer (which today hangs the run, so it runs in a CLI subprocess with a time limit) have their own tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from checker.drive.watchdog import parent_pid
from checker.models import Status, StepStatus
from checker.report import write_reports
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios
from tests.helpers import closed_port, descendants, end_tree

# --- servers that misbehave ------------------------------------------------------------------------------------


class _Fixed(BaseHTTPRequestHandler):
    """Answers every GET with one status and one HTML body."""

    status, body = 200, b""

    def do_GET(self):  # noqa: N802
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


class _Http500(_Fixed):
    status, body = 500, b"<!doctype html><title>oops</title><h1>Internal Server Error</h1>"


class _Hello(_Fixed):
    body = b"<!doctype html><title>tls</title><p id=hello>hello over TLS</p>"


def _serve(handler, tls: ssl.SSLContext | None = None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _BlackHole:
    """Accepts TCP connections and never answers: a navigation to it can only time out."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.stopped = True
        for conn in self.held:
            conn.close()
        self.sock.close()


def _self_signed(folder: Path) -> ssl.SSLContext | None:
    """A server TLS context with a certificate generated now (openssl CLI, else the `cryptography` package)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if shutil.which("openssl"):
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    else:
        try:
            import datetime

            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.x509.oid import NameOID
        except ImportError:
            return None
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(private, hashes.SHA256())
        )
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


@pytest.fixture(scope="module")
def bad_servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    tls = _self_signed(folder)
    http500 = _serve(_Http500)
    https = _serve(_Hello, tls) if tls is not None else None
    hole = _BlackHole()
    yield {
        "closed": f"http://127.0.0.1:{closed_port()}/create-case",
        "http500": f"http://127.0.0.1:{http500.server_address[1]}/create-case",
        "tls": f"https://127.0.0.1:{https.server_address[1]}/create-case" if https else None,
        "hang": f"http://127.0.0.1:{hole.port}/create-case",
    }
    hole.close()
    for server in (http500, https):
        if server is not None:
            server.shutdown()
            server.server_close()


# --- one run, many faults ---------------------------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text)


# (file, scenario name, the cause result.error must name, events sent before the failure)
FAULTS = [
    (
        "02-unreachable.yaml",
        "unreachable host",
        "ERR_CONNECTION_REFUSED",
        ["ticket_create_start", "ticket_field_update"],
    ),
    ("03-dns.yaml", "dns failure", "ERR_NAME_NOT_RESOLVED", ["ticket_create_start"]),
    ("04-tls.yaml", "tls error", "ERR_CERT", ["ticket_create_start"]),
    ("05-http500.yaml", "http 500", "HTTP 500", ["ticket_create_start"]),
    ("06-selector.yaml", "selector never appears", "#never-there", ["ticket_create_start", "ticket_field_update"]),
    ("08-crash.yaml", "renderer crash", "crash", ["ticket_create_start"]),
]


@pytest.fixture(scope="module")
def own_browser(playwright, browser_type_launch_args):
    """A browser of this module's own, whose processes the tests may kill (never the session's)."""
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the browser's processes")
    before = _browser_processes()
    browser = playwright.chromium.launch(**browser_type_launch_args)
    pid = _launched_browser(before)
    yield browser, pid
    try:
        browser.close()
    except Exception:
        pass


@pytest.fixture(scope="module")
def fault_run(own_browser, pages_server, bad_servers, tmp_path_factory):
    browser, browser_pid = own_browser
    folder = tmp_path_factory.mktemp("faults")
    report = folder / "report"
    start = f"{pages_server}/pages/start.html"
    _write(folder, "01-ok-before.yaml", f"name: works before\nsteps:\n  - goto: {start}\n  - click: '#go'\n")
    _write(
        folder,
        "02-unreachable.yaml",
        f"name: unreachable host\nsteps:\n  - goto: {start}\n  - click: '#go'\n  - goto: {bad_servers['closed']}\n  - click: '#go'\n",
    )
    _write(
        folder,
        "03-dns.yaml",
        f"name: dns failure\nsteps:\n  - goto: {start}\n  - goto: http://nonexistent.case-assist-check.invalid/create-case\n",
    )
    tls = bad_servers["tls"] or "https://127.0.0.1:9/"  # (no certificate tool: the test is skipped below)
    _write(
        folder, "04-tls.yaml", f"name: tls error\nsteps:\n  - goto: {start}\n  - goto: {tls}\n  - wait_for: '#hello'\n"
    )
    _write(
        folder, "05-http500.yaml", f"name: http 500\nsteps:\n  - goto: {start}\n  - goto: {bad_servers['http500']}\n"
    )
    _write(
        folder,
        "06-selector.yaml",
        f"name: selector never appears\nsteps:\n  - goto: {start}\n  - click: '#go'\n  - wait_for: '#never-there'\n    timeout: 1\n"
        f"  - click: '#go'\n",
    )
    _write(
        folder,
        "08-crash.yaml",
        f"name: renderer crash\nsteps:\n  - goto: {start}\n  - wait: 10\n  - click: '#go'\n  - goto: {start}\n",
    )
    _write(folder, "09-ok-after.yaml", f"name: works after\nsteps:\n  - goto: {start}\n  - click: '#go'\n")

    def crash_the_renderer(event):
        """Chromium 156 headless refuses chrome://crash, chrome://kill… (page.goto: net::ERR_ABORTED), no page script
        crashes its renderer, and CDP's Page.crash never answers (the sync API then blocks for ever): kill the
        renderer processes of this module's own browser instead, which is what a renderer crash is."""
        if event.kind == "step_finished" and event.scenario == "renderer crash" and event.index == 1:
            renderers = [pid for pid, cmdline in descendants(browser_pid) if b"--type=renderer" in cmdline]
            assert renderers
            for pid in renderers:
                os.kill(pid, signal.SIGKILL)

    options = RunOptions(report_dir=report, step_timeout_s=2.0, expect_timeout_s=1.0)
    started = time.monotonic()
    result = run(load_scenarios([folder]), options, on_event=crash_the_renderer, browser=browser)
    html = write_reports(result, report)
    return result, report, html, time.monotonic() - started


def _scenario(result, name):
    return next(s for s in result.scenarios if s.name == name)


def test_every_scenario_ran_and_the_working_ones_are_unaffected(fault_run):
    result, _, _, seconds = fault_run
    assert [s.name for s in result.scenarios] == [
        "works before",
        "unreachable host",
        "dns failure",
        "tls error",
        "http 500",
        "selector never appears",
        "renderer crash",
        "works after",
    ]
    for name in ("works before", "works after"):
        ok = _scenario(result, name)
        assert ok.status != Status.error and ok.error is None
        assert [e.action for e in ok.events] == ["ticket_create_start", "ticket_field_update"]
        assert all(s.status != StepStatus.error for s in ok.steps)
    assert result.summary.error == len(FAULTS)
    assert seconds < 60, f"the fault run took {seconds:.1f} s"


@pytest.mark.parametrize("file, name, cause, sent_before", FAULTS, ids=[f[1] for f in FAULTS])
def test_a_fault_is_the_scenarios_error_with_its_cause(fault_run, bad_servers, file, name, cause, sent_before):
    if name == "tls error" and bad_servers["tls"] is None:
        pytest.skip("neither the openssl CLI nor the cryptography package is available to make a certificate")
    result = _scenario(fault_run[0], name)
    assert result.status == Status.error
    assert result.error and cause.lower() in result.error.lower(), result.error
    failing = [s for s in result.steps if s.status == StepStatus.error]
    if name != "renderer crash":
        assert len(failing) == 1 and failing[0].error and cause.lower() in failing[0].error.lower()
        assert all(s.status == StepStatus.skipped for s in result.steps[failing[0].index + 1 :])
    # what the page sent before the failure is kept (and checked: it has findings or none, but it is there)
    assert [e.action for e in result.events][: len(sent_before)] == sent_before
    assert result.requests and all(r.step is not None for r in result.requests)


@pytest.mark.parametrize("name", [f[1] for f in FAULTS if f[1] != "renderer crash"])
def test_a_failing_step_has_a_screenshot(fault_run, bad_servers, name):
    if name == "tls error" and bad_servers["tls"] is None:
        pytest.skip("no certificate tool")
    result, report, _, _ = fault_run
    scenario = _scenario(result, name)
    failing = next(s for s in scenario.steps if s.status == StepStatus.error)
    assert failing.screenshot, f"no screenshot for the failing step of {name!r}"
    shot = report / failing.screenshot
    assert shot.is_file() and shot.stat().st_size > 500 and shot.read_bytes()[:2] == b"\xff\xd8"  # a JPEG


def test_a_crashed_renderer_is_reported_as_such(fault_run):
    scenario = _scenario(fault_run[0], "renderer crash")
    assert "the page crashed" in scenario.page_info.get("page_errors", [])
    failing = next(s for s in scenario.steps if s.status == StepStatus.error)
    assert failing.index == 2 and "crash" in failing.error.lower()  # the click after the crash
    assert failing.screenshot is None  # a crashed page cannot be photographed; the error says why


def test_the_reports_are_written_and_tell_every_cause(fault_run, page):
    result, report, html, _ = fault_run
    data = json.loads((report / "results.json").read_text())
    assert [s["status"] for s in data["scenarios"]].count("error") == result.summary.error
    for scenario in data["scenarios"]:
        if scenario["status"] == "error":
            assert scenario["error"] and scenario["events"], scenario["name"]
    junit = (report / "junit.xml").read_text()
    assert junit.count("<error") == result.summary.error and "ERR_NAME_NOT_RESOLVED" in junit
    page.goto(html.as_uri())
    boxes = page.locator(".scenario .error-box[role=alert]")
    assert boxes.count() == result.summary.error
    text = page.locator("main").inner_text()
    for _, _, cause, _ in FAULTS:
        assert cause.lower() in text.lower(), cause


# --- a browser that dies in the middle of a run -----------------------------------------------------------------


def _browser_processes() -> set[int]:
    """PIDs of the Chromium main processes (Playwright talks to them over a pipe) descending from this process."""
    return {
        pid
        for pid, cmdline in descendants(os.getpid())
        if b"--remote-debugging-pipe" in cmdline and b"--type=" not in cmdline
    }


def _launched_browser(before: set[int]) -> int:
    """The PID of the browser launched since `before` was taken. A child the browser is forking at that moment
    shows the browser's own command line until it runs its own (`--type=…`): the browser is the one whose parent
    is not among them, and a look a little later settles it."""
    mine: set[int] = set()
    for _ in range(20):
        mine = _browser_processes() - before
        if len(mine) == 1:
            return mine.pop()
        time.sleep(0.1)
    mains = {pid for pid in mine if parent_pid(pid) not in mine}
    assert len(mains) == 1, f"not one browser launched: {mine}"
    return mains.pop()


def test_a_browser_killed_mid_run_ends_the_run_with_what_was_captured(
    playwright, browser_type_launch_args, pages_server, tmp_path
):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the browser's process")
    before = _browser_processes()
    own = playwright.chromium.launch(**browser_type_launch_args)
    pid = _launched_browser(before)
    start = f"{pages_server}/pages/start.html"
    for index, name in enumerate(["first", "killed", "after"]):
        # a step waits for the first click's event on the wire: the browser is killed once it has surely left
        (tmp_path / f"{index}-{name}.yaml").write_text(
            f"name: {name}\nsteps:\n  - goto: {start}\n  - click: '#go'\n  - wait_for_event: {{action: ticket_field_update}}\n"
            f"  - click: '#go'\n"
        )

    def kill(event):
        if event.kind == "step_finished" and event.scenario == "killed" and event.index == 2:
            os.kill(pid, signal.SIGKILL)  # the process this test launched, by its id

    report = tmp_path / "report"
    try:
        started = time.monotonic()
        result = run(
            load_scenarios([tmp_path]),
            RunOptions(report_dir=report, step_timeout_s=3, expect_timeout_s=1),
            on_event=kill,
            browser=own,
        )
        seconds = time.monotonic() - started
    finally:
        try:
            own.close()
        except Exception:
            pass
    html = write_reports(result, report)
    assert html.is_file() and (report / "results.json").is_file() and (report / "junit.xml").is_file()
    assert seconds < 45
    first, killed, after = result.scenarios
    assert first.status != Status.error and [e.action for e in first.events] == [
        "ticket_create_start",
        "ticket_field_update",
        "ticket_field_update",
    ]
    assert killed.status == Status.error and killed.error
    assert [e.action for e in killed.events][:2] == ["ticket_create_start", "ticket_field_update"]  # sent before
    assert killed.steps[3].status == StepStatus.error
    assert after.status == Status.error and "browser" in after.error.lower()
    assert result.status == Status.failed and result.summary.error == 2


# --- a navigation that never gets an answer ----------------------------------------------------------------------


def test_a_navigation_that_never_answers_is_a_timeout_error(pages_server, bad_servers, tmp_path):
    import sys

    from tests.conftest import ROOT

    start = f"{pages_server}/pages/start.html"
    (tmp_path / "1-hang.yaml").write_text(
        f"name: navigation times out\nsteps:\n  - goto: {start}\n  - goto: {bad_servers['hang']}\n"
    )
    link = f"data:text/html,<a id=dead href='{bad_servers['hang']}'>the case form</a>"
    (tmp_path / "1b-link.yaml").write_text(
        f"name: a link that never answers\nsteps:\n  - goto: \"{link}\"\n  - click: '#dead'\n"
    )
    (tmp_path / "2-after.yaml").write_text(f"name: works after\nsteps:\n  - goto: {start}\n  - click: '#go'\n")
    report = tmp_path / "report"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "checker",
            "run",
            str(tmp_path),
            "--step-timeout",
            "2",
            "--expect-timeout",
            "1",
            "--report",
            str(report),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "CI": "1"},
    )
    try:
        out, err = process.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        end_tree(process)  # and the CLI's driver and browser
        pytest.fail("the run did not finish within 40 s (a 2 s step timeout)")
    assert process.returncode == 1, err.decode()[-2000:]
    data = json.loads((report / "results.json").read_text())
    hang, link, after = data["scenarios"]
    assert hang["status"] == "error" and "Timeout 2000ms exceeded" in hang["error"]
    assert link["status"] == "error" and "Timeout 2000ms exceeded" in link["error"] and "#dead" in link["error"]
    assert link["steps"][1]["screenshot"]  # the page is still readable: the pending navigation was stopped
    assert [e["action"] for e in hang["events"]] == ["ticket_create_start"]
    assert after["status"] != "error"
