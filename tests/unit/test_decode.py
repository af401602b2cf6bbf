"""Decoders: UA collect, click beacons (form and JSON), Event Protocol, and bodies that are not what they claim."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from checker.decode import decode_all, decode_request
from checker.decode.intents import intents_from_calls, rejected_headless_calls
from checker.models import CapturedRequest, JsCall

COLLECT = "https://org.analytics.org.coveo.com/rest/v15/analytics/collect"
CLICK = "https://org.analytics.org.coveo.com/rest/ua/v15/analytics/click?access_token=x&visitorId=cid-q"


def req(url, body, **kw):
    return CapturedRequest(
        id=kw.pop("id", 0), kind="analytics", method="POST", url=url, resource_type="fetch", body=body, **kw
    )


def test_collect_svc_event():
    body = {
        "svc_action": "ticket_classification_click",
        "svc_action_data": {"fieldName": "category"},
        "svc_ticket_subject": "GC110",
        "svc_ticket_custom": {"age": 18},
        "ec": "svc",
        "ea": "click",
        "searchHub": "hub",
        "cid": "cid-1",
    }
    (event,) = decode_request(req(COLLECT, json.dumps(body), step=3, time_ms=12.5))
    assert (event.action, event.event_type, event.client_id, event.search_hub) == (
        "ticket_classification_click",
        "click",
        "cid-1",
        "hub",
    )
    assert event.data == {"fieldName": "category"} and event.ticket == {"subject": "GC110", "custom": {"age": 18}}
    assert (event.step, event.time_ms, event.protocol, event.transport) == (3, 12.5, "ua", "collect")


def test_collect_action_data_as_json_string():
    body = {
        "svc_action": "ticket_cancel",
        "svc_action_data": json.dumps({"reason": "Quit"}),
        "ec": "svc",
        "ea": "click",
    }
    (event,) = decode_request(req(COLLECT, json.dumps(body)))
    assert event.data == {"reason": "Quit"}


def test_non_svc_collect_hit_has_no_action():
    (event,) = decode_request(req(COLLECT, json.dumps({"t": "pageview", "cid": "c"})))
    assert event.action is None and event.event_type == "pageview"


def test_click_beacon_form_body_lifts_content_id():
    click = {
        "actionCause": "documentSuggestionClick",
        "documentPosition": 2,
        "originLevel1": "hub",
        "customData": {"contentIDKey": "permanentid", "contentIDValue": "abc"},
    }
    (event,) = decode_request(req(CLICK, "clickEvent=" + quote(json.dumps(click))))
    assert event.action == "documentSuggestionClick" and event.transport == "click"
    assert event.client_id == "cid-q" and event.search_hub == "hub"
    assert event.data["contentIDKey"] == "permanentid" and event.data["customData"]["contentIDValue"] == "abc"


def test_click_fetch_fallback_json_body():
    body = {"actionCause": "documentSuggestionQuickview", "clientId": "cid-2"}
    (event,) = decode_request(req(CLICK.split("?")[0] + "?visitor=cid-9", json.dumps(body)))
    assert event.action == "documentSuggestionQuickview" and event.client_id == "cid-2"


def test_event_protocol_array_maps_to_document_actions():
    url = "https://org.analytics.org.coveo.com/rest/organizations/org/events/v1?access_token=x"
    body = [
        {"meta": {"type": "CaseAssist.Start", "clientId": "c"}},
        {"fieldName": "subject", "fieldValue": "GC110", "meta": {"type": "CaseAssist.UpdateField", "clientId": "c"}},
        {
            "autoselected": False,
            "classificationId": "k",
            "responseId": "r",
            "meta": {"type": "CaseAssist.SelectFieldClassification", "clientId": "c"},
        },
        {"reason": "solved", "meta": {"type": "CaseAssist.Cancel", "clientId": "c"}},
        {"ticket": {"id": "500x", "subject": "s"}, "meta": {"type": "CaseAssist.CreateTicket", "clientId": "c"}},
    ]
    events = decode_request(req(url, json.dumps(body)))
    assert [e.action for e in events] == [
        "ticket_create_start",
        "ticket_field_update",
        "ticket_classification_click",
        "ticket_cancel",
        "ticket_create",
    ]
    assert all(e.protocol == "ep" and e.client_id == "c" for e in events)
    assert events[1].data["fieldName"] == "subject" and events[1].ticket == {"subject": "GC110"}
    assert events[2].data["autoSelection"] is False and events[3].data["reason"] == "Solved"
    assert events[4].ticket["id"] == "500x"


def test_undecodable_bodies_become_decode_errors():
    for body in ("svc_action=ticket_cancel", "{not json", "", "clickEvent=%7Bbroken"):
        (event,) = decode_request(req(COLLECT if "click" not in body else CLICK, body))
        assert event.decode_error and event.action is None, body


def test_decode_all_orders_by_time_and_numbers_events():
    a = req(COLLECT, json.dumps({"svc_action": "ticket_next_stage", "ec": "svc", "ea": "click"}), id=0, time_ms=50)
    b = req(
        COLLECT, json.dumps({"svc_action": "ticket_create_start", "ec": "svc", "ea": "flowStart"}), id=1, time_ms=10
    )
    api = CapturedRequest(id=2, kind="service_api", method="POST", url="https://x/classify", resource_type="fetch")
    events = decode_all([a, b, api])
    assert [(e.index, e.action, e.request_id) for e in events] == [
        (0, "ticket_create_start", 1),
        (1, "ticket_next_stage", 0),
    ]


def test_a_megabyte_value_is_kept_short_with_what_was_cut_said():
    body = json.dumps(
        {
            "svc_action": "ticket_field_update",
            "svc_action_data": {"fieldName": "description"},
            "svc_ticket_description": "B" * 1_000_000,
            "cid": "c-1",
            "ea": "click",
        }
    )
    (event,) = decode_all([req("https://analytics.cloud.coveo.com/rest/ua/v15/analytics/collect", body)])
    kept = event.ticket["description"]
    assert kept.startswith("B" * 65_536) and kept.endswith("934,464 more characters cut by case-assist-check]")
    assert event.data == {"fieldName": "description"} and event.client_id == "c-1"


def test_an_intent_is_on_its_way_until_its_wire_event_is_seen():
    """What the page asked for in a step and has not sent yet: the step need not wait for the network."""
    from checker.decode.intents import unsent_intents
    from checker.models import JsCall

    def svc(call_id, action, step, time_ms):
        return [
            JsCall(id=call_id, fn="coveoua", args=["svc:setAction", action], step=step, time_ms=time_ms),
            JsCall(
                id=call_id + 1, fn="coveoua", args=["send", "event", "svc", "click", {}], step=step, time_ms=time_ms
            ),
        ]

    calls = [
        *svc(0, "ticket_field_update", 1, 100.0),
        *svc(2, "ticket_next_stage", 1, 110.0),
        *svc(4, "ticket_create", 2, 200.0),
        JsCall(id=6, fn="headless", args=["analytics/caseAssist/documentSuggestion/click"], step=1, time_ms=120.0),
    ]
    sent = req(COLLECT, json.dumps({"svc_action": "ticket_field_update", "ec": "svc", "ea": "click"}), time_ms=105.0)
    events = decode_all([sent], calls)
    assert events[0].step == 1  # attributed by the call
    on_the_way = unsent_intents(calls, events, 1)
    assert [i.action for i in on_the_way] == ["ticket_next_stage", "documentSuggestionClick"]
    assert on_the_way[1].wanted == (
        "documentSuggestionClick",
        "documentSuggestionQuickview",
    )  # a Headless click may be either
    assert [i.action for i in unsent_intents(calls, events, 2)] == ["ticket_create"]
    assert unsent_intents(calls, events, 3) == []


def test_a_rejected_headless_action_asked_for_no_event():
    """The hook records a Headless analytics action when it starts and `headless-rejected` when its thunk throws:
    that action sent nothing, so it is no intent (and never "called but not sent")."""
    click = "analytics/caseAssist/classification/click"
    calls = [
        JsCall(id=0, fn="headless-engine", args=["4.0.0", "legacy"], frame_url="p"),
        JsCall(id=1, fn="headless", args=[click, "c1"], frame_url="p"),
        JsCall(id=2, fn="headless", args=[click, "Electrical"], frame_url="p"),
        JsCall(id=3, fn="headless-rejected", args=[click], frame_url="p", info={"error": "not found"}),
    ]
    assert rejected_headless_calls(calls) == {2}
    assert [i.call_ids for i in intents_from_calls(calls)] == [[1]]


@pytest.mark.parametrize(
    ("version", "mode", "actions"),
    [
        ("2.80.7", "legacy", ("suggestion_click",)),  # its coveo.analytics predates the click event (2.30.45)
        ("3.20.0", "legacy", ("documentSuggestionClick", "documentSuggestionQuickview")),
        ("2.80.7", "next", ("documentSuggestionClick", "documentSuggestionQuickview")),
    ],
)
def test_a_headless_document_click_asks_for_what_its_version_sends(version, mode, actions):
    calls = [
        JsCall(id=0, fn="headless-engine", args=[version, mode], frame_url="p"),
        JsCall(id=1, fn="headless", args=["analytics/caseAssist/documentSuggestion/click", "doc"], frame_url="p"),
    ]
    (intent,) = intents_from_calls(calls)
    assert intent.actions == actions


def test_headless_2_pre_release_event_protocol_types_decode_to_the_same_actions():
    body = [
        {
            "autoselected": False,
            "fieldClassification": {"id": "c1", "responseId": "r1"},
            "meta": {
                "type": "caseAssist.selectFieldClassification",
                "clientId": "cid",
                "source": ["@coveo/headless@2.80.7"],
            },
        }
    ]
    (event,) = decode_request(
        req("https://org.analytics.org.coveo.com/rest/organizations/org/events/v1", json.dumps(body))
    )
    assert (event.action, event.protocol, event.data["ep_type"]) == (
        "ticket_classification_click",
        "ep",
        "caseAssist.selectFieldClassification",
    )
    assert (event.data["classificationId"], event.data["responseId"], event.data["autoSelection"]) == (
        "c1",
        "r1",
        False,
    )
