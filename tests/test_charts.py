"""The report's SVG charts: a night without a score keeps its place and breaks the line."""

from __future__ import annotations

import datetime as dt
import re

from portalwatch.reports.charts import line_chart

NIGHT = dt.date(2022, 6, 13)


def _nights(*values):
    return [(NIGHT + dt.timedelta(days=i), v) for i, v in enumerate(values)]


def _lines(svg: str) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, p.split(","))) for p in points.split()]
            for points in re.findall(r'<polyline [^>]*points="([^"]*)"', svg)]


def test_a_night_not_scored_breaks_the_line_and_is_marked_on_the_baseline():
    svg = line_chart(_nights(10.0, 11.0, None, 11.5, 12.0), top=12, missing="chưa chấm được <đêm>")

    lines = _lines(svg)
    assert len(lines) == 2, "the line is not drawn across the night without a score"
    (before, after) = lines
    assert [x for x, _ in before] == [28.0, 174.0] and [x for x, _ in after] == [466.0, 612.0]
    missing = re.findall(r'<circle class="missing" cx="([\d.]+)" cy="([\d.]+)"[^>]*><title>([^<]*)</title>', svg)
    assert missing == [("320.0", "152.0", "15/06/2022: chưa chấm được &lt;đêm&gt;")], \
        "the night keeps its place on the axis, on the baseline, titled (escaped)"
    assert "<title>16/06/2022: 11.5</title>" in svg and "15/06/2022: 0" not in svg


def test_every_night_scored_is_one_line_and_nothing_marked_missing():
    svg = line_chart(_nights(10.0, 11.0, 12.0), top=12, missing="m")
    assert len(_lines(svg)) == 1 and len(_lines(svg)[0]) == 3
    assert 'class="missing"' not in svg


def test_nights_none_of_which_was_scored_are_marks_only():
    svg = line_chart(_nights(None, None), top=12, missing="m")
    assert _lines(svg) == [] and svg.count('class="missing"') == 2
    assert line_chart([], top=12) == ""
