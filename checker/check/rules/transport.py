"""Rules on the requests themselves: readable, and delivered when they are let through."""

from __future__ import annotations

import re
from collections.abc import Iterable

from checker.check.advice import library_name
from checker.check.context import RuleContext
from checker.check.deviations import next_mode
from checker.check.rules.registry import Finding, rule
from checker.endpoints import (
    analytics_organization,
    is_coveo_analytics_host,
    matches_proxy,
    service_api_endpoint,
    service_api_organization,
)
from checker.models import CapturedRequest, Pairing, Severity
from checker.values import split_url


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
        if req.kind != "analytics" or req.answered_locally or cancelled_by_navigation(req):
            continue  # a send the page's navigation cancelled has its own rule
        if _beacon_outlived_its_page(req):
            continue
        if req.failure or (req.status is not None and not 200 <= req.status < 300):
            problem = req.failure or f"HTTP {req.status}"
            yield Finding(
                f"{req.method} {req.url} was not delivered: {problem}",
                "check the token (Push access on Analytics Data), the endpoint and CORS; blocked requests lose events",
                step=req.step,
            )


def cancelled_by_navigation(request: CapturedRequest) -> bool:
    """An analytics fetch/XHR the browser aborted: the page's document went away while it was in flight (with
    `--analytics block` answered as late as the cloud answers, `--analytics-delay`)."""
    return (
        request.kind == "analytics"
        and request.resource_type in ("fetch", "xhr")
        and "ERR_ABORTED" in (request.failure or "")
    )


def _beacon_outlived_its_page(request: CapturedRequest) -> bool:
    """A beacon whose document went away before its answer: the browser has already taken it over and delivers
    it after the page is gone (that is what a beacon is for); the abort Playwright reports is the route's end."""
    return request.resource_type in ("ping", "beacon") and "ERR_ABORTED" in (request.failure or "")


def _kept_alive(ctx: RuleContext, request: CapturedRequest) -> bool:
    """The page's fetch asked for `keepalive` (the JS layer saw it): in production it outlives the page; the
    aborted request Playwright reports is only the old document's end of it."""
    calls = [
        c for c in ctx.result.js_calls if c.fn == "fetch" and c.url == request.url and c.time_ms <= request.time_ms + 50
    ]
    return bool(calls) and calls[-1].info.get("keepalive") is True


WAITS = ("wait", "wait_for", "wait_for_event", "screenshot")  # steps that leave the page to itself


def _cut_by_a_later_action(ctx: RuleContext, sent_at: int | None, cut_at: int | None) -> bool:
    """The navigation that cut a send short (made during step `sent_at`, cut during step `cut_at`) came from a later
    step that acted on the page (a click that navigates, a goto), sooner after the send than a person would act:
    the robot's doing, not the page's."""
    if cut_at is None or not 0 <= cut_at < len(ctx.result.steps):
        return False
    while cut_at > 0 and ctx.result.steps[cut_at].kind in WAITS:
        cut_at -= 1  # the cut came while waiting: the navigation is the doing of the last step that acted
    return sent_at is not None and cut_at > sent_at


@rule(
    "transport.cancelled-by-navigation",
    Severity.error,
    "Analytics request cancelled by navigation",
    "Use the Coveo UA library",
    why="a fetch or XHR still in flight when the page navigates is cancelled by the browser, and a send the library "
    "had not started yet never leaves: the event (often ticket_create, right before a confirmation page) never "
    "reaches Coveo, while the page looks fine",
)
def cancelled_sends(ctx: RuleContext) -> Iterable[Finding]:
    for request in ctx.result.requests:
        if not cancelled_by_navigation(request) or _kept_alive(ctx, request):
            continue
        if _cut_by_a_later_action(ctx, request.step, request.failure_step):
            continue
        events = [e for e in ctx.events if e.request_id == request.id]
        what = ", ".join(f"{e.action} (event #{e.index})" for e in events) or f"the request to {request.url}"
        transport = "fetch" if request.resource_type == "fetch" else "XMLHttpRequest"
        yield Finding(
            f"{what} was sent with {transport}, without keepalive, and its page navigated away (or its frame was "
            f"removed) before the answer came: the browser cancelled it ({request.failure}), so it is never counted",
            ctx.advise("cancelled-send"),
            event=events[0] if events else None,
            step=request.step,
        )
    yield from _never_left(ctx)


def _never_left(ctx: RuleContext) -> Iterable[Finding]:
    """Sends the page asked for whose document was replaced before the library handed their request to the
    browser: the same defect, caught earlier (on a fast navigation the request never even starts)."""
    for pairing in ctx.result.reconciliation:
        if pairing.outcome != "called_not_sent" or pairing.replaced_by is None:
            continue
        page = ctx.result.js_calls[pairing.replaced_by]
        if _cut_by_a_later_action(ctx, pairing.step, page.step):
            continue
        library = "Headless" if pairing.source == "headless" else "coveo.analytics"
        yield Finding(
            f"{pairing.action} was asked for, and its page navigated away (to {page.frame_url or 'another page'}) "
            f"before {library} had sent it: no request ever left, so it is never counted",
            ctx.advise("cancelled-send"),
            action=pairing.action,
            step=pairing.step,
        )


def _endpoint(url: str) -> str:
    parts = split_url(url)
    path = re.split(r"/(?:ua/)?v15/analytics/|/events/v1", parts.path)[0]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _page_origin(req: CapturedRequest) -> str | None:
    origin = req.headers.get("origin") or req.headers.get("Origin")
    if origin and origin != "null":
        return origin
    if req.frame_url:
        parts = split_url(req.frame_url)
        return f"{parts.scheme}://{parts.netloc}"
    return None


@rule(
    "transport.endpoint", Severity.error, "Events sent to a non-Coveo endpoint", "(Prerequisite) Initialize the library"
)
def endpoint(ctx: RuleContext) -> Iterable[Finding]:
    reported: set[str] = set()
    coveo: dict[str, bool] = {}  # by URL: a page sends thousands of events to the same one or two
    for req in ctx.result.requests:
        if req.kind != "analytics":
            continue
        if req.url not in coveo:
            coveo[req.url] = is_coveo_analytics_host(req.url) or matches_proxy(req.url, ctx.config.proxies)
        if coveo[req.url]:
            continue
        target = _endpoint(req.url)
        if target in reported:
            continue
        reported.add(target)
        origin = _page_origin(req)
        bare = re.search(r"/([A-Za-z0-9_-]+)/rest$", target)
        snippet = ctx.result.implementation.kind not in ("headless", "quantic")  # Headless builds the URL itself
        if snippet and origin and target.startswith(origin + "/") and bare:
            org = bare.group(1)
            yield Finding(
                f"analytics go to the page's own origin ({target}): coveoua('init', token, '{org}') took the "
                "organization ID as a relative URL",
                f"pass the analytics endpoint, not the bare organization ID: "
                f"coveoua('init', token, 'https://{org}.analytics.org.coveo.com')",
                step=req.step,
            )
        else:
            yield Finding(
                f"analytics go to {target}, which is not a Coveo analytics endpoint",
                ctx.advise("endpoint"),
                step=req.step,
            )


@rule(
    "transport.organization",
    Severity.error,
    "Events sent to another organization",
    "(Prerequisite) Initialize the library",
    why="Case Assist reports, case deflection figures and the models are those of the organization whose Case "
    "Assist configuration the page uses: events logged to another one (a sandbox, a former organization) never "
    "reach them",
)
def organization(ctx: RuleContext) -> Iterable[Finding]:
    expected = ctx.config.expected_organization
    calls = [
        (r, org) for r in ctx.result.requests if r.kind == "service_api" and (org := service_api_organization(r.url))
    ]
    api = sorted({org for _, org in calls})
    if expected and any(org != expected for org in api):
        first = next(r for r, org in calls if org != expected)
        yield Finding(
            f"the page uses the Case Assist configuration of organization(s) {', '.join(map(repr, api))}, not "
            f"{expected!r} (the configured organization): its classifications, suggestions and events all belong "
            "to another organization",
            ctx.advise("organization", expected=expected),
            step=first.step,
        )
    owners = [expected] if expected else api
    if owners:  # else no Customer Service API call says which organization the page works with
        yield from _events_elsewhere(ctx, owners, "the configured organization" if expected else "the Case Assist API")


def _events_elsewhere(ctx: RuleContext, owners: list[str], whose: str) -> Iterable[Finding]:
    elsewhere: dict[str, list[CapturedRequest]] = {}
    for req in ctx.result.requests:
        org = analytics_organization(req.url) if req.kind == "analytics" else None
        if org is not None and org not in owners:
            elsewhere.setdefault(org, []).append(req)
    for org, sent in elsewhere.items():
        ids = {r.id for r in sent}
        events = [e for e in ctx.events if e.request_id in ids]
        actions = ", ".join(dict.fromkeys(str(e.action) for e in events))
        what = f"{len(events)} event(s) ({actions})" if events else f"{len(sent)} analytics request(s)"
        yield Finding(
            f"{what} went to organization {org!r}, not to "
            f"{' or '.join(map(repr, owners))} ({whose}): that organization's Case Assist reports and models never "
            "see them",
            ctx.advise("organization", expected=owners[0]),
            event=events[0] if events else None,
            step=sent[0].step,
        )


@rule("library.analytics-mode", Severity.error, "Headless in next analytics mode", "Use the Coveo UA library")
def analytics_mode(ctx: RuleContext) -> Iterable[Finding]:
    sent_ep = any(e.protocol == "ep" and (e.library or "").startswith("@coveo/headless") for e in ctx.events)
    if next_mode(ctx) or sent_ep:
        found = ctx.result.implementation
        yield Finding(
            f"the Case Assist engine ({library_name(found)}) logs in 'next' analytics mode (Event Protocol); "
            f"@coveo/headless {found.headless or '?'} itself warns that this mode is not available for Coveo for Service "
            "features, so Case Assist reports and models may not get these events",
            ctx.advise("analytics-mode"),
        )


@rule(
    "library.snippet-renamed",
    Severity.error,
    "coveoua calls queued under another name",
    "Use the Coveo UA library",
    why="coveo.analytics replays the snippet's queue from window.coveoua only: a stub given another name keeps "
    "every call the page makes through it, and no event of the flow is ever sent",
)
def snippet_renamed(ctx: RuleContext) -> Iterable[Finding]:
    for stub in ctx.result.page_info.get("stray_queues") or []:
        name, count = str(stub.get("name", "?")), stub.get("count", 0)
        shown = list(map(str, stub.get("commands") or []))
        commands = ", ".join(dict.fromkeys(shown)) + (", …" if isinstance(count, int) and count > len(shown) else "")
        yield Finding(
            f"{count} coveo.analytics call(s) ({commands}) wait in the queue of window.{name} and were never run: "
            "the library replays the queue of window.coveoua only, so none of them logged anything",
            f"keep the snippet's stub named coveoua (its `a='coveoua'`); to call it under another name, forward to "
            f"it: window.{name} = (...args) => window.coveoua(...args)",
        )


def sent_nothing_by_design(ctx: RuleContext, pairing: Pairing) -> bool:
    """A Headless action the page ran while its engine's analytics were turned off: it sent nothing, by design."""
    return bool(
        pairing.outcome == "called_not_sent"
        and pairing.call_ids
        and ctx.result.js_calls[pairing.call_ids[0]].info.get("disabled")
    )


@rule(
    "library.analytics-off",
    Severity.error,
    "Engine analytics turned off",
    "Use the Coveo UA library",
    why="a Headless engine whose analytics are turned off (configuration.analytics.enabled false, or "
    "engine.disableAnalytics()) runs every analytics action and sends nothing: the page works and no event of the "
    "flow is ever counted",
)
def analytics_off(ctx: RuleContext) -> Iterable[Finding]:
    lost = [p for p in ctx.result.reconciliation if sent_nothing_by_design(ctx, p)]
    if lost:
        actions = ", ".join(dict.fromkeys(str(p.action) for p in lost))
        yield Finding(
            f"the Case Assist engine's analytics are turned off: Headless ran {len(lost)} analytics action(s) "
            f"({actions}), the first {ctx.during(lost[0].step)}, and sent none of them",
            ctx.advise("analytics-off"),
            step=lost[0].step,
        )


SERVICE_API_LOSS = {
    "classify": "classifications (no ticket_classification_click can follow)",
    "documents/suggest": "document suggestions (no suggestion click, quick view or rating can follow)",
}


@rule("transport.service-api", Severity.error, "Customer Service API call failed", "Case Assist API")
def service_api(ctx: RuleContext) -> Iterable[Finding]:
    """Classify or documents/suggest calls the API refused (an unknown Case Assist ID answers 404, a token without
    the privilege 401/403): the page works, shows nothing, and the events that depend on it never happen. One
    finding per configuration and status: one cause."""
    refused: dict[tuple[str, int], list] = {}
    for req in ctx.result.requests:
        endpoint = service_api_endpoint(req.url) if req.kind == "service_api" else None
        if endpoint is not None and req.status is not None and req.status >= 400:
            found = re.search(r"/caseassists/([^/]+)/", split_url(req.url).path)
            refused.setdefault((found.group(1) if found else "?", req.status), []).append((endpoint, req))
    for (config, status), calls in refused.items():
        endpoints = list(dict.fromkeys(endpoint for endpoint, _ in calls))
        yield Finding(
            f"{' and '.join(endpoints)} for Case Assist configuration {config!r} was answered HTTP {status} "
            f"({len(calls)} call(s)): the page got no " + " and no ".join(SERVICE_API_LOSS[e] for e in endpoints),
            ctx.advise("service-api"),
            step=calls[0][1].step,
        )
