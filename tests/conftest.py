"""Shared fixtures: the real demo site on 127.0.0.1 and pytest-playwright launching this machine's Chromium."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.demo.server import DemoServer
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


@pytest.fixture(scope="session")
def demo_server():
    with DemoServer() as server:
        yield server


@pytest.fixture
def run_scenarios(browser, tmp_path):
    """Run scenario files against a base URL in the session's browser; returns the RunResult."""

    def _run(paths, base_url=None, **overrides):
        options = RunOptions(base_url=base_url, report_dir=tmp_path / "report", expect_timeout_s=2.0, **overrides)
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
