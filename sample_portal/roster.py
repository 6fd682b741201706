"""The key-personnel roster in its two forms: roster.csv (edited, diffable) and roster.xlsx.

Units keep their roster as a spreadsheet; the monitor may be given either file. The .xlsx is
regenerated from the .csv here so the two can never disagree.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles" / "vungtau-2022"
ROSTER_CSV = PROFILE_DIR / "roster.csv"
ROSTER_XLSX = PROFILE_DIR / "roster.xlsx"
SHEET_NAME = "Nhân sự chủ chốt"
HEADER = ["unit_id", "person_name", "position", "effective_from", "effective_to", "office_phone", "mobile", "email"]
_FIXED_TIME = dt.datetime(2022, 6, 1, 8, 0, 0)  # stable document properties keep the file reproducible


def read_roster_csv(path: Path = ROSTER_CSV) -> list[dict[str, str]]:
    """Rows of roster.csv as dicts (all values text)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != HEADER:
            raise ValueError(f"{path}: header must be {','.join(HEADER)}, got {reader.fieldnames}")
        return [dict(r) for r in reader]


def read_roster_xlsx(path: Path = ROSTER_XLSX) -> list[dict[str, str]]:
    """Rows of the roster sheet as dicts (empty cells as "")."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[SHEET_NAME].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(c) for c in rows[0]]
    if header != HEADER:
        raise ValueError(f"{path}: header must be {','.join(HEADER)}, got {header}")
    return [{k: ("" if v is None else str(v)) for k, v in zip(HEADER, r)} for r in rows[1:] if any(r)]


def write_roster_xlsx(csv_path: Path = ROSTER_CSV, xlsx_path: Path = ROSTER_XLSX) -> int:
    """Regenerate the .xlsx from the .csv (every cell as text, so phones keep their spacing and
    leading zero); returns the number of rows written."""
    import openpyxl
    from openpyxl.styles import Font

    rows = read_roster_csv(csv_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r[k] for k in HEADER])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"
    for col, width in zip("ABCDEFGH", (26, 24, 26, 14, 14, 16, 14, 44)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "portalwatch"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    wb.save(xlsx_path)
    return len(rows)
