"""Event Protocol payloads checked against Coveo's published event types (@coveo/relay-event-types, turned into a
JSON Schema by `case-assist-check setup`), through the command line in real Chromium, under the same rule ids as
the Usage Analytics payload rules."""

from __future__ import annotations

from pathlib import Path

from checker.check.event_types import missing_schema
from checker.models import Severity
from checker.report import read_json
from tests.helpers import cli

FLOWS = {  # a flow is created or cancelled, never both: one scenario each
    "create": "  - click: '#create'\n  - wait_for: '#done'\n",
    "cancel": "  - click: '#cancel'\n",
}


def audit(tmp_path: Path, base_url: str, query: str):
    """Both flows in one run of the command line; their events in order, and all their findings."""
    paths = []
    for name, steps in FLOWS.items():
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(f"name: {name}\nsteps:\n  - goto: /pages/ep-events.html{query}\n{steps}")
    done = cli("run", *paths, "--base-url", base_url, "--report", tmp_path / "report", "--no-screenshots")
    scenarios = read_json(tmp_path / "report" / "results.json").scenarios
    events = [e for s in scenarios for e in s.events]
    return done, events, [v for s in scenarios for v in s.violations]


def test_the_schema_was_generated():
    assert missing_schema() is None  # `make test` runs setup, which generates it: its absence is a setup failure


def test_clean_event_protocol_page_keeps_the_published_types(tmp_path, pages_server):
    done, events, violations = audit(tmp_path, pages_server, "")
    assert done.returncode == 0, done.stdout[-2000:]
    assert [e.data["ep_type"] for e in events] == [
        "CaseAssist.Start",
        "CaseAssist.SelectFieldClassification",
        "CaseAssist.DocumentSuggestionClick",
        "CaseAssist.CreateTicket",
        "CaseAssist.Start",
        "CaseAssist.Cancel",
    ]
    assert not violations, violations


def test_broken_event_protocol_page_is_found(tmp_path, pages_server):
    done, _, violations = audit(tmp_path, pages_server, "?break=1")
    assert done.returncode == 1
    found = {(v.rule, v.field, v.severity) for v in violations}
    assert found >= {
        ("payload.allowed-value", "reason", Severity.error),
        ("payload.field-type", "position", Severity.error),
        ("payload.required-action-fields", "autoselected", Severity.error),
        ("payload.required-action-fields", "itemMetadata.uniqueFieldName", Severity.error),
        ("payload.required-action-fields", "itemMetadata.uniqueFieldValue", Severity.error),
    }, found
    cancel = next(v for v in violations if v.rule == "payload.allowed-value")
    assert cancel.message.startswith("CaseAssist.Cancel (ticket_cancel, event #")
    assert "'Quit'" in cancel.message and "@coveo/relay-event-types 15.1.0" in cancel.message
