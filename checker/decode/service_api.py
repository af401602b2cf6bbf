"""What the Customer Service API told the page: classification predictions and suggested documents by responseId.

Rules use it to check that IDs in events are ones the API really returned (causal links).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.endpoints import service_api_endpoint
from checker.models import CapturedRequest


@dataclass(frozen=True)
class Prediction:
    field_name: str
    id: str
    value: Any
    confidence: Any


@dataclass(frozen=True)
class SuggestedDocument:
    position: int  # 1-based
    unique_id: str | None
    permanent_id: str | None
    title: str | None
    url: str | None
    source: str | None


@dataclass
class ServiceApiIndex:
    classifications: dict[str, list[Prediction]] = field(default_factory=dict)  # responseId → predictions
    suggestions: dict[str, list[SuggestedDocument]] = field(default_factory=dict)  # responseId → documents
    request_fields: set[str] = field(default_factory=set)  # ticket fields the page sent to the API

    @property
    def empty(self) -> bool:
        return not self.classifications and not self.suggestions


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except json.JSONDecodeError:
        return None


def index_service_api(requests: list[CapturedRequest]) -> ServiceApiIndex:
    index = ServiceApiIndex()
    for req in requests:
        if req.kind != "service_api":
            continue
        body = _json(req.body)
        if isinstance(body, dict) and isinstance(body.get("fields"), dict):
            index.request_fields.update(body["fields"])
        answer = _json(req.response_body)
        if not isinstance(answer, dict) or not isinstance(answer.get("responseId"), str):
            continue
        if service_api_endpoint(req.url) == "classify":
            index.classifications[answer["responseId"]] = list(_predictions(answer))
        else:
            index.suggestions[answer["responseId"]] = list(_documents(answer))
    return index


def _predictions(answer: dict[str, Any]) -> Iterator[Prediction]:
    fields = answer.get("fields")
    if not isinstance(fields, dict):
        return
    for name, content in fields.items():
        for p in (content or {}).get("predictions", []) if isinstance(content, dict) else []:
            if isinstance(p, dict):
                yield Prediction(name, str(p.get("id")), p.get("value"), p.get("confidence"))


def _documents(answer: dict[str, Any]) -> Iterator[SuggestedDocument]:
    documents = answer.get("documents")
    if not isinstance(documents, list):
        return
    for position, doc in enumerate(documents, start=1):
        if not isinstance(doc, dict):
            continue
        fields = doc.get("fields")
        if not isinstance(fields, dict):
            fields = {}
        yield SuggestedDocument(
            position,
            doc.get("uniqueId"),
            fields.get("permanentid"),
            doc.get("title"),
            doc.get("clickUri"),
            fields.get("source"),
        )
