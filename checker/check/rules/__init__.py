"""The rulebook: each protocol requirement is a small pure function registered with a stable id.

A rule takes a `RuleContext` (the decoded events plus what else was captured) and yields `Finding`s; it needs no
browser, so every rule is testable with hand-built events. `evaluate()` runs the enabled rules and turns
findings into `Violation`s with the rule's severity (or the one the configuration sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable

from checker.check.advice import advise, library_name
from checker.check.deviations import DEVIATIONS, label
from checker.check.implementation import detect
from checker.models import SEVERITY_ORDER, Event, ScenarioResult, Severity, Violation


@dataclass(frozen=True)
class Finding:
    message: str
    hint: str = ""
    event: Event | None = None
    field: str | None = None
    action: str | None = None  # when no event carries it (e.g. an expected action that never came)
    step: int | None = None
    severity: Severity | None = None  # a rule may lower its own severity for one finding
    deviation: str | None = None  # key of a known library deviation (see checker.check.deviations)


@dataclass
class RuleConfig:
    """What the user's configuration says about the rules."""

    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    expected_search_hub: str | None = None
    proxies: list[str] = field(default_factory=list)
    custom_ticket_fields: list[str] = field(default_factory=list)
    deviations: str = "warning"  # warning | error | ignore: how known library deviations count


@dataclass
class RuleContext:
    result: ScenarioResult
    config: RuleConfig = field(default_factory=RuleConfig)
    memo: dict = field(default_factory=dict)  # what several rules derive from the same result, computed once

    @property
    def events(self) -> list[Event]:
        return self.result.events

    @cached_property
    def case_events(self) -> list[Event]:
        """Events that name an action (Case Assist or not); undecodable requests are left to their own rule."""
        return [e for e in self.result.events if e.action is not None and e.decode_error is None]

    def advise(self, topic: str, **values: object) -> str:
        """A fix hint in the words of the page's implementation (snippet, Headless or Quantic)."""
        return advise(self.result.implementation, topic, **values)

    def once(self, key: str, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


RuleFn = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    section: str
    fn: RuleFn


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str, section: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        RULES[rule_id] = Rule(rule_id, severity, title, section, fn)
        return fn

    return register


def to_violation(item: Rule, finding: Finding, context: RuleContext) -> Violation | None:
    config = context.config
    severity = config.severities.get(item.id) or finding.severity or item.severity
    message, hint, deviation = finding.message, finding.hint, None
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
            hint = "the library does this, not your page: report it to Coveo"
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
    _load_rule_modules()
    context.result.implementation = detect(context.result)
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
    return sorted(violations, key=lambda v: (SEVERITY_ORDER[v.severity], v.event_index if v.event_index is not None else 1 << 30, v.rule))


def all_rules() -> list[Rule]:
    _load_rule_modules()
    return list(RULES.values())


def _load_rule_modules() -> None:
    from checker.check.rules import causal, flow, payload, reconcile, transport  # noqa: F401  (registration side effect)
