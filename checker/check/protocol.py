"""The Case Assist protocol as data: the summary table and action reference of 'Log case assist events'
(docs.coveo.com/en/3437, `shared/reference/log-case-assist-events.md`). Rules read this table; they hold no
protocol knowledge of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

DOC_URL = "https://docs.coveo.com/en/3437/"

CLICK_EVENT_FIELDS = (
    "actionCause",
    "clientId",
    "contentIDKey",
    "contentIDValue",
    "documentPosition",
    "documentTitle",
    "documentUrl",
    "language",
    "originContext",
    "originLevel1",
    "searchQueryUid",
    "sourceName",
    "userAgent",
)


@dataclass(frozen=True)
class FieldSpec:
    """Type, range and allowed values of one payload field, from the action reference."""

    kind: str  # string | number | integer | boolean | object
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    deprecated_by: str | None = None  # a deprecated field and what replaces it


STRING = FieldSpec("string")
OBJECT = FieldSpec("object")
POSITION = FieldSpec("integer", minimum=1)
UNIT = FieldSpec("number", minimum=0, maximum=1)
CLICK_TYPES = {name: STRING for name in CLICK_EVENT_FIELDS} | {"documentPosition": POSITION}
SUGGESTION_TYPES = {
    "suggestion": OBJECT,
    "suggestion.documentUrl": STRING,
    "suggestion.documentTitle": STRING,
    "suggestion.documentPosition": POSITION,
    "suggestion.documentUriHash": FieldSpec("string", deprecated_by="documentUrl"),
}
TICKET_TYPES = {"id": STRING, "subject": STRING, "description": STRING, "category": STRING, "custom": OBJECT}


@dataclass(frozen=True)
class ActionSpec:
    """One row of the document's summary table, with what its action reference adds."""

    name: str
    section: str  # the document section that describes the action
    event_type: (
        str  # flowStart | click: the 4th argument of coveoua('send','event','svc', …), or 'click' for click events
    )
    transport: str  # "svc" (coveoua send event → collect) or "click" (coveoua send click → click beacon)
    required_data: tuple[str, ...] = ()
    required_ticket: tuple[str, ...] = ()
    # Fields the summary table lists as required but the action reference marks optional: reported as warnings.
    disputed_data: tuple[str, ...] = ()
    replaced_by: str | None = None  # deprecated action → its replacement
    nested_required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    types: dict[str, FieldSpec] = field(default_factory=dict)  # dotted path in the action payload → spec

    @property
    def anchor(self) -> str:
        return f"{DOC_URL}#{self.name.lower()}"

    # the few fields with allowed values, or deprecated: their rules look at these only (thousands of events each)
    @cached_property
    def restricted_types(self) -> tuple[tuple[str, FieldSpec], ...]:
        return tuple((path, spec) for path, spec in self.types.items() if spec.allowed)

    @cached_property
    def deprecated_types(self) -> tuple[tuple[str, FieldSpec], ...]:
        return tuple((path, spec) for path, spec in self.types.items() if spec.deprecated_by)

    @cached_property
    def type_checks(self) -> tuple[TypeCheck, ...]:
        """The typed fields, prepared once for the type rule (which reads every typed field of every event)."""
        return tuple(
            TypeCheck(
                path,
                None if "." in path else path,
                PLAIN_CLASSES[spec.kind] if spec.minimum is None and spec.maximum is None else (),
                spec,
                path in self.required_data,
            )
            for path, spec in self.types.items()
        )


class TypeCheck(NamedTuple):
    path: str  # dotted path in the action payload
    key: str | None  # the path when it is one top-level key (most fields), else None
    plain: tuple[type, ...]  # value classes that fit at once (none when bounds must be checked)
    spec: FieldSpec
    required: bool  # a null there is the required-fields rule's business


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("ticket_create_start", "Enter the interface", "flowStart", "svc"),
        ActionSpec(
            "ticket_field_update",
            "Fill a field",
            "click",
            "svc",
            required_data=("fieldName",),
            types={"fieldName": STRING},
        ),
        ActionSpec(
            "suggestion_rate",
            "Rate a document suggestion",
            "click",
            "svc",
            required_data=("rate", "suggestionId", "responseId", "suggestion"),
            nested_required={"suggestion": ("documentUrl", "documentTitle", "documentPosition")},
            types={"rate": UNIT, "suggestionId": STRING, "responseId": STRING, **SUGGESTION_TYPES},
        ),
        ActionSpec(
            "ticket_classification_click",
            "Select a case classification",
            "click",
            "svc",
            required_data=("classificationId", "responseId", "fieldName", "classification", "autoSelection"),
            nested_required={"classification": ("value", "confidence")},
            types={
                "classificationId": STRING,
                "responseId": STRING,
                "fieldName": STRING,
                "classification": OBJECT,
                "classification.value": STRING,
                "classification.confidence": UNIT,
                "autoSelection": FieldSpec("boolean"),
            },
        ),
        ActionSpec(
            "documentSuggestionClick",
            "Select a document suggestion",
            "click",
            "click",
            required_data=tuple(f for f in CLICK_EVENT_FIELDS if f != "originContext"),
            disputed_data=("originContext",),
            types=CLICK_TYPES,
        ),
        ActionSpec(
            "suggestion_click",
            "Select a document suggestion",
            "click",
            "svc",
            required_data=("suggestionId", "responseId", "suggestion"),
            replaced_by="documentSuggestionClick",
            nested_required={"suggestion": ("documentUrl", "documentTitle", "documentPosition")},
            types={
                "suggestionId": STRING,
                "responseId": STRING,
                **SUGGESTION_TYPES,
                "suggestion.fromQuickview": FieldSpec(
                    "boolean", deprecated_by="the documentSuggestionQuickview action"
                ),
            },
        ),
        ActionSpec(
            "documentSuggestionQuickview",
            "Select the document suggestion quick view",
            "click",
            "click",
            required_data=tuple(f for f in CLICK_EVENT_FIELDS if f != "originContext"),
            disputed_data=("originContext",),
            types=CLICK_TYPES,
        ),
        ActionSpec("ticket_next_stage", "Move to the next step", "click", "svc"),
        ActionSpec("ticket_create", "Submit a ticket", "click", "svc", required_ticket=("id",)),
        ActionSpec(
            "ticket_cancel",
            "Cancel a ticket",
            "click",
            "svc",
            required_data=("reason",),
            types={"reason": FieldSpec("string", allowed=("Quit", "Solved"))},
        ),
    )
}

FLOW_START = "ticket_create_start"
KNOWN_TICKET_FIELDS = ("subject", "description", "category", "id", "product_id", "productId", "custom")
FLOW_END = ("ticket_create", "ticket_cancel")


def value_at(data: dict, path: str) -> tuple[bool, object]:
    """(present, value) of a dotted path such as 'classification.confidence'."""
    if "." not in path:  # most fields: one lookup (the rules ask this about every field of every event)
        return (True, data[path]) if path in data else (False, None)
    node: object = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


# the value classes that fit a kind with no bounds at once (`bool` is not a number here, although it is an int)
PLAIN_CLASSES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (int, float),
    "integer": (int,),
    "object": (dict,),
}


def fits_plainly(value: object, spec: FieldSpec) -> bool:
    """A quick yes for the common case (this runs for every typed field of every event); False means "look at it
    with `type_problem`", not "wrong"."""
    return value.__class__ in PLAIN_CLASSES[spec.kind] and spec.minimum is None and spec.maximum is None


def type_problem(value: object, spec: FieldSpec) -> str | None:
    """Why a value does not fit its spec, or None."""
    kind = spec.kind
    if kind == "string":  # most fields, first: this runs for every field of every event
        return None if isinstance(value, str) else f"must be a string, got {_shape(value)}"
    if kind == "boolean" and not isinstance(value, bool):
        return f"must be a boolean, got {_shape(value)}"
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a{'n integer' if kind == 'integer' else ' number'}, got {_shape(value)}"
        if kind == "integer" and not float(value).is_integer():
            return f"must be an integer, got {value!r}"
        if spec.minimum is not None and value < spec.minimum or spec.maximum is not None and value > spec.maximum:
            upper = f" and {spec.maximum:g}" if spec.maximum is not None else ""
            return f"must be {'between ' + format(spec.minimum, 'g') + upper if upper else '≥ ' + format(spec.minimum, 'g')}, got {value!r}"
    if kind == "string" and not isinstance(value, str):
        return f"must be a string, got {_shape(value)}"
    if kind == "object" and not isinstance(value, dict):
        return f"must be an object, got {_shape(value)}"
    return None


def _shape(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    kind = {bool: "a boolean", str: "a string"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )
    return f"{kind} {value!r}"
