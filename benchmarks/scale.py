"""Scaling: throughput of a suite with 1, 2 and 4 workers on this machine and through a remote browser endpoint
(`playwright run-server` on loopback), peak memory per worker, and one scenario of 10,000 events.

    .venv/bin/python benchmarks/scale.py [--copies 4] [--flood 10000]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.demo.server import DemoServer  # noqa: E402
from checker.report import write_reports  # noqa: E402
from checker.runner import RunOptions, run  # noqa: E402
from checker.scenario import load_scenarios  # noqa: E402


def suite(folder: Path, copies: int) -> Path:
    """The demo scenarios `copies` times over, each copy under its own names."""
    for copy in range(copies):
        target = folder / f"copy{copy}"
        shutil.copytree(ROOT / "scenarios" / "demo", target)
        for path in target.glob("0*.yaml"):
            path.write_text(re.sub(r"^name: ", f"name: copy {copy}, ", path.read_text(), count=1, flags=re.M))
    return folder


def chromium_rss_mib() -> float:
    """Resident memory of every Chromium process right now (all of them are this benchmark's)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes():
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self.stopped = 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.peak = max(self.peak, chromium_rss_mib())


def measure(label: str, scenarios, options: RunOptions) -> None:
    sampler = Sampler()
    sampler.start()
    started = time.perf_counter()
    result = run(scenarios, options)
    elapsed = time.perf_counter() - started
    sampler.stopped.set()
    per_minute = len(scenarios) / elapsed * 60
    statuses = {s.status.value for s in result.scenarios}
    workers = max(options.workers, 1)
    print(
        f"  {label:28} {elapsed:6.1f} s  {per_minute:5.1f} scenarios/min  Chromium peak {sampler.peak:5.0f} MiB "
        f"(≈{sampler.peak / workers:4.0f} MiB per worker)  statuses {sorted(statuses)}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remote_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--port", str(port), "--host", "127.0.0.1", "--unsafe"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return server, f"ws://127.0.0.1:{port}/"


def flood(events: int, tmp: Path) -> None:
    from tests.conftest import _PagesHandler

    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagesHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scenario = tmp / "flood.yaml"
    scenario.write_text(
        f"name: flood\nsteps:\n  - goto: /pages/flood.html?n={events}\n  - click: '#flood'\n"
        f"  - wait_for: '#done'\n    timeout: 900\n"
    )
    started = time.perf_counter()
    result = run(
        load_scenarios([scenario]),
        RunOptions(
            base_url=f"http://127.0.0.1:{server.server_address[1]}", report_dir=tmp / "flood", step_timeout_s=900
        ),
    )
    ran = time.perf_counter() - started
    report = write_reports(result, tmp / "flood")
    written = time.perf_counter() - started - ran
    from playwright.sync_api import sync_playwright

    from checker.drive.browser import LAUNCH_ARGS, find_browser

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(pw), args=LAUNCH_ARGS)
        page = browser.new_page()
        opened = time.perf_counter()
        page.goto(report.as_uri())
        page.locator("#verdict").wait_for()
        open_s = time.perf_counter() - opened
        browser.close()
    s = result.scenarios[0]
    print(
        f"  one scenario of {events} events: run {ran:.0f} s ({len(s.events)} events, {len(s.requests)} requests, "
        f"status {s.status.value}), reports written in {written:.1f} s, HTML {report.stat().st_size / 2**20:.1f} MiB "
        f"opens in {open_s:.2f} s; results.json {(tmp / 'flood' / 'results.json').stat().st_size / 2**20:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--flood", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with DemoServer() as site, tempfile.TemporaryDirectory() as tmp:
        scenarios = load_scenarios([suite(Path(tmp) / "suite", args.copies)])
        print(f"suite: {len(scenarios)} scenarios (the demo's, {args.copies} times), demo site on 127.0.0.1")
        for workers in (1, 2, 4):
            measure(
                f"{workers} worker(s)",
                scenarios,
                RunOptions(base_url=site.base_url, report_dir=Path(tmp) / f"w{workers}", workers=workers),
            )
        server, endpoint = remote_server()
        try:
            from playwright.sync_api import sync_playwright

            from checker.drive.browser import find_browser

            with sync_playwright() as pw:
                executable = find_browser(pw)
            for workers in (1, 2):
                measure(
                    f"remote endpoint, {workers} worker(s)",
                    scenarios,
                    RunOptions(
                        base_url=site.base_url,
                        report_dir=Path(tmp) / f"r{workers}",
                        workers=workers,
                        browser_endpoint=endpoint,
                        browser_path=executable,
                    ),
                )
        finally:
            server.terminate()
        if args.flood:
            flood(args.flood, Path(tmp))


if __name__ == "__main__":
    main()
