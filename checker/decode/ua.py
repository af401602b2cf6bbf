"""Usage Analytics (coveo.analytics / Headless legacy mode) requests → events.

collect  POST …/analytics/collect   JSON in measurement-protocol keys: svc_action, svc_action_data, svc_ticket_*, ea, cid
click    POST …/analytics/click     beacon `clickEvent=<urlencoded JSON>`, or fetch with a JSON body
custom   POST …/analytics/custom    beacon `customEvent=…` or JSON
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from checker.models import CapturedRequest, Event
from checker.values import split_url

TICKET_PREFIX = "svc_ticket_"
FORM_KEYS = {"click": "clickEvent", "custom": "customEvent", "search": "searchEvent", "view": "viewEvent"}


class DecodeError(ValueError):
    pass


def parse_body(body: str | None, endpoint: str) -> Any:
    """JSON body, or the JSON inside a form-encoded beacon body (`clickEvent=…`)."""
    if body is None or body == "":
        raise DecodeError("the request has no body")
    text = body.strip()
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DecodeError(f"body is not valid JSON ({exc.msg} at char {exc.pos})") from None
    form = parse_qs(text, keep_blank_values=True)
    key = FORM_KEYS.get(endpoint)
    values = form.get(key) if key else None
    if not values:
        raise DecodeError(f"body is neither JSON nor a form with {key or 'a known key'}=")
    try:
        return json.loads(values[0])
    except json.JSONDecodeError as exc:
        raise DecodeError(f"{key}= is not valid JSON ({exc.msg} at char {exc.pos})") from None


def _query_client_id(url: str) -> str | None:
    query = parse_qs(split_url(url).query)
    for key in ("visitorId", "visitor", "clientId"):
        if query.get(key):
            return query[key][0]
    return None


def _object(value: Any) -> dict[str, Any]:
    """svc_action_data is a nested object; some pages send it as a JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {"_raw": value}
    return value if isinstance(value, dict) else {}


def full_body(req: CapturedRequest) -> str | None:
    """`req.full_body` read straight from the private attributes: pydantic's lookup of a private attribute raises
    and catches an AttributeError inside on every access, the dearest part of decoding a small event."""
    private = getattr(req, "__pydantic_private__", None)
    whole = private.get("_full_body") if private else None
    return whole if whole is not None else req.body


def text_or_none(value: Any) -> str | None:
    """A page may put anything where a string belongs: keep strings, show the rest as JSON, never fail on it."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def make_event(**fields: Any) -> Event:
    """An Event from decoded page data: text fields coerced, objects guaranteed, built without re-validation
    (decoding thousands of events must stay cheap, and hostile shapes must not raise)."""
    for name in ("action", "event_type", "client_id", "search_hub", "library", "decode_error"):
        fields[name] = text_or_none(fields.get(name))
    for name in ("data", "ticket"):
        fields[name] = fields.get(name) if isinstance(fields.get(name), dict) else {}
    fields.setdefault("index", 0)
    return construct(Event, {**EVENT_DEFAULTS, **fields})


_SET = object.__setattr__
# model → (its field names as a set, a dict of them in declaration order) when `construct` may skip model_construct
_PLAIN: dict[type, tuple[frozenset[str], dict[str, None]] | None] = {}


def _plain_fields(cls: Any) -> tuple[frozenset[str], dict[str, None]] | None:
    fields = cls.__pydantic_fields__
    eligible = (
        not cls.__pydantic_post_init__
        and not cls.__pydantic_root_model__
        and not cls.__private_attributes__
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    return (frozenset(fields), dict.fromkeys(fields)) if eligible else None


def construct(cls: Any, values: dict[str, Any]) -> Any:
    """`cls.model_construct(**values)` for `values` naming every field, without its per-field alias and default
    lookups (the pipeline builds events and pairings by the thousand). Same instance: fields in declaration order,
    all of them set, no extra, no private attributes."""
    if cls not in _PLAIN:
        _PLAIN[cls] = _plain_fields(cls)
    plain = _PLAIN[cls]
    if plain is None or values.keys() != plain[0]:
        return cls.model_construct(**values)
    fields_values = plain[1].copy()
    fields_values.update(values)  # keeps the declaration order
    model = cls.__new__(cls)
    _SET(model, "__dict__", fields_values)
    _SET(model, "__pydantic_fields_set__", set(plain[0]))
    _SET(model, "__pydantic_extra__", None)
    _SET(model, "__pydantic_private__", None)
    return model


EVENT_DEFAULTS = {
    name: info.get_default(call_default_factory=True)
    for name, info in Event.model_fields.items()
    if not info.is_required()
}


def decode_collect(req: CapturedRequest, body: dict[str, Any]) -> Event:
    ticket = {key[len(TICKET_PREFIX) :]: value for key, value in body.items() if key.startswith(TICKET_PREFIX)}
    is_svc = body.get("ec") == "svc" or "svc_action" in body
    return make_event(
        index=0,
        action=body.get("svc_action") if is_svc else None,
        transport="collect",
        event_type=body.get("ea") if is_svc else f"{body.get('t', '?')}",
        client_id=body.get("cid") or _query_client_id(req.url),
        search_hub=body.get("searchHub"),
        data=_object(body.get("svc_action_data")),
        ticket=ticket,
    )


def _lift_content_id(body: dict[str, Any]) -> dict[str, Any]:
    """The document lists contentIDKey/Value as payload fields, its example nests them in customData: accept both."""
    custom = body.get("customData")
    if not isinstance(custom, dict):
        return body
    lifted = {k: custom[k] for k in ("contentIDKey", "contentIDValue") if k in custom and k not in body}
    return {**body, **lifted}


def decode_click(req: CapturedRequest, body: dict[str, Any], endpoint: str) -> Event:
    action = body.get("actionCause") if endpoint in ("click", "search") else body.get("eventValue")
    body = _lift_content_id(body)
    return make_event(
        index=0,
        action=action,
        transport=endpoint,
        event_type=endpoint,
        client_id=body.get("clientId") or _query_client_id(req.url),
        search_hub=body.get("originLevel1"),
        data=body,
    )


def _query_body(url: str) -> dict[str, Any]:
    """An <img> pixel or GET request carries the event in its query string."""
    return {k: v[0] for k, v in parse_qs(split_url(url).query, keep_blank_values=True).items()}


def decode_ua(req: CapturedRequest, endpoint: str) -> list[Event]:
    if req.method == "GET" and not req.body:
        body: Any = _query_body(req.url)
        if not body:
            raise DecodeError("a GET request without query parameters carries no event")
    else:
        body = parse_body(full_body(req), endpoint)
    if body == []:
        raise DecodeError("an empty batch: the request carries no event")
    items = body if isinstance(body, list) else [body]  # /searches batches several events
    events = []
    for item in items:
        if not isinstance(item, dict):
            raise DecodeError(f"expected a JSON object, got {type(item).__name__}")
        events.append(decode_collect(req, item) if endpoint == "collect" else decode_click(req, item, endpoint))
    return events
