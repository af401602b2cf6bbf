"""Pair what the page asked for in JavaScript with what left the browser, and say where they disagree.

Two levels:
- api: the events rebuilt from `coveoua(...)` calls ↔ decoded wire events (same action and transport, in order);
- transport: fetch / sendBeacon / XHR / <img> calls to analytics URLs ↔ captured requests.
Outcomes: paired, changed (fields differ in transit), called_not_sent (with the likely cause),
sent_without_call (another integration), duplicate (the same event twice within a short window).
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from checker.decode.intents import (
    SKEW_MS,
    TICKET_KEYS,
    Intent,
    TimeBuckets,
    intents_from_calls,
    pair_intents,
    wire_ticket,
)
from checker.decode.ua import construct
from checker.models import CapturedRequest, Event, FieldDiff, JsCall, Pairing, ScenarioResult
from checker.values import split_url

DUPLICATE_WINDOW_MS = 1000.0
# Pairings are built by the thousand from trusted values: skip re-validation (model_construct) with these defaults.
PAIRING_DEFAULTS = {
    name: info.get_default(call_default_factory=True)
    for name, info in Pairing.model_fields.items()
    if not info.is_required()
}
TRANSPORTS = ("fetch", "sendBeacon", "xhr", "image")
DROPPED = "<dropped>"


def reconcile(result: ScenarioResult) -> list[Pairing]:
    intents = intents_from_calls(result.js_calls)
    pairings = _api_level(intents, result.events, result.js_calls)
    calls_of = {p.event_index: p.call_ids for p in pairings if p.event_index is not None}
    pairings += _transport_level(result.js_calls, result.requests)
    pairings += _duplicates(result.events, intents, result.requests, calls_of)
    return pairings


# --- api level ------------------------------------------------------------------------------------------------


def _api_level(intents: list[Intent], events: list[Event], calls: list[JsCall]) -> list[Pairing]:
    pairings: list[Pairing] = []
    used: set[int] = set()
    navigations: _Navigations | None = None
    for intent, event in pair_intents(intents, events):
        if event is None:
            navigations = navigations or _Navigations(calls)
            replaced = navigations.replaced_before_sending(intent)
            cause = _why_not_sent(intent, calls) if replaced is None else _navigated_away(replaced)
            pairing = _pairing("called_not_sent", intent, None, cause=cause)
            pairing.replaced_by = replaced.id if replaced is not None else None
            pairings.append(pairing)
            continue
        used.add(event.index)
        diffs = _diffs(intent, event)
        pairings.append(_pairing("changed" if diffs else "paired", intent, event, diffs=diffs))
    if intents:  # the page logs through coveoua or Headless: an event no call describes came from somewhere else
        for event in events:
            if event.index not in used and event.action and event.decode_error is None:
                pairings.append(
                    Pairing(
                        outcome="sent_without_call",
                        event_index=event.index,
                        request_id=event.request_id,
                        action=event.action,
                        step=event.step,
                        cause="no coveoua call or Headless action describes this event: another "
                        "integration or a hand-built request sent it",
                    )
                )
    return pairings


def _pairing(
    outcome: str, intent: Intent, event: Event | None, diffs: Iterable[FieldDiff] = (), cause: str = ""
) -> Pairing:
    return construct(
        Pairing,
        {
            **PAIRING_DEFAULTS,
            **dict(
                outcome=outcome,
                call_ids=intent.call_ids,
                intended=_intended(intent),
                source=intent.source,
                event_index=event.index if event else None,
                request_id=event.request_id if event else None,
                action=intent.action,
                step=intent.step,
                diffs=list(diffs),
                cause=cause,
            ),
        },
    )


def _intended(intent: Intent) -> dict[str, Any]:
    out: dict[str, Any] = {
        "action": intent.action,
        "transport": intent.transport,
        "event_type": intent.event_type,
        "data": intent.data,
    }
    if intent.transport == "collect":
        out.update(ticket=intent.ticket, search_hub=intent.search_hub)
    return out


def _why_not_sent(intent: Intent, calls: list[JsCall]) -> str:
    if intent.source == "headless":
        if intent.analytics_off:
            return "the engine's analytics are turned off: Headless ran the action and sent nothing"
        if intent.protocol == "ep" and intent.action == "ticket_next_stage":
            return "Headless in next mode (Event Protocol) has no event for the next stage"
        return "Headless ran the analytics action but no request left the browser"
    page = next(
        (c for c in calls if c.fn in ("page", "library") and (c.info.get("dnt") in ("1", "yes") or c.info.get("gpc"))),
        None,
    )
    if intent.queued and not any(c.fn == "library" for c in calls):
        return (
            "coveo.analytics never loaded: the snippet queued the call but the library did not run "
            "(script blocked by a Content-Security-Policy, an ad blocker or a consent tool, or a wrong URL)"
        )
    if page is not None:
        return "Do Not Track / Global Privacy Control is on in the browser: coveo.analytics sends nothing"
    if intent.action is None:
        return "send was called without svc:setAction first"
    later = [c for c in calls if c.fn in TRANSPORTS and c.time_ms >= intent.time_ms - SKEW_MS]
    if later:
        return "the library handed a request to the browser but it never left (see the transport-level rows)"
    return "no request followed the call (the library refused it: check the browser console)"


class _Navigations:
    """When a top-level document replaced the one that asked for an event before that one handed any request to
    the browser: the page navigated away while the library was still preparing the send (coveo.analytics sends
    after a timer; a fast navigation, to a cached or nearby page, commits first). Built once per reconciliation:
    a page whose library never loaded has thousands of unsent intents."""

    def __init__(self, calls: list[JsCall]) -> None:
        self.pages = sorted((c for c in calls if c.fn == "page"), key=lambda c: c.time_ms)  # documents report late
        self.page_times = [c.time_ms for c in self.pages]
        self.tops = [c for c in self.pages if c.info.get("top") is not False]
        self.top_times = [c.time_ms for c in self.tops]
        self.sends: dict[str | None, list[float]] = {}  # transport calls' times, by the URL of their document
        for call in calls:
            if call.fn in TRANSPORTS:
                self.sends.setdefault(call.frame_url, []).append(call.time_ms)
        for times in self.sends.values():
            times.sort()

    def replaced_before_sending(self, intent: Intent) -> JsCall | None:
        caller = bisect.bisect_right(self.page_times, intent.time_ms)
        if caller and self.pages[caller - 1].info.get("top") is False:
            return None  # a frame: its removal or navigation cannot be told apart from another frame's here
        following = bisect.bisect_left(self.top_times, intent.time_ms)
        if following == len(self.tops):
            return None
        replaced_at = self.top_times[following]
        sends = self.sends.get(intent.frame_url, [])
        sent = bisect.bisect_left(sends, intent.time_ms)
        if sent < len(sends) and sends[sent] <= replaced_at:
            return None  # a request left first: what happened to it is the transport level's business
        return self.tops[following]


def _navigated_away(page: JsCall) -> str:
    return f"the page navigated away (to {page.frame_url or 'another document'}) before the library sent it"


def _diffs(intent: Intent, event: Event) -> list[FieldDiff]:
    if intent.source != "coveoua":
        return []  # a Headless action carries no payload we can see: nothing to compare
    diffs: list[FieldDiff] = []
    if event.action != intent.action:
        diffs.append(FieldDiff(path="action", expected=intent.action, observed=event.action or DROPPED))
    if intent.transport == "collect":
        for name, wanted, seen in (
            ("event_type", intent.event_type, event.event_type),
            ("search_hub", intent.search_hub, event.search_hub),
        ):
            if wanted is not None and wanted != seen:
                diffs.append(FieldDiff(path=name, expected=wanted, observed=seen))
        diffs += _dict_diffs("ticket", wire_ticket(intent.ticket), event.ticket)
        diffs += [
            FieldDiff(path=f"ticket.{k}", expected=v, observed=DROPPED)
            for k, v in intent.ticket.items()
            if k not in TICKET_KEYS
        ]
    diffs += _dict_diffs("data", intent.data, event.data)
    return diffs


def _dict_diffs(prefix: str, wanted: dict[str, Any], seen: dict[str, Any]) -> list[FieldDiff]:
    return [
        FieldDiff(path=f"{prefix}.{key}", expected=value, observed=seen.get(key, DROPPED))
        for key, value in wanted.items()
        if seen.get(key, DROPPED) != value
    ]


# --- transport level ------------------------------------------------------------------------------------------


def _transport_level(calls: list[JsCall], requests: list[CapturedRequest]) -> list[Pairing]:
    pairings: list[Pairing] = []
    analytics = [r for r in requests if r.kind == "analytics" and r.method != "OPTIONS"]
    buckets = TimeBuckets(analytics, lambda r: _target(r.url, r.method == "GET"), lambda r: r.time_ms)
    used: set[int] = set()
    for call in (c for c in calls if c.fn in TRANSPORTS):
        request = buckets.take([_target(call.url or "", call.fn == "image")], call.time_ms - SKEW_MS)
        if request is not None:
            used.add(request.id)
            pairings.append(
                construct(
                    Pairing,
                    {
                        **PAIRING_DEFAULTS,
                        **dict(
                            outcome="paired",
                            level="transport",
                            call_ids=[call.id],
                            request_id=request.id,
                            step=call.step,
                        ),
                    },
                )
            )
        else:
            pairings.append(
                Pairing(
                    outcome="called_not_sent",
                    level="transport",
                    call_ids=[call.id],
                    step=call.step,
                    cause=_why_request_missing(call),
                )
            )
    if any(c.fn in TRANSPORTS for c in calls):
        for request in analytics:
            if request.id not in used:
                pairings.append(
                    Pairing(
                        outcome="sent_without_call",
                        level="transport",
                        request_id=request.id,
                        step=request.step,
                        cause="the request was not made by page code the hook saw (a service worker, "
                        "or a frame the hook could not enter)",
                    )
                )
    return pairings


@functools.lru_cache(maxsize=4096)  # the same few analytics URLs, thousands of times
def _target(url: str, is_get: bool) -> tuple[str, bool]:
    """What pairs a JS transport call with a request: the analytics path it ends with, and GET or not."""
    path = split_url(url).path.rstrip("/")
    match = re.search(r"/(?:rest/(?:ua/)?v15/analytics/\w+|rest/organizations/[^/]+/events/v1)$", path)
    return (match.group(0) if match else path, is_get)


def _why_request_missing(call: JsCall) -> str:
    if call.fn == "sendBeacon" and call.returned is False:
        return "navigator.sendBeacon returned false: the browser refused the beacon (too large, or quota exceeded)"
    return (
        "the page made the call but no request left the browser: blocked by a Content-Security-Policy "
        "(connect-src), an extension or a consent tool, or cancelled by a navigation"
    )


# --- duplicates -----------------------------------------------------------------------------------------------


def _duplicates(
    events: list[Event], intents: list[Intent], requests: list[CapturedRequest], calls_of: dict[int, list[int]]
) -> list[Pairing]:
    """The same event twice for one user action: same step, same document, within a short window."""

    def frame(event: Event) -> str | None:
        return requests[event.request_id].frame_url if event.request_id < len(requests) else None

    asked: dict[tuple[str | None, str], int] | None = None  # counted at the first duplicate: most runs have none
    last_seen: dict[str, Event] = {}
    pairings: list[Pairing] = []
    for later in events:
        if later.action is None:
            continue
        key = _event_key(later, frame(later))
        earlier = last_seen.get(key)
        last_seen[key] = later
        if earlier is None or later.time_ms - earlier.time_ms > DUPLICATE_WINDOW_MS:
            continue
        asked = _intent_counts(intents) if asked is None else asked
        asked_twice = asked.get((later.action, _canonical(_comparable(later.data))), 0) > 1
        cause = (
            f"the same {later.action} as event #{earlier.index}, {later.time_ms - earlier.time_ms:.0f} ms apart; "
            + ("the page asked for it twice" if asked_twice else "sent twice")
        )
        pairings.append(
            Pairing(
                outcome="duplicate",
                event_index=later.index,
                request_id=later.request_id,
                call_ids=calls_of.get(later.index, []),
                action=later.action,
                step=later.step,
                cause=cause,
            )
        )
    return pairings


_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)  # built once: json.dumps builds one per call


def _canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def _event_key(event: Event, frame: str | None) -> str:
    """Two events with the same key are the same event (step and document included)."""
    return _canonical(
        [
            event.step,
            frame,
            event.action,
            event.event_type,
            event.client_id,
            event.protocol,
            _comparable(event.data),
            event.ticket,
        ]
    )


def _intent_counts(intents: list[Intent]) -> dict[tuple[str | None, str], int]:
    counts: dict[tuple[str | None, str], int] = {}
    for intent in intents:
        key = (intent.action, _canonical(intent.data))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("ep_payload",)}
