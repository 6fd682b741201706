"""The nightly HTML report for the VP office (Vietnamese) and ops (English).

Self-contained: inline CSS, SVG charts drawn into the file, one inline script for the filters, and a
Content-Security-Policy that forbids any request, so it can be mailed, archived and printed.
Jinja2 autoescape is on: every value comes from the portal and is shown as text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import files
from ..findings.model import Finding
from ..profile.registry import Registry
from .charts import line_chart, sparkline
from .history import History, active_by_night, changes_on, deadline, unit_figures
from .labels import LABELS
from .notices import group_notices, notice_detail, notice_label

__all__ = ["render_nightly_report", "write_nightly_report"]

_ENV = Environment(loader=PackageLoader("portalwatch.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)


def _number(lang: str):
    def num(value: float | None, digits: int = 2) -> str:
        if value is None:                       # not scored tonight, or nothing to show
            return "—"
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if lang == "vi" else text
    return num


def _count(lang: str):
    def count(value: int) -> str:
        text = f"{value:,}"
        return text.replace(",", ".") if lang == "vi" else text
    return count


def render_nightly_report(findings: list[Finding], registry: Registry, night: dt.date, portal_title: str,
                          pages: int, notices: list[dict[str, Any]], score: Any, history: History | None = None,
                          lang: str = "vi", deadline_working_days: int = 5,
                          rule_titles: dict[str, str] | None = None) -> str:
    """The nightly report. ``rule_titles`` name the rules in the report's filter (a rule id without
    one is shown as it is)."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.unit_id].append(finding)
    by_unit = [{"unit_id": u, "name": registry.units[u].name, "count": len(items)}
               for u, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    kept = {f["key"]: f for f in history.findings} if history else {}
    items = []
    for finding in sorted(findings, key=lambda f: (f.unit_id, "high medium low".split().index(f.severity), f.key)):
        # The deadline runs from the current spell's opening, as in the unit's own message: a finding
        # that comes back after a fix gets a new deadline, it is not overdue the night it reappears.
        row = kept.get(finding.key, {})
        opened = row.get("opened_at") or row.get("first_seen") or night
        due = deadline(opened, history.deadline_working_days if history else deadline_working_days)
        items.append({"finding": finding, "deadline": due, "overdue": due < night})
    scores = {u.unit_id: u for u in score.units}
    figures = unit_figures(history, list(registry.units), night) if history else {}
    scorecard = []
    # Worst first; units not scored tonight (page or directory not read) last.
    for unit in sorted(registry, key=lambda u: (not scores[u.id].scored, scores[u.id].total or 0, u.id)):
        fig = figures.get(unit.id)
        open_counts = fig.open_by_severity if fig else {"high": 0, "medium": 0, "low": 0}
        if not fig:
            for f in grouped.get(unit.id, []):
                open_counts[f.severity] += 1
        scorecard.append({"unit_id": unit.id, "name": unit.name, "score": scores[unit.id], "open": open_counts,
                          "oldest": fig.oldest_open_days if fig else None,
                          "median_fix": fig.median_days_to_fix if fig else None,
                          "spark": sparkline([c for _, c in fig.trend], label=unit.name) if fig else ""})
    trend_score = trend_open = ""
    trend_gaps = False
    if history and history.nights:
        # Every night recorded, a night not scored (None) kept in its place as a gap.
        scores_by_night = [(r["night"], r["score"]) for r in history.runs if r["status"] == "completed"]
        trend_gaps = any(s is None for _, s in scores_by_night)
        trend_score = line_chart(scores_by_night, top=12, label=LABELS[lang]["trend_score"],
                                 missing=LABELS[lang]["night_not_scored"])
        trend_open = line_chart([(n, float(c)) for n, c in active_by_night(history)], label=LABELS[lang]["trend_open"])
    changes = changes_on(history, night) if history else {"opened": [], "reopened": [], "resolved": []}
    return _ENV.get_template("nightly.html.j2").render(
        lang=lang, t=LABELS[lang], num=_number(lang), findings=findings, items=items, by_unit=by_unit,
        rules=sorted(((rule, (rule_titles or {}).get(rule) or rule) for rule in {f.rule for f in findings}),
                     key=lambda pair: pair[1]), night=night, portal_title=portal_title, pages=pages,
        notice_groups=group_notices(notices), notice_label=notice_label, notice_detail=notice_detail,
        count=_count(lang), unit_count=len(registry), score=score, scorecard=scorecard, changes=changes,
        trend_score=trend_score, trend_gaps=trend_gaps, trend_open=trend_open)


def write_nightly_report(path: Path, **kwargs: Any) -> Path:
    return files.write_text(path, render_nightly_report(**kwargs))
