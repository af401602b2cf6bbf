"""`case-assist-check setup`: get what the tool needs on this machine, idempotently.

- a Chromium (see `checker.drive.browser.ensure_browser` for the order tried);
- the demo site's npm packages (coveo.analytics, @coveo/headless, and what builds the Quantic variant), installed
  from the lock file with `npm ci`;
- the demo site's Quantic variant, built from Coveo's Quantic sources when they are found (`QUANTIC_SRC`);
- the JSON Schema of Coveo's Event Protocol types, generated from `@coveo/relay-event-types` (see
  `checker.check.event_types`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable

from checker.check.event_types import SCHEMA_PATH, SOURCE_KEY, relay_schema
from checker.demo.quantic import build_quantic
from checker.demo.server import DEMO_DIR, NODE_MODULES, missing_vendor_files
from checker.drive.browser import ensure_browser
from checker.errors import SetupError
from checker.files import write_atomic

STAMP = NODE_MODULES / ".case-assist-check-lock"


def _lock_digest() -> str:
    return hashlib.sha256((DEMO_DIR / "package-lock.json").read_bytes()).hexdigest()


def npm_packages_ready() -> bool:
    return not missing_vendor_files() and STAMP.exists() and STAMP.read_text().strip() == _lock_digest()


def ensure_npm_packages(log: Callable[[str], None] = print) -> str:
    if npm_packages_ready():
        return "demo npm packages up to date"
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError(
            "npm is needed to install the demo site's Coveo libraries",
            "install Node.js and npm (e.g. `apt-get install -y nodejs npm`), then run setup again",
        )
    log("Installing the demo site's npm packages (npm ci)…")
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=DEMO_DIR, capture_output=True, text=True
    )
    if result.returncode != 0 or missing_vendor_files():
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SetupError("npm ci failed: " + " | ".join(tail), "check access to the npm registry, then run setup again")
    STAMP.write_text(_lock_digest())
    return "demo npm packages installed"


RELAY_TYPES = NODE_MODULES / "@coveo" / "relay-event-types"
GENERATOR = NODE_MODULES / ".bin" / "ts-json-schema-generator"


def ensure_relay_schema(log: Callable[[str], None] = print) -> str:
    """Generate the Event Protocol types' JSON Schema from the pinned @coveo/relay-event-types, once per version."""
    version = json.loads((RELAY_TYPES / "package.json").read_text(encoding="utf-8"))["version"]
    source = f"@coveo/relay-event-types {version}"
    current = relay_schema()
    if current is not None and current.get(SOURCE_KEY) == source:
        return f"Event Protocol schema up to date ({source})"
    log(f"Generating the Event Protocol schema from {source}…")
    result = subprocess.run(
        [str(GENERATOR), "--path", str(RELAY_TYPES / "relay-event-types.d.ts"), "--type", "*", "--no-type-check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SetupError("ts-json-schema-generator failed: " + " | ".join(tail), "run setup again after `npm ci`")
    schema = json.loads(result.stdout)
    schema[SOURCE_KEY] = source
    write_atomic(SCHEMA_PATH, json.dumps(schema, indent=1).encode())
    relay_schema.cache_clear()
    return f"Event Protocol schema generated ({source})"


def setup(browser: bool = True, npm: bool = True, log: Callable[[str], None] = print) -> list[str]:
    done: list[str] = []
    if npm:
        done.append(ensure_npm_packages(log))
        done.append(ensure_relay_schema(log))
        done.append(build_quantic(log))
    if browser:
        done.append("browser: " + ensure_browser(log))
    return done
