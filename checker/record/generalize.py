"""Observed events → `expect` entries: stable values kept as literals, values that vary per run as matchers.

    UUID                       {regex: "^[0-9a-f-]{36}$"}
    long hex id                {regex: "^[0-9a-f]{16,}$"}
    a created record's id      {regex: "^500"} (its leading digits: Salesforce key prefix) or {type: string}
    URL on a local/ported host {type: string}
    timestamps, long digit runs{type: number} / {type: string}
    a confidence (0…1 float)   {range: [0, 1]}

What the environment decides (user agent, language, the client ID inside a click body) is left out; the client
ID is matched once per event with capture/same_as at the scenario level instead. A ticket is written as what changed
since the previous event's ticket, so each step shows what it added (subject, then description, category, id…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checker.models import Event

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
HEX = re.compile(r"^[0-9a-f]{16,}$", re.I)
SALESFORCE_ID = re.compile(r"^[0-9a-zA-Z]{15}(?:[0-9a-zA-Z]{3})?$")
URL = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#]*)", re.I)
LOCAL_HOST = re.compile(r"(^|@)(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)(:\d+)?$|:\d+$", re.I)
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
DIGIT_RUN = re.compile(r"\d{8,}")
ID_KEY = re.compile(r"(^id$|Id$|ID$|_id$|Uid$|Number$)")

# Decided by the browser, the environment or the library rather than by the flow; or repeated elsewhere.
DROP_KEYS = frozenset(
    {
        "userAgent",
        "clientId",
        "anonymous",
        "language",
        "actionCause",
        "originLevel1",
        "customData",
        "visitorId",
        "userId",
        "username",
        "userDisplayName",
        "referrer",
        "location",
        "clientTimestamp",
        "timestamp",
        "sourceName",
    }
)
# Present and of the right type is what can be said of these: they depend on which documents were suggested.
TYPE_ONLY_KEYS = frozenset(
    {
        "documentTitle",
        "documentUrl",
        "documentUri",
        "documentUriHash",
        "contentIDValue",
        "suggestionId",
    }
)
DEFAULT_EVENT_TYPE = "click"
UUID_MATCHER = {"regex": "^[0-9a-f-]{36}$"}
HEX_MATCHER = {"regex": "^[0-9a-f]{16,}$"}


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


def generalize_string(value: str, key: str | None = None) -> Any:
    """A literal for a stable string, a matcher for one that varies per run."""
    if UUID.match(value):
        return dict(UUID_MATCHER) if value == value.lower() else {"regex": "^[0-9a-fA-F-]{36}$"}
    if HEX.match(value) and re.search(r"\d", value):
        return dict(HEX_MATCHER) if value == value.lower() else {"regex": "^[0-9a-fA-F]{16,}$"}
    if key and ID_KEY.search(key) and _generated(value):
        return id_matcher(value)
    if SALESFORCE_ID.match(value) and re.match(r"^\d{3}", value) and re.search(r"[A-Za-z]", value):
        return id_matcher(value)
    url = URL.match(value)
    if url and LOCAL_HOST.search(url.group(1)):
        return {"type": "string"}
    if ISO_TIME.match(value) or DIGIT_RUN.search(value):
        return {"type": "string"}
    return value


def _generated(value: str) -> bool:
    """Looks made by a machine rather than typed: long with digits, or many digits."""
    digits = sum(c.isdigit() for c in value)
    return digits >= 5 or (digits > 0 and len(value) >= 12)


def id_matcher(value: str) -> dict[str, Any]:
    """A created record's id: its leading digits (Salesforce's key prefix: 500 for cases) when it has some."""
    if value.isdigit():
        return {"regex": r"^\d+$"}
    prefix = re.match(r"^\d{1,3}", value)
    if prefix and len(value) > len(prefix.group(0)):
        return {"regex": "^" + prefix.group(0)}
    return {"type": "string"}


def generalize(value: Any, key: str | None = None) -> Any:
    """A literal or matcher for one observed value (mappings recursively, lists by type)."""
    if key in TYPE_ONLY_KEYS and value is not None:
        return {"type": json_type(value)}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if abs(value) >= 1e9:  # epoch seconds or milliseconds
            return {"type": "number"}
        if isinstance(value, float) and not value.is_integer():
            return {"range": [0, 1]} if 0 <= value <= 1 else {"type": "number"}
        return value
    if isinstance(value, str):
        return generalize_string(value, key)
    if isinstance(value, dict):
        return generalize_mapping(value)
    return {"type": json_type(value)}  # lists: the matcher compares them whole, too strict for a recording


def generalize_mapping(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in DROP_KEYS:
            continue
        written = generalize(value, key)
        if isinstance(value, dict) and not written:
            continue  # nothing stable inside
        out[key] = written
    return out


def ticket_changes(ticket: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """What this event's ticket adds to (or changes in) the previous one, generalized."""
    previous = previous or {}
    changed = {k: v for k, v in ticket.items() if k not in previous or previous[k] != v}
    return generalize_mapping(changed)


def case_events(events: Iterable[Event]) -> list[Event]:
    return [e for e in events if e.action and not e.decode_error]


def step_expectations(
    events: list[Event], previous_ticket: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """`expect` entries for the events of one step, and the last ticket seen (for the next step's changes)."""
    entries: list[dict[str, Any]] = []
    for event in case_events(events):
        entry: dict[str, Any] = {"action": event.action}
        if event.event_type and event.event_type != DEFAULT_EVENT_TYPE:
            entry["event_type"] = event.event_type
        data = generalize_mapping(event.data)
        if data:
            entry["data"] = data
        if event.ticket:
            changes = ticket_changes(event.ticket, previous_ticket)
            if changes:
                entry["ticket"] = changes
            previous_ticket = event.ticket
        entries.append(entry)
    return entries, previous_ticket


def flow_expectations(events: list[Event], capture_name: str = "cid") -> list[dict[str, Any]]:
    """The scenario-level `expect`: every action in order, one client ID through the flow (capture, then same_as)."""
    entries: list[dict[str, Any]] = []
    captured = False
    for event in case_events(events):
        entry: dict[str, Any] = {"action": event.action}
        if event.client_id:
            entry["client_id"] = {"same_as": capture_name} if captured else {"capture": capture_name}
            captured = True
        entries.append(entry)
    return entries


def common_search_hub(events: list[Event]) -> str | None:
    hubs = {e.search_hub for e in case_events(events)}
    return hubs.pop() if len(hubs) == 1 and None not in hubs else None
