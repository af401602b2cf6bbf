from __future__ import annotations

import pytest

from checker.check.matchers import MISSING, MatcherError, compare, compile_value


def ok(spec, observed):
    return all(d.ok for d in compare(compile_value(spec), observed, "x"))


@pytest.mark.parametrize(
    "spec, observed, expected",
    [
        ("a", "a", True),
        ("a", "b", False),
        (1, 1.0, True),
        (True, 1, False),
        (False, "false", False),
        ({"regex": "^500"}, "500Dm", True),
        ({"regex": "^500"}, "400", False),
        ({"regex": "^500"}, 500, False),
        ({"any": True}, None, True),
        ({"any": True}, MISSING, False),
        ({"absent": True}, MISSING, True),
        ({"absent": True}, "", False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
    ],
)
def test_leaf_matchers(spec, observed, expected):
    assert ok(spec, observed) is expected


def test_partial_mapping_reports_each_leaf():
    spec = {"fieldName": "category", "classification": {"value": "Electrical"}, "autoSelection": False}
    observed = {"fieldName": "category", "classification": {"value": "Mechanical", "confidence": 0.1}, "extra": 1}
    diffs = compare(compile_value(spec), observed, "data")
    assert [(d.path, d.ok) for d in diffs] == [
        ("data.fieldName", True),
        ("data.classification.value", False),
        ("data.autoSelection", False),
    ]
    assert diffs[2].observed == "<absent>"


def test_mapping_against_non_mapping():
    (diff,) = compare(compile_value({"a": 1}), "text", "data")
    assert not diff.ok and diff.expected == {"a": 1}


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"regex": "(("}, "invalid regex"),
        ({"regex": 5}, "string pattern"),
        ({"any": "yes"}, "`any` takes `true`"),
        ({"absent": 1}, "`absent` takes `true`"),
    ],
)
def test_bad_matchers_raise_with_path(spec, message):
    with pytest.raises(MatcherError) as info:
        compile_value({"id": spec}, ("ticket",))
    assert message in info.value.message and info.value.path[:2] == ("ticket", "id")


def test_a_pattern_that_backtracks_forever_gives_up_within_its_budget_and_says_so():
    """`^(a|a)*$` on 40 'a' and a '!' would backtrack for hours with `re`: it stops, fails, and says why."""
    import time

    from checker.check.matchers import REGEX_BUDGET_S

    started = time.monotonic()
    (diff,) = compare(compile_value({"regex": "^(a|a)*$"}), "a" * 40 + "!", "data.subject")
    assert time.monotonic() - started < REGEX_BUDGET_S * 10  # the module checks its clock between steps
    assert not diff.ok and "gave up after 0.5 s" in diff.note and "nested repeats" in diff.note
    (quick,) = compare(compile_value({"regex": "^(a+)+$"}), "a" * 34 + "!", "data.subject")
    assert not quick.ok and quick.note is None  # the issue's own example: decided at once, no note
