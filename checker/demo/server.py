"""The demo site: a real Case Assist page on a real HTTP server on 127.0.0.1, fully offline.

    /create-case              the page, instrumented with the coveoua snippet and coveo.analytics from npm
    /broken/create-case       the same page with real instrumentation bugs (see site/app.js, BUGS)
    /vendor/coveoua.js        node_modules/coveo.analytics/dist/coveoua.js (served locally, never a CDN)
    /rest/organizations/ORG/caseassists/ID/{classify,documents/suggest}   fake Customer Service API
    /api/cases                creates a case and returns its id (500…)
    /docs/PERMANENTID         the knowledge articles the suggestions link to
    /rest/ua/v15/analytics/…  a stand-in collector, used by `serve-demo` and `--analytics pass` tests
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from checker.demo import service_api
from checker.errors import SetupError

DEMO_DIR = Path(__file__).parent
SITE_DIR = DEMO_DIR / "site"
NODE_MODULES = DEMO_DIR / "node_modules"
VENDOR_FILES = {
    "coveoua.js": NODE_MODULES / "coveo.analytics" / "dist" / "coveoua.js",
    "headless-case-assist.js": NODE_MODULES / "@coveo" / "headless" / "dist" / "quantic" / "case-assist" / "headless.js",
}
DEMO_TOKEN = "xx-demo-token-3f6a2c81"  # a fake API key: it must never appear in any report
ORG_ID = "demoorg"
CASE_ASSIST_ID = "demo-case-assist"
SEARCH_HUB = "demo_case_assist"
COVEO_ENDPOINT = f"https://{ORG_ID}.analytics.org.coveo.com"

PAGES = {"create-case": "index.html"}
API = re.compile(r"^/rest/organizations/[^/]+/caseassists/[^/]+/(classify|documents/suggest)$")
COLLECTOR = re.compile(r"^/rest(/ua)?/v15/analytics/|^/rest/organizations/[^/]+/events/v1")


def missing_vendor_files() -> list[Path]:
    return [path for path in VENDOR_FILES.values() if not path.exists()]


class DemoHandler(BaseHTTPRequestHandler):
    server: "DemoServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test and demo output clean
        return

    # --- routing ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        variant, page = _split_variant(path)
        if page in ("", "/"):
            return self._redirect(f"{variant}/create-case")
        if page.lstrip("/") in PAGES:
            return self._file(SITE_DIR / PAGES[page.lstrip("/")], SITE_DIR)
        if page == "/config.js":
            return self._send(200, self.server.config_js(variant), "text/javascript")
        if page.startswith("/static/"):
            return self._file(SITE_DIR / page[len("/static/"):], SITE_DIR)
        if page.startswith("/vendor/") and page[len("/vendor/"):] in VENDOR_FILES:
            return self._file(VENDOR_FILES[page[len("/vendor/"):]], NODE_MODULES)
        if page.startswith("/docs/"):
            return self._article(page[len("/docs/"):])
        self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._json_body()
        match = API.match(path)
        if match:
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            answer = service_api.classify(body) if match.group(1) == "classify" else service_api.suggest(body, base)
            return self._json(answer)
        if path == "/api/cases":
            return self._json({"id": self.server.next_case_id()})
        if COLLECTOR.match(path):
            self.server.collected.append({"path": path, "body": body})
            return self._send(self.server.collector_status, "{}", "application/json", cors=True)
        self._send(404, "not found", "text/plain")

    def do_OPTIONS(self) -> None:
        self._send(204, "", "text/plain", cors=True)

    # --- helpers ------------------------------------------------------------------------------------
    def _json_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:  # beacons send form bodies; keep them as text
            return {"_raw": raw.decode("utf-8", "replace")}

    def _article(self, permanent_id: str) -> None:
        title = service_api.document_title(permanent_id) or "Article not found"
        html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>A knowledge article of the demo site.</p>"
        self._send(200, html, "text/html")

    def _file(self, path: Path, root: Path) -> None:
        if not path.is_file() or root.resolve() not in path.resolve().parents:
            hint = " (run `case-assist-check setup` to install the npm packages)" if "node_modules" in str(path) else ""
            return self._send(404, f"missing {path.name}{hint}", "text/plain")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(200, path.read_bytes(), kind)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, payload: Any, cors: bool = False) -> None:
        self._send(200, json.dumps(payload), "application/json", cors=cors)

    def _send(self, status: int, body: str | bytes, kind: str, cors: bool = False) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if cors:
            origin = self.headers.get("Origin") or "*"
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Access-Control-Allow-Headers", "content-type, authorization")
            self.send_header("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
        self.end_headers()
        self.wfile.write(data)


def _split_variant(path: str) -> tuple[str, str]:
    """'/broken/create-case' → ('/broken', '/create-case')."""
    match = re.match(r"^/(broken)(/.*)?$", path)
    if match:
        return f"/{match.group(1)}", match.group(2) or "/"
    return "", path


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, analytics_endpoint: str | None = None, collector_status: int = 200) -> None:
        super().__init__(("127.0.0.1", port), DemoHandler)
        self.analytics_endpoint = analytics_endpoint or COVEO_ENDPOINT
        self.collector_status = collector_status  # what the stand-in collector answers (tests set 401, 500…)
        self.collected: list[dict[str, Any]] = []
        self._case_numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def next_case_id(self) -> str:
        with self._lock:
            return f"500Dm00000{next(self._case_numbers):05d}AAA"

    def config_js(self, variant: str) -> str:
        config = {
            "variant": variant.strip("/") or "clean",
            "token": DEMO_TOKEN,
            "analyticsEndpoint": self.analytics_endpoint,
            "organizationId": ORG_ID,
            "caseAssistId": CASE_ASSIST_ID,
            "searchHub": SEARCH_HUB,
        }
        return f"window.DEMO_CONFIG = {json.dumps(config)};\n"

    def start(self) -> "DemoServer":
        missing = missing_vendor_files()
        if missing:
            raise SetupError(f"the demo site's npm packages are missing ({missing[0].name})",
                             "run `case-assist-check setup` (or `make demo`) to install them")
        self._thread = threading.Thread(target=self.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
