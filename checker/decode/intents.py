"""The events the page *asked* coveo.analytics to send, rebuilt from its `coveoua(...)` calls.

coveo.analytics keeps, per page, the action and ticket registered with `svc:setAction` / `svc:setTicket` and
clears them after each `send` (they are one-shot). Replaying the calls in order gives, for every `send`, the event
the page meant, to be compared with the event that left the browser.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from checker.decode.ua import text_or_none
from checker.models import Event, JsCall
from checker.values import version_key

T = TypeVar("T")

SKEW_MS = 50.0  # clocks of the page and of the capture agree to within this

# svc:setTicket keys the library knows, and the name each has on the wire (svc_ticket_<name>).
TICKET_KEYS = {
    "id": "id",
    "subject": "subject",
    "description": "description",
    "category": "category",
    "productId": "product_id",
    "custom": "custom",
}


# Headless analytics action type prefixes → the document's action types (a document click may be a quick view).
HEADLESS_ACTIONS: dict[str, tuple[str, ...]] = {
    "analytics/caseAssist/case/start": ("ticket_create_start",),
    "analytics/caseAssist/case/field/update": ("ticket_field_update",),
    "analytics/caseAssist/classification/click": ("ticket_classification_click",),
    "analytics/caseAssist/documentSuggestion/click": ("documentSuggestionClick", "documentSuggestionQuickview"),
    "analytics/caseAssist/documentSuggestion/rate": ("suggestion_rate",),
    "analytics/caseAssist/case/nextStage": ("ticket_next_stage",),
    "analytics/caseAssist/case/create": ("ticket_create",),
    "analytics/caseAssist/case/solve": ("ticket_cancel",),
    "analytics/caseAssist/case/abandon": ("ticket_cancel",),
}
CLICK_ACTIONS = ("documentSuggestionClick", "documentSuggestionQuickview")
# Headless before 3.20.0 bundles a coveo.analytics older than 2.30.45: in legacy mode a document click (or quick
# view) is the svc action suggestion_click, sent as a collect event (checked in 2.80.7)
SVC_SUGGESTION_CLICK_FIXED_IN = "3.20.0"  # also the fixed_in of that deviation (check.deviations)


@dataclass
class Intent:
    """One event the page asked for (through coveoua, or by dispatching a Headless analytics action)."""

    action: str | None
    transport: str  # collect | click | custom
    event_type: str | None
    data: dict[str, Any]
    ticket: dict[str, Any]
    search_hub: str | None
    call_ids: list[int]
    time_ms: float
    step: int | None
    frame_url: str | None
    queued: bool  # asked before the library had loaded
    source: str = "coveoua"  # coveoua | headless
    protocol: str = "ua"  # ua | ep (Headless in next mode)
    actions: tuple[str, ...] = ()  # the actions the wire event may carry (defaults to `action`)
    analytics_off: bool = False  # a Headless action run while the engine's analytics were turned off

    def accepts(self, event: Event) -> bool:
        return (
            event.protocol == self.protocol
            and event.action in self.wanted
            and (self.protocol == "ep" or event.transport == self.transport)
        )

    @property
    def wanted(self) -> tuple[str | None, ...]:
        return self.actions or (self.action,)


@dataclass
class _FrameState:
    action: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    ticket: dict[str, Any] = field(default_factory=dict)
    call_ids: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.action, self.data, self.ticket, self.call_ids = None, {}, {}, []


def wire_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket as the library puts it on the wire (known keys only, renamed)."""
    return {TICKET_KEYS[k]: v for k, v in ticket.items() if k in TICKET_KEYS}


_LAST: dict[str, tuple] = {}  # the last intents/pairs computed, with their inputs (identity + length)


def intents_from_calls(calls: list[JsCall]) -> list[Intent]:
    """The intents of a list of calls (decoding and reconciliation both ask for them: computed once)."""
    cached = _LAST.get("intents")
    if cached is not None and cached[0] is calls and cached[1] == len(calls):
        return cached[2]
    intents = _intents(calls)
    _LAST["intents"] = (calls, len(calls), intents)  # holding the list keeps its identity unique
    return intents


def failed_coveoua_calls(calls: list[JsCall]) -> list[tuple[JsCall, JsCall]]:
    """(the call, its `coveoua-error` record) for each `coveoua` call that threw: the hook records the call, then
    its exception, in the same frame."""
    if not any(call.fn == "coveoua-error" for call in calls):
        return []  # the usual case, without sorting thousands of calls
    last_call: dict[str | None, JsCall] = {}
    failed: list[tuple[JsCall, JsCall]] = []
    for call in sorted(calls, key=lambda c: c.id):
        if call.fn == "coveoua":
            last_call[call.frame_url] = call
        elif call.fn == "coveoua-error" and call.frame_url in last_call:
            failed.append((last_call.pop(call.frame_url), call))
    return failed


def rejected_headless_calls(calls: list[JsCall]) -> set[int]:
    """Ids of the Headless analytics actions whose thunk was rejected (the hook records the action when it starts,
    then `headless-rejected` with its name when it throws, in the same frame): they sent nothing."""
    if not any(call.fn == "headless-rejected" for call in calls):
        return set()
    started: dict[tuple[str | None, object], list[int]] = {}
    rejected: set[int] = set()
    for call in sorted(calls, key=lambda c: c.id):
        key = (call.frame_url, call.args[0] if call.args else None)
        if call.fn == "headless":
            started.setdefault(key, []).append(call.id)
        elif call.fn == "headless-rejected" and started.get(key):
            rejected.add(started[key].pop())
    return rejected


def _intents(calls: list[JsCall]) -> list[Intent]:
    states: dict[str | None, _FrameState] = {}
    modes: dict[str | None, str] = {}  # Headless analytics mode per page
    versions: dict[str | None, str] = {}  # Headless version per page
    intents: list[Intent] = []
    # a call that threw, or a Headless action that was rejected, asked for nothing
    failed = {call.id for call, _ in failed_coveoua_calls(calls)} | rejected_headless_calls(calls)
    for call in sorted(calls, key=lambda c: c.id):
        if call.id in failed:
            continue
        page = _page_of(call.frame_url)
        if call.fn == "headless-engine":
            modes[page] = call.args[1] if len(call.args) > 1 and call.args[1] else "next"  # 4.0.0's default
            versions[page] = str(call.args[0]) if call.args and call.args[0] else ""
        elif call.fn == "headless":
            intent = _headless(call, modes.get(page, "next"), versions.get(page, ""))
            intents.extend([intent] if intent else [])
        elif call.fn == "coveoua":
            intent = _apply(states.setdefault(page, _FrameState()), call)
            intents.extend([intent] if intent else [])
    return intents


def _headless(call: JsCall, mode: str, version: str) -> Intent | None:
    actions = HEADLESS_ACTIONS.get(call.args[0] if call.args and isinstance(call.args[0], str) else "")
    if not actions:
        return None
    if (
        actions == CLICK_ACTIONS
        and mode == "legacy"
        and version
        and version_key(version) < version_key(SVC_SUGGESTION_CLICK_FIXED_IN)
    ):
        actions = ("suggestion_click",)
    transport = "event_protocol" if mode == "next" else ("click" if actions[0] in CLICK_ACTIONS else "collect")
    return Intent(
        action=actions[0],
        transport=transport,
        event_type=None,
        data={},
        ticket={},
        search_hub=None,
        call_ids=[call.id],
        time_ms=call.time_ms,
        step=call.step,
        frame_url=call.frame_url,
        queued=False,
        source="headless",
        protocol="ep" if mode == "next" else "ua",
        actions=actions,
        analytics_off=bool(call.info.get("disabled")),
    )


def _page_of(frame_url: str | None) -> str | None:
    return frame_url.split("#", 1)[0] if frame_url else None


def _apply(state: _FrameState, call: JsCall) -> Intent | None:
    args = call.args
    command = args[0] if args and isinstance(args[0], str) else None
    if command == "svc:setAction":
        state.action = text_or_none(args[1]) if len(args) > 1 else None
        state.data = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        state.call_ids.append(call.id)
    elif command == "svc:setTicket":
        state.ticket = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        state.call_ids.append(call.id)
    elif command == "send":
        return _send(state, call, args)
    return None


def _send(state: _FrameState, call: JsCall, args: list[Any]) -> Intent | None:
    kind = args[1] if len(args) > 1 else None
    common: dict[str, Any] = dict(
        time_ms=call.time_ms, step=call.step, frame_url=call.frame_url, queued=bool(call.queued)
    )
    if kind == "event" and len(args) > 2 and args[2] == "svc":
        fields = args[4] if len(args) > 4 and isinstance(args[4], dict) else {}
        intent = Intent(
            action=state.action,
            transport="collect",
            event_type=text_or_none(args[3]) if len(args) > 3 else None,
            data=dict(state.data),
            ticket=dict(state.ticket),
            search_hub=text_or_none(fields.get("searchHub")),
            call_ids=[*state.call_ids, call.id],
            **common,
        )
        state.clear()  # the library clears action and ticket after every send
        return intent
    if kind == "click" and len(args) > 2 and isinstance(args[2], dict):
        payload = args[2]
        return Intent(
            action=text_or_none(payload.get("actionCause")),
            transport="click",
            event_type="click",
            data=dict(payload),
            ticket={},
            search_hub=text_or_none(payload.get("originLevel1")),
            call_ids=[call.id],
            **common,
        )
    return None


class TimeBuckets(Generic[T]):
    """Items grouped by a key and sorted by time, to take 'the first unused one at or after t' quickly."""

    def __init__(self, items: Iterable[T], key: Callable[[T], Hashable], time: Callable[[T], float]) -> None:
        self.groups: dict[Hashable, list[T]] = {}
        for item in sorted(items, key=time):
            self.groups.setdefault(key(item), []).append(item)
        self.times = {k: [time(i) for i in group] for k, group in self.groups.items()}
        # per group, position → a position at or after it that may be unused (len(group): none); taken items
        # point past themselves, with path compression, so a take never rescans a run of used items (no O(n²))
        self.skip = {k: list(range(len(group) + 1)) for k, group in self.groups.items()}

    @staticmethod
    def _unused(skip: list[int], position: int) -> int:
        root = position
        while skip[root] != root:
            root = skip[root]
        while skip[position] != root:
            skip[position], position = root, skip[position]
        return root

    def take(self, keys: Iterable[Hashable], after: float) -> T | None:
        """The earliest unused item under any of `keys` whose time is ≥ `after` (marked used), or None."""
        best = None
        for key in keys:
            times = self.times.get(key)
            if times is None:
                continue
            position = self._unused(self.skip[key], bisect.bisect_left(times, after))
            if position < len(times) and (best is None or times[position] < best[0]):
                best = (times[position], key, position)
        if best is None:
            return None
        _, key, position = best
        self.skip[key][position] = position + 1
        return self.groups[key][position]


def pair_intents(intents: list[Intent], events: list[Event]) -> list[tuple[Intent, Event | None]]:
    """Each intent with the first unpaired wire event of the same action and transport sent after it; failing that,
    an svc event that lost its action on the way (coveo.analytics races when a page logs twice in one tick)."""
    cached = _LAST.get("pairs")
    if cached is not None and cached[0] is intents and cached[1] is events and cached[2] == len(events):
        return cached[3]
    pairs = _pair(intents, events)
    _LAST["pairs"] = (intents, events, len(events), pairs)
    return pairs


def _pair(intents: list[Intent], events: list[Event]) -> list[tuple[Intent, Event | None]]:
    def key(e: Event) -> tuple[str, str | None, str]:
        return (e.protocol, e.action, e.transport if e.protocol == "ua" else "event_protocol")

    buckets = TimeBuckets(events, key, lambda e: e.time_ms)
    pairs: list[tuple[Intent, Event | None]] = []
    for intent in intents:
        transport = intent.transport if intent.protocol == "ua" else "event_protocol"
        keys = [(intent.protocol, action, transport) for action in intent.wanted]
        event = buckets.take(keys, intent.time_ms - SKEW_MS)
        if event is None and intent.source == "coveoua" and intent.transport == "collect":
            event = buckets.take([(intent.protocol, None, transport)], intent.time_ms - SKEW_MS)
        pairs.append((intent, event))
    return pairs


def unsent_intents(calls: list[JsCall], events: list[Event], step: int) -> list[Intent]:
    """What the page asked for during `step` whose event has not been seen on the wire yet: on its way."""
    return [
        intent
        for intent, event in pair_intents(intents_from_calls(calls), events)
        if event is None and intent.step == step and intent.action is not None
    ]


def attribute_steps(events: list[Event], calls: list[JsCall]) -> None:
    """An event caused by a coveoua call belongs to the step during which the page made the call, even when the
    library sent it later (async loading, promise chains): the JS layer knows better than the request's time."""
    for intent, event in pair_intents(intents_from_calls(calls), events):
        if event is not None and intent.step is not None:
            event.step = intent.step
