"""Event Protocol (Headless `analyticsMode: 'next'`) requests → events named by the document's action types.

Body: a JSON array of `{...payload, meta: {type, clientId, …}}`. Payload keys are renamed to the document's
names where the meaning is the same (e.g. `autoselected` → `autoSelection`, `position` → `documentPosition`),
so one scenario checks a deployment in either mode; the original payload stays under `ep_payload`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from checker.decode.ua import DecodeError, full_body, make_event, text_or_none
from checker.models import CapturedRequest, Event


def _update_field(p: dict[str, Any]) -> tuple[dict, dict]:
    name = p.get("fieldName")
    return {"fieldName": name}, ({name: p.get("fieldValue")} if isinstance(name, str) else {})


def _classification(p: dict[str, Any]) -> tuple[dict, dict]:
    data = {"classificationId": p.get("classificationId"), "responseId": p.get("responseId")}
    if "autoselected" in p:
        data["autoSelection"] = p["autoselected"]
    return data, {}


def _object_at(p: dict[str, Any], key: str) -> dict[str, Any]:
    value = p.get(key)
    return value if isinstance(value, dict) else {}


def _item(p: dict[str, Any]) -> dict[str, Any]:
    meta = _object_at(p, "itemMetadata")
    return {
        "searchQueryUid": p.get("responseId"),
        "documentTitle": meta.get("title"),
        "documentUrl": meta.get("url"),
        "contentIDKey": meta.get("uniqueFieldName"),
        "contentIDValue": meta.get("uniqueFieldValue"),
    }


def _document_click(p: dict[str, Any]) -> tuple[dict, dict]:
    return {**_item(p), "documentPosition": p.get("position")}, {}


def _feedback(p: dict[str, Any]) -> tuple[dict, dict]:
    liked = p.get("liked")
    item = {k: v for k, v in _item(p).items() if k != "searchQueryUid"}
    data = {
        "responseId": p.get("responseId"),
        "rate": (1 if liked else 0) if isinstance(liked, bool) else None,
        "suggestionId": item.get("contentIDValue"),
    }
    return {**data, **item}, {}


def _create(p: dict[str, Any]) -> tuple[dict, dict]:
    return {}, dict(_object_at(p, "ticket"))


def _cancel(p: dict[str, Any]) -> tuple[dict, dict]:
    reason = p.get("reason")
    return {"reason": reason.capitalize() if isinstance(reason, str) else reason}, {}


EP_TYPES: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[dict, dict]]]] = {
    "CaseAssist.Start": ("ticket_create_start", lambda p: ({}, {})),
    "CaseAssist.UpdateField": ("ticket_field_update", _update_field),
    "CaseAssist.SelectFieldClassification": ("ticket_classification_click", _classification),
    "CaseAssist.DocumentSuggestionClick": ("documentSuggestionClick", _document_click),
    "CaseAssist.DocumentSuggestionFeedback": ("suggestion_rate", _feedback),
    "CaseAssist.CreateTicket": ("ticket_create", _create),
    "CaseAssist.Cancel": ("ticket_cancel", _cancel),
}


def _suggestion(p: dict[str, Any]) -> dict[str, Any]:
    """2.x's `documentSuggestion: {id, responseId}` in the published shape (`responseId`; the id is a uniqueId)."""
    suggestion = _object_at(p, "documentSuggestion")
    return {"responseId": suggestion.get("responseId"), **({"liked": p["liked"]} if "liked" in p else {})}


def _pre_release_classification(p: dict[str, Any]) -> tuple[dict, dict]:
    chosen = _object_at(p, "fieldClassification")
    shaped = {"classificationId": chosen.get("id"), "responseId": chosen.get("responseId")}
    return _classification({**shaped, **({"autoselected": p["autoselected"]} if "autoselected" in p else {})})


# What @coveo/headless 2.x sends in next mode: the Event Protocol's pre-release Case Assist types, lower-case, with
# payloads of their own (checked in 2.80.7; 3.2.0 sends the published CaseAssist.* types). Decoded to the same
# actions, so flows and expectations read the same; the rules say the types are not the published ones.
PRE_RELEASE_TYPES: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[dict, dict]]]] = {
    "caseAssist.start": EP_TYPES["CaseAssist.Start"],
    "caseAssist.updateField": EP_TYPES["CaseAssist.UpdateField"],
    "caseAssist.selectFieldClassification": ("ticket_classification_click", _pre_release_classification),
    "caseAssist.documentSuggestionClick": ("documentSuggestionClick", lambda p: _document_click(_suggestion(p))),
    "caseAssist.documentSuggestionFeedback": ("suggestion_rate", lambda p: _feedback(_suggestion(p))),
    "caseAssist.createTicket": EP_TYPES["CaseAssist.CreateTicket"],
    "caseAssist.cancel": EP_TYPES["CaseAssist.Cancel"],
}
PUBLISHED_TYPE = {name: "CaseAssist." + name[11].upper() + name[12:] for name in PRE_RELEASE_TYPES}  # caseAssist.x
ALL_TYPES = {**EP_TYPES, **PRE_RELEASE_TYPES}


def decode_ep(req: CapturedRequest) -> list[Event]:
    try:
        body = json.loads(full_body(req) or "")
    except json.JSONDecodeError as exc:
        raise DecodeError(f"Event Protocol body is not valid JSON ({exc.msg} at char {exc.pos})") from None
    items = body if isinstance(body, list) else [body]
    return [_decode_item(item) for item in items]


def _decode_item(item: Any) -> Event:
    if not isinstance(item, dict) or not isinstance(item.get("meta"), dict):
        return make_event(
            action=None,
            protocol="ep",
            transport="event_protocol",
            decode_error="an Event Protocol event needs a `meta` object",
        )
    meta = item["meta"]
    ep_type = text_or_none(meta.get("type"))  # a page may put anything there
    payload = {k: v for k, v in item.items() if k != "meta"}
    action, convert = ALL_TYPES.get(ep_type or "", (None, lambda p: (dict(p), {})))
    data, ticket = convert(payload)
    data = {k: v for k, v in data.items() if v is not None}
    data["ep_payload"] = payload
    sources = meta.get("source") if isinstance(meta.get("source"), list) else []
    library = next((s for s in sources if isinstance(s, str) and s.startswith("@coveo/headless@")), None)
    data["ep_type"] = ep_type
    return make_event(  # event_type in the document's terms, so one scenario checks either mode
        index=0,
        action=action,
        protocol="ep",
        transport="event_protocol",
        event_type=("flowStart" if action == "ticket_create_start" else "click") if action else ep_type,
        client_id=meta.get("clientId"),
        search_hub=None,
        data=data,
        ticket=ticket,
        library=library,
    )
