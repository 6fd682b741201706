"""Small SVG charts drawn into the report itself: no script, no request leaves the machine."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Callable

__all__ = ["sparkline", "line_chart"]


def _points(values: list[float], width: float, height: float, pad: float, top: float | None = None) -> list[tuple[float, float]]:
    high = top if top is not None else max(max(values), 1)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    return [(pad + i * step, height - pad - (v / high) * (height - 2 * pad) if high else height - pad)
            for i, v in enumerate(values)]


def sparkline(values: list[int], width: int = 120, height: int = 28, label: str = "") -> str:
    """A unit's open findings night by night, as a tiny line."""
    if not values:
        return ""
    pts = _points([float(v) for v in values], width, height, 3)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    last_x, last_y = pts[-1]
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)}"><polyline fill="none" stroke="#b3261e" stroke-width="1.5" '
            f'points="{path}"/><circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="#b3261e"/></svg>')


def _plain(value: float) -> str:
    return f"{value:g}"


def line_chart(series: list[tuple[dt.date, float | None]], *, top: float | None = None, width: int = 640,
               height: int = 180, label: str = "", unit: str = "", missing: str = "",
               number: Callable[[float], str] = _plain) -> str:
    """A labelled line chart of one series over the nights (the portal's score or open findings).

    ``number`` writes a night's value in its tooltip: a Vietnamese report passes its own (decimal
    comma), so the chart reads "11,81" beside a table that says "11,81".

    A night without a value (``None``: the portal or its pages were not read, so nothing was scored)
    keeps its place on the axis as a hollow grey mark on the baseline titled ``missing``, and the line
    breaks there: joining the nights either side would draw a night nobody could read as if it had
    been scored."""
    if not series:
        return ""
    known = [v for _, v in series if v is not None]
    pad = 28
    high = top if top is not None else max(max(known, default=0), 1)
    pts = _points([v if v is not None else 0.0 for _, v in series], width, height, pad, high)
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(label)}">',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#889"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#889"/>',
             f'<text x="{pad - 4}" y="{pad + 4}" text-anchor="end" font-size="10">{high:g}{escape(unit)}</text>',
             f'<text x="{pad - 4}" y="{height - pad}" text-anchor="end" font-size="10">0</text>']
    segments: list[list[str]] = [[]]
    for (_, value), (x, y) in zip(series, pts):
        if value is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(f"{x:.1f},{y:.1f}")
    parts.extend(f'<polyline fill="none" stroke="#1d4f91" stroke-width="2" points="{" ".join(points)}"/>'
                 for points in segments if len(points) > 1)  # a lone night is its dot
    for (night, value), (x, y) in zip(series, pts):
        if value is None:
            parts.append(f'<circle class="missing" cx="{x:.1f}" cy="{height - pad:.1f}" r="3" fill="#fff" '
                         f'stroke="#889" stroke-width="1.5"><title>{night:%d/%m/%Y}: {escape(missing)}</title>'
                         f'</circle>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1d4f91"><title>{night:%d/%m/%Y}: '
                         f'{escape(number(value))}</title></circle>')
    first, last = series[0][0], series[-1][0]
    parts.append(f'<text x="{pad}" y="{height - 8}" font-size="10">{first:%d/%m}</text>')
    parts.append(f'<text x="{width - pad}" y="{height - 8}" font-size="10" text-anchor="end">{last:%d/%m}</text>')
    parts.append("</svg>")
    return "".join(parts)
