"""`--workers N`: scenarios in parallel, each worker a thread with its own Playwright and browser (Playwright's
sync API is per thread), nothing shared between scenarios but the queue they are taken from. Results come back
in the scenarios' order, so the report is the same as a sequential run's."""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable

from checker import __version__
from checker.models import RunResult, ScenarioResult
from checker.options import RunEvent, RunOptions
from checker.scenario.model import Scenario


def run_parallel(scenarios: list[Scenario], options: RunOptions, on_event: Callable[[RunEvent], None]) -> RunResult:
    from checker.runner import _now, finish_run

    started = time.monotonic()
    todo: queue.Queue[tuple[int, Scenario]] = queue.Queue()
    for item in enumerate(scenarios):
        todo.put(item)
    results: dict[int, ScenarioResult] = {}
    stop = threading.Event()
    lock = threading.Lock()
    browsers: list[str] = []

    def safe_event(event: RunEvent) -> None:
        with lock:
            on_event(event)

    safe_event(RunEvent("run_started", total=len(scenarios)))
    workers = [threading.Thread(target=_worker, name=f"worker-{n + 1}", daemon=True,
                                args=(todo, results, stop, options, safe_event, len(scenarios), browsers))
               for n in range(min(options.workers, len(scenarios)))]
    failures: list[BaseException] = []
    for worker in workers:
        worker.failures = failures  # type: ignore[attr-defined]
        worker.start()
    interrupted = _wait(workers, stop)
    if failures and not results:
        raise failures[0]  # no worker could even start (e.g. no browser): say why
    run_result = RunResult(tool_version=__version__, started_at=_now(), analytics_mode=options.analytics,
                           base_url=options.base_url, browser=browsers[0] if browsers else "", interrupted=interrupted)
    run_result.scenarios = [results[i] for i in sorted(results)]
    finish_run(run_result, time.monotonic() - started, options.fail_on_flaky)
    safe_event(RunEvent("run_finished", total=len(scenarios)))
    return run_result


def _wait(workers: list[threading.Thread], stop: threading.Event) -> bool:
    """Wait for the workers; Ctrl-C / SIGTERM (raised in this thread) lets running scenarios finish, starts no new one."""
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(timeout=0.2)
        return False
    except KeyboardInterrupt:
        stop.set()
        for worker in workers:
            worker.join()
        return True


def _worker(todo, results, stop, options: RunOptions, on_event, total: int, browsers: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    from checker.runner import BrowserOpener, run_attempts

    with sync_playwright() as pw:
        try:
            opener = BrowserOpener(pw, options)
        except Exception as exc:
            threading.current_thread().failures.append(exc)  # type: ignore[attr-defined]
            return
        browsers.append(f"Chromium {opener.browser.version}")
        try:
            while not stop.is_set():
                try:
                    index, scenario = todo.get_nowait()
                except queue.Empty:
                    return
                if not opener.browser.is_connected():
                    opener.reopen()
                on_event(RunEvent("scenario_started", scenario.name, index, total))
                results[index] = run_attempts(opener.browser, scenario, options, on_event)
                on_event(RunEvent("scenario_finished", scenario.name, index, total, result=results[index]))
        finally:
            opener.close()
