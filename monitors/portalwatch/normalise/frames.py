"""Raw records -> the ``units`` and ``directory`` DataFrames of DESIGN.md.

Raw values are kept beside normalised ones (a finding shows what the site says). Units and people
are tied to the registry here; a name the registry cannot match keeps ``unit_id`` empty and is
listed in :attr:`Frames.unmatched`, never dropped. Likewise a date the page shows that none of the
profile's formats reads is listed in :attr:`Frames.unreadable_dates`: its check cannot be made, and
ops must hear of it rather than see every freshness check pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..profile.registry import Registry
from ..profile.schema import UNIT_PAGE, Profile
from .dates import parse_date
from .emails import parse_emails
from .phones import parse_phones
from .text import clean_text, is_placeholder

__all__ = ["Frames", "UnreadableDate", "build_frames", "UNIT_COLUMNS", "DIRECTORY_COLUMNS"]

UNIT_COLUMNS = ["unit_id", "unit_name", "intro", "address", "phones", "phone_raw", "fax", "fax_raw",
                "email", "email_raw", "leaders", "updated_at", "updated_raw", "page_url", "http_status"]
DIRECTORY_COLUMNS = ["unit_id", "unit_name", "person_name", "position", "office_phone", "office_phone_raw",
                     "mobile", "mobile_raw", "email", "email_raw", "page_url"]


SECTION_COLUMNS = ["section", "duty", "unit_id", "title", "date", "date_raw", "deadline", "deadline_raw",
                   "status_raw", "page_url"]


@dataclass(frozen=True, slots=True)
class UnreadableDate:
    """A date a page shows that none of the profile's formats reads: the check it feeds is unknown
    tonight (neither passed nor failed), and ops are told which field and what text."""

    page_type: str             # unit_page, or the section's page type
    field: str                 # the profile's field: updated, date, deadline
    raw: str                   # the text as the page shows it
    url: str
    unit_id: str | None        # whose check it is (the unit, or the section's responsible unit)


@dataclass(slots=True)
class Frames:
    units: pd.DataFrame
    directory: pd.DataFrame
    unmatched: list[dict[str, str]] = field(default_factory=list)   # names the registry does not know
    sections: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SECTION_COLUMNS))
    unreadable_dates: list[UnreadableDate] = field(default_factory=list)
    #: (page type, field) -> (dates read, dates shown) for every date field that showed something
    dates_read: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


def _first(values: tuple[str, ...] | list[str]) -> str | None:
    return values[0] if values else None


def _unit_row(record: dict[str, Any], profile: Profile, registry: Registry,
              unmatched: list[dict[str, str]]) -> dict[str, Any]:
    name = clean_text(record.get("unit_name")) or clean_text(record.get("link_text"))
    unit = registry.match(name or "") or registry.match(clean_text(record.get("link_text")) or "")
    if unit is None:
        unmatched.append({"source": "unit_page", "name": name or "", "url": record["page_url"]})
    phone_raw = clean_text(record.get("phone"))
    fax_raw = clean_text(record.get("fax"))
    email_raw = clean_text(record.get("email"))
    updated_raw = clean_text(record.get("updated"))
    phones = parse_phones(phone_raw, profile.contacts.region)
    faxes = parse_phones(fax_raw, profile.contacts.region)
    return {
        "unit_id": unit.id if unit else None,
        "unit_name": name,
        "intro": clean_text(record.get("intro")),
        "address": clean_text(record.get("address")),
        "phones": list(phones.numbers),
        "phone_raw": phone_raw,
        "fax": _first(faxes.numbers) or _first(phones.fax),
        "fax_raw": fax_raw,
        "email": _first(parse_emails(email_raw)),
        "email_raw": email_raw,
        "leaders": [t for t in (clean_text(v) for v in record.get("leaders") or []) if t],
        "updated_at": parse_date(updated_raw, profile.date_formats),
        "updated_raw": updated_raw,
        "page_url": record["page_url"],
        "http_status": int(record.get("http_status") or 0),
    }


def _directory_row(record: dict[str, Any], profile: Profile, registry: Registry,
                   unmatched: list[dict[str, str]], seen_unmatched: set[str]) -> dict[str, Any]:
    unit_name = clean_text(record.get("unit_name"))
    unit = registry.match(unit_name or "")
    if unit is None and (unit_name or "") not in seen_unmatched:
        seen_unmatched.add(unit_name or "")
        unmatched.append({"source": "directory", "name": unit_name or "", "url": record["page_url"]})
    office_raw = clean_text(record.get("office_phone"))
    mobile_raw = clean_text(record.get("mobile"))
    email_raw = clean_text(record.get("email"))
    return {
        "unit_id": unit.id if unit else None,
        "unit_name": unit_name,
        "person_name": clean_text(record.get("person_name")),
        "position": clean_text(record.get("position")),
        "office_phone": _first(parse_phones(office_raw, profile.contacts.region).numbers),
        "office_phone_raw": office_raw,
        "mobile": _first(parse_phones(mobile_raw, profile.contacts.region).numbers),
        "mobile_raw": mobile_raw,
        "email": _first(parse_emails(email_raw)),
        "email_raw": email_raw,
        "page_url": record["page_url"],
    }


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    # object dtype keeps None as None (not NaN) for text columns: what GX and JSON expect.
    return frame.astype(object).where(frame.notna(), None)


def _section_row(record: dict[str, Any], profile: Profile) -> dict[str, Any]:
    rule = next(r for r in profile.sections if r.page == record["page_type"])
    date_raw, deadline_raw = clean_text(record.get("date")), clean_text(record.get("deadline"))
    return {"section": rule.page, "duty": rule.duty, "unit_id": rule.responsible,
            "title": clean_text(record.get("title")), "date": parse_date(date_raw, profile.date_formats),
            "date_raw": date_raw, "deadline": parse_date(deadline_raw, profile.date_formats),
            "deadline_raw": deadline_raw, "status_raw": clean_text(record.get("status")),
            "page_url": record["page_url"]}


#: The date fields: (column of the parsed date, column of the raw text, the profile's field name).
_UNIT_DATES = (("updated_at", "updated_raw", "updated"),)
_SECTION_DATES = (("date", "date_raw", "date"), ("deadline", "deadline_raw", "deadline"))


def _dates(rows: list[dict[str, Any]], columns: tuple[tuple[str, str, str], ...], page_type: str | None,
           placeholders: tuple[str, ...]) -> tuple[list[UnreadableDate], dict[tuple[str, str], tuple[int, int]]]:
    """The dates shown but not read, and per (page type, field) how many of those shown were read.

    A placeholder ("Đang cập nhật") is not a date written in another format: other checks speak of it."""
    unreadable: list[UnreadableDate] = []
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        for parsed, raw_column, name in columns:
            raw = row.get(raw_column)
            if not raw or is_placeholder(raw, placeholders):
                continue
            where = (page_type or row["section"], name)
            count = counts.setdefault(where, [0, 0])
            count[1] += 1
            if row.get(parsed) is not None:
                count[0] += 1
            else:
                unreadable.append(UnreadableDate(where[0], name, raw, row["page_url"], row.get("unit_id")))
    return unreadable, {key: (read, shown) for key, (read, shown) in counts.items()}


def build_frames(unit_records: list[dict[str, Any]], directory_records: list[dict[str, Any]],
                 profile: Profile, registry: Registry, section_records: list[dict[str, Any]] = ()) -> Frames:
    """Normalise raw records into the DataFrames (one row per unit page / directory row / section item)."""
    unmatched: list[dict[str, str]] = []
    seen: set[str] = set()
    units = [_unit_row(r, profile, registry, unmatched) for r in unit_records]
    directory = [_directory_row(r, profile, registry, unmatched, seen) for r in directory_records]
    sections = [_section_row(r, profile) for r in section_records]
    placeholders = profile.checks.placeholders
    unit_dates, unit_counts = _dates(units, _UNIT_DATES, UNIT_PAGE, placeholders)
    section_dates, section_counts = _dates(sections, _SECTION_DATES, None, placeholders)
    return Frames(units=_frame(units, UNIT_COLUMNS), directory=_frame(directory, DIRECTORY_COLUMNS),
                  unmatched=unmatched, sections=_frame(sections, SECTION_COLUMNS),
                  unreadable_dates=unit_dates + section_dates, dates_read={**unit_counts, **section_counts})
