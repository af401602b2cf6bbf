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
        if enabled:
            self._start(context)

    def _start(self, context: "BrowserContext") -> None:
        try:
            self.cdp = context.new_cdp_session(self.page)
            self.cdp.on("Page.screencastFrame", self._on_frame)
            self.cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 60, "maxWidth": 1280, "maxHeight": 900})
        except Exception:
            self.cdp = None  # not Chromium, or a remote browser without CDP: fall back to real screenshots

    def _on_frame(self, params: dict) -> None:
        self.latest = base64.b64decode(params["data"])
        try:
            self.cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})  # type: ignore[union-attr]
        except Exception:
            pass  # the page is closing

    def snapshot(self, path: Path, exact: bool = False) -> bool:
        """Write the page's current look to `path` (JPEG). `exact` takes a real screenshot."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if not exact and self.cdp is not None:
            try:
                self.page.evaluate("0")  # one round trip, so frames already sent by the browser are dispatched
            except Exception:
                pass
            if self.latest is not None:
                path.write_bytes(self.latest)
                return True
        try:
            self.page.screenshot(path=str(path), type="jpeg", quality=60, timeout=5000)
            return True
        except Exception:
            return False  # a crashed page cannot be photographed; the step's error says why
