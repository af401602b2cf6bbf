"""Each rule on hand-built events: one flow that breaks it, one that does not. No browser needed."""

from __future__ import annotations

from checker.check.rules import RuleConfig, RuleContext, all_rules, evaluate
from checker.models import CapturedRequest, Event, ScenarioResult, Severity
from tests.helpers import CID, HUB, ev

CLICK_FIELDS = {
    "actionCause": "documentSuggestionClick",
    "clientId": CID,
    "contentIDKey": "permanentid",
    "contentIDValue": "p1",
    "documentPosition": 1,
    "documentTitle": "T",
    "documentUrl": "https://d/1",
    "language": "en",
    "originContext": "CaseAssist",
    "originLevel1": HUB,
    "searchQueryUid": "r1",
    "sourceName": "S",
    "userAgent": "UA",
}


def good_flow():
    return [
        ev(0, "ticket_create_start", "flowStart"),
        ev(1, "ticket_field_update", data={"fieldName": "subject"}, ticket={"subject": "s"}),
        ev(
            2,
            "ticket_classification_click",
            data={
                "classificationId": "c",
                "responseId": "r",
                "fieldName": "category",
                "classification": {"value": "E", "confidence": 0.8},
                "autoSelection": False,
            },
        ),
        ev(
            3,
            "suggestion_rate",
            data={
                "rate": 1,
                "suggestionId": "p1",
                "responseId": "r1",
                "suggestion": {"documentUrl": "u", "documentTitle": "t", "documentPosition": 1},
            },
        ),
        ev(4, "documentSuggestionClick", "click", data=dict(CLICK_FIELDS), transport="click"),
        ev(5, "ticket_next_stage"),
        ev(6, "ticket_create", ticket={"id": "500x"}),
    ]


def findings(events, requests=(), config=None):
    result = ScenarioResult(name="t", file="t.yaml", events=events, requests=list(requests))
    return evaluate(RuleContext(result, config or RuleConfig()))


def rules_of(events, **kw):
    return {v.rule for v in findings(events, **kw)}


def test_good_flow_has_no_findings():
    assert findings(good_flow()) == []


def test_required_action_field_missing_or_empty():
    events = good_flow()
    events[1].data = {}
    events[2].data["responseId"] = " "
    found = [v for v in findings(events) if v.rule == "payload.required-action-fields"]
    assert [(v.event_index, v.field, v.severity) for v in found] == [
        (1, "fieldName", Severity.error),
        (2, "responseId", Severity.error),
    ]
    assert "is missing" in found[0].message and "is empty" in found[1].message


def test_nested_required_fields():
    events = good_flow()
    del events[2].data["classification"]["confidence"]
    found = [v for v in findings(events) if v.rule == "payload.required-action-fields"]
    assert [v.field for v in found] == ["classification.confidence"]


def test_click_event_fields_and_disputed_origin_context():
    events = good_flow()
    del events[4].data["searchQueryUid"]
    del events[4].data["originContext"]
    found = {v.field: v.severity for v in findings(events) if v.rule == "payload.required-action-fields"}
    assert found == {"searchQueryUid": Severity.error, "originContext": Severity.warning}


def test_ticket_create_needs_an_id():
    events = good_flow()
    events[6].ticket = {"subject": "s"}
    (v,) = [v for v in findings(events) if v.rule == "payload.required-ticket-fields"]
    assert v.action == "ticket_create" and v.field == "ticket.id"


def test_event_type_flowstart_and_click():
    events = good_flow()
    events[0].event_type = "click"
    events[5].event_type = "flowStart"
    found = [v for v in findings(events) if v.rule == "event.type"]
    assert [v.event_index for v in found] == [0, 5]


def test_single_client_id():
    events = good_flow()
    for e in events[5:]:
        e.client_id = "22222222-2222-4222-8222-222222222222"
    (v,) = [v for v in findings(events) if v.rule == "flow.single-client-id"]
    assert v.event_index == 5 and "22222222" in v.message


def test_deprecated_and_unknown_actions_are_warnings():
    events = good_flow() + [
        ev(
            7,
            "suggestion_click",
            data={
                "suggestionId": "p",
                "responseId": "r",
                "suggestion": {"documentUrl": "u", "documentTitle": "t", "documentPosition": 1},
            },
        ),
        ev(8, "ticket_quickview_close"),
    ]
    found = {v.rule: v for v in findings(events)}
    assert (
        found["action.deprecated"].severity == Severity.warning
        and "documentSuggestionClick" in found["action.deprecated"].hint
    )
    assert found["action.unknown"].event_index == 8


def test_decode_errors_and_delivery():
    events = good_flow() + [Event(index=7, action=None, transport="collect", decode_error="body is not valid JSON")]
    requests = [
        CapturedRequest(
            id=0,
            kind="analytics",
            method="POST",
            url="https://h/rest/v15/analytics/collect",
            resource_type="fetch",
            status=401,
        ),
        CapturedRequest(
            id=1,
            kind="analytics",
            method="POST",
            url="https://h/rest/v15/analytics/collect",
            resource_type="fetch",
            status=200,
            answered_locally=True,
        ),
    ]
    found = [v.rule for v in findings(events, requests)]
    assert found.count("transport.decodable") == 1 and found.count("transport.delivered") == 1


def test_a_beacon_whose_page_went_away_is_delivered_by_the_browser():
    def aborted(resource_type: str) -> CapturedRequest:
        url = "https://h/rest/v15/analytics/click"
        return CapturedRequest(
            id=0, kind="analytics", method="POST", url=url, resource_type=resource_type, failure="net::ERR_ABORTED"
        )

    assert "transport.delivered" not in [v.rule for v in findings(good_flow(), [aborted("ping")])]
    refused = aborted("ping").model_copy(update={"failure": "net::ERR_FAILED"})
    assert "transport.delivered" in [v.rule for v in findings(good_flow(), [refused])]


def test_configuration_disables_and_reweights():
    events = good_flow()
    events[6].ticket = {}
    config = RuleConfig(severities={"payload.required-ticket-fields": Severity.warning})
    (v,) = findings(events, config=config)
    assert v.severity == Severity.warning
    assert findings(events, config=RuleConfig(disabled={"payload.required-ticket-fields"})) == []


def test_every_rule_has_id_title_and_source():
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules) >= 9
    assert all(r.title and r.section and "." in r.id for r in rules)
