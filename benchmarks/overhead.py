"""Overhead of the checker: a demo scenario through case-assist-check vs a bare Playwright script doing the
same steps without capture, screenshots or checks. Prints per-scenario wall times and their ratio.

    .venv/bin/python benchmarks/overhead.py [--rounds N] [--scenario FILE] [--api-latency MS,MS]

Both sides share one browser and the demo site; each round runs bare then checked, in a fresh context each,
and the medians are compared (goal: ratio ≤ 1.15), then where the checked run's extra time goes. Measured with
the demo's Service API answering at once (the worst case: nothing but the checker takes time) and at about the
cloud's pace. A `screenshot:` step is a step of the scenario: the bare script takes that screenshot too.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from checker.demo.server import DemoServer
from checker.drive.browser import find_browser, launch
from checker.drive.steps import StepContext, perform
from checker.runner import RunOptions, run_scenario
from checker.scenario import load_file
from checker.scenario.model import ScreenshotStep

ROOT = Path(__file__).resolve().parent.parent


def bare(browser, scenario, base_url: str) -> float:
    started = time.perf_counter()
    context = browser.new_context()
    page = context.new_page()
    for step in scenario.steps:
        if isinstance(step, ScreenshotStep):  # the scenario asks for this one: a bare script takes it too
            page.screenshot(type="jpeg", quality=60)
        perform(page, step, StepContext(base_url, 10_000))
    context.close()
    return time.perf_counter() - started


def checked(browser, scenario, options: RunOptions) -> float:
    started = time.perf_counter()
    result = run_scenario(browser, scenario, options)
    elapsed = time.perf_counter() - started
    assert result.status.value == "passed", result.violations
    return elapsed


PHASES = {  # ScenarioSession methods: what the checker adds to the steps themselves
    "_wait_for_expected": "waiting for each step's expected events",
    "_settle": "settle window after the last step",
}


def breakdown(browser, scenario, options: RunOptions, rounds: int) -> dict[str, float]:
    """Median milliseconds per run spent in each phase the checker adds, by timing its session's methods."""
    from checker.drive.session import ScenarioSession

    spent: dict[str, list[float]] = {name: [] for name in PHASES}
    originals = {name: getattr(ScenarioSession, name) for name in PHASES}

    def timed(name):
        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return originals[name](self, *args, **kwargs)
            finally:
                spent[name][-1] += time.perf_counter() - started

        return wrapper

    try:
        for name in PHASES:
            setattr(ScenarioSession, name, timed(name))
        for _ in range(rounds):
            for values in spent.values():
                values.append(0.0)
            checked(browser, scenario, options)
    finally:
        for name, original in originals.items():
            setattr(ScenarioSession, name, original)
    return {PHASES[name]: statistics.median(values) * 1000 for name, values in spent.items()}


def measure(
    browser, scenario, base_url: str, report_dir: Path, rounds: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Each round runs the bare script then each checked variant; returns their times and the phase breakdown."""
    variants = {
        "checked (defaults)": RunOptions(base_url=base_url, report_dir=report_dir),
        "checked (--no-screenshots)": RunOptions(base_url=base_url, report_dir=report_dir, screenshots=False),
        "checked (--settle 0)": RunOptions(base_url=base_url, report_dir=report_dir, settle_ms=0),
        "checked (both)": RunOptions(base_url=base_url, report_dir=report_dir, screenshots=False, settle_ms=0),
        # the bare script gets no analytics answer to wait for; the checker holds each 150 ms, as the cloud takes,
        # so that a navigation cancels what it cancels in production, and its settle waits for the last ones
        "checked (--analytics-delay 0)": RunOptions(base_url=base_url, report_dir=report_dir, analytics_delay_ms=0),
    }
    bare(browser, scenario, base_url)  # warm-up: caches, first-launch costs
    times: dict[str, list[float]] = {"bare Playwright": [], **{k: [] for k in variants}}
    for _ in range(rounds):
        times["bare Playwright"].append(bare(browser, scenario, base_url))
        for name, options in variants.items():
            times[name].append(checked(browser, scenario, options))
    return times, breakdown(browser, scenario, variants["checked (defaults)"], rounds)


def show(times: dict[str, list[float]], phases: dict[str, float], explain: bool) -> None:
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    base = median["bare Playwright"]
    for name, ms in median.items():
        print(f"  {name:31} median {ms:7.0f} ms   ratio {ms / base:.2f}")
    if not explain:  # with a slow API, part of the waits is the page's own latency, which the bare script waits too
        return
    extra = {  # the screencast's cost is spread over the steps: measured by turning it off
        "per-step screenshots (defaults − --no-screenshots)": median["checked (defaults)"]
        - median["checked (--no-screenshots)"],
        "settle window (timed)": phases[PHASES["_settle"]],
        "waiting for steps' expected events (timed)": phases[PHASES["_wait_for_expected"]],
    }
    extra["the rest (capture hooks, decoding, checks)"] = median["checked (defaults)"] - base - sum(extra.values())
    print("  where a checked run's extra time goes (defaults):")
    for name, ms in extra.items():
        print(f"    {name:52} {ms:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios/demo/01-submit-case.yaml")
    parser.add_argument(
        "--api-latency",
        default="0,150",
        metavar="MS[,MS…]",
        help="how long the demo's Service API and case creation take to answer (0: instantly, "
        "the worst case for the ratio; 150: about the cloud's pace)",
    )
    args = parser.parse_args()
    scenario, problems = load_file(args.scenario)
    assert scenario is not None, problems
    print(
        f"scenario: {scenario.name} ({len(scenario.steps)} steps), {args.rounds} rounds, "
        f"{platform.machine()} {platform.system()}, Python {platform.python_version()}"
    )
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = launch(pw, find_browser(pw))
        for latency in (float(ms) for ms in args.api_latency.split(",")):
            with DemoServer(api_latency_ms=latency) as server:
                times, phases = measure(browser, scenario, server.base_url, Path(tmp), args.rounds)
            print(f"Service API answering in {latency:.0f} ms:")
            show(times, phases, explain=latency == 0)
        browser.close()


if __name__ == "__main__":
    main()
