"""When a step's outcome leaves the screen: the moment a later step first acts on the page."""

from __future__ import annotations

import math

from checker.drive.screens import shown_until


def test_a_step_is_shown_until_the_next_step_acts():
    starts = [10.0, 11.0, 12.0]
    acts = [10.2, 10.3, 11.05, 11.4, 12.3]  # each step's clicks and keys, the first a little after it starts
    assert shown_until(starts, [False] * 3, acts) == [11.05, 12.3, math.inf]


def test_a_step_that_does_not_act_passes_its_turn_to_the_next_one():
    starts = [10.0, 11.0, 12.0, 13.0]  # click, wait_for (no input), click, wait_for
    acts = [10.1, 12.2]
    assert shown_until(starts, [False] * 4, acts) == [12.2, 12.2, math.inf, math.inf]


def test_a_navigation_or_a_script_acts_as_it_starts():
    starts = [10.0, 11.0, 12.0]
    acts = [10.1, 11.5]  # the goto's page reacts to a focus script later: the goto itself already changed it
    assert shown_until(starts, [False, True, False], acts) == [11.0, math.inf, math.inf]


def test_acts_before_the_first_step_or_out_of_order_are_fine():
    assert shown_until([5.0, 6.0], [True, False], [6.5, 1.0, 6.2]) == [6.2, math.inf]
    assert shown_until([], [], [1.0]) == []
