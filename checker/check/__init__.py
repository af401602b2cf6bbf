"""Stage 5: events → expectation results, violations and the scenario's verdict (`analyze` does it all, from the
capture)."""

from __future__ import annotations

from checker.check.analyze import analyze, check_scenario, verdict
from checker.check.rules import RuleConfig

__all__ = ["analyze", "check_scenario", "verdict", "RuleConfig"]
