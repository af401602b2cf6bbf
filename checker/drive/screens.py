"""Per-step screenshots that cost almost nothing: Chromium's screencast pushes a frame whenever the page changes.

A step's effects reach the screen a frame or two after it ends, when the next step may already be under way. So a
step's screenshot is settled at the end of the run: the last frame drawn before a later step first acted on the
page (its first pointer, key or input event as the JS layer saw it; a navigation or a script acts as it starts). The
latest frame is written when the step ends, in case the run is cut short, and replaced once that is known. A
blocking screenshot (~25 ms here) is only taken where fidelity matters most: after a step that failed, for a
`screenshot:` step, or without a screencast.
"""

from __future__ import annotations

import base64
import bisect
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from checker.bounds import Bound, unbounded
from checker.drive.watchdog import GRACE_S
from checker.files import UnwrittenFile, note_unwritten, write_atomic

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, CDPSession, Page

SHOT_TIMEOUT_S = 5  # a blocking screenshot's own timeout
MAX_FRAMES = 300  # frames kept until the screenshots are settled (tens of KB each)
FRAME_SIZE = 900  # pixels, the most a frame may have in either direction


def shown_until(step_starts: list[float], acts_at_start: list[bool], acts: list[float]) -> list[float]:
    """For each step, until when the screen shows its outcome: the moment a later step first acted on the page
    (wall-clock seconds), or for ever when none did. `acts_at_start[i]`: step i changes the page as it starts
    (a navigation, a script); the others act at their first pointer, key or input event in `acts`."""
    acts = sorted(acts)
    until, next_act = [math.inf] * len(step_starts), math.inf
    for index in reversed(range(len(step_starts))):
        until[index] = next_act
        start = step_starts[index]
        end = step_starts[index + 1] if index + 1 < len(step_starts) else math.inf
        first = bisect.bisect_left(acts, start)
        if acts_at_start[index]:
            next_act = start
        elif first < len(acts) and acts[first] < end:
            next_act = acts[first]
    return until


@dataclass
class _Provisional:
    step: int
    path: Path
    frame: bytes  # what was written when the step ended


class ScreenRecorder:
    def __init__(self, context: BrowserContext, page: Page, enabled: bool = True) -> None:
        self.page = page
        self.frames: list[tuple[float, bytes]] = []  # (drawn at, wall-clock seconds; JPEG), oldest first
        self.provisional: list[_Provisional] = []
        self.cdp: CDPSession | None = None
        self.crashed = False
        self.bound: Bound = unbounded  # the session's watchdog bound: a page whose script never yields holds any call
        page.on("crash", self._on_crash)
        if enabled:
            self._start(context)

    @property
    def latest(self) -> bytes | None:
        return self.frames[-1][1] if self.frames else None

    def _start(self, context: BrowserContext) -> None:
        try:
            self.cdp = context.new_cdp_session(self.page)
            self.cdp.on("Page.screencastFrame", self._on_frame)
            # the report shows a step at most 900 px wide; a bigger frame costs the browser time on every change
            self.cdp.send(
                "Page.startScreencast",
                {"format": "jpeg", "quality": 60, "maxWidth": FRAME_SIZE, "maxHeight": FRAME_SIZE},
            )
        except Exception:
            self.cdp = None  # not Chromium, or a remote browser without CDP: fall back to real screenshots

    def _on_crash(self, _page: Page) -> None:
        self.crashed = True  # frames drawn before stay true for the steps before

    def _on_frame(self, params: dict) -> None:
        drawn = (params.get("metadata") or {}).get("timestamp") or time.time()
        self.frames.append((float(drawn), base64.b64decode(params["data"])))
        del self.frames[:-MAX_FRAMES]
        cdp = self.cdp
        try:
            if cdp is not None:
                cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})
        except Exception:
            pass  # the page is closing

    def snapshot(self, step: int, path: Path, exact: bool = False) -> bool:
        """Write step `step`'s look to `path` (JPEG): a real screenshot when `exact`, else the latest frame, to be
        replaced by `settle`. False when there is no picture: a crashed page, or one the disk could not take (noted
        as an output problem: the step's outcome is the page's, not the disk's)."""
        if exact or (self.cdp is not None and not self.frames):
            self._dispatch()  # a crash, or the first frame, may be on its way
        if self.crashed:
            return False  # a crashed page cannot be photographed; the step's error says why
        if not exact and self.cdp is not None and self.frames:
            frame = self.frames[-1][1]
            if not _save(path, frame):
                return False
            self.provisional.append(_Provisional(step, path, frame))
            return True
        return self._screenshot(path)

    def settle(self, until: list[float]) -> None:
        """Replace each provisional screenshot by the last frame drawn before its step's outcome left the screen
        (`until`, from `shown_until`)."""
        self._dispatch()
        drawn = [when for when, _ in self.frames]
        for shot in self.provisional:
            cutoff = until[shot.step] if shot.step < len(until) else math.inf
            position = bisect.bisect_left(drawn, cutoff)
            if position and self.frames[position - 1][1] is not shot.frame:
                _save(shot.path, self.frames[position - 1][1])  # when it cannot be, the provisional one stays
        self.provisional.clear()

    def _dispatch(self) -> None:
        try:
            with self.bound("receiving its screen"):
                self.page.wait_for_timeout(0)  # receive what the browser already sent (frames, a crash)
        except Exception:
            pass  # closed or crashed: the frames received are all there is

    def _screenshot(self, path: Path) -> bool:
        for attempt in range(2):
            try:
                with self.bound("taking a screenshot", SHOT_TIMEOUT_S + GRACE_S):
                    picture = self.page.screenshot(type="jpeg", quality=60, timeout=SHOT_TIMEOUT_S * 1000)
            except Exception:
                if attempt == 0 and not self.crashed:  # right after a failed navigation Chromium sometimes refuses once
                    try:
                        self.page.wait_for_timeout(200)
                    except Exception:
                        break
            else:
                return _save(path, picture)  # the browser's part went well: a write that fails is the disk's
        if self.latest is not None and not self.crashed:  # the last frame the screencast showed is better than nothing
            return _save(path, self.latest)
        return False


def _save(path: Path, picture: bytes) -> bool:
    """Write a screenshot whole (never a truncated JPEG in the report); when the disk cannot take it, say so once per
    scenario folder (`note_unwritten`) and go on: the audit is about the page."""
    try:
        write_atomic(path, picture)
        return True
    except UnwrittenFile as exc:
        note_unwritten(path, exc, group=path.parent, noun="screenshots")
        return False
