"""Working days in Vietnam: deadlines in the law are counted without weekends and public holidays.

Holidays come from the ``holidays`` package (Tết follows the lunar calendar, and make-up days off
move each year), so no date is written here.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

__all__ = ["working_days_between", "add_working_days", "is_working_day"]


@lru_cache(maxsize=32)
def _holidays(country: str, first_year: int, last_year: int) -> tuple[np.datetime64, ...]:
    import holidays

    days = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    return tuple(np.datetime64(d) for d in sorted(days))


def _calendar(start: dt.date, end: dt.date, country: str) -> tuple[np.datetime64, ...]:
    low, high = min(start, end), max(start, end)
    return _holidays(country, low.year, high.year + 1)


def working_days_between(start: dt.date, end: dt.date, country: str = "VN") -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    if end <= start:
        return 0
    first = start + dt.timedelta(days=1)
    return int(np.busday_count(first, end + dt.timedelta(days=1), holidays=_calendar(start, end, country)))


def is_working_day(day: dt.date, country: str = "VN") -> bool:
    return bool(np.is_busday(day, holidays=_calendar(day, day, country)))


def add_working_days(start: dt.date, days: int, country: str = "VN") -> dt.date:
    """The date ``days`` working days after ``start`` (a deadline). A start on a weekend or holiday
    counts from the working day before it, so Saturday + 5 is the next Friday, not the Monday after."""
    horizon = start + dt.timedelta(days=days * 2 + 30)
    result = np.busday_offset(start, days, roll="backward", holidays=_calendar(start, horizon, country))
    return result.astype("datetime64[D]").item()
