"""Per-step screenshots that cost almost nothing: Chromium's screencast pushes a frame whenever the page
changes, and a step's screenshot is the latest frame when it ends. A blocking screenshot (~35 ms a step here)
is only taken where fidelity matters most: after a step that failed, or when the screencast is unavailable.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, CDPSession, Page


class ScreenRecorder:
    def __init__(self, context: "BrowserContext", page: "Page", enabled: bool = True) -> None:
        self.page = page
        self.latest: bytes | None = None
        self.cdp: "CDPSession | None" = None
        self.crashed = False
        page.on("crash", self._on_crash)
        if enabled:
            self._start(context)

    def _start(self, context: "BrowserContext") -> None:
        try:
            self.cdp = context.new_cdp_session(self.page)
            self.cdp.on("Page.screencastFrame", self._on_frame)
            self.cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 60, "maxWidth": 1280, "maxHeight": 900})
        except Exception:
            self.cdp = None  # not Chromium, or a remote browser without CDP: fall back to real screenshots

    def _on_crash(self, _page) -> None:
        self.crashed = True
        self.latest = None  # the frame before the crash would show a page that no longer exists

    def _on_frame(self, params: dict) -> None:
        self.latest = base64.b64decode(params["data"])
        try:
            self.cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})  # type: ignore[union-attr]
        except Exception:
            pass  # the page is closing

    def snapshot(self, path: Path, exact: bool = False, dispatched: bool = False) -> bool:
        """Write the page's current look to `path` (JPEG). `exact` takes a real screenshot. `dispatched`: the
        caller has just made a round trip to the browser, so the frames it already sent have been received."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if exact or not dispatched:
            try:
                self.page.wait_for_timeout(0)  # dispatch what the browser already sent (frames, a crash)
            except Exception:
                pass
        if self.crashed:
            return False  # a crashed page cannot be photographed; the step's error says why
        if not exact and self.cdp is not None and self.latest is not None:
            path.write_bytes(self.latest)
            return True
        return self._screenshot(path)

    def _screenshot(self, path: Path) -> bool:
        for attempt in range(2):
            try:
                self.page.screenshot(path=str(path), type="jpeg", quality=60, timeout=5000)
                return True
            except Exception:
                if attempt == 0 and not self.crashed:  # right after a failed navigation Chromium sometimes refuses once
                    try:
                        self.page.wait_for_timeout(200)
                    except Exception:
                        break
        if self.latest is not None:  # the last frame the screencast showed is better than nothing
            path.write_bytes(self.latest)
            return True
        return False
