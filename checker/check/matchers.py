"""Value matchers for expectations: literals, partial mappings and operator mappings.

    "GC110"                 equal (1 == 1.0, but True != 1)
    {fieldName: subject}    partial match: the listed keys must match, others are ignored
    {regex: "^500"}         the value is a string matching the pattern (re.search)
    {any: true}             the key is present (any value, null included)
    {absent: true}          the key is not present

A mapping is an operator only when its single key is an operator name; anything else is a partial match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from checker.models import FieldDiff

MISSING = object()  # a key not present in the observed payload


class MatcherError(ValueError):
    def __init__(self, path: tuple[Any, ...], message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Op:
    """A compiled operator: `test(observed)` with MISSING for an absent key."""

    spec: Any  # what the scenario wrote, for display
    test: Callable[[Any], bool]


def _regex(arg: Any, path: tuple[Any, ...]) -> Op:
    if not isinstance(arg, str):
        raise MatcherError(path, "regex needs a string pattern", 'write {regex: "^500"}')
    try:
        pattern = re.compile(arg)
    except re.error as exc:
        raise MatcherError(path, f"invalid regex {arg!r}: {exc}", "escape special characters with \\") from None
    return Op({"regex": arg}, lambda v: isinstance(v, str) and pattern.search(v) is not None)


def _any(arg: Any, path: tuple[Any, ...]) -> Op:
    if arg is not True:
        raise MatcherError(path, "`any` takes `true`", "write {any: true} for 'present with any value'")
    return Op({"any": True}, lambda v: v is not MISSING)


def _absent(arg: Any, path: tuple[Any, ...]) -> Op:
    if arg is not True:
        raise MatcherError(path, "`absent` takes `true`", "write {absent: true} for 'must not be present'")
    return Op({"absent": True}, lambda v: v is MISSING)


OPERATORS: dict[str, Callable[[Any, tuple[Any, ...]], Op]] = {
    "regex": _regex,
    "any": _any,
    "absent": _absent,
}


def _equal(expected: Any, observed: Any) -> bool:
    if isinstance(expected, bool) or isinstance(observed, bool):
        return type(expected) is type(observed) and expected == observed
    return expected == observed


def compile_value(spec: Any, path: tuple[Any, ...] = ()) -> Any:
    """Turn what the scenario wrote into a tree of Op / dict (partial) / literal. Raises MatcherError."""
    if isinstance(spec, dict):
        if len(spec) == 1:
            (key, arg), = spec.items()
            if key in OPERATORS:
                return OPERATORS[key](arg, path + (key,))
        return {key: compile_value(value, path + (key,)) for key, value in spec.items()}
    if isinstance(spec, list):
        return Op(spec, lambda v, spec=spec: isinstance(v, list) and len(v) == len(spec) and all(map(_equal, spec, v)))
    return Op(spec, lambda v, spec=spec: _equal(spec, v))


def compare(compiled: Any, observed: Any, path: str) -> list[FieldDiff]:
    """Compare an observed value with a compiled spec; one FieldDiff per leaf, `ok` telling if it matched."""
    if isinstance(compiled, Op):
        return [FieldDiff(path=path, expected=compiled.spec, observed=_shown(observed), ok=compiled.test(observed))]
    if not isinstance(observed, dict):
        return [FieldDiff(path=path, expected=_spec_of(compiled), observed=_shown(observed), ok=False)]
    diffs: list[FieldDiff] = []
    for key, sub in compiled.items():
        diffs.extend(compare(sub, observed.get(key, MISSING), f"{path}.{key}" if path else str(key)))
    return diffs


def _spec_of(compiled: Any) -> Any:
    if isinstance(compiled, Op):
        return compiled.spec
    return {key: _spec_of(sub) for key, sub in compiled.items()}


def _shown(observed: Any) -> Any:
    return "<absent>" if observed is MISSING else observed
