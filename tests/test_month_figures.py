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
