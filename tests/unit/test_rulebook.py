"""The newer rules on hand-built results, no browser: for each, a flow that breaks it and a near miss that keeps it.

The base is one complete, conformant flow together with what the Customer Service API answered the page (two
rounds of classify + documents/suggest: the events use the second), so the causal rules have something to check.
tests/integration/test_rulebook.py does the same in real Chromium with Coveo's real coveoua.js.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from checker.check.deviations import DEVIATIONS
from checker.check.rules import RuleConfig, RuleContext, all_rules, evaluate
from checker.decode.intents import HEADLESS_ACTIONS
from checker.models import (
    CapturedRequest,
    FieldDiff,
    JsCall,
    Pairing,
    ScenarioResult,
    Severity,
    Violation,
)
from tests.helpers import CID, HUB, ev

OTHER_CID = "22222222-2222-4222-8222-222222222222"
API = "https://testorg.org.coveo.com/rest/organizations/testorg/caseassists/ca-1"
COLLECT = "https://testorg.analytics.org.coveo.com/rest/v15/analytics/collect"


def document(n: int) -> dict:
    url = f"https://docs.example.com/{n}"
    return {
        "uniqueId": f"42.{n}${url}",
        "title": f"Article {n}",
        "clickUri": url,
        "fields": {"permanentid": f"perm-{n}", "source": "Knowledge", "uri": url, "urihash": f"hash{n}"},
    }


A, B, C = document(1), document(2), document(3)
# round 1 (subject only), then round 2 (subject + description): the page shows, and logs, round 2
CLASSIFY_1 = {
    "responseId": "classify-1",
    "fields": {"category": {"predictions": [{"id": "pred-1-electrical", "value": "Electrical", "confidence": 0.6}]}},
}
CLASSIFY_2 = {
    "responseId": "classify-2",
    "fields": {
        "category": {
            "predictions": [
                {"id": "pred-2-electrical", "value": "Electrical", "confidence": 0.81},
                {"id": "pred-2-mechanical", "value": "Mechanical", "confidence": 0.12},
            ]
        }
    },
}
SUGGEST_1 = {"responseId": "suggest-1", "totalCount": 2, "documents": [B, A]}
SUGGEST_2 = {"responseId": "suggest-2", "totalCount": 3, "documents": [A, B, C]}


def api_request(index: int, endpoint: str, fields: dict, answer: dict) -> CapturedRequest:
    return CapturedRequest(
        id=index,
        kind="service_api",
        method="POST",
        url=f"{API}/{endpoint}",
        resource_type="fetch",
        body=json.dumps({"fields": {k: {"value": v} for k, v in fields.items()}}),
        status=200,
        response_body=json.dumps(answer),
        time_ms=100.0 * index,
    )


def click_data(action: str, doc: dict, position: int, query_uid: str = "suggest-2") -> dict:
    return {
        "actionCause": action,
        "clientId": CID,
        "contentIDKey": "permanentid",
        "contentIDValue": doc["fields"]["permanentid"],
        "documentPosition": position,
        "documentTitle": doc["title"],
        "documentUrl": doc["clickUri"],
        "language": "en",
        "originContext": "CaseAssist",
        "originLevel1": HUB,
        "searchQueryUid": query_uid,
        "sourceName": "Knowledge",
        "userAgent": "Mozilla/5.0",
        "customData": {"contentIDKey": "permanentid", "contentIDValue": doc["fields"]["permanentid"]},
    }


def base() -> ScenarioResult:
    """A complete flow that keeps every rule."""
    subject, description = "GC110 panel", "cutting off"
    events = [
        ev(0, "ticket_create_start", "flowStart", ticket={"custom": {"channel": "web"}}),
        ev(1, "ticket_field_update", data={"fieldName": "subject"}, ticket={"subject": subject}),
        ev(
            2,
            "ticket_field_update",
            data={"fieldName": "description"},
            ticket={"subject": subject, "description": description},
        ),
        ev(
            3,
            "ticket_classification_click",
            data={
                "classificationId": "pred-2-electrical",
                "responseId": "classify-2",
                "fieldName": "category",
                "classification": {"value": "Electrical", "confidence": 0.81},
                "autoSelection": False,
            },
            ticket={"subject": subject, "category": "Electrical"},
        ),
        ev(
            4,
            "suggestion_rate",
            data={
                "rate": 1,
                "suggestionId": "perm-1",
                "responseId": "suggest-2",
                "suggestion": {"documentUrl": A["clickUri"], "documentTitle": A["title"], "documentPosition": 1},
            },
        ),
        ev(5, "documentSuggestionClick", data=click_data("documentSuggestionClick", B, 2), transport="click"),
        ev(6, "documentSuggestionQuickview", data=click_data("documentSuggestionQuickview", A, 1), transport="click"),
        ev(7, "ticket_field_update", data={"fieldName": "serialNumber"}, ticket={"custom": {"serialNumber": "GC-1"}}),
        ev(8, "ticket_next_stage", ticket={"category": "Electrical"}),
        ev(9, "ticket_create", ticket={"id": "5003000000D8cuI", "category": "Electrical"}),
    ]
    requests = [
        api_request(0, "classify", {"subject": subject}, CLASSIFY_1),
        api_request(1, "documents/suggest", {"subject": subject}, SUGGEST_1),
        api_request(2, "classify", {"subject": subject, "description": description}, CLASSIFY_2),
        api_request(3, "documents/suggest", {"subject": subject, "description": description}, SUGGEST_2),
    ]
    return ScenarioResult(
        name="t",
        file="t.yaml",
        events=events,
        requests=requests,
        stored_client_id=CID,
        page_fields=["subject", "description", "category", "serialNumber"],
    )


def findings(result: ScenarioResult, config: RuleConfig | None = None) -> list[Violation]:
    return evaluate(RuleContext(result, config or RuleConfig()))


def test_the_base_flow_keeps_every_rule():
    assert findings(base()) == []


# --- one case per rule: (what breaks it, a near miss that keeps it) ----------------------------------------------
@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    breaks: Callable[[ScenarioResult], None]
    keeps: Callable[[ScenarioResult], None]
    event: int | None  # the event the finding points at
    field: str | None = None
    severity: Severity = Severity.error


def data(result: ScenarioResult, index: int) -> dict:
    return result.events[index].data


def add_event(result: ScenarioResult, action: str | None, **kw) -> None:
    result.events.append(ev(len(result.events), action, **kw))


def add_analytics_request(result: ScenarioResult, url: str) -> None:
    result.requests.append(
        CapturedRequest(
            id=len(result.requests),
            kind="analytics",
            method="POST",
            url=url,
            resource_type="fetch",
            status=200,
            answered_locally=True,
        )
    )


def pairing(outcome: str, **kw) -> Callable[[ScenarioResult], None]:
    return lambda r: r.reconciliation.append(Pairing(outcome=outcome, **kw))


def headless_engine(mode: str) -> Callable[[ScenarioResult], None]:
    return lambda r: r.js_calls.append(JsCall(id=len(r.js_calls), fn="headless-engine", args=["4.0.0", mode]))


def unsent_headless_action(name: str, **info) -> Callable[[ScenarioResult], None]:
    """A Headless analytics action the page ran that sent nothing, as reconciliation pairs it."""

    def apply(result: ScenarioResult) -> None:
        js("headless", name, None, step=7, **info)(result)
        action = HEADLESS_ACTIONS[name][0]
        pairing = Pairing(outcome="called_not_sent", call_ids=[result.js_calls[-1].id], action=action, step=7)
        result.reconciliation.append(pairing)

    return apply


def swallowed_start(passed_on: bool) -> list[Callable[[ScenarioResult], None]]:
    """The start's three coveoua calls dropped by the page's own window.coveoua (step 0); `passed_on`: it passed
    them on from a timer, so the library got them afterwards (and sent the start, kept in the base flow)."""
    calls = [("svc:setAction", "ticket_create_start"), ("svc:setTicket", {"subject": "x"}), ("send", "event")]
    dropped = [js("coveoua-swallowed", *args, step=0) for args in calls]
    return dropped + ([js("coveoua", *args, step=0) for args in calls] if passed_on else [])


def stray_queue(name: str | None) -> Callable[[ScenarioResult], None]:
    """What the page-state read found: a snippet stub under `name` whose calls were never replayed (None: none)."""

    def apply(result: ScenarioResult) -> None:
        if name is not None:
            queue = {"name": name, "count": 12, "commands": ["init", "svc:setAction", "svc:setTicket", "send"]}
            result.page_info["stray_queues"] = [queue]

    return apply


def set_(index: int, path: str, value) -> Callable[[ScenarioResult], None]:
    """A mutation: set a dotted path of an event ('data.suggestion.documentPosition', 'ticket.id', 'search_hub')."""

    def apply(result: ScenarioResult) -> None:
        event = result.events[index]
        head, *rest = path.split(".")
        if not rest:
            setattr(event, head, value)
            return
        node = getattr(event, head)
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = value

    return apply


def NOTHING(r: ScenarioResult) -> None:
    return None


def both(*mutations: Callable[[ScenarioResult], None]) -> Callable[[ScenarioResult], None]:
    def apply(result: ScenarioResult) -> None:
        for mutation in mutations:
            mutation(result)

    return apply


def drop_event(position: int) -> Callable[[ScenarioResult], None]:
    return lambda r: r.events.__delitem__(position)


def end_with_cancel(reason: str) -> Callable[[ScenarioResult], None]:
    """The flow is cancelled instead of created."""
    return both(drop_event(-1), lambda r: add_event(r, "ticket_cancel", data={"reason": reason}))


# --- the JS layer: calls as the hook records them -------------------------------------------------------------------
PAGE = "https://support.example.com/case"


def js(fn: str, *args, step: int | None = 1, frame: str = PAGE, **info) -> Callable[[ScenarioResult], None]:
    """A JS-layer record appended to the result (time: 1000 + 100 × step ms, like `ev`)."""

    def apply(result: ScenarioResult) -> None:
        result.js_calls.append(
            JsCall(
                id=len(result.js_calls),
                fn=fn,
                args=list(args),
                step=step,
                time_ms=1000.0 + 100 * (step if step is not None else 20) - 50,
                frame_url=frame,
                info=info,
            )
        )

    return apply


def svc_log(action: str, step: int, frame: str = PAGE) -> list[Callable[[ScenarioResult], None]]:
    return [
        js("coveoua", "svc:setAction", action, {}, step=step, frame=frame),
        js("coveoua", "send", "event", "svc", "click", step=step, frame=frame),
    ]


def start_again(result: ScenarioResult) -> None:
    """The Next button logs ticket_create_start again (a second interface on the page)."""
    set_(8, "action", "ticket_create_start")(result)
    set_(8, "event_type", "flowStart")(result)


def field_updates(count: int) -> Callable[[ScenarioResult], None]:
    """`count` more updates of the subject during step 1, right after the first one: typing it key by key."""

    def apply(result: ScenarioResult) -> None:
        more = [
            ev(
                0,
                "ticket_field_update",
                data={"fieldName": "subject"},
                ticket={"subject": "GC110"[: n + 1]},
                step=1,
                time_ms=1101.0 + n,
            )
            for n in range(count)
        ]
        result.events[2:2] = more
        for index, event in enumerate(result.events):
            event.index = index

    return apply


def client_id_sent(client_id: str) -> Callable[[ScenarioResult], None]:
    def apply(result: ScenarioResult) -> None:
        body = json.loads(result.requests[0].body or "{}")
        result.requests[0].body = json.dumps({"clientId": client_id, **body})

    return apply


def aborted(keepalive: bool | None) -> Callable[[ScenarioResult], None]:
    """ticket_create's request (event 9) aborted by the page's navigation; the JS layer saw its fetch."""

    def apply(result: ScenarioResult) -> None:
        result.requests.append(
            CapturedRequest(
                id=len(result.requests),
                kind="analytics",
                method="POST",
                url=COLLECT,
                resource_type="fetch",
                time_ms=1900.0,
                failure="net::ERR_ABORTED",
            )
        )
        result.events[9].request_id = result.requests[-1].id
        info = {} if keepalive is None else {"keepalive": keepalive}
        result.js_calls.append(
            JsCall(id=len(result.js_calls), fn="fetch", args=[COLLECT, None], url=COLLECT, time_ms=1899.0, info=info)
        )

    return apply


CASES = [
    Case(  # a keepalive fetch outlives the page: Playwright's abort is only the old document's end of it
        "cancelled-by-navigation",
        "transport.cancelled-by-navigation",
        aborted(False),
        aborted(True),
        9,
    ),
    # the JS layer: what the page did between its events
    Case(
        "set-action-overwritten",
        "action.overwritten",
        both(js("coveoua", "svc:setAction", "ticket_next_stage", {}, step=8), *svc_log("ticket_create", 9)),
        both(*svc_log("ticket_next_stage", 8), *svc_log("ticket_create", 9)),
        None,
    ),
    Case(  # each frame has its own coveo.analytics: an action set in one is not overwritten by another's
        "set-action-other-frame",
        "action.overwritten",
        both(
            js("coveoua", "svc:setAction", "ticket_next_stage", {}, step=8),
            js("coveoua", "svc:setAction", "x", step=8),
            *svc_log("ticket_create", 9),
        ),
        both(
            js("coveoua", "svc:setAction", "ticket_next_stage", {}, step=8),
            *svc_log("ticket_create", 9, frame=PAGE + "/frame"),
        ),
        None,
    ),
    Case(
        "misspelt-command",
        "page.call-failed",
        both(
            js("coveoua", "svc:setActoin", "ticket_next_stage", step=8),
            js(
                "coveoua-error",
                "svc:setActoin",
                "ticket_next_stage",
                step=8,
                error='Error: The function "setActoin" does not exist on the plugin "svc".',
            ),
        ),
        js("coveoua", "svc:setAction", "ticket_next_stage", step=8),
        None,
    ),
    Case(
        "headless-rejected",
        "page.call-failed",
        js("headless-rejected", "analytics/caseAssist/classification/click", step=3, error="TypeError: x is undefined"),
        js("headless", "analytics/caseAssist/classification/click", None, step=3),
        None,
    ),
    Case(
        "uncaught-error",
        "page.uncaught-error",
        js("page-error", "TypeError: Cannot read properties of undefined (reading 'id')", step=8, source="app.js:12"),
        js("page-error", "TypeError: Cannot read properties of undefined (reading 'id')", step=None),
        None,
        severity=Severity.warning,
    ),
    Case(
        "started-twice",
        "flow.started-twice",
        start_again,
        both(start_again, js("page", step=8, top=True)),  # the Next button opened the page again: a new visit
        8,
    ),
    Case(
        "field-update-per-keystroke",
        "flow.field-update-noise",
        field_updates(2),  # 3 updates of the subject in one step
        field_updates(1),
        1,
        "fieldName",
        Severity.warning,
    ),
    Case(
        "client-id-sources",
        "flow.client-id-sources",
        client_id_sent(OTHER_CID),
        client_id_sent(CID),
        None,
        "clientId",
    ),
    # causal: IDs from the Customer Service API answers
    Case(
        "classification-id",
        "causal.classification",
        set_(3, "data.classificationId", "cat-electrical"),
        set_(3, "data.classificationId", "pred-2-electrical"),
        3,
        "classificationId",
    ),
    Case(
        "classification-stale-response",
        "causal.classification",
        set_(3, "data.responseId", "classify-1"),
        both(
            set_(3, "data.responseId", "classify-1"),
            set_(3, "data.classificationId", "pred-1-electrical"),
            set_(3, "data.classification.confidence", 0.6),
        ),
        3,
        "responseId",
    ),
    Case(
        "classification-confidence",
        "causal.classification",
        set_(3, "data.classification.confidence", 0.8),
        both(
            set_(3, "data.classification", {"value": "Mechanical", "confidence": 0.12}),
            set_(3, "data.classificationId", "pred-2-mechanical"),
        ),
        3,
        "classification.confidence",
    ),
    Case(
        "suggestion-unique-id",
        "causal.suggestion",
        set_(4, "data.suggestionId", A["uniqueId"]),
        set_(4, "data.suggestionId", "perm-1"),
        4,
        "suggestionId",
    ),
    Case(
        "suggestion-position",
        "causal.suggestion",
        set_(4, "data.suggestion.documentPosition", 2),
        # rating B instead: the document at position 2 of the same answer
        both(
            set_(4, "data.suggestionId", "perm-2"),
            set_(4, "data.suggestion.documentPosition", 2),
            set_(4, "data.suggestion.documentUrl", B["clickUri"]),
            set_(4, "data.suggestion.documentTitle", B["title"]),
        ),
        4,
        "suggestion.documentPosition",
    ),
    Case(
        "document-click-unknown-response",
        "causal.document-click",
        set_(5, "data.searchQueryUid", "made-up"),
        NOTHING,
        5,
        "searchQueryUid",
    ),
    Case(
        "document-click-stale-response",
        "causal.document-click",
        set_(5, "data.searchQueryUid", "suggest-1"),
        # B was also at position 1 of the first answer: a click on it then, with that answer's ID, is right
        both(set_(5, "data.searchQueryUid", "suggest-1"), set_(5, "data.documentPosition", 1)),
        5,
        "searchQueryUid",
    ),
    Case(
        "document-click-title",
        "causal.document-click",
        set_(5, "data.documentTitle", "Article two"),
        NOTHING,
        5,
        "documentTitle",
    ),
    Case(
        "field-name",
        "causal.field-name",
        set_(7, "data.fieldName", "serial"),
        # a custom field declared in the configuration is known too (see test_declared_custom_field_is_known)
        set_(7, "data.fieldName", "serialNumber"),
        7,
        "fieldName",
    ),
    Case(
        "updated-field",
        "ticket.updated-field",
        set_(1, "ticket", {}),
        set_(1, "ticket", {"custom": {"subject": "GC110"}}),
        1,
        "ticket.subject",
    ),
    # flow
    Case("starts-with-start", "flow.starts-with-start", drop_event(0), set_(0, "ticket", {}), 1, None),
    Case(
        "event-after-end",
        "flow.ends-once",
        lambda r: add_event(r, "ticket_next_stage"),
        # a new flow after the end is fine
        both(
            lambda r: add_event(r, "ticket_create_start", event_type="flowStart"),
            lambda r: add_event(r, "ticket_next_stage"),
        ),
        10,
        None,
    ),
    Case(
        "create-and-cancel",
        "flow.ends-once",
        lambda r: add_event(r, "ticket_cancel", data={"reason": "Quit"}),
        end_with_cancel("Quit"),
        10,
        None,
    ),
    Case(
        "client-id-stored",
        "flow.client-id-stored",
        lambda r: setattr(r, "stored_client_id", OTHER_CID),
        lambda r: setattr(r, "stored_client_id", None),
        0,
        "client_id",
    ),  # nothing stored: nothing to compare
    Case("two-search-hubs", "flow.search-hub", set_(5, "search_hub", "CaseAssistFlow"), NOTHING, 5, "search_hub"),
    Case(
        "missing-search-hub", "flow.search-hub", set_(8, "search_hub", None), NOTHING, 8, "search_hub", Severity.warning
    ),
    Case(
        "unexpected-search-hub",
        "flow.search-hub",
        lambda r: setattr(r, "expected_search_hub", "support_hub"),
        lambda r: setattr(r, "expected_search_hub", HUB),
        0,
        "search_hub",
    ),
    # payload
    Case(
        "auto-selection-string",
        "payload.field-type",
        set_(3, "data.autoSelection", "false"),
        set_(3, "data.autoSelection", True),
        3,
        "autoSelection",
    ),
    Case("position-zero", "payload.field-type", set_(6, "data.documentPosition", 0), NOTHING, 6, "documentPosition"),
    Case(
        "position-string", "payload.field-type", set_(6, "data.documentPosition", "1"), NOTHING, 6, "documentPosition"
    ),
    Case("rate-out-of-range", "payload.field-type", set_(4, "data.rate", 4), set_(4, "data.rate", 0), 4, "rate"),
    Case(
        "ticket-field-type",
        "payload.field-type",
        set_(9, "ticket.id", 5003000000),
        set_(9, "ticket.custom", {"visitorAge": 18}),
        9,
        "ticket.id",
    ),
    Case("cancel-reason", "payload.allowed-value", end_with_cancel("quit"), end_with_cancel("Solved"), 9, "reason"),
    Case(
        "document-uri-hash",
        "payload.deprecated-field",
        set_(4, "data.suggestion.documentUriHash", "gizDGrX"),
        NOTHING,
        4,
        "suggestion.documentUriHash",
        Severity.warning,
    ),
    Case("document-click-as-svc", "event.transport", set_(5, "transport", "collect"), NOTHING, 5, None),
    Case(
        "svc-action-as-click",
        "event.transport",
        lambda r: add_event(r, "ticket_next_stage", transport="click", data={"actionCause": "ticket_next_stage"}),
        NOTHING,
        10,
        None,
    ),
    # what the JS layer and the wire say about each other (reconciliation outcomes)
    Case(
        "called-not-sent",
        "reconcile.called-not-sent",
        pairing("called_not_sent", action="ticket_next_stage", step=8, cause="no request followed the call"),
        pairing("paired", action="ticket_next_stage", step=8, event_index=8),
        None,
        None,
    ),
    Case(
        "sent-without-call",
        "reconcile.sent-without-call",
        pairing("sent_without_call", action="ticket_next_stage", event_index=8, cause="another integration"),
        # a stray at the transport level is not the page author's doing
        pairing("sent_without_call", level="transport", event_index=8, cause="a service worker"),
        8,
        None,
        Severity.warning,
    ),
    Case(
        "changed-in-transit",
        "reconcile.changed-in-transit",
        pairing(
            "changed",
            action="documentSuggestionClick",
            event_index=5,
            diffs=[FieldDiff(path="data.clientId", expected=OTHER_CID, observed=CID)],
        ),
        pairing("paired", action="documentSuggestionClick", event_index=5),
        5,
        "data.clientId",
        Severity.warning,
    ),
    Case(
        "duplicate",
        "flow.duplicate-event",
        pairing("duplicate", action="ticket_next_stage", event_index=8, cause="the same ticket_next_stage, 3 ms apart"),
        pairing("paired", action="ticket_next_stage", event_index=8),
        8,
        None,
        Severity.warning,
    ),
    Case(
        "svc-event-without-action",
        "action.missing",
        lambda r: add_event(r, None),
        lambda r: add_event(r, None, event_type="pageview"),
        10,
        None,
    ),  # not an svc event: not Case Assist's
    # transport and library
    Case(
        "non-coveo-endpoint",
        "transport.endpoint",
        lambda r: add_analytics_request(r, "https://support.example.com/testorg/rest/v15/analytics/collect"),
        lambda r: add_analytics_request(r, COLLECT),
        None,
        None,
    ),
    # the sandbox organization's endpoint on a page whose Case Assist API is the production organization's; the
    # global host names no organization (the token decides there)
    Case(
        "another-organization",
        "transport.organization",
        lambda r: add_analytics_request(r, "https://testorgsandbox.analytics.org.coveo.com/rest/v15/analytics/collect"),
        lambda r: add_analytics_request(r, "https://analytics.cloud.coveo.com/rest/v15/analytics/collect"),
        None,
        None,
    ),
    Case(
        "headless-next-mode", "library.analytics-mode", headless_engine("next"), headless_engine("legacy"), None, None
    ),
    # a Headless engine whose analytics are turned off: its actions run and send nothing
    Case(
        "analytics-off",
        "library.analytics-off",
        both(headless_engine("legacy"), unsent_headless_action("analytics/caseAssist/case/nextStage", disabled=True)),
        headless_engine("legacy"),
        None,
        None,
    ),
    # the page's own window.coveoua (a consent gate) dropped the start's calls; a near miss passes them on later
    Case(
        "call-swallowed",
        "page.call-swallowed",
        both(drop_event(0), *swallowed_start(passed_on=False)),
        both(*swallowed_start(passed_on=True)),
        None,
        None,
    ),
    # the snippet's stub renamed: the library never replays that queue
    Case("snippet-renamed", "library.snippet-renamed", stray_queue("caLog"), stray_queue(None), None, None),
    # an unknown Case Assist configuration: the API answers 404 and the page shows nothing
    Case(
        "service-api-refused",
        "transport.service-api",
        lambda r: api_status(r, 404),
        lambda r: api_status(r, 200),
        None,
        None,
    ),
]


def api_status(result: ScenarioResult, status: int) -> None:
    result.requests.append(
        CapturedRequest(
            id=len(result.requests),
            kind="service_api",
            method="POST",
            url=API.replace("ca-1", "ca-typo") + "/classify",
            resource_type="fetch",
            status=status,
            response_body='{"message": "not found"}',
        )
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_breaking(case: Case):
    result = base()
    case.breaks(result)
    found = [v for v in findings(result) if v.rule == case.rule]
    assert found, case.id
    first = found[0]
    assert (first.event_index, first.field, first.severity) == (case.event, case.field, case.severity), first


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_near_miss_keeps_the_rule(case: Case):
    result = base()
    case.keeps(result)
    assert findings(result) == []


@pytest.mark.parametrize("off", [True, False])
def test_an_unsent_headless_action_is_said_once_by_the_rule_that_knows_why(off):
    result = base()
    headless_engine("legacy")(result)
    unsent_headless_action("analytics/caseAssist/case/nextStage", **({"disabled": True} if off else {}))(result)
    rules = [v.rule for v in findings(result)]
    assert rules == (["library.analytics-off"] if off else ["reconcile.called-not-sent"])


@pytest.mark.parametrize("expected", [None, "default"])
def test_a_flow_logged_for_the_default_search_hub_is_a_warning_unless_that_is_the_hub(expected):
    result = base()
    for event in result.events:
        event.search_hub = "default"  # Headless' and Quantic's own value when the page gives none
    found = findings(result, RuleConfig(expected_search_hub=expected))
    if expected:
        assert found == []
    else:
        (warning,) = found
        assert (warning.rule, warning.severity, warning.event_index) == ("flow.search-hub", Severity.warning, 0)
        assert "search hub 'default'" in warning.message and "search_hub: default" in warning.hint


@pytest.mark.parametrize("asked", [True, False])
def test_a_flow_whose_start_was_asked_for_but_lost_points_at_the_loss_not_at_the_page(asked):
    result = base()
    drop_event(0)(result)
    if asked:
        cause = "the engine's analytics are turned off: Headless ran the action and sent nothing"
        pairing("called_not_sent", action="ticket_create_start", step=0, cause=cause)(result)
    (found,) = [v for v in findings(result) if v.rule == "flow.starts-with-start"]
    if asked:
        assert "the page asked for ticket_create_start outside the steps, but" in found.message
        assert "analytics are turned off" in found.message and "the page's own call is right" in found.hint
    else:
        assert found.message.endswith("not ticket_create_start") and "the page's own call" not in found.hint


@pytest.mark.parametrize("configured", ["testorg", "acmeproduction", None])
def test_the_configured_organization_is_the_one_the_page_must_use(configured):
    result = base()
    add_analytics_request(result, COLLECT)  # testorg's analytics host, as the page's Case Assist API
    found = [
        v for v in findings(result, RuleConfig(expected_organization=configured)) if v.rule.endswith("organization")
    ]
    if configured != "acmeproduction":
        assert found == []
        return
    api, events = found
    assert "Case Assist configuration of organization(s) 'testorg', not 'acmeproduction'" in api.message
    assert "went to organization 'testorg', not to 'acmeproduction' (the configured organization)" in events.message
    assert "https://acmeproduction.analytics.org.coveo.com" in api.hint


def test_calls_the_page_function_logged_its_own_way_are_not_lost():
    """The start's calls never reached coveo.analytics, yet a ticket_create_start left in that step (the page's
    function sent it itself): nothing was lost."""
    result = base()
    for dropped in swallowed_start(passed_on=False):
        dropped(result)
    assert [v.rule for v in findings(result)] == []
    drop_event(0)(result)
    assert "page.call-swallowed" in [v.rule for v in findings(result)]


def test_every_newer_rule_has_a_case():
    older = {
        "payload.required-action-fields",
        "payload.required-ticket-fields",
        "event.type",
        "flow.single-client-id",
        "action.deprecated",
        "action.unknown",
        "transport.decodable",
        "transport.delivered",
        "scenario.expected-event",
        "scenario.unexpected-event",
    }  # tests/unit/test_rules.py, test_expectations.py
    assert {r.id for r in all_rules()} - older <= {c.rule for c in CASES}


# --- details of the causal rules ---------------------------------------------------------------------------------
def test_causal_rules_skip_without_api_answers():
    result = base()
    result.requests = []
    result.page_fields = []
    set_(3, "data.classificationId", "anything")(result)
    set_(5, "data.searchQueryUid", "anything")(result)
    set_(7, "data.fieldName", "anything")(result)
    set_(7, "ticket", {"custom": {"anything": 1}})(result)
    assert findings(result) == []  # nothing to compare with: never guessed


def test_a_wrong_position_is_not_blamed_on_an_older_answer():
    """A 0-based position with the right searchQueryUid: the first answer had B at that position, but it is older
    than the one the event names, so the finding is about the position, not a stale ID."""
    result = base()
    set_(5, "data.documentPosition", 1)(result)
    (finding,) = [v for v in findings(result) if v.rule == "causal.document-click"]
    assert finding.field == "documentPosition" and "documentPosition is 1 but the API said 2" in finding.message


def test_stale_search_query_uid_names_the_later_answer():
    result = base()
    set_(6, "data.searchQueryUid", "suggest-1")(result)  # A was at position 2 of the first answer, 1 of the second
    (finding,) = [v for v in findings(result) if v.rule == "causal.document-click"]
    assert finding.field == "searchQueryUid" and "response suggest-2" in finding.message
    assert "latest one shown" in finding.hint


def test_declared_custom_field_is_known():
    result = base()
    set_(7, "data.fieldName", "serial")(result)
    set_(7, "ticket", {"custom": {"serial": "GC-1"}})(result)
    assert [v.rule for v in findings(result)] == ["causal.field-name"]
    assert findings(result, RuleConfig(custom_ticket_fields=["serial"])) == []


def test_fields_sent_to_the_api_and_ticket_fields_are_known():
    result = base()
    result.page_fields = []  # e.g. the form lives in a closed shadow root
    (finding,) = findings(result)  # subject, description: sent to the API; category: a ticket field
    assert (finding.rule, finding.event_index) == ("causal.field-name", 7) and "'serialNumber'" in finding.message
    set_(7, "data.fieldName", "productId")(result)
    set_(7, "ticket", {"product_id": "GC110"})(result)  # the library's wire name for productId
    assert findings(result) == []


# --- known deviations of Coveo's libraries -----------------------------------------------------------------------
def from_headless(result: ScenarioResult, *indices: int, mode: str = "legacy") -> ScenarioResult:
    """Mark events as produced by a Headless analytics action (what the reconciliation says)."""
    result.js_calls.append(JsCall(id=len(result.js_calls), fn="headless-engine", args=["4.0.0", mode]))
    for index in indices:
        result.reconciliation.append(
            Pairing(outcome="paired", source="headless", event_index=index, action=result.events[index].action)
        )
    return result


def test_missing_auto_selection_from_headless_is_a_labelled_warning():
    result = base()
    del data(result, 3)["autoSelection"]
    (page,) = findings(result)
    assert page.severity == Severity.error and page.deviation is None  # the page's own coveoua call: its bug
    (finding,) = findings(from_headless(result, 3))
    assert (finding.rule, finding.field, finding.severity) == (
        "payload.required-action-fields",
        "autoSelection",
        Severity.warning,
    )
    assert "known deviation of @coveo/headless 4.0.0" in finding.message
    assert finding.deviation.startswith("@coveo/headless 4.0.0: ticket_classification_click carries autoSelection")
    assert "report it to Coveo" in finding.hint


def test_deviation_setting_counts_them_as_errors_or_leaves_them_out():
    result = from_headless(base(), 3)
    del data(result, 3)["autoSelection"]
    (as_error,) = findings(result, RuleConfig(deviations="error"))
    assert as_error.severity == Severity.error and "known deviation of @coveo/headless 4.0.0" in as_error.message
    assert findings(result, RuleConfig(deviations="ignore")) == []


def test_headless_ticket_create_without_id_says_how_the_page_can_fix_it():
    result = from_headless(base(), 9)
    del result.events[9].ticket["id"]
    (finding,) = findings(result)
    # the page can avoid this one: it stays the page's error, the library named as the reason
    assert finding.rule == "payload.required-ticket-fields" and finding.severity == Severity.error
    assert "@coveo/headless 4.0.0 does not do it by itself" in finding.message
    assert "updateCaseInput" in finding.hint


def test_headless_suggestion_id_is_the_unique_id():
    result = from_headless(base(), 4)
    set_(4, "data.suggestionId", A["uniqueId"])(result)
    (finding,) = findings(result)
    assert (finding.rule, finding.severity) == ("causal.suggestion", Severity.warning)
    assert "known deviation of @coveo/headless 4.0.0" in finding.message


def test_headless_deprecated_uri_hash_is_labelled():
    result = from_headless(base(), 4)
    set_(4, "data.suggestion.documentUriHash", "gizDGrX")(result)
    (finding,) = findings(result)
    assert finding.rule == "payload.deprecated-field" and finding.deviation and "4.0.0" in finding.message


def test_deviation_version_comes_from_the_engine():
    result = base()
    del data(result, 3)["autoSelection"]
    result.js_calls.append(JsCall(id=0, fn="headless-engine", args=["3.9.1", "legacy"]))
    result.reconciliation.append(Pairing(outcome="paired", source="headless", event_index=3))
    (finding,) = findings(result)
    assert "known deviation of @coveo/headless 3.9.1" in finding.message


def as_quantic_page(result: ScenarioResult) -> ScenarioResult:
    """What the capture sees of a Quantic page: a case assist engine built, window.coveoQuanticVersion set."""
    result.js_calls.append(JsCall(id=len(result.js_calls), fn="headless-engine", args=["3.37.0", "legacy"]))
    result.page_info["quantic_version"] = "3.34.0"
    return result


def _calls_coveoua(breaks: Callable[[ScenarioResult], None]) -> bool:
    result = base()
    breaks(result)
    queued = result.page_info.get("stray_queues")  # coveoua calls the page made, queued under another name
    return bool(queued) or any(call.fn == "coveoua" for call in result.js_calls)


OLDER_BREAKS = {  # the older rules (tests/unit/test_rules.py), broken the way a library or a page breaks them
    "event.type": set_(0, "event_type", "click"),
    "action.deprecated": set_(5, "action", "suggestion_click"),
    "action.missing": set_(7, "action", None),
}
WITHOUT_COVEOUA = {  # the cases about a page's own coveoua calls rightly name them
    **{c.id: c.breaks for c in CASES if not _calls_coveoua(c.breaks)},
    **OLDER_BREAKS,
}


@pytest.mark.parametrize("breaks", WITHOUT_COVEOUA.values(), ids=WITHOUT_COVEOUA.keys())
def test_a_quantic_page_is_never_told_to_call_coveoua(breaks):
    """A Quantic page has no coveoua to call: every hint speaks of its components, its host or Headless."""
    result = base()
    breaks(result)  # first: a case may build an engine of its own (Headless in another analytics mode)
    as_quantic_page(result)
    assert findings(result), "the mutation breaks a rule"
    assert [(v.rule, v.hint) for v in findings(result) if "coveoua(" in v.hint] == []


def test_a_fixed_deviation_applies_only_to_the_releases_before_the_fix():
    fixed = DEVIATIONS["headless.svc-suggestion-click"]
    assert [fixed.applies_to(v) for v in ("2.80.7", "3.19.9", "3.20.0", "4.0.0", None)] == [
        True,
        True,
        False,
        False,
        True,
    ]
    assert "in every release before 3.20.0, which fixes it" in fixed.history()
