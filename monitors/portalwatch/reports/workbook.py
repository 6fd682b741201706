"""The Excel workbook Home Affairs uses for each unit's annual emulation scoring (openpyxl).

Sheets: the year per unit; the same figures per unit and month; and how each column is computed,
so the figures can be defended when a unit disputes its score.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import files
from ..profile.registry import Registry
from .history import History, former_units, month_figures
from .labels import portal_noun

__all__ = ["write_workbook", "COLUMNS"]

#: Each figure: its key, its column title, and how it is computed (Vietnamese, then English).
COLUMNS = (
    ("raised", "Số nội dung phát sinh",
     "Số nội dung cần cập nhật được phát hiện (lần đầu hoặc phát sinh lại) trong kỳ",
     "Findings raised (opened or reopened) in the period"),
    ("resolved_in_time", "Số nội dung khắc phục đúng hạn",
     "Trong số đó, số nội dung được khắc phục trong thời hạn (tính theo ngày làm việc kể từ ngày phát hiện, "
     "hoặc ngày phát sinh lại với nội dung đã khắc phục rồi xuất hiện lại)",
     "Of those, fixed within the deadline (working days after first seen, or after it came back for a finding "
     "fixed and found again)"),
    ("median_days_to_fix", "Số ngày khắc phục (trung vị, ngày theo lịch)",
     "Trung vị số ngày theo lịch từ ngày phát hiện (hoặc phát sinh lại) đến ngày khắc phục",
     "Median calendar days from first seen (or back again) to fixed"),
    ("mean_score", "Điểm nội dung bình quân (/12)",
     "Bình quân điểm nội dung hằng ngày của đơn vị (4 tiêu chí, mỗi tiêu chí 3 điểm) trên các ngày được kiểm tra",
     "Mean of the unit's nightly content score (4 criteria of 3 points) over its monitored nights"),
    ("compliant_share", "Tỷ lệ ngày đạt yêu cầu",
     "Tỷ lệ số ngày được kiểm tra mà đơn vị không còn nội dung nào chưa khắc phục",
     "Share of monitored nights with no open finding"),
    ("monitored_days", "Số ngày được kiểm tra",
     "Số ngày trong kỳ hệ thống kiểm tra được đơn vị. Ngày trang của đơn vị không còn (báo không tìm thấy, "
     "ví dụ lỗi 404) hoặc đơn vị không có trong danh mục đơn vị trên {portal} vẫn được tính, với 0 điểm. Ngày "
     "không đọc được {portal}, trang của đơn vị hoặc danh bạ điện thoại (lỗi máy chủ, quá thời gian chờ, bố cục "
     "thay đổi), hoặc không đọc được ngày cập nhật trên trang của đơn vị, không được tính, dù có lợi hay bất "
     "lợi cho đơn vị; ngày đơn vị mới chưa đến hạn công bố thông tin (tính từ ngày thành lập ghi "
     "trong danh sách đơn vị) cũng không được tính",
     "Nights in the period the unit was checked. A night its page was gone (not found, e.g. a 404) or it was "
     "missing from the portal's list of units counts, with a score of 0. A night the portal, the unit's page "
     "or the phone directory could not be read (server error, timeout, layout change), or the update date on "
     "its page could not be read, is not counted, for or against the unit; nor is a night a new unit was "
     "still within its time to publish (from the day it was established, as the registry gives it)"),
)
#: How a unit the registry no longer holds is marked beside its name.
GONE = "không còn trong danh sách đơn vị"
_HEADER = Font(bold=True)
_FILL = PatternFill("solid", fgColor="EEF2F6")


def _header(sheet: Any, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER, _FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"


def _widths(sheet: Any, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_workbook(path: Path, history: History, registry: Registry, year: int, portal_title: str = "") -> Path:
    """Write the workbook for ``year`` and return its path; ``portal_title`` (the profile's) says
    whether the sheet calls the portal "Trang" or "Cổng"."""
    gone = former_units(history, set(registry.units), year)
    units = [(u.id, u.name) for u in registry] + [(unit_id, f"{name} ({GONE})") for unit_id, name in gone.items()]
    figures = month_figures(history, [unit_id for unit_id, _ in units], year)
    book = Workbook()
    year_sheet = book.active
    year_sheet.title = f"Năm {year}"
    _header(year_sheet, ["Mã đơn vị", "Đơn vị"] + [vi for _, vi, _, _ in COLUMNS])
    for unit_id, name in units:
        row = figures[unit_id][0]
        year_sheet.append([unit_id, name] + [row[key] for key, _, _, _ in COLUMNS])
    _widths(year_sheet, [26, 44] + [18] * len(COLUMNS))

    months = book.create_sheet("Theo tháng")
    _header(months, ["Mã đơn vị", "Đơn vị", "Tháng"] + [vi for _, vi, _, _ in COLUMNS])
    for unit_id, name in units:
        for month in range(1, 13):
            row = figures[unit_id][month]
            if row["monitored_days"] == 0 and row["raised"] == 0:
                continue
            months.append([unit_id, name, f"{month:02d}/{year}"] + [row[key] for key, _, _, _ in COLUMNS])
    _widths(months, [26, 44, 10] + [18] * len(COLUMNS))

    notes = book.create_sheet("Cách tính")
    _header(notes, ["Cột", "Cách tính", "Column", "How it is computed"])
    noun = portal_noun(portal_title)
    for key, title, how_vi, how_en in COLUMNS:
        notes.append([title, how_vi.replace("{portal}", noun), key, how_en])
    days = history.deadline_working_days
    notes.append(["Hạn khắc phục", f"{days} ngày làm việc kể từ ngày phát hiện, hoặc ngày phát sinh lại (không "
                  "tính thứ Bảy, Chủ nhật, trừ ngày làm bù, và ngày lễ, Tết)", "deadline",
                  f"{days} working days after the finding was first seen, or came back (weekends, except a Saturday "
                  "worked in exchange for a day off, public holidays and Tết not counted)"])
    nights = [n for n in history.nights if n.year == year]
    if nights:
        # Which version of the figures this is: a unit disputing one must be shown what it rests on.
        first, last, as_of = (f"{n:%d/%m/%Y}" for n in (min(nights), max(nights), max(history.nights)))
        notes.append(["Số liệu", f"Từ {len(nights)} đêm kiểm tra của năm {year} ({first} – {last}), với tình trạng "
                      f"các nội dung ghi nhận đến đêm {as_of}. Nội dung phát sinh trong năm được khắc phục sau cuối "
                      "năm được tính vào đêm khắc phục, khi bảng này được tính lại.", "figures",
                      f"From {len(nights)} nights checked in {year} ({first} – {last}), with the findings as recorded "
                      f"up to the night of {as_of}. A finding raised in the year and fixed after it counts from the "
                      "night it is fixed, when this workbook is written again."])
    if gone:
        notes.append(["Đơn vị " + GONE, "Đơn vị đã được kiểm tra trong năm nhưng không còn trong danh sách đơn vị "
                      "(đã giải thể, sáp nhập hoặc đổi mã): số liệu tính đến ngày đơn vị ra khỏi danh sách. Nội "
                      "dung chưa khắc phục của đơn vị được ngừng theo dõi, không tính là đã khắc phục.",
                      "units no longer in the registry", "Units checked during the year that the registry no "
                      "longer holds (dissolved, merged or given a new id): their figures run to the night they "
                      "left it. Their open findings were withdrawn, which does not count as fixed."])
    _widths(notes, [32, 70, 22, 70])
    keys = [key for key, _, _, _ in COLUMNS]
    for sheet, first in ((year_sheet, 3), (months, 4)):
        share = first + keys.index("compliant_share")
        median = first + keys.index("median_days_to_fix")
        score = first + keys.index("mean_score")
        for row in sheet.iter_rows(min_row=2):
            row[share - 1].number_format = "0.0%"
            row[median - 1].number_format = "0.0"
            row[score - 1].number_format = "0.00"
    with files.replacing(path, suffix=".xlsx") as tmp:
        book.save(tmp)
    return path
