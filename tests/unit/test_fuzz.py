"""Property tests (hypothesis): bad input, hostile payloads and garbage never crash a stage of the pipeline.

The tool runs unattended against pages it does not control, so every stage that sees page data must turn
garbage into findings, never into exceptions:

- decode: any request body, for any endpoint kind → events (an undecodable body → a `decode_error` event);
- check: any events, Customer Service API traffic and JS calls → a verdict with findings;
- matchers: any YAML value → a compiled matcher or `MatcherError`; comparing never raises;
- redaction: never raises, and no declared secret survives;
- scenario loader: any YAML text → scenarios, or `ScenarioError` / `ConfigError` with located problems;
- reports: any result → results.json, junit.xml and index.html.

Inputs that once broke a stage are pinned as `@example`s (or parametrized cases) next to the property that
found them, so they are tried on every run, whatever hypothesis draws.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from checker.check import check_scenario
from checker.check.matchers import MISSING, OPERATORS, Captures, MatcherError, compare, compile_value
from checker.check.protocol import ACTIONS
from checker.decode import decode_all, decode_request
from checker.decode.redact import MASK, Redactor
from checker.errors import ConfigError, ScenarioError
from checker.models import (
    CapturedRequest,
    Event,
    JsCall,
    RunResult,
    ScenarioResult,
    Status,
    StepResult,
    StepStatus,
    Violation,
)
from checker.scenario import load_scenarios
from checker.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[2]

# FUZZ_EXAMPLES=5000 runs a deeper search (e.g. nightly); the default keeps each test around a few seconds.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FEW = settings(
    FUZZ, max_examples=max(25, EXAMPLES // 10), phases=[Phase.explicit, Phase.generate]
)  # rendering is slow: no shrinking

# --- building blocks -----------------------------------------------------------------------------------------

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "\x01\x02\x7f",
    "\t\r\n",
    "\u202e\u200f",
    "\ufeff",
    "\ufffe",
    "%",
    "%%",
    "%G1",
    "%E2%82",
    "%00",
    "<script>window.__pwned=1</script>",
    '"><svg onload=alert(1)>',
    "{{7*7}}",
    "${7*7}",
    "javascript:alert(1)",
    "null",
    "[]",
    "{}",
    "NaN",
    "-0",
    "1e999",
    "𝕏🙂",
    "a" * 5000,
    "é" * 300,
]
HUGE = st.sampled_from(["x" * 200_000, "ü" * 70_000, "\u202e" * 10_000])
KNOWN_KEYS = [
    "svc_action",
    "svc_action_data",
    "svc_ticket_subject",
    "svc_ticket_id",
    "svc_ticket_custom",
    "ec",
    "ea",
    "t",
    "cid",
    "searchHub",
    "actionCause",
    "eventValue",
    "clientId",
    "originLevel1",
    "customData",
    "contentIDKey",
    "contentIDValue",
    "documentPosition",
    "documentTitle",
    "documentUrl",
    "meta",
    "type",
    "source",
    "ticket",
    "fieldName",
    "fieldValue",
    "itemMetadata",
    "liked",
    "reason",
    "position",
    "responseId",
    "classificationId",
    "autoselected",
    "rate",
    "suggestion",
    "suggestionId",
    "classification",
    "confidence",
    "value",
    "fields",
    "predictions",
    "documents",
    "uniqueId",
    "permanentid",
    "clickUri",
    "title",
    "id",
    "subject",
    "custom",
]
ACTION_NAMES = sorted(ACTIONS) + [
    "suggestion_click",
    "documentSuggestionQuickview",
    "",
    "unknown_action",
    "ticket_create ",
]
EP_TYPES = [
    "CaseAssist.Start",
    "CaseAssist.UpdateField",
    "CaseAssist.SelectFieldClassification",
    "CaseAssist.DocumentSuggestionClick",
    "CaseAssist.DocumentSuggestionFeedback",
    "CaseAssist.CreateTicket",
    "CaseAssist.Cancel",
    "Other.Thing",
]

text = st.text(max_size=30) | st.sampled_from(NASTY_STRINGS)
clean_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)  # no surrogates, no controls
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | text
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=8)
json_values = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=5), max_leaves=25
)
# Cheaper to draw (the check stage draws hundreds of values per example): pre-made nasty leaves, small trees.
LEAVES = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    0.5,
    1.5,
    2**70,
    float("nan"),
    float("inf"),
    "",
    "r1",
    "p1",
    "c1",
    "hub",
    "subject",
    "ticket_create",
    "false",
    "[]",
    *NASTY_STRINGS[:20],
]
small_json = st.recursive(
    st.sampled_from(LEAVES),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(KNOWN_KEYS[:30]), kids, max_size=3),
    max_leaves=6,
)
# "Well typed": the keys the decoders read carry strings (or null), the rest anything. What a sane page sends.
typed_scalars = st.none() | clean_text | st.sampled_from(ACTION_NAMES)
typed_objects = st.recursive(
    st.dictionaries(
        st.sampled_from(
            ["ec", "ea", "t", "cid", "svc_action", "searchHub", "actionCause", "eventValue", "clientId", "originLevel1"]
        ),
        typed_scalars,
        max_size=5,
    ),
    lambda kids: st.dictionaries(
        st.sampled_from(["svc_action_data", "svc_ticket_subject", "customData", "x"]), kids | json_values, max_size=3
    ),
    max_leaves=5,
)


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def ep_items(item_values, types=json_values):
    meta = st.fixed_dictionaries(
        {}, optional={"type": st.sampled_from(EP_TYPES) | types, "clientId": typed_scalars, "source": json_values}
    )
    if types is json_values:
        meta = meta | json_values
    item = st.builds(lambda m, payload: {**payload, "meta": m}, meta, st.dictionaries(keys, item_values, max_size=5))
    return st.lists(item | json_values, max_size=4)


@st.composite
def broken_percent(draw, payload: str) -> str:
    """A form body value: percent-encoded, then maybe truncated or with a bad escape pasted in."""
    encoded = draw(st.sampled_from([quote(payload, safe=""), quote_plus(payload), payload]))
    how = draw(st.sampled_from(["keep", "truncate", "bad-escape", "double"]))
    if how == "truncate" and encoded:
        encoded = encoded[: draw(st.integers(0, len(encoded)))]
    elif how == "bad-escape":
        cut = draw(st.integers(0, len(encoded)))
        encoded = (
            encoded[:cut]
            + draw(st.sampled_from(["%", "%G", "%E2%82", "%ZZ", "%%", "%u202e", "&", "="]))
            + encoded[cut:]
        )
    elif how == "double":
        encoded = quote(encoded, safe="")
    return encoded


def form_bodies(values):
    return st.builds(
        lambda key, value, extra: f"{extra}{key}={value}",
        st.sampled_from(["clickEvent", "customEvent", "searchEvent", "viewEvent", "other", ""]),
        values.map(_json_dumps).flatmap(lambda s: broken_percent(s)),
        st.sampled_from(["", "a=1&", "&&", "clickEvent=&"]),
    )


ENDPOINT_URLS = [
    "https://demoorg.analytics.org.coveo.com/rest/v15/analytics/collect",
    "https://analytics.cloud.coveo.com/rest/ua/v15/analytics/click",
    "https://demoorg.analytics.org.coveo.com/rest/v15/analytics/custom",
    "https://demoorg.analytics.org.coveo.com/rest/v15/analytics/search",
    "https://demoorg.analytics.org.coveo.com/rest/v15/analytics/searches",
    "https://demoorg.org.coveo.com/rest/organizations/o/events/v1",
    "https://proxy.example.com/coveo-analytics/whatever",
    "http://127.0.0.1:1/unknown",
    "not a url at all",
    "",
]
urls = st.builds(
    lambda base, query: base + query,
    st.sampled_from(ENDPOINT_URLS),
    st.sampled_from(["", "?visitorId=v1", "?visitor=%ZZ&clientId=", "?access_token=xx-t"])
    | st.text(max_size=20).map(lambda q: "?" + q),
)


def requests_with(bodies):
    return st.builds(
        lambda url, method, body, step: CapturedRequest(
            id=0, kind="analytics", method=method, url=url, resource_type="fetch", body=body, step=step
        ),
        urls,
        st.sampled_from(["POST", "POST", "GET"]),
        st.none() | bodies,
        st.none() | st.integers(0, 5),
    )


def _assert_sane(events, request: CapturedRequest) -> None:
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, Event)
        for name in ("action", "event_type", "client_id", "search_hub", "library"):
            assert getattr(event, name) is None or isinstance(getattr(event, name), str), (name, getattr(event, name))
        assert isinstance(event.data, dict) and isinstance(event.ticket, dict)
        assert event.decode_error is None or (isinstance(event.decode_error, str) and event.decode_error)
        assert event.request_id == request.id and event.step == request.step and event.url == request.url
        json.dumps(event.model_dump(mode="json"), allow_nan=True)  # serialisable as the JSON report will need it


def _readable(body: str | None, method: str) -> bool:
    """Could any decoder read this body at all? (JSON, or a form whose known key holds JSON.)"""
    if method == "GET" and not body:
        return True  # an <img> pixel: the event is in the query string
    if not body:
        return False
    try:
        json.loads(body.strip())
        return True
    except ValueError:
        pass
    from urllib.parse import parse_qs

    for values in parse_qs(body.strip(), keep_blank_values=True).values():
        for value in values:
            try:
                json.loads(value)
                return True
            except ValueError:
                pass
    return False


# --- 1. decode ------------------------------------------------------------------------------------------------

GARBAGE_BODIES = (
    text
    | HUGE
    | st.binary(max_size=60).map(lambda b: b.decode("utf-8", "replace"))
    | json_values.map(_json_dumps).map(lambda s: s[: len(s) // 2])
)  # JSON cut in the middle


@FUZZ
@given(requests_with(GARBAGE_BODIES | form_bodies(typed_objects)))
def test_decode_never_raises_on_garbage_and_broken_forms(request):
    """Text, binary, truncated JSON, forms with broken or truncated percent-encoding: never an exception, and a body
    no decoder can read yields decode_error events (one per request), never a silent nothing."""
    events = decode_request(request)
    _assert_sane(events, request)
    if not _readable(request.body, request.method):
        assert len(events) == 1 and events[0].decode_error and events[0].action is None


@FUZZ
@given(
    requests_with(
        typed_objects.map(_json_dumps)
        | ep_items(typed_scalars, typed_scalars).map(_json_dumps)
        | st.lists(typed_objects, max_size=3).map(_json_dumps)
    )
)
def test_decode_never_raises_on_well_typed_json(request):
    """JSON objects, batches and Event Protocol arrays whose known keys hold strings: every event is either a
    Case Assist action, a decode_error, or a readable non-Case-Assist event (a pageview, an EP event of another type)."""
    events = decode_request(request)
    _assert_sane(events, request)
    body = json.loads(request.body) if request.body and request.method == "POST" else None
    if isinstance(body, dict) and isinstance(body.get("svc_action"), str) and request.url.endswith("collect"):
        assert events[0].action == body["svc_action"]


WRONG_TYPES = [  # what a page can put on the wire where the decoders expect strings
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/collect", '{"svc_action": 1}'),
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/collect", '{"ec": "svc", "cid": 5}'),
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/collect", '{"ec": "svc", "ea": ["click"], "searchHub": {}}'),
    (
        "https://o.analytics.org.coveo.com/rest/v15/analytics/collect",
        '{"ec": "svc", "svc_action_data": "[1]", "svc_ticket_x": []}',
    ),
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/click", '{"actionCause": {"a": 1}, "clientId": false}'),
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/click", "clickEvent=%7B%22originLevel1%22%3A7%7D"),
    ("https://o.analytics.org.coveo.com/rest/v15/analytics/custom", '{"eventValue": 1e999, "customData": []}'),
    (
        "https://o.org.coveo.com/rest/organizations/o/events/v1",
        '[{"meta": {"type": "CaseAssist.Cancel", "clientId": 3, "source": 5}}]',
    ),
    (
        "https://o.org.coveo.com/rest/organizations/o/events/v1",
        '[{"meta": {"type": "CaseAssist.UpdateField"}, "fieldName": {"a": 1}}]',
    ),
]
EP_UNHASHABLE_TYPE = (
    "https://o.org.coveo.com/rest/organizations/o/events/v1",
    '[{"meta": {"type": ["CaseAssist.Start"]}}]',
)


@pytest.mark.parametrize("url, body", WRONG_TYPES)
def test_each_decoder_turns_wrong_types_into_text(url, body):
    """A non-string where a string belongs is kept as text (JSON), never an exception, never a non-string field."""
    request = CapturedRequest(id=3, kind="analytics", method="POST", url=url, resource_type="ping", body=body)
    events = decode_request(request)
    _assert_sane(events, request)
    assert events and all(e.decode_error or e.action is None or isinstance(e.action, str) for e in events)


def test_ep_decoder_survives_a_non_string_type():
    request = CapturedRequest(
        id=0,
        kind="analytics",
        method="POST",
        url=EP_UNHASHABLE_TYPE[0],
        resource_type="fetch",
        body=EP_UNHASHABLE_TYPE[1],
    )
    _assert_sane(decode_request(request), request)


@FUZZ
@example(
    request=CapturedRequest(
        id=0,
        kind="analytics",
        method="POST",
        url=EP_UNHASHABLE_TYPE[0],
        resource_type="fetch",
        body=EP_UNHASHABLE_TYPE[1],
    )
)
@given(requests_with(json_values.map(_json_dumps) | ep_items(json_values).map(_json_dumps) | form_bodies(json_values)))
def test_decode_never_raises_on_arbitrary_json(request):
    events = decode_request(request)
    _assert_sane(events, request)


def test_decode_all_keeps_every_request_when_one_is_garbage():
    """One undecodable request among good ones: the good ones keep their events, the bad one a decode_error."""
    good = '{"ec": "svc", "ea": "flowStart", "svc_action": "ticket_create_start", "cid": "c1"}'
    requests = [
        CapturedRequest(
            id=i,
            kind="analytics",
            method="POST",
            resource_type="fetch",
            body=body,
            time_ms=i,
            url="https://o.analytics.org.coveo.com/rest/v15/analytics/collect",
        )
        for i, body in enumerate([good, "{not json", "clickEvent=%7B%22a", good])
    ]
    events = decode_all(requests)
    assert [e.action for e in events] == ["ticket_create_start", None, None, "ticket_create_start"]
    assert [bool(e.decode_error) for e in events] == [False, True, True, False]
    assert [e.index for e in events] == [0, 1, 2, 3]


short_text = st.sampled_from(["", "x", "subject", "é‮", "<b>", "c3"]) | st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), max_size=6
)

# --- 2. the check stage -----------------------------------------------------------------------------------------

SCENARIOS = [
    Scenario.model_validate(
        {
            "name": "fuzz: expectations everywhere",
            "search_hub": "hub",
            "steps": [
                {
                    "goto": "/x",
                    "expect": [
                        {"action": "ticket_create_start", "event_type": "flowStart", "client_id": {"capture": "cid"}}
                    ],
                },
                {
                    "fill": {"selector": "#s", "value": "v"},
                    "expect": {
                        "order": "exact",
                        "events": [
                            {
                                "action": "ticket_field_update",
                                "data": {"fieldName": "subject"},
                                "ticket": {"subject": {"regex": "^G"}},
                                "count": {"min": 1, "max": 2},
                            }
                        ],
                    },
                    "expect_none": [{"action": "ticket_cancel"}],
                },
                {
                    "click": "#c",
                    "expect": {
                        "order": "any_order",
                        "events": [
                            {
                                "action": "suggestion_rate",
                                "data": {
                                    "rate": {"range": [0, 1]},
                                    "suggestion": {"documentPosition": {"type": "integer"}},
                                },
                            },
                            {
                                "action": "ticket_create",
                                "client_id": {"same_as": "cid"},
                                "protocol": "ep",
                                "search_hub": {"one_of": ["hub", None]},
                            },
                        ],
                    },
                },
                {"wait_for_event": [{"action": "ticket_create", "ticket": {"id": {"any": True}}}]},
            ],
            "expect": {
                "order": "in_order",
                "events": [{"action": "ticket_create_start"}, {"action": "ticket_create", "count": 1}],
            },
            "expect_none": [{"action": "ticket_next_stage", "data": {"x": {"absent": True}}}],
        }
    ),
    Scenario.model_validate(
        {
            "name": "fuzz: exact flow",
            "steps": [{"goto": "/x"}, {"click": "#a"}],
            "expect": {
                "order": "exact",
                "events": [{"action": a} for a in ("ticket_create_start", "ticket_field_update", "ticket_create")],
            },
        }
    ),
]

SERVICE_URLS = [
    "https://o.org.coveo.com/rest/organizations/o/caseassists/x/classify",
    "https://o.org.coveo.com/rest/organizations/o/caseassists/x/documents/suggest",
]
RESPONSE_IDS = st.sampled_from(["r1", "r2"]) | typed_scalars
predictions = st.lists(
    st.fixed_dictionaries(
        {}, optional={"id": st.sampled_from(["p1", "p2"]) | small_json, "value": small_json, "confidence": small_json}
    )
    | small_json,
    max_size=3,
)
classify_answers = st.fixed_dictionaries(
    {"responseId": RESPONSE_IDS},
    optional={
        "fields": st.dictionaries(
            st.sampled_from(["subject", "category", "x"]),
            st.fixed_dictionaries({"predictions": predictions}) | small_json,
            max_size=3,
        )
        | small_json
    },
)
documents = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "uniqueId": small_json,
            "title": small_json,
            "clickUri": small_json,
            "fields": st.fixed_dictionaries({}, optional={"permanentid": small_json, "source": small_json})
            | small_json,
        },
    )
    | small_json,
    max_size=3,
)
suggest_answers = st.fixed_dictionaries({"responseId": RESPONSE_IDS}, optional={"documents": documents | small_json})
response_bodies = st.none() | text | (classify_answers | suggest_answers | small_json).map(_json_dumps)

service_requests = st.builds(
    lambda url, body, response, status: CapturedRequest(
        id=0,
        kind="service_api",
        method="POST",
        url=url,
        resource_type="fetch",
        body=body,
        response_body=response,
        status=status,
    ),
    st.sampled_from(SERVICE_URLS),
    st.none()
    | text
    | small_json.map(_json_dumps)
    | st.fixed_dictionaries({"fields": st.dictionaries(text, small_json, max_size=3) | small_json}).map(_json_dumps),
    response_bodies,
    st.none() | st.sampled_from([200, 500, 0]),
)

analytics_requests = st.builds(
    lambda url, body, failure: CapturedRequest(
        id=0, kind="analytics", method="POST", url=url, resource_type="ping", body=body, failure=failure
    ),
    st.sampled_from(ENDPOINT_URLS) | st.sampled_from(["https://evil.example.com/rest/v15/analytics/collect"]),
    st.none() | text,
    st.none() | text,
)

# payload values that look like the document's fields, with wrong types as often as right ones
payload_values = st.dictionaries(
    st.sampled_from(KNOWN_KEYS[:40]),
    small_json | st.sampled_from(["r1", "r2", "p1", "p2", 0.5, 1, 2, True, "false"]),
    max_size=8,
)


EVENT_FIELDS = dict(
    action=st.none() | st.sampled_from(ACTION_NAMES) | short_text,
    protocol=st.sampled_from(["ua", "ep"]),
    transport=st.sampled_from(["collect", "click", "custom", "event_protocol", "search", "?"]),
    event_type=st.none() | st.sampled_from(["flowStart", "click", "custom"]) | short_text,
    client_id=st.none() | st.sampled_from(["c1", "c2", ""]) | short_text,
    search_hub=st.none() | st.sampled_from(["hub", "other"]) | short_text,
    data=payload_values,
    ticket=st.dictionaries(
        st.sampled_from(["id", "subject", "description", "category", "custom", "x"]) | short_text,
        small_json,
        max_size=4,
    ),
    step=st.none() | st.integers(0, 9),  # folded into the scenario's steps below
    time_ms=st.floats(0, 10_000),
    url=st.sampled_from(ENDPOINT_URLS),
    request_id=st.integers(0, 9),  # idem, into the requests
    library=st.none() | st.sampled_from(["@coveo/headless@4.0.0", "@coveo/headless@x"]),
    decode_error=st.none() | st.none() | short_text.filter(bool),
)
event_lists = st.lists(st.builds(Event, index=st.just(0), **EVENT_FIELDS), max_size=8)


COVEOUA_ARGS = st.one_of(
    st.tuples(st.just("svc:setAction"), st.sampled_from(ACTION_NAMES) | small_json, payload_values | small_json).map(
        list
    ),
    st.tuples(
        st.just("svc:setTicket"),
        st.dictionaries(st.sampled_from(["id", "subject", "productId", "custom"]) | text, small_json, max_size=3)
        | small_json,
    ).map(list),
    st.tuples(
        st.just("send"),
        st.just("event"),
        st.just("svc") | small_json,
        st.sampled_from(["flowStart", "click"]) | small_json,
        st.fixed_dictionaries({}, optional={"searchHub": small_json}) | small_json,
    ).map(list),
    st.tuples(st.just("send"), st.just("click"), payload_values | small_json).map(list),
    st.tuples(st.just("init"), small_json, small_json).map(list),
    st.lists(small_json, max_size=5),
)
HEADLESS_TYPES = [
    "analytics/caseAssist/case/start",
    "analytics/caseAssist/case/field/update",
    "analytics/caseAssist/documentSuggestion/click",
    "analytics/caseAssist/case/create",
    "other/action",
]
JS_ARGS = {
    "coveoua": COVEOUA_ARGS,
    "headless": st.tuples(st.sampled_from(HEADLESS_TYPES) | small_json, small_json).map(list)
    | st.lists(small_json, max_size=3),
    "headless-engine": st.tuples(small_json, st.sampled_from(["legacy", "next"]) | small_json).map(list),
    "library": st.lists(small_json, max_size=2),
    "page": st.lists(small_json, max_size=2),
    "fetch": st.tuples(st.sampled_from(ENDPOINT_URLS) | small_json, small_json).map(list),
    "sendBeacon": st.tuples(st.sampled_from(ENDPOINT_URLS) | small_json, small_json).map(list),
    "xhr": st.tuples(st.sampled_from(ENDPOINT_URLS) | small_json, small_json).map(list),
    "image": st.tuples(st.sampled_from(ENDPOINT_URLS) | small_json, st.none()).map(list),
}


JS_CALLS = st.one_of(
    *(
        st.builds(
            JsCall,
            id=st.just(0),
            fn=st.just(fn),
            args=args,
            step=st.none() | st.integers(0, 9),
            time_ms=st.floats(0, 10_000),
            frame_url=st.none() | st.sampled_from(["http://p/a", "http://p/a#x", "http://p/b"]),
            queued=st.none() | st.booleans(),
            url=st.none() | st.sampled_from(ENDPOINT_URLS),
            returned=st.none() | st.booleans() | small_json,
            info=st.fixed_dictionaries(
                {}, optional={"dnt": st.sampled_from(["1", "yes", None, "0"]) | small_json, "gpc": small_json}
            ),
        )
        for fn, args in sorted(JS_ARGS.items())
    )
)
js_call_lists = st.lists(JS_CALLS, max_size=10)
REQUESTS = st.lists(
    st.tuples(service_requests | analytics_requests, st.none() | st.integers(0, 9), st.floats(0, 10_000)), max_size=4
)


@st.composite
def scenario_results(draw, scenario: Scenario):
    """A ScenarioResult as the driver would hand it to the check stage: ids are positions, steps are in range."""
    n = len(scenario.steps)
    fold = lambda step: None if step is None else step % n  # noqa: E731
    requests = [
        r.model_copy(update={"id": i, "step": fold(step), "time_ms": t})
        for i, (r, step, t) in enumerate(draw(REQUESTS))
    ]
    events = [
        e.model_copy(update={"index": i, "step": fold(e.step), "request_id": e.request_id % max(1, len(requests))})
        for i, e in enumerate(draw(event_lists))
    ]
    calls = [c.model_copy(update={"id": i, "step": fold(c.step)}) for i, c in enumerate(draw(js_call_lists))]
    statuses = draw(st.lists(st.sampled_from(list(StepStatus)), min_size=n, max_size=n))
    return ScenarioResult(
        name=scenario.name,
        file="fuzz.yaml",
        requests=requests,
        events=events,
        js_calls=calls,
        steps=[StepResult(index=i, kind="x", description="", status=status) for i, status in enumerate(statuses)],
        error=draw(st.none() | short_text),
        expected_search_hub=draw(st.none() | st.sampled_from(["hub", "other"])),
        page_fields=draw(st.lists(st.sampled_from(["subject", "description", "category"]) | short_text, max_size=4)),
        stored_client_id=draw(st.none() | st.sampled_from(["c1", "c2"])),
    )


def _assert_checked(result: ScenarioResult) -> None:
    assert result.status in set(Status)
    for violation in result.violations:
        assert isinstance(violation, Violation) and violation.rule and isinstance(violation.message, str)
    json.dumps(result.model_dump(mode="json"), allow_nan=True)


INTENT_CRASHES = {  # JS calls a page can forge (the binding is on window) that once aborted the whole run
    "headless action type an object": JsCall(id=0, fn="headless", args=[{"type": "analytics/caseAssist/case/start"}]),
    "click actionCause a list": JsCall(id=0, fn="coveoua", args=["send", "click", {"actionCause": []}]),
}


def _steps_of(scenario: Scenario) -> list[StepResult]:
    return [StepResult(index=i, kind="x", description="") for i in range(len(scenario.steps))]


@FUZZ
@example(scenario=SCENARIOS[1], data="headless action type an object")
@example(scenario=SCENARIOS[1], data="click actionCause a list")
@given(st.sampled_from(SCENARIOS), st.data())
def test_check_stage_never_raises(scenario, data):
    if isinstance(data, str):  # a pinned example
        result = ScenarioResult(
            name=scenario.name, file="f.yaml", js_calls=[INTENT_CRASHES[data]], steps=_steps_of(scenario)
        )
    else:
        result = data.draw(scenario_results(scenario))
    _assert_checked(check_scenario(result, scenario))
    # and the verdict follows the findings
    if result.error is None and not any(s.status == StepStatus.error for s in result.steps):
        errors = [v for v in result.violations if v.severity.value == "error"]
        assert (result.status == Status.failed) == bool(errors)


@pytest.mark.parametrize("name", INTENT_CRASHES)
def test_check_stage_survives_each_pinned_js_call(name):
    scenario = SCENARIOS[1]
    result = ScenarioResult(
        name=scenario.name, file="f.yaml", js_calls=[INTENT_CRASHES[name]], steps=_steps_of(scenario)
    )
    _assert_checked(check_scenario(result, scenario))


def test_check_stage_on_real_decoded_garbage():
    """Decoded garbage (decode_error events) and a service API answer of the wrong shape are findings."""
    scenario = SCENARIOS[1]
    requests = [
        CapturedRequest(
            id=0,
            kind="service_api",
            method="POST",
            url=SERVICE_URLS[0],
            resource_type="fetch",
            body="{",
            response_body='{"responseId": "r1", "fields": {"subject": {"predictions": "nope"}}}',
        ),
        CapturedRequest(
            id=1,
            kind="analytics",
            method="POST",
            resource_type="fetch",
            body="clickEvent=%ZZ",
            url="https://o.analytics.org.coveo.com/rest/v15/analytics/click",
        ),
    ]
    result = ScenarioResult(
        name=scenario.name,
        file="f.yaml",
        requests=requests,
        events=decode_all(requests),
        steps=[StepResult(index=i, kind="x", description="") for i in range(2)],
    )
    check_scenario(result, scenario)
    assert result.status == Status.failed
    assert "transport.decodable" in {v.rule for v in result.violations}


@pytest.mark.parametrize("response_id", [[], {"r": 1}], ids=["a list", "an object"])
def test_a_response_id_that_is_not_a_string_is_a_finding(response_id):
    """Found by the fuzzer above: an unhashable responseId aborted the causal rules (dict lookup)."""
    scenario = SCENARIOS[1]
    answers = [
        (SERVICE_URLS[0], {"responseId": "r1", "fields": {"category": {"predictions": [{"id": "p1", "value": "A"}]}}}),
        (SERVICE_URLS[1], {"responseId": "r2", "documents": [{"fields": {"permanentid": "d1"}, "title": "t"}]}),
    ]
    requests = [
        CapturedRequest(
            id=i, kind="service_api", method="POST", url=url, resource_type="fetch", response_body=json.dumps(answer)
        )
        for i, (url, answer) in enumerate(answers)
    ]
    events = [
        Event(
            index=0,
            action="ticket_classification_click",
            transport="collect",
            data={"responseId": response_id, "classificationId": "p1"},
        ),
        Event(
            index=1,
            action="suggestion_rate",
            transport="collect",
            data={"responseId": response_id, "suggestionId": "d1", "rate": 1},
        ),
        Event(
            index=2,
            action="documentSuggestionClick",
            transport="click",
            data={"searchQueryUid": response_id, "contentIDValue": "d1", "documentPosition": 1},
        ),
    ]
    result = ScenarioResult(
        name=scenario.name,
        file="f.yaml",
        requests=requests,
        events=events,
        steps=[StepResult(index=i, kind="x", description="") for i in range(2)],
    )
    check_scenario(result, scenario)
    _assert_checked(result)
    assert {"causal.classification", "causal.suggestion", "causal.document-click"} <= {
        v.rule for v in result.violations
    }


# --- 2b. the reports of arbitrary results -----------------------------------------------------------------------


def _write_all(result: ScenarioResult) -> Path:
    from checker.report import write_reports

    run = RunResult(tool_version="0", started_at="2024-01-01T00:00:00+00:00", scenarios=[result])
    with tempfile.TemporaryDirectory() as folder:
        html = write_reports(run, Path(folder))
        written = sorted(p.name for p in Path(folder).iterdir())
        assert {"index.html", "results.json", "junit.xml"} <= set(written)
        import xml.dom.minidom

        xml.dom.minidom.parse(str(Path(folder) / "junit.xml"))  # well-formed XML for the CI that reads it
        json.loads((Path(folder) / "results.json").read_text(encoding="utf-8"))
        return html


@FEW
@given(st.sampled_from(SCENARIOS), st.data())
def test_reports_are_written_for_arbitrary_printable_results(scenario, data):
    """Whatever the page sent (printable text, wrong types, NaN, huge numbers), the three reports are written."""
    result = data.draw(scenario_results(scenario))
    check_scenario(result, scenario)
    result = ScenarioResult.model_validate_json(_printable(result.model_dump_json()))
    _write_all(result)


def _printable(dumped: str) -> str:
    """A JSON text of the result with its control characters and lone surrogates escaped away."""
    value = json.loads(dumped)

    def clean(v):
        if isinstance(v, str):
            return "".join(c if (c.isprintable() or c in "\n\t") and not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in v)
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, dict):
            return {clean(k): clean(x) for k, x in v.items()}
        return v

    return json.dumps(clean(value))


@FEW
@example(payload="\ud800")
@example(payload="step failed: \x1b[31mred\x01")
@given(st.text(min_size=1, max_size=20))
def test_reports_are_written_whatever_characters_the_page_sent(payload):
    result = ScenarioResult(
        name=f"scenario {payload}",
        file="f.yaml",
        status=Status.error,
        error=f"page said {payload}",
        events=[
            Event(index=0, action="ticket_create", transport="collect", ticket={"subject": payload}, search_hub=payload)
        ],
        violations=[Violation(rule="flow.search-hub", severity="error", message=f"hub {payload}")],
    )
    _write_all(result)


# --- 3. matchers ------------------------------------------------------------------------------------------------

yaml_scalars = st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats() | text
yaml_keys = text | st.integers(-5, 5) | st.none() | st.booleans()
yaml_values = st.recursive(
    yaml_scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(yaml_keys, kids, max_size=4), max_leaves=20
)
operator_specs = st.builds(
    lambda op, arg: {op: arg},
    st.sampled_from(sorted(OPERATORS)),
    yaml_values | st.sampled_from([True, "string", "integer", "cid", "^5", [0, 1], [None, 1], ["a"], "(", "a{2,1}"]),
)
matcher_specs = st.recursive(
    operator_specs | yaml_values,
    lambda kids: st.dictionaries(st.sampled_from(["fieldName", "rate", "id"]) | text, kids, max_size=3),
    max_leaves=8,
)
observed_values = st.just(MISSING) | json_values | st.sampled_from(["aaaa", 5, 0.5, "cid-1", True, None])


def _compile(spec):
    try:
        return compile_value(spec)
    except MatcherError as exc:
        assert isinstance(exc.message, str) and exc.message and isinstance(exc.path, tuple)
        return None


def _compare_all(compiled, observed) -> None:
    captures = Captures(values={"cid": "cid-1"})
    for diff in compare(compiled, observed, "field", captures):
        assert isinstance(diff.ok, bool) and isinstance(diff.path, str)
        json.dumps(diff.model_dump(mode="json"), default=str, allow_nan=True)


@FUZZ
@example(spec={"type": [1]})
@example(spec={"regex": "a{99999999999}"})
@example(spec={"regex": "(" * 1000 + ")" * 1000})
@given(matcher_specs)
def test_compile_value_raises_only_matcher_error(spec):
    _compile(spec)


@FUZZ
@given(matcher_specs, observed_values)
def test_compiled_matchers_compare_against_anything(spec, observed):
    """Specs that compile compare with any observed value (absent, nested, NaN, huge ints) without raising."""
    compiled = _compile(spec)
    if compiled is not None:
        _compare_all(compiled, observed)


# --- 4. redaction ------------------------------------------------------------------------------------------------

secret_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="[]")
secrets = st.lists(
    st.text(secret_chars, min_size=4, max_size=16).filter(lambda s: s not in MASK and s.strip()), min_size=1, max_size=3
)
url_safe_secret = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"), min_size=4, max_size=16
)


def _no_secret_in(output: str, values: list[str]) -> None:
    for secret in values:
        assert secret not in output, (secret, output)


@FUZZ
@given(
    secrets,
    st.lists(text | st.sampled_from(["Bearer ", "access_token=", "apiKey: '", '"accessToken":"']), max_size=6),
    st.data(),
)
def test_redactor_text_and_headers_never_leak_a_declared_secret(values, pieces, data):
    """A declared secret (len ≥ 4) embedded anywhere in text or header values never survives redaction."""
    redactor = Redactor(values)
    parts = []
    for piece in pieces:
        parts += [piece, data.draw(st.sampled_from(values))]
    blob = "".join(parts) or values[0]
    _no_secret_in(redactor.text(blob), values)
    headers = {
        data.draw(st.sampled_from(["Authorization", "X-Note", "Cookie", "x"])) + str(i): value
        for i, value in enumerate([blob, values[0], f"Bearer {values[-1]}"])
    }
    out = redactor.headers(headers)
    assert set(out) == set(headers)
    for value in out.values():
        _no_secret_in(value, values)


@FUZZ
@given(st.lists(url_safe_secret, min_size=1, max_size=3), st.data())
def test_redactor_url_masks_declared_secrets_made_of_url_safe_characters(values, data):
    """Secrets that need no percent-encoding, anywhere in a URL (userinfo, path, query names and values, fragment)."""
    redactor = Redactor(values)
    pick = lambda: data.draw(st.sampled_from(values))  # noqa: E731
    url = (
        f"https://{pick()}:{pick()}@{data.draw(st.sampled_from(['h.example', 'o.analytics.org.coveo.com']))}"
        f"/a/{pick()}/b?x={pick()}&{pick()}=1&token={pick()}#{pick()}"
    )
    _no_secret_in(redactor.url(url), values)


@FUZZ
@given(
    st.text(max_size=60)
    | st.sampled_from(["http://[::1", "http://u:p@h:99999/x", "http://u:p@h:abc/", "//x", "::", "http://%zz"])
)
def test_redactor_url_and_text_never_raise(raw):
    """Any URL text, including the ones a page builds by hand and a browser would reject, is redacted without error."""
    redactor = Redactor(["s3cret-value"])
    assert isinstance(redactor.text(raw), str)
    assert isinstance(redactor.url(raw), str)


@pytest.mark.parametrize("raw", ["http://[::1", "http://u:p@h:99999/x", "http://u:p@h:abc/x"])
def test_redactor_url_never_raises(raw):
    assert isinstance(Redactor(["abcd"]).url(raw), str)


@FUZZ
@example(secret="p@ss word!", where="query")
@example(secret="p@ss word!", where="path")
@given(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[]"), min_size=4, max_size=12
    ).filter(lambda s: quote(s, safe="") != s and s not in MASK and s.strip()),
    st.sampled_from(["query", "path"]),
)
def test_redactor_url_masks_percent_encoded_secrets(secret, where):
    from urllib.parse import unquote, unquote_plus

    encoded = quote(secret, safe="")
    url = f"https://h.example/x?hint={encoded}&q=1" if where == "query" else f"https://h.example/{encoded}/x?q=1"
    out = Redactor([secret]).url(url)
    assert secret not in unquote(out) and secret not in unquote_plus(out), out


def test_js_layer_redacts_the_url_field_of_transport_calls():
    from checker.capture.js_layer import JsCapture

    capture = JsCapture(Redactor(), started_at=0.0, step_at=lambda t: None)
    capture._on_record(None, {"fn": "fetch", "args": json.dumps([SECRET_URL, "{}"]), "url": SECRET_URL, "time": 1000})
    call = capture.calls[0]
    assert not [v for v in ("xx-tok-1", "sess-2", "au-3") if v in call.url]
    assert "xx-tok-1" not in json.dumps(call.args)  # TOKEN_IN_TEXT knows access_token=


SECRET_URL = (
    "https://o.analytics.org.coveo.com/rest/v15/analytics/collect?access_token=xx-tok-1&session=sess-2&auth=au-3"
)


def test_js_layer_redacts_secret_query_params_in_call_arguments():
    from checker.capture.js_layer import JsCapture

    capture = JsCapture(Redactor(), started_at=0.0, step_at=lambda t: None)
    capture._on_record(None, {"fn": "fetch", "args": json.dumps([SECRET_URL, "{}"]), "url": SECRET_URL, "time": 1000})
    assert [v for v in ("sess-2", "au-3") if v in json.dumps(capture.calls[0].args)] == []


# --- 5. the scenario loader ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def _load(folder: Path, content: str | bytes) -> None:
    """Load one scenario file; only ScenarioError / ConfigError may come out, with located problems."""
    path = folder / "scenario.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        scenarios = load_scenarios([path])
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert isinstance(problem.file, str) and problem.file
            assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
            assert isinstance(problem.message, str) and problem.message
            problem.render()
        return
    except ConfigError as exc:
        assert exc.message
        return
    assert all(isinstance(s, Scenario) and s.name and s.steps for s in scenarios)


STEP_WORDS = [
    "goto",
    "click",
    "fill",
    "select",
    "check",
    "press",
    "hover",
    "wait_for",
    "wait_for_event",
    "wait",
    "screenshot",
    "evaluate",
    "include",
    "name",
    "timeout",
    "frame",
    "expect",
    "expect_none",
    "selector",
    "value",
    "key",
    "state",
    "action",
    "data",
    "ticket",
    "client_id",
    "count",
    "order",
    "events",
    "min",
    "max",
    "regex",
    "capture",
    "same_as",
    "one_of",
    "range",
    "type",
    "any",
    "absent",
    "label",
    "checked",
    "blur",
    "protocol",
    "search_hub",
    "event_type",
]
TOP_WORDS = ["name", "steps", "expect", "expect_none", "vars", "secrets", "defaults", "search_hub", "description"]
SAFE_INCLUDE = st.sampled_from(["_x.yaml", "missing.yaml", "../../etc/passwd", "/", "", "${X}"])
scenario_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 10**6)
    | st.floats(allow_nan=True)
    | st.sampled_from(
        [
            "/x",
            "#id",
            "role=button[name='x']",
            "text=x",
            ">>",
            "role=",
            "${X}",
            "${A",
            "ticket_create",
            "^5",
            "cid",
            "(",
            "*",
            "in_order",
            "exact",
            "visible",
        ]
    )
    | clean_text
)
scenario_trees = st.recursive(
    scenario_scalars,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(STEP_WORDS) | clean_text, kids, max_size=4)
    ),
    max_leaves=20,
)
scenario_docs = st.fixed_dictionaries({}, optional={w: scenario_trees for w in TOP_WORDS}) | scenario_trees
yaml_texts = scenario_docs.map(lambda d: json.dumps(_harmless_includes(d), ensure_ascii=False, default=str))


def _yaml_dump(value) -> str:
    import io

    from ruamel.yaml import YAML

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(value, out)
    return out.getvalue()


def _harmless_includes(tree):
    """Include paths become a missing file, so a drawn path never makes the loader read the machine's files."""
    if isinstance(tree, dict):
        return {k: "missing.yaml" if k == "include" else _harmless_includes(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_harmless_includes(v) for v in tree]
    return tree


YAML_SNIPPETS = [
    "a: " + "[" * 400 + "]" * 400,
    "name: x\nsteps:\n" + "".join("  " * i + "- \n" for i in range(300)),
    "name: x\nsteps: [{goto: /}]\nname: y",
    "? [a]\n: 1",
    "a: &a [*a]",
    "name: !!binary aGVsbG8=\nsteps: [{goto: /}]",
    "name: !!python/object:os.system x",
    "\t- x",
    "%YAML 9.9\n---\na: 1",
    "--- |\n  x\n--- y",
    "name: x\nsteps: [{wait: .inf}]",
    "name: x\nsteps: [{goto: /, timeout: .inf}]",
    "name: 1e9999\nsteps: [{goto: 2020-01-01}]",
]


@FUZZ
@given(
    st.one_of(
        yaml_texts,
        scenario_docs.map(_harmless_includes).map(_yaml_dump),
        st.binary(max_size=200),
        st.text(max_size=200),
        st.sampled_from(YAML_SNIPPETS),
    )
)
def test_loader_raises_only_scenario_or_config_errors(scratch, content):
    _load(scratch, content)


LOADER_CRASHES = {  # each once escaped the loader as a raw exception (exit 3 instead of 2 with file:line)
    "merge key": "<<: {name: merged}\nsteps: [{goto: /}]\n",
    "NUL in an include path": 'name: x\nsteps: [{include: "a\\0b.yaml"}]\n',
    "unhashable type matcher": "name: x\nsteps: [{goto: /, expect: [{action: a, data: {n: {type: [1]}}}]}]\n",
    "regex too large": "name: x\nsteps: [{goto: /, expect: [{action: a, client_id: {regex: 'a{99999999999}'}}]}]\n",
}


@pytest.mark.parametrize("content", LOADER_CRASHES.values(), ids=LOADER_CRASHES.keys())
def test_loader_reports_inputs_that_once_crashed_it(scratch, content):
    _load(scratch, content)


def test_loader_bounds_alias_expansion(tmp_path):
    lines = (
        ["a0: &a0 [x,x,x,x,x,x,x,x,x,x]"]
        + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
        + ["name: x", "steps: [{goto: /}]"]
    )
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "plain.yaml").write_text("name: x\nsteps: [{goto: /}]\n")

    def load(name: str, timeout: float) -> subprocess.CompletedProcess:
        code = textwrap.dedent(f"""
            from checker.scenario import load_scenarios
            from checker.errors import ScenarioError
            try:
                load_scenarios([{str(tmp_path / name)!r}])
            except ScenarioError:
                pass
        """)
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=timeout, capture_output=True)

    started = time.monotonic()  # what starting Python and importing the checker take on this machine, now
    assert load("plain.yaml", 60).returncode == 0
    startup = time.monotonic() - started
    try:
        done = load("bomb.yaml", startup + 4)
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading a 7-level alias bomb took over 4 s (beyond the {startup:.1f} s a plain file takes)")
    assert done.returncode == 0, done.stderr.decode()[-500:]


def test_loader_survives_every_pinned_snippet(scratch):
    for snippet in YAML_SNIPPETS:
        _load(scratch, snippet)
    _load(scratch, b"\xff\xfe\x00n\x00a\x00m\x00e")  # UTF-16 with a BOM
    _load(scratch, "name: x\nsteps: [{goto: /}]\n".encode("utf-16"))
    _load(scratch, "\ud800: x")  # a lone surrogate written as-is (surrogatepass)
