"""The nightly HTML report for the VP office (Vietnamese) and ops (English).

Self-contained: inline CSS, SVG charts drawn into the file, one inline script for the filters, and a
Content-Security-Policy that forbids any request, so it can be mailed, archived and printed.
Jinja2 autoescape is on: every value comes from the portal and is shown as text.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import files
from ..findings.model import Finding, finding_from_row
from ..profile.registry import Registry
from .charts import line_chart, sparkline
from .history import History, active_by_night, active_on, changes_on, deadline, unit_figures
from .labels import labels, portal_noun
from .notices import group_notices, notice_detail, notice_label, notice_text
from .numbers import decimal, whole

__all__ = ["render_nightly_report", "write_nightly_report"]

_ENV = Environment(loader=PackageLoader("portalwatch.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)


def _number(lang: str):
    def num(value: float | None, digits: int = 2) -> str:
        return decimal(value, lang, digits)
    return num


def _count(lang: str):
    def count(value: int) -> str:
        return whole(value, lang)
    return count


def _why_not_checked(row: dict[str, Any], notices: list[dict[str, Any]], unit_score: Any) -> str:
    """Why a finding still open was not checked again tonight, as a key of ``LABELS[lang]["unchecked"]``.

    The store resolves a finding only when tonight's crawl could have seen it; one that is open and
    not among tonight's was therefore out of the crawl's sight, and the reader is told which part was
    not read, so a missing row is never taken for a fix nor the row for tonight's evidence."""
    if any(n.get("kind") == "portal_unreachable" for n in notices):
        return "portal"
    if row.get("field") in ("schedule", "draft"):
        return "section"
    if row.get("category") in ("unit_missing", "page_unreachable"):
        return "index"
    not_read = getattr(unit_score, "not_read", None)
    if not_read in ("page", "directory"):
        return not_read
    if not_read == "date" and row.get("category") == "stale":
        return "date"
    return "directory" if row.get("subject") != "unit" else "other"


def render_nightly_report(findings: list[Finding], registry: Registry, night: dt.date, portal_title: str,
                          pages: int, notices: list[dict[str, Any]], score: Any, history: History | None = None,
                          lang: str = "vi", deadline_working_days: int = 5,
                          rule_titles: dict[str, str] | None = None, pages_failed: int = 0,
                          page_units: dict[str, str] | None = None, score_basis: str | None = None) -> str:
    """The nightly report. ``rule_titles`` name the rules in the report's filter (a rule id without
    one is shown as it is). ``pages_failed`` of the ``pages`` did not answer; ``page_units`` gives the
    unit id behind a page's URL, so a run notice about a page names its unit. ``score_basis`` is the
    articles the content score rests on, as the law stood that night (:func:`.score.score_basis`).

    With ``history``, the findings listed and counted are every finding open in the store that
    night, not only those tonight's crawl built: a unit whose page (or the whole portal) was not read
    keeps its findings open ("unknown", not "fixed"), and they are listed with their evidence as last
    seen, marked as not checked again tonight and why."""
    scores = {u.unit_id: u for u in score.units}
    working_days = history.deadline_working_days if history else deadline_working_days
    active = active_on(history, night) if history else {}
    kept = {f["key"]: f for f in history.findings} if history else {}
    tonight = {f.key for f in findings}
    listed = [(f, None) for f in findings]
    listed += [(finding_from_row(kept[key]), _why_not_checked(kept[key], notices, scores.get(kept[key]["unit_id"])))
               for key in sorted(active) if key not in tonight and key in kept]
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding, _ in listed:
        grouped[finding.unit_id].append(finding)
    # Units in the registry's order, as the office lists them (Phường 2 before Phường 10; the People's
    # Committee first): their ids sort neither way. A unit the registry no longer has comes last.
    place = {unit_id: i for i, unit_id in enumerate(registry.units)}

    def order(unit_id: str) -> tuple[int, str]:
        return place.get(unit_id, len(place)), unit_id

    by_unit = [{"unit_id": u, "name": registry.units[u].name if u in registry.units else items[0].unit_name,
                "count": len(items)}
               for u, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), order(kv[0])))]
    # Whose page a notice's URL is: tonight's unit pages, else a unit page its listed findings were seen on
    # (not the index a missing unit is reported on, nor a section of the portal's).
    whose = {f.url: f.unit_id for f, _ in listed if f.subject == "unit" and f.url and f.category != "unit_missing"
             and f.field not in ("schedule", "draft")}
    whose.update(page_units or {})
    unit_names = {url: registry.units[u].name for url, u in whose.items() if u in registry.units}
    items = []
    for finding, unchecked in sorted(listed, key=lambda pair: (order(pair[0].unit_id), "high medium low".split().index(
            pair[0].severity), pair[0].key)):
        # The deadline runs from the current spell's opening, as in the unit's own message: a finding
        # that comes back after a fix gets a new deadline, it is not overdue the night it reappears.
        opened = active.get(finding.key) or night
        due = deadline(opened, working_days)
        items.append({"finding": finding, "deadline": due, "overdue": due < night, "unchecked": unchecked})
    figures = unit_figures(history, list(registry.units), night) if history else {}
    scorecard = []
    # Worst first, ties in the registry's order; units not scored tonight (page, directory or date not read) last.
    for unit in sorted(registry, key=lambda u: (not scores[u.id].scored, scores[u.id].total or 0, order(u.id))):
        fig = figures.get(unit.id)
        open_counts = fig.open_by_severity if fig else {"high": 0, "medium": 0, "low": 0}
        if not fig:
            for f in grouped.get(unit.id, []):
                open_counts[f.severity] += 1
        scorecard.append({"unit_id": unit.id, "name": unit.name, "score": scores[unit.id], "open": open_counts,
                          "oldest": fig.oldest_open_days if fig else None,
                          "median_fix": fig.median_days_to_fix if fig else None,
                          "spark": sparkline([c for _, c in fig.trend], label=unit.name) if fig else ""})
    words = labels(lang, portal_title)
    trend_score = trend_open = ""
    trend_gaps = False
    if history and history.nights:
        # Every night recorded, a night not scored (None) kept in its place as a gap.
        scores_by_night = [(r["night"], r["score"]) for r in history.runs if r["status"] == "completed"]
        trend_gaps = any(s is None for _, s in scores_by_night)
        # Each point's tooltip writes its number as the tables beside the chart do.
        trend_score = line_chart(scores_by_night, top=12, label=words["trend_score"],
                                 missing=words["night_not_scored"], number=_number(lang))
        trend_open = line_chart([(n, float(c)) for n, c in active_by_night(history)], label=words["trend_open"],
                                number=lambda value: whole(int(value), lang))
    changes = changes_on(history, night) if history else {"opened": [], "reopened": [], "resolved": [],
                                                          "withdrawn": []}
    noun = portal_noun(portal_title, lang)
    return _ENV.get_template("nightly.html.j2").render(
        lang=lang, t=words, num=_number(lang), items=items, by_unit=by_unit,
        unchecked=sum(item["unchecked"] is not None for item in items),
        rules=sorted(((rule, (rule_titles or {}).get(rule) or rule) for rule in {f.rule for f, _ in listed}),
                     key=lambda pair: pair[1]), night=night, portal_title=portal_title, pages=pages,
        notice_groups=group_notices(notices), notice_label=functools.partial(notice_label, portal=noun),
        notice_detail=notice_detail, notice_text=functools.partial(notice_text, portal=noun),
        page_units=unit_names, pages_failed=pages_failed,
        count=_count(lang), unit_count=len(registry), score=score, scorecard=scorecard, changes=changes,
        deadline_working_days=working_days,
        trend_score=trend_score, trend_gaps=trend_gaps, trend_open=trend_open, score_basis=score_basis)


def write_nightly_report(path: Path, **kwargs: Any) -> Path:
    return files.write_text(path, render_nightly_report(**kwargs))
