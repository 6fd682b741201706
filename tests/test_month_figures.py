"""Home Affairs' yearly figures count a unit's nights only when its page and the directory were read:
a night the portal or the page did not answer proves neither a fix nor a failure."""

from __future__ import annotations

import datetime as dt

from portalwatch.reports.history import History, month_figures

D = [dt.date(2022, 6, d) for d in range(13, 19)]          # six nights, 13 to 18 June


def _history(unit_scores):
    runs = [{"night": n, "status": "completed", "score": None} for n in D]
    findings = [{"key": "k", "unit_id": "a", "status": "resolved", "severity": "high", "first_seen": D[0]}]
    events = [{"key": "k", "night": D[0], "event": "opened"}, {"key": "k", "night": D[2], "event": "resolved"}]
    return History(portal="p", runs=runs, findings=findings, events=events, unit_scores=unit_scores)


def test_nights_a_unit_was_not_read_count_neither_way():
    # a: open on 13-14, fixed 15; its page answered 503 on 16 and 17. b: never read on 18 (portal down).
    scores = []
    for night in D:
        a_read = night not in (D[3], D[4])
        scores.append({"night": night, "unit_id": "a", "score": (10.0 if night < D[2] else 12.0) if a_read else None,
                       "not_read": None if a_read else "page"})
        scores.append({"night": night, "unit_id": "b", "score": 12.0 if night != D[5] else None,
                       "not_read": None if night != D[5] else "page"})
    a, b = (month_figures(_history(scores), ["a", "b"], 2022)[u][0] for u in ("a", "b"))
    assert a["monitored_days"] == 4 and a["compliant_share"] == 0.5      # 13, 14 open; 15, 18 clean
    assert a["mean_score"] == round((10 + 10 + 12 + 12) / 4, 2)
    assert a["raised"] == 1 and a["resolved_in_time"] == 1
    assert b["monitored_days"] == 5 and b["compliant_share"] == 1.0 and b["mean_score"] == 12


def test_nights_kept_before_unit_scores_count_for_every_unit():
    figures = month_figures(_history([]), ["a", "b"], 2022)
    assert figures["a"][0]["monitored_days"] == figures["b"][0]["monitored_days"] == 6
    assert figures["a"][0]["compliant_share"] == round(4 / 6, 3) and figures["a"][0]["mean_score"] is None


def test_a_night_nothing_could_be_scored_has_no_mean():
    scores = [{"night": n, "unit_id": "b", "score": None, "not_read": "directory"} for n in D]
    b = month_figures(_history(scores), ["b"], 2022)["b"][6]
    assert b["monitored_days"] == 0 and b["compliant_share"] is None and b["mean_score"] is None


def test_a_finding_of_december_fixed_in_january_writes_last_years_workbook_again(tmp_path):
    """The figures of 2022 change on 3 January 2023, when a finding raised on 29 December is fixed
    (its days to fix, "fixed in time"): that night writes noi-vu-2022.xlsx again, as it writes 2023's;
    the nights after, which change nothing of 2022, leave it alone."""
    import types

    from openpyxl import load_workbook

    from portalwatch.night import write_year_files
    from portalwatch.profile.registry import Registry, Unit
    from portalwatch.reports.history import earlier_years_changed

    nights = [dt.date(2022, 12, 29), dt.date(2022, 12, 30), dt.date(2023, 1, 3), dt.date(2023, 1, 4)]
    events = [{"key": "k", "night": nights[0], "event": "opened"}, {"key": "k", "night": nights[2], "event": "resolved"},
              {"key": "j", "night": nights[2], "event": "opened"}, {"key": "j", "night": nights[3], "event": "resolved"}]
    findings = [{"key": "k", "unit_id": "a", "status": "resolved", "severity": "high", "first_seen": nights[0],
                 "last_seen": nights[1], "unit_name": "A"},
                {"key": "j", "unit_id": "a", "status": "resolved", "severity": "high", "first_seen": nights[2],
                 "last_seen": nights[2], "unit_name": "A"}]
    history = History(portal="p", runs=[{"night": n, "status": "completed", "score": 12.0, "pages_failed": 0}
                                        for n in nights],
                      findings=findings, events=events)
    assert earlier_years_changed(history, nights[2]) == [2022]
    assert earlier_years_changed(history, nights[3]) == [], "a finding of 2023 fixed in 2023"
    assert earlier_years_changed(history, nights[1]) == []
    config = types.SimpleNamespace(registry=Registry(units={"a": Unit("a", "A", "office")}),
                                   profile=types.SimpleNamespace(title="Trang thông tin điện tử"))
    as_of_2022 = History(portal="p", runs=history.runs[:2], findings=findings[:1], events=events[:1])
    write_year_files(tmp_path, config, as_of_2022, 2022, nights[1])

    def fixed_in_time(year: int) -> int:
        sheet = load_workbook(tmp_path / f"noi-vu-{year}.xlsx", read_only=True)[f"Năm {year}"]
        header, row = list(sheet.iter_rows(values_only=True))[:2]
        return dict(zip(header, row))["Số nội dung khắc phục đúng hạn"]

    assert fixed_in_time(2022) == 0
    write_year_files(tmp_path, config, history, 2023, nights[2])
    assert fixed_in_time(2022) == 1, "written again the night its finding was fixed"
    before = (tmp_path / "noi-vu-2022.xlsx").stat().st_mtime_ns
    write_year_files(tmp_path, config, history, 2023, nights[3])
    assert (tmp_path / "noi-vu-2022.xlsx").stat().st_mtime_ns == before
