"""Event Protocol payloads against the JSON Schema generated from @coveo/relay-event-types."""

from __future__ import annotations

from checker.check.event_types import ep_problems, missing_schema

ITEM = {"uniqueFieldName": "permanentid", "uniqueFieldValue": "perm-1"}


def problems(ep_type: str, payload: dict) -> set[tuple[str, str]]:
    assert missing_schema() is None
    return {(p.kind, p.path) for p in ep_problems(ep_type, payload)}


def test_valid_payloads_have_no_problem():
    assert problems("CaseAssist.Start", {}) == set()
    assert problems("CaseAssist.Cancel", {"reason": "solved"}) == set()
    assert (
        problems("CaseAssist.DocumentSuggestionFeedback", {"responseId": "r", "itemMetadata": ITEM, "liked": True})
        == set()
    )
    assert problems("CaseAssist.CreateTicket", {"ticket": {"id": "500"}, "extra": 1}) == set()  # extra keys: ignored


def test_each_kind_of_problem_names_its_json_path():
    assert problems("CaseAssist.Cancel", {"reason": "Quit"}) == {("enum", "reason")}
    assert problems("CaseAssist.CreateTicket", {"ticket": {"subject": "s"}}) == {("required", "ticket.id")}
    assert problems("CaseAssist.DocumentSuggestionClick", {"responseId": "r", "position": "2", "itemMetadata": {}}) == {
        ("type", "position"),
        ("required", "itemMetadata.uniqueFieldName"),
        ("required", "itemMetadata.uniqueFieldValue"),
    }
    assert problems("CaseAssist.UpdateField", {"fieldName": "subject"}) == {("required", "fieldValue")}


def test_unknown_types_are_not_checked_here():
    assert ep_problems("Search.Foo", {}) == []  # action.unknown reports a CaseAssist.* type it does not know
