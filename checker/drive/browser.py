"""Find a Chromium and launch it.

Order: `--browser-path`; a Playwright-managed Chromium when present; a system one (`chromium`,
`chromium-browser`, `google-chrome`). `ensure_browser()` (used by `case-assist-check setup`) goes further when none
is found: `playwright install chromium`, then, on Debian/Ubuntu as root, `apt-get install -y chromium`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import SetupError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags that work on locked-down CI machines (no sandbox as root, no GPU, no calls home).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def managed_chromium(pw: Playwright | None = None) -> str | None:
    """The Playwright-managed Chromium's executable when it is installed."""
    try:
        if pw is not None:
            path = pw.chromium.executable_path
        else:
            from playwright.sync_api import sync_playwright  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

            with sync_playwright() as own:
                path = own.chromium.executable_path
    except Exception:
        return None
    return path if path and Path(path).exists() else None


def system_chromium() -> str | None:
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_browser(pw: Playwright | None = None, explicit: str | None = None) -> str | None:
    """Executable path to launch, or None to let Playwright use its managed browser."""
    if explicit:
        if not Path(explicit).exists() and not shutil.which(explicit):
            raise SetupError(
                f"--browser-path {explicit} does not exist", "give the path of a Chromium or Chrome executable"
            )
        return shutil.which(explicit) or explicit
    if managed_chromium(pw):
        return None
    system = system_chromium()
    if system:
        return system
    raise SetupError("no Chromium found", "run `make demo` or `case-assist-check setup`, or pass --browser-path")


def ensure_browser(log: Callable[[str], None] = print) -> str:
    """Make sure a Chromium exists, installing one if needed. Returns a description of what will be used."""
    managed = managed_chromium()
    if managed:
        return f"Playwright-managed Chromium ({managed})"
    system = system_chromium()
    if system:
        return f"system Chromium ({system})"
    log("No Chromium found: trying `playwright install chromium`…")
    result = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], capture_output=True, text=True)
    if result.returncode == 0 and managed_chromium():
        return f"Playwright-managed Chromium ({managed_chromium()})"
    log("`playwright install chromium` failed (no download access?); trying the system package manager…")
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, capture_output=True)
        if system_chromium():
            return f"system Chromium ({system_chromium()}), installed with apt-get"
    raise SetupError(
        "could not get a Chromium",
        "install one (`apt-get install chromium`, `playwright install chromium`) or pass --browser-path",
    )


def connect(pw: Playwright, endpoint: str, executable: str | None = None) -> Browser:
    """A browser on a remote Playwright server (`playwright run-server`, or a grid speaking its protocol; the launch
    options travel in a header, and a server started with --unsafe honours their executable path), or a running
    Chrome's DevTools endpoint (http://host:port, `--remote-debugging-port`): every worker then opens its contexts
    in that one browser."""
    options: dict = {"args": LAUNCH_ARGS, "headless": True}
    if executable:
        options["executablePath"] = executable
    try:
        if endpoint.startswith(("http://", "https://")):  # a running Chrome's DevTools endpoint: shared, not launched
            return pw.chromium.connect_over_cdp(endpoint, timeout=30_000)
        return pw.chromium.connect(
            endpoint, headers={"x-playwright-launch-options": json.dumps(options)}, timeout=30_000
        )
    except Exception as exc:
        raise SetupError(
            f"could not connect to the browser at {endpoint}: {str(exc).splitlines()[0]}",
            "start one with `playwright run-server --port 3000 --host 0.0.0.0 --unsafe`, or check the URL",
        ) from None


def launch(pw: Playwright, executable: str | None, headed: bool = False) -> Browser:
    try:
        return pw.chromium.launch(executable_path=executable, headless=not headed, args=LAUNCH_ARGS)
    except Exception as exc:
        raise SetupError(
            f"could not start Chromium ({executable or 'Playwright-managed'}): {str(exc).splitlines()[0]}",
            "run `case-assist-check setup`, or pass --browser-path",
        ) from None
