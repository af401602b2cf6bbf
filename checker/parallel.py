"""`--workers N`: scenarios in parallel, each worker a thread with its own Playwright and browser (Playwright's
sync API is per thread), nothing shared between scenarios but the queue they are taken from. Results come back
in the scenarios' order, so the report is the same as a sequential run's.

What a worker is (a browser of its own, and how it runs a scenario) is the runner's, given as `start_worker`: this
module imports no runner (the runner chooses between a sequential and a parallel run, and imports this one)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

from checker.drive.watchdog import interrupt_all
from checker.models import RunResult, ScenarioResult
from checker.options import RunEvent, RunOptions
from checker.report.run import new_run, utc_now
from checker.scenario.model import Scenario


class Worker(Protocol):
    """A worker thread's browser, and how it runs one scenario in it (with its attempts)."""

    browser: str  # the browser's label in the report, e.g. "Chromium 130.0.6723.31"

    def run(self, scenario: Scenario, on_event: Callable[[RunEvent], None]) -> ScenarioResult: ...

    def close(self) -> None: ...


StartWorker = Callable[[threading.Event], Worker]  # called in the worker's thread; the event is set when the run stops


def run_parallel(
    scenarios: list[Scenario], options: RunOptions, on_event: Callable[[RunEvent], None], start_worker: StartWorker
) -> RunResult:
    started, started_at = time.monotonic(), utc_now()
    todo: queue.Queue[tuple[int, Scenario]] = queue.Queue()
    for item in enumerate(scenarios):
        todo.put(item)
    results: dict[int, ScenarioResult] = {}
    stop = threading.Event()
    lock = threading.Lock()
    browsers: list[str] = []
    failures: list[BaseException] = []

    def safe_event(event: RunEvent) -> None:
        with lock:
            on_event(event)

    safe_event(RunEvent("run_started", total=len(scenarios)))
    workers = [
        threading.Thread(
            target=_worker,
            name=f"worker-{n + 1}",
            daemon=True,
            args=(start_worker, todo, results, stop, safe_event, len(scenarios), browsers, failures),
        )
        for n in range(min(options.workers, len(scenarios)))
    ]
    for worker in workers:
        worker.start()
    interrupted = _wait(workers, stop)
    if failures and not results:
        raise failures[0]  # no worker could even start (e.g. no browser): say why
    run_result = new_run(
        [results[i] for i in sorted(results)],
        started_at=started_at,
        duration_s=time.monotonic() - started,
        analytics_mode=options.analytics,
        base_url=options.base_url,
        browser=browsers[0] if browsers else "",
        interrupted=interrupted,
        fail_on_flaky=options.fail_on_flaky,
    )
    safe_event(RunEvent("run_finished", total=len(scenarios)))
    return run_result


def _wait(workers: list[threading.Thread], stop: threading.Event) -> bool:
    """Wait for the workers; Ctrl-C / SIGTERM (raised in this thread) interrupts the running scenarios (each is kept
    as `error`, with what it captured) and starts no new one."""
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(timeout=0.2)
        return False
    except KeyboardInterrupt:
        stop.set()
        interrupt_all()  # the scenarios under way end within seconds, as in a sequential run, with what they captured
        for worker in workers:
            worker.join()
        return True


def _worker(
    start_worker: StartWorker,
    todo: queue.Queue[tuple[int, Scenario]],
    results: dict[int, ScenarioResult],
    stop: threading.Event,
    on_event: Callable[[RunEvent], None],
    total: int,
    browsers: list[str],
    failures: list[BaseException],
) -> None:
    try:
        worker = start_worker(stop)  # this thread's own Playwright and browser
    except Exception as exc:
        failures.append(exc)
        return
    browsers.append(worker.browser)
    try:
        while not stop.is_set():
            try:
                index, scenario = todo.get_nowait()
            except queue.Empty:
                return
            on_event(RunEvent("scenario_started", scenario.name, index, total))
            results[index] = worker.run(scenario, on_event)  # a browser that died is reopened
            on_event(RunEvent("scenario_finished", scenario.name, index, total, result=results[index]))
    finally:
        worker.close()
