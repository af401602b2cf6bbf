"""Rules on the requests themselves: readable, and delivered when they are let through."""

from __future__ import annotations

from typing import Iterable

from checker.check.rules import Finding, RuleContext, rule
from checker.models import Severity


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
