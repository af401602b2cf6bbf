"""Causal cross-checks: IDs in events must be ones the Customer Service API returned to the page, and field
names must be fields the page has. Skipped (never guessed) when no API response was captured."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from checker.check.context import RuleContext
from checker.check.deviations import from_headless
from checker.check.protocol import KNOWN_TICKET_FIELDS, value_at
from checker.check.rules.registry import Finding, rule
from checker.decode.ep import PUBLISHED_TYPE
from checker.decode.service_api import ServiceApiIndex, SuggestedDocument, index_service_api
from checker.models import Event, Severity

DOCUMENT_ACTIONS = ("documentSuggestionClick", "documentSuggestionQuickview")
NO_PERMANENTID = "index:no-permanentid"  # the document's index entry has no permanentid: the content, not the page
INDEX_HINT = (
    "the document's index entry has no permanentid field: Case Assist reports and ML models key documents "
    "by it; check the source's mapping (permanentid is set by the index for every item it crawls)"
)
RATING_ACTIONS = ("suggestion_rate", "suggestion_click")


def _index(ctx: RuleContext) -> ServiceApiIndex:
    return ctx.once("service_api", lambda: index_service_api(ctx.result.requests))


def _events(ctx: RuleContext, actions: tuple[str, ...]) -> list[Event]:
    return [e for e in ctx.case_events if e.action in actions]


def _label(event: Event) -> str:
    return f"{event.action} (event #{event.index})"


@dataclass(frozen=True)
class Mismatch:
    """One way an event disagrees with the API's answer: the event field at fault (None: the document id, named
    by the rule that asks) and the sentence that says so."""

    field: str | None
    text: str


def _mismatches(pairs: list[tuple[str, object, object]]) -> list[Mismatch]:
    return [
        Mismatch(name, f"{name} is {seen!r} but the API said {wanted!r}")
        for name, seen, wanted in pairs
        if seen is not None and seen != wanted
    ]


def _texts(problems: list[Mismatch]) -> str:
    return "; ".join(p.text for p in problems)


@rule("causal.classification", Severity.error, "Classification not from the API", "Select a case classification")
def classification(ctx: RuleContext) -> Iterable[Finding]:
    index = _index(ctx)
    if not index.classifications:
        return
    for event in _events(ctx, ("ticket_classification_click",)):
        response_id, class_id = event.data.get("responseId"), event.data.get("classificationId")
        predictions = _answer(index.classifications, response_id)
        if predictions is None:
            yield Finding(
                f"{_label(event)}: responseId {response_id!r} is not the responseId of any classify answer "
                f"the page received ({', '.join(index.classifications)})",
                "pass the responseId of the classify response that held the selected prediction",
                event=event,
                field="responseId",
            )
            continue
        match = next((p for p in predictions if p.id == class_id), None)
        holder = (
            next(
                (
                    rid
                    for rid in _later(index.classifications, response_id)
                    if any(p.id == class_id for p in index.classifications[rid])
                ),
                None,
            )
            if match is None
            else None
        )
        if holder is not None:  # a stale responseId next to the prediction of a later answer
            yield Finding(
                f"{_label(event)}: classificationId {class_id!r} is a prediction of classify response {holder}, "
                f"but responseId is {response_id!r}",
                "pass the responseId of the classify response that held "
                "the selected prediction (the latest one shown, not an earlier one)",
                event=event,
                field="responseId",
            )
            continue
        if match is None:
            yield Finding(
                f"{_label(event)}: classificationId {class_id!r} is not among the predictions of response "
                f"{response_id}",
                "pass the id of the prediction the user selected",
                event=event,
                field="classificationId",
            )
            continue
        problems = _mismatches(
            [
                ("fieldName", event.data.get("fieldName"), match.field_name),
                ("classification.value", value_at(event.data, "classification.value")[1], match.value),
                ("classification.confidence", value_at(event.data, "classification.confidence")[1], match.confidence),
            ]
        )
        if problems:
            yield Finding(
                f"{_label(event)}: {_texts(problems)}",
                "copy these values from the selected prediction",
                event=event,
                field=problems[0].field,
            )


def _document_problems(
    event: Event,
    docs: list[SuggestedDocument],
    doc_id: object,
    position: object,
    title: object,
    url: object,
    id_key: object = None,
    prefix: str = "",
) -> tuple[list[Mismatch], str | None]:
    if _absent(doc_id):  # never matched on the id: an absent id equals the absent id of any unindexed document
        return _unnamed_document(docs, position, title, url)
    by_unique_id = isinstance(id_key, str) and id_key.lower() == "uniqueid"  # the Event Protocol's item key
    doc = next((d for d in docs if (d.unique_id if by_unique_id else d.permanent_id) == doc_id), None)
    if doc is None:
        by_unique = next((d for d in docs if d.unique_id == doc_id), None)
        if by_unique is not None:
            return [
                Mismatch(
                    None, f"the document id is the uniqueId {doc_id!r}, not the permanentid {by_unique.permanent_id!r}"
                )
            ], "suggestionId=uniqueId"
        return [Mismatch(None, f"{doc_id!r} is not the permanentid of any document that response suggested")], None
    return _mismatches(
        [
            (f"{prefix}documentPosition", position, doc.position),
            (f"{prefix}documentTitle", title, doc.title),
            (f"{prefix}documentUrl", url, doc.url),
        ]
    ), None


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _unnamed_document(
    docs: list[SuggestedDocument], position: object, title: object, url: object
) -> tuple[list[Mismatch], str | None]:
    """An event without a document id: which listed document it is, by its URL, else its title, else its position."""
    doc = next(
        (
            d
            for key, value in (("url", url), ("title", title), ("position", position))
            if not _absent(value)
            for d in docs
            if getattr(d, key) == value
        ),
        None,
    )
    if doc is None:
        return [
            Mismatch(
                None, "the document id is missing, and no document of that response has its URL, title or position"
            )
        ], None
    if _absent(doc.permanent_id):
        return [
            Mismatch(
                None,
                f"the document id is missing: the API listed {doc.title!r} (position {doc.position}) without a "
                "permanentid, so the page had none to send",
            )
        ], NO_PERMANENTID
    return [
        Mismatch(
            None,
            f"the document id is missing; the API listed {doc.title!r} (position {doc.position}) with permanentid "
            f"{doc.permanent_id!r}",
        )
    ], None


def _answer(answers: dict[str, list], response_id: object) -> list | None:
    """The answer an event names, if any (a page may put a list or an object where the id goes)."""
    return answers.get(response_id) if isinstance(response_id, str) else None


def _later(answers: dict[str, list], response_id: object) -> list[str]:
    """The responseIds of the answers to requests the page made after the one that got `response_id`."""
    if not isinstance(response_id, str) or response_id not in answers:
        return []
    ids = list(answers)
    return ids[ids.index(response_id) + 1 :]


def _holder(
    index: ServiceApiIndex,
    response_id: object,
    problems_in: Callable[[list[SuggestedDocument]], tuple[list[Mismatch], str | None]],
) -> str | None:
    """A later documents/suggest answer in which the event's document is exactly as the event says: then the
    event names a stale answer, not a wrong document."""
    return next(
        (rid for rid in _later(index.suggestions, response_id) if not problems_in(index.suggestions[rid])[0]), None
    )


@dataclass(frozen=True)
class _DocumentCheck:
    """What differs between the rating and the document-click cross-checks; the logic is the same."""

    actions: tuple[str, ...]
    response_key: str  # the event field naming the documents/suggest answer
    id_field: str  # the event field naming the document
    document: str  # how the messages call the document
    unknown_hint: str
    stale_hint: str
    wrong_hint: str
    problems: Callable[[Event, list[SuggestedDocument]], tuple[list[Mismatch], str | None]]
    id_name: str | None = None  # the name "the document id" takes in the messages
    deviation: str | None = None  # the Headless deviation a uniqueId for the id is


def _document_findings(ctx: RuleContext, check: _DocumentCheck) -> Iterable[Finding]:
    index = _index(ctx)
    if not index.suggestions:
        return
    for event in _events(ctx, check.actions):
        response_id = event.data.get(check.response_key)
        docs = _answer(index.suggestions, response_id)
        if docs is None:
            yield Finding(
                f"{_label(event)}: {check.response_key} {response_id!r} is not the responseId of any "
                "documents/suggest answer the page received",
                check.unknown_hint,
                event=event,
                field=check.response_key,
            )
            continue
        problems, deviation = check.problems(event, docs)
        text = _texts(problems).replace("the document id", check.id_name or "the document id")
        holder = _holder(index, response_id, functools.partial(check.problems, event)) if problems else None
        if holder is not None:
            yield Finding(
                f"{_label(event)}: {check.document} is as documents/suggest response {holder} listed it, "
                f"but {check.response_key} is {response_id!r}, where {text}",
                check.stale_hint,
                event=event,
                field=check.response_key,
            )
        elif deviation == NO_PERMANENTID:
            yield Finding(
                f"{_label(event)}: {text}", INDEX_HINT, event=event, field=check.id_field, severity=Severity.warning
            )
        elif problems:
            # Headless 2.x's pre-release Event Protocol payload names the document by its uniqueId alone
            pre_release = event.data.get("ep_type") in PUBLISHED_TYPE
            known = "headless.next-pre-release-types" if pre_release else (deviation and check.deviation)
            yield Finding(
                f"{_label(event)}: {text}",
                check.wrong_hint,
                event=event,
                field=problems[0].field or check.id_field,
                deviation=known if known and from_headless(ctx, event) else None,
            )


def _rated_document_problems(event: Event, docs: list[SuggestedDocument]) -> tuple[list[Mismatch], str | None]:
    return _document_problems(
        event,
        docs,
        event.data.get("suggestionId"),
        value_at(event.data, "suggestion.documentPosition")[1],
        value_at(event.data, "suggestion.documentTitle")[1],
        value_at(event.data, "suggestion.documentUrl")[1],
        event.data.get("contentIDKey") if event.protocol == "ep" else None,
        prefix="suggestion.",
    )


def _clicked_document_problems(event: Event, docs: list[SuggestedDocument]) -> tuple[list[Mismatch], str | None]:
    return _document_problems(
        event,
        docs,
        event.data.get("contentIDValue"),
        event.data.get("documentPosition"),
        event.data.get("documentTitle"),
        event.data.get("documentUrl"),
        event.data.get("contentIDKey"),
    )


RATED = _DocumentCheck(
    RATING_ACTIONS,
    "responseId",
    "suggestionId",
    "the rated document",
    unknown_hint="pass the responseId of the suggestion list the document came from",
    stale_hint="pass the responseId of the suggestion list the document was rated in (the latest one shown)",
    wrong_hint="suggestionId is the document's fields.permanentid; position, title and URL those of the list",
    problems=_rated_document_problems,
    deviation="headless.suggestion-id-unique-id",
)

CLICKED = _DocumentCheck(
    DOCUMENT_ACTIONS,
    "searchQueryUid",
    "contentIDValue",
    "the document",
    unknown_hint="searchQueryUid is the suggest response's responseId",
    stale_hint="searchQueryUid is the responseId of the suggestion list the document was clicked in "
    "(the latest one shown, not an earlier one)",
    wrong_hint="contentIDValue is the document's permanentid; position, title and URL those of the list",
    problems=_clicked_document_problems,
    id_name="contentIDValue",
)


@rule("causal.suggestion", Severity.error, "Rated document not from the API", "Rate a document suggestion")
def suggestion(ctx: RuleContext) -> Iterable[Finding]:
    return _document_findings(ctx, RATED)


@rule("causal.document-click", Severity.error, "Clicked document not from the API", "Select a document suggestion")
def document_click(ctx: RuleContext) -> Iterable[Finding]:
    return _document_findings(ctx, CLICKED)


@rule("causal.field-name", Severity.error, "Unknown field name", "Fill a field")
def field_name(ctx: RuleContext) -> Iterable[Finding]:
    index = _index(ctx)
    known = (
        set(ctx.result.page_fields)
        | index.request_fields
        | set(ctx.config.custom_ticket_fields)
        | set(KNOWN_TICKET_FIELDS)
    )
    known |= {p.field_name for preds in index.classifications.values() for p in preds}
    if not ctx.result.page_fields and not index.request_fields:
        return  # nothing to compare with
    for event in _events(ctx, ("ticket_field_update", "ticket_classification_click")):
        name = event.data.get("fieldName")
        if isinstance(name, str) and name and name not in known:
            yield Finding(
                f"{_label(event)}: fieldName {name!r} is not a field of the page "
                f"(known: {', '.join(sorted(known - {'custom', 'productId', 'product_id'}))})",
                "use the name of the field the user changed, or declare it under custom_ticket_fields",
                event=event,
                field="fieldName",
            )


@rule("ticket.updated-field", Severity.error, "Updated field missing from the ticket", "Fill a field")
def updated_field(ctx: RuleContext) -> Iterable[Finding]:
    for event in _events(ctx, ("ticket_field_update",)):
        name = event.data.get("fieldName")
        if not isinstance(name, str) or not name:
            continue
        custom = event.ticket.get("custom")
        if not isinstance(custom, dict):
            custom = {}
        wire = {"productId": "product_id"}.get(name, name)
        if wire not in event.ticket and name not in custom:
            yield Finding(
                f"{_label(event)}: the ticket payload does not hold the updated field {name!r}",
                ctx.advise("updated-field", field=name),
                event=event,
                field=f"ticket.{name}",
            )
