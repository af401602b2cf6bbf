"""What a rule is given: the run's result and the user's configuration of the rules (below the rulebook, so the
modules the rules use, e.g. `checker.check.deviations`, may name it without importing the rulebook)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from checker.check.advice import advise
from checker.models import Event, JsCall, ScenarioResult, Severity

T = TypeVar("T")


@dataclass
class RuleConfig:
    """What the user's configuration says about the rules."""

    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    expected_search_hub: str | None = None
    expected_organization: str | None = None  # the Coveo organization the page must use (lower case)
    proxies: list[str] = field(default_factory=list)
    custom_ticket_fields: list[str] = field(default_factory=list)
    deviations: str = "warning"  # warning | error | ignore: how known library deviations count
    custom_actions: list[str] = field(default_factory=list)  # an organisation's own action types (not unknown)
    field_update_limit: int = 2  # more ticket_field_update for one field in one step is noise


@dataclass
class RuleContext:
    result: ScenarioResult
    config: RuleConfig = field(default_factory=RuleConfig)
    memo: dict = field(default_factory=dict)  # what several rules derive from the same result, computed once

    @property
    def events(self) -> list[Event]:
        return self.result.events

    @cached_property
    def calls_by_fn(self) -> dict[str, list[JsCall]]:
        """The JS layer's records by kind (`coveoua`, `page-error`, …), each list in call order."""
        grouped: dict[str, list[JsCall]] = {}
        for call in self.result.js_calls:  # kept in call order: the JS layer appends them, journals replay them
            grouped.setdefault(call.fn, []).append(call)
        return grouped

    def calls(self, fn: str) -> list[JsCall]:
        return self.calls_by_fn.get(fn, [])

    def step_text(self, step: int | None) -> str:
        """'step #3 (click #next)', or 'outside the steps' for what happened before the first or after the last."""
        if step is None or not 0 <= step < len(self.result.steps):
            return "outside the steps"
        return f"step #{step + 1} ({self.result.steps[step].description})"

    def during(self, step: int | None) -> str:
        """'during step #3 (click #next)', or 'outside the steps' (the words `step_text` needs after "during")."""
        text = self.step_text(step)
        return text if text == "outside the steps" else f"during {text}"

    @cached_property
    def case_events(self) -> list[Event]:
        """Events that name an action (Case Assist or not); undecodable requests are left to their own rule."""
        return [e for e in self.result.events if e.action is not None and e.decode_error is None]

    def advise(self, topic: str, **values: object) -> str:
        """A fix hint in the words of the page's implementation (snippet, Headless or Quantic)."""
        return advise(self.result.implementation, topic, **values)

    def once(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]
