"""Raw records -> the ``units`` and ``directory`` DataFrames of DESIGN.md.

Raw values are kept beside normalised ones (a finding shows what the site says). Units and people
are tied to the registry here; a name the registry cannot match keeps ``unit_id`` empty and is
listed in :attr:`Frames.unmatched`, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..profile.registry import Registry
from ..profile.schema import Profile
from .dates import parse_date
from .emails import parse_emails
from .phones import parse_phones
from .text import clean_text

__all__ = ["Frames", "build_frames", "UNIT_COLUMNS", "DIRECTORY_COLUMNS"]

UNIT_COLUMNS = ["unit_id", "unit_name", "intro", "address", "phones", "phone_raw", "fax", "fax_raw",
                "email", "email_raw", "leaders", "updated_at", "updated_raw", "page_url", "http_status"]
DIRECTORY_COLUMNS = ["unit_id", "unit_name", "person_name", "position", "office_phone", "office_phone_raw",
                     "mobile", "mobile_raw", "email", "email_raw", "page_url"]


SECTION_COLUMNS = ["section", "duty", "unit_id", "title", "date", "date_raw", "deadline", "deadline_raw",
                   "status_raw", "page_url"]


@dataclass(slots=True)
class Frames:
    units: pd.DataFrame
    directory: pd.DataFrame
    unmatched: list[dict[str, str]] = field(default_factory=list)   # names the registry does not know
    sections: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SECTION_COLUMNS))


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


def build_frames(unit_records: list[dict[str, Any]], directory_records: list[dict[str, Any]],
                 profile: Profile, registry: Registry, section_records: list[dict[str, Any]] = ()) -> Frames:
    """Normalise raw records into the DataFrames (one row per unit page / directory row / section item)."""
    unmatched: list[dict[str, str]] = []
    seen: set[str] = set()
    units = [_unit_row(r, profile, registry, unmatched) for r in unit_records]
    directory = [_directory_row(r, profile, registry, unmatched, seen) for r in directory_records]
    sections = [_section_row(r, profile) for r in section_records]
    return Frames(units=_frame(units, UNIT_COLUMNS), directory=_frame(directory, DIRECTORY_COLUMNS),
                  unmatched=unmatched, sections=_frame(sections, SECTION_COLUMNS))
