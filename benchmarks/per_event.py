"""Per-event cost: the checker vs a bare Playwright route on the same page, side by side in one run.

The page (tests/pages/flood.html) logs N events as fast as coveo.analytics can send them. The bare side is a
Playwright script that routes the analytics requests, records their bodies and answers them (what any capture
must do at least); the checked side is `case-assist-check` running the same steps (capture, JS layer, journal,
settle, decoding, checks). Prints the wall time of each, milliseconds per event and their ratio; with two sizes or
more, also the cost of each further event (the slope between the smallest and the largest run), which leaves out
what either side pays once (the checker's browser launch, the final settle and analysis): the goal is a ratio ≤ 1.5.

    .venv/bin/python benchmarks/per_event.py [--events 1000,5000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.runner import RunOptions, run  # noqa: E402
from checker.scenario import load_scenarios  # noqa: E402


def bare(base_url: str, events: int) -> tuple[float, int]:
    """A bare Playwright route that only records request bodies, on the same page and steps."""
    from playwright.sync_api import sync_playwright

    from checker.drive.browser import LAUNCH_ARGS, find_browser
    from checker.endpoints import analytics_route_pattern

    bodies: list[str | None] = []

    def on_route(route, request) -> None:
        bodies.append(request.post_data)
        route.fulfill(
            status=200,
            headers={
                "access-control-allow-origin": request.headers.get("origin") or "*",
                "content-type": "application/json",
            },
            body="{}",
        )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(pw), args=LAUNCH_ARGS)
        started = time.perf_counter()
        context = browser.new_context()
        context.route(analytics_route_pattern([]), on_route)
        page = context.new_page()
        page.goto(f"{base_url}/pages/flood.html?n={events}")
        page.click("#flood")
        page.locator("#done").wait_for(state="visible", timeout=900_000)
        while len(bodies) < events + 1 and time.perf_counter() - started < 900:  # the last sends
            page.wait_for_timeout(5)
        context.close()
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed, len(bodies)


def checked(base_url: str, events: int, tmp: Path) -> tuple[float, int, str]:
    scenario = tmp / f"flood{events}.yaml"
    scenario.write_text(
        f"name: flood\nsteps:\n  - goto: /pages/flood.html?n={events}\n  - click: '#flood'\n"
        f"  - wait_for: '#done'\n    timeout: 900\n"
    )
    scenarios = load_scenarios([scenario])
    # answered at once, like the bare route: the comparison is of what capturing costs, not of the cloud's latency
    started = time.perf_counter()
    result = run(
        scenarios,
        RunOptions(base_url=base_url, report_dir=tmp / f"r{events}", step_timeout_s=900, analytics_delay_ms=0),
    )
    elapsed = time.perf_counter() - started
    s = result.scenarios[0]
    return elapsed, len(s.events), s.status.value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", default="1000,5000", help="comma-separated event counts")
    args = parser.parse_args()
    from tests.conftest import _PagesHandler

    server = ThreadingHTTPServer(("127.0.0.1", 0), _PagesHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    sizes = sorted(int(x) for x in args.events.split(","))
    timings: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            bare_s, seen = bare(base_url, n)
            checked_s, decoded, status = checked(base_url, n, Path(tmp))
            timings[n] = (bare_s, checked_s)
            print(
                f"  {n:>6} events: bare route {bare_s:6.1f} s ({bare_s / n * 1000:5.2f} ms/event, {seen} requests)   "
                f"checker {checked_s:6.1f} s ({checked_s / n * 1000:5.2f} ms/event, {decoded} events, {status})   "
                f"ratio {checked_s / bare_s:.2f}"
            )
    if len(sizes) > 1:
        low, high = sizes[0], sizes[-1]
        bare_ms, checked_ms = ((timings[high][i] - timings[low][i]) / (high - low) * 1000 for i in (0, 1))
        print(
            f"  each further event ({low} → {high}): bare route {bare_ms:.2f} ms, checker {checked_ms:.2f} ms, "
            f"ratio {checked_ms / bare_ms:.2f} (goal ≤ 1.5)"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
