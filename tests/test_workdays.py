import datetime as dt

import pytest

from portalwatch.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("start, end, days", [
    (dt.date(2022, 6, 10), dt.date(2022, 6, 13), 1),     # Friday -> Monday
    (dt.date(2022, 6, 13), dt.date(2022, 6, 13), 0),
    (dt.date(2022, 6, 13), dt.date(2022, 6, 10), 0),
    (dt.date(2023, 1, 19), dt.date(2023, 1, 30), 2),     # Tết 2023: 20-26 January off
    (dt.date(2025, 8, 29), dt.date(2025, 9, 3), 1),      # National Day 2025: 1-2 September off
])
def test_working_days_between(start, end, days):
    assert working_days_between(start, end) == days


def test_tet_and_weekends_are_not_working_days():
    assert not is_working_day(dt.date(2023, 1, 23))   # Tết, a Monday
    assert not is_working_day(dt.date(2022, 6, 12))   # Sunday
    assert is_working_day(dt.date(2022, 6, 13))


def test_deadline_skips_tet():
    assert add_working_days(dt.date(2023, 1, 19), 3) == dt.date(2023, 1, 31)


def test_deadline_from_a_weekend_counts_the_following_working_days():
    assert add_working_days(dt.date(2022, 6, 18), 5) == dt.date(2022, 6, 24)   # Saturday -> Friday
    assert add_working_days(dt.date(2022, 6, 13), 5) == dt.date(2022, 6, 20)   # Monday -> Monday
    assert add_working_days(dt.date(2023, 1, 20), 1) == dt.date(2023, 1, 27)   # first day of Tết -> after it


def test_a_saturday_worked_instead_of_a_day_off_moved_is_a_working_day():
    """2/5/2025 (a Friday) was given off to join 30/4 and 1/5 to the weekend, and worked back on
    Saturday 26/4/2025: a deadline across it counts that Saturday and not that Friday."""
    assert is_working_day(dt.date(2025, 4, 26)) and not is_working_day(dt.date(2025, 5, 2))
    assert not is_working_day(dt.date(2025, 4, 19)), "an ordinary Saturday"
    # Thursday 24/4 + 5: Fri 25, Sat 26 (worked), Mon 28, Tue 29, Mon 5/5 (30/4, 1/5, 2/5 off)
    assert add_working_days(dt.date(2025, 4, 24), 5) == dt.date(2025, 5, 5)
    assert working_days_between(dt.date(2025, 4, 24), dt.date(2025, 5, 5)) == 5
    assert add_working_days(dt.date(2025, 4, 26), 1) == dt.date(2025, 4, 28), "a start on it counts from it"
    assert add_working_days(dt.date(2025, 4, 27), 1) == dt.date(2025, 4, 28), "Sunday rolls back to the Saturday"
