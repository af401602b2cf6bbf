"""Moved to :mod:`checker.matchers` (a leaf: scenario validation compiles matchers too); kept for older imports."""

from checker.matchers import (
    MISSING,
    OPERATORS,
    REGEX_BUDGET_S,
    Captures,
    GaveUp,
    MatcherError,
    Op,
    captures_used,
    compare,
    compile_value,
)

__all__ = [
    "MISSING",
    "OPERATORS",
    "REGEX_BUDGET_S",
    "Captures",
    "GaveUp",
    "MatcherError",
    "Op",
    "captures_used",
    "compare",
    "compile_value",
]
