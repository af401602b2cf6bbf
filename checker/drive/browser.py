"""Find a Chromium and launch it.

Order: `--browser-path`; a Playwright-managed Chromium when present; a system one. Headless, the system's Chromium
headless shell comes first (`chromium-headless-shell`, Debian's package of what Playwright itself launches for a
headless run): the full browser in headless mode costs about three times its CPU per scenario here (7.2 against 20
CPU-s for 8 demo scenarios), which is what a second worker on a small machine runs short of. With a window
(`--headed`, recording), only a full browser will do. `ensure_browser()` (used by `case-assist-check setup`) goes
further when none is found: `playwright install chromium`, then, on Debian/Ubuntu as root, `apt-get install`.
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
HEADLESS_SHELLS = ("chromium-headless-shell",)
APT_PACKAGES = ("chromium", "chromium-headless-shell")
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


def system_chromium(headed: bool = False) -> str | None:
    """The system's Chromium: for a headless run its headless shell when installed, else the full browser."""
    for name in SYSTEM_BROWSERS if headed else HEADLESS_SHELLS + SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return _unwrapped(found)
    return None


def _unwrapped(path: str) -> str:
    """The browser a one-line launcher script runs (Debian's `chromium-headless-shell` is `#!/bin/sh` running
    /usr/lib/chromium/chromium-headless-shell "$@" without `exec`): Playwright must own the browser's process, or
    closing or killing it leaves the real browser running, orphaned."""
    try:
        with open(path, "rb") as script:
            head = script.read(4096)
    except OSError:
        return path
    if not head.startswith(b"#!"):
        return path
    commands = [line.split() for line in head.decode(errors="replace").splitlines()[1:] if line.strip()]
    commands = [words for words in commands if not words[0].startswith("#")]
    if len(commands) == 1 and commands[0][-1] == '"$@"' and len(commands[0]) == 2:
        target = commands[0][0]
        if os.path.isabs(target) and os.access(target, os.X_OK):
            return target
    return path


def find_browser(pw: Playwright | None = None, explicit: str | None = None, headed: bool = False) -> str | None:
    """Executable path to launch, or None to let Playwright use its managed browser (which picks its own headless
    shell for a headless run)."""
    if explicit:
        if not Path(explicit).exists() and not shutil.which(explicit):
            raise SetupError(
                f"--browser-path {explicit} does not exist", "give the path of a Chromium or Chrome executable"
            )
        return shutil.which(explicit) or explicit
    if managed_chromium(pw):
        return None
    system = system_chromium(headed)
    if system:
        return system
    if headed and system_chromium():
        raise SetupError(
            "only a headless Chromium was found: a window needs the full browser",
            "install one (`apt-get install chromium`, `playwright install chromium`) or pass --browser-path",
        )
    raise SetupError("no Chromium found", "run `make demo` or `case-assist-check setup`, or pass --browser-path")


def ensure_browser(log: Callable[[str], None] = print) -> str:
    """Make sure a Chromium exists, installing one if needed. Returns a description of what will be used."""
    managed = managed_chromium()
    if managed:
        return f"Playwright-managed Chromium ({managed})"
    lacks_shell = not any(shutil.which(name) for name in HEADLESS_SHELLS)
    if lacks_shell and system_chromium(headed=True) and _can_apt():
        log("Installing Chromium's headless shell (a third of the full browser's CPU per scenario)…")
        _apt_install(["chromium-headless-shell"])  # optional: the full browser still runs headless without it
    system = system_chromium()
    if system:
        return f"system Chromium ({system})"
    log("No Chromium found: trying `playwright install chromium`…")
    result = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], capture_output=True, text=True)
    if result.returncode == 0 and managed_chromium():
        return f"Playwright-managed Chromium ({managed_chromium()})"
    log("`playwright install chromium` failed (no download access?); trying the system package manager…")
    if _can_apt():
        _apt_install(list(APT_PACKAGES))
        if system_chromium():
            return f"system Chromium ({system_chromium()}), installed with apt-get"
    raise SetupError(
        "could not get a Chromium",
        "install one (`apt-get install chromium`, `playwright install chromium`) or pass --browser-path",
    )


def _can_apt() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def _apt_install(packages: list[str]) -> None:
    """`apt-get install`, refreshing the package lists first only when the install fails without (minutes saved
    on a machine whose lists are fresh)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", *packages]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)


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
