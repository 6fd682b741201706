"""The roster of key personnel that Home Affairs keeps: who holds which post, since and until when.

Offices keep it in spreadsheets, so CSV and XLSX are read alike (openpyxl). The roster is the
reference for "a leader who left office is still listed" and "a new leader is not yet listed".
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path

from ..errors import RegistryError
from .matching import name_key

__all__ = ["RosterEntry", "Roster", "load_roster", "read_table", "check_header", "record_of", "ROSTER_COLUMNS", "parse_day"]

ROSTER_COLUMNS = ("unit_id", "person_name", "position", "effective_from", "effective_to",
                  "office_phone", "mobile", "email")
_REQUIRED = ("unit_id", "person_name", "position")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    unit_id: str
    person_name: str
    position: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    office_phone: str = ""
    mobile: str = ""
    email: str = ""

    def active_on(self, day: dt.date) -> bool:
        """In office on ``day`` (both ends inclusive)."""
        return ((self.effective_from is None or self.effective_from <= day)
                and (self.effective_to is None or day <= self.effective_to))

    @property
    def key(self) -> str:
        return name_key(self.person_name)


@dataclass(slots=True)
class Roster:
    entries: list[RosterEntry]
    path: Path | None = None

    def active(self, day: dt.date) -> list[RosterEntry]:
        return [e for e in self.entries if e.active_on(day)]


def parse_day(value: object) -> dt.date | None:
    """A day as offices write it in a sheet or YAML: a date cell, ``YYYY-MM-DD`` or ``DD/MM/YYYY``
    (a spreadsheet's date cell read as text, ``2025-07-01 00:00:00``, too); None when empty.
    :class:`ValueError` says what was found."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if text.endswith(" 00:00:00"):
        text = text[:-len(" 00:00:00")]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"expected a date (YYYY-MM-DD or DD/MM/YYYY), found {text!r}")


def _date(value: object, path: Path, row: int, column: str) -> dt.date | None:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise RegistryError(str(exc), path=str(path), line=row, key=column) from None


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """Header and (line number, cells) of the first sheet of a CSV or XLSX file; blank rows skipped."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                table = list(csv.reader(handle))
            if not table:
                raise RegistryError("the file is empty", path=str(path))
            return [h.strip() for h in table[0]], [(i + 2, list(r)) for i, r in enumerate(table[1:]) if any(c.strip() for c in r)]
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            table = [list(r) for r in sheet.iter_rows(values_only=True)]
            if not table:
                raise RegistryError("the file is empty", path=str(path))
            header = [str(c or "").strip() for c in table[0]]
            sheet.parent.close()
            return header, [(i + 2, r) for i, r in enumerate(table[1:]) if any(c not in (None, "") for c in r)]
    except FileNotFoundError as exc:
        raise RegistryError("file not found", path=str(path)) from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegistryError(f"cannot read the file ({exc})", path=str(path)) from exc
    except Exception as exc:  # openpyxl raises assorted errors on a damaged workbook
        if isinstance(exc, RegistryError):
            raise
        raise RegistryError(f"cannot read the workbook ({exc})", path=str(path)) from exc
    raise RegistryError(f"expected a .csv or .xlsx file, found '{suffix or 'no extension'}'", path=str(path))


def check_header(path: Path, header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    """Refuse a sheet whose header lacks a required column, names one twice or names an unknown one:
    a typo in a header must not turn a column into one nobody reads."""
    expected = f"(expected: {', '.join(columns)})"
    missing = [c for c in required if c not in header]
    if missing:
        raise RegistryError(f"missing column(s) {', '.join(missing)} {expected}", path=str(path), line=1)
    unknown = [c for c in header if c and c not in columns]
    if unknown:
        near = difflib.get_close_matches(unknown[0], columns, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise RegistryError(f"unknown column(s) {', '.join(unknown)} {expected}{hint}", path=str(path), line=1)
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        raise RegistryError(f"column(s) {', '.join(twice)} given more than once", path=str(path), line=1)


def record_of(path: Path, header: list[str], line: int, row: list[object]) -> dict[str, object]:
    """The row's cells by column name; a value in a cell with no column header is refused."""
    for index, value in enumerate(row):
        if (index >= len(header) or not header[index]) and value not in (None, "") and str(value).strip():
            raise RegistryError(f"a value in column {index + 1}, which has no header: {str(value).strip()!r} "
                                f"(a stray cell, or a comma inside a value that is not quoted)",
                                path=str(path), line=line)
    return {h: ("" if v is None else v) for h, v in zip(header, row) if h}


def load_roster(path: str | Path, known_units: set[str] | None = None, former: dict[str, str] | None = None) -> Roster:
    """Read a roster; unknown units, missing columns and bad dates are named with their row.
    ``former`` (the registry's former ids) lets a row still under a unit's old id say which id to write."""
    path = Path(path)
    header, rows = read_table(path)
    check_header(path, header, ROSTER_COLUMNS, _REQUIRED)
    entries = []
    for line, row in rows:
        record = record_of(path, header, line, row)
        for column in _REQUIRED:
            if not str(record.get(column, "")).strip():
                raise RegistryError("empty required cell", path=str(path), line=line, key=column)
        unit_id = str(record["unit_id"]).strip()
        if known_units is not None and unit_id not in known_units:
            now = (former or {}).get(unit_id)
            raise RegistryError(f"unknown unit '{unit_id}' (not in the registry"
                                + (f"; it is a former id of '{now}': write '{now}'" if now else "") + ")",
                                path=str(path), line=line, key="unit_id")
        start = _date(record.get("effective_from"), path, line, "effective_from")
        end = _date(record.get("effective_to"), path, line, "effective_to")
        if start is not None and end is not None and end < start:
            raise RegistryError(f"effective_to {end.isoformat()} is before effective_from {start.isoformat()}",
                                path=str(path), line=line, key="effective_to")
        entries.append(RosterEntry(
            unit_id=unit_id, person_name=str(record["person_name"]).strip(),
            position=str(record["position"]).strip(),
            effective_from=start, effective_to=end,
            office_phone=str(record.get("office_phone", "")).strip(), mobile=str(record.get("mobile", "")).strip(),
            email=str(record.get("email", "")).strip()))
    return Roster(entries=entries, path=path)
