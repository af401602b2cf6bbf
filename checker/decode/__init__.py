"""Stage 4: captured requests → Case Assist events, one model whatever the transport or protocol."""

from __future__ import annotations

import functools
from typing import Any

from checker.decode.ep import decode_ep
from checker.decode.intents import attribute_steps
from checker.decode.ua import DecodeError, decode_ua, make_event
from checker.endpoints import analytics_endpoint
from checker.models import MAX_BODY, CapturedRequest, Event, JsCall
from checker.values import map_strings

__all__ = ["decode_request", "decode_all", "DecodeCache", "DecodeError"]


def decode_request(req: CapturedRequest) -> list[Event]:
    """Events carried by one analytics request. An undecodable body yields one event with `decode_error`."""
    endpoint = _endpoint_of(req.url) or sniff_endpoint(req.body)
    try:
        if endpoint == "event_protocol":
            events = decode_ep(req)
        else:
            events = decode_ua(req, endpoint)
    except DecodeError as exc:
        events = [make_event(action=None, transport=endpoint, decode_error=str(exc))]
    except Exception as exc:  # an unexpected shape from a page we don't control: a finding, never a crash
        events = [
            make_event(
                action=None, transport=endpoint, decode_error=f"unexpected content ({type(exc).__name__}: {exc})"[:300]
            )
        ]
    if req.body_truncated:
        for event in events:
            if event.decode_error:
                event.decode_error += f" (the checker kept only the first {MAX_BODY // 1024} KiB of this body)"
    long_values = len(req.url) + len(req.body or "") > VALUE_KEPT  # no value is longer than what carried it
    for event in events:
        if long_values:
            event.data, event.ticket = clip_long_values(event.data), clip_long_values(event.ticket)
        event.step = req.step
        event.time_ms = req.time_ms
        event.url = req.url
        event.request_id = req.id
    return events


# a page sends thousands of events to the same few URLs: each URL's endpoint is parsed once
_endpoint_of = functools.lru_cache(maxsize=4096)(analytics_endpoint)


def sniff_endpoint(body: str | None) -> str:
    """A proxy may rewrite paths: tell the kind of event from the body itself."""
    text = (body or "").lstrip()
    if text.startswith("["):
        return "event_protocol"
    for form_key, endpoint in (("clickEvent=", "click"), ("customEvent=", "custom")):
        if text.startswith(form_key):
            return endpoint
    if '"actionCause"' in text:
        return "click"
    return "collect"


VALUE_KEPT = 65_536  # characters of one payload value an event keeps (no Case Assist ID or field comes near it)


def clip_long_values(value: Any) -> Any:
    """A page can put megabytes in one field: the event keeps the beginning and says how much was cut, so the
    results, the journal and the report stay readable; type checks see a string either way."""

    def clip(text: str) -> str:
        if len(text) <= VALUE_KEPT:
            return text
        return text[:VALUE_KEPT] + f"… [{len(text) - VALUE_KEPT:,} more characters cut by case-assist-check]"

    return map_strings(value, clip)


def decode_all(
    requests: list[CapturedRequest], js_calls: list[JsCall] | None = None, cache: DecodeCache | None = None
) -> list[Event]:
    """All events of a scenario in the order their requests left the page, numbered from 0.

    With the JS layer's calls, an event is attributed to the step during which the page asked for it. With a
    `cache`, a request already decoded through it is not decoded again (a capture that keeps growing)."""
    events: list[Event] = []
    for req in sorted(
        (r for r in requests if r.kind == "analytics" and r.method != "OPTIONS"), key=lambda r: (r.time_ms, r.id)
    ):
        events.extend(decode_request(req) if cache is None else cache.events_of(req))
    for index, event in enumerate(events):
        event.index = index
    if js_calls:
        attribute_steps(events, js_calls)
    return events


class DecodeCache:
    """The events of each request decoded once, for waits that look at a growing capture again and again (each
    wake-up re-decoding everything made a step's wait O(n²) in its events). A request's decoded fields never change
    once captured; what `decode_all` changes afterwards (index, step) is set again on every use."""

    def __init__(self) -> None:
        self._events: dict[int, tuple[CapturedRequest, list[Event]]] = {}  # id(request) → (request, its events)

    def events_of(self, req: CapturedRequest) -> list[Event]:
        cached = self._events.get(id(req))
        if cached is None or cached[0] is not req:
            cached = self._events[id(req)] = (req, decode_request(req))
        else:
            for event in cached[1]:  # attribute_steps may have moved it to its call's step last time
                if event.step != req.step:
                    event.step = req.step
        return cached[1]
