"""Stage 5: events → expectation results, violations and the scenario's verdict."""

from __future__ import annotations

from checker.check.expectations import evaluate_scenario
from checker.check.reconcile import reconcile
from checker.check.rules import RuleConfig, RuleContext, evaluate
from checker.models import ScenarioResult, Severity, Status, StepStatus
from checker.scenario.model import Scenario

__all__ = ["check_scenario", "RuleConfig"]


def check_scenario(result: ScenarioResult, scenario: Scenario, config: RuleConfig | None = None) -> ScenarioResult:
    """Fill `implementation`, `expectations`, `violations` and `status` of a scenario whose events are decoded."""
    result.expectations = _expectations(result, scenario)
    for outcome in result.expectations:
        if not outcome.matched and outcome.step is not None and result.steps[outcome.step].status == StepStatus.passed:
            result.steps[outcome.step].status = StepStatus.failed
    result.reconciliation = reconcile(result)
    result.violations = evaluate(RuleContext(result, config or RuleConfig()))
    result.status = _verdict(result)
    return result


def _expectations(result: ScenarioResult, scenario: Scenario):
    ran = {s.index for s in result.steps if s.status not in (StepStatus.error, StepStatus.skipped)}
    return evaluate_scenario(scenario, result.events, ran, include_flow=result.error is None)


def _verdict(result: ScenarioResult) -> Status:
    if result.error is not None or any(s.status == StepStatus.error for s in result.steps):
        return Status.error
    if any(v.severity == Severity.error for v in result.violations):
        return Status.failed
    return Status.passed
