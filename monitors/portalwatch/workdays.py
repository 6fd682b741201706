"""Working days in Vietnam: deadlines in the law are counted without weekends and public holidays.

Holidays come from the ``holidays`` package (Tết follows the lunar calendar, and make-up days off
move each year), so no date is written here. A day off moved to make a longer break is paid back
on a Saturday (26/4/2025 for 2/5/2025): the package lists that Saturday too (``weekend_workdays``),
and it counts as a working day, or a deadline across it would come a day late.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

__all__ = ["working_days_between", "add_working_days", "is_working_day"]


@lru_cache(maxsize=32)
def _holidays(country: str, first_year: int, last_year: int) -> tuple[tuple[np.datetime64, ...], frozenset[dt.date]]:
    """The days off of those years, and the weekend days worked instead of a day off moved."""
    import holidays

    days = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    worked = frozenset(d for d in getattr(days, "weekend_workdays", ()) if first_year <= d.year <= last_year)
    return tuple(np.datetime64(d) for d in sorted(days)), worked


def _calendar(start: dt.date, end: dt.date, country: str) -> tuple[tuple[np.datetime64, ...], frozenset[dt.date]]:
    low, high = min(start, end), max(start, end)
    return _holidays(country, low.year, high.year + 1)


def working_days_between(start: dt.date, end: dt.date, country: str = "VN") -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    if end <= start:
        return 0
    off, worked = _calendar(start, end, country)
    first = start + dt.timedelta(days=1)
    return (int(np.busday_count(first, end + dt.timedelta(days=1), holidays=off))
            + sum(start < day <= end for day in worked))


def is_working_day(day: dt.date, country: str = "VN") -> bool:
    off, worked = _calendar(day, day, country)
    return day in worked or bool(np.is_busday(day, holidays=off))


def add_working_days(start: dt.date, days: int, country: str = "VN") -> dt.date:
    """The date ``days`` working days after ``start`` (a deadline). A start on a weekend or holiday
    counts from the working day before it, so Saturday + 5 is the next Friday, not the Monday after."""
    horizon = start + dt.timedelta(days=days * 2 + 30)
    off, worked = _calendar(start - dt.timedelta(days=14), horizon, country)
    if not any(start - dt.timedelta(days=14) <= day <= horizon for day in worked):
        result = np.busday_offset(start, days, roll="backward", holidays=off)
        return result.astype("datetime64[D]").item()
    # A worked Saturday nearby: counted day by day (a deadline is a few days; numpy knows no such day).
    day = start
    while not is_working_day(day, country):
        day -= dt.timedelta(days=1)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not is_working_day(day, country):
            day += dt.timedelta(days=1)
    return day
