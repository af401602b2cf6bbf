"""What capturing costs the checker's own process, per event, kept low (`benchmarks/per_event.py` measures it).

Event handlers Playwright can call cheaply: Playwright's sync API asks `inspect.signature(handler)` on every event
it dispatches, to pass only as many arguments as the handler takes. On a page that logs thousands of events, that is
several events per request (the route, `request`, `response`, the JS layer's binding calls) and about a tenth of the
checker's CPU on 2 cores. A handler whose signature is computed once, here, costs Playwright an attribute lookup.

A cycle collector that does not rescan the capture: see `survivors_frozen`.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any


def handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` (a function or a bound method) as a plain function carrying its signature."""

    def call(*args: Any) -> Any:
        return fn(*args)

    call.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]  # read by inspect.signature
    call.__name__ = getattr(fn, "__name__", "handler")
    return call


_freezing = threading.Lock()
_freezers = 0  # scenarios (worker threads) running inside `survivors_frozen`


@contextlib.contextmanager
def survivors_frozen() -> Iterator[None]:
    """While a scenario captures, what survives each full collection is moved out of the collector's sight
    (`gc.freeze`). The capture keeps every request, call and record it makes until the end, and a full collection
    walks all that is alive: on a 5,000-event page, 11 of them took 3.2 of the checker's 14.6 CPU seconds, more
    with each event. Frozen, the survivors are not walked again; what becomes garbage among them meanwhile waits
    for the end of the scenario (`gc.unfreeze`), when the next collections take it."""
    global _freezers
    with _freezing:
        _freezers += 1
        if _freezers == 1:
            gc.callbacks.append(_freeze_after_full_collection)
    try:
        yield
    finally:
        with _freezing:
            _freezers -= 1
            if _freezers == 0:
                gc.callbacks.remove(_freeze_after_full_collection)
                gc.unfreeze()


def _freeze_after_full_collection(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()  # the collection is over: what is tracked now has just survived it
