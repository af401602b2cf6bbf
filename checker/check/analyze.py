"""The one analysis path: a scenario's capture (requests, JS calls, steps, page info) → its checked `ScenarioResult`.

decode → expectations (when the scenario is known) → reconcile → rules → verdict. The runner, its workers, the
pytest plugin's `case_assist` fixture and `case-assist-check report DIR` all go through `analyze`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from checker.check.expectations import evaluate_scenario
from checker.check.reconcile import reconcile
from checker.check.rules import RuleConfig, RuleContext, evaluate
from checker.decode import decode_all
from checker.models import ExpectationResult, ScenarioResult, Severity, Status, StepStatus
from checker.scenario.model import Scenario


def analyze(
    result: ScenarioResult, scenario: Scenario | None = None, rules: RuleConfig | None = None
) -> ScenarioResult:
    """Decode the result's captured requests and JS calls into its `events`, then check them (`check_scenario`).
    Without `scenario` (a Python test's capture, or a journal whose scenario file is gone) only the rules apply."""
    with cycle_collector_paused():
        result.events = decode_all(result.requests, result.js_calls)
        return check_scenario(result, scenario, rules)


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """The analysis makes tens of thousands of small acyclic objects (events, pairings, findings); Python's cycle
    collector would walk all that is alive each time it counts enough new ones: about a third of the analysis time
    on a 10,000-event capture. Nothing it builds is cyclic, so the collector waits until it is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_scenario(
    result: ScenarioResult, scenario: Scenario | None = None, config: RuleConfig | None = None
) -> ScenarioResult:
    """Fill `expectations`, `reconciliation`, `violations` and `status` of a scenario whose events are decoded."""
    result.expectations = _expectations(result, scenario) if scenario is not None else []
    for outcome in result.expectations:
        if not outcome.matched and outcome.step is not None and result.steps[outcome.step].status == StepStatus.passed:
            result.steps[outcome.step].status = StepStatus.failed
    result.reconciliation = reconcile(result)
    result.violations = evaluate(RuleContext(result, config or RuleConfig()))
    result.status = verdict(result)
    return result


def _expectations(result: ScenarioResult, scenario: Scenario) -> list[ExpectationResult]:
    ran = {s.index for s in result.steps if s.status not in (StepStatus.error, StepStatus.skipped)}
    return evaluate_scenario(scenario, result.events, ran, include_flow=result.error is None)


def verdict(result: ScenarioResult) -> Status:
    """error: not driven to its end (or a step errored); failed: an error-severity finding; else passed."""
    if result.error is not None or any(s.status == StepStatus.error for s in result.steps):
        return Status.error
    if any(v.severity == Severity.error for v in result.violations):
        return Status.failed
    return Status.passed
