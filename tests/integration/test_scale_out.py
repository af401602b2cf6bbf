"""Parallel and distributed runs: workers, shards and merge, a remote browser, retries with flaky scenarios."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from checker.drive.browser import LAUNCH_ARGS, find_browser
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios
from tests.conftest import DEMO_SCENARIOS
from tests.helpers import cli


def comparable(run_result):
    """What must not depend on how the run was split: per scenario, status, events and findings."""
    return [
        (s.name, s.status.value, [(e.action, e.step) for e in s.events], sorted(v.rule for v in s.violations))
        for s in run_result.scenarios
    ]


@pytest.fixture(scope="module")
def sequential(browser, demo_server, tmp_path_factory):
    options = RunOptions(
        base_url=demo_server.base_url + "/broken", report_dir=tmp_path_factory.mktemp("seq"), expect_timeout_s=1
    )
    return run(load_scenarios([DEMO_SCENARIOS]), options, browser=browser)


def test_workers_give_the_same_results_as_a_sequential_run(sequential, demo_server, tmp_path):
    options = RunOptions(base_url=demo_server.base_url + "/broken", report_dir=tmp_path, expect_timeout_s=1, workers=2)
    parallel = run(load_scenarios([DEMO_SCENARIOS]), options)
    assert comparable(parallel) == comparable(sequential)
    assert parallel.summary == sequential.summary
    client_ids = [s.stored_client_id for s in parallel.scenarios]
    assert len(set(client_ids)) == 3  # no state shared between scenarios


def test_shards_then_merge_equal_one_run(sequential, demo_server, tmp_path):
    base = demo_server.base_url + "/broken"
    parts = []
    for index in (1, 2):
        out = cli(
            "run",
            DEMO_SCENARIOS,
            "--base-url",
            base,
            "--shard",
            f"{index}/2",
            "--report",
            tmp_path / f"s{index}",
            "--expect-timeout",
            "1",
        )
        assert out.returncode == 1, out.stderr
        parts.append(tmp_path / f"s{index}")
    names = [[s["name"] for s in json.loads((p / "results.json").read_text())["scenarios"]] for p in parts]
    assert sorted(names[0] + names[1]) == sorted(s.name for s in sequential.scenarios) and not set(names[0]) & set(
        names[1]
    )
    merged = cli("merge", *parts, "--report", tmp_path / "merged")
    assert merged.returncode == 1 and "0 passed, 3 failed" in merged.stdout
    data = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert sorted(s["name"] for s in data["scenarios"]) == sorted(s.name for s in sequential.scenarios)
    assert data["summary"]["violations"] == sequential.summary.violations
    assert (tmp_path / "merged" / "screenshots").is_dir()
    assert cli("merge", parts[0], parts[0], "--report", tmp_path / "dup").returncode == 2  # a scenario twice
    assert cli("run", DEMO_SCENARIOS, "--shard", "3/2").returncode == 2


@pytest.fixture
def run_servers():
    """Local `playwright run-server`s on loopback, as a fleet's browser hosts would run them; ended after the test."""
    started: list[subprocess.Popen] = []

    def start() -> str:
        port = free_port()
        # --unsafe (loopback only here) lets the client choose the browser executable: this machine's Chromium
        command = [sys.executable, "-m", "playwright", "run-server", "--port", str(port), "--host", "127.0.0.1"]
        # its own process group: `python -m playwright` runs the node driver as a child, which terminating the
        # wrapper alone would leave running, orphaned
        server = subprocess.Popen(
            [*command, "--unsafe"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        started.append(server)
        wait_for_port(port)
        return f"ws://127.0.0.1:{port}/"

    yield start
    for server in started:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


@pytest.fixture
def run_server(run_servers):
    return run_servers()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


def test_two_shards_on_two_remote_browsers_merge_into_one_report(run_servers, playwright, demo_server, tmp_path):
    """Past one machine: each CI shard drives a browser host of its own; `merge` makes the one report."""
    executable = find_browser(playwright, os.environ.get("CASE_ASSIST_CHECK_BROWSER"))
    parts = []
    for index in (1, 2):
        out = cli(
            "run", DEMO_SCENARIOS, "--base-url", demo_server.base_url, "--shard", f"{index}/2",
            "--browser-endpoint", run_servers(), *(["--browser-path", executable] if executable else []),
            "--report", tmp_path / f"shard{index}", "--no-screenshots",
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        parts.append(tmp_path / f"shard{index}")
    merged = cli("merge", *parts, "--report", tmp_path / "merged")
    assert merged.returncode == 0 and "3 passed" in merged.stdout, merged.stdout + merged.stderr
    data = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert len(data["scenarios"]) == 3 and {s["status"] for s in data["scenarios"]} == {"passed"}


def test_one_shared_browser_over_cdp(playwright, demo_server, tmp_path):
    """`--browser-endpoint http://…`: a running Chrome's DevTools endpoint; the run opens its contexts there."""
    executable = (
        find_browser(playwright, os.environ.get("CASE_ASSIST_CHECK_BROWSER")) or playwright.chromium.executable_path
    )
    port = free_port()
    chrome = subprocess.Popen(
        [executable, "--headless", *LAUNCH_ARGS, f"--remote-debugging-port={port}", f"--user-data-dir={tmp_path / 'p'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port)
        out = cli(
            "run", DEMO_SCENARIOS / "03-quit-from-review.yaml", "--base-url", demo_server.base_url,
            "--browser-endpoint", f"http://127.0.0.1:{port}", "--report", tmp_path / "r",
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        (scenario,) = json.loads((tmp_path / "r" / "results.json").read_text())["scenarios"]
        assert [e["action"] for e in scenario["events"]][-1] == "ticket_cancel"
        assert chrome.poll() is None  # the browser is the caller's: the run leaves it running
    finally:
        os.killpg(chrome.pid, signal.SIGTERM)
        chrome.wait(timeout=10)


def test_remote_browser_endpoint(run_server, playwright, demo_server, tmp_path):
    executable = find_browser(playwright, os.environ.get("CASE_ASSIST_CHECK_BROWSER"))
    out = cli(
        "run",
        DEMO_SCENARIOS / "03-quit-from-review.yaml",
        "--base-url",
        demo_server.base_url,
        "--browser-endpoint",
        run_server,
        *(["--browser-path", executable] if executable else []),
        "--report",
        tmp_path,
        "--json",
        tmp_path / "out.json",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    (scenario,) = json.loads((tmp_path / "out.json").read_text())["scenarios"]
    assert [e["action"] for e in scenario["events"]] == [
        "ticket_create_start",
        "ticket_field_update",
        "ticket_field_update",
        "ticket_next_stage",
        "ticket_cancel",
    ]
    assert all(step["screenshot"] for step in scenario["steps"])  # screenshots work through the remote protocol too
    bad = cli(
        "run",
        DEMO_SCENARIOS / "03-quit-from-review.yaml",
        "--base-url",
        demo_server.base_url,
        "--browser-endpoint",
        "ws://127.0.0.1:9/",
        "--report",
        tmp_path / "bad",
    )
    assert bad.returncode == 2 and "could not connect" in bad.stderr


def test_retries_report_flaky_scenarios(browser, pages_server, scenario_file, tmp_path):
    path = scenario_file(
        "name: flaky flow start\nsteps:\n  - goto: /pages/flaky.html?key=retry-test\n  - wait_for: '#ready'\n"
    )
    options = RunOptions(base_url=pages_server, report_dir=tmp_path, retries=2)
    result = run(load_scenarios([path]), options, browser=browser)
    (scenario,) = result.scenarios
    assert scenario.status.value == "flaky" and scenario.attempts == 2
    assert scenario.earlier_attempts[0].status.value == "failed"
    assert any(f.startswith("event.type") for f in scenario.earlier_attempts[0].findings)
    assert result.status.value == "passed" and result.summary.flaky == 1
    strict = run(
        load_scenarios([path]), RunOptions(base_url=pages_server, report_dir=tmp_path, retries=0), browser=browser
    )
    assert strict.scenarios[0].status.value == "passed"  # the page now behaves: the counter moved on
