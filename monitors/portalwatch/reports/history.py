"""What the store's history says, in the figures the reports show.

Pure computations over rows read from the store: the portal's trend night by night, each unit's
open findings over time, days to fix, what changed since the previous night, and the per-month
figures Home Affairs uses for the annual scoring. Deadlines are counted in working days.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..workdays import add_working_days

__all__ = ["History", "load_history", "as_of", "active_by_night", "active_on", "night_counts", "UnitFigures",
           "unit_figures", "month_figures", "former_units"]

_OPENING = ("opened", "reopened")
_CLOSING = ("resolved", "withdrawn")


@dataclass(slots=True)
class History:
    """Runs, findings and their events of one portal, as the store keeps them."""

    portal: str
    runs: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    events: list[dict[str, Any]]
    deadline_working_days: int = 5
    #: Each unit's score of each night (:meth:`Store.unit_scores`); empty for nights kept before it.
    unit_scores: list[dict[str, Any]] = field(default_factory=list)

    @property
    def nights(self) -> list[dt.date]:
        return sorted({r["night"] for r in self.runs if r["status"] == "completed"})

    def finding(self, key: str) -> dict[str, Any] | None:
        return next((f for f in self.findings if f["key"] == key), None)


def load_history(store: Any, portal: str, deadline_working_days: int = 5) -> History:
    return History(portal=portal, runs=store.runs(portal), findings=store.list_findings(portal, status="all"),
                   events=store.events(portal), deadline_working_days=deadline_working_days,
                   unit_scores=store.unit_scores(portal))


def as_of(history: History, night: dt.date, texts: dict[str, dict[str, Any]] | None = None) -> History:
    """The history as it stood once ``night`` was recorded: later nights, their events and scores
    left out, and each finding's lifecycle (status, first seen, opened, last seen, resolved,
    notified, escalated, times seen) taken from its events up to that night, not from its row,
    which later nights moved on. A night's report written again from the store is the report of
    that night, not of the latest one. ``texts`` (by key: the findings as that night wrote them)
    replace the evidence and messages of the row, which are those of the last night that saw it."""
    events = [e for e in history.events if e["night"] <= night]
    lifecycle: dict[str, dict[str, Any]] = {}
    for event in events:
        kind, when = event["event"], event["night"]
        state = lifecycle.get(event["key"])
        if state is None:
            if kind not in _OPENING:
                continue
            state = lifecycle[event["key"]] = {"first_seen": when, "times_seen": 0, "reopened": 0}
        if kind in _OPENING:
            state.update(status="open", opened_at=when, last_seen=when, resolved_at=None, notified_at=None,
                         escalated_at=None, times_seen=state["times_seen"] + 1)
            if kind == "reopened":
                state["reopened"] += 1
            else:                       # opened: the first time, or afresh after it was withdrawn
                state["first_seen"] = when
        elif kind == "seen":
            state.update(last_seen=when, times_seen=state["times_seen"] + 1)
        elif kind in _CLOSING:
            state.update(status=kind, resolved_at=when)
        elif kind == "notified":
            state["notified_at"] = when
            if state["status"] == "open":
                state["status"] = "notified"
        elif kind == "escalated":
            state.update(status="escalated", escalated_at=when)
    findings = []
    for row in history.findings:
        state = lifecycle.get(row["key"])
        if state is not None:
            text = {k: v for k, v in (texts or {}).get(row["key"], {}).items()
                    if k in row and k not in ("portal", "key")}
            findings.append({**row, **text, **state})
    return History(portal=history.portal, runs=[r for r in history.runs if r["night"] <= night], findings=findings,
                   events=events, deadline_working_days=history.deadline_working_days,
                   unit_scores=[s for s in history.unit_scores if s["night"] <= night])


class Spell(NamedTuple):
    """A stretch a finding was active: from the night it opened to the night it closed (exclusive;
    None while open). ``fixed`` says it closed because the portal was put right, not because its
    unit left the registry (withdrawn): only a fix counts as one in the figures."""

    start: dt.date
    end: dt.date | None = None
    fixed: bool = False


def _spells(history: History) -> dict[str, list[Spell]]:
    """Per finding key, the spells it was active."""
    spells: dict[str, list[Spell]] = defaultdict(list)
    for event in history.events:
        key, night = event["key"], event["night"]
        if event["event"] in _OPENING:
            spells[key].append(Spell(night))
        elif event["event"] in _CLOSING and spells[key] and spells[key][-1].end is None:
            spells[key][-1] = Spell(spells[key][-1].start, night, event["event"] == "resolved")
    return spells


def earlier_years_changed(history: History, night: dt.date) -> list[int]:
    """The years before ``night``'s whose yearly figures ``night`` changed: a finding raised in one
    of them was fixed or withdrawn tonight, which moves its days to fix and "fixed in time". Home
    Affairs' workbook of a finished year would otherwise stay as the year's last night wrote it."""
    closing = {e["key"] for e in history.events if e["night"] == night and e["event"] in _CLOSING}
    if not closing:
        return []
    opened: dict[str, dt.date] = {}
    for event in history.events:
        if event["key"] in closing and event["event"] in _OPENING and event["night"] < night:
            opened[event["key"]] = event["night"]
    return sorted({start.year for start in opened.values() if start.year < night.year})


def active_by_night(history: History, unit_id: str | None = None) -> list[tuple[dt.date, int]]:
    """How many findings were active on each recorded night (of one unit, or of the portal)."""
    units = {f["key"]: f["unit_id"] for f in history.findings}
    spells = _spells(history)
    series = []
    for night in history.nights:
        count = sum(1 for key, items in spells.items() if (unit_id is None or units.get(key) == unit_id)
                    for start, end, _ in items if start <= night and (end is None or night < end))
        series.append((night, count))
    return series


def active_on(history: History, night: dt.date) -> dict[str, dt.date]:
    """The findings active on ``night``, each with the night its current spell opened.

    Read from the events, not from the findings' status today: a night shown again after later
    nights were recorded lists what was open then. A finding the night could not check again (its
    page, the directory or the portal not read) stays active, since "unknown" is not "fixed"; so this
    is every finding open that night, not only those the night's crawl found. The spell's start is
    where its deadline and its age count from: a finding that came back after a fix starts again."""
    active = {}
    for key, items in _spells(history).items():
        for start, end, _ in items:
            if start <= night and (end is None or night < end):
                active[key] = start
    return active


def night_counts(history: History) -> dict[dt.date, dict[str, int]]:
    """What each recorded night changed, as counted in every output: ``opened`` (found for the first
    time), ``reopened`` (came back after a fix), ``resolved``, ``withdrawn`` (closed with its unit's
    removal from the registry, not fixed), and ``open`` (active that night).

    Counted from the events, because the runs table's ``opened`` column adds the reopened findings
    in: "mới" in one output and "phát sinh lại" in another would describe the same finding. All
    nights in one pass over the events: the index lists a year of nights every night."""
    counts = {night: {"opened": 0, "reopened": 0, "resolved": 0, "withdrawn": 0, "open": active}
              for night, active in active_by_night(history)}
    for event in history.events:
        if event["night"] in counts and event["event"] in ("opened", "reopened", "resolved", "withdrawn"):
            counts[event["night"]][event["event"]] += 1
    return counts


def deadline(opened: dt.date, working_days: int) -> dt.date:
    """The deadline of a finding opened (or reopened) on ``opened``, in working days."""
    return add_working_days(opened, working_days)


@dataclass(slots=True)
class UnitFigures:
    unit_id: str
    open_by_severity: dict[str, int] = field(default_factory=dict)
    oldest_open_days: int | None = None
    median_days_to_fix: float | None = None
    fixed: int = 0
    trend: list[tuple[dt.date, int]] = field(default_factory=list)


def unit_figures(history: History, unit_ids: list[str], as_of: dt.date) -> dict[str, UnitFigures]:
    """Per unit: findings open on ``as_of`` by severity, age of the oldest, median days to fix, and
    its trend. Open on ``as_of`` by the events, as the report lists them, not by today's status.

    The age counts from the current spell's opening, as the deadline does: a finding fixed and back
    again is as old as its reappearance, else a unit could show the oldest finding of the portal and
    have nothing overdue."""
    out = {u: UnitFigures(u, {"high": 0, "medium": 0, "low": 0}) for u in unit_ids}
    fix_days: dict[str, list[int]] = defaultdict(list)
    kept = {f["key"]: f for f in history.findings}
    for key, opened in active_on(history, as_of).items():
        f = kept.get(key)
        figures = out.get(f["unit_id"]) if f is not None else None
        if figures is None:
            continue
        figures.open_by_severity[f["severity"]] = figures.open_by_severity.get(f["severity"], 0) + 1
        figures.oldest_open_days = max(figures.oldest_open_days or 0, (as_of - opened).days)
    for key, spells in _spells(history).items():
        finding = kept.get(key)
        if finding is None or finding["unit_id"] not in out:
            continue
        for start, end, fixed in spells:
            if fixed and end is not None:
                fix_days[finding["unit_id"]].append((end - start).days)
    for unit_id, figures in out.items():
        days = fix_days.get(unit_id, [])
        figures.fixed = len(days)
        figures.median_days_to_fix = float(statistics.median(days)) if days else None
        figures.trend = active_by_night(history, unit_id)
    return out


def changes_on(history: History, night: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Findings opened, reopened, resolved and withdrawn on ``night`` (what changed since the previous
    night)."""
    result: dict[str, list[dict[str, Any]]] = {"opened": [], "reopened": [], "resolved": [], "withdrawn": []}
    for event in history.events:
        if event["night"] == night and event["event"] in result:
            finding = history.finding(event["key"])
            if finding is not None:
                result[event["event"]].append(finding)
    return result


def _scores_by_night(history: History) -> dict[dt.date, dict[str, tuple[float | None, str | None]]]:
    """Per night, each unit's (score, why not scored) as the store kept them."""
    by_night: dict[dt.date, dict[str, tuple[float | None, str | None]]] = defaultdict(dict)
    for row in history.unit_scores:
        by_night[row["night"]][row["unit_id"]] = (row["score"], row["not_read"])
    return by_night


def month_figures(history: History, unit_ids: list[str], year: int) -> dict[str, dict[int, dict[str, Any]]]:
    """Home Affairs' annual scoring, per unit and month (1-12; 0 = the whole year): findings raised,
    resolved within the deadline, median days to fix, the unit's mean nightly content score, and the
    share of its monitored nights with nothing open.

    A unit's monitored nights are those its page and the directory were read: a night the portal or
    its page did not answer proves neither that its findings were fixed nor that they were not, so
    it counts neither way. Nights kept before the store kept unit scores count for every unit."""
    spells = _spells(history)
    units = {f["key"]: f["unit_id"] for f in history.findings}
    nights = [n for n in history.nights if n.year == year]
    scores = _scores_by_night(history)

    def read(unit_id: str, night: dt.date) -> bool:
        kept = scores.get(night)
        if kept is None:
            return True
        return unit_id in kept and kept[unit_id][1] is None

    table: dict[str, dict[int, dict[str, Any]]] = {u: {} for u in unit_ids}
    for unit_id in unit_ids:
        mine = {k: v for k, v in spells.items() if units.get(k) == unit_id}
        for month in range(0, 13):
            in_period = [n for n in nights if (month == 0 or n.month == month) and read(unit_id, n)]
            points = [scores[n][unit_id][0] for n in in_period if n in scores and scores[n][unit_id][0] is not None]
            raised = in_time = 0
            days: list[int] = []
            for items in mine.values():
                for start, end, fixed in items:
                    if start.year != year or (month and start.month != month):
                        continue
                    raised += 1
                    if fixed and end is not None:
                        days.append((end - start).days)
                        if end <= deadline(start, history.deadline_working_days):
                            in_time += 1
            compliant = sum(1 for n in in_period if not any(s <= n and (e is None or n < e)
                                                            for items in mine.values() for s, e, _ in items))
            table[unit_id][month] = {
                "raised": raised, "resolved_in_time": in_time,
                "median_days_to_fix": float(statistics.median(days)) if days else None,
                "mean_score": round(statistics.fmean(points), 2) if points else None,
                "monitored_days": len(in_period),
                "compliant_share": round(compliant / len(in_period), 3) if in_period else None,
            }
    return table


def former_units(history: History, current: set[str], year: int) -> dict[str, str]:
    """Units checked in ``year`` that the registry no longer holds (removed, merged, given a new id),
    each with the name its latest finding gave it (else its id). Their nights and findings stay in
    Home Affairs' figures: a unit gone in November was still scored from January to October."""
    seen = {row["unit_id"] for row in history.unit_scores if row["night"].year == year}
    units = {f["key"]: f["unit_id"] for f in history.findings}
    seen.update(units[e["key"]] for e in history.events
                if e["event"] in _OPENING and e["night"].year == year and e["key"] in units)
    names: dict[str, tuple[dt.date, str]] = {}
    for finding in history.findings:
        if finding["unit_id"] in seen and finding.get("unit_name"):
            latest = names.get(finding["unit_id"])
            if latest is None or finding["last_seen"] > latest[0]:
                names[finding["unit_id"]] = (finding["last_seen"], finding["unit_name"])
    return {unit_id: names[unit_id][1] if unit_id in names else unit_id for unit_id in sorted(seen - current)}
