"""A bound on every call to a page, and what ends a call that outlives it.

A page whose script never yields (`while (true) {}` in a timer) blocks every call that needs its main thread: an
evaluate (the idle check, the page state, the `evaluate` step), a key press, the actionability checks of a click.
Playwright's evaluate has no timeout, and its sync API blocks the thread, so the bound is kept by a thread of its own
(`Watchdog`): a call still waiting at its deadline is *fired*, and remedies are applied one after another, each
given `GRACE_S` to end the call before the next, harder one:

1. stop the pages' scripts (CDP `Runtime.terminateExecution`, which Chromium handles while a script runs): the
   call then goes through, and the page stays readable (its screenshot, its state); measured 20 ms (not reached: a
   cross-site iframe's process; through a frame's CDP session too the command waits for its main thread);
2. end the renderer processes of this browser (local browsers; `--type=renderer` descendants of its process): the
   call fails with "Target crashed" within ~50 ms; for what (1) cannot reach: a cross-site iframe's own process, a
   renderer stuck outside JavaScript;
3. the runner's last resort, only when it owns the browser: end its Playwright driver, which fails every pending
   call at once (~30 ms) and takes the browser with it; the runner opens new ones for the next scenario.

The call that was fired raises `PageUnresponsive` however it ended, so the scenario says why it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.bounds import PageUnresponsive

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

GRACE_S = 2.0  # how long a remedy has to end the call before the next one, and the margin past a call's own timeout
AFTER_HANG_S = 2.0  # once a page has hung, a later call to it waits at most this long (it may well hang again)…
GIVE_UP_AFTER = 2  # …and after this many hangs the page is not called again (it would hang each time)


@dataclass
class Remedy:
    done: str  # what the message says the checker did: "stopped the page's scripts"
    apply: Callable[[Callable[[], bool]], None]  # given `still_waiting`, to check at the last moment


@dataclass
class _Call:
    what: str
    seconds: float
    deadline: float
    fired: bool = False
    over: bool = False
    remedy: str | None = None


class Watchdog:
    """The bounds of one scenario's page calls (one thread, started at the first bound, ended by `stop`).

    `bound(what, seconds)` wraps one call at a time; a bound opened inside another is the outer one's. `hangs` keeps
    every call that was fired, for the scenario's error."""

    def __init__(self, default_s: float, remedies: list[Remedy] | None = None) -> None:
        self.default_s = default_s
        self.remedies = list(remedies or [])
        self.hangs: list[PageUnresponsive] = []
        self._cond = threading.Condition()
        self._call: _Call | None = None
        self._thread: threading.Thread | None = None
        self._stopped = self._interrupted = False
        _LIVE.add(self)

    @contextlib.contextmanager
    def bound(
        self, what: str, seconds: float | None = None, give_up: bool = True, extra_s: float = 0
    ) -> Iterator[None]:
        """Raise `PageUnresponsive` when the call inside outlives `seconds` (default: the scenario's step timeout)
        plus `extra_s` (what the call itself waits for), after a remedy ended it. With `give_up`, a page that hung
        before gets at most `AFTER_HANG_S`, and one that hung `GIVE_UP_AFTER` times is not called (closing the
        context is not given up)."""
        if self._call is not None:  # the outer bound governs
            yield
            return
        if give_up and (self._interrupted or len(self.hangs) >= GIVE_UP_AFTER):
            raise PageUnresponsive(self.default_s, what, None, self._interrupted)
        seconds = (seconds or self.default_s) + extra_s
        call = self._arm(what, min(seconds, AFTER_HANG_S) if give_up and self.hangs else seconds)
        try:
            yield
        except Exception as exc:
            if call.fired:
                raise self._hung(call) from exc
            raise
        finally:
            self._disarm(call)
        if call.fired:
            raise self._hung(call)

    def _arm(self, what: str, seconds: float) -> _Call:
        call = _Call(what, seconds, time.monotonic() + seconds)
        with self._cond:
            self._call = call
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="page-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return call

    def _disarm(self, call: _Call) -> None:
        with self._cond:
            call.over = True
            self._call = None
            self._cond.notify_all()

    def _hung(self, call: _Call) -> PageUnresponsive:
        hang = PageUnresponsive(call.seconds, call.what, call.remedy, self._interrupted)
        self.hangs.append(hang)
        return hang

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        _LIVE.discard(self)

    def interrupt(self) -> None:
        """End the scenario soon: the call under way is fired now, later ones are not made (closing aside)."""
        with self._cond:
            self._interrupted = True
            if self._call is not None:
                self._call.deadline = 0
            self._cond.notify_all()

    # --- the watchdog's thread ------------------------------------------------------------------------------
    def _watch(self) -> None:
        while (call := self._next_overdue()) is not None:
            self._remedy(call)

    def _next_overdue(self) -> _Call | None:
        """Wait until the armed call passes its deadline (fired, returned) or `stop` (None)."""
        with self._cond:
            while not self._stopped:
                call = self._call
                if call is None or call.fired:
                    self._cond.wait(None)
                    continue
                left = call.deadline - time.monotonic()
                if left <= 0:
                    call.fired = True
                    return call
                self._cond.wait(left)
        return None

    def _remedy(self, call: _Call) -> None:
        """Apply the remedies in turn until the call is over; each one gets `GRACE_S` to end it."""
        for remedy in self.remedies:
            if call.over:
                return
            previous, call.remedy = call.remedy, remedy.done  # set first: the call may end as soon as it is applied
            try:
                remedy.apply(lambda: not call.over)
            except Exception:
                call.remedy = previous
                continue  # not possible here (a remote browser, a closed loop): the next one
            with self._cond:
                self._cond.wait_for(lambda: call.over or self._stopped, GRACE_S)


_LIVE: weakref.WeakSet[Watchdog] = weakref.WeakSet()  # the watchdogs of the scenarios under way, in any thread


def interrupt_all() -> None:
    """Ctrl-C or SIGTERM in a parallel run: it reaches the main thread only, while the workers' threads may be held
    by a page that does not answer (for as long as their bounds): interrupt their scenarios."""
    for watchdog in list(_LIVE):
        watchdog.interrupt()


# --- the remedies -----------------------------------------------------------------------------------------------


def stop_scripts(context: BrowserContext, page: Page) -> Remedy:
    """Remedy 1: CDP `Runtime.terminateExecution` in every page of the context (on a page with no script running it
    changes nothing, measured). Each page's CDP session is opened as the page opens: one opened while a script holds
    the page's main thread does not deliver the command (measured: it times out); popups get theirs as they open.
    The sessions' sync API belongs to the scenario's thread, so the command goes through that thread's Playwright
    event loop, which runs while the thread waits inside a Playwright call; nothing is sent once the call is over."""
    loop = getattr(context, "_loop", None)
    sessions: list[Any] = []  # Playwright's own (async) CDP sessions, under the sync API's wrappers

    def open_session(opened: Page) -> None:
        try:
            sessions.append(context.new_cdp_session(opened)._impl_obj)
        except Exception:
            pass  # closed already

    open_session(page)
    if loop is None or not sessions:
        raise ValueError("no CDP session: not Chromium, or not Playwright's sync API")
    context.on("page", open_session)

    def apply(still_waiting: Callable[[], bool]) -> None:
        async def terminate_all() -> None:  # side by side: one page's answer must not hold back the others'
            await asyncio.gather(*(_terminate(s, still_waiting) for s in list(sessions)), return_exceptions=True)

        asyncio.run_coroutine_threadsafe(terminate_all(), loop)

    return Remedy("stopped the page's scripts", apply)


async def _terminate(session: Any, still_waiting: Callable[[], bool]) -> None:
    if not still_waiting():
        return
    with_timeout = "timeout" in inspect.signature(session.send).parameters  # the send of some Playwright versions
    await session.send("Runtime.terminateExecution", *((None, GRACE_S * 1000) if with_timeout else (None,)))


def end_renderers(browser_pid: int) -> Remedy:
    """Remedy 2: end the renderer processes of this (local) browser; the pending call fails with "Target crashed".
    All of them: Chromium does not say which process holds which page, and a run's browser holds one scenario's
    pages at a time (a browser shared with other tests loses their pages too, rather than hanging for ever)."""

    def apply(still_waiting: Callable[[], bool]) -> None:
        for pid in descendants(browser_pid, b"--type=renderer"):
            if still_waiting():
                _kill(pid)

    return Remedy("ended the page's renderer processes", apply)


def end_process(pid: int, done: str, then: Callable[[], None] = lambda: None) -> Remedy:
    """A remedy that ends one process (the runner's last resort: its Playwright driver), then calls `then`."""

    def apply(still_waiting: Callable[[], bool]) -> None:
        if still_waiting():
            _kill(pid)
            then()

    return Remedy(done, apply)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it ended by itself meanwhile


def remedies_for(
    browser: Browser, context: BrowserContext, page: Page, last_resort: Remedy | None = None
) -> list[Remedy]:
    """The remedies this scenario's page allows, gentlest first (see the module's docstring)."""
    remedies: list[Remedy] = []
    try:
        remedies.append(stop_scripts(context, page))
    except ValueError:
        pass
    pid = local_browser_pid(browser)
    if pid is not None:
        remedies.append(end_renderers(pid))
    if last_resort is not None:
        remedies.append(last_resort)
    return remedies


# --- processes (Linux /proc; elsewhere the remedies that need them are left out) ------------------------------

_BROWSER_PIDS: weakref.WeakKeyDictionary[Any, int | None] = weakref.WeakKeyDictionary()
_PIDS_LOCK = threading.Lock()  # workers' threads ask for their own browsers at the same time


def local_browser_pid(browser: Browser) -> int | None:
    """The process of `browser` when it runs on this machine as a descendant of this one (asked once per browser);
    None for a remote browser (its process IDs are another machine's) or without /proc."""
    key = getattr(browser, "_impl_obj", None)  # the same for a browser and a wrapper of it (the pytest plugin's)
    with _PIDS_LOCK:
        try:
            if key is not None and key in _BROWSER_PIDS:
                return _BROWSER_PIDS[key]
        except TypeError:
            key = None  # not weakly referenceable: ask each time
    pid = _ask_browser_pid(browser)
    pid = pid if pid is not None and os.getpid() in ancestors(pid) else None
    if key is not None:
        with _PIDS_LOCK:
            _BROWSER_PIDS[key] = pid
    return pid


def _ask_browser_pid(browser: Browser) -> int | None:
    try:
        cdp = browser.new_browser_cdp_session()
        try:
            info = cdp.send("SystemInfo.getProcessInfo")
        finally:
            cdp.detach()
    except Exception:
        return None  # not Chromium, or a remote end that refuses browser CDP sessions
    return next((p.get("id") for p in info.get("processInfo", []) if p.get("type") == "browser"), None)


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def ancestors(pid: int) -> list[int]:
    found: list[int] = []
    parent = parent_pid(pid)
    while parent and parent not in found:
        found.append(parent)
        parent = parent_pid(parent)
    return found


def descendants(root: int, marker: bytes) -> list[int]:
    """Processes under `root` whose command line holds `marker`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit() and (parent := parent_pid(int(entry.name))) is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            try:
                if marker in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
            except OSError:
                continue  # ended meanwhile
    return found
