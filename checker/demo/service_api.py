"""A fake Coveo Customer Service API (classify, documents/suggest) with deterministic answers.

The real one lives in the Coveo cloud, which cannot be reached here; this mock answers in the shapes Headless
reads (see wire-format.md §2), and the same input always gives the same IDs, so scenarios and tests can rely
on them across runs.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

NAMESPACE = uuid.UUID("6f1c1d1e-8d59-4a1e-9d0a-0c0a5e11ca55")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Electrical": ("electrical", "power", "panel", "cutting", "voltage", "battery", "ignition", "wire"),
    "Mechanical": ("noise", "vibration", "engine", "oil", "belt", "leak", "propane"),
    "Software": ("app", "firmware", "update", "error", "login", "screen"),
    "Billing": ("invoice", "charge", "refund", "payment", "warranty"),
}

DOCUMENTS: tuple[dict[str, str], ...] = (
    {
        "title": "GC3000 Series Propane Generator Ignition",
        "source": "AnswersCloud",
        "words": "gc3000 propane ignition engine",
    },
    {
        "title": "Troubleshooting intermittent power on the GC110 panel",
        "source": "AnswersCloud",
        "words": "gc110 panel power cutting electrical intermittent",
    },
    {
        "title": "Resetting the GC110 breaker after a voltage drop",
        "source": "Knowledge",
        "words": "gc110 breaker voltage electrical reset",
    },
    {"title": "Replacing the starter battery", "source": "Knowledge", "words": "battery starter electrical"},
    {"title": "Updating the generator firmware", "source": "Knowledge", "words": "firmware update software app"},
    {
        "title": "Understanding your warranty invoice",
        "source": "Billing FAQ",
        "words": "warranty invoice charge refund",
    },
    {"title": "Reducing engine noise and vibration", "source": "AnswersCloud", "words": "engine noise vibration belt"},
)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def _words(fields: dict[str, Any]) -> set[str]:
    text = " ".join(str((v or {}).get("value", "")) if isinstance(v, dict) else str(v) for v in fields.values())
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = body.get("fields")
    return fields if isinstance(fields, dict) else {}


def _request_text(body: dict[str, Any]) -> str:
    fields = _fields(body)
    return "|".join(
        f"{k}={(v or {}).get('value', '') if isinstance(v, dict) else v}" for k, v in sorted(fields.items())
    )


def classify(body: dict[str, Any]) -> dict[str, Any]:
    """Category predictions for the ticket's fields, highest confidence first."""
    fields = _fields(body)
    words = _words(fields)
    text = _request_text(body)
    hits = {name: len(words.intersection(keys)) for name, keys in CATEGORIES.items()}
    if not any(hits.values()):
        return {"responseId": _id("classify", text), "fields": {"category": {"predictions": []}}}
    scores = {name: count + 0.25 for name, count in hits.items()}  # smoothing: runners-up get a small share
    total = sum(scores.values())
    ranked = sorted(scores, key=lambda name: (-scores[name], name))[:3]
    predictions = [
        {"id": _id("classification", name, text), "value": name, "confidence": round(scores[name] / total, 4)}
        for name in ranked
    ]
    return {"responseId": _id("classify", text), "fields": {"category": {"predictions": predictions}}}


def suggest(body: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Up to three knowledge articles for the ticket, best first (never empty once a field has words)."""
    fields = _fields(body)
    words = _words(fields)
    text = _request_text(body)
    scored = sorted(
        ((len(words.intersection(doc["words"].split())), i) for i, doc in enumerate(DOCUMENTS)),
        key=lambda s: (-s[0], s[1]),
    )
    chosen = [i for score, i in scored if score > 0][:3] if words else []
    documents = [_document(DOCUMENTS[i], i, base_url) for i in chosen]
    return {"responseId": _id("suggest", text), "totalCount": len(documents), "documents": documents}


def _document(doc: dict[str, str], index: int, base_url: str) -> dict[str, Any]:
    permanent_id = uuid.uuid5(NAMESPACE, doc["title"]).hex + uuid.uuid5(NAMESPACE, doc["source"]).hex[:28]
    url = f"{base_url}/docs/{permanent_id}"
    return {
        "uniqueId": f"42.{index + 1}${url}",
        "title": doc["title"],
        "clickUri": url,
        "excerpt": f"How to handle: {doc['title'].lower()}.",
        "hasHtmlVersion": True,  # Headless' quick view (Quantic's "Read more") is enabled by it
        "fields": {"permanentid": permanent_id, "source": doc["source"], "uri": url, "urihash": permanent_id[:16]},
    }


def unknown_configuration(case_assist_id: str) -> dict[str, Any]:
    """The cloud's 404 body for a Case Assist ID the organization does not have."""
    return {
        "statusCode": 404,
        "errorCode": "NOT_FOUND",
        "message": f"Case Assist configuration '{case_assist_id}' does not exist.",
    }


def quickview_html(unique_id: str) -> str | None:
    """The HTML version of a suggested document (Search API /html, what the quick view's iframe shows)."""
    match = re.match(r"^42\.(\d+)\$", unique_id)
    index = int(match.group(1)) - 1 if match else -1
    if not 0 <= index < len(DOCUMENTS):
        return None
    doc = DOCUMENTS[index]
    title = html.escape(doc["title"])
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<h1>{title}</h1><p><em>{html.escape(doc['source'])}</em></p>"
        f"<p>How to handle: {title.lower()}. Check the model number on the unit's plate, then follow the "
        f"steps below.</p><ol><li>Turn the generator off.</li><li>Inspect the panel and the wiring.</li>"
        f"<li>Restart and watch the status light.</li></ol></body></html>"
    )


def document_title(permanent_id: str) -> str | None:
    for doc in DOCUMENTS:
        if uuid.uuid5(NAMESPACE, doc["title"]).hex == permanent_id[:32]:
            return doc["title"]
    return None
