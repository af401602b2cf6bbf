"""Scaling on this machine: 8 scenarios with 1, 2 and 4 workers, the Customer Service API answering at once or in
150 ms as the cloud does; one browser per worker against one shared browser (a context per worker, over CDP); where
the time goes (CPU of this Python process, of the Playwright drivers and of Chromium); peak memory per worker; then
one scenario of 10,000 events.

For scale, the same 8 scenarios' steps through bare Playwright (no capture, screenshots, waits or checks; a thread
and a browser per worker, as the checker's workers): what two workers can gain on this machine at all.

    .venv/bin/python benchmarks/scale.py [--scenarios 8] [--flood 10000]
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.report import write_reports  # noqa: E402
from checker.runner import RunOptions, run  # noqa: E402
from checker.scenario import load_scenarios  # noqa: E402


def suite(folder: Path, count: int) -> Path:
    """`count` of the demo's scenarios (copies of the three, each under its own name)."""
    made = 0
    for copy in range(count // 3 + 1):
        target = folder / f"copy{copy}"
        shutil.copytree(ROOT / "scenarios" / "demo", target)
        for path in sorted(target.glob("0*.yaml")):
            made += 1
            if made > count:
                path.unlink()
                continue
            path.write_text(re.sub(r"^name: ", f"name: copy {copy}, ", path.read_text(), count=1, flags=re.M))
    return folder


TICK = os.sysconf("SC_CLK_TCK")


def _kind(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes()
    if pid == os.getpid():
        return "python"
    if b"chrom" in command:
        return "chromium"
    if b"node" in command or b"playwright" in command:
        return "driver"
    return "other"


class Sampler(threading.Thread):
    """Every 100 ms: CPU seconds used since the last look, by kind of process (Chromium's processes come and go with
    each scenario, so they are sampled while alive), and the peak resident memory of Chromium."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[tuple[str, str], tuple[str, float]] = {}
        self.cpu: dict[str, float] = defaultdict(float)
        self.peak_mib, self.stopped = 0.0, threading.Event()
        self.look()
        self.cpu.clear()

    def look(self) -> None:
        rss = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                used = (int(fields[11]) + int(fields[12])) / TICK
                key = (pid, fields[19])  # a pid with its start time: a reused pid is another process
                kind, before = self.seen.get(key) or (_kind(int(pid)), 0.0 if self.cpu else used)
                self.cpu[kind] += used - before
                self.seen[key] = (kind, used)
                if kind == "chromium":
                    rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        self.peak_mib = max(self.peak_mib, rss / 2**20)

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            self.look()


def measure(label: str, scenarios, options: RunOptions, one: float | None) -> float:
    statuses: set[str] = set()

    def checker() -> None:
        statuses.update(s.status.value for s in run(scenarios, options).scenarios)

    return sampled(label, checker, max(options.workers, 1), one, lambda: sorted(statuses))


def sampled(label: str, work, workers: int, one: float | None, outcome=lambda: "") -> float:
    """Run `work()` with the CPU sampler on; print its wall time, speed-up against `one`, CPU and memory."""
    sampler = Sampler()
    sampler.start()
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    cpu = sampler.cpu
    speedup = f"×{one / elapsed:.2f}" if one else "×1.00"
    print(
        f"  {label:40} {elapsed:5.1f} s {speedup}  CPU: Chromium {cpu['chromium']:5.1f} s, drivers "
        f"{cpu['driver']:4.1f} s, checker {cpu['python']:4.1f} s  Chromium peak {sampler.peak_mib:5.0f} MiB "
        f"(≈{sampler.peak_mib / workers:4.0f} per worker)  {outcome()}",
        flush=True,
    )
    return elapsed


def bare_playwright(scenarios, base: str, executable: str | None, workers: int) -> None:
    """The scenarios' steps through bare Playwright, `workers` threads with a browser each taking them from a queue."""
    from overhead import bare
    from playwright.sync_api import sync_playwright

    from checker.drive.browser import launch

    todo: queue.Queue = queue.Queue()
    for scenario in scenarios:
        todo.put(scenario)

    def worker() -> None:
        with sync_playwright() as pw:
            browser = launch(pw, executable)
            while True:
                try:
                    scenario = todo.get_nowait()
                except queue.Empty:
                    break
                bare(browser, scenario, base)
            browser.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_process(latency_ms: int) -> tuple[subprocess.Popen, str]:
    """The demo site in a process of its own, as a real site is: its threads do not compete with the checker's."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from checker.demo.server import DemoServer; "
        f"site = DemoServer(api_latency_ms={latency_ms}); site.start(); print(site.base_url, flush=True); "
        "time.sleep(86400)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def shared_browser(executable: str, profile: Path) -> tuple[subprocess.Popen, str]:
    """One Chromium for every worker, reached over CDP (each worker opens its contexts in it)."""
    from checker.drive.browser import LAUNCH_ARGS

    port = free_port()
    process = subprocess.Popen(
        [executable, "--headless", *LAUNCH_ARGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}"


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
    parser.add_argument("--scenarios", type=int, default=8)
    parser.add_argument("--flood", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    from playwright.sync_api import sync_playwright

    from checker.drive.browser import find_browser

    with sync_playwright() as pw:
        executable = find_browser(pw)
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = load_scenarios([suite(Path(tmp) / "suite", args.scenarios)])
        for latency in (0, 150):
            site, base = site_process(latency)
            print(f"{len(scenarios)} demo scenarios, Customer Service API answering in {latency} ms:")
            try:
                one = None
                for workers in (1, 2, 4):
                    options = RunOptions(base_url=base, report_dir=Path(tmp) / f"w{latency}-{workers}", workers=workers)
                    elapsed = measure(f"{workers} worker(s), a browser each", scenarios, options, one)
                    one = one or elapsed
                browser, endpoint = shared_browser(executable or "chromium", Path(tmp) / f"profile{latency}")
                try:
                    for workers in (1, 2):
                        options = RunOptions(
                            base_url=base, report_dir=Path(tmp) / f"s{latency}-{workers}", workers=workers,
                            browser_endpoint=endpoint,
                        )  # fmt: skip
                        measure(f"{workers} worker(s), one shared browser", scenarios, options, one)
                finally:
                    browser.terminate()
                    browser.wait()
                bare_one = None
                for workers in (1, 2):
                    work = functools.partial(bare_playwright, scenarios, base, executable, workers)
                    elapsed = sampled(f"{workers} worker(s), bare Playwright", work, workers, bare_one)
                    bare_one = bare_one or elapsed
            finally:
                site.terminate()
                site.wait()
        if args.flood:
            flood(args.flood, Path(tmp))


if __name__ == "__main__":
    main()
