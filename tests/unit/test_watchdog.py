"""The watchdog that bounds calls to a page (checker.drive.watchdog), without a browser: a "call" here is a wait on an
event that a remedy may set, as a real remedy ends a blocked Playwright call."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from checker.drive import watchdog as wd
from checker.drive.steps import _as_expression, allowance_s
from checker.drive.watchdog import PageUnresponsive, Remedy, Watchdog
from checker.scenario.model import EvaluateStep, FillStep, WaitStep


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(wd, "GRACE_S", 0.2)
    monkeypatch.setattr(wd, "AFTER_HANG_S", 0.3)


class BlockedCall:
    """A call that waits until a remedy ends it (or `limit` passes: a remedy that never came)."""

    def __init__(self) -> None:
        self.ended = threading.Event()
        self.applied: list[str] = []

    def run(self, limit: float = 5) -> None:
        assert self.ended.wait(limit), "no remedy ended the call"

    def remedy(self, name: str, ends: bool = True, fails: bool = False) -> Remedy:
        def apply(still_waiting) -> None:
            self.applied.append(name)
            if fails:
                raise OSError("not possible here")
            if ends and still_waiting():
                self.ended.set()

        return Remedy(name, apply)


def test_a_call_within_its_bound_is_left_alone():
    call = BlockedCall()
    dog = Watchdog(1, [call.remedy("stopped it")])
    with dog.bound("a quick read"):
        time.sleep(0.05)
    dog.stop()
    assert call.applied == [] and dog.hangs == []


def test_remedies_are_applied_in_turn_until_one_ends_the_call():
    call = BlockedCall()
    dog = Watchdog(
        0.2, [call.remedy("tried", ends=False), call.remedy("could not", fails=True), call.remedy("ended it")]
    )
    started = time.monotonic()
    with pytest.raises(PageUnresponsive) as raised:
        with dog.bound("reading the page"):
            call.run()
    dog.stop()
    assert call.applied == ["tried", "could not", "ended it"]
    assert 0.2 + 0.2 <= time.monotonic() - started < 2  # the bound, the first remedy's grace, then the others at once
    assert raised.value.remedy == "ended it" and dog.hangs == [raised.value]
    assert str(raised.value) == (
        "the page did not answer within 0.2 s (reading the page): a script kept it busy, or it "
        "waited for a document that never came (the checker ended it to go on)"
    )
    assert raised.value.restated(5).startswith("the page did not answer within 5 s: a script")


def test_an_error_of_the_ended_call_becomes_the_hang():
    dog = Watchdog(0.1, [Remedy("crashed it", lambda still_waiting: None)])
    with pytest.raises(PageUnresponsive) as raised:
        with dog.bound("evaluating"):
            time.sleep(0.3)
            raise RuntimeError("Target crashed")
    dog.stop()
    assert isinstance(raised.value.__cause__, RuntimeError) and raised.value.remedy == "crashed it"


def test_a_page_that_hung_gets_short_bounds_then_is_not_called():
    call = BlockedCall()
    dog = Watchdog(10, [call.remedy("stopped it")])
    for _ in range(wd.GIVE_UP_AFTER):
        call.ended.clear()
        started = time.monotonic()
        with pytest.raises(PageUnresponsive):
            with dog.bound("reading", seconds=0.2 if not dog.hangs else None):
                call.run()
        assert time.monotonic() - started < 1  # the second: at most AFTER_HANG_S, not the default 10 s
    ran = []
    with pytest.raises(PageUnresponsive):
        with dog.bound("reading again"):
            ran.append(1)
    assert ran == [] and len(dog.hangs) == wd.GIVE_UP_AFTER
    with dog.bound("closing", give_up=False):  # closing is still attempted
        ran.append(2)
    dog.stop()
    assert ran == [2]


def test_a_bound_inside_another_is_the_outer_ones():
    call = BlockedCall()
    dog = Watchdog(0.2, [call.remedy("stopped it")])
    with pytest.raises(PageUnresponsive) as raised:
        with dog.bound("the step"):
            with dog.bound("a read inside it", seconds=0.05):
                call.run()
    dog.stop()
    assert raised.value.what == "the step" and len(dog.hangs) == 1


def test_a_remedy_is_told_when_the_call_is_over():
    seen = []
    finished = threading.Event()

    def apply(still_waiting) -> None:
        seen.append(still_waiting())
        finished.wait(1)
        seen.append(still_waiting())

    dog = Watchdog(0.1, [Remedy("looked", apply)])
    with pytest.raises(PageUnresponsive):
        with dog.bound("reading"):
            time.sleep(0.3)
    finished.set()
    time.sleep(0.1)
    dog.stop()
    assert seen == [True, False]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_processes_are_found_by_ancestry_and_command_line():
    # a stand-in browser and its stand-in renderer: only what runs under the given process is ended (never, say,
    # the renderers of a browser another test of this session launched)
    sleeper = "import time; time.sleep(30)"
    browser = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {sleeper!r}, '--type=renderer'])",
        ]
    )
    try:
        deadline = time.monotonic() + 5
        while not (found := wd.descendants(browser.pid, b"--type=renderer")) and time.monotonic() < deadline:
            time.sleep(0.05)
        (renderer,) = found
        assert wd.descendants(browser.pid, b"--type=gpu-process") == []
        assert browser.pid in wd.ancestors(renderer) and os.getpid() in wd.ancestors(renderer)
        wd.end_renderers(browser.pid).apply(lambda: True)
        assert browser.wait(5) == 0  # its child, the "renderer", was ended: run() returned
    finally:
        if browser.poll() is None:
            for pid in wd.descendants(browser.pid, b"time.sleep(30)"):
                os.kill(pid, 9)
            browser.kill()
            browser.wait()


def test_what_a_step_may_take_and_the_evaluate_expression():
    assert allowance_s(FillStep(fill={"selector": "#a", "value": "x"}), 5) == 10  # the fill, then leaving the field
    assert allowance_s(FillStep(fill={"selector": "#a", "value": "x", "blur": False}), 5) == 5
    assert allowance_s(WaitStep(wait=3000), 5) == 8
    assert allowance_s(EvaluateStep(evaluate="1", frame=["#outer", "#inner"]), 2) == 6
    assert _as_expression("  function () { return 1 }") == "(function () { return 1 })"
    assert _as_expression("async function f() {}") == "(async function f() {})"
    assert _as_expression("x = 5; x * 2") == "x = 5; x * 2"


def test_an_interrupted_run_ends_the_call_under_way_and_makes_no_other():
    call = BlockedCall()
    dog = Watchdog(60, [call.remedy("stopped it")])
    threading.Timer(0.2, wd.interrupt_all).start()  # Ctrl-C in the main thread of a parallel run
    started = time.monotonic()
    with pytest.raises(PageUnresponsive) as raised:
        with dog.bound("a step on a page that does not answer"):
            call.run()
    assert time.monotonic() - started < 1 and raised.value.interrupted  # not its 60 s
    assert str(raised.value).startswith("interrupted (Ctrl-C or SIGTERM)")
    ran = []
    with pytest.raises(PageUnresponsive):
        with dog.bound("the settle"):
            ran.append(1)
    with dog.bound("closing", give_up=False):
        ran.append(2)
    dog.stop()
    assert ran == [2] and dog not in wd._LIVE
