"""Home Affairs' workbook after the 14 nights of the sample portal, checked against the scenario's
ground truth: a unit that disputes its emulation score must find the same figures the scenario implies."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

import pytest

from portalwatch import night as stages
from portalwatch.reports.score import score_portal

pytestmark = pytest.mark.browser

YEAR = 2022


def _commit(store, config, result):
    run_id = store.begin_run(config.profile.name, result.date)
    score = stages.score_night(result.findings, config, result.date, result.ctx, result.frames)
    notices = stages.run_notices(result.crawl, result.frames)
    return stages.record_night(store, run_id, config, result.date, result.crawl, result.units, result.rows,
                               result.frames, result.findings, result.ctx, notices, score)


@pytest.fixture(scope="module")
def workbook(nights, config, tmp_path_factory):
    """The workbook written from a SQLite store holding nights 1..14, opened with openpyxl."""
    from openpyxl import load_workbook

    from portalwatch.reports.history import load_history
    from portalwatch.reports.workbook import write_workbook
    from portalwatch.store import open_store

    folder = tmp_path_factory.mktemp("workbook")
    store = open_store(f"sqlite:///{folder / 'store.sqlite3'}")
    try:
        for n in sorted(nights):
            _commit(store, config, nights[n])
        history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    finally:
        store.dispose()
    path = write_workbook(folder / f"noi-vu-{YEAR}.xlsx", history, config.registry, YEAR)
    assert path.is_file() and not list(folder.glob("*.tmp*")), "written whole, under its own name"
    return load_workbook(path, read_only=True)


def _spells(scenario) -> dict[str, list[tuple[dt.date, dt.date | None]]]:
    """Per unit, each spell of each ground-truth finding: (first night present, first night absent
    again or None while it lasts). A finding that comes back after a fix starts a new spell."""
    nights = range(1, scenario.nights + 1)
    present: dict[tuple, list[int]] = defaultdict(list)
    for n in nights:
        for g in scenario.ground_truth(n):
            present[(g["unit_id"], g["subject"], g["field"], g["category"])].append(n)
    spells: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for key, seen in present.items():
        start = seen[0]
        for previous, current in zip(seen, seen[1:] + [None]):
            if current != previous + 1:
                end = previous + 1
                spells[key[0]].append((scenario.night_date(start),
                                       scenario.night_date(end) if end <= scenario.nights else None))
                start = current
    return spells


def _expected(scenario, config, unit_id: str, month: int) -> dict:
    """A unit's figures for June 2022 (or the year, month 0), from the ground truth only."""
    from portalwatch.workdays import add_working_days

    days = config.profile.policy.deadline_working_days
    mine = [(s, e) for s, e in _spells(scenario)[unit_id] if s.year == YEAR and (not month or s.month == month)]
    fixed = [(s, e) for s, e in mine if e is not None]
    nights = [n for n in range(1, scenario.nights + 1)
              if scenario.night_date(n).year == YEAR and (not month or scenario.night_date(n).month == month)]
    clean = [n for n in nights if not any(g["unit_id"] == unit_id for g in scenario.ground_truth(n))]
    return {
        "raised": len(mine),
        "resolved_in_time": sum(1 for s, e in fixed if e <= add_working_days(s, days)),
        "median_days_to_fix": float(statistics.median((e - s).days for s, e in fixed)) if fixed else None,
        "compliant_share": len(clean) / len(nights),
        "monitored_days": len(nights),
    }


def _rows(sheet) -> tuple[list[str], list[tuple]]:
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    return list(rows[0]), rows[1:]


def test_the_year_sheet_has_one_row_per_registry_unit(workbook, config, scenario):
    assert workbook.sheetnames[:2] == [f"Năm {YEAR}", "Theo tháng"]
    header, rows = _rows(workbook[f"Năm {YEAR}"])
    assert header[:2] == ["Mã đơn vị", "Đơn vị"]
    assert [r[0] for r in rows] == [u.id for u in config.registry] and len(rows) == 30
    assert [r[1] for r in rows] == [u.name for u in config.registry]
    monitored = header.index("Số ngày được kiểm tra")
    assert {r[monitored] for r in rows} == {scenario.nights}
    raised = header.index("Số nội dung phát sinh")
    assert sum(r[raised] for r in rows) == sum(len(v) for v in _spells(scenario).values())


# A finding that came back after a fix (two spells), one fixed after its deadline, a unit with two
# findings fixed in time, and a unit the scenario leaves alone.
UNITS = ["phuong-thang-tam", "phong-noi-vu", "van-phong", "phuong-3"]


@pytest.mark.parametrize("unit_id", UNITS)
def test_a_units_year_figures_are_those_of_the_ground_truth(workbook, config, scenario, unit_id):
    header, rows = _rows(workbook[f"Năm {YEAR}"])
    row = dict(zip(header, next(r for r in rows if r[0] == unit_id)))
    expected = _expected(scenario, config, unit_id, 0)
    assert row["Số nội dung phát sinh"] == expected["raised"]
    assert row["Số nội dung khắc phục đúng hạn"] == expected["resolved_in_time"]
    assert row["Số ngày khắc phục (trung vị, ngày theo lịch)"] == expected["median_days_to_fix"]
    assert row["Tỷ lệ ngày đạt yêu cầu"] == pytest.approx(expected["compliant_share"], abs=0.0005)
    assert row["Số ngày được kiểm tra"] == 14


@pytest.mark.parametrize("unit_id", UNITS)
def test_a_units_mean_score_is_that_of_its_nights(workbook, config, nights, unit_id):
    header, rows = _rows(workbook[f"Năm {YEAR}"])
    row = dict(zip(header, next(r for r in rows if r[0] == unit_id)))
    nightly = [next(u.total for u in score_portal(nights[n].findings, config.registry, config.roster,
                                                  nights[n].date).units if u.unit_id == unit_id)
               for n in sorted(nights)]
    assert row["Điểm nội dung bình quân (/12)"] == round(sum(nightly) / len(nightly), 2)
    if unit_id == "phuong-3":                 # the unit the scenario leaves alone
        assert row["Điểm nội dung bình quân (/12)"] == 12
    else:
        assert row["Điểm nội dung bình quân (/12)"] < 12


def test_the_ground_truth_figures_are_the_ones_read_by_hand(config, scenario):
    """The expectations themselves, for units whose story is told in the scenario file."""
    assert {k: _expected(scenario, config, "phuong-thang-tam", 0)[k] for k in ("raised", "resolved_in_time")} == \
        {"raised": 2, "resolved_in_time": 1}          # gmail 13/06, fixed 17/06 (deadline 20/06), back 22/06
    assert _expected(scenario, config, "phuong-thang-tam", 0)["compliant_share"] == 5 / 14
    assert _expected(scenario, config, "phong-noi-vu", 0)["resolved_in_time"] == 0   # 16/06 -> 25/06, due 23/06
    faulted = {g["unit_id"] for n in range(1, scenario.nights + 1) for g in scenario.ground_truth(n)}
    clean = next(u.id for u in config.registry if u.id not in faulted)
    assert _expected(scenario, config, clean, 0) == {"raised": 0, "resolved_in_time": 0, "median_days_to_fix": None,
                                                     "compliant_share": 1.0, "monitored_days": 14}


def test_the_month_sheet_has_the_june_rows(workbook, config, scenario):
    header, rows = _rows(workbook["Theo tháng"])
    assert header[:3] == ["Mã đơn vị", "Đơn vị", "Tháng"]
    assert [r[0] for r in rows] == [u.id for u in config.registry], "one row per unit: every night is in June"
    assert {r[2] for r in rows} == {f"06/{YEAR}"}
    for unit_id in UNITS:
        row = dict(zip(header, next(r for r in rows if r[0] == unit_id)))
        expected = _expected(scenario, config, unit_id, 6)
        assert row["Số nội dung phát sinh"] == expected["raised"]
        assert row["Số nội dung khắc phục đúng hạn"] == expected["resolved_in_time"]
        assert row["Tỷ lệ ngày đạt yêu cầu"] == pytest.approx(expected["compliant_share"], abs=0.0005)
        assert row["Số ngày được kiểm tra"] == expected["monitored_days"] == 14


def test_how_each_figure_is_computed_is_told_in_vietnamese_first(workbook):
    header, rows = _rows(workbook["Cách tính"])
    assert header == ["Cột", "Cách tính", "Column", "How it is computed"]
    year_header, _ = _rows(workbook[f"Năm {YEAR}"])
    columns = len(year_header) - 2
    assert [r[0] for r in rows[:columns]] == year_header[2:], "every column of the year sheet is explained"
    vietnamese = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
    for title, how_vi, key, how_en in rows:
        assert how_vi and how_en and how_vi != how_en, title
        assert vietnamese & set(how_vi.lower()), f"{title}: {how_vi}"
    assert rows[columns][0] == "Hạn khắc phục" and rows[columns][1].startswith("5 ngày làm việc")
    # which version of the figures this is, so a disputed figure can be traced
    assert list(rows[columns + 1][:3]) == ["Số liệu", "Từ 14 đêm kiểm tra của năm 2022 (13/06/2022 – 26/06/2022), với tình "
                                     "trạng các nội dung ghi nhận đến đêm 26/06/2022. Nội dung phát sinh trong năm "
                                     "được khắc phục sau cuối năm được tính vào đêm khắc phục, khi bảng này được tính "
                                     "lại.", "figures"]


def test_nights_a_page_was_gone_count_with_0_as_the_sheet_says(workbook, scenario, nights, config):
    """A unit whose page answered 404, or that the index left out, was checked that night and scored
    0 (the report says so): the year sheet counts those nights, and the sheet that explains the
    columns must say they count, or a unit disputing its figure reads the opposite of what was done."""
    gone = {g["unit_id"] for n in range(1, scenario.nights + 1) for g in scenario.ground_truth(n)
            if g["category"] in ("page_unreachable", "unit_missing")}
    assert {"phuong-12", "phuong-11"} <= gone, "the scenario has a page gone and a unit left off the index"
    header, rows = _rows(workbook[f"Năm {YEAR}"])
    for unit_id in gone:
        row = dict(zip(header, next(r for r in rows if r[0] == unit_id)))
        zero = [n for n in sorted(nights) if next(u.total for u in score_portal(
            nights[n].findings, config.registry, config.roster, nights[n].date).units if u.unit_id == unit_id) == 0]
        assert zero, unit_id
        assert row["Số ngày được kiểm tra"] == scenario.nights, "the nights it scored 0 are counted"
    _, notes = _rows(workbook["Cách tính"])
    how_vi, how_en = next((r[1], r[3]) for r in notes if r[2] == "monitored_days")
    assert "404" in how_vi and "vẫn được tính, với 0 điểm" in how_vi and "không được tính" in how_vi
    assert "404" in how_en and "counts, with a score of 0" in how_en and "is not counted" in how_en
