"""The Case Assist protocol as data: the summary table and action reference of 'Log case assist events'
(docs.coveo.com/en/3437, `shared/reference/log-case-assist-events.md`). Rules read this table; they hold no
protocol knowledge of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOC_URL = "https://docs.coveo.com/en/3437/"

CLICK_EVENT_FIELDS = (
    "actionCause", "clientId", "contentIDKey", "contentIDValue", "documentPosition", "documentTitle",
    "documentUrl", "language", "originContext", "originLevel1", "searchQueryUid", "sourceName", "userAgent",
)


@dataclass(frozen=True)
class ActionSpec:
    """One row of the document's summary table, with what its action reference adds."""

    name: str
    section: str  # the document section that describes the action
    event_type: str  # flowStart | click: the 4th argument of coveoua('send','event','svc', …), or 'click' for click events
    transport: str  # "svc" (coveoua send event → collect) or "click" (coveoua send click → click beacon)
    required_data: tuple[str, ...] = ()
    required_ticket: tuple[str, ...] = ()
    # Fields the summary table lists as required but the action reference marks optional: reported as warnings.
    disputed_data: tuple[str, ...] = ()
    replaced_by: str | None = None  # deprecated action → its replacement
    nested_required: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"{DOC_URL}#{self.name.lower()}"


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("ticket_create_start", "Enter the interface", "flowStart", "svc"),
        ActionSpec("ticket_field_update", "Fill a field", "click", "svc", required_data=("fieldName",)),
        ActionSpec(
            "suggestion_rate", "Rate a document suggestion", "click", "svc",
            required_data=("rate", "suggestionId", "responseId", "suggestion"),
            nested_required={"suggestion": ("documentUrl", "documentTitle", "documentPosition")},
        ),
        ActionSpec(
            "ticket_classification_click", "Select a case classification", "click", "svc",
            required_data=("classificationId", "responseId", "fieldName", "classification", "autoSelection"),
            nested_required={"classification": ("value", "confidence")},
        ),
        ActionSpec(
            "documentSuggestionClick", "Select a document suggestion", "click", "click",
            required_data=tuple(f for f in CLICK_EVENT_FIELDS if f != "originContext"), disputed_data=("originContext",),
        ),
        ActionSpec(
            "suggestion_click", "Select a document suggestion", "click", "svc",
            required_data=("suggestionId", "responseId", "suggestion"), replaced_by="documentSuggestionClick",
            nested_required={"suggestion": ("documentUrl", "documentTitle", "documentPosition")},
        ),
        ActionSpec(
            "documentSuggestionQuickview", "Select the document suggestion quick view", "click", "click",
            required_data=tuple(f for f in CLICK_EVENT_FIELDS if f != "originContext"), disputed_data=("originContext",),
        ),
        ActionSpec("ticket_next_stage", "Move to the next step", "click", "svc"),
        ActionSpec("ticket_create", "Submit a ticket", "click", "svc", required_ticket=("id",)),
        ActionSpec("ticket_cancel", "Cancel a ticket", "click", "svc", required_data=("reason",)),
    )
}

FLOW_START = "ticket_create_start"
FLOW_END = ("ticket_create", "ticket_cancel")
