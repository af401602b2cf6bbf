"""Stage 1: scenario files → validated models."""

from checker.scenario.loader import LoadOptions, discover, load_file, load_scenarios
from checker.scenario.model import Expectation, Scenario, describe_step, step_kind

__all__ = [
    "Expectation",
    "LoadOptions",
    "Scenario",
    "describe_step",
    "discover",
    "load_file",
    "load_scenarios",
    "step_kind",
]
