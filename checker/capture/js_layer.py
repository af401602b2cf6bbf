"""Stage 3 (JS layer): record `coveoua(...)` calls and analytics fetch/beacon/XHR/<img> calls made in the page.

`hook.js` is installed as an init script in every frame of the context (iframes, popups, pages after a
navigation) and reports each call through an exposed binding; this module turns the reports into `JsCall`s,
redacted and stamped with the step during which the page made them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.capture.overhead import handler
from checker.endpoints import EP_PATH_JS, UA_PATH_JS, proxy_regex
from checker.models import JsCall
from checker.redact import MASK, Redactor

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

HOOK_SOURCE = (Path(__file__).parent / "hook.js").read_text(encoding="utf-8")
BINDING = "__caCheckRecord"
TRANSPORTS = ("fetch", "sendBeacon", "xhr", "image")
MAX_FIELDS, MAX_FIELD_NAME = 2000, 200  # a page cannot flood the results through its field names
MAX_ACTS = 100_000  # nor the memory through its input events


def hook_script(extra_patterns: list[str]) -> str:
    """The init script with the URL patterns that count as analytics (JS regex sources)."""
    patterns = [UA_PATH_JS, EP_PATH_JS, *(proxy_regex(p).pattern for p in extra_patterns)]
    return HOOK_SOURCE.replace("__CA_CHECK_CONFIG__", json.dumps({"patterns": patterns}))


class JsCapture:
    def __init__(
        self,
        redactor: Redactor,
        started_at: float,
        step_at: Callable[[float], int | None],
        extra_patterns: list[str] | None = None,
    ) -> None:
        self.redactor = redactor
        self.started_at = started_at  # wall-clock seconds, same origin as the page's Date.now()
        self.step_at = step_at  # wall time → step index (shared with the network capture)
        self.extra_patterns = extra_patterns or []
        self.calls: list[JsCall] = []
        self.page_fields: set[str] = set()  # form fields the pages had when they logged
        self.acts: list[float] = []  # wall-clock seconds at which something acted on a page (pointer, keys, input)
        self.listeners: list[Callable[[JsCall], None]] = []  # called with each new JsCall (the journal)
        # running tallies, so "is a send still on its way?" costs nothing however many calls there are
        self.transports = 0
        self.last_transport_ms = float("-inf")
        self.last_send_ms = float("-inf")
        self._send_before = float("-inf")  # last_send_ms before the latest send was asked for
        self.library_loaded = False
        self.tracking_allowed = True  # the page's Do Not Track / Global Privacy Control (the libraries obey them)

    def attach(self, context: BrowserContext) -> None:
        context.expose_binding(BINDING, handler(self._on_record))
        context.add_init_script(hook_script(self.extra_patterns))

    def _on_record(self, source: Any, records: Any, extras: Any = None) -> None:
        """A batch of records from one frame (a single record is accepted too), with the times something acted
        on the page and the frame's form fields when they changed since its last batch. hook.js sends the batch
        as one JSON text, `{"records": [...], "extras": {...}}`: Playwright serializes a text without the page's
        built-ins, which the page may have replaced."""
        if isinstance(records, str):
            try:
                batch = json.loads(records)
            except ValueError:
                return  # not ours (a page calling the binding itself): the wire layer still has its requests
            if isinstance(batch, dict) and "records" in batch:
                records, extras = batch.get("records"), batch.get("extras")
            else:
                records = batch
        if isinstance(extras, dict):
            self.on_fields(extras.get("fields"))
            self._on_acts(extras.get("acts"))
        for record in records if isinstance(records, list) else [records]:
            try:
                call = self._call(record)
            except Exception:  # a malformed report must not break the run; the wire layer still has the event
                continue
            self.calls.append(call)
            self._tally(call)
            for listener in self.listeners:
                listener(call)

    def _on_acts(self, acts: Any) -> None:
        if isinstance(acts, list) and len(self.acts) < MAX_ACTS:
            self.acts.extend(a / 1000 for a in acts if isinstance(a, (int, float)) and not isinstance(a, bool))

    def on_fields(self, fields: Any) -> None:
        if isinstance(fields, list) and len(self.page_fields) < MAX_FIELDS:
            self.page_fields.update(f[:MAX_FIELD_NAME] for f in fields[:MAX_FIELDS] if isinstance(f, str) and f)

    def _tally(self, call: JsCall) -> None:
        if call.fn in TRANSPORTS:
            self.transports += 1
            self.last_transport_ms = max(self.last_transport_ms, call.time_ms)
        elif (call.fn == "coveoua" and call.args[:1] == ["send"]) or call.fn == "headless":
            self._send_before = self.last_send_ms
            self.last_send_ms = max(self.last_send_ms, call.time_ms)  # a Headless action's send follows its thunk
        elif call.fn == "headless-rejected":
            self.last_send_ms = self._send_before  # the action threw before sending: nothing to wait for
        elif call.fn in ("page", "library"):
            self.tracking_allowed = call.info.get("dnt") not in ("1", "yes") and not call.info.get("gpc")
            if call.fn == "page" and call.info.get("top") is not False and call.time_ms >= self.last_send_ms:
                self.last_send_ms = float("-inf")  # a new top-level document: the old one's unsent sends never leave
        if call.fn in ("library", "headless-engine") and self.tracking_allowed:
            self.library_loaded = True  # coveo.analytics, or Headless with the copy inside it

    def sends_pending(self, analytics_requests: int, last_request_ms: float = float("-inf")) -> bool:
        """True when the page asked for an analytics request that has not left the browser yet. A request seen
        after the last send counts as its transport: its report from the page may come after it."""
        if self.transports > analytics_requests:
            return True  # handed to fetch/sendBeacon, not on the network yet
        # coveo.analytics (or Headless) never loaded, or Do Not Track: its sends will never leave
        return self.library_loaded and self.last_send_ms > max(self.last_transport_ms, last_request_ms)

    def _call(self, record: dict[str, Any]) -> JsCall:
        args = self._args(record.get("args"))
        if record.get("fn") == "coveoua" and args[:1] == ["init"] and len(args) > 1 and isinstance(args[1], str):
            self.redactor.add_secret(args[1])  # the API key or search token given to coveoua('init', …)
            args[1] = MASK
        wall = float(record.get("time", time.time() * 1000)) / 1000
        url = record.get("url")
        fn = str(record.get("fn", "?"))
        if fn in TRANSPORTS and args and isinstance(args[0], str):
            args[0] = self.redactor.url(args[0])  # the URL handed to fetch/sendBeacon: tokens in its query too
        if fn == "headless-engine":
            self.redactor.add_secret(str(record.get("token") or ""))
        return JsCall(
            id=len(self.calls),
            fn=fn,
            args=self.redactor.value(args),
            step=self.step_at(wall),
            time_ms=round((wall - self.started_at) * 1000, 1),
            frame_url=self.redactor.url(record["frame"]) if record.get("frame") else None,
            queued=record.get("queued"),
            url=self.redactor.url(url) if isinstance(url, str) else None,
            returned=record.get("returned"),
            info={
                k: self.redactor.value(record[k])
                for k in ("dnt", "gpc", "quantic", "src", "top", "error", "source", "disabled")
                if record.get(k) is not None
            },
        )

    @staticmethod
    def _args(raw: Any) -> list[Any]:
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            value = [raw]
        return value if isinstance(value, list) else [value]
