"""Stage 3 (wire layer): record every analytics and Customer Service API request of a browser context.

Analytics requests are routed (a route must exist for a beacon's body to be readable) and, in `block` mode,
answered locally with a CORS answer that echoes the page's Origin, so an audit never reaches the real org.
Customer Service API calls are only observed, never altered. Each request is stamped with the step that was
running when the browser started it (by the browser's own clock), not when Python happened to see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from checker.capture.overhead import handler
from checker.endpoints import analytics_endpoint, analytics_route_pattern, matches_proxy, service_api_endpoint
from checker.models import MAX_BODY, CapturedRequest
from checker.redact import Redactor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Response, Route


def cors_headers(request: Request) -> dict[str, str]:
    asked = request.headers  # Playwright builds this dict at each access: once
    origin = asked.get("origin") or "*"
    headers = {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": asked.get("access-control-request-headers") or "content-type, authorization",
        "access-control-max-age": "600",
        "vary": "Origin",
    }
    if origin != "*":
        headers["access-control-allow-credentials"] = "true"  # credentialed requests need the echoed origin
    return headers


def _truncate(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_BODY:
        return text[:MAX_BODY] + f"…[truncated {len(text) - MAX_BODY} characters]"
    return text


class NetworkCapture:
    """Taps one browser context. `requests` grows as the page sends; `step_starts` is kept by the driver."""

    def __init__(
        self,
        redactor: Redactor,
        mode: Literal["block", "pass"] = "block",
        extra_patterns: list[str] | None = None,
        delay_ms: int = 0,
    ) -> None:
        self.redactor = redactor
        self.mode = mode
        self.delay_ms = delay_ms
        self.answering = 0  # analytics requests waiting for their (delayed) local answer
        self.extra_patterns = extra_patterns or []
        self.requests: list[CapturedRequest] = []
        self.analytics_count = 0
        self.last_analytics_ms = float("-inf")  # when the page sent the last analytics request (ms since started_at)
        self.step_starts: list[float] = []  # wall-clock seconds at which step i started
        self.started_at = time.time()
        self._live: dict[int, CapturedRequest] = {}  # id(playwright Request) → record
        self.listeners: list[Callable[[CapturedRequest], None]] = []

    # --- wiring -----------------------------------------------------------------------------------
    def attach(self, context: BrowserContext) -> None:
        context.route(analytics_route_pattern(self.extra_patterns), handler(self._on_route))
        context.on("request", handler(self._on_request))
        context.on("response", handler(self._on_response))
        context.on("requestfailed", handler(self._on_failed))

    def _is_analytics_url(self, url: str) -> bool:
        if service_api_endpoint(url):
            return False  # the Customer Service API is never answered in place of the real one, whatever a proxy says
        return analytics_endpoint(url) is not None or matches_proxy(url, self.extra_patterns)

    def is_analytics(self, request: Request) -> bool:
        return request.method != "OPTIONS" and self._is_analytics_url(request.url)

    def answers_pending(self) -> bool:
        """An analytics request still waits for its answer (in `pass` mode, the collector's)."""
        return any(record.kind == "analytics" for record in self._live.values())

    # --- events -------------------------------------------------------------------------------------
    def _on_request(self, request: Request) -> None:
        if request.method == "OPTIONS":
            return
        if self._is_analytics_url(request.url):
            kind = "analytics"
        elif service_api_endpoint(request.url):
            kind = "service_api"
        else:
            return
        record = self._record(request, kind)
        self.requests.append(record)
        if kind == "analytics":
            self.analytics_count += 1
            self.last_analytics_ms = max(self.last_analytics_ms, record.time_ms)
        self._live[id(request)] = record
        for listener in self.listeners:
            listener(record)

    def _record(self, request: Request, kind: str) -> CapturedRequest:
        started = self._browser_start_time(request)
        full_body = self.redactor.text(_post_data(request))
        try:
            frame_url = request.frame.url
        except Exception:  # service workers and some beacons have no frame
            frame_url = None
        record = CapturedRequest(
            id=len(self.requests),
            kind=kind,
            method=request.method,
            url=self.redactor.url(request.url),
            resource_type=request.resource_type,
            headers=self.redactor.headers(dict(request.headers)),
            body=_truncate(full_body),
            body_truncated=full_body is not None and len(full_body) > MAX_BODY,
            step=self.step_at(started),
            time_ms=round((started - self.started_at) * 1000, 1),
            frame_url=self.redactor.url(frame_url) if frame_url else None,
        )
        if record.body_truncated:
            record._full_body = full_body  # decoding sees all of it; the artefacts keep the first MAX_BODY
        return record

    @staticmethod
    def _browser_start_time(request: Request) -> float:
        start_ms = (request.timing or {}).get("startTime", -1)
        return start_ms / 1000 if start_ms and start_ms > 0 else time.time()

    def step_at(self, wall_time: float) -> int | None:
        """The last step that started at or before `wall_time`."""
        step = None
        for index, started in enumerate(self.step_starts):
            if started <= wall_time:
                step = index
        return step

    def _on_route(self, route: Route, request: Request) -> None:
        try:
            self._answer(route, request)
        except Exception:
            pass  # the page or context closed while the request waited: nothing left to answer

    def _answer(self, route: Route, request: Request) -> None:
        if not self._is_analytics_url(
            request.url
        ):  # the pattern matched elsewhere than the path, or a Service API call
            route.fallback()
            return
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors_headers(request))
            return
        if self.mode == "pass":
            route.fallback()  # on to the real endpoint, or to a --map-host stand-in
            return
        record = self._live.get(id(request))
        if self.delay_ms > 0:
            self._wait_as_the_cloud(request)
        if record is not None and record.failure:
            return  # the browser cancelled it meanwhile (the page navigated): it was never delivered
        if record is not None:
            record.answered_locally = True
            record.status = 200
        route.fulfill(status=200, headers={**cors_headers(request), "content-type": "application/json"}, body="{}")

    def _wait_as_the_cloud(self, request: Request) -> None:
        """Hold the answer `delay_ms`, as the cloud takes to answer. The wait yields to Playwright (a route handler
        runs in its own greenlet): other requests, events and steps go on meanwhile."""
        self.answering += 1
        try:
            request.frame.page.wait_for_timeout(self.delay_ms)
        except Exception:
            pass  # a service worker's request has no frame, or the page closed: answer now
        finally:
            self.answering -= 1

    def _on_response(self, response: Response) -> None:
        """The status as soon as the headers arrive, and the Service API's answer. Not on `requestfinished`: a body
        the page never reads may never finish loading (Headless leaves a refused Service API answer unread), and
        that event, sent for every request of the page, would double what the checker pays per request."""
        request = response.request
        record = self._live.get(id(request))
        if record is None or record.answered_locally:
            self._live.pop(id(request), None)
            return
        record.status = response.status
        if record.kind == "service_api":
            # this handler has a greenlet of its own (Playwright's sync API gives each one): waiting here for a
            # body that never ends holds nothing else up
            try:
                record.response_body = _truncate(self.redactor.text(response.text()))
            except Exception as exc:  # the page navigated away and the body is gone
                record.failure = record.failure or f"response unavailable: {exc}"
        self._live.pop(id(request), None)

    def _on_failed(self, request: Request) -> None:
        record = self._live.pop(id(request), None)
        if record is not None and not record.answered_locally:
            record.failure = request.failure or "failed"
            if record.kind == "analytics" and record.resource_type != "ping":
                record.failure_step = self.step_at(time.time())


def _post_data(request: Request) -> str | None:
    try:
        return request.post_data
    except Exception:  # binary bodies cannot be decoded as text
        buffer = request.post_data_buffer
        return buffer.decode("utf-8", "replace") if buffer is not None else None
