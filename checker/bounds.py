"""The bound on a call to the page, as the capture layer sees it (a leaf): the exception raised when a call
outlives its bound, and the no-op bound used without a watchdog. The watchdog itself is `checker.drive.watchdog`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager


class PageUnresponsive(Exception):
    """A call to the page outlived its bound, or the run was interrupted (`interrupt_all`); `remedy` says what the
    watchdog did to end it (None: nothing was needed, or nothing could be done)."""

    def __init__(
        self, seconds: float, what: str | None = None, remedy: str | None = None, interrupted: bool = False
    ) -> None:
        self.seconds, self.what, self.remedy, self.interrupted = seconds, what, remedy, interrupted
        super().__init__(self.restated(seconds, what))

    def restated(self, seconds: float, what: str | None = None) -> str:
        """The message with the bound the user knows (a step's timeout rather than the watchdog's margin past it)."""
        if self.interrupted:
            return "interrupted (Ctrl-C or SIGTERM) before the scenario finished; what it captured is kept"
        doing = f" ({what})" if what else ""
        ended = f" (the checker {self.remedy} to go on)" if self.remedy else ""
        return (
            f"the page did not answer within {seconds:g} s{doing}: a script kept it busy, or it waited for a "
            f"document that never came{ended}"
        )


# wraps one call to the page: `with bound(what, seconds, give_up, extra_s):`
Bound = Callable[..., AbstractContextManager[None]]


def unbounded(
    what: str, seconds: float | None = None, give_up: bool = True, extra_s: float = 0
) -> AbstractContextManager[None]:
    """The bound of a capture used without a watchdog (the recorder, the pytest fixture): none."""
    return contextlib.nullcontext()
