"""Rules on the requests themselves: readable, and delivered when they are let through."""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit

from checker.capture.endpoints import is_coveo_analytics_host, matches_proxy
from checker.check.deviations import headless_engine
from checker.check.rules import Finding, RuleContext, rule
from checker.models import CapturedRequest, Severity


@rule("transport.decodable", Severity.error, "Unreadable analytics request", "Use the Coveo UA library")
def decodable(ctx: RuleContext) -> Iterable[Finding]:
    for event in ctx.events:
        if event.decode_error:
            yield Finding(
                f"an analytics request to {event.url} could not be read: {event.decode_error}",
                "send events with coveo.analytics (coveoua) or Headless; hand-built requests must follow the same format",
                event=event,
            )


@rule("transport.delivered", Severity.error, "Analytics request not delivered", "Use the Coveo UA library")
def delivered(ctx: RuleContext) -> Iterable[Finding]:
    for req in ctx.result.requests:
        if req.kind != "analytics" or req.answered_locally:
            continue
        if req.failure or (req.status is not None and not 200 <= req.status < 300):
            problem = req.failure or f"HTTP {req.status}"
            yield Finding(
                f"{req.method} {req.url} was not delivered: {problem}",
                "check the token (Push access on Analytics Data), the endpoint and CORS; blocked requests lose events",
                step=req.step,
            )


def _endpoint(url: str) -> str:
    parts = urlsplit(url)
    path = re.split(r"/(?:ua/)?v15/analytics/|/events/v1", parts.path)[0]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _page_origin(req: CapturedRequest) -> str | None:
    origin = req.headers.get("origin") or req.headers.get("Origin")
    if origin and origin != "null":
        return origin
    if req.frame_url:
        parts = urlsplit(req.frame_url)
        return f"{parts.scheme}://{parts.netloc}"
    return None


@rule("transport.endpoint", Severity.error, "Events sent to a non-Coveo endpoint", "(Prerequisite) Initialize the library")
def endpoint(ctx: RuleContext) -> Iterable[Finding]:
    reported: set[str] = set()
    for req in ctx.result.requests:
        if req.kind != "analytics" or is_coveo_analytics_host(req.url) or matches_proxy(req.url, ctx.config.proxies):
            continue
        target = _endpoint(req.url)
        if target in reported:
            continue
        reported.add(target)
        origin = _page_origin(req)
        bare = re.search(r"/([A-Za-z0-9_-]+)/rest$", target)
        if origin and target.startswith(origin + "/") and bare:
            org = bare.group(1)
            yield Finding(
                f"analytics go to the page's own origin ({target}): coveoua('init', token, '{org}') took the "
                "organization ID as a relative URL",
                f"pass the analytics endpoint, not the bare organization ID: "
                f"coveoua('init', token, 'https://{org}.analytics.org.coveo.com')", step=req.step)
        else:
            yield Finding(
                f"analytics go to {target}, which is not a Coveo analytics endpoint",
                "use https://ORG.analytics.org.coveo.com (or .orghipaa. for HIPAA), or declare your proxy under "
                "`proxies:` in case-assist-check.yaml", step=req.step)


@rule("library.analytics-mode", Severity.error, "Headless in next analytics mode", "Use the Coveo UA library")
def analytics_mode(ctx: RuleContext) -> Iterable[Finding]:
    engine = headless_engine(ctx)
    next_mode = engine is not None and engine[1] == "next"
    sent_ep = any(e.protocol == "ep" and (e.library or "").startswith("@coveo/headless") for e in ctx.events)
    if next_mode or sent_ep:
        version = engine[0] if engine else "?"
        yield Finding(f"the Case Assist engine (@coveo/headless {version}) logs in 'next' analytics mode (Event Protocol); "
                      "Headless itself warns that this mode is not available for Coveo for Service features, so Case "
                      "Assist reports and models may not get these events",
                      "set configuration.analytics.analyticsMode: 'legacy' in buildCaseAssistEngine (4.0.0 defaults to 'next')")
