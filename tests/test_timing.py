"""Each stage of a night is timed where it runs, on a clock the test controls."""

from __future__ import annotations

import pytest

from portalwatch.timing import Stopwatch, describe


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_stage_gets_the_time_spent_in_it_and_the_total_counts_the_glue_too():
    clock = Clock()
    watch = Stopwatch(clock)
    with watch.stage("render"):
        clock.now += 2.5
    clock.now += 0.25                      # between stages: in the total only
    with watch.stage("validate"):
        clock.now += 4.0
    assert watch.seconds() == {"render": 2.5, "validate": 4.0, "total": 6.75}


def test_a_stage_entered_twice_adds_up_and_keeps_its_first_place():
    clock = Clock()
    watch = Stopwatch(clock)
    with watch.stage("setup"):
        clock.now += 0.1
    with watch.stage("render"):
        clock.now += 1.0
    with watch.stage("setup"):
        clock.now += 0.2
    assert list(watch.seconds()) == ["setup", "render", "total"]
    assert watch.seconds()["setup"] == pytest.approx(0.3)


def test_a_stage_that_fails_is_timed_and_its_error_goes_through():
    clock = Clock()
    watch = Stopwatch(clock)
    with pytest.raises(TimeoutError):
        with watch.stage("render"):
            clock.now += 3.0
            raise TimeoutError("the portal did not answer")
    assert watch.seconds()["render"] == 3.0


def test_figures_are_rounded_to_hundredths():
    clock = Clock()
    watch = Stopwatch(clock)
    with watch.stage("extract"):
        clock.now += 0.123456
    assert watch.seconds() == {"extract": 0.12, "total": 0.12}


def test_one_line_for_ops():
    line = describe({"setup": 0.04, "render": 2.54, "validate": 7.1, "total": 12.36})
    assert line == "12.36 s (setup 0.04 s, render 2.54 s, validate 7.10 s)"
    assert describe({"total": 1.5}) == "1.50 s"

