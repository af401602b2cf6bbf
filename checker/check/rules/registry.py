"""The registry the rule modules add to (`@rule`), and what a rule yields: below the rulebook, which imports every
rule module so that importing it registers them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from checker.check.context import RuleContext
from checker.models import Event, Severity


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


RuleFn = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    section: str
    fn: RuleFn
    why: str = ""  # what the defect costs (the report's "why it matters")


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str, section: str, why: str = "") -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        RULES[rule_id] = Rule(rule_id, severity, title, section, fn, why)
        return fn

    return register
