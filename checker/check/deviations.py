"""Known deviations of Coveo's own libraries from the protocol document.

A page author cannot fix the library, so a finding caused by one of these is labelled with the library and its
version instead of blaming the page; `rules.deviations` in the configuration says whether they count as warnings
(default), errors, or are left out. Facts from `shared/reference/wire-format.md` §2, checked against
@coveo/headless 4.0.0 in Chromium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from checker.check.advice import library_name
from checker.decode.intents import SVC_SUGGESTION_CLICK_FIXED_IN
from checker.values import version_key

if TYPE_CHECKING:
    from checker.check.context import RuleContext
    from checker.models import Event, FieldDiff


CHECKED = "2.80.7, 3.50.1 and 4.0.0"  # the @coveo/headless releases each deviation was checked against


@dataclass(frozen=True)
class Deviation:
    key: str
    description: str  # the library that has it is named from the page's implementation (advice.library_name)
    page_fix: str = ""  # the advice topic (checker.check.advice) when the page can avoid it after all
    code: str = "Headless"  # whose code does it: "Headless" or "coveo.analytics" (the copy Headless bundles)
    since: str | None = None  # the first @coveo/headless release that has it (None: every release checked)
    fixed_in: str | None = None  # the first release without it (None: not fixed as of the latest checked)

    def applies_to(self, headless: str | None) -> bool:
        """Whether a page on this Headless version can have it (an unknown version: assume it can)."""
        if headless is None:
            return True
        started = self.since is None or version_key(headless) >= version_key(self.since)
        return started and (self.fixed_in is None or version_key(headless) < version_key(self.fixed_in))

    def history(self) -> str:
        """'Headless' code, since 3.20.0, not fixed (checked in 2.80.7, 3.50.1 and 4.0.0)'."""
        checked = f"(checked in @coveo/headless {CHECKED})"
        if self.fixed_in and not self.since:
            return f"{self.code}'s code in every release before {self.fixed_in}, which fixes it {checked}"
        since = f"since {self.since}" if self.since else "in every release"
        fixed = f"fixed in {self.fixed_in}" if self.fixed_in else "not fixed"
        return f"{self.code}'s code, {since}, {fixed} {checked}"


HEADLESS = "@coveo/headless"
DEVIATIONS: dict[str, Deviation] = {
    d.key: d
    for d in (
        Deviation(
            "headless.no-auto-selection",
            "ticket_classification_click carries autoSelection only for automatic selections, not manual ones",
        ),
        Deviation(
            "headless.suggestion-id-unique-id",
            "suggestion_rate (and, before 3.20.0, suggestion_click) carries the document's uniqueId as suggestionId, "
            "not its permanentid (sent as permanentId)",
        ),
        Deviation(
            "headless.ticket-id-from-case-inputs",
            "logCreateCase takes no ticket id: ticket_create has one only if the page put it in the case inputs",
            "ticket-id",
        ),
        Deviation(
            "headless.classification-ticket-before-update",
            "ticket_classification_click is logged with the ticket as it was before the selected value was set",
        ),
        Deviation(
            "headless.origin-context-search",
            "document suggestion click events carry originContext 'Search', not 'CaseAssist'",
            since="3.20.0",  # 2.x logs a document click as an svc suggestion_click
        ),
        Deviation(
            "headless.svc-suggestion-click",
            "a document suggestion click or quick view is logged as the deprecated svc action suggestion_click, "
            "not as a documentSuggestionClick / documentSuggestionQuickview click event",
            code="coveo.analytics",  # older than 2.30.45, which Headless bundles before 3.20.0
            fixed_in=SVC_SUGGESTION_CLICK_FIXED_IN,  # where decoding stops expecting suggestion_click
        ),
        Deviation(
            "headless.next-pre-release-types",
            "in next mode, events carry the Event Protocol's pre-release Case Assist types (caseAssist.start, "
            "caseAssist.selectFieldClassification, …) and payloads, not Coveo's published CaseAssist.* types",
            fixed_in="3.2.0",  # the earliest 3.x release checked; it sends the published types
        ),
        Deviation(
            "headless.next-no-next-stage", "in next mode (Event Protocol) there is no event for ticket_next_stage"
        ),
        Deviation(
            "headless.next-quickview-as-click",
            "in next mode a quick view is logged as CaseAssist.DocumentSuggestionClick, like opening the document",
            since="3.2.0",  # 2.x sends an itemClick with actionCause 'preview'
        ),
        Deviation(
            "headless.next-smaller-payload",
            "in next mode (Event Protocol) events carry fewer fields than the document's: a trackingId instead of "
            "a search hub, no ticket on field updates, no classification value, no click metadata",
        ),
        Deviation(
            "headless.sends-deprecated-fields",
            "suggestion_rate and document clicks still carry the deprecated documentUriHash",
        ),
        Deviation(
            "headless.content-id-key",
            "document suggestion click events name the content ID key 'permanentId'; the index field (and the "
            "document's example) is 'permanentid'",
            code="coveo.analytics",  # 2.30.45 and later, which Headless bundles from 3.20.0
            since="3.20.0",
        ),
        Deviation(
            "headless.next-stage-payload",
            "ticket_next_stage carries {stage} (or {}) although the protocol defines no payload",
            code="coveo.analytics",
        ),
    )
}


def next_mode(ctx: RuleContext) -> bool:
    """The page's Headless engine (its own, or Quantic's) logs in 'next' mode (Event Protocol)."""
    return ctx.result.implementation.analytics_mode == "next"


def headless_events(ctx: RuleContext) -> set[int]:
    """Indices of events that a Headless analytics action produced (per the reconciliation)."""
    return ctx.once(
        "headless_events",
        lambda: {
            p.event_index
            for p in ctx.result.reconciliation
            if p.source == "headless" and p.event_index is not None and p.level == "api"
        },
    )


def from_headless(ctx: RuleContext, event: Event | None) -> bool:
    """The event is Headless' doing: one of its analytics actions sent it, it names Headless as its source, or the
    page runs Headless (or Quantic) and never called coveoua itself (a bundle the JS layer could not hook)."""
    if event is None:
        return False
    if event.index in headless_events(ctx) or (event.library or "").startswith(HEADLESS):
        return True
    runs_headless = ctx.result.implementation.kind in ("headless", "quantic")
    return runs_headless and not any(call.fn == "coveoua" for call in ctx.result.js_calls)


def label(key: str, ctx: RuleContext) -> str:
    """How a deviation is named in a finding: '@coveo/headless 3.37.0 (loaded by Quantic 3.34.0): <description>
    (Headless' code, in every release, not fixed (checked in …))': whose bug it is, and since when."""
    known = DEVIATIONS[key]
    return f"{library_name(ctx.result.implementation)}: {known.description} ({known.history()})"


def explain_difference(diff: FieldDiff, action: str | None, protocol: str = "ua") -> str | None:
    """The deviation that explains one differing field of a Headless event, if any."""
    path, observed, absent = diff.path, diff.observed, diff.absent
    if protocol == "ep" and (absent or observed is None):
        return "headless.next-smaller-payload"
    if path == "data.autoSelection" and absent:
        return "headless.no-auto-selection"
    if path == "data.originContext" and observed == "Search":
        return "headless.origin-context-search"
    if path == "data.suggestionId":
        return "headless.suggestion-id-unique-id"
    if path.endswith(".documentUriHash") and not absent:
        return "headless.sends-deprecated-fields"
    if path == "data.contentIDKey" and observed == "permanentId":
        return "headless.content-id-key"
    if path == "ticket.id" and action == "ticket_create" and absent:
        return "headless.ticket-id-from-case-inputs"
    if path.startswith("ticket.") and action == "ticket_classification_click" and absent:
        return "headless.classification-ticket-before-update"
    return None
