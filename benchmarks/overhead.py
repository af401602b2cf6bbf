"""Overhead of the checker: a demo scenario through case-assist-check vs a bare Playwright script doing the
same steps without capture, screenshots or checks. Prints per-scenario wall times and their ratio.

    .venv/bin/python benchmarks/overhead.py [--rounds N] [--scenario FILE]

Both sides share one browser and the demo site; each round runs bare then checked, in a fresh context each,
and the medians are compared (goal: ratio ≤ 1.10), then where the checked run's extra time goes.
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

ROOT = Path(__file__).resolve().parent.parent


def bare(browser, scenario, base_url: str) -> float:
    started = time.perf_counter()
    context = browser.new_context()
    page = context.new_page()
    for step in scenario.steps:
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
    "_collect_fields": "reading the page's form fields",
    "_screenshot": "screenshots",
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios/demo/01-submit-case.yaml")
    args = parser.parse_args()
    scenario, problems = load_file(args.scenario)
    assert scenario is not None, problems
    with DemoServer() as server, sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = launch(pw, find_browser(pw))
        variants = {
            "checked (screenshots on)": RunOptions(base_url=server.base_url, report_dir=Path(tmp)),
            "checked (--no-screenshots)": RunOptions(base_url=server.base_url, report_dir=Path(tmp), screenshots=False),
            "checked (--settle 0)": RunOptions(base_url=server.base_url, report_dir=Path(tmp), quiet_ms=0),
        }
        bare(browser, scenario, server.base_url)  # warm-up: caches, first-launch costs
        times: dict[str, list[float]] = {"bare Playwright": [], **{k: [] for k in variants}}
        for _ in range(args.rounds):
            times["bare Playwright"].append(bare(browser, scenario, server.base_url))
            for name, options in variants.items():
                times[name].append(checked(browser, scenario, options))
        phases = breakdown(browser, scenario, variants["checked (screenshots on)"], args.rounds)
        browser.close()
    base = statistics.median(times["bare Playwright"])
    print(f"scenario: {scenario.name} ({len(scenario.steps)} steps), {args.rounds} rounds, "
          f"{platform.machine()} {platform.system()}, Python {platform.python_version()}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:28} median {median * 1000:7.0f} ms   ratio {median / base:.2f}")
    print("where a checked run's extra time goes (median per run, defaults):")
    for name, ms in phases.items():
        print(f"  {name:42} {ms:6.0f} ms")
    rest = (statistics.median(times["checked (screenshots on)"]) - base) * 1000 - sum(phases.values())
    print(f"  {'the rest (capture hooks, decoding, checks)':42} {rest:6.0f} ms")


if __name__ == "__main__":
    main()
