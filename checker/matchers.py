"""Value matchers for expectations: literals, partial mappings and operator mappings.

    "GC110"                 equal (1 == 1.0, but True != 1)
    {fieldName: subject}    partial match: the listed keys must match, others are ignored
    {regex: "^500"}         the value is a string matching the pattern (search; at most REGEX_BUDGET_S per value)
    {any: true}             the key is present (any value, null included)
    {absent: true}          the key is not present
    {type: string}          string | number | integer | boolean | object | array | null
    {range: [0, 1]}         a number within the bounds (inclusive; null for an open end)
    {one_of: [Quit, Solved]} equal to one of the values
    {capture: cid}          present; remember the value as `cid` (the first event that matches decides)
    {same_as: cid}          equal to the value captured as `cid` earlier in the scenario

A mapping is an operator only when its single key is an operator name; anything else is a partial match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import regex

from checker.models import FieldDiff

# A user's pattern can backtrack for hours on one value (`^(a|a)*$`): the `regex` module stops it after this long,
# and the comparison fails saying so, instead of hanging a nightly run.
REGEX_BUDGET_S = 0.5

MISSING = object()  # a key not present in the observed payload


class GaveUp(Exception):
    """A matcher could not decide within its budget; the message says why, for the finding."""


class MatcherError(ValueError):
    def __init__(self, path: tuple[Any, ...], message: str, hint: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint


@dataclass
class Captures:
    """Values remembered by `{capture: name}`; `pending` holds those of a match being tried."""

    values: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] = field(default_factory=dict)

    def commit(self) -> None:
        for name, value in self.pending.items():
            self.values.setdefault(name, value)
        self.pending = {}


@dataclass(frozen=True)
class Op:
    """A compiled operator: `test(observed, captures)`, with MISSING for an absent key."""

    spec: Any  # what the scenario wrote, for display
    test: Callable[[Any, Captures], bool]


TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer(),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _regex(arg: Any, path: tuple[Any, ...]) -> Op:
    if not isinstance(arg, str):
        raise MatcherError(path, "regex needs a string pattern", 'write {regex: "^500"}')
    try:
        pattern = regex.compile(arg)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        raise MatcherError(path, f"invalid regex {arg!r}: {exc}", "escape special characters with \\") from None

    def matches(value: Any, captures: Captures) -> bool:
        try:
            return isinstance(value, str) and pattern.search(value, timeout=REGEX_BUDGET_S) is not None
        except TimeoutError:
            raise GaveUp(
                f"the pattern gave up after {REGEX_BUDGET_S} s on this {len(value)}-character value "
                "(catastrophic backtracking: avoid nested repeats such as (a+)+ or (a|a)*)"
            ) from None

    return Op({"regex": arg}, matches)


def _flag(name: str, test: Callable[[Any], bool]) -> Callable[[Any, tuple[Any, ...]], Op]:
    def build(arg: Any, path: tuple[Any, ...]) -> Op:
        if arg is not True:
            raise MatcherError(path, f"`{name}` takes `true`", f"write {{{name}: true}}")
        return Op({name: True}, lambda v, c: test(v))

    return build


def _type(arg: Any, path: tuple[Any, ...]) -> Op:
    if not isinstance(arg, str) or arg not in TYPES:
        raise MatcherError(path, f"unknown type {arg!r}", "types: " + ", ".join(TYPES))
    return Op({"type": arg}, lambda v, c: v is not MISSING and TYPES[arg](v))


def _range(arg: Any, path: tuple[Any, ...]) -> Op:
    bounds_ok = isinstance(arg, list) and len(arg) == 2 and all(b is None or _is_number(b) for b in arg)
    if not bounds_ok:
        raise MatcherError(path, "range takes [min, max] (numbers, or null for an open end)", "write {range: [0, 1]}")
    low, high = arg
    return Op({"range": arg}, lambda v, c: _is_number(v) and (low is None or v >= low) and (high is None or v <= high))


def _one_of(arg: Any, path: tuple[Any, ...]) -> Op:
    if not isinstance(arg, list) or not arg:
        raise MatcherError(path, "one_of takes a non-empty list", "write {one_of: [Quit, Solved]}")
    return Op({"one_of": arg}, lambda v, c: any(_equal(option, v) for option in arg))


def _name(arg: Any, path: tuple[Any, ...], op: str) -> str:
    if not isinstance(arg, str) or not arg.isidentifier():
        raise MatcherError(path, f"{op} takes a name (letters, digits, _)", f"write {{{op}: cid}}")
    return arg


def _capture(arg: Any, path: tuple[Any, ...]) -> Op:
    name = _name(arg, path, "capture")

    def test(v: Any, captures: Captures) -> bool:
        if v is MISSING:
            return False
        captures.pending[name] = v
        return True

    return Op({"capture": name}, test)


def _same_as(arg: Any, path: tuple[Any, ...]) -> Op:
    name = _name(arg, path, "same_as")
    return Op({"same_as": name}, lambda v, c: name in c.values and _equal(c.values[name], v))


OPERATORS: dict[str, Callable[[Any, tuple[Any, ...]], Op]] = {
    "regex": _regex,
    "any": _flag("any", lambda v: v is not MISSING),
    "absent": _flag("absent", lambda v: v is MISSING),
    "type": _type,
    "range": _range,
    "one_of": _one_of,
    "capture": _capture,
    "same_as": _same_as,
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equal(expected: Any, observed: Any) -> bool:
    if isinstance(expected, bool) or isinstance(observed, bool):
        return type(expected) is type(observed) and expected == observed
    return expected == observed


def compile_value(spec: Any, path: tuple[Any, ...] = ()) -> Any:
    """Turn what the scenario wrote into a tree of Op / dict (partial) / literal. Raises MatcherError."""
    if isinstance(spec, dict):
        if len(spec) == 1:
            ((key, arg),) = spec.items()
            if key in OPERATORS:
                return OPERATORS[key](arg, path + (key,))
        return {key: compile_value(value, path + (key,)) for key, value in spec.items()}
    if isinstance(spec, list):
        items: list[Any] = spec

        def same_list(value: Any, captures: Captures) -> bool:
            return isinstance(value, list) and len(value) == len(items) and all(map(_equal, items, value))

        return Op(spec, same_list)

    def same_value(value: Any, captures: Captures) -> bool:
        return _equal(spec, value)

    return Op(spec, same_value)


def captures_used(spec: Any) -> tuple[set[str], set[str]]:
    """(names captured, names referred to by same_as) in what the scenario wrote."""
    captured: set[str] = set()
    referred: set[str] = set()
    if isinstance(spec, dict):
        if len(spec) == 1 and next(iter(spec)) in ("capture", "same_as"):
            (captured if "capture" in spec else referred).add(str(next(iter(spec.values()))))
        else:
            for value in spec.values():
                c, r = captures_used(value)
                captured |= c
                referred |= r
    return captured, referred


def compare(compiled: Any, observed: Any, path: str, captures: Captures | None = None) -> list[FieldDiff]:
    """Compare an observed value with a compiled spec; one FieldDiff per leaf, `ok` telling if it matched."""
    captures = captures if captures is not None else Captures()
    if isinstance(compiled, Op):
        try:
            return [
                FieldDiff(
                    path=path,
                    expected=compiled.spec,
                    observed=_shown(observed),
                    ok=compiled.test(observed, captures),
                    absent=observed is MISSING,
                )
            ]
        except GaveUp as stop:
            return [
                FieldDiff(
                    path=path,
                    expected=compiled.spec,
                    observed=_shown(observed),
                    ok=False,
                    note=str(stop),
                    absent=observed is MISSING,
                )
            ]
    if not isinstance(observed, dict):
        return [
            FieldDiff(
                path=path, expected=_spec_of(compiled), observed=_shown(observed), ok=False, absent=observed is MISSING
            )
        ]
    diffs: list[FieldDiff] = []
    for key, sub in compiled.items():
        diffs.extend(compare(sub, observed.get(key, MISSING), f"{path}.{key}" if path else str(key), captures))
    return diffs


def _spec_of(compiled: Any) -> Any:
    if isinstance(compiled, Op):
        return compiled.spec
    return {key: _spec_of(sub) for key, sub in compiled.items()}


def _shown(observed: Any) -> Any:
    return "<absent>" if observed is MISSING else observed
