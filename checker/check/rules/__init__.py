"""The rulebook: each protocol requirement is a small pure function registered with a stable id.

A rule takes a `RuleContext` (the decoded events plus what else was captured) and yields `Finding`s; it needs no
browser, so every rule is testable with hand-built events. `evaluate()` runs the enabled rules and turns
findings into `Violation`s with the rule's severity (or the one the configuration sets).
"""

from __future__ import annotations

import dataclasses

from checker.check.advice import library_name
from checker.check.context import RuleConfig, RuleContext
from checker.check.deviations import DEVIATIONS, label
from checker.check.implementation import detect
from checker.check.rules import causal, flow, lifecycle, payload, reconcile, transport  # noqa: F401  (they register their rules)
from checker.check.rules.registry import RULES, Finding, Rule, RuleFn, rule
from checker.models import SEVERITY_ORDER, Severity, Violation

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "RuleConfig",
    "RuleContext",
    "RuleFn",
    "all_rules",
    "evaluate",
    "rule",
    "sort_violations",
    "to_violation",
]


def to_violation(item: Rule, finding: Finding, context: RuleContext) -> Violation | None:
    config = context.config
    severity = config.severities.get(item.id) or finding.severity or item.severity
    message, hint, deviation = finding.message, finding.hint, None
    if finding.deviation and not DEVIATIONS[finding.deviation].applies_to(context.result.implementation.headless):
        finding = dataclasses.replace(finding, deviation=None)  # that release cannot have it: the page's own doing
    if finding.deviation:
        known = DEVIATIONS[finding.deviation]
        deviation = label(finding.deviation, context)
        library = library_name(context.result.implementation)
        if known.page_fix:  # the library explains it, but the page can avoid it: the page's finding still
            message = f"{message} ({library} does not do it by itself)"
            hint = context.advise(known.page_fix)
        else:
            if config.deviations == "ignore":
                return None
            severity = Severity.error if config.deviations == "error" else Severity.warning
            message = f"{message} (a known deviation of {library})"
            hint = "the library does this, not your page: " + (
                f"@coveo/headless {known.fixed_in} and later do not, upgrade "
                + ("the Quantic package" if context.result.implementation.quantic else "Headless")
                if known.fixed_in
                else "report it to Coveo"
            )
    event = finding.event
    return Violation(
        rule=item.id,
        severity=severity,
        message=message,
        hint=hint,
        deviation=deviation,
        section=item.section,
        action=finding.action or (event.action if event else None),
        event_index=event.index if event else None,
        step=finding.step if finding.step is not None else (event.step if event else None),
        field=finding.field,
    )


def evaluate(context: RuleContext) -> list[Violation]:
    """Run the enabled rules; first say which implementation the page runs, since their advice speaks it."""
    context.result.implementation = detect(context.result, context.calls_by_fn)
    violations: list[Violation] = []
    for item in RULES.values():
        if item.id in context.config.disabled:
            continue
        for finding in item.fn(context):
            violation = to_violation(item, finding, context)
            if violation is not None:
                violations.append(violation)
    return sort_violations(violations)


def sort_violations(violations: list[Violation]) -> list[Violation]:
    return sorted(
        violations,
        key=lambda v: (SEVERITY_ORDER[v.severity], v.event_index if v.event_index is not None else 1 << 30, v.rule),
    )


def all_rules() -> list[Rule]:
    return list(RULES.values())
