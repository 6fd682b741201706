"""The content score: how much of what the law asks a unit to publish is there and correct.

Modelled on the self-scoring sheets used for the ICT Index under Decree 43/2011 (3 points for each
of: the introduction; the leaders with name, title, phone and e-mail; the agency's contacts; ...)
and on Decree 42/2022 Art. 4(1)(e). The report cites the articles in force on its night
(:func:`score_basis`), not these: a report of 2022 cannot cite a decree of August 2022, nor one of
2026 a repealed one. Each unit gets 4 criteria of 3 points (12 in all):

    Giới thiệu        3 if its introduction is published (present, not a placeholder)
    Liên hệ           3 x share of address, phone, fax, e-mail published and correct
    Lãnh đạo          3 x share of its leaders (per the roster) listed with complete, valid contacts
    Cập nhật          3 minus 1 for each stale item (old update date, leader who left, leader not listed)

A unit missing from the index or whose page is gone scores 0: citizens find nothing. A unit too new
to be held to the portal (established on its registry ``since``, the deadline not yet past) is not
scored: it still has time to publish, and 0 would count against it for the whole year. A unit whose
page, or the directory, could not be read tonight (a timeout, a 5xx, layout drift, the portal down)
is not scored: its checks stood aside, and "not checked" must not count as "nothing wrong". So is a
unit whose page shows an update date the profile's date formats do not read: how current it is
cannot be told, and full points for timeliness would be a guess (ops get a notice to fix the
profile; the unit is scored again on the first night its date is read). The
portal's score is the mean of the units scored, on 12 and in percent, and there is none on a night
no unit could be scored. The VP office sees it before the Department of Information and
Communications scores the portal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Protocol

from ..findings.model import Finding
from ..profile.registry import Registry
from ..profile.roster import Roster

__all__ = ["UnitScore", "PortalScore", "score_portal", "score_basis", "CRITERIA", "NOT_READ", "DUTIES"]

CRITERIA = (
    ("intro", "Giới thiệu", "Introduction"),
    ("contacts", "Liên hệ của đơn vị", "Unit contacts"),
    ("leaders", "Lãnh đạo, đầu mối liên hệ", "Leaders and contact points"),
    ("timeliness", "Cập nhật kịp thời", "Kept up to date"),
)
POINTS = 3.0
CONTACT_FIELDS = ("address", "phone", "fax", "email")
STALE = {"stale", "leader_left", "leader_missing"}
#: The duties of ``expectations/legal/bases.yaml`` the criteria score: what a unit publishes of
#: itself, its leaders' contacts, and keeping both current.
DUTIES = ("unit_information", "officials_contacts", "kept_current")
#: Why a unit was not scored: what could not be read tonight (its page, the directory, or the
#: update date on its page), or that it is new and still has time to publish ("new").
NOT_READ = ("page", "directory", "date", "new")


class Seen(Protocol):
    """What tonight's crawl could read (:class:`portalwatch.store.lifecycle.Coverage` is one)."""

    units_read: frozenset[str]
    directory_ok: bool
    unknown: frozenset[tuple[str, str]]      # (unit id, field) read but not understood: a date
    not_due: dict[str, dt.date]              # units too new to be held to the portal: their last day


@dataclass(frozen=True, slots=True)
class UnitScore:
    """A unit's points on each criterion; all None when the unit was not scored (``not_read`` says why)."""

    unit_id: str
    unit_name: str
    intro: float | None
    contacts: float | None
    leaders: float | None
    timeliness: float | None
    not_read: str | None = None          # one of NOT_READ when not scored tonight
    due: dt.date | None = None           # a new unit's last day to publish (not_read "new")

    @property
    def scored(self) -> bool:
        return self.not_read is None

    @property
    def total(self) -> float | None:
        if not self.scored:
            return None
        return round(self.intro + self.contacts + self.leaders + self.timeliness, 2)

    @property
    def percent(self) -> float | None:
        total = self.total
        return None if total is None else round(100 * total / (POINTS * len(CRITERIA)), 1)


@dataclass(frozen=True, slots=True)
class PortalScore:
    units: list[UnitScore]

    @property
    def scored(self) -> list[UnitScore]:
        return [u for u in self.units if u.scored]

    @property
    def not_scored(self) -> list[UnitScore]:
        return [u for u in self.units if not u.scored]

    @property
    def total(self) -> float | None:
        """Mean score of the units scored, on 12; None when no unit could be scored."""
        scored = self.scored
        return round(sum(u.total for u in scored) / len(scored), 2) if scored else None

    @property
    def percent(self) -> float | None:
        total = self.total
        return None if total is None else round(100 * total / (POINTS * len(CRITERIA)), 1)


def score_basis(bases: Any, night: dt.date) -> str | None:
    """The articles the score rests on, as the law stood on ``night`` ("khoản 1 Điều 10, Điều 17
    Nghị định số 43/2011/NĐ-CP; ..."), from the suites' legal bases (:class:`validate.legal.Bases`);
    None when they state none of :data:`DUTIES`. Notes are left out: the report's paragraph on the
    score already says what each criterion covers."""
    from ..validate.legal import Citation, LegalBasis

    duties = getattr(bases, "duties", None) or {}
    citations = tuple(Citation(cite=c.cite, instrument=c.instrument)
                      for duty in DUTIES for c in duties.get(duty, ()))
    if not citations:
        return None
    return LegalBasis(citations).on(night) or None


def score_portal(findings: list[Finding], registry: Registry, roster: Roster | None, night: dt.date,
                 seen: Seen | None = None, directory_expected: bool = True) -> PortalScore:
    """Score every registry unit from the night's findings (and the roster, for who should be listed).

    With ``seen``, a unit whose page was not read tonight, or every unit when the portal has a
    directory (``directory_expected``) that was not read, is not scored: its checks stood aside; so
    is a unit whose page gave a date the profile could not read (``seen.unknown``), and a unit too
    new to be held to the portal (``seen.not_due``).
    Without it every unit is scored, as if the whole portal had been read.
    """
    undated = {unit_id for unit_id, _ in getattr(seen, "unknown", ())}
    not_due = getattr(seen, "not_due", None) or {}
    by_unit: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_unit[finding.unit_id].append(finding)
    active: dict[str, set[str]] = defaultdict(set)
    for entry in (roster.active(night) if roster else []):
        active[entry.unit_id].add(entry.key)
    scores = []
    for unit in registry:
        mine = by_unit.get(unit.id, [])
        unit_level = [f for f in mine if f.subject == "unit"]
        if unit.id in not_due:
            scores.append(UnitScore(unit.id, unit.name, None, None, None, None, not_read="new", due=not_due[unit.id]))
            continue
        if any(f.category in ("unit_missing", "page_unreachable") for f in mine):
            scores.append(UnitScore(unit.id, unit.name, 0.0, 0.0, 0.0, 0.0))
            continue
        if seen is not None and unit.id not in seen.units_read:
            scores.append(UnitScore(unit.id, unit.name, None, None, None, None, not_read="page"))
            continue
        if seen is not None and directory_expected and not seen.directory_ok:
            scores.append(UnitScore(unit.id, unit.name, None, None, None, None, not_read="directory"))
            continue
        if unit.id in undated:
            scores.append(UnitScore(unit.id, unit.name, None, None, None, None, not_read="date"))
            continue
        intro = 0.0 if any(f.field == "intro" for f in unit_level) else POINTS
        wrong = {f.field for f in unit_level if f.field in CONTACT_FIELDS}
        contacts = POINTS * (len(CONTACT_FIELDS) - len(wrong)) / len(CONTACT_FIELDS)
        people_with_findings = {f.subject for f in mine if f.subject != "unit"}
        left = {f.subject for f in mine if f.category == "leader_left"}
        expected = len(active.get(unit.id, set())) + len(left)
        if expected:
            from ..profile.matching import name_key

            missing_or_wrong = {name_key(p) for p in people_with_findings}
            good = len(active.get(unit.id, set()) - missing_or_wrong)
            leaders = POINTS * good / expected
        else:
            leaders = 0.0 if people_with_findings else POINTS
        stale = sum(f.category in STALE for f in mine)
        timeliness = max(0.0, POINTS - stale)
        scores.append(UnitScore(unit.id, unit.name, intro, round(contacts, 2), round(leaders, 2), timeliness))
    return PortalScore(scores)


def score_line(score: dict) -> str:
    """The ``score`` of a night's summary.json in one line, for the CLI and Prefect's summary:
    ``8.5/12 (70.8%)``, with how many units were not scored, or why there is no score at all."""
    why = list((score.get("not_scored") or {}).values())
    new = why.count("new")
    if score.get("points") is None:
        if why and new == len(why):
            return ("chưa chấm: mọi đơn vị đều là đơn vị mới, chưa đến hạn công bố thông tin / not scored: "
                    "every unit is new and still has time to publish")
        return "chưa chấm được: không đọc được trang của đơn vị nào / not scored: no unit could be read"
    line = f"{score['points']}/12 ({score['percent']}%)"
    if len(why) > new:
        line += (f", chấm {score.get('units_scored', 0)} đơn vị, {len(why) - new} đơn vị chưa chấm được / "
                 f"{len(why) - new} units not scored (page, directory or update date not read)")
    if new:
        line += (f", {new} đơn vị mới chưa đến hạn chấm / {new} new units not yet due")
    return line
