"""The demo site: a real Case Assist page on a real HTTP server on 127.0.0.1, fully offline.

    /create-case              the page, instrumented with the coveoua snippet and coveo.analytics from npm
    /broken/create-case       the same page with real instrumentation bugs (see site/app.js, BUGS)
    /headless/create-case     the same page built on Coveo Headless' case-assist engine, analyticsMode 'legacy'
    /headless-next/create-case  the same Headless page, analyticsMode 'next' (Event Protocol)
    /multipage/create-case    the snippet page whose review stage is a second page, /multipage/review
    /iframe/create-case       a portal page embedding /create-case in <iframe id="case-frame">
    PREFIX/config.js          window.DEMO_CONFIG for that variant (token, endpoints, IDs, variant, analyticsMode)
    /static/FILE              site/: style.css, ui.js (the form), app.js (snippet), headless-app.js (Headless)
    /vendor/coveoua.js        node_modules/coveo.analytics/dist/coveoua.js (served locally, never a CDN)
    /vendor/headless-case-assist.js   @coveo/headless' case-assist browser bundle (window.CoveoHeadlessCaseAssist)
    /vendor/headless-v2-case-assist.js   the same bundle of @coveo/headless 2.80.7 (the previous major)
    /rest/organizations/ORG/caseassists/ID/{classify,documents/suggest}   fake Customer Service API (404 for an
                              ID other than the demo's, as the cloud answers for an unknown configuration)
    /rest/search/v2/html      a suggested document's quick view (Headless builds the URL: ?uniqueId=…)
    /quantic…                 the Quantic variants, built from Coveo's Quantic sources (see quantic/serve.py)
    /api/cases                creates a case and returns its id (500…)
    /docs/PERMANENTID         the knowledge articles the suggestions link to
    /favicon.ico              204, so the pages' consoles stay free of 404s
    /rest/ua/v15/analytics/…, /rest/organizations/ORG/events/v1   a stand-in collector (UA and Event Protocol),
                              used by `serve-demo` and `--analytics pass` tests
The Coveo platform's answers (Service API, quick view, collector) carry CORS headers for the page's origin: the
Quantic pages call them on the production hosts, which a browser reaches through routes (`DemoServer.host_map`).
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from checker.demo import service_api
from checker.demo.quantic import serve as quantic
from checker.errors import SetupError

DEMO_DIR = Path(__file__).parent
SITE_DIR = DEMO_DIR / "site"
NODE_MODULES = DEMO_DIR / "node_modules"
VENDOR_FILES = {
    "coveoua.js": NODE_MODULES / "coveo.analytics" / "dist" / "coveoua.js",
    "headless-case-assist.js": NODE_MODULES
    / "@coveo"
    / "headless"
    / "dist"
    / "quantic"
    / "case-assist"
    / "headless.js",
    # Headless' previous major (2.x), for the library attributions that depend on the version (tests/pages)
    "headless-v2-case-assist.js": NODE_MODULES
    / "@coveo"
    / "headless-v2"
    / "dist"
    / "browser"
    / "case-assist"
    / "headless.js",
}
DEMO_TOKEN = "xx-demo-token-3f6a2c81"  # a fake API key: it must never appear in any report
ORG_ID = "demoorg"
CASE_ASSIST_ID = "demo-case-assist"
SEARCH_HUB = "demo_case_assist"
COVEO_ENDPOINT = f"https://{ORG_ID}.analytics.org.coveo.com"


@dataclass(frozen=True)
class Variant:
    """One flavour of the demo site, served under its own path prefix."""

    name: str
    pages: dict[str, str] = field(default_factory=lambda: {"create-case": "index.html"})  # path → template in site/
    instrumentation: str | None = "snippet"  # partials/<instrumentation>.html in <head>, APP_SCRIPTS[…] in <body>
    analytics_mode: str | None = None  # Headless: 'legacy' | 'next'
    tracking_id: str | None = None  # Headless next mode: the Event Protocol trackingId


VARIANTS: dict[str, Variant] = {  # path prefix → variant
    "": Variant("clean"),
    "broken": Variant("broken"),
    "headless": Variant("headless", instrumentation="headless", analytics_mode="legacy"),
    "headless-next": Variant(
        "headless-next", instrumentation="headless", analytics_mode="next", tracking_id="barca_support"
    ),
    "multipage": Variant("multipage", pages={"create-case": "index.html", "review": "review.html"}),
    "iframe": Variant("iframe", pages={"create-case": "iframe.html"}, instrumentation=None),  # frames /create-case
}
APP_SCRIPTS = {"snippet": "app.js", "headless": "headless-app.js"}
SNIPPET_BUGS = (  # the broken snippet page's bugs, each a switch (`demo --broken --bugs …`); see site/app.js
    "flowStartAsClick",
    "descriptionWithoutFieldName",
    "deprecatedSuggestionClick",
    "noNextStage",
    "clientIdReset",
    "createWithoutId",
    "inventedAction",
    "handRolledBeacon",
)
API = re.compile(r"^/rest/organizations/[^/]+/caseassists/(?P<config>[^/]+)/(?P<endpoint>classify|documents/suggest)$")
COLLECTOR = re.compile(r"^/rest(/ua)?/v15/analytics/|^/rest/organizations/[^/]+/events/v1")


def missing_vendor_files() -> list[Path]:
    return [path for path in VENDOR_FILES.values() if not path.exists()]


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test and demo output clean
        return

    # --- routing ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if self._quantic("GET", path, query):
            return None
        if path == "/rest/search/v2/html":
            return self._quickview(query)
        prefix, page = _split_variant(path)
        variant = VARIANTS[prefix.strip("/")]
        if page in ("", "/"):
            return self._redirect(f"{prefix}/create-case")
        if page.lstrip("/") in variant.pages:
            return self._send(200, render_page(variant, page.lstrip("/")), "text/html")
        if page == "/config.js":
            return self._send(200, self.server.config_js(prefix), "text/javascript")
        if page.startswith("/static/"):
            return self._file(SITE_DIR / page[len("/static/") :], SITE_DIR)
        if page.startswith("/vendor/") and page[len("/vendor/") :] in VENDOR_FILES:
            return self._file(VENDOR_FILES[page[len("/vendor/") :]], NODE_MODULES)
        if page.startswith("/docs/"):
            return self._article(page[len("/docs/") :])
        if page == "/favicon.ico":
            return self._send(204, "", "image/x-icon")  # keeps the pages' consoles free of 404s
        self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        body = self._json_body()
        if self._quantic("POST", path, query):
            return None
        match = API.match(path)
        if match or path == "/api/cases":
            time.sleep(self.server.api_latency_ms / 1000)  # 0 unless a benchmark asks for the cloud's pace
        if match:
            if match.group("config") != CASE_ASSIST_ID:
                return self._send(
                    404,
                    json.dumps(service_api.unknown_configuration(match.group("config"))),
                    "application/json",
                    cors=True,
                )
            base = f"http://{self.headers.get('Host', '127.0.0.1')}"
            answer = (
                service_api.classify(body) if match.group("endpoint") == "classify" else service_api.suggest(body, base)
            )
            return self._json(answer, cors=True)
        if path == "/api/cases":
            return self._json({"id": self.server.next_case_id()})
        if COLLECTOR.match(path):
            self.server.collected.append({"path": path, "body": body})
            return self._send(self.server.collector_status, "{}", "application/json", cors=True)
        self._send(404, "not found", "text/plain")

    def do_OPTIONS(self) -> None:
        self._send(204, "", "text/plain", cors=True)

    # --- helpers ------------------------------------------------------------------------------------
    def _quantic(self, method: str, path: str, query: str) -> bool:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        answer = quantic.reply(method, path, query, {**self.server.site_settings(), "host": host})
        if isinstance(answer, quantic.File):
            self._file(answer.path, answer.root)
        elif answer is not None:
            self._send(*answer)
        return answer is not None

    def _quickview(self, query: str) -> None:
        unique_id = (parse_qs(query).get("uniqueId") or [""])[0]
        page = service_api.quickview_html(unique_id)
        self._send(200 if page else 404, page or "no such document", "text/html", cors=True)

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
    """'/broken/create-case' → ('/broken', '/create-case'); '/create-case' → ('', '/create-case')."""
    match = re.match(r"^/([^/]+)(/.*)?$", path)
    if match and match.group(1) in VARIANTS:
        return f"/{match.group(1)}", match.group(2) or "/"
    return "", path


def render_page(variant: Variant, page: str) -> str:
    """A page of the variant: its template with the shared review stage, the analytics library and the app."""
    partials = SITE_DIR / "partials"
    html = (SITE_DIR / variant.pages[page]).read_text(encoding="utf-8")
    html = html.replace("{{review_stage}}", (partials / "review-stage.html").read_text(encoding="utf-8"))
    html = html.replace("{{stage_2_hidden}}", "" if page == "review" else " hidden")
    if variant.instrumentation is None:
        return html
    library = (partials / f"{variant.instrumentation}.html").read_text(encoding="utf-8").strip()
    app = APP_SCRIPTS[variant.instrumentation]
    scripts = f'<script src="/static/ui.js"></script>\n  <script src="/static/{app}"></script>'
    return html.replace("{{instrumentation}}", library).replace("{{app}}", scripts)


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        port: int = 0,
        analytics_endpoint: str | None = None,
        collector_status: int = 200,
        api_latency_ms: float = 0,
        bugs: list[str] | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), DemoHandler)
        self.bugs = bugs  # the broken variant ships only these of its bugs (None: all; see site/app.js, BUGS)
        self.api_latency_ms = api_latency_ms  # how long the Service API and case creation take to answer
        self.analytics_endpoint = analytics_endpoint or COVEO_ENDPOINT
        self.collector_status = collector_status  # what the stand-in collector answers (tests set 401, 500…)
        self.collected: list[dict[str, Any]] = []
        self._case_numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def host_map(self) -> dict[str, str]:
        """The production hosts the Quantic pages call, each to the server that answers for it here."""
        return {f"{ORG_ID}.org.coveo.com": self.base_url, f"{ORG_ID}.analytics.org.coveo.com": self.base_url}

    def site_settings(self) -> dict[str, str]:
        """What every variant shares: the organization, its (fake) API key, the Case Assist ID, the search hub."""
        return {
            "organizationId": ORG_ID,
            "accessToken": DEMO_TOKEN,
            "caseAssistId": CASE_ASSIST_ID,
            "searchHub": SEARCH_HUB,
        }

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closes its tab while a request is under way resets the connection: that is the browser's
        right, not the site's fault, so it is not printed as a traceback; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def next_case_id(self) -> str:
        with self._lock:
            return f"500Dm00000{next(self._case_numbers):05d}AAA"

    def config_js(self, prefix: str) -> str:
        variant = VARIANTS[prefix.strip("/")]
        config: dict[str, Any] = {
            "variant": variant.name,
            "token": DEMO_TOKEN,
            "analyticsEndpoint": self.analytics_endpoint,
            "organizationId": ORG_ID,
            "caseAssistId": CASE_ASSIST_ID,
            "searchHub": SEARCH_HUB,
        }
        if self.bugs is not None:
            config["bugs"] = self.bugs
        if variant.analytics_mode:
            config["analyticsMode"] = variant.analytics_mode
            if variant.tracking_id:
                config["trackingId"] = variant.tracking_id
            proxy = self.headless_analytics_proxy(variant.analytics_mode)
            if proxy:
                config["analyticsProxyBaseUrl"] = proxy
        return f"window.DEMO_CONFIG = {json.dumps(config)};\n"

    def headless_analytics_proxy(self, mode: str) -> str | None:
        """Headless' `analytics.proxyBaseUrl` when analytics must not go to the org's own endpoint (serve-demo).

        Legacy mode appends `/v15/analytics/…` to it as coveo.analytics does; next mode posts to it as is.
        """
        if self.analytics_endpoint.rstrip("/") == COVEO_ENDPOINT:
            return None  # Headless derives https://ORG.analytics.org.coveo.com (+ /rest/organizations/ORG/events/v1)
        if mode == "legacy":
            return self.analytics_endpoint
        origin = re.match(r"^[a-z]+://[^/]+", self.analytics_endpoint)
        return f"{origin.group(0) if origin else ''}/rest/organizations/{ORG_ID}/events/v1"

    def start(self) -> DemoServer:
        missing = missing_vendor_files()
        if missing:
            raise SetupError(
                f"the demo site's npm packages are missing ({missing[0].name})",
                "run `case-assist-check setup` (or `make demo`) to install them",
            )
        self._thread = threading.Thread(target=self.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl-C (for `serve-demo`)."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
