"""Stage 4: captured requests → Case Assist events, one model whatever the transport or protocol."""

from __future__ import annotations

from checker.capture.endpoints import analytics_endpoint
from checker.decode.ua import DecodeError, decode_ua
from checker.models import CapturedRequest, Event

__all__ = ["decode_request", "decode_all", "DecodeError"]


def decode_request(req: CapturedRequest) -> list[Event]:
    """Events carried by one analytics request. An undecodable body yields one event with `decode_error`."""
    endpoint = analytics_endpoint(req.url) or "unknown"
    try:
        if endpoint == "event_protocol":
            from checker.decode.ep import decode_ep

            events = decode_ep(req)
        else:
            events = decode_ua(req, endpoint)
    except DecodeError as exc:
        events = [Event(index=0, action=None, transport=endpoint, decode_error=str(exc))]
    for event in events:
        event.step = req.step
        event.time_ms = req.time_ms
        event.url = req.url
        event.request_id = req.id
    return events


def decode_all(requests: list[CapturedRequest]) -> list[Event]:
    """All events of a scenario in the order their requests left the page, numbered from 0."""
    events: list[Event] = []
    for req in sorted((r for r in requests if r.kind == "analytics" and r.method != "OPTIONS"), key=lambda r: (r.time_ms, r.id)):
        events.extend(decode_request(req))
    for index, event in enumerate(events):
        event.index = index
    return events
