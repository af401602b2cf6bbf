"""Which Case Assist implementation the page runs, from what both capture layers saw.

- the `coveoua` snippet: `coveoua(...)` calls, coveo.analytics' version (`coveoua('version')`);
- Headless: a case assist engine built on the page (the JS layer wraps `buildCaseAssistEngine` wherever the
  bundle came from, a Salesforce static resource included), its version and analytics mode; failing that, the
  Event Protocol's `meta.source` (`@coveo/headless@X`), or the `analytics.source` Headless 3.19.2+ puts in its
  documents/suggest requests (a bundle that hides its global, in either analytics mode);
- Quantic: `window.coveoQuanticVersion` (the page state, or read when the engine was built), or the
  `customData.coveoQuanticVersion` Quantic's middleware adds to every Usage Analytics event.

The rules' advice (`checker.check.advice`) and the library attributions (`checker.check.deviations`) speak it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Literal

from checker.models import CapturedRequest, Event, Implementation, JsCall, ScenarioResult

HEADLESS_SOURCE = re.compile(r"^@coveo/headless@(.+)$")


def detect(result: ScenarioResult, calls_by_fn: Mapping[str, list[JsCall]] | None = None) -> Implementation:
    """`calls_by_fn`: the JS layer's records grouped by kind, when the caller has them (the rules' context does):
    only three kinds say anything here, out of thousands of records."""
    groups = calls_by_fn if calls_by_fn is not None else _grouped(result.js_calls)
    found = Implementation()
    _from_calls(found, [*groups.get("library", ()), *groups.get("headless-engine", ())])
    _from_events(found, result.events)
    _from_service_api(found, result.requests)
    if found.headless and found.analytics_mode is None:  # a bundle that hides its global: what it sent says
        protocols = {e.protocol for e in result.events if e.action}
        found.analytics_mode = "next" if "ep" in protocols else "legacy" if "ua" in protocols else None
    if not found.quantic and isinstance(result.page_info.get("quantic_version"), str):
        found.quantic = result.page_info["quantic_version"]
        found.evidence.append("window.coveoQuanticVersion")
    if not found.coveo_analytics and result.page_info.get("coveo_analytics_version"):
        found.coveo_analytics = str(result.page_info["coveo_analytics_version"])
    found.kind = _kind(found, bool(groups.get("coveoua")))
    return found


def _grouped(calls: list[JsCall]) -> dict[str, list[JsCall]]:
    groups: dict[str, list[JsCall]] = {}
    for call in calls:
        groups.setdefault(call.fn, []).append(call)
    return groups


def _from_calls(found: Implementation, calls: list[JsCall]) -> None:
    """`calls`: the `library` records, then the `headless-engine` ones, each in call order."""
    for call in calls:
        fn = call.fn
        if fn == "library" and call.args and call.args[0] and not found.coveo_analytics:
            found.coveo_analytics = str(call.args[0])
            found.evidence.append("coveoua('version')")
        elif fn == "headless-engine" and not found.headless:
            version = call.args[0] if call.args and call.args[0] else None
            found.headless = str(version) if version else None
            found.analytics_mode = _mode(call.args[1] if len(call.args) > 1 else None)
            found.headless_source = call.info.get("src") or None
            found.evidence.append("a case assist engine built on the page")
            if isinstance(call.info.get("quantic"), str):
                found.quantic = call.info["quantic"]
                found.evidence.append("window.coveoQuanticVersion")


def _mode(configured: object) -> Literal["legacy", "next"]:
    # Headless 3 and 4 default to 'next'; Quantic sets 'legacy' itself unless the Apex configuration replaces it
    return "legacy" if configured == "legacy" else "next"


def _from_events(found: Implementation, events: list[Event]) -> None:
    for event in events:
        library = event.library
        source = HEADLESS_SOURCE.match(library) if library and library.startswith("@coveo/headless@") else None
        if source and not found.headless:
            found.headless, found.analytics_mode = source.group(1), "next"
            found.evidence.append("Event Protocol meta.source")
        custom = event.data.get("customData")
        version = custom.get("coveoQuanticVersion") if isinstance(custom, dict) else None
        if isinstance(version, str) and version and not found.quantic:
            found.quantic = version
            found.evidence.append("customData.coveoQuanticVersion")
    if found.headless and any(e.protocol == "ep" for e in events):
        found.analytics_mode = "next"  # what it sent wins over what it was configured with


def _from_service_api(found: Implementation, requests: list[CapturedRequest]) -> None:
    """Headless 3.19.2 and later name themselves in the documents/suggest request (`analytics.source`), legacy mode
    too: the version is known even when the bundle hides its global and no engine could be seen being built."""
    if found.headless:
        return
    for request in requests:
        if request.kind != "service_api" or not request.body or "@coveo/headless@" not in request.body:
            continue
        try:
            sources = (json.loads(request.body).get("analytics") or {}).get("source") or []
        except (ValueError, AttributeError):
            continue
        version = next((m.group(1) for s in sources if isinstance(s, str) and (m := HEADLESS_SOURCE.match(s))), None)
        if version:
            found.headless = version
            found.evidence.append("documents/suggest analytics.source")
            return


def _kind(found: Implementation, calls_coveoua: bool) -> Literal["snippet", "headless", "quantic", "unknown"]:
    if found.quantic:
        return "quantic"
    if found.headless or found.analytics_mode:
        return "headless"
    if found.coveo_analytics or calls_coveoua:
        return "snippet"
    return "unknown"
