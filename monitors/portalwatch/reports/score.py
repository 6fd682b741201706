"""The content score: how much of what the law asks a unit to publish is there and correct.

Modelled on the self-scoring sheets used for the ICT Index under Decree 43/2011 (3 points for each
of: the introduction; the leaders with name, title, phone and e-mail; the agency's contacts; ...)
and on Decree 42/2022 Art. 4(1)(e). Each unit gets 4 criteria of 3 points (12 in all):

    Giới thiệu        3 if its introduction is published (present, not a placeholder)
    Liên hệ           3 x share of address, phone, fax, e-mail published and correct
    Lãnh đạo          3 x share of its leaders (per the roster) listed with complete, valid contacts
    Cập nhật          3 minus 1 for each stale item (old update date, leader who left, leader not listed)

A unit missing from the index or whose page is gone scores 0: citizens find nothing. The portal's
score is the mean of its units', on 12 and in percent. The VP office sees it before the Department
of Information and Communications scores the portal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..findings.model import Finding
from ..profile.registry import Registry
from ..profile.roster import Roster

__all__ = ["UnitScore", "PortalScore", "score_portal", "CRITERIA"]

CRITERIA = (
    ("intro", "Giới thiệu", "Introduction"),
    ("contacts", "Liên hệ của đơn vị", "Unit contacts"),
    ("leaders", "Lãnh đạo, đầu mối liên hệ", "Leaders and contact points"),
    ("timeliness", "Cập nhật kịp thời", "Kept up to date"),
)
POINTS = 3.0
CONTACT_FIELDS = ("address", "phone", "fax", "email")
STALE = {"stale", "leader_left", "leader_missing"}


@dataclass(frozen=True, slots=True)
class UnitScore:
    unit_id: str
    unit_name: str
    intro: float
    contacts: float
    leaders: float
    timeliness: float

    @property
    def total(self) -> float:
        return round(self.intro + self.contacts + self.leaders + self.timeliness, 2)

    @property
    def percent(self) -> float:
        return round(100 * self.total / (POINTS * len(CRITERIA)), 1)


@dataclass(frozen=True, slots=True)
class PortalScore:
    units: list[UnitScore]

    @property
    def total(self) -> float:
        """Mean unit score, on 12."""
        return round(sum(u.total for u in self.units) / len(self.units), 2) if self.units else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.total / (POINTS * len(CRITERIA)), 1)


def score_portal(findings: list[Finding], registry: Registry, roster: Roster | None, night: dt.date) -> PortalScore:
    """Score every registry unit from the night's findings (and the roster, for who should be listed)."""
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
        if any(f.category in ("unit_missing", "page_unreachable") for f in mine):
            scores.append(UnitScore(unit.id, unit.name, 0.0, 0.0, 0.0, 0.0))
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
