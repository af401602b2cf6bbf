"""The demo site's Quantic variant: Coveo's real Quantic Case Assist components, built offline.

Quantic (Salesforce Lightning Web Components) is not on npm: its sources come from a `coveo/ui-kit` checkout, or a
copy laid out like one, named by `QUANTIC_SRC` (default: `shared/quantic` beside this repository). `build.mjs`
compiles them where they are with LWC OSS and Salesforce's base components from npm; the output goes to `dist/`
(not versioned), rebuilt only when an input changed (the stamp `dist/build.json` keeps the inputs' digest).
`serve.py` serves the pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from checker.errors import SetupError

QUANTIC_DIR = Path(__file__).parent
DEMO_DIR = QUANTIC_DIR.parent
DIST = QUANTIC_DIR / "dist"
STAMP = DIST / "build.json"
OUTPUTS = ("app.js", "resources/coveoheadless/case-assist/headless.js", "resources/coveobueno/browser/bueno.js")
PACKAGE = Path("packages/quantic")
LWC = PACKAGE / "force-app/main/default/lwc"
LABELS = PACKAGE / "force-app/main/default/labels"
BUILD_FILES = ("build.mjs", "src")
HOW_TO_GET = "get a coveo/ui-kit checkout, then run `QUANTIC_SRC=/path/to/ui-kit case-assist-check setup`"

__all__ = ["HOW_TO_GET", "build_quantic", "quantic_ready", "quantic_source", "quantic_version"]


def _default_source() -> Path:
    return DEMO_DIR.parent.parent.parent / "shared" / "quantic"  # <repo root>/../shared/quantic


def quantic_source() -> Path | None:
    """The root of the Quantic sources (`$QUANTIC_SRC`, else `<repo root>/../shared/quantic`), if it has them."""
    configured = os.environ.get("QUANTIC_SRC")
    root = Path(configured).expanduser() if configured else _default_source()
    return root.resolve() if (root / LWC).is_dir() else None


def quantic_version(src: Path) -> str:
    return json.loads((src / PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]


def _digest(src: Path) -> str:
    """sha256 over what the build reads: Quantic's components, labels and version, our build files, the lock file."""
    digest = hashlib.sha256()
    roots = [(src, src / LWC), (src, src / LABELS), (src, src / PACKAGE / "package.json")]
    roots += [(QUANTIC_DIR, QUANTIC_DIR / name) for name in BUILD_FILES]
    roots += [(DEMO_DIR, DEMO_DIR / "package-lock.json")]
    for base, root in roots:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stamp() -> dict:
    try:
        return json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def quantic_ready() -> bool:
    """A build is there to serve (whether it is up to date is `build_quantic`'s business)."""
    return bool(_stamp()) and all((DIST / name).is_file() for name in OUTPUTS)


def build_quantic(log: Callable[[str], None] = print) -> str:
    """Build the Quantic demo when its inputs changed since the last build; say what was done, in one line."""
    src = quantic_source()
    if src is None:
        where = os.environ.get("QUANTIC_SRC") or str(_default_source())
        return f"Quantic demo skipped: no Quantic sources at {where} ({HOW_TO_GET})"
    version = quantic_version(src)
    key = _digest(src)
    if quantic_ready() and _stamp().get("key") == key:
        return f"Quantic {version} demo up to date"
    log(f"Building the Quantic {version} demo from {src}…")
    seconds = _run_build(src, version, key)
    return f"Quantic {version} demo built in {seconds:.1f} s"


def _run_build(src: Path, version: str, key: str) -> float:
    node = shutil.which("node")
    if node is None:
        raise SetupError("Node.js is needed to build the Quantic demo", "install Node.js 20+, then run setup again")
    if not (DEMO_DIR / "node_modules" / "lwc").is_dir():
        raise SetupError("the Quantic demo's npm packages are missing", "run `case-assist-check setup` to install them")
    staging = DIST.with_name(DIST.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    started = time.monotonic()
    result = subprocess.run(
        [node, str(QUANTIC_DIR / "build.mjs"), str(src / LWC), version, str(staging)],
        cwd=DEMO_DIR,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SetupError(
            "the Quantic demo build failed: " + " | ".join(tail),
            f"check the Quantic sources at {src} (Quantic {version}), then run setup again",
        )
    stamp = {"key": key, "quantic_version": version, "source": str(src), "seconds": round(seconds, 1)}
    (staging / STAMP.name).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    _replace(DIST, staging)
    return seconds


def _replace(target: Path, new: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
