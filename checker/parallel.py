"""`--workers N`: scenarios in parallel, each worker a thread with its own Playwright and browser (Playwright's
sync API is per thread), nothing shared between scenarios but the queue they are taken from. Results come back
in the scenarios' order, so the report is the same as a sequential run's."""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable

from checker import __version__
from checker.drive.watchdog import interrupt_all
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


def _worker(todo, results, stop, options: RunOptions, on_event, total: int, browsers: list[str]) -> None:
    from checker.runner import BrowserOpener, run_attempts

    try:
        opener = BrowserOpener(options, stop=stop)  # this thread's own Playwright and browser
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
            on_event(RunEvent("scenario_started", scenario.name, index, total))
            results[index] = run_attempts(opener, scenario, options, on_event)  # a browser that died is reopened
            on_event(RunEvent("scenario_finished", scenario.name, index, total, result=results[index]))
    finally:
        opener.close()
