"""`--map-host HOST=ORIGIN`: requests the page makes to HOST are answered by ORIGIN, as a reverse proxy would.

The page, the capture and the report keep the URL the page asked for (`https://ORG.org.coveo.com/...`), so a page
is checked as it runs in production while its Customer Service API (or its analytics collector, with
`--analytics pass`) is a stand-in: a staging copy, or the demo's fake API on 127.0.0.1. Only the mapped hosts go
through this process; the analytics routes hand their requests on to it (`route.fallback`) when they let them pass.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from checker.capture.network import cors_headers
from checker.errors import ConfigError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

FORWARD_TIMEOUT_MS = 30_000  # a stand-in that never answers fails the request, as a dead host would


def parse_host_map(items: list[str]) -> dict[str, str]:
    """['demoorg.org.coveo.com=http://127.0.0.1:8765', …] → {host: origin}; a malformed item is a usage error."""
    mapping: dict[str, str] = {}
    for item in items:
        host, _, origin = item.partition("=")
        parts = urlsplit(origin.strip())
        if (
            not re.fullmatch(r"[A-Za-z0-9.-]+", host.strip())
            or parts.scheme not in ("http", "https")
            or not parts.netloc
        ):
            raise ConfigError(
                f"--map-host {item!r} is not HOST=ORIGIN", "e.g. --map-host demoorg.org.coveo.com=http://127.0.0.1:8765"
            )
        mapping[host.strip().lower()] = f"{parts.scheme}://{parts.netloc}"
    return mapping


class HostMap:
    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = {host.lower(): origin.rstrip("/") for host, origin in (mapping or {}).items()}

    def target(self, url: str) -> str | None:
        """Where a request to `url` goes instead (same path and query), or None when its host is not mapped."""
        parts = urlsplit(url)
        origin = self.mapping.get((parts.hostname or "").lower())
        if origin is None:
            return None
        return origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def attach(self, context: BrowserContext) -> None:
        """Register before the analytics routes: Playwright asks the last registered route first."""
        if self.mapping:
            hosts = "|".join(re.escape(host) for host in self.mapping)
            context.route(re.compile(rf"^https?://(?:{hosts})(?::\d+)?(?:/|$)", re.I), self._forward)

    def _forward(self, route: Route, request: Request) -> None:
        try:
            if request.method == "OPTIONS":  # a preflight: the stand-in's own answer would name its own origin
                route.fulfill(status=204, headers=cors_headers(request))
                return
            target = self.target(request.url)
            if target is None:
                route.fallback()
                return
            route.fulfill(response=route.fetch(url=target, timeout=FORWARD_TIMEOUT_MS, max_redirects=0))
        except Exception:
            try:
                route.abort("connectionrefused")  # the stand-in is down: the page sees a dead host
            except Exception:
                pass  # the page or context closed while the request waited
