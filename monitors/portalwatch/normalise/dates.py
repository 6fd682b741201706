"""Dates as portals write them ("12/06/2022", "Ngày 12 tháng 6 năm 2022"), by the profile's formats."""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_date"]

_VI_LONG = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)


def parse_date(text: str | None, formats: tuple[str, ...]) -> dt.date | None:
    """The first format that parses the text (or a date inside it); None when none does."""
    if not text:
        return None
    text = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    long_form = _VI_LONG.search(text)
    if long_form:
        day, month, year = (int(g) for g in long_form.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    match = re.search(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}", text)
    if match and match.group(0) != text:
        return parse_date(match.group(0), formats)
    return None
